"""Results kept in each worker's memory while the data they came from is unchanged: a scan of
a force-year takes a second, and the pages ask for the same one again and again (Today, the
Explore map and its layer's own fetch). The key carries a stamp of what is loaded (events,
areas, loads), read from the database on every call, so a worker never serves a result from
before a load, whichever worker loaded it: nothing kept is shared state between workers.

Only results that are the same for every reader are kept (counts and scans of events, not
views of personal data, which each read checks and audits afresh).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import func, select

from sara.services import Context
from sara.store.schema import Area, Event, Load

SECONDS = 600
SIZE = 32
_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()


def stamp(ctx: Context) -> tuple:
    """What changes whenever events or areas are loaded or changed."""
    with ctx.engine.connect() as conn:
        events = tuple(conn.execute(select(func.count(Event.id), func.max(Event.id))).one())
        loads = tuple(conn.execute(select(func.count(Load.id), func.max(Load.id))).one())
        areas = conn.execute(select(func.count(Area.id))).scalar()
    return events + loads + (areas,)


def kept(ctx: Context, key: Hashable, compute: Callable[[], object]):
    """``compute()``, or what it gave for ``key`` on this data in the last ``SECONDS``."""
    full = (ctx.engine.url.render_as_string(hide_password=True), stamp(ctx), key)
    now = time.monotonic()
    with _lock:
        found = _kept.get(full)
        if found and now - found[0] < SECONDS:
            _kept.move_to_end(full)
            return found[1]
    value = compute()
    with _lock:
        _kept[full] = (now, value)
        while len(_kept) > SIZE:
            _kept.popitem(last=False)
    return value
