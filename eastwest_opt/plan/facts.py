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
from eastwest_opt.scenario.timing import WINDOW

REF_WORDS = {
    "hubs": "hub",
    "jobs": "job",
    "datasets": "dataset",
    "data_classes": "data class",
    "accelerators": "accelerator",
    "links": "link",
    "periods": "period",
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
        self._time(scenario)
        self.latency: dict[tuple[str, str], float] = {arc: a[3] for arc, a in self.arcs.items()}
        classes = scenario.data_classes
        self.ids = {
            "hubs": set(self.hub_ids),
            "jobs": set(self.job_index),
            "datasets": set(self.origin),
            "data_classes": set(classes["class_id"]),
            "accelerators": set(self.kw),
            "links": set(scenario.links["link_id"]),
            "periods": set(self.periods),
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

    def _time(self, sc: Scenario) -> None:
        """The horizon (a periods table, or one window), each hub's values and each arc's capacity
        per period (a ``hub_periods`` or ``link_periods`` cell where given, else the hub's or
        link's own), and each job's window of periods."""
        timed = len(sc.periods) > 0
        self.timed = timed
        self.periods: list[str] = list(sc.periods["period_id"]) if timed else [WINDOW]
        self.period_pos = {p: i for i, p in enumerate(self.periods)}
        hours = sc.periods["hours"].to_numpy(dtype=float) if timed else np.array([float(sc.planning_window_hours)])
        self.hours = hours
        self.starts = np.concatenate([[0.0], np.cumsum(hours)[:-1]])
        self.per_period: dict[str, dict[tuple[str, str], float]] = {}
        hp = sc.hub_periods
        for column in ("price_cny_per_kwh", "grid_mw", "carbon_kg_per_kwh", "storage_tb"):
            own = dict(zip(self.hub_ids, self.hub[column].astype(float), strict=True))
            values = {(h, p): own[h] for h in self.hub_ids for p in self.periods}
            for h, p, v in zip(hp["hub_id"], hp["period_id"], hp[column], strict=True):
                if not np.isnan(float(v)):
                    values[h, p] = float(v)
            self.per_period[column] = values
        gbps = {
            (link.link_id, p): float(link.capacity_gbps)
            for link in sc.links.itertuples(index=False)
            for p in self.periods
        }
        lp = sc.link_periods
        for link, p, v in zip(lp["link_id"], lp["period_id"], lp["capacity_gbps"], strict=True):
            if not np.isnan(float(v)):
                gbps[link, p] = float(v)
        self.capacity: dict[tuple[tuple[str, str], str], float] = {
            (arc, p): gbps[attrs[0], p] * hours[i] * TB_PER_GBPS_HOUR
            for arc, attrs in self.arcs.items()
            for i, p in enumerate(self.periods)
        }
        last = len(self.periods) - 1
        release = [self.period_pos.get(str(r), 0) if r else 0 for r in self.job.get("release_period", [])]
        deadline = [self.period_pos.get(str(d), last) if d else last for d in self.job.get("deadline_period", [])]
        self.release = np.array(release, dtype=np.int64)
        self.deadline = np.array(deadline, dtype=np.int64)
        self.preemptible = self.job["preemptible"].astype(bool) & timed if "preemptible" in self.job else None

    def run_hours(self, start: int, runtime_h: float) -> dict[int, float] | None:
        """The hours a run of ``runtime_h`` from the start of period ``start`` spends in each period
        it overlaps, or ``None`` when it would end after the horizon. One window: all of it there."""
        if not self.timed:
            return {0: float(runtime_h)}
        begin = float(self.starts[start])
        finish = begin + float(runtime_h)
        ends = self.starts + self.hours
        if finish > float(ends[-1]) * (1 + 1e-9) + 1e-9:
            return None
        out: dict[int, float] = {}
        for p in range(start, len(self.periods)):
            overlap = min(finish, float(ends[p])) - max(begin, float(self.starts[p]))
            if overlap > 1e-9:
                out[p] = overlap
            if float(ends[p]) >= finish:
                break
        return out

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


def _labels(table: str, keys: list[tuple[str, ...]], columns: tuple[str, ...]) -> list[str]:
    """The row names the plan table ``table`` gives rows with these key values (its own label rule)."""
    return list(PLAN_SCHEMAS[table].labels(pd.DataFrame(keys, columns=list(columns), dtype=object)))


def _missing_rows(facts: Facts, tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Rows a table must have whatever the decisions: every job, hub, inventory row, link direction and cost term."""
    sc = facts.sc
    timed = facts.timed  # the labels name the period only when the scenario has periods
    inventory = [
        (h, k, p)
        for h, k in zip(sc.hub_accelerators["hub_id"], sc.hub_accelerators["accel_id"], strict=True)
        for p in facts.periods
    ]
    directions = [(u, v, p) for u, v in facts.arcs for p in facts.periods]
    wanted = {
        "placements": (list(sc.jobs["job_id"]), "job", "jobs.csv (every job has a row, placed or unplaced)"),
        "hub_usage": (list(sc.hubs["hub_id"]), "hub", "hubs.csv"),
        "accelerator_usage": (
            _labels("accelerator_usage", inventory, ("hub_id", "accel_id", "period_id")),
            "(inventory row, period) pair" if timed else "inventory row",
            "hub_accelerators.csv",
        ),
        "link_flows": (
            _labels("link_flows", directions, ("from_hub", "to_hub", "period_id")),
            "(direction, period) pair" if timed else "direction",
            "links.csv (every link with capacity, both ways, in every period)"
            if timed
            else "links.csv (every link with capacity, both ways)",
        ),
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
