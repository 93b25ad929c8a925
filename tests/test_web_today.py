"""Today: what a user looks at first, as a page and as JSON, from one service call."""

from __future__ import annotations

import datetime as dt

from sara.access.users import get_actor
from sara.services import Context
from sara.services import today as service
from sara.services.data import freshness
from sara.store.engine import connect
from tests import browser
from tests.web import browser_sign_in, client, walk


def test_the_json_is_the_service_for_the_same_user(demo_url):
    engine = connect(demo_url)
    expected = service.today(Context(engine, get_actor(engine, "pc.dexter")))
    got = client(demo_url, "pc.dexter").get("/api/today").json()
    assert got["areas"] == expected["areas"] == ["Bolsover"]  # the district of the problems pc.dexter owns
    assert got["deadlines"] == expected["deadlines"] and got["emerging"] == expected["emerging"]
    assert [r["person"]["id"] for r in got["repeat_victims"]["rows"]] == [r["person"]["id"] for r in expected["repeat_victims"]["rows"]]


def test_the_page_says_whose_data_is_loaded_and_warns_when_it_is_old(demo_url):
    page = client(demo_url, "pc.dexter").get("/today").text
    assert "recorded by Derbyshire Constabulary" in page and "The newest month is 2025-12" in page
    assert 'id="stale-warning"' in page  # the clock is past 2026-03, when 2025-12 stopped being the newest month published


def test_freshness_follows_police_uks_publication_lag():
    assert freshness("2025-12", dt.date(2026, 3, 15))["stale"] is False  # December's data comes out at the end of February
    assert freshness("2025-11", dt.date(2026, 3, 15))["stale"] is True
    assert "2026-09" in freshness("2025-12", dt.date(2026, 12, 1))["message"]


def test_each_item_is_one_click_from_its_record(demo_url):
    page = client(demo_url, "pc.dexter").get("/today").text
    engine = connect(demo_url)
    data = service.today(Context(engine, get_actor(engine, "pc.dexter")))
    for d in data["deadlines"]["due_by_tomorrow"] + data["deadlines"]["missed"]:
        assert f'href="/powers/{d["reference"]}"' in page
    for r in data["repeat_victims"]["rows"]:
        assert f'href="/people/{r["person"]["id"]}"' in page
    first = data["emerging"]["places"][0]
    assert first["lsoa"] in page and "/explore?area=" in page


def test_another_area_by_name_and_a_name_that_is_not_loaded(demo_url):
    c = client(demo_url, "pc.dexter")
    assert c.get("/api/today", params={"area": "Chesterfield"}).json()["areas"] == ["Chesterfield"]
    r = c.get("/today", params={"area": "Atlantis"})
    assert r.status_code == 422 and 'id="area-error"' in r.text and 'value="Atlantis"' in r.text
    api = c.get("/api/today", params={"area": "Atlantis"})
    assert api.status_code == 422 and api.json()["field"] == "area"


def test_a_partner_sees_people_only_pseudonymised_and_a_public_viewer_no_casework(demo_url):
    fire = client(demo_url, "fire.officer").get("/api/today").json()
    assert all("name" not in r["person"] for r in fire["repeat_victims"]["rows"])
    assert "Margaret Hill" not in client(demo_url, "fire.officer").get("/today").text
    public = client(demo_url, "public").get("/api/today").json()
    assert public["deadlines"] is None and public["repeat_victims"] is None and public["reviews_due"] is None
    assert public["emerging"]["places"]  # the hot spots are counts: anyone may see them


def test_today_in_a_browser(demo_url, page):
    with browser.serve(demo_url) as base:
        browser_sign_in(page, base, "pc.dexter")
        assert page.url.endswith("/today")
        assert "PC Sam Dexter" in page.locator("#signed-in-as").inner_text()
        walk(page, "today-pc-dexter")
        page.fill("#area", "Chesterfield")
        page.click("button:has-text('Show')")
        assert "Rising in Chesterfield" in page.locator("#rising").inner_text()
        page.goto(f"{base}/sign-in")
        browser_sign_in(page, base, "public")
        walk(page, "today-public")
        assert not page.errors, page.errors


def test_sara_status_names_the_forces_and_warns_of_old_data(demo_url):
    from tests.cli import ok_json, sara

    data = ok_json("status", "--db", demo_url)
    assert data["sources"][0]["forces"] == {"Derbyshire Constabulary": data["events_total"]} and data["latest_month"] == "2025-12"
    text = sara("status", "--db", demo_url).stdout
    assert "Derbyshire" in text and "warning: the newest month loaded is 2025-12" in " ".join(text.split())
