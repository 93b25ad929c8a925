"""Loading files into the store, one transaction per file, written block by block.

A file is loaded whole or not at all: a load killed part-way leaves the database as it was
before that file, and running the same command again completes it with no row lost or
doubled (keys make the re-run idempotent). Rows that cannot be loaded are quarantined in
the same transaction, replacing the quarantine of any earlier load of the same file name.

A reader turns each file into ``Parsed`` (what the file is, or why it is refused), a
``Chunk`` per block of rows (``sara.intake.lines``), and ``Done`` (its SHA-256, or a
refusal found only at its end, such as an archive member's bad CRC: the file's
transaction is then rolled back). Readers run in a thread a few parts ahead of the writer
(``prefetch``), so memory holds a few blocks whatever the size of the files, while parsing
(Arrow, Polars) and writing (SQLite, COPY) share the two cores.

However a file is broken, ``rows_read = inserted + updated + unchanged + quarantined``.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.exc import DataError

from sara.intake import policeuk
from sara.intake.assign import assign_new_events
from sara.intake.csvfile import CsvReader
from sara.intake.files import InputFile, expand
from sara.intake.keys import Seen
from sara.intake.report import FileReport, LoadReport
from sara.intake.rows import RAW_LIMIT, RefusedFile, Rejected, describe_header, storable
from sara.store import bulk
from sara.store.schema import Event, Load, Outcome, Quarantine, Source, StopSearch

Tick = Callable[[str, int], None]
EVENT = Event.__table__
REVISED_EVENT = ("outcome", "context")
AHEAD = 4  # parts a reader may run ahead of the writer: a few blocks, or the next file or two
MAX_QUARANTINED = 1_000_000  # rows of one file; more, and the file is not what it claims


def source_id(conn: Connection, name: str, kind: str, crs: str, owner: int | None = None) -> int:
    """The source called ``name``, made (owned by the ``owner`` organisation: None, the
    operator) when new."""
    found = conn.execute(select(Source.id, Source.crs).where(Source.name == name)).first()
    if found:
        if found.crs != crs:
            raise RefusedFile(f"source {name!r} holds coordinates in {found.crs}, not {crs}: use another source name")
        return found.id
    return conn.execute(insert(Source).values(name=name, kind=kind, crs=crs, organisation_id=owner).returning(Source.id)).scalar_one()


def _forget_quarantine(conn: Connection, load_id: int, source: int | None, kind: str, file: str) -> None:
    """Drops the quarantine of earlier loads of this file (same source, kind and name)."""
    earlier = select(Load.id).where(Load.source_id == source if source is not None else Load.source_id.is_(None), Load.id != load_id)
    conn.execute(delete(Quarantine).where(Quarantine.kind == kind, Quarantine.file == file, Quarantine.load_id.in_(earlier)))


def _quarantine(conn: Connection, load_id: int, kind: str, file: str, rejected: list[Rejected]) -> None:
    """Stores rejected rows in bulk; their text as ``storable`` makes it (a NUL as ``\\x00``)."""
    if rejected:
        rows = pl.DataFrame(
            {"line": [r.line for r in rejected], "raw": [storable(r.raw, RAW_LIMIT) for r in rejected], "reason": [storable(r.reason) for r in rejected]},
            schema={"line": pl.Int64, "raw": pl.String, "reason": pl.String},
        )
        bulk.insert_frame(conn, Quarantine.__table__, rows.with_columns(load_id=pl.lit(load_id, pl.Int64), kind=pl.lit(kind), file=pl.lit(file)))


@dataclass
class Parsed:
    """The start of one file: what kind it is, or why it is refused whole."""

    item: InputFile
    kind: str
    refused: str | None = None
    sha256: str = ""  # known once its chunks are read


@dataclass
class Chunk:
    """One block of a file, checked: rows to write and rows refused."""

    rows: pl.DataFrame
    rejected: list[Rejected]
    rows_read: int


@dataclass
class Done:
    """The end of one file: its SHA-256, or the refusal found while reading it."""

    sha256: str = ""
    refused: str | None = None


Part = Parsed | Chunk | Done


class Notes:
    """What a load says beside its counts, gathered block by block."""

    def add(self, conn: Connection, rows: pl.DataFrame) -> None:
        raise NotImplementedError

    def result(self, conn: Connection) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Target:
    """Where a kind of file goes: the source it belongs to, its table, what may be revised,
    and what to note (a ``Notes`` made afresh for each file)."""

    source: tuple[str, str, str]  # name, kind, crs
    table: object
    revised: tuple[str, ...] = ()
    notes: Callable[[], Notes] | None = None
    owner: int | None = None  # the organisation whose export it is (None: the operator's)


def parts(item: InputFile, read: Callable) -> Iterator[Part]:
    """``Parsed``, ``Chunk``s, ``Done`` for one file: ``read(item, stream)`` yields the first
    two; a ``RefusedFile`` raised on the way ends the file refused, whenever it comes."""
    started = False
    try:
        with item.open() as stream:
            for part in read(item, stream):
                started = True
                yield part
            yield Done(sha256=stream.sha256)
    except RefusedFile as exc:
        if not started:
            yield Parsed(item, "unknown", refused=str(exc))
        yield Done(refused=str(exc))


def prefetch(items: Iterable, ahead: int = AHEAD) -> Iterator:
    """The items of ``items``, produced in a thread at most ``ahead`` in advance. An error
    in the thread is raised here; closing this generator stops the thread."""
    box: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def run() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put((item, None)):
                    break
            else:
                put((end, None))
        except BaseException as exc:  # raised again in the caller's thread
            put((end, exc))
        finally:
            close = getattr(source, "close", None)
            if close:
                close()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        while True:
            item, error = box.get()
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        stop.set()
        worker.join()


def files(stream: Iterable[Part]) -> Iterator[tuple[Parsed, Iterator[Chunk]]]:
    """Groups a stream of parts by file: (``Parsed``, its chunks). The chunks raise
    ``RefusedFile`` at the end if reading failed there; what a writer leaves unread is
    skipped before the next file."""
    stream = iter(stream)
    for head in stream:

        def chunks(head: Parsed = head) -> Iterator[Chunk]:
            for part in stream:
                if isinstance(part, Done):
                    head.sha256 = part.sha256
                    if part.refused:
                        raise RefusedFile(part.refused)
                    return
                yield part

        body = chunks()
        yield head, body
        try:
            for _ in body:
                pass
        except RefusedFile:
            pass


def load_files(engine: Engine, items: list[InputFile], read: Callable, target_of: Callable[[Parsed], Target | None], tick: Tick | None = None) -> list[FileReport]:
    """Reads ``items`` with ``read`` (see ``parts``) and writes each to ``target_of(parsed)``."""
    reports = []
    for head, chunks in files(prefetch(part for item in items for part in parts(item, read))):
        goal = None if head.refused else target_of(head)
        reports.append(write(engine, head, chunks, goal))
        if tick:
            tick(head.item.name, 1)
    return reports


def write(engine: Engine, head: Parsed, chunks: Iterator[Chunk], target: Target | None) -> FileReport:
    """Writes one file in one transaction, block by block; the report's counts add up.
    A refusal met on the way (``RefusedFile``, or a value the database will not take)
    rolls the file back and refuses it, and the other files still load."""
    report = FileReport(head.item.path, head.kind, refused=head.refused)
    if head.refused or target is None:
        return report
    file = storable(PurePosixPath(head.item.name).name)
    written, reasons, rows_read = bulk.Written(), Counter(), 0
    try:
        with engine.begin() as conn:
            sid = source_id(conn, *target.source, owner=target.owner)
            if conn.dialect.name == "postgresql":
                # Loads of one source run one at a time, so two never both insert a new key.
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": sid})
            load_id = conn.execute(
                insert(Load)
                .values(source_id=sid, kind=head.kind, path=storable(head.item.path), name=file, sha256="",
                        loaded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), rows_read=0, inserted=0, updated=0, unchanged=0, quarantined=0)
                .returning(Load.id)
            ).scalar_one()  # fmt: skip
            _forget_quarantine(conn, load_id, sid, head.kind, file)
            notes = target.notes() if target.notes else None
            for chunk in chunks:
                reasons.update(r.reason for r in chunk.rejected)
                if sum(reasons.values()) > MAX_QUARANTINED:
                    top = "; ".join(f"{n:,} {why}" for why, n in reasons.most_common(3))
                    raise RefusedFile(f"more than {MAX_QUARANTINED:,} of its rows cannot be loaded ({top}): is it the file it claims to be?")
                written += bulk.upsert(conn, target.table, chunk.rows, source_id=sid, load_id=load_id, revised=target.revised)
                _quarantine(conn, load_id, head.kind, file, chunk.rejected)
                rows_read += chunk.rows_read
                if notes:
                    notes.add(conn, chunk.rows)
            quarantined = sum(reasons.values())
            conn.execute(
                update(Load)
                .where(Load.id == load_id)
                .values(sha256=head.sha256, rows_read=rows_read, inserted=written.inserted, updated=written.updated, unchanged=written.unchanged,
                        quarantined=quarantined)
            )  # fmt: skip
            if notes:
                report.notes = notes.result(conn)
    except RefusedFile as exc:
        report.refused = str(exc)
        return report
    except DataError as exc:
        why = (str(exc.orig).splitlines() or [type(exc.orig).__name__])[0]
        report.refused = f"the database refused a value of this file, so none of it was loaded: {why}"
        return report
    report.rows_read = rows_read
    report.inserted, report.updated, report.unchanged = written.inserted, written.updated, written.unchanged
    report.quarantined = quarantined
    report.quarantined_by_reason = dict(reasons.most_common())
    report.check()
    return report


class _OutcomeNotes(Notes):
    """How many of the crimes an outcomes file names are loaded as events."""

    def __init__(self) -> None:
        self.named: set[str] = set()

    def add(self, conn: Connection, rows: pl.DataFrame) -> None:
        self.named.update(rows["crime_id"].unique().to_list())

    def result(self, conn: Connection) -> dict:
        named = sorted(self.named)
        found = 0
        for start in range(0, len(named), 5000):
            part = named[start : start + 5000]
            found += len(conn.execute(select(Event.source_ref).where(Event.source_ref.in_(part)).distinct()).all())
        return {"crimes_named": len(named), "crimes_loaded": found, "crimes_not_loaded": len(named) - found}


POLICE_UK = (policeuk.SOURCE, "police.uk", "EPSG:27700")
POLICE_UK_TARGETS = {
    "street": Target(POLICE_UK, EVENT, REVISED_EVENT),
    "outcomes": Target(POLICE_UK, Outcome.__table__, notes=_OutcomeNotes),
    "stop_search": Target(POLICE_UK, StopSearch.__table__),
}


def load_police_uk(engine: Engine, paths: list[str], tick: Tick | None = None) -> LoadReport:
    """Loads data.police.uk street, outcomes and stop-and-search files (police.uk reader)."""
    items, missing = expand(paths)
    report = LoadReport(missing=[{"path": p, "error": e} for p, e in missing])
    report.files = load_files(engine, items, read_police_uk, lambda head: POLICE_UK_TARGETS.get(head.kind), tick)
    report.areas = place_new_events(engine, tick)
    return report


def place_new_events(engine: Engine, tick: Tick | None = None) -> dict:
    """Places the events just loaded in every loaded kind of area (point-in-polygon)."""
    if tick:
        tick("placing events in areas", 0)
    return assign_new_events(engine)


def read_police_uk(item: InputFile, stream) -> Iterator[Parsed | Chunk]:
    """Reads and checks one police.uk file block by block; a file that is not one is
    refused whole."""
    reader = CsvReader(stream)
    kind = policeuk.kind_of(item.name, reader.header)
    if kind is None:
        problem = describe_header(reader.header, policeuk.STREET, "police.uk street") if reader.header else "the file is empty"
        yield Parsed(item, "unknown", refused=problem)
        return
    force = None
    if kind == "stop_search":
        match = policeuk.NAME.search(item.name)
        force = storable(match["force"]) if match else None
        if force and len(force) > policeuk.FORCE_LENGTH:
            yield Parsed(item, kind, refused=f"the force in the file name is longer than {policeuk.FORCE_LENGTH} characters: name the file YYYY-MM-<force>-stop-and-search.csv")
            return
    yield Parsed(item, kind)
    seen = Seen()
    for raw in reader.tables(policeuk.header_check(kind)):
        if kind == "street":
            rows, rejected = policeuk.street_events(raw, seen)
        elif kind == "outcomes":
            rows, rejected = policeuk.outcome_rows(raw, seen)
        else:
            rows, rejected = policeuk.stop_search_rows(raw, force, seen)
        yield Chunk(rows, rejected, raw.rows_read)
