"""Pages: the Clear-Hold-Build ranking (``/reports/chb``): a choice of the operations the
reader may see, a baseline month and the crime types; the pack shown by ``render_pack``; its
downloads as PDF, workbook and HTML with the same parameters; and its JSON twin
``/api/reports/chb?operation=...``, which is ``sara report chb OPERATION --json``. The pack is
built by ``sara.services.chb.ranking``; a parameter it refuses comes back on the same form,
marked on its field, with status 422; an operation the reader may not see is not found."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request

from sara.access.permissions import PermissionDenied
from sara.casework import patrols
from sara.errors import Invalid
from sara.services import Context
from sara.services import chb as service
from sara.web.auth import signed_in
from sara.web.downloads import Suffix, pack_download
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
FIELDS = ("operation", "baseline", "categories")


def _query(request: Request) -> dict[str, str]:
    return {k: (request.query_params.get(k) or "").strip() for k in FIELDS}


def _pack(ctx: Context, q: dict[str, str]):
    if not q["operation"]:
        raise Invalid("choose an operation", field="operation", fix="pick one of the operations you may see")
    cats = [c.strip() for c in q["categories"].split(",") if c.strip()] or None
    return service.ranking(ctx, q["operation"], baseline=q["baseline"] or None, categories=cats)


def _form(request: Request, ctx: Context, q: dict[str, str], made=None, error: Invalid | None = None):
    try:
        operations = [(o["name"], o["name"]) for o in patrols.list_operations(ctx.engine, ctx.actor)]
    except PermissionDenied:
        operations = []
    query = urlencode({k: v for k, v in q.items() if v})
    suffix = f"?{query}" if query else ""
    downloads = [("PDF", f"/reports/chb.pdf{suffix}"), ("Workbook (XLSX)", f"/reports/chb.xlsx{suffix}"), ("HTML", f"/reports/chb.html{suffix}"),
                 ("JSON", f"/api/reports/chb{suffix}")]  # fmt: skip
    return render(request, "chb/chb.html", title="Clear, Hold, Build ranking", wide=True, status_code=422 if error else 200, errors=errors_of(error),
                  q=q, pack=made, downloads=downloads, operations=operations)  # fmt: skip


@router.get("/reports/chb", include_in_schema=False)
def chb_page(request: Request, ctx: Signed):
    q = _query(request)
    if not q["operation"]:
        return _form(request, ctx, q)
    try:
        made = _pack(ctx, q)
    except Invalid as exc:
        return _form(request, ctx, q, error=exc)
    return _form(request, ctx, q, made)


@router.get("/reports/chb.{suffix}", include_in_schema=False)
def chb_download(request: Request, ctx: Signed, suffix: Suffix):
    q = _query(request)
    try:
        made = _pack(ctx, q)
    except Invalid as exc:
        return _form(request, ctx, q, error=exc)
    slug = re.sub(r"[^a-z0-9]+", "-", made.parameters["operation"].lower()).strip("-") or "operation"
    return pack_download(made, f"chb-{slug}-{made.parameters['baseline']}", suffix)


@router.get("/api/reports/chb", tags=["reports"])
def api_chb(request: Request, ctx: Signed) -> dict:
    """The Clear-Hold-Build ranking, as ``sara report chb OPERATION --json`` prints it:
    parameters ``operation`` (its name), ``baseline`` (YYYY-MM, the first month of the
    baseline period) and ``categories`` (crime types separated by commas)."""
    return _pack(ctx, _query(request)).to_json()
