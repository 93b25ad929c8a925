"""Tag trails against crimes, as the CLI (``sara tags``) and the web (``/tags``,
``/api/tags/compare``) ask for them: one function per job, the permission checks and the
audit in ``sara.casework.tags``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path, PurePath
from typing import BinaryIO

from sqlalchemy import select

from sara.casework import tags
from sara.errors import Invalid
from sara.intake.trails import EXAMPLE_MAPPING
from sara.services import Context
from sara.store.schema import Event

LEADS = tags.LEADS
DEFAULT_CATEGORY = "Burglary"


def may_use(actor) -> bool:
    """Whether the navigation shows Tags to this actor (police and probation organisations)."""
    return tags.may_use(actor)


def may_load(actor) -> bool:
    """Whether the pages offer this actor the forms that load trails and record wearers."""
    return tags.may_load(actor)


def load_form(ctx: Context) -> dict:
    """What the trail upload form starts from (an example mapping to edit); refused, as a load
    would be, to anyone who may not load trails."""
    tags.check_load(ctx.actor)
    return {"example_mapping": EXAMPLE_MAPPING}


def load(ctx: Context, paths: list[str], mapping: str) -> dict:
    return tags.load_trails(ctx.engine, ctx.actor, paths, mapping, now=ctx.now)


def load_upload(ctx: Context, name: str, stream: BinaryIO, mapping: str, *, mapping_name: str = "the mapping") -> dict:
    """Load one uploaded trail export (a CSV, or a zip of them, read from ``stream``) through
    the TOML ``mapping`` text, as ``load`` does a file: the same checks, counts and report,
    with the file called by its uploaded ``name``. Refused before anything is written."""
    tags.check_load(ctx.actor)
    with tempfile.TemporaryDirectory(prefix="sara-trails-") as folder:
        path, map_path = Path(folder) / _upload_name(name), Path(folder) / "mapping.toml"
        with path.open("wb") as f:
            shutil.copyfileobj(stream, f, 1 << 20)
        map_path.write_bytes(mapping.encode("utf-8", "surrogatepass"))  # a lone surrogate: refused as not UTF-8 by the reader
        try:
            report = load(ctx, [str(path)], str(map_path))
        except Invalid as exc:
            raise Invalid(exc.why.replace("mapping mapping.toml", mapping_name), field="mapping", fix=exc.fix) from None
        for f in [*report["files"], *report["missing"]]:
            f["path"] = f["path"].replace(folder + "/", "")
    return report


def _upload_name(name: str) -> str:
    """The uploaded file's own name, safe as a file name here (``.csv`` unless a ``.zip``)."""
    base = re.sub(r"[^\w.() -]+", "_", PurePath((name or "").replace("\\", "/")).name).strip(" .") or "upload"
    return base if base.lower().endswith((".csv", ".zip")) else base + ".csv"


def add_wearer(ctx: Context, reference: str, **kw) -> dict:
    return tags.add_wearer(ctx.engine, ctx.actor, reference, now=ctx.now, **kw)


def wearers(ctx: Context, *, purpose: str) -> list[dict]:
    return tags.list_wearers(ctx.engine, ctx.actor, purpose=purpose, now=ctx.now)


def compare(ctx: Context, *, categories: list[str], date_from: dt.date, date_to: dt.date, metres: float = 100.0, minutes: float = 30.0, purpose: str,
            zone: str = "Europe/London") -> dict:  # fmt: skip
    """The comparison (``sara.casework.tags.compare``): crimes compared, wearers, hits."""
    return tags.compare(ctx.engine, ctx.actor, categories=categories, date_from=date_from, date_to=date_to, metres=metres, minutes=minutes, purpose=purpose,
                        zone=zone, now=ctx.now)  # fmt: skip


def categories(ctx: Context) -> list[str]:
    """The categories of the events that carry a time (those a comparison can use), for the form."""
    tags._check(ctx.actor)
    e = Event.__table__
    with ctx.engine.connect() as conn:
        return list(conn.execute(select(e.c.category).where(e.c.occurred_from.is_not(None)).distinct().order_by(e.c.category)).scalars())
