"""Asset mapping in the browser: the services page (its map and its table by ward), the form a
partner adds a service with and changes its own (another organisation's form is not offered,
and its post refused), the CSV upload accounting for every row, and the gaps page with its
map; each page's JSON twin is the command's ``--json``; a public viewer is refused."""

from __future__ import annotations

import re

import pytest

from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk

ENV = {"SARA_PASSWORD": DEMO_PASSWORD}


@pytest.fixture
def demo(demo_url, tmp_path):
    return copy_of(demo_url, tmp_path)


def _ref(c, name: str) -> str:
    return next(s["id"] for s in c.get("/api/assets?ended=true").json()["services"] if s["name"] == name)


def test_the_pages_and_their_json_twins_are_the_commands(demo):
    url = demo
    c = client(url, "housing.officer")
    page = c.get("/assets")
    assert page.status_code == 200 and "Extreme Wheels Friday sessions (synthetic)" in page.text and 'id="assets-map"' in page.text
    listed = c.get("/api/assets").json()
    assert listed == ok_json("assets", "list", "--as", "housing.officer", "--db", url, env=ENV)
    assert listed["count"] == 12  # the summer scheme has ended
    assert c.get("/api/assets?kind=drug_alcohol").json() == ok_json("assets", "list", "--kind", "drug_alcohol", "--as", "housing.officer", "--db", url, env=ENV)
    ref = _ref(c, "Recovery drop-in, Shirebrook (synthetic)")
    assert c.get(f"/api/assets/{ref}").json() == ok_json("assets", "show", ref, "--as", "housing.officer", "--db", url, env=ENV)
    one = c.get(f"/assets/{ref}")
    assert one.status_code == 200 and "Kept by Bolsover District Council" in one.text and 'id="service-form"' not in one.text
    gaps = c.get("/api/assets/gaps").json()
    assert gaps == ok_json("assets", "gaps", "--as", "housing.officer", "--db", url, env=ENV)
    html = c.get("/assets/gaps")
    assert html.status_code == 200 and gaps["headlines"][0] in html.text.replace("&#39;", "'")
    mapped = c.get("/api/assets/gaps/map?kind=drug_alcohol").json()
    assert len(mapped["features"]) == 20 and {f["properties"]["name"] for f in mapped["features"] if f["properties"]["services"] == 0} == {
        a["name"] for a in gaps["areas"] if a["kinds"]["drug_alcohol"] == 0}  # fmt: skip
    points = c.get("/api/assets/map").json()
    assert len(points["points"]["features"]) + len({a["properties"]["code"] for a in points["areas"]["features"]}) > 12 and points["boundaries"]["features"]
    assert c.get("/assets/AST-2099-0001").status_code == 404 and c.get("/api/assets/AST-2099-0001").status_code == 404
    assert c.get("/api/assets?kind=karate").status_code == 422
    refused = c.get("/assets?kind=karate")
    assert refused.status_code == 422 and 'href="#kind"' in refused.text and "Extreme Wheels" in refused.text
    csv = c.get("/assets.csv")
    assert csv.status_code == 200 and csv.text.startswith("id,name,provider,kinds")


def test_a_public_viewer_is_refused_the_services(demo):
    c = client(demo, "public")
    for path in ("/assets", "/api/assets", "/assets/gaps", "/api/assets/gaps", "/assets/new"):
        r = c.get(path)
        assert r.status_code == 403, path
        assert "synthetic" not in r.text


def test_a_partner_adds_a_service_and_only_it_changes_it(demo):
    url = demo
    c = client(url, "youth.worker")
    form = c.get("/assets/new")
    assert form.status_code == 200 and 'name="kinds"' in form.text and 'id="pick-map"' in form.text
    token = csrf(form.text)
    bad = c.post("/assets", data={"csrf_token": token, "name": "Girls' football (synthetic)", "areas": "Bolsover South"})
    assert bad.status_code == 422 and 'href="#kinds"' in bad.text and "Girls&#39; football (synthetic)" in bad.text and "Bolsover South" in bad.text
    far = c.post("/assets", data={"csrf_token": token, "name": "X", "kinds": "mentoring", "lon": "-3.2", "lat": "55.9"})
    assert far.status_code == 422 and "outside every loaded area" in far.text and 'href="#lon"' in far.text
    r = c.post("/assets", data={"csrf_token": token, "name": "Girls' football (synthetic)", "kinds": ["sports_activities", "youth_diversion"],
                                "age_groups": "young_people", "areas": "Bolsover South", "opening": "Saturdays 10:00-12:00", "communities": "girls; young women"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    ref = r.headers["location"].split("/")[-1].split("?")[0]
    made = c.get(f"/api/assets/{ref}").json()
    assert (
        made["communities"] == ["girls", "young women"] and made["wards"] == ["Bolsover South"] and made["organisation"] == "Bolsover Youth Trust (synthetic)"
    )
    page = c.get(f"/assets/{ref}?done=added")
    assert "The service is added" in page.text and 'id="service-form"' in page.text
    typed = {"csrf_token": csrf(page.text), "version": "1", "name": made["name"], "kinds": made["kinds"], "age_groups": made["age_groups"],
             "areas": "Bolsover South\nBolsover West", "opening": "Saturdays 09:30-12:00", "communities": "girls; young women"}  # fmt: skip
    done = c.post(f"/assets/{ref}", data=typed, follow_redirects=False)
    assert done.status_code == 303
    after = c.get(f"/api/assets/{ref}").json()
    assert after["version"] == 2 and after["opening"] == "Saturdays 09:30-12:00" and after["wards"] == ["Bolsover South", "Bolsover West"]
    stale = c.post(f"/assets/{ref}", data=typed)  # version 1 again
    assert stale.status_code == 422 and "changed since you opened it" in stale.text
    other = client(url, "asb.officer")
    theirs = other.get(f"/assets/{ref}")
    assert 'id="service-form"' not in theirs.text and "only its users change it" in theirs.text
    assert other.post(f"/assets/{ref}", data={**typed, "csrf_token": csrf(theirs.text), "version": "2"}).status_code == 403
    assert other.post(f"/api/assets/{ref}", json={"opening": "never"}, headers={"X-CSRF-Token": csrf(theirs.text)}).status_code == 403
    twin = c.post(f"/api/assets/{ref}", json={"ended_on": "2026-01-31"}, headers={"X-CSRF-Token": csrf(page.text)})
    assert twin.status_code == 200 and twin.json()["changed"] == ["ended_on"] and not twin.json()["active"]
    added = c.post("/api/assets", json={"name": "Youth forum (synthetic)", "kinds": ["community_group"], "areas": ["Bolsover West"]},
                   headers={"X-CSRF-Token": csrf(page.text)})  # fmt: skip
    assert added.status_code == 200 and added.json() == ok_json("assets", "show", added.json()["id"], "--as", "youth.worker", "--db", url, env=ENV) | {
        "may_change": True}  # fmt: skip


def test_a_csv_uploaded_on_the_page_accounts_for_every_row(demo):
    c = client(demo, "asb.officer")
    page = c.get("/assets/import")
    token = csrf(page.text)
    text = "name,kinds,areas,when\nRecovery drop-in, Shirebrook (synthetic),drug_alcohol,Shirebrook North West,Tuesdays 10:00-15:00\nKarate (synthetic),karate,Pinxton,\n"
    text = text.replace("Recovery drop-in, Shirebrook (synthetic)", '"Recovery drop-in, Shirebrook (synthetic)"')
    r = c.post("/assets/import", data={"csrf_token": token}, files={"file": ("services.csv", text.encode(), "text/csv")})
    assert r.status_code == 200
    rows = re.findall(r'govuk-tag[^"]*">(added|updated|rejected)<', r.text)
    assert rows == ["updated", "rejected"] and "1 updated" in r.text and "unknown kind of provision" in r.text
    empty = c.post("/assets/import", data={"csrf_token": token}, files={"file": ("none.csv", b"", "text/csv")})
    assert empty.status_code == 422 and 'href="#file"' in empty.text


def test_a_partner_walks_the_services_adds_one_on_the_map_and_reads_the_gaps(demo, page, chromium_browser):
    from tests import browser as served

    with served.serve(demo) as base:
        browser_sign_in(page, base, "youth.worker", next_page="/assets")
        assert page.url.endswith("/assets")
        page.wait_for_selector("#assets-map path.leaflet-interactive")
        assert page.locator("#assets-map .leaflet-marker-pane, #assets-map path.leaflet-interactive").count() >= 10
        walk(page, "assets")
        page.click("#add-service")
        page.wait_for_selector("#pick-map .sara-map-label")
        box = page.locator("#pick-map").bounding_box()
        page.locator("#pick-map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        assert page.input_value("#lon") and page.input_value("#lat")
        walk(page, "assets-new")
        page.fill("#name", "Street dance (synthetic)")
        page.check("input[name=kinds][value=sports_activities]")
        page.fill("#opening", "Wednesdays 17:00-18:30")
        page.click("#save-service")
        page.wait_for_load_state("networkidle")
        assert re.search(r"/assets/AST-\d{4}-\d{4}", page.url) and "The service is added" in page.content()
        walk(page, "assets-service")
        page.goto(f"{base}/assets/gaps")
        page.wait_for_selector("#gaps-map path.leaflet-interactive")
        assert page.locator("#gaps-map path.leaflet-interactive").count() == 20  # every ward of Bolsover
        walk(page, "assets-gaps")
        assert not page.errors, page.errors
        phone = chromium_browser.new_context(viewport={"width": 390, "height": 844})
        p2 = phone.new_page()
        p2.errors = []
        browser_sign_in(p2, base, "youth.worker", next_page="/assets/gaps")
        p2.wait_for_selector("#gaps-map path.leaflet-interactive")
        assert p2.evaluate("document.documentElement.scrollWidth") <= 390
        walk(p2, "assets-gaps-phone")
        phone.close()
