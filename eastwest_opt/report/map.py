"""The report's hub map: the hubs at their coordinates over an outline of China, the traffic on
the backbone, a legend with the plan's key figures, and an overview inset.

Markers are sized by the training power placed and coloured by the electricity price, eastern
and western hubs in different shapes; the backbone links get one curved arrow per direction and
kind of traffic (data West: replication and staging, solid; artifacts East: trained models,
dashed), width by TB carried and colour by the link's utilisation. Hub labels are placed by
:mod:`eastwest_opt.report.labels`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from eastwest_opt.report.canvas import new_figure
from eastwest_opt.report.data import ReportData
from eastwest_opt.report.formats import fmt_num, fmt_percent, fmt_round, fmt_share, fmt_tb, legend_values, nice_ceil
from eastwest_opt.report.geo import aspect_for, china_outline, outline_bounds
from eastwest_opt.report.labels import place_labels
from eastwest_opt.report.style import (
    ARTIFACT_BULGE,
    DATA_BULGE,
    DPI,
    LINK_CMAP,
    MAX_MARKER,
    MIN_MARKER,
    OUTLINE_EDGE,
    OUTLINE_FACE,
    PRICE_CMAP,
    REGION_COLOURS,
    REGION_LEGEND,
    REGION_MARKERS,
    REGIONS,
    TB_FLOOR,
    TITLES,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure
    from matplotlib.gridspec import GridSpec
    from matplotlib.legend import Legend
    from matplotlib.transforms import Bbox

PX_PER_PT = DPI / 72.0  # display pixels per point


@dataclass
class _Arc:
    """One curved arrow: a direction of a link and a kind of traffic."""

    src: str
    dst: str
    tb: float
    utilisation: float
    kind: str  # "data" or "artifact"


@dataclass(frozen=True)
class _Scales:
    """How the map shows numbers: marker area by power placed, marker colour by price, arrow width
    by TB carried and arrow colour by the link's use of its capacity."""

    prices: np.ndarray  # CNY/kWh per hub, in display order
    price_norm: Normalize
    price_cmap: Colormap
    mw: np.ndarray  # MW at the meter per hub
    mw_ref: float  # MW of the largest marker
    sizes: np.ndarray  # marker areas (pt^2) per hub
    max_tb: float  # TB of the widest arrow
    util_top: float  # top of the link-use colour bar
    util_norm: Normalize
    link_cmap: Colormap

    def width(self, tb: float) -> float:
        """Line width (points) of an arrow carrying ``tb``."""
        return 1.4 + 7.0 * tb / self.max_tb


def _arcs(data: ReportData) -> list[_Arc]:
    """One arrow per direction of a link and kind of traffic that carries more than :data:`TB_FLOOR`."""
    arcs: list[_Arc] = []
    for row in data.flows.itertuples(index=False):
        util = float(row.utilisation) if math.isfinite(float(row.utilisation)) else 1.0
        moved = float(row.replication_tb) + float(row.staging_tb)
        if moved > TB_FLOOR:
            arcs.append(_Arc(str(row.from_hub), str(row.to_hub), moved, util, "data"))
        if float(row.artifact_tb) > TB_FLOOR:
            arcs.append(_Arc(str(row.from_hub), str(row.to_hub), float(row.artifact_tb), util, "artifact"))
    return arcs


def map_figure(data: ReportData) -> Figure:
    """The hub map: outline, links, traffic arrows, hub markers and labels, legend and key figures.

    The steps run in this order because each needs the one before: the legend column fixes the
    map's box, the box fixes the map's extent, and the extent fixes where arrows and labels fall
    in display space, where labels are placed around them.
    """
    hubs = data.hubs
    fig = new_figure(13.0, 9.0)
    grid = fig.add_gridspec(1, 2, width_ratios=[4.2, 1.0], height_ratios=[1.0])
    ax = _map_axes(fig, grid, data.scenario.name)
    lon = hubs["lon_deg"].astype(float).to_numpy()
    lat = hubs["lat_deg"].astype(float).to_numpy()
    where = {h: (x, y) for h, x, y in zip(hubs["hub_id"], lon, lat, strict=True)}
    arcs = _arcs(data)
    scales = _scales(hubs, arcs)
    side, legend = _legend_column(fig, grid, hubs, arcs, scales)
    # extent: the hubs with room for their labels, widened to the box; then the outline
    span_x = max(float(lon.max() - lon.min()), 4.0)
    span_y = max(float(lat.max() - lat.min()), 4.0)
    pad_x, pad_y = 0.2 * span_x + 1.5, 0.12 * span_y + 1.5
    fig.canvas.draw()  # lay the page out: the map's box is known from here on
    fig.set_layout_engine("none")  # and stays where it is: labels are placed in display space
    _side_panel(fig, side, legend, data, arcs, scales)
    _fit_limits(ax, lon.min() - pad_x, lon.max() + pad_x, lat.min() - pad_y, lat.max() + pad_y)
    _draw_outline(ax)
    _draw_idle_links(ax, data.links, where, arcs)
    _draw_hubs(ax, hubs, lon, lat, scales)
    arc_points = _draw_arcs(ax, arcs, where, hubs, scales)
    inset_box = _overview_inset(ax, data, where)
    place_labels(fig, ax, _label_texts(hubs, scales.sizes), where, arc_points, inset_box, PX_PER_PT)
    return fig


def _map_axes(fig: Figure, grid: GridSpec, scenario_name: str) -> Axes:
    """The map's axes in the left-hand column: no ticks, a grey frame, the title and the outline's source."""
    ax = fig.add_subplot(grid[0, 0])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("white")
    for side in ax.spines.values():
        side.set_color("#bbbbbb")
    ax.set_title(f"{TITLES['map']}: scenario {scenario_name}", fontsize=14, loc="left", fontweight="bold")
    ax.set_xlabel(
        "Outline of China: Natural Earth 1:110m (public domain), a schematic outline for orientation only. "
        "Backbone links without traffic are dotted grey.",
        fontsize=8,
        color="#666666",
        loc="left",
    )
    return ax


def _scales(hubs: pd.DataFrame, arcs: list[_Arc]) -> _Scales:
    """The map's scales for these hubs and arrows."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize

    prices = hubs["price_cny_per_kwh"].astype(float).to_numpy()
    lo, hi = float(prices.min()), float(prices.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    # the palest yellows would vanish against the outline's fill: start a fifth of the way in
    price_cmap = ListedColormap(colormaps[PRICE_CMAP](np.linspace(0.22, 1.0, 256)))
    mw = hubs["meter_mw"].astype(float).to_numpy()
    mw_ref = max(float(mw.max()), 1e-9)
    util_top = nice_ceil(max(max((a.utilisation for a in arcs), default=0.0), 0.01))
    return _Scales(
        prices=prices,
        price_norm=Normalize(vmin=lo, vmax=hi),
        price_cmap=price_cmap,
        mw=mw,
        mw_ref=mw_ref,
        sizes=MIN_MARKER + (MAX_MARKER - MIN_MARKER) * mw / mw_ref,
        max_tb=max((a.tb for a in arcs), default=1.0),
        util_top=util_top,
        util_norm=Normalize(vmin=0.0, vmax=util_top),
        link_cmap=ListedColormap(colormaps[LINK_CMAP](np.linspace(0.5, 1.0, 256))),
    )


def _legend_column(
    fig: Figure, grid: GridSpec, hubs: pd.DataFrame, arcs: list[_Arc], scales: _Scales
) -> tuple[Axes, Legend]:
    """The legend in the right-hand column, drawn first: it fixes the map's box. Returns the
    column's axes and the legend."""
    side = fig.add_subplot(grid[0, 1])
    side.axis("off")
    handles, names = _legend_entries(hubs, arcs, scales)
    legend = side.legend(
        handles,
        names,
        loc="upper left",
        frameon=False,
        fontsize=9,
        labelspacing=1.3,
        borderaxespad=0.0,
        handlelength=3.0,
        title="Arrows point the way traffic flows",
        title_fontproperties={"size": 9.5, "weight": "bold"},
        alignment="left",
    )
    return side, legend


def _legend_entries(hubs: pd.DataFrame, arcs: list[_Arc], scales: _Scales) -> tuple[list[Any], list[str]]:
    """The legend's handles and texts: hub shapes by region, marker sizes, kinds of traffic and arrow widths."""
    from matplotlib.lines import Line2D

    swatch = scales.price_cmap(0.3)
    present = [r for r in REGIONS if (hubs["macro_region"] == r).any()]
    handles: list[Any] = [
        Line2D([], [], ls="", marker=REGION_MARKERS[r], ms=11, mfc=swatch, mec=REGION_COLOURS[r], mew=2.2)
        for r in present
    ]
    names = [REGION_LEGEND[r] for r in present]
    for value in legend_values(float(scales.mw.max())):
        area = MIN_MARKER + (MAX_MARKER - MIN_MARKER) * value / scales.mw_ref
        handles.append(Line2D([], [], ls="", marker="o", ms=math.sqrt(area), mfc="#dddddd", mec="#777777"))
        names.append(f"{fmt_round(value)} MW of training placed")
    mid = scales.link_cmap(0.5)
    handles += [
        Line2D([], [], color=mid, lw=3.0),
        Line2D([], [], color=mid, lw=1.6, ls=(0, (3, 1.6))),
        Line2D([], [], color="#b8b8b8", lw=1.0, ls=(0, (1, 1.5))),
    ]
    names += [
        "Data: replicas and staged copies",
        "Trained models to serving hubs",
        "Backbone link, no traffic",
    ]
    for value in legend_values(scales.max_tb if arcs else 0.0):
        handles.append(Line2D([], [], color=mid, lw=scales.width(value)))
        names.append(f"{fmt_round(value)} TB over the window")
    return handles, names


def _side_panel(
    fig: Figure,
    side: Axes,
    legend: Legend,
    data: ReportData,
    arcs: list[_Arc],
    scales: _Scales,
) -> None:
    """Under the legend, in the right-hand column: the price and link-use colour bars, then the
    plan's key figures. Placed from the legend's drawn height, once the page is laid out."""
    from matplotlib.cm import ScalarMappable

    renderer = fig.canvas.get_renderer()
    to_axes = side.transAxes.inverted().transform
    box = side.get_window_extent(renderer)
    px = 1.0 / max(box.height, 1.0)  # one pixel as a fraction of the column's height
    top = float(to_axes((0.0, legend.get_window_extent(renderer).y0))[1]) - 34 * px
    bar_h = 0.08 * box.width * px
    for (norm, cmap), label, percent in (
        ((scales.price_norm, scales.price_cmap), "Electricity price at the hub\n(CNY/kWh)", False),
        ((scales.util_norm, scales.link_cmap), "Link use in that direction\n(% of capacity over the window)", True),
    ):
        cax = side.inset_axes((0.08, top - bar_h, 0.76, bar_h))
        bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal")
        bar.set_label(label, fontsize=9)
        bar.ax.tick_params(labelsize=8)
        if percent:
            bar.ax.xaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.3g}%")
        top -= bar_h + 96 * px
    side.text(0.0, top, "This plan", transform=side.transAxes, va="top", fontsize=9.5, fontweight="bold")
    side.text(
        0.0,
        top - 20 * px,
        _key_figures(data, arcs),
        transform=side.transAxes,
        va="top",
        ha="left",
        fontsize=9,
        linespacing=1.45,
    )


def _key_figures(data: ReportData, arcs: list[_Arc]) -> str:
    """The map's numbers in words, for the corner under the colour bars: where the power went,
    how much data and how many trained models moved, and the busiest link."""
    import textwrap

    hubs = data.hubs
    total_mw = float(hubs["meter_mw"].sum())
    energy = float(hubs["energy_mwh"].sum())
    west_energy = float(hubs.loc[hubs["macro_region"] == "west", "energy_mwh"].sum())
    data_tb = sum(a.tb for a in arcs if a.kind == "data")
    model_tb = sum(a.tb for a in arcs if a.kind == "artifact")
    lines = []
    if total_mw > 0:
        lines.append(f"Training: {fmt_num(total_mw)} MW at the meter")
        if energy > 0 and (hubs["macro_region"] == "west").any():
            lines.append(f"Training energy in the West: {fmt_percent(west_energy / energy)}")
    else:
        lines.append("No training placed")
    lines.append(f"Data carried on links: {fmt_tb(data_tb)}")
    lines.append(f"Trained models carried: {fmt_tb(model_tb)}")
    busy = data.flows[data.flows["total_tb"].astype(float) > TB_FLOOR] if len(data.flows) else data.flows
    if len(busy):
        top = busy.loc[busy["utilisation"].astype(float).idxmax()]
        lines.append(
            f"Busiest link: {data.name(str(top['from_hub']))} \u2192 {data.name(str(top['to_hub']))}, "
            f"{fmt_share(float(top['utilisation']))} of capacity"
        )
    return "\n".join(textwrap.fill(line, 40, subsequent_indent="  ") for line in lines)


def _fit_limits(ax: Axes, x0: float, x1: float, y0: float, y1: float) -> None:
    """Widen ``[x0, x1] x [y0, y1]`` to the axes box's shape so a degree of longitude keeps its
    true length against a degree of latitude at the map's middle; set those limits."""
    box = ax.get_window_extent()
    aspect = aspect_for(y0, y1)  # y units per x unit on the page
    want = (box.height / max(box.width, 1.0)) / aspect  # degrees of lat per degree of lon that fill the box
    dx, dy = x1 - x0, y1 - y0
    if dy / dx < want:
        grow = (dx * want - dy) / 2.0
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = (dy / want - dx) / 2.0
        x0, x1 = x0 - grow, x1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _draw_outline(ax: Axes) -> None:
    """The outline of China under everything else."""
    from matplotlib.patches import Polygon

    for _name, ring in china_outline():
        ax.add_patch(Polygon(ring, closed=True, facecolor=OUTLINE_FACE, edgecolor=OUTLINE_EDGE, lw=0.9, zorder=0))


def _draw_idle_links(ax: Axes, links: pd.DataFrame, where: dict[str, tuple[float, float]], arcs: list[_Arc]) -> None:
    """Backbone links that carry nothing, thin and dotted."""
    busy = {frozenset((a.src, a.dst)) for a in arcs}
    for link in links.itertuples(index=False):
        a, b = where.get(str(link.hub_a)), where.get(str(link.hub_b))
        if a is not None and b is not None and frozenset((str(link.hub_a), str(link.hub_b))) not in busy:
            ax.plot([a[0], b[0]], [a[1], b[1]], color="#b8b8b8", lw=1.0, ls=(0, (1, 1.5)), zorder=1)


def _draw_hubs(ax: Axes, hubs: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, scales: _Scales) -> None:
    """Hub markers: area by power placed, colour by price, shape and edge by region."""
    for region in REGIONS:
        mask = (hubs["macro_region"] == region).to_numpy()
        if mask.any():
            ax.scatter(
                lon[mask],
                lat[mask],
                s=scales.sizes[mask],
                c=scales.prices[mask],
                cmap=scales.price_cmap,
                norm=scales.price_norm,
                marker=REGION_MARKERS[region],
                edgecolors=REGION_COLOURS[region],
                linewidths=2.2,
                zorder=5,
            )


def _draw_arcs(
    ax: Axes, arcs: list[_Arc], where: dict[str, tuple[float, float]], hubs: pd.DataFrame, scales: _Scales
) -> list[np.ndarray]:
    """Traffic: one curved arrow per direction and kind, the heaviest first; each direction bulges
    to its own side. Returns points along every arrow drawn (display space), for the labels to avoid."""
    from matplotlib.patches import FancyArrowPatch

    to_px = ax.transData.transform
    radius_pt = {h: math.sqrt(s) / 2.0 for h, s in zip(hubs["hub_id"], scales.sizes, strict=True)}
    arc_points: list[np.ndarray] = []
    centres = {h: to_px(xy) for h, xy in where.items()}
    for arc in sorted(arcs, key=lambda a: -a.tb):
        if arc.src not in where or arc.dst not in where or np.allclose(centres[arc.src], centres[arc.dst]):
            continue  # a hub missing from the map, or two hubs drawn on the same spot
        lw = scales.width(arc.tb)
        bulge = (DATA_BULGE if arc.kind == "data" else ARTIFACT_BULGE) + lw / 2.0  # points at the middle
        others = {h: (c, radius_pt[h] * PX_PER_PT + lw * PX_PER_PT / 2 + 4) for h, c in centres.items()}
        others.pop(arc.src)
        others.pop(arc.dst)
        rad = _arc_rad(centres[arc.src], centres[arc.dst], bulge * PX_PER_PT, others)
        colour = scales.link_cmap(scales.util_norm(min(arc.utilisation, scales.util_top)))
        ax.add_patch(
            FancyArrowPatch(
                where[arc.src],
                where[arc.dst],
                connectionstyle=f"arc3,rad={rad:.4f}",
                shrinkA=radius_pt[arc.src] + 2,
                shrinkB=radius_pt[arc.dst] + 3,
                zorder=3 if arc.kind == "data" else 4,
                **_arrow_style(arc.kind, lw, colour),
            )
        )
        arc_points.append(_bezier(centres[arc.src], centres[arc.dst], rad))
    return arc_points


def _arrow_style(kind: str, lw: float, colour: Any) -> dict[str, Any]:
    """The arrow's style: data as a filled arrow (a crisp head whatever the width), artifacts thin and dashed."""
    if kind == "data":
        head = f"simple,tail_width={lw:.2f},head_width={2.0 * lw + 5:.2f},head_length={1.2 * lw + 7:.2f}"
        return {"arrowstyle": head, "mutation_scale": 1.0, "lw": 0, "color": colour}
    return {"arrowstyle": "-|>", "mutation_scale": 10.0, "lw": lw, "ls": (0, (3, 1.6)), "color": colour}


def _bezier(p1: np.ndarray, p2: np.ndarray, rad: float, n: int = 24) -> np.ndarray:
    """Points along matplotlib's ``arc3`` connection from p1 to p2 (display coordinates)."""
    mid = (p1 + p2) / 2.0
    d = p2 - p1
    control = mid + rad * np.array([d[1], -d[0]])
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p1 + 2 * (1 - t) * t * control + t**2 * p2


def _arc_rad(p1: np.ndarray, p2: np.ndarray, bulge_px: float, others: dict[str, tuple[np.ndarray, float]]) -> float:
    """Curvature of an ``arc3`` arrow from p1 to p2 bulging ``bulge_px`` at its middle, to the
    left of its direction so the two directions of a link stay apart; bulging further (or, failing
    that, to the other side) when the arc would run through a third hub's marker."""
    length = max(float(np.hypot(*(p2 - p1))), 1.0)
    base = min(2.0 * bulge_px / length, 0.3)

    def hits(rad: float) -> int:
        points = _bezier(p1, p2, rad, n=48)[4:-4]
        return sum(
            1 for centre, clearance in others.values() if float(np.min(np.hypot(*(points - centre).T))) < clearance
        )

    candidates = [base * k for k in (1.0, 1.6, 2.4, 3.4)] + [-base * k for k in (1.0, 1.6, 2.4, 3.4)]
    return min(candidates, key=lambda rad: (hits(rad), candidates.index(rad)))


def _label_texts(hubs: pd.DataFrame, sizes: np.ndarray) -> list[tuple[str, str, str, float]]:
    """Per hub: its id, the planner's name, the power placed in words and the marker's radius (points)."""
    labels = []
    for row, size in zip(hubs.itertuples(index=False), sizes, strict=True):
        if row.meter_mw > 0:
            power = f"{fmt_num(row.meter_mw)} of {fmt_num(row.grid_mw)} MW used"
        else:
            power = f"no training ({fmt_num(row.grid_mw)} MW free)"
        labels.append((row.hub_id, row.label, power, math.sqrt(size) / 2.0))
    return labels


def _overview_inset(
    ax: Axes,
    data: ReportData,
    where: dict[str, tuple[float, float]],
) -> Bbox | None:
    """A small map of the whole outline with the main map's extent framed, in the corner of the
    main map with the fewest hubs; returns its box in display space (for the labels to avoid)."""
    from matplotlib.patches import Polygon, Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    bx0, bx1, by0, by1 = outline_bounds()
    if x0 <= bx0 and x1 >= bx1 and y0 <= by0 and y1 >= by1:
        return None  # the main map shows the whole outline already
    bx0, bx1, by0, by1 = bx0 - 1.0, bx1 + 1.0, by0 - 1.0, by1 + 1.0
    box = ax.get_window_extent()
    w = 0.22
    h = w * box.width / box.height * (by1 - by0) / (bx1 - bx0) * aspect_for(by0, by1)
    corners = {
        "upper left": (0.01, 0.99 - h),
        "upper right": (0.99 - w, 0.99 - h),
        "lower left": (0.01, 0.01),
        "lower right": (0.99 - w, 0.01),
    }
    frac = ax.transAxes.inverted().transform(ax.transData.transform(np.array(list(where.values()))))

    def crowding(corner: tuple[float, float]) -> int:
        cx, cy = corner
        m = 0.08  # room for a label
        inside = (frac[:, 0] > cx - m) & (frac[:, 0] < cx + w + m) & (frac[:, 1] > cy - m) & (frac[:, 1] < cy + h + m)
        return int(inside.sum())

    cx, cy = corners[min(corners, key=lambda k: crowding(corners[k]))]
    inset = ax.inset_axes((cx, cy, w, h))
    for _name, ring in china_outline():
        inset.add_patch(Polygon(ring, closed=True, facecolor=OUTLINE_FACE, edgecolor=OUTLINE_EDGE, lw=0.6))
    inset.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#444444", lw=1.0))
    inset.scatter(data.hubs["lon_deg"].astype(float), data.hubs["lat_deg"].astype(float), s=5, c="#333333", zorder=3)
    inset.set_xlim(bx0, bx1)
    inset.set_ylim(by0, by1)
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for side in inset.spines.values():
        side.set_color("#999999")
    return inset.get_window_extent().padded(4 * PX_PER_PT)
