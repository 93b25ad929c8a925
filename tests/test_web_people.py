"""People and premises in the browser: a record at the reader's scope with who else is working
with them, every read audited with its purpose, the purpose asked once per session per record;
a partner without an agreement sees a pseudonym; a refused reader learns nothing of whether a
record exists; a search by name is a POST, so no name reaches a URL."""

from __future__ import annotations

import pytest

from sara.access import audit, users
from sara.access.users import get_actor
from sara.casework import people, premises
from sara.store.engine import connect
from tests.web import browser_sign_in, client, copy_of, csrf, walk

MARGARET = "PER-2025-0001"  # the demo's first person: a repeat victim recorded by the police
FLAT = "PRM-2025-0001"


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def reads(url: str, ref: str, **where) -> int:
    return audit.count(connect(url), action="read", subject_id=ref, **where)


def give_purpose(c, path: str, purpose: str):
    form = c.get(path)
    assert form.status_code == 200 and 'name="purpose"' in form.text and f'action="{path}/purpose"' in form.text
    return c.post(f"{path}/purpose", data={"purpose": purpose, "csrf_token": csrf(form.text)}, follow_redirects=False)


def test_a_person_read_is_audited_with_its_purpose_asked_once_per_session(url):
    c = client(url, "pc.dexter")
    before = reads(url, MARGARET)
    r = give_purpose(c, f"/people/{MARGARET}", "tasking meeting 3 March")
    assert r.status_code == 303 and r.headers["location"] == f"/people/{MARGARET}"
    assert reads(url, MARGARET) == before  # asking is not reading
    page = c.get(f"/people/{MARGARET}")
    assert page.status_code == 200 and "Margaret Hill (synthetic)" in page.text and 'name="purpose"' not in page.text
    assert "Margaret" not in page.text.split("<title>")[1].split("</title>")[0]  # never a name in a title
    assert reads(url, MARGARET, purpose="tasking meeting 3 March") == 1 and reads(url, MARGARET) == before + 1
    again = c.get(f"/people/{MARGARET}")
    assert 'name="purpose"' not in again.text and reads(url, MARGARET, purpose="tasking meeting 3 March") == 2  # not asked again; each read audited
    assert c.get(f"/api/people/{MARGARET}").json()["name"] == "Margaret Hill (synthetic)"  # the session's purpose serves its JSON twin too
    assert 'name="purpose"' in client(url, "pc.dexter").get(f"/people/{MARGARET}").text  # a new session is asked again
    assert 'name="purpose"' in c.get(f"/premises/{FLAT}").text  # and so is each record


def test_a_purpose_must_be_given_and_its_form_carries_csrf(url):
    c = client(url, "pc.dexter")
    form = c.get(f"/people/{MARGARET}").text
    assert c.post(f"/people/{MARGARET}/purpose", data={"purpose": "casework"}).status_code == 403
    r = c.post(f"/people/{MARGARET}/purpose", data={"purpose": "  ", "csrf_token": csrf(form)})
    assert r.status_code == 422 and 'id="purpose-error"' in r.text and "say why you are reading this record" in r.text


def test_the_api_takes_a_purpose_and_equals_the_service(url):
    engine = connect(url)
    made = users.create_token(engine, get_actor(engine, "asb.officer"), "script")
    c = client(url)
    bearer = {"Authorization": f"Bearer {made['token']}"}
    before = reads(url, MARGARET, purpose="ASB case review")
    refused = c.get(f"/api/people/{MARGARET}", headers=bearer)
    assert refused.status_code == 422 and refused.json()["field"] == "purpose"
    got = c.get(f"/api/people/{MARGARET}", params={"purpose": "ASB case review"}, headers=bearer).json()
    assert got == people.show_person(engine, get_actor(engine, "asb.officer"), MARGARET, purpose="ASB case review")
    assert got["scope"] == "summary" and "dob" not in got and got["working_with"] == ["Bolsover District Council", "Derbyshire Constabulary"]
    assert reads(url, MARGARET, purpose="ASB case review") == before + 2  # the request's read and the test's own
    flat = c.get(f"/api/premises/{FLAT}", params={"purpose": "casework"}, headers=bearer).json()
    assert flat == premises.show_premises(engine, get_actor(engine, "asb.officer"), FLAT, purpose="casework")


def test_a_partner_without_an_agreement_sees_a_pseudonym_and_who_to_ask(url):
    c = client(url, "fire.officer")
    assert give_purpose(c, f"/people/{MARGARET}", "arson risk visit").status_code == 303
    page = c.get(f"/people/{MARGARET}").text
    assert "Margaret" not in page and "Bolsover West" not in page and "PE-" in page
    assert "Who else is working with them" in page and "Bolsover District Council" in page and "Derbyshire Constabulary" in page
    data = c.get(f"/api/people/{MARGARET}").json()
    assert data["scope"] == "pseudonymised" and set(data) == {"pseudonym", "record_type", "scope", "working_with"}
    assert reads(url, MARGARET, purpose="arson risk visit") == 0  # a pseudonym is not personal data: nothing to audit


def test_a_missing_and_a_forbidden_record_look_the_same(demo_url):
    c = client(demo_url, "public")
    for kind, there, missing in (("people", MARGARET, "PER-2025-9999"), ("premises", FLAT, "PRM-2025-9999")):
        a, b = c.get(f"/api/{kind}/{there}?purpose=x"), c.get(f"/api/{kind}/{missing}?purpose=x")
        assert a.status_code == b.status_code == 403 and a.json() == b.json()
        form_a, form_b = c.get(f"/{kind}/{there}"), c.get(f"/{kind}/{missing}")
        assert form_a.status_code == form_b.status_code == 200 and form_a.text.replace(there, "REF") == form_b.text.replace(missing, "REF")
        token = csrf(form_a.text)
        for ref in (there, missing):
            c.post(f"/{kind}/{ref}/purpose", data={"purpose": "curious", "csrf_token": token})
        a, b = c.get(f"/{kind}/{there}"), c.get(f"/{kind}/{missing}")
        assert a.status_code == b.status_code == 403 and a.text.replace(there, "REF") == b.text.replace(missing, "REF")


def test_a_search_by_name_is_a_post(url):
    c = client(url, "pc.dexter")
    form = c.get("/people/search").text
    assert 'method="post" action="/people/search"' in form
    assert c.post("/people/search", data={"query": "Hill", "purpose": "casework"}).status_code == 403  # no CSRF token
    r = c.post("/people/search", data={"query": "Hill", "purpose": "casework", "csrf_token": csrf(form)})
    assert r.status_code == 200 and "Margaret Hill (synthetic)" in r.text and f'href="/people/{MARGARET}"' in r.text
    assert c.post("/people/search", data={"query": "Hill", "purpose": "", "csrf_token": csrf(form)}).status_code == 422
    api = c.post("/api/people/search", json={"query": "Hill", "purpose": "casework"}, headers={"X-CSRF-Token": csrf(form)}).json()
    assert [p["id"] for p in api["people"]] == [MARGARET]


def test_a_premises_record_says_why_it_is_rated_so(url):
    c = client(url, "pc.dexter")
    give_purpose(c, f"/premises/{FLAT}", "closure order application")
    page = c.get(f"/premises/{FLAT}").text
    assert "Flat 3, 12 Castle Street" in page and "sara-rag--red" in page and "A concern that the home is cuckooed" in page
    assert reads(url, FLAT, purpose="closure order application") == 1


def test_pc_dexter_is_asked_the_purpose_then_sees_the_person(demo_url, page):
    from tests import browser as served

    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page=f"/people/{MARGARET}")
        assert page.locator("h1").inner_text() == "Why are you looking at this record?"
        walk(page, "person-purpose")
        page.click("button:has-text('Continue to the record')")
        assert "say why you are reading this record" in page.locator(".govuk-error-summary").inner_text()
        walk(page, "person-purpose-refused")
        page.fill("#purpose", "tasking meeting")
        page.click("button:has-text('Continue to the record')")
        assert page.locator("h1").inner_text() == "Margaret Hill (synthetic)"
        walk(page, "person")
        page.goto(f"{base}/people/{MARGARET}")
        assert page.locator("h1").inner_text() == "Margaret Hill (synthetic)"  # not asked twice
        assert not page.errors, page.errors


def test_fire_officer_sees_the_pseudonymised_person(demo_url, page):
    from tests import browser as served

    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "fire.officer", next_page=f"/people/{MARGARET}")
        page.fill("#purpose", "home fire safety visit")
        page.click("button:has-text('Continue to the record')")
        assert page.locator("h1").inner_text().startswith("PE-")
        assert "Bolsover District Council" in page.locator("#working-with").inner_text()
        walk(page, "person-pseudonymised")
        assert not page.errors, page.errors
