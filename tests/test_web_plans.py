"""Partnership plans in the browser: the list, a plan as its Calderdale-shaped document with
each indicator's progress, rating and chart, the forms to add an action and enter a value for
the plan's leads; the JSON twins are the CLI's JSON; a partner practitioner cannot change a
plan; a page without sign-in goes to sign-in. On the demo with the demo plan
(``sara.casework.demo_plan``), its computed indicators checked against the police.uk rows."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from sqlalchemy import select

from sara.access.users import get_actor
from sara.casework import demo_plan
from sara.services import Context
from sara.services import plans as service
from sara.store.engine import connect
from sara.store.schema import problems as spr
from tests.cli import ok_json
from tests.conftest import shared
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk


@pytest.fixture(scope="module")
def planned(demo_url, tmp_path_factory) -> tuple[str, str]:
    """A copy of the demo with the demo plan laid on it: (url, plan reference)."""
    url = copy_of(demo_url, tmp_path_factory.mktemp("plans"))
    engine = connect(url)
    with engine.connect() as conn:
        problems = list(conn.execute(select(spr.Problem.reference).order_by(spr.Problem.id)).scalars())
    ref = demo_plan.load(engine, problems=problems)
    assert demo_plan.load(engine) is None  # twice does nothing
    engine.dispose()
    return url, ref


def bolsover_by_month(category: str) -> Counter:
    n = Counter()
    for path in sorted(shared("policeuk", "derbyshire-2025").glob("*.csv")):
        for r in csv.DictReader(path.open(encoding="utf-8")):
            if r["Crime type"] == category and r["LSOA name"].startswith("Bolsover "):
                n[r["Month"]] += 1
    return n


def test_the_json_twins_are_the_cli_json_and_the_service(planned):
    url, ref = planned
    c = client(url, "analyst")
    got = c.get(f"/api/plans/{ref}").json()
    assert got == ok_json("plan", "show", ref, "--as", "analyst", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    engine = connect(url)
    assert c.get("/api/plans").json() == service.list_plans(Context(engine, get_actor(engine, "analyst")))
    assert [th["title"] for th in got["themes"]] == [t[0] for t in demo_plan.THEMES]


def test_the_demo_plans_computed_indicators_count_bolsovers_rows(planned):
    url, ref = planned
    plan = client(url, "pc.dexter").get(f"/api/plans/{ref}").json()
    asb = next(p for th in plan["themes"] for p in th["indicators"] if p["indicator"]["code"] == "NI17a")
    rows = bolsover_by_month("Anti-social behaviour")
    assert asb["indicator"]["baseline"]["value"] == round((rows["2025-01"] + rows["2025-02"] + rows["2025-03"]) / 3, 1)
    assert {r["period"]: r["value"] for r in asb["series"]} == {f"2025-{m:02d}": rows[f"2025-{m:02d}"] for m in range(4, 13)}
    assert asb["rating"] in ("on track", "at risk", "off track") and asb["rule"].startswith("The line runs from the baseline")
    survey = next(p for th in plan["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "entered")
    assert [r["value"] for r in survey["series"]][:3] == [27.0, 27.5, 26.0]


def test_a_lead_adds_an_action_and_enters_a_value_and_bad_input_is_marked_on_its_field(planned):
    url, ref = planned
    c = client(url, "insp.bolsover")
    page = c.get(f"/plans/{ref}")
    assert page.status_code == 200 and 'id="action-form"' in page.text and "Measuring our success" in page.text
    token = csrf(page.text)
    bad = c.post(f"/plans/{ref}/actions", data={"csrf_token": token, "priority": "1.1", "description": "Leaflet drop", "organisation": "Bolsover District Council",
                                                "due": "next week"})  # fmt: skip
    assert bad.status_code == 422 and "&#39;next week&#39; is not a date" in bad.text and 'id="action-due-error"' in bad.text
    unknown = c.post(f"/plans/{ref}/actions", data={"csrf_token": token, "priority": "1.1", "description": "Leaflet drop", "organisation": "Nobody",
                                                    "due": "2026-05-01"})  # fmt: skip
    assert unknown.status_code == 422 and "no organisation called &#39;Nobody&#39;" in unknown.text
    r = c.post(f"/plans/{ref}/actions", data={"csrf_token": token, "priority": "1.1", "description": "Leaflet drop on the estates",
                                              "organisation": "Bolsover District Council", "due": "2026-05-01"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{ref}#actions"
    actions = [a["description"] for th in c.get(f"/api/plans/{ref}").json()["themes"] for p in th["priorities"] for a in p["actions"]]
    assert "Leaflet drop on the estates" in actions
    survey = next(p for th in c.get(f"/api/plans/{ref}").json()["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "entered")
    computed = next(p for th in c.get(f"/api/plans/{ref}").json()["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "computed")
    refused = c.post(f"/plans/{ref}/values", data={"csrf_token": token, "indicator": str(computed["indicator"]["id"]), "period": "2025-06", "value": "3"})
    assert refused.status_code == 422 and "computed from the events" in refused.text
    r = c.post(f"/plans/{ref}/values", data={"csrf_token": token, "indicator": str(survey["indicator"]["id"]), "period": "2026-Q1", "value": "24.5"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    again = next(p for th in c.get(f"/api/plans/{ref}").json()["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "entered")
    assert {v["period_start"]: v["value"] for v in again["indicator"]["values"]}["2026-01-01"] == 24.5


def test_a_partner_practitioner_reads_a_plan_but_cannot_change_it_and_nobody_unsigned_sees_it(planned):
    url, ref = planned
    c = client(url, "fire.officer")
    page = c.get(f"/plans/{ref}")
    assert page.status_code == 200 and 'id="action-form"' not in page.text and 'id="value-form"' not in page.text
    r = c.post(f"/plans/{ref}/actions", data={"csrf_token": csrf(page.text), "priority": "1.1", "description": "A fire action",
                                              "organisation": "Derbyshire Fire and Rescue Service", "due": "2026-05-01"})  # fmt: skip
    assert r.status_code == 403 and "Reducing crime" not in r.text
    anon = client(url)
    for path in ("/plans", f"/plans/{ref}"):
        got = anon.get(path, follow_redirects=False)
        assert got.status_code == 303 and got.headers["location"].startswith("/sign-in")
    assert anon.get(f"/api/plans/{ref}").status_code == 401
    assert client(url, "analyst").get("/plans/PLN-1999-0001").status_code == 404


def test_the_plan_downloads_as_pdf_workbook_and_html(planned):
    url, ref = planned
    c = client(url, "analyst")
    pdf = c.get(f"/plans/{ref}.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert c.get(f"/plans/{ref}.xlsx").content[:2] == b"PK"
    html = c.get(f"/plans/{ref}.html").text
    assert "Measuring our success" in html and "Working with communities to challenge anti-social behaviour" in html


def test_a_lead_walks_the_plans(planned, page):
    from tests import browser as served

    url, ref = planned
    with served.serve(url) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/plans")
        assert page.locator("#plans tbody tr").count() == 1
        walk(page, "plans-list")
        page.click(f"a:has-text('{demo_plan.TITLE}')")
        assert page.locator("#progress tbody tr").count() == 5
        assert page.locator("img[src^='data:image/svg+xml']").count() >= 5
        walk(page, "plans")
        assert not page.errors, page.errors
