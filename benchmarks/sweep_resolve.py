"""Re-solve in place against rebuilding: the same parameter-only variants, side by side, one process.

A grid of western power price x carbon price over the shipped eight-hub scenario (10 x 10 = 100
variants by default) is solved three ways, one after the other, in this process:

- ``rebuild``: every variant is built anew (network, index sets, Pyomo model, a new HiGHS
  instance) and solved, as a naive sweep would;
- ``in place, warm``: the model is built once; each variant's numbers are written into it
  (``PlacementModel.update``) and the persistent HiGHS instance re-solves it, starting from the
  previous variant's plan (what ``eastwest-opt sweep`` does within a worker);
- ``in place, cold``: the same without the MIP start, to separate the two effects.

Every variant is verified, and the objectives of the three runs are compared (they agree within
the relative gap asked for). Run::

    python benchmarks/sweep_resolve.py                 # 100 variants, gap 1e-4, 1 thread
    python benchmarks/sweep_resolve.py --prices 12 --carbon 10 --gap 0

With ``--jobs N`` the base is a generated portfolio of N jobs over the shipped hubs and backbone
(``eastwest_opt.generate``, seed 0) instead of the shipped scenario: there building the model and
branch and bound weigh more, and both the re-use and the MIP start pay more.

With ``--end-to-end`` it also runs the grid through ``eastwest_opt.sweep`` with one worker,
with and without model reuse (writing results and the summary, without plots).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

import eastwest_opt as ew
from eastwest_opt.api import solve_model
from eastwest_opt.solver.placement import PlacementModel
from eastwest_opt.solver.status import SolveOptions
from eastwest_opt.sweeps import Variant, apply_overrides, load_sweep


@dataclass
class Run:
    """Timings and objectives of one way of solving the grid."""

    name: str
    seconds: list[float] = field(default_factory=list)
    model_s: float = 0.0  # build, or update of the built model
    highs_s: float = 0.0  # HiGHS (re-)solve, including loading a new model into it
    plan_s: float = 0.0  # plan extraction and verification
    objectives: list[float] = field(default_factory=list)
    in_place: int = 0


def grid_spec(prices: int, carbon: int, gap: float) -> dict:
    """The sweep: western price factor 0.6 .. 1.5 times today, carbon price 0 .. 450 CNY/t."""
    return {
        "name": "benchmark",
        "solver": {"mip_rel_gap": gap, "threads": 1},
        "grid": [
            {
                "name": "west_price_factor",
                "values": [round(float(v), 4) for v in np.linspace(0.6, 1.5, prices)],
                "overrides": [
                    {"table": "hubs", "where": {"macro_region": "west"}, "scale": {"price_cny_per_kwh": "$value"}}
                ],
            },
            {
                "name": "carbon_price",
                "values": [round(float(v), 2) for v in np.linspace(0, 450, carbon)],
                "overrides": [{"settings": {"carbon_price_cny_per_t": "$value"}}],
            },
        ],
    }


def run_grid(name: str, base: ew.Scenario, variants: list[Variant], options: SolveOptions, mode: str) -> Run:
    """Solve every variant one way (``rebuild``, ``warm`` or ``cold``), verifying each plan; return the timings."""
    run = Run(name)
    pm: PlacementModel | None = None
    for variant in variants:
        t0 = time.perf_counter()
        scenario = apply_overrides(base, variant.overrides)
        t1 = time.perf_counter()
        in_place = mode != "rebuild" and pm is not None and pm.update(scenario)
        if not in_place:
            pm = PlacementModel.build(scenario)
        t2 = time.perf_counter()
        assert pm is not None
        pm.timings.clear()
        plan = solve_model(pm, options.resolved(scenario), warm_start=in_place and mode == "warm")
        t3 = time.perf_counter()
        assert plan.verified, variant.id
        run.seconds.append(t3 - t0)
        run.model_s += t2 - t1
        run.highs_s += plan.timings["solve_s"]
        run.plan_s += plan.timings.get("plan_s", 0.0) + plan.timings.get("verify_s", 0.0)
        run.objectives.append(plan.objective_cny)
        run.in_place += int(in_place)
    return run


def main() -> None:
    """Parse the arguments, run the three ways side by side and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prices", type=int, default=10, help="western price factors (default 10)")
    parser.add_argument("--carbon", type=int, default=10, help="carbon prices (default 10)")
    parser.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap (default 1e-4)")
    parser.add_argument("--jobs", type=int, default=0, help="a generated portfolio of this many jobs as the base")
    parser.add_argument("--end-to-end", action="store_true", help="also time eastwest_opt.sweep with one worker")
    args = parser.parse_args()

    if args.jobs:
        from eastwest_opt.generate import generate_scenario

        base = generate_scenario(args.jobs, max(1, args.jobs // 20), 0)
        what = f"a generated portfolio of {len(base.jobs):,} jobs"
    else:
        base = ew.load_scenario()
        what = "the shipped scenario"
    spec = load_sweep(grid_spec(args.prices, args.carbon, args.gap))
    variants = list(spec.variants)
    options = SolveOptions(time_limit_s=300, mip_rel_gap=args.gap, threads=1)
    print(f"{len(variants)} parameter-only variants of {what} (gap {args.gap:g}, 1 HiGHS thread)")

    runs = [
        run_grid("rebuild every variant", base, variants, options, "rebuild"),
        run_grid("re-solve in place, warm start", base, variants, options, "warm"),
        run_grid("re-solve in place, cold", base, variants, options, "cold"),
    ]
    reference = np.array(runs[0].objectives)
    head = f"{'mode':32} {'variants':>8} {'in place':>8} {'total s':>8} {'median s':>9} {'build s':>8}"
    head += f" {'HiGHS s':>8} {'plan s':>7} {'speed-up':>8} {'max rel. diff':>13}"
    print()
    print(head)
    print("-" * len(head))
    for run in runs:
        total = sum(run.seconds)
        diff = float(np.max(np.abs(np.array(run.objectives) - reference) / np.abs(reference)))
        print(
            f"{run.name:32} {len(run.seconds):>8} {run.in_place:>8} {total:>8.2f} "
            f"{statistics.median(run.seconds):>9.3f} {run.model_s:>8.2f} {run.highs_s:>8.2f} {run.plan_s:>7.2f} "
            f"{sum(runs[0].seconds) / total:>7.2f}x {diff:>13.2e}"
        )
        assert diff <= max(args.gap, 1e-9) * 1.0001 + 1e-12, f"{run.name}: objectives differ beyond the gap"
    print("\nbuild s: network, index sets and Pyomo model (rebuild), or writing the numbers in (in place);")
    print("HiGHS s: the solve, including loading a new model into HiGHS; plan s: extraction and verification.")

    if args.end_to_end:
        if args.jobs:
            raise SystemExit("--end-to-end runs the shipped scenario only")
        print()
        for reuse in (False, True):
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                summary = ew.sweep(spec, out=out, workers=1, progress=False, plots=False, reuse_models=reuse)
                seconds = time.perf_counter() - t0
            label = "eastwest_opt.sweep, " + ("reuse models" if reuse else "rebuild every variant")
            print(f"{label:45} {seconds:8.2f} s  ({int(summary['resolved_in_place'].sum())} re-solved in place)")


if __name__ == "__main__":
    main()
