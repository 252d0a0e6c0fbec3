"""The floor for modelling overhead: the placement model built from arrays straight into highspy.

The builder is :mod:`eastwest_opt.model.arrays`: the same mixed-integer program as
``eastwest_opt.model.build_model``, column for column and row for row, assembled with numpy as
one row-wise sparse matrix and handed to HiGHS with a single ``passModel``. With
``prepare(..., aggregate=False)`` it is the plain model (one binary ``x`` per allowed (job, hub));
with ``aggregate=True`` it is the grouped matrix (integer counts per group of identical jobs).

    from eastwest_opt.scenario.network import build_network
    from eastwest_opt.model.data import prepare
    data = prepare(scenario, build_network(scenario), aggregate=False)
    result = solve_floor(data, time_limit_s=120, mip_rel_gap=1e-3, threads=2)

"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from eastwest_opt.model.arrays import ArrayModel, build_arrays
from eastwest_opt.model.data import ModelData
from eastwest_opt.solver.highs import to_highs

__all__ = ["ArrayModel", "FloorResult", "build_arrays", "solve_floor", "to_highs"]


@dataclass
class FloorResult:
    """Outcome of a floor solve, with the seconds of each step."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    timings: dict[str, float]
    col_value: np.ndarray | None = None
    model: ArrayModel | None = None


def solve_floor(
    data: ModelData,
    *,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    keep_solution: bool = False,
) -> FloorResult:
    """Build ``data`` as arrays, pass it to HiGHS and solve; objective, bound, gap and seconds."""
    t0 = time.perf_counter()
    model = build_arrays(data)
    t1 = time.perf_counter()
    h = to_highs(model, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap, threads=threads)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(info.objective_function_value) if has_solution else None
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    gap = None
    if objective is not None and bound is not None:
        gap = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    values = np.array(h.getSolution().col_value) if keep_solution and has_solution else None
    return FloorResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        timings={"arrays_s": t1 - t0, "pass_s": t2 - t1, "solve_s": t3 - t2},
        col_value=values,
        model=model if keep_solution else None,
    )
