"""How many SQL queries a page costs: the list of powers reads the subjects and problems of
its cases in batches, so its queries do not grow with the number of cases; and the batch
reads of people and premises show each record as its own view does, audited once per
record shown. A count of queries, not a timing."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from sara.access import audit
from sara.access.users import get_actor
from sara.casework import interventions as iv
from sara.casework import people, premises
from sara.casework.clock import LONDON
from sara.errors import Forbidden, NotFound
from sara.services import Context
from sara.services import powers as services_powers
from sara.store.engine import connect
from sara.store.schema import people as sp
from tests.web import client, copy_of

STAFF = ("analyst", "pc.dexter", "asb.officer", "fire.officer", "housing.officer")


@contextmanager
def counted():
    """The number of SQL statements run inside the block, on any engine (``n[0]``)."""
    n = [0]

    def one(conn, cursor, statement, params, context, executemany):
        n[0] += 1

    event.listen(Engine, "before_cursor_execute", one)
    try:
        yield n
    finally:
        event.remove(Engine, "before_cursor_execute", one)


def _refs(engine, table) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(table.select().with_only_columns(table.c.reference).order_by(table.c.id)).scalars())


def _one_by_one(show, engine, actor, refs, **kw) -> dict:
    out = {}
    for ref in refs:
        try:
            out[ref] = show(engine, actor, ref, **kw)
        except (NotFound, Forbidden):
            pass
    return out


def _personal(views) -> int:
    return sum(1 for v in views if v["scope"] != "pseudonymised")


def test_many_people_and_premises_read_at_once_are_what_each_view_shows(demo_url, tmp_path):
    engine = connect(copy_of(demo_url, tmp_path))
    today = dt.date(2026, 3, 1)
    person_refs, premises_refs = _refs(engine, sp.Person.__table__), _refs(engine, sp.Premises.__table__)
    for username in STAFF:
        actor = get_actor(engine, username)
        for kind, show_one, show_many, refs, when in (("person", people.show_person, people.show_many, person_refs, {"today": today}),
                                                      ("premises", premises.show_premises, premises.show_many, premises_refs, {"at": today})):  # fmt: skip
            before = audit.count(engine, action="read", subject_type=kind)
            each = _one_by_one(show_one, engine, actor, [*refs, f"{refs[0][:3]}-1999-9999"], purpose="casework", **when)
            middle = audit.count(engine, action="read", subject_type=kind)
            together = show_many(engine, actor, [*refs, refs[0], f"{refs[0][:3]}-1999-9999"], purpose="casework", **when)
            assert together == each, (username, kind)  # an unknown reference left out, a repeated one read once
            assert audit.count(engine, action="read", subject_type=kind) - middle == middle - before == _personal(each.values())


def test_a_reader_refused_people_gets_no_view_of_anyone(demo_url):
    engine = connect(demo_url)
    public = get_actor(engine, "public")
    refs = _refs(engine, sp.Person.__table__)
    reads = audit.count(engine, action="read")
    try:
        people.show_many(engine, public, refs)
    except Forbidden as exc:
        assert "PER-" not in str(exc)
    else:
        raise AssertionError("a public viewer read people")
    assert audit.count(engine, action="read") == reads


def _more_cases(url: str, n: int) -> None:
    """``n`` more community protection warnings by pc.dexter, each on a person recorded for it."""
    engine = connect(url)
    pc = get_actor(engine, "pc.dexter")
    at = dt.datetime(2026, 3, 2, 10, tzinfo=LONDON)
    for i in range(n):
        ref = people.add_person(engine, pc, f"Query Test {i}", "suspect", dob=dt.date(1990, 1, 1 + i))["id"]
        iv.issue(engine, pc, "cpw", at, subject_ref=ref, by_rank="constable", due=at + dt.timedelta(days=14), problem_ref="PRB-2025-0001")
    engine.dispose()


def test_the_list_of_powers_costs_the_same_queries_however_many_cases(demo_url, tmp_path):
    url = copy_of(demo_url, tmp_path)
    c = client(url, "pc.dexter")
    c.get("/api/powers")
    with counted() as before:
        shown = c.get("/api/powers").json()
    _more_cases(url, 6)
    engine = connect(url)
    reads = audit.count(engine, action="read", subject_type="person")
    with counted() as after:
        more = c.get("/api/powers").json()
    assert more["count"] == shown["count"] + 6
    assert after[0] == before[0] <= 60
    seen = {r["subject"]["id"] for r in more["interventions"] if r["scope"] == "full" and r["subject"] and r["subject"].get("id", "").startswith("PER-")}
    assert len(seen) >= 6 and audit.count(engine, action="read", subject_type="person") - reads == len(seen)  # each person shown, audited once
    assert more == services_powers.cases(Context(engine, get_actor(engine, "pc.dexter")))


DESIGN = "target=Bolsover+004A&before=2025-01:2025-04&after=2025-05:2025-08&category=Anti-social+behaviour"


def test_an_assessments_picture_is_drawn_once_and_still_refused_to_whom_the_problem_is(demo_url):
    from sara.casework import problems
    from sara.services import kept

    engine = connect(demo_url)
    theirs = {p["reference"] for p in problems.list_problems(engine, get_actor(engine, "youth.worker"))}
    hidden = next(p["reference"] for p in problems.list_problems(engine, get_actor(engine, "pc.dexter")) if p["reference"] not in theirs)
    kept.forget()
    c = client(demo_url, "pc.dexter")
    first, again = c.get(f"/assess/picture.png?{DESIGN}&problem={hidden}"), c.get(f"/assess/picture.png?{DESIGN}&problem={hidden}")
    assert first.status_code == again.status_code == 200 and first.content.startswith(b"\x89PNG") and again.content == first.content
    assert sum(1 for full in list(kept._kept) if full[2][0] == "assessment picture") == 1
    refused = client(demo_url, "youth.worker").get(f"/assess/picture.png?{DESIGN}&problem={hidden}")
    assert refused.status_code == 404 and not refused.content.startswith(b"\x89PNG")  # the problem's own refusal, before anything kept
