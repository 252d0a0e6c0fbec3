"""The report's figures: :func:`figures` draws all four; this module draws the three charts.

- ``costs``: energy, carbon and storage cost by hub, and every cost term of the plan;
- ``utilisation``: power, accelerators and storage used at each hub against what is available;
- ``placements``: jobs trained at each hub by data class.

The fourth, ``map``, is drawn by :mod:`eastwest_opt.report.map`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from eastwest_opt.plan.plan import COST_TERMS
from eastwest_opt.report.canvas import new_figure
from eastwest_opt.report.data import (
    ALL_JOBS,
    PLACED_TOTAL,
    UNPLACED_ROW,
    ReportData,
    accelerator_names,
    placement_counts,
)
from eastwest_opt.report.formats import fmt_money, fmt_num, fmt_percent, money_unit
from eastwest_opt.report.map import map_figure
from eastwest_opt.report.seasons import has_periods, power_heatmap_figure, timeline_figure
from eastwest_opt.report.style import REGION_LIGHT, REGION_NAMES, TERM_COLOURS, TERM_NAMES, TITLES

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from eastwest_opt.plan.plan import Plan
    from eastwest_opt.scenario import Scenario


def figures(plan: Plan, scenario: Scenario) -> dict[str, Figure]:
    """The report's figures of ``plan`` (solved for ``scenario``), keyed ``map``, ``costs``,
    ``utilisation`` and ``placements``, and for a plan of two or more periods also
    ``power_by_period`` and ``timeline`` (:mod:`~eastwest_opt.report.seasons`).

    The scenario gives the hubs' names, coordinates, regions and prices and the backbone links.
    Each value is a :class:`matplotlib.figure.Figure` with an Agg canvas: show it in a notebook,
    or ``fig.savefig("map.png")``.
    """
    data = ReportData.of(plan, scenario)
    out = {
        "map": map_figure(data),
        "costs": costs_figure(data),
        "utilisation": utilisation_figure(data),
        "placements": placements_figure(data),
    }
    if has_periods(data):
        out["power_by_period"] = power_heatmap_figure(data)
        out["timeline"] = timeline_figure(data)
    return out


# ---------------------------------------------------------------------------------
# costs
# ---------------------------------------------------------------------------------
def costs_figure(data: ReportData) -> Figure:
    """Energy, carbon and storage by hub (stacked bars), and every cost term of the whole plan."""
    hubs = data.hubs
    n = len(hubs)
    fig = new_figure(13.0, max(5.0, 2.0 + 0.42 * n))
    left, right = fig.subplots(1, 2, width_ratios=[1.3, 1.0])
    per_hub = {
        "energy": hubs["energy_cost_cny"].to_numpy(float),
        "carbon": hubs["carbon_cost_cny"].to_numpy(float),
        "storage": hubs["storage_cost_cny"].to_numpy(float),
    }
    hub_totals = per_hub["energy"] + per_hub["carbon"] + per_hub["storage"]
    terms = list(COST_TERMS)
    values = [data.costs.get(t, 0.0) for t in terms]
    total = data.costs.get("total", float(sum(values)))
    divisor, unit = money_unit(max(float(np.max(hub_totals, initial=0.0)), *values, total))
    _costs_by_hub(left, hubs, per_hub, hub_totals, divisor, unit)
    _costs_by_term(right, terms, values, total, divisor, unit)
    fig.suptitle(
        f"{TITLES['costs']}: {fmt_money(total, divisor, unit)} in total over the "
        f"{data.scenario.planning_window_hours:,.0f} h planning window",
        x=0.01,
        ha="left",
        fontsize=14,
        fontweight="bold",
    )
    note = (
        "Transfer over the backbone and unplaced-job penalties are system-wide terms: they are not split by hub "
        "and appear only in the right-hand panel."
    )
    if data.costs.get("carbon", 0.0) == 0 and not data.scenario.carbon_price_cny_per_t > 0:
        note += " Carbon costs nothing here: the scenario sets no carbon price."
    _footnote(fig, note)
    return fig


def _costs_by_hub(
    ax: Axes,
    hubs: pd.DataFrame,
    per_hub: dict[str, np.ndarray],
    hub_totals: np.ndarray,
    divisor: float,
    unit: str,
) -> None:
    """The left-hand panel: the terms that belong to a hub, stacked, with each hub's total."""
    n = len(hubs)
    y = np.arange(n)[::-1]
    base = np.zeros(n)
    drawn = []
    for term, vals in per_hub.items():
        if vals.sum() <= 0 and term != "energy":
            continue
        ax.barh(y, vals / divisor, left=base / divisor, color=TERM_COLOURS[term], label=TERM_NAMES[term], height=0.62)
        base += vals
        drawn.append(TERM_NAMES[term].lower())
    top = max(float(hub_totals.max(initial=0.0)) / divisor, 1e-9)
    for yi, v in zip(y, hub_totals, strict=True):
        label = fmt_money(v, divisor, unit) if v > 0 else "none"
        ax.text(v / divisor + top * 0.01, yi, label, va="center", fontsize=9)
    ax.set_yticks(y, _hub_ticks(hubs))
    ax.set_xlim(0, top * 1.22)
    ax.set_xlabel(f"Cost over the planning window ({unit})")
    ax.set_title(f"By hub: {' and '.join(drawn)}", loc="left", fontsize=11, fontweight="bold")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(drawn), fontsize=9, frameon=False)
    ax.grid(axis="x", color="#e5e5e5")
    ax.set_axisbelow(True)
    _east_west_rule(ax, hubs, y)


def _costs_by_term(ax: Axes, terms: list[str], values: list[float], total: float, divisor: float, unit: str) -> None:
    """The right-hand panel: the whole plan, every term and the total."""
    ry = np.arange(len(terms) + 1)[::-1]
    shown = [*values, total]
    ax.barh(ry, np.array(shown) / divisor, color=[TERM_COLOURS[t] for t in terms] + ["#333333"], height=0.62)
    top = max(max(shown) / divisor, 1e-9)
    for yi, v in zip(ry, shown, strict=True):
        text = "none" if v == 0 else fmt_money(v, divisor, unit)
        if total > 0 and v not in (0, total):
            text += f" ({fmt_percent(v / total)})"
        ax.text(v / divisor + top * 0.01, yi, text, va="center", fontsize=9)
    ax.set_yticks(ry, [TERM_NAMES[t] for t in terms] + ["Total"])
    ax.set_xlim(0, top * 1.4)
    ax.set_xlabel(f"Cost over the planning window ({unit})")
    ax.set_title("Whole plan, by cost term", loc="left", fontsize=11, fontweight="bold")
    ax.grid(axis="x", color="#e5e5e5")
    ax.set_axisbelow(True)


def _hub_ticks(hubs: pd.DataFrame) -> list[str]:
    """Tick labels: the planner's name and the hub's side, e.g. 'Gansu (West)'."""
    return [
        f"{r.label} ({REGION_NAMES[r.macro_region]})" if r.macro_region else r.label
        for r in hubs.itertuples(index=False)
    ]


def _east_west_rule(ax: Axes, hubs: pd.DataFrame, y: np.ndarray) -> None:
    """A thin line between the eastern and the western hubs of a bar chart."""
    regions = list(hubs["macro_region"])
    for i in range(1, len(regions)):
        if regions[i] != regions[i - 1]:
            ax.axhline((y[i] + y[i - 1]) / 2.0, color="#999999", lw=0.8, ls="--")


# ---------------------------------------------------------------------------------
# utilisation
# ---------------------------------------------------------------------------------
def utilisation_figure(data: ReportData) -> Figure:
    """Power, accelerators and storage used at each hub as a share of what it has."""
    hubs = data.hubs
    n = len(hubs)
    fig = new_figure(13.0, max(5.0, 2.0 + 0.42 * n))
    axes = fig.subplots(1, 3, sharey=True)
    panels = [
        ("Power: MW at the meter", "meter_mw", "grid_mw", "MW", "of the hub's grid allocation"),
        ("Accelerators in use", "accelerators_used", "accelerators", "", "of the inventory (all types)"),
        ("Storage: TB of replicas and staged", "storage_used_tb", "storage_tb", "TB", "copies of the space available"),
    ]
    fullest = _fullest_accelerators(data)
    y = np.arange(n)[::-1]
    colours = [REGION_LIGHT.get(r, "#cccccc") for r in hubs["macro_region"]]
    for ax, (title, used_col, cap_col, unit, what) in zip(axes, panels, strict=True):
        used = hubs[used_col].to_numpy(float)
        cap = hubs[cap_col].to_numpy(float)
        share = np.where(cap > 0, used / np.where(cap > 0, cap, 1.0), np.where(used > 0, np.inf, 0.0))
        shown = np.minimum(share, 1.3)
        ax.barh(y, np.ones(n), color="#efefef", height=0.66)  # what is available: the whole grey bar
        ax.barh(y, shown, color=colours, height=0.66)
        ax.axvline(1.0, color="#222222", lw=1.2)
        for yi, hub_id, u, c, s in zip(y, hubs["hub_id"], used, cap, share, strict=True):
            pct = "no capacity" if not math.isfinite(s) else f"{100 * s:.0f}%"
            text = f"{fmt_num(u)} / {fmt_num(c)}{' ' + unit if unit else ''}   {pct}"
            ax.text(0.02, yi, text, va="center", fontsize=8.5, color="#111111")
            if used_col == "accelerators_used" and hub_id in fullest:
                ax.text(0.98, yi, fullest[hub_id], va="center", ha="right", fontsize=7.5, color="#333333")
        ax.set_xlim(0, max(1.08, float(np.max(shown, initial=0.0)) + 0.05))
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.0f}%")
        ax.set_xlabel("share of what is available (black line: 100%)")
        ax.set_title(f"{title}\n{what}", loc="left", fontsize=10, fontweight="bold")
        _east_west_rule(ax, hubs, y)
    axes[0].set_yticks(y, _hub_ticks(hubs))
    fig.suptitle(f"{TITLES['utilisation']}: used / available", x=0.01, ha="left", fontsize=14, fontweight="bold")
    if fullest:
        _footnote(
            fig, "Small print in the accelerator panel: the type of accelerator closest to its inventory at that hub."
        )
    return fig


def _fullest_accelerators(data: ReportData) -> dict[str, str]:
    """Per hub, the accelerator type used closest to its inventory, e.g. 'Ascend 910C full'."""
    usage = data.plan.tables.get("accelerator_usage")
    if usage is None or not {"hub_id", "accel_id", "used", "count"} <= set(usage.columns) or not len(usage):
        return {}
    names = accelerator_names(data.scenario)
    out = {}
    frame = usage.assign(share=usage["used"].astype(float) / usage["count"].astype(float).where(usage["count"] > 0))
    for hub_id, group in frame[frame["used"].astype(float) > 0].groupby("hub_id"):
        row = group.sort_values("share", ascending=False).iloc[0]
        share = float(row["share"]) if math.isfinite(float(row["share"])) else math.inf
        name = names.get(str(row["accel_id"]), str(row["accel_id"]))
        out[str(hub_id)] = f"{name} full" if share >= 0.995 else f"{name} {100 * share:.0f}%"
    return out


# ---------------------------------------------------------------------------------
# placements
# ---------------------------------------------------------------------------------
def placements_figure(data: ReportData) -> Figure:
    """The placements table drawn as a shaded grid: hubs by data class, totals in grey, unplaced in red."""
    table = placement_counts(data)
    counts = table.drop(columns=["MW placed"])
    n_rows, n_cols = counts.shape
    fig = new_figure(max(9.0, 3.2 + 1.5 * n_cols), max(4.5, 1.8 + 0.45 * n_rows))
    ax = fig.add_subplot()
    rows = list(counts.index)
    _draw_cells(ax, counts)
    classes = data.scenario.data_classes
    names = dict(zip(classes["class_id"].astype(str), classes["name"].astype(str), strict=True))
    _label_grid(ax, table, counts)
    unplaced = int(counts.loc[UNPLACED_ROW, "All classes"]) if UNPLACED_ROW in rows else 0
    placed = int(counts.loc[PLACED_TOTAL, "All classes"])
    if unplaced:
        title = f"{TITLES['placements']}: {placed:,} jobs placed, {unplaced:,} left unplaced"
    else:
        title = f"{TITLES['placements']}: all {placed:,} jobs placed"
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    legend = [f"{c}: {names[c]}" for c in counts.columns if names.get(c, "").strip()]
    note = (
        "Each cell: number of jobs, by the data class of the job's dataset. "
        "Beside each hub: MW at the meter placed there."
    )
    if unplaced:
        note += " Unplaced jobs pay their unplaced-job penalty instead (see the costs)."
    _footnote(fig, note, *legend, fontsize=8.5)
    return fig


def _draw_cells(ax: Axes, counts: pd.DataFrame) -> None:
    """The grid's cells, shaded and numbered: hub cells green by count, totals grey, unplaced red."""
    inner = counts.to_numpy(float)
    rows = list(counts.index)
    is_total = np.zeros_like(inner, dtype=bool)
    for label in (PLACED_TOTAL, ALL_JOBS):
        if label in rows:
            is_total[rows.index(label), :] = True
    is_total[:, -1] = True
    is_unplaced = np.zeros_like(is_total)
    if UNPLACED_ROW in rows:
        is_unplaced[rows.index(UNPLACED_ROW), :-1] = True
    hub_cells = ~is_total & ~is_unplaced
    top = max(float(inner[hub_cells].max(initial=0.0)), 1.0)
    ax.imshow(np.where(hub_cells, inner, np.nan), cmap="Greens", vmin=0, vmax=top * 1.3, aspect="auto")
    ax.imshow(np.where(is_unplaced, 1.0, np.nan), cmap="Reds", vmin=0, vmax=12, aspect="auto")
    ax.imshow(np.where(is_total, 1.0, np.nan), cmap="Greys", vmin=0, vmax=8, aspect="auto")
    n_rows, n_cols = counts.shape
    for i in range(n_rows):
        for j in range(n_cols):
            v = int(inner[i, j])
            dark = bool(hub_cells[i, j]) and v > top * 0.75
            colour = "white" if dark else ("#b0b0b0" if v == 0 else "#111111")
            if is_unplaced[i, j] and v > 0:
                colour = "#9b1c1c"
            weight = "bold" if is_total[i, j] else "normal"
            ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=11, fontweight=weight, color=colour)


def _label_grid(ax: Axes, table: pd.DataFrame, counts: pd.DataFrame) -> None:
    """The grid's labels: data classes along the top, hubs with their MW down the side, white rules between cells."""
    n_rows, n_cols = counts.shape
    rows = list(counts.index)
    ax.set_xticks(range(n_cols), list(counts.columns), fontsize=10)
    mw = table["MW placed"]
    ylabels = [f"{h}  ({fmt_num(m)} MW)" if np.isfinite(m) else str(h) for h, m in mw.items()]
    ax.set_yticks(range(n_rows), ylabels, fontsize=10)
    for tick, label in zip(ax.get_yticklabels(), rows, strict=True):
        if label in (PLACED_TOTAL, ALL_JOBS):
            tick.set_fontweight("bold")
        elif label == UNPLACED_ROW:
            tick.set_color("#9b1c1c")
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    ax.set_xticks(np.arange(-0.5, n_cols), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows), minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    for side in ax.spines.values():
        side.set_visible(False)


def _footnote(fig: Figure, *paragraphs: str, fontsize: float = 9.0) -> None:
    """Grey small print under the figure, each paragraph wrapped to the page's width."""
    import textwrap

    width = int(fig.get_size_inches()[0] * 13.0 * 9.0 / fontsize)  # characters across the page
    lines = [line for text in paragraphs for line in textwrap.wrap(text, width)]
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=fontsize, color="#555555", linespacing=1.3)
