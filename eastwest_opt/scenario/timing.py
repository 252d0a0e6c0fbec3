"""Checks of a scenario's horizon: its periods, and each job's release, deadline and runtime.

With a ``periods`` table the horizon is its periods, consecutive and in order: the planning
window is their total hours (``planning_window_hours`` in scenario.yaml, if given, must equal
it). Optional ``start_time`` cells (ISO dates or date-times), when given, must be consecutive:
each period starts where the one before it ends. A job's deadline may not come before its
release, and its runtime must fit between the start of its release period and the end of its
deadline period; otherwise no plan could place it, which is an input error, not a penalty.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from eastwest_opt.errors import Problem

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario

WINDOW = "window"  # the period id of a scenario without a periods table: its one window
START_TOL_S = 60.0  # a period may start up to a minute off the end of the one before it


def horizon_hours(scenario: Scenario) -> float | None:
    """Total hours of the periods, or ``None`` without a periods table."""
    periods = scenario.periods
    return float(periods["hours"].sum()) if len(periods) else None


def check_timing(s: Scenario) -> list[Problem]:
    """Every problem of the periods and of the jobs' timing (see the module docstring); the
    planning window against the periods is checked where scenario.yaml is read."""
    problems: list[Problem] = []
    periods = s.periods
    if not len(periods):
        return problems
    problems += _check_starts(periods, s.sources.get("periods", "periods.csv"))
    problems += _check_jobs(s)
    return problems


def _check_starts(periods: object, file: str) -> list[Problem]:
    """Periods with start times must be consecutive, in order."""
    problems: list[Problem] = []
    starts = list(periods["start_time"])  # type: ignore[index]
    hours = list(periods["hours"])  # type: ignore[index]
    if not any(starts):
        return problems
    parsed: list[datetime | None] = []
    for i, text in enumerate(starts):
        try:
            parsed.append(datetime.fromisoformat(str(text)) if text else None)
        except ValueError:
            problems.append(
                Problem(
                    file, f"expected a date or date-time (2026-01-01), got {text!r}", row=i + 2, column="start_time"
                )
            )
            parsed.append(None)
    for i in range(1, len(parsed)):
        before, now = parsed[i - 1], parsed[i]
        if before is None or now is None:
            if (before is None) != (now is None) and not problems:
                problems.append(Problem(file, "give every period a start_time or none", row=i + 2, column="start_time"))
            continue
        if not np.isfinite(float(hours[i - 1])):  # hours the parser refused (reported there)
            continue
        expected = before + timedelta(hours=float(hours[i - 1]))
        if abs((now - expected).total_seconds()) > START_TOL_S:
            problems.append(
                Problem(
                    file,
                    f"periods out of order: this period starts {now.isoformat()}, but the one before it "
                    f"(row {i + 1}) ends {expected.isoformat()}; periods are consecutive blocks, in order",
                    row=i + 2,
                    column="start_time",
                )
            )
    return problems


def _check_jobs(s: Scenario) -> list[Problem]:
    """Deadlines after releases; runtimes that fit between release and deadline."""
    problems: list[Problem] = []
    jobs = s.jobs
    if not len(jobs):
        return problems
    jfile = s.sources.get("jobs", "jobs.csv")
    ids = list(s.periods["period_id"])
    position = {p: i for i, p in enumerate(ids)}
    hours = s.periods["hours"].to_numpy(dtype=float)
    starts = np.concatenate([[0.0], np.cumsum(hours)])
    release = jobs["release_period"].map(lambda p: position.get(p, 0) if p else 0).to_numpy(dtype=np.int64)
    deadline = jobs["deadline_period"].map(lambda p: position.get(p, len(ids) - 1) if p else len(ids) - 1)
    deadline = deadline.to_numpy(dtype=np.int64)
    before = deadline < release
    for i in np.flatnonzero(before):
        problems.append(
            Problem(
                jfile,
                f"deadline {jobs['deadline_period'].iat[i]!r} comes before release {jobs['release_period'].iat[i]!r}",
                row=int(i) + 2,
                column="deadline_period",
            )
        )
    window = starts[deadline + 1] - starts[release]
    runtime = jobs["runtime_h"].to_numpy(dtype=float)
    short = ~before & (runtime > window * (1 + 1e-9))
    for i in np.flatnonzero(short):
        span = f"{ids[release[i]]}..{ids[deadline[i]]}" if release[i] != deadline[i] else ids[release[i]]
        problems.append(
            Problem(
                jfile,
                f"job {jobs['job_id'].iat[i]!r} runs {runtime[i]:g} h but its periods {span} hold only "
                f"{window[i]:g} h: it cannot be placed in time",
                row=int(i) + 2,
                column="runtime_h",
            )
        )
    return problems
