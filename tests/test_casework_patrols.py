"""Operations and patrols, through `sara operation ...` / `sara patrol ...` and the service behind
them: an operation end to end, Clear-Hold-Build phases, bad patrols refused with how to fix
them, the published Operation Jemlock arrest outcomes table, patrol dosage against a
minute-by-minute brute force (across midnight and both 2026 clock changes), the quarterly
return on a hand-checked example, permissions and the audit trail. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sara.cli  # noqa: F401  (registers every command)
from sara.access import audit
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import dosage
from sara.casework import patrols as pt
from sara.casework import problems as pr
from sara.casework.clock import LONDON
from sara.report.export import write_csv
from sara.store import schema as s
from sara.store.engine import connect
from tests.cli import err_json, ok_json, sara
from tests.conftest import ROOT

PW = "a long enough password"
UTC = dt.UTC


def uk(*a) -> dt.datetime:
    return dt.datetime(*a, tzinfo=LONDON)


# ---------------------------------------------------------------- the published Jemlock table

# West Yorkshire VRU, Operation Jemlock briefing, "ARREST OUTCOMES" (arrests since April 2021),
# as published: outcome code, BD, KD, LD, CD, WD, Total, %.
JEMLOCK = """\
RUI / BAIL	116	129	131	33	12	421	47%
01 - Charged	68	41	101	14	2	226	25%
03 - Caution	6	10	6	2	0	24	3%
08 - Community Resolution	13	7	9	0	1	30	3%
15 - NFA - Evidential	44	48	53	12	8	165	18%
16 - NFA - Victim Withdraws	8	16	8	5	1	38	4%
21 - No Police Action	0	0	0	0	0	0	0%
22 - Diversionary	0	1	0	0	0	1	0%
Court (None-PACE)	174	63	58	29	3	327	NA
Foreign Force Enquiry	5	9	1	0	1	16	NA
Other	4	4	9	0	0	17	NA
Total (check)	438	328	376	95	28	1265	"""
DISTRICTS = ["BD", "KD", "LD", "CD", "WD"]


def published() -> list[dict]:
    rows = []
    for line in JEMLOCK.splitlines():
        code, *nums, pct = line.split("\t")
        code = "Court (non-PACE)" if code == "Court (None-PACE)" else code
        rows.append({"outcome": code, **dict(zip(DISTRICTS, map(int, nums[:5]))), "Total": int(nums[5]), "%": pct})
    return rows


def test_the_published_table_adds_up_as_printed():
    rows = published()
    assert [r["Total"] for r in rows] == [421, 226, 24, 30, 165, 38, 0, 1, 327, 16, 17, 1265]
    assert [r["%"] for r in rows[:8]] == ["47%", "25%", "3%", "3%", "18%", "4%", "0%", "0%"]
    assert pt.arrest_table([(d, r["outcome"]) for r in rows[:-1] for d in DISTRICTS for _ in range(r[d])], DISTRICTS) == rows
    # codes as people type them
    assert [pt.outcome_code(c) for c in ("Court (None-PACE)", "01", "rui", " 15 - nfa -  evidential", "other")] == [
        "Court (non-PACE)", "01 - Charged", "RUI / BAIL", "15 - NFA - Evidential", "Other"]  # fmt: skip


# ---------------------------------------------------------------- the people


@pytest.fixture
def world(engine):
    """West Yorkshire Police runs the operations; Bradford MDC is a partner; one loaded area."""
    add_organisation(engine, "West Yorkshire Police", "police")
    add_organisation(engine, "Bradford MDC", "council")
    for name, org, role in [("pc", "West Yorkshire Police", "problem_owner"), ("ana", "West Yorkshire Police", "analyst"),
                            ("cou", "Bradford MDC", "problem_owner"), ("asb", "Bradford MDC", "partner_practitioner"),
                            ("public", "West Yorkshire Police", "public_viewer")]:  # fmt: skip
        add_user(engine, name, org, role, PW)
    with engine.begin() as conn:
        lid = conn.execute(s.Load.__table__.insert().values(kind="areas", path="x", name="x", sha256="0" * 64, loaded_at=dt.datetime(2026, 1, 1),
                                                            rows_read=1, inserted=1, updated=0, unchanged=0, quarantined=0).returning(s.Load.id)).scalar_one()  # fmt: skip
        conn.execute(s.Area.__table__.insert().values(kind="ward", code="E05001347", name="Bradford Moor", geometry=b"", area_km2=2.1, load_id=lid))
    return engine


def actor(engine, name):
    return get_actor(engine, name)


@pytest.fixture
def cli_db(db_url):
    """A partnership for the commands (made through the services), with the real Derbyshire
    district boundaries loaded through the CLI."""
    engine = connect(db_url)
    add_organisation(engine, "Derbyshire Police", "police")
    add_organisation(engine, "Bolsover DC", "council")
    for user, org, role in (("pc", "Derbyshire Police", "problem_owner"), ("cou", "Bolsover DC", "problem_owner"),
                            ("public", "Derbyshire Police", "public_viewer")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    engine.dispose()
    r = sara("load", "areas", str(ROOT / "demo" / "derbyshire-districts.geojson.zip"), "--kind", "district", "--db", db_url, "--json")
    assert r.exit_code == 0, r.output
    return db_url


# ---------------------------------------------------------------- end to end through the CLI


def test_an_operation_end_to_end_through_the_cli(cli_db, tmp_path):
    db = ("--db", cli_db)
    problem = ok_json("problem", "create", "Bolsover town centre ASB", "--area", "E07000033", "--as", "pc", *db)["reference"]
    op = ok_json("operation", "add", "Op Dexter", "--start", "2026-01-01", "--end", "2026-06-30", "--problem", problem, "--area", "E07000033",
                 "--description", "Hotspot patrols, Bolsover town centre", "--as", "pc", *db)  # fmt: skip
    assert op["organisation"] == "Derbyshire Police" and op["problem"] == problem and op["sites"] == []
    site = ok_json("operation", "site", "Op Dexter", "Market Place", "--lon", "-1.2921", "--lat", "53.2317", "--radius", "150", "--on", "2026-01-01",
                   "--note", "top Gi* cell for ASB", "--as", "pc", *db)  # fmt: skip
    assert site["phase"] == "scoping" and site["next_phases"] == ["clear"] and site["where"] == "-1.29210,53.23170 r=150 m"
    assert ok_json("operation", "site", "Op Dexter", "District", "--area", "E07000033", "--on", "2026-01-01", "--as", "pc", *db)["where"] == "E07000033"
    for phase, on in (("clear", "2026-01-05"), ("hold", "2026-01-12"), ("clear", "2026-02-01"), ("hold", "2026-02-08")):
        site = ok_json("operation", "phase", "Op Dexter", "Market Place", phase, "--on", on, "--note", f"{phase} from {on}", "--as", "pc", *db)
    assert [h["to"] for h in site["history"]] == ["scoping", "clear", "hold", "clear", "hold"] and site["next_phases"] == ["build", "clear"]

    p = ok_json("patrol", "log", "--operation", "Op Dexter", "--site", "Market Place", "--start", "2026-03-28T22:30", "--end", "2026-03-29T02:30",
                "--officer", "1234", "--officer", "5678,9012", "--activity", "high-visibility foot patrol", "--arrest", "RUI / BAIL",
                "--arrest", "15 - NFA - Evidential", "--stop-searches", "2", "--intel", "3", "--engagements", "11", "--as", "pc", *db)  # fmt: skip
    # 22:30 GMT to 02:30 BST across the night the clocks go forward: 3 real hours, not 4
    assert p["minutes"] == 180 and p["officers"] == ["1234", "5678", "9012"] and [a["outcome"] for a in p["arrests"]] == ["RUI / BAIL", "15 - NFA - Evidential"]
    assert p["start"] == "2026-03-28T22:30:00+00:00" and p["end"] == "2026-03-29T02:30:00+01:00"
    changed = ok_json("patrol", "arrest-outcome", str(p["arrests"][0]["id"]), "--code", "01 - Charged", "--as", "pc", *db)
    assert (changed["from"], changed["outcome"], changed["changed"]) == ("RUI / BAIL", "01 - Charged", True)

    days = ok_json("patrol", "dosage", "--operation", "Op Dexter", "--csv", str(tmp_path / "dosage.csv"), "--png", str(tmp_path / "dosage.png"),
                   "--as", "pc", *db)  # fmt: skip
    assert [(d["day"], d["visits"], d["minutes_present"], d["officer_minutes"]) for d in days["days"]] == [
        ("2026-03-28", 1, 90.0, 270.0), ("2026-03-29", 1, 90.0, 270.0)]  # fmt: skip
    assert days["unpatrolled_sites"] == [{"operation": "Op Dexter", "site": "District"}]
    assert (tmp_path / "dosage.png").stat().st_size > 0
    assert next(csv.DictReader(open(tmp_path / "dosage.csv"))) == {"operation": "Op Dexter", "site": "Market Place", "day": "2026-03-28", "visits": "1",
                                                                    "minutes_present": "90.0", "officer_minutes": "270.0"}  # fmt: skip
    table = ok_json("patrol", "arrests", "--operation", "Op Dexter", "--png", str(tmp_path / "arrests.png"), "--as", "cou", *db)
    assert table["columns"] == ["Market Place", "District"]
    assert {r["outcome"]: (r["Market Place"], r["%"]) for r in table["rows"]}["01 - Charged"] == (1, "50%")

    shown = ok_json("operation", "show", "Op Dexter", "--as", "cou", *db)  # a partner reads it
    assert [(x["name"], x["phase"], x["patrols"], x["hours_present"], x["arrests"]) for x in shown["sites"]] == [
        ("Market Place", "hold", 1, 3.0, 2), ("District", "scoping", 0, 0.0, 0)]  # fmt: skip
    assert [o["name"] for o in ok_json("operation", "list", "--as", "cou", *db)["operations"]] == ["Op Dexter"]

    r = sara("patrol", "return", "--from", "2026-01-01", "--to", "2026-03-31", "--csv", "-", "--as", "pc", *db)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [(x["site"], x["quarter"], x["patrols"], x["hours_present"], x["officer_hours"], x["arrests"]) for x in rows] == [
        ("Market Place", "2026-Q1", "1", "3.0", "9.0", "2"), ("District", "2026-Q1", "0", "0.0", "0.0", "0")]  # fmt: skip


# ---------------------------------------------------------------- Clear-Hold-Build


def test_clear_hold_build_moves_are_the_framework_s():
    allowed = {(a, b) for a in pt.PHASES for b in pt.PHASES if pt.phase_refusal(a, b) is None}
    assert allowed == {("scoping", "clear"), ("clear", "hold"), ("hold", "build"), ("build", "sustain"), ("build", "exit"), ("sustain", "exit"),
                       ("hold", "clear"), ("build", "clear"), ("build", "hold")}  # fmt: skip
    assert pt.phase_refusal("clear", "build") == "a site in clear cannot move to build: from clear the next phase is hold"
    assert pt.phase_refusal("build", "scoping") == "a site in build cannot move to scoping: from build the next phase is sustain or exit or clear or hold"
    assert "exit is final" in pt.phase_refusal("exit", "clear")
    assert "choose one of scoping, clear, hold, build, sustain, exit" in pt.phase_refusal("hold", "crackdown")


def test_an_illegal_phase_move_is_refused_naming_the_next_phases(cli_db):
    db = ("--as", "pc", "--db", cli_db)
    ok_json("operation", "add", "Op Bradford Moor", "--start", "2026-01-01", *db)
    ok_json("operation", "site", "Op Bradford Moor", "BD3", "--area", "E07000033", "--on", "2026-01-01", *db)
    assert err_json("operation", "phase", "Op Bradford Moor", "BD3", "hold", "--on", "2026-01-02", "--note", "skip clear", *db) == (
        "cannot move site BD3 of Op Bradford Moor to hold: a site in scoping cannot move to hold: from scoping the next phase is clear")
    ok_json("operation", "phase", "Op Bradford Moor", "BD3", "clear", "--on", "2026-01-10", "--note", "week of action", *db)
    assert "before the site's last phase change (clear on 2026-01-10)" in err_json(
        "operation", "phase", "Op Bradford Moor", "BD3", "hold", "--on", "2026-01-09", "--note", "x", *db)
    assert "needs a note" in err_json("operation", "phase", "Op Bradford Moor", "BD3", "hold", "--on", "2026-01-11", "--note", " ", *db)
    for phase in ("hold", "build", "exit"):
        ok_json("operation", "phase", "Op Bradford Moor", "BD3", phase, "--on", "2026-02-01", "--note", phase, *db)
    assert "exit is final" in err_json("operation", "phase", "Op Bradford Moor", "BD3", "clear", "--on", "2026-03-01", "--note", "again", *db)


# ---------------------------------------------------------------- refusals


def test_operations_and_sites_check_what_they_name(world):
    pc = actor(world, "pc")
    with pytest.raises(pt.PatrolError, match=r"no problem 'PRB-2026-0099': give the reference of an existing problem") as refused:
        pt.create_operation(world, pc, "Op X", start=dt.date(2026, 1, 1), problem="PRB-2026-0099")
    assert refused.value.field == "problem"
    with pytest.raises(pt.PatrolError, match=r"no loaded area has code 'E0000': load the area's boundaries first") as refused:
        pt.create_operation(world, pc, "Op X", start=dt.date(2026, 1, 1), area="E0000")
    assert refused.value.field == "area"
    with pytest.raises(pt.PatrolError, match=r"end date 2025-12-31 is before the start date 2026-01-01"):
        pt.create_operation(world, pc, "Op X", start=dt.date(2026, 1, 1), end=dt.date(2025, 12, 31))
    ref = pr.create(world, pc, "Bradford Moor serious violence", area="E05001347")["reference"]
    op = pt.create_operation(world, pc, "Op Jemlock", start=dt.date(2026, 1, 1), problem=ref, area="E05001347")
    assert (op["problem"], op["area"]) == (ref, "E05001347")
    with pytest.raises(pt.PatrolError, match="exists already"):
        pt.create_operation(world, pc, "Op Jemlock", start=dt.date(2026, 1, 1))
    bad = {
        "not both": dict(area="E05001347", lon=-1.7, lat=53.8, radius_m=100),
        "needs all three": dict(lon=-1.7, lat=53.8),
        "say where the site is": {},
        "swapped": dict(lon=53.8, lat=-1.7, radius_m=100),
        "not a WGS84 position": dict(lon=-200, lat=53.8, radius_m=100),
        "radius -5 m is not positive": dict(lon=-1.7, lat=53.8, radius_m=-5),
    }
    for message, where in bad.items():
        with pytest.raises(pt.PatrolError, match=message) as refused:
            pt.add_site(world, pc, "Op Jemlock", "BD", **where)
        assert refused.value.items and "--" not in str(refused.value)
    # a point missing its radius names the field that is missing
    with pytest.raises(pt.PatrolError) as refused:
        pt.add_site(world, pc, "Op Jemlock", "BD", lon=-1.7, lat=53.8)
    assert refused.value.field == "radius_m"
    pt.add_site(world, pc, "Op Jemlock", "BD", lon=-1.7, lat=53.8, radius_m=100)
    with pytest.raises(pt.PatrolError, match="has a site called 'BD' already"):
        pt.add_site(world, pc, "Op Jemlock", "BD", area="E05001347")
    with pytest.raises(pt.PatrolError, match="no loaded area has code 'E09'"):
        pt.add_site(world, pc, "Op Jemlock", "KD", area="E09")


def test_bad_patrols_are_refused_saying_what_to_fix(cli_db):
    db = ("--as", "pc", "--db", cli_db)
    ok_json("operation", "add", "Op Dexter", "--start", "2026-01-01", "--end", "2026-12-31", *db)
    ok_json("operation", "site", "Op Dexter", "Market Place", "--area", "E07000033", *db)

    def refused(*changes: str, site="Market Place", operation="Op Dexter") -> str:
        args = {"--start": "2026-03-02T19:00", "--end": "2026-03-02T20:00", "--officer": "1234", "--activity": "foot patrol"}
        extra = []
        for k, v in zip(changes[::2], changes[1::2]):
            if k in args:
                args[k] = v
            else:
                extra += [k, v]
        flat = [x for kv in args.items() for x in kv if kv[1] is not None]
        return err_json("patrol", "log", "--operation", operation, "--site", site, *flat, *extra, *db)

    assert "the end (2026-03-02 18:00) is not after the start (2026-03-02 19:00, UK time): give an end later than the start" in refused("--end", "2026-03-02T18:00")
    assert "the end (2026-03-02 19:00) is not after the start" in refused("--end", "2026-03-02T19:00")
    assert "lasts 26.0 hours, more than 24: log each shift as its own patrol" in refused("--end", "2026-03-03T21:00")
    assert "no operation called 'Op Nope': check its name against the list of operations" == refused(operation="Op Nope")
    assert "has no site 'Bus Station' (its sites: Market Place): name one of them, or add the site to the operation first" in refused(site="Bus Station")
    assert "falls outside operation Op Dexter's dates (2026-01-01 to 2026-12-31)" in refused("--start", "2025-12-31T23:00", "--end", "2026-01-01T01:00")
    assert "falls outside" in refused("--start", "2026-12-31T23:30", "--end", "2027-01-01T00:30")
    assert "stop searches is -1: give a whole number, 0 or more" in refused("--stop-searches", "-1")
    assert "engagements is -3" in refused("--engagements", "-3")
    assert "no officers given: name at least one officer, by collar number or username, once each (--officer)" in refused("--officer", " , ")
    assert "no activity: say what the patrol did, e.g. 'high-visibility foot patrol' (--activity)" in refused("--activity", " ")
    assert "intelligence submissions is -2: give a whole number, 0 or more (--intel)" in refused("--intel", "-2")
    assert "officer '1234' is listed 2 times" in refused("--officer", "1234,1234")
    assert refused("--arrest", "Released").startswith("--arrest: unknown arrest outcome 'Released': choose one of RUI / BAIL;")
    assert refused("--start", "2026-03-29T01:30", "--end", "2026-03-29T03:00").startswith("--start: the start 2026-03-29T01:30 does not exist in UK time")
    twice = refused("--start", "2026-10-25T01:30", "--end", "2026-10-25T03:00")
    assert "happened twice in UK time" in twice and "2026-10-25T01:30+01:00 for the first time (BST)" in twice
    assert "is not a date and time: use YYYY-MM-DDTHH:MM" in refused("--start", "2026-03-02")
    several = refused("--end", "2026-03-02T18:00", "--intel", "-2", "--officer", ",")
    assert several.count(";") == 2, several  # every problem at once, each with its option
    assert "(--end)" in several and "(--officer)" in several and "(--intel)" in several
    # the ambiguous hour logged with its offset: the second 01:30 (GMT) to 02:30 GMT is one hour
    p = ok_json("patrol", "log", "--operation", "Op Dexter", "--site", "Market Place", "--start", "2026-10-25T01:30+00:00", "--end", "2026-10-25T02:30",
                "--officer", "1234", "--activity", "foot patrol", *db)  # fmt: skip
    assert p["minutes"] == 60
    # the end of the operation's last day is inside it
    ok_json("patrol", "log", "--operation", "Op Dexter", "--site", "Market Place", "--start", "2026-12-31T23:00", "--end", "2027-01-01T00:00",
            "--officer", "1234", "--activity", "foot patrol", *db)  # fmt: skip


# ---------------------------------------------------------------- permissions and audit


def test_only_the_owning_organisation_writes_and_every_write_is_audited(world, tmp_path):
    pc, cou, ana, asb, public = (actor(world, n) for n in ("pc", "cou", "ana", "asb", "public"))
    pt.create_operation(world, pc, "Op Jemlock", start=dt.date(2026, 1, 1))
    pt.add_site(world, pc, "Op Jemlock", "BD", area="E05001347", on=dt.date(2026, 1, 1))
    pt.move_phase(world, pc, "Op Jemlock", "BD", "clear", on=dt.date(2026, 1, 4), note="week of action")
    p = pt.log_patrol(world, pc, "Op Jemlock", "BD", start=uk(2026, 2, 1, 20), end=uk(2026, 2, 1, 22), officers=["4411"], activity="foot patrol",
                      arrests=["RUI / BAIL"])  # fmt: skip
    pt.set_arrest_outcome(world, pc, p["arrests"][0]["id"], "01")
    pt.set_arrest_outcome(world, pc, p["arrests"][0]["id"], "01 - Charged")  # no change: not audited again
    police = get_actor(world, "pc").organisation_id
    assert audit.count(world, subject_type="operation", action="create", owner_org_id=police) == 1
    assert audit.count(world, subject_type="operation", action="change", owner_org_id=police) == 2  # the site, the phase
    assert audit.count(world, subject_type="patrol", action="create", subject_id=str(p["id"]), purpose="operations") == 1
    assert audit.count(world, subject_type="patrol", action="change", subject_id=str(p["id"])) == 1

    refusals = [
        lambda a: pt.log_patrol(world, a, "Op Jemlock", "BD", start=uk(2026, 2, 2, 20), end=uk(2026, 2, 2, 21), officers=["1"], activity="x"),
        lambda a: pt.add_site(world, a, "Op Jemlock", "KD", area="E05001347"),
        lambda a: pt.move_phase(world, a, "Op Jemlock", "BD", "hold", on=dt.date(2026, 2, 1), note="x"),
        lambda a: pt.set_arrest_outcome(world, a, p["arrests"][0]["id"], "03 - Caution"),
    ]
    for call in refusals:
        with pytest.raises(PermissionDenied, match="a problem_owner may not write patrol of another organisation"):
            call(cou)
        with pytest.raises(PermissionDenied, match="an? analyst may not write patrol of their own organisation"):
            call(ana)
    # partners read it; the public sees counts, not who
    assert pt.show_operation(world, cou, "Op Jemlock")["sites"][0]["patrols"] == 1
    assert pt.arrests(world, asb)["rows"][1]["BD"] == 1
    assert "officers" not in pt.patrol_view(world, public, p["id"]) and pt.patrol_view(world, cou, p["id"])["officers"] == ["4411"]
    # exports: a partner practitioner may not; another organisation's problem owner may, and it is audited for the owner
    with pytest.raises(PermissionDenied, match="partner_practitioner may not export patrol"):
        pt.export_return(world, asb, first=dt.date(2026, 1, 1), last=dt.date(2026, 3, 31))
    pt.export_return(world, cou, first=dt.date(2026, 1, 1), last=dt.date(2026, 3, 31))
    assert audit.count(world, subject_type="patrol", action="export", owner_org_id=police, actor_username="cou") == 1
    assert audit.verify(world)[0]


def test_a_refused_write_through_the_cli_says_why(cli_db):
    ok_json("operation", "add", "Op Dexter", "--start", "2026-01-01", "--as", "pc", "--db", cli_db)
    assert err_json("operation", "site", "Op Dexter", "Shops", "--area", "E07000033", "--as", "cou", "--db", cli_db) == (
        "not allowed: a problem_owner may not write patrol of another organisation")
    assert "say who is acting" in err_json("operation", "list", "--db", cli_db)


# ---------------------------------------------------------------- the arrest outcomes table


def test_the_jemlock_arrest_table_is_reproduced_from_arrests_in_the_database(world, tmp_path):
    pc = actor(world, "pc")
    pt.create_operation(world, pc, "Op Jemlock", start=dt.date(2021, 4, 1))
    for d in DISTRICTS:
        pt.add_site(world, pc, "Op Jemlock", d, area="E05001347", on=dt.date(2021, 4, 1))
    rows = published()
    for k, r in enumerate(rows[:-1]):
        for d in DISTRICTS:
            if r[d]:
                pt.log_patrol(world, pc, "Op Jemlock", d, start=uk(2021, 5, 1 + k, 20), end=uk(2021, 5, 1 + k, 23), officers=["PC 1", "PC 2"],
                              activity="Jemlock high-visibility patrol", arrests=[r["outcome"]] * r[d])  # fmt: skip
    table = pt.arrests(world, actor(world, "cou"), operation="Op Jemlock")
    assert table["columns"] == DISTRICTS and table["rows"] == rows
    # as CSV through the CLI, the rows read back as the published table
    url = world.url.render_as_string(hide_password=False)
    r = sara("patrol", "arrests", "--csv", "-", "--as", "pc", "--db", url)
    assert r.exit_code == 0, r.output
    back = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [list(x.values()) for x in back] == [[x["outcome"], *map(str, [x[d] for d in DISTRICTS]), str(x["Total"]), x["%"]] for x in rows]
    # by operation, one column; an RUI / bail arrest that is later charged moves between rows
    by_op = pt.arrests(world, pc, by="operation")
    assert by_op["columns"] == ["Op Jemlock"] and by_op["rows"][-1]["Op Jemlock"] == 1265
    a = sara("patrol", "log", "--operation", "Op Jemlock", "--site", "WD", "--start", "2021-06-01T20:00", "--end", "2021-06-01T21:00",
             "--officer", "PC 3", "--activity", "foot patrol", "--arrest", "rui", "--as", "pc", "--db", url, "--json")  # fmt: skip
    arrest = json.loads(a.stdout)["arrests"][0]["id"]
    ok_json("patrol", "arrest-outcome", str(arrest), "--code", "01 - Charged", "--as", "pc", "--db", url)
    after = {r["outcome"]: r for r in pt.arrests(world, pc)["rows"]}
    assert (after["RUI / BAIL"]["Total"], after["01 - Charged"]["WD"], after["01 - Charged"]["Total"], after["Total (check)"]["Total"]) == (421, 3, 227, 1266)


# ---------------------------------------------------------------- dosage: pure, against brute force


def brute_force(patrols: list[dict]) -> tuple[dict, dict]:
    """Per (site, UK day): visits, minutes present and officer-minutes, minute by minute."""
    present: dict = {}
    officer_minutes: dict = {}
    visits: dict = {}
    for k, p in enumerate(patrols):
        t = p["start"]
        while t < p["end"]:
            key = (p["site"], t.astimezone(LONDON).date())
            present.setdefault(key, set()).add(t)
            officer_minutes[key] = officer_minutes.get(key, 0) + p["officers"]
            visits.setdefault(key, set()).add(k)
            t += dt.timedelta(minutes=1)
    days = {key: (len(visits[key]), float(len(present[key])), float(officer_minutes[key])) for key in present}
    sites: dict = {}
    for p in patrols:
        sites.setdefault(p["site"], []).append((p["end"] - p["start"]).total_seconds() / 60)
    return days, {site: (len(v), sum(v) / len(v), sum(m >= 15 for m in v)) for site, v in sites.items()}


# three nights: an ordinary one, the clocks going forward (29 March 2026), going back (25 October 2026)
NIGHTS = [dt.datetime(2026, 6, 14, 20, tzinfo=UTC), dt.datetime(2026, 3, 28, 20, tzinfo=UTC), dt.datetime(2026, 10, 24, 20, tzinfo=UTC)]
a_patrol = st.builds(
    lambda night, offset, length, site, officers: {"site": site, "start": night + dt.timedelta(minutes=offset),
                                                   "end": night + dt.timedelta(minutes=offset + length), "officers": officers},
    st.sampled_from(NIGHTS), st.integers(0, 12 * 60), st.integers(1, 10 * 60), st.sampled_from(["A", "B"]), st.integers(1, 4),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(a_patrol, max_size=8))
def test_dosage_equals_minute_by_minute_counting(patrols):
    days, sites = brute_force(patrols)
    got = {(r["site"], r["day"]): (r["visits"], r["minutes_present"], r["officer_minutes"]) for r in dosage.by_day(patrols).to_dicts()}
    assert got == days
    per_site = {r["site"]: (r["patrols"], r["mean_visit_minutes"], r["visits_15_plus"]) for r in dosage.by_site(patrols).to_dicts()}
    assert per_site == sites
    for r in dosage.by_site(patrols).to_dicts():
        assert r["minutes_present"] == sum(v[1] for (site, _), v in days.items() if site == r["site"])
        assert r["share_15_plus"] == r["visits_15_plus"] / r["patrols"]


def test_dosage_across_the_clock_changes_by_hand():
    # 23:00 GMT on 28 March to 02:30 BST on 29 March: 60 minutes on the 28th, 90 on the 29th
    spring = [{"site": "BD", "start": uk(2026, 3, 28, 23), "end": uk(2026, 3, 29, 2, 30), "officers": 2}]
    assert [(r["day"].isoformat(), r["minutes_present"], r["officer_minutes"]) for r in dosage.by_day(spring).to_dicts()] == [
        ("2026-03-28", 60.0, 120.0), ("2026-03-29", 90.0, 180.0)]  # fmt: skip
    # 23:00 BST on 24 October to 02:00 GMT on 25 October: 60 minutes, then 180 (01:00-02:00 happens twice)
    autumn = [{"site": "BD", "start": uk(2026, 10, 24, 23), "end": uk(2026, 10, 25, 2), "officers": 1}]
    assert [(r["day"].isoformat(), r["minutes_present"]) for r in dosage.by_day(autumn).to_dicts()] == [("2026-10-24", 60.0), ("2026-10-25", 180.0)]
    # the UK days themselves are 23 and 25 hours long
    assert sum((e - s).total_seconds() for _, s, e in dosage.split_days(uk(2026, 3, 29), uk(2026, 3, 30))) == 23 * 3600
    assert [d for d, _, _ in dosage.split_days(uk(2026, 10, 25), uk(2026, 10, 26))] == [dt.date(2026, 10, 25)]
    assert sum((e - s).total_seconds() for _, s, e in dosage.split_days(uk(2026, 10, 25), uk(2026, 10, 26))) == 25 * 3600
    # two crews at once count once for presence, twice for officer-minutes; a patrol ending at midnight does not visit the next day
    both = [{"site": "KD", "start": uk(2026, 6, 1, 22), "end": uk(2026, 6, 2, 0), "officers": 1},
            {"site": "KD", "start": uk(2026, 6, 1, 23), "end": uk(2026, 6, 2, 0), "officers": 3}]  # fmt: skip
    assert dosage.by_day(both).to_dicts() == [{"site": "KD", "day": dt.date(2026, 6, 1), "visits": 2, "minutes_present": 120.0, "officer_minutes": 300.0}]
    assert dosage.by_site([]).height == 0 and dosage.by_day([]).columns == list(dosage.DAY_SCHEMA)
    # a polars frame is read the same as a list of rows
    assert dosage.by_day(pl.DataFrame(both + spring)).equals(dosage.by_day(both + spring))


# ---------------------------------------------------------------- the quarterly return


@pytest.fixture
def dexter(world):
    """A hand-checked quarter: two sites, overlapping patrols, one crossing into Q2 at midnight."""
    pc = actor(world, "pc")
    pt.create_operation(world, pc, "Op Dexter", start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30))
    pt.add_site(world, pc, "Op Dexter", "Market Place", area="E05001347", on=dt.date(2026, 1, 1))
    pt.add_site(world, pc, "Op Dexter", "Bus Station", lon=-1.2921, lat=53.2317, radius_m=150, on=dt.date(2026, 1, 1))
    pt.move_phase(world, pc, "Op Dexter", "Market Place", "clear", on=dt.date(2026, 2, 1), note="week of action")
    pt.move_phase(world, pc, "Op Dexter", "Market Place", "hold", on=dt.date(2026, 4, 15), note="hold with NPT")
    log = lambda site, s, e, officers, **kw: pt.log_patrol(world, pc, "Op Dexter", site, start=s, end=e, officers=officers, activity="foot patrol", **kw)  # noqa: E731
    log("Market Place", uk(2026, 2, 10, 19), uk(2026, 2, 10, 19, 45), ["11", "12"], arrests=["RUI / BAIL"], stop_searches=1, intelligence_submissions=2,
        engagements=5)  # fmt: skip
    log("Market Place", uk(2026, 2, 10, 19, 30), uk(2026, 2, 10, 20), ["13"])
    log("Market Place", uk(2026, 3, 31, 23, 50), uk(2026, 4, 1, 0, 20), ["11", "12"], notes="night-time economy")
    log("Bus Station", uk(2026, 4, 2, 10), uk(2026, 4, 2, 10, 10), ["21"], engagements=3)
    log("Bus Station", uk(2026, 4, 3, 10), uk(2026, 4, 3, 10, 20), ["21"], intelligence_submissions=1)
    return world


def test_the_quarterly_return_by_hand(dexter, tmp_path):
    pc = actor(dexter, "pc")
    got = pt.export_return(dexter, pc, first=dt.date(2026, 1, 1), last=dt.date(2026, 6, 30))
    assert write_csv(tmp_path / "return.csv", got["columns"], got["rows"]) == 4 and got["parameters"]["quarters"] == ["2026-Q1", "2026-Q2"]
    rows = list(csv.DictReader(open(tmp_path / "return.csv", encoding="utf-8")))
    assert list(rows[0]) == list(pt.RETURN_COLUMNS) == [
        "operation", "site", "where", "area_code", "lon", "lat", "radius_m", "phase", "quarter", "from", "to", "patrols", "hours_present",
        "officer_hours", "mean_visit_minutes", "share_visits_15_plus", "arrests", "stop_searches", "intelligence_submissions", "engagements"]  # fmt: skip
    keys = ("site", "where", "phase", "quarter", "patrols", "hours_present", "officer_hours", "mean_visit_minutes", "share_visits_15_plus", "arrests",
            "stop_searches", "intelligence_submissions", "engagements")  # fmt: skip
    assert [tuple(r[k] for k in keys) for r in rows] == [
        # Q1: 19:00-19:45 x2 officers and 19:30-20:00 x1 overlap: present 60 min, officer-minutes 120; the 23:50-00:20 patrol starts in Q1: +30, +60
        ("Market Place", "E05001347", "clear", "2026-Q1", "3", "1.5", "3.0", "35.0", "1.0", "1", "1", "2", "5"),
        # a text cell beginning with "-" is written behind an apostrophe, so no spreadsheet reads it as a formula
        ("Bus Station", "'-1.29210,53.23170 r=150 m", "scoping", "2026-Q1", "0", "0.0", "0.0", "", "", "0", "0", "0", "0"),
        ("Market Place", "E05001347", "hold", "2026-Q2", "0", "0.0", "0.0", "", "", "0", "0", "0", "0"),
        # a 10-minute and a 20-minute visit: half reach Koper's 15 minutes
        ("Bus Station", "'-1.29210,53.23170 r=150 m", "scoping", "2026-Q2", "2", "0.5", "0.5", "15.0", "0.5", "0", "0", "1", "3"),
    ]  # fmt: skip
    assert (rows[1]["lon"], rows[1]["lat"], rows[1]["radius_m"], rows[1]["area_code"]) == ("-1.2921", "53.2317", "150.0", "")
    assert audit.count(dexter, action="export", subject_type="patrol", actor_username="pc") == 1

    detail = pt.export_return(dexter, pc, first=dt.date(2026, 3, 1), last=dt.date(2026, 4, 30), detail=True)
    write_csv(tmp_path / "detail.csv", detail["columns"], detail["rows"])
    rows = list(csv.DictReader(open(tmp_path / "detail.csv", encoding="utf-8")))
    assert list(rows[0]) == list(pt.DETAIL_COLUMNS) and len(detail["rows"]) == 3
    assert {k: rows[0][k] for k in ("site", "quarter", "start", "end", "minutes", "officers", "officer_ids", "notes")} == {
        "site": "Market Place", "quarter": "2026-Q1", "start": "2026-03-31T23:50+01:00", "end": "2026-04-01T00:20+01:00", "minutes": "30.0",
        "officers": "2", "officer_ids": "11; 12", "notes": "night-time economy"}  # fmt: skip
    assert [(r["site"], r["minutes"], r["engagements"], r["intelligence_submissions"]) for r in rows[1:]] == [
        ("Bus Station", "10.0", "3", "0"), ("Bus Station", "20.0", "0", "1")]  # fmt: skip
    assert audit.count(dexter, action="export", subject_type="patrol") == 2


def test_the_return_quarters_are_cut_to_the_period():
    assert pt.quarters(dt.date(2025, 11, 15), dt.date(2026, 2, 10)) == [
        ("2025-Q4", dt.date(2025, 11, 15), dt.date(2025, 12, 31)), ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 2, 10))]  # fmt: skip
    with pytest.raises(pt.PatrolError, match="the period ends .2026-01-01. before it starts .2026-02-01.") as refused:
        pt.quarters(dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    assert refused.value.field == "last"


def test_dosage_from_the_database_and_its_window(dexter):
    r = pt.dosage_report(dexter, actor(dexter, "cou"), operation="Op Dexter", first=dt.date(2026, 4, 1), last=dt.date(2026, 4, 30))
    # the 23:50-00:20 patrol contributes its 20 minutes after midnight to 1 April
    assert [(d["site"], d["day"], d["visits"], d["minutes_present"]) for d in r["days"]] == [
        ("Market Place", "2026-04-01", 1, 20.0), ("Bus Station", "2026-04-02", 1, 10.0), ("Bus Station", "2026-04-03", 1, 20.0)]  # fmt: skip
    assert [(x["site"], x["patrols"], x["share_15_plus"]) for x in r["sites"]] == [("Market Place", 1, 1.0), ("Bus Station", 2, 0.5)]
    with pytest.raises(pt.PatrolError, match="a site is named only within its operation: name the operation too") as refused:
        pt.dosage_report(dexter, actor(dexter, "pc"), site="Bus Station")
    assert refused.value.field == "site"
