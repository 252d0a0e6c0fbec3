"""Table schemas of a scenario and the parsing of raw CSV text into typed tables.

Every column name carries its unit. Parsing never raises on bad cells: it records a
:class:`~eastwest_opt.errors.Problem` naming file, row and column, so that a planner sees
every problem of a hand-edited spreadsheet at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem

Kind = Literal["id", "ref", "text", "float", "int", "bool", "list", "hubset"]
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
LIST_SEP = ";"
ANY_HUB = "*"
ORIGIN_HUB = "origin"


@dataclass(frozen=True)
class Column:
    """One column of a table: its kind, whether a value is required, and its bounds."""

    name: str
    kind: Kind
    required: bool = True
    ref: str | None = None  # for kind "ref"/"list"/"hubset": the table referenced
    ge: float | None = None  # value >= ge
    gt: float | None = None  # value > gt
    le: float | None = None  # value <= le
    lt: float | None = None  # value < lt
    default: object = None  # value used when an optional cell is empty
    choices: tuple[str, ...] = ()

    def bound_text(self) -> str:
        """The admissible range in words, for error messages."""
        parts = []
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.lt is not None:
            parts.append(f"< {self.lt:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        return " and ".join(parts)


@dataclass(frozen=True)
class TableSchema:
    """A table: its name, default file, key columns and columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    optional_table: bool = False
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: Kind, **kw: object) -> Column:
    return Column(name, kind, **kw)  # type: ignore[arg-type]


SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in (
        TableSchema(
            "hubs",
            ("hub_id",),
            (
                _c("hub_id", "id"),
                _c("name", "text"),
                _c("clusters", "text", required=False, default=""),
                _c("province", "text", required=False, default=""),
                _c("macro_region", "text", required=False, default="", choices=("east", "west")),
                _c("grid_region", "text"),
                _c("lat_deg", "float", ge=-90, le=90),
                _c("lon_deg", "float", ge=-180, le=180),
                _c("price_cny_per_kwh", "float", ge=0),
                _c("pue", "float", ge=1),
                _c("grid_mw", "float", ge=0),
                _c("storage_tb", "float", ge=0),
                _c("carbon_kg_per_kwh", "float", ge=0),
                _c("storage_price_cny_per_tb_month", "float", ge=0),
            ),
        ),
        TableSchema(
            "links",
            ("link_id",),
            (
                _c("link_id", "id"),
                _c("hub_a", "ref", ref="hubs"),
                _c("hub_b", "ref", ref="hubs"),
                _c("distance_km", "float", required=False, gt=0, default=math.nan),
                _c("capacity_gbps", "float", ge=0),
                _c("latency_ms", "float", gt=0),
                _c("cost_cny_per_tb", "float", ge=0),
            ),
        ),
        TableSchema(
            "accelerators",
            ("accel_id",),
            (
                _c("accel_id", "id"),
                _c("name", "text"),
                _c("vendor", "text", required=False, default=""),
                _c("origin", "text", required=False, default="", choices=("imported", "domestic")),
                _c("kw_per_accel", "float", gt=0),
            ),
        ),
        TableSchema(
            "hub_accelerators",
            ("hub_id", "accel_id"),
            (
                _c("hub_id", "ref", ref="hubs"),
                _c("accel_id", "ref", ref="accelerators"),
                _c("count", "int", ge=0),
                _c("energy_subsidy_share", "float", required=False, ge=0, lt=1, default=0.0),
            ),
        ),
        TableSchema(
            "data_classes",
            ("class_id",),
            (
                _c("class_id", "id"),
                _c("name", "text", required=False, default=""),
                _c("allowed_hubs", "hubset", ref="hubs"),
                _c("staging_allowed", "bool"),
                _c("legal_basis", "text", required=False, default=""),
            ),
        ),
        TableSchema(
            "datasets",
            ("dataset_id",),
            (
                _c("dataset_id", "id"),
                _c("name", "text", required=False, default=""),
                _c("origin_hub", "ref", ref="hubs"),
                _c("class_id", "ref", ref="data_classes"),
                _c("size_tb", "float", gt=0),
                _c("min_replicas", "int", ge=1),
                _c("min_grid_regions", "int", ge=1),
            ),
        ),
        TableSchema(
            "jobs",
            ("job_id",),
            (
                _c("job_id", "id"),
                _c("name", "text", required=False, default=""),
                _c("dataset_id", "ref", ref="datasets"),
                _c("accel_id", "ref", ref="accelerators"),
                _c("accel_count", "int", gt=0),
                _c("runtime_h", "float", gt=0),
                _c("artifact_tb", "float", ge=0),
                _c("serving_hubs", "list", ref="hubs", required=False, default=()),
                _c("max_latency_ms", "float", gt=0, required=False, default=math.nan),
                _c("unplaced_penalty_cny", "float", ge=0, required=False, default=math.nan),
                _c("allowed_hubs", "list", ref="hubs", required=False, default=()),
                _c("release_period", "ref", ref="periods", required=False, default=""),
                _c("deadline_period", "ref", ref="periods", required=False, default=""),
                _c("preemptible", "bool", required=False, default=False),
            ),
        ),
        TableSchema(
            "overrides",
            ("job_id", "hub_id"),
            (
                _c("job_id", "ref", ref="jobs"),
                _c("hub_id", "ref", ref="hubs"),
                _c("accel_id", "ref", ref="accelerators", required=False, default=""),
                _c("accel_count", "int", gt=0, required=False, default=math.nan),
                _c("it_mw", "float", gt=0, required=False, default=math.nan),
                _c("runtime_h", "float", gt=0, required=False, default=math.nan),
                _c("fixed_cost_cny", "float", ge=0, required=False, default=math.nan),
            ),
            optional_table=True,
        ),
        TableSchema(
            "periods",
            ("period_id",),
            (
                _c("period_id", "id"),
                _c("label", "text", required=False, default=""),
                _c("hours", "float", gt=0),
                _c("start_time", "text", required=False, default=""),
            ),
            optional_table=True,
        ),
        TableSchema(
            "hub_periods",
            ("hub_id", "period_id"),
            (
                _c("hub_id", "ref", ref="hubs"),
                _c("period_id", "ref", ref="periods"),
                _c("price_cny_per_kwh", "float", ge=0, required=False, default=math.nan),
                _c("grid_mw", "float", ge=0, required=False, default=math.nan),
                _c("carbon_kg_per_kwh", "float", ge=0, required=False, default=math.nan),
                _c("storage_tb", "float", ge=0, required=False, default=math.nan),
            ),
            optional_table=True,
        ),
        TableSchema(
            "link_periods",
            ("link_id", "period_id"),
            (
                _c("link_id", "ref", ref="links"),
                _c("period_id", "ref", ref="periods"),
                _c("capacity_gbps", "float", ge=0, required=False, default=math.nan),
            ),
            optional_table=True,
        ),
    )
}

TABLE_ORDER: tuple[str, ...] = tuple(SCHEMAS)


def empty_table(name: str) -> pd.DataFrame:
    """A typed, empty table with the schema's columns."""
    schema = SCHEMAS[name]
    return pd.DataFrame({c.name: pd.Series([], dtype=_dtype(c)) for c in schema.columns})


def _dtype(col: Column) -> str:
    if col.kind in ("float",):
        return "float64"
    if col.kind == "int":
        return "float64" if not col.required else "int64"
    if col.kind == "bool":
        return "bool"
    return "object"


def split_list(value: object) -> tuple[str, ...]:
    """Split a ``;``-separated cell (or pass through a list/tuple) into a tuple of ids."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(str(v).strip() for v in value if str(v).strip())
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    return tuple(part.strip() for part in str(value).split(LIST_SEP) if part.strip())


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def parse_table(raw: pd.DataFrame, schema: TableSchema, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a table of raw cells into typed columns.

    ``raw`` holds strings as read from the CSV (or values given in code). Returns the
    typed table (one row per input row, original order) and the problems found. Unknown
    columns give a warning and are dropped; missing required columns are errors.
    """
    problems: list[Problem] = []
    present = [str(c) for c in raw.columns]
    for name in present:
        if name not in schema.column_names:
            problems.append(Problem(file, "unknown column, ignored", column=name, severity="warning"))
    seen: set[str] = set()
    for name in present:
        if name in seen:
            problems.append(Problem(file, "column appears twice", column=name))
        seen.add(name)
    out: dict[str, pd.Series] = {}
    n = len(raw)
    rows = np.arange(n) + 2  # spreadsheet row numbers: header is row 1
    for col in schema.columns:
        if col.name not in present:
            if col.required:
                problems.append(Problem(file, "required column is missing", column=col.name))
            filler = col.default if col.default is not None else ("" if _dtype(col) == "object" else 0)
            out[col.name] = pd.Series([filler] * n, dtype=_dtype(col))
            continue
        values = raw[col.name]
        if isinstance(values, pd.DataFrame):  # duplicated column name
            values = values.iloc[:, 0]
        series, col_problems = _parse_column(values.reset_index(drop=True), col, file, rows)
        problems.extend(col_problems)
        out[col.name] = series
    table = pd.DataFrame(out, index=pd.RangeIndex(n))
    return table, problems


def _parse_column(values: pd.Series, col: Column, file: str, rows: np.ndarray) -> tuple[pd.Series, list[Problem]]:
    """One raw column as typed values, and the problems of its cells."""
    problems: list[Problem] = []
    empty = values.map(_is_empty).to_numpy(dtype=bool)
    if col.required:
        for r in rows[empty]:
            problems.append(Problem(file, "a value is required", row=int(r), column=col.name))
    if col.kind in ("float", "int"):
        series, numeric_problems = _parse_number(values, empty, col, file, rows)
        return series, problems + numeric_problems
    if col.kind == "bool":
        mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}

        def to_bool(v: object) -> object:
            if isinstance(v, bool | np.bool_):
                return bool(v)
            return mapping.get(str(v).strip().lower())

        parsed = values.map(to_bool)
        bad = ~empty & parsed.isna().to_numpy()
        for r, v in zip(rows[bad], values[bad], strict=True):
            problems.append(Problem(file, f"expected true or false, got {_show(v)}", row=int(r), column=col.name))
        return parsed.fillna(False).astype(bool), problems
    if col.kind in ("list",):
        parsed = values.map(split_list)
        return parsed, problems
    # id, ref, text, hubset: strings
    parsed = values.map(lambda v: "" if _is_empty(v) else str(v).strip())
    if col.kind == "id":
        for r, v in zip(rows, parsed, strict=True):
            if v and not ID_PATTERN.match(v):
                problems.append(
                    Problem(
                        file,
                        f"id {_show(v)} may hold only letters, digits, '-', '_' and '.'",
                        row=int(r),
                        column=col.name,
                    )
                )
    if col.choices:
        for r, v in zip(rows, parsed, strict=True):
            if v and v not in col.choices:
                problems.append(
                    Problem(
                        file,
                        f"expected one of {', '.join(col.choices)}, got {_show(v)}",
                        row=int(r),
                        column=col.name,
                    )
                )
    if not col.required:
        parsed = parsed.where(parsed != "", col.default if isinstance(col.default, str) else "")
    return parsed.astype(object), problems


def _parse_number(
    values: pd.Series, empty: np.ndarray, col: Column, file: str, rows: np.ndarray
) -> tuple[pd.Series, list[Problem]]:
    """A numeric column: numbers (integers for an ``int`` column), finite, within the bounds."""
    problems: list[Problem] = []
    numeric = pd.to_numeric(values.where(~empty, None).map(_strip), errors="coerce")
    numeric = numeric.astype("float64")
    bad = ~empty & numeric.isna().to_numpy()
    what = "an integer" if col.kind == "int" else "a number"
    for r, v in zip(rows[bad], values[bad], strict=True):
        problems.append(Problem(file, f"expected {what}, got {_show(v)}", row=int(r), column=col.name))
    arr = numeric.to_numpy(dtype=float)
    ok = ~empty & ~bad
    inf = ok & ~np.isfinite(np.where(ok, arr, 0.0))
    for r in rows[inf]:
        problems.append(Problem(file, "expected a finite number", row=int(r), column=col.name))
    ok &= ~inf
    if col.kind == "int":
        frac = ok & (np.where(ok, arr, 0.0) != np.round(np.where(ok, arr, 0.0)))
        for r, v in zip(rows[frac], values[frac], strict=True):
            problems.append(Problem(file, f"expected an integer, got {_show(v)}", row=int(r), column=col.name))
        ok &= ~frac
    out_of_range = np.zeros(len(arr), dtype=bool)
    a = np.where(ok, arr, 0.0)
    if col.ge is not None:
        out_of_range |= ok & (a < col.ge)
    if col.gt is not None:
        out_of_range |= ok & (a <= col.gt)
    if col.le is not None:
        out_of_range |= ok & (a > col.le)
    if col.lt is not None:
        out_of_range |= ok & (a >= col.lt)
    for r, v in zip(rows[out_of_range], arr[out_of_range], strict=True):
        problems.append(Problem(file, f"must be {col.bound_text()}, got {v:g}", row=int(r), column=col.name))
    default = col.default if isinstance(col.default, int | float) else math.nan
    arr = np.where(empty, default, arr)
    if col.kind == "int" and col.required:
        return pd.Series(np.nan_to_num(arr).astype(np.int64)), problems
    return pd.Series(arr.astype(float)), problems


def _strip(v: object) -> object:
    return v.strip() if isinstance(v, str) else v


def _show(v: object) -> str:
    """A cell value for an error message: quoted, shortened, invisible characters escaped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(v))
    if len(text) > 40:
        text = text[:37] + "..."
    return f'"{text}"'
