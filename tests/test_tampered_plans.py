"""Tampered copies of the shipped plan: every written figure is recomputed, a malformed plan folder is
an input error naming file, row and column, and a plan knows the scenario it was solved for.

The shipped scenario is solved once for the module and written; each test copies that folder and
changes it the way a planner's hand (or a cut-short copy) would, then runs ``verify`` as a user does
(the CLI) or through the API, and asserts the exact violation or error.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from builders import tiny_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.plan.plan import read_plan
from eastwest_opt.plan.schema import PLAN_SCHEMAS
from eastwest_opt.plan.verify import verify_plan
from eastwest_opt.scenario import shipped_scenario_path

runner = CliRunner()
SHIPPED = str(shipped_scenario_path())


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped scenario's plan, solved once and written."""
    return ew.solve().write(tmp_path_factory.mktemp("shipped") / "plan")


@pytest.fixture(scope="module")
def scenario() -> ew.Scenario:
    return ew.load_scenario()


@pytest.fixture
def plan_dir(written: Path, tmp_path: Path) -> Path:
    """A fresh copy of the written plan to tamper with."""
    return Path(shutil.copytree(written, tmp_path / "plan"))


def _rows(folder: Path, table: str) -> list[list[str]]:
    with open(folder / f"{table}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    with open(folder / f"{table}.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _set(folder: Path, table: str, row: int, column: str, value: str) -> str:
    """Set one cell (``row`` counts data rows from 0); return the value it held."""
    rows = _rows(folder, table)
    i = rows[0].index(column)
    old = rows[row + 1][i]
    rows[row + 1][i] = value
    _write_rows(folder, table, rows)
    return old


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def _set_summary(folder: Path, path: str, value: object) -> None:
    data = _summary(folder)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[last] = value
    (folder / "summary.json").write_text(json.dumps(data, indent=2) + "\n")


def _verify(folder: Path, *args: str, scenario: str = SHIPPED) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["verify", scenario, str(folder), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.strip().splitlines()


def _num(text: str) -> str:
    return f"{float(text):.10g}"


# ---------------------------------------------------------------------------------
# every written figure
# ---------------------------------------------------------------------------------
def test_the_shipped_plan_verifies(written: Path) -> None:
    code, lines = _verify(written)
    assert code == 0
    assert lines == [
        "OK: the plan satisfies every constraint and every written figure agrees with its recomputation; "
        "objective 9,123,029 CNY recomputed."
    ]


# another valid value for each text figure: the verifier must not take it for an unknown id
OTHER_TEXT = {
    ("placements", "name"): lambda old: old + " (renamed)",
    ("placements", "dataset_id"): lambda old: "code-corpus" if old != "code-corpus" else "web-zh-corpus",
    ("placements", "class_id"): lambda old: "public" if old != "public" else "personal-info",
    ("placements", "accel_id"): lambda old: "h20" if old != "h20" else "h800",
    ("placements", "data_source"): lambda old: "staged" if old != "staged" else "replica",
    ("replicas", "is_origin"): lambda old: "False" if old == "True" else "True",
    ("replicas", "grid_region"): lambda old: old + "-east",
    ("link_flows", "link_id"): lambda old: "bth-gba" if old != "bth-gba" else "bth-yrd",
    ("hub_usage", "name"): lambda old: old + " hub",
    ("hub_usage", "macro_region"): lambda old: "west" if old == "east" else "east",
    ("hub_usage", "grid_region"): lambda old: old + "-2",
    ("placements", "end_period"): lambda old: "" if old else "window",
    ("job_periods", "hub_id"): lambda old: "gs" if old != "gs" else "nx",
}
FIGURES = [(t, c) for t, schema in PLAN_SCHEMAS.items() for c in schema.figures]


def test_every_figure_column_is_tampered_below() -> None:
    text = {(t, c) for t, c in FIGURES if not PLAN_SCHEMAS[t].column(c).numeric}
    assert text == set(OTHER_TEXT)
    assert len(FIGURES) == 69


@pytest.mark.parametrize(("table", "column"), FIGURES, ids=[f"{t}.{c}" for t, c in FIGURES])
def test_a_changed_figure_is_the_one_violation_naming_file_row_column_and_numbers(
    scenario: ew.Scenario, plan_dir: Path, table: str, column: str
) -> None:
    schema = PLAN_SCHEMAS[table]
    frame = read_plan(plan_dir).tables[table]
    col = schema.column(column)
    if col.numeric:  # a row where the figure is not zero, so that a relative change shows
        row = int(next((i for i, v in enumerate(frame[column]) if v != 0), 0))
        old = float(frame[column].iloc[row])
        new = str(int(old) + 1) if col.kind == "int" else (f"{old * 1.01:.10g}" if old else "0.5")
        _set(plan_dir, table, row, column, new)
        said_new, recomputed = _num(new), f"{old:.10g}"
    else:  # text: shown quoted; a boolean as True or False
        row = 0
        old_text = str(_rows(plan_dir, table)[1][schema.column_names.index(column)])
        new = OTHER_TEXT[table, column](old_text)
        _set(plan_dir, table, row, column, new)
        said_new, recomputed = (new, old_text) if col.kind == "bool" else (repr(new), repr(old_text))
    label = schema.labels(frame.iloc[[row]]).iloc[0]
    report = verify_plan(scenario, read_plan(plan_dir))
    assert [str(v) for v in report.violations] == [
        f"[figures] {table}.csv row {label}, column {column}: written {said_new}, recomputed {recomputed}"
    ]
    assert report.violations[0].file == f"{table}.csv"
    assert (report.violations[0].row, report.violations[0].column) == (label, column)


def _row_of(folder: Path, table: str, first: str) -> int:
    """The data row (from 0) whose first cell is ``first``."""
    return [r[0] for r in _rows(folder, table)[1:]].index(first)


def test_the_issues_example_a_job_drawing_a_megawatt_more(plan_dir: Path) -> None:
    old = _set(plan_dir, "placements", _row_of(plan_dir, "placements", "pt-gov-rs"), "it_mw", "2.4336")
    assert old == "1.4336"  # 2,048 Ascend 910B at 0.7 kW
    code, lines = _verify(plan_dir)
    assert code == 5
    assert lines == [
        "violation: [figures] placements.csv row pt-gov-rs, column it_mw: written 2.4336, recomputed 1.4336",
        "1 violation(s)",
    ]


SUMMARY_FIGURES = [
    "cost_cny.energy",
    "cost_cny.carbon",
    "cost_cny.storage",
    "cost_cny.transfer",
    "cost_cny.unplaced_penalty",
    "cost_cny.total",
    "jobs",
    "jobs_placed",
    "jobs_unplaced",
    "energy_mwh",
    "west_energy_share",
    "emissions_t",
    "transfer_tb",
]


@pytest.mark.parametrize("key", SUMMARY_FIGURES)
def test_a_changed_summary_figure_is_one_violation(plan_dir: Path, key: str) -> None:
    value: object = _summary(plan_dir)
    for part in key.split("."):
        value = value[part]  # type: ignore[index]
    new = value + 1 if isinstance(value, int) else (value * 1.001 if value else 0.25)  # type: ignore[operator]
    _set_summary(plan_dir, key, new)
    code, lines = _verify(plan_dir)
    assert code == 5
    assert lines == [
        f"violation: [figures] summary.json, key {key}: written {new:.10g}, recomputed {value:.10g}",
        "1 violation(s)",
    ]


def test_the_objective_bound_gap_and_status_hold_together(written: Path, tmp_path: Path) -> None:
    summary = _summary(written)
    objective, bound = summary["objective_cny"], summary["bound_cny"]
    assert summary["status"] == "optimal" and summary["gap"] == pytest.approx((objective - bound) / objective)
    low = objective * 0.99
    cases: list[tuple[str, Callable[[Path], None], list[str]]] = [
        (
            "objective up by 0.01%",
            lambda f: _set_summary(f, "objective_cny", objective * 1.0001),
            [
                f"[objective] summary.json, key objective_cny: written {objective * 1.0001:.10g}, recomputed "
                f"{objective:.10g} (the total of the recomputed cost terms)",
                f"[objective] summary.json, key gap: written {summary['gap']:.10g}, recomputed "
                f"{(objective * 1.0001 - bound) / (objective * 1.0001):.10g} ((objective - bound) / objective)",
            ],
        ),
        (
            "bound above the objective",
            lambda f: (_set_summary(f, "bound_cny", objective + 100.0), _set_summary(f, "gap", 0.0)),
            [
                f"[objective] summary.json, key bound_cny: the lower bound {objective + 100:.10g} exceeds the "
                f"objective {objective:.10g}",
            ],
        ),
        (
            "gap changed",
            lambda f: _set_summary(f, "gap", 0.01),
            [
                f"[objective] summary.json, key gap: written 0.01, recomputed {summary['gap']:.10g} "
                "((objective - bound) / objective)",
                "[objective] summary.json, key status: written 'optimal', but the gap 0.01 exceeds the relative gap "
                "the solver was asked for (0.0001)",
            ],
        ),
        (
            "optimal with a 1% gap",
            lambda f: (_set_summary(f, "bound_cny", low), _set_summary(f, "gap", (objective - low) / objective)),
            [
                "[objective] summary.json, key status: written 'optimal', but the gap "
                f"{(objective - low) / objective:.10g} "
                "exceeds the relative gap the solver was asked for (0.0001)"
            ],
        ),
        ("no bound but a gap", lambda f: _set_summary(f, "bound_cny", None), None),
    ]
    for what, edit, expected in cases:
        folder = Path(shutil.copytree(written, tmp_path / what.replace(" ", "-")))
        edit(folder)
        code, lines = _verify(folder)
        assert code == 5, what
        if expected is None:
            assert lines[0].startswith("violation: [objective] summary.json, key gap: written "), lines
            assert lines[0].endswith(", but there is no bound (bound_cny is null)"), lines
            continue
        assert lines == [f"violation: {e}" for e in expected] + [f"{len(expected)} violation(s)"], what


def test_verify_json_lists_violations_as_records(plan_dir: Path) -> None:
    meter = float(_set(plan_dir, "hub_usage", 2, "meter_mw", "9.5"))
    result = runner.invoke(app, ["verify", SHIPPED, str(plan_dir), "--json"])
    assert result.exit_code == 5
    verdict = json.loads(result.output)
    assert verdict["ok"] is False and verdict["warnings"] == []
    assert verdict["violations"] == [
        {
            "family": "figures",
            "file": "hub_usage.csv",
            "row": "gba",
            "column": "meter_mw",
            "written": 9.5,
            "recomputed": pytest.approx(meter, rel=1e-9),
            "value": None,
            "limit": None,
            "message": f"hub_usage.csv row gba, column meter_mw: written 9.5, recomputed {meter:.10g}",
        }
    ]
    assert verdict["costs_cny"]["total"] == pytest.approx(_summary(plan_dir)["objective_cny"], rel=1e-9)


# ---------------------------------------------------------------------------------
# decisions that no longer fit together: constraint violations, with the figures that follow
# ---------------------------------------------------------------------------------
def test_a_removed_replica_or_route_is_a_violation_naming_the_file(plan_dir: Path) -> None:
    rows = _rows(plan_dir, "artifact_routes")
    _write_rows(plan_dir, "artifact_routes", [rows[0], *rows[2:]])  # bth>yrd, 1.2 TB
    code, lines = _verify(plan_dir)
    assert code == 5
    assert lines[0] == (
        "violation: [artifact_delivery] artifact_routes.csv row bth->yrd bound 20, column tb: routes carry 0 TB of "
        "artifacts from bth to yrd, the jobs placed at bth need 1.2 TB"
    )
    assert (
        "violation: [figures] link_flows.csv row bth->yrd, column artifact_tb: written 14.7, recomputed 13.5" in lines
    )


def test_a_removed_row_of_a_table_that_lists_every_hub_is_an_input_error(plan_dir: Path) -> None:
    rows = _rows(plan_dir, "hub_usage")
    _write_rows(plan_dir, "hub_usage", rows[:-1])  # cut short at a line break: Ningxia lost
    code, lines = _verify(plan_dir)
    assert code == 2
    assert lines == ["error: hub_usage.csv: no row for 1 hub of hubs.csv: nx (the table has 7 rows)"]


# ---------------------------------------------------------------------------------
# malformed plan folders: exit 2, one line naming file, row and column, never a traceback
# ---------------------------------------------------------------------------------
def _cut(table: str, keep: float) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        blob = (folder / f"{table}.csv").read_bytes()
        (folder / f"{table}.csv").write_bytes(blob[: int(len(blob) * keep)])

    return edit


def _append_row(table: str, edit_row: Callable[[list[str], list[str]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        rows = _rows(folder, table)
        row = list(rows[3])
        edit_row(rows[0], row)
        _write_rows(folder, table, [*rows, row])

    return edit


def _cell(table: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    return lambda folder: _set(folder, table, row, column, value) and None


def _unknown_job_and_hub(header: list[str], row: list[str]) -> None:
    row[header.index("job_id")] = "ft-llm-longctx-extra"
    row[header.index("hub_id")] = "zz-unknown"


def _rename_column(table: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        rows = _rows(folder, table)
        rows[0][rows[0].index(old)] = new
        _write_rows(folder, table, rows)

    return edit


def _drop_column(table: str, column: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        rows = _rows(folder, table)
        i = rows[0].index(column)
        _write_rows(folder, table, [r[:i] + r[i + 1 :] for r in rows])

    return edit


def _summary_text(edit_text: Callable[[str], str]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / "summary.json").write_text(edit_text((folder / "summary.json").read_text()))

    return edit


MALFORMED: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "summary objective abc",
        lambda f: _set_summary(f, "objective_cny", "abc"),
        "error: summary.json, row 7: key objective_cny: expected a number, got 'abc'",
    ),
    (
        "summary cost term text",
        lambda f: _set_summary(f, "cost_cny.energy", "4.1M"),
        "error: summary.json, row 11: key cost_cny.energy: expected a number, got '4.1M'",
    ),
    (
        "summary jobs 2.5",
        lambda f: _set_summary(f, "jobs", 2.5),
        "error: summary.json, row 18: key jobs: expected a whole number >= 0, got 2.5",
    ),
    (
        "summary NaN",
        lambda f: _set_summary(f, "emissions_t", math.nan),
        "error: summary.json, row 23: key emissions_t: expected a finite number, got nan",
    ),
    (
        "summary status",
        lambda f: _set_summary(f, "status", "great"),
        "error: summary.json, row 5: key status: expected one of optimal, feasible, got 'great'",
    ),
    (
        "summary key missing",
        _summary_text(lambda t: t.replace('"transfer_tb"', '"transfer"')),
        "error: summary.json: key transfer_tb: missing",
    ),
    ("summary truncated", _summary_text(lambda t: t[: len(t) // 2]), "not valid JSON"),
    ("summary a list", _summary_text(lambda t: "[1, 2]\n"), "error: summary.json: expected a JSON object, got a list"),
    ("summary missing", lambda f: (f / "summary.json").unlink(), "summary.json: file not found"),
    ("table missing", lambda f: (f / "traffic.csv").unlink(), "traffic.csv: file not found"),
    ("table empty", lambda f: (f / "costs.csv").write_text(""), "error: costs.csv: empty file: no header row"),
    (
        "table header only",
        lambda f: _write_rows(f, "placements", _rows(f, "placements")[:1]),
        "error: placements.csv: no row for 51 jobs of jobs.csv (every job has a row, placed or unplaced): "
        f"{', '.join(pd.read_csv(Path(SHIPPED) / 'jobs.csv')['job_id'][:5])} and 46 more (the table has 0 rows)",
    ),
    (
        "table cut mid-row",
        _cut("replicas", 0.5),
        "error: replicas.csv, row 20: the last row ends without a line break: the file looks cut short",
    ),
    (
        "table cut in its header",
        _cut("link_flows", 0.02),
        "error: link_flows.csv, row 1: the last row ends without a line break: the file looks cut short",
    ),
    ("column missing", _drop_column("placements", "it_mw"), "error: placements.csv: required column missing: it_mw"),
    (
        "column renamed",
        _rename_column("hub_usage", "meter_mw", "meter MW"),
        "error: hub_usage.csv: required column missing: meter_mw (unknown column: meter MW)",
    ),
    (
        "column twice",
        _rename_column("costs", "share", "cost_cny"),
        "error: costs.csv, row 1, column cost_cny: column appears twice",
    ),
    (
        "text in a number",
        _cell("placements", 3, "it_mw", "abc"),
        "error: placements.csv, row 5, column it_mw: not a number: 'abc'",
    ),
    (
        "fraction in a count",
        _cell("hub_usage", 0, "jobs", "2.5"),
        "error: hub_usage.csv, row 2, column jobs: not an integer: '2.5'",
    ),
    (
        "empty number",
        _cell("link_flows", 4, "total_tb", ""),
        "error: link_flows.csv, row 6, column total_tb: a value is required",
    ),
    (
        "bad status",
        _cell("placements", 0, "status", "maybe"),
        "error: placements.csv, row 2, column status: expected one of placed, unplaced, got 'maybe'",
    ),
    (
        "bad boolean",
        _cell("replicas", 1, "is_origin", "perhaps"),
        "error: replicas.csv, row 3, column is_origin: expected true or false, got 'perhaps'",
    ),
    (
        "duplicate row",
        lambda f: _write_rows(f, "placements", [*_rows(f, "placements"), _rows(f, "placements")[5]]),
        "error: placements.csv, row 53: duplicate row pt-gov-rs (first in row 6)",
    ),
    (
        "unknown hub",
        _cell("placements", 1, "hub_id", "zz-unknown"),
        "error: placements.csv, row 3, column hub_id: hub 'zz-unknown' (row pt-llm-domestic) is not in hubs.csv",
    ),
    (
        "unknown dataset",
        _cell("replicas", 0, "dataset_id", "no-such-data"),
        "error: replicas.csv, row 2, column dataset_id: dataset 'no-such-data' (row no-such-data@bth durable) "
        "is not in datasets.csv",
    ),
    (
        "unknown link",
        _cell("link_flows", 0, "link_id", "bth-mars"),
        "error: link_flows.csv, row 2, column link_id: link 'bth-mars' (row bth->yrd) is not in links.csv",
    ),
    (
        "route through an unknown hub",
        _cell("artifact_routes", 0, "route", "bth>mars>yrd"),
        "error: artifact_routes.csv, row 2, column route: route 'bth>mars>yrd' (row bth>mars>yrd bound 20) "
        "passes hub 'mars', which is not in hubs.csv",
    ),
    (
        "unknown accelerator row",
        _append_row("accelerator_usage", lambda header, row: row.__setitem__(header.index("accel_id"), "tpu")),
        "error: accelerator_usage.csv, row 27, column accel_id: accelerator 'tpu' (row bth/tpu) is not in "
        "accelerators.csv",
    ),
    (
        "a cost term lost",
        lambda f: _write_rows(f, "costs", [r for r in _rows(f, "costs") if r[0] != "carbon"]),
        "error: costs.csv: no row for 1 term of the cost terms: carbon (the table has 5 rows)",
    ),
    (
        "not UTF-8",
        lambda f: (f / "staging.csv").write_bytes(b"dataset_id,to_hub,from_hub,tb\n\xff\xfe,nx,gs,300\n"),
        "error: staging.csv: not UTF-8 text (byte 30)",
    ),
]


@pytest.mark.parametrize(("what", "edit", "said"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_plan_is_an_input_error_naming_file_row_and_column(
    plan_dir: Path, what: str, edit: Callable[[Path], None], said: str
) -> None:
    edit(plan_dir)
    code, lines = _verify(plan_dir)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert said in lines[0]


def test_the_issues_example_a_row_for_a_job_and_hub_that_do_not_exist(plan_dir: Path) -> None:
    _append_row("placements", _unknown_job_and_hub)(plan_dir)
    code, lines = _verify(plan_dir)
    assert code == 2
    assert lines == [
        "error: placements.csv, row 53, column job_id: job 'ft-llm-longctx-extra' is not in jobs.csv",
        "error: placements.csv, row 53, column hub_id: hub 'zz-unknown' (row ft-llm-longctx-extra) is not in hubs.csv",
    ]


# ---------------------------------------------------------------------------------
# a plan knows its scenario
# ---------------------------------------------------------------------------------
def test_the_plan_records_the_fingerprint_of_its_scenario(written: Path, scenario: ew.Scenario) -> None:
    from eastwest_opt.scenario.fingerprint import scenario_fingerprint

    assert _summary(written)["scenario_fingerprint"] == scenario_fingerprint(scenario)
    assert read_plan(written).scenario_fingerprint == scenario_fingerprint(scenario)


def test_an_edited_scenario_is_said_first_and_checked_anyway(written: Path, tmp_path: Path) -> None:
    edited = Path(shutil.copytree(SHIPPED, tmp_path / "edited"))
    hubs = pd.read_csv(edited / "hubs.csv")
    hubs.loc[hubs["hub_id"] == "gs", "grid_mw"] = 5.0  # Gansu's two jobs draw 5.91 MW
    hubs.to_csv(edited / "hubs.csv", index=False)
    usage = pd.read_csv(written / "hub_usage.csv").set_index("hub_id")
    meter, grid, share = usage.at["gs", "meter_mw"], usage.at["gs", "grid_mw"], usage.at["gs", "power_utilisation"]
    code, lines = _verify(written, scenario=str(edited))
    assert code == 5
    assert lines[0].startswith("warning: the plan was solved for another version of this scenario (fingerprint ")
    assert lines[0].endswith("); checking anyway")
    assert lines[1:] == [
        f"violation: [hub_power] hub_usage.csv row gs, column meter_mw: hub gs draws {meter:.4f} MW (IT x PUE), "
        "its grid allocation is 5 MW",
        f"violation: [figures] hub_usage.csv row gs, column grid_mw: written {grid:.10g}, recomputed 5",
        f"violation: [figures] hub_usage.csv row gs, column power_utilisation: written {share:.10g}, recomputed "
        f"{meter / 5:.10g}",
        # hub_periods.csv holds the same figures for the plan's one period
        f"violation: [figures] hub_periods.csv row gs, column grid_mw: written {grid:.10g}, recomputed 5",
        f"violation: [figures] hub_periods.csv row gs, column power_utilisation: written {share:.10g}, recomputed "
        f"{meter / 5:.10g}",
        "5 violation(s)",
    ]


def test_another_scenario_is_said_first_then_refused(written: Path, tmp_path: Path) -> None:
    other = tiny_scenario(
        tmp_path / "other",
        hubs=[{"hub_id": "a"}],
        datasets=[{"dataset_id": "d", "origin_hub": "a"}],
        jobs=[{"job_id": "j", "dataset_id": "d"}],
    )
    code, lines = _verify(written, scenario=str(other.path))
    assert code == 2
    assert lines[0].startswith("warning: the plan was solved for another version of this scenario")
    assert lines[1].startswith("error: placements.csv, row 2, column job_id: job 'pt-llm-base' is not in jobs.csv")


def test_a_plan_of_an_older_version_without_a_fingerprint_is_checked(plan_dir: Path) -> None:
    data = _summary(plan_dir)
    del data["scenario_fingerprint"]
    (plan_dir / "summary.json").write_text(json.dumps(data, indent=2) + "\n")
    code, lines = _verify(plan_dir)
    assert code == 0
    assert lines[0] == (
        "warning: the plan records no scenario fingerprint (it was written by an older version); checking anyway"
    )


def test_the_fingerprint_is_the_content_not_the_file(scenario: ew.Scenario, tmp_path: Path) -> None:
    from eastwest_opt.scenario.fingerprint import scenario_fingerprint

    same = Path(shutil.copytree(SHIPPED, tmp_path / "same"))
    jobs = pd.read_csv(same / "jobs.csv", dtype=str, keep_default_na=False)
    jobs.iloc[::-1].to_csv(same / "jobs.csv", index=False)  # rows in another order
    hubs = (same / "hubs.csv").read_text().replace("\n", "\r\n")  # Windows line ends
    (same / "hubs.csv").write_text(hubs)
    assert scenario_fingerprint(ew.load_scenario(same)) == scenario_fingerprint(scenario)
    assert scenario_fingerprint(scenario.with_settings(name="renamed")) == scenario_fingerprint(scenario)
    assert scenario_fingerprint(scenario.update("hubs", "nx", pue=1.2)) != scenario_fingerprint(scenario)
    assert scenario_fingerprint(scenario.with_settings(carbon_price_cny_per_t=1)) != scenario_fingerprint(scenario)


# ---------------------------------------------------------------------------------
# any written number, changed beyond the tolerance, is caught
# ---------------------------------------------------------------------------------
SKIPPED_SUMMARY = (
    "scenario",
    "scenario_path",
    "scenario_fingerprint",
    "status",
    "verified",
    "seconds",
    "solver",
    "violations",
)


def _numbers(folder: Path) -> list[tuple[str, int | None, str]]:
    """Every numeric cell of every table (file, data row, column) and every number of summary.json
    but how it was found (seconds, solver settings)."""
    plan = read_plan(folder)
    cells: list[tuple[str, int | None, str]] = []
    for name, schema in PLAN_SCHEMAS.items():
        for col in schema.columns:
            if col.numeric:
                values = plan.tables[name][col.name]
                cells += [(name, i, col.name) for i in range(len(values)) if not pd.isna(values.iloc[i])]
    summary = _summary(folder)
    for key, value in summary.items():
        if key in SKIPPED_SUMMARY:
            continue
        if isinstance(value, dict):
            cells += [("summary.json", None, f"{key}.{k}") for k in value]
        elif value is not None:
            cells.append(("summary.json", None, key))
    return cells


@pytest.fixture(scope="module")
def numbers(written: Path) -> list[tuple[str, int | None, str]]:
    return _numbers(written)


def test_the_property_test_draws_from_every_table(numbers: list[tuple[str, int | None, str]]) -> None:
    assert {f for f, _, _ in numbers} == {*PLAN_SCHEMAS, "summary.json"}
    assert len(numbers) > 1000


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_written_number_changed_beyond_the_tolerance_is_caught(
    written: Path,
    scenario: ew.Scenario,
    numbers: list[tuple[str, int | None, str]],
    tmp_path_factory: pytest.TempPathFactory,
    data: st.DataObject,
) -> None:
    file, row, column = data.draw(st.sampled_from(numbers), label="cell")
    change = data.draw(st.floats(min_value=1e-3, max_value=10.0), label="relative change")
    sign = data.draw(st.sampled_from([-1.0, 1.0]), label="sign")
    folder = Path(shutil.copytree(written, tmp_path_factory.mktemp("tampered") / "plan"))
    if file == "summary.json":
        value: object = _summary(folder)
        for part in column.split("."):
            value = value[part]  # type: ignore[index]
        old = float(value)  # type: ignore[arg-type]
        is_int = isinstance(value, int)
    else:
        old = float(_rows(folder, file)[row + 1][PLAN_SCHEMAS[file].column_names.index(column)])  # type: ignore[operator]
        is_int = PLAN_SCHEMAS[file].column(column).kind == "int"
    if is_int:
        new: float = old + sign * max(1, round(abs(old) * change))
    else:
        new = old * (1 + sign * change) if old else sign * change
    if file == "summary.json":
        _set_summary(folder, column, int(new) if is_int else new)
    else:
        _set(folder, file, row, column, str(int(new)) if is_int else f"{new:.12g}")  # type: ignore[arg-type]
    try:
        tampered = read_plan(folder)
    except ew.ScenarioError as err:  # a value no plan can hold (a negative count): malformed, named
        where = "summary.json" if file == "summary.json" else f"{file}.csv"
        assert str(err).startswith(where) and column.split(".")[-1] in str(err), str(err)
        return
    report = verify_plan(scenario, tampered)
    assert not report.ok, (file, row, column, old, new)
    table = PLAN_SCHEMAS.get(file)
    if table is not None and column in table.figures:  # a figure: named by its file, row and column
        label = table.labels(read_plan(folder).tables[file].iloc[[row]]).iloc[0]  # type: ignore[list-item]
        assert any((v.file, v.row, v.column) == (f"{file}.csv", label, column) for v in report.violations)
    elif file == "summary.json":
        assert any(v.file == "summary.json" for v in report.violations)
