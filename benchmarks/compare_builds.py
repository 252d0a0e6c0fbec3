"""Model building in two checkouts, side by side: prepare, array assembly, handover, Pyomo.

Runs each step in a fresh subprocess per checkout, alternating between the checkouts and
repeating, so that both see the same machine load; prints the median seconds of each step and
the ratio (this checkout / the other). Used to check that one definition of the model (the
families as arrays, the Pyomo model assembled from them) builds at least as fast as the two
hand-written builders it replaced:

    git worktree add /tmp/before <commit>
    python benchmarks/compare_builds.py --other /tmp/before --sizes 10000,100000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
folder, pyomo = sys.argv[1], sys.argv[2] == "1"
out = {}
t = time.perf_counter()
from eastwest_opt.scenario import load_scenario
sc = load_scenario(folder)
out["load_s"] = time.perf_counter() - t
try:
    from eastwest_opt.model.data import prepare
    from eastwest_opt.model.arrays import build_arrays
    from eastwest_opt.scenario.network import build_network
    from eastwest_opt.solver.highs import to_highs
    new = True
except ImportError:
    from eastwest_opt.prepare import prepare
    from eastwest_opt.matrix import build_arrays, to_highs
    from eastwest_opt.network import build_network
    new = False
t = time.perf_counter()
data = prepare(sc, build_network(sc))
out["prepare_s"] = time.perf_counter() - t
t = time.perf_counter()
am = build_arrays(data)
out["arrays_s"] = time.perf_counter() - t
t = time.perf_counter()
to_highs(am)
out["handover_s"] = time.perf_counter() - t
if pyomo:
    t = time.perf_counter()
    if new:
        from eastwest_opt.model.pyomo import to_pyomo
        to_pyomo(build_arrays(data))
    else:
        from eastwest_opt.model import build_model
        build_model(data)
    out["pyomo_s"] = time.perf_counter() - t
out["columns"] = am.num_col
print(json.dumps(out))
"""


def run(tree: Path, folder: Path, pyomo: bool) -> dict[str, float]:
    """One measurement in a fresh process importing ``tree``'s package."""
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-c", CHILD, str(folder), "1" if pyomo else "0"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--other", type=Path, required=True, help="the other checkout (its root folder)")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pyomo-max", type=int, default=10000, help="build the Pyomo model up to this many jobs")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from eastwest_opt.generate import generate_scenario, write_scenario

    steps = ("load_s", "prepare_s", "arrays_s", "handover_s", "pyomo_s")
    print(f"{'jobs':>8} {'step':<11} {'this (s)':>9} {'other (s)':>10} {'ratio':>6}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_scenario(generate_scenario(size, max(1, size // 20), 0), Path(tmp) / "p")
            pyomo = size <= args.pyomo_max
            this: dict[str, list[float]] = {s: [] for s in steps}
            other: dict[str, list[float]] = {s: [] for s in steps}
            for _ in range(args.repeats):
                for tree, into in ((HERE, this), (args.other, other)):
                    for step, value in run(tree, folder, pyomo).items():
                        if step in into:
                            into[step].append(value)
            for step in steps:
                if not this[step]:
                    continue
                a, b = statistics.median(this[step]), statistics.median(other[step])
                print(f"{size:>8,} {step:<11} {a:>9.3f} {b:>10.3f} {a / b:>6.2f}")


if __name__ == "__main__":
    main()
