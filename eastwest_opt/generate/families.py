"""Portfolio families: how the jobs are drawn and how tight the capacities are.

``default``
    The catalogue of shapes in campaigns (:mod:`.portfolio`): about two thirds of jobs repeat
    an earlier job exactly, which exact aggregation removes.
``distinct``
    Every job drawn on its own (:mod:`.bespoke`, :func:`.sizes.distinct_sizes`): its own
    accelerator count, runtime, artifact, serving hubs, latency bound and penalty; 10% of jobs
    with an ``allowed_hubs`` restriction (a random proper subset of the hubs they could use),
    8% with override rows. Fewer than 2% of jobs share a shape.
``skewed``
    Jobs drawn on their own with heavy-tailed sizes (:func:`.sizes.skewed_sizes`): 0.5% giant
    pre-training runs (2,048-8,192 accelerators, 400-700 h), the rest Pareto-sized and mostly
    tiny (median 2 accelerators); 5% restricted, no overrides; 2% of the jobs of up to 64
    accelerators must be placed. Heavy tail, as measured by :func:`.measures.top_share`: the 1%
    of jobs with the most accelerator-hours hold at least 30% of them (about 97%). Grid
    allocations sum to the portfolio's meter MW divided by 2.2 instead of 0.7
    (:func:`.measures.power_demand_ratio` about 2), so hub power binds and many optional jobs
    stay unplaced; the witness still fits every must-place job. Capacities are not raised for
    every job to fit alone, which would undo the tightness in small portfolios: a large job may
    fit nowhere (seed 0: at 200 jobs 3 jobs, the one giant among them; at 1,000 jobs 6, two of
    the five giants among them; at 5,000 one; at 10,000 none).
``restricted``
    The default catalogue and campaigns, then jobs without the catalogue's West-only restriction
    (5% of shapes, 5-15% of jobs) restricted by a hub policy (:data:`.restrictions.POLICIES`:
    West only, the northern or southern campuses, the East, or two contracted hubs) until 40% of
    all jobs are restricted; 30% of jobs with override rows at western hubs; no default
    overrides. Jobs of a campaign that draw the same policy still aggregate.

Every family draws the datasets first, the same way, so one seed gives the same datasets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eastwest_opt.generate.bespoke import bespoke_jobs
from eastwest_opt.generate.capacity import DEFAULT_HEADROOM, Headroom
from eastwest_opt.generate.context import HubContext
from eastwest_opt.generate.portfolio import draw_campaign_jobs, draw_jobs, draw_shapes
from eastwest_opt.generate.restrictions import feasible_masks, override_rows, pick, policy_restriction
from eastwest_opt.generate.sizes import distinct_sizes, skewed_sizes

Drawn = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]
"""What a family draws: (jobs with the internal columns shape, kind, must; overrides; shapes)."""

DISTINCT_RESTRICT, DISTINCT_OVERRIDE = 0.10, 0.08
SKEWED_RESTRICT = 0.05
SKEWED_HEADROOM = Headroom(power_utilisation=2.2, fit_alone=False)
RESTRICTED_RESTRICT, RESTRICTED_OVERRIDE = 0.40, 0.30


@dataclass(frozen=True)
class Family:
    """A portfolio family: its drawing step (after the datasets) and its capacity headroom."""

    name: str
    summary: str
    draw: Callable[[HubContext, np.random.Generator, int, pd.DataFrame], Drawn]
    headroom: Headroom = DEFAULT_HEADROOM


def _default(ctx: HubContext, rng: np.random.Generator, n: int, ds: pd.DataFrame) -> Drawn:
    """The catalogue of shapes, jobs in campaigns and the Ascend 910B overrides of some pre-training runs."""
    shapes = draw_shapes(ctx, rng)
    jobs, overrides = draw_jobs(ctx, rng, n, ds, shapes)
    return jobs, overrides, shapes


def _distinct(ctx: HubContext, rng: np.random.Generator, n: int, ds: pd.DataFrame) -> Drawn:
    """Every job drawn on its own; some restrictions and overrides."""
    sizes = distinct_sizes(rng, n)
    return bespoke_jobs(ctx, rng, ds, sizes, restrict_share=DISTINCT_RESTRICT, override_share=DISTINCT_OVERRIDE)


def _skewed(ctx: HubContext, rng: np.random.Generator, n: int, ds: pd.DataFrame) -> Drawn:
    """Heavy-tailed jobs drawn on their own; a few restrictions, no overrides."""
    return bespoke_jobs(ctx, rng, ds, skewed_sizes(rng, n), restrict_share=SKEWED_RESTRICT, override_share=0.0)


def _restricted(ctx: HubContext, rng: np.random.Generator, n: int, ds: pd.DataFrame) -> Drawn:
    """Default campaigns with hub policies until 40% of jobs are restricted, and overrides on 30%.

    A restricted job moves to a derived shape (its shape with the policy as ``allowed_hubs`` and
    the policy's hubs cut out of its mask), one per (shape, policy), so the capacity sizing and
    the witness see the restriction.
    """
    shapes = draw_shapes(ctx, rng)
    jobs = draw_campaign_jobs(rng, n, ds, shapes)
    masks = feasible_masks(ds, jobs, shapes)
    unrestricted = jobs["allowed_hubs"].map(len).to_numpy() == 0  # 5% of shapes already train in the West only
    eligible = unrestricted & np.array([bin(int(m)).count("1") >= 2 for m in masks])
    derived: dict[tuple[int, tuple[str, ...]], int] = {}
    extra: list[dict[str, object]] = []
    shape_col = jobs["shape"].to_numpy().copy()
    allowed_col = jobs["allowed_hubs"].to_numpy().copy()
    more = max(0.0, RESTRICTED_RESTRICT - float((~unrestricted).mean()))
    for i in pick(rng, eligible, more, n):
        policy = policy_restriction(ctx, rng, int(masks[i]))
        key = (int(shape_col[i]), policy)
        if key not in derived:
            row = shapes.iloc[key[0]].to_dict()
            row.update(allowed_hubs=policy, mask=int(row["mask"]) & ctx.mask_of(policy))
            derived[key] = len(shapes) + len(extra)
            extra.append(row)
        shape_col[i], allowed_col[i] = derived[key], policy
        masks[i] &= ctx.mask_of(policy)
    shapes = pd.concat([shapes, pd.DataFrame(extra, columns=shapes.columns)], ignore_index=True)
    jobs["shape"], jobs["allowed_hubs"] = shape_col, allowed_col
    return jobs, override_rows(ctx, rng, jobs, masks, RESTRICTED_OVERRIDE), shapes


FAMILIES: dict[str, Family] = {
    "default": Family("default", "a catalogue of shapes in campaigns; about two thirds of jobs repeat one", _default),
    "distinct": Family("distinct", "every job its own shape; some restrictions and overrides", _distinct),
    "skewed": Family(
        "skewed", "a few giant runs, many tiny jobs; grid power well short of demand", _skewed, SKEWED_HEADROOM
    ),
    "restricted": Family(
        "restricted", "default campaigns; about 40% of jobs restricted, 30% with overrides", _restricted
    ),
}
"""The families by name, ``default`` first."""


def family(name: str) -> Family:
    """The family called ``name``; ``ValueError`` naming the known ones otherwise."""
    if name not in FAMILIES:
        raise ValueError(f"unknown portfolio family {name!r}; choose {', '.join(FAMILIES)}")
    return FAMILIES[name]
