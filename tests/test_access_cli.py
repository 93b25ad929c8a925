"""The access commands as people and scripts call them, each acting `--as` a user proved by
their password (SARA_PASSWORD) or personal token (SARA_TOKEN): organisations, users with
one-time codes, tokens, sharing agreements that need every party's consent, and the audit
trail with its checkpoint. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import text

from sara.access import audit
from sara.store.engine import connect
from tests import tamper
from tests.cli import PASSWORD, err_json, ok_json, sara

PW = PASSWORD
COUNCIL_PW = "the council's own passphrase"


def activate(db: str, made: dict, password: str = PW) -> None:
    ok_json("user", "activate", made["username"], "--code", made["one_time_code"], "--db", db, env={"SARA_PASSWORD": password})


@pytest.fixture
def setup(db_url):
    """The host (the police, whose administrator bootstrapped the database) and a council
    whose first administrator set their own password with a one-time code."""
    ok_json("org", "add", "Derbyshire Police", "--type", "police", "--db", db_url)
    ok_json("user", "add", "root", "--org", "Derbyshire Police", "--role", "administrator", "--password", PW, "--db", db_url)
    ok_json("org", "add", "Bolsover DC", "--type", "council", "--as", "root", "--db", db_url)
    activate(db_url, ok_json("user", "add", "cadmin", "--org", "Bolsover DC", "--role", "administrator", "--as", "root", "--db", db_url), COUNCIL_PW)
    return db_url


def test_bootstrap_then_administrators_only(setup):
    db = setup
    # a user exists now: somebody must be signed in, and be the host's administrator
    assert "--as" in err_json("org", "add", "Other", "--type", "fire", "--db", db)
    assert "--as" in err_json("user", "add", "eve", "--org", "Derbyshire Police", "--role", "administrator", "--password", PW, "--db", db)
    assert "host" in err_json("org", "add", "Other", "--type", "fire", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": COUNCIL_PW})
    assert "invalid username or password" in err_json("org", "add", "Other", "--type", "fire", "--as", "ghost", "--db", db)
    assert "unknown organisation type" in err_json("org", "add", "Other", "--type", "pub", "--as", "root", "--db", db)
    assert "already exists" in err_json("org", "add", "Bolsover DC", "--type", "council", "--as", "root", "--db", db)
    assert "no organisation" in err_json("user", "add", "y", "--org", "Nowhere", "--role", "lead", "--as", "root", "--db", db)
    # the council's administrator adds the council's users, each with a one-time code
    ana = ok_json("user", "add", "ana", "--org", "Bolsover DC", "--role", "analyst", "--name", "Ana Lyst", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": COUNCIL_PW})
    assert ana["organisation"] == "Bolsover DC" and ana["one_time_code"] and "password" not in json.dumps(ana)
    activate(db, ana)
    engine = connect(db)
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM app_user")).scalars().all()
        codes = conn.execute(text("SELECT activation_hash FROM app_user WHERE activation_hash IS NOT NULL")).scalars().all()
    engine.dispose()
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes) and codes == []


def test_the_critical_finding_a_police_administrator_cannot_plant_a_council_user(setup, tmp_path):
    """`sara user add mole --org "Council B" --role problem_owner --as padmin`, then
    `sara person export --as mole`, gave the police all of the council's people."""
    db = setup
    refused = err_json("user", "add", "mole", "--org", "Bolsover DC", "--role", "problem_owner", "--as", "root", "--db", db)
    assert "own organisation" in refused
    # the council has its administrator already: the host's first-administrator right is spent
    assert "own organisation" in err_json("user", "add", "mole2", "--org", "Bolsover DC", "--role", "administrator", "--as", "root", "--db", db)
    # nor can the police administrator change, disable or reset the council's users
    for verb in (("change", "cadmin", "--role", "analyst"), ("disable", "cadmin"), ("reset", "cadmin")):
        msg = err_json("user", *verb, "--as", "root", "--db", db)
        assert "cadmin" not in msg or "no user called" in msg
        assert msg == err_json("user", *verb[:1], "nobody-at-all", *verb[2:], "--as", "root", "--db", db).replace("nobody-at-all", "cadmin")
    # nor act as them without their password
    assert "invalid username or password" in err_json("user", "list", "--as", "cadmin", "--db", db)
    assert err_json("person", "export", "--csv", str(tmp_path / "p.csv"), "--as", "mole", "--db", db)
    assert not (tmp_path / "p.csv").exists()


def test_as_needs_the_users_password_or_token_and_failures_count_toward_the_lockout(setup):
    db = setup
    before = audit.count(connect(db), action="login_failed")
    assert "invalid username or password" in err_json("user", "list", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": "wrong"})
    assert audit.count(connect(db), action="login_failed", actor_username="cadmin") == 1 + before
    assert "SARA_PASSWORD" in err_json("user", "list", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": None})
    for _ in range(4):
        err_json("user", "list", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": "wrong"})
    assert "locked" in err_json("user", "list", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": COUNCIL_PW})


def test_personal_tokens_are_shown_once_stored_hashed_and_revocable(setup):
    db = setup
    made = ok_json("token", "create", "--name", "nightly export", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": COUNCIL_PW})
    token = made["token"]
    assert token.startswith("sara_") and len(token) > 40
    engine = connect(db)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_token")).scalars().all()
    engine.dispose()
    assert stored and token not in stored and all(token not in s for s in stored)
    by_token = {"SARA_PASSWORD": None, "SARA_TOKEN": token}
    assert [u["username"] for u in ok_json("user", "list", "--as", "cadmin", "--db", db, env=by_token)] == ["cadmin"]
    listed = ok_json("token", "list", "--as", "cadmin", "--db", db, env=by_token)
    assert listed[0]["name"] == "nightly export" and "token" not in listed[0] and listed[0]["last_used_at"]
    # a token proves only its own user
    assert "invalid username or token" in err_json("user", "list", "--as", "root", "--db", db, env=by_token)
    assert "no live token" in err_json("token", "revoke", str(made["id"]), "--as", "root", "--db", db)
    ok_json("token", "revoke", str(made["id"]), "--as", "cadmin", "--db", db, env=by_token)
    assert "revoked" in err_json("user", "list", "--as", "cadmin", "--db", db, env=by_token)


def test_one_time_codes_work_once(setup):
    db = setup
    lee = ok_json("user", "add", "lee", "--org", "Bolsover DC", "--role", "lead", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": COUNCIL_PW})
    assert "invalid username or password" in err_json("user", "list", "--as", "lee", "--db", db)  # no password until activated
    assert "one-time code" in err_json("user", "activate", "lee", "--code", "000000-000000-000000-000000", "--db", db)
    activate(db, lee)
    assert ok_json("user", "list", "--as", "lee", "--db", db)
    assert "one-time code" in err_json("user", "activate", "lee", "--code", lee["one_time_code"], "--db", db, env={"SARA_PASSWORD": "another long one"})
    reset = ok_json("user", "reset", "lee", "--as", "cadmin", "--db", db, env={"SARA_PASSWORD": COUNCIL_PW})
    assert "invalid username or password" in err_json("user", "list", "--as", "lee", "--db", db)
    activate(db, reset, "a brand new passphrase")
    assert ok_json("user", "list", "--as", "lee", "--db", db, env={"SARA_PASSWORD": "a brand new passphrase"})


def test_first_user_must_be_an_administrator(db_url):
    ok_json("org", "add", "Fire", "--type", "fire", "--db", db_url)
    assert "administrator" in err_json("user", "add", "a", "--org", "Fire", "--role", "analyst", "--password", PW, "--db", db_url)


def test_agreements_need_every_partys_consent_and_any_party_ends_them(setup):
    db = setup
    council = {"SARA_PASSWORD": COUNCIL_PW}
    ok_json("org", "add", "Bolsover Homes", "--type", "housing", "--as", "root", "--db", db)
    g = ok_json("agreement", "propose", "Op Dexter ISA", "--party", "Derbyshire Police", "--party", "Bolsover DC", "--purpose", "Op Dexter ASB",
                "--scope", "summary", "--category", "victim", "--category", "premises", "--from", "2025-01-01", "--as", "root", "--db", db)  # fmt: skip
    assert g["status"] == "awaiting acceptance" and g["awaiting"] == ["Bolsover DC"] and g["categories"] == ["premises", "victim"]
    # `agreement add` is `agreement propose`: one party alone never makes an agreement live
    alone = ok_json("agreement", "add", "Grab", "--party", "Derbyshire Police", "--party", "Bolsover Homes", "--purpose", "everything", "--scope", "full",
                    "--category", "victim", "--as", "root", "--db", db)  # fmt: skip
    assert alone["status"] == "awaiting acceptance"
    shown = ok_json("agreement", "accept", "Op Dexter ISA", "--as", "cadmin", "--db", db, env=council)
    assert shown["status"] == "live" and shown["awaiting"] == []
    assert "already accepted" in err_json("agreement", "accept", "Op Dexter ISA", "--as", "cadmin", "--db", db, env=council)
    assert "no sharing agreement" in err_json("agreement", "accept", "Grab", "--as", "cadmin", "--db", db, env=council)  # not a party: not even named
    assert [a["name"] for a in ok_json("agreement", "list", "--as", "cadmin", "--db", db, env=council)] == ["Op Dexter ISA"]
    assert ok_json("agreement", "show", "Op Dexter ISA", "--as", "root", "--db", db)["accepted"]["Bolsover DC"]
    ended = ok_json("agreement", "end", "Op Dexter ISA", "--reason", "operation over", "--as", "cadmin", "--db", db, env=council)
    assert ended["status"] == "ended"
    assert "ended" in err_json("agreement", "accept", "Op Dexter ISA", "--as", "root", "--db", db)
    base = ("--purpose", "p", "--scope", "full", "--category", "victim", "--db", db)
    assert "not a party" in err_json("agreement", "propose", "X", "--party", "Bolsover Homes", "--party", "Bolsover DC", *base, "--as", "root")
    assert "unknown scope" in err_json("agreement", "propose", "X", "--party", "Bolsover DC", "--party", "Derbyshire Police", "--purpose", "p", "--scope", "all",
                                       "--category", "victim", "--as", "root", "--db", db)  # fmt: skip
    assert "two different" in err_json("agreement", "propose", "X", "--party", "Derbyshire Police", *base, "--as", "root")
    assert "not a date" in err_json("agreement", "propose", "X", "--party", "Bolsover DC", "--party", "Derbyshire Police", *base, "--as", "root", "--from", "soon")
    assert "after" in err_json("agreement", "propose", "X", "--party", "Bolsover DC", "--party", "Derbyshire Police", *base, "--as", "root",
                               "--from", "2025-02-01", "--to", "2025-01-01")  # fmt: skip


def test_audit_verify_exit_codes_first_bad_entry_and_checkpoints(setup, tmp_path):
    db = setup
    r = sara("audit", "verify", "--db", db)
    assert r.exit_code == 0 and "intact" in r.stdout
    point = tmp_path / "head.json"
    made = ok_json("audit", "checkpoint", "--out", str(point), "--db", db)
    assert json.loads(point.read_text())["seq"] == made["seq"] > 0
    assert ok_json("audit", "verify", "--checkpoint", str(point), "--db", db)["ok"]
    engine = connect(db)
    with tamper.owner(engine) as conn:
        conn.execute(text("UPDATE audit_event SET purpose = 'nothing to see' WHERE seq = 1"))
    engine.dispose()
    r = sara("audit", "verify", "--db", db, "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["first_bad_seq"] == 1 and json.loads(r.stdout)["ok"] is False
    r = sara("audit", "verify", "--db", db)
    assert r.exit_code == 1 and "entry 1" in r.stdout
    point.write_text("not json")
    assert "cannot read the checkpoint" in err_json("audit", "verify", "--checkpoint", str(point), "--db", db)


def test_audit_export_is_for_the_organisations_own_administrators_and_leads(setup, tmp_path):
    db = setup
    council = {"SARA_PASSWORD": COUNCIL_PW}
    for name, role in (("lee", "lead"), ("ana", "analyst")):
        activate(db, ok_json("user", "add", name, "--org", "Bolsover DC", "--role", role, "--as", "cadmin", "--db", db, env=council))
    path = tmp_path / "council.csv"
    result = ok_json("audit", "export", "--org", "Bolsover DC", "--csv", str(path), "--as", "lee", "--db", db)
    rows = list(csv.DictReader(path.open()))
    assert result["rows"] == len(rows) > 0
    assert all("Bolsover DC" in (r["actor_organisation"], r["owner_organisation"]) for r in rows)
    assert "not allowed" in err_json("audit", "export", "--org", "Derbyshire Police", "--csv", str(path), "--as", "lee", "--db", db)
    assert "not allowed" in err_json("audit", "export", "--org", "Bolsover DC", "--csv", str(path), "--as", "ana", "--db", db)
    assert "not allowed" in err_json("audit", "verify", "--as", "ana", "--db", db)
    assert ok_json("audit", "verify", "--db", db)["ok"]


def test_a_database_problem_is_one_line(tmp_path):
    msg = err_json("org", "add", "X", "--type", "police", "--db", f"sqlite:///{tmp_path}/missing/sara.db")
    assert "does not exist" in msg
