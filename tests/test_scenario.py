"""Loading and changing scenarios: types, ranges, cross-references, exact messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import write_scenario

import eastwest_opt as ew
from eastwest_opt.errors import ScenarioError


def _base(tmp_path: Path, **kw: object) -> Path:
    args: dict[str, object] = {
        "hubs": [{"hub_id": "a"}, {"hub_id": "b", "grid_region": "R2"}],
        "links": [{"link_id": "ab", "hub_a": "a", "hub_b": "b"}],
        "datasets": [{"dataset_id": "d", "origin_hub": "a"}],
        "jobs": [{"job_id": "j", "dataset_id": "d"}],
    }
    args.update(kw)
    return write_scenario(tmp_path / "s", **args)  # type: ignore[arg-type]


def _messages(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        ew.load_scenario(folder)
    return [str(p) for p in info.value.problems]


def test_loads_typed_tables(tmp_path: Path) -> None:
    sc = ew.load_scenario(_base(tmp_path))
    assert sc.hubs["grid_mw"].dtype == float
    assert sc.jobs["accel_count"].dtype == "int64"
    assert sc.jobs.loc[0, "serving_hubs"] == ()
    assert sc.planning_window_hours == 100


def test_unknown_reference_is_named(tmp_path: Path) -> None:
    folder = _base(tmp_path, jobs=[{"job_id": "j", "dataset_id": "nope"}])
    assert _messages(folder) == ["jobs.csv, row 2, column dataset_id: unknown dataset 'nope'"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    folder = _base(
        tmp_path,
        hubs=[{"hub_id": "a", "pue": 0.8}, {"hub_id": "a", "grid_mw": "x"}],
        links=[{"link_id": "aa", "hub_a": "a", "hub_b": "a"}],
    )
    assert _messages(folder) == [
        "hubs.csv, row 2, column pue: must be >= 1, got 0.8",
        'hubs.csv, row 3, column grid_mw: expected a number, got "x"',
        "hubs.csv, row 3, column hub_id: duplicate id 'a'",
        "hub_accelerators.csv, row 3, column accel_id: duplicate id 'a, gpu'",
        "links.csv, row 2, column hub_b: link joins hub 'a' to itself",
    ]


def test_cross_table_checks(tmp_path: Path) -> None:
    folder = _base(
        tmp_path,
        hubs=[{"hub_id": "a"}, {"hub_id": "a"}],
        links=[{"link_id": "aa", "hub_a": "a", "hub_b": "a"}],
        jobs=[{"job_id": "j", "dataset_id": "d", "serving_hubs": "a;zz"}],
    )
    assert _messages(folder) == [
        "hubs.csv, row 3, column hub_id: duplicate id 'a'",
        "hub_accelerators.csv, row 3, column accel_id: duplicate id 'a, gpu'",
        "jobs.csv, row 2, column serving_hubs: unknown hub 'zz'",
        "links.csv, row 2, column hub_b: link joins hub 'a' to itself",
    ]


def test_missing_required_column(tmp_path: Path) -> None:
    folder = _base(tmp_path)
    text = (folder / "datasets.csv").read_text().replace("size_tb", "size")
    (folder / "datasets.csv").write_text(text)
    # errors only: the unknown column "size" is a warning, reported by validate
    assert _messages(folder) == ["datasets.csv, column size_tb: required column is missing"]


def test_unknown_yaml_key_and_escaping_table_path(tmp_path: Path) -> None:
    folder = _base(tmp_path, settings={"carbon_prise": 3, "tables": {"jobs": "../../etc/passwd"}})
    assert _messages(folder) == [
        "scenario.yaml: unknown key 'carbon_prise'; known keys: allow_unplaced, artifact_paths_k, "
        "carbon_budget_t, carbon_price_cny_per_t, description, name, planning_window_hours, solver, tables",
        "scenario.yaml: tables.jobs = '../../etc/passwd' points outside the scenario folder; refused",
    ]


def test_not_utf8(tmp_path: Path) -> None:
    folder = _base(tmp_path)
    (folder / "hubs.csv").write_bytes(b"hub_id,name\n\xff\xfe,x\n")
    assert _messages(folder) == ["hubs.csv: not UTF-8 text (byte 12)"]


def test_changes_in_code_return_new_validated_scenarios(tmp_path: Path) -> None:
    sc = ew.load_scenario(_base(tmp_path))
    cheaper = sc.update("hubs", "b", price_cny_per_kwh=0.2)
    assert float(cheaper.hubs.loc[cheaper.hubs["hub_id"] == "b", "price_cny_per_kwh"].iloc[0]) == 0.2
    assert float(sc.hubs.loc[sc.hubs["hub_id"] == "b", "price_cny_per_kwh"].iloc[0]) == 0.5, "no mutation"
    more = sc.add(
        "jobs",
        job_id="k",
        dataset_id="d",
        accel_id="gpu",
        accel_count=10,
        runtime_h=5,
        artifact_tb=0,
        serving_hubs="a;b",
    )
    assert list(more.jobs["job_id"]) == ["j", "k"]
    assert more.jobs.loc[1, "serving_hubs"] == ("a", "b")
    cut = sc.remove("links", "ab")
    assert cut.links.empty and len(sc.links) == 1
    with pytest.raises(ScenarioError, match="unknown dataset 'zz'"):
        sc.add("jobs", job_id="k", dataset_id="zz", accel_id="gpu", accel_count=1, runtime_h=1, artifact_tb=0)
    with pytest.raises(ScenarioError, match="must be >= 0, got -1"):
        sc.update("hubs", "a", grid_mw=-1)
    with pytest.raises(ScenarioError, match="no row with hub_id = 'zz'"):
        sc.update("hubs", "zz", grid_mw=1)
    assert sc.with_settings(carbon_price_cny_per_t=200).carbon_price_cny_per_t == 200
    with pytest.raises(ScenarioError, match="unknown setting 'carbon'"):
        sc.with_settings(carbon=1)


def test_plan_changes_with_a_changed_price(tmp_path: Path) -> None:
    sc = ew.load_scenario(_base(tmp_path))
    assert ew.solve(sc).placements.loc[0, "hub_id"] in {"a", "b"}
    assert ew.solve(sc.update("hubs", "b", price_cny_per_kwh=0.2)).placements.loc[0, "hub_id"] == "b"
    assert ew.solve(sc.update("hubs", "a", price_cny_per_kwh=0.2)).placements.loc[0, "hub_id"] == "a"
