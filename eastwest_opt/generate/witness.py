"""The feasibility witness: a plan that places every must-place job and keeps every dataset's minimum replicas.

:mod:`.capacity` raises every capacity to at least what the witness uses, so the scenario is
feasible by construction: every other job may stay unplaced at its penalty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from eastwest_opt.generate.context import HubContext
from eastwest_opt.generate.core import route_arcs

Arc = tuple[str, str]


@dataclass
class Witness:
    """What the witness plan uses: meter MW and TB stored per hub, accelerators per (hub, type), TB per arc."""

    power: np.ndarray
    storage: np.ndarray
    accel: dict[tuple[str, str], float] = field(default_factory=dict)
    flow: dict[Arc, float] = field(default_factory=dict)

    def carry(self, arcs: list[Arc], tb: float) -> None:
        """Add ``tb`` to the traffic of every arc of a route."""
        for arc in arcs:
            self.flow[arc] = self.flow.get(arc, 0.0) + tb


def build_witness(
    ctx: HubContext,
    rng: np.random.Generator,
    ds: pd.DataFrame,
    jobs: pd.DataFrame,
    shapes: pd.DataFrame,
    grid: np.ndarray,
    inventory: np.ndarray,
    ha: pd.DataFrame,
) -> Witness:
    """A feasible plan: must-place jobs placed, every other job unplaced, minimum replicas kept.

    Must-place jobs go, largest first, to the allowed hub whose power and accelerators of the
    type are least loaded relative to ``grid`` and ``inventory`` (the proportional capacities);
    their artifacts travel the fastest candidate route to each serving hub. Each dataset keeps
    replicas at its origin, at the hubs its placed jobs train at, and at hubs drawn in proportion
    to the shipped storage until its minimum replicas and grid regions are met.
    """
    w = Witness(power=np.zeros(len(ctx.hubs)), storage=np.zeros(len(ctx.hubs)))
    extra = _place_must(ctx, rng, w, ds, jobs, shapes, grid, inventory, ha)
    _keep_replicas(ctx, rng, w, ds, extra)
    return w


def _place_must(
    ctx: HubContext,
    rng: np.random.Generator,
    w: Witness,
    ds: pd.DataFrame,
    jobs: pd.DataFrame,
    shapes: pd.DataFrame,
    grid: np.ndarray,
    inventory: np.ndarray,
    ha: pd.DataFrame,
) -> dict[int, set[str]]:
    """Place the must-place jobs into ``w``; returns the hubs each dataset (by row) must hold a replica at."""
    hub_index = {h: i for i, h in enumerate(ctx.hubs)}
    target_accel = {(h, k): max(float(c), 1.0) for h, k, c in zip(ha["hub_id"], ha["accel_id"], inventory, strict=True)}
    ds_row = {d: i for i, d in enumerate(ds["dataset_id"])}
    ds_mask = ds["mask"].to_numpy()
    shape_mask = shapes["mask"].to_numpy()
    extra: dict[int, set[str]] = {}
    must = np.flatnonzero(jobs["must"].to_numpy().astype(bool))
    must = must[np.argsort(-jobs["accel_count"].to_numpy()[must], kind="stable")]
    picked = jobs.iloc[must]
    routes: dict[tuple[str, str, float], list[Arc]] = {}
    for dataset_id, k, count, shape, serve, bound, artifact in zip(
        picked["dataset_id"],
        picked["accel_id"],
        picked["accel_count"].astype(float),
        picked["shape"],
        picked["serving_hubs"],
        picked["max_latency_ms"].astype(float),
        picked["artifact_tb"].astype(float),
        strict=True,
    ):
        d = ds_row[dataset_id]
        it = count * ctx.kw[k] / 1000.0
        candidates = ctx.hubs_of(int(ds_mask[d]) & int(shape_mask[shape]))
        load = [
            (w.power[hub_index[h]] + it * ctx.pue[h]) / max(grid[hub_index[h]], 1e-9)
            + (w.accel.get((h, k), 0.0) + count) / target_accel.get((h, k), 1.0)
            + 1e-6 * rng.random()
            for h in candidates
        ]
        h = candidates[int(np.argmin(load))]
        w.power[hub_index[h]] += it * ctx.pue[h]
        w.accel[h, k] = w.accel.get((h, k), 0.0) + count
        extra.setdefault(d, set()).add(h)
        bound = math.inf if math.isnan(bound) else bound
        for t in serve:
            if t == h:
                continue
            key = (h, t, bound)
            if key not in routes:  # the fastest route, the first candidate the model offers
                routes[key] = route_arcs(ctx.network.candidate_routes(h, t, bound, ctx.base.artifact_paths_k)[0])
            w.carry(routes[key], artifact)
    return extra


def _keep_replicas(
    ctx: HubContext, rng: np.random.Generator, w: Witness, ds: pd.DataFrame, extra: dict[int, set[str]]
) -> None:
    """Give every dataset its minimum replicas and grid regions in ``w``, copied over fastest paths in its zone."""
    hub_index = {h: i for i, h in enumerate(ctx.hubs)}
    ds_mask = ds["mask"].to_numpy()
    storage_weight = ctx.base.hubs["storage_tb"].to_numpy(dtype=float)
    zone_paths: dict[int, dict[str, dict[str, list[str]]]] = {}
    for d, row in enumerate(ds.itertuples(index=False)):
        allowed = ctx.hubs_of(int(ds_mask[d]))
        chosen = {row.origin_hub} | extra.get(d, set())
        regions = {ctx.region[h] for h in chosen}
        while len(chosen) < row.min_replicas or len(regions) < row.min_grid_regions:
            pool = [h for h in allowed if h not in chosen]
            fresh = [h for h in pool if ctx.region[h] not in regions]
            pool = fresh if len(regions) < row.min_grid_regions and fresh else pool
            p = storage_weight[[hub_index[h] for h in pool]]
            h = pool[int(rng.choice(len(pool), p=p / p.sum()))]
            chosen.add(h)
            regions.add(ctx.region[h])
        mask = int(ds_mask[d])
        if mask not in zone_paths:
            zone_paths[mask] = zone_fastest_paths(ctx, allowed)
        for h in chosen:
            w.storage[hub_index[h]] += row.size_tb
            if h != row.origin_hub:
                w.carry(route_arcs(zone_paths[mask][row.origin_hub][h]), float(row.size_tb))


def zone_fastest_paths(ctx: HubContext, zone: list[str]) -> dict[str, dict[str, list[str]]]:
    """Fastest paths (by latency) between every two hubs of ``zone`` over links inside it."""
    sub = ctx.network.graph.subgraph(zone)
    return dict(nx.all_pairs_dijkstra_path(sub, weight="latency_ms"))
