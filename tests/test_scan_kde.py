"""Kernel density: exact mode is the direct sum, fast mode stays within 1% of the peak of
it on real police.uk points, the surface integrates to the number of events, the Gaussian
agrees with scipy and scikit-learn, the automatic bandwidth uses both coordinates, and bad
input is refused with what to change."""

from __future__ import annotations

import math
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely
from scipy.stats import gaussian_kde
from sklearn.neighbors import KernelDensity

from sara import geo
from sara.scan.grid import make_grid
from sara.scan.kde import QUARTIC_PER_GAUSSIAN, auto_bandwidth, kde
from sara.scan.result import ScanError

ROOT = Path(__file__).resolve().parents[1]
STREET = ROOT / "demo" / "derbyshire-2025-street.zip"
COUNTY = (400_000, 310_000, 470_000, 400_000)  # BNG box around Derbyshire: drops the few far-off points

rng = np.random.default_rng(11)


@lru_cache(maxsize=2)
def derbyshire(months: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Real police.uk street-level points for 2025, in British National Grid metres."""
    with zipfile.ZipFile(STREET) as zf:
        names = sorted(zf.namelist())[:months]
        frame = pl.concat([pl.read_csv(zf.read(name), columns=["Longitude", "Latitude"]) for name in names]).drop_nulls()
    x, y = geo.transform(frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy(), geo.WGS84, geo.BNG)
    xmin, ymin, xmax, ymax = COUNTY
    keep = (x > xmin) & (x < xmax) & (y > ymin) & (y < ymax)
    return x[keep], y[keep]


def brute_force(cx, cy, x, y, h, kernel, w=None):
    """Every event against every cell centre, no truncation: events per km²."""
    d2 = (cx[:, None] - x[None, :]) ** 2 + (cy[:, None] - y[None, :]) ** 2
    if kernel == "quartic":
        k = np.where(d2 < h * h, 3 / (math.pi * h * h) * (1 - d2 / (h * h)) ** 2, 0.0)
    else:
        k = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)
    return (k if w is None else k * w[None, :]).sum(axis=1) * 1e6


def clustered(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    centres = r.uniform(0, 3_000, (5, 2))
    pick = r.integers(0, 5, n)
    return centres[pick, 0] + r.normal(0, 250, n), centres[pick, 1] + r.normal(0, 150, n)


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
@pytest.mark.parametrize("shape", ["square", "hex"])
@pytest.mark.parametrize("weighted", [False, True])
def test_exact_mode_is_the_direct_sum(kernel, shape, weighted):
    x, y = clustered(400)
    w = rng.uniform(0.5, 3, len(x)) if weighted else None

    result = kde(x, y, cell_size=150, shape=shape, bandwidth=400, kernel=kernel, mode="exact", weights=w)

    table = result.table
    expected = brute_force(table["x"].to_numpy(), table["y"].to_numpy(), x, y, 400, kernel, w)
    got = table["density"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * expected.max())
    assert result.params["mode_used"] == "exact" and "max_error_vs_exact" not in result.params


@pytest.mark.parametrize(
    "kernel, shape, cell_size, bandwidth, months",
    [
        ("quartic", "square", 500, None, 1),  # the defaults: automatic bandwidth
        ("quartic", "square", 250, 1_000, 12),
        ("quartic", "hex", 200, 800, 12),
        ("gaussian", "square", 500, None, 1),
        ("gaussian", "square", 250, 400, 12),
        ("gaussian", "hex", 250, 300, 12),
    ],
)
def test_fast_mode_is_within_1_percent_of_the_peak_of_exact_on_real_points(kernel, shape, cell_size, bandwidth, months):
    x, y = derbyshire(months)
    grid = make_grid(x, y, cell_size=cell_size, shape=shape)

    fast = kde(x, y, grid, bandwidth=bandwidth, kernel=kernel)
    exact = kde(x, y, grid, bandwidth=bandwidth, kernel=kernel, mode="exact")

    assert fast.params["mode_used"] == "fast" and fast.params["lattice_factor"] >= 1
    f, e = fast.table["density"].to_numpy(), exact.table["density"].to_numpy()
    error = np.abs(f - e).max()
    assert error < 0.01 * e.max()
    # the error fast mode reports is measured on a sample of cells: no more than the true one
    assert fast.params["max_error_vs_exact"] <= error * (1 + 1e-9)
    assert fast.params["max_error_pct_of_peak"] < 1
    assert any("largest difference from the direct sum" in note for note in fast.notes)
    assert np.isfinite(f).all() and (f >= 0).all()


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
@pytest.mark.parametrize("mode", ["fast", "exact"])
@pytest.mark.parametrize("shape", ["square", "hex"])
def test_the_density_integrates_to_the_number_of_events(kernel, mode, shape):
    x, y = clustered(3_000)
    w = rng.integers(1, 4, len(x)).astype(float)
    area = shapely.box(x.min() - 2_500, y.min() - 2_500, x.max() + 2_500, y.max() + 2_500)  # far past every kernel's reach
    grid = make_grid(x, y, cell_size=50, shape=shape, clip=area)

    plain = kde(x, y, grid, bandwidth=300, kernel=kernel, mode=mode)
    weighted = kde(x, y, grid, bandwidth=300, kernel=kernel, mode=mode, weights=w)

    cell_km2 = grid.cell_area_m2 / 1e6
    assert plain.table["density"].sum() * cell_km2 == pytest.approx(len(x), rel=2e-3)
    assert weighted.table["density"].sum() * cell_km2 == pytest.approx(w.sum(), rel=2e-3)
    assert plain.params["mass_on_grid"] == pytest.approx(1, rel=2e-3)
    assert plain.table["n"].sum() == len(x) and weighted.table["weight"].sum() == pytest.approx(w.sum())


def test_the_gaussian_kernel_agrees_with_scipy_and_scikit_learn():
    x, y = clustered(1_500)
    # whiten the points so scipy's kernel covariance (data covariance x factor²) is h² I
    points = np.column_stack([x, y])
    centred = points - points.mean(axis=0)
    chol = np.linalg.cholesky(np.cov(centred.T))
    white = centred @ np.linalg.inv(chol).T * 1_000
    x, y = white[:, 0], white[:, 1]
    h = 150.0
    grid = make_grid(x, y, cell_size=100)
    cells = np.vstack([grid.x, grid.y])
    scipy_kde = gaussian_kde(np.vstack([x, y]), bw_method=h / 1_000)
    np.testing.assert_allclose(scipy_kde.covariance, h * h * np.eye(2), rtol=1e-9, atol=1e-6)
    reference = scipy_kde(cells) * len(x) * 1e6

    exact = kde(x, y, grid, bandwidth=h, kernel="gaussian", mode="exact").table["density"].to_numpy()
    fast = kde(x, y, grid, bandwidth=h, kernel="gaussian").table["density"].to_numpy()

    np.testing.assert_allclose(exact, reference, rtol=1e-9, atol=1e-9 * reference.max())
    assert np.abs(fast - reference).max() < 0.01 * reference.max()

    sk = KernelDensity(kernel="gaussian", bandwidth=h).fit(np.column_stack([x, y]))
    np.testing.assert_allclose(exact, np.exp(sk.score_samples(cells.T)) * len(x) * 1e6, rtol=1e-7, atol=1e-9 * reference.max())


def test_the_automatic_bandwidth_uses_both_coordinates():
    x, y = clustered(2_000)

    base = auto_bandwidth(x, y)
    stretched = auto_bandwidth(x, 3 * y)

    # sfhotspot's documented rule would use x alone, so stretching y would change nothing
    assert stretched > 1.5 * base
    assert auto_bandwidth(y, x) == pytest.approx(base)  # the axes count alike

    def spread(v):
        q25, q75 = np.quantile(v, [0.25, 0.75])
        return min(np.std(v, ddof=1), (q75 - q25) / 1.349)

    sigma = math.sqrt((spread(x) ** 2 + spread(y) ** 2) / 2) * len(x) ** (-1 / 6)
    assert auto_bandwidth(x, y, "gaussian") == pytest.approx(sigma)
    assert base == pytest.approx(QUARTIC_PER_GAUSSIAN * sigma) and QUARTIC_PER_GAUSSIAN == pytest.approx(2.78, abs=0.005)

    result = kde(x, y, cell_size=50)
    assert result.params["bandwidth"] == pytest.approx(base)
    assert result.params["bandwidth_auto"] and "Silverman" in result.params["bandwidth_rule"]
    assert any("chosen automatically from the spread of both coordinates" in note for note in result.notes)
    given = kde(x, y, cell_size=50, bandwidth=500)
    assert given.params["bandwidth"] == 500 and not given.params["bandwidth_auto"]
    assert kde(x, y, cell_size=50, bandwidth_adjust=0.5).params["bandwidth"] == pytest.approx(base / 2)


def test_the_automatic_bandwidth_is_never_below_the_cell_size():
    x, y = clustered(50_000)
    assert auto_bandwidth(x, y, "gaussian") < 300

    result = kde(x, y, cell_size=300, kernel="gaussian")

    assert result.params["bandwidth"] == 300
    assert any("below the cell size" in note for note in result.notes)


def test_the_result_is_a_table_with_its_parameters_and_what_was_left_out():
    x, y = clustered(1_000)
    x[:3] = np.nan
    grid = make_grid(x[3:], y[3:], cell_size=100, clip=shapely.box(500, 500, 2_500, 2_500))

    result = kde(x, y, grid, bandwidth=400)

    assert result.table.columns == ["x", "y", "density", "n"]
    assert result.table.height == grid.n_cells
    assert result.left_out["events without coordinates"] == 3
    off = [v for k, v in result.left_out.items() if k.startswith("events outside the grid")]
    assert off and off[0] + result.table["n"].sum() == 997
    for key in ("kernel", "bandwidth", "bandwidth_auto", "bandwidth_rule", "cell_size", "cell_size_auto", "grid", "mode", "mode_used", "units"):
        assert key in result.params
    assert result.to_dict()["rows"][0].keys() == {"x", "y", "density", "n"}


def test_fast_mode_uses_the_direct_sum_where_it_is_cheaper():
    x, y = clustered(2_000)

    result = kde(x, y, cell_size=100, bandwidth=60)

    assert result.params["mode"] == "fast" and result.params["mode_used"] == "exact"
    assert any("direct sum" in note for note in result.notes)
    exact = kde(x, y, cell_size=100, bandwidth=60, mode="exact")
    np.testing.assert_array_equal(result.table["density"].to_numpy(), exact.table["density"].to_numpy())


X, Y = clustered(500)


@pytest.mark.parametrize(
    "x, y, kwargs, message",
    [
        ([], [], {}, "no events to map"),
        ([np.nan], [1.0], {}, "no events to map"),
        ([430_000.0], [330_000.0], {}, "only one event"),
        ([430_000.0] * 5, [330_000.0] * 5, {"cell_size": 100, "bandwidth": 200}, "all 5 events are at one point"),
        (X, Y, {"bandwidth": 0}, "bandwidth must be more than 0 m"),
        (X, Y, {"bandwidth": -5}, "bandwidth must be more than 0 m"),
        (X, Y, {"bandwidth": 50_000}, "larger than the extent of the events"),
        (X, Y, {"cell_size": 0}, "cell size must be more than 0 m"),
        (X, Y, {"cell_size": 50_000}, "larger than the extent"),
        ([0.0, 10.0, 5.0], [0.0, 0.0, 3.0], {"cell_size": 1, "bandwidth_adjust": 3}, "automatic bandwidth .* is larger than the extent"),
        (X, Y, {"kernel": "epanechnikov"}, "use quartic or gaussian"),
        (X, Y, {"mode": "approximate"}, "use fast or exact"),
        (X, Y, {"weights": np.ones(3)}, "one weight per event"),
        (X, Y, {"weights": -np.ones(len(X))}, "not negative"),
        (X, Y, {"weights": np.zeros(len(X))}, "every weight is 0"),
        (X, Y, {"bandwidth_adjust": 0}, "adjustment must be more than 0"),
        (X, Y[:-1], {}, "differ in length"),
    ],
)
def test_bad_input_is_refused_with_what_to_change(x, y, kwargs, message):
    with pytest.raises(ScanError, match=message):
        kde(np.asarray(x, dtype=float), np.asarray(y, dtype=float), **kwargs)


def test_a_grid_and_a_cell_size_together_are_refused():
    grid = make_grid(X, Y, cell_size=100)
    with pytest.raises(ScanError, match="either a grid or a cell size"):
        kde(X, Y, grid, cell_size=100)
