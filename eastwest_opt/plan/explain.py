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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from eastwest_opt.model.data import ModelData, localization, prepare
from eastwest_opt.scenario.core import TB_PER_GBPS_HOUR, Scenario
from eastwest_opt.scenario.network import Network, build_network
from eastwest_opt.solver.status import SolveOptions

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
    """Solve the elastic model (:mod:`eastwest_opt.model.elastic`) and turn every non-zero
    slack into a finding."""
    from eastwest_opt.model.arrays import build_arrays
    from eastwest_opt.model.elastic import elastic
    from eastwest_opt.solver.highs import to_highs

    network = network or build_network(scenario)
    data = prepare(scenario, network, elastic=True)
    em = elastic(build_arrays(data), data)
    opts = options.resolved(scenario)
    h = to_highs(em.arrays, time_limit_s=opts.time_limit_s, mip_rel_gap=opts.mip_rel_gap, threads=opts.threads)
    h.run()
    if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
        return []
    col_value = np.array(h.getSolution().col_value)
    return _read_slacks(scenario, data, em.slack_values(col_value), em.arrays.values(col_value)["x"])


def _read_slacks(
    scenario: Scenario, data: ModelData, slacks: dict[str, list[tuple[Any, float]]], x: dict[Any, float]
) -> list[Finding]:
    """One finding per slack above :data:`SLACK_TOL`, in the order of :data:`_SENTENCES`, then
    the latency budgets the chosen (job, hub) pairs exceed."""
    names = _Names(scenario)
    out: list[Finding] = []
    for family, sentence in _SENTENCES.items():
        for key, value in slacks.get(family, []):
            if value > SLACK_TOL:
                out.append(sentence(scenario, data, names, key, value))
    placed: dict[tuple[str, str], float] = {}
    for (g, h, _start), v in x.items():
        placed[g, h] = placed.get((g, h), 0.0) + v
    seen: set[tuple[str, str]] = set()
    for row in data.pairs.itertuples(index=False):
        if (row.group_id, row.hub_id) in seen:
            continue
        seen.add((row.group_id, row.hub_id))
        if row.latency_excess_ms > 0 and placed.get((row.group_id, row.hub_id), 0.0) > 0.5:
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


def _when(sc: Scenario, data: ModelData, period: str) -> tuple[str, str]:
    """The suffix of a subject (``/period``) and the words of a sentence (`` in February``) for a
    period; nothing when the scenario has one window."""
    if not data.timed:
        return "", ""
    labels = dict(zip(sc.periods["period_id"], sc.periods["label"], strict=True))
    return f"/{period}", f" in {labels.get(period) or period}"


def _power(sc: Scenario, data: ModelData, names: _Names, key: Any, v: float) -> Finding:
    h, p = key
    now = data.grid[h, p]
    tag, when = _when(sc, data, p)
    sentence = f"{names.h(h)} needs {v:,.2f} MW more grid allocation{when} ({now:,.2f} MW now)"
    return Finding("hub_power", f"{h}{tag}", v, "MW", now, sentence)


def _accelerators(sc: Scenario, data: ModelData, names: _Names, key: Any, v: float) -> Finding:
    h, k, p = key
    now = data.inventory.get((h, k), 0.0)
    n = math.ceil(v - 1e-6)
    tag, when = _when(sc, data, p)
    sentence = f"{names.h(h)} needs {n:,} more {names.accel.get(k, k)} accelerators{when} ({now:,.0f} now)"
    return Finding("accelerator_inventory", f"{h}/{k}{tag}", n, "accelerators", now, sentence)


def _storage(sc: Scenario, data: ModelData, names: _Names, key: Any, v: float) -> Finding:
    h, p = key
    now = data.storage[h, p]
    tag, when = _when(sc, data, p)
    sentence = f"{names.h(h)} needs {v:,.1f} TB more storage{when} ({now:,.1f} TB now)"
    return Finding("storage", f"{h}{tag}", v, "TB", now, sentence)


def _links(sc: Scenario, data: ModelData, names: _Names, key: Any, tb: float) -> Finding:
    u, v, p = key
    hours = dict(zip(data.periods, data.period_hours, strict=True))[p]
    per_gbps = hours * TB_PER_GBPS_HOUR
    gbps = tb / per_gbps
    now = data.arc_capacity[(u, v), p] / per_gbps
    tag, when = _when(sc, data, p)
    span = "the window" if not data.timed else "the period"
    sentence = (
        f"the link {names.h(u)} -> {names.h(v)} needs {gbps:,.2f} Gbps more capacity{when} "
        f"({now:,.1f} Gbps now; {tb:,.1f} TB more over {span})"
    )
    return Finding("link_capacity", f"{u}->{v}{tag}", gbps, "Gbps", now, sentence)


def _replicas(_sc: Scenario, data: ModelData, _names: _Names, d: Any, v: float) -> Finding:
    n = math.ceil(v - 1e-6)
    need = data.min_replicas[d]
    sentence = (
        f"dataset {d} can keep only {need - n} of the {need} replicas it asks for within its class's hubs "
        "and their capacities"
    )
    return Finding("replica_count", str(d), n, "replicas", need, sentence)


def _regions(_sc: Scenario, data: ModelData, _names: _Names, d: Any, v: float) -> Finding:
    n = math.ceil(v - 1e-6)
    need = data.min_grid_regions[d]
    sentence = f"dataset {d} can span only {need - n} of the {need} grid regions it asks for"
    return Finding("region_spread", str(d), n, "grid regions", need, sentence)


def _carbon(_sc: Scenario, data: ModelData, _names: _Names, _key: Any, v: float) -> Finding:
    budget = data.carbon_budget_t or 0.0
    sentence = f"the carbon budget needs {v:,.1f} tCO2 more ({budget:,.1f} t now)"
    return Finding("carbon_budget", "carbon_budget_t", v, "tCO2", budget, sentence)


def _unplaced(_sc: Scenario, _data: ModelData, _names: _Names, j: Any, _v: float) -> Finding:
    sentence = (
        f"job {j} must be placed but no hub can take it, even with a thousandfold relaxation of "
        "capacities; give it an unplaced_penalty_cny or widen where it may train"
    )
    return Finding("unplaceable", str(j), 1, "job", math.nan, sentence)


# the elastic model's slacks (named in eastwest_opt.model.families) and the sentence of each
_SENTENCES: dict[str, Callable[[Scenario, ModelData, _Names, Any, float], Finding]] = {
    "power": _power,
    "accelerators": _accelerators,
    "storage": _storage,
    "links": _links,
    "replicas": _replicas,
    "regions": _regions,
    "carbon": _carbon,
    "unplaced": _unplaced,
}


def _jobs(data: ModelData, group: str) -> str:
    """'job j', or 'job j and its 4 identical twins' for a group of identical jobs."""
    n = data.group_size.get(group, 1)
    return f"job {group}" if n == 1 else f"job {group} and its {n - 1} identical twin{'s' if n > 2 else ''}"


def explain(scenario: Scenario, options: SolveOptions | None = None) -> pd.DataFrame:
    """The explanation table of an infeasible scenario (empty if it is feasible)."""
    found = presolve_findings(scenario)
    if not found:
        found = elastic_findings(scenario, options or SolveOptions())
    return findings_table(found)
