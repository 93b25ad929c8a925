"""GPS tag trails against crimes: which wearers were near a crime while it happened.

Derbyshire Constabulary compares "the tagged offender location to reported SAC to provide
potential lines of investigation" (PCC scrutiny report §7.10: "over 2700 crimes have been
compared to the GPS positions of tagged acquisitive crime offenders ... This has produced
six hits"). A hit is a trail point within ``metres`` of the crime during the crime's window
(aoristic from/to; equal for an exact time) widened by ``minutes`` on each side. Hits are
leads, not evidence.

Pure: NumPy arrays in, hits out. Times are integer seconds (any common epoch), places are
metres in one projected CRS. ``match`` sorts the trail by time once; for each crime it cuts
the points of its widened window with ``searchsorted`` and tests their distance: directly (x first)
on a short slice, through a KD-tree per fixed block of the time-sorted trail on a long one
(a window of days over a hundred wearers), recomputing the candidates' distances as the
direct test does, so both paths and ``brute_force`` agree to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

BLOCK = 1 << 16  # trail points per KD-tree block


@dataclass(frozen=True)
class Hit:
    """One wearer near one crime: ``crime`` and ``wearer`` are indexes into the inputs;
    ``metres`` the closest of its points, ``minutes`` the smallest time gap of them to the
    crime's window (0 when inside it); ``points`` the indexes of its trail points that hit."""

    crime: int
    wearer: int
    metres: float
    minutes: float
    points: np.ndarray = field(compare=False, repr=False)


def _as(a, dtype) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=dtype))


def _check(cx, cy, t0, t1, wearer, t, x, y, metres, minutes):
    crimes = [_as(a, float) for a in (cx, cy)] + [_as(a, np.int64) for a in (t0, t1)]
    trail = [_as(wearer, np.int64), _as(t, np.int64), _as(x, float), _as(y, float)]
    if len({len(a) for a in crimes}) != 1 or len({len(a) for a in trail}) != 1:
        raise ValueError("crime arrays (x, y, from, to) and trail arrays (wearer, at, x, y) must each have one length")
    if metres < 0 or minutes < 0:
        raise ValueError("distance and minutes must not be negative")
    if np.any(crimes[3] < crimes[2]):
        raise ValueError("a crime's window ends before it starts")
    return crimes, trail


def _hits_of(crime: int, idx: np.ndarray, d: np.ndarray, gap: np.ndarray, wearer: np.ndarray) -> list[Hit]:
    """Per wearer among the hit points ``idx`` (distances ``d``, gaps in seconds ``gap``)."""
    w = wearer[idx]
    order = np.lexsort((idx, w))
    w, idx, d, gap = w[order], idx[order], d[order], gap[order]
    starts = np.flatnonzero(np.r_[True, w[1:] != w[:-1]])
    ends = np.r_[starts[1:], len(w)]
    return [Hit(crime, int(w[a]), float(d[a:b].min()), float(gap[a:b].min()) / 60.0, idx[a:b]) for a, b in zip(starts, ends)]


def _distance(x: np.ndarray, y: np.ndarray, cx: float, cy: float) -> np.ndarray:
    return np.hypot(x - cx, y - cy)


def _near(xs: np.ndarray, ys: np.ndarray, a: int, b: int, cx: float, cy: float, metres: float) -> np.ndarray:
    """Indexes in [a, b) within ``metres`` of (cx, cy): first the cheap test of x alone (a point
    within the distance is within it in x, as ``hypot`` is never less than either side), then
    the distance of those left."""
    i = np.flatnonzero(np.abs(xs[a:b] - cx) <= metres) + a
    return i[_distance(xs[i], ys[i], cx, cy) <= metres] if len(i) else i


def _gap(t: np.ndarray, t0: int, t1: int) -> np.ndarray:
    return np.maximum(np.maximum(t0 - t, t - t1), 0)


def match(cx, cy, t0, t1, wearer, t, x, y, *, metres: float = 100.0, minutes: float = 30.0, block: int = BLOCK) -> list[Hit]:
    """Every (crime, wearer) with a trail point within ``metres`` of the crime (``cx``,
    ``cy``) between ``t0 - minutes`` and ``t1 + minutes`` (inclusive), ordered by crime then
    wearer. Trail point indexes refer to the arrays as given. ``block``: points per KD-tree block
    (slices up to three blocks long are tested directly)."""
    (cx, cy, t0, t1), (wearer, t, x, y) = _check(cx, cy, t0, t1, wearer, t, x, y, metres, minutes)
    if len(t) == 0 or len(cx) == 0:
        return []
    order = np.argsort(t, kind="stable")
    ts, xs, ys = t[order], x[order], y[order]
    widen = int(round(minutes * 60))
    lo = np.searchsorted(ts, t0 - widen, "left")
    hi = np.searchsorted(ts, t1 + widen, "right")
    trees: dict[int, cKDTree] = {}
    out: list[Hit] = []
    for c in np.flatnonzero(hi > lo):
        a, b = int(lo[c]), int(hi[c])
        if b - a <= 3 * block:
            keep = _near(xs, ys, a, b, cx[c], cy[c], metres)
        else:
            keep = _by_blocks(trees, xs, ys, a, b, cx[c], cy[c], metres, block)
        if len(keep) == 0:
            continue
        dist = _distance(xs[keep], ys[keep], cx[c], cy[c])
        out += _hits_of(int(c), order[keep], dist, _gap(ts[keep], t0[c], t1[c]), wearer)
    return out


def _by_blocks(trees: dict, xs: np.ndarray, ys: np.ndarray, a: int, b: int, cx: float, cy: float, metres: float, block: int) -> np.ndarray:
    """Indexes in [a, b) of the time-sorted trail within ``metres`` of (cx, cy): whole blocks
    through their KD-tree (built on first use), the ragged ends directly."""
    first, last = -(-a // block), b // block  # whole blocks [first, last)
    found = []
    for s, e in ((a, first * block), (last * block, b)):
        if e > s:
            found.append(_near(xs, ys, s, e, cx, cy, metres))
    slack = metres * (1 + 1e-9) + 1e-6
    for k in range(first, last):
        tree = trees.get(k)
        if tree is None:
            s = k * block
            tree = trees[k] = cKDTree(np.column_stack((xs[s : s + block], ys[s : s + block])))
        near = np.asarray(tree.query_ball_point((cx, cy), slack), dtype=np.int64) + k * block
        if len(near):
            found.append(near[_distance(xs[near], ys[near], cx, cy) <= metres])
    return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def brute_force(cx, cy, t0, t1, wearer, t, x, y, *, metres: float = 100.0, minutes: float = 30.0) -> list[Hit]:
    """The reference: every crime against every trail point, no sorting, no index."""
    (cx, cy, t0, t1), (wearer, t, x, y) = _check(cx, cy, t0, t1, wearer, t, x, y, metres, minutes)
    widen = int(round(minutes * 60))
    out: list[Hit] = []
    for c in range(len(cx)):
        d = _distance(x, y, cx[c], cy[c])
        inside = (t >= t0[c] - widen) & (t <= t1[c] + widen) & (d <= metres)
        idx = np.flatnonzero(inside)
        if len(idx):
            out += _hits_of(c, idx, d[idx], _gap(t[idx], t0[c], t1[c]), wearer)
    return out


def same(a: list[Hit], b: list[Hit]) -> bool:
    """Whether two hit lists agree: the same (crime, wearer, metres, minutes) and points."""
    return len(a) == len(b) and all(h == k and np.array_equal(np.sort(h.points), np.sort(k.points)) for h, k in zip(a, b))
