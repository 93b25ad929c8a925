"""The database schema: one table per noun of DESIGN.md that has landed so far.

Events keep coordinates as given (lon/lat, WGS84) and projected metres (x/y) computed
once at load, in the source's projected CRS (British National Grid, EPSG:27700, for UK
data). Every row read by intake is accounted for: loaded into a data table, or kept in
``quarantine`` with its file, line, raw text and reason.

The bulk tables (``event``, ``outcome``, ``stop_search``, ``event_area``) carry their
``source_id``/``load_id``/``event_id``/``area_id`` without foreign-key constraints: on
PostgreSQL a constraint check per row doubled the time of a million-row COPY. Their only
writer is intake, which sets them inside the transaction that creates the referenced row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base

FLAGS = ("covid", "domestic", "alcohol", "youth", "drugs", "hate")


class Source(Base):
    """Where events come from: ``police.uk`` or a named force/partner export."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # police.uk | mapped
    crs: Mapped[str] = mapped_column(String(40))  # CRS of event x/y
    # The organisation whose export this is: its analysts and administrators alone see the raw
    # rows it quarantined. Null: loaded by the operator, i.e. the host (police.uk is public).
    organisation_id: Mapped[int | None] = mapped_column(Integer)


class Load(Base):
    """One file read by one load command, with the counts it ended with."""

    __tablename__ = "load"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    kind: Mapped[str] = mapped_column(String(20))  # street | outcomes | stop_search | events | areas
    path: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    rows_read: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)


class Quarantine(Base):
    """A row that could not be loaded, kept whole with the reason."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("load.id"))
    kind: Mapped[str] = mapped_column(String(20))
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_quarantine_file", "kind", "file"),)


class Event(Base):
    """One recorded crime, ASB incident, call for service or partner report."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer)
    # XXH3-128 of the row's identifying fields and its ordinal among identical rows
    # (sara.intake.keys), as two signed 64-bit halves.
    key_hi: Mapped[int] = mapped_column(BigInteger)
    key_lo: Mapped[int] = mapped_column(BigInteger)
    source_ref: Mapped[str | None] = mapped_column(String(100))
    month: Mapped[dt.date] = mapped_column(Date)
    occurred_from: Mapped[dt.datetime | None] = mapped_column(DateTime)
    occurred_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    category: Mapped[str] = mapped_column(String(100))
    asb_category: Mapped[str | None] = mapped_column(String(20))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str | None] = mapped_column(Text)
    lsoa_code: Mapped[str | None] = mapped_column(String(12))
    lsoa_name: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(200))
    context: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[str | None] = mapped_column(String(100))
    falls_within: Mapped[str | None] = mapped_column(String(100))
    covid: Mapped[bool] = mapped_column(Boolean, server_default=false())
    domestic: Mapped[bool] = mapped_column(Boolean, server_default=false())
    alcohol: Mapped[bool] = mapped_column(Boolean, server_default=false())
    youth: Mapped[bool] = mapped_column(Boolean, server_default=false())
    drugs: Mapped[bool] = mapped_column(Boolean, server_default=false())
    hate: Mapped[bool] = mapped_column(Boolean, server_default=false())
    victim_ref: Mapped[str | None] = mapped_column(String(100))
    suspect_ref: Mapped[str | None] = mapped_column(String(100))
    premises_ref: Mapped[str | None] = mapped_column(String(100))
    load_id: Mapped[int] = mapped_column(Integer)
    # False until area assignment has placed the event in every loaded area kind.
    assigned: Mapped[bool] = mapped_column(Boolean, server_default=false())
    __table_args__ = (
        UniqueConstraint("source_id", "month", "key_hi", "key_lo", name="uq_event_key"),
        # The events not yet placed (few, or none): counted on every page that keeps a result (sara.services.kept).
        Index("ix_event_unplaced", "id", sqlite_where=text("assigned = 0"), postgresql_where=text("NOT assigned")),
    )


class Outcome(Base):
    """One row of a police.uk ``-outcomes.csv``: an outcome of the crime it names."""

    __tablename__ = "outcome"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer)
    key_hi: Mapped[int] = mapped_column(BigInteger)
    key_lo: Mapped[int] = mapped_column(BigInteger)
    crime_id: Mapped[str] = mapped_column(String(100), index=True)
    month: Mapped[dt.date] = mapped_column(Date)
    outcome_type: Mapped[str] = mapped_column(String(200))
    reported_by: Mapped[str | None] = mapped_column(String(100))
    falls_within: Mapped[str | None] = mapped_column(String(100))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str | None] = mapped_column(Text)
    lsoa_code: Mapped[str | None] = mapped_column(String(12))
    lsoa_name: Mapped[str | None] = mapped_column(String(100))
    load_id: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("source_id", "month", "key_hi", "key_lo", name="uq_outcome_key"),)


class StopSearch(Base):
    """One row of a police.uk ``-stop-and-search.csv``."""

    __tablename__ = "stop_search"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer)
    key_hi: Mapped[int] = mapped_column(BigInteger)
    key_lo: Mapped[int] = mapped_column(BigInteger)
    force: Mapped[str | None] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    month: Mapped[dt.date] = mapped_column(Date)
    part_of_operation: Mapped[bool | None] = mapped_column(Boolean)
    operation: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    gender: Mapped[str | None] = mapped_column(String(40))
    age_range: Mapped[str | None] = mapped_column(String(40))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(200))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(100))
    legislation: Mapped[str | None] = mapped_column(String(200))
    object_of_search: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(200))
    outcome_linked: Mapped[bool | None] = mapped_column(Boolean)
    removal_of_clothing: Mapped[bool | None] = mapped_column(Boolean)
    load_id: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("source_id", "month", "key_hi", "key_lo", name="uq_stop_search_key"),)


class Area(Base):
    """An LSOA, ward, district or drawn polygon; geometry is WKB in WGS84 lon/lat."""

    __tablename__ = "area"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # lsoa | ward | district | custom
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(200))
    population: Mapped[int | None] = mapped_column(Integer)
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    area_km2: Mapped[float] = mapped_column(Float)
    load_id: Mapped[int] = mapped_column(ForeignKey("load.id"))
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_area_kind_code"),)


class EventArea(Base):
    """Which areas each event lies in (point-in-polygon, or its LSOA code without coordinates)."""

    __tablename__ = "event_area"
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 'point' (point-in-polygon) or 'lsoa_code' (no coordinates: placed by its LSOA code)
    method: Mapped[str] = mapped_column(String(10))
    __table_args__ = (Index("ix_event_area_area", "area_id"),)


class AssessmentPlan(Base):
    """An assessment fixed before its post period ends (pre-registration): run later
    unchanged, the result says whether it followed its plan."""

    __tablename__ = "assessment_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    target: Mapped[str] = mapped_column(Text)
    buffer_m: Mapped[float] = mapped_column(Float)
    control: Mapped[str] = mapped_column(Text)
    before_from: Mapped[str] = mapped_column(String(7))
    before_to: Mapped[str] = mapped_column(String(7))
    after_from: Mapped[str] = mapped_column(String(7))
    after_to: Mapped[str] = mapped_column(String(7))
    categories: Mapped[str | None] = mapped_column(Text)  # JSON list, or null for all
    harm: Mapped[bool] = mapped_column(Boolean, server_default=false())
    measure_of_success: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
