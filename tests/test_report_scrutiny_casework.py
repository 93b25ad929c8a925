"""The casework tables of the scrutiny pack on the demo casework: every figure against a count
of the rows themselves (SQL on the tables, not the functions that made the tables), the area
chosen, a user who never signed in lowering the share who did, and a partner practitioner's
counts holding only the casework their organisation works."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import text

from sara.access.users import add_user, get_actor
from sara.services import Context
from sara.services.scrutiny_casework import sections
from sara.store.engine import connect
from tests.cli import PASSWORD, ok_json
from tests.web import DEMO_PASSWORD, client, copy_of

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 1))
TO_NOW = (dt.date(2025, 1, 1), dt.date.today().replace(day=1))


@pytest.fixture
def url(demo_url, tmp_path) -> str:
    return copy_of(demo_url, tmp_path)


def tables(url: str, username: str, period=YEAR, area=None) -> dict:
    engine = connect(url)
    made = sections(Context(engine, get_actor(engine, username)), start=period[0], end=period[1], area=area)
    return {t.name: t for s in made for t in s.tables}


def rows(url: str, sql: str, **params) -> list[tuple]:
    with connect(url).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def one(url: str, sql: str, **params):
    return rows(url, sql, **params)[0][0]


def by(table, key: str, value: str) -> dict:
    found = [dict(zip(table.columns, r)) for r in table.rows if dict(zip(table.columns, r))[key] == value]
    assert len(found) == 1, (value, table.rows)
    return found[0]


def counted(powers, measure: str) -> int:
    """A measure of the powers table over its age groups (the sections split over 18s and under 18s repeat it)."""
    return sum(r[4] for r in powers.rows if r[3] == measure)


def district_of_lsoa(url: str) -> dict[str, str]:
    """LSOA code -> district name, from the LSOA names ("Bolsover 004A" lies in Bolsover)."""
    return {code: name.rsplit(" ", 1)[0] for code, name in rows(url, "SELECT code, name FROM area WHERE kind = 'lsoa'")}


def bolsover(url: str) -> dict:
    code = one(url, "SELECT code FROM area WHERE kind = 'district' AND name = 'Bolsover'")
    lsoas = frozenset(c for c, d in district_of_lsoa(url).items() if d == "Bolsover")
    return {"kind": "district", "code": code, "name": "Bolsover", "lsoa_codes": lsoas}


def test_every_table_has_a_note_and_no_names(demo_url):
    got = tables(demo_url, "insp.bolsover")
    assert set(got) == {"problems_by_area", "powers", "case_reviews", "patrols", "arrest_outcomes", "repeat_victims", "system_use"}
    assert all(t.note for t in got.values())
    names = [n for (n,) in rows(demo_url, "SELECT name FROM person")] + [r for (r,) in rows(demo_url, "SELECT reference FROM person")]
    shown = repr([t.rows for t in got.values()]) + " ".join(t.note for t in got.values())
    assert not [n for n in names if n in shown]


def test_problem_plans_by_district_are_the_problems_rows(demo_url):
    lo, hi = "2025-01-01", "2026-01-01"
    districts = district_of_lsoa(demo_url)
    opened = Counter(districts[a] for a, in rows(demo_url, "SELECT area_code FROM problem WHERE area_code IS NOT NULL AND created_at >= :lo AND created_at < :hi",
                                                 lo=lo, hi=hi))  # fmt: skip
    last_state = {}
    for pid, to in rows(demo_url, "SELECT problem_id, to_state FROM problem_transition WHERE at < :hi ORDER BY problem_id, at, id", hi=hi):
        last_state[pid] = to
    still_open = Counter(districts[a] for pid, a in rows(demo_url, "SELECT id, area_code FROM problem WHERE area_code IS NOT NULL")
                         if last_state.get(pid) not in (None, "closed"))  # fmt: skip
    t = tables(demo_url, "insp.bolsover")["problems_by_area"]
    assert {r[0] for r in t.rows} == {n for (n,) in rows(demo_url, "SELECT name FROM area WHERE kind = 'district'")}
    for r in t.rows:
        assert (r[1], r[2]) == (opened[r[0]], still_open[r[0]]), r
    assert opened["Bolsover"] == 1 and t.chart is not None
    no_area = one(demo_url, "SELECT count(*) FROM problem WHERE area_code IS NULL")
    assert f"{no_area} problem with no area" in t.note


def test_inside_a_district_the_plans_are_by_ward(demo_url):
    area = bolsover(demo_url)
    t = tables(demo_url, "insp.bolsover", TO_NOW, area)["problems_by_area"]
    assert t.columns[0] == "ward"
    assert sum(r[1] for r in t.rows) == sum(1 for (a,) in rows(demo_url, "SELECT area_code FROM problem") if a in area["lsoa_codes"])
    elsewhere = {"kind": "district", "code": one(demo_url, "SELECT code FROM area WHERE kind = 'district' AND name = 'Erewash'"), "name": "Erewash",
                 "lsoa_codes": frozenset(c for c, d in district_of_lsoa(demo_url).items() if d == "Erewash")}  # fmt: skip
    away = tables(demo_url, "insp.bolsover", TO_NOW, elsewhere)
    assert sum(r[1] + r[2] for r in away["problems_by_area"].rows) == 0
    assert sum(r[4] for r in away["powers"].rows) == 0 and away["patrols"].rows == ()


def test_the_powers_table_is_the_power_table_command_and_its_steps(url):
    got = tables(url, "insp.bolsover")["powers"]
    cli = ok_json("power", "table", "--from", "2025-01-01", "--to", "2025-12-31", "--db", url, "--as", "insp.bolsover", env={"SARA_PASSWORD": DEMO_PASSWORD})
    assert [list(r) for r in got.rows] == [[r[c] for c in got.columns] for r in cli["rows"]]
    steps = "SELECT count(*) FROM intervention_step s JOIN intervention i ON i.id = s.intervention_id WHERE i.power = :power AND s.step = :step AND s.at >= :lo AND s.at < :hi"
    span = {"lo": "2025-01-01", "hi": "2026-01-01"}
    for measure, power, step in (("Number of Community Protection Notices issued", "community_protection", "issue_notice"),
                                 ("Number of Community Protection Warning letters issued", "community_protection", "issue_warning"),
                                 ("Number of ABCs signed", "abc", "sign"), ("Number of new Public Spaces Protection Orders made*", "pspo", "make_order"),
                                 ("Number of Criminal Behaviour Orders granted", "cbo", "make_order")):  # fmt: skip
        assert counted(got, measure) == one(url, steps, power=power, step=step, **span) > 0, measure
    breaches = one(url, "SELECT count(*) FROM intervention_breach WHERE occurred_at >= :lo AND occurred_at < :hi", **span)
    assert counted(got, "Number of breaches recorded") == breaches == 3


def test_case_reviews_are_the_case_review_rows(demo_url):
    t = tables(demo_url, "analyst")["case_reviews"]
    span = {"lo": "2025-01-01", "hi": "2025-12-31"}
    received = rows(demo_url, "SELECT threshold_met FROM case_review WHERE received_on BETWEEN :lo AND :hi", **span)
    held = rows(demo_url, "SELECT recommendations FROM case_review WHERE review_held_on BETWEEN :lo AND :hi", **span)
    assert [r[1] for r in t.rows] == [len(received), sum(1 for (m,) in received if not m), len(held), sum(1 for (n,) in held if n)] == [2, 1, 1, 1]


def test_patrols_and_arrests_are_the_patrol_rows(demo_url):
    got = tables(demo_url, "insp.bolsover")
    t, outcomes = got["patrols"], got["arrest_outcomes"]
    sql = """SELECT s.name, p.start_at, p.end_at, p.officer_count, (SELECT count(*) FROM patrol_arrest a WHERE a.patrol_id = p.id)
             FROM patrol p JOIN operation_site s ON s.id = p.site_id WHERE p.start_at >= '2025-01-01' AND p.start_at < '2026-01-01'"""
    per_site: dict = {}
    for site, start, end, officers, arrests in rows(demo_url, sql):
        minutes = (dt.datetime.fromisoformat(str(end)) - dt.datetime.fromisoformat(str(start))).total_seconds() / 60
        c = per_site.setdefault(site, Counter())
        c.update({"patrols": 1, "minutes": minutes, "officer_minutes": minutes * officers, "arrests": arrests})
    assert {r[1] for r in t.rows} == set(per_site)
    for r in t.rows:
        c = per_site[r[1]]
        assert (r[3], r[4], r[5], r[6]) == (c["patrols"], round(c["minutes"] / 60, 2), round(c["officer_minutes"] / 60, 2), c["arrests"])  # one crew a site at a time
        assert r[2] == "Bolsover North West"  # named, not coded
    codes = Counter(c for c, in rows(demo_url, "SELECT a.outcome_code FROM patrol_arrest a JOIN patrol p ON p.id = a.patrol_id WHERE p.start_at < '2026-01-01'"))
    for r in outcomes.rows[:-1]:
        assert r[-2] == codes[r[0]], r
    assert outcomes.rows[-1][-2] == sum(codes.values()) == sum(r[6] for r in t.rows)
    none = tables(demo_url, "insp.bolsover", (dt.date(2024, 1, 1), dt.date(2024, 12, 1)))["patrols"]
    assert none.rows == () and f"{one(demo_url, 'SELECT count(*) FROM patrol')} patrols of these operations outside the period" in none.note


def test_repeat_victims_are_counted_from_the_linked_events(demo_url):
    linked = rows(demo_url, "SELECT pe.person_id, e.month FROM person_event pe JOIN event e ON e.id = pe.event_id WHERE pe.role = 'victim'")
    assert all(str(m).startswith("2025") for _, m in linked)  # one year of months: 3 or more is a repeat within 12 months
    events = Counter(p for p, _ in linked)
    t = tables(demo_url, "insp.bolsover")["repeat_victims"]
    got = dict(t.rows)
    repeat = {p for p, n in events.items() if n >= 3}
    assert got["Victims with an event in the period"] == len(events) == 3
    assert got["Repeat victims identified in the period"] == len(repeat) == 2
    assert got["Events in the period of repeat victims"] == sum(events[p] for p in repeat)
    assert dict(tables(demo_url, "insp.bolsover", (dt.date(2026, 1, 1), TO_NOW[1]))["repeat_victims"].rows)["Repeat victims identified in the period"] == 0
    assert tables(demo_url, "demo.admin")["repeat_victims"].rows == ()  # an administrator reads no records of people: no counts of them either


def test_a_user_who_never_signed_in_lowers_the_share(url):
    for username in ("analyst", "insp.bolsover", "asb.officer"):
        client(url, username)
    police_users = one(url, "SELECT count(*) FROM app_user u JOIN organisation o ON o.id = u.organisation_id WHERE o.name = 'Derbyshire Constabulary' AND u.active")
    t = tables(url, "insp.bolsover", TO_NOW)["system_use"]
    police = by(t, "organisation", "Derbyshire Constabulary")
    # Other tests may sign in on the shared demo before it is copied: count the sign-ins in the audit trail itself.
    signed = """SELECT count(DISTINCT a.actor_user_id) FROM audit_event a JOIN app_user u ON u.id = a.actor_user_id JOIN organisation o ON o.id = u.organisation_id
                WHERE a.action = 'login' AND u.active AND o.name = :o"""  # fmt: skip
    police_in = one(url, signed, o="Derbyshire Constabulary")
    assert police_in >= 2 and (police["users"], police["signed_in"]) == (police_users, police_in) and police["share_pct"] == round(100 * police_in / police_users, 1)
    assert by(t, "organisation", "Bolsover District Council")["signed_in"] == one(url, signed, o="Bolsover District Council") >= 1
    add_user(connect(url), "new.pc", "Derbyshire Constabulary", "problem_owner", PASSWORD)
    after = by(tables(url, "insp.bolsover", TO_NOW)["system_use"], "organisation", "Derbyshire Constabulary")
    assert (after["users"], after["signed_in"]) == (police_users + 1, police_in) and after["share_pct"] < police["share_pct"]
    earlier = tables(url, "insp.bolsover", (dt.date(2025, 1, 1), dt.date(2025, 6, 1)))["system_use"]
    assert earlier.rows == tables(url, "insp.bolsover", TO_NOW)["system_use"].rows  # as at the day the pack is made, whatever its period


def test_a_partner_practitioner_counts_only_the_casework_their_organisation_works(url):
    lead, fire = tables(url, "insp.bolsover", TO_NOW), tables(url, "fire.officer", TO_NOW)
    fire_org = one(url, "SELECT id FROM organisation WHERE name = 'Derbyshire Fire and Rescue Service'")
    worked = rows(url, """SELECT p.reference FROM problem p WHERE p.organisation_id = :o
                          OR p.id IN (SELECT problem_id FROM problem_partner WHERE organisation_id = :o)""", o=fire_org)  # fmt: skip
    everything = one(url, "SELECT count(*) FROM problem WHERE area_code IS NOT NULL")
    assert sum(r[1] for r in fire["problems_by_area"].rows) == len(worked) == 1 < sum(r[1] for r in lead["problems_by_area"].rows) == everything
    assert "no area" not in fire["problems_by_area"].note  # the council's plan with no area is not theirs: not even counted as left out
    closure = "Number of Closure Notices issued (48 hours)"
    assert counted(lead["powers"], closure) == 1 and counted(fire["powers"], closure) == 0
    cpw = "Number of Community Protection Warning letters issued"
    assert counted(lead["powers"], cpw) == 2 and counted(fire["powers"], cpw) == 1  # the police's own CPW serves no shared problem
    assert [r[0] for r in fire["system_use"].rows] == ["Derbyshire Fire and Rescue Service"]
    assert dict(fire["case_reviews"].rows)["Applications received"] == 0 < dict(lead["case_reviews"].rows)["Applications received"]
    assert dict(fire["repeat_victims"].rows)["Repeat victims identified in the period"] == 0
