"""Prediction accuracy of a hotspot map against a later period's events: PAI, PEI, RRI.

Cells (or areas) are ranked by the map's predicted score, highest first, and cumulated. At
a cut-off holding a share ``a/A`` of the total area and ``n`` of the later period's ``N``
events:

* hit rate ``= n / N``;
* **PAI** (predictive accuracy index, Chainey, Tompson & Uhlig 2008, *Security Journal*
  21:4-28, after Chawla & Chakraborty) ``= (n / N) / (a / A)``: how many times more events
  the selected area holds than its size alone would give;
* **PEI** (predictive efficiency index, Hunt 2016) ``= n / n*``, where ``n*`` is the most
  events any selection of the same area could hold: the hit rate over the best possible hit
  rate, equally PAI over the best PAI, between 0 and 1. ``n*`` comes from the cells ranked
  by their observed events per unit area, cumulated and read off at area ``a`` by linear
  interpolation (a fractional last cell). With equal cell areas this is exactly the sum of
  the largest observed counts; with unequal areas it is an upper bound on what whole cells
  can reach, so PEI is never above 1 (R ``ptools::pai`` instead compares the same number of
  cells, which is why its PEI "may behave funny" with unequal areas);
* **RRI** (recapture rate index, as in ``ptools::pai``) ``= cumulative predicted /
  cumulative observed``: 1 when the map predicted the events it captured in number. Only
  meaningful when the scores are expected counts; null where nothing was observed yet.

Ties: cells with the same predicted score have no order among them, so they enter
together: the table has one row per distinct score (``tied`` says how many cells share
it), never an arbitrary order inside a tie. Stated coverages (e.g. the top 1%, 5% and 10%
of the area) are read off the cumulative curve by linear interpolation, so a coverage that
falls inside a cell or a tie counts that part of it pro rata: the expected result of
breaking the tie at random.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sara.scan.result import ScanError, ScanResult


def _array(values, name: str) -> np.ndarray:
    if isinstance(values, pl.Series):
        values = values.to_numpy()
    try:
        out = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ScanError(f"{name} must be numbers, one per cell") from None
    if not np.isfinite(out).all():
        raise ScanError(f"{name} has {int((~np.isfinite(out)).sum())} missing or infinite values: give a number for every cell (0 where none)")
    return out


def pai_pei(predicted_scores, observed_counts, cell_areas=None, *, coverages=(0.01, 0.05, 0.10)) -> ScanResult:
    """PAI, PEI and RRI of a hotspot map, at every cut-off and at stated area coverages.

    ``predicted_scores``: the map's score per cell (a density, a predicted count, a Gi* z),
    higher meaning hotter. ``observed_counts``: events per cell in the later period, in the
    same cell order. ``cell_areas``: per-cell areas (any unit), equal if not given; if your
    scores are counts over unequal areas, pass score / area so that cells rank by density.

    ``table``: one row per distinct score, hottest first: ``score``, ``tied``, ``cells``
    (cumulative), ``area_share``, ``events``, ``predicted`` (cumulative), ``hit_rate``,
    ``pai``, ``best_hit_rate``, ``pei``, ``rri``. ``params["at_coverage"]``: the same
    measures at each stated share of the area. Formulas and ties: see the module docstring.
    """
    p = _array(predicted_scores, "predicted_scores")
    o = _array(observed_counts, "observed_counts")
    if p.size == 0:
        raise ScanError("there are no cells: give one predicted score and one observed count per cell")
    if o.size != p.size:
        raise ScanError(f"predicted_scores has {p.size} cells but observed_counts has {o.size}: give both for the same cells, in the same order")
    if (o < 0).any():
        raise ScanError("observed_counts must be 0 or more")
    if cell_areas is None:
        a = np.ones_like(p)
        equal = True
    else:
        a = _array(cell_areas, "cell_areas")
        if a.size != p.size:
            raise ScanError(f"cell_areas has {a.size} cells but predicted_scores has {p.size}: give one area per cell")
        if (a <= 0).any():
            raise ScanError(f"cell_areas must all be more than 0 ({int((a <= 0).sum())} are not): drop cells of no area")
        equal = bool(np.all(a == a[0]))
    total_events = float(o.sum())
    if total_events <= 0:
        raise ScanError("there are no observed events in the later period: PAI needs at least one event to measure against")
    cov = np.asarray(coverages, dtype=float).ravel()
    if ((cov <= 0) | (cov > 1) | ~np.isfinite(cov)).any():
        raise ScanError(f"coverages must be shares of the area above 0 and at most 1 (got {list(coverages)}): e.g. (0.01, 0.05, 0.10)")

    total_area = float(a.sum())
    order = np.argsort(-p, kind="stable")
    ps, os_, as_ = p[order], o[order], a[order]
    ends = np.flatnonzero(np.r_[ps[1:] != ps[:-1], True])  # last cell of each distinct score
    cum_area = np.cumsum(as_)[ends]
    cum_obs = np.cumsum(os_)[ends]
    cum_pred = np.cumsum(ps)[ends]
    tied = np.diff(np.r_[-1, ends])

    # The oracle: cells by observed density, cumulated; concave, so interpolation is the best.
    best_order = np.argsort(-(o / a), kind="stable")
    oracle_area = np.r_[0.0, np.cumsum(a[best_order])]
    oracle_obs = np.r_[0.0, np.cumsum(o[best_order])]

    def best(area):
        return np.interp(area, oracle_area, oracle_obs)

    area_share = cum_area / total_area
    hit = cum_obs / total_events
    best_hit = best(cum_area) / total_events
    negative = bool((p < 0).any())
    with np.errstate(divide="ignore", invalid="ignore"):
        rri = np.where(cum_obs > 0, cum_pred / np.where(cum_obs > 0, cum_obs, 1), np.nan)
    if negative:
        rri[:] = np.nan

    table = pl.DataFrame(
        {
            "score": ps[ends],
            "tied": tied.astype(np.int64),
            "cells": (ends + 1).astype(np.int64),
            "area_share": area_share,
            "events": cum_obs,
            "predicted": cum_pred,
            "hit_rate": hit,
            "pai": hit / area_share,
            "best_hit_rate": best_hit,
            "pei": hit / best_hit,
            "rri": rri,
        }
    ).with_columns(pl.col("rri").fill_nan(None))

    curve_area = np.r_[0.0, cum_area]
    at = []
    for c in cov:
        reach = c * total_area
        n = float(np.interp(reach, curve_area, np.r_[0.0, cum_obs]))
        pred = float(np.interp(reach, curve_area, np.r_[0.0, cum_pred]))
        n_best = float(best(reach))
        at.append(
            {
                "coverage": float(c),
                "cells": float(np.interp(reach, np.r_[0.0, np.cumsum(as_)], np.arange(p.size + 1))),
                "events": n,
                "hit_rate": n / total_events,
                "pai": float(n / total_events / c),
                "best_hit_rate": n_best / total_events,
                "pei": n / n_best if n_best > 0 else None,
                "rri": pred / n if n > 0 and not negative else None,
            }
        )

    notes = []
    tie_rows = int((tied > 1).sum())
    if tie_rows:
        notes.append(f"{int(tied[tied > 1].sum()):,} cells share {tie_rows:,} tied scores: tied cells enter together (one row per score)")
    if negative:
        notes.append("some predicted scores are negative, so they are not counts: RRI (predicted / observed) is not given")
    if not equal:
        notes.append("cell areas differ: the best possible hit rate (for PEI) takes cells by observed events per unit area, with a fractional last cell")
    for row in at:
        notes.append(f"top {100 * row['coverage']:g}% of the area: hit rate {100 * row['hit_rate']:.1f}%, PAI {row['pai']:.2f}, PEI {row['pei']:.2f}")
    params = {
        "cells": int(p.size),
        "events": total_events,
        "total_area": total_area,
        "equal_areas": equal,
        "coverages": [float(c) for c in cov],
        "at_coverage": at,
        "formulas": {
            "hit_rate": "n / N",
            "pai": "(n / N) / (a / A)  (Chainey, Tompson & Uhlig 2008)",
            "pei": "n / n*, n* = most events any selection of area a can hold (Hunt 2016)",
            "rri": "cumulative predicted / cumulative observed (ptools::pai)",
        },
        "ties": "cells with equal scores enter together; coverages are interpolated linearly (pro rata within a cell or a tie)",
    }
    return ScanResult(table=table, params=params, left_out={}, notes=notes)
