"""HiGHS's one scheduler per process (highs_threads.py): solves with other thread counts in the
same process, and forked children after a parent ran HiGHS with two threads, still solve."""

from __future__ import annotations

import pytest

import eastwest_opt as ew
import eastwest_opt.solver as solver_module
from eastwest_opt.generate import generate_scenario
from eastwest_opt.solver import PlacementModel, SolveOptions, solve_model


def test_solves_with_other_thread_counts_in_one_process() -> None:
    """HiGHS refuses a run whose ``threads`` differs from its first run's; before the restart
    the second solve here ended in 'no feasible plan found'."""
    scenario = ew.load_scenario()
    objectives = [ew.solve(scenario, threads=threads).objective_cny for threads in (1, 2, None, 1)]
    assert objectives == pytest.approx([objectives[0]] * 4, rel=1e-9)


def test_forked_solves_after_the_parent_ran_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decomposition solves the relaxation in this process with two threads, then the
    restricted model in a forked child, whose copy of the scheduler has no workers: before the
    child dropped it, the child waited until the guard stopped it, with the first rounded plan."""
    monkeypatch.setattr(solver_module, "DECOMPOSITION_MIN_COLUMNS", 0)
    scenario = generate_scenario(400, 30, seed=3)
    plans = []
    for threads in (2, 1):
        pm = PlacementModel.build(scenario, builder="arrays")
        plans.append(solve_model(pm, SolveOptions(mip_rel_gap=1e-3, threads=threads, time_limit_s=60)))
        assert "restricted_s" in pm.timings
    for plan in plans:
        assert plan.verified and plan.status == "optimal", plan.solver["termination"]
        assert plan.timings["solve_s"] < 30.0
    assert plans[0].objective_cny == pytest.approx(plans[1].objective_cny, rel=2e-3)
