"""Time ``eastwest-opt verify`` on generated portfolios: reading the plan, the verifier, the whole command.

For each size, generates a portfolio (``eastwest_opt.generate``, seed 0, datasets = jobs / 20),
writes it, solves it (``--time-limit``, default 300 s), writes the plan, then times
``read_plan``, ``verify_plan`` (every constraint and every written figure) and the whole
``eastwest-opt verify`` command (a fresh process: imports and loading the scenario included),
each the median of ``--repeat`` runs, and prints a table. Folders go to ``--work`` (kept, so a
second run with ``--reuse`` times the same plans again, e.g. against an older checkout on
PYTHONPATH).

    python benchmarks/verify_scale.py [--sizes 50000] [--repeat 3] [--work /tmp/verify-bench] [--reuse]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median_s(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _prepare(jobs: int, work: Path, time_limit: float, reuse: bool) -> tuple[Path, Path]:
    import eastwest_opt as ew
    from eastwest_opt.scenario.write import write_scenario

    scenario_dir, plan_dir = work / f"s{jobs}", work / f"plan{jobs}"
    if reuse and (plan_dir / "summary.json").is_file():
        return scenario_dir, plan_dir
    write_scenario(ew.generate_scenario(jobs, max(1, jobs // 20), 0), scenario_dir, overwrite=True)
    plan = ew.solve(ew.load_scenario(scenario_dir), time_limit_s=time_limit)
    plan.write(plan_dir, overwrite=True)
    return scenario_dir, plan_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000", help="comma-separated job counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/verify-bench"))
    parser.add_argument("--reuse", action="store_true", help="time the plans already in --work")
    args = parser.parse_args()

    import eastwest_opt as ew
    from eastwest_opt.plan.plan import read_plan
    from eastwest_opt.plan.verify import verify_plan

    rows = []
    for jobs in (int(s) for s in args.sizes.split(",")):
        scenario_dir, plan_dir = _prepare(jobs, args.work, args.time_limit, args.reuse)
        scenario = ew.load_scenario(scenario_dir)
        plan = read_plan(plan_dir)
        report = verify_plan(scenario, plan)
        read_s = _median_s(lambda: read_plan(plan_dir), args.repeat)  # noqa: B023
        verify_s = _median_s(lambda: verify_plan(scenario, plan), args.repeat)  # noqa: B023
        cmd = [sys.executable, "-c", "from eastwest_opt.cli import main; main()", "verify", str(scenario_dir)]
        command_s = _median_s(lambda: subprocess.run([*cmd, str(plan_dir)], capture_output=True), args.repeat)  # noqa: B023
        rows.append((jobs, len(plan.placements), read_s, verify_s, command_s, len(report.violations)))
    print(f"{'jobs':>8} {'plan rows':>10} {'read_plan':>10} {'verify_plan':>12} {'verify cmd':>11} {'violations':>11}")
    for jobs, n, read_s, verify_s, command_s, bad in rows:
        print(f"{jobs:>8,} {n:>10,} {read_s:>9.2f}s {verify_s:>11.2f}s {command_s:>10.2f}s {bad:>11,}")


if __name__ == "__main__":
    main()
