"""What capacity is worth: one re-solve per resource and direction, as a table.

:func:`capacity_values` takes a scenario, makes one sweep :class:`~eastwest_opt.sweeps.spec.Variant`
per resource (each hub's grid MW, each hub's inventory of each accelerator type, each hub's
storage, each link's Gbps) and direction (``more``: the capacity plus one step; ``less``: minus
one step, clipped at zero), and solves them with the sweep machinery
(:func:`~eastwest_opt.sweeps.run.execute`: local processes, or a Dask cluster; a variant that
changes only a capacity is written into an already built model and re-solved in place). Every
plan is checked by the independent verifier (:func:`~eastwest_opt.sweeps.solve.solve_variant`).

With base cost ``C0`` and bound ``B0`` and variant cost ``C1`` and bound ``B1``, the true saving
``S = OPT0 - OPT1`` lies in ``[B0 - C1, C0 - B1]`` (since ``B0 <= OPT0 <= C0`` and
``B1 <= OPT1 <= C1``); the point reported is ``C0 - C1``. For ``more`` the variant relaxes the
problem, so ``S >= 0`` and the low end is raised to 0; for ``less`` it restricts it, so ``S <= 0``
and the high end is lowered to 0. ``slack`` is the capacity the base plan leaves unused; it is
reported; it skips a re-solve in the one case where that is provably exact: a ``less`` step no
larger than the slack leaves the base plan feasible (capacities carry no cost), so
``OPT0 <= OPT1 <= C0`` and the saving lies in ``[B0 - C0, 0]``; the row reports the base plan's
cost and status ``slack`` (see models/placement.md, "Capacity values").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.sweeps.core import Problem, Scenario, ScenarioError, load_scenario
from eastwest_opt.sweeps.run import RunSettings, connect_dask, execute
from eastwest_opt.sweeps.solve import SOLVED, VariantResult, solve_variant
from eastwest_opt.sweeps.spec import Override, Variant

SLACK = "slack"  # a ``less`` step the base plan does not need: not re-solved (module docstring)
DEFAULT_STEPS: dict[str, float] = {"grid_mw": 10.0, "accelerators": 256, "storage_tb": 500.0, "link_gbps": 100.0}
COLUMNS = [
    "resource_kind",
    "resource_id",
    "accel_id",
    "period_id",
    "direction",
    "step",
    "base_cost_cny",
    "cost_cny",
    "saving_cny",
    "saving_low_cny",
    "saving_high_cny",
    "slack",
    "status",
]


@dataclass(frozen=True)
class Resource:
    """One capacity: its kind, its row, the table and column it lives in, and its value."""

    kind: str
    resource_id: str
    accel_id: str
    table: str
    ids: tuple[str, ...]
    column: str
    value: float
    period_id: str = ""


def check_steps(steps: Mapping[str, float] | None) -> dict[str, float]:
    """The step of every kind: the defaults with ``steps`` over them; unknown kinds and steps <= 0 are errors."""
    out = dict(DEFAULT_STEPS)
    for kind, step in (steps or {}).items():
        if kind not in DEFAULT_STEPS:
            known = ", ".join(DEFAULT_STEPS)
            raise ScenarioError([Problem("--step", f"unknown resource kind {kind!r}; choose one of {known}")])
        if not isinstance(step, int | float) or isinstance(step, bool) or not step > 0:
            raise ScenarioError([Problem("--step", f"{kind}: the step must be a number above 0, got {step!r}")])
        out[kind] = step
    return out


def resources(scenario: Scenario) -> list[Resource]:
    """Every capacity of the scenario, in table order. In a scenario with periods, grid MW,
    storage and link Gbps are one resource per period (each period's value, from
    ``hub_periods`` and ``link_periods``, blank: the hub's or link's own); an accelerator
    inventory has one value for the whole horizon and stays one resource."""
    periods = [str(p) for p in scenario.periods["period_id"]] if len(scenario.periods) else []
    out = _hub_resources(scenario, "grid_mw", "grid_mw", periods)
    for row in scenario.hub_accelerators.itertuples(index=False):
        hub, accel = str(row.hub_id), str(row.accel_id)
        out.append(Resource("accelerators", hub, accel, "hub_accelerators", (hub, accel), "count", float(row.count)))
    out += _hub_resources(scenario, "storage_tb", "storage_tb", periods)
    if not periods:
        for row in scenario.links.itertuples(index=False):
            link = str(row.link_id)
            out.append(Resource("link_gbps", link, "", "links", (link,), "capacity_gbps", float(row.capacity_gbps)))
        return out
    frame = scenario.table("link_periods")
    values = scenario.period_values("link_periods", "capacity_gbps", frame)
    for link, period, value in zip(frame["link_id"], frame["period_id"], values, strict=True):
        ids = (str(link), str(period))
        out.append(Resource("link_gbps", ids[0], "", "link_periods", ids, "capacity_gbps", float(value), ids[1]))
    return out


def _hub_resources(scenario: Scenario, kind: str, column: str, periods: list[str]) -> list[Resource]:
    """Each hub's ``column`` as a resource of ``kind``: one per hub, or one per hub and period."""
    if not periods:
        return [
            Resource(kind, str(hub), "", "hubs", (str(hub),), column, float(value))
            for hub, value in zip(scenario.hubs["hub_id"], scenario.hubs[column], strict=True)
        ]
    frame = scenario.table("hub_periods")
    values = scenario.period_values("hub_periods", column, frame)
    return [
        Resource(kind, str(hub), "", "hub_periods", (str(hub), str(period)), column, float(value), str(period))
        for hub, period, value in zip(frame["hub_id"], frame["period_id"], values, strict=True)
    ]


def variant_of(resource: Resource, direction: str, step: float) -> Variant:
    """The variant with ``resource`` one step more or less (clipped at zero)."""
    value = resource.value + step if direction == "more" else max(0.0, resource.value - step)
    if resource.kind == "accelerators":
        value = round(value)
    name = "/".join(resource.ids)
    override = Override(
        path=f"values.{resource.kind}.{name}",
        op="set",
        table=resource.table,
        ids=(resource.ids,),
        values={resource.column: value},
    )
    return Variant(
        id=f"{resource.kind}__{name.replace('/', '_')}__{direction}",
        label=f"{resource.kind} {name} {direction}",
        kind="named",
        parameters={},
        overrides=(override,),
    )


def capacity_values(
    scenario: Scenario | str | Path | None = None,
    *,
    steps: Mapping[str, float] | None = None,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    workers: int | None = None,
    scheduler: Any = None,
) -> pd.DataFrame:
    """What each capacity is worth (``ew.capacity_values``): re-solve ``scenario`` (a :class:`Scenario`,
    a folder or workbook, ``None`` for the shipped one) with each capacity one step more and one
    step less, in ``workers`` local processes (default: one per CPU) or on the Dask cluster of
    ``scheduler``; return the table (columns :data:`COLUMNS`).

    Raises :class:`ScenarioError` for a bad step, and the base solve's own error
    (:class:`~eastwest_opt.errors.InfeasibleError`, ...) when the base scenario has no plan."""
    from eastwest_opt.solver.status import SolveOptions

    step_of = check_steps(steps)
    if workers is not None and workers < 1:
        raise ScenarioError([Problem("--workers", f"must be at least 1, got {workers}")])
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    client, own = connect_dask(scheduler) if scheduler is not None else (None, False)
    try:
        return values_table(scenario, step_of, SolveOptions(time_limit_s, mip_rel_gap, None), workers, client)
    finally:
        if own:
            client.close()


def values_table(
    scenario: Scenario, step_of: Mapping[str, float], options: Any, workers: int | None, client: Any
) -> pd.DataFrame:
    """The table of what each capacity is worth, one row per resource and direction: the base
    solved here, the variants by :func:`~eastwest_opt.sweeps.run.execute`."""
    base = solve_variant(scenario, Variant("base", "base", "named", {}, ()), options)
    if base.status not in SOLVED:
        raise _base_error(base)
    usage = _usage(base)
    items = [(r, d) for r in resources(scenario) for d in ("more", "less")]
    variants = [variant_of(r, d, step_of[r.kind]) for r, d in items]
    fits = [d == "less" and _slack(r, usage) >= _needed(r, step_of[r.kind]) for r, d in items]
    solve = [v for v, skip in zip(variants, fits, strict=True) if not skip]
    results: dict[str, dict[str, Any]] = {}
    for variant, result in execute(scenario, solve, RunSettings(options=options), workers, client, "values"):
        results[variant.id] = result.record
    kept = {"status": SLACK, "objective_cny": base.record["objective_cny"], "bound_cny": base.record["bound_cny"]}
    rows = [
        _row(r, d, step_of[r.kind], base.record, kept if skip else results[v.id], usage)
        for (r, d), v, skip in zip(items, variants, fits, strict=True)
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def _needed(r: Resource, step: float) -> float:
    """The slack a ``less`` step needs for the base plan to stay feasible: the step actually
    taken, with a margin above the verifier's tolerance."""
    taken = min(step, r.value)
    return taken + 1e-6 * max(1.0, abs(r.value))


def _base_error(base: VariantResult) -> Exception:
    """The error of a base scenario without a plan."""
    from eastwest_opt.sweeps.core import InfeasibleError, NoSolutionError

    message = str(base.record.get("message", base.status))
    if base.status == "infeasible":
        return InfeasibleError(message, base.explanation)
    if base.status == "no_solution":
        return NoSolutionError(message)
    return RuntimeError(f"the base scenario failed: {message}")


def _usage(base: VariantResult) -> dict[tuple[str, str, str, str], float]:
    """How much of each capacity the base plan uses, by (kind, resource id, accel id, period id):
    period id blank for the whole horizon (a hub's peak over periods; a link's highest
    utilisation), else that period's use."""
    out: dict[tuple[str, str, str, str], float] = {}
    for hub, load in base.record["hubs"].items():
        out[("grid_mw", hub, "", "")] = float(load["meter_mw"])
        out[("storage_tb", hub, "", "")] = float(load["storage_used_tb"])
    tables = base.tables or {}
    usage = tables.get("accelerator_usage")  # per period: the peak is what the inventory must hold
    if usage is not None and len(usage):
        for (hub, accel), count in usage.groupby(["hub_id", "accel_id"])["used"].max().items():
            out[("accelerators", str(hub), str(accel), "")] = float(count)
    for link, load in base.record["links"].items():
        out[("link_gbps_util", link, "", "")] = float(load["max_utilisation"])
    per_hub = tables.get("hub_periods")
    if per_hub is not None and len(per_hub):
        for row in per_hub.itertuples(index=False):
            out[("grid_mw", str(row.hub_id), "", str(row.period_id))] = float(row.meter_mw)
            out[("storage_tb", str(row.hub_id), "", str(row.period_id))] = float(row.storage_used_tb)
    flows = tables.get("link_flows")
    if flows is not None and len(flows) and "link_id" in flows.columns:
        busiest = flows.groupby(["link_id", "period_id"])["utilisation"].max()
        for (link, period), value in busiest.items():
            out[("link_gbps_util", str(link), "", str(period))] = float(value)
    return out


def _slack(r: Resource, usage: dict) -> float:
    """The capacity of ``r`` the base plan leaves unused (a link: at its busiest direction)."""
    if r.kind == "link_gbps":
        return r.value * (1.0 - min(1.0, usage.get(("link_gbps_util", r.resource_id, "", r.period_id), 0.0)))
    return r.value - usage.get((r.kind, r.resource_id, r.accel_id, r.period_id), 0.0)


def _row(
    r: Resource, direction: str, step: float, base: dict[str, Any], var: dict[str, Any], usage: dict
) -> dict[str, Any]:
    """One row of the table."""
    c0, b0 = float(base["objective_cny"]), float(base["bound_cny"])
    slack = _slack(r, usage)
    row: dict[str, Any] = {
        "resource_kind": r.kind,
        "resource_id": r.resource_id,
        "accel_id": r.accel_id,
        "period_id": r.period_id,
        "direction": direction,
        "step": step if direction == "more" else min(step, r.value),
        "base_cost_cny": c0,
        "slack": slack,
        "status": var["status"],
    }
    if var["status"] not in (*SOLVED, SLACK):
        return row
    c1, b1 = float(var["objective_cny"]), float(var["bound_cny"])
    low, high = b0 - c1, c0 - b1
    if direction == "more":
        low = max(low, 0.0)
    else:
        high = min(high, 0.0)
    row.update(cost_cny=c1, saving_cny=c0 - c1, saving_low_cny=low, saving_high_cny=high)
    return row


def write_values(table: pd.DataFrame, out: str | Path) -> Path:
    """Write ``OUT/capacity_values.csv`` atomically; return its path."""
    from eastwest_opt.atomic import write_file

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "capacity_values.csv"
    write_file(path, lambda tmp: table.to_csv(tmp, index=False))
    return path


def print_top(table: pd.DataFrame, n: int = 10) -> None:
    """Print the ``n`` rows of largest ``|saving|`` as a rich table."""
    from rich.console import Console
    from rich.table import Table

    units = {"grid_mw": "MW", "accelerators": "accel.", "storage_tb": "TB", "link_gbps": "Gbps"}
    shown = Table(title=f"What capacity is worth: top {n} by |saving|, CNY")
    for name in ("Resource", "Change", "Saving", "Interval", "Status"):
        shown.add_column(name, justify="right" if name in ("Change", "Saving") else "left")
    top = table.assign(_abs=table["saving_cny"].abs()).sort_values("_abs", ascending=False, na_position="last")
    for row in top.head(n).itertuples(index=False):
        solved = pd.notna(row.saving_cny)
        where = " ".join(str(v) for v in (row.resource_id, row.accel_id, row.period_id) if isinstance(v, str) and v)
        sign = "+" if row.direction == "more" else "-"
        shown.add_row(
            where,
            f"{sign}{row.step:g} {units.get(row.resource_kind, row.resource_kind)}",
            f"{row.saving_cny:,.0f}" if solved else "",
            f"{row.saving_low_cny:,.0f} to {row.saving_high_cny:,.0f}" if solved else "",
            row.status,
        )
    Console().print(shown)
