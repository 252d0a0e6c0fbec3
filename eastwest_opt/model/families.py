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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eastwest_opt.model.index import Index

# Weight of leaving a must-place job unplaced in the elastic model, against relative slacks.
UNPLACED_MUST_WEIGHT = 1000.0


@dataclass
class Slack:
    """How the elastic model relaxes a family: slack ``name`` on ``rows`` with ``weight`` each.

    ``sign`` is the slack's coefficient: -1 lifts an upper bound (``a'v - s <= b``), +1 a
    lower bound or the right-hand side of an equality (``a'v + s >= b``, ``a'v + s = b``).
    """

    name: str
    rows: np.ndarray
    weight: np.ndarray
    sign: float


@dataclass
class RowBlock:
    """The rows of one constraint family."""

    name: str
    keys: list[Any]  # the index of each row
    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # entries: row in the block
    col: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # entries: global column
    val: np.ndarray = field(default_factory=lambda: np.zeros(0))
    param: str | None = None  # the finite bound is this parameter (re-solves write it; a Pyomo Param)
    linking: bool = False  # the rows tie datasets together
    slack: Slack | None = None

    def add(self, rows: Any, cols: Any, vals: Any) -> None:
        """Add entries; columns given as -1 (no such variable) are left out."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        keep = cols >= 0
        self.row = np.concatenate([self.row, rows[keep]])
        self.col = np.concatenate([self.col, cols[keep]])
        self.val = np.concatenate([self.val, np.array(vals[keep], dtype=float)])


def _relative(capacity: np.ndarray) -> np.ndarray:
    """Weight of one unit of slack: relative to the capacity it relaxes (at least 1 unit)."""
    return 1.0 / np.maximum(np.asarray(capacity, dtype=float), 1.0)


def _below(name: str, keys: list[Any], upper: np.ndarray, **kw: Any) -> RowBlock:
    return RowBlock(name, keys, np.full(len(keys), -np.inf), np.asarray(upper, dtype=float), **kw)


def _above(name: str, keys: list[Any], lower: np.ndarray, **kw: Any) -> RowBlock:
    return RowBlock(name, keys, np.asarray(lower, dtype=float), np.full(len(keys), np.inf), **kw)


def _equal(name: str, keys: list[Any], rhs: np.ndarray, **kw: Any) -> RowBlock:
    rhs = np.asarray(rhs, dtype=float)
    return RowBlock(name, keys, rhs, rhs.copy(), **kw)


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
    block = _equal("assignment", list(ix.jobs), ix.group_size, slack=slack)
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
    block = _above("replica_count", list(ix.datasets), r_min, slack=slack)
    block.add(ix.dh_d, ix.cols("y"), 1.0)
    return block


def region_cover(ix: Index) -> RowBlock:
    """region_cover: a dataset counts a grid region only where it keeps a replica.

    z[d,g] <= sum_{h in H_g} y[d,h]      for d with g_d >= 2, g a region d's class allows
    """
    keys = [(ix.datasets[d], ix.regions[g]) for d, g in zip(ix.dg_d, ix.dg_g, strict=True)]
    block = _below("region_cover", keys, np.zeros(len(keys)))
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
    block = _above("region_spread", list(ix.spread), g_min, slack=slack)
    row_of = np.full(len(ix.datasets), -1, dtype=np.int64)
    row_of[[ix.ds_ix[d] for d in ix.spread]] = np.arange(len(ix.spread))
    block.add(row_of[ix.dg_d], ix.cols("z"), 1.0)
    return block


def data_gravity(ix: Index) -> RowBlock:
    """data_gravity: a job trains only where its data is.

    x[j,h] <= n_j * (y[d(j),h] + s[d(j),h])      for all (j,h) in JH   (s only where allowed)
    """
    keys = list(zip(ix.data.pairs["group_id"], ix.data.pairs["hub_id"], strict=True))
    n = len(keys)
    block = _below("data_gravity", keys, np.zeros(n))
    rows = np.arange(n)
    size = ix.group_size[ix.p_job]
    block.add(rows, ix.cols("x"), 1.0)
    block.add(rows, ix.ycol()[ix.p_ds, ix.p_hub] if n else np.zeros(0, dtype=np.int64), -size)
    block.add(rows, ix.scol()[ix.p_ds, ix.p_hub] if n else np.zeros(0, dtype=np.int64), -size)
    return block


def staging_supply(ix: Index) -> RowBlock:
    """staging_supply: a staged copy receives its whole dataset from replica hubs.

    sum_{r != h} q[d,r,h] = size_d * s[d,h]      for all (d,h) in DS
    """
    keys = [(ix.datasets[d], ix.hubs[h]) for d, h in zip(ix.st_d, ix.st_h, strict=True)]
    block = _equal("staging_supply", keys, np.zeros(len(keys)))
    block.add(np.arange(len(keys)), ix.cols("s"), -ix.size_tb[ix.st_d])
    if len(ix.q_d):
        block.add(ix.scol()[ix.q_d, ix.q_h] - ix.first["s"], ix.cols("q"), 1.0)
    return block


def staging_source(ix: Index) -> RowBlock:
    """staging_source: a staged copy is taken only from a hub that keeps a durable replica.

    q[d,r,h] <= size_d * y[d,r]      for all (d,r,h) in DRH
    """
    keys = [(ix.datasets[d], ix.hubs[r], ix.hubs[h]) for d, r, h in zip(ix.q_d, ix.q_r, ix.q_h, strict=True)]
    block = _below("staging_source", keys, np.zeros(len(keys)))
    rows = np.arange(len(keys))
    block.add(rows, ix.cols("q"), 1.0)
    if len(keys):
        block.add(rows, ix.ycol()[ix.q_d, ix.q_r], -ix.size_tb[ix.q_d])
    return block


def hub_power(ix: Index) -> RowBlock:
    """hub_power: IT load times PUE fits the hub's grid allocation for new AI load.

    sum_j it_mw[j,h] * pue[h] * x[j,h] <= grid_mw[h]      for every hub h with a pair
    """
    data = ix.data
    hubs = np.unique(ix.p_hub)
    row_of = np.full(len(ix.hubs), -1, dtype=np.int64)
    row_of[hubs] = np.arange(len(hubs))
    grid = np.array([data.grid_mw[ix.hubs[h]] for h in hubs], dtype=float)
    slack = Slack("power", np.arange(len(hubs)), _relative(grid), -1.0)
    block = _below("hub_power", [ix.hubs[h] for h in hubs], grid, param="grid_mw", linking=True, slack=slack)
    block.add(row_of[ix.p_hub], ix.cols("x"), data.pairs["meter_mw"].to_numpy(dtype=float))
    return block


def accelerator_inventory(ix: Index) -> RowBlock:
    """accelerator_inventory: accelerators of each type in use fit the hub's inventory.

    sum_{j : k(j,h) = k} n[j,h] * x[j,h] <= inventory[h,k]      for every (h,k) with a pair
    """
    data = ix.data
    pair_hk = list(zip(data.pairs["hub_id"], data.pairs["accel_id"], strict=True))
    keys = sorted(set(pair_hk))
    row_of = {key: i for i, key in enumerate(keys)}
    inventory = np.array([data.inventory.get(key, 0.0) for key in keys], dtype=float)
    slack = Slack("accelerators", np.arange(len(keys)), _relative(inventory), -1.0)
    block = _below("accelerator_inventory", keys, inventory, param="inventory", linking=True, slack=slack)
    block.add([row_of[key] for key in pair_hk], ix.cols("x"), data.pairs["accel_count"].to_numpy(dtype=float))
    return block


def storage(ix: Index) -> RowBlock:
    """storage: durable replicas and staged copies fit the hub's storage.

    sum_d size_d * (y[d,h] + s[d,h]) <= storage_tb[h]      for every hub h with a replica or copy
    """
    data = ix.data
    hubs = np.unique(np.concatenate([ix.dh_h, ix.st_h]))
    row_of = np.full(len(ix.hubs), -1, dtype=np.int64)
    row_of[hubs] = np.arange(len(hubs))
    capacity = np.array([data.storage_tb[ix.hubs[h]] for h in hubs], dtype=float)
    slack = Slack("storage", np.arange(len(hubs)), _relative(capacity), -1.0)
    block = _below("storage", [ix.hubs[h] for h in hubs], capacity, param="storage_tb", linking=True, slack=slack)
    block.add(row_of[ix.dh_h], ix.cols("y"), ix.size_tb[ix.dh_d])
    block.add(row_of[ix.st_h], ix.cols("s"), ix.size_tb[ix.st_d])
    return block


def flow_conservation(ix: Index) -> RowBlock:
    """flow_conservation: replication and staging traffic, one commodity per (kind, source, zone).

    For commodity c = (kind, s, zone) and every hub n != s it touches:

        sum_{(i,n)} f[c,i,n] - sum_{(n,i)} f[c,n,i] = demand[c,n]

    with demand[c,n] = sum_{d : o(d)=s, zone(d)=zone} size_d * y[d,n] for replication and
    demand[c,n] = sum_{d : zone(d)=zone} q[d,s,n] for staging. Arcs outside the zone carry no
    flow of c (localization: f[c,a] exists only for arcs inside the zone).
    """
    ycols, qcols = ix.cols("y"), ix.cols("q")
    wants = (~ix.is_origin) & (ix.rep_comm[ix.dh_d] >= 0) if len(ix.dh_d) else np.zeros(0, dtype=bool)
    staged = ix.q_comm >= 0
    demand = [  # (commodity, node, column, coefficient) of each demand term, moved to the left
        (ix.rep_comm[ix.dh_d][wants], ix.dh_h[wants], ycols[wants], -ix.size_tb[ix.dh_d][wants]),
        (ix.q_comm[staged], ix.q_h[staged], qcols[staged], -np.ones(int(staged.sum()))),
    ]
    arc_u = np.array([ix.hub_ix[u] for u, _v in ix.arcs], dtype=np.int64)
    arc_v = np.array([ix.hub_ix[v] for _u, v in ix.arcs], dtype=np.int64)
    nodes: set[tuple[int, int]] = set()
    if len(ix.f_c):
        nodes.update(zip(ix.f_c.tolist(), arc_u[ix.f_a].tolist(), strict=True))
        nodes.update(zip(ix.f_c.tolist(), arc_v[ix.f_a].tolist(), strict=True))
    for c, n, _col, _val in demand:
        nodes.update(zip(c.tolist(), n.tolist(), strict=True))
    source = {c: ix.hub_ix[key[1]] for c, key in enumerate(ix.commodities)}
    rows = sorted((c, n) for c, n in nodes if n != source[c])
    row_of = np.full((max(len(ix.commodities), 1), len(ix.hubs)), -1, dtype=np.int64)
    for i, (c, n) in enumerate(rows):
        row_of[c, n] = i
    keys = [(c, ix.hubs[n]) for c, n in rows]
    block = _equal("flow_conservation", keys, np.zeros(len(keys)), linking=True)
    if not rows:
        return block
    fcols = ix.cols("f")
    into = row_of[ix.f_c, arc_v[ix.f_a]]
    out = row_of[ix.f_c, arc_u[ix.f_a]]
    block.add(into[into >= 0], fcols[into >= 0], 1.0)
    block.add(out[out >= 0], fcols[out >= 0], -1.0)
    for c, n, col, val in demand:
        block.add(row_of[c, n], col, val)
    return block


def link_capacity(ix: Index) -> RowBlock:
    """link_capacity: all traffic on an arc fits its capacity over the window.

    sum_c f[c,a] + sum_{(g,p) : a in route(g,p)} w[g,p] <= cap_tb[a]      for every arc with traffic
    cap_tb[a] = capacity_gbps[a] * window_h * 0.45
    """
    data = ix.data
    w_arc = np.array([a for arcs in ix.w_arcs for a in arcs], dtype=np.int64)
    w_col = np.array([ix.first["w"] + i for i, arcs in enumerate(ix.w_arcs) for _a in arcs], dtype=np.int64)
    used = np.unique(np.concatenate([ix.f_a, w_arc]))
    row_of = np.full(len(ix.arcs), -1, dtype=np.int64)
    row_of[used] = np.arange(len(used))
    capacity = np.array([data.arc_capacity_tb[ix.arcs[a]] for a in used], dtype=float)
    slack = Slack("links", np.arange(len(used)), _relative(capacity), -1.0)
    keys = [ix.arcs[a] for a in used]
    block = _below("link_capacity", keys, capacity, param="cap_tb", linking=True, slack=slack)
    block.add(row_of[ix.f_a], ix.cols("f"), 1.0)
    block.add(row_of[w_arc], w_col, 1.0)
    return block


def artifact_delivery(ix: Index) -> RowBlock:
    """artifact_delivery: trained artifacts reach every serving hub within the latency bound.

    Group g = (training hub h, serving hub t, bound b) gathers the jobs with t among their
    serving hubs and latency bound b; its candidate routes P_g have latency <= b.

        sum_{p in P_g} w[g,p] = sum_{j in J_g} artifact_tb[j] * x[j,h]      for all g
    """
    data = ix.data
    block = _equal("artifact_delivery", list(range(len(ix.groups))), np.zeros(len(ix.groups)), linking=True)
    if not ix.groups:
        return block
    block.add(ix.w_g, ix.cols("w"), 1.0)
    pair_of = {(j, h): i for i, (j, h) in enumerate(zip(ix.p_job.tolist(), ix.p_hub.tolist(), strict=True))}
    rows, cols, vals = [], [], []
    for g, key in enumerate(ix.groups):
        h = ix.hub_ix[key[0]]
        for j in data.artifact_jobs.get(key, []):
            rows.append(g)
            cols.append(ix.first["x"] + pair_of[ix.job_ix[j], h])
            vals.append(-data.artifact_tb[j])
    block.add(rows, cols, vals)
    return block


def carbon_budget(ix: Index) -> RowBlock:
    """carbon_budget: total emissions of training energy stay within the budget, if one is set.

    sum_{(j,h)} carbon_t[j,h] * x[j,h] <= budget_t
    """
    budget = ix.data.carbon_budget_t
    if budget is None:
        return _below("carbon_budget", [], np.zeros(0))
    slack = Slack("carbon", np.arange(1), _relative(np.array([budget])), -1.0)
    block = _below("carbon_budget", [0], np.array([budget]), param="carbon_budget_t", linking=True, slack=slack)
    block.add(np.zeros(ix.count["x"], dtype=np.int64), ix.cols("x"), ix.data.pairs["carbon_t"].to_numpy(dtype=float))
    return block


FAMILIES: tuple[Callable[[Index], RowBlock], ...] = (
    assignment,
    replica_count,
    region_cover,
    region_spread,
    data_gravity,
    staging_supply,
    staging_source,
    hub_power,
    accelerator_inventory,
    storage,
    flow_conservation,
    link_capacity,
    artifact_delivery,
    carbon_budget,
)
