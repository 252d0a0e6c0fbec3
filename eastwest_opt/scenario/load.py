"""Reading a scenario folder: ``scenario.yaml`` and its CSV tables, every problem collected.

Loading never stops at the first bad cell: :func:`validate_scenario` returns every problem
found, each naming file, row and column; :func:`load_scenario` raises them together.
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
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, empty_table, parse_table
from eastwest_opt.scenario.timing import horizon_hours

_TOP_KEYS = {
    "name",
    "description",
    "planning_window_hours",
    "carbon_price_cny_per_t",
    "carbon_budget_t",
    "allow_unplaced",
    "artifact_paths_k",
    "solver",
    "tables",
}
_SOLVER_KEYS = {"time_limit_s", "mip_rel_gap", "threads"}


SHIPPED = ("eight-hubs", "eight-hubs-year")  # the scenarios shipped inside the package


def shipped_scenario_path(name: str = "eight-hubs") -> Path:
    """Folder of a shipped scenario (inside the installed package): ``eight-hubs`` (one 30-day
    window, the default) or ``eight-hubs-year`` (the twelve months of 2026)."""
    if name not in SHIPPED:
        raise ValueError(f"no shipped scenario {name!r}; shipped are {', '.join(SHIPPED)}")
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_data" / name
    if packaged.is_dir():
        return packaged
    return here.parent / "data" / name  # source checkout / editable install


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Load and validate a scenario folder; ``None`` loads the shipped eight-hub scenario.

    Raises :class:`~eastwest_opt.errors.ScenarioError` listing every problem found. Warnings
    (unknown columns) do not stop loading; :func:`validate_scenario` lists them too.
    """
    scenario, problems = _collect(path)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    return scenario


def validate_scenario(path: str | Path | None = None) -> list[Problem]:
    """Every problem of a scenario folder, errors and warnings, without solving."""
    try:
        _scenario, problems = _collect(path)
    except ScenarioError as exc:
        return exc.problems
    return problems


def _collect(path: str | Path | None) -> tuple[Scenario, list[Problem]]:
    """Read and check a scenario folder; raise only when nothing further can be read."""
    folder = Path(path) if path is not None else shipped_scenario_path()
    problems: list[Problem] = []
    broken: set[str] = set()
    if not folder.exists():
        raise ScenarioError([Problem(str(folder), "scenario folder does not exist")])
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), "not a folder; a scenario is a folder with scenario.yaml")])
    config_path = folder / SCENARIO_FILE
    if not config_path.is_file():
        raise ScenarioError([Problem(str(config_path), "file not found")])
    config = _read_yaml(config_path)
    problems += _check_yaml(config, SCENARIO_FILE)
    table_files = _table_files(folder, config.get("tables") or {}, problems)
    broken.update(name for name in TABLE_ORDER if name not in table_files)
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for name in TABLE_ORDER:
        schema = SCHEMAS[name]
        file = table_files.get(name)
        if file is None:
            tables[name] = empty_table(name)
            continue
        sources[name] = file.name
        if not file.is_file():
            listed = config.get("tables") if isinstance(config.get("tables"), dict) else {}
            if schema.optional_table and name not in listed:
                tables[name] = empty_table(name)
                continue
            problems.append(Problem(file.name, "file not found"))
            tables[name] = empty_table(name)
            broken.add(name)
            continue
        raw, read_problem = _read_csv(file)
        if read_problem is not None:
            problems.append(read_problem)
            tables[name] = empty_table(name)
            broken.add(name)
            continue
        typed, table_problems = parse_table(raw, schema, file.name)
        tables[name] = typed
        problems += table_problems
        if any(c.required and c.name not in raw.columns for c in schema.columns):
            broken.add(name)  # checks across tables would only repeat "required column is missing"
    solver_cfg = config.get("solver") if isinstance(config.get("solver"), dict) else {}
    scenario = Scenario(
        name=str(config.get("name") or folder.name),
        description=str(config.get("description") or ""),
        planning_window_hours=_num(config.get("planning_window_hours", 720.0), 720.0),
        carbon_price_cny_per_t=_num(config.get("carbon_price_cny_per_t", 0.0), 0.0),
        carbon_budget_t=_opt_num(config.get("carbon_budget_t")),
        allow_unplaced=bool(config.get("allow_unplaced", True)),
        artifact_paths_k=int(_num(config.get("artifact_paths_k", 4), 4)),
        solver=SolverSettings(
            time_limit_s=_opt_num(solver_cfg.get("time_limit_s", 60.0)),
            mip_rel_gap=_opt_num(solver_cfg.get("mip_rel_gap", 1e-4)),
            threads=_opt_int(solver_cfg.get("threads")),
        ),
        tables=tables,
        path=folder.resolve(),
        sources=sources,
    )
    hours = horizon_hours(scenario) if "periods" not in broken else None
    if hours is not None:
        if "planning_window_hours" in config and not math.isclose(scenario.planning_window_hours, hours, rel_tol=1e-9):
            problems.append(
                Problem(
                    SCENARIO_FILE,
                    f"planning_window_hours is {scenario.planning_window_hours:g} but the periods add up to "
                    f"{hours:g} h; leave it out (the periods make the window) or make them agree",
                )
            )
        scenario = dataclasses.replace(scenario, planning_window_hours=hours)
    problems += check_settings(scenario, SCENARIO_FILE)
    problems += check_references(scenario, broken)
    if not any(p.severity == "error" for p in problems):
        problems += check_routes(scenario)
    return scenario, problems


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


def _check_yaml(config: dict[str, Any], file: str) -> list[Problem]:
    problems: list[Problem] = []
    for key in config:
        if key not in _TOP_KEYS:
            problems.append(Problem(file, f"unknown key {key!r}; known keys: {', '.join(sorted(_TOP_KEYS))}"))
    solver = config.get("solver")
    if solver is not None and not isinstance(solver, dict):
        problems.append(Problem(file, "'solver' must be a mapping"))
    elif isinstance(solver, dict):
        for key in solver:
            if key not in _SOLVER_KEYS:
                problems.append(Problem(file, f"unknown key solver.{key}; known: {', '.join(sorted(_SOLVER_KEYS))}"))
    tables = config.get("tables")
    if tables is not None and not isinstance(tables, dict):
        problems.append(Problem(file, "'tables' must be a mapping of table name to CSV file"))
    elif isinstance(tables, dict):
        for key in tables:
            if key not in SCHEMAS:
                problems.append(Problem(file, f"unknown table tables.{key}; known: {', '.join(TABLE_ORDER)}"))
    for key in ("planning_window_hours", "carbon_price_cny_per_t", "artifact_paths_k"):
        if key in config and not _is_number(config[key]):
            problems.append(Problem(file, f"{key} must be a number, got {config[key]!r}"))
    if config.get("carbon_budget_t") is not None and not _is_number(config["carbon_budget_t"]):
        problems.append(Problem(file, f"carbon_budget_t must be a number or null, got {config['carbon_budget_t']!r}"))
    if "allow_unplaced" in config and not isinstance(config["allow_unplaced"], bool):
        problems.append(Problem(file, f"allow_unplaced must be true or false, got {config['allow_unplaced']!r}"))
    if isinstance(solver, dict):
        for key in _SOLVER_KEYS:
            if solver.get(key) is not None and not _is_number(solver[key]):
                problems.append(Problem(file, f"solver.{key} must be a number or null, got {solver[key]!r}"))
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


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _num(v: Any, default: float) -> float:
    return float(v) if _is_number(v) else default


def _opt_num(v: Any) -> float | None:
    return float(v) if _is_number(v) else None


def _opt_int(v: Any) -> int | None:
    return int(v) if _is_number(v) else None
