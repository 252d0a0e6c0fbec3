"""A generated portfolio spread over a year of periods, for benchmarks and tests of time.

:func:`spread_over_year` takes a one-window scenario (e.g. from :func:`generate_scenario`) and
plans it over ``periods`` consecutive periods of a 8,760 h year (12: calendar months; 52:
weeks of 168 h; otherwise equal blocks). Every number it adds is an estimate with a stated
shape, not data:

- prices, grid headroom and carbon factors per hub and period follow simple seasonal shapes:
  southwestern hydro (grid region ``Southwest``) cheaper, greener and with more headroom in the
  wet season (June-October: price x0.8, grid x1.3, carbon x0.8) than in the dry season
  (December-April: x1.15, x1.0, x1.25); northern wind hubs (``North``) a little more headroom in
  winter and spring (x1.1); north-western solar hubs (``Northwest``) in summer (x1.1);
- each hub's grid allocation in a period is its one-window allocation divided by
  ``concurrency`` (default 3) times the seasonal factor: a year's portfolio does not all run at
  once, and a planner's headroom is shared over the year;
- 70% of jobs get a release period and a deadline (a window of 1-4 periods beyond the periods
  their runtime needs); a quarter of the pre-training and mid-size jobs are preemptible;
- a must-place job becomes optional at a penalty of five times its dearest energy cost, so that
  the spread scenario stays feasible whatever the windows and the tighter headroom.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from eastwest_opt.generate.core import SCHEMAS, Scenario, parse_table

MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
WET, DRY = {6, 7, 8, 9, 10}, {12, 1, 2, 3, 4}


def period_table(periods: int) -> pd.DataFrame:
    """Consecutive periods of a 8,760 h year, with the calendar month each falls in (mostly)."""
    if periods == 12:
        hours = [24.0 * d for d in MONTH_DAYS]
        labels = ["January", "February", "March", "April", "May", "June", "July", "August"]
        labels += ["September", "October", "November", "December"]
        months = list(range(1, 13))
    else:
        hours = [8760.0 / periods] * periods
        labels = [f"Period {i + 1}" for i in range(periods)]
        mid = np.cumsum(hours) - np.array(hours) / 2
        months = [int(np.searchsorted(np.cumsum([24.0 * d for d in MONTH_DAYS]), m)) + 1 for m in mid]
    ids = [f"m{i + 1:02d}" if periods == 12 else f"p{i + 1:02d}" for i in range(periods)]
    return pd.DataFrame({"period_id": ids, "label": labels, "hours": hours, "month": months})


def _season(grid_region: str, month: int) -> tuple[float, float, float]:
    """(price, grid, carbon) factors of a hub's grid region in a calendar month (estimates)."""
    if grid_region.lower().startswith("southwest"):
        if month in WET:
            return 0.8, 1.3, 0.8
        if month in DRY:
            return 1.15, 1.0, 1.25
        return 1.0, 1.1, 1.0
    if grid_region.lower().startswith("northwest"):
        return 1.0, 1.1 if month in {5, 6, 7, 8} else 1.0, 0.95 if month in {5, 6, 7, 8} else 1.0
    if grid_region.lower().startswith("north"):
        return 1.0, 1.1 if month in {11, 12, 1, 2, 3, 4} else 1.0, 0.95 if month in {11, 12, 1, 2, 3, 4} else 1.0
    return 1.0, 1.0, 1.0


def spread_over_year(scenario: Scenario, periods: int = 12, seed: int = 0, *, concurrency: float = 3.0) -> Scenario:
    """``scenario`` planned over ``periods`` periods of a year (see the module docstring)."""
    rng = np.random.default_rng(seed)
    table = period_table(periods)
    hubs = scenario.hubs
    rows = []
    for hub in hubs.itertuples(index=False):
        for p, month in zip(table["period_id"], table["month"], strict=True):
            price, grid, carbon = _season(str(hub.grid_region), int(month))
            rows.append(
                {
                    "hub_id": hub.hub_id,
                    "period_id": p,
                    "price_cny_per_kwh": round(float(hub.price_cny_per_kwh) * price, 4),
                    "grid_mw": round(float(hub.grid_mw) / concurrency * grid, 3),
                    "carbon_kg_per_kwh": round(float(hub.carbon_kg_per_kwh) * carbon, 4),
                }
            )
    jobs = _timed_jobs(scenario, table, rng)
    tables = dict(scenario.tables)
    for name, frame in (("periods", table.drop(columns="month")), ("hub_periods", pd.DataFrame(rows)), ("jobs", jobs)):
        typed, problems = parse_table(frame, SCHEMAS[name], f"{name}.csv")
        if any(p.severity == "error" for p in problems):
            raise ValueError(f"spread_over_year made an invalid {name} table: {problems[0]}")
        tables[name] = typed
    return dataclasses.replace(
        scenario,
        name=f"{scenario.name}-{periods}p",
        description=f"{scenario.description} Spread over {periods} periods of a year (estimates).".strip(),
        planning_window_hours=float(table["hours"].sum()),
        tables=tables,
        sources={**scenario.sources, **{n: f"{n}.csv" for n in ("periods", "hub_periods")}},
    )


def _timed_jobs(scenario: Scenario, table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Release periods, deadlines and preemption for the jobs; must-place jobs made optional."""
    jobs = scenario.jobs.copy()
    n, periods = len(jobs), len(table)
    ends = np.cumsum(table["hours"].to_numpy())
    starts = ends - table["hours"].to_numpy()
    runtime = jobs["runtime_h"].to_numpy(dtype=float)
    windowed = rng.random(n) < 0.7
    release = rng.integers(0, periods, n)
    needed = np.array([np.searchsorted(ends, starts[r] + rt - 1e-9) for r, rt in zip(release, runtime, strict=True)])
    deadline = np.minimum(needed + rng.integers(1, 5, n), periods - 1)
    ok = windowed & (needed < periods)
    ids = list(table["period_id"])
    jobs["release_period"] = [ids[r] if w else "" for r, w in zip(release, ok, strict=True)]
    jobs["deadline_period"] = [ids[d] if w else "" for d, w in zip(deadline, ok, strict=True)]
    big = jobs["accel_count"].to_numpy() >= 512
    jobs["preemptible"] = big & (rng.random(n) < 0.25)
    must = jobs["unplaced_penalty_cny"].isna().to_numpy()
    dearest = float((scenario.hubs["price_cny_per_kwh"] * scenario.hubs["pue"]).max())
    kw = dict(zip(scenario.accelerators["accel_id"], scenario.accelerators["kw_per_accel"], strict=True))
    energy = jobs["accel_count"] * jobs["accel_id"].map(kw) / 1000.0 * jobs["runtime_h"] * 1000.0 * dearest
    jobs.loc[must, "unplaced_penalty_cny"] = (5.0 * energy[must]).round(-2)
    for col in ("serving_hubs", "allowed_hubs"):
        jobs[col] = jobs[col].map(lambda v: ";".join(v) if isinstance(v, tuple | list) else v)
    return jobs
