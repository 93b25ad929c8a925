"""Shared fixtures: a fresh database per test on SQLite and on a real PostgreSQL server,
and paths to the real data beside the checkout (``../shared/data``) and in the repo."""

from __future__ import annotations

import itertools
import os
import weakref
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from tests.postgres import Server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data"
_counter = itertools.count()


def pytest_configure(config) -> None:
    """One audit key for every test database of this run (a database's own key file lives
    beside a SQLite file, or in the home folder for PostgreSQL: not for thousands of tests)."""
    import tempfile

    if "SARA_AUDIT_KEY" not in os.environ and "SARA_AUDIT_KEY_FILE" not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="sara-test-keys-"))
        (folder / "audit.key").write_text("test-audit-key-" + os.urandom(16).hex())
        os.environ["SARA_AUDIT_KEY_FILE"] = str(folder / "audit.key")


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the session (each test gets its own database on it)."""
    server = Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty, initialised database URL: every test using it runs on both backends."""
    from sara.store.engine import init

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sara.db'}"
    else:
        server = request.getfixturevalue("postgres")
        url = server.create_database(f"t{os.getpid()}_{next(_counter)}")
    init(url)
    return url


@pytest.fixture
def engine(db_url):
    from sara.store.engine import connect

    engine = connect(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    from sara.store.engine import init

    url = f"sqlite:///{tmp_path / 'sara.db'}"
    init(url)
    return url


def shared(*parts: str) -> Path:
    """A file of ../shared/data, or skip-free failure: CI has it beside the checkout."""
    path = SHARED_DATA.joinpath(*parts)
    assert path.exists(), f"{path} is missing: the tests expect ../shared/data beside the checkout"
    return path


def loaded_database(directory: Path, boundaries: str) -> str:
    """A SQLite database with the 12 real Derbyshire months placed in one demo boundary
    file (e.g. ``derbyshire-districts.geojson.zip``), for module-scoped fixtures."""
    from sara.intake.areas import load_areas
    from sara.intake.load import load_police_uk
    from sara.store.engine import connect, init

    url = f"sqlite:///{directory / 'sara.db'}"
    init(url)
    engine = connect(url)
    kind = "district" if "district" in boundaries else "lsoa" if "lsoa" in boundaries else "ward"
    load_areas(engine, [str(ROOT / "demo" / boundaries)], kind)
    load_police_uk(engine, [str(shared("policeuk", "derbyshire-2025"))])
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """The demo database (``make demo-db``: boundaries, a real police.uk year, synthetic casework),
    built once per test worker. Read it only; copy it (``tests.web.copy_of``) to change it."""
    from tests.web import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium (Debian's) per test worker, driven by Playwright."""
    from tests.web import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(chromium_browser):
    """A fresh browser context (no cookies) and page, desktop-sized. ``page.errors`` collects
    script errors, CSP refusals and failed loads of a page's parts (a page itself may be a 4xx)."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.errors = []
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    p.on("console", lambda m: p.errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    p.on("response", lambda r: p.errors.append(f"{r.status} {r.url}") if r.status >= 400 and r.request.resource_type != "document" else None)
    yield p
    context.close()


_engines: weakref.WeakSet = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _seen(conn) -> None:
    _engines.add(conn.engine)


@pytest.fixture(autouse=True)
def _close_pooled_connections():
    """After each test, close the pooled connections of every engine it made (an engine stays
    usable: it connects again when asked). Thousands of tests each opening engines on one
    SQLite file would otherwise hold thousands of open files in a worker."""
    yield
    for engine in list(_engines):
        engine.dispose()
