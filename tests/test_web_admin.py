"""Administration in the browser (``/admin``) and one's own tokens and sessions (``/account``):
each action on a page does what the service does (a user added on the page is in
``list_users``), refusals are the services' own, every form needs its CSRF token, and the JSON
twins give the same data."""

from __future__ import annotations

import csv
import io
import re

import pytest

from sara.access import audit, users
from sara.services import Context
from sara.services import access as services_access
from sara.services import admin as services_admin
from sara.store.engine import connect
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, sign_in, walk

POLICE, COUNCIL = "Derbyshire Constabulary", "Bolsover District Council"
PAGES = ("/admin", "/admin/organisations", "/admin/users", "/admin/users/new", "/admin/users/pc.dexter", "/admin/agreements", "/admin/agreements/new",
         "/admin/rules", "/admin/audit", "/admin/sessions")  # fmt: skip
APIS = ("/api/admin", "/api/admin/users", "/api/admin/users/pc.dexter", "/api/admin/agreements", "/api/admin/rules", "/api/admin/audit")


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def ctx_of(url: str, username: str) -> Context:
    engine = connect(url)
    return Context(engine, users.get_actor(engine, username))


def post(c, path: str, data: dict | None = None, **kw):
    """POST a form the way its page does: with the session's CSRF token."""
    token = csrf(c.get("/account").text)
    return c.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False, **kw)


def council_admin(url: str) -> str:
    """The demo has no council administrator: the operator adds one."""
    users.add_user(connect(url), "council.admin", COUNCIL, "administrator", DEMO_PASSWORD, display_name="Council Admin")
    return "council.admin"


def test_a_user_added_on_the_page_is_in_the_list_and_sets_their_own_password(url):
    c = client(url, "demo.admin")
    r = post(c, "/admin/users", {"username": "pc.new", "display_name": "PC New", "organisation": POLICE, "role": "problem_owner"})
    assert r.status_code == 201
    code = re.search(r'id="one-time-code">([^<]+)<', r.text).group(1)
    made = next(u for u in services_access.list_users(ctx_of(url, "demo.admin")) if u["username"] == "pc.new")
    assert made | {"id": 0} == {"id": 0, "username": "pc.new", "display_name": "PC New", "organisation": POLICE, "role": "problem_owner", "active": True}
    assert "pc.new" in c.get("/admin/users").text and code not in c.get("/admin/users/pc.new").text  # shown once
    new = client(url)
    form = new.get("/activate")
    token = csrf(form.text)
    short = new.post("/activate", data={"username": "pc.new", "code": code, "password": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 10 characters" in short.text and 'value="pc.new"' in short.text and 'value="short"' not in short.text
    done = new.post("/activate", data={"username": "pc.new", "code": code, "password": "a long new password", "csrf_token": csrf(short.text)})
    assert done.status_code == 200 and "You can now sign in as pc.new" in done.text
    assert sign_in(new, "pc.new", "a long new password").status_code == 303


def test_changing_disabling_enabling_and_resetting_a_user_are_the_services_doing(url):
    c = client(url, "demo.admin")
    admin = ctx_of(url, "demo.admin")
    assert post(c, "/admin/users/analyst", {"role": "lead", "display_name": "Senior Analyst"}).headers["location"] == "/admin/users/analyst?done=changed"
    shown = services_admin.show_user(admin, "analyst")
    assert (shown["display_name"], shown["role"], shown["active"]) == ("Senior Analyst", "lead", True)
    assert "The user is changed" in c.get("/admin/users/analyst?done=changed").text
    analyst = client(url, "analyst")
    post(c, "/admin/users/analyst/disable")
    assert services_admin.show_user(admin, "analyst")["active"] is False
    assert analyst.get("/today", follow_redirects=False).status_code == 303  # their session ended with them
    post(c, "/admin/users/analyst/enable")
    assert services_admin.show_user(admin, "analyst")["active"] is True
    r = post(c, "/admin/users/analyst/reset")
    assert r.status_code == 200 and re.search(r'id="one-time-code">[0-9a-f-]{27}<', r.text)
    assert sign_in(client(url), "analyst").status_code == 401  # the old password no longer works


def test_the_last_administrator_cannot_be_disabled_and_the_page_says_why(url):
    c = client(url, "demo.admin")
    r = post(c, "/admin/users/demo.admin/disable")
    assert r.status_code == 409 and "last active administrator" in r.text
    r = post(c, "/admin/users/demo.admin", {"role": "analyst", "display_name": "Demo Admin"})
    assert r.status_code == 409 and "govuk-form-group--error" in r.text and "last active administrator" in r.text


def test_invalid_input_comes_back_with_the_field_marked_and_nothing_typed_lost(url):
    c = client(url, "demo.admin")
    r = post(c, "/admin/users", {"username": "", "display_name": "Someone Typed This", "organisation": POLICE, "role": "analyst"})
    assert r.status_code == 422 and 'id="username-error"' in r.text and 'value="Someone Typed This"' in r.text and 'value="analyst" checked' in r.text
    r = post(c, "/admin/users", {"username": "pc.dexter", "organisation": POLICE, "role": "analyst"})
    assert r.status_code == 409 and 'id="username-error"' in r.text and "already exists" in r.text
    r = post(c, "/admin/agreements", {"name": "Shirebrook sharing", "purpose": "tackling ASB", "party": [POLICE, COUNCIL], "category": ["victim"]})
    assert r.status_code == 422 and 'id="scope-error"' in r.text and 'value="Shirebrook sharing"' in r.text and "tackling ASB</textarea>" in r.text
    assert 'value="Bolsover District Council" checked' in r.text
    r = post(c, "/admin/agreements", {"name": "Shirebrook sharing", "purpose": "x", "party": [POLICE, COUNCIL], "category": ["victim"], "scope": "full",
                                      "valid_from": "1 April"})  # fmt: skip
    assert r.status_code == 422 and 'id="valid_from-error"' in r.text
    r = c.get("/admin/audit?since=2026-05-01&until=2026-04-01")
    assert r.status_code == 422 and 'id="until-error"' in r.text and 'value="2026-05-01"' in r.text


def test_non_administrators_get_403_on_every_admin_page_and_its_api(demo_url):
    for who in ("pc.dexter", "housing.officer", "public"):
        c = client(demo_url, who)
        for path in PAGES:
            assert c.get(path).status_code == 403, (who, path)
        for path in APIS:
            r = c.get(path)
            assert r.status_code == 403 and "error" in r.json(), (who, path)
        assert c.get("/account").status_code == 200  # their own tokens and sessions


def test_a_council_administrator_cannot_manage_police_users(url):
    c = client(url, council_admin(url))
    page = c.get("/admin/users/pc.dexter")
    assert page.status_code == 404 and "No user called &#39;pc.dexter&#39; in Bolsover District Council" in page.text
    assert "Dexter" not in page.text and "problem owner" not in page.text.replace("administrator · Bolsover", "")  # nothing about the user
    for action in ("disable", "reset"):
        r = post(c, f"/admin/users/pc.dexter/{action}")
        assert r.status_code == 404 and "one-time-code" not in r.text
    assert users.get_actor(connect(url), "pc.dexter").active
    r = post(c, "/admin/users", {"username": "pc.planted", "organisation": POLICE, "role": "administrator"})
    assert r.status_code == 403 and 'id="organisation-error"' in r.text and "their own organisation only" in r.text
    assert users.get_actor(connect(url), "pc.planted") is None
    assert c.get("/api/admin/users/pc.dexter").status_code == 404
    assert [u["username"] for u in c.get("/api/admin/users").json()] == ["asb.officer", "council.admin", "public"]


def test_organisations_are_added_by_the_hosts_administrators_only(url):
    c = client(url, "demo.admin")
    r = post(c, "/admin/organisations", {"name": "Bolsover Neighbourhood Watch", "type": "charity"})
    assert r.headers["location"] == "/admin/organisations?done=added"
    assert {"name": "Bolsover Neighbourhood Watch", "type": "charity", "host": False, "users": 0} in services_admin.list_organisations(
        ctx_of(url, "demo.admin")
    )
    again = post(c, "/admin/organisations", {"name": "Bolsover Neighbourhood Watch", "type": "charity"})
    assert again.status_code == 409 and 'id="name-error"' in again.text
    council = client(url, council_admin(url))
    assert "Only an administrator of the host organisation adds organisations" in council.get("/admin/organisations").text
    r = post(council, "/admin/organisations", {"name": "Shadow Council", "type": "council"})
    assert r.status_code == 403 and "Only an administrator of the host organisation adds organisations" in r.text
    assert council.post("/api/admin/organisations", json={"name": "Shadow Council", "type": "council"},
                        headers={"X-CSRF-Token": csrf(council.get("/account").text)}).status_code == 403  # fmt: skip


def test_an_agreement_proposed_on_the_page_goes_live_when_the_other_party_accepts_and_ends_for_both(url):
    name = "Shirebrook ASB sharing / 2026"
    police = client(url, "demo.admin")
    r = post(police, "/admin/agreements", {"name": name, "purpose": "tackling ASB in Shirebrook (Crime and Disorder Act 1998 s.115)",
                                           "party": [POLICE, COUNCIL], "category": ["victim", "premises"], "scope": "summary"})  # fmt: skip
    assert r.status_code == 303
    shown = police.get(r.headers["location"])
    assert shown.status_code == 200 and "Awaiting acceptance" in shown.text and "Not yet accepted" in shown.text
    council = client(url, council_admin(url))
    assert post(council, r.headers["location"] + "/accept").status_code == 303
    g = services_access.show_agreement(ctx_of(url, "council.admin"), name)
    assert g["status"] == "live" and g["awaiting"] == [] and set(g["accepted"]) == {POLICE, COUNCIL}
    assert council.get("/api/admin/agreements/" + name).json() == g
    assert post(council, r.headers["location"] + "/end", {"reason": "replaced"}).status_code == 303
    assert services_access.show_agreement(ctx_of(url, "demo.admin"), name)["status"] == "ended"
    assert "Ended" in police.get("/admin/agreements").text


def test_the_legal_rules_table_shows_each_power_with_its_statute_and_version(demo_url):
    c = client(demo_url, "demo.admin")
    page = c.get("/admin/rules").text
    assert "Community Protection Warning and Notice" in page and "Anti-social Behaviour, Crime and Policing Act 2014, Part 4 Chapter 1 (ss.43-58)" in page
    assert "Example only" in page and "ASB victim risk assessment (example)" in page and "Premises risk register" in page
    data = c.get("/api/admin/rules").json()
    assert data == services_admin.legal_rules(ctx_of(demo_url, "demo.admin"))
    in_force = {r["power"] for r in data["powers"] if r["in_force"]}
    assert {"community_protection", "pspo", "dispersal"} <= in_force


def test_audit_search_finds_the_sign_in_of_a_user(url):
    client(url, "analyst")  # signs in
    c = client(url, "demo.admin")
    page = c.get("/admin/audit?user=analyst&action=login")
    assert page.status_code == 200
    rows = re.findall(r"<tr class=\"govuk-table__row\">\s*<td class=\"govuk-table__cell govuk-table__cell--numeric\">(\d+)</td>", page.text)
    found = c.get("/api/admin/audit?user=analyst&action=login").json()
    assert found["total"] >= 1 and [str(e["seq"]) for e in found["entries"]] == rows
    assert all(e["user"] == "analyst" and e["action"] == "login" and e["purpose"] == "sign in" for e in found["entries"])
    assert found == services_admin.search_audit(ctx_of(url, "demo.admin"), user="analyst", action="login")
    today = found["entries"][0]["at"][:10]
    assert c.get(f"/api/admin/audit?user=analyst&since={today}&until={today}").json()["total"] >= 1
    assert c.get("/api/admin/audit?user=analyst&until=2000-01-01").json()["total"] == 0
    assert c.get("/api/admin/audit?action=dance").status_code == 422


def test_verify_checkpoint_and_export_of_the_audit_trail(url):
    c = client(url, "demo.admin")
    r = post(c, "/admin/audit/verify")
    assert r.status_code == 200 and "The audit trail is unbroken" in r.text
    point = post(c, "/admin/audit/checkpoint")
    assert point.headers["content-disposition"].startswith("attachment") and point.json()["seq"] > 0
    r = post(c, "/admin/audit/verify", files={"checkpoint": ("checkpoint.json", point.content, "application/json")})
    assert "through the checkpoint at entry" in r.text
    r = post(c, "/admin/audit/verify", files={"checkpoint": ("notes.txt", b"not json", "text/plain")})
    assert r.status_code == 422 and 'id="checkpoint-error"' in r.text
    before = audit.count(connect(url), action="export")
    exported = post(c, "/admin/audit/export", {"organisation": POLICE, "purpose": "DPO review"})
    assert exported.headers["content-type"].startswith("text/csv") and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(rows[0]) == list(audit.EXPORT_COLUMNS) and any(r["action"] == "login" and r["actor_username"] == "demo.admin" for r in rows)
    assert audit.count(connect(url), action="export") == before + 1  # the export is itself recorded
    assert post(c, "/admin/audit/export", {"organisation": COUNCIL, "purpose": "curious"}).status_code == 403
    assert c.post("/api/admin/audit/verify", headers={"X-CSRF-Token": csrf(c.get("/account").text)}).json()["ok"] is True


def test_revoking_a_session_on_the_page_signs_that_browser_out(url):
    other = client(url, "pc.dexter")
    admin = client(url, "demo.admin")
    sessions = admin.get("/api/admin/sessions").json()
    theirs = next(s for s in sessions if s["username"] == "pc.dexter")
    assert f"/admin/sessions/{theirs['id']}/revoke" in admin.get("/admin/sessions").text
    r = post(admin, f"/admin/sessions/{theirs['id']}/revoke")
    assert r.headers["location"] == "/admin/sessions?done=revoked"
    assert other.get("/today", follow_redirects=False).headers["location"].startswith("/sign-in")
    assert admin.get("/admin/sessions").status_code == 200  # the administrator's own session goes on
    assert theirs["id"] not in {s["id"] for s in services_access.live_sessions(ctx_of(url, "demo.admin"))}


def test_anyone_keeps_their_own_tokens_and_sessions_on_the_account_page(url):
    c = client(url, "housing.officer")
    r = post(c, "/account/tokens", {"name": "weekly spreadsheet", "days": "30"})
    assert r.status_code == 201
    token = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    mine = services_access.list_tokens(ctx_of(url, "housing.officer"))
    assert [t["name"] for t in mine] == ["weekly spreadsheet"] and token not in c.get("/account").text
    bearer = client(url)
    assert [t["name"] for t in bearer.get("/api/account", headers={"Authorization": f"Bearer {token}"}).json()["tokens"]] == ["weekly spreadsheet"]
    assert post(c, f"/account/tokens/{mine[0]['id']}/revoke").headers["location"] == "/account?done=token-revoked"
    assert bearer.get("/api/account", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    blank = post(c, "/account/tokens", {"name": "", "days": "90"})
    assert blank.status_code == 422 and 'id="name-error"' in blank.text
    second = client(url, "housing.officer")
    own = c.get("/api/account").json()["sessions"]
    assert len(own) >= 2 and {s["username"] for s in own} == {"housing.officer"}
    this = c.get("/account").text
    this_id = int(
        re.search(r'action="/account/sessions/(\d+)/revoke"><input type="hidden" name="csrf_token" value="[^"]+">\s*<button[^>]*>Sign out', this).group(1)
    )
    r = post(c, f"/account/sessions/{this_id}/revoke")
    assert r.headers["location"] == "/sign-in" and c.get("/today", follow_redirects=False).status_code == 303
    assert second.get("/today").status_code == 200  # the other browser is still signed in


def test_a_post_without_its_csrf_token_is_403(url):
    c = client(url, "demo.admin")
    for path, data in (("/admin/users", {"username": "x.y", "organisation": POLICE, "role": "analyst"}), ("/admin/users/analyst/disable", {}),
                       ("/admin/organisations", {"name": "X", "type": "charity"}), ("/admin/audit/export", {"organisation": POLICE}),
                       ("/admin/audit/checkpoint", {}), ("/account/tokens", {"name": "t", "days": "30"})):  # fmt: skip
        assert c.post(path, data=data, follow_redirects=False).status_code == 403, path
        assert c.post(path, data={**data, "csrf_token": "forged"}, follow_redirects=False).status_code == 403, path
    assert c.post("/api/admin/users/analyst/active", json={"active": False}).status_code == 403
    assert users.get_actor(connect(url), "x.y") is None and users.get_actor(connect(url), "analyst").active


def test_the_json_twins_give_what_the_services_give(demo_url):
    c = client(demo_url, "demo.admin")
    ctx = ctx_of(demo_url, "demo.admin")
    assert c.get("/api/admin/users").json() == services_access.list_users(ctx)
    assert c.get("/api/admin/agreements").json() == services_access.list_agreements(ctx)
    assert c.get("/api/admin/organisations").json() == services_admin.list_organisations(ctx)
    assert c.get("/api/admin").json() == services_admin.overview(ctx)
    schema = c.get("/api/openapi.json").json()
    assert {"/api/admin/users", "/api/admin/audit", "/api/account/tokens"} <= set(schema["paths"])
    assert "/admin/users" not in schema["paths"]


def test_walking_the_admin_pages_in_a_browser(url, page):
    from tests import browser as served

    with served.serve(url) as base:
        browser_sign_in(page, base, "demo.admin", next_page="/admin")
        walk(page, "admin")
        for path, name in (("/admin/organisations", "admin-organisations"), ("/admin/users", "admin-users"), ("/admin/agreements", "admin-agreements"),
                           ("/admin/rules", "admin-rules"), ("/admin/sessions", "admin-sessions")):  # fmt: skip
            page.goto(base + path)
            walk(page, name)
        page.goto(base + "/admin/users/new")
        page.fill("#username", "pc.walk")
        page.fill("#display_name", "PC Walk")
        page.check("#role-2")
        page.click("button:has-text('Add user')")
        assert page.locator("#one-time-code").inner_text()
        walk(page, "admin-user-added")
        page.goto(base + "/admin/users/pc.walk")
        walk(page, "admin-user")
        page.goto(base + "/admin/agreements/new")
        page.fill("#name", "Walk sharing")
        page.click("button:has-text('Propose agreement')")
        assert page.locator(".govuk-error-summary").count() == 1 and page.input_value("#name") == "Walk sharing"
        walk(page, "admin-agreement-refused")
        page.goto(base + "/admin/agreements")
        page.click("a:has-text('Bolsover ASB information sharing agreement')")
        walk(page, "admin-agreement")
        page.goto(base + "/admin/audit?user=demo.admin&action=login")
        assert page.locator("#entries tbody tr").count() >= 1
        walk(page, "admin-audit")
        page.click("button:has-text('Check the audit trail')")
        assert "unbroken" in page.locator("#verified").inner_text()
        walk(page, "admin-audit-verified")
        page.goto(base + "/account")
        page.fill("#name", "walk token")
        page.click("button:has-text('Create token')")
        assert page.locator("#new-token").inner_text().startswith("sara_")
        walk(page, "account-token")
        assert not page.errors, page.errors
