"""Time patterns: when in the week, and when in the year, events happen.

- ``day_hour``: a day-of-week x hour table (7 rows, Mon..Sun; 24 columns ``"00"``..``"23"``)
  of aoristic weights. An event known to the minute counts 1 in its hour. An event known
  only within a window (``occurred_from`` .. ``occurred_to``, a burglary found on return
  from holiday) spreads its 1 over the hours the window spans, in proportion to the minutes
  it has in each: aoristic analysis (Ratcliffe & McCullagh 1998, "Aoristic crime
  analysis", IJGIS 12(7); Ratcliffe 2000, "Aoristic analysis: the spatial interpretation
  of unspecific temporal events", IJGIS 14(7); Ratcliffe 2002, "Aoristic signatures and
  the spatio-temporal analysis of high volume crime patterns", Journal of Quantitative
  Criminology 18(1)).
- ``month_profile``: events per calendar month (Jan..Dec), with the mean per occurrence of
  that month in the data, so a month that appears twice is not counted as twice as busy.
- ``busiest_windows``: the one-line summary of a day x hour table, "Mon, Tue and Fri
  16:00-22:00 hold 41% of incidents (11% of the week's hours)".

Rules, so the answers can be checked:

- Minutes. A window covers every minute from the minute of ``occurred_from`` to the minute
  of ``occurred_to``, both included (the store keeps ``occurred_to`` inclusive: a date
  alone is 00:00:00 to 23:59:59, so it spreads 1/24 over each hour). Each of those minutes
  carries an equal share of the event; an exact time (``occurred_to`` equal to
  ``occurred_from``, or not given) is one minute. Times are taken as the source's local
  wall-clock time; a time zone, if any, is dropped, not converted.
- Long windows. A window longer than ``max_window_hours`` (default 168, one week) is left
  out and counted in ``left_out``: it says almost nothing about the time of day, and spread
  over the week it would only flatten the table. ``max_window_hours=None`` keeps every
  window: whole weeks spread evenly over the 168 cells, the remainder over its own hours.
- Months only. police.uk publishes the month of each crime, never the day or time; such
  events have no ``occurred_from``. They are left out with that reason, and when no event
  has a time the table is refused (``ScanError``) rather than invented. Use
  ``month_profile`` for them.
- The busiest window is the set of days and the band of consecutive hours (it may cross
  midnight), covering at most a quarter of the week's 168 hours (``max_week_share``),
  whose share of the events stands out most against an even spread over the week, scored
  by Kulldorff's Poisson likelihood ratio ("A spatial scan statistic", 1997), the scan
  statistic of SaTScan, whose maximum cluster size the cap plays the part of. The ratio
  balances a window's share against its size, so it picks neither the whole week (share
  100%, no concentration) nor one busy hour by chance; the cap keeps the answer a window a
  team could patrol (without it, city-wide data give answers like "every day
  11:00-01:00": true and useless). For a given band the best set of days is always the k
  busiest days in that band (Neill 2012, linear-time subset scanning), so every band and
  every k is tried, exactly. The window "stands out" when its ratio beats 99 tables of as
  many events spread evenly (Monte Carlo p <= 0.05, fixed seed) and it holds at least 1.2
  times its share of the week; otherwise the sentence says no window stands out.
- Midnight. Records whose time is unknown are often entered as 00:00; when far more exact
  times fall on 00:00 than on the other minutes of that hour, a note says so (the table
  still counts them as given).

Everything is vectorised: one pass of ``numpy.bincount`` over the events, whatever the
window lengths, so 1,000,000 events take well under a second.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sara.scan.result import ScanError, ScanResult

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS = tuple(f"{h:02d}" for h in range(24))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEK = 7 * 24 * 60  # minutes
MAX_WEEK_SHARE = 0.25  # the busiest window covers at most a quarter of the week's hours
SIMULATIONS = 99  # Monte Carlo tables for the busiest window's p-value
MIN_LIFT = 1.2  # a window "stands out" only with 1.2 times its even share, or more
MONDAY_OFFSET = 3 * 24 * 60  # 1970-01-01 was a Thursday: minutes from the Monday before it
MONTHS_ONLY = (
    "these events have no times, only months (police.uk publishes the month of each crime, never the day or time): "
    "a day-of-week x hour table would invent times. Use month_profile for them, or load a force or partner export "
    "with dates and times (occurred_from / occurred_to)"
)
WEIGHTING = (
    "aoristic (Ratcliffe 2002): each event carries 1, shared equally over the minutes from occurred_from to occurred_to, "
    "both included; an exact time counts 1 in its hour"
)


# --- times to minutes ------------------------------------------------------------------------


def _series(values, name: str) -> pl.Series:
    if isinstance(values, pl.Series):
        s = values
    elif isinstance(values, pl.Expr):
        raise ScanError(f"{name} must be values (a Series or array of date-times), not an expression")
    else:
        if isinstance(values, np.ndarray) and values.dtype.kind == "M" and np.datetime_data(values.dtype)[0] not in ("D", "ms", "us", "ns"):
            values = values.astype("datetime64[us]")  # polars takes days, ms, us and ns only
        try:
            s = pl.Series(name, values)
        except (TypeError, ValueError) as exc:
            raise ScanError(f"{name} must be date-times (a Series, array or list): {exc}") from exc
    if s.dtype == pl.Null:
        return s.cast(pl.Datetime("us"))
    if s.dtype == pl.String:
        parsed = s.str.to_datetime(strict=False, time_unit="us")
        bad = int((parsed.is_null() & s.is_not_null()).sum())
        if bad:
            raise ScanError(f"{name}: {bad:,} values are not ISO date-times such as 2025-03-01 18:05 (parse them first)")
        s = parsed
    if isinstance(s.dtype, pl.Datetime):
        if s.dtype.time_zone is not None:
            s = s.dt.replace_time_zone(None)
        return s
    if s.dtype == pl.Date:
        return s.cast(pl.Datetime("us"))
    raise ScanError(f"{name} must be date-times, not {s.dtype}")


def _minutes(s: pl.Series) -> np.ndarray:
    """Whole minutes since 1970-01-01 00:00 (floored), as float64 with NaN for none."""
    return (s.dt.epoch("s") // 60).cast(pl.Float64).fill_null(float("nan")).to_numpy()


def _windows(occurred_from, occurred_to) -> tuple[np.ndarray, np.ndarray, bool]:
    """First and last minute (inclusive) of each event, NaN where unknown; and whether the
    times were dates alone (each then spans its whole day)."""
    day_only = isinstance(occurred_from, pl.Series) and occurred_from.dtype == pl.Date and occurred_to is None
    first = _series(occurred_from, "occurred_from")
    a = _minutes(first)
    if occurred_to is None:
        return a, a + 24 * 60 - 1 if day_only else a.copy(), day_only
    last = _series(occurred_to, "occurred_to")
    if len(last) != len(first):
        raise ScanError(f"occurred_from has {len(first):,} values and occurred_to {len(last):,}: give one of each per event")
    b = _minutes(last)
    if isinstance(occurred_to, pl.Series) and occurred_to.dtype == pl.Date:
        b = b + 24 * 60 - 1  # a date as the end of a window includes that whole day
    return a, b, False


# --- day x hour -------------------------------------------------------------------------------


def _spread(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The 7 x 24 aoristic weights of windows [first, last] in whole minutes (inclusive).

    Each window puts 1/n on each of its n minutes. Whole weeks add k/n to every minute of
    the week; the remaining r minutes, from the window's start around the week (wrapping
    past Sunday midnight), are added through a difference array, summed, then folded into
    hours.
    """
    n = last - first + 1
    w = 1.0 / n
    k = n // WEEK
    r = n - k * WEEK
    start = (first + MONDAY_OFFSET) % WEEK
    stop = start + r
    wraps = stop > WEEK
    diff = np.bincount(start, weights=w, minlength=WEEK + 1)
    diff -= np.bincount(np.where(wraps, WEEK, stop), weights=w, minlength=WEEK + 1)
    if wraps.any():
        diff[0] += w[wraps].sum()
        diff -= np.bincount(stop[wraps] - WEEK, weights=w[wraps], minlength=WEEK + 1)
    per_minute = np.cumsum(diff[:WEEK]) + float((k * w).sum())
    return per_minute.reshape(7, 24, 60).sum(axis=2)


def _table(cells: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame({"day": list(DAYS), **{h: cells[:, i] for i, h in enumerate(HOURS)}})


def cells_of(table) -> np.ndarray:
    """The 7 x 24 array of a ``day_hour`` table (or result)."""
    if isinstance(table, ScanResult):
        table = table.table
    if not isinstance(table, pl.DataFrame) or any(h not in table.columns for h in HOURS) or table.height != 7:
        raise ScanError("expected a day_hour table: 7 rows (Mon..Sun) and columns '00'..'23'")
    return table.select(HOURS).to_numpy().astype(float)


def day_hour(occurred_from, occurred_to=None, *, max_window_hours: float | None = 168, what: str = "incidents") -> ScanResult:
    """Day-of-week x hour table of aoristic weights (Ratcliffe 2002).

    ``occurred_from`` and ``occurred_to``: date-times (polars Series, numpy datetime64,
    lists), one each per event; ``occurred_to`` None (or equal values) for exact times. A
    frame with columns ``occurred_from`` and ``occurred_to`` may be given instead. Events
    with no time (police.uk: months only), windows that end before they start and windows
    longer than ``max_window_hours`` are left out with counts; the table is refused when
    no event has a usable time.

    Table: ``day`` (Mon..Sun) and ``"00"``..``"23"`` (weights; the hour ``"16"`` is
    16:00-16:59). Its notes end with the busiest-window sentence.
    """
    if isinstance(occurred_from, pl.DataFrame):
        frame = occurred_from
        if "occurred_from" not in frame.columns:
            raise ScanError(MONTHS_ONLY if "month" in frame.columns else "the frame needs an 'occurred_from' column (and 'occurred_to' for windows)")
        occurred_from, occurred_to = frame["occurred_from"], frame["occurred_to"] if "occurred_to" in frame.columns else None
    if max_window_hours is not None and not max_window_hours > 0:
        raise ScanError(f"max_window_hours must be a positive number of hours, or None to keep every window (got {max_window_hours!r})")
    a, b, day_only = _windows(occurred_from, occurred_to)
    total = len(a)
    if total == 0:
        raise ScanError("no events were given: nothing to tabulate")
    left_out: dict[str, int] = {}
    no_time = np.isnan(a)
    b = np.where(np.isnan(b), a, b)  # no end: an exact time
    if no_time.all():
        raise ScanError(MONTHS_ONLY)
    if no_time.any():
        left_out["no time (month only, as police.uk)"] = int(no_time.sum())
    known = ~no_time
    backwards = known & (b < a)
    if backwards.any():
        left_out["window ends before it starts"] = int(backwards.sum())
    keep = known & ~backwards
    length = b - a + 1
    if max_window_hours is not None:
        too_long = keep & (length > max_window_hours * 60)
        if too_long.any():
            left_out[f"window longer than {max_window_hours:g} hours"] = int(too_long.sum())
        keep &= ~too_long
    if not keep.any():
        raise ScanError(
            f"none of the {total:,} events has a usable time: "
            + ", ".join(f"{n:,} {why}" for why, n in left_out.items())
            + (". Windows this long carry no time of day; max_window_hours=None spreads them over the week" if max_window_hours else "")
        )
    first = a[keep].astype(np.int64)
    last = b[keep].astype(np.int64)
    cells = _spread(first, last)
    exact = int((last == first).sum())
    windows = len(first) - exact
    params = {
        "weighting": WEIGHTING,
        "max_window_hours": max_window_hours,
        "events": len(first),
        "exact": exact,
        "windows": windows,
        "total_weight": float(cells.sum()),
        "days": list(DAYS),
        "hours": "column '16' is 16:00-16:59, local wall-clock time as given",
    }
    notes = [f"{exact:,} events known to the minute count 1 in their hour"]
    if windows:
        mean_h = float((last - first + 1)[last != first].mean()) / 60
        notes.append(f"{windows:,} events known only within a window (mean {mean_h:.1f} h) are spread over the hours they span (aoristic, Ratcliffe 2002)")
    if day_only:
        notes.append("the times given are dates only: each event is spread evenly over its day, so the hours say nothing")
    for why, n in left_out.items():
        notes.append(f"{n:,} events left out: {why}")
    midnight = _midnight_note(first[last == first])
    if midnight:
        notes.append(midnight)
    best = busiest_window(cells)
    params["busiest_window"] = best
    notes.append(_sentence(best, float(cells.sum()), what))
    return ScanResult(table=_table(cells), params=params, left_out=left_out, notes=notes)


def _midnight_note(exact: np.ndarray) -> str | None:
    """A note when exact times pile up on 00:00 (unknown times entered as midnight)."""
    minute_of_day = exact % (24 * 60)
    at = int((minute_of_day == 0).sum())
    rest = int(((minute_of_day > 0) & (minute_of_day < 60)).sum()) / 59
    if at >= 10 and at > 5 * max(rest, 1.0):
        return (
            f"{at:,} events are timed exactly 00:00, {at / max(rest, 1.0):.0f} times the average minute of that hour: unknown times are "
            "often entered as midnight, so the 00 column may be inflated (load them as day windows if the source allows)"
        )
    return None


# --- busiest window ---------------------------------------------------------------------------


def _llr(c: np.ndarray, e: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Kulldorff's Poisson log likelihood ratio for windows with c events, e expected of total
    (0 where the window is not busier than expected)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = c * np.log(c / e)
        rest = total - c
        outside = np.where(rest > 0, rest * np.log(rest / (total - e)), 0.0)
        out = np.where(c > e, inside + outside, 0.0)
    return np.nan_to_num(out, nan=0.0)


def _scan(cells: np.ndarray, max_week_share: float) -> tuple[np.ndarray, list[tuple]]:
    """Best log likelihood ratio of each table in ``cells`` (R x 7 x 24), over every band of
    consecutive hours (circular) and every k busiest days in it, windows capped at
    ``max_week_share`` of the week; and, for table 0, (llr, days, start, hours, count) of
    its best window."""
    cells = np.asarray(cells, dtype=float)
    total = cells.sum(axis=(1, 2))[:, None]
    ext = np.concatenate([cells, cells], axis=2)
    cum = np.concatenate([np.zeros(cells.shape[:2] + (1,)), np.cumsum(ext, axis=2)], axis=2)
    k = np.arange(1, 8)[None, :]
    best = np.zeros(len(cells))
    found: list[tuple] = []
    for hours in range(1, 25):
        allowed = k * hours <= max_week_share * 168 + 1e-9
        if not allowed.any():
            break
        for start in range(24 if hours < 24 else 1):
            band = cum[:, :, start + hours] - cum[:, :, start]
            order = np.argsort(-band, axis=1, kind="stable")
            c = np.cumsum(np.take_along_axis(band, order, axis=1), axis=1)
            llr = np.where(allowed, _llr(c, total * k * hours / 168, total), 0.0)
            top = llr.max(axis=1)
            if top[0] > 0 and (not found or top[0] > found[0][0] + 1e-9):
                i = int(np.argmax(llr[0]))
                found = [(float(top[0]), sorted(int(d) for d in order[0, : i + 1]), start, hours, float(c[0, i]))]
            best = np.maximum(best, top)
    return best, found


def busiest_window(table, *, max_week_share: float = MAX_WEEK_SHARE, simulations: int = SIMULATIONS, seed: int = 2002) -> dict | None:
    """The busiest window of a day x hour table (see the module notes), or None when no
    window is busier than an even spread: ``{"days": [0 = Mon, ...], "start_hour",
    "hours", "share", "week_share", "lift", "llr", "p", "simulations", "stands_out"}``.

    ``p`` is the Monte Carlo p-value of the best window's likelihood ratio against
    ``simulations`` tables of the same number of events spread evenly (multinomial over
    the 168 hours; a fixed ``seed``, so the answer repeats). ``stands_out`` is
    ``p <= 0.05`` and ``lift`` (share over week share) of at least 1.2: with a million
    events even a trivial excess is significant, so both are asked.
    """
    if not 0 < max_week_share <= 1:
        raise ScanError(f"max_week_share must be above 0 and at most 1 (got {max_week_share!r})")
    cells = np.asarray(table, dtype=float) if isinstance(table, np.ndarray) else cells_of(table)
    total = float(cells.sum())
    if total <= 0:
        return None
    _, found = _scan(cells[None], max_week_share)
    if not found:
        return None
    llr, days, start, hours, count = found[0]
    n = max(int(round(total)), 1)
    rng = np.random.default_rng(seed)
    null = rng.multinomial(n, np.full(168, 1 / 168), size=simulations).reshape(simulations, 7, 24)
    null_best, _ = _scan(null, max_week_share)
    p = float((1 + (null_best >= llr - 1e-9).sum()) / (simulations + 1))
    share, week_share = count / total, len(days) * hours / 168
    lift = share / week_share
    return {"days": days, "start_hour": start, "hours": hours, "share": share, "week_share": week_share, "lift": lift, "llr": llr,
            "p": p, "simulations": simulations, "stands_out": bool(p <= 0.05 and lift >= MIN_LIFT)}  # fmt: skip


def _days_text(days: list[int]) -> str:
    if len(days) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts += [DAYS[d] for d in run]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _pct(x: float) -> str:
    p = 100 * x
    return f"{p:.0f}%" if p >= 1 else f"{p:.1f}%"


def busiest_windows(table, *, what: str = "incidents", max_week_share: float = MAX_WEEK_SHARE) -> str:
    """One line naming the busiest days and hours of a ``day_hour`` table (or result, or
    7 x 24 array) and the share of events they hold: "Mon, Tue and Fri 16:00-22:00 hold
    41% of incidents (11% of the week's hours)". The window covers at most
    ``max_week_share`` of the week (a quarter by default); when it does not stand out from
    an even spread (``busiest_window``), the line says so. See the module notes."""
    cells = np.asarray(table, dtype=float) if isinstance(table, np.ndarray) else cells_of(table)
    total = float(cells.sum())
    best = busiest_window(cells, max_week_share=max_week_share) if total > 0 else None
    return _sentence(best, total, what)


def _sentence(best: dict | None, total: float, what: str) -> str:
    if total <= 0:
        return f"No {what} with times: there is no busiest window."
    if best is None:
        return f"No window stands out: the {what} are spread evenly over the week."
    days = _days_text(best["days"])
    band = "all day" if best["hours"] == 24 else f"{best['start_hour']:02d}:00-{(best['start_hour'] + best['hours']) % 24:02d}:00"
    window = f"{days} {band}"
    if not best["stands_out"]:
        return (
            f"No window stands out from an even spread over the week: the busiest, {window}, holds {_pct(best['share'])} of {what} "
            f"in {_pct(best['week_share'])} of the week's hours (p = {best['p']:.2f})."
        )
    verb = "holds" if len(best["days"]) == 1 else "hold"
    line = f"{window} {verb} {_pct(best['share'])} of {what} ({_pct(best['week_share'])} of the week's hours)"
    if total < 30:
        line += f"; only {total:,.0f} {what}, so treat it as a hint"
    return line + "."


# --- month of year --------------------------------------------------------------------------


def month_profile(month, *, loaded: tuple[str, str] | None = None) -> ScanResult:
    """Events per calendar month, Jan..Dec.

    ``month``: the month of each event (dates or date-times, any day of the month; or a
    frame with a ``month`` column). The data cover the first to the last month given, or
    ``loaded`` (``("2024-04", "2025-12")``) when the caller knows better. Table: ``month``
    (1..12), ``name``, ``events``, ``occurrences`` (how many times that calendar month is
    in the data), ``mean`` (events per occurrence; empty when the month is not in the data
    at all, not zero) and ``index`` (mean over the mean of the means: 1.25 is a quarter
    busier than an average month).
    """
    if isinstance(month, pl.DataFrame):
        if "month" not in month.columns:
            raise ScanError("the frame needs a 'month' column")
        month = month["month"]
    s = _series(month, "month")
    left_out: dict[str, int] = {}
    if s.null_count():
        left_out["no month"] = int(s.null_count())
    s = s.drop_nulls()
    if s.is_empty() and loaded is None:
        raise ScanError("no events with a month were given: nothing to profile")
    idx = (s.dt.year().cast(pl.Int64) * 12 + s.dt.month().cast(pl.Int64) - 1).to_numpy()
    if loaded is not None:
        lo, hi = (_month_number(m) for m in loaded)
        if lo > hi:
            raise ScanError(f"loaded runs backwards ({loaded[0]} is after {loaded[1]})")
        outside = (idx < lo) | (idx > hi)
        if outside.any():
            left_out["outside the loaded months"] = int(outside.sum())
        idx = idx[~outside]
    else:
        lo, hi = int(idx.min()), int(idx.max())
    events = np.bincount(idx % 12, minlength=12)
    occurrences = np.bincount(np.arange(lo, hi + 1) % 12, minlength=12)
    mean = np.where(occurrences > 0, events / np.maximum(occurrences, 1), np.nan)
    average = float(np.nanmean(mean))
    index = mean / average if average > 0 else np.full(12, np.nan)
    table = pl.DataFrame(
        {
            "month": np.arange(1, 13),
            "name": list(MONTHS),
            "events": events.astype(np.int64),
            "occurrences": occurrences.astype(np.int64),
            "mean": mean,
            "index": index,
        }  # fmt: skip
    ).with_columns(pl.col("mean").fill_nan(None), pl.col("index").fill_nan(None))
    span = f"{lo // 12:04d}-{lo % 12 + 1:02d}..{hi // 12:04d}-{hi % 12 + 1:02d}"
    notes = []
    absent = [MONTHS[i] for i in range(12) if occurrences[i] == 0]
    if absent:
        notes.append(f"the data ({span}) do not include {', '.join(absent)}: those months have no data, not zero events")
    if len(set(occurrences[occurrences > 0].tolist())) > 1:
        more = [MONTHS[i] for i in range(12) if occurrences[i] == occurrences.max()]
        notes.append(f"{', '.join(more)} occur {occurrences.max()} times in the data and other months fewer: compare the mean, not the totals")
    params = {"months": span, "loaded_auto": loaded is None, "mean": "events per occurrence of the calendar month in the data"}
    return ScanResult(table=table, params=params, left_out=left_out, notes=notes)


def _month_number(value: str) -> int:
    text = str(value).strip()
    try:
        year, month = int(text[:4]), int(text[5:7])
    except ValueError:
        year, month = 0, 0
    if len(text) != 7 or text[4] != "-" or not 1 <= month <= 12:
        raise ScanError(f"loaded months must be written YYYY-MM, for example 2025-12 (got {value!r})")
    return year * 12 + month - 1
