"""Infeasible scenarios are explained in the planner's terms: one crafted scenario per cause,
each asserting the reported cause, subject and amount."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import tiny_scenario, write_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app

TWO_HUBS = [{"hub_id": "a", "name": "Alpha"}, {"hub_id": "b", "name": "Beta", "grid_region": "R2"}]
LINK = [{"link_id": "ab", "hub_a": "a", "hub_b": "b", "latency_ms": 15.0}]


def _explain(tmp_path: Path, **kw: Any) -> pd.DataFrame:
    args: dict[str, Any] = {"hubs": TWO_HUBS, "links": LINK, "datasets": [{"dataset_id": "d", "origin_hub": "a"}]}
    args.update(kw)
    sc = tiny_scenario(tmp_path / "s", **args)
    with pytest.raises(ew.InfeasibleError) as info:
        ew.solve(sc)
    table = info.value.explanation
    assert isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["cause", "subject", "amount", "unit", "current", "sentence"]
    assert str(info.value).startswith(f"scenario 's' has no feasible plan: {table['sentence'].iloc[0]}")
    return table


def _only(table: pd.DataFrame) -> pd.Series:
    assert len(table) == 1, table.to_string()
    return table.iloc[0]


def test_hub_power(tmp_path: Path) -> None:
    # three 1 MW must-place jobs; both hubs 1.2 MW at PUE 1: 3 MW against 2.4 MW -> 0.6 MW short
    hubs = [dict(h, grid_mw=1.2) for h in TWO_HUBS]
    jobs = [{"job_id": f"j{i}", "dataset_id": "d"} for i in range(3)]
    row = _only(_explain(tmp_path, hubs=hubs, jobs=jobs))
    assert row["cause"] == "hub_power" and row["unit"] == "MW"
    assert row["amount"] == pytest.approx(0.8)  # one hub takes one job (0.2 left), the other needs 2 -> 0.8
    assert row["sentence"].endswith("needs 0.80 MW more grid allocation (1.20 MW now)")


def test_accelerator_inventory(tmp_path: Path) -> None:
    inventory = [{"hub_id": "a", "accel_id": "gpu", "count": 1500}, {"hub_id": "b", "accel_id": "gpu", "count": 0}]
    jobs = [
        {"job_id": "j1", "dataset_id": "d", "allowed_hubs": "a"},
        {"job_id": "j2", "dataset_id": "d", "allowed_hubs": "a"},
    ]
    row = _only(_explain(tmp_path, inventory=inventory, jobs=jobs))
    assert (row["cause"], row["subject"], row["amount"]) == ("accelerator_inventory", "a/gpu", 500)
    assert row["sentence"] == "Alpha needs 500 more GPU accelerators (1,500 now)"


def test_storage(tmp_path: Path) -> None:
    hubs = [dict(TWO_HUBS[0], storage_tb=60.0), TWO_HUBS[1]]
    datasets = [{"dataset_id": "d", "origin_hub": "a", "size_tb": 100.0}]
    row = _only(_explain(tmp_path, hubs=hubs, datasets=datasets, jobs=[{"job_id": "j", "dataset_id": "d"}]))
    assert (row["cause"], row["subject"]) == ("storage", "a")
    assert row["amount"] == pytest.approx(40.0)
    assert row["sentence"] == "Alpha needs 40.0 TB more storage (60.0 TB now)"


def test_link_capacity(tmp_path: Path) -> None:
    # 1,000 TB must reach b (2 replicas); 20 Gbps x 100 h x 0.45 = 900 TB -> 100 TB = 2.22 Gbps short
    links = [dict(LINK[0], capacity_gbps=20.0)]
    datasets = [{"dataset_id": "d", "origin_hub": "a", "size_tb": 1000.0, "min_replicas": 2}]
    row = _only(_explain(tmp_path, links=links, datasets=datasets, jobs=[{"job_id": "j", "dataset_id": "d"}]))
    assert (row["cause"], row["subject"], row["unit"]) == ("link_capacity", "a->b", "Gbps")
    assert row["amount"] == pytest.approx(100 / 45)
    assert row["current"] == pytest.approx(20.0)


def test_replicas_confined_to_one_hub(tmp_path: Path) -> None:
    classes = [{"class_id": "medical", "allowed_hubs": "origin", "staging_allowed": False}]
    datasets = [
        {"dataset_id": "cn-medical", "origin_hub": "a", "class_id": "medical", "min_replicas": 3, "min_grid_regions": 2}
    ]
    table = _explain(tmp_path, classes=classes, datasets=datasets, jobs=[{"job_id": "j", "dataset_id": "cn-medical"}])
    assert list(table["cause"]) == ["replica_count", "region_spread"]
    assert list(table["amount"]) == [2, 1]
    assert table["sentence"].iloc[0] == (
        "dataset cn-medical is confined to the Alpha hub but asks for 3 replicas across 2 grid regions"
    )


def test_region_spread_inside_a_named_set(tmp_path: Path) -> None:
    hubs = [*TWO_HUBS, {"hub_id": "c", "name": "Gamma"}]
    classes = [{"class_id": "gov", "allowed_hubs": "a;c", "staging_allowed": True}]
    datasets = [{"dataset_id": "g", "origin_hub": "a", "class_id": "gov", "min_replicas": 2, "min_grid_regions": 2}]
    links = [*LINK, {"link_id": "ac", "hub_a": "a", "hub_b": "c"}]
    jobs = [{"job_id": "j", "dataset_id": "g"}]
    row = _only(_explain(tmp_path, hubs=hubs, links=links, classes=classes, datasets=datasets, jobs=jobs))
    assert (row["cause"], row["subject"], row["amount"], row["current"]) == ("region_spread", "g", 1, 1)
    assert row["sentence"] == (
        "dataset g is confined to the hubs Alpha and Gamma but asks for 2 replicas across 2 grid regions"
    )


def test_serving_latency(tmp_path: Path) -> None:
    # the job may only train at b; its artifacts must reach a within 10 ms; the link takes 15 ms
    jobs = [
        {
            "job_id": "j",
            "dataset_id": "d",
            "allowed_hubs": "b",
            "serving_hubs": "a",
            "artifact_tb": 1.0,
            "max_latency_ms": 10.0,
        }
    ]
    row = _only(_explain(tmp_path, jobs=jobs))
    assert (row["cause"], row["subject"], row["unit"]) == ("serving_latency", "j", "ms")
    assert row["amount"] == pytest.approx(5.0)
    assert row["sentence"] == "job j needs 5.0 ms more latency budget to train at Beta (its bound is 10 ms)"


def test_carbon_budget(tmp_path: Path) -> None:
    # 1 MW x 100 h = 100 MWh at 0.5 t/MWh = 50 t at either hub; budget 10 t -> 40 t short
    row = _only(_explain(tmp_path, jobs=[{"job_id": "j", "dataset_id": "d"}], settings={"carbon_budget_t": 10}))
    assert (row["cause"], row["unit"]) == ("carbon_budget", "tCO2")
    assert row["amount"] == pytest.approx(40.0)
    assert row["sentence"] == "the carbon budget needs 40.0 tCO2 more (10.0 t now)"


def test_no_allowed_hub(tmp_path: Path) -> None:
    classes = [{"class_id": "local", "allowed_hubs": "origin", "staging_allowed": False}]
    datasets = [{"dataset_id": "d", "origin_hub": "a", "class_id": "local"}]
    row = _only(
        _explain(
            tmp_path, classes=classes, datasets=datasets, jobs=[{"job_id": "j", "dataset_id": "d", "allowed_hubs": "b"}]
        )
    )
    assert (row["cause"], row["subject"]) == ("no_allowed_hub", "j")
    assert row["sentence"] == (
        "job j must be placed but its data class allows only the Alpha hub and the job itself only the Beta hub"
    )


def test_cli_prints_sentences_and_exits_3(tmp_path: Path) -> None:
    hubs = [dict(h, grid_mw=1.2) for h in TWO_HUBS]
    folder = write_scenario(
        tmp_path / "s",
        hubs=hubs,
        links=LINK,
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": f"j{i}", "dataset_id": "d"} for i in range(3)],
    )
    result = CliRunner().invoke(app, ["solve", str(folder)])
    assert result.exit_code == 3
    assert "error: scenario 's' has no feasible plan:" in result.output
    assert "needs 0.80 MW more grid allocation (1.20 MW now)" in result.output
    assert "hub_power" in result.output
    assert "Traceback" not in result.output


def test_feasible_scenario_has_empty_explanation(tmp_path: Path) -> None:
    from eastwest_opt.plan.explain import explain

    sc = tiny_scenario(
        tmp_path / "ok",
        hubs=TWO_HUBS,
        links=LINK,
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j", "dataset_id": "d"}],
    )
    assert explain(sc).empty
