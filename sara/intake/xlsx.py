"""Reading an Excel workbook (XLSX) into the same ``RawTable`` a CSV gives.

openpyxl in read-only mode streams the sheet, so a workbook of a whole force's year does
not have to fit in memory as cell objects. Every value becomes text as a person would
read it: dates and times in ISO 8601 (``2024-01-31``, ``2024-01-31T18:05:00``,
``18:05:00``), whole numbers without ``.0``, TRUE/FALSE for booleans. ``_line`` is the
spreadsheet row number, as Excel shows it, so a quarantined row can be found in the file.
Formulas give their cached value (the value Excel last computed and saved).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable

import polars as pl

from sara.intake.rows import LINE, RawTable, RefusedFile, Rejected, as_csv_line

HEADER_SEARCH = 20  # non-empty rows searched for the header (title rows may come first)
_QUOTED = re.compile(r'"[^"]*"|\[\$[^\]]*\]|\\.')


def _has_time(number_format: str | None) -> bool:
    """Whether an Excel number format shows a time of day (hours or seconds)."""
    fmt = _QUOTED.sub("", (number_format or "").lower())
    return "h" in fmt or "s" in fmt


def cell_text(value, number_format: str | None = None) -> str:
    """A cell's value as text: ISO 8601 dates and times, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**63:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and not _has_time(number_format):
            return value.date().isoformat()
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes, check_header: Callable[[list[str]], str | None], sheet: str | None = None) -> RawTable:
    """The rows of one sheet as text, with spreadsheet row numbers in ``_line``.

    ``sheet`` names the sheet to read; without it, the first sheet whose header row passes
    ``check_header`` (None when acceptable, else the reason) is read. The header row is the
    first non-empty row that passes, among the first few (title rows may stand above it).
    A workbook with no such sheet is refused (``RefusedFile``) with the reason per sheet.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RefusedFile("an old Excel .xls workbook cannot be read: open it in Excel or LibreOffice and save it as .xlsx or CSV")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise RefusedFile(f"cannot be read as an XLSX workbook ({exc}): save it from Excel as .xlsx, or as CSV") from None
    try:
        names = book.sheetnames
        if sheet is not None:
            if sheet not in names:
                raise RefusedFile(f"the workbook has no sheet {sheet!r} (its sheets are {', '.join(repr(n) for n in names)}): fix sheet in the mapping")
            candidates = [sheet]
        else:
            candidates = names
        problems = []
        for name in candidates:
            ws = book[name]
            rows = ws.iter_rows()
            found = _find_header(rows, check_header)
            if isinstance(found, str):
                problems.append(f"sheet {name!r}: {found}")
                continue
            header_line, header = found
            return _read_rows(rows, header_line, header)
        if sheet is not None:
            raise RefusedFile(problems[0])
        raise RefusedFile("no sheet of the workbook has the mapped columns: " + "; ".join(problems))
    finally:
        book.close()


def _row_values(row) -> list[str]:
    return [cell_text(c.value, getattr(c, "number_format", None)) for c in row]


def _trim(values: list[str]) -> list[str]:
    end = len(values)
    while end and not values[end - 1].strip():
        end -= 1
    return values[:end]


def _find_header(rows, check_header) -> tuple[int, list[str]] | str:
    """(row number, column names) of the header row, or why the sheet has none."""
    first_problem = None
    seen = 0
    for number, row in enumerate(rows, start=1):
        values = _trim(_row_values(row))
        if not values:
            continue
        header = [v.strip() for v in values]
        problem = check_header(header)
        if problem is None:
            return number, header
        first_problem = first_problem or problem
        seen += 1
        if seen >= HEADER_SEARCH:
            break
    return first_problem or "the sheet is empty"


def _read_rows(rows, header_line: int, header: list[str]) -> RawTable:
    named = [h or f"(column {i + 1})" for i, h in enumerate(header)]
    if len(set(named)) != len(named):
        dupes = sorted({h for h in named if named.count(h) > 1})
        raise RefusedFile("the header repeats columns " + ", ".join(repr(d) for d in dupes))
    width = len(named)
    columns: list[list[str]] = [[] for _ in named]
    lines: list[int] = []
    rejected: list[Rejected] = []
    for number, row in enumerate(rows, start=header_line + 1):
        values = _trim(_row_values(row))
        if not values:
            continue  # an empty row is not a row
        if len(values) > width:
            rejected.append(Rejected(number, as_csv_line(values), f"values beyond the header's {width} columns (in column {len(values)})"))
            continue
        values += [""] * (width - len(values))
        for column, value in zip(columns, values):
            column.append(value)
        lines.append(number)
    frame = pl.DataFrame({h: pl.Series(h, col, dtype=pl.String) for h, col in zip(named, columns)})
    return RawTable(frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64)), rejected)
