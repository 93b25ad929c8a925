"""Access jobs: signing in, organisations, users, personal tokens, sharing agreements and the
audit trail. The rules live in ``sara.access``; here is what a face must not decide for
itself: who acts when nobody is signed in (only the first administrator of an empty
database), and the order of check, act and audit."""

from __future__ import annotations

import datetime as dt

from sara.access import agreements, audit, sessions, users
from sara.access.permissions import require
from sara.errors import Invalid, TooMany, Unauthenticated
from sara.services import Context, utcnow

SIGN_IN = "say who is acting, with their password or a personal token"


def sign_in(engine, username: str, *, password: str | None = None, token: str | None = None):
    """The actor for ``username`` proved by a personal API ``token`` or a ``password``
    (``Unauthenticated`` otherwise; each failure counts toward the lockout)."""
    if not username:
        raise Unauthenticated(SIGN_IN)
    if token:
        return users.authenticate_token(engine, username, token)
    if password is None:
        raise Unauthenticated(f"give the password of {username} (or a personal token) to act as them")
    return users.authenticate(engine, username, password)


SIGN_IN_LIMIT = 20  # sign-in attempts per address per minute, before the per-user lockout
SIGN_IN_WINDOW = dt.timedelta(minutes=1)


def start_session(engine, username: str, password: str, *, address: str = "", agent: str | None = None, limit: int = SIGN_IN_LIMIT,
                  now=None) -> tuple[str, sessions.Session]:  # fmt: skip
    """Sign in by password for a browser session: the cookie value and the session. Attempts
    from one ``address`` are rate-limited to ``limit`` a minute (a password spray across many usernames never reaches
    any user's lockout), then the user's own lockout applies; every attempt is audited."""
    now = now or utcnow()
    if not sessions.hit(engine, f"sign-in:{address}", limit=limit, window=SIGN_IN_WINDOW, now=now):
        raise TooMany("too many sign-in attempts from this address: wait a minute and try again")
    if not username or not password:
        raise Invalid("enter your username and password", field="username" if not username else "password")
    actor = users.authenticate(engine, username, password, at=now)
    return sessions.start(engine, actor, now=now, agent=agent)


def resume_session(engine, token: str | None, *, now=None) -> sessions.Session:
    """The live session of a cookie (``Unauthenticated`` when ended, timed out or unknown)."""
    return sessions.resume(engine, token, now=now)


def bearer(engine, token: str | None, *, now=None):
    """The actor of a personal API token sent as ``Authorization: Bearer``."""
    return users.authenticate_bearer(engine, token, now=now)


def end_session(engine, session: sessions.Session, *, now=None) -> None:
    sessions.sign_out(engine, session, now=now)


def remember_purpose(engine, session: sessions.Session, record: str, purpose: str) -> sessions.Session:
    if not (purpose or "").strip():
        raise Invalid("say why you are reading this record", field="purpose", fix="e.g. 'tasking meeting 3 March', 'ASB case review'")
    return sessions.remember_purpose(engine, session, record, purpose.strip()[:200])


def live_sessions(ctx: Context) -> list[dict]:
    _signed_in(ctx)
    return sessions.live_sessions(ctx.engine, ctx.actor, now=ctx.now)


def revoke_session(ctx: Context, session_id: int) -> dict:
    _signed_in(ctx)
    return sessions.revoke(ctx.engine, ctx.actor, session_id, now=ctx.now)


def bootstrapping(ctx: Context) -> bool:
    """True while the database has no users: the one moment nobody need be signed in."""
    return ctx.actor is None and users.count_users(ctx.engine) == 0


def _signed_in(ctx: Context) -> None:
    if ctx.actor is None:
        raise Unauthenticated(SIGN_IN)


def add_organisation(ctx: Context, name: str, type: str) -> dict:
    """Add an organisation: the host's administrators, or anyone while the database has no users."""
    if not bootstrapping(ctx):
        _signed_in(ctx)
    return users.add_organisation(ctx.engine, name, type, actor=ctx.actor)


def add_user(ctx: Context, username: str, organisation: str, role: str, *, password: str | None = None, display_name: str | None = None) -> dict:
    """Add a user. The first user of a database is an administrator with a password, and
    their organisation becomes the host; after that an administrator adds users of their own
    organisation (or the host's, the first administrator of another) with a one-time code."""
    if bootstrapping(ctx):
        if role != "administrator":
            raise Invalid("the first user must be an administrator", field="role", fix="give the role administrator")
        if not password:
            raise Invalid("the first administrator needs a password", field="password")
        return users.add_user(ctx.engine, username, organisation, role, password, display_name=display_name, now=ctx.now)
    _signed_in(ctx)
    return users.add_user(ctx.engine, username, organisation, role, password, display_name=display_name, actor=ctx.actor, now=ctx.now)


def activate(engine, username: str, code: str, password: str) -> dict:
    """Set one's own password with the one-time code; returns the user."""
    return users.user_info(users.activate(engine, username, code, password))


def change_user(ctx: Context, username: str, *, role: str | None = None, display_name: str | None = None) -> dict:
    _signed_in(ctx)
    return users.change_user(ctx.engine, ctx.actor, username, role=role, display_name=display_name)


def set_active(ctx: Context, username: str, active: bool) -> dict:
    _signed_in(ctx)
    return users.set_active(ctx.engine, ctx.actor, username, active)


def reset_user(ctx: Context, username: str) -> dict:
    _signed_in(ctx)
    return users.reset_user(ctx.engine, ctx.actor, username, now=ctx.now)


def list_users(ctx: Context) -> list[dict]:
    _signed_in(ctx)
    return users.list_users(ctx.engine, ctx.actor)


def create_token(ctx: Context, name: str, *, days: int | None = 90) -> dict:
    _signed_in(ctx)
    return users.create_token(ctx.engine, ctx.actor, name, days=days, now=ctx.now)


def list_tokens(ctx: Context) -> list[dict]:
    _signed_in(ctx)
    return users.list_tokens(ctx.engine, ctx.actor)


def revoke_token(ctx: Context, token_id: int) -> dict:
    _signed_in(ctx)
    return users.revoke_token(ctx.engine, ctx.actor, token_id, now=ctx.now)


def propose_agreement(ctx: Context, name: str, parties: list[str], purpose: str, scope: str, categories: list[str], valid_from, valid_to=None) -> dict:
    _signed_in(ctx)
    return agreements.propose(ctx.engine, name, parties, purpose, scope, categories, valid_from or ctx.now, valid_to, actor=ctx.actor, now=ctx.now)


def accept_agreement(ctx: Context, name: str) -> dict:
    _signed_in(ctx)
    return agreements.accept(ctx.engine, ctx.actor, name, now=ctx.now)


def end_agreement(ctx: Context, name: str, *, reason: str | None = None) -> dict:
    _signed_in(ctx)
    return agreements.end(ctx.engine, ctx.actor, name, reason=reason, now=ctx.now)


def list_agreements(ctx: Context) -> list[dict]:
    _signed_in(ctx)
    return agreements.list_agreements(ctx.engine, ctx.actor, at=ctx.now)


def show_agreement(ctx: Context, name: str) -> dict:
    _signed_in(ctx)
    return agreements.show(ctx.engine, name, actor=ctx.actor, at=ctx.now)


def verify_audit(ctx: Context, checkpoint: dict | None = None) -> dict:
    """Recompute the chain under the key (behind ``checkpoint`` if given). Nothing personal is
    shown; a signed-in actor must be allowed to read their organisation's audit."""
    if ctx.actor is not None:
        require(ctx.actor, "read", "audit", ctx.actor.organisation_id)
    ok, bad, reason = audit.verify(ctx.engine, checkpoint)
    return {"ok": ok, "first_bad_seq": bad, "reason": reason}


def audit_checkpoint(ctx: Context) -> dict:
    """The signed head of the chain, to keep elsewhere."""
    if ctx.actor is not None:
        require(ctx.actor, "read", "audit", ctx.actor.organisation_id)
    return audit.checkpoint(ctx.engine)


def export_audit(ctx: Context, organisation: str, *, purpose: str = "audit export") -> dict:
    """An organisation's audit entries, for its own administrators and leads (audited)."""
    _signed_in(ctx)
    oid = users.organisation_id(ctx.engine, organisation)
    require(ctx.actor, "export", "audit", oid)
    return {"organisation": organisation, "columns": list(audit.EXPORT_COLUMNS), "rows": audit.export(ctx.engine, oid, actor=ctx.actor, purpose=purpose)}
