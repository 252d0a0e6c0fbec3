"""Magnitudes the solver can work with: the coefficients the model derives from several columns.

Every column has an admissible range of its own (:mod:`~eastwest_opt.scenario.schema`), but the
model multiplies columns together: a job's meter power is ``accel_count x kw_per_accel / 1000 x
pue``, its energy cost that times ``runtime_h x 1000 x price``, a link's capacity over the window
``capacity_gbps x planning_window_hours x 0.45`` TB. Each product is checked here against the
limit of its kind:

- :data:`MAX_COEFFICIENT` (1e9, in the row's unit: MW, tCO2) for a coefficient of a constraint
  row. HiGHS refuses matrix values from 1e15 (its ``large_matrix_value``);
- :data:`MAX_BOUND` (1e12) for a bound of a row (a link's TB over the window);
- :data:`MAX_COST` (1e12 CNY) for a cost coefficient of the objective (a job's energy or carbon
  cost at a hub, a dataset's storage cost at a hub): HiGHS treats costs from 1e20 as infinite,
  and a plan is compared with its bound to a relative gap, so eight orders of magnitude of
  margin keep the gap meaningful.

Magnitudes also meet HiGHS's tolerances. It holds integers only to within 1e-6 of whole
(``mip_feasibility_tolerance``): a job left out at ``x = 2e-7`` instead of 0 still adds
``2e-7 x c`` to its rows, and where a row's other terms are small that can cancel them. Measured
on the shipped scenario with artifacts of 1e6 TB on every fourth job: an unplaced giant's
``-2e-7 x 1e6 TB`` cancelled another job's 0.2 TB artifact and the plan failed verification;
with 1e5 TB it did not. The columns' own limits (``artifact_tb`` at most 1e5 TB, ``size_tb``
1e7 TB, see :mod:`~eastwest_opt.scenario.schema`) keep the inputs below what was measured to
break; ``benchmarks/fuzz_inputs.py`` solves scenarios with values at those limits.

A job is checked at the hub where the product is largest (PUE, price or carbon factor), whether
or not it may train there: a bound that holds at every hub holds at the hubs the job may use.
With periods, a hub's price and carbon factor are its largest over the periods
(``hub_periods``, blank cells the hub's own value), and each ``link_periods`` row's capacity is
checked over its own period (``capacity_gbps x hours x 0.45`` TB); the other per-period values
(``grid_mw``, ``storage_tb``) enter no product and are held to their columns' ranges.
No real hub, link, dataset or job comes within orders of magnitude of these limits; a value
beyond them is a unit slip (W for kW, kWh for MWh) or a corrupted file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.schema import HOURS_PER_MONTH, TB_PER_GBPS_HOUR

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario

MAX_COEFFICIENT = 1e9
MAX_BOUND = 1e12
MAX_COST = 1e12
REPORTED_ROWS = 20  # rows named per check; the rest are counted in one more line


def check_magnitudes(s: Scenario) -> list[Problem]:
    """Every derived coefficient within its limit; one problem per offending row (at most 20 per check).

    Rows whose references do not resolve are skipped (the reference checks name them).
    """
    if not len(s.hubs):
        return []
    problems: list[Problem] = []
    problems += _job_products(s, s.jobs, *_job_factors(s, s.jobs), s.sources.get("jobs", "jobs.csv"), "job")
    ov = s.overrides
    if len(ov):
        it_mw, runtime = _override_factors(s, ov)
        problems += _job_products(s, ov, it_mw, runtime, s.sources.get("overrides", "overrides.csv"), "override of job")
    links = s.links
    cap_tb = links["capacity_gbps"].to_numpy(float) * s.planning_window_hours * TB_PER_GBPS_HOUR
    problems += _report(
        s.sources.get("links", "links.csv"),
        "capacity_gbps",
        cap_tb,
        MAX_BOUND,
        lambda i: (
            f"link {links['link_id'].iat[i]!r} carries up to {cap_tb[i]:.3g} TB over the window "
            f"(capacity_gbps x planning_window_hours x {TB_PER_GBPS_HOUR})"
        ),
        "TB a bound of the model",
    )
    problems += _link_period_bounds(s)
    ds = s.datasets
    price = s.hubs["storage_price_cny_per_tb_month"].to_numpy(float)
    h = int(np.nanargmax(price)) if np.isfinite(price).any() else 0
    store = ds["size_tb"].to_numpy(float) * price[h] * s.planning_window_hours / HOURS_PER_MONTH
    hub = s.hubs["hub_id"].iat[h]
    problems += _report(
        s.sources.get("datasets", "datasets.csv"),
        "size_tb",
        store,
        MAX_COST,
        lambda i: (
            f"dataset {ds['dataset_id'].iat[i]!r} would cost {store[i]:.3g} CNY to store at hub {hub!r} "
            "(size_tb x storage_price_cny_per_tb_month x months)"
        ),
        "CNY a cost of the model",
    )
    return problems


def _job_factors(s: Scenario, jobs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """IT MW and runtime of every job, from its own columns."""
    kw = dict(zip(s.accelerators["accel_id"], s.accelerators["kw_per_accel"], strict=False))
    per = jobs["accel_id"].map(kw).to_numpy(dtype=float, na_value=np.nan)
    it_mw = jobs["accel_count"].to_numpy(dtype=float, na_value=np.nan) * per / 1000.0
    return it_mw, jobs["runtime_h"].to_numpy(dtype=float, na_value=np.nan)


def _override_factors(s: Scenario, ov: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """IT MW and runtime of every override row: its own values, the job's where it gives none."""
    jobs = s.jobs.drop_duplicates("job_id").set_index("job_id")
    base = jobs.reindex(ov["job_id"])
    accel = ov["accel_id"].where(ov["accel_id"] != "", base["accel_id"].to_numpy())
    count = ov["accel_count"].where(ov["accel_count"].notna(), base["accel_count"].to_numpy())
    frame = pd.DataFrame({"accel_id": accel.to_numpy(), "accel_count": count.to_numpy(dtype=float)})
    it_mw, _ = _job_factors(s, frame.assign(runtime_h=0.0))
    it_mw = np.where(ov["it_mw"].notna(), ov["it_mw"].to_numpy(dtype=float), it_mw)
    runtime = ov["runtime_h"].where(ov["runtime_h"].notna(), base["runtime_h"].to_numpy()).to_numpy(dtype=float)
    return it_mw, runtime


def _job_products(
    s: Scenario, rows: pd.DataFrame, it_mw: np.ndarray, runtime: np.ndarray, file: str, what: str
) -> list[Problem]:
    """Meter MW, energy cost, emissions and carbon cost of each job at the hub where each is largest."""
    hubs = s.hubs
    pue = hubs["pue"].to_numpy(float)
    factors = {
        "meter": pue,
        "cost": pue * peak_hub_values(s, "price_cny_per_kwh") * 1000.0,
        "carbon": pue * peak_hub_values(s, "carbon_kg_per_kwh"),
    }
    at = {k: int(np.nanargmax(v)) if np.isfinite(v).any() else 0 for k, v in factors.items()}
    hub = {k: hubs["hub_id"].iat[i] for k, i in at.items()}
    meter = it_mw * factors["meter"][at["meter"]]
    cost = it_mw * runtime * factors["cost"][at["cost"]]
    carbon = it_mw * runtime * factors["carbon"][at["carbon"]]
    carbon_cost = carbon * s.carbon_price_cny_per_t
    ids = rows["job_id"]
    problems = _report(
        file,
        "accel_count",
        meter,
        MAX_COEFFICIENT,
        lambda i: (
            f"{what} {ids.iat[i]!r} would draw {meter[i]:.3g} MW at hub {hub['meter']!r} "
            "(accel_count x kw_per_accel / 1000 x pue)"
        ),
        "MW a coefficient of the model",
    )
    problems += _report(
        file,
        "runtime_h",
        cost,
        MAX_COST,
        lambda i: (
            f"{what} {ids.iat[i]!r} would cost {cost[i]:.3g} CNY of energy at hub {hub['cost']!r} "
            "(IT MW x runtime_h x pue x 1000 x price_cny_per_kwh)"
        ),
        "CNY a cost of the model",
    )
    problems += _report(
        file,
        "runtime_h",
        carbon,
        MAX_COEFFICIENT,
        lambda i: (
            f"{what} {ids.iat[i]!r} would emit {carbon[i]:.3g} tCO2 at hub {hub['carbon']!r} "
            "(IT MW x runtime_h x pue x carbon_kg_per_kwh)"
        ),
        "tCO2 a coefficient of the model",
    )
    problems += _report(
        file,
        "runtime_h",
        carbon_cost,
        MAX_COST,
        lambda i: (
            f"{what} {ids.iat[i]!r} would cost {carbon_cost[i]:.3g} CNY of carbon at hub {hub['carbon']!r} "
            "(its emissions x carbon_price_cny_per_t)"
        ),
        "CNY a cost of the model",
    )
    return problems


def peak_hub_values(s: Scenario, column: str) -> np.ndarray:
    """Each hub's largest value of ``column`` over its own and its ``hub_periods`` rows (in hub order)."""
    own = s.hubs[column].to_numpy(float)
    hp = s.hub_periods
    if not len(hp) or column not in hp.columns:
        return own
    per = pd.Series(hp[column].to_numpy(float)).groupby(hp["hub_id"].to_numpy()).max()
    return np.fmax(own, s.hubs["hub_id"].map(per).to_numpy(dtype=float, na_value=np.nan))


def _link_period_bounds(s: Scenario) -> list[Problem]:
    """Each ``link_periods`` row's capacity over its period within :data:`MAX_BOUND` TB."""
    lp = s.link_periods
    if not len(lp) or not len(s.periods):
        return []
    hours = lp["period_id"].map(dict(zip(s.periods["period_id"], s.periods["hours"], strict=False)))
    cap_tb = lp["capacity_gbps"].to_numpy(float) * hours.to_numpy(dtype=float, na_value=np.nan) * TB_PER_GBPS_HOUR
    return _report(
        s.sources.get("link_periods", "link_periods.csv"),
        "capacity_gbps",
        cap_tb,
        MAX_BOUND,
        lambda i: (
            f"link {lp['link_id'].iat[i]!r} carries up to {cap_tb[i]:.3g} TB in period {lp['period_id'].iat[i]!r} "
            f"(capacity_gbps x hours x {TB_PER_GBPS_HOUR})"
        ),
        "TB a bound of the model",
    )


def _report(
    file: str, column: str, values: np.ndarray, limit: float, say: Callable[[int], str], holds: str
) -> list[Problem]:
    """A problem for each row whose value exceeds ``limit`` (the first 20, then a count of the rest)."""
    over = np.flatnonzero(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0) > limit)
    problems = [
        Problem(file, f"{say(int(i))}: more than the {limit:.0e} {holds} may hold", row=int(i) + 2, column=column)
        for i in over[:REPORTED_ROWS]
    ]
    if len(over) > REPORTED_ROWS:
        problems.append(Problem(file, f"and {len(over) - REPORTED_ROWS:,} more rows like these", column=column))
    return problems
