"""Places as people know them: the loaded areas (districts, wards, LSOAs) a point lies in,
for tables (a hot cell in "Shirebrook East", a repeat location in "Arboretum"), and the
boundaries to draw under a map, named where they fit (``sara.report.pictures.Areas``).
Shared by the scanning and assessment jobs and by any face that draws a map."""

from __future__ import annotations

from sara import geo
from sara.report.pictures import Areas
from sara.services import Context
from sara.services.kept import kept

AREA_KINDS = ("district", "ward", "lsoa")  # coarse to fine; custom areas are drawn polygons, not a partition
MOST_LABELS = 40


def _read_kind(engine, kind: str) -> tuple | None:
    import numpy as np

    from sara.store import queries

    shapes = queries.area_shapes(engine, kind)
    names = dict(queries.areas(engine, kind).select("code", "name").iter_rows())
    codes = sorted(shapes)
    return (codes, [names.get(c) or c for c in codes], np.array([shapes[c] for c in codes])) if codes else None


class Places:
    """The loaded areas of each kind (codes, names, lon/lat shapes), read once per job and kept
    in the worker while the areas are unchanged (``sara.services.kept``): to name the places of
    a table and to draw the boundaries under a map."""

    def __init__(self, ctx: Context | None) -> None:
        self.ctx = ctx  # None: no areas (a points file), nothing named
        self.engine = ctx.engine if ctx is not None else None
        self._kinds: dict[str, tuple | None] = {}

    def kind(self, kind: str):
        """(codes, names, shapes) of the loaded areas of ``kind``, sorted by code; None if none."""
        if self.ctx is None:
            return None
        if kind not in self._kinds:
            self._kinds[kind] = kept(self.ctx, ("places", kind), lambda: _read_kind(self.ctx.engine, kind))
        return self._kinds[kind]

    def names(self, x, y, crs: str | None) -> dict[str, list]:
        """The name of the area of each loaded kind holding each point (x, y in ``crs``)."""
        import numpy as np

        found: dict[str, list] = {}
        if self.engine is None or crs is None or len(x) == 0:
            return found
        lon, lat = geo.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float), crs, geo.WGS84)
        for kind in AREA_KINDS:
            loaded = self.kind(kind)
            if loaded is None:
                continue
            _, names, shapes = loaded
            pts, polys = geo.locate(lon, lat, shapes)
            column = np.full(len(lon), None, dtype=object)
            column[pts] = np.array(names, dtype=object)[polys]
            found[kind] = column.tolist()
        return found

    def backdrop(self, crs: str | None, bounds, outline=None) -> Areas | None:
        """The boundaries to draw under a map of ``bounds`` (in ``crs``): the finest loaded
        kind with at most 40 areas in view, named; else the kind with fewest, unnamed. With
        an ``outline`` (the area chosen), only the areas mostly inside it."""
        import numpy as np
        import shapely

        if self.engine is None or crs is None:
            return Areas("area", outline=outline) if outline is not None else None
        view = shapely.segmentize(shapely.box(*bounds), max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1.0) / 20)
        view_lonlat = project(view if outline is None else outline, crs, geo.WGS84)
        best = None
        for kind in reversed(AREA_KINDS):
            loaded = self.kind(kind)
            if loaded is None:
                continue
            _, names, shapes = loaded
            hit = np.flatnonzero(shapely.intersects(shapes, view_lonlat))
            if outline is not None and len(hit):
                inside = shapely.area(shapely.intersection(shapes[hit], view_lonlat)) > 0.5 * shapely.area(shapes[hit])
                hit = hit[inside]
            if len(hit) and (best is None or len(hit) < len(best[1])):
                best = (kind, hit, names, shapes)
            if 0 < len(hit) <= MOST_LABELS:
                best = (kind, hit, names, shapes)
                break
        if best is None:
            return Areas("area", outline=outline) if outline is not None else None
        kind, hit, names, shapes = best
        labelled = len(hit) <= MOST_LABELS
        return Areas(kind, [project(shapes[i], geo.WGS84, crs) for i in hit], [names[i] if labelled else "" for i in hit], outline)

    def holding_most(self, ids) -> tuple[str, str, str] | None:
        """The coarsest loaded area holding most of the events ``ids``: (kind, code, name)."""
        import polars as pl

        from sara.store import queries

        if self.engine is None:
            return None
        for kind in AREA_KINDS:
            loaded = self.kind(kind)
            if loaded is None:
                continue
            placed = queries.event_areas(self.engine, kind).filter(pl.col("id").is_in(pl.Series(ids).implode()))
            if placed.height:
                code = placed["area"].value_counts(sort=True)["area"][0]
                codes, names, _ = loaded
                return kind, code, names[codes.index(code)] if code in codes else code
        return None

    def named(self, table, crs: str | None, x: str = "x", y: str = "y"):
        """``table`` with a column per loaded kind of area naming the area each row's point
        (``x``, ``y`` in ``crs``) lies in: district, ward, lsoa."""
        import polars as pl

        if x not in table.columns or table.height == 0:
            return table
        names = self.names(table[x].fill_null(float("nan")).to_numpy(), table[y].fill_null(float("nan")).to_numpy(), crs)
        return table.with_columns(pl.Series(kind, values, dtype=pl.String) for kind, values in names.items() if kind not in table.columns)


def boundaries(ctx: Context, crs: str, bounds: tuple[float, float, float, float]) -> Areas | None:
    """The loaded boundaries to draw under a map of ``bounds`` (in ``crs``), named: the
    finest kind with at most 40 areas in view (a premises map, a patrol map)."""
    return Places(ctx).backdrop(crs, bounds)


def project(geometry, src: str, dst: str):
    import numpy as np
    import shapely

    return shapely.transform(geometry, lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], src, dst)))
