"""``summary.json`` of a plan folder: its keys and their types, defined once, and its reading.

:data:`SUMMARY_KEYS` gives each key's kind; ``cost_cny`` holds one number per cost term and the
total. :func:`parse_summary` checks a written summary and names every problem by key and line
(``summary.json, row 6: key objective_cny: expected a number, got 'abc'``). Unknown keys are
ignored (a later version may add some); ``scenario_fingerprint`` may be absent (plans written
before it existed).
"""

from __future__ import annotations

import json
import math
from typing import Any

from eastwest_opt.errors import Problem
from eastwest_opt.plan.schema import COST_TERMS

SUMMARY_FILE = "summary.json"
STATUSES = ("optimal", "feasible")
# key -> kind; "?" at the end: null allowed
SUMMARY_KEYS: dict[str, str] = {
    "scenario": "text",
    "scenario_path": "text?",
    "scenario_fingerprint": "text?",
    "status": "status",
    "verified": "bool",
    "objective_cny": "number",
    "bound_cny": "number?",
    "gap": "number?",
    "cost_cny": "costs",
    "jobs": "count",
    "jobs_placed": "count",
    "jobs_unplaced": "count",
    "energy_mwh": "number",
    "west_energy_share": "number?",
    "emissions_t": "number",
    "transfer_tb": "number",
    "seconds": "numbers",
    "solver": "mapping",
    "violations": "list?",
}
OPTIONAL_KEYS = frozenset({"scenario_fingerprint"})
COST_KEYS = (*COST_TERMS, "total")


def parse_summary(text: str) -> tuple[dict[str, Any], list[Problem]]:
    """The summary's keys (typed as :data:`SUMMARY_KEYS` says) and every problem found."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, [Problem(SUMMARY_FILE, f"not valid JSON: {exc.msg}", row=exc.lineno)]
    except RecursionError:
        return {}, [Problem(SUMMARY_FILE, "not valid JSON: nested too deeply")]
    if not isinstance(data, dict):
        return {}, [Problem(SUMMARY_FILE, f"expected a JSON object, got {_type_name(data)}")]
    problems: list[Problem] = []
    for key, kind in SUMMARY_KEYS.items():
        if key not in data:
            if key not in OPTIONAL_KEYS:
                problems.append(Problem(SUMMARY_FILE, f"key {key}: missing"))
            continue
        said = _type_problem(data[key], kind)
        if said:
            problems.append(Problem(SUMMARY_FILE, f"key {key}: {said}", row=_line_of(text, [key])))
        elif kind == "costs":
            for term in COST_KEYS:
                said = "missing" if term not in data[key] else _type_problem(data[key][term], "number")
                if said:
                    problems.append(Problem(SUMMARY_FILE, f"key {key}.{term}: {said}", row=_line_of(text, [key, term])))
        elif kind == "numbers":
            for name, value in data[key].items():
                said = _type_problem(value, "number")
                if said:
                    problems.append(Problem(SUMMARY_FILE, f"key {key}.{name}: {said}", row=_line_of(text, [key, name])))
    return data, problems


def _type_problem(value: Any, kind: str) -> str | None:
    """What is wrong with a value of the given kind, or None."""
    if kind.endswith("?"):
        if value is None:
            return None
        kind = kind[:-1]
    if kind in ("number", "count"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {_shown(value)}"
        if not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
        if kind == "count" and (value < 0 or value != int(value)):
            return f"expected a whole number >= 0, got {value!r}"
        return None
    expected = {
        "text": (str, "text"),
        "status": (str, "text"),
        "bool": (bool, "true or false"),
        "costs": (dict, "an object"),
        "numbers": (dict, "an object"),
        "mapping": (dict, "an object"),
        "list": (list, "a list"),
    }[kind]
    if not isinstance(value, expected[0]):
        return f"expected {expected[1]}, got {_shown(value)}"
    if kind == "status" and value not in STATUSES:
        return f"expected one of {', '.join(STATUSES)}, got {value!r}"
    return None


def _shown(value: Any) -> str:
    """A JSON value as a message shows it: text quoted, others as JSON, long ones cut."""
    text = repr(value) if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    return {list: "a list", str: "text", bool: "true or false", type(None): "null"}.get(type(value), "a number")


def _line_of(text: str, path: list[str]) -> int | None:
    """The line of the last key of ``path`` in the JSON text (each key searched after the one before)."""
    pos = 0
    for part in path:
        found = text.find(json.dumps(part) + ":", pos)
        if found < 0:
            return None
        pos = found
    return text.count("\n", 0, pos) + 1
