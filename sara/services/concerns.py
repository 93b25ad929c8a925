"""The public reporting portal (issue 13, part 5): concerns reported by the public at
/report-a-concern (``report``, nobody signed in), the moderation queue of the owning team
(``queue``, ``show``, ``accept``, ``reject``) and the count on the Today page. The rules (the
form's abuse controls, where a report is placed, whose queue, who sees the contact details)
are ``sara.casework.concerns``'s. Nothing here gives a submission to anyone not signed in: the
public gets a receipt number and a thank-you, never what was sent.
"""

from __future__ import annotations

from sara.casework import concerns as cc
from sara.services import Context


def form(ctx: Context) -> dict:
    """What the public form offers: the categories, the areas covered, the limits."""
    with ctx.engine.connect() as conn:
        covered = cc.partnership(conn)
    return {"categories": [{"value": k, "label": v["label"], "hint": v["hint"]} for k, v in cc.CATEGORIES.items()], "covered": covered["names"],
            "description_max": cc.DESCRIPTION_MAX}  # fmt: skip


def covered_map(ctx: Context) -> dict:
    """The partnership's districts (or wards, with none loaded) as simplified GeoJSON, for the form's map: public boundaries only."""
    import shapely
    from sqlalchemy import select

    from sara.store.schema import Area

    ar = Area.__table__
    with ctx.engine.connect() as conn:
        kind = "district" if conn.execute(select(ar.c.id).where(ar.c.kind == "district").limit(1)).first() else "ward"
        rows = conn.execute(select(ar.c.code, ar.c.name, ar.c.geometry).where(ar.c.kind == kind).order_by(ar.c.name)).all()
    feats = [{"type": "Feature", "geometry": shapely.geometry.mapping(shapely.simplify(shapely.from_wkb(g), 0.0005)), "properties": {"code": c, "name": n or c}}
             for c, n, g in rows]  # fmt: skip
    return {"type": "FeatureCollection", "features": feats}


def report(ctx: Context, *, category: str, where: str | None, when: str | None, description: str | None, lon=None, lat=None, name: str | None = None,
           phone: str | None = None, email: str | None = None, consent: bool = False, honeypot: str | None = None, address: str = "",
           limit: int | None = None) -> dict:  # fmt: skip
    """Take a report from the public form: ``{"receipt", "queued"}`` (``queued`` false for a bot's)."""
    return cc.submit(ctx.engine, category=category, where=where, when=when, description=description, lon=lon, lat=lat, name=name, phone=phone, email=email,
                     consent=consent, honeypot=honeypot, address=address, limit=limit, now=ctx.now)  # fmt: skip


def queue(ctx: Context, *, status: str | None = "waiting", problem: str | None = None) -> dict:
    """The actor's organisation's queue: the concerns (``status``; None: all) and the counts by status."""
    rows = cc.list_concerns(ctx.engine, ctx.actor, status=status, problem=problem)
    every = rows if status is None and not problem else cc.list_concerns(ctx.engine, ctx.actor, status=None)
    counts = {s: sum(r["status"] == s for r in every) for s in cc.STATUSES}
    return {"status": status or "all", "problem": problem, "concerns": rows, "counts": counts, "organisation": ctx.actor.organisation}


def show(ctx: Context, ref: str, *, purpose: str = cc.PURPOSE) -> dict:
    return cc.show(ctx.engine, ctx.actor, ref, purpose=purpose)


def accept(ctx: Context, ref: str, *, category: str | None = None, summary: str | None = None, problem: str | None = None, note: str | None = None,
           witness: str | None = None) -> dict:  # fmt: skip
    return cc.accept(ctx.engine, ctx.actor, ref, category=category, summary=summary, problem=problem, note=note, witness=witness, now=ctx.now)


def reject(ctx: Context, ref: str, reason: str) -> dict:
    return cc.reject(ctx.engine, ctx.actor, ref, reason, now=ctx.now)


def today_items(ctx: Context) -> list[dict]:
    """Items for the Today page's "For your team" list: ``{"kind", "id", "text", "href", "count"}``,
    one line when concerns wait in the team's queue (nothing for a reader who may not see it)."""
    n = cc.waiting_count(ctx.engine, ctx.actor)
    if not n:
        return []
    return [{"kind": "concerns_waiting", "id": "moderation", "text": f"{n} public concern{'s' if n != 1 else ''} waiting for moderation", "href": "/moderation",
             "count": n}]  # fmt: skip
