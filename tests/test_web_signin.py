"""Signing in and the session: the sign-in form (CSRF, argon2, lockout, per-address rate
limit), server-side sessions ending by idle time, total time, sign-out or an administrator,
personal API tokens as ``Authorization: Bearer``, and the headers every response carries."""

from __future__ import annotations

import datetime as dt

import pytest

from sara.access import sessions, users
from sara.services import access as services_access
from sara.store.engine import connect
from tests.web import DEMO_PASSWORD, browser_sign_in, client, copy_of, csrf, sign_in, walk


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def test_a_page_asked_for_before_sign_in_is_the_page_after_it(demo_url):
    c = client(demo_url)
    r = c.get("/status", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/sign-in?next=/status"
    r = sign_in(c, "pc.dexter", next_page="/status")
    assert r.status_code == 303 and r.headers["location"] == "/status"
    page = c.get("/status")
    assert "PC" in page.text or "pc.dexter" in page.text
    bar = page.text.split('id="signed-in-as"')[1].split("</div>")[0]
    assert all(f"<span>{x}</span>" in bar for x in ("PC Sam Dexter", "problem owner", "Derbyshire Constabulary"))  # on every page


def test_the_api_answers_401_not_a_redirect(demo_url):
    r = client(demo_url).get("/api/status")
    assert r.status_code == 401 and r.json() == {"error": sessions.ENDED} and r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_after_sign_in_sara_never_sends_you_to_another_site(demo_url, target):
    r = sign_in(client(demo_url), "pc.dexter", next_page=target)
    assert r.status_code == 303 and r.headers["location"] == "/today"


def test_a_wrong_password_says_nothing_about_the_username(demo_url):
    c = client(demo_url)
    wrong = sign_in(c, "pc.dexter", "not the password")
    nobody = sign_in(c, "nobody.at.all", "not the password")
    assert wrong.status_code == nobody.status_code == 401
    assert "invalid username or password" in wrong.text and "invalid username or password" in nobody.text
    assert 'value="pc.dexter"' in wrong.text  # what was typed is kept, except the password
    assert "not the password" not in wrong.text


def test_sign_in_without_its_csrf_token_is_refused(demo_url):
    c = client(demo_url)
    c.get("/sign-in")
    r = c.post("/sign-in", data={"username": "pc.dexter", "password": DEMO_PASSWORD, "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403 and "sara_session" not in r.headers.get("set-cookie", "")


def test_a_post_without_the_sessions_csrf_token_is_403(demo_url):
    c = client(demo_url, "pc.dexter")
    assert c.post("/sign-out", follow_redirects=False).status_code == 403
    assert c.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False).status_code == 403
    assert c.get("/status").status_code == 200  # still signed in
    token = csrf(c.get("/status").text)
    assert c.post("/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert c.get("/status", follow_redirects=False).status_code == 303  # signed out: back to sign-in


def test_five_wrong_passwords_lock_the_account_in_the_browser_too(url):
    c = client(url)
    for _ in range(5):
        sign_in(c, "analyst", "wrong password!")
    r = sign_in(c, "analyst", DEMO_PASSWORD)
    assert r.status_code == 401 and "locked" in r.text


def test_a_password_spray_from_one_address_is_slowed(url):
    c = client(url)
    codes = [sign_in(c, f"user{i}", "Winter2026!!").status_code for i in range(services_access.SIGN_IN_LIMIT + 1)]
    assert codes[:-1] == [401] * services_access.SIGN_IN_LIMIT and codes[-1] == 429


def test_sessions_end_when_idle_after_ten_hours_and_when_revoked(url):
    engine = connect(url)
    pc = users.get_actor(engine, "pc.dexter")
    t0 = dt.datetime(2026, 12, 1, 8, 0)
    token, s = sessions.start(engine, pc, now=t0)
    assert sessions.resume(engine, token, now=t0 + dt.timedelta(minutes=29)).actor.username == "pc.dexter"
    with pytest.raises(sessions.Unauthenticated):
        sessions.resume(engine, token, now=t0 + dt.timedelta(minutes=29 + 31))  # 31 minutes idle
    token, _ = sessions.start(engine, pc, now=t0)
    for minutes in range(20, 10 * 60, 20):  # busy all day: never idle
        sessions.resume(engine, token, now=t0 + dt.timedelta(minutes=minutes))
    with pytest.raises(sessions.Unauthenticated):
        sessions.resume(engine, token, now=t0 + dt.timedelta(hours=10, minutes=1))
    t1 = t0 + dt.timedelta(hours=11)  # the next shift: both sessions above have ended
    token, s = sessions.start(engine, pc, now=t1)
    admin = users.get_actor(engine, "demo.admin")
    council_officer = users.get_actor(engine, "asb.officer")
    assert [x["id"] for x in sessions.live_sessions(engine, admin, now=t1)] == [s.id]
    assert sessions.live_sessions(engine, council_officer, now=t1) == []
    with pytest.raises(sessions.NotFound):
        sessions.revoke(engine, council_officer, s.id, now=t1)  # not theirs, not their organisation's
    assert sessions.revoke(engine, admin, s.id, now=t1)["ended"]
    with pytest.raises(sessions.Unauthenticated):
        sessions.resume(engine, token, now=t1)


def test_disabling_a_user_ends_their_sessions(url):
    engine = connect(url)
    c = client(url, "analyst")
    users.set_active(engine, users.get_actor(engine, "demo.admin"), "analyst", False)
    assert c.get("/status", follow_redirects=False).status_code == 303


def test_a_personal_token_signs_in_the_api_with_the_same_checks(url):
    engine = connect(url)
    made = users.create_token(engine, users.get_actor(engine, "analyst"), "script")
    c = client(url)
    ok = c.get("/api/status", headers={"Authorization": f"Bearer {made['token']}"})
    assert ok.status_code == 200 and ok.json()["events_total"] > 0
    bad = c.get("/api/status", headers={"Authorization": "Bearer sara_not-a-token"})
    assert bad.status_code == 401 and "invalid" in bad.json()["error"]
    users.revoke_token(engine, users.get_actor(engine, "analyst"), made["id"])
    assert c.get("/api/status", headers={"Authorization": f"Bearer {made['token']}"}).status_code == 401


def test_every_response_carries_the_security_headers(demo_url):
    c = client(demo_url, "pc.dexter")
    for path in ("/sign-in", "/status", "/api/status", "/no-such-page", "/assets/sara/build/sara.css"):
        h = c.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp and h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin"
        if not path.startswith("/assets/"):
            assert h["cache-control"] == "no-store"
    cookie = sign_in(client(demo_url), "pc.dexter").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_signing_in_in_a_browser(demo_url, page):
    from tests import browser as served

    with served.serve(demo_url) as base:
        page.goto(f"{base}/status")
        assert page.url.endswith("/sign-in?next=/status")
        walk(page, "sign-in")
        page.fill("#username", "pc.dexter")
        page.fill("#password", "wrong password!")
        page.click("button:has-text('Sign in')")
        assert page.locator(".govuk-error-summary").inner_text().count("invalid username or password") == 1
        walk(page, "sign-in-refused")
        browser_sign_in(page, base, "pc.dexter", next_page="/status")
        assert page.url.endswith("/status") and "Derbyshire Constabulary" in page.locator("#signed-in-as").inner_text()
        walk(page, "status")
        page.click("button:has-text('Sign out')")
        assert "/sign-in" in page.url
        assert not page.errors, page.errors


def test_an_administrator_ends_a_browser_session_from_the_command_line(url):
    from tests.cli import ok_json

    browser = client(url, "pc.dexter")
    env = {"SARA_PASSWORD": DEMO_PASSWORD}
    live = ok_json("session", "list", "--as", "demo.admin", "--db", url, env=env)
    assert [s["username"] for s in live] == ["pc.dexter"]
    assert ok_json("session", "revoke", str(live[0]["id"]), "--as", "demo.admin", "--db", url, env=env)["ended"] is True
    assert browser.get("/today", follow_redirects=False).headers["location"] == "/sign-in?next=/today"
    assert ok_json("session", "list", "--as", "demo.admin", "--db", url, env=env) == []


def test_an_expired_session_returns_to_sign_in_and_then_to_the_page(url):
    from sara.store.schema.access import WebSession

    c = client(url, "pc.dexter")
    engine = connect(url)
    s = WebSession.__table__
    with engine.begin() as conn:  # 31 minutes without a request
        conn.execute(s.update().values(last_seen_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=31)))
    r = c.get("/status?tab=areas", follow_redirects=False)
    assert r.headers["location"] == "/sign-in?next=/status%3Ftab%3Dareas"
    assert sign_in(c, "pc.dexter", next_page="/status?tab=areas").headers["location"] == "/status?tab=areas"
    with engine.begin() as conn:
        conn.execute(s.update().values(last_seen_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=31)))
    sent = c.post("/sign-out", data={"csrf_token": "x"}, headers={"referer": f"{c.base_url}/status"}, follow_redirects=False)
    assert sent.headers["location"] == "/sign-in?next=/status"  # a form sent after the session ended: back to its page


def test_a_missing_page_is_a_plain_404_in_the_layout(demo_url):
    r = client(demo_url, "pc.dexter").get("/no-such-page")
    assert r.status_code == 404 and "Page not found" in r.text and "Go to Today" in r.text
    assert client(demo_url, "pc.dexter").get("/api/no-such-thing").json() == {"error": "there is no page at this address: check it, or start from Today"}


def test_a_nul_character_is_a_bad_request_not_a_database_error(url):
    c = client(url, "pc.dexter")
    assert c.get("/api/today", params={"area": "Bols\x00over"}).json()["field"] == "query"
    token = csrf(c.get("/today").text)
    r = c.post("/api/problems", json={"title": "nul\x00here"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and r.json() == {"error": "text may not contain NUL characters (\\0)", "field": "body"}
    assert sign_in(client(url), "pc\x00dexter").status_code == 422
