"""Today (``/today``, ``/api/today``): what to look at first, from ``sara.services.today``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from sara.errors import Invalid
from sara.services import Context
from sara.services import today as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
AreaName = Annotated[str | None, Query(max_length=200, description="A district or ward by name or code (default: the user's own areas).")]


@router.get("/today", include_in_schema=False)
def today_page(request: Request, ctx: Signed, area: AreaName = None):
    choices = service.area_choices(ctx)
    try:
        data = service.today(ctx, area=area)
    except Invalid as exc:
        data, errors = service.today(ctx), errors_of(exc)
        return render(request, "today/today.html", title="Today", data=data, choices=choices, area=area, errors=errors, status_code=422)
    return render(request, "today/today.html", title="Today", data=data, choices=choices, area=area)


@router.get("/api/today", tags=["today"])
def api_today(ctx: Signed, area: AreaName = None) -> dict:
    """What the Today page shows: rising hot spots in the user's areas, deadlines due and
    missed, overdue actions, repeat victims, reviews due, patrols planned, and the data loaded."""
    return service.today(ctx, area=area)
