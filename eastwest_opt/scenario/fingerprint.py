"""A scenario's fingerprint: a hash of its content, so that a plan or a sweep knows the scenario it was made for.

The fingerprint is the SHA-256 of the normalised typed tables and the settings a plan depends on:

- every table of the schema, in schema order, its columns in schema order, its rows sorted by the
  table's key (reordering the rows of a CSV file does not change the scenario);
- numbers as IEEE-754 doubles (``1``, ``1.0`` and ``1.000`` in a CSV file are the same number; ``-0.0``
  is ``0.0``; every NaN, an empty optional cell, is the same), booleans as bytes, ids, text and
  lists as text (a list as its items joined by ``;``);
- the scenario-level settings (planning window, carbon price and budget, unplaced jobs allowed,
  artifact routes per pair, and any setting added later), but not the scenario's name, description,
  solver settings, folder or the labels of where its tables came from: they change how a plan is
  found or shown, not what it must satisfy or what it costs.

It depends on neither pandas' hashing nor the CSV formatting, so it is stable across versions of
either. ``fingerprint[:12]`` is enough for a person to compare two fingerprints.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eastwest_opt.scenario.schema import SCHEMAS, TABLE_ORDER, Column

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario

FORMAT = b"eastwest-opt scenario fingerprint 1\n"
NOT_SETTINGS = frozenset({"tables", "path", "sources", "name", "description", "solver"})


def scenario_fingerprint(scenario: Scenario) -> str:
    """The SHA-256 (hex) of a scenario's normalised tables and settings (see the module docstring)."""
    h = hashlib.sha256(FORMAT)
    for name in TABLE_ORDER:
        schema = SCHEMAS[name]
        frame = scenario.tables.get(name)
        h.update(f"table {name} {0 if frame is None else len(frame)}\n".encode())
        if frame is None or not len(frame):
            continue
        key = [c for c in schema.key if c in frame.columns]
        if key and len(frame) > 1:
            frame = frame.iloc[_order(frame, key)]
        for col in schema.columns:
            h.update(f"column {col.name}\n".encode())
            if col.name in frame.columns:
                h.update(_column_bytes(frame[col.name], col))
    settings = {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario) if f.name not in NOT_SETTINGS}
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _order(frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """The positions of the rows sorted by their key (as text), stably."""
    if len(frame) > 2000:  # pandas sorts large tables faster; small ones pay its overhead
        keys = pd.DataFrame({c: frame[c].astype(str).to_numpy() for c in key})
        return keys.sort_values(key, kind="stable").index.to_numpy()
    rows = list(zip(*(frame[c].astype(str).tolist() for c in key), strict=True))
    return np.array(sorted(range(len(rows)), key=rows.__getitem__), dtype=np.int64)


def _column_bytes(values: pd.Series, col: Column) -> bytes:
    """One column's values as bytes: numbers as normalised doubles, booleans as bytes, the rest as text."""
    arr = values.to_numpy()
    if col.kind in ("float", "int"):
        if arr.dtype.kind not in "fiu":
            arr = pd.to_numeric(values, errors="coerce").to_numpy()
        numbers = arr.astype(np.float64) + 0.0  # -0.0 -> 0.0
        numbers[np.isnan(numbers)] = math.nan  # one NaN
        return numbers.tobytes()
    if col.kind == "bool":
        return arr.astype(bool).astype(np.uint8).tobytes()
    cells = arr.tolist()
    if col.kind in ("list", "hubset"):
        texts = [";".join(v) if type(v) is tuple else _text(v) for v in cells]  # the fast path
    elif all(type(v) is str for v in cells):  # ids and text: strings already
        texts = cells
    else:
        texts = [_text(v) for v in cells]
    return "\x00".join(texts).encode("utf-8", "surrogatepass") + b"\x00"


def _text(value: object) -> str:
    """A cell as text: a list as its items joined by ``;``, a missing value as the empty string."""
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return ";".join(str(v) for v in items)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
