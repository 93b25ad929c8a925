"""Today: what a user should look at first, in one call. What is new or rising in their
areas (emerging hot spots, data loaded since yesterday and in the last 7 days), repeat victims
over their threshold, legal deadlines due and missed, their overdue actions, risk reviews due,
and the patrols planned; for the teams that do them, the early-help search's new finds and
organised crime group reviews overdue; and whose data is loaded and how new it is.

Everything comes from the functions the CLI uses, each with its own permission checks and
audit (``sara.casework``, ``sara.services.scan``); this module only chooses the user's areas
and puts the pieces side by side. A user's areas are the districts of the problems they own
(or their organisation works), so an officer sees their town without choosing it; anyone can
choose another area by name. It follows the College of Policing practice example of one
force's daily-actions view, which replaced dashboards its users could not find things in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from sara.casework import interventions, patrols, people, problems, risk
from sara.casework.clock import LONDON
from sara.errors import Forbidden, Invalid
from sara.services import Context, concerns, early_help, ocg, scan, watch
from sara.services import data as services_data
from sara.services.kept import kept
from sara.store.schema import Area, EventArea, Load

# The emerging categories worth a look today (Esri's names): new, or hot now and getting hotter.
RISING = ("new hot spot", "consecutive hot spot", "intensifying hot spot", "persistent hot spot")
WATCHED = "Anti-social behaviour"


def _district_of(ctx: Context, codes: set[str]) -> list[str]:
    """The districts most of these areas' events lie in, by name (kept: a count of events)."""
    if not codes:
        return []

    def count() -> list[str]:
        a, ea = Area.__table__, EventArea.__table__
        inner = a.alias("inner")
        with ctx.engine.connect() as conn:
            inside = select(ea.c.event_id).join(inner, inner.c.id == ea.c.area_id).where(inner.c.code.in_(sorted(codes)))
            rows = conn.execute(
                select(a.c.name, func.count()).join(ea, ea.c.area_id == a.c.id).where(a.c.kind == "district", ea.c.event_id.in_(inside))
                .group_by(a.c.name).order_by(func.count().desc())
            ).all()  # fmt: skip
        return [name for name, _ in rows[:1] if name]

    return list(kept(ctx, ("district of", frozenset(codes)), count))


def my_areas(ctx: Context, listed: list[dict]) -> list[str]:
    """The districts of the problems the user owns, else of any problem they can see."""
    mine = {p["area"] for p in listed if p.get("area") and p.get("owner") == ctx.actor.username}
    return _district_of(ctx, mine or {p["area"] for p in listed if p.get("area")})


def _loads(ctx: Context) -> dict:
    """Files loaded since yesterday and in the last 7 days, summed by kind."""
    l = Load.__table__  # noqa: E741
    out = {}
    for key, since in (("since_yesterday", ctx.now - dt.timedelta(days=1)), ("last_7_days", ctx.now - dt.timedelta(days=7))):
        with ctx.engine.connect() as conn:
            rows = conn.execute(
                select(l.c.kind, func.count(), func.sum(l.c.inserted), func.sum(l.c.updated), func.max(l.c.loaded_at))
                .where(l.c.loaded_at >= since).group_by(l.c.kind).order_by(l.c.kind)
            ).all()  # fmt: skip
        out[key] = [{"kind": k, "files": n, "new_rows": int(i or 0), "updated_rows": int(u or 0), "last_loaded_at": t.isoformat(timespec="minutes")}
                    for k, n, i, u, t in rows]  # fmt: skip
    return out


def _emerging(ctx: Context, area: str | None) -> dict:
    """Cells in a rising emerging-hot-spot category for the watched category, by LSOA name."""
    try:
        found = kept(ctx, ("today emerging", area), lambda: scan.emerging(ctx, filters=scan.Filters(categories=(WATCHED,), area=area)).to_dict())
    except Invalid as exc:  # too few events for a cube, say: Today says so and shows the rest
        return {"category": WATCHED, "area": area, "places": [], "note": str(exc)}
    by_place: dict[tuple, Counter] = {}
    for row in found["rows"]:
        if row.get("category") in RISING:
            key = (row.get("lsoa") or "outside the loaded areas", row.get("ward") or "")
            by_place.setdefault(key, Counter())[row["category"]] += 1
    places = [{"lsoa": lsoa, "ward": ward, "cells": sum(c.values()), "categories": dict(c)} for (lsoa, ward), c in by_place.items()]
    places.sort(key=lambda p: (-p["cells"], p["lsoa"]))
    p = found["params"]
    return {"category": WATCHED, "area": p.get("area_name") or area, "first_period": p.get("first_period"), "last_period": p.get("last_period"),
            "cell_size": p.get("cell_size"), "places": places, "note": None}  # fmt: skip


def _patrols_planned(ops: list[dict], today: dt.date) -> list[dict]:
    """Operations running now or starting within a week, with their sites by name."""
    soon = today + dt.timedelta(days=7)
    out = []
    for o in ops:
        start = dt.date.fromisoformat(o["start"]) if o.get("start") else None
        end = dt.date.fromisoformat(o["end"]) if o.get("end") else None
        if start and start <= soon and (end is None or end >= today):
            out.append({"name": o["name"], "problem": o.get("problem"), "start": o["start"], "end": o.get("end"),
                        "sites": [s["name"] for s in o.get("sites", [])]})  # fmt: skip
    return out


def area_choices(ctx: Context) -> list[dict]:
    """The districts and wards loaded, by name (for choosing an area on Today)."""
    a = Area.__table__
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(a.c.kind, a.c.name, a.c.code).where(a.c.kind.in_(("district", "ward")), a.c.name.is_not(None))
                            .order_by(a.c.kind, a.c.name)).all()  # fmt: skip
    return [{"kind": k, "name": n, "code": c} for k, n, c in rows]


def _check_area(ctx: Context, area: str) -> str:
    a = Area.__table__
    with ctx.engine.connect() as conn:
        found = conn.execute(select(a.c.name).where((a.c.name == area) | (a.c.code == area)).limit(1)).scalar()
    if found is None:
        raise Invalid(f"no loaded area is called {area!r}", field="area", fix="choose a district or ward from the list, or leave it empty for your own")
    return found


def _if_allowed(call):
    """A section's data, or None when the user's role may not read it (a public viewer sees
    the data and the hot spots, not casework)."""
    try:
        return call()
    except Forbidden:
        return None


def today(ctx: Context, *, area: str | None = None) -> dict:
    """The Today page's data for ``ctx.actor``: ``area`` (a name or code) or the user's own.
    A section the user's role may not read is None."""
    actor, now, engine = ctx.actor, ctx.now, ctx.engine
    day = now.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    listed = _if_allowed(lambda: problems.list_problems(engine, actor, today=day)) or []
    areas = [_check_area(ctx, area.strip())] if area and area.strip() else my_areas(ctx, listed)
    due = _if_allowed(lambda: interventions.deadlines(engine, actor, now.replace(tzinfo=dt.UTC), within=dt.timedelta(days=7), purpose="Today: deadlines due"))
    tomorrow = (now + dt.timedelta(days=1)).replace(tzinfo=dt.UTC).isoformat()
    mine = [
        {"problem": p["reference"], "title": p["title"], **a}
        for p in listed for a in p.get("overdue_actions", []) if a.get("owner") == actor.username or a.get("organisation") == actor.organisation
    ]  # fmt: skip
    ops = _if_allowed(lambda: patrols.list_operations(engine, actor))
    status = services_data.status(ctx)
    return {
        "user": {"username": actor.username, "name": actor.display_name, "role": actor.role, "organisation": actor.organisation},
        "date": day.isoformat(),
        "areas": areas,
        "emerging": _emerging(ctx, areas[0] if areas else None),
        "loaded": _loads(ctx),
        "deadlines": None if due is None else {
            "missed": [d for d in due if d["missed"]], "due_by_tomorrow": [d for d in due if not d["missed"] and d["due"] <= tomorrow],
            "due_this_week": [d for d in due if not d["missed"] and d["due"] > tomorrow]},  # fmt: skip
        "overdue_actions": mine,
        "repeat_victims": _if_allowed(lambda: people.repeat_victims(engine, actor, today=day, purpose="Today: repeat victims")),
        "reviews_due": _if_allowed(lambda: risk.reviews_due(engine, actor, at=day, within_days=7, purpose="Today: risk reviews due")),
        "patrols_planned": None if ops is None else _patrols_planned(ops, day),
        # The team jobs the user's organisation does: the early-help search's new finds, organised crime group reviews overdue,
        # Neighbourhood Watch coordinators not contacted within the standard, public concerns waiting for moderation.
        "team": early_help.today_items(ctx) + ocg.today_items(ctx) + watch.today_items(ctx) + concerns.today_items(ctx),
        "data": {"sources": [{"name": s["name"], "forces": list(s["forces"]), "events": s["events"], "last_month": s["last_month"]} for s in status["sources"]],
                 "freshness": status["freshness"]},  # fmt: skip
    }
