"""Sweep files: parse and check a what-if sweep, and apply its overrides to a scenario.

Everything here is a pure function of its inputs. :func:`load_sweep` reads a sweep file (YAML)
into a :class:`SweepSpec` whose variants are :class:`Variant` objects with a stable id, a label,
the values of the swept parameters and a list of :class:`Override`; every unknown key, unknown
table or column, wrongly typed value and bad operation is reported as a
:class:`~eastwest_opt.errors.Problem` naming the key path (``grid[0].overrides[1].scale``) and
the line of the sweep file. Applying the overrides to a scenario is
:mod:`eastwest_opt.sweep_apply`; the format is documented in :mod:`eastwest_opt.sweeps`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, Column, TableSchema

MAX_VARIANTS = 100_000
PLACEHOLDER = "$value"
TOP_KEYS = (
    "name",
    "description",
    "base",
    "base_overrides",
    "solver",
    "parameter_labels",
    "variants",
    "grid",
    "pareto",
)
VARIANT_KEYS = ("name", "label", "parameters", "overrides")
AXIS_KEYS = ("name", "label", "values", "overrides")
PARETO_KEYS = ("steps",)
SOLVER_KEYS = ("time_limit_s", "mip_rel_gap", "threads")
SELECT_KEYS = ("id", "ids", "where")
TABLE_OPS = ("set", "scale", "add", "remove", "duplicate", "append")
OVERRIDE_KEYS = ("table", *SELECT_KEYS, *TABLE_OPS, "settings")
SETTINGS = {
    "planning_window_hours": "number",
    "carbon_price_cny_per_t": "number",
    "carbon_budget_t": "number or null",
    "allow_unplaced": "bool",
    "artifact_paths_k": "integer",
}
WHERE_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "like")
# Columns a `where` may filter on that are not in the table itself: derived from other tables.
DERIVED = {
    "jobs": {"class_id": "data class of the job's dataset", "origin_hub": "origin hub of the job's dataset"},
    "datasets": {"macro_region": "macro region (east/west) of the origin hub"},
    "links": {"corridor": "'east-west' when the link joins an eastern and a western hub, else 'east' or 'west'"},
    "hub_accelerators": {"macro_region": "macro region (east/west) of the hub"},
    "overrides": {"macro_region": "macro region (east/west) of the hub"},
}
NUMERIC = ("float", "int")
# Summary columns that a parameter name may not take.
RESERVED = frozenset(
    {
        "variant_id",
        "label",
        "kind",
        "status",
        "verified",
        "objective_cny",
        "bound_cny",
        "gap",
        "emissions_t",
        "energy_mwh",
        "west_energy_share",
        "jobs",
        "jobs_placed",
        "jobs_unplaced",
        "transfer_tb",
        "max_link_utilisation",
        "busiest_link",
        "seconds",
        "solve_seconds",
        "resolved_in_place",
        "error",
    }
)
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# ---------------------------------------------------------------------------------
# the parsed sweep
# ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """One condition of a ``where`` selection: ``column op value``."""

    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class Override:
    """One change to a scenario.

    ``op`` is one of ``set``, ``scale``, ``add`` (``values`` maps column to value), ``remove``,
    ``duplicate`` (``values = {"times": n}``, n copies in all; 1 changes nothing), ``append``
    (``rows``) or ``settings`` (``values`` maps setting to value, ``table`` is ``None``). ``ids`` is ``None`` when the
    selection is not by id; ``where`` is empty when it is not by filter; neither means every row.
    ``path`` is the key path in the sweep file, for messages.
    """

    path: str
    op: str
    table: str | None = None
    ids: tuple[tuple[str, ...], ...] | None = None
    where: tuple[Condition, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[Mapping[str, Any], ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class Variant:
    """One scenario variant of a sweep: a stable id, a label, its parameters and overrides."""

    id: str
    label: str
    kind: str  # "named", "grid" or "pareto"
    parameters: Mapping[str, Any]
    overrides: tuple[Override, ...]


@dataclass(frozen=True)
class Axis:
    """A grid axis: a parameter name, its plot label and its values."""

    name: str
    label: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SweepSpec:
    """A parsed, checked sweep file."""

    name: str
    description: str
    file: str  # file name used in messages
    base: Path | None  # scenario folder; None = the shipped scenario
    base_overrides: tuple[Override, ...]
    time_limit_s: float | None
    mip_rel_gap: float | None
    threads: int | None
    variants: tuple[Variant, ...]
    axes: tuple[Axis, ...]
    parameter_labels: Mapping[str, str]
    pareto_steps: int | None
    canonical: str  # canonical JSON of the parsed content, for the spec hash

    @property
    def is_pareto(self) -> bool:
        """Whether this is a cost-carbon front sweep (``pareto:``)."""
        return self.pareto_steps is not None


# ---------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------
def load_sweep(source: str | Path | Mapping[str, Any], *, file: str | None = None) -> SweepSpec:
    """Read and check a sweep: a YAML file path, or an already parsed mapping.

    Raises :class:`ScenarioError` listing every problem, each naming its key path and, for a
    file, its line. Relative ``base`` paths are taken from the sweep file's folder (or the
    working directory for a mapping).
    """
    lines: dict[tuple[Any, ...], int] = {}
    if isinstance(source, Mapping):
        data: Any = source
        folder = Path.cwd()
        name = file or "sweep"
        stem = "sweep"
    else:
        path = Path(source)
        name = file or path.name
        stem = path.stem
        folder = path.resolve().parent
        if not path.is_file():
            raise ScenarioError([Problem(str(path), "sweep file not found")])
        data, lines = _read_yaml(path, name)
    parser = _Parser(name, lines)
    return parser.parse(data, folder, stem)


def _read_yaml(path: Path, name: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse a YAML file safely; return its data and the line of every key path."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(name, f"not UTF-8 text (byte {exc.start})")]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "malformed YAML"
        raise ScenarioError([Problem(name, f"malformed YAML: {reason}", row=row)]) from None
    finally:
        loader.dispose()
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _walk_lines(node, (), lines, set())
    return data, lines


def _walk_lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int], seen: set[int]) -> None:
    """Line of every key path of a composed YAML document (aliases visited once)."""
    out.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            out.setdefault(sub, key.start_mark.line + 1)
            _walk_lines(value, sub, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _walk_lines(value, (*path, i), out, seen)


def _fmt_path(path: tuple[Any, ...]) -> str:
    """A key path as the sweep file's reader writes it: ``grid[0].overrides[1].scale``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def is_number(v: Any) -> bool:
    """True for a finite int or float (not a bool)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))


def _show(v: Any) -> str:
    """A value for a message, cut to 60 characters."""
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    """Walks the YAML data, collecting every problem with its key path and line."""

    def __init__(self, file: str, lines: dict[tuple[Any, ...], int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def err(self, path: tuple[Any, ...], message: str, line_path: tuple[Any, ...] | None = None) -> None:
        """Record a problem at ``path`` (its line from ``line_path`` if given)."""
        row = self._line(line_path if line_path is not None else path)
        self.problems.append(Problem(self.file, f"{_fmt_path(path)}: {message}", row=row))

    def _line(self, path: tuple[Any, ...]) -> int | None:
        """The line of ``path`` in the file, or of its nearest ancestor that has one."""
        while path:
            key = tuple(str(p) if not isinstance(p, int) else p for p in path)
            if key in self.lines:
                return self.lines[key]
            path = path[:-1]
        return self.lines.get(())

    def keys(self, data: Mapping[str, Any], path: tuple[Any, ...], known: Sequence[str], what: str) -> None:
        """Report every key of ``data`` not in ``known``."""
        for key in data:
            if key not in known:
                self.err((*path, key), f"unknown key {str(key)!r} in {what}; known keys: {', '.join(known)}")

    # -- top level ------------------------------------------------------------------
    def parse(self, data: Any, folder: Path, stem: str) -> SweepSpec:
        """Check the whole sweep and return it parsed; raise :class:`ScenarioError` with every problem."""
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ScenarioError([Problem(self.file, "expected a mapping of sweep settings at the top level", row=1)])
        self.keys(data, (), TOP_KEYS, "a sweep")
        name = str(data.get("name") or stem)
        description = str(data.get("description") or "")
        base = self._base(data.get("base"), folder)
        base_overrides = self._overrides(data.get("base_overrides"), ("base_overrides",), {})
        time_limit, gap, threads = self._solver(data.get("solver"))
        variants: list[Variant] = []
        labels: dict[str, str] = {}
        axes: list[Axis] = []
        pareto = self._pareto(data.get("pareto"))
        if pareto is not None and (data.get("variants") or data.get("grid")):
            self.err(("pareto",), "a pareto sweep has no variants or grid of its own; put them in another sweep file")
        if data.get("variants") is not None:
            variants += self._named(data["variants"], labels)
        if data.get("grid") is not None:
            grid_variants, axes = self._grid(data["grid"], labels)
            variants += grid_variants
        self._labels(data.get("parameter_labels"), labels)
        if pareto is None and not variants and not self.problems:
            self.err((), "the sweep has no variants: give 'variants', 'grid' or 'pareto'")
        seen: dict[str, int] = {}
        for i, v in enumerate(variants):
            if v.id in seen:
                self.err((), f"two variants have the id {v.id!r} (variants {seen[v.id] + 1} and {i + 1}); rename one")
            seen.setdefault(v.id, i)
        if self.problems:  # in the order of the file's lines
            raise ScenarioError(sorted(self.problems, key=lambda p: -1 if p.row is None else p.row))
        canonical = json.dumps(
            {
                "base": str(base) if base is not None else None,
                "base_overrides": [_override_json(o) for o in base_overrides],
                "solver": [time_limit, gap, threads],
                "variants": [
                    {"id": v.id, "label": v.label, "parameters": dict(v.parameters)}
                    | {"overrides": [_override_json(o) for o in v.overrides]}
                    for v in variants
                ],
                "pareto": pareto,
            },
            sort_keys=True,
            default=str,
        )
        return SweepSpec(
            name=name,
            description=description,
            file=self.file,
            base=base,
            base_overrides=tuple(base_overrides),
            time_limit_s=time_limit,
            mip_rel_gap=gap,
            threads=threads,
            variants=tuple(variants),
            axes=tuple(axes),
            parameter_labels=labels,
            pareto_steps=pareto,
            canonical=canonical,
        )

    def _labels(self, given: Any, labels: dict[str, str]) -> None:
        """Plot labels for the parameters of named variants (grid axes carry their own)."""
        if given is None:
            return
        if not isinstance(given, Mapping):
            self.err(("parameter_labels",), f"expected a mapping of parameter to label, got {_show(given)}")
            return
        for key, text in given.items():
            if str(key) not in labels:
                known = ", ".join(labels) or "none"
                self.err(("parameter_labels", key), f"no variant has a parameter {str(key)!r}; parameters: {known}")
            elif not isinstance(text, str):
                self.err(("parameter_labels", key), f"expected a label text, got {_show(text)}")
            else:
                labels[str(key)] = text

    def _base(self, base: Any, folder: Path) -> Path | None:
        """The base scenario folder (relative to the sweep file's folder), or None for the shipped one."""
        if base is None:
            return None
        if not isinstance(base, str) or not base.strip():
            self.err(("base",), f"expected a scenario folder path or null (the shipped scenario), got {_show(base)}")
            return None
        path = Path(base).expanduser()
        path = (folder / path).resolve() if not path.is_absolute() else path
        if not path.is_dir():
            self.err(("base",), f"scenario folder {path} not found (a relative path starts at the sweep file's folder)")
        return path

    def _solver(self, solver: Any) -> tuple[float | None, float | None, int | None]:
        """Time limit, relative gap and HiGHS threads per variant (threads default to 1)."""
        if solver is None:
            return None, None, 1
        if not isinstance(solver, Mapping):
            self.err(("solver",), f"expected a mapping with {', '.join(SOLVER_KEYS)}, got {_show(solver)}")
            return None, None, 1
        self.keys(solver, ("solver",), SOLVER_KEYS, "solver")
        limit = solver.get("time_limit_s")
        gap = solver.get("mip_rel_gap")
        threads = solver.get("threads", 1)
        if limit is not None and not (is_number(limit) and limit > 0):
            self.err(("solver", "time_limit_s"), f"must be a number > 0 or null, got {_show(limit)}")
            limit = None
        if gap is not None and not (is_number(gap) and 0 <= gap < 1):
            self.err(("solver", "mip_rel_gap"), f"must be a number in [0, 1) or null, got {_show(gap)}")
            gap = None
        if threads is not None and not (isinstance(threads, int) and not isinstance(threads, bool) and threads >= 1):
            self.err(("solver", "threads"), f"must be an integer >= 1 or null (HiGHS default), got {_show(threads)}")
            threads = 1
        return (
            float(limit) if limit is not None else None,
            float(gap) if gap is not None else None,
            threads,
        )

    def _pareto(self, pareto: Any) -> int | None:
        """The number of budget steps of a Pareto sweep, or None."""
        if pareto is None:
            return None
        if not isinstance(pareto, Mapping):
            self.err(("pareto",), f"expected a mapping like {{steps: 10}}, got {_show(pareto)}")
            return None
        self.keys(pareto, ("pareto",), PARETO_KEYS, "pareto")
        steps = pareto.get("steps", 10)
        if not (isinstance(steps, int) and not isinstance(steps, bool) and 1 <= steps <= 1000):
            self.err(("pareto", "steps"), f"must be an integer from 1 to 1000, got {_show(steps)}")
            return None
        return int(steps)

    # -- variants ---------------------------------------------------------------------
    def _named(self, items: Any, labels: dict[str, str]) -> list[Variant]:
        """The named variants; their parameters' names go into ``labels``."""
        if not isinstance(items, list):
            self.err(("variants",), f"expected a list of variants, got {_show(items)}")
            return []
        out = []
        for i, item in enumerate(items):
            path: tuple[Any, ...] = ("variants", i)
            if not isinstance(item, Mapping):
                self.err(path, f"expected a mapping with name and overrides, got {_show(item)}")
                continue
            self.keys(item, path, VARIANT_KEYS, "a variant")
            name = item.get("name")
            if not isinstance(name, str | int | float) or isinstance(name, bool) or not str(name).strip():
                self.err((*path, "name"), "every variant needs a name (its id in the results)")
                continue
            vid = variant_id_of(str(name))
            params = item.get("parameters") or {}
            if not isinstance(params, Mapping):
                self.err((*path, "parameters"), f"expected a mapping of parameter to value, got {_show(params)}")
                params = {}
            for key, value in params.items():
                self._param_name(str(key), (*path, "parameters", key))
                if not (is_number(value) or isinstance(value, str | bool)):
                    self.err((*path, "parameters", key), f"expected a number, text or true/false, got {_show(value)}")
                labels.setdefault(str(key), str(key))
            overrides = self._overrides(item.get("overrides"), (*path, "overrides"), {})
            label = str(item.get("label") or name)
            out.append(Variant(vid, label, "named", {str(k): v for k, v in params.items()}, tuple(overrides)))
        return out

    def _param_name(self, name: str, path: tuple[Any, ...]) -> None:
        """Check that a parameter name can be a summary column."""
        if not _PARAM_NAME.match(name):
            self.err(
                path, f"parameter name {name!r} may hold only letters, digits and '_' (and not start with a digit)"
            )
        elif name in RESERVED or name.startswith(("cost_", "jobs_at_", "mw_at_")):
            self.err(path, f"parameter name {name!r} is taken by a summary column; choose another")

    def _grid(self, items: Any, labels: dict[str, str]) -> tuple[list[Variant], list[Axis]]:
        """The grid axes and the variants of their Cartesian product, in the order of the axes."""
        if not isinstance(items, list) or not items:
            self.err(("grid",), f"expected a list of axes (name, values, overrides), got {_show(items)}")
            return [], []
        axes: list[tuple[Axis, list[list[Override]]]] = []
        for i, item in enumerate(items):
            path: tuple[Any, ...] = ("grid", i)
            if not isinstance(item, Mapping):
                self.err(path, f"expected a mapping with name, values and overrides, got {_show(item)}")
                continue
            self.keys(item, path, AXIS_KEYS, "a grid axis")
            name = item.get("name")
            if not isinstance(name, str) or not name:
                self.err((*path, "name"), "every grid axis needs a name (a parameter name)")
                continue
            self._param_name(name, (*path, "name"))
            if name in labels:
                self.err((*path, "name"), f"parameter {name!r} is swept twice")
            values = item.get("values")
            if not isinstance(values, list) or not values:
                self.err((*path, "values"), f"expected a non-empty list of values, got {_show(values)}")
                continue
            for k, value in enumerate(values):
                if not (is_number(value) or isinstance(value, str | bool)) or value is None:
                    self.err((*path, "values", k), f"expected a number, text or true/false, got {_show(value)}")
            if len({value_text(v) for v in values}) < len(values):
                self.err((*path, "values"), "values repeat; each value of an axis must be distinct")
            raw = item.get("overrides")
            if not _mentions_placeholder(raw):
                self.err((*path, "overrides"), f"the overrides of an axis must use {PLACEHOLDER!r} for the axis value")
            per_value = []
            for value in values:
                before = len(self.problems)
                per_value.append(self._overrides(_substitute(raw, value), (*path, "overrides"), {}))
                if len(self.problems) > before:  # say which value broke it; report the first one only
                    self.problems[before:] = [
                        dataclasses.replace(p, message=f"{p.message} (axis value {_show(value)})")
                        for p in self.problems[before:]
                    ]
                    break
            label = str(item.get("label") or name)
            labels[name] = label
            axes.append((Axis(name, label, tuple(values)), per_value))
        total = math.prod(len(a.values) for a, _ in axes) if axes else 0
        if total > MAX_VARIANTS:
            self.err(("grid",), f"the grid has {total:,} variants; the limit is {MAX_VARIANTS:,}")
            return [], [a for a, _ in axes]
        if self.problems or not axes:
            return [], [a for a, _ in axes]
        variants = []
        for combo in itertools.product(*[list(zip(a.values, ov, strict=True)) for a, ov in axes]):
            params = {a.name: value for (a, _), (value, _ov) in zip(axes, combo, strict=True)}
            vid = "__".join(f"{name}={value_text(value)}" for name, value in params.items())
            label = ", ".join(f"{name} = {value_text(value)}" for name, value in params.items())
            overrides = tuple(o for _value, ov in combo for o in ov)
            variants.append(Variant(variant_id_of(vid), label, "grid", params, overrides))
        return variants, [a for a, _ in axes]

    # -- overrides --------------------------------------------------------------------
    def _overrides(self, items: Any, path: tuple[Any, ...], _ctx: dict[str, Any]) -> list[Override]:
        """A list of overrides (a single mapping counts as a list of one)."""
        if items is None:
            return []
        if isinstance(items, Mapping):
            items = [items]
        if not isinstance(items, list):
            self.err(path, f"expected a list of overrides, got {_show(items)}")
            return []
        out = []
        for i, item in enumerate(items):
            ov = self._override(item, (*path, i))
            if ov is not None:
                out.append(ov)
        return out

    def _override(self, item: Any, path: tuple[Any, ...]) -> Override | None:
        """One override: its table, selection and operation, or its settings; None if it has problems."""
        if not isinstance(item, Mapping):
            self.err(path, f"expected a mapping (table, a selection and one operation), got {_show(item)}")
            return None
        before = len(self.problems)
        self.keys(item, path, OVERRIDE_KEYS, "an override")
        line = self._line(path)
        if "settings" in item:
            extra = [k for k in item if k != "settings"]
            if extra:
                self.err(path, f"'settings' stands alone in its override; move {', '.join(map(str, extra))} to another")
            return self._settings(item["settings"], (*path, "settings"), line)
        ops = [k for k in TABLE_OPS if k in item]
        table = item.get("table")
        if table is None:
            self.err(path, f"an override needs 'table' (one of {', '.join(TABLE_ORDER)}) or 'settings'")
            return None
        if table not in SCHEMAS:
            self.err((*path, "table"), f"table {str(table)!r} unknown; tables are {', '.join(TABLE_ORDER)}")
            return None
        schema = SCHEMAS[table]
        ids, where = self._selection(item, path, schema)
        if len(ops) != 1:
            what = "none" if not ops else ", ".join(ops)
            self.err(path, f"give exactly one operation of {', '.join(TABLE_OPS)}; got {what}")
            return None
        op = ops[0]
        values: dict[str, Any] = {}
        rows: tuple[Mapping[str, Any], ...] = ()
        arg = item[op]
        if op in ("set", "scale", "add"):
            values = self._column_values(op, arg, (*path, op), schema)
        elif op == "remove":
            if arg is not True:
                self.err((*path, op), f"write 'remove: true' to remove the selected rows, got {_show(arg)}")
        elif op == "duplicate":
            if table != "jobs":
                self.err((*path, op), "duplicate works on the jobs table only (copies jobs with their override rows)")
            elif not (isinstance(arg, int) and not isinstance(arg, bool) and 1 <= arg <= 1000):
                self.err(
                    (*path, op), f"expected the number of copies in all, an integer from 1 to 1000, got {_show(arg)}"
                )
            else:
                values = {"times": int(arg)}
        elif op == "append":
            if ids is not None or where:
                self.err(path, "append adds rows; it takes no selection (id, ids or where)")
            rows = self._rows(arg, (*path, op), schema)
        if len(self.problems) > before:
            return None
        return Override(
            path=_fmt_path(path), op=op, table=table, ids=ids, where=where, values=values, rows=rows, line=line
        )

    def _settings(self, arg: Any, path: tuple[Any, ...], line: int | None) -> Override | None:
        """A ``settings:`` override, every setting checked against its type."""
        if not isinstance(arg, Mapping) or not arg:
            self.err(path, f"expected a mapping of setting to value ({', '.join(SETTINGS)}), got {_show(arg)}")
            return None
        values = {}
        ok = True
        for key, value in arg.items():
            kind = SETTINGS.get(str(key))
            if kind is None:
                self.err((*path, key), f"setting {str(key)!r} unknown; settings are {', '.join(SETTINGS)}")
                ok = False
                continue
            good = (
                (kind == "number" and is_number(value))
                or (kind == "number or null" and (value is None or is_number(value)))
                or (kind == "bool" and isinstance(value, bool))
                or (kind == "integer" and isinstance(value, int) and not isinstance(value, bool))
            )
            if not good:
                self.err((*path, key), f"expected {kind}, got {_show(value)}")
                ok = False
                continue
            values[str(key)] = float(value) if kind.startswith("number") and value is not None else value
        if not ok:
            return None
        return Override(path=_fmt_path(path[:-1]), op="settings", values=values, line=line)

    def _selection(
        self, item: Mapping[str, Any], path: tuple[Any, ...], schema: TableSchema
    ) -> tuple[tuple[tuple[str, ...], ...] | None, tuple[Condition, ...]]:
        """The ids or the ``where`` conditions an override selects by."""
        given = [k for k in SELECT_KEYS if k in item]
        if len(given) > 1:
            self.err(path, f"give at most one selection of id, ids and where; got {', '.join(given)}")
            return None, ()
        if not given:
            return None, ()
        key = given[0]
        arg = item[key]
        if key in ("id", "ids"):
            raw = [arg] if key == "id" else arg
            if key == "ids" and (not isinstance(arg, list) or not arg):
                self.err((*path, key), f"expected a non-empty list of ids, got {_show(arg)}")
                return None, ()
            ids = []
            width = len(schema.key)
            for value in raw:
                parts = tuple(value) if isinstance(value, list) else (value,)
                if len(parts) != width or not all(isinstance(p, str | int) and not isinstance(p, bool) for p in parts):
                    form = "an id" if width == 1 else f"a list [{', '.join(schema.key)}]"
                    self.err((*path, key), f"a row of {schema.name} is named by {form}, got {_show(value)}")
                    return None, ()
                ids.append(tuple(str(p) for p in parts))
            return tuple(ids), ()
        if not isinstance(arg, Mapping) or not arg:
            self.err((*path, key), f"expected a mapping of column to value, got {_show(arg)}")
            return None, ()
        derived = DERIVED.get(schema.name, {})
        conditions = []
        for column, cond in arg.items():
            column = str(column)
            cpath = (*path, key, column)
            if column not in schema.column_names and column not in derived:
                known = [*schema.column_names, *derived]
                self.err(cpath, f"column {column!r} unknown in table '{schema.name}'; columns are {', '.join(known)}")
                continue
            col = schema.column(column) if column in schema.column_names else None
            if isinstance(cond, Mapping):
                if len(cond) != 1:
                    self.err(cpath, f"expected one operator ({', '.join(WHERE_OPS)}) and its value, got {_show(cond)}")
                    continue
                op, value = next(iter(cond.items()))
                op = str(op)
            elif isinstance(cond, list):
                op, value = "in", cond
            else:
                op, value = "==", cond
            if op not in WHERE_OPS:
                self.err(cpath, f"operator {op!r} unknown; operators are {', '.join(WHERE_OPS)}")
                continue
            numeric = col is not None and col.kind in NUMERIC
            if op in ("in", "not_in"):
                if not isinstance(value, list) or not value:
                    self.err(cpath, f"'{op}' needs a non-empty list, got {_show(value)}")
                    continue
            elif op in ("<", "<=", ">", ">="):
                if not numeric or not is_number(value):
                    self.err(cpath, f"'{op}' compares a number column with a number; got {_show(value)}")
                    continue
            elif op == "like":
                if not isinstance(value, str):
                    self.err(cpath, f"'like' needs a text pattern with * and ?, got {_show(value)}")
                    continue
            elif isinstance(value, list | Mapping) or value is None:
                self.err(cpath, f"expected a value to compare with, got {_show(value)}")
                continue
            conditions.append(Condition(column, op, value))
        return None, tuple(conditions)

    def _column_values(self, op: str, arg: Any, path: tuple[Any, ...], schema: TableSchema) -> dict[str, Any]:
        """The ``{column: value}`` of a set, scale or add, each checked against the column's type."""
        if not isinstance(arg, Mapping) or not arg:
            self.err(path, f"expected a mapping of column to value, got {_show(arg)}")
            return {}
        out: dict[str, Any] = {}
        for column, value in arg.items():
            column = str(column)
            cpath = (*path, column)
            if column not in schema.column_names:
                self.err(
                    cpath,
                    f"column {column!r} unknown in table '{schema.name}'; columns are {', '.join(schema.column_names)}",
                )
                continue
            col = schema.column(column)
            if column in schema.key:
                self.err(
                    cpath, f"column {column!r} is the key of table '{schema.name}'; remove and append rows instead"
                )
                continue
            if op in ("scale", "add"):
                if col.kind not in NUMERIC:
                    self.err(cpath, f"cannot {op} column {column!r}: it holds {_kind_text(col)}, not numbers")
                    continue
                if not is_number(value):
                    self.err(cpath, f"expected a number to {op} by, got {_show(value)}")
                    continue
                if op == "add" and col.kind == "int" and float(value) != int(value):
                    self.err(cpath, f"column {column!r} holds integers; add an integer, got {_show(value)}")
                    continue
                out[column] = float(value)
                continue
            problem = _set_value_problem(col, value)
            if problem:
                self.err(cpath, problem)
                continue
            out[column] = value
        return out

    def _rows(self, arg: Any, path: tuple[Any, ...], schema: TableSchema) -> tuple[Mapping[str, Any], ...]:
        """The rows of an ``append``, each with the table's required columns."""
        if isinstance(arg, Mapping):
            arg = [arg]
        if not isinstance(arg, list) or not arg:
            self.err(path, f"expected a list of rows (mappings of column to value), got {_show(arg)}")
            return ()
        rows = []
        for i, row in enumerate(arg):
            rpath = (*path, i)
            if not isinstance(row, Mapping):
                self.err(rpath, f"expected a mapping of column to value, got {_show(row)}")
                continue
            for column, value in row.items():
                if str(column) not in schema.column_names:
                    self.err(
                        (*rpath, column),
                        f"column {str(column)!r} unknown in table '{schema.name}'; columns are "
                        f"{', '.join(schema.column_names)}",
                    )
                    continue
                problem = _set_value_problem(schema.column(str(column)), value)
                if problem:
                    self.err((*rpath, column), problem)
            missing = [c.name for c in schema.columns if c.required and c.name not in row]
            if missing:
                self.err(rpath, f"a row of {schema.name} needs {', '.join(missing)}")
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
            return f"column {col.name!r} holds numbers; got {_show(value)}"
        if col.kind == "int" and float(value) != int(value):
            return f"column {col.name!r} holds integers; got {_show(value)}"
        return None
    if col.kind == "bool":
        return None if isinstance(value, bool) else f"column {col.name!r} holds true/false; got {_show(value)}"
    if col.kind == "list":
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None
        return f"column {col.name!r} holds a list of ids (a list or 'a;b'); got {_show(value)}"
    if isinstance(value, str) or (is_number(value) and col.kind in ("text", "id", "ref")):
        return None
    return f"column {col.name!r} holds text; got {_show(value)}"


def _mentions_placeholder(data: Any) -> bool:
    """Whether ``$value`` appears anywhere in ``data``."""
    if isinstance(data, str):
        return data == PLACEHOLDER
    if isinstance(data, Mapping):
        return any(_mentions_placeholder(v) for v in data.values())
    if isinstance(data, list):
        return any(_mentions_placeholder(v) for v in data)
    return False


def _substitute(data: Any, value: Any) -> Any:
    """A copy of ``data`` with every ``$value`` string replaced by ``value``."""
    if isinstance(data, str):
        return value if data == PLACEHOLDER else data
    if isinstance(data, Mapping):
        return {k: _substitute(v, value) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, value) for v in data]
    return data


def value_text(value: Any) -> str:
    """A value as ids and legends show it: ``true``/``false``, ``1`` for ``1.0``, else ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def variant_id_of(text: str) -> str:
    """A file-system safe, stable id: runs of characters other than letters, digits and
    ``._=+-`` become ``-``; the id is cut to 120 characters with a hash suffix if longer."""
    vid = _ID_UNSAFE.sub("-", text.strip()).strip("-") or "variant"
    if vid.startswith("."):
        vid = "_" + vid[1:]
    if len(vid) > 120:
        vid = vid[:100] + "-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return vid


def _override_json(o: Override) -> dict[str, Any]:
    """An override as plain JSON data, for the sweep's canonical form."""
    return {
        "op": o.op,
        "table": o.table,
        "ids": [list(i) for i in o.ids] if o.ids is not None else None,
        "where": [[c.column, c.op, c.value] for c in o.where],
        "values": dict(o.values),
        "rows": [dict(r) for r in o.rows],
    }
