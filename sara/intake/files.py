"""Turning the paths a user gives into the files to read: single files, folders (walked),
and zip archives (their members), in a stable order."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".csv",)


@dataclass(frozen=True)
class InputFile:
    """One file to read: ``path`` as shown to the user, ``name`` its own file name."""

    path: str
    name: str
    archive: str | None = None

    def read(self) -> bytes:
        if self.archive is None:
            return Path(self.path).read_bytes()
        with zipfile.ZipFile(self.archive) as zf:
            return zf.read(self.name)

    @property
    def size(self) -> int:
        if self.archive is None:
            return Path(self.path).stat().st_size
        with zipfile.ZipFile(self.archive) as zf:
            return zf.getinfo(self.name).file_size


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expand(paths: list[str], suffixes: tuple[str, ...] = SUFFIXES) -> tuple[list[InputFile], list[tuple[str, str]]]:
    """The files under ``paths`` with one of ``suffixes``, and (path, error) for each path
    that does not exist or cannot be opened."""
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
            with zipfile.ZipFile(path) as zf:
                names = sorted(n for n in zf.namelist() if not n.endswith("/") and Path(n).suffix.lower() in suffixes)
        except zipfile.BadZipFile:
            errors.append((str(path), "not a valid zip archive"))
            return
        if not names:
            errors.append((str(path), f"the archive holds no {'/'.join(suffixes)} files"))
        found.extend(InputFile(f"{path}!{n}", n, str(path)) for n in names)
    elif explicit or path.suffix.lower() in suffixes:
        found.append(InputFile(str(path), path.name))
