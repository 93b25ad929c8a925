"""Tables of the daily early-intervention search (``sara.casework.early_help``): each search
run, the young people's crime links it found (one row per person and crime, reviewed by the
team one by one), and the referrals made from them or from another route (a children's
services front-door referral).

Modelled on Calderdale District's Early Help Team (West Yorkshire Police, Chief Officer Team
briefing "Serious Violent Crime", December 2021): every 24 hours a search of police systems
finds each young person linked to a crime as a first-time offender or linked to more than one
crime; each crime is reviewed; cases are discussed twice weekly with Liaison and Diversion,
the Youth Justice Service and Children's Social Care; every referral records its issues,
actions and outcomes; a second pathway takes referrals from Children's Social Care's front
door. A finding's ``(person_id, event_id)`` is unique: a link is found once, whatever the
number of searches, which is what makes a search safe to re-run.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class EarlyHelpSearch(Base):
    """One run of the search: links made on or after ``since`` (a UK date), and what it found new."""

    __tablename__ = "early_help_search"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[dt.date] = mapped_column(Date, index=True)
    run_at: Mapped[dt.datetime] = mapped_column(DateTime)
    run_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    young_people: Mapped[int] = mapped_column(Integer)  # people with a link found new by this run
    first_time: Mapped[int] = mapped_column(Integer)
    repeat: Mapped[int] = mapped_column(Integer)
    links: Mapped[int] = mapped_column(Integer)  # links (person, crime) found new by this run


class EarlyHelpFinding(Base):
    """A young person's link to a crime found by a search, and its review by the team."""

    __tablename__ = "early_help_finding"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("early_help_search.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime)  # the link's own time (person_event.linked_at)
    status: Mapped[str] = mapped_column(String(20))  # first_time | repeat, as the person stood when found
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("person_id", "event_id", name="uq_early_help_finding"),)


class EarlyHelpReferral(Base):
    """A young person referred to a team or partner, where it was discussed, and what came of it."""

    __tablename__ = "early_help_referral"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # EHR-2026-0001
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))  # who referred
    to_team: Mapped[str] = mapped_column(String(40))  # early_action | liaison_diversion | youth_justice | childrens_social_care
    route: Mapped[str] = mapped_column(String(20))  # police_search | front_door | other
    referred_on: Mapped[dt.date] = mapped_column(Date)
    meeting: Mapped[str | None] = mapped_column(Text)
    meeting_on: Mapped[dt.date | None] = mapped_column(Date)
    issues: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)
