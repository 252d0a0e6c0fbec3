"""scenario.yaml (and sweep files, read by the same reader): aliases capped, duplicate keys and
explicit tags refused, every value type-checked; each error names the file, the key path and the line."""

from __future__ import annotations

import os
import shutil
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

import eastwest_opt as ew
from eastwest_opt.cli import app
from eastwest_opt.errors import ScenarioError
from eastwest_opt.scenario import shipped_scenario_path
from eastwest_opt.scenario.yaml_reader import MAX_ALIAS_VALUES, parse_yaml
from eastwest_opt.sweeps import load_sweep

SHIPPED_YAML = (shipped_scenario_path() / "scenario.yaml").read_text()


def _folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "s"
    shutil.copytree(shipped_scenario_path(), folder)
    (folder / "scenario.yaml").write_text(text)
    return folder


def _replace(old: str, new: str) -> str:
    assert old in SHIPPED_YAML
    return SHIPPED_YAML.replace(old, new)


def _errors(folder: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        ew.load_scenario(folder)
    return [str(p) for p in info.value.problems]


def _cli_errors(folder: Path) -> list[str]:
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    return result.output.splitlines()


def _bomb(depth: int = 9) -> str:
    """Anchors nested ``depth`` deep, each naming the one before nine times: 9**depth values."""
    items = ["&a0 [x, x, x, x, x, x, x, x, x]"]
    items += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, depth)]
    return "[" + ", ".join(items) + "]"


@pytest.mark.parametrize(
    ("old", "key", "row"),
    [
        ("allow_unplaced: true", "allow_unplaced", 15),
        ("  hubs: hubs.csv", "  hubs", 22),
        ("name: eight-hubs", "name", 1),
    ],
)
def test_an_alias_bomb_is_refused_at_once_in_little_memory(tmp_path: Path, old: str, key: str, row: int) -> None:
    folder = _folder(tmp_path, _replace(old, f"{key}: {_bomb(9)}"))
    tracemalloc.start()
    try:
        errors = _errors(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(errors) == 1
    assert errors[0].startswith(f"scenario.yaml, row {row}: ")
    assert errors[0].endswith(
        f"anchors and aliases expand to more than {MAX_ALIAS_VALUES:,} values beyond those written out; "
        "refused (write the values out, or repeat fewer of them)"
    )
    assert peak < 30 * 2**20, f"reading the bomb took {peak / 2**20:.0f} MB"  # 9**9 values would take gigabytes
    assert _cli_errors(folder)[0] == f"error: {errors[0]}"


def test_a_few_aliases_and_merge_keys_are_read_as_yaml_defines_them() -> None:
    text = "base: &b {x: 1, y: 2}\nv:\n  <<: *b\n  y: 3\nw: [*b, *b]\n"
    data, lines = parse_yaml(text, "f.yaml")
    assert data == {"base": {"x": 1, "y": 2}, "v": {"y": 3, "x": 1}, "w": [{"x": 1, "y": 2}, {"x": 1, "y": 2}]}
    assert lines[("v", "y")] == 4 and lines[("w",)] == 5


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml("a: &a [1, *a]\n", "f.yaml")
    assert [str(p) for p in info.value.problems] == ["f.yaml, row 1: a[1]: an alias refers to a value that holds it"]


def test_a_key_given_twice_is_refused_with_both_rows(tmp_path: Path) -> None:
    folder = _folder(tmp_path, SHIPPED_YAML + "artifact_paths_k: 5\n")
    assert _errors(folder) == ["scenario.yaml, row 30: key 'artifact_paths_k' given twice (first in row 16)"]
    nested = _folder(tmp_path / "n", _replace("  threads: null", "  threads: null\n  threads: 2"))
    assert _errors(nested) == ["scenario.yaml, row 21: key 'solver.threads' given twice (first in row 20)"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  threads: null",
            "  threads: !!int abc",
            "scenario.yaml, row 20: solver.threads: YAML tags such as !!int are not accepted; write the plain value",
        ),
        (
            "name: eight-hubs",
            "name: !!timestamp 2024-13-45",
            "scenario.yaml, row 1: name: YAML tags such as !!timestamp are not accepted; write the plain value",
        ),
        (
            "allow_unplaced: true",
            "allow_unplaced: !!python/object/apply:os.system ['touch pwned']",
            "scenario.yaml, row 15: allow_unplaced: YAML tags such as !!python/object/apply:os.system are not "
            "accepted; write the plain value",
        ),
        (
            "name: eight-hubs",
            "name: 2024-13-45",
            "scenario.yaml, row 1: name: '2024-13-45' looks like a date but is not one; quote it to give a text",
        ),
    ],
)
def test_explicit_tags_and_values_that_are_no_value_are_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    folder = _folder(tmp_path, _replace(old, new))
    assert _errors(folder) == [message]
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  threads: null", "  threads: 2.5", "row 20: solver.threads must be a whole number >= 1, got 2.5"),
        ("  threads: null", "  threads: .nan", "row 20: solver.threads must be a whole number >= 1, got nan"),
        (
            "  threads: null",
            "  threads: 5000",
            "row 20: solver.threads must be <= 1024 (null lets HiGHS choose), got 5000",
        ),
        (
            "artifact_paths_k: 4 ",
            "artifact_paths_k: .inf ",
            "row 16: artifact_paths_k must be a whole number >= 1, got inf",
        ),
        (
            "planning_window_hours: 720 ",
            "planning_window_hours: .inf ",
            "row 12: planning_window_hours must be a number > 0, got inf",
        ),
        (
            "carbon_price_cny_per_t: 0 ",
            "carbon_price_cny_per_t: .nan ",
            "row 13: carbon_price_cny_per_t must be a number >= 0, got nan",
        ),
        ("carbon_budget_t: null", "carbon_budget_t: .nan", "row 14: carbon_budget_t must be a number >= 0, got nan"),
        ("allow_unplaced: true", "allow_unplaced: 1", "row 15: allow_unplaced must be true or false, got 1"),
        (
            "name: eight-hubs",
            "name: [a, b]",
            "row 1: name must be a text, got a list ['a', 'b'] (quote a text that looks like a number or a date)",
        ),
        (
            "name: eight-hubs",
            "name: {x: 1}",
            "row 1: name must be a text, got a mapping {'x': 1} (quote a text that looks like a number or a date)",
        ),
        ("  mip_rel_gap: 0.0001", "  mip_rel_gap: 2", "row 19: solver.mip_rel_gap must be in [0, 1), got 2"),
        ("  time_limit_s: 60", "  time_limit_s: -.inf", "row 18: solver.time_limit_s must be a number > 0, got -inf"),
    ],
)
def test_every_setting_is_type_checked_with_its_key_and_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    folder = _folder(tmp_path, _replace(old, new))
    assert _errors(folder) == [f"scenario.yaml, {message}"]
    assert _cli_errors(folder) == [f"error: scenario.yaml, {message}", "1 error(s), 0 warning(s)"]


def test_a_settings_warning_outside_the_plausible_range(tmp_path: Path) -> None:
    folder = _folder(tmp_path, _replace("planning_window_hours: 720 ", "planning_window_hours: 87600 "))
    assert [str(p) for p in ew.validate_scenario(folder)] == [
        "warning: scenario.yaml, row 12: planning_window_hours: 87600 is outside the plausible range 1 to 8784 "
        "(one window of at most a leap year is plausible; no plan spans a century (876,000 h)); "
        "check the value and its unit"
    ]


def test_settings_changed_in_code_are_checked_the_same_way() -> None:
    base = ew.load_scenario()
    with pytest.raises(ScenarioError) as info:
        base.with_settings(artifact_paths_k=2.5, carbon_price_cny_per_t=float("nan"))
    assert [str(p) for p in info.value.problems] == [
        "scenario settings: carbon_price_cny_per_t must be a number >= 0, got nan",
        "scenario settings: artifact_paths_k must be a whole number >= 1, got 2.5",
    ]


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("[hubs.csv]", "tables.hubs must be a CSV file name inside the folder, got a list ['hubs.csv']"),
        (
            "{file: hubs.csv}",
            "tables.hubs must be a CSV file name inside the folder, got a mapping {'file': 'hubs.csv'}",
        ),
        ("2024-01-31", "tables.hubs must be a CSV file name inside the folder, got a date 2024-01-31"),
        ("''", "tables.hubs must be a CSV file name inside the folder, got an empty text"),
        ('"hu\\0bs.csv"', "tables.hubs = 'hu\\x00bs.csv' holds a control character; refused"),
        (
            "a/" * 2500 + "x.csv",
            "tables.hubs is a path of 5,005 characters (its longest name 5); at most 1,000 (and 255 per name)",
        ),
        (
            "y" * 300 + ".csv",
            "tables.hubs is a path of 304 characters (its longest name 304); at most 1,000 (and 255 per name)",
        ),
        ("../hubs.csv", "tables.hubs = '../hubs.csv' points outside the scenario folder; refused"),
    ],
)
def test_a_table_entry_that_is_no_file_name_names_the_key_and_line(tmp_path: Path, new: str, message: str) -> None:
    folder = _folder(tmp_path, _replace("  hubs: hubs.csv", f"  hubs: {new}"))
    assert _errors(folder) == [f"scenario.yaml, row 22: {message}"]
    assert _cli_errors(folder)[0] == f"error: scenario.yaml, row 22: {message}"


def test_a_symlink_loop_among_the_tables_is_an_input_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, _replace("  hubs: hubs.csv", "  hubs: loop-a.csv"))
    os.symlink("loop-b.csv", folder / "loop-a.csv")
    os.symlink("loop-a.csv", folder / "loop-b.csv")
    message = "scenario.yaml, row 22: tables.hubs = 'loop-a.csv' cannot be resolved: a symlink loop"
    assert _errors(folder) == [message]
    assert _cli_errors(folder)[0] == f"error: {message}"


def test_the_sweep_reader_is_the_same_reader(tmp_path: Path) -> None:
    """A sweep file gets the same refusals, each with the sweep file's name and line."""
    sweep = tmp_path / "what-if.yaml"
    sweep.write_text(f"name: x\nvariants: {_bomb(9)}\n")
    with pytest.raises(ScenarioError) as info:
        load_sweep(sweep)
    assert str(info.value.problems[0]).startswith("what-if.yaml, row 2: variants[")
    sweep.write_text("name: x\nsolver: {threads: 1}\nname: y\n")
    with pytest.raises(ScenarioError) as info:
        load_sweep(sweep)
    assert [str(p) for p in info.value.problems] == ["what-if.yaml, row 3: key 'name' given twice (first in row 1)"]
    sweep.write_text("name: !!python/name:os.system x\n")
    with pytest.raises(ScenarioError) as info:
        load_sweep(sweep)
    assert [str(p) for p in info.value.problems] == [
        "what-if.yaml, row 1: name: YAML tags such as !!python/name:os.system are not accepted; write the plain value"
    ]
