"""Tags: GPS tag trails against crimes (``/tags``): the comparison form (categories, period,
distance, minutes, purpose), the summary in the Derbyshire wording ("N crimes compared with
the trails of M wearers: K hits", PCC scrutiny report §7.10), the hits with the wearer as the
reader may see them, a map of each crime and the fixes that hit, and the statement that hits
are leads, not evidence. JSON twin: ``/api/tags/compare`` (what ``sara tags compare --json``
prints) and ``/api/tags/wearers``.

Each route parses, calls one function of ``sara.services.tags`` and renders it; the
permission checks and the audit (every comparison, with its purpose) are the service's."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request

from sara import errors
from sara.services import Context
from sara.services import tags as services_tags
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
FIELDS = ("category", "date_from", "date_to", "metres", "minutes", "purpose")


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
                  tile_url=request.app.state.tile_url)  # fmt: skip


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
