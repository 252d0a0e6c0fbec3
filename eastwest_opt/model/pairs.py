"""Where and when each job group may train: (group, hub, start) pairs and their coefficients.

:func:`job_hub_pairs` lists every (group, hub) pair localization and the job's own hub
restriction allow, with the accelerator type, count, power and runtime at that hub (overrides
applied). :func:`artifact_routes` keeps the pairs whose artifacts can reach every serving hub
within the job's latency bound. :func:`in_time` then gives each pair its start periods (see
:mod:`~eastwest_opt.model.periods`): one row per (group, hub, start) for a job that runs without
interruption, one row per (group, hub) with ``start = -1`` for a preemptible job; and the hours
and energy of each row in each period it runs (``pair_hours``), or the periods a preemptible
row may run in (``flex_periods``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from eastwest_opt.model.periods import HOUR_TOL, Horizon
from eastwest_opt.scenario.checks import is_missing
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.network import Network, Route

ArtifactKey = tuple[str, str, float]  # (training hub, serving hub, latency bound in ms)


def positions(lookup: dict, values: pd.Series | np.ndarray) -> np.ndarray:
    """``lookup[v]`` (an integer) for every value, as an int64 array, through pandas' hash table
    (one C look-up per entry); a value that is not a key raises ``KeyError`` as ``lookup[v]`` would."""
    items = np.asarray(values, dtype=object)
    at = pd.Index(list(lookup), dtype=object).get_indexer(items)
    if (at < 0).any():
        raise KeyError(items[int(np.flatnonzero(at < 0)[0])])
    return np.fromiter(lookup.values(), dtype=np.int64, count=len(lookup))[at]


def group_rows(pairs: pd.DataFrame, groups: pd.DataFrame) -> np.ndarray:
    """The row of ``groups`` of each pair's group."""
    return positions({g: i for i, g in enumerate(groups["group_id"].tolist())}, pairs["group_id"])


def job_hub_pairs(scenario: Scenario, allowed: dict[str, frozenset[str] | None], groups: pd.DataFrame) -> pd.DataFrame:
    """Every (job group, hub) pair the group's jobs may train at, with derived or overridden figures.

    Derived per job: accelerator type and count from the job, ``it_mw = count * kw_per_accel / 1000``,
    ``meter_mw = it_mw * pue[h]``, ``energy_mwh = it_mw * runtime_h * pue[h]``. Overrides replace
    any of accel_id, accel_count, it_mw, runtime_h and the energy cost (``fixed_cost_cny``) for
    one (job, hub). Built with vectorised pandas operations, so that it scales to large portfolios.
    """
    hubs = scenario.hubs[["hub_id", "pue"]]
    cols = ["group_id", "dataset_id", "accel_id", "accel_count", "runtime_h", "allowed_hubs", "size"]
    cross = groups[cols].merge(hubs, how="cross")
    keep = _localized(cross, allowed) & _restricted(cross)
    cross = cross.loc[keep].reset_index(drop=True)
    cross["fixed_cost_cny"] = math.nan
    cross["it_mw_override"] = math.nan
    ov = scenario.overrides
    if len(ov):
        o = ov.rename(
            columns={
                "job_id": "group_id",
                "accel_id": "o_accel",
                "accel_count": "o_count",
                "it_mw": "o_it",
                "runtime_h": "o_runtime",
                "fixed_cost_cny": "o_fixed",
            }
        )
        cross = cross.merge(o, on=["group_id", "hub_id"], how="left")
        has = cross["o_accel"].notna() & (cross["o_accel"] != "")
        cross.loc[has, "accel_id"] = cross.loc[has, "o_accel"]
        cross["accel_count"] = cross["o_count"].where(cross["o_count"].notna(), cross["accel_count"])
        cross["runtime_h"] = cross["o_runtime"].where(cross["o_runtime"].notna(), cross["runtime_h"])
        cross["it_mw_override"] = cross["o_it"]
        cross["fixed_cost_cny"] = cross["o_fixed"]
    kw = dict(zip(scenario.accelerators["accel_id"], scenario.accelerators["kw_per_accel"], strict=True))
    it_mw = (
        cross["accel_count"].astype(float) * np.array([kw[k] for k in cross["accel_id"].tolist()], dtype=float) / 1000.0
    )
    cross["it_mw"] = cross["it_mw_override"].where(cross["it_mw_override"].notna(), it_mw)
    cross["accel_count"] = cross["accel_count"].astype(int)
    cross["runtime_h"] = cross["runtime_h"].astype(float)
    cross["meter_mw"] = cross["it_mw"] * cross["pue"]
    cross["energy_mwh"] = cross["it_mw"] * cross["runtime_h"] * cross["pue"]
    ha = scenario.hub_accelerators.drop_duplicates(["hub_id", "accel_id"], keep="last")
    subsidy = pd.Series(
        ha["energy_subsidy_share"].to_numpy(dtype=float),
        index=pd.MultiIndex.from_arrays([ha["hub_id"], ha["accel_id"]]),
        dtype=float,
    )
    wanted = pd.MultiIndex.from_arrays([cross["hub_id"], cross["accel_id"]])
    cross["subsidy_share"] = subsidy.reindex(wanted, fill_value=0.0).to_numpy(dtype=float)
    columns = [
        "group_id",
        "hub_id",
        "dataset_id",
        "size",
        "accel_id",
        "accel_count",
        "it_mw",
        "meter_mw",
        "pue",
        "runtime_h",
        "energy_mwh",
        "subsidy_share",
        "fixed_cost_cny",
    ]
    return cross[columns]


def _localized(cross: pd.DataFrame, allowed: dict[str, frozenset[str] | None]) -> np.ndarray:
    """Whether each (group, hub) row's hub is one its dataset's class allows."""
    datasets = cross["dataset_id"].to_numpy(dtype=object).tolist()
    hubs = cross["hub_id"].to_numpy(dtype=object).tolist()
    return np.fromiter(
        (allowed[d] is None or h in allowed[d] for d, h in zip(datasets, hubs, strict=True)),
        dtype=bool,
        count=len(hubs),
    )


def _restricted(cross: pd.DataFrame) -> np.ndarray:
    """Whether each (group, hub) row's hub is among the group's ``allowed_hubs`` (any hub when it names none)."""
    restrict = cross["allowed_hubs"].to_numpy(dtype=object).tolist()
    hubs = cross["hub_id"].to_numpy(dtype=object).tolist()
    return np.fromiter((not r or h in r for r, h in zip(restrict, hubs, strict=True)), dtype=bool, count=len(hubs))


def _serving_rows(pairs: pd.DataFrame, groups: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Every (pair row, serving hub) of the pairs, in row order and each group's serving order."""
    lists = groups["serving_hubs"].to_numpy(dtype=object)[group_rows(pairs, groups)]
    lengths = np.fromiter((len(s) for s in lists), dtype=np.int64, count=len(lists))
    row = np.repeat(np.arange(len(pairs), dtype=np.int64), lengths)
    hubs = np.fromiter(itertools.chain.from_iterable(lists), dtype=object, count=int(lengths.sum()))
    return row, hubs


def _key_codes(
    hub: np.ndarray, target: np.ndarray, bound: np.ndarray, names: list[str], bounds: np.ndarray
) -> np.ndarray:
    """One integer per (hub, serving hub, bound), equal exactly when the three are; ``names`` and
    ``bounds`` hold every hub and bound coded."""
    lookup = {name: i for i, name in enumerate(dict.fromkeys(names))}
    values = pd.Index(pd.unique(np.asarray(bounds, dtype=float)))
    h = positions(lookup, hub)
    t = positions(lookup, target)
    b = values.get_indexer(np.asarray(bound, dtype=float)).astype(np.int64)
    return (h * len(lookup) + t) * max(len(values), 1) + b


class _RouteCache:
    """The ``k`` fastest loop-free routes of each (hub, hub) with their latencies, found once: the
    routes within a bound are the prefix whose latency is within it (they come fastest first),
    exactly :meth:`Network.candidate_routes` for that bound."""

    def __init__(self, network: Network, k: int) -> None:
        self.network, self.k = network, k
        self.full: dict[tuple[str, str], list[tuple[Route, float]]] = {}
        self.fastest: dict[tuple[str, str], float] = {}

    def within(self, source: str, target: str, bound: float) -> list[Route]:
        if (source, target) not in self.full:
            found = self.network.candidate_routes(source, target, math.inf, self.k)
            self.full[source, target] = [(r, self.network.route_latency_ms(r)) for r in found]
        out: list[Route] = []
        for route, latency in self.full[source, target]:
            if latency > bound + 1e-9:
                break
            out.append(route)
        return out

    def fastest_ms(self, source: str, target: str) -> float:
        if (source, target) not in self.fastest:
            self.fastest[source, target] = self.network.fastest_latency_ms(source, target)
        return self.fastest[source, target]


def artifact_routes(
    scenario: Scenario, network: Network, groups: pd.DataFrame, pairs: pd.DataFrame, *, elastic: bool
) -> tuple[pd.DataFrame, dict[ArtifactKey, list[Route]]]:
    """Candidate artifact routes within each job's latency bound, and the pairs that have them.

    A (group, hub) pair stays only if every serving hub of the group has a route from the hub
    within the bound (elastic: any route, the excess recorded). Returns the pairs kept (with
    ``latency_excess_ms`` and ``max_latency_ms``) and the routes of each (training hub,
    serving hub, bound), in the order the pairs first need them.
    """
    bound_of = np.array([float(b) if not is_missing(b) else math.inf for b in groups["max_latency_ms"]], dtype=float)
    bounds = bound_of[group_rows(pairs, groups)]
    row, target = _serving_rows(pairs, groups)
    hub = pairs["hub_id"].to_numpy(dtype=object)[row]
    cache = _RouteCache(network, scenario.artifact_paths_k)
    excess = np.zeros(len(pairs))
    if elastic:
        over = (
            np.array([cache.fastest_ms(h, t) for h, t in zip(hub.tolist(), target.tolist(), strict=True)], dtype=float)
            - bounds[row]
        )
        worst = np.zeros(len(pairs))
        np.maximum.at(worst, row, np.where(np.isnan(over), -np.inf, over))
        excess = np.where(np.isfinite(worst), worst, 0.0)
    route_bound = np.full(len(pairs), math.inf) if elastic else bounds
    away = hub != target
    hub, target, wanted = hub[away], target[away], route_bound[row[away]]
    code = _key_codes(hub, target, wanted, pd.unique(np.concatenate([hub, target])).tolist(), wanted)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    routes: dict[ArtifactKey, list[Route]] = {}
    found = np.zeros(len(first), dtype=bool)
    for u in np.argsort(first, kind="stable").tolist():  # in order of first need
        i = int(first[u])
        key = (hub[i], target[i], float(wanted[i]))
        routes[key] = cache.within(*key)
        found[u] = bool(routes[key])
    reachable = found[inverse.ravel()]
    keep = np.ones(len(pairs), dtype=bool)
    keep[row[away][~reachable]] = False
    pairs = pairs.assign(latency_excess_ms=excess, max_latency_ms=bounds, route_bound_ms=route_bound)
    return pairs.loc[keep].reset_index(drop=True), routes


def in_time(pairs: pd.DataFrame, groups: pd.DataFrame, h: Horizon) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Each pair's start periods (see the module docstring).

    Returns the pairs in time (columns ``start`` and ``end`` added: period positions; ``start``
    -1 for a preemptible pair, whose ``end`` is the last period of its window), the hours each
    non-preemptible row runs in each period it overlaps (``pair``, ``period``, ``hours``,
    ``energy_mwh``), and each preemptible row's periods (``pair``, ``period``).
    """
    n = len(h.ids)
    pairs = pairs.assign(_position=np.arange(len(pairs)))
    of = group_rows(pairs, groups)
    release = groups["release"].to_numpy(dtype=np.int64)[of]
    deadline = groups["deadline"].to_numpy(dtype=np.int64)[of]
    flexible = groups["preemptible"].to_numpy(dtype=bool)[of] & h.timed
    runtime = pairs["runtime_h"].to_numpy(dtype=float)
    parts = []
    for t in range(n):
        ok = ~flexible & (release <= t)
        if h.timed:
            finish = h.starts[t] + runtime
            fits = finish <= h.total_hours * (1 + HOUR_TOL) + HOUR_TOL
            end = np.minimum(np.searchsorted(h.ends, finish - HOUR_TOL * np.maximum(1.0, finish)), n - 1)
            ok &= fits & (end <= deadline)
        else:
            end = np.zeros(len(runtime), dtype=np.int64)
        if ok.any():
            parts.append(pairs.loc[ok].assign(start=t, end=end[ok].astype(np.int64)))
    flex_ok = flexible.copy()
    for i in np.flatnonzero(flexible):  # few rows: the window's hours summed as Horizon does
        flex_ok[i] = h.hours[release[i] : deadline[i] + 1].sum() >= runtime[i] * (1 - HOUR_TOL)
    if flex_ok.any():
        parts.append(pairs.loc[flex_ok].assign(start=-1, end=deadline[flex_ok]))
    timed = pd.concat(parts, ignore_index=True) if parts else pairs.iloc[:0].assign(start=0, end=0)
    timed = timed.sort_values(["_position", "start"], kind="stable").drop(columns="_position").reset_index(drop=True)
    return timed, _pair_hours(timed, h), _flex_periods(timed, groups)


def _pair_hours(timed: pd.DataFrame, h: Horizon) -> pd.DataFrame:
    """The hours (and MWh) each uninterrupted row runs in each period it overlaps, row by row
    and in period order (:meth:`Horizon.hours_in`, for every row at once)."""
    start = timed["start"].to_numpy(dtype=np.int64)
    runtime = timed["runtime_h"].to_numpy(dtype=float)
    it, pue = timed["it_mw"].to_numpy(dtype=float), timed["pue"].to_numpy(dtype=float)
    rows = np.flatnonzero(start >= 0)
    if not h.timed:
        parts = [(rows, np.zeros(len(rows), dtype=np.int64), runtime[rows])]
    else:
        n = len(h.ids)
        starts, ends = h.starts, h.ends
        begin = starts[start[rows]]
        finish = begin + runtime[rows]
        # the loop of hours_in stops at the first period from the start that ends at or after the finish
        stop = np.minimum(np.maximum(np.searchsorted(ends, finish, side="left"), start[rows]), n - 1)
        parts = []
        for p in range(n):
            overlap = np.minimum(finish, ends[p]) - np.maximum(begin, starts[p])
            ok = (start[rows] <= p) & (p <= stop) & (overlap > HOUR_TOL)
            parts.append((rows[ok], np.full(int(ok.sum()), p, dtype=np.int64), overlap[ok]))
    pair = np.concatenate([a for a, _b, _c in parts])
    period = np.concatenate([b for _a, b, _c in parts])
    hours = np.concatenate([c for _a, _b, c in parts]).astype(float)
    order = np.lexsort((period, pair))
    pair, period, hours = pair[order], period[order], hours[order]
    out = pd.DataFrame({"pair": pair, "period": period, "hours": hours, "energy_mwh": it[pair] * hours * pue[pair]})
    return out.astype({"pair": np.int64, "period": np.int64, "hours": float, "energy_mwh": float})


def _flex_periods(timed: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Each preemptible row's periods, from its release to the end of its window."""
    release = groups["release"].to_numpy(dtype=np.int64)[group_rows(timed, groups)]
    rows = np.flatnonzero(timed["start"].to_numpy(dtype=np.int64) < 0)
    first, last = release[rows], timed["end"].to_numpy(dtype=np.int64)[rows]
    count = np.maximum(last - first + 1, 0)
    pair = np.repeat(rows, count)
    offset = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    period = np.repeat(first, count) + offset
    return pd.DataFrame({"pair": pair, "period": period}).astype(np.int64)


def artifact_jobs(
    pairs: pd.DataFrame, groups: pd.DataFrame, routes: dict[ArtifactKey, list[Route]]
) -> dict[tuple[str, str, float, int], list[int]]:
    """The pair rows whose artifacts each (training hub, serving hub, bound, end period) carries,
    in the order the routes were found, then by end period; each key's rows in order."""
    carries = groups["artifact_tb"].to_numpy(dtype=float)[group_rows(pairs, groups)] > 0
    row, target = _serving_rows(pairs, groups)
    hub = pairs["hub_id"].to_numpy(dtype=object)[row]
    take = carries[row] & (hub != target)
    row, target, hub = row[take], target[take], hub[take]
    bound = pairs["route_bound_ms"].to_numpy(dtype=float)[row]
    end = pairs["end"].to_numpy(dtype=np.int64)[row]
    keys = list(routes)
    k_hub = np.array([k[0] for k in keys], dtype=object)
    k_target = np.array([k[1] for k in keys], dtype=object)
    k_bound = np.array([k[2] for k in keys], dtype=float)
    names = list(dict.fromkeys(k_hub.tolist() + k_target.tolist()))
    key_code = _key_codes(k_hub, k_target, k_bound, names, k_bound)
    row_code = _key_codes(hub, target, bound, names, k_bound)
    by_code = np.argsort(key_code)
    rank = by_code[np.searchsorted(key_code[by_code], row_code)] if len(row_code) else np.zeros(0, dtype=np.int64)
    sort = np.lexsort((row, end, rank))
    row, rank, end = row[sort], rank[sort], end[sort]
    out: dict[tuple[str, str, float, int], list[int]] = {}
    if not len(row):
        return out
    new = np.flatnonzero(np.r_[True, (rank[1:] != rank[:-1]) | (end[1:] != end[:-1])])
    bounds = np.r_[new, len(row)]
    rows = row.tolist()
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        out[(*keys[rank[a]], int(end[a]))] = rows[a:b]
    return out
