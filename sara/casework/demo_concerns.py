"""Synthetic public concerns for the demo (``load``), reported on real Bolsover places (police.uk
street names of the town centre, a pin by the Memorial Gardens, a ward named in words) and
moderated by the demo's teams: some waiting in the queue of Derbyshire Constabulary and Bolsover
District Council (so Today shows "N public concerns waiting"), one unplaced (the police's queue
alone), and one rejected by PC Dexter with its reason. None is accepted: an accepted concern is
an event, and the demo's events are the real police.uk year's alone, so its counts are the
published ones (accepting one is the first thing to try: ``sara concerns accept``). Every description and contact is marked "(synthetic)"; the
phone numbers are Ofcom's drama range. Everything goes through ``sara.casework.concerns`` (the
public form's rules and the moderators' permissions), each report from its own made-up
address so the hourly limit holds. Loading it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import concerns
from sara.store.schema import concerns as sc

MARK = "(synthetic)"
# (days ago, category, where, lon/lat pin, when, description, contact)
REPORTS = (
    (9, "asb_nuisance", "Market Place, Bolsover", None, "Friday evenings", "A group of teenagers shouting and throwing bottles outside the shops after 9pm (synthetic).",
     ("Resident A (synthetic)", "07700 900101", None)),
    (6, "damage", "Town End, Bolsover", None, 7, "Two car wing mirrors snapped off overnight, the third time this month (synthetic).", None),
    (4, "asb_environmental", "", (-1.2912, 53.2291), 5, "Bags of rubbish and an old mattress dumped by the gardens' side gate (synthetic).",
     ("Resident B (synthetic)", None, "resident.b@example.org")),
    (2, "vehicles", "Bolsover North West", None, "most afternoons", "Off-road bikes racing across the playing field and along the footpath (synthetic).", None),
    (1, "drugs", "the alley behind the chip shop", None, None, "People coming and going from a car parked there for a few minutes at a time (synthetic).", None),
    (12, "asb_nuisance", "Castle Street, Bolsover", None, 13, "Youths climbing on the bus shelter roof and kicking the panels (synthetic).",
     ("Resident C (synthetic)", "07700 900102", None)),
    (11, "other", "Hides Green, Bolsover", None, None, "Please can someone fix the street light on the corner? (synthetic)", None),
)  # fmt: skip


def load(engine: Engine, *, today: dt.date | None = None, **_) -> dict:
    """Lay the demo's concerns; {} when they are there already or PC Dexter or the partnership's
    boundaries are missing."""
    today = today or dt.date.today()
    t = sc.Concern.__table__
    with engine.connect() as conn:
        if conn.execute(select(t.c.id).where(t.c.description.like(f"%{MARK}%")).limit(1)).first() is not None:
            return {}
        if not concerns.partnership(conn)["names"]:
            return {}
    pc = get_actor(engine, "pc.dexter")
    if pc is None:
        return {}
    made = []
    for i, (days, category, where, pin, when, text, contact) in enumerate(REPORTS):
        at = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(19, 30))
        name, phone, email = contact or (None, None, None)
        receipt = concerns.submit(engine, category=category, where=where, when=(today - dt.timedelta(days=when)).isoformat() if isinstance(when, int) else when,
                                  description=text, lon=pin[0] if pin else None, lat=pin[1] if pin else None, name=name, phone=phone, email=email,
                                  consent=bool(contact), address=f"demo-{i}", now=at)["receipt"]  # fmt: skip
        with engine.connect() as conn:
            made.append(conn.execute(select(t.c.reference).where(t.c.receipt == receipt)).scalar_one())
    decided_at = dt.datetime.combine(today - dt.timedelta(days=8), dt.time(10))
    rejected = concerns.reject(
        engine, pc, made[6], "A street light fault, not ASB: passed to Derbyshire County Council's highways team (synthetic)", now=decided_at
    )
    return {"concerns": made, "waiting": made[:6], "rejected": rejected["id"]}
