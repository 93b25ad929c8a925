"""Tables of the partnership plan (issue 11): a community safety partnership's action plan in
the shape of the Calderdale Community Safety Action Plan 2008-2011: themes ("Working with
communities to challenge anti-social behaviour"), each with its priority issues and the
actions to deliver improvement, and its "Measuring our success" indicators with a baseline and
a target.

``plan`` belongs to one organisation (``reference`` PLN-YYYY-NNNN). ``plan_theme`` and
``plan_priority`` are numbered in order within their parent (``seq``, 1-based). A
``plan_action`` is owned by one organisation and may serve problems (``plan_action_problem``,
a problem's reference each). A ``plan_indicator`` is ``computed`` (``query``: JSON with
``categories``, ``asb_types`` and ``flags``; ``area_code``/``area_kind``; ``measure`` count or
rate_per_1000; ``granularity`` month or quarter) or ``entered`` (``source``: where its figures
come from, a survey or a partner's return, each value in ``indicator_value``). Its baseline is
a period (first and last day) and a value per month or quarter; its target a value and a date;
``direction`` says whether the plan wants it to go down (reduce) or up (increase). Times are
UTC without zone, like the rest of the schema.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sara.store.schema.base import Base


class Plan(Base):
    """A partnership plan: title, owning organisation, the years it covers."""

    __tablename__ = "plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)  # PLN-2026-0001
    title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PlanTheme(Base):
    """A theme of a plan ("Challenging substance misuse to improve lives") and why it matters."""

    __tablename__ = "plan_theme"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"))
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    why: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("plan_id", "seq", name="uq_plan_theme_seq"),)


class PlanPriority(Base):
    """A priority issue under a theme ("Tackle incidents of anti-social behaviour")."""

    __tablename__ = "plan_priority"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("plan_theme.id"))
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    __table_args__ = (UniqueConstraint("theme_id", "seq", name="uq_plan_priority_seq"),)


class PlanAction(Base):
    """An action to deliver improvement on a priority: who owns it, when it is due, its status."""

    __tablename__ = "plan_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("plan_priority.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PlanActionProblem(Base):
    """A problem (its reference, PRB-YYYY-NNNN) an action of a plan serves."""

    __tablename__ = "plan_action_problem"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_action.id"))
    problem_ref: Mapped[str] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("action_id", "problem_ref", name="uq_plan_action_problem"),)


class PlanIndicator(Base):
    """A "Measuring our success" indicator of a theme, computed from the events or entered."""

    __tablename__ = "plan_indicator"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("plan_theme.id"), index=True)
    code: Mapped[str | None] = mapped_column(String(40))  # the indicator number: NI17
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))  # computed | entered
    query: Mapped[str | None] = mapped_column(Text)  # JSON: categories, asb_types, flags
    area_code: Mapped[str | None] = mapped_column(String(60))
    area_kind: Mapped[str | None] = mapped_column(String(20))
    measure: Mapped[str] = mapped_column(String(20))  # count | rate_per_1000 | value
    granularity: Mapped[str] = mapped_column(String(10))  # month | quarter
    direction: Mapped[str] = mapped_column(String(10))  # reduce | increase
    source: Mapped[str | None] = mapped_column(Text)
    baseline_start: Mapped[dt.date] = mapped_column(Date)
    baseline_end: Mapped[dt.date] = mapped_column(Date)
    baseline_value: Mapped[float] = mapped_column(Float)
    target_value: Mapped[float] = mapped_column(Float)
    target_date: Mapped[dt.date] = mapped_column(Date)
    tolerance: Mapped[float] = mapped_column(Float)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class IndicatorValue(Base):
    """One entered figure of an entered indicator: the month or quarter it is for (its first
    day), the value, where it comes from, who entered it and when."""

    __tablename__ = "indicator_value"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("plan_indicator.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    __table_args__ = (UniqueConstraint("indicator_id", "period_start", name="uq_indicator_value_period"),)
