"""Operations and patrols for the web pages: one function per page, each calling the casework
functions the CLI calls (``sara.casework.patrols``), which check permission and audit.

* ``overview``: every operation the reader may see, with the patrols of the last seven days;
* ``operation``: one operation with its sites, the dosage per site per day or week, the arrest
  outcomes table and the quarterly return (when the reader may export it);
* ``patrol_form`` and ``log_patrol_form``: the phone form for logging a patrol, as typed
  text in and the logged patrol out; every problem with what was typed is refused at once,
  each naming the form field at fault (``PatrolError.items``).

Places are named: an area code is given with its area's name (``area_name``).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from sara.access.permissions import PermissionDenied, can, require
from sara.casework import patrols
from sara.casework.clock import LONDON
from sara.casework.patrols import OUTCOME_CODES, PatrolError
from sara.services import Context
from sara.store.schema import Area
from sara.store.schema import patrols as sp

WEEK_DAYS = 7
MAX_MINUTES = 24 * 60
MAX_ARRESTS = 50
COUNTS = ("stop_searches", "intelligence_submissions", "engagements")
FIELDS = ("site", "start", "minutes", "end", "officers", "activity", "arrests", "arrest_outcome", *COUNTS, "notes")
DEFAULT_ACTIVITY = "high-visibility foot patrol"


def today_of(ctx: Context) -> dt.date:
    """The UK day of the context's time."""
    return ctx.now.replace(tzinfo=dt.UTC).astimezone(LONDON).date()


def area_names(ctx: Context, codes) -> dict[str, str]:
    """The names of the loaded areas with these codes (code -> "Name (code)")."""
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(Area.code, Area.name, Area.kind).where(Area.code.in_(codes))).all()
    return {r.code: f"{r.name} ({r.code})" if r.name else r.code for r in rows}


def overview(ctx: Context) -> dict:
    """The operations the reader may see (``list_operations``), each with ``patrols_this_week``:
    the patrols touching the last seven UK days, today included."""
    ops = patrols.list_operations(ctx.engine, ctx.actor)
    last = today_of(ctx)
    first = last - dt.timedelta(days=WEEK_DAYS - 1)
    week: dict[str, int] = {}
    if ops:
        d = patrols.dosage_report(ctx.engine, ctx.actor, first=first, last=last)
        for s in d["sites"]:
            week[s["operation"]] = week.get(s["operation"], 0) + s["patrols"]
    names = area_names(ctx, [o["area"] for o in ops] + [s["area_code"] for o in ops for s in o["sites"]])
    return {"operations": [o | {"patrols_this_week": week.get(o["name"], 0)} for o in ops], "week": {"from": first.isoformat(), "to": last.isoformat()},
            "area_names": names, "may_create": bool(can(ctx.actor, "write", "patrol", ctx.actor.organisation_id))}  # fmt: skip


def _week_start(day: str) -> str:
    d = dt.date.fromisoformat(day)
    return (d - dt.timedelta(days=d.weekday())).isoformat()


def dosage_series(op: dict, days: list[dict], per: str, today: dt.date) -> list[dict]:
    """Minutes present and visits per site per UK day (or per week, Monday first) from the
    operation's first day to its last (or today), days without patrols as zero."""
    first = dt.date.fromisoformat(op["start"])
    last = dt.date.fromisoformat(op["end"]) if op["end"] else max(today, first)
    seen = [dt.date.fromisoformat(d["day"]) for d in days]
    if seen:
        first, last = min(first, *seen), max(last, *seen)
    span = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    labels = list(dict.fromkeys(d.isoformat() if per == "day" else _week_start(d.isoformat()) for d in span))
    out = []
    for s in op["sites"]:
        points = {label: {"period": label, "minutes": 0.0, "visits": 0} for label in labels}
        for d in days:
            if d["site"] == s["name"]:
                p = points[d["day"] if per == "day" else _week_start(d["day"])]
                p["minutes"] = round(p["minutes"] + d["minutes_present"], 1)
                p["visits"] += d["visits"]
        out.append({"site": s["name"], "points": list(points.values())})
    return out


def default_period(op: dict, today: dt.date) -> tuple[dt.date, dt.date]:
    """The operation's whole span: its first day to its last (or today)."""
    first = dt.date.fromisoformat(op["start"])
    last = dt.date.fromisoformat(op["end"]) if op["end"] else today
    return first, max(first, last)


def operation(ctx: Context, name: str, *, per: str = "day", first: dt.date | None = None, last: dt.date | None = None) -> dict:
    """The operation page: ``operation`` (``show_operation``), ``dosage`` (``dosage_report``
    of it), ``dosage_series`` per day or week, ``arrests`` (``arrests`` by site) and
    ``return`` (``patrol_return`` for ``first``..``last``, default the operation's span), or
    ``return_refused`` saying why the reader may not have it (a role that exports nothing)."""
    if per not in ("day", "week"):
        raise PatrolError(f"unknown period {per!r}", field="per", fix="choose day or week")
    op = patrols.show_operation(ctx.engine, ctx.actor, name)
    today = today_of(ctx)
    d_first, d_last = default_period(op, today)
    first, last = first or d_first, last or d_last
    dosage = patrols.dosage_report(ctx.engine, ctx.actor, operation=name)
    table = patrols.arrests(ctx.engine, ctx.actor, operation=name)
    try:
        ret, refused = patrols.patrol_return(ctx.engine, ctx.actor, first=first, last=last, operation=name), None
    except PermissionDenied as exc:
        ret, refused = None, f"{exc}: the quarterly return is for those who may export patrols"
    names = area_names(ctx, [op["area"]] + [s["area_code"] for s in op["sites"]])
    return {"operation": op, "dosage": dosage, "dosage_series": {"per": per, "sites": dosage_series(op, dosage["days"], per, today)},
            "arrests": table, "return": ret, "return_refused": refused, "period": {"from": first.isoformat(), "to": last.isoformat()},
            "may_log": _may_log(ctx, name), "area_names": names}  # fmt: skip


def _owner(ctx: Context, name: str) -> int | None:
    with ctx.engine.connect() as conn:
        return conn.execute(select(sp.Operation.organisation_id).where(sp.Operation.name == name)).scalar_one_or_none()


def _may_log(ctx: Context, name: str) -> bool:
    owner = _owner(ctx, name)
    return owner is not None and bool(can(ctx.actor, "write", "patrol", owner))


def patrol_form(ctx: Context, name: str) -> dict:
    """What the patrol form offers: the operation's dates and site names, the arrest outcome
    codes, and defaults (start now, UK time; the signed-in user as the officer); refused
    (``PermissionDenied``) to a reader who may not log patrols of this operation."""
    op = patrols.show_operation(ctx.engine, ctx.actor, name)
    if not _may_log(ctx, name):
        raise PermissionDenied(f"not allowed: only {op['organisation']} logs the patrols of {op['name']}")
    now = ctx.now.replace(tzinfo=dt.UTC).astimezone(LONDON)
    return {"operation": op["name"], "start": op["start"], "end": op["end"], "sites": [s["name"] for s in op["sites"]], "outcomes": list(OUTCOME_CODES),
            "defaults": {"site": op["sites"][0]["name"] if len(op["sites"]) == 1 else "", "start": now.strftime("%Y-%m-%dT%H:%M"), "minutes": "", "end": "",
                         "officers": ctx.actor.username, "activity": DEFAULT_ACTIVITY, "arrests": "0", "arrest_outcome": OUTCOME_CODES[0],
                         "stop_searches": "0", "intelligence_submissions": "0", "engagements": "0", "notes": ""}}  # fmt: skip


def _time(text: str, what: str, field: str, wrong: list) -> dt.datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "T" not in text and " " not in text:
            raise ValueError
        return dt.datetime.fromisoformat(text)
    except ValueError:
        wrong.append((field, f"{what} {text!r} is not a date and time: give it as the form shows, e.g. 2025-04-20 18:30"))
        return None


def _count(text: str, what: str, field: str, wrong: list, top: int) -> int | None:
    text = (text or "").strip() or "0"
    if not re.fullmatch(r"\d{1,6}", text) or int(text) > top:
        wrong.append((field, f"{what} is {text!r}: give a whole number from 0 to {top}"))
        return None
    return int(text)


def log_patrol_form(ctx: Context, name: str, typed: dict[str, str]) -> dict:
    """Log a patrol from the form's text (``FIELDS``): the site by name, the start (UK time),
    how long in minutes or the end, officers separated by commas, the activity, the number of
    arrests and their outcome, the counts and a note. Returns ``patrol_view`` of the patrol;
    refused with a ``PatrolError`` whose items name the form's fields."""
    typed = {f: str(typed.get(f) or "") for f in FIELDS}
    form = patrol_form(ctx, name)
    wrong: list[tuple[str, str]] = []
    site = typed["site"].strip()
    if site not in form["sites"]:
        have = ", ".join(form["sites"]) or "none yet"
        wrong.append(("site", f"choose the site patrolled from the operation's sites ({have})" if not site
                      else f"{form['operation']} has no site {site!r}: choose one of {have}"))  # fmt: skip
    start = _time(typed["start"], "the start", "start", wrong)
    if start is None and not typed["start"].strip():
        wrong.append(("start", "give the time the patrol started"))
    end = _time(typed["end"], "the end", "end", wrong)
    minutes_text = typed["minutes"].strip()
    minutes = _count(minutes_text, "how long", "minutes", wrong, MAX_MINUTES) if minutes_text else None
    if minutes == 0 and minutes_text:
        wrong.append(("minutes", "how long is 0 minutes: give the patrol's length in minutes, 1 or more"))
    if end is None and not minutes_text and not typed["end"].strip():
        wrong.append(("minutes", "say how long the patrol lasted, in minutes, or give the time it ended"))
    if start is not None and end is not None and minutes and end != start + dt.timedelta(minutes=minutes):
        wrong.append(("minutes", f"{minutes} minutes from the start is not the end given: give how long or the end time, not both"))
    if start is not None and end is None and minutes:
        end = start + dt.timedelta(minutes=minutes)
    officers = [o.strip() for o in re.split(r"[,;\n]", typed["officers"]) if o.strip()]
    counts = {c: _count(typed[c], c.replace("_", " "), c, wrong, 10_000) or 0 for c in COUNTS}
    n_arrests = _count(typed["arrests"], "arrests", "arrests", wrong, MAX_ARRESTS) or 0
    code = None
    if n_arrests:
        try:
            code = patrols.outcome_code(typed["arrest_outcome"], "arrest_outcome")
        except PatrolError as exc:
            wrong.append(("arrest_outcome", str(exc)))
    wrong += _casework_problems(form, start, end, officers, counts, typed["activity"], derived=bool(minutes and not typed["end"].strip()))
    if wrong:
        raise PatrolError("cannot log the patrol:", items=wrong)
    try:
        return patrols.log_patrol(ctx.engine, ctx.actor, name, site, start=start, end=end, officers=officers, activity=typed["activity"],
                                  arrests=[code] * n_arrests, notes=typed["notes"].strip() or None, now=ctx.now, **counts)  # fmt: skip
    except PatrolError as exc:
        if minutes and not typed["end"].strip():  # the end was worked out from how long: mark that
            items = [("minutes" if f == "end" else f, t) for f, t in exc.items] or [("minutes" if exc.field == "end" else exc.field, str(exc))]
            raise PatrolError(exc.head, items=items, fix=exc.fix) from None
        raise


def _casework_problems(form: dict, start, end, officers, counts, activity: str, *, derived: bool) -> list[tuple[str, str]]:
    """The casework's own checks of a patrol (``patrol_problems``), run on the typed values
    before logging so that every problem shows at once; without both times only those of the
    officers, counts and activity."""
    known = start is not None and end is not None
    wrong = []
    if known:
        try:
            start, end = patrols.uk_time(start, "the start", "start"), patrols.uk_time(end, "the end", "end")
        except PatrolError as exc:
            return [(exc.field, str(exc))]
    else:
        start = dt.datetime.combine(dt.date.fromisoformat(form["start"]), dt.time(12), tzinfo=LONDON)
        end = start + dt.timedelta(minutes=1)
    op_end = dt.date.fromisoformat(form["end"]) if form["end"] else None
    for field, text in patrols.patrol_problems(start, end, officers, counts, activity=activity, op_name=form["operation"],
                                               op_start=dt.date.fromisoformat(form["start"]), op_end=op_end):  # fmt: skip
        if known or field not in ("start", "end"):
            wrong.append(("minutes" if derived and field == "end" else field, text))
    return wrong


def patrol(ctx: Context, name: str, patrol_id: int) -> dict:
    """One patrol of the operation (``patrol_view``); another operation's patrol is not found."""
    p = patrols.patrol_view(ctx.engine, ctx.actor, patrol_id)
    if p["operation"] != name:
        raise patrols.NotFound(f"operation {name} has no patrol {patrol_id}")
    return p


# ---------------------------------------------------------------- new operations, sites, phases, arrest outcomes
#
# The forms below take what was typed as text and hand the casework its values: a date as
# YYYY-MM-DD, an area by its name (or code), a number as digits. What cannot be read is
# refused at once, each item naming its form field; the casework's own refusals follow.

OPERATION_FIELDS = ("name", "problem", "area", "start", "end", "description")
SITE_FIELDS = ("name", "where", "area", "lon", "lat", "radius_m", "on", "note")
PHASE_FIELDS = ("site", "phase", "on", "note")
WHERE = ("point", "area")
DEFAULT_RADIUS = "150"
RESERVED = ("new",)  # /operations/new is the form, so no operation may be called that
LONGEST_NAME = 200


def _typed(typed: dict, fields) -> dict[str, str]:
    return {f: str(typed.get(f) or "").strip() for f in fields}


def _name(text: str, what: str, wrong: list) -> None:
    if len(text) > LONGEST_NAME:
        wrong.append(("name", f"the {what}'s name is {len(text)} characters long: give one of at most {LONGEST_NAME}"))


def _date(text: str, what: str, field: str, wrong: list, *, required: bool = False) -> dt.date | None:
    if not text:
        if required:
            wrong.append((field, f"give {what}, e.g. 2026-04-05"))
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        wrong.append((field, f"{what} {text!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-04-05"))
        return None


def _number(text: str, what: str, field: str, wrong: list) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        wrong.append((field, f"{what} {text!r} is not a number: give it in figures, e.g. {'150' if field == 'radius_m' else '-1.29043'}"))
        return None
    return value


def _area(ctx: Context, text: str, wrong: list) -> str | None:
    """The code of the loaded area named (or coded) ``text``; a name that fits none, or more
    than one, is refused with the nearest names."""
    from sara.services import problems as problem_services

    if not text:
        return None
    found = problem_services.find_area(ctx, text)
    if found["area"]:
        return found["area"]["code"]
    names = [f"{m['name']} ({m['kind']})" for m in found["matches"][:5]]
    if names:
        wrong.append(("area", f"no loaded area is called exactly {text!r}: choose one of the names offered, e.g. {'; '.join(names)}"))
    else:
        wrong.append(("area", f"no loaded area is called {text!r}: give the name of a loaded LSOA, ward or district"))
    return None


def _problems(ctx: Context) -> list[dict]:
    from sara.casework import problems as casework_problems

    rows = casework_problems.list_problems(ctx.engine, ctx.actor, today=today_of(ctx))
    return [{"reference": p["reference"], "title": p["title"], "state": p["state"], "area": p["area"]} for p in reversed(rows)]


def operation_form(ctx: Context, *, problem: str | None = None) -> dict:
    """What the new operation form offers: the problems the reader may see (newest first, by
    title), the loaded areas by name, and defaults (starting today; with ``problem``, a
    problem's reference, that problem and its area). Refused to a reader whose organisation
    they may not add operations for."""
    from sara.services import problems as problem_services

    require(ctx.actor, "write", "patrol", ctx.actor.organisation_id)
    problems = _problems(ctx)
    chosen = next((p for p in problems if p["reference"] == (problem or "").strip()), None)
    area = area_names(ctx, [chosen["area"]]).get(chosen["area"], "") if chosen and chosen["area"] else ""
    return {"organisation": ctx.actor.organisation, "problems": problems, "areas": problem_services.area_names(ctx),
            "defaults": {"name": "", "problem": chosen["reference"] if chosen else "", "area": re.sub(r" \([^()]*\)$", "", area),
                         "start": today_of(ctx).isoformat(), "end": "", "description": ""}}  # fmt: skip


def create_operation_form(ctx: Context, typed: dict[str, str]) -> dict:
    """A new operation of the reader's organisation from the form's text (``OPERATION_FIELDS``):
    the problem by reference (one the reader may see, or none), the area by name, the dates as
    YYYY-MM-DD. Returns ``show_operation`` of it (``create_operation``)."""
    typed = _typed(typed, OPERATION_FIELDS)
    form = operation_form(ctx)
    wrong: list[tuple[str, str]] = []
    _name(typed["name"], "operation", wrong)
    if typed["name"].casefold() in RESERVED:
        wrong.append(("name", f"an operation cannot be called {typed['name']!r} (its page's address is the new operation form): choose another name"))
    problem = typed["problem"] or None
    if problem and problem not in {p["reference"] for p in form["problems"]}:
        wrong.append(("problem", f"no problem {problem!r} among those you may see: choose one from the list, or none"))
    area = _area(ctx, typed["area"], wrong)
    start = _date(typed["start"], "the start date", "start", wrong, required=True)
    end = _date(typed["end"], "the end date", "end", wrong)
    if wrong:
        raise PatrolError("cannot add the operation:", items=wrong)
    return patrols.create_operation(ctx.engine, ctx.actor, typed["name"], start=start, end=end, problem=problem, area=area,
                                    description=typed["description"] or None, now=ctx.now)  # fmt: skip


def _writable(ctx: Context, name: str) -> dict:
    op = patrols.show_operation(ctx.engine, ctx.actor, name)
    if not _may_log(ctx, name):
        raise PermissionDenied(f"not allowed: only {op['organisation']} changes operation {op['name']}")
    return op


def site_form(ctx: Context, name: str) -> dict:
    """What the new site form offers: the operation, its sites (where each is), the loaded
    areas by name and defaults (a point of radius 150 m, in scoping from today); refused to a
    reader who may not change the operation."""
    from sara.services import problems as problem_services

    op = _writable(ctx, name)
    return {"operation": op["name"], "sites": op["sites"], "areas": problem_services.area_names(ctx), "map": f"/api/operations/{name}/map",
            "defaults": {"name": "", "where": "point", "area": "", "lon": "", "lat": "", "radius_m": DEFAULT_RADIUS, "on": today_of(ctx).isoformat(),
                         "note": ""}}  # fmt: skip


def add_site_form(ctx: Context, name: str, typed: dict[str, str]) -> dict:
    """Add a site to the operation from the form's text (``SITE_FIELDS``): ``where`` is
    "point" (``lon``, ``lat`` in WGS84 degrees and ``radius_m``) or "area" (``area`` by name);
    ``on`` the day it enters scoping (default today). Returns ``site_view`` (``add_site``)."""
    typed = _typed(typed, SITE_FIELDS)
    _writable(ctx, name)
    wrong: list[tuple[str, str]] = []
    _name(typed["name"], "site", wrong)
    lon = lat = radius = area = None
    if typed["where"] == "point":
        lon, lat = _number(typed["lon"], "the longitude", "lon", wrong), _number(typed["lat"], "the latitude", "lat", wrong)
        radius = _number(typed["radius_m"], "the radius", "radius_m", wrong)
    elif typed["where"] == "area":
        area = _area(ctx, typed["area"], wrong)
        if not typed["area"]:
            wrong.append(("area", "give the name of the area the site covers"))
    else:
        wrong.append(("where", "say where the site is: a point with a radius, or an area by its name"))
    on = _date(typed["on"], "the day it enters scoping", "on", wrong)
    if wrong:
        raise PatrolError(f"cannot add site {typed['name']!r}:" if typed["name"] else "cannot add the site:", items=wrong)
    try:
        return patrols.add_site(ctx.engine, ctx.actor, name, typed["name"], area=area, lon=lon, lat=lat, radius_m=radius, on=on or today_of(ctx),
                                note=typed["note"] or None, now=ctx.now)  # fmt: skip
    except PatrolError as exc:
        if not exc.items:
            raise
        raise PatrolError(exc.head, items=[(_one_field(f, typed["where"]), t) for f, t in exc.items], fix=exc.fix) from None


def _one_field(field, where: str) -> str:
    """The form field a refusal names: of a tuple ("area" or "lon"), the one of the kind of
    place chosen."""
    if not isinstance(field, tuple):
        return field
    return next((f for f in field if (f == "area") == (where == "area")), field[0])


def move_phase_form(ctx: Context, name: str, typed: dict[str, str]) -> dict:
    """Move one site of the operation to its next Clear-Hold-Build phase from the form's text
    (``PHASE_FIELDS``: the site by name, the phase, the day, default today, and why). Returns
    ``site_view`` (``move_phase``); refused as the casework refuses (``phase_refusal``)."""
    typed = _typed(typed, PHASE_FIELDS)
    wrong: list[tuple[str, str]] = []
    on = _date(typed["on"], "the day of the change", "on", wrong)
    if not typed["phase"]:
        wrong.append(("phase", "choose the phase the site moves to"))
    if wrong:
        raise PatrolError(f"cannot move site {typed['site']}:", items=wrong)
    return patrols.move_phase(ctx.engine, ctx.actor, name, typed["site"], typed["phase"], on=on or today_of(ctx), note=typed["note"], now=ctx.now)


def arrest_list(ctx: Context, name: str) -> dict:
    """The operation's arrests one by one (``operation_arrests``), the outcome codes, and
    whether the reader may change them (``may_change``)."""
    return {"operation": name, "arrests": patrols.operation_arrests(ctx.engine, ctx.actor, name), "outcomes": list(OUTCOME_CODES),
            "may_change": _may_log(ctx, name)}  # fmt: skip


def set_outcome(ctx: Context, name: str, arrest_id: int, code: str) -> dict:
    """Set an arrest's outcome as it stands now (``set_arrest_outcome``); an arrest of another
    operation is not found here."""
    if arrest_id not in {a["id"] for a in patrols.operation_arrests(ctx.engine, ctx.actor, name)}:
        raise patrols.NotFound(f"operation {name} has no arrest {arrest_id}: each arrest's id is in the list of the operation's arrests")
    return patrols.set_arrest_outcome(ctx.engine, ctx.actor, arrest_id, code, now=ctx.now)


def _feature(geometry, properties: dict) -> dict:
    import json

    import shapely

    small = shapely.set_precision(shapely.simplify(geometry, 0.0001, preserve_topology=True), 1e-5)
    return {"type": "Feature", "geometry": json.loads(shapely.to_geojson(small)), "properties": properties}


def site_map(ctx: Context, name: str) -> dict:
    """What the new site form's map draws (lon/lat GeoJSON): the loaded boundaries around the
    operation (``areas``: its area, its sites, else every district; named where they fit) and
    its sites (``sites``: a point with ``radius_m``, or an area's outline), each with its name."""
    import shapely

    from sara import geo
    from sara.services import places
    from sara.store import queries

    op = patrols.show_operation(ctx.engine, ctx.actor, name)
    codes = [c for c in [op["area"], *(s["area_code"] for s in op["sites"])] if c]
    with ctx.engine.connect() as conn:
        kinds = dict(conn.execute(select(Area.code, Area.kind).where(Area.code.in_(codes))).all()) if codes else {}
    shapes: dict[str, object] = {}
    for kind in sorted(set(kinds.values())):
        loaded = queries.area_shapes(ctx.engine, kind)
        shapes |= {c: loaded[c] for c, k in kinds.items() if k == kind and c in loaded}
    points = [s for s in op["sites"] if s["lon"] is not None]
    near = [shapely.Point(s["lon"], s["lat"]).buffer(max(s["radius_m"], 100) / 50_000) for s in points] + list(shapes.values())
    if not near:
        near = list(queries.area_shapes(ctx.engine, "district").values())
    bounds = tuple(shapely.union_all(near).bounds) if near else None
    backdrop = places.boundaries(ctx, geo.WGS84, bounds) if bounds else None
    areas = [_feature(g, {"name": n, "kind": backdrop.kind}) for g, n in zip(backdrop.shapes, backdrop.names)] if backdrop else []
    sites = []
    for s in op["sites"]:
        if s["lon"] is not None:
            sites.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                          "properties": {"name": s["name"], "radius_m": s["radius_m"], "phase": s["phase"]}})  # fmt: skip
        elif s["area_code"] in shapes:
            sites.append(_feature(shapes[s["area_code"]], {"name": s["name"], "phase": s["phase"]}))
    return {"areas": {"type": "FeatureCollection", "features": areas}, "sites": {"type": "FeatureCollection", "features": sites},
            "bounds": list(bounds) if bounds else None}  # fmt: skip
