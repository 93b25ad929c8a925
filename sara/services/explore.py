"""What the Explore page needs besides the scans themselves (``sara.services.scan``): the
choices of its form (the loaded categories, months and areas by name), the filters it was
given checked field by field (``filters``), the loaded boundaries as GeoJSON for the map's
base layer (``areas``), the map's layer (``map_layer``: hot spots, density, counts or
emerging hot spots), and the tabs' scans that are the same for every reader (``trends``,
``times``, ``harm``, ``near_repeat``: counts of events), each kept while the data is unchanged
(``sara.services.kept``), so the page and the map's own fetch of the same cells scan once and
the next reader of a tab does not read the force's events again. Repeats are not kept: their
references are shown as each reader may see them, and audited, on every read.

Nothing here is personal data: categories, months, area names and grid cells. A map may
not ask for more grid cells than a browser can draw (``MAX_CELLS``), nor a near-repeat test
for more permutations than a request can wait for (``MAX_PERMUTATIONS``).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from sqlalchemy import func, select

from sara import geo
from sara.errors import Invalid
from sara.report.outputs import Features
from sara.services import Context
from sara.services import scan as services_scan
from sara.services.kept import kept
from sara.services.places import AREA_KINDS
from sara.services.scan import Filters, Scan

LAYERS = {"gistar": "Hot and cold spots (Gi*)", "kde": "Density (KDE)", "counts": "Events per cell", "emerging": "Emerging hot spots"}
MAX_CELLS = 100_000
MAX_PERMUTATIONS = 9_999
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# --- the form's choices ------------------------------------------------------------------------


def options(ctx: Context) -> dict:
    """The categories loaded (with their events), the first and last month, and the areas of
    each loaded kind as the form lists them: ``{"label", "name", "code", "kind"}``, the label
    the name alone unless another loaded area has it too (then with its kind, or its code).
    Kept while the data is unchanged: do not change what it returns."""
    return kept(ctx, "explore options", lambda: _options(ctx))


def _options(ctx: Context) -> dict:
    from sara.store import queries
    from sara.store.schema.events import Event

    with ctx.engine.connect() as conn:
        counted = conn.execute(select(Event.category, func.count()).group_by(Event.category).order_by(func.count().desc())).all()
    months = queries.month_range(ctx.engine)
    return {
        "categories": [{"name": c, "events": n} for c, n in counted if c],
        "months": {"first": months[0], "last": months[1]} if months else None,
        "areas": _labelled({kind: queries.areas(ctx.engine, kind) for kind in AREA_KINDS}),
    }


def _labelled(tables: dict) -> dict[str, list[dict]]:
    from collections import Counter

    rows = [{"kind": kind, "code": c, "name": n or c} for kind, table in tables.items() for c, n in table.select("code", "name").iter_rows()]
    anywhere = Counter(r["name"].casefold() for r in rows)
    within = Counter((r["kind"], r["name"].casefold()) for r in rows)
    for r in rows:
        key = r["name"].casefold()
        r["label"] = r["name"] if anywhere[key] == 1 else f"{r['name']} ({r['kind']})" if within[(r["kind"], key)] == 1 else f"{r['name']} ({r['code']})"
    return {kind: sorted((r for r in rows if r["kind"] == kind), key=lambda r: r["label"].casefold()) for kind in tables}


# --- the filters, checked ------------------------------------------------------------------------


def month(value: str | None, field: str) -> str | None:
    """``YYYY-MM`` (or an empty value) as it stands, else ``Invalid`` naming ``field``."""
    if value is None or not str(value).strip():
        return None
    m = _MONTH.match(str(value).strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise Invalid(f"{value!r} is not a month", field=field, fix="write it as YYYY-MM, e.g. 2025-03")
    return m.group(0)


def filters(ctx: Context, *, categories: list[str] | None = None, kind: str = "district", area: str | None = None,
            start: str | None = None, end: str | None = None, known: dict | None = None) -> Filters:  # fmt: skip
    """The ``Filters`` of the form's values, each checked against what is loaded, with the
    form field at fault: ``category``, ``kind`` (the boundaries drawn), ``area`` (a name, a
    label of ``options`` or a code, of any kind), ``from`` and ``to`` (months, from not after to)."""
    known = known or options(ctx)
    if kind not in AREA_KINDS:
        raise Invalid(f"unknown kind of area {kind!r}", field="kind", fix="choose district, ward or lsoa")
    loaded = {c["name"] for c in known["categories"]}
    chosen = tuple(c for c in (categories or []) if c and c.strip())
    for c in chosen:
        if c not in loaded:
            raise Invalid(f"no events of category {c!r} are loaded", field="category", fix="choose a category from the list")
    found = find_area(known, area, prefer=kind) if area and area.strip() else None
    first, last = month(start, "from"), month(end, "to")
    if first and last and first > last:
        raise Invalid(f"the period starts ({first}) after it ends ({last})", field="to", fix="give a last month on or after the first")
    return Filters(chosen or None, f"{found['kind']}:{found['code']}" if found else None, first, last)


def find_area(known: dict, text: str, prefer: str | None = None) -> dict:
    """The loaded area called ``text``: its label, name or code, any case, of any kind (of
    ``prefer`` when a name is used by areas of several kinds)."""
    wanted = text.strip().casefold()
    rows = [r for kind in AREA_KINDS for r in known["areas"].get(kind, [])]
    for key in ("label", "code"):
        hit = [r for r in rows if r[key].casefold() == wanted]
        if len(hit) == 1:
            return hit[0]
    named = [r for r in rows if r["name"].casefold() == wanted]
    if len(named) > 1:
        named = [r for r in named if r["kind"] == prefer] or named
    if len(named) == 1:
        return named[0]
    if named:
        raise Invalid(f"{len(named)} loaded areas are called {text.strip()!r}", field="area", fix=f"choose one from the list, e.g. {named[0]['label']!r}")
    like = [r["label"] for r in rows if wanted and wanted in r["label"].casefold()][:3]
    hint = f"; did you mean {', '.join(repr(x) for x in like)}?" if like else ""
    raise Invalid(f"no loaded area is called {text.strip()!r}", field="area", fix=f"choose a name from the list{hint}" if rows else "no areas are loaded")


def area_of(f: Filters) -> tuple[str, str] | None:
    """(kind, code) of the filters' area."""
    if not f.area:
        return None
    kind, _, code = f.area.partition(":")
    return kind, code


# --- the map's base layer ----------------------------------------------------------------------------


def areas(ctx: Context, kind: str, within: str | None = None) -> dict:
    """The loaded areas of ``kind`` as a GeoJSON FeatureCollection (lon/lat, simplified to
    about 10 m), each with its ``code`` and ``name``; with ``within`` (``kind:code`` of an
    area), only the areas mostly inside it, and that area itself marked ``chosen``."""
    import numpy as np
    import shapely

    from sara.store import queries

    if kind not in AREA_KINDS:
        raise Invalid(f"unknown kind of area {kind!r}", field="kind", fix="choose district, ward or lsoa")
    shapes = queries.area_shapes(ctx.engine, kind)
    names = dict(queries.areas(ctx.engine, kind).select("code", "name").iter_rows())
    codes = sorted(shapes)
    geoms = np.array([shapes[c] for c in codes], dtype=object)
    chosen = None
    if within:
        other_kind, _, other_code = within.partition(":")
        found = queries.area_shapes(ctx.engine, other_kind).get(other_code)
        if found is None:
            raise Invalid(f"no loaded area {within!r}", field="area", fix="choose a name from the list")
        chosen = found
        if len(codes):
            hit = shapely.intersects(geoms, found)
            inside = np.zeros(len(codes), dtype=bool)
            inside[hit] = shapely.area(shapely.intersection(geoms[hit], found)) > 0.5 * shapely.area(geoms[hit])
            codes, geoms = [c for c, keep in zip(codes, inside) if keep], geoms[inside]
    features = [_feature(g, {"code": c, "name": names.get(c) or c, "kind": kind}) for c, g in zip(codes, geoms)]
    if chosen is not None:
        other_names = names if other_kind == kind else dict(queries.areas(ctx.engine, other_kind).select("code", "name").iter_rows())
        features.append(_feature(chosen, {"code": other_code, "name": other_names.get(other_code) or other_code, "kind": other_kind, "chosen": True}))
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry, properties: dict) -> dict:
    import json

    import shapely

    small = shapely.set_precision(shapely.simplify(geometry, 0.0001, preserve_topology=True), 1e-5)
    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(small)), "properties": properties}


# --- the map's layer -------------------------------------------------------------------------------------


def map_layer(ctx: Context, *, filters: Filters = Filters(), layer: str = "gistar", cell_size: float | None = None, shape: str = "square",
              bandwidth: float | None = None, kernel: str = "quartic", correction: str = "fdr", period: str = "month",
              picture: bool = False) -> Scan:  # fmt: skip
    """The map's cells: Gi* classes (``gistar``; ``counts`` is the same grid, drawn by its
    events per cell), kernel density (``kde``) or emerging hot spots (``emerging``), always with
    their features; the same answer for the same data and settings is kept two minutes."""
    if layer not in LAYERS:
        raise Invalid(f"unknown map layer {layer!r}", field="layer", fix=f"choose {', '.join(LAYERS)}")
    if cell_size is not None:
        check_cells(ctx, filters, cell_size, shape)
    if layer == "emerging":

        def run() -> Scan:
            return services_scan.emerging(ctx, filters=filters, cell_size=cell_size, shape=shape, correction=correction, period=period,
                                          features=True, picture=picture)  # fmt: skip

        settings = (cell_size, shape, correction, period)
    elif layer == "kde":

        def run() -> Scan:
            return services_scan.hotspots(ctx, filters=filters, method="kde", cell_size=cell_size, shape=shape, bandwidth=bandwidth, kernel=kernel,
                                          features=True, picture=picture)  # fmt: skip

        settings = (cell_size, shape, bandwidth, kernel)
    else:

        def run() -> Scan:
            return services_scan.hotspots(ctx, filters=filters, method="gistar", cell_size=cell_size, shape=shape, correction=correction,
                                          features=True, picture=picture)  # fmt: skip

        settings = (cell_size, shape, correction)
    if picture:
        return run()
    return kept(ctx, ("map layer", filters, "kde" if layer == "kde" else layer if layer == "emerging" else "gistar", settings), run)


def check_cells(ctx: Context, f: Filters, cell_size: float, shape: str = "square") -> None:
    """``Invalid`` (field ``cell_size``) when a grid of ``cell_size`` metres over the events
    the filters choose would have more than ``MAX_CELLS`` cells, saying the smallest size that fits."""
    from sqlalchemy import and_

    from sara.store.schema.events import Area, Event, EventArea

    if not (isinstance(cell_size, int | float) and math.isfinite(cell_size) and cell_size > 0):
        return  # the scan words what is wrong with it
    q = select(func.min(Event.x), func.max(Event.x), func.min(Event.y), func.max(Event.y)).where(Event.x.is_not(None), Event.y.is_not(None))
    if f.categories:
        q = q.where(Event.category.in_(f.categories))
    if f.start:
        q = q.where(Event.month >= dt.date(int(f.start[:4]), int(f.start[5:7]), 1))
    if f.end:
        q = q.where(Event.month <= dt.date(int(f.end[:4]), int(f.end[5:7]), 1))
    if f.area:
        kind, code = area_of(f)
        q = q.join(EventArea, EventArea.event_id == Event.id).join(Area, and_(Area.id == EventArea.area_id, Area.kind == kind, Area.code == code))
    with ctx.engine.connect() as conn:
        xmin, xmax, ymin, ymax = conn.execute(q).one()
    if xmin is None:
        return
    width, height = 1.1 * (xmax - xmin) + cell_size, 1.1 * (ymax - ymin) + cell_size
    cells = math.ceil(width / cell_size) * math.ceil(height / cell_size) * (1.2 if shape == "hex" else 1)
    if cells > MAX_CELLS:
        smallest = math.ceil(math.sqrt(width * height * (1.2 if shape == "hex" else 1) / MAX_CELLS) / 10) * 10
        raise Invalid(f"a {cell_size:g} m grid over these events has about {cells:,.0f} cells, more than the map can draw ({MAX_CELLS:,})",
                      field="cell_size", fix=f"give a cell size of at least {smallest:,} m, or choose an area")  # fmt: skip


def near_repeat(ctx: Context, *, filters: Filters = Filters(), permutations: int = 99, picture: bool = False, **bands) -> Scan:
    """``sara.services.scan.near_repeat`` with at most ``MAX_PERMUTATIONS`` permutations: a
    page waits for its answer. Kept: the next reader gets the same permutations' answer."""
    if isinstance(permutations, int) and permutations > MAX_PERMUTATIONS:
        raise Invalid(f"{permutations:,} permutations take too long for a page", field="permutations",
                      fix=f"give at most {MAX_PERMUTATIONS:,}, or run sara near-repeat for more")  # fmt: skip
    return _kept_scan(ctx, services_scan.near_repeat, filters, picture, permutations=permutations, **bands)


def trends(ctx: Context, *, filters: Filters = Filters(), picture: bool = False, **settings) -> Scan:
    """``sara.services.scan.trends`` (counts by category or area, or per month), kept."""
    return _kept_scan(ctx, services_scan.trends, filters, picture, **settings)


def times(ctx: Context, *, filters: Filters = Filters(), picture: bool = False, **settings) -> Scan:
    """``sara.services.scan.times`` (events by day and hour, or by month of year), kept."""
    return _kept_scan(ctx, services_scan.times, filters, picture, **settings)


def harm(ctx: Context, *, filters: Filters = Filters(), picture: bool = False, **settings) -> Scan:
    """``sara.services.scan.harm`` (harm by area), kept."""
    return _kept_scan(ctx, services_scan.harm, filters, picture, **settings)


def _kept_scan(ctx: Context, call, filters: Filters, picture: bool, **settings) -> Scan:
    """``call``'s scan of the events, kept while the data is unchanged: it reads no personal
    data and does not depend on who asks (nor on the day), so every reader may share it; a
    setting that cannot be part of a key (a list, say) is computed afresh."""
    run = lambda: call(ctx, filters=filters, picture=picture, **settings)  # noqa: E731
    key = (call.__name__, filters, picture, tuple(sorted(settings.items())))
    try:
        hash(key)
    except TypeError:
        return run()
    return kept(ctx, key, run)


# --- answers as plain JSON ------------------------------------------------------------------------------


def plain(value):
    """``value`` as JSON can hold it: dates as ISO text, NaN and infinity as null, NumPy
    numbers as numbers, anything else unknown as text."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return plain(value.item())
    return str(value)


def feature_collection(features: Features, keep=None) -> dict:
    """A scan's rows with their geometry as a GeoJSON FeatureCollection (lon/lat, RFC 7946),
    as ``sara.report.outputs.write_geojson`` writes it; ``keep`` a boolean mask of the rows."""
    import json

    import numpy as np
    import shapely

    table, geometries = features.table, features.geometries
    if keep is not None:
        mask = np.asarray(keep, dtype=bool)
        table, geometries = table.filter(mask), geometries[mask]
    lonlat = shapely.transform(geometries, lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], features.crs, geo.WGS84)))
    texts = shapely.to_geojson(shapely.set_precision(lonlat, 1e-6)) if len(lonlat) else []
    rows = plain(table.to_dicts())
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": json.loads(t), "properties": r} for t, r in zip(texts, rows)]}
    if features.params:
        collection["sara"] = {"params": plain(features.params), "crs_of_x_y": features.crs}
    return collection


def busy(scan: Scan):
    """A mask of the rows of a map layer worth drawing: cells with events, with density, or
    marked hot, cold or emerging."""
    import numpy as np
    import polars as pl

    t = scan.result.table
    keep = (t["n"] > 0).to_numpy() if "n" in t.columns else np.zeros(t.height, dtype=bool)
    for column, quiet in (("class", "not significant"), ("category", "no pattern detected")):
        if column in t.columns:
            keep |= (t[column].cast(pl.String) != quiet).to_numpy()
    if "density" in t.columns:
        keep |= (t["density"].fill_null(0) > 0).to_numpy()
    return keep
