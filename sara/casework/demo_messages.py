"""The synthetic demo of community messaging (issue 13, part 3), laid on the real Bolsover data
by ``sara demo casework``: Derbyshire Constabulary's messaging groups for two Bolsover wards,
the town centre's businesses, an Allotment Watch and a Rural group (Derbyshire's scrutiny
report, 17 May 2022, 9.5: "an Allotment Watch option was put onto the Derbyshire Alert
system"), every name marked "(synthetic)"; and messages drafted through
``sara.casework.messages`` (the same rules and audit trail as real work): one from Op Dexter
in April 2025 and one from its problem's approved public summary, both approved by the
inspector and exported; one approved last week; one from the cuckooed-flat problem waiting
for approval; and one withdrawn. Loading it twice does nothing the second time; nothing is
laid when the demo's users, problems, operation or Bolsover's wards are missing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import messages
from sara.casework.clock import LONDON
from sara.store.schema import Area
from sara.store.schema import messages as sm
from sara.store.schema import patrols as spat
from sara.store.schema import problems as sp

SNT = "Bolsover SNT (synthetic)"
GROUPS = (  # code, name, kind, area, subscribers
    ("DA-BOL-NW", "Bolsover North West residents (synthetic)", "area", "E05003305", 412),
    ("DA-BOL-W", "Bolsover West residents (synthetic)", "area", "E05003307", 388),
    ("DA-BOL-BIZ", "Business Watch, Bolsover town centre (synthetic)", "interest", "E01019483", 46),
    ("DA-BOL-ALLOT", "Allotment Watch, Bolsover (synthetic)", "interest", "E07000033", 73),
    ("DA-BOL-RURAL", "Rural Watch, Bolsover (synthetic)", "interest", None, 129),
)  # fmt: skip
DEXTER = "Youth ASB and criminal damage, Bolsover town centre (synthetic)"
FLAT = "Drug dealing from a cuckooed flat, Castle Street (synthetic)"
OPERATION = "Op Dexter (synthetic replay)"


def _utc(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def load(engine: Engine, *, today: dt.date | None = None, **_) -> dict:
    """Lay the groups and messages; what was laid (empty when there already, or when the demo's prerequisites are missing)."""
    today = today or dt.date.today()
    pc, insp = get_actor(engine, "pc.dexter"), get_actor(engine, "insp.bolsover")
    with engine.connect() as conn:
        if pc is None or insp is None or conn.execute(select(sm.MessageGroup.id).where(sm.MessageGroup.code == GROUPS[0][0])).first() is not None:
            return {}
        refs = dict(conn.execute(select(sp.Problem.title, sp.Problem.reference).where(sp.Problem.title.in_([DEXTER, FLAT]))).all())
        operation = conn.execute(select(spat.Operation.name).where(spat.Operation.name == OPERATION)).scalar()
        loaded = set(conn.execute(select(Area.code).where(Area.code.in_([g[3] for g in GROUPS if g[3]]))).scalars())
    if len(refs) < 2 or operation is None or not {g[3] for g in GROUPS if g[3]} <= loaded:
        return {}
    start = _utc(dt.date(2025, 4, 1))
    for code, name, kind, area, subscribers in GROUPS:
        messages.add_group(engine, pc, code, name, kind, area=area, snt=SNT, subscribers=subscribers, now=start)
    made: dict = {"groups": [g[0] for g in GROUPS], "messages": {}}

    def approved(key: str, written: dt.datetime, exported: bool, **kw) -> None:
        ref = messages.draft(engine, pc, now=written, **kw)
        messages.approve(engine, insp, ref, now=written + dt.timedelta(hours=2))
        if exported:
            messages.export(engine, pc, ref, now=written + dt.timedelta(hours=3))
        made["messages"][key] = ref

    approved("operation", _utc(dt.date(2025, 4, 4)), True, operation=OPERATION, groups=["DA-BOL-NW", "DA-BOL-BIZ"],
             title="Extra patrols in Bolsover town centre over Easter (synthetic)",
             doing="Officers will patrol the town centre every day from 5 to 18 April, between 4pm and 10pm, and then on Mondays, Tuesdays and "
                   "Fridays to the end of the month, where residents and shop staff told us young people gather and damage property.")  # fmt: skip
    approved(
        "summary",
        _utc(today - dt.timedelta(days=45)),
        True,
        problem=refs[DEXTER],
        groups=["DA-BOL-NW", "DA-BOL-W"],
        title="Youth nuisance and damage in the town centre: what we did (synthetic)",
    )  # the rest from its approved public summary
    approved("allotments", _utc(today - dt.timedelta(days=8)), False, problem=refs[DEXTER], groups=["DA-BOL-ALLOT", "DA-BOL-RURAL"],
             title="Sheds and stores at allotments: please check your locks (synthetic)",
             doing="Officers are adding the allotments to their evening patrols after damage to sheds and stores near the town centre, and the fire "
                   "service is giving arson awareness talks.",
             you_can="Lock sheds and stores, keep tools and fuel out of sight, and report anyone acting suspiciously on 101, or 999 if it is happening now.")  # fmt: skip
    made["messages"]["waiting"] = messages.draft(engine, pc, problem=refs[FLAT], groups=["DA-BOL-NW"], now=_utc(today - dt.timedelta(days=2)),
                                                 title="Drug dealing in the town: we are acting (synthetic)",
                                                 doing="Police and the housing provider are working together to stop drug dealing from a flat in the town "
                                                       "and to protect the tenant, who was being exploited.")  # fmt: skip
    withdrawn = messages.draft(engine, pc, operation=OPERATION, groups=["DA-BOL-BIZ"], now=_utc(dt.date(2025, 4, 20)),
                               title="Patrols on the busiest days (synthetic)")  # fmt: skip
    messages.withdraw(engine, pc, withdrawn, now=_utc(dt.date(2025, 4, 20), 12))
    made["messages"]["withdrawn"] = withdrawn
    return made
