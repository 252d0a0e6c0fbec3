"""The ``values`` command: what each capacity is worth (see :mod:`eastwest_opt.sweeps.values`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from eastwest_opt.errors import Problem, ScenarioError

DebugOpt = Annotated[bool, typer.Option("--debug", help="Show the full traceback of any error.")]


def parse_steps(items: list[str]) -> dict[str, float]:
    """``KIND=STEP`` options as a mapping; a malformed one is a :class:`ScenarioError`."""
    steps: dict[str, float] = {}
    for item in items:
        kind, sep, text = item.partition("=")
        try:
            steps[kind.strip()] = float(text)
        except ValueError:
            sep = ""
        if not sep:
            raise ScenarioError([Problem("--step", f"expected KIND=STEP (e.g. grid_mw=10), got {item!r}")])
    return steps


def make_command(run: Callable[[bool, Callable[[], Any]], Any]) -> Callable[..., None]:
    """The ``values`` command, reporting errors through the CLI's ``run`` (one line, exit code)."""

    def values(
        scenario: Annotated[
            Path | None, typer.Argument(help="Scenario folder or workbook (default: the shipped one).")
        ] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder for capacity_values.csv.")] = Path("."),
        step: Annotated[
            list[str] | None,
            typer.Option(
                "--step", help="KIND=STEP, e.g. grid_mw=20 (kinds: grid_mw, accelerators, storage_tb, link_gbps)."
            ),
        ] = None,
        workers: Annotated[
            int | None, typer.Option("--workers", "-w", min=1, help="Worker processes (default: one per CPU).")
        ] = None,
        scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a Dask scheduler.")] = None,
        debug: DebugOpt = False,
    ) -> None:
        """Re-solve with each capacity one step more and one step less; write what each is worth."""
        from eastwest_opt.sweeps.values import capacity_values, print_top, write_values

        def action() -> Any:
            table = capacity_values(scenario, steps=parse_steps(step or []), workers=workers, scheduler=scheduler)
            return table, write_values(table, out)

        table, path = run(debug, action)
        print_top(table)
        typer.echo(f"{len(table)} rows written to {path}")

    return values
