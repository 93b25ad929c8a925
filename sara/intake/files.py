"""Turning the paths a user gives into the files to read: single files, folders (walked),
and zip archives (their members, checked by ``sara.intake.archives``), in a stable order.

A file is read as a stream (``InputFile.open``), a block at a time, so memory stays
bounded whatever its size; the stream hashes what it reads (the load's SHA-256) and turns
a damaged archive member (a bad CRC, corrupt or truncated data, found only as it is read)
into a refusal of that member alone.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sara.intake import archives
from sara.intake.rows import RefusedFile

SUFFIXES = (".csv",)


class Stream:
    """A binary stream that hashes what is read through it and says what went wrong in
    the words of a refusal (``RefusedFile``), not in the words of zlib."""

    def __init__(self, raw, limit: int | None = None) -> None:
        self._raw, self._limit = raw, limit
        self._digest = hashlib.sha256()
        self._peeked = b""
        self.bytes_read = 0

    def read(self, n: int = -1) -> bytes:
        if self._peeked:
            data, self._peeked = self._peeked, b""
            if n < 0 or n > len(data):
                data += self._read(-1 if n < 0 else n - len(data))
            return data
        return self._read(n)

    def peek(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end), left to be read again."""
        if len(self._peeked) < n:
            self._peeked += self._read(n - len(self._peeked))
        return self._peeked[:n]

    def _read(self, n: int) -> bytes:
        try:
            data = self._raw.read(n)
        except (*archives.ZIP_ERRORS, zlib.error) as exc:
            raise RefusedFile(f"cannot read the file: {exc} (the file or archive is damaged: copy or download it again)") from None
        self._digest.update(data)
        self.bytes_read += len(data)
        if self._limit is not None and self.bytes_read > self._limit:
            raise RefusedFile(f"the member expands beyond the {archives.mib(self._limit)} its archive declares")
        return data

    @property
    def sha256(self) -> str:
        """The SHA-256 of everything read so far (of the whole file once read to its end)."""
        return self._digest.hexdigest()


@dataclass(frozen=True)
class InputFile:
    """One file to read: ``path`` as shown to the user, ``name`` its own file name (the
    member name in an archive, which ``index`` picks out of the archive's directory)."""

    path: str
    name: str
    archive: str | None = None
    index: int | None = None

    @contextmanager
    def open(self) -> Iterator[Stream]:
        """The file as a ``Stream``; ``RefusedFile`` if it cannot be opened."""
        with ExitStack() as stack:
            try:
                if self.archive is None:
                    raw, limit = stack.enter_context(open(self.path, "rb")), None
                else:
                    zf = stack.enter_context(archives.open_archive(self.archive))
                    info = zf.infolist()[self.index] if self.index is not None else zf.getinfo(self.name)
                    raw, limit = stack.enter_context(zf.open(info)), info.file_size
            except OSError as exc:
                raise RefusedFile(f"cannot read the file: {exc.strerror or exc}") from None
            except (*archives.ZIP_ERRORS, IndexError, KeyError, zlib.error) as exc:
                raise RefusedFile(f"cannot read the file: {exc}") from None
            yield Stream(raw, limit)

    def sha256(self) -> str:
        """The SHA-256 of the whole file, read as a stream."""
        with self.open() as stream:
            while stream.read(1 << 20):
                pass
            return stream.sha256


def expand(paths: list[str], suffixes: tuple[str, ...] = SUFFIXES) -> tuple[list[InputFile], list[tuple[str, str]]]:
    """The files under ``paths`` with one of ``suffixes``, and (path, error) for each path
    that does not exist or cannot be opened, and for each archive member that will not be
    read (``sara.intake.archives.members`` says why)."""
    found: list[InputFile] = []
    errors: list[tuple[str, str]] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            errors.append((given, "no such file or folder"))
        elif path.is_dir():
            children = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (*suffixes, ".zip") and not p.name.startswith(("~$", "."))
            )  # ~$ are the lock files of open spreadsheets
            if not children:
                errors.append((given, f"the folder holds no {'/'.join(suffixes)} or .zip files"))
            for child in children:
                _add(child, found, errors, suffixes)
        else:
            _add(path, found, errors, suffixes, explicit=True)
    return found, errors


def _add(path: Path, found: list, errors: list, suffixes: tuple[str, ...], explicit: bool = False) -> None:
    if path.suffix.lower() == ".zip":
        try:
            with archives.open_archive(path) as zf:
                good, bad = archives.members(zf, suffixes)
        except ValueError as exc:
            errors.append((str(path), str(exc)))
            return
        except OSError as exc:
            errors.append((str(path), f"cannot read the archive: {exc.strerror or exc}"))
            return
        if not good and not bad:
            errors.append((str(path), f"the archive holds no {'/'.join(suffixes)} files"))
        errors.extend((f"{path}!{name}", why) for name, why in bad)
        found.extend(InputFile(f"{path}!{name}", name, str(path), index) for index, name in good)
    elif explicit or path.suffix.lower() in suffixes:
        found.append(InputFile(str(path), path.name))
