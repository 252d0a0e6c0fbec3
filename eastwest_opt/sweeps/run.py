"""Running variants: in this process, in a pool of local worker processes, or on a Dask cluster.

Executors yield ``(variant, result)`` as variants finish, each result from
:func:`~eastwest_opt.sweeps.solve.solve_variant`: :func:`run_serial` in this process,
:func:`run_local` in a pool of spawned (or forkserver) processes, each holding the base
scenario and its own model cache, and :func:`run_dask` on a Dask distributed cluster (the base
scenario is scattered to every worker once; each worker thread keeps its own cache).
:func:`execute` picks one. One task per variant lets results stream back as they finish;
submitting variants grouped by structure (:func:`grouped`) lets each worker re-solve most of
them in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from eastwest_opt.sweeps.core import EastWestError, Problem, Scenario, ScenarioError
from eastwest_opt.sweeps.solve import DEFAULT_CACHE_SIZE, ModelCache, VariantResult, failure, solve_variant
from eastwest_opt.sweeps.spec import Variant

Results = Iterator[tuple[Variant, VariantResult]]
# Hub and link columns a variant may change without changing the model's structure.
_PARAMETER_COLUMNS = {
    "hubs": {"price_cny_per_kwh", "grid_mw", "storage_tb", "storage_price_cny_per_tb_month"},
    "hub_accelerators": {"count"},
    "links": {"capacity_gbps", "cost_cny_per_tb"},
}


@dataclass
class RunSettings:
    """How to run: the solve options, model reuse and the model cache size per worker."""

    options: Any  # SolveOptions
    reuse: bool = True
    cache_size: int = DEFAULT_CACHE_SIZE


def execute(
    base: Scenario, variants: list[Variant], run: RunSettings, workers: int | None, scheduler: Any, spec_hash: str
) -> Results:
    """The results of ``variants`` as they finish: on the Dask cluster of ``scheduler`` (a
    client), in this process (one worker or one variant), or in ``workers`` processes."""
    if scheduler is not None:
        return run_dask(base, variants, run, scheduler, tag=spec_hash[:10])
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n == 1 or len(variants) == 1:
        return run_serial(base, variants, run)
    return run_local(base, variants, run, n)


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


def grouped(variants: list[Variant]) -> list[Variant]:
    """The variants ordered by their guessed structure (stable within a structure), so that a worker meets variants
    it can re-solve in place one after another.
    """
    order = {v.id: i for i, v in enumerate(variants)}
    return sorted(variants, key=lambda v: (_structure_hint(v), order[v.id]))


def run_serial(base: Scenario, variants: Sequence[Variant], run: RunSettings) -> Results:
    """Solve the variants one after another in this process."""
    cache = ModelCache(run.cache_size)
    for variant in variants:
        yield variant, solve_variant(base, variant, run.options, cache, reuse=run.reuse)


# ---------------------------------------------------------------------------------
# local worker processes
# ---------------------------------------------------------------------------------
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
        ctx.set_forkserver_preload(["eastwest_opt.sweeps.run", "eastwest_opt.api"])
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
Task = Callable[[Variant], VariantResult]


def run_local(
    base: Scenario,
    variants: Sequence[Variant],
    run: RunSettings,
    workers: int,
    *,
    task: Task = _pool_task,
) -> Results:
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
                raise WorkerStartError(WORKER_START_HINT) from None
            if alone:
                variant = suspects.pop(0)
                result, broken = _solve_alone(pool, task, variant)
                yield variant, result
                continue
            broken = yield from _stream(pool, task, queue, suspects, workers)
        except BaseException:  # interrupted, or the caller stopped reading: do not wait for running variants
            broken = True
            raise
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)


def _solve_alone(pool: ProcessPoolExecutor, task: Task, variant: Variant) -> tuple[VariantResult, bool]:
    """Solve one suspect variant alone in a fresh pool; the result, and whether its worker died."""
    try:
        return pool.submit(task, variant).result(), False
    except BrokenProcessPool:
        return failure(variant, "its worker process died while solving it (out of memory, or killed)"), True
    except Exception as exc:
        return failure(variant, f"{type(exc).__name__}: {exc}"), False


def _stream(
    pool: ProcessPoolExecutor, task: Task, queue: list[Variant], suspects: list[Variant], workers: int
) -> Generator[tuple[Variant, VariantResult], None, bool]:
    """Keep up to ``workers`` variants of ``queue`` in the pool and yield each as it finishes.

    When a worker process dies, every variant still in the pool moves to ``suspects`` and the
    stream ends; it returns whether the pool broke so.
    """
    in_flight: dict[Future, Variant] = {}
    broken = False
    while queue or in_flight:
        _top_up(pool, task, queue, in_flight, workers)
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
            suspects.extend(in_flight.values())
            in_flight.clear()
        else:  # keep the workers busy while the results are written
            _top_up(pool, task, queue, in_flight, workers)
        yield from results
        if broken:
            break
    return broken


def _top_up(
    pool: ProcessPoolExecutor, task: Task, queue: list[Variant], in_flight: dict[Future, Variant], workers: int
) -> None:
    """Submit variants from the front of ``queue`` until ``workers`` are in the pool."""
    while queue and len(in_flight) < workers:
        variant = queue.pop(0)
        in_flight[pool.submit(task, variant)] = variant


# ---------------------------------------------------------------------------------
# a Dask cluster
# ---------------------------------------------------------------------------------
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
) -> Results:
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
