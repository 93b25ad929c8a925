"""Loading areas and placing events in them, on SQLite and PostgreSQL.

The demo boundary files (``demo/``, built by ``demo/make_demo_data.py`` from real ONS data)
load with their real counts; bad inputs are built in ``tmp_path`` inside each test; the
assignment is checked against brute force (``shapely.intersects`` per event and area) on
real police.uk points.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import polars as pl
import pyogrio.raw
import pytest
import shapely
from sqlalchemy import func, select

from sara import geo
from sara.errors import Invalid
from sara.intake import assign
from sara.intake.areas import load_areas, read_population
from sara.intake.assign import assign_kind, assign_new_events
from sara.intake.load import load_police_uk
from sara.store.schema import Area, Event, EventArea, Load, Quarantine
from tests.conftest import FIXTURES, ROOT

DEMO = ROOT / "demo"
LSOAS = str(DEMO / "derbyshire-lsoa2011.geojson.zip")
WARDS = str(DEMO / "derbyshire-wards2016.geojson.zip")
DISTRICTS = str(DEMO / "derbyshire-districts.geojson.zip")
STREET = FIXTURES / "2025-01-derbyshire-street.csv"
SQUARE = [[[-1.5, 53.0], [-1.4, 53.0], [-1.4, 53.1], [-1.5, 53.1], [-1.5, 53.0]]]


# --- helpers ----------------------------------------------------------------------------


def feature(props: dict, rings=SQUARE, kind: str = "Polygon") -> dict:
    geometry = None if rings is None else {"type": kind, "coordinates": rings}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write_geojson(path, features: list[dict]) -> str:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return str(path)


def demo_features(path: str = LSOAS, n: int | None = None) -> tuple[dict, np.ndarray]:
    """Fields and lon/lat geometries of a demo file, as pyogrio reads them."""
    name = zipfile.ZipFile(path).namelist()[0]
    meta, _, wkb, values = pyogrio.raw.read(f"/vsizip/{path}/{name}", max_features=n)
    return dict(zip(meta["fields"], values)), shapely.from_wkb(wkb)


def areas_in_db(engine, kind: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(Area.code, Area.name, Area.population, Area.geometry, Area.area_km2).where(Area.kind == kind)).all()
    return {r.code: {"name": r.name, "population": r.population, "geometry": shapely.from_wkb(bytes(r.geometry)), "km2": r.area_km2} for r in rows}


def links(engine, kind: str) -> dict[int, set[tuple[str, str]]]:
    """event id -> {(area code, method)} for areas of ``kind``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(EventArea.event_id, Area.code, EventArea.method).join(Area, Area.id == EventArea.area_id).where(Area.kind == kind)
        ).all()
    out: dict[int, set] = {}
    for event_id, code, method in rows:
        out.setdefault(event_id, set()).add((code, method))
    return out


def events(engine) -> pl.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(select(Event.id, Event.lon, Event.lat, Event.lsoa_code).order_by(Event.id)).all()
    return pl.DataFrame(rows, schema={"id": pl.Int64, "lon": pl.Float64, "lat": pl.Float64, "lsoa_code": pl.String}, orient="row")


def brute_force(engine, frame: pl.DataFrame, kind: str, *, first_only: bool) -> dict[int, set[tuple[str, str]]]:
    """Every area of ``kind`` whose polygon intersects each event's point, tested one by one
    (the area loaded first only, for partitions)."""
    with engine.connect() as conn:
        rows = conn.execute(select(Area.code, Area.geometry).where(Area.kind == kind).order_by(Area.id)).all()
    codes = [r.code for r in rows]
    polygons = [shapely.from_wkb(bytes(r.geometry)) for r in rows]
    out: dict[int, set] = {}
    for event_id, lon, lat in frame.select("id", "lon", "lat").iter_rows():
        if lon is None:
            continue
        point = shapely.Point(lon, lat)
        hits = [code for code, polygon in zip(codes, polygons) if shapely.intersects(polygon, point)]
        if hits:
            out[event_id] = {(code, "point") for code in (hits[:1] if first_only else hits)}
    return out


# --- loading boundaries -----------------------------------------------------------------


def test_demo_boundaries_load_with_their_real_counts_and_reload_unchanged(engine):
    for path, kind, n in [(LSOAS, "lsoa", 642), (WARDS, "ward", 194), (DISTRICTS, "district", 9)]:
        first = load_areas(engine, [path], kind)
        assert first.ok
        assert first.totals()["inserted"] == n
        assert first.files[0].notes["crs"] == "EPSG:4326"

        again = load_areas(engine, [path], kind)
        assert again.totals() == {"rows_read": n, "inserted": 0, "updated": 0, "unchanged": n, "quarantined": 0, "quarantined_by_reason": {}}

    with engine.connect() as conn:
        assert dict(conn.execute(select(Area.kind, func.count()).group_by(Area.kind)).all()) == {"lsoa": 642, "ward": 194, "district": 9}
        assert conn.execute(select(func.count()).select_from(Load).where(Load.kind == "areas")).scalar_one() == 6
    districts = areas_in_db(engine, "district")
    assert districts["E07000033"]["name"] == "Bolsover"
    assert districts["E06000015"]["name"] == "Derby"
    # Districts are unions of their LSOAs: the same land, about 2,625 km² (Derbyshire and Derby).
    lsoa_km2 = sum(a["km2"] for a in areas_in_db(engine, "lsoa").values())
    district_km2 = sum(a["km2"] for a in districts.values())
    assert 2550 < district_km2 < 2700
    assert district_km2 == pytest.approx(lsoa_km2, rel=1e-3)


def test_a_changed_name_or_geometry_updates_and_a_new_code_inserts(engine, tmp_path):
    path = tmp_path / "zones.geojson"
    shifted = [[[x + 0.2, y] for x, y in SQUARE[0]]]
    write_geojson(path, [feature({"code": "Z1", "name": "Town centre"}), feature({"code": "Z2", "name": "Park"}, shifted)])
    assert load_areas(engine, [str(path)], "custom").totals()["inserted"] == 2

    bigger = [[[x + 0.2, y + (0.05 if y > 53.05 else 0)] for x, y in SQUARE[0]]]
    write_geojson(
        path,
        [
            feature({"code": "Z1", "name": "Town centre (BID)"}),
            feature({"code": "Z2", "name": "Park"}, bigger),
            feature({"code": "Z3", "name": "Station"}, shifted),
        ],
    )
    totals = load_areas(engine, [str(path)], "custom").totals()
    assert (totals["inserted"], totals["updated"], totals["unchanged"]) == (1, 2, 0)
    zones = areas_in_db(engine, "custom")
    assert zones["Z1"]["name"] == "Town centre (BID)"
    assert zones["Z2"]["km2"] == pytest.approx(1.5 * zones["Z3"]["km2"], rel=0.01)


def test_a_british_national_grid_file_loads_into_the_same_lon_lat(engine, tmp_path):
    fields, lonlat = demo_features(n=30)
    bng = shapely.transform(lonlat, lambda x, y: geo.transform(x, y, geo.WGS84, geo.BNG), interleaved=False)
    path = tmp_path / "lsoa-bng.geojson"
    pyogrio.raw.write(
        str(path), shapely.to_wkb(bng), [fields["LSOA11CD"], fields["LSOA11NM"]], fields=["LSOA11CD", "LSOA11NM"],
        geometry_type="Unknown", crs="EPSG:27700", driver="GeoJSON",
    )  # fmt: skip
    assert "EPSG::27700" in path.read_text()[:200]

    report = load_areas(engine, [str(path)], "lsoa")

    assert report.totals()["inserted"] == 30
    assert report.files[0].notes["crs"] == "EPSG:27700"
    stored = areas_in_db(engine, "lsoa")
    for code, original in zip(fields["LSOA11CD"], lonlat):
        # The same polygon to within 1e-7 degrees (about 1 cm), invalid sources repaired alike.
        original = original if original.is_valid else shapely.make_valid(original)
        assert shapely.hausdorff_distance(stored[code]["geometry"], original) < 1e-7
        assert stored[code]["km2"] == pytest.approx(geo.area_km2(original), rel=1e-6)


def test_shapefile_and_geopackage_in_zip_archives(engine, tmp_path):
    fields, lonlat = demo_features(WARDS, n=12)
    folder = tmp_path / "shp"
    folder.mkdir()
    bng = shapely.transform(lonlat, lambda x, y: geo.transform(x, y, geo.WGS84, geo.BNG), interleaved=False)
    pyogrio.raw.write(
        str(folder / "wards.shp"), shapely.to_wkb(bng), [fields["WD13CD"], fields["WD13NM"]], fields=["WD13CD", "WD13NM"],
        geometry_type="Polygon", crs="EPSG:27700", driver="ESRI Shapefile",
    )  # fmt: skip
    archive = tmp_path / "wards-shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, f"wards/{part.name}")
    gpkg = tmp_path / "zones.gpkg"
    pyogrio.raw.write(
        str(gpkg), shapely.to_wkb(lonlat[:5]), [np.array([f"Z{i}" for i in range(5)], dtype=object)], fields=["Code"],
        geometry_type="Polygon", crs="EPSG:4326", driver="GPKG", layer="zones",
    )  # fmt: skip
    with zipfile.ZipFile(tmp_path / "zones.zip", "w") as zf:
        zf.write(gpkg, "zones.gpkg")

    wards = load_areas(engine, [str(archive)], "ward")
    zones = load_areas(engine, [str(tmp_path / "zones.zip")], "custom")

    assert wards.ok and wards.totals()["inserted"] == 12
    assert wards.files[0].path == f"{archive}!wards/wards.shp"
    assert zones.ok and zones.totals()["inserted"] == 5
    assert zones.files[0].notes["code_field"] == "Code"
    stored = areas_in_db(engine, "ward")
    assert shapely.hausdorff_distance(stored[fields["WD13CD"][0]]["geometry"], lonlat[0]) < 1e-7


def test_bad_features_are_quarantined_with_reasons_and_the_counts_add_up(engine, tmp_path):
    flat = [[[-1.5, 53.0], [-1.4, 53.0], [-1.3, 53.0], [-1.5, 53.0]]]
    bowtie = [[[-1.5, 53.0], [-1.4, 53.1], [-1.4, 53.0], [-1.5, 53.1], [-1.5, 53.0]]]
    path = write_geojson(
        tmp_path / "zones.geojson",
        [
            feature({"code": "A", "name": "fine"}),  # 1
            feature({"code": None, "name": "no code"}),  # 2
            feature({"code": "C", "name": "flat"}, flat),  # 3: no area, cannot be repaired
            feature({"code": "D", "name": "bow tie"}, bowtie),  # 4: repaired into two triangles
            feature({"code": "A", "name": "again"}),  # 5: duplicate code
            feature({"code": "F", "name": "a point"}, [-1.45, 53.05], "Point"),  # 6
            feature({"code": "G", "name": "nothing"}, None),  # 7
            feature({"code": 8, "name": "numeric code"}),  # 8
        ],
    )

    report = load_areas(engine, [path], "custom")

    file = report.files[0]
    file.check()
    assert (file.rows_read, file.inserted, file.quarantined) == (8, 3, 5)
    assert file.notes["repaired"] == 1
    with engine.connect() as conn:
        rows = conn.execute(select(Quarantine.line, Quarantine.reason, Quarantine.raw, Quarantine.file).where(Quarantine.kind == "areas").order_by(Quarantine.line)).all()
    reasons = {line: reason for line, reason, _, _ in rows}
    assert reasons == {
        2: "no area code (field code is empty)",
        3: "invalid polygon that cannot be repaired (Self-intersection[-1.4 53])",  # GEOS's own words
        5: "area code A repeated (first given by feature 1)",
        6: "not a polygon (Point)",
        7: "no geometry",
    }
    assert json.loads(rows[0].raw) == {"code": None, "name": "no code"}
    assert rows[0].file == "zones.geojson"
    assert set(areas_in_db(engine, "custom")) == {"A", "D", "8"}
    assert areas_in_db(engine, "custom")["D"]["geometry"].geom_type == "MultiPolygon"

    # Loading the same file again replaces its quarantine rather than adding to it.
    again = load_areas(engine, [path], "custom")
    assert (again.totals()["unchanged"], again.totals()["quarantined"]) == (3, 5)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Quarantine)).scalar_one() == 5


def test_a_file_without_a_code_field_is_refused_and_the_others_still_load(engine, tmp_path):
    unknown = write_geojson(tmp_path / "zones.geojson", [feature({"id_no": "1", "label": "x", "LSOA11CD": "E01019478"})])
    good = write_geojson(tmp_path / "good.geojson", [feature({"Code": "Z1"})])
    missing = str(tmp_path / "nowhere.geojson")

    report = load_areas(engine, [unknown, missing, good], "ward")

    assert not report.ok
    refused = report.to_dict()["files_refused"]
    assert refused[0]["path"] == unknown
    assert refused[0]["error"] == (
        "no area code field for kind ward: expected a field like WD16CD or code, but the file has fields id_no, label, LSOA11CD; "
        "its field LSOA11CD suggests kind lsoa. Say which field holds the code (code_field) and the name (name_field)"
    )
    assert refused[1] == {"path": missing, "error": "no such file or folder"}
    assert report.totals()["inserted"] == 1

    chosen = load_areas(engine, [unknown], "ward", code_field="id_no", name_field="label")
    assert chosen.ok and chosen.totals()["inserted"] == 1
    assert areas_in_db(engine, "ward")["1"]["name"] == "x"


def test_unreadable_files_and_unknown_kinds(engine, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    report = load_areas(engine, [str(broken)], "lsoa")
    assert report.files[0].refused.startswith("cannot read the file as GeoJSON, GeoPackage or Shapefile: ")
    with pytest.raises(ValueError, match="unknown area kind 'lsao': use one of lsoa, ward, district, custom"):
        load_areas(engine, [LSOAS], "lsao")


def test_population_is_attached_and_zero_populations_are_flagged(engine, tmp_path):
    load_areas(engine, [LSOAS], "lsoa")
    csv_path = tmp_path / "population.csv"
    csv_path.write_text(
        "Mid-2020 population estimates, Derbyshire\n"  # a title line before the header
        "LSOA Code,LSOA Name,All Ages\n"
        "E01019478,Bolsover 001A,\"1,523\"\n"
        "E01019479,Bolsover 001B,0\n"
        "E01019480,Bolsover 001C,1712\n"
        "E01033333,Not in Derbyshire,1500\n"
        "E01019481,Bolsover 001D,many\n"
    )

    report = load_areas(engine, [], "lsoa", population_csv=str(csv_path))

    population = report.files[-1]
    population.check()
    assert population.kind == "population"
    assert (population.rows_read, population.updated, population.quarantined) == (5, 3, 2)
    notes = population.notes
    assert (notes["code_column"], notes["population_column"]) == ("LSOA Code", "All Ages")
    assert (notes["codes_matched"], notes["csv_codes_unmatched"], notes["areas_population_zero"]) == (3, 1, 1)
    assert notes["areas_population_zero_codes"] == ["E01019479"]
    assert notes["areas_without_population"] == 639
    assert "1 lsoa areas have population 0" in notes["warnings"][0]
    assert population.quarantined_by_reason == {"area code not among the loaded lsoa areas": 1, "All Ages is not a whole number of people ('many')": 1}
    lsoas = areas_in_db(engine, "lsoa")
    assert (lsoas["E01019478"]["population"], lsoas["E01019479"]["population"], lsoas["E01019481"]["population"]) == (1523, 0, None)

    assert load_areas(engine, [], "lsoa", population_csv=str(csv_path)).files[-1].unchanged == 3


def test_a_population_file_without_the_columns_stops_before_anything_is_written(engine, tmp_path):
    csv_path = tmp_path / "people.csv"
    csv_path.write_text("area,people\nE01019478,1523\n")
    with pytest.raises(ValueError, match=r"has no area code and population columns .* its first line is: area, people"):
        load_areas(engine, [LSOAS], "lsoa", population_csv=str(csv_path))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Area)).scalar_one() == 0


def test_a_population_file_that_is_not_csv_is_refused_in_one_line(tmp_path):
    csv_path = tmp_path / "people.csv"
    csv_path.write_text('LSOA Code,All Ages\nE01019478,"' + "9" * 200_000 + '"\n')
    with pytest.raises(Invalid, match=r"people.csv cannot be read as CSV \(line 2: field larger than field limit") as refused:
        read_population(str(csv_path))
    assert refused.value.field == "population"


# --- placing events ---------------------------------------------------------------------


def test_events_are_placed_as_brute_force_places_them(engine, tmp_path):
    load_police_uk(engine, [str(STREET)])
    zones = write_geojson(
        tmp_path / "zones.geojson",
        [  # two overlapping drawn areas around Alfreton, where most of the sample lies
            feature({"code": "north", "name": "north"}, [[[-1.45, 53.09], [-1.35, 53.09], [-1.35, 53.13], [-1.45, 53.13], [-1.45, 53.09]]]),
            feature({"code": "west", "name": "west"}, [[[-1.46, 53.07], [-1.39, 53.07], [-1.39, 53.12], [-1.46, 53.12], [-1.46, 53.07]]]),
        ],
    )
    frame = events(engine)

    lsoa = load_areas(engine, [LSOAS], "lsoa").areas["by_kind"]["lsoa"]
    ward = load_areas(engine, [WARDS], "ward").areas["by_kind"]["ward"]
    custom = load_areas(engine, [zones], "custom").areas["by_kind"]["custom"]

    for kind, first_only in [("lsoa", True), ("ward", True), ("custom", False)]:
        assert links(engine, kind) == brute_force(engine, frame, kind, first_only=first_only), kind
    assert lsoa["events"] == ward["events"] == 204
    assert lsoa["matched"] + lsoa["unmatched"] == 204
    assert lsoa["unmatched_by_reason"] == {"coordinates outside every lsoa area": 2}  # two rows lie in Ashfield, Notts
    overlap = sum(1 for placed in links(engine, "custom").values() if len(placed) == 2)
    assert overlap > 0 and custom["links"] == custom["matched"] + overlap

    # The LSOA codes police.uk gives (2021) against the 2011 LSOA each point falls in.
    loaded = set(areas_in_db(engine, "lsoa"))
    fell = {event_id: code for event_id, placed in links(engine, "lsoa").items() for code, _ in placed}
    given = dict(frame.select("id", "lsoa_code").iter_rows())
    assert lsoa["events_with_lsoa_code"] == 204
    assert lsoa["lsoa_code_not_loaded"] == sum(1 for code in given.values() if code not in loaded)
    assert lsoa["lsoa_code_differs"] == sum(1 for event_id, code in fell.items() if given[event_id] != code)
    assert f"{lsoa['lsoa_code_not_loaded']:,} of 204 events with an LSOA code" in lsoa["note"]


def test_events_without_coordinates_are_placed_by_their_lsoa_code(engine, tmp_path):
    # The real sample with coordinates removed from some rows: rows 1-5 keep a 2011 code,
    # rows 6-7 get a 2021-only code, row 8 loses its code too.
    rows = STREET.read_text().splitlines()
    header, body = rows[0], [r.split(",") for r in rows[1:]]
    for i in range(8):
        body[i][4] = body[i][5] = ""
    for i in (5, 6):
        body[i][7] = "E01035000"
    body[7][7] = body[7][8] = ""
    path = tmp_path / "2025-01-derbyshire-street.csv"
    path.write_text("\n".join([header, *(",".join(r) for r in body)]) + "\n")
    assert load_police_uk(engine, [str(path)]).totals()["inserted"] == 204
    frame = events(engine)
    no_xy = frame.filter(pl.col("lon").is_null())
    assert no_xy.height == 8

    lsoa = load_areas(engine, [LSOAS], "lsoa").areas["by_kind"]["lsoa"]
    ward = load_areas(engine, [WARDS], "ward").areas["by_kind"]["ward"]

    assert lsoa["by_method"]["lsoa_code"] == 5
    assert lsoa["unmatched_by_reason"] == {
        "coordinates outside every lsoa area": 2,
        assign.CODE_NOT_LOADED: 2,
        assign.NO_COORDS_NO_CODE: 1,
    }
    assert ward["by_method"]["lsoa_code"] == 5
    assert ward["unmatched_by_reason"][assign.CODE_NOT_LOADED] == 2
    lsoa_links, ward_links = links(engine, "lsoa"), links(engine, "ward")
    wards = areas_in_db(engine, "ward")
    lsoas = areas_in_db(engine, "lsoa")
    for event_id, code in no_xy.select("id", "lsoa_code").iter_rows():
        if code in lsoas:
            assert lsoa_links[event_id] == {(code, "lsoa_code")}
            (ward_code, method), = ward_links[event_id]
            assert method == "lsoa_code"
            assert wards[ward_code]["geometry"].intersects(shapely.point_on_surface(lsoas[code]["geometry"]))
        else:
            assert event_id not in lsoa_links and event_id not in ward_links
    # Points are still placed by brute force's answer.
    with_xy = frame.filter(pl.col("lon").is_not_null())
    expected = brute_force(engine, with_xy, "lsoa", first_only=True)
    assert {k: v for k, v in lsoa_links.items() if k in expected} == expected


def test_new_events_are_placed_in_every_loaded_kind_once(engine):
    load_areas(engine, [LSOAS], "lsoa")
    load_areas(engine, [DISTRICTS], "district")
    first = load_police_uk(engine, [str(STREET)]).areas  # events loaded after the areas are placed at once

    assert first["events"] == 204
    assert set(first["by_kind"]) == {"lsoa", "district"}
    assert first["by_kind"]["district"]["matched"] == 202
    placed = links(engine, "lsoa"), links(engine, "district")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Event).where(Event.assigned.is_(False))).scalar_one() == 0
    assert assign_new_events(engine)["events"] == 0

    # Recomputing one kind gives the same links; placing new events after that does not double them.
    assign_kind(engine, "lsoa")
    with engine.begin() as conn:
        conn.execute(Event.__table__.update().values(assigned=False))
    assert assign_new_events(engine)["events"] == 204
    assert (links(engine, "lsoa"), links(engine, "district")) == placed


def test_with_no_areas_loaded_new_events_wait(engine):
    load_police_uk(engine, [str(STREET)])
    assert assign_new_events(engine) == {"events": 0, "seconds": pytest.approx(0, abs=5), "by_kind": {}}
    wards = assign_kind(engine, "ward")["by_kind"]["ward"]
    assert (wards["matched"], wards["unmatched_by_reason"]) == (0, {"no ward areas loaded": 204})
    with pytest.raises(ValueError, match="unknown area kind"):
        assign_kind(engine, "county")
