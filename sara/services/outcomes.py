"""Outcomes and detection rates (``sara outcomes``, Explore's Outcomes tab, the scrutiny pack):
the last outcome of each crime, the outcome mix and the detection rate by crime type, area
(district, ward or LSOA, by name) or year, with the definition shown and, beside each rate, the
crimes still under investigation (``sara.scan.outcomes`` groups the outcomes and says why).

The last outcome of a crime is the latest row of the loaded police.uk ``-outcomes.csv`` files
for its Crime ID where there is one, else its street row's ``Last outcome category`` (or a
force export's mapped ``outcome``). With an operation named, its arrests by outcome code
(``sara.casework.patrols.arrests``, the Operation Jemlock table) come beside the rates: the
Op Orion kind of count ("119 charges, 20 out-of-court disposals") next to the crimes'.

Counts of public police.uk rows are no one's personal data: nobody need be signed in; the
operation's arrests are read as the signed-in actor may read them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import and_, select

from sara.errors import Forbidden, Invalid
from sara.report.pack import Chart, Section, Table
from sara.scan import outcomes as scan
from sara.services import Context
from sara.services.explore import month as checked_month
from sara.services.kept import kept

BY = {"crime_type": "Crime type", "area": "District", "district": "District", "ward": "Ward", "lsoa": "LSOA", "year": "Year"}
ASB = "Anti-social behaviour"
NOT_PLACED = "(not in a loaded area)"
SOURCE = "Home Office, Crime outcomes in England and Wales: Technical Annex (outcome types 1-22); data.police.uk outcome categories"


def definition() -> dict:
    """The detection rate's definition, in words and as the groups it counts."""
    return {
        "detection_rate": "crimes whose last outcome is a charge or summons, a caution, a community resolution or another out-of-court disposal "
                          "(penalty notice, cannabis or drugs possession warning), divided by all the crimes counted, those still under investigation included",
        "detection_rate_closed": "the same crimes divided by the crimes with a final outcome (detected or not detected): those under investigation "
                                 "and those whose status is not known are left out",
        "detected": list(scan.DETECTED), "final": list(scan.FINAL),
        "groups": [{"group": g, "label": label, "detected": g in scan.DETECTED} for g, label in scan.GROUPS],
        "outcomes": sorted(({"outcome": text, "group": g} for text, g in scan.POLICE_UK.items()), key=lambda r: (r["group"], r["outcome"])),
        "home_office_types": {str(n): g for n, g in sorted(scan.HOME_OFFICE.items())},
        "last_outcome": "the latest row of the loaded police.uk -outcomes.csv files for the crime's ID (by month), else the crime record's own outcome "
                        "(police.uk's Last outcome category, or a force export's outcome)",
        "counted": "every crime row (police.uk counts each row; the same Crime ID can stand on two rows); anti-social behaviour is not crime and is left out",
        "source": SOURCE,
    }  # fmt: skip


def _categories(category) -> tuple[str, ...] | None:
    if category is None:
        return None
    values = (category,) if isinstance(category, str) else tuple(category)
    values = tuple(c for c in values if c and c.strip())
    return values or None


def _crimes(ctx: Context, start: str | None, end: str | None, area: dict | None, categories, source: str | None) -> tuple[pl.DataFrame, int]:
    """The crime rows chosen (id, source_id, source, source_ref, month, category, outcome), and the ASB rows left out."""
    from sara.store.schema.events import Event, EventArea, Source

    q = select(Event.id, Event.source_id, Source.name, Event.source_ref, Event.month, Event.category, Event.outcome, Event.asb_category).join(
        Source, Source.id == Event.source_id
    )
    if start:
        q = q.where(Event.month >= dt.date(int(start[:4]), int(start[5:7]), 1))
    if end:
        q = q.where(Event.month <= dt.date(int(end[:4]), int(end[5:7]), 1))
    if categories:
        q = q.where(Event.category.in_(categories))
    if source:
        q = q.where(Source.name == source)
    if area:
        q = q.join(EventArea, and_(EventArea.event_id == Event.id, EventArea.area_id == area["id"]))
    with ctx.engine.connect() as conn:
        rows = conn.execute(q).all()
    schema = {"id": pl.Int64, "source_id": pl.Int64, "source": pl.String, "source_ref": pl.String, "month": pl.Date, "category": pl.String,
              "outcome": pl.String, "asb_category": pl.String}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    asb = (pl.col("category") == ASB) | pl.col("asb_category").is_not_null()
    return frame.filter(~asb).drop("asb_category"), frame.filter(asb).height


def _history(ctx: Context, source_ids: list[int]) -> pl.DataFrame:
    from sara.store.schema.events import Outcome

    with ctx.engine.connect() as conn:
        rows = conn.execute(select(Outcome.id, Outcome.source_id, Outcome.crime_id, Outcome.month, Outcome.outcome_type).where(Outcome.source_id.in_(source_ids))).all()
    return pl.DataFrame(rows, schema={"id": pl.Int64, "source_id": pl.Int64, "crime_id": pl.String, "month": pl.Date, "outcome_type": pl.String}, orient="row")


def _area(ctx: Context, area: str | None) -> dict | None:
    if not area or not area.strip():
        return None
    from sara.report.select import find_area
    from sara.store.queries import NotFound

    try:
        found = find_area(ctx.engine, area.strip())
    except NotFound as exc:
        raise Invalid(str(exc), field="area", fix="name a loaded district, ward or LSOA by its name or code") from None
    return {k: found[k] for k in ("id", "kind", "code", "name")}


def _keyed(ctx: Context, frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """``frame`` with ``key``: the crime type, the year, or the name of the area it lies in."""
    from sara.store import queries

    if by == "crime_type":
        return frame.with_columns(key=pl.col("category"))
    if by == "year":
        return frame.with_columns(key=pl.col("month").dt.year().cast(pl.String))
    kind = "district" if by == "area" else by
    placed = queries.event_areas(ctx.engine, kind)
    if placed.height == 0:
        raise Invalid(f"no events are placed in {kind} areas", field="by", fix=f"load the {kind} boundaries first, or count by crime_type or year")
    names = queries.areas(ctx.engine, kind).select(pl.col("code").alias("area"), pl.col("name").fill_null(pl.col("code")).alias("key"))
    named = placed.join(names, on="area", how="left").unique("id", keep="first")
    return frame.join(named, on="id", how="left").with_columns(pl.col("key").fill_null(NOT_PLACED), pl.col("area").fill_null(""))


def _computed(ctx: Context, by: str, start, end, area: dict | None, categories, source) -> dict:
    frame, asb = _crimes(ctx, start, end, area, categories, source)
    police_uk = frame.filter(pl.col("source") == "police.uk")["source_id"].unique().to_list()
    history = _history(ctx, police_uk) if police_uk else _history(ctx, [])
    last = scan.last_outcomes(frame, history)
    last = scan.grouped(last)
    keyed = _keyed(ctx, last, by)
    rows = scan.by_key(keyed, "key")
    if "area" in keyed.columns:
        codes = dict(keyed.select("key", "area").unique("key").iter_rows())
        rows = [{"key": r["key"], "code": codes.get(r["key"]) or None} | {k: v for k, v in r.items() if k != "key"} for r in rows]
    total = scan.rates(dict(last.group_by("group").len().iter_rows()))
    from_file = last.filter(pl.col("outcome_from") == "outcomes file")
    changed = from_file.join(frame.select("id", street="outcome"), on="id").filter(pl.col("street").is_null() | (pl.col("street") != pl.col("outcome"))).height
    unrecognised = sorted(v for v in last.filter(pl.col("group") == "unrecognised")["outcome"].unique().to_list() if v)
    months = (str(frame["month"].min())[:7], str(frame["month"].max())[:7]) if frame.height else None
    return {
        "rows": rows, "total": total, "mix": scan.mix(keyed, "key"), "overall_mix": scan.mix(last.with_columns(key=pl.lit("all")), "key"),
        "asb": asb, "months": months, "sources": dict(frame.group_by("source").len().sort("source").iter_rows()),
        "outcomes_file": {"rows_loaded": history.height, "crimes_with_a_later_outcome": from_file.height, "crimes_whose_outcome_it_changed": changed},
        "unrecognised": unrecognised,
    }  # fmt: skip


def outcomes(ctx: Context, *, by: str = "crime_type", start: str | None = None, end: str | None = None, area: str | None = None, category=None,
             source: str | None = None, operation: str | None = None) -> dict:  # fmt: skip
    """The detection rate and the outcome mix of the crimes recorded in months ``start`` to
    ``end`` (YYYY-MM), in ``area`` (a name or code), of ``category`` (one or a list), by
    ``by`` (crime_type, area (= district), district, ward, lsoa, year): ``rows`` (one per
    value: crimes, each group's count, detected, detection_rate of all crimes, closed,
    detection_rate_closed, under_investigation, unknown), ``total``, ``mix`` (crimes per
    value per last outcome), the ``definition``, ``notes``; with ``operation``, its
    ``arrests`` by outcome code (``sara patrol arrests``)."""
    if by not in BY:
        raise Invalid(f"unknown grouping {by!r}", field="by", fix=f"choose {', '.join(BY)}")
    first, last = checked_month(start, "from"), checked_month(end, "to")
    if first and last and first > last:
        raise Invalid(f"the period starts ({first}) after it ends ({last})", field="to", fix="give a last month on or after the first")
    chosen = _area(ctx, area)
    categories = _categories(category)
    key = ("outcomes", by, first, last, chosen["id"] if chosen else None, categories, source)
    data = kept(ctx, key, lambda: _computed(ctx, by, first, last, chosen, categories, source))
    if data["total"]["crimes"] == 0:
        raise Invalid("no crimes match these filters" + (" (only anti-social behaviour, which has no outcome)" if data["asb"] else ""), field="category",
                      fix="widen them; `sara status` lists the sources, months and areas loaded")  # fmt: skip
    t = data["total"]
    notes = [summary(t, by)]
    if data["asb"]:
        notes.append(f"{data['asb']:,} anti-social behaviour incidents are not crimes and have no outcome: they are left out")
    of = data["outcomes_file"]
    if of["rows_loaded"]:
        notes.append(f"{of['crimes_with_a_later_outcome']:,} crimes take their last outcome from the {of['rows_loaded']:,} loaded outcomes-file rows "
                     f"({of['crimes_whose_outcome_it_changed']:,} of them differ from the street file's)")  # fmt: skip
    else:
        notes.append("no police.uk -outcomes.csv file is loaded: each crime's last outcome is its street row's Last outcome category")
    if len(data["sources"]) > 1:
        notes.append(f"the crimes come from {len(data['sources'])} sources ({', '.join(data['sources'])}): a crime in two of them is counted twice; "
                     "choose one with source")  # fmt: skip
    if data["unrecognised"]:
        shown = ", ".join(repr(u) for u in data["unrecognised"][:5])
        notes.append(f"{t['unrecognised']:,} crimes have an outcome that is neither a police.uk category nor a Home Office outcome type ({shown}"
                     f"{', ...' if len(data['unrecognised']) > 5 else ''}): they count among all crimes but not as detected or closed")  # fmt: skip
    if by == "year":
        notes.append("years are calendar years of the month the crime was recorded, not April-March years")
    result = {
        "by": by, "by_label": BY[by],
        "parameters": {"by": by, "from": first, "to": last, "area": chosen["code"] if chosen else None, "area_name": chosen["name"] if chosen else None,
                       "area_kind": chosen["kind"] if chosen else None, "categories": list(categories) if categories else None, "source": source,
                       "operation": operation, "months": list(data["months"]) if data["months"] else None},
        "definition": definition(), "total": t, "rows": data["rows"], "mix": data["mix"], "overall_mix": data["overall_mix"],
        "sources": data["sources"], "outcomes_file": of, "left_out": {"anti_social_behaviour": data["asb"]}, "notes": notes, "arrests": None,
    }  # fmt: skip
    if operation and operation.strip():
        result["arrests"] = arrests_beside(ctx, operation.strip(), first, last)
    return result


def summary(t: dict, by: str | None = None) -> str:
    """One sentence: the detection rate, of all crimes and of those closed, and what is still open."""
    rate = "no" if t["detection_rate"] is None else f"{100 * t['detection_rate']:.1f}%"
    closed = "" if t["detection_rate_closed"] is None else f", {100 * t['detection_rate_closed']:.1f}% of the {t['closed']:,} with a final outcome"
    return (f"{t['detected']:,} of {t['crimes']:,} crimes were detected ({rate} of all crimes{closed}); "
            f"{t['under_investigation']:,} are still under investigation and {t['unknown']:,} have no status")  # fmt: skip


def arrests_beside(ctx: Context, operation: str, start: str | None = None, end: str | None = None) -> dict:
    """The operation's arrests by outcome code and site (``sara patrol arrests``) on patrols
    starting in months ``start`` to ``end``, as the actor may read them."""
    import calendar

    from sara.casework import patrols

    if ctx.actor is None:
        raise Forbidden("an operation's arrests are read signed in: give --as USER")
    first = dt.date(int(start[:4]), int(start[5:7]), 1) if start else None
    last = dt.date(int(end[:4]), int(end[5:7]), calendar.monthrange(int(end[:4]), int(end[5:7]))[1]) if end else None
    return patrols.arrests(ctx.engine, ctx.actor, operation=operation, by="site", first=first, last=last)


def choices(ctx: Context) -> dict:
    """What the Explore tab's form offers: the groupings, and the operations the actor may read (none signed out)."""
    from sara.casework import patrols
    from sara.errors import SaraError

    ops: list[str] = []
    if ctx.actor is not None:
        try:
            ops = [o["name"] for o in patrols.list_operations(ctx.engine, ctx.actor)]
        except SaraError:
            ops = []
    return {"by": [(k, v) for k, v in BY.items() if k != "area"], "operations": ops}


# --- as tables: the Explore tab, its CSV and picture, the scrutiny pack -----------------------------

COLUMNS = ("key", "code", "crimes", "detected", "detection_rate", "detection_rate_closed", "under_investigation", "unknown",
           *(g for g, _ in scan.GROUPS if g not in ("under_investigation", "unknown")), "closed")  # fmt: skip


def table_of(result: dict) -> pl.DataFrame:
    """The rows as one table (``COLUMNS``; ``code`` for areas only), the total last."""
    columns = [c for c in COLUMNS if c != "code" or result["by"] not in ("crime_type", "year")]
    rows = [r for r in result["rows"]] + [{"key": "Total"} | result["total"]]
    overrides = {"code": pl.String, "detection_rate": pl.Float64, "detection_rate_closed": pl.Float64}
    return pl.DataFrame([{c: r.get(c) for c in columns} for r in rows], schema_overrides={k: v for k, v in overrides.items() if k in columns}).rename({"key": result["by"]})


def picture(result: dict):
    """Detection rates by the grouping, as bars (the 20 with most crimes)."""
    from sara.report import words
    from sara.report.pictures import Picture

    rows = [r for r in result["rows"] if r["crimes"]][:20]
    more = len(result["rows"]) - len(rows)
    p = result["parameters"]
    where = f" in {p['area_name']}" if p.get("area_name") else ""
    return Picture("bars", {
        "labels": [str(r["key"]) for r in rows],
        "series": {"% of all crimes": [None if r["detection_rate"] is None else 100 * r["detection_rate"] for r in rows],
                   "% of crimes with a final outcome": [None if r["detection_rate_closed"] is None else 100 * r["detection_rate_closed"] for r in rows]},
        "title": f"Detection rate by {BY[result['by']].lower()}{where}",
        "subtitle": words.sentence(summary(result["total"]), f"the {len(rows)} with most crimes; {more:,} more in the table" if more > 0 else "",
                                   "detected: charged or summonsed, cautioned, community resolution, other out-of-court disposal"),
        "xlabel": "% detected",
    })  # fmt: skip


def explore_view(ctx: Context, *, by: str = "crime_type", start: str | None = None, end: str | None = None, area: str | None = None, category=None,
                 operation: str | None = None, picture_too: bool = False):  # fmt: skip
    """Explore's Outcomes tab: a ``Scan`` whose table is ``table_of``, whose JSON (``data``) is
    ``outcomes`` itself (the CLI's ``--json``), and whose picture is ``picture``."""
    from sara.scan.result import ScanResult
    from sara.services.scan import Scan

    result = outcomes(ctx, by=by, start=start, end=end, area=area, category=category, operation=operation)
    params = dict(result["parameters"]) | {"summary": result["notes"][0]}
    return Scan(ScanResult(table_of(result), params, result["left_out"], result["notes"][1:]), None, picture(result) if picture_too else None, data=result)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def section(ctx: Context, *, start: str | None, end: str | None, area: str | None) -> Section:
    """The scrutiny pack's "Outcomes" section: the detection rate by crime type (with the
    crimes under investigation beside each) and the mix of last outcomes, the definition in words."""
    result = outcomes(ctx, by="crime_type", start=start, end=end, area=area)
    t = result["total"]
    columns = ("category", "crimes", "detected", "detection_rate_pct", "detection_rate_closed_pct", "under_investigation", "status_not_known")
    rows = tuple((r["key"], r["crimes"], r["detected"], _pct(r["detection_rate"]), _pct(r["detection_rate_closed"]), r["under_investigation"], r["unknown"])
                 for r in result["rows"]) + (("Total", t["crimes"], t["detected"], _pct(t["detection_rate"]), _pct(t["detection_rate_closed"]),
                                               t["under_investigation"], t["unknown"]),)  # fmt: skip
    by_type = Table("detection_by_type", "Detection rate by crime type", columns, rows, "; ".join(result["notes"][1:]),
                    Chart("barh", "category", ("detection_rate_pct",), "% of all crimes detected", leave_out=("Total",)))  # fmt: skip
    groups = tuple((label, t[g], _pct(t[g] / t["crimes"]) if t["crimes"] else None) for g, label in scan.GROUPS if t[g] or g != "unrecognised")
    mix_table = Table("outcome_groups", "Last outcomes by group", ("group", "crimes", "share_pct"), groups,
                      "Detected: the first four groups. " + result["definition"]["last_outcome"].capitalize() + ".",
                      Chart("barh", "group", ("crimes",), "crimes"))  # fmt: skip
    place = f" in {result['parameters']['area_name']}" if result["parameters"].get("area_name") else ""
    return Section("Outcomes", (
        f"How the crimes recorded{place} were dealt with: {summary(t)}.",
        f"Detection rate: {result['definition']['detection_rate']}; beside it, {result['definition']['detection_rate_closed']}. Source: {SOURCE}.",
    ), (by_type, mix_table))  # fmt: skip
