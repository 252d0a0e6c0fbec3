"""The placement model assembled in bulk from arrays, handed to HiGHS in one call.

The same mixed-integer program as :func:`eastwest_opt.model.build_model` (``models/placement.md``),
column for column and row for row, built with numpy from the output of
:func:`eastwest_opt.prepare.prepare` as one row-wise sparse matrix and passed to ``highspy`` with a
single ``passModel``. Pyomo's per-constraint expression handling costs about 15 times this
assembly on large portfolios, so :class:`~eastwest_opt.solver.PlacementModel` uses this builder
above :data:`ARRAY_BUILD_MIN_PAIRS` (group, hub) pairs; ``tests/test_matrix.py`` checks that both
builders produce the same matrix, bounds and costs, entry by entry.

Columns in order: x (pairs), u (unplaceable groups), y (durable replicas), s (staged copies),
z (grid regions), q (staging transfers), f (traffic per commodity and arc), w (artifact routes).
``col_keys`` names each column with the index its Pyomo variable has, so a solution reads back
into the same plan tables.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from eastwest_opt.highs_process import new_highs, use_threads
from eastwest_opt.network import route_arcs
from eastwest_opt.prepare import ModelData, energy_cost_cny

BIG_BUDGET_T = 1e15
ARRAY_BUILD_MIN_PAIRS = 5000  # (group, hub) pairs from which the array builder is used


@dataclass
class ArrayModel:
    """A MIP as arrays: columns, rows and a row-wise (CSR) constraint matrix."""

    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray  # CSR row starts, length num_row + 1
    index: np.ndarray
    value: np.ndarray
    col_blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # variable family -> [first, end)
    row_blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # constraint family -> [first, end)
    col_keys: dict[str, list[Any]] = field(default_factory=dict)  # variable family -> index of each column
    # the dataset (position in ModelData.datasets) each column belongs to; -1 for columns that
    # link datasets (traffic f, artifact routes w); see eastwest_opt.lagrange
    col_dataset: np.ndarray | None = None

    def values(self, col_value: np.ndarray) -> dict[str, dict[Any, float]]:
        """A solution's column values by family and index, e.g. ``values["x"][group, hub]``."""
        out: dict[str, dict[Any, float]] = {}
        for name, (first, end) in self.col_blocks.items():
            out[name] = dict(zip(self.col_keys[name], col_value[first:end].tolist(), strict=True))
        return out

    @property
    def num_col(self) -> int:
        return len(self.col_cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def num_nz(self) -> int:
        return len(self.value)


class _Rows:
    """Collects constraint rows as COO triplets, family by family."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.count = 0
        self.blocks: dict[str, tuple[int, int]] = {}

    def family(self, name: str, lower: np.ndarray, upper: np.ndarray) -> int:
        """Open ``len(lower)`` new rows; returns the index of the first."""
        first = self.count
        self.lower.append(np.asarray(lower, dtype=float))
        self.upper.append(np.asarray(upper, dtype=float))
        self.count += len(lower)
        self.blocks[name] = (first, self.count)
        return first

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        keep = cols >= 0
        self.rows.append(rows[keep])
        self.cols.append(cols[keep])
        self.vals.append(np.array(vals[keep], dtype=float))

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)
        vals = np.concatenate(self.vals) if self.vals else np.zeros(0)
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        if len(rows):  # sum duplicate (row, col) entries
            new = np.empty(len(rows), dtype=bool)
            new[0] = True
            new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
            firsts = np.flatnonzero(new)
            vals = np.add.reduceat(vals, firsts)
            rows, cols = rows[firsts], cols[firsts]
        start = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.count), out=start[1:])
        lower = np.concatenate(self.lower) if self.lower else np.zeros(0)
        upper = np.concatenate(self.upper) if self.upper else np.zeros(0)
        return start, cols, vals, lower, upper


def build_arrays(data: ModelData) -> ArrayModel:
    """Assemble the placement model of ``data`` as arrays (see the module docstring)."""
    hubs = list(data.hubs)
    hub_ix = {h: i for i, h in enumerate(hubs)}
    n_hub = len(hubs)
    datasets = list(data.datasets)
    ds_ix = {d: i for i, d in enumerate(datasets)}
    jobs = list(data.jobs)
    job_ix = {j: i for i, j in enumerate(jobs)}
    pairs = data.pairs
    n_pair = len(pairs)
    p_job = pairs["group_id"].map(job_ix).to_numpy(dtype=np.int64)
    p_hub = pairs["hub_id"].map(hub_ix).to_numpy(dtype=np.int64)
    p_ds = pairs["dataset_id"].map(ds_ix).to_numpy(dtype=np.int64)
    size_of_group = np.array([data.group_size[j] for j in jobs], dtype=float)
    size_tb = np.array([data.size_tb[d] for d in datasets], dtype=float)
    months = data.storage_months
    price_store = np.array([data.storage_price_cny_per_tb_month[h] for h in hubs], dtype=float)

    cost: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    integer: list[np.ndarray] = []
    blocks: dict[str, tuple[int, int]] = {}
    n_col = 0

    def columns(name: str, c: np.ndarray, lo: np.ndarray, up: np.ndarray, is_int: bool) -> int:
        nonlocal n_col
        first = n_col
        cost.append(np.asarray(c, dtype=float))
        lower.append(np.asarray(lo, dtype=float))
        upper.append(np.asarray(up, dtype=float))
        integer.append(np.full(len(c), is_int))
        n_col += len(c)
        blocks[name] = (first, n_col)
        return first

    # x[j,h]: energy (or fixed) cost plus carbon price times emissions
    energy = energy_cost_cny(pairs, data.price_cny_per_kwh).to_numpy(dtype=float)
    x_cost = energy + data.carbon_price_cny_per_t * pairs["carbon_t"].to_numpy(dtype=float)
    x0 = columns("x", x_cost, np.zeros(n_pair), size_of_group[p_job], True)
    # u[j]
    unplaced = sorted(data.unplaceable_penalty)
    u_job = np.array([job_ix[j] for j in unplaced], dtype=np.int64)
    u_cost = np.array([data.unplaceable_penalty[j] for j in unplaced], dtype=float)
    u0 = columns("u", u_cost, np.zeros(len(unplaced)), size_of_group[u_job] if len(u_job) else np.zeros(0), True)
    # y[d,h]; origin fixed to 1; replicas in a zone without a replication commodity fixed to 0
    dh_d = np.array([ds_ix[d] for d in datasets for _h in data.replica_hubs[d]], dtype=np.int64)
    dh_h = np.array([hub_ix[h] for d in datasets for h in data.replica_hubs[d]], dtype=np.int64)
    origin = np.array([hub_ix[data.origin[d]] for d in datasets], dtype=np.int64)
    commodity_ix = {key: c for c, key in enumerate(data.commodities)}
    has_replication = np.array(
        [("replication", data.origin[d], data.dataset_zone[d]) in commodity_ix for d in datasets], dtype=bool
    )
    is_origin = dh_h == origin[dh_d]
    y_upper = np.where(is_origin | has_replication[dh_d], 1.0, 0.0)
    y_cost = months * price_store[dh_h] * size_tb[dh_d]
    y0 = columns("y", y_cost, np.where(is_origin, 1.0, 0.0), y_upper, True)
    ycol = np.full((len(datasets), n_hub), -1, dtype=np.int64)
    ycol[dh_d, dh_h] = y0 + np.arange(len(dh_d))
    # s[d,h]
    ds_d = np.array([ds_ix[d] for d in datasets for _h in data.staging_hubs[d]], dtype=np.int64)
    ds_h = np.array([hub_ix[h] for d in datasets for h in data.staging_hubs[d]], dtype=np.int64)
    s0 = columns("s", months * price_store[ds_h] * size_tb[ds_d], np.zeros(len(ds_d)), np.ones(len(ds_d)), True)
    scol = np.full((len(datasets), n_hub), -1, dtype=np.int64)
    scol[ds_d, ds_h] = s0 + np.arange(len(ds_d))
    # z[d,g]
    regions = sorted({data.hub_region[h] for h in hubs})
    region_ix = {g: i for i, g in enumerate(regions)}
    dg_d = np.array([ds_ix[d] for d, gs in data.dataset_regions.items() for _g in gs], dtype=np.int64)
    dg_g = np.array([region_ix[g] for gs in data.dataset_regions.values() for g in gs], dtype=np.int64)
    z0 = columns("z", np.zeros(len(dg_d)), np.zeros(len(dg_d)), np.ones(len(dg_d)), True)
    # q[d,r,h]: staged copy of d at h taken from replica hub r; fixed to 0 without a staging commodity
    q_d, q_r, q_h = [], [], []
    for d in datasets:
        for h in data.staging_hubs[d]:
            for r in data.replica_hubs[d]:
                if r != h:
                    q_d.append(ds_ix[d])
                    q_r.append(hub_ix[r])
                    q_h.append(hub_ix[h])
    qd, qr, qh = (np.array(v, dtype=np.int64) for v in (q_d, q_r, q_h))
    zone_of = [data.dataset_zone[d] for d in datasets]
    q_comm = np.array(
        [commodity_ix.get(("staging", hubs[r], zone_of[d]), -1) for d, r in zip(q_d, q_r, strict=True)],
        dtype=np.int64,
    )
    q0 = columns("q", np.zeros(len(qd)), np.zeros(len(qd)), np.where(q_comm >= 0, np.inf, 0.0), False)
    # f[c,a]
    arc_ix = {a: i for i, a in enumerate(data.arcs)}
    f_c = np.array([c for c, key in enumerate(data.commodities) for _a in data.commodities[key]], dtype=np.int64)
    f_a = np.array([arc_ix[a] for key in data.commodities for a in data.commodities[key]], dtype=np.int64)
    arc_cost = np.array([data.arc_cost_cny_per_tb[a] for a in data.arcs], dtype=float)
    f0 = columns("f", arc_cost[f_a] if len(f_a) else np.zeros(0), np.zeros(len(f_c)), np.full(len(f_c), np.inf), False)
    # w[g,p]
    groups = list(data.artifact_routes)
    w_g, w_arcs, w_cost = [], [], []
    for g, key in enumerate(groups):
        for route in data.artifact_routes[key]:
            arcs = [arc_ix[a] for a in route_arcs(route)]
            w_g.append(g)
            w_arcs.append(arcs)
            w_cost.append(float(arc_cost[arcs].sum()) if arcs else 0.0)
    w0 = columns("w", np.array(w_cost), np.zeros(len(w_g)), np.full(len(w_g), np.inf), False)

    rows = _Rows()
    # assignment: sum_h x[j,h] + u[j] = n_j
    r0 = rows.family("assignment", size_of_group, size_of_group)
    rows.add(r0 + p_job, x0 + np.arange(n_pair), 1.0)
    rows.add(r0 + u_job, u0 + np.arange(len(u_job)), 1.0)
    # replica_count: sum_h y[d,h] >= r_d
    r_min = np.array([data.min_replicas[d] for d in datasets], dtype=float)
    r0 = rows.family("replica_count", r_min, np.full(len(datasets), np.inf))
    rows.add(r0 + dh_d, y0 + np.arange(len(dh_d)), 1.0)
    if len(dg_d):
        # region_cover: z[d,g] - sum_{h in H_g} y[d,h] <= 0
        r0 = rows.family("region_cover", np.full(len(dg_d), -np.inf), np.zeros(len(dg_d)))
        rows.add(r0 + np.arange(len(dg_d)), z0 + np.arange(len(dg_d)), 1.0)
        hub_region = np.array([region_ix[data.hub_region[h]] for h in hubs], dtype=np.int64)
        dg_row = np.full((len(datasets), len(regions)), -1, dtype=np.int64)
        dg_row[dg_d, dg_g] = np.arange(len(dg_d))
        target = dg_row[dh_d, hub_region[dh_h]]
        keep = target >= 0
        rows.add(r0 + target[keep], (y0 + np.arange(len(dh_d)))[keep], -1.0)
        # region_spread: sum_g z[d,g] >= g_d
        spread = list(data.dataset_regions)
        g_min = np.array([data.min_grid_regions[d] for d in spread], dtype=float)
        r0 = rows.family("region_spread", g_min, np.full(len(spread), np.inf))
        spread_row = np.full(len(datasets), -1, dtype=np.int64)
        spread_row[[ds_ix[d] for d in spread]] = np.arange(len(spread))
        rows.add(r0 + spread_row[dg_d], z0 + np.arange(len(dg_d)), 1.0)
    # data_gravity: x[j,h] - n_j y[d,h] - n_j s[d,h] <= 0
    r0 = rows.family("data_gravity", np.full(n_pair, -np.inf), np.zeros(n_pair))
    pr = r0 + np.arange(n_pair)
    n_pairs = size_of_group[p_job]
    rows.add(pr, x0 + np.arange(n_pair), 1.0)
    rows.add(pr, ycol[p_ds, p_hub], -n_pairs)
    rows.add(pr, scol[p_ds, p_hub], -n_pairs)
    if len(ds_d):
        # staging_supply: sum_r q[d,r,h] - size_d s[d,h] = 0
        r0 = rows.family("staging_supply", np.zeros(len(ds_d)), np.zeros(len(ds_d)))
        rows.add(r0 + np.arange(len(ds_d)), s0 + np.arange(len(ds_d)), -size_tb[ds_d])
        rows.add(r0 + (scol[qd, qh] - s0), q0 + np.arange(len(qd)), 1.0)
        # staging_source: q[d,r,h] - size_d y[d,r] <= 0
        r0 = rows.family("staging_source", np.full(len(qd), -np.inf), np.zeros(len(qd)))
        rows.add(r0 + np.arange(len(qd)), q0 + np.arange(len(qd)), 1.0)
        rows.add(r0 + np.arange(len(qd)), ycol[qd, qr], -size_tb[qd])
    # hub_power: sum_j meter_mw[j,h] x[j,h] <= grid_mw[h]   (hubs with any pair)
    power_hubs = np.unique(p_hub)
    power_row = np.full(n_hub, -1, dtype=np.int64)
    power_row[power_hubs] = np.arange(len(power_hubs))
    grid = np.array([data.grid_mw[hubs[h]] for h in power_hubs], dtype=float)
    r0 = rows.family("hub_power", np.full(len(power_hubs), -np.inf), grid)
    rows.add(r0 + power_row[p_hub], x0 + np.arange(n_pair), pairs["meter_mw"].to_numpy(dtype=float))
    # accelerator_inventory: sum_j n[j,h] x[j,h] <= inventory[h,k]   ((h,k) with any pair)
    hk = sorted(set(zip(pairs["hub_id"], pairs["accel_id"], strict=True)))
    hk_ix = {key: i for i, key in enumerate(hk)}
    inv = np.array([data.inventory.get(key, 0.0) for key in hk], dtype=float)
    r0 = rows.family("accelerator_inventory", np.full(len(hk), -np.inf), inv)
    p_hk = np.array([hk_ix[key] for key in zip(pairs["hub_id"], pairs["accel_id"], strict=True)], dtype=np.int64)
    rows.add(r0 + p_hk, x0 + np.arange(n_pair), pairs["accel_count"].to_numpy(dtype=float))
    # storage: sum_d size_d (y[d,h] + s[d,h]) <= storage_tb[h]   (hubs with any replica or copy)
    store_hubs = np.unique(np.concatenate([dh_h, ds_h]))
    store_row = np.full(n_hub, -1, dtype=np.int64)
    store_row[store_hubs] = np.arange(len(store_hubs))
    cap_store = np.array([data.storage_tb[hubs[h]] for h in store_hubs], dtype=float)
    r0 = rows.family("storage", np.full(len(store_hubs), -np.inf), cap_store)
    rows.add(r0 + store_row[dh_h], y0 + np.arange(len(dh_d)), size_tb[dh_d])
    rows.add(r0 + store_row[ds_h], s0 + np.arange(len(ds_d)), size_tb[ds_d])
    # flow_conservation: for commodity c = (kind, s, zone) and node n != s:
    #   sum_in f - sum_out f - demand[c,n] = 0
    commodities = list(data.commodities)
    nodes: dict[int, set[int]] = defaultdict(set)
    for c, a in zip(f_c, f_a, strict=True):
        u, v = data.arcs[a]
        nodes[int(c)].update((hub_ix[u], hub_ix[v]))
    # replication demand: size_d y[d,n] for d with origin s in the zone, n != s, y not fixed to 0
    rep_c = np.array(
        [commodity_ix.get(("replication", data.origin[d], data.dataset_zone[d]), -1) for d in datasets], dtype=np.int64
    )
    y_dem = (~is_origin) & (rep_c[dh_d] >= 0)
    dem_c = [rep_c[dh_d][y_dem], q_comm[q_comm >= 0]]
    dem_n = [dh_h[y_dem], qh[q_comm >= 0]]
    dem_col = [(y0 + np.arange(len(dh_d)))[y_dem], (q0 + np.arange(len(qd)))[q_comm >= 0]]
    dem_val = [-size_tb[dh_d][y_dem], -np.ones(int((q_comm >= 0).sum()))]
    keys: set[tuple[int, int]] = set()
    for c, hubs_c in nodes.items():
        keys.update((c, n) for n in hubs_c)
    for cs, ns in zip(dem_c, dem_n, strict=True):
        keys.update(zip(cs.tolist(), ns.tolist(), strict=True))
    source = {c: hub_ix[key[1]] for c, key in enumerate(commodities)}
    flow_rows = sorted((c, n) for c, n in keys if n != source[c])
    cn_ix = np.full((max(len(commodities), 1), n_hub), -1, dtype=np.int64)
    for i, (c, n) in enumerate(flow_rows):
        cn_ix[c, n] = i
    if flow_rows:
        r0 = rows.family("flow_conservation", np.zeros(len(flow_rows)), np.zeros(len(flow_rows)))
        arc_u = np.array([hub_ix[u] for u, _v in data.arcs], dtype=np.int64)
        arc_v = np.array([hub_ix[v] for _u, v in data.arcs], dtype=np.int64)
        f_cols = f0 + np.arange(len(f_c))
        into = cn_ix[f_c, arc_v[f_a]]
        out = cn_ix[f_c, arc_u[f_a]]
        rows.add(r0 + into[into >= 0], f_cols[into >= 0], 1.0)
        rows.add(r0 + out[out >= 0], f_cols[out >= 0], -1.0)
        for cs, ns, cols, vals in zip(dem_c, dem_n, dem_col, dem_val, strict=True):
            target = cn_ix[cs, ns]
            rows.add(r0 + target, cols, vals)
    # link_capacity: sum_c f[c,a] + sum_{(g,p) crossing a} w[g,p] <= cap[a]   (arcs with any traffic)
    w_arc = np.array([a for arcs in w_arcs for a in arcs], dtype=np.int64)
    w_col = np.array([w0 + i for i, arcs in enumerate(w_arcs) for _a in arcs], dtype=np.int64)
    used = np.unique(np.concatenate([f_a, w_arc]))
    link_row = np.full(len(data.arcs), -1, dtype=np.int64)
    link_row[used] = np.arange(len(used))
    cap = np.array([data.arc_capacity_tb[data.arcs[a]] for a in used], dtype=float)
    r0 = rows.family("link_capacity", np.full(len(used), -np.inf), cap)
    rows.add(r0 + link_row[f_a], f0 + np.arange(len(f_c)), 1.0)
    rows.add(r0 + link_row[w_arc], w_col, 1.0)
    # artifact_delivery: sum_p w[g,p] - sum_{j in J_g} artifact_tb[j] x[j,h] = 0
    if groups:
        r0 = rows.family("artifact_delivery", np.zeros(len(groups)), np.zeros(len(groups)))
        rows.add(r0 + np.array(w_g, dtype=np.int64), w0 + np.arange(len(w_g)), 1.0)
        pair_ix = {(j, h): i for i, (j, h) in enumerate(zip(p_job.tolist(), p_hub.tolist(), strict=True))}
        a_row, a_col, a_val = [], [], []
        for g, key in enumerate(groups):
            h = hub_ix[key[0]]
            for j in data.artifact_jobs.get(key, []):
                a_row.append(g)
                a_col.append(pair_ix[job_ix[j], h])
                a_val.append(-data.artifact_tb[j])
        rows.add(r0 + np.array(a_row, dtype=np.int64), x0 + np.array(a_col, dtype=np.int64), np.array(a_val))
    # carbon_budget: sum carbon_t x <= budget
    if data.carbon_budget_t is not None:
        r0 = rows.family("carbon_budget", np.array([-np.inf]), np.array([data.carbon_budget_t]))
        rows.add(np.full(n_pair, r0), x0 + np.arange(n_pair), pairs["carbon_t"].to_numpy(dtype=float))

    start, index, value, row_lower, row_upper = rows.csr()
    u_ds = np.array([ds_ix[data.job_dataset[j]] for j in unplaced], dtype=np.int64)
    col_dataset = np.concatenate(
        [p_ds, u_ds, dh_d, ds_d, dg_d, qd, np.full(len(f_c), -1), np.full(len(w_g), -1)]
    ).astype(np.int64)
    keys: dict[str, list[Any]] = {
        "x": list(zip(pairs["group_id"], pairs["hub_id"], strict=True)),
        "u": unplaced,
        "y": [(d, h) for d in datasets for h in data.replica_hubs[d]],
        "s": [(d, h) for d in datasets for h in data.staging_hubs[d]],
        "z": [(d, g) for d, gs in data.dataset_regions.items() for g in gs],
        "q": [(datasets[d], hubs[r], hubs[h]) for d, r, h in zip(q_d, q_r, q_h, strict=True)],
        "f": [(c, *a) for c, key in enumerate(data.commodities) for a in data.commodities[key]],
        "w": [(g, p) for g, key in enumerate(groups) for p in range(len(data.artifact_routes[key]))],
    }
    return ArrayModel(
        col_cost=np.concatenate(cost),
        col_lower=np.concatenate(lower),
        col_upper=np.concatenate(upper),
        integer=np.concatenate(integer),
        row_lower=row_lower,
        row_upper=row_upper,
        start=start,
        index=index,
        value=value,
        col_blocks=blocks,
        row_blocks=rows.blocks,
        col_keys=keys,
        col_dataset=col_dataset,
    )


def to_highs(
    model: ArrayModel,
    *,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    output: bool = False,
) -> highspy.Highs:
    """A ``highspy.Highs`` holding ``model`` (one ``passModel`` call) with the given options."""
    h = new_highs()
    h.setOptionValue("output_flag", output)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if mip_rel_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    use_threads(threads)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    status = pass_model(
        h,
        model.col_cost,
        model.col_lower,
        model.col_upper,
        model.integer,
        model.row_lower,
        model.row_upper,
        model.start,
        model.index,
        model.value,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused the model (passModel returned an error)")
    return h


def pass_model(
    h: highspy.Highs,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    start: np.ndarray,
    index: np.ndarray,
    value: np.ndarray,
) -> highspy.HighsStatus:
    """Hand a minimisation with a row-wise sparse matrix (``start``, ``index``, ``value``) to
    ``h`` in one ``passModel`` call."""
    return h.passModel(
        len(cost),
        len(row_lower),
        len(value),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        cost,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        np.asarray(start).astype(np.int32),
        np.asarray(index).astype(np.int32),
        value,
        np.asarray(integer).astype(np.int32),
    )
