"""The Clear-Hold-Build ranking (``sara report chb``, ``/reports/chb``): where an operation's
areas stand among all the force's areas of their kind by the harm of the crimes associated
with organised crime, every six months from a baseline, with the sites' phase changes.

College of Policing shared practice, "Clear, hold, build" (2023), West Yorkshire and
Merseyside: "A baseline was measured using the crime severity scores for a number of crimes
that are often associated with organised crime. These included: drug trafficking, serious
violence, organised acquisitive crime, robbery. These were measured every six months. The
BD3 area moved from highest to third highest, then outside of the top three, then eighth
position." The same here, with police.uk categories for those crimes (``CHB_CATEGORIES``):

* drug trafficking: ``Drugs`` (police.uk does not separate supply from possession);
* serious violence: ``Violence and sexual offences`` and ``Possession of weapons``;
* organised acquisitive crime: ``Burglary``, ``Vehicle crime`` and ``Theft from the person``;
* robbery: ``Robbery``.

Harm is the events' Cambridge Crime Harm Index days (``sara.scan.harm``: the force's weights,
the force named by the events' "Falls within", else national), or your own weights file;
the categories are a parameter too. Which areas: each site that is an area code is that area;
a site that is a point is the LSOA holding it (the ward where no LSOAs are loaded), or is left
out, saying so. Each area is ranked among every loaded area of its kind
(``sara.scan.ranking``: 1 = most harmful, ties share the best rank), in consecutive periods
of ``period_months`` from the baseline (default the first complete six months loaded); a
period is complete when every one of its months has events loaded, and only complete periods
are ranked. Reading the report follows the operation's own rule
(``sara.casework.patrols``: whoever may read the operation); harm counts are aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
import polars as pl
from sqlalchemy import func, select

from sara import geo
from sara.access.permissions import PermissionDenied
from sara.casework import patrols
from sara.errors import Invalid, NotFound
from sara.report import words
from sara.report.pack import Chart, Pack, Section, Table
from sara.scan import harm as scan_harm
from sara.scan import ranking as rank_
from sara.services import Context
from sara.store import queries
from sara.store.schema import Area, Event, Load, Source

CHB_CATEGORIES = ("Drugs", "Violence and sexual offences", "Possession of weapons", "Burglary", "Vehicle crime", "Theft from the person", "Robbery")
POINT_KINDS = ("lsoa", "ward")  # a point site is ranked as the finest of these that is loaded
KIND_ORDER = ("lsoa", "ward", "district", "custom")
PERIOD_MONTHS = 6
RTM_TOP = 3
PEER_TOP = 10
SHOWN_TOP = 10
MARKED_PHASES = ("clear", "hold", "build", "sustain", "exit")


def _month(text: str, field: str) -> dt.date:
    try:
        year, month = (int(p) for p in str(text).strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise Invalid(f"{field} {text!r} is not a month", field=field, fix="give it as YYYY-MM, e.g. 2025-01") from None


def _add_months(d: dt.date, n: int) -> dt.date:
    k = d.year * 12 + d.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def periods_from(loaded: list[dt.date], months: int, baseline: dt.date | None) -> tuple[list[tuple[dt.date, dt.date]], list[str]]:
    """Consecutive periods of ``months`` (first and last month) from ``baseline`` (default the
    first month starting a complete period), keeping the complete ones; and notes on the rest."""
    have = set(loaded)

    def complete(start: dt.date) -> bool:
        return all(_add_months(start, k) in have for k in range(months))

    if baseline is None:
        baseline = next((m for m in sorted(have) if complete(m)), None)
        if baseline is None:
            raise Invalid(f"no {months} consecutive months are loaded (loaded: {words.months(str(min(have)), str(max(have)))} with gaps)"
                          if have else "no events are loaded", field="baseline", fix="load more months, or give a shorter period")  # fmt: skip
    elif not complete(baseline):
        missing = [words.month(_add_months(baseline, k)) for k in range(months) if _add_months(baseline, k) not in have]
        span = words.months(str(min(have)), str(max(have))) if have else "none"
        raise Invalid(f"the baseline {baseline:%Y-%m} has no data for {words.listed(missing)} (months loaded: {span})", field="baseline",
                      fix="give a baseline month whose six months are all loaded, or leave it out for the first complete six months")  # fmt: skip
    out, notes, start = [], [], baseline
    last = max(have)
    while start <= last:
        end = _add_months(start, months - 1)
        if complete(start):
            out.append((start, end))
        else:
            n = sum(_add_months(start, k) in have for k in range(months))
            notes.append(f"{words.months(str(start), str(end))}: only {n} of its {months} months are loaded, so it is not ranked")
        start = _add_months(start, months)
    before = sorted(m for m in have if m < baseline)
    if before:
        notes.append(f"{len(before)} months loaded before the baseline ({words.months(str(before[0]), str(before[-1]))}) are not used")
    return out, notes


def label(first: dt.date, last: dt.date) -> str:
    return words.months(str(first), str(last))


def _read_operation(ctx: Context, name: str) -> dict:
    """The operation, as ``show_operation`` gives it; NotFound alike for one that does not
    exist and one the reader may not read."""
    try:
        return patrols.show_operation(ctx.engine, ctx.actor, name)
    except (NotFound, PermissionDenied):
        raise NotFound(f"no operation called {name!r}: check its name against the list of operations (sara operation list)") from None


def _areas_of(conn, codes: list[str]) -> dict[str, list[dict]]:
    rows = conn.execute(select(Area.code, Area.kind, Area.name).where(Area.code.in_(codes))).mappings().all() if codes else []
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["code"]].append(dict(r))
    return out


def _site_areas(ctx: Context, sites: list[dict]) -> tuple[list[dict], list[str]]:
    """Each site's area (kind, code, name, how found), and notes on sites left out."""
    notes, out = [], []
    with ctx.engine.connect() as conn:
        by_code = _areas_of(conn, [s["area_code"] for s in sites if s["area_code"]])
        kinds = {k for (k,) in conn.execute(select(Area.kind).distinct())}
    for s in sites:
        if s["area_code"]:
            found = sorted(by_code.get(s["area_code"], []), key=lambda a: KIND_ORDER.index(a["kind"]) if a["kind"] in KIND_ORDER else 9)
            if not found:
                notes.append(f"site {s['name']}: its area {s['area_code']} is no longer loaded, so it is left out")
                continue
            a = found[0]
            out.append({"site": s["name"], "kind": a["kind"], "code": a["code"], "name": a["name"] or a["code"], "how": "area"})
    points = [s for s in sites if not s["area_code"]]
    if points:
        kind = next((k for k in POINT_KINDS if k in kinds), None)
        if kind is None:
            notes.append(f"{len(points)} sites are points and no LSOA or ward boundaries are loaded to place them: left out")
            return out, notes
        shapes = queries.area_shapes(ctx.engine, kind)
        codes = list(shapes)
        lon = np.array([s["lon"] for s in points], dtype=float)
        lat = np.array([s["lat"] for s in points], dtype=float)
        pts, polys = geo.locate(lon, lat, np.array([shapes[c] for c in codes]))
        where = dict(zip(pts.tolist(), polys.tolist()))
        names = dict(queries.areas(ctx.engine, kind).select("code", "name").iter_rows())
        for i, s in enumerate(points):
            if i not in where:
                notes.append(f"site {s['name']} is a point ({patrols.where_text(s)}) outside every loaded {words.KINDS[kind]}: left out")
                continue
            code = codes[where[i]]
            out.append({"site": s["name"], "kind": kind, "code": code, "name": names.get(code) or code, "how": "point"})
        placed = [a for a in out if a["how"] == "point"]
        if placed:
            notes.append(f"{len(placed)} point sites are ranked as the {words.KINDS[kind]} holding each centre: "
                         + "; ".join(f"{a['site']} in {a['name']} ({a['code']})" for a in placed))  # fmt: skip
    return out, notes


def _force(conn) -> str | None:
    rows = conn.execute(select(Event.falls_within, func.count()).where(Event.falls_within.is_not(None)).group_by(Event.falls_within)).all()
    return max(rows, key=lambda r: r[1])[0] if rows else None


def _weights(conn, weights: str | None, force: str | None) -> tuple[pl.DataFrame, str, str | None]:
    if weights:
        table = scan_harm.harm_weights(path=weights)
        return table, f"your weights file ({weights})", None
    if force:
        return scan_harm.harm_weights(force=force), f"Cambridge Crime Harm Index weights of {force}", force
    found = _force(conn)
    if found:
        try:
            return scan_harm.harm_weights(force=found), f"Cambridge Crime Harm Index weights of {found}", found
        except Invalid:
            pass
    return scan_harm.harm_weights(), "Cambridge Crime Harm Index national weights (no force named by the events)", None


def _phase_marks(sites: list[dict], spans: list[tuple[dt.date, dt.date]]) -> tuple[list[tuple], tuple[tuple[str, str], ...], list[str]]:
    """The phase changes (site, from, to, on, period), the chart's marks (one per period with
    changes), and notes on changes outside the ranked periods."""
    rows, by_period, outside = [], defaultdict(list), []
    for s in sites:
        for h in s["history"]:
            if h["to"] not in MARKED_PHASES:
                continue
            on = dt.date.fromisoformat(h["on"])
            month = on.replace(day=1)
            where = next((label(a, b) for a, b in spans if a <= month <= b), None)
            rows.append((s["name"], h["from"], h["to"], h["on"], where or "outside the ranked periods"))
            if where:
                by_period[where].append((h["to"], on, s["name"]))
            else:
                outside.append(f"{s['name']} to {h['to']} on {on.isoformat()}")
    marks = []
    for a, b in spans:
        got = by_period.get(label(a, b))
        if got:
            changes = Counter((to, on) for to, on, _ in got)
            marks.append((label(a, b), "; ".join(f"{to} {on:%d %b}" + (f" ({n} sites)" if n > 1 else "") for (to, on), n in sorted(changes.items(),
                                                                                                                             key=lambda x: x[0][1]))))  # fmt: skip
    notes = [f"phase changes outside the ranked periods, not marked: {'; '.join(outside)}"] if outside else []
    return rows, tuple(marks), notes


def _provenance(conn) -> dict:
    sources = [r[0] for r in conn.execute(select(Source.name).order_by(Source.name))]
    lo, hi = conn.execute(select(func.min(Event.month), func.max(Event.month))).one()
    last = conn.execute(select(func.max(Load.loaded_at))).scalar()
    return {"sources": sources, "months_loaded": f"{str(lo)[:7]}..{str(hi)[:7]}" if lo else None, "last_load": last.isoformat() if last else None}


def _number(x: float | None, digits: int = 2):
    return None if x is None else round(float(x), digits)


def ranking(ctx: Context, operation_ref: str, *, baseline: str | None = None, periods: int = PERIOD_MONTHS, categories: list[str] | tuple[str, ...] | None = None,
            weights: str | None = None, force: str | None = None, rtm_top: int = RTM_TOP) -> Pack:  # fmt: skip
    """The Clear-Hold-Build ranking of operation ``operation_ref`` as a ``Pack``: tables
    ``chb_ranking`` (the operation's areas and every area in the top 10 of a period: harm and
    rank per period), ``chb_rank_by_period`` (the operation's areas' ranks, charted with the
    phase changes marked), ``chb_change`` (baseline against latest, with the note on regression
    to the mean) and ``chb_phases``. ``baseline``: YYYY-MM; ``periods``: months per period;
    ``categories``: the crime types (default ``CHB_CATEGORIES``); ``weights``: a weights file
    instead of the force's CCHI; ``rtm_top``: the note on regression to the mean is given when
    an area ranked this high or higher at the baseline."""
    if not isinstance(periods, int) or not 1 <= periods <= 24:
        raise Invalid(f"a period of {periods!r} months", field="periods", fix="give the months in each period as a whole number of months from 1 to 24 (6 by default)")
    if not isinstance(rtm_top, int) or rtm_top < 1:
        raise Invalid(f"rtm_top {rtm_top!r}", field="rtm_top", fix="give a whole number of 1 or more")
    op = _read_operation(ctx, operation_ref)
    cats = tuple(dict.fromkeys(c.strip() for c in (categories or CHB_CATEGORIES) if c and c.strip()))
    if not cats:
        raise Invalid("no categories given", field="categories", fix=f"name crime types, or leave them out for {', '.join(CHB_CATEGORIES)}")
    base = _month(baseline, "baseline") if baseline else None
    with ctx.engine.connect() as conn:
        loaded = [m.replace(day=1) if isinstance(m, dt.date) else dt.date.fromisoformat(str(m)[:10]) for (m,) in conn.execute(select(Event.month).distinct())]
        table, weights_used, force_used = _weights(conn, weights, force)
        provenance = _provenance(conn)
    spans, period_notes = periods_from(loaded, periods, base)
    site_areas, site_notes = _site_areas(ctx, op["sites"])
    if not site_areas:
        raise Invalid(f"operation {op['name']} has no site that is a loaded area or a point inside one" + (f" ({'; '.join(site_notes)})" if site_notes else ""),
                      field="operation", fix="add a site by area code, or as a point inside the loaded boundaries (sara operation site)")  # fmt: skip
    first, last = spans[0][0], spans[-1][1]
    frame, _ = queries.events(ctx.engine, categories=list(cats), start=f"{first:%Y-%m}", end=f"{last:%Y-%m}")
    known = {k.lower() for k in table["crime_type"].to_list()}
    unweighted = [c for c in cats if c.lower() not in known]
    found = set(frame["category"].unique().to_list()) if frame.height else set()
    absent = [c for c in cats if c not in found]
    if frame.height:
        weighted, _ = scan_harm.weight_events(frame.select("id", "month", "category"), table)
    else:
        weighted = pl.DataFrame(schema={"id": pl.Int64, "month": pl.Date, "category": pl.String, "harm": pl.Float64})
    no_weight = int(weighted["harm"].null_count())
    weighted = weighted.filter(pl.col("harm").is_not_null()).with_columns(pl.col("month").cast(pl.Date))

    kinds = sorted({a["kind"] for a in site_areas}, key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else 9)
    names: dict[tuple[str, str], str] = {}
    rows_in: list[tuple[str, str, str, float]] = []
    unplaced: dict[str, int] = {}
    period_of = pl.DataFrame({"month": [_add_months(a, k) for a, _ in spans for k in range(periods)],
                              "period": [label(a, b) for a, b in spans for _ in range(periods)]}, schema={"month": pl.Date, "period": pl.String})  # fmt: skip
    for kind in kinds:
        areas = queries.areas(ctx.engine, kind)
        names |= {(kind, c): n or c for c, n in areas.select("code", "name").iter_rows()}
        placed = queries.event_areas(ctx.engine, kind)
        joined = weighted.join(placed, on="id", how="left")
        unplaced[kind] = int(joined["area"].null_count())
        sums = joined.drop_nulls("area").join(period_of, on="month").group_by("area", "period").agg(pl.col("harm").sum())
        got = {(a, p): h for a, p, h in sums.iter_rows()}
        for code in areas["code"].to_list():
            for a, b in spans:
                rows_in.append((kind, code, label(a, b), float(got.get((code, label(a, b)), 0.0))))
    ranked = rank_.rank_within_kind(rows_in)
    idx = {(r.kind, r.area, r.period): r for r in ranked}
    labels = [label(a, b) for a, b in spans]
    op_areas = list(dict.fromkeys((a["kind"], a["code"]) for a in site_areas))
    sites_of: dict[tuple[str, str], list[str]] = defaultdict(list)
    for a in site_areas:
        sites_of[(a["kind"], a["code"])].append(a["site"])

    # chb_ranking: the operation's areas, then every other area in the top SHOWN_TOP of any period
    shown = list(op_areas)
    for kind in kinds:
        tops = sorted({(r.kind, r.area) for r in ranked if r.kind == kind and r.rank <= SHOWN_TOP} - set(op_areas),
                      key=lambda ka: (idx[(ka[0], ka[1], labels[0])].rank, ka[1]))  # fmt: skip
        shown += tops
    rank_rows = []
    for kind, code in shown:
        row = [names.get((kind, code), code), code, kind, "; ".join(sites_of.get((kind, code), []))]
        for p in labels:
            r = idx[(kind, code, p)]
            row += [_number(r.harm), r.rank]
        rank_rows.append(tuple(row))
    of = {kind: idx[(kind, next(c for k, c in op_areas if k == kind), labels[0])].of for kind in kinds}
    rank_cols = ("area", "code", "kind", "sites", *[c for p in labels for c in (f"{p} harm", f"{p} rank")])
    theirs = "the operation's area" if len(op_areas) == 1 else f"the operation's {len(op_areas)} areas"
    rank_note = (f"Ranked among all {', '.join(f'{of[k]:,} {words.KINDS.get(k, k)}s' for k in kinds)} loaded; shown: {theirs} and every other area "
                 f"in the top {SHOWN_TOP} of a period. Ranks: {rank_.TIE_RULE}.")  # fmt: skip

    # chb_rank_by_period: one row per period, one column per operation area (its rank), charted
    series = [f"{names.get(ka, ka[1])} ({ka[1]})" for ka in op_areas]
    chart_rows = tuple((p, f"{a:%Y-%m}", f"{b:%Y-%m}", *(idx[(k, c, p)].rank for k, c in op_areas)) for p, (a, b) in zip(labels, spans))
    phase_rows, marks, phase_notes = _phase_marks(op["sites"], spans)

    changes = rank_.change_from_baseline(ranked, op_areas, labels[0], labels[-1], top=rtm_top, peer_top=PEER_TOP)
    change_rows = tuple((names.get((c.kind, c.area), c.area), c.area, c.kind, _number(c.baseline_harm), _number(c.latest_harm), _number(c.change),
                         _number(c.change_pct, 1), c.baseline_rank, c.latest_rank, c.of, c.note) for c in changes)  # fmt: skip
    one_period = " Only one complete period is loaded, so the latest is the baseline: load more months to see a change." if len(spans) == 1 else ""

    by_type = {r["crime_type"].lower(): r["weight"] for r in table.iter_rows(named=True)}
    weight_text = ", ".join(f"{c} {by_type[c.lower()]:g}" for c in cats if c.lower() in by_type)
    unit = "days of imprisonment per crime" if weights is None else "per crime"
    left: list[str] = []
    if unweighted:
        left.append(f"categories without a weight, left out of harm: {', '.join(unweighted)}")
    if no_weight:
        left.append(f"{no_weight:,} events of categories without a weight are not counted")
    for kind, n in unplaced.items():
        if n:
            left.append(f"{n:,} weighted events lie in no loaded {words.KINDS.get(kind, kind)} and are not counted")
    if absent:
        left.append(f"no events of {', '.join(absent)} in these periods")
    notes = [f"Crime types: {', '.join(cats)}.", f"Weights: {weights_used} ({unit}): {weight_text or 'none of these categories'}.",
             f"Periods of {periods} months from the baseline {words.month(str(first))}: {'; '.join(labels)}.",
             *period_notes, *site_notes, *left, *phase_notes]  # fmt: skip
    flagged = [c for c in changes if c.regression_to_mean]
    summary = []
    for c in changes:
        summary.append(f"{names.get((c.kind, c.area), c.area)} ({c.area}) ranked {c.baseline_rank} of {c.of} {words.KINDS.get(c.kind, c.kind)}s at the baseline "
                       f"and {c.latest_rank} in {labels[-1]}; its harm went from {c.baseline_harm:,.0f} to {c.latest_harm:,.0f} days.")  # fmt: skip

    tables = (
        Table("chb_rank_by_period", "Rank by period (1 = most harmful)", ("period", "from", "to", *series), chart_rows,
              note=f"Ranks among all areas of each kind; phase changes marked at the period they fall in.{one_period}",
              chart=Chart("line", "period", tuple(series), y_label="rank (1 = most harmful)", marks=marks, invert=True)),
        Table("chb_change", "Change against the baseline", ("area", "code", "kind", "baseline harm", "latest harm", "change", "change %",
              "baseline rank", "latest rank", "areas ranked", "note"), change_rows,  # fmt: skip
              note=f"Baseline {labels[0]}, latest {labels[-1]}; change % is empty where the baseline harm is 0.{one_period}"),
        Table("chb_ranking", "Harm and rank by period", rank_cols, tuple(rank_rows), note=rank_note),
        Table("chb_phases", "Clear-Hold-Build phase changes", ("site", "from", "to", "on", "period"), tuple(phase_rows),
              note="" if phase_rows else "no phase changes recorded beyond scoping"),
    )
    sections = (
        Section("Where the operation's areas stand", (*summary, *(c.note for c in flagged)), tables[:2]),
        Section("Harm and rank by period", (), tables[2:3]),
        Section("Phases", (), tables[3:]),
        Section("What was counted", tuple(notes)),
    )
    parameters = {"operation": op["name"], "baseline": f"{first:%Y-%m}", "period_months": periods, "periods": [f"{a:%Y-%m}..{b:%Y-%m}" for a, b in spans],
                  "categories": list(cats), "weights": weights_used, "force": force_used, "rtm_top": rtm_top, "rank_rule": rank_.TIE_RULE}  # fmt: skip
    return Pack(f"Clear-Hold-Build ranking: {op['name']}", f"Harm of crimes associated with organised crime, {label(first, last)}", sections,
                parameters=parameters, provenance=provenance, made_at=ctx.now)  # fmt: skip
