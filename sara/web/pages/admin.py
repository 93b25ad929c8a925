"""Administration (``/admin``): organisations, users, sharing agreements, the legal rule
versions in force, the audit trail (search, verify, checkpoint, export) and live sessions; and
``/account``, where anyone signed in keeps their own personal API tokens and sessions.

Every route parses its input, calls one function of ``sara.services.access`` (or
``sara.services.admin`` for what access has not) and renders. Who may do what is decided
there: a refusal comes back as a 403 page, or beside the field it concerns; input the
service rejects comes back on the same form with the field marked and what was typed kept.
One-time codes and new tokens are shown once, on the response to the POST that made them
(never in a URL; every response is ``no-store``). Each page has its JSON twin under
``/api/admin/...`` or ``/api/account``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from sara.access.audit import ACTIONS as AUDIT_ACTIONS
from sara.access.roles import AGREEMENT_SCOPES, CATEGORIES, ORG_TYPES, ROLES
from sara.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from sara.report.export import csv_text
from sara.services import Context
from sara.services import access as services_access
from sara.services import admin as services_admin
from sara.web import security
from sara.web.auth import CsrfFailed, signed_in
from sara.web.render import errors_of, render, sentence

router = APIRouter()
Signed = Annotated[Context, Depends(signed_in)]
Text = Annotated[str, Form(max_length=200)]
LongText = Annotated[str, Form(max_length=2000)]
Role = Literal[ROLES]
OrgType = Literal[ORG_TYPES]
Scope = Literal[AGREEMENT_SCOPES]
Category = Literal[CATEGORIES]
SECTIONS = (("/admin", "Overview"), ("/admin/organisations", "Organisations"), ("/admin/users", "Users"), ("/admin/agreements", "Agreements"),
            ("/admin/rules", "Legal rules"), ("/admin/audit", "Audit trail"), ("/admin/sessions", "Sessions"), ("/account", "Your tokens"))  # fmt: skip
DONE = {"disabled": "The user is disabled: they cannot sign in, and their tokens stop working.", "enabled": "The user can sign in again.",
        "changed": "The user is changed.", "accepted": "Your organisation has accepted the agreement.", "ended": "The agreement has ended for every party.",
        "revoked": "The session has ended: that browser must sign in again.", "token-revoked": "The token is revoked: it no longer signs in.",
        "added": "The organisation is added."}  # fmt: skip
DAYS = (30, 90, 365, 0)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
AUDIT_PAGE_ROWS = 50  # a page shows the newest 50 matches; the JSON twin up to services_admin.AUDIT_PAGE


def _page(request: Request, template: str, title: str, *, status_code: int = 200, errors=None, **context):
    return render(request, f"admin/{template}", title=title, status_code=status_code, errors=errors, sections=SECTIONS,
                  done=DONE.get(request.query_params.get("done", "")), **context)  # fmt: skip


def _field_error(exc: Exception, field: str) -> dict:
    """A refusal shown beside ``field`` (a Conflict or Forbidden names none of its own)."""
    field = getattr(exc, "field", None) or field
    return {"summary": [{"text": sentence(str(exc)), "href": f"#{field}"}], "fields": {field: str(exc)}}


def _errors(exc: Invalid) -> dict:
    """``errors_of``, its summary as sentences (the core words messages in lower case)."""
    found = errors_of(exc)
    return found | {"summary": [item | {"text": sentence(item["text"])} for item in found["summary"]]}


def _status(exc: Exception) -> int:
    return {Forbidden: 403, Conflict: 409, NotFound: 404}.get(type(exc), 403 if isinstance(exc, Forbidden) else 422)


def _choice(value: str, allowed, field: str, what: str) -> str:
    if value not in allowed:
        raise Invalid(f"choose {what}", field=field)
    return value


def _day(value: str, field: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"{value.strip()!r} is not a date", field=field, fix="use YYYY-MM-DD, e.g. 2026-04-01") from None


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


# -- overview ---------------------------------------------------------------------------------


@router.get("/admin", include_in_schema=False)
def overview_page(request: Request, ctx: Signed):
    return _page(request, "overview.html", "Administration", data=services_admin.overview(ctx))


@router.get("/api/admin", tags=["admin"])
def api_overview(ctx: Signed) -> dict:
    """Your organisation's users, live sessions and agreements by status, and what you may manage."""
    return services_admin.overview(ctx)


# -- organisations ----------------------------------------------------------------------------


def _organisations(request: Request, ctx: Context, *, form=None, errors=None, status_code=200):
    rows = services_admin.list_organisations(ctx)
    return _page(request, "organisations.html", "Organisations", rows=rows, types=ORG_TYPES, form=form or {}, errors=errors, status_code=status_code,
                 overview=services_admin.overview(ctx))  # fmt: skip


@router.get("/admin/organisations", include_in_schema=False)
def organisations_page(request: Request, ctx: Signed):
    services_admin.governs(ctx)
    return _organisations(request, ctx)


@router.post("/admin/organisations", include_in_schema=False)
def organisation_add(request: Request, ctx: Signed, name: Text = "", type: Text = ""):
    form = {"name": name, "type": type}
    try:
        services_access.add_organisation(ctx, name, _choice(type, ORG_TYPES, "type", "the type of organisation"))
    except (Invalid, Conflict) as exc:
        return _organisations(request, ctx, form=form, errors=_field_error(exc, "name"), status_code=_status(exc))
    return _back("/admin/organisations", "added")


class NewOrganisation(BaseModel):
    name: str = Field(max_length=200)
    type: OrgType


@router.get("/api/admin/organisations", tags=["admin"])
def api_organisations(ctx: Signed) -> list[dict]:
    """Every organisation of the partnership: name, type, whether it is the host, how many users."""
    return services_admin.list_organisations(ctx)


@router.post("/api/admin/organisations", tags=["admin"], status_code=201)
def api_organisation_add(ctx: Signed, body: NewOrganisation) -> dict:
    """Add an organisation (administrators of the host organisation only)."""
    return services_access.add_organisation(ctx, body.name, body.type)


# -- users ------------------------------------------------------------------------------------


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, ctx: Signed):
    return _page(request, "users.html", "Users", rows=services_access.list_users(ctx))


def _user_form(request: Request, ctx: Context, *, form=None, errors=None, status_code=200):
    orgs = [o["name"] for o in services_admin.list_organisations(ctx)]
    form = form or {"organisation": ctx.actor.organisation, "role": ""}
    return _page(request, "user-new.html", "Add a user", organisations=orgs, roles=ROLES, form=form, errors=errors, status_code=status_code)


@router.get("/admin/users/new", include_in_schema=False)
def user_new_page(request: Request, ctx: Signed):
    services_admin.governs(ctx)
    return _user_form(request, ctx)


@router.post("/admin/users", include_in_schema=False)
def user_add(request: Request, ctx: Signed, username: Text = "", display_name: Text = "", organisation: Text = "", role: Text = ""):
    form = {"username": username, "display_name": display_name, "organisation": organisation, "role": role}
    try:
        made = services_access.add_user(ctx, username, organisation, _choice(role, ROLES, "role", "a role"), display_name=display_name.strip() or None)
    except Conflict as exc:
        return _user_form(request, ctx, form=form, errors=_field_error(exc, "username"), status_code=409)
    except (Invalid, Forbidden, NotFound) as exc:
        return _user_form(request, ctx, form=form, errors=_field_error(exc, "organisation"), status_code=_status(exc))
    return _page(request, "code.html", "User added", user=made, made=True, status_code=201)


@router.get("/admin/users/{username}", include_in_schema=False)
def user_page(request: Request, ctx: Signed, username: str):
    return _page(request, "user.html", "User", user=services_admin.show_user(ctx, username), roles=ROLES, form={})


@router.post("/admin/users/{username}", include_in_schema=False)
def user_change(request: Request, ctx: Signed, username: str, role: Text = "", display_name: Text = ""):
    user = services_admin.show_user(ctx, username)
    form = {"role": role, "display_name": display_name}
    try:
        services_access.change_user(ctx, username, role=_choice(role, ROLES, "role", "a role") if role and role != user["role"] else None,
                                    display_name=display_name if display_name != user["display_name"] else None)  # fmt: skip
    except (Invalid, Conflict) as exc:
        errors = _errors(exc) if isinstance(exc, Invalid) and not exc.field else _field_error(exc, "role")
        return _page(request, "user.html", "User", user=user, roles=ROLES, form=form, errors=errors, status_code=_status(exc))
    return _back(f"/admin/users/{username}", "changed")


@router.post("/admin/users/{username}/disable", include_in_schema=False)
def user_disable(request: Request, ctx: Signed, username: str):
    return _active(request, ctx, username, False)


@router.post("/admin/users/{username}/enable", include_in_schema=False)
def user_enable(request: Request, ctx: Signed, username: str):
    return _active(request, ctx, username, True)


def _active(request: Request, ctx: Context, username: str, active: bool):
    try:
        services_access.set_active(ctx, username, active)
    except Conflict as exc:
        user = services_admin.show_user(ctx, username)
        return _page(request, "user.html", "User", user=user, roles=ROLES, form={}, errors={"summary": [{"text": sentence(str(exc)), "href": "#status"}], "fields": {}},
                     status_code=409)  # fmt: skip
    return _back(f"/admin/users/{username}", "enabled" if active else "disabled")


@router.post("/admin/users/{username}/reset", include_in_schema=False)
def user_reset(request: Request, ctx: Signed, username: str):
    return _page(request, "code.html", "New one-time code", user=services_access.reset_user(ctx, username), made=False)


class NewUser(BaseModel):
    username: str = Field(max_length=100)
    organisation: str = Field(max_length=200)
    role: Role
    display_name: str | None = Field(default=None, max_length=200)


class UserChange(BaseModel):
    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=200)


@router.get("/api/admin/users", tags=["admin"])
def api_users(ctx: Signed) -> list[dict]:
    """The users of your organisation (administrators and leads)."""
    return services_access.list_users(ctx)


@router.post("/api/admin/users", tags=["admin"], status_code=201)
def api_user_add(ctx: Signed, body: NewUser) -> dict:
    """Add a user of your organisation (or the first administrator of another, from the host); the one-time code is in the answer, once."""
    return services_access.add_user(ctx, body.username, body.organisation, body.role, display_name=body.display_name)


@router.get("/api/admin/users/{username}", tags=["admin"])
def api_user(ctx: Signed, username: str) -> dict:
    """One user of your organisation."""
    return services_admin.show_user(ctx, username)


@router.post("/api/admin/users/{username}", tags=["admin"])
def api_user_change(ctx: Signed, username: str, body: UserChange) -> dict:
    """Change a user's role or display name."""
    return services_access.change_user(ctx, username, role=body.role, display_name=body.display_name)


@router.post("/api/admin/users/{username}/active", tags=["admin"])
def api_user_active(ctx: Signed, username: str, active: Annotated[bool, Body(embed=True)]) -> dict:
    """Disable (``{"active": false}``) or enable a user."""
    return services_access.set_active(ctx, username, active)


@router.post("/api/admin/users/{username}/reset", tags=["admin"])
def api_user_reset(ctx: Signed, username: str) -> dict:
    """Clear a user's password and revoke their tokens; the new one-time code is in the answer, once."""
    return services_access.reset_user(ctx, username)


# -- sharing agreements -----------------------------------------------------------------------


def _agreement_form(request: Request, ctx: Context, *, form=None, errors=None, status_code=200):
    orgs = [o["name"] for o in services_admin.list_organisations(ctx)]
    form = form or {"parties": [ctx.actor.organisation], "categories": [], "scope": ""}
    return _page(request, "agreement-new.html", "Propose a sharing agreement", organisations=orgs, scopes=AGREEMENT_SCOPES, categories=CATEGORIES,
                 form=form, errors=errors, status_code=status_code)  # fmt: skip


@router.get("/admin/agreements", include_in_schema=False)
def agreements_page(request: Request, ctx: Signed):
    services_admin.governs(ctx)
    return _page(request, "agreements.html", "Sharing agreements", rows=services_access.list_agreements(ctx))


@router.get("/admin/agreements/new", include_in_schema=False)
def agreement_new_page(request: Request, ctx: Signed):
    services_admin.governs(ctx)
    return _agreement_form(request, ctx)


@router.post("/admin/agreements", include_in_schema=False)
def agreement_propose(request: Request, ctx: Signed, name: Text = "", purpose: LongText = "", scope: Text = "", valid_from: Text = "", valid_to: Text = "",
                      party: Annotated[list[str], Form(max_length=50)] = (), category: Annotated[list[str], Form(max_length=10)] = ()):  # fmt: skip
    services_admin.governs(ctx)
    form = {
        "name": name,
        "purpose": purpose,
        "scope": scope,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "parties": list(party),
        "categories": list(category),
    }
    try:
        if not name.strip():
            raise Invalid("give the agreement a name", field="name")
        for c in category:
            _choice(c, CATEGORIES, "category", "the categories of data shared")
        made = services_access.propose_agreement(ctx, name.strip(), list(party), purpose, _choice(scope, AGREEMENT_SCOPES, "scope", "what each party may see"),
                                                 list(category), _day(valid_from, "valid_from"), _day(valid_to, "valid_to"))  # fmt: skip
    except (Invalid, Conflict, Forbidden) as exc:
        field = getattr(exc, "field", None) or ("party" if isinstance(exc, Forbidden) else "name")
        return _agreement_form(request, ctx, form=form, errors=_field_error(exc, field), status_code=_status(exc))
    except NotFound as exc:
        return _agreement_form(request, ctx, form=form, errors=_field_error(exc, "party"), status_code=422)
    return RedirectResponse(f"/admin/agreements/{_quote(made['name'])}", status_code=303)


@router.get("/admin/agreements/{name:path}", include_in_schema=False)
def agreement_page(request: Request, ctx: Signed, name: str):
    services_admin.governs(ctx)
    return _page(request, "agreement.html", "Sharing agreement", g=services_access.show_agreement(ctx, name))


@router.post("/admin/agreements/{name:path}/accept", include_in_schema=False)
def agreement_accept(request: Request, ctx: Signed, name: str):
    services_access.accept_agreement(ctx, name)
    return _back(f"/admin/agreements/{_quote(name)}", "accepted")


@router.post("/admin/agreements/{name:path}/end", include_in_schema=False)
def agreement_end(request: Request, ctx: Signed, name: str, reason: LongText = ""):
    services_access.end_agreement(ctx, name, reason=reason.strip() or None)
    return _back(f"/admin/agreements/{_quote(name)}", "ended")


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


class NewAgreement(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    parties: list[str] = Field(min_length=2, max_length=50)
    purpose: str = Field(max_length=2000)
    scope: Scope
    categories: list[Category] = Field(min_length=1, max_length=10)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@router.get("/api/admin/agreements", tags=["admin"])
def api_agreements(ctx: Signed) -> list[dict]:
    """The sharing agreements your organisation is a party to, with each party's acceptance."""
    services_admin.governs(ctx)
    return services_access.list_agreements(ctx)


@router.post("/api/admin/agreements", tags=["admin"], status_code=201)
def api_agreement_propose(ctx: Signed, body: NewAgreement) -> dict:
    """Propose an agreement (an administrator or lead of a party); live once every other party accepts."""
    services_admin.governs(ctx)
    return services_access.propose_agreement(ctx, body.name, body.parties, body.purpose, body.scope, list(body.categories), body.valid_from, body.valid_to)


@router.get("/api/admin/agreements/{name:path}", tags=["admin"])
def api_agreement(ctx: Signed, name: str) -> dict:
    """One agreement your organisation is a party to."""
    services_admin.governs(ctx)
    return services_access.show_agreement(ctx, name)


@router.post("/api/admin/agreements/{name:path}/accept", tags=["admin"])
def api_agreement_accept(ctx: Signed, name: str) -> dict:
    """Accept an agreement for your organisation."""
    return services_access.accept_agreement(ctx, name)


@router.post("/api/admin/agreements/{name:path}/end", tags=["admin"])
def api_agreement_end(ctx: Signed, name: str, reason: Annotated[str | None, Body(embed=True, max_length=2000)] = None) -> dict:
    """End an agreement now, for every party."""
    return services_access.end_agreement(ctx, name, reason=reason)


# -- legal rule versions ----------------------------------------------------------------------


@router.get("/admin/rules", include_in_schema=False)
def rules_page(request: Request, ctx: Signed):
    return _page(request, "rules.html", "Legal rule versions", data=services_admin.legal_rules(ctx))


@router.get("/api/admin/rules", tags=["admin"])
def api_rules(ctx: Signed) -> dict:
    """The versions of the ASB powers rules table and the scoring instruments, with their citations and which is in force today."""
    return services_admin.legal_rules(ctx)


# -- the audit trail --------------------------------------------------------------------------

Filter = Annotated[str, Query(max_length=100)]


def _audit(request: Request, ctx: Context, filters: dict, *, verified=None, errors=None, status_code=200):
    try:
        found = services_admin.search_audit(ctx, **filters, limit=AUDIT_PAGE_ROWS)
    except Invalid as exc:
        found, errors, status_code = None, _errors(exc), 422
    orgs = [o["name"] for o in services_admin.list_organisations(ctx)]
    return _page(request, "audit.html", "Audit trail", found=found, filters=filters, organisations=orgs, actions=AUDIT_ACTIONS, verified=verified,
                 errors=errors, status_code=status_code)  # fmt: skip


@router.get("/admin/audit", include_in_schema=False)
def audit_page(request: Request, ctx: Signed, user: Filter = "", organisation: Filter = "", action: Filter = "", subject_type: Filter = "",
               since: Filter = "", until: Filter = ""):  # fmt: skip
    filters = {"user": user, "organisation": organisation, "action": action, "subject_type": subject_type, "since": since, "until": until}
    return _audit(request, ctx, filters)


@router.post("/admin/audit/verify", include_in_schema=False)
async def audit_verify(request: Request, ctx: Signed, checkpoint: Annotated[UploadFile | None, File()] = None):
    point = None
    if checkpoint is not None and checkpoint.filename:
        try:
            point = json.loads((await checkpoint.read(100_000)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            errors = {"summary": [{"text": "The checkpoint file is not JSON: choose the file SARA saved", "href": "#checkpoint"}],
                      "fields": {"checkpoint": "The checkpoint file is not JSON: choose the file SARA saved"}}  # fmt: skip
            return _audit(request, ctx, {}, errors=errors, status_code=422)
    return _audit(request, ctx, {}, verified=services_access.verify_audit(ctx, point))


@router.post("/admin/audit/checkpoint", include_in_schema=False)
def audit_checkpoint(ctx: Signed):
    point = services_access.audit_checkpoint(ctx)
    return Response(json.dumps(point, indent=2) + "\n", media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="sara-audit-checkpoint-{point["seq"]}.json"'})  # fmt: skip


@router.post("/admin/audit/export", include_in_schema=False)
def audit_export(ctx: Signed, organisation: Text = "", purpose: Text = ""):
    r = services_access.export_audit(ctx, organisation or ctx.actor.organisation, purpose=purpose.strip() or "audit export")
    day = ctx.now.date().isoformat()
    return Response(csv_text(r["columns"], r["rows"]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="sara-audit-{day}.csv"'})  # fmt: skip


class Checkpoint(BaseModel):
    checkpoint: dict | None = None


class AuditExport(BaseModel):
    organisation: str | None = Field(default=None, max_length=200)
    purpose: str = Field(default="audit export", max_length=200)


@router.get("/api/admin/audit", tags=["admin"])
def api_audit(ctx: Signed, user: Filter = "", organisation: Filter = "", action: Filter = "", subject_type: Filter = "", since: Filter = "",
              until: Filter = "") -> dict:  # fmt: skip
    """Your organisation's audit entries matching the filters (username, organisation, action, subject type, days from and to), newest first."""
    return services_admin.search_audit(ctx, user=user, organisation=organisation, action=action, subject_type=subject_type, since=since, until=until)


@router.post("/api/admin/audit/verify", tags=["admin"])
def api_audit_verify(ctx: Signed, body: Checkpoint | None = None) -> dict:
    """Recompute the audit chain under its key (and through a checkpoint, if given): ``ok`` and the first bad entry."""
    return services_access.verify_audit(ctx, body.checkpoint if body else None)


@router.post("/api/admin/audit/checkpoint", tags=["admin"])
def api_audit_checkpoint(ctx: Signed) -> dict:
    """The signed head of the audit chain, to keep where the database is not."""
    return services_access.audit_checkpoint(ctx)


@router.post("/api/admin/audit/export", tags=["admin"])
def api_audit_export(ctx: Signed, body: AuditExport | None = None) -> dict:
    """Your organisation's audit entries for export (recorded in the trail itself)."""
    body = body or AuditExport()
    return services_access.export_audit(ctx, body.organisation or ctx.actor.organisation, purpose=body.purpose)


# -- sessions ---------------------------------------------------------------------------------


def _this_session(request: Request) -> int | None:
    session = getattr(request.state, "session", None)
    return session.id if session else None


@router.get("/admin/sessions", include_in_schema=False)
def sessions_page(request: Request, ctx: Signed):
    services_admin.governs(ctx)
    return _page(request, "sessions.html", "Live sessions", rows=services_access.live_sessions(ctx), this_session=_this_session(request))


@router.post("/admin/sessions/{session_id}/revoke", include_in_schema=False)
def session_revoke(request: Request, ctx: Signed, session_id: Id):
    return _revoke(request, ctx, session_id, "/admin/sessions")


def _revoke(request: Request, ctx: Context, session_id: Id, back: str):
    services_access.revoke_session(ctx, session_id)
    if session_id == _this_session(request):
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        return response
    return _back(back, "revoked")


@router.get("/api/admin/sessions", tags=["admin"])
def api_sessions(ctx: Signed) -> list[dict]:
    """The live sessions of your organisation's users (an administrator), or your own."""
    return services_access.live_sessions(ctx)


@router.post("/api/admin/sessions/{session_id}/revoke", tags=["admin"])
def api_session_revoke(ctx: Signed, session_id: Id) -> dict:
    """End a session at once: your own, or one of your organisation's users' as its administrator."""
    return services_access.revoke_session(ctx, session_id)


# -- your own account: tokens and sessions ----------------------------------------------------


def _account(request: Request, ctx: Context, *, made=None, form=None, errors=None, status_code=200):
    return _page(request, "account.html", "Your tokens and sessions", data=services_admin.account(ctx), made=made, form=form or {"days": "90"},
                 days=DAYS, this_session=_this_session(request), errors=errors, status_code=status_code)  # fmt: skip


@router.get("/account", include_in_schema=False)
def account_page(request: Request, ctx: Signed):
    return _account(request, ctx)


@router.post("/account/tokens", include_in_schema=False)
def token_create(request: Request, ctx: Signed, name: Text = "", days: Text = "90"):
    form = {"name": name, "days": days}
    try:
        made = services_access.create_token(ctx, name, days=int(_choice(days, [str(d) for d in DAYS], "days", "how long the token lasts")) or None)
    except Invalid as exc:
        return _account(request, ctx, form=form, errors=_errors(exc), status_code=422)
    return _account(request, ctx, made=made, status_code=201)


@router.post("/account/tokens/{token_id}/revoke", include_in_schema=False)
def token_revoke(ctx: Signed, token_id: Id):
    services_access.revoke_token(ctx, token_id)
    return _back("/account", "token-revoked")


@router.post("/account/sessions/{session_id}/revoke", include_in_schema=False)
def own_session_revoke(request: Request, ctx: Signed, session_id: Id):
    return _revoke(request, ctx, session_id, "/account")


class NewToken(BaseModel):
    name: str = Field(max_length=200)
    days: int | None = Field(default=90, ge=1, le=3650)


@router.get("/api/account", tags=["account"])
def api_account(ctx: Signed) -> dict:
    """Your personal API tokens (never the tokens themselves) and your live sessions."""
    return services_admin.account(ctx)


@router.post("/api/account/tokens", tags=["account"], status_code=201)
def api_token_create(ctx: Signed, body: NewToken) -> dict:
    """A new personal API token, in the answer once (SARA keeps only its hash); ``days: null`` lasts until revoked."""
    return services_access.create_token(ctx, body.name, days=body.days)


@router.post("/api/account/tokens/{token_id}/revoke", tags=["account"])
def api_token_revoke(ctx: Signed, token_id: Id) -> dict:
    """Revoke one of your tokens at once."""
    return services_access.revoke_token(ctx, token_id)


@router.post("/api/account/sessions/{session_id}/revoke", tags=["account"])
def api_own_session_revoke(ctx: Signed, session_id: Id) -> dict:
    """End one of your own sessions."""
    return services_access.revoke_session(ctx, session_id)


# -- setting one's password with a one-time code (before signing in) -------------------------

ACTIVATE_COOKIE = "sara_pre_activate"


def _activate_form(request: Request, *, form=None, errors=None, status_code=200):
    cookie = request.cookies.get(ACTIVATE_COOKIE) or security.new_pre_token()
    request.state.csrf_token = security.pre_signature(request.app.state.engine, cookie)
    response = render(request, "admin/activate.html", title="Set your password", form=form or {}, errors=errors, status_code=status_code)
    response.set_cookie(ACTIVATE_COOKIE, cookie, httponly=True, samesite="strict", secure=request.app.state.secure_cookies, path="/activate")
    return response


@router.get("/activate", include_in_schema=False)
def activate_page(request: Request):
    return _activate_form(request)


@router.post("/activate", include_in_schema=False)
def activate(request: Request, username: Text = "", code: Text = "", password: Annotated[str, Form(max_length=1000)] = "", csrf_token: Text = ""):
    engine = request.app.state.engine
    if not security.pre_valid(engine, request.cookies.get(ACTIVATE_COOKIE), csrf_token):
        raise CsrfFailed("this form has expired: reload the page and try again")
    form = {"username": username, "code": code}
    try:
        user = services_access.activate(engine, username.strip(), code.strip(), password)
    except Invalid as exc:
        return _activate_form(request, form=form, errors=_field_error(exc, "password"), status_code=422)
    except Unauthenticated as exc:
        return _activate_form(request, form=form, errors=_field_error(exc, "code"), status_code=401)
    response = render(request, "admin/activated.html", title="Password set", user=user)
    response.delete_cookie(ACTIVATE_COOKIE, path="/activate")
    return response
