"""Tables of the casework issue: ASB powers as stateful interventions.

``intervention`` is one use of an ASB power on one subject, with the rule version fixed when
it was opened; ``intervention_step`` is its legal history in order (re-applied through
``sara.casework.powers.apply`` whenever a case is reloaded, so a stored case obeys the same
rules as a new one); ``intervention_breach`` records breaches and the response to each.
Times are UTC without zone, like the rest of the schema.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Intervention(Base):
    """One use of an ASB power (CPW/CPN, PSPO, dispersal, closure, injunction, CBO, ABC)."""

    __tablename__ = "intervention"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # INT-2026-0001
    power: Mapped[str] = mapped_column(String(40))
    rule_version: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    subject_kind: Mapped[str] = mapped_column(String(10))  # person | body | premises | area
    subject_ref: Mapped[str] = mapped_column(String(100))
    subject_dob: Mapped[dt.date | None] = mapped_column(Date)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    problem_ref: Mapped[str | None] = mapped_column(String(100))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    example_rules: Mapped[bool] = mapped_column(Boolean, server_default=false())
    version: Mapped[int] = mapped_column(Integer)


class InterventionStep(Base):
    """One legal step of an intervention, in the order taken."""

    __tablename__ = "intervention_step"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"))
    seq: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(40))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    by_rank: Mapped[str | None] = mapped_column(String(40))
    facts: Mapped[str] = mapped_column(Text)  # JSON list
    amount_gbp: Mapped[int | None] = mapped_column(Integer)
    due: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("intervention_id", "seq", name="uq_intervention_step_seq"),)


class InterventionBreach(Base):
    """A breach of an intervention and the response to it."""

    __tablename__ = "intervention_breach"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("intervention.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    response: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    court_reference: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (Index("ix_intervention_breach_intervention", "intervention_id"),)
