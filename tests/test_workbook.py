"""Scenarios as Excel workbooks: read through the same parsing and checks as CSV, written back
unchanged, plans written as workbooks atomically, and every kind of bad workbook one clear line."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import OutputExistsError
from eastwest_opt.plan.plan import TABLES
from eastwest_opt.scenario.schema import TABLE_ORDER
from eastwest_opt.scenario.workbook_write import write_scenario_workbook

runner = CliRunner()
SHIPPED = ew.load_scenario()


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped scenario as one workbook."""
    return write_scenario_workbook(SHIPPED, tmp_path_factory.mktemp("wb") / "portfolio.xlsx")


def _changed(workbook: Path, tmp_path: Path, change: Callable[[openpyxl.Workbook], None]) -> Path:
    """A copy of the workbook changed in openpyxl, as a planner's spreadsheet program would."""
    path = tmp_path / "portfolio.xlsx"
    shutil.copy(workbook, path)
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def _errors(path: Path) -> list[str]:
    return [str(p) for p in ew.validate_scenario(path) if p.severity == "error"]


def test_the_workbook_reads_back_as_the_scenario_it_was_written_from(workbook: Path) -> None:
    back = ew.load_scenario(workbook)
    for name in TABLE_ORDER:
        pd.testing.assert_frame_equal(back.tables[name], SHIPPED.tables[name], check_dtype=True, obj=name)
    assert back.solver == SHIPPED.solver
    for setting in ("planning_window_hours", "carbon_price_cny_per_t", "carbon_budget_t", "allow_unplaced"):
        assert getattr(back, setting) == getattr(SHIPPED, setting), setting
    assert back.sources["jobs"] == "portfolio.xlsx, sheet jobs"
    sheets = ["scenario", "hubs", "links", "accelerators", "hub_accelerators", "data_classes", "datasets", "jobs"]
    assert openpyxl.load_workbook(workbook).sheetnames == [*sheets, "overrides"]  # no empty optional tables


def test_csv_folder_to_workbook_to_solve_gives_the_same_plan(workbook: Path) -> None:
    from_csv = ew.solve(SHIPPED)
    from_xlsx = ew.solve(workbook)
    assert from_xlsx.status == from_csv.status == "optimal"
    assert from_xlsx.objective_cny == pytest.approx(from_csv.objective_cny, rel=1e-9)
    placed = ["job_id", "status", "hub_id", "accel_id", "accel_count"]
    pd.testing.assert_frame_equal(from_xlsx.placements[placed], from_csv.placements[placed])


def test_solve_a_workbook_and_write_the_plan_as_a_workbook(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(app, ["solve", str(workbook), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "portfolio: optimal, verified" not in result.output  # the scenario keeps its own name
    assert "eight-hubs: optimal, verified" in result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["summary", *TABLES]
    summary = {r[0]: r[1] for r in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["status"] == "optimal" and summary["verified"] is True
    assert summary["cost_cny.total"] == pytest.approx(summary["objective_cny"], rel=1e-9)
    placements = pd.read_excel(out, sheet_name="placements")
    assert len(placements) == len(SHIPPED.jobs) and set(placements["status"]) == {"placed"}
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]  # no temporary file left behind
    again = runner.invoke(app, ["solve", str(workbook), "--out", str(out)])
    assert again.exit_code == 6
    assert f"error: {out}: output file exists; pass --overwrite to replace it" in again.output
    report = runner.invoke(app, ["solve", str(workbook), "--out", str(out), "--report"])
    assert report.exit_code == 2
    assert "error: --report needs --out with a folder" in report.output


def test_a_plan_workbook_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = ew.solve(SHIPPED)
    out = tmp_path / "plan.xlsx"
    plan.write(out)
    before = out.read_bytes()

    def broken_save(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        plan.write(out, overwrite=True)
    assert out.read_bytes() == before  # the old workbook, whole
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]
    with pytest.raises(OutputExistsError):
        plan.write(out)


def _rename_accel_count(book: openpyxl.Workbook) -> None:
    for cell in book["jobs"][1]:
        if cell.value == "accel_count":
            cell.value = "accelerators"


def _set(sheet: str, cell: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def change(book: openpyxl.Workbook) -> None:
        book[sheet][cell] = value

    return change


BAD = {
    "missing sheet": (
        lambda book: book.remove(book["links"]),
        "portfolio.xlsx, sheet links: sheet not found; the workbook has sheets scenario, hubs, accelerators, "
        "hub_accelerators, data_classes, datasets, jobs, overrides",
    ),
    "renamed column": (
        _rename_accel_count,
        "portfolio.xlsx, sheet jobs, row 1, column accel_count: required column is missing (header cell E1 holds "
        "'accelerators', which is not a column of this table: renamed?)",
    ),
    "merged cells across a row": (
        lambda book: book["hubs"].merge_cells("B3:C3"),
        "portfolio.xlsx, sheet hubs, row 3, column name: merged cells B3:C3; unmerge them so that every cell "
        "holds its own value",
    ),
    "merged cells down a required column": (
        lambda book: book["jobs"].merge_cells("D3:D4"),
        "portfolio.xlsx, sheet jobs, row 3, column accel_id: merged cells D3:D4; unmerge them so that every cell "
        "holds its own value",
    ),
    "formula": (
        _set("hubs", "K4", "=2*3"),
        "portfolio.xlsx, sheet hubs, row 4, column grid_mw: cell K4 holds a formula (=2*3); the scenario reads "
        "values: paste the value instead",
    ),
    "date where a number belongs": (
        _set("hubs", "I3", dt.datetime(2024, 3, 1)),
        "portfolio.xlsx, sheet hubs, row 3, column price_cny_per_kwh: expected a number, got the date 2024-03-01 "
        "(cell I3); format the cell as a number",
    ),
    "text where a number belongs": (
        _set("jobs", "E4", "lots"),
        'portfolio.xlsx, sheet jobs, row 4, column accel_count: expected an integer, got "lots"',
    ),
    "bad setting": (
        _set("scenario", "B4", "lots"),
        "portfolio.xlsx, sheet scenario, row 4: planning_window_hours must be a number > 0, got 'lots'",
    ),
    "setting beyond its range": (
        _set("scenario", "B11", 5000),
        "portfolio.xlsx, sheet scenario, row 11: solver.threads must be <= 1024 (null lets HiGHS choose), got 5000",
    ),
    "setting that is not a finite number": (
        _set("scenario", "B5", "nan"),
        "portfolio.xlsx, sheet scenario, row 5: carbon_price_cny_per_t must be a number >= 0, got nan",
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_each_bad_workbook_gives_one_clear_error(kind: str, workbook: Path, tmp_path: Path) -> None:
    change, message = BAD[kind]
    path = _changed(workbook, tmp_path, change)
    assert _errors(path) == [message]
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"error: {message}\n" in result.output
    assert "Traceback" not in result.output


def test_empty_rows_are_skipped_and_rows_keep_their_sheet_numbers(workbook: Path, tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book["jobs"].insert_rows(5, amount=2)
        book["jobs"]["E9"] = "lots"

    assert _errors(_changed(workbook, tmp_path, change)) == [
        'portfolio.xlsx, sheet jobs, row 9, column accel_count: expected an integer, got "lots"'
    ]


def test_unknown_sheets_and_settings_are_named(workbook: Path, tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        book.create_sheet("notes")
        book["scenario"].append(["colour", "red"])

    problems = [str(p) for p in ew.validate_scenario(_changed(workbook, tmp_path, change))]
    assert "warning: portfolio.xlsx, sheet notes: unknown sheet, ignored" in problems
    assert (
        "portfolio.xlsx, sheet scenario, row 12: unknown key 'colour'; known keys: name, description, "
        "planning_window_hours, carbon_price_cny_per_t, carbon_budget_t, allow_unplaced, artifact_paths_k, "
        "solver.time_limit_s, solver.mip_rel_gap, solver.threads"
    ) in problems


def test_settings_typed_as_text_are_read_as_their_values(workbook: Path, tmp_path: Path) -> None:
    def change(book: openpyxl.Workbook) -> None:
        ws = book["scenario"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "carbon_price_cny_per_t":
                row[1].value = "200"
            if row[0].value == "allow_unplaced":
                row[1].value = "FALSE"

    sc = ew.load_scenario(_changed(workbook, tmp_path, change))
    assert sc.carbon_price_cny_per_t == 200.0 and sc.allow_unplaced is False


def test_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    junk = tmp_path / "portfolio.xlsx"
    junk.write_text("name,size\n")
    result = runner.invoke(app, ["validate", str(junk)])
    assert result.exit_code == 2
    assert (
        result.output.splitlines()[0]
        == "error: portfolio.xlsx: not a readable Excel workbook (.xlsx): File is not a zip file"
    )
    missing = runner.invoke(app, ["solve", str(tmp_path / "none.xlsx")])
    assert missing.exit_code == 2
    assert missing.output == f"error: {tmp_path / 'none.xlsx'}: workbook does not exist\n"


def test_a_workbook_scenario_is_found_again_by_report_and_by_a_sweep(workbook: Path, tmp_path: Path) -> None:
    def rename(book: openpyxl.Workbook) -> None:
        book["scenario"]["B2"] = "portfolio"

    path = _changed(workbook, tmp_path, rename)
    assert runner.invoke(app, ["solve", str(path), "--out", str(tmp_path / "plan")]).exit_code == 0
    result = runner.invoke(app, ["report", str(tmp_path / "plan")])
    assert result.exit_code == 0, result.output
    assert "<h1>Plan report: portfolio</h1>" in (tmp_path / "plan" / "report.html").read_text()
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        "base: portfolio.xlsx\nvariants: [{name: cut, overrides: [{table: links, id: yrd-gz, remove: true}]}]\n"
    )
    assert ew.load_sweep(sweep).base == path.resolve()
