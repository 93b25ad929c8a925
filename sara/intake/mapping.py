"""Mappings: which columns of a force or partner export hold what an event needs.

A mapping is a small TOML file (``mappings/README.md`` documents every key, with a UK
force export and the Vancouver open data as worked examples)::

    source = "Vancouver Police Department"   # the events' source (table ``source``)
    projected_crs = "EPSG:32610"             # x/y metres of the events (default EPSG:27700)
    withheld_location_when_zero = true       # x = y = 0 means "withheld", not a place

    [columns]
    category = "TYPE"
    location = ["HUNDRED_BLOCK", "NEIGHBOURHOOD"]

    [time]
    year = "YEAR"
    month = "MONTH"
    day = "DAY"
    hour = "HOUR"
    minute = "MINUTE"

    [coordinates]
    x = "X"
    y = "Y"
    crs = "EPSG:32610"

``read_mapping`` parses and checks it into a frozen ``Mapping``; every problem found is
raised together in one ``Invalid`` (field ``mapping``) whose message says what is wrong
and how to fix it. A mapping may not name its source ``police.uk``: that source belongs
to the police.uk reader, whose rows are keyed in their own way.

Times are stored as the source's local wall-clock time, without a time zone: 18:05 in a
Vancouver file is 18:05 Pacific time, 18:05 in a UK file is 18:05 UK time (GMT or BST as
it was that day). A UTC offset written in an ISO 8601 value is dropped, keeping the wall
clock as written. Compare times across sources in different zones with care.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sara import geo
from sara.errors import Invalid

ASB_CATEGORIES = ("Personal", "Nuisance", "Environmental")
FLAG_NAMES = ("covid", "domestic", "alcohol", "youth", "drugs", "hate")
DEFAULT_TRUE = ("yes", "y", "true", "1")
DATE_PARTS = ("year", "month", "day", "hour", "minute")

TOP_KEYS = ("source", "projected_crs", "encoding", "sheet", "withheld_location_when_zero", "columns", "time", "coordinates", "asb", "flags")
COLUMN_KEYS = ("source_id", "category", "location", "lsoa_code", "lsoa_name", "outcome", "context", "victim", "suspect", "premises")
TIME_KEYS = ("occurred", "occurred_from", "occurred_to", *DATE_PARTS, "format")
COORDINATE_KEYS = ("lon", "lat", "x", "y", "crs")
ASB_KEYS = ("column", "values")
FLAG_KEYS = ("column", "values")
SECTIONS = {"columns": COLUMN_KEYS, "time": TIME_KEYS, "coordinates": COORDINATE_KEYS, "asb": ASB_KEYS}
RESERVED_SOURCES = ("police.uk",)  # the police.uk reader's own source (sara.intake.policeuk.SOURCE)


@dataclass(frozen=True)
class Time:
    """When: ``mode`` is ``occurred`` (one date-time), ``window`` (occurred_from and
    occurred_to, an aoristic window) or ``parts`` (year, month and optionally day, hour,
    minute in columns of their own). A date-time may span several columns (a date column
    and a time column), joined with a space before parsing."""

    mode: str
    occurred: tuple[str, ...] = ()
    occurred_from: tuple[str, ...] = ()
    occurred_to: tuple[str, ...] = ()
    parts: tuple[tuple[str, str], ...] = ()  # (part, column) for year, month[, day[, hour[, minute]]]
    formats: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [*self.occurred, *self.occurred_from, *self.occurred_to, *(c for _, c in self.parts)]


@dataclass(frozen=True)
class Coordinates:
    """Where: ``kind`` is ``lonlat`` (columns ``a``/``b`` are longitude/latitude) or ``xy``
    (easting/northing), in ``crs``."""

    kind: str
    a: str
    b: str
    crs: str


@dataclass(frozen=True)
class Flag:
    name: str
    column: str
    values: tuple[str, ...] = DEFAULT_TRUE  # lower-case, trimmed


@dataclass(frozen=True)
class Mapping:
    """A checked mapping. Column fields hold source column names (None when not mapped)."""

    name: str
    source: str
    category: str
    time: Time
    source_id: str | None = None
    coordinates: Coordinates | None = None
    location: tuple[str, ...] = ()
    lsoa_code: str | None = None
    lsoa_name: str | None = None
    outcome: str | None = None
    context: str | None = None
    victim: str | None = None
    suspect: str | None = None
    premises: str | None = None
    asb: str | None = None
    asb_values: tuple[tuple[str, str | None], ...] = ()  # (source value lower-cased, category or None)
    flags: tuple[Flag, ...] = ()
    projected_crs: str = geo.BNG
    encoding: str = "utf-8"
    sheet: str | None = None
    withheld_location_when_zero: bool = False

    @property
    def columns(self) -> list[str]:
        """Every source column the mapping names, once each, in mapping order."""
        named = [self.source_id, self.category, *self.time.columns]
        if self.coordinates:
            named += [self.coordinates.a, self.coordinates.b]
        named += [*self.location, self.lsoa_code, self.lsoa_name, self.outcome, self.context, self.victim, self.suspect, self.premises, self.asb]
        named += [f.column for f in self.flags]
        return list(dict.fromkeys(c for c in named if c))

    def check_header(self, header: list[str]) -> str | None:
        """None if ``header`` has every mapped column, else a message naming the missing ones."""
        return missing_columns(header, self.columns, f"the mapping {self.name}")


def missing_columns(found: list[str], expected: list[str], named_by: str) -> str | None:
    """Like ``sara.intake.rows.describe_header``, but other columns are welcome: only the
    expected ones must be there. Names a column that differs only in case or spacing."""
    missing = [c for c in expected if c not in found]
    if not missing:
        return None
    loose = {" ".join(f.split()).lower(): f for f in found}
    named = []
    for c in missing:
        near = loose.get(" ".join(c.split()).lower())
        named.append(f"{c!r} (the file has {near!r}: column names must match exactly)" if near else repr(c))
    message = f"the header lacks columns {named_by} names: " + ", ".join(named)
    if len(found) == 1:
        for sep in (";", "\t", "|"):
            if sep in found[0]:
                return message + f" (the header is separated by {sep!r}; save the file comma-separated)"
    shown = ", ".join(repr(f) for f in found[:12]) + (" ..." if len(found) > 12 else "")
    return message + f" (its columns are {shown}; fix the column names in the mapping or the file)"


def _control(text: str) -> bool:
    """Whether ``text`` holds a control character (a NUL, a newline): never in a name."""
    return any(unicodedata.category(c) == "Cc" for c in text)


class _Problems(list):
    def add(self, message: str) -> None:
        self.append(message)


def mapping_text(path: str | Path) -> str:
    """The text of the mapping file ``path`` (UTF-8); ``Invalid`` (field ``mapping``) if it
    cannot be read. Every reader of a mapping (events, trails) reads its file so."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid(f"mapping {path}: no such file", field="mapping") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"mapping {path}: cannot read it ({exc})", field="mapping") from None


def read_mapping(path: str | Path) -> Mapping:
    """The mapping in the TOML file ``path``, checked; ``Invalid`` says what to fix."""
    return parse_mapping(mapping_text(path), Path(path).name)


def toml_of(text: str, name: str) -> dict:
    """The TOML ``text`` of the mapping ``name`` as a table; ``Invalid`` if it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"mapping {name} is not valid TOML: {exc}", field="mapping") from None


def refuse(problems: list[str], name: str) -> None:
    """Raise the problems found in the mapping ``name``, all in one ``Invalid``; none: return."""
    if len(problems) == 1:
        raise Invalid(f"mapping {name}: {problems[0]}", field="mapping")
    if problems:
        raise Invalid(f"mapping {name} has {len(problems)} problems:\n" + "\n".join(f"- {p}" for p in problems), field="mapping")


def parse_mapping(text: str, name: str = "mapping") -> Mapping:
    """The mapping in TOML ``text`` (``name`` is used in messages), checked."""
    problems = _Problems()
    mapping = _build(toml_of(text, name), name, problems)
    refuse(problems, name)
    assert mapping is not None
    return mapping


def _unknown(table: dict, allowed: tuple[str, ...], where: str, problems: _Problems) -> None:
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.add(f"unknown key {key!r} in {where}{hint}; the keys there are: {', '.join(allowed)}")


def _section(data: dict, key: str, problems: _Problems) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.add(f"{key} must be a table: write [{key}] on a line of its own, with its keys below it")
        return {}
    return value


def _column(table: dict, key: str, where: str, problems: _Problems) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or _control(value):
        problems.add(f'{where}.{key} must be a column name in quotes, e.g. {key} = "Column name"')
        return None
    return value.strip()


def _columns(table: dict, key: str, where: str, problems: _Problems) -> tuple[str, ...]:
    """A column name, or a list of them (their values are joined)."""
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str) and value.strip() and not _control(value):
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() and not _control(v) for v in value):
        return tuple(v.strip() for v in value)
    problems.add(f'{where}.{key} must be a column name or a list of them, e.g. {key} = "Column" or {key} = ["Date", "Time"]')
    return ()


def _crs(value, key: str, problems: _Problems, *, projected: bool | None = None) -> str | None:
    if not isinstance(value, str):
        problems.add(f'{key} must be a coordinate reference system in quotes, e.g. {key} = "EPSG:27700"')
        return None
    try:
        geo.check_crs(value)
    except ValueError as exc:
        problems.add(f"{key}: {exc}")
        return None
    if projected is True and geo.is_geographic(value):
        problems.add(
            f"{key} = {value!r} is in degrees, not metres: use a projected CRS such as EPSG:27700 (British National Grid) or a UTM zone (e.g. EPSG:32610)"
        )
        return None
    if projected is False and not geo.is_geographic(value):
        problems.add(f"{key} = {value!r} is projected (metres): longitude/latitude need a geographic CRS such as EPSG:4326, or map the columns as x and y")
        return None
    return value


def _build(data: dict, name: str, problems: _Problems) -> Mapping | None:
    _unknown(data, TOP_KEYS, "the top level", problems)
    sections = {name: _section(data, name, problems) for name in ("columns", "time", "coordinates", "asb", "flags")}
    for section, allowed in SECTIONS.items():
        _unknown(sections[section], allowed, f"[{section}]", problems)
    columns, time, coords, asb, flags = sections.values()

    source = data.get("source")
    if source is None:
        problems.add('missing key source: name the events\' source, e.g. source = "Northshire Police crime export"')
    elif not isinstance(source, str) or not source.strip() or len(source.strip()) > 100 or _control(source):
        problems.add("source must be a name in quotes, at most 100 characters, with no control characters")
        source = None
    elif source.strip().lower() in RESERVED_SOURCES:
        problems.add(
            f"source = {source!r} is the police.uk reader's own source: data.police.uk files load with the police.uk reader; "
            'give this export a name of its own, e.g. source = "Northshire Police crime export"'
        )
        source = None
    category = _column(columns, "category", "columns", problems)
    if "category" not in columns:
        problems.add('missing key category in [columns]: name the column holding the crime or incident type, e.g. category = "Offence"')

    projected = _crs(data.get("projected_crs", geo.BNG), "projected_crs", problems, projected=True)
    encoding = data.get("encoding", "utf-8")
    try:
        if not isinstance(encoding, str):
            raise LookupError
        codecs.lookup(encoding)
    except LookupError:
        problems.add(f'encoding {encoding!r} is not a known text encoding: use e.g. "utf-8", "cp1252" (Excel on Windows) or "latin-1"')
    sheet = data.get("sheet")
    if sheet is not None and not (isinstance(sheet, str) and sheet.strip()):
        problems.add('sheet must be the name of a worksheet in quotes, e.g. sheet = "Crimes"')
        sheet = None
    withheld = data.get("withheld_location_when_zero", False)
    if not isinstance(withheld, bool):
        problems.add("withheld_location_when_zero must be true or false (no quotes)")
        withheld = False

    t = _time(time, "time" in data, problems)
    c = _coordinates(coords, problems) if "coordinates" in data else None
    if withheld and c is None:
        problems.add("withheld_location_when_zero = true needs a [coordinates] section: it marks rows whose coordinates are both 0")
    asb_column, asb_values = _asb(asb, "asb" in data, problems)
    flag_list = _flags(flags, problems)

    named = {k: _column(columns, k, "columns", problems) for k in COLUMN_KEYS if k not in ("category", "location")}
    location = _columns(columns, "location", "columns", problems)
    if problems:
        return None
    return Mapping(
        name=name,
        source=source.strip(),
        category=category,
        time=t,
        coordinates=c,
        location=location,
        **named,
        asb=asb_column,
        asb_values=asb_values,
        flags=flag_list,
        projected_crs=projected,
        encoding=encoding,
        sheet=sheet.strip() if sheet else None,
        withheld_location_when_zero=withheld,
    )


def _time(time: dict, given: bool, problems: _Problems) -> Time | None:
    if not given:
        problems.add(
            'missing section [time]: give occurred = "Column" (one date-time), or occurred_from and occurred_to '
            "(a window), or year, month, day, hour, minute (date parts in columns of their own)"
        )
        return None
    occurred = _columns(time, "occurred", "time", problems)
    start = _columns(time, "occurred_from", "time", problems)
    end = _columns(time, "occurred_to", "time", problems)
    parts = [(p, _column(time, p, "time", problems)) for p in DATE_PARTS if p in time]
    formats = time.get("format", [])
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not all(isinstance(f, str) and f.strip() for f in formats):
        problems.add('time.format must be a date-time format or a list of them, e.g. format = "%d/%m/%Y %H:%M"')
        formats = []
    for f in formats:
        if "%" not in f:
            problems.add(f'time.format {f!r} has no % directives: write it like "%d/%m/%Y %H:%M" (day/month/year hour:minute)')
        else:
            try:
                dt.datetime(2024, 1, 31, 18, 5).strftime(f)
            except ValueError:
                problems.add(f"time.format {f!r} is not a valid format: use directives such as %d %m %Y %H %M %S")
    window = bool(start or end)
    ways = [w for w, used in (("occurred", bool(occurred)), ("occurred_from/occurred_to", window), ("date parts", bool(parts))) if used]
    if len(ways) > 1:
        problems.add(
            f"[time] gives both {' and '.join(ways)}: use occurred for one date-time column, or occurred_from and "
            "occurred_to for a window, or year/month/day/hour/minute for date parts, not more than one"
        )
        return None
    if not ways:
        problems.add("[time] names no column: give occurred, or occurred_from and occurred_to, or year, month, day, hour, minute")
        return None
    if window and not (start and end):
        problems.add("[time] gives only one of occurred_from and occurred_to: give both (an aoristic window), or use occurred for a single date-time")
        return None
    if parts:
        have = [p for p, _ in parts]
        expected = list(DATE_PARTS[: len(have)])
        if have != expected:
            problems.add(
                f"[time] date parts {', '.join(have)} leave a gap: give year and month, then optionally day, hour and minute in that order "
                f"(next missing: {next(p for p in DATE_PARTS if p not in have)})"
            )
            return None
        if len(have) < 2:
            problems.add("[time] date parts need at least year and month")
            return None
        if formats:
            problems.add("time.format applies to date-time text (occurred, occurred_from/occurred_to), not to date parts: remove it")
            return None
        return Time("parts", parts=tuple((p, c) for p, c in parts if c))
    return Time("occurred" if occurred else "window", occurred, start, end, formats=tuple(formats))


def _coordinates(coords: dict, problems: _Problems) -> Coordinates | None:
    lonlat = [k for k in ("lon", "lat") if k in coords]
    xy = [k for k in ("x", "y") if k in coords]
    if lonlat and xy:
        problems.add("[coordinates] gives both lon/lat and x/y: use lon and lat for degrees, or x and y (easting/northing) with their crs, not both")
        return None
    if not lonlat and not xy:
        problems.add("[coordinates] names no columns: give lon and lat, or x and y with crs (remove the section if the file has no coordinates)")
        return None
    pair = ("lon", "lat") if lonlat else ("x", "y")
    if len(lonlat or xy) == 1:
        problems.add(f"[coordinates] gives {(lonlat or xy)[0]} without {[k for k in pair if k not in coords][0]}: give both")
        return None
    a, b = (_column(coords, k, "coordinates", problems) for k in pair)
    if lonlat:
        crs = _crs(coords.get("crs", geo.WGS84), "coordinates.crs", problems, projected=False)
    elif "crs" not in coords:
        problems.add(
            '[coordinates] x and y need their crs, e.g. crs = "EPSG:27700" for British National Grid easting/northing, or a UTM zone such as "EPSG:32610"'
        )
        return None
    else:
        crs = _crs(coords["crs"], "coordinates.crs", problems, projected=True)
    if not (a and b and crs):
        return None
    return Coordinates("lonlat" if lonlat else "xy", a, b, crs)


def _asb(asb: dict, given: bool, problems: _Problems) -> tuple[str | None, tuple]:
    if not given:
        return None, ()
    column = _column(asb, "column", "asb", problems)
    if "column" not in asb:
        problems.add('[asb] needs column: the column holding the ASB category, e.g. column = "ASB Type"')
    values = asb.get("values", {})
    if not isinstance(values, dict):
        problems.add('asb.values must be a table of source value = category, e.g. values = { "PER" = "Personal", "NUI" = "Nuisance" }')
        return column, ()
    pairs = []
    for source_value, category in values.items():
        if category == "":
            pairs.append((source_value.strip().lower(), None))
        elif isinstance(category, str) and category.strip().capitalize() in ASB_CATEGORIES:
            pairs.append((source_value.strip().lower(), category.strip().capitalize()))
        else:
            problems.add(f'asb.values maps {source_value!r} to {category!r}: map it to one of {", ".join(ASB_CATEGORIES)}, or to "" for not ASB')
    return column, tuple(pairs)


def _flags(flags: dict, problems: _Problems) -> tuple[Flag, ...]:
    _unknown(flags, FLAG_NAMES, "[flags]", problems)
    found = []
    for name in FLAG_NAMES:
        if name not in flags:
            continue
        value = flags[name]
        if isinstance(value, str) and value.strip() and not _control(value):
            found.append(Flag(name, value.strip()))
            continue
        if isinstance(value, dict):
            _unknown(value, FLAG_KEYS, f"flags.{name}", problems)
            column = _column(value, "column", f"flags.{name}", problems)
            true = value.get("values", list(DEFAULT_TRUE))
            if isinstance(true, str):
                true = [true]
            if not isinstance(true, list) or not true or not all(isinstance(v, (str, int, bool)) for v in true):
                problems.add(f'flags.{name}.values must list the values that mean true, e.g. values = ["Y", "Yes"]')
                continue
            if column is None:
                problems.add(f'flags.{name} needs column, e.g. {name} = {{ column = "{name.capitalize()} flag", values = ["Y"] }}')
                continue
            found.append(Flag(name, column, tuple(str(v).strip().lower() for v in true)))
            continue
        example = f"{name.capitalize()} flag"
        problems.add(f'flags.{name} must be a column name, e.g. {name} = "{example}", or a table, e.g. {name} = {{ column = "{example}", values = ["Y"] }}')
    return tuple(found)
