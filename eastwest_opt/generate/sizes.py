"""Sizes of jobs drawn one by one (the distinct and skewed families): kind, accelerators, runtime, artifact.

Unlike the default family's catalogue of shapes, every figure here is drawn per job, on a fine
grid (counts to one or eight accelerators, runtimes to 0.1 h, artifacts to 0.1 GB), so two jobs
seldom agree in all of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eastwest_opt.generate.catalogue import KIND_SHARE, KINDS
from eastwest_opt.generate.context import choice

DISTINCT_COUNTS = {"ft": (8, 256), "mid": (384, 1536), "pt": (2048, 8192)}
"""Accelerator count range per kind in the distinct family (log-uniform; mid and pt in steps of 8)."""

SKEW_GIANT_SHARE = 0.005
"""Share of skewed-family jobs that are giant pre-training runs (at least one from 50 jobs)."""
SKEW_GIANT_COUNT = (2048, 8192)
"""Accelerator range of the giants, log-uniform, in steps of 64, capped at ``SKEW_GIANT_CAP`` of the others'."""
SKEW_GIANT_CAP = 0.25
SKEW_GIANT_RUNTIME_H = (400.0, 700.0)
SKEW_BODY_ALPHA = 0.75
"""Pareto index of the other jobs' accelerator counts: P(count > c) = c^-0.9 from 1, clipped at 1,024."""
SKEW_BODY_MAX = 1024
SKEW_BODY_MUST = 0.02
"""Share of the other jobs with at most 64 accelerators that must be placed (no giant must)."""


@dataclass
class Sizes:
    """Per-job draws: kind (ft/mid/pt), accelerator type and count, runtime, artifact, must-place."""

    kind: np.ndarray
    accel: np.ndarray
    count: np.ndarray
    runtime: np.ndarray
    artifact: np.ndarray
    must: np.ndarray

    def take(self, order: np.ndarray) -> Sizes:
        """The same jobs in another order."""
        return Sizes(*(getattr(self, f)[order] for f in ("kind", "accel", "count", "runtime", "artifact", "must")))


def _log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` draws log-uniform between ``lo`` and ``hi``."""
    return np.exp(rng.uniform(math.log(lo), math.log(hi), n))


def _empty(n: int) -> Sizes:
    """Room for ``n`` jobs."""
    return Sizes(
        kind=np.empty(n, dtype=object),
        accel=np.empty(n, dtype=object),
        count=np.zeros(n, dtype=np.int64),
        runtime=np.zeros(n),
        artifact=np.zeros(n),
        must=np.zeros(n, dtype=bool),
    )


def distinct_sizes(rng: np.random.Generator, n: int) -> Sizes:
    """Kinds in the default mix (80/17/3%); within a kind every figure drawn per job.

    Counts log-uniform in ``DISTINCT_COUNTS``; runtimes as the kind's shapes (log-uniform 2-72 h
    and 48-240 h, uniform 240-700 h) to 0.1 h; artifacts log-uniform in the kind's range (fine-tunes
    scaled by the square root of count / 64) to 0.1 GB; must-place with the kind's probability.
    """
    s = _empty(n)
    s.kind[:] = choice(rng, KIND_SHARE, n)
    for kind in ("ft", "mid", "pt"):
        rows = np.flatnonzero(s.kind == kind)
        spec, m = KINDS[kind], len(rows)
        s.accel[rows] = choice(rng, spec.accel_p, m)
        lo, hi = DISTINCT_COUNTS[kind]
        step = 1 if kind == "ft" else 8
        s.count[rows] = np.maximum(np.round(_log_uniform(rng, lo, hi, m) / step), 1).astype(np.int64) * step
        rlo, rhi = spec.runtime_h
        runtime = _log_uniform(rng, rlo, rhi, m) if spec.log_runtime else rng.uniform(rlo, rhi, m)
        s.runtime[rows] = np.round(runtime, 1)
        artifact = _log_uniform(rng, *spec.artifact_tb, m)
        if kind == "ft":
            artifact = artifact * np.sqrt(s.count[rows] / 64.0)
        s.artifact[rows] = np.round(np.clip(artifact, 0.001, 25.0), 4)
        s.must[rows] = rng.random(m) < spec.must_place
    return s


def skewed_sizes(rng: np.random.Generator, n: int) -> Sizes:
    """A few giant pre-training runs and many tiny jobs, shuffled.

    Giants (``SKEW_GIANT_SHARE`` of jobs): log-uniform 2,048-8,192 accelerators in steps of 64,
    at most ``SKEW_GIANT_CAP`` times the other jobs' accelerators together (so that one run alone
    does not outgrow a tight portfolio), 400-700 h, 4-20 TB artifacts, never must-place. Others:
    Pareto counts (index 0.9 from 1, clipped at 1,024), runtimes lognormal around
    1.5 h * sqrt(count) (sigma 0.7, 0.5-240 h), artifacts about 1 GB * count^0.8; fine-tunes up to
    256 accelerators, mid-size above.
    """
    giants = max(1, round(SKEW_GIANT_SHARE * n)) if n >= 50 else 0
    body = n - giants
    s = _empty(n)
    count = np.floor((1.0 - rng.random(body)) ** (-1.0 / SKEW_BODY_ALPHA))
    s.count[:body] = np.minimum(count, SKEW_BODY_MAX).astype(np.int64)
    s.kind[:body] = np.where(s.count[:body] <= 256, "ft", "mid")
    for kind in ("ft", "mid"):
        rows = np.flatnonzero(s.kind[:body] == kind)
        s.accel[rows] = choice(rng, KINDS[kind].accel_p, len(rows))
    runtime = 1.5 * np.sqrt(s.count[:body]) * np.exp(rng.normal(0.0, 0.7, body))
    s.runtime[:body] = np.round(np.clip(runtime, 0.5, 240.0), 1)
    artifact = 0.001 * s.count[:body] ** 0.8 * np.exp(rng.normal(0.0, 0.5, body))
    s.artifact[:body] = np.round(np.clip(artifact, 0.0001, 5.0), 4)
    s.must[:body] = (s.count[:body] <= 64) & (rng.random(body) < SKEW_BODY_MUST)
    if giants:
        hi = min(SKEW_GIANT_COUNT[1], max(SKEW_GIANT_COUNT[0], SKEW_GIANT_CAP * float(s.count[:body].sum())))
        g = slice(body, n)
        s.kind[g] = "pt"
        s.accel[g] = choice(rng, KINDS["pt"].accel_p, giants)
        s.count[g] = (np.round(_log_uniform(rng, SKEW_GIANT_COUNT[0], hi, giants) / 64) * 64).astype(np.int64)
        s.runtime[g] = np.round(rng.uniform(*SKEW_GIANT_RUNTIME_H, giants), 1)
        s.artifact[g] = np.round(_log_uniform(rng, 4.0, 20.0, giants), 4)
    return s.take(rng.permutation(n))
