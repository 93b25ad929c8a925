"""Surveys: the Wilson interval against statsmodels and the mean's against scipy; versioned
questionnaires (the bundled example, a partnership's own, a version fixed once answered);
responses placed in their LSOA, ward and district (a point not kept), answers off their scale
refused saying what the scale takes, no name without consent; the contacts read only by the
recording organisation, each read audited; a CSV import accounting for every row; results by
area and period against an independent count; and a partnership plan indicator of kind
survey whose value per quarter is the survey's share. SQLite and PostgreSQL where ``engine``
is used; the CLI's ``--json`` on both."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import plans as cp
from sara.casework import surveys as cs
from sara.errors import Conflict, Invalid, NotFound
from sara.intake.areas import load_areas
from sara.services import Context
from sara.services import plans as splans
from sara.services import surveys as service
from sara.store.schema import access as sa_
from sara.store.schema import surveys as ss
from tests.cli import err_json, ok_json

PW = "a long enough password"
NOW = dt.datetime(2026, 3, 2, 10)
# A district of two wards; the west ward holds two LSOAs (lon/lat near Bolsover).
SQUARES = {
    "district": [("E07000033", "Bolsover", (-1.40, 53.20, -1.20, 53.30))],
    "ward": [("W-WEST", "West ward", (-1.40, 53.20, -1.30, 53.30)), ("W-EAST", "East ward", (-1.30, 53.20, -1.20, 53.30))],
    "lsoa": [("L-SOUTH", "West 001A", (-1.40, 53.20, -1.30, 53.25)), ("L-NORTH", "West 001B", (-1.40, 53.25, -1.30, 53.30))],
}
FIELDS = {"district": ("lad21cd", "lad21nm"), "ward": ("wd21cd", "wd21nm"), "lsoa": ("lsoa21cd", "lsoa21nm")}
OWN = """schema = 1
[scales.agree3]
kind = "choice"
options = ["Agree", "Neither", "Disagree", "Don't know"]
positive = ["Agree"]
excluded = ["Don't know"]
reported = "agree"

[[questionnaire]]
key = "street"
version = "1"
name = "Street survey (test)"
effective_from = 2025-01-01
questions = [
    { key = "safe", text = "I feel safe in this street.", scale = "agree3" },
    { key = "score", text = "Rate the street", scale = { kind = "number", min = 0, max = 5, reported = "mean" } },
]
"""


def _square(code, name, box, kind):
    x0, y0, x1, y1 = box
    code_f, name_f = FIELDS[kind]
    return {
        "type": "Feature",
        "properties": {code_f: code, name_f: name},
        "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]},
    }


@pytest.fixture
def world(engine, tmp_path):
    for kind, squares in SQUARES.items():
        path = tmp_path / f"{kind}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [_square(*s, kind) for s in squares]}))
        load_areas(engine, [str(path)], kind)
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council")):
        add_organisation(engine, name, kind)
    for user, org, role in (("pc", "Derbyshire Police", "problem_owner"), ("ana", "Derbyshire Police", "analyst"), ("insp", "Derbyshire Police", "lead"),
                            ("admin", "Derbyshire Police", "administrator"), ("asb", "Bolsover DC", "problem_owner"), ("lead2", "Bolsover DC", "lead"),
                            ("public", "Bolsover DC", "public_viewer")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    return {n: get_actor(engine, n) for n in ("pc", "ana", "insp", "admin", "asb", "lead2", "public")}


# --------------------------------------------------------------------------- the figures
@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 12), (3, 12), (12, 12), (7, 29), (51, 100), (412, 640), (1, 1000)])
def test_the_wilson_interval_is_statsmodels(k, n):
    got = cs.proportion(k, n)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert got["share"] == k / n
    assert got["low"] == pytest.approx(low, abs=1e-12) and got["high"] == pytest.approx(high, abs=1e-12)
    assert got["margin"] == pytest.approx(max(k / n - low, high - k / n))
    assert cs.proportion(0, 0)["share"] is None


def test_the_mean_rating_interval_is_scipy_t():
    x = [7, 8, 5, 9, 6, 7, 10, 4, 6, 8]
    got = cs.mean(x)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    assert got["mean"] == pytest.approx(7.0) and got["low"] == pytest.approx(low) and got["high"] == pytest.approx(high)
    assert cs.mean([5])["low"] is None and cs.mean([])["mean"] is None


# --------------------------------------------------------------------------- questionnaires
def test_the_bundled_questionnaire_is_an_example_with_the_three_kinds_of_scale(engine, world):
    [q] = cs.list_questionnaires(engine, world["ana"])
    assert q["key"] == "perception" and q["example"] and q["organisation"] == "SARA (bundled)" and q["responses"] == 0
    v = cs.questionnaire(engine, "perception")
    kinds = {x["key"]: (x["scale"]["kind"], len(x["scale"].get("options", ()))) for x in v["questions"]}
    assert kinds["dealing_with_issues"] == ("choice", 6)  # the 5-point agree scale and "don't know"
    assert kinds["vehicles_problem"] == ("choice", 2) and kinds["area_satisfaction"] == ("number", 0)


def test_a_partnership_adds_its_own_and_a_version_is_fixed_once_answered(engine, world, tmp_path):
    insp, pc = world["insp"], world["pc"]
    with pytest.raises(PermissionDenied):
        cs.add_file(engine, pc, OWN, "street.toml", now=NOW)  # a problem owner records, a lead adds
    assert [v["status"] for v in cs.add_file(engine, insp, OWN, "street.toml", now=NOW)["versions"]] == ["added"]
    assert [v["status"] for v in cs.add_file(engine, insp, OWN, "street.toml", now=NOW)["versions"]] == ["unchanged"]
    reworded = OWN.replace("I feel safe in this street.", "I feel safe in my street.")
    assert [v["status"] for v in cs.add_file(engine, insp, reworded, "street.toml", now=NOW)["versions"]] == ["updated"]  # no responses yet
    cs.record(engine, pc, "street", {"safe": "Agree"}, area="W-WEST", taken_on=dt.date(2025, 6, 1), now=NOW)
    with pytest.raises(Conflict, match="has 1 responses: its questions are fixed; give the changed questionnaire a new version"):
        cs.add_file(engine, insp, OWN, "street.toml", now=NOW)
    assert cs.questionnaire(engine, "street")["questions"][0]["text"] == "I feel safe in my street."  # nothing changed
    v2 = reworded.replace('version = "1"', 'version = "2"').replace("2025-01-01", "2025-07-01").replace("Rate the street", "Rate your street")
    assert [v["status"] for v in cs.add_file(engine, insp, v2, "street.toml", now=NOW)["versions"]] == ["added"]
    later = cs.record(engine, pc, "street", {"safe": 1, "score": 4}, area="W-WEST", taken_on=dt.date(2025, 8, 1), now=NOW)
    assert later["version"] == "2"  # the version in force on the day
    assert cs.record(engine, pc, "street", {"safe": 2}, area="W-WEST", taken_on=dt.date(2025, 6, 2), now=NOW)["version"] == "1"
    with pytest.raises(PermissionDenied, match="another organisation's"):
        cs.add_file(engine, world["lead2"], v2.replace('version = "2"', 'version = "3"'), "street.toml", now=NOW)  # the council: not its questionnaire
    listed = {q["key"]: q for q in cs.list_questionnaires(engine, world["ana"])}["street"]
    assert [(v["version"], v["responses"], v["fixed"]) for v in listed["versions"]] == [("1", 2, True), ("2", 1, True)]
    with engine.connect() as conn:
        a = sa_.AuditEvent.__table__
        assert conn.execute(a.select().where(a.c.subject_type == "survey_questionnaire", a.c.subject_id == "street")).first() is not None


@pytest.mark.parametrize("text,says", [
    (OWN.replace('scale = "agree3"', 'scale = "agree9"'), "uses scale 'agree9', not defined"),
    (OWN.replace('positive = ["Agree"]', 'positive = ["Yes"]'), "lists positive 'Yes', not one of its options"),
    (OWN.replace("min = 0, max = 5", "min = 5, max = 5"), "needs whole numbers min < max"),
    (OWN.replace("schema = 1", ""), "expected 'schema = 1'"),
    ("schema = 1\n[[questionnaire]\n", "not valid TOML"),
])  # fmt: skip
def test_a_malformed_questionnaire_file_is_refused_saying_what_to_fix(text, says):
    with pytest.raises(cs.SurveyError, match=says):
        cs.parse_file(text, "street.toml")


# --------------------------------------------------------------------------- responses
def test_a_response_is_placed_in_its_areas_and_a_point_is_not_kept(engine, world):
    pc = world["pc"]
    by_lsoa = cs.record(engine, pc, "perception", {"safe_after_dark": "very safe", "would_report": "y"}, area="L-NORTH", now=NOW)
    assert (by_lsoa["lsoa"], by_lsoa["ward"], by_lsoa["district"]) == ("L-NORTH", "W-WEST", "E07000033")
    assert by_lsoa["answers"] == {"safe_after_dark": 1, "would_report": 1}
    by_name = cs.record(engine, pc, "perception", {"area_satisfaction": "7"}, area="east ward", now=NOW)
    assert (by_name["lsoa"], by_name["ward"], by_name["district"]) == (None, "W-EAST", "E07000033")
    point = cs.record(engine, pc, "perception", {"asb_problem": 2}, lon=-1.35, lat=53.22, now=NOW)
    assert (point["area"], point["lsoa"], point["ward"]) == ("point", "L-SOUTH", "W-WEST")
    with engine.connect() as conn:
        row = conn.execute(ss.SurveyResponse.__table__.select().where(ss.SurveyResponse.id == point["id"])).mappings().one()
    assert row["given_kind"] == "point" and row["given_code"] is None and "-1.35" not in json.dumps({k: str(v) for k, v in row.items()})


@pytest.mark.parametrize("answers,area,extra,field,says", [
    ({"area_satisfaction": 11}, "W-WEST", {}, "answer_area_satisfaction", "give a whole number from 1 to 10"),
    ({"safe_after_dark": "quite safe"}, "W-WEST", {}, "answer_safe_after_dark", "give one of 1 Very safe; 2 Fairly safe; 3 A bit unsafe"),
    ({"safe_after_dark": 0}, "W-WEST", {}, "answer_safe_after_dark", "is not an answer to 'safe_after_dark'"),
    ({"vehicles_problem": 1.5}, "W-WEST", {}, "answer_vehicles_problem", "give one of 1 Yes; 2 No"),
    ({"mood": 3}, "W-WEST", {}, "answers", "asks no question 'mood'"),
    ({}, "W-WEST", {}, "answers", "no question is answered"),
    ({"would_report": "yes"}, "Nowhere", {}, "area", "no loaded ward, LSOA or district 'Nowhere'"),
    ({"would_report": "yes"}, None, {}, "area", "the response needs its area"),
    ({"would_report": "yes"}, None, {"lon": 0.5, "lat": 51.5}, "area", "the point lies in no loaded LSOA or ward"),
    ({"would_report": "yes"}, "W-WEST", {"lon": -1.35, "lat": 53.22}, "area", "give an area or a point, not both"),
    ({"would_report": "yes"}, "W-WEST", {"taken_on": dt.date(2026, 3, 3)}, "taken_on", "is in the future"),
    ({"would_report": "yes"}, "W-WEST", {"taken_on": dt.date(2023, 12, 31)}, "taken_on", "no version of perception is in force on 2023-12-31"),
    ({"would_report": "yes"}, "W-WEST", {"name": "A. Resident"}, "consent", "kept only when the respondent agrees to be contacted"),
    ({"would_report": "yes"}, "W-WEST", {"consent": True, "name": "A. Resident"}, "contact", "say who and how"),
])  # fmt: skip
def test_bad_input_is_refused_with_the_field_and_nothing_is_kept(engine, world, answers, area, extra, field, says):
    with pytest.raises(Invalid) as exc:
        cs.record(engine, world["pc"], "perception", answers, area=area, now=NOW, **extra)
    assert exc.value.field == field and says in str(exc.value)
    with engine.connect() as conn:
        assert conn.execute(ss.SurveyResponse.__table__.select()).first() is None


def test_who_records_and_who_reads(engine, world):
    for who in ("admin", "public"):
        with pytest.raises(PermissionDenied, match="recorded by analysts, problem owners"):
            cs.record(engine, world[who], "perception", {"would_report": 1}, area="W-WEST", now=NOW)
    with pytest.raises(PermissionDenied, match="not public viewers"):
        cs.results(engine, world["public"], "perception")
    with pytest.raises(NotFound, match="no questionnaire 'nothing'"):
        cs.results(engine, world["ana"], "nothing")
    assert cs.results(engine, world["admin"], "perception")["responses"] == 0  # counts: any partnership user reads them


def test_contacts_are_kept_with_consent_and_read_only_by_the_recording_organisation(engine, world):
    kept = cs.record(
        engine, world["pc"], "perception", {"asb_problem": 1}, area="W-WEST", consent=True, name="A. Resident (test)", contact="07700 900001", now=NOW
    )
    assert kept["contact_kept"] and "A. Resident" not in json.dumps(kept)
    cs.record(engine, world["asb"], "perception", {"asb_problem": 1}, area="W-WEST", consent=True, name="B. Resident (test)", contact="b@example.org", now=NOW)
    mine = cs.contacts(engine, world["ana"], "perception")
    assert [(c["name"], c["contact"], c["ward"]) for c in mine] == [("A. Resident (test)", "07700 900001", "West ward")]
    assert [c["name"] for c in cs.contacts(engine, world["asb"], "perception")] == ["B. Resident (test)"]
    for who in ("admin", "public"):
        with pytest.raises(PermissionDenied) as exc:
            cs.contacts(engine, world[who], "perception")
        assert "Resident" not in str(exc.value)
    assert "(test)" not in json.dumps(cs.results(engine, world["lead2"], "perception", by="ward"))
    with engine.connect() as conn:
        a = sa_.AuditEvent.__table__
        trail = [(r.action, r.actor_username, r.subject_id) for r in conn.execute(a.select().where(a.c.subject_type == "survey_contact").order_by(a.c.seq))]
    assert ("create", "pc", str(kept["id"])) in trail and ("read", "ana", str(kept["id"])) in trail
    assert not [t for t in trail if t[0] == "read" and t[1] == "asb" and t[2] == str(kept["id"])]


# --------------------------------------------------------------------------- import
CSV = """id,date,area,wave,consent,name,contact,safe_after_dark,asb_problem,area_satisfaction
F-1,2025-05-01,W-WEST,spring,,,,1,2,7
F-2,2025-05-02,L-SOUTH,spring,yes,C. Resident (test),01246 000000,Very unsafe,,3
F-3,2025-05-02,W-EAST,spring,,,,6,1,5
F-4,2025-05-03,Nowhere,spring,,,,1,1,5
F-5,2025-13-01,W-EAST,spring,,,,1,1,5
F-6,2025-05-04,W-EAST,spring,,D. Resident,,2,2,
F-1,2025-05-05,W-EAST,spring,,,,2,2,2
F-7,2025-05-05,W-EAST,spring,,,,,,
"""


def test_a_csv_import_accounts_for_every_row(engine, world):
    r = cs.import_csv(engine, world["pc"], "perception", CSV.encode(), "doors.csv", now=NOW)
    assert r["rows_read"] == 8 and r["loaded"] == 2 and r["rejected"] == 6 and r["loaded"] + r["rejected"] == r["rows_read"] and r["with_contact"] == 1
    why = {x["line"]: x["reason"] for x in r["rejected_rows"]}
    assert sorted(why) == [4, 5, 6, 7, 8, 9]
    assert "6 is not an answer to 'safe_after_dark'" in why[4] and "no loaded ward, LSOA or district 'Nowhere'" in why[5] and "not YYYY-MM-DD" in why[6]
    assert "kept only when the respondent agrees" in why[7] and why[8] == "form F-1 is already loaded" and "no question is answered" in why[9]
    assert "D. Resident" not in json.dumps(r)  # a rejected row's content is not echoed
    again = cs.import_csv(engine, world["pc"], "perception", CSV.encode(), "doors.csv", now=NOW)
    assert again["loaded"] == 0 and {x["reason"] for x in again["rejected_rows"] if x["line"] in (2, 3)} == {
        "form F-1 is already loaded",
        "form F-2 is already loaded",
    }
    with pytest.raises(Invalid, match="unknown column\\(s\\) feel_safe"):
        cs.import_csv(engine, world["pc"], "perception", b"date,area,feel_safe\n2025-05-01,W-WEST,1\n", "bad.csv", now=NOW)
    with pytest.raises(Invalid, match="no area column"):
        cs.import_csv(engine, world["pc"], "perception", b"date,safe_after_dark\n2025-05-01,1\n", "bad.csv", now=NOW)


# --------------------------------------------------------------------------- results
def _lay(engine, actor, rng, n, area, day, p_safe):
    for _ in range(n):
        safe = int(rng.choice([1, 2, 3, 4, 5], p=[p_safe / 2, p_safe / 2, (1 - p_safe) * 0.45, (1 - p_safe) * 0.45, (1 - p_safe) * 0.1]))
        cs.record(engine, actor, "perception", {"safe_after_dark": safe, "area_satisfaction": int(rng.integers(1, 11))}, area=area, taken_on=day, now=NOW)


def test_results_by_area_and_period_are_an_independent_count(engine, world):
    rng = np.random.default_rng(7)
    _lay(engine, world["pc"], rng, 40, "L-SOUTH", dt.date(2025, 5, 1), 0.5)
    _lay(engine, world["asb"], rng, 12, "W-EAST", dt.date(2025, 5, 20), 0.3)
    _lay(engine, world["pc"], rng, 35, "L-NORTH", dt.date(2025, 11, 3), 0.7)
    with engine.connect() as conn:
        rows = [dict(x) for x in conn.execute(ss.SurveyResponse.__table__.select()).mappings()]
    r = cs.results(engine, world["ana"], "perception", by="ward", per="quarter")
    assert r["responses"] == r["counted"] == 87 and "Wilson" in r["method"]
    [safe] = [q for q in r["questions"] if q["key"] == "safe_after_dark"]
    assert [(x["area_name"], x["period"]) for x in safe["rows"]] == [("East ward", "2025-Q2"), ("West ward", "2025-Q2"), ("West ward", "2025-Q4")]
    for x in safe["rows"]:
        q = {"2025-Q2": (4, 6), "2025-Q4": (10, 12)}[x["period"]]
        answers = [json.loads(o["answers"])["safe_after_dark"] for o in rows if o["ward_code"] == x["area"] and q[0] <= o["taken_on"].month <= q[1]]
        kept = [a for a in answers if a != 5]  # "Don't know" is left out of the share
        k = sum(a in (1, 2) for a in kept)
        low, high = proportion_confint(k, len(kept), method="wilson")
        assert (x["n"], x["positive"], x["excluded"]) == (len(kept), k, len(answers) - len(kept))
        assert x["value"] == pytest.approx(100 * k / len(kept)) and x["low"] == pytest.approx(100 * low) and x["high"] == pytest.approx(100 * high)
        assert x["small"] == (len(kept) < 30)
    assert any(x["small"] for x in safe["rows"]) and any("fewer than 30 answers" in n for n in r["notes"])
    [rating] = [q for q in r["questions"] if q["key"] == "area_satisfaction"]
    east = [json.loads(o["answers"])["area_satisfaction"] for o in rows if o["ward_code"] == "W-EAST"]
    assert rating["rows"][0]["value"] == pytest.approx(np.mean(east))
    lsoa = cs.results(engine, world["ana"], "perception", by="lsoa", per="all")
    assert [x["area"] for x in lsoa["questions"][0]["rows"]] == ["L-SOUTH", "L-NORTH"] or [x["area"] for x in lsoa["questions"][0]["rows"]] == [
        "L-NORTH",
        "L-SOUTH",
    ]
    assert any("12 responses lie in no loaded lsoa" in n for n in lsoa["notes"])  # the east ward has no LSOA here
    one = cs.results(engine, world["ana"], "perception", area="West 001B", per="all")
    assert one["by"] == "lsoa" and one["responses"] == 35 and one["questions"][0]["rows"][0]["area"] == "L-NORTH"
    with pytest.raises(Invalid, match="unknown grouping 'street'"):
        cs.results(engine, world["ana"], "perception", by="street")


# --------------------------------------------------------------------------- the plan indicator
def test_a_survey_result_is_a_partnership_plan_indicator(engine, world):
    rng = np.random.default_rng(3)
    _lay(engine, world["pc"], rng, 30, "W-WEST", dt.date(2025, 5, 1), 0.5)
    _lay(engine, world["pc"], rng, 30, "W-WEST", dt.date(2025, 8, 1), 0.6)
    _lay(engine, world["pc"], rng, 20, "W-EAST", dt.date(2025, 8, 1), 0.1)
    ctx = Context(engine, world["insp"], NOW)
    ref = cp.create(engine, world["insp"], "Plan (test)", start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31), now=NOW)
    cp.add_theme(engine, world["insp"], ref, "Improving community perceptions and providing reassurance", now=NOW)
    p = splans.add_indicator(ctx, ref, "1", "Feel safe after dark, West ward", kind="survey", survey="perception", question="safe_after_dark", area="West ward",
                             baseline_period="2025-Q2", target_value=75, target_date=dt.date(2026, 3, 31), direction="increase", granularity="quarter")  # fmt: skip
    ind = p["indicator"]
    assert (ind["kind"], ind["measure"], ind["area"]["code"], ind["query"]) == (
        "survey",
        "share",
        "W-WEST",
        {"questionnaire": "perception", "question": "safe_after_dark"},
    )
    results = cs.results(engine, world["ana"], "perception", by="ward", per="quarter")
    by = {(x["area"], x["period"]): x for x in results["questions"][0]["rows"]}
    assert ind["baseline"]["value"] == pytest.approx(round(by[("W-WEST", "2025-Q2")]["value"], 2))
    q3 = next(x for x in p["series"] if x["period"] == "2025-Q3")
    assert q3["value"] == pytest.approx(by[("W-WEST", "2025-Q3")]["value"], abs=1e-4) and q3["answers"] == by[("W-WEST", "2025-Q3")]["n"]
    assert p["unit"] == "per cent a quarter" and "survey perception, question safe_after_dark" in p["query"] and p["rating"] != "no data"
    with pytest.raises(Invalid, match="read from the survey's responses"):
        splans.enter_value(ctx, ind["id"], "2025-Q3", 60)
    with pytest.raises(Invalid, match="asks no question 'feel_safe'") as exc:
        splans.add_indicator(ctx, ref, "1", "X", kind="survey", survey="perception", question="feel_safe", baseline_period="2025-Q2", target_value=75,
                             target_date=dt.date(2026, 3, 31), direction="increase")  # fmt: skip
    assert exc.value.field == "question"
    with pytest.raises(Invalid, match="no answers to would_report in the baseline period"):
        splans.add_indicator(ctx, ref, "1", "X", kind="survey", survey="perception", question="would_report", baseline_period="2024-Q4", target_value=75,
                             target_date=dt.date(2026, 3, 31), direction="increase")  # fmt: skip
    shown = splans.show(ctx, ref)
    assert shown["themes"][0]["indicators"][0]["indicator"]["kind"] == "survey"


# --------------------------------------------------------------------------- the commands
def test_the_commands_add_respond_and_give_results(db_url, engine, world, tmp_path):
    own = tmp_path / "street.toml"
    own.write_text(OWN)
    added = ok_json("survey", "add", str(own), "--as", "insp", "--db", db_url)
    assert added["versions"] == [{"key": "street", "version": "1", "status": "added", "questions": 2, "example": False}]
    assert "not allowed" in err_json("survey", "add", str(own), "--as", "pc", "--db", db_url)
    r = ok_json(
        "survey",
        "respond",
        "street",
        "--answer",
        "safe=Agree",
        "--answer",
        "score=4",
        "--area",
        "West 001A",
        "--on",
        "2025-06-01",
        "--as",
        "pc",
        "--db",
        db_url,
    )
    assert (r["lsoa"], r["ward"], r["answers"]) == ("L-SOUTH", "W-WEST", {"safe": 1, "score": 4})
    off = err_json("survey", "respond", "street", "--answer", "score=6", "--area", "W-WEST", "--as", "pc", "--db", db_url)
    assert off == "6 is not an answer to 'score' (Rate the street): give a whole number from 0 to 5, or leave it blank"
    doors = tmp_path / "doors.csv"
    doors.write_text("date,area,safe,score\n2025-06-02,W-EAST,Disagree,2\n2025-06-02,W-EAST,maybe,2\n")
    imported = ok_json("survey", "import", "street", str(doors), "--as", "pc", "--db", db_url)
    assert (imported["rows_read"], imported["loaded"], imported["rejected"]) == (2, 1, 1)
    res = ok_json("survey", "results", "street", "--by", "ward", "--per", "all", "--as", "ana", "--db", db_url)
    assert res == service.results(Context(engine, world["ana"]), "street", by="ward", per="all")
    assert [(x["area"], x["n"], x["value"]) for x in res["questions"][0]["rows"]] == [("W-EAST", 1, 0.0), ("W-WEST", 1, 100.0)]
    assert [q["key"] for q in ok_json("survey", "list", "--as", "ana", "--db", db_url)["questionnaires"]] == ["perception", "street"]
    assert ok_json("survey", "show", "street", "--as", "ana", "--db", db_url)["questions"][1]["scale"] == {
        "kind": "number",
        "min": 0,
        "max": 5,
        "reported": "mean",
        "name": "score",
    }
