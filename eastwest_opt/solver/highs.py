"""Handing models to HiGHS, and HiGHS's state per process: its start-up banner and its thread scheduler.

:func:`to_highs` passes an :class:`~eastwest_opt.model.arrays.ArrayModel` to a new ``highspy.Highs``
in one ``passModel`` call (:func:`pass_model`); every ``Highs`` this package runs is made by
:func:`new_highs`.

From highspy 1.16 the first ``Highs()`` of a process prints a banner on standard output before
any option can silence it, which would land in the middle of a plan's summary (or a piped
table); :func:`new_highs` builds every ``Highs`` this package runs with the banner muted.

HiGHS runs parallel work on one scheduler per process, fixed at its first run.
HiGHS starts a global task scheduler the first time it runs, with the ``threads`` option of that
run (0: HiGHS chooses), and refuses a later run in the same process that asks for another count
("global scheduler has already been initialized"): a second solve with other ``threads`` would
fail as if no plan existed. A forked child inherits the parent's scheduler without its worker
threads, and a parallel task there waits forever. Every HiGHS run with a ``threads`` option goes
through :func:`use_threads`; a forked child calls :func:`after_fork` first.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    from eastwest_opt.model.arrays import ArrayModel

_banner_shown = False  # highspy prints its banner once per process, at the first Highs()
_started: int | None = None  # the count this process's scheduler was started with; None: not known


def use_threads(threads: int | None) -> None:
    """Before a HiGHS run asking for ``threads`` (None: HiGHS chooses): restart the scheduler
    if it runs with another count (waits for its workers to stop)."""
    global _started
    want = 0 if threads is None else int(threads)
    if _started is not None and _started != want:
        highspy.Highs.resetGlobalScheduler(True)
    _started = want


def after_fork() -> None:
    """In a forked child: drop the scheduler copied from the parent (its workers do not exist
    here, so nothing is waited for); the next run starts a new one."""
    global _started
    highspy.Highs.resetGlobalScheduler(False)
    _started = None


def new_highs() -> highspy.Highs:
    """A silent ``highspy.Highs`` (``output_flag`` off); the first one of the process is built
    with standard output pointed at the null device, so that its banner is not printed."""
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
    h.setOptionValue("output_flag", False)
    return h


def to_highs(
    model: ArrayModel,
    *,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    output: bool = False,
) -> highspy.Highs:
    """A ``highspy.Highs`` holding ``model`` (one ``passModel`` call) with the given options."""
    h = new_highs()
    h.setOptionValue("output_flag", output)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if mip_rel_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    use_threads(threads)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    status = pass_model(
        h,
        model.col_cost,
        model.col_lower,
        model.col_upper,
        model.integer,
        model.row_lower,
        model.row_upper,
        model.start,
        model.index,
        model.value,
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused the model (passModel returned an error)")
    return h


def pass_model(
    h: highspy.Highs,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    start: np.ndarray,
    index: np.ndarray,
    value: np.ndarray,
) -> highspy.HighsStatus:
    """Hand a minimisation with a row-wise sparse matrix (``start``, ``index``, ``value``) to
    ``h`` in one ``passModel`` call."""
    return h.passModel(
        len(cost),
        len(row_lower),
        len(value),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        cost,
        col_lower,
        col_upper,
        row_lower,
        row_upper,
        np.asarray(start).astype(np.int32),
        np.asarray(index).astype(np.int32),
        value,
        np.asarray(integer).astype(np.int32),
    )
