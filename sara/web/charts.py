"""Charts drawn as plain numbers for SVG templates (no script, no inline style): the page
draws bars with classes from SARA's stylesheet, and a table beside each gives the figures."""

from __future__ import annotations

import math


def _month_index(month: str) -> int:
    year, mon = month.split("-")[:2]
    return int(year) * 12 + int(mon) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _nice_step(top: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5 times a power of ten) giving about ``ticks`` gridlines up to ``top``."""
    if top <= ticks:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)  # pragma: no cover


def month_chart(months: list[dict], width: int = 640, height: int = 300) -> dict:
    """Bars for events per month, as plain numbers for an SVG template.

    ``months`` is ``[{"month": "2025-01", "events": 204}, ...]`` as ``status()`` gives it.
    Months with no events between the first and the last are drawn as zero, so the time axis
    is even. Returns the filled series (for the table beside the chart), the bars, y gridlines
    and x labels, all in SVG user units.
    """
    counts = {_month_index(m["month"]): m["events"] for m in months if m.get("month")}
    if not counts:
        return {"width": width, "height": height, "series": [], "bars": [], "yticks": [], "xlabels": [], "peak": 0}
    first, last = min(counts), max(counts)
    series = [{"month": _month_name(i), "events": counts.get(i, 0)} for i in range(first, last + 1)]
    left, right, top, bottom = 56, 12, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(s["events"] for s in series)
    step = _nice_step(max(peak, 1))
    y_max = step * math.ceil(max(peak, 1) / step)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / y_max), 2)

    slot = plot_w / len(series)
    bar_w = min(slot * 0.8, 56)
    bars = []
    for i, s in enumerate(series):
        x = left + i * slot + (slot - bar_w) / 2
        bars.append(
            {
                "month": s["month"],
                "events": s["events"],
                "x": round(x, 2),
                "y": y(s["events"]),
                "w": round(max(bar_w, 0.5), 2),
                "h": round(top + plot_h - y(s["events"]), 2),
                "cx": round(x + bar_w / 2, 2),
            }
        )
    yticks = [{"value": v, "y": y(v)} for v in range(0, y_max + 1, step)]
    # Label at most 8 months, on calendar boundaries (every Jan, Apr, Jul, Oct; every January...).
    label_every = next(k for k in (1, 2, 3, 6, 12, 24, 60, 120, 10**9) if len(series) / k <= 8)
    xlabels = [{"x": b["cx"], "text": b["month"]} for i, b in enumerate(bars) if (first + i) % label_every == 0]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "base": top + plot_h,
        "series": series,
        "bars": bars,
        "yticks": yticks,
        "xlabels": xlabels,
        "peak": peak,
    }
