"""The peer: the same placement model written in PuLP and solved by CBC.

PuLP with the CBC binary that ships in its wheel is the stack of today's best-known open
placement optimiser. This module writes the model of ``models/placement.md`` in idiomatic PuLP
(``LpVariable.dicts``, ``lpSum``), from the output of ``eastwest_opt.model.data.prepare`` (with
``aggregate=False``: the plain model, one binary ``x`` per allowed (job, hub)), and solves it
with ``PULP_CBC_CMD``. Needs ``pip install ".[bench]"``.

    data = prepare(scenario, build_network(scenario), aggregate=False)
    result = solve_pulp(data, time_limit_s=120, mip_rel_gap=1e-3, threads=2)
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pulp

from eastwest_opt.model.data import ModelData, carbon_t, energy_cost_cny
from eastwest_opt.scenario.network import route_arcs


@dataclass
class PeerResult:
    """Outcome of a PuLP + CBC solve, with the seconds of each step."""

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    timings: dict[str, float]


def build_pulp(data: ModelData) -> pulp.LpProblem:
    """The placement model of ``data`` as a PuLP problem."""
    prob = pulp.LpProblem("eastwest_placement", pulp.LpMinimize)
    jh = list(zip(data.pairs["group_id"], data.pairs["hub_id"], strict=True))
    size = data.group_size
    x = {}
    for i, (j, h) in enumerate(jh):
        cat = pulp.LpBinary if size[j] == 1 else pulp.LpInteger
        x[j, h] = pulp.LpVariable(f"x_{i}", lowBound=0, upBound=size[j], cat=cat)
    unplaced = sorted(data.unplaceable_penalty)
    u = {
        j: pulp.LpVariable(f"u_{i}", 0, size[j], pulp.LpBinary if size[j] == 1 else pulp.LpInteger)
        for i, j in enumerate(unplaced)
    }
    dh = [(d, h) for d in data.datasets for h in data.replica_hubs[d]]
    ds = [(d, h) for d in data.datasets for h in data.staging_hubs[d]]
    dg = [(d, g) for d, regions in data.dataset_regions.items() for g in regions]
    drh = [(d, r, h) for (d, h) in ds for r in data.replica_hubs[d] if r != h]
    y = {key: pulp.LpVariable(f"y_{i}", cat=pulp.LpBinary) for i, key in enumerate(dh)}
    s = {key: pulp.LpVariable(f"s_{i}", cat=pulp.LpBinary) for i, key in enumerate(ds)}
    z = {key: pulp.LpVariable(f"z_{i}", cat=pulp.LpBinary) for i, key in enumerate(dg)}
    q = {key: pulp.LpVariable(f"q_{i}", lowBound=0) for i, key in enumerate(drh)}
    commodities = list(data.commodities)
    ca = [(c, a) for c, key in enumerate(commodities) for a in data.commodities[key]]
    f = {key: pulp.LpVariable(f"f_{i}", lowBound=0) for i, key in enumerate(ca)}
    groups = list(data.artifact_routes)
    gp = [(g, p) for g, key in enumerate(groups) for p in range(len(data.artifact_routes[key]))]
    w = {key: pulp.LpVariable(f"w_{i}", lowBound=0) for i, key in enumerate(gp)}
    for d in data.datasets:
        y[d, data.origin[d]].lowBound = 1

    # objective
    pairs = data.pairs
    energy = energy_cost_cny(data)  # one-window scenarios: one row per (job, hub)
    emissions = carbon_t(data)
    carbon = data.carbon_price_cny_per_t * emissions
    months = data.storage_months
    price = data.storage_price_cny_per_tb_month
    transfer = [data.arc_cost_cny_per_tb[a] * f[c, a] for c, a in ca]
    for g, p in gp:
        cost = sum(data.arc_cost_cny_per_tb[a] for a in route_arcs(data.artifact_routes[groups[g]][p]))
        transfer.append(cost * w[g, p])
    prob += (
        pulp.lpSum(
            (e + c) * x[j, h] for j, h, e, c in zip(pairs["group_id"], pairs["hub_id"], energy, carbon, strict=True)
        )
        + pulp.lpSum(months * price[h] * data.size_tb[d] * y[d, h] for d, h in dh)
        + pulp.lpSum(months * price[h] * data.size_tb[d] * s[d, h] for d, h in ds)
        + pulp.lpSum(transfer)
        + pulp.lpSum(data.unplaceable_penalty[j] * u[j] for j in unplaced)
    )

    # assignment
    hubs_of: dict[str, list[str]] = defaultdict(list)
    for j, h in jh:
        hubs_of[j].append(h)
    for i, j in enumerate(data.jobs):
        prob += pulp.lpSum(x[j, h] for h in hubs_of[j]) + (u[j] if j in u else 0) == size[j], f"assign_{i}"
    # durable_replicas
    replica_hubs: dict[str, list[str]] = defaultdict(list)
    for d, h in dh:
        replica_hubs[d].append(h)
    for i, d in enumerate(data.datasets):
        prob += pulp.lpSum(y[d, h] for h in replica_hubs[d]) >= data.min_replicas[d], f"replicas_{i}"
    for i, (d, g) in enumerate(dg):
        prob += z[d, g] <= pulp.lpSum(y[d, h] for h in replica_hubs[d] if data.hub_region[h] == g), f"cover_{i}"
    for i, (d, regions) in enumerate(data.dataset_regions.items()):
        prob += pulp.lpSum(z[d, g] for g in regions) >= data.min_grid_regions[d], f"spread_{i}"
    # staging
    staged = set(ds)
    for i, (j, h) in enumerate(jh):
        d = data.job_dataset[j]
        rhs = y[d, h] + s[d, h] if (d, h) in staged else y[d, h]
        prob += x[j, h] <= size[j] * rhs, f"gravity_{i}"
    sources: dict[tuple[str, str], list[str]] = defaultdict(list)
    for d, r, h in drh:
        sources[d, h].append(r)
    for i, (d, h) in enumerate(ds):
        prob += pulp.lpSum(q[d, r, h] for r in sources[d, h]) == data.size_tb[d] * s[d, h], f"supply_{i}"
    for i, (d, r, h) in enumerate(drh):
        prob += q[d, r, h] <= data.size_tb[d] * y[d, r], f"source_{i}"
    # hub_power and accelerator_inventory
    power: dict[str, list] = defaultdict(list)
    accel: dict[tuple[str, str], list] = defaultdict(list)
    for j, h, k, mw, n in zip(
        pairs["group_id"], pairs["hub_id"], pairs["accel_id"], pairs["meter_mw"], pairs["accel_count"], strict=True
    ):
        power[h].append(mw * x[j, h])
        accel[h, k].append(int(n) * x[j, h])
    for i, h in enumerate(data.hubs):
        if power[h]:
            prob += pulp.lpSum(power[h]) <= data.grid_mw(h), f"power_{i}"
    for i, (h, k) in enumerate(sorted(accel)):
        prob += pulp.lpSum(accel[h, k]) <= data.inventory.get((h, k), 0.0), f"accel_{i}"
    # storage
    store: dict[str, list] = defaultdict(list)
    for d, h in dh:
        store[h].append(data.size_tb[d] * y[d, h])
    for d, h in ds:
        store[h].append(data.size_tb[d] * s[d, h])
    for i, h in enumerate(data.hubs):
        if store[h]:
            prob += pulp.lpSum(store[h]) <= data.storage[h, data.periods[0]], f"storage_{i}"
    # flow_conservation
    index = {key: c for c, key in enumerate(commodities)}
    into: dict[tuple[int, str], list] = defaultdict(list)
    out: dict[tuple[int, str], list] = defaultdict(list)
    nodes: dict[int, set[str]] = defaultdict(set)
    for c, (a, b) in ca:
        out[c, a].append(f[c, (a, b)])
        into[c, b].append(f[c, (a, b)])
        nodes[c].update((a, b))
    demand: dict[tuple[int, str], list] = defaultdict(list)
    for d, h in dh:
        o = data.origin[d]
        if h == o:
            continue
        c = index.get(("replication", o, data.dataset_zone[d]))
        if c is None:
            y[d, h].upBound = 0
            continue
        demand[c, h].append(data.size_tb[d] * y[d, h])
    for d, r, h in drh:
        c = index.get(("staging", r, data.dataset_zone[d]))
        if c is None:
            q[d, r, h].upBound = 0
            continue
        demand[c, h].append(q[d, r, h])
    for c, key in enumerate(commodities):
        for i, n in enumerate(sorted(nodes[c] | {h for (cc, h) in demand if cc == c})):
            if n == key[1] or not (into[c, n] or out[c, n] or demand[c, n]):
                continue
            prob += (
                pulp.lpSum(into[c, n]) - pulp.lpSum(out[c, n]) - pulp.lpSum(demand[c, n]) == 0,
                f"flow_{c}_{i}",
            )
    # link_capacity
    load: dict[tuple[str, str], list] = defaultdict(list)
    for c, a in ca:
        load[a].append(f[c, a])
    group_index = {key: g for g, key in enumerate(groups)}
    for a, uses in _arcs_of_routes(data).items():
        for key, p in uses:
            load[a].append(w[group_index[key], p])
    for i, a in enumerate(data.arcs):
        if load[a]:
            prob += pulp.lpSum(load[a]) <= data.arc_capacity[a, data.periods[0]], f"link_{i}"
    # artifact_delivery
    for g, key in enumerate(groups):
        h = key[0]
        prob += (
            pulp.lpSum(w[g, p] for p in range(len(data.artifact_routes[key])))
            == pulp.lpSum(data.artifact_tb[j] * x[j, h] for j in data.artifact_jobs[key]),
            f"artifact_{g}",
        )
    # carbon_budget
    if data.carbon_budget_t is not None:
        prob += (
            pulp.lpSum(c * x[j, h] for j, h, c in zip(pairs["group_id"], pairs["hub_id"], emissions, strict=True))
            <= data.carbon_budget_t,
            "carbon_budget",
        )
    return prob


_LOG_FIELDS = {
    "objective": re.compile(r"^Objective value:\s+(\S+)", re.M),
    "bound": re.compile(r"^Lower bound:\s+(\S+)", re.M),
    "gap": re.compile(r"^Gap:\s+(\S+)", re.M),
    "cbc_s": re.compile(r"^Time \(Wallclock seconds\):\s+(\S+)", re.M),
    "result": re.compile(r"^Result - (.+)$", re.M),
}


def _parse_log(text: str) -> dict[str, str]:
    found = {}
    for name, pattern in _LOG_FIELDS.items():
        matches = pattern.findall(text)
        if matches:
            found[name] = matches[-1].strip()
    return found


def _num(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


def solve_pulp(
    data: ModelData,
    *,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
) -> PeerResult:
    """Build the model in PuLP and solve it with the CBC that ships with PuLP."""
    t0 = time.perf_counter()
    prob = build_pulp(data)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="peer-pulp-") as tmp:
        log = Path(tmp) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(
            msg=False, timeLimit=time_limit_s, gapRel=mip_rel_gap, threads=threads, logPath=str(log)
        )
        prob.solve(solver)
        t2 = time.perf_counter()
        parsed = _parse_log(log.read_text(errors="replace")) if log.exists() else {}
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = float(pulp.value(prob.objective)) if has_solution else None
    bound = _num(parsed.get("bound"))
    if bound is None and prob.sol_status == pulp.LpSolutionOptimal and objective is not None:
        bound = _num(parsed.get("objective")) or objective
        # CBC prints no separate lower bound when it proves optimality within the gap
        gap_text = _num(parsed.get("gap"))
        if gap_text is not None:
            bound = objective - gap_text * abs(objective)
    gap = None
    if objective is not None and bound is not None:
        gap = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    status = parsed.get("result") or pulp.LpStatus[prob.status]
    timings = {"build_s": t1 - t0, "solve_s": t2 - t1}
    cbc = _num(parsed.get("cbc_s"))
    if cbc is not None:
        timings["cbc_s"] = cbc
    return PeerResult(status=status, objective=objective, bound=bound, gap=gap, timings=timings)


def _arcs_of_routes(data: ModelData) -> dict[tuple[str, str], list[tuple[tuple[str, str, float], int]]]:
    """For each arc, the (artifact group, route index) pairs whose route crosses it."""
    out: dict[tuple[str, str], list[tuple[tuple[str, str, float], int]]] = {}
    for key, routes in data.artifact_routes.items():
        for i, route in enumerate(routes):
            for arc in route_arcs(route):
                out.setdefault(arc, []).append((key, i))
    return out
