"""Loading and changing scenarios: types, ranges, cross-references, exact messages."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import pytest
import yaml
from builders import write_scenario
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import ScenarioError
from eastwest_opt.scenario import shipped_scenario_path
from eastwest_opt.scenario.checks import WHY_ROWS
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER


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
        "scenario.yaml, row 3: unknown key 'carbon_prise'; known keys: allow_unplaced, artifact_paths_k, "
        "carbon_budget_t, carbon_price_cny_per_t, description, name, planning_window_hours, solver, tables",
        "scenario.yaml, row 11: tables.jobs = '../../etc/passwd' points outside the scenario folder; refused",
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


# -- the tables as files: repeated columns, empty tables, rows longer than the header -------------


def _shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "shipped"
    shutil.copytree(shipped_scenario_path(), folder)
    return folder


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _validate(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("file", "column", "places"),
    [
        ("datasets.csv", "size_tb", "5 and 8"),
        ("accelerators.csv", "kw_per_accel", "5 and 6"),
        ("jobs.csv", "accel_id", "4 and 12"),
    ],
)
def test_a_column_given_twice_is_an_error_naming_file_and_column(
    tmp_path: Path, file: str, column: str, places: str
) -> None:
    """Read from the raw header: pandas would rename the copy 'size_tb.1' and keep the first silently."""
    folder = _shipped(tmp_path)
    path = folder / file
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    i = rows[0].index(column)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[*r, r[i] if n == 0 else r[i] + "9"] for n, r in enumerate(rows)])
    message = f"{file}, column {column}: column given twice (columns {places}); the table is ambiguous: keep one"
    assert _messages(folder) == [message]
    code, output = _validate(folder)
    assert code == 2 and output.splitlines() == [f"error: {message}", "1 error(s), 0 warning(s)"]


@pytest.mark.parametrize(
    ("content", "what"),
    [(b"", "is empty"), (b"\xef\xbb\xbf", "holds only a byte-order mark"), (b"\n\r\n  \n", "is empty")],
)
def test_a_table_without_a_header_is_an_error_naming_it(tmp_path: Path, content: bytes, what: str) -> None:
    folder = _shipped(tmp_path)
    (folder / "hubs.csv").write_bytes(content)
    columns = ", ".join(SCHEMAS["hubs"].column_names)
    message = f"hubs.csv: the table {what}: no header row; expected a header with {columns}"
    assert _messages(folder) == [message]
    code, output = _validate(folder)
    assert code == 2 and output.splitlines()[0] == f"error: {message}"


@pytest.mark.parametrize("table", [n for n in TABLE_ORDER if not SCHEMAS[n].optional_table])
def test_a_required_table_with_a_header_and_no_rows_is_one_error_naming_it(tmp_path: Path, table: str) -> None:
    folder = _shipped(tmp_path)
    header = (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
    (folder / f"{table}.csv").write_text(header + "\n\n\n", encoding="utf-8")
    assert _messages(folder) == [f"{table}.csv: table has no rows: {WHY_ROWS[table]}"]  # no cascade of references
    assert _validate(folder)[0] == 2


@pytest.mark.parametrize("table", [n for n in TABLE_ORDER if SCHEMAS[n].optional_table])
def test_an_optional_table_may_have_a_header_and_no_rows(tmp_path: Path, table: str) -> None:
    folder = _shipped(tmp_path)
    (folder / f"{table}.csv").write_text(",".join(SCHEMAS[table].column_names) + "\n\n", encoding="utf-8")
    config = yaml.safe_load((folder / "scenario.yaml").read_text())
    config["tables"][table] = f"{table}.csv"
    (folder / "scenario.yaml").write_text(yaml.safe_dump(config))
    assert ew.validate_scenario(folder) == []
    assert len(ew.load_scenario(folder).tables[table]) == 0


def test_a_row_longer_than_the_header_is_refused_not_shifted(tmp_path: Path) -> None:
    """pandas would take the first cells as an index and shift every column of the table by one."""
    folder = _shipped(tmp_path)
    lines = (folder / "hubs.csv").read_text().splitlines()
    (folder / "hubs.csv").write_text("\n".join([lines[0], lines[1] + ",extra", *lines[2:]]) + "\n")
    assert _messages(folder) == ["hubs.csv, row 2: malformed CSV: 15 cells but the header names 14 columns"]


# -- numbers: admissible ranges (errors), plausible ranges (warnings), derived magnitudes ----------


def test_every_numeric_column_states_its_ranges_and_why() -> None:
    for schema in SCHEMAS.values():
        for col in schema.columns:
            if col.kind not in ("float", "int"):
                continue
            where = f"{schema.name}.{col.name}"
            assert col.plausible is not None and col.why, f"{where} states no plausible range"
            upper = col.le if col.le is not None else col.lt
            assert upper is not None and math.isfinite(upper), f"{where} has no admissible upper end"
            assert col.plausible[1] <= upper, where
            lower = col.ge if col.ge is not None else col.gt
            assert lower is not None and lower <= col.plausible[0], where


def test_kw_per_accel_of_int64_max_is_a_clean_error_not_a_failed_verification(tmp_path: Path) -> None:
    folder = _shipped(tmp_path)
    _set_cell(folder / "accelerators.csv", 2, "kw_per_accel", "9223372036854775807")
    message = (
        "accelerators.csv, row 2, column kw_per_accel: must be <= 10000 (10 MW per accelerator is no accelerator), "
        "got 9.22337e+18"
    )
    assert _messages(folder) == [message]
    result = CliRunner().invoke(app, ["solve", str(folder)])
    assert result.exit_code == 2 and result.output.splitlines() == [f"error: {message}"]


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "message"),
    [
        ("hubs.csv", 3, "pue", "1e999", "expected a finite number"),
        (
            "hubs.csv",
            3,
            "grid_mw",
            "10000000.5",
            "must be <= 1e+07 (more than the world's generating capacity), got 10000000.5",
        ),
        (
            "jobs.csv",
            2,
            "accel_count",
            "99999999999999999999999",
            "must be <= 1e+08 (more than the world has), got 1e+23",
        ),
        ("jobs.csv", 3, "artifact_tb", "100001", "must be <= 100000 (100 PB is no model), got 100001"),
        ("datasets.csv", 2, "size_tb", "-0.0", "must be > 0, got -0"),
        ("links.csv", 2, "capacity_gbps", "nan", 'expected a number, got "nan"'),
        ("hub_accelerators.csv", 2, "energy_subsidy_share", "1", "must be < 1, got 1"),
    ],
)
def test_numbers_outside_the_admissible_range_are_errors(
    tmp_path: Path, file: str, row: int, column: str, value: str, message: str
) -> None:
    folder = _shipped(tmp_path)
    _set_cell(folder / file, row, column, value)
    assert _messages(folder) == [f"{file}, row {row}, column {column}: {message}"]


def test_numbers_outside_the_plausible_range_are_one_warning_per_column(tmp_path: Path) -> None:
    folder = _shipped(tmp_path)
    _set_cell(folder / "hubs.csv", 3, "pue", "3.5")
    _set_cell(folder / "hubs.csv", 5, "pue", "4")
    _set_cell(folder / "hubs.csv", 2, "price_cny_per_kwh", "450")  # per MWh
    _set_cell(folder / "accelerators.csv", 2, "kw_per_accel", "700")  # W
    assert [str(p) for p in ew.validate_scenario(folder)] == [
        "warning: hubs.csv, row 2, column price_cny_per_kwh: 450 is above the plausible range 0 to 10 "
        "(tariffs are 0.3-1.2 CNY/kWh; above 10 is likely per MWh); check the value and its unit",
        "warning: hubs.csv, row 3, column pue: 3.5 is above the plausible range 1 to 3 "
        "(data centres run at a PUE of 1.05-2); check the value and its unit (and 1 more row)",
        "warning: accelerators.csv, row 2, column kw_per_accel: 700 is above the plausible range 0.05 to 20 "
        "(an accelerator draws 0.3-2 kW all-in (a 72-accelerator rack about 130 kW); above 20 is likely W); "
        "check the value and its unit",
    ]
    assert ew.load_scenario(folder).hubs.loc[1, "pue"] == 3.5  # warnings do not stop loading


def test_products_of_columns_beyond_what_the_model_holds_are_errors(tmp_path: Path) -> None:
    """Each column is admissible; their products (meter MW, energy cost, TB over the window,
    storage cost) are not."""
    folder = _base(
        tmp_path,
        hubs=[
            {"hub_id": "a", "pue": 2.0, "price_cny_per_kwh": 900},
            {"hub_id": "b", "storage_price_cny_per_tb_month": 9e5},
        ],
        links=[{"link_id": "ab", "hub_a": "a", "hub_b": "b", "capacity_gbps": 9e8}],
        accelerators=[{"accel_id": "gpu", "name": "GPU", "kw_per_accel": 9000}],
        datasets=[{"dataset_id": "d", "origin_hub": "a", "size_tb": 9e6}],
        jobs=[
            {"job_id": "big", "dataset_id": "d", "accel_count": 90_000_000, "runtime_h": 10},
            {"job_id": "long", "dataset_id": "d", "accel_count": 1000, "runtime_h": 800_000},
        ],
        settings={"planning_window_hours": 8000},
    )
    assert _messages(folder) == [
        "jobs.csv, row 2, column accel_count: job 'big' would draw 1.62e+09 MW at hub 'a' "
        "(accel_count x kw_per_accel / 1000 x pue): more than the 1e+09 MW a coefficient of the model may hold",
        "jobs.csv, row 2, column runtime_h: job 'big' would cost 1.46e+16 CNY of energy at hub 'a' "
        "(IT MW x runtime_h x pue x 1000 x price_cny_per_kwh): more than the 1e+12 CNY a cost of the model may hold",
        "jobs.csv, row 3, column runtime_h: job 'long' would cost 1.3e+16 CNY of energy at hub 'a' "
        "(IT MW x runtime_h x pue x 1000 x price_cny_per_kwh): more than the 1e+12 CNY a cost of the model may hold",
        "jobs.csv, row 2, column runtime_h: job 'big' would emit 8.1e+09 tCO2 at hub 'a' "
        "(IT MW x runtime_h x pue x carbon_kg_per_kwh): more than the 1e+09 tCO2 a coefficient of the model may hold",
        "jobs.csv, row 3, column runtime_h: job 'long' would emit 7.2e+09 tCO2 at hub 'a' "
        "(IT MW x runtime_h x pue x carbon_kg_per_kwh): more than the 1e+09 tCO2 a coefficient of the model may hold",
        "links.csv, row 2, column capacity_gbps: link 'ab' carries up to 3.24e+12 TB over the window "
        "(capacity_gbps x planning_window_hours x 0.45): more than the 1e+12 TB a bound of the model may hold",
        "datasets.csv, row 2, column size_tb: dataset 'd' would cost 8.88e+13 CNY to store at hub 'b' "
        "(size_tb x storage_price_cny_per_tb_month x months): more than the 1e+12 CNY a cost of the model may hold",
    ]


# -- references and routes, checked once per distinct value but reported on every row ---------------


def test_unknown_references_are_named_in_the_singular(tmp_path: Path) -> None:
    folder = _base(
        tmp_path,
        datasets=[{"dataset_id": "d", "origin_hub": "a", "class_id": "secret"}],
        jobs=[
            {"job_id": "j", "dataset_id": "d", "accel_id": "tpu"},
            {"job_id": "k", "dataset_id": "d", "accel_id": "tpu", "allowed_hubs": "a;zz;yy"},
        ],
    )
    assert _messages(folder) == [
        "datasets.csv, row 2, column class_id: unknown data class 'secret'",
        "jobs.csv, row 2, column accel_id: unknown accelerator type 'tpu'",
        "jobs.csv, row 3, column accel_id: unknown accelerator type 'tpu'",
        "jobs.csv, row 3, column allowed_hubs: unknown hub 'zz'",
        "jobs.csv, row 3, column allowed_hubs: unknown hub 'yy'",
    ]


def test_an_unreachable_serving_hub_is_reported_for_every_job_that_needs_it(tmp_path: Path) -> None:
    folder = _base(
        tmp_path,
        hubs=[{"hub_id": "a"}, {"hub_id": "b"}, {"hub_id": "c"}],
        links=[{"link_id": "ab", "hub_a": "a", "hub_b": "b"}],
        jobs=[
            {"job_id": "j1", "dataset_id": "d", "serving_hubs": "c", "allowed_hubs": "a;b"},
            {"job_id": "j2", "dataset_id": "d", "serving_hubs": "b"},
            {"job_id": "j3", "dataset_id": "d", "serving_hubs": "c", "allowed_hubs": "a;b"},
        ],
    )
    reason = "serving hub 'c' cannot be reached over the backbone from any hub job"
    assert _messages(folder) == [
        f"jobs.csv, row 2, column serving_hubs: {reason} 'j1' may train at (a, b)",
        f"jobs.csv, row 4, column serving_hubs: {reason} 'j3' may train at (a, b)",
    ]


def _range_rows() -> list[str]:
    """The rows of README's table of ranges, as the schema states them."""
    rows: dict[tuple[object, ...], list[str]] = {}
    for schema in SCHEMAS.values():
        for col in schema.columns:
            if col.kind not in ("float", "int") or col.plausible is None:
                continue
            bounds = [
                f"{op} {v:g}"
                for op, v in (("> ", col.gt), (">=", col.ge), ("< ", col.lt), ("<=", col.le))
                if v is not None
            ]
            key = (col.name, ", ".join(b.replace("  ", " ") for b in bounds), col.plausible, col.why, col.limit_why)
            rows.setdefault(key, []).append(schema.name)
    out = []
    for (name, bounds, (lo, hi), why, limit), tables in rows.items():
        text = f"{why}; upper end: {limit}" if limit else why
        out.append(f"| `{name}` | {', '.join(tables)} | {bounds} | {lo:g} to {hi:g} | {text} |")
    return out


def test_readme_states_the_ranges_the_schema_states() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [row for row in _range_rows() if row not in readme]
    assert not missing, "README's table of ranges differs from the schema:\n" + "\n".join(missing)
