"""A parsed sweep: the data classes of a sweep file and the vocabulary it is written in.

:func:`~eastwest_opt.sweeps.parse.load_sweep` reads a sweep file into a :class:`SweepSpec` whose
variants are :class:`Variant` objects with a stable id, a label, the values of the swept
parameters and a tuple of :class:`Override`. This module holds those classes, the keys,
tables, settings and operators a sweep file may name, and the small value helpers (ids,
numbers, the text of a value) that the parser, the override code and the plots share. The
format itself is documented in :mod:`eastwest_opt.sweeps`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
# values
# ---------------------------------------------------------------------------------
def is_number(v: Any) -> bool:
    """True for a finite int or float (not a bool)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))


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


def override_json(o: Override) -> dict[str, Any]:
    """An override as plain JSON data, for the sweep's canonical form."""
    return {
        "op": o.op,
        "table": o.table,
        "ids": [list(i) for i in o.ids] if o.ids is not None else None,
        "where": [[c.column, c.op, c.value] for c in o.where],
        "values": dict(o.values),
        "rows": [dict(r) for r in o.rows],
    }
