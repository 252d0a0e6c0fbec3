"""Always an answer: what a short time limit returns, on a free and on a restricted CPU.

For each generator family (``default``, ``distinct``, ``skewed``) at ``--jobs`` jobs, the
scenario is written once, then solved in a child process with ``--limits`` seconds (``--gap``,
default 0.001), twice side by side: with every core (threads 2) and restricted to one core with
one thread (``taskset -c 0``, threads 1). Each row gives the status, the objective, the bound,
the gap, whether the verifier accepted the plan and the wall seconds of the solve; a run that
ends without a plan says so. The point is the restricted column: a slower machine must get a
worse gap, not no plan (issue 16, "always an answer").

Run::

    python benchmarks/answer.py --jobs 10000 --limits 10 60
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

FAMILIES = ("default", "distinct", "skewed")


def child(folder: str, limit: float, gap: float, threads: int) -> None:
    """Solve the scenario in ``folder`` and print one JSON line of what came back."""
    import eastwest_opt as ew
    from eastwest_opt.errors import NoSolutionError

    scenario = ew.load_scenario(folder)
    t0 = time.perf_counter()
    try:
        plan = ew.solve(scenario, time_limit_s=limit, mip_rel_gap=gap, threads=threads)
    except NoSolutionError as exc:
        print(json.dumps({"status": "no plan", "seconds": time.perf_counter() - t0, "message": str(exc)}))
        return
    seconds = time.perf_counter() - t0
    out = {
        "status": str(plan.status),
        "objective": plan.objective_cny,
        "bound": plan.bound_cny,
        "verified": bool(plan.verified),
        "seconds": seconds,
    }
    print(json.dumps(out))


def run(folder: Path, limit: float, gap: float, restricted: bool) -> dict[str, Any]:
    """One solve in a child process (restricted: one core, one thread)."""
    args = [sys.executable, __file__, "--child", str(folder), str(limit), str(gap), "1" if restricted else "2"]
    if restricted:
        if shutil.which("taskset") is None:
            return {"status": "no taskset"}
        args = ["taskset", "-c", "0", *args]
    done = subprocess.run(args, capture_output=True, text=True, timeout=limit * 3 + 600, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"status": f"error (exit {done.returncode})", "message": done.stderr.strip().splitlines()[-1:]}
    return json.loads(lines[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0])
    parser.add_argument("--gap", type=float, default=0.001)
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--seed", type=int, default=0)
    opts = parser.parse_args()
    from eastwest_opt.generate import generate_scenario, write_scenario

    table = Table(title=f"Always an answer: {opts.jobs:,} jobs, gap target {opts.gap:.1%}")
    for name in ("family", "limit s", "cpu", "status", "objective CNY", "bound CNY", "gap", "verified", "wall s"):
        table.add_column(name, justify="left" if name in ("family", "cpu", "status") else "right")
    with tempfile.TemporaryDirectory() as tmp:
        for family in opts.families:
            folder = Path(tmp) / family
            write_scenario(generate_scenario(opts.jobs, max(1, opts.jobs // 25), opts.seed, family=family), folder)
            for limit in opts.limits:
                for restricted in (False, True):
                    r = run(folder, limit, opts.gap, restricted)
                    obj, bound = r.get("objective"), r.get("bound")
                    gap = (obj - bound) / abs(obj) if obj and bound is not None else None
                    table.add_row(
                        family,
                        f"{limit:g}",
                        "1 core, 1 thread" if restricted else "2 cores",
                        str(r.get("status")),
                        f"{obj:,.0f}" if obj is not None else "-",
                        f"{bound:,.0f}" if bound is not None else "-",
                        f"{gap:.3%}" if gap is not None else "-",
                        str(r.get("verified", "-")),
                        f"{r['seconds']:.1f}" if "seconds" in r else "-",
                    )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
