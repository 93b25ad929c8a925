"""Square and hexagonal grids over points in projected metres, with counts and neighbours.

The automatic cell size follows sfhotspot's rule of thumb, stated so it can be checked:
at least 1/100 of the larger side of the extent, rounded up to a whole 10 m. Every grid
says whether its cell size was chosen for the user (``cell_size_auto``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from sara.scan.result import ScanError

SQRT3 = math.sqrt(3.0)


def auto_cell_size(x: np.ndarray, y: np.ndarray) -> float:
    """1/100 of the larger side of the points' extent, rounded up to a whole 10 m."""
    extent = max(float(np.ptp(x)), float(np.ptp(y))) if len(x) else 0.0
    if extent == 0:
        raise ScanError("all the events are at one point, so no cell size can be chosen from their extent", field="cell_size", fix="give a cell size in metres")
    return float(math.ceil(extent / 100 / 10) * 10)


@dataclass(frozen=True)
class Grid:
    """Cells laid over an extent; cell ``i`` has centre ``(x[i], y[i])``.

    Square cells have side ``cell_size``; hexagons (pointy-top) have ``cell_size`` between
    the centres of neighbouring cells (the width across flats). ``index`` maps the full
    rectangular lattice (``n_rows`` x ``n_cols``) to kept cells (-1 where clipped away).
    """

    shape: str
    cell_size: float
    cell_size_auto: bool
    x0: float
    y0: float
    n_rows: int
    n_cols: int
    index: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def n_cells(self) -> int:
        return len(self.x)

    @property
    def cell_area_m2(self) -> float:
        return self.cell_size**2 if self.shape == "square" else SQRT3 / 2 * self.cell_size**2

    def params(self) -> dict:
        return {"grid": self.shape, "cell_size": self.cell_size, "cell_size_auto": self.cell_size_auto, "cells": self.n_cells}

    def _lattice(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the lattice cell holding each point (may be outside it)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if self.shape == "square":
            return np.floor((y - self.y0) / self.cell_size).astype(np.int64), np.floor((x - self.x0) / self.cell_size).astype(np.int64)
        # Pointy-top hexagons in axial coordinates (q, r), rounded in cube coordinates.
        h = self.cell_size * SQRT3 / 2
        r_f = (y - self.y0) / h
        q_f = (x - self.x0) / self.cell_size - r_f / 2
        s_f = -q_f - r_f
        q, r, s = np.round(q_f), np.round(r_f), np.round(s_f)
        dq, dr, ds = np.abs(q - q_f), np.abs(r - r_f), np.abs(s - s_f)
        fix_q = (dq > dr) & (dq > ds)
        fix_r = ~fix_q & (dr > ds)
        q = np.where(fix_q, -r - s, q)
        r = np.where(fix_r, -q - s, r)
        r = r.astype(np.int64)
        return r, q.astype(np.int64) + (r >> 1)  # offset column: shift odd rows by half

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The kept cell of each point, or -1 outside the grid."""
        row, col = self._lattice(x, y)
        inside = (row >= 0) & (row < self.n_rows) & (col >= 0) & (col < self.n_cols)
        cell = np.full(len(row), -1, dtype=np.int64)
        cell[inside] = self.index[row[inside] * self.n_cols + col[inside]]
        return cell

    def counts(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Events (or summed ``weights``) per cell; points off the grid are not counted."""
        cell = self.locate(x, y)
        on = cell >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[on]
        return np.bincount(cell[on], weights=w, minlength=self.n_cells).astype(float if weights is not None else np.int64)

    def polygons(self) -> np.ndarray:
        """Each kept cell as a shapely polygon."""
        if self.shape == "square":
            half = self.cell_size / 2
            return shapely.box(self.x - half, self.y - half, self.x + half, self.y + half)
        side = self.cell_size / SQRT3
        angles = np.deg2rad(np.arange(6) * 60 + 30)
        ring = np.stack([self.x[:, None] + side * np.cos(angles), self.y[:, None] + side * np.sin(angles)], axis=-1)
        return shapely.polygons(ring)

    def neighbours(self):
        """Binary contiguity between kept cells (a ``scipy.sparse.csr_matrix``), no self:
        queen (8) for squares, 6 for hexagons."""
        from scipy import sparse

        rows, cols = np.divmod(np.flatnonzero(self.index >= 0), self.n_cols)
        me = self.index[rows * self.n_cols + cols]
        if self.shape == "square":
            steps = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)]
            pairs = [(np.full_like(rows, dr), np.full_like(cols, dc)) for dr, dc in steps]
        else:
            odd = rows & 1
            # offset neighbours of a pointy-top row: the rows above/below lean right on odd rows
            pairs = [(np.zeros_like(rows), np.full_like(cols, -1)), (np.zeros_like(rows), np.ones_like(cols))]
            for dr in (-1, 1):
                pairs += [(np.full_like(rows, dr), odd - 1), (np.full_like(rows, dr), odd)]
        src, dst = [], []
        for dr, dc in pairs:
            r, c = rows + dr, cols + dc
            ok = (r >= 0) & (r < self.n_rows) & (c >= 0) & (c < self.n_cols)
            other = np.full(len(r), -1, dtype=np.int64)
            other[ok] = self.index[r[ok] * self.n_cols + c[ok]]
            keep = other >= 0
            src.append(me[keep])
            dst.append(other[keep])
        src, dst = np.concatenate(src), np.concatenate(dst)
        return sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(self.n_cells, self.n_cells))


MAX_CELLS = 50_000_000


def _check_size(n: int, cell_size: float) -> None:
    """Refuse a grid too big to hold before any array of it is made (a 1 m grid over a county
    would otherwise ask for terabytes)."""
    if n > MAX_CELLS:
        raise ScanError(f"a {cell_size:g} m grid over this extent has {n:,} cells", field="cell_size", fix="give a larger cell size, or choose an area to clip the grid to")


def make_grid(
    x: np.ndarray,
    y: np.ndarray,
    *,
    cell_size: float | None = None,
    shape: str = "square",
    clip: shapely.Geometry | None = None,
) -> Grid:
    """A grid covering the points (or ``clip``, a polygon in the same CRS, whose cells alone
    are kept). ``cell_size`` in metres; automatic when None (``auto_cell_size``)."""
    if shape not in ("square", "hex"):
        raise ScanError(f"unknown grid shape {shape!r}", field="shape", fix="use square or hex")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if clip is not None:
        xmin, ymin, xmax, ymax = clip.bounds
    elif len(x):
        xmin, xmax, ymin, ymax = x.min(), x.max(), y.min(), y.max()
    else:
        raise ScanError("no events to lay a grid over: widen the filters (category, area, period)")
    auto = cell_size is None
    if auto:
        cell_size = auto_cell_size(np.array([xmin, xmax]), np.array([ymin, ymax]))
    extent = max(xmax - xmin, ymax - ymin)
    if not cell_size > 0:
        raise ScanError(f"the cell size must be more than 0 m, not {cell_size}", field="cell_size", fix="give a cell size in metres, e.g. 250")
    if extent > 0 and cell_size > extent:
        raise ScanError(f"a cell size of {cell_size:g} m is larger than the extent of the data ({extent:,.0f} m)", field="cell_size", fix="give a smaller cell size")
    if shape == "square":
        x0 = math.floor(xmin / cell_size) * cell_size
        y0 = math.floor(ymin / cell_size) * cell_size
        n_cols = int(math.floor((xmax - x0) / cell_size)) + 1
        n_rows = int(math.floor((ymax - y0) / cell_size)) + 1
        _check_size(n_rows * n_cols, cell_size)
        cols, rows = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
        cx = x0 + (cols.ravel() + 0.5) * cell_size
        cy = y0 + (rows.ravel() + 0.5) * cell_size
    else:
        h = cell_size * SQRT3 / 2
        x0 = xmin - cell_size / 2
        y0 = ymin - h / 2
        n_rows = int(math.ceil((ymax - y0) / h)) + 1
        n_cols = int(math.ceil((xmax - x0) / cell_size)) + 2
        _check_size(n_rows * n_cols, cell_size)
        cols, rows = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
        cx = x0 + (cols.ravel() - (rows.ravel() >> 1) + rows.ravel() / 2) * cell_size
        cy = y0 + rows.ravel() * h
    n = n_rows * n_cols
    keep = np.ones(n, dtype=bool)
    if clip is not None:
        full = Grid(shape, cell_size, auto, x0, y0, n_rows, n_cols, np.arange(n), cx, cy)
        keep = shapely.intersects(full.polygons(), clip)
        if not keep.any():
            raise ScanError("no grid cell touches the chosen area", field="area", fix="choose an area that holds some of the events")
    index = np.full(n, -1, dtype=np.int64)
    index[keep] = np.arange(int(keep.sum()))
    return Grid(shape, float(cell_size), auto, float(x0), float(y0), n_rows, n_cols, index, cx[keep], cy[keep])
