"""A text file as blocks of whole lines in UTF-8, read a block at a time, so memory stays
bounded whatever the size of the file.

Lines end with LF, optionally after a CR (Windows). A file whose first line ends with CR
alone (classic Mac OS) is read with CR and LF swapped, so CR ends its lines and a stray LF
in it is what a stray CR is elsewhere. Each block is decoded
from the file's encoding; a line that cannot be decoded is blanked (left as an empty line,
so every later line keeps its true number) and reported as a ``Rejected``. So is a line
longer than ``MAX_LINE``, which is never held whole: its first ``RAW_LIMIT`` characters are
kept as its text and the rest is skipped. A block holds at most ``MAX_LINES`` lines, so a
file of millions of tiny lines cannot make one block of millions of rows.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sara.intake.rows import RAW_LIMIT, RefusedFile, Rejected

BLOCK = 16 << 20  # bytes read at a time: a block of about 100,000 police.uk rows
MAX_LINES = 100_000  # lines in one block, so a file of tiny lines makes no huge block
MAX_LINE = 64 << 20
UNDECODABLE = "undecodable bytes: the line is not valid {encoding} (save the file as UTF-8, or set the encoding in the mapping)"
TOO_LONG = f"a line longer than {MAX_LINE >> 20} MiB: not read (only its start is kept here)"
_PLAIN = '\n\r,"azAZ09'


@dataclass
class Block:
    """Whole lines of a file in UTF-8, each ending in LF except perhaps the file's last;
    ``first_line`` is the number of the first; ``rejected`` the lines blanked in it."""

    data: bytes
    first_line: int
    rejected: list[Rejected] = field(default_factory=list)
    last: bool = False


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def _ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` writes ASCII (and so LF, commas and quotes) as ASCII bytes."""
    try:
        return _PLAIN.encode(encoding) == _PLAIN.encode("ascii")
    except (UnicodeError, LookupError):
        return False


class _Transcoded:
    """A stream in an encoding that is not ASCII-compatible (UTF-16, UTF-32) read as UTF-8."""

    def __init__(self, raw, encoding: str) -> None:
        self._raw, self._encoding = raw, encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._offset = 0

    def read(self, n: int) -> bytes:
        while True:
            data = self._raw.read(n)
            try:
                text = self._decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                raise RefusedFile(
                    f"the file is not valid {self._encoding} (near byte {self._offset + exc.start:,}): save it as UTF-8, or set the encoding in the mapping"
                ) from None
            self._offset += len(data)
            if text or not data:
                return text.encode("utf-8")


def _decoded(data: bytes, encoding: str, utf8: bool, first_line: int) -> tuple[bytes, list[Rejected]]:
    """UTF-8 bytes of ``data`` with undecodable lines blanked, and a ``Rejected`` for each.
    The whole block is tried first, so clean files pay nothing more."""
    if utf8:
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
    for number, line in enumerate(data.split(b"\n"), start=first_line):
        try:
            out.append(line.decode(encoding).encode("utf-8"))
        except UnicodeDecodeError:
            rejected.append(Rejected(number, line.decode(encoding, "backslashreplace").rstrip("\r"), UNDECODABLE.format(encoding=encoding)))
            out.append(b"")
    return b"\n".join(out), rejected


_SWAP = bytes.maketrans(b"\r\n", b"\n\r")


def _ends_lines_with_cr(data: bytes) -> bool:
    """Whether the first line of ``data`` ends with CR alone (classic Mac OS)."""
    cr = data.find(b"\r")
    lf = data.find(b"\n")
    return cr >= 0 and (lf < 0 or cr < lf) and data[cr + 1 : cr + 2] != b"\n"


def _pieces(stream, size: int) -> Iterator[tuple[bytes, int, list[Rejected]]]:
    """(bytes of whole lines, number of the first, over-long lines blanked in them); the
    last piece may end without LF. Bytes are as in the file, less a UTF-8 byte order mark."""
    carry, line, first, cr_only = b"", 1, True, False
    while True:
        piece = stream.read(size)
        if first:
            first = False
            piece = piece.removeprefix(codecs.BOM_UTF8)
            cr_only = _ends_lines_with_cr(piece)
        if cr_only:
            piece = piece.translate(_SWAP)
        if not piece:
            if carry:
                yield carry, line, []
            return
        data = carry + piece if carry else piece
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) > MAX_LINE:
            head = data[: RAW_LIMIT * 4]
            while (end := piece.find(b"\n")) < 0 and piece:  # skip the rest of the line unread
                piece = stream.read(size)
                if cr_only:
                    piece = piece.translate(_SWAP)
            carry = piece[end + 1 :] if piece else b""
            raw = head.decode("utf-8", "backslashreplace")[:RAW_LIMIT]
            yield (b"\n" if piece else b""), line, [Rejected(line, raw, TOO_LONG)]
            line += 1
            continue
        if cut == 0:
            carry = data
            continue
        carry = data[cut:]
        whole = data[:cut]
        for part in _at_most(whole, MAX_LINES):
            yield part, line, []
            line += part.count(b"\n")


def _at_most(data: bytes, lines: int) -> list[bytes]:
    """``data`` (whole lines) cut into pieces of at most ``lines`` lines."""
    if data.count(b"\n") <= lines:
        return [data]
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)[lines - 1 :: lines] + 1
    starts = [0, *ends.tolist()]
    return [data[a:b] for a, b in zip(starts, [*ends.tolist(), len(data)]) if a < b]


def blocks(stream, encoding: str = "utf-8", size: int = BLOCK) -> Iterator[Block]:
    """The file read from the binary ``stream`` as ``Block``s of about ``size`` bytes, in
    order; the last has ``last`` set (it may be empty)."""
    utf8 = _is_utf8(encoding)
    if not utf8 and not _ascii_compatible(encoding):
        stream, encoding, utf8 = _Transcoded(stream, encoding), "utf-8", True
    pending: Block | None = None
    for data, first_line, rejected in _pieces(stream, size):
        text, undecodable = _decoded(data, encoding, utf8, first_line)
        if pending is not None:
            yield pending
        pending = Block(text, first_line, sorted(rejected + undecodable, key=lambda r: r.line))
    if pending is None:
        pending = Block(b"", 1)
    pending.last = True
    yield pending
