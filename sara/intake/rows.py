"""What a reader hands on: the rows it could read, the rows it could not, and why.

Every reader (CSV, XLSX) produces a ``RawTable``: all values as text, each row with the
physical line (or spreadsheet row) it came from, and a ``Rejected`` entry for every row
it could not split into the expected fields. Nothing read is dropped silently.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import polars as pl

from sara.errors import Invalid

LINE = "_line"
RAW_LIMIT = 1 << 20  # characters of a rejected row's text kept in the quarantine


class RefusedFile(Invalid):
    """The whole file is not what it claims to be; nothing from it is loaded."""


@dataclass(frozen=True)
class Rejected:
    """A row that could not be read or checked: its first physical line, its text as it
    stands in the file, and why."""

    line: int | None
    raw: str
    reason: str


@dataclass
class RawTable:
    """Text columns named by the header, plus ``_line``; and the rows refused on the way.
    A large file comes as several, in order; ``last`` marks the end of the file."""

    frame: pl.DataFrame
    rejected: list[Rejected] = field(default_factory=list)
    last: bool = True

    @property
    def rows_read(self) -> int:
        return self.frame.height + len(self.rejected)


def storable(text: str, limit: int | None = None) -> str:
    """``text`` as a text column of either backend can hold it: PostgreSQL refuses NUL in
    text, so a NUL is stored as the four characters ``\\x00``; a file name that is not
    UTF-8 (Python keeps its bytes as lone surrogates) has them written ``\\udcff``; beyond
    ``limit`` characters the text is cut, saying how much is left out."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"... [{len(text) - limit:,} more characters not kept]"
    return text


def as_csv_line(values: list) -> str:
    """Values written back as one CSV line: the raw text of a row rejected after parsing."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def describe_header(found: list[str], expected: list[str], what: str) -> str | None:
    """None if ``found`` has every expected column and no other, else a message naming them."""
    missing = [c for c in expected if c not in found]
    unexpected = [c for c in found if c not in expected]
    if not missing and not unexpected:
        return None
    parts = []
    if missing:
        parts.append("missing columns " + ", ".join(repr(c) for c in missing))
    if unexpected:
        parts.append("unexpected columns " + ", ".join(repr(c) for c in unexpected[:8]) + (" ..." if len(unexpected) > 8 else ""))
    message = f"not a {what} file: " + "; ".join(parts)
    if len(found) == 1:
        for sep in (";", "\t", "|"):
            if sep in found[0]:
                message += f" (the header is separated by {sep!r}; save the file comma-separated)"
                break
    return message
