"""GPS tag trail exports (CSV) loaded through a mapping (``sara tags load FILE --mapping MAP``).

The mapping is the events mapping format (``sara.intake.mapping``, ``mappings/README.md``)
with the tag or wearer reference under ``[columns]`` as ``wearer`` (in place of
``category``) and optionally the fix's ``accuracy`` in metres; ``[time] occurred`` is the
fix's time and ``[coordinates]`` its place (lon/lat, or easting/northing with their crs)::

    source = "Probation GPS tag trails"
    [columns]
    wearer = "Tag ID"
    accuracy = "Accuracy (m)"
    [time]
    occurred = "Fix time"
    [coordinates]
    lon = "Longitude"
    lat = "Latitude"

Times are UTC: tags fix by GPS time; a value with an offset (``+01:00``, ``Z``) is converted
to UTC. Every row is accounted for: stored as a trail point, counted as already held (the
same wearer and time), or quarantined with its reason, never dropped: a missing wearer
reference, time or coordinates; a time that is not one; a fix at (0, 0) (the tag had no
position); coordinates outside the CRS's area; an accuracy that is not a number; a time out of
order (at or before an earlier fix of the same wearer in the file: the export is not a trail
as recorded); a fix outside the wearer's monitoring period. A wearer reference not held yet
makes a wearer with no recorded person, reported so it can be linked (``sara tags wearer add``).
The quarantined rows are the loading organisation's (its source is a partner source), so
only its analysts and administrators see them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine, func, insert, select

from sara.intake import checks
from sara.intake.csvfile import CsvReader
from sara.intake.files import expand
from sara.intake.load import _quarantine, source_id
from sara.intake.mapped import _coordinate_rules, _with_coordinates, check_source
from sara.intake.mapping import Mapping, _build, _Problems, mapping_text, missing_columns, refuse, toml_of
from sara.intake.rows import LINE, RefusedFile, Rejected, storable
from sara.store import bulk
from sara.store.schema import Load
from sara.store.schema.tags import TrailPoint, Wearer

KIND = "trails"
SUFFIXES = (".csv",)
AT = "_at"
ZERO = "a fix at (0, 0): the tag had no position (remove the row, or give the fix's real coordinates)"
OUT_OF_ORDER = "time out of order: at or before an earlier fix of the same wearer in this file (sort the export by wearer and time, and remove repeated fixes)"
OUTSIDE = "a fix outside the wearer's monitoring period (check the fix's time, or the monitoring period recorded for the wearer)"
AWARE = ("%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M%z")
NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
EXAMPLE_MAPPING = """# A trail export's columns: change the names in quotes to your export's.
source = "Electronic monitoring trails"

[columns]
wearer = "Tag ID"          # the tag or wearer reference
accuracy = "Accuracy (m)"  # optional: remove the line if the export has none

[time]
occurred = "Fix time (UTC)"  # each fix's time: UTC unless it carries an offset

[coordinates]
lon = "Longitude"
lat = "Latitude"
# or, for easting/northing: x = "Easting", y = "Northing", crs = "EPSG:27700"
"""


@dataclass(frozen=True)
class TrailMapping:
    """An events mapping whose ``category`` column is the wearer reference, and the accuracy column."""

    mapping: Mapping
    wearer: str
    accuracy: str | None = None

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys([*self.mapping.columns, *([self.accuracy] if self.accuracy else [])]))

    def check_header(self, header: list[str]) -> str | None:
        return missing_columns(header, self.columns, f"the mapping {self.mapping.name}")


def read_trail_mapping(path: str | Path) -> TrailMapping:
    """The trail mapping in the TOML file ``path``, checked; ``Invalid`` says what to fix."""
    return parse_trail_mapping(mapping_text(path), Path(path).name)


def parse_trail_mapping(text: str, name: str = "mapping") -> TrailMapping:
    """The trail mapping in TOML ``text``, checked; ``Invalid`` names every problem."""
    data = toml_of(text, name)
    problems = _Problems()
    columns = data.get("columns") if isinstance(data.get("columns"), dict) else {}
    wearer, accuracy = columns.pop("wearer", None), columns.pop("accuracy", None)
    if wearer is None:
        problems.add('missing key wearer in [columns]: name the column holding the tag or wearer reference, e.g. wearer = "Tag ID"')
    elif not isinstance(wearer, str) or not wearer.strip():
        problems.add('columns.wearer must be a column name in quotes, e.g. wearer = "Tag ID"')
        wearer = None
    if accuracy is not None and not (isinstance(accuracy, str) and accuracy.strip()):
        problems.add('columns.accuracy must be a column name in quotes, e.g. accuracy = "Accuracy (m)"')
        accuracy = None
    if "category" in columns:
        problems.add("a trail mapping has no category: remove category from [columns] (the wearer column says whose fix it is)")
    if wearer:
        columns["category"] = wearer.strip()
    time = data.get("time") if isinstance(data.get("time"), dict) else {}
    if time and "occurred" not in time:
        problems.add('[time] of a trail needs occurred = "Column": the time of each fix (a fix is one moment, not a window or date parts)')
    if "coordinates" not in data:
        problems.add("a trail mapping needs [coordinates]: lon and lat, or x and y with their crs")
    if not problems:
        mapping = _build(data, name, problems)
    refuse(problems, name)
    return TrailMapping(mapping, wearer.strip(), accuracy.strip() if accuracy else None)


def _fix_time(value: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    """The fix's time in UTC: converted from its offset where written, else taken as UTC."""
    text = value.str.replace(r"Z$", "+00:00")
    aware = [text.str.to_datetime(f, strict=False, time_unit="us", time_zone="UTC").dt.replace_time_zone(None) for f in AWARE]
    naive = [value.str.to_datetime(f, strict=False, time_unit="us") for f in (*formats, *NAIVE)]
    return pl.coalesce([*aware, *naive])


def points_from(frame: pl.DataFrame, tm: TrailMapping) -> tuple[pl.DataFrame, list[Rejected]]:
    """The rows of one trail file (text columns and ``_line``) as points (``_line``,
    ``wearer_ref``, ``at``, ``lon``, ``lat``, ``x``, ``y``, ``accuracy``) and the rows refused
    with their reasons. Pure: no database."""
    m = tm.mapping
    header = [c for c in frame.columns if c != LINE]
    when = m.time.occurred[0] if len(m.time.occurred) == 1 else None
    value = pl.col(when) if when else pl.concat_str([pl.col(c) for c in m.time.occurred], separator=" ", ignore_nulls=True)
    c = m.coordinates
    frame = _with_coordinates(frame, m)
    parsed = {AT: _fix_time(value.str.strip_chars(), m.time.formats)}
    if tm.accuracy:
        parsed["_accuracy"] = checks.number(tm.accuracy)
    rules = [
        (pl.col(tm.wearer).is_null(), f"missing wearer reference ({tm.wearer} is empty)"),
        (pl.col(tm.wearer).str.len_chars() > Wearer.__table__.c.reference.type.length, f"{tm.wearer} is longer than 100 characters"),
        (value.is_null(), f"missing time ({' + '.join(m.time.occurred)} is empty)"),
        (pl.col(AT).is_null(), f"unparseable {' + '.join(m.time.occurred)} (expected a date and time such as 2025-03-01T14:05:00 or 2025-03-01T14:05:00+00:00)"),
        checks.implausible(AT, " + ".join(m.time.occurred)),
        (pl.col(c.a).is_null() | pl.col(c.b).is_null(), f"missing coordinates ({c.a} or {c.b} is empty)"),
        ((pl.col("_a") == 0) & (pl.col("_b") == 0), ZERO),
        *_coordinate_rules(m),
    ]
    if tm.accuracy:
        rules.append((pl.col(tm.accuracy).is_not_null() & (pl.col("_accuracy").is_null() | (pl.col("_accuracy") < 0)), f"{tm.accuracy} is not a distance in metres"))
    good, rejected = checks.apply(frame, header, tm.columns, parsed, rules)
    good = good.select(LINE, wearer_ref=pl.col(tm.wearer), at=AT, lon="_lon", lat="_lat", x="_x", y="_y",
                       accuracy=pl.col("_accuracy") if tm.accuracy else pl.lit(None, dtype=pl.Float64))  # fmt: skip
    earlier = pl.col("at").cum_max().shift(1).over("wearer_ref")
    late = good.sort(LINE).with_columns(_late=(pl.col("at") <= earlier).fill_null(False))
    out = late.filter("_late")
    if out.height:
        rejected += _refused(frame, header, out[LINE], OUT_OF_ORDER)
    return late.filter(~pl.col("_late")).drop("_late"), rejected


def _refused(frame: pl.DataFrame, header: list[str], lines: pl.Series, reason: str) -> list[Rejected]:
    from sara.intake.rows import as_csv_line

    raw = frame.filter(pl.col(LINE).is_in(lines.implode())).select(LINE, *header)
    return [Rejected(row[0], as_csv_line(list(row[1:])), reason) for row in raw.iter_rows()]


def load_trails(engine: Engine, paths: list[str], mapping_path: str, *, organisation_id: int, now: dt.datetime) -> dict:
    """Loads trail exports (CSV files, folders, zip archives) as ``organisation_id``'s: one
    transaction per file. Returns the counts per file and in all (read = stored + already
    held + quarantined), the reasons, and the wearers made without a recorded person."""
    tm = read_trail_mapping(mapping_path)
    check_source(engine, tm.mapping, organisation_id)
    items, missing = expand(paths, SUFFIXES)
    files, made = [], []
    for item in items:
        files.append(_load_file(engine, item, tm, organisation_id, now, made))
    total = {k: sum(f.get(k, 0) for f in files) for k in ("rows_read", "inserted", "unchanged", "quarantined")}
    reasons = Counter()
    for f in files:
        reasons.update(f.get("quarantined_by_reason", {}))
    wt = Wearer.__table__
    with engine.connect() as conn:
        unlinked = conn.execute(select(wt.c.reference).where(wt.c.organisation_id == organisation_id, wt.c.person_id.is_(None)).order_by(wt.c.reference)).scalars().all()
    return {"files": files, "missing": [{"path": p, "error": e} for p, e in missing], **total, "quarantined_by_reason": dict(reasons.most_common()),
            "counts_add_up": total["rows_read"] == total["inserted"] + total["unchanged"] + total["quarantined"],
            "wearers_new": made, "wearers_without_person": list(unlinked), "source": tm.mapping.source}  # fmt: skip


def _load_file(engine: Engine, item, tm: TrailMapping, organisation_id: int, now: dt.datetime, made: list[str]) -> dict:
    with item.open() as stream:
        try:
            reader = CsvReader(stream, encoding=tm.mapping.encoding)
            parts = list(reader.tables(tm.check_header))
        except RefusedFile as exc:
            return {"path": item.path, "refused": str(exc)}
        sha = stream.sha256
    frame = pl.concat([p.frame for p in parts]) if parts else pl.DataFrame()
    read_rejected = [r for p in parts for r in p.rejected]
    header = [c for c in frame.columns if c != LINE]
    points, rejected = points_from(frame, tm)
    rejected = read_rejected + rejected
    wt, pt = Wearer.__table__, TrailPoint.__table__
    with engine.begin() as conn:
        sid = source_id(conn, tm.mapping.source, "mapped", tm.mapping.projected_crs, organisation_id)
        load_id = conn.execute(insert(Load).values(source_id=sid, kind=KIND, path=storable(item.path), name=storable(item.name), sha256=sha, loaded_at=now,
                                                   rows_read=0, inserted=0, updated=0, unchanged=0, quarantined=0).returning(Load.id)).scalar_one()  # fmt: skip
        held = {r.reference: r for r in conn.execute(select(wt).where(wt.c.organisation_id == organisation_id))}
        for ref in sorted(set(points["wearer_ref"].unique().to_list()) - set(held)):
            conn.execute(insert(wt).values(organisation_id=organisation_id, reference=ref, crs=tm.mapping.projected_crs, created_at=now))
            made.append(ref)
        held = {r.reference: r for r in conn.execute(select(wt).where(wt.c.organisation_id == organisation_id))}
        ids = {ref: w.id for ref, w in held.items()}
        starts = {ref: w.monitoring_from for ref, w in held.items() if w.monitoring_from}
        ends = {ref: w.monitoring_to for ref, w in held.items() if w.monitoring_to}
        points = _in_crs(points, held, tm.mapping.projected_crs)
        start = pl.col("wearer_ref").replace_strict(starts, default=None, return_dtype=pl.Datetime("us"))
        end = pl.col("wearer_ref").replace_strict(ends, default=None, return_dtype=pl.Datetime("us"))
        outside = points.filter((pl.col("at") < start).fill_null(False) | (pl.col("at") >= end).fill_null(False))
        if outside.height:
            rejected += _refused(frame, header, outside[LINE], OUTSIDE)
            points = points.filter(~pl.col(LINE).is_in(outside[LINE].implode()))
        points = points.with_columns(wearer_id=pl.col("wearer_ref").replace_strict(ids, return_dtype=pl.Int64))
        points, unchanged = _new_only(conn, points)
        inserted = bulk.insert_frame(conn, pt, points.select("wearer_id", "at", "x", "y", "lon", "lat", "accuracy").with_columns(load_id=pl.lit(load_id, pl.Int64)))
        rejected.sort(key=lambda r: (r.line is None, r.line or 0))
        _quarantine(conn, load_id, KIND, item.name, rejected)
        conn.execute(Load.__table__.update().where(Load.id == load_id).values(rows_read=frame.height + len(read_rejected), inserted=inserted,
                                                                             unchanged=unchanged, quarantined=len(rejected)))  # fmt: skip
    return {"path": item.path, "rows_read": frame.height + len(read_rejected), "inserted": inserted, "unchanged": unchanged, "quarantined": len(rejected),
            "quarantined_by_reason": dict(Counter(r.reason for r in rejected).most_common())}  # fmt: skip


def _in_crs(points: pl.DataFrame, held: dict, crs: str) -> pl.DataFrame:
    """x/y in each wearer's own CRS (the one its first trail came in)."""
    from sara import geo

    other = {ref: w.crs for ref, w in held.items() if w.crs != crs}
    if not other or points.height == 0:
        return points
    parts = [points.filter(~pl.col("wearer_ref").is_in(list(other)))]
    for target in set(other.values()):
        part = points.filter(pl.col("wearer_ref").is_in([r for r, c in other.items() if c == target]))
        x, y = geo.transform(part["lon"].to_numpy(), part["lat"].to_numpy(), geo.WGS84, target)
        parts.append(part.with_columns(x=pl.Series(np.asarray(x, float)), y=pl.Series(np.asarray(y, float))))
    return pl.concat(parts)


def _new_only(conn, points: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The points whose wearer has no fix at that time yet, and how many were already held."""
    if points.height == 0:
        return points, 0
    pt = TrailPoint.__table__
    lo, hi = points["at"].min(), points["at"].max()
    wearers = points["wearer_id"].unique().to_list()
    if conn.execute(select(func.count()).select_from(pt).where(pt.c.wearer_id.in_(wearers), pt.c.at.between(lo, hi))).scalar_one() == 0:
        return points, 0
    held = bulk.frame_from(conn, select(pt.c.wearer_id, pt.c.at).where(pt.c.wearer_id.in_(wearers), pt.c.at.between(lo, hi)),
                           schema={"wearer_id": pl.Int64, "at": pl.Datetime("us")})  # fmt: skip
    new = points.join(held.with_columns(_held=pl.lit(True)), on=["wearer_id", "at"], how="left").filter(pl.col("_held").is_null()).drop("_held")
    return new, points.height - new.height
