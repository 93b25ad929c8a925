"""Powers and cases in the browser: the interventions at the reader's scope with their
deadlines and breaches, a case with the notice a council would serve and the forms to take
its next step or record a breach (the guards' messages beside their fields), the premises
register as a traffic-light map and table, repeat victims and the ASB Case Review tracker;
each page's JSON twin is the service's own output."""

from __future__ import annotations

import datetime as dt

import pytest

from sara.access.users import get_actor
from sara.casework import case_review, people
from sara.casework import interventions as iv
from sara.casework.clock import LONDON
from sara.casework.powers import upcoming_and_missed
from sara.services import Context
from sara.services import powers as services_powers
from sara.store.engine import connect
from tests.web import browser_sign_in, client, copy_of, csrf, walk


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def ctx(url: str, username: str) -> Context:
    engine = connect(url)
    return Context(engine, get_actor(engine, username))


def case_of(url: str, power: str, owner: str = "pc.dexter", status: str | None = None) -> str:
    """The reference of a demo case (references carry the year the demo was laid)."""
    found = [s for s in iv.load_all(connect(url)) if s.case.power == power and s.owner == owner and (status is None or s.case.state == status)]
    return found[-1].reference


def test_the_powers_json_is_the_services_own_output(demo_url):
    for user in ("asb.officer", "pc.dexter", "fire.officer"):
        got = client(demo_url, user).get("/api/powers").json()
        assert got == services_powers.cases(ctx(demo_url, user))
    council = client(demo_url, "asb.officer").get("/api/powers").json()
    by_scope = {r["scope"] for r in council["interventions"]}
    assert by_scope == {"full", "summary"}  # its own cases in full, the police's at the agreement's summary scope
    pspo = next(r for r in council["interventions"] if r.get("power") == "pspo")
    assert pspo["subject"] == {"kind": "area", "reference": "Bolsover town centre"} and "Memorial Gardens" in pspo["problem"]["place"]
    abc = next(r for r in council["interventions"] if r.get("power") == "abc")
    assert abc["subject"]["scope"] == "summary" and abc["subject"]["name"].startswith("Youth")  # a police record, seen as the agreement allows
    police = [r for r in council["interventions"] if r["scope"] == "summary"]
    assert all("subject_ref" not in r and "subject" not in r for r in police)


def test_the_deadlines_json_lists_what_the_deadline_rules_give(demo_url):
    c = ctx(demo_url, "pc.dexter")
    got = client(demo_url, "pc.dexter").get("/api/powers/deadlines").json()
    at = dt.datetime.fromisoformat(got["at"])
    assert got["within_days"] == 14 and got["deadlines"] == iv.deadlines(c.engine, c.actor, at, within=dt.timedelta(days=14))
    expected = []
    for s in iv.load_all(c.engine):
        expected += [(s.reference, d.name, d.due.isoformat()) for _, d in upcoming_and_missed([s.case], at, rules=s.rules)]
    assert sorted((r["reference"], r["deadline"], r["due"]) for r in got["deadlines"]) == sorted(expected)
    closure = case_of(demo_url, "closure")
    assert {"closure notice ends", "closure order application must be heard"} <= {r["label"] for r in got["deadlines"] if r["reference"] == closure}
    page = client(demo_url, "pc.dexter").get("/powers")
    assert page.status_code == 200 and closure in page.text and "closure order application must be heard" in page.text.lower()
    assert client(demo_url, "pc.dexter").get("/api/powers/deadlines?within=9999").status_code == 422


def test_a_closure_case_shows_the_notice_to_serve(demo_url):
    ref = case_of(demo_url, "closure")
    r = client(demo_url, "pc.dexter").get(f"/powers/{ref}")
    assert r.status_code == 200 and ref in r.text and "Dexter" not in r.text.split("<title>")[1].split("</title>")[0]
    data = client(demo_url, "pc.dexter").get(f"/api/powers/{ref}").json()
    assert data == services_powers.case(ctx(demo_url, "pc.dexter"), ref)
    text = data["notice"]["text"]
    assert data["notice"]["title"] == "Closure notice"
    assert "Flat 3, 12 Castle Street" in text  # the premises, at the reader's scope
    assert "Drug dealing and intimidation of the tenant" in text  # the conduct, from the problem the case serves
    assert "No one may enter or remain in the premises" in text  # what is required
    assert "Time to comply" in text and "closure notice" in text.lower()
    assert "To the Crown Court within 21 days" in text and "no appeal against a notice" in text  # appeal rights as the rules give them
    assert "ss.76-93" in text  # the statute reference of the rules table
    assert "No one may enter or remain in the premises" in r.text and "Your right of appeal" in r.text


def test_a_community_protection_notice_says_what_to_do_and_how_to_appeal(demo_url):
    ref = case_of(demo_url, "community_protection", status="fpn_issued")
    n = services_powers.case(ctx(demo_url, "pc.dexter"), ref)["notice"]
    sections = {s["heading"]: s["text"] for s in n["sections"]}
    assert n["title"] == "Community Protection Notice"
    assert sections["To"].startswith("Youth B")
    assert "criminal damage, arson and intimidation" in sections["The conduct"].lower()
    assert "stop the conduct" in sections["What you must do"]
    assert sections["Your right of appeal"].startswith("To a magistrates' court within 21 days") and "(s.46)" in sections["Your right of appeal"]
    assert "fixed penalty notice (s.52)" in sections["If you do not comply"]


def test_a_step_the_law_refuses_comes_back_with_the_message_beside_its_field(url):
    c = client(url, "pc.dexter")
    ref = case_of(url, "community_protection", status="warning_issued")
    token = csrf(c.get(f"/powers/{ref}").text)
    now = dt.datetime.now(LONDON).strftime("%Y-%m-%dT%H:%M")
    r = c.post(f"/powers/{ref}/steps", data={"csrf_token": token, "step": "issue_notice", "at": now, "by_rank": "constable"})
    assert r.status_code == 422
    assert 'id="facts-error"' in r.text and "informing the bodies or individuals thought appropriate" in r.text  # beside the checkboxes it names
    assert 'value="issue_notice" selected' in r.text and 'value="constable" selected' in r.text  # nothing typed is lost
    r = c.post(f"/powers/{ref}/steps", data={"csrf_token": token, "step": "issue_notice", "at": now, "by_rank": "constable",
                                             "facts": "appropriate_bodies_informed"})  # fmt: skip
    assert r.status_code == 422 and 'id="at-error"' in r.text and "to have passed first" in r.text  # the time given in the warning
    r = c.post(f"/powers/{ref}/steps", data={"csrf_token": token, "step": "record_compliance", "at": now}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/powers/{ref}#steps"
    assert iv.load(connect(url), ref).case.state == "complied"


def test_a_breach_is_recorded_from_the_case_page(url):
    c = client(url, "pc.dexter")
    ref = case_of(url, "cbo")
    token = csrf(c.get(f"/powers/{ref}").text)
    r = c.post(f"/powers/{ref}/breaches", data={"csrf_token": token, "response": "nonsense", "at": "2026-01-05T21:00"})
    assert r.status_code == 422 and 'id="breach-response-error"' in r.text
    r = c.post(f"/powers/{ref}/breaches", data={"csrf_token": token, "response": "prosecution", "at": "yesterday"})
    assert r.status_code == 422 and 'id="breach-at-error"' in r.text
    r = c.post(f"/powers/{ref}/breaches", data={"csrf_token": token, "response": "prosecution", "at": "2026-01-05T21:00", "outcome": "charged"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert [b["outcome"] for b in iv.load(connect(url), ref).breaches] == ["charged"]
    assert "charged" in c.get(f"/powers/{ref}").text


def test_a_post_without_its_csrf_token_is_refused(url):
    c = client(url, "pc.dexter")
    ref = case_of(url, "cbo")
    assert c.post(f"/powers/{ref}/breaches", data={"response": "prosecution", "at": "2026-01-05T21:00"}).status_code == 403
    assert c.post(f"/powers/{ref}/steps", data={"csrf_token": "forged", "step": "discharge", "at": "2026-01-05T21:00"}).status_code == 403
    assert iv.load(connect(url), ref).breaches == ()


def test_another_organisation_writes_nothing_and_sees_no_forms(url):
    ref = case_of(url, "cbo")
    c = client(url, "asb.officer")
    page = c.get(f"/powers/{ref}")
    assert page.status_code == 200 and "Record a breach" not in page.text and "summary" in page.text
    r = c.post(f"/powers/{ref}/breaches", data={"csrf_token": csrf(page.text), "response": "prosecution", "at": "2026-01-05T21:00"})
    assert r.status_code == 403


def test_a_partner_without_an_agreement_sees_pseudonyms_and_a_refused_reader_learns_nothing(demo_url):
    ref = case_of(demo_url, "closure")
    fire = client(demo_url, "fire.officer")
    data = fire.get(f"/api/powers/{ref}").json()
    assert data["scope"] == "pseudonymised" and set(data["case"]) == {"pseudonym", "record_type", "scope", "working_with"}
    assert "Castle Street" not in fire.get(f"/powers/{ref}").text
    public = client(demo_url, "public")
    there, missing = public.get(f"/api/powers/{ref}"), public.get("/api/powers/INT-2025-9999")
    assert there.status_code == missing.status_code == 403 and there.json() == missing.json()
    assert public.get(f"/powers/{ref}").text == public.get("/powers/INT-2025-9999").text


def test_the_premises_register_map_respects_the_readers_scope(demo_url):
    police = client(demo_url, "pc.dexter").get("/api/powers/premises").json()
    assert police == services_powers.register_map(ctx(demo_url, "pc.dexter"))
    assert [f["properties"]["band"] for f in police["map"]["points"]["features"]][0] == "red"
    assert {f["properties"]["kind"] for f in police["map"]["areas"]["features"]} and all(f["properties"]["name"] for f in police["map"]["areas"]["features"])
    council = client(demo_url, "asb.officer").get("/api/powers/premises").json()
    assert council["map"]["points"]["features"] == []  # positions are not in the summary scope
    [ward] = council["map"]["wards"]["features"]
    assert ward["properties"]["ward"] == "Bolsover West" and ward["properties"]["band"] == "red"
    page = client(demo_url, "asb.officer").get("/powers/premises").text
    assert "sara-rag--red" in page and "Flat 3, 12 Castle Street" in page and 'data-src="/api/powers/premises"' in page


def test_repeat_victims_and_case_reviews_are_the_services_output(demo_url):
    c = ctx(demo_url, "pc.dexter")
    got = client(demo_url, "pc.dexter").get("/api/powers/repeat-victims").json()
    assert got == people.repeat_victims(c.engine, c.actor, purpose="repeat victims", window_days=365, today=c.now.date())
    assert client(demo_url, "pc.dexter").get("/api/powers/repeat-victims?threshold=0").status_code == 422
    reviews = client(demo_url, "asb.officer").get("/api/powers/case-reviews?start=2025-04-01&end=2026-03-31").json()
    council = ctx(demo_url, "asb.officer")
    assert reviews["figures"] == case_review.figures(council.engine, council.actor, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert reviews["figures"]["applications_received"] == 2 and reviews["figures"]["reviews_with_recommendations"] == 1
    assert [r["state"] for r in reviews["reviews"]] == ["threshold_not_met", "review_held"]
    page = client(demo_url, "asb.officer").get("/powers/case-reviews?start=2025-04-01&end=2026-03-31").text
    assert "Reviews with recommendations" in page and "Threshold not met" in page


def test_asb_officer_walks_powers_a_case_and_the_premises_map(demo_url, page):
    from tests import browser as served

    pspo = case_of(demo_url, "pspo", owner="asb.officer")
    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "asb.officer", next_page="/powers")
        assert page.url.endswith("/powers")
        walk(page, "powers")
        page.click(f"a:has-text('{pspo}')")
        assert page.locator("#notice-text").inner_text().count("Public Spaces Protection Order") >= 1
        assert "High Court within 6 weeks" in page.locator("#notice-text").inner_text()
        walk(page, "powers-case-notice")
        page.goto(f"{base}/powers/premises")
        page.wait_for_selector("#premises-map .leaflet-interactive")
        assert page.locator("#register tbody tr").count() == 3
        walk(page, "powers-premises-map")
        page.click("a:has-text('ASB Case Reviews')")
        walk(page, "powers-case-reviews")
        page.click("a:has-text('Repeat victims')")
        walk(page, "powers-repeat-victims")
        assert not page.errors, page.errors


def test_pc_dexter_sees_the_premises_at_their_addresses(demo_url, page):
    from tests import browser as served

    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page="/powers/premises")
        page.wait_for_selector("#premises-map path.leaflet-interactive")
        assert page.locator("#premises-map path.leaflet-interactive").count() == 3  # one dot per premises
        assert "3 premises are mapped at their address" in page.locator("#map-note").inner_text()
        walk(page, "powers-premises-map-police")
        assert not page.errors, page.errors
