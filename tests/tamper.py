"""What an attacker holding the database's own credentials can do: switch off the triggers
that keep the audit trail append-only, then change, delete or recompute entries."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import text

APPEND_ONLY = "audit entries are append-only: they cannot be changed or deleted"


@contextmanager
def owner(engine):
    """A transaction with the append-only triggers off, as the database's owner could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        yield conn
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        else:
            for what in ("UPDATE", "DELETE"):
                conn.execute(text(f"CREATE TRIGGER audit_event_no_{what.lower()} BEFORE {what} ON audit_event BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"))
