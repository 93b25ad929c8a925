"""What every command group shares: the ``app``, the common options (``--db``, ``--json``,
``--as``), signing in, one-line failures, progress bars on stderr and JSON on stdout."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sara.errors import DatabaseError

app = typer.Typer(help="SARA: find, work and assess community safety problems together.", no_args_is_help=True, add_completion=False)

out = Console()
err = Console(stderr=True)

Db = Annotated[str | None, typer.Option("--db", envvar="SARA_DATABASE_URL", help="Database URL (default sqlite:///sara.db).")]
Json = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def option_for(field: str) -> str | None:
    """How the running command spells the input a service calls ``field``: the option or
    argument of that name (``statement`` -> ``--statement``), else its group's entry in
    ``FIELD_OPTIONS``."""
    try:  # typer 0.29 runs commands under its own copy of click, whose context this is
        from typer._click.globals import get_current_context
    except ImportError:
        from click import get_current_context

    ctx = get_current_context(silent=True)
    for param in ctx.command.params if ctx else ():
        spelled = [o for o in param.opts if o.startswith("--")]
        if param.name == field or any(o[2:].replace("-", "_") == field for o in spelled):
            return spelled[0] if spelled else (param.name or field).upper()  # an argument: its name, as --help shows it
    while ctx and ctx.parent and ctx.parent.parent:  # up to the group under ``sara`` (``tags`` of ``sara tags compare``)
        ctx = ctx.parent
    return FIELD_OPTIONS.get(ctx.info_name if ctx else None, {}).get(field)


# By command group: the fields its options spell otherwise than the field (services speak
# fields, not flags). One map per group, so one group's spelling never names another's option.
FIELD_OPTIONS: dict[str | None, dict[str, str]] = {}


def spell_fields(groups: str | tuple[str, ...], fields: dict[str, str]) -> None:
    """Record how the commands of ``groups`` spell ``fields`` (``{"metres": "--distance"}``)."""
    for group in (groups,) if isinstance(groups, str) else groups:
        FIELD_OPTIONS.setdefault(group, {}).update(fields)


def worded(exc: Exception) -> str:
    """A service's error in the CLI's words: an ``Invalid`` field becomes its option."""
    from sara.errors import Invalid

    if isinstance(exc, Invalid) and exc.field:
        option = option_for(exc.field)
        if option and option not in str(exc):
            return f"{option}: {exc}"
    return str(exc)


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


def acting_user(engine, username: str | None, as_json: bool, *, optional: bool = False):
    """The user named by ``--as``, signed in with their personal token (``SARA_TOKEN``) or
    password (``SARA_PASSWORD``, or asked for at a terminal); each failure counts toward their
    lockout. None when nobody is named and ``optional`` (the service decides whether nobody
    may act: the first administrator of an empty database, public counts)."""
    from sara.errors import SaraError
    from sara.services.access import SIGN_IN, sign_in

    if username is None:
        if optional:
            return None
        fail(f"{SIGN_IN}: --as USER (or SARA_USER), and SARA_PASSWORD or SARA_TOKEN", as_json)
    token = os.environ.get("SARA_TOKEN") or None
    password = os.environ.get("SARA_PASSWORD")
    if token is None and password is None and sys.stdin.isatty():
        password = typer.prompt(f"password of {username}", hide_input=True, err=True)
    try:
        return sign_in(engine, username, password=password, token=token)
    except SaraError as exc:
        fail(f"{exc}: give the password in SARA_PASSWORD or a personal token in SARA_TOKEN" if password is None and token is None else str(exc), as_json)


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
    """Sign in as ``--as`` and return ``call(engine, actor)``: one service call, whose
    refusal or bad input becomes a one-line failure with exit code 1."""
    return in_context(as_json, db, acting, lambda ctx: call(ctx.engine, ctx.actor))


def in_context(as_json: bool, db: str | None, acting: str | None, call, *, optional: bool = False):
    """Sign in as ``--as`` (optional with ``optional``) and return ``call(ctx)`` with a
    ``sara.services.Context``; every ``SaraError`` (and ``ValueError``) becomes one line in
    the CLI's words (``worded``), the law's refusals marked "refused:"."""
    from sara.casework.powers import Refused
    from sara.errors import SaraError, Unauthenticated
    from sara.services import Context

    with database_errors(as_json):
        engine = engine_from(db)
        try:
            actor = acting_user(engine, acting, as_json, optional=optional)
            return call(Context(engine, actor))
        except Unauthenticated as exc:
            fail(f"{exc}: --as USER (or SARA_USER), and SARA_PASSWORD or SARA_TOKEN" if acting is None else str(exc), as_json)
        except Refused as exc:
            fail(f"refused: {worded(exc)}", as_json)
        except (SaraError, ValueError) as exc:
            fail(worded(exc), as_json)
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


def run_load(db: str | None, as_json: bool, acting: str | None, paths: list[str], suffixes: tuple[str, ...], label: str, load) -> None:
    """Signs in as ``acting`` if given, runs ``load(ctx, tick)`` (one service) under a
    progress bar over the files, shows the summary; a database, mapping or permission problem
    is one line and exit 1."""
    from sara.intake.files import expand

    def call(ctx):
        items, _ = expand(paths, suffixes)
        with progress(label, len(items)) as tick:
            return load(ctx, tick)

    show_load(in_context(as_json, db, acting, call, optional=True), as_json)
