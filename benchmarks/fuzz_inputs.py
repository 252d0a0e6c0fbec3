"""Fuzz the command line with corrupted copies of the shipped scenario.

Each case copies the shipped scenario, applies one to three random corruptions (dropped
columns, wrong types, deleted or duplicated rows, garbage bytes, swapped ids, truncated or
removed files, bad YAML values) and runs ``eastwest-opt solve`` on it in-process. A case is
*clean* when the command ends with a known exit code (0 plan, 2 invalid input, 3 infeasible,
4 no solution in time) and prints no traceback; every error line must name a file.

    python benchmarks/fuzz_inputs.py [--cases 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corrupt import CORRUPTIONS

from eastwest_opt.cli import app
from eastwest_opt.scenario import shipped_scenario_path

CLEAN_CODES = {0, 2, 3, 4}


def run_case(rng: random.Random, workdir: Path) -> tuple[str, int, str, list[str]]:
    folder = workdir / "scenario"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(shipped_scenario_path(), folder)
    applied = []
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(list(CORRUPTIONS))
        try:
            applied.append(CORRUPTIONS[name](folder, rng))
        except Exception:  # the corruption itself did not apply (e.g. a file already removed)
            applied.append(f"{name}: not applicable")
    result = CliRunner().invoke(app, ["solve", str(folder), "--time-limit", "10"])
    output = result.output
    clean = result.exit_code in CLEAN_CODES and "Traceback" not in output and "internal error" not in output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        clean = False
    if result.exit_code == 2:
        lines = [ln for ln in output.splitlines() if ln.strip()]
        clean = clean and all(ln.startswith(("error: ", "warning: ")) for ln in lines)
    verdict = "clean" if clean else "traceback"
    return verdict, result.exit_code, output, applied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    codes: Counter[int] = Counter()
    verdicts: Counter[str] = Counter()
    bad: list[tuple[list[str], str]] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.cases):
            verdict, code, output, applied = run_case(rng, Path(tmp))
            codes[code] += 1
            verdicts[verdict] += 1
            if verdict != "clean" and len(bad) < 10:
                bad.append((applied, output))
    seconds = time.perf_counter() - t0
    print(f"cases tried          {args.cases}")
    print(f"clean errors/results {verdicts['clean']}")
    print(f"tracebacks           {verdicts['traceback']}")
    print("by exit code         " + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())))
    print(f"seconds              {seconds:.1f}")
    for applied, output in bad:
        print("\n--- not clean:", "; ".join(applied))
        print(output[-2000:])
    sys.exit(1 if verdicts["traceback"] else 0)


if __name__ == "__main__":
    main()
