"""A plan report for planners: a hub map, the costs, the hubs' utilisation and the placements.

:func:`figures` draws four matplotlib figures of a plan:

- ``map``: the hubs at their coordinates over an outline of China, markers sized by the
  training power placed and coloured by the electricity price, eastern and western hubs in
  different shapes; the backbone links with one curved arrow per direction and kind of traffic
  (data West: replication and staging, solid; artifacts East: trained models, dashed), width by
  TB carried and colour by the link's utilisation;
- ``costs``: energy, carbon and storage cost by hub, and every cost term of the plan;
- ``utilisation``: power, accelerators and storage used at each hub against what is available;
- ``placements``: jobs trained at each hub by data class.

:func:`write_report` writes them as PNG files and as one self-contained HTML page (figures
embedded as base64 data, no external references), each file atomically.

matplotlib is imported only inside these functions and drawn through its Agg canvas without
pyplot, so a report never changes the backend of a notebook that imports eastwest_opt.
"""

from __future__ import annotations

import base64
import html
import math
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eastwest_opt.errors import Problem, ScenarioError
from eastwest_opt.geo import OUTLINE_SOURCE, aspect_for, china_outline, outline_bounds
from eastwest_opt.plan.plan import COST_TERMS, Plan, read_plan

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    from eastwest_opt.scenario import Scenario

FIGURES = ("map", "costs", "utilisation", "placements")
DPI = 110
REPORT_FILE = "report.html"
TITLES = {
    "map": "Where the plan trains and how data moves",
    "costs": "What the plan costs",
    "utilisation": "How full each hub is",
    "placements": "Jobs placed per hub and data class",
}
TERM_NAMES = {
    "energy": "Energy",
    "carbon": "Carbon",
    "storage": "Storage",
    "transfer": "Transfer over the backbone",
    "unplaced_penalty": "Unplaced-job penalties",
}
TERM_COLOURS = {
    "energy": "#d9822b",
    "carbon": "#6b6b6b",
    "storage": "#3f7fbf",
    "transfer": "#8e5ea2",
    "unplaced_penalty": "#c23b3b",
}
REGIONS = ("east", "west", "")  # "" = the scenario does not say
REGION_NAMES = {"east": "East", "west": "West", "": ""}
REGION_COLOURS = {"east": "#b5523b", "west": "#3b7f5c", "": "#555555"}
REGION_LIGHT = {"east": "#e8a99a", "west": "#9fcdb2", "": "#c8c8c8"}  # bars with dark text on them
REGION_MARKERS = {"east": "s", "west": "o", "": "D"}
REGION_LEGEND = {
    "east": "Eastern hub: data born, models served",
    "west": "Western hub: compute",
    "": "Hub (side not given)",
}
OUTLINE_FACE = "#f4f1e8"
OUTLINE_EDGE = "#a39e93"
PRICE_CMAP = "YlOrRd"
LINK_CMAP = "Blues"
DATA_BULGE = 7.0  # points between a link's straight line and the middle of a data arc
ARTIFACT_BULGE = 15.0  # artifacts bulge further out, so both kinds in one direction stay apart
MIN_MARKER = 90.0  # marker area (pt^2) of a hub with no training placed
MAX_MARKER = 900.0  # marker area of the hub with the most power placed
TB_FLOOR = 1e-6

# plan columns the figures read; a plan folder without them is refused as invalid input
PLAN_COLUMNS = {
    "placements": ("job_id", "name", "class_id", "status", "hub_id", "accel_id", "accel_count", "meter_mw"),
    "hub_usage": (
        "hub_id",
        "jobs",
        "meter_mw",
        "energy_mwh",
        "grid_mw",
        "accelerators_used",
        "accelerators",
        "storage_used_tb",
        "storage_tb",
        "energy_cost_cny",
        "carbon_cost_cny",
        "storage_cost_cny",
    ),
    "link_flows": ("from_hub", "to_hub", "replication_tb", "staging_tb", "artifact_tb", "total_tb", "utilisation"),
    "costs": ("term", "cost_cny"),
}


# ---------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------
def figures(plan: Plan, scenario: Scenario) -> dict[str, Figure]:
    """The report's figures of ``plan`` (solved for ``scenario``), keyed ``map``, ``costs``,
    ``utilisation`` and ``placements``.

    The scenario gives the hubs' names, coordinates, regions and prices and the backbone links.
    Each value is a :class:`matplotlib.figure.Figure` with an Agg canvas: show it in a notebook,
    or ``fig.savefig("map.png")``.
    """
    data = _ReportData.of(plan, scenario)
    return {
        "map": _map_figure(data),
        "costs": _costs_figure(data),
        "utilisation": _utilisation_figure(data),
        "placements": _placements_figure(data),
    }


def write_report(
    plan: Plan,
    scenario: Scenario,
    out_html: str | Path,
    png_dir: str | Path | None = None,
    *,
    figs: dict[str, Figure] | None = None,
) -> Path:
    """Write the report as one self-contained HTML file and each figure as ``<name>.png``.

    The PNG files go into ``png_dir`` (default: the HTML file's folder). Every file is written
    to a temporary file beside its target and moved into place, so an interrupted run leaves
    the old file or the new one, never half of one. Returns the HTML file's path.
    """
    out = Path(out_html)
    folder = Path(png_dir) if png_dir is not None else out.parent
    data = _ReportData.of(plan, scenario)
    drawn = figs if figs is not None else figures(plan, scenario)
    pngs = {name: _png_bytes(fig) for name, fig in drawn.items()}
    files = {folder / f"{name}.png": blob for name, blob in pngs.items()}
    files[out] = _html(data, pngs).encode("utf-8")
    target = out
    try:
        folder.mkdir(parents=True, exist_ok=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        for target, blob in files.items():
            _atomic_write(target, blob)
    except OSError as exc:
        raise ScenarioError([Problem(str(target), f"cannot write the report: {exc.strerror or exc}")]) from exc
    return out


def report_folder(
    plan_dir: str | Path,
    *,
    scenario: str | Path | None = None,
    out_html: str | Path | None = None,
) -> Path:
    """Write the report of a plan folder written by ``solve --out``; return the HTML file.

    The scenario is, in order: ``scenario`` if given, the folder recorded as ``scenario_path``
    in the plan's ``summary.json`` if it still exists, or the shipped scenario. The HTML goes to
    ``out_html`` (default ``PLAN_DIR/report.html``) and the PNG files beside it.

    The plan is checked against the scenario by the independent verifier first: a report drawn
    with the wrong scenario (or one edited since the solve) would show the wrong prices, hubs or
    costs, so a plan with any violation is refused (:class:`ScenarioError`, exit code 2), as is
    a missing or broken plan folder.
    """
    from eastwest_opt.plan.verify import verify_plan
    from eastwest_opt.scenario import load_scenario

    plan = read_plan(plan_dir)
    path: str | Path | None = scenario
    if path is None and plan.scenario_path and Path(plan.scenario_path).is_dir():
        path = plan.scenario_path
    sc = load_scenario(path)
    out = Path(out_html) if out_html is not None else Path(plan_dir) / REPORT_FILE
    _check_plan(plan, sc)
    try:
        verdict = verify_plan(sc, plan)
    except (KeyError, ValueError, TypeError) as exc:  # tables the verifier cannot read
        raise ScenarioError(
            [Problem(str(plan_dir), f"plan tables cannot be checked: {type(exc).__name__}: {exc}")]
        ) from exc
    if not verdict.ok:
        n = len(verdict.violations)
        raise ScenarioError(
            [
                Problem(
                    str(plan_dir),
                    f"the plan does not verify against scenario {sc.name!r} ({n:,} violation{'s' if n > 1 else ''}, "
                    f"first: {verdict.violations[0]}); draw it with the scenario it was solved for (--scenario), "
                    "or see every violation with 'eastwest-opt verify'",
                )
            ]
        )
    plan = replace(plan, verification=verdict)
    try:
        drawn = figures(plan, sc)
    except (KeyError, ValueError, TypeError) as exc:  # a table with the right columns but odd values
        raise ScenarioError(
            [Problem(str(plan_dir), f"plan tables cannot be drawn: {type(exc).__name__}: {exc}")]
        ) from exc
    return write_report(plan, sc, out, figs=drawn)


# ---------------------------------------------------------------------------------
# the plan and scenario, joined and checked
# ---------------------------------------------------------------------------------
@dataclass
class _ReportData:
    """What the figures need, per hub in display order (east first, then west)."""

    plan: Plan
    scenario: Scenario
    hubs: pd.DataFrame  # one row per scenario hub, joined with the plan's hub usage
    links: pd.DataFrame  # the scenario's undirected links
    flows: pd.DataFrame  # the plan's directed link flows
    placed: pd.DataFrame  # placed jobs
    unplaced: pd.DataFrame  # unplaced jobs
    costs: dict[str, float]

    @classmethod
    def of(cls, plan: Plan, scenario: Scenario) -> _ReportData:
        """Join a plan with its scenario; refuse a plan that does not belong to the scenario."""
        _check_plan(plan, scenario)
        hubs = scenario.hubs[["hub_id", "name", "macro_region", "lat_deg", "lon_deg", "price_cny_per_kwh"]].copy()
        hubs["hub_id"] = hubs["hub_id"].astype(str)
        hubs["macro_region"] = [r if r in REGIONS else "" for r in hubs["macro_region"].fillna("").astype(str)]
        hubs["order"] = [(REGIONS.index(r), i) for i, r in enumerate(hubs["macro_region"])]
        hubs = hubs.sort_values("order").drop(columns="order").reset_index(drop=True)
        usage = plan.hub_usage.copy()
        usage["hub_id"] = usage["hub_id"].astype(str)
        cols = [c for c in PLAN_COLUMNS["hub_usage"] if c != "hub_id"]
        hubs = hubs.merge(usage[["hub_id", *cols]], on="hub_id", how="left")
        for col in cols:
            hubs[col] = pd.to_numeric(hubs[col], errors="coerce").fillna(0.0)
        hubs["label"] = [_hub_name(r.hub_id, r.name) for r in hubs.itertuples(index=False)]
        p = plan.placements
        status = p["status"].astype(str)
        placed = p[status == "placed"].copy()
        placed["hub_id"] = placed["hub_id"].astype(str)
        flows = plan.link_flows.copy()
        if len(flows):
            flows["from_hub"] = flows["from_hub"].astype(str)
            flows["to_hub"] = flows["to_hub"].astype(str)
        costs = {str(t): float(c) for t, c in zip(plan.costs["term"], plan.costs["cost_cny"], strict=True)}
        return cls(
            plan=plan,
            scenario=scenario,
            hubs=hubs,
            links=scenario.links,
            flows=flows,
            placed=placed,
            unplaced=p[status != "placed"].copy(),
            costs=costs,
        )

    def name(self, hub_id: str) -> str:
        """The planner's name of a hub."""
        match = self.hubs.loc[self.hubs["hub_id"] == hub_id, "label"]
        return str(match.iloc[0]) if len(match) else hub_id


def _hub_name(hub_id: str, name: Any) -> str:
    """The name planners use for a hub; its id when the scenario gives none."""
    text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name).strip()
    return text or str(hub_id)


TEXT_COLUMNS = {"job_id", "name", "class_id", "status", "hub_id", "accel_id", "from_hub", "to_hub", "term"}


def _check_plan(plan: Plan, scenario: Scenario) -> None:
    """Refuse, as invalid input, a plan whose tables cannot be drawn or that was not solved for
    ``scenario``: a table or column missing, a number that is not a number, a hub or a job the
    scenario does not have, or a job of the scenario the plan does not mention."""
    problems: list[Problem] = []
    for table, columns in PLAN_COLUMNS.items():
        frame = plan.tables.get(table)
        if frame is None:
            problems.append(Problem(f"{table}.csv", "file not found"))
            continue
        if len(frame) == 0 and table == "link_flows":
            continue  # no traffic: an empty table, possibly without a header
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            word = "column" if len(missing) == 1 else "columns"
            problems.append(Problem(f"{table}.csv", f"required {word} missing: {', '.join(missing)}"))
            continue
        for col in columns:
            if col in TEXT_COLUMNS:
                continue
            raw = frame[col]
            parsed = pd.to_numeric(raw, errors="coerce")
            bad = parsed.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                problems.append(Problem(f"{table}.csv", f"not a number: {raw.iloc[row]!r}", row=row + 2, column=col))
    if problems:
        raise ScenarioError(problems)
    remedy = "draw it with the scenario it was solved for (--scenario)"
    known = set(scenario.hubs["hub_id"].astype(str))
    used: set[str] = set(plan.hub_usage["hub_id"].astype(str))
    used |= {h for h in plan.placements["hub_id"].astype(str) if h and h != "nan"}
    if len(plan.link_flows):
        used |= set(plan.link_flows["from_hub"].astype(str)) | set(plan.link_flows["to_hub"].astype(str))
    unknown = sorted(used - known)
    if unknown:
        raise ScenarioError(
            [
                Problem(
                    "plan",
                    f"the plan uses hub(s) {_some(unknown)} that scenario {scenario.name!r} does not have; {remedy}",
                )
            ]
        )
    jobs = set(scenario.jobs["job_id"].astype(str))
    planned = set(plan.placements["job_id"].astype(str))
    if planned != jobs:
        extra, absent = sorted(planned - jobs), sorted(jobs - planned)
        said = []
        if extra:
            said.append(f"has {len(extra):,} job(s) that scenario {scenario.name!r} does not ({_some(extra)})")
        if absent:
            said.append(f"lacks {len(absent):,} of the scenario's {len(jobs):,} jobs ({_some(absent)})")
        raise ScenarioError([Problem("plan", f"the plan {' and '.join(said)}; {remedy}")])


def _some(items: list[str], shown: int = 3) -> str:
    """The first few items of a list, and how many more: 'a, b, c and 17 more'."""
    head = ", ".join(items[:shown])
    return head if len(items) <= shown else f"{head} and {len(items) - shown:,} more"


# ---------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------
def _figure(width: float, height: float) -> Figure:
    """A figure drawn by the Agg canvas, outside pyplot (no global backend change).

    Sizes are rounded up to half inches, so that every figure is a whole number of pixels
    (a multiple of 55 at 110 dpi) and its PNG is exactly ``size x DPI``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = math.ceil(width * 2) / 2, math.ceil(height * 2) / 2
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes at the report's resolution, without a timestamp or version in the file."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _atomic_write(target: Path, blob: bytes) -> None:
    """Write ``blob`` to a fresh temporary file beside ``target`` and move it into place.

    The temporary file is created with ``open(..., "xb")`` so it gets the usual permissions
    (the umask's), not the private ones of :func:`tempfile.mkstemp`.
    """
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(tmp, "xb") as handle:
            handle.write(blob)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _money_unit(largest: float) -> tuple[float, str]:
    """Divisor and unit for CNY amounts up to ``largest``."""
    if largest >= 1e6:
        return 1e6, "M CNY"
    if largest >= 1e3:
        return 1e3, "k CNY"
    return 1.0, "CNY"


def _fmt_money(value: float, divisor: float, unit: str) -> str:
    """An amount in the unit chosen by :func:`_money_unit`: '9.12 M CNY'."""
    if divisor == 1.0:
        return f"{value:,.0f} {unit}"
    return f"{value / divisor:,.2f} {unit}"


def _fmt_num(value: float) -> str:
    """A quantity with sensible digits: 0.45, 5.9, 2,520."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:.1f}"


def _fmt_percent(share: float) -> str:
    """A share as a whole percentage, '<1%' for small non-zero shares."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{100 * share:.0f}%"


def _nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value``."""
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * 10**exp >= value * (1 - 1e-9):
            return step * 10**exp
    return 10.0 ** (exp + 1)


def _nice_steps(largest: float) -> list[float]:
    """Two or three round sample values up to ``largest``, for a size legend."""
    top = _nice_ceil(largest)
    if top > largest * 1.25:
        top = top / 2 if top / 2 >= largest * 0.6 else top
    values = [top / 4, top / 2, top] if top > 0 else [1.0]
    return [v for v in values if v <= largest * 1.3 and v > 0] or [largest]


# ---------------------------------------------------------------------------------
# the map
# ---------------------------------------------------------------------------------
@dataclass
class _Arc:
    """One curved arrow: a direction of a link and a kind of traffic."""

    src: str
    dst: str
    tb: float
    utilisation: float
    kind: str  # "data" or "artifact"


def _arcs(data: _ReportData) -> list[_Arc]:
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


def _bezier(p1: np.ndarray, p2: np.ndarray, rad: float, n: int = 24) -> np.ndarray:
    """Points along matplotlib's ``arc3`` connection from p1 to p2 (display coordinates)."""
    mid = (p1 + p2) / 2.0
    d = p2 - p1
    control = mid + rad * np.array([d[1], -d[0]])
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p1 + 2 * (1 - t) * t * control + t**2 * p2


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


def _map_figure(data: _ReportData) -> Figure:
    """The hub map: outline, links, traffic arrows, hub markers and labels, legend and key figures."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap, Normalize
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Polygon

    hubs = data.hubs
    fig = _figure(13.0, 9.0)
    grid = fig.add_gridspec(1, 2, width_ratios=[4.2, 1.0], height_ratios=[1.0])
    ax = fig.add_subplot(grid[0, 0])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("white")
    for side in ax.spines.values():
        side.set_color("#bbbbbb")
    ax.set_title(f"{TITLES['map']}: scenario {data.scenario.name}", fontsize=14, loc="left", fontweight="bold")
    ax.set_xlabel(
        "Outline of China: Natural Earth 1:110m (public domain), a schematic outline for orientation only. "
        "Backbone links without traffic are dotted grey.",
        fontsize=8,
        color="#666666",
        loc="left",
    )
    lon = hubs["lon_deg"].astype(float).to_numpy()
    lat = hubs["lat_deg"].astype(float).to_numpy()
    where = {h: (x, y) for h, x, y in zip(hubs["hub_id"], lon, lat, strict=True)}

    # scales: marker area by power placed, colour by price; arc width by TB, colour by utilisation
    prices = hubs["price_cny_per_kwh"].astype(float).to_numpy()
    lo, hi = float(prices.min()), float(prices.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.05, hi + 0.05
    price_norm = Normalize(vmin=lo, vmax=hi)
    # the palest yellows would vanish against the outline's fill: start a fifth of the way in
    price_cmap = ListedColormap(colormaps[PRICE_CMAP](np.linspace(0.22, 1.0, 256)))
    mw = hubs["meter_mw"].astype(float).to_numpy()
    mw_ref = max(float(mw.max()), 1e-9)
    sizes = MIN_MARKER + (MAX_MARKER - MIN_MARKER) * mw / mw_ref
    arcs = _arcs(data)
    max_tb = max((a.tb for a in arcs), default=1.0)
    util_top = _nice_ceil(max(max((a.utilisation for a in arcs), default=0.0), 0.01))
    util_norm = Normalize(vmin=0.0, vmax=util_top)
    link_cmap = ListedColormap(colormaps[LINK_CMAP](np.linspace(0.5, 1.0, 256)))

    def width(tb: float) -> float:
        return 1.4 + 7.0 * tb / max_tb

    # the legend in the right-hand column, first: it fixes the map's box
    lax = fig.add_subplot(grid[0, 1])
    lax.axis("off")
    swatch = price_cmap(0.3)
    present = [r for r in REGIONS if (hubs["macro_region"] == r).any()]
    handles: list[Any] = [
        Line2D([], [], ls="", marker=REGION_MARKERS[r], ms=11, mfc=swatch, mec=REGION_COLOURS[r], mew=2.2)
        for r in present
    ]
    names = [REGION_LEGEND[r] for r in present]
    for value in _legend_values(float(mw.max())):
        area = MIN_MARKER + (MAX_MARKER - MIN_MARKER) * value / mw_ref
        handles.append(Line2D([], [], ls="", marker="o", ms=math.sqrt(area), mfc="#dddddd", mec="#777777"))
        names.append(f"{_fmt_round(value)} MW of training placed")
    mid = link_cmap(0.5)
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
    for value in _legend_values(max_tb if arcs else 0.0):
        handles.append(Line2D([], [], color=mid, lw=width(value)))
        names.append(f"{_fmt_round(value)} TB over the window")
    legend = lax.legend(
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
    # extent: the hubs with room for their labels, widened to the box; then the outline
    span_x = max(float(lon.max() - lon.min()), 4.0)
    span_y = max(float(lat.max() - lat.min()), 4.0)
    pad_x, pad_y = 0.2 * span_x + 1.5, 0.12 * span_y + 1.5
    fig.canvas.draw()  # lay the page out: the map's box is known from here on
    fig.set_layout_engine("none")  # and stays where it is: labels are placed in display space
    _side_panel(fig, lax, legend, data, arcs, (price_norm, price_cmap), (util_norm, link_cmap))
    _fit_limits(ax, lon.min() - pad_x, lon.max() + pad_x, lat.min() - pad_y, lat.max() + pad_y)
    for _name, ring in china_outline():
        ax.add_patch(Polygon(ring, closed=True, facecolor=OUTLINE_FACE, edgecolor=OUTLINE_EDGE, lw=0.9, zorder=0))

    # backbone links that carry nothing, thin and dotted
    busy = {frozenset((a.src, a.dst)) for a in arcs}
    for link in data.links.itertuples(index=False):
        a, b = where.get(str(link.hub_a)), where.get(str(link.hub_b))
        if a is not None and b is not None and frozenset((str(link.hub_a), str(link.hub_b))) not in busy:
            ax.plot([a[0], b[0]], [a[1], b[1]], color="#b8b8b8", lw=1.0, ls=(0, (1, 1.5)), zorder=1)

    # hub markers: area by power placed, colour by price, shape and edge by region
    for region in REGIONS:
        mask = (hubs["macro_region"] == region).to_numpy()
        if mask.any():
            ax.scatter(
                lon[mask],
                lat[mask],
                s=sizes[mask],
                c=prices[mask],
                cmap=price_cmap,
                norm=price_norm,
                marker=REGION_MARKERS[region],
                edgecolors=REGION_COLOURS[region],
                linewidths=2.2,
                zorder=5,
            )

    # traffic: one curved arrow per direction and kind; each direction bulges to its own side
    to_px = ax.transData.transform
    px_per_pt = DPI / 72.0
    radius_pt = {h: math.sqrt(s) / 2.0 for h, s in zip(hubs["hub_id"], sizes, strict=True)}
    arc_points: list[np.ndarray] = []
    centres = {h: to_px(xy) for h, xy in where.items()}
    for arc in sorted(arcs, key=lambda a: -a.tb):
        if arc.src not in where or arc.dst not in where or np.allclose(centres[arc.src], centres[arc.dst]):
            continue  # a hub missing from the map, or two hubs drawn on the same spot
        lw = width(arc.tb)
        bulge = (DATA_BULGE if arc.kind == "data" else ARTIFACT_BULGE) + lw / 2.0  # points at the middle
        others = {h: (c, radius_pt[h] * px_per_pt + lw * px_per_pt / 2 + 4) for h, c in centres.items()}
        others.pop(arc.src)
        others.pop(arc.dst)
        rad = _arc_rad(centres[arc.src], centres[arc.dst], bulge * px_per_pt, others)
        colour = link_cmap(util_norm(min(arc.utilisation, util_top)))
        if arc.kind == "data":  # a filled arrow: crisp head whatever the width
            head = f"simple,tail_width={lw:.2f},head_width={2.0 * lw + 5:.2f},head_length={1.2 * lw + 7:.2f}"
            style: dict[str, Any] = {"arrowstyle": head, "mutation_scale": 1.0, "lw": 0, "color": colour}
        else:  # thin and dashed
            style = {"arrowstyle": "-|>", "mutation_scale": 10.0, "lw": lw, "ls": (0, (3, 1.6)), "color": colour}
        ax.add_patch(
            FancyArrowPatch(
                where[arc.src],
                where[arc.dst],
                connectionstyle=f"arc3,rad={rad:.4f}",
                shrinkA=radius_pt[arc.src] + 2,
                shrinkB=radius_pt[arc.dst] + 3,
                zorder=3 if arc.kind == "data" else 4,
                **style,
            )
        )
        arc_points.append(_bezier(centres[arc.src], centres[arc.dst], rad))

    # labels: the planner's name over the power placed, where they collide least
    labels = []
    for row, size in zip(hubs.itertuples(index=False), sizes, strict=True):
        if row.meter_mw > 0:
            power = f"{_fmt_num(row.meter_mw)} of {_fmt_num(row.grid_mw)} MW used"
        else:
            power = f"no training ({_fmt_num(row.grid_mw)} MW free)"
        labels.append((row.hub_id, row.label, power, math.sqrt(size) / 2.0))
    inset_box = _overview_inset(ax, data, where, px_per_pt)
    _place_labels(fig, ax, labels, where, arc_points, inset_box, px_per_pt)
    return fig


def _side_panel(
    fig: Figure,
    side: Axes,
    legend: Any,
    data: _ReportData,
    arcs: list[_Arc],
    price: tuple[Any, Any],
    use: tuple[Any, Any],
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
        (price, "Electricity price at the hub\n(CNY/kWh)", False),
        (use, "Link use in that direction\n(% of capacity over the window)", True),
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


def _key_figures(data: _ReportData, arcs: list[_Arc]) -> str:
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
        lines.append(f"Training: {_fmt_num(total_mw)} MW at the meter")
        if energy > 0 and (hubs["macro_region"] == "west").any():
            lines.append(f"Training energy in the West: {_fmt_percent(west_energy / energy)}")
    else:
        lines.append("No training placed")
    lines.append(f"Data carried on links: {_fmt_tb(data_tb)}")
    lines.append(f"Trained models carried: {_fmt_tb(model_tb)}")
    busy = data.flows[data.flows["total_tb"].astype(float) > TB_FLOOR] if len(data.flows) else data.flows
    if len(busy):
        top = busy.loc[busy["utilisation"].astype(float).idxmax()]
        lines.append(
            f"Busiest link: {data.name(str(top['from_hub']))} \u2192 {data.name(str(top['to_hub']))}, "
            f"{_fmt_share(float(top['utilisation']))} of capacity"
        )
    return "\n".join(textwrap.fill(line, 40, subsequent_indent="  ") for line in lines)


def _fmt_tb(tb: float) -> str:
    """TB moved, in TB or PB: '0 TB', '47 TB', '11,354 TB', '1.35 PB'."""
    if tb >= 100_000:
        return f"{tb / 1000:,.1f} PB"
    return f"{_fmt_num(tb)} TB"


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


def _legend_values(largest: float) -> list[float]:
    """Up to three round sample values up to ``largest`` for a size legend (e.g. 250, 500, 2,500)."""
    values: list[float] = []
    if not largest > 0:
        return values
    for share in (1.0, 1 / 3, 1 / 10):
        v = _nice_floor(largest * share)
        if v > 0 and v not in values:
            values.append(v)
    return sorted(values)


def _fmt_round(value: float) -> str:
    """A round legend value: 1, 2.5, 2,500."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _nice_floor(value: float) -> float:
    """The largest of 1, 2, 2.5, 5 x 10^k at or below ``value``."""
    if value <= 0:
        return 0.0
    exp = math.floor(math.log10(value))
    for step in (5.0, 2.5, 2.0, 1.0):
        if step * 10**exp <= value * (1 + 1e-9):
            return step * 10**exp
    return 10.0 ** (exp - 1) * 5


def _overview_inset(
    ax: Axes,
    data: _ReportData,
    where: dict[str, tuple[float, float]],
    px_per_pt: float,
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
    return inset.get_window_extent().padded(4 * px_per_pt)


_CANDIDATES = [  # direction (x, y) from the marker and the label's anchor (fraction of its box)
    (1.0, 0.0, (0.0, 0.5)),
    (-1.0, 0.0, (1.0, 0.5)),
    (0.0, 1.0, (0.5, 0.0)),
    (0.0, -1.0, (0.5, 1.0)),
    (1.0, 1.0, (0.0, 0.0)),
    (-1.0, 1.0, (1.0, 0.0)),
    (1.0, -1.0, (0.0, 1.0)),
    (-1.0, -1.0, (1.0, 1.0)),
]


def _label_artist(
    ax: Axes, xy: tuple[float, float], name: str, power: str, offset: tuple[float, float], anchor: tuple[float, float]
) -> Any:
    """The hub's name in bold over the power placed, in a white box, offset from ``xy`` in points."""
    from matplotlib.offsetbox import AnnotationBbox, TextArea, VPacker

    align = "left" if anchor[0] == 0.0 else ("right" if anchor[0] == 1.0 else "center")
    packed = VPacker(
        children=[
            TextArea(name, textprops={"fontsize": 9.5, "fontweight": "bold", "color": "#111111"}),
            TextArea(power, textprops={"fontsize": 9, "color": "#333333"}),
        ],
        align=align,
        pad=0,
        sep=1.5,
    )
    artist = AnnotationBbox(
        packed,
        xy,
        xybox=offset,
        xycoords="data",
        boxcoords="offset points",
        box_alignment=anchor,
        frameon=True,
        pad=0.25,
        bboxprops={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.88},
        zorder=8,
    )
    ax.add_artist(artist)
    return artist


def _place_labels(
    fig: Figure,
    ax: Axes,
    labels: list[tuple[str, str, str, float]],
    where: dict[str, tuple[float, float]],
    arc_points: list[np.ndarray],
    avoid: Bbox | None,
    px_per_pt: float,
) -> None:
    """Put each hub's label beside its marker where it overlaps no other label, marker or the
    inset, and crosses as little traffic as possible (greedy: eight directions, three distances;
    the most crowded hubs choose first)."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    to_px = ax.transData.transform
    axes_box = ax.get_window_extent()
    markers = {}
    for hub_id, _name, _power, radius in labels:
        cx, cy = to_px(where[hub_id])
        r = radius * px_per_pt + 3
        markers[hub_id] = Bbox([[cx - r, cy - r], [cx + r, cy + r]])
    points = np.vstack(arc_points) if arc_points else np.empty((0, 2))
    obstacles: list[Bbox] = [*markers.values(), *([avoid] if avoid is not None else [])]

    def crowd(hub_id: str) -> float:
        c = to_px(where[hub_id])
        return -sum(1.0 / (1.0 + float(np.hypot(*(to_px(p) - c)))) for p in where.values())

    for hub_id, name, power, radius in sorted(labels, key=lambda item: crowd(item[0])):
        best: tuple[float, Any, Bbox] | None = None
        options = [(d, c) for d in (5.0, 14.0, 26.0) for c in _CANDIDATES]
        for rank, (dist, (ux, uy, anchor)) in enumerate(options):
            gap = radius + dist
            norm = math.hypot(ux, uy)
            artist = _label_artist(ax, where[hub_id], name, power, (ux / norm * gap, uy / norm * gap), anchor)
            box = artist.get_window_extent(renderer).padded(3)
            cost = 100.0 * _overlap(box, obstacles)
            cost += 100.0 * (_area(box) - _area(Bbox.intersection(box, axes_box)))  # outside the map
            inside = (
                (points[:, 0] > box.x0) & (points[:, 0] < box.x1) & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)
            )
            cost += 30.0 * float(inside.sum()) + 2.0 * rank
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, artist, box)
            else:
                artist.remove()
        assert best is not None
        obstacles.append(best[2])


def _area(box: Bbox | None) -> float:
    """Area of a box in square pixels; 0 for no box."""
    return 0.0 if box is None else max(box.width, 0.0) * max(box.height, 0.0)


def _overlap(box: Bbox, others: Iterable[Bbox]) -> float:
    """Total area ``box`` shares with ``others``."""
    from matplotlib.transforms import Bbox as _Bbox

    return sum(_area(_Bbox.intersection(box, o)) for o in others)


# ---------------------------------------------------------------------------------
# costs
# ---------------------------------------------------------------------------------
def _costs_figure(data: _ReportData) -> Figure:
    """Energy, carbon and storage by hub (stacked bars), and every cost term of the whole plan."""
    hubs = data.hubs
    n = len(hubs)
    fig = _figure(13.0, max(5.0, 2.0 + 0.42 * n))
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
    divisor, unit = _money_unit(max(float(np.max(hub_totals, initial=0.0)), *values, total))

    # by hub: the terms that belong to a hub, stacked
    y = np.arange(n)[::-1]
    base = np.zeros(n)
    drawn = []
    for term, vals in per_hub.items():
        if vals.sum() <= 0 and term != "energy":
            continue
        left.barh(y, vals / divisor, left=base / divisor, color=TERM_COLOURS[term], label=TERM_NAMES[term], height=0.62)
        base += vals
        drawn.append(TERM_NAMES[term].lower())
    top = max(float(hub_totals.max(initial=0.0)) / divisor, 1e-9)
    for yi, v in zip(y, hub_totals, strict=True):
        label = _fmt_money(v, divisor, unit) if v > 0 else "none"
        left.text(v / divisor + top * 0.01, yi, label, va="center", fontsize=9)
    left.set_yticks(y, _hub_ticks(hubs))
    left.set_xlim(0, top * 1.22)
    left.set_xlabel(f"Cost over the planning window ({unit})")
    left.set_title(f"By hub: {' and '.join(drawn)}", loc="left", fontsize=11, fontweight="bold")
    left.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(drawn), fontsize=9, frameon=False)
    left.grid(axis="x", color="#e5e5e5")
    left.set_axisbelow(True)
    _east_west_rule(left, hubs, y)

    # the whole plan, every term and the total
    ry = np.arange(len(terms) + 1)[::-1]
    shown = [*values, total]
    right.barh(ry, np.array(shown) / divisor, color=[TERM_COLOURS[t] for t in terms] + ["#333333"], height=0.62)
    top = max(max(shown) / divisor, 1e-9)
    for yi, v in zip(ry, shown, strict=True):
        text = "none" if v == 0 else _fmt_money(v, divisor, unit)
        if total > 0 and v not in (0, total):
            text += f" ({_fmt_percent(v / total)})"
        right.text(v / divisor + top * 0.01, yi, text, va="center", fontsize=9)
    right.set_yticks(ry, [TERM_NAMES[t] for t in terms] + ["Total"])
    right.set_xlim(0, top * 1.4)
    right.set_xlabel(f"Cost over the planning window ({unit})")
    right.set_title("Whole plan, by cost term", loc="left", fontsize=11, fontweight="bold")
    right.grid(axis="x", color="#e5e5e5")
    right.set_axisbelow(True)

    fig.suptitle(
        f"{TITLES['costs']}: {_fmt_money(total, divisor, unit)} in total over the "
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
def _utilisation_figure(data: _ReportData) -> Figure:
    """Power, accelerators and storage used at each hub as a share of what it has."""
    hubs = data.hubs
    n = len(hubs)
    fig = _figure(13.0, max(5.0, 2.0 + 0.42 * n))
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
            text = f"{_fmt_num(u)} / {_fmt_num(c)}{' ' + unit if unit else ''}   {pct}"
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


def _fullest_accelerators(data: _ReportData) -> dict[str, str]:
    """Per hub, the accelerator type used closest to its inventory, e.g. 'Ascend 910C full'."""
    usage = data.plan.tables.get("accelerator_usage")
    if usage is None or not {"hub_id", "accel_id", "used", "count"} <= set(usage.columns) or not len(usage):
        return {}
    names = _accelerator_names(data.scenario)
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
def placement_table(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Jobs placed per hub and data class: one row per hub (planner's names, east first), one
    column per data class, then ``All classes`` and ``MW placed`` (MW at the meter).

    Under the hubs, ``All hubs`` totals the placed jobs; when jobs are left unplaced, an
    ``Unplaced`` row counts them and ``All jobs`` totals both.
    """
    return _placement_counts(_ReportData.of(plan, scenario))


PLACED_TOTAL = "All hubs"
UNPLACED_ROW = "Unplaced"
ALL_JOBS = "All jobs"


def _placement_counts(data: _ReportData) -> pd.DataFrame:
    """The table behind :func:`placement_table`."""
    classes = [str(c) for c in data.scenario.data_classes["class_id"]]
    extra = sorted(set(data.plan.placements["class_id"].astype(str)) - set(classes))
    classes += extra
    rows: dict[str, list[int]] = {}
    for hub in data.hubs.itertuples(index=False):
        counts = data.placed.loc[data.placed["hub_id"] == hub.hub_id, "class_id"].astype(str).value_counts()
        rows[hub.label] = [int(counts.get(c, 0)) for c in classes]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=classes)
    table.loc[PLACED_TOTAL] = table.sum(axis=0)
    if len(data.unplaced):
        counts = data.unplaced["class_id"].astype(str).value_counts()
        table.loc[UNPLACED_ROW] = [int(counts.get(c, 0)) for c in classes]
        table.loc[ALL_JOBS] = table.loc[PLACED_TOTAL] + table.loc[UNPLACED_ROW]
    table = table.astype(int)
    table["All classes"] = table.sum(axis=1)
    mw = {r.label: float(r.meter_mw) for r in data.hubs.itertuples(index=False)}
    mw[PLACED_TOTAL] = float(data.hubs["meter_mw"].sum())
    table["MW placed"] = [mw.get(str(i), np.nan) for i in table.index]
    table.index.name = "Hub"
    return table


def _placements_figure(data: _ReportData) -> Figure:
    """The placements table drawn as a shaded grid: hubs by data class, totals in grey, unplaced in red."""
    table = _placement_counts(data)
    counts = table.drop(columns=["MW placed"])
    n_rows, n_cols = counts.shape
    fig = _figure(max(9.0, 3.2 + 1.5 * n_cols), max(4.5, 1.8 + 0.45 * n_rows))
    ax = fig.add_subplot()
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
    for i in range(n_rows):
        for j in range(n_cols):
            v = int(inner[i, j])
            dark = bool(hub_cells[i, j]) and v > top * 0.75
            colour = "white" if dark else ("#b0b0b0" if v == 0 else "#111111")
            if is_unplaced[i, j] and v > 0:
                colour = "#9b1c1c"
            weight = "bold" if is_total[i, j] else "normal"
            ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=11, fontweight=weight, color=colour)
    classes = data.scenario.data_classes
    names = dict(zip(classes["class_id"].astype(str), classes["name"].astype(str), strict=True))
    ax.set_xticks(range(n_cols), list(counts.columns), fontsize=10)
    mw = table["MW placed"]
    ylabels = [f"{h}  ({_fmt_num(m)} MW)" if np.isfinite(m) else str(h) for h, m in mw.items()]
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


def _footnote(fig: Figure, *paragraphs: str, fontsize: float = 9.0) -> None:
    """Grey small print under the figure, each paragraph wrapped to the page's width."""
    import textwrap

    width = int(fig.get_size_inches()[0] * 13.0 * 9.0 / fontsize)  # characters across the page
    lines = [line for text in paragraphs for line in textwrap.wrap(text, width)]
    fig.supxlabel("\n".join(lines), x=0.01, ha="left", fontsize=fontsize, color="#555555", linespacing=1.3)


# ---------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------
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


def _html(data: _ReportData, pngs: dict[str, bytes]) -> str:
    """The self-contained report page: title, key facts, each figure as base64 PNG with its caption and tables."""
    plan, sc = data.plan, data.scenario
    esc = html.escape
    total = data.costs.get("total", plan.objective_cny)
    divisor, unit = _money_unit(total)
    hubs = data.hubs
    p = plan.placements
    placed_n = int((p["status"].astype(str) == "placed").sum())
    summary = _summary_numbers(plan)
    facts = [
        ("Status", f"{plan.status}, " + ("verified by the independent checker" if plan.verified else "not verified")),
        ("Total cost", _fmt_money(total, divisor, unit)),
        ("Jobs placed", f"{placed_n} of {len(p)}"),
        ("Training power placed", f"{_fmt_num(float(hubs['meter_mw'].sum()))} MW at the meter"),
        ("Energy in the western hubs", summary["west_share"]),
        ("Emissions", summary["emissions"]),
        ("Moved over the backbone", summary["moved"]),
        ("Gap to the lower bound", _fmt_gap(plan.gap)),
    ]
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
    parts += [f"<li><b>{esc(k)}:</b> {esc(v)}</li>" for k, v in facts]
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
            parts.append(_table_html(_placement_counts(data), total_rows=(PLACED_TOTAL, ALL_JOBS)))
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


def _costs_html(data: _ReportData) -> str:
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


def _fmt_gap(gap: float | None) -> str:
    """A relative MIP gap as a percentage; 'n/a' when there is none."""
    if gap is None or not math.isfinite(float(gap)):
        return "n/a"
    return f"{100 * float(gap):.3f}%"


def _summary_numbers(plan: Plan) -> dict[str, str]:
    """West energy share, emissions and TB moved from the plan's summary, as text."""
    try:
        s = plan.summary()
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
                text = _fmt_num(float(v))
            elif isinstance(v, (int, np.integer)) or (isinstance(v, float) and float(v).is_integer()):
                text = f"{int(v):,}"
            else:
                text = str(v)
            cells.append(f"<td>{esc(text)}</td>")
        cls = ' class="total"' if idx in total_rows else ""
        rows.append(f"<tr{cls}><td>{esc(str(idx))}</td>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _links_html(data: _ReportData) -> str:
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
            "Use of capacity": [_fmt_share(float(u)) for u in busy["utilisation"]],
        }
    )
    table = table.set_index("From")
    table.index.name = "From"
    body = _table_html(table).replace("<table>", '<table class="links">')
    return "<h3>Links carrying traffic (per direction, TB over the window)</h3>" + body


def _fmt_share(value: float) -> str:
    """A share of capacity as a percentage with two decimals: '3.55%', '<0.01%'."""
    if not math.isfinite(value):
        return "no capacity"
    if 0 < value < 1e-4:
        return "<0.01%"
    return f"{100 * value:.2f}%"


def _accelerator_names(scenario: Scenario) -> dict[str, str]:
    """Short accelerator names without the vendor: 'Ascend 910C', 'H800 SXM'."""
    names = {}
    for row in scenario.accelerators.itertuples(index=False):
        name, vendor = str(row.name), str(getattr(row, "vendor", "") or "")
        names[str(row.accel_id)] = name[len(vendor) :].strip() if vendor and name.startswith(vendor + " ") else name
    return names


JOB_TABLE_MAX = 2000  # the report lists every job up to this many


def _jobs_html(data: _ReportData) -> str:
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
    accel_names = _accelerator_names(data.scenario)
    rows = []
    frame = p.assign(_o=[order.get(str(h), len(order)) for h in p["hub_id"]]).sort_values(["_o", "class_id", "job_id"])
    for r in frame.itertuples(index=False):
        where = data.name(str(r.hub_id)) if str(r.status) == "placed" else "unplaced"
        power = _fmt_num(float(r.meter_mw)) if str(r.status) == "placed" else ""
        accel = f"{int(r.accel_count):,} x {accel_names.get(str(r.accel_id), str(r.accel_id))}"
        cells = [r.job_id, r.name, where, r.class_id, accel, power]
        rows.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("Job", "Name", "Hub", "Data class", "Accelerators", "MW at the meter"))
    return (
        f"<details><summary>Every job and where it trains ({len(p):,} jobs)</summary>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )
