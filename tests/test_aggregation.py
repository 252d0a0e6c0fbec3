"""Exact aggregation of identical jobs: the same optimum as one binary per job."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from test_bruteforce import make_instance, write_instance

import eastwest_opt as ew
from eastwest_opt.api import solve_model
from eastwest_opt.model.data import job_groups
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions

OPTS = SolveOptions(time_limit_s=60, mip_rel_gap=0.0, threads=1)


def _with_twins(folder: Path, seed: int) -> ew.Scenario:
    """A random tiny scenario whose jobs are each repeated 1-4 times under new ids."""
    scenario = ew.load_scenario(folder)
    rng = random.Random(seed)
    jobs = scenario.jobs
    rows = []
    for _, job in jobs.iterrows():
        for k in range(rng.randint(1, 4)):
            twin = job.copy()
            twin["job_id"] = f"{job['job_id']}-{k}"
            rows.append(twin)
    twins = pd.DataFrame(rows).reset_index(drop=True)
    twins["serving_hubs"] = twins["serving_hubs"].map(";".join)
    twins["allowed_hubs"] = twins["allowed_hubs"].map(";".join)
    twins.to_csv(folder / "jobs.csv", index=False)
    return ew.load_scenario(folder)


def test_groups_gather_only_identical_jobs(tmp_path: Path) -> None:
    scenario = _with_twins(write_instance(make_instance(3), tmp_path / "s"), 3)
    groups = job_groups(scenario)
    assert groups["size"].sum() == len(scenario.jobs)
    jobs = scenario.jobs.set_index("job_id")
    for members in groups["members"]:
        base = jobs.loc[members[0]]
        for other in members[1:]:
            assert jobs.loc[other].drop("name").equals(base.drop("name"))
    assert groups["size"].max() > 1
    assert (job_groups(scenario, aggregate=False)["size"] == 1).all()


@pytest.mark.parametrize("seed", range(12))
def test_aggregated_optimum_equals_one_binary_per_job(seed: int, tmp_path: Path) -> None:
    folder = write_instance(make_instance(seed), tmp_path / "s")
    try:
        scenario = _with_twins(folder, seed)
    except ew.ScenarioError:
        pytest.skip("generator made an unroutable scenario")
    try:
        grouped = solve_model(PlacementModel.build(scenario), OPTS)
    except ew.InfeasibleError:
        with pytest.raises(ew.InfeasibleError):
            solve_model(PlacementModel.build(scenario, aggregate=False), OPTS)
        return
    single = solve_model(PlacementModel.build(scenario, aggregate=False), OPTS)
    assert grouped.verified and single.verified
    assert grouped.objective_cny == pytest.approx(single.objective_cny, rel=1e-9, abs=1e-6)
    assert len(grouped.placements) == len(scenario.jobs)
