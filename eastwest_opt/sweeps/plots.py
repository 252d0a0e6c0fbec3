"""Plots of a sweep's summary, as PNG files a planner can read without the tables.

- ``cost_vs_<parameter>.png``: total cost and each non-zero cost term against each swept
  numeric parameter (one line per combination of the other parameters);
- ``west_share_vs_<parameter>.png``: the share of training energy in the western hubs and the
  emissions against each parameter;
- ``hub_utilisation.png``: power drawn at each hub against its grid allocation, per variant;
- ``hub_power.png`` and ``costs_by_variant.png``: MW per hub and the cost breakdown per variant
  (for sweeps of up to 40 variants);
- ``pareto_front.png``: total cost against emissions for a Pareto sweep, with the marginal
  abatement cost between the steps.

matplotlib is imported only here and in :mod:`eastwest_opt.sweeps.plot_lines`, inside the
functions, and drawn through its Agg canvas without pyplot, so making plots never changes the
backend of a notebook that imports eastwest_opt.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eastwest_opt.atomic import write_folder
from eastwest_opt.sweeps.core import COST_TERMS, Scenario
from eastwest_opt.sweeps.plot_lines import legend, line_series, lines, wrap, xscale
from eastwest_opt.sweeps.solve import SOLVED
from eastwest_opt.sweeps.spec import RESERVED, SweepSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TERM_NAMES = {
    "energy": "Energy",
    "carbon": "Carbon",
    "storage": "Storage",
    "transfer": "Transfer",
    "unplaced_penalty": "Unplaced-job penalties",
    "total": "Total cost",
}
MAX_BARS = 40  # variants in the per-variant bar charts
DPI = 110


def _figure(width: float, height: float) -> Figure:
    """A matplotlib figure drawn on an Agg canvas, without pyplot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    """Write the figure as PNG and return its path."""
    fig.savefig(path)
    return path


def _slug(name: str) -> str:
    """A parameter name made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def make_plots(
    summary: pd.DataFrame,
    hubs: pd.DataFrame,
    spec: SweepSpec,
    base: Scenario,
    folder: Path,
    *,
    front: pd.DataFrame | None = None,
) -> list[Path]:
    """Draw every plot of a sweep into ``folder`` (replaced as a whole) and return the files."""
    folder = Path(folder)
    made: list[Path] = []
    write_folder(folder, lambda tmp: made.extend(_draw_all(summary, hubs, spec, base, tmp, front)), overwrite=True)
    return [folder / p.name for p in made]


def _draw_all(
    summary: pd.DataFrame,
    hubs: pd.DataFrame,
    spec: SweepSpec,
    base: Scenario,
    folder: Path,
    front: pd.DataFrame | None,
) -> list[Path]:
    """Draw every plot that the summary supports into ``folder``; return the files made."""
    made: list[Path] = []
    if summary.empty:
        return made
    solved = summary[summary["status"].isin(SOLVED)]
    failed = len(summary) - len(solved)
    labels = dict(spec.parameter_labels)
    params = [] if spec.is_pareto else swept_parameters(summary)
    for p in params:
        others = [q for q in params if q != p]
        made.append(_cost_vs(solved, p, others, labels, failed, folder))
        made.append(_west_vs(solved, p, others, labels, failed, folder))
    if len(solved):
        made.append(_utilisation(solved, hubs, base, folder))
        if len(solved) <= MAX_BARS:
            made.append(_hub_power(solved, hubs, base, folder))
            made.append(_costs_by_variant(solved, folder))
    if front is not None and len(front):
        made.append(_pareto(front, folder, spec.name))
    return made


def swept_parameters(summary: pd.DataFrame) -> list[str]:
    """Parameter columns with numbers and at least two distinct values among solved variants."""
    start = list(summary.columns).index("kind") + 1
    end = list(summary.columns).index("status")
    out = []
    solved = summary[summary["status"].isin(SOLVED)]
    for col in summary.columns[start:end]:
        if col in RESERVED:
            continue
        values = pd.to_numeric(solved[col], errors="coerce")
        if values.notna().sum() >= 2 and values.dropna().nunique() >= 2:
            out.append(col)
    return out


def _note_failed(fig: Figure, failed: int) -> None:
    """Say at the bottom of the figure how many variants have no plan and are not shown."""
    if failed:
        fig.text(0.01, 0.005, f"{failed} variant(s) without a plan (infeasible or failed) not shown", size=8)


def _cost_vs(
    solved: pd.DataFrame, p: str, others: list[str], labels: dict[str, str], failed: int, folder: Path
) -> Path:
    """Total cost and each cost term that is not zero, against parameter ``p``."""
    series = line_series(solved, p, others, labels)
    groups = series.groups
    shown = pd.concat([part for _, part in groups])
    terms = ["total"] + [t for t in COST_TERMS if shown[f"cost_{t}_cny"].abs().max() > 0]
    ncols = 3 if len(terms) > 4 else 2
    nrows = math.ceil(len(terms) / ncols)
    fig = _figure(4.2 * ncols, 3.0 * nrows + 0.6)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, term in zip(axes.flat, terms, strict=False):
        lines(ax, series, f"cost_{term}_cny", 1e-6, min_span=0.1)
        ax.set_title(TERM_NAMES[term], fontsize=10, fontweight="bold" if term == "total" else "normal")
        ax.set_xlabel(wrap(labels.get(p, p), 50), fontsize=9)
        ax.set_ylabel("million CNY", fontsize=9)
        xscale(ax, groups)
    for ax in list(axes.flat)[len(terms) :]:
        ax.set_visible(False)
    note = legend(fig, [ax for ax in axes.flat if ax.get_visible()], series)
    title = f"Cost over the planning window, and each of its terms, against {labels.get(p, p)}{note}"
    fig.suptitle(wrap(title, 40 * ncols), fontsize=12)
    _note_failed(fig, failed)
    return _save(fig, folder / f"cost_vs_{_slug(p)}.png")


def _west_vs(
    solved: pd.DataFrame, p: str, others: list[str], labels: dict[str, str], failed: int, folder: Path
) -> Path:
    """The western share of training energy and the emissions, against parameter ``p``."""
    fig = _figure(9.0, 3.6)
    ax1, ax2 = fig.subplots(1, 2)
    series = line_series(solved, p, others, labels)
    groups = series.groups
    lines(ax1, series, "west_energy_share", 100.0)
    ax1.set_ylabel("share of all training energy, %", fontsize=9)
    ax1.set_title("Training energy in the western hubs", fontsize=10)
    ax1.set_ylim(0, 100)
    lines(ax2, series, "emissions_t", 1e-3, min_span=0.1)
    ax2.set_ylabel("thousand tCO2", fontsize=9)
    ax2.set_title("Emissions of training energy over the planning window", fontsize=10)
    for ax in (ax1, ax2):
        ax.set_xlabel(wrap(labels.get(p, p), 55), fontsize=9)
        xscale(ax, groups)
    note = legend(fig, [ax1, ax2], series)
    fig.suptitle(wrap(f"Where training runs, against {labels.get(p, p)}{note}", 85), fontsize=12)
    _note_failed(fig, failed)
    return _save(fig, folder / f"west_share_vs_{_slug(p)}.png")


def _hub_order(base: Scenario) -> tuple[list[str], dict[str, str]]:
    """Hub ids, eastern hubs first, and their names."""
    hubs = base.hubs
    order = list(hubs.loc[hubs["macro_region"] == "east", "hub_id"]) + list(
        hubs.loc[hubs["macro_region"] != "east", "hub_id"]
    )
    names = dict(zip(hubs["hub_id"], hubs["name"], strict=True))
    return order, names


def _variant_labels(solved: pd.DataFrame) -> list[str]:
    """Each variant's label for a bar or heat-map row (its id when the label is long)."""
    out = []
    for vid, label in zip(solved["variant_id"], solved["label"], strict=True):
        text = str(label) if label and len(str(label)) <= 48 else str(vid)
        out.append(text if len(text) <= 48 else text[:45] + "...")
    return out


def _utilisation(solved: pd.DataFrame, hubs: pd.DataFrame, base: Scenario, folder: Path) -> Path:
    """Heat map: the share of each hub's grid allocation drawn, one row per variant."""
    order, names = _hub_order(base)
    ids = list(solved["variant_id"])
    table = hubs[hubs["variant_id"].isin(ids)].pivot_table(
        index="variant_id", columns="hub_id", values="power_utilisation", aggfunc="first"
    )
    table = table.reindex(index=ids, columns=[h for h in order if h in table.columns]) * 100.0
    n = len(ids)
    height = min(14.0, 1.6 + 0.28 * n)
    fig = _figure(2.4 + 0.95 * len(table.columns), height)
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="YlOrRd", vmin=0, vmax=100)
    ax.set_xticks(range(len(table.columns)), [names.get(h, h) for h in table.columns], rotation=30, ha="right")
    labels = _variant_labels(solved)
    if n <= 60:
        ax.set_yticks(range(n), labels, fontsize=8 if n > 20 else 9)
    else:
        step = math.ceil(n / 40)
        ax.set_yticks(range(0, n, step), labels[::step], fontsize=7)
    if n <= 30:
        values = table.to_numpy(dtype=float)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = values[i, j]
                if np.isfinite(v):
                    ax.text(
                        j, i, f"{v:.0f}", ha="center", va="center", fontsize=7, color="white" if v > 60 else "black"
                    )
    east = sum(1 for h in table.columns if base.hubs.set_index("hub_id").at[h, "macro_region"] == "east")
    if 0 < east < len(table.columns):
        ax.axvline(east - 0.5, color="black", lw=1.2)
    fig.colorbar(image, ax=ax, label="% of grid allocation drawn (meter MW / grid MW)", shrink=0.8)
    busiest = " in each hub's busiest period" if len(base.periods) > 1 else ""
    ax.set_title(f"Hub power utilisation per variant{busiest} (eastern hubs | western hubs)", fontsize=11)
    return _save(fig, folder / "hub_utilisation.png")


def _hub_power(solved: pd.DataFrame, hubs: pd.DataFrame, base: Scenario, folder: Path) -> Path:
    """Stacked bars: the power drawn at each hub, one bar per variant; over periods, the training
    energy of each hub over the horizon (power differs by period, so peaks do not add up)."""
    order, names = _hub_order(base)
    ids = list(solved["variant_id"])
    timed = len(base.periods) > 1
    table = hubs[hubs["variant_id"].isin(ids)].pivot_table(
        index="variant_id", columns="hub_id", values="energy_mwh" if timed else "meter_mw", aggfunc="first"
    )
    table = table / 1000.0 if timed else table
    table = table.reindex(index=ids, columns=[h for h in order if h in table.columns]).fillna(0.0)
    n = len(ids)
    fig = _figure(10.0, min(14.0, 1.8 + 0.32 * n))
    ax = fig.subplots()
    left = np.zeros(n)
    east_colors = ["#c0392b", "#e67e22", "#f1c40f"]
    west_colors = ["#1abc9c", "#2980b9", "#27ae60", "#8e44ad", "#16a085", "#2c3e50", "#7f8c8d"]
    regions = dict(zip(base.hubs["hub_id"], base.hubs["macro_region"], strict=True))
    e = w = 0
    y = np.arange(n)
    for h in table.columns:
        if regions.get(h) == "east":
            color = east_colors[e % len(east_colors)]
            e += 1
        else:
            color = west_colors[w % len(west_colors)]
            w += 1
        values = table[h].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=color, label=names.get(h, h), height=0.75)
        left += values
    ax.set_yticks(y, _variant_labels(solved), fontsize=8 if n > 20 else 9)
    ax.invert_yaxis()
    what = "energy per hub over the horizon" if timed else "power drawn per hub"
    ax.set_xlabel("training energy at the meter, GWh" if timed else "power drawn at the meter, MW (IT load x PUE)")
    fig.suptitle(f"Where training runs: {what} (eastern hubs warm colours, western cool)", fontsize=10)
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    ax.grid(True, axis="x", alpha=0.3)
    return _save(fig, folder / "hub_power.png")


def _costs_by_variant(solved: pd.DataFrame, folder: Path) -> Path:
    """Stacked bars: the cost terms, one bar per variant."""
    n = len(solved)
    fig = _figure(10.0, min(14.0, 1.8 + 0.32 * n))
    ax = fig.subplots()
    y = np.arange(n)
    left = np.zeros(n)
    for i, term in enumerate(COST_TERMS):
        values = solved[f"cost_{term}_cny"].fillna(0.0).to_numpy(dtype=float) / 1e6
        if not np.any(values):
            continue
        ax.barh(y, values, left=left, color=f"C{i}", label=TERM_NAMES[term], height=0.75)
        left += values
    ax.set_yticks(y, _variant_labels(solved), fontsize=8 if n > 20 else 9)
    ax.invert_yaxis()
    ax.set_xlabel("cost over the planning window, million CNY")
    fig.suptitle("Cost breakdown per variant", fontsize=11)
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    ax.grid(True, axis="x", alpha=0.3)
    return _save(fig, folder / "costs_by_variant.png")


def _pareto(front: pd.DataFrame, folder: Path, name: str) -> Path:
    """The cost-carbon front, and the marginal abatement cost between its steps."""
    fig = _figure(10.0, 4.2)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    on = front[front["on_front"]]
    off = front[~front["on_front"]]
    ax1.plot(on["emissions_t"] / 1e3, on["cost_total_cny"] / 1e6, marker="o", color="C0", lw=1.8, label="front")
    if len(off):
        ax1.scatter(off["emissions_t"] / 1e3, off["cost_total_cny"] / 1e6, color="grey", s=14, label="dominated")
    first, last = front.iloc[0], front.iloc[-1]
    ax1.annotate(
        "least emissions",
        (first["emissions_t"] / 1e3, first["cost_total_cny"] / 1e6),
        xytext=(12, 0),
        textcoords="offset points",
        fontsize=9,
        color="C2",
        va="center",
    )
    ax1.annotate(
        "cost optimum",
        (last["emissions_t"] / 1e3, last["cost_total_cny"] / 1e6),
        xytext=(-8, 12),
        textcoords="offset points",
        fontsize=9,
        color="C3",
        ha="right",
    )
    ax1.scatter([first["emissions_t"] / 1e3], [first["cost_total_cny"] / 1e6], color="C2", s=50, zorder=3)
    ax1.scatter([last["emissions_t"] / 1e3], [last["cost_total_cny"] / 1e6], color="C3", s=50, zorder=3)
    ax1.set_xlabel("emissions of training energy, thousand tCO2 over the planning window")
    ax1.set_ylabel("total cost over the planning window, million CNY")
    ax1.set_title("Cost-carbon front (minimum cost under each carbon budget)", fontsize=10)
    ax1.grid(True, alpha=0.3)
    mac = front["marginal_abatement_cny_per_t"]
    mids = (front["emissions_t"] + front["emissions_t"].shift(-1)) / 2e3
    ok = mac.notna()
    ax2.bar(mids[ok], mac[ok], width=max(0.02, (front["emissions_t"].diff().abs().median() or 1) / 1.6e3), color="C1")
    ax2.set_xlabel("emissions, thousand tCO2 (between two steps)")
    ax2.set_ylabel("extra cost per tonne of CO2 avoided, CNY")
    ax2.set_title("Marginal abatement cost between steps", fontsize=10)
    ax2.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"{name}: what cutting emissions costs", fontsize=12)
    return _save(fig, folder / "pareto_front.png")
