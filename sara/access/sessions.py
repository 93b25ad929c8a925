"""Browser sessions kept on the server: made at sign-in, ended at sign-out, by an
administrator of the user's organisation, or by time (``IDLE`` without a request, ``ABSOLUTE``
in all). The browser holds 256 random bits in an HttpOnly cookie; the database holds their
SHA-256, the session's CSRF token and the purposes given for reading records, so any number of
workers serve the same signed-in users and nobody reading the database can take a session over.

Personal API tokens sign in the API without a session (``users.authenticate_bearer``).
``hit`` counts requests for rate limits, in the database for the same reason.

The idle and absolute limits follow the OWASP Session Management Cheat Sheet's guidance for
applications handling sensitive data (short idle timeout, an absolute timeout of a working day).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.users import Actor, get_actor, may_manage, token_hash
from sara.errors import NotFound, Unauthenticated
from sara.store.schema import access as sa_

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=10)
TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most once a minute: reads stay reads
ENDED = "your session has ended: sign in again"


@dataclass(frozen=True)
class Session:
    """A live session: who, since when, and what the face needs (CSRF token, purposes given)."""

    id: int
    actor: Actor
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    purposes: dict = field(default_factory=dict)


def start(engine: Engine, actor: Actor, *, now: dt.datetime | None = None, agent: str | None = None) -> tuple[str, Session]:
    """A new session for ``actor`` (already authenticated): the cookie value, and the session."""
    now = now or audit.utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    s = sa_.WebSession.__table__
    with engine.begin() as conn:
        sid = conn.execute(
            s.insert().values(token_hash=token_hash(token), user_id=actor.id, csrf_token=csrf, created_at=now, last_seen_at=now,
                              purposes="{}", agent=(agent or "")[:200] or None).returning(s.c.id)
        ).scalar_one()  # fmt: skip
    return token, Session(sid, actor, csrf, now, now)


def _ended(row, now: dt.datetime) -> str | None:
    if row.ended_at is not None:
        return row.ended_why or "ended"
    if now - row.last_seen_at > IDLE:
        return "idle"
    if now - row.created_at > ABSOLUTE:
        return "expired"
    return None


def resume(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> Session:
    """The live session whose cookie is ``token``, touched; ``Unauthenticated`` when there is
    none, it has timed out or been ended, or its user was disabled since."""
    now = now or audit.utcnow()
    if not token:
        raise Unauthenticated(ENDED)
    s = sa_.WebSession.__table__
    u = sa_.User.__table__
    with engine.connect() as conn:
        row = conn.execute(
            select(s.c.id, s.c.user_id, s.c.csrf_token, s.c.created_at, s.c.last_seen_at, s.c.ended_at, s.c.ended_why, s.c.purposes, u.c.username)
            .join(u, u.c.id == s.c.user_id).where(s.c.token_hash == token_hash(token))
        ).first()  # fmt: skip
    if row is None or _ended(row, now):
        raise Unauthenticated(ENDED)
    actor = get_actor(engine, row.username)
    if actor is None or not actor.active:
        _end(engine, row.id, None, "user disabled", now)
        raise Unauthenticated(ENDED)
    if now - row.last_seen_at >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(s.update().where(s.c.id == row.id).values(last_seen_at=now))
    return Session(row.id, actor, row.csrf_token, row.created_at, now, json.loads(row.purposes or "{}"))


def _end(engine: Engine, session_id: int, by: int | None, why: str, now: dt.datetime) -> bool:
    s = sa_.WebSession.__table__
    with engine.begin() as conn:
        n = conn.execute(s.update().where(s.c.id == session_id, s.c.ended_at.is_(None)).values(ended_at=now, ended_by=by, ended_why=why)).rowcount
    return bool(n)


def sign_out(engine: Engine, session: Session, *, now: dt.datetime | None = None) -> None:
    now = now or audit.utcnow()
    if _end(engine, session.id, session.actor.id, "signed out", now):
        audit.append(engine, audit.Entry("logout", session.actor, "session", session.id, owner_org_id=session.actor.organisation_id), at=now)


def remember_purpose(engine: Engine, session: Session, record: str, purpose: str) -> Session:
    """Remember for the rest of the session why its user reads ``record`` (asked once)."""
    purposes = {**session.purposes, record: purpose}
    s = sa_.WebSession.__table__
    with engine.begin() as conn:
        conn.execute(s.update().where(s.c.id == session.id).values(purposes=json.dumps(purposes, sort_keys=True)))
    return Session(session.id, session.actor, session.csrf_token, session.created_at, session.last_seen_at, purposes)


def _rows(engine: Engine, where, now: dt.datetime) -> list[dict]:
    s, u = sa_.WebSession.__table__, sa_.User.__table__
    o = sa_.Organisation.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.c.id, u.c.username, u.c.display_name, o.c.name.label("organisation"), s.c.created_at, s.c.last_seen_at, s.c.ended_at,
                   s.c.ended_why, s.c.agent)
            .join(u, u.c.id == s.c.user_id).join(o, o.c.id == u.c.organisation_id).where(where).order_by(s.c.last_seen_at.desc())
        ).all()  # fmt: skip
    out = []
    for r in rows:
        if _ended(r, now):
            continue
        out.append({"id": r.id, "username": r.username, "name": r.display_name, "organisation": r.organisation,
                    "signed_in": r.created_at.isoformat(timespec="seconds"), "last_seen": r.last_seen_at.isoformat(timespec="seconds"),
                    "idle_until": (r.last_seen_at + IDLE).isoformat(timespec="seconds"),
                    "ends_by": (r.created_at + ABSOLUTE).isoformat(timespec="seconds"), "browser": r.agent or ""})  # fmt: skip
    return out


def live_sessions(engine: Engine, actor: Actor, *, now: dt.datetime | None = None) -> list[dict]:
    """The live sessions ``actor`` may see: an administrator sees those of their organisation's
    users (the host's administrators too only their own organisation's: nobody manages another
    organisation's users), anyone else their own."""
    now = now or audit.utcnow()
    s, u = sa_.WebSession.__table__, sa_.User.__table__
    since = now - ABSOLUTE
    if actor.role == "administrator":
        where = (u.c.organisation_id == actor.organisation_id) & s.c.ended_at.is_(None) & (s.c.created_at > since)
    else:
        where = (s.c.user_id == actor.id) & s.c.ended_at.is_(None) & (s.c.created_at > since)
    return _rows(engine, where, now)


def revoke(engine: Engine, actor: Actor, session_id: int, *, now: dt.datetime | None = None) -> dict:
    """End session ``session_id`` at once: one's own, or any of one's organisation's users as its
    administrator. Anything else is ``NotFound``, whether or not it exists."""
    now = now or audit.utcnow()
    s, u = sa_.WebSession.__table__, sa_.User.__table__
    with engine.connect() as conn:
        row = conn.execute(select(s.c.id, s.c.user_id, u.c.organisation_id, u.c.username).join(u, u.c.id == s.c.user_id).where(s.c.id == session_id)).first()
    if row is None or not (row.user_id == actor.id or (actor.role == "administrator" and may_manage(actor, row.organisation_id))):
        raise NotFound(f"no session {session_id} of yours or your organisation's users")
    ended = _end(engine, row.id, actor.id, "revoked", now)
    if ended:
        audit.append(engine, audit.Entry("session_revoked", actor, "session", row.id, owner_org_id=row.organisation_id,
                                         detail={"user": row.username}), at=now)  # fmt: skip
    return {"session": row.id, "user": row.username, "ended": ended}


def hit(engine: Engine, key: str, *, limit: int, window: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Count one request against ``key`` in the current fixed window; False once over ``limit``."""
    now = now or audit.utcnow()
    r = sa_.RateLimit.__table__
    key = key[:200]
    for _ in range(3):
        try:
            with engine.begin() as conn:
                row = conn.execute(select(r.c.window_start, r.c.count).where(r.c.key == key).with_for_update()).first()
                if row is None:
                    conn.execute(r.insert().values(key=key, window_start=now, count=1))
                    return True
                if now - row.window_start >= window:
                    conn.execute(r.update().where(r.c.key == key).values(window_start=now, count=1))
                    return True
                conn.execute(r.update().where(r.c.key == key).values(count=r.c.count + 1))
                return row.count + 1 <= limit
        except IntegrityError:  # another worker counted this key's first request: count again
            continue
    return False
