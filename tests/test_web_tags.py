"""Tags in the browser: the comparison of the demo's synthetic tag trails with its synthetic
timed Bolsover burglaries (``sara.casework.demo_tags``) as a police user, its JSON twin equal
to ``sara tags compare --json``, the refusal of a council user, and the page walked in the
browser (axe-clean, with its map). The HTTP tests run on SQLite and PostgreSQL, the browser
walks on SQLite. Loading a trail export (an upload and its mapping, the load
report) and recording a wearer from the browser, their JSON twins equal to ``sara tags load``
and ``sara tags wearer add``, and who is refused (a police analyst, who may not write people;
a council officer)."""

from __future__ import annotations

import csv
import io
import itertools
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from sara.casework import demo_tags
from sara.store.engine import connect
from sara.store.schema import Quarantine
from sara.store.schema import people as sp
from sara.store.schema.tags import TrailPoint, Wearer
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, build_demo, client, copy_of, csrf, walk

PERIOD = {"from": "2025-03-01", "to": "2025-04-30"}


_copies = itertools.count()


def _lay(url: str) -> str:
    engine = connect(url)
    made = demo_tags.load(engine)
    engine.dispose()
    assert made["loaded"] and made["burglaries"] == 30 and len(made["planted_hits"]) == 3
    return url


@pytest.fixture(scope="module")
def tags_sqlite(demo_url, tmp_path_factory) -> str:
    """A copy of the demo with the synthetic electronic monitoring laid on it (SQLite: the browser's)."""
    return _lay(copy_of(demo_url, tmp_path_factory.mktemp("tags")))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def url(request) -> str:
    """The tags demo on SQLite, and built afresh on PostgreSQL: the HTTP tests run on both."""
    if request.param == "sqlite":
        return request.getfixturevalue("tags_sqlite")
    return _lay(build_demo(None, request.getfixturevalue("postgres").create_database(f"tags_demo_{os.getpid()}")))


def copy_db(url: str, folder: Path) -> str:
    """A copy of a demo database for a test that changes it, without its sessions and sign-in
    counts: a SQLite file (``tests.web.copy_of``), or a PostgreSQL database made with it as template."""
    if url.startswith("sqlite"):
        return copy_of(url, folder)
    import psycopg

    base = make_url(url)
    name = f"{base.database}_copy{next(_copies)}"
    with psycopg.connect(host=base.host, port=base.port, user=base.username, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"')
    copied = base.set(database=name).render_as_string(hide_password=False)
    engine = connect(copied)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM web_session"))
        conn.execute(text("DELETE FROM rate_limit"))
    engine.dispose()
    return copied


def _planted(url) -> set[tuple[str, str]]:
    return {("SYN-BUR-0001", "TAG-D01"), ("SYN-BUR-0002", "TAG-D01"), ("SYN-BUR-0004", "TAG-D02")}


def test_the_page_compares_as_a_police_user(url):
    c = client(url, "pc.dexter")
    page = c.get("/tags")
    assert page.status_code == 200 and "Compare" in page.text and demo_tags.CATEGORY in page.text and "leads, not evidence" in page.text
    r = c.post("/tags", data={"csrf_token": csrf(page.text), "category": demo_tags.CATEGORY, "date_from": PERIOD["from"], "date_to": PERIOD["to"],
                              "metres": "100", "minutes": "30", "purpose": "burglary review (test)"})  # fmt: skip
    assert r.status_code == 200
    assert "30 crimes compared with the trails of 3 wearers: 3 hits" in r.text
    assert all(ref in r.text for ref, _ in _planted(url)) and "Adult D (synthetic)" in r.text and 'id="tags-map"' in r.text
    assert "leads, not evidence" in r.text


def test_a_form_without_a_purpose_says_so(url):
    c = client(url, "pc.dexter")
    token = csrf(c.get("/tags").text)
    r = c.post("/tags", data={"csrf_token": token, "category": demo_tags.CATEGORY, "date_from": PERIOD["from"], "date_to": PERIOD["to"], "purpose": ""})
    assert r.status_code == 422 and "a purpose is required" in r.text


def test_the_json_twin_equals_the_cli(url):
    args = {"category": demo_tags.CATEGORY, **PERIOD, "purpose": "burglary review (test)"}
    api = client(url, "pc.dexter").get("/api/tags/compare", params=args).json()
    cli = ok_json("tags", "compare", "--category", demo_tags.CATEGORY, "--from", PERIOD["from"], "--to", PERIOD["to"], "--purpose", "burglary review (test)",
                  "--db", url, "--as", "pc.dexter", env={"SARA_PASSWORD": DEMO_PASSWORD})  # fmt: skip
    assert api == cli
    assert {(h["event"], h["wearer"]) for h in api["hits"]} == _planted(url)
    assert (api["crimes_compared"], api["wearers"]) == (30, 3)
    d03 = next(w for w in client(url, "pc.dexter").get("/api/tags/wearers").json() if w["wearer"] == "TAG-D03")
    assert d03["person"] is None and d03["points"] > 10_000


def test_a_council_user_is_refused_and_sees_no_tags_in_the_navigation(url):
    c = client(url, "asb.officer")
    page = c.get("/tags")
    assert page.status_code == 403 and "TAG-D01" not in page.text and demo_tags.CATEGORY not in page.text
    assert c.get("/api/tags/compare", params={"category": demo_tags.CATEGORY, **PERIOD, "purpose": "x"}).status_code == 403
    assert 'href="/tags"' not in c.get("/today").text
    assert 'href="/tags"' in client(url, "pc.dexter").get("/today").text


def test_pc_dexter_walks_the_tags_page(tags_sqlite, page):
    from tests import browser as served

    with served.serve(tags_sqlite) as base:
        browser_sign_in(page, base, "pc.dexter", next_page="/tags")
        assert page.url.endswith("/tags")
        page.select_option("#category", demo_tags.CATEGORY)
        page.fill("#date_from", PERIOD["from"])
        page.fill("#date_to", PERIOD["to"])
        page.fill("#purpose", "burglary review (browser test)")
        page.click("button:has-text('Compare')")
        page.wait_for_selector("#tags-map .leaflet-interactive")
        assert "3 hits" in page.locator("#summary").inner_text()
        assert page.locator("#hits tbody tr").count() == 3
        walk(page, "tags")
        assert not page.errors, page.errors


# --- loading a trail export and recording wearers -------------------------------------------------

MAPPING = demo_tags.TRAIL_MAPPING.replace(demo_tags.TRAILS, "Upload test trails (synthetic)")
UPLOAD = [  # (tag, fix UTC, lon, lat, accuracy): what each row should come to
    ("TAG-D03", "2025-03-10T10:01:30Z", "-1.2900", "53.2300", "5"),  # stored
    ("TAG-D03", "2025-03-10T10:06:30Z", "-1.2901", "53.2301", "5"),  # stored
    ("TAG-D03", "2025-03-10T10:03:30Z", "-1.2902", "53.2302", "5"),  # out of order
    ("TAG-D03", "2025-03-10T10:11:30Z", "0", "0", "5"),  # a fix at (0, 0)
    ("TAG-D03", "2025-08-01T10:00:00Z", "-1.2903", "53.2303", "5"),  # after the monitoring period (to 30 June 2025)
    ("TAG-U01", "2025-03-11T09:00:00Z", "-1.2950", "53.2350", ""),  # stored: a new tag, no recorded person
    ("TAG-U01", "not a time", "-1.2951", "53.2351", "4"),  # unparseable time
]


def _client(url: str, username: str):
    """A signed-in client whose JSON posts carry the session's CSRF token, as the pages' scripts would."""
    c = client(url, username)
    c.headers["X-CSRF-Token"] = csrf(c.get("/today").text)
    return c


def _csv(rows=UPLOAD) -> str:
    f = io.StringIO()
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["Tag", "Fix (UTC)", "Longitude", "Latitude", "Accuracy m"])
    w.writerows(rows)
    return f.getvalue()


def _counts(url: str) -> tuple[int, int]:
    """(trail points, wearers) held, counted straight from the tables."""
    engine = connect(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(TrailPoint)).scalar_one(), conn.execute(select(func.count()).select_from(Wearer)).scalar_one()
    engine.dispose()
    return n


@pytest.fixture
def fresh(url, tmp_path) -> str:
    """A copy of the tags demo for a test that loads or records."""
    return copy_db(url, tmp_path)


def _load_form(c, text=None, mapping=MAPPING, name="upload-synthetic.csv"):
    token = csrf(c.get("/tags/load").text)
    return c.post("/tags/load", data={"csrf_token": token, "mapping": mapping}, files={"trail": (name, (text or _csv()).encode(), "text/csv")})


def test_a_police_officer_uploads_a_trail_export_and_reads_the_load_report(fresh):
    c = _client(fresh, "pc.dexter")
    form = c.get("/tags/load")
    assert form.status_code == 200 and "wearer = &#34;Tag ID&#34;" in form.text and 'enctype="multipart/form-data"' in form.text
    before = _counts(fresh)
    r = _load_form(c)
    assert r.status_code == 200, r.text
    assert "7 rows read: 3 fixes stored, 0 already held, 4 quarantined." in r.text
    for reason in ("time out of order", "a fix at (0, 0)", "outside the wearer", "unparseable Fix (UTC)"):
        assert reason in r.text, reason
    assert "upload-synthetic.csv" in r.text and "/tmp/" not in r.text
    assert "TAG-U01" in r.text and 'id="unlinked"' in r.text
    points, wearers = _counts(fresh)
    assert (points - before[0], wearers - before[1]) == (3, 1)
    engine = connect(fresh)
    with engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(Quarantine).where(Quarantine.file == "upload-synthetic.csv")).scalar_one()
    engine.dispose()
    assert held == 4
    again = _load_form(c)
    assert "7 rows read: 0 fixes stored, 3 already held, 4 quarantined." in again.text and _counts(fresh)[0] == points


def test_a_bad_mapping_or_no_file_is_said_beside_its_input(fresh):
    c = _client(fresh, "pc.dexter")
    r = _load_form(c, mapping=MAPPING.replace('wearer = "Tag"', ""))
    assert r.status_code == 422 and "missing key wearer in [columns]" in r.text and 'id="mapping-error"' in r.text
    assert "the mapping you typed" in r.text and "mapping.toml" not in r.text
    token = csrf(c.get("/tags/load").text)
    r = c.post("/tags/load", data={"csrf_token": token, "mapping": MAPPING})
    assert r.status_code == 422 and "choose the trail export" in r.text and 'id="trail-error"' in r.text
    r = c.post("/tags/load", data={"csrf_token": token, "mapping": "   "}, files={"trail": ("t.csv", _csv().encode(), "text/csv")})
    assert r.status_code == 422 and "give the mapping" in r.text
    r = c.post("/tags/load", data={"csrf_token": token, "mapping": ""}, files={"trail": ("t.csv", _csv().encode(), "text/csv"),
                                                                         "mapping_file": ("trails.toml", MAPPING.encode(), "text/plain")})  # fmt: skip
    assert r.status_code == 200 and "7 rows read: 3 fixes stored" in r.text  # the mapping's file, when chosen, is the mapping


def test_the_load_json_twin_equals_the_command(url, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    by_api, by_cli = copy_db(url, tmp_path / "a"), copy_db(url, tmp_path / "b")
    api = _client(by_api, "pc.dexter").post("/api/tags/load", json={"filename": "upload-synthetic.csv", "csv": _csv(), "mapping": MAPPING})
    assert api.status_code == 200, api.text
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "upload-synthetic.csv").write_text(_csv())
    (folder / "trails.toml").write_text(MAPPING)
    cli = ok_json("tags", "load", str(folder / "upload-synthetic.csv"), "--mapping", str(folder / "trails.toml"), "--db", by_cli, "--as", "pc.dexter",
                  env={"SARA_PASSWORD": DEMO_PASSWORD})  # fmt: skip
    for report in (api.json(), cli):
        for f in report["files"]:
            f["path"] = Path(f["path"]).name
    assert api.json() == cli
    assert (cli["rows_read"], cli["inserted"], cli["quarantined"], cli["counts_add_up"]) == (7, 3, 4, True)
    assert cli["wearers_new"] == ["TAG-U01"] and set(cli["wearers_without_person"]) == {"TAG-D03", "TAG-U01"}


def test_who_may_not_load_is_refused_and_nothing_is_stored(fresh):
    before = _counts(fresh)
    analyst = _client(fresh, "analyst")  # police, reads people but does not write them
    assert analyst.get("/tags/load").status_code == 403
    for path, body in (("/api/tags/load", {"csv": _csv(), "mapping": MAPPING}), ("/api/tags/wearers", {"reference": "TAG-X"})):
        r = analyst.post(path, json=body)
        assert r.status_code == 403 and r.json()["error"].startswith("tag trails are for police and probation users"), r.text
    page = analyst.get("/tags")
    assert page.status_code == 200 and 'href="/tags/load"' not in page.text
    wearers = analyst.get("/tags/wearers")
    assert wearers.status_code == 200 and "TAG-D01" in wearers.text and 'id="wearer-form"' not in wearers.text
    r = analyst.post("/tags/wearers", data={"csrf_token": csrf(wearers.text), "reference": "TAG-X"})
    assert r.status_code == 403 and "TAG-X" not in r.text
    council = _client(fresh, "asb.officer")
    for path in ("/tags/load", "/tags/wearers"):
        r = council.get(path)
        assert r.status_code == 403 and "TAG-D01" not in r.text
    assert council.post("/api/tags/load", json={"csv": _csv(), "mapping": MAPPING}).status_code == 403
    assert _counts(fresh) == before


def _person(url: str, name: str) -> str:
    engine = connect(url)
    with engine.connect() as conn:
        ref = conn.execute(select(sp.Person.reference).where(sp.Person.name == name)).scalar_one()
    engine.dispose()
    return ref


def test_a_police_officer_records_a_wearer_from_the_page(fresh):
    c = _client(fresh, "pc.dexter")
    page = c.get("/tags/wearers")
    assert page.status_code == 200 and 'id="wearer-form"' in page.text and "No recorded person" in page.text  # TAG-D03
    youth = _person(fresh, "Adult D (synthetic)")
    r = c.post("/tags/wearers", data={"csrf_token": csrf(page.text), "reference": "TAG-D03", "person": youth, "monitoring_from": "2025-02-15",
                                      "monitoring_to": "2025-06-30", "criteria": "Acquisitive crime tag (synthetic)"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/tags/wearers?done=TAG-D03#wearers"
    done = c.get(r.headers["location"])
    assert "Wearer TAG-D03 recorded." in done.text and "Acquisitive crime tag (synthetic)" in done.text
    d03 = next(w for w in c.get("/api/tags/wearers").json() if w["wearer"] == "TAG-D03")
    assert d03["person"]["id"] == youth and d03["monitoring_to"] == "2025-07-01T00:00:00" and d03["criteria"] == "Acquisitive crime tag (synthetic)"


def test_a_wrong_person_or_period_is_said_beside_its_input(fresh):
    c = _client(fresh, "pc.dexter")
    token = csrf(c.get("/tags/wearers").text)
    r = c.post("/tags/wearers", data={"csrf_token": token, "reference": "TAG-D03", "person": "PER-1999-9999"})
    assert r.status_code == 422 and "no person" in r.text and 'id="person-error"' in r.text and 'value="TAG-D03"' in r.text
    r = c.post("/tags/wearers", data={"csrf_token": token, "reference": "TAG-D03", "monitoring_from": "2025-06-01", "monitoring_to": "2025-05-01"})
    assert r.status_code == 422 and "ends before it starts" in r.text and 'id="monitoring_to-error"' in r.text
    r = c.post("/tags/wearers", data={"csrf_token": token, "reference": "TAG-D03", "monitoring_from": "1 June"})
    assert r.status_code == 422 and "is not a date" in r.text and 'id="monitoring_from-error"' in r.text
    r = c.post("/tags/wearers", data={"csrf_token": token, "reference": " "})
    assert r.status_code == 422 and 'id="reference-error"' in r.text
    assert c.post("/api/tags/wearers", json={"reference": "TAG-D03", "monitoring_from": "junk"}).status_code == 422


def test_the_wearer_json_twin_equals_the_command(url, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    by_api, by_cli = copy_db(url, tmp_path / "a"), copy_db(url, tmp_path / "b")
    person = _person(url, "Adult D (synthetic)")
    body = {"reference": "TAG-U02", "person": person, "monitoring_from": "2025-04-01", "monitoring_to": "2025-09-30", "criteria": "synthetic test"}
    api = _client(by_api, "pc.dexter").post("/api/tags/wearers", json=body)
    assert api.status_code == 200, api.text
    cli = ok_json("tags", "wearer", "add", "TAG-U02", "--person", person, "--from", "2025-04-01", "--to", "2025-09-30", "--criteria", "synthetic test",
                  "--db", by_cli, "--as", "pc.dexter", env={"SARA_PASSWORD": DEMO_PASSWORD})  # fmt: skip
    assert api.json() == cli and cli["person"]["id"] == person and cli["points"] == 0


def test_pc_dexter_loads_an_export_and_records_its_wearer_in_the_browser(tags_sqlite, page, tmp_path):
    from tests import browser as served

    fresh = copy_of(tags_sqlite, tmp_path)
    export = tmp_path / "upload-synthetic.csv"
    export.write_text(_csv())
    with served.serve(fresh) as base:
        browser_sign_in(page, base, "pc.dexter", next_page="/tags")
        page.click("a:has-text('Load a trail export')")
        page.wait_for_url("**/tags/load")
        walk(page, "tags-load")
        page.set_input_files("#trail", str(export))
        page.fill("#mapping", MAPPING)
        page.click("#load-button")
        page.wait_for_selector("#load-summary")
        assert "3 fixes stored" in page.locator("#load-summary").inner_text()
        assert page.locator("#reasons li").count() == 4
        walk(page, "tags-load-report")
        page.click("#unlinked a")
        page.wait_for_url("**/tags/wearers")
        page.fill("#reference", "TAG-U01")
        page.fill("#person", _person(fresh, "Adult D (synthetic)"))
        page.fill("#criteria", "Acquisitive crime tag (synthetic)")
        page.click("#wearer-button")
        page.wait_for_selector("#done")
        row = page.locator("#wearer-list tr", has_text="TAG-U01")
        assert "Adult D (synthetic)" in row.inner_text() and "Acquisitive crime tag (synthetic)" in row.inner_text()
        walk(page, "tags-wearers")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/tags/load")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        walk(page, "tags-load-phone")
        assert not page.errors, page.errors
