"""Tables of the casework issue: problems (SARA plans), their partners, actions, notes and
state transitions.

A problem belongs to one organisation (``organisation_id``): only that organisation writes it;
partners are listed in ``problem_partner`` with their role and add their own actions.
``version`` is checked on every update of the problem row (optimistic concurrency): the second
of two editors who read the same version is told the record changed, and nothing is lost.
JSON columns (``event_query``, ``data_sources``, ``assessment_result``) are text holding JSON,
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Problem(Base):
    """One SARA plan: statement, analysis (problem analysis triangle and controllers), the
    measure of success and its baseline, the assessment and the outcome."""

    __tablename__ = "problem"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # PRB-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str | None] = mapped_column(Text)
    statement: Mapped[str | None] = mapped_column(Text)
    behaviour: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str | None] = mapped_column(Text)
    time_pattern: Mapped[str | None] = mapped_column(Text)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    area_code: Mapped[str | None] = mapped_column(String(60))
    event_query: Mapped[str | None] = mapped_column(Text)  # JSON {categories, area, months}
    state: Mapped[str] = mapped_column(String(20), index=True)
    paused_from: Mapped[str | None] = mapped_column(String(20))  # the state to resume, while paused
    pause_reason: Mapped[str | None] = mapped_column(Text)
    data_sources: Mapped[str | None] = mapped_column(Text)  # JSON list
    victim: Mapped[str | None] = mapped_column(Text)
    offender: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    handler: Mapped[str | None] = mapped_column(Text)
    guardian: Mapped[str | None] = mapped_column(Text)
    manager: Mapped[str | None] = mapped_column(Text)
    hypotheses: Mapped[str | None] = mapped_column(Text)
    measure_of_success: Mapped[str | None] = mapped_column(Text)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_set_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    assessment_plan: Mapped[str | None] = mapped_column(String(200))
    assessment_result: Mapped[str | None] = mapped_column(Text)  # JSON: verdict, outcome, source
    outcome: Mapped[str | None] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ProblemPartner(Base):
    """An organisation working the problem, and its role."""

    __tablename__ = "problem_partner"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("problem_id", "organisation_id", name="uq_problem_partner"),)


class ProblemAction(Base):
    """One action of a problem's response: who (user and organisation), what, by when, status."""

    __tablename__ = "problem_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    description: Mapped[str] = mapped_column(Text)
    due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # open | in_progress | blocked | done | cancelled
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ProblemNote(Base):
    """A note on a problem, optionally with an attached file (its path and SHA-256)."""

    __tablename__ = "problem_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    attachment_path: Mapped[str | None] = mapped_column(Text)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))


class ProblemTransition(Base):
    """One move of a problem between states: from, to, by whom, when, why."""

    __tablename__ = "problem_transition"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
