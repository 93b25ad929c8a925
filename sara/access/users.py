"""Organisations and users, and who may manage them; signing in by password or personal API
token, with a lockout (``MAX_FAILURES`` failures in a row lock the account for ``LOCKOUT``).

Organisation boundaries (issue 9): the *host* organisation runs the deployment; its
administrators add organisations and each one's first administrator, who sets their own
password with a one-time code. After that only an organisation's own administrators create,
change, disable or reset its users: nobody can create, change or act as a user of another
organisation. Acting needs the user's own password or token.

``actor=None`` is the operator, whoever holds the database's own credentials (the demo, a
migration, a Python session): SARA cannot protect a database from its owner, and says so
in SECURITY.md. Every sign-in, good or bad, is audited; messages never say whether a
username exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.roles import ORG_TYPES, ROLES, check
from sara.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from sara.store.schema import access as sa_

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD = 10
CODE_VALID = dt.timedelta(days=7)
TOKEN_PREFIX = "sara_"
TOKEN_SPELL = dt.timedelta(minutes=30)  # a token unused this long signs in afresh (audited)
TOKEN_TOUCH = dt.timedelta(seconds=60)
_hasher = PasswordHasher()
NOT_SIGNED_IN = "invalid username or password"
BAD_TOKEN = "invalid username or token (or the token was revoked or has expired)"


class AuthError(Unauthenticated):
    """A sign-in refused: wrong password or token, unknown or inactive user, locked account."""


@dataclass(frozen=True)
class Actor:
    """A signed-in user as the permission checks see them."""

    id: int
    username: str
    display_name: str
    organisation_id: int
    organisation: str
    role: str
    active: bool = True
    host: bool = False  # a user of the host organisation
    organisation_type: str = ""  # sara.access.roles.ORG_TYPES: police, probation, youth_justice, ...


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise Invalid(f"password too short: use at least {MIN_PASSWORD} characters", field="password")
    return _hasher.hash(password)


def organisation_id(engine: Engine, name: str) -> int:
    t = sa_.Organisation.__table__
    with engine.connect() as conn:
        oid = conn.execute(select(t.c.id).where(t.c.name == name)).scalar()
    if oid is None:
        raise NotFound(f"no organisation called {name!r}")
    return oid


def organisation_names(engine: Engine) -> dict[int, str]:
    t = sa_.Organisation.__table__
    with engine.connect() as conn:
        return dict(conn.execute(select(t.c.id, t.c.name)).all())


def count_users(engine: Engine, organisation: int | None = None) -> int:
    t = sa_.User.__table__
    q = select(func.count()).select_from(t)
    if organisation is not None:
        q = q.where(t.c.organisation_id == organisation)
    with engine.connect() as conn:
        return conn.execute(q).scalar_one()


def _host_administrator(actor) -> bool:
    return actor.role == "administrator" and actor.active and actor.host


def add_organisation(engine: Engine, name: str, type: str, *, actor: Actor | None = None) -> dict:
    """Add an organisation (``type`` one of ``ORG_TYPES``): a job for the host's
    administrators (or the operator, ``actor=None``); audited as a create."""
    if actor is not None and not _host_administrator(actor):
        raise Forbidden("only an administrator of the host organisation adds organisations")
    check("organisation type", type, ORG_TYPES)
    name = (name or "").strip()
    if not name:
        raise Invalid("an organisation needs a name", field="name")
    t = sa_.Organisation.__table__
    try:
        with engine.begin() as conn:
            oid = conn.execute(t.insert().values(name=name, type=type, created_at=audit.utcnow()).returning(t.c.id)).scalar_one()
            audit.record(conn, [audit.Entry("create", actor, "organisation", oid, owner_org_id=oid, purpose="administration", detail={"name": name, "type": type})])
    except IntegrityError:
        raise Conflict(f"an organisation called {name!r} already exists") from None
    return {"id": oid, "name": name, "type": type}


def may_manage(actor, organisation: int, *, first_administrator: bool = False) -> bool:
    """May ``actor`` create, change, disable or reset users of ``organisation``? Its own
    active administrators may; the host's administrators may only create the first
    administrator of an organisation that has no users yet (``first_administrator``)."""
    if actor is None or actor.role != "administrator" or not actor.active:
        return False
    if actor.organisation_id == organisation:
        return True
    return first_administrator and actor.host


def _require_manage(actor, organisation: int, **kw) -> None:
    if not may_manage(actor, organisation, **kw):
        raise Forbidden("an administrator manages the users of their own organisation only")


def _one_time_code() -> tuple[str, str]:
    """A code of 96 random bits (e.g. 3f9a1c-07b2e4-...) and its SHA-256: like a token, too
    random to guess, so a fast hash is enough (passwords, chosen by people, get argon2)."""
    code = "-".join(secrets.token_hex(3) for _ in range(4))
    return code, token_hash(code)


def add_user(engine: Engine, username: str, organisation: str, role: str, password: str | None = None, *, display_name: str | None = None,
             actor: Actor | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Add a user of ``organisation`` (by name) with ``role``; audited as a create.

    By an administrator (``actor``): no password is set; the result carries a
    ``one_time_code`` (shown once, valid ``CODE_VALID``) with which the user sets their own
    (``activate``). By the operator (``actor=None``): the ``password`` given. The first user
    of a database makes their organisation the host."""
    check("role", role, ROLES)
    username = (username or "").strip()
    if not username:
        raise Invalid("a user needs a username", field="username")
    org_id = organisation_id(engine, organisation)
    now = now or audit.utcnow()
    code = None
    if actor is not None:
        first = role == "administrator" and count_users(engine, org_id) == 0
        _require_manage(actor, org_id, first_administrator=first)
        if password is not None:
            raise Invalid("a new user sets their own password: give them the one-time code instead", field="password")
        code, code_hash = _one_time_code()
        values = {"password_hash": "", "activation_hash": code_hash, "activation_expires": now + CODE_VALID}
    else:
        values = {"password_hash": hash_password(password)}
    t, o = sa_.User.__table__, sa_.Organisation.__table__
    try:
        with engine.begin() as conn:
            uid = conn.execute(
                t.insert()
                .values(username=username, display_name=display_name or username, organisation_id=org_id, role=role, failed_logins=0, active=True, created_at=now, **values)
                .returning(t.c.id)
            ).scalar_one()
            if conn.execute(select(func.count()).select_from(t)).scalar_one() == 1:
                conn.execute(o.update().where(o.c.id == org_id).values(is_host=True))
            audit.record(conn, [audit.Entry("create", actor, "user", uid, owner_org_id=org_id, purpose="administration", detail={"username": username, "role": role})])
    except IntegrityError:
        raise Conflict(f"a user called {username!r} already exists") from None
    made = {"id": uid, "username": username, "display_name": display_name or username, "organisation": organisation, "role": role}
    if code:
        made |= {"one_time_code": code, "code_expires": (now + CODE_VALID).isoformat(timespec="minutes")}
    return made


def get_actor(engine: Engine, username: str) -> Actor | None:
    u, o = sa_.User.__table__, sa_.Organisation.__table__
    with engine.connect() as conn:
        r = conn.execute(
            select(u.c.id, u.c.username, u.c.display_name, u.c.organisation_id, o.c.name, u.c.role, u.c.active, o.c.is_host, o.c.type)
            .join(o, o.c.id == u.c.organisation_id).where(u.c.username == username)
        ).first()  # fmt: skip
    return Actor(*r[:7], host=bool(r[7]), organisation_type=r[8]) if r else None


def acting_as(engine: Engine, username: str, *, at: dt.datetime | None = None) -> Actor:
    """The user ``username`` as an actor, without credentials: for the operator's own code
    (the demo, tests, a notebook), never for a face. Must exist, be active and not locked."""
    actor = get_actor(engine, username)
    if actor is None or not actor.active:
        raise AuthError(f"no active user called {username!r}")
    u = sa_.User.__table__
    with engine.connect() as conn:
        locked_until = conn.execute(select(u.c.locked_until).where(u.c.id == actor.id)).scalar()
    if locked_until and locked_until > (at or audit.utcnow()):
        raise AuthError(f"user {username!r} is locked out until {locked_until:%Y-%m-%d %H:%M} UTC")
    return actor


# -- signing in -------------------------------------------------------------------------------


def _user_row(engine: Engine, username: str):
    u = sa_.User.__table__
    with engine.connect() as conn:
        return conn.execute(
            select(u.c.id, u.c.password_hash, u.c.failed_logins, u.c.locked_until, u.c.active, u.c.activation_hash, u.c.activation_expires)
            .where(u.c.username == username)
        ).first()  # fmt: skip


def _refuse(engine: Engine, username: str, row, reason: str, now: dt.datetime, *, count: bool = True, message: str = NOT_SIGNED_IN):
    """Record a failed sign-in (counting it toward the lockout when ``count``) and raise."""
    u = sa_.User.__table__
    if row is not None and count:
        with engine.begin() as conn:
            n = conn.execute(u.update().where(u.c.id == row.id).values(failed_logins=u.c.failed_logins + 1).returning(u.c.failed_logins)).scalar_one()
            if n >= MAX_FAILURES:
                conn.execute(u.update().where(u.c.id == row.id).values(failed_logins=0, locked_until=now + LOCKOUT))
                reason += "; account locked"
    actor = get_actor(engine, username) if row is not None else None
    audit.append(engine, audit.Entry("login_failed", actor, "user", row.id if row else None, owner_org_id=actor.organisation_id if actor else None,
                                     purpose="sign in", detail={"reason": reason}, actor_username=username[:100]), at=now)  # fmt: skip
    raise AuthError(message)


def _usable(engine: Engine, username: str, row, now: dt.datetime) -> None:
    """Refuse an unknown, inactive or locked account (before any credential is checked)."""
    if row is None:
        _refuse(engine, username, row, "unknown user", now)
    if not row.active:
        _refuse(engine, username, row, "inactive", now, count=False)
    if row.locked_until and row.locked_until > now:
        _refuse(engine, username, row, "locked", now, count=False,
                message=f"account locked after {MAX_FAILURES} failed sign-ins: try again after {row.locked_until:%H:%M} UTC")  # fmt: skip


def _signed_in(engine: Engine, username: str, row, now: dt.datetime, how: str, values: dict | None = None) -> Actor:
    u = sa_.User.__table__
    with engine.begin() as conn:
        conn.execute(u.update().where(u.c.id == row.id).values(failed_logins=0, locked_until=None, **(values or {})))
    actor = get_actor(engine, username)
    audit.append(engine, audit.Entry("login", actor, "user", actor.id, owner_org_id=actor.organisation_id, purpose="sign in", detail={"by": how}), at=now)
    return actor


def _verify(hashed: str | None, secret: str) -> bool:
    try:
        return bool(hashed) and _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(engine: Engine, username: str, password: str, *, at: dt.datetime | None = None) -> Actor:
    """The signed-in ``Actor``, or ``AuthError``. Five failures in a row (passwords and
    tokens alike) lock the account for 15 minutes (a correct password is refused while
    locked); each attempt is audited."""
    now = at or audit.utcnow()
    row = _user_row(engine, username)
    _usable(engine, username, row, now)
    if not _verify(row.password_hash, password or ""):
        _refuse(engine, username, row, "wrong password" if row.password_hash else "no password set yet", now)
    rehash = {"password_hash": _hasher.hash(password)} if _hasher.check_needs_rehash(row.password_hash) else {}
    return _signed_in(engine, username, row, now, "password", rehash)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate_token(engine: Engine, username: str, token: str, *, at: dt.datetime | None = None) -> Actor:
    """The signed-in ``Actor`` for a personal API token of ``username``, or ``AuthError``: the
    token must be the user's own, not revoked and not expired. Failures count toward the
    user's lockout, as wrong passwords do."""
    now = at or audit.utcnow()
    row = _user_row(engine, username)
    _usable(engine, username, row, now)
    t = sa_.ApiToken.__table__
    with engine.connect() as conn:
        tok = conn.execute(select(t.c.id, t.c.user_id, t.c.expires_at, t.c.revoked_at).where(t.c.token_hash == token_hash(token or ""))).first()
    if tok is None or tok.user_id != row.id:
        _refuse(engine, username, row, "wrong token", now, message=BAD_TOKEN)
    if tok.revoked_at is not None or (tok.expires_at is not None and tok.expires_at <= now):
        _refuse(engine, username, row, "token revoked" if tok.revoked_at else "token expired", now, message=BAD_TOKEN)
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == tok.id).values(last_used_at=now))
    return _signed_in(engine, username, row, now, f"token {tok.id}")


def authenticate_bearer(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> Actor:
    """The user whose personal API token this is (``Authorization: Bearer``), or ``AuthError``.
    A token found but revoked or expired counts toward its user's lockout; a sign-in is audited
    when the token has not been used for ``TOKEN_SPELL`` (one entry per spell of use, not per request)."""
    now = now or audit.utcnow()
    t, u = sa_.ApiToken.__table__, sa_.User.__table__
    with engine.connect() as conn:
        tok = conn.execute(
            select(t.c.id, t.c.expires_at, t.c.revoked_at, t.c.last_used_at, u.c.username).join(u, u.c.id == t.c.user_id)
            .where(t.c.token_hash == token_hash(token or ""))
        ).first()  # fmt: skip
    if tok is None:
        raise AuthError(BAD_TOKEN)
    row = _user_row(engine, tok.username)
    _usable(engine, tok.username, row, now)
    if tok.revoked_at is not None or (tok.expires_at is not None and tok.expires_at <= now):
        _refuse(engine, tok.username, row, "token revoked" if tok.revoked_at else "token expired", now, message=BAD_TOKEN)
    if tok.last_used_at is None or now - tok.last_used_at > TOKEN_SPELL:
        with engine.begin() as conn:
            conn.execute(t.update().where(t.c.id == tok.id).values(last_used_at=now))
        return _signed_in(engine, tok.username, row, now, f"token {tok.id}")
    if now - tok.last_used_at >= TOKEN_TOUCH:
        with engine.begin() as conn:
            conn.execute(t.update().where(t.c.id == tok.id).values(last_used_at=now))
    return get_actor(engine, tok.username)


def activate(engine: Engine, username: str, code: str, password: str, *, at: dt.datetime | None = None) -> Actor:
    """Set one's own password with the one-time code an administrator gave; the code then
    stops working. A wrong code counts toward the lockout."""
    now = at or audit.utcnow()
    row = _user_row(engine, username)
    _usable(engine, username, row, now)
    if not row.activation_hash or (row.activation_expires and row.activation_expires <= now) or not hmac.compare_digest(row.activation_hash, token_hash(code or "")):
        _refuse(engine, username, row, "wrong or expired one-time code", now, message="invalid username or one-time code (or the code has expired)")
    return _signed_in(engine, username, row, now, "one-time code", {"password_hash": hash_password(password), "activation_hash": None, "activation_expires": None})


# -- managing an organisation's users ---------------------------------------------------------


def _target(engine: Engine, actor, username: str) -> Actor:
    """The user ``username`` if ``actor`` may manage them; the refusal is the same whether or
    not the user exists elsewhere, so it tells nothing about other organisations."""
    target = get_actor(engine, username)
    if target is None or not may_manage(actor, target.organisation_id):
        if actor is None or actor.role != "administrator":
            raise Forbidden("an administrator manages the users of their own organisation only")
        raise NotFound(f"no user called {username!r} in {actor.organisation}")
    return target


def _change(engine: Engine, actor, target: Actor, values: dict, detail: dict) -> None:
    u = sa_.User.__table__
    with engine.begin() as conn:
        conn.execute(u.update().where(u.c.id == target.id).values(**values))
        audit.record(conn, [audit.Entry("change", actor, "user", target.id, owner_org_id=target.organisation_id, purpose="administration", detail=detail)])


def _keeps_an_administrator(engine: Engine, target: Actor) -> None:
    u = sa_.User.__table__
    with engine.connect() as conn:
        others = conn.execute(select(func.count()).select_from(u).where(u.c.organisation_id == target.organisation_id, u.c.role == "administrator",
                                                                        u.c.active.is_(True), u.c.id != target.id)).scalar_one()  # fmt: skip
    if target.role == "administrator" and others == 0:
        raise Conflict(f"{target.username} is the last active administrator of {target.organisation}: make another one first")


def change_user(engine: Engine, actor, username: str, *, role: str | None = None, display_name: str | None = None) -> dict:
    """Change a user's role or display name (their organisation's administrators only)."""
    target = _target(engine, actor, username)
    values: dict = {}
    if role is not None:
        check("role", role, ROLES)
        if role != "administrator":
            _keeps_an_administrator(engine, target)
        values["role"] = role
    if display_name is not None:
        if not display_name.strip():
            raise Invalid("a display name needs words", field="display_name")
        values["display_name"] = display_name.strip()
    if not values:
        raise Invalid("nothing to change: give a role or a display name")
    _change(engine, actor, target, values, values)
    return user_info(get_actor(engine, username))


def set_active(engine: Engine, actor, username: str, active: bool) -> dict:
    """Disable a user (they can no longer sign in; their tokens stop working) or enable them again."""
    target = _target(engine, actor, username)
    if not active:
        _keeps_an_administrator(engine, target)
    _change(engine, actor, target, {"active": active}, {"active": active})
    return user_info(get_actor(engine, username))


def reset_user(engine: Engine, actor, username: str, *, now: dt.datetime | None = None) -> dict:
    """Clear a user's password and revoke their tokens; they set a new password with the
    one-time code returned (shown once)."""
    target = _target(engine, actor, username)
    now = now or audit.utcnow()
    code, code_hash = _one_time_code()
    t = sa_.ApiToken.__table__
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.user_id == target.id, t.c.revoked_at.is_(None)).values(revoked_at=now))
    _change(engine, actor, target, {"password_hash": "", "activation_hash": code_hash, "activation_expires": now + CODE_VALID, "failed_logins": 0, "locked_until": None},
            {"reset": True})  # fmt: skip
    return user_info(target) | {"one_time_code": code, "code_expires": (now + CODE_VALID).isoformat(timespec="minutes")}


def user_info(a: Actor) -> dict:
    return {"id": a.id, "username": a.username, "display_name": a.display_name, "organisation": a.organisation, "role": a.role, "active": a.active}


def list_users(engine: Engine, actor) -> list[dict]:
    """The users of the actor's own organisation (its administrators and leads)."""
    if actor.role not in ("administrator", "lead"):
        raise Forbidden("administrators and leads see their organisation's users")
    u = sa_.User.__table__
    with engine.connect() as conn:
        names = conn.execute(select(u.c.username).where(u.c.organisation_id == actor.organisation_id).order_by(u.c.username)).scalars().all()
    return [user_info(get_actor(engine, n)) for n in names]


# -- personal API tokens ----------------------------------------------------------------------


def create_token(engine: Engine, actor, name: str, *, days: int | None = 90, now: dt.datetime | None = None) -> dict:
    """A new personal API token of the actor, shown once (only its SHA-256 is stored);
    valid ``days`` days (None: until revoked)."""
    now = now or audit.utcnow()
    name = (name or "").strip()
    if not name:
        raise Invalid("a token needs a name saying what it is for", field="name")
    if days is not None and days <= 0:
        raise Invalid("a token must be valid for at least one day", field="days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + dt.timedelta(days=days) if days else None
    t = sa_.ApiToken.__table__
    with engine.begin() as conn:
        tid = conn.execute(t.insert().values(user_id=actor.id, name=name, token_hash=token_hash(token), created_at=now, expires_at=expires).returning(t.c.id)).scalar_one()
        audit.record(conn, [audit.Entry("create", actor, "token", tid, owner_org_id=actor.organisation_id, purpose="administration", detail={"name": name})])
    return {"id": tid, "name": name, "token": token, "expires_at": expires.isoformat(timespec="minutes") if expires else None}


def list_tokens(engine: Engine, actor) -> list[dict]:
    """The actor's own tokens (never the tokens themselves)."""
    t = sa_.ApiToken.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.user_id == actor.id).order_by(t.c.id)).mappings().all()
    return [{"id": r["id"], "name": r["name"], "created_at": r["created_at"].isoformat(timespec="minutes"),
             "expires_at": r["expires_at"].isoformat(timespec="minutes") if r["expires_at"] else None,
             "revoked": r["revoked_at"] is not None, "last_used_at": r["last_used_at"].isoformat(timespec="minutes") if r["last_used_at"] else None}
            for r in rows]  # fmt: skip


def revoke_token(engine: Engine, actor, token_id: int, *, now: dt.datetime | None = None) -> dict:
    """Revoke one of the actor's own tokens at once."""
    t = sa_.ApiToken.__table__
    now = now or audit.utcnow()
    with engine.begin() as conn:
        done = conn.execute(t.update().where(t.c.id == token_id, t.c.user_id == actor.id, t.c.revoked_at.is_(None)).values(revoked_at=now)).rowcount
        if not done:
            raise NotFound(f"you have no live token {token_id}")
        audit.record(conn, [audit.Entry("change", actor, "token", token_id, owner_org_id=actor.organisation_id, purpose="administration", detail={"revoked": True})])
    return {"id": token_id, "revoked": True}
