"""objective: the total cost in CNY, each term a linear function of the columns.

    energy   = sum_{(j,h,t)} sum_p E[j,h,t,p] * 1000 * price[h,p] * (1 - subsidy[h,k(j,h)]) * x[j,h,t]
               + sum_{(j,h,p)} it_mw * pue[h] * 1000 * price[h,p] * (1 - subsidy) * e[j,h,p]
               (or the override's fixed cost F[j,h] * x[j,h,t])
    carbon   = carbon_price * (emissions of the same rows and hours, at carbon[h,p])
    storage  = sum_h storage_price[h] * sum_d size_d * (M * y[d,h] + sum_p M_p * k[d,h,p])
               (M = horizon months, M_p = H_p / 730; with one period k is s and M_p = M)
    transfer = sum_{a,p} cost[a] * (sum_c f[c,a,p] + sum_{(g,r) : a in r} w[g,r])
    unplaced = sum_j penalty_j * u[j]

Each term is kept apart (:class:`Term`), so that the plan reports it and a re-solve can write
new prices into the built model term by term; the column costs are their sum. The emissions
``sum carbon_t[j,h] * x[j,h]`` (tCO2) are a :class:`Term` too: the carbon budget's row and the
least-emissions end of the cost-carbon front use it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eastwest_opt.model.data import carbon_t, energy_cost_cny
from eastwest_opt.model.index import Index
from eastwest_opt.scenario.core import HOURS_PER_MONTH

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


def _flex(ix: Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per preemptible (row, period): its hub, period id and the MWh of one hour there."""
    pairs = ix.data.pairs
    hub = pairs["hub_id"].to_numpy()[ix.fx_pair] if len(ix.fx_pair) else np.zeros(0, dtype=object)
    period = np.array(ix.periods, dtype=object)[ix.fx_period] if len(ix.fx_pair) else np.zeros(0, dtype=object)
    mwh = (pairs["it_mw"].to_numpy(dtype=float) * pairs["pue"].to_numpy(dtype=float))[ix.fx_pair]
    return hub, period, mwh


def emissions(ix: Index) -> Term:
    """Emissions of training energy in tCO2: ``sum carbon_t[j,h,t] * x[j,h,t]`` over uninterrupted
    rows and ``sum it_mw * pue * carbon[h,p] * e[j,h,p]`` over the hours of preemptible ones."""
    data = ix.data
    hub, period, mwh = _flex(ix)
    per_hour = mwh * np.array([data.carbon[h, p] for h, p in zip(hub, period, strict=True)], dtype=float)
    return Term(
        "emissions_t",
        np.concatenate([ix.cols("x"), ix.cols("e")]),
        np.concatenate([carbon_t(data), per_hour]),
    )


def cost_terms(ix: Index) -> list[Term]:
    """The objective's terms (see the module docstring), in :data:`COST_TERMS` order."""
    data = ix.data
    hub, period, mwh = _flex(ix)
    price = np.array([data.price[h, p] for h, p in zip(hub, period, strict=True)], dtype=float)
    subsidy = data.pairs["subsidy_share"].to_numpy(dtype=float)[ix.fx_pair]
    fixed = data.pairs["fixed_cost_cny"].to_numpy(dtype=float)[ix.fx_pair]
    flex_energy = np.where(np.isnan(fixed), mwh * 1000.0 * price * (1.0 - subsidy), 0.0)
    store = np.array([data.storage_price_cny_per_tb_month[h] for h in ix.hubs], dtype=float)
    arc_cost = np.array([data.arc_cost_cny_per_tb[a] for a in ix.arcs], dtype=float)
    penalty = np.array([data.unplaceable_penalty[j] for j in ix.unplaced], dtype=float)
    route_cost = np.array([float(arc_cost[arcs].sum()) if arcs else 0.0 for arcs in ix.w_arcs], dtype=float)
    return [
        Term(
            "energy",
            np.concatenate([ix.cols("x"), ix.cols("e")]),
            np.concatenate([energy_cost_cny(data), flex_energy]),
        ),
        Term("carbon", emissions(ix).col, data.carbon_price_cny_per_t * emissions(ix).coef),
        _storage(ix, store),
        Term(
            "transfer",
            np.concatenate([ix.cols("f"), ix.cols("w")]),
            np.concatenate([arc_cost[ix.f_a] if len(ix.f_a) else np.zeros(0), route_cost]),
        ),
        Term("unplaced", ix.cols("u"), penalty),
    ]


def _storage(ix: Index, store: np.ndarray) -> Term:
    """Durable replicas over the whole horizon; staged copies for the window (one period) or for
    the periods they are held (two or more)."""
    months = ix.data.storage_months
    y = months * store[ix.dh_h] * ix.size_tb[ix.dh_d]
    if not ix.timed:
        copies = (ix.cols("s"), months * store[ix.st_h] * ix.size_tb[ix.st_d])
    else:
        n = len(ix.periods)
        held_months = np.tile(ix.period_hours / HOURS_PER_MONTH, len(ix.st_d))
        copies = (ix.cols("k"), held_months * np.repeat(store[ix.st_h] * ix.size_tb[ix.st_d], n))
    return Term("storage", np.concatenate([ix.cols("y"), copies[0]]), np.concatenate([y, copies[1]]))


def column_costs(terms: list[Term], num_col: int) -> np.ndarray:
    """The objective's coefficient of every column: the sum of the terms."""
    cost = np.zeros(num_col)
    for term in terms:
        np.add.at(cost, term.col, term.coef)
    return cost
