"""The planning horizon: its periods, each hub's and link's values in each, and jobs in time.

A scenario with a ``periods`` table plans over consecutive periods ``p = 0..P-1`` of ``H_p``
hours each (months, weeks); one without is a single period ``window`` of
``planning_window_hours``, and then every figure below reduces to today's one-window model.

Hub values per period are the hub's own unless ``hub_periods`` gives one (a blank cell keeps
the hub's); a link's capacity per period is its own unless ``link_periods`` gives one.

**Jobs in time.** A job that is not preemptible runs without interruption at one hub for its
runtime ``R`` (the hub's, if an override changes it), starting at the start of a period
``t``: from ``S_t`` (hours since the start of the horizon) to ``S_t + R``. Its end period
``e(t)`` is the period holding its last hour; the hours it runs in period ``p`` are
``|[S_t, S_t + R) ∩ [S_p, S_p + H_p)|``. It may start at ``t`` if ``t >= release`` and
``e(t) <= deadline`` (and it ends within the horizon). A preemptible job may instead run any
hours ``0 <= e_p <= H_p`` in each period of its window ``[release, deadline]`` at its hub,
``Σ_p e_p = R``. With one period of no table, a job's whole runtime counts in the window, as
it always did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eastwest_opt.scenario.core import TB_PER_GBPS_HOUR, Scenario
from eastwest_opt.scenario.timing import WINDOW

HOUR_TOL = 1e-9


@dataclass(frozen=True)
class Horizon:
    """Periods in order: their ids, labels, hours and start hour."""

    ids: list[str]
    labels: list[str]
    hours: np.ndarray
    timed: bool  # the scenario has a periods table

    @property
    def starts(self) -> np.ndarray:
        """Hour at which each period starts, from the start of the horizon."""
        return np.concatenate([[0.0], np.cumsum(self.hours)[:-1]])

    @property
    def ends(self) -> np.ndarray:
        return np.cumsum(self.hours)

    @property
    def total_hours(self) -> float:
        return float(self.hours.sum())

    def index(self, period_id: str, default: int) -> int:
        """Position of a period id; ``default`` for an empty cell."""
        return self.ids.index(period_id) if period_id else default

    def end_period(self, start: int, runtime_h: float) -> int | None:
        """The period holding the last hour of a run of ``runtime_h`` from the start of period
        ``start``, or ``None`` if it ends after the horizon. Without a periods table, 0."""
        if not self.timed:
            return 0
        finish = self.starts[start] + runtime_h
        if finish > self.total_hours * (1 + HOUR_TOL) + HOUR_TOL:
            return None
        return int(min(np.searchsorted(self.ends, finish - HOUR_TOL * max(1.0, finish)), len(self.ids) - 1))

    def hours_in(self, start: int, runtime_h: float) -> dict[int, float]:
        """Hours a run from the start of period ``start`` spends in each period it overlaps.
        Without a periods table, the whole runtime in the window."""
        if not self.timed:
            return {0: float(runtime_h)}
        begin, finish = self.starts[start], self.starts[start] + runtime_h
        out = {}
        for p in range(start, len(self.ids)):
            overlap = min(finish, self.ends[p]) - max(begin, self.starts[p])
            if overlap > HOUR_TOL:
                out[p] = float(overlap)
            if self.ends[p] >= finish:
                break
        return out


def horizon(scenario: Scenario) -> Horizon:
    """The scenario's periods (or its one window)."""
    table = scenario.periods
    if not len(table):
        return Horizon([WINDOW], [""], np.array([float(scenario.planning_window_hours)]), False)
    return Horizon(list(table["period_id"]), list(table["label"]), table["hours"].to_numpy(dtype=float).copy(), True)


def hub_values(scenario: Scenario, h: Horizon, column: str) -> dict[tuple[str, str], float]:
    """``column`` of each hub in each period: the hub's value unless ``hub_periods`` gives one."""
    base = dict(zip(scenario.hubs["hub_id"], scenario.hubs[column].astype(float), strict=True))
    out = {(hub, p): base[hub] for hub in base for p in h.ids}
    hp = scenario.hub_periods
    if len(hp):
        for hub, p, v in zip(hp["hub_id"], hp["period_id"], hp[column], strict=True):
            if not math.isnan(float(v)):
                out[hub, p] = float(v)
    return out


def arc_capacity(scenario: Scenario, h: Horizon, arcs: pd.DataFrame) -> dict[tuple[tuple[str, str], str], float]:
    """TB each directed arc carries in each period: ``capacity_gbps[l,p] * H_p * 0.45``, the link's
    capacity unless ``link_periods`` gives one for the period."""
    gbps = {(a, p): float(arcs.at[a, "capacity_gbps"]) for a in arcs.index for p in h.ids}
    lp = scenario.link_periods
    if len(lp):
        by_link = {link: [a for a in arcs.index if arcs.at[a, "link_id"] == link] for link in set(lp["link_id"])}
        for link, p, v in zip(lp["link_id"], lp["period_id"], lp["capacity_gbps"], strict=True):
            if math.isnan(float(v)):
                continue  # blank: the link's own capacity
            for a in by_link.get(link, []):
                gbps[a, p] = float(v)
    hours = dict(zip(h.ids, h.hours.tolist(), strict=True))
    return {(a, p): g * hours[p] * TB_PER_GBPS_HOUR for (a, p), g in gbps.items()}
