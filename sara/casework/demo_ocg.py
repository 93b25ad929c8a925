"""Synthetic organised crime groups for the demo (``load``), laid on the real Derbyshire 2025
police.uk data and the demo's people (``sara.casework.demo``): a county line operating in
Bolsover's wards, and a street gang sharing one member with it, so the demo has a priority
individual ("enabler") serving two groups. Every name is marked "(synthetic)".

The line is scored with the example MoRiLE-shaped instrument, its review is due in under two
weeks; the gang's review is overdue (so Today shows it); an arrest of the line's holder is
recorded against a real drugs crime in Bolsover town centre and the criminal behaviour order
the demo made against him. Everything is written through ``sara.casework.ocg`` as PC Dexter,
so it obeys the same rules and leaves the same audit trail as real work. Loading it twice
does nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, select

from sara.access.users import get_actor
from sara.casework import ocg
from sara.store.schema import Area, Event, EventArea
from sara.store.schema import ocg as so
from sara.store.schema import people as sp
from sara.store.schema import powers as spw

LINE = "Bolsover 'Castle' line (synthetic)"
GANG = "Market Place crew (synthetic)"
WARDS = ("E05003307", "E05003305", "E05003306")  # Bolsover West, Bolsover North West, Bolsover South
TOWN_CENTRE = "E01019483"
ANSWERS = {"intent": 3, "capability": 2, "physical_harm": 2, "psychological_harm": 4, "financial_harm": 1, "community_harm": 3, "likelihood": 3,
           "trajectory": 1, "intelligence": 3, "currency": 3}  # fmt: skip


def _person(conn, name: str) -> str | None:
    return conn.execute(select(sp.Person.reference).where(sp.Person.name == name)).scalar()


def load(engine: Engine, *, user: str = "pc.dexter", now: dt.datetime | None = None) -> dict | None:
    """Lay the groups on the demo database; None if they are there already, or the demo's
    people or Bolsover's wards are not loaded."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    e, ea, ar = Event.__table__, EventArea.__table__, Area.__table__
    with engine.connect() as conn:
        if conn.execute(select(so.OcgGroup.id).where(so.OcgGroup.name == LINE)).first() is not None:
            return None
        people = {k: _person(conn, f"{k} (synthetic)") for k in ("Adult D", "Youth A", "Youth B", "Youth C")}
        wards = [c for (c,) in conn.execute(select(ar.c.code).where(ar.c.kind == "ward", ar.c.code.in_(WARDS)))]
        drug = conn.execute(select(e.c.id).join(ea, ea.c.event_id == e.c.id).join(ar, and_(ar.c.id == ea.c.area_id, ar.c.code == TOWN_CENTRE))
                            .where(e.c.category == "Drugs").order_by(e.c.month.desc(), e.c.id)).scalar()  # fmt: skip
        cbo = conn.execute(select(spw.Intervention.reference).where(spw.Intervention.power == "cbo", spw.Intervention.subject_ref == people["Adult D"])).scalar()
    actor = get_actor(engine, user)
    if actor is None or None in people.values() or not wards:
        return None
    line = ocg.add_group(engine, actor, LINE, "county_line", lead="pc.dexter", areas=wards, now=now - dt.timedelta(days=30),
                         description="Synthetic: a line run into Bolsover town centre from outside the county; young people used as runners; a cuckooed flat.")  # fmt: skip
    for key, role, days in (("Adult D", "line holder", 300), ("Youth A", "runner (exploited)", 200), ("Youth B", "runner (exploited)", 120)):
        ocg.add_member(engine, actor, line, people[key], role, from_date=(now - dt.timedelta(days=days)).date(), now=now - dt.timedelta(days=29))
    ocg.score(engine, actor, line, ANSWERS, on=(now - dt.timedelta(days=28)).date(), now=now - dt.timedelta(days=28))
    made = {"line": line}
    if drug is not None:
        made["disruption"] = ocg.disrupt(engine, actor, line, "arrest", on=(now - dt.timedelta(days=20)).date(), person_ref=people["Adult D"], event_ids=[drug],
                                         intervention_refs=[cbo] if cbo else [], note="Synthetic: line holder arrested for possession with intent to supply",
                                         now=now - dt.timedelta(days=20))["id"]  # fmt: skip
    gang = ocg.add_group(engine, actor, GANG, "usg", lead="pc.dexter", areas=[c for c in wards if c == WARDS[1]] or wards[:1], now=now - dt.timedelta(days=60),
                         description="Synthetic: a street gang in the Market Place whose supplier is the line's holder.")  # fmt: skip
    for key, role, days in (("Adult D", "supplier (enabler)", 250), ("Youth C", "associate", 90)):
        ocg.add_member(engine, actor, gang, people[key], role, from_date=(now - dt.timedelta(days=days)).date(), now=now - dt.timedelta(days=59))
    made["gang"] = gang
    return made
