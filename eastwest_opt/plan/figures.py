"""Every written figure, recomputed from the plan's decisions and the raw scenario, and compared.

The decisions are where each job trains (``placements.status``, ``hub_id``), which durable
replicas and staged copies exist (the rows of ``replicas``), the staging transfers, the
replication and staging traffic per arc, and the artifact routes with their TB. Everything else a
plan writes is a figure: one function per table rebuilds it from the decisions (``*_table``),
keyed by the table's key columns, and :func:`compare_table` compares the written table with it,
cell by cell. :mod:`eastwest_opt.plan.verify` runs them; ``summary.json`` is compared in
:mod:`eastwest_opt.plan.figures_summary`. Nothing here imports the model, the solver or the code
that wrote the tables (``plan/extract.py``, ``plan/tables.py``).

Tolerance: a written number agrees with its recomputation when ``|written - recomputed| <= 1e-9
+ 1e-6 * max(|written|, |recomputed|)`` (:data:`FIGURE_REL`, :data:`FIGURE_ABS`): plans are
written with 10 significant digits, so a figure read back is within 5e-10 of its value, and sums
over 100,000 rows add far less than 1e-6; integer columns (counts of jobs and accelerators) agree
exactly; text agrees exactly; NaN (an empty cell) agrees only with NaN, an infinity only with the
same infinity.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from eastwest_opt.plan.facts import Facts
from eastwest_opt.plan.schema import COST_TERMS, PLAN_SCHEMAS, ROUTE_SEP, PlanTable, as_text, cell_text
from eastwest_opt.plan.verdict import Violation

FIGURE_REL = 1e-6
FIGURE_ABS = 1e-9
FAMILY = "figures"
KINDS = ("replication", "staging", "artifact")


def recompute(facts: Facts, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table's figures rebuilt from the decisions in ``tables``: one frame per table, holding
    its key columns and its figure columns."""
    placements = placements_table(facts, tables["placements"], tables["replicas"])
    replicas = replicas_table(facts, tables["replicas"])
    routes = artifact_routes_table(facts, tables["artifact_routes"])
    link_flows = link_flows_table(facts, tables["traffic"], tables["artifact_routes"])
    hub_usage = hub_usage_table(facts, placements, replicas)
    return {
        "placements": placements,
        "replicas": replicas,
        "artifact_routes": routes,
        "link_flows": link_flows,
        "hub_usage": hub_usage,
        "accelerator_usage": accelerator_usage_table(facts, placements),
        "costs": costs_table(placements, replicas, link_flows),
    }


# ---------------------------------------------------------------------------------
# one function per table
# ---------------------------------------------------------------------------------
def placements_table(facts: Facts, placements: pd.DataFrame, replicas: pd.DataFrame) -> pd.DataFrame:
    """Each job's figures at the hub the plan puts it (zero power, energy and cost when unplaced).

    From ``jobs.csv``: name, dataset, accelerator type and count, runtime; an ``overrides.csv`` row
    for (job, hub) replaces the accelerator type or count, ``it_mw``, the runtime or the energy cost.
    ``it_mw = count * kw_per_accel / 1000``, ``meter_mw = it_mw * pue``, ``energy_mwh = it_mw *
    runtime_h * pue``, energy cost ``energy_mwh * 1000 * price * (1 - subsidy[hub, accel])`` unless
    fixed, ``carbon_t = energy_mwh * carbon_kg_per_kwh``, carbon cost at the scenario's carbon price;
    data from a staged copy when the hub holds one; the penalty of an unplaced job, when it may be.
    Vectorised by position: the job's row in ``jobs.csv``, the hub's in ``hubs.csv``.
    """
    sc = facts.sc
    jobs = placements["job_id"].to_numpy(dtype=object)
    status = placements["status"].to_numpy(dtype=object)
    hub = as_text(placements["hub_id"])
    placed = (status == "placed") & (hub != "")
    hub = np.where(placed, hub, "")
    at = facts.job_index.get_indexer(jobs)  # every job is known (checked before)
    col = {c: facts.job[c][at] for c in ("name", "dataset_id", "accel_id", "accel_count", "runtime_h")}
    accel = col["accel_id"].astype(object)
    count = col["accel_count"].astype(float)
    runtime = col["runtime_h"].astype(float)
    it_mw = np.full(len(jobs), math.nan)
    fixed = np.full(len(jobs), math.nan)
    if facts.overrides:
        for i in np.flatnonzero(placed):
            o = facts.overrides.get((jobs[i], hub[i]))
            if o is None:
                continue
            accel[i] = o.accel_id if isinstance(o.accel_id, str) and o.accel_id else accel[i]
            count[i] = o.accel_count if not _missing(o.accel_count) else count[i]
            runtime[i] = o.runtime_h if not _missing(o.runtime_h) else runtime[i]
            it_mw[i], fixed[i] = o.it_mw, o.fixed_cost_cny
    kw = np.array([facts.kw.get(a, math.nan) for a in accel], dtype=float)
    it_mw = np.where(np.isnan(it_mw), count * kw / 1000.0, it_mw)
    h = np.array([facts.hub_pos.get(x, 0) for x in hub], dtype=np.int64)
    pue = facts.hub["pue"].astype(float)[h]
    energy = it_mw * runtime * pue
    subsidy = np.array([facts.subsidy.get((x, a), 0.0) for x, a in zip(hub, accel, strict=True)], dtype=float)
    price = facts.hub["price_cny_per_kwh"].astype(float)[h]
    cost = np.where(np.isnan(fixed), energy * 1000.0 * price * (1.0 - subsidy), fixed)
    carbon = energy * facts.hub["carbon_kg_per_kwh"].astype(float)[h]
    staged = set(zip(*_rows_of(replicas, "staged"), strict=True))
    penalty = facts.job["unplaced_penalty_cny"][at].astype(float)
    may_stay = ~placed & bool(sc.allow_unplaced) & ~np.isnan(penalty)
    out = pd.DataFrame(
        {
            "job_id": jobs,
            "status": status,
            "hub_id": hub,  # a decision, kept for the tables built from this one
            "name": as_text(pd.Series(col["name"])),
            "dataset_id": col["dataset_id"],
            "class_id": [facts.class_of[d] for d in col["dataset_id"]],
            "accel_id": accel,
            "accel_count": count.astype(np.int64),
        }
    )
    for name, values in (
        ("it_mw", it_mw),
        ("meter_mw", it_mw * pue),
        ("runtime_h", runtime),
        ("energy_mwh", energy),
        ("energy_cost_cny", cost),
        ("carbon_t", carbon),
        ("carbon_cost_cny", carbon * float(sc.carbon_price_cny_per_t)),
    ):
        out[name] = np.where(placed, values, 0.0)
    out["data_source"] = [
        ("staged" if (d, x) in staged else "replica") if x else "" for d, x in zip(col["dataset_id"], hub, strict=True)
    ]
    out["unplaced_penalty_cny"] = np.where(may_stay, np.nan_to_num(penalty), 0.0)
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rows_of(replicas: pd.DataFrame, kind: str) -> tuple[list[str], list[str]]:
    on = replicas["kind"].to_numpy(dtype=object) == kind
    return list(replicas["dataset_id"].to_numpy(dtype=object)[on]), list(replicas["hub_id"].to_numpy(dtype=object)[on])


def replicas_table(facts: Facts, replicas: pd.DataFrame) -> pd.DataFrame:
    """Each replica's figures: whether it is the origin's, its hub's grid region, the dataset's size,
    and its storage cost ``size_tb * storage_price[hub] * months`` over the planning window."""
    d = replicas["dataset_id"].to_numpy(dtype=object)
    hubs = replicas["hub_id"].to_numpy(dtype=object)
    h = np.array([facts.hub_pos[x] for x in hubs], dtype=np.int64)
    size = np.array([facts.size_tb[x] for x in d], dtype=float)
    price = facts.hub["storage_price_cny_per_tb_month"].astype(float)[h]
    return pd.DataFrame(
        {
            "dataset_id": d,
            "hub_id": hubs,
            "kind": replicas["kind"].to_numpy(dtype=object),
            "is_origin": np.array([facts.origin[x] == y for x, y in zip(d, hubs, strict=True)], dtype=bool),
            "grid_region": [facts.region[x] for x in hubs],
            "size_tb": size,
            "storage_cost_cny": size * price * facts.sc.storage_months,
        }
    )


def artifact_routes_table(facts: Facts, routes: pd.DataFrame) -> pd.DataFrame:
    """Each route's latency: the sum of its links' latencies (empty when it crosses a non-link)."""
    w = routes.reset_index(drop=True)
    latency = [facts.route_latency(str(r)) for r in w["route"]]
    out = w[["from_hub", "to_hub", "max_latency_ms", "route"]].copy()
    out["latency_ms"] = [math.nan if v is None else v for v in latency]
    return out


def route_arcs(route: str) -> list[tuple[str, str]]:
    """The arcs a route (hubs joined by ``>``) crosses, in order."""
    return list(itertools.pairwise(h for h in str(route).split(ROUTE_SEP) if h))


def link_flows_table(facts: Facts, traffic: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    """Per directed arc (every link direction with capacity, and any other arc the plan loads): TB by
    kind, total, capacity over the window, utilisation (total / capacity; infinite on a loaded arc
    without capacity) and transfer cost (total * cost per TB; empty on a loaded non-link)."""
    load: dict[tuple[str, str], list[float]] = {arc: [0.0, 0.0, 0.0] for arc in facts.arcs}
    for kind, u, v, tb in zip(traffic["kind"], traffic["from_hub"], traffic["to_hub"], traffic["tb"], strict=True):
        load.setdefault((u, v), [0.0, 0.0, 0.0])[KINDS.index(kind)] += float(tb)
    for route, tb in zip(routes["route"], routes["tb"], strict=True):
        for arc in route_arcs(route):
            load.setdefault(arc, [0.0, 0.0, 0.0])[2] += float(tb)
    rows = []
    for (u, v), (rep, stg, art) in load.items():
        link, cap, cost, _latency = facts.arcs.get((u, v), ("", 0.0, math.nan, math.nan))
        total = rep + stg + art
        utilisation = total / cap if cap > 0 else (math.inf if total > 0 else 0.0)
        rows.append((link, u, v, rep, stg, art, total, cap, utilisation, total * cost if total > 0 else 0.0))
    columns = PLAN_SCHEMAS["link_flows"].column_names
    return pd.DataFrame(rows, columns=columns)


def hub_usage_table(facts: Facts, placements: pd.DataFrame, replicas: pd.DataFrame) -> pd.DataFrame:
    """Per hub of the scenario: jobs, power (IT and at the meter) against the grid allocation,
    accelerators used against the inventory, storage used (durable and staged) against the
    storage, energy, its cost, emissions, their cost, and the storage cost."""
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
    grid = facts.hub["grid_mw"].astype(float)
    storage = facts.hub["storage_tb"].astype(float)
    meter = per_hub(placements["meter_mw"].to_numpy()[on])
    used = per_hub(placements["accel_count"].to_numpy()[on])
    stored = per_hub(replicas["size_tb"].to_numpy(), r)
    out = pd.DataFrame(
        {
            "hub_id": facts.hub_ids,
            "name": as_text(pd.Series(facts.hub["name"])),
            "macro_region": as_text(pd.Series(facts.hub["macro_region"])),
            "grid_region": as_text(pd.Series(facts.hub["grid_region"])),
            "jobs": np.bincount(h, minlength=n)[:n].astype(np.int64),
            "it_mw": per_hub(placements["it_mw"].to_numpy()[on]),
            "meter_mw": meter,
            "grid_mw": grid,
            "power_utilisation": _share(meter, grid),
            "accelerators_used": np.rint(used).astype(np.int64),
            "accelerators": inventory,
            "accelerator_utilisation": _share(used, inventory),
            "storage_used_tb": stored,
            "storage_tb": storage,
            "storage_utilisation": _share(stored, storage),
        }
    )
    for c in ("energy_mwh", "energy_cost_cny", "carbon_t", "carbon_cost_cny"):
        out[c] = per_hub(placements[c].to_numpy()[on])
    out["storage_cost_cny"] = per_hub(replicas["storage_cost_cny"].to_numpy(), r)
    return out


def _share(used: np.ndarray, available: np.ndarray) -> np.ndarray:
    """``used / available``, 0 where nothing is available."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(available > 0, used / np.where(available > 0, available, 1.0), 0.0)


def accelerator_usage_table(facts: Facts, placements: pd.DataFrame) -> pd.DataFrame:
    """Per inventory row (and any hub and type used without one): accelerators used, the inventory,
    and their ratio (infinite when accelerators are used where the inventory has none)."""
    on = placements["hub_id"].to_numpy(dtype=object) != ""
    used: dict[tuple[str, str], int] = dict.fromkeys(facts.inventory_rows, 0)
    for h, k, n in zip(
        placements["hub_id"].to_numpy(dtype=object)[on],
        placements["accel_id"].to_numpy(dtype=object)[on],
        placements["accel_count"].to_numpy()[on],
        strict=True,
    ):
        used[h, k] = used.get((h, k), 0) + int(n)
    rows = []
    for (h, k), n in used.items():
        count = int(facts.inventory.get((h, k), 0))
        rows.append((h, k, n, count, n / count if count > 0 else (math.inf if n else 0.0)))
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


# ---------------------------------------------------------------------------------
# written against recomputed
# ---------------------------------------------------------------------------------
def differs(written: np.ndarray, recomputed: np.ndarray, *, exact: bool = False) -> np.ndarray:
    """Where two arrays of numbers disagree beyond the tolerance (NaN only agrees with NaN, an
    infinity only with the same infinity)."""
    w = np.asarray(written, dtype=float)
    r = np.asarray(recomputed, dtype=float)
    with np.errstate(invalid="ignore"):
        if exact:
            far = w != r
        else:
            far = np.abs(w - r) > FIGURE_ABS + FIGURE_REL * np.maximum(np.abs(w), np.abs(r))
        same = (np.isnan(w) & np.isnan(r)) | (w == r)
    return ~same & (far | np.isnan(w) | np.isnan(r))


def compare_table(schema: PlanTable, written: pd.DataFrame, recomputed: pd.DataFrame) -> list[Violation]:
    """Every figure of ``written`` that disagrees with ``recomputed`` (rows matched by the table's key),
    and every row one has and the other lacks, as ``figures`` violations naming file, row and column."""
    key = list(schema.key)
    file = schema.filename
    w = written.reset_index(drop=True)
    out: list[Violation] = []
    r = recomputed
    if not _aligned(w, recomputed, key):  # else recomputed row by row from the written rows
        w_keys, r_keys = _key_index(w, key), _key_index(recomputed, key)
        where_w = w_keys.get_indexer(r_keys)
        for i in np.flatnonzero(where_w < 0):  # rows the decisions give that the table lacks
            label = schema.labels(recomputed.iloc[[i]]).iloc[0]
            out.append(
                Violation(FAMILY, f"{file} row {label}: missing; the plan's decisions give this row", file, label)
            )
        for i in np.flatnonzero(r_keys.get_indexer(w_keys) < 0):
            label = schema.labels(w.iloc[[i]]).iloc[0]
            out.append(Violation(FAMILY, f"{file} row {label}: not a row the plan's decisions give", file, label))
        found = where_w >= 0
        r = recomputed.loc[found].reset_index(drop=True)
        w = w.iloc[where_w[found]].reset_index(drop=True)
    labels: pd.Series | None = None
    for name in schema.figures:
        if name not in r.columns:
            continue
        col = schema.column(name)
        if col.numeric:
            bad = differs(w[name].to_numpy(dtype=float), r[name].to_numpy(dtype=float), exact=col.kind == "int")
        else:
            bad = np.asarray(as_text(w[name]) != as_text(r[name]), dtype=bool)
        if not bad.any():
            continue
        if labels is None:
            labels = schema.labels(w)
        out += [mismatch(file, labels.iloc[i], name, w[name].iloc[i], r[name].iloc[i]) for i in np.flatnonzero(bad)]
    return out


def _aligned(written: pd.DataFrame, recomputed: pd.DataFrame, key: list[str]) -> bool:
    """Whether both frames hold the same keys in the same order (then rows match by position)."""
    if len(written) != len(recomputed):
        return False
    return all(np.array_equal(as_text(written[c]), as_text(recomputed[c])) for c in key if c in recomputed.columns)


def _key_index(frame: pd.DataFrame, key: list[str]) -> pd.MultiIndex:
    """The rows' keys, exactly: text as text, numbers by their repr (NaN matches NaN)."""
    arrays = []
    for c in key:
        values = frame[c]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            arrays.append(values.astype(float).map(repr))
        else:
            arrays.append(as_text(values))
    return pd.MultiIndex.from_arrays(arrays) if arrays else pd.MultiIndex.from_arrays([[]])


def mismatch(file: str, row: str | None, column: str, written: object, recomputed: object) -> Violation:
    """A written figure that disagrees with its recomputation."""
    where = f"{file} row {row}, column {column}" if row is not None else f"{file}, key {column}"
    message = f"{where}: written {_shown(written)}, recomputed {_shown(recomputed)}"
    return Violation(FAMILY, message, file, row, column, _value(written), _value(recomputed))


def _shown(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    return cell_text(value)


def _value(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def compare_tables(tables: dict[str, pd.DataFrame], recomputed: dict[str, pd.DataFrame]) -> list[Violation]:
    """Every table with figures, written against recomputed."""
    out: list[Violation] = []
    for name, frame in recomputed.items():
        out += compare_table(PLAN_SCHEMAS[name], tables[name], frame)
    return out
