"""Tables of Neighbourhood Watch (issue 13, part 2): schemes, their member counts over time,
coordinators (personal data), the schemes each coordinates, and the contacts logged with them.

Derbyshire's performance scrutiny report (17 May 2022, 9.1-9.3) counts "NHW Schemes",
"Co-ordinators" and "Members attached to a scheme" by CSP area, and sets the minimum standard
that "PCSO contact should be made once a month with every NHW co-ordinator within the SNT
geographical area where they work".

``watch_scheme`` (``reference`` NHW-YYYY-NNNN) belongs to the organisation that recorded it;
its area is a loaded area's kind and code, its CSP area the district holding it (resolved
once, when it is added: a boundary does not move under a scheme), its team the Safer
Neighbourhood Team responsible (a name, as data: SARA's users have no teams). ``members`` is
the latest count, each count kept in ``watch_member_count`` with its day. A coordinator
(``watch_coordinator``, NHC-YYYY-NNNN) is a person: name, phone, email, and the keys the
duplicate check compares; ``watch_role`` says which schemes they coordinate, from a day (to
another, or still). A contact is with a coordinator on a day, by a user, how (visit, phone,
email, meeting), about a scheme or not. Times are UTC without zone, dates UK dates.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class WatchScheme(Base):
    """A Neighbourhood Watch scheme: its area, CSP area (district), team and member count."""

    __tablename__ = "watch_scheme"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # NHW-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # sara.casework.watch.KINDS
    area_kind: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(60))
    district_code: Mapped[str] = mapped_column(String(60), index=True)
    team: Mapped[str | None] = mapped_column(String(100))
    members: Mapped[int] = mapped_column(Integer)
    members_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    version: Mapped[int] = mapped_column(Integer)


class WatchMemberCount(Base):
    """A scheme's member count as given on a day (the history behind ``WatchScheme.members``)."""

    __tablename__ = "watch_member_count"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("watch_scheme.id"), index=True)
    members: Mapped[int] = mapped_column(Integer)
    on_date: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class WatchCoordinator(Base):
    """A coordinator: personal data (name, phone, email), seen only by police and council users."""

    __tablename__ = "watch_coordinator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # NHC-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    phone_key: Mapped[str | None] = mapped_column(String(40))
    email_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class WatchRole(Base):
    """A coordinator of a scheme, from one day to another (or still)."""

    __tablename__ = "watch_role"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("watch_scheme.id"), index=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("watch_coordinator.id"), index=True)
    from_date: Mapped[dt.date] = mapped_column(Date)
    to_date: Mapped[dt.date | None] = mapped_column(Date)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    added_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (UniqueConstraint("scheme_id", "coordinator_id", name="uq_watch_role_scheme_coordinator"),)


class WatchContact(Base):
    """A contact made with a coordinator: on a day, by a user, how, about a scheme (or none)."""

    __tablename__ = "watch_contact"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("watch_coordinator.id"), index=True)
    scheme_id: Mapped[int | None] = mapped_column(ForeignKey("watch_scheme.id"))
    on_date: Mapped[dt.date] = mapped_column(Date)
    how: Mapped[str] = mapped_column(String(20))  # visit | phone | email | meeting
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
