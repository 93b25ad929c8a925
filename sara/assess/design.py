"""The design of an assessment: the buffer ring, checks on the areas, and automatic controls.

Three verbs, pure (shapely geometries and numbers in, plain values out):

- ``buffer_ring``: the ring of ``metres`` around the target, where displacement or a
  diffusion of benefits would show (Bowers & Johnson 2003). Geometries are in a projected
  CRS in metres (British National Grid, EPSG:27700, for UK data; see ``sara.geo``).
- ``check_areas``: POP Center Tool Guide 10's "freedom from contamination" made into
  rules. A control that overlaps the target is refused (the response would be in the
  control too); a control mostly inside the buffer is refused (displacement into the buffer
  would land in the control and hide both); a control that touches the buffer is allowed
  with a warning.
- ``choose_controls``: the candidate areas most like the target over the pre period in
  level and trend, with the quality of the match reported and a flag when even the best
  do not resemble the target.

Rules, so the answers can be checked:

- Overlap with the target: the shared area is more than ``OVERLAP_TOLERANCE`` (0.1%) of
  the smaller of the two areas. Sharing only a boundary is not overlap.
- "Mostly inside the buffer": more than half (``SWALLOWED_SHARE``) of the control's area
  lies in the buffer. Any other contact with the buffer (shared area or boundary) warns.
- Similarity of a candidate to the target: two features of the pre-period monthly series,
  the level (log of the mean monthly count) and the trend (least-squares slope divided by
  the mean: the proportional change per month); each feature is scaled by its standard
  deviation over the candidates (1 when they all agree) and the distance is Euclidean.
  Candidates with no events in the pre period are left out (no level, and a zero
  denominator for any ratio). The ``k`` nearest are chosen; ties go to the code that sorts
  first, so the choice is reproducible.
- The controls are combined by summing their series (equal weights); ``weights`` gives
  each chosen code 1/k of the combined control and ``series`` the summed monthly counts.
- Match quality, reported on the combined control: ``level_ratio`` (mean monthly count of
  an average chosen control / the target's), ``slope_diff_pct`` (combined control's
  proportional trend minus the target's, percentage points per month) and ``correlation``
  (Pearson, of the monthly series). The match is poor when the average chosen control is
  more than three times larger or smaller than the target (``LEVEL_RATIO_LIMIT``), or the
  trends differ by more than 1 point per month (``SLOPE_DIFF_MIN``) and by more than
  twice the Poisson standard error of that difference (so short, small series are not
  flagged for noise alone).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from sara.assess.errors import AssessError

OVERLAP_TOLERANCE = 0.001
SWALLOWED_SHARE = 0.5
LEVEL_RATIO_LIMIT = 3.0
SLOPE_DIFF_MIN = 1.0
CONTROL_RULE = (
    "candidates ranked by distance on level (log mean monthly count) and trend (slope / mean, per month), each scaled by its "
    "standard deviation over the candidates; candidates with no events in the pre period left out; the k nearest summed with "
    "equal weights"
)
POOR_MATCH_RULE = (
    "poor match when the average chosen control's level is more than 3 times or less than 1/3 of the target's, or the trends differ "
    "by more than 1 percentage point a month and by more than twice the Poisson standard error of the difference"
)


# --- geometry -------------------------------------------------------------------------------


def _polygon(geom, what: str) -> BaseGeometry:
    if not isinstance(geom, BaseGeometry):
        raise AssessError(f"{what} must be a shapely polygon in metres (e.g. British National Grid), not {type(geom).__name__}")
    if geom.is_empty:
        raise AssessError(f"{what} is an empty geometry: draw or choose an area with some extent")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise AssessError(f"{what} must be a Polygon or MultiPolygon, not a {geom.geom_type}: an area is needed, not a point or line")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.area <= 0:
        raise AssessError(f"{what} has no area")
    return geom


def buffer_ring(target, metres: float = 500) -> BaseGeometry:
    """The ring of ``metres`` around ``target`` (a polygon in projected metres), the target
    itself excluded: the area where displacement or a diffusion of benefits would show.

    >>> from shapely.geometry import box
    >>> round(buffer_ring(box(0, 0, 100, 100), 10).area)  # doctest: +SKIP
    4314
    """
    if isinstance(metres, bool) or not isinstance(metres, int | float) or not math.isfinite(metres) or metres <= 0:
        raise AssessError(f"the buffer width must be a positive number of metres, e.g. 500 (got {metres!r})")
    target = _polygon(target, "the target area")
    ring = shapely.difference(shapely.buffer(target, float(metres), quad_segs=16), target)
    return ring


def _named(controls) -> list[tuple[str, BaseGeometry]]:
    if isinstance(controls, Mapping):
        items = [(str(k), v) for k, v in controls.items()]
    elif isinstance(controls, BaseGeometry):
        items = [("control", controls)]
    elif isinstance(controls, Iterable):
        items = [(f"control {i + 1}", g) for i, g in enumerate(controls)]
    else:
        raise AssessError("controls must be a mapping {name: polygon} or a list of polygons")
    return [(name, _polygon(g, name if name.startswith("control") else f"control {name}")) for name, g in items]


def check_areas(target, buffer, controls) -> list[str]:
    """Check the target, buffer and control areas of a design; return warnings (plain
    English), raise ``AssessError`` for a design that cannot give a fair comparison.

    ``controls``: a mapping ``{name: polygon}`` (or a list of polygons). ``buffer`` may be
    None when no displacement area is used. Refused: a control overlapping the target, or
    a control more than half inside the buffer. Warned: a control touching the buffer.
    """
    target = _polygon(target, "the target area")
    if buffer is not None:
        buffer = _polygon(buffer, "the buffer area")
    warnings: list[str] = []
    problems: list[str] = []
    for name, control in _named(controls):
        shared = control.intersection(target).area
        if shared > OVERLAP_TOLERANCE * min(control.area, target.area):
            problems.append(f"control {name} overlaps the target area ({100 * shared / control.area:.0f}% of the control): the response "
                            "would reach the control too and hide its effect; choose a control away from the target")  # fmt: skip
            continue
        if buffer is None:
            continue
        inside = control.intersection(buffer).area
        share = inside / control.area
        if share > SWALLOWED_SHARE:
            problems.append(f"control {name} lies mostly inside the buffer ({100 * share:.0f}% of it): crime displaced into the buffer "
                            "would land in the control and hide both the effect and the displacement; choose a control outside the buffer")  # fmt: skip
        elif inside > 0 or control.intersects(buffer):
            what = f"{100 * share:.0f}% of it lies in the buffer" if inside > 0 else "it shares a boundary with the buffer"
            warnings.append(f"control {name} touches the buffer ({what}): displacement or diffusion from the target could reach it, "
                            "so the comparison may understate or overstate the effect")  # fmt: skip
    if problems:
        raise AssessError("; ".join(problems))
    return warnings


# --- controls -------------------------------------------------------------------------------


def _series(values, what: str) -> np.ndarray:
    try:
        arr = np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):
        raise AssessError(f"{what} must be a sequence of monthly counts, e.g. [12, 9, 14]") from None
    if arr.ndim != 1 or arr.size == 0:
        raise AssessError(f"{what} must be a non-empty sequence of monthly counts")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise AssessError(f"{what} must hold finite counts, not negative")
    return arr


def _slope(y: np.ndarray) -> float:
    t = np.arange(len(y), dtype=float)
    if len(y) < 2:
        return 0.0
    t -= t.mean()
    return float((t * (y - y.mean())).sum() / (t * t).sum())


def _rel_slope(y: np.ndarray) -> float:
    m = y.mean()
    return _slope(y) / m if m > 0 else 0.0


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def _rel_slope_se(y: np.ndarray) -> float:
    """Standard error of slope/mean for Poisson counts with mean ``y.mean()``."""
    n, m = len(y), y.mean()
    if n < 2 or m <= 0:
        return math.inf
    t = np.arange(n, dtype=float)
    sxx = float(((t - t.mean()) ** 2).sum())
    return 1.0 / math.sqrt(m * sxx)


def choose_controls(target_series, candidates: Mapping, k: int = 5) -> dict:
    """The ``k`` candidate areas most like the target over the pre period.

    ``target_series``: the target's monthly counts over the pre period; ``candidates``:
    ``{code: monthly counts over the same months}``. Returns a dict:

    - ``chosen``: codes, nearest first; ``weights``: ``{code: 1/k}``; ``series``: the
      summed monthly counts of the chosen controls;
    - ``candidates``: one row per eligible candidate (code, mean, level_ratio, slope_pct,
      correlation, distance, chosen), nearest first;
    - ``quality``: ``level_ratio``, ``slope_diff_pct`` (points per month), ``correlation``;
    - ``poor_match`` (bool) and ``message`` (a sentence, or None);
    - ``excluded``: ``{code: reason}``; ``params`` (k, months, rules); ``notes``.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise AssessError(f"k must be a whole number of controls, 1 or more (got {k!r})")
    target = _series(target_series, "the target series")
    if target.sum() <= 0:
        raise AssessError("the target has no events in the pre period: there is no level or trend to match controls to")
    if not isinstance(candidates, Mapping) or not candidates:
        raise AssessError("candidates must be a non-empty mapping {area code: monthly counts over the pre period}")
    excluded: dict[str, str] = {}
    series: dict[str, np.ndarray] = {}
    for code, values in candidates.items():
        arr = _series(values, f"candidate {code}")
        if len(arr) != len(target):
            raise AssessError(f"candidate {code} has {len(arr)} months but the target has {len(target)}: give the same pre-period months for all")
        if arr.sum() <= 0:
            excluded[str(code)] = "no events in the pre period"
            continue
        series[str(code)] = arr
    if not series:
        raise AssessError("no candidate has any events in the pre period, so none can serve as a control: widen the pool of candidate areas")
    notes: list[str] = []
    codes = sorted(series)
    levels = np.array([math.log(series[c].mean()) for c in codes])
    trends = np.array([_rel_slope(series[c]) for c in codes])
    t_level, t_trend = math.log(target.mean()), _rel_slope(target)
    s_level = float(levels.std()) if len(codes) > 1 and levels.std() > 0 else 1.0
    s_trend = float(trends.std()) if len(codes) > 1 and trends.std() > 0 else 1.0
    dist = np.sqrt(((levels - t_level) / s_level) ** 2 + ((trends - t_trend) / s_trend) ** 2)
    order = sorted(range(len(codes)), key=lambda i: (dist[i], codes[i]))
    if len(codes) < k:
        notes.append(f"only {len(codes)} candidates have events in the pre period, fewer than the {k} asked for: all are used")
    chosen = [codes[i] for i in order[:k]]
    rows = []
    for rank, i in enumerate(order):
        c = codes[i]
        rows.append({"code": c, "mean": float(series[c].mean()), "level_ratio": float(series[c].mean() / target.mean()),
                     "slope_pct": 100 * float(trends[i]), "correlation": _corr(series[c], target), "distance": float(dist[i]),
                     "chosen": rank < k})  # fmt: skip
    combined = np.sum([series[c] for c in chosen], axis=0)
    level_ratio = float(combined.mean() / len(chosen) / target.mean())
    slope_diff = _rel_slope(combined) - t_trend
    slope_se = math.sqrt(_rel_slope_se(combined) ** 2 + _rel_slope_se(target) ** 2)
    corr = _corr(combined, target)
    reasons = []
    if not 1 / LEVEL_RATIO_LIMIT <= level_ratio <= LEVEL_RATIO_LIMIT:
        size = "larger" if level_ratio > 1 else "smaller"
        times = level_ratio if level_ratio > 1 else 1 / level_ratio
        reasons.append(f"an average control has {times:.1f} times {'as many' if size == 'larger' else 'fewer'} events a month "
                       f"({combined.mean() / len(chosen):.1f} against {target.mean():.1f})")  # fmt: skip
    if abs(100 * slope_diff) > SLOPE_DIFF_MIN and abs(slope_diff) > 2 * slope_se:
        reasons.append(f"their trend differs from the target's by {100 * slope_diff:+.1f} percentage points a month "
                       f"({100 * _rel_slope(combined):+.1f}% against {100 * t_trend:+.1f}% a month)")  # fmt: skip
    poor = bool(reasons)
    message = None
    if poor:
        message = ("even the best controls do not resemble the target: " + " and ".join(reasons) + ". A control that does not resemble "
                   "the target cannot show what would have happened without the response; treat the comparison with caution, or "
                   "widen the pool of candidate areas")  # fmt: skip
    elif corr is not None and corr < 0:
        notes.append(f"the controls' monthly series moves against the target's in the pre period (correlation {corr:.2f}); level and trend match")
    return {
        "chosen": chosen,
        "weights": {c: 1 / len(chosen) for c in chosen},
        "series": combined.tolist(),
        "candidates": rows,
        "quality": {"level_ratio": level_ratio, "slope_diff_pct": 100 * slope_diff, "correlation": corr},
        "poor_match": poor,
        "message": message,
        "excluded": excluded,
        "params": {"k": k, "months": len(target), "rule": CONTROL_RULE, "poor_match_rule": POOR_MATCH_RULE},
        "notes": notes,
    }
