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

import math

import numpy as np
import pandas as pd

from eastwest_opt.plan.facts import Facts
from eastwest_opt.plan.figures_usage import (
    accelerator_usage_table,
    costs_table,
    hub_periods_table,
    hub_usage_table,
    link_flows_table,
)
from eastwest_opt.plan.schema import PLAN_SCHEMAS, PlanTable, as_text, cell_text
from eastwest_opt.plan.verdict import Violation
from eastwest_opt.scenario.core import HOURS_PER_MONTH

FIGURE_REL = 1e-6
FIGURE_ABS = 1e-9
FAMILY = "figures"


def recompute(facts: Facts, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table's figures rebuilt from the decisions in ``tables``: one frame per table, holding
    its key columns and its figure columns."""
    placements, job_periods = placements_table(facts, tables["placements"], tables["replicas"], tables["job_periods"])
    replicas = replicas_table(facts, tables["replicas"])
    routes = artifact_routes_table(facts, tables["artifact_routes"])
    link_flows = link_flows_table(facts, tables["traffic"], tables["artifact_routes"])
    hub_periods = hub_periods_table(facts, placements, job_periods, tables["replicas"])
    return {
        "placements": placements,
        "replicas": replicas,
        "artifact_routes": routes,
        "link_flows": link_flows,
        "hub_usage": hub_usage_table(facts, placements, replicas, hub_periods),
        "accelerator_usage": accelerator_usage_table(facts, placements, job_periods),
        "costs": costs_table(placements, replicas, link_flows),
        "job_periods": job_periods,
        "hub_periods": hub_periods,
    }


# ---------------------------------------------------------------------------------
# one function per table
# ---------------------------------------------------------------------------------
def placements_table(
    facts: Facts, placements: pd.DataFrame, replicas: pd.DataFrame, job_periods: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each job's figures at the hub and from the period the plan puts it (zero power, energy and
    cost when unplaced), and each placed job's hours, energy, cost and emissions per period.

    From ``jobs.csv``: name, dataset, accelerator type and count, runtime; an ``overrides.csv`` row
    for (job, hub) replaces the accelerator type or count, ``it_mw``, the runtime or the energy cost.
    ``it_mw = count * kw_per_accel / 1000``, ``meter_mw = it_mw * pue``. A job that is not
    preemptible runs its runtime from the start of its ``start_period``; a preemptible one runs the
    hours ``job_periods.csv`` gives it (a decision). In each period ``energy = it_mw * hours * pue``,
    its cost ``energy * 1000 * price[hub, period] * (1 - subsidy[hub, accel])`` (a fixed cost is
    shared out by hours), ``carbon = energy * carbon_kg_per_kwh[hub, period]``; the job's figures
    are the sums, its end period the last one it runs in; data from a staged copy when the hub holds
    one; the penalty of an unplaced job, when it may be. Vectorised by position where it can be.
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
    it_mw, fixed = _apply_overrides(facts, jobs, hub, placed, accel, count, runtime)
    kw = np.array([facts.kw.get(a, math.nan) for a in accel], dtype=float)
    it_mw = np.where(np.isnan(it_mw), count * kw / 1000.0, it_mw)
    h = np.array([facts.hub_pos.get(x, 0) for x in hub], dtype=np.int64)
    pue = facts.hub["pue"].astype(float)[h]
    starts = as_text(placements["start_period"]) if "start_period" in placements else np.full(len(jobs), "")
    flexible = facts.preemptible[at] if facts.preemptible is not None else np.zeros(len(jobs), dtype=bool)
    per = _period_rows(facts, jobs, hub, placed, starts, flexible, runtime, _written_hours(job_periods))
    _price_periods(facts, per, hub, accel, it_mw * pue, fixed)

    def total(column: str) -> np.ndarray:
        return np.bincount(per["i"], weights=per[column].to_numpy(dtype=float), minlength=len(jobs))

    last = {int(i): p for i, p in zip(per["i"], per["period_id"], strict=True)}
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
    energy, carbon = total("energy_mwh"), total("carbon_t")
    for name, values in (
        ("it_mw", it_mw),
        ("meter_mw", it_mw * pue),
        ("runtime_h", runtime),
        ("energy_mwh", energy),
        ("energy_cost_cny", total("energy_cost_cny")),
        ("carbon_t", carbon),
        ("carbon_cost_cny", carbon * float(sc.carbon_price_cny_per_t)),
    ):
        out[name] = np.where(placed, values, 0.0)
    out["end_period"] = [last.get(i, "") for i in range(len(jobs))]
    out["data_source"] = [
        ("staged" if (d, x) in staged else "replica") if x else "" for d, x in zip(col["dataset_id"], hub, strict=True)
    ]
    out["unplaced_penalty_cny"] = np.where(may_stay, np.nan_to_num(penalty), 0.0)
    columns = ["job_id", "hub_id", "period_id", "hours", "energy_mwh", "energy_cost_cny", "carbon_t"]
    return out, per[columns].reset_index(drop=True)


def _apply_overrides(
    facts: Facts,
    jobs: np.ndarray,
    hub: np.ndarray,
    placed: np.ndarray,
    accel: np.ndarray,
    count: np.ndarray,
    runtime: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply each placed job's ``overrides.csv`` row at its hub: the accelerator type, count and
    runtime in place; returns the overridden ``it_mw`` and fixed energy cost (NaN where none)."""
    it_mw = np.full(len(jobs), math.nan)
    fixed = np.full(len(jobs), math.nan)
    for i in np.flatnonzero(placed) if facts.overrides else ():
        o = facts.overrides.get((jobs[i], hub[i]))
        if o is None:
            continue
        accel[i] = o.accel_id if isinstance(o.accel_id, str) and o.accel_id else accel[i]
        count[i] = o.accel_count if not _missing(o.accel_count) else count[i]
        runtime[i] = o.runtime_h if not _missing(o.runtime_h) else runtime[i]
        it_mw[i], fixed[i] = o.it_mw, o.fixed_cost_cny
    return it_mw, fixed


def _price_periods(
    facts: Facts, per: pd.DataFrame, hub: np.ndarray, accel: np.ndarray, meter_mw: np.ndarray, fixed: np.ndarray
) -> None:
    """Add each (job, period) row's energy, its cost and its emissions to ``per``, in place.

    ``energy = meter_mw * hours``; cost ``energy * 1000 * price[hub, period] * (1 - subsidy)``,
    or the job's fixed cost shared out by hours; ``carbon = energy * carbon_kg_per_kwh[hub, period]``.
    """
    i = per["i"].to_numpy()
    subsidy = np.array([facts.subsidy.get((x, a), 0.0) for x, a in zip(hub, accel, strict=True)], dtype=float)
    per["energy_mwh"] = meter_mw[i] * per["hours"]
    keys = list(zip(per["hub_id"], per["period_id"], strict=True))
    price = np.array([facts.per_period["price_cny_per_kwh"][k] for k in keys], dtype=float)
    factor = np.array([facts.per_period["carbon_kg_per_kwh"][k] for k in keys], dtype=float)
    run_total = np.bincount(i, weights=per["hours"], minlength=len(meter_mw))
    share = per["hours"] / np.where(run_total[i] > 0, run_total[i], 1.0)
    priced = per["energy_mwh"] * 1000.0 * price * (1.0 - subsidy[i])
    per["energy_cost_cny"] = np.where(np.isnan(fixed[i]), priced, fixed[i] * share)
    per["carbon_t"] = per["energy_mwh"] * factor


def _written_hours(job_periods: pd.DataFrame) -> dict[str, list[tuple[str, float]]]:
    """The hours ``job_periods.csv`` gives each job, by period (the decisions of preemptible jobs)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for j, p, hours in zip(job_periods["job_id"], job_periods["period_id"], job_periods["hours"], strict=True):
        out.setdefault(str(j), []).append((str(p), float(hours)))
    return out


def _period_rows(
    facts: Facts,
    jobs: np.ndarray,
    hub: np.ndarray,
    placed: np.ndarray,
    starts: np.ndarray,
    flexible: np.ndarray,
    runtime: np.ndarray,
    written: dict[str, list[tuple[str, float]]],
) -> pd.DataFrame:
    """One row per placed job and period it runs in: from its start for its runtime, or the hours
    written for a preemptible job (in period order). A start that is no period, or a run past the
    end of the horizon, gives no rows (the timing check reports it)."""
    rows: list[tuple[int, str, str, str, float]] = []
    for i in np.flatnonzero(placed):
        if flexible[i]:
            hours = sorted(written.get(str(jobs[i]), []), key=lambda ph: facts.period_pos.get(ph[0], 0))
            rows += [(int(i), jobs[i], hub[i], p, v) for p, v in hours if v > 0]
            continue
        start = facts.period_pos.get(str(starts[i])) if facts.timed else 0
        run = facts.run_hours(start, float(runtime[i])) if start is not None else None
        for p, v in (run or {}).items():
            rows.append((int(i), jobs[i], hub[i], facts.periods[p], v))
    return pd.DataFrame(rows, columns=["i", "job_id", "hub_id", "period_id", "hours"]).astype(
        {"i": np.int64, "hours": float}
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rows_of(replicas: pd.DataFrame, kind: str) -> tuple[list[str], list[str]]:
    on = replicas["kind"].to_numpy(dtype=object) == kind
    return list(replicas["dataset_id"].to_numpy(dtype=object)[on]), list(replicas["hub_id"].to_numpy(dtype=object)[on])


def replicas_table(facts: Facts, replicas: pd.DataFrame) -> pd.DataFrame:
    """Each replica's figures: whether it is the origin's, its hub's grid region, the dataset's size,
    and its storage cost ``size_tb * storage_price[hub] * months`` over the periods it is held
    (``from_period`` to ``to_period``; months = hours / 730)."""
    d = replicas["dataset_id"].to_numpy(dtype=object)
    hubs = replicas["hub_id"].to_numpy(dtype=object)
    h = np.array([facts.hub_pos[x] for x in hubs], dtype=np.int64)
    size = np.array([facts.size_tb[x] for x in d], dtype=float)
    price = facts.hub["storage_price_cny_per_tb_month"].astype(float)[h]
    held = np.array(
        [_held_hours(facts, a, b) for a, b in zip(replicas["from_period"], replicas["to_period"], strict=True)],
        dtype=float,
    )
    return pd.DataFrame(
        {
            "dataset_id": d,
            "hub_id": hubs,
            "kind": replicas["kind"].to_numpy(dtype=object),
            "is_origin": np.array([facts.origin[x] == y for x, y in zip(d, hubs, strict=True)], dtype=bool),
            "grid_region": [facts.region[x] for x in hubs],
            "size_tb": size,
            "storage_cost_cny": size * price * (held / HOURS_PER_MONTH),
        }
    )


def _held_hours(facts: Facts, first: object, last: object) -> float:
    """Hours from the start of period ``first`` to the end of period ``last`` (0 when either is no period)."""
    a, b = facts.period_pos.get(str(first)), facts.period_pos.get(str(last))
    if a is None or b is None or b < a:
        return 0.0
    return float(facts.hours[a : b + 1].sum())


def artifact_routes_table(facts: Facts, routes: pd.DataFrame) -> pd.DataFrame:
    """Each route's latency: the sum of its links' latencies (empty when it crosses a non-link)."""
    w = routes.reset_index(drop=True)
    latency = [facts.route_latency(str(r)) for r in w["route"]]
    out = w[["from_hub", "to_hub", "max_latency_ms", "route", "period_id"]].copy()
    out["latency_ms"] = [math.nan if v is None else v for v in latency]
    return out


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
