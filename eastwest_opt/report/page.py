"""The report's HTML page: one self-contained file, the figures embedded as base64 PNG (no
external references), with the key facts and the tables behind the figures.
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd

from eastwest_opt.report.data import ALL_JOBS, PLACED_TOTAL, ReportData, accelerator_names, placement_counts
from eastwest_opt.report.formats import fmt_gap, fmt_money, fmt_num, fmt_share, money_unit
from eastwest_opt.report.geo import OUTLINE_SOURCE
from eastwest_opt.report.style import TB_FLOOR, TERM_NAMES, TITLES

JOB_TABLE_MAX = 2000  # the report lists every job up to this many

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px auto; max-width: 1440px; color: #222; }
h1 { font-size: 24px; margin-bottom: 4px; }
h2 { font-size: 19px; margin-top: 34px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
p.lead { color: #555; margin-top: 0; }
ul.facts { columns: 2; list-style: none; padding: 0; }
ul.facts li { margin: 3px 0; }
figure { margin: 12px 0 24px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 14px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 14px; margin: 8px 0 16px 0; }
th, td { border: 1px solid #ddd; padding: 4px 9px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
tr.total td { font-weight: bold; background: #fafafa; }
p.note { color: #666; font-size: 13px; }
p.about { color: #444; font-size: 14px; max-width: 1100px; }
"""

_CAPTIONS = {
    "map": (
        "Hubs at their coordinates: squares are the eastern hubs where data is born and models are "
        "served, circles the western compute hubs. Marker area is the training power placed (MW at the "
        "meter), marker colour the electricity price. Each link shows one curved arrow per direction "
        "and kind of traffic, pointing the way it flows: solid for data (durable replicas and staged "
        "working copies, mostly East to West), dashed for trained models on their way to the hubs that "
        "serve them (mostly West to East); width is TB over the window, colour the link's use of its "
        "capacity in that direction."
    ),
    "costs": (
        "Energy, carbon and storage costs by hub, and every cost term of the plan. Transfer over the "
        "backbone and unplaced-job penalties are system-wide terms."
    ),
    "utilisation": (
        "Power at the meter against the hub's grid allocation, accelerators in use against the "
        "inventory, and storage (durable replicas and staged copies) against the space available."
    ),
    "placements": "Number of jobs each hub trains, by the data class of the job's dataset.",
}


def page_html(data: ReportData, pngs: dict[str, bytes]) -> str:
    """The self-contained report page: title, key facts, each figure as base64 PNG with its caption and tables."""
    plan, sc = data.plan, data.scenario
    esc = html.escape
    hubs = data.hubs
    p = plan.placements
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Plan report: {esc(sc.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Plan report: {esc(sc.name)}</h1>",
    ]
    lead = (
        f"{sc.planning_window_hours:,.0f} h planning window; {len(hubs)} hubs, {len(data.links)} backbone links, "
        f"{len(p):,} training jobs."
    )
    if plan.scenario_name and plan.scenario_name != sc.name:
        lead += f" The plan was solved for scenario {plan.scenario_name}; drawn with this scenario's hubs."
    parts.append(f'<p class="lead">{esc(lead)}</p>')
    if sc.description.strip():
        parts.append(f'<p class="about">{esc(" ".join(sc.description.split()))}</p>')
    parts.append('<ul class="facts">')
    parts += [f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in _facts(data)]
    parts.append("</ul>")
    for name, blob in pngs.items():
        title = TITLES.get(name, name)
        parts.append(f'<h2 id="{esc(name)}">{esc(title)}</h2>')
        encoded = base64.b64encode(blob).decode("ascii")
        parts.append(
            f'<figure><img alt="{esc(title)}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{esc(_CAPTIONS.get(name, ''))}</figcaption></figure>"
        )
        if name == "placements":
            parts.append(_table_html(placement_counts(data), total_rows=(PLACED_TOTAL, ALL_JOBS)))
            parts.append(_jobs_html(data))
        if name == "map":
            parts.append(_links_html(data))
        if name == "costs":
            parts.append(_costs_html(data))
    parts.append(
        '<p class="note">Map outline: ' + esc(OUTLINE_SOURCE) + ", China and Taiwan; a schematic, "
        "low-resolution outline for orientation, not a standard map for publication. "
        "Written by eastwest-opt.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _facts(data: ReportData) -> list[tuple[str, str]]:
    """The key facts listed under the page's title: status, cost, jobs, power, energy, emissions, traffic, gap."""
    plan = data.plan
    total = data.costs.get("total", plan.objective_cny)
    divisor, unit = money_unit(total)
    p = plan.placements
    placed_n = int((p["status"].astype(str) == "placed").sum())
    summary = _summary_numbers(data)
    return [
        ("Status", f"{plan.status}, " + ("verified by the independent checker" if plan.verified else "not verified")),
        ("Total cost", fmt_money(total, divisor, unit)),
        ("Jobs placed", f"{placed_n} of {len(p)}"),
        ("Training power placed", f"{fmt_num(float(data.hubs['meter_mw'].sum()))} MW at the meter"),
        ("Energy in the western hubs", summary["west_share"]),
        ("Emissions", summary["emissions"]),
        ("Moved over the backbone", summary["moved"]),
        ("Gap to the lower bound", fmt_gap(plan.gap)),
    ]


def _costs_html(data: ReportData) -> str:
    """The costs in numbers: energy, carbon and storage per hub, then the system-wide terms."""
    esc = html.escape
    head = "".join(f"<th>{h}</th>" for h in ("", "Energy", "Carbon", "Storage", "Total"))
    rows = []
    cols = ("energy_cost_cny", "carbon_cost_cny", "storage_cost_cny")
    for r in data.hubs.itertuples(index=False):
        values = [float(getattr(r, c)) for c in cols]
        cells = [esc(str(r.label)), *(f"{v:,.0f}" for v in values), f"{sum(values):,.0f}"]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    for term in ("transfer", "unplaced_penalty"):
        cells = [esc(TERM_NAMES[term]), "", "", "", f"{data.costs.get(term, 0.0):,.0f}"]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    total = [data.costs.get(t, 0.0) for t in ("energy", "carbon", "storage")]
    plan_total = data.costs.get("total", data.plan.objective_cny)
    cells = ["Whole plan", *(f"{v:,.0f}" for v in total), f"{plan_total:,.0f}"]
    rows.append('<tr class="total">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (
        "<h3>Costs over the planning window (CNY)</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _summary_numbers(data: ReportData) -> dict[str, str]:
    """West energy share, emissions and TB moved from the plan's summary, as text."""
    try:
        s = data.plan.summary()
    except (KeyError, ValueError, TypeError):  # a plan read from a folder with odd tables
        s = {}
    share = s.get("west_energy_share")
    return {
        "west_share": "n/a" if share is None else f"{100 * float(share):.0f}% of training energy",
        "emissions": "n/a" if s.get("emissions_t") is None else f"{float(s['emissions_t']):,.0f} tCO2",
        "moved": "n/a" if s.get("transfer_tb") is None else f"{float(s['transfer_tb']):,.0f} TB",
    }


def _table_html(table: pd.DataFrame, *, total_rows: tuple[str, ...] = ()) -> str:
    """A DataFrame as an HTML table, the index as the first column, integers with thousands separators."""
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in [table.index.name or "", *table.columns])
    rows = []
    for idx, row in table.iterrows():
        cells = []
        for col, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                text = ""
            elif col == "MW placed":
                text = fmt_num(float(v))
            elif isinstance(v, (int, np.integer)) or (isinstance(v, float) and float(v).is_integer()):
                text = f"{int(v):,}"
            else:
                text = str(v)
            cells.append(f"<td>{esc(text)}</td>")
        cls = ' class="total"' if idx in total_rows else ""
        rows.append(f"<tr{cls}><td>{esc(str(idx))}</td>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _links_html(data: ReportData) -> str:
    """The links that carry traffic, busiest first, per direction, as an HTML table."""
    flows = data.flows
    if not len(flows):
        return '<p class="note">No traffic over the backbone.</p>'
    busy = flows[flows["total_tb"].astype(float) > TB_FLOOR].sort_values("total_tb", ascending=False)
    if not len(busy):
        return '<p class="note">No traffic over the backbone.</p>'
    table = pd.DataFrame(
        {
            "From": [data.name(h) for h in busy["from_hub"]],
            "To": [data.name(h) for h in busy["to_hub"]],
            "Replication TB": busy["replication_tb"].astype(float).round(1),
            "Staging TB": busy["staging_tb"].astype(float).round(1),
            "Artifacts TB": busy["artifact_tb"].astype(float).round(1),
            "Total TB": busy["total_tb"].astype(float).round(1),
            "Use of capacity": [fmt_share(float(u)) for u in busy["utilisation"]],
        }
    )
    table = table.set_index("From")
    table.index.name = "From"
    body = _table_html(table).replace("<table>", '<table class="links">')
    return "<h3>Links carrying traffic (per direction, TB over the window)</h3>" + body


def _jobs_html(data: ReportData) -> str:
    """Every job and where it trains, in a collapsed HTML table; beyond JOB_TABLE_MAX jobs a pointer
    to placements.csv instead (a 50,000-row table would make the report 9 MB)."""
    esc = html.escape
    p = data.plan.placements
    if len(p) > JOB_TABLE_MAX:
        return (
            f'<p class="note">{len(p):,} jobs: where each one trains is in <code>placements.csv</code> '
            "beside this report (too many to list here).</p>"
        )
    order = {h: i for i, h in enumerate(data.hubs["hub_id"])}
    accel_names = accelerator_names(data.scenario)
    rows = []
    frame = p.assign(_o=[order.get(str(h), len(order)) for h in p["hub_id"]]).sort_values(["_o", "class_id", "job_id"])
    for r in frame.itertuples(index=False):
        where = data.name(str(r.hub_id)) if str(r.status) == "placed" else "unplaced"
        power = fmt_num(float(r.meter_mw)) if str(r.status) == "placed" else ""
        accel = f"{int(r.accel_count):,} x {accel_names.get(str(r.accel_id), str(r.accel_id))}"
        cells = [r.job_id, r.name, where, r.class_id, accel, power]
        rows.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Job", "Name", "Hub", "Data class", "Accelerators", "MW at the meter"))
    return (
        f"<details><summary>Every job and where it trains ({len(p):,} jobs)</summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )
