"""Parsing raw cells into typed columns, by the table schemas of :mod:`~eastwest_opt.scenario.schema`.

Parsing never raises on bad cells: it records a :class:`~eastwest_opt.errors.Problem` naming
file, row and column, so that a planner sees every problem of a hand-edited spreadsheet at once.
Columns of text (as read from a CSV file) are parsed with vectorised string operations, so
that a table of a million rows parses in seconds; values given in code (numbers, lists,
``None``) take a cell-by-cell path that accepts them too.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.schema import ID_PATTERN, Column, TableSchema, dtype_of, split_list

_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def parse_table(raw: pd.DataFrame, schema: TableSchema, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a table of raw cells into typed columns.

    ``raw`` holds strings as read from the CSV (or values given in code). Returns the typed
    table (one row per input row, original order) and the problems found. Unknown columns give
    a warning and are dropped; missing required columns and columns given twice are errors.
    """
    problems: list[Problem] = []
    present = [str(c) for c in raw.columns]
    for name in dict.fromkeys(present):
        if name not in schema.column_names:
            problems.append(Problem(file, "unknown column, ignored", column=name, severity="warning"))
    for name, count in Counter(present).items():
        if count > 1 and name:
            places = [str(i + 1) for i, c in enumerate(present) if c == name]
            times = "twice" if count == 2 else f"{count} times"
            where = ", ".join(places[:-1]) + " and " + places[-1]
            message = f"column given {times} (columns {where}); the table is ambiguous: keep one"
            problems.append(Problem(file, message, column=name))
    out: dict[str, pd.Series] = {}
    n = len(raw)
    rows = np.arange(n) + 2  # spreadsheet row numbers: header is row 1
    for col in schema.columns:
        if col.name not in present:
            if col.required:
                problems.append(Problem(file, "required column is missing", column=col.name))
            filler = col.default if col.default is not None else ("" if dtype_of(col) == "object" else 0)
            out[col.name] = pd.Series([filler] * n, dtype=dtype_of(col))
            continue
        values = raw[col.name]
        if isinstance(values, pd.DataFrame):  # duplicated column name: reported above
            values = values.iloc[:, 0]
        series, col_problems = parse_column(values.reset_index(drop=True), col, file, rows)
        problems.extend(col_problems)
        out[col.name] = series
    table = pd.DataFrame(out, index=pd.RangeIndex(n))
    return table, problems


def parse_column(values: pd.Series, col: Column, file: str, rows: np.ndarray) -> tuple[pd.Series, list[Problem]]:
    """One raw column as typed values, and the problems of its cells."""
    text = _as_text(values)
    if text is not None:
        empty = (text == "").to_numpy(dtype=bool)
    else:
        empty = values.map(_is_empty).to_numpy(dtype=bool)
    problems: list[Problem] = []
    if col.required:
        problems += [Problem(file, "a value is required", row=int(r), column=col.name) for r in rows[empty]]
    if col.kind in ("float", "int"):
        series, numeric_problems = _parse_number(values, text, empty, col, file, rows)
        return series, problems + numeric_problems
    if col.kind == "bool":
        return _parse_bool(values, text, empty, col, file, rows, problems)
    if col.kind == "list":
        return _parse_list(values), problems
    # id, ref, text, hubset: strings
    if text is not None:
        parsed = pd.Series(text.to_numpy(dtype=object), dtype=object)
    else:
        parsed = values.map(lambda v: "" if _is_empty(v) else str(v).strip()).astype(object)
    filled = ~empty
    if col.kind == "id":
        ok = (text if text is not None else parsed).str.fullmatch(ID_PATTERN.pattern).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(filled & ~ok):
            message = f"id {_show(parsed.iat[i])} may hold only letters, digits, '-', '_' and '.'"
            problems.append(Problem(file, message, row=int(rows[i]), column=col.name))
    if col.choices:
        bad = filled & ~parsed.isin(col.choices).to_numpy(dtype=bool)
        for i in np.flatnonzero(bad):
            message = f"expected one of {', '.join(col.choices)}, got {_show(parsed.iat[i])}"
            problems.append(Problem(file, message, row=int(rows[i]), column=col.name))
    if not col.required:
        parsed = parsed.where(filled, col.default if isinstance(col.default, str) else "")
    return parsed.astype(object), problems


def _as_text(values: pd.Series) -> pd.Series | None:
    """The cells stripped, as a string Series, when every cell is text; else None."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.fillna("").str.strip()
    if values.dtype == object and len(values) and pd.api.types.infer_dtype(values, skipna=False) == "string":
        return values.astype("str").str.strip()
    return None


def _parse_bool(
    values: pd.Series,
    text: pd.Series | None,
    empty: np.ndarray,
    col: Column,
    file: str,
    rows: np.ndarray,
    problems: list[Problem],
) -> tuple[pd.Series, list[Problem]]:
    """A column of true/false (also 1/0, yes/no, any case)."""
    if values.dtype == bool:
        return values.astype(bool), problems
    if text is not None:
        parsed = text.str.lower().map(_BOOLS).astype(object)
    else:
        parsed = values.map(_to_bool)
    bad = ~empty & parsed.isna().to_numpy()
    for i in np.flatnonzero(bad):
        message = f"expected true or false, got {_show(values.iat[i])}"
        problems.append(Problem(file, message, row=int(rows[i]), column=col.name))
    return parsed.where(parsed.notna(), False).astype(bool), problems


def _to_bool(v: object) -> object:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    return _BOOLS.get(str(v).strip().lower())


def _parse_list(values: pd.Series) -> pd.Series:
    """A column of ``;``-separated ids, each distinct cell split once."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists given in code)
        return values.map(split_list)
    parts = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        parts[i] = split_list(value)
    parts[-1] = ()
    return pd.Series(parts[codes], dtype=object)


def _to_float(text: pd.Series) -> np.ndarray:
    """Text cells as floats (NaN where a cell is not a number); Arrow's parser first, pandas' if it refuses."""
    try:
        return pc.cast(pa.array(text, type=pa.string()), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)


def _parse_number(
    values: pd.Series, text: pd.Series | None, empty: np.ndarray, col: Column, file: str, rows: np.ndarray
) -> tuple[pd.Series, list[Problem]]:
    """A numeric column: numbers (integers for an ``int`` column), finite, within the admissible range.

    A value outside the plausible range is a warning: one per column and side, naming the first
    row and counting the others.
    """
    problems: list[Problem] = []
    if text is not None:
        arr = _to_float(text.where(~empty, "0"))
    elif pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != bool:
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        numeric = pd.to_numeric(values.where(~empty, None).map(_strip), errors="coerce")
        arr = numeric.to_numpy(dtype=float, na_value=np.nan)
    arr = np.where(empty, np.nan, arr)
    bad = ~empty & np.isnan(arr)
    what = "an integer" if col.kind == "int" else "a number"
    for i in np.flatnonzero(bad):
        message = f"expected {what}, got {_show(values.iat[i])}"
        problems.append(Problem(file, message, row=int(rows[i]), column=col.name))
    ok = ~empty & ~bad
    inf = ok & np.isinf(arr)
    problems += [Problem(file, "expected a finite number", row=int(r), column=col.name) for r in rows[inf]]
    ok &= ~inf
    a = np.where(ok, arr, 0.0)
    if col.kind == "int":
        frac = ok & (a != np.round(a))
        for i in np.flatnonzero(frac):
            message = f"expected an integer, got {_show(values.iat[i])}"
            problems.append(Problem(file, message, row=int(rows[i]), column=col.name))
        ok &= ~frac
    range_problems, outside = _range_problems(a, ok, col, file, rows)
    problems += range_problems
    ok &= ~outside  # an inadmissible value is not passed on (checks across tables would repeat it)
    default = col.default if isinstance(col.default, int | float) else math.nan
    clean = np.where(ok, a, 0.0 if col.kind == "int" and col.required else math.nan)
    clean = np.where(empty, default, clean)
    if col.kind == "int" and col.required:
        return pd.Series(np.nan_to_num(clean).astype(np.int64)), problems
    return pd.Series(clean.astype(float)), problems


def _range_problems(
    a: np.ndarray, ok: np.ndarray, col: Column, file: str, rows: np.ndarray
) -> tuple[list[Problem], np.ndarray]:
    """Errors for values outside the admissible range (the side they cross, and for the upper end
    why it lies there), warnings outside the plausible one; and which values are inadmissible."""
    problems: list[Problem] = []
    sides = (
        (col.gt, lambda b: a <= b, ">"),
        (col.ge, lambda b: a < b, ">="),
        (col.lt, lambda b: a >= b, "<"),
        (col.le, lambda b: a > b, "<="),
    )
    outside = np.zeros(len(a), dtype=bool)
    for bound, crosses, op in sides:
        if bound is None:
            continue
        hit = ok & ~outside & crosses(bound)
        why = f" ({col.limit_why})" if op in ("<", "<=") and col.limit_why else ""
        for i in np.flatnonzero(hit):
            message = f"must be {op} {bound:g}{why}, got {_beyond(float(a[i]), bound)}"
            problems.append(Problem(file, message, row=int(rows[i]), column=col.name))
        outside |= hit
    if col.plausible is not None:
        lo, hi = col.plausible
        fine = ok & ~outside
        for mask, side in ((fine & (a < lo), "below"), (fine & (a > hi), "above")):
            hits = np.flatnonzero(mask)
            if not len(hits):
                continue
            more = f" (and {len(hits) - 1} more row{'s' if len(hits) > 2 else ''})" if len(hits) > 1 else ""
            message = (
                f"{a[hits[0]]:g} is {side} the plausible range {lo:g} to {hi:g} ({col.why}); "
                f"check the value and its unit{more}"
            )
            problems.append(Problem(file, message, row=int(rows[hits[0]]), column=col.name, severity="warning"))
    return problems, outside


def _beyond(value: float, bound: float) -> str:
    """A value beyond a bound, with enough digits to show that it is (1000000.1 is not "1e+06")."""
    text = f"{value:g}"
    return text if np.sign(float(text) - bound) == np.sign(value - bound) else f"{value:.15g}"


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _strip(v: object) -> object:
    return v.strip() if isinstance(v, str) else v


def _show(v: object) -> str:
    """A cell value for an error message: quoted, shortened, invisible characters escaped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(v))
    if len(text) > 40:
        text = text[:37] + "..."
    return f'"{text}"'
