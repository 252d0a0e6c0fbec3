"""The plan's summary tables, computed from its decisions: link flows, hub and accelerator usage, costs."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from eastwest_opt.plan.plan import COST_TERMS, ROUTE_SEP
from eastwest_opt.scenario.network import route_arcs

KINDS = ("replication_tb", "staging_tb", "artifact_tb")


def link_flow_table(
    arcs: pd.DataFrame,
    traffic: pd.DataFrame,
    routes: pd.DataFrame,
    periods: list[str],
    capacity: dict[tuple[tuple[str, str], str], float],
) -> pd.DataFrame:
    """Per directed arc and period: TB by kind, total, capacity, utilisation and transfer cost
    (every arc in every period, with or without traffic)."""
    load: dict[tuple[str, str, str], dict[str, float]] = {
        (*arc, p): dict.fromkeys(KINDS, 0.0) for arc in arcs.index for p in periods
    }
    for row in traffic.itertuples(index=False):
        key = (row.from_hub, row.to_hub, row.period_id)
        load.setdefault(key, dict.fromkeys(KINDS, 0.0))[f"{row.kind}_tb"] += float(row.tb)
    for row in routes.itertuples(index=False):
        for arc in route_arcs(str(row.route).split(ROUTE_SEP)):
            load.setdefault((*arc, row.period_id), dict.fromkeys(KINDS, 0.0))["artifact_tb"] += float(row.tb)
    rows = []
    for (u, v, p), kinds in load.items():
        known = (u, v) in arcs.index
        cap = float(capacity.get(((u, v), p), 0.0))
        cost = float(arcs.at[(u, v), "cost_cny_per_tb"]) if known else math.nan
        total = sum(kinds.values())
        rows.append(
            {
                "link_id": arcs.at[(u, v), "link_id"] if known else "",
                "from_hub": u,
                "to_hub": v,
                "period_id": p,
                **kinds,
                "total_tb": total,
                "capacity_tb": cap,
                "utilisation": total / cap if cap > 0 else (math.inf if total > 0 else 0.0),
                "cost_cny": total * cost if total > 0 else 0.0,
            }
        )
    columns = [
        "link_id",
        "from_hub",
        "to_hub",
        "period_id",
        *KINDS,
        "total_tb",
        "capacity_tb",
        "utilisation",
        "cost_cny",
    ]
    return pd.DataFrame(rows, columns=columns)


HUB_PERIOD_COLUMNS = [
    "hub_id",
    "period_id",
    "jobs",
    "it_mw",
    "meter_mw",
    "grid_mw",
    "power_utilisation",
    "accelerators_used",
    "storage_used_tb",
    "storage_tb",
    "storage_utilisation",
    "energy_mwh",
    "energy_cost_cny",
    "carbon_t",
]


def hub_period_table(
    data: Any, placements: pd.DataFrame, job_periods: pd.DataFrame, replicas: pd.DataFrame
) -> pd.DataFrame:
    """Per hub and period: jobs running, power drawn against the grid allocation, accelerators,
    storage held against capacity, and the energy, its cost and emissions in the period."""
    jp = job_periods.merge(placements[["job_id", "it_mw", "meter_mw", "accel_count"]], on="job_id", how="left")
    running = jp.groupby(["hub_id", "period_id"], sort=False).agg(
        jobs=("job_id", "count"),
        it_mw=("it_mw", "sum"),
        meter_mw=("meter_mw", "sum"),
        accelerators_used=("accel_count", "sum"),
        energy_mwh=("energy_mwh", "sum"),
        energy_cost_cny=("energy_cost_cny", "sum"),
        carbon_t=("carbon_t", "sum"),
    )
    held = _storage_held(data.periods, replicas)
    rows = []
    for h in data.hubs:
        for p in data.periods:
            r = running.loc[(h, p)] if (h, p) in running.index else None
            grid, cap, used = data.grid[h, p], data.storage[h, p], held.get((h, p), 0.0)
            meter = float(r["meter_mw"]) if r is not None else 0.0
            rows.append(
                {
                    "hub_id": h,
                    "period_id": p,
                    "jobs": int(r["jobs"]) if r is not None else 0,
                    "it_mw": float(r["it_mw"]) if r is not None else 0.0,
                    "meter_mw": meter,
                    "grid_mw": grid,
                    "power_utilisation": meter / grid if grid > 0 else 0.0,
                    "accelerators_used": int(r["accelerators_used"]) if r is not None else 0,
                    "storage_used_tb": used,
                    "storage_tb": cap,
                    "storage_utilisation": used / cap if cap > 0 else 0.0,
                    "energy_mwh": float(r["energy_mwh"]) if r is not None else 0.0,
                    "energy_cost_cny": float(r["energy_cost_cny"]) if r is not None else 0.0,
                    "carbon_t": float(r["carbon_t"]) if r is not None else 0.0,
                }
            )
    return pd.DataFrame(rows, columns=HUB_PERIOD_COLUMNS)


def _storage_held(periods: list[str], replicas: pd.DataFrame) -> dict[tuple[str, str], float]:
    """TB held at each (hub, period): durable replicas in every period, staged copies from their
    first to their last period."""
    order = {p: i for i, p in enumerate(periods)}
    out: dict[tuple[str, str], float] = {}
    for h, size, first, last in zip(
        replicas["hub_id"], replicas["size_tb"], replicas["from_period"], replicas["to_period"], strict=True
    ):
        for p in periods[order[first] : order[last] + 1]:
            out[h, p] = out.get((h, p), 0.0) + float(size)
    return out


def usage_tables(
    sc: Any, placements: pd.DataFrame, replicas: pd.DataFrame, hub_periods: pd.DataFrame, job_periods: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hub usage over the horizon and accelerator usage by hub, type and period.

    A hub's power, accelerators and storage are shown in the period where it is fullest (its
    highest power utilisation; with one period, the window); energy, costs and emissions are
    the horizon's totals.
    """
    placed = placements[placements["status"] == "placed"]
    totals = placed.groupby("hub_id").agg(
        jobs=("job_id", "count"),
        energy_mwh=("energy_mwh", "sum"),
        energy_cost_cny=("energy_cost_cny", "sum"),
        carbon_t=("carbon_t", "sum"),
        carbon_cost_cny=("carbon_cost_cny", "sum"),
    )
    storage_cost = replicas.groupby("hub_id")["storage_cost_cny"].sum()
    inventory = sc.hub_accelerators.groupby("hub_id")["count"].sum()
    rows = []
    for hub in sc.hubs.itertuples(index=False):
        h = hub.hub_id
        per = hub_periods[hub_periods["hub_id"] == h]
        peak = per.loc[per["power_utilisation"].idxmax()] if len(per) else None
        t = totals.loc[h] if h in totals.index else None
        acc = int(per["accelerators_used"].max()) if len(per) else 0
        inv = float(inventory.get(h, 0))
        used_tb = float(per["storage_used_tb"].max()) if len(per) else 0.0
        cap_tb = float(per.loc[per["storage_used_tb"].idxmax(), "storage_tb"]) if len(per) else float(hub.storage_tb)
        rows.append(
            {
                "hub_id": h,
                "name": hub.name,
                "macro_region": hub.macro_region,
                "grid_region": hub.grid_region,
                "jobs": int(t["jobs"]) if t is not None else 0,
                "it_mw": float(peak["it_mw"]) if peak is not None else 0.0,
                "meter_mw": float(peak["meter_mw"]) if peak is not None else 0.0,
                "grid_mw": float(peak["grid_mw"]) if peak is not None else float(hub.grid_mw),
                "power_utilisation": float(peak["power_utilisation"]) if peak is not None else 0.0,
                "accelerators_used": acc,
                "accelerators": inv,
                "accelerator_utilisation": acc / inv if inv > 0 else 0.0,
                "storage_used_tb": used_tb,
                "storage_tb": cap_tb,
                "storage_utilisation": used_tb / cap_tb if cap_tb > 0 else 0.0,
                "energy_mwh": float(t["energy_mwh"]) if t is not None else 0.0,
                "energy_cost_cny": float(t["energy_cost_cny"]) if t is not None else 0.0,
                "carbon_t": float(t["carbon_t"]) if t is not None else 0.0,
                "carbon_cost_cny": float(t["carbon_cost_cny"]) if t is not None else 0.0,
                "storage_cost_cny": float(storage_cost.get(h, 0.0)),
            }
        )
    return pd.DataFrame(rows), _accelerator_usage(sc, placements, job_periods, list(hub_periods["period_id"].unique()))


def _accelerator_usage(
    sc: Any, placements: pd.DataFrame, job_periods: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Accelerators in use by hub, type and period, against the hub's inventory of the type."""
    jp = job_periods.merge(placements[["job_id", "accel_id", "accel_count"]], on="job_id", how="left")
    used = jp.groupby(["hub_id", "accel_id", "period_id"])["accel_count"].sum()
    rows = []
    known = set()
    for row in sc.hub_accelerators.itertuples(index=False):
        known.add((row.hub_id, row.accel_id))
        for p in periods:
            n = int(used.get((row.hub_id, row.accel_id, p), 0))
            util = n / row.count if row.count > 0 else (math.inf if n else 0.0)
            rows.append(
                {
                    "hub_id": row.hub_id,
                    "accel_id": row.accel_id,
                    "period_id": p,
                    "used": n,
                    "count": int(row.count),
                    "utilisation": util,
                }
            )
    for (h, k, p), n in used.items():
        if (h, k) not in known:
            rows.append(
                {"hub_id": h, "accel_id": k, "period_id": p, "used": int(n), "count": 0, "utilisation": math.inf}
            )
    return pd.DataFrame(rows, columns=["hub_id", "accel_id", "period_id", "used", "count", "utilisation"])


def cost_table(*, energy: float, carbon: float, storage: float, transfer: float, unplaced: float) -> pd.DataFrame:
    """The cost breakdown by term, with the total and each term's share."""
    values = dict(zip(COST_TERMS, (energy, carbon, storage, transfer, unplaced), strict=True))
    total = sum(values.values())
    rows = [{"term": k, "cost_cny": v, "share": v / total if total else 0.0} for k, v in values.items()]
    rows.append({"term": "total", "cost_cny": total, "share": 1.0 if total else 0.0})
    return pd.DataFrame(rows)
