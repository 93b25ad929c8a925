"""A report ``Pack`` as the documents people take away: a standalone HTML page, a PDF to print
(A4, a contents list with page numbers, "Page N of M" in the footer, charts as vector
graphics) and an XLSX workbook (an "About" sheet, then one sheet per table).

Every document carries what it was built from, as the design asks of every user-facing result
(parameters and provenance: sources, months, load times) in a closing "How this was made"
section or sheet, and every table keeps the sentence saying what it left out under it.

The writers are atomic: the document is written to a temporary file beside the target and
renamed over it, so a failure (a folder that does not exist, Pango missing) leaves no partial
file and raises ``Invalid`` with one line. Output is deterministic: the same pack gives the
same bytes of HTML, SVG, PDF and XLSX (matplotlib's ids are salted with a constant, the only
time in any document is the pack's own ``made_at``).

Each worker keeps the charts it drew (the SVG of each table, the most recently used: ``SVGS_KEPT``),
so a page, its PDF and its HTML download of the same pack draw each chart once; drawing is most
of a pack's page. matplotlib, WeasyPrint and openpyxl are imported only when a chart, PDF or
workbook is made.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import os
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from decimal import Decimal
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from sara.errors import Invalid
from sara.report.export import safe_cell
from sara.report.pack import Chart, Pack, Table

TEMPLATES = Path(__file__).parent / "templates"
INK, GREY, MARK = "#0b0c0c", "#505a5f", "#d4351c"
SERIES_COLOURS = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#b58840", "#d53880", "#28a197", "#6f72af")
SVG_SALT = "sara-report"
SVG_IDS = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
PAGE_WIDTH_IN = 6.6  # A4 less the print margins
# A table about this many characters wide is printed landscape, then in smaller type (A4 at 8.5,
# 7.5, 6 and 5 pt); wider still, its numbers may wrap too, so nothing runs off the page.
WIDTHS = (100, 170, 220, 270)
# The policy to serve the standalone HTML document under (its stylesheet and its charts' style
# attributes are inline; it has no script, and every value in it is escaped).
DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# A chart is a pure function of its table (a frozen dataclass of tuples), and drawing one takes a
# tenth of a second or more: a page, its PDF and its HTML download draw the same charts, so each
# worker keeps the SVGs it drew, the most recently used, at most this many and this much text.
SVGS_KEPT = 128
SVG_CHARACTERS_KEPT = 32_000_000
_svgs: OrderedDict = OrderedDict()
_svgs_lock = threading.Lock()
_drawing = threading.RLock()


# --- values as people read them ---------------------------------------------------------------


def is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def cell_text(value) -> str:
    """A table value as the documents show it: ``12345`` as ``12,345``, a float to one decimal
    (small ones to three significant figures, so a rate of 0.0042 is not shown as 0.0), None
    as empty, True/False as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        v = float(value)
        if math.isnan(v):
            return ""
        if v == int(v) and abs(v) < 1e15:
            return f"{v:,.1f}"
        return f"{v:,.1f}" if abs(v) >= 1 else f"{v:.3g}"
    if isinstance(value, dt.datetime):
        return f"{value.day} {value:%b %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def _numeric_columns(table: Table) -> list[bool]:
    """Which columns hold numbers only (None aside), to right-align them."""
    out = []
    for i in range(len(table.columns)):
        values = [r[i] for r in table.rows if i < len(r) and r[i] is not None]
        out.append(bool(values) and all(is_number(v) for v in values))
    return out


def _width(table: Table) -> int:
    """About how many characters wide ``table`` is laid out: each column as wide as its longest
    value (long text wraps, so counted at most 24)."""
    width = 0
    for i, column in enumerate(table.columns):
        longest = max([len(str(column))] + [len(cell_text(r[i])) for r in table.rows[:200] if i < len(r)])
        width += min(longest, 24) + 2
    return width


def _wideness(table: Table) -> int:
    """0 for a table that fits a portrait page, 1-4 for ever smaller type on a landscape one."""
    width = _width(table)
    return sum(width > w for w in WIDTHS)


def _label(key) -> str:
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def _entries(mapping: dict) -> list[dict]:
    """A parameters or provenance mapping as nested entries for the templates: each has a
    ``label`` and a ``kind``: "text" (with ``text``), "group" (with ``children``, nested entries)
    or "records" (``columns`` and ``rows``: a list of records shown as a small table)."""
    return [_entry(_label(k), v) for k, v in (mapping or {}).items()]


def _entry(label: str, value) -> dict:
    if isinstance(value, dict):
        return {"label": label, "kind": "group", "children": _entries(value)}
    if isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
        columns = list(dict.fromkeys(k for v in value for k in v))
        return {"label": label, "kind": "records", "columns": [_label(c) for c in columns], "rows": [[_shown(v.get(c)) for c in columns] for v in value]}
    return {"label": label, "kind": "text", "text": _shown(value)}


def _shown(value) -> str:
    """``cell_text``, with a time given as ISO text (a load time) as people read it."""
    if isinstance(value, str) and ISO_TIME.match(value):
        with suppress(ValueError):
            value = dt.datetime.fromisoformat(value)
    return cell_text(value)


def flat_entries(mapping: dict, prefix: str = "") -> list[tuple[str, object]]:
    """A nested mapping as (path, value) rows for a spreadsheet: ``sources / 1 / name``."""
    rows: list[tuple[str, object]] = []
    for key, value in (mapping or {}).items():
        path = f"{prefix}{_label(key)}"
        if isinstance(value, dict):
            rows.extend(flat_entries(value, path + " / "))
        elif isinstance(value, list | tuple) and any(isinstance(v, dict | list | tuple) for v in value):
            for i, v in enumerate(value, start=1):
                rows.extend(flat_entries(v, f"{path} / {i} / ") if isinstance(v, dict) else [(f"{path} / {i}", v)])
        else:
            rows.append((path, value if is_number(value) or value is None else cell_text(value)))
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


# --- charts ----------------------------------------------------------------------------------


def _plain(text) -> str:
    """Text as matplotlib should print it: a ``$`` would otherwise start mathematical text."""
    return str(text).replace("$", r"\$")


def _float(value) -> float:
    return float(value) if is_number(value) else math.nan


def _series(table: Table) -> tuple[list, dict[str, list[float]]]:
    chart = table.chart
    index = {c: i for i, c in enumerate(table.columns)}
    missing = [c for c in (chart.x, *chart.y) if c not in index]
    if missing:
        raise Invalid(f"the chart of table {table.name} names columns it does not have: {', '.join(missing)}", field="chart",
                      fix=f"use some of {', '.join(table.columns)}")  # fmt: skip
    rows = chart.drawn(table)
    xs = [r[index[chart.x]] for r in rows]
    ys = {c: [_float(r[index[c]]) for r in rows] for c in chart.y}
    return xs, ys


def _tick(value: float, _position=None) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")


def _thin_ticks(ax, labels: list[str], axis: str, room: int) -> None:
    """Category labels on ``axis``, at most ``room`` of them (evenly spaced), so months stay legible."""
    step = max(1, math.ceil(len(labels) / room))
    ticks = list(range(0, len(labels), step))
    if axis == "x":
        ax.set_xticks(ticks, [_plain(labels[i]) for i in ticks])
    else:
        ax.set_yticks(ticks, [_plain(labels[i]) for i in ticks])


def _draw(table: Table):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    chart: Chart = table.chart
    xs, ys = _series(table)
    labels = [cell_text(x) for x in xs]
    n, k = len(xs), len(ys)
    if chart.kind == "barh":
        height = min(max(1.2 + 0.22 * n * max(1, k * 0.6), 2.4), 9.0)
        fig = Figure(figsize=(PAGE_WIDTH_IN, height))
    else:
        fig = Figure(figsize=(PAGE_WIDTH_IN, 3.0))
    ax = fig.add_subplot()
    positions = list(range(n))
    numeric_x = n > 0 and all(is_number(x) for x in xs)
    if chart.kind == "line":
        px = [float(x) for x in xs] if numeric_x else positions
        for i, (name, values) in enumerate(ys.items()):
            ax.plot(px, values, color=SERIES_COLOURS[i % len(SERIES_COLOURS)], linewidth=1.8, marker="o" if n <= 24 else None, markersize=3,
                    label=_plain(name))  # fmt: skip
        if not numeric_x:
            _thin_ticks(ax, labels, "x", 12)
    else:
        width = 0.8 / max(k, 1)
        for i, (name, values) in enumerate(ys.items()):
            offset = [p - 0.4 + width * (i + 0.5) for p in positions]
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            if chart.kind == "barh":
                ax.barh(offset, [0 if math.isnan(v) else v for v in values], height=width, color=colour, label=_plain(name))
            else:
                ax.bar(offset, [0 if math.isnan(v) else v for v in values], width=width, color=colour, label=_plain(name))
        if chart.kind == "barh":
            _thin_ticks(ax, labels, "y", 40)
            ax.set_ylim(n - 0.5, -0.5)  # the first row at the top, as in the table
        else:
            _thin_ticks(ax, labels, "x", 16)
    values = [v for series in ys.values() for v in series if not math.isnan(v)]
    if chart.kind == "line" and not chart.invert and values and min(values) >= 0:
        ax.set_ylim(bottom=0)  # counts from zero, so a small change does not look like a large one
    value_axis = ax.xaxis if chart.kind == "barh" else ax.yaxis
    value_axis.set_major_formatter(FuncFormatter(_tick))
    if chart.invert or all(float(v).is_integer() for v in values):
        value_axis.set_major_locator(MaxNLocator(integer=True))
    if chart.invert:
        (ax.invert_xaxis if chart.kind == "barh" else ax.invert_yaxis)()
    if chart.y_label:
        (ax.set_xlabel if chart.kind == "barh" else ax.set_ylabel)(_plain(chart.y_label), fontsize=8, color=GREY)
    if chart.kind != "barh" and not numeric_x and max((len(s) for s in labels), default=0) * min(n, 16) > 90:
        for t in ax.get_xticklabels():
            t.set_rotation(45)
            t.set_horizontalalignment("right")
    where = {x: i for i, x in reversed(list(enumerate(xs)))}
    for value, text in chart.marks:
        if numeric_x and chart.kind == "line" and is_number(value):
            at = float(value)
        elif value in where:
            at = where[value]
        elif str(value) in {str(x): x for x in xs}:
            at = where[{str(x): x for x in xs}[str(value)]]
        else:
            continue
        if chart.kind == "barh":
            ax.axhline(at, color=MARK, linestyle="--", linewidth=1)
            ax.annotate(_plain(text), xy=(1, at), xycoords=("axes fraction", "data"), xytext=(-3, -3), textcoords="offset points", ha="right",
                        va="top", fontsize=7, color=MARK)  # fmt: skip
        else:
            ax.axvline(at, color=MARK, linestyle="--", linewidth=1)
            ax.annotate(_plain(text), xy=(at, 1), xycoords=("data", "axes fraction"), xytext=(3, -3), textcoords="offset points", ha="left",
                        va="top", fontsize=7, color=MARK)  # fmt: skip
    ax.tick_params(labelsize=7, colors=INK)
    ax.grid(axis="x" if chart.kind == "barh" else "y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if k > 1:  # above the plot, where neither rotated labels nor marks reach
        ax.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1, 1.01), ncols=min(k, 4), borderaxespad=0)
    fig.tight_layout()
    return fig


def chart_svg(table: Table) -> str:
    """The chart of ``table`` (``table.chart``) as an SVG document drawn by matplotlib: text as
    text (``svg.fonttype`` none), ids from a constant salt and no date, so the same table gives
    the same bytes. An empty string when the table has no chart."""
    document = _svg_document(table)
    return document[document.find("<svg") :] if document else ""


def _svg_document(table: Table) -> str:
    """The chart's SVG document, drawn once per worker for the same table (see ``_kept_svg``)."""
    if table.chart is None:
        return ""
    try:
        key = (table, tuple(tuple(type(v) for v in row) for row in table.rows))  # 1 and 1.0 are equal but are labelled apart
        hash(key)
    except TypeError:  # a value that cannot be a key (a list in a row): drawn each time
        with _drawing:
            return _drawn_svg(table)
    found = _kept_svg(key)
    if found is None:
        with _drawing:  # one drawing at a time: matplotlib's settings are the process's, and a chart asked for twice is drawn once
            found = _kept_svg(key)
            if found is None:
                found = _drawn_svg(table)
                with _svgs_lock:
                    _svgs[key] = found
                    while len(_svgs) > SVGS_KEPT or sum(len(v) for v in _svgs.values()) > SVG_CHARACTERS_KEPT and len(_svgs) > 1:
                        _svgs.popitem(last=False)
    return found


def _kept_svg(key) -> str | None:
    with _svgs_lock:
        found = _svgs.get(key)
        if found is not None:
            _svgs.move_to_end(key)
        return found


def forget_charts() -> None:
    """Drops the charts kept (for tests, and a worker short of memory)."""
    with _svgs_lock:
        _svgs.clear()


def _drawn_svg(table: Table) -> str:
    import io

    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none", "font.family": "DejaVu Sans", "path.simplify": True}):
        fig = _draw(table)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    # matplotlib numbers its ids afresh in each drawing: prefixed, two charts in one page do not share any
    prefix = f"chart-{_slug(table.name)}-"
    return SVG_IDS.sub(lambda m: m.group(1) + prefix + m.group(2), buf.getvalue())


def chart_data_uri(table: Table) -> str:
    """The chart as a ``data:image/svg+xml`` URI for an ``<img>`` in a page: the pages' CSP
    forbids inline style, which matplotlib's SVG uses, but an image is a document of its own
    (and ``img-src`` allows ``data:``)."""
    svg = _svg_document(table)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if svg else ""


def chart_alt(table: Table) -> str:
    """What the chart shows, in words, for people who cannot see it (the table has the figures)."""
    chart = table.chart
    if chart is None:
        return ""
    kind = {"bar": "Bar chart", "barh": "Bar chart", "line": "Line chart"}[chart.kind]
    xs = [cell_text(r[table.columns.index(chart.x)]) for r in chart.drawn(table)] if chart.x in table.columns else []
    span = f", {len(xs)} {'points' if chart.kind == 'line' else 'bars'}" + (f" from {xs[0]} to {xs[-1]}" if len(xs) > 1 else "")
    text = f"{kind} of {table.title}: {', '.join(chart.y)} by {chart.x}{span}"
    if chart.invert:
        text += "; rank 1 at the top"
    if chart.marks:
        text += "; marked: " + "; ".join(f"{label} at {cell_text(x)}" for x, label in chart.marks)
    return text + ". The figures are in the table below."


# --- the view the templates draw -------------------------------------------------------------


def view(pack: Pack, *, charts: str = "svg", prefix: str = "") -> dict:
    """``pack`` as plain data for a template: sections and tables with ids, cells as text with
    numeric columns flagged, each chart drawn (``charts``: "svg" inline markup, "uri" a data
    URI for an ``<img>``), and the parameters and provenance as nested entries."""
    used: set[str] = set()

    def unique(base: str) -> str:
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        return name

    sections = []
    for i, section in enumerate(pack.sections, start=1):
        tables = []
        for table in section.tables:
            numeric = _numeric_columns(table)
            chart = ""
            if table.chart is not None:
                chart = chart_data_uri(table) if charts == "uri" else Markup(chart_svg(table))
            tables.append({
                "id": unique(f"{prefix}table-{_slug(table.name)}"), "name": table.name, "title": table.title, "note": table.note,
                "columns": [{"text": c, "numeric": numeric[j]} for j, c in enumerate(table.columns)],
                "rows": [[{"text": cell_text(v), "numeric": numeric[j] if j < len(numeric) else False} for j, v in enumerate(r)] for r in table.rows],
                "long": len(table.rows) > 25, "wide": _wideness(table), "chart": chart, "alt": chart_alt(table),
            })  # fmt: skip
        sections.append({"id": unique(f"{prefix}section-{i}"), "number": i, "title": section.title, "paragraphs": list(section.paragraphs), "tables": tables})
    return {
        "title": pack.title,
        "subtitle": pack.subtitle,
        "made_at": cell_text(pack.made_at) if pack.made_at else "",
        "made_at_iso": _w3c(pack.made_at),
        "sections": sections,
        "made_id": unique(f"{prefix}how-this-was-made"),
        "parameters": _entries(pack.parameters),
        "provenance": _entries(pack.provenance),
    }


def _w3c(when: dt.datetime | None) -> str:
    """A time as PDF metadata takes it (W3C-DTF): with its offset, or the day alone when it has none."""
    if when is None:
        return ""
    return when.isoformat(timespec="seconds") if when.utcoffset() is not None else when.date().isoformat()


def page_view(pack: Pack) -> dict:
    """``view`` for a web page (the ``pack_view`` filter of ``macros/pack.html``): charts as
    data URIs for ``<img>`` (the CSP forbids the inline style of an inline SVG), ids prefixed
    so they do not collide with the page's own."""
    return view(pack, charts="uri", prefix="pack-")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)  # fmt: skip


def html(pack: Pack) -> str:
    """``pack`` as a standalone HTML5 document: a title block, a contents list linking to each
    section, the sections' paragraphs and tables (each note under its table, each chart as
    inline SVG), and "How this was made" with the parameters and provenance. Its stylesheet is
    inside it, with print rules (A4, page numbers) that WeasyPrint follows for the PDF."""
    css = (TEMPLATES / "document.css").read_text(encoding="utf-8")
    return _environment().get_template("document.html").render(pack=view(pack), css=Markup(css))


# --- atomic writing --------------------------------------------------------------------------


def _atomic(path: str | Path, field: str, write: Callable[[Path], None]) -> Path:
    """Runs ``write`` on a temporary file beside ``path`` and renames it over ``path``; on any
    failure removes the temporary file and raises ``Invalid(field=...)`` with one line."""
    target = Path(path)
    folder = target.parent
    what = field.upper()
    if not folder.is_dir():
        raise Invalid(f"cannot write the {what} to {target}: the folder {folder} does not exist", field=field, fix="create it or choose another path")
    if target.is_dir():
        raise Invalid(f"cannot write the {what} to {target}: it is a folder", field=field, fix="give a file name")
    tmp = folder / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as to any new file
        os.close(fd)
    except OSError as exc:
        raise Invalid(f"cannot write the {what} to {target}: {exc.strerror or exc}", field=field, fix="choose a folder you may write to") from None
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException as exc:  # an interrupt too leaves no partial file
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, Invalid) or not isinstance(exc, Exception):
            raise
        raise Invalid(f"cannot write the {what} to {target}: {_one_line(exc)}", field=field) from None
    return target


def _one_line(exc: BaseException) -> str:
    text = (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- PDF -------------------------------------------------------------------------------------


def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # cffi cannot open Pango's libraries
        raise Invalid(f"PDF documents need Pango, which is not installed ({_one_line(exc)})", field="pdf",
                      fix="install it with: apt-get install libpango-1.0-0 libpangoft2-1.0-0 (make does it)") from None  # fmt: skip
    except ImportError as exc:
        raise Invalid(f"PDF documents need WeasyPrint, which is not installed ({_one_line(exc)})", field="pdf", fix="pip install weasyprint==70.0") from None
    return weasyprint


def pdf_document(pack: Pack):
    """The WeasyPrint document of ``pack`` laid out in pages (to count or read its pages)."""
    return _weasyprint().HTML(string=html(pack), base_url=str(TEMPLATES)).render()


def write_pdf(pack: Pack, path: str | Path) -> Path:
    """Writes ``pack`` as a PDF (A4, contents with page numbers, "Page N of M", vector
    charts) to ``path``, atomically; ``Invalid(field="pdf")`` when it cannot."""
    weasyprint = _weasyprint()

    def write(tmp: Path) -> None:
        weasyprint.HTML(string=html(pack), base_url=str(TEMPLATES)).write_pdf(tmp)

    return _atomic(path, "pdf", write)


# --- XLSX ------------------------------------------------------------------------------------


def sheet_names(pack: Pack) -> dict[str, str]:
    """Each table's worksheet name (table name -> sheet name): Excel's forbidden characters
    (``[ ] : * ? / \\``) replaced, at most 31 characters, unique regardless of case, never
    "About" (the first sheet) nor "History" (Excel's own)."""
    taken = {"about", "history"}
    out = {}
    for name in pack.tables:
        base = SHEET_FORBIDDEN.sub("_", str(name)).strip("'").strip() or "table"
        candidate, n = base[:31], 1
        while candidate.lower() in taken:
            n += 1
            suffix = f"~{n}"
            candidate = base[: 31 - len(suffix)] + suffix
        taken.add(candidate.lower())
        out[name] = candidate
    return out


def _text(cell, value) -> None:
    cell.value = safe_cell(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"


def _xlsx_value(value):
    """A table value for a cell: numbers and None as they are, dates as dates, text neutralised."""
    if value is None or is_number(value):
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(value, dt.date):
        return value
    return safe_cell(value)


def workbook(pack: Pack):
    """The openpyxl workbook of ``pack``: "About" (title, subtitle, made, parameters,
    provenance, the tables and their sheets), then one sheet per table: the header row in
    bold, the rows (numbers as numbers, every text cell neutralised against formulas), a blank
    row, the note."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    book = Workbook()
    about = book.active
    about.title = "About"
    names = sheet_names(pack)

    row = [1]

    def line(*values, font=None) -> None:
        row[0] += 1
        for j, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = about.cell(row=row[0], column=j)
            if is_number(value):
                cell.value = value
            else:
                _text(cell, value)
            if font is not None:
                cell.font = font

    _text(about["A1"], pack.title)
    about["A1"].font = Font(bold=True, size=14)
    if pack.subtitle:
        line(pack.subtitle)
    if pack.made_at:
        line("Made", cell_text(pack.made_at))
    for heading, mapping in (("Parameters", pack.parameters), ("Provenance", pack.provenance)):
        line()
        line(heading, font=bold)
        for key, value in flat_entries(mapping):
            line(key, value)
    line()
    line("Tables", font=bold)
    line("Sheet", "Table", "Note", font=bold)
    for table in pack.tables.values():
        line(names[table.name], table.title, table.note or None)
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 60
    about.column_dimensions["C"].width = 60

    for table in pack.tables.values():
        sheet = book.create_sheet(title=names[table.name])
        sheet.append([None] * len(table.columns))
        for cell, column in zip(sheet[1], table.columns, strict=True):
            _text(cell, column)
            cell.font = bold
        for row in table.rows:
            sheet.append([_xlsx_value(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        if table.note:
            sheet.append([])
            sheet.append([None])
            note = sheet.cell(row=sheet.max_row, column=1)
            _text(note, table.note)
            note.alignment = Alignment(wrap_text=False)
        sheet.freeze_panes = "A2"
        for j, column in enumerate(table.columns, start=1):
            longest = max([len(str(column))] + [len(cell_text(r[j - 1])) for r in table.rows[:500] if j - 1 < len(r)])
            sheet.column_dimensions[get_column_letter(j)].width = min(max(longest + 2, 8), 60)
    created = (pack.made_at or dt.datetime(2000, 1, 1)).replace(tzinfo=None, microsecond=0)
    book.properties.creator = "SARA"
    book.properties.title = pack.title
    book.properties.created = created
    return book


def write_xlsx(pack: Pack, path: str | Path) -> Path:
    """Writes ``pack`` as an XLSX workbook (see ``workbook``) to ``path``, atomically;
    ``Invalid(field="xlsx")`` when it cannot."""

    def write(tmp: Path) -> None:
        book = workbook(pack)
        book.save(tmp)
        _steady(tmp, book.properties.created)

    return _atomic(path, "xlsx", write)


def _steady(path: Path, when: dt.datetime) -> None:
    """The workbook at ``path`` rewritten so the same pack gives the same bytes: openpyxl stamps
    the time of saving on each part of the zip and as the "modified" property; both become
    ``when`` (the pack's time)."""
    import zipfile

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", lambda m: m.group(1) + stamp.encode(), data)
            steady = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            steady.external_attr = info.external_attr
            out.writestr(steady, data, compress_type=zipfile.ZIP_DEFLATED)
