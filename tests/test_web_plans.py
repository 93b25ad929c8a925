"""Partnership plans in the browser: the list, a plan as its Calderdale-shaped document with
each indicator's progress, rating and chart, the forms to add an action and enter a value for
the plan's leads; the JSON twins are the CLI's JSON; a partner practitioner cannot change a
plan; a page without sign-in goes to sign-in. On the demo with the demo plan
(``sara.casework.demo_plan``), its computed indicators checked against the police.uk rows."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from sqlalchemy import select

from sara.access.users import get_actor
from sara.casework import demo_plan
from sara.services import Context
from sara.services import plans as service
from sara.store.engine import connect
from sara.store.schema import plans as sp
from sara.store.schema import problems as spr
from tests.cli import ok_json, sara
from tests.conftest import shared
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk


@pytest.fixture(scope="module")
def planned(demo_url, tmp_path_factory) -> tuple[str, str]:
    """A copy of the demo, which lays the demo plan: (url, plan reference)."""
    url = copy_of(demo_url, tmp_path_factory.mktemp("plans"))
    engine = connect(url)
    assert demo_plan.load(engine) is None  # the demo laid it; twice does nothing
    with engine.connect() as conn:
        ref = conn.execute(select(sp.Plan.reference).where(sp.Plan.title == demo_plan.TITLE)).scalar_one()
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
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{ref}?done=action#actions"
    assert "The action is added." in c.get(r.headers["location"]).text
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
    with served.serve(url, timeout=120) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/plans")
        assert page.locator("#plans tbody tr").count() >= 1
        walk(page, "plans-list")
        page.click("#new-plan")
        page.fill("#plan-title", "Bolsover Safer Streets Plan 2026-2028")
        page.fill("#plan-start", "2026-04-01")
        page.fill("#plan-end", "2026-01-01")
        page.fill("#plan-description", "Drawn from the 2025 strategic assessment.")
        page.click("#make-plan")
        assert page.locator("#plan-end-error").is_visible() and page.input_value("#plan-title") == "Bolsover Safer Streets Plan 2026-2028"
        walk(page, "plans-new")
        page.fill("#plan-start", "2025-04-01")
        page.fill("#plan-end", "2028-03-31")
        page.click("#make-plan")
        assert page.locator("h1").inner_text() == "Bolsover Safer Streets Plan 2026-2028" and "The plan is made" in page.locator("#done").inner_text()
        page.fill("#theme-title", "Working with communities to challenge anti-social behaviour")
        page.click("#add-theme")
        page.select_option("#priority-theme", "1")
        page.fill("#priority-title", "Tackle incidents of anti-social behaviour")
        page.click("#add-priority")
        page.click("#add-indicator")
        page.select_option("#indicator-theme", "1")
        page.fill("#indicator-name", "Anti-social behaviour incidents, Bolsover")
        page.check("input[name=categories][value='Anti-social behaviour']")
        page.fill("#indicator-area", "Bolsover")
        page.fill("#indicator-baseline_period", "2025-01:2025-03")
        page.fill("#indicator-target_value", "70")
        page.fill("#indicator-target_date", "2026-03-31")
        walk(page, "plans-indicator")
        page.click("button#add-indicator")
        assert page.locator("#progress tbody tr").count() == 1
        page.select_option("#action-priority", "1.1")
        page.fill("#action-description", "Fortnightly ASB panel")
        page.select_option("#action-organisation", "Bolsover District Council")
        page.fill("#action-due", "2026-01-31")
        page.click("#add-action")
        page.select_option("#update-action", index=1)
        page.select_option("#update-status", "in_progress")
        page.click("#save-update")
        assert "in progress" in page.locator("#update-action").inner_text()
        walk(page, "plans-new-made")
        page.goto(f"{base}/plans/{ref}")
        assert page.locator("#progress tbody tr").count() == 6  # the demo plan's five and its survey indicator (sara.casework.demo_surveys)
        assert page.locator("img[src^='data:image/svg+xml']").count() >= 5
        walk(page, "plans")
        page.click("#review-link")
        walk(page, "plans-review")
        assert not page.errors, page.errors


# ---------------------------------------------------------------- every job of `sara plan`, in the browser


def problem_refs(url: str) -> list[str]:
    engine = connect(url)
    with engine.connect() as conn:
        refs = list(conn.execute(select(spr.Problem.reference).order_by(spr.Problem.id)).scalars())
    engine.dispose()
    return refs


def give_bolsover_a_population(url: str, n: int = 80_562) -> int:
    """The demo loads no populations: give Bolsover district one (about its 2021 census count) for a rate per 1,000."""
    from sqlalchemy import update

    from sara.store.schema import Area

    engine = connect(url)
    with engine.begin() as conn:
        conn.execute(update(Area).where(Area.code == demo_plan.DISTRICT["code"], Area.kind == "district").values(population=n))
    engine.dispose()
    return n


def plan_json(c, ref: str) -> dict:
    return c.get(f"/api/plans/{ref}").json()


def post_form(c, path: str, data: dict, token: str):
    return c.post(path, data={"csrf_token": token} | data, follow_redirects=False)


COMPUTED = {"theme": "1", "name": "Anti-social behaviour, Bolsover", "code": "ASB1", "kind": "computed", "categories": ["Anti-social behaviour"],
            "area": "Bolsover", "measure": "count", "granularity": "month", "direction": "reduce", "baseline_period": "2025-01:2025-03",
            "target_value": "70", "target_date": "2026-03-31", "tolerance": "10"}  # fmt: skip
RATE = COMPUTED | {"name": "Anti-social behaviour per 1,000 residents, Bolsover", "code": "ASB2", "measure": "rate_per_1000", "granularity": "quarter",
                   "baseline_period": "2025-Q1", "target_value": "2.5"}  # fmt: skip
ENTERED = {"theme": "1", "name": "Residents feeling safe after dark (%)", "kind": "entered", "source": "Residents' survey (synthetic)", "granularity": "quarter",
           "direction": "increase", "baseline_period": "2025-Q1", "baseline_value": "55", "target_value": "65", "target_date": "2026-12-31", "tolerance": "10"}  # fmt: skip


def test_a_lead_makes_a_whole_plan_through_the_forms(planned):
    url, _ = planned
    c = client(url, "insp.bolsover")
    listing = c.get("/plans")
    assert 'id="new-plan"' in listing.text
    token = csrf(c.get("/plans/new").text)
    bad = post_form(c, "/plans/new", {"title": "Bolsover plan 2026", "start": "2026-04-01", "end": "2026-03-31", "description": "From the assessment"}, token)
    assert bad.status_code == 422 and 'id="plan-end-error"' in bad.text and 'href="#plan-end"' in bad.text
    assert 'value="Bolsover plan 2026"' in bad.text and "From the assessment</textarea>" in bad.text and "give an end date after the start" in bad.text
    made = post_form(c, "/plans/new", {"title": "Bolsover plan 2026", "start": "2025-04-01", "end": "2027-03-31"}, token)
    assert made.status_code == 303
    ref = made.headers["location"].removeprefix("/plans/").removesuffix("?done=plan")
    page = c.get(f"/plans/{ref}")
    assert page.status_code == 200 and 'id="theme-form"' in page.text and "No indicators yet" in page.text
    assert post_form(c, f"/plans/{ref}/themes", {"title": "Anti-social behaviour", "why": "The main concern in surveys"}, token).status_code == 303
    assert post_form(c, f"/plans/{ref}/priorities", {"theme": "1", "title": "Tackle incidents of anti-social behaviour"}, token).status_code == 303
    assert c.get(f"/plans/{ref}/indicators/new").status_code == 200
    population = give_bolsover_a_population(url)
    for form in (COMPUTED, RATE, ENTERED):
        r = post_form(c, f"/plans/{ref}/indicators", form, token)
        assert r.status_code == 303, r.text
    problem = problem_refs(url)[0]
    r = post_form(c, f"/plans/{ref}/actions", {"priority": "1.1", "description": "Panel every fortnight", "organisation": "Bolsover District Council",
                                              "due": "2026-01-31", "status": "open", "problems": problem}, token)  # fmt: skip
    assert r.status_code == 303
    plan = plan_json(c, ref)
    action = plan["themes"][0]["priorities"][0]["actions"][0]
    assert action["problems"] == [problem] and action["status"] == "open"
    r = post_form(c, f"/plans/{ref}/actions/update", {"action": str(action["id"]), "status": "in_progress", "due": "2026-02-28", "problems": ""}, token)
    assert r.status_code == 303
    entered = next(p for p in plan["themes"][0]["indicators"] if p["indicator"]["kind"] == "entered")
    assert post_form(c, f"/plans/{ref}/values", {"indicator": str(entered["indicator"]["id"]), "period": "2025-Q2", "value": "57.5"}, token).status_code == 303

    plan = plan_json(c, ref)
    assert plan["title"] == "Bolsover plan 2026" and plan["organisation"] == "Derbyshire Constabulary"
    assert [(th["title"], th["why"]) for th in plan["themes"]] == [("Anti-social behaviour", "The main concern in surveys")]
    action = plan["themes"][0]["priorities"][0]["actions"][0]
    assert (action["status"], action["due"], action["problems"]) == ("in_progress", "2026-02-28", [problem])
    count, rate, survey = plan["themes"][0]["indicators"]
    rows = bolsover_by_month("Anti-social behaviour")
    first_quarter = rows["2025-01"] + rows["2025-02"] + rows["2025-03"]
    assert count["indicator"]["area"]["name"] == "Bolsover" and count["indicator"]["baseline"]["value"] == pytest.approx(first_quarter / 3, abs=1e-3)
    assert {r["period"]: r["value"] for r in count["series"]}["2025-04"] == rows["2025-04"]
    assert rate["indicator"]["baseline"]["value"] == pytest.approx(first_quarter * 1000 / population, abs=1e-3)
    assert rate["series"][0]["value"] == pytest.approx((rows["2025-04"] + rows["2025-05"] + rows["2025-06"]) * 1000 / population, abs=1e-3)
    assert survey["indicator"]["source"] == "Residents' survey (synthetic)" and survey["indicator"]["tolerance"] == pytest.approx(0.1)
    assert [(v["period_start"], v["value"]) for v in survey["indicator"]["values"]] == [("2025-04-01", 57.5)]


def test_bad_values_come_back_on_their_field_with_everything_typed_kept(planned):
    url, ref = planned
    c = client(url, "insp.bolsover")
    token = csrf(c.get(f"/plans/{ref}/indicators/new").text)
    early = post_form(c, f"/plans/{ref}/indicators", COMPUTED | {"target_date": "2024-12-31", "categories": ["Anti-social behaviour", "Drugs"]}, token)
    assert early.status_code == 422 and 'id="indicator-target_date-error"' in early.text and 'href="#indicator-target_date"' in early.text
    assert "give a target date after the baseline period" in early.text
    assert 'value="Anti-social behaviour, Bolsover"' in early.text and 'value="2025-01:2025-03"' in early.text and 'value="2024-12-31"' in early.text
    assert early.text.count("checked") >= 4  # both categories, count, computed, month, reduce: ticked as they were
    assert 'value="Drugs" checked' in early.text
    nowhere = post_form(c, f"/plans/{ref}/indicators", COMPUTED | {"area": "Atlantis"}, token)
    assert nowhere.status_code == 422 and 'id="indicator-area-error"' in nowhere.text and 'value="Atlantis"' in nowhere.text
    assert "give the code or name of a loaded LSOA, ward or district" in nowhere.text
    no_source = post_form(c, f"/plans/{ref}/indicators", ENTERED | {"source": ""}, token)
    assert no_source.status_code == 422 and 'id="indicator-source-error"' in no_source.text and 'value="55"' in no_source.text
    loose = post_form(c, f"/plans/{ref}/indicators", COMPUTED | {"tolerance": "250"}, token)
    assert loose.status_code == 422 and 'id="indicator-tolerance-error"' in loose.text
    computed = next(p for th in plan_json(c, ref)["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "computed")
    value = post_form(c, f"/plans/{ref}/values", {"indicator": str(computed["indicator"]["id"]), "period": "2025-06", "value": "3", "source": "a count"}, token)
    assert value.status_code == 422 and 'id="value-value-error"' in value.text and "computed from the events" in value.text
    assert 'value="2025-06"' in value.text and 'value="a count"' in value.text
    action = plan_json(c, ref)["themes"][0]["priorities"][0]["actions"][0]
    nothing = post_form(c, f"/plans/{ref}/actions/update", {"action": str(action["id"]), "status": "", "due": "", "problems": ""}, token)
    assert nothing.status_code == 422 and 'id="update-status-error"' in nothing.text
    unknown = post_form(c, f"/plans/{ref}/actions/update", {"action": str(action["id"]), "problems": "PRB-1999-0001"}, token)
    assert unknown.status_code == 422 and 'id="update-problems-error"' in unknown.text and 'value="PRB-1999-0001"' in unknown.text
    twice = post_form(c, f"/plans/{ref}/themes", {"title": demo_plan.THEMES[0][0]}, token)
    assert twice.status_code == 422 and 'id="theme-title-error"' in twice.text
    assert c.get(f"/plans/{ref}/review?year=last").status_code == 422


def strip(data, ids=("id", "plan", "reference", "created_at", "updated_at", "entered_at", "done_at")):
    """``data`` without what differs between two plans built alike: ids, references, times."""
    if isinstance(data, dict):
        return {k: strip(v, ids) for k, v in data.items() if k not in ids and not (k == "indicator" and isinstance(v, int))}
    if isinstance(data, list):
        return [strip(v, ids) for v in data]
    return data


def test_each_json_twin_answers_what_the_command_answers(planned):
    """The same plan made twice, through the JSON twins and through `sara plan ... --json`: each step's answers are the same."""
    url, _ = planned
    api = client(url, "insp.bolsover")
    api.headers["X-CSRF-Token"] = csrf(api.get("/plans").text)
    env = {"SARA_PASSWORD": DEMO_PASSWORD}

    def cli(*args):
        return ok_json("plan", *args, "--as", "insp.bolsover", "--db", url, env=env)

    a = api.post("/api/plans", json={"title": "Twin plan", "start": "2025-04-01", "end": "2027-03-31", "description": "made twice"})
    assert a.status_code == 201
    b = cli("create", "--title", "Twin plan", "--from", "2025-04-01", "--to", "2027-03-31", "--description", "made twice")
    ra, rb = a.json()["reference"], b["reference"]
    assert strip(a.json()) == strip(b)
    assert api.post(f"/api/plans/{ra}/themes", json={"title": "Drugs", "why": "Dealing"}).json() == cli("theme", "add", rb, "--title", "Drugs", "--why", "Dealing") | {"plan": ra}
    assert api.post(f"/api/plans/{ra}/priorities", json={"theme": "1", "title": "Close drug houses"}).json() == (
        cli("priority", "add", rb, "--theme", "1", "--title", "Close drug houses") | {"plan": ra})
    problem = problem_refs(url)[0]
    got = api.post(f"/api/plans/{ra}/actions", json={"priority": "1.1", "description": "Closure orders", "organisation": "Bolsover District Council",
                                                   "due": "2026-06-30", "problems": [problem]}).json()  # fmt: skip
    want = cli("action", "add", rb, "--priority", "1.1", "--description", "Closure orders", "--organisation", "Bolsover District Council", "--due", "2026-06-30",
               "--problem", problem)  # fmt: skip
    assert strip(got) == strip(want)
    assert strip(api.post(f"/api/plans/actions/{got['id']}", json={"status": "done", "due": "2026-05-31"}).json()) == strip(
        cli("action", "update", str(want["id"]), "--status", "done", "--due", "2026-05-31"))
    body = {"theme": "1", "name": "Drug offences, Bolsover", "categories": ["Drugs"], "area": "Bolsover", "baseline_period": "2025-01:2025-03",
            "target_value": 10, "target_date": "2026-03-31"}  # fmt: skip
    got = api.post(f"/api/plans/{ra}/indicators", json=body)
    assert got.status_code == 201
    want = cli("indicator", "add", rb, "--theme", "1", "--name", "Drug offences, Bolsover", "--category", "Drugs", "--area", "Bolsover",
               "--baseline", "2025-01:2025-03", "--target", "10", "--by", "2026-03-31")  # fmt: skip
    assert strip(got.json()) == strip(want) and got.json()["indicator"]["baseline"]["value"] > 0
    survey = {"theme": "1", "name": "Feeling safe (%)", "kind": "entered", "source": "survey", "granularity": "quarter", "baseline_period": "2025-Q1",
              "baseline_value": 50, "target_value": 60, "target_date": "2026-12-31", "direction": "increase"}  # fmt: skip
    ia = api.post(f"/api/plans/{ra}/indicators", json=survey).json()["indicator"]["id"]
    ib = cli("indicator", "add", rb, "--theme", "1", "--name", "Feeling safe (%)", "--kind", "entered", "--source", "survey", "--per", "quarter",
             "--baseline", "2025-Q1", "--baseline-value", "50", "--target", "60", "--by", "2026-12-31", "--direction", "increase")["indicator"]["id"]  # fmt: skip
    got = api.post(f"/api/plans/indicators/{ia}/values", json={"period": "2025-Q2", "value": 52.5})
    assert got.status_code == 201 and strip(got.json()) == strip(cli("indicator", "value", str(ib), "--period", "2025-Q2", "--value", "52.5"))
    assert strip(api.get(f"/api/plans/{ra}").json()) == strip(cli("show", rb))
    review = api.get(f"/api/plans/{ra}/review?year=2025").json()
    assert strip(review, ("plan", "made_at")) == strip(cli("review", rb, "--year", "2025"), ("plan", "made_at"))
    refused = api.post(f"/api/plans/{ra}/indicators", json=body | {"target_date": "2024-12-31"})
    assert refused.status_code == 422 and refused.json()["field"] == "target_date"
    assert api.post(f"/api/plans/{ra}/indicators", json=body | {"area": "Atlantis"}).json()["field"] == "area"
    computed = api.get(f"/api/plans/{ra}").json()["themes"][0]["indicators"][0]["indicator"]["id"]
    assert api.post(f"/api/plans/indicators/{computed}/values", json={"period": "2025-06", "value": 3}).json()["field"] == "value"


def test_a_partner_practitioner_sees_no_plan_forms_and_every_plan_post_is_refused(planned):
    url, ref = planned
    c = client(url, "fire.officer")
    page = c.get(f"/plans/{ref}")
    token = csrf(page.text)
    for form in ("theme-form", "priority-form", "action-form", "value-form", "new-indicator-link"):
        assert f'id="{form}"' not in page.text
    assert 'id="new-plan"' not in c.get("/plans").text
    # the one form a partner sees: updating its own organisation's actions (the rule of sara plan action update)
    plan = plan_json(c, ref)
    actions = [a for th in plan["themes"] for p in th["priorities"] for a in p["actions"]]
    own = [a for a in actions if a["organisation"] == "Derbyshire Fire and Rescue Service"]
    other = next(a for a in actions if a["organisation"] != "Derbyshire Fire and Rescue Service")
    options = re.findall(r'<option value="(\d+)"', page.text)
    assert sorted(options) == sorted(str(a["id"]) for a in own)
    assert c.get("/plans/new").status_code == 403 and c.get(f"/plans/{ref}/indicators/new").status_code == 403
    entered = next(p for th in plan["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "entered")["indicator"]["id"]
    forms = {"/plans/new": {"title": "A fire plan", "start": "2025-04-01", "end": "2026-03-31"}, f"/plans/{ref}/themes": {"title": "Fires"},
             f"/plans/{ref}/priorities": {"theme": "1", "title": "Fires"},
             f"/plans/{ref}/actions": {"priority": "1.1", "description": "A fire action", "organisation": "Derbyshire Fire and Rescue Service", "due": "2026-05-01"},
             f"/plans/{ref}/actions/update": {"action": str(other["id"]), "status": "done"}, f"/plans/{ref}/indicators": COMPUTED,
             f"/plans/{ref}/values": {"indicator": str(entered), "period": "2026-Q1", "value": "1"}}  # fmt: skip
    for path, data in forms.items():
        r = post_form(c, path, data, token)
        assert r.status_code == 403, path
        assert "Reducing crime" not in r.text and "Derbyshire Constabulary" not in r.text
    c.headers["X-CSRF-Token"] = token
    apis = {"/api/plans": {"title": "A fire plan", "start": "2025-04-01", "end": "2026-03-31"}, f"/api/plans/{ref}/themes": {"title": "Fires"},
            f"/api/plans/{ref}/priorities": {"theme": "1", "title": "Fires"},
            f"/api/plans/{ref}/actions": {"priority": "1.1", "description": "x", "organisation": "Derbyshire Fire and Rescue Service", "due": "2026-05-01"},
            f"/api/plans/actions/{other['id']}": {"status": "done"},
            f"/api/plans/{ref}/indicators": {"theme": "1", "name": "x", "baseline_period": "2025-Q1", "target_value": 1, "target_date": "2026-03-31"},
            f"/api/plans/indicators/{entered}/values": {"period": "2026-Q1", "value": 1}}  # fmt: skip
    for path, body in apis.items():
        r = c.post(path, json=body)
        assert r.status_code == 403 and set(r.json()) == {"error"}, path
    assert plan_json(c, ref) == plan  # nothing changed
    public = client(url, "public").get(f"/plans/{ref}").text
    assert 'id="update-form"' not in public and 'action="/plans/' not in public  # a reader who writes no actions: no form at all


def test_the_annual_review_page_and_its_twin(planned):
    url, ref = planned
    c = client(url, "analyst")
    page = c.get(f"/plans/{ref}/review?year=2025")
    assert page.status_code == 200 and "What changed since the baseline" in page.text and f"/plans/{ref}/review.pdf?year=2025" in page.text
    default = c.get(f"/plans/{ref}/review")
    assert default.status_code == 200 and 'value="2025"' in default.text  # the year of the last events loaded
    got = c.get(f"/api/plans/{ref}/review?year=2025").json()
    want = ok_json("plan", "review", ref, "--year", "2025", "--as", "analyst", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    assert strip(got, ("made_at",)) == strip(want, ("made_at",))
    assert c.get(f"/plans/{ref}/review.pdf?year=2025").content[:5] == b"%PDF-"
    bad = c.get(f"/plans/{ref}/review?year=twenty")
    assert bad.status_code == 422 and 'id="year-error"' in bad.text and 'value="twenty"' in bad.text
    assert c.get(f"/api/plans/{ref}/review?year=1066").status_code == 422


def shown(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".")


def test_what_people_see_is_rounded_to_what_the_measure_needs_and_the_json_keeps_it_all(planned):
    url, ref = planned
    c = client(url, "analyst")
    plan = plan_json(c, ref)
    page = c.get(f"/plans/{ref}").text
    out = sara("plan", "progress", ref, "--as", "analyst", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD}).stdout
    raw = 0
    for p in (p for th in plan["themes"] for p in th["indicators"]):
        d = 1 if p["indicator"]["measure"] == "count" else 2
        expected = p["latest"]["expected"]
        raw += round(expected, 2) != expected
        cell = re.search(rf'id="indicator-{p["indicator"]["id"]}".*?data-column="expected">([^<]*)<', page, re.S).group(1)
        assert cell == shown(expected, d)
        assert f"expected {shown(expected, d)}" in out
        for r in p["series"]:
            assert re.search(rf"{r['period']}\s*│\s*{re.escape(shown(r['value'], d) if r['value'] is not None else '')}\s*│\s*{re.escape(shown(r['expected'], d))}\s*│", out)
    assert raw  # the JSON keeps the line's value unrounded
    assert not re.search(r"\d\.\d{3,}", out)
