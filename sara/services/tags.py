"""Tag trails against crimes, as the CLI (``sara tags``) and the web (``/tags``,
``/api/tags/compare``) ask for them: one function per job, the permission checks and the
audit in ``sara.casework.tags``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from sara.casework import tags
from sara.services import Context
from sara.store.schema import Event

LEADS = tags.LEADS
DEFAULT_CATEGORY = "Burglary"


def may_use(actor) -> bool:
    """Whether the navigation shows Tags to this actor (police and probation organisations)."""
    return tags.may_use(actor)


def load(ctx: Context, paths: list[str], mapping: str) -> dict:
    return tags.load_trails(ctx.engine, ctx.actor, paths, mapping, now=ctx.now)


def add_wearer(ctx: Context, reference: str, **kw) -> dict:
    return tags.add_wearer(ctx.engine, ctx.actor, reference, now=ctx.now, **kw)


def wearers(ctx: Context, *, purpose: str) -> list[dict]:
    return tags.list_wearers(ctx.engine, ctx.actor, purpose=purpose, now=ctx.now)


def compare(ctx: Context, *, categories: list[str], date_from: dt.date, date_to: dt.date, metres: float = 100.0, minutes: float = 30.0, purpose: str,
            zone: str = "Europe/London") -> dict:  # fmt: skip
    """The comparison (``sara.casework.tags.compare``): crimes compared, wearers, hits."""
    return tags.compare(ctx.engine, ctx.actor, categories=categories, date_from=date_from, date_to=date_to, metres=metres, minutes=minutes, purpose=purpose,
                        zone=zone, now=ctx.now)  # fmt: skip


def categories(ctx: Context) -> list[str]:
    """The categories of the events that carry a time (those a comparison can use), for the form."""
    tags._check(ctx.actor)
    e = Event.__table__
    with ctx.engine.connect() as conn:
        return list(conn.execute(select(e.c.category).where(e.c.occurred_from.is_not(None)).distinct().order_by(e.c.category)).scalars())
