"""Neighbourhood Watch in the browser: the table by CSP area and team with the schemes, a scheme
with its coordinators for a police officer (the contacts logged, when each is next due) and
the counts only for a partner, the coordinators overdue a contact, a contact logged on a 390 px
phone, a scheme recorded and a coordinator added from the page (a second record of the same
person refused beside the name); each page's JSON twin is the command's ``--json``; a partner
is refused every coordinator page and form, saying nothing of who is there."""

from __future__ import annotations

import datetime as dt

import pytest

from sara.store.engine import connect
from sara.store.schema import watch as sw
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, screenshot, walk

ENV = {"SARA_PASSWORD": DEMO_PASSWORD}


@pytest.fixture
def demo(demo_url, tmp_path):
    """A copy of the demo with its schemes (laid by the demo, or here if it did not): name -> reference."""
    from sara.casework import demo_watch

    url = copy_of(demo_url, tmp_path)
    engine = connect(url)
    demo_watch.load(engine)
    with engine.connect() as conn:
        refs = dict(conn.execute(sw.WatchScheme.__table__.select().with_only_columns(sw.WatchScheme.name, sw.WatchScheme.reference)).all())
    return url, refs


def _ref(refs: dict, start: str) -> str:
    return next(r for n, r in refs.items() if n.startswith(start))


def test_the_pages_and_their_json_twins_are_the_commands(demo):
    url, refs = demo
    farm = _ref(refs, "Scarcliffe Farm Watch")
    c = client(url, "insp.bolsover")
    page = c.get("/watch")
    assert page.status_code == 200 and "Bolsover total" in page.text and "Hilltop Allotment Watch (synthetic)" in page.text and 'href="/watch/overdue"' in page.text
    assert c.get("/api/watch").json() == ok_json("watch", "scheme", "list", "--as", "insp.bolsover", "--db", url, env=ENV)
    assert c.get("/api/watch/table").json() == ok_json("watch", "table", "--as", "insp.bolsover", "--db", url, env=ENV)
    assert c.get("/api/watch/overdue").json() == ok_json("watch", "overdue", "--as", "insp.bolsover", "--db", url, env=ENV)
    assert c.get(f"/api/watch/{farm}").json() == ok_json("watch", "scheme", "show", farm, "--as", "insp.bolsover", "--db", url, env=ENV)
    shown = c.get(f"/watch/{farm}")
    assert shown.status_code == 200 and "Tom Bradley (synthetic)" in shown.text and "overdue" in shown.text
    assert "Tom Bradley (synthetic)" in c.get("/watch/overdue").text
    assert c.get("/watch?team=Shirebrook+SNT+(synthetic)").text.count('href="/watch/NHW-') == 2
    assert c.get("/watch/NHW-2099-0001").status_code == 404
    assert f'href="/watch/{farm}"' in c.get("/today").text  # the team's Today page


def test_a_partner_sees_counts_and_is_refused_every_coordinator_page_and_form(demo):
    url, refs = demo
    castle = _ref(refs, "Castle Street Watch")
    c = client(url, "housing.officer")
    page = c.get(f"/watch/{castle}")
    assert page.status_code == 200 and 'id="count-only"' in page.text and "Margaret" not in page.text and "01632" not in page.text and "NHC-" not in page.text
    assert 'id="contact-form"' not in page.text and 'id="coordinator-form"' not in page.text
    api = c.get(f"/api/watch/{castle}").json()
    assert api["coordinator_list"] is None and api["coordinators"] == 2 and api == ok_json("watch", "scheme", "show", castle, "--as", "housing.officer", "--db", url, env=ENV)
    token = csrf(c.get("/watch").text)
    refusals = [c.get("/watch/overdue"), c.get("/api/watch/overdue"), c.get("/watch/new"),
                c.post(f"/watch/{castle}/contacts", data={"csrf_token": token, "how": "visit", "coordinator": "NHC-2026-0001"}),
                c.post(f"/watch/{castle}/contacts", data={"csrf_token": token, "how": "visit", "coordinator": "NHC-2099-0001"}),
                c.post(f"/watch/{castle}/coordinators", data={"csrf_token": token, "name": "X", "phone": "01632 960999"}),
                c.post(f"/api/watch/{castle}/contacts", json={"how": "visit"}, headers={"X-CSRF-Token": token})]  # fmt: skip
    for r in refusals:
        assert r.status_code == 403, r.request.url
        assert "Margaret" not in r.text and "NHC-" not in r.text and "Tom Bradley" not in r.text
    assert c.post(f"/watch/{castle}/members", data={"csrf_token": token, "members": "99"}).status_code == 403
    assert 'href="/watch/' not in c.get("/today").text.split('id="team"')[-1].split("</ul>")[0]


def test_forms_refuse_bad_input_beside_the_field_and_a_coordinator_recorded_twice(demo):
    url, refs = demo
    castle = _ref(refs, "Castle Street Watch")
    c = client(url, "pc.dexter")
    token = csrf(c.get(f"/watch/{castle}").text)
    before = c.get(f"/api/watch/{castle}").json()
    twice = c.post(f"/watch/{castle}/coordinators", data={"csrf_token": token, "name": "Margaret Hill (synthetic)", "phone": "+44 1632 960001"})
    assert twice.status_code == 422 and "already coordinates" in twice.text
    assert 'href="#coordinator-name"' in twice.text and 'value="+44 1632 960001"' in twice.text  # said beside the name, what was typed kept
    bad = c.post(f"/watch/{castle}/contacts", data={"csrf_token": token, "how": "visit", "on": "yesterday"})
    assert bad.status_code == 422 and 'href="#contact-on"' in bad.text and "is not a date" in bad.text
    which = c.post(f"/watch/{castle}/contacts", data={"csrf_token": token, "how": "visit"})
    assert which.status_code == 422 and 'href="#contact-coordinator"' in which.text
    count = c.post(f"/watch/{castle}/members", data={"csrf_token": token, "members": "lots"})
    assert count.status_code == 422 and 'href="#members-members"' in count.text
    after = c.get(f"/api/watch/{castle}").json()
    assert after["coordinator_list"] == before["coordinator_list"] and after["member_history"] == before["member_history"]  # nothing lost, nothing added
    r = c.post(f"/watch/{castle}/members", data={"csrf_token": token, "members": "27"}, follow_redirects=False)
    assert r.status_code == 303 and c.get(f"/api/watch/{castle}").json()["members"] == 27
    made = c.post("/api/watch", json={"name": "Station Road Watch (synthetic)", "area": "Bolsover South", "team": "Bolsover SNT (synthetic)", "members": 9},
                  headers={"X-CSRF-Token": token})  # fmt: skip
    assert made.status_code == 200 and made.json()["district"]["name"] == "Bolsover"
    co = c.post(f"/api/watch/{made.json()['id']}/coordinators", json={"name": "Ann Lee (synthetic)", "email": "ann.lee@example.org"}, headers={"X-CSRF-Token": token})
    assert co.status_code == 200 and co.json()["new_record"]
    logged = c.post(f"/api/watch/{made.json()['id']}/contacts", json={"how": "phone"}, headers={"X-CSRF-Token": token})
    assert logged.status_code == 200 and logged.json()["coordinator"] == co.json()["coordinator"]
    again = c.post(f"/api/watch/{made.json()['id']}/contacts", json={"how": "phone"}, headers={"X-CSRF-Token": token})
    assert again.status_code == 409 and "already logged" in again.json()["error"]
    junk = c.post(f"/api/watch/{made.json()['id']}/members", json={"members": -1}, headers={"X-CSRF-Token": token})
    assert junk.status_code == 422


def test_a_police_officer_walks_the_schemes_and_records_one(demo, page):
    from tests import browser as served

    url, refs = demo
    castle = _ref(refs, "Castle Street Watch")
    with served.serve(url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page="/watch")
        assert page.url.endswith("/watch")
        assert page.locator("#watch-table").inner_text().count("Bolsover SNT (synthetic)") == 1
        walk(page, "watch")
        page.click(f"a[href='/watch/{castle}']")
        assert page.locator("#coordinators ~ .govuk-summary-card").count() == 2
        walk(page, "watch-scheme")
        page.goto(f"{base}/watch/overdue")
        assert "Tom Bradley (synthetic)" in page.locator("#overdue-table").inner_text()
        walk(page, "watch-overdue")
        page.goto(f"{base}/watch/new")
        page.fill("#name", "Pit Lane Allotment Watch (synthetic)")
        page.select_option("#kind", "allotment")
        page.fill("#area", "Shirebrook South East")
        page.fill("#team", "shirebrook snt (synthetic)")
        page.fill("#members", "14")
        walk(page, "watch-new")
        page.click("#add-scheme-button")
        page.wait_for_load_state("networkidle")
        assert "The scheme is recorded" in page.locator("#done").inner_text()
        assert "Shirebrook SNT (synthetic)" in page.locator("#summary").inner_text()  # the team as it is already spelled
        page.fill("#coordinator-name", "Gary Webb (synthetic)")
        page.fill("#coordinator-phone", "07700 900333")
        page.click("#coordinator-button")
        page.wait_for_load_state("networkidle")
        assert "Gary Webb (synthetic)" in page.locator(".govuk-summary-card").inner_text()
        walk(page, "watch-scheme-new")
        assert not page.errors, page.errors


def test_a_partner_walks_the_schemes_and_sees_no_coordinator(demo, page):
    from tests import browser as served

    url, refs = demo
    with served.serve(url) as base:
        browser_sign_in(page, base, "housing.officer", next_page="/watch")
        walk(page, "watch-partner")
        assert page.locator("#overdue-link").count() == 0 and page.locator("#add-scheme").count() == 0
        page.goto(f"{base}/watch/{_ref(refs, 'Castle Street Watch')}")
        assert "seen only by police and council users" in page.locator("#count-only").inner_text()
        assert "Margaret" not in page.content()
        walk(page, "watch-scheme-partner")
        assert not page.errors, page.errors


def test_a_pcso_logs_a_contact_on_a_phone(demo, chromium_browser):
    from tests import browser as served

    url, refs = demo
    farm = _ref(refs, "Scarcliffe Farm Watch")
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    problems = []
    phone.on("pageerror", lambda e: problems.append(str(e)))
    try:
        with served.serve(url) as base:
            browser_sign_in(phone, base, "pc.dexter", next_page=f"/watch/{farm}")
            assert phone.url.endswith(f"/watch/{farm}")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the scheme page scrolls sideways on a phone"
            phone.locator("#log-contact").scroll_into_view_if_needed()
            phone.check("#contact-how-2")  # a meeting, face to face
            phone.fill("#contact-on", "tomorrow")
            phone.click("#log-contact-button")
            phone.wait_for_load_state("networkidle")
            assert "is not a date" in phone.locator("#contact-on-error").inner_text()
            assert phone.locator("#contact-how-2").is_checked()  # what was chosen is kept
            phone.fill("#contact-on", "")
            phone.fill("#contact-note", "Met at the farm shop: no new thefts, asked for marking kits (synthetic)")
            phone.locator("#log-contact").scroll_into_view_if_needed()
            screenshot(phone, "watch-contact-phone-form")
            walk(phone, "watch-contact-phone")
            phone.click("#log-contact-button")
            phone.wait_for_load_state("networkidle")
            assert "The contact is logged" in phone.locator("#done").inner_text()
            card = phone.locator(".govuk-summary-card").first.inner_text()
            assert "overdue" not in card and dt.date.today().strftime("%b %Y") in card
            screenshot(phone, "watch-contact-phone-done")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert not problems, problems
    finally:
        context.close()
    assert ok_json("watch", "overdue", "--as", "insp.bolsover", "--db", url, env=ENV)["count"] == 0
