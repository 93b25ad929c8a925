"""Scanning and assessment commands: where and when is it happening, is it getting worse,
who keeps being hit, which of it hurts most, and did the response work. Each reads the
database (``--db``, filters ``--category``, ``--area``, ``--from``, ``--to``, ``--source``)
or a plain CSV of points (``--points`` with ``--x``, ``--y``, ``--crs``, ``--time``,
``--no-header``), calls one service function (``sara.services.scan``,
``sara.services.assess``) and writes ``--json``, ``--csv``, ``--geojson`` (where a result
has geometry) and ``--png`` (a picture).

Nothing heavy is imported until a command runs (``sara --help`` stays quick): the
services, NumPy, Polars and matplotlib load inside the commands.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, acting_user, app, engine_from, fail, option_for, out, print_json, worded

Points = Annotated[str | None, typer.Option("--points", help="Read points from this CSV instead of the database.")]
XCol = Annotated[str, typer.Option("--x", help="Column of x (or longitude) in --points.")]
YCol = Annotated[str, typer.Option("--y", help="Column of y (or latitude) in --points.")]
Crs = Annotated[str, typer.Option("--crs", help="CRS of --x/--y, e.g. EPSG:27700 (default WGS84 lon/lat).")]
TimeCol = Annotated[str | None, typer.Option("--time", help="Column of a date or date-time in --points.")]
NoHeader = Annotated[bool, typer.Option("--no-header", help="--points has no header: columns are 0-based positions.")]
Category = Annotated[list[str] | None, typer.Option("--category", help="Only this category (repeat for several).")]
Area = Annotated[str | None, typer.Option("--area", help="Only events in this loaded area: its code or its name (KIND:CODE when kinds share one).")]
From = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
To = Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM.")]
Source = Annotated[str | None, typer.Option("--source", help="Only events of this source.")]
Csv = Annotated[Path | None, typer.Option("--csv", help="Write the table to this CSV file.")]
GeoJson = Annotated[Path | None, typer.Option("--geojson", help="Write the result with its geometry (WGS84) to this file.")]
Png = Annotated[Path | None, typer.Option("--png", help="Draw the result to this PNG file.")]


def _points(points, x, y, crs, time, no_header):
    from sara.services.scan import Points as PointsFile

    return PointsFile(points, x, y, crs, time, no_header) if points else None


def _filters(category=None, area=None, start=None, end=None, source=None):
    from sara.services.scan import Filters

    return Filters(tuple(category) if category else None, area, start, end, source)


def _context(db: str | None, points: str | None = None, acting: str | None = None, as_json: bool = False):
    """The database's context (signed in as ``acting`` when given), or None when the points
    come from a file."""
    from sara.services import Context

    if points:
        return None
    engine = engine_from(db)
    return Context(engine, acting_user(engine, acting, as_json, optional=True))


def _refusals() -> tuple[type[Exception], ...]:
    from sara.errors import SaraError
    from sara.store.engine import DatabaseError

    return SaraError, DatabaseError


def run(as_json: bool, call: Callable[[], object], csv: Path | None, geojson: Path | None, png: Path | None, show: Callable) -> None:
    """Calls the one service (``call``), turns a refusal into one line and exit 1, writes
    the files asked for, shows the result."""
    from sara.report import export, outputs, pictures

    try:
        scan = call()
    except _refusals() as exc:
        fail(worded(exc), as_json)
    if csv:
        export.write_frame_csv(scan.result.table, csv)
    if geojson:
        if scan.features is None:
            fail("this result has no geometry: use --csv or --json", as_json)
        outputs.write_features(scan.features, geojson)
    if png and scan.picture is not None:
        pictures.draw(scan.picture, png)
    if as_json:
        print_json(scan.to_dict())
        return
    show(scan.result)
    show_notes(scan.result.notes, scan.result.left_out)
    for kind, path in (("table", csv), ("geojson", geojson), ("picture", png)):
        if path:
            out.print(f"{kind}: {path}", highlight=False)


def show_notes(notes: list[str], left_out: dict[str, int]) -> None:
    """Notes (a note about an input ends with its option), then what was left out."""
    for note in notes:
        option = option_for(note.field) if getattr(note, "field", None) else None
        out.print(f"note ({option}): {note}" if option and option not in note else f"note: {note}", highlight=False)
    for why, n in left_out.items():
        out.print(f"left out {n:,}: {why}", highlight=False)


def show_table(result, limit: int = 25, columns: list[str] | None = None, frame=None) -> None:
    """The first ``limit`` rows as a table that fits the terminal (80 columns when it is not
    one): numbers in words' format (435,210; 12.4; 0.0123), blank columns dropped, columns
    that do not fit named, then the scalar parameters."""
    from rich import box
    from rich.table import Table

    from sara.report.words import column, number

    frame = result.table if frame is None else frame
    head = frame.head(limit)
    cells = {c: column(head[c].to_list()) if head.schema[c].is_float() else [number(v) for v in head[c].to_list()]
             for c in (columns or head.columns) if c in head.columns}  # fmt: skip
    wanted = [c for c, values in cells.items() if any(values)]
    fitted, used = [], 0
    for c in wanted:
        need = min(max(len(c), *(len(v) for v in cells[c])), 30) + 3  # a space either side and the rule between columns
        if fitted and used + need > out.width:
            break
        fitted.append(c)
        used += need
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for c in fitted:
        numeric = head.schema[c].is_numeric()
        table.add_column(c, justify="right" if numeric else "left", no_wrap=True, overflow="ellipsis", max_width=30)
    for i in range(head.height):
        table.add_row(*(cells[c][i] for c in fitted))
    out.print(table)
    if frame.height > limit:
        out.print(f"... {frame.height - limit:,} more rows (use --csv or --json)", highlight=False)
    hidden = [c for c in wanted if c not in fitted]
    if hidden:
        out.print(f"not shown, to fit: {', '.join(hidden)} (use --csv or --json)", highlight=False)
    show_params(result.params)


def show_params(params: dict) -> None:
    from sara.report.words import number

    def short(v) -> bool:  # rules and nested tables are for --json
        if isinstance(v, list):
            return len(v) <= 4 and all(isinstance(i, int | float | str) for i in v)
        return v is not None and not isinstance(v, dict) and len(str(v)) <= 40

    plain = [f"{k} {number(v)}" for k, v in params.items() if short(v)]
    out.print("parameters: " + "; ".join(plain) + " (all of them: --json)", highlight=False)


def _counts(result, column: str, quiet: str, score: str) -> None:
    """How many cells fall in each class, then the ten cells of a class that matter most
    (by ``score``), each with the names of the areas it is in."""
    import polars as pl

    counts = result.table[column].value_counts(sort=True)
    out.print(", ".join(f"{c}: {n:,}" for c, n in counts.iter_rows()), highlight=False)
    marked = result.table.filter(pl.col(column).cast(pl.String) != quiet).sort(score, descending=True)
    if marked.height:
        names = [c for c in ("ward", "lsoa", "district") if c in marked.columns]
        show_table(result, limit=10, columns=["x", "y", *names[:1], "n", score, column, *names[1:]], frame=marked)
    else:
        show_params(result.params)


@app.command()
def repeats(
    of: Annotated[str, typer.Option("--of", help="victim, suspect (or offender), premises or location (the same point).")] = "location",
    threshold: Annotated[int, typer.Option(help="Events within the window that make a repeat.")] = 3,
    months: Annotated[int | None, typer.Option(help="Window in calendar months (default 6).")] = None,
    days: Annotated[float | None, typer.Option(help="Window in days (for events with dates).")] = None,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Why you read victims', suspects' or premises' references (kept in the audit trail).")] = "repeat analysis",
    acting: As = None,
) -> None:  # fmt: skip
    """Repeat victims, suspects and locations: 3 or more in 6 months by default. Victims',
    suspects' and premises' references appear as they stand only at your organisation's
    scope (--as), else as pseudonyms."""
    from sara.services import scan as service

    def call():
        return service.repeats(_context(db, points, acting, as_json), points=_points(points, x, y, crs, time, no_header),
                               filters=_filters(category, area, start, end, source), of=of, threshold=threshold, months=months, days=days,
                               picture=png is not None, purpose=purpose)  # fmt: skip

    def show(result):
        place = ["place"] if "place" in result.table.columns else ["location"]
        show_table(result, columns=["rank", *place, "premises_ref", "victim_ref", "suspect_ref", "events", "max_in_window", "ward", "first", "last", "share", "lsoa"])

    run(as_json, call, csv, None, png, show)


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
    from sara.services import scan as service

    def call():
        return service.harm(_context(db), filters=_filters(category, area, start, end, source), by=by, force=force, weights=str(weights) if weights else None,
                            compare_from=compare_from, compare_to=compare_to, features=geojson is not None, picture=png is not None)  # fmt: skip

    run(as_json, call, csv, geojson, png, lambda r: show_table(r, columns=["rank", "name", "area", "harm", "events", "harm_per_1000", "rank_earlier", "rank_change", "share"]))


@app.command()
def trends(
    by: Annotated[str, typer.Option("--by", help="crime_type (police.uk crime type or mapped category), asb_category, or an area kind (lsoa, ward, district).")] = "crime_type",
    end: Annotated[str | None, typer.Option("--end", help="Last month of the current period, YYYY-MM (default: the last loaded).")] = None,
    months: Annotated[int, typer.Option("--months", help="Length of each period in months.")] = 12,
    exclude_covid: Annotated[bool, typer.Option("--exclude-covid", help="Leave out events flagged covid.")] = False,
    rates_by: Annotated[str | None, typer.Option("--rates-by", help="Add rates per 1,000 residents using areas of this kind.")] = None,
    series: Annotated[bool, typer.Option("--monthly", help="Show the monthly series with rolling 12-month sums instead.")] = False,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Counts by category or area for a period against the previous equal period (the
    scrutiny report table), or the monthly series; incomplete months are flagged, not compared."""
    from sara.services import scan as service

    def call():
        return service.trends(_context(db, points), points=_points(points, x, y, crs, time, no_header), filters=_filters(category, area, None, None, source),
                              by=by, end=end, months=months, exclude_covid=exclude_covid, rates_by=rates_by, monthly=series, picture=png is not None)  # fmt: skip

    def show(result):
        show_table(result, limit=40)
        for flag in getattr(result, "flags", []):
            out.print(f"[yellow]flag:[/yellow] {flag.get('reason', flag)}", highlight=False)

    run(as_json, call, csv, None, png, show)


@app.command()
def times(
    max_window_hours: Annotated[float, typer.Option(help="Leave out events known only within a longer window.")] = 168,
    db: Db = None, points: Points = None, x: XCol = "x", y: YCol = "y", crs: Crs = "EPSG:4326", time: TimeCol = None, no_header: NoHeader = False,
    category: Category = None, area: Area = None, start: From = None, end: To = None, source: Source = None,
    as_json: Json = False, csv: Csv = None, png: Png = None,
) -> None:  # fmt: skip
    """Day-of-week x hour table (aoristic for events known within a window, Ratcliffe), and
    the busiest windows in one line. police.uk has months only: the month-of-year profile."""
    from sara.services import scan as service

    def call():
        return service.times(_context(db, points), points=_points(points, x, y, crs, time, no_header), filters=_filters(category, area, start, end, source),
                             max_window_hours=max_window_hours, picture=png is not None)  # fmt: skip

    def show(result):
        if "day" in result.table.columns:  # 24 hours across will not fit 80 columns: hours down, days across
            frame = result.table.drop("day").transpose(include_header=True, header_name="hour", column_names=result.table["day"].to_list())
            show_table(result, frame=frame, limit=24)
            out.print(f"[bold]{result.params['summary']}[/bold]", highlight=False)
        else:
            show_table(result)

    run(as_json, call, csv, None, png, show)


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
    from sara.services import scan as service

    def call():
        return service.hotspots(
            _context(db, points), points=_points(points, x, y, crs, time, no_header), filters=_filters(category, area, start, end, source), method=method,
            cell_size=cell_size, shape=shape, clip=not no_clip, neighbours=neighbours, distance=distance, k=k, correction=correction,
            permutations=permutations, seed=seed, min_events=min_events, bandwidth=bandwidth, kernel=kernel, mode=mode,
            features=geojson is not None, picture=png is not None,
        )  # fmt: skip

    def show(result):
        if "class" in result.table.columns:
            _counts(result, "class", "not significant", "z")
        else:
            import polars as pl

            names = [c for c in ("ward", "lsoa", "district") if c in result.table.columns][:1]
            show_table(result, limit=10, columns=["x", "y", *names, "density", "n"], frame=result.table.sort("density", descending=True).filter(pl.col("density") > 0))

    run(as_json, call, csv, geojson, png, show)


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
    from sara.services import scan as service

    def call():
        return service.emerging(_context(db, points), points=_points(points, x, y, crs, time, no_header), filters=_filters(category, area, start, end, source),
                                period=period, cell_size=cell_size, shape=shape, clip=not no_clip, correction=correction,
                                features=geojson is not None, picture=png is not None)  # fmt: skip

    run(as_json, call, csv, geojson, png, lambda result: _counts(result, "category", "no pattern detected", "n"))


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
    from sara.services import scan as service

    def call():
        return service.near_repeat(
            _context(db, points), points=_points(points, x, y, crs, time, no_header), filters=_filters(category, area, start, end, source),
            spatial_bandwidth=spatial_bandwidth, spatial_bands=spatial_bands, temporal_bandwidth=temporal_bandwidth, temporal_bands=temporal_bands,
            distance=distance, nrc=nrc, permutations=permutations, seed=seed, picture=png is not None,
        )  # fmt: skip

    def show(result):
        show_table(result, limit=60)
        out.print(f"[bold]{result.params['summary']}[/bold]", highlight=False)

    run(as_json, call, csv, None, png, show)


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
    from sara.services import scan as service

    def call():
        return service.accuracy(_context(db, points), points=_points(points, x, y, crs, time, no_header), filters=_filters(category, area, None, None, source),
                                method=method, train_from=train_from, train_to=train_to, test_from=test_from, test_to=test_to, cell_size=cell_size,
                                picture=png is not None)  # fmt: skip

    def show(result):
        import polars as pl

        at = pl.DataFrame(result.params["at_coverage"]).select("coverage", "cells", "events", "hit_rate", "pai", "pei", "rri")
        out.print("At the hottest 1%, 5% and 10% of the area (every cut-off: --csv or --json):", highlight=False)
        show_table(result, frame=at)

    run(as_json, call, csv, None, png, show)


@app.command()
def assess(
    target: Annotated[str | None, typer.Option("--target", help="The area the response worked on: a loaded area's code or name, or a GeoJSON file.")] = None,
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
    from sara.services import assess as service

    design = {"target": target, "before": before, "after": after, "buffer": buffer, "control": control, "categories": category, "harm": harm, "measure": measure}
    try:
        ctx = _context(db)
        if save_plan:
            saved = service.save_plan(ctx, save_plan, plan=plan, **design)
        elif plan:
            done = service.run_plan(ctx, plan, problem=problem, picture=png is not None)
        else:
            done = service.assess(ctx, **design, problem=problem, picture=png is not None)
    except _refusals() as exc:
        fail(worded(exc), as_json)
    if save_plan:
        if as_json:
            print_json(saved)
        else:
            out.print(f"saved plan {save_plan!r}" + ("" if saved["pre_registered"] else " (after its post period ended: not a pre-registration)"), highlight=False)
        return
    if png and done.picture is not None:
        from sara.report import pictures

        pictures.draw(done.picture, png)
    result = done.result
    if as_json:
        print_json(result)
        return
    out.print(f"[bold]{result['verdict']}[/bold]", highlight=False)
    out.print(f"outcome: {result['outcome']}", highlight=False)
    for name in ("target", "buffer", "control"):
        counts = result[name]
        if counts:
            named = counts.get("name") or counts.get("code") or ""
            if name == "buffer":
                named = f"{counts['metres']:,.0f} m around the target"
            elif counts.get("names") and counts.get("names") != [named]:
                named += ": " + ", ".join(counts["names"])
            out.print(f"{name}: {counts['before']:,} before, {counts['after']:,} after  ({named})", highlight=False)
    for warning in result["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if png:
        out.print(f"picture: {png}", highlight=False)
