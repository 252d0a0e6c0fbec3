"""Produce ``eastwest_opt/report/_geo/china_outline.geojson``, the outline the report's hub map is drawn over.

Not needed at run time: the GeoJSON it writes is shipped inside the package. Kept to document
exactly where the outline comes from and to let anyone reproduce it.

Source: Natural Earth 1:110m Cultural Vectors, "Admin 0 - Countries" (public domain), as
bundled in the geopandas 0.14.4 wheel under ``geopandas/datasets/naturalearth_lowres``. The
polygons of China (``iso_a3`` CHN: the mainland and Hainan) and of Taiwan (``TWN``) are kept,
drawn in the same style on the map; coordinates are rounded to 0.01 degree (about 1 km, far
below the 1:110m generalisation).

Steps (pyshp is needed for this script only, it is not a dependency of eastwest-opt)::

    pip download geopandas==0.14.4 --no-deps -d /tmp/gpd
    pip install pyshp
    python scripts/extract_china_outline.py /tmp/gpd/geopandas-0.14.4-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import zipfile
from pathlib import Path
from typing import Any

SHAPEFILE = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
KEEP = {"CHN": "China", "TWN": "Taiwan"}
OUT = Path(__file__).resolve().parents[1] / "eastwest_opt" / "report" / "_geo" / "china_outline.geojson"
DECIMALS = 2


def _rings(shape: Any) -> list[list[list[float]]]:
    """The rings of a pyshp polygon, each a closed list of [lon, lat]."""
    parts = [*shape.parts, len(shape.points)]
    return [
        [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in shape.points[a:b]] for a, b in itertools.pairwise(parts)
    ]


def extract(wheel: Path) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with one MultiPolygon feature per kept country."""
    import shapefile  # pyshp, for this script only

    with zipfile.ZipFile(wheel) as z:
        files = {ext: io.BytesIO(z.read(f"{SHAPEFILE}.{ext}")) for ext in ("shp", "shx", "dbf")}
        encoding = z.read(f"{SHAPEFILE}.cpg").decode("ascii").strip()  # ISO-8859-1
    reader = shapefile.Reader(shp=files["shp"], shx=files["shx"], dbf=files["dbf"], encoding=encoding)
    features = []
    for item in reader.iterShapeRecords():
        iso = item.record["iso_a3"]
        if iso not in KEEP:
            continue
        # Natural Earth 1:110m polygons have no holes: every ring is an outer ring (a polygon)
        polygons = [[ring] for ring in _rings(item.shape)]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": KEEP[iso], "iso_a3": iso},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    missing = set(KEEP) - {f["properties"]["iso_a3"] for f in features}
    if missing:
        raise SystemExit(f"not found in {wheel.name}: {', '.join(sorted(missing))}")
    return {
        "type": "FeatureCollection",
        "properties": {
            "source": "Natural Earth 1:110m Admin 0 - Countries (public domain), via geopandas 0.14.4 "
            "datasets/naturalearth_lowres; China and Taiwan; schematic outline for orientation only",
            "produced_by": "scripts/extract_china_outline.py",
        },
        "features": features,
    }


def main() -> None:
    """Read the wheel given on the command line and write the GeoJSON into the package."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="geopandas-0.14.4-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    collection = extract(args.wheel)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    points = sum(len(r) for f in collection["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"{args.out}: {len(collection['features'])} features, {points} points")


if __name__ == "__main__":
    main()
