"""Parsing the variants of a sweep file: named ``variants`` and the ``grid`` of axes whose
Cartesian product makes the grid variants.

Both record the names of the parameters they define in ``labels`` (parameter name to plot
label), which ``parameter_labels`` and the plots read later; problems go to the
:class:`~eastwest_opt.sweeps.problems.Reporter`.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping
from typing import Any

from eastwest_opt.sweeps.parse_overrides import parse_overrides
from eastwest_opt.sweeps.problems import KeyPath, Reporter, show
from eastwest_opt.sweeps.spec import (
    AXIS_KEYS,
    MAX_VARIANTS,
    PLACEHOLDER,
    RESERVED,
    VARIANT_KEYS,
    Axis,
    Override,
    Variant,
    is_number,
    value_text,
    variant_id_of,
)

_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A grid axis with the overrides of each of its values, in the order of the values.
AxisOverrides = tuple[Axis, list[list[Override]]]


def parse_named(log: Reporter, items: Any, labels: dict[str, str]) -> list[Variant]:
    """The named variants; their parameters' names go into ``labels``."""
    if not isinstance(items, list):
        log.err(("variants",), f"expected a list of variants, got {show(items)}")
        return []
    out = []
    for i, item in enumerate(items):
        variant = _named_variant(log, item, ("variants", i), labels)
        if variant is not None:
            out.append(variant)
    return out


def _named_variant(log: Reporter, item: Any, path: KeyPath, labels: dict[str, str]) -> Variant | None:
    """One named variant: its name (made an id), label, parameters and overrides."""
    if not isinstance(item, Mapping):
        log.err(path, f"expected a mapping with name and overrides, got {show(item)}")
        return None
    log.keys(item, path, VARIANT_KEYS, "a variant")
    name = item.get("name")
    if not isinstance(name, str | int | float) or isinstance(name, bool) or not str(name).strip():
        log.err((*path, "name"), "every variant needs a name (its id in the results)")
        return None
    vid = variant_id_of(str(name))
    params = item.get("parameters") or {}
    if not isinstance(params, Mapping):
        log.err((*path, "parameters"), f"expected a mapping of parameter to value, got {show(params)}")
        params = {}
    for key, value in params.items():
        check_param_name(log, str(key), (*path, "parameters", key))
        if not (is_number(value) or isinstance(value, str | bool)):
            log.err((*path, "parameters", key), f"expected a number, text or true/false, got {show(value)}")
        labels.setdefault(str(key), str(key))
    overrides = parse_overrides(log, item.get("overrides"), (*path, "overrides"))
    label = str(item.get("label") or name)
    return Variant(vid, label, "named", {str(k): v for k, v in params.items()}, tuple(overrides))


def check_param_name(log: Reporter, name: str, path: KeyPath) -> None:
    """Check that a parameter name can be a summary column."""
    if not _PARAM_NAME.match(name):
        log.err(path, f"parameter name {name!r} may hold only letters, digits and '_' (and not start with a digit)")
    elif name in RESERVED or name.startswith(("cost_", "jobs_at_", "mw_at_")):
        log.err(path, f"parameter name {name!r} is taken by a summary column; choose another")


def parse_grid(log: Reporter, items: Any, labels: dict[str, str]) -> tuple[list[Variant], list[Axis]]:
    """The grid axes and the variants of their Cartesian product, in the order of the axes."""
    if not isinstance(items, list) or not items:
        log.err(("grid",), f"expected a list of axes (name, values, overrides), got {show(items)}")
        return [], []
    axes: list[AxisOverrides] = []
    for i, item in enumerate(items):
        axis = _axis(log, item, ("grid", i), labels)
        if axis is not None:
            axes.append(axis)
    total = math.prod(len(a.values) for a, _ in axes) if axes else 0
    if total > MAX_VARIANTS:
        log.err(("grid",), f"the grid has {total:,} variants; the limit is {MAX_VARIANTS:,}")
        return [], [a for a, _ in axes]
    if log.problems or not axes:
        return [], [a for a, _ in axes]
    return _product(axes), [a for a, _ in axes]


def _axis(log: Reporter, item: Any, path: KeyPath, labels: dict[str, str]) -> AxisOverrides | None:
    """One grid axis and the overrides of each of its values (``$value`` replaced by the value)."""
    if not isinstance(item, Mapping):
        log.err(path, f"expected a mapping with name, values and overrides, got {show(item)}")
        return None
    log.keys(item, path, AXIS_KEYS, "a grid axis")
    name = item.get("name")
    if not isinstance(name, str) or not name:
        log.err((*path, "name"), "every grid axis needs a name (a parameter name)")
        return None
    check_param_name(log, name, (*path, "name"))
    if name in labels:
        log.err((*path, "name"), f"parameter {name!r} is swept twice")
    values = item.get("values")
    if not isinstance(values, list) or not values:
        log.err((*path, "values"), f"expected a non-empty list of values, got {show(values)}")
        return None
    for k, value in enumerate(values):
        if not (is_number(value) or isinstance(value, str | bool)) or value is None:
            log.err((*path, "values", k), f"expected a number, text or true/false, got {show(value)}")
    if len({value_text(v) for v in values}) < len(values):
        log.err((*path, "values"), "values repeat; each value of an axis must be distinct")
    raw = item.get("overrides")
    if not _mentions_placeholder(raw):
        log.err((*path, "overrides"), f"the overrides of an axis must use {PLACEHOLDER!r} for the axis value")
    per_value = []
    for value in values:
        before = len(log.problems)
        per_value.append(parse_overrides(log, _substitute(raw, value), (*path, "overrides")))
        if len(log.problems) > before:  # say which value broke it; report the first one only
            log.problems[before:] = [
                dataclasses.replace(p, message=f"{p.message} (axis value {show(value)})") for p in log.problems[before:]
            ]
            break
    label = str(item.get("label") or name)
    labels[name] = label
    return Axis(name, label, tuple(values)), per_value


def _product(axes: list[AxisOverrides]) -> list[Variant]:
    """The grid variants: every combination of the axes' values, the overrides in the order of the axes."""
    variants = []
    for combo in itertools.product(*[list(zip(a.values, ov, strict=True)) for a, ov in axes]):
        params = {a.name: value for (a, _), (value, _ov) in zip(axes, combo, strict=True)}
        vid = "__".join(f"{name}={value_text(value)}" for name, value in params.items())
        label = ", ".join(f"{name} = {value_text(value)}" for name, value in params.items())
        overrides = tuple(o for _value, ov in combo for o in ov)
        variants.append(Variant(variant_id_of(vid), label, "grid", params, overrides))
    return variants


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
