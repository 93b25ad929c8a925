"""Tables of electronic monitoring: tag wearers and their GPS trail points.

The Acquisitive Crime Electronic Monitoring pilot (Derbyshire PCC scrutiny report §7.10)
fits a GPS tag to offenders who meet its criteria; the trail data is owned by probation and
compared by the police with reported acquisitive crime "to provide potential lines of
investigation". A wearer is the tag's reference within the organisation that loaded its
trail (``organisation_id``), linked to a recorded person where one is known, with the
monitoring period and the criteria it was imposed under. Trail points are personal data:
``sara.casework.tags`` alone reads them, for police and probation users, audited with the
purpose.

``trail_point`` is a bulk table like ``event``: ``wearer_id`` and ``load_id`` carry no
foreign-key constraint (intake writes them in the transaction that makes the wearer and the
load). ``at`` is UTC without a zone; ``x``/``y`` are metres in the wearer's ``crs``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Wearer(Base):
    """A tag or wearer reference of one organisation's trail exports."""

    __tablename__ = "wearer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))  # the tag or wearer reference of the export
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # the recorded person, when known
    monitoring_from: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC
    monitoring_to: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC, exclusive; null: still monitored
    criteria: Mapped[str | None] = mapped_column(Text)
    crs: Mapped[str] = mapped_column(String(40))  # CRS of its trail points' x/y
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("organisation_id", "reference", name="uq_wearer_reference"),)


class TrailPoint(Base):
    """One GPS fix of a wearer's tag."""

    __tablename__ = "trail_point"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wearer_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)  # metres, as the export gives it
    load_id: Mapped[int] = mapped_column(Integer)
    __table_args__ = (Index("ix_trail_point_at", "at"), Index("ix_trail_point_wearer_at", "wearer_id", "at"))
