"""Brute-force oracle: tiny random scenarios solved by the MIP and by exhaustive enumeration.

The oracle is written from the problem statement (``models/placement.md``), not from
``prepare.py`` or ``model.py``. For every job it tries each allowed hub (or leaving it unplaced),
for every dataset each set of durable replica hubs; staged copies are the ones implied: one
per (dataset, hub) where a placed job trains without a durable replica. Link capacities are
large, so traffic takes the cheapest route: replication from the origin and staging from the
cheapest durable replica, both inside the data class's zone; artifacts over the cheapest
route whose latency is within the job's bound.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from builders import write_scenario

import eastwest_opt as ew

SEEDS = list(range(24))
# Seeds beyond 0..23 on which the comparison once disagreed (a scan of seeds 0..499): the
# class's two hubs have no link between them and no other dataset has traffic, so the model
# builds no commodity at all and add_flow_conservation returns before fixing to zero the copies
# that have no route; the MIP then stages the data for free (the verifier rejects the plan).
FOUND_SEEDS = [88, 131]
REL = 1e-7
HOURS_PER_MONTH = 730.0
TOL = 1e-9

Spec = dict[str, Any]
Assignment = dict[str, str | None]  # job -> hub (None: unplaced)
Replicas = dict[str, frozenset[str]]  # dataset -> durable replica hubs


# ---------------------------------------------------------------------------------
# instance generator
# ---------------------------------------------------------------------------------
def make_instance(seed: int) -> Spec:
    """A tiny random scenario as plain rows (lists for the list columns)."""
    rng = random.Random(seed)
    n = rng.choice([2, 3])
    hub_ids = [f"h{i}" for i in range(n)]
    regions = ["R1", "R2"] + [rng.choice(["R1", "R2"]) for _ in range(n - 2)]
    rng.shuffle(regions)
    hubs = [
        {
            "hub_id": h,
            "grid_region": g,
            "price_cny_per_kwh": round(rng.uniform(0.3, 0.7), 3),
            "pue": round(rng.uniform(1.0, 1.4), 2),
            "grid_mw": round(rng.uniform(0.4, 2.0), 3) if rng.random() < 0.4 else 50.0,
            "storage_tb": rng.random() < 0.4,  # binding or not: sized once the datasets are drawn
            "storage_price_cny_per_tb_month": round(rng.uniform(20.0, 400.0), 1),
            "carbon_kg_per_kwh": round(rng.uniform(0.1, 0.9), 3),
        }
        for h, g in zip(hub_ids, regions, strict=True)
    ]
    if n == 2:
        edges = [(hub_ids[0], hub_ids[1])]
    else:
        order = rng.sample(hub_ids, n)
        edges = [(order[0], order[1]), (order[1], order[2])]
        if rng.random() < 0.5:
            edges.append((order[0], order[2]))  # triangle
    links = [
        {
            "link_id": f"l{i}",
            "hub_a": a,
            "hub_b": b,
            "capacity_gbps": 1000.0,  # >= 45,000 TB over the window: never binding here
            "latency_ms": float(rng.randint(2, 20)),
            "cost_cny_per_tb": round(rng.uniform(5.0, 120.0), 2),
        }
        for i, (a, b) in enumerate(edges)
    ]
    types = ["gpu"] if rng.random() < 0.5 else ["gpu", "npu"]
    accelerators = [{"accel_id": k, "name": k.upper(), "kw_per_accel": 1.0} for k in types]
    inventory = []
    for h in hub_ids:
        for k in types:
            r = rng.random()
            if r < 0.05 and (h, k) != ("h0", "gpu"):
                continue  # no row: no accelerators of this type at this hub
            inventory.append(
                {
                    "hub_id": h,
                    "accel_id": k,
                    "count": rng.randint(200, 1200) if r < 0.45 else 10000,
                    "energy_subsidy_share": round(rng.uniform(0.0, 0.4), 3) if rng.random() < 0.3 else 0.0,
                }
            )
    pair = sorted(rng.sample(hub_ids, 2))
    if len(edges) == 2 and rng.random() < 0.5:
        pair = sorted({edges[0][0], edges[1][1]})  # the two ends of a path: no link inside the pair
    pool = [
        {"class_id": "open", "allowed_hubs": "*", "staging_allowed": True},
        {"class_id": "sealed", "allowed_hubs": "*", "staging_allowed": False},
        {"class_id": "local", "allowed_hubs": "origin", "staging_allowed": False},
        {"class_id": "pair", "allowed_hubs": ";".join(pair), "staging_allowed": rng.random() < 0.5},
    ]
    classes = rng.sample(pool, rng.choice([1, 2]))
    datasets = []
    for i in range(rng.choice([1, 2])):
        cls = rng.choice(classes)
        origin = rng.choice(pair if cls["class_id"] == "pair" else hub_ids)
        datasets.append(
            {
                "dataset_id": f"d{i}",
                "origin_hub": origin,
                "class_id": cls["class_id"],
                "size_tb": round(rng.uniform(5.0, 50.0), 1),
                "min_replicas": 2 if rng.random() < 0.35 else 1,
                "min_grid_regions": 2 if rng.random() < 0.3 else 1,
            }
        )
    largest = max(d["size_tb"] for d in datasets)
    for hub in hubs:
        hub["storage_tb"] = round(rng.uniform(0.9, 2.2) * largest, 1) if hub["storage_tb"] else 1e4
    jobs = []
    for i in range(rng.randint(2, 4)):
        serving = rng.sample(hub_ids, rng.randint(0, min(2, n)))
        jobs.append(
            {
                "job_id": f"j{i}",
                "dataset_id": rng.choice(datasets)["dataset_id"],
                "accel_id": rng.choice(types),
                "accel_count": rng.randint(100, 800),
                "runtime_h": round(rng.uniform(10.0, 100.0), 1),
                "artifact_tb": 0.0 if rng.random() < 0.3 else round(rng.uniform(0.1, 3.0), 2),
                "serving_hubs": serving,
                "max_latency_ms": round(rng.uniform(2.0, 25.0), 1) if serving and rng.random() < 0.45 else "",
                "unplaced_penalty_cny": float(rng.randint(8000, 60000)) if rng.random() < 0.8 else "",
                "allowed_hubs": rng.sample(hub_ids, rng.randint(1, n)) if rng.random() < 0.15 else [],
            }
        )
    settings: dict[str, Any] = {
        "planning_window_hours": float(rng.choice([100, 240, 720])),
        "carbon_price_cny_per_t": round(rng.uniform(20.0, 300.0), 1) if rng.random() < 0.5 else 0.0,
        "allow_unplaced": rng.random() >= 0.08,
    }
    if rng.random() < 0.3:
        rough_t = sum(j["accel_count"] / 1000 * j["runtime_h"] * 1.2 * 0.5 for j in jobs)
        settings["carbon_budget_t"] = round(rough_t * rng.uniform(0.4, 1.4), 3)
    return {
        "hubs": hubs,
        "links": links,
        "accelerators": accelerators,
        "inventory": inventory,
        "classes": classes,
        "datasets": datasets,
        "jobs": jobs,
        "settings": settings,
    }


def write_instance(spec: Spec, folder: Path) -> Path:
    jobs = [
        j | {"serving_hubs": ";".join(j["serving_hubs"]), "allowed_hubs": ";".join(j["allowed_hubs"])}
        for j in spec["jobs"]
    ]
    return write_scenario(
        folder,
        hubs=spec["hubs"],
        links=spec["links"],
        accelerators=spec["accelerators"],
        inventory=spec["inventory"],
        classes=spec["classes"],
        datasets=spec["datasets"],
        jobs=jobs,
        settings=spec["settings"],
    )


# ---------------------------------------------------------------------------------
# the oracle
# ---------------------------------------------------------------------------------
@dataclass
class Optimum:
    cost: float
    assignment: Assignment
    replicas: Replicas
    feasible_costs: list[float]


class BruteForce:
    """Exhaustive enumeration of a tiny instance, from the problem statement."""

    def __init__(self, spec: Spec) -> None:
        s = spec["settings"]
        self.hubs = {h["hub_id"]: h for h in spec["hubs"]}
        self.months = s["planning_window_hours"] / HOURS_PER_MONTH
        self.carbon_price = s["carbon_price_cny_per_t"]
        self.budget = s.get("carbon_budget_t")
        self.adj: dict[str, dict[str, tuple[float, float]]] = {h: {} for h in self.hubs}
        for link in spec["links"]:
            a, b = link["hub_a"], link["hub_b"]
            self.adj[a][b] = self.adj[b][a] = (link["cost_cny_per_tb"], link["latency_ms"])
        kw = {a["accel_id"]: a["kw_per_accel"] for a in spec["accelerators"]}
        self.inventory = {(r["hub_id"], r["accel_id"]): r["count"] for r in spec["inventory"]}
        subsidy = {(r["hub_id"], r["accel_id"]): r["energy_subsidy_share"] for r in spec["inventory"]}
        classes = {c["class_id"]: c for c in spec["classes"]}
        self.datasets = {d["dataset_id"]: d for d in spec["datasets"]}
        self.zone: dict[str, frozenset[str]] = {}
        self.staging_ok: dict[str, bool] = {}
        for d, row in self.datasets.items():
            cls = classes[row["class_id"]]
            text = cls["allowed_hubs"]
            if text == "*":
                self.zone[d] = frozenset(self.hubs)
            elif text == "origin":
                self.zone[d] = frozenset({row["origin_hub"]})
            else:
                self.zone[d] = frozenset(text.split(";"))
            self.staging_ok[d] = bool(cls["staging_allowed"])

        # per job: the hubs it may train at, with cost, power, accelerators and emissions there
        self.jobs = {j["job_id"]: j for j in spec["jobs"]}
        self.options: dict[str, list[str | None]] = {}
        self.pair: dict[tuple[str, str], dict[str, Any]] = {}
        self.latency_excluded = False
        for jid, job in self.jobs.items():
            d = job["dataset_id"]
            bound = math.inf if job["max_latency_ms"] == "" else float(job["max_latency_ms"])
            opts: list[str | None] = []
            for h, hub in self.hubs.items():
                if h not in self.zone[d] or (job["allowed_hubs"] and h not in job["allowed_hubs"]):
                    continue
                artifact = 0.0
                reachable = True
                for t in job["serving_hubs"]:
                    if t == h:
                        continue
                    c = self.artifact_cost(h, t, bound)
                    if c == math.inf:
                        reachable = False
                        break
                    artifact += job["artifact_tb"] * c
                if not reachable:
                    self.latency_excluded = True
                    continue
                it_mw = job["accel_count"] * kw[job["accel_id"]] / 1000.0
                energy_mwh = it_mw * job["runtime_h"] * hub["pue"]
                share = subsidy.get((h, job["accel_id"]), 0.0)
                energy = energy_mwh * 1000.0 * hub["price_cny_per_kwh"] * (1.0 - share)
                carbon_t = energy_mwh * hub["carbon_kg_per_kwh"]
                self.pair[jid, h] = {
                    "cost": energy + self.carbon_price * carbon_t + artifact,
                    "meter_mw": it_mw * hub["pue"],
                    "carbon_t": carbon_t,
                }
                opts.append(h)
            if s["allow_unplaced"] and job["unplaced_penalty_cny"] != "":
                opts.append(None)
            self.options[jid] = opts

        # per dataset: admissible durable replica sets with their replication and storage cost
        self.replica_sets: dict[str, dict[frozenset[str], float]] = {}
        for d, row in self.datasets.items():
            o, size = row["origin_hub"], row["size_tb"]
            others = sorted(self.zone[d] - {o})
            sets: dict[frozenset[str], float] = {}
            for k in range(len(others) + 1):
                for extra in itertools.combinations(others, k):
                    rep = frozenset({o, *extra})
                    if len(rep) < row["min_replicas"]:
                        continue
                    if len({self.hubs[h]["grid_region"] for h in rep}) < row["min_grid_regions"]:
                        continue
                    moves = [self.zone_cost(self.zone[d], o, h) for h in extra]
                    if math.inf in moves:
                        continue
                    sets[rep] = size * sum(moves) + sum(self.storage_cost(d, h) for h in rep)
            self.replica_sets[d] = sets

    # -- routes ---------------------------------------------------------------------
    def simple_paths(self, u: str, v: str, inside: frozenset[str]) -> list[list[str]]:
        out: list[list[str]] = []

        def walk(path: list[str]) -> None:
            if path[-1] == v:
                out.append(path)
                return
            for nxt in self.adj[path[-1]]:
                if nxt in inside and nxt not in path:
                    walk([*path, nxt])

        walk([u])
        return out

    def path_sum(self, path: list[str], i: int) -> float:
        return sum(self.adj[a][b][i] for a, b in itertools.pairwise(path))

    def zone_cost(self, zone: frozenset[str], u: str, v: str) -> float:
        """Cheapest cost per TB from u to v over links with both ends in the zone."""
        if u == v:
            return 0.0
        return min((self.path_sum(p, 0) for p in self.simple_paths(u, v, zone)), default=math.inf)

    def artifact_cost(self, h: str, t: str, bound: float) -> float:
        """Cheapest cost per TB from h to t over a route with latency within the bound."""
        paths = self.simple_paths(h, t, frozenset(self.hubs))
        return min((self.path_sum(p, 0) for p in paths if self.path_sum(p, 1) <= bound + TOL), default=math.inf)

    def storage_cost(self, d: str, h: str) -> float:
        return self.datasets[d]["size_tb"] * self.hubs[h]["storage_price_cny_per_tb_month"] * self.months

    # -- one candidate plan -----------------------------------------------------------
    def staged(self, assignment: Assignment, replicas: Replicas) -> set[tuple[str, str]]:
        """The staged copies a plan needs: placed jobs' hubs without a durable replica."""
        return {
            (job["dataset_id"], h)
            for jid, job in self.jobs.items()
            if (h := assignment[jid]) is not None and h not in replicas[job["dataset_id"]]
        }

    def job_cost(self, assignment: Assignment) -> float | None:
        """Energy, carbon, artifacts and penalties; None if power, accelerators or carbon fail."""
        cost = 0.0
        power: dict[str, float] = dict.fromkeys(self.hubs, 0.0)
        accel: dict[tuple[str, str], int] = {}
        carbon = 0.0
        for jid, h in assignment.items():
            job = self.jobs[jid]
            if h is None:
                if None not in self.options[jid]:
                    return None
                cost += float(job["unplaced_penalty_cny"])
                continue
            if h not in self.options[jid]:
                return None
            p = self.pair[jid, h]
            cost += p["cost"]
            power[h] += p["meter_mw"]
            key = (h, job["accel_id"])
            accel[key] = accel.get(key, 0) + job["accel_count"]
            carbon += p["carbon_t"]
        if any(power[h] > self.hubs[h]["grid_mw"] + TOL for h in self.hubs):
            return None
        if any(n > self.inventory.get(key, 0) for key, n in accel.items()):
            return None
        if self.budget is not None and carbon > self.budget + TOL * max(1.0, self.budget):
            return None
        return cost

    def data_cost(self, assignment: Assignment, replicas: Replicas) -> float | None:
        """Replication, storage and staging; None if a replica set, copy or storage fails."""
        cost = 0.0
        used: dict[str, float] = dict.fromkeys(self.hubs, 0.0)
        for d, rep in replicas.items():
            if rep not in self.replica_sets[d]:
                return None
            cost += self.replica_sets[d][rep]
            for h in rep:
                used[h] += self.datasets[d]["size_tb"]
        for d, h in self.staged(assignment, replicas):
            if not self.staging_ok[d]:
                return None
            per_tb = min(self.zone_cost(self.zone[d], r, h) for r in replicas[d])
            if per_tb == math.inf:
                return None
            size = self.datasets[d]["size_tb"]
            cost += size * per_tb + self.storage_cost(d, h)
            used[h] += size
        if any(used[h] > self.hubs[h]["storage_tb"] + TOL for h in self.hubs):
            return None
        return cost

    def cost(self, assignment: Assignment, replicas: Replicas) -> float | None:
        jobs = self.job_cost(assignment)
        data = self.data_cost(assignment, replicas) if jobs is not None else None
        return None if jobs is None or data is None else jobs + data

    def solve(self) -> Optimum | None:
        job_ids, ds_ids = list(self.jobs), list(self.datasets)
        best: Optimum | None = None
        costs: list[float] = []
        for hubs in itertools.product(*(self.options[j] for j in job_ids)):
            assignment = dict(zip(job_ids, hubs, strict=True))
            jobs = self.job_cost(assignment)
            if jobs is None:
                continue
            for reps in itertools.product(*(self.replica_sets[d] for d in ds_ids)):
                replicas = dict(zip(ds_ids, reps, strict=True))
                data = self.data_cost(assignment, replicas)
                if data is None:
                    continue
                costs.append(jobs + data)
                if best is None or jobs + data < best.cost:
                    best = Optimum(jobs + data, assignment, replicas, costs)
        return best


def plan_decisions(plan: ew.Plan) -> tuple[Assignment, Replicas, set[tuple[str, str]]]:
    p = plan.placements
    assignment = {
        str(j): (str(h) if status == "placed" else None)
        for j, h, status in zip(p["job_id"], p["hub_id"], p["status"], strict=True)
    }
    r = plan.replicas
    durable: dict[str, set[str]] = {}
    staged = set()
    for d, h, kind in zip(r["dataset_id"], r["hub_id"], r["kind"], strict=True):
        if kind == "durable":
            durable.setdefault(str(d), set()).add(str(h))
        else:
            staged.add((str(d), str(h)))
    return assignment, {d: frozenset(hs) for d, hs in durable.items()}, staged


# ---------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS + FOUND_SEEDS)
def test_mip_optimum_equals_brute_force(seed: int, tmp_path: Path) -> None:
    spec = make_instance(seed)
    oracle = BruteForce(spec)
    best = oracle.solve()
    folder = write_instance(spec, tmp_path / f"seed{seed}")
    if best is None:
        # no plan: the loader may already reject a scenario whose copies have no route
        try:
            scenario = ew.load_scenario(folder)
        except ew.ScenarioError:
            return
        with pytest.raises(ew.InfeasibleError):
            ew.solve(scenario)
        return
    scenario = ew.load_scenario(folder)
    plan = ew.solve(scenario)
    assert plan.status == "optimal"
    assert plan.verified, plan.verification
    assert plan.objective_cny == pytest.approx(best.cost, rel=REL), (best.assignment, best.replicas)
    # the MIP's own decisions, priced by the oracle: feasible, same cost, staged copies as implied
    assignment, replicas, staged = plan_decisions(plan)
    assert oracle.cost(assignment, replicas) == pytest.approx(plan.objective_cny, rel=REL)
    assert staged == oracle.staged(assignment, replicas)


def test_oracle_discriminates_and_generator_covers_the_features() -> None:
    """The comparison can fail: the optimum is strictly below a random feasible plan in most
    seeds; and the instances exercise infeasibility, staging, unplaced jobs, extra replicas
    and hubs excluded by latency."""
    strict = feasible = infeasible = 0
    seen = {"staged": 0, "unplaced": 0, "extra_replica": 0, "latency": 0}
    for seed in SEEDS:
        oracle = BruteForce(make_instance(seed))
        seen["latency"] += oracle.latency_excluded
        best = oracle.solve()
        if best is None:
            infeasible += 1
            continue
        feasible += 1
        other = random.Random(1000 + seed).choice(best.feasible_costs)
        strict += best.cost < other * (1 - 1e-6)
        seen["staged"] += bool(oracle.staged(best.assignment, best.replicas))
        seen["unplaced"] += None in best.assignment.values()
        seen["extra_replica"] += any(len(r) > 1 for r in best.replicas.values())
    assert 1 <= infeasible <= len(SEEDS) // 2
    assert strict >= 0.6 * feasible
    assert all(n >= 1 for n in seen.values()), seen
