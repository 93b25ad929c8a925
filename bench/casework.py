"""Benchmark: casework at a force's scale (``sara.casework.dosage``, ``sara.casework.people``).

- Patrol dosage for a year of hotspot patrols: 100,000 patrols at 500 sites in 2026 (lengths
  5-120 minutes, 1-3 officers, mostly afternoons and evenings, some across midnight and the
  clock changes), ``by_day`` and ``by_site``, against a minute-by-minute brute force (a
  boolean array per site-day, as a spreadsheet of minutes would be) on 2,000 of the patrols,
  scaled to all; the subset's tables are checked equal.
- Listing people with their views and the audit: 10,000 people of one organisation seen by a
  partner under a summary agreement (one permission decision, one view and one audit entry
  per person, in one audited transaction), on SQLite, against the plain ``SELECT`` of the
  same rows with no checks: the price of the sharing rules.

Run alone: ``.venv/bin/python -m bench.casework``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import select

from sara.casework import dosage
from sara.casework.clock import LONDON

PATROLS, SITES, SUBSET = 100_000, 500, 2_000


def _patrols(n: int, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, n)
    starts = rng.choice(np.arange(8 * 60, 26 * 60), n)  # 08:00 to 02:00 the next morning
    lengths = rng.integers(5, 121, n)
    first = dt.date(2026, 1, 1)
    out = []
    for d, s, m, site, k in zip(days, starts, lengths, rng.integers(0, SITES, n), rng.integers(1, 4, n)):
        local = dt.datetime.combine(first + dt.timedelta(days=int(d)), dt.time(), tzinfo=LONDON) + dt.timedelta(minutes=int(s))
        start = local.astimezone(dt.UTC)
        out.append({"site": f"site {site}", "start": start, "end": start + dt.timedelta(minutes=int(m)), "officers": int(k)})
    return out


def brute_force_by_day(patrols: list[dict]) -> dict[tuple[str, dt.date], tuple[int, float, float]]:
    """Per (site, UK day): visits, minutes present and officer-minutes, minute by minute."""
    cells: dict[tuple[str, dt.date], list] = {}
    for p in patrols:
        t = p["start"]
        while t < p["end"]:
            day = t.astimezone(LONDON).date()
            key = (p["site"], day)
            if key not in cells:
                cells[key] = [set(), np.zeros(25 * 60, bool), 0.0]
            begin = dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.UTC)
            minute = int((t - begin).total_seconds() // 60)
            cells[key][0].add(id(p))
            cells[key][1][minute] = True
            cells[key][2] += p["officers"]
            t += dt.timedelta(minutes=1)
    return {k: (len(v[0]), float(v[1].sum()), v[2]) for k, v in cells.items()}


def _dosage() -> dict:
    patrols = _patrols(PATROLS)
    t0 = time.perf_counter()
    days = dosage.by_day(patrols)
    dosage.by_site(patrols)
    ours = time.perf_counter() - t0
    subset = patrols[:SUBSET]
    t0 = time.perf_counter()
    reference = brute_force_by_day(subset)
    ref = (time.perf_counter() - t0) * PATROLS / SUBSET
    mine = {(r["site"], r["day"]): (r["visits"], r["minutes_present"], r["officer_minutes"]) for r in dosage.by_day(subset).to_dicts()}
    assert mine == reference, "dosage differs from the minute-by-minute brute force"
    return {"benchmark": "patrol dosage: by_day and by_site (union of intervals, split at UK midnight)",
            "input": f"{PATROLS:,} patrols at {SITES} sites over 2026 ({days.height:,} site-days); brute force timed on {SUBSET:,}, scaled; tables equal",
            "ours_s": ours, "reference": "minute-by-minute brute force (Python + numpy)", "reference_s": ref, "target": "<= 5 s for a force's year"}  # fmt: skip


def _people_views() -> dict:
    from sara.access.agreements import add_agreement
    from sara.access.users import add_organisation, add_user, get_actor
    from sara.casework import people
    from sara.store.engine import connect, init
    from sara.store.schema import people as sp

    n = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        init(url)
        engine = connect(url)
        add_organisation(engine, "Police", "police")
        add_organisation(engine, "Council", "council")
        add_user(engine, "pc", "Police", "problem_owner", "bench password")
        add_user(engine, "asb", "Council", "problem_owner", "bench password")
        add_agreement(engine, "ISA", ["Police", "Council"], "bench", "summary", ["victim"], dt.date(2020, 1, 1))
        pc, asb = get_actor(engine, "pc"), get_actor(engine, "asb")
        now = dt.datetime(2026, 1, 1)
        with engine.begin() as conn:
            conn.execute(sp.Person.__table__.insert(), [
                {"reference": f"PER-2026-{i:05d}", "organisation_id": pc.organisation_id, "name": f"Person {i}", "name_key": f"person {i}",
                 "dob": dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28), "category": "victim", "flags": "[]", "created_at": now,
                 "created_by": pc.id, "version": 1} for i in range(n)])  # fmt: skip
        t0 = time.perf_counter()
        views = people.list_people(engine, asb, purpose="bench")
        ours = time.perf_counter() - t0
        assert len(views) == n and views[0]["scope"] == "summary"
        t0 = time.perf_counter()
        with engine.connect() as conn:
            rows = conn.execute(select(sp.Person.__table__)).mappings().all()
        ref = time.perf_counter() - t0
        assert len(rows) == n
        engine.dispose()
    return {"benchmark": "people list seen by a partner: permission, summary view and audit entry per person (SQLite)",
            "input": f"{n:,} people of another organisation, a live summary agreement", "ours_s": ours,
            "reference": "plain SELECT of the same rows, no checks", "reference_s": ref, "target": "<= 1 s for 10,000 people"}  # fmt: skip


def run() -> list[dict]:
    return [_dosage(), _people_views()]


if __name__ == "__main__":
    for row in run():
        print(row)
