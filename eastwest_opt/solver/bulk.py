"""The bulk path: an array model solved by highspy, in the order that proves large portfolios.

1. Without a starting plan and from :data:`DECOMPOSITION_MIN_COLUMNS` columns, the
   decomposition by dataset (:mod:`~eastwest_opt.solver.lagrange`): the linear relaxation, the
   Lagrangian bound at its duals, then the restricted model in a guarded child, stopped at the
   first plan within the gap of that bound.
2. Otherwise, or when that leaves the gap open and time remains, the whole model's search in a
   guarded child (:mod:`~eastwest_opt.solver.guard`), from the decomposition's plan, a previous
   plan (re-solves) or, from :data:`HEURISTIC_MIN_COLUMNS` columns, an LP-guided starting plan
   (:mod:`~eastwest_opt.solver.heuristic`; one-window models) or, from
   :data:`SUPPORT_START_MIN_COLUMNS` columns, the plan of the relaxation's support (period
   models). Bounds proven before the search stay valid.
3. One-window models that reach the search without a start, under a time limit, get a greedy plan
   (:func:`~eastwest_opt.solver.heuristic.greedy_start`, no LP needed) so that a time limit
   still returns a plan: handed to HiGHS as its start when the decomposition or the LP-guided
   start was tried and gave none, else kept aside and returned only when HiGHS finds nothing
   (so small models, which HiGHS solves alone, are searched exactly as before). The search ends
   by the overall limit, given at least :data:`SEARCH_MIN_S`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from eastwest_opt.model.arrays import ArrayModel
from eastwest_opt.model.data import ModelData
from eastwest_opt.solver.guard import solve_guarded
from eastwest_opt.solver.lagrange import Relaxation, lagrangian_bound, lp_support, restricted, solve_relaxation
from eastwest_opt.solver.status import SolveOptions, SolveResult, Status, relative_gap

HEURISTIC_MIN_COLUMNS = 100_000  # array models from this size get an LP-guided starting plan
DECOMPOSITION = True  # array models are solved by decomposition by dataset first
# from this many columns: below it (about 4,000 jobs) the whole model alone was faster, measured on
# generated portfolios (2,000 jobs: 2-25 s alone against 4-70 s after the decomposition; 5,000 jobs:
# 5-21 s alone against 3-4 s with it), because there the relaxation's gap is mostly shared between datasets
DECOMPOSITION_MIN_COLUMNS = 20_000
# Only for one-window models: over 12 periods (1,000 jobs, generated) the restricted model fixed the
# datasets badly (a plan 2.9% above the bound, 1.9% after 120 s) where the whole model alone proved
# 0.006% in 105 s.
# Period models (two or more periods) from this many columns start the search from the plan of
# their LP support (lagrange.lp_support: every integer column the relaxation leaves at zero fixed
# there): at 10,000 jobs over 12 periods (481,339 columns) HiGHS alone found no plan in 120 s,
# while the support's model gave one 7% above the relaxation in 17 s (benchmarks/periods.py).
SUPPORT_START_MIN_COLUMNS = 200_000
DECOMPOSED_MIN_LEFT_S = 5.0  # the whole model is searched after the decomposition only with this much time left
SEARCH_MIN_S = 0.1  # the whole model's search is given at least this long, even past the overall limit
STAGES = ("handover_s", "relaxation_s", "bound_s", "restricted_s", "heuristic_s", "greedy_s", "search_s")

Progress = Callable[[str, str], None] | None


@dataclass
class BulkRun:
    """One bulk solve's inputs and what it leaves behind: timings and the best column vector."""

    arrays: ArrayModel
    data: ModelData
    timings: dict[str, float]
    progress: Progress = None
    col_value: np.ndarray | None = None

    def say(self, stage: str, detail: str) -> None:
        if self.progress is not None:
            self.progress(stage, detail)


def run_bulk(run: BulkRun, opts: SolveOptions, start: np.ndarray | None = None) -> SolveResult:
    """Solve ``run.arrays`` (module docstring); ``start``: a plan to begin from (re-solves)."""
    t0 = time.perf_counter()
    for stage in STAGES:
        run.timings.pop(stage, None)
    limit = opts.time_limit_s if opts.time_limit_s is not None else math.inf
    am = run.arrays
    relaxation: Relaxation | None = None
    best: SolveResult | None = None  # the decomposition's plan, with the Lagrangian bound
    one_window = len(run.data.periods) == 1
    if (
        start is None
        and DECOMPOSITION
        and one_window
        and am.col_dataset is not None
        and am.num_col >= DECOMPOSITION_MIN_COLUMNS
    ):
        outcome = _decomposed(run, opts, limit)
        if isinstance(outcome, SolveResult):
            if outcome.status in (Status.OPTIMAL, Status.INFEASIBLE):
                run.timings["solve_s"] = outcome.seconds - run.timings.get("handover_s", 0.0)
                return outcome
            best = outcome
            start = run.col_value
        else:
            relaxation = outcome
    remaining = limit - (time.perf_counter() - t0)
    if best is not None and remaining < DECOMPOSED_MIN_LEFT_S:
        return best.timed(time.perf_counter() - t0)
    lp_bound = None
    tried = "relaxation_s" in run.timings  # the decomposition ran and left no plan
    if start is None and am.num_col >= HEURISTIC_MIN_COLUMNS and one_window:
        start, lp_bound = _lp_guided_start(run, remaining, opts.threads, relaxation)
        tried = True
    elif start is None and am.num_col >= SUPPORT_START_MIN_COLUMNS and not one_window:
        start, lp_bound = _support_start(run, remaining, opts)
    fallback = None
    if start is None and one_window and math.isfinite(limit):
        fallback = _greedy_start(run, limit - (time.perf_counter() - t0), opts.threads)
        if tried:
            start, fallback = fallback, None
    left = max(SEARCH_MIN_S, limit - (time.perf_counter() - t0))
    return _search(run, opts, left, start, (lp_bound, best), t0, fallback)


def _search(
    run: BulkRun,
    opts: SolveOptions,
    limit: float,
    start: np.ndarray | None,
    proven: tuple[float | None, SolveResult | None],
    t0: float,
    fallback: np.ndarray | None = None,
) -> SolveResult:
    """The whole model's search in a guarded child; ``proven``: bounds found before it;
    ``fallback``: a plan (not given to HiGHS) returned when neither HiGHS nor ``start`` gives one."""
    am = run.arrays
    out = solve_guarded(
        am, time_limit_s=limit, mip_rel_gap=opts.mip_rel_gap, threads=opts.threads, start=start, progress=run.progress
    )
    seconds = time.perf_counter() - t0
    run.timings["search_s"] = out.seconds  # the whole model's search alone
    run.timings["handover_s"] = run.timings.get("handover_s", 0.0) + out.handover_s
    run.timings["solve_s"] = seconds - run.timings["handover_s"]
    if out.infeasible:
        return SolveResult(Status.INFEASIBLE, None, None, None, seconds, out.model_status)
    bound = out.bound if out.bound is not None and math.isfinite(out.bound) else None
    lp_bound, best = proven
    for valid in (lp_bound, best.bound if best else None):  # bounds proven before this search stay valid
        if valid is not None:
            bound = valid if bound is None else max(bound, valid)
    if (out.objective is None or out.col_value is None) and start is not None:
        out.objective, out.col_value = float(am.col_cost @ start), start  # HiGHS found nothing: the start
    if (out.objective is None or out.col_value is None) and fallback is not None:
        out.objective, out.col_value = float(am.col_cost @ fallback), fallback
    if out.objective is None or out.col_value is None:
        return SolveResult(Status.NO_SOLUTION, None, bound, None, seconds, out.model_status)
    run.col_value = out.col_value
    objective = float(out.objective)
    gap = relative_gap(objective, bound)
    optimal = out.optimal or (gap is not None and opts.mip_rel_gap is not None and gap <= opts.mip_rel_gap)
    if optimal and bound is None:
        bound, gap = objective, 0.0
    status = Status.OPTIMAL if optimal else Status.FEASIBLE
    return SolveResult(status, objective, bound, gap, seconds, out.model_status)


def _decomposed(run: BulkRun, opts: SolveOptions, limit: float) -> SolveResult | Relaxation | None:
    """Relaxation, Lagrangian bound by dataset, restricted model.

    Returns a :class:`SolveResult` (optimal: the plan is within the gap asked of the
    Lagrangian bound; feasible: a plan, with that bound; infeasible: the relaxation is), or
    the relaxation (or ``None``) when the restricted model gave no plan.
    """
    t0 = time.perf_counter()
    am = run.arrays
    relaxation, lp_status = solve_relaxation(am, time_limit_s=limit / 2, threads=opts.threads)
    run.timings["relaxation_s"] = time.perf_counter() - t0
    if relaxation is None:
        if lp_status == "Infeasible":
            return SolveResult(Status.INFEASIBLE, None, None, None, time.perf_counter() - t0, lp_status)
        return None
    run.say("relax", f"linear relaxation {relaxation.objective:,.0f} CNY")
    left = limit - (time.perf_counter() - t0)
    lagrange = lagrangian_bound(am, relaxation, time_limit_s=max(1.0, 0.1 * left))
    run.timings["bound_s"] = lagrange.seconds
    bound = lagrange.bound
    rise = (bound - lagrange.lp_bound) / max(abs(lagrange.lp_bound), 1e-9)
    run.say(
        "bound",
        f"{bound:,.0f} CNY by dataset ({rise:+.3%} over the relaxation): "
        f"{len(lagrange.open_datasets):,} datasets fractional, {lagrange.blocks_solved:,} solved exactly",
    )
    gap = opts.mip_rel_gap if opts.mip_rel_gap is not None else 0.0
    left = limit - (time.perf_counter() - t0)
    out = solve_guarded(  # half the time left at most: the whole model may need the rest
        restricted(am, relaxation, lagrange.open_datasets),
        time_limit_s=max(1.0, left / 2),
        mip_rel_gap=gap,
        threads=opts.threads,
        progress=None,
        stop_at=bound / (1.0 - gap) if bound > 0 else bound * (1.0 - gap),
    )
    seconds = time.perf_counter() - t0
    run.timings["handover_s"] = out.handover_s
    run.timings["restricted_s"] = out.seconds
    if out.objective is None or out.col_value is None:
        run.say("search", f"no plan from the restricted model ({out.model_status}); whole model next")
        return relaxation
    run.col_value = out.col_value
    objective = float(out.objective)
    proven = relative_gap(objective, bound) or 0.0
    run.say(
        "search",
        f"restricted model ({len(lagrange.open_datasets):,} datasets open, the rest as relaxed): "
        f"plan {objective:,.0f} CNY, {proven:.3%} above the bound",
    )
    status = Status.OPTIMAL if proven <= gap else Status.FEASIBLE
    termination = "Within the gap of the Lagrangian bound by dataset" if proven <= gap else out.model_status
    return SolveResult(status, objective, bound, proven, seconds, termination)


def _lp_guided_start(
    run: BulkRun, limit: float, threads: int | None, relaxation: Relaxation | None
) -> tuple[Any, float | None]:
    """A starting plan rounded from the LP relaxation (:mod:`eastwest_opt.solver.heuristic`), or None,
    and the relaxation's optimum (a valid lower bound), or None. ``relaxation`` is reused
    when the decomposition already solved it."""
    from eastwest_opt.solver.heuristic import lp_guided_start

    start, info = lp_guided_start(
        run.arrays, run.data, time_limit_s=min(limit / 2, 300.0), threads=threads, relaxation=relaxation
    )
    run.timings["heuristic_s"] = info.get("total_s", info.get("lp_s", 0.0))
    if start is None:
        run.say("start", "no starting plan from the LP relaxation; HiGHS searches alone")
    else:
        lp, obj = info["lp_bound"], info["start_objective"]
        run.say("start", f"LP bound {lp:,.0f} CNY; rounded starting plan {obj:,.0f} CNY ({(obj - lp) / obj:.2%} above)")
    return start, info.get("lp_bound")


def _greedy_start(run: BulkRun, limit: float, threads: int | None) -> np.ndarray | None:
    """The greedy plan of :func:`eastwest_opt.solver.heuristic.greedy_start`, or None; its LP of
    the continuous columns is given what is left of ``limit`` (at least :data:`SEARCH_MIN_S`)."""
    from eastwest_opt.solver.heuristic import greedy_start

    t0 = time.perf_counter()
    plan = greedy_start(run.arrays, run.data, time_limit_s=max(SEARCH_MIN_S, limit), threads=threads)
    run.timings["greedy_s"] = time.perf_counter() - t0
    if plan is None:
        run.say("start", "no greedy plan (capacities or links too tight for it)")
    else:
        run.say("start", f"greedy plan {float(run.arrays.col_cost @ plan):,.0f} CNY, in case the search finds none")
    return plan


def _support_start(run: BulkRun, limit: float, opts: SolveOptions) -> tuple[np.ndarray | None, float | None]:
    """A starting plan for a period model: the LP relaxation (a valid lower bound, returned
    too), then the model restricted to its support (:func:`lagrange.lp_support`) in a guarded
    child, each given a quarter of ``limit``. (None, bound) when the support gives no plan."""
    t0 = time.perf_counter()
    relaxation, _status = solve_relaxation(run.arrays, time_limit_s=limit / 4, threads=opts.threads)
    run.timings["relaxation_s"] = time.perf_counter() - t0
    if relaxation is None:
        return None, None
    out = solve_guarded(
        lp_support(run.arrays, relaxation),
        time_limit_s=max(1.0, limit / 4),
        mip_rel_gap=opts.mip_rel_gap if opts.mip_rel_gap is not None else 0.0,
        threads=opts.threads,
        progress=None,
    )
    run.timings["heuristic_s"] = time.perf_counter() - t0
    run.timings["handover_s"] = run.timings.get("handover_s", 0.0) + out.handover_s
    lp = relaxation.objective
    if out.objective is None or out.col_value is None:
        run.say("start", f"no plan from the relaxation's support ({out.model_status}); HiGHS searches alone")
        return None, lp
    obj = float(out.objective)
    run.say("start", f"LP bound {lp:,.0f} CNY; plan on its support {obj:,.0f} CNY ({(obj - lp) / obj:.2%} above)")
    return out.col_value, lp
