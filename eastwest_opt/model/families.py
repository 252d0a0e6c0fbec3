"""The constraint families of the placement model, each written once as sparse rows.

Each function below states its rows in its docstring with the symbols of
``models/placement.md`` and returns them as a :class:`RowBlock`: one row per index, the
coefficients as (row, column, value) triplets over the columns of
:mod:`~eastwest_opt.model.index`, and the bounds. The whole formulation is the list
:data:`FAMILIES`; :func:`~eastwest_opt.model.arrays.build_arrays` assembles it into one sparse
matrix for HiGHS, and :func:`~eastwest_opt.model.pyomo.to_pyomo` into a Pyomo model from the
same rows, so the two ways of handing the model to HiGHS cannot disagree.

A block also says what else the solver layers need to know about its rows, so that this is
stated once too: which bound is a planner-facing parameter (``param``: written into the model
on a re-solve, a mutable ``Param`` in Pyomo), whether the rows tie datasets together
(``linking``: the decomposition by dataset relaxes them), and how the elastic model used to
explain infeasibility relaxes them (``slack``: a non-negative slack per row and its weight).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pandas as pd

from eastwest_opt.model.index import Index
from eastwest_opt.model.objective import emissions
from eastwest_opt.model.rows import UNPLACED_MUST_WEIGHT, RowBlock, Slack, above, below, equal, relative


def assignment(ix: Index) -> RowBlock:
    """assignment: every job trains at exactly one allowed hub or is left unplaced.

    sum_{h : (j,h) in JH} x[j,h] + u[j] = n_j      for all j in J   (u[j] exists for j in J_U)

    j is a group of n_j identical jobs (n_j = 1 for a job with no twin). Elastic: a must-place
    group (no u[j]) may leave jobs unplaced at weight 1,000 each.
    """
    may_stay = np.zeros(len(ix.jobs), dtype=bool)
    may_stay[ix.u_job] = True
    must = np.flatnonzero(~may_stay)
    slack = Slack("unplaced", must, np.full(len(must), UNPLACED_MUST_WEIGHT), 1.0)
    block = equal("assignment", list(ix.jobs), ix.group_size, slack=slack)
    block.add(ix.p_job, ix.cols("x"), 1.0)
    block.add(ix.u_job, ix.cols("u"), 1.0)
    return block


def replica_count(ix: Index) -> RowBlock:
    """replica_count: every dataset keeps at least its number of durable replicas.

    sum_h y[d,h] >= r_d      for all d     (and y[d,o(d)] = 1 by its bounds)
    """
    data = ix.data
    r_min = np.array([data.min_replicas[d] for d in ix.datasets], dtype=float)
    slack = Slack("replicas", np.arange(len(ix.datasets)), np.ones(len(ix.datasets)), 1.0)
    block = above("replica_count", list(ix.datasets), r_min, slack=slack)
    block.add(ix.dh_d, ix.cols("y"), 1.0)
    return block


def region_cover(ix: Index) -> RowBlock:
    """region_cover: a dataset counts a grid region only where it keeps a replica.

    z[d,g] <= sum_{h in H_g} y[d,h]      for d with g_d >= 2, g a region d's class allows
    """
    keys = [(ix.datasets[d], ix.regions[g]) for d, g in zip(ix.dg_d, ix.dg_g, strict=True)]
    block = below("region_cover", keys, np.zeros(len(keys)))
    block.add(np.arange(len(keys)), ix.cols("z"), 1.0)
    row_of = np.full((len(ix.datasets), len(ix.regions)), -1, dtype=np.int64)
    row_of[ix.dg_d, ix.dg_g] = np.arange(len(keys))
    target = row_of[ix.dh_d, ix.hub_region[ix.dh_h]] if len(ix.dh_d) else np.zeros(0, dtype=np.int64)
    keep = target >= 0
    block.add(target[keep], ix.cols("y")[keep], -1.0)
    return block


def region_spread(ix: Index) -> RowBlock:
    """region_spread: replicas span at least g_d grid regions (anti-affinity).

    sum_g z[d,g] >= g_d      for d with g_d >= 2
    """
    data = ix.data
    g_min = np.array([data.min_grid_regions[d] for d in ix.spread], dtype=float)
    slack = Slack("regions", np.arange(len(ix.spread)), np.ones(len(ix.spread)), 1.0)
    block = above("region_spread", list(ix.spread), g_min, slack=slack)
    row_of = np.full(len(ix.datasets), -1, dtype=np.int64)
    row_of[[ix.ds_ix[d] for d in ix.spread]] = np.arange(len(ix.spread))
    block.add(row_of[ix.dg_d], ix.cols("z"), 1.0)
    return block


def _running(ix: Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Everything that runs at a hub in a period: (column, pair row, period) of each uninterrupted
    row ``x`` over the periods it overlaps, and of each preemptible row's ``r`` per period."""
    cols = np.concatenate([ix.first["x"] + ix.cov_pair, ix.cols("r")])
    pair = np.concatenate([ix.cov_pair, ix.fx_pair])
    period = np.concatenate([ix.cov_period, ix.fx_period])
    return cols, pair, period


def _code(codes: tuple[np.ndarray, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
    """One integer per combination of the non-negative integer ``codes``, ordered as the
    combinations are lexicographically, and the radix of each code."""
    arrays = [np.asarray(c, dtype=np.int64) for c in codes]
    dims = tuple(int(c.max()) + 1 if len(c) else 1 for c in arrays)
    return np.ravel_multi_index(arrays, dims), dims


def _rows(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct combinations of the integer ``codes`` in order of first appearance: the row of
    each entry, and the first entry of each row."""
    if not len(codes[0]):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, first, inverse = np.unique(_code(codes)[0], return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[inverse.ravel()], first[order]


def _sorted_rows(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct combinations of the integer ``codes`` in sorted order: the row of each entry,
    and the combinations (one column per code)."""
    if not len(codes[0]):
        return np.zeros(0, dtype=np.int64), np.zeros((0, len(codes)), dtype=np.int64)
    code, dims = _code(codes)
    combos, inverse = np.unique(code, return_inverse=True)
    return inverse.ravel(), np.stack(np.unravel_index(combos, dims), axis=1).astype(np.int64)


def _names(values: list, positions: np.ndarray) -> list:
    """``values[p]`` for every position (one index lookup per entry, in numpy)."""
    return np.array(values, dtype=object)[positions].tolist() if len(positions) else []


def data_gravity(ix: Index) -> RowBlock:
    """data_gravity: a job trains only where its data is, in every period it runs.

    sum_{t : (j,h,t) runs in p} x[j,h,t] + r[j,h,p] <= n_j * (y[d(j),h] + k[d(j),h,p])
                                                   for every (j,h,p) in which j may run at h

    (k only where d may be staged at h; with one period k is s.)
    """
    cols, pair, period = _running(ix)
    row, first = _rows(ix.p_job[pair], ix.p_hub[pair], period)
    keys = list(
        zip(
            _names(ix.jobs, ix.p_job[pair[first]]),
            _names(ix.hubs, ix.p_hub[pair[first]]),
            _names(ix.periods, period[first]),
            strict=True,
        )
    )
    block = below("data_gravity", keys, np.zeros(len(keys)))
    block.add(row, cols, 1.0)
    rp = pair[first]
    size = ix.group_size[ix.p_job[rp]]
    rows = np.arange(len(keys))
    block.add(rows, ix.ycol()[ix.p_ds[rp], ix.p_hub[rp]] if len(rp) else rows, -size)
    block.add(rows, ix.held()[ix.p_ds[rp], ix.p_hub[rp], period[first]] if len(rp) else rows, -size)
    return block


def staging_supply(ix: Index) -> RowBlock:
    """staging_supply: a staged copy receives its whole dataset from replica hubs, in the
    period it arrives.

    sum_{r != h} q[d,r,h,p] = size_d * o[d,h,p]      for all (d,h) in DS and periods p

    (with one period o is s: the copy arrives in the window.)
    """
    n = len(ix.periods) if ix.timed else 1
    d, h = np.repeat(ix.st_d, n), np.repeat(ix.st_h, n)
    p = np.tile(np.arange(n), len(ix.st_d))
    keys = [(ix.datasets[a], ix.hubs[b], ix.periods[c]) for a, b, c in zip(d, h, p, strict=True)]
    block = equal("staging_supply", keys, np.zeros(len(keys)))
    arrive = ix.held("o")
    block.add(np.arange(len(keys)), arrive[d, h, p] if len(d) else np.zeros(0, dtype=np.int64), -ix.size_tb[d])
    if len(ix.q_d):
        row_of = np.full(arrive.shape, -1, dtype=np.int64)
        row_of[d, h, p] = np.arange(len(keys))
        block.add(row_of[ix.q_d, ix.q_h, ix.q_p], ix.cols("q"), 1.0)
    return block


def staging_source(ix: Index) -> RowBlock:
    """staging_source: a staged copy is taken only from a hub that keeps a durable replica.

    q[d,r,h,p] <= size_d * y[d,r]      for all (d,r,h,p)
    """
    keys = [
        (ix.datasets[d], ix.hubs[r], ix.hubs[h], ix.periods[p])
        for d, r, h, p in zip(ix.q_d, ix.q_r, ix.q_h, ix.q_p, strict=True)
    ]
    block = below("staging_source", keys, np.zeros(len(keys)))
    rows = np.arange(len(keys))
    block.add(rows, ix.cols("q"), 1.0)
    if len(keys):
        block.add(rows, ix.ycol()[ix.q_d, ix.q_r], -ix.size_tb[ix.q_d])
    return block


def staging_start(ix: Index) -> RowBlock:
    """staging_start: a staged copy is held over one run of consecutive periods, which starts
    in the period it arrives; it arrives only in a period it is held (two or more periods).

    o[d,h,p] >= k[d,h,p] - k[d,h,p-1]      o[d,h,p] <= k[d,h,p]
                                            for all (d,h) in DS and periods p   (k[d,h,-1] = 0)
    """
    if not ix.timed:
        return above("staging_start", [], np.zeros(0))
    n = len(ix.periods)
    d, h = np.repeat(ix.st_d, n), np.repeat(ix.st_h, n)
    p = np.tile(np.arange(n), len(ix.st_d))
    m = len(d)
    keys = [
        (kind, ix.datasets[a], ix.hubs[b], ix.periods[c])
        for kind in ("start", "held")
        for a, b, c in zip(d, h, p, strict=True)
    ]
    block = RowBlock(
        "staging_start",
        keys,
        np.concatenate([np.zeros(m), np.full(m, -np.inf)]),
        np.concatenate([np.full(m, np.inf), np.zeros(m)]),
    )
    rows = np.arange(m)
    held, arrive = ix.held("k"), ix.held("o")
    block.add(rows, arrive[d, h, p], 1.0)
    block.add(rows, held[d, h, p], -1.0)
    later = p > 0
    block.add(rows[later], held[d[later], h[later], p[later] - 1], 1.0)
    block.add(m + rows, arrive[d, h, p], 1.0)
    block.add(m + rows, held[d, h, p], -1.0)
    return block


def staging_once(ix: Index) -> RowBlock:
    """staging_once: a staged copy arrives once, and only if it is made (two or more periods).

    sum_p o[d,h,p] = s[d,h]      for all (d,h) in DS

    With staging_start, a copy is held over at most one run of periods: a second run would need
    a second arrival.
    """
    if not ix.timed:
        return equal("staging_once", [], np.zeros(0))
    keys = [(ix.datasets[d], ix.hubs[h]) for d, h in zip(ix.st_d, ix.st_h, strict=True)]
    block = equal("staging_once", keys, np.zeros(len(keys)))
    n = len(ix.periods)
    block.add(np.repeat(np.arange(len(keys)), n), ix.cols("o"), 1.0)
    block.add(np.arange(len(keys)), ix.cols("s"), -1.0)
    return block


def flex_hours(ix: Index) -> RowBlock:
    """flex_hours: a preemptible job placed at a hub runs its whole runtime there, split over
    the periods of its window.

    sum_{p in [release_j, deadline_j]} e[j,h,p] = R[j,h] * x[j,h]      for every preemptible (j,h)
    """
    rows_of = ix.fx_pair
    pairs = np.unique(rows_of)
    keys = [(ix.jobs[ix.p_job[i]], ix.hubs[ix.p_hub[i]]) for i in pairs]
    block = equal("flex_hours", keys, np.zeros(len(keys)))
    if not len(keys):
        return block
    row_of = np.full(len(ix.p_job), -1, dtype=np.int64)
    row_of[pairs] = np.arange(len(pairs))
    block.add(row_of[rows_of], ix.cols("e"), 1.0)
    runtime = ix.data.pairs["runtime_h"].to_numpy(dtype=float)
    block.add(np.arange(len(pairs)), ix.first["x"] + pairs, -runtime[pairs])
    return block


def flex_run(ix: Index) -> RowBlock:
    """flex_run: a preemptible job runs hours in a period only while it is on there, and it is
    on only where it is placed.

    e[j,h,p] <= H_p * r[j,h,p]        r[j,h,p] <= x[j,h]      for every preemptible (j,h) and p
    """
    n = len(ix.fx_pair)
    keys = [
        (kind, ix.jobs[ix.p_job[i]], ix.hubs[ix.p_hub[i]], ix.periods[p])
        for kind in ("hours", "on")
        for i, p in zip(ix.fx_pair, ix.fx_period, strict=True)
    ]
    block = below("flex_run", keys, np.zeros(len(keys)))
    rows = np.arange(n)
    block.add(rows, ix.cols("e"), 1.0)
    block.add(rows, ix.cols("r"), -ix.period_hours[ix.fx_period])
    block.add(n + rows, ix.cols("r"), 1.0)
    block.add(n + rows, ix.first["x"] + ix.fx_pair, -1.0)
    return block


def hub_power(ix: Index) -> RowBlock:
    """hub_power: IT load times PUE of everything running fits the hub's grid allocation, in
    every period.

    sum_{(j,h,t) runs in p} it_mw[j,h] * pue[h] * x[j,h,t] + sum_j it_mw[j,h] * pue[h] * r[j,h,p]
        <= grid_mw[h,p]                                  for every (h,p) in which anything may run
    """
    data = ix.data
    cols, pair, period = _running(ix)
    row, combos = _sorted_rows(ix.p_hub[pair], period)
    keys = [(ix.hubs[h], ix.periods[p]) for h, p in combos]
    grid = np.array([data.grid[k] for k in keys], dtype=float)
    slack = Slack("power", np.arange(len(keys)), relative(grid), -1.0)
    block = below("hub_power", keys, grid, param="grid_mw", linking=True, slack=slack)
    block.add(row, cols, data.pairs["meter_mw"].to_numpy(dtype=float)[pair])
    return block


def accelerator_inventory(ix: Index) -> RowBlock:
    """accelerator_inventory: accelerators of each type in use fit the hub's inventory, in
    every period.

    sum_{(j,h,t) runs in p, k(j,h) = k} n[j,h] * x[j,h,t] + (the same for r[j,h,p]) <= inventory[h,k]
                                                            for every (h,k,p) in which one may run
    """
    data = ix.data
    cols, pair, period = _running(ix)
    hub_code, hub_names = pd.factorize(data.pairs["hub_id"].to_numpy(dtype=object))
    accel_code, accel_names = pd.factorize(data.pairs["accel_id"].to_numpy(dtype=object))
    both = hub_code.astype(np.int64) * max(len(accel_names), 1) + accel_code
    present = np.unique(both)
    found = [(hub_names[c // max(len(accel_names), 1)], accel_names[c % max(len(accel_names), 1)]) for c in present]
    names = sorted(found)  # (hub id, accel id)
    rank_of = np.zeros(max(len(hub_names), 1) * max(len(accel_names), 1), dtype=np.int64)
    rank_of[present] = [names.index(key) for key in found]
    pair_hk = rank_of[both] if len(both) else np.zeros(0, dtype=np.int64)
    row, combos = _sorted_rows(pair_hk[pair], period)
    keys = [(*names[a], ix.periods[p]) for a, p in combos]
    inventory = np.array([data.inventory.get((h, k), 0.0) for h, k, _p in keys], dtype=float)
    slack = Slack("accelerators", np.arange(len(keys)), relative(inventory), -1.0)
    block = below("accelerator_inventory", keys, inventory, param="inventory", linking=True, slack=slack)
    block.add(row, cols, data.pairs["accel_count"].to_numpy(dtype=float)[pair])
    return block


def storage(ix: Index) -> RowBlock:
    """storage: durable replicas and the staged copies held fit the hub's storage, in every period.

    sum_d size_d * (y[d,h] + k[d,h,p]) <= storage_tb[h,p]      for every (h,p) with a replica or copy
    """
    data = ix.data
    n = len(ix.periods)
    y_h, y_p = np.repeat(ix.dh_h, n), np.tile(np.arange(n), len(ix.dh_h))
    y_col, y_size = np.repeat(ix.cols("y"), n), np.repeat(ix.size_tb[ix.dh_d], n)
    st = n if ix.timed else 1
    k_d, k_h = np.repeat(ix.st_d, st), np.repeat(ix.st_h, st)
    k_p = np.tile(np.arange(st), len(ix.st_d))
    k_col = ix.held()[k_d, k_h, k_p] if len(k_d) else np.zeros(0, dtype=np.int64)
    row, combos = _sorted_rows(np.concatenate([y_h, k_h]), np.concatenate([y_p, k_p]))
    keys = [(ix.hubs[h], ix.periods[p]) for h, p in combos]
    capacity = np.array([data.storage[k] for k in keys], dtype=float)
    slack = Slack("storage", np.arange(len(keys)), relative(capacity), -1.0)
    block = below("storage", keys, capacity, param="storage_tb", linking=True, slack=slack)
    block.add(row, np.concatenate([y_col, k_col]), np.concatenate([y_size, ix.size_tb[k_d]]))
    return block


def flow_conservation(ix: Index) -> RowBlock:
    """flow_conservation: replication and staging traffic, one commodity per (kind, source, zone),
    in every period.

    For commodity c = (kind, s, zone), period p and every hub n != s it touches:

        sum_{(i,n)} f[c,i,n,p] - sum_{(n,i)} f[c,n,i,p] = demand[c,n,p]

    with demand[c,n,p] = sum_{d : o(d)=s, zone(d)=zone} size_d * y[d,n] in the first period for
    replication (replicas exist from the start of the horizon) and demand[c,n,p] =
    sum_{d : zone(d)=zone} q[d,s,n,p] for staging (a copy arrives in the period it is first
    held). Arcs outside the zone carry no flow of c (localization: f exists only inside it).
    """
    ycols, qcols = ix.cols("y"), ix.cols("q")
    wants = (~ix.is_origin) & (ix.rep_comm[ix.dh_d] >= 0) if len(ix.dh_d) else np.zeros(0, dtype=bool)
    staged = ix.q_comm >= 0
    demand = [  # (commodity, node, period, column, coefficient) of each demand term, moved to the left
        (
            ix.rep_comm[ix.dh_d][wants],
            ix.dh_h[wants],
            np.zeros(int(wants.sum()), dtype=np.int64),
            ycols[wants],
            -ix.size_tb[ix.dh_d][wants],
        ),
        (ix.q_comm[staged], ix.q_h[staged], ix.q_p[staged], qcols[staged], -np.ones(int(staged.sum()))),
    ]
    arc_u = np.array([ix.hub_ix[u] for u, _v in ix.arcs], dtype=np.int64)
    arc_v = np.array([ix.hub_ix[v] for _u, v in ix.arcs], dtype=np.int64)
    nodes: set[tuple[int, int, int]] = set()
    if len(ix.f_c):
        for end in (arc_u, arc_v):
            nodes.update(zip(ix.f_c.tolist(), end[ix.f_a].tolist(), ix.f_p.tolist(), strict=True))
    for c, n, p, _col, _val in demand:
        nodes.update(zip(c.tolist(), n.tolist(), p.tolist(), strict=True))
    source = {c: ix.hub_ix[key[1]] for c, key in enumerate(ix.commodities)}
    rows = sorted((c, n, p) for c, n, p in nodes if n != source[c])
    row_of = np.full((max(len(ix.commodities), 1), len(ix.hubs), len(ix.periods)), -1, dtype=np.int64)
    for i, (c, n, p) in enumerate(rows):
        row_of[c, n, p] = i
    keys = [(c, ix.hubs[n], ix.periods[p]) for c, n, p in rows]
    block = equal("flow_conservation", keys, np.zeros(len(keys)), linking=True)
    if not rows:
        return block
    fcols = ix.cols("f")
    into = row_of[ix.f_c, arc_v[ix.f_a], ix.f_p]
    out = row_of[ix.f_c, arc_u[ix.f_a], ix.f_p]
    block.add(into[into >= 0], fcols[into >= 0], 1.0)
    block.add(out[out >= 0], fcols[out >= 0], -1.0)
    for c, n, p, col, val in demand:
        block.add(row_of[c, n, p], col, val)
    return block


def link_capacity(ix: Index) -> RowBlock:
    """link_capacity: all traffic on an arc fits its capacity in every period.

    sum_c f[c,a,p] + sum_{(g,r) : a in route(g,r), g ends in p} w[g,r] <= cap_tb[a,p]
    cap_tb[a,p] = capacity_gbps[a,p] * H_p * 0.45                        for every (a,p) with traffic

    Artifacts travel in the period their job ends.
    """
    data = ix.data
    w_len = np.fromiter((len(arcs) for arcs in ix.w_arcs), dtype=np.int64, count=len(ix.w_arcs))
    w_arc = np.fromiter(itertools.chain.from_iterable(ix.w_arcs), dtype=np.int64, count=int(w_len.sum()))
    w_col = ix.first["w"] + np.repeat(np.arange(len(ix.w_arcs), dtype=np.int64), w_len)
    g_end = np.array([key[3] for key in ix.groups], dtype=np.int64)
    w_p = np.repeat(g_end[ix.w_g], w_len) if len(ix.w_g) else np.zeros(0, dtype=np.int64)
    row, combos = _sorted_rows(np.concatenate([ix.f_a, w_arc]), np.concatenate([ix.f_p, w_p]))
    keys = [(*ix.arcs[a], ix.periods[p]) for a, p in combos]
    capacity = np.array([data.arc_capacity[ix.arcs[a], ix.periods[p]] for a, p in combos], dtype=float)
    slack = Slack("links", np.arange(len(keys)), relative(capacity), -1.0)
    block = below("link_capacity", keys, capacity, param="cap_tb", linking=True, slack=slack)
    block.add(row, np.concatenate([ix.cols("f"), w_col]), 1.0)
    return block


def artifact_delivery(ix: Index) -> RowBlock:
    """artifact_delivery: trained artifacts reach every serving hub within the latency bound.

    Group g = (training hub h, serving hub t, bound b, end period e) gathers the job rows with t
    among their serving hubs, bound b, at hub h, ending in e (a preemptible job: the last period
    of its window); its candidate routes P_g have latency <= b.

        sum_{r in P_g} w[g,r] = sum_{(j,h,t') in J_g} artifact_tb[j] * x[j,h,t']      for all g
    """
    data = ix.data
    block = equal("artifact_delivery", list(range(len(ix.groups))), np.zeros(len(ix.groups)), linking=True)
    if not ix.groups:
        return block
    block.add(ix.w_g, ix.cols("w"), 1.0)
    tb = np.array([data.artifact_tb[g] for g in data.pairs["group_id"].tolist()], dtype=float)
    lists = [data.artifact_jobs.get(key, []) for key in ix.groups]
    rows = np.repeat(np.arange(len(lists), dtype=np.int64), [len(rows) for rows in lists])
    pair = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=len(rows))
    block.add(rows, ix.first["x"] + pair, -tb[pair])
    return block


def carbon_budget(ix: Index) -> RowBlock:
    """carbon_budget: total emissions of training energy stay within the budget, if one is set.

    sum_{(j,h,t)} carbon_t[j,h,t] * x[j,h,t] + sum_{(j,h,p)} c[j,h,p] * e[j,h,p] <= budget_t

    (c[j,h,p] = it_mw * pue * carbon_kg_per_kwh[h,p]: the tonnes of one hour of a preemptible job.)
    """
    budget = ix.data.carbon_budget_t
    if budget is None:
        return below("carbon_budget", [], np.zeros(0))
    slack = Slack("carbon", np.arange(1), relative(np.array([budget])), -1.0)
    block = below("carbon_budget", [0], np.array([budget]), param="carbon_budget_t", linking=True, slack=slack)
    term = emissions(ix)
    block.add(np.zeros(len(term.col), dtype=np.int64), term.col, term.coef)
    return block


FAMILIES: tuple[Callable[[Index], RowBlock], ...] = (
    assignment,
    replica_count,
    region_cover,
    region_spread,
    data_gravity,
    staging_supply,
    staging_source,
    staging_start,
    staging_once,
    flex_hours,
    flex_run,
    hub_power,
    accelerator_inventory,
    storage,
    flow_conservation,
    link_capacity,
    artifact_delivery,
    carbon_budget,
)
