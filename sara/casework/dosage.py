"""Patrol dosage: how much police presence each hotspot got, per UK calendar day.

Hot spots policing works through presence, and presence has a dose. Koper (1995, "Just
enough police presence: reducing crime and disorderly behavior by optimizing patrol time in
crime hot spots", *Justice Quarterly* 12(4), 649-672) found, in the Minneapolis Hot Spots
Patrol Experiment, that the longer officers stayed at a hot spot the longer disorder stayed
away after they left, up to about 14-15 minutes, beyond which the residual deterrence fell
away: the "Koper curve". Home Office Grip / Hotspot Action Fund returns ask forces exactly
this: where officers patrolled, for how long and to what outcome.

What is measured (pure functions: no database, times naive UTC as stored, or aware):

* **visits**: the patrols at a site that touch a given UK day (a patrol from 23:30 to 00:30
  is a visit on both days; one ending exactly at midnight does not touch the next day:
  intervals are half-open ``[start, end)``).
* **minutes present**: the length of the *union* of the site's patrol intervals within the
  day, so two crews there at once count once. Days are UK calendar days (Europe/London):
  patrols are split at UK midnight, so the 23-hour day of 29 March 2026 and the 25-hour day
  of 25 October 2026 hold their real elapsed minutes.
* **officer-minutes**: the sum over patrols of (their minutes within the day x officers).
* per site overall, **the share of visits of 15 minutes or more** (``KOPER_MINUTES``): each
  patrol is one visit with its whole length, the measure Koper's curve is drawn on.

``by_day`` and ``by_site`` take an iterable of mappings (or a polars frame) with ``site``,
``start``, ``end`` and ``officers``, and return polars frames, sites in the order first seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import polars as pl

from sara.casework.clock import LONDON

KOPER_MINUTES = 15
DAY_SCHEMA = {"site": pl.String, "day": pl.Date, "visits": pl.Int64, "minutes_present": pl.Float64, "officer_minutes": pl.Float64}
SITE_SCHEMA = {
    "site": pl.String, "patrols": pl.Int64, "days": pl.Int64, "minutes_present": pl.Float64, "officer_minutes": pl.Float64,
    "mean_visit_minutes": pl.Float64, "visits_15_plus": pl.Int64, "share_15_plus": pl.Float64,
}  # fmt: skip


def as_utc(t: dt.datetime) -> dt.datetime:
    """``t`` as an aware UTC time; a naive time is taken to be UTC (as the database stores it)."""
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def uk_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant UK day ``day`` begins (UK clocks never change at midnight)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).astimezone(dt.UTC)


def uk_day(t: dt.datetime) -> dt.date:
    return as_utc(t).astimezone(LONDON).date()


def split_days(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """``[start, end)`` cut at UK midnights: (UK day, piece start, piece end) in UTC."""
    s, e = as_utc(start), as_utc(end)
    out = []
    day = uk_day(s)
    while s < e:
        nxt = uk_midnight(day + dt.timedelta(days=1))
        out.append((day, s, min(e, nxt)))
        s, day = nxt, day + dt.timedelta(days=1)
    return out


def union_minutes(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> float:
    """Minutes covered by the union of ``[start, end)`` intervals (overlaps counted once)."""
    total = 0.0
    cur_s = cur_e = None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += (cur_e - cur_s).total_seconds()
            cur_s, cur_e = s, e
        elif e > cur_e:
            cur_e = e
    if cur_e is not None:
        total += (cur_e - cur_s).total_seconds()
    return total / 60


def _rows(patrols) -> list[Mapping]:
    if isinstance(patrols, pl.DataFrame):
        return patrols.to_dicts()
    return list(patrols)


def _in(day: dt.date, first: dt.date | None, last: dt.date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)


def by_day(patrols, *, first: dt.date | None = None, last: dt.date | None = None) -> pl.DataFrame:
    """Visits, minutes present (union) and officer-minutes per site per UK day, optionally
    only the days ``first`` to ``last`` (inclusive)."""
    pieces: dict[tuple[str, dt.date], list] = {}
    for p in _rows(patrols):
        for day, s, e in split_days(p["start"], p["end"]):
            if _in(day, first, last):
                pieces.setdefault((p["site"], day), []).append((s, e, int(p.get("officers", 1))))
    order = {}
    for site, _ in pieces:
        order.setdefault(site, len(order))
    rows = [{"site": site, "day": day, "visits": len(ps), "minutes_present": union_minutes((s, e) for s, e, _ in ps),
             "officer_minutes": sum((e - s).total_seconds() / 60 * n for s, e, n in ps)}
            for (site, day), ps in sorted(pieces.items(), key=lambda kv: (order[kv[0][0]], kv[0][1]))]  # fmt: skip
    return pl.DataFrame(rows, schema=DAY_SCHEMA)


def by_site(patrols, *, first: dt.date | None = None, last: dt.date | None = None) -> pl.DataFrame:
    """Per site: patrols (touching the days), days with presence, minutes present (the sum
    of the daily unions), officer-minutes, mean visit length and the share of visits of at
    least 15 minutes (each patrol one visit, its whole length)."""
    rows = _rows(patrols)
    days = by_day(rows, first=first, last=last)
    visits: dict[str, list[float]] = {}
    for p in rows:
        if any(_in(d, first, last) for d, _, _ in split_days(p["start"], p["end"])):
            visits.setdefault(p["site"], []).append((as_utc(p["end"]) - as_utc(p["start"])).total_seconds() / 60)
    out = []
    for site, lengths in visits.items():
        mine = days.filter(pl.col("site") == site)
        long = sum(1 for m in lengths if m >= KOPER_MINUTES)
        out.append({"site": site, "patrols": len(lengths), "days": mine.height, "minutes_present": float(mine["minutes_present"].sum()),
                    "officer_minutes": float(mine["officer_minutes"].sum()), "mean_visit_minutes": sum(lengths) / len(lengths),
                    "visits_15_plus": long, "share_15_plus": long / len(lengths)})  # fmt: skip
    return pl.DataFrame(out, schema=SITE_SCHEMA)
