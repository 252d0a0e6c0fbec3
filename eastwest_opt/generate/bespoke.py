"""Jobs drawn one by one, each its own shape (the distinct and skewed families).

Given per-job sizes (:mod:`.sizes`), each job gets a dataset by popularity (pre-training prefers
the largest), an accelerator type stocked where its data may go (redrawn if not), serving hubs
(each eastern hub with probability 0.35, each western one 0.04), a latency bound uniform in
8-30 ms to 0.1 ms (relaxed as the default family's until some hub meets it), optionally a
restriction (:mod:`.restrictions`), and a penalty of 2-4 times its energy cost at the dearest
hub to three significant figures (none for a must-place job). The shape table has one row per
job, so the capacity sizing and the feasibility witness treat every job on its own.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from eastwest_opt.generate.catalogue import KINDS, PURPOSES
from eastwest_opt.generate.context import HubContext, significant
from eastwest_opt.generate.portfolio import JOB_COLUMNS, shape_hubs
from eastwest_opt.generate.restrictions import override_rows, pick, random_subset
from eastwest_opt.generate.sizes import Sizes

SERVE_P_EAST, SERVE_P_WEST = 0.35, 0.04
BOUND_MS = (8.0, 30.0)


def bespoke_jobs(
    ctx: HubContext,
    rng: np.random.Generator,
    ds: pd.DataFrame,
    sizes: Sizes,
    *,
    restrict_share: float,
    override_share: float,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Jobs of ``sizes``, one shape each: (jobs, overrides, shapes).

    ``restrict_share`` of the jobs with two or more usable hubs get a random proper subset of
    them as ``allowed_hubs``; ``override_share`` of the jobs get override rows.
    """
    n = len(sizes.kind)
    d = _datasets(rng, ds, sizes)
    _fit_accelerators(ctx, rng, ds["mask"].to_numpy()[d], sizes)
    serving = rng.random((n, len(ctx.hubs))) < np.array(
        [SERVE_P_WEST if h in ctx.west else SERVE_P_EAST for h in ctx.hubs]
    )
    bounds = np.round(rng.uniform(*BOUND_MS, n), 1)
    multiplier = rng.uniform(2.0, 4.0, n)
    purpose = np.array(PURPOSES, dtype=object)[rng.integers(0, len(PURPOSES), n)]
    shapes = _shapes(ctx, sizes, ds["mask"].to_numpy()[d], serving, bounds)
    restricted = pick(rng, np.array([bin(m).count("1") >= 2 for m in shapes["mask"]]), restrict_share, n)
    for i in restricted:
        allowed = random_subset(ctx, rng, int(shapes.at[i, "mask"]))
        shapes.at[i, "allowed_hubs"] = allowed
        shapes.at[i, "mask"] = int(shapes.at[i, "mask"]) & ctx.mask_of(allowed)
    energy = sizes.count * np.array([ctx.kw[k] for k in sizes.accel]) * sizes.runtime * ctx.dearest_kwh
    shapes["unplaced_penalty_cny"] = np.where(sizes.must, math.nan, significant(multiplier * energy, 3))
    shapes["shape_name"] = [
        f"{p} {KINDS[k].label} ({c} x {a}, {r:g} h)"
        for p, k, c, a, r in zip(purpose, sizes.kind, sizes.count, sizes.accel, sizes.runtime, strict=True)
    ]
    jobs = _job_table(ds, shapes, d)
    masks = ds["mask"].to_numpy()[d].astype(np.int64) & shapes["mask"].to_numpy(dtype=np.int64)
    return jobs, override_rows(ctx, rng, jobs, masks, override_share), shapes


def _datasets(rng: np.random.Generator, ds: pd.DataFrame, sizes: Sizes) -> np.ndarray:
    """Each job's dataset (row of ``ds``) by popularity; pre-training among the largest datasets."""
    sizes_tb = ds["size_tb"].to_numpy()
    big = sizes_tb >= min(100.0, float(np.sort(sizes_tb)[-min(3, len(ds))]))
    popularity = ds["popularity"].to_numpy()
    d = rng.choice(len(ds), size=len(sizes.kind), p=popularity / popularity.sum())
    pt = np.flatnonzero(sizes.kind == "pt")
    weight = popularity * big
    d[pt] = rng.choice(len(ds), size=len(pt), p=weight / weight.sum())
    return d


def _fit_accelerators(ctx: HubContext, rng: np.random.Generator, ds_mask: np.ndarray, sizes: Sizes) -> None:
    """Redraw (in place) an accelerator type no hub of the job's data stocks, among the types some hub does."""
    for i in np.flatnonzero([not (ctx.accel_mask[k] & int(m)) for k, m in zip(sizes.accel, ds_mask, strict=True)]):
        options = {k: p for k, p in KINDS[sizes.kind[i]].accel_p.items() if ctx.accel_mask[k] & int(ds_mask[i])}
        if not options:
            options = {k: 1.0 for k, m in ctx.accel_mask.items() if m & int(ds_mask[i])}
        keys = list(options)
        p = np.array([options[k] for k in keys])
        sizes.accel[i] = keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _shapes(
    ctx: HubContext, sizes: Sizes, ds_mask: np.ndarray, serving: np.ndarray, bounds: np.ndarray
) -> pd.DataFrame:
    """One shape row per job: serving hubs, the latency bound relaxed until a hub of its data meets it, hub mask."""
    rows = []
    for i in range(len(sizes.kind)):
        serve = tuple(h for h, s in zip(ctx.hubs, serving[i], strict=True) if s)
        bound = float(bounds[i]) if serve else math.nan
        data_hubs = tuple(ctx.hubs_of(int(ds_mask[i])))
        _, bound, mask = shape_hubs(ctx, str(sizes.accel[i]), serve, bound, data_hubs)
        rows.append(
            {
                "kind": sizes.kind[i],
                "accel_id": sizes.accel[i],
                "accel_count": int(sizes.count[i]),
                "runtime_h": float(sizes.runtime[i]),
                "artifact_tb": float(sizes.artifact[i]),
                "serving_hubs": serve,
                "max_latency_ms": bound,
                "allowed_hubs": (),
                "must": bool(sizes.must[i]),
                "mask": mask & int(ds_mask[i]),
            }
        )
    return pd.DataFrame(rows)


def _job_table(ds: pd.DataFrame, shapes: pd.DataFrame, d: np.ndarray) -> pd.DataFrame:
    """The jobs table (with the internal columns shape, kind and must): job ``i`` is shape ``i`` on dataset ``d[i]``."""
    n = len(shapes)
    dataset_id = ds["dataset_id"].to_numpy()[d]
    ids = pd.Series(shapes["kind"], dtype=object) + "-" + pd.Series(np.arange(n)).map("{:06d}".format)
    table = pd.DataFrame({"job_id": ids, "name": shapes["shape_name"] + " on " + pd.Series(dataset_id, dtype=object)})
    table["dataset_id"] = dataset_id
    for col in JOB_COLUMNS[3:]:
        table[col] = shapes[col]
    table["shape"] = np.arange(n)
    table["kind"] = shapes["kind"]
    table["must"] = shapes["must"]
    return table
