"""Powers and cases in the browser: the interventions at the reader's scope with their
deadlines and breaches, a case with the notice a council would serve and the forms to take
its next step or record a breach (the guards' messages beside their fields), the premises
register as a traffic-light map and table, repeat victims and the ASB Case Review tracker;
each page's JSON twin is the service's own output, and each form's JSON twin does what the
form and ``sara power`` do."""

from __future__ import annotations

import datetime as dt

import pytest

from sara.access import users
from sara.access.users import get_actor
from sara.casework import case_review, people
from sara.casework import interventions as iv
from sara.casework.clock import LONDON
from sara.casework.powers import upcoming_and_missed
from sara.services import Context
from sara.services import powers as services_powers
from sara.store.engine import connect
from tests.cli import ok_json
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, walk


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


# -- the forms' JSON twins, and `sara power issue` -------------------------------------------------

CPW = {"power": "cpw", "subject_ref": "S-0100", "subject_dob": "1990-01-01", "by_rank": "constable", "at": "2026-03-02T10:00", "due": "2026-03-16T10:00"}


def _api(url: str, username: str):
    """A client signed in through the form that sends its session's CSRF token as the header, as sara.js does."""
    c = client(url, username)
    c.headers["X-CSRF-Token"] = csrf(c.get("/powers").text)
    return c


def _kept(case: dict) -> dict:
    """A case without the moment its breaches were typed in."""
    return case | {"breaches": [{k: v for k, v in b.items() if k != "recorded_at"} for b in case["breaches"]]}


def test_json_issue_step_and_breach_are_what_sara_power_does(url, demo_url, tmp_path):
    """One CPW, then its CPN and a fixed penalty for breaching it: by JSON on one copy of the
    demo, by ``sara power ... --json`` on another; the same case comes of both."""
    (tmp_path / "cli").mkdir()
    cli_url = copy_of(demo_url, tmp_path / "cli")
    as_pc = ("--db", cli_url, "--as", "pc.dexter")
    env = {"SARA_PASSWORD": DEMO_PASSWORD}
    api = _api(url, "pc.dexter")
    issued = api.post("/api/powers", json=CPW | {"problem_ref": "PRB-2025-0001"})
    assert issued.status_code == 201 and issued.json()["status"] == "warning_issued"
    by_cli = ok_json("power", "issue", "--power", "cpw", "--subject", "S-0100", "--dob", "1990-01-01", "--rank", "constable", "--at", "2026-03-02T10:00",
                     "--due", "2026-03-16T10:00", "--problem", "PRB-2025-0001", *as_pc, env=env)  # fmt: skip
    assert issued.json() == by_cli
    ref = by_cli["reference"]
    assert issued.json() == iv.load(connect(url), ref).record(dt.datetime(2026, 3, 2, 10, tzinfo=LONDON))  # as stored
    stepped = api.post(f"/api/powers/{ref}/steps", json={"step": "cpn", "at": "2026-03-20T10:00", "by_rank": "constable",
                                                         "facts": ["appropriate_bodies_informed"]})  # fmt: skip
    assert stepped.status_code == 201 and stepped.json()["status"] == "notice_issued"
    assert stepped.json() == ok_json("power", "step", ref, "--step", "cpn", "--at", "2026-03-20T10:00", "--rank", "constable", "--fact",
                                     "appropriate_bodies_informed", *as_pc, env=env)  # fmt: skip
    breached = api.post(f"/api/powers/{ref}/breaches", json={"response": "fpn", "at": "2026-03-25T21:00", "by_rank": "constable", "amount_gbp": 100,
                                                             "outcome": "paid"})  # fmt: skip
    assert breached.status_code == 201 and breached.json()["status"] == "fpn_issued" and breached.json()["breaches"][0]["outcome"] == "paid"
    assert _kept(breached.json()) == _kept(ok_json("power", "breach", ref, "--response", "fpn", "--at", "2026-03-25T21:00", "--rank", "constable",
                                                   "--amount", "100", "--outcome", "paid", *as_pc, env=env))  # fmt: skip
    assert ref in {r.get("reference") for r in api.get("/api/powers").json()["interventions"]}


def test_a_json_write_the_law_refuses_names_its_field(url):
    api = _api(url, "pc.dexter")
    warned = case_of(url, "community_protection", status="warning_issued")
    now = dt.datetime.now(LONDON).strftime("%Y-%m-%dT%H:%M")
    for path, body, field in (
        ("/api/powers", CPW | {"subject_dob": "2012-01-01"}, "subject_dob"),  # under 16 on the day
        ("/api/powers", CPW | {"power": "curfew"}, "power"),
        ("/api/powers", CPW | {"subject_ref": " "}, "subject_ref"),
        ("/api/powers", CPW | {"problem_ref": "PRB-1999-0001"}, "problem_ref"),
        ("/api/powers", CPW | {"at": "0001-01-01T00:00+05:00"}, "at"),  # the body's own checks
        ("/api/powers", CPW | {"amount_gbp": -5}, "amount_gbp"),
        (f"/api/powers/{warned}/steps", {"step": "issue_notice", "at": now, "by_rank": "constable"}, "facts"),  # the form's example: the same message
        (f"/api/powers/{warned}/steps", {"step": "issue_notice", "at": now, "by_rank": "constable", "facts": ["appropriate_bodies_informed"]}, "at"),
        (f"/api/powers/{warned}/steps", {"step": "make_order", "at": now}, "step"),
        (f"/api/powers/{warned}/breaches", {"response": "nonsense"}, "response"),
        (f"/api/powers/{warned}/breaches", {"response": "prosecution", "at": "yesterday"}, "at"),
    ):
        r = api.post(path, json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (path, body, r.json())
    assert iv.load(connect(url), warned).case.state == "warning_issued"


def test_another_organisation_writes_no_case_by_json(url):
    ref = case_of(url, "cbo")
    council = _api(url, "asb.officer")
    assert council.post(f"/api/powers/{ref}/breaches", json={"response": "prosecution", "at": "2026-01-05T21:00"}).status_code == 403
    assert council.post(f"/api/powers/{ref}/steps", json={"step": "discharge", "at": "2026-01-05T21:00"}).status_code == 403
    # one who may write no intervention learns nothing of which references exist
    public = _api(url, "public")
    there, missing = (public.post(f"/api/powers/{r}/steps", json={"step": "discharge"}) for r in (ref, "INT-2025-9999"))
    assert there.status_code == missing.status_code == 403 and there.json() == missing.json()
    assert public.post("/api/powers", json=CPW).status_code == 403
    assert iv.load(connect(url), ref).breaches == ()


def test_json_writes_with_a_session_need_the_csrf_header_and_with_a_token_do_not(url):
    ref = case_of(url, "cbo")
    engine = connect(url)
    count = len(iv.load_all(engine))
    c = client(url, "pc.dexter")
    for r in (c.post("/api/powers", json=CPW), c.post(f"/api/powers/{ref}/breaches", json={"response": "prosecution", "at": "2026-01-05T21:00"}),
              c.post(f"/api/powers/{ref}/steps", json={"step": "discharge"}, headers={"X-CSRF-Token": "forged"})):  # fmt: skip
        assert r.status_code == 403 and "did not come from SARA" in r.json()["error"]
    assert iv.load(engine, ref).breaches == () and len(iv.load_all(engine)) == count
    bearer = client(url)
    bearer.headers["Authorization"] = f"Bearer {users.create_token(engine, get_actor(engine, 'pc.dexter'), 'tests')['token']}"
    assert bearer.post("/api/powers", json=CPW).status_code == 201 and len(iv.load_all(engine)) == count + 1
    done = bearer.post(f"/api/powers/{ref}/breaches", json={"response": "prosecution", "at": "2026-01-05T21:00", "outcome": "charged"})
    assert done.status_code == 201 and [b["outcome"] for b in iv.load(engine, ref).breaches] == ["charged"]


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
