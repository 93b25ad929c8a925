"""The events frame (``sara.store.queries.events``) is read column by column from the driver's
rows: it holds exactly what SQLAlchemy's own rows hold, typed the same, on SQLite and
PostgreSQL: dates, times with their microseconds, yes/no flags, missing values."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import select

from sara.store import queries
from sara.store import schema as s
from sara.store.engine import connect


def _events(engine, rows) -> None:
    with engine.begin() as conn:
        lid = conn.execute(s.Load.__table__.insert().values(kind="events", path="x", name="x", sha256="0" * 64, loaded_at=dt.datetime(2025, 1, 1),
                                                            rows_read=len(rows), inserted=len(rows), updated=0, unchanged=0, quarantined=0)
                           .returning(s.Load.id)).scalar_one()  # fmt: skip
        src = conn.execute(s.Source.__table__.insert().values(name="partner", kind="mapped", crs="EPSG:27700").returning(s.Source.id)).scalar_one()
        for i, r in enumerate(rows):
            conn.execute(s.Event.__table__.insert().values(source_id=src, key_hi=lid, key_lo=i, load_id=lid, **r))


def _as_sqlalchemy_reads_it(engine) -> pl.DataFrame:
    """The frame built from SQLAlchemy's rows, every value converted by its column's type."""
    q = select(*(s.Event.__table__.c[c] for c in queries.EVENT_COLUMNS), s.Source.name.label("source")).join(s.Source, s.Source.id == s.Event.source_id)
    with engine.connect() as conn:
        result = conn.execute(q)
        names, rows = list(result.keys()), result.all()
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    return frame.with_columns(pl.col("month").cast(pl.Date), pl.col("occurred_from").cast(pl.Datetime("us")), pl.col("occurred_to").cast(pl.Datetime("us")))


def test_the_frame_holds_what_sqlalchemy_reads(db_url):
    engine = connect(db_url)
    _events(engine, [
        {"month": dt.date(2025, 3, 1), "occurred_from": dt.datetime(2025, 3, 4, 22, 15, 0, 123456), "occurred_to": dt.datetime(2025, 3, 4, 23, 0),
         "category": "Anti-social behaviour", "x": 447000.5, "y": 370000.25, "lon": -1.29, "lat": 53.23, "drugs": True, "youth": False,
         "victim_ref": "V-1", "location": "On or near Oxcroft Lane"},
        {"month": dt.date(2025, 4, 1), "occurred_from": dt.datetime(2025, 4, 30, 0, 0), "category": "Burglary", "drugs": False, "youth": True},
        {"month": dt.date(2024, 12, 1), "category": "Drugs", "x": 1.0, "y": 2.0, "victim_ref": None},
    ])  # fmt: skip
    frame, info = queries.events(engine)
    expected = _as_sqlalchemy_reads_it(engine)
    assert_frame_equal(frame.sort("id"), expected.sort("id"))
    assert frame.schema["occurred_from"] == pl.Datetime("us") and frame.schema["drugs"] == pl.Boolean and frame.schema["asb_category"] == pl.Null
    assert frame.sort("id")["occurred_from"][0] == dt.datetime(2025, 3, 4, 22, 15, 0, 123456) and info["crs"] == "EPSG:27700"
    only = queries.events(engine, start="2025-04", end="2025-04")[0]
    assert only["category"].to_list() == ["Burglary"] and only["month"].to_list() == [dt.date(2025, 4, 1)]


def test_a_scan_may_read_only_the_columns_it_needs(db_url):
    engine = connect(db_url)
    _events(engine, [
        {"month": dt.date(2025, 3, 1), "occurred_from": dt.datetime(2025, 3, 4, 22, 15), "category": "Burglary", "x": 447000.5, "y": 370000.25,
         "location": "On or near Oxcroft Lane", "premises_ref": "P-1"},
        {"month": dt.date(2025, 4, 1), "category": "Drugs", "covid": False},
    ])  # fmt: skip
    every, _ = queries.events(engine)
    some, info = queries.events(engine, columns=["x", "month", "location", "premises_ref"])
    assert some.columns == ["month", "x", "location", "premises_ref", "source"]  # in the table's order, with the source's name
    assert_frame_equal(some.sort("month"), every.select(some.columns).sort("month")) and info["crs"] == "EPSG:27700"
    assert queries.events(engine, columns=["covid"], start="2025-04")[0]["covid"].to_list() == [False]
    with pytest.raises(ValueError, match="events have no column 'colour': the columns are id, month"):
        queries.events(engine, columns=["month", "colour"])
