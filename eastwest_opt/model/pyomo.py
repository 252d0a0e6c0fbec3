"""The placement model as a Pyomo model, assembled from the same rows as the array model.

:func:`to_pyomo` turns an :class:`~eastwest_opt.model.arrays.ArrayModel` into a
``ConcreteModel`` a planner can read and extend with constraints of their own:

- one variable per family, indexed as in ``models/placement.md``: ``m.x[group, hub]``,
  ``m.u[group]``, ``m.y[dataset, hub]``, ``m.s``, ``m.z``, ``m.q``, ``m.f[commodity, u, v]``,
  ``m.w[artifact group, route]``;
- one indexed constraint per family under its name (``m.hub_power[hub]``,
  ``m.accelerator_inventory[hub, accel]``, ...), each row exactly the array model's row;
- the bound of every family whose bound is a parameter as a mutable ``Param`` under the
  parameter's name (``m.grid_mw[hub]``, ``m.inventory``, ``m.storage_tb``, ``m.cap_tb``,
  ``m.carbon_budget_t``), and each objective term's coefficients as mutable ``Param``
  (``m.energy_coef`` ...), so that :func:`update_pyomo` writes a what-if's numbers into the
  built model and the persistent HiGHS interface re-solves it;
- the objective's terms as expressions (``m.cost_energy``, ``m.cost_carbon``,
  ``m.cost_storage``, ``m.cost_transfer``, ``m.cost_unplaced``), the emissions as
  ``m.emissions_t``, and ``m.objective`` their sum.

Because both models come from the same arrays, a family is written once
(:mod:`~eastwest_opt.model.families`); ``tests/test_matrix.py`` checks that HiGHS receives the
same matrix, bounds and costs either way.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from eastwest_opt.model.arrays import ArrayModel
from eastwest_opt.model.objective import Term


def to_pyomo(am: ArrayModel) -> pyo.ConcreteModel:
    """The Pyomo model of ``am`` (see the module docstring)."""
    m = pyo.ConcreteModel(name="eastwest-placement")
    columns = _add_variables(m, am)
    for family, (first, end) in am.row_blocks.items():
        _add_family(m, am, family, first, end, columns)
    parts = []
    for term in am.terms:
        parts.append(_add_term(m, term, columns, name=f"cost_{term.name}", coef=f"{term.name}_coef"))
    if am.emissions is not None:
        m.emissions_t = pyo.Expression(expr=_linear(am.emissions.coef.tolist(), _vars(columns, am.emissions.col)))
    m.objective = pyo.Objective(expr=sum(parts) if parts else 0.0, sense=pyo.minimize)
    return m


def _add_variables(m: pyo.ConcreteModel, am: ArrayModel) -> list[Any]:
    """One Pyomo variable per family; returns the variable object of every column, in order."""
    columns: list[Any] = [None] * am.num_col
    for name, (first, end) in am.col_blocks.items():
        keys = am.col_keys[name]
        lower, upper = am.col_lower[first:end], am.col_upper[first:end]
        integer = bool(am.integer[first]) if end > first else False
        binary = integer and bool(np.all(lower >= 0)) and bool(np.all(upper <= 1))
        domain = pyo.Binary if binary else (pyo.NonNegativeIntegers if integer else pyo.NonNegativeReals)
        bounds = {
            k: (float(lo), None if math.isinf(up) else float(up)) for k, lo, up in zip(keys, lower, upper, strict=True)
        }
        var = pyo.Var(_keyset(keys), domain=domain, bounds=_bounds_rule(bounds))
        m.add_component(name, var)
        for i, k in enumerate(keys):
            columns[first + i] = var[k]
    return columns


def _bounds_rule(bounds: dict[Any, tuple[float, float | None]]) -> Any:
    return lambda _m, *k: bounds[_key(k)]


def _key(k: tuple[Any, ...]) -> Any:
    return k[0] if len(k) == 1 else k


def _vars(columns: list[Any], cols: np.ndarray) -> list[Any]:
    return [columns[c] for c in cols.tolist()]


def _linear(coefs: list[float], variables: list[Any]) -> Any:
    return LinearExpression(constant=0.0, linear_coefs=coefs, linear_vars=variables)


def _add_family(m: pyo.ConcreteModel, am: ArrayModel, family: str, first: int, end: int, columns: list[Any]) -> None:
    """The rows ``[first, end)`` of ``am`` as one indexed constraint named after the family."""
    keys = am.row_keys[family]
    param_name = am.row_param.get(family)
    lower, upper = am.row_lower[first:end], am.row_upper[first:end]
    limit = None
    if param_name is not None:
        finite = np.where(np.isfinite(upper), upper, lower)
        limit = pyo.Param(_keyset(keys), initialize=dict(zip(keys, finite.tolist(), strict=True)), mutable=True)
        m.add_component(param_name, limit)
    start, index, value = am.start, am.index, am.value

    def rule(_m: pyo.ConcreteModel, *k: Any) -> Any:
        key = _key(k)
        i = position[key]
        r = first + i
        lo, hi = lower[i], upper[i]
        body = _linear(value[start[r] : start[r + 1]].tolist(), _vars(columns, index[start[r] : start[r + 1]]))
        if limit is not None:
            return body <= limit[key] if math.isfinite(hi) else body >= limit[key]
        if lo == hi:
            return body == float(lo)
        if math.isinf(lo):
            return body <= float(hi)
        if math.isinf(hi):
            return body >= float(lo)
        return (float(lo), body, float(hi))

    position = {k: i for i, k in enumerate(keys)}
    m.add_component(family, pyo.Constraint(_keyset(keys), rule=rule))


def _keyset(keys: list[Any]) -> pyo.Set:
    dimen = len(keys[0]) if keys and isinstance(keys[0], tuple) else 1
    return pyo.Set(initialize=keys, dimen=dimen, ordered=True)


def _add_term(m: pyo.ConcreteModel, term: Term, columns: list[Any], *, name: str, coef: str) -> Any:
    """An objective term as an expression whose coefficients are a mutable ``Param``."""
    n = len(term.col)
    param = pyo.Param(range(n), initialize=dict(enumerate(term.coef.tolist())), mutable=True)
    m.add_component(coef, param)
    variables = _vars(columns, term.col)
    expr = sum(param[i] * variables[i] for i in range(n)) if n else 0.0
    m.add_component(name, pyo.Expression(expr=expr))
    return m.component(name)


def update_pyomo(m: pyo.ConcreteModel, new: ArrayModel) -> None:
    """Write the costs and parameter bounds of ``new`` into a Pyomo model built from arrays of
    the same structure (the caller checks :meth:`ArrayModel.same_structure`)."""
    for term in new.terms:
        param = m.component(f"{term.name}_coef")
        for i, value in enumerate(term.coef.tolist()):
            param[i] = value
    for family, name in new.row_param.items():
        first, end = new.row_blocks[family]
        upper, lower = new.row_upper[first:end], new.row_lower[first:end]
        finite = np.where(np.isfinite(upper), upper, lower)
        param = m.component(name)
        for key, value in zip(new.row_keys[family], finite.tolist(), strict=True):
            param[key] = value
