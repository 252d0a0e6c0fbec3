"""`eastwest-opt init`: templates a planner starts from, complete, valid and explained."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import yaml
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.scenario import shipped_scenario_path
from eastwest_opt.scenario.docs import COLUMN_DOCS, TABLE_DOCS
from eastwest_opt.scenario.json_schema import SCHEMA_FILE
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER

runner = CliRunner()
SHIPPED = ew.load_scenario()


def _init(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["init", *args])
    return result.exit_code, result.output


def test_init_writes_the_shipped_scenario_as_a_valid_folder_with_a_readme(tmp_path: Path) -> None:
    folder = tmp_path / "my-scenario"
    code, out = _init(str(folder))
    assert code == 0, out
    assert out.startswith("Scenario 'my-scenario' written to")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f"{n}.csv" for n in TABLE_ORDER[:8]), "scenario.yaml", "README.md", "scenario.schema.json"]
    )
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output == "OK: scenario 'my-scenario' is valid (8 hubs, 15 links, 18 datasets, 51 jobs).\n"
    sc = ew.load_scenario(folder)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(sc.tables[name], SHIPPED.tables[name], obj=name)
    assert (sc.planning_window_hours, sc.solver) == (SHIPPED.planning_window_hours, SHIPPED.solver)
    text = (folder / "scenario.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=scenario.schema.json"
    assert (folder / "scenario.schema.json").read_text() == SCHEMA_FILE.read_text()
    readme = (folder / "README.md").read_text()
    for name in TABLE_ORDER:  # every table and column of the schema, with what it is for
        assert f"### {name}\n\n{TABLE_DOCS[name]}" in readme
        for col in SCHEMAS[name].columns:
            assert f"| `{col.name}` |" in readme and COLUMN_DOCS[name][col.name] in readme


def test_init_refuses_to_overwrite_without_overwrite(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    assert _init(str(folder))[0] == 0
    (folder / "jobs.csv").write_text("job_id\n")
    code, out = _init(str(folder))
    assert code == 6
    assert out == f"error: {folder}: exists; pass --overwrite to replace it\n"
    assert (folder / "jobs.csv").read_text() == "job_id\n"  # untouched
    assert _init(str(folder), "--overwrite")[0] == 0
    assert len(ew.load_scenario(folder).jobs) == 51
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("keep me")
    code, out = _init(str(other), "--overwrite")
    assert code == 6
    assert out == f"error: {other}: exists and is not a scenario folder (no scenario.yaml); refused\n"
    assert (other / "todo.txt").read_text() == "keep me"


def test_the_empty_template_has_the_backbone_and_says_it_has_no_jobs_yet(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    code, out = _init(str(folder), "--empty")
    assert code == 0, out
    assert "(8 hubs, 15 links, 0 datasets, 0 jobs)" in out
    assert "overrides.csv" not in {p.name for p in folder.iterdir()}
    for name in ("datasets", "jobs"):
        rows = list(csv.reader((folder / f"{name}.csv").open()))
        assert len(rows) == 1 and rows[0][0] == f"{name[:-1]}_id"  # a header, no rows
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    assert result.output == (
        "error: datasets.csv: table has no rows: no datasets yet; add one row per dataset the jobs train on\n"
        "error: jobs.csv: table has no rows: no jobs yet; add one row per training job to place\n"
        "2 error(s), 0 warning(s)\n"
    )
    assert "**No datasets or jobs yet.**" in (folder / "README.md").read_text()
    # a planner fills in one dataset and one job, and has a plan
    with (folder / "datasets.csv").open("a", newline="") as fh:
        csv.writer(fh).writerow(["corpus", "Web corpus", "yrd", "public", "200", "2", "2"])
    header = next(csv.reader((folder / "jobs.csv").open()))
    job = {"job_id": "run-1", "dataset_id": "corpus", "accel_id": "h800", "accel_count": "512", "runtime_h": "240"}
    job |= {"artifact_tb": "1", "serving_hubs": "yrd"}
    with (folder / "jobs.csv").open("a", newline="") as fh:
        csv.writer(fh).writerow([job.get(c, "") for c in header])
    plan = ew.solve(folder)
    assert plan.verified and plan.status == "optimal"
    assert list(plan.placements["status"]) == ["placed"]
    sc = ew.load_scenario(folder)
    pd.testing.assert_frame_equal(sc.hubs, SHIPPED.hubs)
    pd.testing.assert_frame_equal(sc.links, SHIPPED.links)


def test_init_year_writes_the_year_scenario(tmp_path: Path) -> None:
    folder = tmp_path / "year"
    code, out = _init(str(folder), "--year")
    assert code == 0, out
    sc = ew.load_scenario(folder)
    year = ew.load_scenario(shipped_scenario_path("eight-hubs-year"))
    assert len(sc.periods) == 12 and len(sc.jobs) == len(year.jobs)
    pd.testing.assert_frame_equal(sc.hub_periods, year.hub_periods)
    assert (folder / "README.md").is_file()


def test_init_xlsx_writes_the_template_as_a_valid_workbook(tmp_path: Path) -> None:
    book = tmp_path / "portfolio.xlsx"
    code, out = _init("--xlsx", str(book))
    assert code == 0, out
    assert out == f"Scenario 'portfolio' written to {book} (8 hubs, 15 links, 18 datasets, 51 jobs).\n"
    result = runner.invoke(app, ["validate", str(book)])
    assert result.exit_code == 0, result.output
    sc = ew.load_scenario(book)
    assert sc.name == "portfolio"
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(sc.tables[name], SHIPPED.tables[name], obj=name)
    assert _init("--xlsx", str(book))[0] == 6
    empty = tmp_path / "empty.xlsx"
    assert _init("--xlsx", str(empty), "--empty")[0] == 0
    assert [str(p) for p in ew.validate_scenario(empty)] == [
        "empty.xlsx, sheet datasets: table has no rows: no datasets yet; add one row per dataset the jobs train on",
        "empty.xlsx, sheet jobs: table has no rows: no jobs yet; add one row per training job to place",
    ]


def test_init_needs_somewhere_to_write() -> None:
    code, out = _init()
    assert code == 2
    assert out == "error: init: give a folder to write, or --xlsx FILE for a workbook\n"


def test_every_column_of_the_schema_is_described_and_nothing_else() -> None:
    assert set(TABLE_DOCS) == set(SCHEMAS) == set(COLUMN_DOCS)
    for name, schema in SCHEMAS.items():
        assert list(COLUMN_DOCS[name]) == schema.column_names, name
        for text in COLUMN_DOCS[name].values():
            assert text.endswith(".") and not re.search(r"\s{2,}", text)


def test_the_template_settings_parse_to_the_scenario_settings(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    assert _init(str(folder))[0] == 0
    config = yaml.safe_load((folder / "scenario.yaml").read_text())
    assert config["solver"] == {"time_limit_s": 60.0, "mip_rel_gap": 0.0001, "threads": None}
    assert config["tables"] == {n: f"{n}.csv" for n in TABLE_ORDER[:8]}
