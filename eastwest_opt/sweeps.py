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
    base: ../my-scenario                # scenario folder, relative to this file; omit for the shipped one
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
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import NoSolutionError, Problem, ScenarioError
from eastwest_opt.plan.plan import COST_TERMS
from eastwest_opt.scenario import Scenario, load_scenario
from eastwest_opt.sweep_apply import SelectionError, apply_overrides, check_selections, scenario_fingerprint
from eastwest_opt.sweep_run import (
    FAILED,
    SOLVED,
    ResultStore,
    RunSettings,
    VariantResult,
    connect_dask,
    run_dask,
    run_local,
    run_serial,
    write_frame_atomic,
    write_json_atomic,
)
from eastwest_opt.sweep_spec import Override, SweepSpec, Variant, load_sweep

FORMAT_VERSION = 1
PARETO_ENDS_FILE = "pareto_ends.json"
# Hub and link columns a variant may change without changing the model's structure.
_PARAMETER_COLUMNS = {
    "hubs": {"price_cny_per_kwh", "grid_mw", "storage_tb", "storage_price_cny_per_tb_month"},
    "hub_accelerators": {"count"},
    "links": {"capacity_gbps", "cost_cny_per_tb"},
}

__all__ = ["SweepOutcome", "load_sweep", "pareto_table", "summary_table", "sweep"]


@dataclass
class SweepOutcome:
    """Counts of a finished sweep run (also in ``summary.attrs['outcome']``)."""

    name: str
    out: Path
    total: int
    skipped: int
    ran: int
    counts: dict[str, int]
    seconds: float
    plots: list[Path]

    @property
    def failed(self) -> int:
        """Variants that ended without a plan: infeasible, no solution in time, or an error."""
        return sum(self.counts.get(s, 0) for s in FAILED)


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
) -> pd.DataFrame:
    """Run a what-if sweep and return its summary table (one row per variant).

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
    :class:`~eastwest_opt.sweep_run.WorkerStartError` when the worker processes cannot start (a
    script that starts a sweep needs an ``if __name__ == "__main__":`` guard). A variant's own
    failure (infeasible, no solution in time, an invalid value) is recorded and the sweep goes on.
    """
    t0 = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    base = load_scenario(spec.base)
    common = _common_base(base, spec)
    from eastwest_opt.solver.status import SolveOptions

    options = SolveOptions(
        time_limit_s=time_limit_s if time_limit_s is not None else spec.time_limit_s,
        mip_rel_gap=spec.mip_rel_gap,
        threads=spec.threads,
    )
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
        store.prepare(overwrite=overwrite)
        _write_spec_copy(store.out, spec)
        variants = list(spec.variants)
        if spec.is_pareto:
            variants = pareto_variants(common, options, spec, store.out, spec_hash, console if progress else None)
        finished = store.resume([v.id for v in variants], retry_failed=retry_failed)
        pending = _grouped([v for v in variants if v.id not in finished])
        run = RunSettings(options=options, reuse=reuse_models)
        ran = 0
        if pending:
            results = _executor(common, pending, run, workers, client, spec_hash)
            shown = _with_progress(results, len(pending), len(finished), spec.name, progress, console)
            for _variant, result in shown:
                store.write(result)
                ran += 1
        store.write_manifest(complete=True)
    finally:
        if own_client:
            client.close()
    records = [store.finished[v.id] for v in variants if v.id in store.finished]
    summary = summary_table(records, spec)
    hubs = hub_table(records, common)
    write_frame_atomic(summary, store.out / "summary.csv")
    write_frame_atomic(_parquet_safe(summary), store.out / "summary.parquet")
    write_frame_atomic(hubs, store.out / "hubs.csv")
    write_frame_atomic(hubs, store.out / "hubs.parquet")
    front = None
    if spec.is_pareto:
        front = pareto_table(summary)
        write_frame_atomic(front, store.out / "pareto.csv")
        write_frame_atomic(front, store.out / "pareto.parquet")
    made: list[Path] = []
    if plots:
        from eastwest_opt.sweep_plots import make_plots

        made = make_plots(summary, hubs, spec, common, store.out / "plots", front=front)
    counts: dict[str, int] = {}
    for status in summary["status"]:
        counts[str(status)] = counts.get(str(status), 0) + 1
    summary.attrs["outcome"] = SweepOutcome(
        name=spec.name,
        out=store.out,
        total=len(variants),
        skipped=len(finished),
        ran=ran,
        counts=counts,
        seconds=time.perf_counter() - t0,
        plots=made,
    )
    return summary


# ---------------------------------------------------------------------------------
# preparation
# ---------------------------------------------------------------------------------
def _common_base(base: Scenario, spec: SweepSpec) -> Scenario:
    """The base scenario with the sweep's ``base_overrides`` applied and checked."""
    if not spec.base_overrides:
        return base
    try:
        return apply_overrides(base, spec.base_overrides)
    except SelectionError as exc:
        raise ScenarioError([Problem(spec.file, str(exc), row=exc.override.line)]) from None
    except ScenarioError as exc:
        raise ScenarioError(
            [Problem(spec.file, f"base_overrides make the base scenario invalid: {p}") for p in exc.problems]
        ) from None


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


def _write_spec_copy(out: Path, spec: SweepSpec) -> None:
    """Keep the parsed sweep beside its results (``sweep.json``)."""
    write_json_atomic(out / "sweep.json", json.loads(spec.canonical) | {"name": spec.name, "file": spec.file})


def _structure_hint(variant: Variant) -> str:
    """A cheap guess of a variant's model structure, to submit variants of one structure together
    (the workers decide exactly, by :func:`~eastwest_opt.solver.placement.structure_signature`)."""
    parts = []
    for o in variant.overrides:
        if o.op == "settings":
            parts += [("budget", v is None) for k, v in o.values.items() if k == "carbon_budget_t"]
            parts += [(k, v) for k, v in o.values.items() if k not in ("carbon_price_cny_per_t", "carbon_budget_t")]
        elif o.op in ("set", "scale", "add") and set(o.values) <= _PARAMETER_COLUMNS.get(o.table or "", set()):
            continue
        else:
            parts.append((o.table, o.op, o.ids, [(c.column, c.op, c.value) for c in o.where], dict(o.values)))
    return json.dumps(parts, default=str, sort_keys=True)


def _grouped(variants: list[Variant]) -> list[Variant]:
    """The variants ordered by their guessed structure (stable within a structure), so that a worker meets variants
    it can re-solve in place one after another.
    """
    order = {v.id: i for i, v in enumerate(variants)}
    return sorted(variants, key=lambda v: (_structure_hint(v), order[v.id]))


def _executor(
    base: Scenario, variants: list[Variant], run: RunSettings, workers: int | None, scheduler: Any, spec_hash: str
) -> Iterator[tuple[Variant, VariantResult]]:
    """The results of ``variants`` as they finish: on the Dask cluster of ``scheduler`` (a
    client), in this process (one worker or one variant), or in ``workers`` processes."""
    if scheduler is not None:
        return run_dask(base, variants, run, scheduler, tag=spec_hash[:10])
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n == 1 or len(variants) == 1:
        return run_serial(base, variants, run)
    return run_local(base, variants, run, n)


def _with_progress(
    results: Iterator[tuple[Variant, VariantResult]],
    total: int,
    skipped: int,
    name: str,
    show: bool,
    console: Any,
) -> Iterator[tuple[Variant, VariantResult]]:
    """Pass results through, showing a progress bar with counts, failures and time left."""
    if not show:
        yield from results
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = console or Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    if skipped:
        console.print(f"{name}: {skipped} variant(s) finished earlier are kept; {total} to run.")
    failed = 0
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(name, total=total, failed=0)
        for variant, result in results:
            if result.status in FAILED:
                failed += 1
            yield variant, result
            bar.update(task, advance=1, failed=failed)


# ---------------------------------------------------------------------------------
# the cost-carbon front
# ---------------------------------------------------------------------------------
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
    any plan can have (the same rows and columns, minimising the emissions)."""
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


# ---------------------------------------------------------------------------------
# summary tables
# ---------------------------------------------------------------------------------
def summary_table(records: Sequence[Mapping[str, Any]], spec: SweepSpec | None = None) -> pd.DataFrame:
    """One row per variant: id, label, kind, its parameters, and its outcomes."""
    params: list[str] = []
    for record in records:
        for key in record.get("parameters") or {}:
            if key not in params:
                params.append(key)
    hubs: list[str] = []
    for record in records:
        for h in record.get("hubs") or {}:
            if h not in hubs:
                hubs.append(h)
    rows = []
    for r in records:
        cost = r.get("cost_cny") or {}
        row: dict[str, Any] = {"variant_id": r["variant_id"], "label": r.get("label"), "kind": r.get("kind")}
        row.update({p: (r.get("parameters") or {}).get(p) for p in params})
        row.update(
            status=r.get("status"),
            verified=bool(r.get("verified")),
            objective_cny=r.get("objective_cny"),
            bound_cny=r.get("bound_cny"),
            gap=r.get("gap"),
        )
        row.update({f"cost_{t}_cny": cost.get(t) for t in (*COST_TERMS, "total")})
        row.update(
            {
                k: r.get(k)
                for k in (
                    "emissions_t",
                    "energy_mwh",
                    "west_energy_share",
                    "jobs",
                    "jobs_placed",
                    "jobs_unplaced",
                    "transfer_tb",
                    "max_link_utilisation",
                    "busiest_link",
                )
            }
        )
        hub_data = r.get("hubs") or {}
        row.update({f"jobs_at_{h}": (hub_data.get(h) or {}).get("jobs") for h in hubs})
        row.update({f"mw_at_{h}": (hub_data.get(h) or {}).get("meter_mw") for h in hubs})
        row.update(
            seconds=r.get("seconds"),
            solve_seconds=r.get("solve_seconds"),
            resolved_in_place=bool(r.get("resolved_in_place")),
            unplaced_jobs=";".join(r.get("unplaced_jobs") or []),
            error=r.get("message") if r.get("status") in FAILED else None,
        )
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for col in ("objective_cny", "bound_cny", "gap", "emissions_t", "energy_mwh", "west_energy_share", "transfer_tb"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in [c for c in frame.columns if c.startswith(("cost_", "mw_at_"))] + ["max_link_utilisation"]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    for col in ["jobs", "jobs_placed", "jobs_unplaced", *[c for c in frame.columns if c.startswith("jobs_at_")]]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    return frame


def hub_table(records: Sequence[Mapping[str, Any]], base: Scenario) -> pd.DataFrame:
    """One row per solved variant and hub: jobs, power, utilisation, energy, carbon, storage."""
    names = dict(zip(base.hubs["hub_id"], base.hubs["name"], strict=True))
    regions = dict(zip(base.hubs["hub_id"], base.hubs["macro_region"], strict=True))
    rows = []
    for r in records:
        for hub, data in (r.get("hubs") or {}).items():
            rows.append(
                {"variant_id": r["variant_id"], "hub_id": hub, "name": names.get(hub, hub)}
                | {"macro_region": regions.get(hub, "")}
                | dict(data)
            )
    columns = [
        "variant_id",
        "hub_id",
        "name",
        "macro_region",
        "jobs",
        "it_mw",
        "meter_mw",
        "grid_mw",
        "power_utilisation",
        "accelerators_used",
        "storage_used_tb",
        "energy_mwh",
        "carbon_t",
    ]
    return pd.DataFrame(rows, columns=columns)


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Parameter columns that mix numbers and text become text, so Parquet can store them."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            kinds = {type(v) for v in out[col] if v is not None and not (isinstance(v, float) and math.isnan(v))}
            if len(kinds) > 1:
                out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out


def print_outcome(summary: pd.DataFrame, console: Any = None, *, limit: int = 30) -> None:
    """The end of a sweep on the terminal: counts, then one line per variant (up to ``limit``)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    outcome: SweepOutcome | None = summary.attrs.get("outcome")
    if outcome is not None:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items(), key=lambda kv: -kv[1]))
        console.print(
            f"[bold]{outcome.name}[/bold]: {outcome.total} variants ({counts}); {outcome.ran} solved now, "
            f"{outcome.skipped} kept from before, in {outcome.seconds:.1f} s."
        )
    if summary.empty:
        return
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("variant", overflow="fold", min_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("cost M CNY", justify="right", no_wrap=True)
    table.add_column("tCO2", justify="right", no_wrap=True)
    table.add_column("West", justify="right", no_wrap=True)
    table.add_column("unplaced", justify="right", no_wrap=True)
    table.add_column("model", no_wrap=True)
    for row in summary.head(limit).itertuples(index=False):
        ok = row.status in SOLVED
        table.add_row(
            str(row.variant_id).replace("__", " "),  # wraps between the axes of a grid variant
            str(row.status),
            f"{row.cost_total_cny / 1e6:,.2f}" if ok else "-",
            f"{row.emissions_t:,.0f}" if ok else "-",
            f"{100 * row.west_energy_share:.0f}%" if ok and pd.notna(row.west_energy_share) else "-",
            str(row.jobs_unplaced) if ok else "-",
            ("reused" if row.resolved_in_place else "built") if ok else "-",
        )
    console.print(table)
    if len(summary) > limit:
        console.print(f"... and {len(summary) - limit} more rows in summary.csv")
    failures = summary[summary["status"].isin(FAILED)]
    for row in failures.head(5).itertuples(index=False):
        console.print(f"[yellow]{row.variant_id}[/yellow]: {row.status}: {row.error}")
    if outcome is not None:
        console.print(f"Results in {outcome.out}: summary.csv, summary.parquet, hubs.csv, variants/, plots/")
