"""Trends: the scrutiny-report table and monthly series.

Three verbs over a polars frame of events with at least ``month`` (a date; any day of the
month is read as that month) and the column to group by (``category`` by default), plus
``covid`` (bool) to leave covid-related reports out, and an area code column (``area``) to
join a population frame for rates:

- ``compare_periods``: counts by category for a period against the previous equal period,
  with change and % change and a total row: the table of a performance-scrutiny report
  ("ASB incidents, 12 months to Feb 2022 against 12 months to Feb 2021, excluding
  covid-related reports"). Rates per 1,000 residents when a population frame is given.
- ``monthly``: the monthly series (gaps filled with zeros inside the data) with rolling
  12-month sums and means, the line under a "monthly volumes and 12-month averages" chart.
- ``incomplete_months``: months that look incomplete, flagged with the reason.

Rules, so the answers can be checked:

- Periods are whole months, stated exactly in ``params`` (``"2025-07..2025-12 vs
  2025-01..2025-06"``). The months the data cover (``loaded``) are the first to the last
  month of the events given, unless the caller says (the CLI knows what the store holds).
  A current period reaching outside them is refused (its counts would be short); a
  previous period reaching outside them is not compared: ``previous``, ``change`` and
  ``change_pct`` are empty and a flag says why. Periods are never compared as zeros.
- ``change_pct`` is ``100 * change / previous`` rounded to one decimal; it is empty (not
  infinite) when the previous period had no events, and a note says so.
- A month looks incomplete when its count is below 2/3 of the median of its neighbours (up
  to three months either side that have data) and that shortfall is too large for chance
  (Poisson probability of so few at the neighbours' median below 0.001, so small series
  are not flagged for ordinary noise). A month inside the data with no events at all is
  flagged as having none. Flags are reported, never silently compared: the counts stand,
  the flag travels with them. The check runs on the monthly totals of all the events
  given (before any covid exclusion), since a short month is a property of the data feed.
- Rates are per 1,000 residents. An area with a population of zero (or none given) gets no
  rate and a flag; it is never divided by. Grouped by area, each area has its own rate;
  grouped otherwise, rates use the summed population of the areas that have one, and
  events in areas without one are left out of the rates (counted in a note).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sara.scan.result import ScanError, ScanResult

INCOMPLETE_FRACTION = 2 / 3
INCOMPLETE_NEIGHBOURS = 3
INCOMPLETE_P = 0.001
INCOMPLETE_RULE = (
    "a month is flagged incomplete when it has fewer than 2/3 of the median of its neighbours (up to 3 months either side "
    "with data) and the Poisson probability of so few at that median is below 0.001; a month inside the data with no "
    "events is flagged as having none"
)
TOTAL = "Total"
NONE_LABEL = "(none)"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass
class TrendResult(ScanResult):
    """A ``ScanResult`` with ``flags``: months or periods a reader must not take at face
    value (incomplete months, periods outside the data, areas with no population), each a
    dict with ``kind`` and ``reason``. ``to_dict`` adds them beside ``rows``."""

    flags: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "flags": self.flags}


# --- months -------------------------------------------------------------------------------


def _parse_month(value: str | dt.date, what: str) -> int:
    """A month as an index (year * 12 + month - 1)."""
    if isinstance(value, dt.date):
        return value.year * 12 + value.month - 1
    m = _MONTH.match(str(value).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ScanError(f"{what} must be a month written YYYY-MM, for example 2025-12 (got {value!r})", field=what if what.isidentifier() else None)
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _span(lo: int, hi: int) -> str:
    return f"{_label(lo)}..{_label(hi)}"


def _month_index(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        expr = expr.str.slice(0, 7).str.to_date("%Y-%m", strict=False)
    return (expr.dt.year().cast(pl.Int32) * 12 + expr.dt.month().cast(pl.Int32) - 1).alias("_mi")


def _with_month_index(events: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(events, pl.DataFrame):
        raise ScanError(f"events must be a polars DataFrame with a month column (got {type(events).__name__})")
    if "month" not in events.columns:
        raise ScanError(f"events need a 'month' column (a date, the first of the month); the columns are {events.columns}")
    dtype = events.schema["month"]
    if not (dtype in (pl.Date, pl.String) or isinstance(dtype, pl.Datetime)):
        raise ScanError(f"'month' must be a date (or YYYY-MM text), not {dtype}")
    return events.with_columns(_month_index(pl.col("month"), dtype))


def _loaded_range(mi: pl.Series, loaded: tuple[str, str] | None) -> tuple[int, int, bool]:
    if loaded is not None:
        lo, hi = _parse_month(loaded[0], "loaded[0]"), _parse_month(loaded[1], "loaded[1]")
        if lo > hi:
            raise ScanError(f"loaded runs backwards ({loaded[0]} is after {loaded[1]})")
        return lo, hi, False
    if mi.drop_nulls().is_empty():
        raise ScanError("the selection holds no events, so there is no data to compare: widen the selection (area, category, dates)")
    return int(mi.min()), int(mi.max()), True


# --- incomplete months --------------------------------------------------------------------


def _counts_array(counts_by_month) -> tuple[int, np.ndarray]:
    """First month index and a dense array of counts over first..last month."""
    if isinstance(counts_by_month, pl.DataFrame):
        if "month" not in counts_by_month.columns or counts_by_month.width < 2:
            raise ScanError("counts_by_month needs a 'month' column and a count column ('events' or 'count')")
        name = next((c for c in ("events", "count") if c in counts_by_month.columns), None)
        name = name or next(c for c in counts_by_month.columns if c != "month")
        frame = _with_month_index(counts_by_month.select("month", pl.col(name).alias("_n")))
        pairs = list(zip(frame["_mi"].to_list(), frame["_n"].to_list()))
    elif isinstance(counts_by_month, Mapping):
        pairs = [(_parse_month(k if isinstance(k, dt.date) else str(k)[:7], "month"), v) for k, v in counts_by_month.items()]
    else:
        raise ScanError("counts_by_month must be a DataFrame (month, events) or a mapping {month: count}")
    pairs = [(m, n) for m, n in pairs if m is not None]
    if not pairs:
        return 0, np.zeros(0, dtype=np.int64)
    first = min(m for m, _ in pairs)
    last = max(m for m, _ in pairs)
    counts = np.zeros(last - first + 1, dtype=np.int64)
    for m, n in pairs:
        counts[m - first] += int(n or 0)
    return first, counts


def incomplete_months(counts_by_month, *, fraction: float = INCOMPLETE_FRACTION, neighbours: int = INCOMPLETE_NEIGHBOURS,
                      p: float = INCOMPLETE_P) -> list[dict]:  # fmt: skip
    """Months that look incomplete, each ``{"kind", "month", "events", "neighbours_median",
    "reason"}``, in month order.

    ``counts_by_month``: a frame with ``month`` and ``events`` (or ``count``), or a mapping
    ``{"2025-06": 4210, ...}``. Months between the first and the last that are absent or
    zero are flagged ``"no_data"``. A month with data is flagged ``"incomplete"`` when its
    count is below ``fraction`` of the median of its neighbours (up to ``neighbours``
    months either side that have data) and the Poisson probability of a count that low at
    that median is below ``p``. A month with fewer than two neighbours with data is not
    judged.
    """
    from scipy.special import pdtr  # the Poisson CDF; scipy.stats would cost a second to import

    first, counts = _counts_array(counts_by_month)
    flags: list[dict] = []
    has = counts > 0
    for i, n in enumerate(counts):
        month = _label(first + i)
        if not has[i]:
            flags.append({"kind": "no_data", "month": month, "events": 0, "neighbours_median": None,
                          "reason": f"{month} has no events at all, inside data running {_span(first, first + len(counts) - 1)}: "
                                    "if nothing was loaded for it, counts that include it are short"})  # fmt: skip
            continue
        around = [j for j in range(max(0, i - neighbours), min(len(counts), i + neighbours + 1)) if j != i and has[j]]
        if len(around) < 2:
            continue
        median = float(np.median(counts[around]))
        if n < fraction * median and pdtr(int(n), median) < p:
            share = 100 * n / median
            flags.append({"kind": "incomplete", "month": month, "events": int(n), "neighbours_median": median,
                          "reason": f"{month} has {int(n):,} events, {share:.0f}% of the median of its neighbouring months "
                                    f"({median:,.0f}): it looks incomplete"})  # fmt: skip
    return flags


def _monthly_totals(ev: pl.DataFrame) -> dict[int, int]:
    totals = ev.filter(pl.col("_mi").is_not_null()).group_by("_mi").len()
    return dict(zip(totals["_mi"].to_list(), totals["len"].to_list()))


def _feed_flags(ev: pl.DataFrame, lo: int, hi: int, within: list[tuple[int, int]]) -> list[dict]:
    """Incomplete-month flags over ``lo..hi`` (the loaded data), kept for months in ``within``."""
    totals = {m: n for m, n in _monthly_totals(ev).items() if lo <= m <= hi}
    totals.setdefault(lo, 0)
    totals.setdefault(hi, 0)
    flags = incomplete_months({_label(m): n for m, n in totals.items()})
    return [f for f in flags if any(a <= _parse_month(f["month"], "month") <= b for a, b in within)]


# --- compare periods -----------------------------------------------------------------------


def _group_column(ev: pl.DataFrame, by: str) -> pl.DataFrame:
    if by not in ev.columns:
        raise ScanError(f"events have no column {by!r} to group by; the columns are {[c for c in ev.columns if not c.startswith('_')]}")
    return ev.with_columns(pl.col(by).cast(pl.String).fill_null(NONE_LABEL).alias("_by"))


def _exclude_covid(ev: pl.DataFrame, exclude: bool, left_out: dict, notes: list, in_periods: pl.Expr) -> pl.DataFrame:
    if "covid" not in ev.columns:
        if exclude:
            raise ScanError("exclude_covid needs a 'covid' column (true for covid-related reports); these events carry no covid flag")
        return ev
    flagged = pl.col("covid").fill_null(False)
    n = int(ev.select((flagged & in_periods).sum()).item())
    if exclude:
        left_out["covid-related (excluded on request)"] = n
        return ev.filter(~flagged)
    if n:
        notes.append(f"{n:,} of the events in these periods are flagged covid-related and are counted; exclude_covid=True leaves them out")
    return ev


def _pct(change: int | None, previous: int | None) -> float | None:
    if change is None or not previous:
        return None
    return round(100 * change / previous, 1)


def _population(population: pl.DataFrame, area: str) -> pl.DataFrame:
    if not isinstance(population, pl.DataFrame) or area not in population.columns or "population" not in population.columns:
        raise ScanError(f"population must be a frame with columns {area!r} (the area code) and 'population'")
    pop = population.select(pl.col(area).cast(pl.String).alias("_area"), pl.col("population").cast(pl.Float64))
    dupes = pop.filter(pl.col("_area").is_duplicated())["_area"].unique().to_list()
    if dupes:
        raise ScanError(f"population gives some areas more than once ({', '.join(sorted(dupes)[:5])}): give one population per area")
    if pop.filter(pl.col("population") < 0).height:
        raise ScanError("population has negative values: give residents per area (zero is allowed and gets no rate)")
    return pop


def _rates(ev: pl.DataFrame, table: pl.DataFrame, population: pl.DataFrame, area: str, by: str, cur: pl.Expr, prev: pl.Expr,
           has_previous: bool, notes: list, flags: list) -> pl.DataFrame:  # fmt: skip
    """Rate columns per 1,000 residents; areas with zero or no population get none, and a flag."""
    if area not in ev.columns:
        raise ScanError(f"rates need each event's area: the events have no {area!r} column to join the population on")
    pop = _population(population, area)
    rated_areas = pop.filter(pl.col("population") > 0)
    ev = ev.with_columns(pl.col(area).cast(pl.String).alias("_area"))
    per_area = ev.group_by("_area").len().join(pop, on="_area", how="left")
    unrated = per_area.filter(pl.col("population").is_null() | (pl.col("population") <= 0)).sort("_area")
    for row in unrated.iter_rows(named=True):
        code = row["_area"] if row["_area"] is not None else NONE_LABEL
        why = "population 0" if row["population"] == 0 else "no population given"
        flags.append({"kind": "no_population", "area": code, "events": row["len"],
                      "reason": f"area {code}: {why}, so no rate (never divided by zero); its {row['len']:,} events are counted but not rated"})  # fmt: skip
    for row in pop.filter(pl.col("population") == 0).join(per_area.select("_area"), on="_area", how="anti").iter_rows(named=True):
        flags.append({"kind": "no_population", "area": row["_area"], "events": 0, "reason": f"area {row['_area']}: population 0, so no rate"})
    per = 1000.0
    if by == area:
        out = table.join(pop.rename({"_area": "category"}), on="category", how="left")
        ok = pl.col("population").is_not_null() & (pl.col("population") > 0)
        rated_total_pop = float(rated_areas["population"].sum())
        rated = ev.filter(pl.col("_area").is_in(rated_areas["_area"].implode()))
        cur_rated, prev_rated = (int(rated.select(e.sum()).item()) for e in (cur, prev))
        out = out.with_columns(
            pl.when(pl.col("category") == TOTAL).then(pl.lit(rated_total_pop)).otherwise(pl.col("population")).alias("population"),
            pl.when(pl.col("category") == TOTAL).then(pl.lit(cur_rated * per / rated_total_pop if rated_total_pop else None))
            .when(ok).then(pl.col("current") * per / pl.col("population")).alias("current_per_1000"),
            pl.when(pl.col("category") == TOTAL).then(pl.lit(prev_rated * per / rated_total_pop if rated_total_pop and has_previous else None))
            .when(ok).then(pl.col("previous") * per / pl.col("population")).alias("previous_per_1000"),
        )  # fmt: skip
        if unrated.height:
            notes.append(f"the Total rate covers the {rated_areas.height:,} areas with a population; {unrated.height:,} areas have none and no rate")
        return out
    total_pop = float(rated_areas["population"].sum())
    if total_pop <= 0:
        raise ScanError("the population frame has no area with residents (all zero or missing): no rate can be given")
    rated = ev.filter(pl.col("_area").is_in(rated_areas["_area"].implode()))
    counts = rated.group_by("_by").agg(cur.sum().alias("_c"), prev.sum().alias("_p"))
    counts = pl.concat([counts, counts.select(pl.lit(TOTAL).alias("_by"), pl.col("_c").sum(), pl.col("_p").sum())])
    out = table.join(counts.rename({"_by": "category"}), on="category", how="left").with_columns(
        pl.lit(total_pop).alias("population"),
        (pl.col("_c").fill_null(0) * per / total_pop).alias("current_per_1000"),
        (pl.when(pl.col("previous").is_not_null()).then(pl.col("_p").fill_null(0) * per / total_pop)).alias("previous_per_1000"),
    ).drop("_c", "_p")  # fmt: skip
    left = int(ev.filter(~pl.col("_area").is_in(rated_areas["_area"].implode())).select(cur.sum() + prev.sum()).item())
    notes.append(f"rates are per 1,000 of the {total_pop:,.0f} residents of the {rated_areas.height:,} areas with a population"
                 + (f"; {left:,} events in areas without one are counted but left out of the rates" if left else ""))  # fmt: skip
    return out


def compare_periods(events: pl.DataFrame, *, end: str, months: int = 12, by: str = "category", exclude_covid: bool = False,
                    population: pl.DataFrame | None = None, area: str = "area", loaded: tuple[str, str] | None = None) -> TrendResult:  # fmt: skip
    """Counts by ``by`` for the ``months`` months to ``end`` against the ``months`` before.

    Table: ``category`` (the value of ``by``), ``current``, ``previous``, ``change``,
    ``change_pct``, sorted by category with a ``Total`` row last; with ``population`` (a
    frame of ``area`` and ``population``) also ``population``, ``current_per_1000`` and
    ``previous_per_1000``. ``loaded`` (first and last month, ``"YYYY-MM"``) says which
    months the data cover when the events given do not show it (default: their first and
    last month). Flags: incomplete months inside either period, a previous period outside
    the data, areas with no population.

    >>> compare_periods(events, end="2022-02", months=12, exclude_covid=True)  # doctest: +SKIP
    """
    if not isinstance(months, int) or isinstance(months, bool) or months < 1:
        raise ScanError(f"months must be a whole number of months, 1 or more (got {months!r})", field="months")
    end_i = _parse_month(end, "end")
    ev = _with_month_index(events)
    lo, hi, loaded_auto = _loaded_range(ev["_mi"], loaded)
    cur_lo, cur_hi = end_i - months + 1, end_i
    prev_lo, prev_hi = end_i - 2 * months + 1, end_i - months
    data = _span(lo, hi)
    if cur_hi > hi:
        raise ScanError(f"the period {_span(cur_lo, cur_hi)} runs past the last month of the data ({_label(hi)}; the data cover {data}): "
                        f"give an end of {_label(hi)} or earlier")  # fmt: skip
    if cur_lo < lo:
        raise ScanError(f"the period {_span(cur_lo, cur_hi)} starts before the data ({data}): {months} months to {_label(end_i)} need data "
                        f"from {_label(cur_lo)}; give fewer months or a later end")  # fmt: skip
    has_previous = prev_lo >= lo
    params = {
        "by": by, "end": _label(end_i), "months": months, "current": _span(cur_lo, cur_hi), "previous": _span(prev_lo, prev_hi),
        "periods": f"{_span(cur_lo, cur_hi)} vs {_span(prev_lo, prev_hi)}", "exclude_covid": exclude_covid,
        "loaded": data, "loaded_auto": loaded_auto, "incomplete_rule": INCOMPLETE_RULE,
    }  # fmt: skip
    left_out: dict[str, int] = {}
    notes: list[str] = []
    flags: list[dict] = []
    if not has_previous:
        missing = min(lo, prev_hi + 1) - prev_lo
        where = "lies outside the data" if missing == months else f"starts before the data: {missing} of its {months} months are outside it"
        flags.append({"kind": "period_outside_data", "period": _span(prev_lo, prev_hi), "months_outside": missing,
                      "reason": f"the previous period {_span(prev_lo, prev_hi)} {where} ({data}), so it is not compared "
                                "(previous, change and change_pct are empty), not counted as zero"})  # fmt: skip
        notes.append(flags[-1]["reason"])
    no_month = int(ev["_mi"].null_count())
    if no_month:
        left_out["no month"] = no_month
    flags += _feed_flags(ev, lo, hi, [(cur_lo, cur_hi)] + ([(prev_lo, prev_hi)] if has_previous else []))
    notes += [f["reason"] + " (flagged, still counted)" for f in flags if f["kind"] in ("incomplete", "no_data")]
    in_cur = pl.col("_mi").is_between(cur_lo, cur_hi)
    in_prev = pl.col("_mi").is_between(prev_lo, prev_hi)
    ev = _exclude_covid(ev, exclude_covid, left_out, notes, in_cur | in_prev)
    outside = int(ev.select((pl.col("_mi").is_not_null() & ~(in_cur | in_prev)).sum()).item())
    if outside:
        left_out["outside the two periods"] = outside
    ev = _group_column(ev.filter(in_cur | in_prev), by)
    counts = ev.group_by("_by").agg(in_cur.sum().cast(pl.Int64).alias("current"), in_prev.sum().cast(pl.Int64).alias("previous"))
    counts = counts.sort("_by").rename({"_by": "category"})
    counts = pl.concat([counts, counts.select(pl.lit(TOTAL).alias("category"), pl.col("current").sum(), pl.col("previous").sum())])
    if not has_previous:
        counts = counts.with_columns(pl.lit(None, dtype=pl.Int64).alias("previous"))
    table = counts.with_columns((pl.col("current") - pl.col("previous")).alias("change"))
    pct = [_pct(c, p) for c, p in zip(table["change"].to_list(), table["previous"].to_list())]
    table = table.with_columns(pl.Series("change_pct", pct, dtype=pl.Float64))
    zero_prev = table.filter(pl.col("previous") == 0)["category"].to_list()
    if zero_prev:
        notes.append(f"change_pct is empty where the previous period had no events (a rise from zero has no percentage): {', '.join(zero_prev)}")
    if population is not None:
        table = _rates(ev, table, population, area, by, in_cur, in_prev, has_previous, notes, flags)
        params["rates"] = "per 1,000 residents"
    if events.height == 0:
        notes.append("the selection holds no events in either period")
    return TrendResult(table=table, params=params, left_out=left_out, notes=notes, flags=flags)


# --- monthly series -------------------------------------------------------------------------


def monthly(events: pl.DataFrame, *, by: str | None = None, rolling: int = 12, loaded: tuple[str, str] | None = None) -> TrendResult:
    """Events per month (and per ``by`` value), every month of the data present (zero
    when none), with ``rolling_sum`` and ``rolling_mean`` over the ``rolling`` months
    ending with each month: empty until that many months of data exist, never padded.

    Table: ``month`` (date), [``category`` (the value of ``by``)], ``events``,
    ``rolling_sum``, ``rolling_mean``. Flags: incomplete months of the totals.
    """
    if not isinstance(rolling, int) or isinstance(rolling, bool) or rolling < 1:
        raise ScanError(f"rolling must be a whole number of months, 1 or more (got {rolling!r})")
    ev = _with_month_index(events)
    lo, hi, loaded_auto = _loaded_range(ev["_mi"], loaded)
    left_out: dict[str, int] = {}
    if ev["_mi"].null_count():
        left_out["no month"] = int(ev["_mi"].null_count())
    outside = int(ev.select((pl.col("_mi") < lo) | (pl.col("_mi") > hi)).to_series().sum())
    if outside:
        left_out["outside the loaded months"] = outside
    ev = ev.filter(pl.col("_mi").is_between(lo, hi))
    months = pl.DataFrame({"_mi": pl.int_range(lo, hi + 1, eager=True, dtype=pl.Int32)})
    keys = ["_mi"]
    if by is not None:
        ev = _group_column(ev, by)
        groups = ev.select(pl.col("_by").unique().sort())
        months = months.join(groups, how="cross")
        keys = ["_by", "_mi"]
    counts = ev.group_by(keys).len()
    table = months.join(counts, on=keys, how="left").with_columns(pl.col("len").fill_null(0).cast(pl.Int64).alias("events")).sort(keys)
    window = pl.col("events").rolling_sum(window_size=rolling)
    table = table.with_columns((window.over("_by") if by is not None else window).alias("rolling_sum"))
    table = table.with_columns((pl.col("rolling_sum") / rolling).alias("rolling_mean"))
    month = pl.date(pl.col("_mi") // 12, pl.col("_mi") % 12 + 1, 1).alias("month")
    cols = [month] + ([pl.col("_by").alias("category")] if by is not None else []) + ["events", "rolling_sum", "rolling_mean"]
    table = table.select(cols)
    flags = _feed_flags(_with_month_index(events), lo, hi, [(lo, hi)])
    notes = [f"rolling_sum is the sum of the {rolling} months ending with each month; it is empty for the first {rolling - 1} months of "
             f"the data ({_span(lo, hi)}), whose window would reach before it"] if rolling > 1 else []  # fmt: skip
    if hi - lo + 1 < rolling:
        notes.append(f"the data cover {hi - lo + 1} months, fewer than the {rolling}-month window: no rolling sums")
    notes += [f["reason"] + (f"; rolling sums whose window includes {f['month']} are affected" if rolling > 1 else "") for f in flags]
    params = {"by": by, "rolling": rolling, "months": _span(lo, hi), "loaded_auto": loaded_auto, "incomplete_rule": INCOMPLETE_RULE}
    return TrendResult(table=table, params=params, left_out=left_out, notes=notes, flags=flags)
