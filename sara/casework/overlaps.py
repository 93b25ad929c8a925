"""Other work on an area: the interventions and operations whose dates an assessment of a
response there must be read against ("overlapping interventions", ``sara.assess.warnings``).

An intervention is on an area when the problem it serves is on that area; an operation when
its own area, or its problem's, is. The problem being assessed is left out: its own response
is what the assessment measures. Each is ``(name, start, end)``, ``end`` None while it runs
(a CPN, for one, has no end date until it is discharged).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from sara.casework.clock import LONDON
from sara.casework.interventions import load_all
from sara.store.schema import patrols as spt
from sara.store.schema import problems as spr


def in_area(engine: Engine, area: str, *, exclude_problem: str | None = None) -> list[tuple[str, dt.date, dt.date | None]]:
    p, o = spr.Problem.__table__, spt.Operation.__table__
    with engine.connect() as conn:
        on_area = set(conn.execute(select(p.c.reference).where(p.c.area_code == area)).scalars())
        operations = conn.execute(select(o.c.name, o.c.problem_ref, o.c.area_code, o.c.start_date, o.c.end_date)).all()
    on_area.discard(exclude_problem)
    out = []
    for s in load_all(engine):
        if s.problem_ref in on_area:
            ends = s.record()["expires_at"]
            out.append((f"{s.case.power.replace('_', ' ')} {s.reference} ({s.problem_ref})", s.case.opened_at.astimezone(LONDON).date(),
                        dt.date.fromisoformat(ends[:10]) if ends else None))  # fmt: skip
    for name, problem, code, start, end in operations:
        if problem != exclude_problem and (code == area and problem is None or problem in on_area):
            out.append((f"operation {name}" + (f" ({problem})" if problem else ""), start, end))
    return sorted(out, key=lambda x: x[1])
