"""Time patterns (``sara.scan.temporal``): day-of-week x hour with aoristic weights, the
busiest-window sentence, the month-of-year profile, and the police.uk months-only refusal.

Each test reads as an example: pass the ``occurred_from`` / ``occurred_to`` of the events
(Series, numpy arrays or lists), read the 7 x 24 table (``day``, ``"00"``..``"23"``), its
notes and what it left out. Aoristic weights are checked against a brute force that walks
every minute of every window; the Vancouver table against a plain count with ``csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import numpy as np
import polars as pl
import pytest

from sara.scan.result import ScanError
from sara.scan.temporal import DAYS, HOURS, busiest_window, busiest_windows, cells_of, day_hour, month_profile
from tests.conftest import shared

VANCOUVER = ("timestamped", "vancouver_2020", "crimedata_csv_AllNeighbourhoods_2020.csv")


def brute_force(windows: list[tuple[dt.datetime, dt.datetime]]) -> np.ndarray:
    """Aoristic weights the slow way: every minute from start to end (both included)
    carries 1/n of its event, added to that minute's weekday and hour."""
    cells = np.zeros((7, 24))
    for start, end in windows:
        first = start.replace(second=0, microsecond=0)
        n = int((end.replace(second=0, microsecond=0) - first).total_seconds() // 60) + 1
        for i in range(n):
            t = first + dt.timedelta(minutes=i)
            cells[t.weekday(), t.hour] += 1 / n
    return cells


def random_windows(rng: np.random.Generator, n: int, max_minutes: int) -> list[tuple[dt.datetime, dt.datetime]]:
    base = dt.datetime(2024, 12, 28)  # a Saturday: windows cross Sunday midnight into Monday
    out = []
    for _ in range(n):
        start = base + dt.timedelta(minutes=int(rng.integers(0, 14 * 24 * 60)), seconds=int(rng.integers(0, 60)))
        length = 0 if rng.random() < 0.3 else int(rng.integers(1, max_minutes))
        out.append((start, start + dt.timedelta(minutes=length, seconds=int(rng.integers(0, 60)))))
    return out


# --- aoristic weights --------------------------------------------------------------------------


def test_aoristic_weights_equal_a_minute_by_minute_brute_force():
    rng = np.random.default_rng(2002)
    windows = random_windows(rng, 300, 3 * 24 * 60)
    result = day_hour([a for a, _ in windows], [b for _, b in windows])
    assert cells_of(result) == pytest.approx(brute_force(windows), abs=1e-9)
    assert result.params["events"] == 300
    assert result.params["total_weight"] == pytest.approx(300)
    assert result.params["exact"] + result.params["windows"] == 300


def test_windows_longer_than_a_week_are_left_out_by_default_and_spread_exactly_on_request():
    rng = np.random.default_rng(1998)
    windows = random_windows(rng, 40, 24 * 60) + [
        (dt.datetime(2025, 1, 6, 9, 30), dt.datetime(2025, 1, 17, 18, 10)),  # 11 days
        (dt.datetime(2025, 2, 1, 23, 0), dt.datetime(2025, 2, 22, 1, 0)),  # 3 weeks and 2 hours
    ]
    starts, ends = [a for a, _ in windows], [b for _, b in windows]
    default = day_hour(starts, ends)
    assert default.left_out == {"window longer than 168 hours": 2}
    assert cells_of(default) == pytest.approx(brute_force(windows[:40]), abs=1e-9)
    kept = day_hour(starts, ends, max_window_hours=None)
    assert kept.left_out == {}
    assert cells_of(kept) == pytest.approx(brute_force(windows), abs=1e-9)


def test_a_date_alone_spreads_over_its_day():
    """The store keeps a date alone as 00:00:00 .. 23:59:59: 1/24 in each hour of that day."""
    result = day_hour([dt.datetime(2025, 3, 3)], [dt.datetime(2025, 3, 3, 23, 59, 59)])  # a Monday
    cells = cells_of(result)
    assert cells[0] == pytest.approx(np.full(24, 1 / 24))
    assert cells[1:].sum() == 0
    dates = day_hour(pl.Series([dt.date(2025, 3, 4)]))  # a Date column alone: the same rule
    assert cells_of(dates)[1] == pytest.approx(np.full(24, 1 / 24))
    assert any("dates only" in n for n in dates.notes)


def test_an_exact_time_counts_one_in_its_hour_and_numpy_minutes_are_accepted():
    times = np.array(["2025-03-07T16:05", "2025-03-07T16:59", "2025-03-09T23:00"], dtype="datetime64[m]")  # Fri, Fri, Sun
    table = day_hour(times).table
    assert table.filter(pl.col("day") == "Fri")["16"].item() == 2
    assert table.filter(pl.col("day") == "Sun")["23"].item() == 1
    assert table.columns == ["day", *HOURS] and table["day"].to_list() == list(DAYS)


def test_bad_windows_and_missing_times_are_left_out_with_counts():
    starts = [dt.datetime(2025, 3, 3, 10), dt.datetime(2025, 3, 3, 12), None, dt.datetime(2025, 3, 3, 9)]
    ends = [dt.datetime(2025, 3, 3, 11), dt.datetime(2025, 3, 3, 8), None, None]  # the second ends before it starts
    result = day_hour(starts, ends)
    assert result.left_out == {"no time (month only, as police.uk)": 1, "window ends before it starts": 1}
    assert result.params["events"] == 2 and result.params["exact"] == 1


def test_windows_vectorised_over_a_million_events():
    rng = np.random.default_rng(7)
    n = 1_000_000
    start = np.datetime64("2025-01-01T00:00") + rng.integers(0, 365 * 24 * 60, n).astype("timedelta64[m]")
    end = start + np.where(rng.random(n) < 0.5, 0, rng.integers(0, 3 * 24 * 60, n)).astype("timedelta64[m]")
    result = day_hour(start, end)
    assert result.params["total_weight"] == pytest.approx(n)
    sample = [(s.astype(dt.datetime), e.astype(dt.datetime)) for s, e in zip(start[:200], end[:200])]
    assert cells_of(day_hour(start[:200], end[:200])) == pytest.approx(brute_force(sample), abs=1e-9)


# --- police.uk: months only ---------------------------------------------------------------------


def test_police_uk_months_only_are_refused_not_invented():
    path = shared("policeuk", "derbyshire-2025", "2025-01-derbyshire-street.csv")
    events = pl.read_csv(path, infer_schema_length=0).select(pl.col("Month").str.to_date("%Y-%m").alias("month"))
    with pytest.raises(ScanError, match=r"no times, only months \(police.uk publishes the month"):
        day_hour(events)
    stored = events.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("occurred_from"), pl.lit(None, dtype=pl.Datetime("us")).alias("occurred_to"))
    with pytest.raises(ScanError, match="month_profile"):
        day_hour(stored)


def test_windows_as_long_as_months_are_refused_with_the_way_out():
    starts = [dt.datetime(2025, m, 1) for m in range(1, 4)]
    ends = [dt.datetime(2025, m + 1, 1) - dt.timedelta(seconds=1) for m in range(1, 4)]
    with pytest.raises(ScanError, match="3 window longer than 168 hours.*max_window_hours=None"):
        day_hour(starts, ends)


# --- Vancouver 2020: exact times, withheld rows out ----------------------------------------------


def vancouver_rows() -> list[dict]:
    """Rows with a time: VPD withholds location and time of offences against the person
    (X = Y = 0, HOUR = MINUTE = 0), so those are excluded."""
    with open(shared(*VANCOUVER), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if not (r["X"] and r["Y"] and float(r["X"]) == 0 and float(r["Y"]) == 0)]


def when(r: dict) -> dt.datetime:
    return dt.datetime(int(r["YEAR"]), int(r["MONTH"]), int(r["DAY"]), int(r["HOUR"]), int(r["MINUTE"]))


def test_vancouver_day_hour_table_equals_a_straightforward_count():
    rows = vancouver_rows()
    assert len(rows) == 37_512 - 3_750
    counted = Counter((when(r).weekday(), when(r).hour) for r in rows)
    result = day_hour([when(r) for r in rows])
    expected = np.array([[counted[(d, h)] for h in range(24)] for d in range(7)], dtype=float)
    assert np.array_equal(cells_of(result), expected)  # whole counts, exactly
    assert result.params["exact"] == len(rows) and result.left_out == {}
    # Unknown times entered as midnight are visible and said.
    assert any(n.startswith("1,688 events are timed exactly 00:00") for n in result.notes)
    assert result.notes[-1] == "Mon and Thu-Sun 17:00-01:00 hold 32% of incidents (24% of the week's hours)."


def test_vancouver_commercial_burglary_is_a_night_time_problem():
    rows = [r for r in vancouver_rows() if r["TYPE"] == "Break and Enter Commercial"]
    result = day_hour(pl.Series([when(r) for r in rows]), what="commercial burglaries")
    best = result.params["busiest_window"]
    assert best["stands_out"] and best["p"] <= 0.05
    assert result.notes[-1] == "Every day 00:00-06:00 hold 42% of commercial burglaries (25% of the week's hours)."


# --- the busiest-window sentence ------------------------------------------------------------------


def dexter_table() -> np.ndarray:
    """Op Dexter's pattern: Mondays, Tuesdays and Fridays 16:00-22:00 hold 41% of 1,000
    incidents; the rest are spread evenly."""
    cells = np.full((7, 24), 590 / 150)
    for day in (0, 1, 4):
        cells[day, 16:22] = 410 / 18
    return cells


def test_busiest_window_sentence_names_days_hours_and_share():
    assert busiest_windows(dexter_table()) == "Mon, Tue and Fri 16:00-22:00 hold 41% of incidents (11% of the week's hours)."
    table = pl.DataFrame({"day": list(DAYS), **{h: dexter_table()[:, i] for i, h in enumerate(HOURS)}})
    assert busiest_windows(table, what="calls for service").endswith("hold 41% of calls for service (11% of the week's hours).")
    best = busiest_window(dexter_table())
    assert best["days"] == [0, 1, 4] and best["start_hour"] == 16 and best["hours"] == 6


def test_busiest_window_may_cross_midnight_and_runs_of_days_read_as_ranges():
    cells = np.full((7, 24), 1.0)
    for day in (4, 5, 6):
        for hour in (22, 23, 0, 1, 2):
            cells[day, hour] = 12.0
    assert busiest_windows(cells, what="assaults").startswith("Fri-Sun 22:00-03:00 hold")


def test_an_even_spread_has_no_busiest_window():
    rng = np.random.default_rng(11)
    cells = rng.multinomial(5_000, np.full(168, 1 / 168)).reshape(7, 24).astype(float)
    assert busiest_windows(cells).startswith("No window stands out from an even spread over the week")
    assert busiest_windows(np.zeros((7, 24))) == "No incidents with times: there is no busiest window."


def test_few_events_are_called_a_hint():
    cells = np.zeros((7, 24))
    cells[2, 9] = 6
    cells[5, 14] = 1
    assert busiest_windows(cells).endswith("; only 7 incidents, so treat it as a hint.")


# --- month of year ---------------------------------------------------------------------------------


def test_month_profile_of_police_uk_months():
    folder = shared("policeuk", "derbyshire-2025")
    counted: Counter = Counter()
    for path in sorted(folder.glob("*-street.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            counted.update(int(r["Month"][5:7]) for r in csv.DictReader(f))
    events = pl.concat([pl.read_csv(p, infer_schema_length=0) for p in sorted(folder.glob("*-street.csv"))])
    months = events.select(pl.col("Month").str.to_date("%Y-%m").alias("month"))
    result = month_profile(months)
    assert result.table["events"].to_list() == [counted[m] for m in range(1, 13)]
    assert result.table["occurrences"].to_list() == [1] * 12
    assert result.table["index"].mean() == pytest.approx(1.0)
    assert result.notes == []
    # The store holds Oct-Dec 2024 too (with nothing in them for this selection): those months occur twice.
    longer = month_profile(months, loaded=("2024-10", "2025-12"))
    oct_ = longer.table.row(9, named=True)
    assert (oct_["occurrences"], oct_["mean"]) == (2, counted[10] / 2)
    assert any("compare the mean" in n for n in longer.notes)


def test_month_profile_says_which_months_are_not_in_the_data():
    rows = vancouver_rows()
    first_half = [when(r) for r in rows if int(r["MONTH"]) <= 6]
    result = month_profile(first_half)
    assert result.table["mean"].to_list()[6:] == [None] * 6
    assert any("do not include Jul, Aug, Sep, Oct, Nov, Dec" in n for n in result.notes)
