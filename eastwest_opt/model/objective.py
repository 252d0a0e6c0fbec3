"""objective: the total cost in CNY, each term a linear function of the columns.

    energy   = sum_{(j,h)} E[j,h] * 1000 * price[h] * (1 - subsidy[h,k(j,h)]) * x[j,h]
               (or the override's fixed cost F[j,h] * x[j,h])
    carbon   = carbon_price * sum_{(j,h)} carbon_t[j,h] * x[j,h]
    storage  = months * sum_h storage_price[h] * sum_d size_d * (y[d,h] + s[d,h])
    transfer = sum_a cost[a] * (sum_c f[c,a] + sum_{(g,p) : a in p} w[g,p])
    unplaced = sum_j penalty_j * u[j]

Each term is kept apart (:class:`Term`), so that the plan reports it and a re-solve can write
new prices into the built model term by term; the column costs are their sum. The emissions
``sum carbon_t[j,h] * x[j,h]`` (tCO2) are a :class:`Term` too: the carbon budget's row and the
least-emissions end of the cost-carbon front use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eastwest_opt.model.data import energy_cost_cny
from eastwest_opt.model.index import Index

COST_TERMS = ("energy", "carbon", "storage", "transfer", "unplaced")


@dataclass
class Term:
    """A linear function ``sum_i coef[i] * v[col[i]]`` of the model's columns."""

    name: str
    col: np.ndarray
    coef: np.ndarray

    def value(self, col_value: np.ndarray) -> float:
        """The term at a solution."""
        return float(self.coef @ col_value[self.col]) if len(self.col) else 0.0


def emissions(ix: Index) -> Term:
    """Emissions of training energy in tCO2: ``sum carbon_t[j,h] * x[j,h]``."""
    return Term("emissions_t", ix.cols("x"), ix.data.pairs["carbon_t"].to_numpy(dtype=float))


def cost_terms(ix: Index) -> list[Term]:
    """The objective's terms (see the module docstring), in :data:`COST_TERMS` order."""
    data = ix.data
    months = data.storage_months
    store = np.array([data.storage_price_cny_per_tb_month[h] for h in ix.hubs], dtype=float)
    arc_cost = np.array([data.arc_cost_cny_per_tb[a] for a in ix.arcs], dtype=float)
    penalty = np.array([data.unplaceable_penalty[j] for j in ix.unplaced], dtype=float)
    route_cost = np.array([float(arc_cost[arcs].sum()) if arcs else 0.0 for arcs in ix.w_arcs], dtype=float)
    return [
        Term("energy", ix.cols("x"), energy_cost_cny(data.pairs, data.price_cny_per_kwh).to_numpy(dtype=float)),
        Term("carbon", ix.cols("x"), data.carbon_price_cny_per_t * emissions(ix).coef),
        Term(
            "storage",
            np.concatenate([ix.cols("y"), ix.cols("s")]),
            np.concatenate(
                [months * store[ix.dh_h] * ix.size_tb[ix.dh_d], months * store[ix.st_h] * ix.size_tb[ix.st_d]]
            ),
        ),
        Term(
            "transfer",
            np.concatenate([ix.cols("f"), ix.cols("w")]),
            np.concatenate([arc_cost[ix.f_a] if len(ix.f_a) else np.zeros(0), route_cost]),
        ),
        Term("unplaced", ix.cols("u"), penalty),
    ]


def column_costs(terms: list[Term], num_col: int) -> np.ndarray:
    """The objective's coefficient of every column: the sum of the terms."""
    cost = np.zeros(num_col)
    for term in terms:
        np.add.at(cost, term.col, term.coef)
    return cost
