"""Public concerns: a report from the public form lands in the queue of the police and the
council of its district (a pin, a police.uk street, an area named in words, or unplaced for the
police alone); every abuse control refuses with a clear message and stores nothing; a bot's
honeypot gets a receipt and nothing is queued; the receipt is random; the contact details are
shown only to the owning team's problem owners and leads, each showing audited; another team
is told "not found" as for a concern that does not exist; accepting makes a partner-report event
placed where shapely places the point, linked to a problem and a witness; rejecting keeps the
reason; the public pages count accepted concerns by neighbourhood, suppressed under 5; the
demo's concerns. SQLite and PostgreSQL where ``engine`` is used."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

import sara.cli  # noqa: F401  (registers every command)
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import concerns as cc
from sara.casework import demo_concerns, problems
from sara.errors import Conflict, Invalid, NotFound, TooMany
from sara.intake.areas import load_areas
from sara.services import Context, public
from sara.services import concerns as service
from sara.store.schema import Area, Event, EventArea, Source
from sara.store.schema import access as sa_
from sara.store.schema import concerns as sc
from sara.store.schema import people as sp

ROOT = Path(__file__).resolve().parents[1]
PW = "a long enough password"
NOW = dt.datetime(2026, 3, 2, 18)
TOWN_END = (-1.291018, 53.229305)  # a police.uk point in Bolsover town centre
BOLSOVER, CHESTERFIELD = "E07000033", "E07000034"


def _inside(engine, code: str) -> tuple[float, float]:
    with engine.connect() as conn:
        g = shapely.from_wkb(conn.execute(select(Area.geometry).where(Area.code == code)).scalar_one())
    p = shapely.point_on_surface(g)
    return p.x, p.y


def _street_events(engine, rows) -> None:
    """police.uk-like rows: (location, lon, lat)."""
    from tests.test_casework_people import add_events

    ids = add_events(engine, [("Anti-social behaviour", "2025-06", None, False)] * len(rows))
    with engine.begin() as conn:
        for i, (location, lon, lat) in zip(ids, rows):
            conn.execute(Event.__table__.update().where(Event.id == i).values(location=location, lon=lon, lat=lat))


@pytest.fixture
def world(engine):
    """Derbyshire's districts and wards (real boundaries); the force, Bolsover and Chesterfield
    councils, a housing partner; a High Street in both towns and a Castle Street in Bolsover."""
    load_areas(engine, [str(ROOT / "demo" / "derbyshire-districts.geojson.zip")], "district")
    load_areas(engine, [str(ROOT / "demo" / "derbyshire-wards2016.geojson.zip")], "ward")
    for name, kind in (("Derbyshire Police", "police"), ("Bolsover District Council", "council"), ("Chesterfield Borough Council", "council"),
                       ("Bolsover Homes", "housing")):  # fmt: skip
        add_organisation(engine, name, kind)
    for user, org, role in (("pc", "Derbyshire Police", "problem_owner"), ("ana", "Derbyshire Police", "analyst"), ("insp", "Derbyshire Police", "lead"),
                            ("asb", "Bolsover District Council", "problem_owner"), ("ches", "Chesterfield Borough Council", "problem_owner"),
                            ("homes", "Bolsover Homes", "partner_practitioner")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    chesterfield = _inside(engine, CHESTERFIELD)
    _street_events(engine, [("On or near Castle Street", *TOWN_END), ("On or near Castle Street", *TOWN_END), ("On or near Castle Street", -1.2936, 53.2297),
                            ("On or near High Street", *TOWN_END), ("On or near High Street", *chesterfield)])  # fmt: skip
    return {u: get_actor(engine, u) for u in ("pc", "ana", "insp", "asb", "ches", "homes")}


def report(engine, address: str = "192.0.2.1", **kw) -> dict:
    fields = {"category": "asb_nuisance", "where": "", "when": "", "description": "Youths shouting outside the shops every evening"} | kw
    return cc.submit(engine, address=address, now=NOW, **fields)


def ref_of(engine, receipt: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(sc.Concern.reference).where(sc.Concern.receipt == receipt)).scalar_one()


def stored(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(sc.Concern.__table__)).scalar_one()


def test_a_pin_in_bolsover_lands_in_the_queue_of_the_force_and_bolsover_council(engine, world):
    u = world
    r = report(engine, lon=TOWN_END[0], lat=TOWN_END[1], where="by the bus shelter", when="1/3/2026", name="Ann Resident", phone="07700 900123", consent=True)
    assert r["queued"] and re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", r["receipt"])
    ref = ref_of(engine, r["receipt"])
    shown = cc.show(engine, u["asb"], ref)
    assert shown["owners"] == ["Derbyshire Police", "Bolsover District Council"] and shown["district"] == BOLSOVER and shown["placed_by"] == "pin"
    assert shown["occurred_on"] == "2026-03-01" and shown["contact"] == {"name": "Ann Resident", "phone": "07700 900123", "email": None, "consent": True}
    assert cc.show(engine, u["pc"], r["receipt"])["id"] == ref  # found by its receipt too, when the reporter calls
    assert [c["id"] for c in cc.list_concerns(engine, u["pc"])] == [ref] == [c["id"] for c in cc.list_concerns(engine, u["asb"])]
    assert "contact" not in cc.list_concerns(engine, u["pc"])[0] and cc.list_concerns(engine, u["pc"])[0]["contact_given"]
    # an analyst of the force reads it, not the contact; Chesterfield's council is told "not found" as for a concern that does not exist
    assert cc.show(engine, u["ana"], ref)["contact"] == {"withheld": True}
    assert cc.list_concerns(engine, u["ches"]) == []
    with pytest.raises(NotFound) as other:
        cc.show(engine, u["ches"], ref)
    with pytest.raises(NotFound) as none:
        cc.show(engine, u["ches"], "CON-2026-9999")
    assert str(other.value).replace(ref, "X") == str(none.value).replace("CON-2026-9999", "X") and "Ann" not in str(other.value)
    with pytest.raises(PermissionDenied) as refused:
        cc.list_concerns(engine, u["homes"])
    assert "Ann" not in str(refused.value) and ref not in str(refused.value)
    # each showing of the contact details is audited, with its purpose; the analyst's view is not a read of them
    with engine.connect() as conn:
        a = sa_.AuditEvent.__table__
        reads = conn.execute(select(a.c.actor_username, a.c.purpose).where(a.c.subject_type == "concern", a.c.action == "read")).all()
    assert sorted(reads) == [("asb", cc.PURPOSE), ("pc", cc.PURPOSE)]
    assert service.today_items(Context(engine, u["asb"], NOW)) == [{"kind": "concerns_waiting", "id": "moderation", "text": "1 public concern waiting for moderation",
                                                                  "href": "/moderation", "count": 1}]  # fmt: skip
    assert service.today_items(Context(engine, u["ches"], NOW)) == [] == service.today_items(Context(engine, u["homes"], NOW))


def test_receipts_are_random_and_say_nothing(engine, world):
    receipts = [report(engine, address=f"192.0.2.{i}", where="Bolsover")["receipt"] for i in range(6)]
    refs = [ref_of(engine, r) for r in receipts]
    assert len(set(receipts)) == 6 and refs == sorted(refs)  # the references count; the receipts do not
    for r in receipts:
        assert "2026" not in r and "BOL" not in r and not any(ref.split("-")[-1] in r for ref in refs)
    assert sorted(receipts) != receipts or sorted(receipts, reverse=True) != receipts


def test_where_in_words_is_placed_by_a_police_uk_street_or_an_area_or_left_unplaced(engine, world):
    u = world
    with engine.connect() as conn:
        street = cc.place(conn, "Castle Street")
        assert street["placed_by"] == "street" and (street["lon"], street["lat"]) == TOWN_END and street["district_code"] == BOLSOVER  # its most frequent point
        assert cc.place(conn, "On or near castle street")["placed_by"] == "street"
        assert cc.place(conn, "High Street")["placed_by"] is None  # in two districts: which one is not known
        assert cc.place(conn, "High Street, Chesterfield")["district_code"] == CHESTERFIELD
        assert cc.place(conn, "High Street, Bolsover")["district_code"] == BOLSOVER
        ward = cc.place(conn, "Bolsover North West")
        assert ward == {"placed_by": "area", "lon": None, "lat": None, "lsoa_code": None, "ward_code": "E05003305", "district_code": BOLSOVER}
        assert cc.place(conn, "the alley behind the chip shop")["placed_by"] is None
    unplaced = ref_of(engine, report(engine, where="the alley behind the chip shop")["receipt"])
    assert cc.show(engine, u["pc"], unplaced)["owners"] == ["Derbyshire Police"]  # the police triage reports without a place
    with pytest.raises(NotFound):
        cc.show(engine, u["asb"], unplaced)
    chesterfield = ref_of(engine, report(engine, where="High Street, Chesterfield")["receipt"])
    assert cc.show(engine, u["ches"], chesterfield)["owners"] == ["Derbyshire Police", "Chesterfield Borough Council"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"description": "   "}, "description", "say what happened"),
        ({"description": "x" * (cc.DESCRIPTION_MAX + 1)}, "description", f"shorten it to {cc.DESCRIPTION_MAX:,} characters"),
        ({"description": "see <a href='http://spam.example'>here</a>"}, "description", "we do not accept markup"),
        ({"description": "&lt;script&gt;"}, "description", "we do not accept markup"),
        ({"where": "<b>Castle Street</b>"}, "where", "we do not accept markup"),
        ({"description": "a\x00b"}, "description", "not text"),
        ({"category": "spam"}, "category", "choose what your report is about"),
        ({"where": ""}, "where", "say where it happened"),
        (
            {"lon": -0.1276, "lat": 51.5072},
            "where",
            "we can only take reports for Amber Valley, Bolsover, Chesterfield, Derby, Derbyshire Dales, Erewash, High Peak, "
            "North East Derbyshire and South Derbyshire",
        ),
        ({"lon": "nan", "lat": "53"}, "where", "not a place on Earth"),
        ({"when": "31/2/2026"}, "when", "not a real date"),
        ({"when": "2026-03-09"}, "when", "in the future"),
        ({"name": "Ann", "phone": "07700 900123"}, "consent", "tick the box"),
        ({"email": "ann at home", "consent": True}, "email", "not an email address"),
        ({"consent": True}, "phone", "gave no phone number or email"),
    ],
)
def test_the_form_refuses_bad_input_saying_what_to_change_and_stores_nothing(engine, world, fields, field, words):
    with pytest.raises(Invalid) as exc:
        report(engine, **({"where": "Castle Street"} | fields))
    assert exc.value.field == field and words in str(exc.value)
    assert stored(engine) == 0


def test_a_filled_honeypot_is_thanked_with_a_receipt_and_nothing_is_queued(engine, world):
    r = report(engine, where="Castle Street", honeypot="http://cheap-pills.example")
    assert r["queued"] is False and len(r["receipt"]) == 14
    r2 = report(engine, where="", description="", honeypot="x")  # a bot's empty report is thanked too: it learns nothing
    assert r2["queued"] is False and stored(engine) == 0


def test_a_flood_from_one_address_is_refused_and_others_still_report(engine, world):
    for _ in range(3):
        report(engine, address="198.51.100.7", where="Castle Street", limit=3)
    with pytest.raises(TooMany, match="wait an hour"):
        report(engine, address="198.51.100.7", where="Castle Street", limit=3)
    with pytest.raises(TooMany):  # a bot's honeypot and bad input count too
        report(engine, address="198.51.100.7", honeypot="x", limit=3)
    report(engine, address="198.51.100.8", where="Castle Street", limit=3)
    assert stored(engine) == 4
    later = NOW + cc.WINDOW
    cc.submit(engine, category="drugs", where="Castle Street", when="", description="Dealing from a car", address="198.51.100.7", limit=3, now=later)
    with engine.connect() as conn:
        keys = conn.execute(select(sa_.RateLimit.key)).scalars().all()
    assert not any("198.51.100" in k for k in keys)  # the address is kept only as a hash


def test_the_limit_comes_from_the_setting(monkeypatch):
    assert cc.concern_limit() == cc.CONCERN_LIMIT
    monkeypatch.setenv(cc.SETTING, "3")
    assert cc.concern_limit() == 3
    monkeypatch.setenv(cc.SETTING, "none")
    with pytest.raises(Invalid, match="whole number"):
        cc.concern_limit()


def test_accepting_makes_a_partner_report_event_where_the_point_lies(engine, world):
    u = world
    lon, lat = -1.2936, 53.2297
    ref = ref_of(engine, report(engine, lon=lon, lat=lat, when="28/02/2026", name="Ann Resident", email="ann@example.org", consent=True,
                                description="Cars raced round the market place; Joe Bloggs at no. 4 films it")["receipt"])  # fmt: skip
    p = problems.create(engine, u["pc"], "Youth ASB in Bolsover town centre", now=NOW)["reference"]
    with pytest.raises(PermissionDenied, match="an analyst may read public concerns but only problem owners and leads"):
        cc.accept(engine, u["ana"], ref, now=NOW)
    with pytest.raises(NotFound):
        cc.accept(engine, u["ches"], ref, now=NOW)
    done = cc.accept(engine, u["pc"], ref, category="vehicles", summary="Cars raced round the market place", problem=p, witness="new", now=NOW)
    assert done["status"] == "accepted" and done["problem"] == p and done["decided_by"] == "pc" and done["witness"].startswith("PER-")
    with engine.connect() as conn:
        e = conn.execute(select(Event.__table__).where(Event.id == done["event_id"])).mappings().one()
        source = conn.execute(select(Source.name, Source.kind).where(Source.id == e["source_id"])).one()
        placed = {
            (k, c) for k, c in conn.execute(select(Area.kind, Area.code).join(EventArea, EventArea.area_id == Area.id).where(EventArea.event_id == e["id"]))
        }
        shapes = {(k, c): shapely.from_wkb(g) for k, c, g in conn.execute(select(Area.kind, Area.code, Area.geometry))}
        witness = conn.execute(select(sp.PersonEvent.role).join(sp.Person, sp.Person.id == sp.PersonEvent.person_id)
                               .where(sp.Person.reference == done["witness"], sp.PersonEvent.event_id == e["id"])).scalar()  # fmt: skip
    assert tuple(source) == ("public report", "public")
    assert (e["category"], e["asb_category"], e["month"], e["source_ref"], e["reported_by"]) == (
        "Anti-social behaviour",
        "nuisance",
        dt.date(2026, 2, 1),
        ref,
        "public report",
    )
    assert e["context"] == "Cars raced round the market place" and "Bloggs" not in e["context"]  # the moderator's summary, not the description
    assert e["occurred_from"] == dt.datetime(2026, 2, 28) and e["occurred_to"] == dt.datetime(2026, 3, 1)  # the UK day, in UTC (GMT in February)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)
    assert e["x"] == pytest.approx(x, abs=0.01) and e["y"] == pytest.approx(y, abs=0.01)
    assert placed == {key for key, g in shapes.items() if g.contains(shapely.Point(lon, lat))} and ("district", BOLSOVER) in placed
    assert witness == "witness"
    with pytest.raises(Conflict, match="already accepted by pc"):
        cc.reject(engine, u["asb"], ref, "duplicate", now=NOW)
    assert [c["id"] for c in cc.list_concerns(engine, u["asb"], problem=p)] == [ref]
    assert cc.list_concerns(engine, u["asb"]) == [] and [c["id"] for c in cc.list_concerns(engine, u["asb"], status="accepted")] == [ref]


def test_rejecting_needs_a_reason_and_keeps_the_concern(engine, world):
    u = world
    ref = ref_of(engine, report(engine, where="Castle Street")["receipt"])
    with pytest.raises(Invalid, match="needs a reason") as exc:
        cc.reject(engine, u["asb"], ref, "  ", now=NOW)
    assert exc.value.field == "reason"
    done = cc.reject(engine, u["asb"], ref, "A street light fault: passed to highways", now=NOW)
    assert (done["status"], done["reason"], done["decided_by_organisation"], done["event_id"]) == ("rejected", "A street light fault: passed to highways",
                                                                                                    "Bolsover District Council", None)  # fmt: skip
    assert [c["id"] for c in cc.list_concerns(engine, u["pc"], status="rejected")] == [ref]
    with pytest.raises(Conflict):
        cc.accept(engine, u["pc"], ref, now=NOW)
    with engine.connect() as conn:
        a = sa_.AuditEvent.__table__
        trail = conn.execute(select(a.c.action, a.c.actor_username).where(a.c.subject_type == "concern", a.c.subject_id == ref).order_by(a.c.seq)).all()
    assert [tuple(t) for t in trail if t[0] != "read"] == [("create", "public"), ("change", "asb")]


def test_the_public_pages_count_accepted_concerns_by_neighbourhood(engine, world):
    u = world
    ward = {"kind": "ward", "code": "E05003306"}  # Bolsover South, which holds Town End
    for i in range(6):
        ref = ref_of(engine, report(engine, address=f"203.0.113.{i}", lon=TOWN_END[0], lat=TOWN_END[1])["receipt"])
        if i < 5:
            cc.accept(engine, u["pc"], ref, now=NOW)
        if i == 2:
            with engine.connect() as conn:
                assert public._concerns(conn, ward, 5, NOW)["shown"] == "fewer than 5"
    with engine.connect() as conn:
        assert public._concerns(conn, ward, 5, NOW) == {"count": 5, "shown": "5", "suppressed": False, "since": "2025-03-02", "until": "2026-03-02"}
        assert public._concerns(conn, {"kind": "district", "code": BOLSOVER}, 5, NOW)["count"] == 5  # the waiting one is not counted
        assert public._concerns(conn, ward, 5, NOW + dt.timedelta(days=366))["count"] == 0


def test_the_demo_lays_waiting_and_rejected_concerns_on_bolsover(demo_url):
    from sara.store.engine import connect

    engine = connect(demo_url)
    pc, asb = get_actor(engine, "pc.dexter"), get_actor(engine, "asb.officer")
    every = cc.list_concerns(engine, pc, status=None)
    assert all("(synthetic)" in c["description"] for c in every)
    # none accepted: the demo's events stay the real police.uk year's
    assert {c["status"] for c in every} == {"waiting", "rejected"} and sum(c["status"] == "waiting" for c in every) >= 3
    assert any(c["placed_by"] is None for c in every) and any(c["placed_by"] == "pin" for c in every)
    assert len(cc.list_concerns(engine, asb)) == sum(
        c["status"] == "waiting" and c["placed_by"] is not None for c in every
    )  # the unplaced one is the police's alone
    assert demo_concerns.load(engine) == {}
    engine.dispose()
