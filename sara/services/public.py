"""The public "you said, we did" (DESIGN.md, "the public"): per neighbourhood (a ward or a
district), the local priorities a lead approved for publication (``sara.casework.publication``)
with what people said and what was done, the actions done and the ASB powers used by type for
those problems, and the monthly trend of each problem's events over the neighbourhood. No one
signs in: ``ctx.actor`` may be None, and nothing here depends on who asks.

Disclosure control, one function for every face (the pages, the static site of ``sara report
public``, the CSV and JSON open data):

- nothing personal: no name, date of birth, address, reference, user or partner agency is
  read into the result; a priority carries only the words its owner wrote and a lead approved
  (checked on writing: ``sara.casework.publication.check_text``) and its state in words;
- no place finer than the neighbourhood: events are counted over the whole ward or district
  and by month, never by street, LSOA or point, so personal or sensitive events
  (``sara.casework.publication.sensitive_clause``) appear only inside those totals;
- a count from 1 to ``threshold - 1`` (default 5) is shown as "fewer than 5" and carries no
  number (``"count": None``); zero is shown as zero;
- totals cannot give a suppressed cell back by subtraction: a total over one or more
  suppressed cells is rounded *down* to a lower bound, shown as "at least N", with N the sum of
  the cells shown plus one per suppressed cell, and never less than the threshold (a total
  under the threshold is itself "fewer than 5"). The lower bound is what the cells already
  say, so the total adds nothing about any of them. No other total (across neighbourhoods,
  across tables) is published.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

from sqlalchemy import and_, func, select

from sara.casework import concerns as cconcerns
from sara.casework import publication as pub
from sara.errors import Invalid, NotFound
from sara.services import Context
from sara.services.powers import POWER_NAMES
from sara.store.schema import Area, Event, EventArea
from sara.store.schema import problems as sp

THRESHOLD = 5
TREND_MONTHS = 12
CONCERN_DAYS = 365  # the public concerns counted on a neighbourhood's page: those accepted, reported in the last year
STATE_WORDS = {"proposed": "proposed", "scanning": "looking into it", "analysis": "working out why it happens", "response": "acting on it",
               "assessment": "checking what worked", "closed": "finished", "paused": "on hold"}  # fmt: skip
OUTCOME_WORDS = {"eliminated": "the problem has stopped", "reduced": "the problem is smaller", "less_harmful": "the problem does less harm",
                 "handled_better": "the problem is handled better", "handed_over": "handed over to another agency"}  # fmt: skip
OPEN_DATA_COLUMNS = ("neighbourhood_code", "neighbourhood", "neighbourhood_kind", "table", "priority", "item", "count", "said", "did")


def _threshold(threshold: int) -> int:
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 2 <= threshold <= 100:
        raise Invalid(f"the threshold {threshold!r} is not a whole number from 2 to 100", field="threshold", fix="give the smallest count shown, e.g. 5")
    return threshold


def cell(n: int, threshold: int = THRESHOLD) -> dict:
    """One count as the public sees it: ``{"count": n, "shown": "12"}``, or ``{"count": None,
    "shown": "fewer than 5"}`` for 1 to ``threshold - 1``."""
    if 0 < n < threshold:
        return {"count": None, "shown": f"fewer than {threshold}", "suppressed": True}
    return {"count": n, "shown": f"{n:,}", "suppressed": False}


def total(values: list[int], threshold: int = THRESHOLD) -> dict:
    """The total of ``values`` as the public sees it: exact when no value is suppressed, else
    the lower bound "at least N" (module docstring), or "fewer than 5" when it is that small."""
    n = sum(values)
    if 0 < n < threshold:
        return cell(n, threshold)
    hidden = [v for v in values if 0 < v < threshold]
    if not hidden:
        return cell(n, threshold)
    floor = max(threshold, sum(v for v in values if not 0 < v < threshold) + len(hidden))
    return {"count": None, "at_least": floor, "shown": f"at least {floor:,}", "suppressed": True}


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "area"


def _published(conn) -> list[dict]:
    """The approved summaries with their neighbourhood (the loaded ward or district)."""
    rows = pub.published(conn)
    ar = Area.__table__
    areas = {(r["kind"], r["code"]): dict(r) for r in conn.execute(select(ar.c.id, ar.c.kind, ar.c.code, ar.c.name).where(ar.c.kind.in_(pub.KINDS))).mappings()}
    out = []
    for r in rows:
        a = areas.get((r["area_kind"], r["area_code"]))
        if a is not None:
            out.append(r | {"area": a})
    return out


def _neighbourhoods(rows: list[dict]) -> dict[str, dict]:
    """Slug -> neighbourhood with its priorities; a name shared by a ward and a district (or
    two of one kind) gets its kind (and code) in its slug."""
    by_area: dict[int, dict] = {}
    for r in rows:
        a = r["area"]
        by_area.setdefault(a["id"], {"id": a["id"], "code": a["code"], "kind": a["kind"], "name": a["name"] or a["code"], "rows": []})["rows"].append(r)
    taken: dict[str, int] = {}
    for n in by_area.values():
        taken[slug(n["name"])] = taken.get(slug(n["name"]), 0) + 1
    out = {}
    for n in sorted(by_area.values(), key=lambda n: (n["name"], n["kind"])):
        s = slug(n["name"])
        if taken[s] > 1:
            s = f"{s}-{n['kind']}"
            if s in out:
                s = f"{s}-{slug(n['code'])}"
        out[s] = n | {"slug": s}
    return out


def _months_of(query: dict | None, conn) -> tuple[str, str] | None:
    months = (query or {}).get("months")
    if months:
        first, _, last = months.partition(":")
        return first, last or first
    latest = conn.execute(select(func.max(Event.__table__.c.month))).scalar()
    if latest is None:
        return None
    start = latest.year * 12 + latest.month - TREND_MONTHS
    return f"{start // 12:04d}-{start % 12 + 1:02d}", f"{latest:%Y-%m}"


def _month_range(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm) and len(out) < 240:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _trend(conn, area_id: int, query: dict | None, threshold: int) -> dict | None:
    """The problem's events (its saved query's categories and months) over the whole
    neighbourhood, by month; None when the problem names no categories."""
    categories = (query or {}).get("categories")
    span = _months_of(query, conn)
    if not categories or span is None:
        return None
    e, ea = Event.__table__, EventArea.__table__
    first, last = span
    q = (select(e.c.month, func.count()).join(ea, and_(ea.c.event_id == e.c.id, ea.c.area_id == area_id))
         .where(e.c.category.in_(list(categories)), e.c.month >= dt.date.fromisoformat(first + "-01"), e.c.month <= dt.date.fromisoformat(last + "-01"))
         .group_by(e.c.month))  # fmt: skip
    counts = {f"{m:%Y-%m}" if isinstance(m, dt.date) else str(m)[:7]: n for m, n in conn.execute(q)}
    months = _month_range(first, last)
    values = [counts.get(m, 0) for m in months]
    return {"categories": sorted(categories), "months": [{"month": m, "label": f"{dt.date.fromisoformat(m + '-01'):%B %Y}"} | cell(v, threshold)
                                                          for m, v in zip(months, values)],
            "total": total(values, threshold)}  # fmt: skip


def _state(row: dict) -> str:
    words = STATE_WORDS.get(row["state"], row["state"])
    if row["state"] == "closed" and row.get("outcome") in OUTCOME_WORDS:
        return f"{words}: {OUTCOME_WORDS[row['outcome']]}"
    return words


def _concerns(conn, n: dict, threshold: int, now: dt.datetime) -> dict:
    """The concerns the public reported at /report-a-concern placed in the neighbourhood and
    accepted by its team, over the last ``CONCERN_DAYS`` days: a count only, never what was said."""
    since = now - dt.timedelta(days=CONCERN_DAYS)
    return cell(cconcerns.accepted_count(conn, n["kind"], n["code"], since, now), threshold) | {"since": f"{since:%Y-%m-%d}", "until": f"{now:%Y-%m-%d}"}


def _detail(conn, n: dict, threshold: int, now: dt.datetime) -> dict:
    """One neighbourhood's page: its priorities with their trends, actions done, powers used,
    and the public's concerns accepted there in the last year."""
    rows = n["rows"]
    ids = [r["problem_id"] for r in rows]
    at = sp.ProblemAction.__table__
    done = conn.execute(select(func.count()).select_from(at).where(at.c.problem_id.in_(ids), at.c.status == "done")).scalar_one()
    powers: dict[str, int] = {}
    for power in pub.interventions_of(conn, [r["reference"] for r in rows]):
        name = POWER_NAMES.get(power, power.replace("_", " "))
        powers[name] = powers.get(name, 0) + 1
    priorities = []
    for r in rows:
        query = json.loads(r["event_query"]) if r["event_query"] else None
        priorities.append({"title": r["title"], "said": r["said"], "did": r["did"], "state": _state(r),
                           "published": f"{r['approved_at']:%B %Y}", "trend": _trend(conn, n["id"], query, threshold)})  # fmt: skip
    names = sorted(powers)
    return {
        "slug": n["slug"], "code": n["code"], "kind": n["kind"], "name": n["name"], "threshold": threshold, "priorities": priorities,
        "actions_done": cell(done, threshold), "concerns_reported": _concerns(conn, n, threshold, now),
        "powers": {"rows": [{"power": p} | cell(powers[p], threshold) for p in names], "total": total([powers[p] for p in names], threshold)},
    }  # fmt: skip


def _summary(n: dict) -> dict:
    return {"slug": n["slug"], "code": n["code"], "kind": n["kind"], "name": n["name"], "priorities": [r["title"] for r in n["rows"]]}


def neighbourhoods(ctx: Context, *, threshold: int = THRESHOLD) -> dict:
    """The neighbourhoods with approved priorities (name, kind, ONS code, the priorities' titles)."""
    threshold = _threshold(threshold)
    with ctx.engine.connect() as conn:
        found = _neighbourhoods(_published(conn))
    return {"neighbourhoods": [_summary(n) for n in found.values()], "threshold": threshold, "generated": f"{ctx.now:%Y-%m-%d}"}


def neighbourhood(ctx: Context, area: str, *, threshold: int = THRESHOLD) -> dict:
    """One neighbourhood by its slug (or its code): its page's data."""
    threshold = _threshold(threshold)
    with ctx.engine.connect() as conn:
        found = _neighbourhoods(_published(conn))
        n = found.get(area) or next((v for v in found.values() if v["code"] == area), None)
        if n is None:
            raise NotFound(f"no neighbourhood {area!r} has published priorities: the list of neighbourhoods is at /public")
        return _detail(conn, n, threshold, ctx.now) | {"generated": f"{ctx.now:%Y-%m-%d}"}


def site(ctx: Context, *, threshold: int = THRESHOLD) -> dict:
    """Everything the public site shows, read once: the index, each neighbourhood's page (by
    slug) and the open data rows (``sara report public`` writes them all)."""
    threshold = _threshold(threshold)
    with ctx.engine.connect() as conn:
        found = _neighbourhoods(_published(conn))
        pages = {s: _detail(conn, n, threshold, ctx.now) | {"generated": f"{ctx.now:%Y-%m-%d}"} for s, n in found.items()}
    index = {"neighbourhoods": [_summary(n) for n in found.values()], "threshold": threshold, "generated": f"{ctx.now:%Y-%m-%d}"}
    return {"index": index, "pages": pages, "open_data": _open_rows(pages.values(), threshold, ctx)}


def _open_rows(pages, threshold: int, ctx: Context) -> dict:
    rows = []
    for d in pages:
        base = {"neighbourhood_code": d["code"], "neighbourhood": d["name"], "neighbourhood_kind": d["kind"]}
        for p in d["priorities"]:
            rows.append(base | {"table": "priority", "priority": p["title"], "item": p["state"], "count": None, "said": p["said"], "did": p["did"]})
            if p["trend"]:
                for m in p["trend"]["months"]:
                    rows.append(base | {"table": "events by month", "priority": p["title"], "item": m["month"], "count": m["shown"]})
                rows.append(base | {"table": "events by month", "priority": p["title"], "item": "total", "count": p["trend"]["total"]["shown"]})
        rows.append(base | {"table": "actions done", "item": "actions done", "count": d["actions_done"]["shown"]})
        rows.append(base | {"table": "concerns reported", "item": f"accepted, {d['concerns_reported']['since']} to {d['concerns_reported']['until']}",
                            "count": d["concerns_reported"]["shown"]})  # fmt: skip
        for r in d["powers"]["rows"]:
            rows.append(base | {"table": "powers used", "item": r["power"], "count": r["shown"]})
        if d["powers"]["rows"]:
            rows.append(base | {"table": "powers used", "item": "total", "count": d["powers"]["total"]["shown"]})
    full = [{c: r.get(c) for c in OPEN_DATA_COLUMNS} for r in rows]
    return {"columns": list(OPEN_DATA_COLUMNS), "rows": full, "threshold": threshold, "generated": f"{ctx.now:%Y-%m-%d}",
            "notes": [f"Counts from 1 to {threshold - 1} are shown as 'fewer than {threshold}'; a total over them is a lower bound ('at least N').",
                      "Events are counted over the whole neighbourhood by month, never by street or point; nothing names a person.",
                      "Event counts are police.uk street-level crime (Open Government Licence v3.0)."]}  # fmt: skip


def open_data(ctx: Context, *, threshold: int = THRESHOLD) -> dict:
    """Every neighbourhood's figures and priorities as rows (``OPEN_DATA_COLUMNS``), with the
    threshold and notes: the CSV and JSON open data."""
    return site(ctx, threshold=threshold)["open_data"]


# ---------------------------------------------------------------- the owner's and the lead's side


def publication(ctx: Context, ref: str) -> dict:
    """A problem's public summary as it stands, what the reader may do with it, and the
    neighbourhoods it may be written for (the loaded wards and districts, by name)."""
    out = pub.show(ctx.engine, ctx.actor, ref)
    ar = Area.__table__
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(ar.c.kind, ar.c.code, ar.c.name).where(ar.c.kind.in_(pub.KINDS)).order_by(ar.c.kind.desc(), ar.c.name)).all()
    out["choices"] = {"areas": [{"kind": k, "code": c, "name": n or c} for k, c, n in rows]}
    return out


def write_publication(ctx: Context, ref: str, *, title: str, said: str, did: str, area: str | None = None) -> dict:
    """Write or change the problem's public summary (``sara.casework.publication.write``)."""
    pub.write(ctx.engine, ctx.actor, ref, title=title, said=said, did=did, area=area or None, now=ctx.now)
    return publication(ctx, ref)


def approve_publication(ctx: Context, ref: str) -> dict:
    """A lead approves the summary as written (``sara.casework.publication.approve``)."""
    pub.approve(ctx.engine, ctx.actor, ref, now=ctx.now)
    return publication(ctx, ref)


def withdraw_publication(ctx: Context, ref: str) -> dict:
    """Withdraw the summary from the public pages (``sara.casework.publication.withdraw``)."""
    pub.withdraw(ctx.engine, ctx.actor, ref, now=ctx.now)
    return publication(ctx, ref)
