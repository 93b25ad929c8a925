"""A few far-flung events that stretch a grid: the rule on the real Derbyshire 2025 data and
on shapes it must leave alone."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from sara import geo
from sara.scan.grid import make_grid
from sara.scan.spread import stretched
from tests.conftest import shared


@pytest.fixture(scope="module")
def derbyshire() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Every located 2025 event of the police.uk files, in British National Grid metres."""
    lon, lat, category = [], [], []
    for path in sorted(shared("policeuk", "derbyshire-2025").glob("*-street.csv")):
        for row in csv.DictReader(path.open()):
            if row["Longitude"]:
                lon.append(float(row["Longitude"]))
                lat.append(float(row["Latitude"]))
                category.append(row["Crime type"])
    x, y = geo.transform(np.array(lon), np.array(lat), geo.WGS84, geo.BNG)
    return x, y, category


def test_the_demo_data_has_a_few_far_flung_events_that_stretch_the_grid(derbyshire):
    x, y, _ = derbyshire

    stretch = stretched(x, y)
    everything, rest = stretch.cells(500)

    assert 100 < stretch.far < 400 and stretch.far / stretch.events < 0.005  # a few hundred of 102,621
    assert stretch.farthest_m > 150_000 and stretch.area_ratio > 10
    assert everything == make_grid(x, y, cell_size=500).n_cells == 845_845
    assert rest < everything / 10
    assert "lie far from the rest" in stretch.words(500) and "845,845 cells" in stretch.words(500)


def test_the_bulk_alone_and_a_category_whose_strays_stay_close_are_left_alone(derbyshire):
    x, y, category = derbyshire
    stretch = stretched(x, y)
    far_box = stretch.rest
    inside = (x >= far_box[0]) & (x <= far_box[2]) & (y >= far_box[1]) & (y <= far_box[3])
    asb = np.array([c == "Anti-social behaviour" for c in category])

    assert stretched(x[inside], y[inside]) is None
    assert stretched(x[asb], y[asb]) is None  # its strays only double the extent


def test_shapes_that_are_not_outliers_never_trip_the_rule():
    rng = np.random.default_rng(1)
    long_county = rng.uniform([0, 0], [20_000, 90_000], size=(50_000, 2))
    city = rng.laplace(0, 1_500, size=(100_000, 2))  # a fall-off from a centre: heavy tails, no strays
    two_towns = np.vstack([rng.normal(0, 800, (5_000, 2)), rng.normal(40_000, 800, (3_000, 2))])

    for points in (long_county, city, two_towns):
        assert stretched(points[:, 0], points[:, 1]) is None


def test_five_points_a_hundred_kilometres_away_always_do():
    rng = np.random.default_rng(2)
    town = rng.normal(0, 1_000, (2_000, 2))
    strays = np.array([[100_000, 0], [0, -120_000], [90_000, 90_000], [-100_000, 5_000], [3_000, 150_000]])
    points = np.vstack([town, strays])

    stretch = stretched(points[:, 0], points[:, 1])

    assert stretch.far == 5 and stretch.events == 2_005
    assert stretch.to_dict()["farthest_km"] > 100
