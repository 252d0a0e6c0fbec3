"""The ``eastwest-opt`` command: a thin layer over the Python API.

Each command parses its options, calls the API and prints. Errors print one line on
standard error and exit with a code that says what happened (see :class:`ExitCode`); the
traceback is shown only with ``--debug``. Heavy imports live inside the commands so that
``--help`` and ``--version`` answer at once.
"""

from __future__ import annotations

import json
import math
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from eastwest_opt import __version__, cli_values
from eastwest_opt.errors import EastWestError, ExitCode, InfeasibleError, ScenarioError

app = typer.Typer(
    name="eastwest-opt",
    help=(
        "Placement optimiser for China's East Data, West Computing strategy: where each AI "
        "training job trains, where each dataset keeps replicas, and how traffic routes over "
        "the inter-hub backbone, at minimum cost.\n\n"
        "Exit codes: 0 verified plan or valid input; 1 internal error; 2 invalid input; "
        "3 infeasible scenario; 4 no plan found within the time limit; 5 plan failed "
        "verification; 6 output folder exists."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback of any error.")]
ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help=(
            "Scenario folder (scenario.yaml and CSV tables) or workbook (.xlsx: a sheet per table and a "
            "'scenario' sheet). Omit it for the shipped eight-hub scenario."
        ),
        show_default=False,
    ),
]

PlanOutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write the plan here: a folder of CSV tables and summary.json, or one workbook (a path ending .xlsx).",
    ),
]


def _err(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


def _run(debug: bool, action: Callable[[], T]) -> T:
    """Run an API call; turn known errors into one line and an exit code."""
    try:
        return action()
    except ScenarioError as exc:
        if debug:
            traceback.print_exc()
        for problem in exc.problems[:20]:
            _err(str(problem))
        if len(exc.problems) > 20:
            _err(f"... and {len(exc.problems) - 20} more problems")
        raise typer.Exit(int(exc.exit_code)) from None
    except InfeasibleError as exc:
        if debug:
            traceback.print_exc()
        _err(str(exc))
        _print_explanation(exc.explanation)
        raise typer.Exit(int(exc.exit_code)) from None
    except EastWestError as exc:
        if debug:
            traceback.print_exc()
        _err(str(exc))
        raise typer.Exit(int(exc.exit_code)) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if debug:
            traceback.print_exc()
        else:
            _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        raise typer.Exit(int(ExitCode.ERROR)) from None


def _print_explanation(explanation: Any) -> None:
    """The relaxations an infeasible scenario needs: sentences, then a table, on stderr."""
    if explanation is None or len(explanation) == 0:
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    console.print("What would make it feasible (the smallest relaxation found):")
    for sentence in explanation["sentence"]:
        console.print(f"  - {sentence}")
    table = Table()
    for col in ("cause", "subject", "amount", "unit", "current"):
        table.add_column(col, justify="right" if col in ("amount", "current") else "left")
    for row in explanation.itertuples(index=False):
        table.add_row(row.cause, row.subject, f"{row.amount:,.2f}", row.unit, f"{row.current:,.2f}")
    console.print(table)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eastwest-opt {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Placement optimiser for East Data, West Computing."""


PROGRESS_MIN_JOBS = 1000  # scenarios at least this large report their progress while solving
# the portfolio families of eastwest_opt.generate.FAMILIES, named here so that `--help` does not import the generator
GENERATE_FAMILIES = ("default", "distinct", "skewed", "restricted")


def _progress_printer(started: float) -> Any:
    """A progress callback that prints ``elapsed  stage  detail`` lines on standard error."""

    def show(stage: str, detail: str) -> None:
        typer.echo(f"{time.perf_counter() - started:7.1f} s  {stage:<8} {detail}", err=True)

    return show


@app.command()
def solve(
    scenario: ScenarioArg = None,
    out: PlanOutOpt = None,
    overwrite: Annotated[bool, typer.Option(help="Replace the --out folder if it exists.")] = False,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.001, help="Solver time limit in seconds (default: from the scenario)."),
    ] = None,
    gap: Annotated[
        float | None,
        typer.Option("--gap", min=0.0, max=0.999, help="Relative MIP gap to stop at (default: from the scenario)."),
    ] = None,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="Solver threads (default: HiGHS chooses).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON instead of tables.")] = False,
    report: Annotated[
        bool, typer.Option("--report", help="Also write report.html and its figures (PNG) into the --out folder.")
    ] = False,
    builder: Annotated[
        str,
        typer.Option(
            "--builder",
            help="How to build the model: pyomo, arrays (bulk, for large portfolios) or auto (by size).",
        ),
    ] = "auto",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress lines while a large scenario solves.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Solve a scenario and print a verified plan; optionally write it with --out.

    Scenarios of 1,000 jobs or more show their progress (stage, elapsed time, current gap) on
    standard error while they solve; --quiet silences it.
    """
    from eastwest_opt.api import solve as solve_api
    from eastwest_opt.scenario import load_scenario

    if builder not in ("auto", "pyomo", "arrays"):
        _err(f"--builder: unknown builder {builder!r}; choose auto, pyomo or arrays")
        raise typer.Exit(int(ExitCode.INVALID_INPUT))

    if report and (out is None or out.suffix.lower() == ".xlsx"):
        _err("--report needs --out with a folder: the report is written into the plan folder")
        raise typer.Exit(int(ExitCode.INVALID_INPUT))

    def action() -> Any:
        started = time.perf_counter()
        sc = load_scenario(scenario)
        progress = None if quiet or len(sc.jobs) < PROGRESS_MIN_JOBS else _progress_printer(started)
        if progress is not None:
            progress("load", f"{sc.name}: {len(sc.jobs):,} jobs, {len(sc.datasets):,} datasets")
        plan = solve_api(
            sc, time_limit_s=time_limit, mip_rel_gap=gap, threads=threads, builder=builder, progress=progress
        )  # type: ignore[arg-type]
        if out is not None:
            plan.write(out, overwrite=overwrite)
            if progress is not None:
                progress("write", str(out))
        return sc, plan

    sc, plan = _run(debug, action)
    if as_json:
        typer.echo(json.dumps(plan.summary(), indent=2))
    else:
        from eastwest_opt.report.terminal import print_plan

        print_plan(sc, plan)
        if out is not None:
            typer.echo(f"Plan written to {out}")
    if report and out is not None:
        from eastwest_opt.report import REPORT_FILE, write_report

        html = _run(debug, lambda: write_report(plan, sc, out / REPORT_FILE))
        if not as_json:
            typer.echo(f"Report written to {html} (figures as PNG beside it)")


VIOLATIONS_SHOWN = 100  # violation lines printed; --json lists every one


@app.command()
def verify(
    scenario: Annotated[Path, typer.Argument(help="Scenario folder the plan was solved for.")],
    plan_dir: Annotated[Path, typer.Argument(help="Plan folder written by 'solve --out'.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the verdict as JSON, one record per violation.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Check a written plan against a scenario with the independent verifier.

    Every constraint, every written figure (recomputed from the plan's decisions) and the
    objective. Exit 0 when the plan passes, 5 with any violation, 2 when the plan folder is
    malformed or names what the scenario does not have.
    """
    from eastwest_opt.plan.plan import read_plan
    from eastwest_opt.plan.verify import verify_plan
    from eastwest_opt.scenario import load_scenario

    def warn(text: str) -> None:
        typer.secho(f"warning: {text}", fg=typer.colors.YELLOW, err=True)

    sc = _run(debug, lambda: load_scenario(scenario))
    plan = _run(debug, lambda: read_plan(plan_dir))
    report = _run(debug, lambda: verify_plan(sc, plan, warn=warn))
    if as_json:
        verdict = {
            "ok": report.ok,
            "warnings": report.warnings,
            "violations": [v.record() for v in report.violations],
            "costs_cny": {k: v if math.isfinite(v) else None for k, v in report.costs_cny.items()},
        }
        typer.echo(json.dumps(verdict, indent=2))
    elif report.ok:
        typer.echo(
            "OK: the plan satisfies every constraint and every written figure agrees with its recomputation; "
            f"objective {report.costs_cny['total']:,.0f} CNY recomputed."
        )
    else:
        for v in report.violations[:VIOLATIONS_SHOWN]:
            typer.secho(f"violation: {v}", fg=typer.colors.RED, err=True)
        hidden = len(report.violations) - VIOLATIONS_SHOWN
        if hidden > 0:
            typer.secho(f"... and {hidden:,} more (--json lists every one)", fg=typer.colors.RED, err=True)
        typer.secho(f"{len(report.violations):,} violation(s)", fg=typer.colors.RED, err=True)
    if not report.ok:
        raise typer.Exit(int(ExitCode.VERIFICATION_FAILED))


@app.command()
def validate(
    scenario: ScenarioArg = None,
    debug: DebugOpt = False,
) -> None:
    """Check a scenario without solving; list every problem with file, row and column.

    Exit 0 when valid (warnings allowed), 2 when any error is found.
    """
    from eastwest_opt.scenario.load import check_scenario

    sc, problems = _run(debug, lambda: check_scenario(scenario))
    for problem in problems:
        if problem.severity == "warning":
            typer.secho(str(problem), fg=typer.colors.YELLOW, err=True)
        else:
            _err(str(problem))
    errors = sum(p.severity == "error" for p in problems)
    if errors or sc is None:
        typer.secho(f"{errors} error(s), {len(problems) - errors} warning(s)", fg=typer.colors.RED, err=True)
        raise typer.Exit(int(ExitCode.INVALID_INPUT))
    typer.echo(
        f"OK: scenario {sc.name!r} is valid ({len(sc.hubs)} hubs, {len(sc.links)} links, "
        f"{len(sc.datasets)} datasets, {len(sc.jobs)} jobs" + (f"; {len(problems)} warning(s))." if problems else ").")
    )


@app.command()
def report(
    plan_dir: Annotated[Path, typer.Argument(help="Plan folder written by 'solve --out'.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="HTML file to write (default: PLAN_DIR/report.html); the PNG figures go beside it."
        ),
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Scenario the plan was solved for (default: the one named in summary.json, else the shipped one).",
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Draw a plan: a self-contained HTML report (hub map, costs, utilisation, placements) and PNG figures.

    The plan is checked against its scenario by the independent verifier first. Exit 0 when
    written; 2 for a missing or broken plan folder, a scenario the plan does not fit or fails
    verification against, or an output that cannot be written.
    """
    from eastwest_opt.report import report_folder

    html = _run(debug, lambda: report_folder(plan_dir, scenario=scenario, out_html=out))
    typer.echo(f"Report written to {html} (figures as PNG beside it)")


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Folder to write the generated scenario into.")],
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Number of training jobs.")] = 1000,
    datasets: Annotated[
        int | None, typer.Option("--datasets", min=1, help="Number of datasets (default: jobs / 20, at least 1).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed; the same seed gives the same scenario.")] = 0,
    family: Annotated[
        str,
        typer.Option(
            "--family",
            help=(
                "Kind of portfolio: default (a catalogue of shapes in campaigns, about two thirds of jobs repeat one), "
                "distinct (every job its own shape; some restrictions and overrides), skewed (a few giant runs, "
                "many tiny jobs, grid power well short of demand) or restricted (about 40% of jobs restricted to "
                "some hubs, 30% with overrides at western hubs)."
            ),
        ),
    ] = "default",
    overwrite: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Write a realistic generated portfolio over the shipped hubs and backbone as a scenario folder."""
    if family not in GENERATE_FAMILIES:
        _err(f"--family: unknown family {family!r}; choose {', '.join(GENERATE_FAMILIES)}")
        raise typer.Exit(int(ExitCode.INVALID_INPUT))
    from eastwest_opt.generate import generate_scenario, write_scenario

    n_datasets = datasets if datasets is not None else max(1, jobs // 20)
    sc = _run(debug, lambda: generate_scenario(jobs, n_datasets, seed, family=family))
    _run(debug, lambda: write_scenario(sc, out, overwrite=overwrite))
    typer.echo(f"Scenario {sc.name!r} written to {out} ({len(sc.jobs):,} jobs, {len(sc.datasets):,} datasets).")


@app.command()
def init(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder to write the new scenario into.", show_default=False)
    ] = None,
    empty: Annotated[
        bool,
        typer.Option("--empty", help="Only the hubs, backbone, accelerators and data classes: no datasets or jobs."),
    ] = False,
    year: Annotated[bool, typer.Option("--year", help="Start from the year scenario (planning periods).")] = False,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Write the scenario as one Excel workbook (.xlsx) too, or instead.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace FOLDER (a scenario folder) or the workbook.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Start a scenario of your own from a template: a complete, valid scenario folder with a README.md
    saying what each table is for (by default the shipped eight-hub scenario).

    Exit 0 when written; 2 for a template this version does not ship; 6 when the output exists.
    """
    from eastwest_opt.scenario.templates import write_template

    template = "year" if year else "eight-hubs"
    sc = _run(debug, lambda: write_template(folder, xlsx, template=template, empty=empty, overwrite=overwrite))
    where = " and ".join(str(p) for p in (folder, xlsx) if p is not None)
    typer.echo(
        f"Scenario {sc.name!r} written to {where} ({len(sc.hubs)} hubs, {len(sc.links)} links, "
        f"{len(sc.datasets)} datasets, {len(sc.jobs)} jobs)."
    )
    if folder is not None:
        typer.echo(f"{folder / 'README.md'} says what each table is for; next: eastwest-opt validate {folder}")
    if empty:
        typer.echo("No datasets or jobs yet: add their rows, then validate.")


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="scenario (for scenario.yaml) or sweep (for a sweep file).")],
) -> None:
    """Print the JSON Schema of scenario.yaml or of a sweep file, for an editor's completion and checking.

    Save it beside your files and point the editor at it, e.g. with a first line
    `# yaml-language-server: $schema=scenario.schema.json` (see the README).
    """
    if kind == "scenario":
        from eastwest_opt.scenario.json_schema import scenario_json_schema, schema_text

        typer.echo(schema_text(scenario_json_schema()), nl=False)
    elif kind == "sweep":
        from eastwest_opt.scenario.json_schema import schema_text
        from eastwest_opt.sweeps.json_schema import sweep_json_schema

        typer.echo(schema_text(sweep_json_schema()), nl=False)
    else:
        _err(f"unknown schema {kind!r}; choose scenario or sweep")
        raise typer.Exit(int(ExitCode.INVALID_INPUT))


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep file (YAML): a base scenario and its variants.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results; rerun to resume it.")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Worker processes on this machine (default: one per CPU)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a Dask scheduler (tcp://host:8786): run on that cluster instead."),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Discard the results already in --out and start afresh.")] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run again the variants that ended in an error or without a plan.")
    ] = False,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", min=0.001, help="Solver time limit per variant, seconds.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Solve many what-if variants of a scenario in parallel; write each result, a summary and plots.

    Exit 0 when the sweep ran, even if some variants are infeasible (they are counted); 2 for a
    bad sweep file; 6 when --out holds a different sweep.
    """
    from eastwest_opt.sweeps import print_outcome
    from eastwest_opt.sweeps import sweep as sweep_api

    def action() -> Any:
        return sweep_api(
            sweep_file,
            out=out,
            workers=workers,
            scheduler=scheduler,
            overwrite=overwrite,
            retry_failed=retry_failed,
            time_limit_s=time_limit,
            progress=not quiet,
        )

    try:
        summary = _run(debug, action)
    except KeyboardInterrupt:
        _err(f"interrupted; every finished variant is kept in {out}: run the same command again to resume")
        raise typer.Exit(130) from None
    outcome = summary.attrs.get("outcome")
    if not quiet:
        print_outcome(summary)
    elif outcome is not None:
        typer.echo(f"{outcome.total} variants, {outcome.failed} without a plan; results in {out}")


app.command(name="values")(cli_values.make_command(_run))  # in its own module (cli.py is near its size limit)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except BrokenPipeError:  # e.g. piped into head
        sys.exit(0)
