"""Operations and patrols (``sara operation ...``, ``sara patrol ...``): the operations the
reader may see, one operation with its sites, dosage, arrest outcomes and quarterly return
(with its CSV), and the phone form for logging a patrol; JSON twins for each.

An operation is found by its name (the key the casework uses; operation names are not
personal data). The services are ``sara.services.operations``, over ``sara.casework.patrols``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sara.casework import patrols
from sara.casework.patrols import PatrolError
from sara.errors import Invalid
from sara.report.export import csv_text
from sara.services import Context
from sara.services import operations as services_operations
from sara.web.auth import signed_in
from sara.web.render import render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
From = Annotated[dt.date | None, Query(alias="from", description="First UK day (YYYY-MM-DD).")]
To = Annotated[dt.date | None, Query(alias="to", description="Last UK day, inclusive (YYYY-MM-DD).")]
PatrolId = Annotated[int, Path(ge=1, le=2**62, description="The patrol's id.")]
Per = Annotated[str, Query(pattern="^(day|week)$", description="Dosage per day or per week.")]
# The return's columns the page shows (the CSV has them all), with their headings.
RETURN_SHOWN = {"site": "Site", "quarter": "Quarter", "phase": "Phase", "patrols": "Patrols", "hours_present": "Hours present",
                "share_visits_15_plus": "Visits of 15+ min", "arrests": "Arrests", "stop_searches": "Stop and searches", "intelligence_submissions": "Intel",
                "engagements": "Engagements"}  # fmt: skip


def _href(name: str, tail: str = "") -> str:
    return f"/operations/{quote(name, safe='')}{tail}"


# ---------------------------------------------------------------- charts (plain numbers for SVG)


def _step(top: float, ticks: int = 4) -> int:
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return int(next(f * power for f in (1, 2, 5, 10) if f * power >= raw))


def _label(period: str, per: str) -> str:
    d = dt.date.fromisoformat(period)
    return f"{d.day} {d:%b}"


def bar_chart(points: list[dict], per: str, width: int = 360, height: int = 200) -> dict:
    """Bars of minutes present per period (``{"period", "minutes", "visits"}``), as numbers for
    an SVG template: bars, y gridlines and at most eight x labels, in SVG user units."""
    left, right, top, bottom = 40, 6, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((p["minutes"] for p in points), default=0)
    step = _step(max(peak, 1))
    y_max = step * math.ceil(max(peak, 1) / step)
    slot = plot_w / max(len(points), 1)
    bar_w = min(slot * 0.8, 48)

    def y(v: float) -> float:
        return round(top + plot_h * (1 - v / y_max), 2)

    bars = [{"x": round(left + i * slot + (slot - bar_w) / 2, 2), "y": y(p["minutes"]), "w": round(max(bar_w, 0.5), 2), "h": round(top + plot_h - y(p["minutes"]), 2),
             "cx": round(left + i * slot + slot / 2, 2), "text": f"{_label(p['period'], per)}: {p['minutes']:g} minutes, {p['visits']} visits"}
            for i, p in enumerate(points)]  # fmt: skip
    every = next(k for k in (1, 2, 3, 4, 7, 14, 28, 10**9) if len(points) / k <= 8)
    return {"width": width, "height": height, "left": left, "right": width - right, "base": top + plot_h, "bars": bars, "peak": peak,
            "yticks": [{"value": v, "y": y(v)} for v in range(0, y_max + 1, step)],
            "xlabels": [{"x": b["cx"], "text": _label(p["period"], per)} for i, (b, p) in enumerate(zip(bars, points)) if i % every == 0]}  # fmt: skip


# ---------------------------------------------------------------- forms


def _field_errors(exc: Invalid, prefix: str = "") -> dict:
    """Every field the refusal names, with its message, and the summary linking to each
    (the inputs' ids are ``prefix`` + field: a form of many, one per site or arrest)."""
    items = getattr(exc, "items", ()) or ((exc.field, str(exc)),)
    fields: dict[str, str] = {}
    for field, text in items:
        field = field[0] if isinstance(field, tuple) else field
        fields.setdefault(field or "", text)
    summary = [{"text": text, "href": f"#{prefix}{field}" if field else "#main-content"} for field, text in fields.items()]
    return {"summary": summary, "fields": {f: t for f, t in fields.items() if f}}


async def _posted(request: Request, fields) -> dict[str, str]:
    posted = await request.form()
    return {f: str(posted.get(f) or "") for f in fields}


# ---------------------------------------------------------------- the list


@router.get("/operations", include_in_schema=False)
def operations_page(request: Request, ctx: Signed):
    data = services_operations.overview(ctx)
    return render(request, "operations/list.html", title="Operations", data=data, href=_href)


@router.get("/api/operations", tags=["operations"])
def api_operations(ctx: Signed) -> dict:
    """The operations you may read (``sara operation list --json``), each with its sites and
    phases and ``patrols_this_week`` (patrols touching the last seven UK days)."""
    return services_operations.overview(ctx)


# ---------------------------------------------------------------- a new operation


@router.get("/operations/new", include_in_schema=False)
def new_operation_page(request: Request, ctx: Signed, problem: Annotated[str | None, Query(max_length=40)] = None):
    form = services_operations.operation_form(ctx, problem=problem)
    return render(request, "operations/new.html", title="New operation", form=form, typed=form["defaults"])


@router.post("/operations/new", include_in_schema=False)
async def new_operation_post(request: Request, ctx: Signed):
    typed = await _posted(request, services_operations.OPERATION_FIELDS)
    try:
        op = services_operations.create_operation_form(ctx, typed)
    except PatrolError as exc:
        form = services_operations.operation_form(ctx)
        return render(request, "operations/new.html", title="New operation", form=form, typed=typed, status_code=422, errors=_field_errors(exc))
    return RedirectResponse(_href(op["name"], "?done=created"), status_code=303)


class OperationIn(BaseModel):
    """A new operation as the form takes it: text for every field."""

    name: str = Field(description="The operation's name, unique, e.g. 'Op Jemlock'.")
    problem: str = Field("", description="The reference of the problem it serves (one you may see), or empty.")
    area: str = Field("", description="The name (or code) of the loaded area it covers, or empty.")
    start: str = Field(description="First day, YYYY-MM-DD.")
    end: str = Field("", description="Last day, YYYY-MM-DD, or empty: open-ended.")
    description: str = Field("", description="What the operation is for.")


@router.post("/api/operations", tags=["operations"], status_code=201)
def api_new_operation(ctx: Signed, body: OperationIn) -> dict:
    """Add an operation owned by your organisation, as the form does (``sara operation add``)."""
    return services_operations.create_operation_form(ctx, body.model_dump())


# ---------------------------------------------------------------- one operation


def _operation(request: Request, ctx: Context, name: str, per: str = "day", first=None, last=None, status_code: int = 200, **extra):
    data = services_operations.operation(ctx, name, per=per, first=first, last=last)
    charts = [{"site": s["site"], "chart": bar_chart(s["points"], per), "points": s["points"]} for s in data["dosage_series"]["sites"]]
    extra = {"phase_typed": {}, "done": None, "moved": None} | extra
    return render(request, "operations/operation.html", title="Operation", data=data, op=data["operation"], charts=charts, per=per, href=_href, wide=True,
                  shown=RETURN_SHOWN, total_row=patrols.TOTAL_ROW, today=services_operations.today_of(ctx).isoformat(), status_code=status_code,
                  **extra)  # fmt: skip


Done = Annotated[str | None, Query(pattern="^(created|site)$", description="What was just done (a banner).")]
Moved = Annotated[int | None, Query(ge=1, le=2**62, description="The site just moved to its next phase (a banner).")]


@router.get("/operations/{name}", include_in_schema=False)
def operation_page(request: Request, ctx: Signed, name: str, per: Per = "day", first: From = None, last: To = None, done: Done = None, moved: Moved = None):
    return _operation(request, ctx, name, per, first, last, done=done, moved=moved)


@router.get("/api/operations/{name}", tags=["operations"])
def api_operation(ctx: Signed, name: str, per: Per = "day", first: From = None, last: To = None) -> dict:
    """The operation page's data: the operation (``sara operation show``), its dosage, the
    dosage per site per day or week, the arrest outcomes by site and the quarterly return of
    ``from``..``to`` (default the operation's span; ``return_refused`` says why not, if so)."""
    return services_operations.operation(ctx, name, per=per, first=first, last=last)


@router.get("/api/operations/{name}/dosage", tags=["operations"])
def api_dosage(ctx: Signed, name: str, first: From = None, last: To = None) -> dict:
    """Patrol dosage of the operation's sites per UK day and per site (``sara patrol dosage --json``)."""
    return patrols.dosage_report(ctx.engine, ctx.actor, operation=name, first=first, last=last)


@router.get("/api/operations/{name}/arrests", tags=["operations"])
def api_arrests(ctx: Signed, name: str, first: From = None, last: To = None) -> dict:
    """The arrest outcomes table, outcome code x site (``sara patrol arrests --json``)."""
    return patrols.arrests(ctx.engine, ctx.actor, operation=name, first=first, last=last)


def _period(ctx: Context, name: str, first, last) -> tuple[dt.date, dt.date]:
    if first and last:
        return first, last
    op = patrols.show_operation(ctx.engine, ctx.actor, name)
    d_first, d_last = services_operations.default_period(op, services_operations.today_of(ctx))
    return first or d_first, last or d_last


@router.get("/api/operations/{name}/return", tags=["operations"])
def api_return(ctx: Signed, name: str, first: From = None, last: To = None, detail: bool = False) -> dict:
    """The quarterly hotspot patrol return of the operation (not audited: see the CSV for the export)."""
    a, b = _period(ctx, name, first, last)
    return patrols.patrol_return(ctx.engine, ctx.actor, first=a, last=b, operation=name, detail=detail)


@router.get("/operations/{name}/return.csv", include_in_schema=False)
def return_csv(ctx: Signed, name: str, first: From = None, last: To = None, detail: bool = False):
    a, b = _period(ctx, name, first, last)
    r = patrols.export_return(ctx.engine, ctx.actor, first=a, last=b, operation=name, detail=detail)
    stem = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "operation"
    filename = f"{stem}-return-{a.isoformat()}-{b.isoformat()}{'-detail' if detail else ''}.csv"
    return Response(
        csv_text(r["columns"], r["rows"]), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


# ---------------------------------------------------------------- logging a patrol


@router.get("/operations/{name}/patrol", include_in_schema=False)
def patrol_form_page(request: Request, ctx: Signed, name: str):
    form = services_operations.patrol_form(ctx, name)
    return render(request, "operations/patrol.html", title="Log a patrol", form=form, typed=form["defaults"], href=_href)


@router.post("/operations/{name}/patrol", include_in_schema=False)
async def patrol_form_post(request: Request, ctx: Signed, name: str):
    posted = await request.form()
    typed = {f: str(posted.get(f) or "") for f in services_operations.FIELDS}
    try:
        p = services_operations.log_patrol_form(ctx, name, typed)
    except PatrolError as exc:
        form = services_operations.patrol_form(ctx, name)
        return render(request, "operations/patrol.html", title="Log a patrol", form=form, typed=typed, href=_href, status_code=422, errors=_field_errors(exc))
    return RedirectResponse(_href(name, f"/patrols/{p['id']}?logged=1"), status_code=303)


class PatrolIn(BaseModel):
    """A patrol as the form takes it: text for every field (times in UK local time)."""

    site: str = Field(description="The site's name in the operation.")
    start: str = Field(description="Start, YYYY-MM-DDTHH:MM, UK time.")
    minutes: str = Field("", description="How long, in minutes (or give end).")
    end: str = Field("", description="End, YYYY-MM-DDTHH:MM, UK time (or give minutes).")
    officers: str = Field(description="Collar numbers or usernames, comma-separated.")
    activity: str = Field(description="What the patrol did.")
    arrests: str = Field("0", description="How many arrests.")
    arrest_outcome: str = Field(patrols.OUTCOME_CODES[0], description="The arrests' outcome code for now.")
    stop_searches: str = "0"
    intelligence_submissions: str = "0"
    engagements: str = "0"
    notes: str = Field("", description="Anything else (no personal data).")


@router.post("/api/operations/{name}/patrols", tags=["operations"], status_code=201)
def api_log_patrol(ctx: Signed, name: str, body: PatrolIn) -> dict:
    """Log a patrol of the operation's site, as the phone form does (``sara patrol log``)."""
    return services_operations.log_patrol_form(ctx, name, body.model_dump())


@router.get("/operations/{name}/patrols/{patrol_id}", include_in_schema=False)
def patrol_page(request: Request, ctx: Signed, name: str, patrol_id: PatrolId, logged: bool = False):
    p = services_operations.patrol(ctx, name, patrol_id)
    return render(request, "operations/patrol-logged.html", title="Patrol logged" if logged else "Patrol", p=p, logged=logged, href=_href)


@router.get("/api/operations/{name}/patrols/{patrol_id}", tags=["operations"])
def api_patrol(ctx: Signed, name: str, patrol_id: PatrolId) -> dict:
    """One patrol as logged, with its arrests (id and outcome code)."""
    return services_operations.patrol(ctx, name, patrol_id)


# ---------------------------------------------------------------- sites and their phases


@router.get("/operations/{name}/sites/new", include_in_schema=False)
def new_site_page(request: Request, ctx: Signed, name: str):
    form = services_operations.site_form(ctx, name)
    return render(request, "operations/site.html", title="Add a site", form=form, typed=form["defaults"], href=_href, tile_url=request.app.state.tile_url)


@router.post("/operations/{name}/sites/new", include_in_schema=False)
async def new_site_post(request: Request, ctx: Signed, name: str):
    typed = await _posted(request, services_operations.SITE_FIELDS)
    try:
        services_operations.add_site_form(ctx, name, typed)
    except PatrolError as exc:
        form = services_operations.site_form(ctx, name)
        return render(request, "operations/site.html", title="Add a site", form=form, typed=typed, href=_href, tile_url=request.app.state.tile_url,
                      status_code=422, errors=_field_errors(exc))  # fmt: skip
    return RedirectResponse(_href(name, "?done=site#sites"), status_code=303)


class SiteIn(BaseModel):
    """A new site as the form takes it: a point with a radius, or an area by name."""

    name: str = Field(description="The site's name, unique within the operation, e.g. 'Market Place'.")
    where: str = Field("point", description="'point' (give lon, lat and radius_m) or 'area' (give area).")
    lon: str = Field("", description="Longitude of the site's centre, WGS84 degrees.")
    lat: str = Field("", description="Latitude of the site's centre, WGS84 degrees.")
    radius_m: str = Field(services_operations.DEFAULT_RADIUS, description="Radius around the point, in metres.")
    area: str = Field("", description="The name (or code) of a loaded area.")
    on: str = Field("", description="The day it enters scoping, YYYY-MM-DD (default today).")
    note: str = Field("", description="Why this place, e.g. 'top 5 hot spot, violence'.")


@router.post("/api/operations/{name}/sites", tags=["operations"], status_code=201)
def api_new_site(ctx: Signed, name: str, body: SiteIn) -> dict:
    """Add a site (hotspot) to the operation, in the scoping phase, as the form does (``sara operation site``)."""
    return services_operations.add_site_form(ctx, name, body.model_dump())


@router.post("/operations/{name}/phase", include_in_schema=False)
async def phase_post(request: Request, ctx: Signed, name: str):
    typed = await _posted(request, services_operations.PHASE_FIELDS)
    try:
        s = services_operations.move_phase_form(ctx, name, typed)
    except PatrolError as exc:
        op = patrols.show_operation(ctx.engine, ctx.actor, name)
        index = next((s["id"] for s in op["sites"] if s["name"] == typed["site"]), None)
        if index is None:
            raise
        return _operation(request, ctx, name, status_code=422, phase_typed=typed, errors=_field_errors(exc, prefix=f"site-{index}-"))
    return RedirectResponse(_href(name, f"?moved={s['id']}#site-{s['id']}"), status_code=303)


class PhaseIn(BaseModel):
    """A site's move to its next Clear-Hold-Build phase, as the form takes it."""

    site: str = Field(description="The site's name in the operation.")
    phase: str = Field(description="The phase it moves to: one of the site's next_phases.")
    on: str = Field("", description="The day the phase starts, YYYY-MM-DD (default today), not before the last change.")
    note: str = Field(description="Why the site moves now.")


@router.post("/api/operations/{name}/phase", tags=["operations"])
def api_phase(ctx: Signed, name: str, body: PhaseIn) -> dict:
    """Move a site to its next phase, as the form does (``sara operation phase``): the site as ``sara operation show`` gives it."""
    return services_operations.move_phase_form(ctx, name, body.model_dump())


# ---------------------------------------------------------------- arrests and their outcomes

ArrestId = Annotated[int, Path(ge=1, le=2**62, description="The arrest's id.")]
Changed = Annotated[int | None, Query(ge=1, le=2**62, description="The arrest just changed (a banner).")]


def _arrests(request: Request, ctx: Context, name: str, status_code: int = 200, **extra):
    data = services_operations.arrest_list(ctx, name)
    return render(request, "operations/arrests.html", title="Arrest outcomes", data=data, href=_href, status_code=status_code, **extra)


@router.get("/operations/{name}/arrest-outcomes", include_in_schema=False)
def arrests_page(request: Request, ctx: Signed, name: str, changed: Changed = None):
    return _arrests(request, ctx, name, changed=changed, typed={})


@router.get("/api/operations/{name}/arrest-outcomes", tags=["operations"])
def api_arrest_list(ctx: Signed, name: str) -> dict:
    """The operation's arrests one by one (id, patrol, site, start, outcome now), the outcome codes, and ``may_change``."""
    return services_operations.arrest_list(ctx, name)


@router.post("/operations/{name}/arrest-outcomes/{arrest_id}", include_in_schema=False)
async def arrest_post(request: Request, ctx: Signed, name: str, arrest_id: ArrestId):
    typed = await _posted(request, ("code",))
    try:
        services_operations.set_outcome(ctx, name, arrest_id, typed["code"])
    except PatrolError as exc:
        return _arrests(request, ctx, name, status_code=422, typed=typed | {"arrest": arrest_id}, errors=_field_errors(exc, prefix=f"arrest-{arrest_id}-"))
    return RedirectResponse(_href(name, f"/arrest-outcomes?changed={arrest_id}#arrest-{arrest_id}"), status_code=303)


class OutcomeIn(BaseModel):
    """An arrest's outcome as it stands now."""

    code: str = Field(description=f"The outcome code: one of {'; '.join(patrols.OUTCOME_CODES)} (or its number, e.g. 01).")


@router.post("/api/operations/{name}/arrest-outcomes/{arrest_id}", tags=["operations"])
def api_arrest_outcome(ctx: Signed, name: str, arrest_id: ArrestId, body: OutcomeIn) -> dict:
    """Set an arrest's outcome as it stands now (``sara patrol arrest-outcome``): what it was (``from``) and is (``outcome``)."""
    return services_operations.set_outcome(ctx, name, arrest_id, body.code)


@router.get("/api/operations/{name}/map", tags=["operations"])
def api_site_map(ctx: Signed, name: str) -> dict:
    """The new site form's map: the loaded boundaries around the operation (``areas``) and its sites (``sites``), lon/lat GeoJSON."""
    return services_operations.site_map(ctx, name)
