"""Premises and the premises risk register: a traffic-light rating from documented,
weighted factors, with every rating explained (``data/premises_risk.toml``).

A premises (an address, with its UPRN where known) belongs to the organisation that recorded
it; only it writes the record, and others see it through ``sara.access.permissions`` views
(category ``premises``), audited. A duplicate (the same UPRN, or the same address and postcode,
in one organisation) is refused naming the record it duplicates.

The register counts, for each premises, as at a date: breaches of interventions whose subject
is the premises (an intervention of subject kind "premises" and subject reference PRM-...), events linked to it
(calls for service and crimes) and the drug-related ones among them, within each factor's
window; and the yes/no facts recorded on it (a vulnerable occupant, a cuckooing concern). Each
count is capped, weighted and summed; the bands turn the score into red, amber or green
(Operation Orion's traffic light of the premises most at risk of closure order breaches).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.permissions import require, view, view_each, view_many
from sara.casework import instruments
from sara.casework.records import RecordError, assign_reference, by_reference, linked_events, org_names, temporary_reference, text_key, working_with
from sara.store.schema import Event
from sara.store.schema import people as sp
from sara.store.schema import powers as spw

TYPES = ("dwelling", "flat", "hmo", "licensed", "shop", "commercial", "vacant", "other")
REGISTER = instruments.DATA / "premises_risk.toml"
PURPOSE = "casework"


def _row(conn, ref: str) -> dict:
    return by_reference(conn, sp.Premises.__table__, ref, "check the reference (PRM-YYYY-NNNN) against the premises register")


def rate(version: dict, facts: dict) -> dict:
    """The rating of one premises from its ``facts`` (factor key -> count or yes/no) under a
    register ``version``: score, band, and one reason per factor that scored, e.g.
    "2 breaches of an intervention on the premises in 365 days x 4 = 8"."""
    score, reasons = 0, []
    for f in version["factors"]:
        value = facts.get(f["key"], 0)
        if isinstance(value, bool):
            points = f["weight"] if value else 0
            text = f"{f['label']}: yes, {f['weight']}" if value else None
        else:
            counted = min(int(value), f.get("cap", value))
            points = counted * f["weight"]
            capped = f" (capped at {f['cap']})" if "cap" in f and value > f["cap"] else ""
            text = f"{f['label']}: {value} in {f['window_days']} days{capped} x {f['weight']} = {points}" if value else None
        score += points
        if text:
            reasons.append({"factor": f["key"], "value": value, "points": points, "text": text})
    band = instruments.band_for(version["bands"], score)
    why = f"score {score} reaches {band['min_score']}: {band['band']}" if band["min_score"] else f"score {score} is below every higher band: {band['band']}"
    return {"score": score, "band": band["band"], "reasons": reasons, "why": why, "register_version": version["version"],
            "verified": version["verified"]}  # fmt: skip


def facts_for(conn, p: dict, version: dict, at: dt.date) -> dict:
    """What the register counts for premises ``p`` as at ``at`` (UK date)."""
    windows = {f["key"]: f.get("window_days") for f in version["factors"]}
    facts: dict = {"vulnerable_occupant": bool(p["vulnerable_occupant"]), "cuckooing_concern": bool(p["cuckooing_concern"])}
    if windows.get("breaches"):
        i, b = spw.Intervention.__table__, spw.InterventionBreach.__table__
        since = dt.datetime.combine(at - dt.timedelta(days=windows["breaches"]), dt.time())
        until = dt.datetime.combine(at + dt.timedelta(days=1), dt.time())
        rows = conn.execute(select(b.c.id).join(i, i.c.id == b.c.intervention_id)
                            .where(i.c.subject_kind == "premises", i.c.subject_ref == p["reference"], b.c.occurred_at >= since, b.c.occurred_at < until)).all()  # fmt: skip
        facts["breaches"] = len(rows)
    counted = {k: windows[k] for k in ("calls_crimes", "drug_events") if windows.get(k)}
    if counted:  # one read of the linked events, for the widest window
        events = linked_events(conn, sp.PremisesEvent.__table__, "premises_id", p["id"], since=at - dt.timedelta(days=max(counted.values())))
        for key, days in counted.items():
            since = at - dt.timedelta(days=days)
            facts[key] = sum(1 for e in events if _within(e, since, at) and (key == "calls_crimes" or e.drugs or e.category == "Drugs"))
    return facts


def _within(event, since: dt.date, at: dt.date) -> bool:
    """On or after ``since`` and not after ``at``; an event with only a month counts from its
    month's first day (the rule of ``sara.casework.records.linked_events``)."""
    if event.occurred_from is not None:
        return since <= event.occurred_from.date() <= at
    return since.replace(day=1) <= event.month <= at


def _record(conn, p: dict, names: dict, version: dict, at: dt.date) -> dict:
    rating = rate(version, facts_for(conn, p, version, at))
    return {
        "id": p["reference"], "address": p["address"], "premises_type": p["premises_type"], "ward": p["ward"], "risk_band": rating["band"],
        "postcode": p["postcode"], "uprn": p["uprn"], "source_ref": p["source_ref"], "lon": p["lon"], "lat": p["lat"],
        "vulnerable_occupant": bool(p["vulnerable_occupant"]), "cuckooing_concern": bool(p["cuckooing_concern"]),
        "organisation": names[p["organisation_id"]], "risk": rating, "version": p["version"],
    }  # fmt: skip


def _items(conn, rows, version: dict, at: dt.date):
    names = org_names(conn)
    return [(_record(conn, p, names, version, at), p["organisation_id"], working_with(conn, sp.PremisesPartner.__table__, "premises_id", p["id"], p["organisation_id"], names))
            for p in rows]  # fmt: skip


def _version(at: dt.date, path) -> dict:
    return instruments.in_force(instruments.load(str(path), "version"), at)


def add_premises(engine: Engine, actor, address: str, *, premises_type: str = "dwelling", postcode: str | None = None, uprn: str | None = None,
                 source_ref: str | None = None, lon: float | None = None, lat: float | None = None, ward: str | None = None,
                 vulnerable_occupant: bool = False, cuckooing_concern: bool = False, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record a premises for the actor's organisation; a duplicate is refused naming the record."""
    require(actor, "write", "premises", actor.organisation_id)
    address = " ".join((address or "").split())
    if not address:
        raise RecordError("a premises needs an address", field="address")
    if premises_type not in TYPES:
        raise RecordError(f"unknown premises type {premises_type!r}", field="premises_type", fix=f"choose one of {', '.join(TYPES)}")
    if uprn is not None and not (uprn.isdigit() and len(uprn) <= 12):
        raise RecordError(f"UPRN {uprn!r} is not a UPRN", field="uprn", fix="give up to 12 digits (OS AddressBase), or leave it out")
    if (lon is None) != (lat is None) or (lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)):
        raise RecordError("a position needs both longitude and latitude in WGS84 degrees", field="lon" if lon is None or not -180 <= lon <= 180 else "lat",
                          fix="give both (longitude -180 to 180, latitude -90 to 90), or neither")  # fmt: skip
    postcode = " ".join(postcode.upper().split()) if postcode else None
    key = text_key(address, postcode)
    now = now or audit.utcnow()
    t = sp.Premises.__table__
    with engine.connect() as conn:
        mine = t.c.organisation_id == actor.organisation_id
        hit = conn.execute(select(t.c.reference).where(mine, t.c.uprn == uprn)).scalar() if uprn else None
        hit = hit or conn.execute(select(t.c.reference).where(mine, t.c.address_key == key)).scalar()
    if hit:
        raise RecordError(f"duplicate premises: {address} is already recorded as {hit}", field="address", fix=f"link events to {hit} instead of adding it again")
    values = dict(organisation_id=actor.organisation_id, address=address, address_key=key, postcode=postcode, uprn=uprn, premises_type=premises_type,
                  source_ref=source_ref, lon=lon, lat=lat, ward=ward, vulnerable_occupant=vulnerable_occupant, cuckooing_concern=cuckooing_concern,
                  created_at=now, created_by=actor.id, version=1)  # fmt: skip
    try:
        with engine.begin() as conn:
            pid = conn.execute(t.insert().values(reference=temporary_reference(), **values).returning(t.c.id)).scalar_one()
            ref = assign_reference(conn, t, pid, "PRM", now.year)
            audit.record(conn, [audit.Entry("create", actor, "premises", ref, owner_org_id=actor.organisation_id, purpose=PURPOSE, detail={"type": premises_type})])
    except IntegrityError:
        raise RecordError(f"duplicate premises: {address} is already recorded by your organisation") from None
    return show_premises(engine, actor, ref, purpose="recording the premises", at=now.date())


def update_premises(engine: Engine, actor, ref: str, *, expect_version: int | None = None, vulnerable_occupant: bool | None = None,
                    cuckooing_concern: bool | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Change the yes/no facts of a premises; refused if it changed since ``expect_version``."""
    now = now or audit.utcnow()
    values = {k: v for k, v in (("vulnerable_occupant", vulnerable_occupant), ("cuckooing_concern", cuckooing_concern)) if v is not None}
    if not values:
        raise RecordError("nothing to change", fix="say whether a vulnerable person lives there, or whether there is a cuckooing concern, or both")
    t = sp.Premises.__table__
    with engine.connect() as conn:
        p = _row(conn, ref)
    require(actor, "write", "premises", p["organisation_id"])
    seen = p["version"] if expect_version is None else expect_version
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.id == p["id"], t.c.version == seen).values(**values, version=seen + 1)).rowcount
        if n == 0:
            raise RecordError(f"{ref} was changed by someone else since you read it (version {seen})", field="expect_version", fix="show it again and re-apply your change")
        audit.record(conn, [audit.Entry("change", actor, "premises", ref, owner_org_id=p["organisation_id"], purpose=PURPOSE, detail=values)])
    return show_premises(engine, actor, ref, purpose="updating the premises", at=now.date())


def _check_read(actor) -> None:
    require(actor, "read", "premises", actor.organisation_id)


def show_premises(engine: Engine, actor, ref: str, *, purpose: str = PURPOSE, at: dt.date | None = None, path: str | Path = REGISTER) -> dict:
    """The view of one premises the actor may have (with its rating at full scope); audited."""
    _check_read(actor)
    at = at or dt.date.today()
    with engine.connect() as conn:
        [(record, owner, partners)] = _items(conn, [_row(conn, ref)], _version(at, path), at)
    return view(engine, actor, "premises", record, owner, purpose=purpose, working_with=partners, category="premises")


def show_many(engine: Engine, actor, refs, *, purpose: str = PURPOSE, at: dt.date | None = None, path: str | Path = REGISTER) -> dict[str, dict]:
    """The views of the premises ``refs`` names, by reference, as ``show_premises`` gives each
    (one audit entry per premises shown, in one transaction), for a page listing many. A
    reference of no recorded premises, or of one the actor may not see, is left out."""
    _check_read(actor)
    wanted = set(refs)
    if not wanted:
        return {}
    refs = sorted(wanted)
    at = at or dt.date.today()
    t = sp.Premises.__table__
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(t).where(t.c.reference.in_(refs) if len(refs) <= 500 else t.c.id.is_not(None)).order_by(t.c.id)).mappings()
                if r["reference"] in wanted]  # fmt: skip
        items = _items(conn, rows, _version(at, path), at)
    views = view_each(engine, actor, "premises", items, purpose=purpose, categories=["premises"] * len(items))
    return {record["id"]: v for (record, _, _), v in zip(items, views) if v is not None}


def register(engine: Engine, actor, *, at: dt.date | None = None, band: str | None = None, purpose: str = "premises risk register",
             path: str | Path = REGISTER) -> dict:  # fmt: skip
    """Every premises the actor may see, rated as at ``at``, red first then by score: each at
    the actor's scope (a partner without an agreement sees a pseudonym, not the rating)."""
    _check_read(actor)
    at = at or dt.date.today()
    version = _version(at, path)
    bands = [b["band"] for b in version["bands"]]
    if band is not None and band not in bands:
        raise RecordError(f"unknown band {band!r}", field="band", fix=f"choose one of {', '.join(bands)}")
    t = sp.Premises.__table__
    with engine.connect() as conn:
        items = _items(conn, [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()], version, at)
    items.sort(key=lambda it: (bands.index(it[0]["risk_band"]), -it[0]["risk"]["score"], it[0]["id"]))
    if band:
        items = [it for it in items if it[0]["risk_band"] == band]
    rows = view_many(engine, actor, "premises", items, purpose=purpose, category="premises") if items else []
    return {"at": at.isoformat(), "register_version": version["version"], "verified": version["verified"], "source": version["source"],
            "factors": version["factors"], "bands": version["bands"], "rows": rows}  # fmt: skip


def link_events(engine: Engine, actor, ref: str, *, event_ids=(), by_source_ref: bool = False, now: dt.datetime | None = None) -> dict:
    """Link events to a premises by id, or every event whose ``premises_ref`` is its own reference."""
    now = now or audit.utcnow()
    e, t = Event.__table__, sp.PremisesEvent.__table__
    with engine.connect() as conn:
        p = _row(conn, ref)
        require(actor, "write", "premises", p["organisation_id"])
        ids = sorted(set(int(i) for i in event_ids))
        found = set(conn.execute(select(e.c.id).where(e.c.id.in_(ids))).scalars()) if ids else set()
        missing = [i for i in ids if i not in found]
        if missing:
            raise RecordError(f"no event with id {', '.join(map(str, missing[:5]))}", field="event_ids", fix="give the ids of loaded events")
        if by_source_ref:
            if not p["source_ref"]:
                raise RecordError(f"{ref} has no reference of your own system (source_ref) to match events' premises_ref by", field="by_source_ref",
                                  fix="link events by their ids instead")  # fmt: skip
            ids = sorted(set(ids) | set(conn.execute(select(e.c.id).where(e.c.premises_ref == p["source_ref"])).scalars()))
        have = set(conn.execute(select(t.c.event_id).where(t.c.premises_id == p["id"])).scalars())
    if not ids:
        if by_source_ref:
            raise RecordError(f"no event has {p['source_ref']!r} as its premises_ref", field="by_source_ref",
                              fix="load the partner export that carries it (with a mapping of its columns), or link events by their ids")  # fmt: skip
        raise RecordError("no events to link", field="event_ids", fix="give the ids of the events, or link by the premises' own reference (by_source_ref)")
    new = [i for i in ids if i not in have]
    with engine.begin() as conn:
        if new:
            conn.execute(t.insert(), [{"premises_id": p["id"], "event_id": i, "linked_at": now, "linked_by": actor.id} for i in new])
        audit.record(conn, [audit.Entry("change", actor, "premises", ref, owner_org_id=p["organisation_id"], purpose=PURPOSE, detail={"linked": len(new)})])
    return {"premises": ref, "linked": len(new), "already_linked": len(ids) - len(new)}
