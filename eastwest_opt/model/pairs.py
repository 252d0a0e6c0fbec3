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

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from eastwest_opt.model.periods import HOUR_TOL, Horizon
from eastwest_opt.scenario.checks import is_missing
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.network import Network, Route

ArtifactKey = tuple[str, str, float]  # (training hub, serving hub, latency bound in ms)


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
    class_ok = {(d, h) for d, hs in allowed.items() if hs is not None for h in hs}
    free = {d for d, hs in allowed.items() if hs is None}
    keep = [
        (d in free or (d, h) in class_ok) and (not restrict or h in restrict)
        for d, h, restrict in zip(cross["dataset_id"], cross["hub_id"], cross["allowed_hubs"], strict=True)
    ]
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
    it_mw = cross["accel_count"].astype(float) * cross["accel_id"].map(kw).astype(float) / 1000.0
    cross["it_mw"] = cross["it_mw_override"].where(cross["it_mw_override"].notna(), it_mw)
    cross["accel_count"] = cross["accel_count"].astype(int)
    cross["runtime_h"] = cross["runtime_h"].astype(float)
    cross["meter_mw"] = cross["it_mw"] * cross["pue"]
    cross["energy_mwh"] = cross["it_mw"] * cross["runtime_h"] * cross["pue"]
    ha = scenario.hub_accelerators
    subsidy = dict(zip(zip(ha["hub_id"], ha["accel_id"], strict=True), ha["energy_subsidy_share"], strict=True))
    cross["subsidy_share"] = [
        float(subsidy.get((h, k), 0.0)) for h, k in zip(cross["hub_id"], cross["accel_id"], strict=True)
    ]
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


def artifact_routes(
    scenario: Scenario, network: Network, groups: pd.DataFrame, pairs: pd.DataFrame, *, elastic: bool
) -> tuple[pd.DataFrame, dict[ArtifactKey, list[Route]]]:
    """Candidate artifact routes within each job's latency bound, and the pairs that have them.

    A (group, hub) pair stays only if every serving hub of the group has a route from the hub
    within the bound (elastic: any route, the excess recorded). Returns the pairs kept (with
    ``latency_excess_ms`` and ``max_latency_ms``) and the routes of each (training hub,
    serving hub, bound).
    """
    serving = dict(zip(groups["group_id"], groups["serving_hubs"], strict=True))
    bound_of = {
        g: (float(b) if not is_missing(b) else math.inf)
        for g, b in zip(groups["group_id"], groups["max_latency_ms"], strict=True)
    }
    routes: dict[ArtifactKey, list[Route]] = {}
    keep, excess, bounds = [], [], []
    for g, h in zip(pairs["group_id"], pairs["hub_id"], strict=True):
        bound = bound_of[g]
        bounds.append(bound)
        worst = 0.0
        if elastic:
            for t in serving[g]:
                worst = max(worst, network.fastest_latency_ms(h, t) - bound)
            bound = math.inf
        excess.append(worst if math.isfinite(worst) else 0.0)
        keys = [(h, t, bound) for t in serving[g] if t != h]
        for key in keys:
            if key not in routes:
                routes[key] = network.candidate_routes(key[0], key[1], bound, scenario.artifact_paths_k)
        keep.append(all(routes[key] for key in keys))
    route_bound = [math.inf if elastic else b for b in bounds]
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
    info = groups.set_index("group_id")
    release = pairs["group_id"].map(info["release"]).to_numpy(dtype=np.int64)
    deadline = pairs["group_id"].map(info["deadline"]).to_numpy(dtype=np.int64)
    flexible = pairs["group_id"].map(info["preemptible"]).to_numpy(dtype=bool) & h.timed
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
    window_hours = np.array([h.hours[r : d + 1].sum() for r, d in zip(release, deadline, strict=True)])
    flex_ok = flexible & (window_hours >= runtime * (1 - HOUR_TOL))
    if flex_ok.any():
        parts.append(pairs.loc[flex_ok].assign(start=-1, end=deadline[flex_ok]))
    timed = pd.concat(parts, ignore_index=True) if parts else pairs.iloc[:0].assign(start=0, end=0)
    timed = timed.sort_values(["_position", "start"], kind="stable").drop(columns="_position").reset_index(drop=True)
    return timed, _pair_hours(timed, h), _flex_periods(timed, groups)


def _pair_hours(timed: pd.DataFrame, h: Horizon) -> pd.DataFrame:
    rows: list[tuple[int, int, float, float]] = []
    for i, (t, runtime, it, pue) in enumerate(
        zip(timed["start"], timed["runtime_h"], timed["it_mw"], timed["pue"], strict=True)
    ):
        if t < 0:
            continue
        for p, hours in h.hours_in(int(t), float(runtime)).items():
            rows.append((i, p, hours, it * hours * pue))
    out = pd.DataFrame(rows, columns=["pair", "period", "hours", "energy_mwh"])
    return out.astype({"pair": np.int64, "period": np.int64, "hours": float, "energy_mwh": float})


def _flex_periods(timed: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    release = timed["group_id"].map(groups.set_index("group_id")["release"])
    rows = [
        (i, p)
        for i, (t, r, e) in enumerate(zip(timed["start"], release, timed["end"], strict=True))
        if t < 0
        for p in range(int(r), int(e) + 1)
    ]
    return pd.DataFrame(rows, columns=["pair", "period"]).astype(np.int64)


def artifact_jobs(
    pairs: pd.DataFrame, groups: pd.DataFrame, routes: dict[ArtifactKey, list[Route]]
) -> dict[tuple[str, str, float, int], list[int]]:
    """The pair rows whose artifacts each (training hub, serving hub, bound, end period) carries,
    in the order the routes were found, then by end period."""
    info = groups.set_index("group_id")
    serving = info["serving_hubs"].to_dict()
    artifact_tb = info["artifact_tb"].astype(float).to_dict()
    out: dict[tuple[str, str, float, int], list[int]] = defaultdict(list)
    for i, (g, h, bound, end) in enumerate(
        zip(pairs["group_id"], pairs["hub_id"], pairs["route_bound_ms"], pairs["end"], strict=True)
    ):
        if artifact_tb[g] <= 0:
            continue
        for t in serving[g]:
            if t != h:
                out[h, t, float(bound), int(end)].append(i)
    order = {key: i for i, key in enumerate(routes)}
    return {key: out[key] for key in sorted(out, key=lambda k: (order[k[:3]], k[3]))}
