"""Benchmark: kernel density of 1,000,000 points onto ~250,000 cells (``sara.scan.kde``).

Input, synthetic from real data: 1,000,000 points resampled from the real 2025 Derbyshire
police.uk points (``demo/derbyshire-2025-street.zip``, jittered by ~100 m, as in
``bench.areas``), projected to British National Grid, inside an 85 km x 85 km box; square
170 m cells over the box (501 x 501 = 251,001 cells).

Rows, each with our time (fast mode, the default: binned FFT plus its own error check
against the direct sum, best of 3 runs) and scikit-learn's ``KernelDensity`` on the same
points, the same cell centres and the same bandwidth, in the same run:

- quartic kernel, automatic bandwidth (the defaults). scikit-learn has no quartic kernel;
  the reference is its nearest compact one, ``epanechnikov``, with the same radius.
- quartic kernel, 500 m (a usual hotspot search radius): the same reference.
- Gaussian kernel, automatic bandwidth: the reference is the same kernel, and its values
  (times the number of events, per km²) are checked against ours on the cells it ran on.

scikit-learn (exact tree sums, ``rtol=0``) would take minutes to hours on every cell, so
it is timed on cells picked at random and its time scaled to all cells (the fit, building
its tree, is timed once and not scaled); the input column says on how many.

Run alone: ``.venv/bin/python -m bench.kde``.
"""

from __future__ import annotations

import time

import numpy as np
import shapely
from sklearn.neighbors import KernelDensity

from bench.areas import points
from sara import geo
from sara.scan.grid import make_grid
from sara.scan.kde import kde

EVENTS = 1_000_000
CELL = 170.0
BOX = (397_500.0, 315_000.0, 482_500.0, 400_000.0)
TARGET = "<= 1 s; >= 100x faster than scikit-learn"


def events(n: int = EVENTS, seed: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = points(int(n * 1.05), seed=seed)
    x, y = geo.transform(lon, lat, geo.WGS84, geo.BNG)
    xmin, ymin, xmax, ymax = BOX
    inside = (x >= xmin) & (x < xmax) & (y >= ymin) & (y < ymax)
    return x[inside][:n], y[inside][:n]


def _best(fn, repeat: int = 3):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def row(x: np.ndarray, y: np.ndarray, grid, kernel: str, bandwidth: float | None, sample: int, seed: int = 7) -> dict:
    ours_s, result = _best(lambda: kde(x, y, grid, kernel=kernel, bandwidth=bandwidth))
    p = result.params
    h = p["bandwidth"]
    reference_kernel = "gaussian" if kernel == "gaussian" else "epanechnikov"
    cells = np.random.default_rng(seed).choice(grid.n_cells, size=min(sample, grid.n_cells), replace=False)
    start = time.perf_counter()
    sk = KernelDensity(kernel=reference_kernel, bandwidth=h).fit(np.column_stack([x, y]))
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    log_density = sk.score_samples(np.column_stack([grid.x[cells], grid.y[cells]]))
    score_s = time.perf_counter() - start
    reference_s = fit_s + score_s * grid.n_cells / len(cells)
    agreement = ""
    if kernel == "gaussian":
        density = result.table["density"].to_numpy()
        theirs = np.exp(log_density) * len(x) * 1e6
        agreement = f"; max |ours - sklearn| on those cells {100 * np.abs(density[cells] - theirs).max() / density.max():.3f}% of our peak"
    how = "automatic" if p["bandwidth_auto"] else "given"
    scaled = "all cells" if len(cells) == grid.n_cells else f"{len(cells):,} random cells, scaled x{grid.n_cells / len(cells):,.0f}"
    return {
        "benchmark": f"KDE, {kernel}, {how} bandwidth (fast mode)",
        "input": (
            f"{len(x):,} points x {grid.n_cells:,} cells of {grid.cell_size:g} m, h = {h:,.0f} m; "
            f"fast-mode error {p.get('max_error_pct_of_peak', 0):.3f}% of peak (lattice x{p.get('lattice_factor')}); "
            f"sklearn timed on {scaled}{agreement}"
        ),
        "ours_s": ours_s,
        "reference": f"sklearn KernelDensity({reference_kernel}, same h)",
        "reference_s": reference_s,
        "target": TARGET,
    }


def run(n: int = EVENTS) -> list[dict]:
    x, y = events(n)
    grid = make_grid(x, y, cell_size=CELL, clip=shapely.box(*BOX))
    return [
        row(x, y, grid, "quartic", None, sample=1_000),
        row(x, y, grid, "quartic", 500.0, sample=5_000),
        row(x, y, grid, "gaussian", None, sample=100),
    ]


if __name__ == "__main__":
    for r in run():
        print({**r, "ratio": r["reference_s"] / r["ours_s"]})
