"""A synthetic partnership plan for the demo (``load``), laid on the real Derbyshire 2025
police.uk data and the demo's organisations and users (``sara.casework.demo``), modelled on the
Calderdale Community Safety Action Plan 2008-2011: its themes "Working with communities to
challenge anti-social behaviour", "Challenging substance misuse to improve lives" and
"Reducing crime, tackling re-offending and managing offending behaviour", each with priority
issues, actions and "Measuring our success" indicators. The computed indicators count
Bolsover district's events; their baselines are the first quarter of 2025 (counted now, as
``sara.services.plans.add_indicator`` counts them) and their targets 15% lower by the end of
March 2026. One indicator is entered (a residents' survey, synthetic figures). Everything is
written through ``sara.casework.plans``, so it obeys the same rules and leaves the same audit
trail as real work. Loading it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from sara.access.users import get_actor
from sara.casework import plans as cp
from sara.store.schema import Area
from sara.store.schema import plans as sp

TITLE = "Bolsover Community Safety Partnership Plan 2025-2027 (synthetic)"
DISTRICT = {"code": "E07000033", "kind": "district"}  # Bolsover
BASELINE = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
TARGET_DATE = dt.date(2026, 3, 31)
THEMES = (
    ("Working with communities to challenge anti-social behaviour",
     "Anti-social behaviour is the main concern from surveys and consultation events; it affects how safe people feel.",
     (("Tackle incidents of anti-social behaviour", (
         ("Continue the Early Intervention and Anti-Social Behaviour Panels", "Bolsover District Council", dt.date(2026, 3, 31), "in_progress", True),
         ("Hotspot patrols in Bolsover town centre, 16:00-22:00", "Derbyshire Constabulary", dt.date(2025, 11, 30), "done", True))),
      ("Work with young people", (
         ("Improve the targeting of youth provision to hotspot areas", "Bolsover Youth Trust (synthetic)", dt.date(2026, 1, 31), "open", False),)),),
     (("NI17a", "Anti-social behaviour incidents, Bolsover", ["Anti-social behaviour"]),)),
    ("Challenging substance misuse to improve lives", "Drug use and dealing, and the crime and anti-social behaviour around them, remain a key concern.",
     (("Tackle substance misuse", (
         ("Close premises used for drug dealing (cuckooing) with closure notices and orders", "Bolsover District Council", dt.date(2026, 6, 30), "open", False),
         ("Refer drug users met on patrol into treatment", "Derbyshire Constabulary", dt.date(2025, 9, 30), "open", False))),),
     (("NI38a", "Drug offences, Bolsover", ["Drugs"]),)),
    ("Reducing crime, tackling re-offending and managing offending behaviour", "People have the right to feel safe in their homes and neighbourhoods.",
     (("Reduce incidents of criminal damage", (
         ("Work with the Fire Service to reduce deliberate secondary fires", "Derbyshire Fire and Rescue Service", dt.date(2026, 3, 31), "in_progress", False),)),),
     (("NI20a", "Violence and sexual offences, Bolsover", ["Violence and sexual offences"]), ("", "Criminal damage and arson, Bolsover", ["Criminal damage and arson"]))),
)  # fmt: skip
SURVEY = ("NI17", "Perceptions of anti-social behaviour: residents saying it is a big problem (%)", "Bolsover residents' survey (synthetic figures)",
          28.0, 22.0, {dt.date(2025, 4, 1): 27.0, dt.date(2025, 7, 1): 27.5, dt.date(2025, 10, 1): 26.0})  # fmt: skip


def load(engine: Engine, *, lead: str = "insp.bolsover", problems: list[str] = (), now: dt.datetime | None = None) -> str | None:
    """Lay the plan on the demo database as the lead ``lead``; the actions marked so serve
    ``problems`` (the demo's problem references). Returns its reference, or None if it is
    there already or Bolsover's boundary is not loaded."""
    with engine.connect() as conn:
        if conn.execute(select(sp.Plan.id).where(sp.Plan.title == TITLE)).first() is not None:
            return None
        if conn.execute(select(Area.id).where(Area.code == DISTRICT["code"], Area.kind == DISTRICT["kind"])).first() is None:
            return None
    actor = get_actor(engine, lead)
    now = now or dt.datetime(2025, 4, 7, 9)
    ref = cp.create(engine, actor, TITLE, start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31), now=now,
                    description="This plan draws on the partnership strategic assessment and concentrates on the actions where partners together add "
                                "to what each does alone. It is reviewed every year. (A synthetic plan on real police.uk data.)")  # fmt: skip
    for n, (title, why, priorities, indicators) in enumerate(THEMES, start=1):
        cp.add_theme(engine, actor, ref, title, why=why, now=now)
        for p, (priority, actions) in enumerate(priorities, start=1):
            cp.add_priority(engine, actor, ref, str(n), priority, now=now)
            for description, org, due, status, linked in actions:
                cp.add_action(engine, actor, ref, f"{n}.{p}", description, organisation=org, due=due, status=status, problems=list(problems)[:1] if linked else [], now=now)
        for code, name, categories in indicators:
            counts = cp.monthly_counts(engine, {"categories": categories}, DISTRICT, *BASELINE)
            baseline = round(sum(counts.values()) / 3, 1)
            cp.add_indicator(engine, actor, ref, str(n), name, code=code, kind="computed", query={"categories": categories}, area_code=DISTRICT["code"],
                             area_kind=DISTRICT["kind"], baseline_start=BASELINE[0], baseline_end=BASELINE[1], baseline_value=baseline,
                             target_value=round(baseline * 0.85, 1), target_date=TARGET_DATE, now=now)  # fmt: skip
    code, name, source, base, target, values = SURVEY
    iid = cp.add_indicator(engine, actor, ref, "1", name, code=code, kind="entered", source=source, baseline_start=BASELINE[0], baseline_end=BASELINE[1],
                           baseline_value=base, target_value=target, target_date=TARGET_DATE, granularity="quarter", now=now)  # fmt: skip
    for period, value in values.items():
        cp.enter_value(engine, actor, iid, period, value, now=now)
    return ref
