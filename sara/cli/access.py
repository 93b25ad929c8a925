"""Access commands: organisations, users, personal tokens, sharing agreements and the audit
trail. Each signs in as ``--as`` (password in ``SARA_PASSWORD`` or a personal token in
``SARA_TOKEN``) and calls one function of ``sara.services.access``, where the rules are."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, app, fail, in_context, out, print_json

org_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users of your organisation: add, activate, change, disable, reset.", no_args_is_help=True)
token_app = typer.Typer(help="Your personal API tokens (SARA_TOKEN): create, list, revoke.", no_args_is_help=True)
agreement_app = typer.Typer(help="Information sharing agreements: proposed by one party, live once every party accepts, ended by any.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail: verify it, checkpoint it, export an organisation's entries.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
session_app = typer.Typer(help="Signed-in web sessions: list them, and end one at once (an administrator, their organisation's).", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(session_app, name="session")
app.add_typer(agreement_app, name="agreement")
app.add_typer(audit_app, name="audit")

Name = Annotated[str, typer.Argument(help="The user's sign-in name.")]
AgreementName = Annotated[str, typer.Argument(help="The agreement's name.")]


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


def _show(data, as_json: bool, line: str) -> None:
    if as_json:
        print_json(data)
    else:
        out.print(line, highlight=False)


def _new_password(as_json: bool, option: str | None = None) -> str:
    password = option or os.environ.get("SARA_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True, err=True)
    if not password:
        fail("give the new password in SARA_PASSWORD (or type it when asked)", as_json)
    return password


def _code_line(made: dict) -> str:
    return (f"one-time code for {made['username']}: {made['one_time_code']} (valid until {made['code_expires']} UTC; shown once). "
            f"They set their password with: sara user activate {made['username']} --code CODE")  # fmt: skip


@org_app.command("add")
def org_add(
    name: Annotated[str, typer.Argument(help="The organisation's name, unique.")],
    type: Annotated[str, typer.Option("--type", help="police, council, housing, health, fire, probation, youth_justice or charity.")],
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a partner organisation (the host's administrators; anyone while the database has no users)."""
    from sara.services import access

    result = in_context(as_json, db, acting, lambda ctx: access.add_organisation(ctx, name, type), optional=True)
    _show(result, as_json, f"added organisation {result['name']} ({result['type']})")


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The sign-in name, unique.")],
    org: Annotated[str, typer.Option("--org", help="The user's organisation (its name).")],
    role: Annotated[str, typer.Option("--role", help="analyst, problem_owner, partner_practitioner, lead, administrator or public_viewer.")],
    password: Annotated[str | None, typer.Option("--password", help="The first administrator's password (else SARA_PASSWORD, or asked for).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name (default the username).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a user. The first user of a database is an administrator and needs no --as (their
    organisation becomes the host). After that an administrator adds the users of their own
    organisation, and the host's administrators the first administrator of another: each gets a
    one-time code to set their own password with (`sara user activate`)."""
    from sara.services import access

    first = None
    if acting is None:  # the first administrator of an empty database (the service checks it is)
        first = password or os.environ.get("SARA_PASSWORD") or (typer.prompt("password", hide_input=True, confirmation_prompt=True, err=True) if sys.stdin.isatty() else None)
    result = in_context(as_json, db, acting, lambda ctx: access.add_user(ctx, username, org, role, password=first, display_name=name), optional=True)
    line = f"added user {result['username']} ({result['role']}, {result['organisation']})"
    _show(result, as_json, line + (f"\n{_code_line(result)}" if "one_time_code" in result else ""))


@user_app.command("activate")
def user_activate(
    username: Name,
    code: Annotated[str, typer.Option("--code", help="The one-time code your administrator gave you.")],
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Set your password (from SARA_PASSWORD, or asked for) with your one-time code."""
    from sara.services import access

    password = _new_password(as_json)
    result = in_context(as_json, db, None, lambda ctx: access.activate(ctx.engine, username, code, password), optional=True)
    _show(result, as_json, f"{result['username']} can now sign in")


@user_app.command("change")
def user_change(
    username: Name,
    role: Annotated[str | None, typer.Option("--role", help="The new role.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The new display name.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Change a user's role or display name (your organisation's users only)."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.change_user(ctx, username, role=role, display_name=name))
    _show(r, as_json, f"{r['username']}: {r['role']}, {r['display_name']}")


@user_app.command("disable")
def user_disable(username: Name, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Stop a user signing in (their tokens stop working too)."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.set_active(ctx, username, False))
    _show(r, as_json, f"{r['username']} is disabled")


@user_app.command("enable")
def user_enable(username: Name, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Let a disabled user sign in again."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.set_active(ctx, username, True))
    _show(r, as_json, f"{r['username']} is enabled")


@user_app.command("reset")
def user_reset(username: Name, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Clear a user's password and revoke their tokens; prints a new one-time code."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.reset_user(ctx, username))
    _show(r, as_json, _code_line(r))


@user_app.command("list")
def user_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Your organisation's users (administrators and leads)."""
    from rich.table import Table

    from sara.services import access

    rows = in_context(as_json, db, acting, access.list_users)
    if as_json:
        print_json(rows)
        return
    table = Table("user", "name", "role", "active", title="Users")
    for r in rows:
        table.add_row(r["username"], r["display_name"], r["role"], "yes" if r["active"] else "no")
    out.print(table)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option("--name", help="What the token is for, e.g. 'nightly export'.")] = "personal token",
    days: Annotated[int, typer.Option("--days", help="Valid for this many days (0: until revoked).")] = 90,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Create a personal API token (printed once; SARA keeps only its hash). Use it as SARA_TOKEN with --as."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.create_token(ctx, name, days=days or None))
    _show(r, as_json, f"token {r['id']} ({r['name']}, until {r['expires_at'] or 'revoked'}): {r['token']}\nkeep it secret: it is shown once")


@token_app.command("list")
def token_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Your tokens (never the tokens themselves)."""
    from rich.table import Table

    from sara.services import access

    rows = in_context(as_json, db, acting, access.list_tokens)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "created", "expires", "revoked", "last used", title="Your tokens")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["created_at"], r["expires_at"] or "", "yes" if r["revoked"] else "", r["last_used_at"] or "")
    out.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id (see `sara token list`).")], acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Revoke one of your tokens at once."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.revoke_token(ctx, token_id))
    _show(r, as_json, f"token {r['id']} revoked")


def _agreement_line(g: dict) -> str:
    waiting = f"; awaiting {', '.join(g['awaiting'])}" if g["awaiting"] else ""
    return (f"{g['name']} ({g['status']}{waiting}): {', '.join(g['parties'])} share {', '.join(g['categories'])} at {g['scope']} "
            f"from {g['valid_from']} to {g['valid_to'] or 'open'}")  # fmt: skip


@agreement_app.command("propose")
def agreement_propose(
    name: Annotated[str, typer.Argument(help="The agreement's name, unique.")],
    party: Annotated[list[str], typer.Option("--party", help="A party organisation (repeat: at least two, yours among them).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why the data is shared.")],
    scope: Annotated[str, typer.Option("--scope", help="existence, summary or full.")],
    category: Annotated[list[str], typer.Option("--category", help="A data category shared: victim, suspect, witness, vulnerability, premises (repeat).")],
    valid_from: Annotated[str | None, typer.Option("--from", help="Live from (YYYY-MM-DD or ISO time, UTC; default now), once every party accepts.")] = None,
    valid_to: Annotated[str | None, typer.Option("--to", help="Live until, exclusive (default open-ended).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Propose a sharing agreement (an administrator or lead of a party); live once every other party accepts."""
    from sara.services import access

    start, end = _when(valid_from, "--from", as_json), _when(valid_to, "--to", as_json)
    g = in_context(as_json, db, acting, lambda ctx: access.propose_agreement(ctx, name, party, purpose, scope, category, start, end))
    _show(g, as_json, "proposed " + _agreement_line(g))


agreement_app.command("add", help="Propose a sharing agreement (the same as `sara agreement propose`).")(agreement_propose)


@agreement_app.command("accept")
def agreement_accept(name: AgreementName, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Accept, for your organisation, an agreement it is a party to."""
    from sara.services import access

    g = in_context(as_json, db, acting, lambda ctx: access.accept_agreement(ctx, name))
    _show(g, as_json, "accepted " + _agreement_line(g))


@agreement_app.command("end")
def agreement_end(
    name: AgreementName,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it ends (kept in the audit trail).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """End an agreement now, for every party (any party's administrator or lead)."""
    from sara.services import access

    g = in_context(as_json, db, acting, lambda ctx: access.end_agreement(ctx, name, reason=reason))
    _show(g, as_json, "ended " + _agreement_line(g))


@agreement_app.command("list")
def agreement_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """The agreements your organisation is a party to, with their status."""
    from sara.services import access

    rows = in_context(as_json, db, acting, access.list_agreements)
    if as_json:
        print_json(rows)
    else:
        for g in rows:
            out.print(_agreement_line(g), highlight=False)
        if not rows:
            out.print("no agreements yet: `sara agreement propose`")


@agreement_app.command("show")
def agreement_show(name: AgreementName, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """One agreement: parties, purpose, scope, categories, who has accepted."""
    from sara.services import access

    g = in_context(as_json, db, acting, lambda ctx: access.show_agreement(ctx, name))
    if as_json:
        print_json(g)
        return
    out.print(_agreement_line(g), highlight=False)
    out.print(f"  purpose: {g['purpose']}", highlight=False)
    for party, when in g["accepted"].items():
        out.print(f"  {party}: {'accepted ' + when if when else 'not yet accepted'}", highlight=False)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="A checkpoint from `sara audit checkpoint`: also check the chain still passes through it.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Check the audit chain under its key: exit 0 when intact; 1 and the first bad entry when not."""
    from sara.services import access

    point = None
    if checkpoint is not None:
        try:
            point = json.loads(checkpoint.read_text())
        except (OSError, ValueError) as exc:
            fail(f"cannot read the checkpoint {checkpoint}: {getattr(exc, 'strerror', None) or exc}", as_json)
    data = in_context(as_json, db, acting, lambda ctx: access.verify_audit(ctx, point), optional=True)
    if as_json:
        print_json(data)
    elif data["ok"]:
        out.print(f"audit trail intact: {data['reason']}", highlight=False)
    else:
        where = f" at entry {data['first_bad_seq']}" if data["first_bad_seq"] else ""
        out.print(f"[red]audit trail broken{where}:[/red] {data['reason']}", highlight=False)
    if not data["ok"]:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    out_file: Annotated[Path, typer.Option("--out", help="Write the signed head of the chain to this file; keep it away from the database.")],
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Write the signed head (sequence, hash, time) of the audit chain, for keeping elsewhere."""
    from sara.services import access

    point = in_context(as_json, db, acting, access.audit_checkpoint, optional=True)
    try:
        out_file.write_text(json.dumps(point, indent=2) + "\n")
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror or exc}", as_json)
    _show(point | {"out": str(out_file)}, as_json, f"checkpoint at entry {point['seq']} written to {out_file}: keep it where the database is not")


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
    from sara.report.export import write_csv
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.export_audit(ctx, org, purpose=purpose))
    try:
        n = write_csv(csv, r["columns"], r["rows"])
    except OSError as exc:
        fail(f"cannot write {csv}: {exc.strerror or exc}", as_json)
    _show({"rows": n, "csv": str(csv), "organisation": org}, as_json, f"wrote {n:,} audit entries of {org} to {csv}")


@session_app.command("list")
def session_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Live web sessions: your own, or as an administrator your organisation's users'."""
    from rich.table import Table

    from sara.services import access

    rows = in_context(as_json, db, acting, access.live_sessions)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "user", "organisation", "signed in", "last seen", "ends by", title="Live sessions")
    for r in rows:
        table.add_row(str(r["id"]), r["username"], r["organisation"], r["signed_in"], r["last_seen"], r["ends_by"])
    out.print(table)


@session_app.command("revoke")
def session_revoke(session_id: Annotated[int, typer.Argument(help="The session's id (see `sara session list`).")], acting: As = None, db: Db = None,
                   as_json: Json = False) -> None:  # fmt: skip
    """End a session at once: its browser is signed out on its next request."""
    from sara.services import access

    r = in_context(as_json, db, acting, lambda ctx: access.revoke_session(ctx, session_id))
    _show(r, as_json, f"session {r['session']} of {r['user']} ended" if r["ended"] else f"session {r['session']} had already ended")
