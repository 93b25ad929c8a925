"""The demo's early-help search: labelled synthetic young people linked as suspects to real
2025 police.uk crimes of Bolsover town centre (LSOA E01019483, "Bolsover 004A") yesterday,
so the daily search (``sara.casework.early_help``) has something to find today.

- Youth F (synthetic), 14: one crime, first time;
- Youth G (synthetic), 16: a crime linked in the autumn and two more yesterday, repeat;
- Youth H (synthetic): no date of birth recorded, listed with age unknown;
- Youth K (synthetic): 18 on the first day of the crime's month (police.uk gives only the
  month), so not a young person at the event and never listed;
- Youth J (synthetic): no police record at all, referred by the council through Children's
  Social Care's front door (the second pathway of Calderdale's Early Help Hub).

Then the day's search runs as the police analyst would from cron, one crime is reviewed,
and the front-door referral is discussed at the partners' meeting. ``load(engine)`` after
``sara.casework.demo.load``; loading it twice does nothing the second time. Everything goes
through the same functions as real work, so it obeys the same rules and leaves the same audit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, select

from sara.access import audit
from sara.access.users import get_actor
from sara.casework import early_help, people
from sara.casework.clock import LONDON
from sara.store.schema import Area, Event, EventArea
from sara.store.schema import people as sp

TOWN_CENTRE = "E01019483"
CRIMES = ("Shoplifting", "Criminal damage and arson", "Theft from the person", "Other theft", "Public order")
NAMES = {"f": "Youth F (synthetic)", "g": "Youth G (synthetic)", "h": "Youth H (synthetic)", "k": "Youth K (synthetic)", "j": "Youth J (synthetic)"}


def _utc(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def crimes(engine: Engine) -> list[tuple[int, dt.date, str]]:
    """(id, month, category) of the town centre's 2025 crimes the demo links, oldest first."""
    e, ea, ar = Event.__table__, EventArea.__table__, Area.__table__
    q = (select(e.c.id, e.c.month, e.c.category).join(ea, ea.c.event_id == e.c.id).join(ar, and_(ar.c.id == ea.c.area_id, ar.c.code == TOWN_CENTRE))
         .where(e.c.category.in_(CRIMES), e.c.month >= dt.date(2025, 7, 1), e.c.month <= dt.date(2025, 12, 1)).order_by(e.c.month, e.c.id))  # fmt: skip
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(q)]


def load(engine: Engine, *, today: dt.date | None = None) -> dict:
    """Lay the young people, their links, this morning's search, a review and a front-door
    referral; what was made (``{"loaded": False}`` when done before or the demo is absent)."""
    today = today or dt.date.today()
    with engine.connect() as conn:
        if conn.execute(select(sp.Person.id).where(sp.Person.name == NAMES["f"])).first():
            return {"loaded": False, "reason": "the early-help demo is already loaded"}
    pc, analyst, council = get_actor(engine, "pc.dexter"), get_actor(engine, "analyst"), get_actor(engine, "asb.officer")
    found = crimes(engine)
    if pc is None or council is None or len(found) < 5:
        return {"loaded": False, "reason": "the early-help demo needs the casework demo and Bolsover's 2025 police.uk data"}
    yesterday = _utc(today - dt.timedelta(days=1), 10)
    now = audit.utcnow() if today == dt.date.today() else _utc(today, 12)  # this morning's work, done before now
    autumn = _utc(dt.date(2025, 10, 20), 10)
    _, month_k, _ = found[3]
    born = {"f": dt.date(2011, 2, 14), "g": dt.date(2009, 5, 3), "h": None, "k": month_k.replace(year=month_k.year - 18, day=1)}
    ward = {"f": "Bolsover West", "g": "Bolsover South", "h": "Bolsover North West", "k": "Bolsover West"}
    refs = {key: people.add_person(engine, pc, NAMES[key], "suspect", dob=born[key], ward=ward[key], now=autumn)["id"] for key in born}
    people.link_events(engine, pc, refs["g"], "suspect", event_ids=[found[0][0]], now=autumn)
    for key, events in (("f", [found[1][0]]), ("g", [found[2][0], found[4][0]]), ("h", [found[4][0]]), ("k", [found[3][0]])):
        people.link_events(engine, pc, refs[key], "suspect", event_ids=events, now=yesterday)
    run = early_help.search(engine, analyst, today - dt.timedelta(days=1), now=now - dt.timedelta(minutes=30))
    g = next(yp for yp in run["young_people"] if yp["person"].get("id") == refs["g"])
    early_help.review(engine, pc, g["events"][0]["finding"], "Repeat suspect, now three crimes: refer to Early Action; discuss at Thursday's partners meeting",
                      now=now - dt.timedelta(minutes=20))  # fmt: skip
    refs["j"] = people.add_person(engine, council, NAMES["j"], "vulnerability", dob=dt.date(2012, 9, 30), ward="Bolsover West", now=now - dt.timedelta(minutes=15))["id"]
    referral = early_help.refer(engine, council, refs["j"], "early_action", route="front_door", referred_on=today - dt.timedelta(days=2),
                                meeting="twice-weekly partners meeting (Liaison and Diversion, YJS, Children's Social Care)", meeting_on=today,
                                issues="reported by the school to Children's Social Care's front door: missing school, older associates; never reported to the police",
                                actions="Early Action officer and family support worker to visit; YJS prevention worker to offer sessions", now=now - dt.timedelta(minutes=10))  # fmt: skip
    return {"loaded": True, "people": refs, "search": run["search"], "referral": referral["reference"]}
