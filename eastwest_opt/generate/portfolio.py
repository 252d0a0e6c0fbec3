"""The default family's portfolio: datasets, the catalogue of job shapes, jobs in campaigns, overrides.

Each function draws from the generator's RNG in a fixed order, so that a seed gives the same
portfolio. Internal columns travel with the tables until :mod:`.build` drops them: ``mask``
(bit mask of the hubs a dataset's class or a shape allows) and ``popularity`` on datasets;
``shape``, ``kind`` and ``must`` on jobs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from eastwest_opt.generate.catalogue import (
    CLASS_MIX,
    EAST_ORIGINS,
    EAST_SHARE,
    GOV_ORIGINS,
    KIND_SHARE,
    KINDS,
    N_SHAPES,
    PURPOSES,
    SERVING_SETS,
    SIZE_MAX_TB,
    SIZE_MEDIAN_TB,
    SIZE_MIN_TB,
    SIZE_SIGMA,
    TOPICS,
    KindSpec,
)
from eastwest_opt.generate.context import HubContext, choice, two_figures
from eastwest_opt.generate.core import allowed_hub_set

OVERRIDE_COLUMNS = ["job_id", "hub_id", "accel_id", "accel_count", "it_mw", "runtime_h", "fixed_cost_cny"]
JOB_COLUMNS = [
    "job_id",
    "name",
    "dataset_id",
    "accel_id",
    "accel_count",
    "runtime_h",
    "artifact_tb",
    "serving_hubs",
    "max_latency_ms",
    "unplaced_penalty_cny",
    "allowed_hubs",
]


# -- datasets -------------------------------------------------------------------------
def draw_datasets(ctx: HubContext, rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` datasets: origin, class, lognormal size, replicas and grid regions, hub mask, Zipf popularity."""
    west = [h for h in ctx.hubs if h not in EAST_ORIGINS]
    east = rng.random(n) < EAST_SHARE
    origin = np.where(east, choice(rng, EAST_ORIGINS, n), choice(rng, dict.fromkeys(west, 1.0), n))
    cls = choice(rng, CLASS_MIX, n)
    gov = cls == "gov-north"
    origin[gov] = choice(rng, GOV_ORIGINS, int(gov.sum()))
    size = np.exp(rng.normal(math.log(SIZE_MEDIAN_TB), SIZE_SIGMA, n))
    size = np.round(np.clip(size, SIZE_MIN_TB, SIZE_MAX_TB), 1)
    replicas = np.select(
        [cls == "public", cls == "personal-info", cls == "gov-north"],
        [
            rng.choice([1, 2, 3], size=n, p=[0.15, 0.65, 0.20]),
            rng.choice([2, 3], size=n, p=[0.7, 0.3]),
            np.full(n, 2),
        ],
        default=1,
    )
    regions = np.where((replicas >= 2) & (cls != "gov-north") & (rng.random(n) < 0.85), 2, 1)
    topic = np.array(TOPICS, dtype=object)[rng.integers(0, len(TOPICS), n)]
    ids = pd.Series(np.arange(n)).map("ds-{:05d}".format)
    masks = [
        ctx.mask_of(allowed_hub_set(str(ctx.classes.at[c, "allowed_hubs"]), o))
        for c, o in zip(cls, origin, strict=True)
    ]
    popularity = np.empty(n)
    popularity[rng.permutation(n)] = np.arange(1, n + 1, dtype=float) ** -0.8
    return pd.DataFrame(
        {
            "dataset_id": ids,
            "name": pd.Series(topic).str.capitalize() + " data born at " + pd.Series(origin),
            "origin_hub": origin.astype(object),
            "class_id": cls,
            "size_tb": size,
            "min_replicas": replicas.astype(int),
            "min_grid_regions": regions.astype(int),
            "mask": np.array(masks, dtype=np.int64),
            "popularity": popularity,
        }
    )


# -- the shape catalogue ------------------------------------------------------------------
def draw_shapes(ctx: HubContext, rng: np.random.Generator) -> pd.DataFrame:
    """The catalogue: ``N_SHAPES`` shapes of each kind, one row each with the hub mask it allows."""
    frames = [pd.DataFrame(_kind_shapes(ctx, rng, kind, spec, N_SHAPES[kind])) for kind, spec in KINDS.items()]
    return pd.concat(frames, ignore_index=True)


def _kind_shapes(ctx: HubContext, rng: np.random.Generator, kind: str, spec: KindSpec, n: int) -> list[dict]:
    """``n`` shapes of one kind: the draws of every column, then one row per shape."""
    draws: dict[str, np.ndarray] = {"accel": choice(rng, spec.accel_p, n)}
    draws["count"] = rng.choice(np.array(spec.counts), size=n, p=np.array(spec.count_p))
    lo, hi = spec.runtime_h
    runtime = np.exp(rng.uniform(math.log(lo), math.log(hi), n)) if spec.log_runtime else rng.uniform(lo, hi, n)
    draws["runtime"] = np.maximum(np.round(runtime), 1.0)
    alo, ahi = spec.artifact_tb
    artifact = np.exp(rng.uniform(math.log(alo), math.log(ahi), n))
    if kind == "ft":
        artifact = artifact * np.sqrt(draws["count"] / 64.0)
    draws["artifact"] = np.round(np.clip(artifact, 0.005, 25.0), 3)
    draws["serving"] = rng.choice(len(SERVING_SETS), size=n, p=np.array(spec.serving_p))
    draws["bound"] = rng.choice(np.array([20.0, 25.0, 12.0, 8.0]), size=n, p=[0.7, 0.15, 0.1, 0.05])
    draws["restrict"] = rng.random(n) < 0.05
    draws["must"] = rng.random(n) < spec.must_place
    draws["multiplier"] = rng.uniform(2.0, 4.0, n)
    draws["purpose"] = np.array(PURPOSES, dtype=object)[rng.integers(0, len(PURPOSES), n)]
    return [_shape_row(ctx, kind, spec, {k: v[i] for k, v in draws.items()}) for i in range(n)]


def shape_hubs(
    ctx: HubContext, accel: str, serve: tuple[str, ...], bound: float, allowed: tuple[str, ...]
) -> tuple[tuple[str, ...], float, int]:
    """The hub restriction, latency bound and hub mask of a shape, relaxed until some hub can run it.

    A bound no hub with the accelerator type meets becomes 25 ms, else none; a restriction that
    leaves no hub with the accelerator type is dropped.
    """
    mask = ctx.accel_mask[accel] & (ctx.mask_of(frozenset(allowed)) if allowed else ~0)
    if serve and not ctx.within(mask, serve, bound):
        bound = 25.0 if ctx.within(mask, serve, 25.0) else math.nan
    mask &= ctx.latency_mask(serve, bound)
    if not mask:  # the restriction excludes every hub with this accelerator type
        allowed = ()
        mask = ctx.accel_mask[accel] & ctx.latency_mask(serve, bound)
    return allowed, bound, int(mask)


def _shape_row(ctx: HubContext, kind: str, spec: KindSpec, d: dict[str, object]) -> dict[str, object]:
    """One shape from its draws: serving hubs and bound made reachable, penalty from the energy cost."""
    accel, count, runtime = str(d["accel"]), d["count"], d["runtime"]
    serve = SERVING_SETS[d["serving"]]
    b = float(d["bound"]) if serve else math.nan
    allowed: tuple[str, ...] = ctx.west if d["restrict"] else ()  # a hub policy: this shape trains in the West only
    allowed, b, mask = shape_hubs(ctx, accel, serve, b, allowed)
    energy_cny = int(count) * ctx.kw[accel] * float(runtime) * ctx.dearest_kwh
    penalty = math.nan if d["must"] else float(two_figures(d["multiplier"] * energy_cny))
    return {
        "kind": kind,
        "shape_name": f"{d['purpose']} {spec.label} ({int(count)} x {accel}, {runtime:g} h)",
        "accel_id": accel,
        "accel_count": int(count),
        "runtime_h": float(runtime),
        "artifact_tb": float(d["artifact"]),
        "serving_hubs": serve,
        "max_latency_ms": b,
        "allowed_hubs": allowed,
        "must": bool(d["must"]),
        "unplaced_penalty_cny": penalty,
        "mask": mask,
    }


# -- jobs -----------------------------------------------------------------------------------
def draw_jobs(
    ctx: HubContext, rng: np.random.Generator, n: int, ds: pd.DataFrame, shapes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` jobs in campaigns of one shape on one dataset, shuffled; and their overrides."""
    table = draw_campaign_jobs(rng, n, ds, shapes)
    return table, draw_overrides(ctx, rng, table, ds, shapes)


def draw_campaign_jobs(rng: np.random.Generator, n: int, ds: pd.DataFrame, shapes: pd.DataFrame) -> pd.DataFrame:
    """``n`` jobs in campaigns of one shape on one dataset, 80/17/3% fine-tune/mid-size/pre-training, shuffled."""
    counts = {"pt": round(KIND_SHARE["pt"] * n), "mid": round(KIND_SHARE["mid"] * n)}
    counts["ft"] = n - counts["pt"] - counts["mid"]
    parts = [_kind_campaigns(rng, kind, counts[kind], ds, shapes) for kind in ("pt", "mid", "ft") if counts[kind] > 0]
    shape_of, ds_of, size_of = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return _job_table(rng, ds, shapes, shape_of, ds_of, size_of)


def _kind_campaigns(
    rng: np.random.Generator, kind: str, total: int, ds: pd.DataFrame, shapes: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Campaigns of one kind: (shape, dataset, number of jobs) each, ``total`` jobs in all.

    Datasets are drawn by popularity among those some shape of the kind can train on
    (pre-training prefers the largest datasets); shapes by a Zipf-like popularity among those
    whose hubs meet the dataset's.
    """
    ds_mask = ds["mask"].to_numpy()
    shape_mask = shapes["mask"].to_numpy()
    sizes_tb = ds["size_tb"].to_numpy()
    big = sizes_tb >= min(100.0, float(np.sort(sizes_tb)[-min(3, len(ds))]))
    sizes = campaign_sizes(rng, KINDS[kind], total)
    kind_shapes = np.flatnonzero(shapes["kind"].to_numpy() == kind)
    fits = np.array([(shape_mask[kind_shapes] & m).any() for m in ds_mask])  # datasets some shape can use
    weight = ds["popularity"].to_numpy() * fits * (big if kind == "pt" else 1.0)
    if weight.sum() == 0:
        weight = ds["popularity"].to_numpy() * fits
    d = rng.choice(len(ds), size=len(sizes), p=weight / weight.sum())
    shape_popularity = np.arange(1, len(kind_shapes) + 1, dtype=float) ** -0.7
    s = np.empty(len(sizes), dtype=np.int64)
    for m in np.unique(ds_mask[d]):
        rows = np.flatnonzero(ds_mask[d] == m)
        ok = kind_shapes[(shape_mask[kind_shapes] & m) != 0]
        p = shape_popularity[np.searchsorted(kind_shapes, ok)]
        s[rows] = ok[rng.choice(len(ok), size=len(rows), p=p / p.sum())]
    return s, d, sizes


def campaign_sizes(rng: np.random.Generator, spec: KindSpec, total: int) -> np.ndarray:
    """Campaign sizes summing to ``total``: single runs, or sweeps of ``spec.repeat_range`` jobs (log-uniform)."""
    lo, hi = spec.repeat_range
    draw = int(total / (1 + spec.repeat_p * (lo - 1))) + 16  # enough campaigns, usually at once
    parts: list[np.ndarray] = []
    drawn = 0
    while drawn < total:
        sweep = rng.random(draw) < spec.repeat_p
        size = np.exp(rng.uniform(math.log(lo), math.log(hi + 0.5), draw))
        parts.append(np.where(sweep, np.round(size), 1).astype(int))
        drawn += int(parts[-1].sum())
    sizes = np.concatenate(parts)
    cum = np.cumsum(sizes)
    last = int(np.searchsorted(cum, total))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= int(cum[last]) - total
    return sizes[sizes > 0]


def _job_table(
    rng: np.random.Generator,
    ds: pd.DataFrame,
    shapes: pd.DataFrame,
    shape_of: np.ndarray,
    ds_of: np.ndarray,
    size_of: np.ndarray,
) -> pd.DataFrame:
    """One row per job of the campaigns, shuffled; sweep members are named ``#1``, ``#2``, ..."""
    campaign = np.repeat(np.arange(len(size_of)), size_of)
    run = np.arange(len(campaign)) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    order = rng.permutation(len(campaign))
    campaign, run = campaign[order], run[order]
    sh = shapes.iloc[shape_of[campaign]].reset_index(drop=True)
    dataset_id = ds["dataset_id"].to_numpy()[ds_of[campaign]]
    kind = sh["kind"].to_numpy()
    ids = pd.Series(kind, dtype=object) + "-" + pd.Series(np.arange(len(kind))).map("{:06d}".format)
    sweep = size_of[campaign] > 1
    suffix = np.where(sweep, " #" + pd.Series(run + 1).astype(str), "")
    name = sh["shape_name"] + " on " + pd.Series(dataset_id, dtype=object) + suffix
    table = pd.DataFrame({"job_id": ids, "name": name, "dataset_id": dataset_id})
    for col in JOB_COLUMNS[3:]:
        table[col] = sh[col]
    table["shape"] = shape_of[campaign]
    table["kind"] = kind
    table["must"] = sh["must"]
    return table


def draw_overrides(
    ctx: HubContext, rng: np.random.Generator, jobs: pd.DataFrame, ds: pd.DataFrame, shapes: pd.DataFrame
) -> pd.DataFrame:
    """An Ascend 910B override at one allowed western hub for about a third of optional pre-training runs."""
    pick = np.flatnonzero((jobs["kind"].to_numpy() == "pt") & ~jobs["must"].to_numpy().astype(bool))
    pick = pick[rng.random(len(pick)) < 0.3]
    mask_of_ds = dict(zip(ds["dataset_id"], ds["mask"], strict=True))
    shape_mask = shapes["mask"].to_numpy()
    domestic = ctx.accel_mask.get("ascend-910b", 0)
    rows = []
    for i in pick:
        ok = mask_of_ds[jobs.at[i, "dataset_id"]] & int(shape_mask[jobs.at[i, "shape"]]) & domestic
        west = [h for h in ctx.hubs_of(ok) if h in ctx.west]
        if not west or jobs.at[i, "accel_id"] == "ascend-910b":
            continue
        h = west[int(rng.integers(len(west)))]
        rows.append(
            {
                "job_id": jobs.at[i, "job_id"],
                "hub_id": h,
                "accel_id": "ascend-910b",
                "accel_count": round(int(jobs.at[i, "accel_count"]) * 1.5),
                "it_mw": math.nan,
                "runtime_h": float(min(720.0, round(jobs.at[i, "runtime_h"] * 1.4))),
                "fixed_cost_cny": math.nan,
            }
        )
    return pd.DataFrame(rows, columns=OVERRIDE_COLUMNS)
