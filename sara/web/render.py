"""Rendering pages: one Jinja2 environment (autoescaped, strict) with SARA's templates and
GOV.UK Frontend's component macros (``govuk_frontend_jinja``), and ``render`` which gives every
page what its layout needs: who is signed in, the CSRF token for its forms, the navigation."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from sara.errors import Invalid
from sara.report.documents import page_view
from sara.services.early_help import may_use as may_use_early_help
from sara.services.ocg import may_use as may_use_ocg
from sara.services.tags import may_use as may_use_tags

TEMPLATES = Path(__file__).parent / "templates"

# The service navigation: (path, label, roles that see it; None = everyone signed in).
NAVIGATION = (
    ("/today", "Today", None),
    ("/explore", "Explore", None),
    ("/problems", "Problems", None),
    ("/powers", "Powers and cases", {"analyst", "problem_owner", "partner_practitioner", "lead", "administrator"}),
    ("/tags", "Tags", may_use_tags),
    ("/operations", "Operations", None),
    ("/assess", "Assess", None),
    ("/early-help", "Early help", may_use_early_help),
    ("/ocg", "Organised crime", may_use_ocg),
    ("/community", "Community", None),
    ("/reports", "Reports", None),
    ("/admin", "Administration", {"administrator", "lead"}),
)


def _shown(roles, actor) -> bool:
    """Whether a navigation entry is for ``actor``: everyone (None), a set of roles, or a test
    of the actor (an entry for some organisation types only, say). Only a hint: the service
    behind the page makes the check that counts."""
    return roles is None or (roles(actor) if callable(roles) else actor.role in roles)


def number(value) -> str:
    """``12345`` as ``12,345``; anything that is not a number as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def percent(part: int, whole: int) -> str:
    if not whole:
        return ""
    share = 100 * part / whole
    return "<0.1%" if 0 < share < 0.1 else f"{share:.1f}%"


def when(value) -> str:
    """An ISO date or time as people read it: ``2025-03-04T09:30:00`` -> ``4 Mar 2025 09:30``."""
    import datetime as dt

    if not value:
        return ""
    try:
        d = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if len(str(value)) <= 10:
        return f"{d.day} {d:%b %Y}"
    return f"{d.day} {d:%b %Y %H:%M}"


def sentence(text) -> str:
    """The first letter upper case, the rest as it is (Jinja's ``capitalize`` lowers the rest)."""
    text = "" if text is None else str(text)
    return text[:1].upper() + text[1:]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(TEMPLATES), jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")})]
        ),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["percent"] = percent
    env.filters["when"] = when
    env.filters["sentence"] = sentence
    env.filters["pack_view"] = page_view
    return env


ENV = environment()


def errors_of(exc: Invalid | None) -> dict:
    """A refused form's errors as the templates show them: ``{"summary": [{"text", "href"}],
    "fields": {field: message}}`` (an error with no field goes to the summary only)."""
    if exc is None:
        return {"summary": [], "fields": {}}
    field = exc.field
    return {"summary": [{"text": str(exc), "href": f"#{field}" if field else "#main-content"}], "fields": {field: str(exc)} if field else {}}


def render(request: Request, template: str, *, title: str, status_code: int = 200, **context) -> HTMLResponse:
    """The page ``template`` with ``title`` (never personal data: it shows in tabs and history)."""
    session = getattr(request.state, "session", None)
    actor = session.actor if session else None
    here = request.url.path
    nav = [{"href": path, "text": label, "active": here == path or here.startswith(path + "/")}
           for path, label, roles in NAVIGATION if actor and _shown(roles, actor)]  # fmt: skip
    html = ENV.get_template(template).render(
        request=request,
        title=title,
        actor=actor,
        csrf_token=session.csrf_token if session else getattr(request.state, "csrf_token", ""),
        navigation=nav,
        here=here,
        errors=context.pop("errors", None) or errors_of(None),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
