"""Tables of the casework issue: people and premises, their links to events, risk
assessments, complaints and ASB Case Reviews.

People (victims, suspects, witnesses, vulnerable persons) and premises are personal data:
each row belongs to the organisation that recorded it (``organisation_id``), which alone writes
it; other organisations see it only through ``sara.access.permissions`` views. Organisations
that work with a record they do not own are listed in ``person_partner`` / ``premises_partner``
(what a pseudonymised view shows as "working with", so a partner knows whom to ask).
Times are UTC without zone and dates are UK dates, like the rest of the schema.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Person(Base):
    """A victim, suspect, witness or vulnerable person recorded by one organisation."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # PER-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # casefolded, spaces collapsed: the duplicate check
    dob: Mapped[dt.date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(20))  # victim | suspect | witness | vulnerability
    source_ref: Mapped[str | None] = mapped_column(String(100))  # the id in the owner's own system (events' victim_ref/suspect_ref)
    address: Mapped[str | None] = mapped_column(Text)
    ward: Mapped[str | None] = mapped_column(String(100))
    flags: Mapped[str] = mapped_column(Text)  # JSON list: vulnerability markers
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("organisation_id", "source_ref", name="uq_person_source_ref"),
        Index("ix_person_name_key", "organisation_id", "name_key"),
    )


class PersonEvent(Base):
    """A person's part in an event (victim, suspect, witness, vulnerable person)."""

    __tablename__ = "person_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    role: Mapped[str] = mapped_column(String(20))
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    linked_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (UniqueConstraint("person_id", "event_id", "role", name="uq_person_event"),)


class PersonPartner(Base):
    """An organisation working with a person it does not own, and its role."""

    __tablename__ = "person_partner"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    since: Mapped[dt.datetime] = mapped_column(DateTime)


class Premises(Base):
    """An address (UPRN where known) recorded by one organisation, with the facts the
    premises risk register weighs."""

    __tablename__ = "premises"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # PRM-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    address: Mapped[str] = mapped_column(Text)
    address_key: Mapped[str] = mapped_column(String(300))  # casefolded address and postcode: the duplicate check
    postcode: Mapped[str | None] = mapped_column(String(10))
    uprn: Mapped[str | None] = mapped_column(String(12))
    premises_type: Mapped[str] = mapped_column(String(20))
    source_ref: Mapped[str | None] = mapped_column(String(100))  # events' premises_ref
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    ward: Mapped[str | None] = mapped_column(String(100))
    vulnerable_occupant: Mapped[bool] = mapped_column(Boolean, server_default=false())
    cuckooing_concern: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("organisation_id", "uprn", name="uq_premises_uprn"),
        UniqueConstraint("organisation_id", "address_key", name="uq_premises_address"),
    )


class PremisesEvent(Base):
    """An event at a premises."""

    __tablename__ = "premises_event"
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    linked_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class PremisesPartner(Base):
    """An organisation working with a premises it does not own, and its role."""

    __tablename__ = "premises_partner"
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    since: Mapped[dt.datetime] = mapped_column(DateTime)


class RiskAssessment(Base):
    """One completed risk questionnaire for a person, under one version of one instrument."""

    __tablename__ = "risk_assessment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[str] = mapped_column(String(40))
    answers: Mapped[str] = mapped_column(Text)  # JSON {question key: answer}
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(20))
    next_review_due: Mapped[dt.date | None] = mapped_column(Date)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Complaint(Base):
    """A complaint about ASB made by a person to an organisation: what the ASB Case Review
    threshold counts (ASBCPA 2014 s.104)."""

    __tablename__ = "complaint"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    made_to_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    behaviour_on: Mapped[dt.date] = mapped_column(Date)
    complained_on: Mapped[dt.date] = mapped_column(Date)
    incident_ref: Mapped[str | None] = mapped_column(String(100))  # the same incident told to several agencies counts once
    event_id: Mapped[int | None] = mapped_column(Integer)
    hate: Mapped[bool] = mapped_column(Boolean, server_default=false())
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class CaseReview(Base):
    """An ASB Case Review (Community Trigger) application and what became of it."""

    __tablename__ = "case_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # ACR-2026-0001
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # the relevant body that received it
    received_on: Mapped[dt.date] = mapped_column(Date)
    on_behalf: Mapped[bool] = mapped_column(Boolean, server_default=false())
    threshold: Mapped[int] = mapped_column(Integer)
    qualifying: Mapped[int] = mapped_column(Integer)
    threshold_met: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(Text)  # JSON: the complaints counted and the rule applied
    state: Mapped[str] = mapped_column(String(30))
    review_held_on: Mapped[dt.date | None] = mapped_column(Date)
    recommendations: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
