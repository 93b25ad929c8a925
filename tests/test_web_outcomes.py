"""Explore's Outcomes tab (/explore/outcomes): the detection rates and outcome mix as
``sara outcomes`` gives them (its JSON twin is the CLI's JSON), the CSV and the picture, an
operation's arrests by outcome code beside the rates, bad filters marked; the tab in a browser."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser import serve
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, walk

OPERATION = "Op Dexter (synthetic replay)"


@pytest.fixture(scope="module")
def analyst(demo_url):
    return client(demo_url, "analyst")


def test_the_json_twin_is_the_cli_json(demo_url, analyst):
    for web, cli in (
        ("", ()),
        ("?outcome_by=ward&area=Bolsover&from=2025-04&to=2025-06", ("--by", "ward", "--area", "Bolsover", "--from", "2025-04", "--to", "2025-06")),
        ("?outcome_by=year&category=Shoplifting", ("--by", "year", "--category", "Shoplifting")),
        (f"?area=Bolsover&operation={OPERATION}", ("--area", "Bolsover", "--operation", OPERATION)),
    ):
        r = analyst.get("/api/explore/outcomes" + web)
        assert r.status_code == 200, r.text
        assert r.json() == ok_json("outcomes", *cli, "--as", "analyst", "--db", demo_url, env={"SARA_PASSWORD": DEMO_PASSWORD}), web


def test_the_tab_shows_the_rates_the_definition_and_the_arrests_beside(demo_url, analyst):
    data = analyst.get("/api/explore/outcomes?area=Bolsover").json()
    page = analyst.get(f"/explore/outcomes?area=Bolsover&operation={OPERATION}")
    assert page.status_code == 200
    html = page.text
    assert 'id="outcomes-table"' in html and 'id="outcomes-arrests"' in html and 'id="outcomes-definition"' in html
    t = data["total"]
    assert f"{t['detected']:,} of {t['crimes']:,} crimes were detected" in html
    top = data["rows"][0]
    assert f"{100 * top['detection_rate']:.1f}%" in html and top["key"] in html
    assert "01 - Charged" in html and "Supermarket car park" in html
    assert 'id="outcomes-mix"' in html and "Local resolution" in html and "Community resolution" in html
    assert "divided by all the crimes counted" in html
    assert "Outcomes" in analyst.get("/explore?area=Bolsover").text  # the tab among the others


def test_the_downloads(analyst):
    data = analyst.get("/api/explore/outcomes?outcome_by=area").json()
    text = analyst.get("/api/explore/outcomes.csv?outcome_by=area").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["area"], int(r["crimes"]), int(r["detected"])) for r in rows[:-1]] == [(r["key"], r["crimes"], r["detected"]) for r in data["rows"]]
    assert rows[-1]["area"] == "Total" and int(rows[-1]["crimes"]) == data["total"]["crimes"] == 86_634
    png = analyst.get("/api/explore/outcomes.png?outcome_by=area")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_filters_come_back_marked(analyst):
    r = analyst.get("/explore/outcomes?outcome_by=colour")
    assert r.status_code == 422 and "unknown grouping" in r.text
    assert analyst.get("/api/explore/outcomes?from=2025-13").status_code == 422
    assert analyst.get("/api/explore/outcomes?category=Anti-social+behaviour").status_code == 422
    assert analyst.get("/api/explore/outcomes?operation=Op+Nowhere").status_code == 404


def test_signed_out_is_sent_to_sign_in(demo_url):
    r = client(demo_url).get("/api/explore/outcomes")
    assert r.status_code in (401, 303)


def test_the_tab_in_a_browser(demo_url, page):
    with serve(demo_url) as base:
        browser_sign_in(page, base, "analyst", next_page="/explore")
        page.goto(f"{base}/explore/outcomes?area=Bolsover&operation={OPERATION}")
        page.wait_for_selector("#outcomes-table")
        page.wait_for_load_state("networkidle")
        walk(page, "explore-outcomes")
        assert not page.errors, page.errors
        page.goto(f"{base}/explore?area=Bolsover")
        page.locator("#views").scroll_into_view_if_needed()
        page.click("a.govuk-tabs__tab[href='#outcomes']")
        # A tab's view loads when it is seen (hx-trigger "intersect"): on a loaded machine the map may still move the page after the click.
        page.locator("#outcomes").scroll_into_view_if_needed()
        page.wait_for_selector("#outcomes-table", timeout=60_000)
        assert page.locator("#outcomes-summary").inner_text().startswith("787 of 5,765 crimes were detected")
        assert not page.errors, page.errors
