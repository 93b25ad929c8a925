"""The audit trail: keyed (HMAC-SHA-256) and hash-chained, append-only in the database
itself, tampering of any entry detected even by someone who switches the triggers off,
concurrent writers never fork the chain, an organisation's export is complete. SQLite and
PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import sara.store.schema  # noqa: F401  (registers every table)
from sara.access import audit, users
from sara.access.audit import Entry
from sara.store.auditkey import audit_key
from tests import tamper


@pytest.fixture
def trail(engine):
    users.add_organisation(engine, "Police", "police")
    users.add_organisation(engine, "Council", "council")
    users.add_user(engine, "pat", "Police", "lead", "long enough password")
    users.add_user(engine, "cal", "Council", "analyst", "long enough password")
    pat, cal = users.get_actor(engine, "pat"), users.get_actor(engine, "cal")
    for i in range(6):
        audit.append(engine, Entry("read", pat if i % 2 else cal, "person", i, owner_org_id=pat.organisation_id, purpose=f"case {i}", detail={"scope": "full"}))
    return engine, pat, cal


def test_a_fresh_chain_verifies(engine):
    assert audit.verify(engine) == (True, None, "0 entries intact")


def test_entries_are_chained_and_verify(trail):
    engine, *_ = trail
    ok, bad, reason = audit.verify(engine)
    assert ok and bad is None, reason
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, prev_hash, hash FROM audit_event ORDER BY seq")).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:]))


@pytest.mark.parametrize(
    "column, value",
    [("purpose", "'innocent'"), ("actor_username", "'someone else'"), ("detail", "'{}'"), ("subject_id", "'999'"),
     ("action", "'change'"), ("owner_org_id", "NULL"), ("prev_hash", "'00'"), ("hash", "'ff'")],
)  # fmt: skip
def test_changing_any_field_of_any_entry_is_detected(trail, column, value):
    engine, *_ = trail
    n = audit.count(engine)
    for seq in (1, n // 2, n):
        with tamper.owner(engine) as conn:
            original = conn.execute(text(f"SELECT {column} FROM audit_event WHERE seq = :s"), {"s": seq}).scalar()
            conn.execute(text(f"UPDATE audit_event SET {column} = {value} WHERE seq = :s"), {"s": seq})
        ok, bad, reason = audit.verify(engine)
        assert not ok and bad == seq, reason
        with tamper.owner(engine) as conn:
            conn.execute(text(f"UPDATE audit_event SET {column} = :v WHERE seq = :s"), {"v": original, "s": seq})
        assert audit.verify(engine)[0]


def test_changing_the_time_is_detected(trail):
    engine, *_ = trail
    with tamper.owner(engine) as conn:
        conn.execute(text("UPDATE audit_event SET at = :t WHERE seq = 3"), {"t": audit.utcnow()})
    assert audit.verify(engine)[:2] == (False, 3)


def test_deleting_inserting_or_rewriting_entries_is_detected(trail):
    engine, *_ = trail
    n = audit.count(engine)
    with tamper.owner(engine) as conn:  # delete the last entry: the head no longer matches
        conn.execute(text("DELETE FROM audit_event WHERE seq = :s"), {"s": n})
    assert audit.verify(engine)[:2] == (False, n)
    with tamper.owner(engine) as conn:  # delete one in the middle
        conn.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    assert audit.verify(engine)[:2] == (False, 2)


def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link(trail):
    engine, *_ = trail
    with tamper.owner(engine) as conn:
        row = dict(conn.execute(text("SELECT * FROM audit_event WHERE seq = 3")).mappings().one())
        row["purpose"] = "covered up"
        conn.execute(text("UPDATE audit_event SET purpose = :p, hash = :h WHERE seq = 3"), {"p": row["purpose"], "h": audit.entry_hash(row, audit_key(engine.url))})
    ok, bad, reason = audit.verify(engine)
    assert not ok and bad == 4 and "does not follow" in reason


def test_concurrent_writers_never_fork_the_chain(trail):
    engine, pat, _ = trail
    start = audit.count(engine)
    errors = []

    def write(k):
        try:
            for i in range(8):
                audit.append(engine, Entry("read", pat, "person", f"{k}-{i}", owner_org_id=pat.organisation_id, purpose="load test"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert audit.count(engine) == start + 32
    assert audit.verify(engine)[0]


def test_an_organisation_exports_its_own_entries_completely(trail):
    engine, pat, cal = trail
    rows = audit.export(engine, cal.organisation_id, actor=cal)
    # the council's entries: by its users or about its data, nothing else
    assert rows and all("Council" in (r["actor_organisation"], r["owner_organisation"]) for r in rows)
    assert sum(r["action"] == "read" for r in rows) == 3
    assert all(r["actor_username"] != "pat" or r["owner_organisation"] == "Council" for r in rows)
    assert audit.count(engine, action="export", actor_username="cal") == 1
    prows = audit.export(engine, pat.organisation_id, actor=pat)
    assert sum(r["action"] == "read" for r in prows) == 6  # all reads were of police data
    assert [int(r["seq"]) for r in prows] == sorted(int(r["seq"]) for r in prows)
    assert audit.verify(engine)[0]


def test_unknown_actions_are_refused(engine):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.append(engine, Entry("peek"))


def test_the_database_itself_refuses_to_change_or_delete_an_entry(trail):
    engine, *_ = trail
    for statement in ("UPDATE audit_event SET purpose = 'x' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 6", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    assert audit.verify(engine) == (True, None, f"{audit.count(engine)} entries intact")


def _rechain(conn, digest) -> None:
    """Recompute every hash and the head with ``digest(row) -> hex``, as a forger would."""
    prev = audit.GENESIS
    rows = [dict(r) for r in conn.execute(text("SELECT * FROM audit_event ORDER BY seq")).mappings()]
    for row in rows:
        row["prev_hash"] = prev
        row["hash"] = prev = digest(row)
        conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s"), {"p": row["prev_hash"], "h": row["hash"], "s": row["seq"]})
    conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": rows[-1]["seq"] if rows else 0, "h": prev})


def _unkeyed(row) -> str:
    payload = {k: row[k] for k in audit.HASHED} | {"at": audit._at_text(row["at"])}
    return hashlib.sha256(audit.canonical(payload).encode()).hexdigest()


def _guessed_key(row) -> str:
    payload = {k: row[k] for k in audit.HASHED} | {"at": audit._at_text(row["at"])}
    return hmac.new(b"a guess at the key", audit.canonical(payload).encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("forge", [_unkeyed, _guessed_key])
def test_deleting_the_tail_and_recomputing_without_the_key_is_detected(trail, forge):
    engine, *_ = trail
    with tamper.owner(engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE seq > 4"))
        _rechain(conn, forge)
    ok, bad, reason = audit.verify(engine)
    assert not ok and bad == 1 and "audit key" in reason


def test_a_checkpoint_catches_a_tail_cut_and_recomputed_with_the_key(trail):
    engine, pat, _ = trail
    point = audit.checkpoint(engine)
    assert point["seq"] == audit.count(engine) and set(point) == {"database", "seq", "hash", "at", "signature"}
    audit.append(engine, Entry("read", pat, "person", "later", owner_org_id=pat.organisation_id, purpose="after the checkpoint"))
    assert audit.verify(engine, point)[0]  # later entries are fine: the chain still passes through the checkpoint
    key = audit_key(engine.url)
    with tamper.owner(engine) as conn:  # someone with the database and the key cuts entries behind the checkpoint
        conn.execute(text("DELETE FROM audit_event WHERE seq >= 3"))
        _rechain(conn, lambda row: audit.entry_hash(row, key))
    assert audit.verify(engine)[0]  # the chain alone cannot tell
    ok, bad, reason = audit.verify(engine, point)
    assert not ok and bad == 3 and "removed" in reason


def test_a_checkpoint_catches_a_chain_rewritten_with_the_key(trail):
    engine, *_ = trail
    point = audit.checkpoint(engine)
    key = audit_key(engine.url)
    with tamper.owner(engine) as conn:
        conn.execute(text("UPDATE audit_event SET purpose = 'nothing happened' WHERE seq = 2"))
        _rechain(conn, lambda row: audit.entry_hash(row, key))
    assert audit.verify(engine)[0]
    ok, bad, reason = audit.verify(engine, point)
    assert not ok and bad == point["seq"] and "rewritten" in reason


def test_a_changed_or_foreign_checkpoint_is_refused(trail):
    engine, *_ = trail
    point = audit.checkpoint(engine)
    assert not audit.verify(engine, point | {"seq": point["seq"] - 2})[0]
    assert "signature" in audit.verify(engine, point | {"seq": point["seq"] - 2})[2]
    assert "not a SARA audit checkpoint" in audit.verify(engine, {"seq": 1})[2]
    assert json.dumps(point)  # a plain JSON document, for keeping anywhere
