"""A plan in a notebook: the HTML by which a :class:`~eastwest_opt.plan.plan.Plan` shows in Jupyter.

:func:`plan_html` gives the key facts of the report page, the costs, the hubs' use of their
power, accelerators and storage, and the hub map as an embedded PNG image. The map needs the
scenario the plan was solved for: ``plan.scenario`` (set by :func:`eastwest_opt.solve`), else
the folder or workbook recorded as ``plan.scenario_path``; without either the tables are shown
alone, with a note. The package root names this function for ``Plan._repr_html_``
(``eastwest_opt.notebook_html``), so that the plan stage never imports the report.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING, Any

from eastwest_opt.errors import EastWestError
from eastwest_opt.report.canvas import png_bytes
from eastwest_opt.report.data import ReportData
from eastwest_opt.report.formats import fmt_gap, fmt_money, money_unit
from eastwest_opt.report.page import _costs_html, _facts
from eastwest_opt.report.style import TERM_NAMES, TITLES

if TYPE_CHECKING:
    from eastwest_opt.plan.plan import Plan
    from eastwest_opt.scenario import Scenario

STYLE = (
    "<style>.ew-plan table{border-collapse:collapse;margin:4px 0 12px 0}"
    ".ew-plan th,.ew-plan td{border:1px solid #ddd;padding:2px 8px;text-align:right}"
    ".ew-plan th:first-child,.ew-plan td:first-child{text-align:left}"
    ".ew-plan tr.total td{font-weight:bold}.ew-plan img{max-width:100%;height:auto}</style>"
)


def plan_html(plan: Plan) -> str:
    """The plan as HTML: key facts, costs, hub usage and the hub map (an embedded PNG)."""
    esc = html.escape
    scenario, note = _scenario_of(plan)
    data = None
    if scenario is not None:
        try:
            data = ReportData.of(plan, scenario)
        except EastWestError as exc:  # the plan does not fit the scenario found
            note = f"No map: {exc}"
    parts = [STYLE, '<div class="ew-plan">', f"<h3>Plan: {esc(plan.scenario_name)}</h3>"]
    if data is not None:
        parts.append("<ul>" + "".join(f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in _facts(data)) + "</ul>")
        parts.append(_costs_html(data))
    else:
        parts.append(f"<p>{esc(_headline(plan))}</p>")
        parts.append(_terms_html(plan))
    parts.append(hub_usage_html(plan, scenario))
    if data is not None:
        parts.append(map_img(data))
    if note:
        parts.append(f"<p><i>{esc(note)}</i></p>")
    parts.append("</div>")
    return "\n".join(parts)


def map_img(data: ReportData) -> str:
    """The hub map as an ``<img>`` with the PNG embedded (nothing is fetched)."""
    from eastwest_opt.report.map import map_figure

    blob = png_bytes(map_figure(data))
    encoded = base64.b64encode(blob).decode("ascii")
    title = html.escape(TITLES["map"])
    return f'<h4>Hub map</h4><img alt="{title}" src="data:image/png;base64,{encoded}">'


def hub_usage_html(plan: Plan, scenario: Scenario | None) -> str:
    """Per hub: electricity price, jobs, power, accelerators and storage used against what it has, energy cost."""
    esc = html.escape
    price: dict[str, Any] = {}
    if scenario is not None:
        price = dict(zip(scenario.hubs["hub_id"].astype(str), scenario.hubs["price_cny_per_kwh"], strict=True))
    head = ("Hub", "CNY/kWh", "Jobs", "Power MW", "Accelerators", "Storage TB", "Energy cost CNY")
    rows = []
    for h in plan.hub_usage.itertuples(index=False):
        side = {"west": " (W)", "east": " (E)"}.get(str(h.macro_region), "")
        hub_price = price.get(str(h.hub_id))
        cells = [
            f"{h.name or h.hub_id}{side}",
            f"{float(hub_price):.3f}" if hub_price is not None else "",
            f"{int(h.jobs):,}",
            _used(float(h.meter_mw), float(h.grid_mw), "{:,.1f}"),
            _used(float(h.accelerators_used), float(h.accelerators), "{:,.0f}"),
            _used(float(h.storage_used_tb), float(h.storage_tb), "{:,.0f}"),
            f"{float(h.energy_cost_cny):,.0f}",
        ]
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{esc(c)}</th>" for c in head)
    return (
        "<h4>Hub usage: what each hub uses of what it has</h4>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _used(used: float, available: float, fmt: str) -> str:
    """``used`` of ``available`` and the share: ``4.2 of 15.6 (27%)``."""
    share = f" ({used / available:.0%})" if available > 0 else ""
    return f"{fmt.format(used)} of {fmt.format(available)}{share}"


def _scenario_of(plan: Plan) -> tuple[Scenario | None, str]:
    """The scenario to draw the plan with, and a note when there is none."""
    if plan.scenario is not None:
        return plan.scenario, ""
    if plan.scenario_path:
        from eastwest_opt.scenario import load_scenario

        try:
            return load_scenario(plan.scenario_path), ""
        except EastWestError as exc:
            return None, f"No map: the scenario at {plan.scenario_path} cannot be read ({exc})."
    return None, "No map: the plan carries no scenario (pass one to eastwest_opt.report.figures to draw it)."


def _headline(plan: Plan) -> str:
    """Status, cost and gap in one sentence, from the plan alone."""
    s = plan.summary()
    divisor, unit = money_unit(float(plan.objective_cny))
    verified = "verified" if plan.verified else "not verified"
    return (
        f"{plan.status}, {verified}. Total cost {fmt_money(float(plan.objective_cny), divisor, unit)}, "
        f"gap {fmt_gap(plan.gap)}; {s['jobs_placed']:,} of {s['jobs']:,} jobs placed."
    )


def _terms_html(plan: Plan) -> str:
    """Every cost term of the plan with its share, when no scenario is at hand for the per-hub costs."""
    esc = html.escape
    rows = []
    for r in plan.costs.itertuples(index=False):
        label = TERM_NAMES.get(str(r.term), "Total" if r.term == "total" else str(r.term))
        cls = ' class="total"' if r.term == "total" else ""
        rows.append(
            f"<tr{cls}><td>{esc(label)}</td><td>{float(r.cost_cny):,.0f}</td><td>{float(r.share):.1%}</td></tr>"
        )
    return (
        "<h4>Costs over the planning window</h4><table><thead><tr><th>Term</th><th>CNY</th><th>Share</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
