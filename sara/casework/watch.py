"""Neighbourhood Watch: schemes with their area, CSP area, team and member counts over time;
coordinators (personal data) and the contacts logged with them; the table of schemes,
coordinators and members by CSP area and team; the coordinators not contacted within the
standard.

Derbyshire's performance scrutiny report (17 May 2022, sub-objective 7): the table of "NHW
Schemes", "Co-ordinators" and "Members attached to a scheme online" by CSP area with totals
(9.1); "PCSO contact should be made once a month with every NHW co-ordinator within the SNT
geographical area where they work. This should be face-to-face unless requested otherwise"
(9.2); "all SNTs should make contact with their local co-ordinators and record this ... managed
by the Neighbourhood Policing Supervisors" (9.3); an "Allotment Watch" set up from a problem
plan (9.5). The table here is by CSP area (the district holding the scheme's area) and by
Safer Neighbourhood Team, each CSP area's total first as the report's division totals are,
and the partnership's total last. A coordinator counts once in each scheme they coordinate
("co-ordinators attached to a scheme"); the notes say how many people that is.

Who may see and write what. Schemes, their counts and the table are the partnership's common
ground: every signed-in user reads them; police and council users whose role writes casework
add schemes, and only the organisation that recorded a scheme changes it (its member count,
its coordinators). A coordinator's name, phone and email are personal data: read only by users
of a police or council organisation whose role reads personal data at home (``can(..., "read",
"person", ...)``: analysts, problem owners, partner practitioners, leads), recorded and
contacted only by those whose role writes it (problem owners, partner practitioners); every
coordinator shown is audited, and every change. Everyone else sees counts only, and a refusal
names the rule, never a coordinator or whether one exists.

The standard: a coordinator is due a contact within ``standard()`` (one month by default; the
setting ``SARA_WATCH_CONTACT_STANDARD``, e.g. "2 weeks", "30 days"; each call may give its own)
of their last contact, or of the day they became a coordinator when never contacted; due on the
day, overdue the day after. A coordinator who no longer coordinates any scheme is not due.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re

import shapely
from sqlalchemy import Engine, func, select

from sara.access import audit
from sara.access.permissions import PermissionDenied, can
from sara.casework.records import Duplicate, NotFound, RecordError, assign_reference, org_names, temporary_reference, text_key
from sara.errors import Invalid
from sara.store.schema import Area
from sara.store.schema import access as sa_
from sara.store.schema import watch as sw

KINDS = {"street": "Street Watch", "allotment": "Allotment Watch", "rural": "Rural Watch (farms and villages)", "business": "Business Watch",
         "horse": "Horse Watch", "water": "Water Watch (canals, rivers, boats)", "school": "School Watch", "other": "another kind of watch"}  # fmt: skip
HOW = {"visit": "visit (face to face)", "meeting": "meeting (face to face)", "phone": "phone", "email": "email"}
FACE_TO_FACE = ("visit", "meeting")
ORG_TYPES = ("police", "council")
AREA_KINDS = ("ward", "lsoa", "district", "custom")
PURPOSE = "Neighbourhood Watch liaison"
STANDARD = "1 month"
SETTING = "SARA_WATCH_CONTACT_STANDARD"
UNITS = {"day": "days", "days": "days", "week": "weeks", "weeks": "weeks", "month": "months", "months": "months"}
NO_TEAM = "no team recorded"
REF_HINT = "check the reference (NHW-YYYY-NNNN) against the list of schemes"


# --------------------------------------------------------------------------- the standard
def standard(text: str | None = None) -> tuple[int, str]:
    """The contact standard as (n, "days" | "weeks" | "months"): ``text`` ("1 month", "2
    weeks", "30 days") if given, else the setting ``SARA_WATCH_CONTACT_STANDARD``, else one month."""
    field = "within" if text is not None else SETTING
    raw = text if text is not None else os.environ.get(SETTING) or STANDARD
    m = re.fullmatch(r"\s*(\d{1,4})\s*([a-z]+)\s*", (raw or "").lower())
    if not m or m.group(2) not in UNITS or int(m.group(1)) < 1:
        said = f"{raw!r}" if text is not None else f"the setting {SETTING}={raw!r}"
        raise Invalid(f"{said} is not a period", field=field, fix="give a number of days, weeks or months, e.g. '1 month', '2 weeks' or '30 days'")
    return int(m.group(1)), UNITS[m.group(2)]


def words(period: tuple[int, str]) -> str:
    n, unit = period
    return f"{n} {unit[:-1] if n == 1 else unit}"


def after(day: dt.date, period: tuple[int, str]) -> dt.date:
    """``day`` plus the period; a month later is the same day of the next month, or its last day."""
    n, unit = period
    if unit == "days":
        return day + dt.timedelta(days=n)
    if unit == "weeks":
        return day + dt.timedelta(weeks=n)
    k = day.year * 12 + day.month - 1 + n
    y, mo = divmod(k, 12)
    return dt.date(y, mo + 1, min(day.day, calendar.monthrange(y, mo + 1)[1]))


# --------------------------------------------------------------------------- who may
def _active(actor) -> bool:
    return bool(actor) and getattr(actor, "active", True)


def _police_or_council(actor) -> bool:
    return _active(actor) and getattr(actor, "organisation_type", "") in ORG_TYPES


def may_see_coordinators(actor) -> bool:
    """Police and council users whose role reads personal data at home."""
    return _police_or_council(actor) and can(actor, "read", "person", None).allowed


def may_record_coordinators(actor) -> bool:
    """Police and council users whose role writes personal data at home (problem owners, partner practitioners)."""
    return _police_or_council(actor) and can(actor, "write", "person", None).allowed


def may_add_schemes(actor) -> bool:
    """Police and council users whose role writes casework (actions)."""
    return _police_or_council(actor) and can(actor, "write", "action", None).allowed


def check_read(actor) -> None:
    if not _active(actor):
        raise PermissionDenied("not allowed: sign in to see Neighbourhood Watch schemes")


def check_coordinators(actor) -> None:
    check_read(actor)
    if not may_see_coordinators(actor):
        raise PermissionDenied("not allowed: Neighbourhood Watch coordinators' details are seen only by police and council users who read personal data")


def _check_record(actor) -> None:
    check_coordinators(actor)
    if not may_record_coordinators(actor):
        raise PermissionDenied(f"not allowed: a {actor.role} may not record coordinators or contacts with them")


def check_scheme_write(actor, scheme: dict | None = None) -> None:
    check_read(actor)
    if not may_add_schemes(actor):
        raise PermissionDenied("not allowed: Neighbourhood Watch schemes are recorded by police and council users who write casework")
    if scheme is not None and scheme["organisation_id"] != actor.organisation_id:
        raise PermissionDenied("not allowed: only the organisation that recorded a scheme changes it")


def _audit(conn, actor, entries: list[tuple[str, str, str, int, dict]]) -> None:
    """(action, subject type, subject id, owner organisation, detail) for each entry, in one go."""
    if entries:
        audit.record(conn, [audit.Entry(a, actor, t, s, owner_org_id=o, purpose=PURPOSE, detail=d) for a, t, s, o, d in entries])


def _day(value: dt.date | None, field: str, today: dt.date) -> dt.date:
    value = value or today
    if value > today:
        raise Invalid(f"{value.isoformat()} is in the future", field=field, fix="give the day it happened, today or before")
    return value


def _count(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(f"{value!r} is not a number of members", field=field, fix="give a whole number, 0 or more (the members attached to the scheme)")
    return value


# --------------------------------------------------------------------------- areas
def _area(conn, code: str) -> dict:
    code = (code or "").strip()
    if not code:
        raise RecordError("a scheme needs an area", field="area", fix="give the loaded ward, LSOA or district it covers, by its code or name")
    rows = conn.execute(select(Area.kind, Area.code, Area.name, Area.geometry).where((Area.code == code) | (Area.name == code))).mappings().all()
    if not rows:
        raise RecordError(f"no loaded area {code!r}", field="area", fix="give a loaded ward, LSOA or district by its code or name")
    return dict(sorted(rows, key=lambda r: AREA_KINDS.index(r["kind"]) if r["kind"] in AREA_KINDS else 9)[0])


def _district(conn, area: dict) -> str:
    """The code of the district (CSP area) holding ``area``'s inside point."""
    if area["kind"] == "district":
        return area["code"]
    inside = shapely.point_on_surface(shapely.from_wkb(area["geometry"]))
    for code, wkb in conn.execute(select(Area.code, Area.geometry).where(Area.kind == "district").order_by(Area.code)):
        if shapely.from_wkb(wkb).contains(inside):
            return code
    raise RecordError(f"{area['name'] or area['code']} ({area['code']}) lies in no loaded district", field="area",
                      fix="load the partnership's district boundaries (its CSP areas) first, or give an area inside them")  # fmt: skip


def _team(conn, team: str | None) -> str | None:
    """The team's name, spelled as a scheme already spells it when it differs only in case and spaces."""
    team = " ".join((team or "").split())
    if not team:
        return None
    t = sw.WatchScheme.__table__
    known = [x for (x,) in conn.execute(select(t.c.team).where(t.c.team.is_not(None)).distinct()) if x.casefold() == team.casefold()]
    return known[0] if known else team


# --------------------------------------------------------------------------- schemes
def _by_reference(conn, table, ref: str, what: str, hint: str) -> dict:
    row = conn.execute(select(table).where(table.c.reference == (ref or "").strip())).mappings().first()
    if row is None:
        raise NotFound(f"no {what} {ref!r}: {hint}")
    return dict(row)


def scheme_row(conn, ref: str) -> dict:
    return _by_reference(conn, sw.WatchScheme.__table__, ref, "scheme", REF_HINT)


def add_scheme(engine: Engine, actor, name: str, *, kind: str = "street", area: str, team: str | None = None, members: int = 0,
               now: dt.datetime | None = None) -> str:  # fmt: skip
    """Record a scheme for the actor's organisation: its name, kind, the loaded area it covers
    (whose district is its CSP area), the team responsible and its member count today."""
    check_scheme_write(actor)
    now = now or audit.utcnow()
    name = " ".join((name or "").split())
    if not name:
        raise RecordError("a scheme needs a name", field="name", fix="use the name it is known by, e.g. 'Castle Street Watch'")
    if kind not in KINDS:
        raise RecordError(f"unknown kind of scheme {kind!r}", field="kind", fix=f"choose one of {', '.join(KINDS)}")
    members = _count(members, "members")
    t = sw.WatchScheme.__table__
    with engine.connect() as conn:
        ar = _area(conn, area)
        district = _district(conn, ar)
        team_name = _team(conn, team)
        same = conn.execute(select(t.c.reference).where(t.c.name_key == text_key(name), t.c.district_code == district)).scalar()
    if same:
        raise Duplicate(f"duplicate scheme: {name!r} is already recorded as {same} in this CSP area; change {same} instead")
    with engine.begin() as conn:
        sid = conn.execute(t.insert().values(reference=temporary_reference(), organisation_id=actor.organisation_id, name=name, name_key=text_key(name), kind=kind,
                                             area_kind=ar["kind"], area_code=ar["code"], district_code=district, team=team_name, members=members,
                                             members_on=now.date(), created_at=now, created_by=actor.id, version=1).returning(t.c.id)).scalar_one()  # fmt: skip
        ref = assign_reference(conn, t, sid, "NHW", now.year)
        conn.execute(sw.WatchMemberCount.__table__.insert().values(scheme_id=sid, members=members, on_date=now.date(), recorded_at=now, recorded_by=actor.id))
        _audit(conn, actor, [("create", "watch_scheme", ref, actor.organisation_id, {"kind": kind, "area": ar["code"], "team": team_name, "members": members})])
    return ref


def set_members(engine: Engine, actor, ref: str, members: int, *, on: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """Record the scheme's member count as it stood on ``on`` (default today); the latest day's count is the scheme's."""
    now = now or audit.utcnow()
    members = _count(members, "members")
    on = _day(on, "on", now.date())
    t, h = sw.WatchScheme.__table__, sw.WatchMemberCount.__table__
    with engine.connect() as conn:
        s = scheme_row(conn, ref)
    check_scheme_write(actor, s)
    with engine.begin() as conn:
        conn.execute(h.insert().values(scheme_id=s["id"], members=members, on_date=on, recorded_at=now, recorded_by=actor.id))
        latest = conn.execute(select(h.c.members, h.c.on_date).where(h.c.scheme_id == s["id"]).order_by(h.c.on_date.desc(), h.c.id.desc())).first()
        conn.execute(t.update().where(t.c.id == s["id"]).values(members=latest.members, members_on=latest.on_date, version=t.c.version + 1))
        _audit(conn, actor, [("change", "watch_scheme", s["reference"], s["organisation_id"], {"members": members, "on": on.isoformat()})])
    return {"scheme": s["reference"], "members": latest.members, "members_on": latest.on_date.isoformat(), "was": s["members"], "given": members, "on": on.isoformat()}


# --------------------------------------------------------------------------- coordinators
def _phone_key(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+44"):
        digits = "0" + digits[2:]
    if re.search(r"[^\d\s()+.-]", phone) or not 7 <= len(digits) <= 15:
        raise RecordError(f"{phone!r} is not a phone number", field="phone", fix="give the number with its area code, e.g. 01246 123456 or 07700 900123")
    return digits


def _email_key(email: str | None) -> str | None:
    if not email:
        return None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", email):
        raise RecordError(f"{email!r} is not an email address", field="email", fix="give it as name@example.org")
    return email.casefold()


def split_contact(contact: str | None) -> tuple[str | None, str | None]:
    """(phone, email) from one contact given as either."""
    contact = (contact or "").strip()
    if not contact:
        return None, None
    return (None, contact) if "@" in contact else (contact, None)


def coordinator_row(conn, ref: str) -> dict:
    return _by_reference(conn, sw.WatchCoordinator.__table__, ref, "coordinator", "check the coordinator's reference (NHC-YYYY-NNNN) on the scheme's page")


def _current(role: dict, today: dt.date) -> bool:
    return role["from_date"] <= today and (role["to_date"] is None or role["to_date"] >= today)


def add_coordinator(engine: Engine, actor, scheme_ref: str, *, name: str | None = None, phone: str | None = None, email: str | None = None,
                    coordinator: str | None = None, from_date: dt.date | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record a coordinator of a scheme: a new person (name and a phone or an email), or one
    already recorded (``coordinator``, their reference) who takes on another scheme. The same
    person twice on a scheme, or a new record of a name and contact already recorded, is refused
    naming the record to use."""
    _check_record(actor)
    now = now or audit.utcnow()
    start = _day(from_date, "from_date", now.date())
    c, r = sw.WatchCoordinator.__table__, sw.WatchRole.__table__
    with engine.connect() as conn:
        s = scheme_row(conn, scheme_ref)
        check_scheme_write(actor, s)
        if coordinator:
            found = coordinator_row(conn, coordinator)
        else:
            name = " ".join((name or "").split())
            if not name:
                raise RecordError("a coordinator needs a name", field="name", fix="give the coordinator's name as they give it")
            phone, email = (phone or "").strip() or None, (email or "").strip() or None
            if not phone and not email:
                raise RecordError("a coordinator needs a way to be contacted", field="phone", fix="give a phone number or an email address")
            pk, ek = _phone_key(phone), _email_key(email)
            same = [dict(x) for x in conn.execute(select(c).where(c.c.name_key == text_key(name))).mappings()]
            found = next((x for x in same if (pk and x["phone_key"] == pk) or (ek and x["email_key"] == ek)), None)
        role = conn.execute(select(r).where(r.c.scheme_id == s["id"], r.c.coordinator_id == found["id"])).mappings().first() if found else None
        elsewhere = conn.execute(select(sw.WatchScheme.reference).join(r, r.c.scheme_id == sw.WatchScheme.id).where(r.c.coordinator_id == found["id"])
                                 .order_by(sw.WatchScheme.id)).scalars().all() if found else []  # fmt: skip
    if role is not None and (role["to_date"] is None or role["to_date"] >= start):
        raise Duplicate(f"duplicate coordinator: {found['reference']} already coordinates {s['reference']}; nothing was added")
    if role is not None:
        raise Duplicate(f"{found['reference']} coordinated {s['reference']} until {role['to_date'].isoformat()}; nothing was added: their earlier role stands")
    if found is not None and not coordinator:
        on = f" (coordinator of {', '.join(elsewhere)})" if elsewhere else ""
        raise Duplicate(f"duplicate coordinator: {found['name']} with this contact is already recorded as {found['reference']}{on}; "
                        f"add {found['reference']} to {s['reference']} instead")  # fmt: skip
    with engine.begin() as conn:
        entries = []
        if found is None:
            cid = conn.execute(c.insert().values(reference=temporary_reference(), organisation_id=actor.organisation_id, name=name, phone=phone, email=email,
                                                 name_key=text_key(name), phone_key=pk, email_key=ek, created_at=now, created_by=actor.id).returning(c.c.id)).scalar_one()  # fmt: skip
            cref = assign_reference(conn, c, cid, "NHC", now.year)
            owner = actor.organisation_id
            entries.append(("create", "watch_coordinator", cref, owner, {"scheme": s["reference"]}))
        else:
            cid, cref, owner = found["id"], found["reference"], found["organisation_id"]
            entries.append(("change", "watch_coordinator", cref, owner, {"scheme": s["reference"], "from": start.isoformat()}))
        conn.execute(r.insert().values(scheme_id=s["id"], coordinator_id=cid, from_date=start, added_at=now, added_by=actor.id))
        entries.append(("change", "watch_scheme", s["reference"], s["organisation_id"], {"coordinator_added": cref}))
        _audit(conn, actor, entries)
    return {"coordinator": cref, "scheme": s["reference"], "from": start.isoformat(), "new_record": found is None}


def end_coordinator(engine: Engine, actor, scheme_ref: str, coordinator: str, *, on: dt.date | None = None, now: dt.datetime | None = None) -> dict:
    """The coordinator stops coordinating the scheme on ``on`` (default today): no longer counted there, nor due a contact for it."""
    _check_record(actor)
    now = now or audit.utcnow()
    on = _day(on, "on", now.date())
    r = sw.WatchRole.__table__
    with engine.connect() as conn:
        s = scheme_row(conn, scheme_ref)
        check_scheme_write(actor, s)
        co = coordinator_row(conn, coordinator)
        role = conn.execute(select(r).where(r.c.scheme_id == s["id"], r.c.coordinator_id == co["id"])).mappings().first()
    if role is None or role["to_date"] is not None:
        raise RecordError(f"{co['reference']} is not a current coordinator of {s['reference']}", field="coordinator", fix="give one of the scheme's current coordinators")
    if on < role["from_date"]:
        raise Invalid(f"{on.isoformat()} is before they started ({role['from_date'].isoformat()})", field="on", fix="give a day on or after they started")
    with engine.begin() as conn:
        conn.execute(r.update().where(r.c.id == role["id"]).values(to_date=on))
        _audit(conn, actor, [("change", "watch_coordinator", co["reference"], co["organisation_id"], {"scheme": s["reference"], "to": on.isoformat()})])
    return {"coordinator": co["reference"], "scheme": s["reference"], "from": role["from_date"].isoformat(), "to": on.isoformat()}


def _user(conn, actor, username: str | None) -> int:
    if not username or username == actor.username:
        return actor.id
    u = sa_.User.__table__
    x = conn.execute(select(u.c.id, u.c.organisation_id, u.c.active).where(u.c.username == username)).first()
    if x is None or x.organisation_id != actor.organisation_id or not x.active:
        raise RecordError(f"{username!r} is not an active user of your organisation", field="by", fix="name the colleague who made the contact by their username, or leave it empty for you")
    return x.id


def log_contact(engine: Engine, actor, ref: str, how: str, *, coordinator: str | None = None, on: dt.date | None = None, by: str | None = None,
                note: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Log a contact with a coordinator (``ref`` theirs, NHC-..., or a scheme's, NHW-..., with
    ``coordinator`` naming one of its coordinators, or none when it has only one): how (visit,
    meeting, phone, email), on which day (default today), by whom (default the actor). The same
    contact logged twice (same coordinator, day, way and person) is refused."""
    _check_record(actor)
    now = now or audit.utcnow()
    if how not in HOW:
        raise RecordError(f"unknown way of contact {how!r}", field="how", fix=f"choose one of {', '.join(HOW)} (visits and meetings are face to face, the standard's default)")
    on = _day(on, "on", now.date())
    r, k = sw.WatchRole.__table__, sw.WatchContact.__table__
    ref = (ref or "").strip()
    with engine.connect() as conn:
        scheme = None
        if ref.upper().startswith("NHW-"):
            scheme = scheme_row(conn, ref)
            roles = [dict(x) for x in conn.execute(select(r).where(r.c.scheme_id == scheme["id"])).mappings() if _current(x, on)]
            if coordinator:
                co = coordinator_row(conn, coordinator)
                if co["id"] not in {x["coordinator_id"] for x in roles}:
                    raise RecordError(f"{co['reference']} is not a current coordinator of {scheme['reference']}", field="coordinator",
                                      fix="choose one of the scheme's coordinators")  # fmt: skip
            elif len(roles) == 1:
                co = dict(conn.execute(select(sw.WatchCoordinator.__table__).where(sw.WatchCoordinator.id == roles[0]["coordinator_id"])).mappings().one())
            else:
                raise RecordError(f"{scheme['reference']} has {len(roles)} current coordinators", field="coordinator",
                                  fix="say which coordinator was contacted (their reference, NHC-YYYY-NNNN)" if roles else "add a coordinator to the scheme first")  # fmt: skip
        else:
            co = coordinator_row(conn, ref)
        by_id = _user(conn, actor, by)
        if scheme is None:
            first = conn.execute(select(r.c.scheme_id).where(r.c.coordinator_id == co["id"]).order_by(r.c.to_date.is_not(None), r.c.from_date)).scalar()
            scheme = {"id": first, "reference": conn.execute(select(sw.WatchScheme.reference).where(sw.WatchScheme.id == first)).scalar()} if first else None
        same = conn.execute(select(k.c.id).where(k.c.coordinator_id == co["id"], k.c.on_date == on, k.c.how == how, k.c.by_user_id == by_id)).first()
    if same:
        raise Duplicate(f"this contact is already logged (contact {same.id}: {co['reference']}, {how}, {on.isoformat()}); nothing was added")
    note = (note or "").strip() or None
    with engine.begin() as conn:
        cid = conn.execute(k.insert().values(coordinator_id=co["id"], scheme_id=scheme["id"] if scheme else None, on_date=on, how=how, by_user_id=by_id, note=note,
                                             recorded_at=now, recorded_by=actor.id).returning(k.c.id)).scalar_one()  # fmt: skip
        _audit(conn, actor, [("change", "watch_coordinator", co["reference"], co["organisation_id"], {"contact": cid, "how": how, "on": on.isoformat()})])
    period = standard()
    return {"id": cid, "coordinator": co["reference"], "scheme": scheme["reference"] if scheme else None, "on": on.isoformat(), "how": how,
            "face_to_face": how in FACE_TO_FACE, "by": by or actor.username, "note": note, "next_due": after(on, period).isoformat(), "standard": words(period)}  # fmt: skip


# --------------------------------------------------------------------------- reading
def _usernames(conn) -> dict[int, str]:
    u = sa_.User.__table__
    return dict(conn.execute(select(u.c.id, u.c.username)).all())


def _area_names(conn) -> dict[tuple[str, str], str]:
    return {(k, c): n or c for k, c, n in conn.execute(select(Area.kind, Area.code, Area.name))}


def _summary(s: dict, names: dict, orgs: dict, coordinators: int) -> dict:
    return {"id": s["reference"], "name": s["name"], "kind": s["kind"], "kind_name": KINDS.get(s["kind"], s["kind"]),
            "area": {"kind": s["area_kind"], "code": s["area_code"], "name": names.get((s["area_kind"], s["area_code"]), s["area_code"])},
            "district": {"code": s["district_code"], "name": names.get(("district", s["district_code"]), s["district_code"])}, "team": s["team"],
            "members": s["members"], "members_on": s["members_on"].isoformat(), "coordinators": coordinators, "organisation": orgs.get(s["organisation_id"])}  # fmt: skip


def _roles(conn, scheme_ids: list[int]) -> list[dict]:
    r = sw.WatchRole.__table__
    return [dict(x) for x in conn.execute(select(r).where(r.c.scheme_id.in_(scheme_ids)).order_by(r.c.from_date, r.c.id)).mappings()] if scheme_ids else []


def _last_contacts(conn, coordinator_ids) -> dict[int, dict]:
    k = sw.WatchContact.__table__
    out: dict[int, dict] = {}
    ids = sorted(set(coordinator_ids))
    if ids:
        for x in conn.execute(select(k).where(k.c.coordinator_id.in_(ids)).order_by(k.c.on_date, k.c.id)).mappings():
            out[x["coordinator_id"]] = dict(x)
    return out


def _due(roles: list[dict], last: dict | None, period: tuple[int, str], today: dt.date) -> dict:
    """When a coordinator (all of their roles given) is next due a contact, and whether they are overdue."""
    current = [x for x in roles if _current(x, today)]
    if not current:
        return {"due": None, "overdue": False, "days_overdue": 0}
    since = last["on_date"] if last else min(x["from_date"] for x in current)
    due = after(since, period)
    return {"due": due.isoformat(), "overdue": today > due, "days_overdue": max(0, (today - due).days)}


def list_schemes(engine: Engine, actor, *, district: str | None = None, team: str | None = None, kind: str | None = None, today: dt.date | None = None,
                 within: str | None = None) -> list[dict]:  # fmt: skip
    """Every scheme (any reader): kind, area, CSP area, team, members, current coordinators (a
    count); for readers of coordinators also how many are overdue a contact. Filters: a
    district (code or name), a team, a kind."""
    check_read(actor)
    today = today or dt.date.today()
    t = sw.WatchScheme.__table__
    with engine.connect() as conn:
        names = _area_names(conn)
        q = select(t).order_by(t.c.district_code, t.c.team, t.c.name)
        if district:
            codes = [c for (k, c), n in names.items() if k == "district" and district in (c, n)]
            if not codes:
                raise RecordError(f"no loaded district {district!r}", field="district", fix="give a loaded district (CSP area) by its code or name")
            q = q.where(t.c.district_code == codes[0])
        if team:
            q = q.where(func.lower(t.c.team) == " ".join(team.split()).lower())
        if kind:
            q = q.where(t.c.kind == kind)
        schemes = [dict(x) for x in conn.execute(q).mappings()]
        roles = _roles(conn, [s["id"] for s in schemes])
        orgs = org_names(conn)
        see = may_see_coordinators(actor)
        if see:
            ids = {r["coordinator_id"] for r in roles}
            all_roles = [dict(x) for x in conn.execute(select(sw.WatchRole.__table__).where(sw.WatchRole.coordinator_id.in_(ids))).mappings()] if ids else []
            last = _last_contacts(conn, ids)
    period = standard(within) if see else None
    out = []
    for s in schemes:
        mine = [r for r in roles if r["scheme_id"] == s["id"] and _current(r, today)]
        row = _summary(s, names, orgs, len(mine))
        if see:
            row["overdue"] = sum(_due([x for x in all_roles if x["coordinator_id"] == r["coordinator_id"]], last.get(r["coordinator_id"]), period, today)["overdue"] for r in mine)
        out.append(row)
    return out


def _coordinator_view(co: dict, roles: list[dict], contacts: list[dict], users: dict, schemes: dict, period, today: dt.date, scheme_id: int | None) -> dict:
    mine = [x for x in roles if x["coordinator_id"] == co["id"]]
    here = next((x for x in mine if x["scheme_id"] == scheme_id), None) if scheme_id else None
    theirs = sorted((x for x in contacts if x["coordinator_id"] == co["id"]), key=lambda x: (x["on_date"], x["id"]), reverse=True)
    last = theirs[0] if theirs else None
    return {"id": co["reference"], "name": co["name"], "phone": co["phone"], "email": co["email"],
            "from": here["from_date"].isoformat() if here else None, "to": here["to_date"].isoformat() if here and here["to_date"] else None,
            "current": bool(here and _current(here, today)) if scheme_id else any(_current(x, today) for x in mine),
            "schemes": [schemes[x["scheme_id"]] for x in mine if _current(x, today) and x["scheme_id"] in schemes],
            "last_contact": {"on": last["on_date"].isoformat(), "how": last["how"], "by": users.get(last["by_user_id"])} if last else None,
            **_due(mine, last, period, today),
            "contacts": [{"id": x["id"], "on": x["on_date"].isoformat(), "how": x["how"], "face_to_face": x["how"] in FACE_TO_FACE, "by": users.get(x["by_user_id"]),
                          "note": x["note"], "scheme": schemes.get(x["scheme_id"])} for x in theirs]}  # fmt: skip


def show_scheme(engine: Engine, actor, ref: str, *, today: dt.date | None = None, within: str | None = None, purpose: str = PURPOSE) -> dict:
    """One scheme: its area, CSP area, team, the member count and its history; for readers of
    coordinators each coordinator (name, phone, email, the contacts logged, when next due;
    each shown audited), for everyone else the number of coordinators only."""
    check_read(actor)
    today = today or dt.date.today()
    h, c, k, t = sw.WatchMemberCount.__table__, sw.WatchCoordinator.__table__, sw.WatchContact.__table__, sw.WatchScheme.__table__
    see = may_see_coordinators(actor)
    with engine.connect() as conn:
        s = scheme_row(conn, ref)
        names, orgs = _area_names(conn), org_names(conn)
        roles = _roles(conn, [s["id"]])
        history = [{"members": x.members, "on": x.on_date.isoformat()} for x in conn.execute(select(h.c.members, h.c.on_date).where(h.c.scheme_id == s["id"])
                                                                                            .order_by(h.c.on_date.desc(), h.c.id.desc()))]  # fmt: skip
        if see:
            ids = [x["coordinator_id"] for x in roles]
            coords = [dict(x) for x in conn.execute(select(c).where(c.c.id.in_(ids)).order_by(c.c.id)).mappings()] if ids else []
            all_roles = [dict(x) for x in conn.execute(select(sw.WatchRole.__table__).where(sw.WatchRole.coordinator_id.in_(ids))).mappings()] if ids else []
            contacts = [dict(x) for x in conn.execute(select(k).where(k.c.coordinator_id.in_(ids))).mappings()] if ids else []
            wanted = {x["scheme_id"] for x in all_roles} | {x["scheme_id"] for x in contacts if x["scheme_id"]}
            schemes = {x.id: {"id": x.reference, "name": x.name} for x in conn.execute(select(t.c.id, t.c.reference, t.c.name).where(t.c.id.in_(wanted)))} if ids else {}
            users = _usernames(conn)
    current = [x for x in roles if _current(x, today)]
    out = _summary(s, names, orgs, len(current)) | {"member_history": history, "may_change": may_add_schemes(actor) and s["organisation_id"] == actor.organisation_id,
                                                    "may_record": may_record_coordinators(actor) and s["organisation_id"] == actor.organisation_id,
                                                    "may_log_contact": may_record_coordinators(actor), "coordinator_scope": "full" if see else "count"}  # fmt: skip
    if not see:
        return out | {"coordinator_list": None}
    period = standard(within)
    shown = [_coordinator_view(co, all_roles, contacts, users, schemes, period, today, s["id"]) for co in coords]
    shown.sort(key=lambda x: (not x["current"], x["from"] or "", x["id"]))
    with engine.begin() as conn:
        _audit_reads(conn, actor, coords, {"scheme": s["reference"]}, purpose)
    return out | {"coordinator_list": shown, "standard": words(period), "overdue": sum(x["overdue"] for x in shown if x["current"])}


def _audit_reads(conn, actor, coords: list[dict], detail: dict, purpose: str) -> None:
    if coords:
        audit.record(conn, [audit.Entry("read", actor, "watch_coordinator", co["reference"], owner_org_id=co["organisation_id"], purpose=purpose, detail=detail)
                            for co in coords])  # fmt: skip


def overdue(engine: Engine, actor, *, today: dt.date | None = None, within: str | None = None, team: str | None = None, mine: bool = False,
            purpose: str = PURPOSE, names: bool = True) -> dict:  # fmt: skip
    """The current coordinators not contacted within the standard (``within``, else the
    setting, else a month), longest overdue first, each with their schemes, teams and last
    contact; ``team`` keeps one team's, ``mine`` those of the actor's organisation's schemes.
    With ``names`` each coordinator's name and contact are shown (and audited); without, only
    references and dates (what the Today page lists)."""
    check_coordinators(actor)
    today = today or dt.date.today()
    period = standard(within)
    t, c, r = sw.WatchScheme.__table__, sw.WatchCoordinator.__table__, sw.WatchRole.__table__
    with engine.connect() as conn:
        schemes = {x["id"]: dict(x) for x in conn.execute(select(t)).mappings()}
        roles = [dict(x) for x in conn.execute(select(r)).mappings()]
        last = _last_contacts(conn, [x["coordinator_id"] for x in roles])
        users = _usernames(conn)
        coords = {x["id"]: dict(x) for x in conn.execute(select(c)).mappings()}
    wanted_team = " ".join((team or "").split()).casefold() or None
    out = []
    for cid in sorted({x["coordinator_id"] for x in roles}):
        theirs = [x for x in roles if x["coordinator_id"] == cid]
        d = _due(theirs, last.get(cid), period, today)
        if not d["overdue"]:
            continue
        held = [schemes[x["scheme_id"]] for x in theirs if _current(x, today)]
        if wanted_team and not any((s["team"] or "").casefold() == wanted_team for s in held):
            continue
        if mine and not any(s["organisation_id"] == actor.organisation_id for s in held):
            continue
        co, lc = coords[cid], last.get(cid)
        row = {"id": co["reference"], "schemes": [{"id": s["reference"], "name": s["name"], "team": s["team"]} for s in held],
               "last_contact": {"on": lc["on_date"].isoformat(), "how": lc["how"], "by": users.get(lc["by_user_id"])} if lc else None, **d}  # fmt: skip
        if names:
            row |= {"name": co["name"], "phone": co["phone"], "email": co["email"]}
        out.append(row)
    out.sort(key=lambda x: (-x["days_overdue"], x["id"]))
    if names and out:
        with engine.begin() as conn:
            _audit_reads(conn, actor, [coords[cid] for cid in coords if coords[cid]["reference"] in {x["id"] for x in out}], {"list": "overdue"}, purpose)
    return {"standard": words(period), "today": today.isoformat(), "team": team, "count": len(out), "coordinators": out}


def table(engine: Engine, actor, *, on: dt.date | None = None) -> dict:
    """The report's table as it stood on ``on`` (default today): schemes, coordinators and
    members by CSP area (district) and team, each CSP area's total first, the partnership's
    total last. Counts only: any reader. A scheme counts from the day it was recorded, its
    members as the latest count given on or before ``on``, a coordinator once per scheme they
    coordinated that day."""
    check_read(actor)
    on = on or dt.date.today()
    t, h = sw.WatchScheme.__table__, sw.WatchMemberCount.__table__
    with engine.connect() as conn:
        names = _area_names(conn)
        schemes = [dict(x) for x in conn.execute(select(t)).mappings() if x["created_at"].date() <= on]
        counts: dict[int, int] = {}
        for x in conn.execute(select(h).where(h.c.on_date <= on).order_by(h.c.on_date, h.c.id)).mappings():
            counts[x["scheme_id"]] = x["members"]
        roles = [x for x in _roles(conn, [s["id"] for s in schemes]) if _current(x, on)]
    by: dict[tuple[str, str], dict] = {}
    people: dict[str, set] = {}
    for s in schemes:
        team = s["team"] or NO_TEAM
        cell = by.setdefault((s["district_code"], team), {"schemes": 0, "coordinators": 0, "members": 0})
        held = [x["coordinator_id"] for x in roles if x["scheme_id"] == s["id"]]
        cell["schemes"] += 1
        cell["coordinators"] += len(held)
        cell["members"] += counts.get(s["id"], 0)
        people.setdefault(s["district_code"], set()).update(held)
    rows, total = [], {"schemes": 0, "coordinators": 0, "members": 0}
    dname = lambda code: names.get(("district", code), code)  # noqa: E731
    for district in sorted({d for d, _ in by}, key=dname):
        teams = sorted((tm for d, tm in by if d == district), key=lambda x: (x == NO_TEAM, x.casefold()))
        sub = {k: sum(by[(district, tm)][k] for tm in teams) for k in total}
        rows.append({"level": "district", "district": district, "district_name": dname(district), "team": None, **sub})
        rows += [{"level": "team", "district": district, "district_name": dname(district), "team": tm, **by[(district, tm)]} for tm in teams]
        total = {k: total[k] + sub[k] for k in total}
    rows.append({"level": "total", "district": None, "district_name": None, "team": None, **total})
    distinct = len(set().union(*people.values())) if people else 0
    notes = ["CSP area: the district holding the scheme's area. Team: the Safer Neighbourhood Team responsible for the scheme.",
             f"Co-ordinators attached to a scheme: {total['coordinators']} held by {distinct} {'person' if distinct == 1 else 'people'} "
             "(a person coordinating two schemes counts in each)."]  # fmt: skip
    unteamed = sum(by[k]["schemes"] for k in by if k[1] == NO_TEAM)
    if unteamed:
        notes.append(f"{unteamed} scheme{'s have' if unteamed != 1 else ' has'} no team recorded: counted in its CSP area as '{NO_TEAM}'.")
    return {"on": on.isoformat(), "columns": ["CSP area", "SNT", "NHW schemes", "Co-ordinators", "Members attached to a scheme"], "rows": rows, "notes": notes,
            "coordinator_people": distinct}  # fmt: skip


def teams(engine: Engine) -> list[str]:
    """The teams schemes name (for the forms' suggestions)."""
    t = sw.WatchScheme.__table__
    with engine.connect() as conn:
        return sorted((x for (x,) in conn.execute(select(t.c.team).where(t.c.team.is_not(None)).distinct())), key=str.casefold)

