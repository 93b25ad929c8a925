"""Benchmark: Getis-Ord Gi* on a 1,000,000-cell grid (``sara.scan.gistar``).

Input, synthetic from real data: 1,000,000 events resampled from the real 2025 Derbyshire
police.uk points (``demo/derbyshire-2025-street.zip``, jittered by ~100 m, as in
``bench.areas``), projected to British National Grid, kept inside an 85 km x 85 km box over
the county, on a square grid of 85 m cells (1000 x 1000 = 1,000,000 cells, most of them
empty, as a force-wide fine grid is), queen neighbours.

Rows, each with our time, the reference's on the same input in the same run, and the ratio:

- ``Gi* on a given grid``: ``gi_star_z`` + two-sided p + Benjamini-Hochberg FDR + classes,
  against ``esda.G_Local(counts, w, transform="B", star=True, permutations=0)`` (analytic
  z only, no FDR) on the same counts and the same neighbours as a libpysal ``W`` (built
  beforehand, not timed). The z-scores are checked identical to 1e-9.
- ``gistar() end to end``: from the events to the result table (grid, counts, neighbours,
  z, p, FDR, classes), against what esda needs after the same grid and counts: building
  the ``W`` from the neighbours, then ``G_Local``.

Run alone: ``.venv/bin/python -m bench.gistar``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from bench.areas import points
from sara import geo
from sara.scan.gistar import adjust, classify, gi_star_z, gistar, two_sided_p
from sara.scan.grid import make_grid

EVENTS = 1_000_000
CELL = 85.0
BOX = (397_500.0, 315_000.0, 482_500.0, 400_000.0)  # 85 km x 85 km over Derbyshire


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def events(n: int = EVENTS) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = points(int(n * 1.05))
    x, y = geo.transform(lon, lat, geo.WGS84, geo.BNG)
    xmin, ymin, xmax, ymax = BOX
    inside = (x >= xmin) & (x < xmax - 1) & (y >= ymin) & (y < ymax - 1)
    return x[inside][:n], y[inside][:n]


def _ours(counts, w):
    z = gi_star_z(counts, w)
    p = two_sided_p(z)
    return z, classify(z, adjust(p, "fdr"))


def _esda(counts, w_pysal):
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(counts, w_pysal, transform="B", star=True, permutations=0).Zs


def run(n: int = EVENTS) -> list[dict]:
    from libpysal.weights import W

    x, y = events(n)
    xmin, ymin, xmax, ymax = BOX
    corners_x = np.array([xmin + 1, xmax - 1])
    corners_y = np.array([ymin + 1, ymax - 1])
    grid = make_grid(np.concatenate([x, corners_x]), np.concatenate([y, corners_y]), cell_size=CELL)
    counts = grid.counts(x, y).astype(float)
    w = grid.neighbours()
    build_s, w_pysal = _timed(W.from_sparse, w)
    size = f"{grid.n_cells:,} cells ({grid.n_rows} x {grid.n_cols}, {CELL:g} m), {len(x):,} events, queen ({w.nnz:,} links)"

    ours_s, (z, _) = _timed(_ours, counts, w)
    ref_s, ref_z = _timed(_esda, counts, w_pysal)
    gap = float(np.abs(z - ref_z).max())
    assert gap <= 1e-9, f"Gi* z differs from esda by {gap}"
    rows = [
        {
            "benchmark": "Gi* on a given grid: z, two-sided p, FDR, classes",
            "input": f"{size}; max |z - esda z| = {gap:.1e}",
            "ours_s": ours_s,
            "reference": "esda G_Local(star=True, transform='B', permutations=0), z only",
            "reference_s": ref_s,
            "target": "<= 1 s and >= 50x faster than esda, identical z",
        }
    ]

    end_s, result = _timed(gistar, np.concatenate([x, corners_x]), np.concatenate([y, corners_y]), cell_size=CELL)
    assert result.table.height == grid.n_cells
    rows.append(
        {
            "benchmark": "gistar() end to end: grid, counts, neighbours, z, p, FDR, classes, table",
            "input": f"{size}; W build {build_s:.1f} s",
            "ours_s": end_s,
            "reference": "libpysal W from the same neighbours + esda G_Local (grid and counts not timed)",
            "reference_s": build_s + ref_s,
            "target": "<= 1 s",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
