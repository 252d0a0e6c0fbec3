"""Checks across a scenario's tables and settings, each problem with file, row and column.

Every check is vectorised or runs once per distinct value: references are looked up once per
distinct cell, routes once per distinct (dataset zone, serving hubs, hub restriction), so that a
portfolio of a million jobs is checked in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem
from eastwest_opt.scenario.magnitudes import check_magnitudes
from eastwest_opt.scenario.schema import ANY_HUB, ORIGIN_HUB, SCHEMAS, TABLE_ORDER
from eastwest_opt.scenario.settings import SETTINGS, setting_problems
from eastwest_opt.scenario.timing import check_timing

if TYPE_CHECKING:
    from eastwest_opt.scenario.core import Scenario

NOUNS = {
    "hubs": "hub",
    "links": "link",
    "accelerators": "accelerator type",
    "datasets": "dataset",
    "jobs": "job",
    "data_classes": "data class",
    "periods": "period",
}
# What to tell a planner whose required table has no rows (an empty template from
# `eastwest-opt init --empty` has no datasets or jobs until the planner adds them).
WHY_ROWS = {
    "hubs": "a scenario needs at least one hub",
    "links": "hubs exchange data only over links; give a link capacity_gbps 0 to cut it",
    "accelerators": "a scenario needs at least one accelerator type",
    "hub_accelerators": "no hub would have accelerators, so no job could train",
    "data_classes": "every dataset belongs to a data class",
    "datasets": "no datasets yet; add one row per dataset the jobs train on",
    "jobs": "no jobs yet; add one row per training job to place",
}


def check_settings(s: Scenario, file: str) -> list[Problem]:
    """Scenario-level settings of the right type and in their admissible ranges (warnings outside
    the plausible ones), by the rules of :data:`~eastwest_opt.scenario.settings.SETTINGS`."""
    values = {}
    for setting in SETTINGS:
        top, _, sub = setting.key.partition(".")
        values[setting.key] = getattr(getattr(s, top), sub) if sub else getattr(s, top)
    return setting_problems(values, file)


def check_empty_tables(s: Scenario, broken: set[str], *, links: bool = True) -> list[Problem]:
    """Every required table has rows (rule: at least one row in each table that is not optional;
    in ``links`` too when there are two hubs or more and ``links`` is true, as it is for a
    scenario read from files: a scenario changed in code may cut its last link).

    Each empty table joins ``broken``, so that references into it are not reported one by one.
    """
    problems: list[Problem] = []
    for name in TABLE_ORDER:
        if SCHEMAS[name].optional_table or name in broken or len(s.tables[name]):
            continue
        if name == "links" and (not links or len(s.hubs) < 2):
            continue
        problems.append(Problem(s.sources.get(name, SCHEMAS[name].filename), f"table has no rows: {WHY_ROWS[name]}"))
        broken.add(name)
    return problems


def check_references(s: Scenario, broken: set[str] | None = None) -> list[Problem]:
    """Rows in every required table, duplicate ids, every cross-reference between tables, the
    magnitudes of derived coefficients and (when nothing else is wrong) the periods and the jobs'
    timing (:func:`~eastwest_opt.scenario.timing.check_timing`).

    Tables in ``broken`` (missing or unreadable) are not checked, and references into them are
    not reported, so that one missing file gives one message; an empty required table joins them.
    """
    broken = set(broken or ())
    problems = check_empty_tables(s, broken, links=False)
    duplicates, ids = _duplicate_ids(s, broken)
    problems += duplicates
    problems += _unknown_references(s, broken, ids)
    problems += _link_problems(s)
    problems += _class_problems(s)
    problems += check_magnitudes(s)
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
        dup = frame.duplicated(subset=keys, keep="first").to_numpy()
        for i in np.flatnonzero(dup):
            value = ", ".join(str(frame[k].iat[i]) for k in keys)
            problems.append(Problem(file, f"duplicate id {value!r}", row=int(i) + 2, column=keys[-1]))
        if len(keys) == 1:
            ids[name] = {str(v) for v in pd.unique(frame[keys[0]].to_numpy(dtype=object))}
    return problems, ids


def _unknown_references(s: Scenario, broken: set[str], ids: dict[str, set[str]]) -> list[Problem]:
    """Cells that name a row of another table that does not exist (each distinct cell looked up once)."""
    problems: list[Problem] = []
    for name in TABLE_ORDER:
        if name in broken:
            continue
        schema = SCHEMAS[name]
        frame = s.tables[name]
        file = s.sources.get(name, schema.filename)
        for col in schema.columns:
            if col.ref is None or col.ref not in ids or col.ref in broken:
                continue
            known = ids[col.ref]
            noun = NOUNS.get(col.ref, col.ref)
            codes, uniques = _factorize(frame[col.name])
            unknown: dict[int, list[str]] = {}
            for c, value in enumerate(uniques):
                if bad := [r for r in _refs(value, col.kind) if r not in known]:
                    unknown[c] = bad
            if not unknown:
                continue
            for i in np.flatnonzero(np.isin(codes, list(unknown))):
                for item in unknown[int(codes[i])]:
                    problems.append(Problem(file, f"unknown {noun} {item!r}", row=int(i) + 2, column=col.name))
    return problems


def _factorize(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes of the distinct cells of a column and the cells themselves (lists made tuples)."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
    except TypeError:
        codes, uniques = pd.factorize(series.map(lambda v: tuple(v) if isinstance(v, list) else v))
    return np.asarray(codes), list(uniques)


def _link_problems(s: Scenario) -> list[Problem]:
    """Links that join a hub to itself, and second links between the same two hubs."""
    links = s.links
    lfile = s.sources.get("links", "links.csv")
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for i, (a, b) in enumerate(zip(links["hub_a"], links["hub_b"], strict=True)):
        if a and a == b:
            problems.append(Problem(lfile, f"link joins hub {a!r} to itself", row=i + 2, column="hub_b"))
        pair = (min(a, b), max(a, b))
        if pair in seen:
            problems.append(
                Problem(
                    lfile,
                    f"a second link between {pair[0]} and {pair[1]} (first in row {seen[pair] + 2}); "
                    "give one link its summed capacity",
                    row=i + 2,
                    column="hub_b",
                )
            )
        else:
            seen[pair] = i
    return problems


def _class_problems(s: Scenario) -> list[Problem]:
    """Classes that allow no hub, and datasets born outside the hubs their class allows."""
    problems: list[Problem] = []
    classes = s.data_classes
    cfile = s.sources.get("data_classes", "data_classes.csv")
    for i, value in enumerate(classes["allowed_hubs"]):
        if not str(value).strip():
            problems.append(Problem(cfile, "class allows no hub", row=i + 2, column="allowed_hubs"))
    class_hubs = dict(zip(classes["class_id"], classes["allowed_hubs"], strict=True))
    dfile = s.sources.get("datasets", "datasets.csv")
    outside: dict[tuple[str, str], bool] = {}
    ds = s.datasets
    for i, (cls, origin) in enumerate(zip(ds["class_id"], ds["origin_hub"], strict=True)):
        allowed = class_hubs.get(cls)
        if allowed is None:
            continue
        if (cls, origin) not in outside:
            hubs = allowed_hub_set(str(allowed), str(origin))
            outside[cls, origin] = hubs is not None and origin not in hubs
        if outside[cls, origin]:
            problems.append(
                Problem(
                    dfile,
                    f"origin hub {origin!r} is not among the hubs class {cls!r} allows ({allowed})",
                    row=i + 2,
                    column="origin_hub",
                )
            )
    return problems


def check_routes(s: Scenario) -> list[Problem]:
    """Routes the scenario requires but its backbone cannot offer, ignoring capacities and latency.

    A dataset's replicas travel only over links between hubs its class allows, so its origin
    must reach at least ``min_replicas - 1`` other allowed hubs that way; every serving hub of
    a job must be reachable from at least one hub the job may train at. Each is decided once per
    distinct (class, origin) and per distinct (dataset zone, serving hubs, hub restriction), and
    reported for every row it concerns.
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(s.hubs["hub_id"])
    graph.add_edges_from(
        (a, b) for a, b, c in zip(s.links["hub_a"], s.links["hub_b"], s.links["capacity_gbps"], strict=True) if c > 0
    )
    component = {hub: k for k, part in enumerate(nx.connected_components(graph)) for hub in part}
    class_hubs = dict(zip(s.data_classes["class_id"], s.data_classes["allowed_hubs"], strict=False))
    problems: list[Problem] = []
    dfile = s.sources.get("datasets", "datasets.csv")
    zones: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {}
    zone_of: dict[str, frozenset[str]] = {}
    ds = s.datasets
    for i, (d, cls, origin, need) in enumerate(
        zip(ds["dataset_id"], ds["class_id"], ds["origin_hub"], ds["min_replicas"], strict=True)
    ):
        if (cls, origin) not in zones:
            hubs = allowed_hub_set(str(class_hubs.get(cls, ANY_HUB)), origin)
            zone = frozenset(graph.nodes) if hubs is None else frozenset(hubs) & frozenset(graph.nodes)
            reach = nx.node_connected_component(graph.subgraph(zone), origin) if origin in zone else set()
            zones[cls, origin] = (zone, frozenset(reach))
        zone, reach = zones[cls, origin]
        zone_of[d] = zone
        if int(need) > len(reach) and len(zone) >= int(need):
            problems.append(
                Problem(
                    dfile,
                    f"dataset {d!r} needs {int(need)} replicas but its origin {origin!r} reaches only {len(reach)} "
                    f"hub(s) over links inside the hubs its class allows ({', '.join(sorted(reach))}): "
                    "no route can carry the copies",
                    row=i + 2,
                    column="min_replicas",
                )
            )
    return problems + _serving_routes(s, zone_of, component)


def _serving_routes(s: Scenario, zone_of: dict[str, frozenset[str]], component: dict[str, int]) -> list[Problem]:
    """Serving hubs no hub a job may train at reaches, decided once per distinct combination."""
    jobs = s.jobs
    if not len(jobs):
        return []
    ds_codes, ds_list = pd.factorize(jobs["dataset_id"])
    zone_codes, zone_list = pd.factorize(pd.Series([zone_of.get(d, frozenset()) for d in ds_list], dtype=object))
    zone_codes = zone_codes[ds_codes] if len(ds_list) else np.zeros(len(jobs), dtype=np.int64)
    serve_codes, serve_list = _factorize(jobs["serving_hubs"])
    allow_codes, allow_list = _factorize(jobs["allowed_hubs"])
    combo = (zone_codes.astype(np.int64) * len(serve_list) + serve_codes) * len(allow_list) + allow_codes
    distinct, inverse = np.unique(combo, return_inverse=True)
    failing: dict[int, list[tuple[str, frozenset[str]]]] = {}
    for k, key in enumerate(distinct):
        zone_code, rest = divmod(int(key), len(serve_list) * len(allow_list))
        serve_code, allow_code = divmod(rest, len(allow_list))
        train = frozenset(zone_list[zone_code])
        if allow_list[allow_code]:
            train &= frozenset(allow_list[allow_code])
        reached = {component.get(h) for h in train}
        bad = [t for t in serve_list[serve_code] if t in component and train and component[t] not in reached]
        if bad:
            failing[k] = [(t, train) for t in bad]
    problems: list[Problem] = []
    jfile = s.sources.get("jobs", "jobs.csv")
    for i in np.flatnonzero(np.isin(inverse, list(failing))):
        for t, train in failing[int(inverse[i])]:
            problems.append(
                Problem(
                    jfile,
                    f"serving hub {t!r} cannot be reached over the backbone from any hub job "
                    f"{jobs['job_id'].iat[i]!r} may train at ({', '.join(sorted(train))})",
                    row=int(i) + 2,
                    column="serving_hubs",
                )
            )
    return problems


def _refs(value: Any, kind: str) -> Iterable[str]:
    if kind == "ref":
        return [value] if isinstance(value, str) and value else []
    if kind == "list":
        return list(value) if isinstance(value, tuple | list) else []
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
