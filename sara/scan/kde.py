"""Kernel density estimation on a grid: events per km² around each cell centre.

``kde(x, y)`` lays a grid over the events (``sara.scan.grid.make_grid``) and returns, per
cell, the kernel density of the events at the cell centre, scaled so that the surface
integrates to the number of events (or the sum of ``weights``): events per km² over the
period the events cover. With ``n`` (events counted in the cell) beside it.

Kernels (``d``: distance from the event to the cell centre, ``h``: the bandwidth in metres)

* ``quartic`` (default; the kernel of Bailey & Gatrell 1995, *Interactive Spatial Data
  Analysis*, and of CrimeStat IV): ``K(d) = 3 / (π h²) · (1 − d²/h²)²`` for ``d < h``, else 0.
  ``h`` is the search radius.
* ``gaussian``: ``K(d) = 1 / (2π h²) · exp(−d² / 2h²)``. ``h`` is the standard deviation
  along each axis (as in scikit-learn's ``KernelDensity`` and ``scipy.stats.gaussian_kde``
  with an isotropic bandwidth). Truncated at ``8 h`` in exact mode (what is dropped is
  below 1.3e-14 of the kernel's peak), at ``4 h`` in fast mode (below 3.4e-4 of it) and
  at ``6 h`` when fast mode checks itself (below 1.6e-8).

Automatic bandwidth (``bandwidth=None``), the normal reference rule for a two-dimensional
isotropic kernel (Silverman 1986, *Density Estimation for Statistics and Data Analysis*,
§4.3.2 and Table 4.1)::

    h = A(K) · σ · n^(-1/6),   σ² = (s_x² + s_y²) / 2,   s = min(sd, IQR / 1.349)

σ² is the average of the two axes' variances (a single scale for an isotropic kernel, as
Silverman suggests), each axis made robust to outliers as in his one-dimensional rule.
A(K) = 1 for the Gaussian (σ) and ``(2304/5)^(1/6) ≈ 2.78`` for the quartic radius: the
ratio of the two kernels' canonical bandwidths in two dimensions, ``(R(K)/μ₂(K)²)^(1/6)``,
the value Silverman's Table 4.1 gives for this (biweight) kernel. The result is multiplied
by ``bandwidth_adjust`` and is never less than the cell size. Event positions alone enter
the rule, not ``weights``.

Both coordinates count. sfhotspot's documented rule (``bandwidth_nrd_sf``) means to average
the x and y bandwidths but writes ``mean(bw_x, bw_y)``, which in R is ``bw_x`` (``bw_y`` is
taken as ``trim``), so it uses x alone; this rule does not copy that.

Modes

* ``exact``: direct summation over every event within reach of each cell centre
  (KD-tree pairs, ``scipy.spatial.cKDTree.sparse_distance_matrix``).
* ``fast`` (default): events are linearly binned onto a lattice ``k`` times finer than the
  grid and aligned with its cell centres, then convolved with the kernel sampled on that
  lattice by FFT (``scipy.signal.fftconvolve``, single precision; values under 1e-6 of
  the peak, where FFT round-off lives, are set to 0); ``k`` is chosen so that the bandwidth
  spans at least ``FINE_STEPS`` lattice steps (12 for the quartic, 6 for the Gaussian,
  whose curvature is lower; fewer if the lattice would pass ``MAX_LATTICE`` nodes). Where
  the direct sum is cheaper (a small bandwidth against the cell size) it is used instead,
  and ``mode_used`` says so. Every fast result measures its own error against the direct
  sum on a sample of cells (the highest, some drawn in proportion to density, some at
  random) and reports it, absolute and as a percentage of the peak, in ``params``
  (``max_error_vs_exact``, ``max_error_pct_of_peak``) and in a note.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import shapely
from scipy.signal import fftconvolve
from scipy.spatial import cKDTree

from sara.scan.grid import SQRT3, Grid, make_grid
from sara.scan.result import ScanError, ScanResult

KERNELS = ("quartic", "gaussian")
MODES = ("fast", "exact")
QUARTIC_PER_GAUSSIAN = (2304 / 5) ** (1 / 6)  # ≈ 2.779: quartic radius with the Gaussian σ's AMISE
TRUNCATE_EXACT = 8.0  # Gaussian: standard deviations summed in exact mode
TRUNCATE_FAST = 4.0  # Gaussian: standard deviations convolved in fast mode
TRUNCATE_CHECK = 6.0  # Gaussian: standard deviations summed when fast mode checks itself (drops < 2e-8 of the peak)
FINE_STEPS = {"quartic": 12, "gaussian": 6}  # fast mode: lattice steps per bandwidth (linear-binning error ~ (step / h)²)
MAX_LATTICE = 16_000_000  # fast mode: most lattice nodes (memory); a coarser lattice is used beyond
DIRECT_PER_NODE = 0.4  # fast mode: the direct sum is used when its pairs are fewer than this times the lattice nodes
PAIRS_PER_CHUNK = 2_000_000  # exact mode: event-cell pairs held at once
CHECK_TOP, CHECK_WEIGHTED, CHECK_RANDOM = 32, 64, 32  # fast mode: cells checked against the direct sum
PER_KM2 = 1e6
BANDWIDTH_RULE = (
    "normal reference on both axes (Silverman 1986, §4.3.2 and Table 4.1): h = A·σ·n^(-1/6), σ² = (s_x² + s_y²)/2, "
    "s = min(sd, IQR/1.349), A = 1 for the Gaussian σ and 2.78 for the quartic radius; never below the cell size"
)


def kernel_density(d2: np.ndarray, h: float, kernel: str) -> np.ndarray:
    """The kernel's value per m² at squared distances ``d2`` (m²) for bandwidth ``h`` (m),
    untruncated for the Gaussian; integrates to 1 over the plane."""
    if kernel == "quartic":
        u = 1.0 - d2 / (h * h)
        return np.where(u > 0, 3.0 / (math.pi * h * h) * u * u, 0.0)
    return np.exp(-d2 / (2.0 * h * h)) / (2.0 * math.pi * h * h)


def reach(h: float, kernel: str, mode: str = "exact") -> float:
    """How far (m) one event's kernel is summed (``mode``: exact, fast or check): ``h``
    (quartic) or a number of σ (Gaussian)."""
    if kernel == "quartic":
        return h
    return {"exact": TRUNCATE_EXACT, "fast": TRUNCATE_FAST, "check": TRUNCATE_CHECK}[mode] * h


def _spread(v: np.ndarray) -> float:
    sd = float(np.std(v, ddof=1))
    q25, q75 = np.quantile(v, [0.25, 0.75])
    iqr = float(q75 - q25) / 1.349
    return min(sd, iqr) if iqr > 0 else sd


def auto_bandwidth(x: np.ndarray, y: np.ndarray, kernel: str = "quartic") -> float:
    """The normal-reference bandwidth (m) from both coordinates (see the module docstring):
    the Gaussian σ, or the quartic radius (2.78 times it)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) < 2:
        raise ScanError("at least two events are needed to choose a bandwidth")
    sigma = math.sqrt((_spread(x) ** 2 + _spread(y) ** 2) / 2) * len(x) ** (-1 / 6)
    return sigma * (QUARTIC_PER_GAUSSIAN if kernel == "quartic" else 1.0)


def kde(
    x: np.ndarray,
    y: np.ndarray,
    grid: Grid | None = None,
    *,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    bandwidth_adjust: float = 1.0,
    kernel: str = "quartic",
    mode: str = "fast",
    weights: np.ndarray | None = None,
    clip: shapely.Geometry | None = None,
    shape: str = "square",
) -> ScanResult:
    """Kernel density of events at ``x``, ``y`` (projected metres, e.g. British National
    Grid) on ``grid``, or on a grid made here (``cell_size``, ``shape`` and ``clip`` as in
    ``make_grid``).

    Returns a ``ScanResult`` whose table has, per cell, ``x``, ``y`` (the centre),
    ``density`` (events per km²; weighted events when ``weights`` are given) and ``n``
    (events in the cell; ``weight`` too when weighted). Every event counts towards the
    density of the cells within its kernel's reach, on the grid or not.
    """
    if kernel not in KERNELS:
        raise ScanError(f"unknown kernel {kernel!r}", field="kernel", fix="use quartic or gaussian")
    if mode not in MODES:
        raise ScanError(f"unknown mode {mode!r}", field="mode", fix="use fast or exact")
    if grid is not None and (cell_size is not None or clip is not None):
        raise ScanError("give either a grid or a cell size and clipping area, not both")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if len(x) != len(y):
        raise ScanError(f"x and y differ in length ({len(x):,} and {len(y):,})")
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if len(w) != len(x):
            raise ScanError(f"there are {len(w):,} weights for {len(x):,} events: give one weight per event")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ScanError("weights must be finite and not negative: fix or drop the events with missing or negative weights")
    left_out: dict[str, int] = {}
    notes: list[str] = []
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.all():
        left_out["events without coordinates"] = int((~ok).sum())
        x, y = x[ok], y[ok]
        w = None if w is None else w[ok]
    n_events = len(x)
    if n_events == 0:
        raise ScanError("no events to map: widen the filters (category, area, period)")
    if n_events == 1:
        raise ScanError("only one event: a density map of one event is just the kernel's shape; widen the filters (category, area, period)")
    extent = max(float(np.ptp(x)), float(np.ptp(y)))
    if extent == 0:
        raise ScanError(
            f"all {n_events:,} events are at one point ({x[0]:.0f}, {y[0]:.0f}): a density map would only show the kernel's shape; "
            "widen the filters, or count events per place instead"
        )
    if w is not None and not w.sum() > 0:
        raise ScanError("every weight is 0: there is nothing to map; check the weights column")
    if not (math.isfinite(bandwidth_adjust) and bandwidth_adjust > 0):
        raise ScanError(f"the bandwidth adjustment must be more than 0, not {bandwidth_adjust}")

    if grid is None:
        grid = make_grid(x, y, cell_size=cell_size, shape=shape, clip=clip)
    if grid.cell_size_auto:
        notes.append(f"Cell size {grid.cell_size:g} m chosen automatically (1/100 of the larger side of the events' extent, rounded up to 10 m).")

    auto = bandwidth is None
    if auto:
        h = auto_bandwidth(x, y, kernel) * bandwidth_adjust
        if h < grid.cell_size:
            notes.append(f"The automatic bandwidth ({h:,.0f} m) was below the cell size, so the cell size ({grid.cell_size:g} m) is used.")
            h = grid.cell_size
        if h > extent:
            raise ScanError(
                f"the automatic bandwidth ({h:,.0f} m) is larger than the extent of the events ({extent:,.0f} m): "
                f"{n_events:,} events are too few or too spread for the rule",
                field="bandwidth",
                fix="give a smaller bandwidth in metres, or widen the filters",
            )
        what = "radius" if kernel == "quartic" else "standard deviation"
        notes.append(f"Bandwidth {h:,.0f} m ({kernel} kernel {what}) chosen automatically from the spread of both coordinates and the number of events.")
    else:
        h = float(bandwidth) * bandwidth_adjust
        if not (math.isfinite(h) and h > 0):
            raise ScanError(f"the bandwidth must be more than 0 m, not {bandwidth}", field="bandwidth", fix="give a bandwidth in metres, or leave it out to have one chosen")
        if h > extent:
            raise ScanError(f"a bandwidth of {h:,.0f} m is larger than the extent of the events ({extent:,.0f} m)", field="bandwidth", fix="give a smaller bandwidth")
        if h < grid.cell_size / 2:
            notes.append(
                f"The bandwidth ({h:g} m) is under half the cell size ({grid.cell_size:g} m): events between cell centres may reach no cell; "
                "use a smaller cell size or a larger bandwidth."
            )

    params = {
        **grid.params(),
        "kernel": kernel,
        "bandwidth": h,
        "bandwidth_auto": auto,
        "bandwidth_rule": BANDWIDTH_RULE if auto else "given",
        "bandwidth_adjust": bandwidth_adjust,
        "mode": mode,
        "events": n_events,
        "weighted": w is not None,
        "units": "events per km² over the period of the events given" if w is None else "weighted events per km² over the period",
    }
    if kernel == "gaussian":
        params["truncate_sd"] = TRUNCATE_EXACT if mode == "exact" else TRUNCATE_FAST

    if mode == "exact":
        dens = direct_sum(grid.x, grid.y, x, y, w, h, kernel)
        params["mode_used"] = "exact"
    else:
        dens, info = _fast(grid, x, y, w, h, kernel)
        params.update(info)
        if info["mode_used"] == "exact":
            notes.append("Fast mode used the direct sum here: with this bandwidth and cell size it is cheaper than binning.")
        else:
            err = _check(grid, dens, x, y, w, h, kernel)
            params.update(err)
            notes.append(
                f"Fast mode (binned FFT): the largest difference from the direct sum on {err['error_cells_checked']} cells checked is "
                f"{err['max_error_vs_exact']:.3g} events per km², {err['max_error_pct_of_peak']:.3f}% of the peak."
            )
            if err["max_error_pct_of_peak"] >= 1.0:
                notes.append("That error is 1% of the peak or more: use mode='exact' for this map.")
    dens = dens * PER_KM2
    if not np.isfinite(dens).all():  # never present a map with holes in it
        raise ScanError("the density could not be computed for every cell (non-finite values): check the coordinates are projected metres")
    if not dens.max() > 0:
        notes.append("No event is within the bandwidth of any cell centre: every cell's density is 0.")

    total = float(w.sum()) if w is not None else float(n_events)
    on_grid = float(dens.sum()) * grid.cell_area_m2 / PER_KM2
    params["mass_on_grid"] = on_grid / total
    if on_grid < 0.9 * total:
        notes.append(
            f"Only {100 * on_grid / total:.0f}% of the events' density falls on the grid's cells: the rest lies beyond its edges "
            "(or between cell centres, if the bandwidth is small against the cell size)."
        )
    counts = grid.counts(x, y)
    off = n_events - int(counts.sum())
    if off:
        left_out["events outside the grid (not in n; still in the density of cells within reach)"] = off
    columns = {"x": grid.x, "y": grid.y, "density": dens, "n": counts}
    if w is not None:
        columns["weight"] = grid.counts(x, y, w)
    return ScanResult(pl.DataFrame(columns), params, left_out, notes)


def direct_sum(cx: np.ndarray, cy: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, h: float, kernel: str) -> np.ndarray:
    """Exact density (per m²) at points ``cx``, ``cy``: the sum of every event's kernel
    within ``reach`` (all of it for the quartic; 8 σ for the Gaussian)."""
    cx = np.asarray(cx, dtype=float)
    cy = np.asarray(cy, dtype=float)
    out = np.zeros(len(cx))
    if len(cx) == 0 or len(x) == 0:
        return out
    r = reach(h, kernel, "exact")
    cells = cKDTree(np.column_stack([cx, cy]))
    # pairs per event: about the cells in a disc of radius r (never more than all of them)
    span = (float(np.ptp(cx)) + r) * (float(np.ptp(cy)) + r)
    per_event = max(1.0, min(len(cx), math.pi * r * r * len(cx) / span))
    step = max(1, int(PAIRS_PER_CHUNK / per_event))
    for start in range(0, len(x), step):
        ex, ey = x[start : start + step], y[start : start + step]
        events = cKDTree(np.column_stack([ex, ey]))
        pairs = cells.sparse_distance_matrix(events, r, output_type="ndarray")
        if len(pairs) == 0:
            continue
        k = kernel_density(pairs["v"] ** 2, h, kernel)
        if w is not None:
            k = k * w[start : start + step][pairs["j"]]
        out += np.bincount(pairs["i"], weights=k, minlength=len(cx))
    return out


def _lattice_steps(grid: Grid, k: int) -> tuple[float, float]:
    if grid.shape == "square":
        return grid.cell_size / k, grid.cell_size / k
    return grid.cell_size / (2 * k), grid.cell_size * SQRT3 / (2 * k)  # hex centres: every (2k, k)-th node, odd rows shifted k


def _fast(grid: Grid, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, h: float, kernel: str) -> tuple[np.ndarray, dict]:
    """Binned FFT density (per m²) at the cell centres, or the direct sum where cheaper."""
    r = reach(h, kernel, "fast")
    sx1, sy1 = _lattice_steps(grid, 1)
    k = max(1, math.ceil(FINE_STEPS[kernel] * max(sx1, sy1) / h))
    ox, oy = float(grid.x.min()), float(grid.y.min())

    def size(k: int) -> tuple[int, int, int, int]:
        sx, sy = _lattice_steps(grid, k)
        px, py = math.ceil(r / sx), math.ceil(r / sy)
        return px, py, round((grid.x.max() - ox) / sx) + 2 * px + 1, round((grid.y.max() - oy) / sy) + 2 * py + 1

    px, py, nx, ny = size(k)
    while k > 1 and nx * ny > MAX_LATTICE:
        k -= 1
        px, py, nx, ny = size(k)
    # events that can reach a cell centre; the direct sum costs about pairs = events x cells per disc
    near = (x > grid.x.min() - r) & (x < grid.x.max() + r) & (y > grid.y.min() - r) & (y < grid.y.max() + r)
    per_event = math.pi * r * r / grid.cell_area_m2
    pairs = float(near.sum()) * per_event
    if pairs < DIRECT_PER_NODE * nx * ny:
        return direct_sum(grid.x, grid.y, x, y, w, h, kernel), {"mode_used": "exact", "lattice_factor": None}
    sx, sy = _lattice_steps(grid, k)
    fx = (x[near] - ox) / sx + px
    fy = (y[near] - oy) / sy + py
    inside = (fx >= 0) & (fx < nx - 1) & (fy >= 0) & (fy < ny - 1)
    fx, fy = fx[inside], fy[inside]
    wn = None if w is None else w[near][inside]
    i0 = np.floor(fx).astype(np.int64)
    j0 = np.floor(fy).astype(np.int64)
    tx = fx - i0
    ty = fy - j0
    base = j0 * nx + i0
    # linear binning: each event shared between the four nodes around it, by area
    index = np.concatenate([base, base + 1, base + nx, base + nx + 1])
    share = np.concatenate([(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty])
    if wn is not None:
        share *= np.tile(wn, 4)
    binned = np.bincount(index, weights=share, minlength=nx * ny).reshape(ny, nx).astype(np.float32)
    ox_k = np.arange(-px, px + 1) * sx
    oy_k = np.arange(-py, py + 1) * sy
    d2 = oy_k[:, None] ** 2 + ox_k[None, :] ** 2
    stencil = np.where(d2 <= r * r, kernel_density(d2, h, kernel), 0.0)
    conv = fftconvolve(binned, stencil.astype(np.float32), mode="valid")  # node (iy, ix) of the cells' lattice
    ix = np.rint((grid.x - ox) / sx).astype(np.int64)
    iy = np.rint((grid.y - oy) / sy).astype(np.int64)
    dens = conv[iy, ix].astype(float)
    peak = float(dens.max()) if len(dens) else 0.0
    dens[dens < peak * 1e-6] = 0.0  # single-precision FFT round-off (~1e-7 of the peak), where no event reaches
    return dens, {"mode_used": "fast", "lattice_factor": k, "lattice_nodes": nx * ny}


def _check(grid: Grid, dens: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, h: float, kernel: str) -> dict:
    """The fast result against the direct sum on a sample of cells: the highest, some drawn
    in proportion to density, some uniformly among the cells with any density."""
    rng = np.random.default_rng(0)
    top = np.argpartition(dens, -CHECK_TOP)[-CHECK_TOP:] if len(dens) > CHECK_TOP else np.arange(len(dens))
    positive = np.flatnonzero(dens > 0)
    picks = [top]
    if len(positive):
        p = dens[positive] / dens[positive].sum()
        picks.append(rng.choice(positive, size=min(CHECK_WEIGHTED, len(positive)), replace=False, p=p))
        picks.append(rng.choice(positive, size=min(CHECK_RANDOM, len(positive)), replace=False))
    cells = np.unique(np.concatenate(picks))
    r = reach(h, kernel, "check")
    bx, by = grid.x[cells], grid.y[cells]
    near = (x > bx.min() - r) & (x < bx.max() + r) & (y > by.min() - r) & (y < by.max() + r)
    exact = _direct_few(bx, by, x[near], y[near], None if w is None else w[near], h, kernel)
    diff = np.abs(dens[cells] - exact) * PER_KM2
    peak = float(dens.max()) * PER_KM2
    worst = float(diff.max()) if len(diff) else 0.0
    return {
        "max_error_vs_exact": worst,
        "max_error_pct_of_peak": 100 * worst / peak if peak > 0 else 0.0,
        "error_cells_checked": int(len(cells)),
    }


def _direct_few(cx: np.ndarray, cy: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray | None, h: float, kernel: str) -> np.ndarray:
    """Direct sum at a few points over many events: the events are bucketed in squares of
    a third of ``reach``, so each point reads only the 7 x 7 buckets around it."""
    r = reach(h, kernel, "check")
    out = np.zeros(len(cx))
    if len(x) == 0:
        return out
    side = r / 3
    x0, y0 = float(x.min()), float(y.min())
    bxe = ((x - x0) // side).astype(np.int64)
    bye = ((y - y0) // side).astype(np.int64)
    ncol, nrow = int(bxe.max()) + 1, int(bye.max()) + 1
    key = bye * ncol + bxe
    order = np.argsort(key)
    keys = key[order]
    xs, ys = x[order], y[order]
    ws = None if w is None else w[order]
    for m in range(len(cx)):
        bx = math.floor((cx[m] - x0) / side)
        by = math.floor((cy[m] - y0) / side)
        lo_col, hi_col = max(bx - 3, 0), min(bx + 3, ncol - 1)
        rows = np.arange(max(by - 3, 0), min(by + 4, nrow))
        if lo_col > hi_col or len(rows) == 0:
            continue
        lo = np.searchsorted(keys, rows * ncol + lo_col, side="left")
        hi = np.searchsorted(keys, rows * ncol + hi_col, side="right")
        sel = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)])
        d2 = (xs[sel] - cx[m]) ** 2 + (ys[sel] - cy[m]) ** 2
        within = d2 <= r * r
        kv = kernel_density(d2[within], h, kernel)
        out[m] = float(kv.sum() if ws is None else (kv * ws[sel][within]).sum())
    return out
