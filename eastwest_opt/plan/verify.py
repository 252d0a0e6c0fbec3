"""The independent verifier: every constraint, every written figure and the objective, recomputed
from the plan's decisions and the raw scenario tables, without the model, the solver or the code
that wrote the plan.

:func:`verify_plan` runs, in order:

1. the plan's tables against their schema (:func:`~eastwest_opt.plan.schema.check_plan_tables`)
   and against the scenario (:func:`~eastwest_opt.plan.facts.fit_problems`: unknown ids, rows a
   table must have): a plan that fails either is malformed, a
   :class:`~eastwest_opt.errors.ScenarioError` (exit code 2), not a verdict;
2. the scenario fingerprint the plan records against the scenario's (a warning when they differ);
3. every constraint family, each in its own method of :class:`_Checker`, from the decisions
   (where jobs train, the replicas and copies, staging, traffic and artifact routes) and the
   figures recomputed from them;
4. every written figure against its recomputation (:mod:`eastwest_opt.plan.figures`), and
   ``summary.json`` with the objective, bound, gap and status
   (:mod:`eastwest_opt.plan.figures_summary`).

Each violation names its rule (family), the file, the row (by its id) and the column, and the
numbers (see :class:`~eastwest_opt.plan.verdict.Violation`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from eastwest_opt.errors import ScenarioError
from eastwest_opt.plan.facts import Facts, fit_problems
from eastwest_opt.plan.figures import FAMILY as FIGURES
from eastwest_opt.plan.figures import compare_tables, recompute
from eastwest_opt.plan.figures_summary import objective_violations, summary_figures, summary_violations
from eastwest_opt.plan.plan import Plan
from eastwest_opt.plan.schema import PLAN_SCHEMAS, as_text, check_plan_tables
from eastwest_opt.plan.verdict import VerificationReport, Violation
from eastwest_opt.plan.verify_flows import MW_TOL, TB_TOL, differ, over
from eastwest_opt.plan.verify_timing import TimingChecks
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.fingerprint import scenario_fingerprint

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
    "timing",
    "figures",
    "objective",
)


def verify_plan(scenario: Scenario, plan: Plan, *, warn: Callable[[str], None] | None = None) -> VerificationReport:
    """Check every constraint family, every written figure and the objective of ``plan`` against ``scenario``.

    Raises :class:`~eastwest_opt.errors.ScenarioError` when the plan's tables are malformed or name
    what the scenario does not have. ``warn`` is called at once with each warning (also kept in the
    report's ``warnings``): a plan solved for another version of the scenario is checked anyway.
    """
    problems = check_plan_tables(plan.tables)
    if problems:
        raise ScenarioError(problems)
    warnings = fingerprint_warnings(scenario, plan)
    for text in warnings:
        if warn is not None:
            warn(text)
    facts = Facts(scenario)
    problems = fit_problems(facts, plan.tables)
    if problems:
        raise ScenarioError(problems)
    recomputed = recompute(facts, plan.tables)
    violations = _Checker(facts, plan.tables, recomputed).run()
    violations += compare_tables(plan.tables, recomputed)
    costs = {
        str(t): float(c) for t, c in zip(recomputed["costs"]["term"], recomputed["costs"]["cost_cny"], strict=True)
    }
    violations += objective_violations(
        plan.status, float(plan.objective_cny), plan.bound_cny, plan.gap, costs["total"], plan.solver
    )
    if plan.written_summary is not None:
        violations += summary_violations(plan.written_summary, summary_figures(plan.placements, recomputed))
    return VerificationReport(violations, costs, warnings)


def fingerprint_warnings(scenario: Scenario, plan: Plan) -> list[str]:
    """One warning when the plan records another scenario fingerprint than ``scenario``'s (or none)."""
    if plan.scenario_fingerprint is None:
        return ["the plan records no scenario fingerprint (it was written by an older version); checking anyway"]
    now = scenario_fingerprint(scenario)
    if plan.scenario_fingerprint == now:
        return []
    return [
        f"the plan was solved for another version of this scenario (fingerprint {plan.scenario_fingerprint[:12]}, "
        f"the scenario's now {now[:12]}); checking anyway"
    ]


class _Checker(TimingChecks):
    """Every constraint family's check, each in its own method, recording violations as it goes."""

    def run(self) -> list[Violation]:
        """Check every family in turn."""
        self.check_assignment()
        self.check_localization()
        self.check_durable_replicas()
        self.check_staging()
        self.check_capacities()
        self.check_timing()
        self.check_carbon_budget()
        self.check_traffic()
        self.check_artifacts()
        self.check_link_capacity()
        return self.violations

    def check_assignment(self) -> None:
        """assignment: a placed job has a hub, an unplaced one none; a job stays unplaced only when the
        scenario allows unplaced jobs and the job has an ``unplaced_penalty_cny`` (every job has
        exactly one row: checked before, as the plan's form)."""
        p = self.t["placements"]
        status = p["status"].to_numpy(dtype=object)
        hub = as_text(p["hub_id"])
        jobs = p["job_id"].to_numpy(dtype=object)
        for j in jobs[(status == "placed") & (hub == "")]:
            self.fail("assignment", "placements.csv", j, "hub_id", f"job {j} is placed but names no hub")
        odd = (status == "unplaced") & (hub != "")
        for j, h in zip(jobs[odd], hub[odd], strict=True):
            self.fail("assignment", "placements.csv", j, "hub_id", f"job {j} is unplaced but names hub {h}")
        unplaced = jobs[status == "unplaced"]
        if self.sc.allow_unplaced:
            penalty = self.f.job["unplaced_penalty_cny"][self.f.job_index.get_indexer(unplaced)].astype(float)
            stuck = unplaced[np.isnan(penalty)]
            why = "it has no unplaced_penalty_cny"
        else:
            stuck, why = unplaced, "the scenario does not allow unplaced jobs"
        for j in stuck:
            self.fail("assignment", "placements.csv", j, "status", f"job {j} is unplaced but must be placed ({why})")

    def check_localization(self) -> None:
        """localization: jobs, replicas and staged copies only at hubs their data class allows (and a
        job only at the hubs it allows); no staged copy of a class that forbids staging."""
        restrict = dict(zip(self.f.job["job_id"], self.f.job["allowed_hubs"], strict=True))
        for j, h, d in self.placed:
            if h not in self.f.allowed[d]:
                self.fail(
                    "localization",
                    "placements.csv",
                    j,
                    "hub_id",
                    f"job {j} trains at {h}, outside the hubs its "
                    f"data class allows ({';'.join(sorted(self.f.allowed[d]))})",
                )
            own = restrict[j]
            if own and h not in own:
                self.fail(
                    "localization",
                    "placements.csv",
                    j,
                    "hub_id",
                    f"job {j} trains at {h}, outside its allowed hubs {';'.join(own)}",
                )
        r = self.t["replicas"]
        labels = PLAN_SCHEMAS["replicas"].labels(r)
        for label, d, h, kind in zip(labels, r["dataset_id"], r["hub_id"], r["kind"], strict=True):
            if kind == "staged" and not self.f.staging_ok[d]:
                self.fail(
                    "localization",
                    "replicas.csv",
                    label,
                    "kind",
                    f"dataset {d} is staged at {h} but its class forbids staging",
                )
            if h not in self.f.allowed[d]:
                what = "keeps a replica" if kind == "durable" else "is staged"
                self.fail(
                    "localization",
                    "replicas.csv",
                    label,
                    "hub_id",
                    f"dataset {d} {what} at {h}, outside the hubs its class allows",
                )

    def check_durable_replicas(self) -> None:
        """durable_replicas: every dataset keeps a durable replica at its origin, at least
        ``min_replicas`` of them, across at least ``min_grid_regions`` grid regions."""
        region = self.f.region
        for d, origin in self.f.origin.items():
            need, regions_needed = self.f.min_replicas[d], self.f.min_regions[d]
            hs = self.durable.get(d, set())
            if origin not in hs:
                self.fail(
                    "durable_replicas",
                    "replicas.csv",
                    d,
                    "hub_id",
                    f"dataset {d} has no durable replica at its origin {origin}",
                )
            if len(hs) < int(need):
                self.fail(
                    "durable_replicas",
                    "replicas.csv",
                    d,
                    "hub_id",
                    f"dataset {d} keeps {len(hs)} durable replica(s), needs {int(need)}",
                    value=len(hs),
                    limit=int(need),
                )
            spread = {region[h] for h in hs}
            if len(spread) < int(regions_needed):
                self.fail(
                    "durable_replicas",
                    "replicas.csv",
                    d,
                    "grid_region",
                    f"dataset {d} spans {len(spread)} grid region(s), needs {int(regions_needed)}",
                    value=len(spread),
                    limit=int(regions_needed),
                )

    def check_staging(self) -> None:
        """staging and data gravity: a job trains where its data is, in every period it runs there;
        a staged copy comes whole (its size in TB) from hubs that keep a durable replica, in the
        first period it is held."""
        dataset = {j: d for j, _h, d in self.placed}
        jp = self.rec["job_periods"]
        for j, h, p in zip(jp["job_id"], jp["hub_id"], jp["period_id"], strict=True):
            d = dataset[j]
            if h in self.durable.get(d, set()):
                continue
            held = self.held.get((d, h))
            if held is None:
                self.fail(
                    "staging",
                    "placements.csv",
                    j,
                    "data_source",
                    f"job {j} trains at {h} where dataset {d} has neither replica nor staged copy",
                )
            elif not held[0] <= self.f.period_pos[p] <= held[1]:
                self.fail(
                    "staging",
                    "job_periods.csv",
                    f"{j} {p}",
                    "period_id",
                    f"job {j} trains at {h} in {p}, when the staged copy of {d} there is not held "
                    f"({self.f.periods[held[0]]}..{self.f.periods[held[1]]})",
                )
        s = self.t["staging"]
        received: dict[tuple[str, str], float] = defaultdict(float)
        for label, d, to, frm, period, tb in zip(
            PLAN_SCHEMAS["staging"].labels(s),
            s["dataset_id"],
            s["to_hub"],
            s["from_hub"],
            s["period_id"],
            s["tb"],
            strict=True,
        ):
            received[d, to] += float(tb)
            if frm not in self.durable.get(d, set()):
                self.fail(
                    "staging",
                    "staging.csv",
                    label,
                    "from_hub",
                    f"staged copy of {d} at {to} comes from {frm}, which holds no durable replica",
                )
            if to not in self.staged.get(d, set()):
                self.fail(
                    "staging",
                    "staging.csv",
                    label,
                    "to_hub",
                    f"staging transfer of {d} to {to}, which holds no staged copy",
                )
            elif self.f.timed and self.f.period_pos[str(period)] != self.held[d, to][0]:
                self.fail(
                    "staging",
                    "staging.csv",
                    label,
                    "period_id",
                    f"staging transfer of {d} to {to} in {period}; the copy is first held in "
                    f"{self.f.periods[self.held[d, to][0]]}, where it must arrive",
                )
        for d, hs in self.staged.items():
            size = self.f.size_tb[d]
            for h in sorted(hs):
                if differ(received[d, h], size, TB_TOL):
                    self.fail(
                        "staging",
                        "replicas.csv",
                        f"{d}@{h} staged",
                        "size_tb",
                        f"staged copy of {d} at {h} receives "
                        f"{received[d, h]:.6g} TB in staging.csv, its size is {size:g} TB",
                        value=received[d, h],
                        limit=size,
                    )

    def check_capacities(self) -> None:
        """hub_power, accelerator_inventory and storage, in every period: each hub's power at the
        meter (IT x PUE) within its grid allocation, accelerators of each type within its
        inventory, durable replicas and staged copies held within its storage (the recomputed
        hub and accelerator usage; per period in ``hub_periods.csv`` when the plan has periods)."""
        timed = self.f.timed
        u = self.rec["hub_periods"]
        file = "hub_periods.csv" if timed else "hub_usage.csv"
        for h, p, mw, grid, tb, cap in zip(
            u["hub_id"], u["period_id"], u["meter_mw"], u["grid_mw"], u["storage_used_tb"], u["storage_tb"], strict=True
        ):
            row, when = (f"{h} {p}", f" in {p}") if timed else (h, "")
            if over(mw, grid, MW_TOL):
                self.fail(
                    "hub_power",
                    file,
                    row,
                    "meter_mw",
                    f"hub {h} draws {mw:.4f} MW (IT x PUE){when}, its grid allocation is {grid:g} MW",
                    value=mw,
                    limit=grid,
                )
            if over(tb, cap, TB_TOL):
                self.fail(
                    "storage",
                    file,
                    row,
                    "storage_used_tb",
                    f"hub {h} stores {tb:g} TB{when}, its storage is {cap:g} TB",
                    value=tb,
                    limit=cap,
                )
        a = self.rec["accelerator_usage"]
        for h, k, p, n, inv in zip(a["hub_id"], a["accel_id"], a["period_id"], a["used"], a["count"], strict=True):
            if over(float(n), float(inv), 1e-9):
                row, when = (f"{h}/{k} {p}", f" in {p}") if timed else (f"{h}/{k}", "")
                self.fail(
                    "accelerator_inventory",
                    "accelerator_usage.csv",
                    row,
                    "used",
                    f"hub {h} uses {n:g} {k} accelerators{when}, it has {inv:g}",
                    value=int(n),
                    limit=int(inv),
                )

    def check_carbon_budget(self) -> None:
        """carbon_budget: the emissions of the placed jobs within the budget, if one is set."""
        budget = self.sc.carbon_budget_t
        rec = self.rec["placements"]
        carbon = float(rec["carbon_t"].sum())
        if budget is not None and over(carbon, budget, 1e-6):
            self.fail(
                "carbon_budget",
                "summary.json",
                None,
                "emissions_t",
                f"emissions {carbon:.3f} t exceed the budget {budget:g} t",
                value=carbon,
                limit=budget,
            )


__all__ = ["FAMILIES", "FIGURES", "fingerprint_warnings", "verify_plan"]
