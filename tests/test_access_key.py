"""The audit key lives outside the database: `sara init` makes it owner-only beside a SQLite
file (or where SARA_AUDIT_KEY_FILE says), never overwrites it, refuses to start a new key
under a keyed trail, and keys a trail from before keying. On PostgreSQL the application's
own role may read and append audit entries but neither change nor delete them."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sara.access import audit, users
from sara.store import auditkey
from sara.store.engine import DatabaseError, _alembic_config, connect, grant_application_role, init
from tests.cli import ok_json


@pytest.fixture
def own_key(monkeypatch):
    """No key from the environment: each database's own key file is used."""
    monkeypatch.delenv("SARA_AUDIT_KEY_FILE", raising=False)
    monkeypatch.delenv("SARA_AUDIT_KEY", raising=False)
    auditkey._cache.clear()
    yield
    auditkey._cache.clear()


def test_init_makes_an_owner_only_key_beside_the_database_and_keeps_it(tmp_path, own_key):
    url = f"sqlite:///{tmp_path / 'sara.db'}"
    made = ok_json("init", "--db", url)
    key = tmp_path / "sara.db.audit-key"
    assert made["audit_key_created"] == str(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    before = key.read_text()
    assert "audit_key_created" not in ok_json("init", "--db", url)
    assert key.read_text() == before


def test_a_keyed_trail_whose_key_is_lost_is_not_given_a_new_one(tmp_path, own_key):
    url = f"sqlite:///{tmp_path / 'sara.db'}"
    init(url)
    engine = connect(url)
    users.add_organisation(engine, "Police", "police")
    engine.dispose()
    (tmp_path / "sara.db.audit-key").unlink()
    auditkey._cache.clear()
    with pytest.raises(DatabaseError, match="audit key is missing"):
        init(url)
    engine = connect(url)
    with pytest.raises(auditkey.AuditKeyMissing, match="audit key is missing"):
        users.add_organisation(engine, "Council", "council")
    engine.dispose()


def test_a_wrong_key_fails_verification(tmp_path, own_key, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sara.db'}"
    init(url)
    engine = connect(url)
    users.add_organisation(engine, "Police", "police")
    assert audit.verify(engine)[0]
    monkeypatch.setenv("SARA_AUDIT_KEY", "somebody else's key, long enough to be one")
    ok, bad, reason = audit.verify(engine)
    assert not ok and bad == 1 and "audit key" in reason
    engine.dispose()


def test_upgrading_keys_a_trail_made_before_keying(tmp_path, own_key):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect(url, check_schema=False)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    prev = audit.GENESIS
    with engine.begin() as conn:  # three entries as the unkeyed SHA-256 chain of issue 5 wrote them
        for seq in (1, 2, 3):
            row = {"seq": seq, "at": audit.utcnow(), "actor_user_id": None, "actor_username": "op", "actor_org_id": None, "owner_org_id": None,
                   "action": "create", "subject_type": "organisation", "subject_id": str(seq), "purpose": "setup", "detail": "{}", "prev_hash": prev}  # fmt: skip
            payload = {k: row[k] for k in audit.HASHED} | {"at": audit._at_text(row["at"])}
            row["hash"] = prev = hashlib.sha256(audit.canonical(payload).encode()).hexdigest()
            conn.execute(text("INSERT INTO audit_event VALUES (:seq, :at, :actor_user_id, :actor_username, :actor_org_id, :owner_org_id, :action, "
                              ":subject_type, :subject_id, :purpose, :detail, :prev_hash, :hash)"), row)  # fmt: skip
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h WHERE id = 1"), {"h": prev})
    engine.dispose()
    assert init(url)["audit_key_created"]
    engine = connect(url)
    assert audit.verify(engine) == (True, None, "3 entries intact")
    engine.dispose()


def test_the_applications_role_may_read_and_append_the_trail_but_not_rewrite_it(postgres, tmp_path):
    url = postgres.create_database(f"grants{os.getpid()}")
    init(url)
    owner = connect(url)
    with owner.begin() as conn:
        conn.execute(text("DROP ROLE IF EXISTS sara_app"))
        conn.execute(text("CREATE ROLE sara_app LOGIN"))
    owner.dispose()
    grants = grant_application_role(url, "sara_app")
    assert {g["privilege"] for g in grants if g["table"] == "audit_event"} == {"INSERT", "SELECT"}
    assert {"UPDATE"} <= {g["privilege"] for g in grants if g["table"] == "audit_head"}
    app = connect(make_url(url).set(username="sara_app").render_as_string(hide_password=False))
    users.add_organisation(app, "Police", "police")  # the app appends as it works
    assert audit.verify(app)[0]
    for statement in ("UPDATE audit_event SET purpose = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event", "ALTER TABLE audit_event DISABLE TRIGGER USER"):
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            with app.begin() as conn:
                conn.execute(text(statement))
    app.dispose()
    with pytest.raises(DatabaseError, match="not a PostgreSQL role name"):
        grant_application_role(url, "x; DROP TABLE event")
