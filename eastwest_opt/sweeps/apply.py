"""Applying a sweep's overrides to a scenario, and checking selections before a sweep runs.

:func:`apply_overrides` returns a new, re-validated :class:`~eastwest_opt.scenario.Scenario`
and never changes the base: tables are edited as copies, then only what a change could break is
checked again (the changed columns' types and ranges; references between tables when rows or
ids changed; the routes the scenario needs when links, datasets, classes or jobs changed).
:func:`check_selections` applies every variant without solving, so that a selection matching no
row is an error before anything runs; :func:`common_base` applies a sweep's ``base_overrides``.
The semantics of each operation are documented in :mod:`eastwest_opt.sweeps`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from eastwest_opt.sweeps.core import (
    SCHEMAS,
    Column,
    InfeasibleError,
    Problem,
    Scenario,
    ScenarioError,
    TableSchema,
    check_references,
    check_routes,
    parse_table,
    split_list,
)
from eastwest_opt.sweeps.spec import NUMERIC, Condition, Override, SweepSpec, is_number, value_text

Lookup = Callable[[str], pd.DataFrame]


# ---------------------------------------------------------------------------------
# applying overrides
# ---------------------------------------------------------------------------------
class SelectionError(Exception):
    """A selection matched no row (or named ids that do not exist)."""

    def __init__(self, override: Override, message: str) -> None:
        super().__init__(f"{override.path}: {message}")
        self.override = override
        self.message = message


def apply_overrides(
    base: Scenario,
    overrides: Iterable[Override],
    *,
    name: str | None = None,
    validate: bool = True,
) -> Scenario:
    """A new scenario: ``base`` with every override applied in order; ``base`` is unchanged.

    With ``validate=True`` (the default) the changed tables are re-typed and range-checked, the
    references between tables and the routes the scenario requires are checked again where a
    change could affect them, and the settings are checked. Raises :class:`SelectionError` for a
    selection that matches nothing, :class:`ScenarioError` for values the schema refuses, and
    :class:`InfeasibleError` when the backbone can no longer carry a route the scenario needs
    (a link cut that isolates a dataset's replicas). ``validate=False`` only edits the tables
    (used to check selections before a sweep runs).
    """
    edits = _Edits(base)
    for ov in overrides:
        edits.apply(ov)
    tables = edits.tables
    changed = dataclasses.replace(
        base,
        tables={**base.tables, **tables},
        sources={**base.sources, **{t: f"{t} table (after overrides)" for t in tables}},
        name=name if name is not None else base.name,
    )
    if not validate:
        return dataclasses.replace(changed, **edits.settings) if edits.settings else changed
    return _revalidate(changed, tables, edits.touched, edits.rows_changed, edits.settings)


class _Edits:
    """The tables a run of overrides has changed so far (copies of the base's, in the order
    first changed), the settings it sets, the columns it changed and the tables whose rows changed."""

    def __init__(self, base: Scenario) -> None:
        self.base = base
        self.tables: dict[str, pd.DataFrame] = {}
        self.settings: dict[str, Any] = {}
        self.touched: dict[str, set[str]] = {}
        self.rows_changed: set[str] = set()

    def current(self, table: str) -> pd.DataFrame:
        """The table being edited (a copy of the base's on first use)."""
        if table not in self.tables:
            self.tables[table] = self.base.table(table)
        return self.tables[table]

    def lookup(self, table: str) -> pd.DataFrame:
        """The table as edited so far, or the base's."""
        return self.tables[table] if table in self.tables else self.base.tables[table]

    def apply(self, ov: Override) -> None:
        """Apply one override to the tables (or settings) edited so far."""
        if ov.op == "settings":
            self.settings.update(ov.values)
            return
        assert ov.table is not None
        frame = self.current(ov.table)
        if ov.op == "append":
            schema = SCHEMAS[ov.table]
            new = pd.DataFrame([{c: row.get(c) for c in schema.column_names} for row in ov.rows], dtype=object)
            self.tables[ov.table] = pd.concat([frame.astype(object), new], ignore_index=True)
            self.rows_changed.add(ov.table)
            return
        mask = _select(frame, ov, self.lookup)
        if ov.op == "remove":
            self.tables[ov.table] = frame.loc[~mask].reset_index(drop=True)
            self.rows_changed.add(ov.table)
        elif ov.op == "duplicate":
            self._duplicate(frame, mask, int(ov.values["times"]))
        else:
            schema = SCHEMAS[ov.table]
            for column, value in ov.values.items():
                col = schema.column(column)
                if ov.op in ("scale", "add") and ov.table in ("hub_periods", "link_periods"):
                    # a blank cell is the hub's (or link's) value: scale or add to that
                    frame = frame.assign(**{column: self._with_owner(ov.table, column, frame)})
                self.tables[ov.table] = frame = _change_column(frame, mask, col, ov.op, value)
                self.touched.setdefault(ov.table, set()).add(column)

    def _with_owner(self, table: str, column: str, frame: pd.DataFrame) -> pd.Series:
        """The values a per-period table's column takes (blank: the hub's or link's, as edited so far)."""
        owner = "hubs" if table == "hub_periods" else "links"
        edited = dataclasses.replace(self.base, tables={**self.base.tables, owner: self.lookup(owner)})
        return edited.period_values(table, column, frame)

    def _duplicate(self, frame: pd.DataFrame, mask: pd.Series, times: int) -> None:
        """Copy the selected jobs, and the override rows of each copied job with them."""
        self.tables["jobs"], extra = _duplicate_jobs(frame, mask, times)
        if extra:
            ovr = self.current("overrides")
            copies = []
            for new_id, old_id in extra.items():
                rows = ovr.loc[ovr["job_id"] == old_id].copy()
                rows["job_id"] = new_id
                copies.append(rows)
            if copies and any(len(c) for c in copies):
                self.tables["overrides"] = pd.concat([ovr, *copies], ignore_index=True)
                self.rows_changed.add("overrides")
        self.rows_changed.add("jobs")


def _select(frame: pd.DataFrame, ov: Override, lookup: Lookup) -> pd.Series:
    """The rows an override selects, or :class:`SelectionError` when none (or missing ids)."""
    table = ov.table
    assert table is not None
    schema = SCHEMAS[table]
    if ov.ids is not None:
        keys = list(schema.key)
        present = set(zip(*[frame[k].astype(str) for k in keys], strict=True))
        missing = [i for i in ov.ids if i not in present]
        if missing:
            shown = ", ".join("/".join(i) for i in missing)
            raise SelectionError(ov, f"no row of table '{table}' has {'/'.join(keys)} {shown}")
        wanted = set(ov.ids)
        return pd.Series(
            [k in wanted for k in zip(*[frame[c].astype(str) for c in keys], strict=True)], index=frame.index
        )
    mask = pd.Series(True, index=frame.index)
    for cond in ov.where:
        column = _column_for(frame, table, cond.column, lookup)
        mask &= _condition(column, cond, schema)
    if not mask.any():
        what = " and ".join(f"{c.column} {c.op} {c.value!r}" for c in ov.where) or "every row"
        raise SelectionError(ov, f"the selection ({what}) matches no row of table '{table}'")
    return mask


def _column_for(frame: pd.DataFrame, table: str, column: str, lookup: Lookup) -> pd.Series:
    """A derived column for ``where``: jobs' class and origin, links' corridor, or the hub's macro region."""
    if column in frame.columns:
        return frame[column]
    hubs = lookup("hubs")
    region = dict(zip(hubs["hub_id"], hubs["macro_region"], strict=True))
    if table == "jobs":
        ds = lookup("datasets")
        by = "class_id" if column == "class_id" else "origin_hub"
        return frame["dataset_id"].map(dict(zip(ds["dataset_id"], ds[by], strict=True)))
    if table == "links":
        a = frame["hub_a"].map(region)
        b = frame["hub_b"].map(region)
        return pd.Series(
            [
                "east-west" if {x, y} == {"east", "west"} else (x if x == y else f"{x}-{y}")
                for x, y in zip(a, b, strict=True)
            ],
            index=frame.index,
        )
    if table == "datasets":
        return frame["origin_hub"].map(region)
    return frame["hub_id"].map(region)  # hub_accelerators, overrides


def _condition(series: pd.Series, cond: Condition, schema: TableSchema) -> pd.Series:
    """The rows of ``series`` meeting one condition (list columns: by membership)."""
    col = schema.column(cond.column) if cond.column in schema.column_names else None
    value = cond.value
    if col is not None and col.kind == "list":
        items = series.map(lambda v: set(split_list(v)))
        if cond.op in ("==", "!="):
            hit = items.map(lambda s: str(value) in s)
            return hit if cond.op == "==" else ~hit
        if cond.op in ("in", "not_in"):
            wanted = {str(v) for v in value}
            hit = items.map(lambda s: bool(s & wanted))
            return hit if cond.op == "in" else ~hit
        if cond.op == "like":
            return items.map(lambda s: any(fnmatch.fnmatchcase(i, value) for i in s))
    if col is not None and col.kind in NUMERIC:
        num = pd.to_numeric(series, errors="coerce").astype(float)
        if cond.op in ("in", "not_in"):
            hit = num.isin([float(v) for v in value if is_number(v)])
            return hit if cond.op == "in" else ~hit
        if cond.op == "like":
            return _as_text(series).map(lambda s: fnmatch.fnmatchcase(s, value))
        if not is_number(value):
            return pd.Series(cond.op == "!=", index=series.index)
        ops = {"==": num.eq, "!=": num.ne, "<": num.lt, "<=": num.le, ">": num.gt, ">=": num.ge}
        return ops[cond.op](float(value)).fillna(False).astype(bool)
    if col is not None and col.kind == "bool":
        text = series.map(lambda v: "true" if bool(v) else "false")
        value = value_text(value) if not isinstance(value, list) else [value_text(v) for v in value]
    else:
        text = _as_text(series)
        value = str(value) if not isinstance(value, list) else [str(v) for v in value]
    if cond.op == "==":
        return text == value
    if cond.op == "!=":
        return text != value
    if cond.op == "in":
        return text.isin(value)
    if cond.op == "not_in":
        return ~text.isin(value)
    if cond.op == "like":
        return text.map(lambda s: fnmatch.fnmatchcase(s, value))
    return text.map(lambda s: _compare(s, cond.op, value))


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as text for comparisons: an empty cell is ``""`` (``astype(str)`` keeps NaN in
    pandas 3), a whole number ``20`` rather than ``20.0``."""

    def text(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        return value_text(v) if isinstance(v, float) else str(v)

    return series.map(text)


def _compare(a: str, op: str, b: Any) -> bool:
    """Compare two texts with ``<``, ``<=``, ``>`` or ``>=``."""
    return {"<": a < str(b), "<=": a <= str(b), ">": a > str(b), ">=": a >= str(b)}[op]


def _change_column(frame: pd.DataFrame, mask: pd.Series, col: Column, op: str, value: Any) -> pd.DataFrame:
    """``frame`` with ``op`` (set, scale, add) applied to column ``col`` on the masked rows.

    Scaling an integer column rounds to the nearest integer (halves away from zero); empty
    optional cells stay empty under scale and add.
    """
    frame = frame.copy()
    name = col.name
    if op == "set":
        if col.kind == "list":
            value = split_list(value)
        if col.kind in NUMERIC and value is None:
            value = math.nan
        series = frame[name].astype(object) if col.kind not in NUMERIC else frame[name].astype(float)
        if col.kind == "list":
            series = series.copy()
            for i in frame.index[mask]:
                series.at[i] = value
        else:
            series = series.where(~mask, value if value is not None else "")
        frame[name] = series
        return frame
    values = frame[name].astype(float).to_numpy().copy()
    m = mask.to_numpy()
    if op == "scale":
        values[m] = values[m] * float(value)
        if col.kind == "int":
            values[m] = np.sign(values[m]) * np.floor(np.abs(values[m]) + 0.5)
    else:
        values[m] = values[m] + float(value)
    frame[name] = values
    return frame


def _duplicate_jobs(frame: pd.DataFrame, mask: pd.Series, times: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """The jobs table with every selected job copied ``times - 1`` more times.

    Copy ``k`` (2, 3, ...) of job ``j`` has id ``j.k`` and name ``<name> (copy k)``.
    """
    picked = frame.loc[mask]
    copies = []
    origin: dict[str, str] = {}
    for k in range(2, times + 1):
        c = picked.copy()
        c["job_id"] = picked["job_id"].astype(str) + f".{k}"
        c["name"] = _as_text(picked["name"]).map(lambda n, k=k: f"{n} (copy {k})" if n else "")
        origin.update(dict(zip(c["job_id"], picked["job_id"], strict=True)))
        copies.append(c)
    return pd.concat([frame, *copies], ignore_index=True), origin


_ROUTE_COLUMNS = {
    "links": {"capacity_gbps", "hub_a", "hub_b"},
    "datasets": {"min_replicas", "origin_hub", "class_id", "dataset_id"},
    "data_classes": {"allowed_hubs"},
    "jobs": {"serving_hubs", "allowed_hubs", "dataset_id"},
}


def _revalidate(
    changed: Scenario,
    tables: dict[str, pd.DataFrame],
    touched: dict[str, set[str]],
    rows_changed: set[str],
    settings: dict[str, Any],
) -> Scenario:
    """Check what the overrides could have broken, and return the scenario typed again."""
    problems: list[Problem] = []
    typed = dict(changed.tables)
    structural = set(rows_changed)
    for name in tables:
        schema = SCHEMAS[name]
        label = changed.sources[name]
        cols = touched.get(name, set())
        only_numeric = name not in rows_changed and all(schema.column(c).kind in NUMERIC for c in cols)
        if only_numeric:
            frame = tables[name].copy()
            for c in sorted(cols):
                part, found = parse_table(frame[[c]], TableSchema(name, (), (schema.column(c),)), label)
                frame[c] = part[c].to_numpy()
                problems += found
            typed[name] = frame
        else:
            frame, found = parse_table(tables[name], schema, label)
            typed[name] = frame
            problems += found
            structural.add(name)
    problems = [p for p in problems if p.severity == "error"]
    if problems:
        raise ScenarioError(problems)
    new = dataclasses.replace(changed, tables=typed)
    if settings:
        new = new.with_settings(**settings)
    if structural:
        problems = [p for p in check_references(new) if p.severity == "error"]
        if problems:
            raise ScenarioError(problems)
    route_touch = any(
        name in rows_changed or touched.get(name, set()) & cols for name, cols in _ROUTE_COLUMNS.items()
    ) or ("hubs" in rows_changed)
    if route_touch:
        found = check_routes(new)
        if found:
            raise _no_route(new, found)
    return new


def _no_route(scenario: Scenario, found: list[Problem]) -> InfeasibleError:
    """The error for a scenario whose backbone cannot carry the routes it needs, with one
    explanation row per missing route."""
    from eastwest_opt.plan.explain import COLUMNS

    explanation = pd.DataFrame(
        [
            {"cause": "route", "subject": p.column or "", "amount": math.nan, "unit": "", "current": math.nan}
            | {"sentence": p.message}
            for p in found
        ],
        columns=COLUMNS,
    )
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return InfeasibleError(f"scenario {scenario.name!r} has no feasible plan: {found[0].message}{more}", explanation)


# ---------------------------------------------------------------------------------
# before a sweep runs
# ---------------------------------------------------------------------------------
def common_base(base: Scenario, spec: SweepSpec) -> Scenario:
    """The base scenario with the sweep's ``base_overrides`` applied and checked."""
    if not spec.base_overrides:
        return base
    try:
        return apply_overrides(base, spec.base_overrides)
    except SelectionError as exc:
        raise ScenarioError([Problem(spec.file, str(exc), row=exc.override.line)]) from None
    except ScenarioError as exc:
        raise ScenarioError(
            [Problem(spec.file, f"base_overrides make the base scenario invalid: {p}") for p in exc.problems]
        ) from None


def check_selections(base: Scenario, spec: SweepSpec) -> None:
    """Apply every variant's overrides to ``base`` without solving; raise :class:`ScenarioError`
    listing every selection that matches nothing. Values the schema refuses are not checked here:
    they fail their variant alone when it runs."""
    problems: list[Problem] = []
    seen: set[str] = set()
    try:
        common = apply_overrides(base, spec.base_overrides, validate=False)
    except SelectionError as exc:
        raise ScenarioError([Problem(spec.file, str(exc), row=exc.override.line)]) from None
    for variant in spec.variants:
        try:
            apply_overrides(common, variant.overrides, validate=False)
        except SelectionError as exc:
            message = str(exc)
            if variant.kind == "grid":
                message += f" (variant {variant.id})"
            key = f"{exc.override.path}: {exc.message}"
            if key not in seen:
                seen.add(key)
                problems.append(Problem(spec.file, message, row=exc.override.line))
    if problems:
        raise ScenarioError(problems)
