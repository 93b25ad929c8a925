"""Warnings that travel with an assessment: each says, in plain English, why a number must
not be taken at face value and what that means for the result.

One function per warning, each returning ``None`` (nothing to say) or a sentence, and
``all_warnings`` to run every one whose inputs are given. Periods are whole months, a pair
``(first, last)`` written ``"YYYY-MM"`` (or dates), both included.

Rules, so the answers can be checked:

- Regression to the mean: the pre period's mean monthly count is more than 20%
  (``RTM_EXCESS``) above the mean of the baseline months before it (the 12 or 24 months
  before the pre period). Areas chosen because they peaked tend to fall back whatever is
  done (Farrington & Welsh 2006, "How important is regression to the mean in area-based
  crime prevention research?").
- Too few events: the smallest fall (and rise) a two-sided test at 5% would detect with
  80% power, from the normal approximation to the log rate ratio of Poisson counts,
  Var(log RR) = 1/before + 1/after (+ 1/control before + 1/control after with controls;
  after scaled by the ratio of period lengths when they differ). It fires when the
  observed change is smaller than that (or, with no after count, when only a fall of more
  than 50% could be detected).
- Incomplete months: ``sara.scan.trends.incomplete_months`` on the monthly totals of the
  loaded data, kept for months inside the periods.
- Overlapping interventions: another intervention on the same area whose dates overlap
  the pre or post period (an open-ended one is taken as still running).
- Recording-practice change: a category whose monthly count stays below 10%
  (``RECORDING_FRACTION``) of its mean over all earlier months for 2 or more months in a
  row (``RECORDING_RUN``), judged only where that earlier mean rests on 6 or more months
  and is 5 or more a month (so small series are not flagged for noise: two chance months
  that low at a mean of 5 have a probability near 1 in 2,000).
- Covid: a period overlapping the restrictions in England, 23 March 2020 to 18 July 2021
  (``COVID_ENGLAND``, phase by phase).
- A post period whose last month has not ended by ``today``; a period reaching outside the
  months of loaded data.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import polars as pl
from scipy import optimize, stats

from sara.assess.errors import AssessError
from sara.scan.trends import incomplete_months

RTM_EXCESS = 0.20
POWER = 0.80
ALPHA = 0.05
RECORDING_FRACTION = 0.10
RECORDING_RUN = 2
RECORDING_MIN_MONTHS = 6
RECORDING_MIN_MEAN = 5.0

# Covid restrictions in England (recalled, not checked against the source while writing:
# Institute for Government, "Timeline of UK government coronavirus lockdowns and
# restrictions", and the Health Protection (Coronavirus, Restrictions) (England)
# Regulations 2020 to 2021). Dates are the first and last day each phase applied.
COVID_SOURCE = "Institute for Government, timeline of UK coronavirus lockdowns and restrictions (recalled)"
COVID_ENGLAND: list[tuple[str, dt.date, dt.date]] = [
    ("first national lockdown (stay at home)", dt.date(2020, 3, 23), dt.date(2020, 5, 12)),
    ("first lockdown eased in stages (hospitality closed until 4 July)", dt.date(2020, 5, 13), dt.date(2020, 7, 3)),
    ("local restrictions and the rule of six (from 14 September)", dt.date(2020, 7, 4), dt.date(2020, 10, 13)),
    ("three-tier local restrictions", dt.date(2020, 10, 14), dt.date(2020, 11, 4)),
    ("second national lockdown", dt.date(2020, 11, 5), dt.date(2020, 12, 1)),
    ("tiers, Tier 4 from 20 December", dt.date(2020, 12, 2), dt.date(2021, 1, 5)),
    ("third national lockdown (schools reopened 8 March)", dt.date(2021, 1, 6), dt.date(2021, 3, 28)),
    ("roadmap Step 1b (outdoor rule of six)", dt.date(2021, 3, 29), dt.date(2021, 4, 11)),
    ("roadmap Step 2 (non-essential retail, outdoor hospitality)", dt.date(2021, 4, 12), dt.date(2021, 5, 16)),
    ("roadmap Step 3 (indoor hospitality)", dt.date(2021, 5, 17), dt.date(2021, 7, 18)),
]
COVID_END_NOTE = "most legal restrictions in England ended at roadmap Step 4 on 19 July 2021"

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


# --- months ---------------------------------------------------------------------------------


def _month(value, what: str) -> int:
    """A month as an index, year * 12 + month - 1."""
    if isinstance(value, dt.date):
        return value.year * 12 + value.month - 1
    m = _MONTH.match(str(value).strip()[:7])
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise AssessError(f"{what} must be a month written YYYY-MM, for example 2021-04 (got {value!r})")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def _period(value, what: str) -> tuple[int, int]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence) or len(value) != 2:
        raise AssessError(f"{what} must be a pair of months (first, last), e.g. ('2021-04', '2021-08'); got {value!r}")
    lo, hi = _month(value[0], f"{what} first month"), _month(value[1], f"{what} last month")
    if lo > hi:
        raise AssessError(f"{what} runs backwards ({value[0]} is after {value[1]})")
    return lo, hi


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _span(lo: int, hi: int) -> str:
    return _label(lo) if lo == hi else f"{_label(lo)}..{_label(hi)}"


def _first_day(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _last_day(index: int) -> dt.date:
    return _first_day(index + 1) - dt.timedelta(days=1)


def _counts(values, what: str) -> np.ndarray:
    try:
        arr = np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):
        raise AssessError(f"{what} must be a sequence of monthly counts") from None
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise AssessError(f"{what} must be a sequence of monthly counts, finite and not negative")
    return arr


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# --- regression to the mean -----------------------------------------------------------------


def regression_to_mean(pre, baseline, *, excess: float = RTM_EXCESS) -> str | None:
    """A warning when the pre period stands well above the area's longer baseline.

    ``pre``: the target's monthly counts in the pre period; ``baseline``: its monthly
    counts in the months before that (12 or 24). Fires when the pre-period monthly mean is
    more than ``excess`` (20%) above the baseline's.
    """
    pre_arr, base = _counts(pre, "pre"), _counts(baseline, "baseline")
    if pre_arr.size == 0 or base.size == 0:
        return None
    pre_mean, base_mean = float(pre_arr.mean()), float(base.mean())
    if pre_mean <= 0 or pre_mean <= (1 + excess) * base_mean:
        return None
    above = (
        "with none at all in the baseline"
        if base_mean == 0
        else f"{_pct(pre_mean / base_mean - 1)} above the {base.size} months before it ({base_mean:.1f} a month)"
    )
    return (f"Regression to the mean: the before period averaged {pre_mean:.1f} events a month, {above}. Places picked at a peak tend to "
            "fall back towards their usual level whatever is done (Farrington & Welsh 2006), so part of any fall would have happened "
            "anyway; only the change beyond the comparison areas, or beyond the longer baseline, can be credited to the response.")  # fmt: skip


# --- too few events -------------------------------------------------------------------------


def detectable_change(before: float, *, time_ratio: float = 1.0, control_before: float | None = None, control_after: float | None = None,
                      power: float = POWER, alpha: float = ALPHA) -> tuple[float | None, float | None]:  # fmt: skip
    """The smallest fall and rise (fractions, e.g. 0.45 for 45%) of the target's rate that a
    two-sided test at ``alpha`` would detect with ``power``, given ``before`` events (and
    optionally the control's counts). ``time_ratio``: after-period length / before-period
    length. Normal approximation to the log rate ratio of Poisson counts. A fall is None
    when no fall short of 100% could be detected."""
    if not before or before <= 0:
        return None, None
    z = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    extra = 0.0
    control_ratio = 1.0
    if control_before is not None and control_after is not None:
        if control_before <= 0 or control_after <= 0:
            return None, None
        extra = 1 / control_before + 1 / control_after
        control_ratio = control_after / control_before
        time_ratio = 1.0  # the control's change carries the period lengths

    def gap(log_r: float) -> float:
        after = before * time_ratio * control_ratio * math.exp(log_r)
        return abs(log_r) - z * math.sqrt(1 / before + 1 / after + extra)

    def first_root(sign: float) -> float | None:
        # gap is negative at 0 and, for a fall, negative again near a 100% fall (the after
        # count vanishes): walk out from 0 to the first detectable change, then refine.
        prev = 0.0
        for step in np.linspace(0.01, 12.0, 1200):
            x = sign * step
            if gap(x) > 0:
                return optimize.brentq(gap, prev, x) if prev != x else x
            prev = x
        return None

    down, up = first_root(-1.0), first_root(1.0)
    fall = None if down is None else 1 - math.exp(down)
    rise = None if up is None else math.exp(up) - 1
    return fall, rise


def too_few_events(before: float, after: float | None = None, *, before_months: int | None = None, after_months: int | None = None,
                   control_before: float | None = None, control_after: float | None = None, power: float = POWER,
                   alpha: float = ALPHA) -> str | None:  # fmt: skip
    """A warning when the counts are too few for the change seen (or any change under
    50%, when no after count is given) to be told from chance."""
    if before is None or before < 0 or (after is not None and after < 0):
        raise AssessError("before and after must be counts of events, not negative")
    ratio = 1.0
    if before_months and after_months:
        ratio = after_months / before_months
    fall, rise = detectable_change(before, time_ratio=ratio, control_before=control_before, control_after=control_after, power=power, alpha=alpha)
    vs = " (against the comparison areas)" if control_before is not None and control_after is not None else ""
    how = f"at {_pct(power)} power and a two-sided {alpha * 100:g}% test"
    fall_txt = (
        f"only a fall of more than {_pct(fall)}{vs} could be told from chance"
        if fall is not None
        else f"no fall{vs}, however large, could reliably be told from chance"
    )
    if before == 0:
        return ("Too few events: there were no events before, so no fall can be measured and a rise from nothing has no percentage; "
                "the count after is a description, not evidence of change.")  # fmt: skip
    if after is None:
        if fall is None or fall > 0.5:
            return (f"Too few events: with {before:,.0f} events before, {fall_txt} ({how}); smaller "
                    "changes, real or not, cannot be shown with counts this small.")  # fmt: skip
        return None
    expected = before * ratio
    if control_before and control_after:
        expected = before * control_after / control_before
    if expected <= 0:
        return None
    change = after / expected - 1
    if change < 0 and (fall is None or -change < fall):
        return (f"Too few events: with {before:,.0f} events before, {fall_txt} ({how}); the fall of "
                f"{_pct(-change)} seen is within what chance alone produces, so it is not evidence that the response worked.")  # fmt: skip
    if change > 0 and (rise is None or change < rise):
        rise_txt = (
            f"only a rise of more than {_pct(rise)}{vs} could be told from chance" if rise is not None else f"no rise{vs} could reliably be told from chance"
        )
        return (f"Too few events: with {before:,.0f} events before, {rise_txt} ({how}); the rise of "
                f"{_pct(change)} seen is within what chance alone produces.")  # fmt: skip
    return None


# --- incomplete months ----------------------------------------------------------------------


def incomplete_in_periods(counts_by_month, periods: Mapping[str, Sequence]) -> str | None:
    """A warning naming months inside the periods that look incomplete in the loaded data.

    ``counts_by_month``: the monthly totals of all loaded events (a frame with ``month``
    and ``events``, or ``{"2021-04": 62, ...}``), wider than the periods so each month has
    neighbours; ``periods``: ``{"before": (first, last), "after": (first, last)}``.
    """
    spans = {name: _period(p, f"the {name} period") for name, p in periods.items()}
    flags = incomplete_months(counts_by_month)
    hits = []
    for f in flags:
        m = _month(f["month"], "month")
        inside = [name for name, (lo, hi) in spans.items() if lo <= m <= hi]
        if inside:
            what = "has no events at all" if f["kind"] == "no_data" else f"has {f['events']:,} events against a usual {f['neighbours_median']:,.0f}"
            hits.append(f"{f['month']} ({' and '.join(inside)} period) {what}")
    if not hits:
        return None
    return (f"Incomplete data: {'; '.join(hits)}. If the data for {'that month' if len(hits) == 1 else 'those months'} are incomplete, the "
            "counts are short and a fall may be an artefact of the data feed, not of the response; check the source and re-load.")  # fmt: skip


# --- overlapping interventions --------------------------------------------------------------


def _date_or_month(value, what: str, *, end: bool) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        m = _month(text, what)
        return _last_day(m) if end else _first_day(m)


def overlapping_interventions(pre, post, others: Iterable = ()) -> str | None:
    """A warning naming other interventions on the same area whose dates overlap the pre
    or post period. ``others``: ``(name, start, end)`` with dates or months; ``end`` None
    for one still running."""
    pre_lo, pre_hi = _period(pre, "the before period")
    post_lo, post_hi = _period(post, "the after period")
    spans = {"before": (_first_day(pre_lo), _last_day(pre_hi)), "after": (_first_day(post_lo), _last_day(post_hi))}
    hits = []
    for item in others or ():
        try:
            name, start, end = item
        except (TypeError, ValueError):
            raise AssessError(f"each other intervention must be (name, start, end); got {item!r}") from None
        s = _date_or_month(start, f"start of {name}", end=False)
        e = _date_or_month(end, f"end of {name}", end=True)
        if s is None:
            raise AssessError(f"intervention {name!r} needs a start date")
        inside = [p for p, (lo, hi) in spans.items() if s <= hi and (e is None or e >= lo)]
        if inside:
            until = f"to {e.isoformat()}" if e else "still running"
            hits.append(f"{name} ({s.isoformat()} {until}; overlaps the {' and '.join(inside)} period)")
    if not hits:
        return None
    return (f"Other interventions on this area overlap the assessment: {'; '.join(hits)}. Any change may be theirs as much as this "
            "response's; the result is the combined effect of everything done there.")  # fmt: skip


# --- recording-practice change --------------------------------------------------------------


def _by_category(monthly) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    if isinstance(monthly, pl.DataFrame):
        need = {"month", "category"}
        if not need <= set(monthly.columns):
            raise AssessError(f"the monthly frame needs 'month', 'category' and 'events' columns; it has {monthly.columns}")
        count = next((c for c in ("events", "count") if c in monthly.columns), None)
        if count is None:
            raise AssessError("the monthly frame needs an 'events' (or 'count') column")
        for month, cat, n in monthly.select("month", "category", count).iter_rows():
            out.setdefault(str(cat), {})
            key = _month(month, "month")
            out[str(cat)][key] = out[str(cat)].get(key, 0) + float(n or 0)
        return out
    if isinstance(monthly, Mapping):
        for cat, series in monthly.items():
            if not isinstance(series, Mapping):
                raise AssessError("give monthly counts by category as {category: {'YYYY-MM': count}} or a frame (month, category, events)")
            out[str(cat)] = {_month(m, "month"): float(n or 0) for m, n in series.items()}
        return out
    raise AssessError("give monthly counts by category as {category: {'YYYY-MM': count}} or a frame (month, category, events)")


def recording_change(monthly, *, fraction: float = RECORDING_FRACTION, run: int = RECORDING_RUN) -> str | None:
    """A warning for a category that falls to near zero: below ``fraction`` of its mean over
    all earlier months for ``run`` or more months in a row. Months missing between a
    category's first and last month count as zero."""
    found = []
    for cat, series in sorted(_by_category(monthly).items()):
        if not series:
            continue
        lo, hi = min(series), max(series)
        counts = np.array([series.get(m, 0.0) for m in range(lo, hi + 1)])
        streak = 0
        for i in range(len(counts)):
            start = i - streak  # first month of the current low run
            earlier = counts[:start]
            if len(earlier) < RECORDING_MIN_MONTHS or earlier.mean() < RECORDING_MIN_MEAN:
                streak = 0
                continue
            if counts[i] < fraction * earlier.mean():
                streak += 1
                if streak >= run:
                    found.append((cat, lo + start, float(earlier.mean()), counts[start : i + 1]))
                    break
            else:
                streak = 0
    if not found:
        return None
    parts = [f"{cat} falls from {mean:.0f} a month to {', '.join(f'{v:.0f}' for v in vals)} from {_label(m)}" for cat, m, mean, vals in found]
    return (f"A possible change in recording: {'; '.join(parts)}. A fall to near zero that sudden is more often a change in how "
            "events are recorded or coded (or a feed that stopped) than a real fall; check with the data owner before crediting it to "
            "the response.")  # fmt: skip


# --- covid ----------------------------------------------------------------------------------


def covid_overlap(periods: Mapping[str, Sequence]) -> str | None:
    """A warning for periods that overlap covid restrictions in England (``COVID_ENGLAND``)."""
    hits = []
    for name, p in periods.items():
        lo, hi = _period(p, f"the {name} period")
        first, last = _first_day(lo), _last_day(hi)
        phases = [label for label, s, e in COVID_ENGLAND if s <= last and e >= first]
        if phases:
            hits.append(f"the {name} period ({_span(lo, hi)}) overlaps covid restrictions ({', then '.join(phases)})")
    if not hits:
        return None
    return (f"Covid: {'; '.join(hits)}. Restrictions in England ran from 23 March 2020 until 19 July 2021 ({COVID_END_NOTE}; "
            f"source: {COVID_SOURCE}); crime and ASB rose and fell with them (and ASB reports included breaches of the rules), so a "
            "change across these periods may reflect the restrictions rather than the response.")  # fmt: skip


# --- periods --------------------------------------------------------------------------------


def period_not_ended(post, today: dt.date | None = None) -> str | None:
    """A warning when the post period's last month has not ended by ``today``."""
    lo, hi = _period(post, "the after period")
    today = today or dt.date.today()
    if isinstance(today, dt.datetime):
        today = today.date()
    if today > _last_day(hi):
        return None
    return (f"The after period ({_span(lo, hi)}) has not ended (today is {today.isoformat()}): its counts are short and still growing, "
            "so any fall is overstated until the period is over and its data are loaded.")  # fmt: skip


def periods_outside_data(periods: Mapping[str, Sequence], loaded) -> str | None:
    """A warning for periods reaching outside the months of loaded data, ``loaded`` =
    (first, last)."""
    lo, hi = _period(loaded, "the loaded data")
    hits = []
    for name, p in periods.items():
        a, b = _period(p, f"the {name} period")
        missing = max(0, min(b, lo - 1) - a + 1) + max(0, b - max(a, hi + 1) + 1)
        if missing:
            hits.append(f"{missing} of the {b - a + 1} months of the {name} period ({_span(a, b)})")
    if not hits:
        return None
    return (f"Periods outside the data: {'; '.join(hits)} lie outside the loaded data ({_span(lo, hi)}). Those months count as nothing, "
            "not as zero crime, so the comparison is not valid until the data for them are loaded.")  # fmt: skip


# --- all ------------------------------------------------------------------------------------


def all_warnings(*, pre, post, today: dt.date | None = None, loaded=None, pre_counts=None, baseline_counts=None,
                 before: float | None = None, after: float | None = None, control_before: float | None = None,
                 control_after: float | None = None, counts_by_month=None, by_category=None, others: Iterable = ()) -> list[dict]:  # fmt: skip
    """Every warning whose inputs are given, each ``{"kind", "message"}``, in a fixed order:
    periods outside the data, post period not ended, incomplete months, covid, recording
    change, overlapping interventions, regression to the mean, too few events."""
    periods = {"before": pre, "after": post}
    before_months = after_months = None
    checks = []
    if loaded is not None:
        checks.append(("periods_outside_data", lambda: periods_outside_data(periods, loaded)))
    checks.append(("period_not_ended", lambda: period_not_ended(post, today)))
    if counts_by_month is not None:
        checks.append(("incomplete_months", lambda: incomplete_in_periods(counts_by_month, periods)))
    checks.append(("covid", lambda: covid_overlap(periods)))
    if by_category is not None:
        checks.append(("recording_change", lambda: recording_change(by_category)))
    checks.append(("overlapping_interventions", lambda: overlapping_interventions(pre, post, others)))
    if pre_counts is not None and baseline_counts is not None:
        checks.append(("regression_to_mean", lambda: regression_to_mean(pre_counts, baseline_counts)))
    if before is not None:
        (a, b), (c, d) = _period(pre, "the before period"), _period(post, "the after period")
        before_months, after_months = b - a + 1, d - c + 1
        checks.append(("too_few_events", lambda: too_few_events(before, after, before_months=before_months, after_months=after_months,
                                                                control_before=control_before, control_after=control_after)))  # fmt: skip
    out = []
    for kind, check in checks:
        message = check()
        if message:
            out.append({"kind": kind, "message": message})
    return out
