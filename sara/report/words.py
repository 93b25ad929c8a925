"""Numbers, months, lists and choices in the words a report uses: "January to June 2025",
"Burglary and Robbery", "1,820 m", "435,210". Pictures' titles and subtitles and the tables
people read are written with these, never with a Python list or a raw float; JSON and CSV
keep the exact values."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
KINDS = {"lsoa": "LSOA", "ward": "ward", "district": "district", "custom": "drawn area"}
CORRECTIONS = {"fdr": "Benjamini-Hochberg false discovery rate", "bonferroni": "Bonferroni correction", "none": "no correction for many cells"}


def listed(items: Iterable[str], *, none: str = "") -> str:
    """``["a", "b", "c"]`` as "a, b and c"."""
    items = [str(i) for i in items]
    if not items:
        return none
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def categories(value) -> str:
    """The categories of a selection: "all" (or none given) is "crime and ASB"."""
    if value in (None, "all") or value == []:
        return "crime and ASB"
    return listed([value] if isinstance(value, str) else value)


def capital(text: str) -> str:
    """``text`` with its first letter a capital, the rest as it was ("ASB" stays)."""
    return text[:1].upper() + text[1:]


def month(text: str | dt.date) -> str:
    """``2025-03`` (or a date) as "March 2025"."""
    year, number = (text.year, text.month) if isinstance(text, dt.date) else (int(p) for p in str(text)[:7].split("-"))
    return f"{MONTHS[number - 1]} {year}"


def months(first: str | None, last: str | None) -> str:
    """A span of months: "January to June 2025", "November 2024 to March 2025", "from
    March 2025", "" when neither end is given."""
    if first and last:
        if str(first)[:7] == str(last)[:7]:
            return month(first)
        a, b = month(first).split(), month(last).split()
        return f"{a[0]} to {month(last)}" if a[1] == b[1] else f"{month(first)} to {month(last)}"
    if first:
        return f"from {month(first)}"
    if last:
        return f"to {month(last)}"
    return ""


def span(text: str) -> str:
    """A span written ``2025-01..2025-06`` (as ``params`` carry them) in words."""
    first, _, last = str(text).partition("..")
    return months(first, last or first)


def metres(value: float) -> str:
    """1820.19 as "1,820 m", 12500 as "12.5 km"."""
    if value >= 10_000:
        return f"{value / 1000:,.1f} km".replace(".0 km", " km")
    return f"{value:,.0f} m"


def number(value) -> str:
    """A value for a table a person reads: thousands separators, no exponent, as many
    decimals as its size needs (435,210; 12.4; 0.0123; <0.001); dates as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        size = abs(value)
        if value == 0 or size >= 100:
            return f"{value:,.0f}"
        if size >= 10:
            return f"{value:,.1f}"
        if size >= 1:
            return f"{value:,.2f}"
        if size >= 0.001:
            return f"{value:.3g}"
        return "<0.001" if value > 0 else ">-0.001"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(number(v) for v in value)
    return str(value)


def column(values: list) -> list[str]:
    """A column of numbers for a table, all to the same decimals: as many as their typical
    size needs (3,555; 12.6; 0.976), fewer when fewer show them exactly (a % change to one
    decimal), a value too small for them shown as "<0.001"."""
    numbers = [v for v in values if isinstance(v, float) and math.isfinite(v)]
    if not numbers or len(numbers) != sum(v is not None for v in values if not (isinstance(v, float) and math.isnan(v))):
        return [number(v) for v in values]
    sizes = sorted(abs(v) for v in numbers if v)
    typical = sizes[len(sizes) // 2] if sizes else 0.0
    needed = 0 if typical >= 100 else 1 if typical >= 10 else 2 if typical >= 1 else 3
    exact = min(next((d for d in range(3) if all(abs(v - round(v, d)) < 1e-9 * max(1.0, abs(v)) for v in numbers)), needed), needed)

    def shown(v) -> str:
        if not isinstance(v, float) or not math.isfinite(v):
            return number(v)
        text = f"{v:,.{exact}f}"
        if v and not float(text.replace(",", "")):
            return f"<{10 ** -exact:.{exact}f}" if v > 0 else f">-{10 ** -exact:.{exact}f}"
        return text

    return [shown(v) for v in values]


def selection(params: dict) -> str:
    """What a scan ran on, in words: "Anti-social behaviour in Bolsover (E07000033),
    January to December 2025", or the points file read."""
    if params.get("points"):
        what = f"Points from {str(params['points']).rsplit('/', 1)[-1]}"
    else:
        what = capital(categories(params.get("categories")))
    area = params.get("area")
    if area:
        name = params.get("area_name")
        what += f" in {name} ({area})" if name and name != area else f" in {area}"
    when = months(params.get("from"), params.get("to"))
    return what + (f", {when}" if when else "")


def cells(params: dict) -> str:
    """The grid of a result: "250 m square cells (chosen automatically)"."""
    if not params.get("cell_size"):
        return ""
    shape = "hexagonal" if params.get("grid") == "hex" else "square"
    return f"{metres(params['cell_size'])} {shape} cells" + (" (chosen automatically)" if params.get("cell_size_auto") else "")


def sentence(*parts: str) -> str:
    """Non-empty parts joined by semicolons."""
    return "; ".join(p for p in parts if p)
