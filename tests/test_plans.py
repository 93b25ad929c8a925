"""The partnership plan (`sara plan ...` and ``sara.services.plans``): themes, priority issues,
actions and indicators in the shape of the Calderdale Community Safety Action Plan; the
straight-line progress rule on hand-worked examples; computed indicators checked against the
rows of a hand-made police.uk file (a month left out on purpose) and of the real Derbyshire
2025 files, counted with the csv module; who may write; the document and the annual review;
the refusals. SQLite and PostgreSQL where ``db_url`` is used."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import pytest

import sara.cli  # noqa: F401  (registers every command)
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import plans as cp
from sara.errors import Invalid
from sara.services import Context
from sara.services import plans as sp
from sara.store.engine import connect
from tests.cli import PASSWORD, err_json, ok_json
from tests.conftest import ROOT, shared

NOW = dt.datetime(2025, 10, 15, 9, 0)
HEADER = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type",
          "Last outcome category", "Context"]  # fmt: skip
# Events per month of the hand-made file; 2025-05 is not in it at all (a month not loaded).
HAND = {"2025-01": {"Anti-social behaviour": 10, "Burglary": 3}, "2025-02": {"Anti-social behaviour": 8, "Burglary": 2},
        "2025-03": {"Anti-social behaviour": 9, "Burglary": 4}, "2025-04": {"Anti-social behaviour": 7, "Burglary": 1},
        "2025-06": {"Anti-social behaviour": 6}, "2025-07": {"Anti-social behaviour": 5, "Burglary": 2}, "2025-08": {"Anti-social behaviour": 4}}  # fmt: skip


# ---------------------------------------------------------------- the progress rule (pure)


def test_the_straight_line_rule_rates_against_the_line_with_a_tolerance_of_the_gap():
    # baseline 100 at the end of March 2025, target 80 by the end of March 2026: the line falls 20 in 365 days
    kw = dict(baseline=100.0, baseline_date=dt.date(2025, 3, 31), target=80.0, target_date=dt.date(2026, 3, 31), direction="reduce")
    expected = 100 - 20 * 183 / 365  # on 30 September 2025, 183 days on: 89.97
    for value, rating in ((89.0, "on track"), (89.97, "on track"), (91.0, "at risk"), (91.97, "at risk"), (92.5, "off track")):
        got = cp.progress(**kw, series=[("2025-09", dt.date(2025, 9, 30), value)])
        assert got["rating"] == rating, value
        assert got["latest"]["expected"] == pytest.approx(expected, abs=1e-3)
    got = cp.progress(**kw, series=[("2025-09", dt.date(2025, 9, 30), 91.0)])
    assert got["band"] == pytest.approx(2.0)  # 10% of the 20-point gap
    assert "at or below the line" in got["rule"] and "10% of the baseline-target gap (2)" in got["rule"] and got["rule"].endswith("at risk.")


def test_an_increase_is_on_track_above_the_line_and_the_tolerance_is_a_parameter():
    kw = dict(baseline=50.0, baseline_date=dt.date(2025, 1, 31), target=70.0, target_date=dt.date(2025, 11, 30), direction="increase")
    series = [("2025-06", dt.date(2025, 6, 30), 57.0)]  # 150 of 303 days on: 59.9 expected
    assert cp.progress(**kw, series=series)["rating"] == "off track"  # 2.9 short, more than 2 (10% of 20)
    assert cp.progress(**kw, series=series, tolerance=0.2)["rating"] == "at risk"  # within 4
    assert cp.progress(**kw, series=[("2025-06", dt.date(2025, 6, 30), 61.0)])["rating"] == "on track"


def test_the_latest_period_with_a_value_is_rated_and_no_value_is_no_data():
    kw = dict(baseline=10.0, baseline_date=dt.date(2025, 3, 31), target=5.0, target_date=dt.date(2025, 12, 31), direction="reduce")
    got = cp.progress(**kw, series=[("2025-04", dt.date(2025, 4, 30), 9.0), ("2025-05", dt.date(2025, 5, 31), None)])
    assert got["latest"]["period"] == "2025-04" and [r["rating"] for r in got["rows"]] == ["on track", "no data"]
    assert cp.progress(**kw, series=[])["rating"] == "no data"
    after = cp.progress(**kw, series=[("2026-02", dt.date(2026, 2, 28), 5.0)])
    assert after["latest"]["expected"] == 5.0  # the line holds at the target after its date


def test_periods_are_written_as_people_write_them():
    assert cp.parse_period("2025-01:2025-03", "p") == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert cp.parse_period("2025-Q2", "p") == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert cp.parse_period("2024", "p") == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert [cp.label(s, "quarter") for s in cp.periods(dt.date(2025, 2, 1), dt.date(2025, 8, 31), "quarter")] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    with pytest.raises(Invalid) as e:
        cp.parse_period("March", "baseline_period")
    assert e.value.field == "baseline_period" and "2025-Q1" in str(e.value)


# ---------------------------------------------------------------- a plan on a hand-made file


def write_hand_file(folder) -> list:
    paths = []
    for month, counts in HAND.items():
        path = folder / f"{month}-hand-street.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            for cat, n in counts.items():
                for i in range(n):
                    w.writerow(["" if cat == "Anti-social behaviour" else f"{month}-{cat[:3]}-{i}", month, "Derbyshire Constabulary", "Derbyshire Constabulary",
                                f"{-1.29 + i * 0.001:.6f}", "53.23", "On or near Market Place", "E01019483", "Bolsover 004A", cat, "", ""])  # fmt: skip
        paths.append(path)
    return paths


@pytest.fixture
def world(db_url, tmp_path):
    """A database with the hand-made police.uk months, three organisations and their users."""
    from sara.intake.load import load_police_uk

    engine = connect(db_url)
    folder = tmp_path / "hand"
    folder.mkdir()
    load_police_uk(engine, [str(p) for p in write_hand_file(folder)])
    for name, kind in (("Derbyshire Constabulary", "police"), ("Bolsover District Council", "council"), ("Derbyshire Fire and Rescue Service", "fire")):
        add_organisation(engine, name, kind)
    for user, org, role in (("admin", "Derbyshire Constabulary", "administrator"), ("insp", "Derbyshire Constabulary", "lead"),
                            ("pc", "Derbyshire Constabulary", "problem_owner"), ("council.lead", "Bolsover District Council", "lead"),
                            ("fire.officer", "Derbyshire Fire and Rescue Service", "partner_practitioner")):  # fmt: skip
        add_user(engine, user, org, role, PASSWORD)
    yield db_url, engine
    engine.dispose()


def ctx(engine, user: str, now: dt.datetime = NOW) -> Context:
    return Context(engine, get_actor(engine, user), now)


def asb_plan(engine) -> str:
    c = ctx(engine, "insp")
    ref = sp.create(c, "Community Safety Action Plan 2025-2027", start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31))["reference"]
    sp.add_theme(c, ref, "Working with communities to challenge anti-social behaviour", why="ASB is the main concern from surveys and consultation events.")
    sp.add_priority(c, ref, "1", "Tackle incidents of anti-social behaviour")
    return ref


def test_a_computed_indicator_counts_the_rows_of_each_month_and_says_which_month_is_missing(world):
    _, engine = world
    ref = asb_plan(engine)
    c = ctx(engine, "insp")
    p = sp.add_indicator(c, ref, "1", "Anti-social behaviour incidents", code="NI17", kind="computed", categories=["Anti-social behaviour"],
                         baseline_period="2025-01:2025-03", target_value=6, target_date=dt.date(2025, 12, 31))  # fmt: skip
    assert p["indicator"]["baseline"]["value"] == pytest.approx((10 + 8 + 9) / 3)  # the baseline's mean per month, counted
    by_month = {r["period"]: r["value"] for r in p["series"]}
    assert by_month == {"2025-04": 7, "2025-05": None, "2025-06": 6, "2025-07": 5, "2025-08": 4}  # to the last month loaded
    assert any("2025-05" in n and "no value (not zero)" in n for n in p["notes"])
    assert [r["value"] for r in p["baseline_series"]] == [10, 8, 9]
    # the line: 9 at 31 March to 6 at 31 December (275 days); at 31 August, 153 days on: 9 - 3 * 153 / 275 = 7.33
    assert p["latest"] == {"period": "2025-08", "to": "2025-08-31", "value": 4, "expected": pytest.approx(9 - 3 * 153 / 275, abs=1e-3), "rating": "on track"}
    assert p["rating"] == "on track"


def test_a_quarterly_indicator_with_a_missing_month_has_no_value_for_that_quarter(world):
    _, engine = world
    ref = asb_plan(engine)
    p = sp.add_indicator(ctx(engine, "insp"), ref, "1", "Burglary", kind="computed", categories=["Burglary"], granularity="quarter",
                         baseline_period="2025-Q1", target_value=7, target_date=dt.date(2026, 3, 31))  # fmt: skip
    assert p["indicator"]["baseline"]["value"] == 3 + 2 + 4
    assert [(r["period"], r["value"], r["missing_months"]) for r in p["series"]] == [("2025-Q2", None, ["2025-05"]), ("2025-Q3", None, ["2025-09"])]
    assert p["notes"][0] == "the events loaded end 2025-08: later periods are not counted yet"
    assert p["notes"][1].startswith("no events of any kind are loaded for 2025-05:") and p["notes"][2] == "2025-Q3 not complete: the data loaded ends 2025-08"
    assert p["latest"] is None and p["rating"] == "no data"


def test_a_query_that_matches_nothing_gives_zeros_and_says_so(world):
    _, engine = world
    ref = asb_plan(engine)
    p = sp.add_indicator(ctx(engine, "insp"), ref, "1", "Bicycle theft", kind="computed", categories=["Bicycle theft"], baseline_period="2025-01:2025-03",
                         target_value=0, target_date=dt.date(2025, 12, 31))  # fmt: skip
    assert p["indicator"]["baseline"]["value"] == 0 and {r["value"] for r in p["series"]} == {0, None}
    assert any("matches no events" in n and "Bicycle theft" in n for n in p["notes"])
    plan = sp.show(ctx(engine, "pc"), ref)  # the plan still builds
    assert plan["themes"][0]["indicators"][0]["rating"] == "on track"


def test_an_entered_indicator_takes_values_with_their_source_and_a_correction_replaces_one(world):
    _, engine = world
    ref = asb_plan(engine)
    c = ctx(engine, "insp")
    p = sp.add_indicator(c, ref, "1", "Perceptions of anti-social behaviour (% high)", code="NI17", kind="entered", source="residents survey, council",
                         baseline_period="2025-Q1", baseline_value=24, target_value=18, target_date=dt.date(2026, 3, 31), granularity="quarter")  # fmt: skip
    iid = p["indicator"]["id"]
    assert p["series"] == [{"period": "2025-Q2", "from": "2025-04-01", "to": "2025-06-30", "value": None, "source": None, "expected": pytest.approx(24 - 6 * 91 / 365, abs=1e-3),
                            "rating": "no data"}, {"period": "2025-Q3", "from": "2025-07-01", "to": "2025-09-30", "value": None, "source": None,
                            "expected": pytest.approx(24 - 6 * 183 / 365, abs=1e-3), "rating": "no data"}]  # fmt: skip
    sp.enter_value(c, iid, "2025-Q2", 23)
    r = sp.enter_value(c, iid, "2025-Q3", 25, source="residents survey wave 2")
    assert r["progress"]["latest"]["value"] == 25 and r["progress"]["rating"] == "off track"  # 25 against 21.0 expected, band 0.6
    again = sp.enter_value(c, iid, "2025-08", 21.5)  # a month inside Q3: the quarter's figure corrected
    assert again["replaced"] == 25 and again["period"] == "2025-Q3" and again["progress"]["rating"] == "at risk"


def test_bad_indicators_are_refused_with_the_field_and_the_fix(world):
    _, engine = world
    ref = asb_plan(engine)
    c = ctx(engine, "insp")
    base = dict(kind="computed", categories=["Burglary"], baseline_period="2025-01:2025-03", target_value=1)
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "1", "Burglary", **base, target_date=dt.date(2025, 2, 1))
    assert e.value.field == "target_date" and "not after the baseline" in str(e.value)
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "1", "Burglary", **base | {"baseline_period": "2025-04:2025-06"}, target_date=dt.date(2025, 12, 1))
    assert e.value.field == "baseline_period" and "2025-05" in str(e.value)  # a baseline over a month not loaded cannot be counted
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "1", "Burglary", **base, target_date=dt.date(2025, 12, 1), area="Nowhere")
    assert e.value.field == "area"
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "1", "Burglary", **base, target_date=dt.date(2025, 12, 1), flags=["drunk"])
    assert e.value.field == "flags"
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "9", "Burglary", **base, target_date=dt.date(2025, 12, 1))
    assert e.value.field == "theme" and "1 Working with communities" in str(e.value)
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "1", "Survey", kind="entered", baseline_period="2025", baseline_value=3, target_value=2, target_date=dt.date(2026, 12, 31))
    assert e.value.field == "source"
    with pytest.raises(Invalid) as e:
        sp.add_indicator(c, ref, "1", "Survey", kind="entered", source="residents survey", baseline_period="2025", baseline_value=3, target_value=4,
                         target_date=dt.date(2026, 12, 31))  # fmt: skip
    assert e.value.field == "target_value" and "does not reduce the baseline of 3" in str(e.value)
    computed = sp.add_indicator(c, ref, "1", "Burglary", **base, target_date=dt.date(2025, 12, 1))
    with pytest.raises(Invalid) as e:
        sp.enter_value(c, computed["indicator"]["id"], "2025-06", 4)
    assert e.value.field == "value" and "computed from the events" in str(e.value)


def test_actions_have_an_owner_organisation_a_due_date_a_status_and_problems(world):
    _, engine = world
    ref = asb_plan(engine)
    c = ctx(engine, "insp")
    with pytest.raises(Invalid) as e:
        sp.add_action(c, ref, "1.1", "Youth provision in hotspots", organisation="Bolsover Youth Club", due=dt.date(2026, 3, 31))
    assert e.value.field == "organisation" and "no organisation called 'Bolsover Youth Club'" in str(e.value)
    with pytest.raises(Invalid) as e:
        sp.add_action(c, ref, "1.1", "Youth provision in hotspots", organisation="Bolsover District Council", due=dt.date(2026, 3, 31), problems=["PRB-2025-9999"])
    assert e.value.field == "problems"
    with pytest.raises(Invalid) as e:
        sp.add_action(c, ref, "1.4", "x y z", organisation="Bolsover District Council", due=dt.date(2026, 3, 31))
    assert e.value.field == "priority"
    a = sp.add_action(c, ref, "1.1", "Work with the Fire Service to reduce deliberate secondary fires", organisation="Derbyshire Fire and Rescue Service",
                      due=dt.date(2025, 9, 30))  # fmt: skip
    assert a | {"id": 0} == {"id": 0, "description": "Work with the Fire Service to reduce deliberate secondary fires", "organisation": "Derbyshire Fire and Rescue Service",
                             "organisation_id": a["organisation_id"], "due": "2025-09-30", "status": "open", "overdue": True, "done_at": None, "problems": [],
                             "plan": ref, "priority": "1.1"}  # fmt: skip
    # the fire service's own practitioner moves its action on; it may not touch the plan itself
    done = sp.update_action(ctx(engine, "fire.officer"), a["id"], status="done")
    assert done["status"] == "done" and not done["overdue"] and done["done_at"] == NOW.isoformat()
    with pytest.raises(PermissionDenied):
        sp.add_theme(ctx(engine, "fire.officer"), ref, "Reducing drug harm")
    other = sp.add_action(c, ref, "1.1", "Publicise the costs of criminal damage", organisation="Bolsover District Council", due=dt.date(2026, 1, 31))
    with pytest.raises(PermissionDenied):
        sp.update_action(ctx(engine, "fire.officer"), other["id"], status="done")
    with pytest.raises(Invalid) as e:
        sp.update_action(c, other["id"], status="finished")
    assert e.value.field == "status"


def test_only_leads_and_administrators_of_the_owning_organisation_change_a_plan_and_every_change_is_audited(world):
    from sqlalchemy import select

    from sara.store.schema import access as sa_

    _, engine = world
    with pytest.raises(PermissionDenied):
        sp.create(ctx(engine, "pc"), "A plan", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    ref = asb_plan(engine)
    for user in ("council.lead", "pc", "fire.officer"):
        with pytest.raises(PermissionDenied) as e:
            sp.add_priority(ctx(engine, user), ref, "1", "Parenting")
        assert ref not in str(e.value) and "Working with" not in str(e.value)  # a refusal says nothing of the plan
    assert sp.add_priority(ctx(engine, "admin"), ref, "1", "Parenting")["priority"] == "1.2"
    assert sp.show(ctx(engine, "fire.officer"), ref)["may_write"] is False and sp.show(ctx(engine, "admin"), ref)["may_write"] is True
    a = sa_.AuditEvent.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(a.c.action, a.c.subject_type, a.c.subject_id, a.c.purpose).where(a.c.subject_type == "plan").order_by(a.c.seq)).all()
    assert [(r.action, r.subject_id) for r in rows] == [("create", ref), ("change", ref), ("change", ref), ("change", ref)]
    assert {r.purpose for r in rows} == {"partnership plan"}


def test_the_document_has_the_calderdale_shape_with_progress_and_the_review_says_what_changed(world):
    _, engine = world
    ref = asb_plan(engine)
    c = ctx(engine, "insp")
    sp.add_action(c, ref, "1.1", "Continue with the Early Intervention and Anti-Social Behaviour Panels", organisation="Bolsover District Council",
                  due=dt.date(2025, 12, 31))  # fmt: skip
    ind = sp.add_indicator(c, ref, "1", "Anti-social behaviour incidents", code="NI17", kind="computed", categories=["Anti-social behaviour"],
                           baseline_period="2025-01:2025-03", target_value=6, target_date=dt.date(2025, 12, 31))  # fmt: skip
    pack = sp.document(c, ref)
    assert [s.title for s in pack.sections] == ["Introduction", "Working with communities to challenge anti-social behaviour"]
    success = pack.tables["theme_1_success"]
    assert success.title == "Measuring our success" and success.columns[:4] == ("indicator number", "indicator", "baseline", "target")
    assert success.rows == (("NI17", "Anti-social behaviour incidents (Anti-social behaviour, in every area loaded)", "9 (2025-01 to 2025-03)", "6 by 2025-12-31", "4",
                             "7.3", "on track"),)  # fmt: skip
    assert "2025-05" in success.note
    how = pack.tables["theme_1_how"]
    assert how.rows == (("Tackle incidents of anti-social behaviour", "Continue with the Early Intervention and Anti-Social Behaviour Panels", "Bolsover District Council",
                         "2025-12-31", "open", ""),)  # fmt: skip
    series = pack.tables[f"indicator_{ind['indicator']['id']}"]
    assert [r[0] for r in series.rows] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"]
    assert series.chart.kind == "line" and series.rows[4][1] is None
    review = sp.review(c, ref, 2025)
    row = review.tables["changed"].rows[0]
    assert row[3] == f"{(7 + 6 + 5 + 4) / 4:,.1f}" and row[6] == "better"  # mean of the loaded months since the baseline
    assert "no events of any kind are loaded for 2025-05" in review.tables["changed"].note
    assert dict(review.tables["actions"].rows)["open"] == 1


# ---------------------------------------------------------------- the command line


def test_the_plan_commands_end_to_end_with_json(world):
    url, _ = world
    plan = ok_json("plan", "create", "--title", "Safer Bolsover Plan 2025-2027", "--from", "2025-01-01", "--to", "2027-12-31", "--as", "insp", "--db", url)
    ref = plan["reference"]
    assert ref.startswith("PLN-") and plan["themes"] == []
    assert ok_json("plan", "theme", "add", ref, "--title", "Reducing drug harm", "--as", "insp", "--db", url)["theme"] == 1
    assert ok_json("plan", "priority", "add", ref, "--theme", "1", "--title", "Tackle substance misuse", "--as", "insp", "--db", url)["priority"] == "1.1"
    a = ok_json("plan", "action", "add", ref, "--priority", "1.1", "--description", "Ensure effective treatment is accessible", "--organisation",
                "Bolsover District Council", "--due", "2026-03-31", "--as", "insp", "--db", url)  # fmt: skip
    assert a["status"] == "open"
    assert ok_json("plan", "action", "update", str(a["id"]), "--status", "in_progress", "--as", "insp", "--db", url)["status"] == "in_progress"
    ind = ok_json("plan", "indicator", "add", ref, "--theme", "1", "--name", "Anti-social behaviour", "--category", "Anti-social behaviour", "--baseline",
                  "2025-01:2025-03", "--target", "6", "--by", "2025-12-31", "--as", "insp", "--db", url)  # fmt: skip
    entered = ok_json("plan", "indicator", "add", ref, "--theme", "1", "--name", "Drug users in effective treatment", "--kind", "entered", "--source",
                      "treatment provider return", "--baseline", "2025-Q1", "--baseline-value", "120", "--target", "150", "--by", "2026-03-31", "--direction",
                      "increase", "--per", "quarter", "--as", "insp", "--db", url)  # fmt: skip
    v = ok_json("plan", "indicator", "value", str(entered["indicator"]["id"]), "--period", "2025-Q2", "--value", "131", "--as", "insp", "--db", url)
    assert v["progress"]["rating"] == "on track"
    shown = ok_json("plan", "show", ref, "--as", "fire.officer", "--db", url)
    assert [i["indicator"]["id"] for i in shown["themes"][0]["indicators"]] == [ind["indicator"]["id"], entered["indicator"]["id"]]
    prog = ok_json("plan", "progress", ref, "--as", "pc", "--db", url)
    assert [i["rating"] for i in prog["indicators"]] == [i["rating"] for i in shown["themes"][0]["indicators"]]
    assert "straight line" not in prog["indicators"][0]["rule"] and "The line runs from the baseline 9" in prog["indicators"][0]["rule"]
    doc = ok_json("plan", "export", ref, "--as", "pc", "--db", url)
    assert doc["tables"]["theme_1_success"]["columns"][:4] == ["indicator number", "indicator", "baseline", "target"]
    rev = ok_json("plan", "review", ref, "--year", "2025", "--as", "pc", "--db", url)
    assert rev["title"].endswith("annual review 2025")
    assert ok_json("plan", "list", "--as", "pc", "--db", url)["plans"][0]["indicators"] == 2


def test_the_commands_refuse_in_one_line_naming_the_option(world):
    url, _ = world
    ref = ok_json("plan", "create", "--title", "Plan", "--from", "2025-01-01", "--to", "2026-12-31", "--as", "insp", "--db", url)["reference"]
    ok_json("plan", "theme", "add", ref, "--title", "ASB", "--as", "insp", "--db", url)
    assert err_json("plan", "theme", "add", ref, "--title", "Drugs", "--as", "fire.officer", "--db", url).startswith("not allowed")
    msg = err_json("plan", "indicator", "add", ref, "--theme", "1", "--name", "ASB", "--category", "Anti-social behaviour", "--baseline", "2025-01:2025-03",
                   "--target", "6", "--by", "2025-01-31", "--as", "insp", "--db", url)  # fmt: skip
    assert msg.startswith("--by:") and "not after the baseline" in msg
    assert err_json("plan", "show", "PLN-2025-9999", "--as", "insp", "--db", url).startswith("no plan 'PLN-2025-9999'")
    msg = err_json("plan", "indicator", "add", ref, "--theme", "1", "--name", "ASB", "--baseline", "Q1", "--target", "6", "--by", "2025-12-31", "--as", "insp",
                   "--db", url)  # fmt: skip
    assert msg.startswith("--baseline:")


# ---------------------------------------------------------------- the real Derbyshire year


@pytest.fixture(scope="module")
def derbyshire(tmp_path_factory) -> str:
    """The 12 real Derbyshire months placed in the districts, with hand-given populations,
    and a lead of the constabulary."""
    from sara.intake.areas import load_areas
    from sara.intake.load import load_police_uk
    from sara.store.engine import init

    folder = tmp_path_factory.mktemp("derbyshire")
    url = f"sqlite:///{folder / 'sara.db'}"
    init(url)
    engine = connect(url)
    pop = folder / "population.csv"
    pop.write_text("code,population\nE07000033,80000\n")
    load_areas(engine, [str(ROOT / "demo" / "derbyshire-districts.geojson.zip")], "district", population_csv=str(pop))
    load_police_uk(engine, [str(shared("policeuk", "derbyshire-2025"))])
    add_organisation(engine, "Derbyshire Constabulary", "police")
    add_user(engine, "insp", "Derbyshire Constabulary", "lead", PASSWORD)
    engine.dispose()
    return url


def csv_counts() -> tuple[Counter, Counter]:
    """(month, crime type) counts of every row, and of the rows whose LSOA name is Bolsover's."""
    every, bolsover = Counter(), Counter()
    for path in sorted(shared("policeuk", "derbyshire-2025").glob("*.csv")):
        for r in csv.DictReader(path.open(encoding="utf-8")):
            every[(r["Month"], r["Crime type"])] += 1
            if r["LSOA name"].startswith("Bolsover "):
                bolsover[(r["Month"], r["Crime type"])] += 1
    return every, bolsover


def test_computed_indicators_on_the_real_year_equal_the_rows_of_the_files(derbyshire):
    every, bolsover = csv_counts()
    engine = connect(derbyshire)
    c = Context(engine, get_actor(engine, "insp"), dt.datetime(2026, 2, 1, 9))
    ref = sp.create(c, "Derbyshire partnership plan", start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31))["reference"]
    sp.add_theme(c, ref, "Reduce drug harm")
    drugs = sp.add_indicator(c, ref, "1", "Drug offences", kind="computed", categories=["Drugs"], granularity="quarter", baseline_period="2025-Q1",
                             target_value=400, target_date=dt.date(2026, 12, 31))  # fmt: skip
    q = lambda months, counts, cat: sum(counts[(m, cat)] for m in months)  # noqa: E731
    assert drugs["indicator"]["baseline"]["value"] == q(("2025-01", "2025-02", "2025-03"), every, "Drugs")
    assert [r["value"] for r in drugs["series"]] == [q((f"2025-{m:02d}" for m in range(s, s + 3)), every, "Drugs") for s in (4, 7, 10)]
    assert drugs["notes"] == ["the events loaded end 2025-12: later periods are not counted yet"]  # the target is in 2026
    asb = sp.add_indicator(c, ref, "1", "ASB per 1,000 residents, Bolsover", kind="computed", categories=["Anti-social behaviour"], area="Bolsover",
                           measure="rate_per_1000", baseline_period="2025-01:2025-06", target_value=0.5, target_date=dt.date(2026, 6, 30))  # fmt: skip
    got = {r["period"]: r["events"] for r in asb["series"]}
    # placed by point in the district's polygon: the same rows as police.uk's LSOA names say, month by month
    assert got == {f"2025-{m:02d}": bolsover[(f"2025-{m:02d}", "Anti-social behaviour")] for m in range(7, 13)}
    assert all(r["value"] == pytest.approx(r["events"] * 1000 / 80000, abs=1e-4) for r in asb["series"])
    engine.dispose()
