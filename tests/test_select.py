"""Choosing the events a scan runs on: from the database by filters, or from a points file."""

from __future__ import annotations

import polars as pl
import pytest

from sara import geo
from sara.intake.areas import load_areas
from sara.intake.load import load_police_uk
from sara.report.select import from_database, from_points
from sara.scan.result import ScanError
from sara.store.queries import NotFound
from tests.conftest import FIXTURES, ROOT, shared

STREET = str(FIXTURES / "2025-01-derbyshire-street.csv")


def test_database_selection_by_category_area_and_month(engine):
    load_areas(engine, [str(ROOT / "demo" / "derbyshire-districts.geojson.zip")], "district")
    load_police_uk(engine, [STREET])
    rows = pl.read_csv(STREET, infer_schema=False)

    everything = from_database(engine)
    asb = from_database(engine, categories=["Anti-social behaviour"], start="2025-01", end="2025-01")
    in_district = from_database(engine, area="E06000015")  # Derby

    assert everything.frame.height == rows.height
    assert asb.frame.height == rows.filter(pl.col("Crime type") == "Anti-social behaviour").height
    assert everything.crs == geo.BNG
    assert 0 < in_district.frame.height < rows.height
    assert in_district.area["name"] == "Derby" and in_district.area["geometry"].bounds[0] > 400_000  # in metres now
    with pytest.raises(ScanError, match="no events match"):
        from_database(engine, start="2030-01")
    with pytest.raises(NotFound, match="no loaded area has the code 'E99'"):
        from_database(engine, area="E99")


def test_police_uk_events_have_no_times_and_say_so(engine):
    load_police_uk(engine, [STREET])
    with pytest.raises(ScanError, match="only months"):
        from_database(engine).timed()


def test_points_file_without_header_in_a_projected_crs():
    chicago = shared("near-repeat", "chicago_arson.csv")

    points = from_points(str(chicago), x="0", y="1", crs="EPSG:26971", time="2", no_header=True)

    assert points.frame.height == 522 and points.left_out == {}
    assert points.crs == "EPSG:26971"
    assert points.frame["occurred_from"].null_count() == 0


def test_lon_lat_points_are_projected_to_metres_and_bad_rows_counted(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("lon,lat,when\n-1.47,52.92,2025-01-03\n-1.48,52.93,2025-01-04 18:30:00\n,52.9,2025-01-05\nwest,52.9,2025-01-05\n")

    points = from_points(str(path), x="lon", y="lat", time="when")

    assert points.crs == geo.BNG
    assert points.frame.height == 2 and points.left_out == {"no usable coordinates": 2}
    assert points.frame["x"].min() > 400_000
    with pytest.raises(ScanError, match="no column 'easting'"):
        from_points(str(path), x="easting", y="lat")
