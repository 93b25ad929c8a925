"""Builds the bundled demo files in ``demo/`` from the real data in ``../shared/data``.

    .venv/bin/python demo/make_demo_data.py

Reproducible: the same inputs give byte-identical archives (fixed member order and
timestamps, deflate level 9, compact JSON with the source coordinates unchanged).

- ``derbyshire-2025-street.zip``: the 12 data.police.uk street CSVs of Derbyshire
  Constabulary for 2025, in the archive layout ``YYYY-MM/YYYY-MM-derbyshire-street.csv``.
- ``derbyshire-lsoa2011.geojson.zip``: the 642 LSOA 2011 polygons of the nine districts in
  one GeoJSON FeatureCollection (``LSOA11CD``, ``LSOA11NM``).
- ``derbyshire-wards2016.geojson.zip``: the 194 wards of 2016 (``WD13CD``, ``WD13NM``, ...).
- ``derbyshire-districts.geojson.zip``: one polygon per district, the union of its LSOAs
  (``LAD11CD`` from the file name, ``LAD11NM`` from the LSOA names' prefix).
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

from sara.geo import area_km2

DEMO = Path(__file__).resolve().parent
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
POLICE = DATA / "policeuk" / "derbyshire-2025"
LSOA = DATA / "boundaries" / "derbyshire" / "lsoa2011"
WARDS = DATA / "boundaries" / "derbyshire" / "wards2016"
CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
STAMP = (2025, 1, 1, 0, 0, 0)


def _write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A zip whose bytes depend only on ``members``: fixed timestamps and permissions."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    tmp.replace(path)


def _collection(features: list[dict]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "crs": CRS84, "features": features}, separators=(",", ":"), ensure_ascii=False).encode()


def _features(folder: Path) -> list[tuple[str, list[dict]]]:
    out = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out.append((path.stem, [{"type": "Feature", "properties": f["properties"], "geometry": f["geometry"]} for f in data["features"]]))
    return out


def street_zip() -> list[tuple[str, bytes]]:
    members = []
    for path in sorted(POLICE.glob("*-derbyshire-street.csv")):
        month = re.match(r"\d{4}-\d{2}", path.name)[0]
        members.append((f"{month}/{path.name}", path.read_bytes()))
    if len(members) != 12:
        raise SystemExit(f"expected 12 street CSVs in {POLICE}, found {len(members)}")
    return members


def _without_slivers(geom, min_m2: float = 1.0):
    """The union without the hairline holes left where neighbouring generalised LSOAs do
    not quite meet (all far below 1 m²); real holes, if any, are kept."""
    def clean(poly):
        holes = [ring for ring in poly.interiors if area_km2(shapely.Polygon(ring)) * 1e6 >= min_m2]
        return shapely.Polygon(poly.exterior, holes)

    parts = [clean(p) for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def district_features(lsoas: list[tuple[str, list[dict]]]) -> list[dict]:
    features = []
    for code, items in lsoas:
        names = {f["properties"]["LSOA11NM"].rsplit(" ", 1)[0] for f in items}
        if len(names) != 1:
            raise SystemExit(f"{code}: LSOA names have several district prefixes: {sorted(names)}")
        geoms = [shape(f["geometry"]) for f in items]
        union = _without_slivers(shapely.make_valid(shapely.union_all(geoms)))
        features.append({"type": "Feature", "properties": {"LAD11CD": code, "LAD11NM": names.pop()}, "geometry": mapping(union)})
    return features


def main() -> None:
    if not DATA.exists():
        raise SystemExit(f"{DATA} is missing: the demo files are built from ../shared/data beside the checkout")
    lsoas = _features(LSOA)
    wards = _features(WARDS)
    built = {
        "derbyshire-2025-street.zip": street_zip(),
        "derbyshire-lsoa2011.geojson.zip": [("derbyshire-lsoa2011.geojson", _collection([f for _, fs in lsoas for f in fs]))],
        "derbyshire-wards2016.geojson.zip": [("derbyshire-wards2016.geojson", _collection([f for _, fs in wards for f in fs]))],
        "derbyshire-districts.geojson.zip": [("derbyshire-districts.geojson", _collection(district_features(lsoas)))],
    }
    for name, members in built.items():
        _write_zip(DEMO / name, members)
        print(f"{name}: {len(members)} member(s), {(DEMO / name).stat().st_size:,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
