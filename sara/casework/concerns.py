"""Concerns the public reports at /report-a-concern: the form's rules and abuse controls, where
a report is placed and whose queue it lands in, and the moderation that accepts it as a
partner-report event (source "public report") or rejects it with a reason.

Clear, Hold, Build (College of Policing, 2023) credits a "partnership portal" with more
intelligence reported once "the community feels the police are more accessible"; issue 13
asks for one that shows nothing it is sent to anyone but the team that works the place.

The form. A category (``CATEGORIES``), where (a street or place in words, or a pin on the map:
``lon``/``lat``), when (a day, or words such as "most Friday evenings"), what happened, and,
only with consent, a name, phone and email. Refused with a message saying what to change: an
empty description; a description over ``DESCRIPTION_MAX`` characters (the page refuses a whole
request over ``BODY_MAX`` bytes before reading it); markup of any kind (``<b>``, ``&lt;``,
``javascript:``: the report is plain text); a pin outside the partnership's loaded areas
("we can only take reports for ..."); a day in the future; contact details without consent.
More than ``concern_limit()`` reports from one address in an hour are refused (``TooMany``);
the address is kept only as a hash in the rate-limit counter, never with the report. A filled
honeypot field (hidden from people, filled by bots) gets the same thank-you and a receipt, and
nothing is stored. The receipt is random (``RECEIPT_ALPHABET``, 60 bits, grouped in fours):
it carries no date, area or count.

Where it is placed. A pin: the loaded LSOA, ward and district it lies in. Words: a loaded ward
or district named by the words (or one of their comma-separated parts: "Castle Street,
Bolsover") places it in that area; a street matching a police.uk location ("On or near Castle
Street") whose points lie in one district places it at the street's most frequent point (the
anonymised point police.uk already publishes); a town named beside the street chooses among
streets of the same name. Anything else is queued unplaced, for a moderator to read.

Whose queue (the owning team). Every police organisation (the force covers every district of
the partnership), and each council organisation whose name begins with the name of the
district holding the place ("Bolsover District Council" for Bolsover). A concern placed in no
district (unplaced) goes to the police organisations alone, who triage reports without a place
as their control room does. With neither, the host organisation's. Decided when the concern
arrives and kept (``concern_owner``).

Moderation. Analysts, problem owners and leads of an owning organisation read the queue;
problem owners and leads accept or reject. Another organisation's concern is "not found", word
for word as one that does not exist. The contact details are personal data: shown only to the
owning organisations' problem owners and leads (``CONTACT_READERS``), each showing audited
(a "read" of the concern, with its purpose). Accepting makes one event (``source`` "public
report", the category's police.uk or partner category, the day or month it happened, the place,
and the words the moderator keeps: the description unless a summary replaces it, so names of
third parties can be left out), placed in the loaded areas, optionally linked to a problem and
to the contact recorded as a person in the role "witness" (``sara.casework.people``). Rejecting
needs a reason. A decided concern is never decided again, and nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from collections import Counter

import numpy as np
import shapely
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.exc import IntegrityError

from sara import geo
from sara.access import audit, sessions
from sara.access.permissions import PermissionDenied
from sara.casework import people as cpeople
from sara.casework import problems as cproblems
from sara.casework.clock import LONDON
from sara.casework.records import RecordError, assign_reference, org_names, temporary_reference
from sara.errors import Conflict, Invalid, NotFound, TooMany
from sara.store.schema import Area, Event, EventArea, Load
from sara.store.schema import access as sa_
from sara.store.schema import concerns as sc
from sara.store.schema import problems as sp

# key -> what the public reads, the hint under it, and the event it becomes (category, ASB category).
CATEGORIES: dict[str, dict] = {
    "asb_personal": {"label": "Anti-social behaviour aimed at you or someone else", "hint": "Threats, harassment or intimidation of a person or a family",
                     "event": "Anti-social behaviour", "asb": "personal"},
    "asb_nuisance": {"label": "Nuisance behaviour", "hint": "Rowdy or drunken groups, noise in the street, nuisance neighbours",
                     "event": "Anti-social behaviour", "asb": "nuisance"},
    "asb_environmental": {"label": "Damage to the local area", "hint": "Fly-tipping, litter, graffiti, abandoned vehicles",
                          "event": "Anti-social behaviour", "asb": "environmental"},
    "vehicles": {"label": "Nuisance or dangerous vehicles", "hint": "Off-road bikes, speeding or racing, cars used to intimidate",
                 "event": "Anti-social behaviour", "asb": "nuisance"},
    "damage": {"label": "Damage to property or vehicles", "hint": "Smashed windows, damaged cars, fires set on purpose",
               "event": "Criminal damage and arson", "asb": None},
    "drugs": {"label": "Drug dealing or drug use", "hint": "Dealing in the street, a house used for drugs, discarded needles", "event": "Drugs", "asb": None},
    "other": {"label": "Something else", "hint": "Anything else that makes you feel unsafe where you live", "event": "Public report", "asb": None},
}  # fmt: skip
STATUSES = ("waiting", "accepted", "rejected")
READERS = ("analyst", "problem_owner", "lead")
MODERATORS = ("problem_owner", "lead")
CONTACT_READERS = ("problem_owner", "lead")
SOURCE = "public report"
PURPOSE = "moderating a public concern"
DESCRIPTION_MAX = 2000
BODY_MAX = 16 * 1024
FIELD_MAX = {"where": 200, "when": 200, "name": 200, "phone": 40, "email": 200, "summary": DESCRIPTION_MAX, "reason": 2000, "note": 2000}
CONCERN_LIMIT = 10
SETTING = "SARA_CONCERN_LIMIT"
WINDOW = dt.timedelta(hours=1)
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U to misread
AREA_KINDS = ("lsoa", "ward", "district")
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|javascript\s*:|\[url", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STREET_PREFIX = "on or near "


def concern_limit() -> int:
    """Reports one address may send in an hour: the setting ``SARA_CONCERN_LIMIT``, else 10."""
    raw = os.environ.get(SETTING)
    if not raw:
        return CONCERN_LIMIT
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise Invalid(f"the setting {SETTING}={raw!r} is not a number of reports", field=SETTING, fix="give a whole number of 1 or more (10 by default)")
    return n


def new_receipt() -> str:
    """A receipt number: 12 random characters of Crockford's base 32, in three groups of four."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


# --------------------------------------------------------------------------- the form's rules
def _text(value: str | None, field: str, what: str) -> str | None:
    """``value`` trimmed (None when empty), refused when it holds markup, control characters or too much."""
    value = (value or "").strip()
    if not value:
        return None
    if CONTROL.search(value):
        raise Invalid(f"{what} holds characters that are not text", field=field, fix="type it again as plain words")
    if MARKUP.search(value):
        raise Invalid(f"{what} looks like markup or a link code (such as <b> or javascript:)", field=field,
                      fix="write it as plain text, without < > or codes: we do not accept markup")  # fmt: skip
    limit = DESCRIPTION_MAX if field == "description" else FIELD_MAX[field]
    if len(value) > limit:
        raise Invalid(f"{what} is {len(value):,} characters long", field=field, fix=f"shorten it to {limit:,} characters or fewer")
    return value


def _when(value: str | None, today: dt.date) -> tuple[dt.date | None, str | None]:
    """A day (YYYY-MM-DD, DD/MM/YYYY or DD/MM/YY, "today", "yesterday") or the words as typed."""
    text = _text(value, "when", "When it happened")
    if text is None:
        return None, None
    low = text.casefold()
    day = None
    if low == "today":
        day = today
    elif low == "yesterday":
        day = today - dt.timedelta(days=1)
    else:
        m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", text)
        try:
            if m:
                y = int(m.group(3))
                day = dt.date(y + 2000 if y < 100 else y, int(m.group(2)), int(m.group(1)))
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = dt.date.fromisoformat(text)
        except ValueError:
            raise Invalid(f"{text} is not a real date", field="when", fix="give the day as, for example, 14/3/2026, or describe when in words") from None
    if day is not None and day > today:
        raise Invalid(f"{day:%d/%m/%Y} is in the future", field="when", fix="give the day it happened, today or before")
    return day, None if day else text


def _contact(name: str | None, phone: str | None, email: str | None, consent: bool) -> dict:
    name = _text(name, "name", "Your name")
    phone = _text(phone, "phone", "Your phone number")
    email = _text(email, "email", "Your email address")
    if phone and not PHONE.fullmatch(phone):
        raise Invalid(f"{phone} is not a phone number", field="phone", fix="give it as digits, such as 01246 123456 or +44 7700 900123")
    if email and not EMAIL.fullmatch(email):
        raise Invalid(f"{email} is not an email address", field="email", fix="give it as name@example.com")
    if (name or phone or email) and not consent:
        raise Invalid("you gave contact details without saying we may contact you", field="consent",
                      fix="tick the box to let the team contact you, or leave your details out")  # fmt: skip
    if consent and not (phone or email):
        raise Invalid("you ticked the box to be contacted but gave no phone number or email", field="phone",
                      fix="give a phone number or an email address, or untick the box")  # fmt: skip
    given = bool(name or phone or email)
    return {"contact_name": name, "contact_phone": phone, "contact_email": email, "contact_consent": given}


def _rate_key(address: str) -> str:
    return "concern:" + hashlib.sha256(f"concern\x1f{address}".encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- where
def _shapes(conn, kinds=AREA_KINDS) -> list[tuple[str, str, str | None, shapely.Geometry]]:
    ar = Area.__table__
    return [
        (k, c, n, shapely.from_wkb(g)) for k, c, n, g in conn.execute(select(ar.c.kind, ar.c.code, ar.c.name, ar.c.geometry).where(ar.c.kind.in_(list(kinds))))
    ]


def _areas_at(conn, lon: float, lat: float, kinds=AREA_KINDS) -> dict[str, tuple[str, str | None]]:
    """kind -> (code, name) of the loaded area of each kind holding the point."""
    out: dict[str, tuple[str, str | None]] = {}
    for kind, code, name, shape in _shapes(conn, kinds):
        if kind not in out and shapely.intersects_xy(shape, lon, lat):
            out[kind] = (code, name)
    return out


def partnership(conn) -> dict:
    """The partnership's areas: the loaded districts (by name), or every loaded area when no district is."""
    ar = Area.__table__
    kinds = set(conn.execute(select(ar.c.kind).distinct()).scalars())
    kind = "district" if "district" in kinds else None
    q = select(ar.c.name, ar.c.code).order_by(ar.c.name)
    names = [n or c for n, c in conn.execute(q.where(ar.c.kind == kind) if kind else q)]
    return {"kind": kind, "names": names}


def _covered_words(names: list[str]) -> str:
    if not names:
        return "no area yet"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _pin(conn, lon, lat) -> dict:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise Invalid("the map pin could not be read", field="where", fix="place the pin again, or describe the place in words") from None
    if not bool(geo.valid_lonlat(np.array([lon]), np.array([lat]))[0]):
        raise Invalid("the map pin is not a place on Earth", field="where", fix="place the pin again, or describe the place in words")
    cover = partnership(conn)
    found = _areas_at(conn, lon, lat, ("lsoa", "ward", "district", "custom"))
    inside = found.get("district") if cover["kind"] == "district" else next(iter(found.values()), None)
    if inside is None:
        raise Invalid("the pin is outside the areas this partnership covers", field="where",
                      fix=f"we can only take reports for {_covered_words(cover['names'])}: move the pin, or report it to the police or council for that place")  # fmt: skip
    return {"placed_by": "pin", "lon": lon, "lat": lat, **_codes(found)}


def _codes(found: dict) -> dict:
    return {f"{k}_code": found[k][0] if k in found else None for k in AREA_KINDS}


def _named_area(conn, text: str) -> tuple[str, str, str | None] | None:
    ar = Area.__table__
    rows = conn.execute(select(ar.c.kind, ar.c.code, ar.c.name).where(func.lower(ar.c.name) == text.casefold(), ar.c.kind.in_(["ward", "district"]))).all()
    return tuple(sorted(rows, key=lambda r: r[0] != "ward")[0]) if rows else None


def _district_of(conn, kind: str, code: str) -> str | None:
    if kind == "district":
        return code
    ar = Area.__table__
    g = conn.execute(select(ar.c.geometry).where(ar.c.kind == kind, ar.c.code == code)).scalar()
    p = shapely.point_on_surface(shapely.from_wkb(g))
    return _areas_at(conn, p.x, p.y, ("district",)).get("district", (None,))[0]


def _street(conn, street: str, town: tuple | None) -> dict | None:
    """The placement of a street named as police.uk names it, or None (not found, or in several districts)."""
    e = Event.__table__
    rows = conn.execute(select(e.c.lon, e.c.lat).where(func.lower(e.c.location) == STREET_PREFIX + street.casefold(), e.c.lon.is_not(None)).limit(5000)).all()
    if not rows:
        return None
    points = Counter((round(lon, 6), round(lat, 6)) for lon, lat in rows)
    districts = _shapes(conn, ("district",))
    by_district: dict[str | None, Counter] = {}
    for (lon, lat), n in points.items():
        d = next((c for _, c, _, s in districts if shapely.intersects_xy(s, lon, lat)), None)
        by_district.setdefault(d, Counter())[(lon, lat)] += n
    if town is not None:
        wanted = _district_of(conn, town[0], town[1])
        by_district = {d: c for d, c in by_district.items() if d == wanted}
    if len(by_district) != 1:
        return None
    (lon, lat), _ = next(iter(by_district.values())).most_common(1)[0]
    return {"placed_by": "street", "lon": lon, "lat": lat, **_codes(_areas_at(conn, lon, lat))}


def place(conn, where: str | None, lon=None, lat=None) -> dict:
    """Where a report lies: by its pin, else by its words (module docstring), else unplaced."""
    none = {"placed_by": None, "lon": None, "lat": None, "lsoa_code": None, "ward_code": None, "district_code": None}
    if lon not in (None, "") or lat not in (None, ""):
        return _pin(conn, lon, lat)
    if not where:
        return none
    parts = [p.strip() for p in where.split(",") if p.strip()]
    named = [a for a in (_named_area(conn, p) for p in parts) if a]
    street = next((p for p in parts if not _named_area(conn, p)), None)
    if street:
        found = _street(conn, re.sub(r"^on or near\s+", "", street, flags=re.IGNORECASE), named[0] if named else None)
        if found:
            return found
    if named:
        kind, code, _ = named[0]
        out = none | {"placed_by": "area", f"{kind}_code": code}
        out["district_code"] = _district_of(conn, kind, code)
        return out
    return none


def owners(conn, district_code: str | None) -> list[int]:
    """The organisations whose queue a concern placed in ``district_code`` lands in (module docstring)."""
    o, ar = sa_.Organisation.__table__, Area.__table__
    orgs = conn.execute(select(o.c.id, o.c.name, o.c.type, o.c.is_host)).all()
    out = [r.id for r in orgs if r.type == "police"]
    if district_code:
        name = conn.execute(select(ar.c.name).where(ar.c.kind == "district", ar.c.code == district_code)).scalar()
        if name:
            out += [r.id for r in orgs if r.type == "council" and r.name.casefold().startswith(name.casefold())]
    if not out:
        out = [r.id for r in orgs if r.is_host]
    return sorted(set(out))


# --------------------------------------------------------------------------- the public form
def submit(engine: Engine, *, category: str, where: str | None, when: str | None, description: str | None, lon=None, lat=None, name: str | None = None,
           phone: str | None = None, email: str | None = None, consent: bool = False, honeypot: str | None = None, address: str = "",
           limit: int | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Take a report from the public form: ``{"receipt", "queued"}``. Counted against the
    address's hourly limit first (``TooMany`` over it), then a filled ``honeypot`` is thanked
    and dropped, then every rule of the form (module docstring) is checked before anything is stored."""
    now = now or audit.utcnow()
    if not sessions.hit(engine, _rate_key(address), limit=limit or concern_limit(), window=WINDOW, now=now):
        raise TooMany("too many reports have been sent from this address in the last hour: wait an hour and try again, or call 101 (999 in an emergency)")
    if (honeypot or "").strip():
        return {"receipt": new_receipt(), "queued": False}
    if category not in CATEGORIES:
        raise Invalid("choose what your report is about", field="category", fix="choose the closest of the options; 'Something else' if none fits")
    text = _text(description, "description", "What happened")
    if not text:
        raise Invalid("say what happened", field="description", fix="describe what you saw or heard, in a few sentences")
    where_text = _text(where, "where", "Where it happened")
    if not where_text and lon in (None, "") and lat in (None, ""):
        raise Invalid("say where it happened", field="where", fix="give a street and town, such as Castle Street, Bolsover, or a place such as a park")
    day, when_text = _when(when, now.replace(tzinfo=dt.UTC).astimezone(LONDON).date())
    contact = _contact(name, phone, email, consent)
    t, ow = sc.Concern.__table__, sc.ConcernOwner.__table__
    with engine.connect() as conn:
        placed = place(conn, where_text, lon, lat)
        orgs = owners(conn, placed["district_code"])
    for _ in range(5):
        receipt = new_receipt()
        try:
            with engine.begin() as conn:
                cid = conn.execute(t.insert().values(reference=temporary_reference(), receipt=receipt, received_at=now, category=category, where_text=where_text,
                                                     occurred_on=day, when_text=when_text, description=text, status="waiting", **placed, **contact)
                                   .returning(t.c.id)).scalar_one()  # fmt: skip
                ref = assign_reference(conn, t, cid, "CON", now.year)
                conn.execute(ow.insert(), [{"concern_id": cid, "organisation_id": o} for o in orgs])
                audit.record(conn, [audit.Entry("create", None, "concern", ref, owner_org_id=orgs[0] if orgs else None, purpose="public report",
                                                detail={"category": category, "placed_by": placed["placed_by"], "owners": orgs}, actor_username="public")])  # fmt: skip
        except IntegrityError:  # the same receipt drawn twice (one in 2**60): draw again
            continue
        return {"receipt": receipt, "queued": True}
    raise Conflict("a receipt number could not be made: send the report again")


# --------------------------------------------------------------------------- moderation
def may_use(actor) -> bool:
    """Whether ``actor`` may read a moderation queue at all (analysts, problem owners, leads)."""
    return bool(actor) and getattr(actor, "active", True) and actor.role in READERS


def check_read(actor) -> None:
    if not may_use(actor):
        raise PermissionDenied("not allowed: public concerns are read by the analysts, problem owners and leads of the team that owns the place")


def _a(role: str) -> str:
    words = role.replace("_", " ")
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def _check_moderate(actor) -> None:
    check_read(actor)
    if actor.role not in MODERATORS:
        raise PermissionDenied(f"not allowed: {_a(actor.role)} may read public concerns but only problem owners and leads accept or reject them")


def _missing(ref: str) -> NotFound:
    return NotFound(f"no concern {ref!r} in your queue: check the reference (CON-YYYY-NNNN) or the receipt number against the list of concerns")


def _row(conn, actor, ref: str) -> dict:
    """The concern ``ref`` (its reference or its receipt) if it is in the actor's organisation's queue; NotFound alike otherwise."""
    t, ow = sc.Concern.__table__, sc.ConcernOwner.__table__
    ref = (ref or "").strip().upper()
    row = conn.execute(select(t).where(or_(t.c.reference == ref, t.c.receipt == ref))).mappings().first()
    if row is None or conn.execute(select(ow.c.concern_id).where(ow.c.concern_id == row["id"], ow.c.organisation_id == actor.organisation_id)).first() is None:
        raise _missing(ref)
    return dict(row)


def _names(conn) -> dict[str, dict]:
    ar, u = Area.__table__, sa_.User.__table__
    areas = {(k, c): n or c for k, c, n in conn.execute(select(ar.c.kind, ar.c.code, ar.c.name).where(ar.c.kind.in_(list(AREA_KINDS))))}
    return {"areas": areas, "users": dict(conn.execute(select(u.c.id, u.c.username)).all()), "orgs": org_names(conn)}


def _summary(c: dict, names: dict, owners_of: dict[int, list[int]], problems: dict[int, str]) -> dict:
    areas = names["areas"]
    cat = CATEGORIES.get(c["category"], {"label": c["category"]})
    return {
        "id": c["reference"], "receipt": c["receipt"], "received_at": c["received_at"].isoformat(timespec="minutes"), "status": c["status"],
        "category": c["category"], "category_label": cat["label"], "where": c["where_text"], "placed_by": c["placed_by"],
        "lon": c["lon"], "lat": c["lat"], "lsoa": c["lsoa_code"], "ward": c["ward_code"], "district": c["district_code"],
        "ward_name": areas.get(("ward", c["ward_code"])), "district_name": areas.get(("district", c["district_code"])),
        "occurred_on": c["occurred_on"].isoformat() if c["occurred_on"] else None, "when": c["when_text"], "description": c["description"],
        "contact_given": bool(c["contact_consent"]), "owners": [names["orgs"][o] for o in owners_of.get(c["id"], [])],
        "decided_at": c["decided_at"].isoformat(timespec="minutes") if c["decided_at"] else None, "decided_by": names["users"].get(c["decided_by"]),
        "decided_by_organisation": names["orgs"].get(c["decided_org"]), "reason": c["reason"], "summary": c["summary"], "event_id": c["event_id"],
        "problem": problems.get(c["problem_id"]),
    }  # fmt: skip


def _owners_of(conn, ids: list[int]) -> dict[int, list[int]]:
    ow = sc.ConcernOwner.__table__
    out: dict[int, list[int]] = {}
    for cid, oid in conn.execute(select(ow.c.concern_id, ow.c.organisation_id).where(ow.c.concern_id.in_(ids)).order_by(ow.c.organisation_id)) if ids else ():
        out.setdefault(cid, []).append(oid)
    return out


def _problem_refs(conn) -> dict[int, str]:
    p = sp.Problem.__table__
    return dict(conn.execute(select(p.c.id, p.c.reference)).all())


def list_concerns(engine: Engine, actor, *, status: str | None = "waiting", problem: str | None = None) -> list[dict]:
    """The concerns in the actor's organisation's queue (``status`` one of ``STATUSES``, or None
    for all; ``problem``: those linked to it, all accepted), oldest waiting first, else newest
    first; no contact details."""
    check_read(actor)
    if status is not None and status not in STATUSES:
        raise Invalid(f"unknown status {status!r}", field="status", fix=f"choose one of {', '.join(STATUSES)}, or all")
    t, ow = sc.Concern.__table__, sc.ConcernOwner.__table__
    with engine.connect() as conn:
        q = select(t).join(ow, ow.c.concern_id == t.c.id).where(ow.c.organisation_id == actor.organisation_id)
        if status and not problem:
            q = q.where(t.c.status == status)
        if problem:
            q = q.where(t.c.problem_id == cproblems._problem_row(conn, problem.strip())["id"])
        rows = [dict(r) for r in conn.execute(q.order_by(t.c.received_at.desc() if status != "waiting" else t.c.received_at, t.c.id)).mappings()]
        names, owners_of, problems = _names(conn), _owners_of(conn, [r["id"] for r in rows]), _problem_refs(conn)
    return [_summary(r, names, owners_of, problems) for r in rows]


def waiting_count(engine: Engine, actor) -> int:
    """How many concerns wait in the actor's organisation's queue (0 for a reader who may not see it)."""
    if not may_use(actor):
        return 0
    t, ow = sc.Concern.__table__, sc.ConcernOwner.__table__
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(t).join(ow, ow.c.concern_id == t.c.id)
                            .where(ow.c.organisation_id == actor.organisation_id, t.c.status == "waiting")).scalar_one()  # fmt: skip


def show(engine: Engine, actor, ref: str, *, purpose: str = PURPOSE) -> dict:
    """One concern of the actor's queue, with the contact details when the actor's role may see
    them (``CONTACT_READERS``): that showing is audited with ``purpose``."""
    check_read(actor)
    with engine.connect() as conn:
        c = _row(conn, actor, ref)
        out = _summary(c, _names(conn), _owners_of(conn, [c["id"]]), _problem_refs(conn))
        out["witness"] = conn.execute(select(cpeople.sp.Person.reference).where(cpeople.sp.Person.id == c["person_id"])).scalar() if c["person_id"] else None
    out["categories"] = {k: v["label"] for k, v in CATEGORIES.items()}
    out["may"] = {"decide": actor.role in MODERATORS and c["status"] == "waiting", "see_contact": actor.role in CONTACT_READERS}
    if not c["contact_consent"]:
        out["contact"] = None
    elif actor.role in CONTACT_READERS:
        if not (purpose or "").strip():
            raise PermissionDenied("a purpose is required to read a reporter's contact details")
        out["contact"] = {"name": c["contact_name"], "phone": c["contact_phone"], "email": c["contact_email"], "consent": True}
        audit.append(engine, audit.Entry("read", actor, "concern", c["reference"], owner_org_id=actor.organisation_id, purpose=purpose.strip(),
                                         detail={"fields": ["contact"]}))  # fmt: skip
    else:
        out["contact"] = {"withheld": True}
    return out


def _decidable(conn, actor, ref: str) -> dict:
    _check_moderate(actor)
    c = _row(conn, actor, ref)
    if c["status"] != "waiting":
        who = conn.execute(select(sa_.User.username).where(sa_.User.id == c["decided_by"])).scalar()
        raise Conflict(f"{c['reference']} was already {c['status']} by {who} on {c['decided_at']:%d %B %Y}: a decided concern is not decided again")
    return c


def _decide(conn, c: dict, actor, now: dt.datetime, **values) -> None:
    """Mark the concern decided, if it is still waiting (the first write of the transaction, so
    two moderators deciding at once cannot both succeed)."""
    t = sc.Concern.__table__
    done = conn.execute(
        t.update().where(t.c.id == c["id"], t.c.status == "waiting").values(decided_at=now, decided_by=actor.id, decided_org=actor.organisation_id, **values)
    )
    if done.rowcount != 1:
        raise Conflict(f"{c['reference']} was decided by someone else meanwhile: reload it to see what was decided")


def reject(engine: Engine, actor, ref: str, reason: str, *, now: dt.datetime | None = None) -> dict:
    """Reject a waiting concern with the reason (kept, with who and when: nothing is deleted)."""
    now = now or audit.utcnow()
    reason = _text(reason, "reason", "The reason")
    with engine.connect() as conn:
        c = _decidable(conn, actor, ref)
    if not reason:
        raise Invalid(
            "a rejection needs a reason",
            field="reason",
            fix="say why, such as 'a duplicate of CON-2026-0012' or 'outside what the partnership deals with: passed to the council'",
        )
    with engine.begin() as conn:
        _decide(conn, c, actor, now, status="rejected", reason=reason)
        audit.record(
            conn, [audit.Entry("change", actor, "concern", c["reference"], owner_org_id=actor.organisation_id, purpose=PURPOSE, detail={"rejected": reason})]
        )
    return show(engine, actor, c["reference"])


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def _event(conn, c: dict, category: str, summary: str, now: dt.datetime) -> int:
    """The partner-report event of an accepted concern, placed in the loaded areas."""
    from sara.intake.load import source_id

    sid = source_id(conn, SOURCE, "public", geo.BNG)
    digest = hashlib.sha256(f"{SOURCE}\x1f{c['reference']}".encode()).digest()
    load_id = conn.execute(Load.__table__.insert().values(source_id=sid, kind="public_report", path="/report-a-concern", name=c["reference"],
                                                          sha256=digest.hex(), loaded_at=now, rows_read=1, inserted=1, updated=0, unchanged=0, quarantined=0)
                           .returning(Load.__table__.c.id)).scalar_one()  # fmt: skip
    day = c["occurred_on"]
    x = y = None
    if c["lon"] is not None:
        xs, ys = geo.transform(np.array([c["lon"]]), np.array([c["lat"]]), geo.WGS84, geo.BNG)
        x, y = float(xs[0]), float(ys[0])
    cat = CATEGORIES[category]
    e = Event.__table__
    eid = conn.execute(e.insert().values(
        source_id=sid, key_hi=int.from_bytes(digest[:8], "big", signed=True), key_lo=int.from_bytes(digest[8:16], "big", signed=True), source_ref=c["reference"],
        month=(day or c["received_at"].date()).replace(day=1), occurred_from=_utc(day) if day else None, occurred_to=_utc(day + dt.timedelta(days=1)) if day else None,
        category=cat["event"], asb_category=cat["asb"], lon=c["lon"], lat=c["lat"], x=x, y=y, location=c["where_text"] or ("a pin on the map" if c["lon"] is not None else None),
        lsoa_code=c["lsoa_code"], context=summary, reported_by=SOURCE, load_id=load_id, assigned=True).returning(e.c.id)).scalar_one()  # fmt: skip
    ar = Area.__table__
    if c["lon"] is not None:
        kinds = [k for k in conn.execute(select(ar.c.kind).distinct()).scalars()]
        codes = [(k, code) for k, (code, _) in _areas_at(conn, c["lon"], c["lat"], kinds).items()]
        method = "point"
    else:
        codes = [(k, c[f"{k}_code"]) for k in AREA_KINDS if c[f"{k}_code"]]
        method = "area"
    for kind, code in codes:
        aid = conn.execute(select(ar.c.id).where(ar.c.kind == kind, ar.c.code == code)).scalar()
        if aid is not None:
            conn.execute(EventArea.__table__.insert().values(event_id=eid, area_id=aid, method=method))
    return eid


def accept(engine: Engine, actor, ref: str, *, category: str | None = None, summary: str | None = None, problem: str | None = None, note: str | None = None,
           witness: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Accept a waiting concern: it becomes a partner-report event (source "public report") in
    ``category`` (default the reporter's) carrying ``summary`` (default the description), linked
    to ``problem`` (a reference the actor may read) and to a witness: "new" records the contact
    as a person of the actor's organisation, a PER reference links one already recorded."""
    now = now or audit.utcnow()
    category = category or None
    if category is not None and category not in CATEGORIES:
        raise Invalid(f"unknown category {category!r}", field="category", fix=f"choose one of {', '.join(CATEGORIES)}")
    summary, note = _text(summary, "summary", "The summary"), _text(note, "note", "The note")
    with engine.connect() as conn:
        c = _decidable(conn, actor, ref)
    problem_id = None
    if problem and problem.strip():
        try:
            problem_id = cproblems._read(engine, actor, problem.strip())["id"]
        except NotFound:
            raise RecordError(
                f"no problem {problem.strip()!r} you may read", field="problem", fix="give the reference of a problem, such as PRB-2025-0001"
            ) from None
    person = _witness(engine, actor, c, witness, now)
    t = sc.Concern.__table__
    chosen = category or c["category"]
    with engine.begin() as conn:
        _decide(
            conn,
            c,
            actor,
            now,
            status="accepted",
            category=chosen,
            summary=summary,
            reason=note,
            problem_id=problem_id,
            person_id=person["id"] if person else None,
        )
        eid = _event(conn, c, chosen, summary or c["description"], now)
        conn.execute(t.update().where(t.c.id == c["id"]).values(event_id=eid))
        audit.record(conn, [audit.Entry("change", actor, "concern", c["reference"], owner_org_id=actor.organisation_id, purpose=PURPOSE,
                                        detail={"accepted": eid, "problem": problem.strip() if problem_id else None, "witness": person["reference"] if person else None})])  # fmt: skip
    if person:
        cpeople.link_events(engine, actor, person["reference"], "witness", event_ids=[eid], now=now)
    return show(engine, actor, c["reference"])


def _witness(engine: Engine, actor, c: dict, witness: str | None, now: dt.datetime) -> dict | None:
    witness = (witness or "").strip()
    if not witness:
        return None
    p = cpeople.sp.Person.__table__
    if witness.lower() == "new":
        if not c["contact_name"]:
            raise RecordError("the reporter gave no name to record them by", field="witness", fix="accept without recording a witness")
        made = cpeople.add_person(engine, actor, c["contact_name"], "witness", now=now)
        ref = made["id"]
    else:
        ref = witness.upper()
        cpeople.show_person(engine, actor, ref, purpose=PURPOSE)
    with engine.connect() as conn:
        row = conn.execute(select(p.c.id, p.c.reference, p.c.organisation_id).where(p.c.reference == ref)).first()
    if row is None or row.organisation_id != actor.organisation_id:
        raise RecordError(f"{ref} is not a person your organisation records", field="witness", fix="give a PER reference of your own organisation, or new")
    return {"id": row.id, "reference": row.reference}


def accepted_count(conn, kind: str, code: str, since: dt.datetime, until: dt.datetime) -> int:
    """Accepted concerns placed in the ward or district ``code`` received from ``since`` to ``until`` (the public pages' count)."""
    t = sc.Concern.__table__
    column = t.c.ward_code if kind == "ward" else t.c.district_code
    return conn.execute(
        select(func.count()).select_from(t).where(column == code, t.c.status == "accepted", t.c.received_at >= since, t.c.received_at <= until)
    ).scalar_one()
