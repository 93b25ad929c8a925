"""The daily early-intervention search: every young person newly linked to a crime as a
suspect or offender, flagged first-time or repeat, each crime reviewed by the team, and the
referrals made (to the Early Action team, Liaison and Diversion, the Youth Justice Service or
Children's Social Care), from the search or from another route.

Source: West Yorkshire Police, Chief Officer Team briefing "Serious Violent Crime" (December
2021), on Calderdale District's Early Help Team: "Internally every 24 hours from a data search
of police systems they identify every young person linked to a crime as a first-time offender
or a young person linked to more than one crime. With this data each crime is reviewed [...]
Cases are discussed twice weekly with Partners which includes the Liaison and Diversion Team,
the Youth Justice Service and Children's Social Care. [...] Every referral has a Niche
Occurrence created where the issues, actions and outcomes of the interventions are recorded."
The second pathway, "the Early Help Hub created by the Councils Children Services", takes
young people "reported direct to Children's Social Care via the front door at MASH": recorded
here as a referral with route ``front_door``.

The rule (``young_people_linked``), precisely:

- A *crime link* is a ``person_event`` row whose role is ``suspect`` or ``offender`` and whose
  event is a crime: any category but anti-social behaviour (``sara.scan.harm.ASB_TYPES``;
  ASB incidents are not notifiable crimes).
- It is *new* when it was made (``linked_at``) on or after the start (00:00 UK time) of the
  UK date ``since``, and no later than the search; and, for a person already referred, after
  their latest referral was recorded (a young person referred is not listed again unless new
  crimes link to them).
- The person is *young* at the event when under 18 on the event's day (a child: Children Act
  1989 s.105(1)). Age is whole years from the date of birth, a year attained at the start of
  the anniversary (Family Law Reform Act 1969 s.9), so a person is 18 on their 18th birthday
  and 17 the day before; someone born on 29 February attains a year on 1 March in a year with
  no 29 February. The event's day is the UK date of ``occurred_from`` when known, else the
  first day of its month (police.uk gives only the month): someone who turns 18 within that
  month is counted as young, and the team's review decides.
- A person with no date of birth is listed with age unknown (never guessed), as is one whose
  date of birth is after the event (the record is wrong: the note says so).
- *first_time*: the person's only crime link is this one; *repeat*: they are linked to more
  than one crime (counting every crime link up to the search, before ``since`` or not).

A search is idempotent: each (person, crime) is found once (unique in ``early_help_finding``),
and re-running the same ``since`` lists the same young people and writes nothing new (no run
row, no finding) unless links were made in between.

Who may use it (``may_use``): users of police and youth justice organisations, and the
council's early-help users, told as users of a council organisation that is party to a live
sharing agreement covering the ``suspect`` category (the young people's data): a council with
no such agreement has nothing it may see of them. Within those, only roles that read people
(not administrators or public viewers). Everyone else is refused with one sentence that names
no one. The people are shown at the reader's scope (``sara.casework.people.show_many``: one
audit entry per person shown, with its purpose); the referrals' text is shown only with a
person the reader sees beyond a pseudonym, and each referral read is audited too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.exc import IntegrityError

from sara.access import audit
from sara.access.agreements import agreements as load_agreements
from sara.access.permissions import PermissionDenied
from sara.access.roles import OWN
from sara.casework import people
from sara.casework.clock import LONDON
from sara.casework.records import RecordError, assign_reference, by_reference, org_names, temporary_reference
from sara.errors import Conflict, NotFound
from sara.scan.harm import ASB_TYPES
from sara.store.schema import Event
from sara.store.schema import access as sa_
from sara.store.schema import early_help as seh
from sara.store.schema import people as sp

ROLES = ("suspect", "offender")
ADULT = 18
ORG_TYPES = ("police", "youth_justice")
TEAMS = {"early_action": "Early Action team", "liaison_diversion": "Liaison and Diversion", "youth_justice": "Youth Justice Service",
         "childrens_social_care": "Children's Social Care"}  # fmt: skip
ROUTES = {"police_search": "the early-help search of police data", "front_door": "a children's services front-door referral", "other": "another route"}
PURPOSE = "early intervention (daily early-help search)"
REFUSED = "the early-help search is for police, youth justice and council early-help users"
REFERRAL_FIELDS = ("to_team", "meeting", "meeting_on", "issues", "actions", "outcome", "closed_on")


# -- who ---------------------------------------------------------------------------------------


def may_use(actor, engine: Engine | None = None, *, at: dt.datetime | None = None) -> bool:
    """Whether ``actor`` is a police, youth justice or council early-help user with a role
    that reads people. Without ``engine`` (the navigation's hint) a council user passes on
    their organisation's type alone; with it, the council needs a live agreement covering
    suspects (what ``require_user`` checks)."""
    if actor is None or not getattr(actor, "active", True) or "person" not in OWN.get(actor.role, {}).get("read", ()):
        return False
    kind = getattr(actor, "organisation_type", "")
    if kind in ORG_TYPES:
        return True
    if kind != "council":
        return False
    if engine is None:
        return True
    at = at or audit.utcnow()
    return any(g.live(at) and actor.organisation_id in g.parties and "suspect" in g.categories for g in load_agreements(engine))


def require_user(engine: Engine, actor, *, at: dt.datetime | None = None) -> None:
    if not may_use(actor, engine, at=at):
        raise PermissionDenied(REFUSED)


# -- the rule ----------------------------------------------------------------------------------


def age_on(dob: dt.date, day: dt.date) -> int:
    """Whole years from ``dob`` to ``day`` (Family Law Reform Act 1969 s.9: a year is attained
    at the start of the anniversary; a 29 February birthday falls on 1 March in other years)."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def event_day(month: dt.date, occurred_from: dt.datetime | None) -> dt.date:
    """The event's UK date: of ``occurred_from`` (naive UTC) when known, else its month's first day."""
    if occurred_from is None:
        return month.replace(day=1)
    return occurred_from.replace(tzinfo=dt.UTC).astimezone(LONDON).date()


def start_of(day: dt.date) -> dt.datetime:
    """00:00 UK time on ``day``, as the naive UTC the tables keep."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class Link:
    event_id: int
    linked_at: dt.datetime
    day: dt.date
    age: int | None
    age_note: str | None = None
    day_known: bool = True  # False: police.uk gave only the month, ``day`` is its first day


@dataclass
class YoungPerson:
    person_id: int
    status: str  # first_time | repeat
    crimes: int  # every crime link up to the search
    links: list[Link] = field(default_factory=list)  # the new ones

    @property
    def age_unknown(self) -> bool:
        return any(link.age is None for link in self.links)


def _age(dob: dt.date | None, day: dt.date) -> tuple[int | None, str | None]:
    if dob is None:
        return None, "no date of birth recorded"
    if dob > day:
        return None, "the date of birth is after the event: check the record"
    return age_on(dob, day), None


def young_people_linked(conn, since: dt.date, now: dt.datetime) -> list[YoungPerson]:
    """The rule of this module's docstring, on the stored links, with no permission check:
    the young people newly linked to a crime since ``since``, by person id."""
    pe, e, p, r = sp.PersonEvent.__table__, Event.__table__, sp.Person.__table__, seh.EarlyHelpReferral.__table__
    crime = and_(pe.c.role.in_(ROLES), e.c.category.not_in(ASB_TYPES), pe.c.linked_at <= now)
    referred = dict(conn.execute(select(r.c.person_id, func.max(r.c.created_at)).group_by(r.c.person_id)).all())
    counts = dict(conn.execute(select(pe.c.person_id, func.count(func.distinct(pe.c.event_id))).join(e, e.c.id == pe.c.event_id).where(crime)
                               .group_by(pe.c.person_id)).all())  # fmt: skip
    rows = conn.execute(select(pe.c.person_id, pe.c.event_id, func.min(pe.c.linked_at), e.c.month, e.c.occurred_from, p.c.dob)
                        .join(e, e.c.id == pe.c.event_id).join(p, p.c.id == pe.c.person_id)
                        .where(crime, pe.c.linked_at >= start_of(since))
                        .group_by(pe.c.person_id, pe.c.event_id, e.c.month, e.c.occurred_from, p.c.dob)
                        .order_by(pe.c.person_id, pe.c.event_id)).all()  # fmt: skip
    found: dict[int, YoungPerson] = {}
    for pid, eid, linked_at, month, occurred_from, dob in rows:
        if pid in referred and linked_at <= referred[pid]:
            continue
        day = event_day(month, occurred_from)
        age, note = _age(dob, day)
        if age is not None and age >= ADULT:
            continue
        n = counts[pid]
        yp = found.setdefault(pid, YoungPerson(pid, "repeat" if n > 1 else "first_time", n))
        yp.links.append(Link(eid, linked_at, day, age, note, occurred_from is not None))
    return list(found.values())


# -- the search --------------------------------------------------------------------------------


def search(engine: Engine, actor, since: dt.date, *, now: dt.datetime | None = None, purpose: str = PURPOSE) -> dict:
    """Run the search for links made since ``since``: record what is new (a run and one
    finding per new link; nothing when nothing is new and this ``since`` was searched before)
    and return every young person it lists, at the reader's scope (audited)."""
    require_user(engine, actor)
    now = now or audit.utcnow()
    if since > now.replace(tzinfo=dt.UTC).astimezone(LONDON).date():
        raise RecordError(f"{since.isoformat()} is in the future", field="since", fix="search from a past date, e.g. yesterday's")
    s, f = seh.EarlyHelpSearch.__table__, seh.EarlyHelpFinding.__table__
    try:
        with engine.begin() as conn:
            found = young_people_linked(conn, since, now)
            have = {tuple(r) for r in conn.execute(select(f.c.person_id, f.c.event_id).where(f.c.person_id.in_([yp.person_id for yp in found] or [0])))}
            new = [(yp, link) for yp in found for link in yp.links if (yp.person_id, link.event_id) not in have]
            run_id = conn.execute(select(func.max(s.c.id)).where(s.c.since == since)).scalar()
            if new or run_id is None:
                counted = {yp.person_id: yp.status for yp, _ in new}
                run_id = conn.execute(s.insert().values(since=since, run_at=now, run_by=actor.id, young_people=len(counted), links=len(new),
                                                        first_time=sum(1 for v in counted.values() if v == "first_time"),
                                                        repeat=sum(1 for v in counted.values() if v == "repeat")).returning(s.c.id)).scalar_one()  # fmt: skip
                if new:
                    conn.execute(f.insert(), [{"search_id": run_id, "person_id": yp.person_id, "event_id": link.event_id, "linked_at": link.linked_at,
                                               "status": yp.status} for yp, link in new])  # fmt: skip
                audit.record(conn, [audit.Entry("create", actor, "early_help_search", run_id, purpose=purpose,
                                                detail={"since": since.isoformat(), "young_people": len(counted), "links": len(new)})])  # fmt: skip
    except IntegrityError:
        raise Conflict("another search was recording the same links at the same moment: run it again") from None
    return _listing(engine, actor, found, since=since, run_id=run_id, now=now, purpose=purpose, with_referrals=False)


def last_search(engine: Engine) -> dict | None:
    s, u = seh.EarlyHelpSearch.__table__, sa_.User.__table__
    with engine.connect() as conn:
        row = conn.execute(select(s, u.c.username).join(u, u.c.id == s.c.run_by).order_by(s.c.run_at.desc(), s.c.id.desc()).limit(1)).mappings().first()
    return _run(row) if row else None


def _run(row) -> dict:
    return {"id": row["id"], "since": row["since"].isoformat(), "run_at": row["run_at"].isoformat(timespec="seconds"), "run_by": row["username"],
            "new": {"young_people": row["young_people"], "first_time": row["first_time"], "repeat": row["repeat"], "links": row["links"]}}  # fmt: skip


def latest(engine: Engine, actor, *, now: dt.datetime | None = None, purpose: str = PURPOSE) -> dict:
    """What the last search lists, as of now (the same ``since``), without recording a run:
    what the page shows. With no search yet, nothing."""
    require_user(engine, actor)
    now = now or audit.utcnow()
    run = last_search(engine)
    if run is None:
        return {"search": None, "since": None, "young_people": [], "referrals": referrals(engine, actor, purpose=purpose, now=now)["referrals"]}
    since = dt.date.fromisoformat(run["since"])
    with engine.connect() as conn:
        found = young_people_linked(conn, since, now)
    return _listing(engine, actor, found, since=since, run_id=run["id"], now=now, purpose=purpose)


def _events(conn, ids: list[int]) -> dict[int, dict]:
    e = Event.__table__
    if not ids:
        return {}
    rows = conn.execute(select(e.c.id, e.c.month, e.c.occurred_from, e.c.category, e.c.location, e.c.lsoa_name, e.c.outcome).where(e.c.id.in_(ids)))
    return {r.id: {"event_id": r.id, "month": r.month.isoformat()[:7], "category": r.category, "location": r.location, "place": r.lsoa_name,
                   "outcome": r.outcome} for r in rows}  # fmt: skip


def _listing(engine: Engine, actor, found: list[YoungPerson], *, since: dt.date, run_id: int, now: dt.datetime, purpose: str, with_referrals: bool = True) -> dict:
    p, f, s, u = sp.Person.__table__, seh.EarlyHelpFinding.__table__, seh.EarlyHelpSearch.__table__, sa_.User.__table__
    ids = [yp.person_id for yp in found]
    with engine.connect() as conn:
        refs = dict(conn.execute(select(p.c.id, p.c.reference).where(p.c.id.in_(ids or [0]))).all())
        events = _events(conn, sorted({link.event_id for yp in found for link in yp.links}))
        reviews = {(r.person_id, r.event_id): r for r in conn.execute(
            select(f.c.id, f.c.person_id, f.c.event_id, f.c.search_id, f.c.reviewed_at, f.c.review_note, u.c.username)
            .outerjoin(u, u.c.id == f.c.reviewed_by).where(f.c.person_id.in_(ids or [0])))}  # fmt: skip
        run = conn.execute(select(s, u.c.username).join(u, u.c.id == s.c.run_by).where(s.c.id == run_id)).mappings().first()
    views = people.show_many(engine, actor, refs.values(), purpose=purpose, today=now.date()) if refs else {}
    out = []
    for yp in sorted(found, key=lambda y: (y.status != "repeat", refs[y.person_id])):
        view = views.get(refs[yp.person_id])
        if view is None:
            continue
        aged = view["scope"] in ("full", "summary")
        listed = []
        for link in sorted(yp.links, key=lambda lk: (lk.day, lk.event_id)):
            r = reviews.get((yp.person_id, link.event_id))
            listed.append({**events[link.event_id], "day": link.day.isoformat(), "day_known": link.day_known, "linked_at": link.linked_at.isoformat(timespec="seconds"),
                           "age_at_event": link.age if aged else None, "age_text": _age_text(link, aged), "age_note": link.age_note if aged else None,
                           "finding": r.id if r else None, "reviewed_by": r.username if r and r.reviewed_at else None,
                           "reviewed_at": r.reviewed_at.isoformat(timespec="seconds") if r and r.reviewed_at else None,
                           "review_note": r.review_note if r else None})  # fmt: skip
        out.append({"person": view, "status": yp.status, "crimes": yp.crimes, "age_text": listed[0]["age_text"], "events": listed})
    listing = {"search": _run(run) if run else None, "since": since.isoformat(), "young_people": out}
    return listing | ({"referrals": referrals(engine, actor, purpose=purpose, now=now)["referrals"]} if with_referrals else {})


def _age_text(link: Link, aged: bool) -> str:
    if not aged:
        return "not shared at your scope"
    if link.age is None:
        return "age unknown"
    return f"{link.age}"


# -- reviews -----------------------------------------------------------------------------------


def review(engine: Engine, actor, finding_id: int, note: str, *, now: dt.datetime | None = None) -> dict:
    """Record that the team reviewed one crime of one young person, with what it decided."""
    require_user(engine, actor)
    note = " ".join((note or "").split())
    if not note:
        raise RecordError("say what the review found", field="note", fix="e.g. 'first-time suspect, criminal damage: refer to Early Action'")
    now = now or audit.utcnow()
    f, p, u = seh.EarlyHelpFinding.__table__, sp.Person.__table__, sa_.User.__table__
    with engine.begin() as conn:
        row = conn.execute(select(f, p.c.organisation_id, p.c.reference, u.c.username).join(p, p.c.id == f.c.person_id).outerjoin(u, u.c.id == f.c.reviewed_by)
                           .where(f.c.id == finding_id)).mappings().first()  # fmt: skip
        if row is None:
            raise NotFound(f"no early-help finding {finding_id}: take the number from the list of the last search (sara early-help list)")
        if row["reviewed_at"] is not None:
            raise Conflict(f"finding {finding_id} was already reviewed by {row['username']} at {row['reviewed_at']:%Y-%m-%d %H:%M}")
        conn.execute(f.update().where(f.c.id == finding_id, f.c.reviewed_at.is_(None)).values(reviewed_by=actor.id, reviewed_at=now, review_note=note))
        audit.record(conn, [audit.Entry("change", actor, "person", row["reference"], owner_org_id=row["organisation_id"], purpose=PURPOSE,
                                        detail={"early_help_review": finding_id, "event_id": row["event_id"]})])  # fmt: skip
    return {"finding": finding_id, "event_id": row["event_id"], "person": row["reference"], "reviewed_by": actor.username,
            "reviewed_at": now.isoformat(timespec="seconds"), "review_note": note}  # fmt: skip


# -- referrals ---------------------------------------------------------------------------------


def _check_referral(values: dict) -> dict:
    if "to_team" in values and values["to_team"] not in TEAMS:
        raise RecordError(f"unknown team {values['to_team']!r}", field="to_team", fix=f"choose one of {', '.join(TEAMS)}")
    for key in ("meeting", "issues", "actions", "outcome"):
        if key in values and values[key] is not None:
            values[key] = values[key].strip() or None
    return values


def refer(engine: Engine, actor, person_ref: str, to_team: str, *, route: str = "police_search", referred_on: dt.date | None = None,
          meeting: str | None = None, meeting_on: dt.date | None = None, issues: str | None = None, actions: str | None = None,
          outcome: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Refer a young person to a team or partner: from the search (``police_search``), from a
    children's services front-door referral (``front_door``: the young person recorded first
    as a person of the referring organisation) or ``other``. Once referred they are not
    listed again until a new crime links to them."""
    require_user(engine, actor)
    if route not in ROUTES:
        raise RecordError(f"unknown route {route!r}", field="route", fix=f"choose one of {', '.join(ROUTES)}")
    now = now or audit.utcnow()
    values = _check_referral({"to_team": to_team, "meeting": meeting, "meeting_on": meeting_on, "issues": issues, "actions": actions, "outcome": outcome})
    referred_on = referred_on or now.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    seen = people.show_person(engine, actor, person_ref, purpose=PURPOSE, today=now.date())
    if seen["scope"] == "pseudonymised":
        raise PermissionDenied("you may not refer a person you see only as a pseudonym: ask the organisation working with them")
    t = seh.EarlyHelpReferral.__table__
    with engine.begin() as conn:
        person = people.person_row(conn, person_ref)
        rid = conn.execute(t.insert().values(reference=temporary_reference(), person_id=person["id"], organisation_id=actor.organisation_id, route=route,
                                             referred_on=referred_on, created_at=now, created_by=actor.id, updated_at=now, version=1, **values)
                           .returning(t.c.id)).scalar_one()  # fmt: skip
        ref = assign_reference(conn, t, rid, "EHR", referred_on.year)
        audit.record(conn, [audit.Entry("create", actor, "early_help_referral", ref, owner_org_id=person["organisation_id"], purpose=PURPOSE,
                                        detail={"person": person_ref, "to_team": to_team, "route": route})])  # fmt: skip
    return show_referral(engine, actor, ref, now=now)


def update_referral(engine: Engine, actor, ref: str, *, version: int | None = None, now: dt.datetime | None = None, **changes) -> dict:
    """Record where a referral was discussed, its actions and its outcome (or close it);
    ``version`` (when given) must be the one read, so two people do not overwrite each other."""
    require_user(engine, actor)
    unknown = sorted(set(changes) - set(REFERRAL_FIELDS))
    if unknown:
        raise RecordError(f"a referral has no field {unknown[0]!r}", field=unknown[0], fix=f"change one of {', '.join(REFERRAL_FIELDS)}")
    changes = _check_referral({k: v for k, v in changes.items() if v is not None})
    if not changes:
        raise RecordError("nothing to change", field="meeting", fix="give the meeting, its date, the actions, the outcome or the date it closed")
    now = now or audit.utcnow()
    t, p = seh.EarlyHelpReferral.__table__, sp.Person.__table__
    with engine.begin() as conn:
        row = by_reference(conn, t, ref, "take the reference (EHR-YYYY-NNNN) from the list of referrals")
        owner = conn.execute(select(p.c.organisation_id).where(p.c.id == row["person_id"])).scalar_one()
        if version is not None and version != row["version"]:
            raise Conflict(f"{ref} was changed meanwhile (now version {row['version']}): read it again and make your change")
        conn.execute(t.update().where(t.c.id == row["id"]).values(updated_at=now, version=row["version"] + 1, **changes))
        audit.record(conn, [audit.Entry("change", actor, "early_help_referral", ref, owner_org_id=owner, purpose=PURPOSE, detail={"changed": sorted(changes)})])
    return show_referral(engine, actor, ref, now=now)


def show_referral(engine: Engine, actor, ref: str, *, now: dt.datetime | None = None, purpose: str = PURPOSE) -> dict:
    require_user(engine, actor)
    t = seh.EarlyHelpReferral.__table__
    with engine.connect() as conn:
        by_reference(conn, t, ref, "take the reference (EHR-YYYY-NNNN) from the list of referrals")
    found = [r for r in referrals(engine, actor, purpose=purpose, now=now)["referrals"] if r["reference"] == ref]
    if not found:
        raise NotFound(f"no early_help_referral {ref!r}: take the reference (EHR-YYYY-NNNN) from the list of referrals")
    return found[0]


def referrals(engine: Engine, actor, *, purpose: str = PURPOSE, now: dt.datetime | None = None) -> dict:
    """Every referral, newest first, each with its young person at the reader's scope; the
    referral's text only with a person seen beyond a pseudonym (each read audited)."""
    require_user(engine, actor)
    now = now or audit.utcnow()
    t, p, u = seh.EarlyHelpReferral.__table__, sp.Person.__table__, sa_.User.__table__
    with engine.connect() as conn:
        names = org_names(conn)
        rows = [dict(r) for r in conn.execute(select(t, p.c.reference.label("person_ref"), p.c.organisation_id.label("owner"), u.c.username)
                                              .join(p, p.c.id == t.c.person_id).join(u, u.c.id == t.c.created_by)
                                              .order_by(t.c.referred_on.desc(), t.c.id.desc())).mappings()]  # fmt: skip
    views = people.show_many(engine, actor, {r["person_ref"] for r in rows}, purpose=purpose, today=now.date()) if rows else {}
    out, entries = [], []
    for r in rows:
        view = views.get(r["person_ref"])
        if view is None:
            continue
        item = {"reference": r["reference"], "person": view, "to_team": r["to_team"], "to_team_name": TEAMS.get(r["to_team"], r["to_team"]),
                "route": r["route"], "route_name": ROUTES.get(r["route"], r["route"]), "referred_on": r["referred_on"].isoformat(),
                "referred_by": names[r["organisation_id"]]}  # fmt: skip
        if view["scope"] != "pseudonymised":
            item |= {"by": r["username"], "meeting": r["meeting"], "meeting_on": r["meeting_on"].isoformat() if r["meeting_on"] else None,
                     "issues": r["issues"], "actions": r["actions"], "outcome": r["outcome"],
                     "closed_on": r["closed_on"].isoformat() if r["closed_on"] else None, "version": r["version"]}  # fmt: skip
            entries.append(audit.Entry("read", actor, "early_help_referral", r["reference"], owner_org_id=r["owner"], purpose=purpose))
        out.append(item)
    if entries:
        audit.append(engine, *entries)
    return {"count": len(out), "referrals": out, "teams": TEAMS, "routes": ROUTES}


def unreviewed(engine: Engine, actor) -> dict:
    """How many crimes the last search found that nobody has reviewed yet, and of how many
    young people (counts only: what the Today page says)."""
    require_user(engine, actor)
    run = last_search(engine)
    if run is None:
        return {"search": None, "crimes": 0, "young_people": 0}
    f = seh.EarlyHelpFinding.__table__
    with engine.connect() as conn:
        crimes, persons = conn.execute(select(func.count(), func.count(func.distinct(f.c.person_id))).where(f.c.reviewed_at.is_(None))).one()
    return {"search": run, "crimes": crimes, "young_people": persons}

