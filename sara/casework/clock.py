"""The legal clock: one function that adds a statutory period to a moment.

Every deadline in SARA's casework is computed here, so that the rules the Act sets for
counting (which days to disregard, real elapsed hours, calendar months) live in one place.

How the clock counts
--------------------
* ``hours``: real elapsed time (UTC arithmetic), so a period that spans a clock change is
  still exactly N hours long; the answer is shown in Europe/London wall-clock time. A
  48-hour closure notice served at 01:30 GMT on the last Sunday in March ends at 02:30 BST
  on the Tuesday (48 real hours later, one wall-clock hour "later").
* ``days``: whole calendar days, keeping the wall-clock time (resolved in Europe/London).
* ``months`` / ``years``: calendar months (Interpretation Act 1978, Sch. 1): the same day
  of the later month, or that month's last day when it has no such day (31 January + 1
  month = 28/29 February; 29 February + 1 year = 28 February).
* ``disregard``: days the Act tells us to leave out of the count. Each disregarded day is
  a whole local day (midnight to midnight, Europe/London). For ``hours`` the time inside
  such a day does not run; for ``days`` such a day is not counted. Months/years cannot
  disregard days (no provision of the 2014 Act asks for it) and are refused if asked.

Where each power's clock comes from (Anti-social Behaviour, Crime and Policing Act 2014;
values and their verification status are in ``data/asb_powers_2014.toml``):

* s.9(3)-(4): arrest under a power of arrest attached to an injunction: before a judge
  within 24 hours, disregarding Christmas Day, Good Friday and any Sunday.
* s.34: dispersal authorisation for a period of up to 48 hours (real hours).
* s.35(4), (8): dispersal direction: exclusion up to 48 hours; a variation may not extend
  it beyond 48 hours from when first given.
* s.43(5): CPW then CPN: "enough time to deal with the matter": no fixed statutory length;
  the time is the one written in the warning.
* s.46(2): CPN appeal: 21 days beginning with the day the notice is issued.
* s.52(5), s.68(4): no proceedings "before the end of the period of 14 days following the
  date of the notice": the day of the notice does not count, so an FPN given at any time on
  1 March may be prosecuted from midnight starting 16 March (:func:`period_following`).
* s.60: PSPO up to 3 years, extendable by up to 3 years at a time.
* s.66: High Court challenge to a PSPO within 6 weeks of the order or its variation.
* s.77(1)-(3): closure notice up to 24 hours, or 48 hours if issued by a superintendent or
  above (or signed by a local authority chief executive or designee); Christmas Day is
  disregarded in calculating when the 48 hours end.
* s.80(3)-(4): the closure order application must be heard within 48 hours after service
  of the closure notice, Christmas Day disregarded.
* s.80(6), s.82: closure order up to 3 months, extendable to no more than 6 months in total.
* s.81: the court may continue the notice for up to 48 hours or adjourn for up to 14 days.
* s.84(5): appeal against a closure order decision within 21 days beginning with the
  date of the decision.
* s.1(6): injunction against someone under 18: a fixed period of no more than 12 months.
* CBO (s.25, since 1 December 2020 Sentencing Act 2020 s.339): adult at least 2 years or
  indefinite; under 18: 1 to 3 years.

"Beginning with the day" periods (ss.46(2), 84(5)) include the first day, so they end at
midnight at the end of day ``first + N - 1``: see :func:`period_beginning_with`. Periods
"following" a day (ss.52(5), 68(4)) start the day after it and end at midnight at the end of
day ``day + N``: see :func:`period_following`.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UNITS = ("hours", "days", "months", "years")
DISREGARDABLE = frozenset({"christmas_day", "good_friday", "sundays", "bank_holidays"})

# One-off England & Wales bank holidays and moved fixed ones (proclamations); the regular
# ones are computed by rule in bank_holidays_ew().
_EXTRA_BANK_HOLIDAYS = {
    date(1999, 12, 31),  # Millennium
    date(2002, 6, 3),  # Golden Jubilee (Spring bank holiday moved to 4 June)
    date(2011, 4, 29),  # Royal wedding
    date(2012, 6, 5),  # Diamond Jubilee (Spring bank holiday moved to 4 June)
    date(2022, 6, 3),  # Platinum Jubilee (Spring bank holiday moved to 2 June)
    date(2022, 9, 19),  # State funeral of Queen Elizabeth II
    date(2023, 5, 8),  # Coronation of King Charles III
}
_SPRING_MOVED = {2002: date(2002, 6, 4), 2012: date(2012, 6, 4), 2022: date(2022, 6, 2)}
_EARLY_MAY_MOVED = {1995: date(1995, 5, 8), 2020: date(2020, 5, 8)}


def clock_note() -> str:
    """A plain-English note on how SARA counts legal time (for pages and exports)."""
    return (
        "Deadlines are counted by one legal clock in UK time (Europe/London). Hours are real "
        "elapsed hours, so a period across a clock change is still exactly that many hours; "
        "days are calendar days; months and years are calendar months (the same day of the "
        "later month, or its last day if there is no such day). Where the Act says so, "
        "Christmas Day, Good Friday and Sundays are left out of the count as whole days "
        "(ss.9(4), 77(3), 80(4) of the Anti-social Behaviour, Crime and Policing Act 2014). "
        "Periods 'beginning with' a day include that day; periods 'following' a day start the "
        "day after it. Each deadline names the rule "
        "version and the section it comes from; a case keeps the version in force when it began."
    )


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def good_friday(year: int) -> date:
    return easter_sunday(year) - timedelta(days=2)


def _substitute(d: date, taken: set[date]) -> date:
    """Move a fixed holiday off a weekend (and off a day already taken) to the next weekday."""
    while d.weekday() >= 5 or d in taken:
        d += timedelta(days=1)
    return d


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    d = date(year, month, calendar.monthrange(year, month)[1])
    return d - timedelta(days=d.weekday())


def bank_holidays_ew(year: int) -> set[date]:
    """England & Wales bank holidays for a year, computed by rule with substitute days.

    New Year's Day, Good Friday, Easter Monday, early May (first Monday; from 1978), spring
    (last Monday in May), summer (last Monday in August), Christmas Day and Boxing Day, with
    weekend substitutes; plus the one-off and moved days in ``_EXTRA_BANK_HOLIDAYS``.
    """
    days: set[date] = set()
    days.add(_substitute(date(year, 1, 1), days))
    days.add(good_friday(year))
    days.add(easter_sunday(year) + timedelta(days=1))
    if year >= 1978:
        days.add(_EARLY_MAY_MOVED.get(year, _first_monday(year, 5)))
    days.add(_SPRING_MOVED.get(year, _last_monday(year, 5)))
    days.add(_last_monday(year, 8))
    xmas = _substitute(date(year, 12, 25), days)
    days.add(xmas)
    days.add(_substitute(date(year, 12, 26), days))
    days |= {d for d in _EXTRA_BANK_HOLIDAYS if d.year == year}
    return days


def is_disregarded(day: date, disregard: set[str] | frozenset[str]) -> bool:
    if "christmas_day" in disregard and (day.month, day.day) == (12, 25):
        return True
    if "good_friday" in disregard and day == good_friday(day.year):
        return True
    if "sundays" in disregard and day.weekday() == 6:
        return True
    return "bank_holidays" in disregard and day in bank_holidays_ew(day.year)


def _check(start: datetime, amount: int, unit: str, disregard) -> frozenset[str]:
    if not isinstance(start, datetime) or start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("the start of a legal period must be a timezone-aware datetime (Europe/London), not a naive one")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError(f"a legal period must be a whole number of {unit} (0 or more), got {amount!r}")
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
    dis = frozenset(disregard or ())
    unknown = dis - DISREGARDABLE
    if unknown:
        raise ValueError(f"cannot disregard {sorted(unknown)}: choose from {sorted(DISREGARDABLE)}")
    if dis and unit in ("months", "years"):
        raise ValueError(f"disregarding days in a period of {unit} is not supported (no 2014 Act period needs it)")
    return dis


def _local_midnight(day: date) -> datetime:
    """The instant local midnight begins ``day`` in Europe/London (midnight always exists in the UK)."""
    return datetime.combine(day, time(0), tzinfo=LONDON)


def _wall(d: date, t: time, fold: int) -> datetime:
    """A London wall-clock time made real: a time skipped by the spring change moves forward."""
    local = datetime.combine(d, t, tzinfo=LONDON).replace(fold=fold)
    return local.astimezone(UTC).astimezone(LONDON)


def add_period(start: datetime, amount: int, unit: str, *, disregard=frozenset()) -> datetime:
    """Add a statutory period to ``start`` and return the end in Europe/London time.

    ``unit`` is "hours" (real elapsed time), "days" (calendar days, same wall-clock time),
    "months" or "years" (calendar months, clamped to month end). ``disregard`` is a set of
    "christmas_day", "good_friday", "sundays", "bank_holidays": whole local days that do not
    count. See the module docstring for the statutory sources.
    """
    dis = _check(start, amount, unit, disregard)
    local = start.astimezone(LONDON)
    if unit == "hours":
        cur = start.astimezone(UTC)
        remaining = timedelta(hours=amount)
        while True:
            day = cur.astimezone(LONDON).date()
            next_midnight = _local_midnight(day + timedelta(days=1)).astimezone(UTC)
            if is_disregarded(day, dis):
                cur = next_midnight
                continue
            if remaining <= timedelta(0):
                break
            step = min(remaining, next_midnight - cur)
            cur += step
            remaining -= step
            if remaining <= timedelta(0):
                break
        return cur.astimezone(LONDON)
    if unit == "days":
        day = local.date()
        counted = 0
        while counted < amount:
            day += timedelta(days=1)
            if not is_disregarded(day, dis):
                counted += 1
        return _wall(day, local.timetz().replace(tzinfo=None), local.fold)
    months = amount * (12 if unit == "years" else 1)
    y, m = divmod(local.month - 1 + months, 12)
    y += local.year
    m += 1
    d = min(local.day, calendar.monthrange(y, m)[1])
    return _wall(date(y, m, d), local.timetz().replace(tzinfo=None), local.fold)


def period_beginning_with(first_day: date, amount: int, unit: str, *, disregard=frozenset()) -> datetime:
    """End of a period "beginning with" ``first_day`` (that day counts as day one).

    Returns the instant the period is over: local midnight at the end of its last day.
    21 days beginning with 1 March end at the end of 21 March (midnight starting 22 March).
    """
    if not isinstance(first_day, date) or isinstance(first_day, datetime):
        raise ValueError(f"a period 'beginning with' a day needs a date, got {first_day!r}")
    if unit == "hours":
        raise ValueError("a period 'beginning with a day' is counted in days, months or years, not hours")
    start = _local_midnight(first_day)
    dis = _check(start, amount, unit, disregard)
    if unit != "days":
        return _local_midnight(add_period(start, amount, unit).date())
    if amount == 0:
        return start
    day = first_day
    counted = 0
    while True:
        if not is_disregarded(day, dis):
            counted += 1
            if counted == amount:
                return _local_midnight(day + timedelta(days=1))
        day += timedelta(days=1)


def period_following(day: date, amount: int, unit: str, *, disregard=frozenset()) -> datetime:
    """End of a period "following" ``day`` (the day itself does not count; the period begins
    with the next day), as the instant it is over: local midnight at the end of its last day.

    s.52(5): no proceedings "before the end of the period of 14 days following the date of
    the notice": for a notice given on 1 March that period is 2 to 15 March, over at the
    midnight starting 16 March, whatever the time of day the notice was given.
    """
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValueError(f"a period 'following' a day needs a date, got {day!r}")
    return period_beginning_with(day + timedelta(days=1), amount, unit, disregard=disregard)
