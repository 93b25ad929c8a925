"""Zip archives opened with limits, so that a hostile archive cannot exhaust memory or disk.

A zip bomb is a small archive whose members expand enormously: a few hundred kilobytes of
deflate can hold gigabytes of one repeated byte (Fifield, "A better zip bomb", USENIX
WOOT 2019). Every member is checked from the archive's directory before a byte of it is
read: its uncompressed size against ``max_member_mb()`` and, for members over
``RATIO_FLOOR``, its compression ratio against ``max_ratio()``. Python's ``zipfile`` stops
at the size a member declares, so a member that understates it is cut short and then
fails its CRC check. Members are read as streams, never whole.

A real police.uk month of a large force is 30-60 MB of CSV, a member of the national
archive can pass 100 MB, and CSV deflates about 5-10:1; the defaults (``MAX_MEMBER_MB``,
``MAX_RATIO``) leave ten times that room. An operator with a larger file sets
``SARA_ZIP_MAX_MEMBER_MB`` or ``SARA_ZIP_MAX_RATIO``.

Problems of one member (too large, encrypted, an unknown compression method, a zip inside
the zip, a name repeated in the directory) refuse that member alone, with the reason; the
other members are still read. An archive is refused whole only when it is not a zip, or
its directory lists more than ``MAX_MEMBERS`` members.
"""

from __future__ import annotations

import os
import zipfile
from collections import Counter
from pathlib import PurePosixPath

from sara.errors import Invalid

MAX_MEMBER_MB = 1024
MAX_RATIO = 100
MAX_MEMBERS = 100_000  # the national police.uk archive has a few thousand
RATIO_FLOOR = 1 << 20  # a member smaller than this cannot hurt, however well it compresses
READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# What zipfile raises on a damaged archive or member (truncated, bad CRC, corrupt deflate).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def max_member_mb() -> int:
    """The largest uncompressed member read, in MiB (``SARA_ZIP_MAX_MEMBER_MB``)."""
    return _setting("SARA_ZIP_MAX_MEMBER_MB", MAX_MEMBER_MB)


def max_ratio() -> int:
    """The highest compression ratio accepted, R for R:1 (``SARA_ZIP_MAX_RATIO``)."""
    return _setting("SARA_ZIP_MAX_RATIO", MAX_RATIO)


def mib(size: int) -> str:
    value = size / (1 << 20)
    return f"{value:,.0f} MiB" if value >= 10 else f"{value:.1f} MiB"


def limits() -> str:
    return f"the limits are {max_member_mb():,} MiB and {max_ratio():,}:1 (settings SARA_ZIP_MAX_MEMBER_MB and SARA_ZIP_MAX_RATIO)"


def member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why ``info`` may not be read (None when it may), from the directory alone."""
    size, packed = info.file_size, info.compress_size
    ratio = size / max(packed, 1)
    if size > max_member_mb() << 20 or (size > RATIO_FLOOR and ratio > max_ratio()):
        return f"member {info.filename} would expand to {mib(size)} (ratio {ratio:,.0f}:1); {limits()}"
    if info.flag_bits & 0x1:
        return f"member {info.filename} is encrypted: extract it with its password and load the file itself"
    if info.compress_type not in READABLE_METHODS:
        return f"member {info.filename} is compressed with method {info.compress_type}, which cannot be read: re-create the archive with ordinary (deflate) compression"
    return None


def member_count(source) -> int | None:
    """How many members the archive's end record announces, read before its directory is
    parsed (a directory of millions of entries would itself fill memory); None if unknown.
    ``source``: a path or a seekable binary file."""
    try:
        if hasattr(source, "seek"):
            end = zipfile._EndRecData(source)
            source.seek(0)
        else:
            with open(source, "rb") as fh:
                end = zipfile._EndRecData(fh)
    except (OSError, ValueError, AttributeError):
        return None
    return end[zipfile._ECD_ENTRIES_TOTAL] if end else None


def open_archive(source) -> zipfile.ZipFile:
    """The archive at ``source`` (a path or a seekable binary file); ``Invalid`` saying
    why when it is not one we will read."""
    count = member_count(source)
    if count is not None and count > MAX_MEMBERS:
        raise Invalid(f"the archive lists {count:,} members, more than the {MAX_MEMBERS:,} read from one archive", fix="split it")
    try:
        return zipfile.ZipFile(source)
    except ZIP_ERRORS as exc:
        raise Invalid(f"not a valid zip archive ({exc})") from None


def members(zf: zipfile.ZipFile, suffixes: tuple[str, ...]) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """(index, name) of each member with one of ``suffixes`` that may be read, in name
    order; and (name, reason) for each that may not: too large, encrypted, a zip inside the
    zip, a name the directory repeats (which of them is meant cannot be told)."""
    infos = [(i, info) for i, info in enumerate(zf.infolist()) if info.filename and not info.filename.endswith("/")]
    repeats = Counter(info.filename for _, info in infos)
    good, bad, told = [], [], set()
    for i, info in infos:
        name = info.filename
        suffix = PurePosixPath(name).suffix.lower()
        if suffix == ".zip":
            bad.append((name, f"member {name} is itself a zip archive: extract it and load the archive inside (archives in archives are not read)"))
        elif suffix not in suffixes:
            continue
        elif repeats[name] > 1:
            if name not in told:  # once per name
                told.add(name)
                bad.append((name, f"the archive holds {repeats[name]} members named {name}: which is meant cannot be told, so none is read (re-create the archive with one)"))
        elif problem := member_problem(info):
            bad.append((name, problem))
        else:
            good.append((i, name))
    good.sort(key=lambda m: m[1])
    return good, bad
