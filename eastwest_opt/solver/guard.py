"""Solve an array model in a child process that cannot outlive its time limit.

HiGHS checks its time limit at many points but not all: on portfolios of 50,000 jobs and more
it was measured spending minutes past a 120 s limit inside a root-node procedure, without
calling back (an upstream limitation, ERGO-Code/HiGHS issues 885 and 2226). A planner was
promised that a time limit returns the best plan found, so :func:`solve_guarded` runs HiGHS in
a forked child process that streams every improving plan and its bound to the parent. If the
child has not finished ``grace_s`` seconds after the limit, the parent stops it and returns the
last plan received (status ``"time limit (guard)"``): feasible with its bound and gap, or no
solution if none had been found.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

GUARD_STATUS = "Time limit reached (stopped by eastwest-opt's guard)"
TARGET_STATUS = "Stopped at a plan within the gap of the caller's bound"


@dataclass
class GuardedResult:
    """What the child (or the guard) reports."""

    model_status: str  # HiGHS's model status text, or GUARD_STATUS
    optimal: bool
    infeasible: bool
    objective: float | None
    bound: float | None
    col_value: np.ndarray | None
    seconds: float
    handover_s: float = 0.0  # building the HiGHS model from the arrays, in the child


def _child(arrays: Any, options: dict[str, Any], start: np.ndarray | None, conn: Any) -> None:
    """Runs in the child: solve, stream improving plans and progress, then the final answer."""
    import highspy

    from eastwest_opt.solver.highs import after_fork, to_highs

    after_fork()
    h = to_highs(
        arrays, time_limit_s=options["time_limit_s"], mip_rel_gap=options["mip_rel_gap"], threads=options["threads"]
    )
    h.setOptionValue("mip_detect_symmetry", False)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)

    stop_at = options.get("stop_at")
    reached = [False]

    def improving(event: Any) -> None:
        out = event.data_out
        objective = float(out.objective_function_value)
        conn.send(("plan", objective, float(out.mip_dual_bound), np.array(out.mip_solution)))
        if stop_at is not None and objective <= stop_at:
            reached[0] = True

    last = [0.0]

    def interrupt(event: Any) -> None:
        if reached[0]:
            event.data_in.user_interrupt = True
            return
        now = time.perf_counter()
        if now - last[0] >= 2.0:
            last[0] = now
            out = event.data_out
            conn.send(("progress", float(out.mip_primal_bound), float(out.mip_dual_bound)))

    h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipInterrupt.subscribe(interrupt)
    h.run()
    ms = h.getModelStatus()
    info = h.getInfo()
    has = info.primal_solution_status == 2  # kSolutionStatusFeasible
    conn.send(
        (
            "done",
            h.modelStatusToString(ms),
            ms == highspy.HighsModelStatus.kOptimal,
            ms in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible),
            float(info.objective_function_value) if has else None,
            float(info.mip_dual_bound),
            np.array(h.getSolution().col_value) if has else None,
        )
    )
    conn.close()


def solve_guarded(
    arrays: Any,
    *,
    time_limit_s: float,
    mip_rel_gap: float | None,
    threads: int | None,
    start: np.ndarray | None = None,
    progress: Callable[[str, str], None] | None = None,
    grace_s: float | None = None,
    child_time_limit_s: float | None = None,
    stop_at: float | None = None,
) -> GuardedResult:
    """Solve ``arrays`` (an :class:`~eastwest_opt.model.arrays.ArrayModel`) in a forked child process.

    The child gets ``time_limit_s``; the parent waits that long plus ``grace_s`` (default 2% of
    the limit plus 5 s) and then stops the child, keeping the best plan it had streamed.
    ``child_time_limit_s`` (default ``time_limit_s``) is the limit HiGHS itself is given; tests
    set it higher to see the guard act. With ``stop_at``, the first plan costing at most that
    much ends the solve (status :data:`TARGET_STATUS`): the caller holds a bound that already
    proves it good enough.
    """
    t0 = time.perf_counter()
    child_limit = child_time_limit_s if child_time_limit_s is not None else time_limit_s
    options = {"time_limit_s": child_limit, "mip_rel_gap": mip_rel_gap, "threads": threads, "stop_at": stop_at}
    if "fork" not in mp.get_all_start_methods():  # e.g. Windows: no guard, HiGHS in this process
        return _solve_here(arrays, options, start, t0)
    ctx = mp.get_context("fork")
    parent, child_end = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(arrays, options, start, child_end), daemon=True)
    proc.start()
    child_end.close()
    grace = grace_s if grace_s is not None else 0.02 * time_limit_s + 5.0
    deadline = t0 + time_limit_s + grace
    listener = _Listener(t0, stop_at, progress)
    try:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            if not parent.poll(min(remaining, 1.0)):
                if not proc.is_alive() and not parent.poll(0):
                    break
                continue
            try:
                message = parent.recv()
            except EOFError:
                break
            if message[0] == "done":
                proc.join(5.0)
            result = listener.take(message)
            if result is not None:
                return result
    finally:
        if proc.is_alive():
            proc.terminate()
            proc.join(5.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
    if progress is not None:
        progress("solve", f"HiGHS passed its time limit by {grace:.0f} s; stopped, keeping the best plan found")
    return listener.best_so_far(GUARD_STATUS)


class _Listener:
    """What the parent has heard from the child: the best plan streamed, the best bound seen."""

    def __init__(self, t0: float, stop_at: float | None, progress: Callable[[str, str], None] | None) -> None:
        self.t0, self.stop_at, self.progress = t0, stop_at, progress
        self.best: tuple[float, np.ndarray] | None = None
        self.bound = -math.inf
        self.handover = 0.0

    def best_so_far(self, status: str) -> GuardedResult:
        """The best plan streamed and the best bound seen, under ``status``."""
        objective, values = self.best if self.best is not None else (None, None)
        finite = self.bound if math.isfinite(self.bound) else None
        return GuardedResult(
            status, False, False, objective, finite, values, time.perf_counter() - self.t0, self.handover
        )

    def take(self, message: tuple) -> GuardedResult | None:
        """Take one message; the final result when it ends the solve, else ``None``."""
        kind = message[0]
        if kind == "handover":
            self.handover = float(message[1])
        elif kind == "plan":
            _, objective, dual, values = message
            if self.best is None or objective < self.best[0]:
                self.best = (objective, values)
            self.bound = max(self.bound, dual) if math.isfinite(dual) else self.bound
            if self.stop_at is not None and objective <= self.stop_at:
                return self.best_so_far(TARGET_STATUS)
        elif kind == "progress":
            _, primal, dual = message
            self.bound = max(self.bound, dual) if math.isfinite(dual) else self.bound
            if self.progress is not None:
                _report(self.progress, time.perf_counter() - self.t0, primal, dual)
        elif kind == "done":
            _, status, optimal, infeasible, objective, dual, values = message
            bound = self.bound if math.isfinite(self.bound) else None
            final_bound = dual if math.isfinite(dual) else bound
            if objective is None and self.best is not None:  # keep a streamed plan HiGHS did not return
                objective, values = self.best
            seconds = time.perf_counter() - self.t0
            return GuardedResult(status, optimal, infeasible, objective, final_bound, values, seconds, self.handover)
        return None


class _Inbox:
    """Collects what :func:`_child` would send through the pipe, for the in-process fallback."""

    def __init__(self) -> None:
        self.messages: list[tuple] = []

    def send(self, message: tuple) -> None:
        self.messages.append(message)

    def close(self) -> None:
        pass


def _solve_here(arrays: Any, options: dict[str, Any], start: np.ndarray | None, t0: float) -> GuardedResult:
    """Without fork: the same solve in this process, trusting HiGHS's own time limit."""
    inbox = _Inbox()
    _child(arrays, options, start, inbox)
    handover = next((float(m[1]) for m in inbox.messages if m[0] == "handover"), 0.0)
    _, status, optimal, infeasible, objective, dual, values = inbox.messages[-1]
    bound = dual if math.isfinite(dual) else None
    return GuardedResult(status, optimal, infeasible, objective, bound, values, time.perf_counter() - t0, handover)


def _report(progress: Callable[[str, str], None], elapsed: float, primal: float, dual: float) -> None:
    if math.isfinite(primal) and abs(primal) < 1e50:
        if math.isfinite(dual) and abs(dual) < 1e50:
            gap = max(0.0, primal - dual) / max(abs(primal), 1e-9)
            progress("solve", f"{elapsed:.0f} s: best plan {primal:,.0f} CNY, bound {dual:,.0f}, gap {gap:.3%}")
        else:
            progress("solve", f"{elapsed:.0f} s: best plan {primal:,.0f} CNY, no bound yet")
    else:
        bound = f"bound {dual:,.0f} CNY" if math.isfinite(dual) else "no bound yet"
        progress("solve", f"{elapsed:.0f} s: no plan yet, {bound}")
