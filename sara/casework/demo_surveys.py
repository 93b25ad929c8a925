"""The synthetic demo of surveys (issue 13, part 4), laid on the real Bolsover data by `sara demo casework`.

Two waves of door-to-door perception surveys (the bundled example questionnaire) in Bolsover
district's wards: in the spring of 2025, before the town centre's hotspot patrols, and in the
autumn, after them, when more residents of the town centre's wards feel safe and fewer call
anti-social behaviour a problem. PC Dexter (police) and the council's ASB officer knock the
doors; a few wards get only a handful of answers, so the results warn of small samples. Two
residents agree to be contacted (their names are marked "(synthetic)"). The answers come from
a fixed random seed; they are loaded as a CSV through ``sara.casework.surveys.import_csv``, so
they obey the same rules as real work. Then the demo plan gets an indicator of kind ``survey``:
the share who feel safe after dark in Bolsover district, per quarter. Loading it twice does
nothing the second time.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import surveys
from sara.report import export
from sara.store.schema import Area
from sara.store.schema import plans as sp
from sara.store.schema import surveys as ss

KEY = "perception"
DISTRICT = "E07000033"  # Bolsover
TOWN = ("E05003305", "E05003306", "E05003307")  # Bolsover North West, South, West: the town centre's wards
WAVES = (("spring 2025 (synthetic)", dt.date(2025, 4, 7), 0.0), ("autumn 2025 (synthetic)", dt.date(2025, 10, 6), 1.0))
INDICATOR = "Residents who feel safe walking alone after dark, Bolsover (survey; synthetic answers)"
PLAN_TITLE = "Bolsover Community Safety Partnership Plan 2025-2027 (synthetic)"
SEED = 20250407


def _wards(engine: Engine) -> list[str]:
    """Bolsover's wards: those whose inside point lies in the district."""
    with engine.connect() as conn:
        district = conn.execute(select(Area.geometry).where(Area.kind == "district", Area.code == DISTRICT)).scalar()
        if district is None:
            return []
        shape = shapely.from_wkb(district)
        rows = conn.execute(select(Area.code, Area.geometry).where(Area.kind == "ward").order_by(Area.code)).all()
    return [c for c, g in rows if shape.contains(shapely.point_on_surface(shapely.from_wkb(g)))]


def _answers(rng: np.random.Generator, lift: float) -> dict[str, int | None]:
    """One respondent's answers; ``lift`` 1 after the patrols (town centre), 0 before."""

    def pick(probs) -> int:
        p = np.asarray(probs, dtype=float)
        return int(rng.choice(len(p), p=p / p.sum())) + 1

    return {
        "safe_after_dark": pick([0.14 + 0.06 * lift, 0.34 + 0.10 * lift, 0.30 - 0.08 * lift, 0.16 - 0.06 * lift, 0.06]),
        "asb_problem": pick([0.22 - 0.08 * lift, 0.30 - 0.06 * lift, 0.30 + 0.08 * lift, 0.14 + 0.06 * lift, 0.04]),
        "dealing_with_issues": pick([0.08, 0.30 + 0.10 * lift, 0.28, 0.18 - 0.06 * lift, 0.10 - 0.04 * lift, 0.06]),
        "vehicles_problem": pick([0.45, 0.55]),
        "would_report": pick([0.62 + 0.08 * lift, 0.38 - 0.08 * lift]),
        "area_satisfaction": None if rng.random() < 0.05 else int(np.clip(round(rng.normal(6.2 + 0.5 * lift, 1.8)), 1, 10)),
    }


def _csv(wards: list[str], today: dt.date) -> bytes:
    rng = np.random.default_rng(SEED)
    cols = ["id", "date", "area", "wave", "consent", "name", "contact", *_answers(np.random.default_rng(0), 0)]
    rows = []
    n = 0
    for wave, start, after in WAVES:
        for ward in wards:
            town = ward in TOWN
            size = int(rng.integers(34, 48)) if town else int(rng.integers(4, 16))
            for i in range(size):
                day = start + dt.timedelta(days=int(rng.integers(0, 40)))
                if day > today:
                    continue
                n += 1
                row = {"id": f"DEMO-{n:04d}", "date": day.isoformat(), "area": ward, "wave": wave} | _answers(rng, after if town else 0.2 * after)
                if town and i == 0:
                    row |= {"consent": "yes", "name": f"Resident {n} (synthetic)", "contact": f"07700 900{n % 1000:03d} (synthetic)"}
                rows.append(row)
    return export.csv_text(cols, rows).encode()


def _indicator(engine: Engine, actor) -> int | None:
    """The demo plan's survey indicator (feel safe after dark, per quarter), if the plan is there."""
    from sara.casework import plans

    with engine.connect() as conn:
        ref = conn.execute(select(sp.Plan.reference).where(sp.Plan.title == PLAN_TITLE)).scalar()
    if ref is None:
        return None
    first, last = dt.date(2025, 4, 1), dt.date(2025, 6, 30)
    [base] = surveys.series(engine, KEY, "safe_after_dark", area_kind="district", area_code=DISTRICT, starts=[first], ends=[last])
    if base["value"] is None:
        return None
    value = round(base["value"], 1)
    return plans.add_indicator(engine, actor, ref, "1", INDICATOR, code="NI-S1", kind="survey", query={"questionnaire": KEY, "question": "safe_after_dark"},
                               area_code=DISTRICT, area_kind="district", measure="share", granularity="quarter", direction="increase",
                               source=f"survey {KEY}: How safe do you feel walking alone in this area after dark?",
                               baseline_start=first, baseline_end=last, baseline_value=value, target_value=min(100.0, value + 10),
                               target_date=dt.date(2026, 3, 31))  # fmt: skip


def load(engine: Engine, *, today: dt.date | None = None, **_) -> dict | None:
    """Lay the two waves and the plan's survey indicator; None when already laid, or when
    Bolsover's wards or the demo's officers are not loaded."""
    today = today or dt.date.today()
    with engine.connect() as conn:
        if conn.execute(select(ss.SurveyResponse.id).where(ss.SurveyResponse.wave.like("%(synthetic)"))).first() is not None:
            return None
    wards = _wards(engine)
    police, council = get_actor(engine, "pc.dexter"), get_actor(engine, "asb.officer")
    if not wards or police is None or council is None:
        return None
    data = _csv(wards, today).decode().splitlines()
    header, rows = data[0], data[1:]
    made = {}
    for who, part in ((police, rows[0::2]), (council, rows[1::2])):
        made[who.username] = surveys.import_csv(engine, who, KEY, "\n".join([header, *part]).encode(), "demo-perception-survey.csv")["loaded"]
    return {"questionnaire": KEY, "wards": len(wards), "responses": made, "indicator": _indicator(engine, get_actor(engine, "insp.bolsover"))}
