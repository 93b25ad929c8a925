"""Pages: community messaging (``/messages``: the organisation's messages and messaging groups,
with the form that adds a group; ``/messages/new``: a draft from a problem or an operation,
prefilled from its public-safe words; ``/messages/{ref}``: the message as the messaging system
will carry it, approve, withdraw, change and export it; ``/messages/counts``: messages per
team and month, the minimum-standards figure, as a table with a small chart). JSON twins under
``/api/messages``, each the command's ``--json``. SARA sends nothing itself (each page says
so). Every rule is ``sara.services.messages``'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sara import errors
from sara.report.documents import chart_alt, chart_data_uri
from sara.services import Context
from sara.services import messages as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(pattern=r"^MSG-\d{4}-\d{4,}$")]
Short = Annotated[str, Form(max_length=200)]
Long = Annotated[str, Form(max_length=4000)]
Codes = Annotated[list[str], Form(max_length=50)]
Month = Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-\d{2}$")]
ToMonth = Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-\d{2}$")]
SENDS_NOTHING = "SARA sends nothing itself: export an approved message and load it into the force's messaging system."


# --------------------------------------------------------------------------- the list and the groups
def _list_page(request: Request, ctx: Context, *, error: errors.Invalid | None = None, typed: dict | None = None):
    data = service.overview(ctx)
    return render(request, "messages/list.html", title="Community messages", data=data, typed=typed or {}, errors=errors_of(error), kinds=service.cm.KINDS,
                  sends_nothing=SENDS_NOTHING, wide=True, status_code=422 if error else 200)  # fmt: skip


@router.get("/messages", include_in_schema=False)
def messages_page(request: Request, ctx: Signed):
    return _list_page(request, ctx)


@router.post("/messages/groups", include_in_schema=False)
def new_group(request: Request, ctx: Signed, code: Short = "", name: Short = "", kind: Short = "", area: Short = "", snt: Short = "", subscribers: Short = ""):
    typed = {"code": code, "name": name, "kind": kind, "area": area, "snt": snt, "subscribers": subscribers}
    try:
        if subscribers.strip() and not subscribers.strip().isdigit():
            raise errors.Invalid(f"{subscribers.strip()!r} is not a number of subscribers", field="subscribers", fix="give a whole number, or leave it empty")
        service.add_group(ctx, code, name, kind, area=area.strip() or None, snt=snt, subscribers=int(subscribers) if subscribers.strip() else None)
    except errors.Invalid as exc:
        return _list_page(request, ctx, error=exc, typed=typed)
    except errors.Conflict as exc:
        return _list_page(request, ctx, error=errors.Invalid(str(exc), field="code"), typed=typed)
    return RedirectResponse("/messages?done=group#groups", status_code=303)


class GroupIn(BaseModel):
    code: str = Field(max_length=60, description="The code the messaging system knows the group by.")
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20, description="area or interest.")
    area: str | None = Field(None, max_length=200, description="A loaded area's code or name (needed for an area group).")
    snt: str | None = Field(None, max_length=200, description="The Safer Neighbourhood Team that runs it.")
    subscribers: int | None = Field(None, ge=0, le=10_000_000)


@router.get("/api/messages", tags=["messages"])
def api_list(ctx: Signed) -> dict:
    """The organisation's groups and messages, as ``sara messages list --json``."""
    return service.overview(ctx)


@router.get("/api/messages/groups", tags=["messages"])
def api_groups(ctx: Signed) -> list[dict]:
    """The organisation's messaging groups, as ``sara messages group list --json``."""
    return service.list_groups(ctx)


@router.post("/api/messages/groups", tags=["messages"])
def api_new_group(ctx: Signed, body: GroupIn) -> dict:
    """Add a messaging group (``sara messages group add``)."""
    return service.add_group(ctx, body.code, body.name, body.kind, area=body.area, snt=body.snt, subscribers=body.subscribers)


# --------------------------------------------------------------------------- a new draft
def _new_page(request: Request, ctx: Context, source: str, *, error: errors.Invalid | None = None, typed: dict | None = None):
    choices = service.sources(ctx)
    kind, _, ref = source.partition(":")
    suggestion = None
    if ref:
        suggestion = service.suggest(ctx, problem=ref if kind == "problem" else None, operation=ref if kind == "operation" else None)
    return render(request, "messages/new.html", title="Draft a message", choices=choices, source=source, suggestion=suggestion, typed=typed,
                  errors=errors_of(error), sends_nothing=SENDS_NOTHING, status_code=422 if error else 200)  # fmt: skip


def _source(problem: str | None, operation: str | None, source: str | None) -> str:
    if problem:
        return f"problem:{problem}"
    if operation:
        return f"operation:{operation}"
    return source or ""


@router.get("/messages/new", include_in_schema=False)
def new_message_page(request: Request, ctx: Signed, source: Annotated[str | None, Query(max_length=260)] = None,
                     problem: Annotated[str | None, Query(max_length=40)] = None, operation: Annotated[str | None, Query(max_length=200)] = None):  # fmt: skip
    return _new_page(request, ctx, _source(problem, operation, source))


@router.post("/messages", include_in_schema=False)
def new_message(request: Request, ctx: Signed, source: Annotated[str, Form(max_length=260)] = "", groups: Codes = None, title: Short = "", doing: Long = "",
                you_can: Long = "", snt: Short = ""):  # fmt: skip
    kind, _, ref = source.partition(":")
    typed = {"title": title, "doing": doing, "you_can": you_can, "groups": groups or [], "snt": snt}
    try:
        made = service.draft(ctx, problem=ref if kind == "problem" else None, operation=ref if kind == "operation" else None, groups=groups or [], title=title,
                             doing=doing, you_can=you_can, snt=snt or None)  # fmt: skip
    except errors.Invalid as exc:
        return _new_page(request, ctx, source, error=exc, typed=typed)
    return RedirectResponse(f"/messages/{made['id']}?done=draft", status_code=303)


class DraftIn(BaseModel):
    problem: str | None = Field(None, max_length=40, description="The problem it is about (PRB-YYYY-NNNN), or")
    operation: str | None = Field(None, max_length=200, description="the operation it is about, by name.")
    groups: list[str] = Field(max_length=50, description="The messaging groups' codes.")
    title: str | None = Field(None, max_length=200, description="Default: from the source's public-safe words.")
    doing: str | None = Field(None, max_length=4000, description="What we are doing (default: from the source).")
    you_can: str | None = Field(None, max_length=4000, description="What you can do (default: the standard advice).")
    snt: str | None = Field(None, max_length=200)


@router.get("/api/messages/new", tags=["messages"])
def api_suggest(ctx: Signed, problem: Annotated[str | None, Query(max_length=40)] = None, operation: Annotated[str | None, Query(max_length=200)] = None,
                group: Annotated[list[str] | None, Query(max_length=50)] = None) -> dict:  # fmt: skip
    """The words a draft from the problem or operation starts with (what ``draft`` fills in), and what was left out and why."""
    return service.suggest(ctx, problem=problem, operation=operation, groups=group or [])


@router.post("/api/messages", tags=["messages"])
def api_draft(ctx: Signed, body: DraftIn) -> dict:
    """Draft a message (``sara messages draft``): the message as ``sara messages show --json`` gives it."""
    return service.draft(ctx, problem=body.problem, operation=body.operation, groups=body.groups, title=body.title, doing=body.doing, you_can=body.you_can,
                         snt=body.snt)  # fmt: skip


# --------------------------------------------------------------------------- the counts
@router.get("/messages/counts", include_in_schema=False)
def counts_page(request: Request, ctx: Signed, start: Month = None, end: ToMonth = None):
    data = service.counts(ctx, start=start, end=end)
    table = service.counts_table(data)
    return render(request, "messages/counts.html", title="Messages per team", data=data, chart=chart_data_uri(table) if data["total"] else "",
                  alt=chart_alt(table), wide=True)  # fmt: skip


@router.get("/api/messages/counts", tags=["messages"])
def api_counts(ctx: Signed, start: Month = None, end: ToMonth = None) -> dict:
    """Messages per team and month (``sara messages counts --json``); ``from`` and ``to`` are months, YYYY-MM."""
    return service.counts(ctx, start=start, end=end)


# --------------------------------------------------------------------------- one message
def _message_page(request: Request, ctx: Context, ref: str, *, error: errors.Invalid | None = None, typed: dict | None = None):
    m = service.show(ctx, ref)
    groups = service.list_groups(ctx) if m["may"]["edit"] else []
    return render(request, "messages/message.html", title=f"Message {m['id']}", m=m, groups=groups, typed=typed, errors=errors_of(error),
                  done=request.query_params.get("done"), sends_nothing=SENDS_NOTHING, status_code=422 if error else 200)  # fmt: skip


@router.get("/messages/{ref}", include_in_schema=False)
def message_page(request: Request, ctx: Signed, ref: Ref):
    return _message_page(request, ctx, ref)


@router.post("/messages/{ref}", include_in_schema=False)
def edit_message(request: Request, ctx: Signed, ref: Ref, groups: Codes = None, title: Short = "", doing: Long = "", you_can: Long = "",
                 version: Annotated[int | None, Form(ge=0)] = None):  # fmt: skip
    typed = {"title": title, "doing": doing, "you_can": you_can, "groups": groups or []}
    try:
        service.edit(ctx, ref, title=title, doing=doing, you_can=you_can, groups=groups or [], expect_version=version)
    except (errors.Invalid, errors.Conflict) as exc:
        shown = exc if isinstance(exc, errors.Invalid) else errors.Invalid(str(exc))
        return _message_page(request, ctx, ref, error=shown, typed=typed)
    return RedirectResponse(f"/messages/{ref}?done=edit", status_code=303)


def _act(request: Request, ctx: Context, ref: str, call, done: str):
    try:
        call(ctx, ref)
    except errors.Invalid as exc:
        return _message_page(request, ctx, ref, error=exc)
    return RedirectResponse(f"/messages/{ref}?done={done}", status_code=303)


@router.post("/messages/{ref}/approve", include_in_schema=False)
def approve_message(request: Request, ctx: Signed, ref: Ref):
    return _act(request, ctx, ref, service.approve, "approve")


@router.post("/messages/{ref}/withdraw", include_in_schema=False)
def withdraw_message(request: Request, ctx: Signed, ref: Ref):
    return _act(request, ctx, ref, service.withdraw, "withdraw")


DOWNLOADS = {"csv": ("csv", "text/csv; charset=utf-8"), "txt": ("text", "text/plain; charset=utf-8"), "html": ("html", "text/html; charset=utf-8")}


@router.get("/messages/{ref}/export.{suffix}", include_in_schema=False)
def export_message(ctx: Signed, ref: Ref, suffix: Annotated[str, PathParam(pattern="^(csv|txt|html)$")]):
    made = service.export(ctx, ref)
    key, media = DOWNLOADS[suffix]
    return Response(made[key], media_type=media, headers={"Content-Disposition": f'attachment; filename="{made["id"].lower()}.{suffix}"'})


class EditIn(BaseModel):
    title: str | None = Field(None, max_length=200)
    doing: str | None = Field(None, max_length=4000)
    you_can: str | None = Field(None, max_length=4000)
    groups: list[str] | None = Field(None, max_length=50, description="The groups' codes instead (default: unchanged).")
    snt: str | None = Field(None, max_length=200)
    version: int | None = Field(None, ge=0, description="The version you read: refused if it changed since.")


@router.get("/api/messages/{ref}", tags=["messages"])
def api_message(ctx: Signed, ref: Ref) -> dict:
    """One message, as ``sara messages show REF --json``."""
    return service.show(ctx, ref)


@router.post("/api/messages/{ref}", tags=["messages"])
def api_edit(ctx: Signed, ref: Ref, body: EditIn) -> dict:
    """Change a message (``sara messages edit``): its approval is cleared."""
    return service.edit(ctx, ref, title=body.title, doing=body.doing, you_can=body.you_can, groups=body.groups, snt=body.snt, expect_version=body.version)


@router.post("/api/messages/{ref}/approve", tags=["messages"])
def api_approve(ctx: Signed, ref: Ref) -> dict:
    """Approve a message (``sara messages approve``): a lead who did not write it."""
    return service.approve(ctx, ref)


@router.post("/api/messages/{ref}/withdraw", tags=["messages"])
def api_withdraw(ctx: Signed, ref: Ref) -> dict:
    """Withdraw a message (``sara messages withdraw``)."""
    return service.withdraw(ctx, ref)


@router.get("/api/messages/{ref}/export", tags=["messages"])
def api_export(ctx: Signed, ref: Ref) -> dict:
    """Export an approved message (``sara messages export --json``): the CSV, text and HTML for the messaging system."""
    return service.export(ctx, ref)
