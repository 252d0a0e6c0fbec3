"""The cost-carbon front of a Pareto sweep (``pareto: {steps: N}``).

The cost-optimal plan (no carbon budget) gives the largest emissions worth having, ``E_max``; a
solve of the same model that minimises emissions gives ``E_min`` (:func:`pareto_ends`); then N+1
variants solve for minimum cost under carbon budgets evenly spaced from ``E_min`` to ``E_max``
(:func:`pareto_variants`; ``budget-00`` the cleanest, the last one the cost optimum).
:func:`pareto_table` marks the points on the front and each step's marginal abatement cost.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.sweeps.core import COST_TERMS, NoSolutionError, Scenario
from eastwest_opt.sweeps.solve import SOLVED
from eastwest_opt.sweeps.spec import Override, SweepSpec, Variant
from eastwest_opt.sweeps.store import PARETO_ENDS_FILE, write_json_atomic


def pareto_variants(
    base: Scenario, options: Any, spec: SweepSpec, out: Path, spec_hash: str, console: Any = None
) -> list[Variant]:
    """The budget steps of a Pareto sweep, from the ends of the front (found once, then kept in
    ``pareto_ends.json`` so that a rerun uses the same budgets)."""
    path = out / PARETO_ENDS_FILE
    ends = None
    if path.is_file():
        try:
            data = json.loads(path.read_text())
            ends = data if data.get("spec_hash") == spec_hash else None
        except (OSError, ValueError):
            ends = None
    if ends is None:
        if console is not None:
            console.print(f"{spec.name}: finding the ends of the cost-carbon front (cost optimum, least emissions)")
        ends = pareto_ends(base, options) | {"spec_hash": spec_hash}
        write_json_atomic(path, ends)
    e_min, e_max = float(ends["min_emissions_t"]), float(ends["max_emissions_t"])
    steps = int(spec.pareto_steps or 1)
    if e_max - e_min <= 1e-6 * max(1.0, e_max):
        steps = 0  # emissions cannot change: one point
    width = max(2, len(str(steps)))
    variants = []
    for k in range(steps + 1):
        budget = e_min + (e_max - e_min) * k / steps if steps else e_max
        if k == 0 or steps == 0:
            budget = e_min if steps else e_max
        budget = budget * (1 + 1e-7) + 1e-6  # the end plans' own emissions must fit their budget
        override = Override(path="pareto", op="settings", values={"carbon_budget_t": budget})
        variants.append(
            Variant(
                id=f"budget-{k:0{width}d}",
                label=f"carbon budget {budget:,.0f} tCO2",
                kind="pareto",
                parameters={"carbon_budget_t": budget, "budget_step": k},
                overrides=(override,),
            )
        )
    return variants


def pareto_ends(base: Scenario, options: Any) -> dict[str, float]:
    """Emissions and cost of the cost-optimal plan (no carbon budget), and the least emissions
    any plan can have (the same rows and columns, minimising the emissions instead of the cost)."""
    import dataclasses

    import numpy as np

    from eastwest_opt.api import build, solve_model
    from eastwest_opt.solver.status import Status

    scenario = base.with_settings(carbon_budget_t=None)
    pm = build(scenario)
    opts = options.resolved(scenario)
    plan = solve_model(pm, opts)
    summary = plan.summary()
    am = pm.arrays
    emissions = np.zeros(am.num_col)
    if am.emissions is not None:
        emissions[am.emissions.col] = am.emissions.coef
    least = dataclasses.replace(
        pm, arrays=am.with_objective(emissions), model=None, builder="arrays", timings={}, _solver=None, _col_value=None
    )
    result = least.run(opts)
    if result.status not in (Status.OPTIMAL, Status.FEASIBLE) or result.objective is None:
        raise NoSolutionError(f"minimising emissions found no plan ({result.termination}); raise the time limit")
    return {
        "max_emissions_t": float(summary["emissions_t"]),
        "min_cost_cny": float(plan.objective_cny),
        "min_emissions_t": min(float(result.objective), float(summary["emissions_t"])),
        "min_emissions_status": result.status.value,
    }


def pareto_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The solved budget steps, tightest budget first, with the points on the front marked and
    the marginal abatement cost to the next looser point (CNY per tonne of CO2 avoided)."""
    cols = [
        "variant_id",
        "budget_step",
        "carbon_budget_t",
        "status",
        "emissions_t",
        "cost_total_cny",
        *[f"cost_{t}_cny" for t in COST_TERMS],
        "jobs_unplaced",
        "west_energy_share",
    ]
    solved = summary[summary["status"].isin(SOLVED)]
    front = solved.reindex(columns=cols).sort_values("carbon_budget_t").reset_index(drop=True)
    emissions, costs = front["emissions_t"].to_numpy(), front["cost_total_cny"].to_numpy()

    def dominated(i: int) -> bool:  # another point emits no more and costs less (beyond rounding)
        tol_c, tol_e = 1e-9 * max(1.0, abs(costs[i])), 1e-9 * max(1.0, abs(emissions[i]))
        return any(
            emissions[j] <= emissions[i] + tol_e
            and costs[j] <= costs[i] + tol_c
            and (emissions[j] < emissions[i] - tol_e or costs[j] < costs[i] - tol_c)
            for j in range(len(front))
            if j != i
        )

    front["on_front"] = [not dominated(i) for i in range(len(front))]
    mac = [math.nan] * len(front)
    for i in range(len(front) - 1):
        de = emissions[i + 1] - emissions[i]
        if de > 1e-9:
            mac[i] = (costs[i] - costs[i + 1]) / de
    front["marginal_abatement_cny_per_t"] = mac
    return front
