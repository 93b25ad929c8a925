"""Tables of organised crime groups (issue 12): the groups a force maps (organised crime
groups, urban street gangs, county lines), their members, the areas they operate in, their
scores, their six-weekly reviews and the disruptions recorded against them.

West Yorkshire Police (COT briefing on serious violent crime, December 2021): groups "are
scored, mapped and prioritised for interventions and disruptions", every urban street gang
has "a Lead Responsible Officer", "disruptions are recorded which includes arrests and
convictions of OCG nominals", and beside the groups the force tracks "priority individuals,
the enablers of criminality who may serve a number of different crime groups".

``ocg_group`` belongs to one organisation (``reference`` OCG-YYYY-NNNN). A member is a recorded
person (``person.id``) with a role in the group from one day (to another, or still). An area is
a loaded area's kind and code. A score keeps the instrument's name and version, every answer
(JSON) and the totals it gave (JSON), so a new version never re-scores an old score. A review
is due on a day and done (or not) by someone with a note. A disruption has a kind, a day, the
event ids and intervention references it is linked to (JSON lists) and a note. Times are UTC
without zone and dates are UK dates, like the rest of the schema.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class OcgGroup(Base):
    """An organised crime group, urban street gang or county line, with its lead responsible officer."""

    __tablename__ = "ocg_group"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # OCG-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # ocg | usg | county_line
    lead_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer)


class OcgMember(Base):
    """A recorded person's part in a group, from one day to another (or still)."""

    __tablename__ = "ocg_member"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("ocg_group.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(100))
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    added_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class OcgArea(Base):
    """An area a group operates in."""

    __tablename__ = "ocg_area"
    group_id: Mapped[int] = mapped_column(ForeignKey("ocg_group.id"), primary_key=True)
    area_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(60), primary_key=True)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    added_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class OcgScore(Base):
    """One scoring of a group under one version of one instrument, every answer kept."""

    __tablename__ = "ocg_score"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("ocg_group.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(60))
    instrument_version: Mapped[str] = mapped_column(String(40))
    answers: Mapped[str] = mapped_column(Text)  # JSON {factor key: answer}
    totals: Mapped[str] = mapped_column(Text)  # JSON {dimension: total}
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(20))
    scored_on: Mapped[dt.date] = mapped_column(Date)
    scored_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class OcgReview(Base):
    """A review of a group: due on a day, done (or not yet) by someone, with a note."""

    __tablename__ = "ocg_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("ocg_group.id"), index=True)
    due: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)


class OcgDisruption(Base):
    """A disruption of a group (arrest, charge, conviction, order, warrant), linked to events and interventions."""

    __tablename__ = "ocg_disruption"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("ocg_group.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[dt.date] = mapped_column(Date)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    event_ids: Mapped[str] = mapped_column(Text)  # JSON list of event ids
    intervention_refs: Mapped[str] = mapped_column(Text)  # JSON list of INT-YYYY-NNNN
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
