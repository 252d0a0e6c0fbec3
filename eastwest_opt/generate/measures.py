"""Measures of a portfolio: how much exact aggregation of identical jobs removes."""

from __future__ import annotations

from eastwest_opt.generate.core import Scenario, job_groups


def repeat_fraction(scenario: Scenario) -> float:
    """Share of jobs identical to an earlier job in every column the model reads (see prepare.GROUP_KEY)."""
    jobs = len(scenario.jobs)
    return 1.0 - len(job_groups(scenario)) / jobs if jobs else 0.0
