"""The shape of a report SARA writes (the scrutiny pack, a partnership plan's document, the
Clear-Hold-Build ranking): sections of text and tables, each table with the sentence saying
what it left out and, where people would rather look at it, a chart; and the parameters and
data it was built from, so that re-running it on the same data gives the same tables.

A ``Pack`` is plain data made by a service; ``sara.report.documents`` renders it as HTML, PDF
and XLSX, and ``to_json`` gives what ``--json`` prints and the API returns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: ``x`` is the column of categories (or months), ``y`` the numeric
    columns plotted against it, one series each. ``marks`` are labelled lines across the chart
    at values of ``x`` (an operation's phase changes). ``invert`` draws the y axis downward
    (a rank, where 1 is at the top). ``leave_out`` are values of ``x`` whose rows the table shows
    but the chart does not (a Total row that would dwarf the rest)."""

    kind: Literal["bar", "barh", "line"]
    x: str
    y: tuple[str, ...]
    y_label: str = ""
    marks: tuple[tuple[str, str], ...] = ()
    invert: bool = False
    leave_out: tuple[str, ...] = ()

    def drawn(self, table: Table) -> tuple[tuple, ...]:
        """The rows of ``table`` this chart draws."""
        if not self.leave_out or self.x not in table.columns:
            return table.rows
        i = table.columns.index(self.x)
        return tuple(r for r in table.rows if r[i] not in self.leave_out)


@dataclass(frozen=True)
class Table:
    """One table of a report. ``name`` is its key (``crime_by_type``), ``note`` says what it
    left out and why ("12 rows without a category are not counted"; "no population loaded for
    3 districts: no rate"), ``rows`` are lists of plain values (str, int, float, None)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    note: str = ""
    chart: Chart | None = None

    def to_json(self) -> dict:
        return {"title": self.title, "columns": list(self.columns), "rows": [list(r) for r in self.rows], "note": self.note}


@dataclass(frozen=True)
class Section:
    """A heading, paragraphs of text, and the tables under it."""

    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Pack:
    """A whole report. ``parameters`` are what it was asked for (period, area, baseline);
    ``provenance`` what it was built from (sources, months loaded, load times)."""

    title: str
    subtitle: str
    sections: tuple[Section, ...]
    parameters: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    made_at: dt.datetime | None = None

    @property
    def tables(self) -> dict[str, Table]:
        return {t.name: t for s in self.sections for t in s.tables}

    def to_json(self) -> dict:
        return {"title": self.title, "subtitle": self.subtitle, "parameters": self.parameters, "provenance": self.provenance,
                "tables": {name: t.to_json() for name, t in self.tables.items()},
                "sections": [{"title": s.title, "paragraphs": list(s.paragraphs), "tables": [t.name for t in s.tables]} for s in self.sections]}  # fmt: skip
