"""Benchmark: the Knox near-repeat test (``sara.scan.near_repeat.knox``).

Input: synthetic but city-like events. 100,000 events over 20 x 25 km (a large English city's
area, ~200 events per km2 a year), half of them in 2,000 hot spots of 100-400 m spread with
log-normal weights, and one in ten a follow-up within 50 m and a week of an earlier event
(a near-repeat signal), over one year of dates. Bands: 100 m x 5 (to 500 m) and 7 days x 4
(to 4 weeks), Euclidean, 999 permutations.

Reference: the brute-force Knox test as R ``NearRepeat`` and other O(n^2) tools do it in
vectorised form (every pair's space band held in memory, each permutation gathers both times
of every pair and counts), in numpy. It cannot hold 100,000 events (5e9 pairs), so:

- ``knox, 100,000 events``: ours, measured, against the reference timed on 5,000 of the same
  events with 5 permutations and scaled by (100,000 / 5,000)^2 pairs and 999 / 5 permutations.
- ``knox, 5,000 events``: ours and the reference on the same 5,000 events, 99 permutations,
  measured; the reference replays our permutations, and every one of the 20 tables (observed
  and permuted) must be equal.

Run alone: ``.venv/bin/python -m bench.near_repeat``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EVENTS = 100_000
SUBSET = 5_000
PERMUTATIONS = 999
BANDS = dict(spatial_bandwidth=100.0, spatial_bands=5, temporal_bandwidth=7.0, temporal_bands=4)


def events(n: int = EVENTS, seed: int = 2024) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y in metres and whole days over a year: hot spots, background and near repeats."""
    rng = np.random.default_rng(seed)
    width, height, spots = 20_000.0, 25_000.0, 2_000
    cx, cy = rng.uniform(0, width, spots), rng.uniform(0, height, spots)
    weight = rng.lognormal(0, 1, spots)
    spread = rng.uniform(100, 400, spots)
    first = n - n // 10
    k = rng.choice(spots, first, p=weight / weight.sum())
    in_spot = rng.random(first) < 0.5
    x = np.where(in_spot, cx[k] + rng.normal(0, 1, first) * spread[k], rng.uniform(0, width, first))
    y = np.where(in_spot, cy[k] + rng.normal(0, 1, first) * spread[k], rng.uniform(0, height, first))
    t = rng.integers(0, 365, first)
    src = rng.integers(0, first, n - first)
    x = np.concatenate([x, x[src] + rng.uniform(-35, 35, len(src))])
    y = np.concatenate([y, y[src] + rng.uniform(-35, 35, len(src))])
    t = np.concatenate([t, np.minimum(t[src] + rng.integers(0, 8, len(src)), 364)])
    return x, y, t


def brute_knox(x, y, t, permutations: int, seed: int, space_edges, time_edges) -> tuple[np.ndarray, float]:
    """Every pair in memory; per permutation, both times of every pair. Returns the tables
    (observed first) and the seconds taken."""
    start = time.perf_counter()
    n = len(x)
    i, j = np.triu_indices(n, 1)
    i, j = i.astype(np.int32), j.astype(np.int32)
    row = np.searchsorted(space_edges, np.hypot(x[i] - x[j], y[i] - y[j]), side="left").astype(np.int64)
    cols = len(time_edges) + 1
    row *= cols
    cells = (len(space_edges) + 1) * cols

    time_edges = np.asarray(time_edges, dtype=t.dtype) if np.allclose(time_edges, np.round(time_edges)) else np.asarray(time_edges)

    def table(times):
        col = np.searchsorted(time_edges, np.abs(times[i] - times[j]), side="right")
        return np.bincount(row + col, minlength=cells).reshape(-1, cols)

    perms = [np.random.default_rng(s).permutation(n) for s in np.random.SeedSequence(seed).spawn(permutations)]
    tables = [table(t)] + [table(t[p]) for p in perms]
    return np.stack(tables), time.perf_counter() - start


def ours_in_child(n: int, permutations: int) -> dict:
    """Our run in a fresh process, so that its peak memory is its own."""
    code = (
        "import json, resource, time\n"
        "from bench.near_repeat import BANDS, events\n"
        "from sara.scan.near_repeat import knox\n"
        f"x, y, t = events({n})\n"
        "start = time.perf_counter()\n"
        f"r = knox(x, y, t, permutations={permutations}, seed=1, **BANDS)\n"
        "seconds = time.perf_counter() - start\n"
        "print(json.dumps({'seconds': seconds, 'pairs': r.params['pairs_in_finite_space_bands'], "
        "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout)


def run() -> list[dict]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from sara.scan.near_repeat import knox

    space_edges = [BANDS["spatial_bandwidth"] * k for k in range(1, BANDS["spatial_bands"] + 1)]
    time_edges = [BANDS["temporal_bandwidth"] * k for k in range(1, BANDS["temporal_bands"] + 1)]
    x, y, t = events()
    pick = np.random.default_rng(7).choice(EVENTS, SUBSET, replace=False)
    xs, ys, ts = x[pick], y[pick], t[pick]
    results = []

    # Same input, both measured: 5,000 events, 99 permutations, every table compared.
    small_perms = 19
    start = time.perf_counter()
    ours = knox(xs, ys, ts, permutations=small_perms, seed=11, **BANDS)
    ours_s = time.perf_counter() - start
    tables, ref_s = brute_knox(xs, ys, ts, small_perms, 11, space_edges, time_edges)
    assert np.array_equal(tables[0], ours.observed) and np.array_equal(tables[1:], ours.simulations), "Knox tables differ from brute force"
    results.append({
        "benchmark": "knox, 5,000 events",
        "input": f"{SUBSET:,} of the events below x {small_perms} permutations; all {small_perms + 1} tables equal",
        "ours_s": ours_s,
        "reference": "brute-force O(n^2) Knox (numpy)",
        "reference_s": ref_s,
        "target": "",
        "peak_mb": None,
    })  # fmt: skip

    # The figure: 100,000 events x 999 permutations; the reference scaled from 5,000 x 5.
    few = 5
    _, few_s = brute_knox(xs, ys, ts, few, 12, space_edges, time_edges)
    _, zero_s = brute_knox(xs, ys, ts, 0, 12, space_edges, time_edges)
    per_perm = max(few_s - zero_s, 1e-9) / few
    scale = (EVENTS / SUBSET) ** 2
    ref_scaled = (zero_s + per_perm * PERMUTATIONS) * scale
    big = ours_in_child(EVENTS, PERMUTATIONS)
    results.append({
        "benchmark": f"knox, {EVENTS:,} events",
        "input": (
            f"{EVENTS:,} clustered events, 1 year, 100 m x 5, 7 days x 4, {PERMUTATIONS} permutations ({big['pairs']:,} pairs within 500 m); "
            f"reference timed on {SUBSET:,} events x {few} permutations, scaled by n^2 and permutations"
        ),
        "ours_s": big["seconds"],
        "reference": "brute-force O(n^2) Knox (numpy), scaled",
        "reference_s": ref_scaled,
        "target": "<= 60 s (NRC: minutes for 12k x 99; R NearRepeat: out of memory near 80k)",
        "peak_mb": big["peak_mb"],
    })  # fmt: skip
    return results


if __name__ == "__main__":
    for r in run():
        peak = f"{r['peak_mb']:.0f} MB" if r.get("peak_mb") else ""
        print(f"{r['benchmark']}: ours {r['ours_s']:.2f} s, {r['reference']} {r['reference_s']:.2f} s, ratio {r['ours_s'] / r['reference_s']:.4f} {peak}")
        print(f"    {r['input']}; target {r['target']}")
