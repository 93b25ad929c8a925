"""Access jobs: signing in, organisations, users, personal tokens, sharing agreements and the
audit trail. The rules live in ``sara.access``; here is what a face must not decide for
itself: who acts when nobody is signed in (only the first administrator of an empty
database), and the order of check, act and audit."""

from __future__ import annotations

from sara.access import agreements, audit, users
from sara.access.permissions import require
from sara.errors import Invalid, Unauthenticated
from sara.services import Context

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
