"""Tables of the public "you said, we did" (reports issue, part 4): what a problem tells the
public, once a lead has approved it.

One row per problem: the public title and the two halves of the summary (what people said,
what the partnership did), written in plain words by the problem's owner for one
neighbourhood (a ward or a district, ``area_kind`` and ``area_code``). Writing or changing the
text clears the approval; a lead of the owning organisation other than the writer approves
it; a withdrawn summary (``withdrawn_at``) is not shown. The branding and communications
learning of Clear, Hold, Build: agree every communication in advance, in words everyone
understands, and never show who gave information.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class ProblemPublication(Base):
    """A problem's public summary, who wrote and approved it, and whether it is withdrawn."""

    __tablename__ = "problem_publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    said: Mapped[str] = mapped_column(Text)
    did: Mapped[str] = mapped_column(Text)
    area_kind: Mapped[str] = mapped_column(String(20))  # ward | district
    area_code: Mapped[str] = mapped_column(String(60))
    written_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
