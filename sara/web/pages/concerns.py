"""Pages: the public reporting portal (issue 13, part 5).

Public, nobody signed in: ``/report-a-concern`` (the form: what, where in words or as a pin on
the map, when, what happened, and optionally how to contact the person), answered by
``/report-a-concern/sent`` (the receipt number), and ``/report-a-concern/areas.json`` (the
partnership's district outlines for the form's map: public boundaries, nothing submitted). The
form works without script; the map is ``concern-map.js`` (no inline script: the CSP). Its CSRF
token is the sign-in form's double-submit kind (``sara.web.security``: a random cookie for this
path and the form field carrying its HMAC). A request body over ``BODY_MAX`` bytes is refused
before it is read whole (413), too many reports from one address get a page saying to wait
(429), and every rule of the form is ``sara.services.concerns``'s, refused beside its input
with what was typed kept. Nothing submitted is ever shown at a public address, and there is
no public JSON of submissions.

Signed in: ``/moderation`` (the team's queue by status) and ``/moderation/{ref}`` (one concern,
the contact details for those allowed, audited; the accept and reject forms). JSON twins:
``/api/moderation``, ``/api/moderation/{ref}``, ``POST /api/moderation/{ref}/accept`` and
``/reject``, each the command's ``--json``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara import errors
from sara.casework import concerns as cc
from sara.services import Context
from sara.services import concerns as service
from sara.web import security
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(pattern=r"^(CON-\d{4}-\d{4,}|[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})$", description="CON-YYYY-NNNN or a receipt number")]
Receipt = Annotated[str, Query(pattern=r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=cc.DESCRIPTION_MAX * 2)]
FORM = "/report-a-concern"
FIELDS = ("category", "where", "lon", "lat", "when", "description", "name", "phone", "email", "consent")


def _token(request: Request, cookie: str) -> str:
    return security.pre_signature(request.app.state.engine, f"concern:{cookie}")


def _form(request: Request, *, typed: dict | None = None, error: errors.SaraError | None = None, status_code: int = 200):
    cookie = request.cookies.get(security.PRE_COOKIE) or security.new_pre_token()
    request.state.csrf_token = _token(request, cookie)
    ctx = Context(request.app.state.engine)
    marked = (
        errors_of(error) if isinstance(error, errors.Invalid) else {"summary": [{"text": str(error), "href": "#main-content"}], "fields": {}} if error else None
    )
    if marked and marked["fields"].get("where") is not None:
        marked["summary"][0]["href"] = "#where"
    response = render(request, "concerns/form.html", title="Report a concern", form=service.form(ctx), typed=typed or {}, errors=marked,
                      tile_url=request.app.state.tile_url, status_code=status_code)  # fmt: skip
    response.set_cookie(security.PRE_COOKIE, cookie, httponly=True, samesite="strict", secure=request.app.state.secure_cookies, path=FORM)
    return response


@router.get(FORM, include_in_schema=False)
def concern_form(request: Request):
    return _form(request)


async def _body(request: Request) -> bytes | None:
    """The request body, or None once it passes ``BODY_MAX`` bytes (read no further)."""
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > cc.BODY_MAX:
        return None
    chunks, total = [], 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cc.BODY_MAX:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(FORM, include_in_schema=False)
async def send_concern(request: Request):
    body = await _body(request)
    if body is None:
        too_long = errors.Invalid(f"your report is longer than we can take ({cc.BODY_MAX // 1024} KB in all)", field="description",
                                  fix=f"shorten what happened to {cc.DESCRIPTION_MAX:,} characters or fewer and send it again")  # fmt: skip
        return _form(request, error=too_long, status_code=413)
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=40))
    except (UnicodeDecodeError, ValueError):
        return _form(request, error=errors.Invalid("the form could not be read", fix="send it again from this page"), status_code=400)
    typed = {k: fields.get(k, "") for k in FIELDS}
    cookie = request.cookies.get(security.PRE_COOKIE)
    given = fields.get(security.CSRF_FIELD, "")
    if not (cookie and given and security.token_valid(_token(request, cookie), given)):
        expired = errors.Invalid("this form has expired or did not come from this site", fix="check your report below and send it again")
        return _form(request, typed=typed, error=expired, status_code=403)
    ctx = Context(request.app.state.engine)
    try:
        done = service.report(ctx, category=typed["category"], where=typed["where"], when=typed["when"], description=typed["description"],
                              lon=typed["lon"] or None, lat=typed["lat"] or None, name=typed["name"], phone=typed["phone"], email=typed["email"],
                              consent=typed["consent"] == "yes", honeypot=fields.get("website"), address=request.client.host if request.client else "")  # fmt: skip
    except errors.Invalid as exc:
        return _form(request, typed=typed, error=exc, status_code=422)
    except errors.TooMany as exc:
        return render(request, "concerns/too_many.html", title="Too many reports", message=str(exc), status_code=429)
    return RedirectResponse(f"{FORM}/sent?receipt={done['receipt']}", status_code=303)


@router.get(f"{FORM}/sent", include_in_schema=False)
def concern_sent(request: Request, receipt: Receipt):
    return render(request, "concerns/sent.html", title="Report sent", receipt=receipt)


@router.get(f"{FORM}/areas.json", include_in_schema=False)
def concern_areas(request: Request) -> dict:
    return service.covered_map(Context(request.app.state.engine))


# --------------------------------------------------------------------------- moderation
STATUS_CHOICES = ("waiting", "accepted", "rejected", "all")
Status = Annotated[str, Query(pattern=r"^(waiting|accepted|rejected|all)$")]


def _status(value: str) -> str | None:
    return None if value == "all" else value


@router.get("/moderation", include_in_schema=False)
def moderation_page(request: Request, ctx: Signed, status: Status = "waiting"):
    data = service.queue(ctx, status=_status(status))
    return render(request, "concerns/queue.html", title="Public concerns", data=data, choices=STATUS_CHOICES, wide=True)


@router.get("/api/moderation", tags=["concerns"])
def api_queue(ctx: Signed, status: Status = "waiting", problem: Annotated[str | None, Query(max_length=40)] = None) -> dict:
    """The team's moderation queue, as ``sara concerns list --json`` (``status``: waiting, accepted, rejected or all)."""
    return service.queue(ctx, status=_status(status), problem=problem)


def _concern_page(request: Request, ctx: Context, ref: str, *, error: errors.Invalid | None = None, form: str | None = None, typed: dict | None = None):
    c = service.show(ctx, ref)
    marked = errors_of(error)
    for item in marked["summary"]:
        if form and item["href"] != "#main-content":
            item["href"] = f"#{form}-{item['href'][1:]}"
    return render(request, "concerns/concern.html", title=f"Public concern {c['id']}", c=c, errors=marked, form=form, typed=typed or {},
                  status_code=422 if error else 200)  # fmt: skip


@router.get("/moderation/{ref}", include_in_schema=False)
def concern_page(request: Request, ctx: Signed, ref: Ref):
    return _concern_page(request, ctx, ref)


@router.get("/api/moderation/{ref}", tags=["concerns"])
def api_concern(ctx: Signed, ref: Ref) -> dict:
    """One concern, as ``sara concerns show REF --json`` (the contact details for the owning team's problem owners and leads, audited)."""
    return service.show(ctx, ref)


@router.post("/moderation/{ref}/accept", include_in_schema=False)
def accept_form(request: Request, ctx: Signed, ref: Ref, category: Short = "", summary: Long = "", problem: Short = "", note: Long = "", witness: Short = ""):
    typed = {"category": category, "summary": summary, "problem": problem, "note": note, "witness": witness}
    try:
        c = service.accept(ctx, ref, category=category or None, summary=summary or None, problem=problem or None, note=note or None, witness=witness or None)
    except errors.Invalid as exc:
        return _concern_page(request, ctx, ref, error=exc, form="accept", typed=typed)
    return RedirectResponse(f"/moderation/{c['id']}?done=accepted", status_code=303)


@router.post("/moderation/{ref}/reject", include_in_schema=False)
def reject_form(request: Request, ctx: Signed, ref: Ref, reason: Long = ""):
    try:
        c = service.reject(ctx, ref, reason)
    except errors.Invalid as exc:
        return _concern_page(request, ctx, ref, error=exc, form="reject", typed={"reason": reason})
    return RedirectResponse(f"/moderation/{c['id']}?done=rejected", status_code=303)


class AcceptIn(BaseModel):
    """Accepting a concern (``sara concerns accept``)."""

    category: str | None = Field(None, max_length=40, description="Change the category (one of the form's).")
    summary: str | None = Field(None, max_length=cc.DESCRIPTION_MAX, description="The words the event carries instead of the description.")
    problem: str | None = Field(None, max_length=40, description="A problem to link it to (PRB-YYYY-NNNN).")
    note: str | None = Field(None, max_length=2000, description="A note on the decision.")
    witness: str | None = Field(None, max_length=40, description="'new' to record the reporter as a witness, or a PER-YYYY-NNNN to link.")


class RejectIn(BaseModel):
    """Rejecting a concern (``sara concerns reject``)."""

    reason: str = Field(max_length=2000, description="Why it is rejected (kept with the concern).")


@router.post("/api/moderation/{ref}/accept", tags=["concerns"])
def api_accept(ctx: Signed, ref: Ref, body: AcceptIn) -> dict:
    """Accept a concern: it becomes a partner-report event (source "public report"); the concern as ``show`` gives it."""
    return service.accept(ctx, ref, category=body.category, summary=body.summary, problem=body.problem, note=body.note, witness=body.witness)


@router.post("/api/moderation/{ref}/reject", tags=["concerns"])
def api_reject(ctx: Signed, ref: Ref, body: RejectIn) -> dict:
    """Reject a concern with a reason; the concern as ``show`` gives it."""
    return service.reject(ctx, ref, body.reason)
