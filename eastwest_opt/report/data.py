"""The plan and its scenario, joined and checked: what the figures and the HTML page read.

:class:`ReportData` joins a plan with the scenario it was solved for, per hub in display order
(east first, then west); :func:`check_plan` refuses, as invalid input, a plan that cannot be drawn
or does not belong to the scenario; :func:`placement_table` counts the jobs per hub and data class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.report.formats import some
from eastwest_opt.report.style import REGIONS

if TYPE_CHECKING:
    from eastwest_opt.plan.plan import Plan
    from eastwest_opt.scenario import Scenario

# plan columns the figures read; a plan folder without them is refused as invalid input
PLAN_COLUMNS = {
    "placements": ("job_id", "name", "class_id", "status", "hub_id", "accel_id", "accel_count", "meter_mw"),
    "hub_usage": (
        "hub_id",
        "jobs",
        "meter_mw",
        "energy_mwh",
        "grid_mw",
        "accelerators_used",
        "accelerators",
        "storage_used_tb",
        "storage_tb",
        "energy_cost_cny",
        "carbon_cost_cny",
        "storage_cost_cny",
    ),
    "link_flows": ("from_hub", "to_hub", "replication_tb", "staging_tb", "artifact_tb", "total_tb", "utilisation"),
    "costs": ("term", "cost_cny"),
}
TEXT_COLUMNS = {"job_id", "name", "class_id", "status", "hub_id", "accel_id", "from_hub", "to_hub", "term"}

# the rows of the placements table under the hubs
PLACED_TOTAL = "All hubs"
UNPLACED_ROW = "Unplaced"
ALL_JOBS = "All jobs"


@dataclass
class ReportData:
    """What the figures need, per hub in display order (east first, then west)."""

    plan: Plan
    scenario: Scenario
    hubs: pd.DataFrame  # one row per scenario hub, joined with the plan's hub usage
    links: pd.DataFrame  # the scenario's undirected links
    flows: pd.DataFrame  # the plan's directed link flows
    placed: pd.DataFrame  # placed jobs
    unplaced: pd.DataFrame  # unplaced jobs
    costs: dict[str, float]

    @classmethod
    def of(cls, plan: Plan, scenario: Scenario) -> ReportData:
        """Join a plan with its scenario; refuse a plan that does not belong to the scenario."""
        check_plan(plan, scenario)
        hubs = scenario.hubs[["hub_id", "name", "macro_region", "lat_deg", "lon_deg", "price_cny_per_kwh"]].copy()
        hubs["hub_id"] = hubs["hub_id"].astype(str)
        hubs["macro_region"] = [r if r in REGIONS else "" for r in hubs["macro_region"].fillna("").astype(str)]
        hubs["order"] = [(REGIONS.index(r), i) for i, r in enumerate(hubs["macro_region"])]
        hubs = hubs.sort_values("order").drop(columns="order").reset_index(drop=True)
        usage = plan.hub_usage.copy()
        usage["hub_id"] = usage["hub_id"].astype(str)
        cols = [c for c in PLAN_COLUMNS["hub_usage"] if c != "hub_id"]
        hubs = hubs.merge(usage[["hub_id", *cols]], on="hub_id", how="left")
        for col in cols:
            hubs[col] = pd.to_numeric(hubs[col], errors="coerce").fillna(0.0)
        hubs["label"] = [_hub_name(r.hub_id, r.name) for r in hubs.itertuples(index=False)]
        p = plan.placements
        status = p["status"].astype(str)
        placed = p[status == "placed"].copy()
        placed["hub_id"] = placed["hub_id"].astype(str)
        flows = horizon_flows(plan.link_flows)
        if len(flows):
            flows["from_hub"] = flows["from_hub"].astype(str)
            flows["to_hub"] = flows["to_hub"].astype(str)
        costs = {str(t): float(c) for t, c in zip(plan.costs["term"], plan.costs["cost_cny"], strict=True)}
        return cls(
            plan=plan,
            scenario=scenario,
            hubs=hubs,
            links=scenario.links,
            flows=flows,
            placed=placed,
            unplaced=p[status != "placed"].copy(),
            costs=costs,
        )

    def name(self, hub_id: str) -> str:
        """The planner's name of a hub."""
        match = self.hubs.loc[self.hubs["hub_id"] == hub_id, "label"]
        return str(match.iloc[0]) if len(match) else hub_id


def horizon_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """Link flows over the whole horizon: per directed arc, the TB of every period added up and
    the highest utilisation of any period (the table itself, when it has one period)."""
    if "period_id" not in flows.columns or flows["period_id"].nunique() <= 1:
        return flows.copy()
    kinds = [c for c in ("replication_tb", "staging_tb", "artifact_tb", "total_tb", "cost_cny") if c in flows.columns]
    keys = [c for c in ("link_id", "from_hub", "to_hub") if c in flows.columns]
    summed = flows.groupby(keys, sort=False)[kinds].sum()
    peak = flows.groupby(keys, sort=False)[["utilisation", "capacity_tb"]].max()
    return summed.join(peak).reset_index()


def _hub_name(hub_id: str, name: Any) -> str:
    """The name planners use for a hub; its id when the scenario gives none."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name).strip()
    return text or str(hub_id)


def check_plan(plan: Plan, scenario: Scenario) -> None:
    """Refuse, as invalid input, a plan whose tables cannot be drawn or that was not solved for
    ``scenario``: a table or column missing, a number that is not a number, a hub or a job the
    scenario does not have, or a job of the scenario the plan does not mention."""
    problems = _table_problems(plan)
    if problems:
        raise ScenarioError(problems)
    remedy = "draw it with the scenario it was solved for (--scenario)"
    known = set(scenario.hubs["hub_id"].astype(str))
    used: set[str] = set(plan.hub_usage["hub_id"].astype(str))
    used |= {h for h in plan.placements["hub_id"].astype(str) if h and h != "nan"}
    if len(plan.link_flows):
        used |= set(plan.link_flows["from_hub"].astype(str)) | set(plan.link_flows["to_hub"].astype(str))
    unknown = sorted(used - known)
    if unknown:
        raise ScenarioError(
            [
                Problem(
                    "plan",
                    f"the plan uses hub(s) {some(unknown)} that scenario {scenario.name!r} does not have; {remedy}",
                )
            ]
        )
    jobs = set(scenario.jobs["job_id"].astype(str))
    planned = set(plan.placements["job_id"].astype(str))
    if planned != jobs:
        extra, absent = sorted(planned - jobs), sorted(jobs - planned)
        said = []
        if extra:
            said.append(f"has {len(extra):,} job(s) that scenario {scenario.name!r} does not ({some(extra)})")
        if absent:
            said.append(f"lacks {len(absent):,} of the scenario's {len(jobs):,} jobs ({some(absent)})")
        raise ScenarioError([Problem("plan", f"the plan {' and '.join(said)}; {remedy}")])


def _table_problems(plan: Plan) -> list[Problem]:
    """Every table of :data:`PLAN_COLUMNS` the plan lacks, its missing columns, and the first value
    of each number column that is not a number."""
    problems: list[Problem] = []
    for table, columns in PLAN_COLUMNS.items():
        frame = plan.tables.get(table)
        if frame is None:
            problems.append(Problem(f"{table}.csv", "file not found"))
            continue
        if len(frame) == 0 and table == "link_flows":
            continue  # no traffic: an empty table, possibly without a header
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            word = "column" if len(missing) == 1 else "columns"
            problems.append(Problem(f"{table}.csv", f"required {word} missing: {', '.join(missing)}"))
            continue
        for col in columns:
            if col in TEXT_COLUMNS:
                continue
            raw = frame[col]
            parsed = pd.to_numeric(raw, errors="coerce")
            bad = parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                problems.append(Problem(f"{table}.csv", f"not a number: {raw.iloc[row]!r}", row=row + 2, column=col))
    return problems


def accelerator_names(scenario: Scenario) -> dict[str, str]:
    """Short accelerator names without the vendor: 'Ascend 910C', 'H800 SXM'."""
    names = {}
    for row in scenario.accelerators.itertuples(index=False):
        name, vendor = str(row.name), str(getattr(row, "vendor", "") or "")
        names[str(row.accel_id)] = name[len(vendor) :].strip() if vendor and name.startswith(vendor + " ") else name
    return names


def placement_table(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Jobs placed per hub and data class: one row per hub (planner's names, east first), one
    column per data class, then ``All classes`` and ``MW placed`` (MW at the meter).

    Under the hubs, ``All hubs`` totals the placed jobs; when jobs are left unplaced, an
    ``Unplaced`` row counts them and ``All jobs`` totals both.
    """
    return placement_counts(ReportData.of(plan, scenario))


def placement_counts(data: ReportData) -> pd.DataFrame:
    """The table behind :func:`placement_table`."""
    classes = [str(c) for c in data.scenario.data_classes["class_id"]]
    extra = sorted(set(data.plan.placements["class_id"].astype(str)) - set(classes))
    classes += extra
    rows: dict[str, list[int]] = {}
    for hub in data.hubs.itertuples(index=False):
        counts = data.placed.loc[data.placed["hub_id"] == hub.hub_id, "class_id"].astype(str).value_counts()
        rows[hub.label] = [int(counts.get(c, 0)) for c in classes]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=classes)
    table.loc[PLACED_TOTAL] = table.sum(axis=0)
    if len(data.unplaced):
        counts = data.unplaced["class_id"].astype(str).value_counts()
        table.loc[UNPLACED_ROW] = [int(counts.get(c, 0)) for c in classes]
        table.loc[ALL_JOBS] = table.loc[PLACED_TOTAL] + table.loc[UNPLACED_ROW]
    table = table.astype(int)
    table["All classes"] = table.sum(axis=1)
    mw = {r.label: float(r.meter_mw) for r in data.hubs.itertuples(index=False)}
    mw[PLACED_TOTAL] = float(data.hubs["meter_mw"].sum())
    table["MW placed"] = [mw.get(str(i), np.nan) for i in table.index]
    table.index.name = "Hub"
    return table
