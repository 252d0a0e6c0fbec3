"""Why a scenario has no plan, in the planner's terms.

Two stages. Cheap pre-solve checks catch the obvious causes without a solve (a must-place job
that its data class and hub restriction allow nowhere; a dataset whose class allows fewer hubs
or grid regions than its replicas need). Otherwise an elastic copy of the model gives every
capacity, replica, latency and carbon constraint a non-negative slack, weighted relative to
what it relaxes, and minimises the total: the smallest relaxation that makes the scenario
feasible. Each non-zero slack becomes one sentence ("Gansu needs 140.0 MW more grid
allocation") and one row of the explanation table.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import pandas as pd

from eastwest_opt.network import Network, build_network
from eastwest_opt.prepare import ModelData, localization, prepare
from eastwest_opt.scenario import TB_PER_GBPS_HOUR, Scenario

if TYPE_CHECKING:
    from eastwest_opt.solver import SolveOptions

COLUMNS = ["cause", "subject", "amount", "unit", "current", "sentence"]
SLACK_TOL = 1e-6


@dataclass(frozen=True)
class Finding:
    """One relaxation that the scenario needs: what, how much, and a sentence saying so."""

    cause: str  # the constraint family or check: hub_power, accelerator_inventory, ...
    subject: str  # hub, (hub, type), link, dataset or job id
    amount: float  # how much more is needed, in ``unit``
    unit: str
    current: float  # the value the scenario has now (nan where not meaningful)
    sentence: str


def findings_table(findings: list[Finding]) -> pd.DataFrame:
    """The explanation as a DataFrame, one row per finding."""
    return pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)


class _Names:
    def __init__(self, scenario: Scenario) -> None:
        self.hub = dict(zip(scenario.hubs["hub_id"], scenario.hubs["name"], strict=True))
        self.accel = dict(zip(scenario.accelerators["accel_id"], scenario.accelerators["name"], strict=True))

    def h(self, hub: str) -> str:
        return self.hub.get(hub, hub) or hub

    def hubs(self, hubs: list[str]) -> str:
        names = [self.h(h) for h in hubs]
        if len(names) == 1:
            return f"the {names[0]} hub"
        return "the hubs " + ", ".join(names[:-1]) + " and " + names[-1]


def presolve_findings(scenario: Scenario) -> list[Finding]:
    """Causes of infeasibility visible without a solve."""
    names = _Names(scenario)
    allowed, _zone, _staging = localization(scenario)
    all_hubs = list(scenario.hubs["hub_id"])
    region = dict(zip(scenario.hubs["hub_id"], scenario.hubs["grid_region"], strict=True))
    findings: list[Finding] = []
    for ds in scenario.datasets.itertuples(index=False):
        hubs = sorted(allowed[ds.dataset_id] or all_hubs)
        hubs = [h for h in hubs if h in region]
        regions = {region[h] for h in hubs}
        short_r = int(ds.min_replicas) - len(hubs)
        short_g = int(ds.min_grid_regions) - len(regions)
        if short_r <= 0 and short_g <= 0:
            continue
        ask = f"{int(ds.min_replicas)} replica{'s' if ds.min_replicas > 1 else ''}"
        if ds.min_grid_regions > 1:
            ask += f" across {int(ds.min_grid_regions)} grid regions"
        sentence = f"dataset {ds.dataset_id} is confined to {names.hubs(hubs)} but asks for {ask}"
        if short_r > 0:
            findings.append(Finding("replica_count", ds.dataset_id, short_r, "replicas", len(hubs), sentence))
        if short_g > 0:
            findings.append(Finding("region_spread", ds.dataset_id, short_g, "grid regions", len(regions), sentence))
    penalty_ok = scenario.allow_unplaced
    for job in scenario.jobs.itertuples(index=False):
        if penalty_ok and not math.isnan(job.unplaced_penalty_cny):
            continue
        hubs = allowed.get(job.dataset_id)
        hubs = set(all_hubs) if hubs is None else set(hubs)
        if job.allowed_hubs:
            hubs &= set(job.allowed_hubs)
        if not hubs:
            why = f"its data class allows only {names.hubs(sorted(allowed[job.dataset_id] or all_hubs))}"
            why += f" and the job itself only {names.hubs(sorted(job.allowed_hubs))}" if job.allowed_hubs else ""
            findings.append(
                Finding("no_allowed_hub", job.job_id, 1, "job", 0, f"job {job.job_id} must be placed but {why}")
            )
    return findings


def elastic_findings(scenario: Scenario, options: SolveOptions, network: Network | None = None) -> list[Finding]:
    """Solve the elastic model and turn every non-zero slack into a finding."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.solvers.highs import Highs

    from eastwest_opt.model import build_model

    network = network or build_network(scenario)
    data = prepare(scenario, network, elastic=True)
    m = build_model(data, elastic=True)
    opts = options.resolved(scenario)
    results = Highs().solve(
        m,
        tee=False,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        time_limit=opts.time_limit_s,
        rel_gap=opts.mip_rel_gap,
        threads=opts.threads,
    )
    if results.incumbent_objective is None:
        return []
    results.solution_loader.load_vars()
    return _read_slacks(scenario, data, m, pyo)


def _read_slacks(scenario: Scenario, data: ModelData, m: object, pyo: object) -> list[Finding]:
    names = _Names(scenario)
    out: list[Finding] = []
    slacks = m._slacks  # type: ignore[attr-defined]

    def values(family: str) -> list[tuple[object, float]]:
        if family not in slacks:
            return []
        var, _weights = slacks[family]
        return [(i, float(var[i].value or 0.0)) for i in var if float(var[i].value or 0.0) > SLACK_TOL]

    for h, v in values("power"):
        out.append(
            Finding(
                "hub_power",
                str(h),
                v,
                "MW",
                data.grid_mw[h],
                f"{names.h(h)} needs {v:,.2f} MW more grid allocation ({data.grid_mw[h]:,.2f} MW now)",
            )
        )
    for (h, k), v in values("accelerators"):
        now = data.inventory.get((h, k), 0.0)
        n = math.ceil(v - 1e-6)
        out.append(
            Finding(
                "accelerator_inventory",
                f"{h}/{k}",
                n,
                "accelerators",
                now,
                f"{names.h(h)} needs {n:,} more {names.accel.get(k, k)} accelerators ({now:,.0f} now)",
            )
        )
    for h, v in values("storage"):
        out.append(
            Finding(
                "storage",
                str(h),
                v,
                "TB",
                data.storage_tb[h],
                f"{names.h(h)} needs {v:,.1f} TB more storage ({data.storage_tb[h]:,.1f} TB now)",
            )
        )
    per_gbps = scenario.planning_window_hours * TB_PER_GBPS_HOUR
    for (u, v_), tb in values("links"):
        gbps = tb / per_gbps
        now = data.arc_capacity_tb[u, v_] / per_gbps
        out.append(
            Finding(
                "link_capacity",
                f"{u}->{v_}",
                gbps,
                "Gbps",
                now,
                f"the link {names.h(u)} -> {names.h(v_)} needs {gbps:,.2f} Gbps more capacity "
                f"({now:,.1f} Gbps now; {tb:,.1f} TB more over the window)",
            )
        )
    for d, v in values("replicas"):
        n = math.ceil(v - 1e-6)
        out.append(
            Finding(
                "replica_count",
                str(d),
                n,
                "replicas",
                data.min_replicas[d],
                f"dataset {d} can keep only {data.min_replicas[d] - n} of the {data.min_replicas[d]} "
                f"replicas it asks for within its class's hubs and their capacities",
            )
        )
    for d, v in values("regions"):
        n = math.ceil(v - 1e-6)
        out.append(
            Finding(
                "region_spread",
                str(d),
                n,
                "grid regions",
                data.min_grid_regions[d],
                f"dataset {d} can span only {data.min_grid_regions[d] - n} of the {data.min_grid_regions[d]} "
                "grid regions it asks for",
            )
        )
    for _i, v in values("carbon"):
        budget = data.carbon_budget_t or 0.0
        out.append(
            Finding(
                "carbon_budget",
                "carbon_budget_t",
                v,
                "tCO2",
                budget,
                f"the carbon budget needs {v:,.1f} tCO2 more ({budget:,.1f} t now)",
            )
        )
    for j, _v in values("unplaced"):
        out.append(
            Finding(
                "unplaceable",
                str(j),
                1,
                "job",
                math.nan,
                f"job {j} must be placed but no hub can take it, even with a thousandfold relaxation of "
                "capacities; give it an unplaced_penalty_cny or widen where it may train",
            )
        )
    for row in data.pairs.itertuples(index=False):
        x = m.x[row.group_id, row.hub_id]  # type: ignore[attr-defined]
        if row.latency_excess_ms > 0 and (x.value or 0) > 0.5:
            out.append(
                Finding(
                    "serving_latency",
                    str(row.group_id),
                    row.latency_excess_ms,
                    "ms",
                    row.max_latency_ms,
                    f"{_jobs(data, row.group_id)} needs {row.latency_excess_ms:,.1f} ms more latency budget "
                    f"to train at {names.h(row.hub_id)} (its bound is {row.max_latency_ms:g} ms)",
                )
            )
    return out


def _jobs(data: ModelData, group: str) -> str:
    """'job j', or 'job j and its 4 identical twins' for a group of identical jobs."""
    n = data.group_size.get(group, 1)
    return f"job {group}" if n == 1 else f"job {group} and its {n - 1} identical twin{'s' if n > 2 else ''}"


def explain(scenario: Scenario, options: SolveOptions | None = None) -> pd.DataFrame:
    """The explanation table of an infeasible scenario (empty if it is feasible)."""
    from eastwest_opt.solver import SolveOptions

    found = presolve_findings(scenario)
    if not found:
        found = elastic_findings(scenario, options or SolveOptions())
    return findings_table(found)
