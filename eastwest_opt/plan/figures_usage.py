"""The verifier's recomputation of the plan's usage tables: link flows, hub and accelerator use, costs.

Each function rebuilds one table from the decisions and the figures already recomputed from
them (:mod:`eastwest_opt.plan.figures`), per period where the plan has periods; nothing here
imports the model, the solver or the code that wrote the tables.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from eastwest_opt.plan.facts import Facts
from eastwest_opt.plan.schema import COST_TERMS, PLAN_SCHEMAS, ROUTE_SEP, as_text

KINDS = ("replication", "staging", "artifact")


def route_arcs(route: str) -> list[tuple[str, str]]:
    """The arcs a route (hubs joined by ``>``) crosses, in order."""
    return list(itertools.pairwise(h for h in str(route).split(ROUTE_SEP) if h))


def link_flows_table(facts: Facts, traffic: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """Per directed arc and period (every link direction with capacity in every period, and any
    other arc the plan loads): TB by kind, total, capacity in the period, utilisation (total /
    capacity; infinite on a loaded arc without capacity) and transfer cost (total * cost per TB;
    empty on a loaded non-link). Artifacts count in the period their route row names."""
    load: dict[tuple[str, str, str], list[float]] = {
        (*arc, p): [0.0, 0.0, 0.0] for arc in facts.arcs for p in facts.periods
    }
    for kind, u, v, p, tb in zip(
        traffic["kind"], traffic["from_hub"], traffic["to_hub"], traffic["period_id"], traffic["tb"], strict=True
    ):
        load.setdefault((u, v, p), [0.0, 0.0, 0.0])[KINDS.index(kind)] += float(tb)
    for route, p, tb in zip(routes["route"], routes["period_id"], routes["tb"], strict=True):
        for arc in route_arcs(route):
            load.setdefault((*arc, p), [0.0, 0.0, 0.0])[2] += float(tb)
    rows = []
    for (u, v, p), (rep, stg, art) in load.items():
        link, _cap, cost, _latency = facts.arcs.get((u, v), ("", 0.0, math.nan, math.nan))
        cap = facts.capacity.get(((u, v), p), 0.0)
        total = rep + stg + art
        utilisation = total / cap if cap > 0 else (math.inf if total > 0 else 0.0)
        rows.append((link, u, v, p, rep, stg, art, total, cap, utilisation, total * cost if total > 0 else 0.0))
    return pd.DataFrame(rows, columns=PLAN_SCHEMAS["link_flows"].column_names)


def hub_periods_table(
    facts: Facts, placements: pd.DataFrame, job_periods: pd.DataFrame, replicas: pd.DataFrame
) -> pd.DataFrame:
    """Per hub and period: the jobs running there, their power (IT and at the meter) against the
    grid allocation of the period, accelerators, the storage held (durable replicas and staged
    copies from their first to their last period) against the period's storage, and the energy,
    its cost and emissions in the period."""
    info = placements.set_index("job_id")[["it_mw", "meter_mw", "accel_count"]]
    jp = job_periods.join(info, on="job_id")
    running = jp.groupby(["hub_id", "period_id"], sort=False).agg(
        jobs=("job_id", "count"),
        it_mw=("it_mw", "sum"),
        meter_mw=("meter_mw", "sum"),
        accelerators_used=("accel_count", "sum"),
        energy_mwh=("energy_mwh", "sum"),
        energy_cost_cny=("energy_cost_cny", "sum"),
        carbon_t=("carbon_t", "sum"),
    )
    held: dict[tuple[str, str], float] = {}
    for h, size, first, last in zip(
        replicas["hub_id"],
        [facts.size_tb[d] for d in replicas["dataset_id"]],
        replicas_periods(replicas, "from"),
        replicas_periods(replicas, "to"),
        strict=True,
    ):
        a, b = facts.period_pos.get(first, 0), facts.period_pos.get(last, len(facts.periods) - 1)
        for p in facts.periods[a : b + 1]:
            held[h, p] = held.get((h, p), 0.0) + float(size)
    rows = []
    for h in facts.hub_ids:
        for p in facts.periods:
            r = running.loc[(h, p)] if (h, p) in running.index else None
            grid = facts.per_period["grid_mw"][h, p]
            cap = facts.per_period["storage_tb"][h, p]
            used = held.get((h, p), 0.0)
            meter = float(r["meter_mw"]) if r is not None else 0.0

            def get(column: str, r: object = r) -> float:
                return float(r[column]) if r is not None else 0.0  # type: ignore[index]

            power = (get("it_mw"), meter, grid, _ratio(meter, grid), round(get("accelerators_used")))
            store = (used, cap, _ratio(used, cap))
            figures = (get("energy_mwh"), get("energy_cost_cny"), get("carbon_t"))
            rows.append((h, p, int(get("jobs")), *power, *store, *figures))
    return pd.DataFrame(rows, columns=PLAN_SCHEMAS["hub_periods"].column_names)


def replicas_periods(replicas: pd.DataFrame, which: str) -> list[str]:
    """The first (``from``) or last (``to``) period of each replica row, as text."""
    return [str(v) for v in as_text(replicas[f"{which}_period"])]


def _ratio(used: float, available: float) -> float:
    return used / available if available > 0 else 0.0


def hub_usage_table(
    facts: Facts, placements: pd.DataFrame, replicas: pd.DataFrame, hub_periods: pd.DataFrame
) -> pd.DataFrame:
    """Per hub of the scenario: jobs placed; power (IT and at the meter) against the grid allocation
    in the period of the hub's highest power utilisation (the first such); accelerators used in the
    fullest period against the inventory; storage in the fullest period against that period's
    storage; and the horizon's energy, its cost, emissions, their cost, and the storage cost."""
    n = len(facts.hub_ids)
    hub = placements["hub_id"].to_numpy(dtype=object)
    on = hub != ""
    h = np.array([facts.hub_pos[x] for x in hub[on]], dtype=np.int64)

    def per_hub(values: np.ndarray, at: np.ndarray = h) -> np.ndarray:
        return np.bincount(at, weights=np.asarray(values, dtype=float), minlength=n)[:n]

    r = np.array([facts.hub_pos[x] for x in replicas["hub_id"]], dtype=np.int64)
    inventory = np.zeros(n)
    for (x, _k), count in facts.inventory.items():
        inventory[facts.hub_pos[x]] += count
    peak = {}
    for x, part in hub_periods.groupby("hub_id", sort=False):
        power = part.loc[part["power_utilisation"].idxmax()]
        store = part.loc[part["storage_used_tb"].idxmax()]
        peak[x] = (power, store, int(part["accelerators_used"].max()))
    rows = []
    for i, x in enumerate(facts.hub_ids):
        power, store, used = peak[x]
        rows.append(
            {
                "it_mw": float(power["it_mw"]),
                "meter_mw": float(power["meter_mw"]),
                "grid_mw": float(power["grid_mw"]),
                "power_utilisation": float(power["power_utilisation"]),
                "accelerators_used": used,
                "accelerators": inventory[i],
                "accelerator_utilisation": _ratio(used, inventory[i]),
                "storage_used_tb": float(store["storage_used_tb"]),
                "storage_tb": float(store["storage_tb"]),
                "storage_utilisation": _ratio(float(store["storage_used_tb"]), float(store["storage_tb"])),
            }
        )
    out = pd.DataFrame(
        {
            "hub_id": facts.hub_ids,
            "name": as_text(pd.Series(facts.hub["name"])),
            "macro_region": as_text(pd.Series(facts.hub["macro_region"])),
            "grid_region": as_text(pd.Series(facts.hub["grid_region"])),
            "jobs": np.bincount(h, minlength=n)[:n].astype(np.int64),
        }
    )
    out = pd.concat([out, pd.DataFrame(rows)], axis=1)
    out["accelerators_used"] = out["accelerators_used"].astype(np.int64)
    for c in ("energy_mwh", "energy_cost_cny", "carbon_t", "carbon_cost_cny"):
        out[c] = per_hub(placements[c].to_numpy()[on])
    out["storage_cost_cny"] = per_hub(replicas["storage_cost_cny"].to_numpy(), r)
    return out


def accelerator_usage_table(facts: Facts, placements: pd.DataFrame, job_periods: pd.DataFrame) -> pd.DataFrame:
    """Per inventory row and period (and any hub and type used without one): accelerators of the
    jobs running then, the inventory, and their ratio (infinite when accelerators are used where
    the inventory has none)."""
    accel = dict(zip(placements["job_id"], placements["accel_id"], strict=True))
    count = dict(zip(placements["job_id"], placements["accel_count"], strict=True))
    used: dict[tuple[str, str, str], int] = {(h, k, p): 0 for h, k in facts.inventory_rows for p in facts.periods}
    for j, h, p in zip(job_periods["job_id"], job_periods["hub_id"], job_periods["period_id"], strict=True):
        key = (h, accel[j], p)
        used[key] = used.get(key, 0) + int(count[j])
    rows = []
    for (h, k, p), n in used.items():
        inv = int(facts.inventory.get((h, k), 0))
        rows.append((h, k, p, n, inv, n / inv if inv > 0 else (math.inf if n else 0.0)))
    return pd.DataFrame(rows, columns=PLAN_SCHEMAS["accelerator_usage"].column_names)


def costs_table(placements: pd.DataFrame, replicas: pd.DataFrame, link_flows: pd.DataFrame) -> pd.DataFrame:
    """The cost terms (energy, carbon, storage, transfer, unplaced-job penalties), their total, and each one's share."""
    values = {
        "energy": float(placements["energy_cost_cny"].sum()),
        "carbon": float(placements["carbon_cost_cny"].sum()),
        "storage": float(replicas["storage_cost_cny"].sum()),
        "transfer": float(link_flows["cost_cny"].sum()),  # NaN (a loaded non-link) is left out
        "unplaced_penalty": float(placements["unplaced_penalty_cny"].sum()),
    }
    total = sum(values[t] for t in COST_TERMS)
    terms = [*COST_TERMS, "total"]
    cost = [*(values[t] for t in COST_TERMS), total]
    share = [v / total if total else 0.0 for v in cost[:-1]] + [1.0 if total else 0.0]
    return pd.DataFrame({"term": terms, "cost_cny": cost, "share": share})
