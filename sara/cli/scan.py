"""Scanning commands: where and when is it happening, is it getting worse, who keeps being
hit, and which of it hurts most. Each reads the database (``--db``, filters ``--category``,
``--area``, ``--from``, ``--to``) or a plain CSV of points (``--points`` with ``--x``,
``--y``, ``--crs``, ``--time``, ``--no-header``), calls one pure function of ``sara.scan``
and writes ``--json``, ``--csv``, ``--geojson`` (where a result has geometry) and
``--png`` (a picture)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import numpy as np
import polars as pl
import shapely
import typer

from sara import geo
from sara.cli.base import Db, Json, app, fail, out, print_json
from sara.report import export, outputs, pictures
from sara.report.select import Selection, from_database, from_points
from sara.scan.result import ScanError, ScanResult
from sara.store.engine import DatabaseError
from sara.store.queries import NotFound

Points = Annotated[str | None, typer.Option("--points", help="Read points from this CSV instead of the database.")]
XCol = Annotated[str, typer.Option("--x", help="Column of x (or longitude) in --points.")]
YCol = Annotated[str, typer.Option("--y", help="Column of y (or latitude) in --points.")]
Crs = Annotated[str, typer.Option("--crs", help="CRS of --x/--y, e.g. EPSG:27700 (default WGS84 lon/lat).")]
TimeCol = Annotated[str | None, typer.Option("--time", help="Column of a date or date-time in --points.")]
NoHeader = Annotated[bool, typer.Option("--no-header", help="--points has no header: columns are 0-based positions.")]
Category = Annotated[list[str] | None, typer.Option("--category", help="Only this category (repeat for several).")]
Area = Annotated[str | None, typer.Option("--area", help="Only events in this loaded area (its code, or KIND:CODE).")]
From = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
To = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]
Source = Annotated[str | None, typer.Option("--source", help="Only events of this source.")]
Csv = Annotated[Path | None, typer.Option("--csv", help="Write the table to this CSV file.")]
GeoJson = Annotated[Path | None, typer.Option("--geojson", help="Write the result with its geometry (WGS84) to this file.")]
Png = Annotated[Path | None, typer.Option("--png", help="Draw the result to this PNG file.")]


def select(db, points, x, y, crs, time, no_header, category, area, start, end, source) -> tuple[Selection, object]:
    """The events chosen by the common options, and the engine when the database is used."""
    if points:
        return from_points(points, x=x, y=y, crs=crs, time=time, no_header=no_header), None
    from sara.store.engine import connect

    engine = connect(db)
    return from_database(engine, categories=category, area=area, start=start, end=end, source=source), engine


def run(as_json: bool, compute: Callable[[], tuple[ScanResult, Callable[[Path], object] | None, Callable[[Path], object] | None]], csv: Path | None, geojson: Path | None, png: Path | None, show: Callable[[ScanResult], None]) -> None:
    """Runs ``compute`` (returning the result, a GeoJSON writer and a picture drawer), turns
    bad input into one clear line and exit 1, writes the files asked for, shows the result."""
    try:
        result, write_geojson, draw = compute()
    except (ScanError, NotFound, DatabaseError) as exc:
        fail(str(exc), as_json)
    if csv:
        export.write_frame_csv(result.table, csv)
    if geojson:
        if write_geojson is None:
            fail("this result has no geometry: use --csv or --json", as_json)
        write_geojson(geojson)
    if png and draw:
        draw(png)
    if as_json:
        print_json(result.to_dict())
        return
    show(result)
    for note in result.notes:
        out.print(f"note: {note}", highlight=False)
    for why, n in result.left_out.items():
        out.print(f"left out {n:,}: {why}", highlight=False)
    for kind, path in (("table", csv), ("geojson", geojson), ("picture", png)):
        if path:
            out.print(f"{kind}: {path}", highlight=False)


def show_table(result: ScanResult, limit: int = 25) -> None:
    from rich.table import Table

    table = Table(*result.table.columns)
    for row in result.table.head(limit).iter_rows():
        table.add_row(*("" if v is None else f"{v:,.3g}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v) for v in row))
    out.print(table)
    if result.table.height > limit:
        out.print(f"... {result.table.height - limit:,} more rows (use --csv or --json)")
    out.print("parameters: " + json.dumps(result.params, default=str), highlight=False, soft_wrap=True)


@app.command()
def repeats(
    of: Annotated[str, typer.Option("--of", help="victim, suspect, premises or location (the same point).")] = "location",
    threshold: Annotated[int, typer.Option(help="Events within the window that make a repeat.")] = 3,
    months: Annotated[int | None, typer.Option(help="Window in calendar months (default 6).")] = None,
    days: Annotated[float | None, typer.Option(help="Window in days (for events with dates).")] = None,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Repeat victims, suspects and locations: 3 or more in 6 months by default."""
    from sara.scan.repeats import repeats as find

    key = {"victim": "victim_ref", "suspect": "suspect_ref", "premises": "premises_ref", "location": "location"}.get(of)
    if key is None:
        fail(f"--of must be victim, suspect, premises or location, not {of!r}", as_json)

    def compute():
        chosen, _ = select(db, points, x, y, crs, time, no_header, category, area, start, end, source)
        frame = chosen.frame
        by_time = "occurred_from" if days is not None or (months is None and frame["occurred_from"].null_count() < frame.height) else "month"
        result = find(frame, key=key, time=by_time, threshold=threshold, window_days=days, months=months if days is None else None)
        result.params |= chosen.params()
        result.left_out = chosen.left_out | result.left_out

        def draw(path):
            top = result.table.head(20)
            label = top.columns[1]
            names = [str(v) for v in top[label].to_list()] if key != "location" else [f"{xx:.0f}, {yy:.0f}" for xx, yy in zip(top["x"], top["y"])]
            pictures.bars(path, names, {"events": top["events"].to_list()}, title=f"Repeat {of}s: the 20 with most events", subtitle=f"{result.table.height:,} reach {threshold} in the window")

        return result, None, draw

    run(as_json, compute, csv, None, png, show_table)


@app.command()
def harm(
    by: Annotated[str, typer.Option("--by", help="lsoa, ward, district or custom (a loaded area kind).")] = "lsoa",
    force: Annotated[str | None, typer.Option(help="Cambridge Crime Harm Index weights of this force (default: national).")] = None,
    weights: Annotated[Path | None, typer.Option(help="Your own weights: a CSV of crime type and weight (e.g. ONS CSS).")] = None,
    compare_from: Annotated[str | None, typer.Option(help="Earlier period to rank against: first month.")] = None,
    compare_to: Annotated[str | None, typer.Option(help="Earlier period to rank against: last month.")] = None,
    db: Db = None, category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, geojson: GeoJson = None, png: Png = None,
) -> None:  # fmt: skip
    """Harm (Cambridge Crime Harm Index days) by area: totals, per 1,000 residents, ranks,
    concentration, and change of rank against an earlier period."""
    from sara.scan import harm as scan_harm
    from sara.store import queries

    def compute():
        table = scan_harm.harm_weights(force=force, path=weights)
        chosen, engine = select(db, None, "x", "y", "EPSG:4326", None, False, category, area, start, end, source)
        placed = queries.event_areas(engine, by)
        if placed.height == 0:
            raise ScanError(f"no events are placed in {by} areas: load them with `sara load areas FILE --kind {by}`")
        loaded = queries.areas(engine, by).rename({"code": "area"})
        population = loaded.select("area", "population").drop_nulls()

        def for_period(frame):
            return frame.join(placed, on="id", how="left")

        result = scan_harm.harm_by_area(for_period(chosen.frame), table, population if population.height else None, area="area")
        result.params |= chosen.params() | {"area_kind": by}
        if compare_from or compare_to:
            earlier = from_database(engine, categories=category, area=area, start=compare_from, end=compare_to, source=source)
            before = scan_harm.harm_by_area(for_period(earlier.frame), table, area="area")
            change = scan_harm.rank_change(before, result, labels=("earlier", "current"))
            moves = change.table.select("area", rank_earlier="rank_earlier", rank_change="rank_change")
            result.table = result.table.join(moves, on="area", how="left")
            result.params["rank_correlation"] = change.params.get("rank_correlation")
        result.table = result.table.join(loaded.select("area", "name"), on="area", how="left").select("rank", "area", "name", pl.exclude("rank", "area", "name"))

        shapes = queries.area_shapes(engine, by)
        lonlat = np.array([shapes[a] for a in result.table["area"]])

        def write_geojson(path):
            outputs.write_geojson(result.table, lonlat, "EPSG:4326", path, result.params)

        def draw(path):
            projected = shapely.transform(lonlat, lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], geo.WGS84, chosen.crs)))
            share = 100 * result.params["concentration"]["share"]
            pictures.cell_map(path, projected, result.table["harm"].fill_null(0).to_numpy(), title=f"Harm by {by} (Cambridge Crime Harm Index days)", label="days of imprisonment", subtitle=f"the top 5% of areas hold {share:.0f}% of the harm; classes are quintiles", quantiles=True)

        return result, write_geojson, draw

    run(as_json, compute, csv, geojson, png, show_table)


BY = {"crime_type": "category", "category": "category", "asb_category": "asb_category"}


@app.command()
def trends(
    by: Annotated[str, typer.Option("--by", help="crime_type (police.uk crime type or mapped category) or asb_category.")] = "crime_type",
    end: Annotated[str | None, typer.Option("--end", help="Last month of the current period, YYYY-MM (default: the last loaded).")] = None,
    months: Annotated[int, typer.Option("--months", help="Length of each period in months.")] = 12,
    exclude_covid: Annotated[bool, typer.Option("--exclude-covid", help="Leave out events flagged covid.")] = False,
    rates_by: Annotated[str | None, typer.Option("--rates-by", help="Add rates per 1,000 residents using areas of this kind.")] = None,
    series: Annotated[bool, typer.Option("--monthly", help="Show the monthly series with rolling 12-month sums instead.")] = False,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Counts by category for a period against the previous equal period (the scrutiny
    report table), or the monthly series; incomplete months are flagged, not compared."""
    from sara.scan import trends as scan_trends
    from sara.store import queries

    column = BY.get(by)
    if column is None:
        fail(f"--by must be one of {', '.join(BY)}, not {by!r}", as_json)

    def compute():
        chosen, engine = select(db, points, x, y, crs, time, no_header, category, area, None, None, source)
        frame = chosen.frame
        if points:  # a points file has times but no categories: all its points are one series
            if time is None:
                raise ScanError("trends from --points need --time (a date column)")
            frame = frame.filter(pl.col("month").is_not_null()).with_columns(category=pl.lit("all points"), covid=pl.lit(False))
            loaded = (str(frame["month"].min())[:7], str(frame["month"].max())[:7])
        else:
            loaded = queries.month_range(engine, source)
        if series:
            result = scan_trends.monthly(frame, by=column if category else None, loaded=loaded)
        else:
            population = None
            if rates_by and engine is not None:
                frame = frame.join(queries.event_areas(engine, rates_by), on="id", how="left")
                population = queries.areas(engine, rates_by).select(pl.col("code").alias("area"), "population")
            result = scan_trends.compare_periods(frame, end=end or loaded[1], months=months, by=column, exclude_covid=exclude_covid, population=population, loaded=loaded)
        result.params |= chosen.params()

        def draw(path):
            if series:
                table = result.table
                pictures.lines(path, table["month"].to_list(), {"events": table["events"].to_list(), "rolling 12-month mean": table["rolling_mean"].to_list()}, title="Events per month")
            else:
                rows = result.table.filter(pl.col("category") != "Total")
                pictures.bars(path, rows["category"].to_list(), {"previous": rows["previous"].fill_null(0).to_list(), "current": rows["current"].to_list()}, title="Current against previous period", subtitle=str(result.params.get("periods", "")))

        return result, None, draw

    def show(result):
        show_table(result, limit=40)
        for flag in getattr(result, "flags", []):
            out.print(f"[yellow]flag:[/yellow] {flag.get('reason', flag)}", highlight=False)

    run(as_json, compute, csv, None, png, show)


@app.command()
def times(
    max_window_hours: Annotated[float, typer.Option(help="Leave out events known only within a longer window.")] = 168,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Day-of-week x hour table (aoristic for events known within a window, Ratcliffe), and
    the busiest windows in one line. police.uk has months only: the month-of-year profile."""
    from sara.scan import temporal

    def compute():
        chosen, _ = select(db, points, x, y, crs, time, no_header, category, area, start, end, source)
        frame = chosen.frame
        if frame["occurred_from"].null_count() == frame.height:
            result = temporal.month_profile(frame["month"])
            result.notes.insert(0, "these events have months only (police.uk publishes no day or time): showing the month-of-year profile instead of day x hour")

            def draw(path):
                pictures.bars(path, result.table[result.table.columns[0]].cast(pl.String).to_list(), {"events": result.table["events"].to_list()}, title="Events by month of year", horizontal=False)
        else:
            result = temporal.day_hour(frame, max_window_hours=max_window_hours)
            result.params["summary"] = temporal.busiest_windows(result.table)

            def draw(path):
                hours = [c for c in result.table.columns if c != "day"]
                values = result.table.select(hours).to_numpy()
                pictures.heat_table(path, values, result.table["day"].to_list(), hours, title="When: day of week x hour", subtitle=result.params["summary"], fmt="{:.0f}")

        result.params |= chosen.params()
        result.left_out = chosen.left_out | result.left_out
        return result, None, draw

    def show(result):
        show_table(result)
        if "summary" in result.params:
            out.print(f"[bold]{result.params['summary']}[/bold]", highlight=False)

    run(as_json, compute, csv, None, png, show)


def _grid_for(frame: pl.DataFrame, chosen: Selection, cell_size, shape, clip_to_area: bool):
    from sara.scan.grid import make_grid

    clip = chosen.area["geometry"] if chosen.area and clip_to_area else None
    return make_grid(frame["x"].to_numpy(), frame["y"].to_numpy(), cell_size=cell_size, shape=shape, clip=clip), clip


def _grid_outputs(result: ScanResult, grid, chosen: Selection, clip, *, title: str, classes: str | None = None, value: str | None = None, label: str = "", colours: dict | None = None):
    """The GeoJSON writer and picture drawer of a result with one row per grid cell."""
    polygons = grid.polygons()

    def write_geojson(path):
        outputs.write_geojson(result.table, polygons, chosen.crs, path, result.params)

    def draw(path):
        subtitle = ", ".join(f"{k} {v}" for k, v in result.params.items() if k in ("categories", "area", "from", "to", "cell_size", "bandwidth", "correction"))
        if classes:
            pictures.class_map(path, polygons, result.table[classes].to_list(), title=title, subtitle=subtitle, outline=clip, colours=colours)
        else:
            pictures.cell_map(path, polygons, result.table[value].to_numpy(), title=title, label=label, subtitle=subtitle, outline=clip)

    return write_geojson, draw


@app.command()
def hotspots(
    method: Annotated[str, typer.Option("--method", help="gistar (Getis-Ord Gi* hot and cold spots) or kde (kernel density).")] = "gistar",
    cell_size: Annotated[float | None, typer.Option("--cell-size", help="Cell size in metres (default: 1/100 of the extent, to 10 m).")] = None,
    shape: Annotated[str, typer.Option(help="square or hex cells.")] = "square",
    no_clip: Annotated[bool, typer.Option("--no-clip", help="With --area, cover the events' extent, not just the area.")] = False,
    neighbours: Annotated[str, typer.Option(help="gistar: queen, distance or knn.")] = "queen",
    distance: Annotated[float | None, typer.Option(help="gistar: distance band in metres (with --neighbours distance).")] = None,
    k: Annotated[int | None, typer.Option(help="gistar: neighbours per cell (with --neighbours knn).")] = None,
    correction: Annotated[str, typer.Option(help="gistar: fdr (Benjamini-Hochberg), bonferroni or none.")] = "fdr",
    permutations: Annotated[int, typer.Option(help="gistar: conditional permutations (0: analytical p only).")] = 0,
    seed: Annotated[int | None, typer.Option(help="Random seed for permutations.")] = None,
    min_events: Annotated[int, typer.Option(help="gistar: refuse fewer events than this (Optimized Hot Spot rule).")] = 30,
    bandwidth: Annotated[float | None, typer.Option(help="kde: bandwidth in metres (default: automatic, from both coordinates).")] = None,
    kernel: Annotated[str, typer.Option(help="kde: quartic or gaussian.")] = "quartic",
    mode: Annotated[str, typer.Option(help="kde: fast (binned FFT, error reported) or exact (direct sum).")] = "fast",
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, geojson: GeoJson = None, png: Png = None,
) -> None:  # fmt: skip
    """Where: Getis-Ord Gi* hot and cold spots on a grid, or kernel density per km²."""
    if method not in ("gistar", "kde"):
        fail(f"--method must be gistar or kde, not {method!r}", as_json)

    def compute():
        chosen, _ = select(db, points, x, y, crs, time, no_header, category, area, start, end, source)
        frame = chosen.located()
        grid, clip = _grid_for(frame, chosen, cell_size, shape, not no_clip)
        xs, ys = frame["x"].to_numpy(), frame["y"].to_numpy()
        if method == "gistar":
            from sara.scan.gistar import gistar

            result = gistar(xs, ys, grid=grid, neighbours=neighbours, distance=distance, k=k, correction=correction, permutations=permutations, seed=seed, min_events=min_events)
            writers = _grid_outputs(result, grid, chosen, clip, title="Hot and cold spots (Getis-Ord Gi*)", classes="class")
        else:
            from sara.scan.kde import kde

            result = kde(xs, ys, grid, bandwidth=bandwidth, kernel=kernel, mode=mode)
            writers = _grid_outputs(result, grid, chosen, clip, title="Kernel density", value="density", label="events per km²")
        result.params |= chosen.params()
        result.left_out = chosen.left_out | result.left_out
        return (result, *writers)

    def show(result):
        if method == "gistar":
            counts = result.table["class"].value_counts(sort=True)
            out.print(", ".join(f"{c}: {n:,}" for c, n in counts.iter_rows()), highlight=False)
            out.print("parameters: " + json.dumps(result.params, default=str), highlight=False, soft_wrap=True)
        else:
            show_table(result.__class__(result.table.sort("density", descending=True), result.params), limit=10)

    run(as_json, compute, csv, geojson, png, show)


@app.command()
def emerging(
    period: Annotated[str, typer.Option(help="Length of each time step: month, quarter, year, week, 'N months', 'N days'.")] = "month",
    cell_size: Annotated[float | None, typer.Option("--cell-size", help="Cell size in metres (default: 1/100 of the extent, to 10 m).")] = None,
    shape: Annotated[str, typer.Option(help="square or hex cells.")] = "square",
    no_clip: Annotated[bool, typer.Option("--no-clip", help="With --area, cover the events' extent, not just the area.")] = False,
    correction: Annotated[str, typer.Option(help="fdr (across the whole cube), bonferroni or none.")] = "fdr",
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, geojson: GeoJson = None, png: Png = None,
) -> None:  # fmt: skip
    """Emerging hot spots: Gi* per period and a Mann-Kendall trend per cell, in Esri's 17
    categories (new, consecutive, intensifying, persistent, ...), with a sensitivity report."""
    from sara.scan.emerging import emerging as find

    def compute():
        chosen, _ = select(db, points, x, y, crs, time, no_header, category, area, start, end, source)
        frame = chosen.located()
        grid, clip = _grid_for(frame, chosen, cell_size, shape, not no_clip)
        when = frame["occurred_from"] if frame["occurred_from"].null_count() == 0 else frame["month"]
        result = find(frame["x"].to_numpy(), frame["y"].to_numpy(), when, period=period, grid=grid, correction=correction)
        result.params |= chosen.params()
        result.left_out = chosen.left_out | result.left_out
        return (result, *_grid_outputs(result, grid, chosen, clip, title="Emerging hot spots", classes="category", colours=pictures.EMERGING_COLOURS))

    def show(result):
        counts = result.table["category"].value_counts(sort=True)
        out.print(", ".join(f"{c}: {n:,}" for c, n in counts.iter_rows()), highlight=False)
        out.print("parameters: " + json.dumps(result.params, default=str), highlight=False, soft_wrap=True)

    run(as_json, compute, csv, geojson, png, show)


@app.command("near-repeat")
def near_repeat(
    spatial_bandwidth: Annotated[float, typer.Option("--spatial-bandwidth", help="Width of each distance band, metres.")],
    spatial_bands: Annotated[int, typer.Option("--spatial-bands", help="Number of distance bands.")],
    temporal_bandwidth: Annotated[float, typer.Option("--temporal-bandwidth", help="Width of each time band, days.")],
    temporal_bands: Annotated[int, typer.Option("--temporal-bands", help="Number of time bands.")],
    distance: Annotated[str | None, typer.Option("--distance", help="euclidean (default) or manhattan (the NRC's default).")] = None,
    nrc: Annotated[bool, typer.Option("--nrc", help="Near Repeat Calculator 1.3 compatible bands and layout.")] = False,
    permutations: Annotated[int, typer.Option(help="Monte Carlo permutations of the times.")] = 999,
    seed: Annotated[int | None, typer.Option(help="Random seed, for a result that can be repeated.")] = None,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Near repeats: the Knox test of events close in space and time, with Monte Carlo
    permutation of times, observed/expected ratios and p-values per band."""
    from sara.scan.near_repeat import knox

    def compute():
        chosen, _ = select(db, points, x, y, crs, time, no_header, category, area, start, end, source)
        frame = chosen.timed(chosen.located())
        days = (frame["occurred_from"].dt.epoch("s").to_numpy() / 86_400.0) if frame.height else []
        knox_result = knox(
            frame["x"].to_numpy(), frame["y"].to_numpy(), days, spatial_bandwidth=spatial_bandwidth, spatial_bands=spatial_bands,
            temporal_bandwidth=temporal_bandwidth, temporal_bands=temporal_bands, distance=distance, nrc=nrc, permutations=permutations, seed=seed,
        )  # fmt: skip
        result = knox_result.to_scan_result()
        result.params |= chosen.params()
        result.left_out = chosen.left_out | result.left_out
        result.to_dict = lambda: knox_result.to_dict() | {"params": result.params, "left_out": result.left_out}

        def draw(path):
            rows = [b["label"] for b in knox_result.space_bands]
            columns = [b["label"] for b in knox_result.time_bands]
            pictures.heat_table(path, knox_result.ratio, rows, columns, title="Near repeats: observed / expected", subtitle=f"Knox test, {permutations:,} permutations of the times; rows: distance, columns: days", fmt="{:.2f}", diverging=True)

        result.params["summary"] = knox_result.summary
        return result, None, draw

    def show(result):
        show_table(result, limit=60)
        out.print(f"[bold]{result.params['summary']}[/bold]", highlight=False)

    run(as_json, compute, csv, None, png, show)


@app.command()
def accuracy(
    method: Annotated[str, typer.Option("--method", help="The hotspot map to test: kde, gistar (z) or counts.")] = "kde",
    train_from: Annotated[str, typer.Option("--train-from", help="First month the map is made from.")] = ...,
    train_to: Annotated[str, typer.Option("--train-to", help="Last month the map is made from.")] = ...,
    test_from: Annotated[str, typer.Option("--test-from", help="First month of the later events.")] = ...,
    test_to: Annotated[str, typer.Option("--test-to", help="Last month of the later events.")] = ...,
    cell_size: Annotated[float | None, typer.Option("--cell-size", help="Cell size in metres.")] = None,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Prediction accuracy of a hotspot map against a later period: PAI, PEI and RRI."""
    from sara.scan.accuracy import pai_pei
    from sara.scan.grid import make_grid

    def compute():
        if points:
            if time is None:
                raise ScanError("accuracy from --points needs --time (a date column) to split the two periods")
            train, _ = select(db, points, x, y, crs, time, no_header, None, None, None, None, None)
            month = pl.col("month").dt.strftime("%Y-%m")
            a = train.frame.filter(month.is_between(pl.lit(train_from), pl.lit(train_to)))
            b = train.frame.filter(month.is_between(pl.lit(test_from), pl.lit(test_to)))
        else:
            train, engine = select(db, None, "x", "y", "EPSG:4326", None, False, category, area, train_from, train_to, source)
            test = from_database(engine, categories=category, area=area, start=test_from, end=test_to, source=source)
            a, b = train.located(), test.located()
        if a.height == 0 or b.height == 0:
            raise ScanError(f"no events in the {'training' if a.height == 0 else 'test'} period: check --train-from/--train-to and --test-from/--test-to")
        both = pl.concat([a.select("x", "y"), b.select("x", "y")])
        clip = train.area["geometry"] if train.area else None
        grid = make_grid(both["x"].to_numpy(), both["y"].to_numpy(), cell_size=cell_size, clip=clip)
        if method == "kde":
            from sara.scan.kde import kde

            scores = kde(a["x"].to_numpy(), a["y"].to_numpy(), grid).table["density"].to_numpy()
        elif method == "gistar":
            from sara.scan.gistar import gistar

            scores = gistar(a["x"].to_numpy(), a["y"].to_numpy(), grid=grid).table["z"].to_numpy()
        elif method == "counts":
            scores = grid.counts(a["x"].to_numpy(), a["y"].to_numpy()).astype(float)
        else:
            raise ScanError(f"--method must be kde, gistar or counts, not {method!r}")
        result = pai_pei(scores, grid.counts(b["x"].to_numpy(), b["y"].to_numpy()), np.full(grid.n_cells, grid.cell_area_m2 / 1e6))
        result.params |= {"method": method, "train": f"{train_from}..{train_to}", "test": f"{test_from}..{test_to}"} | grid.params()

        def draw(path):
            table = result.table
            pictures.lines(path, table["area_share"].to_list(), {"hit rate": table["hit_rate"].to_list()}, title="Share of later events caught by the map (hit rate) against share of area")

        return result, None, draw

    run(as_json, compute, csv, None, png, show_table)


@app.command()
def assess(
    target: Annotated[str | None, typer.Option("--target", help="The area the response worked on: a loaded area's code, or a GeoJSON file.")] = None,
    buffer: Annotated[float, typer.Option("--buffer", help="Width in metres of the displacement ring around the target (0: none).")] = 500,
    control: Annotated[str, typer.Option("--control", help="auto (the most similar areas by pre-period level and trend), or an area code or GeoJSON file.")] = "auto",
    before: Annotated[str | None, typer.Option("--before", help="Pre period, YYYY-MM:YYYY-MM.")] = None,
    after: Annotated[str | None, typer.Option("--after", help="Post period, YYYY-MM:YYYY-MM.")] = None,
    category: Category = None,
    harm: Annotated[bool, typer.Option("--harm", help="Weight categories by the Cambridge Crime Harm Index too.")] = False,
    measure: Annotated[str | None, typer.Option("--measure", help="The measure of success, in words, for the plan.")] = None,
    save_plan: Annotated[str | None, typer.Option("--save-plan", help="Save these settings as a named plan (pre-registration) instead of running.")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Run a saved plan unchanged.")] = None,
    problem: Annotated[str | None, typer.Option("--problem", help="The problem whose response this assesses: the interventions and operations of "
                                                                  "other problems on the target area are warned about.")] = None,
    db: Db = None, as_json: Json = False, png: Png = None,
) -> None:  # fmt: skip
    """Assessment: did it work? Target against controls, displacement into the buffer,
    relative effect, WDD, WDQ, difference-in-differences, warnings (other interventions on the
    target area among them) and a verdict."""
    from sara.assess import AssessError
    from sara.report import assessment
    from sara.store.engine import connect

    try:
        with_engine = connect(db)
        if plan:
            chosen, info = assessment.load_plan(with_engine, plan)
        else:
            if not (target and before and after):
                raise AssessError("give --target, --before and --after (or --plan NAME)")
            chosen = assessment.Plan(target, assessment.parse_period(before), assessment.parse_period(after), buffer, control, tuple(category) if category else None, harm, measure)
            info = None
        if save_plan:
            result = assessment.save_plan(with_engine, save_plan, chosen)
        else:
            from sara.casework.overlaps import in_area

            result = assessment.assess(with_engine, chosen, plan_info=info, others=in_area(with_engine, chosen.target, exclude_problem=problem))
            if png:
                assessment.draw(result, png)
    except (AssessError, ScanError, NotFound, DatabaseError) as exc:
        fail(str(exc), as_json)
    shown = {k: v for k, v in result.items() if not k.startswith("_")}
    if as_json:
        print_json(shown)
        return
    if save_plan:
        out.print(f"saved plan {save_plan!r}" + ("" if result["pre_registered"] else " (after its post period ended: not a pre-registration)"), highlight=False)
        return
    out.print(f"[bold]{result['verdict']}[/bold]", highlight=False)
    out.print(f"outcome: {result['outcome']}", highlight=False)
    for name in ("target", "buffer", "control"):
        counts = result[name]
        if counts:
            out.print(f"{name}: {counts['before']:,} before, {counts['after']:,} after  ({counts.get('name') or ''})", highlight=False)
    for warning in result["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if png:
        out.print(f"picture: {png}", highlight=False)
