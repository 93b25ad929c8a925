"""Benchmark: placing events in LSOAs (``sara.intake.assign`` / ``sara.geo.locate``).

Input: 1,000,000 points resampled from the real 2025 Derbyshire police.uk points
(``demo/derbyshire-2025-street.zip``, jittered by ~100 m so they are not all on the
anonymised map points), placed in the 642 real LSOA 2011 polygons of
``demo/derbyshire-lsoa2011.geojson.zip`` and in 1,284 half-LSOAs (each LSOA cut in two
at its centroid: a partition the size of a large force's, ~1,400 LSOAs), and in the 9
districts (few polygons with many vertices).

Rows, each with our time, the reference's on the same input in the same run, and the ratio:

- ``point-in-polygon``: ``sara.geo.locate`` (what ``assign`` calls) against a per-polygon
  loop of prepared ``shapely.intersects_xy`` on the points inside each bounding box (the
  usual hand-written approach), checked to give the same answer.
- ``place stored events``: the whole placement of 1,000,000 events held in SQLite and in
  PostgreSQL when the LSOAs are loaded: reading events, point-in-polygon, writing the
  ``event_area`` links; the reference is the point-in-polygon part alone, so the ratio
  says what the database adds.

Run alone: ``.venv/bin/python -m bench.areas``.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pyogrio.raw
import shapely

from sara import geo

ROOT = Path(__file__).resolve().parents[1]

DEMO = ROOT / "demo"
STREET = DEMO / "derbyshire-2025-street.zip"
LSOAS = DEMO / "derbyshire-lsoa2011.geojson.zip"
DISTRICTS = DEMO / "derbyshire-districts.geojson.zip"
EVENTS = 1_000_000


def points(n: int = EVENTS, seed: int = 20250101) -> tuple[np.ndarray, np.ndarray]:
    with zipfile.ZipFile(STREET) as zf:
        frames = [pl.read_csv(zf.read(name), columns=["Longitude", "Latitude"]) for name in sorted(zf.namelist())]
    real = pl.concat(frames).drop_nulls()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, real.height, n)
    lon = real["Longitude"].to_numpy()[pick] + rng.normal(0, 0.0015, n)
    lat = real["Latitude"].to_numpy()[pick] + rng.normal(0, 0.001, n)
    return lon, lat


def polygons(path: Path) -> np.ndarray:
    name = zipfile.ZipFile(path).namelist()[0]
    _, _, wkb, _ = pyogrio.raw.read(f"/vsizip/{path}/{name}")
    return shapely.make_valid(shapely.from_wkb(wkb))


def halves(polys: np.ndarray) -> np.ndarray:
    """Each polygon cut in two at its centroid's longitude: a partition twice as fine."""
    out = []
    for p in polys:
        minx, miny, maxx, maxy = p.bounds
        cx = p.centroid.x
        for box in (shapely.box(minx - 1, miny - 1, cx, maxy + 1), shapely.box(cx, miny - 1, maxx + 1, maxy + 1)):
            part = shapely.intersection(p, box)
            if not part.is_empty and part.area > 0:
                out.append(part)
    return np.array(out, dtype=object)


def reference_loop(lon: np.ndarray, lat: np.ndarray, polys: np.ndarray) -> np.ndarray:
    """The hand-written way: for each polygon, the points in its bounding box, tested with
    prepared ``intersects_xy``; a point goes to the first polygon holding it (-1: none)."""
    polys = polys.copy()
    shapely.prepare(polys)
    found = np.full(len(lon), -1, dtype=np.int64)
    bounds = shapely.bounds(polys)
    for k, poly in enumerate(polys):
        minx, miny, maxx, maxy = bounds[k]
        idx = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy) & (found < 0))
        hit = shapely.intersects_xy(poly, lon[idx], lat[idx])
        found[idx[hit]] = k
    return found


def _as_found(n: int, pts: np.ndarray, polys: np.ndarray) -> np.ndarray:
    found = np.full(n, -1, dtype=np.int64)
    found[pts] = polys
    return found


def _timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def pip_row(case: str, lon: np.ndarray, lat: np.ndarray, polys: np.ndarray) -> dict:
    ours_s, (pts, idx) = _timed(geo.locate, lon, lat, polys)
    ref_s, ref = _timed(reference_loop, lon, lat, polys)
    ours = _as_found(len(lon), pts, idx)
    assert np.array_equal(ours, ref), f"{case}: geo.locate and the reference disagree on {(ours != ref).sum()} points"
    return {
        "benchmark": f"point-in-polygon, {case}",
        "input": f"{len(lon):,} points x {len(polys):,} polygons ({int(shapely.get_num_coordinates(polys).mean())} vertices on average)",
        "ours_s": ours_s,
        "reference": "per-polygon bbox + prepared intersects_xy",
        "reference_s": ref_s,
        "target": "<= 5 s for ~1,400 LSOAs" if "LSOA" in case else "",
    }


def db_row(lon: np.ndarray, lat: np.ndarray, url: str | None = None) -> dict:
    """``assign_kind`` end to end on a database holding ``len(lon)`` events."""
    from sqlalchemy import insert

    from sara.intake.areas import load_areas
    from sara.intake.assign import assign_kind
    from sara.store import bulk
    from sara.store.engine import connect, init
    from sara.store.schema import Event, Load, Source

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{tmp}/bench.db"
        init(url)
        engine = connect(url)
        n = len(lon)
        with engine.begin() as conn:
            sid = conn.execute(insert(Source).values(name="bench", kind="mapped", crs=geo.BNG).returning(Source.id)).scalar_one()
            lid = conn.execute(
                insert(Load).values(source_id=sid, kind="events", path="bench", name="bench", sha256="0" * 64,
                                    loaded_at=dt.datetime(2025, 1, 1), rows_read=n, inserted=n, updated=0, unchanged=0, quarantined=0)
                .returning(Load.id)
            ).scalar_one()  # fmt: skip
            bulk.insert_frame(
                conn,
                Event.__table__,
                pl.DataFrame(
                    {
                        "source_id": pl.repeat(sid, n, eager=True, dtype=pl.Int64),
                        "key_hi": np.arange(n, dtype=np.int64),
                        "key_lo": np.zeros(n, dtype=np.int64),
                        "month": pl.repeat(dt.date(2025, 1, 1), n, eager=True),
                        "category": pl.repeat("Burglary", n, eager=True),
                        "lon": lon,
                        "lat": lat,
                        "load_id": pl.repeat(lid, n, eager=True, dtype=pl.Int64),
                    }
                ),
            )
        first = load_areas(engine, [str(LSOAS)], "lsoa").areas  # places every event: no links yet
        again_s, _ = _timed(assign_kind, engine, "lsoa")  # deletes those links and places again
        pip_s, _ = _timed(geo.locate, lon, lat, polygons(LSOAS))
        engine.dispose()
    backend = url.split(":")[0].split("+")[0]
    return {
        "benchmark": f"place stored events in LSOAs ({backend}): read, place, write links",
        "input": f"{n:,} events x 642 LSOAs, {first['by_kind']['lsoa']['matched']:,} links; again (replacing links): {again_s:.1f} s",
        "ours_s": first["seconds"],
        "reference": "sara.geo.locate alone",
        "reference_s": pip_s,
        "target": "",
    }


def run(events: int = EVENTS) -> list[dict]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.postgres import Server

    lon, lat = points(events)
    lsoas = polygons(LSOAS)
    rows = [
        pip_row("642 LSOAs", lon, lat, lsoas),
        pip_row("1,284 half-LSOAs", lon, lat, halves(lsoas)),
        pip_row("9 districts", lon, lat, polygons(DISTRICTS)),
        db_row(lon, lat),
    ]
    with Server() as server:
        rows.append(db_row(lon, lat, server.create_database("bench")))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
