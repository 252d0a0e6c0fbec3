"""The hub labels of the map: each hub's name over the power placed, put beside its marker where it
collides least with other labels, markers, the overview inset and the traffic arrows.

Works in display space, so the map's extent and layout must be final before labels are placed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

CANDIDATES = [  # direction (x, y) from the marker and the label's anchor (fraction of its box)
    (1.0, 0.0, (0.0, 0.5)),
    (-1.0, 0.0, (1.0, 0.5)),
    (0.0, 1.0, (0.5, 0.0)),
    (0.0, -1.0, (0.5, 1.0)),
    (1.0, 1.0, (0.0, 0.0)),
    (-1.0, 1.0, (1.0, 0.0)),
    (1.0, -1.0, (0.0, 1.0)),
    (-1.0, -1.0, (1.0, 1.0)),
]


def label_artist(
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


def place_labels(
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
    the most crowded hubs choose first).

    ``labels`` holds ``(hub_id, name, power, marker radius in points)`` per hub.
    """
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
        options = [(d, c) for d in (5.0, 14.0, 26.0) for c in CANDIDATES]
        for rank, (dist, (ux, uy, anchor)) in enumerate(options):
            gap = radius + dist
            norm = math.hypot(ux, uy)
            artist = label_artist(ax, where[hub_id], name, power, (ux / norm * gap, uy / norm * gap), anchor)
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
