"""Writing results with geometry as GeoJSON (RFC 7946: WGS84 lon/lat); tables go through
``sara.report.export``, which neutralises spreadsheet formulas."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from sara import geo


@dataclass(frozen=True)
class Features:
    """A table whose rows have a geometry each (grid cells, areas), in ``crs``: what a
    service hands a face to write as GeoJSON or draw on a web map."""

    table: pl.DataFrame
    geometries: np.ndarray
    crs: str
    params: dict = field(default_factory=dict)


def write_features(features: Features, path: Path) -> Path:
    return write_geojson(features.table, features.geometries, features.crs, path, features.params)


def write_geojson(table: pl.DataFrame, geometries: np.ndarray, crs: str, path: Path, params: dict | None = None) -> Path:
    """One feature per row of ``table`` with its geometry (in ``crs``) as lon/lat."""

    def to_lonlat(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(geo.transform(xy[:, 0], xy[:, 1], crs, geo.WGS84))

    lonlat = shapely.transform(geometries, to_lonlat)
    features = [
        {"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)), "properties": row}
        for g, row in zip(lonlat, table.iter_rows(named=True))
    ]
    collection = {"type": "FeatureCollection", "features": features}
    if params:
        collection["sara"] = {"params": params, "crs_of_x_y": crs}
    Path(path).write_text(json.dumps(collection, default=str))
    return Path(path)
