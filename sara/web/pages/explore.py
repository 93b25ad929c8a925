"""Explore (``/explore``): where, when and to whom it is happening. A Leaflet map of the
loaded areas with the hot spots, density, counts per cell or emerging hot spots over them,
filtered by category, area (by name) and months; beside it the views of the scanning jobs
(trends, months, when, repeats, near repeats, harm), each loaded when it is opened
(``/explore/<view>``, a whole page without htmx), each with its table, its picture and its
downloads: JSON ``/api/explore/<view>``, ``.csv``, ``.geojson`` where it has geometry, ``.png``.

One query string for everything (the filters and every view's settings): none of it is
personal data, so forms are GET and every link carries what the page was given. Each view
calls one service function (``sara.services.scan``; ``sara.services.explore`` for the
map's cells and its boundaries); a refusal comes back with the field it names marked.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from sara.errors import Invalid
from sara.report.pictures import CLASS_COLOURS, EMERGING_COLOURS
from sara.services import Context
from sara.services import explore as service
from sara.services import scan as services_scan
from sara.services.scan import Filters, Scan
from sara.web.auth import signed_in
from sara.web.charts import month_chart
from sara.web.render import errors_of, render

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]

# Every name the query string may carry, with its default (the form shows it).
DEFAULTS = {
    "category": "", "kind": "", "area": "", "from": "", "to": "",
    "layer": "gistar", "cell_size": "", "shape": "square", "bandwidth": "", "kernel": "quartic", "correction": "fdr", "period": "month",
    "trend_by": "crime_type", "trend_months": "12", "trend_end": "",
    "max_window_hours": "168",
    "repeat_of": "location", "repeat_threshold": "3", "repeat_months": "6",
    "spatial_bandwidth": "100", "spatial_bands": "5", "temporal_bandwidth": "7", "temporal_bands": "4", "distance": "euclidean", "permutations": "99",
    "harm_by": "lsoa", "compare_from": "", "compare_to": "",
    "outcome_by": "crime_type", "operation": "",
}  # fmt: skip
MAP_FIELDS = ("layer", "cell_size", "shape", "bandwidth", "kernel", "correction", "period")
FILTER_FIELDS = ("category", "kind", "area", "from", "to")
SHOWN_ROWS = 50
PARAMETERS = [{"name": k, "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}} if k == "category" else {"type": "string"},
               "description": f"default {v!r}" if v else "optional"} for k, v in DEFAULTS.items()]  # fmt: skip


class Query:
    """The query string as typed (``raw``, for the forms and links) and read as numbers
    and choices, each refusal naming its field."""

    def __init__(self, params) -> None:
        self.categories = [c for c in params.getlist("category") if c.strip()] if hasattr(params, "getlist") else []
        self.raw = {k: (str(params.get(k)) if params.get(k) is not None else v) for k, v in DEFAULTS.items()}
        self.raw["category"] = self.categories[0] if self.categories else ""

    def text(self, name: str) -> str | None:
        value = self.raw.get(name, "").strip()
        return value or None

    def number(self, name: str, whole: bool = False):
        """The number given (its default when left empty; None when that is empty too: automatic)."""
        value = self.text(name) or DEFAULTS.get(name) or None
        if value is None:
            return None
        try:
            return int(value) if whole else float(value)
        except ValueError:
            raise Invalid(f"{value!r} is not a {'whole ' if whole else ''}number", field=name, fix=f"give a number, e.g. {DEFAULTS.get(name) or 250}") from None

    def pairs(self, drop: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The settings that differ from the defaults, as query pairs."""
        out = [("category", c) for c in self.categories if "category" not in drop]
        out += [(k, v) for k, v in self.raw.items() if k != "category" and k not in drop and v.strip() and v != DEFAULTS[k]]
        return out

    def string(self, drop: tuple[str, ...] = (), **extra) -> str:
        return urlencode(self.pairs(drop) + [(k, v) for k, v in extra.items() if v is not None])


def _filters(ctx: Context, q: Query, known: dict | None = None) -> Filters:
    return service.filters(
        ctx, categories=q.categories, kind=q.text("kind") or "district", area=q.text("area"), start=q.text("from"), end=q.text("to"), known=known
    )


FINER = {None: "district", "district": "ward", "ward": "lsoa", "lsoa": "lsoa", "custom": "lsoa"}


def _drawn_kind(q: Query, f: Filters | None) -> str:
    """The boundaries the map draws: those asked for, else the kind finer than the area chosen (districts for the whole force)."""
    chosen = service.area_of(f) if f else None
    return q.text("kind") or FINER.get(chosen[0] if chosen else None, "lsoa")


# --- the views ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One view of the events: its heading, the one service it calls, the settings it
    takes (service field -> form field), whether it has geometry, the columns it shows."""

    name: str
    title: str
    call: Callable[[Context, Query, Filters, bool], Scan]
    fields: dict[str, str] = field(default_factory=dict)
    geometry: bool = False
    columns: tuple[tuple[str, str], ...] = ()


def _hotspots(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return service.map_layer(ctx, filters=f, layer=q.raw["layer"], cell_size=q.number("cell_size"), shape=q.raw["shape"], bandwidth=q.number("bandwidth"),
                             kernel=q.raw["kernel"], correction=q.raw["correction"], period=q.raw["period"], picture=picture)  # fmt: skip


def _trends(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return service.trends(ctx, filters=f, by=q.raw["trend_by"], end=q.text("trend_end") and service.month(q.text("trend_end"), "trend_end"),
                                months=q.number("trend_months", whole=True), picture=picture)  # fmt: skip


def _monthly(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return service.trends(ctx, filters=f, by=q.raw["trend_by"], monthly=True, picture=picture)


def _times(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return service.times(ctx, filters=f, max_window_hours=q.number("max_window_hours"), picture=picture)


def _repeats(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return services_scan.repeats(ctx, filters=f, of=q.raw["repeat_of"], threshold=q.number("repeat_threshold", whole=True),
                                 months=q.number("repeat_months", whole=True), picture=picture)  # fmt: skip


def _near_repeats(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return service.near_repeat(ctx, filters=f, spatial_bandwidth=q.number("spatial_bandwidth"), spatial_bands=q.number("spatial_bands", whole=True),
                               temporal_bandwidth=q.number("temporal_bandwidth"), temporal_bands=q.number("temporal_bands", whole=True),
                               distance=q.raw["distance"], permutations=q.number("permutations", whole=True), picture=picture)  # fmt: skip


def _harm(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    return service.harm(ctx, filters=f, by=q.raw["harm_by"], compare_from=service.month(q.text("compare_from"), "compare_from"),
                              compare_to=service.month(q.text("compare_to"), "compare_to"), features=True, picture=picture)  # fmt: skip


# --- the outcomes tab (sara.services.outcomes): a Scan whose JSON is `sara outcomes --json` -----------


def _outcomes(ctx, q: Query, f: Filters, picture: bool) -> Scan:
    from sara.services import outcomes

    return outcomes.explore_view(ctx, by=q.raw["outcome_by"], start=f.start, end=f.end, area=f.area, category=list(f.categories or ()) or None,
                                 operation=q.text("operation"), picture_too=picture)  # fmt: skip


def _outcomes_extra(ctx: Context, scan: Scan | None) -> dict:
    """The outcome tab's choices (groupings, the operations the reader may read) and the arrests table beside the rates."""
    from sara.services import outcomes

    arrests = scan.data.get("arrests") if scan is not None and scan.data else None
    shown = None
    if arrests:
        shown = {"columns": [("outcome", "Outcome"), *((c, c) for c in arrests["columns"]), ("Total", "Total"), ("%", "% of PACE")], "rows": arrests["rows"]}
    offered = outcomes.choices(ctx)
    mix = scan.data["overall_mix"] if scan and scan.data else []
    return {"by": offered["by"], "operations": [("", "None"), *((o, o) for o in offered["operations"])], "arrests": shown, "mix": mix,
            "mix_columns": [("outcome", "Last outcome"), ("label", "Group"), ("crimes", "Crimes")]}  # fmt: skip


OUTCOME_COLUMNS = (("crime_type", "Crime type"), ("area", "District"), ("district", "District"), ("ward", "Ward"), ("lsoa", "LSOA"), ("year", "Year"),
                   ("code", "Code"), ("crimes", "Crimes"), ("detected", "Detected"), ("detection_rate", "Detection rate"),
                   ("detection_rate_closed", "Rate of closed"), ("under_investigation", "Open"), ("unknown", "No status"))  # fmt: skip

PLACES = (("ward", "Ward"), ("lsoa", "LSOA"), ("district", "District"))
VIEWS = {
    v.name: v
    for v in (
        View("hotspots", "Map cells", _hotspots, {"area": "area"}, True,
             (("ward", "Ward"), ("lsoa", "LSOA"), ("n", "Events"), ("class", "Gi* class"), ("z", "Gi* z"), ("density", "Events per km²"),
              ("category", "Emerging category"), ("periods_hot", "Periods hot"))),
        View("trends", "Trends", _trends, {"by": "trend_by", "months": "trend_months", "end": "trend_end"}, False,
             (("category", "Category"), ("area", "Code"), ("name", "Area"), ("current", "Current period"), ("previous", "Previous period"),
              ("change", "Change"), ("change_pct", "Change %"))),
        View("monthly", "Per month", _monthly, {"by": "trend_by"}, False,
             (("month", "Month"), ("category", "Category"), ("area", "Code"), ("name", "Area"), ("events", "Events"), ("rolling_sum", "Rolling 12-month sum"))),
        View("times", "When", _times, {"max_window_hours": "max_window_hours"}, False,
             (("name", "Month"), ("events", "Events"), ("occurrences", "Years"), ("mean", "Mean"), ("index", "Index"))),
        View("repeats", "Repeats", _repeats, {"of": "repeat_of", "threshold": "repeat_threshold", "months": "repeat_months"}, False,
             (("rank", "Rank"), ("place", "Location (police.uk)"), ("premises_ref", "Premises"), ("victim_ref", "Victim"), ("suspect_ref", "Suspect"),
              ("events", "Events"), ("max_in_window", "Most in a window"), *PLACES, ("first", "First"), ("last", "Last"))),
        View("near-repeats", "Near repeats", _near_repeats,
             {k: k for k in ("spatial_bandwidth", "spatial_bands", "temporal_bandwidth", "temporal_bands", "distance", "permutations")}, False,
             (("space_band", "Distance"), ("time_band", "Days apart"), ("observed", "Observed pairs"), ("expected", "Expected"), ("ratio", "Ratio"), ("p", "p"))),
        View("harm", "Harm", _harm, {"by": "harm_by", "compare_from": "compare_from", "compare_to": "compare_to"}, True,
             (("rank", "Rank"), ("name", "Area"), ("area", "Code"), ("events", "Events"), ("harm", "Harm (days)"), ("harm_per_1000", "Per 1,000 residents"),
              ("share", "Share"), ("rank_earlier", "Earlier rank"), ("rank_change", "Rank change"))),
        View("outcomes", "Outcomes", _outcomes, {"by": "outcome_by", "operation": "operation"}, False, OUTCOME_COLUMNS),
    )
}  # fmt: skip
TABS = ("trends", "monthly", "times", "repeats", "near-repeats", "harm", "outcomes")


def _run(ctx: Context, view: View, q: Query, picture: bool = False, known: dict | None = None) -> Scan:
    """The view's one service call, its refusals naming the form's field."""
    try:
        return view.call(ctx, q, _filters(ctx, q, known), picture)
    except Invalid as exc:
        exc.field = view.fields.get(exc.field, exc.field)
        raise


# --- the page ---------------------------------------------------------------------------------------


def _map_data(q: Query, known: dict, f: Filters | None, tile_url: str | None) -> dict:
    colours = CLASS_COLOURS if q.raw["layer"] == "gistar" else EMERGING_COLOURS if q.raw["layer"] == "emerging" else {}
    within = f.area if f else None
    return {
        "areas": "/api/explore/areas?" + urlencode([("kind", _drawn_kind(q, f))] + ([("area", within)] if within else [])), "kind": _drawn_kind(q, f),
        "cells": ("/api/explore/hotspots.geojson?" + q.string(cells="busy")) if f else "",
        "layer": q.raw["layer"], "colours": colours, "tile_url": tile_url or "",
    }  # fmt: skip


@router.get("/explore", include_in_schema=False)
def explore_page(request: Request, ctx: Signed):
    q = Query(request.query_params)
    known = service.options(ctx)
    layer, f, error = None, None, None
    try:
        f = _filters(ctx, q, known)
        layer = _run(ctx, VIEWS["hotspots"], q, known=known)
    except Invalid as exc:
        error = exc
    return render(request, "explore/page.html", title="Explore", wide=True, status_code=422 if error else 200, errors=errors_of(error),
                  q=q, known=known, filters=f, layer=layer, summary=_layer_summary(layer, q.raw["layer"]) if layer else None,
                  map=_map_data(q, known, f if error is None else None, request.app.state.tile_url), views=VIEWS, tabs=TABS,
                  layers=service.LAYERS, query=q.string())  # fmt: skip


def _layer_summary(scan: Scan, layer: str) -> dict:
    """How many cells fall in each class, and the ten cells that matter most, for the table beside the map."""
    import polars as pl

    t = scan.result.table
    column = "class" if "class" in t.columns and layer == "gistar" else "category" if "category" in t.columns else None
    if column:
        quiet = "not significant" if column == "class" else "no pattern detected"
        counts = t[column].cast(pl.String).value_counts(sort=True).rows()
        top = t.filter(pl.col(column).cast(pl.String) != quiet).sort("z" if "z" in t.columns else "n", descending=True)
    else:
        counts = []
        top = t.sort("density" if layer == "kde" else "n", descending=True).filter(pl.col("n") > 0)
    shown = [c for c in ("n", "z" if layer == "gistar" else None, "density" if layer == "kde" else None, column) if c and c in t.columns]
    places = [c for c in ("ward", "lsoa") if c in t.columns]
    rows = [{"where": ", ".join(r[c] for c in places if r.get(c)) or "outside the loaded areas"} | {c: r[c] for c in shown} for r in top.head(10).to_dicts()]
    labels = dict(VIEWS["hotspots"].columns) | {"where": "Where"}
    return {
        "counts": counts,
        "rows": service.plain(rows),
        "columns": [(c, labels.get(c, c)) for c in ("where", *shown)],
        "cells": t.height,
        "marked": top.height,
    }


@router.get("/explore/{name}", include_in_schema=False)
def view_page(request: Request, ctx: Signed, name: str):
    view = VIEWS.get(name)
    if view is None or name == "hotspots":
        from sara.errors import NotFound

        raise NotFound("there is no such view of Explore: choose one from its tabs")
    q = Query(request.query_params)
    scan, error = None, None
    try:
        scan = _run(ctx, view, q)
    except Invalid as exc:
        error = exc
    partial = request.headers.get("hx-request") == "true"
    return render(request, "explore/view.html", title=view.title, wide=True, status_code=422 if error else 200, errors=errors_of(None if partial else error),
                  error=error, field_errors=errors_of(error)["fields"], partial=partial, view=view, q=q, scan=scan, shown=_shown(view, scan) if scan else None,
                  chart=_chart(view, scan) if scan else None, query=q.string(), SHOWN_ROWS=SHOWN_ROWS,
                  outcomes=_outcomes_extra(ctx, scan) if name == "outcomes" else None)  # fmt: skip


def _shown(view: View, scan: Scan) -> dict:
    """The columns of the view's table the page shows (those the result has, with data), and its first rows."""
    t = scan.result.table
    columns = [(c, label) for c, label in view.columns if c in t.columns and t[c].null_count() < t.height]
    if view.name == "times" and "day" in t.columns:
        columns = [(c, c) for c in t.columns]
    return {"columns": columns, "rows": service.plain(t.head(SHOWN_ROWS).to_dicts()), "total": t.height}


def _chart(view: View, scan: Scan) -> dict | None:
    """The monthly series as an SVG bar chart (the sum of every series in the table)."""
    if view.name != "monthly":
        return None
    totals: dict[str, int] = {}
    for row in scan.result.table.select("month", "events").iter_rows():
        key = str(row[0])[:7]
        totals[key] = totals.get(key, 0) + (row[1] or 0)
    return month_chart([{"month": m, "events": n} for m, n in sorted(totals.items())])


# --- the JSON twins and downloads -----------------------------------------------------------------------


def _api_query(request: Request) -> Query:
    return Query(request.query_params)


@router.get("/api/explore", tags=["explore"], openapi_extra={"parameters": PARAMETERS[:5]})
def api_explore(request: Request, ctx: Signed) -> dict:
    """The Explore page's choices (categories, months, areas by name) and the filters the
    query string gives, checked (``category``, ``kind``, ``area`` by name, ``from``, ``to``)."""
    q = _api_query(request)
    known = service.options(ctx)
    f = _filters(ctx, q, known)
    return {"options": known, "filters": service.plain(vars(f)), "views": {n: f"/api/explore/{n}" for n in VIEWS}}


@router.get("/api/explore/areas", tags=["explore"], response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {}}, "description": "A GeoJSON FeatureCollection of the areas"}})
def api_areas(ctx: Signed, kind: str = "district", area: str | None = None) -> Response:
    """The loaded areas of ``kind`` (district, ward, lsoa) as GeoJSON, named: the map's base
    layer; with ``area`` (``kind:code``) only those mostly inside it, and it marked ``chosen``."""
    return JSONResponse(service.areas(ctx, kind, area or None), media_type="application/geo+json")


def _download_name(view: View, suffix: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="sara-{view.name}.{suffix}"'}


def _add_api(view: View) -> None:
    def as_json(request: Request, ctx: Signed) -> dict:  # the schema's type; the body is sent encoded
        scan = _run(ctx, view, _api_query(request))
        return Response(scan.encoded("json", lambda: JSONResponse(service.plain(scan.to_dict())).body), media_type="application/json")

    def as_csv(request: Request, ctx: Signed) -> Response:
        from sara.report import export

        columns, rows = export.frame_rows(_run(ctx, view, _api_query(request)).result.table)
        return Response(export.csv_text(columns, rows), media_type="text/csv; charset=utf-8", headers=_download_name(view, "csv"))

    def as_png(request: Request, ctx: Signed) -> Response:
        from sara.report import pictures

        scan = _run(ctx, view, _api_query(request), picture=True)
        if scan.picture is None:
            raise Invalid("this view has no picture", fix="download its CSV or JSON")
        with tempfile.TemporaryDirectory(prefix="sara-png-") as folder:
            path = pictures.draw(scan.picture, Path(folder) / "picture.png")
            body = path.read_bytes()
        return Response(body, media_type="image/png", headers={"Content-Disposition": f'inline; filename="sara-{view.name}.png"'})

    def as_geojson(request: Request, ctx: Signed) -> Response:
        q = _api_query(request)
        scan = _run(ctx, view, q)
        busy = request.query_params.get("cells") == "busy"
        body = scan.encoded(("geojson", busy), lambda: JSONResponse(service.feature_collection(scan.features, service.busy(scan) if busy else None)).body)
        return Response(body, media_type="application/geo+json", headers=_download_name(view, "geojson"))

    extra = {"parameters": PARAMETERS}
    words = f"the {view.title.lower()} view of Explore, for the same query string as the page (filters: category, kind, area by name, from, to; and the view's settings)"
    base = f"/api/explore/{view.name}"
    as_json.__doc__ = f"JSON of {words}: the service's params, left_out, notes and rows."
    as_csv.__doc__ = f"CSV of {words}: every row of its table."
    as_png.__doc__ = f"PNG picture of {words}."
    router.add_api_route(base, as_json, methods=["GET"], tags=["explore"], name=f"explore_{view.name}", openapi_extra=extra)
    router.add_api_route(
        base + ".csv", as_csv, methods=["GET"], tags=["explore"], name=f"explore_{view.name}_csv", response_class=Response, openapi_extra=extra
    )
    router.add_api_route(
        base + ".png", as_png, methods=["GET"], tags=["explore"], name=f"explore_{view.name}_png", response_class=Response, openapi_extra=extra
    )
    if view.geometry:
        as_geojson.__doc__ = f"GeoJSON (lon/lat) of {words}, one feature per row; cells=busy keeps the cells with events or a class."
        router.add_api_route(
            base + ".geojson", as_geojson, methods=["GET"], tags=["explore"], name=f"explore_{view.name}_geojson", response_class=Response, openapi_extra=extra
        )


for _view in VIEWS.values():
    _add_api(_view)
