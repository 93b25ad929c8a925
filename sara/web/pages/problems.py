"""Problems: the list (``/problems``, filtered by area, state, owner, partner and overdue
actions), a new problem in two steps (its area, then the rest), the plan page
(``/problems/{ref}``) with its forms (the state, actions, notes, partners), the plan form
(``/problems/{ref}/edit``) and the printable profile. JSON twins under ``/api/problems``, of the
forms too (a JSON body each, checked by the same service functions).

Every route calls one function of ``sara.services.problems``; a refusal comes back on the same
page with each field it names marked and what was typed kept (a move's guard names every
missing item: each is marked beside its input on the plan form).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara.casework.records import CaseworkError
from sara.errors import Conflict, Invalid
from sara.services import Context
from sara.services import problems as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, Path(max_length=40, description="The problem's reference, PRB-YYYY-NNNN.")]
Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=500)]

# The plan form's inputs, in order: (field, label, hint, rows of a textarea; 0 = a one-line input).
PLAN_FIELDS = (
    ("title", "Title", "A short title people will know it by.", 0),
    ("objective", "Objective", "What the partnership means to achieve.", 2),
    ("statement", "Problem statement", "What happens, where and when, in a sentence or two.", 3),
    ("behaviour", "Behaviour", "The specific behaviour: what is done, by whom, to whom.", 2),
    ("place", "Place", "Where it happens, as people there would say it.", 2),
    ("time_pattern", "Time", "When it happens: days, hours, seasons.", 0),
    ("victim", "Victims or targets", "Problem analysis triangle: who or what is harmed.", 2),
    ("offender", "Offenders", "Problem analysis triangle: who does it.", 2),
    ("location", "Location", "Problem analysis triangle: what about the place lets it happen.", 2),
    ("handler", "Handler", "Who has influence over the offenders (parents, schools, youth workers).", 0),
    ("guardian", "Guardian", "Who protects the victims or targets.", 0),
    ("manager", "Manager", "Who looks after the place (owner, landlord, council).", 0),
    ("hypotheses", "Why it happens", "Your hypotheses, to be tested by the analysis.", 3),
    ("measure_of_success", "Measure of success", "Set before the first response: it cannot change after.", 2),
)
# Where a field that a refusal names is on each form (the input's id); fields of another form link to it.
FORMS = {
    "move": {"target": "target", "reason": "reason", "outcome": "outcome", "assessment_plan": "assessment_plan", "assessment": "assessment_plan"},
    "action": {"description": "action-description", "owner": "action-owner", "due": "action-due", "organisation": "action-organisation"},
    "status": {"status": "status", "due": "status"},
    "note": {"text": "note-text"},
    "partner": {"organisation": "partner-organisation", "role": "partner-role"},
}


def _errors(exc: Invalid, ids: dict[str, str] | None = None, links: dict[str, str] | None = None) -> dict:
    """A refusal as the page shows it: each item a guard names in the summary, linked to its
    input (``ids``: field -> the input's id on this page, all fields by their own name when
    None; ``links``: fields on another page), and its message beside that input."""
    items = exc.items if isinstance(exc, CaseworkError) and exc.items else ()
    if not items:
        shown = errors_of(exc)
        if exc.field:
            shown["summary"][0]["href"] = (links or {}).get(exc.field) or f"#{(ids or {}).get(exc.field, exc.field)}"
            shown["fields"] = {exc.field: str(exc)}
        return shown
    summary, fields = [], {}
    for field, text in items:
        names = field if isinstance(field, tuple) else (field,)
        first = next((f for f in names if f and (ids is None or f in ids) and f not in (links or {})), names[0])
        message = sentence(f"{exc.head} {text}")
        moving = re.search(r" to (\w+): needs$", exc.head)
        beside = f"To move to {moving.group(1)} it needs {text}" if moving else message
        href = "#main-content" if first is None else (links or {}).get(first) or f"#{(ids or {}).get(first, first)}"
        summary.append({"text": message, "href": href})
        if first:
            fields[first] = beside
    if exc.fix:
        summary.append({"text": sentence(exc.fix), "href": "#main-content"})
    return {"summary": summary, "fields": fields}


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _date(text: str | None, field: str) -> dt.date | None:
    if not text or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{text.strip()!r} is not a date", field=field, fix="give it as a date, e.g. 2026-03-31") from None


def _number(text: str | None, field: str) -> float | None:
    if not text or not text.strip():
        return None
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        raise Invalid(f"{text.strip()!r} is not a number", field=field, fix="give a number, e.g. 9.25") from None


# ---------------------------------------------------------------- the list


@router.get("/problems", include_in_schema=False)
def problems_page(request: Request, ctx: Signed, area: Annotated[str | None, Query(max_length=60)] = None,
                  state: Annotated[str | None, Query(max_length=20)] = None, owner: Annotated[str | None, Query(max_length=100)] = None,
                  partner: Annotated[str | None, Query(max_length=200)] = None, overdue: bool = False):  # fmt: skip
    try:
        data = service.listing(ctx, area=area or None, state=state or None, owner=owner or None, partner=partner or None, overdue=overdue)
    except Invalid as exc:
        data = service.listing(ctx)
        return render(request, "problems/list.html", title="Problems", status_code=422, errors=_errors(exc), **data)
    return render(request, "problems/list.html", title="Problems", **data)


@router.get("/api/problems", tags=["problems"])
def api_problems(ctx: Signed, area: Annotated[str | None, Query(max_length=60)] = None, state: Annotated[str | None, Query(max_length=20)] = None,
                 owner: Annotated[str | None, Query(max_length=100)] = None, partner: Annotated[str | None, Query(max_length=200)] = None,
                 overdue: bool = False) -> dict:  # fmt: skip
    """The problems you may see (``sara problem list --json``'s rows, each with its area's
    name and the organisations working it), filtered by area code, state, owner username,
    partner organisation and overdue actions; with each filter's choices."""
    return service.listing(ctx, area=area or None, state=state or None, owner=owner or None, partner=partner or None, overdue=overdue)


# ---------------------------------------------------------------- a new problem, in two steps


@router.get("/problems/new", include_in_schema=False)
def new_problem_page(request: Request, ctx: Signed, area: Annotated[str | None, Query(max_length=60)] = None,
                     find: Annotated[str | None, Query(max_length=200)] = None, without_area: bool = False,
                     category: Annotated[list[str] | None, Query(max_length=200)] = None, months: Annotated[str | None, Query(max_length=20)] = None):  # fmt: skip
    try:
        data = service.new_problem(ctx, area=area or None, find=find or None)
    except Invalid as exc:
        data = service.new_problem(ctx)
        return render(
            request, "problems/new_area.html", title="New problem: its area", status_code=422, errors=_errors(exc), areas=service.area_names(ctx), **data
        )
    if data["area"] is None and not without_area:
        status, errors = 200, None
        if find and not data["matches"]:
            status, errors = 422, _errors(Invalid(f"no loaded area is called {find.strip()!r}", field="find", fix="try part of its name, e.g. Bolsover"))
        return render(
            request, "problems/new_area.html", title="New problem: its area", status_code=status, errors=errors, areas=service.area_names(ctx), **data
        )
    typed = {"categories": category or [], "months": months or "", "owner": data["owner"]}
    return render(request, "problems/new_details.html", title="New problem: what it is", typed=typed, **data)


@router.post("/problems/new", include_in_schema=False)
def create_problem(request: Request, ctx: Signed, title: Short = "", area: Annotated[str, Form(max_length=60)] = "", statement: Text = "",
                   behaviour: Text = "", place: Text = "", time_pattern: Short = "", objective: Text = "", owner: Short = "",
                   categories: Annotated[list[str] | None, Form(max_length=200)] = None, months: Annotated[str, Form(max_length=20)] = ""):  # fmt: skip
    typed = {"title": title, "statement": statement, "behaviour": behaviour, "place": place, "time_pattern": time_pattern, "objective": objective,
             "owner": owner, "categories": categories or [], "months": months}  # fmt: skip
    try:
        made = service.create(ctx, title, area=area or None, statement=statement or None, behaviour=behaviour or None, place=place or None,
                              time_pattern=time_pattern or None, objective=objective or None, owner=owner.strip() or None,
                              categories=categories or None, months=months.strip() or None)  # fmt: skip
    except Invalid as exc:
        data = service.new_problem(ctx, area=area or None) if area else service.new_problem(ctx)
        return render(request, "problems/new_details.html", title="New problem: what it is", status_code=422, errors=_errors(exc), typed=typed, **data)
    return RedirectResponse(f"/problems/{made['reference']}", status_code=303)


# ---------------------------------------------------------------- the plan


def _chronology(p: dict) -> list[dict]:
    """Notes, moves and actions done, newest first: the problem's story in one list."""
    items = [{"at": n["at"], "kind": "note", "text": n["text"], "by": n.get("author"), "attachment": (n.get("attachment") or "").rsplit("/", 1)[-1] or None}
             for n in p.get("notes", [])]  # fmt: skip
    for t in p.get("transitions", []):
        text = f"Created ({t['to']})" if t["from"] is None else f"Moved from {t['from']} to {t['to']}"
        items.append(
            {"at": t["at"], "kind": "state", "text": text + (f": {t['reason']}" if t.get("reason") and t["from"] is not None else ""), "by": t.get("by")}
        )
    for a in p.get("action_list", []):
        if a.get("done_at"):
            items.append({"at": a["done_at"], "kind": "action", "text": f"Action done: {a['description']}", "by": a.get("owner")})
    return sorted(items, key=lambda i: i["at"], reverse=True)


def _plan_page(request: Request, ctx: Context, ref: str, *, status_code: int = 200, errors=None, failed: str | None = None, typed=None):
    p = service.plan(ctx, ref)
    return render(request, "problems/plan.html", title=f"Problem {p['reference']}", status_code=status_code, errors=errors, failed=failed,
                  typed=typed or {}, p=p, chronology=_chronology(p))  # fmt: skip


@router.get("/problems/{ref}", include_in_schema=False)
def plan_page(request: Request, ctx: Signed, ref: Ref):
    return _plan_page(request, ctx, ref)


@router.get("/api/problems/{ref}", tags=["problems"])
def api_plan(ctx: Signed, ref: Ref) -> dict:
    """A problem's plan as ``sara problem show REF --json`` gives it, with its area's name,
    the interventions (at your scope) and operations serving it, what you may do (``may``)
    and the choices of its forms. A problem you may not see is 404, as a missing one is."""
    return service.plan(ctx, ref)


@router.get("/problems/{ref}/profile", include_in_schema=False)
def profile_page(request: Request, ctx: Signed, ref: Ref):
    p = service.plan(ctx, ref)
    return render(request, "problems/profile.html", title=f"Problem profile {p['reference']}", p=p, chronology=_chronology(p), printed=dt.date.today())


def _elsewhere(ref: str) -> dict[str, str]:
    """Fields a move may need that the plan form does not hold: where they are."""
    return {"actions": f"/problems/{ref}#actions"}


def _edit_page(request: Request, ctx: Context, ref: str, *, typed: dict | None = None, status_code: int = 200, errors=None):
    p = service.plan(ctx, ref)
    values = {f: p.get(f) or "" for f, *_ in PLAN_FIELDS} | {"area": p.get("area_name") or p.get("area") or "", "baseline": p.get("baseline_value"),
                                                            "sources": "", "version": p["version"]}  # fmt: skip
    values |= typed or {}
    return render(request, "problems/edit.html", title=f"Change problem {p['reference']}", status_code=status_code, errors=errors, p=p, values=values,
                  plan_fields=PLAN_FIELDS, areas=service.area_names(ctx))  # fmt: skip


@router.get("/problems/{ref}/edit", include_in_schema=False)
def edit_page(request: Request, ctx: Signed, ref: Ref, target: Annotated[str | None, Query(max_length=20)] = None):
    return _edit_page(request, ctx, ref, typed={"target": target or ""})


@router.post("/problems/{ref}/edit", include_in_schema=False)
async def save_plan(request: Request, ctx: Signed, ref: Ref):
    form = await request.form()
    typed = {k: str(form.get(k, "")) for k in ("area", "baseline", "sources", "target", "reason", "outcome", "assessment_plan", "version")}
    typed |= {f: str(form.get(f, "")) for f, *_ in PLAN_FIELDS}
    if any(len(v) > 20000 for v in typed.values()):
        return _edit_page(request, ctx, ref, typed=typed, status_code=422, errors=_errors(Invalid("a field is longer than 20,000 characters", field=None)))
    try:
        version = int(typed["version"]) if typed["version"].strip().isdigit() else None
        service.change(ctx, ref, fields={f: typed[f] for f, *_ in PLAN_FIELDS}, area=typed["area"], baseline=_number(typed["baseline"], "baseline"),
                       sources=[s.strip() for s in typed["sources"].splitlines() if s.strip()], expect_version=version, target=typed["target"] or None,
                       reason=typed["reason"], outcome=typed["outcome"], assessment_plan=typed["assessment_plan"])  # fmt: skip
    except (Invalid, Conflict) as exc:
        # what was saved before a refused move is shown as saved; what was typed stays typed
        errors = _errors(exc, links=_elsewhere(ref)) if isinstance(exc, Invalid) else {"summary": [{"text": str(exc), "href": "#main-content"}], "fields": {}}
        typed.pop("version")
        return _edit_page(request, ctx, ref, typed=typed, status_code=422 if isinstance(exc, Invalid) else 409, errors=errors)
    return RedirectResponse(f"/problems/{ref}", status_code=303)


@router.post("/problems/{ref}/move", include_in_schema=False)
def move_problem(request: Request, ctx: Signed, ref: Ref, target: Annotated[str, Form(max_length=20)] = "", reason: Text = "", outcome: Short = "",
                 assessment_plan: Short = "", version: Annotated[str, Form(max_length=20)] = ""):  # fmt: skip
    if not target:
        return _plan_page(request, ctx, ref, status_code=422, failed="move",
                          errors=_errors(Invalid("choose the state to move it to", field="target"), FORMS["move"]))  # fmt: skip
    typed = {"target": target, "reason": reason, "outcome": outcome, "assessment_plan": assessment_plan}
    try:
        service.move(
            ctx, ref, target, reason=reason, outcome=outcome, assessment_plan=assessment_plan, expect_version=int(version) if version.isdigit() else None
        )
    except Invalid as exc:
        # the guard names fields of the plan form too: it is shown with the move kept, each need beside its input
        return _edit_page(request, ctx, ref, typed=typed, status_code=422, errors=_errors(exc, links=_elsewhere(ref)))
    except Conflict as exc:
        return _plan_page(
            request, ctx, ref, status_code=409, failed="move", typed=typed, errors={"summary": [{"text": str(exc), "href": "#target"}], "fields": {}}
        )
    return RedirectResponse(f"/problems/{ref}", status_code=303)


@router.post("/problems/{ref}/actions", include_in_schema=False)
def add_action(request: Request, ctx: Signed, ref: Ref, description: Text = "", owner: Short = "", due: Annotated[str, Form(max_length=20)] = "",
               organisation: Short = ""):  # fmt: skip
    typed = {"description": description, "owner": owner, "due": due, "organisation": organisation}
    try:
        day = _date(due, "due")
        if day is None:
            raise Invalid("an action needs a due date", field="due", fix="give the date it is due by")
        service.add_action(ctx, ref, description, owner=owner.strip() or ctx.actor.username, due=day, organisation=organisation or None)
    except Invalid as exc:
        return _plan_page(request, ctx, ref, status_code=422, failed="action", typed=typed, errors=_errors(exc, FORMS["action"]))
    return RedirectResponse(f"/problems/{ref}#actions", status_code=303)


@router.post("/problems/{ref}/actions/{action_id}", include_in_schema=False)
def set_action(request: Request, ctx: Signed, ref: Ref, action_id: int, status: Annotated[str, Form(max_length=20)] = ""):
    try:
        service.set_action(ctx, ref, action_id, status)
    except Invalid as exc:
        return _plan_page(request, ctx, ref, status_code=422, failed="status", errors=_errors(exc, {"status": f"status-{action_id}"}))
    return RedirectResponse(f"/problems/{ref}#actions", status_code=303)


@router.post("/problems/{ref}/notes", include_in_schema=False)
def add_note(request: Request, ctx: Signed, ref: Ref, text: Text = ""):
    try:
        service.add_note(ctx, ref, text)
    except Invalid as exc:
        return _plan_page(request, ctx, ref, status_code=422, failed="note", typed={"text": text}, errors=_errors(exc, FORMS["note"]))
    return RedirectResponse(f"/problems/{ref}#chronology", status_code=303)


@router.post("/problems/{ref}/partners", include_in_schema=False)
def add_partner(request: Request, ctx: Signed, ref: Ref, organisation: Short = "", role: Short = ""):
    typed = {"organisation": organisation, "role": role}
    try:
        service.add_partner(ctx, ref, organisation, role)
    except Invalid as exc:
        return _plan_page(request, ctx, ref, status_code=422, failed="partner", typed=typed, errors=_errors(exc, FORMS["partner"]))
    return RedirectResponse(f"/problems/{ref}#partners", status_code=303)


# ---------------------------------------------------------------- the forms' JSON twins

Long = Annotated[str | None, Field(max_length=20000)]
Title = Annotated[str, Field(max_length=200, description="A short title people will know it by.")]
Version = Annotated[int | None, Field(ge=1, le=2**31, description="Refuse (409) if the problem is no longer at this version, as you read it.")]
Username = Annotated[str | None, Field(max_length=100)]
Organisation = Annotated[str, Field(max_length=200, description="An organisation by its name, e.g. 'Bolsover Homes (synthetic)'.")]
ActionId = Annotated[int, Path(ge=1, le=2**62, description="The action's id, as the plan lists it.")]
PLAN_CHANGED = tuple(f for f, *_ in PLAN_FIELDS)


def _given(body: BaseModel) -> dict:
    """The body's values as the forms pass them: an empty value is none given."""
    return {k: v or None for k, v in body.model_dump().items()}


class ProblemIn(BaseModel):
    """A new problem, as the new-problem form takes it (``sara problem create``)."""

    title: Title
    area: str | None = Field(None, max_length=60, description="A loaded area's code (LSOA, ward or district), e.g. E01019483.")
    statement: Long = Field(None, description="What happens, where and when, in a sentence or two (words, not a placeholder).")
    behaviour: Long = None
    place: Long = None
    time_pattern: str | None = Field(None, max_length=500)
    objective: Long = None
    owner: Username = Field(None, description="A user of your organisation who owns it (default you).")
    categories: list[Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=50, description="Event categories of its event query.")
    months: str | None = Field(None, max_length=20, description="FIRST:LAST months of its event query, as YYYY-MM:YYYY-MM.")


@router.post("/api/problems", tags=["problems"], status_code=201)
def api_create_problem(ctx: Signed, body: ProblemIn) -> dict:
    """Open a problem owned by your organisation, in state ``proposed``, as the new-problem
    form does: its plan as ``sara problem show --json`` gives it; 422 ``{"error", "field"}``
    names the field refused."""
    given = _given(body)
    return service.create(ctx, body.title, **{k: v for k, v in given.items() if k != "title"})


class PlanChange(BaseModel):
    """What changes in a problem's plan: only the fields given (an empty text clears it)."""

    title: Title | None = None
    objective: Long = None
    statement: Long = None
    behaviour: Long = None
    place: Long = None
    time_pattern: Long = None
    victim: Long = None
    offender: Long = None
    location: Long = None
    handler: Long = None
    guardian: Long = None
    manager: Long = None
    hypotheses: Long = None
    measure_of_success: Long = Field(None, description="Fixed once responses start.")
    area: str | None = Field(None, max_length=200, description="A loaded area's name or code.")
    baseline: float | None = Field(None, ge=-1e12, le=1e12, allow_inf_nan=False, description="The measure's baseline; fixed once responses start.")
    sources: list[Annotated[str, Field(max_length=500)]] = Field([], max_length=50, description="Data sources to add.")
    expect_version: Version = None


@router.patch("/api/problems/{ref}", tags=["problems"])
def api_change_problem(ctx: Signed, ref: Ref, body: PlanChange) -> dict:
    """Change a problem's plan as the plan form does (only what differs is saved; the measure
    of success and baseline are fixed once responses start): the plan after it. 409 when
    ``expect_version`` is no longer its version."""
    fields = {f: v for f, v in body.model_dump(exclude_unset=True).items() if f in PLAN_CHANGED and v is not None}
    return service.change(ctx, ref, fields=fields, area=body.area, baseline=body.baseline, sources=body.sources, expect_version=body.expect_version)


class MoveIn(BaseModel):
    """A move to another state, as the plan page's form takes it (``sara problem move``)."""

    target: str = Field(min_length=1, max_length=20, description="proposed, scanning, analysis, response, assessment, closed or paused.")
    reason: Long = Field(None, description="Why (a pause needs one).")
    outcome: str | None = Field(None, max_length=30, description="Closing: eliminated, reduced, less_harmful, handled_better or handed_over.")
    assessment_plan: str | None = Field(None, max_length=200, description="Closing: a saved assessment plan to run now.")
    expect_version: Version = None


@router.post("/api/problems/{ref}/move", tags=["problems"])
def api_move_problem(ctx: Signed, ref: Ref, body: MoveIn) -> dict:
    """Move a problem to another state if its guard allows: the plan after it; else 422
    naming the first field still missing (the message names every one)."""
    given = _given(body)
    return service.move(ctx, ref, body.target, reason=given["reason"], outcome=given["outcome"], assessment_plan=given["assessment_plan"],
                        expect_version=body.expect_version)  # fmt: skip


class ActionIn(BaseModel):
    """An action of the problem's response, as the plan page's form takes it."""

    description: str = Field(max_length=20000, description="What is to be done.")
    owner: Username = Field(None, description="Its owner's username, a user of its organisation (default you).")
    due: dt.date = Field(description="The day it is due by (today or later), YYYY-MM-DD.")
    organisation: str | None = Field(None, max_length=200, description="The organisation doing it: the owner's by default.")


@router.post("/api/problems/{ref}/actions", tags=["problems"], status_code=201)
def api_add_action(ctx: Signed, ref: Ref, body: ActionIn) -> dict:
    """Add an action for your organisation (the owning one, or a partner working the problem):
    the action with its id."""
    return service.add_action(ctx, ref, body.description, owner=body.owner or ctx.actor.username, due=body.due, organisation=body.organisation or None)


class ActionStatus(BaseModel):
    """An action's new status (and due date)."""

    status: str = Field(max_length=20, description="open, in_progress, blocked, done or cancelled.")
    due: dt.date | None = Field(None, description="A new due date (today or later).")


@router.patch("/api/problems/{ref}/actions/{action_id}", tags=["problems"])
def api_set_action(ctx: Signed, ref: Ref, action_id: ActionId, body: ActionStatus) -> dict:
    """Change the status of one of your organisation's actions on the problem: the action after it."""
    return service.set_action(ctx, ref, action_id, body.status, due=body.due)


class NoteIn(BaseModel):
    """A note on the problem's chronology."""

    text: str = Field(max_length=20000)


@router.post("/api/problems/{ref}/notes", tags=["problems"], status_code=201)
def api_add_note(ctx: Signed, ref: Ref, body: NoteIn) -> dict:
    """Add a note to the problem's chronology (the owning organisation, or a partner working it): the note."""
    return service.add_note(ctx, ref, body.text)


class PartnerIn(BaseModel):
    """A partner organisation of the problem and its role."""

    organisation: Organisation
    role: str = Field(max_length=500, description="What it does in the problem, e.g. 'tenancy enforcement'.")


@router.post("/api/problems/{ref}/partners", tags=["problems"])
def api_add_partner(ctx: Signed, ref: Ref, body: PartnerIn) -> dict:
    """List an organisation as a partner of the problem with its role (again: its role
    changes), by the owning organisation: the plan after it."""
    return service.add_partner(ctx, ref, body.organisation, body.role)
