"""Community messages: messaging groups by area and interest under their codes, drafts from a
problem or an operation prefilled from their public-safe words, every refusal of the public
pages' disclosure control, the writer who may not approve, a change that clears the approval,
exports (CSV neutralised, HTML escaped) of approved messages only, and the monthly counts per
team against an independent count. SQLite and PostgreSQL where ``engine`` is used; the CLI
and the demo on the demo database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import shapely
from sqlalchemy import select

from sara.access import audit
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import demo_messages, patrols, people, premises, problems, publication
from sara.casework import messages as cm
from sara.casework.records import Duplicate, NotFound
from sara.errors import Conflict
from sara.services import Context
from sara.services import messages as service
from sara.store.engine import connect
from sara.store.schema import Area, Event, EventArea, Load, Source
from sara.store.schema import messages as sm
from tests.cli import err_json, ok_json, sara

PW = "a long enough password"
NOW = dt.datetime(2026, 3, 2, 10)
WARD, LSOA, WARD2 = "E05000001", "E01000001", "E05000002"
OPERATION = "Op Castle (test)"
SAID = "Residents told us young people were damaging the shops late at night."
DID = "Officers patrolled at the busiest times and youth workers opened the centre on Fridays."


def _areas_and_events(engine) -> None:
    """Two wards and an LSOA inside the first, with events: an ASB report on Park Road (not
    sensitive), a sexual offence on Hill Street and, in the second ward only, a domestic
    incident on Mill Lane (both sensitive)."""
    with engine.begin() as conn:
        lid = conn.execute(Load.__table__.insert().values(kind="areas", path="x", name="x", sha256="0" * 64, loaded_at=NOW, rows_read=3, inserted=3, updated=0,
                                                          unchanged=0, quarantined=0).returning(Load.id)).scalar_one()  # fmt: skip
        ids = {}
        for kind, code, name, box in (
            ("ward", WARD, "Castle Ward", (0, 0, 2, 2)),
            ("lsoa", LSOA, "Castle 001A", (0, 0, 1, 1)),
            ("ward", WARD2, "Mill Ward", (2, 0, 4, 2)),
        ):
            ids[code] = conn.execute(Area.__table__.insert().values(kind=kind, code=code, name=name, geometry=shapely.to_wkb(shapely.box(*box)), area_km2=1.0,
                                                                    load_id=lid).returning(Area.id)).scalar_one()  # fmt: skip
        src = conn.execute(Source.__table__.insert().values(name="test events", kind="mapped", crs="EPSG:27700").returning(Source.id)).scalar_one()
        for i, (cat, where, domestic, areas) in enumerate((("Anti-social behaviour", "On or near Park Road", False, (WARD, LSOA)),
                                                          ("Violence and sexual offences", "On or near Hill Street", False, (WARD, LSOA)),
                                                          ("Anti-social behaviour", "On or near Mill Lane", True, (WARD2,)))):  # fmt: skip
            eid = conn.execute(Event.__table__.insert().values(source_id=src, key_hi=lid, key_lo=i, month=dt.date(2026, 1, 1), category=cat, location=where,
                                                               domestic=domestic, load_id=lid).returning(Event.id)).scalar_one()  # fmt: skip
            for code in areas:
                conn.execute(EventArea.__table__.insert().values(event_id=eid, area_id=ids[code], method="point"))


@pytest.fixture
def world(engine):
    """Derbyshire Police (a problem owner, an analyst, two leads, a partner practitioner) with a
    problem and an operation in Castle Ward, a recorded person and premises; Bolsover DC (a
    problem owner, a lead and a public viewer)."""
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council")):
        add_organisation(engine, name, kind)
    for user, org, role, shown in (("pc.sam", "Derbyshire Police", "problem_owner", "PC Sam Dexter"), ("ana", "Derbyshire Police", "analyst", "Alex Analyst"),
                                   ("insp", "Derbyshire Police", "lead", "Insp Jo Castle"), ("insp2", "Derbyshire Police", "lead", "Insp Ray Moor"),
                                   ("pp", "Derbyshire Police", "partner_practitioner", "Pat Partner"), ("asb", "Bolsover DC", "problem_owner", "Priya Shah"),
                                   ("lead2", "Bolsover DC", "lead", "Lee Council"), ("public", "Bolsover DC", "public_viewer", "Public viewer")):  # fmt: skip
        add_user(engine, user, org, role, PW, display_name=shown)
    u = {n: get_actor(engine, n) for n in ("pc.sam", "ana", "insp", "insp2", "pp", "asb", "lead2", "public")}
    _areas_and_events(engine)
    people.add_person(engine, u["pc.sam"], "Margaret Hill (test)", "victim", dob=dt.date(1948, 5, 12), now=NOW)
    premises.add_premises(engine, u["pc.sam"], "Flat 3, 12 Castle Street", postcode="S44 6PP", now=NOW)
    ref = problems.create(engine, u["pc.sam"], "Youth nuisance at the shops", area=LSOA, objective="Reduce youth nuisance around the shops", now=NOW)[
        "reference"
    ]
    patrols.create_operation(engine, u["pc.sam"], OPERATION, start=dt.date(2026, 2, 2), end=dt.date(2026, 2, 27), area=LSOA, now=NOW)
    for code, name, kind, area, snt in (("CW-ALL", "Castle Ward residents", "area", WARD, "Castle SNT"), ("MW-ALL", "Mill Ward residents", "area", WARD2, "Mill SNT"),
                                        ("ALLOT", "Allotment Watch", "interest", None, "Castle SNT")):  # fmt: skip
        cm.add_group(engine, u["pc.sam"], code, name, kind, area=area, snt=snt, now=NOW)
    return u, ref


def _draft(engine, u, ref, who="pc.sam", groups=("CW-ALL",), **kw) -> str:
    return cm.draft(engine, u[who], problem=ref, groups=list(groups), now=NOW, **kw)


# ---------------------------------------------------------------- groups


def test_groups_by_area_and_interest_carry_the_messaging_systems_codes(engine, world):
    u, _ = world
    groups = cm.list_groups(engine, u["ana"])  # any user of the organisation reads them
    assert [(g["code"], g["kind"], g["area"]["name"] if g["area"] else None, g["snt"]) for g in groups] == [
        ("CW-ALL", "area", "Castle Ward", "Castle SNT"), ("MW-ALL", "area", "Mill Ward", "Mill SNT"), ("ALLOT", "interest", None, "Castle SNT")]  # fmt: skip
    biz = cm.add_group(engine, u["insp"], "CW-BIZ", "Business Watch, Castle", "interest", area="Castle 001A", subscribers=46, now=NOW)  # an area by its name
    assert biz["area"] == {"kind": "lsoa", "code": LSOA, "name": "Castle 001A"} and biz["subscribers"] == 46
    with pytest.raises(Duplicate, match="already 'Castle Ward residents'"):
        cm.add_group(engine, u["insp"], "CW-ALL", "Another", "area", area=WARD, now=NOW)
    assert cm.add_group(engine, u["asb"], "CW-ALL", "Council's own", "interest", now=NOW)["code"] == "CW-ALL"  # codes are per organisation
    assert [g["code"] for g in cm.list_groups(engine, u["lead2"])] == ["CW-ALL"]
    for kwargs, field in ((dict(code="", name="X", kind="area", area=WARD), "code"), (dict(code="A B", name="X", kind="area", area=WARD), "code"),
                          (dict(code="X1", name=" ", kind="area", area=WARD), "name"), (dict(code="X1", name="X", kind="street"), "kind"),
                          (dict(code="X1", name="X", kind="area"), "area"), (dict(code="X1", name="X", kind="area", area="E05099999"), "area"),
                          (dict(code="X1", name="X", kind="interest", subscribers=-1), "subscribers")):  # fmt: skip
        with pytest.raises(cm.MessageError) as exc:
            cm.add_group(engine, u["pc.sam"], now=NOW, **kwargs)
        assert exc.value.field == field and exc.value.fix
    for who in ("ana", "pp"):
        with pytest.raises(PermissionDenied, match="may not add messaging groups"):
            cm.add_group(engine, u[who], "X2", "X", "interest", now=NOW)
    with pytest.raises(PermissionDenied, match="not the public"):
        cm.list_groups(engine, u["public"])
    assert audit.count(engine, subject_type="message_group", subject_id="CW-BIZ", action="create") == 1


# ---------------------------------------------------------------- drafting


def test_a_draft_from_a_problem_begins_with_its_public_safe_words(engine, world):
    u, ref = world
    s = cm.suggest(engine, u["pc.sam"], problem=ref)
    assert s["source"] == {"kind": "problem", "ref": ref, "label": "Youth nuisance at the shops", "from_summary": False}
    assert s["title"] == "Youth nuisance at the shops"
    assert s["doing"] == "We are working with our partners to reduce youth nuisance around the shops."
    assert s["you_can"] == cm.YOU_CAN and s["left_out"] == []
    # once its public summary is approved, the draft begins with the summary's words
    problems.move(engine, u["pc.sam"], ref, "scanning", now=NOW)
    publication.write(engine, u["pc.sam"], ref, title="Nuisance at the shops", said=SAID, did=DID, area=WARD)
    publication.approve(engine, u["insp"], ref)
    s = cm.suggest(engine, u["pc.sam"], problem=ref)
    assert (s["title"], s["doing"], s["source"]["from_summary"]) == ("Nuisance at the shops", DID, True)
    m = service.draft(Context(engine, u["pc.sam"], NOW), problem=ref, groups=["CW-ALL", "ALLOT"])  # nothing given: the suggestion is the draft
    assert (m["title"], m["doing"], m["you_can"], m["status"], m["snt"]) == ("Nuisance at the shops", DID, cm.YOU_CAN, "draft", "Castle SNT")
    assert m["text"] == f"Nuisance at the shops\n\nWhat we are doing\n{DID}\n\nWhat you can do\n{cm.YOU_CAN}\n\nDerbyshire Police, Castle SNT\n"


def test_a_suggestion_that_would_fail_the_control_is_left_for_the_writer(engine, world):
    u, _ = world
    ref = problems.create(engine, u["pc.sam"], "Assaults on Hill Street", area=LSOA, now=NOW)["reference"]  # a street of a sensitive event
    s = cm.suggest(engine, u["pc.sam"], problem=ref)
    assert s["title"] is None and s["doing"] is None
    assert s["left_out"] == [{"field": "title", "why": "the message's title names a street (Hill Street)"},
                             {"field": "doing", "why": "the problem has nothing to say it from"}]  # fmt: skip
    with pytest.raises(publication.PublicationError, match="what we are doing is empty") as exc:
        cm.draft(engine, u["pc.sam"], problem=ref, groups=["CW-ALL"], title="Assaults in the town", now=NOW)
    assert exc.value.field == "doing"


def test_a_draft_from_an_operation_says_its_name_place_and_period(engine, world):
    u, _ = world
    s = cm.suggest(engine, u["pc.sam"], operation=OPERATION, today=dt.date(2026, 2, 10))
    assert s["title"] == "Op Castle (test): patrols in Castle Ward"
    assert s["doing"] == ("Officers are patrolling in Castle Ward from 2 to 27 February 2026 as part of Op Castle (test), at the times and places residents "
                          "told us about.")  # fmt: skip
    assert cm.suggest(engine, u["pc.sam"], operation=OPERATION, today=dt.date(2026, 2, 28))["doing"].startswith(
        "Officers patrolled in Castle Ward from 2 to 27"
    )
    ref = cm.draft(engine, u["pc.sam"], operation=OPERATION, groups=["CW-ALL"], now=NOW)
    assert cm.show(engine, u["ana"], ref)["source"] == {"kind": "operation", "ref": OPERATION, "label": OPERATION}
    with pytest.raises(NotFound, match="no operation of your organisation"):
        cm.draft(engine, u["asb"], operation=OPERATION, groups=["CW-ALL"], now=NOW)  # another organisation's operation


def test_a_draft_needs_one_source_and_the_organisations_own_groups(engine, world):
    u, ref = world
    for kwargs, field in ((dict(groups=["CW-ALL"]), "source"), (dict(problem=ref, operation=OPERATION, groups=["CW-ALL"]), "source"),
                          (dict(problem=ref, groups=[]), "groups"), (dict(problem=ref, groups=["CW-ALL", "NOPE"]), "groups")):  # fmt: skip
        with pytest.raises(cm.MessageError) as exc:
            cm.draft(engine, u["pc.sam"], now=NOW, **kwargs)
        assert exc.value.field == field
    cm.add_group(engine, u["asb"], "DC-ALL", "Council residents", "interest", now=NOW)
    with pytest.raises(cm.MessageError, match="no messaging group DC-ALL"):  # another organisation's group
        _draft(engine, u, ref, groups=["DC-ALL"])
    with pytest.raises(PermissionDenied, match="drafted by the organisation that owns it"):
        cm.draft(engine, u["asb"], problem=ref, groups=["DC-ALL"], now=NOW)
    for who in ("ana", "pp", "public"):
        with pytest.raises(PermissionDenied):
            _draft(engine, u, ref, who=who)
    with engine.connect() as conn:
        assert conn.execute(select(sm.CommunityMessage.id)).first() is None


@pytest.mark.parametrize(
    ("field", "text", "why"),
    [
        ("doing", "Please quote case PRB-2026-0001 when you call us about it", "a reference"),
        ("you_can", "Give the incident number INC-DX-2 when you call", "a reference"),
        ("doing", "Residents near S44 6PP told us about noise late at night", "a postcode"),
        ("doing", "Margaret Hill told us she was afraid to go out at night", "a person's name"),
        ("doing", "A woman born 12 May 1948 was helped by officers", "a date of birth"),
        ("doing", "The flat at 12 Castle Street was closed by the magistrates", "an address"),
        ("doing", "PC Sam Dexter patrolled every evening over the holidays", "a user's name"),
        ("you_can", "Call pc.sam directly with anything you see", "a user's name"),
        ("doing", "Officers patrolled Hill Street every evening last week", "a street (Hill Street)"),
        ("title", "<script>alert(1)</script> Youth nuisance", "< or >"),
        ("doing", "We <b>listened</b> to what people told us about it", "< or >"),
        ("you_can", "...", "not a sentence"),
        ("doing", "", "empty"),
        ("title", " ", "empty"),
        ("title", "x" * 121, "121 characters"),
        ("doing", "word " * 201, "1,004 characters"),
        ("you_can", "word " * 121, "604 characters"),
    ],
)
def test_every_refusal_of_the_disclosure_control_names_its_field(engine, world, field, text, why):
    u, ref = world
    given = {"title": "Youth nuisance at the shops", "doing": DID, "you_can": cm.YOU_CAN} | {field: text}
    if field == "doing" and not text:
        given["doing"] = None  # not given: the suggestion, which this problem lacks
        ref = problems.create(engine, u["pc.sam"], "Nuisance at the shops", area=LSOA, now=NOW)["reference"]
    with pytest.raises(publication.PublicationError, match=re.escape(why)) as e:
        _draft(engine, u, ref, **given)
    assert e.value.field == field and e.value.fix
    with engine.connect() as conn:
        assert conn.execute(select(sm.CommunityMessage.id)).first() is None


def test_a_street_is_refused_where_a_groups_area_records_a_sensitive_event(engine, world):
    u, ref = world
    doing = "Officers are patrolling Mill Lane and Park Road every evening this month."
    with pytest.raises(publication.PublicationError, match=re.escape("a street (Mill Lane)")) as e:
        _draft(engine, u, ref, groups=("MW-ALL",), doing=doing)  # a domestic incident there, in the group's ward
    assert e.value.field == "doing"
    made = _draft(engine, u, ref, groups=("CW-ALL",), doing=doing)  # Castle Ward records nothing sensitive on Mill Lane; Park Road's ASB is not sensitive
    assert cm.show(engine, u["pc.sam"], made)["doing"] == doing
    with pytest.raises(publication.PublicationError, match="Mill Lane"):
        cm.edit(engine, u["pc.sam"], made, groups=["CW-ALL", "MW-ALL"], now=NOW)  # adding the group checks the words again


# ---------------------------------------------------------------- approval


def test_the_writer_may_not_approve_and_only_a_lead_of_the_organisation_does(engine, world):
    u, ref = world
    by_lead = _draft(engine, u, ref, who="insp")
    with pytest.raises(PermissionDenied) as exc:
        cm.approve(engine, u["insp"], by_lead, now=NOW)
    assert str(exc.value) == f"not allowed: you wrote message {by_lead}: another lead approves it"
    for who in ("pc.sam", "ana", "pp"):  # not leads
        with pytest.raises(PermissionDenied, match="a lead of the organisation approves"):
            cm.approve(engine, u[who], by_lead, now=NOW)
    with pytest.raises(NotFound) as other:  # another organisation's lead: not found, as a message that does not exist
        cm.approve(engine, u["lead2"], by_lead, now=NOW)
    with pytest.raises(NotFound) as missing:
        cm.approve(engine, u["lead2"], "MSG-2099-0001", now=NOW)
    assert str(other.value).replace(by_lead, "X") == str(missing.value).replace("MSG-2099-0001", "X")
    m = cm.approve(engine, u["insp2"], by_lead, now=NOW)
    assert (m["status"], m["approved_by"], m["written_by"]) == ("approved", "insp2", "insp")
    with pytest.raises(cm.MessageError, match="not waiting for approval"):
        cm.approve(engine, u["insp2"], by_lead, now=NOW)
    assert cm.show(engine, u["insp"], _draft(engine, u, ref))["may"] == {"edit": True, "approve": True, "withdraw": True, "export": False}
    assert cm.show(engine, u["ana"], by_lead)["may"] == {"edit": False, "approve": False, "withdraw": False, "export": False}


def test_a_change_clears_the_approval_and_the_export(engine, world):
    u, ref = world
    made = _draft(engine, u, ref)
    cm.approve(engine, u["insp"], made, now=NOW)
    cm.export(engine, u["pc.sam"], made, now=NOW)
    same = cm.edit(engine, u["pc.sam"], made, title="Youth nuisance at the shops", groups=["CW-ALL"], now=NOW)  # nothing changed
    assert same["status"] == "approved" and same["exported_at"] and same["version"] == 1
    changed = cm.edit(engine, u["pc.sam"], made, doing="Officers are patrolling the shops every evening this week.", expect_version=1, now=NOW)
    assert (changed["status"], changed["approved_by"], changed["exported_at"], changed["version"]) == ("draft", None, None, 2)
    with pytest.raises(Conflict, match="changed while you edited it"):
        cm.edit(engine, u["pc.sam"], made, title="Another title for it", expect_version=1, now=NOW)
    with pytest.raises(cm.MessageError, match="approved message"):
        cm.export(engine, u["pc.sam"], made, now=NOW)
    cm.approve(engine, u["insp"], made, now=NOW)
    trail = [e["detail"] for e in _trail(engine, made)]
    assert {"changed": ["doing"], "approval_cleared": True} in trail and sum("approved" in d for d in trail) == 2


def _trail(engine, ref) -> list[dict]:
    import json

    t = audit.sa_.AuditEvent.__table__
    with engine.connect() as conn:
        return [
            {"action": r.action, "detail": json.loads(r.detail)}
            for r in conn.execute(select(t).where(t.c.subject_type == "message", t.c.subject_id == ref).order_by(t.c.seq))
        ]


def test_withdrawn_and_draft_messages_are_not_exported(engine, world):
    u, ref = world
    draft = _draft(engine, u, ref)
    with pytest.raises(cm.MessageError, match=f"message {draft} is draft"):
        cm.export(engine, u["pc.sam"], draft, now=NOW)
    done = _draft(engine, u, ref)
    cm.approve(engine, u["insp"], done, now=NOW)
    cm.withdraw(engine, u["pc.sam"], done, now=NOW)
    with pytest.raises(cm.MessageError, match=f"message {done} is withdrawn"):
        cm.export(engine, u["insp"], done, now=NOW)
    with pytest.raises(cm.MessageError, match="withdrawn"):
        cm.edit(engine, u["pc.sam"], done, title="Try again with this", now=NOW)
    with pytest.raises(cm.MessageError, match="withdrawn already"):
        cm.withdraw(engine, u["insp"], done, now=NOW)
    with pytest.raises(PermissionDenied):
        cm.withdraw(engine, u["ana"], draft, now=NOW)
    assert [m["id"] for m in cm.list_messages(engine, u["ana"], state="withdrawn")] == [done]


# ---------------------------------------------------------------- export


def test_the_export_is_a_csv_per_group_the_text_and_escaped_html(engine, world):
    u, ref = world
    ctx = Context(engine, u["pc.sam"], NOW)
    cm.add_group(engine, u["pc.sam"], "=HYPERLINK(1)", "@Rural & farms", "interest", now=NOW)
    made = _draft(engine, u, ref, groups=("CW-ALL", "=HYPERLINK(1)"), title='=1+1 "Shops" & cafés', you_can="-Lock doors & sheds, and report what you see.")
    with pytest.raises(cm.MessageError):
        service.export(ctx, made)
    cm.approve(engine, u["insp"], made, now=NOW)
    out = service.export(ctx, made)
    rows = list(csv.reader(io.StringIO(out["csv"])))
    assert rows[0] == ["group_code", "group_name", "title", "text"] and len(rows) == 3
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "CW-ALL"]  # every cell that could start a formula behind an apostrophe
    assert rows[1][1] == "'@Rural & farms" and rows[2][2] == '\'=1+1 "Shops" & cafés' and rows[2][3] == "'" + out["text"]
    assert out["text"].startswith('=1+1 "Shops" & cafés\n\nWhat we are doing\n') and "\n-Lock doors" in out["text"]
    assert "&amp;" in out["html"] and "&quot;Shops&quot;" in out["html"] and "<script" not in out["html"]

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.seen = []

        def handle_data(self, data):
            self.seen.append(data)

    p = Text()
    p.feed(out["html"])
    assert "What you can do" in p.seen and "-Lock doors & sheds, and report what you see." in p.seen  # the words as written, once unescaped
    m = cm.show(engine, u["ana"], made)
    assert m["exported_by"] == "pc.sam" and m["exported_at"] == NOW.isoformat()
    assert [e["action"] for e in _trail(engine, made)][-1] == "export"
    with pytest.raises(PermissionDenied):
        service.export(Context(engine, u["ana"], NOW), made)


# ---------------------------------------------------------------- counts


def test_the_monthly_counts_per_team_match_an_independent_count(engine, world):
    u, ref = world
    cm.add_group(engine, u["asb"], "DC-ALL", "Council residents", "interest", now=NOW)
    council_ref = problems.create(engine, u["asb"], "Fly-tipping behind the shops", area=LSOA, objective="Stop fly-tipping behind the shops", now=NOW)[
        "reference"
    ]
    approvals = [  # (organisation's writer, lead, groups, snt, approved at UTC, withdrawn)
        ("pc.sam", "insp", ["CW-ALL"], None, dt.datetime(2026, 1, 5, 9), False),
        ("pc.sam", "insp", ["CW-ALL", "ALLOT"], None, dt.datetime(2026, 1, 31, 23, 30), False),  # 31 January in the UK (GMT)
        ("pc.sam", "insp", ["MW-ALL"], None, dt.datetime(2026, 3, 31, 23, 30), False),  # 1 April in the UK (BST)
        ("pc.sam", "insp", ["CW-ALL", "MW-ALL"], None, dt.datetime(2026, 2, 10, 9), False),  # groups of two teams: no SNT
        ("pc.sam", "insp", ["CW-ALL"], "Rural team", dt.datetime(2026, 2, 11, 9), False),
        ("pc.sam", "insp", ["CW-ALL"], None, dt.datetime(2026, 2, 12, 9), True),  # withdrawn: not counted
        ("asb", "lead2", ["DC-ALL"], None, dt.datetime(2026, 2, 14, 9), False),
        ("asb", "lead2", ["DC-ALL"], None, dt.datetime(2025, 12, 31, 23, 59), False),  # before the period
    ]
    expected: Counter = Counter()
    uk = ZoneInfo("Europe/London")
    for writer, lead, groups, snt, at, withdrawn in approvals:
        made = cm.draft(engine, u[writer], problem=ref if writer == "pc.sam" else council_ref, groups=groups, snt=snt, now=at - dt.timedelta(hours=1))
        m = cm.approve(engine, u[lead], made, now=at)
        if withdrawn:
            cm.withdraw(engine, u[lead], made, now=at + dt.timedelta(days=1))
        else:
            expected[(m["organisation"], m["snt"], at.replace(tzinfo=dt.UTC).astimezone(uk).strftime("%Y-%m"))] += 1
    _draft(engine, u, ref)  # a draft: not counted
    data = cm.counts(engine, u["ana"], start="2026-01", end="2026-04")
    assert data["months"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    got = Counter({(t["organisation"], t["snt"], m): n for t in data["teams"] for m, n in zip(data["months"], t["counts"], strict=True) if n})
    assert got == Counter({k: v for k, v in expected.items() if "2026-01" <= k[2] <= "2026-04"})
    assert [(t["organisation"], t["snt"]) for t in data["teams"]] == [("Bolsover DC", None), ("Derbyshire Police", None), ("Derbyshire Police", "Castle SNT"),
                                                                       ("Derbyshire Police", "Mill SNT"), ("Derbyshire Police", "Rural team")]  # fmt: skip
    assert data["totals"] == [2, 3, 0, 1] and data["total"] == 6 == sum(t["total"] for t in data["teams"])
    default = cm.counts(engine, u["lead2"], today=dt.date(2026, 3, 15))  # every organisation's teams; twelve months to this one
    assert default["start"] == "2025-04" and default["end"] == "2026-03" and default["total"] == 6
    for start, end, field in (
        ("2026-13", None, "start"),
        ("junk", None, "start"),
        ("2026-04", "2026-01", "start"),
        (None, "2026-1", "end"),
        ("2000-01", "2026-01", "start"),
    ):
        with pytest.raises(cm.MessageError) as exc:
            cm.counts(engine, u["ana"], start=start, end=end)
        assert exc.value.field == field
    with pytest.raises(PermissionDenied):
        cm.counts(engine, u["public"])


def test_the_counts_table_charts_the_month_totals(engine, world):
    u, _ = world
    data = service.counts(Context(engine, u["ana"], NOW), start="2026-01", end="2026-03")
    table = service.counts_table(data)
    assert table.rows == (("2026-01", 0), ("2026-02", 0), ("2026-03", 0)) and table.chart.kind == "bar"


# ---------------------------------------------------------------- the CLI and the demo


@pytest.fixture
def demo(demo_url, tmp_path):
    from tests.web import copy_of

    url = copy_of(demo_url, tmp_path)
    return url, demo_refs(connect(url))


def demo_refs(engine) -> dict:
    """The demo's messages (laid by ``sara.casework.demo``, or here if it did not)."""
    demo_messages.load(engine)
    t = sm.CommunityMessage.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.reference, t.c.title, t.c.approved_at, t.c.withdrawn_at).order_by(t.c.id)).all()
    by_title = {r.title: r for r in rows}
    return {"operation": by_title["Extra patrols in Bolsover town centre over Easter (synthetic)"].reference,
            "waiting": next(r.reference for r in rows if r.approved_at is None and r.withdrawn_at is None),
            "withdrawn": next(r.reference for r in rows if r.withdrawn_at is not None),
            "allotments": by_title["Sheds and stores at allotments: please check your locks (synthetic)"].reference}  # fmt: skip


def test_the_demo_messages_are_synthetic_and_load_once(demo):
    from tests.web import DEMO_PASSWORD

    url, made = demo
    engine = connect(url)
    assert demo_messages.load(engine) == {}
    env = {"SARA_PASSWORD": DEMO_PASSWORD}
    listed = ok_json("messages", "list", "--as", "insp.bolsover", "--db", url, env=env)
    assert all("(synthetic)" in g["name"] for g in listed["groups"]) and all("(synthetic)" in m["title"] for m in listed["messages"])
    assert {g["code"] for g in listed["groups"]} >= {"DA-BOL-ALLOT", "DA-BOL-BIZ", "DA-BOL-RURAL"}
    assert Counter(m["status"] for m in listed["messages"]) == Counter({"approved": 3, "draft": 1, "withdrawn": 1}) and listed["waiting"] == 1
    summary = next(m for m in listed["messages"] if m["source"]["kind"] == "problem" and m["exported_at"])
    assert summary["doing"].startswith("Police, the council, housing, the fire service and youth workers")  # its problem's approved public summary
    assert ok_json("messages", "group", "list", "--as", "analyst", "--db", url, env=env) == listed["groups"]
    assert err_json("messages", "list", "--as", "public", "--db", url, env=env).startswith("not allowed")


def test_the_cli_drafts_approves_and_exports(demo, tmp_path):
    from tests.web import DEMO_PASSWORD

    url, made = demo
    env = {"SARA_PASSWORD": DEMO_PASSWORD}
    engine = connect(url)
    with engine.connect() as conn:
        ref = conn.execute(select(problems.sp.Problem.reference).where(problems.sp.Problem.title == demo_messages.DEXTER)).scalar()
    g = ok_json("messages", "group", "add", "DA-BOL-S", "--name", "Bolsover South residents (synthetic)", "--area", "Bolsover South", "--snt", demo_messages.SNT,
                "--as", "pc.dexter", "--db", url, env=env)  # fmt: skip
    assert g["area"]["kind"] == "ward" and g["area"]["name"] == "Bolsover South"
    m = ok_json("messages", "draft", "--problem", ref, "--group", "DA-BOL-S", "--group", "DA-BOL-NW", "--title", "Friday youth sessions (synthetic)",
                "--as", "pc.dexter", "--db", url, env=env)  # fmt: skip
    assert m["status"] == "draft" and [x["code"] for x in m["groups"]] == ["DA-BOL-NW", "DA-BOL-S"] and m["snt"] == demo_messages.SNT
    refused = err_json("messages", "draft", "--problem", ref, "--group", "DA-BOL-NW", "--doing", "We patrol Market Place every evening now", "--as", "pc.dexter",
                       "--db", url, env=env)  # fmt: skip
    assert refused.startswith("--doing: what we are doing names a street (Market Place)")
    assert err_json("messages", "approve", m["id"], "--as", "pc.dexter", "--db", url, env=env).startswith("not allowed")
    assert err_json("messages", "export", m["id"], "--csv", str(tmp_path / "x.csv"), "--as", "pc.dexter", "--db", url, env=env).endswith(
        "only an approved message that is not withdrawn is exported: a lead who did not write it approves it first")  # fmt: skip
    assert ok_json("messages", "approve", m["id"], "--as", "insp.bolsover", "--db", url, env=env)["status"] == "approved"
    out = sara("messages", "export", m["id"], "--csv", str(tmp_path / "m.csv"), "--text", str(tmp_path / "m.txt"), "--html", str(tmp_path / "m.html"),
               "--as", "pc.dexter", "--db", url, env=env)  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "SARA sends nothing" in out.output
    rows = list(csv.DictReader((tmp_path / "m.csv").open(encoding="utf-8", newline="")))
    assert [r["group_code"] for r in rows] == ["DA-BOL-NW", "DA-BOL-S"] and rows[0]["text"] == (tmp_path / "m.txt").read_text()
    assert "<h1>Friday youth sessions (synthetic)</h1>" in (tmp_path / "m.html").read_text()
    counts = ok_json("messages", "counts", "--as", "analyst", "--db", url, env=env)
    team = next(t for t in counts["teams"] if t["snt"] == demo_messages.SNT)
    assert team["counts"][-1] >= 1 and counts["end"] == dt.date.today().strftime("%Y-%m")
    assert ok_json("messages", "withdraw", made["waiting"], "--as", "insp.bolsover", "--db", url, env=env)["status"] == "withdrawn"
    assert ok_json("messages", "show", made["operation"], "--as", "analyst", "--db", url, env=env)["exported_by"] == "pc.dexter"
    edited = ok_json(
        "messages", "edit", made["allotments"], "--title", "Allotment sheds: please check your locks (synthetic)", "--as", "pc.dexter", "--db", url, env=env
    )
    assert edited["status"] == "draft" and edited["approved_by"] is None
