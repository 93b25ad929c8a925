"""The early-help search in the browser, on the demo (the real 2025 Bolsover police.uk crimes
with the labelled synthetic young people of ``sara.casework.demo_early_help``): what the last
search found with status and age (or "age unknown"), each crime's review form, the referral
form and the referrals; the JSON twin is the command's JSON; refused for a housing officer. The
HTTP tests run on SQLite and PostgreSQL, the browser walk on SQLite."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from sqlalchemy import select

from sara.access.users import get_actor
from sara.casework import demo_early_help
from sara.services import Context
from sara.services import early_help as services_eh
from sara.store.engine import connect
from sara.store.schema import Event
from sara.store.schema import people as sp
from tests.cli import sara
from tests.test_web_tags import copy_db
from tests.web import DEMO_PASSWORD, browser_sign_in, build_demo, client, csrf, walk


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request) -> str:
    """The demo on SQLite, and built afresh on PostgreSQL: the HTTP tests run on both."""
    if request.param == "sqlite":
        return request.getfixturevalue("demo_url")
    return build_demo(None, request.getfixturevalue("postgres").create_database(f"early_help_demo_{os.getpid()}"))


def _laid(demo: str, folder) -> str:
    copy = copy_db(demo, folder)
    engine = connect(copy)
    demo_early_help.load(engine)
    engine.dispose()
    return copy


@pytest.fixture
def url(demo, tmp_path) -> str:
    return _laid(demo, tmp_path)


@pytest.fixture
def sqlite_demo(demo_url, tmp_path) -> str:
    """The early-help demo on SQLite, for the browser's walk."""
    return _laid(demo_url, tmp_path)


def linked(url: str, name: str) -> list[tuple[int, dt.datetime, str]]:
    """(event id, linked at, category) of a demo person's links, read straight from the tables."""
    pe, p, e = sp.PersonEvent.__table__, sp.Person.__table__, Event.__table__
    with connect(url).connect() as conn:
        return [tuple(r) for r in conn.execute(select(pe.c.event_id, pe.c.linked_at, e.c.category).join(p, p.c.id == pe.c.person_id)
                                               .join(e, e.c.id == pe.c.event_id).where(p.c.name == name).order_by(pe.c.event_id))]  # fmt: skip


def test_the_page_lists_the_demo_young_people_with_status_and_age(url):
    c = client(url, "yos.worker")
    data = c.get("/api/early-help").json()
    found = {yp["person"]["name"]: yp for yp in data["young_people"]}
    assert set(found) == {"Youth F (synthetic)", "Youth G (synthetic)", "Youth H (synthetic)"}  # Youth K was 18 on the crime's day
    since = dt.datetime.fromisoformat(data["since"])
    for name, status in (("Youth F (synthetic)", "first_time"), ("Youth G (synthetic)", "repeat"), ("Youth H (synthetic)", "first_time")):
        links = linked(url, name)
        assert found[name]["status"] == status and found[name]["crimes"] == len(links)
        assert [e["event_id"] for e in found[name]["events"]] == sorted(i for i, at, _ in links if at >= since)
    assert found["Youth H (synthetic)"]["age_text"] == "age unknown" and found["Youth F (synthetic)"]["age_text"] == "14"
    page = c.get("/early-help")
    assert page.status_code == 200
    for text in ("Youth F (synthetic)", "Youth G (synthetic)", "Age unknown", "First time", "Repeat", "Record the review", "Early Action team", "Bolsover 004A"):
        assert text in page.text, text
    assert "Youth K (synthetic)" not in page.text and 'href="/early-help"' in page.text  # in the navigation


def test_the_json_twin_is_the_commands_json(url):
    api = client(url, "yos.worker").get("/api/early-help").json()
    r = sara("early-help", "list", "--json", "--db", url, "--as", "yos.worker", env={"SARA_PASSWORD": DEMO_PASSWORD})
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == api
    engine = connect(url)
    assert api == services_eh.latest(Context(engine, get_actor(engine, "yos.worker")))


def test_a_housing_officer_is_refused_and_sees_no_link(url):
    h = client(url, "housing.officer")
    page, api = h.get("/early-help"), h.get("/api/early-help")
    assert page.status_code == api.status_code == 403
    assert "Youth" not in page.text and api.json() == {"error": "the early-help search is for police, youth justice and council early-help users"}
    assert 'href="/early-help"' not in h.get("/today").text
    assert 'href="/early-help"' in client(url, "yos.worker").get("/today").text
    assert h.post("/api/early-help/search", json={"since": "2025-01-01"}, headers={"X-CSRF-Token": csrf(h.get("/today").text)}).status_code == 403


def test_a_crime_is_reviewed_and_a_young_person_referred_from_the_page(url):
    c = client(url, "pc.dexter")
    data = c.get("/api/early-help").json()
    g = next(yp for yp in data["young_people"] if yp["person"]["name"] == "Youth G (synthetic)")
    todo = next(e for e in g["events"] if not e["reviewed_at"])
    token = csrf(c.get("/early-help").text)
    r = c.post(f"/early-help/findings/{todo['finding']}/review", data={"csrf_token": token, "note": " "})
    assert r.status_code == 422 and f'id="note-{todo["finding"]}-error"' in r.text
    r = c.post(f"/early-help/findings/{todo['finding']}/review", data={"csrf_token": token, "note": "second theft: refer"}, follow_redirects=False)
    assert r.status_code == 303
    assert "Reviewed by pc.dexter" in c.get("/early-help").text
    assert c.post(f"/early-help/findings/{todo['finding']}/review", data={"note": "no token"}).status_code == 403
    r = c.post("/early-help/referrals", data={"csrf_token": token, "person": g["person"]["id"], "to_team": ""})
    assert r.status_code == 422 and 'id="refer-to_team-error"' in r.text
    r = c.post("/early-help/referrals", data={"csrf_token": token, "person": g["person"]["id"], "to_team": "youth_justice", "route": "police_search",
                                              "meeting": "partners meeting"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    after = c.get("/api/early-help").json()
    assert "Youth G (synthetic)" not in {yp["person"]["name"] for yp in after["young_people"]}  # referred: not listed again until a new crime
    assert [r["to_team"] for r in after["referrals"] if r["person"].get("name") == "Youth G (synthetic)"] == ["youth_justice"]


def test_running_the_search_from_the_page_twice_records_it_once(url):
    c = client(url, "analyst")
    token = csrf(c.get("/early-help").text)
    c.headers["X-CSRF-Token"] = token
    first = c.post("/api/early-help/search", json={"since": "2025-01-01"}).json()
    again = c.post("/api/early-help/search", json={"since": "2025-01-01"}).json()
    assert again["young_people"] == first["young_people"] and again["search"]["id"] == first["search"]["id"]
    assert {"Youth A (synthetic)", "Youth B (synthetic)"} <= {yp["person"]["name"] for yp in first["young_people"]}
    assert c.post("/early-help/search", data={"csrf_token": token, "since": "soon"}).status_code == 422


def test_yos_worker_walks_the_early_help_page(sqlite_demo, page):
    from tests import browser as served

    with served.serve(sqlite_demo) as base:
        browser_sign_in(page, base, "yos.worker", next_page="/early-help")
        assert page.url.endswith("/early-help")
        assert page.locator("#found tbody tr").count() == 4
        walk(page, "early-help")
        page.fill(f"#note-{page.locator('#found form').first.get_attribute('action').split('/')[3]}", "seen by YJS")
        page.locator("#found form button").first.click()
        page.wait_for_load_state("networkidle")
        assert "Reviewed by yos.worker" in page.content()
        assert not page.errors, page.errors
