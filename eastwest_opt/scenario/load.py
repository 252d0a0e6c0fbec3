"""Reading a scenario, a folder (``scenario.yaml`` and CSV tables) or a workbook, every problem collected.

Loading never stops at the first bad cell: :func:`validate_scenario` returns every problem
found, each naming file (or sheet), row and column; :func:`load_scenario` raises them together.
Both kinds of input are read into a :class:`~eastwest_opt.scenario.raw.RawScenario` and then
parsed and checked by :func:`assemble`, alike.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.scenario.checks import check_references, check_routes, check_settings
from eastwest_opt.scenario.core import SCENARIO_FILE, Scenario, SolverSettings
from eastwest_opt.scenario.raw import RawScenario, TableSource, locate
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, empty_table, parse_table
from eastwest_opt.scenario.settings import BY_KEY, SETTINGS, SOLVER_KEYS, TOP_KEYS, lookup, type_problem, value_of
from eastwest_opt.scenario.timing import horizon_hours

DEFAULT_SCENARIO = "eight-hubs"
# The scenarios shipped with the package: name -> what it is. Each is a folder data/<name>/ in a
# clone, eastwest_opt/_data/<name>/ in an installed package; one not yet shipped has no folder.
SHIPPED_SCENARIOS = {
    DEFAULT_SCENARIO: "the eight national hubs, their backbone and a portfolio of 51 jobs, one 30-day window",
    "eight-hubs-year": "the eight hubs over the twelve months of 2026: seasonal power, prices, carbon; 300 jobs",
}
WORKBOOK_SUFFIXES = (".xlsx",)


def shipped_scenario_path(name: str = DEFAULT_SCENARIO) -> Path:
    """Folder of a shipped scenario (inside the installed package); by default the eight-hub one.

    The folder may not exist for a scenario this version does not ship yet: see
    :func:`is_shipped`.
    """
    if name not in SHIPPED_SCENARIOS:
        raise ValueError(f"no shipped scenario {name!r}; shipped are {', '.join(SHIPPED_SCENARIOS)}")
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_data" / name
    if packaged.is_dir():
        return packaged
    return here.parent / "data" / name  # source checkout / editable install


def is_shipped(name: str) -> bool:
    """Whether this version of the package ships the scenario ``name``."""
    return (shipped_scenario_path(name) / SCENARIO_FILE).is_file()


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` names a workbook (``.xlsx``) rather than a scenario folder."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario folder or workbook; ``None`` loads the shipped eight-hub scenario.

    A path ending in ``.xlsx`` is read as a workbook (one sheet per table and a ``scenario``
    sheet of settings, see :mod:`~eastwest_opt.scenario.workbook`); anything else as a folder.
    Raises :class:`~eastwest_opt.errors.ScenarioError` listing every problem found. Warnings
    (unknown columns) do not stop loading; :func:`validate_scenario` lists them too.
    """
    scenario, problems = _collect(path)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    return scenario


def validate_scenario(path: str | Path | None = None) -> list[Problem]:
    """Every problem of a scenario folder or workbook, errors and warnings, without solving."""
    try:
        _scenario, problems = _collect(path)
    except ScenarioError as exc:
        return exc.problems
    return problems


def _collect(path: str | Path | None) -> tuple[Scenario, list[Problem]]:
    """Read and check a scenario; raise only when nothing further can be read."""
    if path is not None and is_workbook(path):
        from eastwest_opt.scenario.workbook import read_workbook

        return assemble(read_workbook(Path(path)))
    return assemble(_read_folder(Path(path) if path is not None else shipped_scenario_path()))


def _read_folder(folder: Path) -> RawScenario:
    """A scenario folder as read: ``scenario.yaml`` and each table's CSV cells as text."""
    if not folder.exists():
        raise ScenarioError([Problem(str(folder), "scenario folder does not exist")])
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "not a folder; a scenario is a folder with scenario.yaml")])
    config_path = folder / SCENARIO_FILE
    if not config_path.is_file():
        raise ScenarioError([Problem(str(config_path), "file not found")])
    config = _read_yaml(config_path)
    problems: list[Problem] = []
    table_files = _table_files(folder, config.get("tables") or {}, problems)
    broken = {name for name in TABLE_ORDER if name not in table_files}
    listed = config.get("tables") if isinstance(config.get("tables"), dict) else {}
    tables: dict[str, TableSource] = {}
    for name, file in table_files.items():
        source = TableSource(name, file.name, None)
        tables[name] = source
        if not file.is_file():
            if not (SCHEMAS[name].optional_table and name not in listed):
                problems.append(Problem(file.name, "file not found"))
                broken.add(name)
            continue
        source.raw, read_problem = _read_csv(file)
        if read_problem is not None:
            problems.append(read_problem)
            source.raw = None
            broken.add(name)
    return RawScenario(folder, folder.name, config, SCENARIO_FILE, tables, problems, broken)


def assemble(raw: RawScenario) -> tuple[Scenario, list[Problem]]:
    """Parse a scenario as read into typed tables, build it and check it: every problem, located."""
    settings_problems = check_config(raw.config, raw.config_label, raw.config_rows)
    problems: list[Problem] = []
    broken = set(raw.broken)
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLE_ORDER:
        source = raw.tables.get(name)
        if source is None or source.raw is None:
            tables[name] = empty_table(name)
            continue
        typed, table_problems = parse_table(source.raw, SCHEMAS[name], source.label)
        tables[name] = typed
        problems += table_problems
        if any(c.required and c.name not in source.raw.columns for c in SCHEMAS[name].columns):
            broken.add(name)  # checks across tables would only repeat "required column is missing"
    config = raw.config
    scenario_name = value_of(config, BY_KEY["name"])
    scenario = Scenario(
        name=str(scenario_name) if scenario_name not in (None, "") else raw.default_name,
        description=str(value_of(config, BY_KEY["description"]) or ""),
        planning_window_hours=value_of(config, BY_KEY["planning_window_hours"]),
        carbon_price_cny_per_t=value_of(config, BY_KEY["carbon_price_cny_per_t"]),
        carbon_budget_t=value_of(config, BY_KEY["carbon_budget_t"]),
        allow_unplaced=value_of(config, BY_KEY["allow_unplaced"]),
        artifact_paths_k=value_of(config, BY_KEY["artifact_paths_k"]),
        solver=SolverSettings(
            time_limit_s=value_of(config, BY_KEY["solver.time_limit_s"]),
            mip_rel_gap=value_of(config, BY_KEY["solver.mip_rel_gap"]),
            threads=value_of(config, BY_KEY["solver.threads"]),
        ),
        tables=tables,
        path=raw.path.resolve(),
        sources={name: source.label for name, source in raw.tables.items()},
    )
    hours = horizon_hours(scenario) if "periods" not in broken else None
    if hours is not None:
        if "planning_window_hours" in config and not math.isclose(scenario.planning_window_hours, hours, rel_tol=1e-9):
            problems.append(
                Problem(
                    raw.config_label,
                    f"planning_window_hours is {scenario.planning_window_hours:g} but the periods add up to "
                    f"{hours:g} h; leave it out (the periods make the window) or make them agree",
                )
            )
        scenario = dataclasses.replace(scenario, planning_window_hours=hours)
    problems += check_settings(scenario, raw.config_label)
    problems += check_references(scenario, broken)
    if not any(p.severity == "error" for p in [*settings_problems, *raw.problems, *problems]):
        problems += check_routes(scenario)
    return scenario, [*settings_problems, *raw.problems, *locate(problems, raw.tables)]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(path.name, f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "malformed YAML"
        raise ScenarioError([Problem(path.name, f"malformed YAML: {reason}", row=row)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(path.name, "expected a mapping of settings at the top level")])
    return data


def check_config(config: dict[str, Any], file: str, rows: dict[str, int] | None = None) -> list[Problem]:
    """The settings' keys and types (rule: every key one of :data:`~eastwest_opt.scenario.settings.SETTINGS`
    or ``tables``, every value of its setting's kind); ``rows`` gives a settings sheet's row of each key."""
    rows = rows or {}
    problems: list[Problem] = []
    for key in config:
        if key not in TOP_KEYS:
            problems.append(
                Problem(file, f"unknown key {key!r}; known keys: {', '.join(sorted(TOP_KEYS))}", row=rows.get(key))
            )
    solver = config.get("solver")
    if solver is not None and not isinstance(solver, dict):
        problems.append(Problem(file, "'solver' must be a mapping"))
    elif isinstance(solver, dict):
        for key in solver:
            if key not in SOLVER_KEYS:
                problems.append(Problem(file, f"unknown key solver.{key}; known: {', '.join(sorted(SOLVER_KEYS))}"))
    tables = config.get("tables")
    if tables is not None and not isinstance(tables, dict):
        problems.append(Problem(file, "'tables' must be a mapping of table name to CSV file"))
    elif isinstance(tables, dict):
        for key in tables:
            if key not in SCHEMAS:
                problems.append(Problem(file, f"unknown table tables.{key}; known: {', '.join(TABLE_ORDER)}"))
    for setting in SETTINGS:
        present, value = lookup(config, setting.key)
        message = type_problem(setting, value) if present else None
        if message:
            problems.append(Problem(file, message, row=rows.get(setting.key)))
    return problems


def _table_files(folder: Path, tables: Any, problems: list[Problem]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    root = folder.resolve()
    for name in TABLE_ORDER:
        given = tables.get(name) if isinstance(tables, dict) else None
        rel = str(given) if given is not None else SCHEMAS[name].filename
        candidate = (folder / rel).resolve()
        if not candidate.is_relative_to(root):
            problems.append(
                Problem(SCENARIO_FILE, f"tables.{name} = {rel!r} points outside the scenario folder; refused")
            )
            continue
        files[name] = candidate
    return files


def _read_csv(path: Path) -> tuple[pd.DataFrame, Problem | None]:
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return pd.DataFrame(), Problem(path.name, f"not UTF-8 text (byte {exc.start})")
    if not data.strip():
        return pd.DataFrame(), Problem(path.name, "file is empty; expected a header row")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    except pd.errors.ParserError as exc:
        return pd.DataFrame(), Problem(path.name, f"malformed CSV: {_first_line(str(exc))}")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unreadable"
