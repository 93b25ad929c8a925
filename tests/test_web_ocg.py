"""Organised crime groups in the browser: the list with scores and review status, a group with
its members, every answer of its score, its reviews and disruptions and the lead officer's
forms, and the SOC ward profile (police and partner versions) with its downloads; each page's
JSON twin is the command's ``--json``; a partner is refused the groups and given the partner
profile."""

from __future__ import annotations

import pytest

from sara.store.engine import connect
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk

ENV = {"SARA_PASSWORD": DEMO_PASSWORD}


@pytest.fixture
def demo(demo_url, tmp_path):
    from tests.test_ocg import demo_groups

    url = copy_of(demo_url, tmp_path)
    return url, demo_groups(connect(url))


def test_the_pages_and_their_json_twins_are_the_commands(demo):
    url, made = demo
    c = client(url, "insp.bolsover")
    r = c.get("/ocg")
    assert r.status_code == 200 and made["line"] in r.text and "overdue" in r.text and "Adult D (synthetic)" in r.text
    assert 'href="/ocg"' in r.text  # the navigation shows it to a police lead
    listed = c.get("/api/ocg").json()
    assert listed == ok_json("ocg", "list", "--as", "insp.bolsover", "--db", url, env=ENV)
    page = c.get(f"/ocg/{made['line']}")
    assert page.status_code == 200 and "line holder" in page.text and "psychological" in page.text.lower() and "not verified" in page.text
    assert c.get(f"/api/ocg/{made['line']}").json() == ok_json("ocg", "show", made["line"], "--as", "insp.bolsover", "--db", url, env=ENV)
    prof = c.get("/api/ocg/profile").json()
    cli = ok_json("ocg", "profile", "--as", "insp.bolsover", "--db", url, env=ENV)
    assert prof["tables"] == cli["tables"] and prof["parameters"] == cli["parameters"]
    assert c.get("/ocg/profile").status_code == 200
    assert c.get("/ocg/OCG-2099-0001").status_code == 404


def test_a_partner_is_refused_the_groups_and_given_the_partner_profile(demo):
    url, made = demo
    c = client(url, "housing.officer")
    for path in ("/ocg", "/api/ocg", f"/ocg/{made['line']}", f"/api/ocg/{made['line']}"):
        r = c.get(path)
        assert r.status_code == 403, path
        assert "Castle" not in r.text and "Adult D" not in r.text
    assert 'href="/ocg"' not in c.get("/today").text
    prof = c.get("/api/ocg/profile").json()
    assert prof == ok_json("ocg", "profile", "--partner", "--as", "housing.officer", "--db", url, env=ENV)
    assert prof["parameters"]["partner"] is True and "Adult D" not in str(prof) and made["line"] not in str(prof)
    html = c.get("/ocg/profile")
    assert html.status_code == 200 and "partner version" in html.text and "Adult D" not in html.text
    xlsx = c.get("/ocg/profile.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_lead_officer_records_a_review_and_a_member_from_the_page(demo):
    url, made = demo
    c = client(url, "pc.dexter")
    page = c.get(f"/ocg/{made['gang']}")
    token = csrf(page.text)
    r = c.post(f"/ocg/{made['gang']}/reviews", data={"csrf_token": token, "note": "Stays a priority: the supplier is the line's holder"}, follow_redirects=False)
    assert r.status_code == 303
    after = c.get(f"/api/ocg/{made['gang']}").json()
    assert not after["review_overdue"] and after["reviews"][1]["note"].startswith("Stays a priority")
    bad = c.post(f"/ocg/{made['gang']}/members", data={"csrf_token": token, "person": "PER-2099-0001", "role": "runner", "from_date": ""})
    assert bad.status_code == 422 and "is not a recorded person" in bad.text and 'href="#member-person"' in bad.text


def test_a_lead_walks_the_groups_and_the_profile(demo, page):
    from tests import browser as served

    url, made = demo
    with served.serve(url) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/ocg")
        assert page.url.endswith("/ocg")
        walk(page, "ocg")
        page.click(f"a[href='/ocg/{made['line']}']")
        assert page.locator("#member-table").inner_text().count("synthetic") == 3
        walk(page, "ocg-group")
        page.goto(f"{base}/ocg/profile")
        page.wait_for_selector("#profile-map path.leaflet-interactive")
        assert page.locator("#profile-map path.leaflet-interactive").count() == 194  # every ward
        walk(page, "ocg-profile")
        assert not page.errors, page.errors
