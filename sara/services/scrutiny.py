"""The performance-scrutiny pack: the tables a Police and Crime Commissioner's scrutiny
meeting reads on neighbourhood crime and anti-social behaviour, from the data loaded.

Its tables are those of the Derbyshire PCC's report to the performance scrutiny meeting of
17 May 2022 (Priority 2: neighbourhood crime and ASB): ASB incidents by type for each
April-March year and the latest 12 months (5.4), ASB excluding covid-related reports, latest
12 months against the previous 12 (5.13), the comparison with other forces (5.18-5.19),
drug possession and trafficking (6.1), and when incidents happen (the Op Dexter case study's
days and hours); with crime by police.uk category and by district beside them. The casework
sections (powers, case reviews, problems, patrols, repeat victims, system use) come from
``sara.services.scrutiny_casework``.

``pack(ctx, start=, end=, area=, baseline=)`` returns a ``sara.report.pack.Pack``; every
table's ``note`` says what it left out (events in no loaded area, months missing from the
period, data a source does not carry). The same data give the same tables: nothing in them
depends on the clock (the pack's ``made_at`` is outside its JSON).

The tables counted from the events (and the months loaded, the area resolved, the provenance)
are kept in each worker while the events and areas loaded are unchanged (``sara.services.kept``):
they are the same for every reader, and reading a force's year of events is most of a pack's
time; a scrutiny meeting opens the pack, then its PDF, then another area and back. The casework
sections are counted afresh for every pack, for its reader: they change without a load, and a
partner practitioner counts only their organisation's casework.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import select

from sara.errors import Forbidden, Invalid, NotFound, Unauthenticated
from sara.report import words
from sara.report.pack import Chart, Pack, Section, Table
from sara.scan import periods
from sara.scan.periods import TOTAL
from sara.services import Context
from sara.services.kept import kept

ASB_TYPES = ("Environmental", "Nuisance", "Personal")
UNKNOWN = "Unknown"
ASB_NAMES = {"anti-social behaviour", "anti social behaviour", "antisocial behaviour", "asb"}
AREA_KINDS = ("district", "ward", "lsoa", "custom")  # custom: an area drawn and loaded with `load areas --kind custom`
POSSESSION, TRAFFICKING, UNSPLIT = "Possession", "Trafficking", "Drugs (not split)"
PROFILE_MONTHS = 6
# The report's own caveats on comparing forces (Derbyshire PCC performance scrutiny, 17 May 2022, 5.18 and 5.19).
FORCE_CAVEAT = (
    "As the Derbyshire scrutiny report says of the same comparison, the proportions for other forces \"show greater variance from "
    "the overall proportions, indicating that they may record or categorise certain reports in different ways\" (5.18), and "
    "\"the variations in the level of change to ASB incidents recorded by Forces indicates that Covid related reports have been "
    "dealt with differently by different Forces. This makes meaningful comparison very difficult\" (5.19)."
)
NO_TIMES = "police.uk publishes the month of each crime and ASB incident, never the day or time"


def pack(ctx: Context, *, start: str | None = None, end: str | None = None, area: str | None = None, baseline: str | None = None) -> Pack:
    """The scrutiny pack for months ``start``..``end`` (YYYY-MM, both included; default the
    latest 12 complete months loaded) in ``area`` (a district, ward or LSOA by code or name,
    or a force by name; default everything loaded), against the as many months before, and
    against the as many months from ``baseline`` when given. Any signed-in user may build
    it: its tables are aggregate counts, as police.uk publishes."""
    if ctx.actor is None:
        from sara.services.access import SIGN_IN

        raise Unauthenticated(SIGN_IN)
    if not getattr(ctx.actor, "active", True):
        raise Forbidden("the user is not active")
    loaded = kept(ctx, "scrutiny months loaded", lambda: _loaded_months(ctx))
    first, last, chosen = _period(ctx, loaded, start, end)
    base = _baseline(baseline, first, last)
    spec = str(area).strip() if area is not None and str(area).strip() else None
    where = kept(ctx, ("scrutiny area", spec), lambda: resolve_area(ctx, spec))
    events = kept(ctx, ("scrutiny events", first, last, base, tuple(where[k] for k in ("kind", "code", "name", "id", "force"))),
                  lambda: _of_events(ctx, where, first, last, loaded, base))  # fmt: skip
    parameters = {
        "from": periods.label(first), "to": periods.label(last), "months": events.n, "period_chosen": chosen,
        "previous": periods.span(*events.previous), "baseline": periods.span(*base) if base else None,
        "area": {k: where[k] for k in ("kind", "code", "name")} if where["name"] else None,
    }  # fmt: skip
    outcomes = kept(ctx, ("scrutiny outcomes", first, last, where["code"], where["force"]), lambda: _outcomes(ctx, first, last, where))
    sections = (*events.sections, outcomes, *_casework(ctx, first, last, where))
    return Pack("Neighbourhood crime and anti-social behaviour: performance scrutiny", events.subtitle, sections,
                parameters=parameters, provenance=copy.deepcopy(events.provenance), made_at=ctx.now)  # fmt: skip


@dataclass(frozen=True)
class _OfEvents:
    """The part of a pack counted from the events (the expensive part: reading a force's year
    of events): the same for every reader, so kept while the events and areas loaded are
    unchanged (``sara.services.kept``). The casework sections are not: they depend on the
    reader and on casework that changes without a load, so every pack counts them afresh."""

    sections: tuple[Section, ...]
    subtitle: str
    n: int
    previous: tuple[dt.date, dt.date]
    provenance: dict


def _of_events(ctx: Context, where: dict, first: dt.date, last: dt.date, loaded: frozenset[dt.date], base: tuple[dt.date, dt.date] | None) -> _OfEvents:
    data = _Data(ctx, where, first, last, loaded)
    sections = (
        Section("Anti-social behaviour", (f"ASB incidents in {data.place}: by type for each April-March year and the latest months, "
                                          "excluding covid-related reports, and against other forces.",),  # fmt: skip
                (asb_by_type(data), asb_excluding_covid(data), force_comparison(data))),
        Section("Crime", (f"Crime recorded in {data.place} by police.uk category and by district.",),
                tuple(t for t in (crime_by_type(data), crime_against_baseline(data, base) if base else None, crime_by_district(data)) if t)),
        Section("Drugs", ("Drug offences: possession and trafficking, where the source tells them apart.",), (drugs(data),)),
        Section("When", (f"When events happen: the latest {PROFILE_MONTHS} months against the {PROFILE_MONTHS} before.",), when_tables(data)),
    )
    period_words = f"{words.months(periods.label(first), periods.label(last))} against {words.months(*map(periods.label, data.previous))}"
    return _OfEvents(sections, f"{data.place}, {period_words}", data.n, data.previous, _provenance(ctx, loaded))


# --- the period, the area -----------------------------------------------------------------


def _loaded_months(ctx: Context) -> frozenset[dt.date]:
    from sara.store.schema import Event

    with ctx.engine.connect() as conn:
        return frozenset(_as_date(m) for (m,) in conn.execute(select(Event.month).distinct()).all())


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date().replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    return dt.date.fromisoformat(str(value)[:10]).replace(day=1)


def _period(ctx: Context, loaded: set[dt.date], start: str | None, end: str | None) -> tuple[dt.date, dt.date, str]:
    """The months asked for; by default the latest 12 complete months loaded (a month is
    complete once it has ended: the month of ``ctx.now`` is not)."""
    first = periods.parse_month(start, "from") if start else None
    last = periods.parse_month(end, "to") if end else None
    chosen = "given"
    if first is None and last is None:
        if not loaded:
            raise Invalid("no events are loaded, so there are no latest 12 months", field="from",
                          fix="load data first (sara load police-uk or sara load events), or give --from and --to")  # fmt: skip
        this_month = ctx.now.date().replace(day=1)
        complete = [m for m in loaded if m < this_month]
        last = max(complete) if complete else max(loaded)
        chosen = "latest 12 complete months loaded"
    if first is None:
        first = periods.shift(last, -11)
    if last is None:
        last = periods.shift(first, 11)
    if last < first:
        raise Invalid(f"the period ends ({periods.label(last)}) before it starts ({periods.label(first)})", field="to",
                      fix=f"give a month from {periods.label(first)} on, or an earlier --from")  # fmt: skip
    if periods.index(last) - periods.index(first) >= 120:
        raise Invalid(f"the period {periods.span(first, last)} is longer than 10 years", field="from", fix="give at most 120 months")
    return first, last, chosen


def _baseline(baseline: str | None, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date] | None:
    if not baseline:
        return None
    begin = periods.parse_month(baseline, "baseline")
    return begin, periods.shift(begin, periods.index(last) - periods.index(first))


def resolve_area(ctx: Context, spec: str | None) -> dict:
    """The area a pack covers: ``{"kind", "code", "name", "lsoa_codes"}``. A district, ward,
    LSOA or drawn (custom) area by its code or name (as ``sara.report.select.find_area`` resolves them), a force by
    name (police.uk's "Reported by" or "Falls within", or a mapped source's name: kind None),
    or None for everything loaded (kind, code, name and lsoa_codes None: the whole force)."""
    if spec is None or not str(spec).strip():
        return {"kind": None, "code": None, "name": None, "lsoa_codes": None, "id": None, "force": None}
    from sara.report.select import find_area

    spec = str(spec).strip()
    try:
        found = find_area(ctx.engine, spec)
    except NotFound as exc:
        force = _force_named(ctx, spec)
        if force:
            return {"kind": None, "code": None, "name": force, "lsoa_codes": None, "id": None, "force": force}
        if "is used by" in str(exc):
            raise Invalid(str(exc), field="area") from None
        raise Invalid(f"no loaded district, ward, LSOA or force is called {spec!r}", field="area",
                      fix="give one by its code or name (`sara status` lists the sources and area kinds loaded), or give no area for everything loaded") from None  # fmt: skip
    if found["kind"] not in AREA_KINDS:
        raise Invalid(f"{spec!r} is a {found['kind']} area", field="area", fix="name a district, ward, LSOA or drawn area")
    return {"kind": found["kind"], "code": found["code"], "name": found["name"] or found["code"], "lsoa_codes": _lsoas_in(ctx, found),
            "id": found["id"], "force": None}  # fmt: skip


def _force_named(ctx: Context, spec: str) -> str | None:
    from sqlalchemy import union

    from sara.store.schema import Event, Source

    with ctx.engine.connect() as conn:
        names = conn.execute(union(select(Event.reported_by).distinct(), select(Event.falls_within).distinct(),
                                   select(Source.name).where(Source.kind != "police.uk"))).scalars().all()  # fmt: skip
    return next((n for n in sorted(filter(None, names)) if n.casefold() == spec.casefold()), None)


def _lsoas_in(ctx: Context, found: dict) -> frozenset[str]:
    """The LSOAs of an area: itself; the loaded LSOAs whose inside point lies in a ward or
    district; with no LSOAs loaded, the LSOA codes of the events placed in it."""
    import shapely

    from sara.store import queries
    from sara.store.schema import Event, EventArea

    if found["kind"] == "lsoa":
        return frozenset({found["code"]})
    shapes = queries.area_shapes(ctx.engine, "lsoa")
    if shapes:
        codes = list(shapes)
        inside = shapely.point_on_surface(list(shapes.values()))
        return frozenset(c for c, hit in zip(codes, shapely.contains(found["geometry"], inside)) if hit)
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(Event.lsoa_code).distinct().join(EventArea, EventArea.event_id == Event.id)
                            .where(EventArea.area_id == found["id"], Event.lsoa_code.is_not(None))).scalars().all()  # fmt: skip
    return frozenset(rows)


def _outcomes(ctx: Context, first: dt.date, last: dt.date, where: dict) -> Section:
    """The detection rates and outcome mix of the period's crimes (``sara.services.outcomes``);
    a period or area with no crimes says so rather than leaving the pack unbuilt."""
    from sara.services import outcomes

    try:
        found = outcomes.section(ctx, start=periods.label(first), end=periods.label(last), area=where["code"])
    except Invalid as exc:
        return Section("Outcomes", (f"No detection rate: {exc}.",))
    if where["force"]:
        return Section(found.title, (*found.paragraphs, f"Outcomes are counted over every force loaded, not {where['force']} alone."), found.tables)
    return found


def _casework(ctx: Context, first: dt.date, last: dt.date, where: dict) -> tuple[Section, ...]:
    from sara.services import scrutiny_casework

    area = {k: where[k] for k in ("kind", "code", "name", "lsoa_codes")}
    return tuple(scrutiny_casework.sections(ctx, start=first, end=last, area=area))


# --- the events -------------------------------------------------------------------------


class _Data:
    """The events up to the period's end, read once: every table is counted from them."""

    def __init__(self, ctx: Context, where: dict, first: dt.date, last: dt.date, loaded: set[dt.date]) -> None:
        from sara.store.schema import Event, EventArea, Source

        self.ctx, self.where, self.first, self.last, self.loaded = ctx, where, first, last, loaded
        self.n = periods.index(last) - periods.index(first) + 1
        self.previous = periods.before(first, last)
        self.place = where["name"] or "all areas loaded"
        e, s = Event.__table__, Source.__table__
        query = (select(e.c.id, e.c.month, e.c.category, e.c.asb_category, e.c.covid, e.c.occurred_from, e.c.occurred_to, e.c.reported_by,
                        e.c.falls_within, s.c.name.label("source"), s.c.kind).join(s, s.c.id == e.c.source_id).where(e.c.month <= last))  # fmt: skip
        with ctx.engine.connect() as conn:
            rows = conn.execute(query).all()
            in_area = None
            if where["id"] is not None:
                in_area = set(conn.execute(select(EventArea.event_id).where(EventArea.area_id == where["id"])).scalars())
        schema = {"id": pl.Int64, "month": pl.Date, "category": pl.String, "asb_category": pl.String, "covid": pl.Boolean,
                  "occurred_from": pl.Datetime("us"), "occurred_to": pl.Datetime("us"), "reported_by": pl.String, "falls_within": pl.String,
                  "source": pl.String, "kind": pl.String}  # fmt: skip
        frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
        is_asb = pl.col("asb_category").is_not_null() | pl.col("category").str.to_lowercase().is_in(list(ASB_NAMES))
        frame = frame.with_columns(
            month=pl.col("month").dt.truncate("1mo"), asb=is_asb, covid=pl.col("covid").fill_null(False),
            type=pl.col("asb_category").fill_null(UNKNOWN), force=pl.coalesce("reported_by", "falls_within", "source"),
        )  # fmt: skip
        self.everywhere = frame
        if in_area is not None:
            frame = frame.filter(pl.col("id").is_in(list(in_area)))
        elif where["force"]:
            frame = frame.filter(pl.col("force") == where["force"])
        self.events = frame
        self._outside = self._outside_note()

    def within(self, first: dt.date, last: dt.date, frame: pl.DataFrame | None = None) -> pl.DataFrame:
        frame = self.events if frame is None else frame
        return frame.filter(pl.col("month").is_between(first, last))

    def counts(self, frame: pl.DataFrame, key: str, first: dt.date, last: dt.date) -> dict[str, int] | None:
        """Events by ``key`` in ``first``..``last``; None when no month of it is loaded."""
        if not periods.months(first, last) or not any(m in self.loaded for m in periods.months(first, last)):
            return None
        return {k if k is not None else "(none)": n for k, n in self.within(first, last, frame).group_by(key).len().iter_rows()}

    def coverage(self, first: dt.date, last: dt.date, what: str) -> str:
        """What is missing from a period: no data at all, or the months missing inside it."""
        gone = periods.missing(first, last, self.loaded)
        if len(gone) == len(periods.months(first, last)):
            return f"No data is loaded for the {what} ({words.months(periods.label(first), periods.label(last))}): it is empty, not zero."
        if gone:
            return f"The {what} lacks {len(gone)} month{'s' if len(gone) > 1 else ''} of data ({words.listed(words.month(m) for m in gone)}): its counts are short."
        return ""

    def periods_note(self) -> str:
        return " ".join(t for t in (self.coverage(self.first, self.last, "period"), self.coverage(*self.previous, "previous period"), self._outside) if t)

    def _outside_note(self) -> str:
        """Events of the period the chosen area cannot hold: in no loaded area of its kind."""
        kind = self.where["kind"]
        if kind is None:
            return ""
        from sara.store import queries

        placed = set(queries.event_areas(self.ctx.engine, kind)["id"].to_list())
        span = self.within(self.previous[0], self.last, self.everywhere)
        unplaced = span.filter(~pl.col("id").is_in(list(placed))).height
        if not unplaced:
            return ""
        return (f"{unplaced:,} events of these months lie in no loaded {words.KINDS[kind]} (no coordinates and no LSOA code, or outside "
                f"the boundaries), so they cannot be counted in {self.place}.")  # fmt: skip

    def label(self) -> str:
        return f"{self.n} months to {words.month(self.last)}"


def _compare_table(name: str, title: str, rows: list[tuple], note: str, chart: Chart | None = None) -> Table:
    return Table(name, title, ("category", "current", "previous", "change", "change_pct"), tuple(rows), note.strip(), chart)


def _pct_note(rows: list[tuple]) -> str:
    zero = [r[0] for r in rows if r[2] == 0]
    return f"% change is empty where the previous period had none: {words.listed(zero)}." if zero else ""


# --- anti-social behaviour --------------------------------------------------------------


def _asb_order(*counts: dict | None) -> list[str]:
    unknown = any(c and c.get(UNKNOWN) for c in counts)
    return [*ASB_TYPES, *([UNKNOWN] if unknown else [])]


def _unknown_note(frame: pl.DataFrame) -> str:
    asb = frame.filter(pl.col("asb") & (pl.col("type") == UNKNOWN))
    if asb.height == 0:
        return ""
    from_policeuk = asb.filter(pl.col("kind") == "police.uk").height
    parts = []
    if from_policeuk:
        parts.append(f"police.uk publishes ASB incidents without their type (personal, nuisance or environmental), so its {from_policeuk:,} are counted as Unknown")
    if asb.height - from_policeuk:
        parts.append(f"{asb.height - from_policeuk:,} ASB incidents of other sources carry no type and are counted as Unknown")
    return "; ".join(parts) + "."


def asb_by_type(data: _Data) -> Table:
    """ASB incidents by type for each April-March year loaded (partial years marked) and the
    latest months of the period (the report's 5.4 table)."""
    asb = data.events.filter(pl.col("asb"))
    years = periods.years(m for m in data.loaded if m <= data.last)
    columns, counts, notes = [], [], []
    for year in years:
        months = [m for m in periods.year_months(year) if m <= data.last]
        have = [m for m in months if m in data.loaded]
        label = periods.year_label(year)
        if len(have) < 12:
            label += f" (partial: {len(have)} of 12 months)"
            notes.append(f"{periods.year_label(year)} has {words.listed(words.months(periods.label(a), periods.label(b)) for a, b in _runs(have))} only")
        columns.append(label)
        counts.append({k: n for k, n in asb.filter(pl.col("month").is_in(have)).group_by("type").len().iter_rows()})
    columns.append(data.label())
    counts.append(data.counts(asb, "type", data.first, data.last))
    order = _asb_order(*counts)
    rows = []
    for category in [*order, TOTAL]:
        rows.append((category, *[None if c is None else (sum(c.values()) if category == TOTAL else c.get(category, 0)) for c in counts]))
    note = " ".join(filter(None, [_unknown_note(data.within(years and dt.date(years[0], 4, 1) or data.first, data.last, asb)),
                                  "; ".join(notes) + "." if notes else "", data.coverage(data.first, data.last, "period"), data._outside]))  # fmt: skip
    if not years:
        note = (note + " No April-March year has data loaded.").strip()
    return Table("asb_by_type", "ASB incidents by type", ("category", *columns), tuple(rows), note,
                 Chart("bar", "category", tuple(columns), "incidents", leave_out=(TOTAL,)))  # fmt: skip


def _runs(months: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[list[dt.date]] = []
    for m in sorted(months):
        if runs and periods.index(m) == periods.index(runs[-1][-1]) + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return [(r[0], r[-1]) for r in runs]


def asb_excluding_covid(data: _Data) -> Table:
    """ASB incidents by type excluding covid-related reports, the period against the one
    before, with change and % change (the report's 5.13 table)."""
    asb = data.events.filter(pl.col("asb"))
    kept = asb.filter(~pl.col("covid"))
    cur, prev = data.counts(kept, "type", data.first, data.last), data.counts(kept, "type", *data.previous)
    rows = periods.compare(cur or {}, prev, _asb_order(cur, prev), current_missing=cur is None)
    flagged = data.within(data.previous[0], data.last, asb).filter(pl.col("covid"))
    excluded = {label: flagged.filter(pl.col("month").is_between(a, b)).height for label, (a, b) in (("period", (data.first, data.last)), ("previous period", data.previous))}
    if sum(excluded.values()):
        covid = "Covid-related reports left out: " + ", ".join(f"{n:,} in the {label}" for label, n in excluded.items()) + "."
    elif data.within(data.previous[0], data.last, asb).filter(pl.col("kind") == "police.uk").height:
        covid = "police.uk carries no covid flag, so no police.uk incident is left out."
    else:
        covid = "No incident of these months is flagged covid-related."
    note = " ".join(filter(None, [covid, _unknown_note(data.within(data.previous[0], data.last, asb)), _pct_note(rows), data.periods_note()]))
    return _compare_table("asb_excluding_covid", f"ASB incidents excluding covid-related reports, {data.label()} against the {data.n} before", rows,
                          note, Chart("barh", "category", ("previous", "current"), "incidents", leave_out=(TOTAL,)))  # fmt: skip


def force_comparison(data: _Data) -> Table:
    """Each force's share of ASB by type in the period, and its change on the period before
    (the report's 5.18 and 5.19 tables): forces are police.uk's "Reported by" (else "Falls
    within"), or the source of a force or partner export. Counted over each force's whole
    data, whatever the area chosen."""
    asb = data.everywhere.filter(pl.col("asb"))
    cur_all, prev_all = data.within(data.first, data.last, asb), data.within(*data.previous, asb)
    forces = sorted(set(cur_all["force"].to_list()) | set(prev_all["force"].to_list()))
    has_prev = any(m in data.loaded for m in periods.months(*data.previous))
    shares = [t.lower() + "_pct" for t in (*ASB_TYPES, UNKNOWN)]
    columns = ("force", "current", *shares, "previous", "change", "change_pct")
    rows = []
    groups = [(f, pl.col("force") == f) for f in forces] + ([("All forces", pl.lit(True))] if len(forces) > 1 else [])
    for name, which in groups:
        cur, prev = cur_all.filter(which), prev_all.filter(which)
        by_type = dict(cur.group_by("type").len().iter_rows())
        p = prev.height if has_prev else None
        rows.append((name, cur.height, *periods.share(by_type, (*ASB_TYPES, UNKNOWN)), p, *periods.change(cur.height, p)))
    if len(forces) > 1:
        who = f"{len(forces)} forces are loaded: {words.listed(forces)}."
    elif forces:
        who = f"Only one force is loaded ({forces[0]}): there is no other force to compare it with; load other forces' data to compare."
    else:
        who = "No ASB incident of any force is loaded for these months."
    area = f" Each force is counted over all its data, not only {data.place}." if data.where["name"] else ""
    note = " ".join(filter(None, [who + area, FORCE_CAVEAT, _unknown_note(cur_all), data.coverage(data.first, data.last, "period"),
                                  data.coverage(*data.previous, "previous period")]))  # fmt: skip
    return Table("force_comparison", f"ASB incidents by force: share by type, {data.label()}, and change on the {data.n} before", columns,
                 tuple(rows), note, Chart("barh", "force", tuple(shares), "% of ASB incidents"))  # fmt: skip


# --- crime ------------------------------------------------------------------------------


def crime_by_type(data: _Data) -> Table:
    """Crime by police.uk category (every category but ASB), the period against the one before."""
    crime = data.events.filter(~pl.col("asb"))
    cur, prev = data.counts(crime, "category", data.first, data.last), data.counts(crime, "category", *data.previous)
    rows = periods.compare(cur or {}, prev, current_missing=cur is None)
    note = " ".join(filter(None, [_pct_note(rows), data.periods_note()]))
    return _compare_table("crime_by_type", f"Crime by type, {data.label()} against the {data.n} before", rows, note,
                          Chart("barh", "category", ("previous", "current"), "crimes", leave_out=(TOTAL,)))  # fmt: skip


def crime_against_baseline(data: _Data, base: tuple[dt.date, dt.date]) -> Table:
    """Crime by category in the period against a baseline of as many months (pre-covid, say)."""
    crime = data.events.filter(~pl.col("asb"))
    cur, old = data.counts(crime, "category", data.first, data.last), data.counts(crime, "category", *base)
    rows = periods.compare(cur or {}, old, current_missing=cur is None)
    note = " ".join(filter(None, [_pct_note(rows).replace("previous period", "baseline"), data.coverage(data.first, data.last, "period"),
                                  data.coverage(*base, "baseline"), data._outside]))  # fmt: skip
    return Table("crime_against_baseline", f"Crime by type, {data.label()} against the baseline {words.months(*map(periods.label, base))}",
                 ("category", "current", "baseline", "change", "change_pct"), tuple(rows), note, Chart("barh", "category", ("baseline", "current"), "crimes", leave_out=(TOTAL,)))  # fmt: skip


def crime_by_district(data: _Data) -> Table:
    """Crime by district, the period against the one before, with rates per 1,000 residents
    where the district's population is loaded."""
    from sara.store import queries

    columns = ("district", "name", "population", "current", "previous", "change", "change_pct", "current_per_1000", "previous_per_1000")
    title = f"Crime by district, {data.label()} against the {data.n} before"
    districts = queries.areas(data.ctx.engine, "district")
    if districts.height == 0:
        return Table("crime_by_district", title, columns, (), "No district boundaries are loaded: load them with `sara load areas FILE --kind district`.")
    crime = data.events.filter(~pl.col("asb")).join(queries.event_areas(data.ctx.engine, "district"), on="id", how="left")
    cur, prev = data.counts(crime, "area", data.first, data.last), data.counts(crime, "area", *data.previous)
    rows, unrated = [], []
    for code, name, population, _ in districts.iter_rows():
        c = None if cur is None else cur.get(code, 0)
        p = None if prev is None else prev.get(code, 0)
        if data.where["name"] and not (c or p):
            continue
        if not population:
            unrated.append(name or code)
        rows.append((code, name, population, c, p, *periods.change(c, p), periods.per_1000(c, population), periods.per_1000(p, population)))
    notes = []
    if unrated:
        notes.append(f"No population is loaded for {words.listed(unrated) if len(unrated) <= 10 else f'{len(unrated)} districts'}: no rate for "
                     f"{'them' if len(unrated) > 1 else 'it'} (load one with `sara load areas FILE --kind district --population CSV`).")  # fmt: skip
    nowhere = (cur or {}).get("(none)", 0) + (prev or {}).get("(none)", 0)
    if nowhere:
        notes.append(f"{nowhere:,} crimes of these months lie in no loaded district (no coordinates and no LSOA code, or outside the boundaries): not in any row.")
    if data.where["name"]:
        notes.append(f"Only the districts with crimes in {data.place} are shown.")
    note = " ".join(filter(None, [*notes, data.periods_note()]))
    return Table("crime_by_district", title, columns, tuple(rows), note, Chart("barh", "name", ("previous", "current"), "crimes", leave_out=(TOTAL,)))


# --- drugs ------------------------------------------------------------------------------


def _drug_kind(category: str | None) -> str | None:
    c = (category or "").casefold()
    if c == "drugs":
        return UNSPLIT
    if "drug" not in c:
        return None
    if "possess" in c:
        return POSSESSION
    if "traffick" in c or "supply" in c or "supplying" in c or "produc" in c:
        return TRAFFICKING
    return UNSPLIT


def drugs(data: _Data) -> Table:
    """Drug offences split into possession and trafficking (the report's 6.1 table) where the
    source's categories say which ("Possession of drugs", "Trafficking of drugs"); police.uk
    has one category, "Drugs", which cannot be split."""
    frame = data.events.filter(~pl.col("asb")).with_columns(pl.col("category").map_elements(_drug_kind, return_dtype=pl.String).alias("drug"))
    frame = frame.filter(pl.col("drug").is_not_null())
    cur, prev = data.counts(frame, "drug", data.first, data.last), data.counts(frame, "drug", *data.previous)
    unsplit = bool((cur or {}).get(UNSPLIT) or (prev or {}).get(UNSPLIT))
    rows = periods.compare(cur or {}, prev, [POSSESSION, TRAFFICKING, *([UNSPLIT] if unsplit else [])], current_missing=cur is None)
    notes = []
    categories = sorted(set(data.within(data.previous[0], data.last, frame).filter(pl.col("drug") == UNSPLIT)["category"].to_list()))
    if unsplit:
        policeuk = "police.uk publishes drug offences as one category, Drugs, so it cannot split possession from trafficking"
        notes.append((policeuk if categories == ["Drugs"] else f"{words.listed(categories)} cannot be split into possession and trafficking")
                     + f": counted as {UNSPLIT}.")  # fmt: skip
    if not frame.height:
        notes.append("No drug offence is loaded for these months.")
    note = " ".join(filter(None, [*notes, _pct_note(rows), data.periods_note()]))
    return _compare_table("drugs", f"Drug offences, {data.label()} against the {data.n} before", rows, note,
                          Chart("bar", "category", ("previous", "current"), "offences", leave_out=(TOTAL,)))  # fmt: skip


# --- when -------------------------------------------------------------------------------


def when_tables(data: _Data) -> tuple[Table, Table]:
    """Events by hour of day and by day of week, the latest 6 months of the period against the
    6 before; aoristic where times are windows (``sara.scan.temporal.day_hour``). Month-only
    data (police.uk) have no day or time: the tables are empty and say so."""
    from sara.scan import temporal
    from sara.scan.result import ScanError

    latest = (periods.shift(data.last, 1 - PROFILE_MONTHS), data.last)
    earlier = periods.before(*latest)
    spans = {"latest_6": latest, "previous_6": earlier}
    cells, notes = {}, []
    for key, (a, b) in spans.items():
        frame = data.within(a, b)
        what = f"{'latest' if key == 'latest_6' else 'previous'} {PROFILE_MONTHS} months ({words.months(periods.label(a), periods.label(b))})"
        if frame.height == 0:
            loaded = any(m in data.loaded for m in periods.months(a, b))
            notes.append(f"The {what}: {'no events' if loaded else 'no data is loaded'}.")
            continue
        try:
            result = temporal.day_hour(frame.select("occurred_from", "occurred_to"), what="events")
        except ScanError as exc:
            why = NO_TIMES if frame.filter(pl.col("occurred_from").is_not_null()).height == 0 else str(exc)
            notes.append(f"The {what}: unavailable, {why}.")
            continue
        cells[key] = temporal.cells_of(result)
        notes.append(f"The {what}: " + "; ".join(result.notes))
        gone = periods.missing(a, b, data.loaded)
        if gone:
            notes.append(f"It lacks {words.listed(words.month(m) for m in gone)}.")
    outside = [data._outside] if data._outside else []
    hours = temporal.HOURS
    if not cells:
        note = " ".join(["By hour of day and day of week is unavailable:", *notes, *outside])
        return (Table("hour_of_day", "Events by hour of day", ("hour", *spans), (), note),
                Table("day_of_week", "Events by day of week", ("day", *spans), (), note))  # fmt: skip

    def column(key, axis):
        return [round(float(v), 2) for v in cells[key].sum(axis=axis)] if key in cells else [None] * (24 if axis == 0 else 7)

    by_hour = tuple(zip(hours, *(column(k, 0) for k in spans)))
    by_day = tuple(zip(temporal.DAYS, *(column(k, 1) for k in spans)))
    note = " ".join([*notes, "Aoristic weights: an event known only within a window is shared over the hours it spans (Ratcliffe 2002).", *outside])
    return (Table("hour_of_day", f"Events by hour of day, latest {PROFILE_MONTHS} months against the {PROFILE_MONTHS} before", ("hour", *spans), by_hour,
                  note, Chart("line", "hour", tuple(spans), "events")),
            Table("day_of_week", f"Events by day of week, latest {PROFILE_MONTHS} months against the {PROFILE_MONTHS} before", ("day", *spans), by_day,
                  note, Chart("bar", "day", tuple(spans), "events")))  # fmt: skip


# --- provenance -------------------------------------------------------------------------


def _provenance(ctx: Context, loaded: set[dt.date]) -> dict:
    """The sources (name, kind, forces), the months loaded, and every file loaded with when."""
    from sara.store.schema import Event, Load, Source

    with ctx.engine.connect() as conn:
        forces = conn.execute(select(Source.name, Source.kind, Event.reported_by).join(Event, Event.source_id == Source.id, isouter=True)
                              .distinct()).all()  # fmt: skip
        loads = conn.execute(select(Load.name, Load.kind, Load.loaded_at, Load.rows_read, Load.inserted, Load.updated, Load.quarantined)
                             .order_by(Load.loaded_at, Load.id)).all()  # fmt: skip
    sources: dict[str, dict] = {}
    for name, kind, force in forces:
        entry = sources.setdefault(name, {"name": name, "kind": kind, "forces": set()})
        entry["forces"].add(force if force else name if kind != "police.uk" else None)
    return {
        "sources": [{**s, "forces": sorted(f for f in s["forces"] if f)} for s in sorted(sources.values(), key=lambda s: s["name"])],
        "months_loaded": [periods.label(m) for m in sorted(loaded)],
        "loads": [{"file": n, "kind": k, "loaded_at": _iso(at), "rows_read": r, "inserted": i, "updated": u, "quarantined": q}
                  for n, k, at, r, i, u, q in loads],  # fmt: skip
    }


def _iso(value) -> str:
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else str(value)
