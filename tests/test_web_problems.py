"""The problems pages: the list and its filters, a new problem in two steps, the plan page
and its forms (a state change refused with each missing item beside its input, then
accepted), the printable profile, and the partner journey (a partner sees the problems it
works and nothing of the others: the same 404 as a reference that does not exist); each form's
JSON twin does what the form does."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from sara.access import users
from sara.access.users import get_actor
from sara.casework import problems as pr
from sara.services import problems as service
from sara.store.engine import connect
from tests.browser import serve
from tests.web import browser_sign_in, client, copy_of, csrf, walk

FIRST, FLAT, BIKES = "PRB-2025-0001", "PRB-2026-0001", "PRB-2026-0002"  # the demo's problems: Op Dexter, the cuckooed flat, the council's motorbikes
EXTRA = ("area_name", "working")  # what the list adds to each casework row


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def _json(data):
    """``data`` as JSON gives it back (tuples become lists)."""
    return json.loads(json.dumps(data))


def _actor(url: str, username: str):
    engine = connect(url)
    return engine, get_actor(engine, username)


def test_the_list_is_the_casework_list_with_area_names(demo_url):
    engine, pc = _actor(demo_url, "pc.dexter")
    rows = client(demo_url, "pc.dexter").get("/api/problems").json()["problems"]
    assert [{k: v for k, v in r.items() if k not in EXTRA} for r in rows] == _json(pr.list_problems(engine, pc))
    assert {r["reference"]: r["area_name"] for r in rows} == {FIRST: "Bolsover 004A", FLAT: "Bolsover 004A", BIKES: None}
    page = client(demo_url, "pc.dexter").get("/problems").text
    assert "Youth ASB and criminal damage, Bolsover town centre (synthetic)" in page and "Bolsover 004A" in page and "No area yet" in page
    assert "Safeguarding visit to the tenant" in page  # the overdue action, with its due date


@pytest.mark.parametrize(("query", "found"), [
    ("state=response", [FLAT]), ("area=E01019483", [FIRST, FLAT]), ("owner=asb.officer", [BIKES]),
    ("partner=Derbyshire+Fire+and+Rescue+Service", [FIRST]), ("partner=Bolsover+Homes+%28synthetic%29", [FIRST, FLAT]), ("overdue=true", [FIRST, FLAT]),
])  # fmt: skip
def test_the_list_filters_by_area_state_owner_partner_and_overdue(demo_url, query, found):
    c = client(demo_url, "insp.bolsover")
    assert [p["reference"] for p in c.get(f"/api/problems?{query}").json()["problems"]] == found
    page = c.get(f"/problems?{query}").text
    assert re.findall(r'href="/problems/(PRB-\d{4}-\d{4})"', page) == found


def test_an_unknown_state_is_marked_on_the_filter(demo_url):
    r = client(demo_url, "pc.dexter").get("/problems?state=nonsense")
    assert r.status_code == 422 and "unknown state &#39;nonsense&#39;" in r.text and 'href="#state"' in r.text
    assert client(demo_url, "pc.dexter").get("/api/problems?state=nonsense").json()["field"] == "state"


def test_the_plan_is_what_show_gives_with_its_area_interventions_and_operations(demo_url):
    engine, pc = _actor(demo_url, "pc.dexter")
    plan = client(demo_url, "pc.dexter").get(f"/api/problems/{FIRST}").json()
    shown = _json(pr.show(engine, pc, FIRST))
    assert {k: plan[k] for k in shown} == shown
    assert plan["area_name"] == "Bolsover 004A" and plan["operations"][0]["name"] == "Op Dexter (synthetic replay)"
    assert {i["type"] for i in plan["interventions"]} >= {"abc", "cbo", "pspo"}
    page = client(demo_url, "pc.dexter").get(f"/problems/{FIRST}").text
    for seen in (
        "Problem analysis triangle",
        'class="sara-pat"',
        shown["offender"],
        shown["victim"],
        shown["location"],
        "Bolsover Homes (synthetic)",
        "tenancy enforcement",
        "Friday diversionary sessions (Extreme Wheels)",
        "Overdue",
        "Op Dexter (synthetic replay)",
        "Plan agreed at the fortnightly",
    ):
        assert seen in page, seen  # fmt: skip
    assert "<title>Problem PRB-2025-0001 – SARA</title>" in page  # a reference in the title, never a name


def test_a_new_problem_in_two_steps_from_a_hotspot(url):
    c = client(url, "pc.dexter")
    step1 = c.get("/problems/new?find=Bolsover+00")
    assert step1.status_code == 200 and 'value="E01019483"' in step1.text and "Bolsover 004A" in step1.text  # the areas whose names match
    step2 = c.get("/problems/new?area=E01019483&category=Anti-social+behaviour")
    assert "step 2 of 2" in step2.text and "Bolsover 004A" in step2.text and 'value="Anti-social behaviour" checked' in step2.text
    r = c.post("/problems/new", data={"csrf_token": csrf(step2.text), "area": "E01019483", "title": "Street drinking, Market Place (synthetic)",
                                      "statement": "", "categories": ["Anti-social behaviour"], "months": "2025-01:2025-06"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and re.fullmatch(r"/problems/PRB-\d{4}-\d{4}", r.headers["location"])
    plan = c.get(r.headers["location"])
    assert "Street drinking, Market Place (synthetic)" in plan.text and "Bolsover 004A" in plan.text and "Proposed" in plan.text


def test_a_refused_create_keeps_what_was_typed(url):
    c = client(url, "pc.dexter")
    form = c.get("/problems/new?area=E01019483").text
    r = c.post(
        "/problems/new", data={"csrf_token": csrf(form), "area": "E01019483", "title": "Graffiti (synthetic)", "statement": "...", "place": "the underpass"}
    )
    assert r.status_code == 422 and 'id="statement-error"' in r.text and "is not a statement" in r.text
    assert 'value="Graffiti (synthetic)"' in r.text and 'value="the underpass"' in r.text and ">...</textarea>" in r.text


def _new(c, title="Bus shelter damage (synthetic)") -> str:
    form = c.get("/problems/new?area=E01019483").text
    return (
        c.post("/problems/new", data={"csrf_token": csrf(form), "area": "E01019483", "title": title}, follow_redirects=False)
        .headers["location"]
        .rsplit("/", 1)[1]
    )


def test_a_move_refused_marks_each_missing_field_then_is_accepted(url):
    c = client(url, "pc.dexter")
    ref = _new(c)
    token = csrf(c.get(f"/problems/{ref}").text)
    assert c.post(f"/problems/{ref}/move", data={"csrf_token": token, "target": "scanning"}, follow_redirects=False).status_code == 303
    refused = c.post(f"/problems/{ref}/move", data={"csrf_token": token, "target": "analysis", "reason": "typed, and kept"})
    assert refused.status_code == 422
    for field in ("statement", "behaviour", "place", "time_pattern"):
        assert f'id="{field}-error"' in refused.text and f'href="#{field}"' in refused.text  # beside its input, and linked from the summary
    assert 'value="analysis" checked' in refused.text and "typed, and kept</textarea>" in refused.text
    # half filled in: what was typed stays, and is saved; the guard names only what is still missing
    half = c.post(f"/problems/{ref}/edit", data={"csrf_token": token, "title": "Bus shelter damage (synthetic)", "target": "analysis",
                                                 "statement": "Youths smash the bus shelter glass on Town End at night", "behaviour": "criminal damage"})  # fmt: skip
    assert half.status_code == 422 and 'id="place-error"' in half.text and 'id="statement-error"' not in half.text
    assert "Youths smash the bus shelter glass on Town End at night</textarea>" in half.text
    done = c.post(f"/problems/{ref}/edit", data={"csrf_token": token, "title": "Bus shelter damage (synthetic)", "target": "analysis",
                                                 "statement": "Youths smash the bus shelter glass on Town End at night", "behaviour": "criminal damage",
                                                 "place": "the bus shelter on Town End", "time_pattern": "Friday and Saturday nights"}, follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert c.get(f"/api/problems/{ref}").json()["state"] == "analysis"


def test_a_post_without_its_csrf_token_is_403_and_changes_nothing(url):
    c = client(url, "pc.dexter")
    before = c.get(f"/api/problems/{FIRST}").json()["notes"]
    assert c.post(f"/problems/{FIRST}/notes", data={"text": "forged"}).status_code == 403
    assert c.post(f"/problems/{FIRST}/notes", data={"text": "forged", "csrf_token": "forged"}).status_code == 403
    assert c.post("/problems/new", data={"title": "forged"}).status_code == 403
    assert c.get(f"/api/problems/{FIRST}").json()["notes"] == before


def test_actions_notes_and_partners_from_the_plan_page(url):
    c = client(url, "pc.dexter")
    ref = _new(c)
    token = csrf(c.get(f"/problems/{ref}").text)
    bad = c.post(f"/problems/{ref}/actions", data={"csrf_token": token, "description": "Patrols at dusk", "owner": "pc.dexter", "due": "2020-01-01"})
    assert bad.status_code == 422 and 'id="action-due-error"' in bad.text and "in the past" in bad.text and "Patrols at dusk</textarea>" in bad.text
    assert (
        c.post(f"/problems/{ref}/actions", data={"csrf_token": token, "description": "Patrols at dusk", "owner": "pc.dexter", "due": "2099-01-01"}).status_code
        == 200
    )
    assert c.post(f"/problems/{ref}/partners", data={"csrf_token": token, "organisation": "Bolsover Homes (synthetic)", "role": ""}).status_code == 422
    assert c.post(f"/problems/{ref}/partners", data={"csrf_token": token, "organisation": "Bolsover Homes (synthetic)", "role": "tenancy"}).status_code == 200
    assert c.post(f"/problems/{ref}/notes", data={"csrf_token": token, "text": "Shelter glass replaced"}).status_code == 200
    plan = c.get(f"/api/problems/{ref}").json()
    assert [a["description"] for a in plan["action_list"]] == ["Patrols at dusk"] and plan["partners"][0]["role"] == "tenancy"
    assert plan["notes"][-1]["text"] == "Shelter glass replaced"
    action = plan["action_list"][0]["id"]
    assert c.post(f"/problems/{ref}/actions/{action}", data={"csrf_token": token, "status": "done"}).status_code == 200
    assert c.get(f"/api/problems/{ref}").json()["action_list"][0]["status"] == "done"


def test_the_printable_profile(demo_url):
    page = client(demo_url, "pc.dexter").get(f"/problems/{FIRST}/profile").text
    assert "Problem profile" in page and "Problem analysis triangle" in page and "Hotspot patrols 16:00-22:00 (Op Dexter)" in page
    assert "Chronology" in page and "sara-no-print" in page


# -- the partner journey ------------------------------------------------------------------------


def test_a_partner_sees_the_problems_its_organisation_works(demo_url):
    assert [p["reference"] for p in client(demo_url, "housing.officer").get("/api/problems").json()["problems"]] == [FIRST, FLAT]
    assert [p["reference"] for p in client(demo_url, "fire.officer").get("/api/problems").json()["problems"]] == [FIRST]
    engine, fire = _actor(demo_url, "fire.officer")
    from sara.services import Context

    assert [p["reference"] for p in service.listing(Context(engine, fire))["problems"]] == [FIRST]


def test_a_problem_not_shared_is_the_same_404_as_one_that_does_not_exist(demo_url):
    c = client(demo_url, "fire.officer")
    hidden, missing = c.get(f"/problems/{FLAT}"), c.get("/problems/PRB-2026-0999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(FLAT, "REF") == missing.text.replace("PRB-2026-0999", "REF")
    assert "Drug dealing" not in hidden.text
    api_hidden, api_missing = c.get(f"/api/problems/{FLAT}"), c.get("/api/problems/PRB-2026-0999")
    assert api_hidden.status_code == api_missing.status_code == 404
    assert api_hidden.json()["error"].replace(FLAT, "REF") == api_missing.json()["error"].replace("PRB-2026-0999", "REF")
    # and word for word what the casework says of a reference that does not exist
    engine, pc = _actor(demo_url, "pc.dexter")
    with pytest.raises(pr.NotFound) as refused:
        pr.show(engine, pc, "PRB-2026-0999")
    assert api_missing.json()["error"] == str(refused.value)
    token = csrf(c.get(f"/problems/{FIRST}").text)
    for path in (f"/problems/{FLAT}/notes", f"/problems/{FLAT}/actions", f"/problems/{FLAT}/profile"):
        r = c.post(path, data={"csrf_token": token, "text": "x", "description": "x", "due": "2099-01-01"}) if not path.endswith("profile") else c.get(path)
        assert r.status_code == 404, path


def test_a_partner_adds_its_own_actions_and_notes_and_sees_people_only_at_its_scope(url):
    c = client(url, "housing.officer")
    page = c.get(f"/problems/{FIRST}").text
    assert "Add an action for Bolsover Homes (synthetic)" in page and "Change its state" not in page and "Change the plan" not in page
    token = csrf(page)
    r = c.post(f"/problems/{FIRST}/actions", data={"csrf_token": token, "description": "Tenancy warning letters", "owner": "housing.officer", "due": "2099-03-31"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    assert c.post(f"/problems/{FIRST}/notes", data={"csrf_token": token, "text": "Two tenancies reviewed"}, follow_redirects=False).status_code == 303
    plan = c.get(f"/api/problems/{FIRST}").json()
    assert plan["action_list"][-1] | {"id": 0} == {"id": 0, "description": "Tenancy warning letters", "owner": "housing.officer", "organisation": "Bolsover Homes (synthetic)",
                                                   "due": "2099-03-31", "status": "open", "done_at": None, "overdue": False}  # fmt: skip
    assert plan["may"]["change"] is False and plan["may"]["set_actions"] == [plan["action_list"][-1]["id"]]
    assert c.post(f"/problems/{FIRST}/move", data={"csrf_token": token, "target": "closed"}).status_code == 403  # the owner moves it, not a partner
    # interventions at the agreement's scope: housing is party to the Bolsover agreement (summary); fire to none (pseudonyms)
    assert {i["scope"] for i in plan["interventions"]} == {"summary"}
    fire = client(url, "fire.officer").get(f"/api/problems/{FIRST}").json()
    assert {i["scope"] for i in fire["interventions"]} == {"pseudonymised"} and all("subject_ref" not in i for i in fire["interventions"])


# -- the forms' JSON twins ----------------------------------------------------------------------

VOLATILE = {"reference", "id", "at", "created_at", "updated_at", "done_at", "problem", "baseline_set_at"}
PLAN = {"statement": "Youths smash the bus shelter glass on Town End at night", "behaviour": "criminal damage", "place": "the bus shelter on Town End",
        "time_pattern": "Friday and Saturday nights"}  # fmt: skip


def _api(url: str, username: str):
    """A client signed in through the form that sends its session's CSRF token as the header, as sara.js does."""
    c = client(url, username)
    c.headers["X-CSRF-Token"] = csrf(c.get("/problems").text)
    return c


def _token(url: str, username: str) -> str:
    engine, actor = _actor(url, username)
    return users.create_token(engine, actor, "tests")["token"]


def _same(value):
    """A problem without what differs between two made alike (references, ids and times)."""
    if isinstance(value, dict):
        return {k: _same(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_same(v) for v in value]
    return value


def test_each_json_write_does_what_its_form_does(url):
    """The same journey twice, by the forms and by JSON: the same problem comes of it."""
    c, api = client(url, "pc.dexter"), _api(url, "pc.dexter")
    token = csrf(c.get("/problems").text)
    by_form = _new(c)
    made = api.post("/api/problems", json={"area": "E01019483", "title": "Bus shelter damage (synthetic)"})
    assert made.status_code == 201 and made.json()["state"] == "proposed"
    by_json = made.json()["reference"]
    engine, pc = _actor(url, "pc.dexter")
    assert made.json() == _json(pr.show(engine, pc, by_json))  # the casework's own answer, as stored
    c.post(f"/problems/{by_form}/edit", data={"csrf_token": token, "title": "Bus shelter damage (synthetic)", **PLAN})
    changed = api.patch(f"/api/problems/{by_json}", json=PLAN | {"expect_version": 1})
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["statement"] == PLAN["statement"]
    for target in ("scanning", "analysis"):
        c.post(f"/problems/{by_form}/move", data={"csrf_token": token, "target": target})
        assert api.post(f"/api/problems/{by_json}/move", json={"target": target}).json()["state"] == target
    partner = {"organisation": "Bolsover Homes (synthetic)", "role": "tenancy enforcement"}
    c.post(f"/problems/{by_form}/partners", data={"csrf_token": token, **partner})
    assert api.post(f"/api/problems/{by_json}/partners", json=partner).json()["partners"][0]["role"] == "tenancy enforcement"
    action = {"description": "Patrols at dusk", "owner": "pc.dexter", "due": "2099-01-01"}
    c.post(f"/problems/{by_form}/actions", data={"csrf_token": token, **action})
    added = api.post(f"/api/problems/{by_json}/actions", json=action)
    assert added.status_code == 201 and added.json()["status"] == "open" and added.json()["problem"] == by_json
    form_action = c.get(f"/api/problems/{by_form}").json()["action_list"][0]["id"]
    c.post(f"/problems/{by_form}/actions/{form_action}", data={"csrf_token": token, "status": "done"})
    done = api.patch(f"/api/problems/{by_json}/actions/{added.json()['id']}", json={"status": "done"})
    assert done.status_code == 200 and done.json() == _json(pr._one_action(engine, added.json()["id"], dt.date.today()))
    c.post(f"/problems/{by_form}/notes", data={"csrf_token": token, "text": "Shelter glass replaced"})
    note = api.post(f"/api/problems/{by_json}/notes", json={"text": "Shelter glass replaced"})
    assert note.status_code == 201 and note.json()["text"] == "Shelter glass replaced" and note.json()["attachment"] is None
    assert _same(pr.show(engine, pc, by_json)) == _same(pr.show(engine, pc, by_form))


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/problems/{ref}/move", {"target": "analysis"}, "statement"),  # the guard: the first thing missing (the message names them all)
    ("/api/problems/{ref}", {"statement": "..."}, "statement"),
    ("/api/problems/{ref}/actions", {"description": "Patrols at dusk", "due": "2020-01-01"}, "due"),
    ("/api/problems/{ref}/actions", {"description": "Patrols at dusk", "due": "2099-01-01", "owner": "asb.officer"}, "owner"),
    ("/api/problems/{ref}/actions", {"description": "Patrols at dusk"}, "due"),  # the body's own check: required
    ("/api/problems/{ref}/partners", {"organisation": "Bolsover Homes (synthetic)", "role": ""}, "role"),
    ("/api/problems/{ref}/partners", {"organisation": "Nobody at all", "role": "tenancy"}, "organisation"),
    ("/api/problems/{ref}/notes", {"text": " "}, "text"),
    ("/api/problems/{ref}/move", {"target": "closed", "outcome": "forgotten"}, "outcome"),
    ("/api/problems", {"title": "Graffiti (synthetic)", "statement": "..."}, "statement"),
    ("/api/problems", {"title": "x" * 201}, "title"),
    ("/api/problems", {"title": "Graffiti (synthetic)", "area": "E99999999"}, "area"),
])  # fmt: skip
def test_a_json_write_refused_names_its_field(url, path, body, field):
    api = _api(url, "pc.dexter")
    ref = api.post("/api/problems", json={"title": "Bus shelter damage (synthetic)", "area": "E01019483"}).json()["reference"]
    assert api.post(f"/api/problems/{ref}/move", json={"target": "scanning"}).status_code == 200
    method = api.patch if path == "/api/problems/{ref}" else api.post
    r = method(path.format(ref=ref), json=body)
    assert r.status_code == 422 and r.json()["field"] == field, r.json()
    if path.endswith("/move") and field == "statement":
        assert all(f in r.json()["error"] for f in ("statement", "behaviour", "place", "time"))


def test_a_json_change_of_a_version_no_longer_read_is_409(url):
    api = _api(url, "pc.dexter")
    version = api.get(f"/api/problems/{FIRST}").json()["version"]
    assert api.patch(f"/api/problems/{FIRST}", json={"hypotheses": "Boredom after school", "expect_version": version}).status_code == 200
    stale = api.patch(f"/api/problems/{FIRST}", json={"hypotheses": "Something else", "expect_version": version})
    assert stale.status_code == 409 and "nothing was saved" in stale.json()["error"]
    assert api.get(f"/api/problems/{FIRST}").json()["hypotheses"] == "Boredom after school"


def test_a_partner_writes_only_what_its_organisation_may(url):
    fire, housing = _api(url, "fire.officer"), _api(url, "housing.officer")
    # a problem not shared with fire is the same 404 as one that does not exist, word for word
    for method, path, body in (("post", "/api/problems/{}/notes", {"text": "x"}), ("post", "/api/problems/{}/actions", {"description": "x", "due": "2099-01-01"}),
                               ("post", "/api/problems/{}/move", {"target": "closed"}), ("post", "/api/problems/{}/partners", {"organisation": "x", "role": "x"}),
                               ("patch", "/api/problems/{}", {"title": "x"})):  # fmt: skip
        hidden, missing = (fire.request(method, path.format(ref), json=body) for ref in (FLAT, "PRB-2026-0999"))
        assert hidden.status_code == missing.status_code == 404, path
        assert hidden.json()["error"].replace(FLAT, "REF") == missing.json()["error"].replace("PRB-2026-0999", "REF")
    # a partner working it adds its own action and note, but moves, changes and partners nothing: the owner does
    assert housing.post(f"/api/problems/{FIRST}/notes", json={"text": "Two tenancies reviewed"}).status_code == 201
    assert housing.post(f"/api/problems/{FIRST}/actions", json={"description": "Warning letters", "due": "2099-03-31"}).json()["owner"] == "housing.officer"
    for r in (housing.post(f"/api/problems/{FIRST}/move", json={"target": "closed"}), housing.patch(f"/api/problems/{FIRST}", json={"title": "Mine now"}),
              housing.post(f"/api/problems/{FIRST}/partners", json={"organisation": "Bolsover Homes (synthetic)", "role": "all of it"})):  # fmt: skip
        assert r.status_code == 403, r.json()
    theirs = next(a["id"] for a in housing.get(f"/api/problems/{FIRST}").json()["action_list"] if a["organisation"] != "Bolsover Homes (synthetic)")
    assert housing.patch(f"/api/problems/{FIRST}/actions/{theirs}", json={"status": "done"}).status_code == 403
    assert housing.get(f"/api/problems/{FIRST}").json()["title"].startswith("Youth ASB")


def test_json_writes_with_a_session_need_the_csrf_header_and_with_a_token_do_not(url):
    c = client(url, "pc.dexter")
    before = c.get(f"/api/problems/{FIRST}").json()
    for r in (c.post("/api/problems", json={"title": "Forged (synthetic)"}), c.post(f"/api/problems/{FIRST}/notes", json={"text": "forged"}),
              c.patch(f"/api/problems/{FIRST}", json={"title": "forged"}), c.post(f"/api/problems/{FIRST}/notes", json={"text": "forged"},
                                                                               headers={"X-CSRF-Token": "forged"})):  # fmt: skip
        assert r.status_code == 403 and "did not come from SARA" in r.json()["error"]
    assert c.get(f"/api/problems/{FIRST}").json() == before and len(c.get("/api/problems").json()["problems"]) == 3
    bearer = client(url)
    bearer.headers["Authorization"] = f"Bearer {_token(url, 'pc.dexter')}"
    made = bearer.post("/api/problems", json={"title": "Street drinking (synthetic)", "area": "E01019483", "categories": ["Anti-social behaviour"]})
    assert made.status_code == 201 and made.json()["owner"] == "pc.dexter"
    assert bearer.post(f"/api/problems/{made.json()['reference']}/notes", json={"text": "From a script"}).status_code == 201


# -- in the browser ---------------------------------------------------------------------------


def test_browser_a_problem_owner_lists_reads_and_moves_a_problem(url, page):
    with serve(url) as base:
        browser_sign_in(page, base, "pc.dexter", next_page="/problems")
        assert page.locator("#problems tbody tr").count() == 3
        walk(page, "problems-list")
        page.click("text=Youth ASB and criminal damage, Bolsover town centre (synthetic)")
        page.wait_for_load_state("networkidle")
        assert page.locator(".sara-pat").count() == 1
        walk(page, "problems-plan")
        page.goto(f"{base}/problems/new?area=E01019483")  # as the hotspot link on Explore does
        walk(page, "problems-new-step-2")
        page.fill("#title", "Bus shelter damage (synthetic)")
        page.click("button:has-text('Create the problem')")
        page.wait_for_load_state("networkidle")
        page.check("input[name=target][value=scanning]")
        page.click("button:has-text('Move it')")
        page.wait_for_load_state("networkidle")
        page.check("input[name=target][value=analysis]")
        page.click("button:has-text('Move it')")
        page.wait_for_load_state("networkidle")
        assert page.locator(".govuk-error-summary").count() == 1 and page.locator("#statement-error").count() == 1
        walk(page, "problems-move-refused")
        page.fill("#statement", "Youths smash the bus shelter glass on Town End at night")
        page.fill("#behaviour", "criminal damage")
        page.fill("#place", "the bus shelter on Town End")
        page.fill("#time_pattern", "Friday and Saturday nights")
        page.click("button:has-text('Save the plan')")
        page.wait_for_load_state("networkidle")
        assert "Analysis" in page.locator("main .govuk-tag").first.inner_text()
        walk(page, "problems-move-accepted")
        page.goto(f"{base}/problems/{FIRST}/profile")
        walk(page, "problems-profile")
        assert page.errors == []


def test_browser_a_partner_adds_an_action(url, page):
    with serve(url) as base:
        browser_sign_in(page, base, "housing.officer", next_page="/problems")
        assert page.locator("#problems tbody tr").count() == 2
        walk(page, "problems-partner-list")
        page.goto(f"{base}/problems/{FIRST}")
        page.click("text=Add an action for Bolsover Homes (synthetic)")
        page.fill("#action-description", "Tenancy warning letters to the families")
        page.fill("#action-due", "2099-03-31")
        page.click("button:has-text('Add the action')")
        page.wait_for_load_state("networkidle")
        assert page.locator("#action-table", has_text="Tenancy warning letters to the families").count() == 1
        page.locator("#actions").scroll_into_view_if_needed()
        walk(page, "problems-partner-action")
        page.goto(f"{base}/problems/{FLAT}")
        page.goto(f"{base}/problems/{BIKES}")  # the council's: not shared with housing
        assert "No problem" in page.inner_text("main")
        walk(page, "problems-partner-refused")
        assert [e for e in page.errors if "/problems/" not in e] == []
