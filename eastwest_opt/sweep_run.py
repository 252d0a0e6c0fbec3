"""Running a sweep: solve variants in worker processes, re-solving built models in place, and
keep every finished variant on disk.

Workers
-------
:func:`solve_variant` is the one task function, the same for every executor: apply the
variant's overrides to the (common) base scenario, look up a built
:class:`~eastwest_opt.solver.placement.PlacementModel` of the same :func:`structure_signature` in the
worker's :class:`ModelCache`, and if there is one write the variant's numbers into it
(:meth:`PlacementModel.update`) and re-solve it through the persistent HiGHS interface with the
previous solution as a MIP start; otherwise build the model and keep it. Every outcome becomes
a :class:`VariantResult`, failures included (infeasible, no solution, a value the schema
refuses, anything else): a task never raises.

Executors yield ``(variant, result)`` as variants finish: :func:`run_serial` in this process,
:func:`run_local` in a pool of spawned (or forkserver) processes, each holding the base scenario
and its own cache, and :func:`run_dask` on a Dask distributed cluster (the base scenario is
scattered to every worker once; each worker thread keeps its own cache). One task per variant
lets results stream back as they finish; submitting variants grouped by structure lets each
worker re-solve most of them in place.

Results on disk
---------------
:class:`ResultStore` is used by the parent process only: it writes ``variants/<id>/`` (the plan
tables, ``summary.json``, ``explanation.csv`` for an infeasible variant, and ``result.json``
last) into a temporary folder and renames it into place, so a variant folder with a
``result.json`` is complete, and a kill at any moment loses at most the variants that were still
being solved. ``manifest.json`` (the spec hash, the variant ids, the status of each finished one)
is rewritten atomically after each variant; on a rerun the ``result.json`` files are the truth.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import socket
import tempfile
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from eastwest_opt.errors import (
    EastWestError,
    InfeasibleError,
    NoSolutionError,
    OutputExistsError,
    ScenarioError,
    VerificationError,
)
from eastwest_opt.plan.plan import TABLES, Plan
from eastwest_opt.scenario import Scenario
from eastwest_opt.sweep_apply import SelectionError, apply_overrides
from eastwest_opt.sweep_spec import Variant

RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
VARIANTS_DIR = "variants"
DEFAULT_CACHE_SIZE = 4
SOLVED = ("optimal", "feasible")
FAILED = ("infeasible", "no_solution", "error")


# ---------------------------------------------------------------------------------
# the task
# ---------------------------------------------------------------------------------
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
    from eastwest_opt.api import build, solve_model
    from eastwest_opt.solver.placement import structure_signature

    t0 = time.perf_counter()
    record: dict[str, Any] = {
        "variant_id": variant.id,
        "label": variant.label,
        "kind": variant.kind,
        "parameters": dict(variant.parameters),
        "resolved_in_place": False,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    signature: tuple | None = None
    try:
        scenario = apply_overrides(base, variant.overrides, name=f"{base.name}:{variant.id}")
        t_apply = time.perf_counter()
        signature = structure_signature(scenario)
        pm = cache.get(signature) if (cache is not None and reuse) else None
        in_place = pm is not None and pm.update(scenario)
        if in_place:
            pm.timings.clear()
            pm.timings["update_s"] = time.perf_counter() - t_apply
        else:
            pm = build(scenario)
            if cache is not None and reuse:
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


def plan_record(plan: Plan) -> dict[str, Any]:
    """The outcomes of a solved plan, JSON-ready: status, objective, cost terms, placements and
    power per hub, link loads, emissions, unplaced jobs."""
    s = plan.summary()
    hubs = {}
    for row in plan.hub_usage.itertuples(index=False):
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
    links: dict[str, dict[str, float]] = {}
    flows = plan.link_flows
    for row in flows.itertuples(index=False):
        entry = links.setdefault(
            str(row.link_id) or f"{row.from_hub}-{row.to_hub}", {"tb": 0.0, "max_utilisation": 0.0}
        )
        entry["tb"] += float(row.total_tb)
        util = float(row.utilisation)
        entry["max_utilisation"] = max(entry["max_utilisation"], util if math.isfinite(util) else 1e9)
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
        "hubs": hubs,
        "links": links,
        "max_link_utilisation": busiest[1]["max_utilisation"],
        "busiest_link": busiest[0],
    }


# ---------------------------------------------------------------------------------
# executors
# ---------------------------------------------------------------------------------
@dataclass
class RunSettings:
    """How to run: the solve options, model reuse and the model cache size per worker."""

    options: Any  # SolveOptions
    reuse: bool = True
    cache_size: int = DEFAULT_CACHE_SIZE


def run_serial(
    base: Scenario, variants: Sequence[Variant], run: RunSettings
) -> Iterator[tuple[Variant, VariantResult]]:
    """Solve the variants one after another in this process."""
    cache = ModelCache(run.cache_size)
    for variant in variants:
        yield variant, solve_variant(base, variant, run.options, cache, reuse=run.reuse)


_WORKER: dict[str, Any] = {}


def _init_worker(base: Scenario, run: RunSettings, parent: int) -> None:
    """Process-pool initializer: keep the base scenario and a model cache in the worker, and
    exit when the parent process is gone (killed), rather than linger as an orphan."""
    _WORKER["base"] = base
    _WORKER["run"] = run
    _WORKER["cache"] = ModelCache(run.cache_size)
    if os.name == "posix":  # os.kill(pid, 0) is a liveness probe only on POSIX
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()


def _watch_parent(parent: int, interval_s: float = 0.5) -> None:
    """Exit this worker process when the parent process no longer exists."""
    while True:
        time.sleep(interval_s)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # pragma: no cover - the pid was reused by another user's process
            os._exit(1)


def _pool_task(variant: Variant) -> VariantResult:
    """Task run in a pool worker: solve one variant with the worker's base scenario and cache."""
    run: RunSettings = _WORKER["run"]
    return solve_variant(_WORKER["base"], variant, run.options, _WORKER["cache"], reuse=run.reuse)


def _mp_context() -> Any:
    """The multiprocessing start method for the pool: forkserver where it exists, else spawn."""
    import multiprocessing as mp

    # fork is unsafe with the solver's threads; forkserver starts workers fast where it exists.
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["eastwest_opt.sweep_run", "eastwest_opt.api"])
    return ctx


class WorkerStartError(EastWestError):
    """The worker processes of a local sweep could not start."""


def _ready() -> int:
    """A task that only proves a pool worker started (and could import what it needs)."""
    return os.getpid()


WORKER_START_HINT = (
    "the sweep's worker processes could not start. Each worker imports the script that started the "
    "sweep (Python's multiprocessing, with the spawn and forkserver methods): call eastwest_opt.sweep "
    'under `if __name__ == "__main__":` in a script file (not from standard input), or pass workers=1'
)


def run_local(
    base: Scenario,
    variants: Sequence[Variant],
    run: RunSettings,
    workers: int,
    *,
    task: Callable[[Variant], VariantResult] = _pool_task,
) -> Iterator[tuple[Variant, VariantResult]]:
    """Solve the variants in ``workers`` processes on this machine, yielding each as it finishes.

    At most ``workers`` variants are in the pool at a time, so that when a worker process dies
    (killed, out of memory) the variants it may have been solving are known: each of them then
    runs again alone in a fresh worker, and the one that kills its worker again is recorded as an
    error; the others go on as before. Raises :class:`WorkerStartError` (before any variant
    runs) when the worker processes cannot start at all, as when a script without a ``__main__``
    guard starts the sweep. ``task`` solves one variant in a worker (tests replace it).
    """
    queue = list(variants)
    suspects: list[Variant] = []  # in the pool when a worker died: each runs again alone
    while queue or suspects:
        alone = bool(suspects)
        pool = ProcessPoolExecutor(
            max_workers=1 if alone else max(1, min(workers, len(queue))),
            mp_context=_mp_context(),
            initializer=_init_worker,
            initargs=(base, run, os.getpid()),
        )
        broken = False
        try:
            try:
                pool.submit(_ready).result()
            except BrokenProcessPool:
                broken = True
                raise WorkerStartError(WORKER_START_HINT) from None
            if alone:
                variant = suspects.pop(0)
                try:
                    result = pool.submit(task, variant).result()
                except BrokenProcessPool:
                    broken = True
                    result = failure(variant, "its worker process died while solving it (out of memory, or killed)")
                except Exception as exc:
                    result = failure(variant, f"{type(exc).__name__}: {exc}")
                yield variant, result
                continue
            in_flight: dict[Future, Variant] = {}
            while queue or in_flight:
                while queue and len(in_flight) < workers:
                    variant = queue.pop(0)
                    in_flight[pool.submit(task, variant)] = variant
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                results = []
                for fut in done:
                    variant = in_flight.pop(fut)
                    try:
                        results.append((variant, fut.result()))
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(variant)
                    except Exception as exc:
                        results.append((variant, failure(variant, f"{type(exc).__name__}: {exc}")))
                if broken:  # every variant still in the pool is lost with it
                    suspects += list(in_flight.values())
                    in_flight.clear()
                else:  # keep the workers busy while the results are written
                    while queue and len(in_flight) < workers:
                        variant = queue.pop(0)
                        in_flight[pool.submit(task, variant)] = variant
                yield from results
                if broken:
                    break
        except BaseException:  # interrupted, or the caller stopped reading: do not wait for running variants
            broken = True
            raise
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


_THREAD = threading.local()


def _dask_task(base: Scenario, variant: Variant, run: RunSettings) -> VariantResult:
    """Task run on a Dask worker: each worker thread keeps its own model cache."""
    cache = getattr(_THREAD, "cache", None)
    if cache is None:
        cache = _THREAD.cache = ModelCache(run.cache_size)
    return solve_variant(base, variant, run.options, cache, reuse=run.reuse)


def connect_dask(scheduler: Any) -> tuple[Any, bool]:
    """A :class:`distributed.Client` for ``scheduler`` (an address, or a client already made) and
    whether the caller owns it (must close it). Raises :class:`ScenarioError` naming
    ``--scheduler`` when dask.distributed is missing or the scheduler cannot be reached."""
    from eastwest_opt.errors import Problem

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - exercised without the extra
        raise ScenarioError(
            [Problem("--scheduler", "running on Dask needs dask.distributed: pip install 'eastwest-opt[dask]'")]
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(str(scheduler), timeout="20s", set_as_default=False), True
    except (OSError, ValueError, TypeError) as exc:
        raise ScenarioError(
            [Problem("--scheduler", f"cannot connect to the Dask scheduler at {scheduler}: {exc}")]
        ) from None


def run_dask(
    base: Scenario, variants: Sequence[Variant], run: RunSettings, scheduler: Any, *, tag: str = "sweep"
) -> Iterator[tuple[Variant, VariantResult]]:
    """Solve the variants on a Dask distributed cluster: ``scheduler`` is its address or a
    :class:`distributed.Client` (see :func:`connect_dask`). The workers need eastwest-opt installed."""
    from distributed import as_completed

    client, own = connect_dask(scheduler)
    futures = []
    try:
        base_future = client.scatter(base, broadcast=True, hash=False)
        by_key = {}
        for variant in variants:
            key = f"eastwest-{tag}-{variant.id}"
            fut = client.submit(_dask_task, base_future, variant, run, key=key, pure=False, retries=1)
            by_key[fut.key] = variant
            futures.append(fut)
        for fut in as_completed(futures, loop=client.loop):
            variant = by_key[fut.key]
            try:
                result = fut.result()
            except Exception as exc:
                result = failure(variant, f"{type(exc).__name__}: {exc}")
            fut.release()
            yield variant, result
    finally:
        for fut in futures:
            with contextlib.suppress(Exception):
                fut.cancel()
        if own:
            client.close()


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


# ---------------------------------------------------------------------------------
# results on disk
# ---------------------------------------------------------------------------------
def _now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def ordinary_permissions(path: Path) -> None:
    """Give a file or folder made by ``mkstemp``/``mkdtemp`` (private to its owner) the
    permissions the user's umask gives ordinary files and folders."""
    umask = os.umask(0o022)
    os.umask(umask)
    path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside ``path`` and move it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, default=_json_default)
            fh.write("\n")
        ordinary_permissions(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_frame_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV or Parquet (by suffix) through a temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, float_format="%.10g")
        ordinary_permissions(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _json_default(value: Any) -> Any:
    """JSON for values ``json`` does not know: numpy scalars as numbers, anything else as text."""
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


@dataclass
class ResultStore:
    """The output folder of a sweep: one folder per finished variant, a manifest, the summary."""

    out: Path
    spec_hash: str
    meta: dict[str, Any]
    variant_ids: list[str] = field(default_factory=list)
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def variants_dir(self) -> Path:
        """The folder holding one folder per finished variant."""
        return self.out / VARIANTS_DIR

    def prepare(self, *, overwrite: bool) -> None:
        """Create the folder, or check that it holds this very sweep (to resume it).

        A folder holding another sweep (a different spec hash) is refused unless ``overwrite``;
        ``overwrite`` discards earlier results. A non-empty folder that is not a sweep folder is
        refused even then (nothing but sweep results is ever deleted).
        """
        manifest = self.out / MANIFEST_FILE
        if self.out.exists() and not self.out.is_dir():
            raise OutputExistsError(f"{self.out}: exists and is not a folder")
        if self.out.is_dir() and any(self.out.iterdir()):
            if not manifest.is_file() and not self.variants_dir.is_dir():
                raise OutputExistsError(
                    f"{self.out}: folder exists and holds no sweep results (no {MANIFEST_FILE}); "
                    "choose an empty or new --out folder"
                )
            if _read_hash(manifest) != self.spec_hash:
                if not overwrite:
                    raise OutputExistsError(
                        f"{self.out}: holds the results of a different sweep (the sweep file, its base scenario "
                        "or the solver settings changed); pass --overwrite to discard them, or choose another --out"
                    )
                self._discard()
            elif overwrite:
                self._discard()
        self.variants_dir.mkdir(parents=True, exist_ok=True)

    def resume(self, variant_ids: list[str], *, retry_failed: bool = False) -> dict[str, dict[str, Any]]:
        """The records of the variants already finished (their ``result.json``), by id.

        Leftovers of writes interrupted by a kill are removed. With ``retry_failed`` the
        variants that ended in an error or without a solution count as not finished.
        """
        self.variant_ids = list(variant_ids)
        wanted = set(self.variant_ids)
        self.finished = {}
        for entry in sorted(self.variants_dir.iterdir()):
            if entry.name.startswith("."):  # a write interrupted by a kill
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                continue
            record = _read_record(entry / RESULT_FILE)
            if record is None or record.get("spec_hash") != self.spec_hash or entry.name not in wanted:
                continue
            if retry_failed and record.get("status") in ("error", "no_solution"):
                continue
            self.finished[entry.name] = record
        self.write_manifest()
        return dict(self.finished)

    def _discard(self) -> None:
        """Remove earlier sweep results (and nothing else) from the output folder."""
        for name in (VARIANTS_DIR, "plots"):
            shutil.rmtree(self.out / name, ignore_errors=True)
        for entry in self.out.iterdir():
            if entry.is_file() and (
                entry.name in (MANIFEST_FILE, "pareto_ends.json")
                or entry.name.startswith(("summary.", "hubs.", "pareto.", "sweep.", "."))
            ):
                entry.unlink(missing_ok=True)

    def write(self, result: VariantResult) -> dict[str, Any]:
        """Write one variant's folder atomically, then the manifest; return its record."""
        record = dict(result.record)
        vid = str(record["variant_id"])
        record.update(spec_hash=self.spec_hash, finished_at=_now())
        record = _clean(record)
        tmp = Path(tempfile.mkdtemp(prefix=f".{vid}.tmp-", dir=self.variants_dir))
        try:
            ordinary_permissions(tmp)
            if result.tables is not None:
                for name in TABLES:
                    result.tables[name].to_csv(tmp / f"{name}.csv", index=False, float_format="%.10g")
            if result.plan_summary is not None:
                (tmp / "summary.json").write_text(json.dumps(_clean(result.plan_summary), indent=2) + "\n")
            if result.explanation is not None:
                result.explanation.to_csv(tmp / "explanation.csv", index=False)
            (tmp / RESULT_FILE).write_text(json.dumps(record, indent=2, default=_json_default) + "\n")
            final = self.variants_dir / vid
            if final.exists():  # an unfinished or retried variant: replace it
                old = self.variants_dir / f".{vid}.old-{os.getpid()}"
                os.replace(final, old)
                os.replace(tmp, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.finished[vid] = record
        self.write_manifest()
        return record

    def write_manifest(self, *, complete: bool = False) -> None:
        """Rewrite ``manifest.json``: the variants, each finished one's status, the counts."""
        counts: dict[str, int] = {}
        for record in self.finished.values():
            counts[str(record.get("status"))] = counts.get(str(record.get("status")), 0) + 1
        write_json_atomic(
            self.out / MANIFEST_FILE,
            {
                **self.meta,
                "spec_hash": self.spec_hash,
                "updated": _now(),
                "total": len(self.variant_ids),
                "finished": len(self.finished),
                "complete": complete or len(self.finished) == len(self.variant_ids),
                "counts": counts,
                "variants": [{"id": v, "status": self.finished.get(v, {}).get("status")} for v in self.variant_ids],
            },
        )


def _read_hash(manifest: Path) -> str | None:
    """The spec hash a manifest names, or None if it cannot be read."""
    try:
        return str(json.loads(manifest.read_text()).get("spec_hash"))
    except (OSError, ValueError, AttributeError):
        return None


def _read_record(path: Path) -> dict[str, Any] | None:
    """A variant's ``result.json``, or None when it is missing or incomplete."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and "status" in record else None
