"""What capacity is worth (eastwest_opt.sweeps.values): exact savings on a hand-solved instance,
intervals that contain the true saving, slack, the CLI and its errors. Real HiGHS throughout."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import ScenarioError
from eastwest_opt.sweeps import apply_overrides
from eastwest_opt.sweeps.values import COLUMNS, resources, variant_of

runner = CliRunner()


def forced(folder: Path) -> ew.Scenario:
    """Two 1 MW jobs of 100 h; hub a (0.1 CNY/kWh) has 1.5 MW of grid, hub b costs 1.0 CNY/kWh.

    Base optimum: one job at a (10,000 CNY), one at b (100,000 CNY). One more MW at a puts both
    at a: saving 90,000. One MW less at a (0.5 MW) puts both at b: saving -90,000."""
    return tiny_scenario(
        folder,
        hubs=[
            {"hub_id": "a", "price_cny_per_kwh": 0.1, "grid_mw": 1.5},
            {"hub_id": "b", "grid_region": "R2", "price_cny_per_kwh": 1.0},
        ],
        links=[{"link_id": "a-b", "hub_a": "a", "hub_b": "b"}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j1", "dataset_id": "d"}, {"job_id": "j2", "dataset_id": "d"}],
    )


def row(table: pd.DataFrame, kind: str, rid: str, direction: str) -> pd.Series:
    hit = table[(table.resource_kind == kind) & (table.resource_id == rid) & (table.direction == direction)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_one_more_mw_saves_the_known_amount(tmp_path: Path) -> None:
    table = ew.capacity_values(forced(tmp_path / "s"), steps={"grid_mw": 1.0}, workers=1)
    assert list(table.columns) == COLUMNS
    more, less = row(table, "grid_mw", "a", "more"), row(table, "grid_mw", "a", "less")
    assert more.base_cost_cny == pytest.approx(110_000)
    assert more.cost_cny == pytest.approx(20_000)
    assert more.saving_cny == pytest.approx(90_000)
    assert less.cost_cny == pytest.approx(200_000)
    assert less.saving_cny == pytest.approx(-90_000)
    assert more.saving_low_cny <= 90_000 + 1e-6 <= more.saving_high_cny + 2e-6
    # b's grid is not binding: more of it is worth nothing
    assert row(table, "grid_mw", "b", "more").saving_cny == pytest.approx(0.0)
    # slack: a uses 1 MW of its 1.5, b 1 MW of its 1000
    assert more.slack == pytest.approx(0.5)
    assert row(table, "grid_mw", "b", "more").slack == pytest.approx(999.0)
    # a step less that the base plan does not need is not re-solved: the base plan still fits
    b_less = row(table, "grid_mw", "b", "less")
    assert b_less.status == "slack"
    assert b_less.cost_cny == pytest.approx(110_000) and b_less.saving_cny == 0.0
    assert b_less.saving_low_cny <= 0.0 == b_less.saving_high_cny
    skipped = table[table.status == "slack"]
    assert set(skipped.direction) == {"less"} and (skipped.slack >= skipped.step).all()
    assert set(table.status) == {"optimal", "slack"}
    assert not ((table.status == "optimal") & (table.direction == "less") & (table.slack > table.step + 1e-3)).any()
    kinds = table.groupby("resource_kind").size().to_dict()
    assert kinds == {"grid_mw": 4, "accelerators": 4, "storage_tb": 4, "link_gbps": 2}


def test_less_beyond_zero_is_clipped_and_infeasible_is_a_status(tmp_path: Path) -> None:
    scenario = tiny_scenario(
        tmp_path / "s",
        hubs=[{"hub_id": "a", "grid_mw": 5.0}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j1", "dataset_id": "d"}],  # must be placed: no penalty
        settings={"allow_unplaced": False},
    )
    table = ew.capacity_values(scenario, steps={"grid_mw": 100.0}, workers=1)
    less = row(table, "grid_mw", "a", "less")
    assert less.step == pytest.approx(5.0)
    assert less.status == "infeasible"
    assert pd.isna(less.cost_cny) and pd.isna(less.saving_cny)


def _random(folder: Path, seed: int) -> ew.Scenario:
    rnd = random.Random(seed)
    hubs = [
        {"hub_id": h, "grid_region": f"R{k}", "price_cny_per_kwh": rnd.uniform(0.2, 1.0), "grid_mw": rnd.uniform(1, 4)}
        for k, h in enumerate("abc")
    ]
    jobs = [
        {
            "job_id": f"j{i}",
            "dataset_id": "d",
            "accel_count": rnd.choice([500, 1000, 1500]),
            "unplaced_penalty_cny": 5e5,
        }
        for i in range(5)
    ]
    links = [{"link_id": "a-b", "hub_a": "a", "hub_b": "b"}, {"link_id": "b-c", "hub_a": "b", "hub_b": "c"}]
    return tiny_scenario(folder, hubs=hubs, links=links, datasets=[{"dataset_id": "d", "origin_hub": "a"}], jobs=jobs)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_intervals_contain_the_true_saving(tmp_path: Path, seed: int) -> None:
    scenario = _random(tmp_path / "s", seed)
    steps = {"grid_mw": 1.0, "accelerators": 500}
    table = ew.capacity_values(scenario, steps=steps, mip_rel_gap=0.05, workers=1)
    true_base = ew.solve(scenario, mip_rel_gap=0.0).summary()["objective_cny"]
    checked = 0
    for r in resources(scenario):
        if r.kind not in steps:
            continue
        for direction in ("more", "less"):
            variant = variant_of(r, direction, steps[r.kind])
            got = row(table, r.kind, r.resource_id, direction)
            changed = apply_overrides(scenario, variant.overrides, name="v")
            true = true_base - ew.solve(changed, mip_rel_gap=0.0).summary()["objective_cny"]
            assert got.saving_low_cny - 1e-6 <= true <= got.saving_high_cny + 1e-6
            assert (true >= -1e-6) if direction == "more" else (true <= 1e-6)
            checked += 1
    assert checked == 12


def test_cli_writes_the_csv(tmp_path: Path) -> None:
    forced(tmp_path / "s")
    result = runner.invoke(
        app, ["values", str(tmp_path / "s"), "--out", str(tmp_path / "out"), "--step", "grid_mw=1", "-w", "1"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "capacity_values.csv")
    assert list(table.columns) == COLUMNS
    assert row(table, "grid_mw", "a", "more").saving_cny == pytest.approx(90_000)
    assert "What capacity is worth" in result.output


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "power=1",
            "error: --step: unknown resource kind 'power'; choose one of grid_mw, accelerators, storage_tb, link_gbps",
        ),
        ("grid_mw=0", "error: --step: grid_mw: the step must be a number above 0, got 0.0"),
        ("grid_mw", "error: --step: expected KIND=STEP (e.g. grid_mw=10), got 'grid_mw'"),
    ],
)
def test_cli_bad_step_is_one_line_exit_2(tmp_path: Path, option: str, message: str) -> None:
    forced(tmp_path / "s")
    result = runner.invoke(app, ["values", str(tmp_path / "s"), "--out", str(tmp_path / "out"), "--step", option])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [message]
    assert not (tmp_path / "out").exists()


def test_api_bad_step_raises() -> None:
    with pytest.raises(ScenarioError, match="must be a number above 0"):
        ew.capacity_values(None, steps={"link_gbps": -5})


P3 = [{"period_id": f"p{i}", "label": f"Period {i}", "hours": 100.0} for i in (1, 2, 3)]


def test_a_horizon_gets_one_row_per_period_with_the_known_savings(tmp_path: Path) -> None:
    """Two 1 MW jobs of 100 h, 1 MW of grid in every period at 0.3, 0.4, 0.5 CNY/kWh: the base
    runs one in p1 and one in p2 (30,000 + 40,000). One MW more in p1 runs both there (60,000:
    saves 10,000); more in p2 or p3 saves nothing. No grid in p1 moves the jobs to p2 and p3
    (90,000: -20,000); none in p2, to p1 and p3 (80,000: -10,000); none in p3 costs nothing."""
    sc = tiny_scenario(
        tmp_path / "s",
        hubs=[{"hub_id": "a", "grid_mw": 1.0}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j1", "dataset_id": "d"}, {"job_id": "j2", "dataset_id": "d"}],
        periods=P3,
        hub_periods=[
            {"hub_id": "a", "period_id": "p1", "price_cny_per_kwh": 0.3},
            {"hub_id": "a", "period_id": "p2", "price_cny_per_kwh": 0.4},
        ],
    )
    table = ew.capacity_values(sc, steps={"grid_mw": 1.0}, workers=1)
    grid = table[table.resource_kind == "grid_mw"].set_index(["period_id", "direction"])
    assert sorted(grid.index) == sorted((p, d) for p in ("p1", "p2", "p3") for d in ("more", "less"))
    assert list(grid.base_cost_cny) == pytest.approx([70_000.0] * 6)
    expected = {
        ("p1", "more"): 10_000.0,
        ("p2", "more"): 0.0,
        ("p3", "more"): 0.0,
        ("p1", "less"): -20_000.0,
        ("p2", "less"): -10_000.0,
        ("p3", "less"): 0.0,
    }
    for key, saving in expected.items():
        assert grid.loc[key, "saving_cny"] == pytest.approx(saving, abs=1e-6), key
        assert grid.loc[key, "saving_low_cny"] - 1e-6 <= saving <= grid.loc[key, "saving_high_cny"] + 1e-6
    # each period's slack: p1 and p2 full, p3 empty
    assert [grid.loc[(p, "more"), "slack"] for p in ("p1", "p2", "p3")] == pytest.approx([0.0, 0.0, 1.0])
    # storage and links per period too; the accelerator inventory holds for the whole horizon
    assert set(table.loc[table.resource_kind == "storage_tb", "period_id"]) == {"p1", "p2", "p3"}
    assert set(table.loc[table.resource_kind == "accelerators", "period_id"]) == {""}


def test_a_per_period_capacity_change_keeps_the_built_model(tmp_path: Path) -> None:
    """Changing one period's grid, storage or link capacity changes numbers only: the sweep
    re-solves the built model in place (same structure signature), given or blank before."""
    from eastwest_opt.solver.placement import structure_signature

    sc = tiny_scenario(
        tmp_path / "s",
        hubs=[{"hub_id": "a"}, {"hub_id": "b", "grid_region": "R2"}],
        links=[{"link_id": "a-b", "hub_a": "a", "hub_b": "b"}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j1", "dataset_id": "d"}],
        periods=P3,
        hub_periods=[{"hub_id": "a", "period_id": "p2", "grid_mw": 3.0}],
    )
    signature = structure_signature(sc)
    changed = [r for r in resources(sc) if r.period_id == "p2" and r.kind != "accelerators"]
    assert {r.kind for r in changed} == {"grid_mw", "storage_tb", "link_gbps"}
    for r in changed:
        variant = apply_overrides(sc, variant_of(r, "more", 1.0).overrides)
        assert structure_signature(variant) == signature, r
        values = variant.period_values(r.table, r.column, variant.table(r.table))
        frame = variant.table(r.table)
        hit = (frame.iloc[:, 0] == r.resource_id) & (frame["period_id"] == "p2")
        assert values[hit].tolist() == pytest.approx([r.value + 1.0])
