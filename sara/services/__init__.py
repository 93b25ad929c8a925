"""The jobs users do, one function each, shared by every face (the CLI, the web pages and
the JSON API): a ``Context`` (engine, authenticated actor, now) in, plain data out.

Permission checks and audit happen here or below (``sara.access``, ``sara.casework``), never
in a face: a command and a route for one job call the same function and get the same data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Context:
    """Who is acting, on which database, and when (naive UTC). ``actor`` is None only for
    jobs that need nobody signed in (public counts, the first administrator of a database)."""

    engine: Engine
    actor: object | None = None
    now: dt.datetime = field(default_factory=utcnow)
