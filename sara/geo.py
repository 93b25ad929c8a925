"""Geometry in one place: coordinate systems, bounds, areas and point-in-polygon.

All distances are in metres in a projected CRS: British National Grid (EPSG:27700) for
UK data, the source's own projected CRS (e.g. UTM) elsewhere. Lon/lat is WGS84.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"

# data.police.uk covers England, Wales and Northern Ireland; this box holds all three with
# a margin and nothing of mainland Europe beyond a sliver of sea.
UK_LON = (-8.75, 1.85)
UK_LAT = (49.8, 61.0)


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def check_crs(crs: str) -> str:
    """``crs`` if pyproj knows it, else ``ValueError`` naming it."""
    try:
        CRS.from_user_input(crs)
    except Exception:
        raise ValueError(f"unknown coordinate reference system {crs!r}: use an EPSG code such as EPSG:27700") from None
    return crs


def is_geographic(crs: str) -> bool:
    return CRS.from_user_input(crs).is_geographic


def transform(x: np.ndarray, y: np.ndarray, src: str, dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from ``src`` to ``dst``; NaN stays NaN."""
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return _transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def in_uk(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon >= UK_LON[0]) & (lon <= UK_LON[1]) & (lat >= UK_LAT[0]) & (lat <= UK_LAT[1])


def valid_lonlat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


_GEOD = Geod(ellps="WGS84")


def area_km2(geom: shapely.Geometry) -> float:
    """Geodesic area of a lon/lat polygon in km², independent of any projection."""
    area, _ = _GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


def locate(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray, *, one_per_point: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (point index, polygon index) for points lying in polygons (vectorised).

    A point on a boundary shared by two polygons of a partition (LSOAs, wards) would be
    in both; with ``one_per_point`` it goes to the polygon listed first, so counts by
    area add up to the total. Drawn areas may overlap: pass ``one_per_point=False``.
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    idx = np.flatnonzero(ok)
    if len(idx) == 0 or len(polygons) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    polygons = np.asarray(polygons)
    tree = shapely.STRtree(polygons)
    shapely.prepare(polygons)
    x, y = lon[idx], lat[idx]
    # Bounding boxes first, then an exact test against the prepared polygons: several times
    # faster than the tree's own predicate when polygons are large (districts).
    pts, polys = tree.query(shapely.points(x, y))
    hit = shapely.intersects_xy(polygons[polys], x[pts], y[pts])
    pts, polys = pts[hit], polys[hit]
    if one_per_point and len(pts):
        order = np.lexsort((polys, pts))
        pts, polys = pts[order], polys[order]
        first = np.ones(len(pts), dtype=bool)
        first[1:] = pts[1:] != pts[:-1]
        pts, polys = pts[first], polys[first]
    return idx[pts], polys


def projected_crs_for(lon: np.ndarray, lat: np.ndarray) -> str:
    """The CRS to measure lon/lat points in metres: British National Grid when they lie in
    Great Britain, else the UTM zone of their median longitude."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return BNG
    mlon, mlat = float(np.median(lon[ok])), float(np.median(lat[ok]))
    if UK_LON[0] <= mlon <= UK_LON[1] and UK_LAT[0] <= mlat <= UK_LAT[1]:
        return BNG
    zone = int((mlon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if mlat >= 0 else 32700 + zone}"
