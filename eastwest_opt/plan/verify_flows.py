"""The verifier's checks of what moves over the backbone: traffic, artifact routes and link loads.

:class:`FlowChecks` is the base of the verifier's checker (:mod:`eastwest_opt.plan.verify`): it
holds the scenario's facts, the plan's tables (the decisions), the figures recomputed from them, the
placed jobs and the replicas, and records each violation with where it is (:meth:`FlowChecks.fail`).
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd

from eastwest_opt.plan.facts import Facts
from eastwest_opt.plan.figures import mismatch
from eastwest_opt.plan.figures_usage import route_arcs
from eastwest_opt.plan.schema import PLAN_SCHEMAS, as_text, cell_text
from eastwest_opt.plan.verdict import Violation

REL_TOL = 1e-6
TB_TOL = 1e-4
MW_TOL = 1e-6


def over(value: float, limit: float, abs_tol: float) -> bool:
    """Whether ``value`` exceeds ``limit`` beyond ``abs_tol`` plus 1e-6 of the limit."""
    return value > limit + abs_tol + REL_TOL * abs(limit)


def differ(a: float, b: float, abs_tol: float) -> bool:
    """Whether two numbers differ beyond ``abs_tol`` plus 1e-6 of the larger."""
    return abs(a - b) > abs_tol + REL_TOL * max(abs(a), abs(b))


def is_missing(v: object) -> bool:
    """An empty cell: None, NaN or the empty string."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


class FlowChecks:
    """The checks of what moves over the backbone (traffic, artifacts, link loads), and what every check shares."""

    def __init__(self, facts: Facts, tables: dict[str, pd.DataFrame], recomputed: dict[str, pd.DataFrame]) -> None:
        self.f = facts
        self.sc = facts.sc
        self.t = tables
        self.rec = recomputed
        self.violations: list[Violation] = []
        rec = recomputed["placements"]
        on = (rec["hub_id"] != "").to_numpy()
        self.placed = list(zip(rec["job_id"][on], rec["hub_id"][on], rec["dataset_id"][on], strict=True))
        self.durable: dict[str, set[str]] = defaultdict(set)
        self.staged: dict[str, set[str]] = defaultdict(set)
        self.held: dict[tuple[str, str], tuple[int, int]] = {}  # staged copy -> its first and last period
        r = tables["replicas"]
        for d, h, kind, a, b in zip(
            r["dataset_id"], r["hub_id"], r["kind"], as_text(r["from_period"]), as_text(r["to_period"]), strict=True
        ):
            (self.durable if kind == "durable" else self.staged)[d].add(h)
            if kind == "staged":
                self.held[d, h] = (facts.period_pos.get(a, 0), facts.period_pos.get(b, len(facts.periods) - 1))

    def fail(
        self,
        family: str,
        file: str,
        row: str | None,
        column: str | None,
        text: str,
        *,
        value: object = None,
        limit: object = None,
    ) -> None:
        """Record a violation; its message begins with where it is."""
        where = f"{file} row {row}" if row is not None else file
        if column is not None:
            where += f", column {column}" if row is not None else f", key {column}"
        self.violations.append(Violation(family, f"{where}: {text}", file, row, column, value=value, limit=limit))

    def check_traffic(self) -> None:
        """flow_conservation per commodity (kind, source hub, zone): at every hub but the source, the
        net inflow equals what the durable replicas (replication) or staging transfers (staging)
        there need; flows are non-negative and on links; localization: traffic stays in its zone."""
        t = self.t["traffic"]
        labels = PLAN_SCHEMAS["traffic"].labels(t)
        balance: dict[tuple[str, str, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for label, kind, src, zone, u, v, period, tb in zip(
            labels,
            t["kind"],
            t["source_hub"],
            t["zone"],
            t["from_hub"],
            t["to_hub"],
            t["period_id"],
            t["tb"],
            strict=True,
        ):
            tb = float(tb)
            if tb < -TB_TOL:
                self.fail(
                    "flow_conservation", "traffic.csv", label, "tb", f"negative flow {tb:g} TB", value=tb, limit=0.0
                )
            if (u, v) not in self.f.latency:
                self.fail(
                    "flow_conservation", "traffic.csv", label, "to_hub", f"traffic on {u}->{v}, which is not a link"
                )
            hubs = self.f.zone_hubs.get(zone)
            if hubs is None:
                self.fail("localization", "traffic.csv", label, "zone", f"zone {zone!r} is no dataset's zone")
            elif u not in hubs or v not in hubs:
                self.fail(
                    "localization",
                    "traffic.csv",
                    label,
                    "from_hub",
                    f"{kind} traffic of zone {zone!r} crosses {u}->{v}, outside the hubs its data class allows",
                )
            balance[kind, src, zone, period][v] += tb
            balance[kind, src, zone, period][u] -= tb
        demand: dict[tuple[str, str, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        first = self.f.periods[0]  # replicas exist from the start of the horizon
        for d, hs in self.durable.items():
            origin = self.f.origin[d]
            for h in hs - {origin}:
                demand["replication", origin, self.f.zone[d], first][h] += self.f.size_tb[d]
        s = self.t["staging"]
        for d, to, frm, period, tb in zip(
            s["dataset_id"], s["to_hub"], s["from_hub"], s["period_id"], s["tb"], strict=True
        ):
            if frm != to:
                demand["staging", frm, self.f.zone[d], period][to] += float(tb)
        for key in sorted(set(balance) | set(demand)):
            kind, source, zone, period = key
            need, net = demand.get(key, {}), balance.get(key, {})
            row = f"{kind} {source}:{zone}" + (f" {period}" if self.f.timed else "")
            for n in sorted((set(need) | set(net)) - {source}):
                if differ(net.get(n, 0.0), need.get(n, 0.0), TB_TOL):
                    self.fail(
                        "flow_conservation",
                        "traffic.csv",
                        row,
                        "tb",
                        f"hub {n} receives {net.get(n, 0.0):.6g} TB net, needs {need.get(n, 0.0):.6g} TB",
                        value=net.get(n, 0.0),
                        limit=need.get(n, 0.0),
                    )

    def check_artifacts(self) -> None:
        """artifact_delivery: every placed job's artifacts reach each of its serving hubs over
        routes of links within its latency bound; a route's bound is one its jobs have (figures)."""
        demand = self._artifact_demand()
        r = self.t["artifact_routes"]
        delivered: dict[tuple[str, str, float, str], float] = defaultdict(float)
        labels = PLAN_SCHEMAS["artifact_routes"].labels(r)
        for label, h, t, b, route, period, tb in zip(
            labels, r["from_hub"], r["to_hub"], r["max_latency_ms"], r["route"], r["period_id"], r["tb"], strict=True
        ):
            bound = math.inf if is_missing(b) else float(b)
            hubs = [x for x in str(route).split(">") if x]
            if len(hubs) < 2 or hubs[0] != h or hubs[-1] != t:
                self.fail(
                    "artifact_delivery",
                    "artifact_routes.csv",
                    label,
                    "route",
                    f"route {route!r} does not join {h} to {t}",
                )
                continue
            latency = self.f.route_latency(route)
            if latency is None:
                bad = next(a for a in route_arcs(route) if a not in self.f.latency)
                self.fail(
                    "artifact_delivery",
                    "artifact_routes.csv",
                    label,
                    "route",
                    f"route {route!r} uses {bad[0]}->{bad[1]}, not a link",
                )
                continue
            if latency > bound + 1e-9:
                self.fail(
                    "artifact_delivery",
                    "artifact_routes.csv",
                    label,
                    "route",
                    f"route {route!r} takes {latency:.2f} ms, the bound is {bound:g} ms",
                    value=latency,
                    limit=bound,
                )
            delivered[h, t, bound, period] += float(tb)
            if (h, t, bound, period) not in demand:
                bounds = sorted({c for (a, z, c, _p) in demand if (a, z) == (h, t)})
                said = (
                    " or ".join(cell_text(math.nan if math.isinf(c) else c) for c in bounds)
                    or f"none (no job placed at {h} serves {t})"
                )
                self.violations.append(mismatch("artifact_routes.csv", label, "max_latency_ms", b, said))
        for key in sorted(set(demand) | set(delivered)):
            if differ(delivered.get(key, 0.0), demand.get(key, 0.0), TB_TOL):
                h, t, b, period = key
                self.fail(
                    "artifact_delivery",
                    "artifact_routes.csv",
                    f"{h}->{t} bound {cell_text(b if math.isfinite(b) else math.nan)}"
                    + (f" {period}" if self.f.timed else ""),
                    "tb",
                    f"routes carry {delivered.get(key, 0.0):.6g} TB of artifacts from {h} to {t}, "
                    f"the jobs placed at {h} need {demand.get(key, 0.0):.6g} TB",
                    value=delivered.get(key, 0.0),
                    limit=demand.get(key, 0.0),
                )

    def _artifact_demand(self) -> dict[tuple[str, str, float, str], float]:
        """TB of artifacts per (training hub, serving hub, latency bound, period), from the placed
        jobs: in the period a job ends (a preemptible job: its deadline period, the latest it may end)."""
        if not self.placed:
            return {}
        at = self.f.job_index.get_indexer([j for j, _, _ in self.placed])
        serving = self.f.job["serving_hubs"][at]
        bound = self.f.job["max_latency_ms"][at].astype(float)
        artifact = self.f.job["artifact_tb"][at].astype(float)
        end = dict(zip(self.rec["placements"]["job_id"], self.rec["placements"]["end_period"], strict=True))
        flexible = self.f.preemptible[at] if self.f.preemptible is not None else [False] * len(at)
        demand: dict[tuple[str, str, float, str], float] = defaultdict(float)
        for (j, h, _d), hubs, b, tb, i, flex in zip(self.placed, serving, bound, artifact, at, flexible, strict=True):
            period = self.f.periods[int(self.f.deadline[i])] if flex else end[j]
            if tb > 0:
                for t in hubs:
                    if t != h:
                        demand[h, t, math.inf if math.isnan(b) else float(b), period] += float(tb)
        return dict(demand)

    def check_link_capacity(self) -> None:
        """link_capacity: each arc's load (replication, staging and artifacts) within its capacity."""
        flows = self.rec["link_flows"]
        for u, v, p, link, tb, cap in zip(
            flows["from_hub"],
            flows["to_hub"],
            flows["period_id"],
            flows["link_id"],
            flows["total_tb"],
            flows["capacity_tb"],
            strict=True,
        ):
            if link and over(tb, cap, TB_TOL):
                row, when = (f"{u}->{v} {p}", f" in {p}") if self.f.timed else (f"{u}->{v}", "")
                self.fail(
                    "link_capacity",
                    "link_flows.csv",
                    row,
                    "total_tb",
                    f"arc {u}->{v} carries {tb:.6g} TB{when}, capacity {cap:.6g} TB",
                    value=tb,
                    limit=cap,
                )
