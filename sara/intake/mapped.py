"""Force and partner exports (CSV or XLSX) loaded as events through a mapping
(``sara load events FILE --mapping MAP``).

The mapping (``sara.intake.mapping``) names the file's columns; this module reads the
file, checks every row in one vectorised pass and writes the events with the same keyed,
one-transaction-per-file loader as police.uk (``sara.intake.load``). Rows that cannot be
events are quarantined with the reason, never dropped: a bad or missing date, a window
that ends before it starts, coordinates that are not numbers or lie outside the area of
their coordinate system, a missing category, a location withheld at source (when the
mapping says x = y = 0 means withheld), an unknown ASB category, a value too long for its
column. A file whose header lacks mapped columns is refused whole, naming them; the other
files of the command still load.

Keys: with a ``source_id`` column, an event is identified by its id within its month, and
every other field may be revised by a later export (it updates in place; a record moved to
another month is added there, and the load's notes count it). Without one, an event is identified
by the text of its mapped fields except outcome and context, plus its ordinal among
identical rows (like police.uk ASB rows, ``sara.intake.keys``); outcome and context are
then the fields a re-load may revise.

Times are the source's local wall-clock time, stored without a time zone. ``month`` is the
month of ``occurred_from``; ``occurred_from``/``occurred_to`` are equal for an exact time
and span the window otherwise (a date alone spans its day, inclusive to the second).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import chain

import numpy as np
import polars as pl
from pyproj import CRS
from sqlalchemy import Connection, Engine, select

from sara import geo
from sara.errors import Forbidden, Invalid
from sara.intake import checks
from sara.intake.csvfile import CsvReader
from sara.intake.files import InputFile, Stream, expand
from sara.intake.keys import KEY, Seen, row_keys
from sara.intake.load import EVENT, Chunk, Notes, Parsed, Target, Tick, load_files, place_new_events
from sara.intake.mapping import ASB_CATEGORIES, FLAG_NAMES, Mapping, read_mapping
from sara.intake.report import LoadReport
from sara.intake.rows import LINE, RawTable, RefusedFile, Rejected
from sara.intake.xlsx import xlsx_tables
from sara.store.schema import Event, Source

KIND = "events"
SOURCE_KIND = "mapped"
SUFFIXES = (".csv", ".xlsx")
WITHHELD = "location withheld at source"
AREA_MARGIN = 0.5  # degrees around a CRS's published area of use

# The ISO 8601 forms always understood (spreadsheet date cells arrive as these), after
# any formats the mapping gives. True marks a date alone (the window is the whole day).
ISO_FORMATS = (
    ("%Y-%m-%dT%H:%M:%S%.f", False),
    ("%Y-%m-%d %H:%M:%S%.f", False),
    ("%Y-%m-%dT%H:%M", False),
    ("%Y-%m-%d %H:%M", False),
    ("%Y-%m-%d", True),
)
_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_TIME_DIRECTIVES = ("%H", "%I", "%k", "%l", "%T", "%R", "%r", "%X", "%c", "%s")
_EXAMPLE = dt.datetime(2024, 1, 31, 18, 5)
# Parsed columns get names no export uses, so a source column called "month" stays itself.
FROM, TO, MONTH = "_occurred_from", "_occurred_to", "_month_start"

# Event text columns the mapping can fill, and the mapping field that names each.
TEXT_FIELDS = {
    "source_ref": "source_id",
    "category": "category",
    "lsoa_code": "lsoa_code",
    "lsoa_name": "lsoa_name",
    "outcome": "outcome",
    "context": "context",
    "victim_ref": "victim",
    "suspect_ref": "suspect",
    "premises_ref": "premises",
}
EVENT_COLUMNS = (
    *KEY, "month", "occurred_from", "occurred_to", "lon", "lat", "x", "y", "source_ref", "category", "asb_category", "location",
    "lsoa_code", "lsoa_name", "outcome", "context", "victim_ref", "suspect_ref", "premises_ref", *FLAG_NAMES,
)  # fmt: skip
REVISED_WITHOUT_ID = ("outcome", "context")


def load_events(engine: Engine, paths: list[str], mapping_path: str, tick: Tick | None = None, *, organisation_id: int | None = None) -> LoadReport:
    """Loads force or partner exports (CSV or XLSX files, folders, zip archives) described
    by the mapping at ``mapping_path``, as the export of ``organisation_id`` (None: the
    operator's). A bad mapping raises ``Invalid`` saying what to fix, before any file is
    read; a file that does not fit the mapping is refused in the report while the others load."""
    mapping = read_mapping(mapping_path)
    check_source(engine, mapping, organisation_id)
    items, missing = expand(paths, SUFFIXES)
    report = LoadReport(missing=[{"path": p, "error": e} for p, e in missing])
    goal = replace(target(mapping), owner=organisation_id)
    report.files = load_files(engine, items, lambda item, stream: read_events(item, stream, mapping), lambda head: goal, tick)
    report.areas = place_new_events(engine, tick)
    return report


def check_source(engine: Engine, mapping: Mapping, organisation_id: int | None = None) -> None:
    """``Invalid`` if the mapping's source name is taken by another kind of source, holds
    events in another projected CRS, or holds another organisation's export (``Forbidden``)."""
    with engine.connect() as conn:
        found = conn.execute(select(Source.kind, Source.crs, Source.organisation_id).where(Source.name == mapping.source)).first()
    if found is None:
        return
    if found.organisation_id != organisation_id:
        raise Forbidden(f"mapping {mapping.name}: the source {mapping.source!r} holds another organisation's export: give the mapping another source name")
    if found.kind != SOURCE_KIND:
        raise Invalid(f"mapping {mapping.name}: source {mapping.source!r} is the name of a {found.kind} source", field="source", fix="give the mapping another source name")
    if found.crs != mapping.projected_crs:
        raise Invalid(
            f"mapping {mapping.name}: source {mapping.source!r} already holds events with x/y in {found.crs}, not {mapping.projected_crs}",
            field="projected_crs",
            fix=f"set projected_crs = {found.crs!r}, or give the mapping another source name",
        )


def target(mapping: Mapping) -> Target:
    """Table ``event`` of the mapping's source; with a source id every field may be revised."""
    if mapping.source_id:
        revised = tuple(c for c in EVENT_COLUMNS if c not in (*KEY, "month", "source_ref"))
    else:
        revised = REVISED_WITHOUT_ID
    return Target((mapping.source, SOURCE_KIND, mapping.projected_crs), EVENT, revised, notes=lambda: _Notes(mapping))


def is_workbook(name: str, data: bytes) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm", ".xls")) or data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def tables(stream: Stream, name: str, mapping: Mapping) -> Iterator[RawTable]:
    """The file's rows as text, block by block: XLSX (the mapping's sheet, or the first
    that fits) or CSV (in the mapping's encoding). ``RefusedFile`` if its header lacks
    mapped columns."""
    if is_workbook(name, stream.peek(4)):
        return xlsx_tables(stream, mapping.check_header, mapping.sheet)
    return CsvReader(stream, encoding=mapping.encoding).tables(mapping.check_header)


def read_table(data: bytes, name: str, mapping: Mapping) -> RawTable:
    """All the rows of a file held in memory, as one ``RawTable`` (small files, tests)."""
    parts = list(tables(Stream(io.BytesIO(data)), name, mapping))
    return RawTable(pl.concat([p.frame for p in parts]), [r for p in parts for r in p.rejected])


def read_events(item: InputFile, stream: Stream, mapping: Mapping) -> Iterator[Parsed | Chunk]:
    """Reads and checks one export block by block; a file that does not fit the mapping is
    refused whole."""
    try:
        blocks = tables(stream, item.name, mapping)
        first = next(blocks)  # the header is checked here
    except RefusedFile as exc:
        yield Parsed(item, KIND, refused=str(exc))
        return
    yield Parsed(item, KIND)
    seen = Seen()
    for raw in chain([first], blocks):
        rows, rejected = events_from(raw, mapping, seen)
        yield Chunk(rows, rejected, raw.rows_read)


def events_from(raw: RawTable, mapping: Mapping, seen: Seen | None = None) -> tuple[pl.DataFrame, list[Rejected]]:
    """Rows of a mapped export as event rows (``event`` table columns), and the rows refused
    (with those the reader refused). Pure: no database. ``seen``: the earlier blocks of
    the same file, for its row keys."""
    header = [c for c in raw.frame.columns if c != LINE]
    frame = _with_coordinates(raw.frame, mapping)
    parsed, rules = _time(mapping)
    rules = [*_withheld_rule(mapping), _category_rule(mapping), *_source_id_rule(mapping), *rules, *_coordinate_rules(mapping)]
    asb, asb_rules = _asb(mapping)
    parsed |= asb
    rules += asb_rules + _length_rules(mapping)
    frame, rejected = checks.apply(frame, header, mapping.columns, parsed, rules)
    text = {column: (pl.col(source) if source else pl.lit(None, dtype=pl.String)) for column, source in _text_sources(mapping).items()}
    flags = {f.name: pl.col(f.column).str.to_lowercase().is_in(list(f.values)).fill_null(False) for f in mapping.flags}
    events = frame.select(
        "_a",
        "_b",
        month=MONTH,
        occurred_from=FROM,
        occurred_to=TO,
        lon="_lon",
        lat="_lat",
        x="_x",
        y="_y",
        asb_category="_asb_category",
        location=_location(mapping),
        **text,
        **{name: flags.get(name, pl.lit(False)) for name in FLAG_NAMES},
    )
    events = with_keys(events, has_source_id=bool(mapping.source_id), seen=seen, last=raw.last).select(EVENT_COLUMNS)
    rejected = sorted(raw.rejected + rejected, key=lambda r: (r.line is None, r.line or 0))
    return events, rejected


def with_keys(events: pl.DataFrame, *, has_source_id: bool, seen: Seen | None = None, last: bool = True) -> pl.DataFrame:
    """``events`` with ``key_hi``/``key_lo``.

    With a source id: the id and the month. Keyed within the month (the store matches keys
    month by month), a revision that moves a record to another month is added under the
    new month instead of rewriting the event under its old one; the notes count these.

    Without: every field except outcome and context (the fields a source revises), as
    parsed values rather than the file's text, so the same row keeps its key whether it
    comes from CSV or XLSX, written ``6`` or ``06``, ``489930`` or ``489930.0``; plus its
    ordinal among identical rows. Coordinates count as given (``_a``/``_b``)."""
    if has_source_id:
        identity = ["source_ref", "month"]
    else:
        skip = {*KEY, "outcome", "context", "lon", "lat", "x", "y"}
        identity = [c for c in EVENT_COLUMNS if c not in skip] + ["_a", "_b"]
    temp = [f"_k{i}" for i in range(len(identity))]
    keyed = row_keys(events.with_columns(pl.col(c).cast(pl.String).alias(t) for c, t in zip(identity, temp)), temp, seen, last=last)
    return keyed.drop(temp)


# --- where -----------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _area(crs: str) -> tuple[str, tuple[float, float, float, float] | None]:
    found = CRS.from_user_input(crs)
    area = found.area_of_use
    return found.name, (area.west, area.south, area.east, area.north) if area else None


def _numbers(frame: pl.DataFrame, column: str) -> np.ndarray:
    return frame.select(pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)).to_series().to_numpy(allow_copy=True).astype(float)


def _with_coordinates(frame: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """Adds ``_a``/``_b`` (the coordinates as given, as numbers), ``_lon``/``_lat`` (WGS84)
    and ``_x``/``_y`` (metres in projected_crs); null where there are none."""
    c = mapping.coordinates
    if c is None:
        none = pl.lit(None, dtype=pl.Float64)
        return frame.with_columns(_a=none, _b=none, _lon=none, _lat=none, _x=none, _y=none)
    a, b = _numbers(frame, c.a), _numbers(frame, c.b)
    usable = np.isfinite(a) & np.isfinite(b)
    if c.kind == "lonlat":
        usable &= (np.abs(a) <= 180) & (np.abs(b) <= 90)
    lon, lat = np.full_like(a, np.nan), np.full_like(a, np.nan)
    with np.errstate(invalid="ignore"):
        lon[usable], lat[usable] = geo.transform(a[usable], b[usable], c.crs, geo.WGS84)
        if c.kind == "xy" and c.crs == mapping.projected_crs:
            x, y = np.where(usable, a, np.nan), np.where(usable, b, np.nan)
        else:
            x, y = np.full_like(a, np.nan), np.full_like(a, np.nan)
            ok = np.isfinite(lon) & np.isfinite(lat)
            x[ok], y[ok] = geo.transform(lon[ok], lat[ok], geo.WGS84, mapping.projected_crs)
    values = {"_a": a, "_b": b, "_lon": lon, "_lat": lat, "_x": x, "_y": y}
    return frame.with_columns(pl.Series(name, v, dtype=pl.Float64).fill_nan(None) for name, v in values.items())


def _inside(crs: str) -> pl.Expr | None:
    """Whether ``_lon``/``_lat`` lie in the area of use of ``crs`` (None: anywhere)."""
    _, area = _area(crs)
    if area is None or area == (-180.0, -90.0, 180.0, 90.0):
        return None
    west, south, east, north = area
    m = AREA_MARGIN
    return pl.col("_lon").is_between(west - m, east + m) & pl.col("_lat").is_between(south - m, north + m)


def _withheld_rule(mapping: Mapping) -> list[checks.Rule]:
    if not mapping.withheld_location_when_zero:
        return []
    return [((pl.col("_a") == 0) & (pl.col("_b") == 0), WITHHELD)]


def _coordinate_rules(mapping: Mapping) -> list[checks.Rule]:
    """Rules for the coordinates; both empty means no coordinates (kept, without a place).
    ``_a``/``_b``/``_lon``/``_lat`` are null where a value is missing or unusable."""
    c = mapping.coordinates
    if c is None:
        return []
    given_a, given_b = pl.col(c.a).is_not_null(), pl.col(c.b).is_not_null()
    given = given_a & given_b
    numbers = pl.col("_a").is_finite().fill_null(False) & pl.col("_b").is_finite().fill_null(False)
    converted = pl.col("_lon").is_finite().fill_null(False) & pl.col("_lat").is_finite().fill_null(False)
    rules = [
        (given_a != given_b, f"only one of {c.a} and {c.b} given"),
        (given & ~numbers, "coordinates are not numbers"),
    ]
    if c.kind == "xy":
        degrees = (pl.col("_a").abs() <= 180) & (pl.col("_b").abs() <= 90)
        rules.append((given & degrees, f"coordinates look like degrees, not metres: map {c.a}/{c.b} as lon and lat in the mapping, or check the columns"))
    if c.kind == "lonlat":
        rules.append(
            (given & ((pl.col("_a").abs() > 180) | (pl.col("_b").abs() > 90)), "coordinates outside the valid range (longitude -180..180, latitude -90..90)")
        )
    rules.append((given & ~converted, f"coordinates cannot be converted from {c.crs}: check the {c.a}/{c.b} columns and the crs of the mapping"))
    inside = _inside(c.crs)
    if inside is not None:
        name, _ = _area(c.crs)
        rules.append((given & ~inside, f"coordinates outside the area of {c.crs} ({name}): check the {c.a}/{c.b} columns and the crs of the mapping"))
    inside = _inside(mapping.projected_crs)
    if inside is not None and mapping.projected_crs != c.crs:
        name, _ = _area(mapping.projected_crs)
        rules.append(
            (
                given & ~inside,
                f"coordinates outside the area of projected_crs {mapping.projected_crs} ({name}): set projected_crs to a CRS for this area, such as its UTM zone",
            )
        )
    return rules


def _location(mapping: Mapping) -> pl.Expr:
    if not mapping.location:
        return pl.lit(None, dtype=pl.String)
    if len(mapping.location) == 1:
        return pl.col(mapping.location[0])
    joined = pl.concat_str([pl.col(c) for c in mapping.location], separator=", ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


# --- when ------------------------------------------------------------------------------


def _joined(columns: tuple[str, ...]) -> pl.Expr:
    """The text of one date-time held in one column, or in several joined by a space."""
    if len(columns) == 1:
        return pl.col(columns[0])
    joined = pl.concat_str([pl.col(c) for c in columns], separator=" ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


def _date_only(fmt: str) -> bool:
    return not any(d in fmt for d in _TIME_DIRECTIVES)


def _with_date_parts(formats: tuple[str, ...]) -> list[str]:
    """The formats, each followed by its date part alone (``%d/%m/%Y %H:%M`` then
    ``%d/%m/%Y``): exports often leave the time off when it is not known."""
    found = []
    for f in formats:
        found.append(f)
        cut = min((f.index(d) for d in _TIME_DIRECTIVES if d in f), default=None)
        if cut:
            day = f[:cut].rstrip(" T,")
            if "%" in day:
                found.append(day)
    return list(dict.fromkeys(found))


def _parse(value: pl.Expr, formats: tuple[str, ...]) -> tuple[pl.Expr, pl.Expr]:
    """(start, end) of a date-time text: equal for a date-time, the whole day for a date."""
    starts, ends = [], []
    candidates = [(value, f, _date_only(f)) for f in _with_date_parts(formats)]
    iso = value.str.replace(_OFFSET, "${1}")
    candidates += [(iso, f, day) for f, day in ISO_FORMATS]
    for text, fmt, day in candidates:
        start = text.str.to_datetime(fmt, strict=False, time_unit="us")
        starts.append(start)
        ends.append(start.dt.offset_by("1d").dt.offset_by("-1s") if day else start)
    return pl.coalesce(starts), pl.coalesce(ends)


def _expected(formats: tuple[str, ...]) -> str:
    shown = [_EXAMPLE.strftime(f) for f in formats] + ["2024-01-31 18:05"]
    return "expected a date-time such as " + " or ".join(dict.fromkeys(shown))


def _name(columns: tuple[str, ...]) -> str:
    return " + ".join(columns)


def _time(mapping: Mapping) -> tuple[dict[str, pl.Expr], list[checks.Rule]]:
    """Parsed ``occurred_from``, ``occurred_to`` and ``month``, and the rules for bad times."""
    t = mapping.time
    if t.mode == "parts":
        return _time_from_parts(t.parts)
    if t.mode == "occurred":
        value = _joined(t.occurred)
        start, end = _parse(value, t.formats)
        rules = [
            (value.is_null(), f"missing date ({_name(t.occurred)} is empty)"),
            (pl.col(FROM).is_null(), f"unparseable {_name(t.occurred)} ({_expected(t.formats)})"),
            checks.implausible(FROM, _name(t.occurred)),
        ]
        return {FROM: start, TO: end, MONTH: _month(start)}, rules
    first, last = _joined(t.occurred_from), _joined(t.occurred_to)
    start, first_end = _parse(first, t.formats)
    _, end = _parse(last, t.formats)
    end = pl.when(last.is_null()).then(first_end).otherwise(end)
    a, b = _name(t.occurred_from), _name(t.occurred_to)
    rules = [
        (first.is_null(), f"missing date ({a} is empty)"),
        (pl.col(FROM).is_null(), f"unparseable {a} ({_expected(t.formats)})"),
        (last.is_not_null() & pl.col(TO).is_null(), f"unparseable {b} ({_expected(t.formats)})"),
        checks.implausible(FROM, a),
        checks.implausible(TO, b),
        (pl.col(FROM) > pl.col(TO), f"{a} is after {b} (the window ends before it starts)"),
    ]
    return {FROM: start, TO: end, MONTH: _month(start)}, rules


def _month(start: pl.Expr) -> pl.Expr:
    return start.dt.truncate("1mo").dt.date()


def _time_from_parts(parts: tuple[tuple[str, str], ...]) -> tuple[dict[str, pl.Expr], list[checks.Rule]]:
    """Year, month[, day[, hour[, minute]]] in columns of their own: exact to the minute, or
    the whole hour, day or month the coarsest part given spans."""
    width = {"year": 4, "month": 2, "day": 2, "hour": 2, "minute": 2}
    given = dict(parts)
    number = {p: pl.col(c).cast(pl.Int64, strict=False).cast(pl.String).str.zfill(width[p]) for p, c in parts}
    pieces = [number["year"], pl.lit("-"), number["month"], pl.lit("-"), number.get("day", pl.lit("01"))]
    pieces += [pl.lit(" "), number.get("hour", pl.lit("00")), pl.lit(":"), number.get("minute", pl.lit("00"))]
    start = pl.concat_str(pieces).str.to_datetime("%Y-%m-%d %H:%M", strict=False, time_unit="us")
    span = {"month": "1mo", "day": "1d", "hour": "1h", "minute": None}[parts[-1][0]]
    end = start.dt.offset_by(span).dt.offset_by("-1s") if span else start
    columns = ", ".join(given.values())
    rules = [
        (pl.any_horizontal(pl.col(c).is_null() for c in given.values()), f"missing date ({columns}: a part is empty)"),
        (pl.col(FROM).is_null(), f"unparseable date ({columns} do not make a valid date and time)"),
        checks.implausible(FROM, f"date ({columns})"),
    ]
    return {FROM: start, TO: end, MONTH: _month(start)}, rules


# --- what ------------------------------------------------------------------------------


def _category_rule(mapping: Mapping) -> checks.Rule:
    return pl.col(mapping.category).is_null(), f"missing category ({mapping.category} is empty)"


def _source_id_rule(mapping: Mapping) -> list[checks.Rule]:
    if not mapping.source_id:
        return []
    return [(pl.col(mapping.source_id).is_null(), f"missing source id ({mapping.source_id} is empty)")]


def _asb(mapping: Mapping) -> tuple[dict[str, pl.Expr], list[checks.Rule]]:
    """``_asb_category`` (Personal, Nuisance, Environmental or null) and the rule for values
    that are none of these and not in the mapping's value map."""
    if not mapping.asb:
        return {"_asb_category": pl.lit(None, dtype=pl.String)}, []
    known = {c.lower(): c for c in ASB_CATEGORIES} | {k: (v or "") for k, v in mapping.asb_values}
    value = pl.col(mapping.asb)
    found = value.str.to_lowercase().replace_strict(known, default=None, return_dtype=pl.String)
    category = pl.when(found == "").then(None).otherwise(found)
    rule = (
        value.is_not_null() & found.is_null(),
        f"unknown ASB category in {mapping.asb} (expected {', '.join(ASB_CATEGORIES)}; map other values in [asb] values)",
    )
    return {"_asb_category": category}, [rule]


def _text_sources(mapping: Mapping) -> dict[str, str | None]:
    return {column: getattr(mapping, field) for column, field in TEXT_FIELDS.items()}


def _length_rules(mapping: Mapping) -> list[checks.Rule]:
    return checks.too_long(Event.__table__, {column: source for column, source in _text_sources(mapping).items() if source})


# --- after writing ---------------------------------------------------------------------


class _Notes(Notes):
    """What a load should say beside its counts: events without a place or with a window
    rather than an exact time (kept, but left out of spatial or time-of-day work), and,
    for sources with ids, events that a revision moved to another month."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.counts = Counter(without_location=0, exact_time=0, time_window=0)
        self.moved: set[tuple[str, dt.date]] = set()

    def add(self, conn: Connection, rows: pl.DataFrame) -> None:
        exact = int((rows["occurred_from"] == rows["occurred_to"]).sum()) if rows.height else 0
        self.counts.update(without_location=rows["lon"].null_count(), exact_time=exact, time_window=rows.height - exact)
        if self.mapping.source_id and rows.height:
            self.moved |= _moved(conn, self.mapping.source, rows)

    def result(self, conn: Connection) -> dict:
        found = {"source": self.mapping.source, "mapping": self.mapping.name, **self.counts}
        if self.mapping.source_id:
            found["also_under_another_month"] = len(self.moved)
        return found


def _moved(conn: Connection, source: str, rows: pl.DataFrame) -> set[tuple[str, dt.date]]:
    """(source id, month) of the events of these rows whose source id is also held under
    another month: an export that revised a record's date into another month (the earlier
    copy stays)."""
    sid = conn.execute(select(Source.id).where(Source.name == source)).scalar_one()
    refs = rows["source_ref"].unique().to_list()
    held = []
    for start in range(0, len(refs), 5000):
        part = refs[start : start + 5000]
        held += conn.execute(select(Event.source_ref, Event.month).where(Event.source_id == sid, Event.source_ref.in_(part)).distinct()).all()
    if not held:
        return set()
    old = pl.DataFrame(held, schema={"source_ref": pl.String, "_month": pl.Date}, orient="row")
    joined = rows.select("source_ref", "month").join(old, on="source_ref")
    return set(joined.filter(pl.col("month") != pl.col("_month")).select("source_ref", "month").unique().iter_rows())
