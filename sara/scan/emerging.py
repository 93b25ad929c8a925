"""Emerging hot spots: how each cell's hot or cold spot status has changed over time.

``emerging(x, y, t)`` builds a space-time cube (grid cells x periods), runs Gi* on every
period's counts (the same statistic as ``sara.scan.gistar``, queen neighbours by default),
decides which bins are significant after a multiple-testing correction, tests each cell's
series of Gi* z-scores for a trend with Mann-Kendall, and puts each cell in one of the 17
categories of Esri's Emerging Hot Spot Analysis.

Periods are counted back from the last event (Esri's default "end time" alignment), so the
final period, the one the categories turn on, is whole; the first may be partial and the
notes say so. ``period`` is ``"month"`` (also ``"quarter"``, ``"year"``, ``"N months"``)
or a number of days (also ``"week"``, ``"N days"``, ``"N weeks"``). police.uk dates are
months only (every date the 1st), so day-based periods are refused for them.

Significance of a bin: its two-sided Gi* p-value after the correction (Benjamini-Hochberg
FDR by default) is ``<= alpha`` (0.05). The correction runs over the whole cube
(``family="cube"``, every bin of every period at once: the categories read every bin, so
every bin is one family) or period by period (``family="period"``, as a separate Gi* map
per period would be).

Trend: Mann-Kendall S on the cell's z-scores in time order; tau is Kendall's tau-b; the
p-value is exact (permutation distribution of S) when the series has no ties and at most 33
periods, else the normal approximation with the tie-corrected variance, no continuity
correction. These are the rules of ``scipy.stats.kendalltau(range(K), z)``, which the
tests check against. A trend is significant when ``p <= alpha``. The test needs enough
periods for ``p <= alpha`` to be reachable at all (5 at 0.05: ``min_periods``); fewer are
refused.

Categories, rule by rule (``K`` periods; a bin is *hot* when significant with z > 0,
*cold* when significant with z < 0; "90%" means at least 90% of the K periods; "final"
is the last period). The rules are checked in this order and the first that holds wins,
so every cell gets exactly one:

1. intensifying hot spot: hot in >= 90% of periods, hot in the final period, and a
   significant upward trend in z.
2. diminishing hot spot: hot in >= 90%, hot in the final period, significant downward trend.
3. persistent hot spot: hot in >= 90%, hot in the final period, no significant trend.
4. intensifying / diminishing / persistent cold spot: the same with cold, where
   intensifying means z trending significantly *down* (colder) and diminishing *up*.
5. new hot spot: hot in the final period and not significant (hot or cold) in any earlier one.
6. consecutive hot spot: a final uninterrupted run of at least 2 hot periods, nothing
   significant before the run, and hot in < 90% of periods.
7. oscillating hot spot: hot in the final period, cold in at least one earlier period,
   hot in < 90%.
8. new / consecutive / oscillating cold spot: the same with hot and cold swapped.
9. historical hot spot: hot in >= 90% of periods but not in the final one.
10. historical cold spot: cold in >= 90% but not in the final one.
11. sporadic hot spot: hot in at least one period, never cold, and none of the above
    (on-again off-again, whether or not the final period is hot).
12. sporadic cold spot: the same with cold.
13. no pattern detected: everything else.

Where this differs from others, on purpose:

* Esri's current help makes a sporadic hot spot hot in the final period; its earlier help
  (ArcMap) and sfdep do not. We follow the earlier reading (rule 11), so a cell that was
  on and off hot and is not hot now is "sporadic", not "no pattern".
* A cell hot for >= 90% of periods and cold in the final one fits both Esri's "historical
  hot" and "oscillating cold": we say oscillating cold (the present state comes first),
  as sfdep does.
* sfdep's "intensifying hot spot" counts significant bins of either sign and has no FDR;
  its "historical hot spot" asks for a negative final z. We count hot bins only and ask
  that the final period be not hot.
* Esri's space-time Gi* also puts the previous period's bins in each neighbourhood
  (Neighborhood Time Step, default 1); ours is Gi* on each period's map alone, so a
  category here can be compared with the Gi* map of any single period.

Categories swing with the period length (Esri users report whole areas turning from
"diminishing" to "persistent" when the time step changes). ``sensitivity`` reruns the
analysis with the period halved and doubled and counts the cells whose category changes;
``emerging(..., sensitivity=True)`` (the default) puts that count in the result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy import sparse

from sara.scan.gistar import CORRECTIONS, MIN_EVENTS, NEIGHBOURS, _neighbour_params, gi_star_z, threshold, two_sided_p, weights_for
from sara.scan.grid import Grid, make_grid
from sara.scan.result import Note, ScanError, ScanResult

CATEGORIES = (
    "new hot spot",
    "consecutive hot spot",
    "intensifying hot spot",
    "persistent hot spot",
    "diminishing hot spot",
    "sporadic hot spot",
    "oscillating hot spot",
    "historical hot spot",
    "new cold spot",
    "consecutive cold spot",
    "intensifying cold spot",
    "persistent cold spot",
    "diminishing cold spot",
    "sporadic cold spot",
    "oscillating cold spot",
    "historical cold spot",
    "no pattern detected",
)
NONE = CATEGORIES.index("no pattern detected")
EXACT_MAX = 33  # scipy.stats.kendalltau uses the exact distribution up to here (no ties)
MONTH_DAYS = 365.25 / 12


# --------------------------------------------------------------------------- Mann-Kendall


def _exact_p_table(n: int) -> np.ndarray:
    """Two-sided exact p of Kendall's test with ``n`` untied values, indexed by
    ``c = min(discordant, concordant)``: ``min(1, 2 P(C <= c))``."""
    pmf = np.array([1.0])
    for j in range(2, n + 1):  # inversions of a random permutation: sum of uniforms on 0..j-1
        pmf = np.convolve(pmf, np.ones(j)) / j
    return np.minimum(1.0, 2 * np.cumsum(pmf))


def min_periods(alpha: float = 0.05) -> int:
    """The fewest periods at which the Mann-Kendall test can reach ``p <= alpha`` (a
    perfectly monotone series has exact p = 2 / K!)."""
    n = 2
    while 2 / math.factorial(n) > alpha:
        n += 1
    return n


def mann_kendall(series: np.ndarray, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mann-Kendall trend test of each row of ``series`` (values in time order).

    Returns ``(S, tau, z, p)``: ``S`` = concordant − discordant pairs; ``tau`` = Kendall's
    tau-b; ``z = S / sqrt(var S)`` with the tie-corrected variance; ``p`` two-sided, exact
    when the row has no ties and at most 33 values (or S is within one swap of its
    extreme), otherwise from ``z``: the rules of ``scipy.stats.kendalltau``. A row with
    every value equal gets tau 0, z 0, p 1.
    """
    x = np.atleast_2d(np.asarray(series, dtype=float))
    m, n = x.shape
    s = np.zeros(m, dtype=np.int64)
    var_ties = np.zeros(m)
    tied_pairs = np.zeros(m)
    for start in range(0, m, chunk):  # blocks of rows that stay in cache
        block = x[start : start + chunk]
        acc = np.zeros(len(block))
        for i in range(n - 1):
            acc += np.sign(block[:, i + 1 :] - block[:, i : i + 1]).sum(axis=1)
        s[start : start + chunk] = acc
        var_ties[start : start + chunk], tied_pairs[start : start + chunk] = _ties(block)
    total = n * (n - 1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = s / np.sqrt(total * (total - tied_pairs))
        z = s / np.sqrt((n * (n - 1) * (2 * n + 5) - var_ties) / 18)
    tau[~np.isfinite(tau)] = 0.0
    z[~np.isfinite(z)] = 0.0
    p = two_sided_p(z)
    p[(s == 0) & (tied_pairs == total)] = 1.0
    untied = tied_pairs == 0
    c = ((total - np.abs(s)) / 2).astype(np.int64)  # min(discordant, concordant) when untied
    if n <= EXACT_MAX:
        table = _exact_p_table(n)
        p[untied] = table[c[untied]]
    else:
        edge = untied & (c <= 1)
        p[edge & (c == 0)] = 2 / math.factorial(n) if n < 171 else 0.0
        p[edge & (c == 1)] = 2 / math.factorial(n - 1) if n < 172 else 0.0
    return s, tau, z, p


def _ties(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, over groups of t equal values: sum t(t-1)(2t+5) and tied pairs t(t-1)/2."""
    m, n = block.shape
    ordered = np.sort(block, axis=1)
    same = ordered[:, 1:] == ordered[:, :-1]
    tied_rows = np.flatnonzero(same.any(axis=1))
    var_ties = np.zeros(m)
    tied_pairs = np.zeros(m)
    if len(tied_rows):
        starts = np.ones((len(tied_rows), n), dtype=bool)
        starts[:, 1:] = ~same[tied_rows]
        sizes = np.bincount(np.cumsum(starts.ravel()) - 1).astype(float)
        row = np.repeat(np.arange(len(tied_rows)), starts.sum(axis=1))
        var_ties[tied_rows] = np.bincount(row, weights=sizes * (sizes - 1) * (2 * sizes + 5), minlength=len(tied_rows))
        tied_pairs[tied_rows] = np.bincount(row, weights=sizes * (sizes - 1) / 2, minlength=len(tied_rows))
    return var_ties, tied_pairs


# --------------------------------------------------------------------------- categories


def classify_many(z: np.ndarray, significant: np.ndarray, mk_stat: np.ndarray, mk_p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Category index (into ``CATEGORIES``) of each row: ``z`` and ``significant`` are
    ``cells x periods`` in time order, ``mk_stat`` the Mann-Kendall S (or tau: only its
    sign is read) and ``mk_p`` its p-value. Rules: see the module docstring."""
    z = np.atleast_2d(np.asarray(z, dtype=float))
    sig = np.atleast_2d(np.asarray(significant, dtype=bool))
    mk_stat = np.atleast_1d(np.asarray(mk_stat, dtype=float))
    mk_p = np.atleast_1d(np.asarray(mk_p, dtype=float))
    n = z.shape[1]
    hot = sig & (z > 0)
    cold = sig & (z < 0)
    n_hot = hot.sum(axis=1)
    n_cold = cold.sum(axis=1)
    n_sig = n_hot + n_cold
    mostly_hot = 10 * n_hot >= 9 * n
    mostly_cold = 10 * n_cold >= 9 * n
    final_hot = hot[:, -1]
    final_cold = cold[:, -1]
    run_hot = _final_run(hot)
    run_cold = _final_run(cold)
    up = (mk_stat > 0) & (mk_p <= alpha)
    down = (mk_stat < 0) & (mk_p <= alpha)
    rules = [
        ("intensifying hot spot", mostly_hot & final_hot & up),
        ("diminishing hot spot", mostly_hot & final_hot & down),
        ("persistent hot spot", mostly_hot & final_hot & ~up & ~down),
        ("intensifying cold spot", mostly_cold & final_cold & down),
        ("diminishing cold spot", mostly_cold & final_cold & up),
        ("persistent cold spot", mostly_cold & final_cold & ~up & ~down),
        ("new hot spot", final_hot & (n_sig == 1)),
        ("consecutive hot spot", final_hot & (run_hot >= 2) & (n_sig == run_hot) & ~mostly_hot),
        ("oscillating hot spot", final_hot & (n_cold > 0) & ~mostly_hot),
        ("new cold spot", final_cold & (n_sig == 1)),
        ("consecutive cold spot", final_cold & (run_cold >= 2) & (n_sig == run_cold) & ~mostly_cold),
        ("oscillating cold spot", final_cold & (n_hot > 0) & ~mostly_cold),
        ("historical hot spot", mostly_hot & ~final_hot),
        ("historical cold spot", mostly_cold & ~final_cold),
        ("sporadic hot spot", (n_hot > 0) & (n_cold == 0)),
        ("sporadic cold spot", (n_cold > 0) & (n_hot == 0)),
    ]
    return np.select([cond for _, cond in rules], [CATEGORIES.index(name) for name, _ in rules], default=NONE)


def _final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True at the end of each row."""
    rev = flags[:, ::-1]
    return np.where(rev.all(axis=1), flags.shape[1], np.argmin(rev, axis=1))


def classify(z_series, p_series, mk_stat: float, mk_p: float, *, alpha: float = 0.05) -> str:
    """The category of one cell from its Gi* z-scores and (corrected) p-values in time
    order and its Mann-Kendall statistic (S or tau) and p-value; a bin is significant when
    its p is ``<= alpha``. Rules: see the module docstring."""
    z = np.asarray(z_series, dtype=float)[None, :]
    sig = np.asarray(p_series, dtype=float)[None, :] <= alpha
    return CATEGORIES[int(classify_many(z, sig, [mk_stat], [mk_p], alpha)[0])]


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    unit: str  # "months" or "days"
    length: int

    @property
    def label(self) -> str:
        one = self.unit[:-1]
        return f"1 {one}" if self.length == 1 else f"{self.length} {self.unit}"


_NAMED = {
    "month": Period("months", 1),
    "quarter": Period("months", 3),
    "year": Period("months", 12),
    "week": Period("days", 7),
    "fortnight": Period("days", 14),
    "day": Period("days", 1),
}


def parse_period(period) -> Period:
    """``"month"``, ``"quarter"``, ``"year"``, ``"week"``, ``"N months"``, ``"N weeks"``,
    ``"N days"``, or a whole number of days."""
    if isinstance(period, Period):
        return period
    if isinstance(period, (int, float, np.integer, np.floating)) and not isinstance(period, bool):
        if period != int(period) or period < 1:
            raise ScanError(f"a period in days must be a whole number of 1 or more, not {period}")
        return Period("days", int(period))
    if isinstance(period, str):
        text = period.strip().lower()
        if text in _NAMED:
            return _NAMED[text]
        found = re.fullmatch(r"(\d+)\s*(day|days|week|weeks|month|months)", text)
        if found and int(found[1]) >= 1:
            number, unit = int(found[1]), found[2].rstrip("s") + "s"
            return Period("days", number * 7) if unit == "weeks" else Period(unit, number)
    raise ScanError(f"unknown period {period!r}", field="period", fix="use month, quarter, year, week, 'N months', 'N days' or a number of days")


@dataclass
class _Times:
    months: np.ndarray  # month number (months since 1970-01, or the given index)
    days: np.ndarray | None  # day number, None when the dates are months only
    calendar: bool  # months are real calendar months (labels as YYYY-MM)


def _times(t) -> tuple[_Times, np.ndarray]:
    """Month and day numbers of each event, and which events have a date."""
    if isinstance(t, pl.Series):
        t = t.to_numpy()
    arr = np.asarray(t)
    if arr.dtype == object:
        try:
            arr = arr.astype("datetime64[ns]")
        except (TypeError, ValueError) as err:
            raise ScanError("the times must be dates (datetime64) or whole month numbers") from err
    if arr.dtype.kind in "iu":
        return _Times(arr.astype(np.int64), None, False), np.ones(len(arr), dtype=bool)
    if arr.dtype.kind != "M":
        raise ScanError(f"the times must be dates (datetime64) or whole month numbers, not {arr.dtype}")
    ok = ~np.isnat(arr)
    arr = arr[ok]
    day = arr.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    months_only = bool((day == month.astype("datetime64[D]")).all() and (arr == day).all())
    return _Times(month.astype(np.int64), None if months_only else day.astype(np.int64), True), ok


def _assign(times: _Times, period: Period) -> tuple[np.ndarray, int, list[str], bool]:
    """Period index of each event (0 = first), the number of periods, their labels, and
    whether the first period is partial. Periods end with the last event's month or day."""
    if period.unit == "days":
        if times.days is None:
            raise ScanError("the dates are months only (as police.uk gives them), so periods must be whole months: use period='month'", field="period")
        stamp = times.days
    else:
        stamp = times.months
    last = int(stamp.max())
    back = (last - stamp) // period.length
    count = int(back.max()) + 1
    index = count - 1 - back
    partial = int(stamp.min()) > last - count * period.length + 1
    labels = []
    for j in range(count):
        first = last - (count - j) * period.length + 1
        end = first + period.length - 1
        labels.append(_label(first, times, period) + ("" if period.length == 1 else ".." + _label(end, times, period)))
    return index, count, labels, partial


def _label(stamp: int, times: _Times, period: Period) -> str:
    if period.unit == "days":
        return str(np.datetime64(stamp, "D"))
    return str(np.datetime64(stamp, "M")) if times.calendar else f"month {stamp}"


# --------------------------------------------------------------------------- the cube


@dataclass
class _Prepared:
    grid: Grid
    cell: np.ndarray
    times: _Times
    weights: sparse.csr_matrix
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)


def _prepare(x, y, t, *, grid, cell_size, shape, clip, neighbours, distance, k, min_events) -> _Prepared:
    if neighbours not in NEIGHBOURS:
        raise ScanError(f"unknown neighbours {neighbours!r}", field="neighbours", fix=f"use {', '.join(NEIGHBOURS)}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(t) != len(x):
        raise ScanError(f"x, y and t must be three lists of the same length, not {len(x)}, {len(y)} and {len(t)}")
    left_out: dict[str, int] = {}
    notes: list[str] = []
    times, dated = _times(t)
    if not dated.all():
        left_out["no date"] = int((~dated).sum())
        x, y = x[dated], y[dated]
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.all():
        left_out["no coordinates"] = int((~finite).sum())
        x, y = x[finite], y[finite]
        times = _Times(times.months[finite], None if times.days is None else times.days[finite], times.calendar)
    if grid is None:
        grid = make_grid(x, y, cell_size=cell_size, shape=shape, clip=clip)
    if grid.cell_size_auto:
        notes.append(
            Note(f"cell size {grid.cell_size:g} m chosen automatically: 1/100 of the larger side of the extent, rounded up to 10 m; give a cell size to change it", field="cell_size")
        )
    cell = grid.locate(x, y)
    on = cell >= 0
    if not on.all():
        left_out["outside the grid"] = int((~on).sum())
        times = _Times(times.months[on], None if times.days is None else times.days[on], times.calendar)
    cell = cell[on]
    if len(cell) < min_events:
        raise ScanError(
            f"only {len(cell)} events on the grid: emerging hot spots need at least {min_events} (Esri's rule for hot spot analysis). "
            "Widen the period, area or categories, or set min_events lower to run anyway"
        )
    distance, k = _neighbour_params(grid, neighbours, distance, k, notes)
    w = weights_for(grid, neighbours, distance=distance, k=k)
    params = {**grid.params(), "statistic": "Gi* per period", "weights": "binary, self included", "neighbours": neighbours, "distance": distance, "k": k}
    return _Prepared(grid, cell, times, w, left_out, notes, params)


@dataclass
class _Cube:
    period: Period
    periods: int
    labels: list[str]
    partial_first: bool
    counts: np.ndarray
    z: np.ndarray
    significant: np.ndarray
    p_threshold: float | list | None
    mk: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    code: np.ndarray


def _cube(prep: _Prepared, period: Period, *, correction: str, family: str, alpha: float) -> _Cube:
    index, count, labels, partial = _assign(prep.times, period)
    need = min_periods(alpha)
    if count < need:
        raise ScanError(
            f"{count} period{'s' if count != 1 else ''} of {period.label}: the Mann-Kendall trend test needs at least {need} "
            f"to reach significance at {alpha:g}. Use a shorter period or a longer date range"
        )
    n_cells = prep.grid.n_cells
    counts = np.bincount(prep.cell * count + index, minlength=n_cells * count).reshape(n_cells, count)
    z = gi_star_z(counts, prep.weights, star=True)
    p = two_sided_p(z)
    if family == "cube":
        cut = threshold(p, alpha, correction)
        significant = p <= (-1.0 if cut is None else cut)
    else:
        cut = [threshold(p[:, j], alpha, correction) for j in range(count)]
        significant = p <= np.array([-1.0 if c is None else c for c in cut])[None, :]
    mk = mann_kendall(z)
    code = classify_many(z, significant, mk[0], mk[3], alpha)
    return _Cube(period, count, labels, partial, counts, z, significant, cut, mk, code)


def _check(correction: str, family: str, alpha: float) -> None:
    if correction not in CORRECTIONS:
        raise ScanError(f"unknown correction {correction!r}", field="correction", fix=f"use {', '.join(CORRECTIONS)}")
    if family not in ("cube", "period"):
        raise ScanError(f"unknown family {family!r}: correct across the whole cube or period by period (cube, period)")
    if not 0 < alpha < 1:
        raise ScanError(f"alpha must be between 0 and 1, not {alpha}")


def _variants(period: Period, months_only: bool) -> dict[str, Period | str]:
    """The period halved and doubled, or why it cannot be."""
    if period.unit == "months":
        if period.length % 2 == 0:
            half: Period | str = Period("months", period.length // 2)
        elif months_only:
            half = "the dates are months only, so a period cannot be shorter than a month"
        else:
            half = Period("days", max(1, round(period.length * MONTH_DAYS / 2)))
    else:
        half = Period("days", period.length // 2) if period.length >= 2 else "a period cannot be shorter than a day"
    return {"halved": half, "doubled": Period(period.unit, period.length * 2)}


def _compare(prep: _Prepared, base: _Cube, **kw) -> tuple[dict, list[dict]]:
    """Summary and transition rows for the period halved and doubled."""
    summary: dict = {}
    rows: list[dict] = []
    for name, other in _variants(base.period, prep.times.days is None).items():
        if isinstance(other, str):
            summary[name] = {"period": None, "skipped": other}
            continue
        try:
            cube = _cube(prep, other, **kw)
        except ScanError as err:
            summary[name] = {"period": other.label, "skipped": str(err)}
            continue
        changed = base.code != cube.code
        patterned = (base.code != NONE) | (cube.code != NONE)
        summary[name] = {
            "period": other.label,
            "periods": cube.periods,
            "cells_changed": int(changed.sum()),
            "share_changed": float(changed.mean()),
            "cells_with_a_pattern": int(patterned.sum()),
            "share_of_patterned_changed": float(changed[patterned].mean()) if patterned.any() else 0.0,
        }
        pair = base.code * len(CATEGORIES) + cube.code
        counted = np.bincount(pair, minlength=len(CATEGORIES) ** 2)
        for code in np.flatnonzero(counted):
            rows.append(
                {
                    "comparison": name,
                    "period": other.label,
                    "periods": cube.periods,
                    "from": CATEGORIES[code // len(CATEGORIES)],
                    "to": CATEGORIES[code % len(CATEGORIES)],
                    "cells": int(counted[code]),
                }
            )
    return summary, rows


def _sensitivity_notes(base: Period, summary: dict) -> list[str]:
    notes = []
    for name, s in summary.items():
        if "skipped" in s:
            notes.append(f"sensitivity: the period {base.label} cannot be {name}{' to ' + s['period'] if s['period'] else ''}: {s['skipped']}")
        else:
            notes.append(
                f"sensitivity: with the period {name} ({s['period']}, {s['periods']} periods) {s['cells_changed']:,} cells change category, "
                f"{s['share_of_patterned_changed']:.0%} of the {s['cells_with_a_pattern']:,} cells with a pattern in either run"
            )
    return notes


def emerging(
    x: np.ndarray,
    y: np.ndarray,
    t,
    *,
    period="month",
    grid: Grid | None = None,
    cell_size: float | None = None,
    shape: str = "square",
    clip=None,
    neighbours: str = "queen",
    distance: float | None = None,
    k: int | None = None,
    correction: str = "fdr",
    family: str = "cube",
    alpha: float = 0.05,
    min_events: int = MIN_EVENTS,
    sensitivity: bool = True,
) -> ScanResult:
    """Emerging hot spot categories of events at ``x``, ``y`` (projected metres) and times
    ``t`` (datetime64, polars dates, or whole month numbers).

    Table: one row per grid cell: ``x``, ``y`` (cell centre), ``n`` (events), ``category``,
    ``periods_hot``, ``periods_cold``, ``share_significant``, ``z_final`` (Gi* z in the
    final period), ``mk_tau``, ``mk_z``, ``mk_p`` (trend of the z-scores). With
    ``sensitivity`` the cells changing category when the period halves or doubles are
    counted in ``params["sensitivity"]`` and the notes.
    """
    _check(correction, family, alpha)
    period = parse_period(period)
    prep = _prepare(x, y, t, grid=grid, cell_size=cell_size, shape=shape, clip=clip, neighbours=neighbours, distance=distance, k=k, min_events=min_events)
    kw = {"correction": correction, "family": family, "alpha": alpha}
    cube = _cube(prep, period, **kw)
    grid = prep.grid
    s, tau, mk_z, mk_p = cube.mk
    hot = cube.significant & (cube.z > 0)
    cold = cube.significant & (cube.z < 0)
    table = pl.DataFrame(
        {
            "x": grid.x,
            "y": grid.y,
            "n": cube.counts.sum(axis=1),
            "category": pl.Series(CATEGORIES, dtype=pl.Enum(CATEGORIES)).gather(cube.code),
            "periods_hot": hot.sum(axis=1),
            "periods_cold": cold.sum(axis=1),
            "share_significant": cube.significant.mean(axis=1),
            "z_final": cube.z[:, -1],
            "mk_tau": tau,
            "mk_z": mk_z,
            "mk_p": mk_p,
        }
    )
    per_period = cube.counts.sum(axis=0)
    params = {
        **prep.params,
        "period": period.label,
        "periods": cube.periods,
        "first_period": cube.labels[0],
        "last_period": cube.labels[-1],
        "alignment": "periods end with the last event",
        "events": int(per_period.sum()),
        "events_per_period": per_period.tolist(),
        "min_events": min_events,
        "alpha": alpha,
        "correction": correction,
        "family": family,
        "p_threshold": cube.p_threshold,
        "trend_test": "Mann-Kendall on the Gi* z-scores (tau-b; exact p without ties up to 33 periods, else normal with tie correction)",
        "min_periods": min_periods(alpha),
        "rule_90_percent": f"at least {math.ceil(0.9 * cube.periods - 1e-9)} of {cube.periods} periods",
    }
    notes = list(prep.notes)
    notes.append(
        f"{cube.periods} periods of {period.label}, {cube.labels[0]} to {cube.labels[-1]}, {grid.n_cells:,} cells: {grid.n_cells * cube.periods:,} bins"
    )
    if cube.partial_first:
        notes.append(f"the first period ({cube.labels[0]}) starts before the first event, so it may hold less than a whole period of data")
    empty = [cube.labels[j] for j in np.flatnonzero(per_period == 0)]
    if empty:
        notes.append(f"no events in {', '.join(empty)}: Gi* is undefined there, so those periods count as not significant everywhere")
    thin = [cube.labels[j] for j in np.flatnonzero((per_period > 0) & (per_period < MIN_EVENTS))]
    if thin:
        notes.append(f"fewer than {MIN_EVENTS} events in {', '.join(thin)}: hot spots in those periods rest on very few events")
    if cube.periods < 10:
        notes.append(f"only {cube.periods} periods: the trend test has little power, so few cells can be intensifying or diminishing")
    counted = np.bincount(cube.code, minlength=len(CATEGORIES))
    found = ", ".join(f"{counted[i]:,} {name}" for i, name in enumerate(CATEGORIES) if i != NONE and counted[i])
    notes.append(f"categories: {found or 'no hot or cold spot pattern'}")
    if sensitivity:
        summary, _ = _compare(prep, cube, **kw)
        params["sensitivity"] = summary
        notes += _sensitivity_notes(period, summary)
    return ScanResult(table=table, params=params, left_out=prep.left_out, notes=notes)


def sensitivity(
    x: np.ndarray,
    y: np.ndarray,
    t,
    *,
    period="month",
    grid: Grid | None = None,
    cell_size: float | None = None,
    shape: str = "square",
    clip=None,
    neighbours: str = "queen",
    distance: float | None = None,
    k: int | None = None,
    correction: str = "fdr",
    family: str = "cube",
    alpha: float = 0.05,
    min_events: int = MIN_EVENTS,
) -> ScanResult:
    """How the categories of ``emerging`` (same arguments) change when the period halves
    and doubles. Table: one row per comparison and pair of categories, ``comparison``
    (halved, doubled), ``period``, ``periods``, ``from`` (category with the chosen
    period), ``to`` (with the other), ``cells``. ``params`` has the counts of cells that
    change, overall and among cells with a pattern in either run."""
    _check(correction, family, alpha)
    period = parse_period(period)
    prep = _prepare(x, y, t, grid=grid, cell_size=cell_size, shape=shape, clip=clip, neighbours=neighbours, distance=distance, k=k, min_events=min_events)
    kw = {"correction": correction, "family": family, "alpha": alpha}
    cube = _cube(prep, period, **kw)
    summary, rows = _compare(prep, cube, **kw)
    schema = {"comparison": pl.String, "period": pl.String, "periods": pl.Int64, "from": pl.Enum(CATEGORIES), "to": pl.Enum(CATEGORIES), "cells": pl.Int64}
    table = pl.DataFrame(rows, schema=schema)
    params = {
        **prep.params,
        "period": period.label,
        "periods": cube.periods,
        "alpha": alpha,
        "correction": correction,
        "family": family,
        "sensitivity": summary,
    }
    notes = prep.notes + _sensitivity_notes(period, summary)
    return ScanResult(table=table, params=params, left_out=prep.left_out, notes=notes)
