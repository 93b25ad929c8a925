"""Organised crime groups, urban street gangs and county lines: their members, areas, scores,
six-weekly reviews and disruptions, and the priority individuals who serve several groups.

West Yorkshire Police (COT briefing on serious violent crime, December 2021): groups "are
scored, mapped and prioritised for interventions and disruptions"; every urban street gang
"has a Lead Responsible Officer"; "disruptions are recorded which includes arrests and
convictions of OCG nominals"; county lines were "strategically MoRILE ... scored"; and beside
the groups the force targets "priority individuals, the enablers of criminality who may serve
a number of different crime groups". Here an enabler is a person who is a current member of
two or more groups.

Who may see and write them. Group intelligence is police intelligence: it is read only by
users of a police organisation (``Actor.organisation_type``) in a role that reads personal
data at home (analyst, problem owner, lead), and written only by that organisation's problem
owners and leads. No sharing agreement opens it to a partner: an agreement covers a person's
category (victim, suspect, ...), not the fact that the police map them into a group, so
partners get the ward profile without personal data instead
(``sara.services.ocg.profile(partner=True)``). A member is a recorded person (``person``); the
people on a group are shown through ``sara.casework.people.show_many`` (each at the scope the
reader may see, each view audited); every change to a group is audited, and adding a person
to a group is audited against the person too.

Scores use a versioned instrument in the shape of MoRiLE (``data/morile-example.toml``, an
example marked ``verified = false``; a partnership adds its own): every factor's answer and
each dimension's total are kept with the version scored under. Reviews are due every
``review_days()`` days (42 by default, the six weeks West Yorkshire reviews its county lines
at; the setting ``SARA_OCG_REVIEW_DAYS``): the first from the day the group is added, the next
from the day a review is done. A review due today is not overdue; the day after, it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from sqlalchemy import Engine, select

from sara.access import audit
from sara.access.permissions import PermissionDenied, can
from sara.casework import instruments
from sara.casework import people as cpeople
from sara.casework.records import Duplicate, RecordError, assign_reference, by_reference, org_names, temporary_reference
from sara.errors import Invalid, NotFound
from sara.store.schema import Area, Event
from sara.store.schema import access as sa_
from sara.store.schema import ocg as so
from sara.store.schema import people as sp
from sara.store.schema import powers as spw

KINDS = {"ocg": "organised crime group", "usg": "urban street gang", "county_line": "county line"}
DISRUPTIONS = ("arrest", "charge", "conviction", "order", "warrant")
READERS = ("analyst", "problem_owner", "lead")
WRITERS = ("problem_owner", "lead")
POLICE = "police"
PURPOSE = "organised crime"
REVIEW_DAYS = 42
SETTING = "SARA_OCG_REVIEW_DAYS"
INSTRUMENTS = instruments.DATA / "morile-example.toml"
DEFAULT_INSTRUMENT = "morile_ocg"
AREA_KINDS = ("ward", "lsoa", "district", "custom")


def review_days() -> int:
    """Days between reviews: the setting ``SARA_OCG_REVIEW_DAYS``, else 42 (six weeks)."""
    raw = os.environ.get(SETTING)
    if not raw:
        return REVIEW_DAYS
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if days < 1:
        raise Invalid(f"the setting {SETTING}={raw!r} is not a number of days", field=SETTING, fix="give a whole number of days of 1 or more (42 is six weeks)")
    return days


def may_use(actor) -> bool:
    """Whether ``actor`` may see organised crime groups at all (police analysts, problem owners
    and leads); the navigation's hint, and the first test of every read."""
    return bool(actor) and getattr(actor, "active", True) and getattr(actor, "organisation_type", "") == POLICE and actor.role in READERS


def check_read(actor) -> None:
    if not may_use(actor):
        raise PermissionDenied("not allowed: organised crime groups are read only by police analysts, problem owners and leads")


def _check_write(actor, group: dict | None = None) -> None:
    check_read(actor)
    if actor.role not in WRITERS:
        raise PermissionDenied(f"not allowed: a {actor.role} may not change organised crime groups")
    if group is not None and group["organisation_id"] != actor.organisation_id:
        raise PermissionDenied("not allowed: only the organisation that mapped a group changes it")


def group_row(conn, ref: str) -> dict:
    return by_reference(conn, so.OcgGroup.__table__, ref, "check the reference (OCG-YYYY-NNNN) against sara ocg list")


def _read_group(conn, actor, ref: str) -> dict:
    """The group, for a reader who may see groups (NotFound, not a refusal, for another force's)."""
    g = group_row(conn, ref)
    if g["organisation_id"] != actor.organisation_id:
        raise NotFound(f"no group {ref}: check the reference (OCG-YYYY-NNNN) against sara ocg list")
    return g


def _audit(conn, actor, g: dict, detail: dict, action: str = "change") -> None:
    audit.record(conn, [audit.Entry(action, actor, "ocg", g["reference"], owner_org_id=g["organisation_id"], purpose=PURPOSE, detail=detail)])


def _day(value: dt.date | None, field: str, today: dt.date) -> dt.date:
    value = value or today
    if value > today:
        raise Invalid(f"{value.isoformat()} is in the future", field=field, fix="give the day it happened, today or before")
    return value


# --------------------------------------------------------------------------- the instrument
def _check_instrument(v: dict, where: str) -> dict:
    dims = {d.get("key"): d for d in v.get("dimensions", [])}
    if not dims:
        raise instruments.InstrumentError(f"{where}: 'dimensions' must list {{ key = NAME, label = TEXT, in_score = true|false }}")
    if not v.get("factors"):
        raise instruments.InstrumentError(f"{where}: no [[instrument.factors]]")
    for f in v["factors"]:
        for key in ("key", "dimension", "label", "scale", "weight"):
            if key not in f:
                raise instruments.InstrumentError(f"{where}: factor {f.get('key', '?')!r} is missing '{key}'")
        if f["dimension"] not in dims:
            raise instruments.InstrumentError(f"{where}: factor {f['key']!r} has dimension {f['dimension']!r}, not one of {', '.join(dims)}")
        if "levels" in f and len(f["levels"]) != f["scale"] + 1:
            raise instruments.InstrumentError(f"{where}: factor {f['key']!r} names {len(f['levels'])} levels for a scale of 0..{f['scale']}")
    if "confidence_bands" in v:
        v["confidence_bands"] = instruments._check_bands(v["confidence_bands"], where)
    return v


def instrument(key: str = DEFAULT_INSTRUMENT, on: dt.date | None = None, *, version: str | None = None, path: str | Path = INSTRUMENTS) -> dict:
    """The version of scoring instrument ``key`` in force on ``on`` (or the version named)."""
    versions = instruments.load(str(path), "instrument")
    v = instruments.version(versions, version, key=key) if version else instruments.in_force(versions, on or dt.date.today(), key=key)
    return _check_instrument(v, f"{Path(path).name} {key} {v['version']}")


def score_answers(inst: dict, answers: dict) -> dict:
    """Score a group: each factor takes a whole number 0..scale and gives weight x answer
    points; a dimension's total is its factors' points; the score is the sum of the totals of
    the dimensions ``in_score``, banded by ``bands``; confidence (a dimension not in the score)
    is kept beside it, banded by ``confidence_bands``. Every factor must be answered."""
    factors = {f["key"]: f for f in inst["factors"]}
    unknown = sorted(set(answers) - set(factors))
    if unknown:
        raise instruments.InstrumentError(f"unknown factor(s) {', '.join(unknown)}: {inst['key']} {inst['version']} asks {', '.join(factors)}")
    missing = [k for k in factors if k not in answers]
    if missing:
        raise instruments.InstrumentError(f"unanswered factor(s): {', '.join(missing)} (answer every factor with a whole number from 0 to its scale)")
    totals = {d["key"]: 0.0 for d in inst["dimensions"]}
    rows = []
    for k, f in factors.items():
        a = answers[k]
        if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= f["scale"]:
            raise instruments.InstrumentError(f"factor {k!r} takes a whole number from 0 to {f['scale']}, got {a!r}")
        points = f["weight"] * a
        totals[f["dimension"]] += points
        levels = f.get("levels")
        rows.append({"factor": k, "dimension": f["dimension"], "label": f["label"], "answer": a, "of": f["scale"], "level": levels[a] if levels else None,
                     "weight": f["weight"], "points": points})  # fmt: skip
    score = sum(totals[d["key"]] for d in inst["dimensions"] if d.get("in_score", True))
    out = {"score": score, "band": instruments.band_for(inst["bands"], score)["band"], "totals": totals, "factors": rows}
    conf = [d["key"] for d in inst["dimensions"] if not d.get("in_score", True)]
    if conf and inst.get("confidence_bands"):
        out["confidence"] = totals[conf[0]]
        out["confidence_band"] = instruments.band_for(inst["confidence_bands"], totals[conf[0]])["band"]
    return out


# --------------------------------------------------------------------------- writing
def _lead(conn, actor, username: str | None) -> int:
    if not username:
        return actor.id
    u = sa_.User.__table__
    r = conn.execute(select(u.c.id, u.c.organisation_id, u.c.role, u.c.active).where(u.c.username == username)).first()
    if r is None or r.organisation_id != actor.organisation_id or not r.active or r.role not in WRITERS:
        raise RecordError(f"{username!r} cannot be the lead responsible officer", field="lead",
                          fix="name an active problem owner or lead of your own organisation (their username)")  # fmt: skip
    return r.id


def _area(conn, code: str) -> dict:
    code = (code or "").strip()
    rows = conn.execute(select(Area.kind, Area.code, Area.name).where((Area.code == code) | (Area.name == code))).mappings().all()
    if not rows:
        raise RecordError(f"no loaded area {code!r}", field="areas", fix="give a loaded ward, LSOA or district by its code or name")
    return dict(sorted(rows, key=lambda r: AREA_KINDS.index(r["kind"]) if r["kind"] in AREA_KINDS else 9)[0])


def add_group(engine: Engine, actor, name: str, kind: str, *, lead: str | None = None, description: str | None = None, areas=(),
              now: dt.datetime | None = None) -> str:  # fmt: skip
    """Map a group for the actor's organisation, with its lead responsible officer (default the
    actor) and the areas it operates in; its first review falls due ``review_days()`` later."""
    _check_write(actor)
    if kind not in KINDS:
        raise RecordError(f"unknown kind of group {kind!r}", field="kind", fix=f"choose one of {', '.join(KINDS)} ({'; '.join(f'{k}: {v}' for k, v in KINDS.items())})")
    name = " ".join((name or "").split())
    if not name:
        raise RecordError("a group needs a name", field="name", fix="use the name or operation name it is known by")
    now = now or audit.utcnow()
    days = review_days()
    t, a, r = so.OcgGroup.__table__, so.OcgArea.__table__, so.OcgReview.__table__
    with engine.connect() as conn:
        lead_id = _lead(conn, actor, lead)
        found = [_area(conn, c) for c in areas]
        same = conn.execute(select(t.c.reference).where(t.c.organisation_id == actor.organisation_id, t.c.name == name)).scalar()
    if same:
        raise Duplicate(f"duplicate group: {name!r} is already mapped as {same}; add to {same} instead")
    with engine.begin() as conn:
        gid = conn.execute(t.insert().values(reference=temporary_reference(), organisation_id=actor.organisation_id, name=name, kind=kind, lead_user_id=lead_id,
                                             description=description, created_at=now, created_by=actor.id, version=1).returning(t.c.id)).scalar_one()  # fmt: skip
        ref = assign_reference(conn, t, gid, "OCG", now.year)
        for ar in {(x["kind"], x["code"]): x for x in found}.values():
            conn.execute(a.insert().values(group_id=gid, area_kind=ar["kind"], area_code=ar["code"], added_at=now, added_by=actor.id))
        conn.execute(r.insert().values(group_id=gid, due=now.date() + dt.timedelta(days=days)))
        _audit(conn, actor, {"reference": ref, "organisation_id": actor.organisation_id}, {"kind": kind, "areas": [x["code"] for x in found]}, "create")
    return ref


def add_area(engine: Engine, actor, ref: str, code: str, *, now: dt.datetime | None = None) -> dict:
    """Say the group operates in a loaded area (ward, LSOA or district, by code or name)."""
    now = now or audit.utcnow()
    a = so.OcgArea.__table__
    g = _writable(engine, actor, ref)
    with engine.connect() as conn:
        ar = _area(conn, code)
        have = conn.execute(select(a.c.group_id).where(a.c.group_id == g["id"], a.c.area_kind == ar["kind"], a.c.area_code == ar["code"])).first()
    if have:
        raise Duplicate(f"{ref} already operates in {ar['name'] or ar['code']} ({ar['code']})")
    with engine.begin() as conn:
        conn.execute(a.insert().values(group_id=g["id"], area_kind=ar["kind"], area_code=ar["code"], added_at=now, added_by=actor.id))
        _audit(conn, actor, g, {"area": ar["code"]})
    return ar


def _writable(engine: Engine, actor, ref: str) -> dict:
    check_read(actor)
    with engine.connect() as conn:
        g = _read_group(conn, actor, ref)
    _check_write(actor, g)
    return g


def _person(conn, engine, actor, person_ref: str, field: str = "person") -> dict:
    """The recorded person ``person_ref``, whom the actor may see (a clear refusal otherwise)."""
    p = conn.execute(select(sp.Person.__table__).where(sp.Person.reference == (person_ref or "").strip())).mappings().first()
    if p is None:
        raise RecordError(f"{person_ref!r} is not a recorded person", field=field,
                          fix="a member must be a person SARA records: record them first (sara person add) and use the PER-YYYY-NNNN reference it gives")  # fmt: skip
    d = can(actor, "read", "person", p["organisation_id"], category=p["category"], agreements=engine)
    if not d.allowed or d.scope == "pseudonymised":
        raise RecordError(f"{person_ref!r} is not a recorded person you may see", field=field,
                          fix="ask the organisation that records them to share the record under an agreement, or record them yourself")  # fmt: skip
    return dict(p)


def add_member(engine: Engine, actor, ref: str, person_ref: str, role: str, *, from_date: dt.date | None = None, to_date: dt.date | None = None,
               now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Add a recorded person to a group in ``role`` from ``from_date`` (default today); with
    ``to_date`` and a current membership already there, end it on that day instead."""
    now = now or audit.utcnow()
    today = now.date()
    g = _writable(engine, actor, ref)
    role = " ".join((role or "").split())
    m = so.OcgMember.__table__
    with engine.connect() as conn:
        p = _person(conn, engine, actor, person_ref)
        current = conn.execute(select(m).where(m.c.group_id == g["id"], m.c.person_id == p["id"], m.c.to_date.is_(None))).mappings().first()
    if current and to_date is not None:
        if to_date < current["from_date"]:
            raise RecordError(f"the membership began on {current['from_date'].isoformat()}", field="to_date", fix="give an end on or after the day it began")
        with engine.begin() as conn:
            conn.execute(m.update().where(m.c.id == current["id"]).values(to_date=to_date))
            _audit(conn, actor, g, {"member": p["reference"], "ended": to_date.isoformat()})
        return {"group": ref, "person": p["reference"], "role": current["role"], "from": current["from_date"].isoformat(), "to": to_date.isoformat()}
    if current:
        raise Duplicate(f"{p['reference']} is already a member of {ref} (as {current['role']} since {current['from_date'].isoformat()}); "
                        "give --to to end that membership")  # fmt: skip
    if not role:
        raise RecordError("say the person's role in the group", field="role", fix="e.g. 'line holder', 'runner', 'enabler: money laundering'")
    start = _day(from_date, "from_date", today)
    if to_date is not None and to_date < start:
        raise RecordError(f"the membership ends ({to_date.isoformat()}) before it begins ({start.isoformat()})", field="to_date", fix="give an end on or after the start")
    with engine.begin() as conn:
        conn.execute(m.insert().values(group_id=g["id"], person_id=p["id"], role=role, from_date=start, to_date=to_date, added_at=now, added_by=actor.id))
        audit.record(conn, [audit.Entry("change", actor, "ocg", ref, owner_org_id=g["organisation_id"], purpose=PURPOSE, detail={"member": p["reference"], "role": role}),
                            audit.Entry("change", actor, "person", p["reference"], owner_org_id=p["organisation_id"], purpose=PURPOSE,
                                        detail={"ocg_member": ref})])  # fmt: skip
    return {"group": ref, "person": p["reference"], "role": role, "from": start.isoformat(), "to": to_date.isoformat() if to_date else None}


def score(engine: Engine, actor, ref: str, answers: dict, *, on: dt.date | None = None, instrument_key: str = DEFAULT_INSTRUMENT,
          path: str | Path = INSTRUMENTS, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Score a group under the instrument version in force on ``on`` and keep every answer."""
    now = now or audit.utcnow()
    g = _writable(engine, actor, ref)
    on = _day(on, "on", now.date())
    inst = instrument(instrument_key, on, path=path)
    scored = score_answers(inst, answers)
    t = so.OcgScore.__table__
    with engine.begin() as conn:
        sid = conn.execute(t.insert().values(group_id=g["id"], instrument=inst["key"], instrument_version=inst["version"], answers=json.dumps(answers, sort_keys=True),
                                             totals=json.dumps(scored["totals"], sort_keys=True), score=scored["score"], band=scored["band"], scored_on=on,
                                             scored_by=actor.id, recorded_at=now).returning(t.c.id)).scalar_one()  # fmt: skip
        _audit(conn, actor, g, {"score": sid, "band": scored["band"], "instrument": inst["key"], "version": inst["version"]})
    return {"id": sid, "group": ref, "instrument": inst["key"], "version": inst["version"], "verified": inst["verified"], "scored_on": on.isoformat(), **scored}


def review(engine: Engine, actor, ref: str, note: str, *, on: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """Record the group's review done on ``on`` (default today) with its note; the next falls
    due ``review_days()`` after it."""
    now = now or audit.utcnow()
    g = _writable(engine, actor, ref)
    note = (note or "").strip()
    if not note:
        raise RecordError("a review needs a note", field="note", fix="say what the review found and decided (priority, tactics, the lead's next steps)")
    on = _day(on, "on", now.date())
    days = review_days()
    r = so.OcgReview.__table__
    with engine.connect() as conn:
        open_ = conn.execute(select(r).where(r.c.group_id == g["id"], r.c.done_on.is_(None)).order_by(r.c.due)).mappings().first()
    nxt = on + dt.timedelta(days=days)
    with engine.begin() as conn:
        if open_:
            conn.execute(r.update().where(r.c.id == open_["id"]).values(done_on=on, done_by=actor.id, note=note))
        else:
            conn.execute(r.insert().values(group_id=g["id"], due=on, done_on=on, done_by=actor.id, note=note))
        conn.execute(r.insert().values(group_id=g["id"], due=nxt))
        _audit(conn, actor, g, {"review": on.isoformat(), "next_due": nxt.isoformat()})
    return {"group": ref, "done_on": on.isoformat(), "was_due": open_["due"].isoformat() if open_ else None, "next_due": nxt.isoformat(), "every_days": days}


def disrupt(engine: Engine, actor, ref: str, kind: str, *, on: dt.date | None = None, person_ref: str | None = None, event_ids=(), intervention_refs=(),
            note: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record a disruption (arrest, charge, conviction, order, warrant) of a group or one of
    its members, linked to loaded events and recorded interventions."""
    now = now or audit.utcnow()
    g = _writable(engine, actor, ref)
    if kind not in DISRUPTIONS:
        raise RecordError(f"unknown disruption {kind!r}", field="kind", fix=f"choose one of {', '.join(DISRUPTIONS)}")
    on = _day(on, "on", now.date())
    ids = sorted({int(i) for i in event_ids})
    refs = sorted({r.strip() for r in intervention_refs if r and r.strip()})
    e, iv = Event.__table__, spw.Intervention.__table__
    with engine.connect() as conn:
        pid = _person(conn, engine, actor, person_ref)["id"] if person_ref else None
        if ids:
            found = set(conn.execute(select(e.c.id).where(e.c.id.in_(ids))).scalars())
            missing = [i for i in ids if i not in found]
            if missing:
                raise RecordError(f"no event with id {', '.join(map(str, missing[:5]))}", field="event_ids", fix="give the ids of loaded events")
        if refs:
            found_refs = set(conn.execute(select(iv.c.reference).where(iv.c.reference.in_(refs))).scalars())
            missing_refs = [x for x in refs if x not in found_refs]
            if missing_refs:
                raise RecordError(f"no intervention {', '.join(missing_refs[:5])}", field="intervention_refs", fix="give references of recorded interventions (INT-YYYY-NNNN)")
    t = so.OcgDisruption.__table__
    with engine.begin() as conn:
        did = conn.execute(t.insert().values(group_id=g["id"], kind=kind, on_date=on, person_id=pid, event_ids=json.dumps(ids), intervention_refs=json.dumps(refs),
                                             note=(note or "").strip() or None, recorded_at=now, recorded_by=actor.id).returning(t.c.id)).scalar_one()  # fmt: skip
        _audit(conn, actor, g, {"disruption": did, "kind": kind, "events": ids, "interventions": refs})
    return {"id": did, "group": ref, "kind": kind, "on": on.isoformat(), "person": person_ref, "events": ids, "interventions": refs, "note": (note or "").strip() or None}


# --------------------------------------------------------------------------- reading
def _current(m: dict, today: dt.date) -> bool:
    return m["from_date"] <= today and (m["to_date"] is None or m["to_date"] >= today)


def _usernames(conn) -> dict[int, str]:
    u = sa_.User.__table__
    return dict(conn.execute(select(u.c.id, u.c.username)).all())


def _summaries(conn, groups: list[dict], today: dt.date) -> list[dict]:
    ids = [g["id"] for g in groups]
    if not ids:
        return []
    m, a, s, r, d = (x.__table__ for x in (so.OcgMember, so.OcgArea, so.OcgScore, so.OcgReview, so.OcgDisruption))
    users = _usernames(conn)
    members: dict[int, list[dict]] = {}
    for row in conn.execute(select(m).where(m.c.group_id.in_(ids))).mappings():
        members.setdefault(row["group_id"], []).append(dict(row))
    names = {(k, c): n for k, c, n in conn.execute(select(Area.kind, Area.code, Area.name))}
    areas: dict[int, list[dict]] = {}
    for row in conn.execute(select(a).where(a.c.group_id.in_(ids)).order_by(a.c.area_kind, a.c.area_code)).mappings():
        areas.setdefault(row["group_id"], []).append({"kind": row["area_kind"], "code": row["area_code"], "name": names.get((row["area_kind"], row["area_code"])) or row["area_code"]})
    latest: dict[int, dict] = {}
    for row in conn.execute(select(s).where(s.c.group_id.in_(ids)).order_by(s.c.scored_on, s.c.id)).mappings():
        latest[row["group_id"]] = dict(row)
    due: dict[int, dt.date] = {}
    for row in conn.execute(select(r).where(r.c.group_id.in_(ids), r.c.done_on.is_(None)).order_by(r.c.due.desc())).mappings():
        due[row["group_id"]] = row["due"]
    disruptions: dict[int, int] = {}
    for row in conn.execute(select(d.c.group_id).where(d.c.group_id.in_(ids))):
        disruptions[row[0]] = disruptions.get(row[0], 0) + 1
    out = []
    for g in groups:
        sc = latest.get(g["id"])
        nxt = due.get(g["id"])
        out.append({
            "id": g["reference"], "name": g["name"], "kind": g["kind"], "kind_name": KINDS[g["kind"]], "lead": users.get(g["lead_user_id"]),
            "areas": areas.get(g["id"], []), "members": sum(_current(x, today) for x in members.get(g["id"], [])),
            "score": sc["score"] if sc else None, "band": sc["band"] if sc else None, "scored_on": sc["scored_on"].isoformat() if sc else None,
            "instrument": f"{sc['instrument']} {sc['instrument_version']}" if sc else None,
            "next_review_due": nxt.isoformat() if nxt else None, "review_overdue": bool(nxt and nxt < today), "disruptions": disruptions.get(g["id"], 0),
        })  # fmt: skip
    return out


def _groups(conn, actor) -> list[dict]:
    t = so.OcgGroup.__table__
    return [dict(r) for r in conn.execute(select(t).where(t.c.organisation_id == actor.organisation_id).order_by(t.c.id)).mappings()]


def list_groups(engine: Engine, actor, *, today: dt.date | None = None) -> list[dict]:
    """The actor's organisation's groups: kind, lead, areas, current members (a count), the
    latest score and band, the next review and whether it is overdue, disruptions (a count)."""
    check_read(actor)
    with engine.connect() as conn:
        return _summaries(conn, _groups(conn, actor), today or dt.date.today())


def _instrument_for(row: dict, path: str | Path) -> dict | None:
    try:
        return instrument(row["instrument"], version=row["instrument_version"], path=path)
    except instruments.InstrumentError:
        return None


def show_group(engine: Engine, actor, ref: str, *, today: dt.date | None = None, path: str | Path = INSTRUMENTS, purpose: str = PURPOSE) -> dict:
    """One group in full: its members (each person as the reader may see them, audited), areas,
    every score with each factor's answer, reviews and disruptions."""
    check_read(actor)
    today = today or dt.date.today()
    m, s, r, d, p = (x.__table__ for x in (so.OcgMember, so.OcgScore, so.OcgReview, so.OcgDisruption, sp.Person))
    with engine.connect() as conn:
        g = _read_group(conn, actor, ref)
        [summary] = _summaries(conn, [g], today)
        users = _usernames(conn)
        refs = dict(conn.execute(select(p.c.id, p.c.reference)).all())
        members = [dict(x) for x in conn.execute(select(m).where(m.c.group_id == g["id"]).order_by(m.c.from_date, m.c.id)).mappings()]
        scores = [dict(x) for x in conn.execute(select(s).where(s.c.group_id == g["id"]).order_by(s.c.scored_on.desc(), s.c.id.desc())).mappings()]
        reviews = [dict(x) for x in conn.execute(select(r).where(r.c.group_id == g["id"]).order_by(r.c.due.desc(), r.c.id.desc())).mappings()]
        disruptions = [dict(x) for x in conn.execute(select(d).where(d.c.group_id == g["id"]).order_by(d.c.on_date.desc(), d.c.id.desc())).mappings()]
        others = conn.execute(select(m.c.person_id, m.c.group_id, m.c.from_date, m.c.to_date).where(m.c.person_id.in_([x["person_id"] for x in members]))).mappings().all() if members else []
    views = cpeople.show_many(engine, actor, [refs[x["person_id"]] for x in members], purpose=purpose, today=today)
    groups_of: dict[int, set[int]] = {}
    for o in others:
        if _current(o, today):
            groups_of.setdefault(o["person_id"], set()).add(o["group_id"])
    shown_members = []
    for x in members:
        pref = refs[x["person_id"]]
        shown_members.append({"person": views.get(pref) or {"scope": "none"}, "role": x["role"], "from": x["from_date"].isoformat(),
                              "to": x["to_date"].isoformat() if x["to_date"] else None, "current": _current(x, today),
                              "enabler": len(groups_of.get(x["person_id"], ())) >= 2})  # fmt: skip
    shown_scores = []
    for x in scores:
        answers = json.loads(x["answers"])
        inst = _instrument_for(x, path)
        detail = score_answers(inst, answers)["factors"] if inst else [{"factor": k, "answer": v} for k, v in sorted(answers.items())]
        shown_scores.append({"id": x["id"], "instrument": x["instrument"], "version": x["instrument_version"], "verified": bool(inst and inst["verified"]),
                             "scored_on": x["scored_on"].isoformat(), "by": users.get(x["scored_by"]), "score": x["score"], "band": x["band"],
                             "totals": json.loads(x["totals"]), "factors": detail})  # fmt: skip
    shown_reviews = [{"due": x["due"].isoformat(), "done_on": x["done_on"].isoformat() if x["done_on"] else None, "by": users.get(x["done_by"]),
                      "note": x["note"], "overdue": x["done_on"] is None and x["due"] < today} for x in reviews]  # fmt: skip
    shown_disruptions = [{"id": x["id"], "kind": x["kind"], "on": x["on_date"].isoformat(), "person": refs.get(x["person_id"]), "events": json.loads(x["event_ids"]),
                          "interventions": json.loads(x["intervention_refs"]), "note": x["note"], "by": users.get(x["recorded_by"])} for x in disruptions]  # fmt: skip
    return {**summary, "organisation": org_names_one(engine, g["organisation_id"]), "description": g["description"], "review_every_days": review_days(),
            "members_list": shown_members, "scores": shown_scores, "reviews": shown_reviews, "disruption_list": shown_disruptions,
            "may_change": actor.role in WRITERS and g["organisation_id"] == actor.organisation_id}  # fmt: skip


def org_names_one(engine: Engine, org_id: int) -> str:
    with engine.connect() as conn:
        return org_names(conn)[org_id]


def enablers(engine: Engine, actor, *, today: dt.date | None = None, purpose: str = PURPOSE) -> list[dict]:
    """Priority individuals: people who are current members of two or more of the actor's
    organisation's groups, each with the groups and roles (shown as the reader may see them)."""
    check_read(actor)
    today = today or dt.date.today()
    m, p = so.OcgMember.__table__, sp.Person.__table__
    with engine.connect() as conn:
        groups = {g["id"]: g for g in _groups(conn, actor)}
        rows = [dict(x) for x in conn.execute(select(m).where(m.c.group_id.in_(list(groups)))).mappings()] if groups else []
        refs = dict(conn.execute(select(p.c.id, p.c.reference)).all())
    by_person: dict[int, list[dict]] = {}
    for x in rows:
        if _current(x, today):
            by_person.setdefault(x["person_id"], []).append(x)
    many = {pid: xs for pid, xs in by_person.items() if len({x["group_id"] for x in xs}) >= 2}
    views = cpeople.show_many(engine, actor, [refs[pid] for pid in many], purpose=purpose, today=today)
    out = [{"person": views.get(refs[pid]) or {"scope": "none"}, "groups": [{"id": groups[x["group_id"]]["reference"], "name": groups[x["group_id"]]["name"], "role": x["role"]}
                                                                          for x in sorted(xs, key=lambda x: x["group_id"])]} for pid, xs in many.items()]  # fmt: skip
    return sorted(out, key=lambda e: (-len(e["groups"]), e["groups"][0]["id"]))


def overdue_reviews(engine: Engine, actor, *, today: dt.date | None = None) -> list[dict]:
    """The actor's organisation's groups whose review is overdue (due before ``today``, not done), earliest first."""
    check_read(actor)
    today = today or dt.date.today()
    r, t = so.OcgReview.__table__, so.OcgGroup.__table__
    with engine.connect() as conn:
        users = _usernames(conn)
        rows = conn.execute(select(t.c.reference, t.c.name, t.c.kind, t.c.lead_user_id, r.c.due).join(r, r.c.group_id == t.c.id)
                            .where(t.c.organisation_id == actor.organisation_id, r.c.done_on.is_(None), r.c.due < today).order_by(r.c.due, t.c.id)).all()  # fmt: skip
    return [{"id": x.reference, "name": x.name, "kind": x.kind, "lead": users.get(x.lead_user_id), "due": x.due.isoformat(), "days_overdue": (today - x.due).days}
            for x in rows]  # fmt: skip


def active_by_area(engine: Engine, actor=None, *, today: dt.date | None = None) -> list[dict]:
    """Every group's areas (kind, code) with the group's reference, name and current member
    count, for the ward profile: ``actor`` None gives every organisation's groups (the
    profile's aggregate), else the actor's own."""
    t, a, m = so.OcgGroup.__table__, so.OcgArea.__table__, so.OcgMember.__table__
    today = today or dt.date.today()
    with engine.connect() as conn:
        q = select(t.c.id, t.c.reference, t.c.name, t.c.kind, a.c.area_kind, a.c.area_code).join(a, a.c.group_id == t.c.id)
        if actor is not None:
            q = q.where(t.c.organisation_id == actor.organisation_id)
        rows = conn.execute(q.order_by(t.c.id)).mappings().all()
        counts: dict[int, int] = {}
        for x in conn.execute(select(m)).mappings():
            if _current(x, today):
                counts[x["group_id"]] = counts.get(x["group_id"], 0) + 1
    return [{"id": x["reference"], "name": x["name"], "kind": x["kind"], "area_kind": x["area_kind"], "area_code": x["area_code"], "members": counts.get(x["id"], 0)}
            for x in rows]  # fmt: skip
