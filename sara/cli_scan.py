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

import polars as pl
import typer

from sara.cli import Db, Json, app, fail, out, print_json
from sara.report import outputs, pictures
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
        outputs.write_csv(result.table, csv)
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
    as_json: Json = False, csv: Csv = None, png: Png = None,
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

        def draw(path):
            top = result.table.head(20)
            pictures.bars(path, [f"{a} {n or ''}" for a, n in zip(top["area"], top["name"])], {"harm (days)": top["harm"].to_list()}, title=f"Harm by {by}: the 20 highest", subtitle=f"top 5% of areas hold {100 * result.params['concentration']['share']:.0f}% of harm")

        return result, None, draw

    run(as_json, compute, csv, None, png, show_table)


BY = {"crime_type": "category", "category": "category", "asb_category": "asb_category"}


@app.command()
def trends(
    by: Annotated[str, typer.Option("--by", help="crime_type (police.uk crime type or mapped category) or asb_category.")] = "crime_type",
    end: Annotated[str | None, typer.Option("--end", help="Last month of the current period, YYYY-MM (default: the last loaded).")] = None,
    months: Annotated[int, typer.Option("--months", help="Length of each period in months.")] = 12,
    exclude_covid: Annotated[bool, typer.Option("--exclude-covid", help="Leave out events flagged covid.")] = False,
    rates_by: Annotated[str | None, typer.Option("--rates-by", help="Add rates per 1,000 residents using areas of this kind.")] = None,
    series: Annotated[bool, typer.Option("--monthly", help="Show the monthly series with rolling 12-month sums instead.")] = False,
    db: Db = None, category: Category = None, area: Area = None, source: Source = None,
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
        chosen, engine = select(db, None, "x", "y", "EPSG:4326", None, False, category, area, None, None, source)
        loaded = queries.month_range(engine, source)
        frame = chosen.frame
        if series:
            result = scan_trends.monthly(frame, by=column if category else None, loaded=loaded)
        else:
            population = None
            if rates_by:
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
