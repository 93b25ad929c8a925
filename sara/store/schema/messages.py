"""Tables of community messaging (issue 13, part 3): messaging groups by area and interest;
messages drafted from a problem or an operation, approved by a lead, exported for the force's
messaging system.

Derbyshire's scrutiny report (17 May 2022, 9.5 and 10.5-10.6): an "Allotment Watch option was
put onto the Derbyshire Alert system so that targeted alerts could be sent to the Allotment
community regarding what the Police are doing"; the system has "different groups and areas
for messaging"; the monthly count of messages sent is a minimum standard of engagement.

``message_group`` belongs to one organisation and carries the ``code`` the force's messaging
system knows it by (unique in the organisation), its kind (``area``: everyone subscribed in a
loaded area; ``interest``: Allotment Watch, Business Watch, Rural, optionally within an area),
the Safer Neighbourhood Team that runs it (free text, optional) and the subscribers the
messaging system reports (optional). ``community_message`` (``reference`` MSG-YYYY-NNNN) is
drafted from a problem or an operation by a writer of its organisation, approved by a lead who
did not write it (``approved_*`` cleared by any edit), withdrawn (``withdrawn_*``) or exported
(``exported_*``: the last hand-off to the messaging system; SARA sends nothing itself).
``community_message_group`` lists the groups a message is for. Times are UTC without zone.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class MessageGroup(Base):
    """A group of the force's messaging system: by area or by interest, with its code there."""

    __tablename__ = "message_group"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # area | interest
    area_kind: Mapped[str | None] = mapped_column(String(20))
    area_code: Mapped[str | None] = mapped_column(String(60))
    snt: Mapped[str | None] = mapped_column(String(200))
    subscribers: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    __table_args__ = (UniqueConstraint("organisation_id", "code", name="uq_message_group_code"),)


class CommunityMessage(Base):
    """A message to the community: what we are doing and what you can do."""

    __tablename__ = "community_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # MSG-2026-0001
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    snt: Mapped[str | None] = mapped_column(String(200))
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"))
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operation.id"))
    title: Mapped[str] = mapped_column(String(200))
    doing: Mapped[str] = mapped_column(Text)
    you_can: Mapped[str] = mapped_column(Text)
    written_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    exported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    exported_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)


class CommunityMessageGroup(Base):
    """A group a message is for."""

    __tablename__ = "community_message_group"
    message_id: Mapped[int] = mapped_column(ForeignKey("community_message.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("message_group.id"), primary_key=True)
