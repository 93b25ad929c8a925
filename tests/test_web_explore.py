"""Explore (/explore): the map of the loaded areas with the hot spots over them, the views of
the scanning jobs beside it, their downloads and JSON twins, each the same figures as the
service gives for the same filters; bad filters come back marked; the page in a browser."""

from __future__ import annotations

import csv
import io
import re

import pytest

from sara.access import users
from sara.services import Context, explore
from sara.services import scan as services_scan
from sara.services.scan import Filters
from sara.store.engine import connect
from tests.browser import serve
from tests.web import browser_sign_in, client, walk


@pytest.fixture(scope="module")
def analyst(demo_url):
    return client(demo_url, "analyst")


@pytest.fixture(scope="module")
def ctx(demo_url) -> Context:
    engine = connect(demo_url)
    return Context(engine, users.get_actor(engine, "analyst"))


def rows_of(html: str, table_id: str) -> list[dict[str, str]]:
    """The rows of a table on the page, each cell by its column's name in the service's table."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    body = table.split("<tbody", 1)[1]
    return [{c: re.sub(r"<[^>]+>", "", v).strip() for c, v in re.findall(r'<td[^>]*data-column="([^"]+)"[^>]*>(.*?)</td>', row, re.S)}
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]  # fmt: skip


def whole(text: str) -> int:
    return int(text.replace(",", ""))


def test_an_area_is_chosen_by_its_name_and_the_map_counts_its_events(analyst, ctx):
    page = analyst.get("/explore", params={"area": "Bolsover", "category": "Anti-social behaviour"})
    assert page.status_code == 200
    service = explore.map_layer(ctx, filters=Filters(("Anti-social behaviour",), "district:E07000033"))
    assert f"{service.result.params['events_selected']:,} events in Bolsover" in page.text
    assert 'data-areas-url="/api/explore/areas?kind=ward&amp;area=district%3AE07000033"' in page.text
    assert 'list="area-names"' in page.text and '<option value="Bolsover 004A">' in page.text  # names to choose from, never codes alone


def test_the_trend_table_and_its_twins_are_the_services_figures(analyst, ctx):
    query = {"category": "Burglary", "trend_months": "6"}
    service = services_scan.trends(ctx, filters=Filters(("Burglary",)), months=6)
    expected = {r["category"]: r for r in service.result.table.to_dicts()}
    shown = rows_of(analyst.get("/explore/trends", params=query).text, "trends-table")
    assert {r["category"]: whole(r["current"]) for r in shown} == {k: r["current"] for k, r in expected.items()}
    twin = analyst.get("/api/explore/trends", params=query).json()
    assert twin["rows"] == explore.plain(service.to_dict())["rows"]
    table = list(csv.DictReader(io.StringIO(analyst.get("/api/explore/trends.csv", params=query).text)))
    assert len(table) == len(shown) == service.result.table.height
    assert [int(r["current"]) for r in table] == service.result.table["current"].to_list()


def test_the_monthly_chart_and_table_add_up_to_the_events(analyst, ctx):
    html = analyst.get("/explore/monthly", params={"category": "Burglary"}).text
    service = services_scan.trends(ctx, filters=Filters(("Burglary",)), monthly=True)
    months = rows_of(html, "monthly-table")
    assert [whole(r["events"]) for r in months] == service.result.table["events"].to_list()
    assert html.count('<rect class="bar"') == len(months)


def test_repeat_locations_are_named_by_the_police_uk_location_text(analyst, ctx):
    html = analyst.get("/explore/repeats", params={"area": "Derby"}).text
    service = services_scan.repeats(ctx, filters=Filters(area="district:E06000015"))
    top = service.result.table.row(0, named=True)
    first = rows_of(html, "repeats-table")[0]
    assert (first["rank"], first["place"], whole(first["events"])) == ("1", top["place"], top["events"]) and top["place"].startswith("On or near")
    assert first["ward"] == top["ward"] == "Arboretum"  # and its ward


def test_the_hotspot_geojson_has_the_services_cells(analyst, ctx):
    r = analyst.get("/api/explore/hotspots.geojson", params={"area": "Bolsover"})
    assert r.headers["content-type"].startswith("application/geo+json")
    data = r.json()
    service = explore.map_layer(ctx, filters=Filters(area="district:E07000033"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == service.result.table.height
    hot = [f for f in data["features"] if f["properties"]["class"].startswith("hot")]
    assert len(hot) == service.result.table.filter(service.result.table["class"].cast(str).str.starts_with("hot")).height > 0
    assert hot[0]["geometry"]["type"] == "Polygon" and -2 < hot[0]["geometry"]["coordinates"][0][0][0] < -1  # lon/lat, Derbyshire
    busy = analyst.get("/api/explore/hotspots.geojson", params={"area": "Bolsover", "cells": "busy"}).json()
    assert len(busy["features"]) == int(explore.busy(service).sum()) < len(data["features"])


def test_the_harm_ranking_downloads_as_geojson_csv_and_png(analyst):
    query = {"harm_by": "ward", "area": "Chesterfield"}
    twin = analyst.get("/api/explore/harm", params=query).json()
    geo = analyst.get("/api/explore/harm.geojson", params=query).json()
    table = list(csv.DictReader(io.StringIO(analyst.get("/api/explore/harm.csv", params=query).text)))
    assert [f["properties"]["name"] for f in geo["features"]] == [r["name"] for r in twin["rows"]] == [r["name"] for r in table]
    png = analyst.get("/api/explore/harm.png", params=query)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_base_layer_is_the_chosen_kinds_areas_by_name(analyst):
    wards = analyst.get("/api/explore/areas", params={"kind": "ward", "area": "district:E07000033"}).json()
    chosen = [f for f in wards["features"] if f["properties"].get("chosen")]
    assert [f["properties"]["name"] for f in chosen] == ["Bolsover"]
    assert 5 < len(wards["features"]) - 1 < 30 and all(f["properties"]["name"] for f in wards["features"])


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"category": "Dragons"}, "category", "no events of category"),
        ({"kind": "ward", "area": "Atlantis"}, "area", "no loaded area is called"),
        ({"from": "2025-09", "to": "2025-02"}, "to", "starts (2025-09) after it ends"),
        ({"from": "2025-13"}, "from", "is not a month"),
        ({"cell_size": "5"}, "cell_size", "more than the map can draw"),
        ({"cell_size": "lots"}, "cell_size", "is not a number"),
    ],
)
def test_bad_input_comes_back_marked_with_what_was_typed(analyst, query, field, words):
    page = analyst.get("/explore", params=query)
    assert page.status_code == 422 and words in page.text
    assert f'id="{field}-error"' in page.text and f'href="#{field}"' in page.text  # the field marked, the summary links to it
    for value in query.values():
        assert f'value="{value}"' in page.text or f'value="{value}" selected' in page.text or value == "Dragons"
    api = analyst.get("/api/explore/hotspots", params=query)
    assert api.status_code == 422 and api.json()["field"] == field


def test_a_refused_view_setting_is_marked_in_its_tab(analyst):
    r = analyst.get("/explore/repeats", params={"repeat_threshold": "1"}, headers={"HX-Request": "true"})
    assert r.status_code == 422 and 'id="repeat_threshold-error"' in r.text and "at least 2 events" in r.text
    assert "<html" not in r.text  # a fragment for its tab
    assert analyst.get("/api/explore/repeats", params={"repeat_threshold": "1"}).json()["field"] == "repeat_threshold"
    near = analyst.get("/explore/near-repeats").text  # police.uk has months only: said, not a server error
    assert "no times, only months" in near


def test_explore_needs_a_sign_in(demo_url):
    c = client(demo_url)
    assert c.get("/explore", follow_redirects=False).headers["location"] == "/sign-in?next=/explore"
    assert c.get("/api/explore/trends").status_code == 401


def test_the_page_in_a_browser_draws_the_areas_and_the_hot_cells(demo_url, page):
    with serve(demo_url) as base:
        browser_sign_in(page, base, "analyst", next_page="/explore")
        page.goto(f"{base}/explore?area=Bolsover")  # its wards drawn
        page.wait_for_selector("#explore-map[data-cells-drawn]", timeout=60_000)
        assert page.locator("#explore-map path.leaflet-interactive").count() > 10  # the wards and the cells drawn by Leaflet
        page.locator(".sara-map-label").nth(2).wait_for(state="attached", timeout=10_000)  # at least 3 wards named where their names fit,
        # once the map has zoomed to them (the kept cells can come back before the zoom's animation ends)
        page.locator("#explore-map").hover()
        page.locator("#views").scroll_into_view_if_needed()
        page.wait_for_selector("#trends-table", timeout=60_000)  # a tab loads when it comes into view
        page.click("a.govuk-tabs__tab[href='#repeats']")
        # A tab's view loads when it is seen (hx-trigger "intersect"): on a loaded machine the map may still move the page after the click.
        page.locator("#repeats").scroll_into_view_if_needed()
        page.wait_for_selector("#repeats-table", timeout=60_000)
        page.wait_for_load_state("networkidle")
        walk(page, "explore")
        assert not page.errors, page.errors


def test_the_page_is_usable_on_a_phone(demo_url, chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    errors = []
    phone.on("pageerror", lambda e: errors.append(str(e)))
    try:
        with serve(demo_url) as base:
            browser_sign_in(phone, base, "pc.dexter", next_page="/explore")
            phone.goto(f"{base}/explore?area=Bolsover")
            phone.wait_for_selector("#explore-map[data-cells-drawn]", timeout=60_000)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the page scrolls sideways: {width}px"
            box = phone.locator("#explore-map").bounding_box()
            assert box["width"] > 300 and box["height"] >= 300
            walk(phone, "explore-phone")
            assert not errors, errors
    finally:
        context.close()
