"""Pages: organised crime groups (``/ocg``: the force's groups with their scores and review
status, the priority individuals serving several; ``/ocg/{ref}``: a group's members as the
reader may see them, areas, every score with each answer, reviews and disruptions, and the
forms the lead officer uses to add a member, record a review or a disruption), and the SOC
local profile (``/ocg/profile``: wards ranked by SOC harm, the partner version for partners,
downloads as PDF, workbook and HTML). JSON twins: ``/api/ocg``, ``/api/ocg/profile``,
``/api/ocg/{ref}``, each the command's ``--json``. Every rule is ``sara.services.ocg``'s: a
partner reading a group is refused (403), an unknown group is not found."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from sara import errors
from sara.casework import ocg as cocg
from sara.services import Context
from sara.services import ocg as service
from sara.web.auth import signed_in
from sara.web.downloads import Suffix, pack_download
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(pattern=r"^OCG-\d{4}-\d{4,}$")]
Short = Annotated[str, Form(max_length=60)]
Long = Annotated[str, Form(max_length=4000)]


def _partner(ctx: Context, request: Request) -> bool:
    """The partner version unless the reader may see groups (or a police reader asks for it)."""
    return not cocg.may_use(ctx.actor) or request.query_params.get("version") == "partner"


@router.get("/ocg", include_in_schema=False)
def ocg_list(request: Request, ctx: Signed):
    data = service.list_groups(ctx)
    return render(request, "ocg/list.html", title="Organised crime groups", data=data, wide=True)


NEW_FIELDS = ("name", "kind", "lead", "areas", "description")


def _new_page(request: Request, ctx: Context, *, error: errors.Invalid | None = None, typed: dict | None = None):
    return render(request, "ocg/new.html", title="Add a group", kinds=cocg.KINDS, typed=typed or {}, errors=errors_of(error),
                  status_code=422 if error else 200)  # fmt: skip


@router.get("/ocg/new", include_in_schema=False)
def new_group_page(request: Request, ctx: Signed):
    service.list_groups(ctx)  # the same refusal as the list for those who may not see groups
    return _new_page(request, ctx)


@router.post("/ocg", include_in_schema=False)
def new_group(request: Request, ctx: Signed, name: Short = "", kind: Short = "", lead: Short = "", areas: Long = "", description: Long = ""):
    typed = {"name": name, "kind": kind, "lead": lead, "areas": areas, "description": description}
    try:
        made = service.add(ctx, name, kind, lead=lead.strip() or None, description=description.strip() or None, areas=_areas(areas))
    except errors.Invalid as exc:
        return _new_page(request, ctx, error=exc, typed=typed)
    except errors.Conflict as exc:  # a group of that name is mapped already: say so beside the name
        return _new_page(request, ctx, error=errors.Invalid(str(exc), field="name"), typed=typed)
    return RedirectResponse(f"/ocg/{made['id']}", status_code=303)


def _areas(text: str) -> list[str]:
    """Areas typed one per line or separated by semicolons (names may hold commas and spaces)."""
    return [a.strip() for a in text.replace(";", "\n").splitlines() if a.strip()]


class GroupIn(BaseModel):
    name: str = Field(max_length=200, description="The group's name.")
    kind: str = Field(max_length=20, description="ocg, usg or county_line.")
    lead: str | None = Field(None, max_length=60, description="The lead responsible officer's username (default: you).")
    areas: list[str] = Field(default_factory=list, max_length=50, description="Areas it operates in, by code or name.")
    description: str | None = Field(None, max_length=4000)


@router.post("/api/ocg", tags=["ocg"])
def api_new_group(ctx: Signed, body: GroupIn) -> dict:
    """Map a group (``sara ocg add``); the group as ``sara ocg show --json`` gives it."""
    return service.add(ctx, body.name, body.kind, lead=body.lead, description=body.description, areas=body.areas)


@router.get("/api/ocg", tags=["ocg"])
def api_list(ctx: Signed) -> dict:
    """The groups, priority individuals and overdue reviews, as ``sara ocg list --json``."""
    return service.list_groups(ctx)


def _profile(ctx: Context, request: Request):
    q = request.query_params
    return service.profile(ctx, partner=_partner(ctx, request), start=q.get("from") or None, end=q.get("to") or None)


@router.get("/ocg/profile", include_in_schema=False)
def profile_page(request: Request, ctx: Signed):
    partner = _partner(ctx, request)
    suffix = "?version=partner" if partner and cocg.may_use(ctx.actor) else ""
    pack = _profile(ctx, request)
    downloads = [("PDF", f"/ocg/profile.pdf{suffix}"), ("Workbook (XLSX)", f"/ocg/profile.xlsx{suffix}"), ("HTML", f"/ocg/profile.html{suffix}"),
                 ("JSON", f"/api/ocg/profile{suffix}")]  # fmt: skip
    return render(request, "ocg/profile.html", title="SOC local profile", pack=pack, downloads=downloads, partner=partner, police=cocg.may_use(ctx.actor),
                  tile_url=request.app.state.tile_url, wide=True)  # fmt: skip


@router.get("/ocg/profile.{suffix}", include_in_schema=False)
def profile_download(request: Request, ctx: Signed, suffix: Suffix):
    made = _profile(ctx, request)
    return pack_download(made, f"soc-profile{'-partner' if made.parameters['partner'] else ''}-{made.parameters['start']}-{made.parameters['end']}", suffix)


@router.get("/api/ocg/profile", tags=["ocg"])
def api_profile(request: Request, ctx: Signed) -> dict:
    """The SOC local profile, as ``sara ocg profile --json`` (``--partner`` for a partner, or
    with ``version=partner``); ``from`` and ``to`` are months, YYYY-MM."""
    return _profile(ctx, request).to_json()


@router.get("/api/ocg/profile/map", tags=["ocg"])
def api_profile_map(request: Request, ctx: Signed) -> dict:
    """The profile's wards as GeoJSON (name, code, rank, harm, groups active), for its map."""
    q = request.query_params
    return service.profile_map(ctx, partner=_partner(ctx, request), start=q.get("from") or None, end=q.get("to") or None)


def _group_page(request: Request, ctx: Context, ref: str, *, error: errors.Invalid | None = None, form: str | None = None, typed: dict | None = None):
    group = service.show(ctx, ref)
    instrument = service.instrument(ctx)
    marked = errors_of(error)
    for item in marked["summary"]:  # each form's inputs are named for its form (two forms ask for a person)
        if form and item["href"] != "#main-content":
            item["href"] = f"#{form}-{item['href'][1:]}" if form != "review" else "#review-note"
    return render(request, "ocg/group.html", title=f"Group {group['id']}", g=group, instrument=instrument, errors=marked, form=form,
                  typed=typed or {}, wide=True, status_code=422 if error else 200)  # fmt: skip


@router.get("/ocg/{ref}", include_in_schema=False)
def group_page(request: Request, ctx: Signed, ref: Ref):
    return _group_page(request, ctx, ref)


@router.get("/api/ocg/{ref}", tags=["ocg"])
def api_group(ctx: Signed, ref: Ref) -> dict:
    """One group, as ``sara ocg show REF --json``."""
    return service.show(ctx, ref)


def _date(value: str, field: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise errors.Invalid(f"{value!r} is not a date", field=field, fix="give it as YYYY-MM-DD") from None


@router.post("/ocg/{ref}/members", include_in_schema=False)
def add_member(request: Request, ctx: Signed, ref: Ref, person: Short = "", role: Short = "", from_date: Short = ""):
    typed = {"person": person, "role": role, "from_date": from_date}
    try:
        service.member(ctx, ref, person.strip(), role, from_date=_date(from_date, "from_date"))
    except errors.Invalid as exc:
        return _group_page(request, ctx, ref, error=exc, form="member", typed=typed)
    return RedirectResponse(f"/ocg/{ref}#members", status_code=303)


@router.post("/ocg/{ref}/reviews", include_in_schema=False)
def add_review(request: Request, ctx: Signed, ref: Ref, note: Long = ""):
    try:
        service.review(ctx, ref, note)
    except errors.Invalid as exc:
        return _group_page(request, ctx, ref, error=exc, form="review", typed={"note": note})
    return RedirectResponse(f"/ocg/{ref}#reviews", status_code=303)


@router.post("/ocg/{ref}/disruptions", include_in_schema=False)
def add_disruption(request: Request, ctx: Signed, ref: Ref, kind: Short = "", on: Short = "", person: Short = "", event_ids: Short = "",
                   intervention_refs: Short = "", note: Long = ""):  # fmt: skip
    typed = {"kind": kind, "on": on, "person": person, "event_ids": event_ids, "intervention_refs": intervention_refs, "note": note}
    events, interventions = event_ids, intervention_refs
    try:
        ids = []
        for part in events.replace(",", " ").split():
            if not part.isdigit():
                raise errors.Invalid(f"{part!r} is not an event id", field="event_ids", fix="give event ids (whole numbers) separated by commas")
            ids.append(int(part))
        service.disruption(ctx, ref, kind, on=_date(on, "on"), person=person.strip() or None, events=ids, interventions=interventions.replace(",", " ").split(),
                           note=note)  # fmt: skip
    except errors.Invalid as exc:
        return _group_page(request, ctx, ref, error=exc, form="disruption", typed=typed)
    return RedirectResponse(f"/ocg/{ref}#disruptions", status_code=303)


@router.post("/ocg/{ref}/scores", include_in_schema=False)
async def add_score(request: Request, ctx: Signed, ref: Ref):
    form = await request.form()
    answers, typed = {}, {}
    try:
        for f in service.instrument(ctx)["factors"]:
            value = str(form.get(f"answer_{f['key']}", "")).strip()
            typed[f"answer_{f['key']}"] = value
            if value:
                if not value.isdigit():
                    raise errors.Invalid(f"{value!r} is not an answer to {f['label']}", field=f"answer_{f['key']}", fix="choose one of the answers listed")
                answers[f["key"]] = int(value)
        service.score(ctx, ref, answers)
    except errors.Invalid as exc:
        return _group_page(request, ctx, ref, error=exc, form="score", typed=typed)
    return RedirectResponse(f"/ocg/{ref}#scores", status_code=303)


class ScoreIn(BaseModel):
    answers: dict[str, int] = Field(max_length=50, description="Each factor's answer, 0 to its scale (``sara ocg score --factors`` lists them).")


@router.post("/api/ocg/{ref}/scores", tags=["ocg"])
def api_score(ctx: Signed, ref: Ref, body: ScoreIn) -> dict:
    """Score the group on the instrument in force (``sara ocg score``)."""
    return service.score(ctx, ref, body.answers)
