"""Periods a performance-scrutiny report compares, and the change between them: whole months,
April-March years, the latest 12 months against the 12 before, change and % change.

The Derbyshire PCC's performance-scrutiny report (Priority 2, neighbourhood crime and ASB,
May 2022) sets the shapes: "ASB incidents by type" for each April-March year and the latest
12 months (5.4), the latest 12 months against the previous 12 with "Change" and "% Change"
(5.13), and forces compared over two April-March years (5.19). Pure functions of months
(``datetime.date``, the first of the month) and counts, so every number can be checked by hand.

Rules:

- A month is written ``YYYY-MM``; anything else is refused naming the field.
- An April-March year is named by its first year's April: ``2024-25`` runs April 2024 to
  March 2025 (the police and local-government year).
- ``change`` is current minus previous; ``change_pct`` is ``100 * change / previous`` to one
  decimal, and None (not infinite, not zero) when the previous count is 0 or unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from sara.errors import Invalid

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TOTAL = "Total"


def parse_month(text: str, field: str) -> dt.date:
    """``2025-03`` as 1 March 2025, or ``Invalid`` naming ``field``."""
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        raise Invalid(f"{text!r} is not a month", field=field, fix="write it YYYY-MM, for example 2025-03")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def index(month: dt.date) -> int:
    return month.year * 12 + month.month - 1


def from_index(i: int) -> dt.date:
    return dt.date(i // 12, i % 12 + 1, 1)


def shift(month: dt.date, months: int) -> dt.date:
    """The month ``months`` after (before, if negative) ``month``."""
    return from_index(index(month) + months)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last``, both included (empty if ``last`` is before)."""
    return [from_index(i) for i in range(index(first), index(last) + 1)]


def span(first: dt.date, last: dt.date) -> str:
    return f"{label(first)}..{label(last)}"


def before(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period of as many months just before ``first``..``last``."""
    n = index(last) - index(first) + 1
    return shift(first, -n), shift(first, -1)


def year_of(month: dt.date) -> int:
    """The April-March year a month falls in, by its first calendar year (Jan 2025 is 2024-25)."""
    return month.year if month.month >= 4 else month.year - 1


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def year_months(year: int) -> list[dt.date]:
    return months(dt.date(year, 4, 1), dt.date(year + 1, 3, 1))


def years(loaded: Iterable[dt.date]) -> list[int]:
    """The April-March years holding any of the months ``loaded``, in order."""
    return sorted({year_of(m) for m in loaded})


def missing(first: dt.date, last: dt.date, loaded: set[dt.date]) -> list[dt.date]:
    """The months of ``first``..``last`` not in ``loaded``."""
    return [m for m in months(first, last) if m not in loaded]


def change(current: int | float | None, previous: int | float | None) -> tuple[int | float | None, float | None]:
    """(change, % change): None when either is unknown; % change None when previous is 0."""
    if current is None or previous is None:
        return None, None
    diff = current - previous
    return diff, (round(100 * diff / previous, 1) if previous else None)


def compare(current: Mapping[str, int], previous: Mapping[str, int] | None, order: Iterable[str] = (), *, current_missing: bool = False) -> list[tuple]:
    """Rows ``(category, current, previous, change, change_pct)``: the categories of
    ``order`` first (even when absent: 0), then any other in either mapping alphabetically,
    and a ``Total`` row. ``previous`` None (no data for that period): previous, change and
    % change are None, never 0; ``current_missing`` likewise for the current period."""
    order = list(order)
    seen = set(order)
    rest = sorted((set(current) | set(previous or {})) - seen)
    rows = []
    for category in order + rest:
        c = None if current_missing else current.get(category, 0)
        p = None if previous is None else previous.get(category, 0)
        rows.append((category, c, p, *change(c, p)))
    total_c = None if current_missing else sum(current.values())
    total_p = None if previous is None else sum(previous.values())
    rows.append((TOTAL, total_c, total_p, *change(total_c, total_p)))
    return rows


def share(counts: Mapping[str, int], keys: Iterable[str]) -> list[float | None]:
    """Each key's percentage of the total, one decimal; None for all when the total is 0."""
    total = sum(counts.values())
    return [round(100 * counts.get(k, 0) / total, 1) if total else None for k in keys]


def per_1000(count: int | None, population: int | None) -> float | None:
    """Events per 1,000 residents, two decimals; None without a population (never divided by 0)."""
    if count is None or not population:
        return None
    return round(1000 * count / population, 2)
