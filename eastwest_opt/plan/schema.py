"""The plan's tables and summary.json, defined once: columns, kinds, keys, and the reading of written cells.

:data:`PLAN_SCHEMAS` names every table of a plan folder, its key (the columns that name a row; a
row is shown by :meth:`PlanTable.labels`, e.g. ``placements.csv row ft-llm-7b`` or ``link_flows.csv
row yrd->nx``) and each column's kind. A column is a *decision* (what the solver chose: where a
job trains, which replicas and copies exist, how many TB go where), a *figure* (derived from the
decisions and the scenario, and recomputed by :mod:`eastwest_opt.plan.figures`), or part of the
key. ``plan/extract.py`` writes these columns and ``tests/test_verifier.py`` checks that it does.

:func:`parse_plan_table` turns the text cells of a written table into typed columns and
:func:`check_plan_tables` checks typed tables (in memory, or as read): every problem names the
file, the row as a spreadsheet shows it (the header is row 1) and the column. :func:`parse_summary`
checks ``summary.json`` the same way, naming the key and its line.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.timing import WINDOW

COST_TERMS = ("energy", "carbon", "storage", "transfer", "unplaced_penalty")
ROUTE_SEP = ">"
Kind = Literal["id", "text", "route", "float", "int", "bool"]
SHOWN = 3  # bad cells of one column named in full; the rest are counted


@dataclass(frozen=True)
class PlanColumn:
    """One column of a plan table.

    ``ref`` names the scenario table whose ids the column holds (``route``: each hub of the route);
    ``decision`` marks what the solver chose (the rest, outside the key, are recomputed figures);
    ``required``: an empty cell is an error (else it means "none": no hub, no bound, not a link).
    """

    name: str
    kind: Kind
    ref: str | None = None
    required: bool = True
    decision: bool = False
    choices: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.kind in ("float", "int")


@dataclass(frozen=True)
class PlanTable:
    """A plan table: its name, the columns naming a row, how a row is shown, and its columns."""

    name: str
    key: tuple[str, ...]
    label: str  # a row's name, from its key columns: "{from_hub}->{to_hub}"
    columns: tuple[PlanColumn, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> PlanColumn:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def figures(self) -> list[str]:
        """The columns the verifier recomputes: neither key nor decision."""
        return [c.name for c in self.columns if c.name not in self.key and not c.decision]

    def labels(self, frame: pd.DataFrame) -> pd.Series:
        """Each row's name: the label format filled with the row's key values (numbers short, a
        missing value ``none``; the period of a scenario without periods, ``window``, left out)."""
        parts = list(string.Formatter().parse(self.label))
        columns = []
        for _literal, name, _spec, _conv in parts:
            if name:
                values = frame[name]
                if values.dtype.kind in "fc":
                    columns.append([cell_text(v) for v in values.tolist()])
                elif name == "period_id":  # the one window of a scenario without periods goes unnamed
                    columns.append(["" if v == WINDOW else str(v) for v in values.tolist()])
                else:
                    columns.append(["none" if v is None else str(v) for v in values.tolist()])
        template = "".join(
            lit.replace("{", "{{").replace("}", "}}") + ("{}" if name else "") for lit, name, _s, _c in parts
        )
        return pd.Series(
            [template.format(*row).rstrip() for row in zip(*columns, strict=True)], index=frame.index, dtype=object
        )


def _t(name: str, key: tuple[str, ...], label: str, *columns: PlanColumn) -> PlanTable:
    return PlanTable(name, key, label, columns)


def _f(name: str, **kw: Any) -> PlanColumn:
    return PlanColumn(name, "float", **kw)


def _i(name: str, **kw: Any) -> PlanColumn:
    return PlanColumn(name, "int", **kw)


def _id(name: str, ref: str | None = None, **kw: Any) -> PlanColumn:
    return PlanColumn(name, "id", ref=ref, **kw)


def _x(name: str, **kw: Any) -> PlanColumn:
    return PlanColumn(name, "text", **kw)


PLAN_SCHEMAS: dict[str, PlanTable] = {
    t.name: t
    for t in (
        _t(
            "placements",
            ("job_id",),
            "{job_id}",
            _id("job_id", "jobs"),
            _x("name", required=False),
            _id("dataset_id", "datasets"),
            _id("class_id", "data_classes"),
            _x("status", decision=True, choices=("placed", "unplaced")),
            _id("hub_id", "hubs", required=False, decision=True),
            _id("accel_id", "accelerators"),
            _i("accel_count"),
            *(_f(c) for c in ("it_mw", "meter_mw", "runtime_h")),
            _id("start_period", "periods", required=False, decision=True),
            _id("end_period", "periods", required=False),
            *(_f(c) for c in ("energy_mwh", "energy_cost_cny", "carbon_t")),
            _f("carbon_cost_cny"),
            _x("data_source", required=False, choices=("replica", "staged", "")),
            _f("unplaced_penalty_cny"),
            _id("group_id", "jobs", decision=True),  # the solver's group of identical jobs (not a figure)
        ),
        _t(
            "replicas",
            ("dataset_id", "hub_id", "kind"),
            "{dataset_id}@{hub_id} {kind}",
            _id("dataset_id", "datasets"),
            _id("hub_id", "hubs"),
            _x("kind", choices=("durable", "staged")),
            PlanColumn("is_origin", "bool"),
            _x("grid_region"),
            _f("size_tb"),
            _id("from_period", "periods", decision=True),
            _id("to_period", "periods", decision=True),
            _f("storage_cost_cny"),
        ),
        _t(
            "staging",
            ("dataset_id", "to_hub", "from_hub", "period_id"),
            "{dataset_id} {from_hub}->{to_hub} {period_id}",
            _id("dataset_id", "datasets"),
            _id("to_hub", "hubs"),
            _id("from_hub", "hubs"),
            _id("period_id", "periods"),
            _f("tb", decision=True),
        ),
        _t(
            "traffic",
            ("kind", "source_hub", "zone", "from_hub", "to_hub", "period_id"),
            "{kind} {source_hub}:{zone} {from_hub}->{to_hub} {period_id}",
            _x("kind", choices=("replication", "staging")),
            _id("source_hub", "hubs"),
            _x("zone"),
            _id("from_hub", "hubs"),
            _id("to_hub", "hubs"),
            _id("period_id", "periods"),
            _f("tb", decision=True),
        ),
        _t(
            "artifact_routes",
            ("from_hub", "to_hub", "max_latency_ms", "route", "period_id"),
            "{route} bound {max_latency_ms} {period_id}",
            _id("from_hub", "hubs"),
            _id("to_hub", "hubs"),
            _f("max_latency_ms", required=False),
            PlanColumn("route", "route", ref="hubs"),
            _f("latency_ms"),
            _id("period_id", "periods"),
            _f("tb", decision=True),
        ),
        _t(
            "link_flows",
            ("from_hub", "to_hub", "period_id"),
            "{from_hub}->{to_hub} {period_id}",
            _id("link_id", "links", required=False),
            _id("from_hub", "hubs"),
            _id("to_hub", "hubs"),
            _id("period_id", "periods"),
            *(_f(c) for c in ("replication_tb", "staging_tb", "artifact_tb", "total_tb", "capacity_tb")),
            _f("utilisation"),
            _f("cost_cny", required=False),
        ),
        _t(
            "hub_usage",
            ("hub_id",),
            "{hub_id}",
            _id("hub_id", "hubs"),
            _x("name", required=False),
            _x("macro_region", required=False),
            _x("grid_region"),
            _i("jobs"),
            *(_f(c) for c in ("it_mw", "meter_mw", "grid_mw", "power_utilisation")),
            _i("accelerators_used"),
            _f("accelerators"),
            _f("accelerator_utilisation"),
            *(_f(c) for c in ("storage_used_tb", "storage_tb", "storage_utilisation", "energy_mwh")),
            *(_f(c) for c in ("energy_cost_cny", "carbon_t", "carbon_cost_cny", "storage_cost_cny")),
        ),
        _t(
            "accelerator_usage",
            ("hub_id", "accel_id", "period_id"),
            "{hub_id}/{accel_id} {period_id}",
            _id("hub_id", "hubs"),
            _id("accel_id", "accelerators"),
            _id("period_id", "periods"),
            _i("used"),
            _i("count"),
            _f("utilisation"),
        ),
        _t(
            "costs",
            ("term",),
            "{term}",
            _x("term", choices=(*COST_TERMS, "total")),
            _f("cost_cny"),
            _f("share"),
        ),
        _t(
            "job_periods",
            ("job_id", "period_id"),
            "{job_id} {period_id}",
            _id("job_id", "jobs"),
            _id("hub_id", "hubs"),
            _id("period_id", "periods"),
            _f("hours"),
            *(_f(c) for c in ("energy_mwh", "energy_cost_cny", "carbon_t")),
        ),
        _t(
            "hub_periods",
            ("hub_id", "period_id"),
            "{hub_id} {period_id}",
            _id("hub_id", "hubs"),
            _id("period_id", "periods"),
            _i("jobs"),
            *(_f(c) for c in ("it_mw", "meter_mw", "grid_mw", "power_utilisation")),
            _i("accelerators_used"),
            *(_f(c) for c in ("storage_used_tb", "storage_tb", "storage_utilisation")),
            *(_f(c) for c in ("energy_mwh", "energy_cost_cny", "carbon_t")),
        ),
    )
}
TABLES: tuple[str, ...] = tuple(PLAN_SCHEMAS)


def cell_text(value: object) -> str:
    """A cell as a message shows it: numbers short (``12``, ``0.45``), a missing value as ``none``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.10g}"
    return str(value)


def as_text(values: pd.Series) -> np.ndarray:
    """A column's cells as a numpy array of text (a missing cell is ``""``), vectorised."""
    arr = values.to_numpy(dtype=object)
    missing = pd.isna(arr)
    if missing.any():
        arr = arr.copy()
        arr[missing] = ""
    if pd.api.types.infer_dtype(arr, skipna=False) not in ("string", "empty"):
        arr = np.array([str(v) for v in arr], dtype=object)
    return arr


# ---------------------------------------------------------------------------------
# tables: text cells -> typed columns, and the checks of typed tables
# ---------------------------------------------------------------------------------
def parse_plan_table(raw: pd.DataFrame, schema: PlanTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a table of cells as read from its CSV file (text, or numbers the CSV reader already
    parsed in a number column; an empty cell missing) into typed columns.

    Returns the typed table (the schema's columns, in the file's row order, index 0..n-1) and every
    problem: missing columns (with the unknown ones, which may be renamed), cells that are not of
    the column's kind, empty required cells, values outside a column's choices, duplicate keys.
    """
    file = schema.filename
    present = [str(c) for c in raw.columns]
    missing = [c for c in schema.column_names if c not in present]
    if missing:
        unknown = [c for c in present if c not in schema.column_names]
        word = "column" if len(missing) == 1 else "columns"
        said = f"required {word} missing: {', '.join(missing)}"
        if unknown:
            said += f" (unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)})"
        return raw, [Problem(file, said)]
    problems: list[Problem] = []
    out: dict[str, pd.Series] = {}
    for col in schema.columns:
        values = raw[col.name]
        if isinstance(values, pd.DataFrame):
            problems.append(Problem(file, "column appears twice", column=col.name))
            values = values.iloc[:, 0]
        values = values.reset_index(drop=True)
        if col.numeric and values.dtype.kind in "fiu":  # every cell a number, or empty
            series, col_problems = _typed_numbers(values.to_numpy(), col, file)
        else:
            series, col_problems = _parse_cells(pd.Series(as_text(values), dtype=object), col, file)
        out[col.name] = series
        problems += col_problems
    typed = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
    if not problems:
        problems += _duplicate_keys(typed, schema)
    return typed, problems


def _parse_cells(text: pd.Series, col: PlanColumn, file: str) -> tuple[pd.Series, list[Problem]]:
    """One column of text cells as typed values, and the problems of its cells."""
    empty = (text == "").to_numpy()
    if col.kind in ("id", "text", "route"):
        problems = _bad_cells(file, col, text, empty, REQUIRED) if col.required else []
        if col.choices and not problems:
            problems = _bad_cells(file, col, text, ~text.isin(col.choices).to_numpy(), _choice_text(col))
        return text, problems
    if col.kind == "bool":
        parsed = text.str.strip().str.lower().map({"true": True, "false": False, "1": True, "0": False})
        bad = parsed.isna().to_numpy()
        return parsed.fillna(False).astype(bool), _bad_cells(file, col, text, bad, "expected true or false, got {!r}")
    numbers = pd.to_numeric(text.where(~empty, None), errors="coerce").astype(np.float64)  # " 5" is 5
    problems = _bad_cells(file, col, text, ~empty & numbers.isna().to_numpy(), NOT_A_NUMBER)
    if col.required:
        problems += _bad_cells(file, col, text, empty, REQUIRED)
    if col.kind == "int" and not problems:
        arr = numbers.to_numpy()
        problems = _bad_cells(file, col, text, ~np.isfinite(arr) | (arr != np.round(arr)), NOT_AN_INTEGER)
        if not problems:
            return numbers.astype(np.int64), problems
    return numbers, problems


def _typed_numbers(numbers: np.ndarray, col: PlanColumn, file: str) -> tuple[pd.Series, list[Problem]]:
    """A number column the CSV reader parsed (empty cells NaN), checked: required values, integers."""
    numbers = numbers.astype(np.float64)
    empty = np.isnan(numbers)
    shown = _Shown(pd.Series(numbers))
    problems = _bad_cells(file, col, shown, empty, REQUIRED) if col.required else []
    if col.kind == "int" and not problems:
        bad = ~np.isfinite(numbers) | (numbers != np.round(numbers))
        problems = _bad_cells(file, col, shown, bad & ~empty, NOT_AN_INTEGER)
        if not problems:
            return pd.Series(numbers.astype(np.int64)), problems
    return pd.Series(numbers), problems


REQUIRED = "a value is required"
NOT_A_NUMBER = "not a number: {!r}"
NOT_AN_INTEGER = "not an integer: {!r}"


def _choice_text(col: PlanColumn) -> str:
    return f"expected one of {', '.join(c for c in col.choices if c)}, got {{!r}}"


def _bad_cells(file: str, col: PlanColumn, cells: pd.Series | _Shown, bad: np.ndarray, what: str) -> list[Problem]:
    """One problem for the first bad cell of a column (``what``, a format of the cell), counting the others."""
    rows = np.flatnonzero(bad)
    if not len(rows):
        return []
    first = int(rows[0])
    message = what.format(str(cells.iloc[first]))
    if len(rows) > 1:
        message += f" (and {len(rows) - 1:,} more row{'s' if len(rows) > 2 else ''})"
    return [Problem(file, message, row=first + 2, column=col.name)]


def check_plan_tables(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Check typed tables (a plan in memory, or as read): every table and column there, numbers in
    number columns, choices, required values, unique keys. Returns every problem found."""
    problems: list[Problem] = []
    for name, schema in PLAN_SCHEMAS.items():
        frame = tables.get(name)
        if frame is None:
            problems.append(Problem(schema.filename, "file not found"))
            continue
        missing = [c for c in schema.column_names if c not in frame.columns]
        if missing:
            word = "column" if len(missing) == 1 else "columns"
            problems.append(Problem(schema.filename, f"required {word} missing: {', '.join(missing)}"))
            continue
        frame = frame.reset_index(drop=True)
        found = [p for col in schema.columns for p in _check_typed(frame[col.name], col, schema.filename)]
        problems += found or _duplicate_keys(frame, schema)
    return problems


def _check_typed(values: pd.Series, col: PlanColumn, file: str) -> list[Problem]:
    """The problems of one typed column (what a table changed in code may hold); numpy fast paths
    for the columns as :func:`parse_plan_table` and ``plan/extract.py`` make them."""
    arr = values.to_numpy()
    shown = _Shown(values)
    if col.numeric and arr.dtype.kind in "iu":
        return []
    if col.numeric and arr.dtype.kind == "f":
        nan = np.isnan(arr)
        problems = _bad_cells(file, col, shown, nan, REQUIRED) if col.required else []
        if col.kind == "int" and not problems:
            problems = _bad_cells(file, col, shown, ~nan & (arr != np.round(arr)), NOT_AN_INTEGER)
        return problems
    if col.kind == "bool" and arr.dtype == bool:
        return []
    missing = pd.isna(arr)
    if col.numeric:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        problems = _bad_cells(file, col, shown, ~missing & np.isnan(numbers), NOT_A_NUMBER)
        if col.required:
            problems += _bad_cells(file, col, shown, missing, REQUIRED)
        if col.kind == "int" and not problems:
            problems = _bad_cells(file, col, shown, ~missing & (numbers != np.round(numbers)), NOT_AN_INTEGER)
        return problems
    if col.kind == "bool":
        bad = ~np.array([isinstance(v, bool | np.bool_) for v in arr.tolist()], dtype=bool)
        return _bad_cells(file, col, shown, bad, "expected true or false, got {!r}")
    text = np.where(missing, "", arr.astype(object))
    if pd.api.types.infer_dtype(text, skipna=False) not in ("string", "empty"):
        bad = np.array([not isinstance(v, str) for v in text.tolist()], dtype=bool)
        return _bad_cells(file, col, shown, bad, "expected text, got {!r}")
    problems = _bad_cells(file, col, shown, text == "", REQUIRED) if col.required else []
    if col.choices and not problems and set(text.tolist()) - set(col.choices):
        outside = np.array([v not in col.choices for v in text.tolist()], dtype=bool)
        problems = _bad_cells(file, col, shown, outside, _choice_text(col))
    return problems


class _Shown:
    """A column's cells as text for messages, made only when a message needs one."""

    def __init__(self, values: pd.Series) -> None:
        self.values = values

    @property
    def iloc(self) -> _Shown:
        return self

    def __getitem__(self, i: int) -> str:
        return str(self.values.iloc[i])


def _duplicate_keys(frame: pd.DataFrame, schema: PlanTable) -> list[Problem]:
    """Rows whose key appears earlier in the table (the first few, and how many there are)."""
    key = list(schema.key)
    keys = list(zip(*(as_text(frame[c]) if frame[c].dtype == object else frame[c].tolist() for c in key), strict=True))
    if len(set(keys)) == len(keys):
        return []
    dup = frame.duplicated(key, keep="first").to_numpy()
    labels = schema.labels(frame)
    rows = np.flatnonzero(dup)
    problems = []
    for r in rows[:SHOWN]:
        first = int(np.flatnonzero((labels == labels.iloc[r]).to_numpy())[0])
        problems.append(
            Problem(schema.filename, f"duplicate row {labels.iloc[r]} (first in row {first + 2})", row=int(r) + 2)
        )
    if len(rows) > SHOWN:
        problems.append(Problem(schema.filename, f"... and {len(rows) - SHOWN:,} more duplicate rows"))
    return problems
