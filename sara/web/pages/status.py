"""What is loaded (``sara status``) and the quarantined rows the reader may see
(``sara quarantine list``), as pages and JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sara.services import Context
from sara.services import data as services_data
from sara.web.auth import signed_in
from sara.web.charts import month_chart
from sara.web.render import render

router = APIRouter()
QUARANTINE_PAGE_ROWS = 200
Signed = Annotated[Context, Depends(signed_in)]


@router.get("/status", include_in_schema=False)
def status_page(request: Request, ctx: Signed):
    data = services_data.status(ctx)
    return render(request, "status/status.html", title="What is loaded", data=data, chart=month_chart(data["months"]))


@router.get("/quarantine", include_in_schema=False)
def quarantine_page(request: Request, ctx: Signed):
    q = services_data.quarantine(ctx, limit=QUARANTINE_PAGE_ROWS)
    return render(request, "status/quarantine.html", title="Quarantined rows", rows=q["rows"], total=q["total"], not_shown=q["not_shown"],
                  limit=QUARANTINE_PAGE_ROWS)  # fmt: skip


@router.get("/api/status", tags=["data"])
def api_status(ctx: Signed) -> dict:
    """What is loaded, as ``sara status --json`` prints it."""
    return services_data.status(ctx)
