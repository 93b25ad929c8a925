"""Tags: GPS tag trails against crimes (``/tags``): the comparison form (categories, period,
distance, minutes, purpose), the summary in the Derbyshire wording ("N crimes compared with
the trails of M wearers: K hits", PCC scrutiny report §7.10), the hits with the wearer as the
reader may see them, a map of each crime and the fixes that hit, and the statement that hits
are leads, not evidence. JSON twin: ``/api/tags/compare`` (what ``sara tags compare --json``
prints) and ``/api/tags/wearers``.

Loading a trail export (``/tags/load``, as ``sara tags load FILE --mapping MAP``: the CSV and
its mapping, uploaded or typed, then the load report) and the wearers (``/tags/wearers``: the
list, and the form recording one with its person, monitoring period and criteria, as ``sara
tags wearer add``), with JSON twins ``POST /api/tags/load`` and ``POST /api/tags/wearers``.

Each route parses, calls one function of ``sara.services.tags`` and renders it; the
permission checks and the audit (every comparison, with its purpose) are the service's."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara import errors
from sara.services import Context
from sara.services import tags as services_tags
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
FIELDS = ("category", "date_from", "date_to", "metres", "minutes", "purpose")
WEARER_FIELDS = ("reference", "person", "monitoring_from", "monitoring_to", "criteria")
Short = Annotated[str, Form(max_length=100)]


def _defaults(categories: list[str]) -> dict:
    chosen = services_tags.DEFAULT_CATEGORY if services_tags.DEFAULT_CATEGORY in categories else next((c for c in categories if "urglary" in c), "")
    return {"category": chosen, "date_from": "", "date_to": "", "metres": "100", "minutes": "30", "purpose": ""}


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date" if value.strip() else "enter the date", field=field, fix="type it as YYYY-MM-DD") from None


def _number(value: str, field: str) -> float:
    try:
        return float(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a number", field=field, fix="type a number, e.g. 100") from None


def _map(result: dict) -> str:
    """The crimes that were hit and the fixes that hit them, for tags.js (a data attribute: no inline script)."""
    crimes, points = {}, []
    for h in result["hits"]:
        if h["lon"] is not None:
            crimes[h["event_id"]] = {"lon": h["lon"], "lat": h["lat"], "ref": h["event"], "label": f"{h['event']}: {h['category']}, {h['location'] or ''}".strip(", ")}
        points += [{"lon": p["lon"], "lat": p["lat"], "label": f"{h['wearer']} at {p['at'][:16].replace('T', ' ')} UTC, {p['metres']:.0f} m"} for p in h["points"]]
    return json.dumps({"metres": result["params"]["metres"], "crimes": list(crimes.values()), "points": points})


def _page(request: Request, ctx: Context, form: dict, *, result: dict | None = None, errors_=None, status_code: int = 200):
    categories = services_tags.categories(ctx)
    return render(request, "tags/compare.html", title="Tag trails against crimes", form=form, categories=categories, result=result,
                  map_data=_map(result) if result and result["hits"] else None, leads=services_tags.LEADS, errors=errors_, status_code=status_code,
                  tile_url=request.app.state.tile_url, may_load=services_tags.may_load(ctx.actor))  # fmt: skip


@router.get("/tags", include_in_schema=False)
def tags_page(request: Request, ctx: Signed):
    categories = services_tags.categories(ctx)
    return _page(request, ctx, _defaults(categories))


@router.post("/tags", include_in_schema=False)
def tags_compare(
    request: Request, ctx: Signed,
    category: Annotated[str, Form(max_length=100)] = "", date_from: Annotated[str, Form(max_length=20)] = "", date_to: Annotated[str, Form(max_length=20)] = "",
    metres: Annotated[str, Form(max_length=10)] = "100", minutes: Annotated[str, Form(max_length=10)] = "30", purpose: Annotated[str, Form(max_length=300)] = "",
):  # fmt: skip
    form = {"category": category, "date_from": date_from, "date_to": date_to, "metres": metres, "minutes": minutes, "purpose": purpose}
    try:
        if not category.strip():
            raise errors.Invalid("choose the crime category to compare", field="category")
        result = services_tags.compare(ctx, categories=[category], date_from=_date(date_from, "date_from"), date_to=_date(date_to, "date_to"),
                                       metres=_number(metres, "metres"), minutes=_number(minutes, "minutes"), purpose=purpose)  # fmt: skip
    except errors.Invalid as exc:
        e = errors_of(exc)
        if exc.field not in FIELDS:
            e["fields"] = {}
        return _page(request, ctx, form, errors_=e, status_code=422)
    return _page(request, ctx, form, result=result)


# --- JSON -------------------------------------------------------------------------------------


@router.get("/api/tags/compare", tags=["tags"])
def api_compare(
    ctx: Signed,
    category: Annotated[list[str], Query(max_length=20, description="Crime categories to compare (repeat for more).")],
    date_from: Annotated[dt.date, Query(alias="from", description="First day, YYYY-MM-DD (local).")],
    date_to: Annotated[dt.date, Query(alias="to", description="Last day, YYYY-MM-DD (local).")],
    purpose: Annotated[str, Query(max_length=300, description="Why the trails are read (kept in the audit trail).")],
    distance: Annotated[float, Query(gt=0, le=5000, description="Metres from the crime.")] = 100.0,
    minutes: Annotated[float, Query(ge=0, le=1440, description="Minutes either side of the crime's window.")] = 30.0,
    zone: Annotated[str, Query(max_length=60, description="Time zone of the crimes' times.")] = "Europe/London",
) -> dict:
    """The comparison as ``sara tags compare --json`` prints it: ``crimes_compared``, ``wearers``
    and the ``hits`` (event, wearer, metres, minutes, the fixes); audited with the purpose.
    Hits are leads, not evidence."""
    return services_tags.compare(ctx, categories=category, date_from=date_from, date_to=date_to, metres=distance, minutes=minutes, purpose=purpose, zone=zone)


@router.get("/api/tags/wearers", tags=["tags"])
def api_wearers(ctx: Signed, purpose: Annotated[str, Query(max_length=300)] = "tag wearer list") -> list[dict]:
    """The wearers you may see, as ``sara tags wearer list --json`` prints them (audited)."""
    return services_tags.wearers(ctx, purpose=purpose)


# --- loading a trail export ---------------------------------------------------------------------


def _load_page(request: Request, ctx: Context, mapping: str | None = None, *, report: dict | None = None, error: errors.Invalid | None = None):
    start = services_tags.load_form(ctx)
    e = errors_of(error)
    if error is not None and error.field not in ("trail", "mapping"):
        e["fields"] = {}
    return render(request, "tags/load.html", title="Load a trail export", mapping=start["example_mapping"] if mapping is None else mapping, report=report,
                  errors=e if error else None, status_code=422 if error else 200)  # fmt: skip


@router.get("/tags/load", include_in_schema=False)
def load_page(request: Request, ctx: Signed):
    return _load_page(request, ctx)


@router.post("/tags/load", include_in_schema=False)
def load_trails(request: Request, ctx: Signed, trail: Annotated[UploadFile | None, File()] = None, mapping_file: Annotated[UploadFile | None, File()] = None,
                mapping: Annotated[str, Form(max_length=20_000)] = ""):  # fmt: skip
    try:
        if trail is None or not trail.filename:
            raise errors.Invalid("choose the trail export to load (a CSV file, or a zip of them)", field="trail")
        name = "the mapping you typed"
        if mapping_file is not None and mapping_file.filename:
            mapping, name = _text(mapping_file), f"mapping {mapping_file.filename}"
        if not mapping.strip():
            raise errors.Invalid("give the mapping: choose its file or type it", field="mapping")
        report = services_tags.load_upload(ctx, trail.filename, trail.file, mapping, mapping_name=name)
    except errors.Invalid as exc:
        return _load_page(request, ctx, mapping, error=exc)
    return _load_page(request, ctx, mapping, report=report)


def _text(upload: UploadFile) -> str:
    try:
        return upload.file.read(20_000).decode("utf-8-sig")
    except UnicodeDecodeError:
        fix = "choose the .toml file of the mapping, or type it"
        raise errors.Invalid(f"the mapping file {upload.filename} is not UTF-8 text", field="mapping", fix=fix) from None


class TrailsIn(BaseModel):
    filename: str = Field(default="trails.csv", max_length=200, description="The export's file name (shown in the report and the quarantine).")
    csv: str = Field(max_length=50_000_000, description="The trail export's CSV text.")
    mapping: str = Field(min_length=1, max_length=20_000, description="The TOML mapping: the events mapping format with wearer under [columns].")


@router.post("/api/tags/load", tags=["tags"])
def api_load(ctx: Signed, body: TrailsIn) -> dict:
    """Load a trail export as ``sara tags load FILE --mapping MAP --json`` does: the counts per
    file and in all (read = stored + already held + quarantined), the reasons rows were
    quarantined, and the wearer references with no recorded person."""
    return services_tags.load_upload(ctx, body.filename, io.BytesIO(body.csv.encode("utf-8", "surrogatepass")), body.mapping)


# --- wearers ------------------------------------------------------------------------------------


def _day(value: str, field: str) -> dt.date | None:
    return _date(value, field) if value.strip() else None


def _wearers_page(request: Request, ctx: Context, *, typed: dict | None = None, error: errors.Invalid | None = None, done: str = ""):
    rows = services_tags.wearers(ctx, purpose="tag wearer list")
    e = errors_of(error)
    if error is not None and error.field not in WEARER_FIELDS:
        e["fields"] = {}
    return render(request, "tags/wearers.html", title="Tag wearers", wearers=rows, typed=typed or {}, done=done, may_load=services_tags.may_load(ctx.actor),
                  errors=e if error else None, status_code=422 if error else 200)  # fmt: skip


@router.get("/tags/wearers", include_in_schema=False)
def wearers_page(request: Request, ctx: Signed, done: Annotated[str, Query(max_length=100)] = ""):
    return _wearers_page(request, ctx, done=done)


@router.post("/tags/wearers", include_in_schema=False)
def add_wearer(request: Request, ctx: Signed, reference: Short = "", person: Short = "", monitoring_from: Short = "", monitoring_to: Short = "",
               criteria: Annotated[str, Form(max_length=2000)] = ""):  # fmt: skip
    typed = {"reference": reference, "person": person, "monitoring_from": monitoring_from, "monitoring_to": monitoring_to, "criteria": criteria}
    try:
        made = services_tags.add_wearer(ctx, reference, person=person.strip() or None, monitoring_from=_day(monitoring_from, "monitoring_from"),
                                        monitoring_to=_day(monitoring_to, "monitoring_to"), criteria=criteria)  # fmt: skip
    except errors.Invalid as exc:
        return _wearers_page(request, ctx, typed=typed, error=exc)
    except errors.NotFound as exc:  # the one thing add_wearer looks up is the person
        return _wearers_page(request, ctx, typed=typed, error=errors.Invalid(str(exc), field="person"))
    return RedirectResponse(f"/tags/wearers?done={made['wearer']}#wearers", status_code=303)


class WearerIn(BaseModel):
    reference: str = Field(min_length=1, max_length=100, description="The tag or wearer reference of the trail exports.")
    person: str | None = Field(default=None, max_length=30, description="The recorded person (PER-YYYY-NNNN).")
    monitoring_from: dt.date | None = Field(default=None, description="Monitoring from (YYYY-MM-DD).")
    monitoring_to: dt.date | None = Field(default=None, description="Monitoring to, inclusive (YYYY-MM-DD).")
    criteria: str | None = Field(default=None, max_length=2000, description="The criteria the tag was imposed under.")


@router.post("/api/tags/wearers", tags=["tags"])
def api_add_wearer(ctx: Signed, body: WearerIn) -> dict:
    """Record a wearer, or change one, as ``sara tags wearer add REF --json`` does: its person,
    monitoring period and criteria, with the person as you may see them."""
    return services_tags.add_wearer(ctx, body.reference, person=body.person or None, monitoring_from=body.monitoring_from, monitoring_to=body.monitoring_to,
                                    criteria=body.criteria)  # fmt: skip
