"""Assess: did the response work? ``/assess`` runs an assessment from a problem
(``/assess?problem=REF``: its area and event categories filled in, its saved plans offered)
or alone (a target area chosen by name, before and after periods, a buffer ring and control
areas), shows the verdict, the counts, the estimates and their warnings, and the chart and
map as a picture (``/assess/picture.png``, the same parameters) beside the monthly figures;
and saves the result to the problem (POST). JSON twins ``/api/assess`` and ``/api/assess/save``.

The parameters are area names or codes and months, never personal data, so the
assessment is a GET and its page can be bookmarked and shared.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sara.errors import Invalid
from sara.services import Context
from sara.services import problems as service
from sara.web.auth import signed_in
from sara.web.pages.problems import _errors
from sara.web.render import render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Area = Annotated[str | None, Query(max_length=200, description="A loaded area's name or code.")]
Period = Annotated[str | None, Query(max_length=20, description="FIRST:LAST, months as YYYY-MM.")]
Name = Annotated[str | None, Query(max_length=200)]
Buffer = Annotated[float, Query(ge=0, le=5000, description="Width in metres of the displacement ring around the target (0: none).")]
Categories = Annotated[list[str] | None, Query(max_length=200, description="Event categories (repeat); none: every category.")]


def _design(target, before, after, buffer, control, category, plan) -> dict:
    return {"target": (target or "").strip() or None, "before": (before or "").strip() or None, "after": (after or "").strip() or None,
            "buffer": buffer, "control": (control or "").strip() or "auto", "categories": [c for c in category or [] if c] or None, "plan": plan or None}  # fmt: skip


def _query(design: dict, problem: str | None) -> str:
    pairs = [(k, v) for k, v in design.items() if k != "categories" and v not in (None, "")] + [("category", c) for c in design["categories"] or []]
    return urlencode(pairs + ([("problem", problem)] if problem else []))


def _chart_rows(result: dict) -> list[dict]:
    m = result.get("monthly") or {}
    months = m.get("months") or []
    return [{"month": month, "target": m["target"][i], "buffer": m["buffer"][i] if m.get("buffer") else None, "control": m["control"][i],
             "after": month >= m.get("intervention", "9999")} for i, month in enumerate(months)]  # fmt: skip


@router.get("/assess", include_in_schema=False)
def assess_page(request: Request, ctx: Signed, problem: Annotated[str | None, Query(max_length=40)] = None, target: Area = None, before: Period = None,
                after: Period = None, buffer: Buffer = 500, control: Name = "auto", category: Categories = None, plan: Name = None):  # fmt: skip
    design = _design(target, before, after, buffer, control, category, plan)
    form = service.assess_form(ctx, problem=problem or None)
    known = form["problem"] or {}
    typed = dict(design)
    context = {"form": form, "typed": typed, "problem": known.get("reference")}
    if not any(design[k] for k in ("target", "before", "after", "plan")):  # a new form: what the problem says filled in
        typed |= {"target": known.get("area_name") or known.get("area") or "", "categories": known.get("categories") or []}
        return render(request, "assess/assess.html", title="Assess a response", result=None, **context)
    try:
        done = service.assess(ctx, problem=problem or None, **design)
    except Invalid as exc:
        return render(request, "assess/assess.html", title="Assess a response", status_code=422, errors=_errors(exc), result=None, **context)
    result = done.result
    return render(request, "assess/assess.html", title="Assessment", wide=True, result=result, rows=_chart_rows(result), picture=f"/assess/picture.png?{_query(design, problem)}",
                  **context)  # fmt: skip


@router.get("/assess/picture.png", include_in_schema=False)
def assess_picture(ctx: Signed, problem: Annotated[str | None, Query(max_length=40)] = None, target: Area = None, before: Period = None, after: Period = None,
                   buffer: Buffer = 500, control: Name = "auto", category: Categories = None, plan: Name = None):  # fmt: skip
    body = service.assess_picture(ctx, problem=problem or None, **_design(target, before, after, buffer, control, category, plan))
    return Response(body, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/api/assess", tags=["assess"])
def api_assess(ctx: Signed, problem: Annotated[str | None, Query(max_length=40)] = None, target: Area = None, before: Period = None, after: Period = None,
               buffer: Buffer = 500, control: Name = "auto", category: Categories = None, plan: Name = None) -> dict:  # fmt: skip
    """Did it work? The target (a loaded area's name or code) against control areas
    (``auto``, or names or codes, comma-separated) and a buffer ring, ``before`` against
    ``after`` (``YYYY-MM:YYYY-MM``); or a saved ``plan`` run unchanged. As ``sara assess
    --json`` gives it: counts, estimates, warnings and a verdict."""
    return service.assess(ctx, problem=problem or None, **_design(target, before, after, buffer, control, category, plan)).result


@router.post("/assess/save", include_in_schema=False)
def save_to_problem(request: Request, ctx: Signed, problem: Annotated[str, Form(max_length=40)] = "", target: Annotated[str, Form(max_length=200)] = "",
                    before: Annotated[str, Form(max_length=20)] = "", after: Annotated[str, Form(max_length=20)] = "",
                    buffer: Annotated[float, Form(ge=0, le=5000)] = 500, control: Annotated[str, Form(max_length=200)] = "auto",
                    category: Annotated[list[str] | None, Form(max_length=200)] = None, plan: Annotated[str, Form(max_length=200)] = ""):  # fmt: skip
    design = _design(target, before, after, buffer, control, category, plan)
    try:
        service.save_assessment(ctx, problem, **design)
    except Invalid as exc:
        form = service.assess_form(ctx, problem=problem or None)
        return render(request, "assess/assess.html", title="Assess a response", status_code=422, errors=_errors(exc), result=None, form=form,
                      typed=design, problem=problem)  # fmt: skip
    return RedirectResponse(f"/problems/{problem}#assessment", status_code=303)


class SaveIn(BaseModel):
    """An assessment to run and keep on a problem, as the form's Save button sends it."""

    problem: str = Field(max_length=40, description="The problem's reference, PRB-YYYY-NNNN.")
    target: str | None = Field(None, max_length=200, description="A loaded area's name or code.")
    before: str | None = Field(None, max_length=20, description="FIRST:LAST, months as YYYY-MM.")
    after: str | None = Field(None, max_length=20, description="FIRST:LAST, months as YYYY-MM.")
    buffer: float = Field(500, ge=0, le=5000, allow_inf_nan=False, description="Width in metres of the displacement ring around the target (0: none).")
    control: str | None = Field("auto", max_length=200, description="auto, or loaded areas' names or codes, comma-separated.")
    categories: list[Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=50, description="Event categories; none: every category.")
    plan: str | None = Field(None, max_length=200, description="A saved assessment plan, run unchanged (instead of the rest).")


@router.post("/api/assess/save", tags=["assess"])
def api_save_to_problem(ctx: Signed, body: SaveIn) -> dict:
    """Run the assessment and keep its verdict on the problem (what closing it asks for), by
    the owning organisation: the problem's plan after it, as ``/api/problems/{ref}`` gives it."""
    design = _design(body.target, body.before, body.after, body.buffer, body.control, body.categories, body.plan)
    return service.save_assessment(ctx, body.problem, **design)
