"""The Community page (/community): the community side's parts, each one click away, for every
signed-in partner; signed out, sign in first; in a browser, walked from the navigation to each
part and back, as a housing officer would."""

from __future__ import annotations

from tests import browser as served
from tests.web import browser_sign_in, client, walk

PARTS = ("/assets", "/watch", "/messages", "/surveys", "/moderation")


def test_the_page_links_every_part(demo_url):
    r = client(demo_url, "housing.officer").get("/community")
    assert r.status_code == 200
    for href in PARTS:
        assert f'href="{href}"' in r.text
    assert "/report-a-concern" in r.text  # the public form the moderation queue is fed from


def test_signed_out_is_sent_to_sign_in(demo_url):
    r = client(demo_url).get("/community", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_a_partner_walks_from_the_navigation_to_the_parts(demo_url, page):
    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "housing.officer", next_page="/today")
        page.click("nav a:has-text('Community')")
        page.wait_for_selector("#community")
        walk(page, "community")
        for title, heading in (("Services in the area", "Services"), ("Neighbourhood Watch", "Neighbourhood Watch"), ("Surveys", "Surveys")):
            page.click(f"#community a:has-text('{title}')")
            assert heading in page.locator("h1").inner_text()
            page.go_back()
        assert not page.errors, page.errors
