"""The outline of China the report's hub map is drawn over, shipped inside the package.

``_geo/china_outline.geojson`` (beside this module, in ``eastwest_opt/report/``) holds the
polygons of China (mainland and Hainan) and Taiwan from Natural Earth 1:110m "Admin 0 -
Countries" (public domain), produced once by ``scripts/extract_china_outline.py``; nothing is
downloaded at run time. It is a schematic, low-resolution outline for orientation, not a
standard map for publication (see data/README.md, "Map outline").

The map uses a plain equirectangular projection: x is longitude and y latitude in degrees, and
the axes stretch y by ``1 / cos(latitude)`` of the map's middle so that distances look right
near the hubs.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

OUTLINE_FILE = Path(__file__).resolve().parent / "_geo" / "china_outline.geojson"
OUTLINE_SOURCE = "Natural Earth 1:110m Admin 0 - Countries (public domain)"


@lru_cache(maxsize=1)
def china_outline() -> tuple[tuple[str, np.ndarray], ...]:
    """Every ring of the shipped outline as ``(name, array of [lon, lat] rows)``.

    ``name`` is the feature's name (``China`` or ``Taiwan``); both are drawn in the same style.
    """
    collection = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    rings: list[tuple[str, np.ndarray]] = []
    for feature in collection["features"]:
        name = str(feature["properties"]["name"])
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        for polygon in polygons:
            for ring in polygon:
                rings.append((name, np.asarray(ring, dtype=float)))
    return tuple(rings)


def outline_bounds() -> tuple[float, float, float, float]:
    """``(lon_min, lon_max, lat_min, lat_max)`` of the whole outline."""
    points = np.vstack([ring for _, ring in china_outline()])
    return float(points[:, 0].min()), float(points[:, 0].max()), float(points[:, 1].min()), float(points[:, 1].max())


def aspect_for(lat_min: float, lat_max: float) -> float:
    """Axes aspect (y units per x unit) that makes a degree of longitude look as long as it is
    at the middle latitude of ``[lat_min, lat_max]``."""
    middle = math.radians((lat_min + lat_max) / 2.0)
    return 1.0 / max(math.cos(middle), 0.1)
