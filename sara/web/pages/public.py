"""The public "you said, we did": ``/public`` (the neighbourhoods with published priorities),
``/public/{area}`` (one neighbourhood's page, by a slug of its name), the open data
``/public/open-data.csv`` and ``.json``, and their JSON twins ``/api/public``. Nobody signs in:
these routes take no session, set no cookie and show nothing of who is signed in; their
layout (``public/base.html``) has no script and no form. The data and its disclosure control
are ``sara.services.public``'s, the same the static site of ``sara report public`` is written
from (``page_html`` renders both).

The owner's and the lead's side is here too, signed in: ``/problems/{ref}/publication``
(the form to write or change the summary; POST to save, ``/approve``, ``/withdraw``) and its
JSON twin under ``/api/problems/{ref}/publication``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from sara.errors import Invalid
from sara.report.export import csv_text
from sara.services import Context
from sara.services import public as service
from sara.web.auth import signed_in
from sara.web.render import ENV, errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Slug = Annotated[str, Path(max_length=120, pattern=r"^[A-Za-z0-9-]+$", description="The neighbourhood: a slug of its name (or its code).")]
Ref = Annotated[str, Path(max_length=40, description="The problem's reference, PRB-YYYY-NNNN.")]


@dataclass(frozen=True)
class Links:
    """Where the public pages link to: the server's addresses, or the static site's files."""

    home: str = "/public"
    css: str = "/assets/sara/build/sara.css"
    favicon: str = "/assets/sara/favicon.svg"
    csv: str = "/public/open-data.csv"
    json: str = "/public/open-data.json"
    area_pattern: str = "/public/{slug}"

    def area(self, slug: str) -> str:
        return self.area_pattern.format(slug=slug)


SERVER = Links()
STATIC = Links(home="index.html", css="assets/sara.css", favicon="assets/favicon.svg", csv="open-data.csv", json="open-data.json", area_pattern="{slug}.html")


def page_html(template: str, *, title: str, links: Links = SERVER, **data) -> str:
    """A public page as HTML (autoescaped; nothing of any session)."""
    return ENV.get_template(template).render(title=title, links=links, **data)


def index_html(index: dict, links: Links = SERVER) -> str:
    return page_html("public/index.html", title="All neighbourhoods", links=links, index=index)


def area_html(d: dict, links: Links = SERVER) -> str:
    return page_html("public/area.html", title=d["name"], links=links, d=d)


def _context(request: Request) -> Context:
    return Context(request.app.state.engine)


Public = Annotated[Context, Depends(_context)]


@router.get("/public", include_in_schema=False)
def index_page(ctx: Public):
    return HTMLResponse(index_html(service.neighbourhoods(ctx)))


@router.get("/public/open-data.csv", tags=["public"], response_class=Response)
def open_data_csv(ctx: Public):
    """Every neighbourhood's published priorities and figures as CSV (``sara report public``'s
    ``open-data.csv``), counts under the threshold as "fewer than 5"."""
    data = service.open_data(ctx)
    return Response(csv_text(data["columns"], data["rows"]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="open-data.csv"'})  # fmt: skip


@router.get("/public/open-data.json", tags=["public"])
def open_data_json(ctx: Public) -> dict:
    """The open data as JSON: its columns, rows, threshold and notes."""
    return service.open_data(ctx)


@router.get("/public/{area}", include_in_schema=False)
def area_page(ctx: Public, area: Slug):
    return HTMLResponse(area_html(service.neighbourhood(ctx, area)))


@router.get("/api/public", tags=["public"])
def api_index(ctx: Public) -> dict:
    """The neighbourhoods with published priorities, as ``/public`` lists them (no sign-in)."""
    return service.neighbourhoods(ctx)


@router.get("/api/public/{area}", tags=["public"])
def api_area(ctx: Public, area: Slug) -> dict:
    """One neighbourhood's page as data (no sign-in); counts under the threshold carry no number."""
    return service.neighbourhood(ctx, area)


# ---------------------------------------------------------------- the owner's and the lead's side

Title = Annotated[str, Form(max_length=2000)]
Long = Annotated[str, Form(max_length=20000)]


def _form_page(request: Request, ctx: Context, ref: str, *, typed: dict | None = None, errors=None, status_code: int = 200):
    d = service.publication(ctx, ref)
    return render(request, "public/publication.html", title=f"Public summary of {d['problem']}", d=d, typed=typed, errors=errors, status_code=status_code)


@router.get("/problems/{ref}/publication", include_in_schema=False)
def publication_page(request: Request, ctx: Signed, ref: Ref):
    return _form_page(request, ctx, ref)


@router.post("/problems/{ref}/publication", include_in_schema=False)
def save_publication(request: Request, ctx: Signed, ref: Ref, title: Title = "", said: Long = "", did: Long = "",
                     area: Annotated[str, Form(max_length=60)] = ""):  # fmt: skip
    typed = {"title": title, "said": said, "did": did, "area": area}
    try:
        service.write_publication(ctx, ref, title=title, said=said, did=did, area=area or None)
    except Invalid as exc:
        return _form_page(request, ctx, ref, typed=typed, errors=errors_of(exc), status_code=422)
    return RedirectResponse(f"/problems/{ref}/publication", status_code=303)


@router.post("/problems/{ref}/publication/approve", include_in_schema=False)
def approve_publication(request: Request, ctx: Signed, ref: Ref):
    try:
        service.approve_publication(ctx, ref)
    except Invalid as exc:
        return _form_page(request, ctx, ref, errors=errors_of(exc), status_code=422)
    return RedirectResponse(f"/problems/{ref}/publication", status_code=303)


@router.post("/problems/{ref}/publication/withdraw", include_in_schema=False)
def withdraw_publication(request: Request, ctx: Signed, ref: Ref):
    try:
        service.withdraw_publication(ctx, ref)
    except Invalid as exc:
        return _form_page(request, ctx, ref, errors=errors_of(exc), status_code=422)
    return RedirectResponse(f"/problems/{ref}/publication", status_code=303)


class PublicationIn(BaseModel):
    """A problem's public summary, as its form takes it (``sara problem publish``)."""

    title: str = Field(max_length=2000, description="The public title (at most 120 characters once trimmed).")
    said: str = Field(max_length=20000, description="What people said, in plain words.")
    did: str = Field(max_length=20000, description="What the partnership did.")
    area: str | None = Field(None, max_length=60, description="The code of the ward or district whose page shows it (default: its own, or the ward of its area).")


@router.get("/api/problems/{ref}/publication", tags=["problems"])
def api_publication(ctx: Signed, ref: Ref) -> dict:
    """The problem's public summary (status none, draft, approved or withdrawn), what you may do with it and the neighbourhoods to choose from."""
    return service.publication(ctx, ref)


@router.put("/api/problems/{ref}/publication", tags=["problems"])
def api_write_publication(ctx: Signed, ref: Ref, body: PublicationIn) -> dict:
    """Write or change the public summary (the problem's owner or a problem owner of its organisation); any approval is cleared."""
    return service.write_publication(ctx, ref, title=body.title, said=body.said, did=body.did, area=body.area)


@router.post("/api/problems/{ref}/publication/approve", tags=["problems"])
def api_approve_publication(ctx: Signed, ref: Ref) -> dict:
    """Approve the summary for the public pages (a lead of the owning organisation, not its writer)."""
    return service.approve_publication(ctx, ref)


@router.post("/api/problems/{ref}/publication/withdraw", tags=["problems"])
def api_withdraw_publication(ctx: Signed, ref: Ref) -> dict:
    """Withdraw the summary from the public pages."""
    return service.withdraw_publication(ctx, ref)

