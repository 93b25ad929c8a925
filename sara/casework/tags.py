"""Electronic monitoring: tag wearers and the comparison of their GPS trails with crimes.

Derbyshire Constabulary compares the GPS positions of tagged acquisitive crime offenders with
reported serious acquisitive crime "to provide potential lines of investigation": "since
January 2022 over 2700 crimes have been compared ... This has produced six hits" (PCC
scrutiny report §7.10). The system is owned by probation; the police use its trail data.

Who may: trail data is personal data. Only users of police and probation organisations whose
role reads people at home use it (``may_use``); anyone else is refused with one message that
says nothing of what is held. A user compares the trails of their own organisation's wearers
and, under a live sharing agreement covering suspects (offenders) at summary or full scope, of
the other parties' wearers; a user whose organisation holds no wearer and is party to no such
agreement is refused. Every comparison is audited with its purpose, one entry per wearer whose
trail was read; the wearers' persons are shown as the reader may see them (audited there).

Times: trail fixes are UTC; a crime's window is its source's local wall-clock time (events
are stored so), turned into UTC in ``zone`` (Europe/London for UK data) before matching. Only
crimes with a time and a place are compared (police.uk gives months and no exact place: its
crimes are counted as left out, never matched over a month).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from sqlalchemy import Engine, and_, func, select

from sara import geo
from sara.access import audit
from sara.access.agreements import agreements as live_agreements
from sara.access.permissions import PermissionDenied, can
from sara.casework import people
from sara.errors import Invalid, NotFound
from sara.scan.trail_match import match
from sara.store.schema import Event, Source
from sara.store.schema import people as sp
from sara.store.schema.tags import TrailPoint, Wearer

ORG_TYPES = frozenset({"police", "probation"})
REFUSED = "tag trails are for police and probation users whose role reads people, under a sharing agreement with the organisation holding the trails"
NO_AGREEMENT = "comparing tag trails needs a live sharing agreement covering suspects (offenders) with the organisation holding the trails"
LEADS = ("Hits are leads, not evidence: a wearer near a crime while it may have happened is a line of investigation to follow up, "
         "not proof that they took part (PCC scrutiny report §7.10: 'potential lines of investigation').")  # fmt: skip
CATEGORY = "suspect"  # the data category of a wearer's trail (an offender's) in sharing agreements
SUBJECT = "tag_trail"


def may_use(actor) -> bool:
    """Whether the actor's organisation is police or probation (the navigation shows Tags to them)."""
    return actor is not None and getattr(actor, "organisation_type", "") in ORG_TYPES


def _check(actor) -> None:
    if not may_use(actor) or not can(actor, "read", "person", actor.organisation_id):
        raise PermissionDenied(REFUSED)


def _purpose(purpose: str | None) -> str:
    if not (purpose and purpose.strip()):
        raise Invalid("a purpose is required to read tag trails", field="purpose", fix="say why, e.g. 'burglary series, Bolsover, March 2025'")
    return purpose.strip()


def visible_orgs(engine: Engine, actor, at: dt.datetime) -> set[int]:
    """The organisations whose wearers' trails the actor may read: their own, and the parties of
    a live agreement covering suspects at summary or full scope."""
    pool = live_agreements(engine)
    orgs = {actor.organisation_id}
    for g in pool:
        if g.live(at) and actor.organisation_id in g.parties and CATEGORY in g.categories and g.scope in ("summary", "full"):
            orgs |= {p for p in g.parties if can(actor, "read", "person", p, category=CATEGORY, at=at, agreements=pool).scope in ("summary", "full")}
    return orgs


def _wearer_rows(engine: Engine, orgs: set[int]) -> list[dict]:
    w, p, t = Wearer.__table__, sp.Person.__table__, TrailPoint.__table__
    counts = select(t.c.wearer_id, func.count().label("points"), func.min(t.c.at).label("first"), func.max(t.c.at).label("last")).group_by(t.c.wearer_id).subquery()
    q = (select(w, p.c.reference.label("person_ref"), counts.c.points, counts.c.first, counts.c.last).join(p, p.c.id == w.c.person_id, isouter=True)
         .join(counts, counts.c.wearer_id == w.c.id, isouter=True).where(w.c.organisation_id.in_(sorted(orgs))).order_by(w.c.reference))  # fmt: skip
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def _iso(t) -> str | None:
    return t.isoformat() if t else None


def _person_shown(views: dict, ref: str | None) -> dict | None:
    if ref is None:
        return None
    v = views.get(ref)
    if v is None:
        return {"shown": "a recorded person you may not see"}
    return {"shown": v.get("name") or v.get("pseudonym"), "id": v.get("id"), "scope": v["scope"]}


def _wearer_view(r: dict, views: dict) -> dict:
    return {"wearer": r["reference"], "person": _person_shown(views, r["person_ref"]), "monitoring_from": _iso(r["monitoring_from"]),
            "monitoring_to": _iso(r["monitoring_to"]), "criteria": r["criteria"], "points": r["points"] or 0, "first_fix": _iso(r["first"]),
            "last_fix": _iso(r["last"])}  # fmt: skip


def list_wearers(engine: Engine, actor, *, purpose: str, now: dt.datetime | None = None) -> list[dict]:
    """The wearers the actor may see, with their person as the actor may see them (audited)."""
    _check(actor)
    purpose = _purpose(purpose)
    now = now or audit.utcnow()
    rows = _wearer_rows(engine, visible_orgs(engine, actor, now))
    views = people.show_many(engine, actor, [r["person_ref"] for r in rows if r["person_ref"]], purpose=purpose, today=now.date())
    if rows:
        audit.append(engine, *[audit.Entry("read", actor, "wearer", r["reference"], owner_org_id=r["organisation_id"], purpose=purpose) for r in rows])
    return [_wearer_view(r, views) for r in rows]


def _utc(value: dt.datetime | dt.date | None, end: bool = False) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    return dt.datetime.combine(value, dt.time()) + (dt.timedelta(days=1) if end else dt.timedelta())


def add_wearer(engine: Engine, actor, reference: str, *, person: str | None = None, monitoring_from=None, monitoring_to=None, criteria: str | None = None,
               crs: str = geo.BNG, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record a wearer of the actor's organisation, or change one (its person, monitoring
    period, criteria). ``monitoring_to`` as a date is exclusive of the next day: the period
    includes it. ``person`` is a PER- reference the actor may see at summary scope or more."""
    check_load(actor)
    reference = (reference or "").strip()
    if not reference or len(reference) > 100:
        raise Invalid("a wearer needs the tag or wearer reference of the trail exports (at most 100 characters)", field="reference")
    now = now or audit.utcnow()
    start, end = _utc(monitoring_from), _utc(monitoring_to, end=True)
    if start and end and end <= start:
        raise Invalid("the monitoring period ends before it starts", field="monitoring_to", fix="give an end after the start")
    w = Wearer.__table__
    values: dict = {"criteria": criteria.strip() if criteria and criteria.strip() else None} if criteria is not None else {}
    if monitoring_from is not None:
        values["monitoring_from"] = start
    if monitoring_to is not None:
        values["monitoring_to"] = end
    if person:
        shown = people.show_person(engine, actor, person, purpose="linking a tag wearer to the person", today=now.date())
        if shown["scope"] not in ("summary", "full"):
            raise NotFound(f"no person {person!r} you may link: check the reference (PER-YYYY-NNNN) against the list of people")
        with engine.connect() as conn:
            values["person_id"] = conn.execute(select(sp.Person.id).where(sp.Person.reference == person)).scalar_one()
    with engine.begin() as conn:
        audit.record(conn, [audit.Entry("change", actor, "wearer", reference, owner_org_id=actor.organisation_id, purpose="recording a tag wearer",
                                        detail={k: str(v) for k, v in values.items()})])  # fmt: skip
        found = conn.execute(select(w.c.id, w.c.monitoring_from, w.c.monitoring_to).where(w.c.organisation_id == actor.organisation_id, w.c.reference == reference)).first()
        if found:
            a, b = values.get("monitoring_from", found.monitoring_from), values.get("monitoring_to", found.monitoring_to)
            if a and b and b <= a:
                raise Invalid("the monitoring period ends before it starts", field="monitoring_to", fix="give an end after the start")
            if values:
                conn.execute(w.update().where(w.c.id == found.id).values(**values))
        else:
            conn.execute(w.insert().values(organisation_id=actor.organisation_id, reference=reference, crs=crs, created_at=now, **values))
    made = [r for r in _wearer_rows(engine, {actor.organisation_id}) if r["reference"] == reference][0]
    views = people.show_many(engine, actor, [made["person_ref"]] if made["person_ref"] else [], purpose="recording a tag wearer", today=now.date())
    return _wearer_view(made, views)


def local_to_utc(values: pl.Series, zone: str) -> np.ndarray:
    """Local wall-clock datetimes in ``zone`` as UTC seconds since the epoch (the hour skipped
    at the clocks going forward read as the hour after it; the repeated hour as its first)."""
    s = values.cast(pl.Datetime("us"))
    frame = pl.DataFrame({"t": s})
    first = frame.select(pl.col("t").dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")).to_series()
    later = frame.select((pl.col("t") + pl.duration(hours=1)).dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")).to_series()
    aware = pl.DataFrame({"a": first, "b": later}).select(pl.coalesce("a", "b").dt.convert_time_zone("UTC").dt.replace_time_zone(None)).to_series()
    return (aware.dt.epoch("s")).to_numpy()


def _events(engine: Engine, categories: list[str], start: dt.date, end: dt.date) -> tuple[pl.DataFrame, dict]:
    e, s = Event.__table__, Source.__table__
    lo, hi = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time()) + dt.timedelta(days=1)
    base = and_(e.c.category.in_(categories), e.c.month >= start.replace(day=1), e.c.month <= end)
    timed = and_(e.c.occurred_from.is_not(None), e.c.occurred_from < hi, func.coalesce(e.c.occurred_to, e.c.occurred_from) >= lo)
    with engine.connect() as conn:
        rows = conn.execute(select(e.c.id, e.c.source_ref, e.c.category, e.c.occurred_from, func.coalesce(e.c.occurred_to, e.c.occurred_from).label("occurred_to"),
                                   e.c.x, e.c.y, e.c.lon, e.c.lat, e.c.location, s.c.crs).join(s, s.c.id == e.c.source_id).where(base, timed)).all()  # fmt: skip
        untimed = conn.execute(select(func.count()).select_from(e).where(base, e.c.occurred_from.is_(None), e.c.month >= start.replace(day=1))).scalar_one()
    schema = {"id": pl.Int64, "source_ref": pl.String, "category": pl.String, "occurred_from": pl.Datetime("us"), "occurred_to": pl.Datetime("us"),
              "x": pl.Float64, "y": pl.Float64, "lon": pl.Float64, "lat": pl.Float64, "location": pl.String, "crs": pl.String}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    placed = frame.filter(pl.col("x").is_not_null() & pl.col("y").is_not_null())
    return placed, {"no_time": untimed, "no_place": frame.height - placed.height}


def _points(engine: Engine, wearer_ids: list[int], lo: dt.datetime, hi: dt.datetime) -> pl.DataFrame:
    t = TrailPoint.__table__
    schema = {"id": pl.Int64, "wearer_id": pl.Int64, "at": pl.Datetime("us"), "x": pl.Float64, "y": pl.Float64, "lon": pl.Float64, "lat": pl.Float64}
    if not wearer_ids:
        return pl.DataFrame(schema=schema)
    q = select(t.c.id, t.c.wearer_id, t.c.at, t.c.x, t.c.y, t.c.lon, t.c.lat).where(t.c.wearer_id.in_(wearer_ids), t.c.at >= lo, t.c.at <= hi)
    with engine.connect() as conn:
        return pl.DataFrame(conn.execute(q).all(), schema=schema, orient="row")


def compare(engine: Engine, actor, *, categories: list[str], date_from: dt.date, date_to: dt.date, metres: float = 100.0, minutes: float = 30.0,
            purpose: str, zone: str = "Europe/London", now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Compare the crimes of ``categories`` whose window meets [date_from, date_to] (local
    dates) with every trail the actor may read: a hit is a trail point within ``metres`` during
    the crime's window widened by ``minutes``. Audited, one entry per wearer compared."""
    _check(actor)
    purpose = _purpose(purpose)
    now = now or audit.utcnow()
    categories = [c.strip() for c in categories if c and c.strip()]
    if not categories:
        raise Invalid("choose the crime categories to compare", field="category", fix="e.g. Burglary")
    if date_to < date_from:
        raise Invalid(f"the period ends ({date_to}) before it starts ({date_from})", field="date_to")
    if not (0 < metres <= 5000):
        raise Invalid(f"distance {metres:g} m is out of range", field="metres", fix="give metres between 1 and 5000 (default 100)")
    if not (0 <= minutes <= 24 * 60):
        raise Invalid(f"{minutes:g} minutes is out of range", field="minutes", fix="give minutes between 0 and 1440 (default 30)")
    orgs = visible_orgs(engine, actor, now)
    wearers = _wearer_rows(engine, orgs)
    if orgs == {actor.organisation_id} and not wearers:
        raise PermissionDenied(NO_AGREEMENT)
    crimes, left_out = _events(engine, categories, date_from, date_to)
    t0 = local_to_utc(crimes["occurred_from"], zone) if crimes.height else np.empty(0, np.int64)
    t1 = local_to_utc(crimes["occurred_to"], zone) if crimes.height else np.empty(0, np.int64)
    widen = dt.timedelta(minutes=minutes)
    by_id = {w["id"]: w for w in wearers}
    if crimes.height:
        lo = dt.datetime.fromtimestamp(int(t0.min()), dt.UTC).replace(tzinfo=None) - widen
        hi = dt.datetime.fromtimestamp(int(t1.max()), dt.UTC).replace(tzinfo=None) + widen
        points = _points(engine, list(by_id), lo, hi)
    else:
        points = _points(engine, [], now, now)
    hits = []
    for crs in crimes["crs"].unique().sort().to_list():
        part = np.flatnonzero((crimes["crs"] == crs).to_numpy())
        px, py = _trail_xy(points, by_id, crs)
        found = match(crimes["x"].to_numpy()[part], crimes["y"].to_numpy()[part], t0[part], t1[part], points["wearer_id"].to_numpy(),
                      points["at"].dt.epoch("s").to_numpy(), px, py, metres=metres, minutes=minutes)  # fmt: skip
        hits += [(int(part[h.crime]), h, px, py) for h in found]
    hits.sort(key=lambda x: (crimes["occurred_from"][x[0]], x[0], by_id[x[1].wearer]["reference"]))
    compared = sorted(set(points["wearer_id"].unique().to_list()))
    views = people.show_many(engine, actor, sorted({by_id[h.wearer]["person_ref"] for _, h, _, _ in hits if by_id[h.wearer]["person_ref"]}),
                             purpose=purpose, today=now.date())  # fmt: skip
    rows = [_hit(crimes.row(c, named=True), h, by_id[h.wearer], points, px, py, views) for c, h, px, py in hits]
    params = {"categories": categories, "from": date_from.isoformat(), "to": date_to.isoformat(), "metres": metres, "minutes": minutes, "zone": zone}
    per_wearer = {}
    for r in rows:
        per_wearer[r["wearer"]] = per_wearer.get(r["wearer"], 0) + 1
    entries = [audit.Entry("read", actor, SUBJECT, by_id[w]["reference"], owner_org_id=by_id[w]["organisation_id"], purpose=purpose,
                           detail=params | {"crimes": crimes.height, "hits": per_wearer.get(by_id[w]["reference"], 0)}) for w in compared]  # fmt: skip
    if not entries:
        entries = [audit.Entry("read", actor, SUBJECT, None, owner_org_id=actor.organisation_id, purpose=purpose, detail=params | {"crimes": crimes.height, "hits": 0})]
    audit.append(engine, *entries)
    n, m, k = crimes.height, len(compared), len(rows)
    summary = f"{n:,} {'crime' if n == 1 else 'crimes'} compared with the trails of {m} {'wearer' if m == 1 else 'wearers'}: {k} {'hit' if k == 1 else 'hits'}"
    notes = [LEADS]
    if left_out["no_time"]:
        notes.append(f"{left_out['no_time']:,} crimes of these categories have a month but no time (police.uk): not compared")
    if left_out["no_place"]:
        notes.append(f"{left_out['no_place']:,} crimes have no place: not compared")
    return {"crimes_compared": n, "wearers": m, "hits": rows, "summary": summary, "crimes_hit": len({r["event_id"] for r in rows}),
            "params": params, "left_out": left_out, "notes": notes, "leads_not_evidence": LEADS}  # fmt: skip


def _trail_xy(points: pl.DataFrame, by_id: dict, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """The trail points' x/y in ``crs``: as stored for wearers in that CRS, else from lon/lat."""
    x, y = points["x"].to_numpy().copy(), points["y"].to_numpy().copy()
    other = [i for i, w in by_id.items() if w["crs"] != crs]
    if other and points.height:
        sel = np.isin(points["wearer_id"].to_numpy(), other)
        if sel.any():
            x[sel], y[sel] = geo.transform(points["lon"].to_numpy()[sel], points["lat"].to_numpy()[sel], geo.WGS84, crs)
    return x, y


def _hit(crime: dict, h, wearer: dict, points: pl.DataFrame, px, py, views: dict) -> dict:
    idx = np.sort(h.points)
    at = points["at"].to_list()
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    near = [{"at": at[i].isoformat(), "lon": round(float(lon[i]), 6), "lat": round(float(lat[i]), 6),
             "metres": round(float(np.hypot(px[i] - crime["x"], py[i] - crime["y"])), 1)} for i in idx]  # fmt: skip
    near.sort(key=lambda p: p["at"])
    return {"event": crime["source_ref"] or str(crime["id"]), "wearer": wearer["reference"], "metres": round(h.metres, 1), "minutes": round(h.minutes, 1),
            "event_id": crime["id"], "category": crime["category"], "occurred_from": crime["occurred_from"].isoformat(),
            "occurred_to": crime["occurred_to"].isoformat(), "location": crime["location"], "lon": crime["lon"], "lat": crime["lat"],
            "person": _person_shown(views, wearer["person_ref"]), "points": near}  # fmt: skip


def may_load(actor) -> bool:
    """Whether ``check_load`` lets the actor load trails and record wearers (the pages show the forms)."""
    return may_use(actor) and can(actor, "read", "person", actor.organisation_id).allowed and can(actor, "write", "person", actor.organisation_id).allowed


def check_load(actor) -> None:
    """Refuse, with the one message, a user who may not load trails (or record wearers): police
    and probation users whose role writes people at home."""
    _check(actor)
    if not can(actor, "write", "person", actor.organisation_id):
        raise PermissionDenied(REFUSED)


def load_trails(engine: Engine, actor, paths: list[str], mapping: str, *, now: dt.datetime | None = None) -> dict:
    """Load trail exports as the actor's organisation's (police or probation users whose role
    writes people at home)."""
    from sara.intake.trails import load_trails as load

    check_load(actor)
    now = now or audit.utcnow()
    report = load(engine, paths, mapping, organisation_id=actor.organisation_id, now=now)
    audit.append(engine, audit.Entry("create", actor, SUBJECT, report["source"], owner_org_id=actor.organisation_id, purpose="loading tag trails",
                                     detail={k: report[k] for k in ("rows_read", "inserted", "unchanged", "quarantined")}))  # fmt: skip
    return report


__all__ = ["LEADS", "NO_AGREEMENT", "REFUSED", "add_wearer", "check_load", "compare", "list_wearers", "load_trails", "may_load", "may_use"]
