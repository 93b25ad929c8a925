"""The early-help search (``/early-help``): the young people the last search lists with their
status and age at each crime (or "age unknown"), each crime with its review form, the
referrals with their meeting, actions and outcome, and forms to run the search, refer a young
person (from the search or a children's services front door) and update a referral. JSON twins:
``GET /api/early-help`` (``sara early-help list --json``), ``POST /api/early-help/search``
(``sara early-help search --json``), ``.../findings/{id}/review``, ``.../referrals`` and
``.../referrals/{ref}``.

Each route parses, calls one function of ``sara.services.early_help`` and renders it; who may
see it, the scopes and the audit are the service's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara import errors
from sara.services import Context
from sara.services import early_help as services_eh
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
Text = Annotated[str, Form(max_length=2000)]


def _date(value: str | None, field: str, *, required: bool = False) -> dt.date | None:
    if not (value or "").strip():
        if required:
            raise errors.Invalid("enter the date", field=field, fix="type it as YYYY-MM-DD")
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date", field=field, fix="type it as YYYY-MM-DD") from None


def _page(request: Request, ctx: Context, *, errors_=None, refer_form=None, search_form=None, status_code: int = 200):
    data = services_eh.latest(ctx)
    yesterday = (dt.date.fromisoformat(data["today"]) - dt.timedelta(days=1)).isoformat()
    return render(request, "early_help/page.html", title="Early help", data=data, errors=errors_, refer_form=refer_form or {"route": "police_search"},
                  search_form=search_form or {"since": yesterday}, wide=True, status_code=status_code)  # fmt: skip


@router.get("/early-help", include_in_schema=False)
def early_help_page(request: Request, ctx: Signed):
    return _page(request, ctx)


@router.post("/early-help/search", include_in_schema=False)
def run_search(request: Request, ctx: Signed, since: Annotated[str, Form(max_length=20)] = ""):
    try:
        services_eh.search(ctx, _date(since, "since", required=True))
    except errors.Invalid as exc:
        return _page(request, ctx, errors_=errors_of(exc), search_form={"since": since}, status_code=422)
    return RedirectResponse("/early-help#young-people", status_code=303)


@router.post("/early-help/findings/{finding}/review", include_in_schema=False)
def review_finding(request: Request, ctx: Signed, finding: Annotated[int, Path(ge=1, le=2**62)], note: Text = ""):
    try:
        services_eh.review(ctx, finding, note)
    except errors.Invalid as exc:
        e = errors_of(exc)
        return _page(request, ctx, errors_={"summary": [{"text": str(exc), "href": f"#note-{finding}"}], "fields": {f"note-{finding}": str(exc)}}
                     if e["summary"] else e, status_code=422)  # fmt: skip
    return RedirectResponse(f"/early-help#finding-{finding}", status_code=303)


REFER_FIELDS = ("person", "to_team", "route", "referred_on", "meeting", "meeting_on", "issues", "actions", "outcome")


@router.post("/early-help/referrals", include_in_schema=False)
def refer(
    request: Request, ctx: Signed, person: Annotated[str, Form(max_length=40)] = "", to_team: Annotated[str, Form(max_length=40)] = "",
    route: Annotated[str, Form(max_length=20)] = "police_search", referred_on: Annotated[str, Form(max_length=20)] = "",
    meeting: Text = "", meeting_on: Annotated[str, Form(max_length=20)] = "", issues: Text = "", actions: Text = "", outcome: Text = "",
):  # fmt: skip
    typed = {"person": person, "to_team": to_team, "route": route, "referred_on": referred_on, "meeting": meeting, "meeting_on": meeting_on, "issues": issues,
             "actions": actions, "outcome": outcome}  # fmt: skip
    try:
        if not person.strip():
            raise errors.Invalid("choose the young person", field="person")
        if not to_team:
            raise errors.Invalid("choose the team or partner", field="to_team")
        services_eh.refer(ctx, person.strip(), to_team, route=route, referred_on=_date(referred_on, "referred_on"), meeting=meeting or None,
                          meeting_on=_date(meeting_on, "meeting_on"), issues=issues or None, actions=actions or None, outcome=outcome or None)  # fmt: skip
    except errors.Invalid as exc:
        e = errors_of(exc)
        if exc.field in REFER_FIELDS:
            e = {"summary": [{"text": str(exc), "href": f"#refer-{exc.field}"}], "fields": {f"refer-{exc.field}": str(exc)}}
        return _page(request, ctx, errors_=e, refer_form=typed, status_code=422)
    return RedirectResponse("/early-help#referrals", status_code=303)


@router.post("/early-help/referrals/{ref}", include_in_schema=False)
def update_referral(
    request: Request, ctx: Signed, ref: Ref, meeting: Text = "", meeting_on: Annotated[str, Form(max_length=20)] = "", actions: Text = "",
    outcome: Text = "", closed_on: Annotated[str, Form(max_length=20)] = "", version: Annotated[int | None, Form()] = None,
):  # fmt: skip
    try:
        services_eh.update_referral(ctx, ref, version=version, meeting=meeting or None, meeting_on=_date(meeting_on, "meeting_on"), actions=actions or None,
                                    outcome=outcome or None, closed_on=_date(closed_on, "closed_on"))  # fmt: skip
    except errors.Invalid as exc:
        e = errors_of(exc)
        return _page(request, ctx, errors_={"summary": [{"text": str(exc), "href": f"#referral-{ref}"}], "fields": {}} if e["summary"] else e, status_code=422)
    return RedirectResponse(f"/early-help#referral-{ref}", status_code=303)


# --- JSON -------------------------------------------------------------------------------------


@router.get("/api/early-help", tags=["early help"])
def api_early_help(ctx: Signed) -> dict:
    """What the last search lists now, each crime with its review, and the referrals (``sara early-help list --json``; audited)."""
    return services_eh.latest(ctx)


class SearchIn(BaseModel):
    since: dt.date | None = Field(None, description="Links made on or after this UK date (default the last search's day).")


@router.post("/api/early-help/search", tags=["early help"])
def api_search(ctx: Signed, body: Annotated[SearchIn, Body()] = SearchIn()) -> dict:
    """Run the search (``sara early-help search --since DATE --json``): recorded once, safe to re-run."""
    return services_eh.search(ctx, body.since)


class ReviewIn(BaseModel):
    note: str = Field(max_length=2000, description="What the review found and decided.")


@router.post("/api/early-help/findings/{finding}/review", tags=["early help"])
def api_review(ctx: Signed, finding: Annotated[int, Path(ge=1, le=2**62)], body: ReviewIn) -> dict:
    """Record the team's review of one crime of one young person (``sara early-help review``)."""
    return services_eh.review(ctx, finding, body.note)


class ReferIn(BaseModel):
    person: str = Field(max_length=40, description="The young person's reference (PER-YYYY-NNNN).")
    to_team: str = Field(max_length=40, description="early_action, liaison_diversion, youth_justice or childrens_social_care.")
    route: str = Field("police_search", max_length=20, description="police_search, front_door or other.")
    referred_on: dt.date | None = None
    meeting: str | None = Field(None, max_length=2000)
    meeting_on: dt.date | None = None
    issues: str | None = Field(None, max_length=2000)
    actions: str | None = Field(None, max_length=2000)
    outcome: str | None = Field(None, max_length=2000)


@router.post("/api/early-help/referrals", tags=["early help"])
def api_refer(ctx: Signed, body: ReferIn) -> dict:
    """Refer a young person (``sara early-help refer``)."""
    fields = body.model_dump()
    return services_eh.refer(ctx, fields.pop("person"), fields.pop("to_team"), **fields)


class ReferralChange(BaseModel):
    to_team: str | None = Field(None, max_length=40)
    meeting: str | None = Field(None, max_length=2000)
    meeting_on: dt.date | None = None
    issues: str | None = Field(None, max_length=2000)
    actions: str | None = Field(None, max_length=2000)
    outcome: str | None = Field(None, max_length=2000)
    closed_on: dt.date | None = None
    version: int | None = None


@router.post("/api/early-help/referrals/{ref}", tags=["early help"])
def api_update_referral(ctx: Signed, ref: Ref, body: ReferralChange) -> dict:
    """Record a referral's meeting, actions, outcome or closing (``sara early-help referral update``)."""
    return services_eh.update_referral(ctx, ref, **body.model_dump())
