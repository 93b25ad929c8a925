"""The legal clock: table-driven deadlines per power across Christmas, Good Friday, Sundays,
month ends, 29 February and both clock changes (Europe/London)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sara.casework.clock import (
    LONDON,
    add_period,
    bank_holidays_ew,
    clock_note,
    easter_sunday,
    good_friday,
    period_beginning_with,
    period_following,
)


def L(*a):
    return datetime(*a, tzinfo=LONDON)


XMAS = {"christmas_day"}
S9 = {"christmas_day", "good_friday", "sundays"}

# (case, start, amount, unit, disregard, expected end)
CASES = [
    # s.77 closure notice 48 h (superintendent), Christmas Day disregarded
    ("s77 48h across Christmas", L(2024, 12, 24, 18, 0), 48, "hours", XMAS, L(2024, 12, 27, 18, 0)),
    ("s77 48h, no Christmas in range", L(2024, 12, 20, 9, 0), 48, "hours", XMAS, L(2024, 12, 22, 9, 0)),
    ("s77 48h from Christmas Day itself", L(2024, 12, 25, 11, 0), 48, "hours", XMAS, L(2024, 12, 28, 0, 0)),
    ("s77 24h (inspector) not extended by Christmas", L(2024, 12, 24, 18, 0), 24, "hours", set(), L(2024, 12, 25, 18, 0)),
    # spring clock change: 48 real hours from 00:30 GMT on the last Sunday in March
    ("s77 48h across spring change", L(2024, 3, 31, 0, 30), 48, "hours", XMAS, L(2024, 4, 2, 1, 30)),
    # s.80 hearing within 48 h of service, Christmas Day disregarded
    ("s80 hearing across Christmas", L(2023, 12, 23, 20, 0), 48, "hours", XMAS, L(2023, 12, 26, 20, 0)),
    ("s80 hearing across autumn change", L(2024, 10, 26, 12, 0), 48, "hours", XMAS, L(2024, 10, 28, 11, 0)),
    # s.9 arrest to court 24 h, Christmas Day, Good Friday and Sundays disregarded
    ("s9 across Good Friday", L(2025, 4, 17, 20, 0), 24, "hours", S9, L(2025, 4, 19, 20, 0)),
    ("s9 across Easter Sunday", L(2025, 4, 19, 20, 0), 24, "hours", S9, L(2025, 4, 21, 20, 0)),
    ("s9 across Christmas", L(2024, 12, 24, 10, 0), 24, "hours", S9, L(2024, 12, 26, 10, 0)),
    ("s9 Sunday + spring change", L(2025, 3, 29, 22, 0), 24, "hours", S9, L(2025, 3, 31, 22, 0)),
    ("s9 Christmas on Saturday then Sunday", L(2021, 12, 24, 12, 0), 24, "hours", S9, L(2021, 12, 27, 12, 0)),
    # s.35 dispersal exclusion 48 h across the autumn change (real hours)
    ("s35 48h across autumn change", L(2025, 10, 25, 20, 0), 48, "hours", set(), L(2025, 10, 27, 19, 0)),
    ("s35 48h across spring change", L(2025, 3, 29, 20, 0), 48, "hours", set(), L(2025, 3, 31, 21, 0)),
    # calendar days keep the wall clock across the spring change
    ("14 days across spring change", L(2024, 3, 18, 10, 0), 14, "days", set(), L(2024, 4, 1, 10, 0)),
    # s.60 PSPO up to 3 years; 29 February
    ("s60 PSPO 3y from 29 Feb", L(2024, 2, 29, 10, 0), 3, "years", set(), L(2027, 2, 28, 10, 0)),
    ("s60 PSPO 4y to a leap day", L(2024, 2, 29, 10, 0), 4, "years", set(), L(2028, 2, 29, 10, 0)),
    # s.80(6) closure order up to 3 months; month ends
    ("s80 order 3m from 30 Nov", L(2024, 11, 30, 14, 0), 3, "months", set(), L(2025, 2, 28, 14, 0)),
    ("s80 order 3m to leap Feb", L(2023, 11, 30, 14, 0), 3, "months", set(), L(2024, 2, 29, 14, 0)),
    ("s80 order 3m from 31 May", L(2024, 5, 31, 9, 0), 3, "months", set(), L(2024, 8, 31, 9, 0)),
    ("s82 6m total from 31 Aug", L(2023, 8, 31, 9, 0), 6, "months", set(), L(2024, 2, 29, 9, 0)),
    # s.1(6) youth injunction up to 12 months
    ("s1 12m from 29 Feb", L(2024, 2, 29, 16, 0), 12, "months", set(), L(2025, 2, 28, 16, 0)),
    # bank holidays (substitute days) where a local rule needs them
    ("bank holidays 2021 substitutes", L(2021, 12, 24, 9, 0), 1, "days", S9 | {"bank_holidays"}, L(2021, 12, 29, 9, 0)),
]


@pytest.mark.parametrize("name,start,amount,unit,disregard,expected", CASES, ids=[c[0] for c in CASES])
def test_add_period_table(name, start, amount, unit, disregard, expected):
    got = add_period(start, amount, unit, disregard=disregard)
    assert got == expected, f"{name}: {got.isoformat()} != {expected.isoformat()}"
    assert got.tzinfo is LONDON


BEGINNING_WITH = [
    # s.46(2) CPN appeal: 21 days beginning with the day of issue
    ("s46 from 9 Feb 2024 ends with 29 Feb", date(2024, 2, 9), 21, "days", L(2024, 3, 1, 0, 0)),
    ("s46 across Christmas (it counts)", date(2024, 12, 15), 21, "days", L(2025, 1, 5, 0, 0)),
    ("s46 month end", date(2023, 1, 31), 21, "days", L(2023, 2, 21, 0, 0)),
    # s.84(5) closure appeal: 21 days beginning with the decision, across the spring change
    ("s84 across spring change", date(2025, 3, 20), 21, "days", L(2025, 4, 10, 0, 0)),
    # s.66 PSPO challenge: 6 weeks beginning with the making, Good Friday counts
    ("s66 6 weeks from Good Friday", date(2024, 3, 29), 42, "days", L(2024, 5, 10, 0, 0)),
    # CBO youth review: 12 months beginning with the day it takes effect
    ("CBO review from 1 Mar 2024", date(2024, 3, 1), 12, "months", L(2025, 3, 1, 0, 0)),
    ("CBO review from 29 Feb 2024", date(2024, 2, 29), 12, "months", L(2025, 2, 28, 0, 0)),
]


@pytest.mark.parametrize("name,first,amount,unit,expected", BEGINNING_WITH, ids=[c[0] for c in BEGINNING_WITH])
def test_period_beginning_with(name, first, amount, unit, expected):
    assert period_beginning_with(first, amount, unit) == expected


FOLLOWING = [
    # s.52(5), s.68(4): no proceedings before the end of 14 days following the date of the FPN:
    # the notice's own day is not counted, the period is over at the midnight after day + 14
    ("s52 FPN on 1 March", date(2024, 3, 1), 14, "days", L(2024, 3, 16, 0, 0)),
    ("s52 across the spring change", date(2024, 3, 22), 14, "days", L(2024, 4, 6, 0, 0)),
    ("s52 across a month end", date(2023, 1, 31), 14, "days", L(2023, 2, 15, 0, 0)),
    ("s52 across 29 February", date(2024, 2, 20), 14, "days", L(2024, 3, 6, 0, 0)),
]


@pytest.mark.parametrize("name,day,amount,unit,expected", FOLLOWING, ids=[c[0] for c in FOLLOWING])
def test_period_following(name, day, amount, unit, expected):
    assert period_following(day, amount, unit) == expected
    # the same period 'beginning with' the next day
    assert period_following(day, amount, unit) == period_beginning_with(day + timedelta(days=1), amount, unit)


def test_following_counts_from_the_day_after_not_from_the_hour():
    # an FPN given at 23:50 on 1 March and one at 00:10 on 1 March end together
    assert period_following(L(2024, 3, 1, 23, 50).date(), 14, "days") == period_following(L(2024, 3, 1, 0, 10).date(), 14, "days")
    with pytest.raises(ValueError, match="needs a date"):
        period_following(L(2024, 3, 1, 9), 14, "days")


def test_beginning_with_disregarding_days():
    # 3 days beginning with Christmas Eve 2024, Christmas Day and Sundays not counted: 24, 26, 27
    assert period_beginning_with(date(2024, 12, 24), 3, "days", disregard=XMAS | {"sundays"}) == L(2024, 12, 28)


@pytest.mark.parametrize("year,expected", [(2008, date(2008, 3, 23)), (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)),
                                           (2025, date(2025, 4, 20)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))])
def test_easter(year, expected):
    assert easter_sunday(year) == expected
    assert good_friday(year) == expected - timedelta(days=2)


def test_bank_holidays_rules_and_substitutes():
    assert bank_holidays_ew(2024) == {date(2024, 1, 1), date(2024, 3, 29), date(2024, 4, 1), date(2024, 5, 6), date(2024, 5, 27),
                                     date(2024, 8, 26), date(2024, 12, 25), date(2024, 12, 26)}
    h21 = bank_holidays_ew(2021)
    assert date(2021, 12, 27) in h21 and date(2021, 12, 28) in h21 and date(2021, 12, 25) not in h21
    assert date(2022, 1, 3) in bank_holidays_ew(2022)  # New Year's Day on a Saturday
    assert date(2020, 5, 8) in bank_holidays_ew(2020) and date(2020, 5, 4) not in bank_holidays_ew(2020)
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= bank_holidays_ew(2022)
    assert date(2023, 5, 8) in bank_holidays_ew(2023)


@pytest.mark.parametrize("kwargs,msg", [
    (dict(start=datetime(2024, 1, 1, 9), amount=1, unit="hours"), "timezone-aware"),
    (dict(start=L(2024, 1, 1, 9), amount=1, unit="weeks"), "unknown unit"),
    (dict(start=L(2024, 1, 1, 9), amount=-1, unit="days"), "whole number"),
    (dict(start=L(2024, 1, 1, 9), amount=1.5, unit="days"), "whole number"),
    (dict(start=L(2024, 1, 1, 9), amount=1, unit="days", disregard={"easter"}), "cannot disregard"),
    (dict(start=L(2024, 1, 1, 9), amount=1, unit="months", disregard=XMAS), "not supported"),
])
def test_bad_input_is_refused(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        add_period(**kwargs)


def test_other_timezones_are_converted():
    utc = datetime(2024, 7, 1, 11, 0, tzinfo=UTC)
    assert add_period(utc, 1, "hours") == L(2024, 7, 1, 13, 0)


def test_clock_note_mentions_the_rules():
    note = clock_note()
    for word in ("Europe/London", "Christmas Day", "Good Friday", "Sundays", "real elapsed hours", "'following' a day", "version"):
        assert word in note


aware = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(LONDON))
dis_sets = st.sets(st.sampled_from(["christmas_day", "good_friday", "sundays", "bank_holidays"]))


@settings(max_examples=300, deadline=None)
@given(start=aware, hours=st.integers(0, 24 * 10), dis=dis_sets)
def test_hours_are_real_time_and_disregard_only_adds(start, hours, dis):
    plain = add_period(start, hours, "hours")
    assert plain.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=hours)
    got = add_period(start, hours, "hours", disregard=dis)
    assert got.astimezone(UTC) >= plain.astimezone(UTC)
    # never more than the hours plus the whole disregarded days that could fall in between
    assert got.astimezone(UTC) - plain.astimezone(UTC) <= timedelta(days=hours // 24 * 7 + 8)


@settings(max_examples=300, deadline=None)
@given(start=aware, months=st.integers(0, 60))
def test_months_land_on_the_corresponding_day_or_month_end(start, months):
    got = add_period(start, months, "months")
    assert (got.year * 12 + got.month) - (start.year * 12 + start.month) == months
    assert got.day == start.day or (got.day < start.day and (got + timedelta(days=1)).month != got.month)
