"""Turn a scenario and its network into the data of the model: which (job group, hub) pairs,
replicas, staged copies, commodities and artifact routes exist, and their coefficients.

Nothing here imports Pyomo or HiGHS: the data is plain Python, pandas and numpy, and
:mod:`~eastwest_opt.model.index` turns it into the index arrays every family reads.
The structure (which variables exist) depends only on data classes, job restrictions,
overrides and the network topology; capacities and prices are parameters, so that what-if
variants that change only numbers can re-solve the same model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from eastwest_opt.scenario.checks import allowed_hub_set, is_missing
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.network import Arc, Network, Route

ANY_ZONE = "*"
Commodity = tuple[str, str, str]  # (kind, source hub, zone)
ArtifactGroup = tuple[str, str, float]  # (training hub, serving hub, latency bound in ms)


@dataclass
class ModelData:
    """Index sets and coefficients of the placement model, derived from a scenario."""

    hubs: list[str]
    hub_region: dict[str, str]
    pue: dict[str, float]
    price_cny_per_kwh: dict[str, float]
    grid_mw: dict[str, float]
    storage_tb: dict[str, float]
    carbon_kg_per_kwh: dict[str, float]
    storage_price_cny_per_tb_month: dict[str, float]
    storage_months: float
    inventory: dict[tuple[str, str], float]  # (hub, accel) -> count
    arcs: list[Arc]
    arc_capacity_tb: dict[Arc, float]
    arc_cost_cny_per_tb: dict[Arc, float]
    pairs: pd.DataFrame  # one row per allowed (job group, hub) with derived per-job coefficients
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
    artifact_routes: dict[ArtifactGroup, list[Route]]
    artifact_jobs: dict[ArtifactGroup, list[str]]
    artifact_tb: dict[str, float]
    carbon_price_cny_per_t: float
    carbon_budget_t: float | None
    zones: dict[str, frozenset[str] | None] = field(default_factory=dict)


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
    classes = scenario.data_classes.set_index("class_id")
    allowed: dict[str, frozenset[str] | None] = {}
    zone: dict[str, str] = {}
    staging: dict[str, bool] = {}
    for ds in scenario.datasets.itertuples(index=False):
        cls = classes.loc[ds.class_id]
        hubs = allowed_hub_set(str(cls["allowed_hubs"]), ds.origin_hub)
        allowed[ds.dataset_id] = hubs
        zone[ds.dataset_id] = ANY_ZONE if hubs is None else str(ds.class_id)
        if str(cls["allowed_hubs"]).strip() == "origin":
            zone[ds.dataset_id] = f"{ds.class_id}@{ds.origin_hub}"
        staging[ds.dataset_id] = bool(cls["staging_allowed"])
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
)


def job_groups(scenario: Scenario, *, aggregate: bool = True) -> pd.DataFrame:
    """Identical jobs gathered into groups: one row per group with its members and size.

    Two jobs are identical when every column the model reads is equal (``GROUP_KEY``) and
    neither has an override row. Identical jobs are interchangeable in every constraint and
    in the objective, so placing ``x[g,h]`` of the ``n_g`` jobs of group ``g`` at hub ``h``
    (an integer) is an exact reduction of placing each job with a binary. A group's id is its
    first member's job id. With ``aggregate=False`` every job is its own group.
    """
    jobs = scenario.jobs
    if aggregate and len(jobs):
        key = pd.Series([""] * len(jobs), index=jobs.index, dtype=object)
        for col in GROUP_KEY:
            key = key + "|" + jobs[col].map(repr)
        overridden = jobs["job_id"].isin(set(scenario.overrides["job_id"]))
        key = key.where(~overridden, "override|" + jobs["job_id"])
    else:
        key = jobs["job_id"]
    first = ~key.duplicated(keep="first")
    reps = jobs.loc[first].copy()
    group_of_key = dict(zip(key[first], reps["job_id"], strict=True))
    group = key.map(group_of_key)
    members = jobs["job_id"].groupby(group, sort=False).agg(list)
    reps = reps.rename(columns={"job_id": "group_id"}).reset_index(drop=True)
    reps["members"] = reps["group_id"].map(members)
    reps["size"] = reps["members"].map(len).astype(int)
    return reps


def job_hub_pairs(
    scenario: Scenario, allowed: dict[str, frozenset[str] | None], groups: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every (job group, hub) pair the group's jobs may train at, with derived or overridden figures.

    Derived per job: accelerator type and count from the job, ``it_mw = count * kw_per_accel / 1000``,
    ``energy_mwh = it_mw * runtime_h * pue[h]``, energy cost
    ``energy_mwh * 1000 * price[h] * (1 - subsidy[h, k])`` unless a fixed cost is given,
    ``carbon_t = energy_mwh * carbon_kg_per_kwh[h]`` (kg/kWh = t/MWh). Overrides replace any
    of accel_id, accel_count, it_mw, runtime_h and the energy cost for one (job, hub).
    Built with vectorised pandas operations, so that it scales to large portfolios.
    """
    if groups is None:
        groups = job_groups(scenario)
    hubs = scenario.hubs[["hub_id", "pue", "carbon_kg_per_kwh"]]
    cols = ["group_id", "dataset_id", "accel_id", "accel_count", "runtime_h", "allowed_hubs", "size"]
    cross = groups[cols].merge(hubs, how="cross")
    # localization by data class, then the job's own hub restriction
    class_ok = {(d, h) for d, hs in allowed.items() if hs is not None for h in hs}
    free = {d for d, hs in allowed.items() if hs is None}
    keep = [
        (d in free or (d, h) in class_ok) and (not restrict or h in restrict)
        for d, h, restrict in zip(cross["dataset_id"], cross["hub_id"], cross["allowed_hubs"], strict=True)
    ]
    cross = cross.loc[keep].reset_index(drop=True)
    cross["fixed_cost_cny"] = math.nan
    cross["it_mw_override"] = math.nan
    ov = scenario.overrides
    if len(ov):
        o = ov.rename(
            columns={
                "job_id": "group_id",
                "accel_id": "o_accel",
                "accel_count": "o_count",
                "it_mw": "o_it",
                "runtime_h": "o_runtime",
                "fixed_cost_cny": "o_fixed",
            }
        )
        cross = cross.merge(o, on=["group_id", "hub_id"], how="left")
        has = cross["o_accel"].notna() & (cross["o_accel"] != "")
        cross.loc[has, "accel_id"] = cross.loc[has, "o_accel"]
        cross["accel_count"] = cross["o_count"].where(cross["o_count"].notna(), cross["accel_count"])
        cross["runtime_h"] = cross["o_runtime"].where(cross["o_runtime"].notna(), cross["runtime_h"])
        cross["it_mw_override"] = cross["o_it"]
        cross["fixed_cost_cny"] = cross["o_fixed"]
    kw = dict(zip(scenario.accelerators["accel_id"], scenario.accelerators["kw_per_accel"], strict=True))
    it_mw = cross["accel_count"].astype(float) * cross["accel_id"].map(kw).astype(float) / 1000.0
    cross["it_mw"] = cross["it_mw_override"].where(cross["it_mw_override"].notna(), it_mw)
    cross["accel_count"] = cross["accel_count"].astype(int)
    cross["runtime_h"] = cross["runtime_h"].astype(float)
    cross["meter_mw"] = cross["it_mw"] * cross["pue"]
    cross["energy_mwh"] = cross["it_mw"] * cross["runtime_h"] * cross["pue"]
    ha = scenario.hub_accelerators
    subsidy = dict(zip(zip(ha["hub_id"], ha["accel_id"], strict=True), ha["energy_subsidy_share"], strict=True))
    cross["subsidy_share"] = [
        float(subsidy.get((h, k), 0.0)) for h, k in zip(cross["hub_id"], cross["accel_id"], strict=True)
    ]
    cross["carbon_t"] = cross["energy_mwh"] * cross["carbon_kg_per_kwh"]
    columns = [
        "group_id",
        "hub_id",
        "dataset_id",
        "size",
        "accel_id",
        "accel_count",
        "it_mw",
        "meter_mw",
        "runtime_h",
        "energy_mwh",
        "subsidy_share",
        "fixed_cost_cny",
        "carbon_t",
    ]
    return cross[columns]


def energy_cost_cny(pairs: pd.DataFrame, price_cny_per_kwh: dict[str, float]) -> pd.Series:
    """Energy cost of each (job, hub) pair at the given hub prices."""
    price = pairs["hub_id"].map(price_cny_per_kwh)
    derived = pairs["energy_mwh"] * 1000.0 * price * (1.0 - pairs["subsidy_share"])
    return derived.where(pairs["fixed_cost_cny"].isna(), pairs["fixed_cost_cny"])


def prepare(scenario: Scenario, network: Network, *, elastic: bool = False, aggregate: bool = True) -> ModelData:
    """Derive the model's sets and coefficients from a validated scenario.

    Identical jobs are gathered into groups (:func:`job_groups`) unless ``aggregate=False``.
    With ``elastic=True`` the latency bounds do not prune (group, hub) pairs; each pair records
    instead by how many milliseconds its fastest route to a serving hub exceeds the bound
    (``latency_excess_ms``), which the elastic model penalises.
    """
    hubs = scenario.hubs
    allowed, zone_of, staging_ok = localization(scenario)
    groups = job_groups(scenario, aggregate=aggregate)
    pairs = job_hub_pairs(scenario, allowed, groups)
    pairs, routes, group_jobs = artifact_routes(scenario, network, groups, pairs, elastic=elastic)
    replica_hubs, staging_hubs, dataset_regions = dataset_hubs(scenario, allowed, staging_ok)
    commodities = traffic_commodities(scenario, network, allowed, zone_of, replica_hubs, staging_hubs)
    ds = scenario.datasets.set_index("dataset_id")
    arcs_df = network.arcs
    ha = scenario.hub_accelerators
    inventory = {(h, k): float(c) for h, k, c in zip(ha["hub_id"], ha["accel_id"], ha["count"], strict=True)}
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
        price_cny_per_kwh=by_hub("price_cny_per_kwh"),
        grid_mw=by_hub("grid_mw"),
        storage_tb=by_hub("storage_tb"),
        carbon_kg_per_kwh=by_hub("carbon_kg_per_kwh"),
        storage_price_cny_per_tb_month=by_hub("storage_price_cny_per_tb_month"),
        storage_months=scenario.storage_months,
        inventory=inventory,
        arcs=list(arcs_df.index),
        arc_capacity_tb=arcs_df["capacity_tb"].to_dict(),
        arc_cost_cny_per_tb=arcs_df["cost_cny_per_tb"].to_dict(),
        pairs=pairs,
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
        artifact_routes=routes,
        artifact_jobs=group_jobs,
        artifact_tb=dict(zip(groups["group_id"], groups["artifact_tb"].astype(float), strict=True)),
        carbon_price_cny_per_t=scenario.carbon_price_cny_per_t,
        carbon_budget_t=scenario.carbon_budget_t,
        zones={zone_of[d]: allowed[d] for d in ds.index},
    )


def artifact_routes(
    scenario: Scenario, network: Network, groups: pd.DataFrame, pairs: pd.DataFrame, *, elastic: bool
) -> tuple[pd.DataFrame, dict[ArtifactGroup, list[Route]], dict[ArtifactGroup, list[str]]]:
    """Candidate artifact routes within each job's latency bound, and the pairs that have them.

    A (group, hub) pair stays only if every serving hub of the group has a route from the hub
    within the bound (elastic: any route, the excess recorded). Returns the pairs kept (with
    ``latency_excess_ms`` and ``max_latency_ms``), the routes of each artifact group
    (training hub, serving hub, bound) and the job groups whose artifacts each carries.
    """
    serving = dict(zip(groups["group_id"], groups["serving_hubs"], strict=True))
    bound_of = {
        g: (float(b) if not is_missing(b) else math.inf)
        for g, b in zip(groups["group_id"], groups["max_latency_ms"], strict=True)
    }
    artifact_tb = dict(zip(groups["group_id"], groups["artifact_tb"].astype(float), strict=True))
    routes: dict[ArtifactGroup, list[Route]] = {}
    group_jobs: dict[ArtifactGroup, list[str]] = defaultdict(list)
    keep, excess, bounds = [], [], []
    for g, h in zip(pairs["group_id"], pairs["hub_id"], strict=True):
        bound = bound_of[g]
        bounds.append(bound)
        worst = 0.0
        if elastic:
            for t in serving[g]:
                worst = max(worst, network.fastest_latency_ms(h, t) - bound)
            bound = math.inf
        excess.append(worst if math.isfinite(worst) else 0.0)
        keys = [(h, t, bound) for t in serving[g] if t != h]
        for key in keys:
            if key not in routes:
                routes[key] = network.candidate_routes(key[0], key[1], bound, scenario.artifact_paths_k)
        ok = all(routes[key] for key in keys)
        keep.append(ok)
        if ok and artifact_tb[g] > 0:
            for key in keys:
                group_jobs[key].append(g)
    pairs["latency_excess_ms"] = excess
    pairs["max_latency_ms"] = bounds
    pairs = pairs.loc[keep].reset_index(drop=True)
    return pairs, {k: v for k, v in routes.items() if k in group_jobs}, dict(group_jobs)


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
