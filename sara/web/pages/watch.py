"""Pages: Neighbourhood Watch (``/watch``: the table of schemes, coordinators and members by CSP
area and team, and the schemes, filtered by CSP area, team or kind; ``/watch/new``: record a
scheme; ``/watch/{ref}``: a scheme with its member count over time and, for police and council
users who read personal data, its coordinators, their contacts and the forms to log a contact
(usable on a phone), add a coordinator and give a new member count; ``/watch/overdue``: the
coordinators not contacted within the standard). JSON twins: ``/api/watch``,
``/api/watch/table``, ``/api/watch/overdue``, ``/api/watch/{ref}`` and the POSTs beside them,
each the command's ``--json``. Every rule is ``sara.services.watch``'s: a partner sees counts,
and is refused (403) the overdue list and every coordinator form."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara import errors
from sara.services import Context
from sara.services import watch as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(pattern=r"^NHW-\d{4}-\d{4,}$")]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=4000)]
Filter = Annotated[str | None, Query(max_length=100)]
Within = Annotated[str | None, Query(max_length=30, description="The contact standard, e.g. '1 month' (the default), '2 weeks'.")]
DONE = {"scheme": "The scheme is recorded: add its coordinators below.", "contact": "The contact is logged.", "coordinator": "The coordinator is added.",
        "members": "The member count is recorded."}  # fmt: skip


def _blank(value: str | None) -> str | None:
    return (value or "").strip() or None


def _date(value: str, field: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date", field=field, fix="give it as YYYY-MM-DD, or leave it empty for today") from None


def _as_field(exc: errors.Conflict, field: str) -> errors.Invalid:
    """A duplicate refused on a form, said beside the input it concerns."""
    return errors.Invalid(str(exc), field=field)


@router.get("/watch", include_in_schema=False)
def watch_page(request: Request, ctx: Signed, district: Filter = None, team: Filter = None, kind: Filter = None):
    data = service.list_schemes(ctx, district=_blank(district), team=_blank(team), kind=_blank(kind))
    return render(request, "watch/index.html", title="Neighbourhood Watch", data=data, wide=True)


@router.get("/api/watch", tags=["watch"])
def api_list(ctx: Signed, district: Filter = None, team: Filter = None, kind: Filter = None, within: Within = None) -> dict:
    """The schemes (filtered by CSP area, team or kind) and the table, as ``sara watch scheme list --json``."""
    return service.list_schemes(ctx, district=_blank(district), team=_blank(team), kind=_blank(kind), within=_blank(within))


@router.get("/api/watch/table", tags=["watch"])
def api_table(ctx: Signed, on: Annotated[dt.date | None, Query(description="As it stood on this day (default today).")] = None) -> dict:
    """Schemes, coordinators and members by CSP area and team, as ``sara watch table --json``."""
    return service.table(ctx, on=on)


@router.get("/watch/overdue", include_in_schema=False)
def overdue_page(request: Request, ctx: Signed, team: Filter = None, within: Within = None):
    data = service.overdue(ctx, within=_blank(within), team=_blank(team))
    return render(request, "watch/overdue.html", title="Coordinators overdue a contact", data=data, teams=service.list_schemes(ctx)["teams"], wide=True)


@router.get("/api/watch/overdue", tags=["watch"])
def api_overdue(ctx: Signed, team: Filter = None, within: Within = None) -> dict:
    """The coordinators not contacted within the standard, as ``sara watch overdue --json``."""
    return service.overdue(ctx, within=_blank(within), team=_blank(team))


def _new_page(request: Request, ctx: Context, *, error: errors.Invalid | None = None, typed: dict | None = None):
    form = service.scheme_form(ctx)
    return render(request, "watch/new.html", title="Record a scheme", kinds=form["kinds"], teams=form["teams"], typed=typed or {}, errors=errors_of(error),
                  status_code=422 if error else 200)  # fmt: skip


@router.get("/watch/new", include_in_schema=False)
def new_page(request: Request, ctx: Signed):
    return _new_page(request, ctx)


@router.post("/watch", include_in_schema=False)
def new_scheme(request: Request, ctx: Signed, name: Short = "", kind: Short = "street", area: Short = "", team: Short = "", members: Short = "0"):
    typed = {"name": name, "kind": kind, "area": area, "team": team, "members": members}
    try:
        made = service.add_scheme(ctx, name, kind=kind, area=area, team=_blank(team), members=_members(members))
    except errors.Invalid as exc:
        return _new_page(request, ctx, error=exc, typed=typed)
    except errors.Conflict as exc:
        return _new_page(request, ctx, error=_as_field(exc, "name"), typed=typed)
    return RedirectResponse(f"/watch/{made['id']}?done=scheme", status_code=303)


def _members(text: str, empty: int | None = 0) -> int:
    text = (text or "").strip()
    if not text and empty is None:
        raise errors.Invalid("the member count is missing", field="members", fix="give the number of members attached to the scheme, 0 or more")
    text = text or str(empty)
    if not text.isdigit():
        raise errors.Invalid(f"{text!r} is not a number of members", field="members", fix="give a whole number, 0 or more")
    return int(text)


class SchemeIn(BaseModel):
    name: str = Field(max_length=200, description="The scheme's name.")
    area: str = Field(max_length=200, description="The loaded ward, LSOA or district it covers (code or name).")
    kind: str = Field("street", max_length=30, description="street, allotment, rural, business, horse, water, school or other.")
    team: str | None = Field(None, max_length=100, description="The Safer Neighbourhood Team responsible.")
    members: int = Field(0, ge=0, le=10_000_000, description="Members attached to the scheme today.")


@router.post("/api/watch", tags=["watch"])
def api_new_scheme(ctx: Signed, body: SchemeIn) -> dict:
    """Record a scheme (``sara watch scheme add``); the scheme as ``sara watch scheme show --json`` gives it."""
    return service.add_scheme(ctx, body.name, kind=body.kind, area=body.area, team=body.team, members=body.members)


def _scheme_page(request: Request, ctx: Context, ref: str, *, error: errors.Invalid | None = None, form: str | None = None, typed: dict | None = None,
                 done: str | None = None):  # fmt: skip
    s = service.show(ctx, ref)
    marked = errors_of(error)
    for item in marked["summary"]:  # each form's inputs are named for its form
        if form and item["href"] != "#main-content":
            item["href"] = f"#{form}-{item['href'][1:]}"
    return render(request, "watch/scheme.html", title=f"Scheme {s['id']}", s=s, errors=marked, form=form, typed=typed or {}, done=done,
                  today=ctx.now.date().isoformat(), status_code=422 if error else 200)  # fmt: skip


@router.get("/watch/{ref}", include_in_schema=False)
def scheme_page(request: Request, ctx: Signed, ref: Ref, done: Annotated[str, Query(max_length=20)] = ""):
    return _scheme_page(request, ctx, ref, done=DONE.get(done))


@router.get("/api/watch/{ref}", tags=["watch"])
def api_scheme(ctx: Signed, ref: Ref, within: Within = None) -> dict:
    """One scheme, as ``sara watch scheme show REF --json`` (coordinators only for police and council readers)."""
    return service.show(ctx, ref, within=_blank(within))


@router.post("/watch/{ref}/contacts", include_in_schema=False)
def log_contact(request: Request, ctx: Signed, ref: Ref, coordinator: Short = "", how: Short = "", on: Short = "", note: Long = ""):
    typed = {"coordinator": coordinator, "how": how, "on": on, "note": note}
    try:
        service.contact(ctx, ref, how, coordinator=_blank(coordinator), on=_date(on, "on"), note=note)
    except errors.Invalid as exc:
        return _scheme_page(request, ctx, ref, error=exc, form="contact", typed=typed)
    except errors.Conflict as exc:
        return _scheme_page(request, ctx, ref, error=_as_field(exc, "how"), form="contact", typed=typed)
    return RedirectResponse(f"/watch/{ref}?done=contact#coordinators", status_code=303)


@router.post("/watch/{ref}/coordinators", include_in_schema=False)
def add_coordinator(request: Request, ctx: Signed, ref: Ref, name: Short = "", phone: Short = "", email: Short = "", from_date: Short = ""):
    typed = {"name": name, "phone": phone, "email": email, "from_date": from_date}
    try:
        service.add_coordinator(ctx, ref, name=name, phone=_blank(phone), email=_blank(email), from_date=_date(from_date, "from_date"))
    except errors.Invalid as exc:
        return _scheme_page(request, ctx, ref, error=exc, form="coordinator", typed=typed)
    except errors.Conflict as exc:
        return _scheme_page(request, ctx, ref, error=_as_field(exc, "name"), form="coordinator", typed=typed)
    return RedirectResponse(f"/watch/{ref}?done=coordinator#coordinators", status_code=303)


@router.post("/watch/{ref}/members", include_in_schema=False)
def set_members(request: Request, ctx: Signed, ref: Ref, members: Short = "", on: Short = ""):
    typed = {"members": members, "on": on}
    try:
        service.members(ctx, ref, _members(members, empty=None), on=_date(on, "on"))
    except errors.Invalid as exc:
        return _scheme_page(request, ctx, ref, error=exc, form="members", typed=typed)
    return RedirectResponse(f"/watch/{ref}?done=members#members", status_code=303)


class ContactIn(BaseModel):
    how: str = Field(max_length=20, description="visit, meeting, phone or email.")
    coordinator: str | None = Field(None, max_length=30, description="Which of the scheme's coordinators (NHC-YYYY-NNNN), when it has several.")
    on: dt.date | None = Field(None, description="The day of the contact (default today).")
    by: str | None = Field(None, max_length=60, description="The colleague who made it (username; default you).")
    note: str | None = Field(None, max_length=4000)


@router.post("/api/watch/{ref}/contacts", tags=["watch"])
def api_contact(ctx: Signed, ref: Ref, body: ContactIn) -> dict:
    """Log a contact with one of the scheme's coordinators (``sara watch contact``)."""
    return service.contact(ctx, ref, body.how, coordinator=body.coordinator, on=body.on, by=body.by, note=body.note)


class CoordinatorIn(BaseModel):
    name: str | None = Field(None, max_length=200, description="A new coordinator's name.")
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)
    coordinator: str | None = Field(None, max_length=30, description="A coordinator already recorded (NHC-YYYY-NNNN) who takes on this scheme too.")
    from_date: dt.date | None = Field(None, description="The day they became its coordinator (default today).")


@router.post("/api/watch/{ref}/coordinators", tags=["watch"])
def api_coordinator(ctx: Signed, ref: Ref, body: CoordinatorIn) -> dict:
    """Record a coordinator of the scheme (``sara watch coordinator add``)."""
    return service.add_coordinator(ctx, ref, name=body.name, phone=body.phone, email=body.email, coordinator=body.coordinator, from_date=body.from_date)


class MembersIn(BaseModel):
    members: int = Field(ge=0, le=10_000_000, description="The members attached to the scheme.")
    on: dt.date | None = Field(None, description="The day of the count (default today).")


@router.post("/api/watch/{ref}/members", tags=["watch"])
def api_members(ctx: Signed, ref: Ref, body: MembersIn) -> dict:
    """Record the scheme's member count on a day (``sara watch members``)."""
    return service.members(ctx, ref, body.members, on=body.on)
