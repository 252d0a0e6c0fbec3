"""The rows of a constraint family as sparse arrays (:class:`RowBlock`), and how a family says it
may be relaxed (:class:`Slack`); the helpers every family in :mod:`~eastwest_opt.model.families`
uses to open its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Weight of leaving a must-place job unplaced in the elastic model, against relative slacks.
UNPLACED_MUST_WEIGHT = 1000.0


@dataclass
class Slack:
    """How the elastic model relaxes a family: slack ``name`` on ``rows`` with ``weight`` each.

    ``sign`` is the slack's coefficient: -1 lifts an upper bound (``a'v - s <= b``), +1 a
    lower bound or the right-hand side of an equality (``a'v + s >= b``, ``a'v + s = b``).
    """

    name: str
    rows: np.ndarray
    weight: np.ndarray
    sign: float


@dataclass
class RowBlock:
    """The rows of one constraint family."""

    name: str
    keys: list[Any]  # the index of each row
    lower: np.ndarray
    upper: np.ndarray
    row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # entries: row in the block
    col: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # entries: global column
    val: np.ndarray = field(default_factory=lambda: np.zeros(0))
    param: str | None = None  # the finite bound is this parameter (re-solves write it; a Pyomo Param)
    linking: bool = False  # the rows tie datasets together
    slack: Slack | None = None

    def add(self, rows: Any, cols: Any, vals: Any) -> None:
        """Add entries; columns given as -1 (no such variable) are left out."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        keep = cols >= 0
        self.row = np.concatenate([self.row, rows[keep]])
        self.col = np.concatenate([self.col, cols[keep]])
        self.val = np.concatenate([self.val, np.array(vals[keep], dtype=float)])


def relative(capacity: np.ndarray) -> np.ndarray:
    """Weight of one unit of slack: relative to the capacity it relaxes (at least 1 unit)."""
    return 1.0 / np.maximum(np.asarray(capacity, dtype=float), 1.0)


def below(name: str, keys: list[Any], upper: np.ndarray, **kw: Any) -> RowBlock:
    """Rows ``a'v <= upper``."""
    return RowBlock(name, keys, np.full(len(keys), -np.inf), np.asarray(upper, dtype=float), **kw)


def above(name: str, keys: list[Any], lower: np.ndarray, **kw: Any) -> RowBlock:
    """Rows ``a'v >= lower``."""
    return RowBlock(name, keys, np.asarray(lower, dtype=float), np.full(len(keys), np.inf), **kw)


def equal(name: str, keys: list[Any], rhs: np.ndarray, **kw: Any) -> RowBlock:
    """Rows ``a'v = rhs``."""
    rhs = np.asarray(rhs, dtype=float)
    return RowBlock(name, keys, rhs, rhs.copy(), **kw)
