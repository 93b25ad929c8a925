"""The references to people and premises that events carry (``victim_ref``, ``suspect_ref``,
``premises_ref``: a partner's own ids, often names or addresses) are personal data of the
organisation whose export carried them. A reader sees a reference as it stands only at a
scope their organisation has over that data (their own, or under a live sharing agreement
covering the category); otherwise its pseudonym, the same one for the same reference, so
repeats still group. The face audits the references it shows in clear.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Engine, select

from sara.access.agreements import agreements as load_agreements
from sara.access.permissions import can, pseudonym, pseudonym_key
from sara.store.schema import Source
from sara.store.schema import access as sa_

# column -> (resource, data category) of the sharing rules
REFERENCES = {"victim_ref": ("person", "victim"), "suspect_ref": ("person", "suspect"), "premises_ref": ("premises", "premises")}
CLEAR = ("existence", "summary", "full")


def source_owners(engine: Engine) -> dict[str, int | None]:
    """Each source's owning organisation (the host for what the operator loaded)."""
    o = sa_.Organisation.__table__
    with engine.connect() as conn:
        host = conn.execute(select(o.c.id).where(o.c.is_host.is_(True))).scalar()
        return {name: (org if org is not None else host) for name, org in conn.execute(select(Source.name, Source.organisation_id))}


def as_seen_by(engine: Engine, actor, column: str, refs: Sequence[str | None], owners: Sequence[int | None], *,
               at: dt.datetime | None = None) -> tuple[list[str | None], dict[str, int]]:  # fmt: skip
    """``refs`` (of ``column``, owned by ``owners``) as ``actor`` may see them (None: nobody
    signed in, who sees pseudonyms only), and the references shown in clear with their owner."""
    resource, category = REFERENCES[column]
    pool, key = load_agreements(engine), pseudonym_key(engine)
    scopes: dict[int | None, str] = {}
    seen, clear = [], {}
    for ref, owner in zip(refs, owners):
        if ref is None:
            seen.append(None)
            continue
        if owner not in scopes:
            d = can(actor, "read", resource, owner, category=category, at=at, agreements=pool) if actor is not None and owner is not None else None
            scopes[owner] = d.scope if d is not None and d.allowed else "none"
        if scopes[owner] in CLEAR:
            seen.append(ref)
            clear[ref] = owner
        else:
            seen.append(pseudonym(key, resource, owner or 0, ref))
    return seen, clear
