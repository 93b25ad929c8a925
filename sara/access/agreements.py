"""Sharing agreements: who shares with whom, why, which data categories, at what scope, and
when, with every party's consent.

An agreement is proposed by one party's administrator or lead; it is live only once every
other party's administrator or lead has accepted it, from ``valid_from`` (inclusive) until
``valid_to`` (exclusive), and any party can end it at once (ICO Data Sharing Code: each
organisation decides for itself to share, and can stop). The moment it ends, access under it
ends, because every check asks for the agreements live now.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.roles import AGREEMENT_SCOPES, CATEGORIES, RESOURCE_CATEGORIES, check, narrowest
from sara.access.users import Actor, organisation_id, organisation_names
from sara.errors import Conflict, Forbidden, Invalid, NotFound
from sara.store.schema import access as sa_

GOVERNORS = ("administrator", "lead")  # the roles that propose, accept and end agreements


@dataclass(frozen=True)
class Agreement:
    id: int
    name: str
    parties: frozenset[int]
    purpose: str
    scope: str
    categories: frozenset[str]
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    accepted: tuple[tuple[int, dt.datetime | None], ...] = ()  # (party, accepted at) per party
    ended_at: dt.datetime | None = None

    def live(self, at: dt.datetime) -> bool:
        """Every party has accepted by ``at``, it has begun, and neither ended nor expired."""
        consented = all(when is not None and when <= at for _, when in self.accepted) if self.accepted else True
        return consented and self.valid_from <= at and (self.valid_to is None or at < self.valid_to) and (self.ended_at is None or at < self.ended_at)

    def covers(self, a: int, b: int, category: str) -> bool:
        return a in self.parties and b in self.parties and category in self.categories

    def status(self, at: dt.datetime) -> str:
        if self.ended_at is not None and self.ended_at <= at:
            return "ended"
        if self.valid_to is not None and self.valid_to <= at:
            return "expired"
        if any(when is None for _, when in self.accepted):
            return "awaiting acceptance"
        return "live" if self.live(at) else "not yet begun"


def _naive_utc(t: dt.datetime | dt.date | None) -> dt.datetime | None:
    if t is None:
        return None
    if not isinstance(t, dt.datetime):
        t = dt.datetime(t.year, t.month, t.day)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def _governs(actor, party_ids) -> None:
    if actor.role not in GOVERNORS or not actor.active:
        raise Forbidden("only an administrator or lead of a party proposes, accepts or ends a sharing agreement")
    if actor.organisation_id not in party_ids:
        raise Forbidden(f"{actor.organisation} is not a party to this agreement")


def add_agreement(
    engine: Engine, name: str, parties: list[str], purpose: str, scope: str, categories: list[str],
    valid_from: dt.datetime | dt.date, valid_to: dt.datetime | dt.date | None = None, *, actor: Actor | None = None,
    now: dt.datetime | None = None,
) -> dict:  # fmt: skip
    """Propose an agreement between two or more organisations (by name); audited as a create.
    The proposer's party accepts by proposing; the others must ``accept``. Made by the
    operator (``actor=None``: the demo, a migration) it stands accepted by every party."""
    check("scope", scope, AGREEMENT_SCOPES)
    for c in categories:
        check("data category", c, CATEGORIES, field="categories")
    if not categories:
        raise Invalid(f"an agreement needs at least one data category: {', '.join(CATEGORIES)}", field="category")
    if not (purpose or "").strip():
        raise Invalid("an agreement needs a purpose", field="purpose")
    party_ids = sorted({organisation_id(engine, p) for p in parties})
    if len(party_ids) < 2:
        raise Invalid("an agreement needs at least two different organisations as parties", field="party")
    if actor is not None:
        _governs(actor, party_ids)
    start, end = _naive_utc(valid_from), _naive_utc(valid_to)
    if end is not None and end <= start:
        raise Invalid("the end must be after the start", field="valid_to")
    now = now or audit.utcnow()
    t, p = sa_.SharingAgreement.__table__, sa_.agreement_party
    cats = sorted(set(categories))

    def consent(oid: int):  # the operator consents for all, from the start
        if actor is None:
            return min(now, start), None
        return (now, actor.id) if oid == actor.organisation_id else (None, None)

    try:
        with engine.begin() as conn:
            aid = conn.execute(
                t.insert().values(name=name, purpose=purpose, scope=scope, categories=json.dumps(cats), valid_from=start, valid_to=end,
                                  created_by=actor.id if actor else None, created_at=now).returning(t.c.id)
            ).scalar_one()  # fmt: skip
            conn.execute(p.insert(), [{"agreement_id": aid, "organisation_id": o, "accepted_at": consent(o)[0], "accepted_by": consent(o)[1]} for o in party_ids])
            audit.record(conn, [audit.Entry("create", actor, "agreement", aid, owner_org_id=actor.organisation_id if actor else None, purpose=purpose,
                                            detail={"name": name, "parties": parties, "scope": scope, "categories": cats})])  # fmt: skip
    except IntegrityError:
        raise Conflict(f"an agreement called {name!r} already exists") from None
    return show(engine, name, actor=actor, at=now)


propose = add_agreement


def agreements(engine: Engine) -> list[Agreement]:
    t, p = sa_.SharingAgreement.__table__, sa_.agreement_party
    with engine.connect() as conn:
        consents: dict[int, list[tuple[int, dt.datetime | None]]] = {}
        for aid, oid, when in conn.execute(select(p.c.agreement_id, p.c.organisation_id, p.c.accepted_at).order_by(p.c.organisation_id)):
            consents.setdefault(aid, []).append((oid, when))
        rows = conn.execute(select(t).order_by(t.c.id)).mappings().all()
    return [
        Agreement(r["id"], r["name"], frozenset(o for o, _ in consents.get(r["id"], ())), r["purpose"], r["scope"], frozenset(json.loads(r["categories"])),
                  r["valid_from"], r["valid_to"], tuple(consents.get(r["id"], ())), r["ended_at"])  # fmt: skip
        for r in rows
    ]


def _named(engine: Engine, name: str, actor) -> Agreement:
    """The agreement called ``name``, if the actor's organisation is a party (else NotFound,
    so names of other organisations' agreements are not confirmed)."""
    found = next((g for g in agreements(engine) if g.name == name), None)
    if found is None or (actor is not None and actor.organisation_id not in found.parties):
        raise NotFound(f"no sharing agreement called {name!r} to which your organisation is a party")
    return found


def accept(engine: Engine, actor: Actor, name: str, *, now: dt.datetime | None = None) -> dict:
    """Accept, for the actor's organisation, an agreement it is a party to; live once every party has."""
    now = now or audit.utcnow()
    g = _named(engine, name, actor)
    _governs(actor, g.parties)
    if g.status(now) in ("ended", "expired"):
        raise Conflict(f"the agreement {name!r} has {g.status(now)}: propose a new one")
    if dict(g.accepted).get(actor.organisation_id) is not None:
        raise Conflict(f"{actor.organisation} has already accepted {name!r}")
    p = sa_.agreement_party
    with engine.begin() as conn:
        conn.execute(p.update().where(p.c.agreement_id == g.id, p.c.organisation_id == actor.organisation_id).values(accepted_at=now, accepted_by=actor.id))
        audit.record(conn, [audit.Entry("change", actor, "agreement", g.id, owner_org_id=actor.organisation_id, purpose=g.purpose, detail={"accepted": True})])
    return show(engine, name, actor=actor, at=now)


def end(engine: Engine, actor: Actor, name: str, *, reason: str | None = None, now: dt.datetime | None = None) -> dict:
    """End an agreement at once, for every party (any party's administrator or lead may)."""
    now = now or audit.utcnow()
    g = _named(engine, name, actor)
    _governs(actor, g.parties)
    if g.status(now) == "ended":
        raise Conflict(f"the agreement {name!r} has already ended")
    t = sa_.SharingAgreement.__table__
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == g.id).values(ended_at=now, ended_by=actor.id))
        audit.record(conn, [audit.Entry("change", actor, "agreement", g.id, owner_org_id=actor.organisation_id, purpose=g.purpose,
                                        detail={"ended": True, "reason": reason})])  # fmt: skip
    return show(engine, name, actor=actor, at=now)


def describe(g: Agreement, names: dict[int, str], at: dt.datetime) -> dict:
    def iso(t):
        return t.isoformat() if t else None

    return {"id": g.id, "name": g.name, "parties": sorted(names[o] for o in g.parties), "purpose": g.purpose, "scope": g.scope,
            "categories": sorted(g.categories), "valid_from": iso(g.valid_from), "valid_to": iso(g.valid_to), "status": g.status(at),
            "accepted": {names[o]: iso(when) for o, when in g.accepted}, "awaiting": sorted(names[o] for o, when in g.accepted if when is None),
            "ended_at": iso(g.ended_at)}  # fmt: skip


def show(engine: Engine, name: str, *, actor: Actor | None, at: dt.datetime | None = None) -> dict:
    """One agreement the actor's organisation is a party to, with each party's acceptance."""
    return describe(_named(engine, name, actor), organisation_names(engine), at or audit.utcnow())


def list_agreements(engine: Engine, actor: Actor | None, *, at: dt.datetime | None = None) -> list[dict]:
    """The agreements the actor's organisation is a party to (every one, for the operator)."""
    names, at = organisation_names(engine), at or audit.utcnow()
    return [describe(g, names, at) for g in agreements(engine) if actor is None or actor.organisation_id in g.parties]


def live_between(engine_or_list, a: int, b: int, at: dt.datetime | None = None) -> list[Agreement]:
    """Agreements live at ``at`` (default now) to which both organisations are parties."""
    at = _naive_utc(at) or audit.utcnow()
    pool = agreements(engine_or_list) if isinstance(engine_or_list, Engine) else engine_or_list
    return [g for g in pool if a in g.parties and b in g.parties and g.live(at)]


def scope_over(pool, viewer_org: int, owner_org: int, category: str | None, resource: str = "person", at: dt.datetime | None = None) -> tuple[str, Agreement | None]:
    """The scope ``viewer_org`` has over ``owner_org``'s data of ``category`` (or, with none,
    over every category of ``resource``) and the agreement that grants it: the widest live
    agreement per category, the narrowest across categories; ("none", None) without one."""
    if viewer_org == owner_org:
        return "full", None
    live = live_between(pool, viewer_org, owner_org, at)
    cats = [category] if category else list(RESOURCE_CATEGORIES.get(resource, ()))
    if not cats:
        return "none", None
    best: list[tuple[str, Agreement | None]] = []
    for c in cats:
        granting = [g for g in live if c in g.categories]
        if not granting:
            return "none", None
        g = max(granting, key=lambda g: AGREEMENT_SCOPES.index(g.scope))
        best.append((g.scope, g))
    scope = narrowest(s for s, _ in best)
    return scope, next(g for s, g in best if s == scope)
