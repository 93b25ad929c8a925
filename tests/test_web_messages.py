"""Community messages in the browser: the list of messages and groups with the form that adds a
group, a draft begun from a problem and saved for approval, the inspector approving it (and the
writer refused), its CSV, text and HTML downloads, and the counts per team with their chart;
each page's JSON twin is the command's ``--json``; a partner practitioner and the public are
refused what they may not do; the draft and message pages fit a 390 px phone."""

from __future__ import annotations

import csv
import io

import pytest

from sara.store.engine import connect
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk

ENV = {"SARA_PASSWORD": DEMO_PASSWORD}


@pytest.fixture
def demo(demo_url, tmp_path):
    from tests.test_messages import demo_refs

    url = copy_of(demo_url, tmp_path)
    return url, demo_refs(connect(url))


def _dexter(url) -> str:
    from sqlalchemy import select

    from sara.casework.demo_messages import DEXTER
    from sara.store.schema import problems as sp

    with connect(url).connect() as conn:
        return conn.execute(select(sp.Problem.reference).where(sp.Problem.title == DEXTER)).scalar()


def test_the_pages_and_their_json_twins_are_the_commands(demo):
    url, made = demo
    c = client(url, "insp.bolsover")
    page = c.get("/messages")
    assert page.status_code == 200 and "Allotment Watch, Bolsover (synthetic)" in page.text and "SARA sends nothing itself" in page.text
    assert c.get("/api/messages").json() == ok_json("messages", "list", "--as", "insp.bolsover", "--db", url, env=ENV)
    assert c.get("/api/messages/groups").json() == ok_json("messages", "group", "list", "--as", "insp.bolsover", "--db", url, env=ENV)
    one = c.get(f"/messages/{made['waiting']}")
    assert one.status_code == 200 and 'id="approve"' in one.text and "What we are doing" in one.text
    assert c.get(f"/api/messages/{made['waiting']}").json() == ok_json("messages", "show", made["waiting"], "--as", "insp.bolsover", "--db", url, env=ENV)
    counts = c.get("/api/messages/counts?from=2025-01&to=2025-12").json()
    assert counts == ok_json("messages", "counts", "--from", "2025-01", "--to", "2025-12", "--as", "insp.bolsover", "--db", url, env=ENV)
    assert counts["totals"][3] == 1  # Op Dexter's message, April 2025 (its withdrawn one is not counted)
    html = c.get("/messages/counts?from=2025-01&to=2025-12")
    assert html.status_code == 200 and 'id="counts-chart"' in html.text and "Bolsover SNT (synthetic)" in html.text
    assert c.get("/api/messages/counts?from=junk").status_code == 422
    assert c.get("/messages/MSG-2099-0001").status_code == 404
    suggestion = c.get(f"/api/messages/new?problem={_dexter(url)}").json()
    assert suggestion["source"]["from_summary"] is True and suggestion["title"] == "Youth nuisance and damage in the town centre"


def test_a_draft_from_the_browser_form_then_approved_and_exported(demo):
    url, made = demo
    ref = _dexter(url)
    pc = client(url, "pc.dexter")
    form = pc.get(f"/messages/new?source=problem:{ref}")
    assert form.status_code == 200 and "Begun from the problem's approved public summary" in form.text and 'name="groups"' in form.text
    token = csrf(form.text)
    data = {"csrf_token": token, "source": f"problem:{ref}", "title": "Friday sessions (synthetic)", "you_can": "Come along on Friday evenings with your friends.",
            "doing": "Youth workers run sessions on Friday evenings on Market Place."}  # fmt: skip
    bad = pc.post("/messages", data=data | {"groups": ["DA-BOL-NW"]})
    assert bad.status_code == 422 and "names a street (Market Place)" in bad.text and 'href="#doing"' in bad.text and "Friday sessions (synthetic)" in bad.text
    none = pc.post("/messages", data=data | {"doing": "Youth workers run sessions on Friday evenings in the town."})
    assert none.status_code == 422 and 'href="#groups"' in none.text
    r = pc.post(
        "/messages",
        data=data | {"doing": "Youth workers run sessions on Friday evenings in the town.", "groups": ["DA-BOL-NW", "DA-BOL-W"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    mid = r.headers["location"].split("/")[-1].split("?")[0]
    page = pc.get(r.headers["location"])
    assert "The draft is saved" in page.text and 'id="approve"' not in page.text  # the writer may not approve
    assert pc.post(f"/messages/{mid}/approve", data={"csrf_token": csrf(page.text)}).status_code == 403
    assert pc.get(f"/messages/{mid}/export.csv").status_code == 422  # not approved yet
    insp = client(url, "insp.bolsover")
    ok = insp.post(f"/messages/{mid}/approve", data={"csrf_token": csrf(insp.get(f"/messages/{mid}").text)}, follow_redirects=False)
    assert ok.status_code == 303
    got = pc.get(f"/messages/{mid}/export.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv") and "attachment" in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [x["group_code"] for x in rows] == ["DA-BOL-NW", "DA-BOL-W"] and rows[0]["title"] == "Friday sessions (synthetic)"
    assert pc.get(f"/messages/{mid}/export.txt").text.startswith("Friday sessions (synthetic)\n")
    assert "<h1>Friday sessions (synthetic)</h1>" in pc.get(f"/messages/{mid}/export.html").text
    twin = pc.get(f"/api/messages/{mid}/export").json()
    assert twin["csv"] == got.text and twin["groups"] == ["DA-BOL-NW", "DA-BOL-W"]
    # a change from the page clears the approval
    page = pc.get(f"/messages/{mid}")
    changed = pc.post(f"/messages/{mid}", data={"csrf_token": csrf(page.text), "version": "1", "groups": ["DA-BOL-NW"], "title": "Friday youth sessions (synthetic)",
                                                "doing": "Youth workers run sessions on Friday evenings in the town.", "you_can": data["you_can"]}, follow_redirects=False)  # fmt: skip
    assert changed.status_code == 303
    after = pc.get(f"/api/messages/{mid}").json()
    assert after["status"] == "draft" and after["approved_by"] is None and [g["code"] for g in after["groups"]] == ["DA-BOL-NW"]
    stale = pc.post(f"/messages/{mid}", data={"csrf_token": csrf(page.text), "version": "1", "groups": ["DA-BOL-NW"], "title": "Stale edit (synthetic)",
                                              "doing": "Youth workers run sessions on Friday evenings in the town.", "you_can": data["you_can"]})  # fmt: skip
    assert stale.status_code == 422 and "changed while you edited it" in stale.text


def test_a_group_is_added_from_the_page_and_its_json_twin(demo):
    url, _ = demo
    c = client(url, "pc.dexter")
    token = csrf(c.get("/messages").text)
    bad = c.post("/messages/groups", data={"csrf_token": token, "code": "DA-BOL-S", "name": "Bolsover South (synthetic)", "kind": "area", "area": ""})
    assert bad.status_code == 422 and 'href="#area"' in bad.text and "DA-BOL-S" in bad.text
    twice = c.post("/messages/groups", data={"csrf_token": token, "code": "DA-BOL-NW", "name": "Again", "kind": "interest"})
    assert twice.status_code == 422 and "duplicate group" in twice.text and 'href="#code"' in twice.text
    ok = c.post("/messages/groups", data={"csrf_token": token, "code": "DA-BOL-S", "name": "Bolsover South (synthetic)", "kind": "area", "area": "Bolsover South",
                                          "subscribers": "201"}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    twin = c.post("/api/messages/groups", json={"code": "DA-BOL-FARM", "name": "Farm Watch (synthetic)", "kind": "interest"}, headers={"X-CSRF-Token": token})
    assert twin.status_code == 200 and twin.json()["area"] is None
    codes = [g["code"] for g in c.get("/api/messages/groups").json()]
    assert "DA-BOL-S" in codes and "DA-BOL-FARM" in codes


def test_a_partner_and_the_public_are_refused(demo):
    url, made = demo
    partner = client(url, "housing.officer")
    assert partner.get("/messages").status_code == 200  # a partner of another organisation reads its own (none)
    assert made["waiting"] not in partner.get("/messages").text
    assert partner.get(f"/messages/{made['waiting']}").status_code == 404
    assert partner.get("/messages/new").status_code == 403
    token = csrf(partner.get("/messages").text)
    assert partner.post("/messages/groups", data={"csrf_token": token, "code": "X", "name": "X", "kind": "interest"}).status_code == 403
    public = client(url, "public")
    for path in ("/messages", "/api/messages", "/messages/counts", f"/messages/{made['waiting']}"):
        assert public.get(path).status_code == 403, path


def test_a_lead_walks_the_messages_and_an_officer_drafts_on_a_phone(demo, page, chromium_browser):
    from tests import browser as served

    url, made = demo
    with served.serve(url) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/messages")
        assert page.url.endswith("/messages")
        walk(page, "messages")
        page.click(f"a[href='/messages/{made['waiting']}']")
        walk(page, "messages-waiting")
        page.click("#approve")
        page.wait_for_load_state("networkidle")
        assert "The message is approved" in page.inner_text("body") and page.locator("#downloads a").count() == 3
        walk(page, "messages-approved")
        page.goto(f"{base}/messages/counts?from=2025-01&to=2026-12")
        assert page.locator("#counts-chart img").count() == 1
        walk(page, "messages-counts")
        assert not page.errors, page.errors

        phone = chromium_browser.new_context(viewport={"width": 390, "height": 844})
        p = phone.new_page()
        try:
            browser_sign_in(p, base, "pc.dexter", next_page="/messages/new")
            p.select_option("#source", label=f"Operation: {'Op Dexter (synthetic replay)'}")
            p.click("#start")
            p.wait_for_load_state("networkidle")
            assert p.input_value("#title").startswith("Op Dexter (synthetic replay)")
            p.check("input[name=groups][value=DA-BOL-BIZ]")
            assert p.evaluate("document.documentElement.scrollWidth") <= 390
            walk(p, "messages-new-phone")
            p.click("#save")
            p.wait_for_load_state("networkidle")
            assert "The draft is saved" in p.inner_text("body")
            assert p.evaluate("document.documentElement.scrollWidth") <= 390
            walk(p, "messages-draft-phone")
        finally:
            phone.close()
