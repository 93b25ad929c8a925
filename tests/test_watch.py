"""Neighbourhood Watch: schemes placed in their CSP area, member counts over time, coordinators
seen only by police and council users (every read audited, every refusal saying nothing of
what it protects), a coordinator recorded twice refused with nothing duplicated, contacts and
the monthly standard (overdue the day after due), the Today items, and the report's table
checked against a count made by hand from what was recorded. SQLite and PostgreSQL where
``engine`` is used; the demo's schemes on the demo."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict

import pytest
import shapely
from sqlalchemy import func, select

import sara.cli  # noqa: F401  (registers every command)
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import demo_watch
from sara.casework import watch as cw
from sara.casework.records import Duplicate, RecordError
from sara.errors import Invalid, NotFound
from sara.services import Context
from sara.services import watch as service
from sara.store.engine import connect
from sara.store.schema import Area, Load
from sara.store.schema import access as sa_
from sara.store.schema import watch as sw
from tests.cli import err_json, ok_json, sara

PW = "a long enough password"
NOW = dt.datetime(2026, 3, 2, 10)
TODAY = NOW.date()
# code, kind, name, (west, south, east, north) in lon/lat
AREAS = (
    ("D1", "district", "Bolsover", (-1.35, 53.15, -1.15, 53.30)), ("D2", "district", "Chesterfield", (-1.55, 53.15, -1.35, 53.30)),
    ("W1", "ward", "Castle", (-1.34, 53.16, -1.25, 53.29)), ("W2", "ward", "Hilltop", (-1.25, 53.16, -1.16, 53.29)),
    ("W3", "ward", "Spire", (-1.54, 53.16, -1.36, 53.29)), ("W9", "ward", "Far Away", (2.0, 50.0, 2.1, 50.1)),
)  # fmt: skip


def lay_areas(engine) -> None:
    with engine.begin() as conn:
        lid = conn.execute(Load.__table__.insert().values(kind="areas", path="x", name="x", sha256="0" * 64, loaded_at=NOW, rows_read=len(AREAS),
                                                          inserted=len(AREAS), updated=0, unchanged=0, quarantined=0).returning(Load.id)).scalar_one()  # fmt: skip
        for code, kind, name, box in AREAS:
            conn.execute(Area.__table__.insert().values(kind=kind, code=code, name=name, geometry=shapely.to_wkb(shapely.box(*box)), area_km2=1.0, load_id=lid))


@pytest.fixture
def world(engine):
    """Derbyshire Police and Bolsover DC work Neighbourhood Watch; Bolsover Homes (housing) and
    a youth charity are partners who see counts only."""
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover DC", "council"), ("Bolsover Homes", "housing"), ("Youth Trust", "charity")):
        add_organisation(engine, name, kind)
    for user, org, role in (("pcso", "Derbyshire Police", "problem_owner"), ("pc2", "Derbyshire Police", "problem_owner"), ("insp", "Derbyshire Police", "lead"),
                            ("ana", "Derbyshire Police", "analyst"), ("admin", "Derbyshire Police", "administrator"), ("asb", "Bolsover DC", "problem_owner"),
                            ("clead", "Bolsover DC", "lead"), ("public", "Bolsover DC", "public_viewer"), ("housing", "Bolsover Homes", "partner_practitioner"),
                            ("youth", "Youth Trust", "partner_practitioner")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    lay_areas(engine)
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(select(sa_.User.username))]
    return {n: get_actor(engine, n) for n in names}


def _coordinator_reads(engine) -> list[tuple[str, str]]:
    a = sa_.AuditEvent.__table__
    with engine.connect() as conn:
        return [(r.actor_username, r.subject_id) for r in conn.execute(a.select().where(a.c.subject_type == "watch_coordinator", a.c.action == "read").order_by(a.c.seq))]


def _rows(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table.__table__)).scalar_one()


def test_a_scheme_has_its_area_csp_area_team_and_members(engine, world):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle  Street Watch", kind="street", area="Castle", team="Bolsover SNT", members=24, now=NOW)
    assert ref.startswith("NHW-2026-")
    s = cw.show_scheme(engine, u["housing"], ref, today=TODAY)  # any partner reads a scheme
    assert s["name"] == "Castle Street Watch" and s["area"] == {"kind": "ward", "code": "W1", "name": "Castle"}
    assert s["district"] == {"code": "D1", "name": "Bolsover"} and s["team"] == "Bolsover SNT" and s["members"] == 24 and s["organisation"] == "Derbyshire Police"
    allot = cw.add_scheme(engine, u["asb"], "Hilltop Allotment Watch", kind="allotment", area="W2", team="  bolsover   snt ", now=NOW)
    assert cw.show_scheme(engine, u["pcso"], allot, today=TODAY)["team"] == "Bolsover SNT"  # spelled as the team already is
    whole = cw.add_scheme(engine, u["pcso"], "Bolsover Business Watch", kind="business", area="D1", now=NOW)  # a district is its own CSP area
    assert cw.show_scheme(engine, u["pcso"], whole, today=TODAY)["district"]["code"] == "D1"
    with pytest.raises(Duplicate, match=f"already recorded as {ref}"):
        cw.add_scheme(engine, u["insp"], "castle street watch!", area="W1", now=NOW)
    cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W3", now=NOW)  # the same name in another CSP area is another scheme
    bad = {"kind": ("canal", "unknown kind of scheme"), "area": ("Nowhere", "no loaded area 'Nowhere'"), "name": ("", "a scheme needs a name"),
           "members": (-3, "not a number of members")}  # fmt: skip
    for field, (value, why) in bad.items():
        args = {"name": "New Watch", "area": "W1", "kind": "street", "members": 0} | {field: value}
        with pytest.raises(Invalid, match=why) as exc:
            cw.add_scheme(engine, u["pcso"], args.pop("name"), now=NOW, **args)
        assert exc.value.field == field and exc.value.fix
    with pytest.raises(RecordError, match="lies in no loaded district") as exc:
        cw.add_scheme(engine, u["pcso"], "Abroad Watch", area="W9", now=NOW)
    assert "district boundaries" in exc.value.fix
    assert _rows(engine, sw.WatchScheme) == 4


def test_who_may_add_and_change_schemes(engine, world):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", now=NOW)
    cw.add_scheme(engine, u["clead"], "Council Watch", area="W2", now=NOW)  # a council lead writes casework
    for who in ("housing", "youth", "public", "admin"):
        with pytest.raises(PermissionDenied, match="police and council users who write casework"):
            cw.add_scheme(engine, u[who], "Their Watch", area="W1", now=NOW)
    with pytest.raises(PermissionDenied, match="only the organisation that recorded a scheme changes it"):
        cw.set_members(engine, u["asb"], ref, 30, now=NOW)
    with pytest.raises(NotFound, match="no scheme 'NHW-2099-0001'"):
        cw.set_members(engine, u["pcso"], "NHW-2099-0001", 30, now=NOW)
    with pytest.raises(PermissionDenied):
        cw.list_schemes(engine, None)
    assert [s["id"] for s in cw.list_schemes(engine, u["public"], today=TODAY)] == [ref, "NHW-2026-0002"]


def test_member_counts_are_kept_over_time_and_the_table_reads_them_as_at_a_day(engine, world):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", team="Bolsover SNT", members=10, now=dt.datetime(2025, 9, 1, 9))
    cw.set_members(engine, u["pcso"], ref, 15, on=dt.date(2025, 12, 1), now=NOW)
    cw.set_members(engine, u["insp"], ref, 21, now=NOW)
    late = cw.set_members(engine, u["pcso"], ref, 12, on=dt.date(2025, 10, 1), now=NOW)  # a count found late does not replace the latest
    assert late == {"scheme": ref, "members": 21, "members_on": "2026-03-02", "was": 21, "given": 12, "on": "2025-10-01"}
    s = cw.show_scheme(engine, u["housing"], ref, today=TODAY)
    assert s["members"] == 21 and [(h["on"], h["members"]) for h in s["member_history"]] == [("2026-03-02", 21), ("2025-12-01", 15), ("2025-10-01", 12),
                                                                                            ("2025-09-01", 10)]  # fmt: skip
    total = lambda day: cw.table(engine, u["housing"], on=day)["rows"][-1]  # noqa: E731
    assert [total(dt.date(*d))["members"] for d in ((2025, 9, 1), (2025, 10, 15), (2025, 12, 31), (2026, 3, 2))] == [10, 12, 15, 21]
    assert total(dt.date(2025, 8, 31))["schemes"] == 0  # not yet recorded
    with pytest.raises(Invalid, match="in the future"):
        cw.set_members(engine, u["pcso"], ref, 22, on=TODAY + dt.timedelta(days=1), now=NOW)
    with pytest.raises(Invalid, match="not a number of members"):
        cw.set_members(engine, u["pcso"], ref, True, now=NOW)


def test_coordinators_are_seen_only_by_police_and_council_and_every_read_is_audited(engine, world):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", team="Bolsover SNT", members=24, now=NOW)
    c = cw.add_coordinator(engine, u["pcso"], ref, name="Margaret Hill", phone="01632 960001", from_date=dt.date(2026, 1, 5), now=NOW)
    assert c == {"coordinator": "NHC-2026-0001", "scheme": ref, "from": "2026-01-05", "new_record": True}
    before = len(_coordinator_reads(engine))
    for who in ("insp", "ana", "asb", "clead", "pc2"):  # police and council readers of personal data, of any of their organisations
        s = cw.show_scheme(engine, u[who], ref, today=TODAY)
        assert s["coordinator_scope"] == "full" and s["coordinator_list"][0]["name"] == "Margaret Hill" and s["coordinator_list"][0]["phone"] == "01632 960001"
    assert _coordinator_reads(engine)[before:] == [(w, "NHC-2026-0001") for w in ("insp", "ana", "asb", "clead", "pc2")]
    for who in ("housing", "youth", "public", "admin"):  # a partner, the public viewer and an administrator: the count only
        s = cw.show_scheme(engine, u[who], ref, today=TODAY)
        assert s["coordinators"] == 1 and s["coordinator_list"] is None and s["coordinator_scope"] == "count"
        assert "Margaret" not in json.dumps(s) and "NHC-" not in json.dumps(s) and "01632" not in json.dumps(s)
        assert "overdue" not in cw.list_schemes(engine, u[who], today=TODAY)[0]
        assert service.today_items(Context(engine, u[who], NOW)) == []
    assert len(_coordinator_reads(engine)) == before + 5  # counts are not reads


def test_every_refusal_says_nothing_of_the_coordinator_it_protects(engine, world):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", now=NOW)
    cw.add_coordinator(engine, u["pcso"], ref, name="Margaret Hill", phone="01632 960001", now=NOW)
    attempts = {
        "overdue": lambda who: cw.overdue(engine, u[who], today=TODAY),
        "add": lambda who: cw.add_coordinator(engine, u[who], ref, name="Someone Else", phone="01632 960002", now=NOW),
        "contact an existing coordinator": lambda who: cw.log_contact(engine, u[who], "NHC-2026-0001", "visit", now=NOW),
        "contact one that does not exist": lambda who: cw.log_contact(engine, u[who], "NHC-2099-0099", "visit", now=NOW),
        "contact by scheme": lambda who: cw.log_contact(engine, u[who], ref, "phone", now=NOW),
        "end": lambda who: cw.end_coordinator(engine, u[who], ref, "NHC-2026-0001", now=NOW),
    }
    for who in ("housing", "youth", "public", "admin"):
        said = set()
        for what, attempt in attempts.items():
            with pytest.raises(PermissionDenied) as exc:
                attempt(who)
            said.add(str(exc.value))
            assert "Margaret" not in str(exc.value) and "NHC-" not in str(exc.value) and ref not in str(exc.value), what
        assert said == {"not allowed: Neighbourhood Watch coordinators' details are seen only by police and council users who read personal data"}, who
    for who in ("insp", "ana", "clead"):  # readers who do not write personal data
        with pytest.raises(PermissionDenied, match=f"a {u[who].role} may not record coordinators or contacts with them"):
            cw.log_contact(engine, u[who], "NHC-2026-0001", "visit", now=NOW)
    with pytest.raises(PermissionDenied, match="only the organisation that recorded a scheme changes it"):
        cw.add_coordinator(engine, u["asb"], ref, name="Council Pick", phone="01632 960003", now=NOW)
    with pytest.raises(NotFound, match="no coordinator 'NHC-2099-0099'"):  # to someone who may see coordinators, not there is not found
        cw.log_contact(engine, u["pcso"], "NHC-2099-0099", "visit", now=NOW)
    assert _rows(engine, sw.WatchCoordinator) == 1 and _rows(engine, sw.WatchContact) == 0


def test_a_coordinator_recorded_twice_is_refused_and_nothing_is_duplicated(engine, world):
    u = world
    castle = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", now=NOW)
    hilltop = cw.add_scheme(engine, u["pcso"], "Hilltop Allotment Watch", kind="allotment", area="W2", now=NOW)
    first = cw.add_coordinator(engine, u["pcso"], castle, name="Margaret Hill", phone="01632 960001", email="m.hill@example.org", from_date=dt.date(2025, 6, 1),
                               now=NOW)["coordinator"]  # fmt: skip
    twice = [
        dict(coordinator=first),  # the same person on the same scheme
        dict(name="Margaret Hill", phone="+44 1632 960001"),  # the same name and phone, written otherwise
        dict(name="margaret  hill", email="M.Hill@Example.org"),  # the same name and email
    ]
    for given in twice:
        with pytest.raises(Duplicate) as exc:
            cw.add_coordinator(engine, u["pc2"], castle, now=NOW, **given)
        assert first in str(exc.value)
    with pytest.raises(Duplicate, match=f"already recorded as {first} \\(coordinator of {castle}\\); add {first} to {hilltop} instead"):
        cw.add_coordinator(engine, u["pcso"], hilltop, name="Margaret Hill", phone="01632960001", now=NOW)
    assert (_rows(engine, sw.WatchCoordinator), _rows(engine, sw.WatchRole)) == (1, 1)
    cw.add_coordinator(engine, u["pcso"], hilltop, coordinator=first, now=NOW)  # the one person takes on a second scheme
    other = cw.add_coordinator(engine, u["pcso"], hilltop, name="Margaret Hill", phone="07700 900123", now=NOW)  # a namesake with another number
    assert other["new_record"] and other["coordinator"] != first
    t = cw.table(engine, u["housing"], on=TODAY)
    assert t["rows"][-1]["coordinators"] == 3 and t["coordinator_people"] == 2
    for given, field, why in ((dict(name="", phone="01632 960009"), "name", "needs a name"), (dict(name="A B"), "phone", "needs a way to be contacted"),
                              (dict(name="A B", phone="call me"), "phone", "not a phone number"), (dict(name="A B", email="a.b@"), "email", "not an email address")):  # fmt: skip
        with pytest.raises(RecordError, match=why) as exc:
            cw.add_coordinator(engine, u["pcso"], castle, now=NOW, **given)
        assert exc.value.field == field
    ended = cw.end_coordinator(engine, u["pcso"], castle, first, on=dt.date(2026, 3, 1), now=NOW)
    assert ended["to"] == "2026-03-01"
    with pytest.raises(Duplicate, match="until 2026-03-01"):
        cw.add_coordinator(engine, u["pcso"], castle, coordinator=first, now=NOW)
    assert cw.table(engine, u["housing"], on=TODAY)["rows"][-1]["coordinators"] == 2


def test_contacts_and_the_monthly_standard(engine, world, monkeypatch):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", team="Bolsover SNT", now=NOW)
    c = cw.add_coordinator(engine, u["pcso"], ref, name="Margaret Hill", phone="01632 960001", from_date=dt.date(2026, 1, 10), now=NOW)["coordinator"]
    at = lambda y, m, d: cw.overdue(engine, u["insp"], today=dt.date(y, m, d))["coordinators"]  # noqa: E731
    assert at(2026, 2, 10) == [] and [x["days_overdue"] for x in at(2026, 2, 11)] == [1]  # never contacted: due a month after they started
    logged = cw.log_contact(engine, u["pcso"], c, "visit", on=dt.date(2026, 1, 31), note="met at the community centre", now=NOW)
    assert logged["next_due"] == "2026-02-28" and logged["face_to_face"] and logged["by"] == "pcso" and logged["scheme"] == ref  # a month on from 31 January
    assert at(2026, 2, 28) == []
    [late] = at(2026, 3, 1)
    assert late["id"] == c and late["name"] == "Margaret Hill" and late["due"] == "2026-02-28" and late["days_overdue"] == 1
    assert late["last_contact"] == {"on": "2026-01-31", "how": "visit", "by": "pcso"} and late["schemes"] == [{"id": ref, "name": "Castle Street Watch", "team": "Bolsover SNT"}]
    assert [x["id"] for x in cw.overdue(engine, u["insp"], today=dt.date(2026, 3, 1), team="bolsover snt")["coordinators"]] == [c]
    assert cw.overdue(engine, u["insp"], today=dt.date(2026, 3, 1), team="Clowne SNT")["coordinators"] == []
    assert cw.overdue(engine, u["insp"], today=dt.date(2026, 2, 15), within="2 weeks")["count"] == 1  # the standard as an option
    monkeypatch.setenv("SARA_WATCH_CONTACT_STANDARD", "6 weeks")  # and as a setting
    assert cw.overdue(engine, u["insp"], today=dt.date(2026, 3, 1))["standard"] == "6 weeks" and at(2026, 3, 14) == [] and len(at(2026, 3, 15)) == 1
    monkeypatch.setenv("SARA_WATCH_CONTACT_STANDARD", "monthly")
    with pytest.raises(Invalid, match="SARA_WATCH_CONTACT_STANDARD"):
        at(2026, 3, 1)
    monkeypatch.delenv("SARA_WATCH_CONTACT_STANDARD")
    with pytest.raises(Invalid, match="'0 days' is not a period") as exc:
        cw.overdue(engine, u["insp"], today=TODAY, within="0 days")
    assert exc.value.field == "within"
    by_phone = cw.log_contact(engine, u["asb"], ref, "phone", on=dt.date(2026, 3, 1), now=NOW)  # a scheme with one coordinator: theirs; a council officer logs too
    assert by_phone["coordinator"] == c and not by_phone["face_to_face"]
    with pytest.raises(Duplicate, match="already logged"):
        cw.log_contact(engine, u["asb"], c, "phone", on=dt.date(2026, 3, 1), now=NOW)
    colleague = cw.log_contact(engine, u["pcso"], c, "meeting", by="pc2", now=NOW)
    assert colleague["by"] == "pc2"
    for kw, field in ((dict(how="carrier pigeon"), "how"), (dict(how="visit", on=TODAY + dt.timedelta(days=1)), "on"), (dict(how="visit", by="asb"), "by")):
        with pytest.raises(Invalid) as exc:
            cw.log_contact(engine, u["pcso"], c, now=NOW, **kw)
        assert exc.value.field == field
    cw.add_coordinator(engine, u["pcso"], ref, name="Derek Shaw", email="derek@example.org", now=NOW)
    with pytest.raises(RecordError, match="has 2 current coordinators") as exc:
        cw.log_contact(engine, u["pcso"], ref, "visit", now=NOW)
    assert exc.value.field == "coordinator"
    shown = cw.show_scheme(engine, u["insp"], ref, today=TODAY)["coordinator_list"]
    assert [(x["on"], x["how"], x["by"]) for x in shown[0]["contacts"]] == [("2026-03-02", "meeting", "pc2"), ("2026-03-01", "phone", "asb"), ("2026-01-31", "visit", "pcso")]
    cw.end_coordinator(engine, u["pcso"], ref, c, now=NOW)
    assert [x["id"] for x in cw.overdue(engine, u["insp"], today=dt.date(2026, 9, 1))["coordinators"]] == ["NHC-2026-0002"]  # one who stepped down is not due


def test_the_today_page_lists_the_organisations_schemes_overdue_without_names(engine, world):
    u = world
    ref = cw.add_scheme(engine, u["pcso"], "Castle Street Watch", area="W1", team="Bolsover SNT", now=NOW)
    council = cw.add_scheme(engine, u["asb"], "Market Business Watch", kind="business", area="W2", now=NOW)
    for scheme, who, name in ((ref, "pcso", "Margaret Hill"), (ref, "pcso", "Derek Shaw"), (council, "asb", "Lisa Grant")):
        cw.add_coordinator(engine, u[who], scheme, name=name, phone=f"01632 96{len(name):04d}", from_date=dt.date(2026, 1, 2), now=NOW)
    cw.log_contact(engine, u["pcso"], "NHC-2026-0002", "visit", on=dt.date(2026, 2, 1), now=NOW)  # due by 1 March
    later = dt.datetime(2026, 2, 25, 9)
    items = service.today_items(Context(engine, u["insp"], later))
    assert items == [{"kind": "watch_contact", "id": ref, "href": f"/watch/{ref}", "overdue": 1, "since": None,
                      "text": "Contact a coordinator of Castle Street Watch (Bolsover SNT): not contacted within 1 month (never contacted)"}]  # fmt: skip
    assert [i["id"] for i in service.today_items(Context(engine, u["asb"], later))] == [council]  # each organisation its own schemes
    assert service.today_items(Context(engine, u["housing"], later)) == []
    text = json.dumps(service.today_items(Context(engine, u["pcso"], dt.datetime(2026, 3, 30, 9))))
    assert "2 coordinators of Castle Street Watch" in text and "(1 never contacted; the longest since 2026-02-01)" in text and "Margaret" not in text and "Derek" not in text


def test_the_table_is_the_count_made_by_hand_from_what_was_recorded(engine, world):
    """Random schemes, coordinators and member counts across two CSP areas and four teams; the
    table's every row against sums made here from the inputs, not from the database."""
    u = world
    rng = random.Random(13)
    wards = {"W1": "D1", "W2": "D1", "W3": "D2"}
    teams = ["Bolsover SNT", "Shirebrook SNT", "Spire SNT", None]
    expect: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for i in range(24):
        ward, team, members = rng.choice(list(wards)), rng.choice(teams), rng.randint(0, 80)
        ref = cw.add_scheme(engine, u["pcso"], f"Watch {i}", kind=rng.choice(list(cw.KINDS)), area=ward, team=team, members=rng.randint(0, 80), now=NOW)
        cw.set_members(engine, u["pcso"], ref, members, now=NOW)
        n = rng.randint(0, 3)
        for k in range(n):
            cw.add_coordinator(engine, u["pcso"], ref, name=f"Person {i}-{k}", phone=f"01632 9{i:02d}{k:03d}", now=NOW)
        cell = expect[(wards[ward], team or cw.NO_TEAM)]
        cell[0], cell[1], cell[2] = cell[0] + 1, cell[1] + n, cell[2] + members
    t = cw.table(engine, u["public"], on=TODAY)
    got = {(r["district"], r["team"]): [r["schemes"], r["coordinators"], r["members"]] for r in t["rows"] if r["level"] == "team"}
    assert got == dict(expect)
    for d in ("D1", "D2"):
        [sub] = [r for r in t["rows"] if r["level"] == "district" and r["district"] == d]
        assert [sub["schemes"], sub["coordinators"], sub["members"]] == [sum(v[i] for (dd, _), v in expect.items() if dd == d) for i in range(3)]
    total = t["rows"][-1]
    assert total["level"] == "total" and [total["schemes"], total["coordinators"], total["members"]] == [sum(v[i] for v in expect.values()) for i in range(3)]
    assert [r["level"] for r in t["rows"]][:1] == ["district"] and t["rows"][0]["district_name"] == "Bolsover"  # each CSP area's total above its teams
    assert t["columns"] == ["CSP area", "SNT", "NHW schemes", "Co-ordinators", "Members attached to a scheme"]


def test_the_commands_do_what_the_service_does(engine, world):
    db = ["--db", engine.url.render_as_string(hide_password=False)]
    s = ok_json("watch", "scheme", "add", "Castle Street Watch", "--area", "Castle", "--kind", "street", "--team", "Bolsover SNT", "--members", "24", "--as", "pcso", *db)
    assert s["district"]["name"] == "Bolsover" and s["members"] == 24
    a = ok_json("watch", "scheme", "add", "--name", "Hilltop Allotment Watch", "--area", "W2", "--kind", "allotment", "--team", "Bolsover SNT", "--as", "pcso", *db)
    assert a["kind_name"] == "Allotment Watch"
    assert err_json("watch", "scheme", "add", "X", "--area", "W1", "--kind", "canal", "--as", "pcso", *db).startswith("--kind: unknown kind of scheme 'canal'")
    assert err_json("watch", "scheme", "add", "Castle Street Watch", "--area", "W1", "--as", "pcso", *db).startswith("duplicate scheme")
    c = ok_json("watch", "coordinator", "add", s["id"], "--name", "Margaret Hill", "--contact", "01632 960001", "--from", "2026-01-05", "--as", "pcso", *db)
    assert c["coordinator"] == "NHC-2026-0001" or c["coordinator"].startswith("NHC-")
    assert "already recorded as" in err_json("watch", "coordinator", "add", a["id"], "--name", "Margaret Hill", "--phone", "01632960001", "--as", "pcso", *db)
    assert err_json("watch", "coordinator", "add", s["id"], "--name", "Z", "--email", "z@", "--as", "pcso", *db).startswith("--email: 'z@' is not an email address")
    contact = ok_json("watch", "scheme", "contact", s["id"], "--how", "phone", "--on", "2026-01-06", "--note", "all well", "--as", "pcso", *db)
    assert contact["coordinator"] == c["coordinator"] and contact["how"] == "phone"
    assert ok_json("watch", "contact", c["coordinator"], "--how", "visit", "--on", "2026-01-07", "--as", "pcso", *db)["face_to_face"]
    assert err_json("watch", "contact", c["coordinator"], "--how", "fax", "--as", "pcso", *db).startswith("--how: unknown way of contact 'fax'")
    late = ok_json("watch", "overdue", "--as", "insp", *db)  # today is well over a month after 7 January 2026 when this runs
    if dt.date.today() > dt.date(2026, 2, 7):
        assert [x["id"] for x in late["coordinators"]] == [c["coordinator"]] and late["coordinators"][0]["name"] == "Margaret Hill"
    assert ok_json("watch", "scheme", "overdue", "--within", "100 months", "--as", "insp", *db)["count"] == 0
    assert err_json("watch", "overdue", "--within", "soon", "--as", "insp", *db).startswith("--within: 'soon' is not a period")
    refused = err_json("watch", "overdue", "--as", "housing", *db)
    assert refused.startswith("not allowed") and "Margaret" not in refused
    m = ok_json("watch", "members", s["id"], "30", "--as", "pcso", *db)
    assert m["members"] == 30 and m["was"] == 24
    t = ok_json("watch", "table", "--as", "housing", *db)
    assert t["rows"][-1] | {} == {"level": "total", "district": None, "district_name": None, "team": None, "schemes": 2, "coordinators": 1, "members": 30}
    shown = ok_json("watch", "scheme", "show", s["id"], "--as", "housing", *db)
    assert shown["coordinator_list"] is None and shown["coordinators"] == 1
    full = ok_json("watch", "scheme", "show", s["id"], "--as", "insp", *db)
    assert [x["name"] for x in full["coordinator_list"]] == ["Margaret Hill"] and len(full["coordinator_list"][0]["contacts"]) == 2
    listed = ok_json("watch", "scheme", "list", "--team", "Bolsover SNT", "--as", "insp", *db)
    assert [x["id"] for x in listed["schemes"]] == [s["id"], a["id"]] and "overdue" in listed["schemes"][0]
    assert ok_json("watch", "scheme", "list", "--kind", "allotment", "--as", "housing", *db)["schemes"][0]["id"] == a["id"]
    ended = ok_json("watch", "coordinator", "end", s["id"], c["coordinator"], "--as", "pcso", *db)
    assert ended["to"] == dt.date.today().isoformat()
    text = sara("watch", "table", "--as", "housing", *db)
    assert text.exit_code == 0 and "Bolsover total" in text.output and "Total" in text.output


# ---------------------------------------------------------------- the demo's schemes


@pytest.fixture
def demo(demo_url, tmp_path):
    from tests.web import copy_of

    url = copy_of(demo_url, tmp_path)
    engine = connect(url)
    demo_watch.load(engine)  # laid by the demo already, or here when it did not
    return url, engine


def test_the_demo_schemes_are_synthetic_in_bolsover_with_one_coordinator_overdue(demo):
    url, engine = demo
    assert demo_watch.load(engine) == {}  # once only
    ctx = Context(engine, get_actor(engine, "insp.bolsover"))
    data = service.list_schemes(ctx)
    assert len(data["schemes"]) == len(demo_watch.SCHEMES) and all("(synthetic)" in s["name"] and "(synthetic)" in s["team"] for s in data["schemes"])
    assert {s["district"]["name"] for s in data["schemes"]} == {"Bolsover"}
    assert "allotment" in {s["kind"] for s in data["schemes"]} and any("Allotment Watch" in s["name"] for s in data["schemes"])
    late = service.overdue(ctx)
    assert [x["name"] for x in late["coordinators"]] == ["Tom Bradley (synthetic)"]
    assert [i["text"] for i in service.today_items(ctx)] == ["Contact a coordinator of Scarcliffe Farm Watch (synthetic) (Bolsover SNT (synthetic)): not contacted "
                                                             f"within 1 month (last contacted {(ctx.now.date() - dt.timedelta(days=45)).isoformat()})"]  # fmt: skip
    with engine.connect() as conn:
        names = list(conn.execute(select(sw.WatchCoordinator.name)).scalars())
    assert names and all(n.endswith("(synthetic)") for n in names)
    table = service.table(ctx)
    assert table["rows"][0]["district_name"] == "Bolsover" and table["rows"][-1]["schemes"] == 6
    assert table["rows"][-1]["coordinators"] == len(demo_watch.COORDINATORS) + 1 and table["coordinator_people"] == len(demo_watch.COORDINATORS)
    assert table["rows"][-1]["members"] == sum(s[5][-1] for s in demo_watch.SCHEMES)
    housing = Context(engine, get_actor(engine, "housing.officer"))
    assert service.today_items(housing) == [] and "Tom Bradley" not in json.dumps(service.list_schemes(housing))
