"""Pictures people would rather look at than a table: maps of grid cells, areas and points
over the loaded boundaries with their names, heat tables, bar and line charts. PNG files
drawn with matplotlib, no tile server needed.

A service says what to draw as a ``Picture`` (the drawing's name and its inputs, plain
data), so any face can draw it (``draw``) or test what it would say without drawing.
Titles and subtitles are words (``sara.report.words``), never Python lists or raw floats.
matplotlib is imported only when something is drawn: it is the slowest import SARA has.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
BOUNDARY = "Boundaries: Office for National Statistics, OGL v3.0; contains OS data © Crown copyright and database right."
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
INK, GREY = "#0b0c0c", "#505a5f"


@dataclass(frozen=True)
class Areas:
    """Loaded boundaries to draw under a map, in the map's CRS, each labelled with its name
    (``kind`` says which: ward, district...); ``outline`` is the area chosen, drawn bold."""

    kind: str
    shapes: list = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    outline: shapely.Geometry | None = None


@dataclass(frozen=True)
class Picture:
    """What to draw: the name of one drawing of this module and its inputs (no path)."""

    kind: str
    args: dict

    @property
    def title(self) -> str:
        return self.args.get("title", "")

    @property
    def subtitle(self) -> str:
        return self.args.get("subtitle") or ""


def draw(picture: Picture, path: Path) -> Path:
    """Draws ``picture`` to the PNG file ``path``."""
    if picture.kind == "assessment":
        from sara.report.assessment import draw as assessment

        return assessment(path=path, **picture.args)
    drawings = {f.__name__: f for f in (cell_map, class_map, points_map, heat_table, bars, lines)}
    return drawings[picture.kind](path, **picture.args)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(fig, ax, path: Path, title: str, subtitle: str | None, credit: str | None) -> Path:
    # the subtitle sits between the title and the plot, where rotated axis labels cannot cover it
    plt = _pyplot()
    lines_of_subtitle = textwrap.wrap(subtitle, 110) if subtitle else []
    ax.set_title(title, loc="left", fontsize=13, fontweight="bold", pad=8 + 11 * len(lines_of_subtitle))
    if subtitle:
        ax.annotate("\n".join(lines_of_subtitle), xy=(0, 1), xycoords="axes fraction", xytext=(0, 5), textcoords="offset points", fontsize=8,
                    color=GREY, ha="left", va="bottom")  # fmt: skip
    if credit:
        width = max(60, int(fig.get_size_inches()[0] * 16))
        ax.annotate(textwrap.fill(credit, width), xy=(0, 0), xycoords="axes fraction", xytext=(0, -8 if not ax.get_xticks().size else -40),
                    textcoords="offset points", fontsize=6.5, color=GREY, ha="left", va="top")  # fmt: skip
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def _map_figure(bounds: tuple[float, float, float, float]):
    """A figure and axes shaped to the map: the longer side 9 inches, the shorter at least 5."""
    plt = _pyplot()
    xmin, ymin, xmax, ymax = bounds
    tall = max(ymax - ymin, 1.0) / max(xmax - xmin, 1.0)
    width, height = (9.0, min(max(9.0 * tall, 5.0), 9.0)) if tall <= 1 else (max(9.0 / tall, 5.0), 9.0)
    return plt.subplots(figsize=(width, height))


def _legend(ax, handles: list, title: str | None = None) -> None:
    """The legend beside the map, where it covers neither cells nor names."""
    ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title_fontsize=8, frameon=False)


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}" if v == int(v) else f"{v:,.1f}")


def _frame(ax, bounds: tuple[float, float, float, float], pad: float = 0.02) -> None:
    xmin, ymin, xmax, ymax = bounds
    dx, dy = max(xmax - xmin, 1.0) * pad, max(ymax - ymin, 1.0) * pad
    ax.set_xlim(xmin - dx, xmax + dx)
    ax.set_ylim(ymin - dy, ymax + dy)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _scale_bar(ax) -> None:
    """A round-numbered scale bar in the lower left corner (metres of a projected CRS)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    bar = 10 ** np.floor(np.log10((x1 - x0) / 4))
    bar *= 5 if bar * 5 <= (x1 - x0) / 4 else 2 if bar * 2 <= (x1 - x0) / 4 else 1
    left, bottom = x0 + 0.03 * (x1 - x0), y0 + 0.03 * (y1 - y0)
    ax.plot([left, left + bar], [bottom, bottom], color=INK, linewidth=2.5, solid_capstyle="butt", zorder=6)
    label = f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m"
    ax.annotate(label, (left, bottom), xytext=(0, 4), textcoords="offset points", fontsize=7, color=INK, zorder=6)


def _areas(ax, areas: Areas | None) -> None:
    """The boundaries in grey, each named where it shows inside the view; the chosen area bold."""
    if areas is None:
        return
    from matplotlib import patheffects

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for shape, name in zip(areas.shapes, areas.names):
        for part in getattr(shape, "geoms", [shape]):
            for ring in [part.exterior, *part.interiors] if hasattr(part, "exterior") else [part]:
                ax.plot(*np.asarray(ring.coords).T, color=GREY, linewidth=0.6, zorder=4)
        seen = shapely.intersection(shape, view)
        if name and not seen.is_empty and seen.area > 0.002 * view.area:
            at = shapely.point_on_surface(seen)
            ax.annotate(textwrap.fill(name, 18), (at.x, at.y), fontsize=6.5, color=INK, ha="center", va="center", path_effects=halo, zorder=5)
    if areas.outline is not None:
        for part in getattr(areas.outline, "geoms", [areas.outline]):
            boundary = part.exterior if hasattr(part, "exterior") else part
            ax.plot(*np.asarray(boundary.coords).T, color=INK, linewidth=1.2, zorder=4)


def _cells(ax, polygons: np.ndarray, colours, outline: shapely.Geometry | None, areas: Areas | None) -> None:
    from matplotlib.collections import PolyCollection

    verts, faces = [], []
    for polygon, colour in zip(polygons, colours):
        for part in getattr(polygon, "geoms", [polygon]):
            verts.append(np.asarray(part.exterior.coords))
            faces.append(colour)
    ax.add_collection(PolyCollection(verts, facecolors=faces, edgecolors="none", zorder=2))
    bounds = shapely.total_bounds(polygons) if outline is None else shapely.total_bounds(outline)
    if outline is not None and areas is None:
        areas = Areas("area", outline=outline)
    elif outline is not None:
        areas = Areas(areas.kind, areas.shapes, areas.names, outline)
    _frame(ax, bounds)
    _areas(ax, areas)
    _scale_bar(ax)


def points_map(
    path: Path, x: np.ndarray, y: np.ndarray, classes: list[str], labels: list[str], *, colours: dict[str, str], title: str,
    subtitle: str | None = None, credit: str | None = None, margin: float = 400.0, areas: Areas | None = None,
) -> Path:  # fmt: skip
    """Points in projected metres, coloured by class and labelled (premises by traffic
    light), over the loaded boundaries around them, with a scale bar."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    fig, ax = _map_figure((x.min() - margin, y.min() - margin, x.max() + margin, y.max() + margin))
    for c in colours:
        pick = np.array([k == c for k in classes], dtype=bool)
        if pick.any():
            ax.scatter(x[pick], y[pick], s=140, color=colours[c], edgecolors=INK, linewidths=0.6, label=f"{c} ({int(pick.sum())})", zorder=7)
    for xi, yi, text in zip(x, y, labels):
        ax.annotate(text, (xi, yi), xytext=(8, 6), textcoords="offset points", fontsize=7, color=INK, zorder=8)
    _frame(ax, (x.min() - margin, y.min() - margin, x.max() + margin, y.max() + margin), pad=0)
    _areas(ax, areas)
    _scale_bar(ax)
    _legend(ax, ax.get_legend_handles_labels()[0])
    return _finish(fig, ax, path, title, subtitle, credit or (BOUNDARY if areas else None))


def cell_map(
    path: Path, polygons: np.ndarray, values: np.ndarray, *, title: str, label: str, subtitle: str | None = None,
    outline: shapely.Geometry | None = None, credit: str | None = ATTRIBUTION, quantiles: bool = False, areas: Areas | None = None,
) -> Path:  # fmt: skip
    """A continuous surface (e.g. density) over grid cells or areas, zero cells left white,
    over the loaded boundaries. With ``quantiles`` the colour follows each value's rank (five
    classes), for skewed values such as harm by area, where a linear scale leaves all but
    one area pale."""
    plt = _pyplot()
    from matplotlib.patches import Patch

    fig, ax = _map_figure(shapely.total_bounds(polygons if outline is None else outline))
    values = np.asarray(values, dtype=float)
    cmap = plt.get_cmap("YlOrRd")
    if quantiles and len(values):
        edges = np.unique(np.quantile(values, [0, 0.2, 0.4, 0.6, 0.8, 1]))
        level = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max(len(edges) - 2, 0))
        colours = [cmap((k + 0.5) / max(len(edges) - 1, 1)) for k in level]
        _cells(ax, polygons, colours, outline, areas)
        handles = [Patch(facecolor=cmap((k + 0.5) / (len(edges) - 1)), label=f"{edges[k]:,.0f} to {edges[k + 1]:,.0f}") for k in range(len(edges) - 1)]
        _legend(ax, handles, label)
    else:
        top = values.max() if len(values) and values.max() > 0 else 1.0
        colours = [cmap(v / top) if v > 0 else (1, 1, 1, 0) for v in values]
        _cells(ax, polygons, colours, outline, areas)
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, top))
        fig.colorbar(sm, ax=ax, shrink=0.6, label=label)
    return _finish(fig, ax, path, title, subtitle, " ".join(c for c in (credit, BOUNDARY if areas else None) if c))


def class_map(
    path: Path, polygons: np.ndarray, classes: list[str], *, title: str, subtitle: str | None = None,
    outline: shapely.Geometry | None = None, credit: str | None = ATTRIBUTION, colours: dict[str, str] | None = None,
    areas: Areas | None = None,
) -> Path:  # fmt: skip
    """Cells coloured by class (hot/cold spots, emerging categories), with a legend, over
    the loaded boundaries; cells of no class worth showing are left clear."""
    from matplotlib.patches import Patch

    colours = colours or CLASS_COLOURS
    fig, ax = _map_figure(shapely.total_bounds(polygons if outline is None else outline))
    plain = {"not significant", "no pattern detected"}
    _cells(ax, polygons, [(1, 1, 1, 0) if c in plain else colours.get(c, "#f7f7f7") for c in classes], outline, areas)
    present = [c for c in colours if c in set(classes) and c not in plain]
    handles = [Patch(facecolor=colours[c], edgecolor="#b1b4b6", label=f"{c} ({classes.count(c):,})") for c in present]
    quiet = sum(classes.count(c) for c in plain)
    handles.append(Patch(facecolor="white", edgecolor="#b1b4b6", label=f"neither ({quiet:,})" if present else f"no hot or cold spots ({quiet:,})"))
    _legend(ax, handles, "cells")
    return _finish(fig, ax, path, title, subtitle, " ".join(c for c in (credit, BOUNDARY if areas else None) if c))


def heat_table(
    path: Path, values: np.ndarray, rows: list[str], columns: list[str], *, title: str, subtitle: str | None = None,
    fmt: str = "{:.0f}", credit: str | None = None, diverging: bool = False, xlabel: str | None = None, ylabel: str | None = None,
) -> Path:  # fmt: skip
    """A table of numbers shaded by size (day x hour, space x time bands); with
    ``diverging``, ratios around 1 on a log scale, red above and blue below."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

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
                dark = abs(np.log2(v)) > 0.6 * span if diverging and v > 0 else not diverging and v > 0.6 * top
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="white" if dark else INK)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.8, label="log2 observed / expected" if diverging else None)
    return _finish(fig, ax, path, title, subtitle, credit)


def bars(
    path: Path, labels: list[str], series: dict[str, list[float]], *, title: str, subtitle: str | None = None,
    credit: str | None = ATTRIBUTION, horizontal: bool = True, xlabel: str | None = None,
) -> Path:  # fmt: skip
    """Grouped bars, one group per label (e.g. categories: previous vs current period); a
    value of None is no bar (no data), never a bar of zero."""
    plt = _pyplot()
    n = len(series)
    fig, ax = plt.subplots(figsize=(8, max(3, 0.35 * len(labels) * max(1, n / 1.5) + 1)) if horizontal else (9, 4.5))
    positions = np.arange(len(labels))
    width = 0.8 / n
    palette = ["#b1b4b6", "#1d70b8", "#d4351c", "#00703c"] if n > 1 else ["#1d70b8"]
    for k, (name, values) in enumerate(series.items()):
        offset = positions + (k - (n - 1) / 2) * width
        values = np.array([np.nan if v is None else v for v in values], dtype=float)
        if horizontal:
            ax.barh(offset, values, height=width, label=name, color=palette[k % len(palette)])
        else:
            ax.bar(offset, values, width=width, label=name, color=palette[k % len(palette)])
    if horizontal:
        ax.set_yticks(positions, labels, fontsize=8)
        ax.invert_yaxis()
    else:
        ax.set_xticks(positions, labels, fontsize=8, rotation=90 if max(map(len, labels), default=0) > 4 else 0)
    (ax.xaxis if horizontal else ax.yaxis).set_major_formatter(_thousands())
    if xlabel:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(xlabel, fontsize=8)
    if n > 1:
        ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, ax, path, title, subtitle, credit)


def lines(
    path: Path, x: list, series: dict[str, list[float]], *, title: str, subtitle: str | None = None,
    credit: str | None = ATTRIBUTION, marks: dict[str, object] | None = None, xlabel: str | None = None,
    ylabel: str | None = None, percent_x: bool = False, percent_y: bool = False,
) -> Path:  # fmt: skip
    """Line chart of series over time (monthly counts, rolling means); a value of None is a
    gap (no data), never a zero. ``marks`` labels points on the x axis (an intervention
    date, a flagged month)."""
    plt = _pyplot()
    from matplotlib.ticker import PercentFormatter

    fig, ax = plt.subplots(figsize=(9, 4))
    palette = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#912b88", "#85994b"]
    for k, (name, values) in enumerate(series.items()):
        ax.plot(x, np.array([np.nan if v is None else v for v in values], dtype=float), label=name, color=palette[k % len(palette)], linewidth=1.8)
    for label, at in (marks or {}).items():
        ax.axvline(at, color=GREY, linestyle="--", linewidth=1)
        ax.annotate(label, (at, ax.get_ylim()[1]), fontsize=8, rotation=90, va="top", ha="right", color=GREY)
    if x and all(isinstance(v, dt.date) for v in x):
        from matplotlib.dates import DateFormatter

        ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    if percent_x:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    if percent_y:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        ax.yaxis.set_major_formatter(_thousands())
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.set_ylim(bottom=0)
    if len(series) > 3:  # many lines: the legend beside the chart, not over them
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    elif len(series) > 1:
        ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, ax, path, title, subtitle, credit)
