"""Bulk writes at the speed of each backend: executemany in one transaction on SQLite,
COPY on PostgreSQL. Rows are matched on their stable key, so a second load of the same
rows inserts nothing and a revised row updates in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.exc import DataError

CHUNK = 200_000


@dataclass
class Written:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: Written) -> Written:
        return Written(self.inserted + other.inserted, self.updated + other.updated, self.unchanged + other.unchanged)


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """Dates and times as the text SQLAlchemy stores in SQLite, so no Python adapter runs."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).cast(pl.String))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
    return frame.with_columns(exprs) if exprs else frame


def _copy_csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv(include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f").encode()


def insert_frame(conn: Connection, table: Table, frame: pl.DataFrame) -> int:
    """Appends ``frame`` (columns named as in ``table``) to ``table``."""
    if frame.height == 0:
        return 0
    columns = frame.columns
    if conn.dialect.name == "postgresql":
        import psycopg

        raw = conn.connection.driver_connection
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cur:
            for start in range(0, frame.height, CHUNK):
                part = frame.slice(start, CHUNK)
                try:
                    with cur.copy(sql) as copy:
                        copy.write(_copy_csv(part))
                except psycopg.DataError as exc:  # as SQLAlchemy would raise it for an INSERT
                    raise DataError(sql, None, exc) from exc
    else:
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cur = conn.connection.driver_connection.cursor()
        for start in range(0, frame.height, CHUNK):
            cur.executemany(sql, _for_sqlite(frame.slice(start, CHUNK)).iter_rows())
        cur.close()
    return frame.height


def upsert(conn: Connection, table: Table, frame: pl.DataFrame, *, source_id: int, load_id: int, revised: tuple[str, ...] = ()) -> Written:
    """Writes keyed rows of one source: new keys inserted, ``revised`` columns updated where
    they differ, the rest counted as unchanged. ``frame`` has ``key_hi``/``key_lo``,
    ``month`` and the table's data columns. New rows go in key order, so the unique
    index grows at its end instead of at random places."""
    if frame.height == 0:
        return Written()
    months = frame["month"].unique().to_list()
    existing_rows = conn.execute(
        select(table.c.id, table.c.key_hi, table.c.key_lo, *(table.c[c] for c in revised)).where(table.c.source_id == source_id, table.c.month.in_(months))
    ).all()
    existing = pl.DataFrame(
        existing_rows,
        schema={"_id": pl.Int64, "key_hi": pl.Int64, "key_lo": pl.Int64, **{f"_old_{c}": frame.schema[c] for c in revised}},
        orient="row",
    )
    joined = frame.join(existing, on=["key_hi", "key_lo"], how="left")
    new = joined.filter(pl.col("_id").is_null()).sort("month", "key_hi", "key_lo")
    seen = joined.filter(pl.col("_id").is_not_null())
    if revised:
        differs = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"_old_{c}")) for c in revised)
        changed = seen.filter(differs)
    else:
        changed = seen.clear()
    insert_frame(
        conn,
        table,
        new.drop("_id", *(f"_old_{c}" for c in revised)).with_columns(
            source_id=pl.lit(source_id, dtype=pl.Int64), load_id=pl.lit(load_id, dtype=pl.Int64)
        ),
    )
    if changed.height:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_new_{c}") for c in revised} | {"load_id": bindparam("_load")})
        )
        params = [
            {"_id": row["_id"], "_load": load_id, **{f"_new_{c}": row[c] for c in revised}}
            for row in changed.select("_id", *revised).iter_rows(named=True)
        ]
        conn.execute(stmt, params)
    return Written(inserted=new.height, updated=changed.height, unchanged=seen.height - changed.height)


def frame_from(conn: Connection, stmt, schema: dict | None = None) -> pl.DataFrame:
    """The result of a SQLAlchemy ``select`` as a polars frame."""
    result = conn.execute(stmt)
    names = list(result.keys())
    rows = result.all()
    if schema is None:
        return pl.DataFrame(rows, schema=names, orient="row") if rows else pl.DataFrame({n: [] for n in names})
    return pl.DataFrame(rows, schema=schema, orient="row")

