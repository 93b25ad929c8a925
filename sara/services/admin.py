"""Administration jobs that ``sara.services.access`` does not have: the overview an
administrator starts from, the organisations, one user, one's own sessions, the legal rule
versions in force, and searching the audit trail. Each checks who may (``sara.access``'s
permission table: administrators and leads govern their own organisation) before it reads.

Searching the audit trail shows who did what to which record and why, never a record's
contents; it reaches the entries an organisation may export (those by its users or about its
data), newest first.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from sara.access import audit, sessions, users
from sara.access.permissions import require
from sara.casework import instruments
from sara.casework.rules import default_rules
from sara.errors import Invalid, NotFound
from sara.services import Context
from sara.services import access as services_access
from sara.store.schema import access as sa_

AUDIT_PAGE = 200  # entries a search shows at most


def governs(ctx: Context) -> None:
    """Refuse anyone who may not read their organisation's users (administrators and leads may)."""
    services_access._signed_in(ctx)
    require(ctx.actor, "read", "user", ctx.actor.organisation_id)


def overview(ctx: Context) -> dict:
    """What the administration pages start from: who is asking, how many users, live sessions
    and agreements their organisation has, and whether they may add organisations."""
    governs(ctx)
    a = ctx.actor
    agreements = services_access.list_agreements(ctx)
    return {"organisation": a.organisation, "host": a.host, "role": a.role, "may_add_organisations": a.role == "administrator" and a.host,
            "may_manage_users": a.role == "administrator", "users": users.count_users(ctx.engine, a.organisation_id),
            "sessions": len(sessions.live_sessions(ctx.engine, a, now=ctx.now)) if a.role == "administrator" else None,
            "agreements": {s: sum(1 for g in agreements if g["status"] == s) for s in sorted({g["status"] for g in agreements})}}  # fmt: skip


def list_organisations(ctx: Context) -> list[dict]:
    """Every organisation of the partnership with its type, whether it is the host, and how
    many users it has (anyone signed in may read organisations)."""
    services_access._signed_in(ctx)
    require(ctx.actor, "read", "organisation", None)
    o, u = sa_.Organisation.__table__, sa_.User.__table__
    counts = select(u.c.organisation_id, func.count().label("n")).group_by(u.c.organisation_id).subquery()
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(o.c.name, o.c.type, o.c.is_host, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.organisation_id == o.c.id)
                            .order_by(o.c.name)).all()  # fmt: skip
    return [{"name": n, "type": t, "host": bool(h), "users": c} for n, t, h, c in rows]


def show_user(ctx: Context, username: str) -> dict:
    """One user of the actor's own organisation (``NotFound`` for anyone else, whether or not
    they exist elsewhere)."""
    for u in services_access.list_users(ctx):
        if u["username"] == username:
            return u
    raise NotFound(f"no user called {username!r} in {ctx.actor.organisation}")


def my_sessions(ctx: Context) -> list[dict]:
    """The signed-in user's own live sessions (an administrator's list of everyone's is
    ``access.live_sessions``)."""
    return [s for s in services_access.live_sessions(ctx) if s["username"] == ctx.actor.username]


def account(ctx: Context) -> dict:
    """The signed-in user's own personal tokens and live sessions."""
    return {"username": ctx.actor.username, "tokens": services_access.list_tokens(ctx), "sessions": my_sessions(ctx)}


def legal_rules(ctx: Context, on: dt.date | None = None) -> dict:
    """The versions of the ASB powers rules table and of the scoring instruments (risk
    questionnaires, the premises risk register), each with its citation or source, dates, and
    whether it is in force ``on`` (default today) and verified against the statute."""
    governs(ctx)
    on = on or ctx.now.date()
    law = default_rules().rules  # examples (proposed law) are listed, but never close a version in force
    book = law + tuple(r for r in default_rules(include_examples=True).rules if r.example)
    powers = [{"power": r.power, "version": r.version, "name": r.name, "section": r.section, "citation": r.citation,
               "effective_from": r.effective_from.isoformat(), "effective_to": r.effective_to.isoformat() if r.effective_to else None,
               "in_force": r.in_force(on) and not r.example, "example": r.example, "verified": r.verified, "commencement": r.commencement}
              for r in sorted(book, key=lambda r: (r.power, r.effective_from))]  # fmt: skip
    found = []
    for title, path, table in (("Risk questionnaire", instruments.DATA / "risk_questionnaires.toml", "instrument"),
                               ("Premises risk register", instruments.DATA / "premises_risk.toml", "version")):  # fmt: skip
        versions = instruments.load(str(path), table)
        for key in sorted({v.get("key") for v in versions}, key=str):
            current = instruments.in_force(versions, on, key=key) if any(v["effective_from"] <= on for v in versions if v.get("key") == key) else None
            for v in sorted((v for v in versions if v.get("key") == key), key=lambda v: v["effective_from"]):
                found.append({"instrument": v.get("name") or title, "kind": title, "key": key, "version": v["version"], "effective_from": v["effective_from"].isoformat(),
                              "in_force": v is current, "verified": bool(v["verified"]), "source": v["source"],
                              "bands": [{"band": b["band"], "min_score": b["min_score"]} for b in v["bands"]]})  # fmt: skip
    return {"on": on.isoformat(), "powers": powers, "instruments": found}


def _day(value: str | dt.date | None, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid(f"{value!r} is not a date", field=field, fix="use YYYY-MM-DD, e.g. 2026-03-04") from None


def _detail(text: str | None) -> dict:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {"text": text}
    return found if isinstance(found, dict) else {"value": found}


def search_audit(ctx: Context, *, user: str | None = None, organisation: str | None = None, action: str | None = None, subject_type: str | None = None,
                 since: str | dt.date | None = None, until: str | dt.date | None = None, limit: int = AUDIT_PAGE) -> dict:  # fmt: skip
    """The audit entries of the actor's organisation (by its users or about its data) that
    match every filter given: ``user`` (exact username), ``organisation`` (by name: the acting
    user's or the data owner's), ``action``, ``subject_type``, and the days ``since`` to
    ``until`` inclusive; newest first, at most ``limit``, with how many matched in all."""
    services_access._signed_in(ctx)
    own = ctx.actor.organisation_id
    require(ctx.actor, "read", "audit", own)
    first, last = _day(since, "since"), _day(until, "until")
    if first and last and last < first:
        raise Invalid("the last day is before the first", field="until", fix="give a last day on or after the first")
    if action and action not in audit.ACTIONS:
        raise Invalid(f"unknown action {action!r}", field="action", fix=f"choose one of {', '.join(audit.ACTIONS)}")
    t = sa_.AuditEvent.__table__
    where = [(t.c.actor_org_id == own) | (t.c.owner_org_id == own)]
    if user and user.strip():
        where.append(t.c.actor_username == user.strip())
    if organisation and organisation.strip():
        try:
            oid = users.organisation_id(ctx.engine, organisation.strip())
        except NotFound:
            raise Invalid(f"no organisation called {organisation.strip()!r}", field="organisation", fix="choose one from the list") from None
        where.append((t.c.actor_org_id == oid) | (t.c.owner_org_id == oid))
    if action:
        where.append(t.c.action == action)
    if subject_type and subject_type.strip():
        where.append(t.c.subject_type == subject_type.strip())
    if first:
        where.append(t.c.at >= dt.datetime.combine(first, dt.time()))
    if last:
        where.append(t.c.at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()))
    limit = max(1, min(int(limit), AUDIT_PAGE))
    names = users.organisation_names(ctx.engine)
    with ctx.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar_one()
        rows = conn.execute(select(t).where(*where).order_by(t.c.seq.desc()).limit(limit)).mappings().all()
        kinds = conn.execute(select(t.c.subject_type).distinct().where(where[0], t.c.subject_type.is_not(None)).order_by(t.c.subject_type)).scalars().all()
    entries = [{"seq": r["seq"], "at": r["at"].isoformat(timespec="seconds"), "user": r["actor_username"], "user_organisation": names.get(r["actor_org_id"]),
                "action": r["action"], "subject_type": r["subject_type"], "subject_id": r["subject_id"], "owner_organisation": names.get(r["owner_org_id"]),
                "purpose": r["purpose"], "detail": _detail(r["detail"])} for r in rows]  # fmt: skip
    return {"filters": {"user": user or None, "organisation": organisation or None, "action": action or None, "subject_type": subject_type or None,
                        "since": first.isoformat() if first else None, "until": last.isoformat() if last else None},
            "total": total, "shown": len(entries), "entries": entries, "actions": list(audit.ACTIONS), "subject_types": kinds}  # fmt: skip
