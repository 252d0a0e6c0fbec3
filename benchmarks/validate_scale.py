"""Validation at scale: how long `validate` takes on generated portfolios of 100,000 and 1,000,000 jobs.

Each portfolio (datasets = jobs / 20, seed 0, the default family) is generated once with
``eastwest_opt.generate`` and written to a folder (a temporary one, or ``--folder DIR`` to keep
the portfolios between runs). Then each code version runs, in a fresh subprocess so that its
peak memory is its own:

    api   eastwest_opt.validate_scenario(folder): read, parse and check every table
    cli   eastwest-opt validate folder: the whole command, as a planner runs it

``--code NAME=DIR`` (repeatable) runs the code of another checkout side by side with this one,
e.g. the commit before a change unpacked with ``git archive <commit> | tar -x -C /tmp/before``.

    python benchmarks/validate_scale.py                                  # 100k and 1M jobs
    python benchmarks/validate_scale.py --sizes 100000 --folder /tmp/portfolios \\
        --code before=/tmp/before --code after=.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = """
import json, resource, sys, time
mode, folder = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if mode == "api":
    from eastwest_opt.scenario import validate_scenario
    problems = validate_scenario(folder)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    code = 0
else:
    from typer.testing import CliRunner
    from eastwest_opt.cli import app
    result = CliRunner().invoke(app, ["validate", folder])
    code = result.exit_code
    if code not in (0, 2):
        print(result.output[-1000:], repr(result.exception), file=sys.stderr)
    errors = result.output.count("error: ")
    warnings = result.output.count("warning: ")
seconds = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "errors": errors, "warnings": warnings, "exit": code}))
"""


def portfolio(jobs: int, root: Path) -> Path:
    """The folder of a generated portfolio of ``jobs`` jobs, written once."""
    folder = root / f"jobs-{jobs}"
    if (folder / "scenario.yaml").is_file():
        return folder
    from eastwest_opt.generate import generate_scenario, write_scenario

    t0 = time.perf_counter()
    scenario = generate_scenario(jobs, max(1, jobs // 20), 0, check=False)
    write_scenario(scenario, folder, overwrite=True)
    print(f"generated and wrote {jobs:,} jobs in {time.perf_counter() - t0:.1f} s: {folder}", file=sys.stderr)
    return folder


def measure(code: Path, mode: str, folder: Path, timeout: float) -> dict[str, float | str]:
    """Run one validation in a fresh process with ``code`` first on the import path."""
    env = {"PYTHONPATH": str(code.resolve()), "PATH": "/usr/bin:/bin"}
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(folder)],
            capture_output=True,
            text=True,
            env=env,
            cwd=code.resolve(),  # python -c puts the working folder first on the path
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": f"> {timeout:g}", "peak_mb": "-", "errors": "-", "warnings": "-", "exit": "killed"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"seconds": "failed", "peak_mb": "-", "errors": out.stderr[-300:], "warnings": "-", "exit": "-"}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated job counts")
    parser.add_argument("--folder", type=Path, help="keep the generated portfolios here (default: a temp folder)")
    parser.add_argument("--code", action="append", default=[], help="NAME=DIR: also run the code of checkout DIR")
    parser.add_argument("--modes", default="api,cli")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is killed")
    args = parser.parse_args()
    versions = [(name, Path(path)) for name, path in (c.split("=", 1) for c in args.code)] or [("this", ROOT)]
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.folder or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        rows = []
        for jobs in sizes:
            folder = portfolio(jobs, root)
            for mode in args.modes.split(","):
                for name, code in versions:
                    r = measure(code, mode, folder, args.timeout)
                    rows.append((f"{jobs:,}", mode, name, r))
                    print(f"  {jobs:,} {mode} {name}: {r}", file=sys.stderr)
    widths = (10, 4, 8, 9, 8, 7, 8, 5)
    print(_line(("jobs", "run", "code", "seconds", "peak MB", "errors", "warnings", "exit"), widths))
    for jobs, mode, name, r in rows:
        seconds = f"{r['seconds']:.1f}" if isinstance(r["seconds"], float) else r["seconds"]
        peak = f"{r['peak_mb']:.0f}" if isinstance(r["peak_mb"], float) else r["peak_mb"]
        print(_line((jobs, mode, name, seconds, peak, r["errors"], r["warnings"], r["exit"]), widths))


def _line(cells: tuple[object, ...], widths: tuple[int, ...]) -> str:
    return " ".join(f"{c!s:>{w}}" for c, w in zip(cells, widths, strict=True))


if __name__ == "__main__":
    main()
