"""People and premises: one person (``/people/{ref}``) or premises (``/premises/{ref}``) at
the reader's scope, with the organisations working with them, and the search for people by
name (a POST: names never go in a URL).

Every read of personal data is audited with its purpose. A browser session is asked the
purpose once per record (a form, POSTed with its CSRF token) and it is remembered for the
session (``sara.services.access.remember_purpose``); the JSON twin takes it as the
``purpose`` query parameter, or the session's, and is refused (422, field ``purpose``)
without one. The service then reads, scopes and audits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse

from sara import errors
from sara.casework import people, premises
from sara.services import Context
from sara.services import access as services_access
from sara.web.auth import session_of, signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
PurposeQuery = Annotated[str | None, Query(max_length=200, description="Why you are reading the record (kept in the audit trail).")]
KINDS = {"person": "/people", "premises": "/premises"}


def _purpose(request: Request, key: str, given: str | None) -> str | None:
    """The purpose for reading ``key``: given with the request, else the one this session
    gave for it (None: not given yet)."""
    if given and given.strip():
        return given.strip()
    session = session_of(request)
    return session.purposes.get(key) if session is not None else None


def _required(purpose: str | None) -> str:
    if not purpose:
        raise errors.Invalid("say why you are reading this record", field="purpose", fix="add ?purpose=... (e.g. casework, tasking meeting, safeguarding)")
    return purpose


def _ask(request: Request, kind: str, ref: str, *, typed: str = "", error: errors.Invalid | None = None):
    return render(request, "people/purpose.html", title="Why are you looking at this record?", kind=kind, ref=ref, action=f"{KINDS[kind]}/{ref}/purpose",
                  typed=typed, errors=errors_of(error), status_code=422 if error else 200)  # fmt: skip


def _remember(request: Request, ctx: Context, kind: str, ref: str, purpose: str):
    session = session_of(request)
    if session is None:  # a script with a token has no session to remember it in
        return RedirectResponse(f"{KINDS[kind]}/{ref}", status_code=303)
    try:
        services_access.remember_purpose(ctx.engine, session, f"{kind}:{ref}", purpose)
    except errors.Invalid as exc:
        return _ask(request, kind, ref, typed=purpose, error=exc)
    return RedirectResponse(f"{KINDS[kind]}/{ref}", status_code=303)


# --- search (POST only: a name never goes in a URL) ----------------------------------------


@router.get("/people/search", include_in_schema=False)
def search_form(request: Request, ctx: Signed):
    people.check_read(ctx.actor)
    return render(request, "people/search.html", title="Find a person", query="", purpose="", results=None)


@router.post("/people/search", include_in_schema=False)
def search(request: Request, ctx: Signed, query: Annotated[str, Form(max_length=200)] = "", purpose: Annotated[str, Form(max_length=200)] = ""):
    try:
        results = people.search_people(ctx.engine, ctx.actor, query, purpose=_required(purpose.strip() or None), today=ctx.now.date())
    except errors.Invalid as exc:
        return render(request, "people/search.html", title="Find a person", query=query, purpose=purpose, results=None, errors=errors_of(exc), status_code=422)
    return render(request, "people/search.html", title="Find a person", query=query, purpose=purpose, results=results)


@router.post("/api/people/search", tags=["people"])
def api_search(ctx: Signed, query: Annotated[str, Body(max_length=200)], purpose: Annotated[str, Body(max_length=200)]) -> dict:
    """People whose visible fields contain ``query``, each at your scope (audited with ``purpose``).
    A POST, so that names never appear in a URL or a log."""
    rows = people.search_people(ctx.engine, ctx.actor, query, purpose=_required(purpose.strip() or None), today=ctx.now.date())
    return {"count": len(rows), "people": rows}


# --- a person -------------------------------------------------------------------------------


@router.get("/people/{ref}", include_in_schema=False)
def person_page(request: Request, ctx: Signed, ref: Ref, purpose: PurposeQuery = None):
    given = _purpose(request, f"person:{ref}", purpose)
    if given is None and session_of(request) is not None:
        return _ask(request, "person", ref)
    v = people.show_person(ctx.engine, ctx.actor, ref, purpose=_required(given), today=ctx.now.date())
    return render(request, "people/person.html", title="Person record", v=v, ref=ref, purpose=given)


@router.post("/people/{ref}/purpose", include_in_schema=False)
def person_purpose(request: Request, ctx: Signed, ref: Ref, purpose: Annotated[str, Form(max_length=200)] = ""):
    return _remember(request, ctx, "person", ref, purpose)


@router.get("/api/people/{ref}", tags=["people"])
def api_person(request: Request, ctx: Signed, ref: Ref, purpose: PurposeQuery = None) -> dict:
    """A person at your scope, with the organisations working with them (audited with ``purpose``;
    a browser session's remembered purpose serves when none is given)."""
    return people.show_person(ctx.engine, ctx.actor, ref, purpose=_required(_purpose(request, f"person:{ref}", purpose)), today=ctx.now.date())


# --- a premises -----------------------------------------------------------------------------


@router.get("/premises/{ref}", include_in_schema=False)
def premises_page(request: Request, ctx: Signed, ref: Ref, purpose: PurposeQuery = None):
    given = _purpose(request, f"premises:{ref}", purpose)
    if given is None and session_of(request) is not None:
        return _ask(request, "premises", ref)
    v = premises.show_premises(ctx.engine, ctx.actor, ref, purpose=_required(given), at=ctx.now.date())
    return render(request, "people/premises.html", title="Premises record", v=v, ref=ref, purpose=given)


@router.post("/premises/{ref}/purpose", include_in_schema=False)
def premises_purpose(request: Request, ctx: Signed, ref: Ref, purpose: Annotated[str, Form(max_length=200)] = ""):
    return _remember(request, ctx, "premises", ref, purpose)


@router.get("/api/premises/{ref}", tags=["people"])
def api_premises(request: Request, ctx: Signed, ref: Ref, purpose: PurposeQuery = None) -> dict:
    """A premises at your scope, with its risk rating and the organisations working with it (audited with ``purpose``)."""
    return premises.show_premises(ctx.engine, ctx.actor, ref, purpose=_required(_purpose(request, f"premises:{ref}", purpose)), at=ctx.now.date())
