"""Risk assessments of people with a versioned questionnaire, and the reviews they set.

Scoring is ``sara.casework.instruments.score_answers`` under the instrument version in force on
the day assessed; each band sets a review cadence (e.g. medium: a sergeant every 28 days and
an inspector every 56; high: every 14, 28 and 56 days), and the latest assessment of each
person sets the reviews due. A re-assessment is the review: it starts the clock again. Only
the organisation that owns the person assesses them; the assessment is audited, and listing
reviews shows each person through the permission views (audited).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from sara.access import audit
from sara.access.permissions import require
from sara.casework import instruments
from sara.casework.people import PURPOSE, check_read, person_items, person_row, person_views
from sara.casework.records import RecordError
from sara.store.schema import people as sp

QUESTIONNAIRES = instruments.QUESTIONNAIRES
questionnaire = instruments.questionnaire


def review_dates(instrument: dict, band: str, assessed_on: dt.date) -> list[dict]:
    """The reviews a band sets after an assessment: who reviews and by when, earliest first."""
    rows = [{"by": r["by"], "due": assessed_on + dt.timedelta(days=r["every_days"])} for r in instrument.get("reviews", []) if r["band"] == band]
    return sorted(rows, key=lambda r: r["due"])


def assess(engine: Engine, actor, ref: str, answers: dict, *, on: dt.date | None = None, instrument: str = "asb_victim",
           path: str | Path = QUESTIONNAIRES, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Score the questionnaire for person ``ref`` and store it: score, band, the points behind
    it, and the reviews it sets."""
    now = now or audit.utcnow()
    on = on or now.date()
    if on > now.date():
        raise RecordError(f"an assessment cannot be dated in the future ({on.isoformat()})", field="on", fix="give the day it was made, today or before")
    with engine.connect() as conn:
        p = person_row(conn, ref)
    require(actor, "write", "person", p["organisation_id"])
    inst = questionnaire(instrument, on, path=path)
    scored = instruments.score_answers(inst, answers)
    reviews = review_dates(inst, scored["band"], on)
    t = sp.RiskAssessment.__table__
    with engine.begin() as conn:
        aid = conn.execute(t.insert().values(
            person_id=p["id"], instrument=inst["key"], instrument_version=inst["version"], answers=json.dumps(answers, sort_keys=True),
            score=scored["score"], band=scored["band"], next_review_due=reviews[0]["due"] if reviews else None, assessed_on=on,
            assessed_by=actor.id, recorded_at=now).returning(t.c.id)).scalar_one()  # fmt: skip
        audit.record(conn, [audit.Entry("change", actor, "person", ref, owner_org_id=p["organisation_id"], purpose=PURPOSE,
                                        detail={"risk_assessment": aid, "band": scored["band"], "instrument": inst["key"], "version": inst["version"]})])  # fmt: skip
    return {"id": aid, "person": ref, "instrument": inst["key"], "version": inst["version"], "verified": inst["verified"], "assessed_on": on.isoformat(),
            **scored, "reviews": [{"by": r["by"], "due": r["due"].isoformat()} for r in reviews]}  # fmt: skip


def reviews_due(engine: Engine, actor, *, at: dt.date | None = None, within_days: int = 14, path: str | Path = QUESTIONNAIRES,
                purpose: str = "risk reviews due") -> list[dict]:  # fmt: skip
    """Reviews due within ``within_days`` of ``at`` or overdue, from each person's latest
    assessment, earliest first, each with the person as the actor may see them."""
    check_read(actor)
    at = at or dt.date.today()
    horizon = at + dt.timedelta(days=within_days)
    t, p = sp.RiskAssessment.__table__, sp.Person.__table__
    latest = select(t.c.person_id, func.max(t.c.id).label("id")).group_by(t.c.person_id).subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(t).join(latest, latest.c.id == t.c.id)).mappings().all()
        versions = instruments.load(str(path), "instrument")
        due = []
        for r in rows:
            inst = instruments.version(versions, r["instrument_version"], key=r["instrument"])
            for rv in review_dates(inst, r["band"], r["assessed_on"]):
                if rv["due"] <= horizon:
                    due.append((r, rv))
        people = {x["id"]: dict(x) for x in conn.execute(select(p).where(p.c.id.in_([r["person_id"] for r, _ in due]))).mappings()} if due else {}
        ordered = sorted(people.values(), key=lambda x: x["id"])
        items = person_items(conn, ordered, at)
    views = dict(zip([x["id"] for x in ordered], person_views(engine, actor, items, purpose)))
    out = []
    for r, rv in sorted(due, key=lambda d: d[1]["due"]):
        v = views[r["person_id"]]
        row = {"person": v, "reviewer": rv["by"], "due": rv["due"].isoformat(), "overdue": rv["due"] < at}
        if v["scope"] in ("full", "summary"):
            row |= {"band": r["band"], "assessed_on": r["assessed_on"].isoformat()}
        out.append(row)
    return out
