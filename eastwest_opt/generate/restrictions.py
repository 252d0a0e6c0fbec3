"""Job-level hub restrictions (``allowed_hubs``) and per job-hub overrides, for the distinct and restricted families.

A restriction always cuts: it leaves the job at least one hub it could train at (its data
class, accelerator type and latency bound allow) and takes away at least one. An override row
is for an optional job at a western hub it may train at that stocks a domestic accelerator:
an imported-accelerator job runs there on the domestic type, 1.2-1.6 times the accelerators
(in steps of 8) for 1.2-1.5 times the runtime; a domestic one runs 1.05-1.3 times longer. A
row carries a measured power draw (80-95% of the derived one) with probability 0.15 and a
negotiated fixed energy cost (55-90% of the derived cost at that hub) with probability 0.4.
Must-place jobs get no override, so the feasibility witness, which places them on their own
accelerators, stays valid.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from eastwest_opt.generate.context import HubContext, significant
from eastwest_opt.generate.portfolio import OVERRIDE_COLUMNS

POLICIES: dict[str, tuple[tuple[str, ...], float]] = {
    "west": (("cc", "imo", "gz", "gs", "nx"), 0.35),  # a green-power or cost mandate: train in the West
    "north": (("bth", "imo", "gs", "nx"), 0.20),  # the northern campuses of one operator
    "south": (("gba", "cc", "gz"), 0.15),  # the southern campuses
    "east": (("bth", "yrd", "gba"), 0.15),  # near the users, for fast iteration
    "pair": ((), 0.15),  # two contracted campuses among the hubs the job could use
}
"""Hub policies of the restricted family and their probabilities (``pair``: two hubs drawn per job)."""


def feasible_masks(ds: pd.DataFrame, jobs: pd.DataFrame, shapes: pd.DataFrame) -> np.ndarray:
    """Per job, the hubs its dataset's class and its shape (accelerator type, latency, restriction) allow."""
    mask_of_ds = dict(zip(ds["dataset_id"], ds["mask"], strict=True))
    shape_mask = shapes["mask"].to_numpy()[jobs["shape"].to_numpy()]
    return jobs["dataset_id"].map(mask_of_ds).to_numpy(dtype=np.int64) & shape_mask.astype(np.int64)


def pick(rng: np.random.Generator, eligible: np.ndarray, share: float, n: int) -> np.ndarray:
    """``round(share * n)`` of the eligible rows (fewer if fewer are eligible), drawn without replacement, sorted."""
    rows = np.flatnonzero(eligible)
    k = min(len(rows), round(share * n))
    return np.sort(rng.choice(rows, size=k, replace=False)) if k else rows[:0]


def random_subset(ctx: HubContext, rng: np.random.Generator, mask: int) -> tuple[str, ...]:
    """A proper, non-empty subset of the hubs in ``mask`` (at least two), uniform in its size."""
    hubs = ctx.hubs_of(mask)
    size = int(rng.integers(1, len(hubs)))
    chosen = set(rng.choice(len(hubs), size=size, replace=False).tolist())
    return tuple(h for i, h in enumerate(hubs) if i in chosen)


def policy_restriction(ctx: HubContext, rng: np.random.Generator, mask: int) -> tuple[str, ...]:
    """A hub policy (``POLICIES``) that cuts ``mask`` (at least two hubs); else two of its hubs."""
    names = list(POLICIES)
    p = np.array([POLICIES[k][1] for k in names])
    for i in rng.choice(len(names), size=len(names), replace=False, p=p / p.sum()):
        hubs = POLICIES[names[i]][0]
        cut = mask & ctx.mask_of(hubs)
        if hubs and cut and cut != mask:
            return hubs
    hubs = ctx.hubs_of(mask)
    two = set(rng.choice(len(hubs), size=2, replace=False).tolist())
    return tuple(h for i, h in enumerate(hubs) if i in two)


def override_rows(
    ctx: HubContext, rng: np.random.Generator, jobs: pd.DataFrame, masks: np.ndarray, share: float
) -> pd.DataFrame:
    """Override rows for ``round(share * len(jobs))`` optional jobs that may train at a western hub with domestic stock.

    Each chosen job gets a row at one such hub, or at two with probability 0.3 (when it has two).
    """
    west_domestic = {h: [k for k in ctx.domestic if ctx.stocked(k, h)] for h in ctx.west}
    usable = ctx.mask_of(tuple(h for h, ks in west_domestic.items() if ks))
    eligible = ~jobs["must"].to_numpy().astype(bool) & ((masks & usable) != 0)
    rows: list[dict[str, object]] = []
    for i in pick(rng, eligible, share, len(jobs)):
        hubs = ctx.hubs_of(int(masks[i]) & usable)
        many = 2 if len(hubs) > 1 and rng.random() < 0.3 else 1
        for j in np.sort(rng.choice(len(hubs), size=many, replace=False)):
            rows.append(_override_row(ctx, rng, jobs.iloc[i], hubs[j], west_domestic[hubs[j]]))
    return pd.DataFrame(rows, columns=OVERRIDE_COLUMNS)


def _override_row(
    ctx: HubContext, rng: np.random.Generator, job: pd.Series, hub: str, domestic: list[str]
) -> dict[str, object]:
    """One override of ``job`` at ``hub``: domestic accelerators or longer, maybe a measured draw or a fixed cost."""
    accel, count, runtime = str(job["accel_id"]), int(job["accel_count"]), float(job["runtime_h"])
    row: dict[str, object] = {"job_id": job["job_id"], "hub_id": hub, "accel_id": "", "accel_count": math.nan}
    if accel not in ctx.domestic:
        accel = domestic[int(rng.integers(len(domestic)))]
        count = math.ceil(count * rng.uniform(1.2, 1.6) / 8.0) * 8
        runtime = round(min(720.0, runtime * rng.uniform(1.2, 1.5)), 1)
        row.update(accel_id=accel, accel_count=count)
    else:
        runtime = round(min(720.0, runtime * rng.uniform(1.05, 1.3)), 1)
    row["runtime_h"] = runtime
    it_mw = count * ctx.kw[accel] / 1000.0
    row["it_mw"] = math.nan
    if rng.random() < 0.15:  # a measured power draw
        it_mw = round(it_mw * rng.uniform(0.80, 0.95), 6)
        row["it_mw"] = it_mw
    row["fixed_cost_cny"] = math.nan
    if rng.random() < 0.4:  # a negotiated fixed energy cost
        energy_cny = it_mw * runtime * ctx.pue[hub] * 1000.0 * ctx.price[hub]
        row["fixed_cost_cny"] = float(significant(energy_cny * rng.uniform(0.55, 0.90), 3))
    return row
