"""Calibration of the assessment estimators on a seeded simulator.

Monthly Poisson counts for a target, a buffer and several control areas, 12 months before and 12 after, with
seasonality (a 12-month sine, so a full cycle in each period) and area effects (each area's own level). Acceptance:
with a true effect of zero the 95% intervals exclude "no effect" in at most 7% of 200 runs; with a true 30% reduction
they cover the truth in at least 90%; with true displacement into the buffer the WDQ sign is right in at least 90%.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import pytest

from sara.assess import did, relative_effect, wdd, wdq

RUNS = 200
MONTHS_BEFORE = MONTHS_AFTER = 12
N_CONTROLS = 5
MONTHS = [date(2022 + i // 12, i % 12 + 1, 1) for i in range(MONTHS_BEFORE + MONTHS_AFTER)]
SEASON = 1 + 0.3 * np.sin(2 * np.pi * (np.arange(len(MONTHS)) + 0.5) / 12)
POST = np.arange(len(MONTHS)) >= MONTHS_BEFORE


@dataclass
class Run:
    mu: np.ndarray  # expected counts, areas x months: row 0 target, row 1 buffer, rows 2.. controls
    y: np.ndarray  # simulated counts, same shape

    def pair(self, rows) -> tuple[int, int]:
        y = self.y[rows].reshape(-1, self.y.shape[1]).sum(axis=0)
        return int(y[~POST].sum()), int(y[POST].sum())

    def expected(self, rows) -> tuple[float, float]:
        mu = self.mu[rows].reshape(-1, self.mu.shape[1]).sum(axis=0)
        return float(mu[~POST].sum()), float(mu[POST].sum())

    def frame(self) -> pl.DataFrame:
        """Target and controls (the buffer is left out: it may be contaminated by displacement)."""
        rows = [0, *range(2, self.y.shape[0])]
        return pl.DataFrame(
            {
                "area": [f"A{r}" for r in rows for _ in MONTHS],
                "month": [m for _ in rows for m in MONTHS],
                "count": self.y[rows].ravel().astype(np.int64),
                "treated": [r == 0 for r in rows for _ in MONTHS],
                "post": np.tile(POST, len(rows)),
            }
        )


def simulate(seed: int, *, effect: float = 1.0, displacement: float = 1.0, runs: int = RUNS) -> list[Run]:
    """Each run draws its own area levels (target ~25, buffer ~15, controls 10-40 crimes a month)."""
    rng = np.random.default_rng(seed)
    out = []
    controls = slice(2, 2 + N_CONTROLS)
    for _ in range(runs):
        level = np.empty(2 + N_CONTROLS)
        level[0] = rng.uniform(20, 30)
        level[1] = rng.uniform(10, 20)
        level[controls] = rng.uniform(10, 40, N_CONTROLS)
        mu = level[:, None] * SEASON[None, :]
        mu[0, POST] *= effect
        mu[1, POST] *= displacement
        out.append(Run(mu, rng.poisson(mu)))
    return out


CONTROLS = list(range(2, 2 + N_CONTROLS))


@pytest.fixture(scope="module")
def null_runs():
    return simulate(101, effect=1.0)


@pytest.fixture(scope="module")
def effect_runs():
    return simulate(202, effect=0.7)


def test_wdd_null_false_positives(null_runs):
    excl = [not (lo <= 0 <= hi) for lo, hi in (wdd(r.pair(CONTROLS), r.pair(0)).ci95 for r in null_runs)]
    rate = np.mean(excl)
    print(f"WDD null: CI excludes 0 in {rate:.1%}")
    assert rate <= 0.07


def test_wdd_effect_coverage(effect_runs):
    hits = []
    for r in effect_runs:
        c0, c1 = r.expected(CONTROLS)
        t0, t1 = r.expected(0)
        truth = (t1 - t0) - (c1 - c0)
        lo, hi = wdd(r.pair(CONTROLS), r.pair(0)).ci95
        hits.append(lo <= truth <= hi)
    rate = np.mean(hits)
    print(f"WDD 30% reduction: CI covers the expected difference in {rate:.1%}")
    assert rate >= 0.90


def test_wdd_displacement_coverage():
    """Total WDD with the buffer as displacement area (and one control as its comparison) covers the expected total."""
    hits = []
    for r in simulate(303, effect=0.7, displacement=1.2):
        t0, t1 = r.expected(0)
        b0, b1 = r.expected(1)
        c0, c1 = r.expected(CONTROLS[1:])
        d0, d1 = r.expected(CONTROLS[0])
        truth = (t1 - t0) - (c1 - c0) + (b1 - b0) - (d1 - d0)
        lo, hi = wdd(r.pair(CONTROLS[1:]), r.pair(0), r.pair(CONTROLS[0]), r.pair(1)).ci95
        hits.append(lo <= truth <= hi)
    rate = np.mean(hits)
    print(f"WDD with displacement: CI covers the expected total in {rate:.1%}")
    assert rate >= 0.90


def test_relative_effect_null_false_positives(null_runs):
    rate = np.mean([not (lo <= 1 <= hi) for lo, hi in (relative_effect(r.pair(0), r.pair(CONTROLS)).ci95 for r in null_runs)])
    print(f"relative effect null: CI excludes 1 in {rate:.1%}")
    assert rate <= 0.07


def test_relative_effect_coverage(effect_runs):
    rate = np.mean([lo <= 0.7 <= hi for lo, hi in (relative_effect(r.pair(0), r.pair(CONTROLS)).ci95 for r in effect_runs)])
    print(f"relative effect 30% reduction: CI covers 0.7 in {rate:.1%}")
    assert rate >= 0.90


def test_did_null_false_positives(null_runs):
    rate = np.mean([not (lo <= 1 <= hi) for lo, hi in (did(r.frame()).ci95 for r in null_runs)])
    print(f"DiD null: CI excludes 1 in {rate:.1%}")
    assert rate <= 0.07


def test_did_coverage(effect_runs):
    results = [did(r.frame()) for r in effect_runs]
    rate = np.mean([lo <= 0.7 <= hi for lo, hi in (x.ci95 for x in results)])
    print(f"DiD 30% reduction: CI covers 0.7 in {rate:.1%}; median estimate {np.median([x.estimate for x in results]):.3f}")
    assert rate >= 0.90
    assert np.median([x.estimate for x in results]) == pytest.approx(0.7, abs=0.02)


def test_wdq_sign_under_displacement():
    runs = simulate(404, effect=0.7, displacement=1.3)
    signs = [wdq(r.pair(0), r.pair(1), r.pair(CONTROLS)).wdq for r in runs]
    rate = np.mean([q is not None and q < 0 for q in signs])
    print(f"WDQ displacement: sign right (negative) in {rate:.1%}")
    assert rate >= 0.90


def test_wdq_sign_under_diffusion():
    runs = simulate(505, effect=0.7, displacement=0.8)
    rate = np.mean([(q := wdq(r.pair(0), r.pair(1), r.pair(CONTROLS)).wdq) is not None and q > 0 for r in runs])
    print(f"WDQ diffusion: sign right (positive) in {rate:.1%}")
    assert rate >= 0.90
