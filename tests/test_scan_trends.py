"""Trends (``sara.scan.trends``): the scrutiny-report table, monthly series, incomplete months.

Each test reads as an example: build a frame of events (``month``, ``category``, and
``covid`` / ``area`` when needed), call ``compare_periods`` or ``monthly``, read the table,
the parameters, the flags. The Derbyshire police.uk tables are recomputed independently
with the ``csv`` module.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter

import polars as pl
import pytest

from sara.scan.result import ScanError
from sara.scan.trends import TrendResult, compare_periods, incomplete_months, monthly
from tests.conftest import shared

CATEGORY = "Crime type"


def derbyshire_paths():
    folder = shared("policeuk", "derbyshire-2025")
    return sorted(folder.glob("*-derbyshire-street.csv"))


def derbyshire_events() -> pl.DataFrame:
    """The 2025 Derbyshire street-level rows as events: month, category, area (LSOA)."""
    frames = [pl.read_csv(p, infer_schema_length=0) for p in derbyshire_paths()]
    return pl.concat(frames).select(
        pl.col("Month").str.to_date("%Y-%m").alias("month"),
        pl.col(CATEGORY).alias("category"),
        pl.col("LSOA code").alias("area"),
    )


def csv_counts() -> Counter:
    """(month "YYYY-MM", crime type) -> rows, read with the csv module."""
    counts: Counter = Counter()
    for path in derbyshire_paths():
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                counts[(row["Month"], row[CATEGORY])] += 1
    return counts


def expected_table(counts: Counter, current: list[str], previous: list[str]) -> list[dict]:
    """The scrutiny table, recomputed by hand: categories A-Z then Total."""
    cur: Counter = Counter()
    prev: Counter = Counter()
    for (month, category), n in counts.items():
        if month in current:
            cur[category] += n
        if month in previous:
            prev[category] += n
    rows = []
    for category in sorted(set(cur) | set(prev)):
        rows.append((category, cur[category], prev[category]))
    rows.append(("Total", sum(cur.values()), sum(prev.values())))
    return [{"category": c, "current": a, "previous": b, "change": a - b, "change_pct": round(100 * (a - b) / b, 1) if b else None} for c, a, b in rows]


def months(first: int, last: int, year: int = 2025) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(first, last + 1)]


@pytest.fixture(scope="module")
def events() -> pl.DataFrame:
    return derbyshire_events()


@pytest.fixture(scope="module")
def counts() -> Counter:
    return csv_counts()


# --- the scrutiny table on real data ---------------------------------------------------------


def test_six_months_to_december_against_the_six_before_by_crime_type(events, counts):
    result = compare_periods(events, end="2025-12", months=6)
    assert isinstance(result, TrendResult)
    assert result.table.columns == ["category", "current", "previous", "change", "change_pct"]
    assert result.table.to_dicts() == expected_table(counts, months(7, 12), months(1, 6))
    assert result.params["periods"] == "2025-07..2025-12 vs 2025-01..2025-06"
    assert result.params["loaded"] == "2025-01..2025-12"
    assert result.flags == []  # no month of 2025 looks incomplete
    assert result.left_out == {}
    total = result.table.row(-1, named=True)
    assert total["category"] == "Total" and total["current"] + total["previous"] == 102_621


def test_three_months_inside_the_year_leaves_the_other_months_out(events, counts):
    result = compare_periods(events, end="2025-09", months=3)
    assert result.params["current"] == "2025-07..2025-09"
    assert result.params["previous"] == "2025-04..2025-06"
    assert result.table.to_dicts() == expected_table(counts, months(7, 9), months(4, 6))
    outside = sum(n for (m, _), n in counts.items() if m not in months(4, 9))
    assert result.left_out == {"outside the two periods": outside}


def test_previous_period_outside_the_data_is_flagged_not_compared_as_zero(events, counts):
    result = compare_periods(events, end="2025-12", months=12)
    assert result.params["periods"] == "2025-01..2025-12 vs 2024-01..2024-12"
    table = result.table
    assert table["current"].to_list() == [r["current"] for r in expected_table(counts, months(1, 12), [])]
    assert table["previous"].null_count() == table.height
    assert table["change"].null_count() == table.height
    assert table["change_pct"].null_count() == table.height
    (flag,) = result.flags
    assert flag["kind"] == "period_outside_data" and flag["period"] == "2024-01..2024-12"
    assert "not counted as zero" in flag["reason"]


def test_previous_period_partly_outside_the_data_is_not_compared_either(events):
    result = compare_periods(events, end="2025-09", months=6)
    assert result.params["previous"] == "2024-10..2025-03"
    assert result.table["previous"].null_count() == result.table.height
    (flag,) = result.flags
    assert flag["months_outside"] == 3
    assert "3 of its 6 months are outside" in flag["reason"]


def test_loaded_months_can_be_stated_by_the_caller(events):
    """The store knows it holds 2024-07..2025-12 even if this selection starts later."""
    result = compare_periods(events, end="2025-12", months=12, loaded=("2024-01", "2025-12"))
    assert result.table["previous"].to_list()[-1] == 0
    kinds = Counter(f["kind"] for f in result.flags)
    assert kinds == {"no_data": 12}  # every month of 2024 was "loaded" yet holds nothing: said, not hidden


@pytest.mark.parametrize(
    ("end", "n", "message"),
    [("2026-01", 6, r"runs past the last month of the data \(2025-12"), ("2025-06", 12, "starts before the data")],
)
def test_current_period_outside_the_data_is_refused(events, end, n, message):
    with pytest.raises(ScanError, match=message):
        compare_periods(events, end=end, months=n)


@pytest.mark.parametrize("bad", ["2025-13", "Dec 2025", "2025/12", ""])
def test_end_must_be_a_month(events, bad):
    with pytest.raises(ScanError, match="YYYY-MM"):
        compare_periods(events, end=bad)


def test_empty_selection_is_refused_unless_the_loaded_months_are_known(events):
    empty = events.filter(pl.col("category") == "no such crime")
    with pytest.raises(ScanError, match="no events"):
        compare_periods(empty, end="2025-12", months=6)
    result = compare_periods(empty, end="2025-12", months=6, loaded=("2025-01", "2025-12"))
    assert result.table.to_dicts() == [{"category": "Total", "current": 0, "previous": 0, "change": 0, "change_pct": None}]
    assert any("no events" in n for n in result.notes)


def test_unknown_group_column_says_which_columns_exist(events):
    with pytest.raises(ScanError, match="no column 'crime_type'.*'category'"):
        compare_periods(events, end="2025-12", months=6, by="crime_type")


def test_to_dict_carries_rows_and_flags_for_the_json_output(events):
    result = compare_periods(events, end="2025-12", months=12)
    out = json.loads(json.dumps(result.to_dict()))
    assert set(out) == {"params", "left_out", "notes", "rows", "flags"}
    assert set(out["rows"][0]) == {"category", "current", "previous", "change", "change_pct"}
    assert out["flags"][0]["kind"] == "period_outside_data"


# --- with and without covid: the report's own table ------------------------------------------

# "ASB Incident (excluding Covid), 12 months to Feb 2021 vs 12 months to Feb 2022"
# (Derbyshire performance scrutiny, 17 May 2022, 5.13): previous, current, change, % change.
REPORT = {
    "Environmental": (896, 712, -184, -21),
    "Nuisance": (17_914, 20_076, 2_162, 12),
    "Personal": (5_878, 5_361, -517, -9),
    "Total": (24_688, 26_149, 1_461, 6),
}
# Covid-related reports on top (most of them Nuisance, as the report says): previous, current.
COVID = {"Environmental": (2_100, 300), "Nuisance": (23_500, 8_900), "Personal": (2_108, 556)}


def asb_events() -> pl.DataFrame:
    """ASB incidents Mar 2020..Feb 2022 with the report's non-covid counts, spread evenly
    over the months of each period, plus covid-flagged ones."""
    rows: dict[str, list] = {"month": [], "category": [], "covid": []}
    periods = (dt.date(2020, 3, 1), dt.date(2021, 3, 1))
    for category, (prev, cur, _, _) in REPORT.items():
        if category == "Total":
            continue
        for covid, counts in ((False, (prev, cur)), (True, COVID[category])):
            for start, n in zip(periods, counts):
                for i in range(n):
                    m = start.month - 1 + i % 12
                    rows["month"].append(dt.date(start.year + m // 12, m % 12 + 1, 1))
                    rows["category"].append(category)
                    rows["covid"].append(covid)
    return pl.DataFrame(rows)


def test_excluding_covid_reproduces_the_scrutiny_report_table():
    result = compare_periods(asb_events(), end="2022-02", months=12, exclude_covid=True)
    assert result.params["periods"] == "2021-03..2022-02 vs 2020-03..2021-02"
    for row in result.table.iter_rows(named=True):
        prev, cur, change, pct = REPORT[row["category"]]
        assert (row["previous"], row["current"], row["change"]) == (prev, cur, change)
        assert round(100 * row["change"] / row["previous"]) == pct  # the report rounds to whole percent
        assert row["change_pct"] == round(100 * change / prev, 1)  # we give one decimal: -20.5 for its -21%
    assert result.table.row(-1, named=True)["change_pct"] == 5.9
    assert result.left_out == {"covid-related (excluded on request)": sum(a + b for a, b in COVID.values())}


def test_with_covid_the_same_events_show_the_distorted_fall():
    result = compare_periods(asb_events(), end="2022-02", months=12)
    total = result.table.row(-1, named=True)
    assert total["previous"] == 24_688 + sum(a for a, _ in COVID.values())
    assert total["current"] == 26_149 + sum(b for _, b in COVID.values())
    assert total["change_pct"] == round(100 * (total["current"] - total["previous"]) / total["previous"], 1) < 0
    assert any("flagged covid-related and are counted" in n for n in result.notes)


def test_excluding_covid_needs_a_covid_flag(events):
    with pytest.raises(ScanError, match="covid"):
        compare_periods(events, end="2025-12", months=6, exclude_covid=True)


def test_change_pct_is_empty_not_infinite_when_the_previous_period_had_none():
    frame = pl.DataFrame(
        {"month": [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 2, 1), dt.date(2025, 1, 1)], "category": ["Arson", "Arson", "Drugs", "Theft"]}
    )
    table = compare_periods(frame, end="2025-02", months=1)
    rows = {r["category"]: r for r in table.table.to_dicts()}
    assert rows["Drugs"] == {"category": "Drugs", "current": 1, "previous": 0, "change": 1, "change_pct": None}
    assert rows["Theft"]["change_pct"] == -100.0
    assert rows["Arson"]["change_pct"] == 0.0
    assert any("a rise from zero has no percentage" in n and "Drugs" in n for n in table.notes)


# --- incomplete months -----------------------------------------------------------------------


def monthly_totals(counts: Counter) -> dict[str, int]:
    totals: Counter = Counter()
    for (month, _), n in counts.items():
        totals[month] += n
    return dict(totals)


def test_real_months_are_not_flagged(counts):
    assert incomplete_months(monthly_totals(counts)) == []


def test_a_halved_month_is_flagged_with_its_reason(counts):
    totals = monthly_totals(counts)
    totals["2025-06"] //= 2
    (flag,) = incomplete_months(totals)
    assert flag["kind"] == "incomplete" and flag["month"] == "2025-06" and flag["events"] == totals["2025-06"]
    assert "looks incomplete" in flag["reason"]


def test_a_month_with_nothing_inside_the_data_is_flagged(counts):
    totals = monthly_totals(counts)
    del totals["2025-04"]
    assert [(f["kind"], f["month"]) for f in incomplete_months(totals)] == [("no_data", "2025-04")]


def test_small_series_are_not_flagged_for_ordinary_noise():
    """10 a month then 4: below 2/3 of the median, but chance does that (Poisson p = 0.03)."""
    small = {f"2025-{m:02d}": n for m, n in zip(range(1, 8), [10, 11, 9, 4, 10, 12, 9])}
    assert incomplete_months(small) == []
    small["2025-04"] = 0
    assert [f["kind"] for f in incomplete_months(small)] == ["no_data"]


def test_incomplete_months_take_a_frame_too(counts):
    totals = monthly_totals(counts)
    totals["2025-10"] = totals["2025-10"] // 2
    frame = pl.DataFrame({"month": [dt.date(int(m[:4]), int(m[5:]), 1) for m in totals], "events": list(totals.values())})
    assert [f["month"] for f in incomplete_months(frame)] == ["2025-10"]


def test_a_halved_month_inside_a_period_is_flagged_in_the_comparison(events):
    june = events.with_row_index().filter((pl.col("month") != dt.date(2025, 6, 1)) | (pl.col("index") % 2 == 0)).drop("index")
    result = compare_periods(june, end="2025-12", months=6)
    (flag,) = result.flags
    assert flag["month"] == "2025-06" and flag["kind"] == "incomplete"
    assert any("2025-06" in n and "flagged, still counted" in n for n in result.notes)
    # a comparison that does not include June is not flagged
    assert compare_periods(june, end="2025-12", months=3).flags == []


# --- rates per 1,000 residents ---------------------------------------------------------------

# Three Bolsover LSOAs with made-up populations, one with none recorded as 0.
POPULATION = pl.DataFrame({"area": ["E01019478", "E01019479", "E01019480"], "population": [1500, 2000, 0]})


def test_rates_per_area_with_a_zero_population_area_marked_not_divided(events, counts):
    selection = events.filter(pl.col("area").is_in(POPULATION["area"].implode()))
    result = compare_periods(selection, end="2025-12", months=6, by="area", population=POPULATION)
    rows = {r["category"]: r for r in result.table.to_dicts()}
    for area, pop in [("E01019478", 1500), ("E01019479", 2000)]:
        assert rows[area]["current_per_1000"] == pytest.approx(rows[area]["current"] * 1000 / pop)
        assert rows[area]["previous_per_1000"] == pytest.approx(rows[area]["previous"] * 1000 / pop)
    zero = rows["E01019480"]
    assert zero["current"] > 0 and zero["population"] == 0
    assert zero["current_per_1000"] is None and zero["previous_per_1000"] is None
    (flag,) = result.flags
    assert flag == {"kind": "no_population", "area": "E01019480", "events": zero["current"] + zero["previous"], "reason": flag["reason"]}
    assert "never divided by zero" in flag["reason"]
    total = rows["Total"]
    rated_current = rows["E01019478"]["current"] + rows["E01019479"]["current"]
    assert total["current_per_1000"] == pytest.approx(rated_current * 1000 / 3500)


def test_rates_by_category_use_the_areas_with_residents(events):
    selection = events.filter(pl.col("area").is_in(POPULATION["area"].implode()))
    result = compare_periods(selection, end="2025-12", months=6, population=POPULATION)
    rated = selection.filter(pl.col("area") != "E01019480", pl.col("month") >= dt.date(2025, 7, 1))
    asb = rated.filter(pl.col("category") == "Anti-social behaviour").height
    row = result.table.filter(pl.col("category") == "Anti-social behaviour").row(0, named=True)
    assert row["population"] == 3500
    assert row["current_per_1000"] == pytest.approx(asb * 1000 / 3500)
    assert any("left out of the rates" in n for n in result.notes)
    assert [f["area"] for f in result.flags] == ["E01019480"]


def test_rates_refused_when_no_area_has_residents(events):
    with pytest.raises(ScanError, match="no area with residents"):
        compare_periods(events, end="2025-12", months=6, population=POPULATION.with_columns(pl.lit(0).alias("population")))


def test_population_given_twice_for_an_area_is_refused(events):
    twice = pl.concat([POPULATION, POPULATION.head(1)])
    with pytest.raises(ScanError, match="more than once"):
        compare_periods(events, end="2025-12", months=6, population=twice)


# --- monthly series ---------------------------------------------------------------------------


def test_monthly_series_with_rolling_sums(events, counts):
    totals = monthly_totals(counts)
    result = monthly(events, rolling=3)
    table = result.table
    assert table["month"].to_list() == [dt.date(2025, m, 1) for m in range(1, 13)]
    assert table["events"].to_list() == [totals[m] for m in months(1, 12)]
    values = [totals[m] for m in months(1, 12)]
    assert table["rolling_sum"].to_list() == [None, None] + [sum(values[i - 2 : i + 1]) for i in range(2, 12)]
    assert table["rolling_mean"][-1] == pytest.approx(sum(values[-3:]) / 3)
    assert result.flags == []


def test_monthly_twelve_month_window_needs_twelve_months(events):
    result = monthly(events, rolling=12)
    assert result.table["rolling_sum"].to_list() == [None] * 11 + [102_621]


def test_monthly_by_category_fills_empty_months_with_zero():
    frame = pl.DataFrame({"month": [dt.date(2025, 1, 1), dt.date(2025, 3, 1), dt.date(2025, 3, 1)], "category": ["Arson", "Arson", "Drugs"]})
    result = monthly(frame, by="category", rolling=2)
    assert result.table.select("category", "events", "rolling_sum").rows() == [
        ("Arson", 1, None), ("Arson", 0, 1), ("Arson", 1, 1),
        ("Drugs", 0, None), ("Drugs", 0, 0), ("Drugs", 1, 1),
    ]  # fmt: skip
    assert [f["month"] for f in result.flags] == ["2025-02"]  # nothing at all in February: said
