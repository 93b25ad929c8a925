"""The web app: ``create_app(engine)`` gives a FastAPI app whose pages are rendered on the
server with Jinja2 (autoescaped) and GOV.UK Frontend's components, and need nothing from the
network: no CDN, no web fonts.

Routes hold no business rules: each parses, calls one function of ``sara.services`` (or the
casework function the CLI calls) and renders what it returns, as HTML for people or as JSON
under ``/api/`` for scripts, with the same checks and the same data. The errors of every layer
map to one status each (``sara.errors``); a page says what to do next, the API says it as
``{"error": ...}``.
"""

from __future__ import annotations

import importlib
import logging
import time
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from sara.errors import Conflict, DatabaseError, Forbidden, Invalid, NotFound, SaraError, TooMany, Unauthenticated
from sara.services.access import SIGN_IN_LIMIT
from sara.web import assets, security
from sara.web.charts import month_chart  # noqa: F401  (re-exported for the tests of the status page)
from sara.web.render import number, render  # noqa: F401

# One module per area of work, each with a ``router`` (sara/web/pages/<name>.py).
PAGES = ("signin", "status", "today", "explore", "problems", "powers", "people", "operations", "assess", "tags", "early_help", "ocg", "reports", "scrutiny", "chb", "plans", "public", "community", "assets", "watch", "messages", "surveys", "concerns", "admin")
log = logging.getLogger("sara.web")

STATUS = {NotFound: 404, Unauthenticated: 401, Forbidden: 403, Conflict: 409, Invalid: 422, TooMany: 429}
TITLES = {404: "Page not found", 401: "Sign in", 403: "You cannot see this page", 409: "That could not be saved",
          422: "Check what you entered", 429: "Too many requests", 503: "SARA cannot reach its database"}  # fmt: skip


class HeadersAndLog:
    """The security headers on every response (``sara.web.security.headers``), and a log line of
    each request: method, path (never the query string: it may carry search terms), status and
    time. Plain ASGI rather than ``BaseHTTPMiddleware``, which streams every body through a
    task of its own: a few milliseconds on each request."""

    def __init__(self, app, policy: str) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), []

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(security.headers(self.policy, headers.get("content-type", ""), scope["path"]))
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, sending)
        log.info("%s %s %s %.0fms", scope["method"], scope["path"], status[0] if status else "-", 1000 * (time.perf_counter() - started))


def _status(exc: SaraError) -> int:
    for cls, code in STATUS.items():
        if isinstance(exc, cls):
            return code
    return 422


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(engine: Engine, *, tile_url: str | None = None, secure_cookies: bool = False, sign_in_limit: int = SIGN_IN_LIMIT) -> FastAPI:
    """The SARA web app over ``engine`` (one connection pool, shared by every request).
    ``tile_url`` is a map tile server (``https://tiles.example/{z}/{x}/{y}.png``): without one
    the maps draw the loaded areas as their base layer. ``secure_cookies`` marks cookies
    Secure (set it when SARA is served over HTTPS behind a proxy). ``sign_in_limit`` is the
    sign-in attempts allowed per address per minute (raise it when many users share one
    address behind a proxy)."""
    # No /docs: Swagger UI loads its assets from a CDN, and SARA must work with no internet.
    app = FastAPI(title="SARA", summary="Community safety problems: the JSON twin of every page.", version="0.1.0",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")  # fmt: skip
    app.state.engine = engine
    app.state.tile_url = tile_url
    app.state.secure_cookies = secure_cookies
    app.state.sign_in_limit = sign_in_limit
    policy = security.content_security_policy(tile_url)
    for prefix, folder in assets.mounts().items():
        app.mount(prefix, StaticFiles(directory=folder), name=prefix.strip("/").replace("/", "-"))

    app.add_middleware(HeadersAndLog, policy=policy)

    def error_page(request: Request, code: int, message: str, field: str | None = None) -> Response:
        if _is_api(request):
            body = {"error": message, **({"field": field} if field else {})}
            headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
            return JSONResponse(body, status_code=code, headers=headers)
        return render(request, "error.html", title=TITLES.get(code, "Something went wrong"), status_code=code, message=message, code=code)

    @app.exception_handler(SaraError)
    def sara_error(request: Request, exc: SaraError):
        code = _status(exc)
        if code == 401 and not _is_api(request):
            return RedirectResponse(f"/sign-in?next={_quote(_return_to(request))}", status_code=303)
        return error_page(request, code, str(exc), getattr(exc, "field", None))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException):
        message = "there is no page at this address: check it, or start from Today" if exc.status_code == 404 else str(exc.detail)
        return error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    def bad_request(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return error_page(request, 422, f"{where}: {first.get('msg', 'invalid value')}", where)

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(DatabaseError)
    def database_unavailable(request: Request, exc: Exception):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        log.error("database error on %s %s: %s", request.method, request.url.path, reason)
        return error_page(request, 503, "SARA cannot read its database just now: try again in a minute, and tell your administrator if it goes on")

    for name in PAGES:
        app.include_router(importlib.import_module(f"sara.web.pages.{name}").router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    return app


def _return_to(request: Request) -> str:
    """The page to come back to after signing in again: the page asked for, or for a form sent
    after the session ended, the page the form was on (its typed values are lost, but not the place)."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer") or "")
    same_site = referer.netloc == request.url.netloc
    return security.local_path((referer.path + (f"?{referer.query}" if referer.query else "")) if same_site else None)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def from_environment() -> FastAPI:
    """The app each ``sara serve`` worker builds: ``SARA_DATABASE_URL``, ``SARA_TILE_URL`` and
    ``SARA_SECURE_COOKIES`` (set by ``sara serve`` from its options), ``SARA_SIGN_IN_LIMIT``."""
    import os

    from sara.store.engine import connect

    return create_app(connect(os.environ.get("SARA_DATABASE_URL")), tile_url=os.environ.get("SARA_TILE_URL") or None,
                      secure_cookies=bool(os.environ.get("SARA_SECURE_COOKIES")),
                      sign_in_limit=int(os.environ.get("SARA_SIGN_IN_LIMIT") or SIGN_IN_LIMIT))  # fmt: skip


def configure_logging() -> None:
    """One line per request (method, path without its query, status, time) on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
