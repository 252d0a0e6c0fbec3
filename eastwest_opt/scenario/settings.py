"""The settings of a scenario, defined once: what ``scenario.yaml`` (or a workbook's ``scenario``
sheet) may say, of which type, in which range, with which default.

The loader's type checks (:func:`type_problem`), the range checks of a loaded scenario
(:func:`~eastwest_opt.scenario.checks.check_settings`, through :func:`range_problem`), the JSON
Schema for editors (:mod:`~eastwest_opt.scenario.json_schema`) and the README of a template
(:mod:`~eastwest_opt.scenario.templates`) all read :data:`SETTINGS`, so none of them can drift
from the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

SettingKind = Literal["text", "number", "integer", "bool"]


@dataclass(frozen=True)
class Setting:
    """One setting: its key (``solver.threads`` for a solver setting), type, default and range."""

    key: str
    kind: SettingKind
    default: object
    about: str
    nullable: bool = False
    ge: float | None = None
    gt: float | None = None
    lt: float | None = None

    @property
    def what(self) -> str:
        """The admissible type in words: ``a number``, ``an integer or null``, ..."""
        words = {"text": "text", "number": "a number", "integer": "an integer", "bool": "true or false"}[self.kind]
        return f"{words} or null" if self.nullable and self.kind != "text" else words

    def range_text(self) -> str:
        """The admissible range in words: ``> 0``, ``>= 1``, ``in [0, 1)``."""
        if self.ge is not None and self.lt is not None:
            return f"in [{self.ge:g}, {self.lt:g})"
        if self.gt is not None:
            return f"> {self.gt:g}"
        if self.ge is not None:
            return f">= {self.ge:g}"
        return ""


SETTINGS: tuple[Setting, ...] = (
    Setting("name", "text", None, "The scenario's name in plans and reports (default: the folder's name).", True),
    Setting("description", "text", "", "Free text: what the scenario describes.", True),
    Setting(
        "planning_window_hours",
        "number",
        720.0,
        "Length of the planning window, h; every placed job runs within it, all at once.",
        gt=0,
    ),
    Setting("carbon_price_cny_per_t", "number", 0.0, "Carbon price on emissions, CNY per tCO2 (0: none).", ge=0),
    Setting("carbon_budget_t", "number", None, "Cap on the plan's total emissions, tCO2 (null: no cap).", True, ge=0),
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
    ),
    Setting("solver.time_limit_s", "number", 60.0, "HiGHS time limit, s (null: none).", True, gt=0),
    Setting(
        "solver.mip_rel_gap", "number", 1e-4, "Relative gap at which HiGHS stops (null: HiGHS's own).", True, ge=0, lt=1
    ),
    Setting("solver.threads", "integer", None, "HiGHS threads (null: HiGHS chooses).", True, ge=1),
)
SOLVER = "solver"
TABLES = "tables"
TOP_KEYS: frozenset[str] = frozenset({s.key.split(".")[0] for s in SETTINGS} | {TABLES})
SOLVER_KEYS: frozenset[str] = frozenset(s.key.split(".", 1)[1] for s in SETTINGS if s.key.startswith(f"{SOLVER}."))
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def is_number(v: Any) -> bool:
    """True for an int or a float that is not a bool."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_integer(v: Any) -> bool:
    """True for a number with no fractional part (``4`` or ``4.0``)."""
    return is_number(v) and math.isfinite(float(v)) and float(v).is_integer()


def type_problem(setting: Setting, value: Any) -> str | None:
    """Why ``value`` cannot be this setting (rule: a value of the setting's kind, or null where
    the setting allows it), or ``None`` when it can."""
    if value is None:
        return None if setting.nullable else f"{setting.key} must be {setting.what}, got None"
    ok = {
        "text": isinstance(value, str) or is_number(value),
        "number": is_number(value),
        "integer": is_integer(value),
        "bool": isinstance(value, bool),
    }[setting.kind]
    return None if ok else f"{setting.key} must be {setting.what}, got {value!r}"


def range_problem(setting: Setting, value: Any) -> str | None:
    """Why a number is outside the setting's range (rule: ``ge <= value``, ``gt < value``,
    ``value < lt`` for each bound given), or ``None``."""
    if value is None or not is_number(value):
        return None
    v = float(value)
    if math.isnan(v):
        return f"{setting.key} must be a number, got nan"
    bad = (
        (setting.ge is not None and v < setting.ge)
        or (setting.gt is not None and v <= setting.gt)
        or (setting.lt is not None and v >= setting.lt)
    )
    return f"{setting.key} must be {setting.range_text()}, got {value:g}" if bad else None


def lookup(config: dict[str, Any], key: str) -> tuple[bool, Any]:
    """Whether ``config`` (the parsed YAML) gives the setting ``key``, and its value."""
    top, _, sub = key.partition(".")
    if not sub:
        return top in config, config.get(top)
    nested = config.get(top)
    if not isinstance(nested, dict):
        return False, None
    return sub in nested, nested.get(sub)


def value_of(config: dict[str, Any], setting: Setting) -> Any:
    """The setting's value from ``config``; its default when absent or of the wrong type."""
    present, value = lookup(config, setting.key)
    if not present or type_problem(setting, value) is not None:
        return setting.default
    if value is None:
        return None
    if setting.kind == "number":
        return float(value)
    if setting.kind == "integer":
        return int(value)
    return value
