"""Getis-Ord Gi* hot and cold spots on a grid of event counts.

One call, ``gistar(x, y)``, lays a grid over the events (or uses the one given), counts the
events per cell, and tests each cell: is the count in the cell and its neighbours higher
(hot) or lower (cold) than the whole grid would give by chance? Every cell of the grid is a
row of the result, empty cells included, because the empty cells are part of the picture
Gi* compares against.

Statistic (Getis & Ord 1992; Ord & Getis 1995), for cell ``i`` with weights ``w_ij``
(``w_ii = 1`` for Gi*, ``0`` for Gi), ``n`` cells, counts ``x`` with mean ``x̄`` and
population standard deviation ``s`` (for Gi both are taken over the other ``n - 1`` cells)::

    z_i = (Σ_j w_ij x_j − x̄ W_i) / (s √((n S1_i − W_i²) / (n − 1))),
    W_i = Σ_j w_ij,  S1_i = Σ_j w_ij²

With binary weights this is exactly what ``esda.G_Local(star=True, transform="B")``
reports as ``Zs`` (its ``E[G]`` and ``V[G]`` written out); here it is two sparse
matrix-vector products, so a million cells take well under a second.

Inference:

* analytic two-sided p-values, ``p = 2 Φ(−|z|)`` (esda's ``p_norm`` is one-sided);
* or conditional permutation (``permutations=R``): each cell keeps its own count and its
  neighbours are drawn at random, without replacement, from the other cells; the two-sided
  pseudo p-value counts draws whose neighbour sum is at least as far from its expectation
  as the observed one, ``p = (1 + #) / (R + 1)``. Its smallest reachable value,
  ``1 / (R + 1)``, is reported next to the FDR threshold because on large grids it decides
  whether anything can be significant at all (with 999 permutations and 250,000 cells,
  Benjamini-Hochberg at 5% needs 5,000 cells at that floor before it flags one);
* multiple testing across all cells: Benjamini-Hochberg FDR (default), Bonferroni, or none.

Each cell gets a class: "hot 99%", "hot 95%", "hot 90%", "not significant", "cold 90%",
"cold 95%", "cold 99%", from the corrected p-value at the levels in ``alphas``.

Fewer than 30 events: refused by default (``min_events=30``), after Esri's Optimized Hot
Spot Analysis rule. With so few events almost every cell holds 0 or 1, the normal
approximation behind the z-score does not hold, and the "hot spots" are single events; a
partnership would act on noise. Lowering ``min_events`` runs anyway and says so in the notes.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy import sparse, special
from scipy.linalg import blas
from scipy.spatial import cKDTree

from sara.scan.grid import Grid, make_grid
from sara.scan.result import Note, ScanError, ScanResult

MIN_EVENTS = 30
ALPHAS = (0.01, 0.05, 0.10)
CORRECTIONS = ("fdr", "bonferroni", "none")
NEIGHBOURS = ("queen", "distance", "knn")
DISTANCE_TOLERANCE = 1e-9  # relative: cell centres a band apart are kept despite rounding


# --------------------------------------------------------------------------- statistic


def gi_star_z(values: np.ndarray, weights: sparse.spmatrix, star: bool = True) -> np.ndarray:
    """Getis-Ord z-scores of ``values`` (one per row of ``weights``; a 2-D array is one
    column per variable or period, each tested on its own).

    ``weights``: sparse ``n x n`` spatial weights. ``star=True`` gives Gi*: a self weight of
    1 is added where the diagonal is empty (as esda does for binary weights). ``star=False``
    gives Gi: the diagonal is dropped and each cell is compared with the other ``n - 1``.
    Cells whose z is undefined (no variation, or every cell a neighbour) get 0.
    """
    y = np.asarray(values, dtype=float)
    one_d = y.ndim == 1
    if one_d:
        y = y[:, None]
    w = sparse.csr_matrix(weights)
    n = w.shape[0]
    if w.shape != (n, n) or y.shape[0] != n:
        raise ScanError(f"the weights are {w.shape[0]} x {w.shape[1]} but there are {y.shape[0]} values")
    diagonal = w.diagonal()
    has_self = bool(diagonal.any())
    if not star and has_self:
        w = (w - sparse.diags(diagonal)).tocsr()
        w.eliminate_zeros()
        diagonal = np.zeros(n)
    binary = bool((w.data == 1).all())
    w_sum = np.diff(w.indptr).astype(float) if binary else np.asarray(w.sum(axis=1)).ravel()
    s1 = w_sum if binary else np.asarray(w.multiply(w).sum(axis=1)).ravel()
    lag = np.ascontiguousarray(w @ y)
    if star and not has_self:  # self weight 1, added without building W + I
        lag += y
        w_sum = w_sum + 1
        s1 = s1 + 1
    # Computed in place on ``lag``: a space-time cube can hold millions of bins.
    with np.errstate(divide="ignore", invalid="ignore"):
        if star:
            big_n = n
            mean = y.mean(axis=0)
            var = np.einsum("ij,ij->j", y, y) / big_n - mean**2
            var[var <= 1e-12 * mean**2] = 0.0  # equal values: rounding, not variation
            sd = np.sqrt(var)
            _subtract_outer(lag, w_sum, mean)
            lag /= np.sqrt((big_n * s1 - w_sum**2) / (big_n - 1))[:, None]
            lag /= sd[None, :]
        else:
            big_n = n - 1
            mean = (y.sum(axis=0) - y) / big_n
            mean_sq = ((y**2).sum(axis=0) - y**2) / big_n
            var = mean_sq - mean**2
            var[var <= 1e-12 * mean**2] = 0.0
            sd = np.sqrt(var)
            lag -= w_sum[:, None] * mean
            lag /= np.sqrt((big_n * s1 - w_sum**2) / (big_n - 1))[:, None] * sd
    z = lag
    z[~np.isfinite(z)] = 0.0
    return z[:, 0] if one_d else z


def _subtract_outer(a: np.ndarray, u: np.ndarray, v: np.ndarray) -> None:
    """``a -= outer(u, v)`` in place (BLAS rank-1 update), without an ``n x K`` temporary."""
    out = blas.dger(-1.0, np.asarray(v, dtype=float), np.asarray(u, dtype=float), a=a.T, overwrite_a=True)
    if not np.shares_memory(out, a):
        a[...] = out.T


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """``2 Φ(−|z|)``: the two-sided normal p-value, accurate far into the tail."""
    p = np.abs(z, dtype=float)
    np.negative(p, out=p)
    special.ndtr(p, out=p)
    p *= 2
    return p


def adjust(p: np.ndarray, correction: str = "fdr") -> np.ndarray:
    """p-values adjusted for testing every entry of ``p`` at once: Benjamini-Hochberg
    (``"fdr"``, the same values as ``scipy.stats.false_discovery_control``), Bonferroni, or
    ``"none"``. A cell is significant at level ``a`` when its adjusted p is ``<= a``."""
    p = np.asarray(p, dtype=float)
    if correction == "none":
        return p.copy()
    m = p.size
    if correction == "bonferroni":
        return np.minimum(p * m, 1.0)
    if correction != "fdr":
        raise ScanError(f"unknown correction {correction!r}", field="correction", fix=f"use {', '.join(CORRECTIONS)}")
    flat = p.ravel()
    order = np.argsort(flat, kind="stable")
    scaled = flat[order] * m / np.arange(1, m + 1)
    scaled = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(scaled, 1.0)
    return out.reshape(p.shape)


def threshold(p: np.ndarray, alpha: float, correction: str = "fdr") -> float | None:
    """The largest raw p-value declared significant at level ``alpha`` (None: none is).
    ``p <= threshold`` is the same test as ``adjust(p) <= alpha``, without sorting every p."""
    p = np.asarray(p, dtype=float).ravel()
    m = p.size
    if correction == "none":
        cut = alpha
    elif correction == "bonferroni":
        cut = alpha / m
    elif correction == "fdr":
        small = np.sort(p[p <= alpha])
        ok = np.flatnonzero(small * m <= np.arange(1, len(small) + 1) * alpha)
        if not len(ok):
            return None
        return float(small[ok[-1]])
    else:
        raise ScanError(f"unknown correction {correction!r}", field="correction", fix=f"use {', '.join(CORRECTIONS)}")
    hit = p[p <= cut]
    return float(hit.max()) if len(hit) else None


# --------------------------------------------------------------------------- weights


def weights_for(
    where: Grid | tuple[np.ndarray, np.ndarray],
    kind: str = "queen",
    distance: float | None = None,
    k: int | None = None,
) -> sparse.csr_matrix:
    """Binary spatial weights (no self) between the cells of a grid or a set of points.

    ``queen``: cells sharing an edge or a corner (8 for squares, 6 for hexagons; grids only).
    ``distance``: centres within ``distance`` metres, inclusive (libpysal's ``DistanceBand``).
    ``knn``: each cell's ``k`` nearest centres (not symmetric; ties broken by the k-d tree).
    """
    if kind not in NEIGHBOURS:
        raise ScanError(f"unknown neighbours {kind!r}", field="neighbours", fix=f"use {', '.join(NEIGHBOURS)}")
    if kind == "queen":
        if not isinstance(where, Grid):
            raise ScanError("queen neighbours need a grid: give points distance or knn neighbours")
        return where.neighbours()
    if isinstance(where, Grid):
        xy = np.column_stack([where.x, where.y])
    else:
        xy = np.column_stack([np.asarray(where[0], dtype=float), np.asarray(where[1], dtype=float)])
    n = len(xy)
    tree = cKDTree(xy)
    if kind == "distance":
        if distance is None or not distance > 0:
            raise ScanError(f"distance neighbours need a distance in metres above 0, not {distance}")
        pairs = tree.query_pairs(distance * (1 + DISTANCE_TOLERANCE), output_type="ndarray")
        src = np.concatenate([pairs[:, 0], pairs[:, 1]])
        dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    else:
        if k is None or int(k) != k or k < 1:
            raise ScanError(f"k nearest neighbours need a whole number k of 1 or more, not {k}")
        k = int(k)
        if k >= n:
            raise ScanError(f"k = {k} neighbours but only {n} cells: give a smaller k")
        _, idx = tree.query(xy, k=k + 1)
        me = np.arange(n)[:, None]
        not_self = idx != me
        # Each row holds itself once (or not at all, when duplicates tie at distance 0).
        keep = not_self & (np.cumsum(not_self, axis=1) <= k)
        src = np.broadcast_to(me, idx.shape)[keep]
        dst = idx[keep]
    return sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))


def _neighbour_params(grid: Grid, kind: str, distance: float | None, k: int | None, notes: list[str]) -> tuple[float | None, int | None]:
    """Fill in automatic distance or k, announcing them."""
    if kind == "distance" and distance is None:
        distance = grid.cell_size * (math.sqrt(2) if grid.shape == "square" else 1.0)
        notes.append(
            f"neighbour distance {distance:,.1f} m chosen automatically: the distance to the diagonal "
            f"cell ({'cell size x √2, as sfhotspot' if grid.shape == 'square' else 'one hexagon across'}); give a distance to change it"
        )
    if kind == "knn" and k is None:
        k = 8 if grid.shape == "square" else 6
        notes.append(f"k = {k} nearest cells chosen automatically (as many as a cell has adjacent cells); give k to change it")
    return distance, k


# --------------------------------------------------------------------------- permutation


def _draws(rng: np.random.Generator, n_other: int, permutations: int, k: int) -> np.ndarray:
    """``permutations`` rows of ``k`` distinct indices in ``range(n_other)``."""
    if n_other <= max(256, 4 * k):
        base = np.broadcast_to(np.arange(n_other), (permutations, n_other))
        return rng.permuted(base, axis=1)[:, :k]
    d = rng.integers(0, n_other, (permutations, k))
    while True:
        s = np.sort(d, axis=1)
        dup = (s[:, 1:] == s[:, :-1]).any(axis=1)
        if not dup.any():
            return d
        d[dup] = rng.integers(0, n_other, (int(dup.sum()), k))


def permutation_p(values: np.ndarray, weights: sparse.spmatrix, permutations: int = 999, seed: int | None = None) -> np.ndarray:
    """Two-sided conditional-permutation p-values for Gi and Gi* (the same test: the
    cell's own count is held fixed, so only its neighbours are permuted).

    For each cell, ``permutations`` neighbour sets are drawn without replacement from the
    other cells; ``p = (1 + #{|S_r − E| >= |S − E|}) / (permutations + 1)`` with ``S`` the
    weighted neighbour sum and ``E`` its expectation under the draw. Draws are shared by
    the cells of one block (as esda's ``crand`` shares them), fresh for each block.
    """
    y = np.asarray(values, dtype=float)
    w = sparse.csr_matrix(weights)
    w = (w - sparse.diags(w.diagonal())).tocsr()
    w.eliminate_zeros()
    n = len(y)
    rng = np.random.default_rng(seed)
    deg = np.diff(w.indptr)
    kmax = int(deg.max()) if n else 0
    if kmax == 0 or permutations < 1:
        return np.ones(n)
    if kmax > n - 1:
        raise ScanError("a cell has more neighbours than there are other cells")
    pad = np.zeros((n, kmax))
    slot = np.arange(w.nnz) - np.repeat(w.indptr[:-1], deg)
    pad[np.repeat(np.arange(n), deg), slot] = w.data
    w_sum = pad.sum(axis=1)
    mean_other = (y.sum() - y) / (n - 1)
    expect = w_sum * mean_other
    observed = np.abs(w @ y - expect)
    tol = 1e-9 * np.maximum(1.0, np.abs(w @ y))
    y_next = np.append(y[1:], 0.0)  # y[j + 1]: the value drawn when index j skips the cell itself
    block = max(1, int(4_000_000 // (permutations * kmax)))
    larger = np.zeros(n, dtype=np.int64)
    for start in range(0, n, block):
        cells = np.arange(start, min(n, start + block))
        d = _draws(rng, n - 1, permutations, kmax)
        skip = d[None, :, :] >= cells[:, None, None]
        drawn = np.where(skip, y_next[d][None], y[d][None])
        sums = np.einsum("crk,ck->cr", drawn, pad[cells])
        larger[cells] = (np.abs(sums - expect[cells, None]) >= observed[cells, None] - tol[cells, None]).sum(axis=1)
    return (larger + 1) / (permutations + 1)


# --------------------------------------------------------------------------- classes


def class_labels(alphas: tuple[float, ...] = ALPHAS) -> list[str]:
    """Class names from the strictest level to the loosest, hot then cold."""
    levels = sorted(alphas)
    hot = [f"hot {_pct(a)}" for a in levels]
    cold = [f"cold {_pct(a)}" for a in reversed(levels)]
    return hot + ["not significant"] + cold


def _pct(alpha: float) -> str:
    return f"{(1 - alpha) * 100:g}%"


def classify(z: np.ndarray, p_adj: np.ndarray, alphas: tuple[float, ...] = ALPHAS) -> np.ndarray:
    """Index into ``class_labels(alphas)`` of each cell: hot or cold at the strictest level
    its corrected p-value reaches (``p_adj <= alpha``), else not significant."""
    levels = sorted(alphas)
    n_levels = len(levels)
    # level reached: 0 = strictest ... n_levels = none
    reached = np.full(len(z), n_levels, dtype=np.int64)
    for i, a in reversed(list(enumerate(levels))):
        reached[p_adj <= a] = i
    hot = (z > 0) & (reached < n_levels)
    cold = (z < 0) & (reached < n_levels)
    code = np.full(len(z), n_levels, dtype=np.int64)
    code[hot] = reached[hot]
    code[cold] = 2 * n_levels - reached[cold]
    return code


# --------------------------------------------------------------------------- the verb


def gistar(
    x: np.ndarray,
    y: np.ndarray,
    *,
    grid: Grid | None = None,
    cell_size: float | None = None,
    shape: str = "square",
    clip=None,
    neighbours: str = "queen",
    distance: float | None = None,
    k: int | None = None,
    correction: str = "fdr",
    alphas: tuple[float, ...] = ALPHAS,
    permutations: int = 0,
    seed: int | None = None,
    min_events: int = MIN_EVENTS,
) -> ScanResult:
    """Gi* hot and cold spots of events at ``x``, ``y`` (projected metres, e.g. BNG).

    Table: one row per grid cell, ``x``, ``y`` (cell centre), ``n`` (events), ``z``, ``p``
    (two-sided; from permutations when ``permutations > 0``), ``p_adj`` (after
    ``correction`` across all cells) and ``class``. ``grid`` overrides ``cell_size``,
    ``shape`` and ``clip``; ``neighbours`` is ``queen``, ``distance`` (``distance`` metres,
    automatic if not given) or ``knn`` (``k`` cells, automatic if not given).
    """
    if correction not in CORRECTIONS:
        raise ScanError(f"unknown correction {correction!r}", field="correction", fix=f"use {', '.join(CORRECTIONS)}")
    if neighbours not in NEIGHBOURS:
        raise ScanError(f"unknown neighbours {neighbours!r}", field="neighbours", fix=f"use {', '.join(NEIGHBOURS)}")
    if not alphas or not all(0 < a < 1 for a in alphas):
        raise ScanError(f"significance levels must be between 0 and 1, not {alphas}")
    if int(permutations) != permutations or permutations < 0:
        raise ScanError(f"permutations must be a whole number of 0 or more, not {permutations}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ScanError(f"x and y must be two lists of the same length, not {x.shape} and {y.shape}")
    left_out: dict[str, int] = {}
    notes: list[str] = []
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.all():
        left_out["no coordinates"] = int((~finite).sum())
        x, y = x[finite], y[finite]
    if grid is None:
        grid = make_grid(x, y, cell_size=cell_size, shape=shape, clip=clip)
    if grid.cell_size_auto:
        notes.append(
            Note(f"cell size {grid.cell_size:g} m chosen automatically: 1/100 of the larger side of the extent, rounded up to 10 m; give a cell size to change it", field="cell_size")
        )
    cell = grid.locate(x, y)
    if (cell < 0).any():
        left_out["outside the grid"] = int((cell < 0).sum())
    counts = np.bincount(cell[cell >= 0], minlength=grid.n_cells)
    events = int(counts.sum())
    if events < min_events:
        raise ScanError(
            f"only {events} events on the grid: Gi* needs at least {min_events} (Esri's rule for hot spot analysis), "
            "because with fewer the hot spots are single events. Widen the period, area or categories, "
            "or set min_events lower to run anyway"
        )
    if events < MIN_EVENTS:
        notes.append(f"warning: only {events} events, under the usual minimum of {MIN_EVENTS}; treat any hot spot as a single event, not a pattern")
    distance, k = _neighbour_params(grid, neighbours, distance, k, notes)
    w = weights_for(grid, neighbours, distance=distance, k=k)
    z = gi_star_z(counts, w, star=True)
    if permutations:
        p = permutation_p(counts, w, permutations=int(permutations), seed=seed)
    else:
        p = two_sided_p(z)
    p_adj = adjust(p, correction)
    labels = class_labels(alphas)
    code = classify(z, p_adj, alphas)
    thresholds = {_pct(a): threshold(p, a, correction) for a in sorted(alphas)}
    p_min = 1 / (permutations + 1) if permutations else None
    degree = np.diff(w.indptr)
    params = {
        **grid.params(),
        "statistic": "Gi*",
        "weights": "binary, self included",
        "neighbours": neighbours,
        "distance": distance,
        "k": k,
        "mean_neighbours": float(degree.mean()) if len(degree) else 0.0,
        "cells_without_neighbours": int((degree == 0).sum()),
        "events": events,
        "min_events": min_events,
        "correction": correction,
        "alphas": sorted(alphas),
        "p_threshold": thresholds,
        "inference": "permutation" if permutations else "analytic",
        "permutations": int(permutations),
        "p_min_reachable": p_min,
        "seed": seed,
    }
    counted = np.bincount(code, minlength=len(labels))
    summary = ", ".join(f"{counted[i]:,} {label}" for i, label in enumerate(labels) if label != "not significant" and counted[i])
    notes.append(f"{grid.n_cells:,} cells, {events:,} events: {summary or 'no hot or cold spots'}")
    if correction != "none":
        loosest = _pct(max(alphas))
        cut = thresholds[loosest]
        method = "Benjamini-Hochberg false discovery rate" if correction == "fdr" else "Bonferroni"
        notes.append(
            f"{method} across all {grid.n_cells:,} cells: "
            + (f"a cell is hot or cold at {loosest} when its p <= {cut:.3g}" if cut is not None else f"no cell is hot or cold even at {loosest}")
        )
    if permutations:
        notes.append(_floor_note(p_min, grid.n_cells, alphas, correction))
    else:
        skew = _skewness(counts)
        if skew > 3:
            notes.append(
                f"the counts are very skewed (skewness {skew:.0f}): analytic p-values assume roughly normal neighbourhood sums "
                "and are optimistic far in the tail; permutations (e.g. 999) give a check that assumes nothing"
            )
    if params["cells_without_neighbours"]:
        notes.append(f"{params['cells_without_neighbours']:,} cells have no neighbours: their Gi* compares the cell alone with the grid")
    table = pl.DataFrame(
        {
            "x": grid.x,
            "y": grid.y,
            "n": counts.astype(np.int64),
            "z": z,
            "p": p,
            "p_adj": p_adj,
            "class": pl.Series(labels, dtype=pl.Enum(labels)).gather(code),
        }
    )
    return ScanResult(table=table, params=params, left_out=left_out, notes=notes)


def _skewness(values: np.ndarray) -> float:
    v = np.asarray(values, dtype=float)
    sd = v.std()
    return float(((v - v.mean()) ** 3).mean() / sd**3) if sd > 0 else 0.0


def _floor_note(p_min: float, m: int, alphas: tuple[float, ...], correction: str) -> str:
    """What the permutation floor ``p_min`` means for the correction chosen."""
    loosest = max(alphas)
    text = f"with {round(1 / p_min) - 1:,} permutations the smallest reachable p is {p_min:.3g}"
    if correction == "bonferroni" and p_min * m > loosest:
        return text + f"; Bonferroni across {m:,} cells needs p <= {loosest / m:.3g}, so no cell can be significant: use analytic p-values or more permutations"
    if correction == "fdr" and p_min * m > loosest:
        need = math.ceil(p_min * m / loosest)
        return text + f"; Benjamini-Hochberg at {_pct(loosest)} across {m:,} cells can flag a cell only if at least {need:,} cells reach that floor"
    return text
