"""Queries that return data frames: the events, areas and populations analyses work on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import shapely
from sqlalchemy import Engine, func, select
from sqlalchemy.sql import sqltypes

from sara import errors
from sara.store.schema import Area, Event, EventArea, Source

EVENT_COLUMNS = [
    "id", "month", "occurred_from", "occurred_to", "category", "asb_category", "lon", "lat", "x", "y", "location",
    "lsoa_code", "outcome", "covid", "domestic", "alcohol", "youth", "drugs", "hate", "victim_ref", "suspect_ref", "premises_ref",
]  # fmt: skip


class NotFound(errors.NotFound, LookupError):
    """A named thing (area, source) is not in the database; the message says what is."""


def _month(value: str) -> dt.date:
    year, month = (int(p) for p in value.split("-"))
    return dt.date(year, month, 1)


def find_area(engine: Engine, code: str) -> dict:
    """An area by code (``kind:code`` when a code is used by several kinds), with its
    lon/lat geometry, or ``NotFound`` listing similar codes."""
    kind, _, bare = code.rpartition(":")
    query = select(Area.id, Area.kind, Area.code, Area.name, Area.population, Area.geometry, Area.area_km2).where(Area.code == bare)
    if kind:
        query = query.where(Area.kind == kind)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        if not rows:
            like = conn.execute(select(Area.kind, Area.code, Area.name).where(Area.name.contains(bare) | Area.code.contains(bare)).limit(5)).all()
    if not rows:
        hint = "; did you mean " + ", ".join(f"{k}:{c} ({n})" for k, c, n in like) if like else ""
        raise NotFound(f"no loaded area has the code {code!r}{hint}. `sara status` lists the area kinds loaded")
    if len(rows) > 1:
        raise NotFound(f"the code {bare!r} is used by areas of kinds {', '.join(r['kind'] for r in rows)}: write it as KIND:{bare}")
    row = dict(rows[0])
    row["geometry"] = shapely.from_wkb(row["geometry"])
    return row


def events(
    engine: Engine,
    *,
    categories: list[str] | None = None,
    area: str | None = None,
    start: str | None = None,
    end: str | None = None,
    source: str | None = None,
    columns: Sequence[str] | None = None,
) -> tuple[pl.DataFrame, dict]:
    """Events matching the filters (months ``start``..``end`` inclusive, YYYY-MM), and facts
    about the selection: the projected CRS of their x/y, the area chosen. The frame has every
    column of ``EVENT_COLUMNS``, or only ``columns`` of them (in that list's order), and the
    ``source``'s name: a scan reading a few columns of a force-year reads much less."""
    if columns is None:
        chosen = EVENT_COLUMNS
    else:
        unknown = [c for c in columns if c not in EVENT_COLUMNS]
        if unknown:
            raise ValueError(f"events have no column {', '.join(map(repr, unknown))}: the columns are {', '.join(EVENT_COLUMNS)}")
        chosen = [c for c in EVENT_COLUMNS if c in columns]
    query = select(*(Event.__table__.c[c] for c in chosen), Source.name.label("source"), Source.crs).join(Source, Source.id == Event.source_id)
    info: dict = {}
    if categories:
        query = query.where(Event.category.in_(categories))
    if start:
        query = query.where(Event.month >= _month(start))
    if end:
        query = query.where(Event.month <= _month(end))
    if source:
        query = query.where(Source.name == source)
    if area:
        found = find_area(engine, area)
        info["area"] = {k: found[k] for k in ("kind", "code", "name", "population", "area_km2")} | {"geometry": found["geometry"]}
        query = query.join(EventArea, EventArea.event_id == Event.id).where(EventArea.area_id == found["id"])
    with engine.connect() as conn:
        result = conn.execute(query)
        names = list(result.keys())
        rows = result.cursor_strategy.fetchall(result, result.cursor)  # the driver's rows, as it gives them: typed by _frame, column by column
    frame = _frame(names, [c.type for c in query.selected_columns], rows, engine.dialect.name) if rows else pl.DataFrame(schema={n: pl.String for n in names})
    crss = sorted(set(frame["crs"].drop_nulls().to_list())) if rows else []
    info["crs"] = crss[0] if len(crss) == 1 else None
    info["crs_all"] = crss
    return frame.drop("crs"), info


_TYPES = ((sqltypes.Boolean, pl.Boolean), (sqltypes.Integer, pl.Int64), (sqltypes.Float, pl.Float64), (sqltypes.DateTime, pl.Datetime("us")),
          (sqltypes.Date, pl.Date))  # fmt: skip
_KEEP_TYPE = ("month", "occurred_from", "occurred_to")  # typed even when every value is missing; another empty column has no type (Null)


def _frame(names: list[str], types: list, rows: list, dialect: str) -> pl.DataFrame:
    """The rows as a frame, built a column at a time from what the driver gives, not row by
    row through SQLAlchemy's result rows (three times faster for a force-year of events):
    SQLite's dates and times come as ISO text and its booleans as 0 and 1, parsed here by
    Polars; a value its parser does not read is read as SQLAlchemy would, by Python."""
    import datetime as dt

    columns = list(zip(*rows))
    out = []
    for name, type_, values in zip(names, types, columns):
        dtype = next((d for t, d in _TYPES if isinstance(type_, t)), pl.String)
        if dialect == "sqlite" and dtype in (pl.Date, pl.Datetime("us")):
            text = pl.Series(name, values, dtype=pl.String)
            parsed = text.str.to_date("%Y-%m-%d", strict=False) if dtype == pl.Date else text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
            if parsed.null_count() != text.null_count():
                read = dt.date.fromisoformat if dtype == pl.Date else dt.datetime.fromisoformat
                parsed = pl.Series(name, [read(v) if v is not None else None for v in values], dtype=dtype)
            series = parsed
        elif dialect == "sqlite" and dtype == pl.Boolean:
            series = pl.Series(name, values, dtype=pl.Int64).cast(pl.Boolean)
        else:
            series = pl.Series(name, values, dtype=dtype)
        if name not in _KEEP_TYPE and series.null_count() == len(series):
            series = pl.Series(name, [None] * len(series), dtype=pl.Null)
        out.append(series)
    return pl.DataFrame(out)


def areas(engine: Engine, kind: str) -> pl.DataFrame:
    """Code, name, population and km² of every loaded area of ``kind``."""
    with engine.connect() as conn:
        rows = conn.execute(select(Area.code, Area.name, Area.population, Area.area_km2).where(Area.kind == kind).order_by(Area.code)).all()
    return pl.DataFrame(rows, schema={"code": pl.String, "name": pl.String, "population": pl.Int64, "area_km2": pl.Float64}, orient="row")


def event_areas(engine: Engine, kind: str) -> pl.DataFrame:
    """Which area of ``kind`` each placed event lies in (event id -> area code)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(EventArea.event_id, Area.code).join(Area, Area.id == EventArea.area_id).where(Area.kind == kind)
        ).all()
    return pl.DataFrame(rows, schema={"id": pl.Int64, "area": pl.String}, orient="row")


def month_range(engine: Engine, source: str | None = None) -> tuple[str, str] | None:
    """The first and last month loaded (of one source), as YYYY-MM."""
    query = select(func.min(Event.month), func.max(Event.month))
    if source:
        query = query.join(Source, Source.id == Event.source_id).where(Source.name == source)
    with engine.connect() as conn:
        lo, hi = conn.execute(query).one()
    return (str(lo)[:7], str(hi)[:7]) if lo else None


def area_shapes(engine: Engine, kind: str) -> dict[str, shapely.Geometry]:
    """The lon/lat polygon of every loaded area of ``kind``, by code."""
    with engine.connect() as conn:
        rows = conn.execute(select(Area.code, Area.geometry).where(Area.kind == kind)).all()
    return {code: shapely.from_wkb(wkb) for code, wkb in rows}
