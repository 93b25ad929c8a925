"""PAI, PEI and RRI: the published toy (conformance C17, the ptools test), brute force over
every selection of cells, ties entering together, coverages, a real hotspot map of one
half-year against the next, and bad input refused with what to change."""

from __future__ import annotations

import itertools
import json

import numpy as np
import polars as pl
import pytest

from sara.scan.accuracy import pai_pei
from sara.scan.result import ScanError
from tests.conftest import shared


def test_pai_toy_c17():
    observed, predicted = [6, 3, 0], [3, 2, 1]

    result = pai_pei(predicted, observed)

    t = result.table
    assert t["pai"].to_list() == pytest.approx([2, 1.5, 1])
    assert t["pei"].to_list() == pytest.approx([1, 1, 1])
    assert t["rri"].to_list() == pytest.approx(list(np.cumsum(predicted) / np.cumsum(observed)))
    assert t["area_share"].to_list() == pytest.approx([1 / 3, 2 / 3, 1])
    assert t["hit_rate"].to_list() == pytest.approx([6 / 9, 1, 1])


@pytest.mark.parametrize("seed", range(20))
def test_equal_areas_match_brute_force_over_every_selection(seed):
    rng = np.random.default_rng(seed)
    n = 9
    observed = rng.poisson(2.0, n)
    observed[0] += 1
    predicted = rng.permutation(n).astype(float) + rng.uniform(0, 0.5)

    t = pai_pei(predicted, observed).table

    total = observed.sum()
    ranked = sorted(range(n), key=lambda i: -predicted[i])
    for k in range(1, n + 1):
        chosen = ranked[:k]
        hit = observed[chosen].sum() / total
        best = max(observed[list(s)].sum() for s in itertools.combinations(range(n), k)) / total
        row = t.row(k - 1, named=True)
        assert row["cells"] == k
        assert row["hit_rate"] == pytest.approx(hit)
        assert row["pai"] == pytest.approx(hit / (k / n))
        assert row["best_hit_rate"] == pytest.approx(best)
        assert row["pei"] == pytest.approx(hit / best)


@pytest.mark.parametrize("seed", range(10))
def test_unequal_areas_against_brute_force(seed):
    rng = np.random.default_rng(50 + seed)
    n = 8
    observed = rng.poisson(3.0, n)
    observed[0] += 1
    areas = rng.uniform(0.5, 3.0, n)
    predicted = rng.uniform(0, 10, n)

    t = pai_pei(predicted, observed, areas).table

    ranked = sorted(range(n), key=lambda i: -predicted[i])
    for k in range(1, n + 1):
        chosen = ranked[:k]
        area = areas[chosen].sum()
        row = t.row(k - 1, named=True)
        assert row["area_share"] == pytest.approx(area / areas.sum())
        assert row["pai"] == pytest.approx((observed[chosen].sum() / observed.sum()) / (area / areas.sum()))
        # The best whole-cell selection of no more area cannot beat the stated best.
        whole = max(observed[list(s)].sum() for r in range(n + 1) for s in itertools.combinations(range(n), r) if areas[list(s)].sum() <= area + 1e-12)
        assert row["best_hit_rate"] * observed.sum() >= whole - 1e-9
        assert 0 <= row["pei"] <= 1 + 1e-12
    assert t["pei"][-1] == pytest.approx(1) and t["pai"][-1] == pytest.approx(1)


def test_tied_scores_enter_together():
    predicted = [5, 3, 3, 3, 1, 0]
    observed = [2, 0, 4, 1, 1, 0]

    result = pai_pei(predicted, observed)

    t = result.table
    assert t["cells"].to_list() == [1, 4, 5, 6]
    assert t["tied"].to_list() == [1, 3, 1, 1]
    assert t["hit_rate"].to_list() == pytest.approx([2 / 8, 7 / 8, 1, 1])
    assert t["pai"][1] == pytest.approx((7 / 8) / (4 / 6))
    assert any("tied scores" in n for n in result.notes)
    # Same answer whatever order the tied cells arrive in.
    shuffled = pai_pei([3, 3, 5, 3, 1, 0], [1, 4, 2, 0, 1, 0]).table
    assert shuffled.drop("score").equals(t.drop("score"))


def test_coverages_are_read_off_the_curve():
    rng = np.random.default_rng(3)
    observed = rng.poisson(1.0, 200)
    predicted = rng.uniform(0, 1, 200)

    result = pai_pei(predicted, observed, coverages=(0.05, 0.10, 0.123))

    at = {row["coverage"]: row for row in result.params["at_coverage"]}
    t = result.table
    for c, k in ((0.05, 10), (0.10, 20)):  # whole cells: the same as the cut-off row
        row = t.row(k - 1, named=True)
        assert at[c]["cells"] == pytest.approx(k)
        assert at[c]["pai"] == pytest.approx(row["pai"]) and at[c]["pei"] == pytest.approx(row["pei"])
    # 12.3% of 200 cells = 24.6 cells: 24 cells and 0.6 of the 25th.
    ranked = np.argsort(-predicted)
    n = observed[ranked[:24]].sum() + 0.6 * observed[ranked[24]]
    assert at[0.123]["events"] == pytest.approx(n)
    assert at[0.123]["pai"] == pytest.approx(n / observed.sum() / 0.123)
    assert len([n for n in result.notes if n.startswith("top ")]) == 3


def test_rri_needs_counts_and_events():
    result = pai_pei([2.0, -1.0, 0.5], [0, 3, 1])
    assert result.table["rri"].null_count() == 3
    assert any("negative" in n for n in result.notes)
    first = pai_pei([2.0, 1.0], [0, 3]).table
    assert first["rri"][0] is None and first["rri"][1] == pytest.approx(1.0)


def test_last_half_year_predicts_the_next_on_real_data():
    """Derbyshire 2025: LSOA counts of violence in January-June as the map, July-December
    as the later period; equal weight per LSOA."""
    raw = pl.read_csv(sorted(shared("policeuk", "derbyshire-2025").glob("*-street.csv")), infer_schema=False)
    violence = raw.filter(pl.col("Crime type") == "Violence and sexual offences").select(lsoa=pl.col("LSOA code"), late=pl.col("Month") > "2025-06")
    counts = violence.group_by("lsoa").agg(before=(~pl.col("late")).sum(), after=pl.col("late").sum()).sort("lsoa")

    result = pai_pei(counts["before"], counts["after"])

    t = result.table
    assert t["events"][-1] == counts["after"].sum() and t["cells"][-1] == counts.height
    assert t["pai"].to_numpy()[-1] == pytest.approx(1)
    top5 = next(r for r in result.params["at_coverage"] if r["coverage"] == 0.05)
    assert top5["pai"] > 3 and 0.7 < top5["pei"] <= 1
    json.dumps(result.to_dict())  # parameters and rows travel as JSON (--json, the API)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([], []), {}, "no cells"),
        (([1, 2, 3], [1, 2]), {}, "same cells"),
        (([1, 2], [1, 2], [1]), {}, "one area per cell"),
        (([1, 2], [1, 2], [1, 0]), {}, "more than 0"),
        (([1, 2], [0, 0]), {}, "no observed events"),
        (([1, 2], [1, -1]), {}, "0 or more"),
        (([1, np.nan], [1, 1]), {}, "missing or infinite"),
        (([1, 2], [1, 1]), {"coverages": (0, 0.5)}, "above 0 and at most 1"),
        ((["a", "b"], [1, 1]), {}, "must be numbers"),
    ],
)
def test_bad_input_is_refused_with_what_to_change(args, kwargs, message):
    with pytest.raises(ScanError, match=message):
        pai_pei(*args, **kwargs)
