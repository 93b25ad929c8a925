"""A synthetic casework scenario laid on the real Derbyshire police.uk data, so every command
and page has something real-looking to show (``load``; the demo command and ``make run`` call it).

It is modelled on Operation Dexter (Derbyshire Constabulary's Bolsover town-centre case study,
scrutiny report of 17 May 2022, Appendix A): youth ASB and criminal damage around a derelict
site, a supermarket car park and the Memorial Gardens; ABCs with tenancy warnings, a CBO for
the most significant offender, a PSPO, hotspot patrols 16:00-22:00 every day for two weeks
then on Mondays, Tuesdays and Fridays; with a cuckooed flat under a closure notice (the
Chesterfield case, ibid. 6.8) and an ASB Case Review. Everything is written through the
service functions, so it obeys the same rules and leaves the same audit trail as real work.

Every person, premises, problem and operation is marked "(synthetic)"; the events are the
real police.uk rows of Bolsover town centre (LSOA E01019483, "Bolsover 004A"). Dates up to
September 2025 are history; the cuckooed-flat problem and its closure notice are placed
relative to ``today`` so that deadlines, overdue actions and reviews are live whenever the
demo is loaded. Loading it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets

from sqlalchemy import Engine, and_, func, select

from sara.access.agreements import add_agreement
from sara.access.users import MIN_PASSWORD, add_organisation, add_user, get_actor, organisation_id
from sara.casework import case_review, demo_assets, demo_concerns, demo_early_help, demo_messages, demo_ocg, demo_plan, demo_publication, demo_surveys, demo_watch, patrols, people, premises, problems, risk
from sara.casework import interventions as iv
from sara.casework.clock import LONDON
from sara.errors import Invalid, NotFound
from sara.report.assessment import Plan, save_plan
from sara.store.schema import Area, Event, EventArea

TOWN_CENTRE = "E01019483"  # Bolsover 004A: Town End, Market Place, Castle Street
MARKER = "Bolsover Youth Trust (synthetic)"
YOUTH = ("Anti-social behaviour", "Criminal damage and arson")

ORGANISATIONS = (
    ("Derbyshire Constabulary", "police"), ("Bolsover District Council", "council"), ("Bolsover Homes (synthetic)", "housing"),
    ("Derbyshire Fire and Rescue Service", "fire"), ("Derbyshire Youth Offending Service", "youth_justice"), (MARKER, "charity"),
)  # fmt: skip
USERS = (
    ("demo.admin", "Derbyshire Constabulary", "administrator"), ("analyst", "Derbyshire Constabulary", "analyst"),
    ("pc.dexter", "Derbyshire Constabulary", "problem_owner"), ("insp.bolsover", "Derbyshire Constabulary", "lead"),
    ("asb.officer", "Bolsover District Council", "problem_owner"), ("housing.officer", "Bolsover Homes (synthetic)", "partner_practitioner"),
    ("fire.officer", "Derbyshire Fire and Rescue Service", "partner_practitioner"), ("yos.worker", "Derbyshire Youth Offending Service", "partner_practitioner"),
    ("youth.worker", MARKER, "partner_practitioner"), ("public", "Bolsover District Council", "public_viewer"),
)  # fmt: skip


NAMES = {"demo.admin": "Dee Admin", "analyst": "Alex Analyst", "pc.dexter": "PC Sam Dexter", "insp.bolsover": "Insp. Jo Bolsover",
         "asb.officer": "Priya Shah (ASB officer)", "housing.officer": "Tom Reed (housing)", "fire.officer": "Kate Lowe (fire)",
         "yos.worker": "Sunita Rao (youth justice)", "youth.worker": "Mo Ellis (youth work)", "public": "Public viewer"}  # synthetic people


class DemoError(Invalid):
    """The demo cannot be laid on this database; the message says why."""


def _utc(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A UK wall-clock time as the naive UTC the services take for ``now``."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


def _uk(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _events(conn, categories, first: str, last: str) -> list[tuple[int, dt.date, str]]:
    """(id, month, category) of the town centre's events, oldest first."""
    e, ea, ar = Event.__table__, EventArea.__table__, Area.__table__
    q = (select(e.c.id, e.c.month, e.c.category).join(ea, ea.c.event_id == e.c.id).join(ar, and_(ar.c.id == ea.c.area_id, ar.c.code == TOWN_CENTRE))
         .where(e.c.category.in_(list(categories)), e.c.month >= dt.date.fromisoformat(first + "-01"), e.c.month <= dt.date.fromisoformat(last + "-01"))
         .order_by(e.c.month, e.c.id))  # fmt: skip
    return [tuple(r) for r in conn.execute(q)]


def demo_password() -> str:
    """Every demo user's password: ``SARA_DEMO_PASSWORD`` when set, else a new random one
    (printed by ``sara demo casework``). None is written in the code."""
    given = os.environ.get("SARA_DEMO_PASSWORD") or None
    if given is not None and len(given) < MIN_PASSWORD:
        raise DemoError(f"SARA_DEMO_PASSWORD is {len(given)} characters: a password needs at least {MIN_PASSWORD}")
    return given or secrets.token_urlsafe(12)


def _set_passwords(engine: Engine, password: str) -> dict:
    """The demo users' password set again (the operator's job: the scenario is synthetic)."""
    from sara.access.users import hash_password
    from sara.store.schema.access import User

    u = User.__table__
    with engine.begin() as conn:
        conn.execute(u.update().where(u.c.username.in_([name for name, _, _ in USERS])).values(password_hash=hash_password(password), failed_logins=0, locked_until=None))
    return {"loaded": False, "reason": "the synthetic casework scenario is already loaded; its users' password is set", "users": [n for n, _, _ in USERS],
            "password": password}  # fmt: skip


def load(engine: Engine, *, today: dt.date | None = None, password: str | None = None) -> dict:
    """Lay the scenario on a database holding the demo police.uk data and boundaries; returns
    what was made, with the demo users' ``password`` (``demo_password()`` unless given).
    ``DemoError`` if the town centre's events are not loaded."""
    today = today or dt.date.today()
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(Area.__table__).where(Area.code == TOWN_CENTRE)).scalar_one() == 0:
            raise DemoError(f"the demo needs the Derbyshire boundaries and 2025 police.uk data (LSOA {TOWN_CENTRE}): run `make run`, or load demo/ first")
        youth = _events(conn, YOUTH, "2025-01", "2025-12")
        drugs = _events(conn, ("Drugs",), "2025-01", "2025-12")
    if len(youth) < 20:
        raise DemoError(f"too few events in {TOWN_CENTRE} to lay the demo on ({len(youth)}): load demo/derbyshire-2025-street.zip")
    try:
        organisation_id(engine, MARKER)
        if password or os.environ.get("SARA_DEMO_PASSWORD"):
            return _set_passwords(engine, password or demo_password())
        return {"loaded": False, "reason": "the synthetic casework scenario is already loaded (SARA_DEMO_PASSWORD=... sets its users' password again)"}
    except NotFound:
        pass
    for username, _, _ in USERS:
        if get_actor(engine, username):
            raise DemoError(f"a user called {username!r} exists already: load the demo into a database of its own")
    password = password or demo_password()
    made: dict = {"loaded": True, "users": [u for u, _, _ in USERS], "password": password}
    for name, kind in ORGANISATIONS:
        try:
            organisation_id(engine, name)
        except NotFound:
            add_organisation(engine, name, kind)
    for username, org, role in USERS:
        add_user(engine, username, org, role, password, display_name=NAMES[username])
    u = {username: get_actor(engine, username) for username, _, _ in USERS}
    add_agreement(engine, "Bolsover ASB information sharing agreement (synthetic)",
                  ["Derbyshire Constabulary", "Bolsover District Council", "Bolsover Homes (synthetic)"],
                  "tackling ASB in Bolsover (Crime and Disorder Act 1998 s.115)", "summary", ["victim", "suspect", "premises"], dt.date(2025, 1, 1))  # fmt: skip
    add_agreement(engine, "Youth justice sharing (synthetic)", ["Derbyshire Constabulary", "Derbyshire Youth Offending Service"],
                  "preventing offending by young people (Crime and Disorder Act 1998 s.37)", "full", ["suspect"], dt.date(2025, 1, 1))  # fmt: skip
    made["problems"] = _problems(engine, u, youth, today)
    made["people"] = _people(engine, u, youth, today)
    made["premises"], flat = _premises(engine, u, youth, drugs)
    made["interventions"] = _interventions(engine, u, made["people"], made["problems"][0], today)
    made["interventions"].append(_cuckooed_flat(engine, u, flat, made["problems"][1], today))
    made["case_reviews"] = _case_reviews(engine, u, made["people"])
    made["operation"] = _operation(engine, u, made["problems"][0])
    made["plan"] = demo_plan.load(engine, problems=made["problems"])
    made["published"] = demo_publication.load(engine)
    made["early_help"] = demo_early_help.load(engine, today=today)
    made["group"] = demo_ocg.load(engine)
    # The community side (issue 13): services, Neighbourhood Watch, messaging, a survey and public reports.
    made["community"] = {"assets": demo_assets.load(engine, today=today), "watch": demo_watch.load(engine, today=today),
                         "messages": demo_messages.load(engine, today=today), "surveys": demo_surveys.load(engine, today=today),
                         "concerns": demo_concerns.load(engine, today=today)}  # fmt: skip
    return made


def _problems(engine, u, youth, today) -> list[str]:
    pc = u["pc.dexter"]
    first = dt.date(2025, 2, 3)
    p = problems.create(engine, pc, "Youth ASB and criminal damage, Bolsover town centre (synthetic)", area=TOWN_CENTRE, categories=list(YOUTH),
                        months="2025-01:2025-12", objective="Reduce youth ASB and damage in the town centre; increase youth engagement and diversion",
                        now=_utc(first))  # fmt: skip
    ref = p["reference"]
    problems.move(engine, pc, ref, "scanning", now=_utc(first + dt.timedelta(days=7)))
    problems.update(engine, pc, ref, now=_utc(first + dt.timedelta(days=14)),
                    statement="Groups of young people gather at the derelict site on Oxcroft Lane, the supermarket car park and the Memorial Gardens, "
                              "damaging property and intimidating shoppers and older residents",
                    behaviour="criminal damage, arson and intimidation by groups of youths",
                    place="Oxcroft Lane, the supermarket car park and the Memorial Gardens, Bolsover town centre",
                    time_pattern="Mondays, Tuesdays and Fridays, 16:00-22:00")  # fmt: skip
    problems.move(engine, pc, ref, "analysis", now=_utc(first + dt.timedelta(days=21)))
    baseline = sum(1 for _, m, _ in youth if m <= dt.date(2025, 4, 1)) / 4
    problems.update(engine, pc, ref, now=_utc(dt.date(2025, 3, 28)), baseline=baseline,
                    sources=["police.uk street-level crime, Derbyshire 2025", "Bolsover DC ASB log", "CCTV and body-worn video stills"],
                    victim="shoppers, supermarket staff and older residents of the flats overlooking the Memorial Gardens",
                    offender="about 15 young people aged 13-18, most identified once CCTV stills were shared with schools and the council",
                    location="a derelict site with poor lighting and an overgrown path, not overlooked by houses",
                    handler="parents, schools and the Youth Engagement Team", guardian="supermarket loss prevention; residents of the flats",
                    manager="the council (the land) and the supermarket (the car park)",
                    hypotheses="poor lighting and no natural surveillance let groups gather unchallenged; little for young people to do after school",
                    measure_of_success=f"ASB and criminal damage in {TOWN_CENTRE} down 20% against comparable areas, May-August against January-April 2025")  # fmt: skip
    save_plan(engine, "op-dexter-demo", Plan(TOWN_CENTRE, ("2025-01", "2025-04"), ("2025-05", "2025-08"), 500.0, "auto", YOUTH, False,
                                             f"ASB and criminal damage in {TOWN_CENTRE} down 20% against comparable areas"), today=dt.date(2025, 4, 1))  # fmt: skip
    for org, role in (("Bolsover District Council", "tenancy warnings, CPWs and the PSPO"), ("Bolsover Homes (synthetic)", "tenancy enforcement"),
                      ("Derbyshire Youth Offending Service", "ABCs and diversion"), ("Derbyshire Fire and Rescue Service", "arson awareness in schools"),
                      (MARKER, "Friday diversionary sessions")):  # fmt: skip
        problems.add_partner(engine, pc, ref, org, role, now=_utc(dt.date(2025, 4, 1)))
    problems.move(engine, pc, ref, "response", now=_utc(dt.date(2025, 4, 4)))
    start = _utc(dt.date(2025, 4, 4), 10)
    plan = (("Hotspot patrols 16:00-22:00 (Op Dexter)", "pc.dexter", dt.date(2025, 4, 30), "done"),
            ("ABCs with tenancy warnings for the identified youths", "asb.officer", dt.date(2025, 5, 15), "done"),
            ("Arson awareness sessions in the two secondary schools", "fire.officer", dt.date(2025, 6, 30), "done"),
            ("Security review of the supermarket car park with loss prevention", "pc.dexter", dt.date(2025, 5, 31), "done"),
            ("Friday diversionary sessions (Extreme Wheels)", "youth.worker", dt.date(2025, 9, 30), "in_progress"))  # fmt: skip
    for text, owner, due, status in plan:
        a = problems.add_action(engine, u[owner], ref, text, owner=owner, due=due, now=start)
        problems.set_action(engine, u[owner], a["id"], status, now=_utc(min(due, dt.date(2025, 8, 29))))
    problems.add_note(engine, pc, ref, "Plan agreed at the fortnightly partnership tasking meeting (synthetic)", now=start)
    problems.move(engine, pc, ref, "assessment", now=_utc(dt.date(2025, 9, 1)))

    # a problem opened recently, in response, with an overdue action (its closure notice is laid later)
    opened = today - dt.timedelta(days=40)
    q = problems.create(engine, pc, "Drug dealing from a cuckooed flat, Castle Street (synthetic)", area=TOWN_CENTRE, categories=["Drugs"],
                        now=_utc(opened))  # fmt: skip
    problems.move(engine, pc, q["reference"], "scanning", now=_utc(opened, 10))
    problems.update(engine, pc, q["reference"], now=_utc(opened, 11), statement="A vulnerable tenant's flat is used to deal drugs by young men from out of town",
                    behaviour="drug dealing and intimidation of the tenant", place="Flat 3, 12 Castle Street (synthetic)", time_pattern="late evenings, daily")  # fmt: skip
    problems.move(engine, pc, q["reference"], "analysis", now=_utc(opened, 12))
    problems.update(engine, pc, q["reference"], now=_utc(opened, 13), baseline=0, sources=["police intelligence", "Bolsover Homes tenancy records"],
                    victim="the tenant, an adult with care needs", offender="two or three young men from out of town",
                    location="a first-floor flat with a shared door", guardian="Bolsover Homes' tenancy officer", manager="Bolsover Homes",
                    hypotheses="the tenant's vulnerability and the unsecured communal door make the flat easy to take over",
                    measure_of_success="no drug-related calls or crimes at the flat for three months after the closure order")  # fmt: skip
    problems.add_partner(engine, pc, q["reference"], "Bolsover Homes (synthetic)", "safeguarding and tenancy", now=_utc(opened, 14))
    problems.move(engine, pc, q["reference"], "response", now=_utc(opened, 15))
    problems.add_action(engine, u["housing.officer"], q["reference"], "Safeguarding visit to the tenant", owner="housing.officer",
                        due=today - dt.timedelta(days=10), now=_utc(opened, 16))  # fmt: skip
    problems.add_action(engine, pc, q["reference"], "Apply to the magistrates for a closure order", owner="pc.dexter", due=today + dt.timedelta(days=2),
                        now=_utc(opened, 16))  # fmt: skip

    # just proposed, with no area yet: moving it to scanning says what it needs
    r = problems.create(engine, u["asb.officer"], "Nuisance off-road motorbikes, Bolsover North West (synthetic)", now=_utc(today - dt.timedelta(days=5)))
    return [ref, q["reference"], r["reference"]]


BORN = {"youth_a": dt.date(2010, 3, 10), "youth_b": dt.date(2008, 1, 20), "youth_c": dt.date(2011, 6, 1), "adult_d": dt.date(2006, 9, 9)}


def _people(engine, u, youth, today) -> dict:
    pc = u["pc.dexter"]
    now = _utc(dt.date(2025, 3, 20))
    refs = {}
    for key, name, category, dob, ward, flags in (
        ("margaret", "Margaret Hill (synthetic)", "victim", dt.date(1948, 5, 12), "Bolsover West", ["isolated", "disability"]),
        ("peter", "Peter Shaw (synthetic)", "victim", dt.date(1975, 2, 2), "Bolsover South", []),
        ("ravi", "Ravi Patel (synthetic)", "victim", dt.date(1982, 11, 30), "Bolsover West", []),
        ("youth_a", "Youth A (synthetic)", "suspect", BORN["youth_a"], "Bolsover North West", []),
        ("youth_b", "Youth B (synthetic)", "suspect", BORN["youth_b"], "Bolsover South", []),
        ("youth_c", "Youth C (synthetic)", "suspect", BORN["youth_c"], "Bolsover West", []),
        ("adult_d", "Adult D (synthetic)", "suspect", BORN["adult_d"], "Bolsover North West", []),
        ("tenant", "Tenant E (synthetic)", "vulnerability", dt.date(1971, 8, 8), "Bolsover West", ["care needs", "cuckooing"]),
    ):  # fmt: skip
        refs[key] = people.add_person(engine, pc, name, category, dob=dob, ward=ward, flags=flags, now=now)["id"]
    asb = [i for i, _, c in youth if c == "Anti-social behaviour"]
    damage = [i for i, _, c in youth if c != "Anti-social behaviour"]
    people.link_events(engine, pc, refs["margaret"], "victim", event_ids=asb[0:20:4], now=now)
    people.link_events(engine, pc, refs["peter"], "victim", event_ids=asb[1:3], now=now)
    people.link_events(engine, pc, refs["ravi"], "victim", event_ids=asb[5:24:6], now=now)
    for key, events in (("youth_a", damage[0:3]), ("youth_b", damage[3:6] + asb[2:4]), ("adult_d", damage[6:9])):
        people.link_events(engine, pc, refs[key], "suspect", event_ids=events, now=now)
    people.work_with(engine, u["asb.officer"], refs["margaret"], "ASB case officer", now=now)
    people.work_with(engine, u["yos.worker"], refs["youth_a"], "YOS case worker", now=now)
    people.work_with(engine, u["youth.worker"], refs["youth_a"], "Friday sessions", now=now)
    answers = {q["key"]: (0 if "scale" in q else False) for q in risk.questionnaire(on=today)["questions"]}
    risk.assess(engine, pc, refs["margaret"], answers | {"happened_before": True, "health_affected": True, "afraid_at_home": True, "isolated": True,
                                                        "disability": True, "impact": 10}, on=today - dt.timedelta(days=20))  # fmt: skip
    risk.assess(engine, pc, refs["peter"], answers | {"happened_before": True, "afraid_at_home": True, "children_affected": True, "impact": 6},
                on=today - dt.timedelta(days=10))  # fmt: skip
    return refs


def _premises(engine, u, youth, drugs):
    pc = u["pc.dexter"]
    now = _utc(dt.date(2025, 3, 20))
    flat = premises.add_premises(engine, pc, "Flat 3, 12 Castle Street, Bolsover (synthetic)", postcode="S44 6PP", premises_type="flat", lon=-1.29354,
                                 lat=53.22965, ward="Bolsover West", vulnerable_occupant=True, cuckooing_concern=True, now=now)["id"]  # fmt: skip
    park = premises.add_premises(engine, pc, "Supermarket car park, Town End, Bolsover (synthetic)", postcode="S44 6DZ", premises_type="commercial",
                                 lon=-1.29043, lat=53.22892, ward="Bolsover West", now=now)["id"]  # fmt: skip
    market = premises.add_premises(engine, pc, "14 Market Place, Bolsover (synthetic)", postcode="S44 6PN", premises_type="dwelling", lon=-1.2922,
                                   lat=53.22939, ward="Bolsover West", now=now)["id"]  # fmt: skip
    premises.link_events(engine, pc, flat, event_ids=[i for i, _, _ in drugs][:6], now=now)
    premises.link_events(engine, pc, park, event_ids=[i for i, _, c in youth if c == "Anti-social behaviour"][::5], now=now)
    premises.link_events(engine, pc, market, event_ids=[i for i, _, c in youth][1:4], now=now)
    return [flat, park, market], flat


def _interventions(engine, u, refs, problem: str, today) -> list[str]:
    pc, council = u["pc.dexter"], u["asb.officer"]
    made = []
    for key in ("youth_a", "youth_c"):
        abc = iv.issue(engine, council, "abc", _uk(dt.date(2025, 4, 14), 16), subject_ref=refs[key], subject_dob=BORN[key], by_rank="local_authority",
                       problem_ref=problem)  # fmt: skip
        iv.step(engine, council, abc["reference"], "sign", _uk(dt.date(2025, 4, 21), 17), due=_uk(dt.date(2025, 10, 21), 17), facts=["parent_signed"])
        made.append(abc["reference"])
    iv.breach(engine, council, made[-1], _uk(dt.date(2025, 7, 2), 20), "warning", outcome="warning letter and home visit")
    cpw = iv.issue(engine, pc, "cpw", _uk(dt.date(2025, 4, 20), 18), subject_ref=refs["youth_b"], by_rank="constable",
                   due=_uk(dt.date(2025, 5, 4), 18), problem_ref=problem)  # fmt: skip
    iv.step(engine, pc, cpw["reference"], "cpn", _uk(dt.date(2025, 5, 10), 11), "constable", facts=["appropriate_bodies_informed"])
    iv.breach(engine, pc, cpw["reference"], _uk(dt.date(2025, 6, 14), 21), "fpn", by_rank="constable", amount_gbp=100, outcome="paid")
    cbo = iv.issue(engine, pc, "cbo", _uk(dt.date(2025, 5, 20), 10), subject_ref=refs["adult_d"], by_rank="prosecution",
                   problem_ref=problem)  # fmt: skip
    iv.step(engine, pc, cbo["reference"], "order", _uk(dt.date(2025, 7, 15), 12), "court", due=_uk(dt.date(2027, 7, 15), 12))
    pspo = iv.issue(engine, council, "pspo", _uk(dt.date(2025, 5, 1), 9), subject_ref="Bolsover town centre", subject_kind="area",
                    by_rank="local_authority", problem_ref=problem)  # fmt: skip
    iv.step(engine, council, pspo["reference"], "order", _uk(dt.date(2025, 9, 1), 9), "local_authority", due=_uk(dt.date(2028, 8, 31), 23, 59))
    iv.breach(engine, council, pspo["reference"], _uk(dt.date(2025, 10, 3), 19), "fpn", by_rank="local_authority", amount_gbp=100)
    recent = iv.issue(engine, pc, "cpw", _uk(today - dt.timedelta(days=3), 15), subject_ref=refs["adult_d"],
                      by_rank="constable", due=_uk(today + dt.timedelta(days=11), 15))  # fmt: skip
    return made + [cpw["reference"], cbo["reference"], pspo["reference"], recent["reference"]]


def _cuckooed_flat(engine, u, flat, problem: str, today) -> str:
    """A 48-hour closure notice served yesterday evening and breached that night: its hearing
    and end are the live deadlines of the demo."""
    served = _uk(today - dt.timedelta(days=1), 18)
    notice = iv.issue(engine, u["pc.dexter"], "closure", served, subject_ref=flat, subject_kind="premises", by_rank="superintendent",
                      due=served + dt.timedelta(hours=48), facts=["occupiers_informed"], problem_ref=problem)  # fmt: skip
    iv.breach(engine, u["pc.dexter"], notice["reference"], served + dt.timedelta(hours=4, minutes=30), "prosecution", outcome="two men arrested")
    return notice["reference"]


def _case_reviews(engine, u, refs) -> list[str]:
    pc, council = u["pc.dexter"], u["asb.officer"]
    m = refs["margaret"]
    for org_user, behaviour, made, incident in ((pc, "2025-05-01", "2025-05-02", "INC-DX-1"), (pc, "2025-06-09", "2025-06-10", "INC-DX-2"),
                                                (council, "2025-06-09", "2025-06-11", "INC-DX-2"), (council, "2025-07-14", "2025-07-15", "INC-DX-3")):  # fmt: skip
        case_review.record_complaint(engine, org_user, m, behaviour_on=dt.date.fromisoformat(behaviour), complained_on=dt.date.fromisoformat(made),
                                     incident_ref=incident)  # fmt: skip
    case_review.record_complaint(engine, pc, refs["peter"], behaviour_on=dt.date(2025, 8, 20), complained_on=dt.date(2025, 8, 21))
    met = case_review.apply(engine, council, m, received_on=dt.date(2025, 8, 1))
    case_review.hold_review(engine, council, met["reference"], held_on=dt.date(2025, 8, 20), recommendations=4)
    below = case_review.apply(engine, council, refs["peter"], received_on=dt.date(2025, 9, 1))
    return [met["reference"], below["reference"]]


def _operation(engine, u, problem: str) -> str:
    """Op Dexter replayed: every day 5-18 April 2025, then Mondays, Tuesdays and Fridays to the 30th,
    16:00-22:00, rounds of visits of 5-40 minutes to three sites of the town centre."""
    pc = u["pc.dexter"]
    name = "Op Dexter (synthetic replay)"
    patrols.create_operation(engine, pc, name, start=dt.date(2025, 4, 5), end=dt.date(2025, 4, 30), problem=problem, area=TOWN_CENTRE,
                             description="Hotspot patrols over the Easter holidays, modelled on Derbyshire's Op Dexter", now=_utc(dt.date(2025, 4, 1)))  # fmt: skip
    sites = (("Oxcroft Lane and Memorial Gardens", -1.2905, 53.2289, 150), ("Town End and Market Place", -1.2915, 53.2293, 100),
             ("Supermarket car park", -1.29043, 53.22892, 80))  # fmt: skip
    for site, lon, lat, radius in sites:
        patrols.add_site(engine, pc, name, site, lon=lon, lat=lat, radius_m=radius, on=dt.date(2025, 4, 5), note="hotspot from the scanning", now=_utc(dt.date(2025, 4, 5)))
        patrols.move_phase(engine, pc, name, site, "clear", on=dt.date(2025, 4, 5), note="two weeks of daily patrols", now=_utc(dt.date(2025, 4, 5)))
        patrols.move_phase(engine, pc, name, site, "hold", on=dt.date(2025, 4, 19), note="patrols on the busiest days only", now=_utc(dt.date(2025, 4, 19)))
    rng = random.Random(2021)
    day = dt.date(2025, 4, 5)
    codes = ("RUI / BAIL", "01 - Charged", "08 - Community Resolution", "15 - NFA - Evidential", "22 - Diversionary")
    while day <= dt.date(2025, 4, 30):
        if day <= dt.date(2025, 4, 18) or day.weekday() in (0, 1, 4):
            minute, visit = 16 * 60, 0
            while minute < 21 * 60 + 15:  # a round of the three sites, again and again, until 22:00
                site = sites[visit % len(sites)][0]
                visit += 1
                length = min(rng.choice((5, 10, 15, 20, 25, 30, 40)), 22 * 60 - minute)
                start = _uk(day, minute // 60, minute % 60)
                arrests = [rng.choice(codes)] if rng.random() < 0.03 else []
                patrols.log_patrol(engine, pc, name, site, start=start, end=start + dt.timedelta(minutes=length), officers=["PC 1402", "PC 2231"],
                                   activity="high-visibility foot patrol", arrests=arrests, stop_searches=int(rng.random() < 0.2),
                                   intelligence_submissions=int(rng.random() < 0.3), engagements=rng.randint(0, 8), now=_utc(day, 23))  # fmt: skip
                minute += length + rng.choice((5, 10, 15))
        day += dt.timedelta(days=1)
    return name
