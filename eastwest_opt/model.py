"""The placement MIP in Pyomo: one function per constraint family.

The whole formulation reads on one screen in :func:`build_model`. Each ``add_*`` function
states its mathematics in its docstring with the symbols of ``models/placement.md``, and
returns early when its index is empty. Hub prices, grid allocations, storage, accelerator
inventories, link capacities, the carbon price and the carbon budget are mutable
parameters, so a what-if variant that changes only numbers re-solves the same model.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from eastwest_opt.network import route_arcs
from eastwest_opt.prepare import ModelData, arcs_of_routes

BIG_BUDGET_T = 1e15  # carbon budget used when none is set (the constraint is then slack)
# Weight of leaving a must-place job unplaced in the elastic model, against relative slacks.
UNPLACED_MUST_WEIGHT = 1000.0


def build_model(data: ModelData, *, elastic: bool = False) -> pyo.ConcreteModel:
    """Build the placement model from prepared data.

    With ``elastic=True`` the capacity, replica, latency and carbon families get non-negative
    slack variables and the objective minimises the weighted relaxation instead of cost: the
    smallest change to the scenario that would make it feasible (see ``explain.py``).
    """
    m = pyo.ConcreteModel(name="eastwest-placement")
    m._data = data
    m._elastic = elastic
    m._slacks = {}
    add_sets_and_parameters(m, data)
    add_variables(m, data)
    add_assignment(m, data)
    add_durable_replicas(m, data)
    add_staging(m, data)
    add_hub_power(m, data)
    add_accelerator_inventory(m, data)
    add_storage(m, data)
    add_flow_conservation(m, data)
    add_link_capacity(m, data)
    add_artifact_delivery(m, data)
    add_carbon_budget(m, data)
    add_objective(m, data)
    return m


def _slack(m: pyo.ConcreteModel, family: str, index: list, weight: dict | float) -> pyo.Var | None:
    """In the elastic model, a slack variable s >= 0 per index of a family, with its weights."""
    if not m._elastic or not index:
        return None
    var = pyo.Var(pyo.Set(initialize=index, ordered=True, dimen=None), domain=pyo.NonNegativeReals)
    m.add_component(f"slack_{family}", var)
    weights = weight if isinstance(weight, dict) else dict.fromkeys(index, weight)
    m._slacks[family] = (var, weights)
    return var


def _relative(capacity: float) -> float:
    """Weight of one unit of slack: relative to the capacity it relaxes (at least 1 unit)."""
    return 1.0 / max(float(capacity), 1.0)


def add_sets_and_parameters(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Sparse index sets and mutable parameters."""
    m.H = pyo.Set(initialize=data.hubs, ordered=True)
    m.A = pyo.Set(initialize=data.arcs, dimen=2, ordered=True)
    m.J = pyo.Set(initialize=data.jobs, ordered=True)
    m.JU = pyo.Set(initialize=sorted(data.unplaceable_penalty), ordered=True)
    m.D = pyo.Set(initialize=data.datasets, ordered=True)
    m.JH = pyo.Set(initialize=data.jh, dimen=2, ordered=True)
    m.DH = pyo.Set(initialize=[(d, h) for d in data.datasets for h in data.replica_hubs[d]], dimen=2, ordered=True)
    m.DS = pyo.Set(initialize=[(d, h) for d in data.datasets for h in data.staging_hubs[d]], dimen=2, ordered=True)
    m.DG = pyo.Set(
        initialize=[(d, g) for d, regions in data.dataset_regions.items() for g in regions],
        dimen=2,
        ordered=True,
    )
    # staging transfers q[d, r, h]: from a replica hub r to a staging hub h
    m.DRH = pyo.Set(
        initialize=[(d, r, h) for (d, h) in m.DS for r in data.replica_hubs[d] if r != h],
        dimen=3,
        ordered=True,
    )
    commodities = list(data.commodities)
    m._commodities = commodities
    m.C = pyo.Set(initialize=range(len(commodities)), ordered=True)
    m.CA = pyo.Set(
        initialize=[(c, u, v) for c, key in enumerate(commodities) for (u, v) in data.commodities[key]],
        dimen=3,
        ordered=True,
    )
    groups = list(data.artifact_routes)
    m._groups = groups
    m.G = pyo.Set(initialize=range(len(groups)), ordered=True)
    m.GP = pyo.Set(
        initialize=[(g, p) for g, key in enumerate(groups) for p in range(len(data.artifact_routes[key]))],
        dimen=2,
        ordered=True,
    )
    accel_hub = sorted({(h, k) for h, k in zip(data.pairs["hub_id"], data.pairs["accel_id"], strict=True)})
    m.HK = pyo.Set(initialize=accel_hub, dimen=2, ordered=True)

    m.price = pyo.Param(m.H, initialize=data.price_cny_per_kwh, mutable=True)
    m.grid_mw = pyo.Param(m.H, initialize=data.grid_mw, mutable=True)
    m.storage_tb = pyo.Param(m.H, initialize=data.storage_tb, mutable=True)
    m.storage_price = pyo.Param(m.H, initialize=data.storage_price_cny_per_tb_month, mutable=True)
    m.inventory = pyo.Param(m.HK, initialize={hk: data.inventory.get(hk, 0.0) for hk in accel_hub}, mutable=True)
    m.cap_tb = pyo.Param(m.A, initialize=data.arc_capacity_tb, mutable=True)
    m.arc_cost = pyo.Param(m.A, initialize=data.arc_cost_cny_per_tb, mutable=True)
    m.carbon_price = pyo.Param(initialize=data.carbon_price_cny_per_t, mutable=True)
    budget = data.carbon_budget_t if data.carbon_budget_t is not None else BIG_BUDGET_T
    m.carbon_budget = pyo.Param(initialize=budget, mutable=True)


def add_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """x[j,h] in {0..n_j}, u[j] in {0..n_j} (binary for a single job); y[d,h], s[d,h], z[d,g]
    binary; q[d,r,h], f[c,a], w[g,p] >= 0 (TB). Here j is a group of n_j identical jobs."""
    size = data.group_size

    def count_domain(m: pyo.ConcreteModel, j: str, *_h: str) -> object:
        return pyo.Binary if size[j] == 1 else pyo.NonNegativeIntegers

    def count_bounds(m: pyo.ConcreteModel, j: str, *_h: str) -> tuple[int, int]:
        return (0, size[j])

    m.x = pyo.Var(m.JH, domain=count_domain, bounds=count_bounds)
    m.u = pyo.Var(m.JU, domain=count_domain, bounds=count_bounds)
    m.y = pyo.Var(m.DH, domain=pyo.Binary)
    m.s = pyo.Var(m.DS, domain=pyo.Binary)
    m.z = pyo.Var(m.DG, domain=pyo.Binary)
    m.q = pyo.Var(m.DRH, domain=pyo.NonNegativeReals)
    m.f = pyo.Var(m.CA, domain=pyo.NonNegativeReals)
    m.w = pyo.Var(m.GP, domain=pyo.NonNegativeReals)
    for d in data.datasets:
        m.y[d, data.origin[d]].setlb(1)


def add_assignment(m: pyo.ConcreteModel, data: ModelData) -> None:
    """assignment: every job trains at exactly one allowed hub or is left unplaced.

    sum_{h : (j,h) in JH} x[j,h] + u[j] = n_j      for all j in J   (u[j] exists for j in J_U)

    j is a group of n_j identical jobs (n_j = 1 for a job with no twin).
    """
    hubs_of: dict[str, list[str]] = defaultdict(list)
    for j, h in m.JH:
        hubs_of[j].append(h)
    unplaced = set(m.JU)
    must = [j for j in data.jobs if j not in unplaced]
    slack = _slack(m, "unplaced", must, UNPLACED_MUST_WEIGHT)

    def rule(m: pyo.ConcreteModel, j: str) -> object:
        terms = [m.x[j, h] for h in hubs_of[j]]
        if j in unplaced:
            terms.append(m.u[j])
        elif slack is not None:
            terms.append(slack[j])
        if not terms:
            return pyo.Constraint.Infeasible
        return sum(terms) == data.group_size[j]

    m.assignment = pyo.Constraint(m.J, rule=rule)


def add_durable_replicas(m: pyo.ConcreteModel, data: ModelData) -> None:
    """durable_replicas: count, origin and spread over grid regions.

    y[d,o(d)] = 1                                        (origin keeps a replica)
    sum_h y[d,h] >= r_d                                  (replica_count)
    z[d,g] <= sum_{h in H_g} y[d,h]                      (region_cover)
    sum_g z[d,g] >= g_d          for d with g_d >= 2     (region_spread)
    """
    hubs_of: dict[str, list[str]] = defaultdict(list)
    for d, h in m.DH:
        hubs_of[d].append(h)
    sr = _slack(m, "replicas", list(data.datasets), 1.0)
    m.replica_count = pyo.Constraint(
        m.D,
        rule=lambda m, d: sum(m.y[d, h] for h in hubs_of[d]) + (sr[d] if sr is not None else 0) >= data.min_replicas[d],
    )
    if not len(m.DG):
        return
    sg = _slack(m, "regions", list(data.dataset_regions), 1.0)
    m.region_cover = pyo.Constraint(
        m.DG,
        rule=lambda m, d, g: m.z[d, g] <= sum(m.y[d, h] for h in hubs_of[d] if data.hub_region[h] == g),
    )
    m.region_spread = pyo.Constraint(
        list(data.dataset_regions),
        rule=lambda m, d: (
            sum(m.z[d, g] for g in data.dataset_regions[d]) + (sg[d] if sg is not None else 0)
            >= data.min_grid_regions[d]
        ),
    )


def add_staging(m: pyo.ConcreteModel, data: ModelData) -> None:
    """staging: a job trains only where its data is; a staged copy comes from a replica hub.

    x[j,h] <= n_j * (y[d(j),h] + s[d(j),h])              (data_gravity; s only where allowed)
    sum_{r != h} q[d,r,h] = size_d * s[d,h]              (staging_supply)
    q[d,r,h] <= size_d * y[d,r]                          (staging_source)
    """
    staged = set(m.DS)

    def gravity(m: pyo.ConcreteModel, j: str, h: str) -> object:
        d = data.job_dataset[j]
        rhs = m.y[d, h] + (m.s[d, h] if (d, h) in staged else 0)
        return m.x[j, h] <= data.group_size[j] * rhs

    m.data_gravity = pyo.Constraint(m.JH, rule=gravity)
    if not len(m.DS):
        return
    sources: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d, r, h in m.DRH:
        sources[d, h].append(r)
    m.staging_supply = pyo.Constraint(
        m.DS,
        rule=lambda m, d, h: sum(m.q[d, r, h] for r in sources[d, h]) == data.size_tb[d] * m.s[d, h],
    )
    m.staging_source = pyo.Constraint(m.DRH, rule=lambda m, d, r, h: m.q[d, r, h] <= data.size_tb[d] * m.y[d, r])


def add_hub_power(m: pyo.ConcreteModel, data: ModelData) -> None:
    """hub_power: IT load times PUE fits the hub's grid allocation for new AI load.

    sum_j it_mw[j,h] * pue[h] * x[j,h] <= grid_mw[h]      for all h
    """
    terms: dict[str, list[tuple[tuple[str, str], float]]] = defaultdict(list)
    for row in data.pairs.itertuples(index=False):
        terms[row.hub_id].append(((row.group_id, row.hub_id), row.meter_mw))
    index = [h for h in data.hubs if terms[h]]
    sp = _slack(m, "power", index, {h: _relative(data.grid_mw[h]) for h in index})
    m.hub_power = pyo.Constraint(
        index,
        rule=lambda m, h: sum(c * m.x[jh] for jh, c in terms[h]) <= m.grid_mw[h] + (sp[h] if sp is not None else 0),
    )


def add_accelerator_inventory(m: pyo.ConcreteModel, data: ModelData) -> None:
    """accelerator_inventory: accelerators of each type in use fit the hub's inventory.

    sum_{j : k(j,h) = k} n[j,h] * x[j,h] <= inventory[h,k]      for all (h,k)
    """
    terms: dict[tuple[str, str], list[tuple[tuple[str, str], int]]] = defaultdict(list)
    for row in data.pairs.itertuples(index=False):
        terms[row.hub_id, row.accel_id].append(((row.group_id, row.hub_id), row.accel_count))
    index = list(m.HK)
    sa = _slack(m, "accelerators", index, {hk: _relative(data.inventory.get(hk, 0.0)) for hk in index})
    m.accelerator_inventory = pyo.Constraint(
        m.HK,
        rule=lambda m, h, k: (
            sum(n * m.x[jh] for jh, n in terms[h, k]) <= m.inventory[h, k] + (sa[h, k] if sa is not None else 0)
        ),
    )


def add_storage(m: pyo.ConcreteModel, data: ModelData) -> None:
    """storage: durable replicas and staged copies fit the hub's storage.

    sum_d size_d * (y[d,h] + s[d,h]) <= storage_tb[h]      for all h
    """
    terms: dict[str, list[object]] = defaultdict(list)
    for d, h in m.DH:
        terms[h].append(data.size_tb[d] * m.y[d, h])
    for d, h in m.DS:
        terms[h].append(data.size_tb[d] * m.s[d, h])
    index = [h for h in data.hubs if terms[h]]
    ss = _slack(m, "storage", index, {h: _relative(data.storage_tb[h]) for h in index})
    m.storage = pyo.Constraint(
        index, rule=lambda m, h: sum(terms[h]) <= m.storage_tb[h] + (ss[h] if ss is not None else 0)
    )


def add_flow_conservation(m: pyo.ConcreteModel, data: ModelData) -> None:
    """flow_conservation: replication and staging traffic, one commodity per (kind, source, zone).

    For commodity c = (kind, s, zone) and every hub n != s of the zone:

        sum_{(i,n)} f[c,i,n] - sum_{(n,i)} f[c,n,i] = demand[c,n]

    with demand[c,n] = sum_{d : o(d)=s, zone(d)=zone} size_d * y[d,n] for replication and
    demand[c,n] = sum_{d : zone(d)=zone} q[d,s,n] for staging. Arcs outside the zone carry
    no flow of c (localization). A replica or staged copy whose zone offers no commodity
    (no arc at all) is fixed to zero.
    """
    into: dict[tuple[int, str], list[tuple[int, str, str]]] = defaultdict(list)
    out: dict[tuple[int, str], list[tuple[int, str, str]]] = defaultdict(list)
    nodes: dict[int, set[str]] = defaultdict(set)
    for c, u, v in m.CA:
        out[c, u].append((c, u, v))
        into[c, v].append((c, u, v))
        nodes[c].update((u, v))
    demand: dict[tuple[int, str], list[object]] = defaultdict(list)
    index = {key: c for c, key in enumerate(m._commodities)}
    for d, h in m.DH:
        o = data.origin[d]
        if h == o:
            continue
        c = index.get(("replication", o, data.dataset_zone[d]))
        if c is None:
            m.y[d, h].fix(0)  # no arc inside the zone: the replica cannot be made
            continue
        demand[c, h].append(data.size_tb[d] * m.y[d, h])
    for d, r, h in m.DRH:
        c = index.get(("staging", r, data.dataset_zone[d]))
        if c is None:
            m.q[d, r, h].fix(0)
            continue
        demand[c, h].append(m.q[d, r, h])
    rows = []
    for c, key in enumerate(m._commodities):
        source = key[1]
        for n in sorted(nodes[c] | {h for (cc, h) in demand if cc == c}):
            if n != source:
                rows.append((c, n))

    def rule(m: pyo.ConcreteModel, c: int, n: str) -> object:
        inflow = sum(m.f[a] for a in into[c, n])
        outflow = sum(m.f[a] for a in out[c, n])
        need = sum(demand[c, n]) if demand[c, n] else 0
        if isinstance(inflow, int) and isinstance(outflow, int) and isinstance(need, int):
            return pyo.Constraint.Skip
        return inflow - outflow == need

    m.CN = pyo.Set(initialize=rows, dimen=2, ordered=True)
    m.flow_conservation = pyo.Constraint(m.CN, rule=rule)


def add_link_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """link_capacity: all traffic on an arc fits its capacity over the window.

    sum_c f[c,a] + sum_{(g,p) : a in route(g,p)} w[g,p] <= cap_tb[a]
    cap_tb[a] = capacity_gbps[a] * window_h * 0.45                  for all arcs a
    """
    flows: dict[tuple[str, str], list[object]] = defaultdict(list)
    for c, u, v in m.CA:
        flows[u, v].append(m.f[c, u, v])
    group_index = {key: g for g, key in enumerate(m._groups)}
    for arc, uses in arcs_of_routes(data.artifact_routes).items():
        for key, p in uses:
            flows[arc].append(m.w[group_index[key], p])
    m.AL = pyo.Set(initialize=[a for a in m.A if flows[a]], dimen=2, ordered=True)
    index = list(m.AL)
    sl = _slack(m, "links", index, {a: _relative(data.arc_capacity_tb[a]) for a in index})
    m.link_capacity = pyo.Constraint(
        m.AL, rule=lambda m, u, v: sum(flows[u, v]) <= m.cap_tb[u, v] + (sl[u, v] if sl is not None else 0)
    )


def add_artifact_delivery(m: pyo.ConcreteModel, data: ModelData) -> None:
    """artifact_delivery: trained artifacts reach every serving hub within the latency bound.

    Group g = (training hub h, serving hub t, bound b) gathers the jobs with t among their
    serving hubs and latency bound b; its candidate routes P_g have latency <= b.

        sum_{p in P_g} w[g,p] = sum_{j in J_g} artifact_tb[j] * x[j,h]      for all g
    """
    if not len(m.G):
        return

    def rule(m: pyo.ConcreteModel, g: int) -> object:
        h, _t, _b = m._groups[g]
        key = m._groups[g]
        routes = data.artifact_routes[key]
        return sum(m.w[g, p] for p in range(len(routes))) == sum(
            data.artifact_tb[j] * m.x[j, h] for j in data.artifact_jobs[key]
        )

    m.artifact_delivery = pyo.Constraint(m.G, rule=rule)


def add_carbon_budget(m: pyo.ConcreteModel, data: ModelData) -> None:
    """carbon_budget: total emissions of training energy stay within the budget, if one is set.

    sum_{(j,h)} carbon_t[j,h] * x[j,h] <= budget_t
    """
    m.emissions_t = pyo.Expression(
        expr=sum(row.carbon_t * m.x[row.group_id, row.hub_id] for row in data.pairs.itertuples(index=False))
    )
    if data.carbon_budget_t is None:
        return
    sc = _slack(m, "carbon", [0], _relative(data.carbon_budget_t))
    m.carbon_budget_limit = pyo.Constraint(expr=m.emissions_t <= m.carbon_budget + (sc[0] if sc is not None else 0))


def add_objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    """objective: total cost in CNY, each term its own expression.

    energy   = sum_{(j,h)} E[j,h] * 1000 * price[h] * (1 - subsidy[h,k(j,h)]) * x[j,h]
               (or the override's fixed cost F[j,h] * x[j,h])
    carbon   = carbon_price * sum_{(j,h)} carbon_t[j,h] * x[j,h]
    storage  = months * sum_h storage_price[h] * sum_d size_d * (y[d,h] + s[d,h])
    transfer = sum_a cost[a] * (sum_c f[c,a] + sum_{(g,p) : a in p} w[g,p])
    unplaced = sum_j penalty_j * u[j]
    """
    energy_terms = []
    for row in data.pairs.itertuples(index=False):
        x = m.x[row.group_id, row.hub_id]
        if row.fixed_cost_cny == row.fixed_cost_cny:  # not NaN: negotiated fixed cost
            energy_terms.append(row.fixed_cost_cny * x)
        else:
            coef = row.energy_mwh * 1000.0 * (1.0 - row.subsidy_share)
            energy_terms.append(coef * m.price[row.hub_id] * x)
    m.cost_energy = pyo.Expression(expr=sum(energy_terms))
    m.cost_carbon = pyo.Expression(expr=m.carbon_price * m.emissions_t)
    months = data.storage_months
    m.cost_storage = pyo.Expression(
        expr=months * sum(m.storage_price[h] * data.size_tb[d] * m.y[d, h] for d, h in m.DH)
        + months * sum(m.storage_price[h] * data.size_tb[d] * m.s[d, h] for d, h in m.DS)
    )
    transfer = [m.arc_cost[u, v] * m.f[c, u, v] for c, u, v in m.CA]
    for g, p in m.GP:
        route = data.artifact_routes[m._groups[g]][p]
        for u, v in route_arcs(route):
            transfer.append(m.arc_cost[u, v] * m.w[g, p])
    m.cost_transfer = pyo.Expression(expr=sum(transfer))
    m.cost_unplaced = pyo.Expression(expr=sum(data.unplaceable_penalty[j] * m.u[j] for j in m.JU))
    total_cost = m.cost_energy + m.cost_carbon + m.cost_storage + m.cost_transfer + m.cost_unplaced
    if not m._elastic:
        m.objective = pyo.Objective(expr=total_cost, sense=pyo.minimize)
        return
    # elastic: minimise the weighted relaxation; latency excess of a chosen (job, hub) counts too
    relax = [w * var[i] for var, weights in m._slacks.values() for i, w in weights.items()]
    for row in data.pairs.itertuples(index=False):
        if row.latency_excess_ms > 0:
            relax.append(row.latency_excess_ms / row.max_latency_ms * m.x[row.group_id, row.hub_id])
    m.objective = pyo.Objective(expr=sum(relax), sense=pyo.minimize)
