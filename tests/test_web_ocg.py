"""Organised crime groups in the browser: the list with scores and review status, a group with
its members, every answer of its score, its reviews and disruptions and the lead officer's
forms, and the SOC ward profile (police and partner versions) with its downloads; each page's
JSON twin is the command's ``--json``; a partner is refused the groups and given the partner
profile."""

from __future__ import annotations

import re

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
        walk(page, "ocg-group")  # with the lead's forms: a member, a score, a review, a disruption
        page.goto(f"{base}/ocg/new")
        walk(page, "ocg-new")
        page.goto(f"{base}/ocg/profile")
        page.wait_for_selector("#profile-map path.leaflet-interactive")
        assert page.locator("#profile-map path.leaflet-interactive").count() == 194  # every ward
        walk(page, "ocg-profile")
        assert not page.errors, page.errors


def test_a_group_is_added_and_scored_from_the_browser_and_its_json_twins(demo):
    url, made = demo
    c = client(url, "pc.dexter")
    form = c.get("/ocg/new")
    assert form.status_code == 200 and 'name="kind"' in form.text
    token = csrf(form.text)
    bad = c.post("/ocg", data={"csrf_token": token, "name": "", "kind": "usg", "areas": "Bolsover North West"})
    assert bad.status_code == 422 and 'href="#name"' in bad.text and "Bolsover North West" in bad.text  # what was typed is kept
    taken = c.get(f"/api/ocg/{made['gang']}").json()["name"]
    twice = c.post("/ocg", data={"csrf_token": token, "name": taken, "kind": "usg"})
    assert twice.status_code == 422 and "already mapped as" in twice.text and 'href="#name"' in twice.text
    r = c.post("/ocg", data={"csrf_token": token, "name": "Station Road crew (synthetic)", "kind": "usg", "areas": "Bolsover North West"}, follow_redirects=False)
    assert r.status_code == 303
    ref = r.headers["location"].rsplit("/", 1)[1]
    group = c.get(f"/api/ocg/{ref}").json()
    assert group["name"] == "Station Road crew (synthetic)" and group["kind"] == "usg" and group["scores"] == []
    page = c.get(f"/ocg/{ref}")
    keys = re.findall(r'name="answer_([a-z_]+)"', page.text)
    assert keys, "the scoring form asks every factor"
    half = {f"answer_{k}": "1" for k in keys[:-1]}
    missing = c.post(f"/ocg/{ref}/scores", data={"csrf_token": csrf(page.text), **half})
    assert missing.status_code == 422 and keys[-1] in missing.text
    done = c.post(f"/ocg/{ref}/scores", data={"csrf_token": csrf(page.text), **half, f"answer_{keys[-1]}": "2"}, follow_redirects=False)
    assert done.status_code == 303
    scored = c.get(f"/api/ocg/{ref}").json()["scores"]
    assert len(scored) == 1 and {f["factor"]: f["answer"] for f in scored[0]["factors"]} == {k: (2 if k == keys[-1] else 1) for k in keys}
    # the JSON twins call the same functions
    twin = c.post("/api/ocg", json={"name": "Second crew (synthetic)", "kind": "county_line", "areas": []}, headers={"X-CSRF-Token": csrf(page.text)})
    assert twin.status_code == 200 and twin.json()["kind"] == "county_line"
    again = c.post(f"/api/ocg/{twin.json()['id']}/scores", json={"answers": {k: 0 for k in keys}}, headers={"X-CSRF-Token": csrf(page.text)})
    assert again.status_code == 200
    shown = ok_json("ocg", "show", twin.json()["id"], "--as", "pc.dexter", "--db", url, env=ENV)["scores"][0]
    assert {f["factor"]: f["answer"] for f in shown["factors"]} == {k: 0 for k in keys}


def test_a_partner_may_not_add_or_score_a_group(demo):
    url, made = demo
    c = client(url, "housing.officer")
    token = csrf(c.get("/today").text)
    assert c.get("/ocg/new").status_code == 403
    assert c.post("/ocg", data={"csrf_token": token, "name": "X", "kind": "usg"}).status_code == 403
    assert c.post(f"/ocg/{made['line']}/scores", data={"csrf_token": token, "answer_intent": "1"}).status_code == 403
