"""Organised crime groups: who may see and change them, members who must be recorded persons,
enablers serving two groups, reviews at the six-week cadence (overdue the day after due),
MoRiLE-shaped scores against a hand computation from the instrument file, disruptions linked
to events and interventions, and the SOC ward profile: its harm against the police.uk rows,
and the partner version carrying no personal data. SQLite and PostgreSQL where ``engine`` is
used; the profile on the demo."""

from __future__ import annotations

import csv
import datetime as dt
import json
import tomllib
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

import sara.cli  # noqa: F401  (registers every command)
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import demo_ocg, instruments, people
from sara.casework import ocg as cocg
from sara.casework.records import Duplicate, RecordError
from sara.services import Context
from sara.services import ocg as service
from sara.store.engine import connect
from sara.store.schema import access as sa_
from sara.store.schema import ocg as so
from tests.cli import err_json, ok_json, sara
from tests.conftest import shared
from tests.test_casework_people import add_events

ROOT = Path(__file__).resolve().parents[1]
PW = "a long enough password"
NOW = dt.datetime(2026, 3, 2, 10)
ANSWERS = {"intent": 3, "capability": 2, "physical_harm": 1, "psychological_harm": 4, "financial_harm": 0, "community_harm": 2, "likelihood": 4,
           "trajectory": 2, "intelligence": 1, "currency": 3}  # fmt: skip


@pytest.fixture
def world(engine):
    """Derbyshire Police maps groups of the people it records; Bolsover DC records a person
    of its own and is a partner with no view of groups."""
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council")):
        add_organisation(engine, name, kind)
    for user, org, role in (("pc", "Derbyshire Police", "problem_owner"), ("ana", "Derbyshire Police", "analyst"), ("insp", "Derbyshire Police", "lead"),
                            ("asb", "Bolsover DC", "problem_owner"), ("lead2", "Bolsover DC", "lead")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    u = {n: get_actor(engine, n) for n in ("pc", "ana", "insp", "asb", "lead2")}
    refs = {k: people.add_person(engine, u["pc"], f"{k} (test)", "suspect", dob=dt.date(2000, 1, i + 1), now=NOW)["id"] for i, k in enumerate("ABC")}
    refs["council"] = people.add_person(engine, u["asb"], "Council person (test)", "suspect", dob=dt.date(1990, 1, 1), now=NOW)["id"]
    return u, refs


def test_a_group_with_its_members_areas_and_lead(engine, world):
    u, refs = world
    g = cocg.add_group(engine, u["pc"], "Castle line", "county_line", lead="insp", now=NOW)
    assert g.startswith("OCG-2026-")
    m = cocg.add_member(engine, u["pc"], g, refs["A"], "line holder", from_date=dt.date(2026, 1, 5), now=NOW)
    assert m == {"group": g, "person": refs["A"], "role": "line holder", "from": "2026-01-05", "to": None}
    shown = cocg.show_group(engine, u["ana"], g, today=NOW.date())
    assert shown["lead"] == "insp" and shown["members"] == 1 and shown["kind_name"] == "county line"
    assert shown["members_list"][0]["person"]["name"] == "A (test)" and shown["members_list"][0]["person"]["scope"] == "full"
    with pytest.raises(Duplicate, match="already a member"):
        cocg.add_member(engine, u["pc"], g, refs["A"], "runner", now=NOW)
    ended = cocg.add_member(engine, u["pc"], g, refs["A"], "", to_date=dt.date(2026, 2, 1), now=NOW)
    assert ended["to"] == "2026-02-01"
    assert cocg.show_group(engine, u["ana"], g, today=NOW.date())["members"] == 0
    with pytest.raises(Duplicate, match="already mapped"):
        cocg.add_group(engine, u["insp"], "Castle line", "ocg", now=NOW)
    with pytest.raises(RecordError, match="unknown kind"):
        cocg.add_group(engine, u["pc"], "X", "cartel", now=NOW)
    with pytest.raises(RecordError, match="lead responsible officer"):
        cocg.add_group(engine, u["pc"], "Y", "ocg", lead="asb", now=NOW)  # another organisation's user


def test_a_member_who_is_not_a_recorded_person_is_refused_saying_what_to_do(engine, world):
    u, _ = world
    g = cocg.add_group(engine, u["pc"], "Line", "county_line", now=NOW)
    with pytest.raises(RecordError) as exc:
        cocg.add_member(engine, u["pc"], g, "PER-2099-0001", "runner", now=NOW)
    assert exc.value.field == "person"
    assert str(exc.value) == ("'PER-2099-0001' is not a recorded person: a member must be a person SARA records: record them first (sara person add) "
                              "and use the PER-YYYY-NNNN reference it gives")  # fmt: skip
    with pytest.raises(RecordError, match="not a recorded person you may see"):  # the council's person, no agreement: a pseudonym only
        cocg.add_member(engine, u["pc"], g, world[1]["council"], "runner", now=NOW)
    with engine.connect() as conn:
        assert conn.execute(so.OcgMember.__table__.select()).first() is None


def test_only_police_readers_see_groups_and_only_their_writers_change_them(engine, world):
    u, refs = world
    g = cocg.add_group(engine, u["pc"], "Line", "county_line", now=NOW)
    for who in ("asb", "lead2"):  # a partner, even a lead
        with pytest.raises(PermissionDenied) as exc:
            cocg.list_groups(engine, u[who])
        assert "Line" not in str(exc.value) and g not in str(exc.value)
        with pytest.raises(PermissionDenied):
            cocg.show_group(engine, u[who], g)
        with pytest.raises(PermissionDenied):
            cocg.add_group(engine, u[who], "Theirs", "ocg", now=NOW)
        assert service.today_items(Context(engine, u[who], NOW)) == []
        assert not service.may_use(u[who])
    assert [x["id"] for x in cocg.list_groups(engine, u["ana"])] == [g]  # an analyst reads
    with pytest.raises(PermissionDenied, match="analyst may not change"):
        cocg.add_member(engine, u["ana"], g, refs["A"], "runner", now=NOW)
    cocg.add_member(engine, u["insp"], g, refs["A"], "runner", now=NOW)  # a lead writes
    with engine.connect() as conn:
        a = sa_.AuditEvent.__table__
        trail = [(r.action, r.subject_type, r.subject_id) for r in conn.execute(a.select().where(a.c.subject_type.in_(["ocg", "person"])).order_by(a.c.seq))]
    assert ("create", "ocg", g) in trail and ("change", "ocg", g) in trail and ("change", "person", refs["A"]) in trail


def test_enablers_are_the_people_in_two_or_more_groups(engine, world):
    u, refs = world
    line = cocg.add_group(engine, u["pc"], "Line", "county_line", now=NOW)
    gang = cocg.add_group(engine, u["pc"], "Gang", "usg", now=NOW)
    third = cocg.add_group(engine, u["pc"], "Firm", "ocg", now=NOW)
    cocg.add_member(engine, u["pc"], line, refs["A"], "line holder", from_date=dt.date(2026, 1, 1), now=NOW)
    cocg.add_member(engine, u["pc"], gang, refs["A"], "supplier", from_date=dt.date(2026, 1, 1), now=NOW)
    cocg.add_member(engine, u["pc"], third, refs["A"], "money", from_date=dt.date(2026, 1, 1), now=NOW)
    cocg.add_member(engine, u["pc"], line, refs["B"], "runner", from_date=dt.date(2026, 1, 1), now=NOW)
    cocg.add_member(engine, u["pc"], gang, refs["B"], "runner", from_date=dt.date(2025, 1, 1), to_date=dt.date(2025, 12, 31), now=NOW)  # left before
    cocg.add_member(engine, u["pc"], gang, refs["C"], "associate", from_date=dt.date(2026, 1, 1), now=NOW)
    found = cocg.enablers(engine, u["ana"], today=NOW.date())
    assert [(e["person"]["id"], [g["id"] for g in e["groups"]]) for e in found] == [(refs["A"], [line, gang, third])]
    assert [g["role"] for g in found[0]["groups"]] == ["line holder", "supplier", "money"]
    flags = {m["person"]["id"]: m["enabler"] for m in cocg.show_group(engine, u["ana"], line, today=NOW.date())["members_list"]}
    assert flags == {refs["A"]: True, refs["B"]: False}


def test_reviews_fall_due_every_six_weeks_and_are_overdue_the_day_after(engine, world, monkeypatch):
    u, _ = world
    g = cocg.add_group(engine, u["pc"], "Line", "county_line", now=NOW)
    due = NOW.date() + dt.timedelta(days=42)
    on_day = cocg.list_groups(engine, u["ana"], today=due)[0]
    assert on_day["next_review_due"] == due.isoformat() and not on_day["review_overdue"]
    assert cocg.overdue_reviews(engine, u["ana"], today=due) == []
    after = due + dt.timedelta(days=1)
    assert cocg.list_groups(engine, u["ana"], today=after)[0]["review_overdue"]
    assert cocg.overdue_reviews(engine, u["ana"], today=after) == [{"id": g, "name": "Line", "kind": "county_line", "lead": "pc", "due": due.isoformat(),
                                                                   "days_overdue": 1}]  # fmt: skip
    items = service.today_items(Context(engine, u["insp"], dt.datetime.combine(after, dt.time(9))))
    assert [(i["id"], i["href"], i["days_overdue"]) for i in items] == [(g, f"/ocg/{g}", 1)]
    with pytest.raises(RecordError, match="needs a note"):
        cocg.review(engine, u["pc"], g, " ", now=NOW)
    done = cocg.review(engine, u["pc"], g, "stays a priority", on=after, now=dt.datetime.combine(after, dt.time(12)))
    assert done == {"group": g, "done_on": after.isoformat(), "was_due": due.isoformat(), "next_due": (after + dt.timedelta(days=42)).isoformat(), "every_days": 42}
    assert cocg.overdue_reviews(engine, u["ana"], today=after + dt.timedelta(days=42)) == []
    monkeypatch.setenv("SARA_OCG_REVIEW_DAYS", "28")  # the cadence is a setting
    g2 = cocg.add_group(engine, u["pc"], "Gang", "usg", now=NOW)
    assert cocg.show_group(engine, u["ana"], g2, today=NOW.date())["next_review_due"] == (NOW.date() + dt.timedelta(days=28)).isoformat()
    monkeypatch.setenv("SARA_OCG_REVIEW_DAYS", "six weeks")
    with pytest.raises(Exception, match="SARA_OCG_REVIEW_DAYS"):
        cocg.add_group(engine, u["pc"], "Firm", "ocg", now=NOW)


def _by_hand(answers: dict) -> dict:
    """The totals read straight from the TOML file: weight x answer per factor, summed by dimension."""
    with open(ROOT / "sara" / "casework" / "data" / "morile-example.toml", "rb") as f:
        [inst] = tomllib.load(f)["instrument"]
    totals: dict[str, float] = defaultdict(float)
    for fac in inst["factors"]:
        totals[fac["dimension"]] += fac["weight"] * answers[fac["key"]]
    return dict(totals)


def test_a_score_keeps_every_answer_and_its_totals_are_the_hand_computation(engine, world):
    u, _ = world
    g = cocg.add_group(engine, u["pc"], "Line", "county_line", now=NOW)
    s = cocg.score(engine, u["pc"], g, ANSWERS, on=dt.date(2026, 3, 1), now=NOW)
    hand = _by_hand(ANSWERS)
    # threat 2x3 + 2x2 = 10; harm 2x1 + 2x4 + 0 + 2 = 12; risk 2x4 + 2x2 = 12; confidence 1 + 3 = 4
    assert hand == {"threat": 10, "harm": 12, "risk": 12, "confidence": 4}
    assert s["totals"] == hand and s["score"] == 34 and s["band"] == "medium" and s["confidence_band"] == "medium"
    assert s["verified"] is False and s["version"] == "2026-example"
    shown = cocg.show_group(engine, u["ana"], g, today=NOW.date())["scores"][0]
    assert {f["factor"]: f["answer"] for f in shown["factors"]} == ANSWERS
    assert {f["factor"]: f["points"] for f in shown["factors"]}["psychological_harm"] == 8
    with pytest.raises(instruments.InstrumentError, match="unanswered factor"):
        cocg.score(engine, u["pc"], g, {"intent": 1}, now=NOW)
    with pytest.raises(instruments.InstrumentError, match="from 0 to 2"):
        cocg.score(engine, u["pc"], g, ANSWERS | {"trajectory": 3}, now=NOW)
    high = cocg.score_answers(cocg.instrument(on=NOW.date()), {k: 4 if k != "trajectory" else 2 for k in ANSWERS})
    assert high["score"] == 52 and high["band"] == "high"


def test_a_disruption_is_linked_to_events_and_interventions(engine, world):
    u, refs = world
    g = cocg.add_group(engine, u["pc"], "Line", "county_line", now=NOW)
    [event] = add_events(engine, [("Drugs", "2026-01", None, True)])
    d = cocg.disrupt(engine, u["pc"], g, "arrest", on=dt.date(2026, 2, 1), person_ref=refs["A"], event_ids=[event], note="possession with intent", now=NOW)
    assert d["events"] == [event] and d["kind"] == "arrest"
    shown = cocg.show_group(engine, u["ana"], g, today=NOW.date())
    assert shown["disruptions"] == 1 and shown["disruption_list"][0]["person"] == refs["A"]
    with pytest.raises(RecordError, match="no event with id"):
        cocg.disrupt(engine, u["pc"], g, "charge", event_ids=[event + 999], now=NOW)
    with pytest.raises(RecordError, match="no intervention INT-2099-0001"):
        cocg.disrupt(engine, u["pc"], g, "order", intervention_refs=["INT-2099-0001"], now=NOW)
    with pytest.raises(RecordError, match="unknown disruption"):
        cocg.disrupt(engine, u["pc"], g, "caution", now=NOW)


def test_the_commands_do_what_the_service_does(engine, world):
    u, refs = world
    db = ["--db", str(engine.url.render_as_string(hide_password=False))]
    g = ok_json("ocg", "add", "Line", "--kind", "county_line", "--as", "pc", *db, env={"SARA_PASSWORD": PW})
    assert g["next_review_due"]
    m = ok_json("ocg", "member", g["id"], refs["B"], "--role", "runner", "--from", "2026-01-01", "--as", "pc", *db, env={"SARA_PASSWORD": PW})
    assert m["person"] == refs["B"]
    assert err_json("ocg", "member", g["id"], "PER-2099-0009", "--role", "runner", "--as", "pc", *db, env={"SARA_PASSWORD": PW}).startswith(
        "PERSON: 'PER-2099-0009' is not a recorded person")
    s = ok_json("ocg", "score", g["id"], *(f"--answer={k}={v}" for k, v in ANSWERS.items()), "--as", "pc", *db, env={"SARA_PASSWORD": PW})
    assert s["score"] == 34
    listed = ok_json("ocg", "list", "--as", "ana", *db, env={"SARA_PASSWORD": PW})
    assert [x["id"] for x in listed["groups"]] == [g["id"]] and listed["groups"][0]["score"] == 34
    assert err_json("ocg", "list", "--as", "asb", *db, env={"SARA_PASSWORD": PW}).startswith("not allowed")
    r = sara("ocg", "review", g["id"], "--note", "ok", "--as", "pc", *db, env={"SARA_PASSWORD": PW})
    assert r.exit_code == 0 and "next review due" in r.output
    [event] = add_events(engine, [("Drugs", "2026-01", None, True)])
    d = ok_json("ocg", "disruption", g["id"], "--kind", "arrest", "--on", "2026-02-01", "--person", refs["B"], "--event", str(event), "--as", "pc", *db,
                env={"SARA_PASSWORD": PW})  # fmt: skip
    assert d["events"] == [event] and d["person"] == refs["B"]
    assert err_json("ocg", "disruption", g["id"], "--kind", "caution", "--as", "pc", *db, env={"SARA_PASSWORD": PW}).startswith("--kind: unknown disruption")
    shown = ok_json("ocg", "show", g["id"], "--as", "insp", *db, env={"SARA_PASSWORD": PW})
    assert shown == cocg.show_group(engine, u["insp"], g["id"], today=dt.date.today())
    assert [x["kind"] for x in shown["disruption_list"]] == ["arrest"] and shown["reviews"][1]["note"] == "ok"


# ---------------------------------------------------------------- the SOC ward profile on the demo

def _independent_ward_harm() -> dict[str, float]:
    """Harm per 2016 ward from the police.uk CSVs read with csv, the CCHI table read with csv,
    each point placed in the ward boundaries with shapely."""
    from sara.services.chb import CHB_CATEGORIES

    with open(ROOT / "sara" / "scan" / "data" / "cchi_weights_by_force_category.csv") as f:
        weights = {r["crime_type"]: float(r["cchi_days"]) for r in csv.DictReader(f) if r["force"] == "Derbyshire"}
    with zipfile.ZipFile(ROOT / "demo" / "derbyshire-wards2016.geojson.zip") as z:
        features = json.loads(z.read(z.namelist()[0]))["features"]
    codes = [f["properties"]["WD13CD"] for f in features]
    tree = shapely.STRtree(np.array([shape(f["geometry"]) for f in features]))
    rows = []
    for path in sorted(shared("policeuk", "derbyshire-2025").glob("*-street.csv")):
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows += [r for r in csv.DictReader(f) if r["Crime type"] in CHB_CATEGORIES and r["Longitude"]]
    lon = np.array([float(r["Longitude"]) for r in rows])
    lat = np.array([float(r["Latitude"]) for r in rows])
    pts, polys = tree.query(shapely.points(lon, lat), predicate="intersects")
    where: dict[int, int] = {}
    for p, q in zip(pts.tolist(), polys.tolist()):
        where[p] = min(where.get(p, q), q)
    harm: dict[str, float] = defaultdict(float)
    for i, r in enumerate(rows):
        if i in where:
            harm[codes[where[i]]] += weights[r["Crime type"]]
    return {c: harm.get(c, 0.0) for c in codes}


@pytest.fixture
def demo(demo_url, tmp_path):
    from tests.web import copy_of

    url = copy_of(demo_url, tmp_path)
    return url, demo_groups(connect(url))


def demo_groups(engine) -> dict:
    """The demo's line and gang (laid by ``sara.casework.demo``, or here if it did not)."""
    demo_ocg.load(engine)
    with engine.connect() as conn:
        refs = dict(conn.execute(so.OcgGroup.__table__.select().with_only_columns(so.OcgGroup.name, so.OcgGroup.reference)).all())
    return {"line": refs[demo_ocg.LINE], "gang": refs[demo_ocg.GANG]}


def test_the_ward_profile_harm_is_the_police_uk_rows_and_wards_are_ranked(demo):
    from tests.web import DEMO_PASSWORD

    url, made = demo
    pack = ok_json("ocg", "profile", "--as", "insp.bolsover", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    assert pack["parameters"]["start"] == "2025-01" and pack["parameters"]["end"] == "2025-12"
    t = pack["tables"]["soc_wards"]
    col = {c: i for i, c in enumerate(t["columns"])}
    harm = _independent_ward_harm()
    assert len(t["rows"]) == len(harm) == 194
    for row in t["rows"]:
        assert row[col["harm (CCHI days)"]] == pytest.approx(harm[row[col["code"]]], abs=0.06), row[col["ward"]]  # shown to one decimal
        assert row[col["rank"]] == 1 + sum(h > harm[row[col["code"]]] for h in harm.values())
    by_code = {r[col["code"]]: r for r in t["rows"]}
    west = by_code["E05003307"]  # Bolsover West: the line only
    assert west[col["ward"]] == "Bolsover West" and west[col["groups active"]] == 1 and made["gang"] not in west[col["groups"]]
    nw = by_code["E05003305"]
    assert nw[col["groups active"]] == 2 and made["line"] in nw[col["groups"]] and made["gang"] in nw[col["groups"]]
    assert nw[col["current members"]] == 5


def test_the_partner_profile_carries_no_personal_data(demo, tmp_path):
    from tests.web import DEMO_PASSWORD

    url, made = demo
    pack = ok_json("ocg", "profile", "--partner", "--as", "housing.officer", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    t = pack["tables"]["soc_wards"]
    assert t["columns"] == ["rank", "ward", "code", "crimes", "harm (CCHI days)", "groups active"]
    text = json.dumps(pack)
    engine = connect(url)
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(people.sp.Person.__table__.select().with_only_columns(people.sp.Person.name))]
        groups = [r[0] for r in conn.execute(so.OcgGroup.__table__.select().with_only_columns(so.OcgGroup.name))]
    for secret in [*names, *groups, made["line"], made["gang"], "PER-", "OCG-", "Adult D", "line holder"]:
        assert secret not in text, secret
    nw = {r[2]: r for r in t["rows"]}["E05003305"]
    assert nw[5] == 2  # a count of groups, never of people
    assert err_json("ocg", "profile", "--as", "housing.officer", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD}).startswith("not allowed")
    assert err_json("ocg", "profile", "--partner", "--as", "public", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD}).startswith("not allowed")
    dep = tmp_path / "imd.csv"
    dep.write_text("ward_code,imd_score\nE05003305,31.5\nE05003307,28.25\n")
    with_dep = ok_json("ocg", "profile", "--partner", "--deprivation", str(dep), "--as", "housing.officer", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    rows = {r[2]: r for r in with_dep["tables"]["soc_wards"]["rows"]}
    assert with_dep["tables"]["soc_wards"]["columns"][-1] == "deprivation (imd_score)"
    assert rows["E05003305"][-1] == 31.5 and rows["E05003307"][-1] == 28.25 and rows["E05001770"][-1] is None
    out = sara("ocg", "profile", "--partner", "--as", "housing.officer", "--db", url, "--html", str(tmp_path / "p.html"), "--xlsx", str(tmp_path / "p.xlsx"),
               env={"SARA_PASSWORD": DEMO_PASSWORD})  # fmt: skip
    assert out.exit_code == 0, out.output
    html = (tmp_path / "p.html").read_text()
    assert "Bolsover North West" in html and "Adult D" not in html and made["line"] not in html
    assert (tmp_path / "p.xlsx").stat().st_size > 0


def test_the_profile_reads_deprivation_loaded_as_an_area_attribute(demo, tmp_path):
    from tests.web import DEMO_PASSWORD

    url, _ = demo
    imd = tmp_path / "imd-wards-synthetic.csv"
    imd.write_text("Ward code,Ward name,IMD score (synthetic),IMD decile (synthetic)\nE05003305,Bolsover North West,31.5,2\nE05003307,Bolsover West,28.25,3\n"
                   "E05999999,Not a Derbyshire ward,10,9\n")  # fmt: skip
    loaded = ok_json("load", "area-attribute", str(imd), "--name", "deprivation", "--kind", "ward", "--as", "analyst", "--db", url,
                     env={"SARA_PASSWORD": DEMO_PASSWORD})  # fmt: skip
    assert (loaded["inserted"], loaded["quarantined"]) == (2, 1)
    pack = ok_json("ocg", "profile", "--partner", "--as", "housing.officer", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    t = pack["tables"]["soc_wards"]
    assert t["columns"][-2:] == ["deprivation (IMD score (synthetic))", "deprivation (IMD decile (synthetic))"]
    rows = {r[2]: r[-2:] for r in t["rows"]}
    assert rows["E05003305"] == [31.5, 2.0] and rows["E05003307"] == [28.25, 3.0] and rows["E05001770"] == [None, None]
    assert pack["parameters"]["deprivation"] == "area attribute deprivation"
    dep = tmp_path / "imd.csv"
    dep.write_text("ward_code,imd_score\nE05003305,12.5\n")
    by_file = ok_json("ocg", "profile", "--partner", "--deprivation", str(dep), "--as", "housing.officer", "--db", url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    assert by_file["tables"]["soc_wards"]["columns"][-1] == "deprivation (imd_score)" and by_file["parameters"]["deprivation"] == "imd.csv"


def test_the_demo_groups_are_labelled_synthetic_and_load_once(demo):
    url, made = demo
    engine = connect(url)
    assert demo_ocg.load(engine) is None
    ctx = Context(engine, get_actor(engine, "pc.dexter"))
    data = service.list_groups(ctx)
    assert all("(synthetic)" in g["name"] for g in data["groups"])
    assert [e["person"]["name"] for e in data["enablers"]] == ["Adult D (synthetic)"]
    line = service.show(ctx, made["line"])
    assert line["scores"][0]["verified"] is False and line["next_review_due"] > ctx.now.date().isoformat()
    d = line["disruption_list"][0]
    assert d["kind"] == "arrest" and len(d["events"]) == 1 and d["interventions"]
    assert [i["id"] for i in service.today_items(ctx)] == [made["gang"]]
