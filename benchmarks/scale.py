"""Scale benchmark: generated portfolios of 1,000 to 100,000 jobs, side by side in one run.

For each size, a portfolio (datasets = jobs / 20) is generated and written once, then each
variant runs in a fresh subprocess (so that peak memory is its own) on the same folder:

    a   eastwest-opt as shipped: PlacementModel.build + solve_model (plan and verify included)
    b   the floor: the plain model (one binary x per allowed (job, hub)) built from numpy arrays
        straight into highspy (benchmarks/floor_highspy.py)
    bg  the floor of the grouped model: the same arrays builder on prepare(aggregate=True),
        i.e. the matrix (a) hands to HiGHS, without Pyomo
    c   the peer: the plain model in PuLP, solved by the CBC that ships with PuLP
        (benchmarks/peer_pulp.py; pip install ".[bench]")

Every variant solves with the same time limit, relative gap and threads. Times per variant:
load (read and validate the folder), prepare (network and index sets, shared code), build
(model objects: Pyomo / arrays / PuLP), handover (into the solver: Pyomo's persistent
interface / passModel / MPS file write and read), solve (the solver's own clock), plan+verify
(a only), and time to gap = prepare + build + handover + solve when the gap was proven. Peak
RSS is the subprocess's (CBC's process included for c). A run that passes --run-timeout is
killed and prints what it had.

Targets (the issue): model building (build + handover; Pyomo below 5,000 pairs, arrays above)
of (a) at most 3 times the floor (b) at 10,000 jobs; (a) at least 4 times faster to a 0.1% gap
than (c).

    python benchmarks/scale.py                          # 1k, 10k, 50k, 100k; every variant
    python benchmarks/scale.py --sizes 1000,10000 --variants a,b,c --time-limit 60
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
VARIANTS = {
    "a": "eastwest-opt as shipped (grouped)",
    "b": "floor: highspy arrays, plain",
    "bg": "floor: highspy arrays, grouped",
    "c": "peer: PuLP + CBC, plain",
}
DEFAULT_SIZES = (1000, 10000, 50000, 100000)
TOL = 1e-6


# ---------------------------------------------------------------------------------
# child side: one step of the benchmark in its own process, reporting JSON lines
# ---------------------------------------------------------------------------------
def _emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def child_generate(jobs: int, datasets: int, seed: int, folder: Path) -> None:
    """Generate a portfolio and write it; report the seconds of each."""
    t0 = time.perf_counter()
    from eastwest_opt.generate import generate_scenario, repeat_fraction, write_scenario

    scenario = generate_scenario(jobs, datasets, seed)
    t1 = time.perf_counter()
    _emit(step="generate", generate_s=t1 - t0)
    write_scenario(scenario, folder, overwrite=True)
    t2 = time.perf_counter()
    _emit(step="write", write_s=t2 - t1, repeat_fraction=repeat_fraction(scenario), peak_mb=_peak_rss_mb())


def child_run(variant: str, folder: Path, time_limit: float, gap: float, threads: int) -> None:
    """Load the scenario folder, then build and solve it the way ``variant`` does."""
    sys.path.insert(0, str(HERE))
    t0 = time.perf_counter()
    from eastwest_opt.scenario import load_scenario

    scenario = load_scenario(folder)
    _emit(step="load", load_s=time.perf_counter() - t0)
    if variant == "a":
        _run_shipped(scenario, time_limit, gap, threads)
    elif variant in ("b", "bg"):
        _run_floor(scenario, variant == "bg", time_limit, gap, threads)
    elif variant == "c":
        _run_peer(scenario, time_limit, gap, threads)
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    _emit(step="done", peak_mb=_peak_rss_mb())


def _run_shipped(scenario: Any, time_limit: float, gap: float, threads: int) -> None:
    from eastwest_opt.api import solve_model
    from eastwest_opt.errors import EastWestError
    from eastwest_opt.solver.placement import PlacementModel
    from eastwest_opt.solver.status import SolveOptions

    t0 = time.perf_counter()
    pm = PlacementModel.build(scenario)
    t1 = time.perf_counter()
    parts = dict(pm.timings)
    build = parts.pop("build_s", None)
    prepare = sum(parts.values()) if parts else None
    if build is None or prepare is None:  # timings not itemised: count it all as building
        build, prepare = t1 - t0, 0.0
    _emit(step="build", prepare_s=prepare, build_s=build, build_parts=dict(pm.timings))
    options = SolveOptions(time_limit_s=time_limit, mip_rel_gap=gap, threads=threads)
    t2 = time.perf_counter()
    try:
        plan = solve_model(pm, options, verify=True)
    except EastWestError as exc:
        solve = pm.timings.get("solve_s", time.perf_counter() - t2)
        _emit(step="solve", status=type(exc).__name__, solve_wall_s=solve, error=str(exc), **_highs_split(pm, solve))
        return
    solve = plan.timings.get("solve_s", time.perf_counter() - t2)
    _emit(
        step="solve",
        status=plan.status,
        objective=plan.objective_cny,
        bound=plan.bound_cny,
        gap=plan.gap,
        solve_wall_s=solve,
        plan_verify_s=plan.timings.get("plan_s", 0.0) + plan.timings.get("verify_s", 0.0),
        verified=plan.verified,
        jobs_placed=int((plan.placements["status"] == "placed").sum()),
        **_highs_split(pm, solve),
    )


def _highs_split(pm: Any, solve_wall: float) -> dict[str, float]:
    """Split (a)'s solve call into HiGHS's own clock and the handover, where visible."""
    if getattr(pm, "model", None) is None and "handover_s" in pm.timings:  # the array builder
        return {"solve_s": pm.timings["solve_s"], "handover_s": pm.timings["handover_s"]}
    try:
        run = float(pm._solver._solver_model.getRunTime())
    except Exception:
        return {"solve_s": solve_wall}
    return {"solve_s": run, "handover_s": max(0.0, solve_wall - run)}


def _run_floor(scenario: Any, grouped: bool, time_limit: float, gap: float, threads: int) -> None:
    from floor_highspy import build_arrays, to_highs

    from eastwest_opt.model.data import prepare
    from eastwest_opt.scenario.network import build_network

    t0 = time.perf_counter()
    data = prepare(scenario, build_network(scenario), aggregate=grouped)
    t1 = time.perf_counter()
    model = build_arrays(data)
    t2 = time.perf_counter()
    h = to_highs(model, time_limit_s=time_limit, mip_rel_gap=gap, threads=threads)
    t3 = time.perf_counter()
    _emit(step="build", prepare_s=t1 - t0, build_s=t2 - t1, handover_s=t3 - t2, cols=model.num_col, rows=model.num_row)
    h.run()
    t4 = time.perf_counter()
    info = h.getInfo()
    has = info.primal_solution_status == 2
    objective = float(info.objective_function_value) if has else None
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    status = h.modelStatusToString(h.getModelStatus())
    _emit(
        step="solve",
        status="optimal" if status == "Optimal" else (status if not has else "feasible"),
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound),
        solve_s=t4 - t3,
    )


def _run_peer(scenario: Any, time_limit: float, gap: float, threads: int) -> None:
    import pulp
    from peer_pulp import _num, _parse_log, build_pulp

    from eastwest_opt.model.data import prepare
    from eastwest_opt.scenario.network import build_network

    t0 = time.perf_counter()
    data = prepare(scenario, build_network(scenario), aggregate=False)
    t1 = time.perf_counter()
    prob = build_pulp(data)
    t2 = time.perf_counter()
    _emit(step="build", prepare_s=t1 - t0, build_s=t2 - t1)
    with tempfile.TemporaryDirectory(prefix="peer-pulp-") as tmp:
        log = Path(tmp) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap, threads=threads, logPath=str(log))
        prob.solve(solver)
        t3 = time.perf_counter()
        parsed = _parse_log(log.read_text(errors="replace")) if log.exists() else {}
    has = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = float(pulp.value(prob.objective)) if has else None
    bound = _num(parsed.get("bound"))
    if bound is None and objective is not None and prob.sol_status == pulp.LpSolutionOptimal:
        gap_found = _num(parsed.get("gap"))
        bound = objective - (gap_found or 0.0) * abs(objective)
    cbc = _num(parsed.get("cbc_s"))
    wall = t3 - t2
    result = parsed.get("result", "")
    optimal = prob.sol_status == pulp.LpSolutionOptimal and "Optimal" in (result or "Optimal")
    _emit(
        step="solve",
        status="optimal" if optimal else ("feasible" if has else (result or pulp.LpStatus[prob.status])),
        objective=objective,
        bound=bound,
        gap=_gap(objective, bound),
        solve_s=cbc if cbc is not None else wall,
        handover_s=max(0.0, wall - cbc) if cbc is not None else 0.0,
    )


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


# ---------------------------------------------------------------------------------
# parent side: run the children, collect, print
# ---------------------------------------------------------------------------------
def _spawn(args: list[str], timeout: float) -> dict[str, Any]:
    """Run one child; merge its JSON lines; peak RSS from wait4; kill it after ``timeout`` s."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=str(HERE.parent)
    )
    record: dict[str, Any] = {}
    lines: list[str] = []
    errors: list[str] = []

    def read_out() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            try:
                record.update(json.loads(line))
            except json.JSONDecodeError:
                pass

    def read_err() -> None:
        assert proc.stderr is not None
        errors.extend(proc.stderr)

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for r in readers:
        r.start()
    killed = False
    rusage = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, rusage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(timeout=5)
    record["wall_s"] = time.perf_counter() - t0
    record["peak_mb"] = max(record.get("peak_mb", 0.0), rusage.ru_maxrss / 1024.0 if rusage else 0.0)
    if killed:
        record["status"] = f"killed after {timeout:.0f} s (at step after '{record.get('step', 'start')}')"
    elif proc.returncode != 0:
        tail = "".join(errors).strip().splitlines()
        why = tail[-1] if tail else f"exit code {proc.returncode}"
        if proc.returncode < 0:
            why = f"killed by signal {-proc.returncode} (out of memory?)"
        record["status"] = f"failed: {why}"
    return record


def _fmt_s(v: Any) -> str:
    return f"{v:,.2f}" if isinstance(v, int | float) else "-"


def _fmt_cny(v: Any) -> str:
    return f"{v:,.0f}" if isinstance(v, int | float) else "-"


def _time_to_gap(r: dict[str, Any]) -> float | None:
    if r.get("status") != "optimal":
        return None
    parts = [r.get(k) for k in ("prepare_s", "build_s", "handover_s", "solve_s")]
    return sum(p for p in parts if isinstance(p, int | float))


def _pyomo_side(r: dict[str, Any]) -> float | None:
    if not isinstance(r.get("build_s"), int | float):
        return None
    return r["build_s"] + (r.get("handover_s") or 0.0)


def print_size(size: int, gen: dict[str, Any], results: dict[str, dict[str, Any]], gap: float) -> None:
    """One table for one size, then the consistency check of objectives and bounds."""
    print(
        f"\n=== {size:,} jobs, {max(1, size // 20):,} datasets: generate {_fmt_s(gen.get('generate_s'))} s, "
        f"write {_fmt_s(gen.get('write_s'))} s, repeats {gen.get('repeat_fraction', math.nan):.1%} of jobs ==="
    )
    head = (
        f"{'variant':<34}{'load':>8}{'prepare':>9}{'build':>9}{'handover':>9}{'solve':>9}{'plan+ver':>9}"
        f"{'to gap':>9}{'RSS MB':>9}  {'status':<10}{'objective':>16}{'bound':>16}{'gap':>9}"
    )
    print(head)
    print("-" * len(head))
    for v, r in results.items():
        to_gap = _time_to_gap(r)
        g = r.get("gap")
        print(
            f"{v + ' ' + VARIANTS[v]:<34}{_fmt_s(r.get('load_s')):>8}{_fmt_s(r.get('prepare_s')):>9}"
            f"{_fmt_s(r.get('build_s')):>9}{_fmt_s(r.get('handover_s')):>9}{_fmt_s(r.get('solve_s')):>9}"
            f"{_fmt_s(r.get('plan_verify_s')):>9}{_fmt_s(to_gap) if to_gap else '>limit':>9}"
            f"{r.get('peak_mb', 0):>9,.0f}  {str(r.get('status', '-'))[:60]:<10}{_fmt_cny(r.get('objective')):>16}"
            f"{_fmt_cny(r.get('bound')):>16}{(f'{g:.4%}' if isinstance(g, float) else '-'):>9}"
        )
    a, b, c = results.get("a", {}), results.get("b", {}), results.get("c", {})
    bg = results.get("bg", {})
    if _pyomo_side(a) and _pyomo_side(b):
        print(f"(a)/(b)  model building (build + handover):     {_pyomo_side(a) / _pyomo_side(b):,.1f}x  (target <= 3)")
    if _pyomo_side(a) and _pyomo_side(bg):
        print(f"(a)/(bg) same matrix, build + handover:       {_pyomo_side(a) / _pyomo_side(bg):,.1f}x")
    ta, tc = _time_to_gap(a), _time_to_gap(c)
    if ta and tc:
        print(f"(a)/(c)  time to {gap:.1%} gap: {ta / tc:.3f}  = (a) {tc / ta:,.1f}x faster (target >= 4x)")
    elif ta and c:
        spent = sum(c.get(k) or 0.0 for k in ("prepare_s", "build_s", "handover_s", "solve_s"))
        if str(c.get("status", "")).startswith("killed"):  # the steps it had not finished count too
            spent = max(spent, c.get("wall_s", 0.0) - (c.get("load_s") or 0.0))
        print(
            f"(a)/(c)  time to {gap:.1%} gap: (c) did not prove it in {spent:,.1f} s ({c.get('status')}); "
            f"(a) took {ta:,.1f} s: at least {spent / ta:,.1f}x faster (target >= 4x)"
        )
    _check_consistency(results)


def _check_consistency(results: dict[str, dict[str, Any]]) -> None:
    """Every objective found must be at least every proven lower bound (same model, same optimum)."""
    found = {v: r for v, r in results.items() if isinstance(r.get("objective"), float)}
    bounds = {v: r["bound"] for v, r in results.items() if isinstance(r.get("bound"), float)}
    bad = [
        f"{v} objective {r['objective']:,.0f} < {w} bound {bnd:,.0f}"
        for v, r in found.items()
        for w, bnd in bounds.items()
        if r["objective"] < bnd - TOL * max(1.0, abs(bnd))
    ]
    optimal = {v: r["objective"] for v, r in found.items() if r.get("status") == "optimal"}
    if len(optimal) >= 2:
        lo, hi = min(optimal.values()), max(optimal.values())
        spread = (hi - lo) / max(abs(hi), 1e-9)
        tail = "; every objective >= every proven bound" if not bad else ""
        print(f"objectives of the optimal runs ({', '.join(optimal)}) agree within {spread:.4%}{tail}")
    for line in bad:
        print(f"INCONSISTENT: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES), help="comma-separated job counts")
    parser.add_argument("--variants", default="a,b,bg,c", help="comma-separated subset of a,b,bg,c")
    parser.add_argument("--time-limit", type=float, default=120.0, help="solver time limit per run, s")
    parser.add_argument("--gap", type=float, default=1e-3, help="relative MIP gap")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run-timeout", type=float, default=None, help="kill a run after this many s [limit + 150]")
    parser.add_argument("--json", type=Path, default=None, help="also write every measurement to this file")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "generate":
            child_generate(int(rest[0]), int(rest[1]), int(rest[2]), Path(rest[3]))
        else:
            child_run(rest[0], Path(rest[1]), float(rest[2]), float(rest[3]), int(rest[4]))
        return
    sizes = [int(float(s.lower().replace("k", "e3"))) for s in args.sizes.split(",") if s.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(VARIANTS)}")
    timeout = args.run_timeout or args.time_limit + 150.0
    print(
        f"scale benchmark: time limit {args.time_limit:g} s, gap {args.gap:.2%}, threads {args.threads}, "
        f"seed {args.seed}, run timeout {timeout:g} s; {os.cpu_count()} CPUs"
    )
    everything: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="ew-scale-"))
    try:
        for size in sizes:
            folder = work / f"portfolio-{size}"
            gen = _spawn(["--child", "generate", str(size), str(max(1, size // 20)), str(args.seed), str(folder)], 600)
            results: dict[str, dict[str, Any]] = {}
            if folder.is_dir():
                for v in variants:
                    cmd = ["--child", "run", v, str(folder), str(args.time_limit), str(args.gap), str(args.threads)]
                    results[v] = _spawn(cmd, timeout)
            print_size(size, gen, results, args.gap)
            sys.stdout.flush()
            everything[str(size)] = {"generate": gen, "runs": results}
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2) + "\n")


if __name__ == "__main__":
    main()
