"""Reading a scenario, a folder (``scenario.yaml`` and CSV tables) or a workbook, every problem collected.

Loading never stops at the first bad cell: :func:`validate_scenario` returns every problem
found, each naming file (or sheet), row and column; :func:`load_scenario` raises them together.
Both kinds of input are read into a :class:`~eastwest_opt.scenario.raw.RawScenario` (settings
checked by :func:`~eastwest_opt.scenario.settings.read_settings`, tables as text) and then
parsed and checked by :func:`assemble`, alike.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.scenario.cells import parse_table
from eastwest_opt.scenario.checks import check_empty_tables, check_references, check_routes
from eastwest_opt.scenario.core import SCENARIO_FILE, Scenario, SolverSettings
from eastwest_opt.scenario.raw import RawScenario, TableSource, locate
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, TableSchema, empty_table
from eastwest_opt.scenario.settings import BY_KEY, given, read_settings, setting_problems
from eastwest_opt.scenario.timing import horizon_hours
from eastwest_opt.scenario.yaml_reader import KeyPath, read_yaml

_BOM = "\ufeff"
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
    (unknown columns, values outside their plausible range) do not stop loading;
    :func:`validate_scenario` lists them too.
    """
    scenario, problems = _collect(path)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    return scenario


def validate_scenario(path: str | Path | None = None) -> list[Problem]:
    """Every problem of a scenario folder or workbook, errors and warnings, without solving."""
    return check_scenario(path)[1]


def check_scenario(path: str | Path | None = None) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario folder or workbook once: the scenario (``None`` when it has
    errors) and every problem, errors and warnings."""
    try:
        scenario, problems = _collect(path)
    except ScenarioError as exc:
        return None, exc.problems
    return (None if any(p.severity == "error" for p in problems) else scenario), problems


def _collect(path: str | Path | None) -> tuple[Scenario, list[Problem]]:
    """Read and check a scenario; raise only when nothing further can be read."""
    if path is not None and is_workbook(path):
        from eastwest_opt.scenario.workbook import read_workbook

        return assemble(read_workbook(Path(path)))
    return assemble(_read_folder(Path(path) if path is not None else shipped_scenario_path()))


def _read_folder(folder: Path) -> RawScenario:
    """A scenario folder as read: ``scenario.yaml`` checked, each table's CSV cells as text."""
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
    broken = {name for name in TABLE_ORDER if name not in table_files}
    tables: dict[str, TableSource] = {}
    for name, file in table_files.items():
        tables[name] = source = TableSource(name, file.name, None)
        try:
            exists = file.is_file()
        except OSError as exc:
            problems.append(Problem(file.name[:200], f"cannot be read: {exc.strerror or exc}"))
            broken.add(name)
            continue
        if not exists:
            if not (SCHEMAS[name].optional_table and name not in entries):
                problems.append(Problem(file.name, "file not found"))
                broken.add(name)
            continue
        raw, read_problem = read_csv(file, SCHEMAS[name])
        if read_problem is not None:
            problems.append(read_problem)
            broken.add(name)
            continue
        source.raw = raw
    rows = {key: lines[tuple(key.split("."))] for key in BY_KEY if tuple(key.split(".")) in lines}
    return RawScenario(folder, folder.name, config or {}, SCENARIO_FILE, tables, problems, broken, settings, rows)


def assemble(raw: RawScenario) -> tuple[Scenario, list[Problem]]:
    """Parse a scenario as read into typed tables, build it and check it: every problem, located.

    With a ``periods`` table the planning window is the periods' total (rule: a
    ``planning_window_hours`` the settings give must equal it).
    """
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
    scenario = _scenario(raw, tables)
    whole = "periods" not in broken and bool(scenario.periods["hours"].notna().all())  # else the parser says why
    hours = horizon_hours(scenario) if whole else None
    if hours is not None:
        window = scenario.planning_window_hours
        if given(raw.config, "planning_window_hours") and not math.isclose(window, hours, rel_tol=1e-9):
            problems.append(
                Problem(
                    raw.config_label,
                    f"planning_window_hours is {window:g} but the periods add up to "
                    f"{hours:g} h; leave it out (the periods make the window) or make them agree",
                    row=raw.config_rows.get("planning_window_hours"),
                )
            )
        scenario = dataclasses.replace(scenario, planning_window_hours=hours)
        found = setting_problems({"planning_window_hours": hours}, raw.config_label)
        problems += [p for p in found if p.severity == "error"]
    problems += check_empty_tables(scenario, broken)
    problems += check_references(scenario, broken)
    if not any(p.severity == "error" for p in [*raw.problems, *problems]):
        problems += check_routes(scenario)
    return scenario, [*raw.problems, *locate(problems, raw.tables)]


def _scenario(raw: RawScenario, tables: dict[str, pd.DataFrame]) -> Scenario:
    """The scenario of the settings as read (each its default where it was missing or invalid)."""
    values = {s.key: s.default for s in BY_KEY.values()} | raw.settings
    name = values["name"]
    return Scenario(
        name=str(name) if name not in (None, "") else raw.default_name,
        description=str(values["description"] or ""),
        planning_window_hours=float(values["planning_window_hours"]),
        carbon_price_cny_per_t=float(values["carbon_price_cny_per_t"]),
        carbon_budget_t=values["carbon_budget_t"],
        allow_unplaced=bool(values["allow_unplaced"]),
        artifact_paths_k=int(values["artifact_paths_k"]),
        solver=SolverSettings(
            time_limit_s=values["solver.time_limit_s"],
            mip_rel_gap=values["solver.mip_rel_gap"],
            threads=values["solver.threads"],
        ),
        tables=tables,
        path=raw.path.resolve(),
        sources={name: source.label for name, source in raw.tables.items()},
    )


def _table_files(
    folder: Path, entries: dict[str, str | None], lines: dict[KeyPath, int], problems: list[Problem]
) -> dict[str, Path]:
    """The file of every table: as listed in ``scenario.yaml`` (checked to stay inside the folder)
    or by its default name."""
    files: dict[str, Path] = {}
    root = folder.resolve()
    for name in TABLE_ORDER:
        entry = entries.get(name)
        rel = entry if entry is not None else SCHEMAS[name].filename
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
