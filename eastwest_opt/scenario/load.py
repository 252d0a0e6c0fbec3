"""Reading a scenario folder: ``scenario.yaml`` and its CSV tables, every problem collected.

Loading never stops at the first bad cell: :func:`validate_scenario` returns every problem
found, each naming file, row and column; :func:`load_scenario` raises them together.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.scenario.cells import parse_table
from eastwest_opt.scenario.checks import check_empty_tables, check_references, check_routes
from eastwest_opt.scenario.core import SCENARIO_FILE, Scenario, SolverSettings
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, TableSchema, empty_table
from eastwest_opt.scenario.settings import read_settings
from eastwest_opt.scenario.yaml_reader import read_yaml

_BOM = "\ufeff"


def shipped_scenario_path() -> Path:
    """Folder of the shipped eight-hub scenario (inside the installed package)."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_data" / "eight-hubs"
    if packaged.is_dir():
        return packaged
    return here.parent / "data" / "eight-hubs"  # source checkout / editable install


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
    return check_scenario(path)[1]


def check_scenario(path: str | Path | None = None) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario folder once: the scenario (``None`` when it has errors) and every
    problem, errors and warnings."""
    try:
        scenario, problems = _collect(path)
    except ScenarioError as exc:
        return None, exc.problems
    return (None if any(p.severity == "error" for p in problems) else scenario), problems


def _collect(path: str | Path | None) -> tuple[Scenario, list[Problem]]:
    """Read and check a scenario folder; raise only when nothing further can be read."""
    folder = Path(path) if path is not None else shipped_scenario_path()
    config_path = folder / SCENARIO_FILE
    try:
        if not folder.exists():
            raise ScenarioError([Problem(str(folder), "scenario folder does not exist")])
        if not folder.is_dir():
            raise ScenarioError([Problem(str(folder), "not a folder; a scenario is a folder with scenario.yaml")])
        if not config_path.is_file():
            raise ScenarioError([Problem(str(config_path), "file not found")])
    except OSError as exc:
        raise ScenarioError([Problem(str(folder)[:200], f"cannot be read: {exc.strerror or exc}")]) from None
    config, lines = read_yaml(config_path, SCENARIO_FILE)
    settings, entries, problems = read_settings(config, lines, SCENARIO_FILE)
    if not isinstance(config, dict | None):
        raise ScenarioError(problems)
    table_files = _table_files(folder, entries, lines, problems)
    tables, sources, broken = _read_tables(table_files, entries, problems)
    broken.update(name for name in TABLE_ORDER if name not in table_files)
    scenario = Scenario(
        name=str(settings["name"]) if settings["name"] is not None else folder.name,
        description=str(settings["description"] or ""),
        planning_window_hours=float(settings["planning_window_hours"]),
        carbon_price_cny_per_t=float(settings["carbon_price_cny_per_t"]),
        carbon_budget_t=_opt_float(settings["carbon_budget_t"]),
        allow_unplaced=bool(settings["allow_unplaced"]),
        artifact_paths_k=int(settings["artifact_paths_k"]),
        solver=SolverSettings(
            time_limit_s=_opt_float(settings["solver.time_limit_s"]),
            mip_rel_gap=_opt_float(settings["solver.mip_rel_gap"]),
            threads=int(settings["solver.threads"]) if settings["solver.threads"] is not None else None,
        ),
        tables=tables,
        path=folder.resolve(),
        sources=sources,
    )
    problems += check_empty_tables(scenario, broken)
    problems += check_references(scenario, broken)
    if not any(p.severity == "error" for p in problems):
        problems += check_routes(scenario)
    return scenario, problems


def _read_tables(
    table_files: dict[str, Path], entries: dict[str, str | None], problems: list[Problem]
) -> tuple[dict[str, pd.DataFrame], dict[str, str], set[str]]:
    """Every table read and typed (an empty one where it cannot be), its file name, and the broken ones."""
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    broken: set[str] = set()
    for name in TABLE_ORDER:
        schema = SCHEMAS[name]
        file = table_files.get(name)
        tables[name] = empty_table(name)
        if file is None:
            continue
        sources[name] = file.name
        try:
            exists = file.is_file()
        except OSError as exc:
            problems.append(Problem(file.name[:200], f"cannot be read: {exc.strerror or exc}"))
            broken.add(name)
            continue
        if not exists:
            if not (schema.optional_table and name not in entries):
                problems.append(Problem(file.name, "file not found"))
                broken.add(name)
            continue
        raw, read_problem = read_csv(file, schema)
        if read_problem is not None:
            problems.append(read_problem)
            broken.add(name)
            continue
        typed, table_problems = parse_table(raw, schema, file.name)
        tables[name] = typed
        problems += table_problems
        if any(c.required and c.name not in raw.columns for c in schema.columns):
            broken.add(name)  # checks across tables would only repeat "required column is missing"
    return tables, sources, broken


def _table_files(
    folder: Path, entries: dict[str, str | None], lines: dict[Any, int], problems: list[Problem]
) -> dict[str, Path]:
    """The file of every table: as listed in ``scenario.yaml`` (checked to stay inside the folder)
    or by its default name."""
    files: dict[str, Path] = {}
    root = folder.resolve()
    for name in TABLE_ORDER:
        given = entries.get(name)
        rel = given if given is not None else SCHEMAS[name].filename
        row = lines.get(("tables", name))
        try:
            candidate = (folder / rel).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13)
            reason = "a symlink loop" if "loop" in str(exc).lower() else (getattr(exc, "strerror", None) or str(exc))
            problems.append(Problem(SCENARIO_FILE, f"tables.{name} = {rel!r} cannot be resolved: {reason}", row=row))
            continue
        if not candidate.is_relative_to(root):
            problems.append(
                Problem(SCENARIO_FILE, f"tables.{name} = {rel!r} points outside the scenario folder; refused", row=row)
            )
            continue
        files[name] = candidate
    return files


def read_csv(path: Path, schema: TableSchema | None = None) -> tuple[pd.DataFrame, Problem | None]:
    """A CSV table as text cells, its header exactly as written (a column named twice stays twice,
    for :func:`~eastwest_opt.scenario.cells.parse_table` to report), or the problem that stops it."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return pd.DataFrame(), Problem(name, f"cannot be read: {exc.strerror or exc}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return pd.DataFrame(), Problem(name, f"not UTF-8 text (byte {exc.start})")
    bom = text.startswith(_BOM)
    if bom:
        text, data = text[1:], data[3:]
    if not text.strip():
        what = "holds only a byte-order mark" if bom and not text else "is empty"
        expected = f"a header with {', '.join(schema.column_names)}" if schema is not None else "a header row"
        return pd.DataFrame(), Problem(name, f"the table {what}: no header row; expected {expected}")
    try:
        header = next((row for row in csv.reader(io.StringIO(text)) if row), [])
        frame, problem = _frame(data, text, len(header))
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        return pd.DataFrame(), Problem(name, f"malformed CSV: {_first_line(str(exc))}")
    if problem is not None:
        return pd.DataFrame(), Problem(name, problem[1], row=problem[0])
    names = [str(c).strip() for c in frame.columns]
    if len(header) == len(names):
        names = [h.strip() or n for h, n in zip(header, names, strict=True)]
    frame.columns = names
    return frame, None


def _frame(data: bytes, text: str, width: int) -> tuple[pd.DataFrame, tuple[int, str] | None]:
    """The cells as text: Arrow's CSV reader first; for rows of uneven length, pandas' own reader
    (a short row's missing cells are empty), after refusing any row longer than the header
    (pandas would silently shift its cells into other columns)."""
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False}
    try:
        return pd.read_csv(io.BytesIO(data), engine="pyarrow", **options), None
    except (pd.errors.ParserError, ValueError, OSError):
        pass
    for row, fields in enumerate((r for r in csv.reader(io.StringIO(text)) if r), start=1):
        if len(fields) > width:
            return pd.DataFrame(), (row, f"malformed CSV: {len(fields)} cells but the header names {width} columns")
    return pd.read_csv(io.StringIO(text), skipinitialspace=True, index_col=False, **options), None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unreadable"


def _opt_float(v: Any) -> float | None:
    return float(v) if v is not None else None
