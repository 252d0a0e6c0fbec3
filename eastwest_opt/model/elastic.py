"""The elastic model: the placement model with every relaxable family given a slack.

Each family that says how it may be relaxed (:class:`~eastwest_opt.model.families.Slack`: hub
power, accelerators, storage, links, replicas, grid regions, the carbon budget and the
assignment of must-place jobs) gets one non-negative slack column per row, and the objective
becomes the weighted relaxation instead of the cost:

    min  sum_family sum_rows weight[r] * slack[r]  +  sum_{(j,h)} excess_ms[j,h] / bound_ms[j] * x[j,h]

where the second sum charges a (job, hub) pair whose fastest route to a serving hub exceeds the
job's latency bound (built from data prepared with ``elastic=True``, which keeps such pairs).
Its optimum is the smallest change to the scenario that would make it feasible; the slacks are
read back by :mod:`eastwest_opt.plan.explain`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from eastwest_opt.model.arrays import ArrayModel
from eastwest_opt.model.data import ModelData


@dataclass
class ElasticModel:
    """The elastic array model and where its slack columns are: family -> (first column, rows)."""

    arrays: ArrayModel
    slack_cols: dict[str, tuple[int, np.ndarray]]

    def slack_values(self, col_value: np.ndarray) -> dict[str, list[tuple[Any, float]]]:
        """Each family's slacks at a solution, as (row key, value) pairs in row order."""
        out: dict[str, list[tuple[Any, float]]] = {}
        for family, (first, rows) in self.slack_cols.items():
            keys = self.arrays.row_keys[family]
            row0 = self.arrays.row_blocks[family][0]
            values = col_value[first : first + len(rows)]
            out[self.arrays.slacks[family].name] = [
                (keys[r - row0], float(v)) for r, v in zip(rows.tolist(), values.tolist(), strict=True)
            ]
        return out


def elastic(am: ArrayModel, data: ModelData) -> ElasticModel:
    """``am`` with a slack column on every row its family allows to relax (module docstring)."""
    start, index, value = am.start, am.index, am.value
    rows_of_entry = np.repeat(np.arange(am.num_row, dtype=np.int64), np.diff(start))
    new_rows, new_cols, new_vals, weights = [rows_of_entry], [index], [value], []
    slack_cols: dict[str, tuple[int, np.ndarray]] = {}
    n_col = am.num_col
    for family, slack in am.slacks.items():
        slack_cols[family] = (n_col, slack.rows)
        new_rows.append(slack.rows)
        new_cols.append(n_col + np.arange(len(slack.rows)))
        new_vals.append(np.full(len(slack.rows), slack.sign))
        weights.append(slack.weight)
        n_col += len(slack.rows)
    rows = np.concatenate(new_rows)
    cols = np.concatenate(new_cols)
    vals = np.concatenate(new_vals)
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    csr_start = np.zeros(am.num_row + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=am.num_row), out=csr_start[1:])
    n_slack = n_col - am.num_col
    x0, x1 = am.col_blocks["x"]
    cost = np.zeros(n_col)
    excess = data.pairs["latency_excess_ms"].to_numpy(dtype=float)
    bound = data.pairs["max_latency_ms"].to_numpy(dtype=float)
    charged = excess > 0
    cost[x0:x1][charged] = excess[charged] / bound[charged]
    cost[am.num_col :] = np.concatenate(weights) if weights else np.zeros(0)
    arrays = replace(
        am,
        col_cost=cost,
        col_lower=np.concatenate([am.col_lower, np.zeros(n_slack)]),
        col_upper=np.concatenate([am.col_upper, np.full(n_slack, np.inf)]),
        integer=np.concatenate([am.integer, np.zeros(n_slack, dtype=bool)]),
        start=csr_start,
        index=cols,
        value=vals,
        col_dataset=None,
        terms=[],
    )
    return ElasticModel(arrays, slack_cols)
