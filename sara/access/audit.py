"""The audit trail: append-only, hash-chained, one entry per read, change, export or
disclosure of personal data and per login (DPA 2018 s.62 logs).

Each entry's hash is HMAC-SHA-256 (RFC 2104), under the key kept outside the database
(``sara.store.auditkey``), over the canonical JSON of the entry (its fields and the previous
entry's hash). Appenders first lock the single ``audit_head`` row (a row lock on PostgreSQL;
on SQLite the first write takes the database's write lock, as BEGIN IMMEDIATE would), so two
writers never chain onto the same entry. ``verify`` recomputes the chain and compares its end
with the head, so a changed, deleted, inserted or re-ordered entry and a cut tail all show;
without the key nobody can recompute a chain that passes.

What the key cannot stop, a copy kept elsewhere does: someone holding both the database and
the key could cut the tail and recompute the rest. ``checkpoint`` writes the signed head
(sequence, hash, time) for keeping outside SARA; ``verify(..., checkpoint=...)`` then finds
a chain that no longer reaches, or no longer passes through, that head.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import OperationalError

from sara.access.secrets import per_database
from sara.store.auditkey import audit_key
from sara.store.schema import access as sa_

ACTIONS = ("read", "create", "change", "export", "disclose", "login", "login_failed", "logout", "session_revoked")
GENESIS = hashlib.sha256(b"").hexdigest()
HASHED = ("seq", "at", "actor_user_id", "actor_username", "actor_org_id", "owner_org_id", "action", "subject_type", "subject_id", "purpose", "detail", "prev_hash")


def utcnow() -> dt.datetime:
    """Now in UTC, naive (the database columns are UTC without zone), to the microsecond."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def canonical(data) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass
class Entry:
    """One entry to append. ``actor`` is anything with ``id``, ``username`` and
    ``organisation_id`` (a ``sara.access.users.Actor``), or None for the system / unknown."""

    action: str
    actor: object | None = None
    subject_type: str | None = None
    subject_id: str | int | None = None
    owner_org_id: int | None = None
    purpose: str | None = None
    detail: dict = field(default_factory=dict)
    actor_username: str | None = None  # when there is no actor (a failed login of an unknown name)


def entry_hash(row: dict, key: bytes) -> str:
    """HMAC-SHA-256 under ``key`` of the entry's hashed fields, as hex."""
    payload = {k: row[k] for k in HASHED}
    payload["at"] = _at_text(row["at"])
    return hmac.new(key, canonical(payload).encode(), hashlib.sha256).hexdigest()


def _at_text(at) -> str:
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the head row and return (seq, hash) of the newest entry."""
    t = sa_.AuditHead.__table__
    locked = conn.execute(t.update().where(t.c.id == 1).values(seq=t.c.seq)).rowcount
    if not locked:  # a database whose head row was never written: start the chain
        conn.execute(t.insert().values(id=1, seq=0, hash=GENESIS))
    seq, h = conn.execute(select(t.c.seq, t.c.hash).where(t.c.id == 1)).one()
    return seq, h


def record(conn: Connection, entries: list[Entry], *, at: dt.datetime | None = None) -> list[int]:
    """Append ``entries`` inside the caller's transaction on ``conn`` (which must not have read
    anything yet on SQLite); returns their sequence numbers."""
    for e in entries:
        if e.action not in ACTIONS:
            raise ValueError(f"unknown audit action {e.action!r}: choose one of {', '.join(ACTIONS)}")
    key = audit_key(conn.engine.url)
    seq, prev = _lock_head(conn)
    at = at or utcnow()
    rows = []
    for e in entries:
        seq += 1
        actor = e.actor
        row = {
            "seq": seq,
            "at": at,
            "actor_user_id": getattr(actor, "id", None),
            "actor_username": getattr(actor, "username", None) or e.actor_username,
            "actor_org_id": getattr(actor, "organisation_id", None),
            "owner_org_id": e.owner_org_id,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": None if e.subject_id is None else str(e.subject_id),
            "purpose": e.purpose,
            "detail": canonical(e.detail or {}),
            "prev_hash": prev,
        }
        row["hash"] = prev = entry_hash(row, key)
        rows.append(row)
    if rows:
        conn.execute(sa_.AuditEvent.__table__.insert(), rows)
        t = sa_.AuditHead.__table__
        conn.execute(t.update().where(t.c.id == 1).values(seq=seq, hash=prev))
    return [r["seq"] for r in rows]


def append(engine: Engine, *entries: Entry, at: dt.datetime | None = None) -> list[int]:
    """Append ``entries`` in a transaction of their own; retries briefly if SQLite is busy."""
    for attempt in range(20):
        try:
            with engine.begin() as conn:
                return record(conn, list(entries), at=at)
        except OperationalError as exc:
            if engine.dialect.name != "sqlite" or "locked" not in str(exc) or attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def verify(engine: Engine, checkpoint: dict | None = None) -> tuple[bool, int | None, str]:
    """(ok, first bad sequence number or None, reason) for the whole chain, recomputed under
    the audit key; with a ``checkpoint`` (from ``checkpoint``), also that the chain still
    passes through the head it recorded."""
    key = audit_key(engine.url)
    if checkpoint is not None:
        problem = _checkpoint_problem(engine, checkpoint, key)
        if problem:
            return False, None, problem
    t = sa_.AuditEvent.__table__
    h = sa_.AuditHead.__table__
    expected_seq, prev = 0, GENESIS
    at_checkpoint = None
    with engine.connect() as conn:
        head = conn.execute(select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
        for row in conn.execute(select(t).order_by(t.c.seq)).mappings():
            expected_seq += 1
            seq = row["seq"]
            if seq != expected_seq:
                return False, expected_seq, f"entry {expected_seq} is missing (next entry is {seq})"
            if row["prev_hash"] != prev:
                return False, seq, f"entry {seq} does not follow entry {seq - 1}: an earlier entry was changed or removed"
            if not hmac.compare_digest(entry_hash(dict(row), key), row["hash"]):
                return False, seq, f"entry {seq} has been changed: its hash does not match its content under the audit key"
            prev = row["hash"]
            if checkpoint is not None and seq == checkpoint["seq"]:
                at_checkpoint = row["hash"]
    if checkpoint is not None and checkpoint["seq"] > 0:
        if expected_seq < checkpoint["seq"]:
            return False, expected_seq + 1, (f"the chain ends at entry {expected_seq} but the checkpoint of {checkpoint['at']} saw entry {checkpoint['seq']}: "
                                             "entries were removed")  # fmt: skip
        if at_checkpoint != checkpoint["hash"]:
            return False, checkpoint["seq"], f"entry {checkpoint['seq']} is not the one the checkpoint of {checkpoint['at']} saw: the chain was rewritten"
    if head is None:
        return (expected_seq == 0), (1 if expected_seq else None), ("the audit head is missing" if expected_seq else "no entries")
    if head.seq != expected_seq or head.hash != prev:
        bad = min(head.seq, expected_seq) + 1
        return False, bad, f"the chain ends at entry {expected_seq} but the head says {head.seq}: entries were removed or added"
    behind = f", through the checkpoint at entry {checkpoint['seq']}" if checkpoint else ""
    return True, None, f"{expected_seq} entries intact{behind}"


CHECKPOINT_FIELDS = ("database", "seq", "hash", "at")


def database_id(engine: Engine) -> str:
    """This database's random id (made on first use): a checkpoint names the database it is of."""
    return per_database(engine, "database_id", 16).hex()


def _signature(checkpoint: dict, key: bytes) -> str:
    return hmac.new(key, canonical({k: checkpoint[k] for k in CHECKPOINT_FIELDS}).encode(), hashlib.sha256).hexdigest()


def checkpoint(engine: Engine) -> dict:
    """The signed head of the chain now: {database, seq, hash, at, signature}. Keep it where
    the database is not (another machine, the partnership's records): ``verify`` with it
    finds any later truncation or rewrite behind it, even by someone holding the key."""
    key = audit_key(engine.url)
    h = sa_.AuditHead.__table__
    with engine.connect() as conn:
        head = conn.execute(select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
    seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    point = {"database": database_id(engine), "seq": seq, "hash": digest, "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
    return point | {"signature": _signature(point, key)}


def _checkpoint_problem(engine: Engine, point: dict, key: bytes) -> str | None:
    if not isinstance(point, dict) or any(k not in point for k in (*CHECKPOINT_FIELDS, "signature")) or not isinstance(point.get("seq"), int):
        return "the checkpoint file is not a SARA audit checkpoint (it needs database, seq, hash, at and signature)"
    if not hmac.compare_digest(str(point["signature"]), _signature(point, key)):
        return "the checkpoint's signature does not match: it was not written under this database's audit key, or it was changed"
    if point["database"] != database_id(engine):
        return "the checkpoint is of another database"
    return None


EXPORT_COLUMNS = ("seq", "at", "actor_username", "actor_organisation", "action", "subject_type", "subject_id", "owner_organisation", "purpose", "detail", "prev_hash", "hash")


def entries_for(engine: Engine, organisation_id: int) -> list[dict]:
    """Every entry by a user of the organisation or about its data, oldest first."""
    t = sa_.AuditEvent.__table__
    o = sa_.Organisation.__table__
    with engine.connect() as conn:
        names = dict(conn.execute(select(o.c.id, o.c.name)).all())
        rows = conn.execute(
            select(t).where((t.c.actor_org_id == organisation_id) | (t.c.owner_org_id == organisation_id)).order_by(t.c.seq)
        ).mappings().all()
    out = []
    for r in rows:
        d = {k: r[k] for k in ("seq", "actor_username", "action", "subject_type", "subject_id", "purpose", "detail", "prev_hash", "hash")}
        d["at"] = _at_text(r["at"]) + "Z"
        d["actor_organisation"] = names.get(r["actor_org_id"])
        d["owner_organisation"] = names.get(r["owner_org_id"])
        out.append(d)
    return out


def export(engine: Engine, organisation_id: int, *, actor=None, purpose: str | None = None) -> list[dict]:
    """The organisation's entries (``entries_for``) for an export, with the export itself
    recorded first; a face writes them (``sara.report.export``)."""
    rows = entries_for(engine, organisation_id)
    append(engine, Entry("export", actor, "audit", organisation_id, owner_org_id=organisation_id, purpose=purpose or "audit export", detail={"rows": len(rows)}))
    return rows


def count(engine: Engine, **where) -> int:
    """How many entries match ``where`` (column=value), for tests and reports."""
    t = sa_.AuditEvent.__table__
    q = select(text("count(*)")).select_from(t)
    for k, v in where.items():
        q = q.where(t.c[k] == v)
    with engine.connect() as conn:
        return conn.execute(q).scalar_one()
