"""Helpers for the web tests: the demo database (real Derbyshire boundaries and police.uk
data with the synthetic casework), the app served by the real ``sara serve`` on loopback,
headless Debian Chromium driven by Playwright (never a downloaded browser), axe-core from
``node_modules`` run in the page, sign-in as a demo user, and screenshots.

A test that only needs HTTP uses ``client(url, user)``: FastAPI's TestClient, signed in through
the real /sign-in form."""

from __future__ import annotations

import itertools
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from tests import browser
from tests.conftest import ROOT, shared

DEMO_PASSWORD = "the demo password in tests"
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def build_demo(folder: Path | None, url: str | None = None) -> str:
    """A SQLite file in ``folder`` (or the empty database at ``url``, PostgreSQL say) with
    everything ``make demo-db`` loads; returns its URL."""
    from sara.casework import demo
    from sara.intake.areas import load_areas
    from sara.intake.load import load_police_uk
    from sara.store.engine import connect, init

    url = url or f"sqlite:///{folder / 'demo.db'}"
    init(url)
    engine = connect(url)
    for name, kind in (("lsoa2011", "lsoa"), ("wards2016", "ward"), ("districts", "district")):
        load_areas(engine, [str(ROOT / "demo" / f"derbyshire-{name}.geojson.zip")], kind)
    load_police_uk(engine, [str(shared("policeuk", "derbyshire-2025"))])
    demo.load(engine, password=DEMO_PASSWORD)
    engine.dispose()
    return url


def copy_of(url: str, folder: Path) -> str:
    """A copy of a SQLite database (for a test that changes it), without the sessions and
    sign-in counts that tests reading the original left in it."""
    import sqlite3

    src = Path(url.removeprefix("sqlite:///"))
    dst = folder / "copy.db"
    shutil.copy(src, dst)
    conn = sqlite3.connect(dst)
    try:
        with conn:
            conn.execute("DELETE FROM web_session")
            conn.execute("DELETE FROM rate_limit")
    finally:
        conn.close()
    return f"sqlite:///{dst}"


_addresses = itertools.count()  # each client its own address: the per-address sign-in limit is per person, not per test run


def client(url: str, username: str | None = None, password: str = DEMO_PASSWORD):
    """A TestClient of the app over ``url``, signed in as ``username`` through /sign-in."""
    from fastapi.testclient import TestClient

    from sara.store.engine import connect
    from sara.web.app import create_app

    n = next(_addresses)
    c = TestClient(create_app(connect(url)), client=(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", 50000))
    if username:
        r = sign_in(c, username, password)
        assert r.status_code == 303, r.text
    return c


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(c, username: str, password: str = DEMO_PASSWORD, next_page: str = "/today"):
    token = csrf(c.get("/sign-in").text)
    return c.post("/sign-in", data={"username": username, "password": password, "csrf_token": token, "next": next_page}, follow_redirects=False)


# -- the browser ------------------------------------------------------------------------------


@contextmanager
def chromium():
    """Playwright's Chromium: Debian's own binary, headless, loopback only."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=browser.chromium(), args=browser.FLAGS[1:], headless=True)
        try:
            yield b
        finally:
            b.close()


def browser_sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD, next_page: str = "/today") -> None:
    page.goto(f"{base}/sign-in?next={next_page}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("networkidle")


def axe(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (none = pass).
    Run through Playwright's evaluate, so the page's CSP (no inline script) still holds."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


def screenshot(page, name: str) -> Path:
    """A full-page PNG in build/screenshots (the README's pictures are copied from there)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def walk(page, name: str) -> None:
    """What every page must pass once rendered: no serious accessibility violation, no script
    error; then its screenshot."""
    found = axe(page)
    assert not found, f"{name}: {found}"
    screenshot(page, name)
