"""``summary.json`` against the recomputed plan: its figures, and the objective, bound, gap and status.

The figures (:func:`summary_figures`) are the cost terms and their total, the counts of jobs, the
training energy, the western share of it, the emissions and the TB moved, each recomputed from the
decisions (at the tolerance of :mod:`eastwest_opt.plan.figures`; counts exactly). The
``objective`` family (:func:`objective_violations`) holds the solver's own numbers to account:

- the objective equals the recomputed total within ``1 CNY + 1e-6`` of it (:data:`OBJECTIVE_ABS`,
  :data:`OBJECTIVE_REL`: the solver's objective carries its feasibility tolerances, the recomputed
  total the rounded decisions);
- the bound is at most the objective (same tolerance), and the gap is ``max(0, objective - bound)
  / |objective|`` (within ``1e-9`` of it, relatively), null exactly when the bound is;
- a plan said to be ``optimal`` has a gap within the relative gap the solver was asked for.

``seconds`` and ``solver`` say how the plan was found, not what it is; they are not checked.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from eastwest_opt.plan.figures import differs, mismatch
from eastwest_opt.plan.schema import COST_TERMS, cell_text
from eastwest_opt.plan.summary import SUMMARY_FILE
from eastwest_opt.plan.verdict import Violation

OBJECTIVE_ABS = 1.0
OBJECTIVE_REL = 1e-6
GAP_ABS = 0.0  # the gap is recomputed by the very formula the solver used: only rounding in its last digits
GAP_REL = 1e-9
COUNTS = ("jobs", "jobs_placed", "jobs_unplaced")


def summary_figures(placements: pd.DataFrame, recomputed: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The figures of ``summary.json`` (by key path, ``cost_cny.energy``) recomputed from the decisions."""
    costs = dict(zip(recomputed["costs"]["term"], recomputed["costs"]["cost_cny"], strict=True))
    hubs = recomputed["hub_usage"]
    energy = float(hubs["energy_mwh"].sum())
    west = float(hubs.loc[hubs["macro_region"] == "west", "energy_mwh"].sum())
    placed = int((placements["status"] == "placed").sum())
    rec = recomputed["placements"]
    figures: dict[str, Any] = {f"cost_cny.{t}": costs[t] for t in (*COST_TERMS, "total")}
    figures |= {
        "jobs": len(placements),
        "jobs_placed": placed,
        "jobs_unplaced": len(placements) - placed,
        "energy_mwh": energy,
        "west_energy_share": west / energy if energy > 0 else None,
        "emissions_t": float(rec.loc[rec["hub_id"] != "", "carbon_t"].sum()),
        "transfer_tb": float(recomputed["link_flows"]["total_tb"].sum()),
    }
    return figures


def summary_violations(written: dict[str, Any], figures: dict[str, Any]) -> list[Violation]:
    """Every figure of the written summary that disagrees with its recomputation."""
    out = []
    for path, value in figures.items():
        have: Any = written
        for part in path.split("."):
            have = have.get(part) if isinstance(have, dict) else None
        if have is None and value is None:
            continue
        if have is None or value is None:
            bad = True
        else:
            bad = bool(differs(np.array([have]), np.array([value]), exact=path in COUNTS)[0])
        if bad:
            out.append(mismatch(SUMMARY_FILE, None, path, have, value))
    return out


def objective_violations(
    status: str, objective: float, bound: float | None, gap: float | None, total: float, solver: dict[str, Any]
) -> list[Violation]:
    """The objective against the recomputed total; the bound, the gap and the status against the objective."""
    out: list[Violation] = []
    tol = OBJECTIVE_ABS + OBJECTIVE_REL * max(abs(objective), abs(total))
    if not abs(objective - total) <= tol:
        out.append(
            _objective(
                "objective_cny",
                f"written {cell_text(objective)}, recomputed {cell_text(total)} "
                "(the total of the recomputed cost terms)",
                objective,
                total,
            )
        )
    if bound is None:
        if gap is not None:
            out.append(
                _objective("gap", f"written {cell_text(gap)}, but there is no bound (bound_cny is null)", gap, None)
            )
        return out
    if bound > objective + OBJECTIVE_ABS + OBJECTIVE_REL * abs(objective):
        out.append(
            _objective(
                "bound_cny",
                f"the lower bound {cell_text(bound)} exceeds the objective {cell_text(objective)}",
                bound,
                None,
                limit=objective,
            )
        )
    expected = max(0.0, objective - bound) / max(abs(objective), 1e-9)
    if gap is None or not abs(gap - expected) <= GAP_ABS + GAP_REL * abs(expected):
        out.append(
            _objective(
                "gap",
                f"written {cell_text(gap)}, recomputed {cell_text(expected)} ((objective - bound) / objective)",
                gap,
                expected,
            )
        )
    asked = solver.get("mip_rel_gap")
    if status == "optimal" and isinstance(asked, int | float) and math.isfinite(asked) and gap is not None:
        if gap > float(asked) + GAP_REL:
            out.append(
                _objective(
                    "status",
                    f"written 'optimal', but the gap {cell_text(gap)} exceeds the relative "
                    f"gap the solver was asked for ({cell_text(asked)})",
                    status,
                    None,
                    limit=asked,
                )
            )
    return out


def _objective(key: str, text: str, written: Any, recomputed: Any, *, limit: Any = None) -> Violation:
    return Violation(
        "objective", f"{SUMMARY_FILE}, key {key}: {text}", SUMMARY_FILE, None, key, written, recomputed, limit=limit
    )
