"""The JSON Schema of ``scenario.yaml``, for editors: completion, hover text and checking as one types.

:func:`scenario_json_schema` builds it from the definitions the loader checks against: the
settings of :mod:`~eastwest_opt.scenario.settings` (keys, types, ranges, defaults, meanings)
and the table names of :data:`~eastwest_opt.scenario.schema.TABLE_ORDER`. The package ships it
as ``scenario.schema.json`` beside this module (:data:`SCHEMA_FILE`); a test checks that the
shipped file equals the generated schema, and that the schema and the loader agree on a set of
bad files. ``eastwest-opt schema scenario`` prints it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eastwest_opt.scenario.docs import table_doc
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER
from eastwest_opt.scenario.settings import MAX_PATH_CHARS, SETTINGS, SOLVER, SOLVER_KEYS, TABLES, TOP_KEYS, Setting

SCHEMA_FILE = Path(__file__).with_name("scenario.schema.json")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TYPES = {"text": ["string", "integer"], "number": ["number"], "integer": ["integer"], "bool": ["boolean"]}


def setting_schema(setting: Setting) -> dict[str, Any]:
    """One setting's schema: its type (and null where allowed), admissible range (the plausible one
    is the loader's warning, not the schema's error), longest text, default and meaning."""
    types = list(_TYPES[setting.kind]) + (["null"] if setting.nullable else [])
    out: dict[str, Any] = {"description": setting.about, "type": types[0] if len(types) == 1 else types}
    if setting.ge is not None:
        out["minimum"] = setting.ge
    if setting.gt is not None:
        out["exclusiveMinimum"] = setting.gt
    if setting.lt is not None:
        out["exclusiveMaximum"] = setting.lt
    if setting.le is not None:
        out["maximum"] = setting.le
    if setting.max_chars is not None:
        out["maxLength"] = setting.max_chars
    if setting.default is not None:
        out["default"] = setting.default
    return out


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``scenario.yaml``."""
    top = {s.key: setting_schema(s) for s in SETTINGS if "." not in s.key}
    solver = {s.key.split(".", 1)[1]: setting_schema(s) for s in SETTINGS if s.key.startswith(f"{SOLVER}.")}
    tables = {
        name: {
            "type": ["string", "null"],
            "description": f"File of the {name} table, inside the scenario folder. {table_doc(name)}",
            "default": SCHEMAS[name].filename,
            "pattern": r"\S",
            "maxLength": MAX_PATH_CHARS,
        }
        for name in TABLE_ORDER
    }
    properties = {
        **top,
        SOLVER: {
            "description": "HiGHS settings; each may be overridden on the command line.",
            "type": ["object", "null"],
            "properties": solver,
            "additionalProperties": False,
        },
        TABLES: {
            "description": "The CSV file of each table (default: <table>.csv); paths stay inside the folder.",
            "type": ["object", "null"],
            "properties": tables,
            "additionalProperties": False,
        },
    }
    if set(properties) != set(TOP_KEYS) or set(solver) != set(SOLVER_KEYS):  # the loader's keys, exactly
        raise AssertionError("the scenario schema's keys differ from the loader's")
    return {
        "$schema": DIALECT,
        "title": "eastwest-opt scenario.yaml",
        "description": "The settings of an eastwest-opt scenario folder and the files of its tables.",
        "type": ["object", "null"],
        "properties": properties,
        "additionalProperties": False,
    }


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as the shipped file holds it: indented JSON and a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
