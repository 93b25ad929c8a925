"""Reading an Excel workbook (XLSX) into the same ``RawTable`` a CSV gives.

openpyxl in read-only mode streams the sheet, so a workbook of a whole force's year does
not have to fit in memory as cell objects. Every value becomes text as a person would
read it: dates and times in ISO 8601 (``2024-01-31``, ``2024-01-31T18:05:00``,
``18:05:00``), whole numbers without ``.0``, TRUE/FALSE for booleans. ``_line`` is the
spreadsheet row number, as Excel shows it, so a quarantined row can be found in the file.
Formulas give their cached value (the value Excel last computed and saved); a row with a
formula that has none is quarantined, not read as empty. A workbook is a zip archive: its
parts are held to the limits of ``sara.intake.archives`` before it is opened.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from xml.etree import ElementTree as ET

import polars as pl
from openpyxl.utils.cell import column_index_from_string

from sara.intake import archives
from sara.intake.csvfile import NUL
from sara.intake.rows import LINE, RawTable, RefusedFile, Rejected, as_csv_line

HEADER_SEARCH = 20  # non-empty rows searched for the header (title rows may come first)
CHUNK_ROWS = 100_000  # rows handed on at a time
SPOOL = 32 << 20  # a workbook larger than this is copied to a temporary file, not memory
MAX_SHARED_STRINGS_MB = 256  # the text of a workbook, read whole by openpyxl
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
    """All the rows of one sheet held in memory, as one ``RawTable`` (small files, tests)."""
    parts = list(xlsx_tables(io.BytesIO(data), check_header, sheet))
    return RawTable(pl.concat([p.frame for p in parts]), [r for p in parts for r in p.rejected])


def xlsx_tables(stream, check_header: Callable[[list[str]], str | None], sheet: str | None = None) -> Iterator[RawTable]:
    """The rows of one sheet as text, ``CHUNK_ROWS`` at a time, with spreadsheet row
    numbers in ``_line``; the last ``RawTable`` has ``last`` set.

    ``sheet`` names the sheet to read; without it, the first sheet whose header row passes
    ``check_header`` (None when acceptable, else the reason) is read. The header row is the
    first non-empty row that passes, among the first few (title rows may stand above it).
    A workbook with no such sheet is refused (``RefusedFile``) with the reason per sheet,
    as is one whose parts would expand past the limits of ``sara.intake.archives``.
    """
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as copy:
        while piece := stream.read(1 << 20):
            copy.write(piece)
        copy.seek(0)
        if copy.read(4) == b"\xd0\xcf\x11\xe0":
            raise RefusedFile("an old Excel .xls workbook cannot be read: open it in Excel or LibreOffice and save it as .xlsx or CSV")
        copy.seek(0)
        _check_parts(copy)
        try:
            book = openpyxl.load_workbook(copy, read_only=True, data_only=True)
        except RefusedFile:
            raise
        except (*archives.ZIP_ERRORS, InvalidFileException, KeyError, IndexError, TypeError, ET.ParseError, zlib.error) as exc:
            raise RefusedFile(f"cannot be read as an XLSX workbook ({exc}): save it from Excel as .xlsx, or as CSV") from None
        try:
            yield from _sheet_tables(book, copy, check_header, sheet)
        except RefusedFile:
            raise
        except (*archives.ZIP_ERRORS, KeyError, IndexError, TypeError, ET.ParseError, zlib.error) as exc:
            raise RefusedFile(f"the workbook is damaged ({type(exc).__name__}: {exc}): save it again from Excel, or as CSV") from None
        finally:
            book.close()


def _check_parts(copy) -> None:
    """Refuses a workbook whose parts (it is a zip archive) would expand past the limits."""
    try:
        with archives.open_archive(copy) as zf:
            for info in zf.infolist():
                problem = archives.member_problem(info)
                if problem is None and info.filename.lower().endswith("sharedstrings.xml") and info.file_size > MAX_SHARED_STRINGS_MB << 20:
                    problem = f"member {info.filename} would expand to {archives.mib(info.file_size)}; the limit for the text of a workbook is {MAX_SHARED_STRINGS_MB} MiB"
                if problem:
                    raise RefusedFile(f"the workbook's {problem}")
    except RefusedFile:
        raise
    except ValueError as exc:
        raise RefusedFile(f"cannot be read as an XLSX workbook ({exc}): save it from Excel as .xlsx, or as CSV") from None
    finally:
        copy.seek(0)


def _sheet_tables(book, copy, check_header, sheet: str | None) -> Iterator[RawTable]:
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
        ws.reset_dimensions()  # a stray cell or a false dimension must not pad every row
        rows = ws.iter_rows()
        found = _find_header(rows, check_header)
        if isinstance(found, str):
            problems.append(f"sheet {name!r}: {found}")
            continue
        header_line, header = found
        uncached = _uncached_formulas(copy, getattr(ws, "_worksheet_path", None))
        yield from _marked_last(_read_rows(rows, header_line, header, uncached))
        return
    if sheet is not None:
        raise RefusedFile(problems[0])
    raise RefusedFile("no sheet of the workbook has the mapped columns: " + "; ".join(problems))


def _marked_last(tables: Iterator[RawTable]) -> Iterator[RawTable]:
    previous = None
    for table in tables:
        if previous is not None:
            previous.last = False
            yield previous
        previous = table
    if previous is not None:
        previous.last = True
        yield previous


def _uncached_formulas(copy, path: str | None) -> dict[int, int]:
    """Row number -> first column (1-based) of the cells of a worksheet part that hold a
    formula with no saved value: openpyxl would read them as empty. Workbooks written by
    programs that do not calculate (openpyxl itself, many report generators) have them:
    ``<c><f>...</f><v/></c>``. Found by one streaming pass over the sheet's XML (ECMA-376
    Part 1, 18.3.1.4), made only when the sheet holds formulas at all."""
    if not path:
        return {}
    with zipfile.ZipFile(copy) as zf:
        name = path.lstrip("/")
        if name not in zf.namelist():
            return {}
        with zf.open(name) as xml:
            if not _has_formulas(xml):
                return {}
        found: dict[int, int] = {}
        row = 0
        with zf.open(name) as xml:
            parent = None
            for event, element in ET.iterparse(xml, events=("start", "end")):
                tag = element.tag.rpartition("}")[2]
                if event == "start":
                    if tag == "row":
                        row = int(element.get("r") or row + 1)
                        column = 0
                    elif tag == "sheetData":
                        parent = element
                    continue
                if tag == "c":
                    column = _column_of(element.get("r"), column + 1)
                    parts = {child.tag.rpartition("}")[2]: child.text for child in element}
                    # An empty <v> is a saved empty text only in a cell typed "str".
                    if "f" in parts and not parts.get("v") and element.get("t") not in ("str", "inlineStr"):
                        found.setdefault(row, column)
                elif tag == "row" and parent is not None:
                    parent.clear()  # rows read so far: memory stays flat
    return found


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(xml) -> bool:
    tail = b""
    while piece := xml.read(1 << 20):
        if _FORMULA.search(tail + piece):
            return True
        tail = piece[-16:]
    return False


def _column_of(reference: str | None, default: int) -> int:
    letters = "".join(c for c in (reference or "") if c.isalpha())
    if not letters:
        return default
    return column_index_from_string(letters)


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


def _read_rows(rows, header_line: int, header: list[str], uncached: dict[int, int]) -> Iterator[RawTable]:
    """The rows after the header, ``CHUNK_ROWS`` at a time."""
    named = [h or f"(column {i + 1})" for i, h in enumerate(header)]
    if len(set(named)) != len(named):
        dupes = sorted({h for h in named if named.count(h) > 1})
        raise RefusedFile("the header repeats columns " + ", ".join(repr(d) for d in dupes))
    width = len(named)

    def table(columns: list[list[str]], lines: list[int], rejected: list[Rejected]) -> RawTable:
        frame = pl.DataFrame({h: pl.Series(h, col, dtype=pl.String) for h, col in zip(named, columns)})
        return RawTable(frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64)), rejected)

    columns: list[list[str]] = [[] for _ in named]
    lines: list[int] = []
    rejected: list[Rejected] = []
    for number, row in enumerate(rows, start=header_line + 1):
        values = _trim(_row_values(row))
        if not values:
            continue  # an empty row is not a row
        if len(values) > width:
            rejected.append(Rejected(number, as_csv_line(values), f"values beyond the header's {width} columns (in column {len(values)})"))
        elif number in uncached:
            column = uncached[number]
            where = named[column - 1] if column <= width else f"column {column}"
            rejected.append(Rejected(number, as_csv_line(values), f"a formula with no saved value in {where} (open the workbook in Excel or LibreOffice and save it, so its formulas are calculated)"))
        elif any("\x00" in v for v in values):
            rejected.append(Rejected(number, as_csv_line(values), NUL))
        else:
            values += [""] * (width - len(values))
            for column, value in zip(columns, values):
                column.append(value)
            lines.append(number)
        if len(lines) + len(rejected) >= CHUNK_ROWS:
            yield table(columns, lines, rejected)
            columns, lines, rejected = [[] for _ in named], [], []
    yield table(columns, lines, rejected)
