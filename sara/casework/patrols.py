"""Operations and patrols: where officers patrolled, for how long, and to what outcome.

Home Office hotspot funding (the Grip programme and the Hotspot Action Fund) asks forces for
quarterly returns that "detail exactly where our officers have patrolled, for how long and to
what outcome" (West Yorkshire VRU, Operation Jemlock briefing), and the same briefing tabulates
the outcomes of the arrests its patrols made, by district. This module keeps exactly that:

* an **operation** (name, owning organisation, the problem it serves, area, dates);
* its **sites**, the hotspots patrolled: a loaded area code or a WGS84 point and radius, each
  with a **Clear-Hold-Build phase** and its history (College of Policing shared practice,
  "Clear, hold, build", 2023: phases "deployed flexibly and can happen repeatedly");
* **patrols**: site, start and end, officers, activity and the counted outcomes (arrests,
  stop and searches, intelligence submissions, engagements); each arrest is its own row with
  an outcome code that is updated as the case moves on, and no personal data;
* the **arrest outcomes table** in the shape of the Jemlock table (outcome code x site or
  operation, Total, and % over the PACE outcomes only; the non-PACE rows show "NA");
* patrol **dosage** (``sara.casework.dosage``: Koper 1995) and the **quarterly return**.

Clear-Hold-Build phases: ``scoping -> clear -> hold -> build -> sustain -> exit``, with
``build -> exit``, and the flexible loops back ``hold -> clear``, ``build -> clear|hold``;
``exit`` is final. Each change has a date (never before the previous one) and a note.

Times: patrol times are stored as UTC without zone (like the rest of the schema); a time given
without a zone is UK local time (Europe/London), and one that does not exist (the hour skipped
when clocks go forward) or happens twice (when they go back) is refused with how to say it.

The quarterly return (``patrol_return``, ``export_return``): one row per site per calendar
quarter within ``first``..``last`` (quarters cut to that window), for every
site of every operation running in the quarter, patrolled or not. Each patrol belongs wholly
to the quarter of the UK day it starts on. Columns:

* ``operation``, ``site``: the operation and the site (hotspot) names;
* ``where``: the area code, or "lon,lat r=RADIUS m"; ``area_code``, ``lon``, ``lat``,
  ``radius_m``: the same as separate fields (empty when not that kind of site);
* ``phase``: the site's Clear-Hold-Build phase on the last day of the period;
* ``quarter``, ``from``, ``to``: e.g. 2026-Q1, and the first and last UK day the row covers;
* ``patrols``: patrols that started in the period;
* ``hours_present``: hours of police presence, the union of those patrols' intervals (two
  crews there at the same time count once);
* ``officer_hours``: the sum over patrols of hours x officers;
* ``mean_visit_minutes``: the mean patrol length (empty with no patrols);
* ``share_visits_15_plus``: the share of patrols of 15 minutes or more (Koper 1995), 0 to 1
  (empty with no patrols);
* ``arrests``, ``stop_searches``, ``intelligence_submissions``, ``engagements``: the outcomes
  recorded on those patrols.

With ``detail`` the return has one row per patrol instead: operation, site, where, quarter,
patrol_id, start, end (UK time with offset), minutes, officers (how many), officer_ids (collar
numbers or usernames, "; "-separated), activity, arrests, arrest_outcomes ("CODE x N; ..."),
stop_searches, intelligence_submissions, engagements, notes.

Patrols are casework, not personal data (resource ``patrol``): only the owning organisation
writes an operation and its patrols; other partners read them (``sara.access.permissions``).
Every create and change is audited in the transaction that writes it (purpose "operations").
The exports (``export_dosage``, ``export_arrests``, ``export_return``) hand a face ``columns``
and ``rows`` to write (``sara.report.export``); each needs export permission (a public viewer
or partner practitioner has none) and is audited, one entry per owning organisation.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from sara import errors
from sara.access import audit
from sara.access.permissions import PermissionDenied, can, require
from sara.casework import dosage
from sara.casework.clock import LONDON
from sara.casework.records import CaseworkError
from sara.store.schema import Area
from sara.store.schema import access as sa_
from sara.store.schema import patrols as sp
from sara.store.schema import problems as spr

PURPOSE = "operations"
MAX_PATROL = dt.timedelta(hours=24)

# ---------------------------------------------------------------- Clear-Hold-Build (pure)

PHASES = ("scoping", "clear", "hold", "build", "sustain", "exit")
NEXT_PHASES = {
    "scoping": ("clear",),
    "clear": ("hold",),
    "hold": ("build", "clear"),
    "build": ("sustain", "exit", "clear", "hold"),
    "sustain": ("exit",),
    "exit": (),
}


class PatrolError(CaseworkError):
    """A refused operation or patrol: what is wrong, the field, and how to put it right."""


class NotFound(errors.NotFound):
    pass


def phase_refusal(current: str, target: str) -> str | None:
    """Why a site in phase ``current`` may not move to ``target`` (None: it may)."""
    if target not in PHASES:
        return f"unknown phase {target!r}: choose one of {', '.join(PHASES)}"
    allowed = NEXT_PHASES[current]
    if not allowed:
        return f"the site has exited ({current} is final): it moves to no other phase"
    if target not in allowed:
        return f"a site in {current} cannot move to {target}: from {current} the next phase is {' or '.join(allowed)}"
    return None


# ---------------------------------------------------------------- arrest outcomes (pure)

# (outcome code, counted in the % column): the rows of the Operation Jemlock "ARREST
# OUTCOMES" table, in its order. The % is over the PACE outcomes; the non-PACE rows show NA.
ARREST_OUTCOMES = (
    ("RUI / BAIL", True),
    ("01 - Charged", True),
    ("03 - Caution", True),
    ("08 - Community Resolution", True),
    ("15 - NFA - Evidential", True),
    ("16 - NFA - Victim Withdraws", True),
    ("21 - No Police Action", True),
    ("22 - Diversionary", True),
    ("Court (non-PACE)", False),  # "Court (None-PACE)" in the source
    ("Foreign Force Enquiry", False),
    ("Other", False),
)
OUTCOME_CODES = tuple(code for code, _ in ARREST_OUTCOMES)
PACE = frozenset(code for code, pace in ARREST_OUTCOMES if pace)
TOTAL_ROW = "Total (check)"
_ALIASES = {"court (none-pace)": "Court (non-PACE)", "rui": "RUI / BAIL", "bail": "RUI / BAIL", "rui/bail": "RUI / BAIL"}


def outcome_code(text: str, field: str = "arrests") -> str:
    """The outcome code ``text`` names: the code itself (any case), its number ("01"), or
    "RUI", "bail", "Court (None-PACE)"; refused naming ``field``, the argument that gave it."""
    t = " ".join(str(text).split()).lower()
    for code in OUTCOME_CODES:
        if t == code.lower() or (code[:2].isdigit() and t == code[:2]):
            return code
    if t in _ALIASES:
        return _ALIASES[t]
    raise PatrolError(f"unknown arrest outcome {text!r}", field=field, fix=f"choose one of {'; '.join(OUTCOME_CODES)}")


def percent(n: int, total: int) -> str:
    """``n`` of ``total`` as a whole percent, halves rounded up ("47%"); "NA" of nothing."""
    return "NA" if total == 0 else f"{(200 * n + total) // (2 * total)}%"


def arrest_table(arrests: Iterable[tuple[str, str]], columns: list[str]) -> list[dict]:
    """The arrest outcomes table from (column, outcome code) pairs: one row per outcome code
    with a count per column, ``Total`` and ``%`` (over the PACE rows; "NA" for the others),
    then the ``Total (check)`` row. Columns with no arrests are kept (as 0)."""
    counts = Counter(arrests)
    unknown = {col for col, _ in counts} - set(columns)
    if unknown:
        raise ValueError(f"arrests in columns not listed: {sorted(unknown)}")
    totals = {code: sum(counts[(c, code)] for c in columns) for code in OUTCOME_CODES}
    pace_total = sum(totals[c] for c in PACE)
    rows = [{"outcome": code, **{c: counts[(c, code)] for c in columns}, "Total": totals[code],
             "%": percent(totals[code], pace_total) if code in PACE else "NA"} for code in OUTCOME_CODES]  # fmt: skip
    rows.append({"outcome": TOTAL_ROW, **{c: sum(r[c] for r in rows) for c in columns}, "Total": sum(totals.values()), "%": ""})
    return rows


# ---------------------------------------------------------------- time (pure)


def uk_time(t: dt.datetime, what: str, field: str | None = None) -> dt.datetime:
    """``t`` as an aware time: a naive one is UK local time, refused (naming ``field``) if the
    clocks skip it or show it twice (say the offset then: +00:00 GMT, +01:00 BST)."""
    if not isinstance(t, dt.datetime):
        raise PatrolError(f"{what} must be a date and time (YYYY-MM-DDTHH:MM), got {t!r}", field=field)
    if t.tzinfo is not None:
        return t
    first, second = t.replace(tzinfo=LONDON, fold=0), t.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() != second.utcoffset():
        shown = t.strftime("%Y-%m-%dT%H:%M")
        if first.astimezone(dt.UTC).astimezone(LONDON).replace(tzinfo=None) != t:
            raise PatrolError(f"{what} {shown} does not exist in UK time: the clocks went forward from 01:00 to 02:00 that night", field=field,
                              fix="give the time as the clock showed it (02:00 or later)")  # fmt: skip
        raise PatrolError(f"{what} {shown} happened twice in UK time (the clocks went back from 02:00 to 01:00 that night)", field=field,
                          fix=f"add the offset, {shown}+01:00 for the first time (BST) or {shown}+00:00 for the second (GMT)")  # fmt: skip
    return first


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)


def _uk(t: dt.datetime | None) -> dt.datetime | None:
    return None if t is None else t.replace(tzinfo=dt.UTC).astimezone(LONDON)


def _show(t: dt.datetime) -> str:
    return t.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def patrol_problems(start: dt.datetime, end: dt.datetime, officers: list[str], counts: dict[str, int], *, activity: str,
                    op_name: str, op_start: dt.date, op_end: dt.date | None) -> list[tuple[str, str]]:  # fmt: skip
    """What is wrong with a patrol (aware ``start`` and ``end``): (the field of ``log_patrol``
    at fault, what is wrong and how to fix it) each; [] when it may be logged."""
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    wrong = []
    if end <= start:
        wrong.append(("end", f"the end ({_show(end)}) is not after the start ({_show(start)}, UK time): give an end later than the start"))
    elif end - start > MAX_PATROL:
        wrong.append(("end", f"the patrol lasts {(end - start).total_seconds() / 3600:.1f} hours, more than 24: log each shift as its own patrol"))
    opens = dosage.uk_midnight(op_start)
    closes = dosage.uk_midnight(op_end + dt.timedelta(days=1)) if op_end else None
    if start < opens or (closes is not None and end > closes):
        span = f"{op_start.isoformat()} to {op_end.isoformat() if op_end else 'open-ended'}"
        wrong.append(("start", f"the patrol ({_show(start)} to {_show(end)}) falls outside operation {op_name}'s dates ({span}): "
                               "check the times, or log it under the operation it belonged to"))  # fmt: skip
    if not officers:
        wrong.append(("officers", "no officers given: name at least one officer, by collar number or username, once each"))
    for name, n in Counter(officers).items():
        if n > 1:
            wrong.append(("officers", f"officer {name!r} is listed {n} times: name each officer once"))
    for what, n in counts.items():
        if not isinstance(n, int) or n < 0:
            wrong.append((what, f"{what.replace('_', ' ')} is {n}: give a whole number, 0 or more"))
    if not (activity and activity.strip()):
        wrong.append(("activity", "no activity: say what the patrol did, e.g. 'high-visibility foot patrol'"))
    return wrong


# ---------------------------------------------------------------- sites: where (pure)


def where_problems(area: str | None, lon: float | None, lat: float | None, radius_m: float | None) -> list[tuple]:
    """What is wrong with a site's place (an area code, or a point with a radius, not both):
    (the field or fields of ``add_site`` at fault, what is wrong) each; [] when it is right."""
    point = [v is not None for v in (lon, lat, radius_m)]
    if area and any(point):
        return [(("area", "lon"), "give either an area code or a point with a radius, not both")]
    if not area and not all(point):
        if any(point):
            missing = tuple(f for f, given in zip(("lon", "lat", "radius_m"), point) if not given)
            return [(missing, "a point site needs all three: longitude, latitude and a radius in metres")]
        return [(("area", "lon"), "say where the site is: the code of a loaded area, or a point (longitude, latitude) and a radius in metres")]
    if area:
        return []
    wrong = []
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        wrong.append(("lon", f"lon {lon}, lat {lat} is not a WGS84 position: longitude runs -180 to 180, latitude -90 to 90"))
    elif 49 <= lon <= 61 and -9 <= lat <= 2:
        wrong.append(("lon", f"lon {lon}, lat {lat} looks like latitude and longitude swapped: in the UK longitude is about -8 to 2, latitude 49 to 61"))
    if not radius_m > 0:
        wrong.append(("radius_m", f"the radius {radius_m} m is not positive: give the site's radius in metres, e.g. 150"))
    return wrong


def where_text(site: dict) -> str:
    if site.get("area_code"):
        return site["area_code"]
    return f"{site['lon']:.5f},{site['lat']:.5f} r={site['radius_m']:g} m"


# ---------------------------------------------------------------- reading helpers


def _names(conn: Connection) -> tuple[dict[int, str], dict[int, str]]:
    u, o = sa_.User.__table__, sa_.Organisation.__table__
    return dict(conn.execute(select(u.c.id, u.c.username)).all()), dict(conn.execute(select(o.c.id, o.c.name)).all())


def _operation(conn: Connection, name: str) -> dict:
    t = sp.Operation.__table__
    row = conn.execute(select(t).where(t.c.name == name)).mappings().first()
    if row is None:
        raise NotFound(f"no operation called {name!r}: check its name against the list of operations")
    return dict(row)


def _sites(conn: Connection, op_ids: list[int]) -> list[dict]:
    t = sp.OperationSite.__table__
    return [dict(r) for r in conn.execute(select(t).where(t.c.operation_id.in_(op_ids)).order_by(t.c.operation_id, t.c.id)).mappings()]


def _site(conn: Connection, op: dict, name: str) -> dict:
    sites = _sites(conn, [op["id"]])
    for s in sites:
        if s["name"] == name:
            return s
    have = ", ".join(s["name"] for s in sites) or "none yet"
    raise NotFound(f"operation {op['name']} has no site {name!r} (its sites: {have}): name one of them, or add the site to the operation first")


def _history(conn: Connection, site_ids: list[int]) -> dict[int, list[dict]]:
    t = sp.SitePhase.__table__
    out: dict[int, list[dict]] = {}
    for r in conn.execute(select(t).where(t.c.site_id.in_(site_ids)).order_by(t.c.site_id, t.c.id)).mappings():
        out.setdefault(r["site_id"], []).append(dict(r))
    return out


def _audit(conn: Connection, action: str, actor, subject: str, ref, owner_org: int, detail: dict) -> None:
    audit.record(conn, [audit.Entry(action, actor, subject, ref, owner_org_id=owner_org, purpose=PURPOSE, detail=detail)])


def _readable(conn: Connection, actor, operation: str | None, action: str = "read") -> tuple[list[dict], list[str]]:
    """The operations ``actor`` may ``action`` (all, or the one named), and the names of those
    left out; refused when none is left (naming why), and an export refused outright to a
    role that exports nothing, even with no operations to export."""
    if action == "export":
        require(actor, "export", "patrol", actor.organisation_id)
    t = sp.Operation.__table__
    if operation is not None:
        ops = [_operation(conn, operation)]
    else:
        ops = [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]
    keep = [o for o in ops if can(actor, action, "patrol", o["organisation_id"])]
    left = [o for o in ops if o not in keep]
    if left and not keep:
        raise PermissionDenied(f"not allowed: {can(actor, action, 'patrol', left[0]['organisation_id']).reason}")
    return keep, [o["name"] for o in left]


def _patrols(conn: Connection, op_ids: list[int], *, first: dt.date | None = None, last: dt.date | None = None, by_start: bool = False) -> list[dict]:
    """Patrols of the operations touching UK days ``first``..``last`` (or, ``by_start``,
    starting on them), oldest first, each with its arrests' outcome codes."""
    p, a = sp.Patrol.__table__, sp.PatrolArrest.__table__
    q = select(p).where(p.c.operation_id.in_(op_ids)).order_by(p.c.site_id, p.c.start_at, p.c.id)
    if first is not None:
        lo = _utc(dosage.uk_midnight(first))
        q = q.where(p.c.start_at >= lo if by_start else p.c.end_at > lo)
    if last is not None:
        q = q.where(p.c.start_at < _utc(dosage.uk_midnight(last + dt.timedelta(days=1))))
    rows = [dict(r) for r in conn.execute(q).mappings()]
    codes: dict[int, list[str]] = {}
    ids = [r["id"] for r in rows]
    for chunk in range(0, len(ids), 500):
        for r in conn.execute(select(a.c.patrol_id, a.c.outcome_code).where(a.c.patrol_id.in_(ids[chunk:chunk + 500])).order_by(a.c.id)):
            codes.setdefault(r.patrol_id, []).append(r.outcome_code)
    for r in rows:
        r["arrest_codes"] = codes.get(r["id"], [])
        r["officer_ids"] = json.loads(r["officers"])
    return rows


def _check_area(conn: Connection, code: str | None) -> None:
    if code and conn.execute(select(Area.id).where(Area.code == code)).first() is None:
        raise PatrolError(f"no loaded area has code {code!r}", field="area", fix="load the area's boundaries first, or give the code of a loaded LSOA, ward or district")


def _check_problem(conn: Connection, ref: str | None) -> None:
    t = spr.Problem.__table__
    if ref and conn.execute(select(t.c.id).where(t.c.reference == ref)).first() is None:
        raise PatrolError(f"no problem {ref!r}", field="problem", fix="give the reference of an existing problem, e.g. PRB-2026-0001")


def _today() -> dt.date:
    return dt.datetime.now(LONDON).date()


# ---------------------------------------------------------------- operations and sites


def create_operation(engine: Engine, actor, name: str, *, start: dt.date, end: dt.date | None = None, problem: str | None = None,
                     area: str | None = None, description: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """A new operation owned by the actor's organisation. ``problem`` (a problem reference)
    and ``area`` (a loaded area code) are checked to exist."""
    require(actor, "write", "patrol", actor.organisation_id)
    name = (name or "").strip()
    if not name:
        raise PatrolError("an operation needs a name", field="name", fix="e.g. 'Op Jemlock'")
    if end is not None and end < start:
        raise PatrolError(f"the end date {end.isoformat()} is before the start date {start.isoformat()}", field="end", fix="give an end on or after the start")
    t = sp.Operation.__table__
    taken = PatrolError(f"an operation called {name!r} exists already", field="name", fix="choose another name")
    with engine.connect() as conn:
        if conn.execute(select(t.c.id).where(t.c.name == name)).first():
            raise taken
        _check_problem(conn, problem)
        _check_area(conn, area)
    try:
        with engine.begin() as conn:
            conn.execute(t.insert().values(name=name, organisation_id=actor.organisation_id, problem_ref=problem, area_code=area, start_date=start,
                                           end_date=end, description=description, created_by=actor.id, created_at=now or audit.utcnow()))  # fmt: skip
            _audit(conn, "create", actor, "operation", name, actor.organisation_id,
                   {"start": start.isoformat(), "end": end.isoformat() if end else None, "problem": problem, "area": area})  # fmt: skip
    except IntegrityError:
        raise taken from None
    return show_operation(engine, actor, name)


def add_site(engine: Engine, actor, operation: str, name: str, *, area: str | None = None, lon: float | None = None, lat: float | None = None,
             radius_m: float | None = None, on: dt.date | None = None, note: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Add a site (hotspot) to an operation, in phase ``scoping`` from day ``on`` (default
    today): a loaded area code, or a WGS84 point with a radius in metres."""
    name = (name or "").strip()
    if not name:
        raise PatrolError("a site needs a name", field="name", fix="e.g. 'Bradford Moor'")
    with engine.connect() as conn:
        op = _operation(conn, operation)
        require(actor, "write", "patrol", op["organisation_id"])
        wrong = where_problems(area, lon, lat, radius_m)
        if wrong:
            raise PatrolError(f"cannot add site {name!r}:", items=wrong)
        _check_area(conn, area)
        taken = any(s["name"] == name for s in _sites(conn, [op["id"]]))
    if taken:
        raise PatrolError(f"operation {op['name']} has a site called {name!r} already", field="name", fix="choose another name")
    now = now or audit.utcnow()
    on = on or _today()
    s, h = sp.OperationSite.__table__, sp.SitePhase.__table__
    where = {"area_code": area} if area else {"lon": lon, "lat": lat, "radius_m": radius_m}
    try:
        with engine.begin() as conn:
            sid = conn.execute(s.insert().values(operation_id=op["id"], name=name, phase="scoping", created_at=now, **where).returning(s.c.id)).scalar_one()
            conn.execute(h.insert().values(site_id=sid, from_phase=None, phase="scoping", on_date=on, note=note or "site added", by_user_id=actor.id,
                                           recorded_at=now))  # fmt: skip
            _audit(conn, "change", actor, "operation", op["name"], op["organisation_id"], {"site": name, "added": where, "phase": "scoping"})
    except IntegrityError:
        raise PatrolError(f"operation {op['name']} has a site called {name!r} already", field="name", fix="choose another name") from None
    return site_view(engine, actor, operation, name)


def move_phase(engine: Engine, actor, operation: str, site: str, phase: str, *, on: dt.date, note: str, now: dt.datetime | None = None) -> dict:
    """Move a site to Clear-Hold-Build ``phase`` on day ``on`` with a ``note`` (why)."""
    with engine.connect() as conn:
        op = _operation(conn, operation)
        require(actor, "write", "patrol", op["organisation_id"])
        s = _site(conn, op, site)
        last = _history(conn, [s["id"]]).get(s["id"], [])
    refusal = phase_refusal(s["phase"], phase)
    if refusal:
        raise PatrolError(f"cannot move site {site} of {op['name']} to {phase}: {refusal}", field="phase")
    if last and on < last[-1]["on_date"]:
        raise PatrolError(f"the date {on.isoformat()} is before the site's last phase change ({last[-1]['phase']} on {last[-1]['on_date'].isoformat()})",
                          field="on", fix="give a date on or after it")  # fmt: skip
    if not (note and note.strip()):
        raise PatrolError("a phase change needs a note", field="note", fix="say why the site moves now, e.g. 'week of action done; hold with NPT patrols'")
    now = now or audit.utcnow()
    st, h = sp.OperationSite.__table__, sp.SitePhase.__table__
    with engine.begin() as conn:
        if conn.execute(st.update().where(st.c.id == s["id"], st.c.phase == s["phase"]).values(phase=phase)).rowcount != 1:
            raise PatrolError(f"site {site} of {op['name']} changed phase meanwhile: show it again and retry")
        conn.execute(h.insert().values(site_id=s["id"], from_phase=s["phase"], phase=phase, on_date=on, note=note.strip(), by_user_id=actor.id, recorded_at=now))
        _audit(conn, "change", actor, "operation", op["name"], op["organisation_id"], {"site": site, "from": s["phase"], "to": phase, "on": on.isoformat()})
    return site_view(engine, actor, operation, site)


def _site_views(conn: Connection, op_ids: list[int], users: dict[int, str]) -> list[dict]:
    sites = _sites(conn, op_ids)
    hist = _history(conn, [s["id"] for s in sites])
    pats = _patrols(conn, op_ids)
    out = []
    for s in sites:
        mine = [p for p in pats if p["site_id"] == s["id"]]
        minutes = dosage.union_minutes((p["start_at"], p["end_at"]) for p in mine)
        out.append({
            "id": s["id"], "name": s["name"], "operation_id": s["operation_id"], "where": where_text(s), "area_code": s["area_code"],
            "lon": s["lon"], "lat": s["lat"], "radius_m": s["radius_m"], "phase": s["phase"], "next_phases": list(NEXT_PHASES[s["phase"]]),
            "history": [{"from": h["from_phase"], "to": h["phase"], "on": h["on_date"].isoformat(), "note": h["note"], "by": users.get(h["by_user_id"])}
                        for h in hist.get(s["id"], [])],
            "patrols": len(mine), "hours_present": round(minutes / 60, 2), "arrests": sum(len(p["arrest_codes"]) for p in mine),
        })  # fmt: skip
    return out


def site_view(engine: Engine, actor, operation: str, site: str) -> dict:
    """One site with its phase, the phases it may move to, its phase history and its totals."""
    with engine.connect() as conn:
        op = _operation(conn, operation)
        require(actor, "read", "patrol", op["organisation_id"])
        wanted = _site(conn, op, site)["id"]
        users, _ = _names(conn)
        view = next(v for v in _site_views(conn, [op["id"]], users) if v["id"] == wanted)
    return view | {"operation": op["name"]}


def _op_view(op: dict, orgs: dict[int, str], sites: list[dict]) -> dict:
    return {
        "name": op["name"], "organisation": orgs.get(op["organisation_id"]), "problem": op["problem_ref"], "area": op["area_code"],
        "start": op["start_date"].isoformat(), "end": op["end_date"].isoformat() if op["end_date"] else None, "description": op["description"],
        "sites": sites, "patrols": sum(s["patrols"] for s in sites), "arrests": sum(s["arrests"] for s in sites),
    }  # fmt: skip


def show_operation(engine: Engine, actor, name: str) -> dict:
    """An operation with its sites (where, phase and history, patrols, hours present, arrests)."""
    with engine.connect() as conn:
        op = _operation(conn, name)
        require(actor, "read", "patrol", op["organisation_id"])
        users, orgs = _names(conn)
        return _op_view(op, orgs, _site_views(conn, [op["id"]], users))


def list_operations(engine: Engine, actor) -> list[dict]:
    """Every operation the actor may read, oldest first, with their sites in brief."""
    with engine.connect() as conn:
        ops, _ = _readable(conn, actor, None)
        users, orgs = _names(conn)
        sites = _site_views(conn, [o["id"] for o in ops], users) if ops else []
    return [_op_view(o, orgs, [s for s in sites if s["operation_id"] == o["id"]]) for o in ops]


# ---------------------------------------------------------------- patrols and arrests


def log_patrol(engine: Engine, actor, operation: str, site: str, *, start: dt.datetime, end: dt.datetime, officers: Iterable[str], activity: str,
               arrests: Iterable[str] = (), stop_searches: int = 0, intelligence_submissions: int = 0, engagements: int = 0,
               notes: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Log one patrol of ``site``: ``start``/``end`` (aware, or naive UK local time), the
    officers (collar numbers or usernames), the activity, one outcome code per arrest and the
    counts. Refused, with every problem found and how to fix it, if it does not add up."""
    # in UTC: Python subtracts and compares two times of the same zone by their wall clocks
    start, end = uk_time(start, "the start", "start").astimezone(dt.UTC), uk_time(end, "the end", "end").astimezone(dt.UTC)
    officers = [o.strip() for o in officers if o and o.strip()]
    codes = [outcome_code(c) for c in arrests]
    with engine.connect() as conn:
        op = _operation(conn, operation)
        require(actor, "write", "patrol", op["organisation_id"])
        s = _site(conn, op, site)
    counts = {"stop_searches": stop_searches, "intelligence_submissions": intelligence_submissions, "engagements": engagements}
    wrong = patrol_problems(start, end, officers, counts, activity=activity, op_name=op["name"], op_start=op["start_date"], op_end=op["end_date"])
    if wrong:
        raise PatrolError("cannot log the patrol:", items=wrong)
    now = now or audit.utcnow()
    p, a = sp.Patrol.__table__, sp.PatrolArrest.__table__
    with engine.begin() as conn:
        pid = conn.execute(p.insert().values(operation_id=op["id"], site_id=s["id"], start_at=_utc(start), end_at=_utc(end), officers=json.dumps(officers),
                                             officer_count=len(officers), activity=activity.strip(), notes=notes, recorded_by=actor.id, recorded_at=now,
                                             **counts).returning(p.c.id)).scalar_one()  # fmt: skip
        if codes:
            conn.execute(a.insert(), [{"patrol_id": pid, "at": None, "outcome_code": c, "updated_at": now, "updated_by": actor.id} for c in codes])
        _audit(conn, "create", actor, "patrol", pid, op["organisation_id"],
               {"operation": op["name"], "site": site, "start": start.astimezone(LONDON).isoformat(), "end": end.astimezone(LONDON).isoformat(),
                "officers": len(officers),
                "arrests": codes} | counts)  # fmt: skip
    return patrol_view(engine, actor, pid)


def patrol_view(engine: Engine, actor, patrol_id: int) -> dict:
    """One patrol as logged, with its arrests (id and outcome code)."""
    p, a = sp.Patrol.__table__, sp.PatrolArrest.__table__
    with engine.connect() as conn:
        row = conn.execute(select(p).where(p.c.id == patrol_id)).mappings().first()
        if row is None:
            raise NotFound(f"no patrol {patrol_id}")
        op = dict(conn.execute(select(sp.Operation.__table__).where(sp.Operation.id == row["operation_id"])).mappings().one())
        require(actor, "read", "patrol", op["organisation_id"])
        site = conn.execute(select(sp.OperationSite.name).where(sp.OperationSite.id == row["site_id"])).scalar_one()
        arrests = [{"id": r.id, "outcome": r.outcome_code} for r in conn.execute(select(a.c.id, a.c.outcome_code).where(a.c.patrol_id == patrol_id).order_by(a.c.id))]
    out = {"id": row["id"], "operation": op["name"], "site": site, "start": _uk(row["start_at"]).isoformat(), "end": _uk(row["end_at"]).isoformat(),
           "minutes": (row["end_at"] - row["start_at"]).total_seconds() / 60, "officers": json.loads(row["officers"]), "activity": row["activity"], "arrests": arrests,
           "stop_searches": row["stop_searches"], "intelligence_submissions": row["intelligence_submissions"], "engagements": row["engagements"],
           "notes": row["notes"]}  # fmt: skip
    if getattr(actor, "role", None) == "public_viewer":  # "you said, we did": counts, not who
        out.pop("officers")
        out.pop("notes")
    return out


def operation_arrests(engine: Engine, actor, operation: str) -> list[dict]:
    """Each arrest made on the operation's patrols, in the order the patrols started: its
    ``id`` (what ``set_arrest_outcome`` takes), the ``patrol`` and its ``site`` and ``start``
    (UK time), and its ``outcome`` code as it stands, with when it was last set (``updated_at``,
    UK time). No personal data: an arrest is a count with an outcome, not a person."""
    p, a = sp.Patrol.__table__, sp.PatrolArrest.__table__
    with engine.connect() as conn:
        op = _operation(conn, operation)
        require(actor, "read", "patrol", op["organisation_id"])
        sites = {s["id"]: s["name"] for s in _sites(conn, [op["id"]])}
        rows = conn.execute(select(a.c.id, a.c.patrol_id, a.c.outcome_code, a.c.updated_at, p.c.site_id, p.c.start_at).join(p, p.c.id == a.c.patrol_id)
                            .where(p.c.operation_id == op["id"]).order_by(p.c.start_at, a.c.id)).all()  # fmt: skip
    return [{"id": r.id, "patrol": r.patrol_id, "site": sites[r.site_id], "start": _uk(r.start_at).isoformat(), "outcome": r.outcome_code,
             "updated_at": _uk(r.updated_at).isoformat() if r.updated_at else None} for r in rows]  # fmt: skip


def set_arrest_outcome(engine: Engine, actor, arrest_id: int, code: str, *, now: dt.datetime | None = None) -> dict:
    """Record the arrest's outcome as it stands now (RUI / bail becomes charged, NFA, ...)."""
    code = outcome_code(code, "code")
    a, p = sp.PatrolArrest.__table__, sp.Patrol.__table__
    with engine.connect() as conn:
        row = conn.execute(select(a, p.c.operation_id).join(p, p.c.id == a.c.patrol_id).where(a.c.id == arrest_id)).mappings().first()
        if row is None:
            raise NotFound(f"no arrest {arrest_id}: each arrest's id comes with the patrol that logged it")
        op = dict(conn.execute(select(sp.Operation.__table__).where(sp.Operation.id == row["operation_id"])).mappings().one())
    require(actor, "write", "patrol", op["organisation_id"])
    old = row["outcome_code"]
    if old != code:
        with engine.begin() as conn:
            conn.execute(a.update().where(a.c.id == arrest_id).values(outcome_code=code, updated_at=now or audit.utcnow(), updated_by=actor.id))
            _audit(conn, "change", actor, "patrol", row["patrol_id"], op["organisation_id"], {"arrest": arrest_id, "from": old, "to": code})
    return {"id": arrest_id, "patrol": row["patrol_id"], "operation": op["name"], "from": old, "outcome": code, "changed": old != code}


def _audit_export(engine: Engine, actor, what: str, owners, detail: dict) -> None:
    """One export entry per owning organisation whose operations were exported."""
    audit.append(engine, *[audit.Entry("export", actor, "patrol", what, owner_org_id=org, purpose=PURPOSE, detail=detail) for org in sorted(set(owners))])


def _period(first: dt.date | None, last: dt.date | None) -> None:
    if first and last and last < first:
        raise PatrolError(f"the period ends ({last.isoformat()}) before it starts ({first.isoformat()})", field="last", fix="give a period that runs forward")


def arrests(engine: Engine, actor, *, operation: str | None = None, by: str = "site", first: dt.date | None = None, last: dt.date | None = None,
            action: str = "read") -> dict:  # fmt: skip
    """The arrest outcomes table (outcome code x site, or x operation) of the operations the
    actor may read (``action``), for patrols starting on UK days ``first``..``last`` (default all)."""
    if by not in ("site", "operation"):
        raise PatrolError(f"unknown grouping {by!r}", field="by", fix="choose site or operation")
    _period(first, last)
    with engine.connect() as conn:
        ops, left = _readable(conn, actor, operation, action)
        ids = [o["id"] for o in ops]
        sites = _sites(conn, ids) if ids else []
        pats = _patrols(conn, ids, first=first, last=last, by_start=True) if ids else []
    names = {o["id"]: o["name"] for o in ops}
    if by == "operation":
        columns = [o["name"] for o in ops]
        key = {s["id"]: names[s["operation_id"]] for s in sites}
    else:
        label = (lambda s: s["name"]) if len(ops) == 1 else (lambda s: f"{names[s['operation_id']]}: {s['name']}")
        key = {s["id"]: label(s) for s in sites}
        columns = [key[s["id"]] for s in sites]
    table = arrest_table([(key[p["site_id"]], c) for p in pats for c in p["arrest_codes"]], columns)
    return {"by": by, "columns": columns, "rows": table, "owners": sorted({o["organisation_id"] for o in ops}),
            "parameters": {"operation": operation, "by": by, "from": first.isoformat() if first else None, "to": last.isoformat() if last else None},
            "notes": ["% is of the PACE outcomes only (the first eight rows); the non-PACE rows show NA"],
            "left_out": {"operations_not_readable": left}}  # fmt: skip


def export_arrests(engine: Engine, actor, *, operation: str | None = None, by: str = "site", first: dt.date | None = None,
                   last: dt.date | None = None) -> dict:  # fmt: skip
    """The arrest outcomes table of the operations the actor may export, as ``columns``
    (outcome, one per site or operation, Total, %) and ``rows`` for a face to write; audited."""
    table = arrests(engine, actor, operation=operation, by=by, first=first, last=last, action="export")
    _audit_export(engine, actor, "arrest outcomes", table["owners"], table["parameters"] | {"rows": len(table["rows"])})
    return table | {"columns": ["outcome", *table["columns"], "Total", "%"]}


# ---------------------------------------------------------------- dosage


def _dosage_rows(pats: list[dict]) -> list[dict]:
    return [{"site": str(p["site_id"]), "start": p["start_at"], "end": p["end_at"], "officers": p["officer_count"]} for p in pats]


def dosage_report(engine: Engine, actor, *, operation: str | None = None, site: str | None = None, first: dt.date | None = None,
                  last: dt.date | None = None, action: str = "read") -> dict:  # fmt: skip
    """Patrol dosage of the sites the actor may read (``action``): per site per UK day (visits,
    minutes present as the union of patrols, officer-minutes) and per site overall with the
    share of visits of 15 minutes or more (``sara.casework.dosage``)."""
    if site is not None and operation is None:
        raise PatrolError("a site is named only within its operation", field="site", fix="name the operation too")
    _period(first, last)
    with engine.connect() as conn:
        ops, left = _readable(conn, actor, operation, action)
        ids = [o["id"] for o in ops]
        sites = _sites(conn, ids) if ids else []
        if site is not None:
            sites = [_site(conn, ops[0], site)]
        pats = _patrols(conn, ids, first=first, last=last) if ids else []
    wanted = {s["id"] for s in sites}
    pats = [p for p in pats if p["site_id"] in wanted]
    names = {o["id"]: o["name"] for o in ops}
    label = {str(s["id"]): (names[s["operation_id"]], s["name"]) for s in sites}
    days = dosage.by_day(_dosage_rows(pats), first=first, last=last)
    per_site = dosage.by_site(_dosage_rows(pats), first=first, last=last)

    def named(frame) -> list[dict]:
        out = []
        for r in frame.to_dicts():
            op, nm = label[r.pop("site")]
            out.append({"operation": op, "site": nm} | {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in r.items()})
        return out

    return {
        "parameters": {"operation": operation, "site": site, "from": first.isoformat() if first else None, "to": last.isoformat() if last else None,
                       "day": "UK calendar day (Europe/London)", "koper_minutes": dosage.KOPER_MINUTES},
        "days": named(days), "sites": named(per_site),
        "unpatrolled_sites": [{"operation": names[s["operation_id"]], "site": s["name"]} for s in sites if str(s["id"]) not in set(per_site["site"].to_list())],
        "left_out": {"operations_not_readable": left}, "owners": sorted({o["organisation_id"] for o in ops}),
    }  # fmt: skip


DOSAGE_COLUMNS = ("operation", "site", "day", "visits", "minutes_present", "officer_minutes")


def export_dosage(engine: Engine, actor, *, operation: str | None = None, site: str | None = None, first: dt.date | None = None,
                  last: dt.date | None = None) -> dict:  # fmt: skip
    """The dosage of the sites the actor may export, with its site x day table as ``columns``
    (``DOSAGE_COLUMNS``) and ``rows`` for a face to write; audited as an export."""
    r = dosage_report(engine, actor, operation=operation, site=site, first=first, last=last, action="export")
    _audit_export(engine, actor, "patrol dosage", r["owners"], r["parameters"] | {"rows": len(r["days"])})
    return r | {"columns": list(DOSAGE_COLUMNS), "rows": r["days"]}


# ---------------------------------------------------------------- the quarterly return

RETURN_COLUMNS = ("operation", "site", "where", "area_code", "lon", "lat", "radius_m", "phase", "quarter", "from", "to", "patrols", "hours_present",
                  "officer_hours", "mean_visit_minutes", "share_visits_15_plus", "arrests", "stop_searches", "intelligence_submissions", "engagements")  # fmt: skip
DETAIL_COLUMNS = ("operation", "site", "where", "quarter", "patrol_id", "start", "end", "minutes", "officers", "officer_ids", "activity", "arrests",
                  "arrest_outcomes", "stop_searches", "intelligence_submissions", "engagements", "notes")  # fmt: skip


def quarters(first: dt.date, last: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Calendar quarters meeting ``first``..``last``, each cut to it: (label, from, to)."""
    _period(first, last)
    out = []
    y, q = first.year, (first.month - 1) // 3
    while True:
        qs = dt.date(y, 3 * q + 1, 1)
        qe = (dt.date(y + (q == 3), 1 if q == 3 else 3 * q + 4, 1)) - dt.timedelta(days=1)
        if qs > last:
            return out
        out.append((f"{y}-Q{q + 1}", max(qs, first), min(qe, last)))
        y, q = (y + 1, 0) if q == 3 else (y, q + 1)


def _phase_on(history: list[dict], day: dt.date) -> str:
    done = [h["phase"] for h in history if h["on_date"] <= day]
    return done[-1] if done else ""


def _outcomes_text(codes: list[str]) -> str:
    c = Counter(codes)
    return "; ".join(f"{code} x{c[code]}" for code in OUTCOME_CODES if c[code])


def patrol_return(engine: Engine, actor, *, first: dt.date, last: dt.date, operation: str | None = None, detail: bool = False) -> dict:
    """The quarterly hotspot patrol return (the module docstring lists its columns) of the
    operations the actor may export; ``detail``: one row per patrol."""
    periods = quarters(first, last)
    with engine.connect() as conn:
        ops, left = _readable(conn, actor, operation, "export")
        if not ops:
            raise PatrolError("there are no operations to return", fix="add an operation and log its patrols first")
        ids = [o["id"] for o in ops]
        sites = _sites(conn, ids)
        hist = _history(conn, [s["id"] for s in sites])
        pats = _patrols(conn, ids, first=first, last=last, by_start=True)
    opn = {o["id"]: o for o in ops}
    rows = []
    for label, qs, qe in periods:
        in_q = [p for p in pats if qs <= dosage.uk_day(p["start_at"]) <= qe]
        for s in sites:
            op = opn[s["operation_id"]]
            mine = [p for p in in_q if p["site_id"] == s["id"]]
            where = where_text(s)
            if detail:
                for p in mine:
                    st, en = _uk(p["start_at"]), _uk(p["end_at"])
                    rows.append({"operation": op["name"], "site": s["name"], "where": where, "quarter": label, "patrol_id": p["id"],
                                 "start": st.isoformat(timespec="minutes"), "end": en.isoformat(timespec="minutes"),
                                 "minutes": round((p["end_at"] - p["start_at"]).total_seconds() / 60, 1), "officers": p["officer_count"], "officer_ids": "; ".join(p["officer_ids"]),
                                 "activity": p["activity"], "arrests": len(p["arrest_codes"]), "arrest_outcomes": _outcomes_text(p["arrest_codes"]),
                                 "stop_searches": p["stop_searches"], "intelligence_submissions": p["intelligence_submissions"], "engagements": p["engagements"],
                                 "notes": p["notes"] or ""})  # fmt: skip
                continue
            running = op["start_date"] <= qe and (op["end_date"] is None or op["end_date"] >= qs)
            if not (running or mine):
                continue
            d = dosage.by_site(_dosage_rows(mine)).to_dicts()
            d = d[0] if d else None
            rows.append({
                "operation": op["name"], "site": s["name"], "where": where, "area_code": s["area_code"] or "", "lon": s["lon"] if s["lon"] is not None else "",
                "lat": s["lat"] if s["lat"] is not None else "", "radius_m": s["radius_m"] if s["radius_m"] is not None else "",
                "phase": _phase_on(hist.get(s["id"], []), qe), "quarter": label, "from": qs.isoformat(), "to": qe.isoformat(), "patrols": len(mine),
                "hours_present": round(d["minutes_present"] / 60, 2) if d else 0.0, "officer_hours": round(d["officer_minutes"] / 60, 2) if d else 0.0,
                "mean_visit_minutes": round(d["mean_visit_minutes"], 1) if d else "", "share_visits_15_plus": round(d["share_15_plus"], 3) if d else "",
                "arrests": sum(len(p["arrest_codes"]) for p in mine), "stop_searches": sum(p["stop_searches"] for p in mine),
                "intelligence_submissions": sum(p["intelligence_submissions"] for p in mine), "engagements": sum(p["engagements"] for p in mine),
            })  # fmt: skip
    return {"columns": list(DETAIL_COLUMNS if detail else RETURN_COLUMNS), "rows": rows, "owners": sorted({o["organisation_id"] for o in ops}),
            "parameters": {"from": first.isoformat(), "to": last.isoformat(), "operation": operation, "detail": detail,
                           "quarters": [q for q, _, _ in periods], "quarter_rule": "each patrol belongs to the quarter of the UK day it starts on"},
            "left_out": {"operations_not_exportable": left}}  # fmt: skip


def export_return(engine: Engine, actor, *, first: dt.date, last: dt.date, operation: str | None = None, detail: bool = False) -> dict:
    """The return (``patrol_return``) of the operations the actor may export, as ``columns``
    and ``rows`` for a face to write, audited as an export (one entry per owning organisation)."""
    result = patrol_return(engine, actor, first=first, last=last, operation=operation, detail=detail)
    detail_ = {"from": first.isoformat(), "to": last.isoformat(), "operation": operation, "detail": detail, "rows": len(result["rows"])}
    _audit_export(engine, actor, f"return {first.isoformat()}..{last.isoformat()}", result["owners"], detail_)
    return result
