"""Pages: the performance scrutiny pack (``/reports/scrutiny``): a form of the period (from
and to months), the area by name and a baseline; the pack shown by ``render_pack``; its
downloads as PDF, workbook and HTML with the same parameters; and its JSON twin
``/api/reports/scrutiny``, which is ``sara report scrutiny --json``. The pack is built by
``sara.services.scrutiny.pack`` and rendered by ``sara.report.documents``; a parameter it
refuses comes back on the same form, marked on its field, with status 422."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from sara.errors import Invalid
from sara.services import Context
from sara.services import explore as services_explore
from sara.services import scrutiny as service
from sara.web.auth import signed_in
from sara.web.downloads import Suffix, pack_download
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
FIELDS = ("from", "to", "area", "baseline")


def _query(request: Request) -> dict[str, str]:
    return {k: (request.query_params.get(k) or "").strip() for k in FIELDS}


def _pack(ctx: Context, q: dict[str, str]):
    return service.pack(ctx, start=q["from"] or None, end=q["to"] or None, area=q["area"] or None, baseline=q["baseline"] or None)


def _areas(ctx: Context) -> list[dict]:
    """The loaded districts, wards, LSOAs and drawn areas as the area field offers them: a value the pack
    resolves (the name, or KIND:CODE where names are shared) and the label people read."""
    known = services_explore.options(ctx)
    return [{"value": a["name"] if a["label"] == a["name"] else f"{a['kind']}:{a['code']}", "label": a["label"]}
            for kind in ("district", "ward", "lsoa", "custom") for a in known["areas"].get(kind, [])]  # fmt: skip


def _form(request: Request, ctx: Signed, q: dict[str, str], made=None, error: Invalid | None = None):
    known = services_explore.options(ctx)
    query = urlencode({k: v for k, v in q.items() if v})
    suffix = f"?{query}" if query else ""
    downloads = [("PDF", f"/reports/scrutiny.pdf{suffix}"), ("Workbook (XLSX)", f"/reports/scrutiny.xlsx{suffix}"), ("HTML", f"/reports/scrutiny.html{suffix}"),
                 ("JSON", f"/api/reports/scrutiny{suffix}")]  # fmt: skip
    return render(request, "reports/scrutiny.html", title="Performance scrutiny pack", wide=True, status_code=422 if error else 200, errors=errors_of(error),
                  q=q, pack=made, downloads=downloads, areas=_areas(ctx), months=known["months"])  # fmt: skip


@router.get("/reports/scrutiny", include_in_schema=False)
def scrutiny_page(request: Request, ctx: Signed):
    q = _query(request)
    try:
        made = _pack(ctx, q)
    except Invalid as exc:
        return _form(request, ctx, q, error=exc)
    return _form(request, ctx, q, made)


@router.get("/reports/scrutiny.{suffix}", include_in_schema=False)
def scrutiny_download(request: Request, ctx: Signed, suffix: Suffix):
    q = _query(request)
    try:
        made = _pack(ctx, q)
    except Invalid as exc:
        return _form(request, ctx, q, error=exc)
    return pack_download(made, f"scrutiny-{made.parameters.get('from', '')}-{made.parameters.get('to', '')}", suffix)


@router.get("/api/reports/scrutiny", tags=["reports"])
def api_scrutiny(request: Request, ctx: Signed) -> dict:
    """The performance scrutiny pack, as ``sara report scrutiny --json`` prints it: parameters
    ``from``, ``to`` (YYYY-MM), ``area`` (a district, ward, LSOA or drawn area by code or name) and
    ``baseline`` (the first month of a baseline period)."""
    return _pack(ctx, _query(request)).to_json()
