"""The daily early-help search: every young person (under 18 at the crime) newly linked to a
crime as a suspect or offender, first time or repeat, checked against an independent count of a
hand-built fixture; ages at the 18th birthday and the UK date; no date of birth; re-running;
the referred not listed again until a new crime; reviews and referrals (a front-door one too);
who may use it, and the audit. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from datetime import date

import pytest

from sara.access import audit
from sara.access.agreements import add_agreement
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import early_help as eh
from sara.casework import people
from sara.casework.records import RecordError
from sara.errors import Conflict
from sara.services import Context
from sara.services import early_help as services_eh
from sara.store import schema as s
from sara.store.schema import early_help as seh
from tests.cli import PASSWORD, err_json, ok_json

SINCE = date(2025, 6, 1)
NOW = dt.datetime(2025, 6, 3, 6, 0)  # UTC: 07:00 UK time, the morning's cron run
BEFORE = dt.datetime(2025, 3, 1, 12, 0)  # a link made long before the search's day
NEW = dt.datetime(2025, 6, 2, 12, 0)  # a link made since


def add_events(engine, rows) -> list[int]:
    """Insert events (category, month 'YYYY-MM', occurred_from or None) and return their ids."""
    now = dt.datetime(2025, 1, 1)
    with engine.begin() as conn:
        lid = conn.execute(s.Load.__table__.insert().values(kind="events", path="x", name="x", sha256="0" * 64, loaded_at=now, rows_read=len(rows),
                                                            inserted=len(rows), updated=0, unchanged=0, quarantined=0).returning(s.Load.id)).scalar_one()  # fmt: skip
        src = conn.execute(s.Source.__table__.insert().values(name=f"force-{lid}", kind="mapped", crs="EPSG:27700").returning(s.Source.id)).scalar_one()
        return [conn.execute(s.Event.__table__.insert().values(source_id=src, key_hi=lid, key_lo=i, month=date.fromisoformat(month + "-01"), occurred_from=at,
                                                               category=cat, lsoa_name="Bolsover 004A", load_id=lid).returning(s.Event.id)).scalar_one()
                for i, (cat, month, at) in enumerate(rows)]  # fmt: skip


@pytest.fixture
def world(engine):
    """The police record suspects; the youth justice service sees them in full and the
    council's early-help team in summary under agreements; a housing association and a second
    council with no agreement covering suspects do not use the search."""
    orgs = (("Police", "police"), ("YJS", "youth_justice"), ("Council", "council"), ("Homes", "housing"), ("Other Council", "council"))
    for name, kind in orgs:
        add_organisation(engine, name, kind)
    for user, org, role in (("pc", "Police", "problem_owner"), ("ana", "Police", "analyst"), ("yjs", "YJS", "partner_practitioner"),
                            ("eh", "Council", "partner_practitioner"), ("homes", "Homes", "partner_practitioner"), ("other", "Other Council", "problem_owner"),
                            ("public", "Police", "public_viewer"), ("admin", "Police", "administrator")):  # fmt: skip
        add_user(engine, user, org, role, PASSWORD)
    add_agreement(engine, "Youth justice", ["Police", "YJS"], "preventing offending by young people", "full", ["suspect"], dt.datetime(2020, 1, 1))
    add_agreement(engine, "Early help", ["Police", "Council"], "early intervention", "summary", ["suspect"], dt.datetime(2020, 1, 1))
    add_agreement(engine, "ASB victims", ["Police", "Other Council"], "ASB", "summary", ["victim"], dt.datetime(2020, 1, 1))
    return {u: get_actor(engine, u) for u in ("pc", "ana", "yjs", "eh", "homes", "other", "public", "admin")}


def suspect(engine, actor, name, dob, links: list[tuple[int, dt.datetime]]) -> str:
    ref = people.add_person(engine, actor, name, "suspect", dob=dob, now=dt.datetime(2025, 1, 1))["id"]
    for event_id, at in links:
        people.link_events(engine, actor, ref, "suspect", event_ids=[event_id], now=at)
    return ref


def listed(result) -> dict[str, tuple[str, list[int]]]:
    return {yp["person"]["id"]: (yp["status"], [e["event_id"] for e in yp["events"]]) for yp in result["young_people"]}


# -- the rule against an independent count -------------------------------------------------------


def eighteenth_birthday(dob: date) -> date:
    """The day one turns 18, counted another way than the module's: the anniversary itself,
    1 March for someone born on 29 February when that year has none."""
    try:
        return dob.replace(year=dob.year + 18)
    except ValueError:
        return date(dob.year + 18, 3, 1)


def test_the_search_lists_what_an_independent_count_of_the_fixture_gives(engine, world):
    rng = random.Random(12)
    categories = ["Criminal damage and arson", "Shoplifting", "Violence and sexual offences", "Anti-social behaviour"]
    months = ["2025-01", "2025-03", "2025-05", "2025-06"]
    events = [(rng.choice(categories), rng.choice(months)) for _ in range(40)]
    ids = add_events(engine, [(c, m, None) for c, m in events])
    by_id = dict(zip(ids, events))
    fixture = []
    for n in range(30):
        dob = None if n % 7 == 0 else date(2003 + rng.randrange(12), 1 + rng.randrange(12), 1 + rng.randrange(28))
        links = [(rng.choice(ids), rng.choice([BEFORE, NEW])) for _ in range(rng.randrange(1, 4))]
        links = list({e: at for e, at in links}.items())
        fixture.append((suspect(engine, world["pc"], f"Person {n}", dob, links), dob, links))
    expected = {}
    for ref, dob, links in fixture:
        crimes = [(e, at) for e, at in links if by_id[e][0] != "Anti-social behaviour"]
        new = [e for e, at in crimes if at >= dt.datetime(2025, 5, 31, 23, 0)  # 00:00 UK time on 1 June (BST)
               and (dob is None or date.fromisoformat(by_id[e][1] + "-01") < eighteenth_birthday(dob))]  # fmt: skip
        if new:
            expected[ref] = ("repeat" if len(crimes) > 1 else "first_time", sorted(new))
    got = eh.search(engine, world["ana"], SINCE, now=NOW)
    assert {ref: (status, sorted(e)) for ref, (status, e) in listed(got).items()} == expected
    assert len(expected) >= 5 and {"repeat", "first_time"} <= {v[0] for v in expected.values()}
    unknown = {ref for ref, dob, _ in fixture if dob is None} & set(expected)
    assert unknown and all(yp["age_text"] == "age unknown" for yp in got["young_people"] if yp["person"]["id"] in unknown)
    assert got["search"]["new"] == {"young_people": len(expected), "links": sum(len(v[1]) for v in expected.values()),
                                    "first_time": sum(1 for v in expected.values() if v[0] == "first_time"),
                                    "repeat": sum(1 for v in expected.values() if v[0] == "repeat")}  # fmt: skip


def test_offender_links_count_as_suspect_links_do(engine, world):
    """"Linked to a crime as a suspect or offender": an offender link alone lists a young
    person; a suspect link and an offender link to two crimes make a repeat; both links to one
    crime are one crime."""
    pc = world["pc"]
    rows = [("Burglary", "2025-05", None), ("Criminal damage and arson", "2025-05", None), ("Anti-social behaviour", "2025-05", None)]
    burglary, damage, asb = add_events(engine, rows)
    dob = date(2010, 1, 1)
    only = people.add_person(engine, pc, "Only Offender", "suspect", dob=dob, now=dt.datetime(2025, 1, 1))["id"]
    people.link_events(engine, pc, only, "offender", event_ids=[burglary], now=NEW)
    two = people.add_person(engine, pc, "Two Crimes", "suspect", dob=dob, now=dt.datetime(2025, 1, 1))["id"]
    people.link_events(engine, pc, two, "suspect", event_ids=[burglary], now=BEFORE)
    people.link_events(engine, pc, two, "offender", event_ids=[damage], now=NEW)
    both = people.add_person(engine, pc, "Charged After", "suspect", dob=dob, now=dt.datetime(2025, 1, 1))["id"]
    people.link_events(engine, pc, both, "suspect", event_ids=[damage], now=NEW)
    people.link_events(engine, pc, both, "offender", event_ids=[damage, asb], now=NEW)
    witness = people.add_person(engine, pc, "Saw It", "witness", dob=dob, now=dt.datetime(2025, 1, 1))["id"]
    people.link_events(engine, pc, witness, "witness", event_ids=[burglary], now=NEW)
    got = listed(eh.search(engine, world["ana"], SINCE, now=NOW))
    assert got == {only: ("first_time", [burglary]), two: ("repeat", [damage]), both: ("first_time", [damage])}


def test_age_at_the_crime_is_whole_years_on_its_uk_date(engine, world):
    pc = world["pc"]
    summer_night = dt.datetime(2025, 6, 9, 23, 30)  # UTC: 00:30 on 10 June, UK time
    ids = add_events(engine, [("Shoplifting", "2025-06", summer_night), ("Shoplifting", "2025-06", None), ("Shoplifting", "2026-02", dt.datetime(2026, 2, 28, 12)),
                              ("Shoplifting", "2026-03", dt.datetime(2026, 3, 1, 12))])  # fmt: skip
    eighteen_that_day = suspect(engine, pc, "Turns Eighteen", date(2007, 6, 10), [(ids[0], NEW)])
    day_before = suspect(engine, pc, "Seventeen Still", date(2007, 6, 11), [(ids[0], NEW)])
    later_that_month = suspect(engine, pc, "Month Only", date(2007, 6, 15), [(ids[1], NEW)])
    on_the_first = suspect(engine, pc, "First Of Month", date(2007, 6, 1), [(ids[1], NEW)])
    leap = suspect(engine, pc, "Leap Day", date(2008, 2, 29), [(ids[2], NEW), (ids[3], NEW)])
    got = eh.search(engine, world["ana"], SINCE, now=dt.datetime(2026, 3, 2, 6))
    found = {yp["person"]["id"]: yp for yp in got["young_people"]}
    assert eighteen_that_day not in found and on_the_first not in found  # 18 on their 18th birthday
    assert [e["age_at_event"] for e in found[day_before]["events"]] == [17]  # 17 years and 364 days
    assert found[later_that_month]["events"][0]["age_at_event"] == 17  # police.uk's month: its first day
    assert found[later_that_month]["events"][0]["day_known"] is False and found[day_before]["events"][0]["day"] == "2025-06-10"
    assert [(e["event_id"], e["age_at_event"]) for e in found[leap]["events"]] == [(ids[2], 17)]  # 18 on 1 March 2026
    assert found[leap]["status"] == "repeat"  # two crimes, though only one under 18


def test_a_young_person_with_no_date_of_birth_is_age_unknown_never_guessed(engine, world):
    [e] = add_events(engine, [("Criminal damage and arson", "2025-05", None)])
    ref = suspect(engine, world["pc"], "No Birthday", None, [(e, NEW)])
    [yp] = eh.search(engine, world["ana"], SINCE, now=NOW)["young_people"]
    assert yp["person"]["id"] == ref and yp["status"] == "first_time" and yp["age_text"] == "age unknown"
    assert yp["events"][0]["age_at_event"] is None and yp["events"][0]["age_note"] == "no date of birth recorded"


def test_anti_social_behaviour_and_old_links_are_not_new_crimes_but_count_toward_repeat(engine, world):
    pc = world["pc"]
    asb, damage, theft = add_events(engine, [("Anti-social behaviour", "2025-05", None), ("Criminal damage and arson", "2025-02", None), ("Shoplifting", "2025-05", None)])
    only_asb = suspect(engine, pc, "Only ASB", date(2010, 1, 1), [(asb, NEW)])
    earlier = suspect(engine, pc, "Earlier Crime", date(2010, 1, 1), [(damage, BEFORE), (theft, NEW)])
    got = listed(eh.search(engine, world["ana"], SINCE, now=NOW))
    assert only_asb not in got and got[earlier] == ("repeat", [theft])
    just_after_midnight = dt.datetime(2025, 5, 31, 23, 30)  # UTC: 00:30 on 1 June, UK time: since the search's day
    late = suspect(engine, pc, "Just After Midnight", date(2010, 1, 1), [(damage, just_after_midnight)])
    assert listed(eh.search(engine, world["ana"], SINCE, now=NOW))[late] == ("first_time", [damage])


# -- re-running, referrals, reviews ---------------------------------------------------------------


def counts(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        n = [conn.execute(s.Base.metadata.tables[t].select()).all() for t in ("early_help_search", "early_help_finding")]
    return len(n[0]), len(n[1]), audit.count(engine, action="create", subject_type="early_help_search")


def test_running_the_same_search_again_finds_the_same_and_writes_nothing(engine, world):
    e1, e2 = add_events(engine, [("Shoplifting", "2025-05", None), ("Shoplifting", "2025-05", None)])
    ref = suspect(engine, world["pc"], "Young One", date(2011, 4, 4), [(e1, NEW)])
    first = eh.search(engine, world["ana"], SINCE, now=NOW)
    before = counts(engine)
    assert before == (1, 1, 1)
    again = eh.search(engine, world["yjs"], SINCE, now=NOW + dt.timedelta(minutes=5))
    assert again["young_people"] == first["young_people"] and again["search"] == first["search"] and counts(engine) == before
    people.link_events(engine, world["pc"], ref, "suspect", event_ids=[e2], now=NOW + dt.timedelta(minutes=10))
    third = eh.search(engine, world["ana"], SINCE, now=NOW + dt.timedelta(minutes=15))
    assert listed(third)[ref] == ("repeat", [e1, e2]) and third["search"]["new"]["links"] == 1 and counts(engine) == (2, 2, 2)


def test_a_referred_young_person_is_not_listed_again_until_a_new_crime(engine, world):
    e1, e2 = add_events(engine, [("Shoplifting", "2025-05", None), ("Shoplifting", "2025-06", None)])
    ref = suspect(engine, world["pc"], "Referred Once", date(2011, 4, 4), [(e1, NEW)])
    [yp] = eh.search(engine, world["ana"], SINCE, now=NOW)["young_people"]
    eh.review(engine, world["yjs"], yp["events"][0]["finding"], "first-time shoplifting: refer to Early Action", now=NOW)
    r = eh.refer(engine, world["pc"], ref, "early_action", meeting="twice-weekly partners meeting", meeting_on=date(2025, 6, 5), now=NOW)
    assert r["reference"].startswith("EHR-2025-") and r["route"] == "police_search" and r["to_team_name"] == "Early Action team"
    assert eh.search(engine, world["ana"], SINCE, now=NOW + dt.timedelta(hours=1))["young_people"] == []
    people.link_events(engine, world["pc"], ref, "suspect", event_ids=[e2], now=NOW + dt.timedelta(hours=2))
    assert listed(eh.search(engine, world["ana"], SINCE, now=NOW + dt.timedelta(hours=3))) == {ref: ("repeat", [e2])}


def test_each_crime_is_reviewed_once_with_what_was_decided(engine, world):
    [e] = add_events(engine, [("Shoplifting", "2025-05", None)])
    suspect(engine, world["pc"], "Reviewed", date(2011, 4, 4), [(e, NEW)])
    [yp] = eh.search(engine, world["ana"], SINCE, now=NOW)["young_people"]
    finding = yp["events"][0]["finding"]
    with pytest.raises(RecordError, match="say what the review found") as exc:
        eh.review(engine, world["yjs"], finding, "  ")
    assert exc.value.field == "note"
    eh.review(engine, world["yjs"], finding, "refer to Liaison and Diversion", now=NOW)
    with pytest.raises(Conflict, match="already reviewed by yjs"):
        eh.review(engine, world["pc"], finding, "again")
    [e0] = eh.latest(engine, world["eh"], now=NOW)["young_people"][0]["events"]
    assert (e0["reviewed_by"], e0["review_note"]) == ("yjs", "refer to Liaison and Diversion")


def test_a_front_door_referral_is_recorded_without_police_data(engine, world):
    council = world["eh"]
    ref = people.add_person(engine, council, "Front Door Child", "vulnerability", dob=date(2012, 9, 30))["id"]
    with pytest.raises(RecordError, match="unknown route") as exc:
        eh.refer(engine, council, ref, "early_action", route="hotline")
    assert exc.value.field == "route"
    with pytest.raises(RecordError, match="choose one of early_action, liaison_diversion"):
        eh.refer(engine, council, ref, "police")
    r = eh.refer(engine, council, ref, "childrens_social_care", route="front_door", issues="reported by the school to the MASH front door", now=NOW)
    assert (r["route"], r["person"]["id"], r["issues"]) == ("front_door", ref, "reported by the school to the MASH front door")
    changed = eh.update_referral(engine, council, r["reference"], version=1, actions="family support worker to visit", outcome="engaged", now=NOW)
    assert (changed["actions"], changed["outcome"], changed["version"]) == ("family support worker to visit", "engaged", 2)
    with pytest.raises(Conflict, match="changed meanwhile"):
        eh.update_referral(engine, council, r["reference"], version=1, outcome="closed")
    police_view = eh.referrals(engine, world["pc"])["referrals"][0]  # no agreement gives the police the council's person
    assert police_view["person"]["scope"] == "pseudonymised" and "issues" not in police_view and "outcome" not in police_view


# -- who may use it ---------------------------------------------------------------------------------


def test_only_police_youth_justice_and_council_early_help_users_may_use_it(engine, world):
    [e] = add_events(engine, [("Shoplifting", "2025-05", None)])
    suspect(engine, world["pc"], "Private Young Person", date(2011, 4, 4), [(e, NEW)])
    for user in ("homes", "other", "public", "admin"):
        with pytest.raises(PermissionDenied) as exc:
            eh.search(engine, world[user], SINCE, now=NOW)
        assert str(exc.value) == eh.REFUSED  # says nothing of whom it protects
        with pytest.raises(PermissionDenied):
            eh.latest(engine, world[user])
        assert services_eh.today_items(Context(engine, world[user])) == []
    assert counts(engine)[0] == 0
    reads = audit.count(engine, action="read", subject_type="person")
    seen = {u: eh.search(engine, world[u], SINCE, now=NOW)["young_people"][0] for u in ("pc", "yjs", "eh")}
    assert {u: v["person"]["scope"] for u, v in seen.items()} == {"pc": "full", "yjs": "full", "eh": "summary"}
    assert seen["eh"]["age_text"] == "14" and "dob" not in seen["eh"]["person"] and seen["yjs"]["person"]["dob"] == "2011-04-04"
    assert audit.count(engine, action="read", subject_type="person") == reads + 3  # each person shown, once per reader
    assert audit.count(engine, action="read", subject_type="person", purpose=eh.PURPOSE) == 3


def test_the_today_items_say_what_is_new_since_the_last_search(engine, world):
    ctx = Context(engine, world["yjs"], now=NOW)
    assert services_eh.today_items(ctx)[0]["count"] == 0 and "No early-help search has run yet" in services_eh.today_items(ctx)[0]["text"]
    e1, e2 = add_events(engine, [("Shoplifting", "2025-05", None), ("Shoplifting", "2025-05", None)])
    suspect(engine, world["pc"], "Young Two", date(2011, 4, 4), [(e1, NEW), (e2, NEW)])
    found = services_eh.search(ctx, SINCE)
    [item] = services_eh.today_items(ctx)
    assert item["count"] == 2 and item["href"] == "/early-help" and "2 crimes of 1 young person to review" in item["text"] and "1 repeat" in item["text"]
    services_eh.review(ctx, found["young_people"][0]["events"][0]["finding"], "seen")
    assert services_eh.today_items(ctx)[0]["count"] == 1


# -- the command line --------------------------------------------------------------------------------


def test_the_command_prints_the_young_people_as_json(engine, world, db_url):
    [e] = add_events(engine, [("Shoplifting", "2025-05", None)])
    ref = suspect(engine, world["pc"], "Cron Found", date(2011, 4, 4), [(e, NEW)])
    got = ok_json("early-help", "search", "--since", "2025-06-01", "--db", db_url, "--as", "yjs")
    [yp] = got["young_people"]
    assert set(yp) >= {"person", "status", "events"} and yp["person"]["id"] == ref and yp["status"] == "first_time"
    assert [x["event_id"] for x in yp["events"]] == [e]
    assert ok_json("early-help", "search", "--since", "2025-06-01", "--db", db_url, "--as", "yjs")["young_people"] == got["young_people"]
    assert counts(engine)[:2] == (1, 1)
    listing = ok_json("early-help", "list", "--db", db_url, "--as", "eh")
    assert [y["person"]["id"] for y in listing["young_people"]] == [ref] and listing["referrals"] == []
    finding = yp["events"][0]["finding"]
    assert ok_json("early-help", "review", str(finding), "--note", "refer", "--db", db_url, "--as", "pc")["reviewed_by"] == "pc"
    r = ok_json("early-help", "refer", ref, "--to", "liaison_diversion", "--meeting", "partners", "--db", db_url, "--as", "pc")
    assert r["to_team"] == "liaison_diversion" and r["meeting"] == "partners"
    u = ok_json("early-help", "referral", "update", r["reference"], "--outcome", "engaged", "--db", db_url, "--as", "pc")
    assert u["outcome"] == "engaged" and u["version"] == 2
    nothing_since = ok_json("early-help", "search", "--db", db_url, "--as", "yjs")  # cron with no --since: from the last search's (UK) day
    assert nothing_since["since"] == dt.datetime.now(eh.LONDON).date().isoformat() and nothing_since["young_people"] == []
    assert err_json("early-help", "search", "--since", "June", "--db", db_url, "--as", "yjs") == "--since 'June' is not a date: use YYYY-MM-DD"
    assert eh.REFUSED in err_json("early-help", "search", "--since", "2025-06-01", "--db", db_url, "--as", "homes")
    assert "--to" in err_json("early-help", "refer", ref, "--to", "police", "--db", db_url, "--as", "pc")
    with engine.connect() as conn:
        assert len(conn.execute(seh.EarlyHelpReferral.__table__.select()).all()) == 1
