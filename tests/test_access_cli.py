"""The access commands as people and scripts call them: `sara org add`, `sara user add`,
`sara agreement add`, `sara audit verify`, `sara audit export`, each acting `--as` a user
and checked by the same permissions as the web. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import text

import sara.cli  # noqa: F401  (registers every command)
from sara.store.engine import connect
from tests.cli import err_json, ok_json, sara

PW = "a long enough password"


@pytest.fixture
def setup(db_url):
    ok_json("org", "add", "Derbyshire Police", "--type", "police", "--db", db_url)
    ok_json("user", "add", "root", "--org", "Derbyshire Police", "--role", "administrator", "--password", PW, "--db", db_url)
    return db_url


def test_bootstrap_then_administrators_only(setup):
    db = setup
    # now a user exists: --as is required, and must be an administrator
    assert "--as" in err_json("org", "add", "Bolsover DC", "--type", "council", "--db", db)
    assert "--as" in err_json("user", "add", "eve", "--org", "Derbyshire Police", "--role", "administrator", "--password", PW, "--db", db)
    ok_json("org", "add", "Bolsover DC", "--type", "council", "--as", "root", "--db", db)
    added = ok_json("user", "add", "ana", "--org", "Bolsover DC", "--role", "analyst", "--name", "Ana Lyst", "--password", PW, "--as", "root", "--db", db)
    assert added["organisation"] == "Bolsover DC" and added["role"] == "analyst" and "password" not in json.dumps(added)
    assert "not allowed" in err_json("org", "add", "Other", "--type", "fire", "--as", "ana", "--db", db)
    assert "not allowed" in err_json("user", "add", "x", "--org", "Bolsover DC", "--role", "lead", "--password", PW, "--as", "ana", "--db", db)
    assert "no active user" in err_json("org", "add", "Other", "--type", "fire", "--as", "ghost", "--db", db)
    assert "unknown organisation type" in err_json("org", "add", "Other", "--type", "pub", "--as", "root", "--db", db)
    assert "already exists" in err_json("org", "add", "Bolsover DC", "--type", "council", "--as", "root", "--db", db)
    assert "no organisation" in err_json("user", "add", "y", "--org", "Nowhere", "--role", "lead", "--password", PW, "--as", "root", "--db", db)
    # the password can come from SARA_PASSWORD and is stored only as an argon2 hash
    ok_json("user", "add", "lee", "--org", "Bolsover DC", "--role", "lead", "--as", "root", "--db", db, env={"SARA_PASSWORD": PW})
    engine = connect(db)
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM app_user")).scalars().all()
    engine.dispose()
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)


def test_first_user_must_be_an_administrator(db_url):
    ok_json("org", "add", "Fire", "--type", "fire", "--db", db_url)
    assert "administrator" in err_json("user", "add", "a", "--org", "Fire", "--role", "analyst", "--password", PW, "--db", db_url)


def test_agreement_add_and_its_checks(setup):
    db = setup
    ok_json("org", "add", "Bolsover Homes", "--type", "housing", "--as", "root", "--db", db)
    ok_json("org", "add", "Safe Haven", "--type", "charity", "--as", "root", "--db", db)
    ok_json("user", "add", "han", "--org", "Bolsover Homes", "--role", "partner_practitioner", "--password", PW, "--as", "root", "--db", db)
    g = ok_json("agreement", "add", "Op Dexter ISA", "--party", "Derbyshire Police", "--party", "Bolsover Homes", "--purpose", "Op Dexter ASB",
                "--scope", "summary", "--category", "victim", "--category", "premises", "--from", "2025-01-01", "--to", "2026-01-01", "--as", "root", "--db", db)  # fmt: skip
    assert g["scope"] == "summary" and g["categories"] == ["premises", "victim"] and g["valid_to"].startswith("2026-01-01")
    base = ("--purpose", "p", "--scope", "full", "--category", "victim", "--db", db)
    assert "not a party" in err_json("agreement", "add", "X", "--party", "Bolsover Homes", "--party", "Safe Haven", *base, "--as", "root")
    assert "not allowed" in err_json("agreement", "add", "X", "--party", "Bolsover Homes", "--party", "Derbyshire Police", *base, "--as", "han")
    assert "unknown scope" in err_json("agreement", "add", "X", "--party", "Safe Haven", "--party", "Derbyshire Police", "--purpose", "p", "--scope", "all",
                                       "--category", "victim", "--as", "root", "--db", db)  # fmt: skip
    assert "two different" in err_json("agreement", "add", "X", "--party", "Derbyshire Police", *base, "--as", "root")
    assert "not a date" in err_json("agreement", "add", "X", "--party", "Safe Haven", "--party", "Derbyshire Police", *base, "--as", "root", "--from", "soon")
    assert "after" in err_json("agreement", "add", "X", "--party", "Safe Haven", "--party", "Derbyshire Police", *base, "--as", "root",
                               "--from", "2025-02-01", "--to", "2025-01-01")  # fmt: skip
    r = sara("agreement", "add", "Haven ISA", "--party", "Safe Haven", "--party", "Derbyshire Police", *base, "--as", "root")
    assert r.exit_code == 0 and "Haven ISA" in r.stdout


def test_audit_verify_exit_codes_and_first_bad_entry(setup):
    db = setup
    r = sara("audit", "verify", "--db", db)
    assert r.exit_code == 0 and "intact" in r.stdout
    assert ok_json("audit", "verify", "--db", db) == {"ok": True, "first_bad_seq": None, "reason": "2 entries intact"}
    engine = connect(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET purpose = 'nothing to see' WHERE seq = 1"))
    engine.dispose()
    r = sara("audit", "verify", "--db", db, "--json")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["first_bad_seq"] == 1 and json.loads(r.stdout)["ok"] is False
    r = sara("audit", "verify", "--db", db)
    assert r.exit_code == 1 and "entry 1" in r.stdout


def test_audit_export_is_for_the_organisations_own_administrators_and_leads(setup, tmp_path):
    db = setup
    ok_json("org", "add", "Bolsover DC", "--type", "council", "--as", "root", "--db", db)
    ok_json("user", "add", "lee", "--org", "Bolsover DC", "--role", "lead", "--password", PW, "--as", "root", "--db", db)
    ok_json("user", "add", "ana", "--org", "Bolsover DC", "--role", "analyst", "--password", PW, "--as", "root", "--db", db)
    path = tmp_path / "council.csv"
    result = ok_json("audit", "export", "--org", "Bolsover DC", "--csv", str(path), "--as", "lee", "--db", db)
    rows = list(csv.DictReader(path.open()))
    assert result["rows"] == len(rows) == 3  # creating the council, lee and ana
    assert all("Bolsover DC" in (r["actor_organisation"], r["owner_organisation"]) for r in rows)
    assert "not allowed" in err_json("audit", "export", "--org", "Derbyshire Police", "--csv", str(path), "--as", "lee", "--db", db)
    assert "not allowed" in err_json("audit", "export", "--org", "Bolsover DC", "--csv", str(path), "--as", "ana", "--db", db)
    assert "not allowed" in err_json("audit", "verify", "--as", "ana", "--db", db)
    assert ok_json("audit", "verify", "--db", db)["ok"]


def test_a_database_problem_is_one_line(tmp_path):
    msg = err_json("org", "add", "X", "--type", "police", "--db", f"sqlite:///{tmp_path}/missing/sara.db")
    assert "does not exist" in msg
