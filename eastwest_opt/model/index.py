"""The sparse index sets of the placement model as integer arrays, and the column layout.

Every set of ``models/placement.md`` is built here once from the prepared data
(:class:`~eastwest_opt.model.data.ModelData`), as positions into its lists of hubs, datasets,
job groups, periods, arcs, commodities and artifact groups. The variables, the constraint
families and the objective (:mod:`~eastwest_opt.model.variables`,
:mod:`~eastwest_opt.model.families`, :mod:`~eastwest_opt.model.objective`) all read the same
arrays, so a column means the same thing to each of them.

Columns are laid out family by family in this order: ``x`` (pairs: group, hub, start), ``u``
(groups that may stay unplaced), ``y`` (durable replicas), ``s`` (staged copies), ``z`` (grid
regions), ``q`` (staging transfers per arrival period), ``f`` (traffic per commodity, arc and
period), ``w`` (artifact routes), and, in a horizon of two or more periods, ``k`` (a staged copy
held in a period) and ``o`` (the period it arrives in); for preemptible jobs ``e`` (hours run
in a period) and ``r`` (running in it). With one period a staged copy is held for the window:
``k`` and ``o`` are ``s`` itself, and the model is the one-window model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from eastwest_opt.model.data import ModelData
from eastwest_opt.model.pairs import positions
from eastwest_opt.scenario.network import Arc, route_arcs

VARIABLES = ("x", "u", "y", "s", "z", "q", "f", "w", "k", "o", "e", "r")


def _ints(values: Any) -> np.ndarray:
    return np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.int64)


@dataclass
class Index:
    """Index sets as arrays; ``first[name]`` is the first column of variable family ``name``."""

    data: ModelData
    hubs: list[str]
    hub_ix: dict[str, int]
    datasets: list[str]
    ds_ix: dict[str, int]
    jobs: list[str]
    job_ix: dict[str, int]
    regions: list[str]
    region_ix: dict[str, int]
    hub_region: np.ndarray  # region position of each hub
    group_size: np.ndarray  # n_j per job group
    size_tb: np.ndarray  # per dataset
    periods: list[str]
    period_hours: np.ndarray
    # x: allowed (group, hub, start) rows of ModelData.pairs
    p_job: np.ndarray
    p_hub: np.ndarray
    p_ds: np.ndarray
    p_start: np.ndarray  # -1: preemptible
    p_end: np.ndarray
    # the periods each uninterrupted row runs in (ModelData.pair_hours)
    cov_pair: np.ndarray
    cov_period: np.ndarray
    # u: groups that may stay unplaced
    unplaced: list[str]
    u_job: np.ndarray
    # y: durable replicas (d, h), h in the hubs d's class allows
    dh_d: np.ndarray
    dh_h: np.ndarray
    is_origin: np.ndarray  # per (d, h)
    replicable: np.ndarray  # per (d, h): the origin, or a zone with a replication commodity
    # s: staged copies (d, h); k, o: the same per period (two or more periods)
    st_d: np.ndarray
    st_h: np.ndarray
    # z: grid regions of datasets that must span two or more
    dg_d: np.ndarray
    dg_g: np.ndarray
    spread: list[str]  # datasets with a region_spread row
    # q: staging transfers (d, r, h, p) from replica hub r to staging hub h, arriving in period p
    q_d: np.ndarray
    q_r: np.ndarray
    q_h: np.ndarray
    q_p: np.ndarray
    q_comm: np.ndarray  # staging commodity of each transfer, -1 when its zone has none
    # f: traffic of commodity c on arc a in period p
    arcs: list[Arc]
    arc_ix: dict[Arc, int]
    commodities: list[tuple[str, str, str]]
    commodity_ix: dict[tuple[str, str, str], int]
    rep_comm: np.ndarray  # replication commodity of each dataset, -1 when none
    f_c: np.ndarray
    f_a: np.ndarray
    f_p: np.ndarray
    # w: artifact routes of artifact group g = (hub, serving hub, bound, end period)
    groups: list[tuple[str, str, float, int]]
    w_g: np.ndarray
    w_arcs: list[list[int]]
    # e, r: preemptible rows in the periods of their window (ModelData.flex_periods)
    fx_pair: np.ndarray
    fx_period: np.ndarray
    first: dict[str, int]
    count: dict[str, int]

    def cols(self, name: str) -> np.ndarray:
        """The global column numbers of variable family ``name``, in order."""
        return self.first[name] + np.arange(self.count[name], dtype=np.int64)

    @property
    def num_col(self) -> int:
        return sum(self.count.values())

    @property
    def timed(self) -> bool:
        """Two or more periods: staged copies are held (``k``) and arrive (``o``) per period."""
        return len(self.periods) > 1

    def ycol(self) -> np.ndarray:
        """Column of ``y[d,h]`` by (dataset, hub) position; -1 where no replica may be kept."""
        out = np.full((len(self.datasets), len(self.hubs)), -1, dtype=np.int64)
        out[self.dh_d, self.dh_h] = self.cols("y")
        return out

    def scol(self) -> np.ndarray:
        """Column of ``s[d,h]`` by (dataset, hub) position; -1 where no copy may be staged."""
        out = np.full((len(self.datasets), len(self.hubs)), -1, dtype=np.int64)
        out[self.st_d, self.st_h] = self.cols("s")
        return out

    def held(self, name: str = "k") -> np.ndarray:
        """Column of the staged copy held (``k``) or arriving (``o``) by (dataset, hub, period);
        with one period, ``s``. -1 where no copy may be staged."""
        out = np.full((len(self.datasets), len(self.hubs), len(self.periods)), -1, dtype=np.int64)
        if not self.timed:
            out[self.st_d, self.st_h, 0] = self.cols("s")
            return out
        n = len(self.periods)
        d = np.repeat(self.st_d, n)
        h = np.repeat(self.st_h, n)
        p = np.tile(np.arange(n), len(self.st_d))
        out[d, h, p] = self.cols(name)
        return out


def build_index(data: ModelData) -> Index:
    """The index sets of ``data`` (see the module docstring)."""
    hubs = list(data.hubs)
    hub_ix = {h: i for i, h in enumerate(hubs)}
    datasets = list(data.datasets)
    ds_ix = {d: i for i, d in enumerate(datasets)}
    jobs = list(data.jobs)
    job_ix = {j: i for i, j in enumerate(jobs)}
    regions = sorted({data.hub_region[h] for h in hubs})
    region_ix = {g: i for i, g in enumerate(regions)}
    pairs = data.pairs
    unplaced = sorted(data.unplaceable_penalty)
    commodities = list(data.commodities)
    commodity_ix = {key: c for c, key in enumerate(commodities)}
    arcs = list(data.arcs)
    arc_ix = {a: i for i, a in enumerate(arcs)}
    ix = Index(
        data=data,
        hubs=hubs,
        hub_ix=hub_ix,
        datasets=datasets,
        ds_ix=ds_ix,
        jobs=jobs,
        job_ix=job_ix,
        regions=regions,
        region_ix=region_ix,
        hub_region=_ints(region_ix[data.hub_region[h]] for h in hubs),
        group_size=np.array([data.group_size[j] for j in jobs], dtype=float),
        size_tb=np.array([data.size_tb[d] for d in datasets], dtype=float),
        periods=list(data.periods),
        period_hours=np.array(data.period_hours, dtype=float),
        p_job=positions(job_ix, pairs["group_id"]),
        p_hub=positions(hub_ix, pairs["hub_id"]),
        p_ds=positions(ds_ix, pairs["dataset_id"]),
        p_start=pairs["start"].to_numpy(dtype=np.int64),
        p_end=pairs["end"].to_numpy(dtype=np.int64),
        cov_pair=data.pair_hours["pair"].to_numpy(dtype=np.int64),
        cov_period=data.pair_hours["period"].to_numpy(dtype=np.int64),
        unplaced=unplaced,
        u_job=_ints(job_ix[j] for j in unplaced),
        st_d=_ints(ds_ix[d] for d in datasets for _h in data.staging_hubs[d]),
        st_h=_ints(hub_ix[h] for d in datasets for h in data.staging_hubs[d]),
        dg_d=_ints(ds_ix[d] for d, gs in data.dataset_regions.items() for _g in gs),
        dg_g=_ints(region_ix[g] for gs in data.dataset_regions.values() for g in gs),
        spread=list(data.dataset_regions),
        arcs=arcs,
        arc_ix=arc_ix,
        commodities=commodities,
        commodity_ix=commodity_ix,
        groups=list(data.artifact_routes),
        fx_pair=data.flex_periods["pair"].to_numpy(dtype=np.int64),
        fx_period=data.flex_periods["period"].to_numpy(dtype=np.int64),
        **_replicas(data, hub_ix, commodity_ix),
        **_staging_transfers(data, hub_ix, ds_ix, commodity_ix),
        **_traffic(data, arc_ix),
        **_routes(data, arc_ix),
        first={},
        count={},
    )
    offset = 0
    for name, n in zip(VARIABLES, _counts(ix), strict=True):
        ix.first[name] = offset
        ix.count[name] = n
        offset += n
    return ix


def _counts(ix: Index) -> tuple[int, ...]:
    held = len(ix.st_d) * len(ix.periods) if ix.timed else 0
    return (
        len(ix.p_job),
        len(ix.unplaced),
        len(ix.dh_d),
        len(ix.st_d),
        len(ix.dg_d),
        len(ix.q_d),
        len(ix.f_c),
        len(ix.w_g),
        held,
        held,
        len(ix.fx_pair),
        len(ix.fx_pair),
    )


def _replicas(data: ModelData, hub_ix: dict[str, int], commodity_ix: dict[Any, int]) -> dict[str, np.ndarray]:
    """Durable replica pairs (d, h), which hold the origin, and which a replication commodity can make."""
    datasets = list(data.datasets)
    ds_ix = {d: i for i, d in enumerate(datasets)}
    dh_d = _ints(ds_ix[d] for d in datasets for _h in data.replica_hubs[d])
    dh_h = _ints(hub_ix[h] for d in datasets for h in data.replica_hubs[d])
    origin = _ints(hub_ix[data.origin[d]] for d in datasets)
    rep_comm = _ints(commodity_ix.get(("replication", data.origin[d], data.dataset_zone[d]), -1) for d in datasets)
    is_origin = dh_h == origin[dh_d] if len(dh_d) else np.zeros(0, dtype=bool)
    replicable = is_origin | (rep_comm[dh_d] >= 0) if len(dh_d) else is_origin
    return {"dh_d": dh_d, "dh_h": dh_h, "is_origin": is_origin, "replicable": replicable, "rep_comm": rep_comm}


def _staging_transfers(
    data: ModelData, hub_ix: dict[str, int], ds_ix: dict[str, int], commodity_ix: dict[Any, int]
) -> dict[str, np.ndarray]:
    """Staging transfers (d, r, h, p) from each replica hub r to each staging hub h != r,
    arriving in period p, and the staging commodity of each (-1 when its zone has none).

    Ordered by dataset, staging hub, period, replica hub; built with array arithmetic: each
    staging pair (d, h) repeats d's replica hubs once per period.
    """
    datasets, n_p = list(data.datasets), len(data.periods)
    sd = _ints(ds_ix[d] for d in datasets for _h in data.staging_hubs[d])
    sh = _ints(hub_ix[h] for d in datasets for h in data.staging_hubs[d])
    n_rep = _ints(len(data.replica_hubs[d]) for d in datasets)
    rh = _ints(hub_ix[r] for d in datasets for r in data.replica_hubs[d])
    rep_start = np.cumsum(n_rep) - n_rep
    per_pair = n_p * n_rep[sd]
    pair = np.repeat(np.arange(len(sd), dtype=np.int64), per_pair)
    k = np.arange(len(pair), dtype=np.int64) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    width = n_rep[sd[pair]]  # >= 1: a pair whose dataset has no replica hub has no entries
    q_d, q_h, q_p = sd[pair], sh[pair], k // width
    q_r = rh[rep_start[q_d] + k % width]
    keep = q_r != q_h
    q_d, q_r, q_h, q_p = q_d[keep], q_r[keep], q_h[keep], q_p[keep]
    zones = sorted({data.dataset_zone[d] for d in datasets})
    zone_ix = {z: i for i, z in enumerate(zones)}
    table = np.full((len(hub_ix), max(len(zones), 1)), -1, dtype=np.int64)
    for key, c in commodity_ix.items():
        if key[0] == "staging" and key[2] in zone_ix:
            table[hub_ix[key[1]], zone_ix[key[2]]] = c
    ds_zone = _ints(zone_ix[data.dataset_zone[d]] for d in datasets)
    q_comm = table[q_r, ds_zone[q_d]]
    return {"q_d": q_d, "q_r": q_r, "q_h": q_h, "q_p": q_p, "q_comm": q_comm}


def _traffic(data: ModelData, arc_ix: dict[Arc, int]) -> dict[str, np.ndarray]:
    """Traffic columns (c, a, p): replication in the first period (replicas exist from the start
    of the horizon), staging in every period (a copy arrives in the period its first job starts)."""
    rows = [
        (c, arc_ix[a], p)
        for c, key in enumerate(data.commodities)
        for p in (range(len(data.periods)) if key[0] == "staging" else (0,))
        for a in data.commodities[key]
    ]
    return {"f_c": _ints(t[0] for t in rows), "f_a": _ints(t[1] for t in rows), "f_p": _ints(t[2] for t in rows)}


def _routes(data: ModelData, arc_ix: dict[Arc, int]) -> dict[str, Any]:
    """Artifact route columns: the group of each and the arcs it crosses."""
    w_g: list[int] = []
    w_arcs: list[list[int]] = []
    for g, key in enumerate(data.artifact_routes):
        for route in data.artifact_routes[key]:
            w_g.append(g)
            w_arcs.append([arc_ix[a] for a in route_arcs(route)])
    return {"w_g": _ints(w_g), "w_arcs": w_arcs}


def column_keys(ix: Index) -> dict[str, list[Any]]:
    """The index of every column, by variable family, as the Pyomo variables are indexed."""
    data = ix.data
    hubs, datasets, periods = ix.hubs, ix.datasets, ix.periods
    pairs = data.pairs
    start = [periods[t] if t >= 0 else "flexible" for t in ix.p_start]
    held = [(d, h, p) for d in datasets for h in data.staging_hubs[d] for p in periods]
    groups_, hubs_ = pairs["group_id"].to_numpy(), pairs["hub_id"].to_numpy()
    flex = [(groups_[i], hubs_[i], periods[p]) for i, p in zip(ix.fx_pair, ix.fx_period, strict=True)]
    return {
        "x": list(zip(pairs["group_id"], pairs["hub_id"], start, strict=True)),
        "u": list(ix.unplaced),
        "y": [(d, h) for d in datasets for h in data.replica_hubs[d]],
        "s": [(d, h) for d in datasets for h in data.staging_hubs[d]],
        "z": [(d, g) for d, gs in data.dataset_regions.items() for g in gs],
        "q": [
            (datasets[d], hubs[r], hubs[h], periods[p])
            for d, r, h, p in zip(ix.q_d, ix.q_r, ix.q_h, ix.q_p, strict=True)
        ],
        "f": [(c, *ix.arcs[a], periods[p]) for c, a, p in zip(ix.f_c, ix.f_a, ix.f_p, strict=True)],
        "w": [(g, p) for g, key in enumerate(ix.groups) for p in range(len(data.artifact_routes[key]))],
        "k": held if ix.timed else [],
        "o": held if ix.timed else [],
        "e": flex,
        "r": flex,
    }
