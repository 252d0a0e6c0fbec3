"""Reading a solved model's decisions into the plan's tables."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from eastwest_opt.model.data import energy_cost_cny
from eastwest_opt.plan.plan import ROUTE_SEP, TB_TOL, Plan
from eastwest_opt.plan.tables import cost_table, link_flow_table, usage_tables
from eastwest_opt.scenario.fingerprint import scenario_fingerprint

if TYPE_CHECKING:
    from eastwest_opt.solver.placement import PlacementModel
    from eastwest_opt.solver.status import SolveOptions, SolveResult


def extract_plan(pm: PlacementModel, result: SolveResult, options: SolveOptions) -> Plan:
    """Read the solution out of a solved :class:`PlacementModel` (either builder) into plan tables."""
    sc, net = pm.scenario, pm.network
    values = pm.solution_values()
    staged = {dh for dh, v in values["s"].items() if v > 0.5}
    placements = _placements(pm, values["x"], staged)
    replicas = _replicas(pm, values["y"], staged)
    staging = pd.DataFrame(
        [
            {"dataset_id": d, "to_hub": h, "from_hub": r, "tb": tb}
            for (d, r, h), tb in values["q"].items()
            if tb > TB_TOL
        ],
        columns=["dataset_id", "to_hub", "from_hub", "tb"],
    )
    traffic = _traffic(pm, values["f"])
    artifact_routes = _artifact_routes(pm, values["w"])
    link_flows = link_flow_table(net.arcs, traffic, artifact_routes)
    hub_usage, accel_usage = usage_tables(sc, placements, replicas)
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


def _replicas(pm: PlacementModel, y: dict[tuple[str, str], float], staged: set[tuple[str, str]]) -> pd.DataFrame:
    """Durable replicas and staged copies, with their storage cost over the window."""
    data, sc = pm.data, pm.scenario
    storage_price = dict(zip(sc.hubs["hub_id"], sc.hubs["storage_price_cny_per_tb_month"].astype(float), strict=True))
    chosen = [(dh, "durable") for dh, v in y.items() if v > 0.5] + [(dh, "staged") for dh in sorted(staged)]
    rows = [
        {
            "dataset_id": d,
            "hub_id": h,
            "kind": kind,
            "is_origin": h == data.origin[d],
            "grid_region": data.hub_region[h],
            "size_tb": data.size_tb[d],
            "storage_cost_cny": data.size_tb[d] * storage_price[h] * data.storage_months,
        }
        for (d, h), kind in chosen
    ]
    columns = ["dataset_id", "hub_id", "kind", "is_origin", "grid_region", "size_tb", "storage_cost_cny"]
    return pd.DataFrame(rows, columns=columns)


def _traffic(pm: PlacementModel, f: dict[tuple[int, str, str], float]) -> pd.DataFrame:
    """Replication and staging traffic per commodity and arc."""
    commodities = list(pm.data.commodities)
    rows = [
        {
            "kind": commodities[c][0],
            "source_hub": commodities[c][1],
            "zone": commodities[c][2],
            "from_hub": u,
            "to_hub": v,
            "tb": tb,
        }
        for (c, u, v), tb in f.items()
        if tb > TB_TOL
    ]
    return pd.DataFrame(rows, columns=["kind", "source_hub", "zone", "from_hub", "to_hub", "tb"])


def _artifact_routes(pm: PlacementModel, w: dict[tuple[int, int], float]) -> pd.DataFrame:
    """Trained artifacts per route from the training hub to a serving hub."""
    data, net = pm.data, pm.network
    groups = list(data.artifact_routes)
    rows = []
    for (g, p), tb in w.items():
        if tb <= TB_TOL:
            continue
        h, t, bound = groups[g]
        route = data.artifact_routes[groups[g]][p]
        rows.append(
            {
                "from_hub": h,
                "to_hub": t,
                "max_latency_ms": bound if math.isfinite(bound) else math.nan,
                "route": ROUTE_SEP.join(route),
                "latency_ms": net.route_latency_ms(route),
                "tb": tb,
            }
        )
    return pd.DataFrame(rows, columns=["from_hub", "to_hub", "max_latency_ms", "route", "latency_ms", "tb"])


def scenario_folder(sc: Any) -> str | None:
    """The folder a scenario was loaded from, or ``None`` when a table was changed in code (the
    folder would no longer describe it)."""
    if sc.path is None or any("changed in code" in str(label) for label in sc.sources.values()):
        return None
    return str(sc.path)


def _placements(pm: PlacementModel, x: dict[tuple[str, str], float], staged: set[tuple[str, str]]) -> pd.DataFrame:
    """One row per job: where it trains (or that it is unplaced) and its figures there.

    A group of ``n`` identical jobs placed as integer counts ``x[g,h]`` is handed back to its
    members in file order: the first ``x[g,h1]`` members train at ``h1``, and so on.
    """
    data, sc = pm.data, pm.scenario
    hub_of: dict[str, str] = {}
    taken: dict[str, int] = {}
    for (g, h), value in x.items():
        count = round(value)
        if count <= 0:
            continue
        start = taken.get(g, 0)
        for job in data.group_members[g][start : start + count]:
            hub_of[job] = h
        taken[g] = start + count
    group_of = {job: g for g, members in data.group_members.items() for job in members}
    jobs = sc.jobs
    out = pd.DataFrame(
        {
            "job_id": jobs["job_id"],
            "name": jobs["name"],
            "dataset_id": jobs["dataset_id"],
            "class_id": jobs["dataset_id"].map(
                dict(zip(sc.datasets["dataset_id"], sc.datasets["class_id"], strict=True))
            ),
            "group_id": jobs["job_id"].map(group_of),
            "hub_id": jobs["job_id"].map(lambda j: hub_of.get(j, "")),
        }
    )
    out["status"] = out["hub_id"].map(lambda h: "placed" if h else "unplaced")
    pairs = data.pairs.copy()
    prices = dict(zip(sc.hubs["hub_id"], sc.hubs["price_cny_per_kwh"].astype(float), strict=True))
    pairs["energy_cost_cny"] = energy_cost_cny(pairs, prices)
    cols = ["accel_id", "accel_count", "it_mw", "meter_mw", "runtime_h", "energy_mwh", "energy_cost_cny", "carbon_t"]
    out = out.merge(pairs[["group_id", "hub_id", *cols]], on=["group_id", "hub_id"], how="left")
    placed = out["status"] == "placed"
    out.loc[~placed, "accel_id"] = out.loc[~placed, "job_id"].map(
        dict(zip(jobs["job_id"], jobs["accel_id"], strict=True))
    )
    out.loc[~placed, "accel_count"] = out.loc[~placed, "job_id"].map(
        dict(zip(jobs["job_id"], jobs["accel_count"], strict=True))
    )
    for col in ("it_mw", "meter_mw", "runtime_h", "energy_mwh", "energy_cost_cny", "carbon_t"):
        out[col] = out[col].fillna(0.0).astype(float)
    out["accel_count"] = out["accel_count"].astype(int)
    out["carbon_cost_cny"] = out["carbon_t"] * float(sc.carbon_price_cny_per_t)
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
        "energy_mwh",
        "energy_cost_cny",
        "carbon_t",
        "carbon_cost_cny",
        "data_source",
        "unplaced_penalty_cny",
        "group_id",
    ]
    return out[order]
