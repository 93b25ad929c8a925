"""The scanning jobs, one function each, shared by every face: where it is happening
(``hotspots``, ``emerging``), when (``times``), is it getting worse (``trends``), who and
where keeps being hit (``repeats``, ``near_repeat``), which of it hurts most (``harm``),
and how well a map would have predicted it (``accuracy``).

Each takes a ``Context`` (the database; nobody need be signed in to scan) or, reading a
plain CSV of points instead (``Points``), None; the same ``Filters``; and its method's own
parameters. It returns a ``Scan``: the result (table, parameters, what was left out,
notes), the rows' geometry where they have one (``features=True``: for GeoJSON) and the
picture (``picture=True``). The analytics are the pure functions of ``sara.scan``; this
module chooses the events, names places by the loaded areas they fall in, draws maps over
the loaded boundaries, words the pictures and warns when a few far-flung events stretch a
grid (``sara.scan.spread``). Errors name the field at fault (``Invalid.field``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from sara import geo
from sara.errors import Invalid
from sara.report import words
from sara.report.outputs import Features
from sara.report.pictures import EMERGING_COLOURS, Picture
from sara.scan.result import Note, ScanError, ScanResult
from sara.services import Context
from sara.services.kept import kept
from sara.services.places import AREA_KINDS, Places, project

# "offender": the suspect references of events (police.uk's word for whoever the crime is charged to).
REPEAT_KEYS = {"victim": "victim_ref", "suspect": "suspect_ref", "offender": "suspect_ref", "premises": "premises_ref", "location": "location"}
REPEAT_WORDS = {"victim": "victims", "suspect": "suspects", "offender": "offenders", "premises": "premises", "location": "locations"}
TREND_COLUMNS = {"crime_type": "category", "category": "category", "asb_category": "asb_category"}
# The event columns a scan reads from the database (``queries.events(columns=...)``), where a
# few are enough: the read of all of a force-year's columns was most of these scans' time.
TREND_READS = ("id", "month", "category", "asb_category", "covid")  # id: to place events in areas, for counts or rates by area
TIME_READS = ("month", "occurred_from", "occurred_to")
HARM_READS = ("id", "category")
REPEAT_READS = ("month", "occurred_from")  # and the key's column; a location is its premises_ref, else its x/y, named by its location text
REPEAT_LOCATION = ("premises_ref", "x", "y", "location")


@dataclass(frozen=True)
class Points:
    """A plain CSV of points read instead of the database: ``x``/``y`` columns (names, or
    0-based positions with ``no_header``) in ``crs``, and an optional ``time`` column."""

    path: str
    x: str = "x"
    y: str = "y"
    crs: str = geo.WGS84
    time: str | None = None
    no_header: bool = False


@dataclass(frozen=True)
class Filters:
    """Which stored events: categories (any of), an area (its code or name), months
    ``start`` to ``end`` (YYYY-MM, both included) and a source; each optional."""

    categories: tuple[str, ...] | None = None
    area: str | None = None
    start: str | None = None
    end: str | None = None
    source: str | None = None


@dataclass
class Scan:
    """A scan's answer for any face: ``result`` (its ``to_dict`` is the JSON), the rows'
    geometry (``features``) and the picture, when asked for."""

    result: ScanResult
    features: Features | None = None
    picture: Picture | None = None
    data: dict | None = field(default=None, repr=False)  # a JSON layout of its own (near repeats)
    _encoded: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict:
        return self.data if self.data is not None else self.result.to_dict()

    def encoded(self, key: Hashable, encode: Callable[[], bytes]) -> bytes:
        """``encode()``, once per scan and ``key``: a kept scan (``sara.services.kept``) is
        asked for as JSON or GeoJSON again and again, and encoding a force's thousands of map
        cells costs more than finding the scan."""
        if key not in self._encoded:
            self._encoded[key] = encode()
        return self._encoded[key]


# --- choosing events, naming places ------------------------------------------------------


def _select(ctx: Context | None, points: Points | None, filters: Filters, columns: tuple[str, ...] | None = None):
    """The events of ``filters`` from the database (only ``columns`` of theirs, when given:
    ``queries.events``), or the points file's."""
    from sara.report.select import from_database, from_points

    if points is not None:
        return from_points(points.path, x=points.x, y=points.y, crs=points.crs, time=points.time, no_header=points.no_header)
    if ctx is None:
        raise Invalid("there is nothing to scan", field="points", fix="give a database, or a CSV file of points")
    f = filters
    return from_database(ctx.engine, categories=list(f.categories) if f.categories else None, area=f.area, start=f.start, end=f.end, source=f.source,
                         columns=columns)  # fmt: skip


def _with_selection(result: ScanResult, chosen) -> ScanResult:
    result.params |= chosen.params()
    result.left_out = chosen.left_out | result.left_out
    return result


def _far_events(result: ScanResult, frame, loaded: Places, grid, consequence: str) -> None:
    """The note (and ``params["far_events"]``) when a few far-flung events stretch the grid
    (``sara.scan.spread``), saying how to keep to the bulk: name an area."""
    from sara.scan.spread import stretched

    stretch = stretched(frame["x"].to_numpy(), frame["y"].to_numpy())
    if stretch is None:
        return
    cell_size, cells = grid.cell_size, grid.n_cells
    result.params["far_events"] = stretch.to_dict()
    text = f"{stretch.words(cell_size, cells)}. {consequence}"
    most = loaded.holding_most(frame["id"]) if "id" in frame.columns else None
    if most:
        kind, code, name = most
        text += f" To keep to the bulk, name an area by its code or name, e.g. {code} or {name} (the {kind} holding most of these events)."
        result.notes.insert(0, Note(text, field="area"))
    else:
        result.notes.insert(0, Note(text + " Check the far points' coordinates, e.g. by mapping them, and leave out those that are wrong."))


# --- where --------------------------------------------------------------------------------


def _grid(frame, chosen, cell_size, shape, clip_to_area: bool):
    from sara.scan.grid import make_grid

    clip = chosen.area["geometry"] if chosen.area and clip_to_area else None
    return make_grid(frame["x"].to_numpy(), frame["y"].to_numpy(), cell_size=cell_size, shape=shape, clip=clip), clip


def _grid_scan(result: ScanResult, grid, chosen, clip, loaded: Places, *, features: bool, picture: bool, title: str, subtitle: str,
               classes: str | None = None, value: str | None = None, label: str = "", colours: dict | None = None) -> Scan:  # fmt: skip
    """A result with one row per grid cell: its places named, its cells as features, its map."""
    import polars as pl
    import shapely

    result.table = loaded.named(result.table, chosen.crs)
    polygons = grid.polygons() if features or picture else None
    drawn = None
    if picture:
        areas = loaded.backdrop(chosen.crs, shapely.total_bounds(polygons), outline=clip)
        common = {"title": title, "subtitle": subtitle, "outline": clip, "areas": areas}
        if classes:
            drawn = Picture("class_map", {"polygons": polygons, "classes": result.table[classes].cast(pl.String).to_list(), "colours": colours, **common})
        else:
            drawn = Picture("cell_map", {"polygons": polygons, "values": result.table[value].to_numpy(), "label": label, **common})
    return Scan(result, Features(result.table, polygons, chosen.crs, result.params) if features else None, drawn)


def _significance(correction: str) -> str:
    return f"hot or cold at 90%, 95% or 99% confidence after the {words.CORRECTIONS[correction]}" if correction != "none" else "without a correction for many cells"


def hotspots(
    ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), method: str = "gistar", cell_size: float | None = None,
    shape: str = "square", clip: bool = True, neighbours: str = "queen", distance: float | None = None, k: int | None = None,
    correction: str = "fdr", permutations: int = 0, seed: int | None = None, min_events: int = 30, bandwidth: float | None = None,
    kernel: str = "quartic", mode: str = "fast", features: bool = False, picture: bool = False,
) -> Scan:  # fmt: skip
    """Where: Getis-Ord Gi* hot and cold spots on a grid (``method="gistar"``), or kernel
    density per km² (``"kde"``); each cell named by the loaded areas it lies in."""
    if method not in ("gistar", "kde"):
        raise Invalid(f"unknown method {method!r}", field="method", fix="use gistar or kde")
    chosen = _select(ctx, points, filters)
    loaded = Places(None if points else ctx)
    frame = chosen.located()
    grid, outline = _grid(frame, chosen, cell_size, shape, clip)
    xs, ys = frame["x"].to_numpy(), frame["y"].to_numpy()
    if method == "gistar":
        from sara.scan.gistar import gistar

        result = _with_selection(gistar(xs, ys, grid=grid, neighbours=neighbours, distance=distance, k=k, correction=correction,
                                        permutations=permutations, seed=seed, min_events=min_events), chosen)  # fmt: skip
        consequence = "Gi* compares each cell with the mean of the whole grid, so the empty cells make the busy ones look hotter."
        title, subtitle = "Hot and cold spots (Getis-Ord Gi*)", words.sentence(words.selection(result.params), words.cells(result.params), _significance(correction))
        kw = {"classes": "class"}
    else:
        from sara.scan.kde import kde

        result = _with_selection(kde(xs, ys, grid, bandwidth=bandwidth, kernel=kernel, mode=mode), chosen)
        consequence = "The density is not changed by them, but the map is mostly empty."
        p = result.params
        how = f"{p['kernel']} kernel, bandwidth {words.metres(p['bandwidth'])}" + (" (chosen automatically)" if p.get("bandwidth_auto") else "")
        title, subtitle = "Kernel density", words.sentence(words.selection(p), words.cells(p), how)
        kw = {"value": "density", "label": "events per km²"}
    if outline is None:
        _far_events(result, frame, loaded, grid, consequence)
    return _grid_scan(result, grid, chosen, outline, loaded, features=features, picture=picture, title=title, subtitle=subtitle, **kw)


def emerging(
    ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), period: str = "month", cell_size: float | None = None,
    shape: str = "square", clip: bool = True, correction: str = "fdr", features: bool = False, picture: bool = False,
) -> Scan:  # fmt: skip
    """Emerging hot spots: Gi* per period and a Mann-Kendall trend per cell, in Esri's 17
    categories, with a sensitivity report; each cell named by the loaded areas it lies in."""
    from sara.scan.emerging import emerging as find

    chosen = _select(ctx, points, filters)
    loaded = Places(None if points else ctx)
    frame = chosen.located()
    grid, outline = _grid(frame, chosen, cell_size, shape, clip)
    when = frame["occurred_from"] if frame["occurred_from"].null_count() == 0 else frame["month"]
    result = _with_selection(find(frame["x"].to_numpy(), frame["y"].to_numpy(), when, period=period, grid=grid, correction=correction), chosen)
    if outline is None:
        _far_events(result, frame, loaded, grid,
                    "Gi* compares each cell with the mean of the whole grid in each period, so the empty cells make the busy ones look hotter.")  # fmt: skip
    p = result.params
    how = f"Gi* in each of {p['periods']} periods of {p['period']} and a Mann-Kendall trend per cell; {_significance(correction)} across the cube"
    return _grid_scan(result, grid, chosen, outline, loaded, features=features, picture=picture, title="Emerging hot spots",
                      subtitle=words.sentence(words.selection(p), words.cells(p), how), classes="category", colours=EMERGING_COLOURS)  # fmt: skip


# --- who and where again --------------------------------------------------------------------


def repeats(
    ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), of: str = "location", threshold: int = 3,
    months: int | None = None, days: float | None = None, picture: bool = False, purpose: str = "repeat analysis",
) -> Scan:  # fmt: skip
    """Repeat victims, suspects (offenders), premises and locations: 3 or more events in 6
    months by default; locations named by their street (police.uk's location text) and areas.

    The events' victim, suspect and premises references are personal data of the
    organisation whose export carried them: ``ctx.actor`` sees them as they stand only at a
    scope their organisation has (``sara.access.references``), else as pseudonyms, which
    still group; the references shown in clear are audited, with ``purpose``."""
    from sara.scan.repeats import repeats as find

    key = REPEAT_KEYS.get(of)
    if key is None:
        raise Invalid(f"unknown kind of repeat {of!r}", field="of", fix="use victim, suspect, offender, premises or location")
    columns = REPEAT_READS + (REPEAT_LOCATION if key == "location" else (key,))
    # The events read are the same for every reader (kept: most of the time of a force's repeats); their references are then masked per reader.
    chosen = _select(ctx, points, filters, columns) if points or ctx is None else kept(ctx, ("repeat events", filters, columns), lambda: _select(ctx, None, filters, columns))
    frame, clear = (chosen.frame, {}) if points else _references_as_seen(ctx, chosen.frame)
    by_time = "occurred_from" if days is not None or (months is None and frame["occurred_from"].null_count() < frame.height) else "month"
    result = _with_selection(find(frame, key=key, time=by_time, threshold=threshold, window_days=days, months=months if days is None else None), chosen)
    _audit_references(ctx, result.table, clear, purpose)
    if key == "location":
        result.table = Places(None if points else ctx).named(result.table, chosen.crs)
    drawn = None
    if picture:
        top = result.table.head(20)
        window = f"{result.params['months']} calendar months" if "months" in result.params else f"{result.params['window_days']:g} days"
        drawn = Picture("bars", {
            "labels": _repeat_labels(top, key), "series": {"events": top["events"].to_list()}, "xlabel": "events",
            "title": f"Repeat {REPEAT_WORDS[of]}: the {min(20, top.height)} with most events",
            "subtitle": words.sentence(words.selection(result.params), f"{result.table.height:,} reach {threshold} events within {window}"),
        })  # fmt: skip
    return Scan(result, None, drawn)


def _references_as_seen(ctx: Context, frame):
    """``frame`` with its reference columns as ``ctx.actor`` may see them, and per column the
    references left in clear with their owning organisation."""
    import polars as pl

    from sara.access import references

    owner_of = references.source_owners(ctx.engine)
    owners = [owner_of.get(s) for s in frame["source"].to_list()] if "source" in frame.columns else [None] * frame.height
    clear = {}
    for column in references.REFERENCES:
        if column in frame.columns and frame[column].null_count() < frame.height:
            seen, clear[column] = references.as_seen_by(ctx.engine, ctx.actor, column, frame[column].to_list(), owners, at=ctx.now)
            frame = frame.with_columns(pl.Series(column, seen, dtype=pl.String))
    return frame, clear


def _audit_references(ctx: Context | None, table, clear: dict[str, dict[str, int]], purpose: str) -> None:
    """One audit entry per owning organisation for the references a result shows in clear."""
    from collections import Counter

    from sara.access import audit

    shown = Counter()
    for column, owners in clear.items():
        if column in table.columns:
            for ref in set(table[column].drop_nulls().to_list()) & set(owners):
                shown[(column, owners[ref])] += 1
    if shown and ctx is not None:
        audit.append(ctx.engine, *[audit.Entry("read", ctx.actor, "event references", column, owner_org_id=owner, purpose=purpose, detail={"shown": n})
                                   for (column, owner), n in sorted(shown.items(), key=str)])  # fmt: skip


def _repeat_labels(top, key: str) -> list[str]:
    """What people call each repeat: its street and area for a location, else its reference."""
    if key != "location":
        return [str(v) for v in top[key].to_list()]
    from collections import Counter

    areas = [c for c in ("ward", "lsoa", "district") if c in top.columns]
    texts, wheres = [], []
    for row in top.iter_rows(named=True):
        if row.get("premises_ref"):
            texts.append(str(row["premises_ref"]))
        elif row.get("place"):
            texts.append(str(row["place"]))
        else:
            texts.append(f"point {row['x']:,.0f} E, {row['y']:,.0f} N")
        wheres.append([row[c] for c in areas if row.get(c)])
    first = [f"{t} ({w[0]})" if w else t for t, w in zip(texts, wheres)]
    twice = {label for label, n in Counter(first).items() if n > 1}  # two points of one street in one ward: say which LSOA
    second = [f"{t} ({', '.join(w[:2])})" if label in twice and len(w) > 1 else label for label, t, w in zip(first, texts, wheres)]
    still = {label for label, n in Counter(second).items() if n > 1}  # no finer area loaded: where on the map
    return [f"{label} at {row['x']:,.0f} E, {row['y']:,.0f} N" if label in still and row.get("x") is not None else label
            for label, row in zip(second, top.iter_rows(named=True))]  # fmt: skip


def near_repeat(
    ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), spatial_bandwidth: float, spatial_bands: int,
    temporal_bandwidth: float, temporal_bands: int, distance: str | None = None, nrc: bool = False, permutations: int = 999,
    seed: int | None = None, picture: bool = False,
) -> Scan:  # fmt: skip
    """Near repeats: the Knox test of events close in space and time, with Monte Carlo
    permutation of times, observed/expected ratios and p-values per band."""
    from sara.scan.near_repeat import knox

    chosen = _select(ctx, points, filters)
    frame = chosen.timed(chosen.located())
    days = (frame["occurred_from"].dt.epoch("s").to_numpy() / 86_400.0) if frame.height else []
    found = knox(frame["x"].to_numpy(), frame["y"].to_numpy(), days, spatial_bandwidth=spatial_bandwidth, spatial_bands=spatial_bands,
                 temporal_bandwidth=temporal_bandwidth, temporal_bands=temporal_bands, distance=distance, nrc=nrc, permutations=permutations, seed=seed)  # fmt: skip
    result = _with_selection(found.to_scan_result(), chosen)
    result.params["summary"] = found.summary
    drawn = None
    if picture:
        drawn = Picture("heat_table", {
            "values": found.ratio, "rows": [b["label"] for b in found.space_bands], "columns": [b["label"] for b in found.time_bands],
            "title": "Near repeats: observed / expected", "fmt": "{:.2f}", "diverging": True,
            "xlabel": "days between two events", "ylabel": "metres between them",
            "subtitle": words.sentence(words.selection(result.params), f"Knox test, {permutations:,} permutations of the times",
                                       "a ratio above 1: more pairs this close in space and time than chance gives"),
        })  # fmt: skip
    data = found.to_dict() | {"params": result.params, "left_out": result.left_out}
    return Scan(result, None, drawn, data)


# --- when, and is it getting worse ------------------------------------------------------------


def times(ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), max_window_hours: float = 168, picture: bool = False) -> Scan:
    """Day of week x hour (aoristic for events known within a window, Ratcliffe), with the
    busiest windows in one sentence; for months-only data (police.uk) the month-of-year
    profile, over the months the data cover (a month not in them is not a zero)."""
    from sara.scan import temporal

    chosen = _select(ctx, points, filters, TIME_READS)
    frame = chosen.frame
    if frame["occurred_from"].null_count() == frame.height:
        result = temporal.month_profile(frame["month"], loaded=_months_covered(ctx, points, filters, frame))
        result.notes.insert(0, "these events have months only (police.uk publishes no day or time): showing the month-of-year profile instead of day x hour")
        result = _with_selection(result, chosen)
        drawn = _month_profile_picture(result) if picture else None
    else:
        result = temporal.day_hour(frame, max_window_hours=max_window_hours)
        result.params["summary"] = temporal.busiest_windows(result.table)
        result = _with_selection(result, chosen)
        drawn = None
        if picture:
            hours = [c for c in result.table.columns if c != "day"]
            drawn = Picture("heat_table", {
                "values": result.table.select(hours).to_numpy(), "rows": result.table["day"].to_list(), "columns": hours, "fmt": "{:.0f}",
                "title": "When: day of week x hour", "xlabel": "hour of the day", "subtitle": words.sentence(words.selection(result.params), result.params["summary"]),
            })  # fmt: skip
    return Scan(result, None, drawn)


def _months_covered(ctx, points, filters: Filters, frame) -> tuple[str, str] | None:
    """The months the data cover within the filters: the loaded months, cut to ``start``
    and ``end``; for a points file, its first to its last."""
    if points is not None or ctx is None:
        return None
    from sara.store import queries

    loaded = queries.month_range(ctx.engine, filters.source)
    if loaded is None:
        return None
    first, last = max(loaded[0], filters.start or loaded[0]), min(loaded[1], filters.end or loaded[1])
    return (first, last) if first <= last else None


def _month_profile_picture(result: ScanResult) -> Picture:
    import polars as pl

    table = result.table.filter(pl.col("occurrences") > 0)
    even = table["occurrences"].n_unique() == 1
    missing = result.table.filter(pl.col("occurrences") == 0)["name"].to_list()
    return Picture("bars", {
        "labels": table["name"].to_list(), "series": {"events": table["events"].to_list() if even else table["mean"].to_list()},
        "horizontal": False, "xlabel": "events" if even else "events per month (mean over the years)",
        "title": "Events by month of year",
        "subtitle": words.sentence(words.selection(result.params), "police.uk gives the month alone, so there is no day or hour",
                                   f"{words.listed(missing)} not in the data, so not drawn" if missing else ""),
    })  # fmt: skip


def trends(
    ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), by: str = "crime_type", end: str | None = None,
    months: int = 12, exclude_covid: bool = False, rates_by: str | None = None, monthly: bool = False, picture: bool = False,
) -> Scan:  # fmt: skip
    """Counts by category (or by area: ``by`` a loaded kind, each named) for a period against
    the previous equal period (the scrutiny report table), or the monthly series with
    rolling 12-month sums; incomplete months flagged, months outside the data never zeros."""
    import polars as pl

    from sara.scan import trends as scan_trends
    from sara.store import queries

    by_area = by in AREA_KINDS
    column = "area" if by_area else TREND_COLUMNS.get(by)
    if column is None:
        raise Invalid(f"unknown grouping {by!r}", field="by", fix=f"use {words.listed(list(TREND_COLUMNS) + list(AREA_KINDS))}")
    if by_area and rates_by and rates_by != by:
        raise Invalid(f"rates by {rates_by} areas cannot go beside counts by {by}", field="rates_by", fix=f"give {by}, or leave it out")
    chosen = _select(ctx, points, Filters(filters.categories, filters.area, None, None, filters.source), TREND_READS)
    frame = chosen.frame
    if points is not None:  # a points file has times but no categories: all its points are one series
        if points.time is None:
            raise ScanError("trends from a points file need the date of each point", field="time", fix="give its date column")
        if by_area:
            raise Invalid("a points file has no areas to count by", field="by", fix="count by crime_type, or load the points as events")
        frame = frame.filter(pl.col("month").is_not_null()).with_columns(category=pl.lit("all points"), covid=pl.lit(False))
        loaded = (str(frame["month"].min())[:7], str(frame["month"].max())[:7])
    else:
        loaded = queries.month_range(ctx.engine, filters.source)
    names = None
    if by_area:
        placed = queries.event_areas(ctx.engine, by)
        if placed.height == 0:
            raise ScanError(f"no events are placed in {by} areas", field="by", fix=f"load the {by} boundaries first")
        frame = frame.join(placed, on="id", how="left")
        names = queries.areas(ctx.engine, by).select(pl.col("code").alias("category"), "name")
    if monthly:
        result = scan_trends.monthly(frame, by=column if (filters.categories or by_area) else None, loaded=loaded)
    else:
        population = None
        rates = by if by_area and rates_by else rates_by
        if rates and ctx is not None and points is None:
            if not by_area:
                frame = frame.join(queries.event_areas(ctx.engine, rates), on="id", how="left")
            population = queries.areas(ctx.engine, rates).select(pl.col("code").alias("area"), "population")
        result = scan_trends.compare_periods(frame, end=end or loaded[1], months=months, by=column, exclude_covid=exclude_covid, population=population, loaded=loaded)
    if names is not None and "category" in result.table.columns:  # by area: each area's code and name
        named = result.table.join(names, on="category", how="left").rename({"category": "area"})
        result.table = named.select(*(["month"] if "month" in named.columns else []), "area", "name", pl.exclude("month", "area", "name"))
    result = _with_selection(result, chosen)
    if by_area:
        result.params["area_kind"] = by
    return Scan(result, None, _trend_picture(result, monthly, by_area) if picture else None)


def _trend_picture(result, monthly: bool, by_area: bool) -> Picture:
    import polars as pl

    p = result.params
    key = "area" if by_area else "category"
    label = (lambda row: row.get("name") or row[key]) if by_area else (lambda row: row[key])
    if monthly:
        table = result.table
        covered = f"months loaded: {words.span(p['months'])}; none outside them is drawn"
        if key in table.columns and table[key].n_unique() > 1:
            top = table.group_by(key).agg(pl.col("events").sum()).sort("events", descending=True)[key].head(8).to_list()
            series = {}
            for value in top:
                rows = table.filter(pl.col(key) == value)
                series[label(rows.row(0, named=True))] = rows["events"].to_list()
            months = table.filter(pl.col(key) == top[0])["month"].to_list() if top else []
            more = table[key].n_unique() - len(top)
            subtitle = words.sentence(words.selection(p), covered, f"the 8 with most events shown, {more:,} more in the table" if more > 0 else "")
        else:
            months, series = table["month"].to_list(), {"events": table["events"].to_list()}
            if table["rolling_mean"].count() >= 2:
                series["rolling 12-month mean"] = table["rolling_mean"].to_list()
            rolling = "the rolling mean starts once 12 months are loaded" if len(series) > 1 else "a rolling 12-month mean needs more than 12 months loaded"
            subtitle = words.sentence(words.selection(p), covered, rolling)
        by = f" by {words.KINDS[p['area_kind']]}" if by_area else ""
        return Picture("lines", {"x": months, "series": series, "title": f"{words.capital(words.categories(p.get('categories')))} per month{by}",
                                 "subtitle": subtitle, "ylabel": "events"})  # fmt: skip
    rows = result.table.filter(pl.col(key) != "Total")
    many = rows.height > 25
    if many:  # a hundred wards is no chart: the 20 busiest
        rows = rows.sort(pl.col("current") + pl.col("previous").fill_null(0), descending=True).head(20)
    previous = rows["previous"].to_list()
    return Picture("bars", {
        "labels": [label(r) for r in rows.iter_rows(named=True)], "series": {"previous": previous, "current": rows["current"].to_list()},
        "title": "Current against previous period", "xlabel": "events",
        "subtitle": words.sentence(words.selection(p), f"{words.span(p['current'])} against {words.span(p['previous'])}",
                                   f"the 20 {words.KINDS.get(p.get('area_kind'), 'group')}s with most events; all {result.table.height - 1:,} in the table" if many else "",
                                   "the previous period is outside the data, so it is not drawn" if all(v is None for v in previous) else ""),
    })  # fmt: skip


# --- which hurts most, and would a map have predicted it ------------------------------------


def harm(
    ctx: Context, *, filters: Filters = Filters(), by: str = "lsoa", force: str | None = None, weights: str | None = None,
    compare_from: str | None = None, compare_to: str | None = None, features: bool = False, picture: bool = False,
) -> Scan:  # fmt: skip
    """Harm (Cambridge Crime Harm Index days) by area, each named: totals, per 1,000
    residents, ranks, concentration, and change of rank against an earlier period."""
    import numpy as np
    import polars as pl

    from sara.report.select import from_database
    from sara.scan import harm as scan_harm
    from sara.store import queries

    table = scan_harm.harm_weights(force=force, path=weights)
    chosen = _select(ctx, None, filters, HARM_READS)
    placed = queries.event_areas(ctx.engine, by)
    if placed.height == 0:
        raise ScanError(f"no events are placed in {by} areas", field="by", fix=f"load the {by} boundaries first")
    loaded = queries.areas(ctx.engine, by).rename({"code": "area"})
    population = loaded.select("area", "population").drop_nulls()
    result = scan_harm.harm_by_area(chosen.frame.join(placed, on="id", how="left"), table, population if population.height else None, area="area")
    result.params |= chosen.params() | {"area_kind": by}
    if compare_from or compare_to:
        f = filters
        earlier = from_database(ctx.engine, categories=list(f.categories) if f.categories else None, area=f.area, start=compare_from, end=compare_to, source=f.source,
                                columns=HARM_READS)  # fmt: skip
        before = scan_harm.harm_by_area(earlier.frame.join(placed, on="id", how="left"), table, area="area")
        change = scan_harm.rank_change(before, result, labels=("earlier", "current"))
        result.table = result.table.join(change.table.select("area", rank_earlier="rank_earlier", rank_change="rank_change"), on="area", how="left")
        result.params["rank_correlation"] = change.params.get("rank_correlation")
    result.table = result.table.join(loaded.select("area", "name"), on="area", how="left").select("rank", "area", "name", pl.exclude("rank", "area", "name"))
    shapes = queries.area_shapes(ctx.engine, by)
    lonlat = np.array([shapes[a] for a in result.table["area"]])
    drawn = None
    if picture:
        import shapely

        projected = project(lonlat, geo.WGS84, chosen.crs)
        share = 100 * result.params["concentration"]["share"]
        drawn = Picture("cell_map", {
            "polygons": projected, "values": result.table["harm"].fill_null(0).to_numpy(), "quantiles": True, "label": "days of imprisonment",
            "title": f"Harm by {words.KINDS.get(by, by)} (Cambridge Crime Harm Index days)",
            "subtitle": words.sentence(words.selection(chosen.params()), f"the top 5% of areas hold {share:.0f}% of the harm; colours are fifths of the areas"),
            "areas": Places(ctx).backdrop(chosen.crs, shapely.total_bounds(projected), outline=chosen.area["geometry"] if chosen.area else None),
        })  # fmt: skip
    return Scan(result, Features(result.table, lonlat, geo.WGS84, result.params) if features else None, drawn)


def accuracy(
    ctx: Context | None, *, points: Points | None = None, filters: Filters = Filters(), method: str = "kde", train_from: str, train_to: str,
    test_from: str, test_to: str, cell_size: float | None = None, picture: bool = False,
) -> Scan:  # fmt: skip
    """How well a hotspot map of one period (kde, gistar or counts) predicts a later one:
    PAI, PEI and RRI; warns when a few far-flung events stretch the grid (and so the PAI)."""
    import numpy as np
    import polars as pl

    from sara.report.select import from_database
    from sara.scan.accuracy import pai_pei
    from sara.scan.grid import make_grid

    if method not in ("kde", "gistar", "counts"):
        raise Invalid(f"unknown method {method!r}", field="method", fix="use kde, gistar or counts")
    if points is not None:
        if points.time is None:
            raise ScanError("accuracy from a points file needs the date of each point to split the two periods", field="time", fix="give its date column")
        train = _select(None, points, filters)
        month = pl.col("month").dt.strftime("%Y-%m")
        a = train.frame.filter(month.is_between(pl.lit(train_from), pl.lit(train_to)))
        b = train.frame.filter(month.is_between(pl.lit(test_from), pl.lit(test_to)))
    else:
        f = filters
        train = _select(ctx, None, Filters(f.categories, f.area, train_from, train_to, f.source))
        test = from_database(ctx.engine, categories=list(f.categories) if f.categories else None, area=f.area, start=test_from, end=test_to, source=f.source)
        a, b = train.located(), test.located()
    if a.height == 0 or b.height == 0:
        which, field_ = ("training", "train_from") if a.height == 0 else ("test", "test_from")
        raise ScanError(f"no events in the {which} period", field=field_, fix="choose training and test months inside the loaded data")
    both = pl.concat([a.select("x", "y"), b.select("x", "y")])
    clip = train.area["geometry"] if train.area else None
    grid = make_grid(both["x"].to_numpy(), both["y"].to_numpy(), cell_size=cell_size, clip=clip)
    if method == "kde":
        from sara.scan.kde import kde

        scores = kde(a["x"].to_numpy(), a["y"].to_numpy(), grid).table["density"].to_numpy()
    elif method == "gistar":
        from sara.scan.gistar import gistar

        scores = gistar(a["x"].to_numpy(), a["y"].to_numpy(), grid=grid).table["z"].to_numpy()
    else:
        scores = grid.counts(a["x"].to_numpy(), a["y"].to_numpy()).astype(float)
    result = pai_pei(scores, grid.counts(b["x"].to_numpy(), b["y"].to_numpy()), np.full(grid.n_cells, grid.cell_area_m2 / 1e6))
    result.params |= {"method": method, "train": f"{train_from}..{train_to}", "test": f"{test_from}..{test_to}"} | grid.params()
    result.params |= {k: v for k, v in train.params().items() if k not in ("from", "to")}
    if clip is None:
        top = result.params["at_coverage"][0]
        both_ids = pl.concat([a.select("id"), b.select("id")]) if "id" in a.columns else None
        frame = both.with_columns(both_ids) if both_ids is not None else both
        _far_events(result, frame, Places(None if points else ctx), grid,
                    f"The PAI divides the hit rate by the share of the whole grid's area, so the empty cells inflate it "
                    f"(PAI {top['pai']:,.1f} at {100 * top['coverage']:g}% of the area).")  # fmt: skip
    drawn = None
    if picture:
        p = result.params
        table = result.table
        share = [0.0, *table["area_share"].to_list()]
        drawn = Picture("lines", {
            "x": share, "percent_x": True, "percent_y": True,
            "series": {"this map": [0.0, *table["hit_rate"].to_list()], "the best any map could do": [0.0, *table["best_hit_rate"].to_list()],
                       "a map no better than chance": share},
            "xlabel": "share of the area, hottest cells first", "ylabel": "share of the later events caught (hit rate)",
            "title": "Share of later events caught by the map against share of area",
            "subtitle": words.sentence(words.selection(p), f"a {method} map of {words.span(p['train'])} against the events of {words.span(p['test'])}",
                                       words.cells(p), f"PAI {p['at_coverage'][0]['pai']:,.1f} at the hottest {100 * p['at_coverage'][0]['coverage']:g}% of the area",
                                       "a few far-flung events stretch the grid over empty country, which inflates the PAI (see the notes)" if "far_events" in p else ""),
        })  # fmt: skip
    return Scan(result, None, drawn)
