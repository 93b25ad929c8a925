"""Grids: each point lands in the cell whose centre is nearest (brute force), neighbours
are the adjacent cells, the automatic cell size is announced, bad sizes are refused."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sara.scan.grid import SQRT3, make_grid
from sara.scan.result import ScanError

rng = np.random.default_rng(7)
X = rng.uniform(430_000, 436_000, 2_000)
Y = rng.uniform(330_000, 334_000, 2_000)


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_points_land_in_the_cell_that_contains_them(shape):
    grid = make_grid(X, Y, cell_size=250, shape=shape)

    cell = grid.locate(X, Y)

    assert (cell >= 0).all()
    polygons = grid.polygons()
    assert shapely.intersects_xy(polygons[cell], X, Y).all()
    if shape == "hex":  # a point's hexagon is the one with the nearest centre
        d = (X[:, None] - grid.x[None, :]) ** 2 + (Y[:, None] - grid.y[None, :]) ** 2
        assert np.array_equal(cell, d.argmin(axis=1))
    assert grid.counts(X, Y).sum() == len(X)


@pytest.mark.parametrize("shape, degree, spacing", [("square", 8, 250 * np.sqrt(2)), ("hex", 6, 250)])
def test_neighbours_are_the_adjacent_cells(shape, degree, spacing):
    grid = make_grid(X, Y, cell_size=250, shape=shape)
    w = grid.neighbours().tocoo()

    distance = np.hypot(grid.x[w.row] - grid.x[w.col], grid.y[w.row] - grid.y[w.col])

    assert distance.max() == pytest.approx(spacing)
    assert (w.row != w.col).all()
    assert np.asarray(grid.neighbours().sum(axis=1)).max() == degree
    assert (grid.neighbours() != grid.neighbours().T).nnz == 0


def test_the_automatic_cell_size_is_a_hundredth_of_the_extent_rounded_up_to_10_m():
    grid = make_grid(X, Y)
    extent = max(np.ptp(X), np.ptp(Y))
    assert grid.cell_size_auto and grid.cell_size % 10 == 0
    assert extent / 100 <= grid.cell_size < extent / 100 + 10
    assert grid.params()["cell_size"] == grid.cell_size


def test_clipping_keeps_only_cells_touching_the_area():
    area = shapely.Point(433_000, 332_000).buffer(1_000)
    grid = make_grid(X, Y, cell_size=200, clip=area)
    assert shapely.intersects(grid.polygons(), area).all()
    assert grid.n_cells < make_grid(X, Y, cell_size=200).n_cells
    assert grid.cell_area_m2 == 40_000
    assert make_grid(X, Y, cell_size=200, shape="hex").cell_area_m2 == pytest.approx(SQRT3 / 2 * 40_000)


@pytest.mark.parametrize(
    "x, y, size, message",
    [
        ([], [], 100, "no events"),
        ([1.0, 1.0], [2.0, 2.0], None, "all the events are at one point"),
        (X, Y, 0, "more than 0 m"),
        (X, Y, 10_000, "larger than the extent"),
    ],
)
def test_bad_grids_are_refused_with_what_to_change(x, y, size, message):
    with pytest.raises(ScanError, match=message):
        make_grid(np.asarray(x, dtype=float), np.asarray(y, dtype=float), cell_size=size)


def test_a_grid_too_big_to_hold_is_refused_before_it_is_made():
    import numpy as np

    from sara.scan.grid import ScanError, make_grid

    with pytest.raises(ScanError, match="8,000,180,001 cells") as refused:  # 1 m over 80 x 100 km: terabytes, never allocated
        make_grid(np.array([400000.0, 480000.0]), np.array([300000.0, 400000.0]), cell_size=1)
    assert refused.value.field == "cell_size"
