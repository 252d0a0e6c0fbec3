"""The lines of a sweep's parameter plots: one line per combination of the other swept
parameters, sorted by the parameter on the x axis, with their colours, markers, dashes and legend.

Up to :data:`MAX_LINES` lines take the colour cycle and a legend naming each; more take a colour
scale (a colour bar when one numeric parameter tells them apart). matplotlib is imported inside
the functions only (see :mod:`eastwest_opt.sweeps.plots`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from eastwest_opt.sweeps.spec import value_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_LINES = 8  # lines per panel with a legend; more get a colour scale


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters, so a long label fits its panel."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _value_key(value: object) -> tuple[int, float, str]:
    """Sort key of a parameter value: numbers in numeric order, then text, then missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (2, 0.0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _value_name(value: object) -> str:
    """A parameter value as a legend shows it (``1.0`` as ``1``; a missing value as ``not set``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not set"
    return value_text(value)


@dataclass
class Series:
    """The lines of a panel: ``groups`` (name, rows sorted by the swept parameter), the legend's
    title, and each line's colour."""

    groups: list[tuple[str, pd.DataFrame]]
    title: str | None
    colours: list[Any]
    norm: Any = None  # a matplotlib Normalize when the colours encode one numeric parameter


def line_series(frame: pd.DataFrame, p: str, others: list[str], labels: dict[str, str]) -> Series:
    """The lines against ``p`` and their colours: up to :data:`MAX_LINES` lines take the
    colour cycle; more take a colour scale, by the value of the other parameter when there is one
    numeric other parameter (shown as a colour bar), else by their order."""
    import matplotlib as mpl

    groups, title = _series_groups(frame, p, others, labels)
    n = len(groups)
    if n <= MAX_LINES:
        return Series(groups, title, [f"C{i % 10}" for i in range(n)])
    cmap = mpl.colormaps["viridis"]
    values = [_value_key(part[others[0]].iloc[0]) for _, part in groups] if len(others) == 1 else []
    if values and all(kind == 0 for kind, _, _ in values):
        numbers = [number for _, number, _ in values]
        from matplotlib.colors import Normalize

        norm = Normalize(min(numbers), max(numbers))
        return Series(groups, title, [cmap(norm(v)) for v in numbers], norm)
    return Series(groups, title, [cmap(i / max(1, n - 1)) for i in range(n)])


def _series_groups(
    frame: pd.DataFrame, p: str, others: list[str], labels: dict[str, str]
) -> tuple[list[tuple[str, pd.DataFrame]], str | None]:
    """Rows with a value of ``p``, split by the values of the other parameters, sorted by ``p``,
    and the title of the legend.

    With one other parameter the legend's title is its label and each line is named by its
    value; with more, each line is named by every other parameter's label and value.
    """
    rows = frame[pd.to_numeric(frame[p], errors="coerce").notna()].copy()
    rows["_x"] = pd.to_numeric(rows[p]).astype(float)
    if not others:
        return [("", rows.sort_values("_x"))], None
    keys = list(rows[others].itertuples(index=False, name=None))
    groups = []
    for key in sorted(set(keys), key=lambda k: tuple(_value_key(v) for v in k)):
        part = rows[[k == key for k in keys]]
        if len(others) == 1:
            name = _value_name(key[0])
        else:
            name = "; ".join(f"{labels.get(o, o)}: {_value_name(v)}" for o, v in zip(others, key, strict=True))
        groups.append((name, part.sort_values("_x")))
    title = labels.get(others[0], others[0]) if len(others) == 1 else None
    return groups, title


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":")


def lines(ax: Axes, series: Series, column: str, scale: float, *, min_span: float = 0.0) -> None:
    """One line per group; ``min_span`` keeps the y range at least that wide, so that a change
    of a fraction of a percent does not fill the panel.

    Up to :data:`MAX_LINES` lines differ in colour, marker and dash, and the first ones are drawn
    wider, so that lines lying on top of each other stay visible; more lines take a colour scale.
    """
    n = len(series.groups)
    values = []
    for i, (name, part) in enumerate(series.groups):
        y = pd.to_numeric(part[column], errors="coerce").astype(float) * scale
        values.append(y)
        if n > MAX_LINES:
            style: dict[str, object] = {"color": series.colours[i], "marker": "o", "ms": 3.5, "lw": 1.4}
        else:
            wider = (n - 1 - i) / max(1, n - 1)  # 1 for the first line, 0 for the last
            style = {
                "color": series.colours[i],
                "marker": MARKERS[i % len(MARKERS)],
                "ms": 4.0 + 3.0 * wider,
                "lw": 1.4 + 1.8 * wider,
                "ls": LINESTYLES[i % len(LINESTYLES)],
            }
        ax.plot(part["_x"], y, label=name or None, **style)
    ax.grid(True, alpha=0.3)
    if values and min_span > 0:
        all_values = pd.concat(values).dropna()
        if len(all_values):
            lo, hi = float(all_values.min()), float(all_values.max())
            span = max(min_span, 0.05 * max(abs(lo), abs(hi)))
            if hi - lo < span:
                mid = (hi + lo) / 2
                bottom = mid - span / 2
                if lo >= 0 > bottom:
                    bottom = 0.0
                ax.set_ylim(bottom, bottom + span)


def xscale(ax: Axes, groups: list[tuple[str, pd.DataFrame]]) -> None:
    """A log scale when the parameter's values are positive and span a factor of 20 or more."""
    xs = pd.concat([part["_x"] for _, part in groups]) if groups else pd.Series(dtype=float)
    if len(xs) and xs.min() > 0 and xs.max() / xs.min() >= 20:
        ax.set_xscale("log")
        ticks = sorted(set(xs))
        if len(ticks) <= 10:
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.minorticks_off()


def legend(fig: Figure, axes: list[Axes], series: Series) -> str:
    """A legend below the panels naming each line (by the other parameters' values); for more
    lines than a legend can name, a colour bar of the other parameter, or else a note returned for
    the figure's title."""
    groups, title = series.groups, series.title
    if len(groups) <= 1:
        return ""
    if len(groups) > MAX_LINES:
        if series.norm is None:
            return f" ({len(groups)} lines, one per combination of the other parameters)"
        import matplotlib as mpl
        from matplotlib.cm import ScalarMappable

        mappable = ScalarMappable(norm=series.norm, cmap=mpl.colormaps["viridis"])
        fig.colorbar(mappable, ax=axes, label=wrap(title or "", 40), shrink=0.9, aspect=30)
        return ""
    handles, names = axes[0].get_legend_handles_labels()
    longest = max(len(n) for n in names)
    ncols = min(len(groups), 6 if longest <= 12 else 4 if longest <= 30 else 2 if longest <= 70 else 1)
    fig.legend(
        handles,
        names,
        loc="outside lower center",
        ncols=ncols,
        fontsize=8,
        title=title,
        title_fontsize=8,
        frameon=False,
    )
    return ""
