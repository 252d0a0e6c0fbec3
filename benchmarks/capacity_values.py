"""What capacity is worth, timed: the full table of a scenario, and re-solve in place against rebuild.

Two measurements, one after the other, in one run:

- ``full table``: ``ew.capacity_values`` over every resource of the scenario, both directions,
  with ``--workers`` local processes (default 2), wall-clock seconds;
- ``per variant``: the first ``--sample`` variants of the table solved in this process twice,
  side by side: through one model cache (``PlacementModel.update`` and a warm re-solve of the
  persistent HiGHS instance, as the table does) and built anew each time; the median seconds of
  each and their ratio. Every plan is verified (``solve_variant``).

Run::

    python benchmarks/capacity_values.py data/eight-hubs --workers 2 --sample 12
"""

from __future__ import annotations

import argparse
import statistics
import time

from rich.console import Console
from rich.table import Table

import eastwest_opt as ew
from eastwest_opt.solver.status import SolveOptions
from eastwest_opt.sweeps.solve import ModelCache, solve_variant
from eastwest_opt.sweeps.values import DEFAULT_STEPS, resources, variant_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=12)
    args = parser.parse_args()
    scenario = ew.load_scenario(args.scenario)
    t0 = time.perf_counter()
    table = ew.capacity_values(scenario, workers=args.workers)
    full = time.perf_counter() - t0
    variants = [variant_of(r, d, DEFAULT_STEPS[r.kind]) for r in resources(scenario) for d in ("more", "less")][
        : args.sample
    ]
    options = SolveOptions()
    cache = ModelCache()
    solve_variant(scenario, variants[0], options, cache)  # builds the model the cache re-uses
    warm = [solve_variant(scenario, v, options, cache).record for v in variants]
    cold = [solve_variant(scenario, v, options, None, reuse=False).record for v in variants]
    med_warm = statistics.median(r["seconds"] for r in warm)
    med_cold = statistics.median(r["seconds"] for r in cold)
    shown = Table(title=f"capacity values: {scenario.name}")
    for col in ("measure", "value"):
        shown.add_column(col)
    shown.add_row("rows (resources x 2)", f"{len(table)}")
    shown.add_row("statuses", ", ".join(f"{k} {v}" for k, v in table["status"].value_counts().items()))
    shown.add_row(f"full table, {args.workers} workers", f"{full:.1f} s")
    shown.add_row("variants timed", f"{len(variants)} (in place: {sum(r['resolved_in_place'] for r in warm)})")
    shown.add_row("median re-solve in place", f"{med_warm:.3f} s")
    shown.add_row("median build + solve", f"{med_cold:.3f} s")
    shown.add_row("ratio", f"{med_cold / med_warm:.1f}x")
    Console().print(shown)


if __name__ == "__main__":
    main()
