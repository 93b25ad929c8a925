"""Per-database secrets kept in the database itself (``access_secret``): made once, on first
use, race-free on both backends (the loser of two first uses reads the winner's)."""

from __future__ import annotations

import os

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sara.store.schema import access as sa_


def per_database(engine: Engine, name: str, nbytes: int) -> bytes:
    """The secret called ``name``: ``nbytes`` random bytes made the first time it is asked for."""
    t = sa_.AccessSecret.__table__
    with engine.connect() as conn:
        value = conn.execute(select(t.c.value).where(t.c.name == name)).scalar()
    if value is None:
        try:
            with engine.begin() as conn:
                conn.execute(t.insert().values(name=name, value=os.urandom(nbytes)))
        except IntegrityError:
            pass
        with engine.connect() as conn:
            value = conn.execute(select(t.c.value).where(t.c.name == name)).scalar_one()
    return bytes(value)
