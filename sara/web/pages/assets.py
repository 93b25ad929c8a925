"""Pages: asset mapping (issue 13, part 1). ``/assets``: the services working in the area, a
map (the loaded boundaries beneath, each service at its address or over the areas it serves)
and a table by the ward each works in, filtered by kind, area and age group; ``/assets/new``
the form to add one, ``/assets/import`` a CSV upload accounting for every row, ``/assets.csv``
the download the import reads back; ``/assets/{ref}`` one service, with the form to change it
for the organisation that keeps it; ``/assets/gaps``: each ward of a district by kind of
provision, the gaps beside the problems open there, and its map. JSON twins: ``/api/assets``,
``/api/assets/{ref}``, ``/api/assets/gaps``, ``POST /api/assets`` and ``POST
/api/assets/{ref}``, each the command's ``--json``. Every rule is ``sara.services.assets``'s."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sara import errors
from sara.services import Context
from sara.services import assets as service
from sara.web.auth import signed_in
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Ref = Annotated[str, PathParam(pattern=r"^AST-\d{4}-\d{4,}$")]
Short = Annotated[str, Form(max_length=300)]
Long = Annotated[str, Form(max_length=4000)]
Choices = Annotated[list[str] | None, Form(max_length=50)]
QText = Annotated[str | None, Query(max_length=100)]
Level = Literal["ward", "lsoa"]
MAX_UPLOAD = 5 * 1024 * 1024
FORM_FIELDS = ("name", "provider", "description", "kinds", "age_groups", "communities", "needs", "address", "lon", "lat", "areas", "opening", "phone",
               "email", "website", "funding")  # fmt: skip


def _filters(kind: str | None, area: str | None, age: str | None, mine: bool, ended: bool) -> dict:
    return {"kind": kind or None, "area": area or None, "age": age or None, "mine": mine, "include_ended": ended}


@router.get("/assets", include_in_schema=False)
def assets_page(request: Request, ctx: Signed, kind: QText = None, area: QText = None, age: QText = None, mine: bool = False, ended: bool = False):
    f = _filters(kind, area, age, mine, ended)
    vocab = service.vocabulary(ctx)
    try:
        data, error = service.list_services(ctx, **f), None
    except errors.Invalid as exc:  # a filter naming no kind, area or age group: said beside it, the whole list shown
        data, error = service.list_services(ctx), exc
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("area", area), ("age", age)) if v and not error)
    return render(request, "assets/list.html", title="Services in the area", data=data, vocab=vocab, typed=f, may_add=service.may_add(ctx.actor),
                  map_src="/api/assets/map" + (f"?{query}" if query else ""), tile_url=request.app.state.tile_url, errors=errors_of(error), wide=True,
                  done=request.query_params.get("done"), status_code=422 if error else 200)  # fmt: skip


@router.get("/api/assets", tags=["assets"])
def api_list(ctx: Signed, kind: QText = None, area: QText = None, age: QText = None, mine: bool = False, ended: bool = False) -> dict:
    """The services, as ``sara assets list --json`` (``kind``, ``area``, ``age``, ``mine``, ``ended`` as its options)."""
    return service.list_services(ctx, **_filters(kind, area, age, mine, ended))


@router.get("/api/assets/map", tags=["assets"])
def api_map(ctx: Signed, kind: QText = None, area: QText = None, age: QText = None) -> dict:
    """The services page's map: services with a point, the areas services name, the boundaries beneath (GeoJSON)."""
    return service.map_data(ctx, kind=kind or None, area=area or None, age=age or None)


@router.get("/assets.csv", include_in_schema=False)
def assets_csv(ctx: Signed, mine: bool = False):
    return Response(service.export_csv(ctx, mine=mine), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="services{"-mine" if mine else ""}.csv"'})  # fmt: skip


# --------------------------------------------------------------------------- gaps
@router.get("/assets/gaps", include_in_schema=False)
def gaps_page(request: Request, ctx: Signed, district: QText = None, level: Level = "ward", age: QText = None, kind: QText = None):
    g = service.gaps(ctx, district=district or None, level=level, age=age or None)
    shown = kind if kind in {k["key"] for k in g["kinds"]} else g["gaps"][0]["kind"] if g["gaps"] else g["kinds"][0]["key"]
    query = f"district={g['district']['code']}&level={level}&kind={shown}" + (f"&age={g['age']}" if g["age"] else "")
    return render(request, "assets/gaps.html", title="Gaps in provision", g=g, shown=shown, map_src=f"/api/assets/gaps/map?{query}",
                  api=f"/api/assets/gaps?district={g['district']['code']}&level={level}" + (f"&age={g['age']}" if g["age"] else ""),
                  tile_url=request.app.state.tile_url, wide=True)  # fmt: skip


@router.get("/api/assets/gaps", tags=["assets"])
def api_gaps(ctx: Signed, district: QText = None, level: Level = "ward", age: QText = None) -> dict:
    """Each area of a district by kind of provision and age group, the gaps and the open problems, as ``sara assets gaps --json``."""
    return service.gaps(ctx, district=district or None, level=level, age=age or None)


@router.get("/api/assets/gaps/map", tags=["assets"])
def api_gaps_map(ctx: Signed, district: QText = None, level: Level = "ward", age: QText = None, kind: QText = None) -> dict:
    """The district's areas as GeoJSON with the services of ``kind`` and the open problems in each: the gaps page's map."""
    return service.gaps_map(ctx, district=district or None, level=level, age=age or None, kind=kind or None)


# --------------------------------------------------------------------------- adding, changing
def _split(text: str) -> list[str]:
    return [x.strip() for x in text.replace(";", "\n").splitlines() if x.strip()]


def _fields(form: dict) -> dict:
    """A form's inputs as the service's fields (lists split, empty texts kept: they clear)."""
    out = {k: form[k] for k in FORM_FIELDS if k in form}
    for k in ("communities", "needs", "areas"):
        out[k] = _split(out.get(k, ""))
    return out


def _typed(s: dict) -> dict:
    """A service as its form shows it."""
    return {**{k: s.get(k) or "" for k in ("name", "provider", "description", "address", "opening", "phone", "email", "website", "funding")},
            "kinds": s["kinds"], "age_groups": s["age_groups"], "communities": "; ".join(s["communities"]), "needs": "; ".join(s["needs"]),
            "areas": "\n".join(a["name"] for a in s["areas"]), "lon": "" if s["lon"] is None else str(s["lon"]), "lat": "" if s["lat"] is None else str(s["lat"]),
            "ended_on": s["ended_on"] or "", "version": s["version"]}  # fmt: skip


def _form_page(request: Request, ctx: Context, *, service_row: dict | None = None, error: errors.Invalid | None = None, typed: dict | None = None):
    vocab = service.vocabulary(ctx)
    title = f"Change {service_row['id']}" if service_row else "Add a service"
    template = "assets/service.html" if service_row else "assets/new.html"
    return render(request, template, title=title, s=service_row, vocab=vocab, typed=typed or (_typed(service_row) if service_row else {}), errors=errors_of(error),
                  tile_url=request.app.state.tile_url, done=request.query_params.get("done"), status_code=422 if error else 200)  # fmt: skip


def _point(typed: dict) -> dict:
    out = dict(typed)
    for k in ("lon", "lat"):
        v = (out.get(k) or "").strip()
        try:
            out[k] = float(v) if v else ""
        except ValueError:
            raise errors.Invalid(
                f"{v!r} is not a number", field=k, fix="give decimal degrees, e.g. -1.2903 and 53.2290, or pick the place on the map"
            ) from None
    return out


@router.get("/assets/new", include_in_schema=False)
def new_page(request: Request, ctx: Signed):
    service.check_add(ctx)
    return _form_page(request, ctx)


@router.post("/assets", include_in_schema=False)
def new_service(request: Request, ctx: Signed, name: Short = "", provider: Short = "", description: Long = "", kinds: Choices = None, age_groups: Choices = None,
                communities: Short = "", needs: Short = "", address: Short = "", lon: Short = "", lat: Short = "", areas: Long = "", opening: Short = "",
                phone: Short = "", email: Short = "", website: Short = "", funding: Short = ""):  # fmt: skip
    typed = {"name": name, "provider": provider, "description": description, "kinds": list(kinds or []), "age_groups": list(age_groups or []), "communities": communities,
             "needs": needs, "address": address, "lon": lon, "lat": lat, "areas": areas, "opening": opening, "phone": phone, "email": email,
             "website": website, "funding": funding}  # fmt: skip
    try:
        fields = _fields(_point(typed))
        made = service.add(ctx, fields.pop("name"), fields.pop("kinds"), **fields)
    except errors.Invalid as exc:
        return _form_page(request, ctx, error=exc, typed=typed)
    except errors.Conflict as exc:
        return _form_page(request, ctx, error=errors.Invalid(str(exc), field="name"), typed=typed)
    return RedirectResponse(f"/assets/{made['id']}?done=added", status_code=303)


class ServiceIn(BaseModel):
    name: str = Field(max_length=200, description="The service's name.")
    kinds: list[str] = Field(max_length=20, description="Kinds of provision, by key or label (``sara assets kinds``).")
    provider: str | None = Field(None, max_length=200, description="Who runs it (default: your organisation).")
    description: str | None = Field(None, max_length=4000)
    age_groups: list[str] = Field(default_factory=list, max_length=20, description="Age groups served; none: all ages.")
    communities: list[str] = Field(default_factory=list, max_length=20)
    needs: list[str] = Field(default_factory=list, max_length=20)
    address: str | None = Field(None, max_length=300)
    lon: float | None = Field(None, ge=-180, le=180, description="The address's longitude (WGS84).")
    lat: float | None = Field(None, ge=-90, le=90, description="The address's latitude (WGS84).")
    areas: list[str] = Field(default_factory=list, max_length=50, description="Wards, LSOAs or districts served, by code or name.")
    opening: str | None = Field(None, max_length=300, description="Days and times, in words.")
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)
    website: str | None = Field(None, max_length=300)
    funding: str | None = Field(None, max_length=300)


class ServiceChange(BaseModel):
    """The fields to change (absent or null: unchanged; an empty text or list: cleared)."""

    version: int | None = Field(None, ge=1, le=1_000_000, description="The version read (refused if someone changed it since).")
    name: str | None = Field(None, max_length=200)
    kinds: list[str] | None = Field(None, max_length=20)
    provider: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=4000)
    age_groups: list[str] | None = Field(None, max_length=20)
    communities: list[str] | None = Field(None, max_length=20)
    needs: list[str] | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=300)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    areas: list[str] | None = Field(None, max_length=50)
    opening: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)
    website: str | None = Field(None, max_length=300)
    funding: str | None = Field(None, max_length=300)
    ended_on: dt.date | None = Field(None, description="The day it stopped.")
    reopen: bool = Field(False, description="It runs again: clear the day it ended.")


@router.post("/api/assets", tags=["assets"])
def api_add(ctx: Signed, body: ServiceIn) -> dict:
    """Record a service for your organisation (``sara assets add``); the service as ``sara assets show --json`` gives it."""
    fields = body.model_dump()
    return service.add(ctx, fields.pop("name"), fields.pop("kinds"), **fields)


# --------------------------------------------------------------------------- import
@router.get("/assets/import", include_in_schema=False)
def import_page(request: Request, ctx: Signed):
    service.check_add(ctx)
    return render(request, "assets/import.html", title="Import services", result=None, vocab=service.vocabulary(ctx))


@router.post("/assets/import", include_in_schema=False)
async def import_upload(request: Request, ctx: Signed, file: Annotated[UploadFile | None, File()] = None):
    error, result = None, None
    data = await file.read(MAX_UPLOAD + 1) if file is not None and file.filename else None
    try:
        if not data:
            raise errors.Invalid("no file was chosen, or it is empty", field="file", fix="choose a CSV file of services")
        if len(data) > MAX_UPLOAD:
            raise errors.Invalid(f"the file is larger than {MAX_UPLOAD >> 20} MB", field="file", fix="split it into smaller files")
        result = service.import_csv(ctx, data=data, name=file.filename)
    except errors.Invalid as exc:
        error = exc
    return render(request, "assets/import.html", title="Import services", result=result, vocab=service.vocabulary(ctx), errors=errors_of(error),
                  status_code=422 if error else 200)  # fmt: skip


# --------------------------------------------------------------------------- one service
@router.get("/assets/{ref}", include_in_schema=False)
def service_page(request: Request, ctx: Signed, ref: Ref):
    return _form_page(request, ctx, service_row=service.show(ctx, ref))


@router.get("/api/assets/{ref}", tags=["assets"])
def api_show(ctx: Signed, ref: Ref) -> dict:
    """One service, as ``sara assets show REF --json``."""
    return service.show(ctx, ref)


@router.post("/api/assets/{ref}", tags=["assets"])
def api_update(ctx: Signed, ref: Ref, body: ServiceChange) -> dict:
    """Change a service your organisation keeps (``sara assets update``): the service, with what ``changed``."""
    fields = body.model_dump(exclude_unset=True)
    version, reopen = fields.pop("version", None), fields.pop("reopen", False)
    return service.update(ctx, ref, version=version, reopen=reopen, **{k: v for k, v in fields.items() if v is not None})


@router.post("/assets/{ref}", include_in_schema=False)
def change_service(request: Request, ctx: Signed, ref: Ref, version: Annotated[int, Form(ge=1, le=1_000_000)], name: Short = "", provider: Short = "",
                   description: Long = "", kinds: Choices = None, age_groups: Choices = None, communities: Short = "", needs: Short = "", address: Short = "",
                   lon: Short = "", lat: Short = "", areas: Long = "", opening: Short = "", phone: Short = "", email: Short = "", website: Short = "",
                   funding: Short = "", ended_on: Short = ""):  # fmt: skip
    typed = {"name": name, "provider": provider, "description": description, "kinds": list(kinds or []), "age_groups": list(age_groups or []), "communities": communities,
             "needs": needs, "address": address, "lon": lon, "lat": lat, "areas": areas, "opening": opening, "phone": phone, "email": email,
             "website": website, "funding": funding, "ended_on": ended_on, "version": version}  # fmt: skip
    current = service.show(ctx, ref)
    try:
        fields = _fields(_point(typed))
        if not fields["kinds"]:
            fields["kinds"] = [""]  # unticking every kind is refused, not taken as "unchanged"
        ended = None
        if ended_on.strip():
            try:
                ended = dt.date.fromisoformat(ended_on.strip())
            except ValueError:
                raise errors.Invalid(f"{ended_on!r} is not a date", field="ended_on", fix="give the day it stopped as YYYY-MM-DD") from None
        service.update(ctx, ref, version=version, reopen=not ended and bool(current["ended_on"]), ended_on=ended, **fields)
    except errors.Invalid as exc:
        return _form_page(request, ctx, service_row=current, error=exc, typed=typed)
    except errors.Conflict as exc:
        return _form_page(request, ctx, service_row=current, error=errors.Invalid(str(exc), field="name" if "duplicate" in str(exc) else None), typed=typed)
    return RedirectResponse(f"/assets/{ref}?done=changed", status_code=303)
