"""A few far-flung events that stretch a grid over mostly empty cells.

A force's data holds a few events recorded far from the rest: an address geocoded to the
wrong town, a report a partner took in another county, a crime on a motorway miles away. A
grid laid over the extent of every event then covers the far corners too: the Derbyshire
2025 police.uk data spread a 500 m grid over 845,845 cells where the county, 2,600 km², needs
about 10,500, and every statistic that divides by the whole grid (the PAI's share of area, Gi*'s
global mean, the emerging hot spots' cube) is read off a map of empty country.

The rule, robust to the bulk's own shape (a long county is not an outlier):

* the *bulk* is the box holding the central 99% of the events on each axis (the 0.5th to
  the 99.5th percentile of x, and of y), so the 0.5% at each end cannot move it;
* an event is *far* when it lies more than half the bulk's width beyond the box in x, or
  more than half its height beyond it in y (outside a box twice the bulk's size, around it);
* the far events *stretch* the grid when the extent of all the events has at least 4 times
  the area of the extent of the others.

A dense town and its villages never trip it (their tails stay within half a bulk width of
the box), nor does a Laplace-like fall-off from a city centre (where "far" starts, 9.2 scale
lengths out, a few points in 100,000 lie, and they widen the extent by a fifth, not four
times); a handful of points a hundred kilometres away always does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CENTRAL = 0.99
FAR = 0.5
STRETCH = 4.0
RULE = (
    "an event is far when it lies more than half the width (or height) of the box holding the central 99% of the events "
    "beyond that box; far events stretch the grid when the extent of all the events has at least 4 times the area of "
    "the extent of the others"
)


@dataclass(frozen=True)
class Stretch:
    """What the far events do to a grid: how many there are, how far the farthest lies
    beyond the bulk's box, and how much larger they make the extent."""

    far: int
    events: int
    farthest_m: float
    area_ratio: float
    extent: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax of all the events
    rest: tuple[float, float, float, float]  # the same without the far ones

    def cells(self, cell_size: float) -> tuple[int, int]:
        """Square cells of ``cell_size`` over all the events' extent, and over the rest's,
        laid as ``sara.scan.grid.make_grid`` lays them (on whole multiples of the size)."""

        def count(box):
            xmin, ymin, xmax, ymax = box
            x0, y0 = math.floor(xmin / cell_size) * cell_size, math.floor(ymin / cell_size) * cell_size
            return (math.floor((xmax - x0) / cell_size) + 1) * (math.floor((ymax - y0) / cell_size) + 1)

        return count(self.extent), count(self.rest)

    def words(self, cell_size: float | None = None, cells: int | None = None) -> str:
        """What the far events do, in a sentence; with the grid's ``cell_size`` (and its
        number of ``cells``, when it differs from a plain cover of the extent), to the grid."""
        text = (
            f"{self.far:,} of {self.events:,} events lie far from the rest (the farthest {self.farthest_m / 1000:,.0f} km beyond the box "
            f"holding 99% of them) and make the extent {self.area_ratio:,.0f} times as large"
        )
        if cell_size:
            everything, rest = self.cells(cell_size)
            text += f": a {cell_size:,.0f} m grid has {cells or everything:,} cells where the other events need {rest:,}, so most cells are empty"
        return text

    def to_dict(self) -> dict:
        return {"far_events": self.far, "events": self.events, "farthest_km": round(self.farthest_m / 1000, 1),
                "area_ratio": round(self.area_ratio, 1), "rule": RULE}  # fmt: skip


def stretched(x, y) -> Stretch | None:
    """The far events of ``x``, ``y`` (projected metres) when they stretch the extent (see
    the module's rule), else None."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) < 2:
        return None
    tail = (1 - CENTRAL) / 2
    (x0, x1), (y0, y1) = np.quantile(x, [tail, 1 - tail]), np.quantile(y, [tail, 1 - tail])
    w, h = x1 - x0, y1 - y0
    beyond_x = np.maximum(x0 - x, x - x1).clip(0)
    beyond_y = np.maximum(y0 - y, y - y1).clip(0)
    far = (beyond_x > FAR * w) | (beyond_y > FAR * h)
    if not far.any() or far.all():
        return None

    def box(px, py):
        return float(px.min()), float(py.min()), float(px.max()), float(py.max())

    def area(b):
        return max(b[2] - b[0], 1.0) * max(b[3] - b[1], 1.0)

    extent, rest = box(x, y), box(x[~far], y[~far])
    ratio = area(extent) / area(rest)
    if ratio < STRETCH:
        return None
    farthest = float(np.hypot(beyond_x, beyond_y)[far].max())
    return Stretch(int(far.sum()), len(x), farthest, ratio, extent, rest)
