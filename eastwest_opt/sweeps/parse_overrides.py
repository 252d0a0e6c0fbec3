"""Parsing the overrides of a sweep file: table, selection (``id``, ``ids``, ``where``), one
operation (``set``, ``scale``, ``add``, ``remove``, ``duplicate``, ``append``) or ``settings``.

Each function checks one part of an override against the scenario schema and records every
problem on the :class:`~eastwest_opt.sweeps.problems.Reporter` it is given; a part with
problems yields nothing (``None``, an empty mapping or tuple) so that parsing goes on and the
sweep file's reader gets every mistake at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eastwest_opt.sweeps.core import SCHEMAS, TABLE_ORDER, Column, TableSchema
from eastwest_opt.sweeps.problems import KeyPath, Reporter, fmt_path, show
from eastwest_opt.sweeps.spec import (
    DERIVED,
    NUMERIC,
    OVERRIDE_KEYS,
    SELECT_KEYS,
    SETTINGS,
    TABLE_OPS,
    WHERE_OPS,
    Condition,
    Override,
    is_number,
)

Ids = tuple[tuple[str, ...], ...]
Rows = tuple[Mapping[str, Any], ...]


def parse_overrides(log: Reporter, items: Any, path: KeyPath) -> list[Override]:
    """A list of overrides (a single mapping counts as a list of one)."""
    if items is None:
        return []
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        log.err(path, f"expected a list of overrides, got {show(items)}")
        return []
    out = []
    for i, item in enumerate(items):
        ov = parse_override(log, item, (*path, i))
        if ov is not None:
            out.append(ov)
    return out


def parse_override(log: Reporter, item: Any, path: KeyPath) -> Override | None:
    """One override: its table, selection and operation, or its settings; None if it has problems."""
    if not isinstance(item, Mapping):
        log.err(path, f"expected a mapping (table, a selection and one operation), got {show(item)}")
        return None
    before = len(log.problems)
    log.keys(item, path, OVERRIDE_KEYS, "an override")
    line = log.line(path)
    if "settings" in item:
        extra = [k for k in item if k != "settings"]
        if extra:
            log.err(path, f"'settings' stands alone in its override; move {', '.join(map(str, extra))} to another")
        return parse_settings(log, item["settings"], (*path, "settings"), line)
    ops = [k for k in TABLE_OPS if k in item]
    table = item.get("table")
    if table is None:
        log.err(path, f"an override needs 'table' (one of {', '.join(TABLE_ORDER)}) or 'settings'")
        return None
    if not isinstance(table, str) or table not in SCHEMAS:
        log.err((*path, "table"), f"table {str(table)!r} unknown; tables are {', '.join(TABLE_ORDER)}")
        return None
    schema = SCHEMAS[table]
    ids, where = parse_selection(log, item, path, schema)
    if len(ops) != 1:
        what = "none" if not ops else ", ".join(ops)
        log.err(path, f"give exactly one operation of {', '.join(TABLE_OPS)}; got {what}")
        return None
    op = ops[0]
    values, rows = _operation(log, op, item[op], path, schema, selected=ids is not None or bool(where))
    if len(log.problems) > before:
        return None
    return Override(path=fmt_path(path), op=op, table=table, ids=ids, where=where, values=values, rows=rows, line=line)


def _operation(
    log: Reporter, op: str, arg: Any, path: KeyPath, schema: TableSchema, *, selected: bool
) -> tuple[dict[str, Any], Rows]:
    """The ``values`` and ``rows`` of one table operation (``path`` is the override's)."""
    values: dict[str, Any] = {}
    rows: Rows = ()
    if op in ("set", "scale", "add"):
        values = parse_column_values(log, op, arg, (*path, op), schema)
    elif op == "remove":
        if arg is not True:
            log.err((*path, op), f"write 'remove: true' to remove the selected rows, got {show(arg)}")
    elif op == "duplicate":
        if schema.name != "jobs":
            log.err((*path, op), "duplicate works on the jobs table only (copies jobs with their override rows)")
        elif not (isinstance(arg, int) and not isinstance(arg, bool) and 1 <= arg <= 1000):
            log.err((*path, op), f"expected the number of copies in all, an integer from 1 to 1000, got {show(arg)}")
        else:
            values = {"times": int(arg)}
    elif op == "append":
        if selected:
            log.err(path, "append adds rows; it takes no selection (id, ids or where)")
        rows = parse_rows(log, arg, (*path, op), schema)
    return values, rows


def parse_settings(log: Reporter, arg: Any, path: KeyPath, line: int | None) -> Override | None:
    """A ``settings:`` override, every setting checked against its type."""
    if not isinstance(arg, Mapping) or not arg:
        log.err(path, f"expected a mapping of setting to value ({', '.join(SETTINGS)}), got {show(arg)}")
        return None
    values = {}
    ok = True
    for key, value in arg.items():
        kind = SETTINGS.get(str(key))
        if kind is None:
            log.err((*path, key), f"setting {str(key)!r} unknown; settings are {', '.join(SETTINGS)}")
            ok = False
            continue
        good = (
            (kind == "number" and is_number(value))
            or (kind == "number or null" and (value is None or is_number(value)))
            or (kind == "bool" and isinstance(value, bool))
            or (kind == "integer" and isinstance(value, int) and not isinstance(value, bool))
        )
        if not good:
            log.err((*path, key), f"expected {kind}, got {show(value)}")
            ok = False
            continue
        values[str(key)] = float(value) if kind.startswith("number") and value is not None else value
    if not ok:
        return None
    return Override(path=fmt_path(path[:-1]), op="settings", values=values, line=line)


# ---------------------------------------------------------------------------------
# selections
# ---------------------------------------------------------------------------------
def parse_selection(
    log: Reporter, item: Mapping[str, Any], path: KeyPath, schema: TableSchema
) -> tuple[Ids | None, tuple[Condition, ...]]:
    """The ids or the ``where`` conditions an override selects by."""
    given = [k for k in SELECT_KEYS if k in item]
    if len(given) > 1:
        log.err(path, f"give at most one selection of id, ids and where; got {', '.join(given)}")
        return None, ()
    if not given:
        return None, ()
    key = given[0]
    if key in ("id", "ids"):
        return _ids(log, key, item[key], path, schema), ()
    return None, _where(log, item[key], (*path, key), schema)


def _ids(log: Reporter, key: str, arg: Any, path: KeyPath, schema: TableSchema) -> Ids | None:
    """The row keys of an ``id`` or ``ids`` selection (a list per row for a table with a compound key)."""
    raw = [arg] if key == "id" else arg
    if key == "ids" and (not isinstance(arg, list) or not arg):
        log.err((*path, key), f"expected a non-empty list of ids, got {show(arg)}")
        return None
    ids = []
    width = len(schema.key)
    for value in raw:
        parts = tuple(value) if isinstance(value, list) else (value,)
        if len(parts) != width or not all(isinstance(p, str | int) and not isinstance(p, bool) for p in parts):
            form = "an id" if width == 1 else f"a list [{', '.join(schema.key)}]"
            log.err((*path, key), f"a row of {schema.name} is named by {form}, got {show(value)}")
            return None
        ids.append(tuple(str(p) for p in parts))
    return tuple(ids)


def _where(log: Reporter, arg: Any, path: KeyPath, schema: TableSchema) -> tuple[Condition, ...]:
    """The conditions of a ``where: {column: condition}`` selection (``path`` ends in ``where``)."""
    if not isinstance(arg, Mapping) or not arg:
        log.err(path, f"expected a mapping of column to value, got {show(arg)}")
        return ()
    derived = DERIVED.get(schema.name, {})
    conditions = []
    for column, cond in arg.items():
        column = str(column)
        cpath = (*path, column)
        if column not in schema.column_names and column not in derived:
            known = [*schema.column_names, *derived]
            log.err(cpath, f"column {column!r} unknown in table '{schema.name}'; columns are {', '.join(known)}")
            continue
        condition = _condition(log, column, cond, cpath, schema)
        if condition is not None:
            conditions.append(condition)
    return tuple(conditions)


def _condition(log: Reporter, column: str, cond: Any, cpath: KeyPath, schema: TableSchema) -> Condition | None:
    """One condition on a known column: a value (equality), a list (membership) or ``{op: value}``."""
    col = schema.column(column) if column in schema.column_names else None
    if isinstance(cond, Mapping):
        if len(cond) != 1:
            log.err(cpath, f"expected one operator ({', '.join(WHERE_OPS)}) and its value, got {show(cond)}")
            return None
        op, value = next(iter(cond.items()))
        op = str(op)
    elif isinstance(cond, list):
        op, value = "in", cond
    else:
        op, value = "==", cond
    if op not in WHERE_OPS:
        log.err(cpath, f"operator {op!r} unknown; operators are {', '.join(WHERE_OPS)}")
        return None
    numeric = col is not None and col.kind in NUMERIC
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            log.err(cpath, f"'{op}' needs a non-empty list, got {show(value)}")
            return None
    elif op in ("<", "<=", ">", ">="):
        if not numeric or not is_number(value):
            log.err(cpath, f"'{op}' compares a number column with a number; got {show(value)}")
            return None
    elif op == "like":
        if not isinstance(value, str):
            log.err(cpath, f"'like' needs a text pattern with * and ?, got {show(value)}")
            return None
    elif isinstance(value, list | Mapping) or value is None:
        log.err(cpath, f"expected a value to compare with, got {show(value)}")
        return None
    return Condition(column, op, value)


# ---------------------------------------------------------------------------------
# values and rows
# ---------------------------------------------------------------------------------
def parse_column_values(log: Reporter, op: str, arg: Any, path: KeyPath, schema: TableSchema) -> dict[str, Any]:
    """The ``{column: value}`` of a set, scale or add, each checked against the column's type."""
    if not isinstance(arg, Mapping) or not arg:
        log.err(path, f"expected a mapping of column to value, got {show(arg)}")
        return {}
    out: dict[str, Any] = {}
    for column, value in arg.items():
        column = str(column)
        ok, checked = _column_value(log, op, column, value, (*path, column), schema)
        if ok:
            out[column] = checked
    return out


def _column_value(
    log: Reporter, op: str, column: str, value: Any, cpath: KeyPath, schema: TableSchema
) -> tuple[bool, Any]:
    """Whether ``value`` may be set on (or scale, or be added to) ``column``, and the value to use."""
    if column not in schema.column_names:
        log.err(
            cpath,
            f"column {column!r} unknown in table '{schema.name}'; columns are {', '.join(schema.column_names)}",
        )
        return False, None
    col = schema.column(column)
    if column in schema.key:
        log.err(cpath, f"column {column!r} is the key of table '{schema.name}'; remove and append rows instead")
        return False, None
    if op in ("scale", "add"):
        if col.kind not in NUMERIC:
            log.err(cpath, f"cannot {op} column {column!r}: it holds {_kind_text(col)}, not numbers")
            return False, None
        if not is_number(value):
            log.err(cpath, f"expected a number to {op} by, got {show(value)}")
            return False, None
        if op == "add" and col.kind == "int" and float(value) != int(value):
            log.err(cpath, f"column {column!r} holds integers; add an integer, got {show(value)}")
            return False, None
        return True, float(value)
    problem = _set_value_problem(col, value)
    if problem:
        log.err(cpath, problem)
        return False, None
    return True, value


def parse_rows(log: Reporter, arg: Any, path: KeyPath, schema: TableSchema) -> Rows:
    """The rows of an ``append``, each with the table's required columns."""
    if isinstance(arg, Mapping):
        arg = [arg]
    if not isinstance(arg, list) or not arg:
        log.err(path, f"expected a list of rows (mappings of column to value), got {show(arg)}")
        return ()
    rows = []
    for i, row in enumerate(arg):
        rpath = (*path, i)
        if not isinstance(row, Mapping):
            log.err(rpath, f"expected a mapping of column to value, got {show(row)}")
            continue
        for column, value in row.items():
            if str(column) not in schema.column_names:
                log.err(
                    (*rpath, column),
                    f"column {str(column)!r} unknown in table '{schema.name}'; columns are "
                    f"{', '.join(schema.column_names)}",
                )
                continue
            problem = _set_value_problem(schema.column(str(column)), value)
            if problem:
                log.err((*rpath, column), problem)
        missing = [c.name for c in schema.columns if c.required and c.name not in row]
        if missing:
            log.err(rpath, f"a row of {schema.name} needs {', '.join(missing)}")
        rows.append({str(k): v for k, v in row.items()})
    return tuple(rows)


def _kind_text(col: Column) -> str:
    """What a column of this kind holds, in words."""
    return {
        "id": "ids",
        "ref": "ids",
        "text": "text",
        "bool": "true/false",
        "list": "lists of ids",
        "hubset": "hub sets",
    }.get(col.kind, col.kind)


def _set_value_problem(col: Column, value: Any) -> str | None:
    """Why ``value`` cannot be written to ``col`` (wrong type), or None."""
    if value is None:
        return None if not col.required else f"column {col.name!r} needs a value; null is not allowed"
    if col.kind in NUMERIC:
        if not is_number(value):
            return f"column {col.name!r} holds numbers; got {show(value)}"
        if col.kind == "int" and float(value) != int(value):
            return f"column {col.name!r} holds integers; got {show(value)}"
        return None
    if col.kind == "bool":
        return None if isinstance(value, bool) else f"column {col.name!r} holds true/false; got {show(value)}"
    if col.kind == "list":
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None
        return f"column {col.name!r} holds a list of ids (a list or 'a;b'); got {show(value)}"
    if isinstance(value, str) or (is_number(value) and col.kind in ("text", "id", "ref")):
        return None
    return f"column {col.name!r} holds text; got {show(value)}"
