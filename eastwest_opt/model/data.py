"""Turn a scenario and its network into the data of the model: which (job group, hub) pairs,
replicas, staged copies, commodities and artifact routes exist, and their coefficients.

Nothing here imports Pyomo or HiGHS: the data is plain Python, pandas and numpy, and
:mod:`~eastwest_opt.model.index` turns it into the index arrays every family reads.
The structure (which variables exist) depends only on data classes, job restrictions,
overrides and the network topology; capacities and prices are parameters, so that what-if
variants that change only numbers can re-solve the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from eastwest_opt.model.pairs import artifact_jobs, artifact_routes, in_time, job_hub_pairs, positions
from eastwest_opt.model.periods import arc_capacity, horizon, hub_values
from eastwest_opt.scenario.checks import allowed_hub_set, is_missing
from eastwest_opt.scenario.core import HOURS_PER_MONTH, Scenario
from eastwest_opt.scenario.network import Arc, Network, Route

ANY_ZONE = "*"
Commodity = tuple[str, str, str]  # (kind, source hub, zone)
ArtifactGroup = tuple[str, str, float, int]  # (training hub, serving hub, latency bound ms, end period)


@dataclass
class ModelData:
    """Index sets and coefficients of the placement model, derived from a scenario.

    Values that change with the period are keyed by (hub, period id) or (arc, period id); a
    scenario without periods has the one period ``window``. ``pairs`` has one row per (job
    group, hub, start period) a group may train at (``start`` -1 for a preemptible job);
    ``pair_hours`` the hours and energy of each row in each period it runs; ``flex_periods`` the
    periods each preemptible row may run in.
    """

    hubs: list[str]
    hub_region: dict[str, str]
    pue: dict[str, float]
    storage_price_cny_per_tb_month: dict[str, float]
    inventory: dict[tuple[str, str], float]  # (hub, accel) -> count
    periods: list[str]
    period_hours: list[float]
    timed: bool  # the scenario has a periods table
    price: dict[tuple[str, str], float]  # (hub, period) -> CNY/kWh
    grid: dict[tuple[str, str], float]  # (hub, period) -> MW
    carbon: dict[tuple[str, str], float]  # (hub, period) -> kg/kWh
    storage: dict[tuple[str, str], float]  # (hub, period) -> TB
    arcs: list[Arc]
    arc_capacity: dict[tuple[Arc, str], float]  # (arc, period) -> TB over the period
    arc_cost_cny_per_tb: dict[Arc, float]
    pairs: pd.DataFrame
    pair_hours: pd.DataFrame  # pair, period, hours, energy_mwh
    flex_periods: pd.DataFrame  # pair, period
    jobs: list[str]  # job group ids (a group of identical jobs; its id is its first member's)
    group_size: dict[str, int]  # n_g: jobs in the group
    group_members: dict[str, list[str]]  # the group's job ids, in file order
    unplaceable_penalty: dict[str, float]  # groups that may stay unplaced -> penalty CNY per job
    job_dataset: dict[str, str]
    datasets: list[str]
    size_tb: dict[str, float]
    origin: dict[str, str]
    min_replicas: dict[str, int]
    min_grid_regions: dict[str, int]
    dataset_zone: dict[str, str]
    replica_hubs: dict[str, list[str]]  # dataset -> hubs that may hold a durable replica
    staging_hubs: dict[str, list[str]]  # dataset -> hubs that may hold a staged copy
    dataset_regions: dict[str, list[str]]  # datasets needing >= 2 regions -> candidate regions
    commodities: dict[Commodity, list[Arc]]  # traffic commodity -> arcs it may use
    artifact_routes: dict[ArtifactGroup, list[Route]]  # (hub, serving hub, bound, end period) -> routes
    artifact_jobs: dict[ArtifactGroup, list[int]]  # -> the pair rows whose artifacts it carries
    artifact_tb: dict[str, float]
    carbon_price_cny_per_t: float
    carbon_budget_t: float | None
    zones: dict[str, frozenset[str] | None] = field(default_factory=dict)

    @property
    def storage_months(self) -> float:
        """Length of the horizon in months, for storage priced per TB-month."""
        return sum(self.period_hours) / HOURS_PER_MONTH

    def grid_mw(self, hub: str) -> float:
        """The hub's grid allocation in the first period (the only one without periods)."""
        return self.grid[hub, self.periods[0]]


def localization(scenario: Scenario) -> tuple[dict[str, frozenset[str] | None], dict[str, str], dict[str, bool]]:
    """Localization by data class, as domain restrictions of the sparse index sets.

    For a dataset ``d`` of class ``c`` born at ``o(d)`` the allowed hubs are
    ``H_c(d) = H`` (class ``*``), ``{o(d)}`` (class ``origin``) or the class's hub list.
    Durable replicas ``y[d,h]``, staged copies ``s[d,h]`` and trainings ``x[j,h]`` of jobs on
    ``d`` exist only for ``h in H_c(d)``; staged copies only when the class allows staging;
    and replication and staging traffic of ``d`` crosses only arcs with both ends in
    ``H_c(d)`` (its zone). Returns the allowed hubs per dataset (``None``: every hub), the
    zone id per dataset, and whether staging is allowed per dataset.
    """
    dc = scenario.data_classes
    rule = {c: str(a) for c, a in zip(dc["class_id"].tolist(), dc["allowed_hubs"].tolist(), strict=True)}
    stages = {c: bool(v) for c, v in zip(dc["class_id"].tolist(), dc["staging_allowed"].tolist(), strict=True)}
    allowed: dict[str, frozenset[str] | None] = {}
    zone: dict[str, str] = {}
    staging: dict[str, bool] = {}
    ds = scenario.datasets
    for d, cls, origin in zip(
        ds["dataset_id"].tolist(), ds["class_id"].tolist(), ds["origin_hub"].tolist(), strict=True
    ):
        hubs = allowed_hub_set(rule[cls], origin)
        allowed[d] = hubs
        zone[d] = ANY_ZONE if hubs is None else str(cls)
        if rule[cls].strip() == "origin":
            zone[d] = f"{cls}@{origin}"
        staging[d] = stages[cls]
    return allowed, zone, staging


GROUP_KEY = (
    "dataset_id",
    "accel_id",
    "accel_count",
    "runtime_h",
    "artifact_tb",
    "serving_hubs",
    "max_latency_ms",
    "unplaced_penalty_cny",
    "allowed_hubs",
    "release_period",
    "deadline_period",
)


def _group_numbers(scenario: Scenario, aggregate: bool) -> np.ndarray:
    """The group of each job, numbered in order of first appearance: jobs equal in every column
    of ``GROUP_KEY`` share one unless either has an override row or is preemptible."""
    jobs = scenario.jobs
    n = len(jobs)
    if not aggregate or not n:
        return np.arange(n, dtype=np.int64)
    codes = {col: pd.factorize(jobs[col].to_numpy(dtype=object), use_na_sentinel=False)[0] for col in GROUP_KEY}
    alone = jobs["job_id"].isin(set(scenario.overrides["job_id"])) | jobs["preemptible"].astype(bool)
    codes["alone"] = np.where(alone.to_numpy(dtype=bool), np.arange(n), -1)
    return pd.DataFrame(codes).groupby(list(codes), sort=False).ngroup().to_numpy(dtype=np.int64)


def job_groups(scenario: Scenario, *, aggregate: bool = True) -> pd.DataFrame:
    """Identical jobs gathered into groups: one row per group with its members and size.

    Two jobs are identical when every column the model reads is equal (``GROUP_KEY``) and
    neither has an override row nor is preemptible (a preemptible job splits its own hours
    over periods, which counts of jobs would not tell apart). Identical jobs are interchangeable in every constraint and
    in the objective, so placing ``x[g,h]`` of the ``n_g`` jobs of group ``g`` at hub ``h``
    (an integer) is an exact reduction of placing each job with a binary. A group's id is its
    first member's job id. With ``aggregate=False`` every job is its own group.
    """
    jobs = scenario.jobs
    group = _group_numbers(scenario, aggregate)
    first = ~pd.Series(group).duplicated(keep="first").to_numpy()
    order = np.argsort(group, kind="stable")
    ids = jobs["job_id"].to_numpy(dtype=object)[order]
    split = np.cumsum(np.bincount(group, minlength=int(first.sum())))[:-1] if len(group) else []
    members = [part.tolist() for part in np.split(ids, split)] if len(group) else []
    reps = jobs.loc[first].copy()
    reps = reps.rename(columns={"job_id": "group_id"}).reset_index(drop=True)
    reps["members"] = pd.Series(members, dtype=object) if members else pd.Series([], dtype=object)
    reps["size"] = np.array([len(m) for m in members], dtype=int)
    h = horizon(scenario)
    last = len(h.ids) - 1
    reps["release"] = [h.index(p, 0) for p in reps["release_period"]]
    reps["deadline"] = [h.index(p, last) for p in reps["deadline_period"]]
    reps["preemptible"] = reps["preemptible"].astype(bool) & h.timed
    return reps


def energy_cost_cny(data: ModelData, price: dict[tuple[str, str], float] | None = None) -> np.ndarray:
    """Energy cost of each pair row that runs without interruption, at the given prices per
    (hub, period) (default: the data's): ``Σ_p E[j,h,t,p] * 1000 * price[h,p] * (1 - subsidy)``,
    or the override's fixed cost; 0 for a preemptible row, whose energy its hours carry."""
    price = data.price if price is None else price
    pairs, ph = data.pairs, data.pair_hours
    unit = _per_hub_period(data, price)
    subsidy = pairs["subsidy_share"].to_numpy(dtype=float)[ph["pair"].to_numpy()]
    part = ph["energy_mwh"].to_numpy(dtype=float) * 1000.0 * unit * (1.0 - subsidy)
    derived = np.bincount(ph["pair"].to_numpy(), weights=part, minlength=len(pairs))
    fixed = pairs["fixed_cost_cny"].to_numpy(dtype=float)
    return np.where(np.isnan(fixed), derived, fixed)


def _per_hub_period(data: ModelData, values: dict[tuple[str, str], float]) -> np.ndarray:
    """``values[hub, period]`` of each (pair row, period) of ``data.pair_hours``."""
    ph = data.pair_hours
    hub_ix = {h: i for i, h in enumerate(data.hubs)}
    table = np.array([[float(values[h, p]) for p in data.periods] for h in data.hubs], dtype=float).reshape(
        len(data.hubs), len(data.periods)
    )
    hub = positions(hub_ix, data.pairs["hub_id"])[ph["pair"].to_numpy(dtype=np.int64)]
    return table[hub, ph["period"].to_numpy(dtype=np.int64)]


def carbon_t(data: ModelData) -> np.ndarray:
    """Emissions of each pair row that runs without interruption: ``Σ_p E[j,h,t,p] * carbon[h,p]``
    (kg/kWh = t/MWh); 0 for a preemptible row."""
    pairs, ph = data.pairs, data.pair_hours
    factor = _per_hub_period(data, data.carbon)
    part = ph["energy_mwh"].to_numpy(dtype=float) * factor
    return np.bincount(ph["pair"].to_numpy(), weights=part, minlength=len(pairs))


def prepare(scenario: Scenario, network: Network, *, elastic: bool = False, aggregate: bool = True) -> ModelData:
    """Derive the model's sets and coefficients from a validated scenario.

    Identical jobs are gathered into groups (:func:`job_groups`) unless ``aggregate=False``.
    With ``elastic=True`` the latency bounds do not prune (group, hub) pairs; each pair records
    instead by how many milliseconds its fastest route to a serving hub exceeds the bound
    (``latency_excess_ms``), which the elastic model penalises.
    """
    hubs = scenario.hubs
    h = horizon(scenario)
    allowed, zone_of, staging_ok = localization(scenario)
    groups = job_groups(scenario, aggregate=aggregate)
    pairs = job_hub_pairs(scenario, allowed, groups)
    pairs, routes = artifact_routes(scenario, network, groups, pairs, elastic=elastic)
    pairs, pair_hours, flex = in_time(pairs, groups, h)
    jobs_of = artifact_jobs(pairs, groups, routes)
    replica_hubs, staging_hubs, dataset_regions = dataset_hubs(scenario, allowed, staging_ok)
    commodities = traffic_commodities(scenario, network, allowed, zone_of, replica_hubs, staging_hubs)
    ds = scenario.datasets.set_index("dataset_id")
    ha = scenario.hub_accelerators
    inventory = {(hub, k): float(c) for hub, k, c in zip(ha["hub_id"], ha["accel_id"], ha["count"], strict=True)}
    penalty: dict[str, float] = {}
    if scenario.allow_unplaced:
        for g, p in zip(groups["group_id"], groups["unplaced_penalty_cny"], strict=True):
            if not is_missing(p):
                penalty[g] = float(p)

    def by_hub(column: str) -> dict[str, float]:
        return dict(zip(hubs["hub_id"], hubs[column].astype(float), strict=True))

    return ModelData(
        hubs=list(hubs["hub_id"]),
        hub_region=dict(zip(hubs["hub_id"], hubs["grid_region"], strict=True)),
        pue=by_hub("pue"),
        storage_price_cny_per_tb_month=by_hub("storage_price_cny_per_tb_month"),
        inventory=inventory,
        periods=h.ids,
        period_hours=h.hours.tolist(),
        timed=h.timed,
        price=hub_values(scenario, h, "price_cny_per_kwh"),
        grid=hub_values(scenario, h, "grid_mw"),
        carbon=hub_values(scenario, h, "carbon_kg_per_kwh"),
        storage=hub_values(scenario, h, "storage_tb"),
        arcs=list(network.arcs.index),
        arc_capacity=arc_capacity(scenario, h, network.arcs),
        arc_cost_cny_per_tb=network.arcs["cost_cny_per_tb"].to_dict(),
        pairs=pairs,
        pair_hours=pair_hours,
        flex_periods=flex,
        jobs=list(groups["group_id"]),
        group_size=dict(zip(groups["group_id"], groups["size"].astype(int), strict=True)),
        group_members=dict(zip(groups["group_id"], groups["members"], strict=True)),
        unplaceable_penalty=penalty,
        job_dataset=dict(zip(groups["group_id"], groups["dataset_id"], strict=True)),
        datasets=list(ds.index),
        size_tb=ds["size_tb"].astype(float).to_dict(),
        origin=ds["origin_hub"].to_dict(),
        min_replicas=ds["min_replicas"].astype(int).to_dict(),
        min_grid_regions=ds["min_grid_regions"].astype(int).to_dict(),
        dataset_zone=zone_of,
        replica_hubs=replica_hubs,
        staging_hubs=staging_hubs,
        dataset_regions=dataset_regions,
        commodities=commodities,
        artifact_routes={key: routes[key[:3]] for key in jobs_of},
        artifact_jobs=jobs_of,
        artifact_tb=dict(zip(groups["group_id"], groups["artifact_tb"].astype(float), strict=True)),
        carbon_price_cny_per_t=scenario.carbon_price_cny_per_t,
        carbon_budget_t=scenario.carbon_budget_t,
        zones={zone_of[d]: allowed[d] for d in ds.index},
    )


def dataset_hubs(
    scenario: Scenario, allowed: dict[str, frozenset[str] | None], staging_ok: dict[str, bool]
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """Per dataset: hubs that may keep a durable replica, hubs that may hold a staged copy,
    and (for datasets that must span two or more) the grid regions those hubs lie in."""
    hubs = scenario.hubs
    hub_ids = list(hubs["hub_id"])
    region = dict(zip(hubs["hub_id"], hubs["grid_region"], strict=True))
    replica_hubs: dict[str, list[str]] = {}
    staging_hubs: dict[str, list[str]] = {}
    dataset_regions: dict[str, list[str]] = {}
    for d, origin, spread in zip(
        scenario.datasets["dataset_id"],
        scenario.datasets["origin_hub"],
        scenario.datasets["min_grid_regions"],
        strict=True,
    ):
        hubs_ok = allowed[d]
        candidates = [h for h in hub_ids if hubs_ok is None or h in hubs_ok]
        replica_hubs[d] = candidates
        staging_hubs[d] = [h for h in candidates if h != origin] if staging_ok[d] else []
        if int(spread) >= 2:
            dataset_regions[d] = sorted({region[h] for h in candidates})
    return replica_hubs, staging_hubs, dataset_regions


def traffic_commodities(
    scenario: Scenario,
    network: Network,
    allowed: dict[str, frozenset[str] | None],
    zone_of: dict[str, str],
    replica_hubs: dict[str, list[str]],
    staging_hubs: dict[str, list[str]],
) -> dict[Commodity, list[Arc]]:
    """Traffic commodities (kind, source hub, zone), each over the arcs inside its zone: the
    replication from each origin, and the staging from each hub that may keep a replica."""
    commodities: dict[Commodity, list[Arc]] = {}
    for d, origin in zip(scenario.datasets["dataset_id"], scenario.datasets["origin_hub"], strict=True):
        arcs = network.zone_arcs(allowed[d])
        if not arcs:
            continue
        z = zone_of[d]
        if len(replica_hubs[d]) > 1:
            commodities.setdefault(("replication", origin, z), arcs)
        if staging_hubs[d]:
            for r in replica_hubs[d]:
                commodities.setdefault(("staging", r, z), arcs)
    return commodities
