"""The partnership plan: themes, priority issues, actions and the indicators that measure
success, in the shape of the Calderdale Community Safety Action Plan 2008-2011 (five themes,
each with "Priority Issue / Actions to Deliver Improvement" and "Measuring Our Success:
Indicator Number, Indicator, Baseline, Target"; reviewed annually).

The rules here:

* **Who writes.** A plan belongs to the organisation of the lead or administrator who created
  it; only a lead or an administrator of that organisation changes it (themes, priorities,
  actions, indicators, entered values). An action's status and due date are also changed by
  its owner organisation's users who write actions (``sara.access.roles``). Every signed-in
  user reads plans. Every create and change is audited in its transaction (purpose
  "partnership plan").
* **References.** ``PLN-YYYY-NNNN`` from the row id (``sara.casework.records``); themes are
  numbered 1, 2, ... within a plan and priorities ``T.P`` (theme 2's first priority is 2.1).
* **Indicators.** ``computed`` from the events (an event query: categories, ASB types, flags,
  an area; a count or a rate per 1,000 residents; per month or per quarter), ``entered`` (a
  survey result, a partner's figure, with its source) or ``survey`` (a question of a
  questionnaire SARA holds, in an area or all: its share positive, in per cent, or its mean
  rating per month or quarter, read from the responses, ``sara.casework.surveys.series``). Each has a baseline (a period and its
  value per month or quarter), a target (value and date, after the baseline) and a direction
  (reduce or increase). A value is entered only for an entered indicator.
* **Progress** (``progress``, pure): the value expected at the end of the latest period on a
  straight line from the baseline (at the end of the baseline period) to the target (on its
  date); on track if the latest value is at least as good as the line, at risk if worse by no
  more than ``tolerance`` (10% by default) of the baseline-target gap, off track beyond. The
  rule is returned in words with the rating.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Sequence

import polars as pl
from sqlalchemy import Connection, Engine, select

from sara import errors
from sara.access import audit
from sara.access.permissions import PermissionDenied, can
from sara.access.users import Actor
from sara.casework.records import CaseworkError, assign_reference, org_id, org_names, temporary_reference
from sara.store.schema import FLAGS
from sara.store.schema import access as sa_
from sara.store.schema import plans as sp
from sara.store.schema import problems as spr

PURPOSE = "partnership plan"
WRITERS = ("lead", "administrator")
KINDS = ("computed", "entered", "survey")
MEASURES = ("count", "rate_per_1000")
SURVEY_MEASURES = ("share", "mean")
GRANULARITIES = ("month", "quarter")
DIRECTIONS = ("reduce", "increase")
ACTION_STATUSES = ("open", "in_progress", "blocked", "done", "cancelled")
OPEN_ACTION = ("open", "in_progress", "blocked")
ASB_TYPES = ("Personal", "Nuisance", "Environmental")
RATINGS = ("on track", "at risk", "off track", "no data")
TOLERANCE = 0.1
TITLE_LENGTH = 200


class PlanError(CaseworkError):
    """A refused plan operation: what is wrong, the field, and how to put it right."""


class NotFound(errors.NotFound):
    pass


# ---------------------------------------------------------------- periods (pure)


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def quarter_start(d: dt.date) -> dt.date:
    return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def period_start(d: dt.date, granularity: str) -> dt.date:
    return quarter_start(d) if granularity == "quarter" else month_start(d)


def add_months(d: dt.date, n: int) -> dt.date:
    i = d.year * 12 + d.month - 1 + n
    return dt.date(i // 12, i % 12 + 1, 1)


def period_end(start: dt.date, granularity: str) -> dt.date:
    """The last day of the month or quarter starting on ``start``."""
    last = add_months(start, 3 if granularity == "quarter" else 1)
    return last - dt.timedelta(days=1)


def label(start: dt.date, granularity: str) -> str:
    """``2025-03`` for a month, ``2025-Q1`` for a quarter."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}" if granularity == "quarter" else f"{start:%Y-%m}"


def periods(first: dt.date, last: dt.date, granularity: str) -> list[dt.date]:
    """The starts of the months or quarters from the one holding ``first`` to the one holding ``last``."""
    out, p = [], period_start(first, granularity)
    step = 3 if granularity == "quarter" else 1
    while p <= last:
        out.append(p)
        p = add_months(p, step)
    return out


def parse_period(text: str, field: str) -> tuple[dt.date, dt.date]:
    """A period as people write it: ``2025-03`` (a month), ``2025-Q1`` (a quarter), ``2025``
    (a year) or ``FIRST:LAST`` of those; returns its first and last day."""
    text = (text or "").strip()
    if ":" in text:
        a, b = text.split(":", 1)
        first, _ = parse_period(a, field)
        _, last = parse_period(b, field)
        if last < first:
            raise PlanError(f"the period {text!r} ends before it starts", field=field, fix="give the earlier month first, e.g. 2025-01:2025-03")
        return first, last
    try:
        if len(text) == 4 and text.isdigit():
            return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
        if len(text) == 7 and text[4:6].upper() == "-Q" and text[6] in "1234":
            q = quarter_start(dt.date(int(text[:4]), 3 * int(text[6]) - 2, 1))
            return q, period_end(q, "quarter")
        y, m = (int(p) for p in text.split("-"))
        start = dt.date(y, m, 1)
        return start, start.replace(day=calendar.monthrange(y, m)[1])
    except ValueError:
        raise PlanError(f"{text!r} is not a period", field=field, fix="write a month (2025-03), a quarter (2025-Q1), a year (2025) or FIRST:LAST") from None


# ---------------------------------------------------------------- progress (pure)


def expected_at(baseline: float, baseline_date: dt.date, target: float, target_date: dt.date, on: dt.date) -> float:
    """The value on the straight line from (baseline_date, baseline) to (target_date, target)
    on day ``on``, held at the baseline before it and at the target after it."""
    span = (target_date - baseline_date).days
    share = min(max((on - baseline_date).days / span, 0.0), 1.0) if span > 0 else 1.0
    return baseline + (target - baseline) * share


def _fmt(v: float | None) -> str:
    if v is None:
        return "none"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def rate(value: float | None, expected: float, band: float, direction: str) -> str:
    """The rating of ``value`` against the line's ``expected`` value: on track if at least as
    good, at risk if worse by no more than ``band``, off track beyond; no data without a value."""
    if value is None:
        return "no data"
    shortfall = (value - expected) if direction == "reduce" else (expected - value)
    if shortfall <= 1e-9:
        return "on track"
    return "at risk" if shortfall <= band + 1e-9 else "off track"


def progress(*, baseline: float, baseline_date: dt.date, target: float, target_date: dt.date, direction: str,
             series: Sequence[tuple[str, dt.date, float | None]], tolerance: float = TOLERANCE) -> dict:  # fmt: skip
    """Progress of an indicator: ``series`` is (label, last day, value or None when not known)
    per period, oldest first. Each period gets the value the straight line from the baseline
    to the target expects on its last day, and a rating; the indicator is rated by its latest
    period with a value. Returns the rows, the latest, the rating and the rule in words."""
    gap = abs(target - baseline)
    band = tolerance * (gap if gap else abs(baseline))
    better = "at or below" if direction == "reduce" else "at or above"
    rows = []
    for name, last_day, value in series:
        exp = expected_at(baseline, baseline_date, target, target_date, last_day)
        rows.append({"period": name, "to": last_day.isoformat(), "value": value, "expected": round(exp, 4), "rating": rate(value, exp, band, direction)})
    latest = next((r for r in reversed(rows) if r["value"] is not None), None)
    rating = latest["rating"] if latest else "no data"
    rule = (f"The line runs from the baseline {_fmt(baseline)} on {baseline_date.isoformat()} to the target {_fmt(target)} on {target_date.isoformat()}. "
            f"On track: the latest value is {better} the line; at risk: worse than the line by no more than {tolerance:.0%} of the "
            f"baseline-target gap ({_fmt(band)}); off track: worse by more.")  # fmt: skip
    if latest:
        rule += f" Latest: {latest['period']} {_fmt(latest['value'])} against {_fmt(latest['expected'])} expected: {latest['rating']}."
    else:
        rule += " No value yet: no data."
    return {"rows": rows, "latest": latest, "rating": rating, "rule": rule, "band": band, "tolerance": tolerance}


# ---------------------------------------------------------------- the events counted


def monthly_counts(engine: Engine, query: dict, area: dict | None, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Events per month matching ``query`` (categories, asb_types, flags) in ``area``, from
    ``first`` to ``last`` (months), selected as the scans select events (``sara.store.queries.events``)."""
    from sara.store import queries

    frame, _ = queries.events(engine, categories=list(query.get("categories") or []) or None, area=f"{area['kind']}:{area['code']}" if area else None,
                              start=f"{first:%Y-%m}", end=f"{last:%Y-%m}")  # fmt: skip
    if frame.height == 0:
        return {}
    if query.get("asb_types"):
        frame = frame.filter(pl.col("asb_category").is_in(list(query["asb_types"])))
    for flag in query.get("flags") or []:
        frame = frame.filter(pl.col(flag).cast(pl.Boolean))
    return {m: n for m, n in frame.group_by("month").len().iter_rows()}


# ---------------------------------------------------------------- who may write


def may_write(actor, organisation_id: int) -> bool:
    """Whether ``actor`` may change a plan of ``organisation_id``: a lead or administrator of it."""
    return bool(actor is not None and getattr(actor, "active", True) and actor.role in WRITERS and actor.organisation_id == organisation_id)


def _require_writer(actor, plan: dict) -> None:
    if not may_write(actor, plan["organisation_id"]):
        raise PermissionDenied("not allowed: a plan is changed only by a lead or an administrator of the organisation that owns it")


def _require_reader(actor) -> None:
    if actor is None or not getattr(actor, "active", True):
        raise PermissionDenied("not allowed: sign in to read partnership plans")


def _audit(conn: Connection, action: str, actor: Actor, subject: str, ref, owner_org: int, detail: dict) -> None:
    audit.record(conn, [audit.Entry(action, actor, subject, ref, owner_org_id=owner_org, purpose=PURPOSE, detail=detail)])


# ---------------------------------------------------------------- reading


def _missing(ref) -> NotFound:
    return NotFound(f"no plan {ref!r}: check the reference (PLN-YYYY-NNNN) against the list of plans")


def _plan_row(conn: Connection, ref: str) -> dict:
    t = sp.Plan.__table__
    row = conn.execute(select(t).where(t.c.reference == str(ref))).mappings().first()
    if row is None:
        raise _missing(ref)
    return dict(row)


def _themes(conn: Connection, plan_id: int) -> list[dict]:
    t = sp.PlanTheme.__table__
    return [dict(r) for r in conn.execute(select(t).where(t.c.plan_id == plan_id).order_by(t.c.seq)).mappings()]


def _theme(conn: Connection, plan: dict, number, field: str = "theme") -> dict:
    themes = _themes(conn, plan["id"])
    for th in themes:
        if str(th["seq"]) == str(number).strip() or th["title"].casefold() == str(number).strip().casefold():
            return th
    listed = "; ".join(f"{th['seq']} {th['title']}" for th in themes) or "none yet: add one first"
    raise PlanError(f"plan {plan['reference']} has no theme {number!r}", field=field, fix=f"give a theme's number or title ({listed})")


def _priority(conn: Connection, plan: dict, number: str, field: str = "priority") -> tuple[dict, dict]:
    """The priority ``T.P`` (theme number, priority number) of ``plan`` and its theme."""
    t_no, _, p_no = str(number).strip().partition(".")
    theme = _theme(conn, plan, t_no, field)
    t = sp.PlanPriority.__table__
    rows = [dict(r) for r in conn.execute(select(t).where(t.c.theme_id == theme["id"]).order_by(t.c.seq)).mappings()]
    for p in rows:
        if str(p["seq"]) == p_no:
            return p, theme
    listed = ", ".join(f"{theme['seq']}.{p['seq']}" for p in rows) or "none yet: add one first"
    raise PlanError(f"theme {theme['seq']} of {plan['reference']} has no priority {number!r}", field=field,
                    fix=f"give it as THEME.PRIORITY, e.g. {theme['seq']}.1 ({listed})")  # fmt: skip


def overdue(action: dict, today: dt.date) -> bool:
    return action["status"] in OPEN_ACTION and action["due"] < today


def load(engine: Engine, actor, ref: str, *, today: dt.date | None = None) -> dict:
    """The whole plan as plain data: its themes in order, each with its priorities (each with
    its actions and their problems) and its indicators (each with its entered values)."""
    _require_reader(actor)
    today = today or audit.utcnow().date()
    with engine.connect() as conn:
        p = _plan_row(conn, ref)
        orgs = org_names(conn)
        u = sa_.User.__table__
        users = dict(conn.execute(select(u.c.id, u.c.username)).all())
        themes = _themes(conn, p["id"])
        ids = [th["id"] for th in themes]
        pt, at, lt = sp.PlanPriority.__table__, sp.PlanAction.__table__, sp.PlanActionProblem.__table__
        it, vt = sp.PlanIndicator.__table__, sp.IndicatorValue.__table__
        prios = [dict(r) for r in conn.execute(select(pt).where(pt.c.theme_id.in_(ids)).order_by(pt.c.seq)).mappings()] if ids else []
        acts = [dict(r) for r in conn.execute(select(at).where(at.c.priority_id.in_([x["id"] for x in prios])).order_by(at.c.id)).mappings()] if prios else []
        links: dict[int, list[str]] = {}
        if acts:
            for aid, pref in conn.execute(select(lt.c.action_id, lt.c.problem_ref).where(lt.c.action_id.in_([a["id"] for a in acts])).order_by(lt.c.id)):
                links.setdefault(aid, []).append(pref)
        inds = [dict(r) for r in conn.execute(select(it).where(it.c.theme_id.in_(ids)).order_by(it.c.id)).mappings()] if ids else []
        values: dict[int, list[dict]] = {}
        if inds:
            for v in conn.execute(select(vt).where(vt.c.indicator_id.in_([i["id"] for i in inds])).order_by(vt.c.period_start)).mappings():
                values.setdefault(v["indicator_id"], []).append(
                    {"period_start": v["period_start"].isoformat(), "value": v["value"], "source": v["source"], "entered_by": users.get(v["entered_by"]),
                     "entered_at": v["entered_at"].isoformat()})  # fmt: skip
    out_themes = []
    for th in themes:
        ps = []
        for pr in (x for x in prios if x["theme_id"] == th["id"]):
            ps.append({"number": f"{th['seq']}.{pr['seq']}", "title": pr["title"], "actions": [
                {"id": a["id"], "description": a["description"], "organisation": orgs.get(a["organisation_id"]), "organisation_id": a["organisation_id"],
                 "due": a["due"].isoformat(), "status": a["status"], "overdue": overdue(a, today), "done_at": a["done_at"].isoformat() if a["done_at"] else None,
                 "problems": links.get(a["id"], [])}
                for a in acts if a["priority_id"] == pr["id"]]})  # fmt: skip
        ins = [_indicator_view(i, values.get(i["id"], [])) for i in inds if i["theme_id"] == th["id"]]
        out_themes.append({"number": th["seq"], "title": th["title"], "why": th["why"], "priorities": ps, "indicators": ins})
    return {"reference": p["reference"], "title": p["title"], "organisation": orgs.get(p["organisation_id"]), "organisation_id": p["organisation_id"],
            "period": {"from": p["period_start"].isoformat(), "to": p["period_end"].isoformat()}, "description": p["description"],
            "created_by": users.get(p["created_by"]), "created_at": p["created_at"].isoformat(), "updated_at": p["updated_at"].isoformat(),
            "themes": out_themes, "may_write": may_write(actor, p["organisation_id"])}  # fmt: skip


def _indicator_view(i: dict, values: list[dict]) -> dict:
    return {"id": i["id"], "code": i["code"], "name": i["name"], "kind": i["kind"], "query": json.loads(i["query"]) if i["query"] else None,
            "area": {"code": i["area_code"], "kind": i["area_kind"]} if i["area_code"] else None, "measure": i["measure"], "granularity": i["granularity"],
            "direction": i["direction"], "source": i["source"],
            "baseline": {"from": i["baseline_start"].isoformat(), "to": i["baseline_end"].isoformat(), "value": i["baseline_value"]},
            "target": {"value": i["target_value"], "date": i["target_date"].isoformat()}, "tolerance": i["tolerance"],
            "values": values}  # fmt: skip


def list_plans(engine: Engine, actor) -> list[dict]:
    """Every plan (all signed-in users read plans), newest first, with its counts."""
    _require_reader(actor)
    t, th, it, pt, at = sp.Plan.__table__, sp.PlanTheme.__table__, sp.PlanIndicator.__table__, sp.PlanPriority.__table__, sp.PlanAction.__table__
    with engine.connect() as conn:
        orgs = org_names(conn)
        plans = [dict(r) for r in conn.execute(select(t).order_by(t.c.id.desc())).mappings()]
        themes = conn.execute(select(th.c.id, th.c.plan_id)).all()
        plan_of = {tid: pid for tid, pid in themes}
        inds = conn.execute(select(it.c.theme_id)).scalars().all()
        prio_theme = dict(conn.execute(select(pt.c.id, pt.c.theme_id)).all())
        acts = conn.execute(select(at.c.priority_id)).scalars().all()
    count = lambda ids, pid: sum(1 for x in ids if plan_of.get(x) == pid)  # noqa: E731
    return [{"reference": p["reference"], "title": p["title"], "organisation": orgs.get(p["organisation_id"]),
             "period": {"from": p["period_start"].isoformat(), "to": p["period_end"].isoformat()},
             "themes": sum(1 for _, pid in themes if pid == p["id"]), "indicators": count(inds, p["id"]),
             "actions": count([prio_theme[a] for a in acts], p["id"])} for p in plans]  # fmt: skip


# ---------------------------------------------------------------- writing


def _text(value: str | None, field: str, what: str, example: str, limit: int | None = None) -> str:
    if not value or not value.strip():
        raise PlanError(f"{what} is missing", field=field, fix=f"give it, e.g. {example!r}")
    if limit and len(value.strip()) > limit:
        raise PlanError(f"{what} is {len(value.strip())} characters long", field=field, fix=f"shorten it to {limit} at most")
    return value.strip()


def create(engine: Engine, actor: Actor, title: str, *, start: dt.date, end: dt.date, description: str | None = None, now: dt.datetime | None = None) -> str:
    """A new plan owned by the actor's organisation (a lead or an administrator) covering
    ``start``..``end``; returns its reference."""
    if not may_write(actor, getattr(actor, "organisation_id", None)):
        raise PermissionDenied("not allowed: a plan is made by a lead or an administrator of the organisation that will own it")
    title = _text(title, "title", "the plan's title", "Community Safety Action Plan 2025-2028", TITLE_LENGTH)
    if end <= start:
        raise PlanError(f"the plan ends on {end.isoformat()}, not after it starts ({start.isoformat()})", field="end", fix="give an end date after the start")
    now = now or audit.utcnow()
    t = sp.Plan.__table__
    with engine.begin() as conn:
        pid = conn.execute(t.insert().values(reference=temporary_reference(), title=title, organisation_id=actor.organisation_id, period_start=start,
                                             period_end=end, description=(description or "").strip() or None, created_by=actor.id, created_at=now,
                                             updated_at=now).returning(t.c.id)).scalar_one()  # fmt: skip
        ref = assign_reference(conn, t, pid, "PLN", now.year)
        _audit(conn, "create", actor, "plan", ref, actor.organisation_id, {"title": title, "from": start.isoformat(), "to": end.isoformat()})
    return ref


def _touch(conn: Connection, plan: dict, now: dt.datetime) -> None:
    t = sp.Plan.__table__
    conn.execute(t.update().where(t.c.id == plan["id"]).values(updated_at=now))


def _writable(engine: Engine, actor, ref: str) -> dict:
    _require_reader(actor)
    with engine.connect() as conn:
        plan = _plan_row(conn, ref)
    _require_writer(actor, plan)
    return plan


def add_theme(engine: Engine, actor: Actor, ref: str, title: str, *, why: str | None = None, now: dt.datetime | None = None) -> int:
    """Add a theme at the end of the plan; returns its number."""
    plan = _writable(engine, actor, ref)
    title = _text(title, "title", "the theme's title", "Working with communities to challenge anti-social behaviour", 300)
    now = now or audit.utcnow()
    with engine.connect() as conn:
        themes = _themes(conn, plan["id"])
    if any(th["title"].casefold() == title.casefold() for th in themes):
        raise PlanError(f"plan {ref} has a theme {title!r} already", field="title", fix="add its priorities and indicators to it, or give another title")
    seq = max((th["seq"] for th in themes), default=0) + 1
    with engine.begin() as conn:
        conn.execute(sp.PlanTheme.__table__.insert().values(plan_id=plan["id"], seq=seq, title=title, why=(why or "").strip() or None))
        _touch(conn, plan, now)
        _audit(conn, "change", actor, "plan", ref, plan["organisation_id"], {"theme": seq, "title": title})
    return seq


def add_priority(engine: Engine, actor: Actor, ref: str, theme, title: str, *, now: dt.datetime | None = None) -> str:
    """Add a priority issue to theme ``theme`` (its number or title); returns ``T.P``."""
    plan = _writable(engine, actor, ref)
    title = _text(title, "title", "the priority issue", "Tackle incidents of anti-social behaviour", 300)
    now = now or audit.utcnow()
    t = sp.PlanPriority.__table__
    with engine.connect() as conn:
        th = _theme(conn, plan, theme)
        seq = max(conn.execute(select(t.c.seq).where(t.c.theme_id == th["id"])).scalars(), default=0) + 1
    with engine.begin() as conn:
        conn.execute(t.insert().values(theme_id=th["id"], seq=seq, title=title))
        _touch(conn, plan, now)
        _audit(conn, "change", actor, "plan", ref, plan["organisation_id"], {"priority": f"{th['seq']}.{seq}", "title": title})
    return f"{th['seq']}.{seq}"


def _check_problems(conn: Connection, refs: Sequence[str]) -> list[str]:
    refs = list(dict.fromkeys(r.strip() for r in refs if r and r.strip()))
    if not refs:
        return []
    t = spr.Problem.__table__
    known = set(conn.execute(select(t.c.reference).where(t.c.reference.in_(refs))).scalars())
    unknown = [r for r in refs if r not in known]
    if unknown:
        raise PlanError(f"no problem {', '.join(repr(r) for r in unknown)}", field="problems", fix="link problems by their reference (PRB-YYYY-NNNN), as the list of problems shows it")
    return refs


def _check_status(status: str) -> str:
    if status not in ACTION_STATUSES:
        raise PlanError(f"unknown action status {status!r}", field="status", fix=f"choose one of {', '.join(ACTION_STATUSES)}")
    return status


def add_action(engine: Engine, actor: Actor, ref: str, priority: str, description: str, *, organisation: str, due: dt.date, status: str = "open",
               problems: Sequence[str] = (), now: dt.datetime | None = None) -> int:  # fmt: skip
    """Add an action to priority ``priority`` (``T.P``) owned by ``organisation`` (by name),
    due on ``due``, serving ``problems`` (their references); returns the action's id."""
    plan = _writable(engine, actor, ref)
    description = _text(description, "description", "the action", "Improve the targeting of youth provision to hotspot areas")
    _check_status(status)
    now = now or audit.utcnow()
    with engine.connect() as conn:
        pr, _ = _priority(conn, plan, priority)
        oid = org_id(conn, organisation)
        refs = _check_problems(conn, problems)
    at, lt = sp.PlanAction.__table__, sp.PlanActionProblem.__table__
    with engine.begin() as conn:
        aid = conn.execute(at.insert().values(priority_id=pr["id"], description=description, organisation_id=oid, due=due, status=status, created_by=actor.id,
                                              created_at=now, updated_at=now, done_at=now if status == "done" else None).returning(at.c.id)).scalar_one()  # fmt: skip
        for r in refs:
            conn.execute(lt.insert().values(action_id=aid, problem_ref=r))
        _touch(conn, plan, now)
        _audit(conn, "create", actor, "plan_action", aid, oid, {"plan": ref, "priority": priority, "description": description, "due": due.isoformat(),
                                                                "status": status, "problems": refs})  # fmt: skip
    return aid


def update_action(engine: Engine, actor: Actor, action_id: int, *, status: str | None = None, due: dt.date | None = None, problems: Sequence[str] = (),
                  now: dt.datetime | None = None) -> str:  # fmt: skip
    """Change an action's status or due date, or link more problems: by the plan's writers or
    by the action's own organisation. Returns the plan's reference."""
    _require_reader(actor)
    now = now or audit.utcnow()
    at, lt, pt, tt, t = sp.PlanAction.__table__, sp.PlanActionProblem.__table__, sp.PlanPriority.__table__, sp.PlanTheme.__table__, sp.Plan.__table__
    with engine.connect() as conn:
        a = conn.execute(select(at).where(at.c.id == action_id)).mappings().first()
        if a is None:
            raise NotFound(f"no plan action {action_id}: a plan's actions, with their ids, are in `show`")
        plan = dict(conn.execute(select(t).join(tt, tt.c.plan_id == t.c.id).join(pt, pt.c.theme_id == tt.c.id).where(pt.c.id == a["priority_id"])).mappings().one())
        refs = _check_problems(conn, problems)
        have = set(conn.execute(select(lt.c.problem_ref).where(lt.c.action_id == action_id)).scalars())
    if not (may_write(actor, plan["organisation_id"]) or can(actor, "write", "action", a["organisation_id"])):
        raise PermissionDenied("not allowed: a plan's action is changed by the plan's leads and administrators or by the organisation that owns the action")
    if status is None and due is None and not refs:
        raise PlanError("nothing to change", field="status", fix="give a new status, a due date or a problem to link")
    values: dict = {"updated_at": now}
    if status is not None:
        values["status"] = _check_status(status)
        values["done_at"] = (a["done_at"] or now) if status == "done" else None
    if due is not None:
        values["due"] = due
    with engine.begin() as conn:
        conn.execute(at.update().where(at.c.id == action_id).values(**values))
        for r in refs:
            if r not in have:
                conn.execute(lt.insert().values(action_id=action_id, problem_ref=r))
        _touch(conn, plan, now)
        _audit(conn, "change", actor, "plan_action", action_id, a["organisation_id"],
               {"plan": plan["reference"], "status": status, "was": a["status"], "due": due.isoformat() if due else None, "problems": refs})  # fmt: skip
    return plan["reference"]


def add_indicator(engine: Engine, actor: Actor, ref: str, theme, name: str, *, kind: str, baseline_start: dt.date, baseline_end: dt.date,
                  baseline_value: float, target_value: float, target_date: dt.date, direction: str = "reduce", granularity: str = "month",
                  code: str | None = None, query: dict | None = None, area_code: str | None = None, area_kind: str | None = None,
                  measure: str = "count", source: str | None = None, tolerance: float = TOLERANCE, now: dt.datetime | None = None) -> int:  # fmt: skip
    """Add a "Measuring our success" indicator to theme ``theme``; returns its id. A computed
    one has an event ``query`` (categories, asb_types, flags) and ``measure``; an entered one
    a ``source``. ``baseline_value`` is per month or quarter (``granularity``)."""
    plan = _writable(engine, actor, ref)
    check_indicator(kind=kind, name=name, baseline_start=baseline_start, baseline_end=baseline_end, target_date=target_date, direction=direction,
                    granularity=granularity, query=query, measure=measure, source=source, tolerance=tolerance, area_code=area_code)  # fmt: skip
    if (direction == "reduce" and target_value > baseline_value) or (direction == "increase" and target_value < baseline_value):
        raise PlanError(f"a target of {target_value:g} does not {direction} the baseline of {baseline_value:g}", field="target_value",
                        fix="give a target on the side of the baseline the indicator aims for, or change its direction")  # fmt: skip
    now = now or audit.utcnow()
    it = sp.PlanIndicator.__table__
    with engine.connect() as conn:
        th = _theme(conn, plan, theme)
    counted = kind in ("computed", "survey")
    values = dict(theme_id=th["id"], code=(code or "").strip() or None, name=name.strip(), kind=kind, query=json.dumps(query, sort_keys=True) if counted else None,
                  area_code=area_code if counted else None, area_kind=area_kind if counted else None,
                  measure=measure if counted else "value", granularity=granularity, direction=direction,
                  source=(source or "").strip() or None, baseline_start=baseline_start, baseline_end=baseline_end, baseline_value=float(baseline_value),
                  target_value=float(target_value), target_date=target_date, tolerance=float(tolerance), created_by=actor.id, created_at=now)  # fmt: skip
    with engine.begin() as conn:
        iid = conn.execute(it.insert().values(**values).returning(it.c.id)).scalar_one()
        _touch(conn, plan, now)
        _audit(conn, "create", actor, "plan_indicator", iid, plan["organisation_id"],
               {"plan": ref, "theme": th["seq"], "name": values["name"], "kind": kind, "baseline": float(baseline_value), "target": float(target_value),
                "target_date": target_date.isoformat()})  # fmt: skip
    return iid


def check_indicator(*, kind: str, name: str, baseline_start: dt.date, baseline_end: dt.date, target_date: dt.date, direction: str, granularity: str,
                    query: dict | None, measure: str, source: str | None, tolerance: float, area_code: str | None) -> None:  # fmt: skip
    """Every rule an indicator's definition must meet, before anything is computed or written."""
    if kind not in KINDS:
        raise PlanError(f"unknown indicator kind {kind!r}", field="kind",
                        fix="choose computed (counted from the events), entered (a partner's figure) or survey (a question of a survey SARA holds)")  # fmt: skip
    _text(name, "name", "the indicator's name", "Anti-social behaviour incidents", 300)
    if direction not in DIRECTIONS:
        raise PlanError(f"unknown direction {direction!r}", field="direction", fix=f"choose one of {', '.join(DIRECTIONS)}")
    if granularity not in GRANULARITIES:
        raise PlanError(f"unknown period {granularity!r}", field="granularity", fix=f"choose one of {', '.join(GRANULARITIES)}")
    if baseline_end < baseline_start:
        raise PlanError("the baseline period ends before it starts", field="baseline_period", fix="give the earlier month first, e.g. 2025-01:2025-03")
    if granularity == "quarter" and (baseline_start != quarter_start(baseline_start) or baseline_end != period_end(quarter_start(baseline_end), "quarter")):
        raise PlanError("a quarterly indicator's baseline is whole quarters", field="baseline_period", fix="give quarters, e.g. 2025-Q1 or 2025-Q1:2025-Q2")
    if target_date <= baseline_end:
        raise PlanError(f"the target date {target_date.isoformat()} is not after the baseline (which ends {baseline_end.isoformat()})", field="target_date",
                        fix="give a target date after the baseline period")  # fmt: skip
    if not 0 < tolerance <= 1:
        raise PlanError(f"the tolerance {tolerance} is not a share between 0 and 1", field="tolerance", fix="give e.g. 0.1 for 10% of the baseline-target gap")
    if kind == "survey":
        q = query or {}
        if set(q) != {"questionnaire", "question"} or not all(isinstance(v, str) and v.strip() for v in q.values()):
            raise PlanError("a survey indicator names its questionnaire and question", field="survey", fix="give the questionnaire's key and the question's key (sara survey show)")
        if measure not in SURVEY_MEASURES:
            raise PlanError(f"unknown survey measure {measure!r}", field="measure", fix=f"choose one of {', '.join(SURVEY_MEASURES)}")
        return
    if kind == "entered":
        if not (source or "").strip():
            raise PlanError("an entered indicator needs its source", field="source", fix="say where its figures come from, e.g. 'residents survey, Bolsover District Council'")
        if query:
            raise PlanError("an entered indicator has no event query", field="kind", fix="make it computed to count events, or leave out the categories, types and flags")
        return
    if measure not in MEASURES:
        raise PlanError(f"unknown measure {measure!r}", field="measure", fix=f"choose one of {', '.join(MEASURES)}")
    if measure == "rate_per_1000" and not area_code:
        raise PlanError("a rate per 1,000 residents needs an area", field="area", fix="give an area with a population loaded, or count instead")
    q = query or {}
    unknown = set(q) - {"categories", "asb_types", "flags"}
    if unknown:
        raise PlanError(f"unknown query fields {sorted(unknown)}", field="query", fix="an indicator's query has categories, asb_types and flags")
    bad_flags = [f for f in q.get("flags") or [] if f not in FLAGS]
    if bad_flags:
        raise PlanError(f"unknown flag {bad_flags[0]!r}", field="flags", fix=f"choose from {', '.join(FLAGS)}")
    bad_types = [a for a in q.get("asb_types") or [] if a not in ASB_TYPES]
    if bad_types:
        raise PlanError(f"unknown ASB type {bad_types[0]!r}", field="asb_types", fix=f"choose from {', '.join(ASB_TYPES)}")


def indicator(engine: Engine, actor, indicator_id: int) -> tuple[dict, dict]:
    """An indicator's row and its plan's row."""
    _require_reader(actor)
    it, tt, t = sp.PlanIndicator.__table__, sp.PlanTheme.__table__, sp.Plan.__table__
    with engine.connect() as conn:
        i = conn.execute(select(it).where(it.c.id == indicator_id)).mappings().first()
        if i is None:
            raise NotFound(f"no plan indicator {indicator_id}: a plan's indicators, with their ids, are in `show`")
        plan = dict(conn.execute(select(t).join(tt, tt.c.plan_id == t.c.id).where(tt.c.id == i["theme_id"])).mappings().one())
    return dict(i), plan


def enter_value(engine: Engine, actor: Actor, indicator_id: int, period: dt.date, value: float, *, source: str | None = None,
                now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Enter (or correct) the value of an entered indicator for the month or quarter holding
    ``period``; ``source`` defaults to the indicator's. Returns what was stored."""
    i, plan = indicator(engine, actor, indicator_id)
    _require_writer(actor, plan)
    if i["kind"] != "entered":
        where = "read from the survey's responses" if i["kind"] == "survey" else "computed from the events"
        raise PlanError(f"indicator {indicator_id} ({i['name']}) is {where}: its values are counted, not entered", field="value",
                        fix="enter values only for an entered indicator (a survey result, a partner's figure)")  # fmt: skip
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise PlanError(f"{value!r} is not a number", field="value", fix="give the figure as a number, e.g. 42 or 61.5") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise PlanError("the value is not a finite number", field="value", fix="give the figure as a number, e.g. 42 or 61.5")
    source = (source or "").strip() or i["source"]
    start = period_start(period, i["granularity"])
    now = now or audit.utcnow()
    vt = sp.IndicatorValue.__table__
    with engine.connect() as conn:
        old = conn.execute(select(vt.c.id, vt.c.value).where(vt.c.indicator_id == indicator_id, vt.c.period_start == start)).first()
    with engine.begin() as conn:
        if old is None:
            conn.execute(vt.insert().values(indicator_id=indicator_id, period_start=start, value=value, source=source, entered_by=actor.id, entered_at=now))
        else:
            conn.execute(vt.update().where(vt.c.id == old.id).values(value=value, source=source, entered_by=actor.id, entered_at=now))
        _touch(conn, plan, now)
        _audit(conn, "change", actor, "plan_indicator", indicator_id, plan["organisation_id"],
               {"plan": plan["reference"], "period": label(start, i["granularity"]), "value": value, "was": old.value if old else None, "source": source})  # fmt: skip
    return {"indicator": indicator_id, "period": label(start, i["granularity"]), "period_start": start.isoformat(), "value": value, "source": source,
            "replaced": old.value if old else None}  # fmt: skip
