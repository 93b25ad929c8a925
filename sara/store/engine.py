"""Connecting to the database chosen by ``--db`` / ``SARA_DATABASE_URL`` and creating it.

SQLite (the embedded default, ``sqlite:///sara.db``) and PostgreSQL
(``postgresql+psycopg://user@127.0.0.1:PORT/dbname``) share one schema, kept by Alembic.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from sara.errors import DatabaseError
from sara.store import auditkey

DEFAULT_URL = "sqlite:///sara.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("SARA_DATABASE_URL") or DEFAULT_URL


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL keeps readers (the web app) going during a load; a killed load rolls back whole.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # Bulk loads write tens of MB a file: checkpoint every 64 MB, not every 4 MB.
    cur.execute("PRAGMA wal_autocheckpoint=16384")
    cur.execute("PRAGMA journal_size_limit=67108864")
    cur.close()


def connect(url: str | None = None, *, check_schema: bool = True) -> Engine:
    """An engine for ``url`` that has answered a query, or ``DatabaseError`` saying why not."""
    url = database_url(url)
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(
            f"cannot use database URL {redacted(url)!r}: {exc}. "
            "Use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DBNAME"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        db_path = engine.url.database
        if db_path and db_path != ":memory:" and not Path(db_path).parent.exists():
            raise DatabaseError(f"cannot create database {db_path}: folder {Path(db_path).parent} does not exist")
    try:
        with engine.connect() as conn:
            current = current_revision(conn)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseError(f"cannot reach the database at {redacted(url)}: {reason}") from None
    if check_schema and current != newest_revision():
        what = "has no SARA tables" if current is None else f"is at schema {current}, not {newest_revision()}"
        raise DatabaseError(f"the database at {redacted(url)} {what}: run `sara init --db {redacted(url)}` first")
    return engine


def current_revision(conn) -> str | None:
    """The schema revision the database is at (None: no SARA tables), read straight from
    Alembic's table so that a command need not import Alembic (it costs a quarter-second)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def newest_revision() -> str:
    """The newest migration, by the numbered file names of ``migrations/versions`` (0001_...,
    0002_...: a single line of revisions; tests check it is Alembic's head)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


KEYED_FROM = "0008"  # the first revision whose audit chain is keyed


def _audit_entries(conn) -> int:
    try:
        return conn.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    except SQLAlchemyError:
        return 0


def init(url: str | None = None) -> dict:
    """Create or upgrade the database at ``url`` to the newest schema, creating its audit key
    (``sara.store.auditkey``) first when there is none. A keyed audit trail whose key is
    missing is refused: a new key would make every entry fail verification."""
    engine = connect(url, check_schema=False)
    cfg = _alembic_config()
    from alembic import command

    with engine.connect() as conn:
        before = current_revision(conn)
        entries = _audit_entries(conn) if before else 0
    try:
        auditkey.audit_key(engine.url)
        key_file = None
    except auditkey.AuditKeyMissing as exc:
        if entries and before is not None and before >= KEYED_FROM:
            engine.dispose()
            raise DatabaseError(str(exc)) from None
        key_file = auditkey.ensure_key(engine.url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()
    made = {"audit_key_created": str(key_file)} if key_file else {}
    return {"database": redacted(database_url(url)), "from_revision": before, "revision": head_revision()} | made


ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_application_role(url: str | None, role: str) -> list[dict]:
    """On PostgreSQL, give the application's own login role what the app needs and no more:
    read and write every table except ``audit_event``, which it may only read and append to
    (no UPDATE, DELETE or TRUNCATE), and no schema changes (it owns nothing). Run as the
    database's owner after ``init``; returns the role's grants on ``audit_event``.

    With the app connecting as this role and partners given no database login at all, only
    the owner's credentials can rewrite the trail, and the keyed chain and checkpoints show it."""
    if not ROLE_NAME.match(role or ""):
        raise DatabaseError(f"{role!r} is not a PostgreSQL role name SARA will use: lower-case letters, digits and _ (e.g. sara_app)")
    engine = connect(url)
    try:
        if engine.dialect.name != "postgresql":
            raise DatabaseError("application roles are a PostgreSQL feature: a SQLite file is protected by its file permissions")
        with engine.begin() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                raise DatabaseError(f"there is no PostgreSQL role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD '...')")
            database = conn.execute(text("SELECT current_database()")).scalar_one()
            for statement in (
                f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}',
                f"GRANT USAGE ON SCHEMA public TO {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {role}",
                f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
            ):
                conn.execute(text(statement))
            rows = conn.execute(text(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = :r AND table_name IN ('audit_event', 'audit_head') ORDER BY table_name, privilege_type"
            ), {"r": role}).all()  # fmt: skip
    finally:
        engine.dispose()
    return [{"table": t, "privilege": p} for t, p in rows]
