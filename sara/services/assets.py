"""Asset mapping (issue 13, part 1): the organisations and services working in an area: what
each provides, to whom, where, when, contact and funding; gaps beside open problems
(``sara assets ...``, ``/assets``).

The rules are ``sara.casework.assets``'s: every signed-in partner reads the services, any
partner organisation records its own and only it changes them; a service works in the areas it
names, or the area holding its point. The maps' GeoJSON is WGS84, the loaded boundaries
drawn beneath (``sara.services.places``) so a map reads with no tile server.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely

from sara.casework import assets as cassets
from sara.errors import Invalid
from sara.report.export import csv_text
from sara.services import Context
from sara.services.places import Places

SIMPLIFY = 0.0002  # degrees (about 15 m): boundaries drawn on a page's map


def may_add(actor) -> bool:
    """Whether the page offers ``actor`` the form to add a service."""
    return cassets.may_add(actor)


def check_add(ctx: Context) -> None:
    """Refused (as adding would be) for one who may not record services: the add and import pages ask first."""
    cassets.check_add(ctx.actor)


def vocabulary(ctx: Context) -> dict:
    """The kinds of provision and the age groups (for forms and ``sara assets kinds``)."""
    cassets.check_read(ctx.actor)
    return cassets.vocabulary()


def add(ctx: Context, name: str, kinds, **fields) -> dict:
    """Record a service for the actor's organisation; the service as ``show`` gives it."""
    ref = cassets.add_service(ctx.engine, ctx.actor, name, kinds, now=ctx.now, **fields)
    return show(ctx, ref)


def update(ctx: Context, ref: str, *, version: int | None = None, reopen: bool = False, **changes) -> dict:
    """Change a service the actor's organisation keeps; the service, with what ``changed``."""
    done = cassets.update_service(ctx.engine, ctx.actor, ref, version=version, reopen=reopen, now=ctx.now, **changes)
    return {**show(ctx, ref), "changed": done["changed"]}


def list_services(ctx: Context, *, kind: str | None = None, area: str | None = None, age: str | None = None, mine: bool = False,
                  include_ended: bool = False) -> dict:  # fmt: skip
    """The services, each with the wards it works in, in order of area and name."""
    return cassets.list_services(ctx.engine, ctx.actor, kind=kind, area=area, age=age, mine=mine, include_ended=include_ended, today=ctx.now.date())


def show(ctx: Context, ref: str) -> dict:
    return cassets.show_service(ctx.engine, ctx.actor, ref, today=ctx.now.date())


def gaps(ctx: Context, *, district: str | None = None, level: str = "ward", age: str | None = None) -> dict:
    """Each area of the district by kind of provision and age group, the gaps, and the open problems beside them."""
    return cassets.gaps(ctx.engine, ctx.actor, district=district, level=level, age=age, today=ctx.now.date())


def import_csv(ctx: Context, path: str | Path | None = None, *, data: bytes | None = None, name: str | None = None) -> dict:
    """Add or update the actor's organisation's services from a CSV file (``path``) or its
    bytes (``data``, a page's upload): every row added, updated or rejected with its reason."""
    if data is None:
        if path is None:
            raise Invalid("no file given", field="file", fix="give the CSV file of services to import")
        try:
            data = Path(path).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise Invalid(f"no file {path}", field="file", fix="give the path of a CSV file of services") from None
    return cassets.import_csv(ctx.engine, ctx.actor, data, name=name or (Path(path).name if path else "the file"), now=ctx.now)


def export_csv(ctx: Context, *, mine: bool = False) -> str:
    """The services (every one, or the actor's organisation's) as a CSV the import reads back,
    its cells safe from spreadsheet formulas."""
    columns, rows = cassets.export_rows(ctx.engine, ctx.actor, mine=mine, today=ctx.now.date())
    return csv_text(columns, rows)


def _feature(geometry, properties: dict) -> dict:
    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(geometry)), "properties": properties}


def _backdrop(ctx: Context, shapes: list) -> dict:
    """The loaded boundaries around ``shapes`` (the finest kind with at most 40 in view), named."""
    features = []
    if shapes:
        x0, y0, x1, y1 = shapely.bounds(shapely.GeometryCollection(shapes)).tolist()
        pad = 0.01
        drawn = Places(ctx).backdrop("EPSG:4326", (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        if drawn is not None:
            features = [_feature(shapely.simplify(g, SIMPLIFY), {"name": n, "kind": drawn.kind}) for g, n in zip(drawn.shapes, drawn.names)]
    return {"type": "FeatureCollection", "features": features}


def map_data(ctx: Context, *, kind: str | None = None, area: str | None = None, age: str | None = None) -> dict:
    """What the services page's map draws: each service with a point as a point, each area a
    service names (its outline, with the services naming it), the boundaries beneath."""
    from sara.store import queries

    listed = list_services(ctx, kind=kind, area=area, age=age)
    points = [_feature(shapely.Point(s["lon"], s["lat"]), {"id": s["id"], "name": s["name"], "provider": s["provider"], "kinds": s["kind_labels"],
                                                           "opening": s["opening"]})
              for s in listed["services"] if s["lon"] is not None]  # fmt: skip
    named: dict[tuple[str, str], dict] = {}
    for s in listed["services"]:
        for a in s["areas"]:
            named.setdefault((a["kind"], a["code"]), {"name": a["name"], "kind": a["kind"], "services": []})["services"].append(
                {"id": s["id"], "name": s["name"]}
            )
    shapes = {}
    for k in {k for k, _ in named}:
        got = queries.area_shapes(ctx.engine, k)
        shapes.update({(k, c): got[c] for c in got if (k, c) in named})
    areas = [_feature(shapely.simplify(shapes[key], SIMPLIFY), {**v, "code": key[1]}) for key, v in named.items() if key in shapes]
    under = [shapely.Point(f["geometry"]["coordinates"]) for f in points] + [shapes[k] for k in named if k in shapes and k[0] != "district"]
    return {"points": {"type": "FeatureCollection", "features": points}, "areas": {"type": "FeatureCollection", "features": areas},
            "boundaries": _backdrop(ctx, under or [shapes[k] for k in named if k in shapes]), "services": listed["count"],
            "not_mapped": sum(1 for s in listed["services"] if s["lon"] is None and not s["areas"])}  # fmt: skip


def gaps_map(ctx: Context, *, district: str | None = None, level: str = "ward", age: str | None = None, kind: str | None = None) -> dict:
    """The district's areas as GeoJSON, each with the number of services of ``kind`` (every
    kind when none) and of open problems: the gaps page's map."""
    from sara.store import queries

    found = gaps(ctx, district=district, level=level, age=age)
    if kind:
        kind = cassets.choose([kind], found["kinds"], "kind", "kind of provision")[0]
    shapes = queries.area_shapes(ctx.engine, level)
    feats = [_feature(shapely.simplify(shapes[a["code"]], SIMPLIFY),
                      {"code": a["code"], "name": a["name"], "services": a["kinds"][kind] if kind else a["services"], "open_problems": a["open_problems"]})
             for a in found["areas"] if a["code"] in shapes]  # fmt: skip
    label = next((k["label"] for k in found["kinds"] if k["key"] == kind), None)
    return {
        "type": "FeatureCollection",
        "features": feats,
        "district": found["district"],
        "level": level,
        "kind": kind,
        "kind_label": label,
        "age": found["age"],
    }
