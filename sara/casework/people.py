"""People: victims, suspects, witnesses and vulnerable persons, linked to events, and the
repeat victims among them (casework-anchors §3.2, §5.2).

A person's part in an event is one of ``EVENT_ROLES``: an *offender* is a suspect whose
offence is proved or admitted (charged, cautioned, convicted), as the early-help search's
source counts "a first-time offender" (West Yorkshire Police, December 2021). Each role's data
is in a sharing agreement's category (``ROLE_CATEGORY``): an offender link is ``suspect``
data, as a suspect link is, and matches events by their ``suspect_ref``.

A person belongs to the organisation that recorded them; only it writes the record. Others
see it through ``sara.access.permissions`` views (full, summary or existence under a live
sharing agreement covering the person's category, otherwise a pseudonym and the
organisations working with them, as E-CINS's "search and signpost" does), and every view
that shows personal data is audited. A duplicate (same name and date of birth, or the same
reference in the owner's own system, in one organisation) is refused with the record it
duplicates; nothing is matched across organisations on fields the user may not see.

Repeat victims: a person with at least ``threshold`` events as a victim within one rolling
window (default 3 in 12 months; Bedfordshire counts more than one in 12 months, another
force 3 in 3 months: both numbers are arguments). The windows are those of
``sara.scan.repeats``.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.permissions import require, search, view, view_each, view_many
from sara.casework.records import RecordError, age_band, assign_reference, by_reference, org_names, temporary_reference, text_key
from sara.store.schema import Event
from sara.store.schema import people as sp

CATEGORIES = ("victim", "suspect", "witness", "vulnerability")
EVENT_ROLES = ("victim", "suspect", "offender", "witness", "vulnerable")
ROLE_CATEGORY = {"victim": "victim", "suspect": "suspect", "offender": "suspect", "witness": "witness", "vulnerable": "vulnerability"}
PURPOSE = "casework"
EXPORT_COLUMNS = ("id", "name", "category", "age_band", "ward", "flags", "dob", "address", "source_ref", "organisation", "events", "scope", "pseudonym", "working_with")


def person_row(conn, ref: str) -> dict:
    return by_reference(conn, sp.Person.__table__, ref, "check the reference (PER-YYYY-NNNN) against the list of people")


def _record(p: dict, names: dict[int, str], roles: dict[str, int], risk, today: dt.date) -> dict:
    """The person as a personal record: the fields ``sara.access.roles.SCOPE_FIELDS`` know,
    then the rest (shown only at full scope)."""
    return {
        "id": p["reference"], "name": p["name"], "category": p["category"], "age_band": age_band(p["dob"], today), "ward": p["ward"],
        "flags": json.loads(p["flags"]), "dob": p["dob"].isoformat() if p["dob"] else None, "address": p["address"], "source_ref": p["source_ref"],
        "organisation": names[p["organisation_id"]], "events": sum(roles.values()), "events_by_role": roles,
        "risk_band": risk.band if risk else None, "risk_assessed_on": risk.assessed_on.isoformat() if risk else None,
        "next_review_due": risk.next_review_due.isoformat() if risk and risk.next_review_due else None, "version": p["version"],
    }  # fmt: skip


def _of(column, ids: list[int]):
    """``column IN ids`` for a few rows; for many, every row (filtered in Python), so a long
    list never meets a database's limit on parameters."""
    return column.in_(ids) if len(ids) <= 500 else column.is_not(None)


def person_items(conn, rows: list[dict], today: dt.date) -> list[tuple[dict, int, list[str]]]:
    """(record, owning organisation, organisations working with them) per person row, from
    three queries whatever the number of people."""
    names = org_names(conn)
    ids = [p["id"] for p in rows]
    pe, ra, pp = sp.PersonEvent.__table__, sp.RiskAssessment.__table__, sp.PersonPartner.__table__
    roles: dict[int, dict[str, int]] = {}
    for pid, role, n in conn.execute(select(pe.c.person_id, pe.c.role, func.count()).where(_of(pe.c.person_id, ids)).group_by(pe.c.person_id, pe.c.role)):
        roles.setdefault(pid, {})[role] = n
    latest = {r.person_id: r for r in conn.execute(select(ra.c.person_id, ra.c.band, ra.c.assessed_on, ra.c.next_review_due)
                                                   .where(_of(ra.c.person_id, ids)).order_by(ra.c.person_id, ra.c.assessed_on, ra.c.id))}  # fmt: skip
    partners: dict[int, set[str]] = {}
    for pid, oid in conn.execute(select(pp.c.person_id, pp.c.organisation_id).where(_of(pp.c.person_id, ids))):
        partners.setdefault(pid, set()).add(names[oid])
    return [(_record(p, names, roles.get(p["id"], {}), latest.get(p["id"]), today), p["organisation_id"],
             sorted({names[p["organisation_id"]], *partners.get(p["id"], ())})) for p in rows]  # fmt: skip


def check_read(actor) -> None:
    require(actor, "read", "person", actor.organisation_id)


def add_person(engine: Engine, actor, name: str, category: str, *, dob: dt.date | None = None, source_ref: str | None = None,
               address: str | None = None, ward: str | None = None, flags=(), now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record a person for the actor's organisation; refused if they are already recorded
    there (same name and date of birth, or same ``source_ref``), naming that record."""
    require(actor, "write", "person", actor.organisation_id)
    if category not in CATEGORIES:
        raise RecordError(f"unknown category {category!r}", field="category", fix=f"choose one of {', '.join(CATEGORIES)}")
    name = " ".join((name or "").split())
    if not name:
        raise RecordError("a person needs a name", field="name", fix="use the name your organisation records; 'Unknown male, 20s' is a name too")
    now = now or audit.utcnow()
    if dob is not None and dob > now.date():
        raise RecordError(f"the date of birth {dob.isoformat()} is in the future", field="dob", fix="give YYYY-MM-DD on or before today")
    t = sp.Person.__table__
    key = text_key(name)
    with engine.connect() as conn:
        same = conn.execute(select(t.c.reference, t.c.dob).where(t.c.organisation_id == actor.organisation_id, t.c.name_key == key)).all()
        if source_ref:
            hit = conn.execute(select(t.c.reference).where(t.c.organisation_id == actor.organisation_id, t.c.source_ref == source_ref)).scalar()
            if hit:
                raise RecordError(f"duplicate person: {hit} already has your reference {source_ref!r}", field="source_ref", fix=f"link events to {hit} instead")
    for ref, born in same:
        if born == dob:
            born_text = f"born {dob.isoformat()}" if dob else "with no date of birth"
            raise RecordError(f"duplicate person: {name} {born_text} is already recorded as {ref}; link to {ref} instead of adding them again")
        if dob is None or born is None:
            raise RecordError(f"possible duplicate: {ref} has the same name", field="dob", fix=f"give the date of birth of both to tell them apart, or link to {ref}")
    values = dict(organisation_id=actor.organisation_id, name=name, name_key=key, dob=dob, category=category, source_ref=source_ref or None,
                  address=address, ward=ward, flags=json.dumps(sorted(set(flags))), created_at=now, created_by=actor.id, version=1)  # fmt: skip
    try:
        with engine.begin() as conn:
            pid = conn.execute(t.insert().values(reference=temporary_reference(), **values).returning(t.c.id)).scalar_one()
            ref = assign_reference(conn, t, pid, "PER", now.year)
            audit.record(conn, [audit.Entry("create", actor, "person", ref, owner_org_id=actor.organisation_id, purpose=PURPOSE,
                                            detail={"category": category})])  # fmt: skip
    except IntegrityError:
        raise RecordError(f"duplicate person: your reference {source_ref!r} is already used") from None
    return show_person(engine, actor, ref, purpose="recording the person", today=now.date())


def show_person(engine: Engine, actor, ref: str, *, purpose: str = PURPOSE, today: dt.date | None = None) -> dict:
    """The view of one person the actor may have; audited when it shows personal data."""
    check_read(actor)
    with engine.connect() as conn:
        [(record, owner, partners)] = person_items(conn, [person_row(conn, ref)], today or dt.date.today())
    return view(engine, actor, "person", record, owner, purpose=purpose, working_with=partners, category=record["category"])


def show_many(engine: Engine, actor, refs, *, purpose: str = PURPOSE, today: dt.date | None = None) -> dict[str, dict]:
    """The views of the people ``refs`` names, by reference, as ``show_person`` gives each
    (checked against its own category's agreements, one audit entry per person shown), for a
    page listing many: a few queries and one audit transaction whatever their number. A
    reference of nobody recorded, or of a person the actor may not see, is left out."""
    check_read(actor)
    wanted = set(refs)
    if not wanted:
        return {}
    refs = sorted(wanted)
    t = sp.Person.__table__
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(t).where(_of(t.c.reference, refs)).order_by(t.c.id)).mappings() if r["reference"] in wanted]
        items = person_items(conn, rows, today or dt.date.today())
    views = view_each(engine, actor, "person", items, purpose=purpose, categories=[record["category"] for record, _, _ in items])
    return {record["id"]: v for (record, _, _), v in zip(items, views) if v is not None}


def _all(engine: Engine, category: str | None, today: dt.date) -> list[tuple[dict, int, list[str]]]:
    t = sp.Person.__table__
    q = select(t).order_by(t.c.id)
    if category:
        if category not in CATEGORIES:
            raise RecordError(f"unknown category {category!r}", field="category", fix=f"choose one of {', '.join(CATEGORIES)}")
        q = q.where(t.c.category == category)
    with engine.connect() as conn:
        return person_items(conn, [dict(r) for r in conn.execute(q).mappings()], today)


def person_views(engine: Engine, actor, items, purpose: str, action: str = "read") -> list[dict]:
    """One view per item, in order; each checked against its own category's agreements."""
    out: list[dict | None] = [None] * len(items)
    for category in CATEGORIES:
        idx = [i for i, (record, _, _) in enumerate(items) if record["category"] == category]
        if idx:
            for i, v in zip(idx, view_many(engine, actor, "person", [items[i] for i in idx], purpose=purpose, category=category, action=action)):
                out[i] = v
    return out


def list_people(engine: Engine, actor, *, category: str | None = None, purpose: str = PURPOSE, today: dt.date | None = None) -> list[dict]:
    """Every person the actor may see, each at the scope their agreements allow (audited)."""
    check_read(actor)
    return person_views(engine, actor, _all(engine, category, today or dt.date.today()), purpose)


def search_people(engine: Engine, actor, query: str, *, purpose: str = PURPOSE, today: dt.date | None = None) -> list[dict]:
    """People whose *visible* fields contain ``query``: a hidden field neither matches nor counts."""
    check_read(actor)
    if not query.strip():
        raise RecordError("say what to search for", field="query")
    hits = []
    for record, owner, partners in _all(engine, None, today or dt.date.today()):
        hits += search(engine, actor, "person", [(record, owner, partners)], query, purpose=purpose, category=record["category"])
    return hits


def export_people(engine: Engine, actor, *, purpose: str, today: dt.date | None = None) -> dict:
    """The people the actor may export, each at its scope, as ``columns`` and ``rows`` for a
    face to write (``sara.report.export``); every row showing personal data is audited as an
    export. Refused, naming nobody, for a role that exports nothing."""
    require(actor, "export", "person", actor.organisation_id)
    rows = person_views(engine, actor, _all(engine, None, today or dt.date.today()), purpose, action="export")
    return {"columns": list(EXPORT_COLUMNS), "rows": rows, "purpose": purpose}


def work_with(engine: Engine, actor, ref: str, role: str, *, now: dt.datetime | None = None) -> dict:
    """Say the actor's organisation works with this person (shown to every partner as
    "working with", so they know whom to ask)."""
    check_read(actor)
    if not (role and role.strip()):
        raise RecordError("say what your organisation does with them", field="role", fix="e.g. 'tenancy support'")
    now = now or audit.utcnow()
    t = sp.PersonPartner.__table__
    with engine.connect() as conn:
        p = person_row(conn, ref)
    if p["organisation_id"] == actor.organisation_id:
        raise RecordError(f"{ref} is your organisation's own record: it already shows you as working with them", field="ref")
    with engine.begin() as conn:
        done = conn.execute(t.update().where(t.c.person_id == p["id"], t.c.organisation_id == actor.organisation_id).values(role=role)).rowcount
        if not done:
            conn.execute(t.insert().values(person_id=p["id"], organisation_id=actor.organisation_id, role=role, since=now))
        audit.record(conn, [audit.Entry("change", actor, "person", ref, owner_org_id=p["organisation_id"], purpose=PURPOSE, detail={"working_with": role})])
    return show_person(engine, actor, ref, purpose="recording who works with the person", today=now.date())


def link_events(engine: Engine, actor, ref: str, role: str, *, event_ids=(), by_source_ref: bool = False, now: dt.datetime | None = None) -> dict:
    """Link events to a person in ``role``: by event id, or (``by_source_ref``) every event
    whose ``victim_ref``/``suspect_ref`` equals the person's own reference, which links a
    partner export's repeat reports at once instead of by hand."""
    if role not in EVENT_ROLES:
        raise RecordError(f"unknown role {role!r}", field="role", fix=f"choose one of {', '.join(EVENT_ROLES)}")
    now = now or audit.utcnow()
    e, t = Event.__table__, sp.PersonEvent.__table__
    with engine.connect() as conn:
        p = person_row(conn, ref)
        require(actor, "write", "person", p["organisation_id"])
        ids = sorted(set(int(i) for i in event_ids))
        if ids:
            found = set(conn.execute(select(e.c.id).where(e.c.id.in_(ids))).scalars())
            missing = [i for i in ids if i not in found]
            if missing:
                raise RecordError(f"no event with id {', '.join(map(str, missing[:5]))}", field="event_ids", fix="give the ids of loaded events")
        if by_source_ref:
            if not p["source_ref"]:
                raise RecordError(f"{ref} has no reference of your own system (source_ref) to match events' victim_ref or suspect_ref by", field="by_source_ref",
                                  fix="link events by their ids instead")  # fmt: skip
            column = e.c.suspect_ref if ROLE_CATEGORY[role] == "suspect" else e.c.victim_ref
            ids = sorted(set(ids) | set(conn.execute(select(e.c.id).where(column == p["source_ref"])).scalars()))
        have = set(conn.execute(select(t.c.event_id).where(t.c.person_id == p["id"], t.c.role == role)).scalars())
    new = [i for i in ids if i not in have]
    if not ids:
        if by_source_ref:
            raise RecordError(f"no event has {p['source_ref']!r} as its {column.name}", field="by_source_ref",
                              fix="load the partner export that carries it (with a mapping of its columns), or link events by their ids")  # fmt: skip
        raise RecordError("no events to link", field="event_ids", fix="give the ids of the events, or link by the person's own reference (by_source_ref)")
    with engine.begin() as conn:
        if new:
            conn.execute(t.insert(), [{"person_id": p["id"], "event_id": i, "role": role, "linked_at": now, "linked_by": actor.id} for i in new])
        audit.record(conn, [audit.Entry("change", actor, "person", ref, owner_org_id=p["organisation_id"], purpose=PURPOSE,
                                        detail={"linked": len(new), "role": role, "category": ROLE_CATEGORY[role]})])  # fmt: skip
    return {"person": ref, "role": role, "linked": len(new), "already_linked": len(ids) - len(new)}


def repeat_victims(engine: Engine, actor, *, threshold: int = 3, window_days: float = 365, months: int = 12, purpose: str = PURPOSE,
                   today: dt.date | None = None) -> dict:  # fmt: skip
    """People with at least ``threshold`` events as a victim in one window: ``window_days``
    (default 365) when every such event has a date and time, else ``months`` calendar months
    (default 12; police.uk-style events carry only a month). Each person is shown at the
    scope the actor may have (audited); the rule and what was left out come with the rows."""
    check_read(actor)
    today = today or dt.date.today()
    pe, e, t = sp.PersonEvent.__table__, Event.__table__, sp.Person.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(pe.c.person_id, e.c.month, e.c.occurred_from).join(e, e.c.id == pe.c.event_id).where(pe.c.role == "victim")).all()
    if not rows:
        return {"rule": None, "rows": [], "notes": ["no events are linked to anyone as a victim yet: link a person's events to them as victim"]}
    import polars as pl

    from sara.scan.repeats import repeats
    from sara.scan.result import ScanError

    frame = pl.DataFrame({"victim_ref": [str(r[0]) for r in rows], "month": [r[1] for r in rows], "occurred_from": [r[2] for r in rows]},
                         schema={"victim_ref": pl.String, "month": pl.Date, "occurred_from": pl.Datetime("us")})  # fmt: skip
    timed = frame["occurred_from"].null_count() == 0
    try:
        result = repeats(frame, key="victim_ref", time="occurred_from" if timed else "month", threshold=threshold,
                         window_days=window_days if timed else None, months=None if timed else months)  # fmt: skip
    except ScanError as exc:
        raise RecordError(str(exc)) from None
    found = {int(r["victim_ref"]): r for r in result.table.to_dicts()}
    with engine.connect() as conn:
        people = [dict(r) for r in conn.execute(select(t).where(_of(t.c.id, list(found)))).mappings() if r["id"] in found] if found else []
        people.sort(key=lambda p: found[p["id"]]["rank"])
        items = person_items(conn, people, today)
    out = []
    for p, v in zip(people, person_views(engine, actor, items, purpose)):
        r = found[p["id"]]
        row = {"person": v, "events": r["events"], "max_in_window": r["max_in_window"]}
        if v["scope"] != "pseudonymised":
            row |= {"first": str(r["first"]), "last": str(r["last"]), "reached": str(r["reached"])}
        out.append(row)
    return {"rule": result.params["window_rule"], "threshold": threshold, "rows": out, "notes": result.notes,
            "left_out": result.left_out}  # fmt: skip

