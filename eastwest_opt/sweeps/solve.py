"""Solving one variant: the task every executor runs, and what it hands back.

:func:`solve_variant` applies the variant's overrides to the (common) base scenario, looks up a
built :class:`~eastwest_opt.solver.placement.PlacementModel` of the same ``structure_signature`` in the
worker's :class:`ModelCache`, and if there is one writes the variant's numbers into it
(``PlacementModel.update``) and re-solves it through the persistent HiGHS interface with the
previous solution as a MIP start; otherwise it builds the model and keeps it. Every outcome
becomes a :class:`VariantResult`, failures included (infeasible, no solution, a value the schema
refuses, a plan the verifier rejects, anything else): the task never raises.
"""

from __future__ import annotations

import math
import os
import socket
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from eastwest_opt.sweeps.apply import SelectionError, apply_overrides
from eastwest_opt.sweeps.core import InfeasibleError, NoSolutionError, Plan, Scenario, ScenarioError, VerificationError
from eastwest_opt.sweeps.spec import Variant

DEFAULT_CACHE_SIZE = 4
SOLVED = ("optimal", "feasible")
FAILED = ("infeasible", "no_solution", "error")


@dataclass
class VariantResult:
    """What a worker hands back for one variant: ``record`` becomes ``result.json``."""

    record: dict[str, Any]
    tables: dict[str, pd.DataFrame] | None = None
    plan_summary: dict[str, Any] | None = None
    explanation: pd.DataFrame | None = None

    @property
    def status(self) -> str:
        """The variant's status: optimal, feasible, infeasible, no_solution or error."""
        return str(self.record["status"])


class ModelCache:
    """Built models of one worker, by structure signature, least recently used evicted first."""

    def __init__(self, size: int = DEFAULT_CACHE_SIZE) -> None:
        self.size = max(1, size)
        self._models: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, signature: tuple) -> Any:
        """The built model of this structure, or None."""
        pm = self._models.get(signature)
        if pm is not None:
            self._models.move_to_end(signature)
        return pm

    def put(self, signature: tuple, pm: Any) -> None:
        """Keep a built model, evicting the least recently used beyond the cache size."""
        self._models[signature] = pm
        self._models.move_to_end(signature)
        while len(self._models) > self.size:
            self._models.popitem(last=False)

    def drop(self, signature: tuple) -> None:
        """Forget the model of this structure (it may be half-updated)."""
        self._models.pop(signature, None)


def solve_variant(
    base: Scenario,
    variant: Variant,
    options: Any,
    cache: ModelCache | None = None,
    *,
    reuse: bool = True,
) -> VariantResult:
    """Apply ``variant`` to ``base``, solve it (in place when the cache holds a model of the same
    structure), and return its result. Never raises for a variant's own failure."""
    from eastwest_opt.solver.placement import structure_signature

    t0 = time.perf_counter()
    record = _start_record(variant) | {"worker": f"{socket.gethostname()}:{os.getpid()}"}
    signature: tuple | None = None
    try:
        scenario = apply_overrides(base, variant.overrides, name=f"{base.name}:{variant.id}")
        t_apply = time.perf_counter()
        signature = structure_signature(scenario)
        return _solve(scenario, signature, options, cache if reuse else None, record, t0, t_apply)
    except InfeasibleError as exc:
        record.update(status="infeasible", message=str(exc))
        explanation = exc.explanation if isinstance(exc.explanation, pd.DataFrame) else None
        if explanation is not None and "sentence" in explanation:
            record["explanation"] = [str(s) for s in explanation["sentence"]]
        record["seconds"] = time.perf_counter() - t0
        return VariantResult(record, explanation=explanation)
    except NoSolutionError as exc:
        record.update(status="no_solution", message=str(exc), seconds=time.perf_counter() - t0)
        return VariantResult(record)
    except VerificationError as exc:  # the solver's plan broke a constraint: never counted as solved
        if cache is not None and signature is not None:
            cache.drop(signature)
        record.update(status="error", message=str(exc), verified=False, seconds=time.perf_counter() - t0)
        return VariantResult(record)
    except ScenarioError as exc:
        message = "; ".join(str(p) for p in exc.problems[:5])
        if len(exc.problems) > 5:
            message += f" (and {len(exc.problems) - 5} more)"
        record.update(status="error", message=f"invalid variant: {message}", seconds=time.perf_counter() - t0)
        return VariantResult(record)
    except SelectionError as exc:
        record.update(status="error", message=f"invalid variant: {exc}", seconds=time.perf_counter() - t0)
        return VariantResult(record)
    except Exception as exc:
        if cache is not None and signature is not None:
            cache.drop(signature)  # the model may be half-updated
        record.update(
            status="error",
            message=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(limit=20),
            seconds=time.perf_counter() - t0,
        )
        return VariantResult(record)


def _solve(
    scenario: Scenario,
    signature: tuple,
    options: Any,
    cache: ModelCache | None,
    record: dict[str, Any],
    t0: float,
    t_apply: float,
) -> VariantResult:
    """Solve an applied variant, re-using (and keeping) a built model when ``cache`` is given;
    raise on failure (see :func:`solve_variant`)."""
    from eastwest_opt.api import build, solve_model

    pm = cache.get(signature) if cache is not None else None
    in_place = pm is not None and pm.update(scenario)
    if in_place:
        pm.timings.clear()
        pm.timings["update_s"] = time.perf_counter() - t_apply
    else:
        pm = build(scenario)
        if cache is not None:
            cache.put(signature, pm)
    t_model = time.perf_counter()
    plan = solve_model(pm, options.resolved(scenario), warm_start=in_place, started=t_apply, verify=True)
    if not plan.verified:  # solve_model raises on violations; a plan is counted only once verified
        raise VerificationError("the plan was not checked by the verifier")
    record.update(
        resolved_in_place=in_place,
        apply_seconds=t_apply - t0,
        model_seconds=t_model - t_apply,
        solve_seconds=float(plan.timings.get("solve_s", math.nan)),
    )
    record.update(plan_record(plan))
    record["seconds"] = time.perf_counter() - t0
    return VariantResult(record, tables=dict(plan.tables), plan_summary=plan.summary())


def _start_record(variant: Variant) -> dict[str, Any]:
    """The part of a variant's record known before it runs."""
    return {
        "variant_id": variant.id,
        "label": variant.label,
        "kind": variant.kind,
        "parameters": dict(variant.parameters),
        "resolved_in_place": False,
    }


def failure(variant: Variant, message: str) -> VariantResult:
    """The result of a variant whose task failed outside :func:`solve_variant`."""
    return VariantResult(
        {
            "variant_id": variant.id,
            "label": variant.label,
            "kind": variant.kind,
            "parameters": dict(variant.parameters),
            "status": "error",
            "message": message,
            "resolved_in_place": False,
        }
    )


def plan_record(plan: Plan) -> dict[str, Any]:
    """The outcomes of a solved plan, JSON-ready: status, objective, cost terms, placements and
    power per hub, link loads, emissions, unplaced jobs."""
    s = plan.summary()
    links = _link_loads(plan.link_flows)
    busiest = max(links.items(), key=lambda kv: kv[1]["max_utilisation"], default=(None, {"max_utilisation": 0.0}))
    placements = plan.placements
    return {
        "status": plan.status,
        "verified": plan.verified,
        "objective_cny": s["objective_cny"],
        "bound_cny": s["bound_cny"],
        "gap": s["gap"],
        "cost_cny": s["cost_cny"],
        "emissions_t": s["emissions_t"],
        "energy_mwh": s["energy_mwh"],
        "west_energy_share": s["west_energy_share"],
        "transfer_tb": s["transfer_tb"],
        "jobs": s["jobs"],
        "jobs_placed": s["jobs_placed"],
        "jobs_unplaced": s["jobs_unplaced"],
        "unplaced_jobs": placements.loc[placements["status"] == "unplaced", "job_id"].astype(str).tolist(),
        "hubs": _hub_loads(plan.hub_usage),
        "links": links,
        "max_link_utilisation": busiest[1]["max_utilisation"],
        "busiest_link": busiest[0],
    }


def _hub_loads(hub_usage: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    """Jobs, power, accelerators, storage, energy and carbon of each hub, by hub id."""
    hubs: dict[str, dict[str, float | int]] = {}
    for row in hub_usage.itertuples(index=False):
        hubs[str(row.hub_id)] = {
            "jobs": int(row.jobs),
            "it_mw": float(row.it_mw),
            "meter_mw": float(row.meter_mw),
            "grid_mw": float(row.grid_mw),
            "power_utilisation": float(row.power_utilisation),
            "accelerators_used": int(row.accelerators_used),
            "storage_used_tb": float(row.storage_used_tb),
            "energy_mwh": float(row.energy_mwh),
            "carbon_t": float(row.carbon_t),
        }
    return hubs


def _link_loads(flows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The terabytes over each link and its highest utilisation (an unbounded one counts as 1e9)."""
    links: dict[str, dict[str, float]] = {}
    for row in flows.itertuples(index=False):
        entry = links.setdefault(
            str(row.link_id) or f"{row.from_hub}-{row.to_hub}", {"tb": 0.0, "max_utilisation": 0.0}
        )
        entry["tb"] += float(row.total_tb)
        util = float(row.utilisation)
        entry["max_utilisation"] = max(entry["max_utilisation"], util if math.isfinite(util) else 1e9)
    return links
