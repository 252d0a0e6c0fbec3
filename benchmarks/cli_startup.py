"""Wall time of the whole ``eastwest-opt solve`` call on the shipped scenario, imports included.

Runs each command several times, interleaved so that machine noise hits all alike, and prints
a table of medians with the ratio to a bare Python start. Target: ``eastwest-opt solve`` at
most 3 s on a 2-core machine.

    python benchmarks/cli_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

TARGET_S = 3.0


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("eastwest-opt")
    if exe is None:
        sys.exit("eastwest-opt is not on PATH: pip install . first")
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "eastwest-opt --version": [exe, "--version"],
        "import pyomo, pandas, networkx, highspy": [
            py,
            "-c",
            "import pyomo.environ, pandas, networkx, highspy",
        ],
        "eastwest-opt solve": [exe, "solve"],
        "eastwest-opt solve --json": [exe, "solve", "--json"],
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for cmd in commands.values():  # warm the file cache once
        _time(cmd)
    for _ in range(args.repeat):
        for name, cmd in commands.items():
            times[name].append(_time(cmd))
    base = statistics.median(times["python -c pass"])
    print(f"{'command':42s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'x python':>9s}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:42s} {med:9.3f} {min(ts):7.3f} {max(ts):7.3f} {med / base:9.1f}")
    solve = statistics.median(times["eastwest-opt solve"])
    verdict = "meets" if solve <= TARGET_S else "MISSES"
    print(
        f"\n`eastwest-opt solve` median {solve:.2f} s {verdict} the {TARGET_S:g} s target "
        f"({args.repeat} runs, interleaved)."
    )


if __name__ == "__main__":
    main()
