"""Solver controls (time limit, gap, threads) and honest statuses."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from builders import tiny_scenario

import eastwest_opt as ew
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions, Status


def _hard(tmp_path: Path, n_jobs: int = 30, seed: int = 7) -> ew.Scenario:
    """A tight random knapsack-like portfolio: many jobs, power binding at every hub."""
    rng = random.Random(seed)
    hubs = [
        {
            "hub_id": f"h{i}",
            "price_cny_per_kwh": round(rng.uniform(0.3, 0.7), 3),
            "grid_mw": 0.0,
            "grid_region": f"R{i % 3}",
        }
        for i in range(5)
    ]
    jobs = [
        {
            "job_id": f"j{k}",
            "dataset_id": "d",
            "accel_count": rng.randint(50, 900),
            "runtime_h": rng.randint(20, 100),
            "unplaced_penalty_cny": rng.randint(20_000, 60_000),
        }
        for k in range(n_jobs)
    ]
    total_mw = sum(j["accel_count"] for j in jobs) / 1000
    for h in hubs:
        h["grid_mw"] = round(total_mw / len(hubs) * 0.8, 3)
    links = [{"link_id": f"l{i}", "hub_a": "h0", "hub_b": f"h{i}"} for i in range(1, 5)]
    return tiny_scenario(
        tmp_path / "hard", hubs=hubs, links=links, datasets=[{"dataset_id": "d", "origin_hub": "h0"}], jobs=jobs
    )


def test_scenario_defaults_and_caller_overrides(tmp_path: Path) -> None:
    sc = _hard(tmp_path, n_jobs=5)
    opts = SolveOptions(time_limit_s=None, mip_rel_gap=0.01, threads=None).resolved(sc)
    assert opts == SolveOptions(time_limit_s=30.0, mip_rel_gap=0.01, threads=1)


def test_gap_is_honoured_and_reported(tmp_path: Path) -> None:
    sc = _hard(tmp_path)
    exact = ew.solve(sc, mip_rel_gap=0.0, time_limit_s=60)
    loose = ew.solve(sc, mip_rel_gap=0.05, time_limit_s=60)
    assert exact.status == loose.status == "optimal"
    assert exact.verified and loose.verified
    assert exact.gap is not None and exact.gap <= 1e-9
    assert loose.gap is not None and loose.gap <= 0.05
    assert loose.bound_cny <= exact.objective_cny + 1e-6 <= loose.objective_cny + 1e-6
    assert loose.objective_cny <= exact.objective_cny * 1.05 + 1e-6


def test_time_limit_returns_best_plan_with_bound_or_says_no_solution(tmp_path: Path) -> None:
    sc = _hard(tmp_path, n_jobs=400, seed=11)
    pm = PlacementModel.build(sc)
    result = pm.run(SolveOptions(time_limit_s=0.05, mip_rel_gap=0.0, threads=1))
    assert result.status in (Status.FEASIBLE, Status.NO_SOLUTION, Status.OPTIMAL)
    assert result.termination in ("maxTimeLimit", "convergenceCriteriaSatisfied")
    if result.status == Status.FEASIBLE:
        assert result.bound is not None and result.bound <= result.objective + 1e-6
        assert result.gap is not None and result.gap >= 0
    # Through the API (a second solve, which may stop at another point under the machine's load):
    # either a verified plan with an honest bound, or the one clear error; never anything else.
    try:
        plan = ew.solve(sc, time_limit_s=0.05, mip_rel_gap=0.0, threads=1)
    except ew.NoSolutionError as err:
        assert str(err) == "no feasible plan found within the time limit of 0.05 s; raise --time-limit"
    else:
        assert plan.verified and plan.status in ("feasible", "optimal")
        assert plan.bound_cny <= plan.objective_cny + 1e-6


def test_infeasible_is_reported_not_returned(tmp_path: Path) -> None:
    sc = tiny_scenario(
        tmp_path / "inf",
        hubs=[{"hub_id": "a", "grid_mw": 2.0}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[
            {"job_id": "j1", "dataset_id": "d"},
            {"job_id": "j2", "dataset_id": "d"},
            {"job_id": "j3", "dataset_id": "d"},
        ],
    )
    with pytest.raises(ew.InfeasibleError, match="has no feasible plan"):
        ew.solve(sc)
    pm = PlacementModel.build(sc)
    assert pm.run(SolveOptions()).status == Status.INFEASIBLE
