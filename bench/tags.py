"""Benchmark: GPS tag trails against crimes (``sara.scan.trail_match.match``).

Input: synthetic. 100 wearers over one year, 5,000,000 trail points in all (one fix every
10.5 minutes each: a year at one fix a minute would be 52.6 million; 5 million is 35 days of
them), each a random walk about a home in a 20 x 25 km city; 10,000 crimes over the same
year, a third near a wearer's home, with windows as recorded crime has them: 40% an exact
time, 40% one to eight hours, 20% overnight to three days. Distance 100 m, 30 minutes.

Reference: the brute force (``sara.scan.trail_match.brute_force``: every crime against every
point) on a sample of 200 crimes, its hits equal to ours for those crimes, its time scaled to
the 10,000. Target: 10 s or less for ours.

Run alone: ``.venv/bin/python -m bench.tags``.
"""

from __future__ import annotations

import time

import numpy as np

from sara.scan.trail_match import brute_force, match

WEARERS = 100
POINTS = 5_000_000
CRIMES = 10_000
SAMPLE = 200
YEAR = 365 * 86400


def trails(seed: int = 12) -> tuple[np.ndarray, ...]:
    """wearer, at (s), x, y of the synthetic trails, and the wearers' homes."""
    rng = np.random.default_rng(seed)
    per = POINTS // WEARERS
    homes = np.column_stack((rng.uniform(0, 20_000, WEARERS), rng.uniform(0, 25_000, WEARERS)))
    wearer = np.repeat(np.arange(WEARERS), per)
    at = np.tile(np.arange(per) * (YEAR // per), WEARERS) + rng.integers(0, 60, POINTS)
    steps = rng.normal(0, 40, (POINTS, 2)).reshape(WEARERS, per, 2)
    walk = np.cumsum(steps, axis=1)
    walk -= np.linspace(0, 1, per)[None, :, None] * walk[:, -1:, :]  # back home by the year's end
    xy = (walk * 0.3 + homes[:, None, :]).reshape(POINTS, 2)
    return wearer, at, xy[:, 0], xy[:, 1], homes


def crimes(homes: np.ndarray, seed: int = 13) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 20_000, CRIMES), rng.uniform(0, 25_000, CRIMES)
    near = rng.random(CRIMES) < 1 / 3
    h = homes[rng.integers(0, len(homes), near.sum())]
    x[near], y[near] = h[:, 0] + rng.normal(0, 300, len(h)), h[:, 1] + rng.normal(0, 300, len(h))
    t0 = rng.integers(0, YEAR, CRIMES)
    kind = rng.random(CRIMES)
    span = np.where(kind < 0.4, 0, np.where(kind < 0.8, rng.integers(3600, 8 * 3600, CRIMES), rng.integers(10 * 3600, 3 * 86400, CRIMES)))
    return x, y, t0, t0 + span


def run() -> list[dict]:
    wearer, at, tx, ty, homes = trails()
    cx, cy, t0, t1 = crimes(homes)
    start = time.perf_counter()
    ours = match(cx, cy, t0, t1, wearer, at, tx, ty, metres=100, minutes=30)
    ours_s = time.perf_counter() - start
    pick = np.sort(np.random.default_rng(14).choice(CRIMES, SAMPLE, replace=False))
    start = time.perf_counter()
    reference = brute_force(cx[pick], cy[pick], t0[pick], t1[pick], wearer, at, tx, ty, metres=100, minutes=30)
    ref_s = (time.perf_counter() - start) * CRIMES / SAMPLE
    wanted = {int(c): i for i, c in enumerate(pick)}
    ours_sample = [(wanted[h.crime], h.wearer, h.metres, h.minutes, len(h.points)) for h in ours if h.crime in wanted]
    ref_sample = [(h.crime, h.wearer, h.metres, h.minutes, len(h.points)) for h in reference]
    if ours_sample != ref_sample:
        raise AssertionError(f"trail match differs from the brute force on the sample: {len(ours_sample)} hits against {len(ref_sample)}")
    hit_crimes = len({h.crime for h in ours})
    rows = [{"benchmark": f"tag trails against crimes: {len(ours):,} hits on {hit_crimes:,} crimes; equal to the brute force on {SAMPLE} crimes "
             f"({len(ref_sample)} hits)", "input": f"{CRIMES:,} crimes, {POINTS:,} trail points of {WEARERS} wearers, 100 m, 30 min",
             "ours_s": ours_s, "reference": f"brute force, every point per crime ({SAMPLE} crimes, scaled)", "reference_s": ref_s,
             "target": "10 s or less"}]  # fmt: skip
    _last[:] = rows
    return rows


_last: list[dict] = []


def section() -> list[str]:
    """The heading ``make bench`` writes under the table: the run's figures in words."""
    if not _last:
        return []
    r = _last[0]
    return ["## GPS tag trails against crimes (`bench/tags.py`)", "",
            f"{r['input']}: ours {r['ours_s']:.2f} s (target 10 s or less); the brute force {r['reference_s']:,.0f} s scaled from {SAMPLE} crimes "
            f"({r['reference_s'] / r['ours_s']:,.0f}x), with equal hits on the sample. {r['benchmark'].split(':')[1].strip().capitalize()}."]  # fmt: skip


if __name__ == "__main__":
    for r in run():
        print(f"{r['benchmark']}\n  {r['input']}\n  ours {r['ours_s']:.2f} s, reference {r['reference_s']:.1f} s ({r['reference_s'] / r['ours_s']:,.0f}x)")
