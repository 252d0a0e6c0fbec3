"""What the verifier knows of a scenario, read again from its raw tables, and whether a plan fits it.

:class:`Facts` holds the scenario's tables as lookups (hubs, jobs, datasets, the accelerators'
power, inventories and subsidies, the directed arcs of the links, each dataset's allowed hubs and
traffic zone), derived here again from the CSV tables without the model's prepared index sets.
:func:`fit_problems` lists what makes a plan unreadable against the scenario: an id that the
scenario does not have (a hub, job, dataset, class, accelerator or link), or a row that a table
must have and lacks (a job, a hub, an inventory row, a link, a cost term). Both are input
errors (exit code 2), not violations: the plan cannot be checked against this scenario.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem
from eastwest_opt.plan.schema import COST_TERMS, PLAN_SCHEMAS, ROUTE_SEP, PlanTable
from eastwest_opt.scenario.core import TB_PER_GBPS_HOUR, Scenario

REF_WORDS = {
    "hubs": "hub",
    "jobs": "job",
    "datasets": "dataset",
    "data_classes": "data class",
    "accelerators": "accelerator",
    "links": "link",
}
SHOWN = 5


class Facts:
    """The scenario's raw tables as plain lookups (dicts, and numpy arrays in table order), and what
    follows from them for a job or a dataset. Plain lookups keep the verifier fast on small plans
    (pandas' overhead per call) and on large ones (vectorised by position)."""

    def __init__(self, scenario: Scenario) -> None:
        self.sc = scenario
        hubs, jobs, ds = scenario.hubs, scenario.jobs, scenario.datasets
        self.hub_ids: list[str] = [str(h) for h in hubs["hub_id"]]
        self.hub_pos = {h: i for i, h in enumerate(self.hub_ids)}
        self.hub = {c: hubs[c].to_numpy() for c in hubs.columns}
        self.region: dict[str, str] = dict(zip(self.hub_ids, hubs["grid_region"].astype(str), strict=True))
        self.job_index = pd.Index(jobs["job_id"])
        self.job = {c: jobs[c].to_numpy() for c in jobs.columns}
        self.origin: dict[str, str] = dict(zip(ds["dataset_id"], ds["origin_hub"], strict=True))
        self.size_tb: dict[str, float] = dict(zip(ds["dataset_id"], ds["size_tb"].astype(float), strict=True))
        self.class_of: dict[str, str] = dict(zip(ds["dataset_id"], ds["class_id"], strict=True))
        self.min_replicas = dict(zip(ds["dataset_id"], ds["min_replicas"].astype(int), strict=True))
        self.min_regions = dict(zip(ds["dataset_id"], ds["min_grid_regions"].astype(int), strict=True))
        acc = scenario.accelerators
        self.kw: dict[str, float] = dict(zip(acc["accel_id"], acc["kw_per_accel"].astype(float), strict=True))
        ha = scenario.hub_accelerators
        pairs = list(zip(ha["hub_id"], ha["accel_id"], strict=True))
        self.inventory_rows = pairs
        self.inventory: dict[tuple[str, str], float] = dict(zip(pairs, ha["count"].astype(float), strict=True))
        self.subsidy: dict[tuple[str, str], float] = dict(
            zip(pairs, ha["energy_subsidy_share"].astype(float), strict=True)
        )
        self.overrides = {
            (o.job_id, o.hub_id): o for o in scenario.overrides.itertuples(index=False)
        }  # few rows: one per (job, hub) with other figures
        self.arcs = _arcs(scenario)
        self.latency: dict[tuple[str, str], float] = {arc: a[3] for arc, a in self.arcs.items()}
        classes = scenario.data_classes
        self.ids = {
            "hubs": set(self.hub_ids),
            "jobs": set(self.job_index),
            "datasets": set(self.origin),
            "data_classes": set(classes["class_id"]),
            "accelerators": set(self.kw),
            "links": set(scenario.links["link_id"]),
        }
        self._localization(classes)

    def _localization(self, classes: pd.DataFrame) -> None:
        """Each dataset's allowed hubs (``*``: every hub; ``origin``: its origin; else the class's
        list), its traffic zone and whether its class allows staged copies."""
        rules = dict(zip(classes["class_id"], classes["allowed_hubs"].astype(str).str.strip(), strict=True))
        staging = dict(zip(classes["class_id"], classes["staging_allowed"].astype(bool), strict=True))
        every = frozenset(self.hub_ids)
        self.allowed: dict[str, frozenset[str]] = {}
        self.zone: dict[str, str] = {}
        self.staging_ok: dict[str, bool] = {}
        for d, origin in self.origin.items():
            cls = self.class_of[d]
            rule = rules[cls]
            if rule == "*":
                self.allowed[d], self.zone[d] = every, "*"
            elif rule == "origin":
                self.allowed[d], self.zone[d] = frozenset({origin}), f"{cls}@{origin}"
            else:
                self.allowed[d] = frozenset(p.strip() for p in rule.split(";") if p.strip())
                self.zone[d] = str(cls)
            self.staging_ok[d] = bool(staging[cls])
        self.zone_hubs = {self.zone[d]: self.allowed[d] for d in self.allowed}

    def route_latency(self, route: str) -> float | None:
        """The latency of a route (hubs joined by ``>``): the sum of its links' latencies, or None
        when two consecutive hubs are not joined by a link."""
        hubs = [h for h in route.split(ROUTE_SEP) if h]
        total = 0.0
        for arc in itertools.pairwise(hubs):
            if arc not in self.latency:
                return None
            total += self.latency[arc]
        return total


def _arcs(scenario: Scenario) -> dict[tuple[str, str], tuple[str, float, float, float]]:
    """Both directions of every link with capacity: (link id, capacity in TB over the planning
    window, cost per TB, latency in ms), in the order of ``links.csv``."""
    window = scenario.planning_window_hours
    arcs: dict[tuple[str, str], tuple[str, float, float, float]] = {}
    for link in scenario.links.itertuples(index=False):
        if link.capacity_gbps <= 0:
            continue
        attrs = (
            str(link.link_id),
            float(link.capacity_gbps) * window * TB_PER_GBPS_HOUR,
            float(link.cost_cny_per_tb),
            float(link.latency_ms),
        )
        arcs[link.hub_a, link.hub_b] = attrs
        arcs[link.hub_b, link.hub_a] = attrs
    return arcs


# ---------------------------------------------------------------------------------
# does the plan fit the scenario?
# ---------------------------------------------------------------------------------
def fit_problems(facts: Facts, tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every id of the plan that the scenario does not have, and every row a table must have and lacks."""
    problems: list[Problem] = []
    for name, schema in PLAN_SCHEMAS.items():
        frame = tables[name].reset_index(drop=True)
        for col in schema.columns:
            if col.ref is not None and len(frame):
                problems += _unknown_ids(facts, schema, frame, col.name, col.ref, route=col.kind == "route")
    problems += _missing_rows(facts, tables)
    return problems


def _unknown_ids(
    facts: Facts, schema: PlanTable, frame: pd.DataFrame, column: str, ref: str, *, route: bool
) -> list[Problem]:
    """The first few rows whose ``column`` names an id (or, for a route, a hub) the scenario lacks."""
    known = facts.ids[ref]
    cells = frame[column].tolist()
    if route:
        found = [next((h for h in str(r).split(ROUTE_SEP) if h not in known), None) for r in cells]
        rows = np.flatnonzero([h is not None for h in found])
    else:
        found = cells
        rows = np.flatnonzero([v not in known and v != "" for v in cells])
    values = frame[column]
    if not len(rows):
        return []
    labels = schema.labels(frame.iloc[rows[:SHOWN]])
    word = REF_WORDS[ref]
    problems = []
    for r, label in zip(rows[:SHOWN], labels, strict=False):
        value = found[r]
        of_row = "" if schema.key == (column,) else f" (row {label})"
        if route:
            said = f"route {values.iloc[r]!r}{of_row} passes hub {value!r}, which is not in {ref}.csv"
        else:
            said = f"{word} {value!r}{of_row} is not in {ref}.csv"
        problems.append(Problem(schema.filename, said, row=int(r) + 2, column=column))
    if len(rows) > SHOWN:
        problems.append(
            Problem(
                schema.filename,
                f"... and {len(rows) - SHOWN:,} more rows name a {word} not in {ref}.csv",
                column=column,
            )
        )
    return problems


def _missing_rows(facts: Facts, tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Rows a table must have whatever the decisions: every job, hub, inventory row, link direction and cost term."""
    sc = facts.sc
    arcs = [f"{u}->{v}" for u, v in facts.arcs]
    wanted = {
        "placements": (list(sc.jobs["job_id"]), "job", "jobs.csv (every job has a row, placed or unplaced)"),
        "hub_usage": (list(sc.hubs["hub_id"]), "hub", "hubs.csv"),
        "accelerator_usage": (
            [f"{h}/{k}" for h, k in zip(sc.hub_accelerators["hub_id"], sc.hub_accelerators["accel_id"], strict=True)],
            "inventory row",
            "hub_accelerators.csv",
        ),
        "link_flows": (arcs, "direction", "links.csv (every link with capacity, both ways)"),
        "costs": ([*COST_TERMS, "total"], "term", "the cost terms"),
    }
    problems = []
    for name, (ids, word, source) in wanted.items():
        schema = PLAN_SCHEMAS[name]
        have = set(schema.labels(tables[name]))
        absent = [i for i in ids if i not in have]
        if absent:
            shown = ", ".join(absent[:SHOWN]) + (f" and {len(absent) - SHOWN:,} more" if len(absent) > SHOWN else "")
            problems.append(
                Problem(
                    schema.filename,
                    f"no row for {len(absent):,} {word}{'s' if len(absent) > 1 else ''} of {source}: {shown} "
                    f"(the table has {len(tables[name]):,} rows)",
                )
            )
    return problems
