"""Data jobs: what is loaded, and the rows intake could not load.

Quarantined rows of a force or partner export are kept whole, so they are personal data as
they stand: they are shown only to the analysts and administrators of the organisation that
loaded the file (``sara.access.roles.RAW_ROW_READERS``), each read audited once per file;
everyone else sees the rows of public files and how many others are not shown to them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from sara.access import audit
from sara.access.permissions import require
from sara.access.roles import RAW_ROW_READERS
from sara.services import Context
from sara.services.kept import kept
from sara.store import status as store
from sara.store.schema import access as sa_

COLUMNS = ("file", "line", "reason", "raw", "kind", "path", "loaded_at")
PURPOSE = "data quality"
NOT_SHOWN = "rows of force or partner files hold personal data: an analyst or administrator of the organisation that loaded them sees them"


def _may_load(ctx: Context) -> None:
    """A signed-in loader must be one who may write their organisation's events."""
    if ctx.actor is not None:
        require(ctx.actor, "write", "event", ctx.actor.organisation_id)


def load_police_uk(ctx: Context, paths: list[str], tick=None):
    """Load data.police.uk files (public data, owned by nobody)."""
    from sara.intake.load import load_police_uk as load

    _may_load(ctx)
    return load(ctx.engine, paths, tick)


def load_events(ctx: Context, paths: list[str], mapping: str, tick=None):
    """Load a force or partner export as the actor's organisation's (the operator's without
    one): its quarantined rows are then theirs to see."""
    from sara.intake.mapped import load_events as load

    _may_load(ctx)
    return load(ctx.engine, paths, mapping, tick, organisation_id=ctx.actor.organisation_id if ctx.actor else None)


def load_areas(ctx: Context, paths: list[str], kind: str, *, code_field=None, name_field=None, population_csv=None, tick=None):
    """Load boundaries of one kind and place every event in them."""
    from sara.intake.areas import load_areas as load

    _may_load(ctx)
    return load(ctx.engine, paths, kind, code_field=code_field, name_field=name_field, population_csv=population_csv, tick=tick)


def load_area_attribute(ctx: Context, path: str, name: str, kind: str, *, code_column: str | None = None, value_columns: list[str] | None = None):
    """Load a named value per area of one kind (deprivation per ward, say) from a CSV: public
    facts about areas, loaded by anyone who may load events (``sara.intake.attributes``)."""
    from sara.intake.attributes import load_attribute

    _may_load(ctx)
    return load_attribute(ctx.engine, path, name, kind, code_column=code_column, value_columns=value_columns)


PUBLICATION_LAG = 3  # months: by the start of month M, police.uk has published up to month M-3


def freshness(latest_month: str | None, today: dt.date) -> dict:
    """Whether the newest month loaded is as new as the clock suggests. police.uk publishes a
    month's street-level data at the end of the second month after it (data.police.uk/changelog:
    October's data comes out late in December), so on any day it holds at least the month
    ``PUBLICATION_LAG`` months back. Older than that is stale: pages and ``sara status`` say
    newer months can be loaded."""
    index = today.year * 12 + today.month - 1 - PUBLICATION_LAG
    expected = f"{index // 12:04d}-{index % 12 + 1:02d}"
    if latest_month is None:
        return {"latest_month": None, "expected_by_now": expected, "stale": False, "message": "no events are loaded"}
    stale = latest_month < expected
    message = (f"the newest month loaded is {latest_month}, but police.uk has published months up to at least {expected} by now: newer months can be loaded"
               if stale else f"the newest month loaded is {latest_month}")  # fmt: skip
    return {"latest_month": latest_month, "expected_by_now": expected, "stale": stale, "message": message}


def status(ctx: Context) -> dict:
    """Sources (and the forces whose rows they hold), months, counts by category, areas and
    quarantine, and whether the data is as new as the clock suggests: counts only, for anyone."""
    data = kept(ctx, "status", lambda: store.status(ctx.engine))
    return data | {"freshness": freshness(data["latest_month"], ctx.now.date())}


def _host(ctx: Context) -> int | None:
    o = sa_.Organisation.__table__
    with ctx.engine.connect() as conn:
        return conn.execute(select(o.c.id).where(o.c.is_host.is_(True))).scalar()


def _owners(ctx: Context) -> set[int | None]:
    """The organisations whose partner rows the actor may read (None: loaded by the operator,
    who is the host)."""
    a = ctx.actor
    if a is None or not a.active or a.role not in RAW_ROW_READERS:
        return set()
    return {a.organisation_id, None} if a.host else {a.organisation_id}


def quarantine(ctx: Context, *, reason: str | None = None, file: str | None = None, limit: int | None = 50, purpose: str = PURPOSE,
               action: str = "read") -> dict:  # fmt: skip
    """The quarantined rows the actor may see (newest load first), how many match, and how
    many others are not shown; reading a partner file's rows is audited once per file."""
    owners = _owners(ctx)
    rows, total = store.quarantined(ctx.engine, reason=reason, file=file, limit=limit, owners=owners)
    _, everything = store.quarantined(ctx.engine, reason=reason, file=file, limit=0)
    shown = Counter((r["load_id"], r["organisation_id"]) for r in rows if r["partner"])
    if shown:
        host = _host(ctx)
        audit.append(ctx.engine, *[audit.Entry(action, ctx.actor, "quarantine", load, owner_org_id=org if org is not None else host, purpose=purpose,
                                               detail={"rows": n}) for (load, org), n in sorted(shown.items())])  # fmt: skip
    hidden = everything - total
    return {"total": total, "rows": [{k: r[k] for k in COLUMNS} for r in rows], "not_shown": hidden, **({"not_shown_why": NOT_SHOWN} if hidden else {})}


def export_quarantine(ctx: Context, *, purpose: str = PURPOSE) -> dict:
    """Every quarantined row the actor may see, for a CSV (audited as an export per file)."""
    return quarantine(ctx, limit=None, purpose=purpose, action="export") | {"columns": list(COLUMNS)}
