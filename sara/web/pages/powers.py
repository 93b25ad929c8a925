"""Powers and cases: the interventions a reader may see (``/powers``) with their deadlines and
breaches, one case with its notice text and the forms to take its next step or record a
breach (``/powers/{ref}``), the premises register as a traffic-light map and table
(``/powers/premises``), repeat victims (``/powers/repeat-victims``) and the ASB Case Review
tracker (``/powers/case-reviews``); each with its JSON twin under ``/api/powers``, the forms too
(``POST /api/powers`` issues an intervention as ``sara power issue`` does; ``.../steps`` and
``.../breaches`` take a JSON body each).

Each route parses, calls one function of ``sara.services.powers`` (or the casework function
the CLI calls) and renders it; scopes, guards and the audit are theirs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import AfterValidator, BaseModel, Field

from sara import errors
from sara.casework import people
from sara.casework.clock import LONDON
from sara.services import Context
from sara.services import powers as services_powers
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
PowerFilter = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$", description="Only this power: cpw, cpn, closure, cbo, pspo, abc, ...")]
Within = Annotated[int, Query(ge=0, le=366, description="Days ahead to look.")]
Threshold = Annotated[int, Query(ge=1, le=100, description="Events in one window that make a repeat victim.")]
Months = Annotated[int, Query(ge=1, le=120, description="Window in calendar months, when events carry only a month.")]
Day = Annotated[dt.date | None, Query(description="YYYY-MM-DD")]

STEP_FIELDS = ("step", "at", "by_rank", "due", "amount_gbp", "facts")
BREACH_FIELDS = ("response", "at", "by_rank", "amount_gbp", "outcome", "court_reference")


def _time(value: str | None, field: str, *, required: bool = True) -> dt.datetime | None:
    """A date and time from a form (``YYYY-MM-DDTHH:MM``, UK time)."""
    if not (value or "").strip():
        if required:
            raise errors.Invalid("enter the date and time", field=field, fix="use the date picker, or type it as YYYY-MM-DD HH:MM")
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date and time", field=field, fix="type it as YYYY-MM-DD HH:MM") from None
    return t.replace(tzinfo=LONDON) if t.tzinfo is None else t


def _amount(value: str | None, field: str = "amount_gbp") -> int | None:
    if not (value or "").strip():
        return None
    if not value.strip().isdigit():
        raise errors.Invalid(f"{value!r} is not an amount in whole pounds", field=field, fix="type a whole number, e.g. 100")
    return int(value.strip())


def _form_errors(exc: errors.Invalid, fields: tuple[str, ...], prefix: str, anchor: str) -> dict:
    """The refusal's message beside the field it names (ids carry the form's ``prefix``); a
    field the form does not have (the subject's date of birth) goes to the summary only."""
    e = errors_of(exc)
    if exc.field in fields:
        return {"summary": [{"text": str(exc), "href": f"#{prefix}{exc.field}"}], "fields": {f"{prefix}{exc.field}": str(exc)}}
    return {"summary": [{"text": str(exc), "href": f"#{anchor}"}], "fields": {}} if e["summary"] else e


def _now_local() -> str:
    return dt.datetime.now(LONDON).strftime("%Y-%m-%dT%H:%M")


# --- pages ------------------------------------------------------------------------------------


@router.get("/powers", include_in_schema=False)
def powers_page(request: Request, ctx: Signed, power: PowerFilter = None):
    data = services_powers.cases(ctx, power=power)
    return render(request, "powers/list.html", title="Powers and cases", data=data, power=power, tab="cases", wide=True)


@router.get("/powers/premises", include_in_schema=False)
def premises_page(request: Request, ctx: Signed, band: Annotated[str | None, Query(max_length=10, pattern=r"^[a-z]+$")] = None):
    data = services_powers.register_map(ctx, band=band)
    return render(request, "powers/premises.html", title="Premises risk register", data=data, band=band, tab="premises", wide=True,
                  tile_url=request.app.state.tile_url)  # fmt: skip


@router.get("/powers/repeat-victims", include_in_schema=False)
def repeat_victims_page(request: Request, ctx: Signed, threshold: Threshold = 3, months: Months = 12):
    data = people.repeat_victims(ctx.engine, ctx.actor, threshold=threshold, months=months, window_days=months * 365 / 12, purpose="repeat victims",
                                 today=ctx.now.date())  # fmt: skip
    return render(request, "powers/repeat_victims.html", title="Repeat victims", data=data, threshold=threshold, months=months, tab="repeat-victims")


@router.get("/powers/case-reviews", include_in_schema=False)
def case_reviews_page(request: Request, ctx: Signed, start: Day = None, end: Day = None):
    data = services_powers.case_reviews(ctx, start=start, end=end)
    return render(request, "powers/case_reviews.html", title="ASB Case Reviews", data=data, tab="case-reviews")


def _case_page(request: Request, ctx: Context, ref: str, *, errors_=None, step_form=None, breach_form=None, status_code: int = 200):
    data = services_powers.case(ctx, ref)
    return render(request, "powers/case.html", title=f"Case {data['case'].get('id') or 'record'}", data=data, ref=ref, errors=errors_,
                  step_form=step_form or {"at": _now_local()}, breach_form=breach_form or {"at": _now_local()}, status_code=status_code)  # fmt: skip


@router.get("/powers/{ref}", include_in_schema=False)
def case_page(request: Request, ctx: Signed, ref: Ref):
    return _case_page(request, ctx, ref)


@router.post("/powers/{ref}/steps", include_in_schema=False)
def take_step(
    request: Request, ctx: Signed, ref: Ref,
    step: Annotated[str, Form(max_length=60)] = "", at: Annotated[str, Form(max_length=40)] = "", by_rank: Annotated[str, Form(max_length=60)] = "",
    due: Annotated[str, Form(max_length=40)] = "", amount_gbp: Annotated[str, Form(max_length=12)] = "", facts: Annotated[list[str], Form()] = [],  # noqa: B006
):  # fmt: skip
    typed = {"step": step, "at": at, "by_rank": by_rank, "due": due, "amount_gbp": amount_gbp, "facts": facts}
    try:
        if not step:
            raise errors.Invalid("choose the step to take", field="step")
        services_powers.take_step(ctx, ref, step, at=_time(at, "at"), by_rank=by_rank or None, due=_time(due, "due", required=False),
                                  amount_gbp=_amount(amount_gbp), facts=facts)  # fmt: skip
    except errors.Invalid as exc:
        return _case_page(request, ctx, ref, errors_=_form_errors(exc, STEP_FIELDS, "", "take-step"), step_form=typed, status_code=422)
    return RedirectResponse(f"/powers/{ref}#steps", status_code=303)


@router.post("/powers/{ref}/breaches", include_in_schema=False)
def record_breach(
    request: Request, ctx: Signed, ref: Ref,
    response: Annotated[str, Form(max_length=40)] = "", at: Annotated[str, Form(max_length=40)] = "", by_rank: Annotated[str, Form(max_length=60)] = "",
    amount_gbp: Annotated[str, Form(max_length=12)] = "", outcome: Annotated[str, Form(max_length=500)] = "",
    court_reference: Annotated[str, Form(max_length=100)] = "",
):  # fmt: skip
    typed = {"response": response, "at": at, "by_rank": by_rank, "amount_gbp": amount_gbp, "outcome": outcome, "court_reference": court_reference}
    try:
        if not response:
            raise errors.Invalid("choose the response to the breach", field="response")
        services_powers.record_breach(ctx, ref, response, at=_time(at, "at"), by_rank=by_rank or None, outcome=outcome.strip() or None,
                                      court_reference=court_reference.strip() or None, amount_gbp=_amount(amount_gbp))  # fmt: skip
    except errors.Invalid as exc:
        return _case_page(request, ctx, ref, errors_=_form_errors(exc, BREACH_FIELDS, "breach-", "record-breach"), breach_form=typed, status_code=422)
    return RedirectResponse(f"/powers/{ref}#breaches", status_code=303)


# --- JSON -------------------------------------------------------------------------------------


@router.get("/api/powers", tags=["powers"])
def api_powers(ctx: Signed, power: PowerFilter = None) -> dict:
    """The interventions you may see, each at your scope with its subject and problem; the
    deadlines due in 14 days and missed; the breaches of the cases you see in full (audited)."""
    return services_powers.cases(ctx, power=power)


@router.get("/api/powers/deadlines", tags=["powers"])
def api_deadlines(ctx: Signed, within: Within = services_powers.DEADLINE_DAYS, mine: bool = False) -> dict:
    """Legal deadlines due within ``within`` days and those missed, earliest first, of every
    case you may see (``sara power deadlines --json``); ``mine`` keeps your own cases."""
    return services_powers.deadlines(ctx, within_days=within, mine=mine)


@router.get("/api/powers/premises", tags=["powers"])
def api_premises(ctx: Signed, band: Annotated[str | None, Query(max_length=10, pattern=r"^[a-z]+$")] = None) -> dict:
    """The premises risk register at your scope, red first, with its map as GeoJSON (audited)."""
    return services_powers.register_map(ctx, band=band)


@router.get("/api/powers/repeat-victims", tags=["powers"])
def api_repeat_victims(ctx: Signed, threshold: Threshold = 3, months: Months = 12) -> dict:
    """Repeat victims by your rule (default 3 or more incidents in 12 months), each at your scope (audited)."""
    return people.repeat_victims(ctx.engine, ctx.actor, threshold=threshold, months=months, window_days=months * 365 / 12, purpose="repeat victims",
                                 today=ctx.now.date())  # fmt: skip


@router.get("/api/powers/case-reviews", tags=["powers"])
def api_case_reviews(ctx: Signed, start: Day = None, end: Day = None) -> dict:
    """ASB Case Reviews with their victims at your scope, and the four published figures for the period."""
    return services_powers.case_reviews(ctx, start=start, end=end)


def _in_range(t: dt.datetime) -> dt.datetime:
    if not 1900 <= t.year <= 2200:
        raise ValueError("a date and time between the years 1900 and 2200")
    return t


When = Annotated[dt.datetime | None, AfterValidator(lambda t: t and _in_range(t)),
                 Field(description="YYYY-MM-DDTHH:MM, UK time unless a zone is given; default now.")]  # fmt: skip
Until = Annotated[dt.datetime | None, AfterValidator(lambda t: t and _in_range(t)),
                  Field(description="The end date and time the step sets (a notice's end, the time given in a warning), UK time unless a zone is given.")]  # fmt: skip
Rank = Annotated[str | None, Field(max_length=40, description="Rank or role of who authorised it: constable, inspector, local_authority, court, ...")]
Amount = Annotated[int | None, Field(ge=0, le=1_000_000, description="Fixed penalty amount in whole pounds.")]
Facts = Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=30, description="Facts recorded as done, e.g. appropriate_bodies_informed.")]


class IssueIn(BaseModel):
    """A new intervention and its first step, as ``sara power issue`` takes them."""

    power: str = Field(max_length=40, description="cpw, cpn, pspo, dispersal, closure, injunction, cbo, abc (or a rules-table power).")
    subject_ref: str = Field(max_length=100, description="The subject's reference (a case, person or premises reference, or an area): never a name.")
    subject_kind: str = Field("person", max_length=10, description="person, body, premises or area.")
    subject_dob: dt.date | None = Field(None, description="The subject's date of birth, for the minimum-age checks (YYYY-MM-DD).")
    at: When = None
    by_rank: Rank = None
    step: str | None = Field(None, max_length=60, description="The first step, when not the power's usual one.")
    due: Until = None
    amount_gbp: Amount = None
    facts: Facts = []
    problem_ref: str | None = Field(None, max_length=40, description="The problem it serves (PRB-YYYY-NNNN).")


class StepIn(BaseModel):
    """The next legal step, as the case page's form and ``sara power step`` take it."""

    step: str = Field(max_length=60, description="The step: issue_notice, issue_fpn, appeal, make_order, ... (the power's rules table).")
    at: When = None
    by_rank: Rank = None
    due: Until = None
    amount_gbp: Amount = None
    facts: Facts = []


class BreachIn(BaseModel):
    """A breach and the response to it, as the case page's form and ``sara power breach`` take them."""

    response: str = Field(max_length=20, description="warning, fpn, prosecution, committal, yot_referral, remedial_action, ...")
    at: When = None
    by_rank: Rank = None
    amount_gbp: Amount = None
    outcome: str | None = Field(None, max_length=500, description="What came of it.")
    court_reference: str | None = Field(None, max_length=100, description="The court's case reference.")


@router.post("/api/powers", tags=["powers"], status_code=201)
def api_issue(ctx: Signed, body: IssueIn) -> dict:
    """Open an intervention owned by your organisation and take its first step, as ``sara
    power issue --json`` does: the case as stored, or 422 naming the field the law's rules
    refuse (``{"error", "field"}``)."""
    return services_powers.issue(ctx, body.power, **body.model_dump(exclude={"power"}))


@router.post("/api/powers/{ref}/steps", tags=["powers"], status_code=201)
def api_take_step(ctx: Signed, ref: Ref, body: StepIn) -> dict:
    """Take the next legal step on one of your organisation's interventions, as its page's
    form does: the case after it, or 422 naming the field a rule refuses."""
    return services_powers.take_step(ctx, ref, body.step, **body.model_dump(exclude={"step"}))


@router.post("/api/powers/{ref}/breaches", tags=["powers"], status_code=201)
def api_record_breach(ctx: Signed, ref: Ref, body: BreachIn) -> dict:
    """Record a breach of one of your organisation's interventions and the response to it,
    as its page's form does: the case after it, or 422 naming the field a rule refuses."""
    return services_powers.record_breach(ctx, ref, body.response, **body.model_dump(exclude={"response"}))


@router.get("/api/powers/{ref}", tags=["powers"])
def api_case(ctx: Signed, ref: Ref) -> dict:
    """One intervention at your scope; in full with its deadlines, the steps allowed now and its notice text (audited)."""
    return services_powers.case(ctx, ref)
