"""Asset mapping: services recorded by the partner that runs or commissions them (only it changes
them; every signed-in partner reads them), checked input with the fix said, a CSV import that
accounts for every row, and the gaps: for each ward of Bolsover and each kind of provision, the
wards with none, beside the open problems there, checked against an independent count from the
boundary files (shapely on the GeoJSON, not SARA's areas). SQLite and PostgreSQL where
``engine`` is used; the demo's services at the end."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

import sara.cli  # noqa: F401  (registers every command)
from sara.access.permissions import PermissionDenied
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import assets as cassets
from sara.casework import problems
from sara.casework.records import Duplicate, RecordError
from sara.errors import Invalid, NotFound
from sara.intake.areas import load_areas
from sara.services import Context
from sara.services import assets as service
from sara.store.schema import access as sa_
from tests.cli import err_json, ok_json

ROOT = Path(__file__).resolve().parents[1]
PW = "a long enough password"
NOW = dt.datetime(2026, 3, 2, 10)
TODAY = NOW.date()
BOLSOVER = "E07000033"
WARDS = {"E05003305": "Bolsover North West", "E05003306": "Bolsover South", "E05003307": "Bolsover West", "E05003314": "Shirebrook East",
         "E05003308": "Clowne North"}  # fmt: skip


def _features(zip_name: str, keep) -> list[dict]:
    with zipfile.ZipFile(ROOT / "demo" / zip_name) as z:
        data = json.loads(z.read(z.namelist()[0]))
    return [f for f in data["features"] if keep(f["properties"])]


def boundaries(folder: Path) -> dict[str, list[dict]]:
    """Bolsover's wards and LSOAs, Bolsover and Chesterfield districts, from the demo's files:
    written as small GeoJSON files (quick to load on both backends) and returned as features."""
    made = {
        "ward": _features("derbyshire-wards2016.geojson.zip", lambda p: p["WD13CDO"].startswith("17UC")),
        "lsoa": _features("derbyshire-lsoa2011.geojson.zip", lambda p: p["LSOA11NM"].startswith("Bolsover ")),
        "district": _features("derbyshire-districts.geojson.zip", lambda p: p["LAD11NM"] in ("Bolsover", "Chesterfield")),
    }
    for kind, feats in made.items():
        (folder / f"{kind}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return made


def inside_point(features: list[dict], code_field: str, code: str):
    return shapely.point_on_surface(shape(next(f for f in features if f["properties"][code_field] == code)["geometry"]))


@pytest.fixture
def world(engine, tmp_path):
    """Bolsover's boundaries loaded; the council and a youth charity record services, the
    police are a partner too, a public viewer signs in."""
    feats = boundaries(tmp_path)
    for kind in ("district", "ward", "lsoa"):
        load_areas(engine, [str(tmp_path / f"{kind}.geojson")], kind)
    for name, kind in (("Bolsover DC", "council"), ("Youth Trust", "charity"), ("Derbyshire Police", "police")):
        add_organisation(engine, name, kind)
    for user, org, role in (("asb", "Bolsover DC", "problem_owner"), ("youth", "Youth Trust", "partner_practitioner"), ("pc", "Derbyshire Police", "problem_owner"),
                            ("admin", "Bolsover DC", "administrator"), ("viewer", "Bolsover DC", "public_viewer")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    return {n: get_actor(engine, n) for n in ("asb", "youth", "pc", "admin", "viewer")}, feats


def point_in(feats, kind: str, code: str) -> tuple[float, float]:
    field = {"ward": "WD13CD", "lsoa": "LSOA11CD", "district": "LAD11CD"}[kind]
    p = inside_point(feats[kind], field, code)
    return round(p.x, 6), round(p.y, 6)


def test_a_service_says_what_it_provides_to_whom_where_when_and_how_to_reach_it(engine, world):
    u, feats = world
    lon, lat = point_in(feats, "ward", "E05003307")
    ref = cassets.add_service(engine, u["youth"], "Friday wheels", ["youth diversion", "Sports and activities"], age_groups=["young_people"],
                              communities=["Bolsover town"], needs=["at risk of ASB"], address="Town End, Bolsover", lon=lon, lat=lat,
                              opening="Fridays 18:00-20:00", phone="01246 242000", email="wheels@example.org.uk", website="www.example.org.uk/wheels",
                              funding="CSP fund", now=NOW)  # fmt: skip
    assert ref.startswith("AST-2026-")
    s = cassets.show_service(engine, u["pc"], ref, today=TODAY)  # another partner reads it
    assert s["kinds"] == ["youth_diversion", "sports_activities"] and s["kind_labels"] == ["Youth diversion", "Sports and activities"]
    assert s["age_labels"] == ["Young people (11-17)"] and s["wards"] == ["Bolsover West"] and s["provider"] == "Youth Trust"
    assert (s["website"], s["opening"], s["funding"], s["organisation"]) == (
        "https://www.example.org.uk/wheels",
        "Fridays 18:00-20:00",
        "CSP fund",
        "Youth Trust",
    )
    assert s["may_change"] is False and cassets.show_service(engine, u["youth"], ref)["may_change"] is True
    by_area = cassets.add_service(engine, u["asb"], "Debt clinic", ["debt_advice"], areas=["Bolsover", "E05003314"], provider="Citizens Advice (test)", now=NOW)
    d = cassets.show_service(engine, u["youth"], by_area)
    assert d["age_labels"] == ["All ages"] and [a["kind"] for a in d["areas"]] == ["district", "ward"] and len(d["wards"]) == 20


@pytest.mark.parametrize(("fields", "field", "says"), [
    ({"kinds": []}, "kinds", "at least one kind of provision"),
    ({"kinds": ["yoga"]}, "kinds", "unknown kind of provision 'yoga': choose from youth_diversion (Youth diversion)"),
    ({"age_groups": ["teens"]}, "age_groups", "unknown age group 'teens'"),
    ({"areas": ["Narnia"]}, "areas", "no loaded area 'Narnia'"),
    ({"areas": []}, "areas", "a service needs a place"),
    ({"lon": -1.29}, "lat", "both its longitude and its latitude"),
    ({"lon": -1.1, "lat": 52.5}, "lon", "lies outside every loaded area"),
    ({"phone": "call Dave"}, "phone", "is not a phone number"),
    ({"email": "dave at home"}, "email", "is not an email address"),
    ({"website": "javascript:alert(1)"}, "website", "is not a web address"),
    ({"name": "   "}, "name", "a service needs a name"),
])  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_the_fix(engine, world, fields, field, says):
    u, _ = world
    given = {"name": "Club", "kinds": ["mentoring"], "areas": ["E05003305"]} | fields
    with pytest.raises(RecordError) as exc:
        cassets.add_service(engine, u["asb"], given.pop("name"), given.pop("kinds"), now=NOW, **given)
    assert exc.value.field == field and says in str(exc.value) and exc.value.fix
    assert cassets.list_services(engine, u["asb"])["services"] == []


def test_only_the_organisation_that_recorded_a_service_changes_it(engine, world):
    u, _ = world
    ref = cassets.add_service(engine, u["youth"], "Mentoring", ["mentoring"], areas=["E05003305"], now=NOW)
    with pytest.raises(PermissionDenied, match="kept by another organisation"):
        cassets.update_service(engine, u["asb"], ref, opening="Mondays", now=NOW)  # the council may not change the charity's service
    for who in ("admin", "viewer"):
        with pytest.raises(PermissionDenied):
            cassets.add_service(engine, u[who], "Theirs", ["mentoring"], areas=["E05003305"], now=NOW)
    with pytest.raises(PermissionDenied, match="for the partnership's members"):
        cassets.list_services(engine, u["viewer"])
    with pytest.raises(PermissionDenied):
        cassets.gaps(engine, u["viewer"])
    done = cassets.update_service(engine, u["youth"], ref, opening="Mondays 17:00-19:00", age_groups=["young_people", "young_adults"], now=NOW)
    assert done == {"id": ref, "changed": ["age_groups", "opening"]}
    assert cassets.update_service(engine, u["youth"], ref, opening="Mondays 17:00-19:00", now=NOW)["changed"] == []
    with pytest.raises(problems.ConflictError, match="changed since you opened it"):
        cassets.update_service(engine, u["youth"], ref, opening="Tuesdays", version=1, now=NOW)  # it is at version 2 now
    with pytest.raises(Duplicate, match="already as"):
        cassets.add_service(engine, u["youth"], "Mentoring", ["mentoring"], areas=["E05003306"], now=NOW)
    cassets.add_service(engine, u["asb"], "Mentoring", ["mentoring"], areas=["E05003306"], now=NOW)  # another organisation's of the same name
    with pytest.raises(NotFound, match="no service 'AST-2099-0001'"):
        cassets.update_service(engine, u["youth"], "AST-2099-0001", opening="x", now=NOW)
    ended = cassets.update_service(engine, u["youth"], ref, ended_on=dt.date(2026, 2, 1), now=NOW)
    assert ended["changed"] == ["ended_on"] and [s["id"] for s in cassets.list_services(engine, u["pc"], today=TODAY)["services"]] != [ref]
    assert ref in [s["id"] for s in cassets.list_services(engine, u["pc"], include_ended=True, today=TODAY)["services"]]
    assert cassets.update_service(engine, u["youth"], ref, reopen=True, now=NOW)["changed"] == ["ended_on"]
    with engine.connect() as conn:
        a = sa_.AuditEvent.__table__
        trail = [(r.action, r.actor_username) for r in conn.execute(a.select().where(a.c.subject_type == "asset", a.c.subject_id == ref).order_by(a.c.seq))]
    assert trail == [("create", "youth"), ("change", "youth"), ("change", "youth"), ("change", "youth")]


def test_a_csv_import_adds_updates_and_rejects_every_row_with_its_reason(engine, world, tmp_path):
    u, feats = world
    kept = cassets.add_service(engine, u["asb"], "Parenting group", ["parenting"], areas=["E05003308"], now=NOW)
    theirs = cassets.add_service(engine, u["youth"], "Wheels", ["youth_diversion"], areas=["E05003307"], now=NOW)
    lon, lat = point_in(feats, "ward", "E05003314")
    text = "\n".join([
        "name,kind,ages,area,lon,lat,when,phone,funding,id,colour",
        f"Recovery drop-in,drug_alcohol,adults; young adults,,{lon},{lat},Tuesdays 10-2,01246 000000,Public health grant,,blue",  # added
        "Parenting group,parenting,,E05003308; E05003309,,,Mondays,,,,",  # updated: found by name
        "Boxing,sports_activities,young people,Bolsover South,,,,,,,",  # added
        "Yoga,wellbeing,,E05003305,,,,,,,",  # rejected: no such kind
        "Chess,community_group,,Atlantis,,,,,,,",  # rejected: no such area
        f"Wheels,youth_diversion,,E05003305,,,,,,{theirs},",  # rejected: another organisation's
        "Boxing,sports_activities,,E05003306,,,,,,,",  # rejected: twice in the file
        ",,,,,,,,,,",  # rejected: empty
        "Cafe,community_group,,,-1.1,52.5,,,,,",  # rejected: the point is outside the loaded areas
    ])  # fmt: skip
    path = tmp_path / "services.csv"
    path.write_text(text, encoding="utf-8")
    r = service.import_csv(Context(engine, u["asb"], NOW), path)
    assert (r["rows"], r["added"], r["updated"], r["rejected"]) == (9, 2, 1, 6)
    assert r["added"] + r["updated"] + r["rejected"] == r["rows"] == len(text.splitlines()) - 1
    assert r["ignored_columns"] == ["colour"]
    why = {x["row"]: x["reason"] for x in r["results"] if x["outcome"] == "rejected"}
    assert why[5].startswith("kind: unknown kind of provision 'wellbeing': choose from")
    assert why[6].startswith("area: no loaded area 'Atlantis'")
    assert "kept by another organisation" in why[7] and why[8] == "name: the same service as row 4: give each service one row" and why[9] == "an empty row"
    assert "lies outside every loaded area" in why[10]
    shown = {s["name"]: s for s in cassets.list_services(engine, u["asb"], mine=True)["services"]}
    assert sorted(shown) == ["Boxing", "Parenting group", "Recovery drop-in"]
    assert shown["Parenting group"]["id"] == kept and [a["code"] for a in shown["Parenting group"]["areas"]] == ["E05003308", "E05003309"]
    assert shown["Recovery drop-in"]["age_groups"] == ["young_adults", "adults"] and shown["Recovery drop-in"]["wards"] == ["Shirebrook East"]
    assert cassets.show_service(engine, u["youth"], theirs)["areas"][0]["code"] == "E05003307"  # untouched
    again = service.import_csv(Context(engine, u["asb"], NOW), path)  # loading it twice adds nothing
    assert (again["added"], again["updated"], again["rejected"]) == (0, 3, 6)
    assert all(x.get("changed") == [] for x in again["results"] if x["outcome"] == "updated")
    with pytest.raises(Invalid, match="has no name column"):
        service.import_csv(Context(engine, u["asb"], NOW), data=b"title,kind\nx,y\n", name="bad.csv")
    with pytest.raises(Invalid, match="no file"):
        service.import_csv(Context(engine, u["asb"], NOW), tmp_path / "missing.csv")


def test_the_export_reads_back_as_an_import_that_changes_nothing(engine, world, tmp_path):
    u, feats = world
    lon, lat = point_in(feats, "lsoa", "E01019483")
    cassets.add_service(engine, u["asb"], '=HYPERLINK("x")', ["victim_support"], lon=lon, lat=lat, communities=["older residents"], now=NOW)
    cassets.add_service(engine, u["asb"], "Debt advice", ["debt_advice"], areas=["Bolsover"], phone="01246 111111", now=NOW)
    text = service.export_csv(Context(engine, u["asb"], NOW), mine=True)
    assert "'=HYPERLINK" in text  # a formula is neutralised
    r = service.import_csv(Context(engine, u["asb"], NOW), data=text.replace("'=HYPERLINK", "=HYPERLINK").encode(), name="export.csv")
    assert (r["added"], r["updated"], r["rejected"]) == (0, 2, 0) and all(x["changed"] == [] for x in r["results"])


def _independent_gaps(feats, services: list[dict], problem_areas: list[str], keys: list[str]) -> tuple[dict, dict]:
    """Per Bolsover ward: {kind: services} and open problems, counted from the GeoJSON features
    directly (a ward's services: a point in it, the ward named, an LSOA named whose inside point
    is in it, the district named)."""
    wards = {f["properties"]["WD13CD"]: shape(f["geometry"]) for f in feats["ward"]}
    lsoas = {f["properties"]["LSOA11CD"]: shape(f["geometry"]) for f in feats["lsoa"]}

    def ward_of(geom):
        p = shapely.point_on_surface(geom)
        return next(w for w, g in wards.items() if g.contains(p))

    def works_in(s, w):
        if not s.get("areas"):
            return wards[w].contains(shapely.Point(s["lon"], s["lat"]))
        return any(a == w or a == BOLSOVER or (a in lsoas and ward_of(lsoas[a]) == w) for a in s["areas"])

    counts = {w: {k: sum(1 for s in services if k in s["kinds"] and works_in(s, w)) for k in keys} for w in wards}
    probs = {w: sum(1 for a in problem_areas if a == w or (a in lsoas and ward_of(lsoas[a]) == w)) for w in wards}
    return counts, probs


def test_gaps_are_the_wards_with_no_provision_of_a_kind_beside_their_open_problems(engine, world):
    u, feats = world
    specs = [
        {"name": "Wheels", "kinds": ["youth_diversion", "sports_activities"], "point": ("lsoa", "E01019483"), "ages": ["young_people"]},
        {"name": "Detached youth work", "kinds": ["youth_diversion", "mentoring"], "areas": ["E05003305", "E05003306"], "ages": ["young_people"]},
        {"name": "Victim line", "kinds": ["victim_support"], "areas": [BOLSOVER]},
        {"name": "Recovery", "kinds": ["drug_alcohol"], "point": ("ward", "E05003314"), "ages": ["adults"]},
        {"name": "Parenting", "kinds": ["parenting"], "areas": ["E01019483"]},  # an LSOA: the ward holding its inside point
        {"name": "Old club", "kinds": ["drug_alcohol"], "areas": ["E05003307"], "ended": True},  # ended: not counted
    ]
    services = []
    for sp in specs:
        extra = {"areas": sp.get("areas", []), "age_groups": sp.get("ages", [])}
        if "point" in sp:
            extra["lon"], extra["lat"] = point_in(feats, *sp["point"])
        ref = cassets.add_service(engine, u["youth"], sp["name"], sp["kinds"], now=NOW, **extra)
        if sp.get("ended"):
            cassets.update_service(engine, u["youth"], ref, ended_on=dt.date(2026, 1, 31), now=NOW)
        else:
            services.append({**sp, **extra})
    town = [problems.create(engine, u["asb"], f"Youth ASB {i}", area="E01019483", now=NOW)["reference"] for i in range(3)]
    problems.create(engine, u["asb"], "Off-road bikes", area="E05003306", now=NOW)
    problems.create(engine, u["asb"], "District-wide fly-tipping", area=BOLSOVER, now=NOW)
    problems.create(engine, u["asb"], "No area yet", now=NOW)
    with engine.begin() as conn:  # a closed problem is not open
        from sara.store.schema.problems import Problem

        conn.execute(Problem.__table__.update().where(Problem.reference == town[2]).values(state="closed"))
    g = cassets.gaps(engine, u["pc"], today=TODAY)
    assert g["district"] == {"kind": "district", "code": BOLSOVER, "name": "Bolsover"} and len(g["areas"]) == 20
    keys = [k["key"] for k in g["kinds"]]
    counts, probs = _independent_gaps(feats, services, ["E01019483", "E01019483", "E05003306"], keys)
    assert {a["code"]: a["kinds"] for a in g["areas"]} == counts
    assert {a["code"]: a["open_problems"] for a in g["areas"]} == probs
    assert sorted((x["area"], x["kind"]) for x in g["gaps"]) == sorted((w, k) for w, c in counts.items() for k in keys if not c[k])
    town_ward = next(a for a in g["areas"] if a["open_problems"] == 2)
    assert town_ward["name"] == "Bolsover North West" and "drug_alcohol" in town_ward["gaps"] and "youth_diversion" not in town_ward["gaps"]
    assert g["headlines"][0] == "No drug and alcohol support in Bolsover North West (ward), where 2 problems are open."
    assert [p["id"] for p in town_ward["problems"]] == town[:2]
    assert "1 open problem covers a whole district and is not counted in any one ward." in g["notes"]
    assert "1 open problem has no loaded area and is not counted." in g["notes"]
    young = cassets.gaps(engine, u["pc"], age="young people", today=TODAY)  # only services for young people (or all ages)
    shire = next(a for a in young["areas"] if a["code"] == "E05003314")
    assert shire["kinds"]["drug_alcohol"] == 0 and shire["kinds"]["victim_support"] == 1
    assert next(a for a in g["areas"] if a["code"] == "E05003314")["age_groups"] == {
        "children": 1,
        "young_people": 1,
        "young_adults": 1,
        "adults": 2,
        "older_people": 1,
    }
    lsoa = cassets.gaps(engine, u["pc"], level="lsoa", today=TODAY)
    assert len(lsoa["areas"]) == len(feats["lsoa"]) and next(a for a in lsoa["areas"] if a["code"] == "E01019483")["open_problems"] == 2
    with pytest.raises(RecordError, match="is a ward, not a district"):
        cassets.gaps(engine, u["pc"], district="Bolsover West")
    with pytest.raises(RecordError, match="unknown level"):
        cassets.gaps(engine, u["pc"], level="county")


def test_a_partner_practitioner_sees_counts_of_every_open_problem_but_only_the_references_of_its_own(engine, world):
    u, _ = world
    cassets.add_service(engine, u["youth"], "Wheels", ["youth_diversion"], areas=["E05003307"], now=NOW)
    ref = problems.create(engine, u["asb"], "Youth ASB", area="E05003307", now=NOW)["reference"]
    west = next(a for a in cassets.gaps(engine, u["youth"], district="Bolsover", today=TODAY)["areas"] if a["code"] == "E05003307")
    assert west["open_problems"] == 1 and west["problems"] == []  # the charity does not work that problem
    west = next(a for a in cassets.gaps(engine, u["pc"], district="E07000033", today=TODAY)["areas"] if a["code"] == "E05003307")
    assert west["problems"] == [{"id": ref, "title": "Youth ASB"}]


def test_the_commands_add_list_show_update_import_and_gaps(db_url, tmp_path):
    from sara.store.engine import connect

    engine = connect(db_url)
    feats = boundaries(tmp_path)
    for kind in ("district", "ward", "lsoa"):
        load_areas(engine, [str(tmp_path / f"{kind}.geojson")], kind)
    add_organisation(engine, "Youth Trust", "charity")
    add_organisation(engine, "Bolsover DC", "council")
    add_user(engine, "youth", "Youth Trust", "partner_practitioner", PW)
    add_user(engine, "asb", "Bolsover DC", "problem_owner", PW)
    engine.dispose()
    lon, lat = point_in(feats, "ward", "E05003305")
    made = ok_json("assets", "add", "Friday wheels", "--kind", "youth_diversion", "--kind", "sports_activities", "--age", "young_people", "--lon", str(lon),
                   "--lat", str(lat), "--address", "Market Place", "--when", "Fridays 18:00-20:00", "--phone", "01246 242000", "--as", "youth", "--db", db_url)  # fmt: skip
    assert made["wards"] == ["Bolsover North West"] and made["opening"] == "Fridays 18:00-20:00"
    listed = ok_json("assets", "list", "--as", "asb", "--db", db_url)
    assert [s["id"] for s in listed["services"]] == [made["id"]]
    assert ok_json("assets", "show", made["id"], "--as", "asb", "--db", db_url) == listed["services"][0] | {"may_change": False}
    assert ok_json("assets", "list", "--kind", "mentoring", "--as", "asb", "--db", db_url)["services"] == []
    assert "--kind: unknown kind of provision 'karate'" in err_json(
        "assets", "add", "Dojo", "--kind", "karate", "--area", "E05003305", "--as", "asb", "--db", db_url
    )
    assert "kept by another organisation" in err_json("assets", "update", made["id"], "--when", "Mondays", "--as", "asb", "--db", db_url)
    changed = ok_json("assets", "update", made["id"], "--when", "Fridays 17:00-20:00", "--as", "youth", "--db", db_url)
    assert changed["changed"] == ["opening"] and changed["version"] == 2
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("name,kinds,areas\nDebt clinic,debt_advice,Bolsover\nBad,nothing,Bolsover\n")
    imported = ok_json("assets", "import", str(csv_path), "--as", "asb", "--db", db_url)
    assert (imported["rows"], imported["added"], imported["updated"], imported["rejected"]) == (2, 1, 0, 1)
    g = ok_json("assets", "gaps", "--as", "asb", "--db", db_url)
    nw = next(a for a in g["areas"] if a["name"] == "Bolsover North West")
    assert nw["kinds"]["youth_diversion"] == 1 and nw["kinds"]["debt_advice"] == 1 and "mentoring" in nw["gaps"]
    assert ok_json("assets", "kinds", "--as", "asb", "--db", db_url)["kinds"][0]["key"] == "youth_diversion"


# --------------------------------------------------------------------------- the demo
def test_the_demo_lays_labelled_services_around_bolsover_leaving_gaps_beside_open_problems(demo_url):
    from sara.store.engine import connect

    engine = connect(demo_url)
    actor = get_actor(engine, "housing.officer")
    listed = cassets.list_services(engine, actor, include_ended=True)["services"]
    assert len(listed) >= 12 and all("(synthetic)" in s["name"] for s in listed)
    assert len({s["organisation"] for s in listed}) >= 4
    g = cassets.gaps(engine, actor)
    assert g["district"]["name"] == "Bolsover" and g["headlines"], g["notes"]
    town = next(a for a in g["areas"] if a["open_problems"] >= 2)
    assert town["kinds"]["youth_diversion"] >= 1 and town["gaps"], town
    assert any(a["gaps"] and a["services"] for a in g["areas"])
    from sara.casework import demo_assets

    assert demo_assets.load(engine) == {}  # loading it twice does nothing the second time
