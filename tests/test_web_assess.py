"""Assess in the browser: from a problem or alone, the verdict with its counts and warnings,
the chart and map as a PNG beside the monthly figures, saving the result to the problem,
and the JSON twin; a refused input marked on its field; no file on the server is read."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from sara.access import users
from sara.access.users import get_actor
from sara.services import Context
from sara.services import assess as assess_service
from sara.store.engine import connect
from tests.browser import serve
from tests.web import browser_sign_in, client, copy_of, csrf, walk

FIRST = "PRB-2025-0001"
DESIGN = "target=Bolsover+004A&before=2025-01:2025-04&after=2025-05:2025-08&category=Anti-social+behaviour&category=Criminal+damage+and+arson"


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def test_the_json_is_the_assessment_service(demo_url):
    engine = connect(demo_url)
    ctx = Context(engine, get_actor(engine, "pc.dexter"))
    expected = assess_service.assess(ctx, target="E01019483", before="2025-01:2025-04", after="2025-05:2025-08",
                                      categories=["Anti-social behaviour", "Criminal damage and arson"], problem=FIRST).result  # fmt: skip
    got = client(demo_url, "pc.dexter").get(f"/api/assess?{DESIGN}&problem={FIRST}").json()
    assert {k: got[k] for k in ("verdict", "outcome", "target", "buffer", "control", "periods", "monthly", "warnings")} == {
        k: expected[k] for k in ("verdict", "outcome", "target", "buffer", "control", "periods", "monthly", "warnings")
    }


def test_the_page_shows_the_verdict_counts_picture_and_table(demo_url):
    c = client(demo_url, "pc.dexter")
    page = c.get(f"/assess?{DESIGN}&problem={FIRST}").text
    assert 'id="verdict"' in page and "Outcome:" in page and "Target: Bolsover 004A" in page and "Control: 5 most similar LSOA areas" in page
    assert 'id="month-table"' in page and "2025-08" in page and "Save to PRB-2025-0001" in page
    picture = page.split('<img src="')[1].split('"')[0].replace("&amp;", "&")
    png = c.get(picture)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_from_a_problem_the_form_is_filled_in_and_its_plans_offered(demo_url):
    page = client(demo_url, "pc.dexter").get(f"/assess?problem={FIRST}").text
    assert 'value="Bolsover 004A"' in page and 'value="Anti-social behaviour" checked' in page and "Run op-dexter-demo" in page
    plan = client(demo_url, "pc.dexter").get(f"/api/assess?plan=op-dexter-demo&problem={FIRST}").json()
    assert plan["followed_plan"] is not None and plan["target"]["code"] == "E01019483"


@pytest.mark.parametrize(("query", "field"), [("target=Bolsover+004A&before=2025-01:2025-04", "after"), ("target=Nowhere+at+all&before=2025-01:2025-04&after=2025-05:2025-08", "target"),
                                              ("target=Bolsover+004A&before=2025-13:2025-14&after=2025-05:2025-08", "before"),
                                              ("target=/etc/passwd&before=2025-01:2025-04&after=2025-05:2025-08", "target"),
                                              ("target=Bolsover+004A&control=demo/x.geojson&before=2025-01:2025-04&after=2025-05:2025-08", "control")])  # fmt: skip
def test_a_refused_input_is_marked_and_kept(demo_url, query, field):
    c = client(demo_url, "pc.dexter")
    r = c.get(f"/assess?{query}")
    typed = dict(parse_qsl(query))
    assert r.status_code == 422 and f'href="#{field}"' in r.text and f'value="{typed["before"]}"' in r.text and f'value="{typed["target"]}"' in r.text
    api = c.get(f"/api/assess?{query}")
    assert api.status_code == 422 and api.json()["field"] == field


def test_saving_to_the_problem_keeps_the_verdict_there(url):
    c = client(url, "pc.dexter")
    page = c.get(f"/assess?{DESIGN}&problem={FIRST}").text
    form = {"csrf_token": csrf(page), "problem": FIRST, "target": "Bolsover 004A", "before": "2025-01:2025-04", "after": "2025-05:2025-08",
            "category": ["Anti-social behaviour", "Criminal damage and arson"]}  # fmt: skip
    assert c.post("/assess/save", data={k: v for k, v in form.items() if k != "csrf_token"}).status_code == 403
    r = c.post("/assess/save", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/problems/{FIRST}#assessment"
    saved = c.get(f"/api/problems/{FIRST}").json()["assessment"]
    assert saved["outcome"] and saved["verdict"].startswith("Anti-social behaviour")
    assert "Outcome: " + saved["outcome"] in c.get(f"/problems/{FIRST}").text
    # a partner reads it, but does not save one: the owning organisation does
    fire = client(url, "fire.officer")
    assert fire.post("/assess/save", data=form | {"csrf_token": csrf(fire.get(f"/problems/{FIRST}").text)}).status_code == 403


def test_saving_by_json_keeps_what_the_form_keeps(url, demo_url, tmp_path):
    design = {"target": "Bolsover 004A", "before": "2025-01:2025-04", "after": "2025-05:2025-08",
              "categories": ["Anti-social behaviour", "Criminal damage and arson"]}  # fmt: skip
    c = client(url, "pc.dexter")
    token = csrf(c.get(f"/problems/{FIRST}").text)
    assert c.post("/api/assess/save", json={"problem": FIRST, **design}).status_code == 403  # a session needs its CSRF header
    saved = c.post("/api/assess/save", json={"problem": FIRST, **design}, headers={"X-CSRF-Token": token})
    assert saved.status_code == 200 and saved.json()["reference"] == FIRST and saved.json()["assessment"]["outcome"]
    (tmp_path / "form").mkdir()
    by_form = client(copy_of(demo_url, tmp_path / "form"), "pc.dexter")
    form = {"csrf_token": csrf(by_form.get(f"/problems/{FIRST}").text), "problem": FIRST, "category": design["categories"],
            **{k: design[k] for k in ("target", "before", "after")}}  # fmt: skip
    assert by_form.post("/assess/save", data=form, follow_redirects=False).status_code == 303
    assert saved.json()["assessment"] == by_form.get(f"/api/problems/{FIRST}").json()["assessment"]
    refused = c.post("/api/assess/save", json={"problem": FIRST, **design, "before": "2025-13:2025-14"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 422 and refused.json()["field"] == "before"
    # a partner reads the verdict, and the owner saves it; a problem not shared is the same 404 as a missing one
    fire = client(url, "fire.officer")
    fire.headers["X-CSRF-Token"] = csrf(fire.get(f"/problems/{FIRST}").text)
    assert fire.post("/api/assess/save", json={"problem": FIRST, **design}).status_code == 403
    hidden, missing = (fire.post("/api/assess/save", json={"problem": ref, **design}) for ref in ("PRB-2026-0001", "PRB-2026-0999"))
    assert hidden.status_code == missing.status_code == 404
    bearer = client(url)
    engine = connect(url)
    bearer.headers["Authorization"] = f"Bearer {users.create_token(engine, get_actor(engine, 'pc.dexter'), 'tests')['token']}"
    assert bearer.post("/api/assess/save", json={"problem": FIRST, "plan": "op-dexter-demo"}).json()["assessment_plan"] == "op-dexter-demo"


def test_browser_assess_from_a_problem(url, page):
    with serve(url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page=f"/assess?problem={FIRST}")
        walk(page, "assess-form")
        page.fill("#before", "2025-01:2025-04")
        page.fill("#after", "2025-05:2025-08")
        page.click("button:has-text('Assess')")
        page.wait_for_load_state("networkidle")
        assert page.locator("#verdict").count() == 1
        assert page.evaluate("document.querySelector('.sara-chart img').naturalWidth") > 500  # the picture loaded
        walk(page, "assess-result")
        page.click("button:has-text('Save to PRB-2025-0001')")
        page.wait_for_load_state("networkidle")
        assert page.locator("#verdict").count() == 1 and "/problems/PRB-2025-0001" in page.url
        assert page.errors == []
