"""Pages: surveys (issue 13, part 4). ``/surveys``: the questionnaires with their versions and
responses; ``/surveys/{key}``: the results by area and period, each figure with its 95%
interval, drawn as a chart beside its table, and the CSV upload; ``/surveys/{key}/respond``: the
form an officer fills in at the door, made for a phone; ``/surveys/{key}/contacts``: the
respondents of the reader's organisation who agreed to be contacted. JSON twins:
``/api/surveys`` (``sara survey list --json``), ``/api/surveys/{key}`` (``sara survey results
--json``), ``/api/surveys/{key}/questionnaire`` (``sara survey show``), ``POST
/api/surveys/{key}/responses`` (``sara survey respond``), ``/api/surveys/{key}/contacts``
(``sara survey contacts``). Every rule is ``sara.services.surveys``'s."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, StringConstraints

from sara import errors
from sara.casework.surveys import MAX_IMPORT_BYTES, answer_words
from sara.services import Context
from sara.services import surveys as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Key = Annotated[str, PathParam(pattern=r"^[a-z][a-z0-9_-]{0,59}$")]
By = Annotated[Literal["ward", "lsoa", "district", "all"], Query(description="Group by ward, lsoa, district or all.")]
Per = Annotated[Literal["month", "quarter", "year", "wave", "all"], Query(description="Per month, quarter, year, wave or all.")]
AreaQ = Annotated[str, Query(max_length=100, description="Only the responses in this area (code or name).")]
VersionQ = Annotated[str, Query(max_length=40, description="The version whose questions are shown.")]
Short = Annotated[str, Form(max_length=100)]
FIXED = ("area", "taken_on", "wave", "lon", "lat", "consent", "name", "contact")


@router.get("/surveys", include_in_schema=False)
def surveys_page(request: Request, ctx: Signed):
    return render(request, "surveys/list.html", title="Surveys", data=service.list_surveys(ctx))


@router.get("/api/surveys", tags=["surveys"])
def api_list(ctx: Signed) -> dict:
    """The questionnaires, their versions and responses, as ``sara survey list --json``."""
    return service.list_surveys(ctx)


def chart(question: dict, width: int = 760) -> dict:
    """A question's rows drawn as bars with their 95% interval, in SVG user units: the share
    (0 to 100 per cent) or the mean on its scale; the table beside it gives the figures."""
    s = question["scale"]
    lo, hi = (0.0, 100.0) if question["kind"] == "choice" else (float(s["min"]), float(s["max"]))
    left, right, row, top = 310, 24, 22, 24
    plot = width - left - right

    def x(v: float) -> float:
        return round(left + plot * (min(max(v, lo), hi) - lo) / (hi - lo), 1)

    rows = []
    for i, r in enumerate(question["rows"]):
        y = top + i * row
        label = f"{r['area_name']}, {r['period']}" if r["area"] != "all" else r["period"]
        item = {"y": y, "label": label if len(label) <= 46 else label[:45] + "…", "small": r["small"], "n": r["n"]}
        if r["value"] is not None:
            item |= {"x0": x(lo), "x": x(r["value"]), "text": f"{r['value']:.0f}%" if question["kind"] == "choice" else f"{r['value']:.1f}"}
            if r["low"] is not None:
                item |= {"low": x(r["low"]), "high": x(r["high"])}
        rows.append(item)
    ticks = [{"x": x(lo + (hi - lo) * k / 4), "text": f"{lo + (hi - lo) * k / 4:g}" + ("%" if question["kind"] == "choice" else "")} for k in range(5)]
    return {
        "width": width,
        "height": top + len(rows) * row + 8,
        "top": top - 6,
        "bottom": top + len(rows) * row - 4,
        "left": left,
        "rows": rows,
        "ticks": ticks,
    }


def _results_page(request: Request, ctx: Context, key: str, by: str, per: str, area: str, version: str, *, report: dict | None = None,
                  error: errors.Invalid | None = None):  # fmt: skip
    data = service.results(ctx, key, by=by, per=per, area=area, version=version)
    return render(request, "surveys/results.html", title=f"Survey results: {data['questionnaire']['name']}", data=data, charts=[chart(q) for q in data["questions"]],
                  chosen={"by": by, "per": per, "area": area}, report=report, errors=errors_of(error), wide=True,
                  max_mib=MAX_IMPORT_BYTES >> 20, status_code=422 if error else 200)  # fmt: skip


@router.get("/surveys/{key}", include_in_schema=False)
def results_page(request: Request, ctx: Signed, key: Key, by: By = "district", per: Per = "quarter", area: AreaQ = "", version: VersionQ = ""):
    return _results_page(request, ctx, key, by, per, area, version)


@router.get("/api/surveys/{key}", tags=["surveys"])
def api_results(ctx: Signed, key: Key, by: By = "district", per: Per = "quarter", area: AreaQ = "", version: VersionQ = "") -> dict:
    """Results by area and period with each figure's 95% interval, as ``sara survey results KEY --json``."""
    return service.results(ctx, key, by=by, per=per, area=area, version=version)


@router.get("/api/surveys/{key}/questionnaire", tags=["surveys"])
def api_questionnaire(ctx: Signed, key: Key, version: VersionQ = "") -> dict:
    """The version in force today (or the one named), as ``sara survey show KEY --json``."""
    return service.questionnaire(ctx, key, version=version or None)


@router.post("/surveys/{key}/import", include_in_schema=False)
async def import_page(request: Request, ctx: Signed, key: Key, file: Annotated[UploadFile, File()]):
    data = await file.read(MAX_IMPORT_BYTES + 1)
    try:
        report = service.import_data(ctx, key, data, file.filename or "upload.csv")
    except errors.Invalid as exc:
        return _results_page(request, ctx, key, "district", "quarter", "", "", error=errors.Invalid(str(exc), field="file"))
    return _results_page(request, ctx, key, "district", "quarter", "", "", report=report)


# --------------------------------------------------------------------------- the phone form
def _respond_page(request: Request, ctx: Context, key: str, *, typed: dict, error: errors.Invalid | None = None, done: str = ""):
    form = service.form(ctx, key)
    return render(request, "surveys/respond.html", title=f"Survey: {form['questionnaire']['name']}", form=form, typed=typed, errors=errors_of(error), done=done,
                  words=answer_words, status_code=422 if error else 200)  # fmt: skip


@router.get("/surveys/{key}/respond", include_in_schema=False)
def respond_page(request: Request, ctx: Signed, key: Key, area: AreaQ = "", wave: Annotated[str, Query(max_length=60)] = "",
                 on: Annotated[str, Query(max_length=10)] = "", done: Annotated[str, Query(max_length=12, pattern=r"^\d*$")] = ""):  # fmt: skip
    return _respond_page(request, ctx, key, typed={"area": area, "wave": wave, "taken_on": on}, done=done)


def _float(value: str, field: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a number", field=field, fix="give it in degrees, e.g. -1.29 or 53.23") from None


@router.post("/surveys/{key}/respond", include_in_schema=False)
async def respond(request: Request, ctx: Signed, key: Key):
    form = await request.form()
    typed = {k: str(form.get(k, ""))[:300] for k in FIXED} | {k: str(v)[:100] for k, v in form.items() if k.startswith("answer_")}
    try:
        day = None
        if typed["taken_on"].strip():
            try:
                day = dt.date.fromisoformat(typed["taken_on"].strip())
            except ValueError:
                raise errors.Invalid(f"{typed['taken_on']!r} is not a date", field="taken_on", fix="give the day the survey was taken") from None
        answers = {k.removeprefix("answer_"): v for k, v in typed.items() if k.startswith("answer_")}
        made = service.respond(ctx, key, answers, taken_on=day, area=typed["area"] or None, lon=_float(typed["lon"], "lon"), lat=_float(typed["lat"], "lat"),
                               wave=typed["wave"], consent=typed["consent"] == "yes", name=typed["name"], contact=typed["contact"], entered_by="form")  # fmt: skip
    except errors.Invalid as exc:
        return _respond_page(request, ctx, key, typed=typed, error=exc)
    again = urlencode({"area": typed["area"], "wave": typed["wave"], "on": typed["taken_on"], "done": made["id"]})
    return RedirectResponse(f"/surveys/{key}/respond?{again}", status_code=303)


Answer = Annotated[str, StringConstraints(max_length=100)] | int


class ResponseIn(BaseModel):
    """One response, as ``sara survey respond`` takes it."""

    answers: dict[Annotated[str, StringConstraints(max_length=60)], Answer] = Field(
        max_length=100, description="Question key -> the option's number or words, or a rating."
    )
    taken_on: dt.date | None = Field(None, description="The day taken (default today).")
    area: str | None = Field(None, max_length=100, description="The ward or LSOA (code or name).")
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, description="Or a point: longitude (not kept).")
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False, description="And latitude.")
    wave: str | None = Field(None, max_length=60)
    consent: bool = Field(False, description="The respondent agrees to be contacted.")
    name: str | None = Field(None, max_length=200, description="With consent only.")
    contact: str | None = Field(None, max_length=300, description="With consent only.")


@router.post("/api/surveys/{key}/responses", tags=["surveys"], status_code=201)
def api_respond(ctx: Signed, key: Key, body: ResponseIn) -> dict:
    """Record one response (``sara survey respond KEY --json``)."""
    return service.respond(ctx, key, body.answers, taken_on=body.taken_on, area=body.area, lon=body.lon, lat=body.lat, wave=body.wave, consent=body.consent,
                           name=body.name, contact=body.contact, entered_by="api")  # fmt: skip


# --------------------------------------------------------------------------- contacts
@router.get("/surveys/{key}/contacts", include_in_schema=False)
def contacts_page(request: Request, ctx: Signed, key: Key):
    return render(request, "surveys/contacts.html", title="Respondents who agreed to be contacted", data=service.contacts(ctx, key))


@router.get("/api/surveys/{key}/contacts", tags=["surveys"])
def api_contacts(ctx: Signed, key: Key) -> dict:
    """The respondents of your organisation who agreed to be contacted (audited), as ``sara survey contacts KEY --json``."""
    return service.contacts(ctx, key)
