"""Hub capacities sized to the portfolio: tight, yet feasible by construction.

Grid allocations, accelerator inventories and storage are first set in proportion to what the
portfolio needs and distributed over the hubs in the shipped scenario's proportions; then each
is raised to at least what the feasibility witness (:mod:`.witness`) uses, and until every job,
alone, fits at one hub it may train at. Link capacities scale with the data volume and carry at
least the witness's traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from eastwest_opt.generate.context import HubContext
from eastwest_opt.generate.core import TB_PER_GBPS_HOUR
from eastwest_opt.generate.witness import Witness, build_witness


@dataclass(frozen=True)
class Headroom:
    """How tight the capacities are, relative to what the portfolio asks for.

    ``power_utilisation`` is the portfolio's total meter MW over the total grid allocation
    (above 1: the hubs cannot run every job at once); ``accel`` the inventory of each accelerator
    type over the demand for it; ``storage`` the storage over the minimum replica needs. With
    ``fit_alone`` capacities are raised until every job, alone, fits at one hub it may train at.
    """

    power_utilisation: float = 0.70
    accel: float = 1.3
    storage: float = 2.5
    fit_alone: bool = True


DEFAULT_HEADROOM = Headroom()


@dataclass
class Capacities:
    """Working capacities: grid MW and storage TB per hub, inventory per ``hub_accelerators`` row."""

    grid: np.ndarray
    inventory: np.ndarray
    storage: np.ndarray
    ha: pd.DataFrame


def size_capacities(
    ctx: HubContext,
    rng: np.random.Generator,
    ds: pd.DataFrame,
    jobs: pd.DataFrame,
    shapes: pd.DataFrame,
    headroom: Headroom = DEFAULT_HEADROOM,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The hubs, links and hub_accelerators tables with capacities sized to the portfolio.

    Grid MW is rounded up to 0.1 MW, storage to 10 TB, inventories to 8 accelerators and link
    capacities to 1 Gbps.
    """
    cap = proportional_capacities(ctx, ds, jobs, headroom)
    w = build_witness(ctx, rng, ds, jobs, shapes, cap.grid, cap.inventory, cap.ha)
    cap.grid = np.maximum(cap.grid, w.power * 1.001)
    if headroom.fit_alone:
        fit_alone(ctx, ds, jobs, shapes, cap)
    cap.storage = np.maximum(cap.storage, w.storage * 1.001)
    hubs = ctx.base.hubs.copy()
    hubs["grid_mw"] = np.ceil(cap.grid * 10.0) / 10.0
    hubs["storage_tb"] = np.ceil(cap.storage / 10.0) * 10.0
    ha = cap.ha
    floor = np.array([w.accel.get((h, k), 0) for h, k in zip(ha["hub_id"], ha["accel_id"], strict=True)])
    ha["count"] = (np.ceil(np.maximum(cap.inventory, floor) / 8.0) * 8).astype(int)
    return hubs, link_capacities(ctx, ds, w), ha


def proportional_capacities(ctx: HubContext, ds: pd.DataFrame, jobs: pd.DataFrame, headroom: Headroom) -> Capacities:
    """Capacities in proportion to the portfolio's needs, spread over hubs as in the shipped scenario."""
    hubs = ctx.base.hubs
    grid_share = (hubs["grid_mw"] / hubs["grid_mw"].sum()).to_numpy()
    mean_pue = float((hubs["pue"] * grid_share).sum())
    it_mw = jobs["accel_count"].to_numpy() * jobs["accel_id"].map(ctx.kw).to_numpy() / 1000.0
    grid = grid_share * it_mw.sum() * mean_pue / headroom.power_utilisation
    ha = ctx.base.hub_accelerators.copy()
    demand = pd.Series(jobs["accel_count"].to_numpy(), index=jobs["accel_id"].to_numpy()).groupby(level=0).sum()
    type_total = ha.groupby("accel_id")["count"].transform("sum")
    need = ha["accel_id"].map(demand).fillna(0.0) * headroom.accel
    inventory = (need * ha["count"] / type_total).to_numpy(dtype=float, copy=True)
    size = ds["size_tb"].to_numpy()
    storage_share = (hubs["storage_tb"] / hubs["storage_tb"].sum()).to_numpy()
    storage = storage_share * float((size * ds["min_replicas"].to_numpy()).sum()) * headroom.storage
    return Capacities(grid=grid, inventory=inventory, storage=storage, ha=ha)


def fit_alone(ctx: HubContext, ds: pd.DataFrame, jobs: pd.DataFrame, shapes: pd.DataFrame, cap: Capacities) -> None:
    """Raise capacities (in place) so that every job, alone, fits at one hub it may train at.

    Small portfolios spread over eight hubs leave no hub with 8,192 accelerators of one type
    or the power for them; a real planner would not own such a fleet. The hub raised is the
    candidate with the largest inventory of the job's accelerator type.
    """
    grid, inventory, ha = cap.grid, cap.inventory, cap.ha
    hub_index = {h: i for i, h in enumerate(ctx.hubs)}
    row_of = {(h, k): i for i, (h, k) in enumerate(zip(ha["hub_id"], ha["accel_id"], strict=True))}
    mask_of_ds = dict(zip(ds["dataset_id"], ds["mask"], strict=True))
    combos = pd.DataFrame({"shape": jobs["shape"], "mask": jobs["dataset_id"].map(mask_of_ds)}).drop_duplicates()
    shape_mask = shapes["mask"].to_numpy()
    for shape, mask in zip(combos["shape"], combos["mask"], strict=True):
        k = shapes.at[shape, "accel_id"]
        count = float(shapes.at[shape, "accel_count"])
        it = count * ctx.kw[k] / 1000.0
        candidates = [h for h in ctx.hubs_of(int(mask) & int(shape_mask[shape])) if (h, k) in row_of]
        if not candidates or any(
            inventory[row_of[h, k]] >= count and grid[hub_index[h]] >= it * ctx.pue[h] for h in candidates
        ):
            continue
        h = max(candidates, key=lambda c: inventory[row_of[c, k]])
        inventory[row_of[h, k]] = max(inventory[row_of[h, k]], count)
        grid[hub_index[h]] = max(grid[hub_index[h]], it * ctx.pue[h] * 1.001)


def link_capacities(ctx: HubContext, ds: pd.DataFrame, w: Witness) -> pd.DataFrame:
    """The links table: shipped capacities scaled by the data volume, raised to carry the witness's traffic."""
    base = ctx.base
    links = base.links.copy()
    volume = float(ds["size_tb"].to_numpy().sum())
    scale = max(1.0, volume / float(base.datasets["size_tb"].sum()))
    tb_per_gbps = base.planning_window_hours * TB_PER_GBPS_HOUR
    need_gbps = np.array(
        [
            max(w.flow.get((a, b), 0.0), w.flow.get((b, a), 0.0)) / tb_per_gbps * 1.05
            for a, b in zip(links["hub_a"], links["hub_b"], strict=True)
        ]
    )
    links["capacity_gbps"] = np.ceil(np.maximum(links["capacity_gbps"].to_numpy() * scale, need_gbps))
    return links
