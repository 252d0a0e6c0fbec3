"""The shipped year scenario (data/eight-hubs-year): it loads, its months and seasonal hub values
are plausible, its generator reproduces it, and the optimum follows the Southwest's wet season.

The solve here turns staging off (every data class trains only at durable replicas): with staged
copies held per month the model's linear relaxation is several percent weak and HiGHS does not
close the gap in a test's time (see data/README.md, "The year scenario"); without them the
scenario solves to a proven 1% in seconds, and the seasonal story is the same.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import eastwest_opt as ew
from eastwest_opt.scenario import shipped_scenario_path

ROOT = Path(__file__).resolve().parents[1]
WET = ["m06", "m07", "m08", "m09", "m10"]
DRY = ["m12", "m01", "m02", "m03", "m04"]
WEST = ["cc", "imo", "gz", "gs", "nx"]


@pytest.fixture(scope="module")
def year() -> ew.Scenario:
    return ew.load_scenario(shipped_scenario_path("eight-hubs-year"))


@pytest.fixture(scope="module")
def plan(year: ew.Scenario) -> ew.Plan:
    classes = year.table("data_classes")
    classes["staging_allowed"] = False
    no_staging = year._replace_table("data_classes", classes)
    return ew.solve(no_staging, mip_rel_gap=0.01, time_limit_s=120, threads=2, builder="arrays")


def test_the_year_is_twelve_months_of_2026(year: ew.Scenario) -> None:
    periods = year.periods
    assert list(periods["period_id"]) == [f"m{i:02d}" for i in range(1, 13)]
    assert list(periods["label"])[:2] == ["January", "February"] and periods["label"].iat[-1] == "December"
    assert float(periods["hours"].sum()) == 8760.0
    assert float(periods.set_index("period_id").at["m02", "hours"]) == 28 * 24
    assert periods["start_time"].iat[0] == "2026-01-01" and periods["start_time"].iat[-1] == "2026-12-01"
    assert year.planning_window_hours == 8760.0


def test_it_keeps_the_one_window_hubs_and_data(year: ew.Scenario) -> None:
    one = ew.load_scenario(shipped_scenario_path())
    for table in ("hubs", "links", "accelerators", "hub_accelerators", "data_classes", "datasets"):
        assert year.table(table).equals(one.table(table)), table
    assert 250 <= len(year.jobs) <= 400
    assert year.jobs["preemptible"].any() and year.jobs["unplaced_penalty_cny"].isna().any()


def test_every_hub_month_is_in_a_plausible_range(year: ew.Scenario) -> None:
    hp = year.hub_periods
    assert len(hp) == 8 * 12 and not hp[["price_cny_per_kwh", "grid_mw", "carbon_kg_per_kwh"]].isna().any().any()
    assert hp["price_cny_per_kwh"].between(0.25, 0.70).all()
    assert hp["carbon_kg_per_kwh"].between(0.15, 0.75).all()
    base = year.hubs.set_index("hub_id")
    ratio = hp["grid_mw"] / hp["hub_id"].map(base["grid_mw"])
    assert ratio.between(0.6, 1.5).all()
    hours = hp["period_id"].map(dict(zip(year.periods["period_id"], year.periods["hours"], strict=True)))
    for column, tol in (("price_cny_per_kwh", 0.01), ("grid_mw", 0.01), ("carbon_kg_per_kwh", 0.03)):
        mean = (hp[column] * hours).groupby(hp["hub_id"]).sum() / hours.groupby(hp["hub_id"]).sum()
        assert (mean / base[column] - 1).abs().max() < tol, column  # the year averages to the one window


def test_chengdu_chongqing_follows_the_wet_and_dry_seasons(year: ew.Scenario) -> None:
    cc = year.hub_periods[year.hub_periods["hub_id"] == "cc"].set_index("period_id")
    assert set(cc.loc[WET, "price_cny_per_kwh"]) == {0.336}  # 0.42 flat level, -20% in the wet season
    assert set(cc.loc[DRY, "price_cny_per_kwh"]) == {0.504}  # +20% in the dry season
    assert set(cc.loc[["m05", "m11"], "price_cny_per_kwh"]) == {0.42}
    assert cc.loc[WET, "grid_mw"].min() > 2 * cc.loc[DRY, "grid_mw"].max() - 1.0
    assert cc.loc["m08", "grid_mw"] == cc.loc["m07", "grid_mw"]  # August is an ordinary wet month


def test_the_script_writes_the_shipped_files_again(tmp_path: Path) -> None:
    out = tmp_path / "year"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_year_scenario.py"), "--out", str(out)], check=True)
    shipped = shipped_scenario_path("eight-hubs-year")
    names = sorted(p.name for p in shipped.iterdir())
    assert names == sorted(p.name for p in out.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (shipped / name).read_bytes(), name


def test_an_unknown_shipped_scenario_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no shipped scenario 'year'; shipped are eight-hubs, eight-hubs-year"):
        shipped_scenario_path("year")


def test_training_follows_the_wet_season_in_chengdu_chongqing(plan: ew.Plan) -> None:
    assert plan.verified and plan.status in ("optimal", "feasible") and plan.gap <= 0.01
    assert plan.placements["status"].eq("placed").mean() > 0.95
    energy = plan.hub_periods.pivot(index="hub_id", columns="period_id", values="energy_mwh")
    wet, dry = energy.loc["cc", WET].sum(), energy.loc["cc", DRY].sum()
    assert wet > 3 * dry, (wet, dry)  # measured: 14,128 MWh against 936 MWh
    meter = plan.hub_periods.pivot(index="hub_id", columns="period_id", values="meter_mw")
    grid = plan.hub_periods.pivot(index="hub_id", columns="period_id", values="grid_mw")
    assert (meter / grid).loc[WEST].max().max() > 0.9  # western grid headroom binds in some months
