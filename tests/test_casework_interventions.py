"""ASB powers as stored interventions, through `sara power issue|step|breach|deadlines|table`
and the service behind them: refusals that say what is missing, rule versions kept, deadlines
per user, the yearly scrutiny table, permissions and audit. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta

import pytest
from rich.console import Console

import sara.cli  # noqa: F401  (registers every command)
import sara.cli.powers as cli_powers  # (registers the power commands)
from sara.access import audit
from sara.access.permissions import PermissionDenied
from sara.access.users import acting_as, add_organisation, add_user
from sara.casework import interventions as iv
from sara.casework import premises
from sara.casework.clock import LONDON
from sara.casework.powers import Refused
from sara.casework.records import Duplicate
from sara.casework.rules import load_rules
from sara.store.engine import connect
from tests.cli import err_json, ok_json, sara

PW = "a long enough password"
ADULT = "1990-01-01"
EXAMPLES = load_rules(include_examples=True)


def L(*a):
    return datetime(*a, tzinfo=LONDON)


@pytest.fixture
def db(db_url):
    """Derbyshire Police (pc, pc2, an analyst, a public viewer) and Bolsover DC (cou)."""
    engine = connect(db_url)
    add_organisation(engine, "Derbyshire Police", "police")
    add_organisation(engine, "Bolsover DC", "council")
    for user, org, role in (("pc", "Derbyshire Police", "problem_owner"), ("pc2", "Derbyshire Police", "problem_owner"),
                            ("ana", "Derbyshire Police", "analyst"), ("public", "Derbyshire Police", "public_viewer"),
                            ("cou", "Bolsover DC", "problem_owner")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    engine.dispose()
    return db_url


def cpw(db, subject="S-0001", *, as_="pc", at="2026-03-02T10:00", due="2026-03-16T10:00", dob=ADULT):
    return ok_json("power", "issue", "--power", "cpw", "--subject", subject, "--dob", dob, "--at", at, "--due", due, "--rank", "constable",
                   "--as", as_, "--db", db)  # fmt: skip


def test_cpw_then_cpn_with_its_appeal_deadline(db, monkeypatch):
    case = cpw(db)
    ref = case["reference"]
    assert ref.startswith("INT-2026-") and case["status"] == "warning_issued" and case["rule_version"] == "2014"
    # the CPN needs the time given in the warning to have passed, and the bodies informed
    assert "passed" in err_json("power", "step", ref, "--step", "cpn", "--at", "2026-03-10T10:00", "--rank", "constable",
                                "--fact", "appropriate_bodies_informed", "--as", "pc", "--db", db)  # fmt: skip
    assert "appropriate_bodies_informed" in err_json("power", "step", ref, "--step", "cpn", "--at", "2026-03-17T10:00", "--rank", "constable",
                                                     "--as", "pc", "--db", db)  # fmt: skip
    case = ok_json("power", "step", ref, "--step", "cpn", "--at", "2026-03-17T10:00", "--rank", "constable", "--fact", "appropriate_bodies_informed",
                   "--as", "pc", "--db", db)  # fmt: skip
    assert case["status"] == "notice_issued" and [s["step"] for s in case["steps"]] == ["issue_warning", "issue_notice"]
    got = ok_json("power", "deadlines", "--at", "2026-03-18T09:00", "--within", "30", "--as", "pc", "--db", db)["deadlines"]
    appeal = [d for d in got if d["deadline"] == "cpn_appeal"]
    # 21 days beginning with 17 March: over at the end of 6 April (s.46(2))
    assert len(appeal) == 1 and appeal[0]["due"] == "2026-04-07T00:00:00+01:00" and not appeal[0]["missed"]
    assert appeal[0]["reference"] == ref and appeal[0]["owner"] == "pc" and "s.46(2)" in appeal[0]["basis"]
    # the human table works too
    monkeypatch.setattr(cli_powers, "out", Console(width=200))
    r = sara("power", "deadlines", "--at", "2026-03-18T09:00", "--within", "30", "--as", "pc", "--db", db)
    assert r.exit_code == 0 and ref in r.stdout and "last day to appeal" in r.stdout


def test_refusals_say_what_is_missing(db):
    msg = err_json("power", "issue", "--power", "cpn", "--subject", "S-1", "--dob", ADULT, "--at", "2026-03-02T10:00", "--rank", "constable",
                   "--fact", "appropriate_bodies_informed", "--as", "pc", "--db", db)  # fmt: skip
    assert msg.startswith("refused:") and "Community Protection Warning first" in msg
    msg = err_json("power", "issue", "--power", "cpw", "--subject", "S-2", "--dob", "2011-01-01", "--at", "2026-03-02T10:00",
                   "--due", "2026-03-16T10:00", "--rank", "constable", "--as", "pc", "--db", db)  # fmt: skip
    assert "the subject is 15, under the minimum age of 16" in msg
    assert "date of birth" in err_json("power", "issue", "--power", "cpw", "--subject", "S-3", "--at", "2026-03-02T10:00",
                                       "--due", "2026-03-16T10:00", "--rank", "constable", "--as", "pc", "--db", db)  # fmt: skip
    assert "cannot be in the past" in err_json("power", "issue", "--power", "cpw", "--subject", "S-4", "--dob", ADULT, "--at", "2026-03-02T10:00",
                                               "--due", "2026-03-01T10:00", "--rank", "constable", "--as", "pc", "--db", db)  # fmt: skip
    assert "unknown power" in err_json("power", "issue", "--power", "asbo", "--subject", "S-5", "--as", "pc", "--db", db)
    assert "not a date" in err_json("power", "issue", "--power", "cpw", "--subject", "S-5", "--at", "soon", "--as", "pc", "--db", db)
    assert "no intervention" in err_json("power", "step", "INT-2026-9999", "--step", "cpn", "--as", "pc", "--db", db)
    # nothing refused was stored
    engine = connect(db)
    assert iv.load_all(engine) == []
    engine.dispose()


def _closure(db, rank, hours, subject="P-1", as_="pc", at="2026-05-01T20:00"):
    end = (datetime.fromisoformat(at) + timedelta(hours=hours)).isoformat()
    return sara("power", "issue", "--power", "closure", "--kind", "premises", "--subject", subject, "--at", at, "--due", end, "--rank", rank,
                "--fact", "occupiers_informed", "--as", as_, "--db", db, "--json")  # fmt: skip


def test_closure_notice_by_rank(db):
    r = _closure(db, "inspector", 48)
    assert r.exit_code == 1 and "later than the law allows" in json.loads(r.stdout)["error"] and "s.77(1)" in json.loads(r.stdout)["error"]
    r = _closure(db, "sergeant", 24)
    assert r.exit_code == 1 and "inspector or above" in json.loads(r.stdout)["error"]
    r = _closure(db, "inspector", 24)
    assert r.exit_code == 0, r.output
    case = json.loads(r.stdout)
    assert case["expires_at"] == "2026-05-02T20:00:00+01:00" and case["subject_kind"] == "premises"
    r = _closure(db, "superintendent", 48, subject="P-2")
    assert r.exit_code == 0 and json.loads(r.stdout)["expires_at"] == "2026-05-03T20:00:00+01:00"


def test_premises_already_closed_get_no_second_closure_notice(engine, db):
    """A second notice on premises a live notice closes is a mistake: the first is extended
    (s.77(4)) or an order applied for. Once it has ended, or was cancelled, a new one may go."""
    assert _closure(db, "inspector", 24, subject="P-1").exit_code == 0
    r = _closure(db, "inspector", 24, subject="P-1", at="2026-05-02T08:00")
    assert r.exit_code == 1
    err = json.loads(r.stdout)["error"]
    assert err.startswith("P-1 is already closed by INT-2026-") and "closure notice ends at 2026-05-02 20:00" in err and "extend that notice" in err
    assert _closure(db, "inspector", 24, subject="p-1 ", at="2026-05-02T08:00").exit_code == 1  # the same reference, however typed
    assert _closure(db, "inspector", 24, subject="P-2", at="2026-05-02T08:00").exit_code == 0  # other premises
    assert _closure(db, "inspector", 24, subject="P-1", at="2026-05-02T20:00").exit_code == 0  # the first ended at 20:00
    # cancelled, the premises are open again
    second = iv.load_all(engine)[-1].reference
    ok_json("power", "step", second, "--step", "cancel_notice", "--at", "2026-05-02T21:00", "--rank", "inspector", "--as", "pc", "--db", db)
    assert _closure(db, "inspector", 24, subject="P-1", at="2026-05-02T22:00").exit_code == 0
    # a recorded premises is one place for every organisation: the council is told whom to ask, not the case
    pc, cou = acting_as(engine, "pc"), acting_as(engine, "cou")
    flat = premises.add_premises(engine, pc, "Flat 4, 12 Castle Street", postcode="S44 6PP")["id"]
    iv.issue(engine, pc, "closure", L(2026, 6, 1, 18), subject_ref=flat, subject_kind="premises", by_rank="inspector", due=L(2026, 6, 2, 18),
             facts=["occupiers_informed"])  # fmt: skip
    with pytest.raises(Duplicate, match="already closed by a closure notice or order of Derbyshire Police: ask them") as refused:
        iv.issue(engine, cou, "closure", L(2026, 6, 1, 20), subject_ref=flat, subject_kind="premises", by_rank="local_authority",
                 due=L(2026, 6, 2, 20), facts=["occupiers_informed"])  # fmt: skip
    assert "INT-" not in str(refused.value)
    # while a closure order is in force the premises stay closed
    ref = iv.load_all(engine)[-1].reference
    iv.step(engine, pc, ref, "apply_for_order", L(2026, 6, 2, 9), "constable")
    iv.step(engine, pc, ref, "make_order", L(2026, 6, 2, 15), "court", due=L(2026, 9, 1, 15))
    with pytest.raises(Duplicate, match="closure order ends unless extended at 2026-09-01 15:00"):
        iv.issue(engine, pc, "closure", L(2026, 7, 1, 18), subject_ref=flat, subject_kind="premises", by_rank="inspector",
                 due=L(2026, 7, 2, 18), facts=["occupiers_informed"])  # fmt: skip


def test_refusals_name_the_field_and_the_command_its_option(engine, db):
    ref = cpw(db)["reference"]
    pc = acting_as(engine, "pc")
    with pytest.raises(Refused) as refused:
        iv.step(engine, pc, ref, "cpn", L(2026, 3, 17, 10), "constable")
    assert refused.value.field == "facts" and "--" not in str(refused.value)
    err = err_json("power", "step", ref, "--step", "cpn", "--at", "2026-03-17T10:00", "--rank", "constable", "--as", "pc", "--db", db)
    assert err.startswith("refused: --fact: Issue a Community Protection Notice needs informing the bodies")
    assert err_json("power", "step", ref, "--step", "cpn", "--at", "2026-03-17T10:00", "--rank", "sergeant_major", "--fact", "appropriate_bodies_informed",
                    "--as", "pc", "--db", db).startswith("refused: --rank: Issue a Community Protection Notice must be authorised by")  # fmt: skip
    assert err_json("power", "issue", "--power", "cpw", "--subject", "S-7", "--dob", ADULT, "--at", "2026-03-02T10:00", "--rank", "constable",
                    "--as", "pc", "--db", db).startswith("refused: --due: Issue a Community Protection Warning needs the date and time")  # fmt: skip
    assert err_json("power", "issue", "--power", "asbo", "--subject", "S-5", "--as", "pc", "--db", db).startswith("--power: unknown power 'asbo'")
    assert err_json("power", "issue", "--power", "cpw", "--subject", "S-5", "--problem", "PRB-1999-0001", "--as", "pc", "--db", db).startswith(
        "--problem: no problem 'PRB-1999-0001'")


def test_a_case_keeps_its_rule_version(engine, db):
    pc = acting_as(engine, "pc")
    old = iv.issue(engine, pc, "cpw", L(2026, 9, 1, 10), subject_ref="S-10", subject_dob=date(1990, 1, 1), by_rank="constable",
                   due=L(2026, 9, 15, 10), rules=EXAMPLES)  # fmt: skip
    assert old["rule_version"] == "2014"
    iv.step(engine, pc, old["reference"], "cpn", L(2026, 10, 5, 10), "constable", facts=["appropriate_bodies_informed"], rules=EXAMPLES)
    # after the (example) change of law, the old case still has the £100 cap of its own version
    with pytest.raises(Refused, match="maximum of £100 under rules version 2014"):
        iv.breach(engine, pc, old["reference"], L(2026, 10, 20, 10), "fpn", by_rank="constable", amount_gbp=500, rules=EXAMPLES)
    new = iv.issue(engine, pc, "cpw", L(2026, 10, 2, 10), subject_ref="S-11", subject_dob=date(1990, 1, 1), by_rank="constable",
                   due=L(2026, 10, 16, 10), rules=EXAMPLES)  # fmt: skip
    assert new["rule_version"] == "cpa-2026-example"
    iv.step(engine, pc, new["reference"], "cpn", L(2026, 10, 20, 10), "constable", facts=["appropriate_bodies_informed"], rules=EXAMPLES)
    done = iv.breach(engine, pc, new["reference"], L(2026, 10, 25, 10), "fpn", by_rank="constable", amount_gbp=500, rules=EXAMPLES)
    assert done["status"] == "fpn_issued" and done["steps"][-1]["amount_gbp"] == 500
    # reloading with the default rulebook still finds each case's own version
    assert iv.load(engine, old["reference"]).case.rule_version == "2014"
    assert iv.load(engine, new["reference"]).case.rule_version == "cpa-2026-example"


def test_deadlines_per_user_and_missed_ones_flagged(db):
    assert _closure(db, "inspector", 24, subject="P-1", as_="pc").exit_code == 0
    assert _closure(db, "inspector", 24, subject="P-2", as_="pc2").exit_code == 0
    base = ("--at", "2026-05-02T09:00", "--as", "pc", "--db", db)
    mine = ok_json("power", "deadlines", "--mine", *base)["deadlines"]
    assert {d["owner"] for d in mine} == {"pc"} and {d["deadline"] for d in mine} == {"notice_end", "hearing"}
    everyone = ok_json("power", "deadlines", *base)["deadlines"]
    assert {d["owner"] for d in everyone} == {"pc", "pc2"} and not any(d["missed"] for d in everyone)
    # two days on, the 48-hour hearing duty has passed without a hearing: missed
    later = ok_json("power", "deadlines", "--owner", "pc2", "--at", "2026-05-04T09:00", "--as", "pc", "--db", db)["deadlines"]
    hearing = [d for d in later if d["deadline"] == "hearing"]
    assert len(hearing) == 1 and hearing[0]["missed"] and hearing[0]["owner"] == "pc2"
    # a step that meets the duty closes it
    ref = [d for d in later if d["deadline"] == "hearing"][0]["reference"]
    ok_json("power", "step", ref, "--step", "apply_for_order", "--at", "2026-05-02T10:00", "--rank", "constable", "--as", "pc2", "--db", db)
    ok_json("power", "step", ref, "--step", "make_order", "--at", "2026-05-02T15:00", "--rank", "court", "--due", "2026-08-01T15:00", "--as", "pc2", "--db", db)
    later = ok_json("power", "deadlines", "--owner", "pc2", "--at", "2026-05-04T09:00", "--within", "100", "--as", "pc", "--db", db)["deadlines"]
    assert {d["deadline"] for d in later} == {"order_appeal", "order_end"} and not any(d["missed"] for d in later)


def test_breaches_counted_in_the_yearly_table(engine, db, tmp_path):
    ref = cpw(db)["reference"]
    ok_json("power", "step", ref, "--step", "cpn", "--at", "2026-04-17T10:00", "--rank", "constable", "--fact", "appropriate_bodies_informed",
            "--as", "pc", "--db", db)  # fmt: skip
    assert "penalty amount" in err_json("power", "breach", ref, "--response", "fpn", "--at", "2026-05-01T12:00", "--rank", "constable", "--as", "pc", "--db", db)
    case = ok_json("power", "breach", ref, "--response", "fpn", "--amount", "100", "--at", "2026-05-01T12:00", "--rank", "constable",
                   "--outcome", "paid", "--as", "pc", "--db", db)  # fmt: skip
    assert case["status"] == "fpn_issued" and case["breaches"][0]["response"] == "fpn" and case["breaches"][0]["reported_by"] == "pc"
    # a youth injunction with a power of arrest, breached and taken to court
    pc = acting_as(engine, "pc")
    inj = iv.issue(engine, pc, "injunction", L(2026, 6, 1, 9), subject_ref="S-20", subject_dob=date(2010, 1, 1), by_rank="constable",
                   facts=["yot_consulted"])  # fmt: skip
    with pytest.raises(Refused, match="order or injunction in force"):
        iv.breach(engine, pc, inj["reference"], L(2026, 6, 2, 9), "prosecution")
    iv.step(engine, pc, inj["reference"], "grant", L(2026, 6, 10, 9), "court", due=L(2027, 6, 1, 9), facts=["power_of_arrest"])
    iv.breach(engine, pc, inj["reference"], L(2026, 7, 1, 22), "prosecution", court_reference="YC-123")
    table = iv.yearly_table(engine, date(2026, 4, 1), date(2027, 3, 31))
    assert tuple(table.columns) == iv.COLUMNS
    derbyshire = [(m[0], m[3]) for m in iv.MEASURES]
    assert [(r["section"], r["measure"]) for r in table.to_dicts()][: len(derbyshire)] == derbyshire
    assert len(derbyshire) == 33 and derbyshire[0] == ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "Number of injunctions applied for")
    count = {(r["section"], r["measure"]): r["count"] for r in table.to_dicts()}
    cpn = "COMMUNITY PROTECTION NOTICES"
    assert count[(cpn, "Number of Community Protection Warning letters issued")] == 0  # the warning was in March: the year before
    assert count[(cpn, "Number of Community Protection Notices issued")] == 1
    assert count[(cpn, "Number of FPNs issued for breach of CPN")] == 1
    u18 = "CIVIL INJUNCTIONS (ASB only) - UNDER 18s"
    assert count[(u18, "Number of injunctions applied for")] == count[(u18, "Number of injunctions granted")] == 1
    assert count[(u18, "Number of injunctions granted with power of arrest attached")] == 1
    assert count[(u18, "Number of prosecutions for contempt of court/breach of injunction")] == 1
    assert count[("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "Number of injunctions applied for")] == 0
    assert count[("ALL POWERS", "Number of breaches recorded")] == 2
    before = iv.yearly_table(engine, date(2025, 4, 1), date(2026, 3, 31))
    assert {(r["section"], r["measure"]): r["count"] for r in before.to_dicts()}[(cpn, "Number of Community Protection Warning letters issued")] == 1
    # the command: JSON and CSV
    rows = ok_json("power", "table", "--from", "2026-04-01", "--to", "2027-03-31", "--as", "ana", "--db", db)["rows"]
    assert rows == table.to_dicts()
    path = tmp_path / "powers.csv"
    exports = audit.count(engine, action="export", subject_type="intervention")
    r = sara("power", "table", "--from", "2026-04-01", "--to", "2027-03-31", "--csv", str(path), "--as", "ana", "--db", db)
    assert r.exit_code == 0, r.output
    assert len(list(csv.DictReader(path.open()))) == table.height
    assert audit.count(engine, action="export", subject_type="intervention") == exports + 1
    assert "before it starts" in err_json("power", "table", "--from", "2027-04-01", "--to", "2026-03-31", "--as", "ana", "--db", db)
    # the public see the counts, but export nothing: no file is written
    assert ok_json("power", "table", "--from", "2026-04-01", "--to", "2027-03-31", "--as", "public", "--db", db)["rows"] == rows
    refused = tmp_path / "public.csv"
    err = err_json("power", "table", "--from", "2026-04-01", "--to", "2027-03-31", "--csv", str(refused), "--as", "public", "--db", db)
    assert err == "not allowed: a public_viewer may not export intervention of their own organisation" and not refused.exists()
    with pytest.raises(PermissionDenied):
        iv.export_table(engine, acting_as(engine, "public"), date(2026, 4, 1), date(2027, 3, 31))


def test_permissions_for_another_organisation(db):
    ref = cpw(db)["reference"]
    msg = err_json("power", "step", ref, "--step", "record_compliance", "--at", "2026-03-05T10:00", "--as", "cou", "--db", db)
    assert "not allowed" in msg and "another organisation" in msg
    assert "not allowed" in err_json("power", "breach", ref, "--response", "warning", "--as", "cou", "--db", db)
    # an analyst reads but does not write interventions
    assert "not allowed" in err_json("power", "issue", "--power", "cpw", "--subject", "S-9", "--dob", ADULT, "--at", "2026-03-02T10:00",
                                     "--due", "2026-03-16T10:00", "--rank", "constable", "--as", "ana", "--db", db)  # fmt: skip
    assert "--as" in err_json("power", "deadlines", "--db", db)
    # without a sharing agreement the council sees only a pseudonym, never the subject
    seen = ok_json("power", "deadlines", "--at", "2026-03-10T09:00", "--as", "cou", "--db", db)["deadlines"]
    assert len(seen) == 1 and seen[0]["scope"] == "pseudonymised" and seen[0]["reference"] != ref and seen[0]["owner"] is None
    assert "S-0001" not in json.dumps(seen)
    own = ok_json("power", "deadlines", "--at", "2026-03-10T09:00", "--as", "ana", "--db", db)["deadlines"]
    assert own[0]["reference"] == ref and own[0]["scope"] == "full"


def test_changes_and_reads_are_audited(engine, db):
    ref = cpw(db)["reference"]
    ok_json("power", "step", ref, "--step", "record_compliance", "--at", "2026-03-05T10:00", "--as", "pc", "--db", db)
    assert audit.count(engine, subject_type="intervention", action="create", subject_id=ref) == 1
    assert audit.count(engine, subject_type="intervention", action="change", subject_id=ref) == 1
    ok_json("power", "deadlines", "--at", "2026-03-03T09:00", "--as", "ana", "--db", db)
    assert audit.count(engine, subject_type="intervention", action="read", subject_id=ref) == 0  # complied: no open deadline, nothing shown
    ref2 = cpw(db, "S-0002")["reference"]
    ok_json("power", "deadlines", "--at", "2026-03-03T09:00", "--as", "ana", "--db", db)
    assert audit.count(engine, subject_type="intervention", action="read", subject_id=ref2) == 1
    # a refused step writes nothing
    before = audit.count(engine, subject_type="intervention")
    err_json("power", "step", ref2, "--step", "cpn", "--at", "2026-03-04T10:00", "--as", "pc", "--db", db)
    assert audit.count(engine, subject_type="intervention") == before
    shown = iv.show(engine, acting_as(engine, "pc"), ref2)
    assert shown["subject_ref"] == "S-0002" and audit.count(engine, subject_type="intervention", action="read", subject_id=ref2) == 2
    assert ok_json("audit", "verify", "--db", db)["ok"]
