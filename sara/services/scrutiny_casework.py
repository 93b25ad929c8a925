"""The casework tables of a performance scrutiny pack: what the partnership did about its
problems in a period, in the shape of the Derbyshire PCC's scrutiny report on Priority 2,
neighbourhood crime and ASB (17 May 2022): the problem management plans opened and open by
area (5.34, "ASB PMP by LPU area"), the ASB powers used, granted and breached (5.36), the ASB
Case Reviews (5.39, the Community Trigger), the hotspot patrols and their arrests (Appendix A,
Op Dexter; the quarterly hotspot return), the repeat victims identified (5.31-5.32) and who
uses the system (5.30, "percentage of users with access who have logged on in last year",
E-CINS).

Every figure is a count of casework, counted by the casework functions that own it
(``interventions.yearly_table``, ``case_review.figures``, ``patrols.dosage_report`` and
``patrols.arrests``, the repeat-victim rule of ``sara.scan.repeats`` as ``people`` applies it):
this module only chooses which cases fall in the period, the area and the reader's view.
No table names a person or carries a reference to one.

Whose casework is counted: the partnership's, for every role but a partner practitioner, who
sees the casework their own organisation works (``problems.SHARED_ONLY``, the rule the
problem list applies): problems their organisation owns or is a partner on, the interventions
and operations of their organisation or serving those problems, the case reviews it received,
the people it records or works with, and its own users. A count never reveals a problem the
reader cannot open. A table the reader's role may not read at all (people, for an
administrator or a public viewer) is empty and says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from sqlalchemy import and_, func, select

from sara.access.permissions import can
from sara.casework import case_review, patrols
from sara.casework import interventions as iv
from sara.casework.clock import LONDON
from sara.casework.problems import SHARED_ONLY
from sara.report.pack import Chart, Section, Table
from sara.services import Context
from sara.services.places import AREA_KINDS, Places
from sara.store.schema import Area, Event, EventArea
from sara.store.schema import access as sa_
from sara.store.schema import patrols as spa
from sara.store.schema import people as spe
from sara.store.schema import problems as spr

ASB = ("Anti-social behaviour",)  # a problem is an ASB problem when its saved event query counts these
REPEAT_THRESHOLD, REPEAT_MONTHS, REPEAT_DAYS = 3, 12, 365  # sara.casework.people.repeat_victims's rule
SIGNED_IN_MONTHS = 12
RESTRICTED_USE = (*SHARED_ONLY, "public_viewer")  # see their own organisation's use only


# --- the period ---------------------------------------------------------------------------------


def _add_months(day: dt.date, n: int) -> dt.date:
    k = day.year * 12 + day.month - 1 + n
    return dt.date(k // 12, k % 12 + 1, 1)


def _utc(day: dt.date) -> dt.datetime:
    """The naive UTC instant UK day ``day`` begins (the columns are UTC without zone)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).astimezone(dt.UTC).replace(tzinfo=None)


class _Period:
    """The months ``start``..``end`` (first days): UK days ``first``..``last``, and the UTC
    instants ``lo`` (inclusive) and ``hi`` (exclusive) they run between."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.first = start.replace(day=1)
        after = _add_months(end.replace(day=1), 1)
        self.last = after - dt.timedelta(days=1)
        self.lo, self.hi = _utc(self.first), _utc(after)
        self.label = f"{self.first:%B %Y} to {self.last:%B %Y}"


# --- places -------------------------------------------------------------------------------------


class _Where:
    """Which district, ward and LSOA a piece of casework lies in: an area code by a point
    inside its shape, a site by its point; and whether that is inside the area asked for."""

    def __init__(self, ctx: Context, area: dict | None) -> None:
        self.ctx, self.places = ctx, Places(ctx)
        self.area = area if area and area.get("kind") else None
        self.names = {k: dict(zip(*loaded[:2])) if (loaded := self.places.kind(k)) else {} for k in AREA_KINDS}
        self._codes: dict[str, dict | None] = {}

    def point(self, lon: float | None, lat: float | None, *, coarsest: str | None = None) -> dict | None:
        """{kind: code} of the loaded areas holding the point (finer than ``coarsest`` left out)."""
        import numpy as np

        from sara import geo

        if lon is None or lat is None:
            return None
        out = {}
        for kind in AREA_KINDS:
            loaded = self.places.kind(kind)
            if loaded is None:
                continue
            pts, polys = geo.locate(np.array([lon], dtype=float), np.array([lat], dtype=float), loaded[2])
            out[kind] = loaded[0][polys[0]] if len(pts) else None
        if coarsest in AREA_KINDS:
            for kind in AREA_KINDS[AREA_KINDS.index(coarsest) + 1:]:
                out[kind] = None
        return out

    def code(self, code: str | None) -> dict | None:
        """{kind: code} for an area code: itself at its own kind, the coarser areas holding a
        point inside it, nothing finer (a district-wide problem is in no one ward)."""
        import shapely

        if not code:
            return None
        if code not in self._codes:
            with self.ctx.engine.connect() as conn:
                rows = conn.execute(select(Area.kind, Area.geometry).where(Area.code == code)).all()
            found = None
            if rows:
                kind, wkb = min(rows, key=lambda r: AREA_KINDS.index(r[0]) if r[0] in AREA_KINDS else len(AREA_KINDS))
                p = shapely.point_on_surface(shapely.from_wkb(wkb))
                found = self.point(p.x, p.y, coarsest=kind if kind in AREA_KINDS else None)
                if kind in AREA_KINDS:
                    found[kind] = code
            self._codes[code] = found
        return self._codes[code]

    def inside(self, placed: dict | None) -> bool:
        if self.area is None:
            return True
        if placed is None:
            return False
        kind = self.area["kind"]
        if kind in AREA_KINDS:
            return placed.get(kind) == self.area["code"]
        return placed.get("lsoa") in (self.area.get("lsoa_codes") or ())

    def name(self, kind: str, code: str | None) -> str | None:
        return None if code is None else self.names[kind].get(code, code)

    @property
    def wording(self) -> str:
        return "the whole force area" if self.area is None else (self.area.get("name") or self.area["code"])


# --- whose casework -----------------------------------------------------------------------------


class _Reader:
    """What the reader's counts may include: everything, or (a partner practitioner) what
    their organisation works."""

    def __init__(self, ctx: Context) -> None:
        self.actor = ctx.actor
        self.org = ctx.actor.organisation_id
        self.shared_only = ctx.actor.role in SHARED_ONLY
        t, pt = spr.Problem.__table__, spr.ProblemPartner.__table__
        with ctx.engine.connect() as conn:
            self.problems = {r.reference: dict(r._mapping) for r in conn.execute(select(t))}
            working: dict[int, set[int]] = {p["id"]: {p["organisation_id"]} for p in self.problems.values()}
            for pid, oid in conn.execute(select(pt.c.problem_id, pt.c.organisation_id)):
                working.setdefault(pid, set()).add(oid)
        self.visible = {ref for ref, p in self.problems.items() if can(self.actor, "read", "problem", p["organisation_id"])
                        and (not self.shared_only or self.org in working.get(p["id"], ()))}  # fmt: skip

    def works(self, owner_org: int, problem_ref: str | None) -> bool:
        """Whether a piece of casework owned by ``owner_org`` serving ``problem_ref`` counts."""
        if problem_ref is not None and problem_ref in self.problems and problem_ref not in self.visible:
            return False
        return not self.shared_only or owner_org == self.org or problem_ref in self.visible

    @property
    def whose(self) -> str:
        return "the casework your organisation works (its own, and the problems it is a partner on)" if self.shared_only else "the whole partnership's casework"


# --- the tables ---------------------------------------------------------------------------------


def _problems_by_area(ctx: Context, p: _Period, where: _Where, reader: _Reader) -> Table:
    """Problem plans opened in the period and open at its end, by district (or by ward, inside
    a district): the scrutiny report's "ASB Problem Management Plans by LPU area" (5.34)."""
    tt = spr.ProblemTransition.__table__
    mine = [pr for ref, pr in reader.problems.items() if ref in reader.visible]
    with ctx.engine.connect() as conn:
        states: dict[int, str] = {}
        for pid, to in conn.execute(select(tt.c.problem_id, tt.c.to_state).where(tt.c.at < p.hi).order_by(tt.c.problem_id, tt.c.at, tt.c.id)):
            states[pid] = to
    by = "district" if where.area is None else "ward"
    unplaced = no_area = 0
    counts: dict[str, Counter] = {}
    for pr in mine:
        if not pr["area_code"]:
            no_area += 1
            continue
        placed = where.code(pr["area_code"])
        if placed is None:
            unplaced += 1
            continue
        if not where.inside(placed):
            continue
        key = where.name(by, placed.get(by))
        if key is None:
            district = where.name("district", placed.get("district"))
            key = f"{district} (district-wide)" if district else "(no loaded area)"
        opened = p.lo <= pr["created_at"] < p.hi
        is_open = states.get(pr["id"]) not in (None, "closed")
        asb = bool(set(json.loads(pr["event_query"]).get("categories") or []) & set(ASB)) if pr["event_query"] else False
        c = counts.setdefault(key, Counter())
        c.update({"opened": int(opened), "open": int(is_open), "asb_opened": int(opened and asb), "asb_open": int(is_open and asb)})
    if where.area is None:
        listed = sorted(where.names["district"].values())
    else:
        listed = sorted({where.name("ward", code) for code in where.names["ward"] if where.inside(where.code(code))} - {None})
    rows = [(name, counts.get(name, Counter())["opened"], counts.get(name, Counter())["open"], counts.get(name, Counter())["asb_opened"],
             counts.get(name, Counter())["asb_open"]) for name in listed]  # fmt: skip
    rows += [(k, c["opened"], c["open"], c["asb_opened"], c["asb_open"]) for k, c in sorted(counts.items()) if k not in listed]
    total = [sum(r[i] for r in rows) for i in (1, 2)]
    left = []
    if no_area:
        left.append(f"{no_area} problem{'s' if no_area != 1 else ''} with no area yet")
    if unplaced:
        left.append(f"{unplaced} whose area is not loaded")
    note = (f"{total[0]} opened and {total[1]} open at the end of the period, of {reader.whose}. Open: not closed by the period's end (paused counts as "
            f"open). ASB: the plan's event query counts anti-social behaviour. Placed by the area each plan names.")  # fmt: skip
    if left:
        note += " Not counted: " + "; ".join(left) + "."
    return Table("problems_by_area", f"Problem plans opened and open by {by}, {p.label}", (by, "opened", "open_at_end", "asb_opened", "asb_open_at_end"),
                 tuple(rows), note, Chart("barh", by, ("opened", "open_at_end"), "problem plans"))  # fmt: skip


def _powers(ctx: Context, p: _Period, where: _Where, reader: _Reader) -> Table:
    """ASB powers used, granted and breached (``interventions.yearly_table``, the shape of the
    scrutiny report's 5.36), of the interventions in the area and the reader's casework."""
    stored = iv.load_all(ctx.engine)
    problems = reader.problems

    def place(s) -> dict | None:
        pr = problems.get(s.problem_ref)
        return where.code(pr["area_code"]) if pr and pr["area_code"] else None

    def keep(s) -> bool:
        return reader.works(s.organisation_id, s.problem_ref) and where.inside(place(s))

    table = iv.yearly_table(ctx.engine, p.first, p.last, keep=keep)
    rows = tuple((r["section"], r["power"], r["age_group"], r["measure"], r["count"]) for r in table.iter_rows(named=True))
    counted = [s for s in stored if keep(s)]
    notes = [f"Counts of {reader.whose}, each step or breach on the UK day it was dated, {p.first:%d %B %Y} to {p.last:%d %B %Y}."]
    no_dob = sum(1 for s in counted if s.case.power in ("civil_injunction", "cbo") and s.case.subject_dob is None)
    if no_dob:
        notes.append(f"{no_dob} injunction or CBO case{'s' if no_dob != 1 else ''} with no date of birth: in neither age group.")
    if where.area is not None:
        unplaced = sum(1 for s in stored if reader.works(s.organisation_id, s.problem_ref) and place(s) is None)
        if unplaced:
            notes.append(f"{unplaced} intervention{'s' if unplaced != 1 else ''} serving no problem with an area: counted for the whole force only.")
        notes.append("An intervention is in the area of the problem it serves.")
    return Table("powers", f"ASB powers used, granted and breached, {p.label}", ("section", "power", "age_group", "measure", "count"), rows, " ".join(notes))


def _case_reviews(ctx: Context, p: _Period, where: _Where, reader: _Reader) -> Table:
    """The four figures each relevant body publishes yearly (``case_review.figures``): the
    scrutiny report's Community Triggers (5.39)."""
    own = None
    if reader.shared_only:
        with ctx.engine.connect() as conn:
            own = conn.execute(select(sa_.Organisation.name).where(sa_.Organisation.id == reader.org)).scalar_one()
    f = case_review.figures(ctx.engine, ctx.actor, p.first, p.last, organisation=own)
    rows = (("Applications received", f["applications_received"]), ("Applications that did not meet the threshold", f["threshold_not_met"]),
            ("Reviews carried out", f["reviews_carried_out"]), ("Reviews that led to recommendations", f["reviews_with_recommendations"]))  # fmt: skip
    note = "Applications by the day received, reviews by the day held" + (", of those your organisation received." if own else ", by every relevant body.")
    if where.area is not None:
        note += " Case reviews are not placed in areas: these are the figures for the whole force area."
    return Table("case_reviews", f"ASB Case Reviews, {p.label}", ("measure", "count"), rows, note)


def _patrols(ctx: Context, p: _Period, where: _Where, reader: _Reader) -> tuple[Table, Table]:
    """Hotspot patrols by operation and site (hours of presence, patrols, officer hours,
    arrests: ``patrols.dosage_report`` and ``patrols.arrests``, the quarterly return's
    figures over the period) and the outcomes of those arrests (the Jemlock table)."""
    o, s, pt = spa.Operation.__table__, spa.OperationSite.__table__, spa.Patrol.__table__
    with ctx.engine.connect() as conn:
        ops = [dict(r) for r in conn.execute(select(o).order_by(o.c.name)).mappings()]
        sites = [dict(r) for r in conn.execute(select(s).order_by(s.c.operation_id, s.c.id)).mappings()]
        patrolled = dict(conn.execute(select(pt.c.operation_id, func.count()).group_by(pt.c.operation_id)).all())
    ops = [op for op in ops if can(ctx.actor, "read", "patrol", op["organisation_id"]) and reader.works(op["organisation_id"], op["problem_ref"])]
    rows, pairs, columns, outside, elsewhere = [], [], [], 0, 0
    for op in ops:
        placed = {}
        for site in (x for x in sites if x["operation_id"] == op["id"]):
            placed[site["name"]] = where.code(site["area_code"]) if site["area_code"] else where.point(site["lon"], site["lat"]) or where.code(op["area_code"])
        dose = patrols.dosage_report(ctx.engine, ctx.actor, operation=op["name"], first=p.first, last=p.last)
        made = patrols.arrests(ctx.engine, ctx.actor, operation=op["name"], by="site", first=p.first, last=p.last)
        by_site = {c: {r["outcome"]: r[c] for r in made["rows"] if r["outcome"] != patrols.TOTAL_ROW} for c in made["columns"]}
        counted = 0
        for d in dose["sites"]:
            if not where.inside(placed.get(d["site"])):
                elsewhere += d["patrols"]
                continue
            counted += d["patrols"]
            at = placed.get(d["site"]) or {}
            name = where.name("ward", at.get("ward")) or where.name("district", at.get("district")) or ""
            arrests = sum(by_site.get(d["site"], {}).values())
            rows.append((op["name"], d["site"], name, d["patrols"], round(d["minutes_present"] / 60, 2), round(d["officer_minutes"] / 60, 2), arrests))
            pairs += [(op["name"], code) for code, n in by_site.get(d["site"], {}).items() for _ in range(n)]
        if counted or any(where.inside(v) for v in placed.values()):
            columns.append(op["name"])
        outside += patrolled.get(op["id"], 0) - sum(d["patrols"] for d in dose["sites"])
    notes = [f"Patrols of {reader.whose} touching UK days {p.first:%d %B %Y} to {p.last:%d %B %Y}; in hours present, two crews at a site at the same time count once;"
             " arrests are those of patrols starting in the period."]  # fmt: skip
    if outside:
        notes.append(f"{outside} patrol{'s' if outside != 1 else ''} of these operations outside the period: not counted.")
    if elsewhere:
        notes.append(f"{elsewhere} patrol{'s' if elsewhere != 1 else ''} at sites outside {where.wording}: not counted.")
    table = Table("patrols", f"Hotspot patrols, {p.label}", ("operation", "site", "area", "patrols", "hours_present", "officer_hours", "arrests"),
                  tuple(rows), " ".join(notes), Chart("barh", "site", ("hours_present",), "hours of police presence") if rows else None)  # fmt: skip
    outcome = patrols.arrest_table(pairs, columns)
    out_rows = tuple((r["outcome"], *(r[c] for c in columns), r["Total"], r["%"]) for r in outcome)
    arrests = Table("arrest_outcomes", f"Outcomes of arrests on hotspot patrols, {p.label}", ("outcome", *columns, "Total", "%"), out_rows,
                    "Each arrest's outcome as it stands now. % is of the PACE outcomes only (the first eight rows); the non-PACE rows show NA.")  # fmt: skip
    return table, arrests


def _repeat_victims(ctx: Context, p: _Period, where: _Where, reader: _Reader) -> Table:
    """Repeat victims identified in the period: people with at least 3 events as a victim in
    12 months (``people.repeat_victims``'s rule, ``sara.scan.repeats``) whose third event in
    one window fell in the period; counts only (scrutiny report 5.31-5.32)."""
    import polars as pl

    from sara.scan.repeats import repeats

    columns = ("measure", "count")
    title = f"Repeat victims, {p.label}"
    if not can(ctx.actor, "read", "person", reader.org):
        return Table("repeat_victims", title, columns, (), "Not shown: your role does not read the records of people, so counts of them are not given either.")
    pe, e, t, pp = spe.PersonEvent.__table__, Event.__table__, spe.Person.__table__, spe.PersonPartner.__table__
    q = (select(pe.c.person_id, e.c.month, e.c.occurred_from, e.c.lsoa_code).join(e, e.c.id == pe.c.event_id)
         .where(pe.c.role == "victim", e.c.month < _add_months(p.last.replace(day=1), 1)))  # fmt: skip
    area = where.area
    if area is not None and area.get("lsoa_codes") is None:
        q = q.join(EventArea, EventArea.event_id == e.c.id).join(Area, and_(Area.id == EventArea.area_id, Area.code == area["code"]))
    with ctx.engine.connect() as conn:
        rows = conn.execute(q).all()
        if reader.shared_only:
            allowed = set(conn.execute(select(t.c.id).where(t.c.organisation_id == reader.org)).scalars())
            allowed |= set(conn.execute(select(pp.c.person_id).where(pp.c.organisation_id == reader.org)).scalars())
            rows = [r for r in rows if r.person_id in allowed]
    if area is not None and area.get("lsoa_codes") is not None:
        rows = [r for r in rows if r.lsoa_code in area["lsoa_codes"]]
    in_period = [r for r in rows if p.first <= r.month <= p.last]
    victims = len({r.person_id for r in in_period})
    found, rule = [], f"at least {REPEAT_THRESHOLD} events as a victim within {REPEAT_MONTHS} calendar months"
    if rows:
        frame = pl.DataFrame({"victim_ref": [str(r.person_id) for r in rows], "month": [r.month for r in rows], "occurred_from": [r.occurred_from for r in rows]},
                             schema={"victim_ref": pl.String, "month": pl.Date, "occurred_from": pl.Datetime("us")})  # fmt: skip
        timed = frame["occurred_from"].null_count() == 0
        if timed:
            rule = f"at least {REPEAT_THRESHOLD} events as a victim within {REPEAT_DAYS} days"
        result = repeats(frame, key="victim_ref", time="occurred_from" if timed else "month", threshold=REPEAT_THRESHOLD,
                         window_days=REPEAT_DAYS if timed else None, months=None if timed else REPEAT_MONTHS)  # fmt: skip
        found = result.table.to_dicts()

    def day(x) -> dt.date:
        return x.date() if isinstance(x, dt.datetime) else x

    identified = {int(r["victim_ref"]) for r in found if p.first <= day(r["reached"]) <= p.last}
    repeat_ids = {int(r["victim_ref"]) for r in found}
    active = {r.person_id for r in in_period} & repeat_ids
    table_rows = (("Victims with an event in the period", victims), ("Repeat victims identified in the period", len(identified)),
                  ("Repeat victims with an event in the period", len(active)),
                  ("Events in the period of repeat victims", sum(1 for r in in_period if r.person_id in repeat_ids)))  # fmt: skip
    note = (f"A repeat victim: {rule}; identified in the period when the event that reached that number fell in it. Of {reader.whose}: events linked to a "
            f"person as victim, up to the period's end, in {where.wording}.")  # fmt: skip
    return Table("repeat_victims", title, columns, table_rows, note)


def _system_use(ctx: Context, reader: _Reader) -> Table:
    """Of the users with access on the day the pack is made (active accounts), those who signed
    in within the 12 months up to that day, by organisation, from the audit trail's ``login``
    entries (the web app and the CLI both write one): the scrutiny report's E-CINS log-on
    percentages (5.30), which are as at the report, whatever period its crime tables cover."""
    u, o, a = sa_.User.__table__, sa_.Organisation.__table__, sa_.AuditEvent.__table__
    day = ctx.now.replace(tzinfo=dt.UTC).astimezone(LONDON).date()
    hi = _utc(day + dt.timedelta(days=1))
    since = _utc(_add_months(day, -SIGNED_IN_MONTHS) + dt.timedelta(days=1))
    restricted = ctx.actor.role in RESTRICTED_USE
    with ctx.engine.connect() as conn:
        q = select(u.c.id, u.c.organisation_id).where(u.c.active.is_(True), u.c.created_at < hi)
        if restricted:
            q = q.where(u.c.organisation_id == reader.org)
        users = conn.execute(q).all()
        signed = set(conn.execute(select(a.c.actor_user_id).where(a.c.action == "login", a.c.at >= since, a.c.at < hi).distinct()).scalars())
        orgs = conn.execute(select(o.c.id, o.c.name).order_by(o.c.name)).all()
        inactive = conn.execute(select(func.count()).select_from(u).where(u.c.active.is_(False))).scalar_one() if not restricted else 0
    rows = []
    for oid, name in orgs:
        mine = [uid for uid, org in users if org == oid]
        if not mine:
            continue
        n = sum(1 for uid in mine if uid in signed)
        rows.append((name, len(mine), n, round(100 * n / len(mine), 1)))
    total, total_in = sum(r[1] for r in rows), sum(r[2] for r in rows)
    note = (f"As at {day:%d %B %Y}, the day this pack was made, whatever the period of the other tables. Signed in: at least one sign-in (web or "
            f"command line) in the 12 months to that day. Users with access: active accounts. SARA's users have no teams, so the table is by organisation. ")  # fmt: skip
    note += "Your organisation only." if restricted else f"All organisations: {total_in} of {total} ({round(100 * total_in / total) if total else 0}%)."
    if inactive:
        note += f" {inactive} disabled account{'s' if inactive != 1 else ''} not counted."
    return Table("system_use", f"Users who signed in in the 12 months to {day:%d %B %Y}", ("organisation", "users", "signed_in", "share_pct"), tuple(rows),
                 note, Chart("barh", "organisation", ("share_pct",), "% of users with access who signed in") if rows else None)  # fmt: skip


# --- the sections -------------------------------------------------------------------------------


def sections(ctx: Context, *, start: dt.date, end: dt.date, area: dict | None) -> tuple[Section, ...]:
    """The casework sections of the scrutiny pack for the months ``start``..``end`` (the first
    days of the first and last months) in ``area`` (``{"kind", "code", "name", "lsoa_codes"}``,
    or None for the whole force): tables ``problems_by_area``, ``powers``, ``case_reviews``,
    ``patrols``, ``arrest_outcomes``, ``repeat_victims`` and ``system_use``."""
    p = _Period(start, end)
    where = _Where(ctx, area)
    reader = _Reader(ctx)
    patrol_table, arrest_table = _patrols(ctx, p, where, reader)
    whose = f"Counted over {reader.whose}, in {where.wording}."
    return (
        Section("Problem solving", ("Problem plans (the SARA model) opened in the period and still open at its end, by area. " + whose,),
                (_problems_by_area(ctx, p, where, reader),)),
        Section("ASB powers and case reviews", ("The ASB powers used, granted and breached, and the ASB Case Reviews (the Community Trigger) "
                                                "received and held in the period.",), (_powers(ctx, p, where, reader), _case_reviews(ctx, p, where, reader))),
        Section("Hotspot patrols", ("Where officers patrolled, for how long and to what outcome, as the quarterly hotspot return counts it.",),
                (patrol_table, arrest_table)),
        Section("Repeat victims", ("Repeat victims identified in the period, counted without naming anyone.",), (_repeat_victims(ctx, p, where, reader),)),
        Section("Use of the system", ("Of the users with access, the share who signed in within the last year: the information sharing system is only as "
                                      "good as its use.",), (_system_use(ctx, reader),)),
    )  # fmt: skip
