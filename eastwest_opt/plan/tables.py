"""The plan's summary tables, computed from its decisions: link flows, hub and accelerator usage, costs."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from eastwest_opt.plan.plan import COST_TERMS, ROUTE_SEP
from eastwest_opt.scenario.network import route_arcs


def link_flow_table(arcs: pd.DataFrame, traffic: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """Per directed arc: TB by kind, total, capacity, utilisation and transfer cost."""
    load: dict[tuple[str, str], dict[str, float]] = {
        arc: {"replication_tb": 0.0, "staging_tb": 0.0, "artifact_tb": 0.0} for arc in arcs.index
    }
    for row in traffic.itertuples(index=False):
        load.setdefault((row.from_hub, row.to_hub), {"replication_tb": 0.0, "staging_tb": 0.0, "artifact_tb": 0.0})
        load[row.from_hub, row.to_hub][f"{row.kind}_tb"] += float(row.tb)
    for row in routes.itertuples(index=False):
        for arc in route_arcs(str(row.route).split(ROUTE_SEP)):
            load.setdefault(arc, {"replication_tb": 0.0, "staging_tb": 0.0, "artifact_tb": 0.0})
            load[arc]["artifact_tb"] += float(row.tb)
    rows = []
    for (u, v), kinds in load.items():
        known = (u, v) in arcs.index
        cap = float(arcs.at[(u, v), "capacity_tb"]) if known else 0.0
        cost = float(arcs.at[(u, v), "cost_cny_per_tb"]) if known else math.nan
        total = sum(kinds.values())
        rows.append(
            {
                "link_id": arcs.at[(u, v), "link_id"] if known else "",
                "from_hub": u,
                "to_hub": v,
                **kinds,
                "total_tb": total,
                "capacity_tb": cap,
                "utilisation": total / cap if cap > 0 else (math.inf if total > 0 else 0.0),
                "cost_cny": total * cost if total > 0 else 0.0,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "link_id",
            "from_hub",
            "to_hub",
            "replication_tb",
            "staging_tb",
            "artifact_tb",
            "total_tb",
            "capacity_tb",
            "utilisation",
            "cost_cny",
        ],
    )


def usage_tables(sc: Any, placements: pd.DataFrame, replicas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hub usage (power, storage, energy, costs) and accelerator usage by hub and type."""
    hubs = sc.hubs
    placed = placements[placements["status"] == "placed"]
    by_hub = placed.groupby("hub_id").agg(
        jobs=("job_id", "count"),
        it_mw=("it_mw", "sum"),
        meter_mw=("meter_mw", "sum"),
        energy_mwh=("energy_mwh", "sum"),
        energy_cost_cny=("energy_cost_cny", "sum"),
        carbon_t=("carbon_t", "sum"),
        carbon_cost_cny=("carbon_cost_cny", "sum"),
        accelerators=("accel_count", "sum"),
    )
    store = replicas.groupby("hub_id").agg(
        storage_used_tb=("size_tb", "sum"), storage_cost_cny=("storage_cost_cny", "sum")
    )
    inventory = sc.hub_accelerators.groupby("hub_id")["count"].sum()
    rows = []
    for hub in hubs.itertuples(index=False):
        h = hub.hub_id
        r = by_hub.loc[h] if h in by_hub.index else None
        st = store.loc[h] if h in store.index else None
        meter = float(r["meter_mw"]) if r is not None else 0.0
        used_tb = float(st["storage_used_tb"]) if st is not None else 0.0
        acc = int(r["accelerators"]) if r is not None else 0
        inv = float(inventory.get(h, 0))
        rows.append(
            {
                "hub_id": h,
                "name": hub.name,
                "macro_region": hub.macro_region,
                "grid_region": hub.grid_region,
                "jobs": int(r["jobs"]) if r is not None else 0,
                "it_mw": float(r["it_mw"]) if r is not None else 0.0,
                "meter_mw": meter,
                "grid_mw": float(hub.grid_mw),
                "power_utilisation": meter / hub.grid_mw if hub.grid_mw > 0 else 0.0,
                "accelerators_used": acc,
                "accelerators": inv,
                "accelerator_utilisation": acc / inv if inv > 0 else 0.0,
                "storage_used_tb": used_tb,
                "storage_tb": float(hub.storage_tb),
                "storage_utilisation": used_tb / hub.storage_tb if hub.storage_tb > 0 else 0.0,
                "energy_mwh": float(r["energy_mwh"]) if r is not None else 0.0,
                "energy_cost_cny": float(r["energy_cost_cny"]) if r is not None else 0.0,
                "carbon_t": float(r["carbon_t"]) if r is not None else 0.0,
                "carbon_cost_cny": float(r["carbon_cost_cny"]) if r is not None else 0.0,
                "storage_cost_cny": float(st["storage_cost_cny"]) if st is not None else 0.0,
            }
        )
    hub_usage = pd.DataFrame(rows)
    used = placed.groupby(["hub_id", "accel_id"])["accel_count"].sum()
    acc_rows = []
    for row in sc.hub_accelerators.itertuples(index=False):
        n = int(used.get((row.hub_id, row.accel_id), 0))
        acc_rows.append(
            {
                "hub_id": row.hub_id,
                "accel_id": row.accel_id,
                "used": n,
                "count": int(row.count),
                "utilisation": n / row.count if row.count > 0 else (math.inf if n else 0.0),
            }
        )
    for (h, k), n in used.items():
        if not ((sc.hub_accelerators["hub_id"] == h) & (sc.hub_accelerators["accel_id"] == k)).any():
            acc_rows.append({"hub_id": h, "accel_id": k, "used": int(n), "count": 0, "utilisation": math.inf})
    accel_usage = pd.DataFrame(acc_rows, columns=["hub_id", "accel_id", "used", "count", "utilisation"])
    return hub_usage, accel_usage


def cost_table(*, energy: float, carbon: float, storage: float, transfer: float, unplaced: float) -> pd.DataFrame:
    """The cost breakdown by term, with the total and each term's share."""
    values = dict(zip(COST_TERMS, (energy, carbon, storage, transfer, unplaced), strict=True))
    total = sum(values.values())
    rows = [{"term": k, "cost_cny": v, "share": v / total if total else 0.0} for k, v in values.items()]
    rows.append({"term": "total", "cost_cny": total, "share": 1.0 if total else 0.0})
    return pd.DataFrame(rows)
