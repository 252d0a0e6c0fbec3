"""Reading a solved model's decisions into the plan's tables."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eastwest_opt.plan.plan import ROUTE_SEP, TB_TOL, Plan
from eastwest_opt.plan.tables import cost_table, hub_period_table, link_flow_table, usage_tables
from eastwest_opt.scenario.core import HOURS_PER_MONTH
from eastwest_opt.scenario.fingerprint import scenario_fingerprint

if TYPE_CHECKING:
    from eastwest_opt.solver.placement import PlacementModel
    from eastwest_opt.solver.status import SolveOptions, SolveResult


def extract_plan(pm: PlacementModel, result: SolveResult, options: SolveOptions) -> Plan:
    """Read the solution out of a solved :class:`PlacementModel` (either builder) into plan tables."""
    sc, net, data = pm.scenario, pm.network, pm.data
    values = pm.solution_values()
    staged = {dh for dh, v in values["s"].items() if v > 0.5}
    placements, job_periods = _placements(pm, values, staged)
    replicas = _replicas(pm, values, staged)
    staging = pd.DataFrame(
        [
            {"dataset_id": d, "to_hub": h, "from_hub": r, "period_id": p, "tb": tb}
            for (d, r, h, p), tb in values["q"].items()
            if tb > TB_TOL
        ],
        columns=["dataset_id", "to_hub", "from_hub", "period_id", "tb"],
    )
    traffic = _traffic(pm, values["f"])
    artifact_routes = _artifact_routes(pm, values["w"])
    link_flows = link_flow_table(net.arcs, traffic, artifact_routes, data.periods, data.arc_capacity)
    hub_periods = hub_period_table(data, placements, job_periods, replicas)
    hub_usage, accel_usage = usage_tables(sc, placements, replicas, hub_periods, job_periods)
    costs = cost_table(
        energy=float(placements["energy_cost_cny"].sum()),
        carbon=float(placements["carbon_cost_cny"].sum()),
        storage=float(replicas["storage_cost_cny"].sum()),
        transfer=float(link_flows["cost_cny"].sum()) if len(link_flows) else 0.0,
        unplaced=float(placements["unplaced_penalty_cny"].sum()),
    )
    return Plan(
        scenario_name=sc.name,
        status=result.status.value,
        objective_cny=float(result.objective) if result.objective is not None else math.nan,
        bound_cny=result.bound,
        gap=result.gap,
        tables={
            "placements": placements,
            "replicas": replicas,
            "staging": staging,
            "traffic": traffic,
            "artifact_routes": artifact_routes,
            "link_flows": link_flows,
            "hub_usage": hub_usage,
            "accelerator_usage": accel_usage,
            "costs": costs,
            "job_periods": job_periods,
            "hub_periods": hub_periods,
        },
        timings=dict(pm.timings),
        solver={
            "name": "highs",
            "builder": pm.builder,
            "termination": result.termination,
            "time_limit_s": options.time_limit_s,
            "mip_rel_gap": options.mip_rel_gap,
            "threads": options.threads,
        },
        scenario_path=scenario_folder(sc),
        scenario_fingerprint=scenario_fingerprint(sc),
    )


def _replicas(pm: PlacementModel, values: dict[str, dict[Any, float]], staged: set[tuple[str, str]]) -> pd.DataFrame:
    """Durable replicas (held for the whole horizon) and staged copies (held for the window, or
    over the periods ``k`` says), with the periods they are held and their storage cost."""
    data = pm.data
    periods = data.periods
    months = {p: h / HOURS_PER_MONTH for p, h in zip(periods, data.period_hours, strict=True)}
    held: dict[tuple[str, str], list[str]] = {}
    for (d, h, p), v in values.get("k", {}).items():
        if v > 0.5:
            held.setdefault((d, h), []).append(p)
    rows = []
    for (d, h), v in values["y"].items():
        if v > 0.5:
            rows.append((d, h, "durable", periods[0], periods[-1], data.storage_months))
    for d, h in sorted(staged):
        run = held.get((d, h), periods if len(periods) == 1 else [])
        if not run:
            continue  # staged but held in no period: nothing is stored (a plan never has it at an optimum)
        rows.append(
            (d, h, "staged", run[0], run[-1], sum(months[p] for p in run) if len(periods) > 1 else data.storage_months)
        )
    out = pd.DataFrame(
        [
            {
                "dataset_id": d,
                "hub_id": h,
                "kind": kind,
                "is_origin": h == data.origin[d],
                "grid_region": data.hub_region[h],
                "size_tb": data.size_tb[d],
                "from_period": first,
                "to_period": last,
                "storage_cost_cny": data.size_tb[d] * data.storage_price_cny_per_tb_month[h] * m,
            }
            for d, h, kind, first, last, m in rows
        ],
        columns=[
            "dataset_id",
            "hub_id",
            "kind",
            "is_origin",
            "grid_region",
            "size_tb",
            "from_period",
            "to_period",
            "storage_cost_cny",
        ],
    )
    return out


def _traffic(pm: PlacementModel, f: dict[tuple[int, str, str, str], float]) -> pd.DataFrame:
    """Replication and staging traffic per commodity, arc and period."""
    commodities = list(pm.data.commodities)
    rows = [
        {
            "kind": commodities[c][0],
            "source_hub": commodities[c][1],
            "zone": commodities[c][2],
            "from_hub": u,
            "to_hub": v,
            "period_id": p,
            "tb": tb,
        }
        for (c, u, v, p), tb in f.items()
        if tb > TB_TOL
    ]
    return pd.DataFrame(rows, columns=["kind", "source_hub", "zone", "from_hub", "to_hub", "period_id", "tb"])


def _artifact_routes(pm: PlacementModel, w: dict[tuple[int, int], float]) -> pd.DataFrame:
    """Trained artifacts per route from the training hub to a serving hub."""
    data, net = pm.data, pm.network
    groups = list(data.artifact_routes)
    rows = []
    for (g, p), tb in w.items():
        if tb <= TB_TOL:
            continue
        h, t, bound, end = groups[g]
        route = data.artifact_routes[groups[g]][p]
        rows.append(
            {
                "from_hub": h,
                "to_hub": t,
                "max_latency_ms": bound if math.isfinite(bound) else math.nan,
                "route": ROUTE_SEP.join(route),
                "latency_ms": net.route_latency_ms(route),
                "period_id": data.periods[end],
                "tb": tb,
            }
        )
    columns = ["from_hub", "to_hub", "max_latency_ms", "route", "latency_ms", "period_id", "tb"]
    return pd.DataFrame(rows, columns=columns)


def scenario_folder(sc: Any) -> str | None:
    """The folder a scenario was loaded from, or ``None`` when a table was changed in code (the
    folder would no longer describe it)."""
    if sc.path is None or any("changed in code" in str(label) for label in sc.sources.values()):
        return None
    return str(sc.path)


def _placements(
    pm: PlacementModel, values: dict[str, dict[Any, float]], staged: set[tuple[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per job: where and when it trains (or that it is unplaced) and its figures there;
    and one row per placed job and period it runs in, with its hours and energy there.

    A group of ``n`` identical jobs placed as integer counts ``x[g,h,t]`` is handed back to its
    members in file order: the first ``x[g,h1,t1]`` members train at ``h1`` from ``t1``, and so on.
    """
    data = pm.data
    row_of: dict[str, int] = {}
    taken: dict[str, int] = {}
    for i, ((g, _h, _t), value) in enumerate(values["x"].items()):
        count = round(value)
        if count <= 0:
            continue
        start = taken.get(g, 0)
        for job in data.group_members[g][start : start + count]:
            row_of[job] = i
        taken[g] = start + count
    periods = _job_periods(pm, values, row_of)
    out = _job_figures(pm, row_of, periods)
    placed = (out["status"] == "placed").to_numpy()
    out["carbon_cost_cny"] = out["carbon_t"] * float(data.carbon_price_cny_per_t)
    out["data_source"] = [
        ("staged" if (d, h) in staged else "replica") if h else ""
        for d, h in zip(out["dataset_id"], out["hub_id"], strict=True)
    ]
    out["unplaced_penalty_cny"] = [
        0.0 if ok else data.unplaceable_penalty.get(g, 0.0) for ok, g in zip(placed, out["group_id"], strict=True)
    ]
    order = [
        "job_id",
        "name",
        "dataset_id",
        "class_id",
        "status",
        "hub_id",
        "accel_id",
        "accel_count",
        "it_mw",
        "meter_mw",
        "runtime_h",
        "start_period",
        "end_period",
        "energy_mwh",
        "energy_cost_cny",
        "carbon_t",
        "carbon_cost_cny",
        "data_source",
        "unplaced_penalty_cny",
        "group_id",
    ]
    return out[order], periods


def _job_figures(pm: PlacementModel, row_of: dict[str, int], periods: pd.DataFrame) -> pd.DataFrame:
    """Each job's hub, accelerators, power, runtime, periods and energy figures (totals of its
    periods), or its own accelerators and zeros when it is unplaced."""
    data, sc = pm.data, pm.scenario
    pairs, jobs = data.pairs, sc.jobs
    group_of = {job: g for g, members in data.group_members.items() for job in members}
    row = jobs["job_id"].map(lambda j: row_of.get(j, -1)).to_numpy(dtype=np.int64)
    placed = row >= 0
    take = np.where(placed, row, 0)

    def at(column: str, empty: Any) -> np.ndarray:
        vals = pairs[column].to_numpy()[take] if len(pairs) else np.full(len(jobs), empty, dtype=object)
        return np.where(placed, vals, empty)

    totals = periods.groupby("job_id")[["energy_mwh", "energy_cost_cny", "carbon_t"]].sum()
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for job, period in zip(periods["job_id"], periods["period_id"], strict=True):
        first.setdefault(job, period)
        last[job] = period
    fixed = at("fixed_cost_cny", math.nan).astype(float)
    energy_cost = jobs["job_id"].map(totals["energy_cost_cny"]).fillna(0.0).astype(float)
    classes = dict(zip(sc.datasets["dataset_id"], sc.datasets["class_id"], strict=True))
    return pd.DataFrame(
        {
            "job_id": jobs["job_id"],
            "name": jobs["name"],
            "dataset_id": jobs["dataset_id"],
            "class_id": jobs["dataset_id"].map(classes),
            "status": np.where(placed, "placed", "unplaced"),
            "hub_id": at("hub_id", ""),
            "accel_id": np.where(placed, at("accel_id", ""), jobs["accel_id"]),
            "accel_count": np.where(placed, at("accel_count", 0), jobs["accel_count"]).astype(int),
            "it_mw": at("it_mw", 0.0).astype(float),
            "meter_mw": at("meter_mw", 0.0).astype(float),
            "runtime_h": at("runtime_h", 0.0).astype(float),
            "start_period": [first.get(j, "") for j in jobs["job_id"]],
            "end_period": [last.get(j, "") for j in jobs["job_id"]],
            "energy_mwh": jobs["job_id"].map(totals["energy_mwh"]).fillna(0.0).astype(float),
            "energy_cost_cny": np.where(placed & ~np.isnan(fixed), fixed, energy_cost),
            "carbon_t": jobs["job_id"].map(totals["carbon_t"]).fillna(0.0).astype(float),
            "group_id": jobs["job_id"].map(group_of),
        }
    )


def _job_periods(pm: PlacementModel, values: dict[str, dict[Any, float]], row_of: dict[str, int]) -> pd.DataFrame:
    """Hours, energy, energy cost and emissions of every placed job in each period it runs:
    from its start for an uninterrupted job, from the hours ``e`` of a preemptible one."""
    data = pm.data
    pairs = data.pairs
    subsidy = pairs["subsidy_share"].to_numpy(dtype=float)
    rows = []
    ph = data.pair_hours
    cover: dict[int, list[tuple[int, float, float]]] = {}
    for i, p, hours, mwh in zip(ph["pair"], ph["period"], ph["hours"], ph["energy_mwh"], strict=True):
        cover.setdefault(int(i), []).append((int(p), float(hours), float(mwh)))
    hours_e = list(values.get("e", {}).values())
    for k, (i, p) in enumerate(zip(data.flex_periods["pair"], data.flex_periods["period"], strict=True)):
        if hours_e[k] > 1e-6:
            mwh = float(pairs["it_mw"].iat[i] * pairs["pue"].iat[i] * hours_e[k])
            cover.setdefault(int(i), []).append((int(p), float(hours_e[k]), mwh))
    hub = pairs["hub_id"].to_numpy()
    fixed = pairs["fixed_cost_cny"].to_numpy(dtype=float)
    for job, i in row_of.items():
        run = cover.get(i, [])
        total_hours = sum(hours for _p, hours, _mwh in run) or 1.0
        for p, hours, mwh in run:
            pid = data.periods[p]
            cost = mwh * 1000.0 * data.price[hub[i], pid] * (1.0 - subsidy[i])
            if not np.isnan(fixed[i]):  # a negotiated fixed cost, shared out by hours
                cost = fixed[i] * hours / total_hours
            rows.append((job, hub[i], pid, hours, mwh, cost, mwh * data.carbon[hub[i], pid]))
    out = pd.DataFrame(
        rows, columns=["job_id", "hub_id", "period_id", "hours", "energy_mwh", "energy_cost_cny", "carbon_t"]
    )
    order = {p: n for n, p in enumerate(data.periods)}
    jobs = {j: n for n, j in enumerate(pm.scenario.jobs["job_id"])}
    return out.sort_values(
        ["job_id", "period_id"], key=lambda c: c.map(jobs if c.name == "job_id" else order)
    ).reset_index(drop=True)
