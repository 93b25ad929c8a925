"""Loading files into the store, one transaction per file.

A file is loaded whole or not at all: a load killed part-way leaves the database as it was
before that file, and running the same command again completes it with no row lost or
doubled (keys make the re-run idempotent). Rows that cannot be loaded are quarantined in
the same transaction, replacing the quarantine of any earlier load of the same file name.
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select, text, update

from sara.intake import policeuk
from sara.intake.assign import assign_new_events
from sara.intake.csvfile import read_csv, read_header
from sara.intake.files import InputFile, expand, sha256
from sara.intake.report import FileReport, LoadReport
from sara.intake.rows import RefusedFile, Rejected, describe_header
from sara.store import bulk
from sara.store.schema import Event, Load, Outcome, Quarantine, Source, StopSearch

Tick = Callable[[str, int], None]
EVENT = Event.__table__
REVISED_EVENT = ("outcome", "context")


def source_id(conn: Connection, name: str, kind: str, crs: str) -> int:
    found = conn.execute(select(Source.id, Source.crs).where(Source.name == name)).first()
    if found:
        if found.crs != crs:
            raise RefusedFile(f"source {name!r} holds coordinates in {found.crs}, not {crs}: use another source name")
        return found.id
    return conn.execute(insert(Source).values(name=name, kind=kind, crs=crs).returning(Source.id)).scalar_one()


def _quarantine(conn: Connection, load_id: int, source: int | None, kind: str, file: str, rejected: list[Rejected]) -> None:
    """Replaces the quarantine of earlier loads of this file (same source, kind and name)."""
    earlier = select(Load.id).where(Load.source_id == source if source is not None else Load.source_id.is_(None), Load.id != load_id)
    conn.execute(delete(Quarantine).where(Quarantine.kind == kind, Quarantine.file == file, Quarantine.load_id.in_(earlier)))
    if rejected:
        conn.execute(insert(Quarantine), [{"load_id": load_id, "kind": kind, "file": file, "line": r.line, "raw": r.raw, "reason": r.reason} for r in rejected])


@dataclass
class Parsed:
    """One file read and checked, ready to write: what ``write`` needs and nothing more."""

    item: InputFile
    kind: str
    sha256: str = ""
    rows: pl.DataFrame | None = None
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    refused: str | None = None


@dataclass(frozen=True)
class Target:
    """Where a kind of file goes: the source it belongs to, its table, what may be revised."""

    source: tuple[str, str, str]  # name, kind, crs
    table: object
    revised: tuple[str, ...] = ()
    notes: Callable[[Connection, pl.DataFrame], dict] | None = None


def write(engine: Engine, parsed: Parsed, target: Target) -> FileReport:
    """Writes one parsed file in one transaction; the report's counts add up."""
    report = FileReport(parsed.item.path, parsed.kind, refused=parsed.refused)
    if parsed.refused:
        return report
    file = PurePosixPath(parsed.item.name).name
    rows, rejected = parsed.rows, parsed.rejected
    try:
        with engine.begin() as conn:
            sid = source_id(conn, *target.source)
            if conn.dialect.name == "postgresql":
                # Loads of one source run one at a time, so two never both insert a new key.
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": sid})
            load_id = conn.execute(
                insert(Load)
                .values(source_id=sid, kind=parsed.kind, path=parsed.item.path, name=file, sha256=parsed.sha256,
                        loaded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), rows_read=parsed.rows_read,
                        inserted=0, updated=0, unchanged=0, quarantined=len(rejected))
                .returning(Load.id)
            ).scalar_one()  # fmt: skip
            written = bulk.upsert(conn, target.table, rows, source_id=sid, load_id=load_id, revised=target.revised)
            _quarantine(conn, load_id, sid, parsed.kind, file, rejected)
            conn.execute(update(Load).where(Load.id == load_id).values(inserted=written.inserted, updated=written.updated, unchanged=written.unchanged))
            if target.notes:
                report.notes = target.notes(conn, rows)
    except RefusedFile as exc:
        report.refused = str(exc)
        return report
    report.rows_read = parsed.rows_read
    report.inserted, report.updated, report.unchanged = written.inserted, written.updated, written.unchanged
    report.quarantined = len(rejected)
    report.quarantined_by_reason = dict(Counter(r.reason for r in rejected).most_common())
    report.check()
    return report


def pipeline(items: list[InputFile], parse: Callable[[InputFile], Parsed], lookahead: int = 2) -> Iterator[Parsed]:
    """``parse(item)`` for each item, the next ones parsed in a thread while the caller
    writes: parsing (Arrow, Polars) and SQLite's inserts each release the GIL, so the two
    cores share the work. At most ``lookahead`` parsed files wait in memory."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque = deque()
        queue = iter(items)
        for item in queue:
            pending.append(pool.submit(parse, item))
            if len(pending) >= lookahead:
                break
        while pending:
            parsed = pending.popleft().result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(parse, nxt))
            yield parsed


def _outcome_notes(conn: Connection, rows: pl.DataFrame) -> dict:
    """How many of the crimes an outcomes file names are loaded as events."""
    named = rows["crime_id"].unique().to_list()
    found = 0
    for start in range(0, len(named), 5000):
        part = named[start : start + 5000]
        found += len(conn.execute(select(Event.source_ref).where(Event.source_ref.in_(part)).distinct()).all())
    return {"crimes_named": len(named), "crimes_loaded": found, "crimes_not_loaded": len(named) - found}


POLICE_UK = (policeuk.SOURCE, "police.uk", "EPSG:27700")
POLICE_UK_TARGETS = {
    "street": Target(POLICE_UK, EVENT, REVISED_EVENT),
    "outcomes": Target(POLICE_UK, Outcome.__table__, notes=_outcome_notes),
    "stop_search": Target(POLICE_UK, StopSearch.__table__),
}


def load_police_uk(engine: Engine, paths: list[str], tick: Tick | None = None) -> LoadReport:
    """Loads data.police.uk street, outcomes and stop-and-search files (``sara load police-uk``)."""
    items, missing = expand(paths)
    report = LoadReport(missing=[{"path": p, "error": e} for p, e in missing])
    for parsed in pipeline(items, parse_police_uk):
        target = POLICE_UK_TARGETS.get(parsed.kind)
        report.files.append(write(engine, parsed, target) if target else FileReport(parsed.item.path, parsed.kind, refused=parsed.refused))
        if tick:
            tick(parsed.item.name, 1)
    report.areas = place_new_events(engine, tick)
    return report


def place_new_events(engine: Engine, tick: Tick | None = None) -> dict:
    """Places the events just loaded in every loaded kind of area (point-in-polygon)."""
    if tick:
        tick("placing events in areas", 0)
    return assign_new_events(engine)


def parse_police_uk(item: InputFile) -> Parsed:
    """Reads and checks one police.uk file; a file that is not one is refused whole."""
    try:
        data = item.read()
    except OSError as exc:
        return Parsed(item, "unknown", refused=f"cannot read the file: {exc.strerror or exc}")
    header = read_header(data.removeprefix(codecs.BOM_UTF8)) if data.strip() else []
    kind = policeuk.kind_of(item.name, header)
    if kind is None:
        problem = describe_header(header, policeuk.STREET, "police.uk street") if header else "the file is empty"
        return Parsed(item, "unknown", refused=problem)
    try:
        raw = read_csv(data, policeuk.header_check(kind))
        if kind == "street":
            rows, rejected = policeuk.street_events(raw)
        elif kind == "outcomes":
            rows, rejected = policeuk.outcome_rows(raw)
        else:
            match = policeuk.NAME.search(item.name)
            rows, rejected = policeuk.stop_search_rows(raw, match["force"] if match else None)
    except RefusedFile as exc:
        return Parsed(item, kind, refused=str(exc))
    return Parsed(item, kind, sha256(data), rows, rejected, raw.rows_read)
