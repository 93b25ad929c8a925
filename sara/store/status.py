"""What the database holds, for ``sara status``, the home page, and the quarantine commands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, distinct, func, or_, select

from sara.store.schema import Area, Event, EventArea, Load, Outcome, Quarantine, Source, StopSearch


def _month(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value[:7]
    return value.strftime("%Y-%m")


def status(engine: Engine) -> dict:
    """Sources (with the forces that recorded their rows: police.uk's "Reported by"), months,
    counts by category, area coverage and quarantine, as plain data."""
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Event)).scalar_one()
        by_category = conn.execute(select(Event.category, func.count()).group_by(Event.category).order_by(func.count().desc(), Event.category)).all()
        sources = conn.execute(
            select(Source.name, Source.kind, Source.crs, func.count(Event.id), func.min(Event.month), func.max(Event.month))
            .join(Event, Event.source_id == Source.id, isouter=True)
            .group_by(Source.id, Source.name, Source.kind, Source.crs)
            .order_by(Source.name)
        ).all()
        forces: dict[str, dict[str, int]] = {}
        for name, force, n in conn.execute(
            select(Source.name, Event.reported_by, func.count()).join(Event, Event.source_id == Source.id)
            .where(Event.reported_by.is_not(None)).group_by(Source.name, Event.reported_by).order_by(func.count().desc())
        ).all():  # fmt: skip
            forces.setdefault(name, {})[force] = n
        months = conn.execute(select(Event.month, func.count()).group_by(Event.month).order_by(Event.month)).all()
        no_coords = conn.execute(select(func.count()).select_from(Event).where(Event.lon.is_(None))).scalar_one()
        areas = {}
        for kind, n, with_pop in conn.execute(
            select(Area.kind, func.count(), func.count(Area.population)).group_by(Area.kind).order_by(Area.kind)
        ).all():
            placed = conn.execute(
                select(func.count(distinct(EventArea.event_id))).join(Area, Area.id == EventArea.area_id).where(Area.kind == kind)
            ).scalar_one()
            areas[kind] = {"areas": n, "with_population": with_pop, "events_placed": placed, "events_unplaced": total - placed}
        quarantine = conn.execute(select(Quarantine.reason, func.count()).group_by(Quarantine.reason).order_by(func.count().desc())).all()
        files = conn.execute(select(func.count()).select_from(Load)).scalar_one()
        outcomes = conn.execute(select(func.count()).select_from(Outcome)).scalar_one()
        searches = conn.execute(select(func.count()).select_from(StopSearch)).scalar_one()
    return {
        "database": engine.url.render_as_string(hide_password=True),
        "events_total": total,
        "events_by_category": {c: n for c, n in by_category},
        "events_without_coordinates": no_coords,
        "sources": [
            {"name": n, "kind": k, "crs": c, "events": e, "first_month": _month(lo), "last_month": _month(hi), "forces": forces.get(n, {})}
            for n, k, c, e, lo, hi in sources
        ],
        "latest_month": _month(months[-1][0]) if months else None,
        "months": [{"month": _month(m), "events": n} for m, n in months],
        "areas": areas,
        "outcomes_total": outcomes,
        "stop_searches_total": searches,
        "files_loaded": files,
        "quarantined": sum(n for _, n in quarantine),
        "quarantined_by_reason": {r: n for r, n in quarantine},
    }


PARTNER = "mapped"  # the source kind of force and partner exports, whose raw rows are personal data


def quarantined(engine: Engine, *, reason: str | None = None, file: str | None = None, limit: int | None = None,
                owners: set[int | None] | None = None) -> tuple[list[dict], int]:  # fmt: skip
    """Quarantined rows (newest load first, then by line) and how many match in all. With
    ``owners``, rows of partner files only where their source is owned by one of them (None:
    loaded by the operator); rows of public files (police.uk, boundaries) always."""
    query = (
        select(Quarantine.file, Quarantine.line, Quarantine.reason, Quarantine.raw, Quarantine.kind, Load.path, Load.loaded_at, Load.id.label("load_id"),
               Source.kind.label("source_kind"), Source.organisation_id)
        .join(Load, Load.id == Quarantine.load_id)
        .join(Source, Source.id == Load.source_id, isouter=True)
    )  # fmt: skip
    if reason:
        query = query.where(Quarantine.reason.contains(reason))
    if file:
        query = query.where(Quarantine.file == file)
    if owners is not None:
        mine = [o for o in owners if o is not None]
        allowed = [Source.kind.is_(None), Source.kind != PARTNER, Source.organisation_id.in_(mine)]
        if None in owners:
            allowed.append(Source.organisation_id.is_(None))
        query = query.where(or_(*allowed))
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(query.order_by(Load.id.desc(), Quarantine.line).limit(limit)).mappings().all()
    return [dict(r) | {"loaded_at": r["loaded_at"].isoformat() if isinstance(r["loaded_at"], dt.datetime) else r["loaded_at"],
                       "partner": r["source_kind"] == PARTNER} for r in rows], total  # fmt: skip
