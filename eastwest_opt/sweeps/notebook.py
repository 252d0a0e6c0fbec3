"""A sweep's result in a notebook: :class:`SweepResult`, the summary table that shows as HTML.

:func:`~eastwest_opt.sweeps.sweep` returns the summary as a :class:`SweepResult`: a
:class:`pandas.DataFrame` in every respect (one row per variant, ``attrs['outcome']`` the run's
counts), which in Jupyter shows the run's headline, one line per variant (its parameters,
status, cost, emissions, western share of energy and unplaced jobs) and the sweep's plots, the
PNG files embedded. Anything computed from it (a selection, a sort) is a plain DataFrame again.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import pandas as pd

PLOTS_SHOWN = 4
ROWS_SHOWN = 60


class SweepResult(pd.DataFrame):
    """The summary of a sweep, one row per variant; in a notebook, its headline, table and plots."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # a table computed from the summary is an ordinary DataFrame

    def _repr_html_(self) -> str:  # type: ignore[override]
        """The sweep as HTML: its headline, one row per variant and its plots."""
        return sweep_html(self)


def parameter_columns(summary: pd.DataFrame) -> list[str]:
    """The swept parameters: the summary's columns between ``kind`` and ``status``."""
    columns = list(summary.columns)
    if "kind" not in columns or "status" not in columns:
        return []
    return columns[columns.index("kind") + 1 : columns.index("status")]


def sweep_html(summary: pd.DataFrame) -> str:
    """The headline of the run, one row per variant (the first :data:`ROWS_SHOWN`) and the plots."""
    esc = html.escape
    outcome = summary.attrs.get("outcome")
    parts = ['<div class="ew-sweep">']
    if outcome is not None:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items(), key=lambda kv: -kv[1]))
        parts.append(
            f"<h3>Sweep: {esc(outcome.name)}</h3><p>{outcome.total} variants ({esc(counts)}); {outcome.ran} solved "
            f"now, {outcome.skipped} kept from before, in {outcome.seconds:.1f} s. Results in "
            f"<code>{esc(str(outcome.out))}</code>.</p>"
        )
    if len(summary):
        parts.append(_variants_html(summary))
    plots = list(outcome.plots)[:PLOTS_SHOWN] if outcome is not None else []
    for path in plots:
        parts.append(_plot_html(Path(path)))
    parts.append("</div>")
    return "\n".join(parts)


def _variants_html(summary: pd.DataFrame) -> str:
    """One row per variant: its id, parameters, status, cost, emissions, western share and unplaced jobs."""
    esc = html.escape
    params = parameter_columns(summary)
    head = ["Variant", *params, "Status", "Cost M CNY", "tCO2", "West", "Unplaced"]
    rows = []
    for r in summary.head(ROWS_SHOWN).to_dict("records"):
        cells = [str(r.get("variant_id", "")), *(_text(r.get(p)) for p in params), str(r.get("status", ""))]
        cells += [
            _number(r.get("objective_cny"), 1e-6, "{:,.3f}"),
            _number(r.get("emissions_t"), 1.0, "{:,.0f}"),
            _number(r.get("west_energy_share"), 100.0, "{:.0f}%"),
            _text(r.get("jobs_unplaced")),
        ]
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    more = f"<p>... and {len(summary) - ROWS_SHOWN:,} more rows in summary.csv</p>" if len(summary) > ROWS_SHOWN else ""
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _plot_html(path: Path) -> str:
    """One plot of the sweep, embedded as PNG; a note if its file has gone."""
    esc = html.escape
    try:
        blob = path.read_bytes()
    except OSError:
        return f"<p><i>{esc(path.name)}: file not found</i></p>"
    encoded = base64.b64encode(blob).decode("ascii")
    return (
        f'<figure><img alt="{esc(path.stem)}" src="data:image/png;base64,{encoded}" style="max-width:100%">'
        f"<figcaption>{esc(path.name)}</figcaption></figure>"
    )


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number(value: Any, factor: float, fmt: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return fmt.format(float(value) * factor)
