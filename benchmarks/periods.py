"""Planning in time: generated portfolios over 12 months and 52 weeks, against one period.

For each case a portfolio is generated (eastwest_opt.generate, datasets = jobs / 20), spread over
the year (eastwest_opt.generate.horizon.spread_over_year: seasonal prices and headroom, release
dates and deadlines for 70% of jobs, a quarter of the large jobs preemptible) and written; the
same jobs without the periods table are the one-period comparison. Each solve runs in a fresh
subprocess (its own peak memory) with the same time limit, gap and threads, and prints its
stages; the table gives the seconds to the gap, the gap reached, peak RSS and the ratio of the
timed solve to the one-period solve.

Target (issue 14): 10,000 jobs over 12 periods to a proven 0.1% gap within 120 s on 2 cores,
under 4 GB.

    python benchmarks/periods.py                          # 1,000 x 12, 10,000 x 12, 1,000 x 52, year
    python benchmarks/periods.py --cases 1000x12 --time-limit 120
    python benchmarks/periods.py --cases year                     # the shipped data/eight-hubs-year
    python benchmarks/periods.py --tree /path/to/other/checkout   # the same cases solved by another tree
                                                                  # (before/after a change, side by side)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import eastwest_opt as ew
from eastwest_opt.api import build, solve_model
from eastwest_opt.solver.status import SolveOptions
folder, limit, gap, threads = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
sc = ew.load_scenario(folder)
t1 = time.perf_counter()
pm = build(sc)
t2 = time.perf_counter()
plan = solve_model(pm, SolveOptions(limit, gap, threads))
t3 = time.perf_counter()
print(json.dumps({
    "load_s": t1 - t0, "build_s": t2 - t1, "solve_s": t3 - t2, "status": plan.status, "gap": plan.gap,
    "columns": pm.arrays.num_col, "rows": pm.arrays.num_row, "verified": plan.verified,
    "timings": {k: round(v, 2) for k, v in pm.timings.items()},
    "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
}))
"""


def run(folder: Path, limit: float, gap: float, threads: int, tree: Path = HERE) -> dict:
    """One solve of ``folder`` in a fresh process, with the code of ``tree``."""
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), str(limit), str(gap), str(threads)],
        capture_output=True,
        text=True,
        env=env,
        timeout=limit * 3 + 300,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="1000x12,10000x12,1000x52,year", help="JOBSxPERIODS or year, comma-sep.")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--tree", type=Path, default=HERE, help="the checkout whose code solves (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from eastwest_opt.generate import write_scenario

    rows = []
    print(f"{'case':<10} {'kind':<11} {'columns':>9} {'rows':>9} {'wall s':>7} {'solve s':>8} {'gap':>8} {'RSS GB':>7}")
    for case in args.cases.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            timed = _case(case, args.seed)
            one = _one_period(timed)
            folders = {
                "periods": write_scenario(timed, Path(tmp) / "t"),
                "one period": write_scenario(one, Path(tmp) / "o"),
            }
            result = {kind: run(f, args.time_limit, args.gap, args.threads, args.tree) for kind, f in folders.items()}
        for kind, r in result.items():
            if "error" in r:
                print(f"{case:<10} {kind:<11} error: {r['error']}")
                continue
            gap = f"{100 * r['gap']:.3f}%" if r["gap"] is not None else "-"
            print(
                f"{case:<10} {kind:<11} {r['columns']:>9,} {r['rows']:>9,} {r['wall_s']:>7.1f} "
                f"{r['solve_s']:>8.1f} {gap:>8} {r['rss_gb']:>7.2f}"
            )
        if all("error" not in r for r in result.values()):
            ratio = result["periods"]["wall_s"] / result["one period"]["wall_s"]
            print(f"{case:<10} ratio periods / one period: {ratio:.1f}x wall; stages {result['periods']['timings']}")
        rows.append({"case": case, **result})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def _case(case: str, seed: int) -> object:
    """``year``: the shipped year scenario; ``JOBSxPERIODS``: a generated portfolio over the year."""
    import eastwest_opt as ew
    from eastwest_opt.generate import generate_scenario
    from eastwest_opt.generate.horizon import spread_over_year

    if case == "year":
        return ew.load_scenario(HERE / "data" / "eight-hubs-year")
    jobs, periods = (int(v) for v in case.split("x"))
    return spread_over_year(generate_scenario(jobs, max(1, jobs // 20), seed), periods, seed)


def _one_period(timed: object) -> object:
    """The same jobs (penalties included) in one window, without the periods and their windows."""
    import dataclasses

    from eastwest_opt.scenario.schema import empty_table

    tables = dict(timed.tables)  # type: ignore[attr-defined]
    jobs = tables["jobs"].copy()
    jobs["release_period"] = ""
    jobs["deadline_period"] = ""
    jobs["preemptible"] = False
    tables.update(jobs=jobs, periods=empty_table("periods"), hub_periods=empty_table("hub_periods"))
    return dataclasses.replace(timed, planning_window_hours=720.0, tables=tables, name=f"{timed.name}-one")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
