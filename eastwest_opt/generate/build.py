"""generate_scenario: the drawing steps in order, the tables typed and checked as a loaded scenario's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eastwest_opt.generate.capacity import size_capacities
from eastwest_opt.generate.context import HubContext
from eastwest_opt.generate.core import (
    SCHEMAS,
    TABLE_ORDER,
    Problem,
    Scenario,
    ScenarioError,
    SolverSettings,
    check_references,
    check_routes,
    load_scenario,
    parse_table,
)
from eastwest_opt.generate.families import family as family_named
from eastwest_opt.generate.portfolio import draw_datasets


def generate_scenario(jobs: int, datasets: int, seed: int, *, family: str = "default", check: bool = True) -> Scenario:
    """A realistic portfolio of ``jobs`` jobs over ``datasets`` datasets on the shipped hubs.

    Deterministic for ``seed`` (numpy ``Generator``) and ``family`` (``default``, ``distinct``,
    ``skewed`` or ``restricted``, see :mod:`eastwest_opt.generate.families`). See the package
    docstring for the portfolio's make-up and how capacities are scaled so that the scenario is
    tight but feasible. With ``check=True`` the tables pass the same cross-table checks as a
    loaded scenario (a failure is a bug of the generator). The result equals what
    ``load_scenario(write_scenario(result, folder))`` reads back.
    """
    if jobs < 1 or datasets < 1:
        raise ValueError("jobs and datasets must be at least 1")
    fam = family_named(family)
    rng = np.random.default_rng(seed)
    base = load_scenario()
    ctx = HubContext.of(base)
    ds = draw_datasets(ctx, rng, datasets)
    job_table, overrides, shapes = fam.draw(ctx, rng, jobs, ds)
    hubs, links, inventory = size_capacities(ctx, rng, ds, job_table, shapes, fam.headroom)
    raw = {
        "hubs": hubs,
        "links": links,
        "accelerators": base.accelerators,
        "hub_accelerators": inventory,
        "data_classes": base.data_classes,
        "datasets": ds.drop(columns=["mask", "popularity"]),
        "jobs": job_table.drop(columns=["shape", "kind", "must"]),
        "overrides": overrides,
    }
    tables, problems = typed_tables(raw)
    label = "" if family == "default" else f"{family}-"
    what = "" if family == "default" else f" ({family} family: {fam.summary})"
    scenario = Scenario(
        name=f"generated-{label}{jobs}j-{datasets}d-s{seed}",
        description=(
            f"Generated portfolio of {jobs:,} training jobs over {datasets:,} datasets (seed {seed}){what} on the "
            "shipped eight hubs and backbone, capacities scaled to the portfolio (eastwest_opt.generate)."
        ),
        planning_window_hours=base.planning_window_hours,
        carbon_price_cny_per_t=0.0,
        carbon_budget_t=None,
        allow_unplaced=True,
        artifact_paths_k=base.artifact_paths_k,
        solver=SolverSettings(time_limit_s=120.0, mip_rel_gap=1e-3, threads=None),
        tables=tables,
        path=None,
        sources={name: f"{name}.csv" for name in TABLE_ORDER},
    )
    if check:
        problems += cross_table_problems(scenario)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    return scenario


def typed_tables(raw: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Every table parsed by its schema, as the loader types it, and the problems found."""
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in TABLE_ORDER:
        frame = raw[name].reset_index(drop=True) if name in raw else pd.DataFrame(columns=SCHEMAS[name].column_names)
        typed, found = parse_table(frame, SCHEMAS[name], f"{name}.csv")
        tables[name] = typed
        problems += found
    return tables, problems


def cross_table_problems(scenario: Scenario) -> list[Problem]:
    """The loader's cross-table checks: references, then (if those pass) the routes the scenario requires."""
    problems = check_references(scenario)
    if not any(p.severity == "error" for p in problems):
        problems += check_routes(scenario)  # decided once per distinct (zone, serving hubs, restriction)
    return problems
