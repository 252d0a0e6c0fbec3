"""New figures on matplotlib's Agg canvas, outside pyplot, and their PNG bytes.

matplotlib is imported inside these functions, so importing this module does not load it, and
a report never changes the backend of a notebook that imports eastwest_opt.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from eastwest_opt.report.style import DPI

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
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


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes at the report's resolution, without a timestamp or version in the file."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
