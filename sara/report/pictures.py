"""Pictures people would rather look at than a table: maps of grid cells, heat tables,
bar and line charts. PNG files drawn with matplotlib, no tile server needed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
CLASS_COLOURS = {
    "hot 99%": "#b2182b", "hot 95%": "#ef8a62", "hot 90%": "#fddbc7", "not significant": "#f7f7f7",
    "cold 90%": "#d1e5f0", "cold 95%": "#67a9cf", "cold 99%": "#2166ac",
}  # fmt: skip
EMERGING_COLOURS = {
    "new hot spot": "#67000d", "consecutive hot spot": "#a50f15", "intensifying hot spot": "#cb181d", "persistent hot spot": "#ef3b2c",
    "diminishing hot spot": "#fb6a4a", "sporadic hot spot": "#fc9272", "oscillating hot spot": "#fcbba1", "historical hot spot": "#fee0d2",
    "new cold spot": "#08306b", "consecutive cold spot": "#08519c", "intensifying cold spot": "#2171b5", "persistent cold spot": "#4292c6",
    "diminishing cold spot": "#6baed6", "sporadic cold spot": "#9ecae1", "oscillating cold spot": "#c6dbef", "historical cold spot": "#deebf7",
    "no pattern detected": "#f7f7f7",
}  # fmt: skip


def _finish(fig, ax, path: Path, title: str, subtitle: str | None, credit: str | None) -> Path:
    # the subtitle sits between the title and the plot, where rotated axis labels cannot cover it
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=22 if subtitle else 6)
    if subtitle:
        ax.annotate(textwrap.fill(subtitle, 120), xy=(0, 1), xycoords="axes fraction", xytext=(0, 5), textcoords="offset points", fontsize=8,
                    color="#505a5f", ha="left", va="bottom")  # fmt: skip
    if credit:
        fig.text(0.01, 0.0, credit, fontsize=7, color="#505a5f", ha="left", va="bottom")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def _cells(ax, polygons: np.ndarray, colours, outline: shapely.Geometry | None) -> None:
    verts, faces = [], []
    for polygon, colour in zip(polygons, colours):
        for part in getattr(polygon, "geoms", [polygon]):
            verts.append(np.asarray(part.exterior.coords))
            faces.append(colour)
    ax.add_collection(PolyCollection(verts, facecolors=faces, edgecolors="none"))
    if outline is not None:
        for part in getattr(outline, "geoms", [outline]):
            boundary = part.exterior if hasattr(part, "exterior") else part
            ax.plot(*np.asarray(boundary.coords).T, color="#0b0c0c", linewidth=0.8)
    xmin, ymin, xmax, ymax = shapely.total_bounds(polygons)
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def points_map(
    path: Path, x: np.ndarray, y: np.ndarray, classes: list[str], labels: list[str], *, colours: dict[str, str], title: str,
    subtitle: str | None = None, credit: str | None = None, margin: float = 150.0,
) -> Path:  # fmt: skip
    """Points in projected metres, coloured by class and labelled (premises by traffic
    light), with a margin around them and a scale in the corner."""
    fig, ax = plt.subplots(figsize=(8, 7))
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    for c in colours:
        pick = np.array([k == c for k in classes], dtype=bool)
        if pick.any():
            ax.scatter(x[pick], y[pick], s=140, color=colours[c], edgecolors="#0b0c0c", linewidths=0.6, label=f"{c} ({int(pick.sum())})", zorder=3)
    for xi, yi, text in zip(x, y, labels):
        ax.annotate(text, (xi, yi), xytext=(8, 6), textcoords="offset points", fontsize=7, color="#0b0c0c")
    ax.set_xlim(x.min() - margin, x.max() + margin)
    ax.set_ylim(y.min() - margin, y.max() + margin)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    bar = 10 ** np.floor(np.log10(max(x.max() - x.min(), y.max() - y.min(), margin)))
    x0, y0 = x.min() - margin * 0.8, y.min() - margin * 0.8
    ax.plot([x0, x0 + bar], [y0, y0], color="#0b0c0c", linewidth=2)
    ax.annotate(f"{bar:,.0f} m", (x0, y0), xytext=(0, 4), textcoords="offset points", fontsize=7)
    ax.legend(loc="upper left", fontsize=8, frameon=True)
    return _finish(fig, ax, path, title, subtitle, credit)


def cell_map(
    path: Path, polygons: np.ndarray, values: np.ndarray, *, title: str, label: str, subtitle: str | None = None,
    outline: shapely.Geometry | None = None, credit: str | None = ATTRIBUTION, quantiles: bool = False,
) -> Path:  # fmt: skip
    """A continuous surface (e.g. density) over grid cells, zero cells left white. With
    ``quantiles`` the colour follows each value's rank (five classes), for skewed values
    such as harm by area, where a linear scale leaves all but one area pale."""
    fig, ax = plt.subplots(figsize=(8, 8))
    values = np.asarray(values, dtype=float)
    cmap = plt.get_cmap("YlOrRd")
    if quantiles and len(values):
        edges = np.unique(np.quantile(values, [0, 0.2, 0.4, 0.6, 0.8, 1]))
        level = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max(len(edges) - 2, 0))
        colours = [cmap((k + 0.5) / max(len(edges) - 1, 1)) for k in level]
        _cells(ax, polygons, colours, outline)
        handles = [Patch(facecolor=cmap((k + 0.5) / (len(edges) - 1)), label=f"{edges[k]:,.0f} to {edges[k + 1]:,.0f}") for k in range(len(edges) - 1)]
        ax.legend(handles=handles, title=label, loc="upper left", fontsize=8)
    else:
        top = values.max() if len(values) and values.max() > 0 else 1.0
        colours = [cmap(v / top) if v > 0 else (1, 1, 1, 0) for v in values]
        _cells(ax, polygons, colours, outline)
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, top))
        fig.colorbar(sm, ax=ax, shrink=0.6, label=label)
    return _finish(fig, ax, path, title, subtitle, credit)


def class_map(
    path: Path, polygons: np.ndarray, classes: list[str], *, title: str, subtitle: str | None = None,
    outline: shapely.Geometry | None = None, credit: str | None = ATTRIBUTION, colours: dict[str, str] | None = None,
) -> Path:  # fmt: skip
    """Cells coloured by class (hot/cold spots, emerging categories), with a legend."""
    colours = colours or CLASS_COLOURS
    fig, ax = plt.subplots(figsize=(8, 8))
    fallback = "#f7f7f7"
    _cells(ax, polygons, [colours.get(c, fallback) for c in classes], outline)
    present = [c for c in colours if c in set(classes)]
    ax.legend(handles=[Patch(facecolor=colours[c], edgecolor="#b1b4b6", label=f"{c} ({classes.count(c):,})") for c in present], loc="upper left", fontsize=8, frameon=True)
    return _finish(fig, ax, path, title, subtitle, credit)


def heat_table(
    path: Path, values: np.ndarray, rows: list[str], columns: list[str], *, title: str, subtitle: str | None = None,
    fmt: str = "{:.0f}", credit: str | None = None, diverging: bool = False,
) -> Path:  # fmt: skip
    """A table of numbers shaded by size (day x hour, space x time bands)."""
    values = np.asarray(values, dtype=float)
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(columns) + 2), max(3, 0.45 * len(rows) + 1.5)))
    if diverging:
        span = np.nanmax(np.abs(np.log2(np.where(values > 0, values, np.nan)))) if np.isfinite(values).any() else 1
        span = span if np.isfinite(span) and span > 0 else 1
        image = ax.imshow(np.log2(np.where(values > 0, values, np.nan)), cmap="RdBu_r", vmin=-span, vmax=span, aspect="auto")
    else:
        image = ax.imshow(values, cmap=ListedColormap(plt.get_cmap("Blues")(np.linspace(0.05, 0.9, 256))), aspect="auto")
    ax.set_xticks(range(len(columns)), columns, fontsize=8, rotation=90 if max(map(len, columns)) > 3 else 0)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    if values.size <= 400:
        top = np.nanmax(values) if np.isfinite(values).any() else 0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="white" if not diverging and v > 0.6 * top else "#0b0c0c")
    fig.colorbar(image, ax=ax, shrink=0.8, label="log2 observed / expected" if diverging else None)
    return _finish(fig, ax, path, title, subtitle, credit)


def bars(
    path: Path, labels: list[str], series: dict[str, list[float]], *, title: str, subtitle: str | None = None,
    credit: str | None = ATTRIBUTION, horizontal: bool = True,
) -> Path:  # fmt: skip
    """Grouped bars, one group per label (e.g. categories: previous vs current period)."""
    n = len(series)
    fig, ax = plt.subplots(figsize=(8, max(3, 0.35 * len(labels) * max(1, n / 1.5) + 1)))
    positions = np.arange(len(labels))
    width = 0.8 / n
    palette = ["#b1b4b6", "#1d70b8", "#d4351c", "#00703c"] if n > 1 else ["#1d70b8"]
    for k, (name, values) in enumerate(series.items()):
        offset = positions + (k - (n - 1) / 2) * width
        if horizontal:
            ax.barh(offset, values, height=width, label=name, color=palette[k % len(palette)])
        else:
            ax.bar(offset, values, width=width, label=name, color=palette[k % len(palette)])
    if horizontal:
        ax.set_yticks(positions, labels, fontsize=8)
        ax.invert_yaxis()
    else:
        ax.set_xticks(positions, labels, fontsize=8, rotation=90)
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, ax, path, title, subtitle, credit)


def lines(
    path: Path, x: list, series: dict[str, list[float]], *, title: str, subtitle: str | None = None,
    credit: str | None = ATTRIBUTION, marks: dict[str, object] | None = None,
) -> Path:  # fmt: skip
    """Line chart of series over time (monthly counts, rolling sums); ``marks`` labels
    points on the x axis (an intervention date, a flagged month)."""
    fig, ax = plt.subplots(figsize=(9, 4))
    palette = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92"]
    for k, (name, values) in enumerate(series.items()):
        ax.plot(x, values, label=name, color=palette[k % len(palette)], linewidth=1.8)
    for label, at in (marks or {}).items():
        ax.axvline(at, color="#505a5f", linestyle="--", linewidth=1)
        ax.annotate(label, (at, ax.get_ylim()[1]), fontsize=8, rotation=90, va="top", ha="right", color="#505a5f")
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, ax, path, title, subtitle, credit)
