"""Stateless workers: ``sara serve --workers 2`` on PostgreSQL serves one signed-in user from
either process, because sessions, CSRF tokens and rate limits live in the database, not in a
worker's memory. Everything here goes over real HTTP on loopback: the /sign-in form, a cookie
jar, pages and JSON, and the CSRF-protected sign-out.

Which worker answered is read from the kernel, not from the app: the server end of each kept-open
connection is a socket in exactly one worker's file table (``/proc/<pid>/fd`` against
``/proc/net/tcp``)."""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest

from sara.access import users
from sara.store.engine import connect
from sara.web.security import SESSION_COOKIE
from tests.browser import serve
from tests.web import DEMO_PASSWORD, build_demo, csrf

USER = "pc.dexter"
REQUESTS = 120


@pytest.fixture(scope="module")
def pg_demo(postgres) -> str:
    """The demo database (boundaries, a police.uk year, the casework) on PostgreSQL."""
    return build_demo(None, postgres.create_database("workers_demo"))


@pytest.fixture(scope="module")
def header(pg_demo) -> str:
    """What every page's header says of USER when USER is signed in."""
    engine = connect(pg_demo)
    actor = users.get_actor(engine, USER)
    engine.dispose()
    return f"{actor.display_name} · {actor.role.replace('_', ' ')} · {actor.organisation} · Your account ·"


def sign_in(base: str, username: str = USER) -> tuple[str, str]:
    """The session cookie and its CSRF token, from the real form over HTTP."""
    with httpx.Client(base_url=base) as c:
        form = c.get("/sign-in")
        r = c.post("/sign-in", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf(form.text), "next": "/status"})
        assert r.status_code == 303 and r.headers["location"] == "/status", r.text
        page = c.get("/status")
        assert page.status_code == 200
        return c.cookies[SESSION_COOKIE], csrf(page.text)


def who(page: httpx.Response) -> str:
    """Whom the page's header says is signed in ("pc.dexter · problem owner · ..."), or its status."""
    m = re.search(r'id="signed-in-as">(.*?)<form', page.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", "", m.group(1)).split()) if m else str(page.status_code)


def signed_in_as(page: httpx.Response, header: str) -> bool:
    return page.status_code == 200 and who(page) == header


def _pid_of_server(port: int) -> int:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"--port\0{port}\0".encode() in cmdline.read_bytes() and b"serve" in cmdline.read_bytes():
                return int(cmdline.parent.name)
        except OSError:
            continue
    raise AssertionError(f"no sara serve process on port {port}")


def workers_of(server: int) -> list[int]:
    """The uvicorn worker processes: children of the server started by multiprocessing's spawn."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if ppid == server and b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(found)


def connection_owners(port: int, workers: list[int]) -> Counter:
    """How many established connections to ``port`` each worker holds the server end of."""
    inodes = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if int(f[1].split(":")[1], 16) == port and f[3] == "01":  # local port, ESTABLISHED
            inodes[f[9]] = True
    owners = Counter()
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                m = re.fullmatch(r"socket:\[(\d+)\]", str(fd.readlink()))
            except OSError:
                continue
            if m and m.group(1) in inodes:
                owners[pid] += 1
    return owners


def test_two_workers_serve_one_session_and_one_sign_out_ends_it_for_both(pg_demo, header):
    with serve(pg_demo, workers=2, timeout=60) as base:
        port = urlsplit(base).port
        workers = workers_of(_pid_of_server(port))
        assert len(workers) == 2, workers

        cookie, token = sign_in(base)
        jar = {SESSION_COOKIE: cookie}

        # Many requests, each on a fresh connection (the kernel hands each to a worker): all as the one user.
        def page(path: str) -> httpx.Response:
            return httpx.get(base + path, cookies=jar, follow_redirects=False, timeout=60)

        with ThreadPoolExecutor(6) as pool:
            pages = list(pool.map(page, ["/status"] * (REQUESTS // 2)))
            apis = list(pool.map(page, ["/api/status"] * (REQUESTS // 2)))
        assert all(signed_in_as(p, header) for p in pages), Counter(who(p) for p in pages)
        assert all(a.status_code == 200 and "events" in str(a.json()).lower() for a in apis), Counter(a.status_code for a in apis)

        # Kept-open connections, until both workers hold some: each has answered as the same user.
        clients: list[httpx.Client] = []
        try:
            for _ in range(10):
                batch = [httpx.Client(base_url=base, cookies=jar, timeout=60) for _ in range(8)]
                with ThreadPoolExecutor(8) as pool:
                    answers = list(pool.map(lambda c: c.get("/status"), batch))
                assert all(signed_in_as(a, header) for a in answers)
                clients += batch
                owners = connection_owners(port, workers)
                if len(owners) == 2:
                    break
            assert set(owners) == set(workers), f"connections held per worker: {dict(owners)}"

            # A POST without the session's CSRF token is refused by whichever worker gets it.
            assert all(c.post("/sign-out").status_code == 403 for c in clients)
            assert all(signed_in_as(c.get("/status"), header) for c in clients)

            # Sign out on one connection, with the token another request's page gave.
            out = clients[0].post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
            assert out.status_code == 303 and out.headers["location"] == "/sign-in"

            # Every connection, on both workers, now finds the session ended.
            for c in clients[1:]:
                again = c.get("/status", follow_redirects=False)
                assert again.status_code == 303 and again.headers["location"].startswith("/sign-in"), again.status_code
                assert c.get("/api/status").status_code == 401
        finally:
            for c in clients:
                c.close()


def test_a_session_started_on_one_server_is_served_and_ended_by_another(pg_demo, header):
    """The same proof without the kernel's say in it: two ``sara serve`` over one database."""
    with serve(pg_demo) as first, serve(pg_demo) as second:
        cookie, _ = sign_in(first)
        jar = {SESSION_COOKIE: cookie}
        with httpx.Client(base_url=second, cookies=jar) as c:
            page = c.get("/status")
            assert signed_in_as(page, header), who(page)
            assert c.get("/api/status").status_code == 200
            assert c.post("/sign-out", data={"csrf_token": csrf(page.text)}, follow_redirects=False).status_code == 303
        ended = httpx.get(first + "/status", cookies=jar, follow_redirects=False)
        assert ended.status_code == 303 and ended.headers["location"].startswith("/sign-in")
        assert httpx.get(first + "/api/status", cookies=jar).status_code == 401
