"""Benchmark: emerging hot spots on a 6,000,000-bin space-time cube (``sara.scan.emerging``).

Input, synthetic from real data: 2,000,000 events resampled from the real 2025 Derbyshire
police.uk points (``demo/derbyshire-2025-street.zip``, jittered by ~100 m, as in
``bench.areas``), projected to British National Grid, inside an 85 km x 85 km box, each
given one of 60 months (2021-01..2025-12): uniformly, except that a third of the events
have a month drawn with a trend that depends on where they are (rising in the west, falling
in the east), so the trend test has something to find. Square 268 m cells (318 x 318 =
101,124 cells) x 60 months = 6,067,440 bins; queen neighbours; FDR across the cube.

Rows, each with our time, the reference's on the same input in the same run, and the ratio:

- ``emerging()``: from the events to the table of categories (grid, cube counts, Gi* per
  period, p, FDR, Mann-Kendall per cell, categories), without the sensitivity report.
  Reference: a straightforward per-cell Python/scipy implementation: for each cell, for
  each month, the Gi* z from its neighbours' counts (the month's mean and standard deviation
  computed once), ``scipy.stats.norm.sf`` for p, ``scipy.stats.kendalltau`` against time,
  then ``classify``. It runs on 1,000 cells picked at random and its time is scaled to all
  cells (plus the once-per-month part, timed in full); the FDR threshold is taken from our
  run (not timed). The sample's categories are checked equal to ours.
- ``emerging() with the sensitivity report``: the same plus the two extra cubes (period
  halved is impossible for month-only dates, so just doubled), for scale; reference as above.

Run alone: ``.venv/bin/python -m bench.emerging``.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import stats

from bench.areas import points
from sara import geo
from sara.scan.emerging import classify, emerging
from sara.scan.grid import make_grid

EVENTS = 2_000_000
MONTHS = 60
CELL = 268.0
BOX = (397_500.0, 315_000.0, 482_500.0, 400_000.0)
SAMPLE = 1_000


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def events(n: int = EVENTS, seed: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lon, lat = points(int(n * 1.05), seed=seed)
    x, y = geo.transform(lon, lat, geo.WGS84, geo.BNG)
    xmin, ymin, xmax, ymax = BOX
    inside = (x >= xmin) & (x < xmax - 1) & (y >= ymin) & (y < ymax - 1)
    x, y = x[inside][:n], y[inside][:n]
    rng = np.random.default_rng(seed)
    month = rng.integers(0, MONTHS, len(x))
    trended = rng.random(len(x)) < 1 / 3
    west = (x - xmin) / (xmax - xmin) < 0.5
    # a triangular draw leaning late in the west and early in the east
    lean = rng.triangular(0, np.where(west, MONTHS, 0), MONTHS, len(x)).astype(np.int64).clip(0, MONTHS - 1)
    month = np.where(trended, lean, month)
    t = np.datetime64("2021-01") + month.astype("timedelta64[M]")
    return x, y, t.astype("datetime64[D]")


def reference(counts: np.ndarray, w, cells: np.ndarray, cut: float) -> tuple[float, list[str]]:
    """Per-cell Gi* series, p, Mann-Kendall and category the straightforward way."""
    n = counts.shape[0]
    start = time.perf_counter()
    mean = counts.mean(axis=0)
    sd = counts.std(axis=0)
    per_month_s = time.perf_counter() - start
    start = time.perf_counter()
    out = []
    for i in cells:
        hood = np.append(w.indices[w.indptr[i] : w.indptr[i + 1]], i)
        size = len(hood)
        z = np.empty(counts.shape[1])
        for j in range(counts.shape[1]):
            z[j] = (counts[hood, j].sum() - mean[j] * size) / (sd[j] * np.sqrt((n * size - size**2) / (n - 1)))
        p = 2 * stats.norm.sf(np.abs(z))
        trend = stats.kendalltau(np.arange(len(z)), z)
        out.append(classify(z, np.where(p <= cut, 0.0, 1.0), trend.statistic, trend.pvalue))
    per_cell_s = (time.perf_counter() - start) / len(cells)
    return per_month_s + per_cell_s * n, out


def run(n: int = EVENTS) -> list[dict]:
    x, y, t = events(n)
    xmin, ymin, xmax, ymax = BOX
    grid = make_grid(np.array([xmin + 1, xmax - 1]), np.array([ymin + 1, ymax - 1]), cell_size=CELL)
    ours_s, result = _timed(emerging, x, y, t, grid=grid, sensitivity=False)
    bins = grid.n_cells * result.params["periods"]

    month = (t.astype("datetime64[M]") - np.datetime64("2021-01")).astype(np.int64)
    counts = np.bincount(grid.locate(x, y) * MONTHS + month, minlength=grid.n_cells * MONTHS).reshape(grid.n_cells, MONTHS)
    cells = np.random.default_rng(1).choice(grid.n_cells, SAMPLE, replace=False)
    ref_s, ref_categories = reference(counts.astype(float), grid.neighbours(), cells, result.params["p_threshold"])
    ours_categories = result.table["category"].gather(cells).to_list()
    agree = sum(a == b for a, b in zip(ours_categories, ref_categories, strict=True))
    assert agree == SAMPLE, f"categories differ from the per-cell reference on {SAMPLE - agree} of {SAMPLE} cells"
    found = result.table["category"].value_counts().sort("count", descending=True)
    top = ", ".join(f"{c}: {k:,}" for c, k in found.head(4).iter_rows())
    size = f"{grid.n_cells:,} cells x {MONTHS} months = {bins:,} bins, {len(x):,} events"
    rows = [
        {
            "benchmark": "emerging hot spots: cube, Gi* per month, FDR, Mann-Kendall, categories",
            "input": f"{size}; {top}",
            "ours_s": ours_s,
            "reference": f"per-cell Python/scipy loop on {SAMPLE:,} cells, scaled to all (categories equal)",
            "reference_s": ref_s,
            "target": "<= 2 s for 6,000,000 bins",
        }
    ]
    with_s, full = _timed(emerging, x, y, t, grid=grid, sensitivity=True)
    doubled = full.params["sensitivity"]["doubled"]
    rows.append(
        {
            "benchmark": "emerging hot spots with the sensitivity report (period doubled; halving a month is refused)",
            "input": f"{size}; doubled: {doubled['cells_changed']:,} cells change category",
            "ours_s": with_s,
            "reference": "the same per-cell reference, one cube",
            "reference_s": ref_s,
            "target": "",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
