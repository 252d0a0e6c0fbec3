"""The one way through the package: load -> check -> network -> build -> solve -> plan -> verify.

:func:`solve` is what the CLI's ``solve`` command, the Python API (``ew.solve``) and every
sweep variant call. Each stage lives in its own subpackage and knows nothing of the later ones:
``scenario`` (load, validate, network), ``model`` (index sets, families, arrays, Pyomo),
``solve`` (HiGHS, guard, decomposition, heuristic), ``plan`` (tables, verifier, explanation).
The result is always one verified :class:`~eastwest_opt.plan.plan.Plan`, or an exception
that says why there is none (:class:`InfeasibleError`, :class:`NoSolutionError`,
:class:`VerificationError`, :class:`ScenarioError`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eastwest_opt.errors import InfeasibleError, NoSolutionError, VerificationError
from eastwest_opt.plan.explain import elastic_findings, findings_table, presolve_findings
from eastwest_opt.plan.extract import extract_plan
from eastwest_opt.plan.plan import Plan
from eastwest_opt.plan.verify import verify_plan
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.load import load_scenario
from eastwest_opt.scenario.network import Network
from eastwest_opt.solver.placement import Builder, PlacementModel
from eastwest_opt.solver.status import SolveOptions, Status


def build(
    scenario: Scenario, *, aggregate: bool = True, builder: Builder = "auto", progress: Any = None
) -> PlacementModel:
    """Check a scenario for causes of infeasibility visible without a solve, then build its model.

    Raises :class:`InfeasibleError`, explained, when a cheap check or a must-place job that no
    hub can take proves that no plan exists.
    """
    found = presolve_findings(scenario)
    if found:
        raise InfeasibleError(_infeasible_message(scenario, found), findings_table(found))
    pm = PlacementModel.build(scenario, aggregate=aggregate, builder=builder, progress=progress)
    placeable = set(pm.data.pairs["group_id"])
    if any(j not in pm.data.unplaceable_penalty and j not in placeable for j in pm.data.jobs):
        raise infeasible(scenario, SolveOptions(), pm.network)
    return pm


def solve(
    scenario: Scenario | str | Path | None = None,
    *,
    time_limit_s: float | None = None,
    mip_rel_gap: float | None = None,
    threads: int | None = None,
    verify: bool = True,
    builder: Builder = "auto",
    progress: Any = None,
) -> Plan:
    """Solve a scenario (a :class:`Scenario`, a folder, or ``None`` for the shipped one).

    Returns a verified :class:`Plan`. Raises :class:`InfeasibleError` when no plan exists,
    :class:`NoSolutionError` when the time limit passed before any plan was found, and
    :class:`VerificationError` if the independent verifier rejects the solver's plan.
    ``builder`` chooses how the model is handed to HiGHS (see :class:`PlacementModel`);
    ``progress``, if given, is called as ``progress(stage, detail)`` as the work goes on.
    """
    t0 = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
        if progress is not None:
            progress("load", f"{len(scenario.jobs):,} jobs, {len(scenario.datasets):,} datasets")
    pm = build(scenario, builder=builder, progress=progress)
    options = SolveOptions(time_limit_s, mip_rel_gap, threads).resolved(scenario)
    return solve_model(pm, options, verify=verify, started=t0)


def solve_model(
    pm: PlacementModel,
    options: SolveOptions,
    *,
    verify: bool = True,
    started: float | None = None,
    warm_start: bool = False,
) -> Plan:
    """Solve a built model and turn the solution into a verified plan."""
    t0 = started if started is not None else time.perf_counter()
    progress = pm.progress
    result = pm.run(options, warm_start=warm_start)
    if progress is not None:
        gap = f", gap {result.gap:.3%}" if result.gap is not None else ""
        progress("solve", f"{result.status.value}{gap} after {result.seconds:.1f} s")
    if result.status == Status.INFEASIBLE:
        raise infeasible(pm.scenario, options, pm.network)
    if result.status == Status.NO_SOLUTION:
        raise NoSolutionError(
            f"no feasible plan found within the time limit of {options.time_limit_s:g} s; raise --time-limit"
        )
    t1 = time.perf_counter()
    plan = extract_plan(pm, result, options)
    plan.scenario = pm.scenario  # for notebooks: the map needs the hubs and links solved for
    plan.timings["plan_s"] = time.perf_counter() - t1
    if progress is not None:
        progress("plan", f"{int((plan.placements['status'] == 'placed').sum()):,} jobs placed")
    if verify:
        t2 = time.perf_counter()
        report = verify_plan(pm.scenario, plan)
        plan.timings["verify_s"] = time.perf_counter() - t2
        plan.verification = report
        if progress is not None:
            progress("verify", "every constraint holds" if report.ok else f"{len(report.violations)} violation(s)")
        if not report.ok:
            raise VerificationError(
                f"the solver's plan failed verification: {report.violations[0]} ({len(report.violations)} violation(s))"
            )
    plan.timings["total_s"] = time.perf_counter() - t0
    return plan


def infeasible(scenario: Scenario, options: SolveOptions, network: Network | None = None) -> InfeasibleError:
    """An :class:`InfeasibleError` explained by the elastic model."""
    found = elastic_findings(scenario, options, network)
    return InfeasibleError(_infeasible_message(scenario, found), findings_table(found))


def _infeasible_message(scenario: Scenario, found: list) -> str:
    if not found:
        return f"scenario {scenario.name!r} has no feasible plan (no single relaxation explains it)"
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"scenario {scenario.name!r} has no feasible plan: {found[0].sentence}{more}"
