"""What the casework services share: their refusal (``CaseworkError``), references, the
lookup of an organisation by name, the names of the organisations working with a record.

References are ``PREFIX-YEAR-NNNN`` from the row id (race-free on both backends: the row is
inserted under a temporary reference, then renamed inside the same transaction).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import Connection, Table, and_, or_, select

from sara import errors
from sara.store.schema import Event
from sara.store.schema import access as sa_


class CaseworkError(errors.Invalid):
    """A refused casework operation, in fields and words (``errors.Invalid``: ``why``, the
    ``field`` at fault, the ``fix``). When several inputs are wrong at once, ``items`` pairs
    each field (or a tuple of fields, any one of which will do) with what it needs, in the
    order found, and ``why`` ends where they are listed ("cannot log the patrol:"); ``field``
    is the first of them, and ``worded(name)`` names each field as a face spells it."""

    def __init__(self, why: str, *, field: str | None = None, fix: str | None = None, items=()) -> None:
        self.head, self.items = why, tuple(items)
        if self.items:
            first = next((f for f, _ in self.items if f), None)
            field = field or (first[0] if isinstance(first, tuple) else first)
            why = f"{why} {'; '.join(text for _, text in self.items)}"
        super().__init__(why, field=field, fix=fix)

    def worded(self, name) -> str:
        """The message in a face's words: each item followed by its field as ``name(field)``
        spells it (``spelled``), or, with no items, the message after its field's name."""
        if not self.items:
            shown = spelled(self.field, name)
            return f"{shown}: {self}" if shown and shown not in str(self) else str(self)
        text = f"{self.head} {'; '.join(f'{t} ({spelled(f, name)})' if spelled(f, name) else t for f, t in self.items)}"
        return f"{text}: {self.fix}" if self.fix else text


def spelled(field, name) -> str | None:
    """``field`` as ``name`` spells it; a tuple of fields (any one will do) as "a, b or c";
    None when ``name`` has no words for it."""
    fields = field if isinstance(field, tuple) else (field,)
    shown = [n for n in (name(f) for f in fields if f) if n]
    return None if not shown else shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


class Duplicate(errors.Conflict):
    """A second record of something already recorded (a case review of the same complaints, a
    second closure notice on closed premises): the message names the record to use instead."""


class RecordError(CaseworkError):
    """A refused people/premises/case-review operation: what is missing or wrong."""


class NotFound(errors.NotFound):
    pass


def temporary_reference() -> str:
    return f"tmp-{uuid.uuid4().hex[:24]}"


def assign_reference(conn: Connection, table: Table, row_id: int, prefix: str, year: int) -> str:
    reference = f"{prefix}-{year}-{row_id:04d}"
    conn.execute(table.update().where(table.c.id == row_id).values(reference=reference))
    return reference


def by_reference(conn: Connection, table: Table, ref: str, hint: str) -> dict:
    """The row of ``table`` whose ``reference`` is ``ref``, or ``NotFound`` with ``hint``
    (what would find the right reference, in words)."""
    row = conn.execute(select(table).where(table.c.reference == ref)).mappings().first()
    if row is None:
        raise NotFound(f"no {table.name} {ref!r}: {hint}")
    return dict(row)


def org_id(conn: Connection, name: str, *, field: str = "organisation") -> int:
    """The id of the organisation called ``name``; refused naming ``field`` (the service's
    argument that gave the name) when there is none."""
    o = sa_.Organisation.__table__
    oid = conn.execute(select(o.c.id).where(o.c.name == name)).scalar()
    if oid is None:
        raise CaseworkError(f"no organisation called {name!r}", field=field, fix="give the name of an organisation that has been added, as it is spelled there")
    return oid


def org_names(conn: Connection) -> dict[int, str]:
    o = sa_.Organisation.__table__
    return dict(conn.execute(select(o.c.id, o.c.name)).all())


def working_with(conn: Connection, partner_table: Table, key: str, row_id: int, owner_org: int, names: dict[int, str]) -> list[str]:
    """The owning organisation and every partner organisation working with the record."""
    others = conn.execute(select(partner_table.c.organisation_id).where(partner_table.c[key] == row_id)).scalars()
    return sorted({names[owner_org], *(names[o] for o in others)})


def text_key(*parts: str | None) -> str:
    """Casefolded, punctuation-free, single-spaced: what duplicate checks compare."""
    joined = " ".join(p for p in parts if p)
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", joined.casefold())).strip()


def age_band(dob: dt.date | None, on: dt.date) -> str | None:
    """The age band of someone born on ``dob`` (the legal age gates 10, 16 and 18 are edges)."""
    if dob is None:
        return None
    age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    for top, band in ((10, "under 10"), (16, "10-15"), (18, "16-17"), (25, "18-24"), (35, "25-34"), (50, "35-49"), (65, "50-64")):
        if age < top:
            return band
    return "65 and over"


def linked_events(conn, table, key: str, row_id: int, since: dt.date | None = None):
    """(event id, month, occurred_from, category, drugs) of the events linked to a record."""
    e = Event.__table__
    q = select(e.c.id, e.c.month, e.c.occurred_from, e.c.category, e.c.drugs).join(table, table.c.event_id == e.c.id).where(table.c[key] == row_id)
    if since is not None:
        start = dt.datetime.combine(since, dt.time())
        q = q.where(or_(e.c.occurred_from >= start, and_(e.c.occurred_from.is_(None), e.c.month >= since.replace(day=1))))
    return conn.execute(q).all()
