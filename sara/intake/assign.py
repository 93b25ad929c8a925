"""Placing events in areas: which LSOA, ward, district and drawn areas each event lies in.

An event with coordinates goes where its point lies (``sara.geo.locate``: one area per
point for the partitions lsoa/ward/district, every containing area for custom areas);
method ``point``. An event without coordinates is placed by the LSOA code its source gave:
in that LSOA for kind lsoa, and for other kinds in the area holding that LSOA's
representative point; method ``lsoa_code``. Every event not placed is counted under the
reason why, so a report never drops rows silently.

police.uk rows published since 2022 carry 2021 LSOA codes; boundaries loaded from 2011
files have 2011 codes. About 93% of Derbyshire's coded rows match a 2011 code; the lsoa
report says how many given codes are not among the loaded ones and how many disagree
with the LSOA the point falls in.

Events are read and links written in chunks (``CHUNK`` events at a time), so memory stays
bounded whatever the number of events; one transaction per call.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import shapely
from sqlalchemy import Connection, Engine, delete, false, select, true, update

from sara import geo
from sara.errors import Invalid
from sara.store import bulk
from sara.store.schema import Area, Event, EventArea

Tick = Callable[[str, int], None]
CHUNK = 250_000
PARTITIONS = ("lsoa", "ward", "district")
KINDS = (*PARTITIONS, "custom")

NO_COORDS_NO_CODE = "no coordinates and no LSOA code"
CODE_NOT_LOADED = "no coordinates, and LSOA code not among the loaded lsoa areas (e.g. 2021 codes against 2011 boundaries)"
NO_LSOAS_LOADED = "no coordinates, and no lsoa areas loaded to place its LSOA code"
EVENT_AREA = EventArea.__table__


def outside(kind: str) -> str:
    return f"coordinates outside every {kind} area"


def lsoa_outside(kind: str) -> str:
    return f"no coordinates, and its LSOA lies outside every {kind} area"


@dataclass
class Areas:
    """The areas of one kind as arrays: database ids, codes and lon/lat polygons."""

    kind: str
    ids: np.ndarray
    codes: np.ndarray
    polygons: np.ndarray

    @classmethod
    def read(cls, conn: Connection, kind: str) -> Areas:
        rows = conn.execute(select(Area.id, Area.code, Area.geometry).where(Area.kind == kind).order_by(Area.id)).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        codes = np.array([r[1] for r in rows], dtype=object)
        polygons = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else np.empty(0, dtype=object)
        return cls(kind, ids, codes, polygons)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class _Tally:
    """Counts for one kind, summed over chunks."""

    areas: int
    events: int = 0
    matched: int = 0
    links: int = 0
    by_method: Counter = field(default_factory=Counter)
    unmatched: Counter = field(default_factory=Counter)
    # kind lsoa only: the LSOA code given by the source against the LSOA placed in
    with_code: int = 0
    code_not_loaded: int = 0
    codes_not_loaded: set = field(default_factory=set)
    code_differs: int = 0
    code_differs_loaded: int = 0

    def result(self, kind: str) -> dict:
        out = {
            "areas": self.areas,
            "events": self.events,
            "matched": self.matched,
            "unmatched": sum(self.unmatched.values()),
            "unmatched_by_reason": dict(self.unmatched.most_common()),
            "by_method": {m: self.by_method.get(m, 0) for m in ("point", "lsoa_code")},
        }
        if kind == "custom":
            out["links"] = self.links
        if kind == "lsoa":
            share = self.code_not_loaded / self.with_code if self.with_code else 0.0
            out |= {
                "events_with_lsoa_code": self.with_code,
                "lsoa_code_not_loaded": self.code_not_loaded,
                "lsoa_codes_not_loaded_distinct": len(self.codes_not_loaded),
                "lsoa_code_differs": self.code_differs,
                "lsoa_code_differs_loaded": self.code_differs_loaded,
                "note": (
                    f"{self.code_not_loaded:,} of {self.with_code:,} events with an LSOA code ({share:.1%}) give a code "
                    f"({len(self.codes_not_loaded):,} distinct) not among the {self.areas:,} loaded lsoa areas "
                    "(police.uk uses 2021 codes; boundaries may be 2011): they are placed by their coordinates where they have them. "
                    f"{self.code_differs:,} events placed by coordinates lie in another LSOA than the code given "
                    f"({self.code_differs_loaded:,} of them with a code that is loaded)."
                ),
            }
        return out


def _distinct(index: np.ndarray, n: int) -> int:
    """How many distinct values ``index`` (row numbers below ``n``) holds."""
    seen = np.zeros(n, dtype=bool)
    seen[index] = True
    return int(seen.sum())


class _Placer:
    """Places chunks of events in the areas of one kind."""

    def __init__(self, conn: Connection, kind: str):
        self.kind = kind
        self.areas = Areas.read(conn, kind)
        self.one_per_point = kind in PARTITIONS
        self.tally = _Tally(len(self.areas))
        self._conn = conn
        self._lsoa_points: tuple[dict[str, int], np.ndarray, np.ndarray] | None = None

    def _lsoas(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Loaded LSOA codes -> row, and each LSOA's representative point (lazy: only events
        without coordinates need it)."""
        if self._lsoa_points is None:
            lsoa = self.areas if self.kind == "lsoa" else Areas.read(self._conn, "lsoa")
            rep = shapely.point_on_surface(lsoa.polygons) if len(lsoa) else np.empty(0, dtype=object)
            self._lsoa_points = ({c: i for i, c in enumerate(lsoa.codes)}, shapely.get_x(rep), shapely.get_y(rep))
        return self._lsoa_points

    def place(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """Links (event_id, area_id, method) for one chunk of events (id, lon, lat, lsoa_code)."""
        t = self.tally
        n = chunk.height
        t.events += n
        ids = chunk["id"].to_numpy()
        lon = chunk["lon"].to_numpy().astype(float, copy=False)
        lat = chunk["lat"].to_numpy().astype(float, copy=False)
        has_xy = np.isfinite(lon) & np.isfinite(lat)
        code = chunk["lsoa_code"].str.strip_chars()
        given = code.to_numpy()
        has_code = code.fill_null("").ne("").to_numpy()

        if not len(self.areas):
            t.unmatched[f"no {self.kind} areas loaded"] += n
            return pl.DataFrame(schema={"event_id": pl.Int64, "area_id": pl.Int64, "method": pl.String})
        pts, polys = geo.locate(lon, lat, self.areas.polygons, one_per_point=self.one_per_point)
        placed = np.zeros(n, dtype=bool)
        placed[pts] = True
        t.unmatched[outside(self.kind)] += int((has_xy & ~placed).sum())

        # Events without coordinates: by their LSOA code.
        no_xy = ~has_xy
        t.unmatched[NO_COORDS_NO_CODE] += int((no_xy & ~has_code).sum())
        code_pts = np.empty(0, dtype=np.int64)
        code_polys = np.empty(0, dtype=np.int64)
        need = np.flatnonzero(no_xy & has_code)
        if len(need):
            index, rep_x, rep_y = self._lsoas()
            rows = np.array([index.get(c, -1) for c in given[need]], dtype=np.int64)
            known = rows >= 0
            if not index:
                t.unmatched[NO_LSOAS_LOADED] += len(need)
            else:
                t.unmatched[CODE_NOT_LOADED] += int((~known).sum())
            need, rows = need[known], rows[known]
            if self.kind == "lsoa":
                code_pts, code_polys = need, rows
            elif len(need):
                sub_pts, code_polys = geo.locate(rep_x[rows], rep_y[rows], self.areas.polygons, one_per_point=self.one_per_point)
                code_pts = need[sub_pts]
                t.unmatched[lsoa_outside(self.kind)] += len(need) - _distinct(sub_pts, len(need))

        if self.kind == "lsoa":
            self._compare_codes(given, has_code, pts, polys)
        t.unmatched = +t.unmatched  # drop zero counts
        by_point, by_code = _distinct(pts, n), _distinct(code_pts, n)
        t.by_method["point"] += by_point
        t.by_method["lsoa_code"] += by_code
        t.matched += by_point + by_code
        t.links += len(pts) + len(code_pts)
        return pl.DataFrame(
            {
                "event_id": np.concatenate([ids[pts], ids[code_pts]]),
                "area_id": np.concatenate([self.areas.ids[polys], self.areas.ids[code_polys]]),
                "method": ["point"] * len(pts) + ["lsoa_code"] * len(code_pts),
            },
            schema={"event_id": pl.Int64, "area_id": pl.Int64, "method": pl.String},
        )

    def _compare_codes(self, given: np.ndarray, has_code: np.ndarray, pts: np.ndarray, polys: np.ndarray) -> None:
        t = self.tally
        index, _, _ = self._lsoas()
        coded = given[has_code]
        t.with_code += len(coded)
        if len(coded):
            loaded = np.fromiter((c in index for c in coded), dtype=bool, count=len(coded))
            t.code_not_loaded += int((~loaded).sum())
            t.codes_not_loaded.update(coded[~loaded].tolist())
        if len(pts):
            sel = has_code[pts]
            gave, fell = given[pts][sel], self.areas.codes[polys][sel]
            differs = gave != fell
            t.code_differs += int(differs.sum())
            t.code_differs_loaded += sum(1 for c in gave[differs] if c in index)


def _chunks(conn: Connection, *, unassigned_only: bool, size: int = CHUNK) -> Iterator[pl.DataFrame]:
    """Events (id, lon, lat, lsoa_code) in id order, ``size`` at a time (keyset paging),
    read through the driver: COPY on PostgreSQL, the sqlite3 cursor on SQLite (each two to
    three times faster than building SQLAlchemy rows)."""
    only = " AND NOT assigned" if unassigned_only else ""
    schema = {"id": pl.Int64, "lon": pl.Float64, "lat": pl.Float64, "lsoa_code": pl.String}
    raw = conn.connection.driver_connection
    last = -1
    while True:
        sql = f"SELECT id, lon, lat, lsoa_code FROM event WHERE id > {int(last)}{only} ORDER BY id LIMIT {int(size)}"
        if conn.dialect.name == "postgresql":
            buf = io.BytesIO()
            with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    buf.write(data)
            if not buf.tell():
                return
            frame = pl.read_csv(buf.getvalue(), has_header=False, new_columns=list(schema), schema=schema)
        else:
            cur = raw.cursor()
            try:
                rows = cur.execute(sql).fetchall()
            finally:
                cur.close()
            if not rows:
                return
            frame = pl.DataFrame(rows, schema=schema, orient="row")
        yield frame
        last = int(frame["id"][-1])
        if frame.height < size:
            return


@contextmanager
def _sqlite_cache(conn: Connection, kib: int = 256 * 1024) -> Iterator[None]:
    """A larger SQLite page cache while links are written: the area index of ``event_area``
    takes its rows in random order, and the default 2 MB cache makes that disk-bound."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={before}")


def _result(placers: list[_Placer], events: int, seconds: float) -> dict:
    return {"events": events, "seconds": round(seconds, 3), "by_kind": {p.kind: p.tally.result(p.kind) for p in placers}}


def assign_kind(engine: Engine, kind: str, tick: Tick | None = None) -> dict:
    """Recomputes the links of every event to the areas of ``kind`` (old links of that kind
    are deleted first) and returns what was placed and what was not, and why."""
    if kind not in KINDS:
        raise Invalid(f"unknown area kind {kind!r}", field="kind", fix=f"use one of {', '.join(KINDS)}")
    started = time.perf_counter()
    events = 0
    with engine.begin() as conn, _sqlite_cache(conn):
        conn.execute(delete(EventArea).where(EventArea.area_id.in_(select(Area.id).where(Area.kind == kind))))
        placer = _Placer(conn, kind)
        for chunk in _chunks(conn, unassigned_only=False):
            bulk.insert_frame(conn, EVENT_AREA, placer.place(chunk))
            events += chunk.height
            if tick:
                tick(f"placing events in {kind} areas", chunk.height)
    return _result([placer], events, time.perf_counter() - started)


def assign_new_events(engine: Engine, tick: Tick | None = None) -> dict:
    """Places events not yet assigned (``assigned`` false) in the areas of every loaded
    kind, then marks them assigned. With no areas loaded, nothing changes."""
    started = time.perf_counter()
    events = 0
    with engine.begin() as conn, _sqlite_cache(conn):
        kinds = [k for k in KINDS if k in set(conn.execute(select(Area.kind).distinct()).scalars())]
        if not kinds:
            return _result([], 0, time.perf_counter() - started)
        placers = [_Placer(conn, k) for k in kinds]
        for chunk in _chunks(conn, unassigned_only=True):
            first, last = int(chunk["id"][0]), int(chunk["id"][-1])
            batch = Event.id.between(first, last) & (Event.assigned == false())
            # Links an earlier assign_kind made for these events are recomputed with the rest.
            conn.execute(delete(EventArea).where(EventArea.event_id.in_(select(Event.id).where(batch))))
            for placer in placers:
                bulk.insert_frame(conn, EVENT_AREA, placer.place(chunk))
            conn.execute(update(Event).where(batch).values(assigned=true()))
            events += chunk.height
            if tick:
                tick("placing new events in areas", chunk.height)
    return _result(placers, events, time.perf_counter() - started)
