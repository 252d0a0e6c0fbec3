"""Always an answer: a time limit returns a plan when a greedy one is easy to build (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

import eastwest_opt as ew
from eastwest_opt.generate import generate_scenario
from eastwest_opt.model.arrays import build_arrays
from eastwest_opt.model.data import prepare
from eastwest_opt.scenario.network import build_network
from eastwest_opt.solver.heuristic import greedy_start, satisfies_rows
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions, Status


def test_greedy_plan_of_the_shipped_scenario_satisfies_every_row_and_costs_at_least_the_optimum() -> None:
    scenario = ew.load_scenario()
    data = prepare(scenario, build_network(scenario))
    am = build_arrays(data)
    x = greedy_start(am, data, threads=1)
    assert x is not None
    assert satisfies_rows(am, x)
    assert not satisfies_rows(am, np.zeros(am.num_col))  # the must-place jobs are not placed
    optimum = ew.solve(scenario, mip_rel_gap=0.0, threads=1)
    assert optimum.status == "optimal"
    assert float(am.col_cost @ x) >= optimum.objective_cny - 1e-6


def test_a_tiny_time_limit_on_two_thousand_jobs_still_returns_a_verified_plan() -> None:
    scenario = generate_scenario(2000, 100, seed=0)
    # Before the greedy plan, this solve ended without any plan (NoSolutionError).
    plan = ew.solve(scenario, time_limit_s=0.3, mip_rel_gap=0.0, threads=1, builder="arrays")
    assert plan.verified and plan.status in ("feasible", "optimal")
    if plan.bound_cny is not None:
        assert plan.bound_cny <= plan.objective_cny + 1e-6
    pm = PlacementModel.build(scenario, builder="arrays")
    result = pm.run(SolveOptions(time_limit_s=0.3, mip_rel_gap=0.0, threads=1))
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL)
    column = pm.solution_vector()
    assert column is not None and satisfies_rows(pm.arrays, column)
    assert float(pm.arrays.col_cost @ column) == pytest.approx(result.objective, rel=1e-9)


def test_the_pyomo_path_also_returns_the_greedy_plan_when_highs_finds_none() -> None:
    """Models below the array builder's size go through Pyomo; a tiny limit there ended with no
    plan too (measured: 0.3 s on this portfolio). The greedy plan is loaded into the model."""
    scenario = generate_scenario(2000, 100, seed=0)
    pm = PlacementModel.build(scenario, builder="pyomo")
    result = pm.run(SolveOptions(time_limit_s=0.05, mip_rel_gap=0.0, threads=1))
    assert result.status in (Status.FEASIBLE, Status.OPTIMAL)
    column = pm.solution_vector()
    assert column is not None and satisfies_rows(pm.arrays, column)
    assert float(pm.arrays.col_cost @ column) == pytest.approx(result.objective, rel=1e-6)
    plan = ew.solve(scenario, time_limit_s=0.05, mip_rel_gap=0.0, threads=1, builder="pyomo")
    assert plan.verified and plan.status in ("feasible", "optimal")
    if plan.bound_cny is not None:
        assert plan.bound_cny <= plan.objective_cny + 1e-6
