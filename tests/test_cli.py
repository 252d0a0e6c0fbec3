"""The command line through typer's CliRunner: exit codes, messages, JSON equal to the API."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from builders import write_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.scenario import shipped_scenario_path

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"eastwest-opt {ew.__version__}"


def test_help_lists_every_command_and_option() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("solve", "verify", "validate"):
        assert command in result.output
    result = runner.invoke(app, ["solve", "--help"])
    assert result.exit_code == 0
    for option in ("--out", "--time-limit", "--gap", "--threads", "--json", "--overwrite", "--debug"):
        assert option in result.output


def test_solve_shipped_prints_summary_and_writes_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = runner.invoke(app, ["solve", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "optimal, verified" in result.output
    assert "Cost breakdown" in result.output
    for name in (
        "placements",
        "replicas",
        "staging",
        "traffic",
        "artifact_routes",
        "link_flows",
        "hub_usage",
        "accelerator_usage",
        "costs",
    ):
        assert (out / f"{name}.csv").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["verified"] is True
    # the written plan passes the verifier from the CLI
    result = runner.invoke(app, ["verify", str(shipped_scenario_path()), str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: the plan satisfies every constraint")


def test_json_output_equals_the_api() -> None:
    result = runner.invoke(app, ["solve", "--json"])
    assert result.exit_code == 0
    cli = json.loads(result.output)
    api = ew.solve().summary()
    assert cli["status"] == api["status"] == "optimal"
    assert cli["objective_cny"] == pytest.approx(api["objective_cny"], rel=1e-9)
    assert cli["cost_cny"] == pytest.approx(api["cost_cny"], rel=1e-9)
    assert cli["jobs_placed"] == api["jobs_placed"]


def test_existing_output_is_kept_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["solve", "--out", str(out)])
    assert result.exit_code == 6
    assert "output folder exists; pass --overwrite to replace it" in result.output
    assert (out / "keep.txt").read_text() == "mine"
    result = runner.invoke(app, ["solve", "--out", str(out), "--overwrite"])
    assert result.exit_code == 0
    assert not (out / "keep.txt").exists()
    assert (out / "summary.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["plan"], "no temporary folder left behind"


def test_missing_scenario_folder_is_invalid_input(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    result = runner.invoke(app, ["solve", str(missing)])
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {missing}: scenario folder does not exist"
    assert "Traceback" not in result.output


def test_broken_csv_names_file_row_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(shipped_scenario_path(), folder)
    jobs = (folder / "jobs.csv").read_text().splitlines()
    header = jobs[0].split(",")
    row = jobs[3].split(",")
    row[header.index("accel_count")] = "lots"
    jobs[3] = ",".join(row)
    (folder / "jobs.csv").write_text("\n".join(jobs) + "\n")
    result = runner.invoke(app, ["solve", str(folder)])
    assert result.exit_code == 2
    assert result.output.strip() == 'error: jobs.csv, row 4, column accel_count: expected an integer, got "lots"'
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(tmp_path / "nope"), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.output


def test_infeasible_scenario_exit_code(tmp_path: Path) -> None:
    folder = write_scenario(
        tmp_path / "inf",
        hubs=[{"hub_id": "a", "grid_mw": 0.5}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j", "dataset_id": "d"}],  # 1 MW, must be placed
    )
    result = runner.invoke(app, ["solve", str(folder)])
    assert result.exit_code == 3
    assert "no feasible plan" in result.output


def test_verify_reports_a_tampered_plan(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert runner.invoke(app, ["solve", "--out", str(out)]).exit_code == 0
    costs = (out / "costs.csv").read_text().splitlines()
    costs[1] = costs[1].replace("energy,", "energy,1")  # inflate the energy cost
    (out / "costs.csv").write_text("\n".join(costs) + "\n")
    result = runner.invoke(app, ["verify", str(shipped_scenario_path()), str(out)])
    assert result.exit_code == 5
    assert "violation: [figures] costs.csv row energy, column cost_cny: written 14125750.61" in result.output


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert result.output.startswith("OK: scenario 'eight-hubs' is valid (8 hubs")
