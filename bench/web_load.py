"""Benchmark: the web app under load. The real ``sara serve`` on loopback over the demo database
(the Derbyshire police.uk year, about 100,000 events, with the demo casework), once on SQLite
with one worker and once on PostgreSQL with four; 50 simulated users, each signed in through
the real /sign-in form with a session of its own (the demo's staff users in turn, each user
from a loopback address of its own, as people at their own desks: the per-address sign-in limit
is not what is measured), each making a fixed number of requests to the main pages and their
JSON, one at a time: as fast as answers come (an asyncio httpx client per user; every user
always waiting, so the queue is as long as the users), and again with a person's think time
(each user pausing 1 to 3 s, at random, between an answer and its next request).

Per route: median and 95th-percentile latency and the errors (anything but a 200, or no answer)
under that load; the median of one user alone (the same requests, one at a time, nobody else
asking); and the same data got in-process: the route's JSON twin called as a function with the
same user's ``Context`` (its one service call, without HTTP, sessions, JSON or templates), one
call at a time. Routes that answer 404 (not built yet) are left out and named.

Run alone: ``.venv/bin/python -m bench.web_load`` (``--requests N`` per user, ``--sqlite-only``).
The figures of the run before results were kept per worker (``sara.services.kept``) are in
``BEFORE``, for the before/after columns of BENCHMARKS.md.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USERS = 50
REQUESTS_PER_USER = 6
STAFF = ("analyst", "pc.dexter", "insp.bolsover", "asb.officer", "housing.officer", "fire.officer", "yos.worker", "youth.worker")
PAGES = ("/today", "/explore", "/problems", "/powers", "/operations", "/status", "/reports/scrutiny")
JSON = ("/api/today", "/api/explore", "/api/explore/hotspots", "/api/problems", "/api/powers", "/api/powers/deadlines", "/api/operations", "/api/status",
        "/api/reports/scrutiny")
# The in-process reference of each route: the JSON routes whose functions give the data it shows.
REFERENCE = {"/explore": ("/api/explore", "/api/explore/hotspots")}
TARGET_MEDIAN, TARGET_P95 = 0.3, 1.0
THINK = (1.0, 3.0)  # seconds a person pauses between an answer and their next request
# The run of 2026-12-01, before counts and scans were kept per worker: (alone, loaded median) in ms, users never pausing.
BEFORE = {
    "SQLite, 1 worker": {
        "/today": (822, 19154), "/explore": (138, 7319), "/problems": (13, 5364), "/powers": (189, 9168), "/operations": (16, 6645), "/status": (453, 12160),
        "/api/today": (686, 22421), "/api/explore": (101, 9279), "/api/explore/hotspots": (177, 9874), "/api/problems": (13, 5529), "/api/powers": (262, 9620),
        "/api/powers/deadlines": (10, 8799), "/api/operations": (18, 8657), "/api/status": (482, 14021),
    },
    "PostgreSQL, 4 workers": {
        "/today": (1126, 9314), "/explore": (233, 3554), "/problems": (60, 2320), "/powers": (256, 4010), "/operations": (84, 2583), "/status": (468, 3919),
        "/api/today": (856, 11735), "/api/explore": (151, 3659), "/api/explore/hotspots": (179, 5235), "/api/problems": (54, 2930), "/api/powers": (296, 5548),
        "/api/powers/deadlines": (68, 3179), "/api/operations": (64, 4451), "/api/status": (560, 5422),
    },
}  # fmt: skip
BEFORE_THROUGHPUT = {"SQLite, 1 worker": "300 requests in 66.9 s (4.5 per second)", "PostgreSQL, 4 workers": "300 requests in 38.3 s (7.8 per second)"}


def _setup_path() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    if "SARA_AUDIT_KEY" not in os.environ and "SARA_AUDIT_KEY_FILE" not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="sara-bench-key-"))
        (folder / "audit.key").write_text("bench-audit-key-" + os.urandom(16).hex())
        os.environ["SARA_AUDIT_KEY_FILE"] = str(folder / "audit.key")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation (numpy's default), of at least one value."""
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    return s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (k - lo)


# --- the load --------------------------------------------------------------------------------


async def _sign_in(base: str, username: str, address: str):
    """A client of its own (one loopback source address), signed in through the form."""
    import httpx2 as httpx

    from tests.web import DEMO_PASSWORD, csrf

    client = httpx.AsyncClient(base_url=base, transport=httpx.AsyncHTTPTransport(local_address=address), timeout=120, follow_redirects=False)
    form = await client.get("/sign-in")
    r = await client.post("/sign-in", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf(form.text), "next": "/status"})
    if r.status_code != 303:
        await client.aclose()
        raise RuntimeError(f"{username} could not sign in: {r.status_code}")
    return client


async def _load(base: str, routes: list[str], users: int, per_user: int, think: tuple[float, float] | None = None) -> dict[str, list]:
    """Each user's requests, one at a time; every user starts at its own place in the routes.
    With ``think``, each user pauses that many seconds (uniform at random) before each request
    but the first, and starts at a random moment within the first pause, as people do."""
    limit = asyncio.Semaphore(8)  # sign-ins are argon2: a few at a time, before the clock starts

    async def signed(i: int):
        async with limit:
            return await _sign_in(base, STAFF[i % len(STAFF)], f"127.0.{1 + i // 200}.{10 + i % 200}")

    clients = await asyncio.gather(*(signed(i) for i in range(users)))
    timings: dict[str, list] = defaultdict(list)

    async def user(i: int, client) -> None:
        rng = random.Random(i)
        if think:
            await asyncio.sleep(rng.uniform(0, think[1]))
        for k in range(per_user):
            if think and k:
                await asyncio.sleep(rng.uniform(*think))
            route = routes[(i + k) % len(routes)]
            t0 = time.perf_counter()
            try:
                r = await client.get(route)
                ok = r.status_code == 200
            except Exception:  # noqa: BLE001  (no answer counts as an error)
                ok = False
            timings[route].append((time.perf_counter() - t0, ok))

    started = time.perf_counter()
    await asyncio.gather(*(user(i, c) for i, c in enumerate(clients)))
    wall = time.perf_counter() - started
    for c in clients:
        await c.aclose()
    timings["_wall"] = [wall]
    return timings


def _alone(base: str, routes: list[str], repeat: int = 3) -> dict[str, float]:
    """Median seconds of each route for one signed-in user with the server to itself."""

    async def one():
        client = await _sign_in(base, STAFF[1], "127.0.0.251")
        out = {}
        try:
            for route in routes:
                times = []
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    await client.get(route)
                    times.append(time.perf_counter() - t0)
                out[route] = statistics.median(times)
        finally:
            await client.aclose()
        return out

    return asyncio.run(one())


def _present(base: str) -> tuple[list[str], list[str]]:
    """The routes the app has (as a staff user sees them), and those answering 404."""

    async def probe():
        client = await _sign_in(base, STAFF[0], "127.0.0.250")
        try:
            return {r: (await client.get(r)).status_code for r in PAGES + JSON}
        finally:
            await client.aclose()

    codes = asyncio.run(probe())
    return [r for r, c in codes.items() if c != 404], [r for r, c in codes.items() if c == 404]


# --- the reference: the JSON route's function, in-process -------------------------------------


def _flat(routes):
    for r in routes:
        if hasattr(r, "original_router"):
            yield from _flat(r.original_router.routes)
        else:
            yield r


def _caller(app, path: str):
    """A function of ``ctx`` calling the GET route ``path`` as Python: the context, a bare request,
    and every other parameter at its default."""
    from fastapi.params import Depends
    from starlette.requests import Request

    route = next(r for r in _flat(app.routes) if getattr(r, "path", None) == path and "GET" in getattr(r, "methods", ()))
    fn = route.endpoint
    params = inspect.signature(fn).parameters

    def call(ctx):
        request = Request({"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [], "app": app})
        kwargs = {}
        for name, p in params.items():
            meta = getattr(p.annotation, "__metadata__", ())
            if name == "ctx" or any(isinstance(m, Depends) for m in meta):
                kwargs[name] = ctx
            elif name == "request":
                kwargs[name] = request
            elif p.default is not inspect.Parameter.empty:
                kwargs[name] = getattr(p.default, "default", p.default)
        result = fn(**kwargs)
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    return call


def _reference(url: str, routes: list[str], repeat: int = 3) -> dict[str, float | None]:
    """Median seconds of each route's in-process reference, over the staff users in turn."""
    from sara.access import users as users_
    from sara.services import Context
    from sara.store.engine import connect
    from sara.web.app import create_app

    engine = connect(url)
    app = create_app(engine)
    actors = [users_.get_actor(engine, u) for u in STAFF]
    out: dict[str, float | None] = {}
    for route in routes:
        paths = REFERENCE.get(route, (route if route.startswith("/api/") else "/api" + route,))
        try:
            calls = [_caller(app, p) for p in paths]
        except StopIteration:
            out[route] = None
            continue
        times = []
        for i in range(repeat * 2):
            ctx = Context(engine, actors[i % len(actors)])
            t0 = time.perf_counter()
            for call in calls:
                call(ctx)
            times.append(time.perf_counter() - t0)
        out[route] = statistics.median(times)
    engine.dispose()
    return out


# --- the runs ----------------------------------------------------------------------------------


def measure(url: str, workers: int, label: str, users: int = USERS, per_user: int = REQUESTS_PER_USER) -> list[dict]:
    """Two runs on one server: users never pausing, then users with a person's think time."""
    from tests.browser import serve

    loads = []
    with serve(url, workers=workers, timeout=120) as base:
        routes, missing = _present(base)
        alone = _alone(base, routes)
        for think in (None, THINK):
            load_before = os.getloadavg()[0]
            timings = asyncio.run(_load(base, routes, users, per_user, think))
            loads.append((think, timings, (load_before, os.getloadavg()[0])))
    reference = _reference(url, routes)
    out = []
    for think, timings, load in loads:
        rows = []
        for route in routes:
            t = timings[route]
            latencies = [s for s, _ in t]
            rows.append({"route": route, "n": len(t), "median": statistics.median(latencies), "p95": percentile(latencies, 0.95),
                         "errors": sum(1 for _, ok in t if not ok), "alone": alone[route], "reference": reference.get(route),
                         "before": None if think else BEFORE.get(label, {}).get(route)})  # fmt: skip
        total = sum(r["n"] for r in rows)
        out.append({"label": label, "server": label, "think": think, "workers": workers, "rows": rows, "missing": missing, "requests": total,
                    "wall": timings["_wall"][0], "load": load})  # fmt: skip
    for res in out:
        if res["think"]:
            res["label"] = f"{label}, users pausing {res['think'][0]:g}-{res['think'][1]:g} s"
    return out


def runs(sqlite_only: bool = False, per_user: int = REQUESTS_PER_USER) -> list[dict]:
    _setup_path()
    from tests.postgres import Server
    from tests.web import build_demo

    out = []
    with tempfile.TemporaryDirectory(prefix="sara-bench-web-") as folder:
        out += measure(build_demo(Path(folder)), 1, "SQLite, 1 worker", per_user=per_user)
    if not sqlite_only:
        with Server() as server:
            out += measure(build_demo(None, server.create_database("web_load")), 4, "PostgreSQL, 4 workers", per_user=per_user)
    return out


def table(results: list[dict]) -> list[str]:
    """The Markdown table of every run (for BENCHMARKS.md)."""
    lines = ["| server | route | requests | median (ms) | p95 (ms) | errors | alone (ms) | in-process (ms) | median / in-process | alone / in-process "
             "| before: alone (ms) | before: median (ms) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for res in results:
        for r in res["rows"]:
            ref, before = r["reference"], r.get("before")
            cells = [res["label"], f"`{r['route']}`", str(r["n"]), f"{1000 * r['median']:,.0f}", f"{1000 * r['p95']:,.0f}", str(r["errors"]),
                     f"{1000 * r['alone']:,.0f}", f"{1000 * ref:,.0f}" if ref else "", f"{r['median'] / ref:,.1f}x" if ref else "",
                     f"{r['alone'] / ref:,.1f}x" if ref else "", f"{before[0]:,}" if before else "", f"{before[1]:,}" if before else ""]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return lines


LAST: list[dict] = []  # the results of the latest run(), for section()


def section() -> list[str]:
    """BENCHMARKS.md's section of this benchmark: every route of the latest run, beside the run
    before results were kept per worker, and which targets it meets."""
    if not LAST:
        return []
    lines = ["## The web app under load (`bench/web_load.py`)", "",
             f"{USERS} simulated users signed in through the real form (the demo's staff users in turn), each making {LAST[0]['requests'] // USERS} "
             "requests to the pages and their JSON, against `sara serve` on loopback over the demo database "
             "(Derbyshire 2025 police.uk, about 100,000 events, and the demo casework), in two runs on each server: "
             "users who never pause (each asks again the moment an answer comes), then users who pause "
             f"{THINK[0]:g} to {THINK[1]:g} s between an answer and their next request, as a person reading a page does (labelled *users pausing*). "
             "*alone*: one user with the server to itself. "
             "*in-process*: the route's JSON function called in Python with the user's context (its service call alone). "
             "Users who never pause make the queue: with every user always waiting, a request waits for the ones ahead of it, "
             "so the loaded median is about users / throughput; *alone* is what one request costs. "
             "*before*: the run of 2026-12-01, before counts and scans were kept in each worker (users never pausing).", ""]  # fmt: skip
    for res in LAST:
        missing = f"; 404, not built yet, left out: {', '.join(res['missing'])}" if res["missing"] else ""
        before = f" (before: {BEFORE_THROUGHPUT[res['label']]})" if res["label"] in BEFORE_THROUGHPUT else ""
        lines.append(f"- {res['label']}: {res['requests']} requests in {res['wall']:.1f} s ({res['requests'] / res['wall']:.1f} per second){before}; "
                     f"1-minute load average {res['load'][0]:.1f} before, {res['load'][1]:.1f} after{missing}.")  # fmt: skip
    lines += ["", *table(LAST), "", f"Targets (not asserted): median under {TARGET_MEDIAN * 1000:.0f} ms, p95 under {TARGET_P95:.0f} s, no errors.", ""]
    for res in LAST:
        rows = res["rows"]
        slow = [r["route"] for r in rows if r["median"] > TARGET_MEDIAN]
        tail = [r["route"] for r in rows if r["p95"] > TARGET_P95]
        errors = sum(r["errors"] for r in rows)
        lines.append(f"- {res['label']}: median under {TARGET_MEDIAN * 1000:.0f} ms " + ("met on every route" if not slow else f"missed on {len(slow)} of {len(rows)} routes")
                     + f"; p95 under {TARGET_P95:.0f} s " + ("met on every route" if not tail else f"missed on {len(tail)} of {len(rows)} routes")
                     + f"; {errors} errors.")  # fmt: skip
    return lines


def run() -> list[dict]:
    """Rows for ``make bench``'s table: one per server set-up, its slowest route's median beside
    that route's in-process reference."""
    rows = []
    LAST[:] = runs()
    for res in LAST:
        worst = max(res["rows"], key=lambda r: r["median"])
        all_p95 = max(r["p95"] for r in res["rows"])
        errors = sum(r["errors"] for r in res["rows"])
        missing = f"; not built yet: {', '.join(res['missing'])}" if res["missing"] else ""
        rows.append({
            "benchmark": f"web under load: {USERS} signed-in users, slowest route {worst['route']} (worst p95 {all_p95:.2f} s, {errors} errors{missing})",
            "input": f"{res['label']}, demo database, {res['requests']} requests in {res['wall']:.0f} s",
            "ours_s": worst["median"], "reference": f"{worst['route']}'s data in-process, one call", "reference_s": worst["reference"] or worst["median"],
            "target": f"median < {TARGET_MEDIAN * 1000:.0f} ms, p95 < {TARGET_P95:.0f} s, 0 errors",
        })  # fmt: skip
    return rows


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS_PER_USER, help="requests per simulated user")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    LAST[:] = results = runs(args.sqlite_only, args.requests)
    for res in results:
        print(
            f"{res['label']}: {res['requests']} requests by {USERS} users in {res['wall']:.1f} s"
            + (f"; 404, left out: {', '.join(res['missing'])}" if res["missing"] else "")
        )
    print("\n".join(section()))


if __name__ == "__main__":
    main()
