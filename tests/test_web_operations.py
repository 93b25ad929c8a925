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


# ---------------------------------------------------------------- a new operation, its sites, phases and arrest outcomes

NEW = "Op Tyre Smoke"
NEW_HERE = f"/operations/{quote(NEW, safe='')}"


def operation_typed(**changes) -> dict:
    typed = {
        "name": NEW,
        "problem": "PRB-2025-0001",
        "area": "Bolsover 004A",
        "start": "2025-05-01",
        "end": "2025-07-31",
        "description": "Car meets on the retail park",
    }
    return typed | changes


def post_form(c, path: str, form_page: str, typed: dict):
    token = csrf(c.get(form_page).text)
    return c.post(path, data=typed | {"csrf_token": token}, follow_redirects=False)


def token_of(c) -> str:
    return csrf(c.get("/operations").text)


def test_each_arrest_of_an_operation_is_listed_with_its_id(demo_url):
    engine = connect(demo_url)
    actor = get_actor(engine, "public")  # every role that reads patrols reads them: an arrest is a count and a code
    listed = patrols.operation_arrests(engine, actor, OP)
    assert len(listed) == patrols.show_operation(engine, actor, OP)["arrests"] == 6
    first = listed[0]
    assert set(first) == {"id", "patrol", "site", "start", "outcome", "updated_at"}
    assert {"id": first["id"], "outcome": first["outcome"]} in patrols.patrol_view(engine, actor, first["patrol"])["arrests"]
    assert first["site"] == patrols.patrol_view(engine, actor, first["patrol"])["site"] and first["start"].endswith("+01:00")
    assert [a["start"] for a in listed] == sorted(a["start"] for a in listed)
    with pytest.raises(patrols.NotFound):
        patrols.operation_arrests(engine, actor, "Op Nowhere")


def test_a_new_operation_from_the_form_is_what_create_operation_makes(url):
    c = client(url, "pc.dexter")
    assert 'id="new-operation"' in c.get("/operations").text
    r = post_form(c, "/operations/new", "/operations/new", operation_typed())
    assert r.status_code == 303 and r.headers["location"] == f"{NEW_HERE}?done=created"
    page = c.get(r.headers["location"]).text
    assert "Operation added" in page and 'id="add-site"' in page and 'id="no-sites"' in page
    engine = connect(url)
    made = patrols.show_operation(engine, get_actor(engine, "pc.dexter"), NEW)
    assert made | {"name": None} == {"name": None, "organisation": "Derbyshire Constabulary", "problem": "PRB-2025-0001", "area": "E01019483", "start": "2025-05-01",
                                     "end": "2025-07-31", "description": "Car meets on the retail park", "sites": [], "patrols": 0, "arrests": 0}  # fmt: skip
    api = c.post("/api/operations", json=operation_typed(name="Op Tyre Smoke II", area="", problem="", end=""), headers={"X-CSRF-Token": token_of(c)})
    assert api.status_code == 201 and api.json() == as_json(patrols.show_operation(engine, get_actor(engine, "pc.dexter"), "Op Tyre Smoke II"))
    assert api.json()["end"] is None and api.json()["problem"] is None


def test_a_new_operation_from_a_problem_starts_with_that_problem_and_its_area(demo_url):
    c = client(demo_url, "pc.dexter")
    page = c.get("/operations/new?problem=PRB-2025-0001").text
    assert re.search(r'<option value="PRB-2025-0001" selected>', page)
    assert 'value="Bolsover 004A"' in page  # the problem's area, by name
    assert "<title>New operation" in page
    plain = c.get("/operations/new").text
    assert '<option value="" selected>None</option>' in plain and 'value="Bolsover 004A"' not in plain.split('id="area"')[1].split(">")[0]


def test_a_refused_operation_is_marked_beside_each_field_and_keeps_what_was_typed(url):
    c = client(url, "pc.dexter")
    before = len(c.get("/api/operations").json()["operations"])
    r = post_form(c, "/operations/new", "/operations/new", operation_typed(start="1 May", area="Atlantis", problem="PRB-1999-0001"))
    assert r.status_code == 422 and "There is a problem" in r.text
    for field in ("start", "area", "problem"):
        assert f'id="{field}-error"' in r.text, field
    assert 'value="1 May"' in r.text and 'value="Atlantis"' in r.text and 'value="Op Tyre Smoke"' in r.text and "Car meets on the retail park" in r.text
    taken = post_form(c, "/operations/new", "/operations/new", operation_typed(name=OP))
    assert taken.status_code == 422 and 'id="name-error"' in taken.text and "exists already" in taken.text
    backwards = post_form(c, "/operations/new", "/operations/new", operation_typed(end="2025-04-01"))
    assert 'id="end-error"' in backwards.text and "is before the start date" in backwards.text and 'value="2025-04-01"' in backwards.text
    reserved = post_form(c, "/operations/new", "/operations/new", operation_typed(name="new"))
    assert 'id="name-error"' in reserved.text
    api = c.post("/api/operations", json=operation_typed(name=OP), headers={"X-CSRF-Token": token_of(c)})
    assert api.status_code == 422 and api.json()["field"] == "name"
    assert len(c.get("/api/operations").json()["operations"]) == before


def site_typed(**changes) -> dict:
    return {
        "name": "Retail park",
        "where": "point",
        "lat": "53.23100",
        "lon": "-1.28800",
        "radius_m": "120",
        "area": "",
        "on": "2025-04-20",
        "note": "car meets",
    } | changes


def test_a_site_added_through_the_form_is_what_add_site_makes(url):
    c = client(url, "pc.dexter")
    form = f"{HERE}/sites/new"
    page = c.get(form).text
    assert 'id="site-map"' in page and 'data-src="/api/operations/' in page and "style=" not in page
    r = post_form(c, form, form, site_typed())
    assert r.status_code == 303 and r.headers["location"] == f"{HERE}?done=site#sites"
    assert "Site added: Retail park, in scoping." in c.get(r.headers["location"]).text
    engine = connect(url)
    actor = get_actor(engine, "pc.dexter")
    view = patrols.site_view(engine, actor, OP, "Retail park")
    assert (view["lon"], view["lat"], view["radius_m"], view["phase"], view["history"][0]["on"], view["history"][0]["note"]) == (
        -1.288,
        53.231,
        120,
        "scoping",
        "2025-04-20",
        "car meets",
    )
    area = c.post(f"/api{HERE}/sites", json=site_typed(name="Castle estate", where="area", area="Bolsover 004A"), headers={"X-CSRF-Token": token_of(c)})
    assert area.status_code == 201 and area.json() == as_json(patrols.site_view(engine, actor, OP, "Castle estate")) and area.json()["area_code"] == "E01019483"
    drawn = c.get(f"/api{HERE}/map").json()
    assert {f["properties"]["name"] for f in drawn["sites"]["features"]} >= {"Retail park", "Castle estate", SITE}
    assert drawn["areas"]["features"] and all(f["properties"]["name"] for f in drawn["areas"]["features"])


def test_a_refused_site_is_marked_and_keeps_what_was_typed(url):
    c = client(url, "pc.dexter")
    form = f"{HERE}/sites/new"
    swapped = post_form(c, form, form, site_typed(lat="-1.288", lon="53.231"))
    assert swapped.status_code == 422 and 'id="lon-error"' in swapped.text and "swapped" in swapped.text
    assert 'value="-1.288"' in swapped.text and 'value="53.231"' in swapped.text and 'value="Retail park"' in swapped.text
    missing = post_form(c, form, form, site_typed(lat="", radius_m="north"))
    assert 'id="radius_m-error"' in missing.text and "is not a number" in missing.text and 'value="north"' in missing.text
    no_lat = post_form(c, form, form, site_typed(lat=""))
    assert 'id="lat-error"' in no_lat.text and "needs all three" in no_lat.text
    taken = post_form(c, form, form, site_typed(name=SITE))
    assert 'id="name-error"' in taken.text and "already" in taken.text
    area = post_form(c, form, form, site_typed(where="area", area="Atlantis"))
    assert 'id="area-error"' in area.text and 'value="Atlantis"' in area.text and re.search(r'value="area" checked', area.text)
    nowhere = post_form(c, form, form, site_typed(where=""))
    assert 'id="where-error"' in nowhere.text and 'href="#where"' in nowhere.text
    assert len(c.get(f"/api{HERE}").json()["operation"]["sites"]) == 3


def site_id(c, name: str) -> int:
    return next(s["id"] for s in c.get(f"/api{HERE}").json()["operation"]["sites"] if s["name"] == name)


def test_a_site_moves_phase_from_its_card_as_move_phase_moves_it(url):
    c = client(url, "pc.dexter")
    sid = site_id(c, SITE)
    page = c.get(HERE).text
    assert f'id="site-{sid}-phase"' in page and '<option value="build">Build</option>' in page and '<option value="clear">Clear</option>' in page
    r = c.post(f"{HERE}/phase", data={"site": SITE, "phase": "build", "on": "2025-04-25", "note": "youth club open on Fridays", "csrf_token": token_of(c)},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"{HERE}?moved={sid}#site-{sid}"
    assert f"{SITE} moved to build." in c.get(r.headers["location"]).text
    engine = connect(url)
    view = patrols.site_view(engine, get_actor(engine, "pc.dexter"), OP, SITE)
    assert view["phase"] == "build" and view["history"][-1] | {"by": None} == {
        "from": "hold",
        "to": "build",
        "on": "2025-04-25",
        "note": "youth club open on Fridays",
        "by": None,
    }
    api = c.post(
        f"/api{HERE}/phase", json={"site": SITE, "phase": "sustain", "on": "2025-04-28", "note": "handed to the council"}, headers={"X-CSRF-Token": token_of(c)}
    )
    assert api.status_code == 200 and api.json() == as_json(patrols.site_view(engine, get_actor(engine, "pc.dexter"), OP, SITE))


def test_a_refused_phase_move_shows_the_casework_reason_beside_the_site_field(url):
    c = client(url, "pc.dexter")
    sid = site_id(c, SITE)
    typed = {"site": SITE, "phase": "sustain", "on": "2025-04-25", "note": "too soon"}
    r = c.post(f"{HERE}/phase", data=typed | {"csrf_token": token_of(c)}, follow_redirects=False)
    assert r.status_code == 422
    assert f'id="site-{sid}-phase-error"' in r.text and f'href="#site-{sid}-phase"' in r.text
    assert patrols.phase_refusal("hold", "sustain").replace("'", "&#39;") in r.text
    assert f'id="site-{sid}-note" name="note" type="text" value="too soon"' in r.text and 'value="2025-04-25"' in r.text
    early = c.post(f"{HERE}/phase", data=typed | {"phase": "build", "on": "2025-04-01", "csrf_token": token_of(c)}, follow_redirects=False)
    assert f'id="site-{sid}-on-error"' in early.text and "before the site&#39;s last phase change" in early.text
    no_note = c.post(f"{HERE}/phase", data=typed | {"phase": "build", "note": " ", "csrf_token": token_of(c)}, follow_redirects=False)
    assert f'id="site-{sid}-note-error"' in no_note.text
    assert c.post(f"{HERE}/phase", data=typed | {"site": "Nowhere", "csrf_token": token_of(c)}, follow_redirects=False).status_code == 404
    api = c.post(f"/api{HERE}/phase", json=typed, headers={"X-CSRF-Token": token_of(c)})
    assert api.status_code == 422 and api.json()["field"] == "phase" and patrols.phase_refusal("hold", "sustain") in api.json()["error"]
    assert c.get(f"/api{HERE}").json()["operation"]["sites"][2]["phase"] == "hold"


def test_an_arrest_outcome_set_through_the_form_is_what_set_arrest_outcome_records(url):
    c = client(url, "pc.dexter")
    engine = connect(url)
    actor = get_actor(engine, "pc.dexter")
    listed = c.get(f"/api{HERE}/arrest-outcomes").json()
    assert listed["arrests"] == as_json(patrols.operation_arrests(engine, actor, OP)) and listed["may_change"] is True
    first = listed["arrests"][0]
    page = c.get(f"{HERE}/arrest-outcomes").text
    assert f'id="arrest-{first["id"]}-code"' in page and 'href="' + HERE + "/arrest-outcomes" + '"' in c.get(HERE).text
    charged = lambda: next(r for r in c.get(f"/api{HERE}/arrests").json()["rows"] if r["outcome"] == "03 - Caution")["Total"]  # noqa: E731
    cautions = charged()
    r = c.post(f"{HERE}/arrest-outcomes/{first['id']}", data={"code": "03 - Caution", "csrf_token": csrf(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{HERE}/arrest-outcomes?changed={first['id']}#arrest-{first['id']}"
    assert f"Arrest {first['id']} now has the outcome 03 - Caution." in c.get(r.headers["location"]).text
    assert charged() == cautions + 1
    assert patrols.operation_arrests(engine, actor, OP)[0]["outcome"] == "03 - Caution"
    api = c.post(f"/api{HERE}/arrest-outcomes/{first['id']}", json={"code": "01"}, headers={"X-CSRF-Token": csrf(page)})
    assert api.status_code == 200 and api.json() == {
        "id": first["id"],
        "patrol": first["patrol"],
        "operation": OP,
        "from": "03 - Caution",
        "outcome": "01 - Charged",
        "changed": True,
    }


def test_a_refused_arrest_outcome_is_marked_beside_its_arrest(url):
    c = client(url, "pc.dexter")
    page = c.get(f"{HERE}/arrest-outcomes").text
    aid = c.get(f"/api{HERE}/arrest-outcomes").json()["arrests"][1]["id"]
    r = c.post(f"{HERE}/arrest-outcomes/{aid}", data={"code": "Released", "csrf_token": csrf(page)}, follow_redirects=False)
    assert r.status_code == 422 and f'id="arrest-{aid}-code-error"' in r.text and "unknown arrest outcome" in r.text and f'href="#arrest-{aid}-code"' in r.text
    engine = connect(url)
    pc = get_actor(engine, "pc.dexter")
    patrols.create_operation(engine, pc, NEW, start=dt.date(2025, 5, 1))
    patrols.add_site(engine, pc, NEW, "Retail park", lon=-1.288, lat=53.231, radius_m=100, on=dt.date(2025, 5, 1))
    other = patrols.log_patrol(engine, pc, NEW, "Retail park", start=dt.datetime(2025, 5, 2, 20), end=dt.datetime(2025, 5, 2, 21), officers=["PC 1"], activity="foot patrol",
                               arrests=["RUI"])["arrests"][0]["id"]  # fmt: skip
    assert c.post(f"{HERE}/arrest-outcomes/{other}", data={"code": "01", "csrf_token": csrf(page)}, follow_redirects=False).status_code == 404
    assert patrols.operation_arrests(engine, pc, NEW)[0]["outcome"] == "RUI / BAIL"


def test_the_new_forms_refuse_a_post_without_the_csrf_token(url):
    c = client(url, "pc.dexter")
    before = c.get(f"/api{HERE}").json()
    aid = c.get(f"/api{HERE}/arrest-outcomes").json()["arrests"][0]["id"]
    for path, typed in (("/operations/new", operation_typed()), (f"{HERE}/sites/new", site_typed()), (f"{HERE}/phase", {"site": SITE, "phase": "build", "note": "x"}),
                        (f"{HERE}/arrest-outcomes/{aid}", {"code": "03"})):  # fmt: skip
        assert c.post(path, data=typed, follow_redirects=False).status_code == 403, path
        assert c.post(path, data=typed | {"csrf_token": "forged"}, follow_redirects=False).status_code == 403, path
    for path, body in (("/api/operations", operation_typed()), (f"/api{HERE}/sites", site_typed()), (f"/api{HERE}/phase", {"site": SITE, "phase": "build", "note": "x"}),
                       (f"/api{HERE}/arrest-outcomes/{aid}", {"code": "03"})):  # fmt: skip
        assert c.post(path, json=body).status_code == 403, path
    assert c.get(f"/api{HERE}").json() == before
    assert c.get(f"/api{NEW_HERE}").status_code == 404


def test_another_organisation_and_a_role_without_write_are_refused(url):
    council = client(url, "asb.officer")  # a problem owner of the council: adds the council's operations, changes none of the police's
    token = token_of(council)
    page = council.get(HERE).text
    assert 'id="add-site"' not in page and '-phase"' not in page and 'name="phase"' not in page
    assert council.get(f"{HERE}/sites/new").status_code == 403
    aid = council.get(f"/api{HERE}/arrest-outcomes").json()["arrests"][0]["id"]
    assert council.get(f"/api{HERE}/arrest-outcomes").json()["may_change"] is False
    assert 'name="code"' not in council.get(f"{HERE}/arrest-outcomes").text
    for path, typed in (
        (f"{HERE}/sites/new", site_typed()),
        (f"{HERE}/phase", {"site": SITE, "phase": "build", "note": "x"}),
        (f"{HERE}/arrest-outcomes/{aid}", {"code": "03"}),
    ):
        assert council.post(path, data=typed | {"csrf_token": token}, follow_redirects=False).status_code == 403, path
    for path, body in (
        (f"/api{HERE}/sites", site_typed()),
        (f"/api{HERE}/phase", {"site": SITE, "phase": "build", "note": "x"}),
        (f"/api{HERE}/arrest-outcomes/{aid}", {"code": "03"}),
    ):
        r = council.post(path, json=body, headers={"X-CSRF-Token": token})
        assert r.status_code == 403 and "not allowed" in r.json()["error"], path
    own = council.post("/api/operations", json=operation_typed(name="Op Clean Sweep", problem=""), headers={"X-CSRF-Token": token})
    assert own.status_code == 201 and own.json()["organisation"] != "Derbyshire Constabulary"
    lead = client(url, "insp.bolsover")  # a lead reads and exports operations, and writes none
    assert 'id="new-operation"' not in lead.get("/operations").text
    assert lead.get("/operations/new").status_code == 403
    assert lead.post("/operations/new", data=operation_typed() | {"csrf_token": token_of(lead)}, follow_redirects=False).status_code == 403
    assert lead.post("/api/operations", json=operation_typed(), headers={"X-CSRF-Token": token_of(lead)}).status_code == 403
    engine = connect(url)
    assert patrols.site_view(engine, get_actor(engine, "pc.dexter"), OP, SITE)["phase"] == "hold"


def test_adding_an_operation_a_site_a_phase_and_an_arrest_outcome_in_a_browser(url, page):
    from tests import browser as served

    with served.serve(url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page="/operations")
        page.click("#new-operation")
        page.wait_for_selector("#operation-form")
        page.fill("#name", NEW)
        page.select_option("#problem", "PRB-2025-0001")
        page.fill("#area", "Atlantis")
        page.fill("#start", "2025-05-01")
        page.fill("#description", "Car meets on the retail park")
        page.click("#add-operation")
        page.wait_for_selector(".govuk-error-summary")
        assert page.locator("#area-error").is_visible() and page.input_value("#area") == "Atlantis" and page.input_value("#problem") == "PRB-2025-0001"
        walk(page, "operations-new-refused")
        page.fill("#area", "Bolsover 004A")
        page.click("#add-operation")
        page.wait_for_selector("#done")
        assert "Operation added" in page.locator("#done").inner_text()
        walk(page, "operations-new-added")
        page.click("#add-site")
        page.wait_for_selector("#site-map.leaflet-container path")
        walk(page, "operations-site-new")
        box = page.locator("#site-map").bounding_box()
        page.locator("#site-map").click(position={"x": box["width"] * 0.6, "y": box["height"] * 0.3})  # scrolled into view first
        assert re.fullmatch(r"5[0-9]\.\d{5}", page.input_value("#lat")) and re.fullmatch(r"-?\d\.\d{5}", page.input_value("#lon"))
        assert page.locator("#site-map path.leaflet-interactive").count() >= 1  # the new site's circle
        page.fill("#name", "Retail park")
        page.fill("#on", "2025-05-01")
        page.click("#add-site")
        page.wait_for_selector("#done")
        assert "Site added: Retail park" in page.locator("#done").inner_text()
        card = page.locator(".sara-ops-site", has_text="Retail park")
        card.locator("select[name=phase]").select_option("clear")
        card.locator("input[name=on]").fill("2025-05-02")
        card.locator("input[name=note]").fill("week of action")
        card.locator("button").click()
        page.wait_for_selector("#done")
        assert "Retail park moved to clear." in page.locator("#done").inner_text()
        card = page.locator(".sara-ops-site", has_text="Retail park")
        card.locator("input[name=on]").fill("2025-04-01")
        card.locator("input[name=note]").fill("hold already")
        card.locator("button").click()
        page.wait_for_selector(".govuk-error-summary")
        assert card.locator(".govuk-error-message").is_visible() and card.locator("input[name=note]").input_value() == "hold already"
        walk(page, "operations-phase-refused")
        page.goto(f"{base}{HERE}")
        page.click("#arrest-outcomes")
        page.wait_for_selector("#arrest-list")
        walk(page, "operations-arrest-outcomes")
        row = page.locator("#arrest-list tbody tr").first
        row.locator("select").select_option("03 - Caution")
        row.locator("button").click()
        page.wait_for_selector("#changed")
        assert "now has the outcome 03 - Caution" in page.locator("#changed").inner_text()
        walk(page, "operations-arrest-outcome-changed")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}{HERE}/sites/new")
        page.wait_for_selector("#site-map.leaflet-container path")
        no_sideways_scroll(page)
        walk(page, "operations-site-new-phone")
        page.goto(f"{base}{HERE}/arrest-outcomes")
        no_sideways_scroll(page)
        walk(page, "operations-arrest-outcomes-phone")
        assert not page.errors, page.errors
