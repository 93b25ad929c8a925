"""Tables of the casework issue: operations, their Clear-Hold-Build sites, patrols and arrests.

An ``operation`` belongs to one organisation (only it writes; partners read), may serve a
problem (``problem_ref``, e.g. PRB-2026-0001) and an area. Its ``operation_site`` rows are the
hotspots patrolled: a loaded area code, or a WGS84 point with a radius in metres; each site's
current Clear-Hold-Build phase is on the site, its history in ``site_phase``. A ``patrol`` is
one visit to one site: start and end (UTC without zone, like the rest of the schema), the
officers (JSON list of collar numbers or usernames, as text) and the counted outcomes. Each
arrest is its own ``patrol_arrest`` row with an outcome code, updated as the case moves on
(RUI / bail becomes charged); arrests carry no personal data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Operation(Base):
    """A named policing or partnership operation (Op Jemlock, a Clear-Hold-Build area)."""

    __tablename__ = "operation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    problem_ref: Mapped[str | None] = mapped_column(String(40))
    area_code: Mapped[str | None] = mapped_column(String(60))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OperationSite(Base):
    """A hotspot of an operation: an area code, or a point (lon/lat WGS84) and radius; its phase."""

    __tablename__ = "operation_site"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    name: Mapped[str] = mapped_column(String(200))
    area_code: Mapped[str | None] = mapped_column(String(60))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    phase: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("operation_id", "name", name="uq_operation_site_name"),)


class SitePhase(Base):
    """One Clear-Hold-Build phase change of a site: from, to, on which day, why, by whom."""

    __tablename__ = "site_phase"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("operation_site.id"), index=True)
    from_phase: Mapped[str | None] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Patrol(Base):
    """One patrol of one site: when, by how many officers, doing what, and what came of it."""

    __tablename__ = "patrol"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("operation_site.id"))
    start_at: Mapped[dt.datetime] = mapped_column(DateTime)
    end_at: Mapped[dt.datetime] = mapped_column(DateTime)
    officers: Mapped[str] = mapped_column(Text)  # JSON list of collar numbers / usernames
    officer_count: Mapped[int] = mapped_column(Integer)
    activity: Mapped[str] = mapped_column(Text)
    stop_searches: Mapped[int] = mapped_column(Integer)
    intelligence_submissions: Mapped[int] = mapped_column(Integer)
    engagements: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_patrol_site_start", "site_id", "start_at"),)


class PatrolArrest(Base):
    """One arrest made on a patrol and its outcome code (no personal data)."""

    __tablename__ = "patrol_arrest"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrol.id"), index=True)
    at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome_code: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
