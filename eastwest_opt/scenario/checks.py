"""Checks across a scenario's tables and settings, each problem with file, row and column."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.schema import ANY_HUB, ORIGIN_HUB, SCHEMAS, TABLE_ORDER
from eastwest_opt.scenario.settings import SETTINGS, range_problem
from eastwest_opt.scenario.timing import check_timing

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario


# Tables a scenario needs rows in, and what to tell a planner whose table is empty (an empty
# template from `eastwest-opt init --empty` has no datasets or jobs until the planner adds them).
_NEEDS_ROWS = {
    "hubs": "a scenario needs at least one hub",
    "accelerators": "a scenario needs at least one accelerator type",
    "datasets": "no datasets yet; add one row per dataset the jobs train on",
    "jobs": "no jobs yet; add one row per training job to place",
}


def check_settings(s: Scenario, file: str) -> list[Problem]:
    """Scenario-level settings in their admissible ranges (each bound of
    :data:`~eastwest_opt.scenario.settings.SETTINGS`, e.g. ``planning_window_hours > 0``)."""
    problems: list[Problem] = []
    for setting in SETTINGS:
        top, _, sub = setting.key.partition(".")
        value = getattr(getattr(s, top), sub) if sub else getattr(s, top)
        message = range_problem(setting, value)
        if message:
            problems.append(Problem(file, message))
    return problems


def check_references(s: Scenario, broken: set[str] | None = None) -> list[Problem]:
    """Duplicate ids and every cross-reference between tables, with file, row and column.

    Tables in ``broken`` (missing or unreadable) are not checked, and references into them are
    not reported, so that one missing file gives one message.
    """
    broken = broken or set()
    problems, ids = _duplicate_ids(s, broken)
    for name, what in _NEEDS_ROWS.items():
        if s.tables[name].empty and name not in broken:
            problems.append(Problem(s.sources.get(name, SCHEMAS[name].filename), f"table has no rows: {what}"))
    problems += _unknown_references(s, broken, ids)
    problems += _link_problems(s)
    problems += _class_problems(s)
    if not ({"periods", "jobs"} & broken) and not any(p.severity == "error" for p in problems):
        problems += check_timing(s)
    return problems


def _duplicate_ids(s: Scenario, broken: set[str]) -> tuple[list[Problem], dict[str, set[str]]]:
    """Rows whose key repeats an earlier row's, and the ids of every one-key table."""
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for name in TABLE_ORDER:
        if name in broken:
            continue
        schema = SCHEMAS[name]
        frame = s.tables[name]
        file = s.sources.get(name, schema.filename)
        keys = list(schema.key)
        dup = frame.duplicated(subset=keys, keep="first")
        for i in frame.index[dup]:
            value = ", ".join(str(frame.at[i, k]) for k in keys)
            problems.append(Problem(file, f"duplicate id {value!r}", row=int(i) + 2, column=keys[-1]))
        if len(keys) == 1:
            ids[name] = set(frame[keys[0]].astype(str))
    return problems, ids


def _unknown_references(s: Scenario, broken: set[str], ids: dict[str, set[str]]) -> list[Problem]:
    """Cells that name a row of another table that does not exist."""
    problems: list[Problem] = []
    for name in TABLE_ORDER:
        if name in broken:
            continue
        schema = SCHEMAS[name]
        frame = s.tables[name]
        file = s.sources.get(name, schema.filename)
        for col in schema.columns:
            if col.ref is None or col.ref not in ids:
                continue
            known = ids[col.ref]
            what = col.ref.rstrip("s").replace("_", " ").replace("accelerator", "accelerator type")
            for i, value in frame[col.name].items():
                for item in _refs(value, col.kind):
                    if item not in known:
                        problems.append(Problem(file, f"unknown {what} {item!r}", row=int(i) + 2, column=col.name))
    return problems


def _link_problems(s: Scenario) -> list[Problem]:
    """Links that join a hub to itself, and second links between the same two hubs."""
    links = s.links
    lfile = s.sources.get("links", "links.csv")
    problems: list[Problem] = []
    for i, row in links.iterrows():
        if row["hub_a"] and row["hub_a"] == row["hub_b"]:
            problems.append(
                Problem(lfile, f"link joins hub {row['hub_a']!r} to itself", row=int(i) + 2, column="hub_b")
            )
    pairs = links.apply(lambda r: tuple(sorted((r["hub_a"], r["hub_b"]))), axis=1) if len(links) else []
    seen: dict[tuple[str, str], int] = {}
    for i, pair in zip(links.index, pairs, strict=False):
        if pair in seen:
            problems.append(
                Problem(
                    lfile,
                    f"a second link between {pair[0]} and {pair[1]} (first in row {seen[pair] + 2}); "
                    "give one link its summed capacity",
                    row=int(i) + 2,
                    column="hub_b",
                )
            )
        else:
            seen[pair] = int(i)
    return problems


def _class_problems(s: Scenario) -> list[Problem]:
    """Classes that allow no hub, and datasets born outside the hubs their class allows."""
    problems: list[Problem] = []
    classes = s.data_classes
    cfile = s.sources.get("data_classes", "data_classes.csv")
    for i, value in classes["allowed_hubs"].items():
        if not str(value).strip():
            problems.append(Problem(cfile, "class allows no hub", row=int(i) + 2, column="allowed_hubs"))
    class_hubs = dict(zip(classes["class_id"], classes["allowed_hubs"], strict=True))
    dfile = s.sources.get("datasets", "datasets.csv")
    for i, row in s.datasets.iterrows():
        allowed = class_hubs.get(row["class_id"])
        if allowed is None:
            continue
        hubs = allowed_hub_set(str(allowed), str(row["origin_hub"]))
        if hubs is not None and row["origin_hub"] not in hubs:
            problems.append(
                Problem(
                    dfile,
                    f"origin hub {row['origin_hub']!r} is not among the hubs class "
                    f"{row['class_id']!r} allows ({allowed})",
                    row=int(i) + 2,
                    column="origin_hub",
                )
            )
    return problems


def check_routes(s: Scenario) -> list[Problem]:
    """Routes the scenario requires but its backbone cannot offer, ignoring capacities and latency.

    A dataset's replicas travel only over links between hubs its class allows, so its origin
    must reach at least ``min_replicas - 1`` other allowed hubs that way; every serving hub of
    a job must be reachable from at least one hub the job may train at.
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(s.hubs["hub_id"])
    graph.add_edges_from(
        (a, b) for a, b, c in zip(s.links["hub_a"], s.links["hub_b"], s.links["capacity_gbps"], strict=True) if c > 0
    )
    problems: list[Problem] = []
    classes = s.data_classes.set_index("class_id")
    dfile = s.sources.get("datasets", "datasets.csv")
    allowed_of: dict[str, set[str]] = {}
    for i, ds in s.datasets.iterrows():
        hubs = allowed_hub_set(str(classes.at[ds["class_id"], "allowed_hubs"]), ds["origin_hub"])
        zone = set(graph.nodes) if hubs is None else set(hubs) & set(graph.nodes)
        allowed_of[ds["dataset_id"]] = zone
        reach = (
            nx.node_connected_component(graph.subgraph(zone), ds["origin_hub"]) if ds["origin_hub"] in zone else set()
        )
        if int(ds["min_replicas"]) > len(reach) and len(zone) >= int(ds["min_replicas"]):
            problems.append(
                Problem(
                    dfile,
                    f"dataset {ds['dataset_id']!r} needs {int(ds['min_replicas'])} replicas but its origin "
                    f"{ds['origin_hub']!r} reaches only {len(reach)} hub(s) over links inside the hubs its class "
                    f"allows ({', '.join(sorted(reach))}): no route can carry the copies",
                    row=int(i) + 2,
                    column="min_replicas",
                )
            )
    jfile = s.sources.get("jobs", "jobs.csv")
    component = {hub: n for n, hubs in enumerate(nx.connected_components(graph)) for hub in hubs}
    unreachable: dict[tuple[Any, Any, Any], list[tuple[str, set[str]]]] = {}  # each distinct job shape once
    jobs = s.jobs
    columns = [jobs[c].tolist() for c in ("job_id", "dataset_id", "allowed_hubs", "serving_hubs")]
    for i, job_id, dataset, restrict, serving in zip(jobs.index.tolist(), *columns, strict=True):
        key = (dataset, tuple(restrict), tuple(serving))
        if key not in unreachable:
            train = allowed_of.get(dataset, set())
            if restrict:
                train = train & set(restrict)
            reached = {component[h] for h in train}
            unreachable[key] = [(t, train) for t in serving if t in graph and train and component[t] not in reached]
        for t, train in unreachable[key]:
            problems.append(
                Problem(
                    jfile,
                    f"serving hub {t!r} cannot be reached over the backbone from any hub job "
                    f"{job_id!r} may train at ({', '.join(sorted(train))})",
                    row=int(i) + 2,
                    column="serving_hubs",
                )
            )
    return problems


def _refs(value: Any, kind: str) -> Iterable[str]:
    if kind == "ref":
        return [value] if isinstance(value, str) and value else []
    if kind == "list":
        return list(value)
    if kind == "hubset":
        text = str(value).strip()
        if text in (ANY_HUB, ORIGIN_HUB, ""):
            return []
        return [p.strip() for p in text.split(";") if p.strip()]
    return []


def allowed_hub_set(allowed: str, origin: str) -> frozenset[str] | None:
    """Hubs a class allows for a dataset born at ``origin``; ``None`` means every hub."""
    text = allowed.strip()
    if text == ANY_HUB:
        return None
    if text == ORIGIN_HUB:
        return frozenset({origin})
    return frozenset(p.strip() for p in text.split(";") if p.strip())


def is_missing(value: Any) -> bool:
    """True for an empty optional numeric cell."""
    return value is None or (isinstance(value, float) and math.isnan(value))
