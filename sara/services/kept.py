"""Results kept in each worker's memory while the data they came from is unchanged: a scan of
a force-year takes a second, and the pages ask for the same one again and again (Today, the
Explore map and its layer's own fetch, the tabs of Explore, an assessment's page and its
picture). The key carries a stamp of what is loaded (``stamp``), read from the database on
every call, so a worker never serves a result from before a load, whichever worker loaded it:
nothing kept is shared state between workers.

Only results that are the same for every reader are kept (counts and scans of events, not
views of personal data, which each read checks and audits afresh). A refusal (``Invalid``:
too few events for a cube, say) is kept like a result: the same data gives the same refusal.
When several requests ask at once for a result not yet kept, one computes it and the others
wait for it, rather than all computing it side by side on the same cores.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import func, select

from sara.errors import Invalid
from sara.services import Context
from sara.store.schema import Area, Event, Load

SECONDS = 600
SIZE = 32
_kept: OrderedDict = OrderedDict()
_lock = threading.Lock()
_busy: dict = {}  # full key -> the lock its computing request holds


def _stamp_query():
    """One query of cheap aggregates, each an index lookup or a scan of the few loads, never of the events."""
    parts = (
        select(func.max(Event.id)),
        select(func.count()).select_from(Event).where(~Event.assigned),  # the partial index ix_event_unplaced
        select(func.count(Load.id)), select(func.max(Load.id)), select(func.sum(Load.inserted)), select(func.sum(Load.updated)),
        select(func.count(Area.id)), select(func.max(Area.id)),
    )  # fmt: skip
    return select(*(p.scalar_subquery() for p in parts))


def stamp(ctx: Context) -> tuple:
    """What changes whenever events or areas are loaded or changed: the newest event, the events
    not yet placed in areas (a load commits its events, then places them), the files loaded and
    the rows each inserted and updated (every change to events or areas is a load, which records
    its counts in the same transaction), and the areas."""
    with ctx.engine.connect() as conn:
        return tuple(conn.execute(_stamp_query()).one())


def kept(ctx: Context, key: Hashable, compute: Callable[[], object]):
    """``compute()``, or what it gave for ``key`` on this data in the last ``SECONDS``."""
    full = (ctx.engine.url.render_as_string(hide_password=True), stamp(ctx), key)
    found = _found(full)
    if found is None:
        with _lock:
            mine = _busy.setdefault(full, threading.Lock())
        with mine:  # whoever came first computes; the others wait here, then find its answer
            found = _found(full)
            if found is None:
                try:
                    found = (False, compute())
                except Invalid as exc:
                    found = (True, exc)
                with _lock:
                    _kept[full] = (time.monotonic(), found)
                    while len(_kept) > SIZE:
                        _kept.popitem(last=False)
        with _lock:
            if _busy.get(full) is mine:
                del _busy[full]
    refused, value = found
    if refused:
        raise value.with_traceback(None)
    return value


def _found(full) -> tuple[bool, object] | None:
    with _lock:
        entry = _kept.get(full)
        if entry and time.monotonic() - entry[0] < SECONDS:
            _kept.move_to_end(full)
            return entry[1]
    return None


def forget() -> None:
    """Drops everything kept (for tests, and a worker short of memory)."""
    with _lock:
        _kept.clear()
