"""The public reporting portal in the browser and over HTTP: the form at /report-a-concern with
nobody signed in (GOV.UK radios and inputs, the CSRF field, a map pin as progressive
enhancement), its receipt page, every abuse control (a flood from one address, a body too large,
markup, a bot's honeypot, an empty description, a pin outside the partnership's areas, a forged
form), nothing of a submission at any public address; the owning team's queue at /moderation,
accepting and rejecting from the page and the JSON twins (each the command's ``--json``), and
another team's refusal. Screenshots, one at phone width (390 px)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from sara.store.engine import connect
from sara.store.schema import Event
from sara.store.schema import concerns as sc
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, screenshot, walk

ENV = {"SARA_PASSWORD": DEMO_PASSWORD}
REPORT = {
    "category": "asb_nuisance",
    "where": "Castle Street, Bolsover",
    "when": "yesterday",
    "description": "Fireworks let off at the bus shelter (synthetic test)",
}


@pytest.fixture
def url(demo_url, tmp_path):
    return copy_of(demo_url, tmp_path)


def queued(url: str) -> int:
    engine = connect(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(sc.Concern.__table__)).scalar_one()
    engine.dispose()
    return n


def send(c, **fields):
    form = c.get("/report-a-concern")
    return c.post("/report-a-concern", data={"csrf_token": csrf(form.text), **REPORT, **fields}, follow_redirects=False)


def receipt_of(c, response) -> str:
    assert response.status_code == 303, response.text
    page = c.get(response.headers["location"])
    return re.search(r'id="receipt">([0-9A-Z-]+)<', page.text).group(1)


def test_the_public_form_needs_no_sign_in_and_answers_with_a_receipt_the_owning_team_sees(url):
    c = client(url)
    form = c.get("/report-a-concern")
    assert form.status_code == 200 and "sara_session" not in form.headers.get("set-cookie", "")
    for name in ("category", "where", "when", "description", "csrf_token", "lon", "lat"):
        assert f'name="{name}"' in form.text
    assert "<script>" not in form.text and "We can take reports for Amber Valley, Bolsover" in form.text
    before = queued(url)
    receipt = receipt_of(c, send(c))
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt) and queued(url) == before + 1
    team = client(url, "asb.officer")
    listed = team.get("/api/moderation").json()
    mine = next(x for x in listed["concerns"] if x["receipt"] == receipt)
    assert mine["description"] == REPORT["description"] and mine["district_name"] == "Bolsover"
    assert listed == ok_json("concerns", "list", "--as", "asb.officer", "--db", url, env=ENV)
    page = team.get("/moderation")
    assert page.status_code == 200 and f"/moderation/{mine['id']}" in page.text
    assert team.get(f"/api/moderation/{receipt}").json() == ok_json("concerns", "show", mine["id"], "--as", "asb.officer", "--db", url, env=ENV)
    # nothing of it at a public address
    for path in ("/public", "/api/public", f"/report-a-concern/sent?receipt={receipt}"):
        assert REPORT["description"] not in c.get(path).text
    assert c.get("/api/moderation").status_code == 401 and c.get(f"/moderation/{mine['id']}", follow_redirects=False).status_code == 303


def test_every_abuse_control_refuses_with_a_clear_page(url, monkeypatch):
    c = client(url)
    before = queued(url)
    empty = send(c, description="  ")
    assert empty.status_code == 422 and "say what happened" in empty.text and 'href="#description"' in empty.text and "Castle Street, Bolsover" in empty.text
    markup = send(c, description="<script>alert(1)</script>")
    assert markup.status_code == 422 and "we do not accept markup" in markup.text and "<script>alert" not in markup.text
    outside = send(c, where="", lon="-0.1276", lat="51.5072")
    assert outside.status_code == 422 and "we can only take reports for Amber Valley, Bolsover" in outside.text and 'href="#where"' in outside.text
    big = c.post("/report-a-concern", data={"csrf_token": csrf(c.get("/report-a-concern").text), **REPORT, "description": "x" * 20000})
    assert big.status_code == 413 and "longer than we can take" in big.text
    long = send(c, description="x" * 2500)
    assert long.status_code == 422 and "shorten it to 2,000 characters" in long.text
    forged = c.post("/report-a-concern", data={**REPORT, "csrf_token": "forged"})
    assert forged.status_code == 403 and "expired or did not come from this site" in forged.text and REPORT["description"] in forged.text
    assert queued(url) == before
    bot = send(c, website="http://cheap-pills.example")
    assert bot.status_code == 303 and receipt_of(c, bot) and queued(url) == before  # thanked, and nothing queued
    monkeypatch.setenv("SARA_CONCERN_LIMIT", "3")
    flood = client(url)
    for _ in range(3):
        assert send(flood).status_code == 303
    refused = send(flood)
    assert refused.status_code == 429 and "Too many reports" in refused.text and "Wait an hour" in refused.text
    assert send(client(url)).status_code == 303  # another address still reports
    assert queued(url) == before + 4


def test_the_owning_team_accepts_and_rejects_and_another_team_is_refused(url):
    team = client(url, "asb.officer")
    waiting = team.get("/api/moderation").json()["concerns"]
    first = next(c["id"] for c in waiting if c["where"].startswith("Market Place"))  # Resident A's, with a contact
    second = next(c["id"] for c in waiting if c["id"] != first)
    page = team.get(f"/moderation/{first}")
    assert page.status_code == 200 and "Resident A (synthetic)" in page.text and 'id="accept-form"' in page.text
    token = csrf(page.text)
    bad = team.post(f"/moderation/{first}/accept", data={"csrf_token": token, "problem": "PRB-2099-0001"})
    assert bad.status_code == 422 and "PRB-2099-0001&#39; you may read" in bad.text and 'href="#accept-problem"' in bad.text
    events = _events(url)
    done = team.post(f"/moderation/{first}/accept", data={"csrf_token": token, "problem": "PRB-2025-0001", "summary": "Youths throwing bottles (synthetic)"},
                     follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and _events(url) == events + 1
    shown = team.get(done.headers["location"])
    assert "accepted" in shown.text and "PRB-2025-0001" in shown.text and 'id="accept-form"' not in shown.text
    empty = team.post(f"/moderation/{second}/reject", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422 and "needs a reason" in empty.text and 'href="#reject-reason"' in empty.text
    twin = team.post(f"/api/moderation/{second}/reject", json={"reason": "A duplicate (synthetic)"}, headers={"X-CSRF-Token": token})
    assert twin.status_code == 200 and twin.json()["status"] == "rejected"
    again = team.post(f"/api/moderation/{second}/accept", json={}, headers={"X-CSRF-Token": token})
    assert again.status_code == 409 and "already rejected" in again.json()["error"]
    assert team.post(f"/api/moderation/{second}/reject", json={"reason": 5}, headers={"X-CSRF-Token": token}).status_code == 422
    # another team: a housing partner is refused the queue; the unplaced concern is the police's alone, "not found" for the council
    partner = client(url, "housing.officer")
    for path in ("/moderation", "/api/moderation", f"/api/moderation/{first}"):
        r = partner.get(path)
        assert r.status_code == 403 and "Resident" not in r.text
    police = client(url, "pc.dexter").get("/api/moderation").json()["concerns"]
    unplaced = next(x["id"] for x in police if x["placed_by"] is None)
    assert team.get(f"/api/moderation/{unplaced}").status_code == 404
    analyst = client(url, "analyst").get(f"/moderation/{unplaced}")
    assert analyst.status_code == 200 and "gave no contact details" in analyst.text and 'id="accept-form"' not in analyst.text


def _events(url: str) -> int:
    engine = connect(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one()
    engine.dispose()
    return n


def test_the_public_page_of_a_neighbourhood_counts_its_concerns(url):
    public = client(url)
    before = public.get("/public/bolsover-north-west")
    assert before.status_code == 200 and re.search(r'id="concerns-reported">0<', before.text)  # the demo accepts none
    team = client(url, "asb.officer")
    ref = next(c["id"] for c in team.get("/api/moderation").json()["concerns"] if c["ward_name"] == "Bolsover North West")
    token = csrf(team.get(f"/moderation/{ref}").text)
    assert team.post(f"/api/moderation/{ref}/accept", json={}, headers={"X-CSRF-Token": token}).status_code == 200
    after = public.get("/public/bolsover-north-west")
    assert re.search(r'id="concerns-reported">fewer than 5<', after.text)  # one accepted: counted, and suppressed under 5


def test_a_resident_reports_from_the_browser_and_the_team_moderates(url, page, chromium_browser):
    from tests import browser as served

    with served.serve(url) as base:
        page.goto(f"{base}/report-a-concern")
        page.wait_for_selector("#concern-map path")
        honeypot = page.locator("div:has(> #website)").bounding_box()  # clipped to one pixel: people never see it, bots fill it
        assert honeypot["width"] <= 1 and honeypot["height"] <= 1
        walk(page, "concern-form")
        page.click("#send")
        assert "There is a problem" in page.inner_text(".govuk-error-summary")
        walk(page, "concern-form-errors")
        page.check("#category-3")
        page.fill("#description", "Bags of rubbish dumped behind the shops (synthetic)")
        page.wait_for_selector("#concern-map path")
        page.locator("#concern-map").scroll_into_view_if_needed()
        box = page.locator("#concern-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        assert page.input_value("#lon") and "Pin placed" in page.inner_text("#concern-pin")
        page.click("#send")
        page.wait_for_selector("#receipt")
        receipt = page.inner_text("#receipt")
        walk(page, "concern-sent")
        assert not page.errors, page.errors
        phone = chromium_browser.new_context(viewport={"width": 390, "height": 844})
        small = phone.new_page()
        small.goto(f"{base}/report-a-concern")
        small.wait_for_selector("#concern-map path")
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(small, "concern-form-phone")
        phone.close()
        team = chromium_browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        browser_sign_in(team, base, "pc.dexter", next_page="/moderation")
        walk(team, "moderation")
        team.goto(f"{base}/moderation/{receipt}")
        walk(team, "moderation-concern")
        team.fill("#accept-problem", "PRB-2025-0001")
        team.click("#accept-button")
        team.wait_for_selector(".govuk-notification-banner--success")
        assert "accepted" in team.inner_text("#concern-status")
        team.context.close()
