"""Pages: partnership plans. ``/plans`` lists them; ``/plans/{ref}`` shows one as its document
in the Calderdale shape (each theme's priority issues and actions, "Measuring our success"
with each indicator's progress, rating and rule, and a chart per indicator: its values, the
straight line from the baseline to the target, the baseline and the target), with the forms
to add an action and to enter an indicator's value for the plan's leads and administrators;
downloads as PDF, workbook and HTML. JSON twins: ``/api/plans`` (``sara plan list --json``)
and ``/api/plans/{ref}`` (``sara plan show REF --json``). Every route calls
``sara.services.plans``; who may write is decided there."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from sara import errors
from sara.services import Context
from sara.services import plans as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTION_FIELDS = ("priority", "description", "organisation", "due")
VALUE_FIELDS = ("indicator", "period", "value", "source")


@router.get("/plans", include_in_schema=False)
def plans_page(request: Request, ctx: Signed):
    return render(request, "plans/list.html", title="Partnership plans", data=service.list_plans(ctx))


def _plan_page(request: Request, ctx: Context, ref: str, *, error: errors.Invalid | None = None, form: str | None = None, typed: dict | None = None):
    data = service.page(ctx, ref)
    e = errors_of(error)
    if error is not None and form:
        fields = ACTION_FIELDS if form == "action" else VALUE_FIELDS
        name = {"problems": "description", "status": "description", "baseline_period": "period"}.get(error.field, error.field)
        if name in fields:
            e = {"summary": [{"text": str(error), "href": f"#{form}-{name}"}], "fields": {f"{form}-{name}": str(error)}}
        else:
            e = {"summary": [{"text": str(error), "href": f"#{form}-form"}], "fields": {}}
    suffix = ref
    downloads = [("PDF", f"/plans/{suffix}.pdf"), ("Workbook (XLSX)", f"/plans/{suffix}.xlsx"), ("HTML", f"/plans/{suffix}.html"), ("JSON", f"/api/plans/{suffix}")]
    return render(request, "plans/plan.html", title=f"Plan {data['plan']['reference']}", data=data, plan=data["plan"], pack=data["pack"], downloads=downloads,
                  errors=e, action_form=typed if form == "action" else {}, value_form=typed if form == "value" else {}, wide=True,
                  status_code=422 if error else 200)  # fmt: skip


def _download(ctx: Context, ref: str, suffix: str):
    from sara.report import documents

    made = service.document(ctx, ref)
    name = f"plan-{re.sub(r'[^A-Za-z0-9-]+', '', ref)}.{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if suffix == "html":
        return Response(documents.html(made), media_type="text/html; charset=utf-8", headers=headers)
    folder = Path(tempfile.mkdtemp(prefix="sara-plan-"))
    try:
        path = (documents.write_pdf if suffix == "pdf" else documents.write_xlsx)(made, folder / name)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(path, media_type="application/pdf" if suffix == "pdf" else XLSX, headers=headers,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))  # fmt: skip


@router.get("/plans/{ref}.pdf", include_in_schema=False)
def plan_pdf(ctx: Signed, ref: Ref):
    return _download(ctx, ref, "pdf")


@router.get("/plans/{ref}.xlsx", include_in_schema=False)
def plan_xlsx(ctx: Signed, ref: Ref):
    return _download(ctx, ref, "xlsx")


@router.get("/plans/{ref}.html", include_in_schema=False)
def plan_html(ctx: Signed, ref: Ref):
    return _download(ctx, ref, "html")


@router.get("/plans/{ref}", include_in_schema=False)
def plan_page(request: Request, ctx: Signed, ref: Ref):
    return _plan_page(request, ctx, ref)


def _date(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date" if value.strip() else "enter the due date", field=field, fix="type it as YYYY-MM-DD") from None


def _number(value: str, field: str) -> float:
    try:
        return float(value.strip().replace(",", ""))
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a number" if value.strip() else "enter the value", field=field, fix="type the figure, e.g. 42 or 61.5") from None


@router.post("/plans/{ref}/actions", include_in_schema=False)
def add_action(
    request: Request, ctx: Signed, ref: Ref,
    priority: Annotated[str, Form(max_length=20)] = "", description: Annotated[str, Form(max_length=2000)] = "",
    organisation: Annotated[str, Form(max_length=200)] = "", due: Annotated[str, Form(max_length=20)] = "",
):  # fmt: skip
    typed = {"priority": priority, "description": description, "organisation": organisation, "due": due}
    try:
        if not priority:
            raise errors.Invalid("choose the priority issue", field="priority")
        service.add_action(ctx, ref, priority, description, organisation=organisation, due=_date(due, "due"))
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="action", typed=typed)
    return RedirectResponse(f"/plans/{ref}#actions", status_code=303)


@router.post("/plans/{ref}/values", include_in_schema=False)
def enter_value(
    request: Request, ctx: Signed, ref: Ref,
    indicator: Annotated[str, Form(max_length=20)] = "", period: Annotated[str, Form(max_length=20)] = "",
    value: Annotated[str, Form(max_length=40)] = "", source: Annotated[str, Form(max_length=500)] = "",
):  # fmt: skip
    typed = {"indicator": indicator, "period": period, "value": value, "source": source}
    try:
        if not indicator.isdigit():
            raise errors.Invalid("choose the indicator", field="indicator")
        if not period.strip():
            raise errors.Invalid("enter the month or quarter", field="period", fix="type it as 2025-06 or 2025-Q2")
        service.enter_value(ctx, int(indicator), period, _number(value, "value"), source=source)
    except errors.Invalid as exc:
        return _plan_page(request, ctx, ref, error=exc, form="value", typed=typed)
    return RedirectResponse(f"/plans/{ref}#measuring", status_code=303)


@router.get("/api/plans", tags=["plans"])
def api_plans(ctx: Signed) -> dict:
    """Every partnership plan with its counts, and whether you may make one (``sara plan list --json``)."""
    return service.list_plans(ctx)


@router.get("/api/plans/{ref}", tags=["plans"])
def api_plan(ctx: Signed, ref: Ref) -> dict:
    """One plan: its themes, priorities, actions and indicators, each indicator with its values
    per month or quarter, its rating and the rule (``sara plan show REF --json``)."""
    return service.show(ctx, ref)
