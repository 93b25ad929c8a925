"""The command line: one command per user job. Each parses its input, calls one service
function and renders the result, as a table for people or as JSON (``--json``) for scripts.
Progress goes to stderr, so ``--json`` output on stdout stays clean."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sara.store.engine import DatabaseError

app = typer.Typer(help="SARA: find, work and assess community safety problems together.", no_args_is_help=True, add_completion=False)
load_app = typer.Typer(help="Load data: police.uk files, force and partner exports, areas.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Rows that could not be loaded, with their reasons.", no_args_is_help=True)
app.add_typer(load_app, name="load")
app.add_typer(quarantine_app, name="quarantine")

out = Console()
err = Console(stderr=True)

Db = Annotated[str | None, typer.Option("--db", envvar="SARA_DATABASE_URL", help="Database URL (default sqlite:///sara.db).")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def fail(message: str, as_json: bool, code: int = 1) -> None:
    if as_json:
        print(json.dumps({"error": message}))
    else:
        err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


As = Annotated[str | None, typer.Option("--as", envvar="SARA_USER", help="Act as this user (their role and organisation decide what is allowed).")]


def engine_from(db: str | None):
    from sara.store.engine import connect

    return connect(db)


def acting_user(engine, username: str | None, as_json: bool, *, bootstrap: bool = False):
    """The user named by ``--as``; None only while no user exists and ``bootstrap`` allows
    it (creating the first administrator). The CLI checks the same permissions as the web."""
    from sara.access.users import AuthError, acting_as, count_users

    if username is None:
        if bootstrap and count_users(engine) == 0:
            return None
        fail("say who is acting with --as USERNAME (or SARA_USER)", as_json)
    try:
        return acting_as(engine, username)
    except AuthError as exc:
        fail(str(exc), as_json)


@contextmanager
def database_errors(as_json: bool) -> Iterator[None]:
    try:
        yield
    except DatabaseError as exc:
        fail(str(exc), as_json)


def parse_date(value: str | None, what: str, as_json: bool) -> dt.date | None:
    """``value`` as a date (None stays None), or a one-line failure naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{what} {value!r} is not a date: use YYYY-MM-DD", as_json)


def as_user(as_json: bool, db: str | None, acting: str | None, call):
    """Sign in as ``--as`` and return ``call(engine, actor)``: one service call. A refusal or
    bad input (``AccessError``, ``ValueError``; the law's refusals marked "refused:") becomes a
    one-line failure with exit code 1."""
    from sara.access.users import AccessError
    from sara.casework.powers import Refused

    with database_errors(as_json):
        engine = engine_from(db)
        actor = acting_user(engine, acting, as_json)
        try:
            return call(engine, actor)
        except Refused as exc:
            fail(f"refused: {exc}", as_json)
        except (AccessError, ValueError) as exc:
            fail(str(exc), as_json)
        finally:
            engine.dispose()


@contextmanager
def progress(description: str, total: int, quiet: bool = False):
    """A rich progress bar on stderr; yields ``tick(name, n)``."""
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[name]}"),
        console=err, transient=quiet, disable=total == 0,
    )  # fmt: skip
    with bar:
        task = bar.add_task(description, total=total, name="")
        yield lambda name, n=1: bar.update(task, advance=n, name=name)


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str))


def show_load(report, as_json: bool) -> None:
    """The load summary, then exit 0 if every file was read, 1 if any was refused or missing."""
    data = report.to_dict()
    if as_json:
        print_json(data)
    else:
        table = Table("file", "kind", "read", "inserted", "updated", "unchanged", "quarantined", title="Load summary")
        for f in report.files:
            name = PurePosixPath(f.path.split("!")[-1]).name
            if f.refused:
                table.add_row(name, f.kind, "[red]refused[/red]", "", "", "", f.refused)
            else:
                table.add_row(name, f.kind, *(f"{v:,}" for v in (f.rows_read, f.inserted, f.updated, f.unchanged, f.quarantined)))
        table.add_row("[bold]total", "", *(f"[bold]{data[k]:,}" for k in ("rows_read", "inserted", "updated", "unchanged", "quarantined")))
        out.print(table)
        for m in report.missing:
            err.print(f"[red]error:[/red] {m['path']}: {m['error']}", highlight=False, soft_wrap=True)
        for reason, n in data["quarantined_by_reason"].items():
            out.print(f"quarantined {n:,}: {reason}", highlight=False)
        if data["quarantined"]:
            out.print("See them with `sara quarantine list`.")
        if report.areas:
            show_assignment(report.areas)
    if not report.ok:
        raise typer.Exit(1)


def show_assignment(areas: dict) -> None:
    if not areas.get("events"):
        out.print("no new events to place in areas")
        return
    for kind, info in areas.get("by_kind", {}).items():
        out.print(
            f"areas ({kind}): {info['matched']:,} events placed, {info['unmatched']:,} in no {kind}"
            + "".join(f"; {n:,} {why}" for why, n in info.get("unmatched_by_reason", {}).items()),
            highlight=False,
        )
        if info.get("note"):
            out.print(info["note"], highlight=False)


def run_load(db: str | None, as_json: bool, paths: list[str], suffixes: tuple[str, ...], label: str, load) -> None:
    """Connects, runs ``load(engine, tick)`` under a progress bar over the files, shows the
    summary; a database or mapping problem is one line and exit 1."""
    from sara.intake.files import expand
    from sara.store.engine import connect

    with database_errors(as_json):
        engine = connect(db)
        items, _ = expand(paths, suffixes)
        try:
            with progress(label, len(items)) as tick:
                report = load(engine, tick)
        except ValueError as exc:
            fail(str(exc), as_json)
    show_load(report, as_json)


@app.command()
def init(db: Db = None, as_json: Json = False) -> None:
    """Create the database, or upgrade it to the newest schema."""
    from sara.store.engine import init as init_db

    with database_errors(as_json):
        result = init_db(db)
    if as_json:
        print_json(result)
    else:
        out.print(f"database {result['database']} is at schema {result['revision']}", highlight=False)


@load_app.command("police-uk")
def load_police_uk(
    paths: Annotated[list[str], typer.Argument(help="CSV files, folders or zip archives in the data.police.uk layout.")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Load data.police.uk street, outcomes and stop-and-search files."""
    from sara.intake.files import SUFFIXES
    from sara.intake.load import load_police_uk as load

    run_load(db, as_json, paths, SUFFIXES, "loading police.uk", lambda engine, tick: load(engine, paths, tick))


@load_app.command("events")
def load_events(
    paths: Annotated[list[str], typer.Argument(help="CSV or XLSX files, folders or zip archives of a force or partner export.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="TOML mapping naming the file's columns (see mappings/README.md).")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Load force or partner exports (CSV, XLSX) described by a mapping."""
    from sara.intake.mapped import SUFFIXES
    from sara.intake.mapped import load_events as load

    run_load(db, as_json, paths, SUFFIXES, "loading events", lambda engine, tick: load(engine, paths, str(mapping), tick))


@load_app.command("areas")
def load_areas(
    paths: Annotated[list[str], typer.Argument(help="GeoJSON, GeoPackage or Shapefile boundaries (or zip archives of them).")],
    kind: Annotated[str, typer.Option("--kind", help="lsoa, ward, district or custom.")],
    code_field: Annotated[str | None, typer.Option(help="The field holding each area's code (detected if not given).")] = None,
    name_field: Annotated[str | None, typer.Option(help="The field holding each area's name (detected if not given).")] = None,
    population: Annotated[str | None, typer.Option(help="A CSV of area code and population to attach.")] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Load boundaries and place every event in them (point-in-polygon, or its LSOA code)."""
    from sara.intake.areas import SUFFIXES
    from sara.intake.areas import load_areas as load

    run_load(
        db, as_json, paths, SUFFIXES, f"loading {kind} areas",
        lambda engine, tick: load(engine, paths, kind, code_field=code_field, name_field=name_field, population_csv=population, tick=tick),
    )  # fmt: skip


@app.command()
def status(db: Db = None, as_json: Json = False) -> None:
    """What is loaded: sources, months, counts by category, areas and quarantine."""
    from sara.store.engine import connect
    from sara.store.status import status as get_status

    with database_errors(as_json):
        data = get_status(connect(db))
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{data['events_total']:,}[/bold] events", highlight=False)
    table = Table("source", "kind", "events", "first month", "last month", title="Sources")
    for s in data["sources"]:
        table.add_row(s["name"], s["kind"], f"{s['events']:,}", s["first_month"] or "", s["last_month"] or "")
    out.print(table)
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
) -> None:
    """Show quarantined rows: file, line, reason and raw text."""
    from sara.store.engine import connect
    from sara.store.status import quarantined

    with database_errors(as_json):
        rows, total = quarantined(connect(db), reason=reason, file=file, limit=limit or None)
    if as_json:
        print_json({"total": total, "rows": rows})
        return
    table = Table("file", "line", "reason", "raw", title=f"Quarantine ({len(rows):,} of {total:,} shown)")
    for r in rows:
        table.add_row(r["file"], str(r["line"] or ""), r["reason"], r["raw"])
    out.print(table)


@quarantine_app.command("export")
def quarantine_export(
    csv: Annotated[Path, typer.Option("--csv", help="Write every quarantined row to this CSV file.")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Export every quarantined row (file, line, reason, raw text, load) as CSV."""
    from sara.store.engine import connect
    from sara.store.status import export_quarantine

    with database_errors(as_json):
        try:
            n = export_quarantine(connect(db), csv)
        except OSError as exc:
            fail(f"cannot write {csv}: {exc.strerror or exc}", as_json)
    if as_json:
        print_json({"rows": n, "csv": str(csv)})
    else:
        out.print(f"wrote {n:,} quarantined rows to {csv}", highlight=False)


@app.command()
def serve(
    db: Db = None,
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web app."""
    import uvicorn

    from sara.store.engine import connect
    from sara.web.app import create_app

    with database_errors(False):
        engine = connect(db)
    err.print(f"SARA is at http://{host}:{port}  (Ctrl+C stops it)")
    uvicorn.run(create_app(engine), host=host, port=port, log_level="warning")


from sara import cli_access, cli_demo, cli_patrols, cli_people, cli_powers, cli_problems, cli_scan  # noqa: E402, F401  (register their commands on ``app``)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
