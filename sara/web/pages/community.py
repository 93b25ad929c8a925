"""Pages: the community side of a partnership's work, one sentence each, with where to find it
(``/community``): the services already working in an area and the gaps, Neighbourhood Watch,
community messages, surveys, and the concerns the public reports (the moderation queue;
``/report-a-concern`` is the public form). Clear, Hold, Build (College of Policing, 2023): the
build phase "must be community owned"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from sara.services import Context
from sara.web.auth import signed_in
from sara.web.render import render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]

PARTS = (
    ("/assets", "Services in the area", "The organisations and services already working in each area, what they provide and to whom, and the gaps "
     "beside the problems still open. Any partner adds and updates its own."),
    ("/watch", "Neighbourhood Watch", "Schemes, coordinators and members by area and team, the contacts logged with each coordinator, and who has "
     "not been contacted within the standard."),
    ("/messages", "Community messages", "Messages drafted from a problem or an operation (\"what we are doing and what you can do\"), approved by a "
     "lead and exported for the force's messaging system; the monthly count per team."),
    ("/surveys", "Surveys", "Questionnaires for door-to-door and perception surveys, responses entered on a phone or imported, and results by area "
     "with their margin of error."),
    ("/moderation", "Public concerns", "What the public reported at the public form (/report-a-concern), waiting for the owning team to accept as "
     "a partner report or reject."),
)  # fmt: skip


@router.get("/community", include_in_schema=False)
def community_page(request: Request, ctx: Signed):
    return render(request, "community/index.html", title="Community", parts=[{"href": h, "title": t, "text": x} for h, t, x in PARTS])
