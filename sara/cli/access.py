"""Access commands: organisations, users, sharing agreements and the audit trail.

Each acts as the user named by ``--as`` (or ``SARA_USER``) and checks the same permissions
as the web app (``sara.access.permissions.can``). Until the first user exists, ``org add``
and ``user add`` run without ``--as`` so a new database can get its first administrator.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, acting_user, app, database_errors, engine_from, fail, out, print_json

org_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users, their organisation and role.", no_args_is_help=True)
agreement_app = typer.Typer(help="Information sharing agreements between organisations.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail of personal data: verify it, export an organisation's entries.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(agreement_app, name="agreement")
app.add_typer(audit_app, name="audit")



def _require(actor, action: str, resource: str, owner_org: int | None, as_json: bool) -> None:
    from sara.access.permissions import can

    if actor is None:
        return
    d = can(actor, action, resource, owner_org)
    if not d.allowed:
        fail(f"not allowed: {d.reason}", as_json)


def _when(value: str | None, what: str, as_json: bool) -> dt.datetime | None:
    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{what} {value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM", as_json)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def _show(data: dict, as_json: bool, line: str) -> None:
    if as_json:
        print_json(data)
    else:
        out.print(line, highlight=False)


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="The organisation's name, unique.")],
    type: Annotated[str, typer.Option("--type", help="police, council, housing, health, fire, probation, youth_justice or charity.")],
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a partner organisation (an administrator's job; open until the first user exists)."""
    from sara.access.users import AccessError, add_organisation

    with database_errors(as_json):
        engine = engine_from(db)
        actor = acting_user(engine, acting, as_json, bootstrap=True)
        _require(actor, "write", "organisation", None, as_json)
        try:
            result = add_organisation(engine, name, type, actor=actor)
        except (AccessError, ValueError) as exc:
            fail(str(exc), as_json)
    _show(result, as_json, f"added organisation {result['name']} ({result['type']})")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The sign-in name, unique.")],
    org: Annotated[str, typer.Option("--org", help="The user's organisation (its name).")],
    role: Annotated[str, typer.Option("--role", help="analyst, problem_owner, partner_practitioner, lead, administrator or public_viewer.")],
    password: Annotated[str, typer.Option("--password", envvar="SARA_PASSWORD", prompt=True, hide_input=True, confirmation_prompt=True,
                                          help="The password (or SARA_PASSWORD; asked for when missing).")],  # fmt: skip
    name: Annotated[str | None, typer.Option("--name", help="Display name (default the username).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a user. The first user of a database must be an administrator and needs no --as;
    after that an administrator adds users."""
    from sara.access.users import AccessError, add_user, organisation_id

    with database_errors(as_json):
        engine = engine_from(db)
        actor = acting_user(engine, acting, as_json, bootstrap=True)
        if actor is None and role != "administrator":
            fail("the first user must be an administrator (--role administrator)", as_json)
        try:
            _require(actor, "write", "user", organisation_id(engine, org), as_json)
            result = add_user(engine, username, org, role, password, display_name=name, actor=actor)
        except (AccessError, ValueError) as exc:
            fail(str(exc), as_json)
    _show(result, as_json, f"added user {result['username']} ({result['role']}, {result['organisation']})")


@agreement_app.command("add")
def agreement_add(
    name: Annotated[str, typer.Argument(help="The agreement's name, unique.")],
    party: Annotated[list[str], typer.Option("--party", help="A party organisation (repeat: at least two).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why the data is shared.")],
    scope: Annotated[str, typer.Option("--scope", help="existence, summary or full.")],
    category: Annotated[list[str], typer.Option("--category", help="A data category shared: victim, suspect, witness, vulnerability, premises (repeat).")],
    valid_from: Annotated[str | None, typer.Option("--from", help="Live from (YYYY-MM-DD or ISO time, UTC; default now).")] = None,
    valid_to: Annotated[str | None, typer.Option("--to", help="Live until, exclusive (default open-ended).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Record a sharing agreement; the acting administrator's organisation must be a party."""
    from sara.access.agreements import add_agreement
    from sara.access.users import AccessError, organisation_id

    start = _when(valid_from, "--from", as_json)
    end = _when(valid_to, "--to", as_json)
    with database_errors(as_json):
        engine = engine_from(db)
        actor = acting_user(engine, acting, as_json)
        _require(actor, "write", "agreement", actor.organisation_id, as_json)
        try:
            if actor.organisation_id not in {organisation_id(engine, p) for p in party}:
                fail(f"not allowed: {actor.organisation} is not a party to this agreement", as_json)
            result = add_agreement(engine, name, party, purpose, scope, category, start or dt.datetime.now(dt.UTC), end, actor=actor)
        except (AccessError, ValueError) as exc:
            fail(str(exc), as_json)
    _show(result, as_json, f"added agreement {result['name']}: {', '.join(result['parties'])} share {', '.join(result['categories'])} at {result['scope']} "
                           f"from {result['valid_from']} to {result['valid_to'] or 'open'}")  # fmt: skip


@audit_app.command("verify")
def audit_verify(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Check the audit chain: exit 0 when intact; 1 and the first bad entry when not."""
    from sara.access.audit import verify

    with database_errors(as_json):
        engine = engine_from(db)
        if acting is not None:
            actor = acting_user(engine, acting, as_json)
            _require(actor, "read", "audit", actor.organisation_id, as_json)
        ok, bad, reason = verify(engine)
    data = {"ok": ok, "first_bad_seq": bad, "reason": reason}
    if as_json:
        print_json(data)
    elif ok:
        out.print(f"audit trail intact: {reason}", highlight=False)
    else:
        out.print(f"[red]audit trail broken at entry {bad}:[/red] {reason}", highlight=False)
    if not ok:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    org: Annotated[str, typer.Option("--org", help="The organisation whose entries to export (by its users or about its data).")],
    csv: Annotated[Path, typer.Option("--csv", help="Write the entries to this CSV file.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why the log is exported.")] = "audit export",
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Export an organisation's audit entries as CSV (administrators and leads of that organisation)."""
    from sara.access.audit import export
    from sara.access.users import AccessError, organisation_id

    with database_errors(as_json):
        engine = engine_from(db)
        actor = acting_user(engine, acting, as_json)
        try:
            oid = organisation_id(engine, org)
            _require(actor, "export", "audit", oid, as_json)
            n = export(engine, oid, csv, actor=actor, purpose=purpose)
        except AccessError as exc:
            fail(str(exc), as_json)
        except OSError as exc:
            fail(f"cannot write {csv}: {exc.strerror or exc}", as_json)
    _show({"rows": n, "csv": str(csv), "organisation": org}, as_json, f"wrote {n:,} audit entries of {org} to {csv}")
