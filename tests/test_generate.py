"""Generated portfolios: deterministic, realistic, feasible, loadable; the benchmark floor is the same model."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import OutputExistsError
from eastwest_opt.generate import generate_scenario, repeat_fraction, write_scenario
from eastwest_opt.model.data import job_groups, prepare
from eastwest_opt.scenario.network import build_network
from eastwest_opt.scenario.schema import TABLE_ORDER

ROOT = Path(__file__).resolve().parents[1]
EAST = {"bth", "yrd", "gba"}


@pytest.fixture(scope="module")
def portfolio() -> ew.Scenario:
    return generate_scenario(5000, 250, 11)


def _assert_same(a: ew.Scenario, b: ew.Scenario) -> None:
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_dtype=True, obj=name)
    for setting in ("name", "planning_window_hours", "allow_unplaced", "artifact_paths_k", "solver", "carbon_budget_t"):
        assert getattr(a, setting) == getattr(b, setting), setting


def test_same_seed_gives_identical_tables_and_another_seed_does_not() -> None:
    first, again = generate_scenario(400, 20, 7), generate_scenario(400, 20, 7)
    _assert_same(first, again)
    other = generate_scenario(400, 20, 8)
    assert not first.jobs.equals(other.jobs)
    assert len(first.jobs) == 400 and len(first.datasets) == 20
    assert first.jobs["job_id"].is_unique


def test_written_folder_loads_back_to_the_same_scenario(tmp_path: Path) -> None:
    scenario = generate_scenario(300, 15, 3)
    folder = write_scenario(scenario, tmp_path / "gen")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folder left behind"
    _assert_same(scenario, ew.load_scenario(folder))
    assert "serving_hubs" in (folder / "jobs.csv").read_text().splitlines()[0]
    with pytest.raises(OutputExistsError):
        write_scenario(scenario, folder)
    write_scenario(generate_scenario(50, 5, 4), folder, overwrite=True)
    assert len(ew.load_scenario(folder).jobs) == 50


def test_datasets_are_born_mostly_east_with_heavy_tailed_sizes_and_the_class_mix(portfolio: ew.Scenario) -> None:
    ds = portfolio.datasets
    assert 0.72 <= ds["origin_hub"].isin(EAST).mean() <= 0.88
    size = ds["size_tb"]
    assert size.min() >= 1.0 and size.max() <= 5000.0
    assert size.mean() > 2.5 * size.median(), "a lognormal tail: the mean far above the median"
    assert size.quantile(0.99) > 30 * size.median()
    mix = ds["class_id"].value_counts(normalize=True)
    for cls, share in {"public": 0.55, "personal-info": 0.25, "origin-only": 0.10, "gov-north": 0.10}.items():
        assert abs(mix.get(cls, 0.0) - share) < 0.07, (cls, mix.get(cls))
    gov = ds[ds["class_id"] == "gov-north"]
    assert set(gov["origin_hub"]) <= {"bth", "imo"}
    assert (ds.loc[ds["class_id"] == "origin-only", "min_replicas"] == 1).all()


def test_jobs_mix_sizes_repeat_shapes_and_price_penalties_from_energy(portfolio: ew.Scenario) -> None:
    jobs = portfolio.jobs
    count = jobs["accel_count"]
    assert 0.75 <= (count <= 256).mean() <= 0.85
    assert 0.13 <= count.between(512, 1024).mean() <= 0.21
    assert 0.02 <= (count >= 2048).mean() <= 0.04
    small = jobs[count <= 256]
    assert small["runtime_h"].between(2, 72).all()
    assert jobs.loc[count >= 2048, "runtime_h"].between(240, 700).all()
    # repeats: sweeps and seeds give identical jobs, which aggregation gathers
    assert repeat_fraction(portfolio) > 0.4
    sizes = job_groups(portfolio)["size"]
    assert sizes.max() >= 5  # sweeps of 5-50; two sweeps of one popular shape on one dataset merge
    # a limited catalogue of shapes
    shape_cols = ["accel_id", "accel_count", "runtime_h", "artifact_tb", "max_latency_ms"]
    assert len(jobs.drop_duplicates(shape_cols)) <= 160 + 48 + 16
    # a few must-place jobs; the others' penalty is 2-4x the energy cost at the dearest hub
    must = jobs["unplaced_penalty_cny"].isna()
    assert 0 < must.mean() < 0.05
    kw = dict(zip(portfolio.accelerators["accel_id"], portfolio.accelerators["kw_per_accel"], strict=True))
    hubs = portfolio.hubs
    dearest = float((hubs["pue"] * hubs["price_cny_per_kwh"]).max())
    energy = jobs["accel_count"] * jobs["accel_id"].map(kw) * jobs["runtime_h"] * dearest
    ratio = (jobs["unplaced_penalty_cny"] / energy)[~must]
    assert ratio.between(1.9, 4.1).all()
    assert portfolio.overrides["job_id"].isin(jobs["job_id"]).all()


def test_capacities_scale_with_the_portfolio(portfolio: ew.Scenario) -> None:
    jobs, hubs = portfolio.jobs, portfolio.hubs
    kw = dict(zip(portfolio.accelerators["accel_id"], portfolio.accelerators["kw_per_accel"], strict=True))
    meter_mw = (jobs["accel_count"] * jobs["accel_id"].map(kw) / 1000.0).sum() * hubs["pue"].mean()
    assert 0.6 <= meter_mw / hubs["grid_mw"].sum() <= 0.75
    demand = jobs.groupby("accel_id")["accel_count"].sum()
    inventory = portfolio.hub_accelerators.groupby("accel_id")["count"].sum()
    assert ((inventory / demand) >= 1.3 - 1e-9).all()
    ds = portfolio.datasets
    assert hubs["storage_tb"].sum() >= 2.5 * (ds["size_tb"] * ds["min_replicas"]).sum()


def test_small_generated_portfolio_solves_to_a_verified_plan() -> None:
    scenario = generate_scenario(300, 30, 2)
    plan = ew.solve(scenario, time_limit_s=60, mip_rel_gap=1e-3, threads=1)
    assert plan.status == "optimal" and plan.verified
    assert len(plan.placements) == 300
    placed = plan.placements["status"] == "placed"
    assert placed.mean() > 0.8
    must = scenario.jobs["unplaced_penalty_cny"].isna().to_numpy()
    assert placed.to_numpy()[must].all()


@pytest.mark.parametrize("seed", range(4))
def test_tiny_portfolios_are_feasible_by_construction(seed: int) -> None:
    scenario = generate_scenario(60, 4, 100 + seed)
    plan = ew.solve(scenario, time_limit_s=30, mip_rel_gap=1e-2, threads=1)
    assert plan.verified


def test_cli_generate_writes_a_loadable_scenario(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "portfolio"
    result = runner.invoke(app, ["generate", str(out), "--jobs", "200", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "200 jobs" in result.output
    _assert_same(ew.load_scenario(out), generate_scenario(200, 10, 5))
    again = runner.invoke(app, ["generate", str(out), "--jobs", "100", "--datasets", "7"])
    assert again.exit_code == 6
    replaced = runner.invoke(app, ["generate", str(out), "--jobs", "100", "--datasets", "7", "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert len(ew.load_scenario(out).datasets) == 7


def test_benchmark_floor_builds_the_same_model() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from floor_highspy import solve_floor
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    scenario = generate_scenario(80, 6, 1)
    plan = ew.solve(scenario, time_limit_s=60, mip_rel_gap=0.0, threads=1)
    network = build_network(scenario)
    for aggregate in (True, False):
        data = prepare(scenario, network, aggregate=aggregate)
        result = solve_floor(data, time_limit_s=60, mip_rel_gap=0.0, threads=1)
        assert result.status == "Optimal"
        assert result.objective == pytest.approx(plan.objective_cny, rel=1e-7)
    assert math.isfinite(plan.objective_cny) and np.isfinite(result.bound)
