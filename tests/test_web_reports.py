"""The reports pages: the index of the reports SARA writes, and the performance scrutiny pack
as a form and the pack under it, its PDF, workbook and HTML downloads with the same
parameters, and its JSON twin, which is ``sara report scrutiny --json``; refusals (signed
out, a month that is not one) on the page, marked on their field."""

from __future__ import annotations

import io

import pytest

from sara.report.pack import Pack
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, walk

PERIOD = "from=2025-07&to=2025-12"
CASEWORK = ("problems_by_area", "powers", "case_reviews", "patrols", "arrest_outcomes", "repeat_victims", "system_use")


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def test_the_reports_page_links_every_report(demo_url):
    r = client(demo_url, "analyst").get("/reports")
    assert r.status_code == 200
    for href in ("/reports/scrutiny", "/reports/chb", "/plans", "/public"):
        assert f'href="{href}"' in r.text


@pytest.mark.parametrize("username", ["insp.bolsover", "analyst"])
def test_the_scrutiny_page_shows_the_pack_and_its_twin_is_the_command(url, username):
    c = client(url, username)
    api = c.get(f"/api/reports/scrutiny?{PERIOD}&area=Bolsover")
    assert api.status_code == 200
    got = api.json()
    assert set(CASEWORK) <= set(got["tables"])
    assert got == ok_json("report", "scrutiny", "--from", "2025-07", "--to", "2025-12", "--area", "Bolsover", "--db", url, "--as", username,
                          env={"SARA_PASSWORD": DEMO_PASSWORD})  # fmt: skip
    page = c.get(f"/reports/scrutiny?{PERIOD}&area=Bolsover")
    assert page.status_code == 200
    for name in CASEWORK:
        assert got["tables"][name]["title"].replace("'", "&#39;") in page.text, name
    assert "Oxcroft Lane and Memorial Gardens" not in page.text  # Op Dexter patrolled in April: not in July to December
    assert 'href="/reports/scrutiny.pdf?from=2025-07&amp;to=2025-12&amp;area=Bolsover"' in page.text


def test_the_downloads_are_a_pdf_a_workbook_and_a_document(demo_url):
    import openpyxl

    c = client(demo_url, "insp.bolsover")
    pdf = c.get(f"/reports/scrutiny.pdf?{PERIOD}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-disposition"].startswith("attachment;")
    xlsx = c.get(f"/reports/scrutiny.xlsx?{PERIOD}")
    assert xlsx.status_code == 200 and xlsx.headers["content-disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) >= len(CASEWORK)
    html = c.get(f"/reports/scrutiny.html?{PERIOD}")
    assert html.status_code == 200 and html.headers["content-disposition"].startswith("attachment;") and "<html" in html.text.lower()
    assert "Hotspot patrols" in html.text


def test_signed_out_the_page_sends_to_sign_in_and_the_api_refuses(demo_url):
    c = client(demo_url)
    r = c.get(f"/reports/scrutiny?{PERIOD}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
    assert c.get("/reports", follow_redirects=False).status_code == 303
    assert c.get(f"/api/reports/scrutiny?{PERIOD}").status_code == 401
    assert c.get(f"/reports/scrutiny.pdf?{PERIOD}", follow_redirects=False).status_code == 303


def test_a_bad_month_comes_back_on_the_form_marked_on_its_field(demo_url):
    c = client(demo_url, "analyst")
    r = c.get("/reports/scrutiny?from=2025-13&to=2025-12")
    assert r.status_code == 422
    assert 'id="from-error"' in r.text and 'href="#from"' in r.text and 'value="2025-13"' in r.text
    assert c.get("/reports/scrutiny.pdf?from=2025-13").status_code == 422
    api = c.get("/api/reports/scrutiny?from=2025-13")
    assert api.status_code == 422 and api.json()["field"] == "from"
    nowhere = c.get(f"/reports/scrutiny?{PERIOD}&area=Atlantis")
    assert nowhere.status_code == 422 and 'id="area-error"' in nowhere.text


def test_a_lead_walks_the_reports_and_the_scrutiny_pack(demo_url, page):
    from tests import browser as served

    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/reports")
        walk(page, "reports")
        page.click("a:has-text('Performance scrutiny pack')")
        page.fill("#from", "2025-01")
        page.fill("#to", "2025-12")
        page.fill("#area", "Bolsover")
        page.click("#make")
        page.wait_for_selector("text=Hotspot patrols")
        assert "area=Bolsover" in page.url
        walk(page, "reports-scrutiny")
        assert not page.errors


def test_the_pack_json_is_a_pack(demo_url):
    got = client(demo_url, "analyst").get(f"/api/reports/scrutiny?{PERIOD}").json()
    assert set(got) >= set(Pack("", "", ()).to_json())
