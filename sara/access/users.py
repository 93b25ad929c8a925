"""Organisations and users: adding them, argon2 password hashes, and signing in with a
lockout (``MAX_FAILURES`` failures in a row lock the account for ``LOCKOUT``). Every sign-in,
good or bad, is audited; error messages never say whether a username exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.roles import ORG_TYPES, ROLES, check
from sara.errors import SaraError, Unauthenticated
from sara.store.schema import access as sa_

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD = 10
_hasher = PasswordHasher()


AccessError = SaraError  # the name the access and casework modules have caught since issue 5


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


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"password too short: use at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def organisation_id(engine: Engine, name: str) -> int:
    t = sa_.Organisation.__table__
    with engine.connect() as conn:
        oid = conn.execute(select(t.c.id).where(t.c.name == name)).scalar()
    if oid is None:
        raise AccessError(f"no organisation called {name!r}")
    return oid


def organisation_names(engine: Engine) -> dict[int, str]:
    t = sa_.Organisation.__table__
    with engine.connect() as conn:
        return dict(conn.execute(select(t.c.id, t.c.name)).all())


def add_organisation(engine: Engine, name: str, type: str, *, actor: Actor | None = None) -> dict:
    """Add an organisation (``type`` one of ``ORG_TYPES``); audited as a create."""
    check("organisation type", type, ORG_TYPES)
    name = name.strip()
    if not name:
        raise AccessError("an organisation needs a name")
    t = sa_.Organisation.__table__
    try:
        with engine.begin() as conn:
            oid = conn.execute(t.insert().values(name=name, type=type, created_at=audit.utcnow()).returning(t.c.id)).scalar_one()
            audit.record(conn, [audit.Entry("create", actor, "organisation", oid, owner_org_id=oid, purpose="administration", detail={"name": name, "type": type})])
    except IntegrityError:
        raise AccessError(f"an organisation called {name!r} already exists") from None
    return {"id": oid, "name": name, "type": type}


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(sa_.User.__table__)).scalar_one()


def add_user(engine: Engine, username: str, organisation: str, role: str, password: str, *, display_name: str | None = None, actor: Actor | None = None) -> dict:
    """Add a user of ``organisation`` (by name) with ``role``; audited as a create."""
    check("role", role, ROLES)
    username = username.strip()
    if not username:
        raise AccessError("a user needs a username")
    org_id = organisation_id(engine, organisation)
    pw = hash_password(password)
    t = sa_.User.__table__
    try:
        with engine.begin() as conn:
            uid = conn.execute(
                t.insert()
                .values(username=username, display_name=display_name or username, organisation_id=org_id, role=role, password_hash=pw, failed_logins=0, active=True, created_at=audit.utcnow())
                .returning(t.c.id)
            ).scalar_one()
            audit.record(conn, [audit.Entry("create", actor, "user", uid, owner_org_id=org_id, purpose="administration", detail={"username": username, "role": role})])
    except IntegrityError:
        raise AccessError(f"a user called {username!r} already exists") from None
    return {"id": uid, "username": username, "display_name": display_name or username, "organisation": organisation, "role": role}


def get_actor(engine: Engine, username: str) -> Actor | None:
    u, o = sa_.User.__table__, sa_.Organisation.__table__
    with engine.connect() as conn:
        r = conn.execute(
            select(u.c.id, u.c.username, u.c.display_name, u.c.organisation_id, o.c.name, u.c.role, u.c.active).join(o, o.c.id == u.c.organisation_id).where(u.c.username == username)
        ).first()
    return Actor(*r) if r else None


def acting_as(engine: Engine, username: str, *, at: dt.datetime | None = None) -> Actor:
    """The user a command acts as: must exist, be active and not be locked out."""
    actor = get_actor(engine, username)
    if actor is None or not actor.active:
        raise AuthError(f"no active user called {username!r}")
    u = sa_.User.__table__
    with engine.connect() as conn:
        locked_until = conn.execute(select(u.c.locked_until).where(u.c.id == actor.id)).scalar()
    if locked_until and locked_until > (at or audit.utcnow()):
        raise AuthError(f"user {username!r} is locked out until {locked_until:%Y-%m-%d %H:%M} UTC")
    return actor


def authenticate(engine: Engine, username: str, password: str, *, at: dt.datetime | None = None) -> Actor:
    """The signed-in ``Actor``, or ``AuthError``. Five failures in a row lock the account for
    15 minutes (a correct password is refused while locked); each attempt is audited."""
    now = at or audit.utcnow()
    u = sa_.User.__table__
    with engine.connect() as conn:
        row = conn.execute(select(u.c.id, u.c.password_hash, u.c.failed_logins, u.c.locked_until, u.c.active).where(u.c.username == username)).first()
    actor = get_actor(engine, username) if row else None

    def failed(reason: str, message: str = "invalid username or password"):
        entry = audit.Entry("login_failed", actor, "user", row.id if row else None, owner_org_id=actor.organisation_id if actor else None,
                            purpose="sign in", detail={"reason": reason}, actor_username=username[:100])  # fmt: skip
        audit.append(engine, entry, at=now)
        raise AuthError(message)

    if row is None:
        failed("unknown user")
    if not row.active:
        failed("inactive")
    if row.locked_until and row.locked_until > now:
        failed("locked", f"account locked after {MAX_FAILURES} failed sign-ins: try again after {row.locked_until:%H:%M} UTC")
    try:
        ok = _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        with engine.begin() as conn:
            n = conn.execute(u.update().where(u.c.id == row.id).values(failed_logins=u.c.failed_logins + 1).returning(u.c.failed_logins)).scalar_one()
            if n >= MAX_FAILURES:
                conn.execute(u.update().where(u.c.id == row.id).values(failed_logins=0, locked_until=now + LOCKOUT))
        failed("wrong password" if n < MAX_FAILURES else "wrong password; account locked")
    with engine.begin() as conn:
        values = {"failed_logins": 0, "locked_until": None}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(u.update().where(u.c.id == row.id).values(**values))
    audit.append(engine, audit.Entry("login", actor, "user", actor.id, owner_org_id=actor.organisation_id, purpose="sign in"), at=now)
    return actor
