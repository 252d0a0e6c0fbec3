"""Measures of a portfolio: how much exact aggregation removes, how heavy its tail, how tight, how restricted.

These are the figures the families promise (:mod:`.families`); the tests check them.
"""

from __future__ import annotations

import math

import numpy as np

from eastwest_opt.generate.core import Scenario, job_groups


def repeat_fraction(scenario: Scenario) -> float:
    """Share of jobs identical to an earlier job in every column the model reads (see prepare.GROUP_KEY)."""
    jobs = len(scenario.jobs)
    return 1.0 - len(job_groups(scenario)) / jobs if jobs else 0.0


def power_demand_ratio(scenario: Scenario) -> float:
    """The portfolio's total power demand over the hubs' total grid allocation.

    Demand is every job's IT load (accelerators times kW per accelerator) times the lowest PUE
    of any hub: the least the jobs would draw from the grid if all ran at once, overrides aside.
    """
    jobs = scenario.jobs
    kw = dict(zip(scenario.accelerators["accel_id"], scenario.accelerators["kw_per_accel"], strict=True))
    it_mw = float((jobs["accel_count"] * jobs["accel_id"].map(kw)).sum()) / 1000.0
    return it_mw * float(scenario.hubs["pue"].min()) / float(scenario.hubs["grid_mw"].sum())


def top_share(scenario: Scenario, top: float = 0.01) -> float:
    """Share of all accelerator-hours held by the ``top`` share of jobs (at least one) with the most of them."""
    jobs = scenario.jobs
    hours = np.sort((jobs["accel_count"] * jobs["runtime_h"]).to_numpy(dtype=float))[::-1]
    k = max(1, math.ceil(top * len(hours)))
    return float(hours[:k].sum() / hours.sum()) if len(hours) else 0.0


def restricted_share(scenario: Scenario) -> float:
    """Share of jobs with an ``allowed_hubs`` restriction."""
    jobs = scenario.jobs
    return float((jobs["allowed_hubs"].map(len) > 0).mean()) if len(jobs) else 0.0


def overridden_share(scenario: Scenario) -> float:
    """Share of jobs with at least one row in the overrides table."""
    jobs = scenario.jobs
    return float(jobs["job_id"].isin(set(scenario.overrides["job_id"])).mean()) if len(jobs) else 0.0
