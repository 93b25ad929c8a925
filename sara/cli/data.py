"""Data commands: create the database, load police.uk files, partner exports, boundaries and
values per area (area attributes), see what is loaded and what was quarantined, and serve the web app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, database_errors, err, fail, in_context, out, print_json, run_load, show_load

load_app = typer.Typer(help="Load data: police.uk files, force and partner exports, areas.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Rows that could not be loaded, with their reasons.", no_args_is_help=True)
app.add_typer(load_app, name="load")
app.add_typer(quarantine_app, name="quarantine")


@app.command()
def init(
    db: Db = None,
    app_role: Annotated[str | None, typer.Option("--app-role", help="PostgreSQL: grant this login role what the app needs; it may only read and append the audit trail.")] = None,
    as_json: Json = False,
) -> None:
    """Create the database, or upgrade it to the newest schema (and its audit key, when it has none)."""
    from sara.store.engine import grant_application_role
    from sara.store.engine import init as init_db

    with database_errors(as_json):
        result = init_db(db)
        if app_role:
            result["grants"] = {"role": app_role, "audit": grant_application_role(db, app_role)}
    if as_json:
        print_json(result)
        return
    out.print(f"database {result['database']} is at schema {result['revision']}", highlight=False)
    if result.get("audit_key_created"):
        out.print(f"audit key created: {result['audit_key_created']} (owner-only). Keep a copy where the database's backups are not.", highlight=False)
    if app_role:
        shown = ", ".join(f"{g['privilege']} on {g['table']}" for g in result["grants"]["audit"])
        out.print(f"role {app_role} may: {shown}", highlight=False)


@load_app.command("police-uk")
def load_police_uk(
    paths: Annotated[list[str], typer.Argument(help="CSV files, folders or zip archives in the data.police.uk layout.")],
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Load data.police.uk street, outcomes and stop-and-search files (public data)."""
    from sara.intake.files import SUFFIXES
    from sara.services import data

    run_load(db, as_json, acting, paths, SUFFIXES, "loading police.uk", lambda ctx, tick: data.load_police_uk(ctx, paths, tick))


@load_app.command("events")
def load_events(
    paths: Annotated[list[str], typer.Argument(help="CSV or XLSX files, folders or zip archives of a force or partner export.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="TOML mapping naming the file's columns (see mappings/README.md).")],
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Load force or partner exports (CSV, XLSX) described by a mapping, as your
    organisation's (--as; without it, the operator's): their quarantined rows are then seen
    only by your organisation's analysts and administrators."""
    from sara.intake.mapped import SUFFIXES
    from sara.services import data

    run_load(db, as_json, acting, paths, SUFFIXES, "loading events", lambda ctx, tick: data.load_events(ctx, paths, str(mapping), tick))


@load_app.command("areas")
def load_areas(
    paths: Annotated[list[str], typer.Argument(help="GeoJSON, GeoPackage or Shapefile boundaries (or zip archives of them).")],
    kind: Annotated[str, typer.Option("--kind", help="lsoa, ward, district or custom.")],
    code_field: Annotated[str | None, typer.Option(help="The field holding each area's code (detected if not given).")] = None,
    name_field: Annotated[str | None, typer.Option(help="The field holding each area's name (detected if not given).")] = None,
    population: Annotated[str | None, typer.Option(help="A CSV of area code and population to attach.")] = None,
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Load boundaries and place every event in them (point-in-polygon, or its LSOA code)."""
    from sara.intake.areas import SUFFIXES
    from sara.services import data

    run_load(
        db, as_json, acting, paths, SUFFIXES, f"loading {kind} areas",
        lambda ctx, tick: data.load_areas(ctx, paths, kind, code_field=code_field, name_field=name_field, population_csv=population, tick=tick),
    )  # fmt: skip


@load_app.command("area-attribute")
def load_area_attribute(
    path: Annotated[str, typer.Argument(help="A CSV: a header line, then one row per area with its code and values.")],
    name: Annotated[str, typer.Option("--name", help="The attribute, e.g. deprivation (the SOC local profile reads it per ward).")],
    kind: Annotated[str, typer.Option("--kind", help="lsoa, ward, district or custom: the areas the codes are of.")],
    code_column: Annotated[str | None, typer.Option("--code-column", help="The column of area codes (found from the loaded areas' codes if not given).")] = None,
    value: Annotated[list[str] | None, typer.Option("--value", help="A column of values to load (repeat; default every other column holding numbers).")] = None,
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Load a value per area (e.g. deprivation: IMD score, rank and decile per ward) from a CSV;
    every row is loaded or quarantined with its reason, codes of no loaded area reported."""
    from sara.services import data

    report = in_context(as_json, db, acting, lambda ctx: data.load_area_attribute(ctx, path, name, kind, code_column=code_column, value_columns=value),
                        optional=True)  # fmt: skip
    if not as_json:
        notes = report.files[0].notes
        out.print(f"{notes['attribute']} of the {notes['area_kind']} areas: codes from {notes['code_column']!r}; measures {', '.join(map(repr, notes['measures']))}"
                  + (f"; left out (no numbers): {', '.join(map(repr, notes['columns_left_out']))}" if notes["columns_left_out"] else ""), highlight=False,
                  soft_wrap=True)  # fmt: skip
        for w in notes["warnings"]:
            out.print(f"[bold]note:[/bold] {w}", highlight=False, soft_wrap=True)
        if notes["codes_unmatched"]:
            out.print(f"codes of no loaded area: {', '.join(notes['codes_unmatched_sample'])}{' ...' if notes['codes_unmatched'] > 10 else ''}", highlight=False, soft_wrap=True)
    show_load(report, as_json)


@app.command()
def status(db: Db = None, as_json: Json = False) -> None:
    """What is loaded: sources, months, counts by category, areas and quarantine."""
    from sara.services import data as service

    data = in_context(as_json, db, None, service.status, optional=True)
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{data['events_total']:,}[/bold] events", highlight=False)
    table = Table("source", "kind", "recorded by", "events", "first month", "last month", title="Sources")
    for s in data["sources"]:
        forces = ", ".join(s["forces"]) or ""
        table.add_row(s["name"], s["kind"], forces, f"{s['events']:,}", s["first_month"] or "", s["last_month"] or "")
    out.print(table)
    fresh = data["freshness"]
    if fresh["stale"]:
        out.print(f"[bold]warning:[/bold] {fresh['message']}", highlight=False)
    table = Table("category", "events", title="Events by category")
    for category, n in data["events_by_category"].items():
        table.add_row(category, f"{n:,}")
    out.print(table)
    table = Table("kind", "areas", "events placed", "events in none", title="Areas")
    for kind, a in data["areas"].items():
        table.add_row(kind, f"{a['areas']:,}", f"{a['events_placed']:,}", f"{a['events_unplaced']:,}")
    out.print(table)
    out.print(f"quarantined rows: {data['quarantined']:,}", highlight=False)


@quarantine_app.command("list")
def quarantine_list(
    db: Db = None,
    as_json: Json = False,
    reason: Annotated[str | None, typer.Option(help="Only rows whose reason contains this text.")] = None,
    file: Annotated[str | None, typer.Option(help="Only rows from this file name.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows (0: all).")] = 50,
    purpose: Annotated[str, typer.Option("--purpose", help="Why you read partner rows (kept in the audit trail).")] = "data quality",
    acting: As = None,
) -> None:
    """Show quarantined rows: file, line, reason and raw text. Rows of force and partner files
    are personal data: only their organisation's analysts and administrators see them (--as)."""
    from sara.services import data

    r = in_context(as_json, db, acting, lambda ctx: data.quarantine(ctx, reason=reason, file=file, limit=limit or None, purpose=purpose), optional=True)
    if as_json:
        print_json(r)
        return
    table = Table("file", "line", "reason", "raw", title=f"Quarantine ({len(r['rows']):,} of {r['total']:,} shown)")
    for row in r["rows"]:
        table.add_row(row["file"], str(row["line"] or ""), row["reason"], row["raw"])
    out.print(table)
    if r["not_shown"]:
        out.print(f"{r['not_shown']:,} more not shown: {r['not_shown_why']} (--as)", highlight=False)


@quarantine_app.command("export")
def quarantine_export(
    csv: Annotated[Path, typer.Option("--csv", help="Write every quarantined row you may see to this CSV file.")],
    db: Db = None,
    as_json: Json = False,
    purpose: Annotated[str, typer.Option("--purpose", help="Why you export partner rows (kept in the audit trail).")] = "data quality",
    acting: As = None,
) -> None:
    """Export every quarantined row you may see (file, line, reason, raw text, load) as CSV."""
    from sara.report.export import write_csv
    from sara.services import data

    r = in_context(as_json, db, acting, lambda ctx: data.export_quarantine(ctx, purpose=purpose), optional=True)
    try:
        n = write_csv(csv, r["columns"], r["rows"])
    except OSError as exc:
        fail(f"cannot write {csv}: {exc.strerror or exc}", as_json)
    if as_json:
        print_json({"rows": n, "csv": str(csv), "not_shown": r["not_shown"]})
    else:
        out.print(f"wrote {n:,} quarantined rows to {csv}" + (f"; {r['not_shown']:,} not yours to see" if r["not_shown"] else ""), highlight=False)


@app.command()
def serve(
    db: Db = None,
    host: Annotated[str, typer.Option(help="Address to listen on: loopback unless told otherwise (behind a proxy, say).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes (sessions and rate limits live in the database, so any worker serves any user).")] = 1,
    tile_url: Annotated[str | None, typer.Option(envvar="SARA_TILE_URL", help="Map tiles, e.g. https://tile.example.org/{z}/{x}/{y}.png (default: none; maps draw the loaded areas).")] = None,
    secure_cookies: Annotated[bool, typer.Option(envvar="SARA_SECURE_COOKIES", help="Mark cookies Secure: set when SARA is served over HTTPS.")] = False,
    sign_in_limit: Annotated[int, typer.Option(envvar="SARA_SIGN_IN_LIMIT", min=1, help="Sign-in attempts per address per minute (raise it when many users share one address).")] = 20,
) -> None:
    """Serve the web app (and its JSON API) on HOST:PORT."""
    import uvicorn

    from sara.store.engine import connect, database_url
    from sara.web.app import configure_logging, from_environment
    from sara.web.assets import NotInstalled

    url = database_url(db)
    with database_errors(False):
        connect(url).dispose()  # fail here, in one line, if the database is not ready
    os.environ.update({"SARA_DATABASE_URL": url, "SARA_TILE_URL": tile_url or "", "SARA_SECURE_COOKIES": "1" if secure_cookies else "",
                       "SARA_SIGN_IN_LIMIT": str(sign_in_limit)})  # fmt: skip
    try:
        from_environment().state.engine.dispose()  # the front-end files are installed
    except NotInstalled as exc:
        fail(str(exc))
    configure_logging()
    err.print(f"SARA is at http://{host}:{port}  (Ctrl+C stops it)", highlight=False)
    uvicorn.run("sara.web.app:from_environment", factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False)
