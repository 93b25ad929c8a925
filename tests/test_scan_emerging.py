"""Emerging hot spots: one test per category of Esri's 17 (conformance C20), the rules
where definitions overlap, Mann-Kendall against scipy and brute force, the cube's Gi*
against the single-period Gi*, a synthetic city where each hot pattern is planted, the
period sensitivity report, and bad input refused."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from scipy import stats

from sara import geo
from sara.scan.emerging import CATEGORIES, classify, classify_many, emerging, mann_kendall, min_periods, parse_period, sensitivity
from sara.scan.gistar import gi_star_z, threshold, two_sided_p
from sara.scan.grid import make_grid
from sara.scan.result import ScanError
from tests.conftest import shared

NO_TREND = (0, 1.0)
UP = (30, 0.001)
DOWN = (-30, 0.001)


def series(states: str) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z and p per period from a picture: H hot, C cold, . not significant."""
    z = np.array([{"H": 3.0, "C": -3.0, ".": 0.5}[s] for s in states])
    p = np.array([0.5 if s == "." else 0.001 for s in states])
    return z, p


# One case per category, ten periods each, in Esri's order; the rules are in emerging.py.
CASES = [
    ("new hot spot", ".........H", NO_TREND),
    ("consecutive hot spot", "......HHHH", NO_TREND),
    ("intensifying hot spot", "HHHHHHHHHH", UP),
    ("persistent hot spot", "HHHHHHHHHH", NO_TREND),
    ("diminishing hot spot", "HHHHHHHHHH", DOWN),
    ("sporadic hot spot", "H..H...H.H", NO_TREND),
    ("oscillating hot spot", "C....H...H", NO_TREND),
    ("historical hot spot", "HHHHHHHHH.", NO_TREND),
    ("new cold spot", ".........C", NO_TREND),
    ("consecutive cold spot", ".......CCC", NO_TREND),
    ("intensifying cold spot", "CCCCCCCCCC", DOWN),
    ("persistent cold spot", "CCCCCCCCCC", NO_TREND),
    ("diminishing cold spot", "CCCCCCCCCC", UP),
    ("sporadic cold spot", ".C..C.C..C", NO_TREND),
    ("oscillating cold spot", "..H.....CC", NO_TREND),
    ("historical cold spot", "CCCCCCCCC.", NO_TREND),
    ("no pattern detected", "..........", NO_TREND),
]


def test_the_cases_cover_all_17_categories():
    assert len(CATEGORIES) == 17
    assert sorted(name for name, _, _ in CASES) == sorted(CATEGORIES)


@pytest.mark.parametrize("category, states, trend", CASES, ids=[c[0] for c in CASES])
def test_each_category(category, states, trend):
    z, p = series(states)
    assert classify(z, p, *trend) == category


@pytest.mark.parametrize(
    "states, trend, category, why",
    [
        ("HHHHHHHHHC", NO_TREND, "oscillating cold spot", "hot 90% then cold now: the present state comes first"),
        ("HH........", NO_TREND, "sporadic hot spot", "on-and-off hot, not hot now: ArcMap's and sfdep's reading"),
        ("C.......HH", NO_TREND, "oscillating hot spot", "a final hot run after a cold period is not consecutive"),
        ("H.......HH", NO_TREND, "sporadic hot spot", "a final hot run after an earlier hot period is not consecutive"),
        ("HHHHHHHHH.", UP, "historical hot spot", "not hot now: no trend makes it intensifying"),
        ("HHHHHHHH.H", NO_TREND, "persistent hot spot", "9 of 10 periods is 90%"),
        ("HHHHHHH..H", NO_TREND, "sporadic hot spot", "8 of 10 is under 90%"),
        ("HHHHHHHHHH", (30, 0.06), "persistent hot spot", "a trend with p above alpha is no trend"),
        ("H...C.....", NO_TREND, "no pattern detected", "both signs, neither now"),
        ("........HH", UP, "consecutive hot spot", "the trend is read only for the 90% patterns"),
    ],
)
def test_the_rules_where_definitions_overlap(states, trend, category, why):
    z, p = series(states)
    assert classify(z, p, *trend) == category, why


def test_significance_is_p_at_or_under_alpha_and_hot_is_positive_z():
    z = np.array([0.5] * 9 + [2.0])
    assert classify(z, np.array([0.5] * 9 + [0.05]), 0, 1.0) == "new hot spot"
    assert classify(z, np.array([0.5] * 9 + [0.051]), 0, 1.0) == "no pattern detected"
    assert classify(z, np.array([0.5] * 9 + [0.009]), 0, 1.0, alpha=0.01) == "new hot spot"


def test_the_vectorised_rules_are_the_single_cell_rules():
    rng = np.random.default_rng(8)
    pictures = ["".join(rng.choice(list(kind), 10)) for kind in ("HC.", "H.", "C.", "HHHHHHHHH.", "CCCCCCCCC.") for _ in range(300)]
    rows = [(s, t) for _, s, t in CASES] + list(itertools.product(pictures, [NO_TREND, UP, DOWN]))
    z = np.array([series(s)[0] for s, _ in rows])
    p = np.array([series(s)[1] for s, _ in rows])
    s_stat = np.array([t[0] for _, t in rows])
    mk_p = np.array([t[1] for _, t in rows])

    codes = classify_many(z, p <= 0.05, s_stat, mk_p)

    assert [CATEGORIES[c] for c in codes] == [classify(z[i], p[i], s_stat[i], mk_p[i]) for i in range(len(rows))]
    assert len(set(codes)) == 17


@pytest.mark.parametrize("periods", [5, 12, 33, 34, 60])
def test_mann_kendall_is_scipys_kendall_tau_against_time(periods):
    rng = np.random.default_rng(periods)
    x = rng.normal(size=(200, periods)) + np.linspace(0, 1, periods) * rng.normal(0, 2, (200, 1))
    x[:60] = np.round(x[:60] * 2) / 2  # ties: the variance correction and the normal p
    x[60] = np.arange(periods)  # perfectly monotone: exact p = 2 / K!
    x[61, :2] = 7.0

    s, tau, z, p = mann_kendall(x)

    for row in range(len(x)):
        ref = stats.kendalltau(np.arange(periods), x[row])
        assert tau[row] == pytest.approx(ref.statistic, abs=1e-12)
        assert p[row] == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
        brute = sum(np.sign(x[row, j] - x[row, i]) for i, j in itertools.combinations(range(periods), 2))
        assert s[row] == brute
    assert (np.sign(z) == np.sign(s)).all()


def test_mann_kendall_of_a_flat_series_is_no_trend():
    s, tau, z, p = mann_kendall(np.ones((1, 8)))
    assert (s[0], tau[0], z[0], p[0]) == (0, 0.0, 0.0, 1.0)


def test_the_trend_test_needs_enough_periods_to_reach_alpha():
    assert min_periods(0.05) == 5  # 2/5! = 0.017; 2/4! = 0.083
    assert min_periods(0.01) == 6
    assert mann_kendall(np.arange(5.0)[None])[3][0] == pytest.approx(2 / 120)


def test_periods_are_named_plainly():
    assert parse_period("month").label == "1 month"
    assert parse_period("quarter").label == "3 months"
    assert parse_period("2 weeks").label == "14 days"
    assert parse_period(7).label == "7 days"
    with pytest.raises(ScanError, match="unknown period"):
        parse_period("fortnightly-ish")
    with pytest.raises(ScanError, match="whole number"):
        parse_period(2.5)


# --------------------------------------------------------------------------- a synthetic city

MONTHS = np.arange(np.datetime64("2023-01"), np.datetime64("2025-01"))
PLANTED = {
    "persistent hot spot": (1250, 1250),
    "intensifying hot spot": (1250, 8750),
    "diminishing hot spot": (8750, 1250),
    "new hot spot": (8750, 8750),
    "consecutive hot spot": (5250, 5250),
    "historical hot spot": (5250, 1250),
    "sporadic hot spot": (1250, 5250),
}


@pytest.fixture(scope="module")
def city() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two years of events on 10 km x 10 km: 1,600 a month spread evenly, plus a cluster
    (sd 100 m) for each hot pattern, planted to behave as the pattern says."""
    rng = np.random.default_rng(11)
    xs, ys, ts = [], [], []

    def add(n, month, centre=None):
        if centre is None:
            x, y = rng.uniform(0, 10_000, n), rng.uniform(0, 10_000, n)
        else:
            x, y = rng.normal(centre[0], 100, n), rng.normal(centre[1], 100, n)
        first = MONTHS[month].astype("datetime64[D]")
        days = ((MONTHS[month] + 1).astype("datetime64[D]") - first).astype(int)
        xs.append(x)
        ys.append(y)
        ts.append(first + rng.integers(0, days, n))

    last = len(MONTHS) - 1
    for m in range(len(MONTHS)):
        add(1_600, m)
        add(40, m, PLANTED["persistent hot spot"])
        add(25 + 2 * m, m, PLANTED["intensifying hot spot"])
        add(75 - 2 * m, m, PLANTED["diminishing hot spot"])
        if m == last:
            add(40, m, PLANTED["new hot spot"])
        if m >= last - 2:
            add(40, m, PLANTED["consecutive hot spot"])
        if m < last:
            add(40, m, PLANTED["historical hot spot"])
        if m % 4 == 0:
            add(40, m, PLANTED["sporadic hot spot"])
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)


def test_each_planted_pattern_is_found_where_it_was_planted(city):
    x, y, t = city

    result = emerging(x, y, t, cell_size=250, sensitivity=False)

    table = result.table
    for category, (cx, cy) in PLANTED.items():
        cell = table.filter((pl.col("x") == cx + 125) & (pl.col("y") == cy + 125))
        assert cell["category"].item() == category
    assert table.columns == ["x", "y", "n", "category", "periods_hot", "periods_cold", "share_significant", "z_final", "mk_tau", "mk_z", "mk_p"]
    assert table.height == 1_600 and table["n"].sum() == len(x)
    assert result.params["periods"] == 24 and result.params["first_period"] == "2023-01" and result.params["last_period"] == "2024-12"
    assert result.params["rule_90_percent"] == "at least 22 of 24 periods"


def test_the_cube_is_gi_star_per_period_with_fdr_across_the_cube(city):
    x, y, t = city
    grid = make_grid(x, y, cell_size=250)
    w = grid.neighbours()
    month = t.astype("datetime64[M]")
    z = np.column_stack([gi_star_z(grid.counts(x[month == m], y[month == m]), w) for m in MONTHS])
    p = two_sided_p(z)
    cut = threshold(p, 0.05, "fdr")
    s, tau, mk_z, mk_p = mann_kendall(z)

    result = emerging(x, y, t, grid=grid, sensitivity=False)

    table = result.table
    assert result.params["p_threshold"] == pytest.approx(cut, rel=1e-12)
    assert np.allclose(table["z_final"].to_numpy(), z[:, -1], atol=1e-12)
    assert np.array_equal(table["periods_hot"].to_numpy(), ((p <= cut) & (z > 0)).sum(axis=1))
    assert np.allclose(table["mk_tau"].to_numpy(), tau) and np.allclose(table["mk_p"].to_numpy(), mk_p)
    sig = p <= cut
    expected = [classify(z[i], np.where(sig[i], 0.0, 1.0), s[i], mk_p[i]) for i in range(grid.n_cells)]
    assert table["category"].to_list() == expected


def test_correcting_period_by_period_uses_one_threshold_per_period(city):
    x, y, t = city
    result = emerging(x, y, t, cell_size=250, family="period", sensitivity=False)
    assert len(result.params["p_threshold"]) == 24
    assert result.params["family"] == "period"


def test_day_periods_end_with_the_last_event_and_say_when_the_first_is_partial(city):
    x, y, t = city

    result = emerging(x, y, t, cell_size=250, period="2 weeks", sensitivity=False)

    assert result.params["period"] == "14 days" and result.params["periods"] == 53
    assert result.params["last_period"] == "2024-12-18..2024-12-31"
    assert any("starts before the first event" in note for note in result.notes)


def test_sensitivity_counts_cells_changing_category_when_the_period_halves_and_doubles(city):
    x, y, t = city

    result = sensitivity(x, y, t, cell_size=250)

    summary = result.params["sensitivity"]
    assert summary["halved"]["period"] == "15 days" and summary["doubled"]["period"] == "2 months"
    table = result.table
    assert table.columns == ["comparison", "period", "periods", "from", "to", "cells"]
    for name in ("halved", "doubled"):
        rows = table.filter(pl.col("comparison") == name)
        assert rows["cells"].sum() == 1_600
        assert rows.filter(pl.col("from") != pl.col("to"))["cells"].sum() == summary[name]["cells_changed"]
    assert any("with the period doubled (2 months, 12 periods)" in note for note in result.notes)
    inside = emerging(x, y, t, cell_size=250)
    assert inside.params["sensitivity"] == summary


@pytest.fixture(scope="module")
def derbyshire():
    files = sorted(shared("policeuk", "derbyshire-2025").glob("*.csv"))
    frame = pl.concat([pl.read_csv(f, columns=["Month", "Longitude", "Latitude"]) for f in files]).drop_nulls()
    x, y = geo.transform(frame["Longitude"].to_numpy(), frame["Latitude"].to_numpy(), geo.WGS84, geo.BNG)
    return x, y, frame["Month"].str.to_date("%Y-%m")


def test_police_uk_months_run_and_cannot_be_halved(derbyshire):
    x, y, month = derbyshire
    inside = (x > 400_000) & (x < 460_000) & (y > 315_000) & (y < 400_000)

    result = emerging(x[inside], y[inside], month.filter(pl.Series(inside)), cell_size=500)

    assert result.params["periods"] == 12 and result.params["last_period"] == "2025-12"
    counts = result.table["category"].value_counts()
    assert counts.filter(pl.col("category") == "persistent hot spot")["count"].item() > 100
    assert result.params["sensitivity"]["halved"]["skipped"].startswith("the dates are months only")
    assert result.params["sensitivity"]["doubled"]["periods"] == 6
    with pytest.raises(ScanError, match="months only"):
        emerging(x[inside], y[inside], month.filter(pl.Series(inside)), cell_size=500, period=7)


def test_month_numbers_work_as_times(city):
    x, y, t = city
    month_number = t.astype("datetime64[M]").astype(np.int64) - 600
    result = emerging(x, y, month_number, cell_size=250, sensitivity=False)
    assert result.params["periods"] == 24 and result.params["first_period"] == "month 36"


def test_fewer_periods_than_the_trend_test_needs_is_refused(city):
    x, y, t = city
    recent = t >= np.datetime64("2024-09-01")
    with pytest.raises(ScanError, match="4 periods of 1 month: the Mann-Kendall trend test needs at least 5"):
        emerging(x[recent], y[recent], t[recent], cell_size=250)
    with pytest.raises(ScanError, match="needs at least 6"):
        emerging(x[recent], y[recent], t[recent], cell_size=250, period="4 weeks", alpha=0.01)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"correction": "holm"}, "unknown correction"),
        ({"family": "space"}, "unknown family"),
        ({"alpha": 5}, "between 0 and 1"),
        ({"period": "fortnightly-ish"}, "unknown period"),
        ({"neighbours": "rook"}, "unknown neighbours"),
    ],
)
def test_bad_options_are_refused(city, kwargs, message):
    x, y, t = city
    with pytest.raises(ScanError, match=message):
        emerging(x, y, t, cell_size=250, **kwargs)


def test_bad_inputs_are_refused_with_what_to_change(city):
    x, y, t = city
    with pytest.raises(ScanError, match="same length"):
        emerging(x, y, t[:-1])
    with pytest.raises(ScanError, match="only 20 events"):
        emerging(x[:20], y[:20], t[:20])
    with pytest.raises(ScanError, match="dates"):
        emerging(x[:100], y[:100], np.array(["soon"] * 100))


def test_a_month_without_events_is_not_significant_anywhere_and_is_named(city):
    x, y, t = city
    gap = t.astype("datetime64[M]") != np.datetime64("2023-06")

    result = emerging(x[gap], y[gap], t[gap], cell_size=250, sensitivity=False)

    assert result.params["periods"] == 24 and result.params["events_per_period"][5] == 0
    assert any(note.startswith("no events in 2023-06") for note in result.notes)
    assert result.table["periods_hot"].max() <= 23
