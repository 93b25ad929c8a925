"""Sharing agreements: who shares with whom, why, which data categories, at what scope, and
when. An agreement is live from ``valid_from`` (inclusive) until ``valid_to`` (exclusive): the
moment it ends, access under it ends, because every check asks for the agreements live now."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.roles import AGREEMENT_SCOPES, CATEGORIES, RESOURCE_CATEGORIES, check, narrowest
from sara.access.users import AccessError, Actor, organisation_id
from sara.store.schema import access as sa_


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

    def live(self, at: dt.datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)

    def covers(self, a: int, b: int, category: str) -> bool:
        return a in self.parties and b in self.parties and category in self.categories


def _naive_utc(t: dt.datetime | dt.date | None) -> dt.datetime | None:
    if t is None:
        return None
    if not isinstance(t, dt.datetime):
        t = dt.datetime(t.year, t.month, t.day)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def add_agreement(
    engine: Engine, name: str, parties: list[str], purpose: str, scope: str, categories: list[str],
    valid_from: dt.datetime | dt.date, valid_to: dt.datetime | dt.date | None = None, *, actor: Actor | None = None,
) -> dict:  # fmt: skip
    """Record an agreement between two or more organisations (by name); audited as a create."""
    check("scope", scope, AGREEMENT_SCOPES)
    for c in categories:
        check("data category", c, CATEGORIES)
    if not categories:
        raise AccessError(f"an agreement needs at least one data category: {', '.join(CATEGORIES)}")
    if not purpose.strip():
        raise AccessError("an agreement needs a purpose")
    party_ids = sorted({organisation_id(engine, p) for p in parties})
    if len(party_ids) < 2:
        raise AccessError("an agreement needs at least two different organisations as parties")
    start, end = _naive_utc(valid_from), _naive_utc(valid_to)
    if end is not None and end <= start:
        raise AccessError("valid_to must be after valid_from")
    t, p = sa_.SharingAgreement.__table__, sa_.agreement_party
    cats = sorted(set(categories))
    try:
        with engine.begin() as conn:
            aid = conn.execute(
                t.insert().values(name=name, purpose=purpose, scope=scope, categories=json.dumps(cats), valid_from=start, valid_to=end,
                                  created_by=actor.id if actor else None, created_at=audit.utcnow()).returning(t.c.id)
            ).scalar_one()  # fmt: skip
            conn.execute(p.insert(), [{"agreement_id": aid, "organisation_id": o} for o in party_ids])
            audit.record(conn, [audit.Entry("create", actor, "agreement", aid, owner_org_id=actor.organisation_id if actor else None, purpose=purpose,
                                            detail={"name": name, "parties": parties, "scope": scope, "categories": cats})])  # fmt: skip
    except IntegrityError:
        raise AccessError(f"an agreement called {name!r} already exists") from None
    return {"id": aid, "name": name, "parties": sorted(parties), "purpose": purpose, "scope": scope, "categories": cats,
            "valid_from": start.isoformat(), "valid_to": end.isoformat() if end else None}  # fmt: skip


def agreements(engine: Engine) -> list[Agreement]:
    t, p = sa_.SharingAgreement.__table__, sa_.agreement_party
    with engine.connect() as conn:
        parties: dict[int, set[int]] = {}
        for aid, oid in conn.execute(select(p.c.agreement_id, p.c.organisation_id)):
            parties.setdefault(aid, set()).add(oid)
        rows = conn.execute(select(t).order_by(t.c.id)).mappings().all()
    return [
        Agreement(r["id"], r["name"], frozenset(parties.get(r["id"], ())), r["purpose"], r["scope"], frozenset(json.loads(r["categories"])), r["valid_from"], r["valid_to"])
        for r in rows
    ]


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
