"""Reading a CSV file whole, at Arrow speed, without losing or mis-numbering a row.

pyarrow parses; its invalid-row hook hands us every row with the wrong number of fields,
which we keep as ``Rejected`` with its line number and text. Undecodable bytes are found
line by line only when the fast whole-file check fails, so clean files pay nothing.
"""

from __future__ import annotations

import codecs
import csv
import io

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from sara.intake.rows import LINE, RawTable, RefusedFile, Rejected

UNDECODABLE = "undecodable bytes: the line is not valid {encoding} (save the file as UTF-8, or set the encoding in the mapping)"


def _decode_lines(data: bytes, encoding: str) -> tuple[bytes, list[Rejected]]:
    """UTF-8 bytes of ``data`` with undecodable lines blanked, and a ``Rejected`` for each."""
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
        if data.isascii():
            return data, []
        try:
            data.decode("utf-8")
            return data, []
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode(encoding).encode("utf-8"), []
        except UnicodeDecodeError:
            pass
    rejected: list[Rejected] = []
    out = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            out.append(line.decode(encoding).encode("utf-8"))
        except UnicodeDecodeError:
            rejected.append(Rejected(number, line.decode(encoding, "backslashreplace").rstrip("\r"), UNDECODABLE.format(encoding=encoding)))
            out.append(b"")
    return b"\n".join(out), rejected


def _split_truncated_tail(data: bytes, n_fields: int) -> tuple[bytes, bytes | None]:
    """Cut a last line that stops mid-row (no newline, too few fields or an open quote)."""
    if data.endswith(b"\n"):
        return data, None
    start = data.rfind(b"\n") + 1
    if start == 0:
        return data, None
    tail = data[start:]
    text = tail.decode("utf-8")
    fields = next(csv.reader([text]), [])
    if text.count('"') % 2 == 1 or len(fields) < n_fields:
        return data[:start], tail
    return data, None


def read_header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    return [h.strip() for h in next(csv.reader([first]), [])]


def read_csv(data: bytes, check_header, *, encoding: str = "utf-8") -> RawTable:
    """All rows of a CSV as text, with physical line numbers; bad rows as ``Rejected``.

    ``check_header(columns)`` returns None when the header is acceptable, else the reason
    the file is refused, which is raised as ``RefusedFile``.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if not data.strip():
        raise RefusedFile("the file is empty")
    data, rejected = _decode_lines(data, encoding)
    header = read_header(data)
    problem = check_header(header)
    if problem:
        raise RefusedFile(problem)
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise RefusedFile("the header repeats columns " + ", ".join(repr(d) for d in dupes))
    data, tail = _split_truncated_tail(data, len(header))
    if b'"' in data or b"\n\n" in data or b"\n\r\n" in data:
        frame, bad = _parse_python(data.decode("utf-8"), header)
    else:
        frame, bad = _parse_fast(data, header)
    last_line = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    for line, text, found in bad:
        reason = f"wrong number of fields: expected {len(header)}, found {found}"
        if line == last_line and not data.endswith(b"\n"):
            reason = f"truncated last line: expected {len(header)} fields, found {found}"
        rejected.append(Rejected(line, text, reason))
    if tail is not None:
        text = tail.decode("utf-8")
        found = len(next(csv.reader([text]), []))
        why = "it ends inside a quoted value" if text.count('"') % 2 else f"expected {len(header)} fields, found {found}"
        rejected.append(Rejected(last_line + 1, text.rstrip("\r"), f"truncated last line: {why}"))
    rejected.sort(key=lambda r: r.line)
    return RawTable(frame, rejected)


def _parse_fast(data: bytes, header: list[str]) -> tuple[pl.DataFrame, list[tuple[int, str, int]]]:
    """pyarrow for files with no quotes and no blank lines, where a record is a line."""
    bad: list[tuple[int, str, int]] = []

    def on_invalid(row) -> str:
        bad.append((row.number, row.text, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=header, skip_rows=1, block_size=1 << 26),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False),
        )
    except pa.ArrowInvalid as exc:
        raise RefusedFile(f"cannot be read as CSV: {exc}") from None
    frame = pl.DataFrame(pl.from_arrow(table))
    # pyarrow numbers invalid rows by physical line here; good rows fill the gaps from line 2.
    bad_lines = np.array([b[0] for b in bad], dtype=np.int64)
    good = np.arange(frame.height, dtype=np.int64)
    line = good + 2 + np.searchsorted(bad_lines - 2 - np.arange(len(bad_lines)), good, side="right")
    return frame.with_columns(pl.Series(LINE, line, dtype=pl.Int64)), bad


def _parse_python(text: str, header: list[str]) -> tuple[pl.DataFrame, list[tuple[int, str, int]]]:
    """The csv module for files with quoted values or blank lines: slower, but it knows
    where each record starts when values span lines."""
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    rows, numbers, bad = [], [], []
    start = reader.line_num + 1
    for row in reader:
        if not row:
            pass  # a blank line is not a row
        elif len(row) == len(header):
            rows.append(row)
            numbers.append(start)
        else:
            raw = "\n".join(part.rstrip("\r") for part in lines[start - 1 : reader.line_num])
            bad.append((start, raw, len(row)))
        start = reader.line_num + 1
    columns = list(zip(*rows)) if rows else [[] for _ in header]
    frame = pl.DataFrame({h: pl.Series(h, list(col), dtype=pl.String) for h, col in zip(header, columns)})
    return frame.with_columns(pl.Series(LINE, numbers, dtype=pl.Int64)), bad
