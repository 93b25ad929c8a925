"""Repeat victims, repeat suspects and repeat locations within a rolling window.

An entity (a victim, a suspect, a premises or a point) is a *repeat* when at least
``threshold`` of its events fall inside one window. The default, 3 events in 6 months,
matches the usual ASB Case Review (community trigger) threshold; local repeat-victim rules
differ (more than one in 12 months, 3 in 3 months...), so both numbers are arguments.

Window convention (both ends inclusive):

* ``window_days=W``: events at times ``t1 <= t2`` share a window when ``t2 - t1 <= W`` days,
  measured exactly (to the microsecond for date-times). A window is the closed interval
  ``[t, t + W]``: with ``W = 183`` an event on 1 January and one on 3 July (183 days later)
  are in one window; one on 4 July is not.
* ``months=M``: times are reduced to calendar months, and events share a window when they
  fall within ``M`` consecutive calendar months, the first and last month both counted:
  January and June are in one 6-month window, January and July are not. This is the only
  honest reading of month-only data such as police.uk.

``time="month"`` defaults to ``months=6``; any other time column defaults to
``window_days=183`` (half of 365.25 days, rounded up).

The computation is vectorised: events are sorted by entity and time, and for each event the
first event of the same entity no more than one window earlier is found with one
``searchsorted``; the events between them are the busiest window ending at that event.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sara.scan.result import ScanError, ScanResult

KEYS = ("victim_ref", "suspect_ref", "premises_ref", "location")
US_PER_DAY = 86_400_000_000


def _as_time(column: pl.Series, name: str) -> pl.Series:
    """A Date or Datetime series; strings such as ``2025-01`` or ISO dates are parsed."""
    dtype = column.dtype
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return column
    if dtype == pl.String:
        for fmt, to in (("%Y-%m", pl.Date), ("%Y-%m-%d", pl.Date), ("%Y-%m-%dT%H:%M:%S", pl.Datetime), ("%Y-%m-%d %H:%M:%S", pl.Datetime)):
            parsed = column.str.strptime(to, fmt, strict=False)
            if parsed.null_count() == column.null_count():
                return parsed
        bad = column.filter(column.is_not_null() & column.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_null()).head(3).to_list()
        raise ScanError(
            f"the time column {name!r} has values that are not dates (e.g. {bad}): give dates such as 2025-01-31, months such as 2025-01, or date-times"
        )
    raise ScanError(f"the time column {name!r} holds {dtype}, not dates: give a date or date-time column (e.g. time='month' or time='occurred_from')")


def _entity(events: pl.DataFrame, key: str) -> tuple[pl.DataFrame, list[str], int, str]:
    """The events with a non-null entity, the entity columns, how many had none, and why."""
    if key == "location":
        has_premises = "premises_ref" in events.columns
        has_xy = "x" in events.columns and "y" in events.columns
        if not has_premises and not has_xy:
            raise ScanError("key='location' needs x and y columns (the same point means equal x and y) or a premises_ref column")
        premises = pl.col("premises_ref") if has_premises else pl.lit(None, dtype=pl.String)
        x = pl.col("x").cast(pl.Float64) if has_xy else pl.lit(None, dtype=pl.Float64)
        y = pl.col("y").cast(pl.Float64) if has_xy else pl.lit(None, dtype=pl.Float64)
        frame = events.with_columns(
            _premises=premises.cast(pl.String),
            _x=pl.when(premises.is_null()).then(x),
            _y=pl.when(premises.is_null()).then(y),
        )
        keep = frame["_premises"].is_not_null() | (frame["_x"].is_not_null() & frame["_y"].is_not_null())
        return frame.filter(keep), ["_premises", "_x", "_y"], int((~keep).sum()), "no premises_ref and no x/y"
    if key not in events.columns:
        raise ScanError(f"there is no column {key!r} in the events: choose key from {', '.join(KEYS)} (or another column present: {', '.join(events.columns)})")
    keep = events[key].is_not_null()
    return events.filter(keep), [key], int((~keep).sum()), f"no {key}"


def _window(time: str, window_days: float | None, months: int | None) -> tuple[str, float]:
    if window_days is not None and months is not None:
        raise ScanError("give either window_days or months, not both")
    if window_days is None and months is None:
        return ("months", 6) if time == "month" else ("days", 183)
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, int | np.integer) or months <= 0:
            raise ScanError(f"months must be a whole number of months above 0 (got {months!r}): e.g. months=6", field="months")
        return "months", int(months)
    if not np.isfinite(window_days) or window_days <= 0:
        raise ScanError(f"window_days must be more than 0 days (got {window_days!r}): e.g. window_days=183 for about 6 months")
    return "days", float(window_days)


def _busiest(group: np.ndarray, t: np.ndarray, reach: int) -> np.ndarray:
    """For rows sorted by (group, t): how many rows of the same group have a time in
    ``[t_i - reach, t_i]`` among rows up to i (the window ending at row i)."""
    values = np.unique(np.concatenate([t, t - reach]))
    k = len(values)
    data_key = group * k + np.searchsorted(values, t)
    query_key = group * k + np.searchsorted(values, t - reach)
    first = np.searchsorted(data_key, query_key, side="left")
    return np.arange(len(t)) - first + 1


def repeats(
    events: pl.DataFrame,
    *,
    key: str,
    time: str = "occurred_from",
    threshold: int = 3,
    window_days: float | None = None,
    months: int | None = None,
) -> ScanResult:
    """Entities with at least ``threshold`` events in one rolling window, ranked.

    ``key`` is ``victim_ref``, ``suspect_ref``, ``premises_ref`` or ``location`` (any other
    column of ``events`` also works). For ``location``, an event's place is its
    ``premises_ref`` when it has one, otherwise its point: events at exactly equal ``x`` and
    ``y`` are the same place; when the events carry a ``location`` text (police.uk's "On or
    near Market Place"), ``place`` gives each place's commonest one, for people to read.

    One row per repeat entity: ``events`` (all its events in the input), ``first`` and
    ``last`` (times), ``max_in_window`` (most events in any one window), ``reached`` (the
    time of the event that first brought a window to the threshold), ``share`` (its events
    over all events with a key and a time) and ``cumulative_share``, and ``rank`` (by
    events, then ``max_in_window``; equal events share the better rank, 1, 2, 2, 4).
    ``params`` carries the share of all events the repeat entities account for; ``left_out``
    counts events without a key or a time. See the module docstring for the window rule.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 2:
        raise ScanError(f"threshold must be a whole number of at least 2 events (got {threshold!r}): one event is not a repeat; e.g. threshold=3", field="threshold")
    if not isinstance(events, pl.DataFrame):
        raise ScanError("events must be a polars DataFrame with one row per event")
    if events.height == 0:
        raise ScanError("there are no events to look for repeats in: widen the selection (dates, area or categories)")
    if time not in events.columns:
        raise ScanError(f"there is no time column {time!r} in the events: use time='month' (always present) or time='occurred_from' (when known)")
    unit, size = _window(time, window_days, months)

    frame, entity_cols, no_key, no_key_reason = _entity(events, key)
    when = _as_time(frame[time], time)
    frame = frame.with_columns(_t=when)
    no_time = int(frame["_t"].null_count())
    frame = frame.filter(pl.col("_t").is_not_null())
    left_out = {reason: n for reason, n in ((no_key_reason, no_key), (f"no {time}", no_time)) if n}
    if frame.height == 0:
        raise ScanError(f"none of the {events.height} events has both a {key} and a {time}: choose another key or time column")

    if unit == "months":
        frame = frame.with_columns(_u=(pl.col("_t").dt.year().cast(pl.Int64) * 12 + pl.col("_t").dt.month().cast(pl.Int64) - 1))
        reach = int(size) - 1
        rule = f"last month - first month <= {int(size) - 1} months ({int(size)} calendar months, both ends included)"
    else:
        micro = pl.col("_t").cast(pl.Datetime("us")).dt.epoch("us") if frame["_t"].dtype == pl.Date else pl.col("_t").dt.cast_time_unit("us").dt.epoch("us")
        frame = frame.with_columns(_u=micro.cast(pl.Int64))
        reach = round(size * US_PER_DAY)
        rule = f"last - first <= {size:g} days (closed window [t, t + {size:g} days], both ends included)"

    frame = frame.sort([*entity_cols, "_u"], nulls_last=True)
    new_group = pl.lit(False)
    for col in entity_cols:
        new_group = new_group | pl.col(col).ne_missing(pl.col(col).shift(1))
    frame = frame.with_columns(_g=new_group.fill_null(True).cum_sum().cast(pl.Int64))
    busiest = _busiest(frame["_g"].to_numpy(), frame["_u"].to_numpy(), reach)
    frame = frame.with_columns(_n=pl.Series(busiest, dtype=pl.Int64))

    total = frame.height
    described = key == "location" and events.schema.get("location") == pl.String
    place = [pl.col("location").drop_nulls().mode().sort().first().alias("place")] if described else []
    per_entity = frame.group_by("_g", maintain_order=True).agg(
        *[pl.col(c).first() for c in entity_cols],
        *place,
        events=pl.len().cast(pl.Int64),
        first=pl.col("_t").min(),
        last=pl.col("_t").max(),
        max_in_window=pl.col("_n").max(),
        reached=pl.col("_t").filter(pl.col("_n") >= threshold).first(),
    )
    found = per_entity.filter(pl.col("max_in_window") >= threshold).sort(["events", "max_in_window", "first"], descending=[True, True, False])
    found = found.with_columns(
        share=pl.col("events") / total,
        rank=pl.struct("events", "max_in_window").rank("min", descending=True).cast(pl.Int64),
    ).with_columns(cumulative_share=pl.col("share").cum_sum())

    if key == "location":
        label = pl.when(pl.col("_premises").is_not_null()).then(pl.col("_premises")).otherwise(pl.format("{},{}", pl.col("_x"), pl.col("_y")))
        ids = [label.alias("location"), *(["place"] if described else []), pl.col("_premises").alias("premises_ref"), pl.col("_x").alias("x"), pl.col("_y").alias("y")]
    else:
        ids = [pl.col(key)]
    table = found.select("rank", *ids, "events", "max_in_window", "first", "last", "reached", "share", "cumulative_share")

    repeat_events = int(found["events"].sum()) if found.height else 0
    params = {
        "key": key,
        "time": time,
        "threshold": threshold,
        "window_days" if unit == "days" else "months": size if unit == "days" else int(size),
        "window_rule": rule,
        "rank_rule": "by events, then most events in one window; equal events and window counts share the better rank (1, 2, 2, 4)",
        "events": events.height,
        "events_considered": total,
        "entities": per_entity.height,
        "repeat_entities": found.height,
        "events_of_repeat_entities": repeat_events,
        "share_of_events_considered": repeat_events / total,
        "share_of_all_events": repeat_events / events.height,
    }
    notes = [
        f"{found.height} of {per_entity.height} {key} values reach {threshold} events within one window ({rule}); "
        f"they account for {repeat_events} of {total} events ({100 * repeat_events / total:.1f}%), counting all their events in the input"
    ]
    if unit == "months":
        notes.append(f"times are whole calendar months ({time}): the window is {int(size)} calendar months, not a number of days")
    if key == "location" and frame["_premises"].is_null().any():
        notes.append(
            "places without a premises_ref are matched on exactly equal x and y; on police.uk data a point is an anonymised "
            "map point shared by several addresses, so a repeat point is a street or area, not one premises"
        )
    if found.height == 0:
        notes.append(f"no {key} reaches the threshold: lower threshold or widen the window to see near-repeats")
    return ScanResult(table=table, params=params, left_out=left_out, notes=notes)
