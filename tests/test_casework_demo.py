"""The synthetic casework scenario `make run` lays on the real Derbyshire data: it loads through
the same services as real work, every part has something to show, partners see it as their
agreements allow, and the town-centre problem closes on a real assessment of the 2025 data."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import sara.cli  # noqa: F401  (registers every command)
from sara.access import audit
from sara.access.users import get_actor
from sara.casework import case_review, demo, overlaps, patrols, people, premises, problems, risk
from sara.casework import interventions as iv
from sara.casework.clock import LONDON
from sara.store.engine import connect
from tests.cli import sara
from tests.conftest import loaded_database

TODAY = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    url = loaded_database(tmp_path_factory.mktemp("demo"), "derbyshire-lsoa2011.geojson.zip")
    engine = connect(url)
    made = demo.load(engine, today=TODAY)
    yield engine, made, {u: get_actor(engine, u) for u, _, _ in demo.USERS}
    engine.dispose()


def test_it_loads_once_and_says_what_it_made(world):
    engine, made, _ = world
    assert made["loaded"] and len(made["problems"]) == 3 and len(made["people"]) == 8 and len(made["premises"]) == 3
    again = demo.load(engine, today=TODAY)
    assert again["loaded"] is False and "already loaded" in again["reason"] and "password" not in again
    assert audit.verify(engine)[0]


def test_every_part_has_something_to_show(world):
    engine, made, u = world
    pc = u["pc.dexter"]
    listed = {p["reference"]: p for p in problems.list_problems(engine, u["insp.bolsover"], today=TODAY)}
    assert [listed[r]["state"] for r in made["problems"]] == ["assessment", "response", "proposed"]
    overdue = listed[made["problems"][1]]["overdue_actions"]
    assert [a["description"] for a in overdue] == ["Safeguarding visit to the tenant"] and overdue[0]["organisation"] == "Bolsover Homes (synthetic)"
    assert "an area" in problems.show(engine, pc, made["problems"][2], today=TODAY)["next"]["missing"][0]
    due = iv.deadlines(engine, pc, dt.datetime(2026, 11, 2, 9, tzinfo=LONDON))
    assert {d["deadline"] for d in due} >= {"hearing", "notice_end", "warning_compliance"} and not any(d["missed"] for d in due)
    repeat = people.repeat_victims(engine, pc, today=TODAY)["rows"]
    assert "Margaret Hill (synthetic)" in [r["person"]["name"] for r in repeat]
    reviews = risk.reviews_due(engine, pc, at=TODAY)
    assert reviews[0]["overdue"] and reviews[0]["band"] == "high" and reviews[0]["person"]["name"] == "Margaret Hill (synthetic)"
    register = premises.register(engine, pc, at=TODAY)["rows"]
    assert register[0]["risk_band"] == "red" and register[0]["address"].startswith("Flat 3, 12 Castle Street")
    figures = case_review.figures(engine, pc, dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert (figures["applications_received"], figures["threshold_not_met"], figures["reviews_carried_out"], figures["reviews_with_recommendations"]) == (2, 1, 1, 1)
    table = {(r["section"], r["measure"]): r["count"] for r in iv.yearly_table(engine, dt.date(2025, 4, 1), dt.date(2026, 3, 31)).to_dicts()}
    assert table[("COMMUNITY PROTECTION NOTICES", "Number of Community Protection Notices issued")] == 1
    assert table[("CRIMINAL BEHAVIOUR ORDERS - OVER 18s", "Number of Criminal Behaviour Orders granted")] == 1
    assert table[("PUBLIC SPACES PROTECTION ORDERS", "Number of FPNs issued for failing to comply with a PSPO")] == 1
    dosage = patrols.dosage_report(engine, pc, operation=made["operation"])
    assert len(dosage["sites"]) == 3 and all(0 < s["share_15_plus"] < 1 and s["patrols"] > s["days"] for s in dosage["sites"])


def test_partners_see_it_as_their_agreements_allow(world):
    engine, made, u = world
    margaret = made["people"]["margaret"]
    assert people.show_person(engine, u["asb.officer"], margaret)["scope"] == "summary"  # the council is party to the ASB agreement
    fire = people.show_person(engine, u["fire.officer"], margaret)
    assert fire["scope"] == "pseudonymised" and fire["working_with"] == ["Bolsover District Council", "Derbyshire Constabulary"]
    assert people.show_person(engine, u["yos.worker"], made["people"]["youth_a"])["scope"] == "full"  # youth justice sharing covers suspects
    public = problems.show(engine, u["public"], made["problems"][0], today=TODAY)
    assert "victim" not in public and "offender" not in public and public["state"] == "assessment"


def test_interventions_are_listed_at_each_partners_scope(world):
    engine, made, u = world
    council = {v["id"]: v for v in iv.list_cases(engine, u["asb.officer"])}
    assert set(council) == set(made["interventions"]) and council[made["interventions"][2]]["scope"] == "summary"  # the police's CPN
    assert {v["scope"] for v in iv.list_cases(engine, u["fire.officer"])} == {"pseudonymised"}
    closures = iv.list_cases(engine, u["pc.dexter"], power="closure")
    assert [c["id"] for c in closures] == [made["interventions"][-1]] and closures[0]["breaches"][0]["response"] == "prosecution"
    r = sara("power", "show", made["interventions"][2], "--as", "pc.dexter", "--db", str(engine.url), env={"SARA_PASSWORD": made["password"]})
    assert r.exit_code == 0 and "issue_notice" in r.stdout and "breach" in r.stdout


def test_the_town_centre_problem_closes_only_on_what_its_assessment_shows(world):
    engine, made, u = world
    # another problem on the same area, with an ABC signed during the after period: the assessment warns of it
    other = problems.create(engine, u["asb.officer"], "Street drinking, Market Place (synthetic)", area=demo.TOWN_CENTRE, now=dt.datetime(2025, 5, 1))
    abc = iv.issue(engine, u["asb.officer"], "abc", dt.datetime(2025, 6, 2, 10, tzinfo=LONDON), subject_ref="Drinker F (synthetic)", subject_dob=dt.date(1980, 1, 1),
                   by_rank="local_authority", problem_ref=other["reference"])  # fmt: skip
    others = overlaps.in_area(engine, demo.TOWN_CENTRE, exclude_problem=made["problems"][0])
    assert others[0] == (f"abc {abc['reference']} ({other['reference']})", dt.date(2025, 6, 2), None)
    assert others[1][0].startswith("closure ") and others[1][1] == TODAY - dt.timedelta(days=1)  # the cuckooed flat's notice, in 2026
    # the real 2025 counts did not fall against comparable areas: "reduced" is refused
    with pytest.raises(problems.GuardError, match="the assessment found 'no change', not 'reduced'"):
        problems.move(engine, u["pc.dexter"], made["problems"][0], "closed", outcome="reduced", assessment_plan="op-dexter-demo", today=TODAY)
    closed = problems.move(engine, u["pc.dexter"], made["problems"][0], "closed", outcome="handled_better", assessment_plan="op-dexter-demo", today=TODAY)
    assert closed["state"] == "closed" and closed["assessment"]["plan_name"] == "op-dexter-demo" and closed["assessment"]["outcome"] == "no change"
    assert closed["assessment"]["target"]["before"] == 37 and closed["assessment"]["verdict"].startswith("Anti-social behaviour")
    overlap = [w for w in closed["assessment"]["warnings"] if w.startswith("Other interventions on this area")]
    assert len(overlap) == 1 and abc["reference"] in overlap[0] and "Op Dexter" not in overlap[0]  # its own operation is not "other"


def test_the_command(tmp_path_factory):
    url = loaded_database(tmp_path_factory.mktemp("demo-cli"), "derbyshire-lsoa2011.geojson.zip")
    r = sara("demo", "casework", "--today", "2026-11-02", "--db", url, env={"SARA_DEMO_PASSWORD": None})
    generated = re.search(r"with the password '([^']+)'", r.stdout).group(1)
    assert r.exit_code == 0 and "synthetic casework loaded" in r.stdout and len(generated) >= 10
    assert sara("problem", "list", "--as", "pc.dexter", "--db", url, env={"SARA_PASSWORD": generated}).exit_code == 0
    again = sara("demo", "casework", "--db", url, env={"SARA_DEMO_PASSWORD": None})
    assert again.exit_code == 0 and "already loaded" in again.stdout and generated not in again.stdout
    chosen = sara("demo", "casework", "--db", url, env={"SARA_DEMO_PASSWORD": "chosen by the operator"})
    assert "password is set" in chosen.stdout and sara("problem", "list", "--as", "pc.dexter", "--db", url, env={"SARA_PASSWORD": "chosen by the operator"}).exit_code == 0
    short = sara("demo", "casework", "--db", url, env={"SARA_DEMO_PASSWORD": "short"})
    assert short.exit_code == 1 and "at least 10" in short.stderr
