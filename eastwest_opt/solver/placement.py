"""A built placement model and its HiGHS solves: :class:`PlacementModel`.

The model is always first assembled as arrays (:func:`~eastwest_opt.model.arrays.build_arrays`,
every constraint family written once). It is handed to HiGHS one of two ways:

- ``"pyomo"``: as a Pyomo model made from those arrays (:func:`~eastwest_opt.model.pyomo.to_pyomo`),
  solved through Pyomo's persistent HiGHS interface: a planner may add constraints of their own
  to :attr:`PlacementModel.model` before :meth:`PlacementModel.run`;
- ``"arrays"``: straight into highspy in one call, solved by the bulk path
  (:mod:`~eastwest_opt.solver.bulk`: decomposition, guarded search, LP-guided start).

``"auto"`` takes Pyomo below :data:`ARRAY_BUILD_MIN_PAIRS` (group, hub) pairs and arrays above.
A what-if that changes only numbers the model holds as parameters (prices, grid allocations,
storage, accelerator inventories, link capacities and costs, carbon price and budget) is
written into the built model by :meth:`PlacementModel.update` and re-solved from the last plan.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyomo.environ as pyo

from eastwest_opt.model.arrays import ArrayModel, build_arrays
from eastwest_opt.model.data import ModelData, prepare
from eastwest_opt.scenario.core import Scenario
from eastwest_opt.scenario.network import Network, build_network
from eastwest_opt.solver.bulk import BulkRun, run_bulk
from eastwest_opt.solver.highs import use_threads
from eastwest_opt.solver.status import SolveOptions, SolveResult, Status, relative_gap

Builder = Literal["auto", "pyomo", "arrays"]
ARRAY_BUILD_MIN_PAIRS = 5000  # (group, hub) pairs from which "auto" hands the arrays to HiGHS directly


@dataclass
class PlacementModel:
    """A built model with its HiGHS instance, ready to solve and re-solve."""

    scenario: Scenario
    network: Network
    data: ModelData
    arrays: ArrayModel
    model: pyo.ConcreteModel | None  # the Pyomo model, when handed to HiGHS through Pyomo
    timings: dict[str, float] = field(default_factory=dict)
    builder: str = "pyomo"
    progress: Any = None  # callable(stage: str, detail: str) or None
    aggregate: bool = True
    _solver: Any = None
    _signature: tuple = ()
    _col_value: Any = None  # last solution of the bulk path (numpy array)

    @classmethod
    def build(
        cls, scenario: Scenario, *, aggregate: bool = True, builder: Builder = "auto", progress: Any = None
    ) -> PlacementModel:
        """Build the model; ``aggregate=False`` keeps one variable per job (no grouping of twins).

        ``progress``, if given, is called as ``progress(stage, detail)`` after each stage.
        The scenario is expected to have passed the pre-solve checks
        (:func:`eastwest_opt.api.build` runs them and explains an infeasible scenario).
        """
        t0 = time.perf_counter()
        network = build_network(scenario)
        t1 = time.perf_counter()
        data = prepare(scenario, network, aggregate=aggregate)
        t2 = time.perf_counter()
        if progress is not None:
            progress(
                "prepare",
                f"{len(scenario.jobs):,} jobs in {len(data.jobs):,} groups; {len(data.pairs):,} (group, hub) pairs",
            )
        chosen = choose_builder(builder, data)
        arrays = build_arrays(data)
        model = None
        if chosen == "pyomo":
            from eastwest_opt.model.pyomo import to_pyomo

            model = to_pyomo(arrays)
        t3 = time.perf_counter()
        if progress is not None:
            progress("build", f"{chosen} builder: {arrays.num_col:,} columns, {arrays.num_row:,} rows")
        return cls(
            scenario=scenario,
            network=network,
            data=data,
            arrays=arrays,
            model=model,
            timings={"network_s": t1 - t0, "prepare_s": t2 - t1, "build_s": t3 - t2},
            builder=chosen,
            progress=progress,
            aggregate=aggregate,
            _signature=structure_signature(scenario),
        )

    def update(self, scenario: Scenario) -> bool:
        """Take the numbers of ``scenario`` into the built model, if only numbers changed.

        Returns ``True`` when ``scenario`` has the same structure as the built one: the model is
        made again as arrays from ``scenario`` and, having the same columns, rows and
        coefficients (:meth:`~eastwest_opt.model.arrays.ArrayModel.same_structure`), its costs
        and parameter bounds are written into the built model, and the next :meth:`run`
        re-solves it. Returns ``False`` (and changes nothing) when the structure differs.
        """
        if structure_signature(scenario) != self._signature:
            return False
        network = build_network(scenario)
        data = prepare(scenario, network, aggregate=self.aggregate)
        arrays = build_arrays(data)
        if not self.arrays.same_structure(arrays):
            return False
        if self.model is not None:
            from eastwest_opt.model.pyomo import update_pyomo

            update_pyomo(self.model, arrays)
        self.scenario, self.network, self.data, self.arrays = scenario, network, data, arrays
        return True

    def run(self, options: SolveOptions, *, warm_start: bool = False) -> SolveResult:
        """Solve (or re-solve) the model.

        With ``warm_start=True`` and a previous solution, that solution is handed to HiGHS as a
        starting plan (HiGHS uses it when it is feasible for the new numbers).
        """
        opts = options.resolved(self.scenario)
        if self.model is None:
            start = None
            if warm_start and self._col_value is not None and len(self._col_value) == self.arrays.num_col:
                start = self._col_value
            run = BulkRun(self.arrays, self.data, self.timings, self.progress)
            result = run_bulk(run, opts, start)
            if run.col_value is not None:
                self._col_value = run.col_value
            return result
        return self._run_pyomo(opts, warm_start=warm_start)

    def _run_pyomo(self, opts: SolveOptions, *, warm_start: bool) -> SolveResult:
        """Solve the Pyomo model through Pyomo's persistent HiGHS interface."""
        from pyomo.contrib.solver.common.results import TerminationCondition
        from pyomo.contrib.solver.solvers.highs import Highs

        t0 = time.perf_counter()
        kwargs: dict[str, Any] = {}
        if self._solver is None:
            self._solver = Highs()
        elif warm_start:
            self._solver.update()  # parameters first: changing the model would drop the start
            self._set_start()
            kwargs["auto_updates"] = dict.fromkeys(_AUTO_UPDATES, False)
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
        if tc in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
            return SolveResult(Status.INFEASIBLE, None, None, None, seconds, tc.name)
        if results.incumbent_objective is None:
            return self._greedy_or_none(opts, results.objective_bound, seconds, tc.name, t0)
        results.solution_loader.load_vars()
        objective = float(results.incumbent_objective)
        bound = results.objective_bound
        bound = float(bound) if bound is not None and math.isfinite(bound) else None
        gap = relative_gap(objective, bound)
        optimal = tc == TerminationCondition.convergenceCriteriaSatisfied
        if optimal and bound is None:
            bound, gap = objective, 0.0
        return SolveResult(Status.OPTIMAL if optimal else Status.FEASIBLE, objective, bound, gap, seconds, tc.name)

    def _greedy_or_none(self, opts: SolveOptions, bound: Any, seconds: float, why: str, t0: float) -> SolveResult:
        """HiGHS found no plan in time: the greedy plan of a one-window model
        (:func:`~eastwest_opt.solver.heuristic.greedy_start`, the same fallback as the array
        path's), loaded into the model's variables, with HiGHS's bound; else no solution."""
        bound = float(bound) if bound is not None and math.isfinite(bound) else None
        plan = None
        if opts.time_limit_s is not None and len(self.data.periods) == 1:
            from eastwest_opt.solver.heuristic import greedy_start

            plan = greedy_start(self.arrays, self.data, time_limit_s=max(1.0, opts.time_limit_s), threads=opts.threads)
        seconds = time.perf_counter() - t0
        if plan is None:
            return SolveResult(Status.NO_SOLUTION, None, bound, None, seconds, why)
        for name, (first, _end) in self.arrays.col_blocks.items():
            var = self.model.component(name)
            for i, key in enumerate(self.arrays.col_keys[name]):
                var[key].set_value(float(plan[first + i]), skip_validation=True)
        objective = float(self.arrays.col_cost @ plan)
        self.timings["solve_s"] = seconds
        return SolveResult(Status.FEASIBLE, objective, bound, relative_gap(objective, bound), seconds, why)

    def solution_values(self) -> dict[str, dict[Any, float]]:
        """The last solution by variable family and index: ``values["x"][group, hub]`` and so on
        for x, u, y, s, z, q, f and w, whichever way the model was solved."""
        column = self.solution_vector()
        return {} if column is None else self.arrays.values(column)

    def solution_vector(self) -> np.ndarray | None:
        """The last solution as one value per column of :attr:`arrays`, or ``None``."""
        if self.model is None:
            return self._col_value
        out = np.zeros(self.arrays.num_col)
        for name, (first, _end) in self.arrays.col_blocks.items():
            var = self.model.component(name)
            for i, key in enumerate(self.arrays.col_keys[name]):
                value = var[key].value
                out[first + i] = 0.0 if value is None else float(value)
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


_AUTO_UPDATES = (
    "check_for_new_or_removed_constraints",
    "check_for_new_or_removed_vars",
    "check_for_new_or_removed_params",
    "check_for_new_objective",
    "update_constraints",
    "update_vars",
    "update_parameters",
    "update_named_expressions",
    "update_objective",
)


def choose_builder(builder: str, data: ModelData) -> str:
    """The builder ``"auto"`` stands for: Pyomo for small models, arrays from ARRAY_BUILD_MIN_PAIRS pairs."""
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
        "hub_periods": ["price_cny_per_kwh", "grid_mw", "storage_tb"],
        "link_periods": ["capacity_gbps"],
    }
    parts: list[object] = []
    for name in sorted(scenario.tables):
        # a per-period table with a row for every hub (link) and period, so that a blank cell
        # and a value given are the same structure (Scenario.table)
        frame = scenario.table(name) if name in ("hub_periods", "link_periods") else scenario.tables[name]
        fixed = frame.drop(columns=mutable.get(name, []))
        if name == "links":
            fixed = fixed.assign(in_service=frame["capacity_gbps"] > 0)
        if name == "link_periods":
            fixed = fixed.assign(in_service=~(frame["capacity_gbps"].astype(float) <= 0))
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
