"""Tables of the public reporting portal (issue 13, part 5): concerns reported by the public at
/report-a-concern, the moderation queue, and the partner-report events they become.

``concern`` is one report as the public sent it: its internal ``reference`` (CON-YYYY-NNNN, for
the moderators), the ``receipt`` the person was given (random, unique, saying nothing of when,
where or how many), the category, where (the text typed, and a place: a pin's lon/lat, a
police.uk street's point or a loaded area's name, with the LSOA, ward and district codes it
lies in; or none, unplaced), when (a day, or the words typed), what happened, and the contact
details given with consent (personal data: shown only to the owning organisations' moderators,
every read audited). ``status`` is waiting, accepted or rejected; a decision keeps who, when,
which organisation, the reason or note, and on acceptance the event it made (``event.id``),
the problem it was linked to and the person recorded for the contact. Nothing is deleted.

``concern_owner`` lists the organisations whose queue a concern is in (the owning team,
decided when it arrives: ``sara.casework.concerns.owners``). Times are UTC without zone and
dates are UK dates, like the rest of the schema.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Concern(Base):
    """A concern reported by a member of the public, and what the moderators decided."""

    __tablename__ = "concern"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # CON-2026-0001
    receipt: Mapped[str] = mapped_column(String(20), unique=True)  # 7KQ4-M2XP-9DTA: random
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    category: Mapped[str] = mapped_column(String(40))
    where_text: Mapped[str | None] = mapped_column(Text)
    placed_by: Mapped[str | None] = mapped_column(String(10))  # pin | street | area | None (unplaced)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lsoa_code: Mapped[str | None] = mapped_column(String(60))
    ward_code: Mapped[str | None] = mapped_column(String(60), index=True)
    district_code: Mapped[str | None] = mapped_column(String(60), index=True)
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    when_text: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_consent: Mapped[bool] = mapped_column(Boolean, server_default=false())
    status: Mapped[str] = mapped_column(String(12), index=True)  # waiting | accepted | rejected
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_org: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why rejected, or the moderator's note on acceptance
    summary: Mapped[str | None] = mapped_column(Text)  # the words the event carries (the description as moderated)
    event_id: Mapped[int | None] = mapped_column(Integer)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class ConcernOwner(Base):
    """An organisation whose moderation queue holds a concern (the owning team)."""

    __tablename__ = "concern_owner"
    concern_id: Mapped[int] = mapped_column(ForeignKey("concern.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True, index=True)
