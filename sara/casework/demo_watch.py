"""Synthetic Neighbourhood Watch schemes for the demo (``load``), laid on the real Bolsover
wards the demo loads (``sara.casework.demo``): street watches, an "Allotment Watch" (the kind
Derbyshire's scrutiny report, 9.5, tells of), a farm watch and a business watch, across three
Safer Neighbourhood Teams; their coordinators (one coordinating two schemes), member counts
that grew over six months, and monthly contacts by PC Dexter and the council's ASB officer.
Every scheme, team and coordinator is marked "(synthetic)"; phone numbers are Ofcom's drama
numbers and emails are at example.org.

One coordinator (of the farm watch) was last contacted 45 days ago, so is overdue under the
month's standard and Today shows it to the police; one was added three days ago and is not
due yet. Everything is written through ``sara.casework.watch`` (as the users named), so it
obeys the same rules and leaves the same audit trail as real work. Loading it twice does
nothing the second time; without the demo's users or Bolsover's wards it does nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import watch
from sara.store.schema import Area
from sara.store.schema import watch as sw

BOLSOVER, SHIREBROOK, CLOWNE = "Bolsover SNT (synthetic)", "Shirebrook SNT (synthetic)", "Clowne SNT (synthetic)"
# name, kind, ward, team, recorded by, members six months ago / three months ago / now
SCHEMES = (
    ("Castle Street Watch (synthetic)", "street", "E05003307", BOLSOVER, "pc.dexter", (18, 21, 24)),  # Bolsover West
    ("Hilltop Allotment Watch (synthetic)", "allotment", "E05003305", BOLSOVER, "pc.dexter", (22, 31, 37)),  # Bolsover North West
    ("Scarcliffe Farm Watch (synthetic)", "rural", "E05003313", BOLSOVER, "pc.dexter", (11, 14, 15)),  # Scarcliffe
    ("Shirebrook Market Business Watch (synthetic)", "business", "E05003316", SHIREBROOK, "asb.officer", (9, 12, 12)),  # Shirebrook North West
    ("Langwith Road Watch (synthetic)", "street", "E05003315", SHIREBROOK, "pc.dexter", (35, 38, 41)),  # Shirebrook Langwith
    ("Clowne Village Watch (synthetic)", "street", "E05003308", CLOWNE, "pc.dexter", (44, 52, 58)),  # Clowne North
)
# name, phone, email, scheme index, days a coordinator, the last contact (days ago, how) and who made the contacts
COORDINATORS = (
    ("Margaret Hill (synthetic)", "01632 960001", None, 0, 180, (12, "visit"), "pc.dexter"),
    ("Derek Shaw (synthetic)", None, "derek.shaw@example.org", 0, 150, (20, "email"), "pc.dexter"),
    ("Anita Patel (synthetic)", "07700 900101", "anita.patel@example.org", 1, 170, (8, "meeting"), "pc.dexter"),
    ("Tom Bradley (synthetic)", "01632 960044", None, 2, 160, (45, "phone"), "pc.dexter"),  # overdue
    ("Lisa Grant (synthetic)", "01632 960077", "lisa.grant@example.org", 3, 120, (6, "visit"), "asb.officer"),
    ("Peter Nowak (synthetic)", "07700 900222", None, 4, 140, (10, "phone"), "pc.dexter"),
    ("Janet Moore (synthetic)", "01632 960123", None, 5, 175, (5, "visit"), "pc.dexter"),
    ("Ravi Singh (synthetic)", None, "ravi.singh@example.org", 5, 3, None, "pc.dexter"),  # new: not due yet
)
EARLIER = ("visit", "phone", "visit", "meeting")  # the monthly contacts before the last, oldest first


def load(engine: Engine, *, today: dt.date | None = None) -> dict:
    """Lay the schemes on the demo database; ``{}`` if they are there already, or the demo's
    users or Bolsover's wards are not loaded."""
    today = today or dt.date.today()
    at = lambda days: dt.datetime.combine(today - dt.timedelta(days=days), dt.time(10))  # noqa: E731
    wards = {s[2] for s in SCHEMES}
    with engine.connect() as conn:
        if conn.execute(select(sw.WatchScheme.id).where(sw.WatchScheme.name == SCHEMES[0][0])).first() is not None:
            return {}
        found = set(conn.execute(select(Area.code).where(Area.kind == "ward", Area.code.in_(wards))).scalars())
        districts = conn.execute(select(Area.code).where(Area.kind == "district")).first()
    users = {n: get_actor(engine, n) for n in ("pc.dexter", "asb.officer")}
    if found != wards or districts is None or None in users.values():
        return {}
    refs = []
    for name, kind, ward, team, who, (m6, m3, m0) in SCHEMES:
        ref = watch.add_scheme(engine, users[who], name, kind=kind, area=ward, team=team, members=m6, now=at(190))
        watch.set_members(engine, users[who], ref, m3, now=at(92))
        watch.set_members(engine, users[who], ref, m0, now=at(2))
        refs.append(ref)
    coordinators, contacts = [], 0
    for name, phone, email, i, days, last, who in COORDINATORS:
        recorder = users[SCHEMES[i][4]]
        made = watch.add_coordinator(engine, recorder, refs[i], name=name, phone=phone, email=email, from_date=(today - dt.timedelta(days=days)), now=at(days))
        coordinators.append(made["coordinator"])
        if last is None:
            continue
        ago, how = last
        earlier = [(ago + 30 * (k + 1), EARLIER[k]) for k in range(len(EARLIER)) if ago + 30 * (k + 1) < days][::-1]
        for d, h in [*earlier, (ago, how)]:
            watch.log_contact(engine, users[who], made["coordinator"], h, note="Synthetic: monthly contact" if d != ago else "Synthetic: latest contact", now=at(d))
            contacts += 1
    margaret = coordinators[0]
    watch.add_coordinator(engine, users["pc.dexter"], refs[1], coordinator=margaret, from_date=today - dt.timedelta(days=100), now=at(100))
    return {"schemes": refs, "coordinators": len(coordinators), "contacts": contacts, "overdue": [coordinators[3]]}
