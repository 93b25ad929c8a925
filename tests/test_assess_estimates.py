"""Conformance tests for the assessment estimators (analytics-anchors.md section 13, C11-C16)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from sara.assess import AssessError, did, relative_effect, wdd, wdq

# --- WDQ (Bowers & Johnson 2003) -------------------------------------------------------------------------------


def test_wdq_displacement_c11():
    r = wdq((100, 50), (100, 150), (100, 100))
    assert r.success_measure == pytest.approx(-0.5)
    assert r.buffer_displacement_measure == pytest.approx(0.5)
    assert r.wdq == pytest.approx(-1.0)
    assert r.tne == pytest.approx(0.0)
    assert r.interpretation == "displacement, net benefit remains"


def test_wdq_diffusion_c12():
    r = wdq((100, 50), (100, 75), (100, 100))
    assert r.wdq == pytest.approx(0.5)
    assert r.interpretation == "diffusion of benefits"
    assert r.tne == pytest.approx(75.0)


@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        ((100, 40), "diffusion larger than the direct effect"),
        ((100, 100), "neither"),
        ((100, 200), "displacement exceeds the effect"),
    ],
)
def test_wdq_interpretations(buffer, expected):
    assert wdq((100, 50), buffer, (100, 100)).interpretation == expected


def test_wdq_undefined_zero_control():
    r = wdq((10, 5), (10, 12), (0, 4))
    assert r.wdq is None
    assert r.interpretation.startswith("undefined: ")
    assert "control" in r.reason


def test_wdq_undefined_zero_success_measure():
    r = wdq((100, 100), (100, 150), (100, 100))
    assert r.wdq is None and r.success_measure == 0
    assert "success measure is zero" in r.reason
    assert r.interpretation.startswith("undefined: ")


def test_wdq_no_success_is_not_read_as_displacement():
    r = wdq((100, 150), (100, 150), (100, 100))
    assert r.wdq == pytest.approx(1.0)
    assert r.interpretation.startswith("undefined: ")


def test_wdq_bad_input():
    with pytest.raises(AssessError, match="before, after"):
        wdq((1, 2, 3), (1, 2), (1, 2))
    with pytest.raises(AssessError, match="not negative"):
        wdq((1, -2), (1, 2), (1, 2))


# --- WDD (Wheeler & Ratcliffe 2018, ptools::wdd) ----------------------------------------------------------------


def test_wdd_paper_c13():
    r = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    assert r.local == pytest.approx(-107)
    assert r.displacement == pytest.approx(-11)
    assert r.estimate == pytest.approx(-118)
    # the old ptools parenthesis slip multiplied the DC1 term into the DC0 term; the paper says 1568
    assert r.variance == pytest.approx(1568)
    assert r.se == pytest.approx(39.60, abs=0.005)
    assert round(r.z, 2) == -2.98
    assert (round(r.ci95[0]), round(r.ci95[1])) == (-196, -40)
    assert r.p == pytest.approx(2 * 0.001441, rel=0.02)


def test_wdd_local_only():
    r = wdd((20, 20), (20, 10))
    assert r.estimate == -10 and r.displacement is None
    assert r.variance == 70


def test_wdd_time_weights_c14():
    r = wdd((100, 50), (80, 20), time_weights=(2, 1))
    assert r.estimate == pytest.approx(-20)
    assert r.se == pytest.approx(math.sqrt(115))
    # lengths in months give the same answer
    assert wdd((100, 50), (80, 20), time_weights=(24, 12)).se == pytest.approx(math.sqrt(115))


def test_wdd_area_weights_c15():
    r = wdd((308, 318), (207, 110), (150, 140), (178, 157), area_weights=(0.9, 1.2, 1.6, 1.5))
    got = (r.estimate, r.se, r.z, *r.ci95)
    assert got == pytest.approx((-99.694444, 35.428076, -2.813995, -169.132197, -30.256692), abs=1e-6)


def test_wdd_harm_c16():
    control = [(133, 91), (388, 305), (148, 97), (86, 64), (94, 67)]
    treated = [(130, 74), (327, 202), (398, 190), (144, 92), (183, 96)]
    r = wdd(control, treated, weights=[3, 2, 5, 7, 10])
    assert r.estimate == pytest.approx(-1721)
    assert r.se == pytest.approx(304.1036, abs=1e-4)
    assert r.z == pytest.approx(-5.6593, abs=1e-4)
    assert r.ci95 == pytest.approx((-2317.03, -1124.97), abs=0.01)
    assert len(r.per_type) == 5


def test_wdd_refusals():
    with pytest.raises(AssessError, match="both disp_control and disp_treated"):
        wdd((1, 2), (3, 4), disp_control=(1, 2))
    with pytest.raises(AssessError, match="one harm weight per crime type"):
        wdd([(1, 2), (3, 4)], [(1, 2), (3, 4)], weights=[1])
    with pytest.raises(AssessError, match="time_weights"):
        wdd((1, 2), (3, 4), time_weights=(0, 1))
    with pytest.raises(AssessError, match="no variance"):
        wdd((0, 0), (0, 0))
    assert any("small" in n for n in wdd((3, 2), (4, 1)).notes)


# --- relative effect (Farrington & Welsh) -------------------------------------------------------------------------


def test_relative_effect_hand_computed():
    # target 200 -> 132 (-34%), control 1000 -> 950 (-5%)
    r = relative_effect((200, 132), (1000, 950))
    assert r.estimate == pytest.approx((132 * 1000) / (200 * 950))  # 0.6947
    se = math.sqrt(1 / 200 + 1 / 132 + 1 / 1000 + 1 / 950)
    assert r.log_se == pytest.approx(se)
    lo, hi = r.ci95
    assert lo == pytest.approx(math.exp(math.log(0.694737) - 1.959964 * se), rel=1e-5)
    assert hi == pytest.approx(math.exp(math.log(0.694737) + 1.959964 * se), rel=1e-5)
    assert (round(lo, 2), round(hi, 2)) == (0.55, 0.88)
    assert r.target_change == pytest.approx(-0.34) and r.control_change == pytest.approx(-0.05)
    assert r.p == pytest.approx(0.0026, abs=1e-4)


def test_relative_effect_orientation():
    assert relative_effect((100, 100), (100, 100)).estimate == 1
    assert relative_effect((100, 150), (100, 100)).estimate == pytest.approx(1.5)


def test_relative_effect_refuses_zero():
    with pytest.raises(AssessError, match="continuity correction"):
        relative_effect((10, 0), (100, 90))


def test_relative_effect_overdispersion():
    base = relative_effect((200, 132), (1000, 950))
    flat = relative_effect((120, 120), (600, 600), monthly={"target": ([10] * 12, [10] * 12), "control": ([50] * 12, [50] * 12)})
    assert flat.dispersion == 1.0  # no more variable than Poisson: never shrinks the variance
    rng = np.random.default_rng(1)
    months = {k: (rng.negative_binomial(2, 2 / (2 + m), 12), rng.negative_binomial(2, 2 / (2 + m), 12)) for k, m in (("target", 15), ("control", 80))}
    tot = {k: (int(v[0].sum()), int(v[1].sum())) for k, v in months.items()}
    adj = relative_effect(tot["target"], tot["control"], monthly=months)
    plain = relative_effect(tot["target"], tot["control"])
    assert adj.dispersion > 2 and adj.log_se > plain.log_se
    assert adj.estimate == plain.estimate
    fw = relative_effect((200, 132), (1000, 950), overdispersion="farrington-welsh")
    assert fw.dispersion == pytest.approx(0.0008 * 2282 + 1.2)
    assert fw.log_se == pytest.approx(base.log_se * math.sqrt(fw.dispersion))
    with pytest.raises(AssessError, match="at least 1"):
        relative_effect((200, 132), (1000, 950), overdispersion=0.5)


# --- difference-in-differences ------------------------------------------------------------------------------------


def panel(rng, *, n_control=6, months_before=12, months_after=12, effect=1.0, size=2.0, nb_size=None):
    """Monthly counts: area effects, seasonality, one treated area whose post-period rate is multiplied by effect."""
    start = date(2022, 1, 1)
    months = [date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1) for i in range(months_before + months_after)]
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(len(months)) / 12)
    rows = []
    for a in range(n_control + 1):
        level = 20 * size * rng.uniform(0.5, 1.5)
        treated = a == 0
        for i, m in enumerate(months):
            post = i >= months_before
            mu = level * season[i] * (effect if treated and post else 1.0)
            y = rng.poisson(mu) if nb_size is None else rng.negative_binomial(nb_size, nb_size / (nb_size + mu))
            rows.append({"area": f"A{a}", "month": m, "count": int(y), "treated": treated, "post": post})
    return pl.DataFrame(rows)


def test_did_recovers_rate_ratio():
    rng = np.random.default_rng(7)
    r = did(panel(rng, effect=0.7, size=5))
    assert r.estimate == pytest.approx(0.7, abs=0.05)
    assert r.ci95[0] < 0.7 < r.ci95[1]
    assert r.family == "poisson" and r.months_before == 12 and r.months_after == 12
    assert r.treated_areas == 1 and r.control_areas == 6
    assert r.p < 0.001


def test_did_no_effect_covers_one():
    rng = np.random.default_rng(11)
    r = did(panel(rng, effect=1.0))
    assert r.ci95[0] < 1 < r.ci95[1]


def test_did_auto_negbin():
    rng = np.random.default_rng(3)
    df = panel(rng, effect=0.7, size=3, nb_size=3)
    r = did(df)
    assert r.family == "negbin" and r.dispersion > 1.5 and r.alpha > 0
    assert any("negative binomial" in n for n in r.notes)
    p = did(df, family="poisson")
    assert p.family == "poisson"
    assert (r.ci95[1] - r.ci95[0]) > (p.ci95[1] - p.ci95[0])


def test_did_refusals():
    rng = np.random.default_rng(0)
    with pytest.raises(AssessError, match="at least 3 months before and 3 after"):
        did(panel(rng, months_before=2, months_after=6))
    df = panel(rng)
    with pytest.raises(AssessError, match="control area"):
        did(df.with_columns(pl.lit(True).alias("treated")))
    with pytest.raises(AssessError, match="treated area"):
        did(df.with_columns(pl.lit(False).alias("treated")))
    with pytest.raises(AssessError, match="missing column"):
        did(df.drop("post"))
    with pytest.raises(AssessError, match="family"):
        did(df, family="gaussian")
    with pytest.raises(AssessError, match="Date"):
        did(df.with_columns(pl.col("month").cast(pl.Utf8)))
