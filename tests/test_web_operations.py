"""The operations pages: the list, one operation (sites, dosage with its bar charts, arrest
outcomes, the quarterly return and its CSV), and logging a patrol from a phone; each page's
JSON is what the casework functions the CLI calls return."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from fastapi.encoders import jsonable_encoder

from sara.access.users import get_actor
from sara.casework import patrols
from sara.store.engine import connect
from tests.web import browser_sign_in, client, copy_of, csrf, walk

OP = "Op Dexter (synthetic replay)"
SITE = "Supermarket car park"
HERE = f"/operations/{quote(OP, safe='')}"


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def as_json(value):
    return jsonable_encoder(value)


def patrol_typed(**changes) -> dict:
    typed = {"site": SITE, "start": "2025-04-15T23:00", "minutes": "30", "end": "", "officers": "PC 1402, PC 2231", "activity": "foot patrol",
             "arrests": "1", "arrest_outcome": "RUI / BAIL", "stop_searches": "0", "intelligence_submissions": "1", "engagements": "4", "notes": ""}  # fmt: skip
    return typed | changes


def post_patrol(c, **changes):
    token = csrf(c.get(f"{HERE}/patrol").text)
    return c.post(f"{HERE}/patrol", data=patrol_typed(**changes) | {"csrf_token": token}, follow_redirects=False)


def test_the_list_shows_each_operation_with_its_sites_by_name(demo_url):
    engine = connect(demo_url)
    c = client(demo_url, "insp.bolsover")
    api = c.get("/api/operations").json()
    assert [{k: v for k, v in o.items() if k != "patrols_this_week"} for o in api["operations"]] == as_json(
        patrols.list_operations(engine, get_actor(engine, "insp.bolsover"))
    )
    assert api["operations"][0]["patrols_this_week"] == 0  # the demo's patrols were in April 2025
    page = c.get("/operations").text
    assert OP in page and "Oxcroft Lane and Memorial Gardens" in page and "PRB-2025-0001" in page and f'href="{HERE}"' in page
    assert "Bolsover" in page  # the area it covers, by name


def test_the_operation_json_is_what_the_casework_gives(demo_url):
    engine = connect(demo_url)
    actor = get_actor(engine, "pc.dexter")
    c = client(demo_url, "pc.dexter")
    data = c.get(f"/api{HERE}").json()
    assert data["operation"] == as_json(patrols.show_operation(engine, actor, OP))
    assert data["dosage"] == as_json(patrols.dosage_report(engine, actor, operation=OP))
    assert data["arrests"] == as_json(patrols.arrests(engine, actor, operation=OP))
    span = dt.date(2025, 4, 5), dt.date(2025, 4, 30)
    assert data["period"] == {"from": "2025-04-05", "to": "2025-04-30"}
    assert data["return"] == as_json(patrols.patrol_return(engine, actor, first=span[0], last=span[1], operation=OP))
    assert c.get(f"/api{HERE}/dosage").json() == data["dosage"]
    assert c.get(f"/api{HERE}/arrests").json() == data["arrests"]
    assert c.get(f"/api{HERE}/return?from=2025-04-05&to=2025-04-30").json() == data["return"]
    week = c.get(f"/api{HERE}?per=week").json()["dosage_series"]["sites"][0]
    assert [p["period"] for p in week["points"]] == ["2025-03-31", "2025-04-07", "2025-04-14", "2025-04-21", "2025-04-28"]
    by_day = [d for d in data["dosage"]["days"] if d["site"] == week["site"]]
    assert sum(p["minutes"] for p in week["points"]) == pytest.approx(sum(d["minutes_present"] for d in by_day))
    assert c.get(f"/api{HERE}?per=month").status_code == 422
    assert c.get("/api/operations/no%20such%20operation").status_code == 404


def test_the_operation_page_draws_the_dosage_and_the_tables(demo_url):
    c = client(demo_url, "pc.dexter")
    page = c.get(HERE).text
    assert page.count('<rect class="bar"') == 3 * 26  # three sites, 26 days each
    assert "style=" not in page
    for part in ('id="sites-table"', 'id="dosage-sites"', 'id="arrests-table"', 'id="return-table"', "Total (check)", "2025-Q2", 'id="log-patrol"'):
        assert part in page
    assert c.get(f"{HERE}?per=week").text.count('<rect class="bar"') == 3 * 5


def test_the_return_downloads_as_csv_and_is_audited(url):
    c = client(url, "pc.dexter")
    r = c.get(f"{HERE}/return.csv?from=2025-04-01&to=2025-06-30")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="op-dexter-synthetic-replay-return-2025-04-01-2025-06-30.csv"' in r.headers["content-disposition"]
    lines = r.text.splitlines()
    assert lines[0].startswith("operation,site,where,") and len(lines) == 1 + 3
    detail = c.get(f"{HERE}/return.csv?from=2025-04-01&to=2025-06-30&detail=true").text.splitlines()
    assert "patrol_id" in detail[0] and len(detail) > 100
    assert c.get(f"{HERE}/return.csv?from=2025-06-30&to=2025-04-01").status_code == 422


def test_a_patrol_logged_through_the_form_appears_in_the_dosage(url):
    c = client(url, "pc.dexter")
    before = next(d for d in c.get(f"/api{HERE}/dosage").json()["days"] if d["site"] == SITE and d["day"] == "2025-04-15")
    r = post_patrol(c)
    assert r.status_code == 303
    done = c.get(r.headers["location"])
    assert "Patrol logged" in done.text and SITE in done.text and "30 minutes" in done.text
    after = next(d for d in c.get(f"/api{HERE}/dosage").json()["days"] if d["site"] == SITE and d["day"] == "2025-04-15")
    assert after["visits"] == before["visits"] + 1 and after["minutes_present"] == before["minutes_present"] + 30
    pid = int(re.search(r"/patrols/(\d+)", r.headers["location"]).group(1))
    engine = connect(url)
    assert c.get(f"/api{HERE}/patrols/{pid}").json() == as_json(patrols.patrol_view(engine, get_actor(engine, "pc.dexter"), pid))


def test_bad_input_is_marked_and_what_was_typed_is_kept(url):
    c = client(url, "pc.dexter")
    count = c.get(f"/api{HERE}").json()["operation"]["patrols"]
    r = post_patrol(c, site="Nowhere Street", start="2025-04-20T18:00", minutes="", end="2025-04-20T17:30", officers="PC 9, PC 9", stop_searches="lots")
    assert r.status_code == 422
    html = r.text
    assert "There is a problem" in html and html.startswith("<!DOCTYPE html>")
    for field in ("site", "end", "officers", "stop_searches"):
        assert f'id="{field}-error"' in html, field
    assert "has no site &#39;Nowhere Street&#39;" in html and "is not after the start" in html and "listed 2 times" in html
    for kept in ('value="2025-04-20T18:00"', 'value="2025-04-20T17:30"', 'value="PC 9, PC 9"', 'value="lots"', 'value="foot patrol"'):
        assert kept in html, kept
    assert '<details class="govuk-details" id="end-details" open' in html
    assert c.get(f"/api{HERE}").json()["operation"]["patrols"] == count  # nothing logged
    outside = post_patrol(c, start="2026-01-10T10:00")
    assert outside.status_code == 422 and "outside operation" in outside.text and 'id="start-error"' in outside.text
    too_long = post_patrol(c, minutes="0")
    assert 'id="minutes-error"' in too_long.text


def test_a_post_without_the_csrf_token_is_403(url):
    c = client(url, "pc.dexter")
    count = c.get(f"/api{HERE}").json()["operation"]["patrols"]
    assert c.post(f"{HERE}/patrol", data=patrol_typed(), follow_redirects=False).status_code == 403
    assert c.post(f"{HERE}/patrol", data=patrol_typed() | {"csrf_token": "forged"}, follow_redirects=False).status_code == 403
    assert c.post(f"/api{HERE}/patrols", json=patrol_typed()).status_code == 403
    assert c.get(f"/api{HERE}").json()["operation"]["patrols"] == count


def test_the_api_logs_a_patrol_as_the_form_does(url):
    c = client(url, "pc.dexter")
    token = csrf(c.get(f"{HERE}/patrol").text)
    r = c.post(f"/api{HERE}/patrols", json=patrol_typed(), headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["site"] == SITE and r.json()["minutes"] == 30
    bad = c.post(f"/api{HERE}/patrols", json=patrol_typed(site="Nowhere"), headers={"X-CSRF-Token": token})
    assert bad.status_code == 422 and bad.json()["field"] == "site"


def test_only_the_owning_organisation_logs_its_patrols(url):
    council = client(url, "asb.officer")  # a problem owner of the council: reads the police operation, writes none of it
    page = council.get(HERE)
    assert page.status_code == 200 and 'id="log-patrol"' not in page.text
    assert council.get(f"{HERE}/patrol").status_code == 403
    token = csrf(page.text)
    assert council.post(f"{HERE}/patrol", data=patrol_typed() | {"csrf_token": token}, follow_redirects=False).status_code == 403
    housing = client(url, "housing.officer")  # a partner practitioner exports nothing: no return
    data = housing.get(f"/api{HERE}").json()
    assert data["return"] is None and "may not export" in data["return_refused"]
    assert 'id="return-refused"' in housing.get(HERE).text
    assert housing.get(f"{HERE}/return.csv").status_code == 403
    public = client(url, "public")
    assert "officers" not in public.get(f"/api{HERE}/patrols/1").json()  # the public see counts, not who


# ---------------------------------------------------------------- in the browser


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"


def test_logging_a_patrol_on_a_phone(url, page):
    from tests import browser as served

    page.set_viewport_size({"width": 390, "height": 844})
    with served.serve(url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page=HERE)
        no_sideways_scroll(page)
        walk(page, "operations-operation-phone")
        page.click("#log-patrol")
        page.wait_for_selector("#patrol-form")
        fields = page.locator("#patrol-form input:visible:not([type=radio]):not([type=hidden]), #patrol-form select:visible, #patrol-form textarea:visible")
        assert fields.count() <= 4  # start, how long, officers, activity; plus the site
        assert page.input_value("#officers") == "pc.dexter" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page.input_value("#start"))
        no_sideways_scroll(page)
        walk(page, "operations-patrol-phone")
        box = page.locator("#site-3").bounding_box()
        assert box["height"] >= 40 and box["width"] >= 40  # a touch target
        page.click("label[for=site-3]")
        page.fill("#start", "2025-04-21T18:30")
        page.click("#minutes")
        page.keyboard.type("25")
        page.fill("#officers", "PC 1402, PC 2231")
        page.click("#outcomes summary")
        page.fill("#engagements", "3")
        page.press("#activity", "Enter")
        page.wait_for_selector("#logged")
        assert "Patrol logged" in page.locator("#logged").inner_text() and page.locator("#patrol-site").inner_text() == SITE
        no_sideways_scroll(page)
        walk(page, "operations-patrol-logged-phone")
        page.click("#log-another")
        page.click("label[for=site]")
        page.fill("#start", "2025-04-21T18:30")
        page.click("#end-details summary")
        page.fill("#end", "2025-04-21T18:00")
        page.click("#log")
        page.wait_for_selector(".govuk-error-summary")
        assert page.input_value("#end") == "2025-04-21T18:00" and page.locator("#end-error").is_visible()
        no_sideways_scroll(page)
        walk(page, "operations-patrol-refused-phone")
        assert not page.errors, page.errors


def test_the_operation_pages_in_a_browser(demo_url, page):
    from tests import browser as served

    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/operations")
        walk(page, "operations-list")
        page.click(f"a:has-text('{OP}')")
        page.wait_for_selector("#dosage-charts")
        walk(page, "operations-operation")
        page.click("a:has-text('Per week')")
        page.wait_for_selector("#dosage-charts")
        assert page.locator("#dosage-charts rect.bar").count() == 15
        walk(page, "operations-operation-week")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/operations")
        no_sideways_scroll(page)
        walk(page, "operations-list-phone")
        assert not page.errors, page.errors
