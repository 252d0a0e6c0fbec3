"""Pictures of a plan in time, for scenarios of two or more periods.

- ``power_by_period``: a hub x period heatmap of the power drawn against what the grid allows
  (colour: the share of the hub's grid allocation used; text: MW drawn / MW allowed);
- ``timeline``: which job runs where, when: one row per hub, one bar per job from its first to
  its last period, coloured by data class, with the hub's power drawn per period in the margin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from eastwest_opt.report.canvas import new_figure
from eastwest_opt.report.style import REGION_NAMES, TITLES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from eastwest_opt.report.data import ReportData

MAX_TIMELINE_JOBS = 400  # beyond this the timeline draws each hub's running jobs per period instead of bars


def has_periods(data: ReportData) -> bool:
    """Whether the plan spans two or more periods."""
    hp = data.plan.tables.get("hub_periods")
    return hp is not None and len(hp) > 0 and hp["period_id"].nunique() > 1


def _lanes(spans: list[tuple[str, tuple[int, int]]]) -> tuple[dict[str, int], int]:
    """Jobs packed into lanes (sorted by start): a job takes the first lane free from its first
    period on. Returns each job's lane and the number of lanes."""
    ends: list[int] = []
    lane_of: dict[str, int] = {}
    for job, (first, last) in spans:
        lane = next((i for i, end in enumerate(ends) if end < first), len(ends))
        if lane == len(ends):
            ends.append(last)
        else:
            ends[lane] = last
        lane_of[job] = lane
    return lane_of, max(1, len(ends))


def period_labels(data: ReportData) -> tuple[list[str], list[str]]:
    """The plan's period ids in order and their labels (the scenario's, else the ids)."""
    periods = data.scenario.periods
    ids = list(periods["period_id"])
    labels = [str(lab) if str(lab).strip() else pid for pid, lab in zip(ids, periods["label"], strict=True)]
    return ids, labels


def power_heatmap_figure(data: ReportData) -> Figure:
    """Hub x period: power drawn (MW at the meter) against the grid allocation (see module docstring)."""
    hp = data.plan.tables["hub_periods"]
    ids, labels = period_labels(data)
    hubs = list(data.hubs["hub_id"])
    drawn = hp.pivot(index="hub_id", columns="period_id", values="meter_mw").reindex(index=hubs, columns=ids)
    grid = hp.pivot(index="hub_id", columns="period_id", values="grid_mw").reindex(index=hubs, columns=ids)
    share = (drawn / grid.where(grid > 0)).fillna(0.0).to_numpy(dtype=float)
    fig = new_figure(max(8.0, 1.0 + 0.95 * len(ids)), 1.6 + 0.55 * len(hubs))
    ax = fig.add_subplot()
    image = ax.imshow(np.clip(share, 0.0, 1.0), cmap="YlOrRd", vmin=0.0, vmax=1.0, aspect="auto")
    for i in range(len(hubs)):
        for j in range(len(ids)):
            d, g = float(drawn.iat[i, j] or 0.0), float(grid.iat[i, j] or 0.0)
            text = f"{d:.0f}/{g:.0f}" if g >= 10 else f"{d:.1f}/{g:.1f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="black" if share[i, j] < 0.7 else "white")
    ax.set_xticks(range(len(ids)), labels, rotation=45 if len(ids) > 6 else 0, ha="right" if len(ids) > 6 else "center")
    names = [
        f"{data.name(h)} ({REGION_NAMES.get(r, '')[:1]})" if r else data.name(h)
        for h, r in zip(hubs, data.hubs["macro_region"], strict=True)
    ]
    ax.set_yticks(range(len(hubs)), names)
    fig.colorbar(image, ax=ax, label="Share of the grid allocation drawn", shrink=0.85)
    fig.suptitle(
        f"{TITLES['power_by_period']}: MW drawn / MW the grid allows, per hub and period",
        x=0.01,
        ha="left",
        fontsize=13,
        fontweight="bold",
    )
    return fig


def timeline_figure(data: ReportData) -> Figure:
    """Which job runs where, when (see the module docstring)."""
    jp = data.plan.tables["job_periods"]
    ids, labels = period_labels(data)
    position = {p: i for i, p in enumerate(ids)}
    hubs = list(data.hubs["hub_id"])
    placed = data.placed.set_index("job_id")
    fig = new_figure(max(9.0, 1.5 + 0.9 * len(ids)), 1.8 + 0.75 * len(hubs))
    ax = fig.add_subplot()
    classes = sorted(set(placed["class_id"].astype(str))) if len(placed) else []
    colours = {c: f"C{i % 10}" for i, c in enumerate(classes)}
    many = len(placed) > MAX_TIMELINE_JOBS
    for row, hub in enumerate(hubs):
        jobs = jp[jp["hub_id"] == hub]
        if many:
            counts = jobs.groupby("period_id")["job_id"].nunique()
            for p, n in counts.items():
                ax.barh(row, 1.0, left=position[p] - 0.5, height=0.6, color="C0", alpha=min(1.0, 0.15 + n / 50))
                ax.text(position[p], row, f"{n}", ha="center", va="center", fontsize=7)
            continue
        spans = jobs.groupby("job_id", sort=False)["period_id"].agg(
            lambda s: (position[s.iloc[0]], position[s.iloc[-1]])
        )
        lane_of, lanes = _lanes(sorted(spans.items(), key=lambda kv: kv[1]))
        for job, (first, last) in spans.items():
            cls = str(placed.at[job, "class_id"]) if job in placed.index else ""
            y = row - 0.38 + 0.76 * (lane_of[job] + 0.5) / lanes
            height = 0.76 / lanes * 0.8
            ax.barh(y, last - first + 0.9, left=first - 0.45, height=height, color=colours.get(cls, "C7"))
        ax.text(len(ids) - 0.4, row, f" {len(spans)}", va="center", fontsize=8, color="#555555")
    ax.set_yticks(range(len(hubs)), [data.name(h) for h in hubs])
    ax.invert_yaxis()
    ax.set_xticks(range(len(ids)), labels, rotation=45 if len(ids) > 6 else 0, ha="right" if len(ids) > 6 else "center")
    ax.set_xlim(-0.6, len(ids) - 0.4)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    if not many and classes:
        from matplotlib.patches import Patch

        handles = [Patch(color=colours[c], label=c) for c in classes]
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(classes), 6),
            fontsize=8,
            frameon=False,
            title="data class",
        )
    note = (
        f" (jobs running per period; {len(placed):,} jobs)"
        if many
        else " (one bar per job, first to last period; jobs per hub at the right)"
    )
    fig.suptitle(f"{TITLES['timeline']}{note}", x=0.01, ha="left", fontsize=13, fontweight="bold")
    return fig
