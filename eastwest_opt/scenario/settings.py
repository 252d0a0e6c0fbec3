"""The settings of ``scenario.yaml``: each key's type, admissible and plausible range, and why.

:data:`SETTINGS` states every setting once; :func:`read_settings` checks the mapping read from
``scenario.yaml`` (with the line of each key) against it, and
:func:`~eastwest_opt.scenario.checks.check_settings` checks a scenario's settings changed in code
against the same rules. A value outside its admissible range is an error; one outside its
plausible range a warning.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any, Literal

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER
from eastwest_opt.scenario.yaml_reader import KeyPath

SettingKind = Literal["number", "whole", "bool", "text"]
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 20_000
MAX_PATH_CHARS = 1_000
MAX_NAME_PART_CHARS = 255  # the longest file name most file systems allow


@dataclass(frozen=True)
class Setting:
    """One key of ``scenario.yaml``: its kind, default, whether null is allowed, and its ranges."""

    key: str  # the key path, dotted: "solver.threads"
    kind: SettingKind
    default: Any
    nullable: bool = False
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    plausible: tuple[float, float] | None = None
    why: str = ""

    def what(self) -> str:
        """The admissible values in words: ``a whole number >= 1``."""
        kind = {"number": "a number", "whole": "a whole number", "bool": "true or false", "text": "a text"}[self.kind]
        lower = f" > {self.gt:g}" if self.gt is not None else (f" >= {self.ge:g}" if self.ge is not None else "")
        if self.kind == "number" and self.ge is not None and self.lt is not None:
            return f"in [{self.ge:g}, {self.lt:g})"
        return kind + lower

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not admissible ("must be a whole number >= 1, got 2.5"), or None."""
        if value is None:
            return None if self.nullable else f"must be {self.what()}, got null"
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {show(value)}"
        if self.kind == "text":
            return _text_problem(value, MAX_NAME_CHARS if self.key == "name" else MAX_TEXT_CHARS)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"must be {self.what()}, got {show(value)}"
        if self.kind == "whole" and not float(value).is_integer():
            return f"must be {self.what()}, got {show(value)}"
        if (self.gt is not None and value <= self.gt) or (self.ge is not None and value < self.ge):
            return f"must be {self.what()}, got {show(value)}"
        if self.lt is not None and value >= self.lt:
            return f"must be {self.what()}, got {show(value)}"
        if self.le is not None and value > self.le:
            return f"must be <= {self.le:g} ({self.why}), got {show(value)}"
        return None

    def warning(self, value: Any) -> str | None:
        """A note when an admissible number lies outside the plausible range, else None."""
        if self.plausible is None or self.problem(value) is not None or value is None:
            return None
        lo, hi = self.plausible
        if lo <= float(value) <= hi:
            return None
        return f"{value:g} is outside the plausible range {lo:g} to {hi:g} ({self.why}); check the value and its unit"


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
    Setting("name", "text", None, nullable=True, why="shown in every summary; the folder's name if null"),
    Setting("description", "text", "", nullable=True),
    Setting(
        "planning_window_hours",
        "number",
        720.0,
        gt=0,
        le=876_000,
        plausible=(1, 8_784),
        why="one window of at most a leap year is plausible; no plan spans a century (876,000 h)",
    ),
    Setting(
        "carbon_price_cny_per_t",
        "number",
        0.0,
        ge=0,
        le=1e6,
        plausible=(0, 5_000),
        why="carbon markets trade at 50-800 CNY/t; a million CNY/t makes carbon costs exceed what the model holds",
    ),
    Setting(
        "carbon_budget_t",
        "number",
        None,
        nullable=True,
        ge=0,
        le=1e12,
        why="the world emits about 4e10 t a year; a bound of the model may not exceed 1e12",
    ),
    Setting("allow_unplaced", "bool", True),
    Setting(
        "artifact_paths_k",
        "whole",
        4,
        ge=1,
        le=100,
        plausible=(1, 20),
        why="candidate routes are enumerated per (training hub, serving hub); a hundred is more than a backbone has",
    ),
    Setting(
        "solver.time_limit_s",
        "number",
        60.0,
        nullable=True,
        gt=0,
        le=1e7,
        why="null means no limit; 1e7 s is 115 days",
    ),
    Setting("solver.mip_rel_gap", "number", 1e-4, nullable=True, ge=0, lt=1),
    Setting("solver.threads", "whole", None, nullable=True, ge=1, le=1024, why="null lets HiGHS choose"),
)
SETTING = {s.key: s for s in SETTINGS}
TOP_KEYS = tuple(sorted({s.key.split(".")[0] for s in SETTINGS} | {"solver", "tables"}))
SOLVER_KEYS = tuple(sorted(s.key.split(".", 1)[1] for s in SETTINGS if s.key.startswith("solver.")))


def setting_problems(values: dict[str, Any], file: str) -> list[Problem]:
    """Errors and warnings of settings given in code (``Scenario.with_settings``), by key."""
    problems: list[Problem] = []
    for key, value in values.items():
        spec = SETTING[key]
        if (message := spec.problem(value)) is not None:
            problems.append(Problem(file, f"{key} {message}"))
        elif (note := spec.warning(value)) is not None:
            problems.append(Problem(file, f"{key}: {note}", severity="warning"))
    return problems


def read_settings(
    config: Any, lines: dict[KeyPath, int], file: str
) -> tuple[dict[str, Any], dict[str, str | None], list[Problem]]:
    """Check the mapping read from ``scenario.yaml``; every problem names the key path and its line.

    Returns the settings by dotted key (the default where a value is missing or invalid), the
    table entries by table name (``None`` for a table not listed or listed as null: its default
    file), and the problems.
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
    solver = config.get("solver")
    if solver is not None and not isinstance(solver, dict):
        err(("solver",), f"'solver' must be a mapping of {', '.join(SOLVER_KEYS)}, got {show(solver)}")
        solver = {}
    for key in solver or {}:
        if key not in SOLVER_KEYS:
            err(("solver", key), f"unknown key solver.{key}; known: {', '.join(SOLVER_KEYS)}")
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
        values[spec.key] = value
    return values, _table_entries(config.get("tables"), err), problems


def _table_entries(tables: Any, err: Any) -> dict[str, str | None]:
    """Each listed table's file name, checked: a text, no control characters, not too long."""
    if tables is None:
        return {}
    if not isinstance(tables, dict):
        err(("tables",), f"'tables' must be a mapping of table name to CSV file, got {show(tables)}")
        return {}
    out: dict[str, str | None] = {}
    for key, given in tables.items():
        if key not in SCHEMAS:
            err(("tables", key), f"unknown table tables.{key}; known: {', '.join(TABLE_ORDER)}")
            continue
        if given is None:
            out[key] = None
            continue
        if not isinstance(given, str) or not given.strip():
            err(("tables", key), f"tables.{key} must be a CSV file name inside the folder, got {described(given)}")
            continue
        if any(not c.isprintable() for c in given):
            err(("tables", key), f"tables.{key} = {show(given)} holds a control character; refused")
            continue
        longest = max(len(part) for part in given.replace("\\", "/").split("/"))
        if len(given) > MAX_PATH_CHARS or longest > MAX_NAME_PART_CHARS:
            err(
                ("tables", key),
                f"tables.{key} is a path of {len(given):,} characters (its longest name {longest:,}); "
                f"at most {MAX_PATH_CHARS:,} (and {MAX_NAME_PART_CHARS} per name)",
            )
            continue
        out[key] = given
    return out
