"""Reading a CSV file a block at a time, at Arrow speed, without losing or mis-numbering a row.

Blocks of whole lines come from ``sara.intake.lines``, so memory stays bounded whatever the
size of the file. A block with no quotes, NUL bytes or stray carriage returns (nearly
every block of police.uk data) is parsed by pyarrow, whose invalid-row hook hands
us every row with the wrong number of fields. Any other block goes through the csv module
record by record, which knows where a record starts when quoted values span lines; a
record that the end of a block cuts is carried into the next block.

Every row that cannot be read becomes a ``Rejected`` with its first physical line, its
text and the reason: the wrong number of fields, a last line cut short, a value over the
csv module's limit (``MAX_FIELD``), a carriage return inside an unquoted value, a NUL byte,
a quoted value that is never closed. A value over the limit may be quoted over many
lines: the row is followed to its true end (``record_end``), so the rows after it are read
as they stand. A row still open after ``MAX_RECORD`` bytes is not parsed further: its start
is kept and the rest skipped to where the quote closes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from sara.intake import lines as text_lines
from sara.intake.lines import BLOCK, Block, blocks
from sara.intake.rows import LINE, RAW_LIMIT, RawTable, RefusedFile, Rejected

MAX_FIELD = 131_072  # characters: the csv module's own limit on a value
MAX_RECORD = BLOCK  # bytes of one row, however many lines it spans
TOO_LONG_VALUE = f"a value longer than {MAX_FIELD:,} characters (the csv limit)"
TOO_LONG_ROW = f"a row longer than {MAX_RECORD >> 20} MiB: a quote is never closed (only its start is kept here)"
NUL = "a NUL byte in a value (stored here as \\x00)"
STRAY_CR = "a carriage return (CR) inside an unquoted value: the line is broken in two (save the file with one kind of line ending)"
UNCLOSED = "truncated last line: it ends inside a quoted value"
_LIMIT_ERROR = "field larger than field limit"

# A quoted value runs to a quote not doubled; a quote opens a value only at its start.
_CLOSE = {bytes: re.compile(rb'[^"]*(?:""[^"]*)*"(?!")'), str: re.compile(r'[^"]*(?:""[^"]*)*"(?!")')}
_NEXT = {bytes: re.compile(rb'(?:\A|(?<=[,\n]))"|\n'), str: re.compile(r'(?:\A|(?<=[,\n]))"|\n')}


def record_end(data, quoted: bool = False) -> tuple[int | None, bool]:
    """Where the row read from the start of ``data`` ends (the index after its LF, or
    None if it goes on past ``data``) and whether ``data`` ends inside a quoted value.
    ``quoted``: ``data`` starts inside one. The csv module's rules: a quote opens a value
    only as its first character; inside, a doubled quote is a quote."""
    close, following = _CLOSE[type(data)], _NEXT[type(data)]
    pos = 0
    while True:
        if quoted:
            found = close.match(data, pos)
            if found is None:
                return None, True
            pos, quoted = found.end(), False
        found = following.search(data, pos)
        if found is None:
            return None, False
        if data[found.start() : found.start() + 1] in (b"\n", "\n"):
            return found.end(), False
        pos, quoted = found.end(), True


def read_header(line: bytes) -> list[str]:
    """The column names of a header line (``RefusedFile`` if it is not CSV)."""
    text = line.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
    try:
        return [h.strip() for h in next(csv.reader([text]), [])]
    except csv.Error as exc:
        raise RefusedFile(f"the header cannot be read as CSV ({exc})") from None


class CsvReader:
    """One CSV file read from a binary stream: ``header`` at once, then ``tables`` block
    by block, each a ``RawTable`` (the last has ``last`` set)."""

    def __init__(self, stream, *, encoding: str = "utf-8", block: int | None = None) -> None:
        self._blocks = blocks(stream, encoding, block or text_lines.BLOCK)
        self._first = next(self._blocks)
        data = self._first.data
        self.empty = self._first.last and not data.strip()
        end = data.find(b"\n")
        self._body = end + 1 if end >= 0 else len(data)
        # A header line that is not UTF-8 is shown as it stands (\xff), so a refusal names it.
        undecodable = [r.raw.encode() for r in self._first.rejected if r.line == 1]
        self.header = [] if self.empty else read_header(undecodable[0] if undecodable else data[: self._body])

    def tables(self, check_header) -> Iterator[RawTable]:
        """The rows block by block. ``check_header(columns)`` returns None when the
        header is acceptable, else the reason the file is refused (``RefusedFile``)."""
        if self.empty:
            raise RefusedFile("the file is empty")
        problem = check_header(self.header)
        if problem:
            raise RefusedFile(problem)
        if len(set(self.header)) != len(self.header):
            dupes = sorted({h for h in self.header if self.header.count(h) > 1})
            raise RefusedFile("the header repeats columns " + ", ".join(repr(d) for d in dupes))
        first = self._first
        rest = Block(first.data[self._body :], 2, [r for r in first.rejected if r.line != 1], first.last)
        parser = _Parser(self.header)
        for block in chain([rest], self._blocks):
            yield parser.feed(block)


def read_csv(data: bytes, check_header, *, encoding: str = "utf-8") -> RawTable:
    """All rows of a CSV held in memory as one ``RawTable`` (small files, tests)."""
    parts = list(CsvReader(io.BytesIO(data), encoding=encoding).tables(check_header))
    return RawTable(pl.concat([p.frame for p in parts]), [r for p in parts for r in p.rejected])


@dataclass
class _Skip:
    """A row being skipped past its limit: where it started, its start (``head``, what
    is kept of its text), the bytes it holds so far, and whether the data skipped so far
    ends inside a quoted value."""

    line: int
    head: str
    reason: str
    size: int = 0
    quoted: bool = True

    def rejected(self) -> Rejected:
        more = max(self.size - len(self.head), 0)
        return Rejected(self.line, self.head + f"... [about {more:,} more characters not kept]", self.reason)


def _plain(data: bytes) -> bool:
    """Whether every line of ``data`` is one record (or blank) that pyarrow reads as the csv
    module would: no quotes, no NUL, no CR but before LF."""
    if b'"' in data or b"\x00" in data:
        return False
    return b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")


def _has_blank_lines(data: bytes) -> bool:
    return b"\n\n" in data or data.startswith((b"\n", b"\r\n")) or b"\n\r\n" in data


def _row_lines(data: bytes) -> np.ndarray:
    """The 0-based line of each row pyarrow reads from ``data``: its non-blank lines."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    starts = np.concatenate([[0], ends + 1])[: len(ends) + (0 if data.endswith(b"\n") else 1)]
    stops = np.concatenate([ends, [len(data)]])[: len(starts)]
    length = stops - starts
    raw = np.frombuffer(data, dtype=np.uint8)
    blank = (length == 0) | ((length == 1) & (raw[np.minimum(starts, len(raw) - 1)] == 13))
    return np.flatnonzero(~blank)


def _empty(header: list[str]) -> pl.DataFrame:
    return pl.DataFrame({h: pl.Series(h, [], dtype=pl.String) for h in header} | {LINE: pl.Series(LINE, [], dtype=pl.Int64)})


class _Parser:
    """Turns a file's blocks, in order, into ``RawTable``s, carrying what crosses a block."""

    def __init__(self, header: list[str]) -> None:
        self.header, self.width = header, len(header)
        self.carry, self.carry_line = b"", 0
        self.skip: _Skip | None = None

    def feed(self, block: Block) -> RawTable:
        data, first, rejected = block.data, block.first_line, list(block.rejected)
        if self.skip is not None:
            data, first = self._skipping(data, first, block.last, rejected)
        if self.carry:
            data, first, self.carry = self.carry + data, self.carry_line, b""
        frame, bad = None, []
        if not data:
            frame = _empty(self.header)
        elif _plain(data):
            try:
                frame, bad = _parse_fast(data, first, self.header, block.last)
            except pa.ArrowException:
                frame = None  # the csv module says better what is wrong
        if frame is None:
            frame, bad = self._parse_python(data, first, block.last)
        rejected += bad
        rejected.sort(key=lambda r: r.line)
        return RawTable(frame, rejected, last=block.last)

    def _skipping(self, data: bytes, first: int, last: bool, rejected: list[Rejected]) -> tuple[bytes, int]:
        """Skips the rest of an over-long row; the rest of ``data`` after it."""
        end, self.skip.quoted = record_end(data, self.skip.quoted)
        self.skip.size += len(data) if end is None else end
        if end is None and not last:
            return b"", first + data.count(b"\n")
        rejected.append(self.skip.rejected())
        self.skip = None
        if end is None:
            return b"", first
        return data[end:], first + data.count(b"\n", 0, end)

    def _parse_python(self, data: bytes, first: int, last: bool) -> tuple[pl.DataFrame, list[Rejected]]:
        """The csv module, record by record: slower, but it knows where each record starts
        when values span lines."""
        text = data.decode("utf-8")
        lines = text.split("\n")
        n_lines = len(lines) - 1 if text.endswith("\n") else len(lines)
        has_nul = "\x00" in text
        source = io.StringIO(text, newline="\n")  # lines end at LF alone, nothing translated
        reader = csv.reader(source)
        rows, numbers, bad = [], [], []
        start = skipped = 0
        final = None  # the last record: its first line, and how many bad and good rows came before it

        def raw(a: int, b: int) -> str:
            return "\n".join(part.rstrip("\r") for part in lines[a:b])

        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                end = reader.line_num + skipped
                if _LIMIT_ERROR not in str(exc):
                    bad.append(Rejected(first + start, raw(start, end), STRAY_CR if "new-line" in str(exc) else f"cannot be read as CSV ({exc})"))
                    start, final = end, None
                    continue
                # The value may be quoted over more lines: follow it to the end of its row.
                stop, quoted = record_end("\n".join(lines[start:end]) + "\n")
                while stop is None and quoted and end < n_lines:
                    stop, quoted = record_end(source.readline(), quoted=True)
                    skipped, end = skipped + 1, end + 1
                if stop is None and quoted and not last:
                    text = raw(start, end)
                    self.skip = _Skip(first + start, text[:RAW_LIMIT], TOO_LONG_VALUE, len(text))
                else:
                    bad.append(Rejected(first + start, raw(start, end), TOO_LONG_VALUE))
                start, final = end, None
                continue
            end = reader.line_num + skipped
            if not row:
                start = end  # a blank line is not a row
                continue
            final = (start, len(bad), len(rows))
            if len(row) != self.width:
                reason = f"wrong number of fields: expected {self.width}, found {len(row)}"
                if last and end == n_lines and not text.endswith("\n"):
                    reason = f"truncated last line: expected {self.width} fields, found {len(row)}"
                bad.append(Rejected(first + start, raw(start, end), reason))
            elif has_nul and any("\x00" in v for v in row):
                bad.append(Rejected(first + start, raw(start, end), NUL))
            elif (end - start > 1 or len(lines[start]) > MAX_FIELD) and max(map(len, row)) > MAX_FIELD:
                bad.append(Rejected(first + start, raw(start, end), TOO_LONG_VALUE))
            else:
                rows.append(row)
                numbers.append(first + start)
            start = end
        if final is not None and start == n_lines:
            self._cut_open_record(lines, final, first, last, rows, numbers, bad)
        columns = list(zip(*rows)) if rows else [[] for _ in self.header]
        frame = pl.DataFrame({h: pl.Series(h, list(col), dtype=pl.String) for h, col in zip(self.header, columns)})
        return frame.with_columns(pl.Series(LINE, numbers, dtype=pl.Int64)), bad

    def _cut_open_record(self, lines: list[str], final: tuple[int, int, int], first: int, last: bool, rows: list, numbers: list, bad: list) -> None:
        """The last record of a block, if a quote is still open at its end, is the start of
        a record the next block completes: carried there (or refused at the end of the file)."""
        start, n_bad, n_rows = final
        text = "\n".join(lines[start:])
        _, quoted = record_end(text if text.endswith("\n") or last else text + "\n")
        if not quoted:
            return
        del rows[n_rows:], numbers[n_rows:], bad[n_bad:]
        raw = "\n".join(part.rstrip("\r") for part in lines[start:]).rstrip("\n")
        if last:
            bad.append(Rejected(first + start, raw, UNCLOSED))
        elif len(text) > MAX_RECORD:
            self.skip = _Skip(first + start, raw[:RAW_LIMIT], TOO_LONG_ROW, len(text))
        else:
            self.carry, self.carry_line = text.encode("utf-8"), first + start


def _parse_fast(data: bytes, first: int, header: list[str], last: bool) -> tuple[pl.DataFrame, list[Rejected]]:
    """pyarrow for blocks where a record is a line; ``ArrowInvalid`` if it cannot."""
    width = len(header)
    bad: list[Rejected] = []
    open_end = last and not data.endswith(b"\n")
    n_lines = data.count(b"\n") + (1 if open_end else 0)
    if open_end:
        start = data.rfind(b"\n") + 1
        found = data.count(b",", start) + 1
        if found < width:
            text = data[start:].decode("utf-8").rstrip("\r")
            bad.append(Rejected(first + n_lines - 1, text, f"truncated last line: expected {width} fields, found {found}"))
            data, n_lines, open_end = data[:start], n_lines - 1, False
    if not data:
        return _empty(header), bad
    invalid: list[tuple[int, str, int]] = []

    def on_invalid(row) -> str:
        invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=False, column_names=header, block_size=max(1 << 26, len(data) + 1)),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False),
    )
    frame = pl.DataFrame(pl.from_arrow(table))
    # pyarrow numbers rows, skipping blank lines; good rows fill the rows between invalid ones.
    lines = _row_lines(data) if _has_blank_lines(data) else None
    bad_rows = np.array([n - 1 for n, _, _ in invalid], dtype=np.int64)
    bad_lines = bad_rows if lines is None else lines[bad_rows]
    for (_, text, found), at in zip(invalid, bad_lines.tolist()):
        reason = f"wrong number of fields: expected {width}, found {found}"
        if open_end and at == n_lines - 1:
            reason = f"truncated last line: expected {width} fields, found {found}"
        bad.append(Rejected(first + at, text, reason))
    good = np.arange(frame.height, dtype=np.int64)
    rows = good + np.searchsorted(bad_rows - np.arange(len(bad_rows)), good, side="right")
    frame = frame.with_columns(pl.Series(LINE, first + (rows if lines is None else lines[rows]), dtype=pl.Int64))
    if len(data) > MAX_FIELD:
        frame, long = _without_long_values(frame, header)
        bad += long
    return frame, bad


def _without_long_values(frame: pl.DataFrame, header: list[str]) -> tuple[pl.DataFrame, list[Rejected]]:
    """Rows with a value over ``MAX_FIELD`` moved out, as the csv module would refuse them."""
    longest = frame.select(pl.max_horizontal(pl.col(h).str.len_bytes().max() for h in header)).item()
    if longest is None or longest <= MAX_FIELD:
        return frame, []
    too_long = pl.any_horizontal(pl.col(h).str.len_chars() > MAX_FIELD for h in header)
    rejected = [Rejected(row[-1], ",".join(row[:-1]), TOO_LONG_VALUE) for row in frame.filter(too_long).select(*header, LINE).iter_rows()]
    return frame.filter(~too_long), rejected
