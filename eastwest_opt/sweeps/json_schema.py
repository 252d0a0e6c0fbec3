"""The JSON Schema of a sweep file, for editors: completion of keys, tables, columns and operators.

:func:`sweep_json_schema` builds it from the vocabulary the sweep parser checks against
(:mod:`~eastwest_opt.sweeps.spec`: the keys of a sweep, a variant, an axis, an override, the
operations, selections, ``where`` operators and settings) and from the scenario schema (the
tables, their columns and the kind of each), so a column added to a table is known to both at
once. The package ships it as ``sweep.schema.json`` beside this module (:data:`SCHEMA_FILE`); a
test checks that the file equals the generated schema, that every example sweep validates, and
that the schema and :func:`~eastwest_opt.sweeps.parse.load_sweep` agree on a set of bad files.
What only the base scenario can tell (whether a selection matches a row, whether ``base``
exists) is the parser's alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eastwest_opt.sweeps.core import SCHEMAS, TABLE_ORDER, Column, TableSchema
from eastwest_opt.sweeps.spec import (
    AXIS_KEYS,
    DERIVED,
    NUMERIC,
    OVERRIDE_KEYS,
    PARETO_KEYS,
    PLACEHOLDER,
    RESERVED,
    SELECT_KEYS,
    SETTINGS,
    SOLVER_KEYS,
    TABLE_OPS,
    TOP_KEYS,
    VARIANT_KEYS,
    WHERE_OPS,
)

SCHEMA_FILE = Path(__file__).with_name("sweep.schema.json")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
PARAMETER = {
    "type": "string",
    "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
    "not": {"anyOf": [{"enum": sorted(RESERVED)}, {"pattern": "^(cost_|jobs_at_|mw_at_)"}]},
}
SCALAR = {"type": ["string", "number", "boolean"]}
_COMPARE = ("<", "<=", ">", ">=")
_OVERRIDE_DOCS = {
    "table": "The table to change.",
    "id": "Select one row by its id (a list [hub_id, accel_id] for a table with a two-column key).",
    "ids": "Select rows by a list of ids.",
    "where": "Select the rows where every condition holds: {column: value}, a list, or {op: value}.",
    "set": "Set columns of the selected rows: {column: value}; null empties an optional cell.",
    "scale": "Multiply numeric columns of the selected rows: {column: factor}.",
    "add": "Add to numeric columns of the selected rows: {column: delta}.",
    "remove": "remove: true drops the selected rows (a link cut).",
    "duplicate": "Jobs only: N copies of each selected job in all, with their override rows.",
    "append": "New rows: a mapping of column to value, or a list of them; no selection.",
    "settings": "Change scenario settings; stands alone in its override.",
}
_SETTING_TYPES = {
    "number": {"type": "number"},
    "number or null": {"type": ["number", "null"]},
    "bool": {"type": "boolean"},
    "integer": {"type": "integer"},
}


def _maybe(schema: dict[str, Any], placeholder: bool) -> dict[str, Any]:
    """``schema``, or ``$value`` in its place inside a grid axis."""
    return {"anyOf": [schema, {"const": PLACEHOLDER}]} if placeholder else schema


def value_ref(col: Column, placeholder: bool, defs: dict[str, Any]) -> dict[str, Any]:
    """A reference to :func:`value_schema` of the column, kept once in ``defs`` per kind."""
    name = f"value_{col.kind}{'' if col.required else '_or_null'}{'_axis' if placeholder else ''}"
    defs.setdefault(name, value_schema(col, placeholder))
    return {"$ref": f"#/$defs/{name}"}


def condition_ref(col: Column | None, placeholder: bool, defs: dict[str, Any]) -> dict[str, Any]:
    """A reference to :func:`condition_schema` of the column, kept once in ``defs`` per kind."""
    numeric = col is not None and col.kind in NUMERIC
    name = f"where_{'number' if numeric else 'value'}{'_axis' if placeholder else ''}"
    defs.setdefault(name, condition_schema(col, placeholder))
    return {"$ref": f"#/$defs/{name}"}


def value_schema(col: Column, placeholder: bool) -> dict[str, Any]:
    """A value that ``set`` or ``append`` may write to the column (rule: of the column's kind; null only
    in an optional column)."""
    if col.kind in NUMERIC:
        types: list[str] = ["integer" if col.kind == "int" else "number"]
    elif col.kind == "bool":
        types = ["boolean"]
    elif col.kind == "list":
        types = ["string", "array"]
    elif col.kind == "hubset":
        types = ["string"]
    else:
        types = ["string", "number"]
    if not col.required:
        types.append("null")
    out: dict[str, Any] = {"type": types[0] if len(types) == 1 else types}
    if col.kind == "list":
        out["items"] = {"type": "string"}
    return _maybe(out, placeholder)


def condition_schema(col: Column | None, placeholder: bool) -> dict[str, Any]:
    """A ``where`` condition on a column: a value, a list (membership) or ``{op: value}``."""
    numeric = col is not None and col.kind in NUMERIC
    ops = [op for op in WHERE_OPS if numeric or op not in _COMPARE]
    by_op: dict[str, Any] = {}
    for op in ops:
        if op in ("in", "not_in"):
            by_op[op] = {"type": "array", "minItems": 1}
        elif op in _COMPARE:
            by_op[op] = _maybe({"type": "number"}, placeholder)
        elif op == "like":
            by_op[op] = {"type": "string"}
        else:
            by_op[op] = SCALAR
    mapping = {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "propertyNames": {"enum": ops},
        "properties": by_op,
    }
    return {"anyOf": [SCALAR, {"type": "array", "minItems": 1}, mapping]}


def _columns(schema: TableSchema, *, numeric: bool = False) -> list[Column]:
    """The columns an operation may change: every one but the key (the numeric ones for scale and add)."""
    return [c for c in schema.columns if c.name not in schema.key and (not numeric or c.kind in NUMERIC)]


def _mapping(columns: dict[str, Any]) -> dict[str, Any]:
    """An object whose keys are the given columns, each with its schema."""
    return {"type": "object", "minProperties": 1, "properties": columns, "additionalProperties": False}


def table_rules(schema: TableSchema, placeholder: bool, defs: dict[str, Any]) -> dict[str, Any]:
    """What an override of one table may say: its ids, columns, conditions and rows."""
    width = len(schema.key)
    one_id: dict[str, Any] = {"type": ["string", "integer"]}
    if width > 1:
        one_id = {"type": "array", "minItems": width, "maxItems": width, "items": {"type": ["string", "integer"]}}
    numbers = {
        c.name: _maybe({"type": "integer" if c.kind == "int" else "number"}, placeholder)
        for c in _columns(schema, numeric=True)
    }
    scales = {c.name: _maybe({"type": "number"}, placeholder) for c in _columns(schema, numeric=True)}
    derived = dict.fromkeys(DERIVED.get(schema.name, {}))
    where = {c.name: condition_ref(c, placeholder, defs) for c in schema.columns}
    where |= {name: condition_ref(None, placeholder, defs) for name in derived}
    row = {
        "type": "object",
        "properties": {c.name: value_ref(c, placeholder, defs) for c in schema.columns},
        "additionalProperties": False,
        "required": [c.name for c in schema.columns if c.required],
    }
    rules: dict[str, Any] = {
        "properties": {
            "id": _maybe(one_id, placeholder),
            "ids": {"type": "array", "minItems": 1, "items": one_id},
            "where": _mapping(where),
            "set": _mapping({c.name: value_ref(c, placeholder, defs) for c in _columns(schema)}),
            "scale": _mapping(scales),
            "add": _mapping(numbers),
            "append": {"anyOf": [row, {"type": "array", "minItems": 1, "items": row}]},
        }
    }
    if schema.name != "jobs":
        rules["not"] = {"required": ["duplicate"]}
    return rules


def override_schema(placeholder: bool, defs: dict[str, Any]) -> dict[str, Any]:
    """One override: ``settings`` alone, or a table, at most one selection and exactly one operation."""
    settings = {key: _maybe(_SETTING_TYPES[kind], placeholder) for key, kind in SETTINGS.items()}
    pairs = [[a, b] for i, a in enumerate(SELECT_KEYS) for b in SELECT_KEYS[i + 1 :]]
    table_override = {
        "required": ["table"],
        "not": {"anyOf": [{"required": ["settings"]}, *({"required": p} for p in pairs)]},
        "oneOf": [{"required": [op]} for op in TABLE_OPS],
        "allOf": [
            {"if": {"required": ["append"]}, "then": {"not": {"anyOf": [{"required": [k]} for k in SELECT_KEYS]}}},
            *(
                {
                    "if": {"properties": {"table": {"const": name}}, "required": ["table"]},
                    "then": table_rules(SCHEMAS[name], placeholder, defs),
                }
                for name in TABLE_ORDER
            ),
        ],
    }
    properties = {key: {"description": text} for key, text in _OVERRIDE_DOCS.items()}
    properties["table"] |= {"enum": list(TABLE_ORDER)}
    properties["remove"] |= {"const": True}
    properties["duplicate"] |= _maybe({"type": "integer", "minimum": 1, "maximum": 1000}, placeholder)
    properties["settings"] |= _mapping(settings)
    if set(properties) != set(OVERRIDE_KEYS):
        raise AssertionError("the override schema's keys differ from the parser's")
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "oneOf": [{"required": ["settings"], "maxProperties": 1}, table_override],
    }


def _overrides(ref: str, *, required: bool = False) -> dict[str, Any]:
    """A list of overrides, or a single one; null where the overrides may be left out."""
    choices: list[dict[str, Any]] = [{"$ref": ref}, {"type": "array", "items": {"$ref": ref}}]
    if not required:
        choices.insert(0, {"type": "null"})
    return {"anyOf": choices}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [{"type": "null"}, schema]}


def _sections() -> dict[str, Any]:
    """The schemas of a variant, a grid axis, the solver settings and a Pareto front."""
    text = {"type": ["string", "number", "null"]}
    return {
        "variant": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"anyOf": [{"type": "string", "pattern": "\\S"}, {"type": "number"}]},
                "label": text,
                "parameters": _nullable({"type": "object", "propertyNames": PARAMETER, "additionalProperties": SCALAR}),
                "overrides": _overrides("#/$defs/override"),
            },
            "additionalProperties": False,
        },
        "axis": {
            "type": "object",
            "required": ["name", "values", "overrides"],
            "properties": {
                "name": PARAMETER,
                "label": text,
                "values": {"type": "array", "minItems": 1, "uniqueItems": True, "items": SCALAR},
                "overrides": _overrides("#/$defs/axis_override", required=True),
            },
            "additionalProperties": False,
        },
        "solver": {
            "type": "object",
            "properties": {
                "time_limit_s": {"type": ["number", "null"], "exclusiveMinimum": 0},
                "mip_rel_gap": {"type": ["number", "null"], "minimum": 0, "exclusiveMaximum": 1},
                "threads": {"type": ["integer", "null"], "minimum": 1},
            },
            "additionalProperties": False,
        },
        "pareto": {
            "type": "object",
            "properties": {"steps": {"type": "integer", "minimum": 1, "maximum": 1000}},
            "additionalProperties": False,
        },
    }


def sweep_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a sweep file."""
    defs: dict[str, Any] = {}
    defs |= {"override": override_schema(False, defs), "axis_override": override_schema(True, defs), **_sections()}
    text = {"type": ["string", "number", "null"]}
    properties = {
        "name": text,
        "description": text,
        "base": {"type": ["string", "null"], "pattern": "\\S"},
        "base_overrides": _overrides("#/$defs/override"),
        "solver": _nullable({"$ref": "#/$defs/solver"}),
        "parameter_labels": _nullable({"type": "object", "additionalProperties": {"type": "string"}}),
        "variants": _nullable({"type": "array", "items": {"$ref": "#/$defs/variant"}}),
        "grid": _nullable({"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/axis"}}),
        "pareto": _nullable({"$ref": "#/$defs/pareto"}),
    }
    keys = {"variant": VARIANT_KEYS, "axis": AXIS_KEYS, "solver": SOLVER_KEYS, "pareto": PARETO_KEYS}
    if set(properties) != set(TOP_KEYS) or any(set(defs[d]["properties"]) != set(k) for d, k in keys.items()):
        raise AssertionError("the sweep schema's keys differ from the parser's")  # the parser's keys, exactly
    return {
        "$schema": DIALECT,
        "title": "eastwest-opt sweep file",
        "description": "What-if variants of a scenario (see the docstring of eastwest_opt.sweeps).",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "anyOf": [
            {"required": ["variants"], "properties": {"variants": {"type": "array", "minItems": 1}}},
            {"required": ["grid"], "properties": {"grid": {"type": "array"}}},
            {"required": ["pareto"], "properties": {"pareto": {"type": "object"}}},
        ],
        "if": {"required": ["pareto"], "properties": {"pareto": {"type": "object"}}},
        "then": {"properties": {"variants": {"maxItems": 0}, "grid": {"maxItems": 0}}},
        "$defs": defs,
    }
