"""The settings of a scenario, defined once: what ``scenario.yaml`` (or a workbook's ``scenario``
sheet) may say, of which type, in which admissible and plausible range, with which default.

:data:`SETTINGS` states every setting once, with its meaning (``about``). :func:`read_settings`
checks the mapping read from ``scenario.yaml`` or a settings sheet (with the line or row of each
key) against it, :func:`setting_problems` the settings of a scenario changed in code
(:func:`~eastwest_opt.scenario.checks.check_settings`); the JSON Schema for editors
(:mod:`~eastwest_opt.scenario.json_schema`), the README of a template
(:mod:`~eastwest_opt.scenario.readme`) and the workbook's settings sheet read the same
definitions, so none of them can drift from the others. A value outside its admissible range is
an error; one outside its plausible range a warning.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any, Literal

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER
from eastwest_opt.scenario.yaml_reader import KeyPath

SettingKind = Literal["text", "number", "integer", "bool"]
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 20_000
MAX_PATH_CHARS = 1_000
MAX_NAME_PART_CHARS = 255  # the longest file name most file systems allow


@dataclass(frozen=True)
class Setting:
    """One setting: its key (``solver.threads`` for a solver setting), kind, default, meaning,
    whether null is allowed, its admissible range (``gt``/``ge``/``lt``/``le``), its plausible
    range and why the ranges lie where they do."""

    key: str
    kind: SettingKind
    default: Any
    about: str
    nullable: bool = False
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    plausible: tuple[float, float] | None = None
    why: str = ""

    @property
    def max_chars(self) -> int | None:
        """The longest text a text setting may hold."""
        if self.kind != "text":
            return None
        return MAX_NAME_CHARS if self.key == "name" else MAX_TEXT_CHARS

    @property
    def what(self) -> str:
        """The admissible values in words: ``a whole number >= 1``, ``a number > 0``, ``in [0, 1)``."""
        kind = {"number": "a number", "integer": "a whole number", "bool": "true or false", "text": "a text"}
        if self.kind == "number" and self.ge is not None and self.lt is not None:
            return f"in [{self.ge:g}, {self.lt:g})"
        lower = f" > {self.gt:g}" if self.gt is not None else (f" >= {self.ge:g}" if self.ge is not None else "")
        return kind[self.kind] + lower

    def range_text(self) -> str:
        """The admissible range in words: ``> 0``, ``>= 1, <= 100``, ``in [0, 1)``."""
        if self.ge is not None and self.lt is not None:
            return f"in [{self.ge:g}, {self.lt:g})"
        parts = [f"> {self.gt:g}" if self.gt is not None else "", f">= {self.ge:g}" if self.ge is not None else ""]
        parts.append(f"<= {self.le:g}" if self.le is not None else "")
        return ", ".join(p for p in parts if p)

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not admissible ("must be a whole number >= 1, got 2.5"), or None.

        Rule: a value of the setting's kind (null where the setting allows it), finite, within
        each bound given (``gt < value``, ``ge <= value``, ``value < lt``, ``value <= le``); a
        text is a text (or a whole number: ``name: 2030``) of at most :attr:`max_chars` characters.
        """
        if value is None:
            return None if self.nullable else f"must be {self.what}, got null"
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {show(value)}"
        if self.kind == "text":
            return _text_problem(value, self.max_chars or MAX_TEXT_CHARS)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"must be {self.what}, got {show(value)}"
        if self.kind == "integer" and not float(value).is_integer():
            return f"must be {self.what}, got {show(value)}"
        if (self.gt is not None and value <= self.gt) or (self.ge is not None and value < self.ge):
            return f"must be {self.what}, got {show(value)}"
        if self.lt is not None and value >= self.lt:
            return f"must be {self.what}, got {show(value)}"
        if self.le is not None and value > self.le:
            return f"must be <= {self.le:g} ({self.why}), got {show(value)}"
        return None

    def warning(self, value: Any) -> str | None:
        """A note when an admissible number lies outside the plausible range, else None."""
        if self.plausible is None or value is None or self.problem(value) is not None:
            return None
        lo, hi = self.plausible
        if lo <= float(value) <= hi:
            return None
        return f"{value:g} is outside the plausible range {lo:g} to {hi:g} ({self.why}); check the value and its unit"

    def typed(self, value: Any) -> Any:
        """An admissible value as the scenario holds it: a float, an int, a bool or a text."""
        if value is None:
            return None
        if self.kind == "number":
            return float(value)
        if self.kind == "integer":
            return int(value)
        if self.kind == "text":
            return str(value)
        return value


def _text_problem(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return f"must be a text, got {described(value)} (quote a text that looks like a number or a date)"
    if len(str(value)) > limit:
        return f"must be a text of at most {limit:,} characters, got {len(str(value)):,}"
    return None


def show(value: Any) -> str:
    """A value for a message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def described(value: Any) -> str:
    """A value with its kind, for a message: ``a list ['hubs.csv']``, ``a date 2024-01-01``."""
    if isinstance(value, datetime.date):
        return f"a date {value.isoformat()}"
    if value == "":
        return "an empty text"
    kinds = {list: "a list", dict: "a mapping", bool: "a boolean", int: "a number", float: "a number", str: "a text"}
    kind = kinds.get(type(value), type(value).__name__)
    return f"{kind} {show(value)}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "name",
        "text",
        None,
        "The scenario's name in plans and reports (default: the folder's name).",
        nullable=True,
        why="shown in every summary; the folder's name if null",
    ),
    Setting("description", "text", "", "Free text: what the scenario describes.", nullable=True),
    Setting(
        "planning_window_hours",
        "number",
        720.0,
        "Length of the planning window, h; every placed job runs within it, all at once.",
        gt=0,
        le=876_000,
        plausible=(1, 8_784),
        why="one window of at most a leap year is plausible; no plan spans a century (876,000 h)",
    ),
    Setting(
        "carbon_price_cny_per_t",
        "number",
        0.0,
        "Carbon price on emissions, CNY per tCO2 (0: none).",
        ge=0,
        le=1e6,
        plausible=(0, 5_000),
        why="carbon markets trade at 50-800 CNY/t; a million CNY/t makes carbon costs exceed what the model holds",
    ),
    Setting(
        "carbon_budget_t",
        "number",
        None,
        "Cap on the plan's total emissions, tCO2 (null: no cap).",
        nullable=True,
        ge=0,
        le=1e12,
        why="the world emits about 4e10 t a year; a bound of the model may not exceed 1e12",
    ),
    Setting(
        "allow_unplaced",
        "bool",
        True,
        "Whether jobs with an unplaced_penalty_cny may be left unplaced, at that penalty.",
    ),
    Setting(
        "artifact_paths_k",
        "integer",
        4,
        "Candidate routes over the backbone per (training hub, serving hub) for trained models.",
        ge=1,
        le=100,
        plausible=(1, 20),
        why="candidate routes are enumerated per (training hub, serving hub); a hundred is more than a backbone has",
    ),
    Setting(
        "solver.time_limit_s",
        "number",
        60.0,
        "HiGHS time limit, s (null: none).",
        nullable=True,
        gt=0,
        le=1e7,
        why="null means no limit; 1e7 s is 115 days",
    ),
    Setting(
        "solver.mip_rel_gap",
        "number",
        1e-4,
        "Relative gap at which HiGHS stops (null: HiGHS's own).",
        nullable=True,
        ge=0,
        lt=1,
    ),
    Setting(
        "solver.threads",
        "integer",
        None,
        "HiGHS threads (null: HiGHS chooses).",
        nullable=True,
        ge=1,
        le=1024,
        why="null lets HiGHS choose",
    ),
)
SOLVER = "solver"
TABLES = "tables"
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
TOP_KEYS: tuple[str, ...] = tuple(sorted({s.key.split(".")[0] for s in SETTINGS} | {SOLVER, TABLES}))
SOLVER_KEYS: tuple[str, ...] = tuple(sorted(s.key.split(".", 1)[1] for s in SETTINGS if s.key.startswith("solver.")))


def setting_problems(values: dict[str, Any], file: str) -> list[Problem]:
    """Errors and warnings of settings given by dotted key (``Scenario.with_settings``)."""
    problems: list[Problem] = []
    for key, value in values.items():
        spec = BY_KEY[key]
        if (message := spec.problem(value)) is not None:
            problems.append(Problem(file, f"{key} {message}"))
        elif (note := spec.warning(value)) is not None:
            problems.append(Problem(file, f"{key}: {note}", severity="warning"))
    return problems


def read_settings(
    config: Any, lines: dict[KeyPath, int], file: str
) -> tuple[dict[str, Any], dict[str, str | None], list[Problem]]:
    """Check the mapping read from ``scenario.yaml`` (or a settings sheet); every problem names
    the key path and its line (``lines``: the line or row of each key path, ``("solver", "threads")``).

    Returns the settings by dotted key, typed (the default where a value is missing or invalid),
    the table entries by table name (``None`` for a table listed as null: its default file), and
    the problems.
    """
    problems: list[Problem] = []

    def err(path: KeyPath, message: str, severity: str = "error") -> None:
        row = lines.get(tuple(str(p) for p in path)) or lines.get(tuple(str(p) for p in path[:1])) or lines.get(())
        problems.append(Problem(file, message, row=row, severity=severity))

    if config is None:
        config = {}
    if not isinstance(config, dict):
        err((), f"expected a mapping of settings at the top level, got {described(config)}")
        return {s.key: s.default for s in SETTINGS}, {}, problems
    for key in config:
        if key not in TOP_KEYS:
            err((key,), f"unknown key {str(key)!r}; known keys: {', '.join(TOP_KEYS)}")
    solver = config.get(SOLVER)
    if solver is not None and not isinstance(solver, dict):
        err((SOLVER,), f"'solver' must be a mapping of {', '.join(SOLVER_KEYS)}, got {show(solver)}")
        solver = {}
    for key in solver or {}:
        if key not in SOLVER_KEYS:
            err((SOLVER, key), f"unknown key solver.{key}; known: {', '.join(SOLVER_KEYS)}")
    values: dict[str, Any] = {}
    for spec in SETTINGS:
        path = tuple(spec.key.split("."))
        holder = config if len(path) == 1 else (solver or {})
        value = holder.get(path[-1], spec.default)
        if (message := spec.problem(value)) is not None:
            err(path, f"{spec.key} {message}")
            value = spec.default
        elif (note := spec.warning(value)) is not None:
            err(path, f"{spec.key}: {note}", severity="warning")
        values[spec.key] = spec.typed(value)
    return values, _table_entries(config.get(TABLES), err), problems


def given(config: Any, key: str) -> bool:
    """Whether ``config`` (as read) gives the setting ``key`` an admissible value of its own."""
    top, _, sub = key.partition(".")
    holder = config.get(top) if sub and isinstance(config, dict) else config
    if not isinstance(holder, dict) or (sub or top) not in holder:
        return False
    return BY_KEY[key].problem(holder[sub or top]) is None


def _table_entries(tables: Any, err: Any) -> dict[str, str | None]:
    """Each listed table's file name, checked: a text, no control characters, not too long."""
    if tables is None:
        return {}
    if not isinstance(tables, dict):
        err((TABLES,), f"'tables' must be a mapping of table name to CSV file, got {show(tables)}")
        return {}
    out: dict[str, str | None] = {}
    for key, entry in tables.items():
        if key not in SCHEMAS:
            err((TABLES, key), f"unknown table tables.{key}; known: {', '.join(TABLE_ORDER)}")
            continue
        if entry is None:
            out[key] = None
            continue
        if not isinstance(entry, str) or not entry.strip():
            err((TABLES, key), f"tables.{key} must be a CSV file name inside the folder, got {described(entry)}")
            continue
        if any(not c.isprintable() for c in entry):
            err((TABLES, key), f"tables.{key} = {show(entry)} holds a control character; refused")
            continue
        longest = max(len(part) for part in entry.replace("\\", "/").split("/"))
        if len(entry) > MAX_PATH_CHARS or longest > MAX_NAME_PART_CHARS:
            err(
                (TABLES, key),
                f"tables.{key} is a path of {len(entry):,} characters (its longest name {longest:,}); "
                f"at most {MAX_PATH_CHARS:,} (and {MAX_NAME_PART_CHARS} per name)",
            )
            continue
        out[key] = entry
    return out
