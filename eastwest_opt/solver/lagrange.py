"""A Lagrangian bound by dataset, and the restricted model of the datasets it leaves open.

Large portfolios are solved in three steps (``models/placement.md``, "Decomposition by
dataset"); this module holds the mathematics, :mod:`eastwest_opt.solver` the sequence.

**Blocks.** Every column of the placement model belongs to one dataset ``d`` (``x`` and ``u``
of its job groups, ``y``, ``s``, ``z`` and ``q`` of ``d``) except the traffic ``f`` and artifact
routes ``w``. The rows ``assignment``, ``replica_count``, ``region_cover``, ``region_spread``,
``data_gravity``, ``staging_supply`` and ``staging_source`` each touch one dataset; the rows in
families that declare themselves linking (``hub_power``, ``accelerator_inventory``, ``storage``,
``flow_conservation``, ``link_capacity``, ``artifact_delivery``, ``carbon_budget``) tie
datasets together. With ``X_d`` the integer points of dataset ``d``'s own rows, the model is

    min  c'v   s.t.  v_d ∈ X_d  ∀ d,   l_L <= A_L v <= u_L.

**Bound.** For multipliers ``π`` on the linking rows with ``π_r >= 0`` where ``l_r`` is finite
and ``π_r <= 0`` where ``u_r`` is finite (both signs on equalities), every feasible ``v``
satisfies ``c'v >= (c - A_L'π)'v + Σ_r π_r b_r`` with ``b_r = l_r`` if ``π_r > 0`` else ``u_r``,
so

    L(π) = Σ_r π_r b_r + Σ_{j linking} min_{v_j ∈ [l_j, u_j]} c̃_j v_j + Σ_d min_{v_d ∈ X_d} c̃_d'v_d,
    c̃ = c - A_L'π

is a lower bound on the optimum, for any such ``π``. With ``π`` the optimal duals of the
linear relaxation, the same expression over the relaxed sets ``X_d^LP`` (integrality dropped) equals
the relaxation's optimum ``z_LP`` (LP duality), and the relaxation's own solution ``v̄_d``
attains each block's minimum. Hence

    L(π) = z_LP + Σ_d ( min_{v_d ∈ X_d} c̃_d'v_d - c̃_d'v̄_d ) >= z_LP,

and only datasets whose ``v̄_d`` has a fractional integer column can add anything: the others'
``v̄_d`` is already an integer minimiser. Each such block is a small mixed-integer program (one
dataset over eight hubs) solved exactly with HiGHS; its dual bound, not its incumbent, enters
the sum, so the bound stays valid if a block stops early. The bound is as exact as the
relaxation's optimality tolerances (1e-7 relative in HiGHS).

**Restricted model.** The integer columns of every dataset whose relaxation is integral are
fixed to the relaxation's values; the columns of the others and every continuous column stay
free. Any plan of the restricted model is a plan of the full one.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from eastwest_opt.model.arrays import ArrayModel
from eastwest_opt.solver.highs import new_highs, pass_model, to_highs

INTEGRAL_TOL = 1e-6  # an integer column within this of an integer counts as integral


SUPPORT_TOL = 1e-6  # an LP value at most this is zero for lp_support


@dataclass
class Relaxation:
    """The linear relaxation's optimum: objective, column values and row duals."""

    objective: float
    col_value: np.ndarray
    row_dual: np.ndarray
    seconds: float


@dataclass
class LagrangeBound:
    """The bound ``L(π)`` at the relaxation's duals and where it came from."""

    bound: float  # L(π) >= lp_bound
    lp_bound: float
    open_datasets: np.ndarray  # dataset positions whose relaxation is fractional
    blocks_solved: int  # of those, blocks whose integer minimum entered the bound
    seconds: float


def solve_relaxation(
    am: ArrayModel, *, time_limit_s: float | None = None, threads: int | None = None
) -> tuple[Relaxation | None, str]:
    """The linear relaxation of ``am`` solved by HiGHS: (relaxation, HiGHS's model status).

    The relaxation is ``None`` unless HiGHS proved it optimal; a status of ``"Infeasible"``
    means the mixed-integer program has no plan either.
    """
    import highspy

    t0 = time.perf_counter()
    h = to_highs(am, time_limit_s=time_limit_s, threads=threads)
    n = am.num_col
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return None, h.modelStatusToString(status)
    solution = h.getSolution()
    relaxation = Relaxation(
        objective=float(h.getInfo().objective_function_value),
        col_value=np.array(solution.col_value),
        row_dual=np.array(solution.row_dual),
        seconds=time.perf_counter() - t0,
    )
    return relaxation, h.modelStatusToString(status)


def _linking_mask(am: ArrayModel) -> np.ndarray:
    """The rows that tie datasets together, as each constraint family declares them."""
    if am.row_linking is None:
        return np.ones(am.num_row, dtype=bool)
    return am.row_linking


def _row_of_entry(am: ArrayModel) -> np.ndarray:
    return np.repeat(np.arange(am.num_row, dtype=np.int64), np.diff(am.start))


def row_datasets(am: ArrayModel) -> np.ndarray | None:
    """The dataset of each non-linking row (-1 for linking rows), or ``None`` when some
    non-linking row touches columns of two datasets (the model is then not block-angular)."""
    if am.col_dataset is None:
        return None
    linking = _linking_mask(am)
    rows = _row_of_entry(am)
    col_ds = am.col_dataset[am.index]
    out = np.full(am.num_row, -1, dtype=np.int64)
    own = ~linking[rows]
    out[rows[own]] = col_ds[own]  # any entry's dataset; checked below
    if np.any(col_ds[own] != out[rows[own]]) or np.any(col_ds[own] < 0):
        return None
    return out


def lagrangian_bound(am: ArrayModel, relaxation: Relaxation, *, time_limit_s: float = math.inf) -> LagrangeBound:
    """``L(π)`` at the relaxation's row duals (see the module docstring).

    Blocks are solved until ``time_limit_s`` has passed; a block not solved contributes its
    relaxation value, which keeps the bound valid.
    """
    t0 = time.perf_counter()
    v = relaxation.col_value
    fractional = am.integer & (np.abs(v - np.round(v)) > INTEGRAL_TOL)
    row_ds = row_datasets(am)
    if row_ds is None or am.col_dataset is None:
        return LagrangeBound(relaxation.objective, relaxation.objective, np.zeros(0, dtype=np.int64), 0, 0.0)
    open_ds = np.unique(am.col_dataset[fractional & (am.col_dataset >= 0)])
    if np.any(fractional & (am.col_dataset < 0)):  # an integer linking column: no block structure to use
        return LagrangeBound(relaxation.objective, relaxation.objective, open_ds, 0, time.perf_counter() - t0)

    # multipliers on the linking rows, with the signs that keep L(π) a bound
    linking = _linking_mask(am)
    pi = np.where(linking, relaxation.row_dual, 0.0)
    pi = np.where(np.isneginf(am.row_lower) & (pi > 0), 0.0, pi)
    pi = np.where(np.isposinf(am.row_upper) & (pi < 0), 0.0, pi)
    rows = _row_of_entry(am)
    reduced = am.col_cost - np.bincount(am.index, weights=am.value * pi[rows], minlength=am.num_col)

    # the rows and columns of each open dataset
    col_order = np.argsort(am.col_dataset, kind="stable")
    col_sorted = am.col_dataset[col_order]
    row_order = np.argsort(row_ds, kind="stable")
    row_sorted = row_ds[row_order]
    local = np.full(am.num_col, -1, dtype=np.int64)
    gain = 0.0
    solved = 0
    for d in open_ds:
        if time.perf_counter() - t0 > time_limit_s:
            break
        cols = col_order[np.searchsorted(col_sorted, d) : np.searchsorted(col_sorted, d, side="right")]
        block_rows = row_order[np.searchsorted(row_sorted, d) : np.searchsorted(row_sorted, d, side="right")]
        minimum = _block_minimum(am, cols, block_rows, reduced, local)
        if minimum is None:
            continue
        gain += max(0.0, minimum - float(reduced[cols] @ v[cols]))
        solved += 1
    return LagrangeBound(relaxation.objective + gain, relaxation.objective, open_ds, solved, time.perf_counter() - t0)


def _block_minimum(
    am: ArrayModel, cols: np.ndarray, rows: np.ndarray, cost: np.ndarray, local: np.ndarray
) -> float | None:
    """HiGHS's dual bound on ``min cost'v`` over one dataset's own rows, columns and
    integrality, or ``None`` if it gave none. Blocks run with HiGHS's default ``threads``,
    which any running scheduler accepts (a block is far too small to gain from threads)."""
    import highspy

    local[cols] = np.arange(len(cols))
    starts = am.start[rows]
    ends = am.start[rows + 1]
    entries = np.concatenate([np.arange(a, b) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)])
    index = local[am.index[entries]]
    local[cols] = -1
    if np.any(index < 0):
        return None
    row_start = np.concatenate([[0], np.cumsum(ends - starts)])
    h = new_highs()
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("time_limit", 10.0)
    pass_model(
        h,
        cost[cols],
        am.col_lower[cols],
        am.col_upper[cols],
        am.integer[cols],
        am.row_lower[rows],
        am.row_upper[rows],
        row_start,
        index,
        am.value[entries],
    )
    if h.run() == highspy.HighsStatus.kError:
        return None
    status = h.getModelStatus()
    if status not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        return None  # an infeasible or failed block proves nothing here; the relaxation's value stands
    bound = float(h.getInfo().mip_dual_bound)
    return bound if math.isfinite(bound) else None


def restricted(am: ArrayModel, relaxation: Relaxation, open_datasets: np.ndarray) -> ArrayModel:
    """``am`` with the integer columns of every dataset not in ``open_datasets`` fixed to the
    relaxation's (integral) values; the arrays are shared, only the column bounds are new."""
    assert am.col_dataset is not None
    fix = am.integer & ~np.isin(am.col_dataset, open_datasets) & (am.col_dataset >= 0)
    values = np.round(relaxation.col_value[fix])
    lower = am.col_lower.copy()
    upper = am.col_upper.copy()
    lower[fix] = np.clip(values, am.col_lower[fix], am.col_upper[fix])
    upper[fix] = lower[fix]
    return replace(am, col_lower=lower, col_upper=upper)


def lp_support(am: ArrayModel, relaxation: Relaxation, keep_free: tuple[str, ...] = ("u",)) -> ArrayModel:
    """``am`` with every integer column the relaxation leaves at zero (and whose lower bound is
    zero) fixed to zero, except those of the families ``keep_free`` (unplaced jobs, so that a
    job the support cannot place may stay out at its penalty). Its plans are plans of ``am``;
    the arrays are shared, only the upper bounds are new."""
    zero = am.integer & (relaxation.col_value <= SUPPORT_TOL) & (am.col_lower == 0)
    for name in keep_free:
        first, end = am.col_blocks.get(name, (0, 0))
        zero[first:end] = False
    upper = am.col_upper.copy()
    upper[zero] = 0.0
    return replace(am, col_upper=upper)
