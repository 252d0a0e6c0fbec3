"""Solve a scenario: network -> prepare -> build -> HiGHS (persistent) -> plan -> verify.

The result is always one :class:`~eastwest_opt.plan.Plan` whose status says which of
optimal, feasible (a time limit stopped the search; bound and gap given), infeasible, or no
solution found in time holds. The API raises :class:`InfeasibleError` and
:class:`NoSolutionError` for the last two, so a caller never mistakes them for plans.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

import pyomo.environ as pyo

from eastwest_opt.errors import InfeasibleError, NoSolutionError, VerificationError
from eastwest_opt.guard import solve_guarded
from eastwest_opt.highs_process import use_threads
from eastwest_opt.model import build_model
from eastwest_opt.network import Network, build_network
from eastwest_opt.plan import Plan, extract_plan
from eastwest_opt.prepare import ModelData, prepare
from eastwest_opt.scenario import TB_PER_GBPS_HOUR, Scenario, load_scenario

if TYPE_CHECKING:
    from eastwest_opt.lagrange import Relaxation


class Status(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"  # proven within the relative gap asked for
    FEASIBLE = "feasible"  # a plan, but a limit stopped the proof; bound and gap say how good
    INFEASIBLE = "infeasible"  # proven: no plan satisfies every constraint
    NO_SOLUTION = "no_solution"  # a limit stopped the search before any plan was found


@dataclass(frozen=True)
class SolveOptions:
    """Solver controls; ``None`` takes the scenario's default."""

    time_limit_s: float | None = None
    mip_rel_gap: float | None = None
    threads: int | None = None

    def resolved(self, scenario: Scenario) -> SolveOptions:
        d = scenario.solver
        return SolveOptions(
            time_limit_s=self.time_limit_s if self.time_limit_s is not None else d.time_limit_s,
            mip_rel_gap=self.mip_rel_gap if self.mip_rel_gap is not None else d.mip_rel_gap,
            threads=self.threads if self.threads is not None else d.threads,
        )


@dataclass
class SolveResult:
    """What the solver said, before the plan is extracted."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    termination: str


Builder = Literal["auto", "pyomo", "arrays"]
HEURISTIC_MIN_COLUMNS = 100_000  # array models from this size get an LP-guided starting plan
DECOMPOSITION = True  # array models are solved by decomposition by dataset first (eastwest_opt.lagrange)
# from this many columns: below it (about 4,000 jobs) the whole model alone was faster, measured on
# generated portfolios (2,000 jobs: 2-25 s alone against 4-70 s after the decomposition; 5,000 jobs:
# 5-21 s alone against 3-4 s with it), because there the relaxation's gap is mostly shared between datasets
DECOMPOSITION_MIN_COLUMNS = 20_000
DECOMPOSED_MIN_LEFT_S = 5.0  # the whole model is searched after the decomposition only with this much time left


@dataclass
class PlacementModel:
    """A built model with its HiGHS instance, ready to solve and re-solve.

    Two builders make the same matrix (``tests/test_matrix.py`` compares them entry by entry):
    ``"pyomo"`` (:func:`~eastwest_opt.model.build_model`, solved through Pyomo's persistent HiGHS
    interface, with mutable parameters for re-solves) and ``"arrays"``
    (:func:`~eastwest_opt.matrix.build_arrays`, assembled in bulk with numpy and passed to
    ``highspy`` in one call). ``"auto"`` takes Pyomo below
    :data:`~eastwest_opt.matrix.ARRAY_BUILD_MIN_PAIRS` (group, hub) pairs and arrays above.
    """

    scenario: Scenario
    network: Network
    data: ModelData
    model: pyo.ConcreteModel | None
    timings: dict[str, float] = field(default_factory=dict)
    arrays: Any = None  # eastwest_opt.matrix.ArrayModel when built from arrays
    builder: str = "pyomo"
    progress: Any = None  # callable(stage: str, detail: str) or None
    _solver: Any = None
    _signature: tuple = ()
    _col_value: Any = None  # last solution of the array model (numpy array)

    @classmethod
    def build(
        cls, scenario: Scenario, *, aggregate: bool = True, builder: Builder = "auto", progress: Any = None
    ) -> PlacementModel:
        """Build the model; ``aggregate=False`` keeps one variable per job (no grouping of twins).

        ``progress``, if given, is called as ``progress(stage, detail)`` after each stage.
        """
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        network = build_network(scenario)
        t1 = time.perf_counter()
        _presolve_checks(scenario)
        data = prepare(scenario, network, aggregate=aggregate)
        if any(j not in data.unplaceable_penalty for j in set(data.jobs) - set(data.pairs["group_id"])):
            raise _infeasible(scenario, SolveOptions(), network)
        t2 = time.perf_counter()
        if progress is not None:
            progress(
                "prepare",
                f"{len(scenario.jobs):,} jobs in {len(data.jobs):,} groups; {len(data.pairs):,} (group, hub) pairs",
            )
        chosen = _choose_builder(builder, data)
        model = arrays = None
        if chosen == "pyomo":
            model = build_model(data)
        else:
            from eastwest_opt.matrix import build_arrays

            arrays = build_arrays(data)
        t3 = time.perf_counter()
        timings.update(network_s=t1 - t0, prepare_s=t2 - t1, build_s=t3 - t2)
        if progress is not None:
            size = f"{arrays.num_col:,} columns, {arrays.num_row:,} rows" if arrays is not None else "Pyomo model"
            progress("build", f"{chosen} builder: {size}")
        return cls(
            scenario=scenario,
            network=network,
            data=data,
            model=model,
            timings=timings,
            arrays=arrays,
            builder=chosen,
            progress=progress,
            _signature=structure_signature(scenario),
        )

    def update(self, scenario: Scenario) -> bool:
        """Take the numbers of ``scenario`` into the built model, if only numbers changed.

        Returns ``True`` when ``scenario`` has the same structure as the built one (see
        :func:`structure_signature`): its hub prices, grid allocations, storage, accelerator
        inventories, link capacities and costs, carbon price and budget are written into the
        model's mutable parameters, and the next :meth:`run` re-solves the same model.
        Returns ``False`` (and changes nothing) when the structure differs: rebuild instead.
        """
        if structure_signature(scenario) != self._signature:
            return False
        if self.model is None:  # array model: rebuild the arrays from the new numbers (same columns)
            from eastwest_opt.matrix import build_arrays

            aggregate = len(self.data.jobs) < len(self.scenario.jobs)
            self.data = prepare(scenario, self.network, aggregate=aggregate)
            self.arrays = build_arrays(self.data)
            self.scenario = scenario
            return True
        m = self.model
        hubs = scenario.hubs.set_index("hub_id")
        for h in m.H:
            m.price[h] = float(hubs.at[h, "price_cny_per_kwh"])
            m.grid_mw[h] = float(hubs.at[h, "grid_mw"])
            m.storage_tb[h] = float(hubs.at[h, "storage_tb"])
            m.storage_price[h] = float(hubs.at[h, "storage_price_cny_per_tb_month"])
        ha = scenario.hub_accelerators
        counts = dict(zip(zip(ha["hub_id"], ha["accel_id"], strict=True), ha["count"], strict=True))
        for hk in m.HK:
            m.inventory[hk] = float(counts.get(hk, 0))
        window = scenario.planning_window_hours
        for link in scenario.links.itertuples(index=False):
            for arc in ((link.hub_a, link.hub_b), (link.hub_b, link.hub_a)):
                if arc in m.cap_tb:
                    m.cap_tb[arc] = float(link.capacity_gbps) * window * TB_PER_GBPS_HOUR
                    m.arc_cost[arc] = float(link.cost_cny_per_tb)
        m.carbon_price = scenario.carbon_price_cny_per_t
        if scenario.carbon_budget_t is not None:
            m.carbon_budget = scenario.carbon_budget_t
        self.scenario = scenario
        return True

    def run(self, options: SolveOptions, *, warm_start: bool = False) -> SolveResult:
        """Solve (or re-solve) the model with HiGHS through Pyomo's persistent interface.

        With ``warm_start=True`` and a previous solution in the model, that solution is handed
        to HiGHS as a starting plan (HiGHS uses it when it is feasible for the new numbers).
        """
        from pyomo.contrib.solver.common.results import TerminationCondition
        from pyomo.contrib.solver.solvers.highs import Highs

        t0 = time.perf_counter()
        opts = options.resolved(self.scenario)
        if self.model is None:
            return self._run_arrays(opts, warm_start=warm_start)
        kwargs: dict[str, Any] = {}
        if self._solver is None:
            self._solver = Highs()
        elif warm_start:
            self._solver.update()  # parameters first: changing the model would drop the start
            self._set_start()
            kwargs["auto_updates"] = {
                "check_for_new_or_removed_constraints": False,
                "check_for_new_or_removed_vars": False,
                "check_for_new_or_removed_params": False,
                "check_for_new_objective": False,
                "update_constraints": False,
                "update_vars": False,
                "update_parameters": False,
                "update_named_expressions": False,
                "update_objective": False,
            }
        use_threads(opts.threads)
        results = self._solver.solve(
            self.model,
            tee=False,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            time_limit=opts.time_limit_s,
            rel_gap=opts.mip_rel_gap,
            threads=opts.threads,
            **kwargs,
        )
        seconds = time.perf_counter() - t0
        self.timings["solve_s"] = seconds
        tc = results.termination_condition
        has_solution = results.incumbent_objective is not None
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            return SolveResult(Status.INFEASIBLE, None, None, None, seconds, tc.name)
        if not has_solution:
            return SolveResult(Status.NO_SOLUTION, None, results.objective_bound, None, seconds, tc.name)
        results.solution_loader.load_vars()
        objective = float(results.incumbent_objective)
        bound = results.objective_bound
        bound = float(bound) if bound is not None and math.isfinite(bound) else None
        gap = None
        if bound is not None:
            gap = max(0.0, objective - bound) / max(abs(objective), 1e-9)
        optimal = tc == TerminationCondition.convergenceCriteriaSatisfied
        status = Status.OPTIMAL if optimal else Status.FEASIBLE
        if optimal and bound is None:
            bound, gap = objective, 0.0
        return SolveResult(status, objective, bound, gap, seconds, tc.name)

    def _run_arrays(self, opts: SolveOptions, *, warm_start: bool) -> SolveResult:
        """Solve the array model with highspy in a guarded child process (see :mod:`eastwest_opt.guard`).

        Without a warm start, by decomposition first (:meth:`_run_decomposed`); the whole model
        is searched when that does not reach the gap asked for and time is left.
        """
        t0 = time.perf_counter()
        for stage in ("handover_s", "relaxation_s", "bound_s", "restricted_s", "heuristic_s", "search_s"):
            self.timings.pop(stage, None)
        limit = opts.time_limit_s if opts.time_limit_s is not None else math.inf
        start = None
        if warm_start and self._col_value is not None and len(self._col_value) == self.arrays.num_col:
            start = self._col_value
        relaxation: Relaxation | None = None
        best: SolveResult | None = None  # the decomposition's plan, with the Lagrangian bound
        if (
            start is None
            and DECOMPOSITION
            and self.arrays.col_dataset is not None
            and self.arrays.num_col >= DECOMPOSITION_MIN_COLUMNS
        ):
            outcome = self._run_decomposed(opts, limit)
            if isinstance(outcome, SolveResult):
                if outcome.status in (Status.OPTIMAL, Status.INFEASIBLE):
                    self.timings["solve_s"] = outcome.seconds - self.timings.get("handover_s", 0.0)
                    return outcome
                best = outcome
                if outcome.status == Status.FEASIBLE:
                    start = self._col_value
            else:
                relaxation = outcome
        remaining = limit - (time.perf_counter() - t0)
        if best is not None and remaining < DECOMPOSED_MIN_LEFT_S:
            return _timed(best, time.perf_counter() - t0)
        lp_bound = None
        if start is None and self.arrays.num_col >= HEURISTIC_MIN_COLUMNS:
            start, lp_bound = self._lp_guided_start(remaining, opts.threads, relaxation)
        limit = max(1.0, limit - (time.perf_counter() - t0))
        out = solve_guarded(
            self.arrays,
            time_limit_s=limit,
            mip_rel_gap=opts.mip_rel_gap,
            threads=opts.threads,
            start=start,
            progress=self.progress,
        )
        seconds = time.perf_counter() - t0
        self.timings["search_s"] = out.seconds  # the whole model's search alone
        self.timings["handover_s"] = self.timings.get("handover_s", 0.0) + out.handover_s
        self.timings["solve_s"] = seconds - self.timings["handover_s"]
        if out.infeasible:
            return SolveResult(Status.INFEASIBLE, None, None, None, seconds, out.model_status)
        bound = out.bound if out.bound is not None and math.isfinite(out.bound) else None
        for valid in (lp_bound, best.bound if best else None):  # bounds proven before this search stay valid
            if valid is not None:
                bound = valid if bound is None else max(bound, valid)
        if (out.objective is None or out.col_value is None) and start is not None and not out.infeasible:
            out.objective, out.col_value = float(self.arrays.col_cost @ start), start  # HiGHS found nothing: the start
        if out.objective is None or out.col_value is None:
            return SolveResult(Status.NO_SOLUTION, None, bound, None, seconds, out.model_status)
        self._col_value = out.col_value
        objective = float(out.objective)
        gap = None if bound is None else max(0.0, objective - bound) / max(abs(objective), 1e-9)
        optimal = out.optimal or (gap is not None and opts.mip_rel_gap is not None and gap <= opts.mip_rel_gap)
        if optimal and bound is None:
            bound, gap = objective, 0.0
        status = Status.OPTIMAL if optimal else Status.FEASIBLE
        return SolveResult(status, objective, bound, gap, seconds, out.model_status)

    def _run_decomposed(self, opts: SolveOptions, limit: float) -> SolveResult | Relaxation | None:
        """Relaxation, Lagrangian bound by dataset, restricted model (:mod:`eastwest_opt.lagrange`).

        Returns a :class:`SolveResult` (optimal: the plan is within the gap asked of the
        Lagrangian bound; feasible: a plan, with that bound; infeasible: the relaxation is), or
        the relaxation (or ``None``) when the restricted model gave no plan.
        """
        from eastwest_opt.lagrange import lagrangian_bound, restricted, solve_relaxation

        t0 = time.perf_counter()
        relaxation, lp_status = solve_relaxation(self.arrays, time_limit_s=limit / 2, threads=opts.threads)
        self.timings["relaxation_s"] = time.perf_counter() - t0
        if relaxation is None:
            if lp_status == "Infeasible":
                return SolveResult(Status.INFEASIBLE, None, None, None, time.perf_counter() - t0, lp_status)
            return None
        if self.progress is not None:
            self.progress("relax", f"linear relaxation {relaxation.objective:,.0f} CNY")
        left = limit - (time.perf_counter() - t0)
        lagrange = lagrangian_bound(self.arrays, relaxation, time_limit_s=max(1.0, 0.1 * left))
        self.timings["bound_s"] = lagrange.seconds
        bound = lagrange.bound
        if self.progress is not None:
            rise = (bound - lagrange.lp_bound) / max(abs(lagrange.lp_bound), 1e-9)
            self.progress(
                "bound",
                f"{bound:,.0f} CNY by dataset ({rise:+.3%} over the relaxation): "
                f"{len(lagrange.open_datasets):,} datasets fractional, {lagrange.blocks_solved:,} solved exactly",
            )
        gap = opts.mip_rel_gap if opts.mip_rel_gap is not None else 0.0
        left = limit - (time.perf_counter() - t0)
        out = solve_guarded(  # half the time left at most: the whole model may need the rest
            restricted(self.arrays, relaxation, lagrange.open_datasets),
            time_limit_s=max(1.0, left / 2),
            mip_rel_gap=gap,
            threads=opts.threads,
            progress=None,
            stop_at=bound / (1.0 - gap) if bound > 0 else bound * (1.0 - gap),
        )
        seconds = time.perf_counter() - t0
        self.timings["handover_s"] = out.handover_s
        self.timings["restricted_s"] = out.seconds
        if out.objective is None or out.col_value is None:
            if self.progress is not None:
                self.progress("search", f"no plan from the restricted model ({out.model_status}); whole model next")
            return relaxation
        self._col_value = out.col_value
        objective = float(out.objective)
        proven = max(0.0, objective - bound) / max(abs(objective), 1e-9)
        if self.progress is not None:
            self.progress(
                "search",
                f"restricted model ({len(lagrange.open_datasets):,} datasets open, the rest as relaxed): "
                f"plan {objective:,.0f} CNY, {proven:.3%} above the bound",
            )
        status = Status.OPTIMAL if proven <= gap else Status.FEASIBLE
        termination = "Within the gap of the Lagrangian bound by dataset" if proven <= gap else out.model_status
        return SolveResult(status, objective, bound, proven, seconds, termination)

    def _lp_guided_start(
        self, limit: float, threads: int | None, relaxation: Relaxation | None = None
    ) -> tuple[Any, float | None]:
        """A starting plan rounded from the LP relaxation (:mod:`eastwest_opt.heuristic`), or None,
        and the relaxation's optimum (a valid lower bound), or None. ``relaxation`` is reused
        when the decomposition already solved it."""
        from eastwest_opt.heuristic import lp_guided_start

        start, info = lp_guided_start(
            self.arrays, self.data, time_limit_s=min(limit / 2, 300.0), threads=threads, relaxation=relaxation
        )
        self.timings["heuristic_s"] = info.get("total_s", info.get("lp_s", 0.0))
        if self.progress is not None:
            if start is None:
                self.progress("start", "no starting plan from the LP relaxation; HiGHS searches alone")
            else:
                lp, obj = info["lp_bound"], info["start_objective"]
                self.progress(
                    "start",
                    f"LP bound {lp:,.0f} CNY; rounded starting plan {obj:,.0f} CNY ({(obj - lp) / obj:.2%} above)",
                )
        return start, info.get("lp_bound")

    def solution_values(self) -> dict[str, dict[Any, float]]:
        """The last solution by variable family and index: ``values["x"][group, hub]`` and so on
        for x, u, y, s, z, q, f and w, whichever builder made the model."""
        if self.model is None:
            if self._col_value is None:
                return {}
            return self.arrays.values(self._col_value)
        out: dict[str, dict[Any, float]] = {}
        for name in ("x", "u", "y", "s", "z", "q", "f", "w"):
            var = getattr(self.model, name)
            out[name] = {k: (0.0 if v.value is None else float(v.value)) for k, v in var.items()}
        return out

    def _set_start(self) -> None:
        """Hand the values now in the model's variables to HiGHS as a MIP start."""
        import highspy

        solver = self._solver
        highs = solver._solver_model
        columns = solver._pyomo_var_to_solver_var_map
        values = [0.0] * highs.getNumCol()
        have = False
        for var in self.model.component_data_objects(pyo.Var, descend_into=True):
            col = columns.get(id(var))
            if col is not None and var.value is not None:
                values[col] = float(var.value)
                have = True
        if have:
            start = highspy.HighsSolution()
            start.col_value = values
            start.value_valid = True
            highs.setSolution(start)


def _timed(result: SolveResult, seconds: float) -> SolveResult:
    return SolveResult(result.status, result.objective, result.bound, result.gap, seconds, result.termination)


def _choose_builder(builder: str, data: ModelData) -> str:
    """The builder ``"auto"`` stands for: Pyomo for small models, arrays from ARRAY_BUILD_MIN_PAIRS pairs."""
    from eastwest_opt.matrix import ARRAY_BUILD_MIN_PAIRS

    if builder not in ("auto", "pyomo", "arrays"):
        raise ValueError(f"unknown builder {builder!r}: choose auto, pyomo or arrays")
    if builder != "auto":
        return builder
    return "arrays" if len(data.pairs) >= ARRAY_BUILD_MIN_PAIRS else "pyomo"


def structure_signature(scenario: Scenario) -> tuple:
    """Everything about a scenario that decides the model's structure (its sets and the
    coefficients that are not parameters). Two scenarios with the same signature differ only
    in numbers that :meth:`PlacementModel.update` writes into the built model."""
    import pandas as pd

    mutable = {
        "hubs": ["price_cny_per_kwh", "grid_mw", "storage_tb", "storage_price_cny_per_tb_month"],
        "hub_accelerators": ["count"],
        "links": ["capacity_gbps", "cost_cny_per_tb"],
    }
    parts: list[object] = []
    for name, frame in sorted(scenario.tables.items()):
        fixed = frame.drop(columns=mutable.get(name, []))
        if name == "links":
            fixed = fixed.assign(in_service=frame["capacity_gbps"] > 0)
        hashed = pd.util.hash_pandas_object(fixed.astype(str), index=False)
        parts.append((name, tuple(fixed.columns), hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()))
    parts.append(
        (
            scenario.planning_window_hours,
            scenario.allow_unplaced,
            scenario.artifact_paths_k,
            scenario.carbon_budget_t is None,
        )
    )
    return tuple(parts)


def _presolve_checks(scenario: Scenario) -> None:
    """Cheap checks that prove infeasibility before any solve."""
    from eastwest_opt.explain import findings_table, presolve_findings

    found = presolve_findings(scenario)
    if found:
        raise InfeasibleError(_infeasible_message(scenario, found), findings_table(found))


def _infeasible_message(scenario: Scenario, found: list) -> str:
    if not found:
        return f"scenario {scenario.name!r} has no feasible plan (no single relaxation explains it)"
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"scenario {scenario.name!r} has no feasible plan: {found[0].sentence}{more}"


def _infeasible(scenario: Scenario, options: SolveOptions, network: Network | None = None) -> InfeasibleError:
    """An InfeasibleError explained by the elastic model."""
    from eastwest_opt.explain import elastic_findings, findings_table

    found = elastic_findings(scenario, options, network)
    return InfeasibleError(_infeasible_message(scenario, found), findings_table(found))


def solve(
    scenario: Scenario | str | None = None,
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
    ``builder`` chooses how the model is built (see :class:`PlacementModel`); ``progress``, if
    given, is called as ``progress(stage, detail)`` as the work goes on.
    """
    t0 = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
        if progress is not None:
            progress("load", f"{len(scenario.jobs):,} jobs, {len(scenario.datasets):,} datasets")
    pm = PlacementModel.build(scenario, builder=builder, progress=progress)
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
    from eastwest_opt.verify import verify_plan

    t0 = started if started is not None else time.perf_counter()
    progress = pm.progress
    result = pm.run(options, warm_start=warm_start)
    if progress is not None:
        gap = f", gap {result.gap:.3%}" if result.gap is not None else ""
        progress("solve", f"{result.status.value}{gap} after {result.seconds:.1f} s")
    if result.status == Status.INFEASIBLE:
        raise _infeasible(pm.scenario, options, pm.network)
    if result.status == Status.NO_SOLUTION:
        raise NoSolutionError(
            f"no feasible plan found within the time limit of {options.time_limit_s:g} s; raise --time-limit"
        )
    t1 = time.perf_counter()
    plan = extract_plan(pm, result, options)
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
