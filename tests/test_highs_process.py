"""HiGHS's state per process (highs_process.py): solves with other thread counts in the same
process, forked children after a parent ran HiGHS with two threads, and no banner on stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import eastwest_opt as ew
import eastwest_opt.solver.bulk as solver_module
from eastwest_opt.api import solve_model
from eastwest_opt.generate import generate_scenario, write_scenario
from eastwest_opt.solver.guard import GUARD_STATUS
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions


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
        # the child ended by itself (HiGHS or the stop at the Lagrangian bound), not by the guard
        assert plan.solver["termination"] != GUARD_STATUS
    assert plans[0].objective_cny == pytest.approx(plans[1].objective_cny, rel=2e-3)


@pytest.mark.parametrize("jobs", [0, 5000])  # 0: the shipped scenario (Pyomo); 5,000: arrays, decomposed
def test_standard_output_holds_the_summary_and_nothing_of_highs(tmp_path: Path, jobs: int) -> None:
    """highspy 1.16 prints a banner at the first Highs() of a process, before any option can
    stop it; a fresh process's standard output must start with the plan's summary."""
    args = ["solve", "--quiet", "--time-limit", "60"]
    if jobs:
        folder = tmp_path / "portfolio"
        write_scenario(generate_scenario(jobs, jobs // 20, seed=0), folder)
        args.insert(1, str(folder))
    code = "from eastwest_opt.cli import app; app()"
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "HiGHS" not in out.stdout and "HiGHS" not in out.stderr
    name = "eight-hubs" if not jobs else f"generated-{jobs}j-{jobs // 20}d-s0"
    assert out.stdout.startswith(f"{name}: optimal, verified."), out.stdout[:200]
