"""People and premises: recording them once (duplicates refused), what each partner sees of
them under its sharing agreements, audit, repeat victims, risk questionnaires with their
reviews, the premises risk register, complaints and the ASB Case Review. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import json
from datetime import date

import pytest

import sara.cli  # noqa: F401  (registers every command)
from sara.access import audit
from sara.access.agreements import add_agreement
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import case_review as cr
from sara.casework import instruments, people, premises, risk
from sara.casework import interventions as iv
from sara.casework.clock import LONDON
from sara.casework.records import Duplicate, RecordError
from sara.report.export import write_csv
from sara.store import schema as s
from tests.cli import err_json, ok_json, sara

PW = "a long enough password"
ANSWERS_NO = {q["key"]: (0 if "scale" in q else False) for q in risk.questionnaire(on=date(2025, 1, 1))["questions"]}


def add_events(engine, rows) -> list[int]:
    """Insert events (category, month 'YYYY-MM', occurred_from or None, drugs) and return their ids."""
    now = dt.datetime(2025, 1, 1)
    with engine.begin() as conn:
        lid = conn.execute(s.Load.__table__.insert().values(kind="events", path="x", name="x", sha256="0" * 64, loaded_at=now, rows_read=len(rows),
                                                            inserted=len(rows), updated=0, unchanged=0, quarantined=0).returning(s.Load.id)).scalar_one()  # fmt: skip
        src = conn.execute(s.Source.__table__.insert().values(name=f"partner-{lid}", kind="mapped", crs="EPSG:27700").returning(s.Source.id)).scalar_one()
        ids = []
        for i, (cat, month, at, drugs) in enumerate(rows):
            ids.append(conn.execute(s.Event.__table__.insert().values(
                source_id=src, key_hi=lid, key_lo=i, month=date.fromisoformat(month + "-01"), occurred_from=at, category=cat, drugs=drugs,
                load_id=lid).returning(s.Event.id)).scalar_one())  # fmt: skip
    return ids


@pytest.fixture
def world(engine):
    """Derbyshire Police records people; Bolsover DC sees victims in summary under an
    agreement; Safe Haven, a charity, has no agreement."""
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council"), ("Safe Haven", "charity")):
        add_organisation(engine, name, kind)
    for user, org, role in (("pc", "Derbyshire Police", "problem_owner"), ("ana", "Derbyshire Police", "analyst"), ("asb", "Bolsover DC", "problem_owner"),
                            ("haven", "Safe Haven", "partner_practitioner"), ("public", "Bolsover DC", "public_viewer")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    add_agreement(engine, "Bolsover ASB ISA", ["Derbyshire Police", "Bolsover DC"], "tackling ASB in Bolsover", "summary", ["victim", "premises"],
                  dt.datetime(2020, 1, 1))  # fmt: skip
    return {u: get_actor(engine, u) for u in ("pc", "ana", "asb", "haven", "public")}


def test_a_person_is_recorded_once(engine, world):
    pc = world["pc"]
    p = people.add_person(engine, pc, "Jane  Smith", "victim", dob=date(1950, 3, 1), source_ref="NICHE-1", ward="Bolsover West", flags=["isolated"])
    assert p["id"].startswith("PER-") and p["scope"] == "full" and p["name"] == "Jane Smith" and p["age_band"] == "65 and over"
    with pytest.raises(RecordError, match=f"already recorded as {p['id']}"):
        people.add_person(engine, pc, "jane smith", "victim", dob=date(1950, 3, 1))
    with pytest.raises(RecordError, match=f"give the date of birth of both.*{p['id']}"):
        people.add_person(engine, pc, "Jane Smith", "witness")
    with pytest.raises(RecordError, match=f"{p['id']} already has your reference 'NICHE-1'"):
        people.add_person(engine, pc, "J Smith", "victim", source_ref="NICHE-1")
    with pytest.raises(RecordError, match="in the future"):
        people.add_person(engine, pc, "Baby Smith", "victim", dob=date.today() + dt.timedelta(days=1))
    with pytest.raises(RecordError, match="choose one of victim, suspect, witness, vulnerability"):
        people.add_person(engine, pc, "A B", "complainant")
    # the same name and a different date of birth is a different person; another organisation keeps its own record
    people.add_person(engine, pc, "Jane Smith", "victim", dob=date(1990, 7, 7))
    people.add_person(engine, world["asb"], "Jane Smith", "victim", dob=date(1950, 3, 1))
    with pytest.raises(PermissionDenied, match="analyst may not write person"):
        people.add_person(engine, world["ana"], "C D", "victim")


def test_each_partner_sees_its_agreed_scope_and_each_read_is_audited(engine, world):
    ref = people.add_person(engine, world["pc"], "Jane Smith", "victim", dob=date(1950, 3, 1), address="1 Oxcroft Lane", ward="Bolsover West")["id"]
    reads = audit.count(engine, action="read", subject_type="person")
    council = people.show_person(engine, world["asb"], ref, purpose="ASB panel")
    assert council["scope"] == "summary" and council["name"] == "Jane Smith" and "address" not in council and "dob" not in council
    assert audit.count(engine, action="read", subject_type="person") == reads + 1
    charity = people.show_person(engine, world["haven"], ref)
    assert set(charity) == {"pseudonym", "record_type", "scope", "working_with"} and charity["working_with"] == ["Derbyshire Police"]
    assert audit.count(engine, action="read", subject_type="person") == reads + 1  # a pseudonym is not personal data
    # the charity says it works with her: now every partner knows whom to ask
    people.work_with(engine, world["haven"], ref, "befriending")
    assert people.show_person(engine, world["pc"], ref)["working_with"] == ["Derbyshire Police", "Safe Haven"]
    with pytest.raises(PermissionDenied):
        people.show_person(engine, world["public"], ref)
    # a suspect is outside the council's agreement (victims only): pseudonymised
    sus = people.add_person(engine, world["pc"], "Kyle Jones", "suspect", dob=date(2008, 5, 5))["id"]
    assert people.show_person(engine, world["asb"], sus)["scope"] == "pseudonymised"


def test_lists_search_exports_and_errors_leak_nothing_hidden(engine, world, tmp_path):
    people.add_person(engine, world["pc"], "Jane Smith", "victim", dob=date(1950, 3, 1), address="1 Oxcroft Lane")
    people.add_person(engine, world["pc"], "Kyle Jones", "suspect", dob=date(2008, 5, 5), address="9 Castle Street")
    assert len(people.list_people(engine, world["haven"])) == 2
    assert all(set(v) == {"pseudonym", "record_type", "scope", "working_with"} for v in people.list_people(engine, world["haven"]))
    # names and addresses the charity cannot see neither match nor count
    assert people.search_people(engine, world["haven"], "Smith") == []
    assert people.search_people(engine, world["haven"], "Oxcroft") == []
    assert [v["name"] for v in people.search_people(engine, world["asb"], "smith")] == ["Jane Smith"]
    assert people.search_people(engine, world["asb"], "Oxcroft") == []  # the address is beyond the council's summary scope
    assert people.search_people(engine, world["asb"], "Kyle") == []  # suspects are outside its agreement
    with pytest.raises(PermissionDenied) as refused:
        people.export_people(engine, world["haven"], purpose="curiosity")
    assert "Smith" not in str(refused.value) and "Jones" not in str(refused.value)
    exports = audit.count(engine, action="export", subject_type="person")
    got = people.export_people(engine, world["asb"], purpose="ASB panel")  # rows for a face to write: the service writes no file
    assert write_csv(tmp_path / "people.csv", got["columns"], got["rows"]) == 2
    rows = list(csv.DictReader((tmp_path / "people.csv").open()))
    assert audit.count(engine, action="export", subject_type="person") == exports + 1  # the pseudonymised row is not personal data
    assert "Oxcroft" not in (tmp_path / "people.csv").read_text() and "Jones" not in (tmp_path / "people.csv").read_text()
    assert sorted(r["scope"] for r in rows) == ["pseudonymised", "summary"]


def test_repeat_victims_by_a_configurable_rule(engine, world):
    pc = world["pc"]
    t = lambda *a: dt.datetime(*a)  # noqa: E731
    ids = add_events(engine, [("Anti-social behaviour", "2025-01", t(2025, 1, 5, 18), False), ("Anti-social behaviour", "2025-06", t(2025, 6, 1, 19), False),
                              ("Criminal damage and arson", "2025-12", t(2025, 12, 30, 20), False),  # within 365 days of 5 January? no: 359 days after
                              ("Anti-social behaviour", "2024-01", t(2024, 1, 2, 10), False), ("Anti-social behaviour", "2025-03", t(2025, 3, 1, 10), False),
                              ("Anti-social behaviour", "2025-09", t(2025, 9, 1, 10), False)])  # fmt: skip
    jane = people.add_person(engine, pc, "Jane Smith", "victim", dob=date(1950, 3, 1))["id"]
    bill = people.add_person(engine, pc, "Bill Brown", "victim", dob=date(1960, 1, 1))["id"]
    assert people.link_events(engine, pc, jane, "victim", event_ids=ids[:3]) == {"person": jane, "role": "victim", "linked": 3, "already_linked": 0}
    assert people.link_events(engine, pc, jane, "victim", event_ids=ids[:1])["already_linked"] == 1
    people.link_events(engine, pc, bill, "victim", event_ids=ids[3:])
    with pytest.raises(RecordError, match="no event with id 999999"):
        people.link_events(engine, pc, bill, "victim", event_ids=[999999])
    found = people.repeat_victims(engine, pc)
    # Jane's three fall within 359 days; Bill's first is 20 months before his third
    assert [r["person"]["id"] for r in found["rows"]] == [jane] and found["rows"][0]["max_in_window"] == 3
    assert "365 days" in found["rule"]
    loose = people.repeat_victims(engine, pc, threshold=2, window_days=200)
    assert {r["person"]["id"]: r["max_in_window"] for r in loose["rows"]} == {jane: 2, bill: 2}
    # a partner without an agreement sees that repeat victims exist and who works with them, nothing more
    rows = people.repeat_victims(engine, world["haven"])["rows"]
    assert set(rows[0]) == {"person", "events", "max_in_window"} and rows[0]["person"]["scope"] == "pseudonymised"


def test_linking_a_partner_export_by_its_own_references(engine, world):
    ids = add_events(engine, [("ASB Personal", "2025-02", None, False), ("ASB Personal", "2025-03", None, False)])
    with engine.begin() as conn:
        conn.execute(s.Event.__table__.update().where(s.Event.id.in_(ids)).values(victim_ref="CRM-77"))
    ref = people.add_person(engine, world["pc"], "Jane Smith", "victim", dob=date(1950, 3, 1), source_ref="CRM-77")["id"]
    assert people.link_events(engine, world["pc"], ref, "victim", by_source_ref=True)["linked"] == 2
    assert people.show_person(engine, world["pc"], ref)["events_by_role"] == {"victim": 2}


def test_an_offender_link_is_suspect_data_matched_by_the_suspect_reference(engine, world):
    ids = add_events(engine, [("Burglary", "2025-02", None, False), ("Burglary", "2025-03", None, False), ("Shoplifting", "2025-03", None, False)])
    with engine.begin() as conn:
        conn.execute(s.Event.__table__.update().where(s.Event.id.in_(ids[:2])).values(suspect_ref="NICHE-9"))
        conn.execute(s.Event.__table__.update().where(s.Event.id == ids[2]).values(victim_ref="NICHE-9"))
    ref = people.add_person(engine, world["pc"], "Lee Dunn", "suspect", dob=date(1990, 5, 1), source_ref="NICHE-9")["id"]
    assert people.link_events(engine, world["pc"], ref, "offender", by_source_ref=True) == {"person": ref, "role": "offender", "linked": 2, "already_linked": 0}
    assert people.link_events(engine, world["pc"], ref, "suspect", event_ids=[ids[0]])["linked"] == 1  # a suspect, then charged: both links kept
    assert people.show_person(engine, world["pc"], ref)["events_by_role"] == {"offender": 2, "suspect": 1}
    assert people.ROLE_CATEGORY["offender"] == people.ROLE_CATEGORY["suspect"] == "suspect"
    entry = [e for e in audit.entries_for(engine, world["pc"].organisation_id) if e["subject_id"] == ref and e["action"] == "change"][0]
    detail = json.loads(entry["detail"]) if isinstance(entry["detail"], str) else entry["detail"]
    assert detail["role"] == "offender" and detail["category"] == "suspect"
    with pytest.raises(RecordError, match="choose one of victim, suspect, offender, witness, vulnerable"):
        people.link_events(engine, world["pc"], ref, "perpetrator", event_ids=[ids[0]])
    with pytest.raises(PermissionDenied):
        people.link_events(engine, world["asb"], ref, "offender", event_ids=[ids[0]])


def test_a_risk_questionnaire_sets_the_band_and_the_reviews(engine, world):
    ref = people.add_person(engine, world["pc"], "Jane Smith", "victim", dob=date(1950, 3, 1))["id"]
    answers = ANSWERS_NO | {"happened_before": True, "health_affected": True, "afraid_at_home": True, "isolated": True, "disability": True, "impact": 9}
    r = risk.assess(engine, world["pc"], ref, answers, on=date(2025, 11, 3))
    assert r["score"] == 3 + 3 + 3 + 2 + 2 + 9 and r["band"] == "high" and r["version"] == "2012-example" and not r["verified"]
    assert r["reviews"] == [{"by": "sergeant", "due": "2025-11-17"}, {"by": "inspector", "due": "2025-12-01"}, {"by": "chief_inspector", "due": "2025-12-29"}]
    with pytest.raises(instruments.InstrumentError, match="unanswered question.*impact"):
        risk.assess(engine, world["pc"], ref, {k: v for k, v in answers.items() if k != "impact"})
    with pytest.raises(instruments.InstrumentError, match="0 to 10"):
        risk.assess(engine, world["pc"], ref, answers | {"impact": 11})
    with pytest.raises(PermissionDenied):
        risk.assess(engine, world["asb"], ref, answers)  # only the owner assesses
    due = risk.reviews_due(engine, world["pc"], at=date(2025, 11, 20), within_days=14)
    assert [(d["reviewer"], d["due"], d["overdue"]) for d in due] == [("sergeant", "2025-11-17", True), ("inspector", "2025-12-01", False)]
    assert due[0]["person"]["name"] == "Jane Smith" and due[0]["band"] == "high"
    # a re-assessment is the review: medium now, so only the 28- and 56-day reviews
    medium = risk.assess(engine, world["pc"], ref, ANSWERS_NO | {"happened_before": True, "afraid_at_home": True, "impact": 6}, on=date(2025, 11, 20))
    assert medium["band"] == "medium" and [x["due"] for x in medium["reviews"]] == ["2025-12-18", "2026-01-15"]
    assert risk.reviews_due(engine, world["pc"], at=date(2025, 11, 20), within_days=14) == []


def test_a_new_questionnaire_version_leaves_old_assessments_alone(engine, world, tmp_path):
    path = tmp_path / "q.toml"
    path.write_text('''schema = 1
[[instrument]]
key = "asb_victim"
version = "v1"
effective_from = 2020-01-01
verified = false
source = "test"
bands = [{ band = "high", min_score = 2 }, { band = "low", min_score = 0 }]
reviews = [{ band = "high", by = "sergeant", every_days = 14 }]
questions = [{ key = "a", text = "A?", weight = 1 }, { key = "b", text = "B?", weight = 1 }]

[[instrument]]
key = "asb_victim"
version = "v2"
effective_from = 2025-06-01
verified = false
source = "test"
bands = [{ band = "high", min_score = 1 }, { band = "low", min_score = 0 }]
reviews = [{ band = "high", by = "sergeant", every_days = 7 }]
questions = [{ key = "a", text = "A?", weight = 1 }]
''')
    ref = people.add_person(engine, world["pc"], "Jane Smith", "victim", dob=date(1950, 3, 1))["id"]
    old = risk.assess(engine, world["pc"], ref, {"a": True, "b": False}, on=date(2025, 5, 31), path=path)
    assert (old["version"], old["band"], old["reviews"]) == ("v1", "low", [])
    new = risk.assess(engine, world["pc"], ref, {"a": True}, on=date(2025, 6, 1), path=path)
    assert (new["version"], new["band"], new["reviews"]) == ("v2", "high", [{"by": "sergeant", "due": "2025-06-08"}])
    with pytest.raises(instruments.InstrumentError, match="unknown question.*b"):
        risk.assess(engine, world["pc"], ref, {"a": True, "b": True}, on=date(2025, 6, 2), path=path)


def test_premises_are_recorded_once_and_rated_with_reasons(engine, world):
    pc = world["pc"]
    p = premises.add_premises(engine, pc, "14 Castle Street, Bolsover", postcode="s44 6pp", uprn="100030071234", source_ref="ADDR-14")
    ref = p["id"]
    assert p["risk_band"] == "green" and p["risk"]["reasons"] == []
    with pytest.raises(RecordError, match=f"already recorded as {ref}"):
        premises.add_premises(engine, pc, "14 castle street,  Bolsover", postcode="S44 6PP")
    with pytest.raises(RecordError, match=f"already recorded as {ref}"):
        premises.add_premises(engine, pc, "Flat A, 14 Castle Street", uprn="100030071234")
    with pytest.raises(RecordError, match="not a UPRN"):
        premises.add_premises(engine, pc, "2 High Street", uprn="12-34")
    # five calls and crimes in the 90 days to 31 December, two drug-related, and one older
    ids = add_events(engine, [("Anti-social behaviour", "2025-10", None, False), ("Drugs", "2025-11", None, True), ("Public order", "2025-12", None, False),
                              ("Anti-social behaviour", "2025-12", None, True), ("Burglary", "2025-12", None, False), ("Drugs", "2025-06", None, True)])  # fmt: skip
    premises.link_events(engine, pc, ref, event_ids=ids)
    # a closure notice on the premises, breached once
    at = dt.datetime(2025, 12, 1, 20, tzinfo=LONDON)
    case = iv.issue(engine, pc, "closure", at, subject_ref=ref, subject_kind="premises", by_rank="inspector", due=at + dt.timedelta(hours=24),
                    facts=["occupiers_informed"])  # fmt: skip
    iv.breach(engine, pc, case["reference"], at + dt.timedelta(hours=3), "prosecution")
    premises.update_premises(engine, pc, ref, cuckooing_concern=True)
    rated = premises.show_premises(engine, pc, ref, at=date(2025, 12, 31))
    facts = {r["factor"]: r["value"] for r in rated["risk"]["reasons"]}
    assert facts == {"breaches": 1, "calls_crimes": 5, "drug_events": 2, "cuckooing_concern": True}
    assert rated["risk"]["score"] == 1 * 4 + 5 * 1 + 2 * 2 + 6 and rated["risk_band"] == "red"
    assert "score 19 reaches 12: red" == rated["risk"]["why"]
    assert "breaches of an intervention on the premises (closure notice or order, CPN): 1 in 365 days x 4 = 4" in [r["text"] for r in rated["risk"]["reasons"]]
    # a year on, the events and the breach have aged out of their windows
    assert premises.show_premises(engine, pc, ref, at=date(2026, 12, 31))["risk"]["score"] == 6
    # the council sees the band, not the reasons; the charity sees a pseudonym
    reg = premises.register(engine, world["asb"], at=date(2025, 12, 31))
    assert reg["rows"][0]["risk_band"] == "red" and "risk" not in reg["rows"][0] and reg["register_version"] == "2026-1"
    assert set(premises.register(engine, world["haven"], at=date(2025, 12, 31))["rows"][0]) == {"pseudonym", "record_type", "scope", "working_with"}


def test_an_intervention_on_a_recorded_person_takes_their_date_of_birth(engine, world):
    pc = world["pc"]
    youth = people.add_person(engine, pc, "Youth A", "suspect", dob=date(2012, 3, 10))["id"]
    at = dt.datetime(2026, 4, 1, 16, tzinfo=LONDON)
    with pytest.raises(iv.Refused, match="under the minimum age of 16"):  # a CPW: 14 on the day, from the record
        iv.issue(engine, pc, "cpw", at, subject_ref=youth, by_rank="constable", due=at + dt.timedelta(days=14))
    with pytest.raises(ValueError, match="differs from .*'s record"):
        iv.issue(engine, pc, "cpw", at, subject_ref=youth, subject_dob=date(2000, 1, 1), by_rank="constable", due=at + dt.timedelta(days=14))
    with pytest.raises(ValueError, match="no problem 'PRB-2026-0404'"):
        iv.issue(engine, pc, "abc", at, subject_ref=youth, by_rank="constable", problem_ref="PRB-2026-0404")
    with pytest.raises(ValueError, match="no premises 'PRM-2026-9999'"):
        iv.issue(engine, pc, "closure", at, subject_ref="PRM-2026-9999", subject_kind="premises", by_rank="inspector", due=at + dt.timedelta(hours=24),
                 facts=["occupiers_informed"])  # fmt: skip


def test_a_stale_premises_edit_is_refused_and_nothing_is_lost(engine, world):
    ref = premises.add_premises(engine, world["pc"], "3 Market Place", postcode="S44 6PH")["id"]
    premises.update_premises(engine, world["pc"], ref, expect_version=1, vulnerable_occupant=True)
    with pytest.raises(RecordError, match="changed by someone else since you read it"):
        premises.update_premises(engine, world["pc"], ref, expect_version=1, cuckooing_concern=True)
    now = premises.show_premises(engine, world["pc"], ref)
    assert now["vulnerable_occupant"] and not now["cuckooing_concern"] and now["version"] == 2


def test_qualifying_complaints_follow_the_act():
    c = lambda i, b, m, inc=None, hate=False: {"id": i, "behaviour_on": date.fromisoformat(b), "complained_on": date.fromisoformat(m),  # noqa: E731
                                               "incident_ref": inc, "hate": hate}  # fmt: skip
    q = cr.qualifying([
        c(1, "2025-01-10", "2025-01-12", "INC-1"),
        c(2, "2025-01-10", "2025-01-13", "INC-1"),  # the same incident told to the council: counted once
        c(3, "2025-02-01", "2025-02-28"),  # the last day of the month beginning with 1 February
        c(4, "2025-02-01", "2025-03-01"),  # one day too late
        c(5, "2025-01-10", "2025-01-11"),  # six months beginning with 11 January end on 10 July
        c(6, "2025-06-01", "2025-06-30", hate=True),
        c(7, "2025-07-10", "2025-07-20"),  # after the application
    ], date(2025, 7, 11), hate_counts_as_threshold=True)  # fmt: skip
    assert q["counted"] == [1, 3, 6] and q["hate_incident"]
    assert {x["id"]: x["reason"] for x in q["left_out"]} == {
        2: "the same incident as complaint 1 (counted once)", 4: "not made within one month of the behaviour",
        5: "made more than six months before the application", 7: "made after the application",
    }  # fmt: skip
    assert cr.last_day(date(2025, 1, 12), 6) == date(2025, 7, 11) and cr.last_day(date(2024, 3, 1), 1) == date(2024, 3, 31)
    assert cr.last_day(date(2024, 2, 1), 1) == date(2024, 2, 29)  # a leap year


def test_an_asb_case_review_from_complaints_to_the_published_figures(engine, world):
    pc, asb = world["pc"], world["asb"]
    jane = people.add_person(engine, pc, "Jane Smith", "victim", dob=date(1950, 3, 1))["id"]
    for b, m, inc in (("2025-05-01", "2025-05-02", "INC-1"), ("2025-05-20", "2025-05-21", "INC-2")):
        cr.record_complaint(engine, pc, jane, behaviour_on=date.fromisoformat(b), complained_on=date.fromisoformat(m), incident_ref=inc)
    with pytest.raises(RecordError, match="not working with"):
        cr.record_complaint(engine, asb, jane, behaviour_on=date(2025, 6, 1), complained_on=date(2025, 6, 2), incident_ref="INC-1")
    people.work_with(engine, asb, jane, "ASB officer")
    cr.record_complaint(engine, asb, jane, behaviour_on=date(2025, 5, 20), complained_on=date(2025, 5, 22), incident_ref="INC-2")  # told twice
    assert cr.count(engine, asb, jane, on=date(2025, 7, 1))["qualifying"] == 2
    with pytest.raises(RecordError, match="at most 3"):
        cr.apply(engine, asb, jane, received_on=date(2025, 7, 1), threshold=4)
    with pytest.raises(RecordError, match="needs their consent"):
        cr.apply(engine, asb, jane, received_on=date(2025, 7, 1), on_behalf=True)
    with pytest.raises(RecordError, match="not a relevant body"):
        cr.apply(engine, world["haven"], jane, received_on=date(2025, 7, 1))
    below = cr.apply(engine, asb, jane, received_on=date(2025, 7, 1))
    assert (below["qualifying"], below["threshold_met"], below["state"]) == (2, False, "threshold_not_met")
    with pytest.raises(RecordError, match="threshold to be met first"):
        cr.hold_review(engine, asb, below["reference"], held_on=date(2025, 7, 20), recommendations=1)
    # the same complaints again, at either relevant body, are the same application
    for body in (asb, pc):
        with pytest.raises(Duplicate, match=f"no qualifying complaint since {below['reference']} .received 2025-07-01, threshold not met."):
            cr.apply(engine, body, jane, received_on=date(2025, 7, 3))
    cr.record_complaint(engine, pc, jane, behaviour_on=date(2025, 7, 3), complained_on=date(2025, 7, 4), incident_ref="INC-3")
    met = cr.apply(engine, asb, jane, received_on=date(2025, 7, 10))  # a new qualifying complaint: a new application
    assert met["threshold_met"] and met["basis"]["counted"] and met["person"]["scope"] == "summary"
    # while it awaits its review, a second application is refused, even with a newer complaint
    cr.record_complaint(engine, pc, jane, behaviour_on=date(2025, 7, 12), complained_on=date(2025, 7, 12), incident_ref="INC-4")
    with pytest.raises(Duplicate, match=f"{met['reference']} .received 2025-07-10., met the threshold and awaits its review"):
        cr.apply(engine, pc, jane, received_on=date(2025, 7, 14))
    held = cr.hold_review(engine, asb, met["reference"], held_on=date(2025, 7, 28), recommendations=3)
    assert held["state"] == "review_held"
    nothing_refused_was_stored = cr.figures(engine, world["ana"], date(2025, 4, 1), date(2026, 3, 31))["applications_received"]
    assert nothing_refused_was_stored == 2
    assert cr.figures(engine, world["ana"], date(2025, 4, 1), date(2026, 3, 31)) == {
        "from": "2025-04-01", "to": "2026-03-31", "organisation": "all", "applications_received": 2, "threshold_not_met": 1,
        "reviews_carried_out": 1, "reviews_with_recommendations": 1,
    }  # fmt: skip
    assert cr.figures(engine, pc, date(2025, 4, 1), date(2026, 3, 31), organisation="Derbyshire Police")["applications_received"] == 0


def test_the_commands(engine, db_url, tmp_path):
    db = ["--db", db_url]
    add_organisation(engine, "Derbyshire Police", "police")
    add_user(engine, "pc", "Derbyshire Police", "problem_owner", PW)
    me = ["--as", "pc", *db]
    jane = ok_json("person", "add", "Jane Smith", "--category", "victim", "--dob", "1950-03-01", "--flag", "isolated", *me)["id"]
    assert "already recorded as" in err_json("person", "add", "Jane Smith", "--category", "victim", "--dob", "1950-03-01", *me)
    assert "not a date" in err_json("person", "add", "X", "--category", "victim", "--dob", "1 March", *me)
    assert ok_json("person", "list", *me)["count"] == 1
    assert ok_json("person", "search", "jane", *me)["people"][0]["id"] == jane
    answers = [a for k in ANSWERS_NO for a in ("--answer", f"{k}={'yes' if k == 'afraid_at_home' else '2' if k == 'impact' else 'no'}")]
    r = ok_json("person", "assess", jane, *answers, "--on", "2025-11-03", *me)
    assert r["band"] == "low" and r["score"] == 5 and r["reviews"] == []
    assert "KEY=VALUE" in err_json("person", "assess", jane, "--answer", "impact", *me)
    assert ok_json("person", "questions")["key"] == "asb_victim"
    prm = ok_json("premises", "add", "14 Castle Street", "--postcode", "S44 6PP", "--cuckooing", *me)["id"]
    reg = ok_json("premises", "register", "--on", "2025-12-31", *me)
    assert reg["rows"][0]["id"] == prm and reg["rows"][0]["risk_band"] == "amber"
    ok_json("complaint", "add", jane, "--behaviour-on", "2025-05-01", "--complained-on", "2025-05-02", *me)
    assert ok_json("case-review", "count", jane, "--on", "2025-06-01", *me)["qualifying"] == 1
    assert "not a relevant body" not in err_json("case-review", "apply", jane, "--received-on", "2025-06-01", "--threshold", "5", *me)
    acr = ok_json("case-review", "apply", jane, "--received-on", "2025-06-01", "--threshold", "1", *me)
    assert acr["threshold_met"]
    assert "awaits its review" in err_json("case-review", "apply", jane, "--received-on", "2025-06-02", "--threshold", "1", *me)
    ok_json("case-review", "review", acr["reference"], "--held-on", "2025-06-20", "--recommendations", "2", *me)
    assert ok_json("case-review", "figures", "--from", "2025-04-01", "--to", "2026-03-31", *me)["reviews_with_recommendations"] == 1
    out = tmp_path / "people.csv"
    assert ok_json("person", "export", "--csv", str(out), "--purpose", "test", *me)["rows"] == 1 and "Jane Smith" in out.read_text()
    assert err_json("person", "add", "Y", "--category", "bystander", *me).startswith("--category: unknown category 'bystander': choose one of victim")
    ids = add_events(engine, [("Burglary", "2025-02", None, False)])
    assert ok_json("person", "link", jane, "--role", "offender", "--event", str(ids[0]), *me) == {"person": jane, "role": "offender", "linked": 1, "already_linked": 0}
    assert "choose one of victim, suspect, offender" in err_json("person", "link", jane, "--role", "culprit", "--event", str(ids[0]), *me)
    human = sara("premises", "register", "--on", "2025-12-31", *me)
    assert human.exit_code == 0 and "amber" in human.stdout
    assert "no premises to map" in err_json("premises", "register", "--png", str(tmp_path / "none.png"), *me)
    ok_json("premises", "add", "3 Market Place", "--lon", "-1.2922", "--lat", "53.2294", *me)
    ok_json("premises", "register", "--png", str(tmp_path / "register.png"), *me)
    assert (tmp_path / "register.png").read_bytes()[:4] == b"\x89PNG"
