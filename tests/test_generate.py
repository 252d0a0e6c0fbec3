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
from eastwest_opt.cli import GENERATE_FAMILIES, app
from eastwest_opt.errors import OutputExistsError
from eastwest_opt.generate import FAMILIES, generate_scenario, repeat_fraction, write_scenario
from eastwest_opt.generate.measures import overridden_share, power_demand_ratio, restricted_share, top_share
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


# ---------------------------------------------------------------------------------------------
# families that do not aggregate: distinct, skewed, restricted
# ---------------------------------------------------------------------------------------------
NEW_FAMILIES = ("distinct", "skewed", "restricted")
SHIPPED = ew.load_scenario()


@pytest.fixture(scope="module")
def thousand() -> dict[str, ew.Scenario]:
    return {f: generate_scenario(1000, 50, 21, family=f) for f in NEW_FAMILIES}


def test_the_cli_names_every_family_and_the_default_family_is_unchanged() -> None:
    assert GENERATE_FAMILIES == tuple(FAMILIES)
    _assert_same(generate_scenario(120, 6, 9), generate_scenario(120, 6, 9, family="default"))
    with pytest.raises(ValueError, match="unknown portfolio family 'nope'"):
        generate_scenario(10, 2, 0, family="nope")


@pytest.mark.parametrize("family", NEW_FAMILIES)
def test_family_is_deterministic_loads_back_and_keeps_the_shipped_hubs(family: str, tmp_path: Path) -> None:
    first, again = generate_scenario(300, 15, 5, family=family), generate_scenario(300, 15, 5, family=family)
    _assert_same(first, again)
    assert not first.jobs.equals(generate_scenario(300, 15, 6, family=family).jobs)
    assert first.name == f"generated-{family}-300j-15d-s5" and first.jobs["job_id"].is_unique
    _assert_same(first, ew.load_scenario(write_scenario(first, tmp_path / family)))
    assert list(first.hubs["hub_id"]) == list(SHIPPED.hubs["hub_id"])
    backbone = ["link_id", "hub_a", "hub_b", "latency_ms"]
    pd.testing.assert_frame_equal(first.links[backbone], SHIPPED.links[backbone])
    # one seed, the same datasets in every family
    pd.testing.assert_frame_equal(first.datasets, generate_scenario(300, 15, 5).datasets)


def test_distinct_jobs_seldom_share_a_shape(thousand: dict[str, ew.Scenario]) -> None:
    scenario = thousand["distinct"]
    jobs = scenario.jobs
    assert repeat_fraction(scenario) < 0.02
    # distinct even ignoring the dataset: each job has its own figures, not a catalogue's
    key = ["accel_id", "accel_count", "runtime_h", "artifact_tb", "max_latency_ms", "unplaced_penalty_cny"]
    assert jobs[key].astype(str).duplicated().mean() < 0.02
    assert jobs["accel_count"].nunique() > 300 and jobs["serving_hubs"].nunique() > 30
    assert 0.05 <= restricted_share(scenario) <= 0.15 and 0.05 <= overridden_share(scenario) <= 0.12


def test_skewed_has_a_heavy_tail_and_more_demand_than_grid(thousand: dict[str, ew.Scenario]) -> None:
    for scenario in (thousand["skewed"], generate_scenario(200, 10, 2, family="skewed")):
        jobs = scenario.jobs
        assert power_demand_ratio(scenario) >= 1.5
        assert top_share(scenario, 0.01) >= 0.30  # the top 1% of jobs by accelerator-hours
        assert (jobs["accel_count"] >= 2048).any() and jobs["accel_count"].median() <= 8
        assert jobs.loc[jobs["accel_count"] >= 2048, "runtime_h"].min() >= 400
    # the other families keep the default's headroom
    assert power_demand_ratio(thousand["distinct"]) < 1.0


def test_restricted_jobs_are_common_and_overrides_sit_at_western_hubs(thousand: dict[str, ew.Scenario]) -> None:
    west = set(SHIPPED.hubs.loc[SHIPPED.hubs["macro_region"] == "west", "hub_id"])
    domestic = set(SHIPPED.accelerators.loc[SHIPPED.accelerators["origin"] == "domestic", "accel_id"])
    for scenario in (thousand["restricted"], generate_scenario(200, 10, 2, family="restricted")):
        assert 0.30 <= restricted_share(scenario) <= 0.50
        assert 0.20 <= overridden_share(scenario) <= 0.40
        ov = scenario.overrides
        assert set(ov["hub_id"]) <= west
        swapped = ov["accel_id"] != ""
        assert set(ov.loc[swapped, "accel_id"]) <= domestic and swapped.mean() > 0.3
        assert ov["fixed_cost_cny"].notna().mean() > 0.2
        must = scenario.jobs.loc[scenario.jobs["unplaced_penalty_cny"].isna(), "job_id"]
        assert not ov["job_id"].isin(must).any(), "must-place jobs keep their own accelerators (the witness)"
    assert repeat_fraction(thousand["restricted"]) < repeat_fraction(generate_scenario(1000, 50, 21)) - 0.1


@pytest.mark.parametrize("family", NEW_FAMILIES)
def test_small_family_portfolio_solves_to_a_verified_plan(family: str) -> None:
    scenario = generate_scenario(200, 10, 1, family=family)
    plan = ew.solve(scenario, time_limit_s=60, mip_rel_gap=0.02, threads=1)
    assert plan.status == "optimal" and plan.verified
    placed = (plan.placements["status"] == "placed").to_numpy()
    must = scenario.jobs["unplaced_penalty_cny"].isna().to_numpy()
    assert must.any() and placed[must].all()
    if family == "skewed":  # power binds and many optional jobs stay out (at 1,000 jobs: 7 of 8 hubs full, half out)
        assert (plan.hub_usage["power_utilisation"] > 0.95).sum() >= 2
        assert (~placed[~must]).mean() > 0.15


def test_cli_generate_family(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = runner.invoke(app, ["generate", "--help"]).output
    for family in FAMILIES:
        assert family in help_text
    out = tmp_path / "distinct"
    result = runner.invoke(app, ["generate", str(out), "--jobs", "120", "--family", "distinct", "--seed", "3"])
    assert result.exit_code == 0, result.output
    _assert_same(ew.load_scenario(out), generate_scenario(120, 6, 3, family="distinct"))
    bad = runner.invoke(app, ["generate", str(tmp_path / "x"), "--family", "uniform"])
    assert bad.exit_code == 2 and "unknown family 'uniform'" in bad.output
    assert not (tmp_path / "x").exists()
