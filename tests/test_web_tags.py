"""Tags in the browser: the comparison of the demo's synthetic tag trails with its synthetic
timed Bolsover burglaries (``sara.casework.demo_tags``) as a police user, its JSON twin equal
to ``sara tags compare --json``, the refusal of a council user, and the page walked in the
browser (axe-clean, with its map)."""

from __future__ import annotations

import pytest

from sara.casework import demo_tags
from sara.store.engine import connect
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk

PERIOD = {"from": "2025-03-01", "to": "2025-04-30"}


@pytest.fixture(scope="module")
def url(demo_url, tmp_path_factory) -> str:
    """A copy of the demo with the synthetic electronic monitoring laid on it."""
    copied = copy_of(demo_url, tmp_path_factory.mktemp("tags"))
    engine = connect(copied)
    made = demo_tags.load(engine)
    engine.dispose()
    assert made["loaded"] and made["burglaries"] == 30 and len(made["planted_hits"]) == 3
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


def test_pc_dexter_walks_the_tags_page(url, page):
    from tests import browser as served

    with served.serve(url) as base:
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
