"""Who is asking: the dependencies every route takes. A page or JSON route gets a
``sara.services.Context`` for the signed-in user, from the session cookie or (for scripts) a
personal API token as ``Authorization: Bearer``; a POST with a session must carry its CSRF
token. Nobody signed in is ``Unauthenticated``: the app sends pages to /sign-in and answers
the API with 401. The rules themselves live in ``sara.services``; this only finds the actor."""

from __future__ import annotations

from fastapi import Request

from sara.errors import Forbidden, Invalid
from sara.services import Context
from sara.services import access as services_access
from sara.web import security

NUL = "text may not contain NUL characters (\\0)"


async def check_text(request: Request) -> None:
    """Refuse a NUL character anywhere in the query, a form's fields or a JSON body: no text
    column holds one (PostgreSQL refuses it), so it is a bad request, not a database error.
    Uploaded files may hold any bytes and are checked by what reads them."""
    if "%00" in request.url.query:
        raise Invalid(NUL, field="query")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # parsed once: FastAPI's Form parameters read the same
        for name, value in form.multi_items():
            if isinstance(value, str) and "\x00" in value:
                raise Invalid(NUL, field=name)
    else:
        body = await request.body()
        if b"\\u0000" in body or b"\x00" in body:
            raise Invalid(NUL, field="body")


class CsrfFailed(Forbidden):
    """A POST without its session's CSRF token (a forged form, or a page left open too long)."""


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def signed_in(request: Request) -> Context:
    """The signed-in user's context; checks CSRF on POST, PUT, PATCH and DELETE, and refuses
    NUL characters (``check_text``)."""
    await check_text(request)
    engine = request.app.state.engine
    token = _bearer(request)
    if token:
        request.state.session = None
        return Context(engine, services_access.bearer(engine, token))
    session = services_access.resume_session(engine, request.cookies.get(security.SESSION_COOKIE))
    request.state.session = session
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        given = request.headers.get(security.CSRF_HEADER)
        if not given and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            given = (await request.form()).get(security.CSRF_FIELD)
        if not security.token_valid(session.csrf_token, given):
            raise CsrfFailed("this form has expired or did not come from SARA: go back, reload the page and try again")
    return Context(engine, session.actor)


def session_of(request: Request):
    """The browser session of this request (None for a Bearer token)."""
    return getattr(request.state, "session", None)
