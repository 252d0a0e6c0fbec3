"""What-if sweeps: many variants of a scenario, solved in parallel, resumable, with tables and plots.

``eastwest_opt.sweep("sweep.yaml", out="results/")`` (or ``eastwest-opt sweep sweep.yaml --out
results/``) reads a sweep file, checks all of it against the base scenario before anything runs,
solves every variant in worker processes (or on a Dask cluster), writes each variant's result
the moment it finishes, and ends with a summary table and plots. It returns the summary as a
DataFrame. Running it again on the same folder skips the variants already finished.

The sweep file
--------------
YAML, read with a safe loader. Every key is checked; unknown keys are errors::

    name: western-price                 # default: the file name
    description: Cheaper western power  # free text
    base: ../my-scenario                # scenario folder or .xlsx, relative to this file; omit for the shipped one
    base_overrides: [...]               # overrides applied to every variant first
    solver: {time_limit_s: 60, mip_rel_gap: 0.0001, threads: 1}   # per variant; threads per worker
    parameter_labels: {cc_grid_factor: CC grid allocation (x normal)}   # plot labels of named variants' parameters
    variants:                           # named variants, each as given
      - name: drought                   # its id in the results (made file-name safe)
        label: Chengdu-Chongqing drought, hydro halved
        parameters: {cc_grid_factor: 0.5}   # optional: values shown as summary columns and plotted
        overrides: [...]
    grid:                               # axes; every combination of their values is a variant
      - name: west_price_factor         # the parameter's name (a summary column)
        label: Western power price (x today)   # axis label in the plots
        values: [0.6, 0.8, 1.0]
        overrides:                      # '$value' stands for the axis value
          - {table: hubs, where: {macro_region: west}, scale: {price_cny_per_kwh: $value}}
    pareto: {steps: 10}                 # the cost-carbon front instead of variants and grid

Grid variants have ids like ``west_price_factor=0.8__carbon_price=200``, named variants the
name, so ids are stable and a rerun finds the variants it finished. A grid variant applies the
overrides of its axes in the order the axes are given.

An override changes one table (or the settings):

- ``table``: hubs, links, accelerators, hub_accelerators, data_classes, datasets, jobs, overrides;
- a selection (none means every row of the table): ``id: gs``, ``ids: [gs, nx]`` (a row of
  ``hub_accelerators`` or ``overrides`` is named by a list: ``id: [gs, h800]``), or
  ``where: {column: condition, ...}`` where every condition must hold. A condition is a value
  (equality), a list (membership), or ``{op: value}`` with op one of ``== != < <= > >= in
  not_in like`` (``like`` matches a pattern with ``*`` and ``?``: ``{job_id: {like: "pt-*"}}``).
  On a list column (``serving_hubs``, ``allowed_hubs`` of jobs) equality means "contains".
  Besides the table's own columns, ``where`` may use derived columns: jobs ``class_id`` and
  ``origin_hub`` (of the job's dataset), links ``corridor`` (``east-west``, ``east`` or
  ``west``), datasets, hub_accelerators and overrides ``macro_region`` (of their hub);
- one operation: ``set: {column: value}`` (``null`` empties an optional cell), ``scale:
  {column: factor}``, ``add: {column: delta}`` (numeric columns; scaling an integer column
  rounds to the nearest integer; empty cells stay empty), ``remove: true`` (drop the rows: a
  link cut), ``duplicate: N`` (jobs only: N copies of each selected job in all, ids ``<id>.2``
  ... ``<id>.N``, with their override rows; 1 changes nothing, for grid axes: "the portfolio
  doubles" is ``{table: jobs, duplicate: 2}``), ``append: [{column: value, ...}]`` (new rows; no selection);
- or ``settings: {name: value}`` alone: ``carbon_price_cny_per_t``, ``carbon_budget_t``
  (``null`` for none), ``planning_window_hours``, ``allow_unplaced``, ``artifact_paths_k``.

Errors before anything runs: malformed YAML, unknown keys, tables, columns, settings and
operators, values of the wrong type, operations a column cannot take, repeated ids, and
selections that match no row (checked by applying every variant to the base without solving).
Each names the key path (``grid[0].overrides[0].scale.price_cny_per_kwh``) and the line. A value
the schema refuses only after the change (a price scaled below zero) fails that variant alone.

Running
-------
Variants run in ``workers`` processes (default: one per CPU), or on an existing Dask
distributed cluster (``scheduler``). A worker keeps the models it has built, by structure:
a variant that changes only numbers the model holds as parameters (hub prices, grid
allocations, storage and its price, accelerator inventories, link capacities and costs, the
carbon price and budget) is written into an already built model and re-solved through the
persistent HiGHS interface with the previous solution as a MIP start; a variant that changes
structure (a cut link, a changed job, a budget where there was none) is built anew. Each
variant is optimal within the relative gap asked for; which of several equally good plans is
returned may depend on the solution it started from. HiGHS runs with one thread per worker
unless the sweep's ``solver.threads`` says otherwise. A worker process that dies (out of memory,
killed) loses only the variants it held: each runs again alone, and the one that kills its
worker again is recorded as an error.

Outputs
-------
``OUT/variants/<id>/``: the plan tables (a plan folder ``eastwest-opt verify`` reads), and
``result.json`` (status, whether the independent verifier accepted the plan (a plan it rejects
makes the variant an error, never a solution), objective, bound, gap, cost terms, emissions, western energy share,
jobs and power per hub, link loads, unplaced jobs, seconds, whether it was re-solved in place;
or the error, and for an infeasible variant the explanation sentences and ``explanation.csv``).
A variant folder appears complete or not at all. ``OUT/manifest.json`` lists the variants and the
status of each finished one. At the end: ``summary.csv`` and ``summary.parquet`` (one row per
variant: its parameters and outcomes), ``hubs.csv``/``.parquet`` (one row per variant and hub),
and ``plots/*.png``. A Pareto sweep also writes ``pareto.csv``/``.parquet`` and
``plots/pareto_front.png``.

The cost-carbon front (``pareto: {steps: N}``): the cost-optimal plan (no carbon budget) gives
the largest emissions worth having, ``E_max``; a solve of the same model that minimises
emissions gives ``E_min``; then N+1 variants solve for minimum cost under carbon budgets evenly
spaced from ``E_min`` to ``E_max`` (``budget-00`` the cleanest, the last one the cost optimum).
Each step's marginal abatement cost (CNY per tonne avoided) is in ``pareto.csv``.

The package
-----------
Data flows one way through its modules: :mod:`~eastwest_opt.sweeps.spec` (the data classes of a
sweep file) <- :mod:`~eastwest_opt.sweeps.parse` (the YAML reader, with
:mod:`~eastwest_opt.sweeps.parse_settings`, :mod:`~eastwest_opt.sweeps.parse_variants` and
:mod:`~eastwest_opt.sweeps.parse_overrides`, reporting through
:mod:`~eastwest_opt.sweeps.problems`) <- :mod:`~eastwest_opt.sweeps.apply` (overrides applied to a
scenario) <- :mod:`~eastwest_opt.sweeps.solve` (one variant solved) <-
:mod:`~eastwest_opt.sweeps.run` (serial, local processes, Dask) and
:mod:`~eastwest_opt.sweeps.store` (the output folder, atomic writes) <-
:mod:`~eastwest_opt.sweeps.pareto`, :mod:`~eastwest_opt.sweeps.tables`,
:mod:`~eastwest_opt.sweeps.plots` (with :mod:`~eastwest_opt.sweeps.plot_lines`) and
:mod:`~eastwest_opt.sweeps.console`, and :mod:`~eastwest_opt.sweeps.notebook` (the summary as a
:class:`SweepResult` that shows as HTML) <- :func:`sweep`, here. Beside them,
:mod:`~eastwest_opt.sweeps.json_schema` writes the JSON Schema of a sweep file from the same
vocabulary (:mod:`~eastwest_opt.sweeps.spec`) and the scenario schema. The names taken from eastwest_opt's
errors, plan, scenario and schema are imported in :mod:`~eastwest_opt.sweeps.core` only; the
solver is imported inside the functions that solve.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.sweeps.apply import (
    SelectionError,
    apply_overrides,
    check_selections,
    common_base,
)
from eastwest_opt.sweeps.console import print_outcome, with_progress
from eastwest_opt.sweeps.core import Problem, Scenario, ScenarioError, load_scenario, scenario_fingerprint
from eastwest_opt.sweeps.notebook import SweepResult
from eastwest_opt.sweeps.pareto import pareto_table, pareto_variants
from eastwest_opt.sweeps.parse import load_sweep
from eastwest_opt.sweeps.plots import make_plots
from eastwest_opt.sweeps.run import (
    RunSettings,
    WorkerStartError,
    connect_dask,
    execute,
    grouped,
    run_dask,
    run_local,
    run_serial,
)
from eastwest_opt.sweeps.solve import VariantResult
from eastwest_opt.sweeps.spec import Axis, Condition, Override, SweepSpec, Variant
from eastwest_opt.sweeps.store import ResultStore, write_frame_atomic, write_spec_copy
from eastwest_opt.sweeps.tables import SweepOutcome, hub_table, parquet_safe, status_counts, summary_table

FORMAT_VERSION = 1

__all__ = [
    "Axis",
    "Condition",
    "Override",
    "RunSettings",
    "SelectionError",
    "SweepOutcome",
    "SweepResult",
    "SweepSpec",
    "Variant",
    "VariantResult",
    "WorkerStartError",
    "apply_overrides",
    "check_selections",
    "hub_table",
    "load_sweep",
    "pareto_table",
    "print_outcome",
    "run_dask",
    "run_local",
    "run_serial",
    "summary_table",
    "sweep",
]


def sweep(
    spec: str | Path | Mapping[str, Any] | SweepSpec,
    *,
    out: str | Path,
    workers: int | None = None,
    scheduler: Any = None,
    overwrite: bool = False,
    retry_failed: bool = False,
    time_limit_s: float | None = None,
    progress: bool = True,
    plots: bool = True,
    reuse_models: bool = True,
    console: Any = None,
) -> SweepResult:
    """Run a what-if sweep and return its summary table (one row per variant), a DataFrame that shows
    its headline, variants and plots in a notebook (:class:`~eastwest_opt.sweeps.notebook.SweepResult`).

    ``spec`` is a sweep file, a mapping with the same content, or a parsed :class:`SweepSpec`.
    ``workers`` processes run on this machine (default: one per CPU; 1 runs in this process);
    ``scheduler`` (a Dask scheduler address or a ``distributed.Client``) runs the variants on a
    Dask cluster instead. Finished variants in ``out`` are kept and skipped; ``overwrite``
    discards them, ``retry_failed`` runs again the variants that ended in an error or without a
    solution. ``time_limit_s`` overrides the sweep's per-variant limit. ``reuse_models=False``
    builds every variant anew (for benchmarks).

    Raises :class:`ScenarioError` for a bad sweep file (before anything runs),
    :class:`~eastwest_opt.errors.OutputExistsError` when ``out`` holds another sweep, and
    :class:`InfeasibleError` when a Pareto sweep's base has no plan at all, and
    :class:`~eastwest_opt.sweeps.run.WorkerStartError` when the worker processes cannot start (a
    script that starts a sweep needs an ``if __name__ == "__main__":`` guard). A variant's own
    failure (infeasible, no solution in time, an invalid value) is recorded and the sweep goes on.
    """
    t0 = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    base = load_scenario(spec.base)
    common = common_base(base, spec)
    options = _solve_options(spec, time_limit_s)
    spec_hash = _spec_hash(spec, base, options)
    store = ResultStore(
        Path(out),
        spec_hash,
        {"sweep": spec.name, "description": spec.description, "file": spec.file, "format": FORMAT_VERSION},
    )
    if not spec.is_pareto:
        check_selections(base, spec)
    if workers is not None and workers < 1:
        raise ScenarioError([Problem("--workers", f"must be at least 1, got {workers}")])
    client, own_client = connect_dask(scheduler) if scheduler is not None else (None, False)
    try:
        variants, skipped, ran = _run_variants(
            spec,
            common,
            store,
            RunSettings(options=options, reuse=reuse_models),
            workers=workers,
            client=client,
            overwrite=overwrite,
            retry_failed=retry_failed,
            console=console if progress else None,
            progress=progress,
        )
    finally:
        if own_client:
            client.close()
    records = [store.finished[v.id] for v in variants if v.id in store.finished]
    summary, hubs, front = _write_tables(records, spec, common, store.out)
    made = make_plots(summary, hubs, spec, common, store.out / "plots", front=front) if plots else []
    summary = SweepResult(summary)
    summary.attrs["outcome"] = SweepOutcome(
        name=spec.name,
        out=store.out,
        total=len(variants),
        skipped=skipped,
        ran=ran,
        counts=status_counts(summary),
        seconds=time.perf_counter() - t0,
        plots=made,
    )
    return summary


def _run_variants(
    spec: SweepSpec,
    common: Scenario,
    store: ResultStore,
    run: RunSettings,
    *,
    workers: int | None,
    client: Any,
    overwrite: bool,
    retry_failed: bool,
    console: Any,
    progress: bool,
) -> tuple[list[Variant], int, int]:
    """Prepare the output folder, solve the variants not finished before and write each as it
    finishes; return the sweep's variants, how many were kept from before and how many ran."""
    store.prepare(overwrite=overwrite)
    write_spec_copy(store.out, spec)
    variants = list(spec.variants)
    if spec.is_pareto:
        variants = pareto_variants(common, run.options, spec, store.out, store.spec_hash, console)
    finished = store.resume([v.id for v in variants], retry_failed=retry_failed)
    pending = grouped([v for v in variants if v.id not in finished])
    ran = 0
    if pending:
        results = execute(common, pending, run, workers, client, store.spec_hash)
        shown = with_progress(results, len(pending), len(finished), spec.name, progress, console)
        for _variant, result in shown:
            store.write(result)
            ran += 1
    store.write_manifest(complete=True)
    return variants, len(finished), ran


def _solve_options(spec: SweepSpec, time_limit_s: float | None) -> Any:
    """The solver options of every variant: the sweep's, with ``time_limit_s`` if given."""
    from eastwest_opt.solver.status import SolveOptions

    return SolveOptions(
        time_limit_s=time_limit_s if time_limit_s is not None else spec.time_limit_s,
        mip_rel_gap=spec.mip_rel_gap,
        threads=spec.threads,
    )


def _spec_hash(spec: SweepSpec, base: Scenario, options: Any) -> str:
    """A hash of everything that decides the sweep's results: the parsed sweep, the base scenario's content and the
    solver settings.
    """
    payload = {
        "format": FORMAT_VERSION,
        "spec": spec.canonical,
        "base": scenario_fingerprint(base),
        "options": [options.time_limit_s, options.mip_rel_gap, options.threads],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _write_tables(
    records: list[dict[str, Any]], spec: SweepSpec, common: Scenario, out: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Write ``summary``, ``hubs`` (and for a Pareto sweep ``pareto``) as CSV and Parquet; return the tables."""
    summary = summary_table(records, spec)
    hubs = hub_table(records, common)
    write_frame_atomic(summary, out / "summary.csv")
    write_frame_atomic(parquet_safe(summary), out / "summary.parquet")
    write_frame_atomic(hubs, out / "hubs.csv")
    write_frame_atomic(hubs, out / "hubs.parquet")
    front = None
    if spec.is_pareto:
        front = pareto_table(summary)
        write_frame_atomic(front, out / "pareto.csv")
        write_frame_atomic(front, out / "pareto.parquet")
    return summary, hubs, front
