"""The placement model as arrays: its columns, one row-wise sparse matrix and its cost terms.

:func:`build_arrays` lays out the columns (:mod:`~eastwest_opt.model.variables`), runs every
constraint family of :data:`~eastwest_opt.model.families.FAMILIES` and the objective's terms
(:mod:`~eastwest_opt.model.objective`), and assembles them into an :class:`ArrayModel`. That
one object is what every solver layer reads: HiGHS gets it in one ``passModel`` call
(:func:`eastwest_opt.solver.highs.to_highs`), :func:`eastwest_opt.model.pyomo.to_pyomo` makes a
Pyomo model of the same rows for planners who extend it, the elastic model
(:mod:`~eastwest_opt.model.elastic`) adds slacks to it, and the decomposition by dataset reads
its blocks. ``col_keys`` names each column with the index its Pyomo variable has, so a solution
reads back into the same plan tables whichever way it was solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from eastwest_opt.model.data import ModelData
from eastwest_opt.model.families import FAMILIES, RowBlock, Slack
from eastwest_opt.model.index import build_index, column_keys
from eastwest_opt.model.objective import Term, column_costs, cost_terms, emissions
from eastwest_opt.model.variables import variables


@dataclass
class ArrayModel:
    """A MIP as arrays: columns, rows and a row-wise (CSR) constraint matrix.

    ``col_blocks`` and ``row_blocks`` give the ``[first, end)`` range of each variable and
    constraint family; ``col_keys`` and ``row_keys`` the index of each column and row. ``terms``
    are the objective's terms (``col_cost`` is their sum), ``emissions`` the tCO2 of a plan.
    ``row_param`` names the parameter that bounds a family's rows (re-solves write it),
    ``row_linking`` marks rows that tie datasets together, ``slacks`` how the elastic model
    relaxes each family (row numbers global), ``col_dataset`` the dataset of each column.
    """

    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray  # bool per column
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray  # CSR row starts, length num_row + 1
    index: np.ndarray
    value: np.ndarray
    col_blocks: dict[str, tuple[int, int]] = field(default_factory=dict)
    row_blocks: dict[str, tuple[int, int]] = field(default_factory=dict)
    col_keys: dict[str, list[Any]] = field(default_factory=dict)
    row_keys: dict[str, list[Any]] = field(default_factory=dict)
    col_dataset: np.ndarray | None = None  # -1 for columns that link datasets (f, w)
    terms: list[Term] = field(default_factory=list)
    emissions: Term | None = None
    row_param: dict[str, str] = field(default_factory=dict)
    row_linking: np.ndarray | None = None
    slacks: dict[str, Slack] = field(default_factory=dict)

    def values(self, col_value: np.ndarray) -> dict[str, dict[Any, float]]:
        """A solution's column values by family and index, e.g. ``values["x"][group, hub]``."""
        out: dict[str, dict[Any, float]] = {}
        for name, (first, end) in self.col_blocks.items():
            out[name] = dict(zip(self.col_keys[name], col_value[first:end].tolist(), strict=True))
        return out

    def with_objective(self, cost: np.ndarray) -> ArrayModel:
        """The same rows and columns under another objective (e.g. the emissions); the cost
        terms no longer describe it and are dropped."""
        return replace(self, col_cost=np.asarray(cost, dtype=float), terms=[])

    @property
    def num_col(self) -> int:
        return len(self.col_cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def num_nz(self) -> int:
        return len(self.value)

    def same_structure(self, other: ArrayModel) -> bool:
        """Whether ``other`` has the same columns, rows and coefficients, and differs at most in
        its costs and in the bounds that are parameters (:attr:`row_param`)."""
        fixed = np.ones(self.num_row, dtype=bool)
        for name in self.row_param:
            first, end = self.row_blocks[name]
            fixed[first:end] = False
        return (
            self.col_keys == other.col_keys
            and self.row_keys == other.row_keys
            and self.row_param == other.row_param
            and np.array_equal(self.start, other.start)
            and np.array_equal(self.index, other.index)
            and np.array_equal(self.value, other.value)
            and np.array_equal(self.integer, other.integer)
            and np.array_equal(self.col_lower, other.col_lower)
            and np.array_equal(self.col_upper, other.col_upper)
            and np.array_equal(self.row_lower[fixed], other.row_lower[fixed])
            and np.array_equal(self.row_upper[fixed], other.row_upper[fixed])
        )


def build_arrays(data: ModelData) -> ArrayModel:
    """Assemble the placement model of ``data`` (see the module docstring)."""
    ix = build_index(data)
    blocks = variables(ix)
    terms = cost_terms(ix)
    rows = [family(ix) for family in FAMILIES]
    start, index, value, lower, upper, row_blocks = _csr([r for r in rows if len(r.keys)])
    col_blocks = {b.name: (ix.first[b.name], ix.first[b.name] + ix.count[b.name]) for b in blocks}
    linking = np.zeros(len(lower), dtype=bool)
    slacks = {}
    for r in rows:
        if not len(r.keys):
            continue
        first, end = row_blocks[r.name]
        linking[first:end] = r.linking
        if r.slack is not None and len(r.slack.rows):
            slacks[r.name] = replace(r.slack, rows=first + r.slack.rows)
    return ArrayModel(
        col_cost=column_costs(terms, ix.num_col),
        col_lower=np.concatenate([b.lower for b in blocks]).astype(float),
        col_upper=np.concatenate([b.upper for b in blocks]).astype(float),
        integer=np.concatenate([np.full(len(b.lower), b.integer) for b in blocks]),
        row_lower=lower,
        row_upper=upper,
        start=start,
        index=index,
        value=value,
        col_blocks=col_blocks,
        row_blocks=row_blocks,
        col_keys=column_keys(ix),
        row_keys={r.name: list(r.keys) for r in rows if len(r.keys)},
        col_dataset=np.concatenate([b.dataset for b in blocks]).astype(np.int64),
        terms=terms,
        emissions=emissions(ix),
        row_param={r.name: r.param for r in rows if r.param is not None and len(r.keys)},
        row_linking=linking,
        slacks=slacks,
    )


def _csr(
    blocks: list[RowBlock],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, tuple[int, int]]]:
    """Stack the blocks' rows into one CSR matrix; duplicate (row, column) entries are summed and
    zero entries left out."""
    offsets, count = {}, 0
    for b in blocks:
        offsets[b.name] = (count, count + len(b.keys))
        count += len(b.keys)
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    rows = np.concatenate([offsets[b.name][0] + b.row for b in blocks] or [empty_i])
    cols = np.concatenate([b.col for b in blocks] or [empty_i])
    vals = np.concatenate([b.val for b in blocks] or [empty_f])
    width = int(cols.max()) + 1 if len(cols) else 1
    order = np.argsort(rows * width + cols, kind="stable")  # as lexsort((cols, rows)), in one key
    rows, cols, vals = rows[order], cols[order], vals[order]
    if len(rows):
        new = np.empty(len(rows), dtype=bool)
        new[0] = True
        new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        firsts = np.flatnonzero(new)
        vals = np.add.reduceat(vals, firsts)
        rows, cols = rows[firsts], cols[firsts]
        nonzero = vals != 0.0  # a zero coefficient is no entry (Pyomo leaves it out as well)
        rows, cols, vals = rows[nonzero], cols[nonzero], vals[nonzero]
    start = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=count), out=start[1:])
    lower = np.concatenate([b.lower for b in blocks] or [empty_f]).astype(float)
    upper = np.concatenate([b.upper for b in blocks] or [empty_f]).astype(float)
    return start, cols, vals, lower, upper, offsets
