"""Pages: the reports a partnership writes from SARA, one sentence each, with where to find
them (``/reports``): the performance scrutiny pack, the Clear-Hold-Build ranking, the
partnership plans and the public site."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sara.services import Context
from sara.web.auth import signed_in
from sara.web.render import render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]

REPORTS = (
    ("/reports/scrutiny", "Performance scrutiny pack",
     "The tables a police and crime commissioner's scrutiny meeting reads on neighbourhood crime and anti-social behaviour: ASB by type, crime, drugs, "
     "when, and the casework (problem plans by area, ASB powers, case reviews, hotspot patrols, repeat victims, use of the system), as a page, PDF, "
     "workbook or HTML."),
    ("/reports/chb", "Clear, Hold, Build ranking", "The neighbourhoods ranked for a Clear, Hold, Build operation on the harm, crime and need loaded, "
     "with what each rank rests on."),
    ("/plans", "Partnership plans", "The community safety partnership's plans: their priorities, the actions and problems that serve them, and their "
     "indicators against the data."),
    ("/public", "Public site", "What the public sees: \"you said, we did\", what was done about the problems reported, with no personal data."),
)  # fmt: skip


@router.get("/reports", include_in_schema=False)
def reports_page(request: Request, ctx: Signed):
    return render(request, "reports/index.html", title="Reports", reports=[{"href": h, "title": t, "text": x} for h, t, x in REPORTS])
