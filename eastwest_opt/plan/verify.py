"""The independent verifier: every constraint and the objective, recomputed from the plan's
tables and the raw scenario tables, without the Pyomo model or the prepared index sets.

It derives each job's accelerator type, count, power and energy at its hub again from
``jobs.csv``, ``accelerators.csv`` and ``overrides.csv``; the allowed hubs again from
``data_classes.csv``; link capacities, costs and route latencies again from ``links.csv``.
Every violation is named with its constraint family, so a broken plan says what is wrong.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from eastwest_opt.plan.plan import COST_TERMS, ROUTE_SEP, Plan
from eastwest_opt.plan.verdict import VerificationReport, Violation
from eastwest_opt.scenario.core import TB_PER_GBPS_HOUR, Scenario

FAMILIES = (
    "assignment",
    "localization",
    "durable_replicas",
    "staging",
    "hub_power",
    "accelerator_inventory",
    "storage",
    "flow_conservation",
    "link_capacity",
    "artifact_delivery",
    "carbon_budget",
    "objective",
)
REL_TOL = 1e-6
TB_TOL = 1e-4
MW_TOL = 1e-6
CNY_TOL = 1.0


def _over(value: float, limit: float, abs_tol: float) -> bool:
    return value > limit + abs_tol + REL_TOL * abs(limit)


def _differs(a: float, b: float, abs_tol: float) -> bool:
    return abs(a - b) > abs_tol + REL_TOL * max(abs(a), abs(b))


class _Facts:
    """The scenario's raw tables as plain lookups, and what follows from them for one job or
    dataset, derived again here without the model's prepared index sets."""

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.sc = scenario
        self.plan = plan
        self.violations: list[Violation] = []
        self.hubs = scenario.hubs.set_index("hub_id")
        self.jobs = scenario.jobs.set_index("job_id")
        self.datasets = scenario.datasets.set_index("dataset_id")
        self.classes = scenario.data_classes.set_index("class_id")
        # plain dict rows for the per-job and per-dataset lookups (pandas scalar access is slow)
        self.hub_rows: dict[str, dict] = self.hubs.to_dict("index")
        self.job_rows: dict[str, dict] = self.jobs.to_dict("index")
        self.ds_rows: dict[str, dict] = self.datasets.to_dict("index")
        self.class_rows: dict[str, dict] = self.classes.to_dict("index")
        self.kw = dict(zip(scenario.accelerators["accel_id"], scenario.accelerators["kw_per_accel"], strict=True))
        ha = scenario.hub_accelerators
        self.inventory = {(h, k): float(c) for h, k, c in zip(ha["hub_id"], ha["accel_id"], ha["count"], strict=True)}
        self.subsidy = {
            (h, k): float(s) for h, k, s in zip(ha["hub_id"], ha["accel_id"], ha["energy_subsidy_share"], strict=True)
        }
        self.overrides = {(o.job_id, o.hub_id): o for o in scenario.overrides.itertuples(index=False)}
        self.links: dict[tuple[str, str], dict[str, float]] = {}
        for link in scenario.links.itertuples(index=False):
            if link.capacity_gbps <= 0:
                continue
            attrs = {
                "capacity_tb": float(link.capacity_gbps) * scenario.planning_window_hours * TB_PER_GBPS_HOUR,
                "cost": float(link.cost_cny_per_tb),
                "latency": float(link.latency_ms),
            }
            self.links[link.hub_a, link.hub_b] = attrs
            self.links[link.hub_b, link.hub_a] = attrs

    def fail(self, family: str, message: str) -> None:
        self.violations.append(Violation(family, message))

    def allowed_hubs(self, dataset_id: str) -> set[str]:
        ds = self.ds_rows[dataset_id]
        rule = str(self.class_rows[ds["class_id"]]["allowed_hubs"]).strip()
        if rule == "*":
            return set(self.hubs.index)
        if rule == "origin":
            return {ds["origin_hub"]}
        return {p.strip() for p in rule.split(";") if p.strip()}

    def staging_allowed(self, dataset_id: str) -> bool:
        return bool(self.class_rows[self.ds_rows[dataset_id]["class_id"]]["staging_allowed"])

    def zone_of(self, dataset_id: str) -> str:
        ds = self.ds_rows[dataset_id]
        rule = str(self.class_rows[ds["class_id"]]["allowed_hubs"]).strip()
        if rule == "*":
            return "*"
        if rule == "origin":
            return f"{ds['class_id']}@{ds['origin_hub']}"
        return str(ds["class_id"])

    def job_at(self, job_id: str, hub: str) -> dict[str, float | str]:
        job = self.job_rows[job_id]
        o = self.overrides.get((job_id, hub))
        accel = o.accel_id if o is not None and o.accel_id else job["accel_id"]
        count = int(job["accel_count"])
        if o is not None and not _nan(o.accel_count):
            count = int(o.accel_count)
        it_mw = count * float(self.kw[accel]) / 1000.0
        if o is not None and not _nan(o.it_mw):
            it_mw = float(o.it_mw)
        runtime = float(job["runtime_h"])
        if o is not None and not _nan(o.runtime_h):
            runtime = float(o.runtime_h)
        pue = float(self.hub_rows[hub]["pue"])
        energy = it_mw * runtime * pue
        if o is not None and not _nan(o.fixed_cost_cny):
            cost = float(o.fixed_cost_cny)
        else:
            price = float(self.hub_rows[hub]["price_cny_per_kwh"])
            cost = energy * 1000.0 * price * (1.0 - self.subsidy.get((hub, accel), 0.0))
        carbon = energy * float(self.hub_rows[hub]["carbon_kg_per_kwh"])
        return {
            "accel": accel,
            "count": count,
            "meter_mw": it_mw * pue,
            "energy_mwh": energy,
            "energy_cost": cost,
            "carbon_t": carbon,
        }


class _TrafficChecks(_Facts):
    """The checks of what moves over the backbone: traffic, artifacts and link loads."""

    def check_link_capacity(self, arc_load: dict[tuple[str, str], float]) -> float:
        """link_capacity: each arc's load within its capacity; returns the transfer cost."""
        transfer_cost = 0.0
        for arc, tb in arc_load.items():
            attrs = self.links.get(arc)
            if attrs is None:
                continue
            transfer_cost += tb * attrs["cost"]
            if _over(tb, attrs["capacity_tb"], TB_TOL):
                self.fail(
                    "link_capacity",
                    f"arc {arc[0]}->{arc[1]} carries {tb:.6g} TB, capacity {attrs['capacity_tb']:.6g} TB",
                )
        return transfer_cost

    def check_reported_link_flows(self, arc_load: dict[tuple[str, str], float]) -> None:
        """link_capacity, as reported: the plan's link_flows table (what a planner reads and the
        report draws) must show, per arc, the load that its traffic and artifact routes carry."""
        flows = self.plan.link_flows
        reported: dict[tuple[str, str], float] = {}
        if len(flows) and {"from_hub", "to_hub", "total_tb"} <= set(flows.columns):
            for u, v, tb in zip(flows["from_hub"], flows["to_hub"], flows["total_tb"], strict=True):
                reported[str(u), str(v)] = reported.get((str(u), str(v)), 0.0) + float(tb)
        for arc in sorted(set(arc_load) | set(reported)):
            carried, shown = arc_load.get(arc, 0.0), reported.get(arc, 0.0)
            if _differs(shown, carried, max(TB_TOL, 1e-6 * carried)):
                self.fail(
                    "link_capacity",
                    f"link_flows reports {shown:.6g} TB on {arc[0]}->{arc[1]}, "
                    f"but traffic and artifact routes carry {carried:.6g} TB",
                )

    def check_traffic(self, durable: dict[str, set[str]], staged: dict[str, set[str]]) -> dict[tuple[str, str], float]:
        """flow_conservation per commodity (kind, source, zone), localization of traffic."""
        load: dict[tuple[str, str], float] = defaultdict(float)
        balance: dict[tuple[str, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        zone_hubs: dict[str, set[str]] = {}
        for d in self.datasets.index:
            zone_hubs[self.zone_of(d)] = self.allowed_hubs(d)
        for t in self.plan.traffic.itertuples(index=False):
            arc = (t.from_hub, t.to_hub)
            tb = float(t.tb)
            if tb < -TB_TOL:
                self.fail("flow_conservation", f"negative flow {tb:g} TB on {arc[0]}->{arc[1]}")
            if arc not in self.links:
                self.fail("flow_conservation", f"traffic on {arc[0]}->{arc[1]}, which is not a link")
            hubs = zone_hubs.get(str(t.zone))
            if hubs is None:
                self.fail("localization", f"traffic of unknown zone {t.zone!r}")
            elif t.from_hub not in hubs or t.to_hub not in hubs:
                self.fail(
                    "localization",
                    f"{t.kind} traffic of zone {t.zone!r} crosses {arc[0]}->{arc[1]}, "
                    "outside the hubs its data class allows",
                )
            load[arc] += tb
            key = (t.kind, t.source_hub, str(t.zone))
            balance[key][t.to_hub] += tb
            balance[key][t.from_hub] -= tb
        demand: dict[tuple[str, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for d, hs in durable.items():
            origin = self.ds_rows[d]["origin_hub"]
            for h in hs:
                if h != origin:
                    demand["replication", origin, self.zone_of(d)][h] += float(self.ds_rows[d]["size_tb"])
        for s in self.plan.staging.itertuples(index=False):
            if s.from_hub != s.to_hub:
                demand["staging", s.from_hub, self.zone_of(s.dataset_id)][s.to_hub] += float(s.tb)
        for key in set(balance) | set(demand):
            kind, source, zone = key
            need = demand.get(key, {})
            net = balance.get(key, {})
            for n in set(need) | set(net):
                if n == source:
                    continue
                if _differs(net.get(n, 0.0), need.get(n, 0.0), TB_TOL):
                    self.fail(
                        "flow_conservation",
                        f"{kind} traffic from {source} (zone {zone}): hub {n} receives "
                        f"{net.get(n, 0.0):.6g} TB net, needs {need.get(n, 0.0):.6g} TB",
                    )
        return load

    def check_artifacts(self, placed: dict[str, str], load: dict[tuple[str, str], float]) -> None:
        """artifact_delivery: every placed job's artifacts reach each serving hub in time."""
        demand: dict[tuple[str, str, float], float] = defaultdict(float)
        for j, h in placed.items():
            job = self.job_rows[j]
            bound = float(job["max_latency_ms"]) if not _nan(job["max_latency_ms"]) else math.inf
            for t in job["serving_hubs"]:
                if t != h and float(job["artifact_tb"]) > 0:
                    demand[h, t, bound] += float(job["artifact_tb"])
        delivered: dict[tuple[str, str, float], float] = defaultdict(float)
        for r in self.plan.artifact_routes.itertuples(index=False):
            bound = float(r.max_latency_ms) if not _nan(r.max_latency_ms) else math.inf
            hubs = [x for x in str(r.route).split(ROUTE_SEP) if x]
            if len(hubs) < 2 or hubs[0] != r.from_hub or hubs[-1] != r.to_hub:
                self.fail("artifact_delivery", f"route {r.route!r} does not join {r.from_hub} to {r.to_hub}")
                continue
            arcs = list(itertools.pairwise(hubs))
            missing = [a for a in arcs if a not in self.links]
            if missing:
                self.fail("artifact_delivery", f"route {r.route!r} uses {missing[0][0]}->{missing[0][1]}, not a link")
                continue
            latency = sum(self.links[a]["latency"] for a in arcs)
            if latency > bound + 1e-9:
                self.fail("artifact_delivery", f"route {r.route!r} takes {latency:.2f} ms, the bound is {bound:g} ms")
            for a in arcs:
                load[a] += float(r.tb)
            delivered[r.from_hub, r.to_hub, bound] += float(r.tb)
        for key in set(demand) | set(delivered):
            if _differs(delivered.get(key, 0.0), demand.get(key, 0.0), TB_TOL):
                h, t, b = key
                self.fail(
                    "artifact_delivery",
                    f"artifacts from {h} to {t} (bound {b:g} ms): routes carry "
                    f"{delivered.get(key, 0.0):.6g} TB, jobs need {demand.get(key, 0.0):.6g} TB",
                )


class _Checker(_TrafficChecks):
    """Every family's check, each in its own method, recording violations as it goes."""

    def run(self) -> VerificationReport:
        """Check every family in turn; the objective last, from the costs recomputed on the way."""
        placed, unplaced = self.check_assignment()
        durable, staged = self.read_replicas()
        self.check_localization(placed, durable, staged)
        self.check_durable_replicas(durable)
        self.check_staging(placed, durable, staged)
        costs = self.check_capacities(placed)
        costs["storage"] = self.check_storage(durable, staged)
        costs["carbon"] = self.check_carbon_budget(costs.pop("carbon_t"))
        arc_load = self.check_traffic(durable, staged)
        self.check_artifacts(placed, arc_load)
        costs["transfer"] = self.check_link_capacity(arc_load)
        self.check_reported_link_flows(arc_load)
        costs["unplaced_penalty"] = sum(
            float(self.job_rows[j]["unplaced_penalty_cny"])
            for j in unplaced
            if not _nan(self.job_rows[j]["unplaced_penalty_cny"])
        )
        costs = {t: costs[t] for t in COST_TERMS}
        costs["total"] = sum(costs[t] for t in COST_TERMS)
        self.check_objective(costs)
        return VerificationReport(self.violations, costs)

    def check_assignment(self) -> tuple[dict[str, str], list[str]]:
        """assignment: every job once, placed at a known hub or unplaced where that is allowed."""
        placements = self.plan.placements
        rows = {}
        for row in placements.itertuples(index=False):
            if row.job_id in rows:
                self.fail(
                    "assignment", f"job {row.job_id!r} appears {int((placements['job_id'] == row.job_id).sum())} times"
                )
            rows[row.job_id] = row
        for j in self.jobs.index:
            if j not in rows:
                self.fail("assignment", f"job {j!r} is missing from the plan")
        for j in rows:
            if j not in self.jobs.index:
                self.fail("assignment", f"plan names unknown job {j!r}")
        placed: dict[str, str] = {}
        unplaced: list[str] = []
        for j, row in rows.items():
            if j not in self.jobs.index:
                continue
            hub = str(row.hub_id) if isinstance(row.hub_id, str) else ""
            if row.status == "placed" and hub in self.hubs.index:
                placed[j] = hub
            elif row.status == "unplaced" and not hub:
                unplaced.append(j)
            else:
                self.fail("assignment", f"job {j!r} has status {row.status!r} at hub {hub!r}")
        for j in unplaced:
            penalty = self.job_rows[j]["unplaced_penalty_cny"]
            if not self.sc.allow_unplaced or _nan(penalty):
                self.fail("assignment", f"job {j!r} is unplaced but must be placed")
        return placed, unplaced

    def read_replicas(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """The durable replicas and staged copies of the plan, by dataset."""
        durable: dict[str, set[str]] = defaultdict(set)
        staged: dict[str, set[str]] = defaultdict(set)
        for r in self.plan.replicas.itertuples(index=False):
            if r.dataset_id not in self.datasets.index or r.hub_id not in self.hubs.index:
                self.fail("durable_replicas", f"replica of unknown dataset or hub: {r.dataset_id!r} at {r.hub_id!r}")
                continue
            (durable if r.kind == "durable" else staged)[r.dataset_id].add(r.hub_id)
        return durable, staged

    def check_localization(
        self, placed: dict[str, str], durable: dict[str, set[str]], staged: dict[str, set[str]]
    ) -> None:
        """localization: jobs, replicas and staged copies only at hubs their data class allows."""
        for j, h in placed.items():
            d = self.job_rows[j]["dataset_id"]
            if h not in self.allowed_hubs(d):
                self.fail("localization", f"job {j!r} trains at {h}, outside the hubs its data class allows")
            restrict = self.job_rows[j]["allowed_hubs"]
            if restrict and h not in restrict:
                self.fail("localization", f"job {j!r} trains at {h}, outside its allowed hubs {';'.join(restrict)}")
        for d, hs in durable.items():
            for h in sorted(hs - self.allowed_hubs(d)):
                self.fail("localization", f"dataset {d!r} keeps a replica at {h}, outside the hubs its class allows")
        for d, hs in staged.items():
            if not self.staging_allowed(d):
                self.fail(
                    "localization", f"dataset {d!r} is staged at {', '.join(sorted(hs))} but its class forbids staging"
                )
            for h in sorted(hs - self.allowed_hubs(d)):
                self.fail("localization", f"dataset {d!r} is staged at {h}, outside the hubs its class allows")

    def check_durable_replicas(self, durable: dict[str, set[str]]) -> None:
        """durable_replicas: the origin keeps one, enough replicas, across enough grid regions."""
        region = self.hubs["grid_region"].to_dict()
        for d, ds in self.ds_rows.items():
            hs = durable.get(d, set())
            if ds["origin_hub"] not in hs:
                self.fail("durable_replicas", f"dataset {d!r} has no replica at its origin {ds['origin_hub']}")
            if len(hs) < int(ds["min_replicas"]):
                self.fail(
                    "durable_replicas", f"dataset {d!r} keeps {len(hs)} replica(s), needs {int(ds['min_replicas'])}"
                )
            regions = {region[h] for h in hs}
            if len(regions) < int(ds["min_grid_regions"]):
                self.fail(
                    "durable_replicas",
                    f"dataset {d!r} spans {len(regions)} grid region(s), needs {int(ds['min_grid_regions'])}",
                )

    def check_staging(self, placed: dict[str, str], durable: dict[str, set[str]], staged: dict[str, set[str]]) -> None:
        """staging and data gravity: jobs train where their data is; staged copies come whole
        from hubs that keep a durable replica."""
        for j, h in placed.items():
            d = self.job_rows[j]["dataset_id"]
            if h not in durable.get(d, set()) and h not in staged.get(d, set()):
                self.fail("staging", f"job {j!r} trains at {h} where dataset {d!r} has neither replica nor staged copy")
        staging_in: dict[tuple[str, str], float] = defaultdict(float)
        for s in self.plan.staging.itertuples(index=False):
            staging_in[s.dataset_id, s.to_hub] += float(s.tb)
            if s.from_hub not in durable.get(s.dataset_id, set()):
                self.fail(
                    "staging",
                    f"staged copy of {s.dataset_id!r} at {s.to_hub} comes from {s.from_hub}, "
                    "which holds no durable replica",
                )
            if s.to_hub not in staged.get(s.dataset_id, set()):
                self.fail("staging", f"staging transfer of {s.dataset_id!r} to {s.to_hub}, which holds no staged copy")
        for d, hs in staged.items():
            size = float(self.ds_rows[d]["size_tb"])
            for h in hs:
                if _differs(staging_in[d, h], size, TB_TOL):
                    self.fail(
                        "staging",
                        f"staged copy of {d!r} at {h} receives {staging_in[d, h]:.6g} TB, its size is {size:g} TB",
                    )

    def check_capacities(self, placed: dict[str, str]) -> dict[str, float]:
        """hub_power and accelerator_inventory; returns the energy cost and the emissions (t)."""
        meter: dict[str, float] = defaultdict(float)
        accel: dict[tuple[str, str], float] = defaultdict(float)
        energy_cost = carbon_t = 0.0
        for j, h in placed.items():
            a = self.job_at(j, h)
            meter[h] += float(a["meter_mw"])
            accel[h, str(a["accel"])] += float(a["count"])
            energy_cost += float(a["energy_cost"])
            carbon_t += float(a["carbon_t"])
        for h, mw in meter.items():
            limit = float(self.hub_rows[h]["grid_mw"])
            if _over(mw, limit, MW_TOL):
                self.fail("hub_power", f"hub {h} draws {mw:.4f} MW (IT x PUE), its grid allocation is {limit:g} MW")
        for (h, k), n in accel.items():
            inv = self.inventory.get((h, k), 0.0)
            if _over(n, inv, 1e-9):
                self.fail("accelerator_inventory", f"hub {h} uses {n:g} {k} accelerators, it has {inv:g}")
        return {"energy": energy_cost, "carbon_t": carbon_t}

    def check_carbon_budget(self, carbon_t: float) -> float:
        """carbon_budget: emissions within the budget, if one is set; returns the carbon cost."""
        if self.sc.carbon_budget_t is not None and _over(carbon_t, self.sc.carbon_budget_t, 1e-6):
            self.fail("carbon_budget", f"emissions {carbon_t:.3f} t exceed the budget {self.sc.carbon_budget_t:g} t")
        return carbon_t * self.sc.carbon_price_cny_per_t

    def check_storage(self, durable: dict[str, set[str]], staged: dict[str, set[str]]) -> float:
        """storage: replicas and copies fit each hub; returns the storage cost."""
        used_tb: dict[str, float] = defaultdict(float)
        storage_cost = 0.0
        months = self.sc.storage_months
        for d, hs in list(durable.items()) + list(staged.items()):
            size = float(self.ds_rows[d]["size_tb"])
            for h in hs:
                used_tb[h] += size
                storage_cost += size * float(self.hub_rows[h]["storage_price_cny_per_tb_month"]) * months
        for h, tb in used_tb.items():
            cap = float(self.hub_rows[h]["storage_tb"])
            if _over(tb, cap, TB_TOL):
                self.fail("storage", f"hub {h} stores {tb:g} TB, its storage is {cap:g} TB")
        return storage_cost

    def check_objective(self, costs: dict[str, float]) -> None:
        """objective: each cost term and the total as reported, against the recomputed costs."""
        p = self.plan
        reported = dict(zip(p.costs["term"], p.costs["cost_cny"], strict=True)) if len(p.costs) else {}
        for term, value in costs.items():
            if _differs(float(reported.get(term, math.nan)), value, CNY_TOL):
                self.fail(
                    "objective",
                    f"{term} cost reported {float(reported.get(term, math.nan)):.2f} CNY, recomputed {value:.2f} CNY",
                )
        if _differs(float(p.objective_cny), costs["total"], CNY_TOL):
            self.fail("objective", f"objective reported {p.objective_cny:.2f} CNY, recomputed {costs['total']:.2f} CNY")


def _nan(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


def verify_plan(scenario: Scenario, plan: Plan) -> VerificationReport:
    """Check every constraint family and the objective of ``plan`` against ``scenario``."""
    return _Checker(scenario, plan).run()
