"""Signing in and out. The form posts ``username``, ``password`` and ``csrf_token`` (the
double-submit token of ``sara.web.security``); a good sign-in starts a server-side session
(``sara.services.access.start_session``: argon2, the lockout, a per-address rate limit, the
audit) and returns to the page that was asked for."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from sara.errors import Invalid, TooMany, Unauthenticated
from sara.services import access as services_access
from sara.web import security
from sara.web.auth import CsrfFailed, check_text, signed_in
from sara.web.render import errors_of, render

router = APIRouter(include_in_schema=False)


def _form(request: Request, next_page: str, username: str = "", error: Exception | None = None, status_code: int = 200):
    cookie = request.cookies.get(security.PRE_COOKIE) or security.new_pre_token()
    request.state.csrf_token = security.pre_signature(request.app.state.engine, cookie)
    if isinstance(error, Invalid):
        errors = errors_of(error)
    elif error is not None:
        errors = {"summary": [{"text": str(error), "href": "#username"}], "fields": {"username": str(error)}}
    else:
        errors = None
    response = render(request, "signin/form.html", title="Sign in", username=username, next_page=next_page, errors=errors, status_code=status_code)
    response.set_cookie(security.PRE_COOKIE, cookie, httponly=True, samesite="strict", secure=request.app.state.secure_cookies, path="/sign-in")
    return response


@router.get("/")
def home(request: Request):
    return RedirectResponse("/today", status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/today"):
    return _form(request, security.local_path(next))


@router.post("/sign-in", dependencies=[Depends(check_text)])
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/today",
):
    engine = request.app.state.engine
    target = security.local_path(next)
    if not security.pre_valid(engine, request.cookies.get(security.PRE_COOKIE), csrf_token):
        raise CsrfFailed("this sign-in form has expired: reload the page and sign in again")
    address = request.client.host if request.client else ""
    try:
        token, _ = services_access.start_session(engine, username.strip(), password, address=address, agent=request.headers.get("user-agent"),
                                                          limit=request.app.state.sign_in_limit)  # fmt: skip
    except (Invalid, Unauthenticated) as exc:
        return _form(request, target, username, exc, status_code=422 if isinstance(exc, Invalid) else 401)
    except TooMany as exc:
        return _form(request, target, username, exc, status_code=429)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(security.SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.app.state.secure_cookies, path="/")
    response.delete_cookie(security.PRE_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request):
    ctx = await signed_in(request)
    session = request.state.session
    if session is not None:
        services_access.end_session(ctx.engine, session)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response
