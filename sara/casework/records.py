"""What the people, premises and case-review services share: references, names of
organisations working with a record, and the permission refusal they all raise.

References are ``PREFIX-YEAR-NNNN`` from the row id (race-free on both backends: the row is
inserted under a temporary reference, then renamed inside the same transaction).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import Connection, Table, and_, or_, select

from sara import errors
from sara.access.permissions import PermissionDenied, can
from sara.store.schema import Event
from sara.store.schema import access as sa_


class RecordError(errors.Invalid):
    """A refused people/premises operation; the message says what is missing or wrong."""


class NotFound(errors.NotFound):
    pass


def temporary_reference() -> str:
    return f"tmp-{uuid.uuid4().hex[:24]}"


def assign_reference(conn: Connection, table: Table, row_id: int, prefix: str, year: int) -> str:
    reference = f"{prefix}-{year}-{row_id:04d}"
    conn.execute(table.update().where(table.c.id == row_id).values(reference=reference))
    return reference


def require(actor, action: str, resource: str, owner_org: int) -> None:
    d = can(actor, action, resource, owner_org)
    if not d.allowed:
        raise PermissionDenied(f"not allowed: {d.reason}")


def by_reference(conn: Connection, table: Table, ref: str, hint: str) -> dict:
    """The row of ``table`` whose ``reference`` is ``ref``, or ``NotFound`` with ``hint``."""
    row = conn.execute(select(table).where(table.c.reference == ref)).mappings().first()
    if row is None:
        raise NotFound(f"no {table.name} {ref!r}: {hint}")
    return dict(row)


def org_id(conn: Connection, name: str) -> int:
    o = sa_.Organisation.__table__
    oid = conn.execute(select(o.c.id).where(o.c.name == name)).scalar()
    if oid is None:
        raise RecordError(f"no organisation called {name!r}: add it with `sara org add`")
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
