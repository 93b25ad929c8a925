"""Getis-Ord Gi*: the published esda values (conformance C1, C2), esda itself on a real
Derbyshire grid (C6), the FDR against scipy, the classes, permutation p-values against
exact enumeration and their floor, the 30-event rule (C22), and bad input refused."""

from __future__ import annotations

import itertools
import warnings

import esda
import numpy as np
import polars as pl
import pytest
import shapely
from libpysal.weights import W
from scipy import sparse, stats

from sara import geo
from sara.scan.gistar import (
    adjust,
    class_labels,
    classify,
    gi_star_z,
    gistar,
    permutation_p,
    threshold,
    two_sided_p,
    weights_for,
)
from sara.scan.grid import make_grid
from sara.scan.result import ScanError
from tests.conftest import shared

# esda's docstring and tests: six points, DistanceBand(threshold=15), binary weights.
POINTS = np.array([(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)], dtype=float)
VALUES = np.array([2, 3, 3.2, 5, 8, 7])
GI_STAR = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
GI = [-1.0136729, -0.04361589, 1.31558703, -0.31412676, 1.15373986, 1.77833941]
DERBYSHIRE = shapely.box(400_000, 315_000, 460_000, 400_000)  # the county, without far-off strays


@pytest.fixture(scope="module")
def derbyshire() -> tuple[np.ndarray, np.ndarray]:
    """The 2025 police.uk street-level crimes of Derbyshire, in British National Grid metres."""
    files = sorted(shared("policeuk", "derbyshire-2025").glob("*.csv"))
    frame = pl.concat([pl.read_csv(f, columns=["Longitude", "Latitude"]) for f in files]).drop_nulls()
    return geo.transform(frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy(), geo.WGS84, geo.BNG)


def esda_z(values: np.ndarray, w: sparse.csr_matrix, star: bool = True) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(values.astype(float), W.from_sparse(w), transform="B", star=star, permutations=0).Zs


def test_gi_star_and_gi_match_esdas_published_values():
    w = weights_for((POINTS[:, 0], POINTS[:, 1]), "distance", distance=15)

    assert gi_star_z(VALUES, w) == pytest.approx(GI_STAR, abs=1e-8)
    assert gi_star_z(VALUES, w, star=False) == pytest.approx(GI, abs=1e-8)
    assert w.nnz == 14 and w[3, 4] == 1  # the band is inclusive: (15,20)-(30,20) are exactly 15 apart


def test_a_diagonal_already_in_the_weights_is_the_self_weight_of_gi_star_and_dropped_for_gi():
    w = weights_for((POINTS[:, 0], POINTS[:, 1]), "distance", distance=15)
    with_self = (w + sparse.identity(6)).tocsr()

    assert gi_star_z(VALUES, with_self) == pytest.approx(GI_STAR, abs=1e-8)
    assert gi_star_z(VALUES, with_self, star=False) == pytest.approx(GI, abs=1e-8)


@pytest.mark.parametrize(
    "shape, kind, option",
    [("square", "queen", {}), ("hex", "queen", {}), ("square", "distance", {"distance": 1_000}), ("hex", "knn", {"k": 6}), ("square", "knn", {"k": 5})],
)
def test_gi_star_equals_esda_on_a_real_derbyshire_grid(derbyshire, shape, kind, option):
    x, y = derbyshire
    grid = make_grid(x, y, cell_size=500, shape=shape, clip=DERBYSHIRE)
    counts = grid.counts(x, y)
    w = weights_for(grid, kind, **option)

    ours = gi_star_z(counts, w)

    assert grid.n_cells > 20_000 and counts.sum() > 100_000
    assert np.abs(ours - esda_z(counts, w)).max() < 1e-9
    assert np.abs(gi_star_z(counts, w, star=False) - esda_z(counts, w, star=False)).max() < 1e-9


def test_periods_as_columns_are_tested_one_by_one(derbyshire):
    x, y = derbyshire
    grid = make_grid(x, y, cell_size=1_000, clip=DERBYSHIRE)
    w = grid.neighbours()
    a, b = grid.counts(x[::2], y[::2]), grid.counts(x[1::2], y[1::2])

    both = gi_star_z(np.column_stack([a, b]), w)

    assert np.abs(both[:, 0] - gi_star_z(a, w)).max() < 1e-10
    assert np.abs(both[:, 1] - gi_star_z(b, w)).max() < 1e-10


def test_gistar_gives_every_cell_of_the_grid_with_its_count_z_p_and_class(derbyshire):
    x, y = derbyshire

    result = gistar(x, y, cell_size=500, clip=DERBYSHIRE)

    table = result.table
    grid = make_grid(x, y, cell_size=500, clip=DERBYSHIRE)
    assert table.columns == ["x", "y", "n", "z", "p", "p_adj", "class"]
    assert table.height == grid.n_cells and (table["n"] == 0).sum() > 0
    assert table["n"].sum() + result.left_out["outside the grid"] == len(x)
    assert np.abs(table["z"].to_numpy() - esda_z(table["n"].to_numpy(), grid.neighbours())).max() < 1e-9
    assert np.allclose(table["p"].to_numpy(), 2 * stats.norm.sf(np.abs(table["z"].to_numpy())))
    assert np.allclose(table["p_adj"].to_numpy(), stats.false_discovery_control(table["p"].to_numpy()))
    hot = table.filter(pl.col("class") == "hot 99%")
    assert len(hot) > 100 and (hot["z"] > 0).all() and (hot["p_adj"] <= 0.01).all()
    assert result.params["cell_size"] == 500 and result.params["neighbours"] == "queen" and result.params["correction"] == "fdr"
    cut = result.params["p_threshold"]["99%"]
    assert (table.filter(pl.col("p") <= cut)["class"] == "hot 99%").all()
    assert any("Benjamini-Hochberg" in note for note in result.notes)


def test_the_automatic_cell_size_is_announced(derbyshire):
    x, y = derbyshire
    inside = shapely.contains_xy(DERBYSHIRE, x, y)

    result = gistar(x[inside], y[inside])

    assert result.params["cell_size_auto"] and result.params["cell_size"] == 850  # 1/100 of ~84.9 km, up to 10 m
    assert "chosen automatically" in result.notes[0]


def test_fdr_matches_scipy_and_the_threshold_is_the_same_test():
    p = np.random.default_rng(1).uniform(size=5_000) ** 4

    assert np.abs(adjust(p, "fdr") - stats.false_discovery_control(p)).max() < 1e-15
    assert np.array_equal(adjust(p, "bonferroni"), np.minimum(p * len(p), 1))
    assert np.array_equal(adjust(p, "none"), p)
    for correction, alpha in itertools.product(["fdr", "bonferroni", "none"], [0.01, 0.05, 0.1]):
        cut = threshold(p, alpha, correction)
        assert np.array_equal(p <= cut, adjust(p, correction) <= alpha)
    assert threshold(np.array([0.5, 0.9]), 0.05) is None


def test_classes_follow_the_sign_and_the_strictest_level_reached():
    z = np.array([3.0, 2.0, 1.8, 0.5, -1.8, -2.0, -3.0, 2.5])
    p_adj = np.array([0.001, 0.03, 0.08, 0.6, 0.08, 0.03, 0.001, 0.2])

    labels = class_labels()
    classes = [labels[c] for c in classify(z, p_adj)]

    assert classes == ["hot 99%", "hot 95%", "hot 90%", "not significant", "cold 90%", "cold 95%", "cold 99%", "not significant"]
    assert labels == ["hot 99%", "hot 95%", "hot 90%", "not significant", "cold 90%", "cold 95%", "cold 99%"]


def test_corrections_change_how_many_cells_are_hot(derbyshire):
    x, y = derbyshire
    runs = {c: gistar(x, y, cell_size=500, clip=DERBYSHIRE, correction=c) for c in ("none", "fdr", "bonferroni")}
    hot = {c: (r.table["class"] != "not significant").sum() for c, r in runs.items()}

    assert hot["none"] > hot["fdr"] > hot["bonferroni"] > 0
    assert runs["bonferroni"].params["p_threshold"]["90%"] <= 0.1 / runs["bonferroni"].table.height


def exact_permutation_p(values: np.ndarray, w: sparse.csr_matrix) -> np.ndarray:
    """Every neighbour set of the right size drawn from the other cells, equally likely."""
    out = []
    for i in range(len(values)):
        others = np.delete(values, i)
        k = w[i].nnz
        expect = k * others.mean()
        observed = abs(w[i] @ values - expect).item()
        sums = np.array([others[list(c)].sum() for c in itertools.combinations(range(len(others)), k)])
        out.append(np.mean(np.abs(sums - expect) >= observed - 1e-9))
    return np.array(out)


def test_permutation_p_values_converge_on_exact_enumeration():
    w = weights_for((POINTS[:, 0], POINTS[:, 1]), "distance", distance=15)
    exact = exact_permutation_p(VALUES, w)

    p = permutation_p(VALUES, w, permutations=20_000, seed=3)

    assert exact[0] == pytest.approx(0.4)  # 4 of the 10 pairs from the other five cells
    assert np.abs(p - exact).max() < 4 * np.sqrt(0.25 / 20_000)
    assert np.array_equal(p, permutation_p(VALUES, w, permutations=20_000, seed=3))


def test_permutation_p_values_stop_at_one_over_permutations_plus_one_and_say_so():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 10_000, 3_000)
    y = rng.uniform(0, 10_000, 3_000)
    x = np.concatenate([x, rng.normal(5_000, 150, 2_000)])  # one strong hot spot
    y = np.concatenate([y, rng.normal(5_000, 150, 2_000)])

    result = gistar(x, y, cell_size=250, permutations=99, seed=1)

    p = result.table["p"].to_numpy()
    assert p.min() == pytest.approx(1 / 100) and (p >= 1 / 100).all()
    assert result.params["p_min_reachable"] == pytest.approx(0.01) and result.params["inference"] == "permutation"
    assert any("smallest reachable p is 0.01" in note for note in result.notes)
    hottest = result.table.sort("z", descending=True).head(1)
    assert hottest["p"].item() == pytest.approx(0.01)


def test_under_30_events_is_refused_unless_asked_and_then_warned():
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, 5_000, 25), rng.uniform(0, 5_000, 25)

    with pytest.raises(ScanError, match="only 25 events.*at least 30"):
        gistar(x, y, cell_size=500)
    result = gistar(x, y, cell_size=500, min_events=10)
    assert result.table["n"].sum() == 25
    assert any(note.startswith("warning: only 25 events") for note in result.notes)


def test_the_automatic_distance_band_is_queen_contiguity_and_is_announced(derbyshire):
    x, y = derbyshire
    queen = gistar(x, y, cell_size=500, clip=DERBYSHIRE)

    band = gistar(x, y, cell_size=500, clip=DERBYSHIRE, neighbours="distance")

    assert band.params["distance"] == pytest.approx(500 * np.sqrt(2))
    assert np.array_equal(band.table["z"].to_numpy(), queen.table["z"].to_numpy())
    assert any("chosen automatically" in note and "√2" in note for note in band.notes)


def test_knn_weights_give_each_cell_k_neighbours_without_itself():
    grid = make_grid(np.array([0.0, 5_000]), np.array([0.0, 5_000]), cell_size=500)
    w = weights_for(grid, "knn", k=4)

    assert (np.diff(w.indptr) == 4).all() and (w.diagonal() == 0).all()
    pairs = w.tocoo()
    d = np.hypot(grid.x[pairs.row] - grid.x[pairs.col], grid.y[pairs.row] - grid.y[pairs.col])
    inner = (np.abs(grid.x[pairs.row] - 2_750) < 2_000) & (np.abs(grid.y[pairs.row] - 2_750) < 2_000)
    assert np.allclose(d[inner], 500) and d.max() == pytest.approx(1_000)  # a corner's 4th nearest is two cells away


def test_analytic_p_is_two_sided():
    assert two_sided_p(np.array([1.959963984540054, -1.959963984540054, 0.0])) == pytest.approx([0.05, 0.05, 1.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"correction": "holm"}, "unknown correction"),
        ({"neighbours": "rook"}, "unknown neighbours"),
        ({"neighbours": "knn", "k": 0}, "whole number k"),
        ({"neighbours": "distance", "distance": -5}, "above 0"),
        ({"permutations": -1}, "permutations must be"),
        ({"alphas": (0.05, 1.5)}, "between 0 and 1"),
    ],
)
def test_bad_options_are_refused_with_what_to_change(kwargs, message):
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0, 5_000, 200), rng.uniform(0, 5_000, 200)
    with pytest.raises(ScanError, match=message):
        gistar(x, y, cell_size=500, **kwargs)


def test_queen_needs_a_grid_and_x_and_y_must_match():
    with pytest.raises(ScanError, match="queen neighbours need a grid"):
        weights_for((POINTS[:, 0], POINTS[:, 1]), "queen")
    with pytest.raises(ScanError, match="same length"):
        gistar(np.zeros(40), np.zeros(39))


def test_no_variation_gives_z_zero_not_noise():
    grid = make_grid(np.array([0.0, 5_000]), np.array([0.0, 5_000]), cell_size=500)
    w = grid.neighbours()
    flat = np.column_stack([np.full(grid.n_cells, 0.1), np.zeros(grid.n_cells)])

    assert (gi_star_z(flat, w) == 0).all() and (gi_star_z(flat[:, 0], w, star=False) == 0).all()


def test_a_hole_in_a_dense_area_is_a_cold_spot():
    rng = np.random.default_rng(9)
    x, y = rng.uniform(0, 10_000, 40_000), rng.uniform(0, 10_000, 40_000)
    keep = np.hypot(x - 5_000, y - 5_000) > 600

    result = gistar(x[keep], y[keep], cell_size=250)

    centre = result.table.filter((pl.col("x") == 5_125) & (pl.col("y") == 5_125))
    assert centre["class"].item() == "cold 99%" and centre["n"].item() == 0
    assert (result.table.filter(pl.col("class").cast(pl.String).str.starts_with("cold"))["z"] < 0).all()
