"""Pages: partnership plans, every job ``sara plan ...`` does, in the browser.

``/plans`` lists them; ``/plans/new`` makes one (``sara plan create``); ``/plans/{ref}`` shows
one as its document in the Calderdale shape (each theme's priority issues and actions,
"Measuring our success" with each indicator's progress, rating and rule, a chart per
indicator) with the forms of its leads and administrators: add a theme (``theme add``), a
priority issue (``priority add``), an action (``action add``), update an action (``action
update``: also for the action's own organisation), enter an indicator's value (``indicator
value``); ``/plans/{ref}/indicators/new`` adds an indicator, computed from the events
(categories, ASB types, flags, an area by name) or entered (``indicator add``);
``/plans/{ref}/review?year=`` is the annual review (``review``). Downloads as PDF, workbook
and HTML (``export``, ``review --pdf|--xlsx|--html``).

JSON twins: ``GET /api/plans``, ``/api/plans/{ref}``, ``/api/plans/{ref}/review?year=``;
``POST /api/plans``, ``/api/plans/{ref}/themes``, ``.../priorities``, ``.../actions``,
``.../indicators``, ``/api/plans/actions/{id}``, ``/api/plans/indicators/{id}/values``, each
a JSON body with the service's argument names, each answering what the command's ``--json``
prints. Every route calls ``sara.services.plans``; who may write is decided there. A form's
refused value comes back on its page (422), marked on its field, everything typed kept."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara import errors
from sara.casework import plans as cp
from sara.services import Context
from sara.services import plans as service
from sara.web.auth import signed_in
from sara.web.downloads import Suffix, pack_download
from sara.web.render import render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
Year = Annotated[str, Query(max_length=10)]
Short = Annotated[str, Form(max_length=40)]
Text = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=4000)]
Many = Annotated[list[str] | None, Form(max_length=40)]

# Each form's inputs (ids are FORM-NAME); a service field not among them is said in the summary only.
FIELDS = {
    "plan": ("title", "start", "end", "description"),
    "theme": ("title", "why"),
    "priority": ("theme", "title"),
    "action": ("priority", "description", "organisation", "due", "status", "problems"),
    "update": ("action", "status", "due", "problems"),
    "value": ("indicator", "period", "value", "source"),
    "indicator": ("theme", "name", "code", "kind", "categories", "asb_types", "flags", "question", "area", "measure", "granularity", "direction", "baseline_period",
                  "baseline_value", "target_value", "target_date", "tolerance", "source"),
}  # fmt: skip
# A service's field that is shown on another input of the form.
ALIASES = {"value": {"baseline_period": "period"}, "indicator": {"query": "categories", "survey": "question"}}


def marked(exc: errors.Invalid, form: str) -> dict:
    """``exc`` as the page shows it: in the error summary, linked to the input of ``form`` it
    is about and said beside it; an error of no input of the form links to the form."""
    name = ALIASES.get(form, {}).get(exc.field, exc.field)
    if name in FIELDS[form]:
        return {"summary": [{"text": str(exc), "href": f"#{form}-{name}"}], "fields": {f"{form}-{name}": str(exc)}}
    return {"summary": [{"text": str(exc), "href": f"#{form}-form"}], "fields": {}}


# ---------------------------------------------------------------- what forms give


def _date(value: str, field: str, what: str) -> dt.date:
    if not value.strip():
        raise errors.Invalid(f"enter {what}", field=field, fix="type it as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date", field=field, fix="type it as YYYY-MM-DD, e.g. 2026-03-31") from None


def _number(value: str, field: str, what: str = "the value", *, required: bool = True) -> float | None:
    if not value.strip():
        if required:
            raise errors.Invalid(f"enter {what}", field=field, fix="type the figure, e.g. 42 or 61.5")
        return None
    try:
        n = float(value.strip().replace(",", ""))
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a number", field=field, fix="type the figure, e.g. 42 or 61.5") from None
    if n != n or n in (float("inf"), float("-inf")):
        raise errors.Invalid(f"{value!r} is not a number", field=field, fix="type the figure, e.g. 42 or 61.5")
    return n


def _refs(text: str) -> list[str]:
    """Problem references typed in one box, separated by commas or spaces."""
    return [r for r in re.split(r"[,\s]+", text.strip()) if r]


# ---------------------------------------------------------------- the list and a new plan


@router.get("/plans", include_in_schema=False)
def plans_page(request: Request, ctx: Signed):
    return render(request, "plans/list.html", title="Partnership plans", data=service.list_plans(ctx))


def _new_page(request: Request, ctx: Context, typed: dict | None = None, error: errors.Invalid | None = None):
    if not service.list_plans(ctx)["may_create"]:
        raise errors.Forbidden("not allowed: a plan is made by a lead or an administrator of the organisation that will own it")
    return render(request, "plans/new.html", title="Make a partnership plan", typed=typed or {}, errors=marked(error, "plan") if error else None,
                  organisation=getattr(ctx.actor, "organisation", None), status_code=422 if error else 200)  # fmt: skip


@router.get("/plans/new", include_in_schema=False)
def new_plan_page(request: Request, ctx: Signed):
    return _new_page(request, ctx)


@router.post("/plans/new", include_in_schema=False)
def new_plan(request: Request, ctx: Signed, title: Text = "", start: Short = "", end: Short = "", description: Long = ""):
    typed = {"title": title, "start": start, "end": end, "description": description}
    try:
        made = service.create(ctx, title, start=_date(start, "start", "the first day the plan covers"), end=_date(end, "end", "the last day the plan covers"),
                              description=description)  # fmt: skip
    except errors.Invalid as exc:
        return _new_page(request, ctx, typed, exc)
    return RedirectResponse(f"/plans/{made['reference']}?done=plan", status_code=303)


# ---------------------------------------------------------------- a plan


def _plan_page(request: Request, ctx: Context, ref: str, *, error: errors.Invalid | None = None, form: str | None = None, typed: dict | None = None,
               done: str | None = None):  # fmt: skip
    data = service.page(ctx, ref)
    downloads = [("PDF", f"/plans/{ref}.pdf"), ("Workbook (XLSX)", f"/plans/{ref}.xlsx"), ("HTML", f"/plans/{ref}.html"), ("JSON", f"/api/plans/{ref}")]
    return render(request, "plans/plan.html", title=f"Plan {data['plan']['reference']}", data=data, plan=data["plan"], pack=data["pack"], downloads=downloads,
                  errors=marked(error, form) if error else None, typed={form: typed} if form else {}, wide=True, done=done,
                  status_code=422 if error else 200)  # fmt: skip


@router.get("/plans/{ref}.{suffix}", include_in_schema=False)
def plan_download(ctx: Signed, ref: Ref, suffix: Suffix):
    return pack_download(service.document(ctx, ref), f"plan-{ref}", suffix)


DONE = {"plan": "The plan is made: now add its themes, their priority issues and actions, and its indicators.", "theme": "The theme is added.",
        "priority": "The priority issue is added.", "action": "The action is added.", "update": "The action is updated.", "value": "The value is entered.",
        "indicator": "The indicator is added."}  # fmt: skip


@router.get("/plans/{ref}", include_in_schema=False)
def plan_page(request: Request, ctx: Signed, ref: Ref, done: Annotated[str, Query(max_length=20)] = ""):
    return _plan_page(request, ctx, ref, done=DONE.get(done))


@router.post("/plans/{ref}/themes", include_in_schema=False)
def add_theme(request: Request, ctx: Signed, ref: Ref, title: Text = "", why: Long = ""):
    typed = {"title": title, "why": why}
    try:
        service.add_theme(ctx, ref, title, why=why)
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="theme", typed=typed)
    return RedirectResponse(f"/plans/{ref}?done=theme#change", status_code=303)


@router.post("/plans/{ref}/priorities", include_in_schema=False)
def add_priority(request: Request, ctx: Signed, ref: Ref, theme: Short = "", title: Text = ""):
    typed = {"theme": theme, "title": title}
    try:
        if not theme:
            raise errors.Invalid("choose the theme", field="theme", fix="choose the theme the priority issue belongs to")
        service.add_priority(ctx, ref, theme, title)
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="priority", typed=typed)
    return RedirectResponse(f"/plans/{ref}?done=priority#change", status_code=303)


@router.post("/plans/{ref}/actions", include_in_schema=False)
def add_action(
    request: Request, ctx: Signed, ref: Ref, priority: Short = "", description: Long = "", organisation: Text = "", due: Short = "",
    status: Short = "open", problems: Text = "",
):  # fmt: skip
    typed = {"priority": priority, "description": description, "organisation": organisation, "due": due, "status": status, "problems": problems}
    try:
        if not priority:
            raise errors.Invalid("choose the priority issue", field="priority", fix="choose the priority issue the action delivers on")
        if not organisation:
            raise errors.Invalid("choose the owner organisation", field="organisation", fix="choose the organisation that will do it")
        service.add_action(ctx, ref, priority, description, organisation=organisation, due=_date(due, "due", "the due date"), status=status or "open",
                           problems=_refs(problems))  # fmt: skip
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="action", typed=typed)
    return RedirectResponse(f"/plans/{ref}?done=action#actions", status_code=303)


@router.post("/plans/{ref}/actions/update", include_in_schema=False)
def update_action(request: Request, ctx: Signed, ref: Ref, action: Short = "", status: Short = "", due: Short = "", problems: Text = ""):
    typed = {"action": action, "status": status, "due": due, "problems": problems}
    try:
        if not action.isdigit():
            raise errors.Invalid("choose the action", field="action", fix="choose the action to update")
        service.update_action(ctx, int(action), status=status or None, due=_date(due, "due", "the due date") if due.strip() else None, problems=_refs(problems))
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="update", typed=typed)
    return RedirectResponse(f"/plans/{ref}?done=update#actions", status_code=303)


@router.post("/plans/{ref}/values", include_in_schema=False)
def enter_value(request: Request, ctx: Signed, ref: Ref, indicator: Short = "", period: Short = "", value: Short = "", source: Long = ""):
    typed = {"indicator": indicator, "period": period, "value": value, "source": source}
    try:
        if not indicator.isdigit():
            raise errors.Invalid("choose the indicator", field="indicator", fix="choose the entered indicator the figure is for")
        if not period.strip():
            raise errors.Invalid("enter the month or quarter", field="period", fix="type it as 2025-06 or 2025-Q2")
        service.enter_value(ctx, int(indicator), period, _number(value, "value"), source=source)
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="value", typed=typed)
    return RedirectResponse(f"/plans/{ref}?done=value#measuring", status_code=303)


# ---------------------------------------------------------------- a new indicator

INDICATOR_DEFAULTS = {"kind": "computed", "measure": "count", "granularity": "month", "direction": "reduce", "tolerance": "10"}


def _indicator_page(request: Request, ctx: Context, ref: str, typed: dict | None = None, error: errors.Invalid | None = None):
    choices = service.indicator_choices(ctx, ref)
    if not choices["plan"]["may_write"]:
        raise errors.Forbidden("not allowed: a plan is changed only by a lead or an administrator of the organisation that owns it")
    return render(request, "plans/indicator.html", title=f"Add an indicator to {choices['plan']['reference']}", choices=choices, plan=choices["plan"],
                  typed=typed or INDICATOR_DEFAULTS, errors=marked(error, "indicator") if error else None, status_code=422 if error else 200)  # fmt: skip


@router.get("/plans/{ref}/indicators/new", include_in_schema=False)
def new_indicator_page(request: Request, ctx: Signed, ref: Ref):
    return _indicator_page(request, ctx, ref)


@router.post("/plans/{ref}/indicators", include_in_schema=False)
def add_indicator(
    request: Request, ctx: Signed, ref: Ref, theme: Short = "", name: Text = "", code: Short = "", kind: Short = "computed",
    categories: Many = None, asb_types: Many = None, flags: Many = None, area: Text = "", measure: Short = "count", granularity: Short = "month",
    direction: Short = "reduce", baseline_period: Short = "", baseline_value: Short = "", target_value: Short = "", target_date: Short = "",
    tolerance: Short = "10", source: Long = "", question: Text = "",
):  # fmt: skip
    categories, asb_types, flags = categories or [], asb_types or [], flags or []
    typed = {"theme": theme, "name": name, "code": code, "kind": kind, "categories": categories, "asb_types": asb_types, "flags": flags, "area": area,
             "measure": measure, "granularity": granularity, "direction": direction, "baseline_period": baseline_period, "baseline_value": baseline_value,
             "target_value": target_value, "target_date": target_date, "tolerance": tolerance, "source": source, "question": question}  # fmt: skip
    counted = kind == "computed"  # the inputs under "counted from the events" belong to that choice only
    survey, _, asked = question.partition("/") if kind == "survey" else ("", "", "")
    try:
        if not theme:
            raise errors.Invalid("choose the theme", field="theme", fix="choose the theme whose success it measures")
        if not baseline_period.strip():
            raise errors.Invalid("enter the baseline period", field="baseline_period", fix="type a month (2025-03), a quarter (2025-Q1), a year (2025) or FIRST:LAST")
        share = _number(tolerance, "tolerance", "the tolerance")
        if not 0 < share <= 100:
            raise errors.Invalid(f"the tolerance {tolerance} is not a percentage above 0 and at most 100", field="tolerance", fix="type e.g. 10 for 10% of the baseline-target gap")
        made = service.add_indicator(
            ctx, ref, theme, name, kind=kind, baseline_period=baseline_period, baseline_value=_number(baseline_value, "baseline_value", required=False),
            target_value=_number(target_value, "target_value", "the target value"), target_date=_date(target_date, "target_date", "the target date"),
            direction=direction, granularity=granularity, code=code, categories=categories if counted else (), asb_types=asb_types if counted else (),
            flags=flags if counted else (), area=(area.strip() or None) if kind != "entered" else None, measure=measure if counted else "count",
            source=source if kind == "entered" else None, tolerance=share / 100, survey=survey or None, question=asked or None)  # fmt: skip
    except errors.Invalid as exc:
        return _indicator_page(request, ctx, ref, typed, exc)
    return RedirectResponse(f"/plans/{ref}?done=indicator#indicator-{made['indicator']['id']}", status_code=303)


# ---------------------------------------------------------------- the annual review


def _year(value: str, ctx: Context) -> int:
    if not value.strip():
        return service.review_year(ctx)
    if not value.strip().isdigit():
        raise errors.Invalid(f"{value!r} is not a year", field="year", fix="type the year reviewed, e.g. 2025")
    return int(value.strip())


@router.get("/plans/{ref}/review", include_in_schema=False)
def review_page(request: Request, ctx: Signed, ref: Ref, year: Year = ""):
    title = next((p["title"] for p in service.list_plans(ctx)["plans"] if p["reference"] == ref), None)
    if title is None:
        raise errors.NotFound(f"no plan {ref!r}: check the reference (PLN-YYYY-NNNN) against the list of plans")
    made, error = None, None
    try:
        y = _year(year, ctx)
        made = service.review(ctx, ref, y)
    except errors.Invalid as exc:
        error = exc
    query = f"?year={y}" if made else ""
    downloads = [("PDF", f"/plans/{ref}/review.pdf{query}"), ("Workbook (XLSX)", f"/plans/{ref}/review.xlsx{query}"),
                 ("HTML", f"/plans/{ref}/review.html{query}"), ("JSON", f"/api/plans/{ref}/review{query}")]  # fmt: skip
    errs = {"summary": [{"text": str(error), "href": "#year"}], "fields": {"year": str(error)}} if error else None
    return render(request, "plans/review.html", title=f"Annual review of {ref}", ref=ref, plan_title=title, year=year if error else str(y), pack=made,
                  downloads=downloads, errors=errs, wide=True, status_code=422 if error else 200)  # fmt: skip


@router.get("/plans/{ref}/review.{suffix}", include_in_schema=False)
def review_download(ctx: Signed, ref: Ref, suffix: Suffix, year: Year = ""):
    y = _year(year, ctx)
    return pack_download(service.review(ctx, ref, y), f"plan-{ref}-review-{y}", suffix)


# ---------------------------------------------------------------- the JSON twins


@router.get("/api/plans", tags=["plans"])
def api_plans(ctx: Signed) -> dict:
    """Every partnership plan with its counts, and whether you may make one (``sara plan list --json``)."""
    return service.list_plans(ctx)


class PlanIn(BaseModel):
    """A new plan, as ``sara plan create`` takes it."""

    title: str = Field(max_length=300, description="e.g. 'Community Safety Action Plan 2025-2028'.")
    start: dt.date = Field(description="The first day the plan covers.")
    end: dt.date = Field(description="The last day the plan covers.")
    description: str | None = Field(None, max_length=4000, description="The introduction: what the plan is for, what it draws on.")


class ThemeIn(BaseModel):
    title: str = Field(max_length=300, description="e.g. 'Working with communities to challenge anti-social behaviour'.")
    why: str | None = Field(None, max_length=4000, description="Why it matters (the plan's 'Why').")


class PriorityIn(BaseModel):
    theme: str = Field(max_length=300, description="The theme's number (or title).")
    title: str = Field(max_length=300, description="The priority issue, e.g. 'Tackle incidents of anti-social behaviour'.")


Problems = Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=50, description="Problems the action serves (PRB-YYYY-NNNN).")]


class ActionIn(BaseModel):
    priority: str = Field(max_length=20, description="THEME.PRIORITY, e.g. 1.2.")
    description: str = Field(max_length=4000, description="What is to be done.")
    organisation: str = Field(max_length=300, description="The owner organisation, by name.")
    due: dt.date
    status: str = Field("open", max_length=20, description="open, in_progress, blocked, done or cancelled.")
    problems: Problems = []


class ActionUpdateIn(BaseModel):
    status: str | None = Field(None, max_length=20, description="open, in_progress, blocked, done or cancelled.")
    due: dt.date | None = None
    problems: Problems = []


Names = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=40)]


class IndicatorIn(BaseModel):
    """A new indicator, as ``sara plan indicator add`` takes it (``baseline_period`` is its ``--baseline``)."""

    theme: str = Field(max_length=300, description="The theme's number (or title).")
    name: str = Field(max_length=300)
    kind: str = Field("computed", max_length=20, description="computed (counted from the events), entered (a partner's figure) or survey (survey and question).")
    baseline_period: str = Field(max_length=40, description="2025-01:2025-03, 2025-Q1, 2025 ...")
    target_value: float = Field(allow_inf_nan=False)
    target_date: dt.date
    baseline_value: float | None = Field(None, allow_inf_nan=False, description="Per month or quarter; a computed one's is counted when left out.")
    direction: str = Field("reduce", max_length=20)
    granularity: str = Field("month", max_length=20, description="month or quarter.")
    code: str | None = Field(None, max_length=40, description="The indicator number, e.g. NI17.")
    categories: Names = []
    asb_types: Names = []
    flags: Names = []
    area: str | None = Field(None, max_length=300, description="The area counted in, by code or name; none: every area loaded.")
    measure: str = Field("count", max_length=20, description="count or rate_per_1000.")
    source: str | None = Field(None, max_length=4000)
    tolerance: float = Field(cp.TOLERANCE, allow_inf_nan=False, description="At risk within this share of the baseline-target gap.")
    survey: str | None = Field(None, max_length=60, description="A survey indicator's questionnaire (its key).")
    question: str | None = Field(None, max_length=60, description="A survey indicator's question (its key); its value per period is the share positive or mean.")


class ValueIn(BaseModel):
    period: str = Field(max_length=20, description="The month or quarter: 2025-06 or 2025-Q2.")
    value: float = Field(allow_inf_nan=False)
    source: str | None = Field(None, max_length=4000)


@router.post("/api/plans", tags=["plans"], status_code=201)
def api_create(ctx: Signed, body: PlanIn) -> dict:
    """Make a plan owned by your organisation (a lead or an administrator): ``sara plan create --json``."""
    return service.create(ctx, body.title, start=body.start, end=body.end, description=body.description)


@router.post("/api/plans/actions/{action_id}", tags=["plans"])
def api_update_action(ctx: Signed, action_id: Id, body: ActionUpdateIn) -> dict:
    """Change an action's status or due date, or link problems: ``sara plan action update ID --json``."""
    return service.update_action(ctx, action_id, status=body.status, due=body.due, problems=body.problems)


@router.post("/api/plans/indicators/{indicator_id}/values", tags=["plans"], status_code=201)
def api_enter_value(ctx: Signed, indicator_id: Id, body: ValueIn) -> dict:
    """Enter (or correct) an entered indicator's value: ``sara plan indicator value ID --json``."""
    return service.enter_value(ctx, indicator_id, body.period, body.value, source=body.source)


@router.get("/api/plans/{ref}", tags=["plans"])
def api_plan(ctx: Signed, ref: Ref) -> dict:
    """One plan: its themes, priorities, actions and indicators, each indicator with its values
    per month or quarter, its rating and the rule (``sara plan show REF --json``)."""
    return service.show(ctx, ref)


@router.get("/api/plans/{ref}/review", tags=["plans"])
def api_review(ctx: Signed, ref: Ref, year: Year = "") -> dict:
    """The annual review of ``year`` (default: the year of the last events loaded): ``sara plan review REF --year Y --json``."""
    return service.review(ctx, ref, _year(year, ctx)).to_json()


@router.post("/api/plans/{ref}/themes", tags=["plans"], status_code=201)
def api_add_theme(ctx: Signed, ref: Ref, body: ThemeIn) -> dict:
    """Add a theme: ``sara plan theme add REF --json``."""
    return service.add_theme(ctx, ref, body.title, why=body.why)


@router.post("/api/plans/{ref}/priorities", tags=["plans"], status_code=201)
def api_add_priority(ctx: Signed, ref: Ref, body: PriorityIn) -> dict:
    """Add a priority issue to a theme: ``sara plan priority add REF --json``."""
    return service.add_priority(ctx, ref, body.theme, body.title)


@router.post("/api/plans/{ref}/actions", tags=["plans"], status_code=201)
def api_add_action(ctx: Signed, ref: Ref, body: ActionIn) -> dict:
    """Add an action on a priority: ``sara plan action add REF --json``."""
    return service.add_action(ctx, ref, body.priority, body.description, organisation=body.organisation, due=body.due, status=body.status, problems=body.problems)


@router.post("/api/plans/{ref}/indicators", tags=["plans"], status_code=201)
def api_add_indicator(ctx: Signed, ref: Ref, body: IndicatorIn) -> dict:
    """Add an indicator, computed or entered: ``sara plan indicator add REF --json``."""
    return service.add_indicator(ctx, ref, **body.model_dump())
