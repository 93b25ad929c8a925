"""Surveys in the browser: an officer takes responses at the door on a 390 px phone (the form
keeps the ward and wave for the next door, refuses an answer or contact it may not keep and
says why beside the field), the results page draws each question's share with its 95%
interval beside the table and says the method, a CSV is loaded from the page with every row
accounted for; each page's JSON twin is the command's ``--json``; a public viewer is refused
and another organisation's contacts are never shown."""

from __future__ import annotations

import pytest

from sara.casework import demo_surveys
from sara.store.engine import connect
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, screenshot, walk

ENV = {"SARA_PASSWORD": DEMO_PASSWORD}


@pytest.fixture
def demo(demo_url, tmp_path):
    url = copy_of(demo_url, tmp_path)
    demo_surveys.load(connect(url))  # laid by the demo already; here if it was not
    return url


def test_the_pages_and_their_json_twins_are_the_commands(demo):
    c = client(demo, "analyst")
    listed = c.get("/api/surveys").json()
    assert listed == ok_json("survey", "list", "--as", "analyst", "--db", demo, env=ENV)
    [q] = [x for x in listed["questionnaires"] if x["key"] == "perception"]
    assert q["example"] and q["responses"] > 400 and q["versions"][0]["fixed"]
    page = c.get("/surveys")
    assert page.status_code == 200 and "Residents&#39; perception survey (example)" in page.text and "example" in page.text
    for args in ((), ("by", "ward", "per", "wave")):
        query = "&".join(f"{args[i]}={args[i + 1]}" for i in range(0, len(args), 2))
        api = c.get(f"/api/surveys/perception?{query}").json()
        assert api == ok_json(
            "survey", "results", "perception", *(f"--{a}" if i % 2 == 0 else a for i, a in enumerate(args)), "--as", "analyst", "--db", demo, env=ENV
        )
    html = c.get("/surveys/perception?by=ward&per=wave")
    assert html.status_code == 200 and "Wilson score interval" in html.text and "few answers" in html.text and "<svg" in html.text
    assert "Bolsover North West" in html.text and "spring 2025 (synthetic)" in html.text
    assert c.get("/api/surveys/perception/questionnaire").json() == ok_json("survey", "show", "perception", "--as", "analyst", "--db", demo, env=ENV)
    assert c.get("/surveys/nothing-here").status_code == 404 and c.get("/api/surveys/nothing-here").status_code == 404
    assert c.get("/api/surveys/perception?by=street").status_code == 422


def test_a_response_is_posted_to_the_api_and_an_answer_off_its_scale_is_refused(demo):
    c = client(demo, "asb.officer")
    token = csrf(c.get("/surveys/perception/respond").text)
    before = c.get("/api/surveys/perception?by=all&per=all").json()["responses"]
    ok = c.post("/api/surveys/perception/responses", json={"answers": {"safe_after_dark": "Fairly safe", "area_satisfaction": 7}, "area": "Bolsover West"},
                headers={"X-CSRF-Token": token})  # fmt: skip
    assert ok.status_code == 201 and ok.json()["ward"] == "E05003307" and ok.json()["answers"] == {"safe_after_dark": 2, "area_satisfaction": 7}
    off = c.post("/api/surveys/perception/responses", json={"answers": {"area_satisfaction": 11}, "area": "Bolsover West"}, headers={"X-CSRF-Token": token})
    assert off.status_code == 422 and "a whole number from 1 to 10" in off.text
    assert c.get("/api/surveys/perception?by=all&per=all").json()["responses"] == before + 1


def test_an_officer_takes_responses_on_a_phone(demo, chromium_browser):
    from tests import browser as served

    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    problems = []
    phone.on("pageerror", lambda e: problems.append(str(e)))
    try:
        with served.serve(demo) as base:
            browser_sign_in(phone, base, "pc.dexter", next_page="/surveys/perception/respond")
            assert phone.url.endswith("/surveys/perception/respond")
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the form scrolls sideways on a phone"
            walk(phone, "surveys-respond-phone")
            phone.select_option("#area", label="Bolsover South")
            phone.fill("#wave", "after the clear phase (synthetic)")
            phone.check("#answer_safe_after_dark-2")  # Fairly safe
            phone.select_option("#answer_area_satisfaction", "8")  # 8 of 10
            phone.fill("#name", "Someone (synthetic)")  # a name without consent is refused
            phone.click("#record")
            assert phone.locator(".govuk-error-summary").is_visible()
            assert "kept only when the respondent agrees" in phone.locator("#consent-error").inner_text()
            assert phone.locator("#answer_safe_after_dark-2").is_checked()  # what was typed is kept
            screenshot(phone, "surveys-respond-refused-phone")
            phone.check("#consent")
            phone.fill("#contact", "07700 900123 (synthetic)")
            phone.click("#record")
            assert "recorded" in phone.locator("#done").inner_text()
            assert phone.input_value("#wave") == "after the clear phase (synthetic)"  # kept for the next door
            assert phone.locator("#area option:checked").inner_text() == "Bolsover South"
            walk(phone, "surveys-respond-done-phone")
            assert not problems, problems
    finally:
        context.close()
    mine = ok_json("survey", "contacts", "perception", "--as", "pc.dexter", "--db", demo, env=ENV)["contacts"]
    assert mine[0]["name"] == "Someone (synthetic)" and mine[0]["contact"] == "07700 900123 (synthetic)"


def test_the_results_page_with_its_chart_and_a_csv_loaded_from_it(demo, page, tmp_path):
    from tests import browser as served

    with served.serve(demo) as base:
        browser_sign_in(page, base, "analyst", next_page="/surveys")
        walk(page, "surveys")
        page.click("a[href='/surveys/perception']")
        assert "Wilson score interval" in page.locator("#method").inner_text()
        walk(page, "surveys-results")
        page.select_option("#by", "ward")
        page.select_option("#per", "wave")
        page.click("#show")
        assert page.locator("#table-safe_after_dark tbody tr").count() >= 20 and page.locator("svg.sara-survey-chart").count() == 6
        walk(page, "surveys-results-wards")
        upload = tmp_path / "doors.csv"
        upload.write_text("id,date,area,safe_after_dark,asb_problem\nW-1,2025-11-03,E05003305,1,2\nW-2,2025-11-03,E05003305,9,2\nW-3,2099-01-01,E05003305,1,\n")
        page.set_input_files("#file", str(upload))
        page.click("#load")
        report = page.locator("#import-report").inner_text()
        assert "3 rows read, 1 loaded, 2 rejected" in report and "Line 3" in report and "Line 4" in report and "in the future" in report
        screenshot(page, "surveys-import")
        assert not page.errors, page.errors


def test_a_public_viewer_is_refused_and_contacts_stay_with_their_organisation(demo):
    public = client(demo, "public")
    for path in ("/surveys", "/api/surveys", "/surveys/perception", "/api/surveys/perception", "/surveys/perception/respond"):
        assert public.get(path).status_code == 403, path
    housing = client(demo, "housing.officer")  # another organisation: none of the police's or the council's respondents
    assert housing.get("/api/surveys/perception/contacts").json()["contacts"] == []
    page = housing.get("/surveys/perception/contacts")
    assert page.status_code == 200 and "Resident " not in page.text
    admin = client(demo, "demo.admin")  # an administrator reads no personal data
    assert admin.get("/api/surveys/perception/contacts").status_code == 403
    council = client(demo, "asb.officer").get("/api/surveys/perception/contacts").json()["contacts"]
    assert council and all("(synthetic)" in x["name"] for x in council)


def test_a_lead_adds_a_survey_indicator_to_the_plan_from_its_form(demo):
    c = client(demo, "insp.bolsover")
    plans = c.get("/api/plans").json()["plans"]
    ref = next(p["reference"] for p in plans if "(synthetic)" in p["title"])
    shown = c.get(f"/api/plans/{ref}").json()
    [laid] = [p for th in shown["themes"] for p in th["indicators"] if p["indicator"]["kind"] == "survey"]  # the demo's: feel safe after dark
    assert laid["unit"] == "per cent a quarter" and laid["series"] and laid["indicator"]["area"]["code"] == "E07000033"
    form = c.get(f"/plans/{ref}/indicators/new")
    assert form.status_code == 200 and 'value="perception/asb_problem"' in form.text
    token = csrf(form.text)
    typed = {"csrf_token": token, "theme": "1", "name": "Residents who call ASB a problem, Bolsover North West", "kind": "survey", "area": "Bolsover North West",
             "granularity": "quarter", "direction": "reduce", "baseline_period": "2025-Q2", "target_value": "35", "target_date": "2026-03-31", "tolerance": "10"}  # fmt: skip
    missing = c.post(f"/plans/{ref}/indicators", data=typed)
    assert missing.status_code == 422 and 'href="#indicator-question"' in missing.text
    made = c.post(f"/plans/{ref}/indicators", data=typed | {"question": "perception/asb_problem"}, follow_redirects=False)
    assert made.status_code == 303
    after = c.get(f"/api/plans/{ref}").json()
    [new] = [p for th in after["themes"] for p in th["indicators"] if p["indicator"]["name"].startswith("Residents who call ASB")]
    results = c.get("/api/surveys/perception?by=ward&per=quarter").json()
    [asb] = [q for q in results["questions"] if q["key"] == "asb_problem"]
    spring = next(r for r in asb["rows"] if r["area_name"] == "Bolsover North West" and r["period"] == "2025-Q2")
    assert new["indicator"]["baseline"]["value"] == pytest.approx(round(spring["value"], 2))
    assert c.get(f"/plans/{ref}").status_code == 200
