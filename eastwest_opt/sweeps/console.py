"""What a sweep shows on the terminal: a progress bar while variants run, the outcome at the end.

Both draw with rich, imported inside the functions (a sweep run with ``progress=False`` and
never printed does not import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from eastwest_opt.sweeps.run import Results
from eastwest_opt.sweeps.solve import FAILED, SOLVED
from eastwest_opt.sweeps.tables import SweepOutcome

if TYPE_CHECKING:
    from rich.table import Table


def with_progress(results: Results, total: int, skipped: int, name: str, show: bool, console: Any) -> Results:
    """Pass results through, showing a progress bar with counts, failures and time left."""
    if not show:
        yield from results
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = console or Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    if skipped:
        console.print(f"{name}: {skipped} variant(s) finished earlier are kept; {total} to run.")
    failed = 0
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(name, total=total, failed=0)
        for variant, result in results:
            if result.status in FAILED:
                failed += 1
            yield variant, result
            bar.update(task, advance=1, failed=failed)


def print_outcome(summary: pd.DataFrame, console: Any = None, *, limit: int = 30) -> None:
    """The end of a sweep on the terminal: counts, then one line per variant (up to ``limit``)."""
    from rich.console import Console

    console = console or Console()
    outcome: SweepOutcome | None = summary.attrs.get("outcome")
    if outcome is not None:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items(), key=lambda kv: -kv[1]))
        console.print(
            f"[bold]{outcome.name}[/bold]: {outcome.total} variants ({counts}); {outcome.ran} solved now, "
            f"{outcome.skipped} kept from before, in {outcome.seconds:.1f} s."
        )
    if summary.empty:
        return
    console.print(_variant_table(summary, limit))
    if len(summary) > limit:
        console.print(f"... and {len(summary) - limit} more rows in summary.csv")
    failures = summary[summary["status"].isin(FAILED)]
    for row in failures.head(5).itertuples(index=False):
        console.print(f"[yellow]{row.variant_id}[/yellow]: {row.status}: {row.error}")
    if outcome is not None:
        console.print(f"Results in {outcome.out}: summary.csv, summary.parquet, hubs.csv, variants/, plots/")


def _variant_table(summary: pd.DataFrame, limit: int) -> Table:
    """A rich table of the first ``limit`` variants: status, cost, emissions, western share, model reuse."""
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("variant", overflow="fold", min_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("cost M CNY", justify="right", no_wrap=True)
    table.add_column("tCO2", justify="right", no_wrap=True)
    table.add_column("West", justify="right", no_wrap=True)
    table.add_column("unplaced", justify="right", no_wrap=True)
    table.add_column("model", no_wrap=True)
    for row in summary.head(limit).itertuples(index=False):
        ok = row.status in SOLVED
        table.add_row(
            str(row.variant_id).replace("__", " "),  # wraps between the axes of a grid variant
            str(row.status),
            f"{row.cost_total_cny / 1e6:,.2f}" if ok else "-",
            f"{row.emissions_t:,.0f}" if ok else "-",
            f"{100 * row.west_energy_share:.0f}%" if ok and pd.notna(row.west_energy_share) else "-",
            str(row.jobs_unplaced) if ok else "-",
            ("reused" if row.resolved_in_place else "built") if ok else "-",
        )
    return table
