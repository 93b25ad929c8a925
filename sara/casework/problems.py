"""Problems: the SARA plan a partnership works together (casework-anchors §4, §5.2, §5.3).

States run ``proposed -> scanning -> analysis -> response -> assessment -> closed``, with a
loop back ``assessment -> analysis`` and ``paused`` from any open state back to the state it
left. Each move is guarded by the award and College of Policing criteria; the guards are pure
functions (``guard``, ``missing_for``) returning the missing items, each with the field that
would supply it, so every refusal names the missing step and a face can point at the input.
The service functions check permissions with ``sara.access.permissions`` (the same checks as
the web), write every change to the audit trail, and check the problem's ``version`` on every
update (optimistic concurrency): a stale editor is told who changed it.

A problem statement is words: at least ``STATEMENT_WORDS`` different words of two letters or
more ("..." or "-" is not a statement), as the SARA guidance asks a statement to describe the
behaviour, the place and the time (casework-anchors §4).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.exc import IntegrityError

from sara import errors
from sara.access import audit
from sara.access.permissions import PermissionDenied, can, require
from sara.access.users import Actor
from sara.casework.records import CaseworkError, org_id, org_names
from sara.store.schema import Area, Event, EventArea
from sara.store.schema import access as sa_
from sara.store.schema import problems as sp

STATES = ("proposed", "scanning", "analysis", "response", "assessment", "closed", "paused")
FLOW = ("proposed", "scanning", "analysis", "response", "assessment", "closed")
OUTCOMES = ("eliminated", "reduced", "less_harmful", "handled_better", "handed_over")
ACTION_STATUSES = ("open", "in_progress", "blocked", "done", "cancelled")
OPEN_ACTION = ("open", "in_progress", "blocked")
# Outcomes the counts must bear out: the assessment's outcomes (sara.assess.verdict) that show each.
SHOWN_BY = {"eliminated": ("eliminated",), "reduced": ("eliminated", "reduced"), "less_harmful": ("eliminated", "reduced", "less harmful")}
TRIANGLE = ("victim", "offender", "location")
CONTROLLERS = ("handler", "guardian", "manager")
# Fields fixed once responses start: the measure of success is set before the first response.
PRE_REGISTERED = ("measure_of_success", "baseline_value")
TEXT_FIELDS = ("title", "objective", "statement", "behaviour", "place", "time_pattern", *TRIANGLE, *CONTROLLERS, "hypotheses", "measure_of_success")
PURPOSE = "problem solving"
STATEMENT_WORDS = 3


class ProblemError(CaseworkError):
    """A refused problem operation: what is missing or wrong, the field, and the fix."""


class GuardError(ProblemError):
    """A move refused by its guard or by the order of the states."""


class ConflictError(errors.Conflict):
    """The problem changed since the caller read it (optimistic concurrency)."""


class NotFound(errors.NotFound):
    pass


# ---------------------------------------------------------------- guards (pure)


class Need(NamedTuple):
    """One thing a move still needs: the ``field`` that supplies it (a name of ``update``,
    ``move`` or ``add_action``'s arguments; a tuple when any one of them will do; None when
    it is not an input), and what it is, in words."""

    field: str | tuple[str, ...] | None
    text: str


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or value.strip() != "")


def words(text: str | None) -> list[str]:
    """The different words of ``text`` (two letters or more, casefolded), in order."""
    return list(dict.fromkeys(w.casefold() for w in re.findall(r"[^\W\d_]{2,}", text or "")))


def is_statement(text: str | None) -> bool:
    """Whether ``text`` says something: at least ``STATEMENT_WORDS`` different words."""
    return len(words(text)) >= STATEMENT_WORDS


def _check_statement(statement: str | None) -> None:
    if statement is not None and not is_statement(statement):
        raise ProblemError(f"the problem statement {statement.strip()[:40]!r} is not a statement", field="statement",
                           fix=f"say in at least {STATEMENT_WORDS} words what happens, where and when, e.g. 'youths damage cars on Oxcroft Lane on Friday nights'")  # fmt: skip


def sources_of(p: Mapping) -> list[str]:
    s = p.get("data_sources")
    if isinstance(s, str):
        s = json.loads(s)
    return list(s or [])


def missing_for(p: Mapping, target: str, actions: list[Mapping] = ()) -> list[Need]:
    """What ``p`` (a problem as a mapping) still needs to enter state ``target``: [] when
    the guard passes. ``actions`` are the problem's actions (``status`` each)."""
    miss: list[Need] = []
    if target == "scanning":
        if not _filled(p.get("area_code")):
            miss.append(Need("area", "an area: the code of a loaded area"))
    elif target == "analysis":
        if not _filled(p.get("statement")):
            miss.append(Need("statement", "a problem statement"))
        elif not is_statement(p["statement"]):
            miss.append(Need("statement", f"a problem statement in words (at least {STATEMENT_WORDS})"))
        if not _filled(p.get("behaviour")):
            miss.append(Need("behaviour", "the specific behaviour"))
        if not _filled(p.get("place")):
            miss.append(Need("place", "the place"))
        if not _filled(p.get("time_pattern")):
            miss.append(Need("time_pattern", "the time it happens"))
    elif target == "response":
        n = len(sources_of(p))
        if n < 2:
            miss.append(Need("sources", f"at least 2 data sources, {n} given"))
        for side in TRIANGLE:
            if not _filled(p.get(side)):
                miss.append(Need(side, f"the {side} side of the problem analysis triangle"))
        if not any(_filled(p.get(c)) for c in CONTROLLERS):
            miss.append(Need(CONTROLLERS, "at least one controller: a handler, guardian or manager"))
        if not _filled(p.get("hypotheses")):
            miss.append(Need("hypotheses", "a hypothesis of why it happens"))
        if not _filled(p.get("measure_of_success")):
            miss.append(Need("measure_of_success", "a measure of success, set before the first response"))
        if p.get("baseline_value") is None:
            miss.append(Need("baseline", "a baseline value for the measure, set before the first response"))
    elif target == "assessment":
        if not any(a.get("status") == "done" for a in actions):
            miss.append(Need("actions", "at least one action done"))
    elif target == "closed":
        if p.get("outcome") not in OUTCOMES:
            miss.append(Need("outcome", f"an outcome on the impact scale: {', '.join(OUTCOMES)}"))
        if _filled(p.get("measure_of_success")) and not _filled(p.get("assessment_result")):
            miss.append(Need(("assessment_plan", "assessment"), "an assessment of the measure of success: a saved assessment plan, or an assessment's result"))
        found = (_json(p.get("assessment_result")) or {}).get("outcome") if _filled(p.get("assessment_result")) else None
        if p.get("outcome") in SHOWN_BY and found and found not in SHOWN_BY[p["outcome"]]:
            miss.append(Need("outcome", f"an assessment that shows it: the assessment found {found!r}, not {p['outcome']!r} "
                                        "(loop back to analysis, or close as handled_better or handed_over)"))  # fmt: skip
    return miss


def guard(p: Mapping, target: str, actions: list[Mapping] = ()) -> list[Need]:
    """Why ``p`` may not move to ``target``: the order of the states first (naming the step
    to take), then the target's missing items. [] when the move is allowed."""
    if target not in STATES:
        return [Need("target", f"a known state: {', '.join(STATES)} ({target!r} is not one)")]
    state = p["state"]
    if state == target:
        return [Need("target", f"a different state: the problem is already {state}")]
    if state == "closed":
        return [Need(None, "an open problem: it is closed, and a closed problem does not move")]
    if state == "paused":
        back = p.get("paused_from")
        if target != back:
            return [Need("target", f"to resume first: the problem is paused and resumes only to {back}")]
        return []
    if target == "paused":
        return [] if _filled(p.get("pause_reason")) else [Need("reason", "a reason for the pause")]
    if state == "assessment" and target == "analysis":
        return []  # loop back: objective not met or new information
    i, j = FLOW.index(state), FLOW.index(target)
    if j < i:
        back = " (assessment may loop back to analysis)" if target == "analysis" else ""
        return [Need("target", f"a forward move: {state} does not go back to {target}{back}")]
    if j > i + 1:
        steps = " then ".join(FLOW[i + 1 : j])
        return [Need("target", f"the {steps} step{'s' if j - i > 2 else ''} first: {state} moves next to {FLOW[i + 1]}")]
    return missing_for(p, target, actions)


# ---------------------------------------------------------------- reading


def _json(value):
    return json.loads(value) if isinstance(value, str) and value else value


# Roles that see only the problems their organisation works (owns, or is listed on as a partner):
# a housing officer or a fire officer sees the partnership's shared problems, not every plan.
SHARED_ONLY = ("partner_practitioner",)


def _missing(ref) -> NotFound:
    return NotFound(f"no problem {ref!r}: check the reference (PRB-YYYY-NNNN) against the list of problems")


def _problem_row(conn: Connection, ref: str | int) -> dict:
    t = sp.Problem.__table__
    where = t.c.id == ref if isinstance(ref, int) else t.c.reference == str(ref)
    row = conn.execute(select(t).where(where)).mappings().first()
    if row is None:
        raise _missing(ref)
    return dict(row)


def working_organisations(conn: Connection) -> dict[int, set[int]]:
    """The organisations working each problem: its owner and its listed partners."""
    t, pt = sp.Problem.__table__, sp.ProblemPartner.__table__
    out = {pid: {oid} for pid, oid in conn.execute(select(t.c.id, t.c.organisation_id))}
    for pid, oid in conn.execute(select(pt.c.problem_id, pt.c.organisation_id)):
        out.setdefault(pid, set()).add(oid)
    return out


def _works_on(conn: Connection, actor: Actor, p: dict) -> bool:
    """False for a partner practitioner whose organisation does not work problem ``p``."""
    if actor is None or actor.role not in SHARED_ONLY:
        return True
    pt = sp.ProblemPartner.__table__
    partners = set(conn.execute(select(pt.c.organisation_id).where(pt.c.problem_id == p["id"])).scalars())
    return actor.organisation_id in partners | {p["organisation_id"]}


def _actions(conn: Connection, problem_id: int) -> list[dict]:
    t = sp.ProblemAction.__table__
    return [dict(r) for r in conn.execute(select(t).where(t.c.problem_id == problem_id).order_by(t.c.id)).mappings()]


def _names(conn: Connection) -> tuple[dict[int, str], dict[int, str]]:
    """Usernames and organisation names by id, read once for every problem shown."""
    u = sa_.User.__table__
    return dict(conn.execute(select(u.c.id, u.c.username)).all()), org_names(conn)


def overdue(action: Mapping, today: dt.date) -> bool:
    return action["status"] in OPEN_ACTION and action["due"] < today


def _action_view(a: Mapping, users, orgs, today: dt.date) -> dict:
    return {
        "id": a["id"], "description": a["description"], "owner": users.get(a["owner_user_id"]), "organisation": orgs.get(a["organisation_id"]),
        "due": a["due"].isoformat(), "status": a["status"], "done_at": a["done_at"].isoformat() if a["done_at"] else None,
        "overdue": overdue(a, today),
    }  # fmt: skip


def count_events(conn: Connection, query: Mapping | None) -> dict | None:
    """Re-run a problem's saved event query (categories, area code, months FIRST:LAST) on the
    events loaded now."""
    if not query:
        return None
    e, ea, ar = Event.__table__, EventArea.__table__, Area.__table__
    q = select(func.count()).select_from(e)
    if query.get("area"):
        q = q.join(ea, ea.c.event_id == e.c.id).join(ar, and_(ar.c.id == ea.c.area_id, ar.c.code == query["area"]))
    if query.get("categories"):
        q = q.where(e.c.category.in_(list(query["categories"])))
    months = query.get("months")
    if months:
        first, last = months.split(":") if ":" in months else (months, months)
        q = q.where(e.c.month >= dt.date.fromisoformat(first + "-01"), e.c.month <= dt.date.fromisoformat(last + "-01"))
    return {"query": dict(query), "events": conn.execute(q).scalar_one()}


PUBLIC_HIDDEN = ("victim", "offender", "location", *CONTROLLERS, "hypotheses", "notes", "owner")


def _view(conn: Connection, p: dict, actor: Actor | None, today: dt.date, *, detail: bool, names=None, acts=None) -> dict:
    """The problem as ``actor`` may see it; ``names`` (``_names``) and ``acts`` (its actions)
    when the caller has read them already, as a list of many problems does."""
    users, orgs = names or _names(conn)
    acts = _actions(conn, p["id"]) if acts is None else acts
    out = {
        "id": p["id"], "reference": p["reference"], "title": p["title"], "state": p["state"], "paused_from": p["paused_from"],
        "organisation": orgs.get(p["organisation_id"]), "owner": users.get(p["owner_user_id"]), "area": p["area_code"],
        "version": p["version"], "updated_at": p["updated_at"].isoformat(), "outcome": p["outcome"],
        "actions": len(acts), "overdue_actions": [_action_view(a, users, orgs, today) for a in acts if overdue(a, today)],
        "next": _next_step(p, acts),
    }  # fmt: skip
    if detail:
        pt, nt, tt = sp.ProblemPartner.__table__, sp.ProblemNote.__table__, sp.ProblemTransition.__table__
        out |= {k: p[k] for k in ("objective", "statement", "behaviour", "place", "time_pattern", *TRIANGLE, *CONTROLLERS, "hypotheses",
                                  "measure_of_success", "baseline_value", "assessment_plan", "pause_reason")}  # fmt: skip
        out["data_sources"] = sources_of(p)
        out["baseline_set_at"] = p["baseline_set_at"].isoformat() if p["baseline_set_at"] else None
        out["assessment"] = _json(p["assessment_result"])
        out["event_query"] = _json(p["event_query"])
        out["events_now"] = count_events(conn, out["event_query"])
        out["partners"] = [{"organisation": orgs.get(r.organisation_id), "role": r.role}
                           for r in conn.execute(select(pt).where(pt.c.problem_id == p["id"]).order_by(pt.c.id))]  # fmt: skip
        out["action_list"] = [_action_view(a, users, orgs, today) for a in acts]
        out["notes"] = [{"id": r.id, "text": r.text, "author": users.get(r.author_user_id), "at": r.at.isoformat(), "attachment": r.attachment_path,
                         "sha256": r.attachment_sha256} for r in conn.execute(select(nt).where(nt.c.problem_id == p["id"]).order_by(nt.c.id))]  # fmt: skip
        out["transitions"] = [{"from": r.from_state, "to": r.to_state, "by": users.get(r.by_user_id), "at": r.at.isoformat(), "reason": r.reason}
                              for r in conn.execute(select(tt).where(tt.c.problem_id == p["id"]).order_by(tt.c.id))]  # fmt: skip
    if actor is not None and actor.role == "public_viewer":  # "you said, we did": no personal data, no names
        for k in PUBLIC_HIDDEN:
            out.pop(k, None)
        for a in out.get("action_list", []) + out["overdue_actions"]:
            a.pop("owner", None)
        for t in out.get("transitions", []):
            t.pop("by", None)
    return out


def _next_step(p: Mapping, acts: list[Mapping]) -> dict | None:
    """The next state, what it still needs in words and the fields that would supply it."""
    if p["state"] in ("closed", "paused"):
        return None
    nxt = FLOW[FLOW.index(p["state"]) + 1]
    needs = missing_for(p, nxt, acts)
    return {"state": nxt, "missing": [n.text for n in needs], "fields": [n.field for n in needs]}


def _read(engine: Engine, actor: Actor, ref: str | int) -> dict:
    """The problem ``ref`` if ``actor`` may read it; a problem not shared with a partner
    practitioner's organisation is ``NotFound``, word for word as one that does not exist."""
    with engine.connect() as conn:
        p = _problem_row(conn, ref)
        if not _works_on(conn, actor, p):
            raise _missing(ref)
    require(actor, "read", "problem", p["organisation_id"])
    return p


def show(engine: Engine, actor: Actor, ref: str | int, *, today: dt.date | None = None) -> dict:
    """Everything about a problem the actor may read, with its saved event query re-run,
    its overdue actions and the next step with what it still needs."""
    p = _read(engine, actor, ref)
    with engine.connect() as conn:
        return _view(conn, p, actor, today or dt.date.today(), detail=True)


def list_problems(engine: Engine, actor: Actor, *, state: str | None = None, organisation: str | None = None, overdue_only: bool = False,
                  today: dt.date | None = None) -> list[dict]:  # fmt: skip
    """The problems the actor may read (optionally of one state or organisation, or only
    those with overdue actions), with their overdue actions. A partner practitioner sees the
    problems their organisation owns or is a listed partner on."""
    if state is not None and state not in STATES:
        raise ProblemError(f"unknown state {state!r}", field="state", fix=f"choose one of {', '.join(STATES)}")
    t, at = sp.Problem.__table__, sp.ProblemAction.__table__
    q = select(t).order_by(t.c.id)
    if state:
        q = q.where(t.c.state == state)
    today = today or dt.date.today()
    with engine.connect() as conn:
        if organisation:
            q = q.where(t.c.organisation_id == org_id(conn, organisation))
        working = working_organisations(conn) if actor is not None and actor.role in SHARED_ONLY else None
        rows = [dict(r) for r in conn.execute(q).mappings() if can(actor, "read", "problem", r["organisation_id"])
                and (working is None or actor.organisation_id in working.get(r["id"], ()))]  # fmt: skip
        names = _names(conn)  # once for every problem, and every action read in one query
        acts: dict[int, list[dict]] = {}
        for a in conn.execute(select(at).order_by(at.c.id)).mappings():
            acts.setdefault(a["problem_id"], []).append(dict(a))
        out = [_view(conn, p, actor, today, detail=False, names=names, acts=acts.get(p["id"], [])) for p in rows]
    return [p for p in out if p["overdue_actions"]] if overdue_only else out


# ---------------------------------------------------------------- writing


def _user(conn: Connection, username: str, field: str = "owner") -> dict:
    u = sa_.User.__table__
    r = conn.execute(select(u.c.id, u.c.username, u.c.organisation_id, u.c.active).where(u.c.username == username)).mappings().first()
    if r is None or not r["active"]:
        raise ProblemError(f"no active user called {username!r}", field=field, fix="give the username of an active user (an administrator adds users)")
    return dict(r)


def _check_area(conn: Connection, code: str | None) -> None:
    if code is None:
        return
    ar = Area.__table__
    if conn.execute(select(ar.c.id).where(ar.c.code == code)).first() is None:
        raise ProblemError(f"no loaded area has code {code!r}", field="area", fix="load the area's boundaries first, or give the code of a loaded LSOA, ward or district")


def _event_query(categories: list[str] | None, area: str | None, months: str | None) -> dict | None:
    if not (categories or area or months):
        return None
    if months:
        parts = months.split(":")
        try:
            for m in parts:
                dt.date.fromisoformat(m + "-01")
        except ValueError:
            raise ProblemError(f"months {months!r} is not FIRST:LAST", field="months", fix="give the first and last month as YYYY-MM:YYYY-MM, e.g. 2025-01:2025-12") from None
    return {"categories": sorted(categories) if categories else None, "area": area, "months": months}


def _audit(conn: Connection, action: str, actor: Actor, subject: str, ref: str, owner_org: int, detail: dict) -> None:
    audit.record(conn, [audit.Entry(action, actor, subject, ref, owner_org_id=owner_org, purpose=PURPOSE, detail=detail)])


TITLE_LENGTH = 200  # the column's width


def _check_title(title: str | None) -> None:
    if title is not None and len(title) > TITLE_LENGTH:
        raise ProblemError(f"the title is {len(title)} characters long", field="title", fix=f"shorten it to {TITLE_LENGTH} at most: the statement holds the detail")


def create(engine: Engine, actor: Actor, title: str, *, owner: str | None = None, area: str | None = None, statement: str | None = None,
           behaviour: str | None = None, place: str | None = None, time_pattern: str | None = None, objective: str | None = None,
           categories: list[str] | None = None, months: str | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """A new problem in state ``proposed``, owned by the actor's organisation (the owner user,
    default the actor, must belong to it). Reference ``PRB-YYYY-NNNN``. A statement, when
    given, must be words (``is_statement``)."""
    require(actor, "write", "problem", actor.organisation_id)
    if not title or not title.strip():
        raise ProblemError("a problem needs a title", field="title", fix="give it a short title, e.g. 'Youth ASB, Bolsover town centre'")
    _check_title(title)
    _check_statement(statement)
    now = now or audit.utcnow()
    with engine.connect() as conn:
        owner_row = _user(conn, owner) if owner else {"id": actor.id, "organisation_id": actor.organisation_id}
        if owner_row["organisation_id"] != actor.organisation_id:
            raise ProblemError(f"the owner {owner!r} is not in {actor.organisation}", field="owner",
                               fix="a problem is owned by a user of the owning organisation: give one of its users")  # fmt: skip
        _check_area(conn, area)
    query = _event_query(categories, area, months)
    t = sp.Problem.__table__
    values = dict(title=title.strip(), objective=objective, statement=statement, behaviour=behaviour, place=place, time_pattern=time_pattern,
                  owner_user_id=owner_row["id"], organisation_id=actor.organisation_id, area_code=area,
                  event_query=json.dumps(query) if query else None, state="proposed", version=1, created_at=now, updated_at=now, updated_by=actor.id)  # fmt: skip
    for attempt in range(5):  # two creates racing for the year's next number on PostgreSQL: the loser retries
        try:
            with engine.begin() as conn:
                pid = conn.execute(t.insert().values(reference=f"new-{now.timestamp()}-{actor.id}-{attempt}", **values).returning(t.c.id)).scalar_one()
                prefix = f"PRB-{now.year}-"
                n = conn.execute(select(func.count()).select_from(t).where(t.c.reference.like(prefix + "%"))).scalar_one() + 1
                ref = f"{prefix}{n:04d}"
                conn.execute(t.update().where(t.c.id == pid).values(reference=ref))
                tt = sp.ProblemTransition.__table__
                conn.execute(tt.insert().values(problem_id=pid, from_state=None, to_state="proposed", by_user_id=actor.id, at=now, reason="created"))
                _audit(conn, "create", actor, "problem", ref, actor.organisation_id, {"title": values["title"], "area": area})
            break
        except IntegrityError:
            if attempt == 4:
                raise
    return show(engine, actor, ref, today=now.date())


def _apply(engine: Engine, actor: Actor, p: dict, values: dict, expect_version: int | None, audit_detail: dict, *, now: dt.datetime,
           transition: dict | None = None) -> None:  # fmt: skip
    """Write ``values`` to problem ``p`` if its version is still the one read (or
    ``expect_version``), bump the version, record the transition and the audit entry."""
    version = p["version"] if expect_version is None else expect_version
    t = sp.Problem.__table__
    with engine.begin() as conn:
        n = conn.execute(
            t.update().where(t.c.id == p["id"], t.c.version == version).values(**values, version=version + 1, updated_at=now, updated_by=actor.id)
        ).rowcount
        if n == 0:
            cur = _problem_row(conn, p["id"])
            users, _ = _names(conn)
            raise ConflictError(
                f"problem {p['reference']} was changed by {users.get(cur['updated_by'], 'someone')} at {cur['updated_at']:%Y-%m-%d %H:%M:%S} UTC "
                f"since you read it (you read version {version}, it is now version {cur['version']}): nothing was saved; "
                "show it again and re-apply your change"
            )
        if transition:
            conn.execute(sp.ProblemTransition.__table__.insert().values(problem_id=p["id"], by_user_id=actor.id, at=now, **transition))
        _audit(conn, "change", actor, "problem", p["reference"], p["organisation_id"], audit_detail | {"version": version + 1})


def update(engine: Engine, actor: Actor, ref: str | int, *, expect_version: int | None = None, sources: list[str] | None = None,
           area: str | None = None, categories: list[str] | None = None, months: str | None = None, baseline: float | None = None,
           now: dt.datetime | None = None, **fields) -> dict:  # fmt: skip
    """Change a problem's fields (``TEXT_FIELDS``; ``sources`` are added to its data
    sources). Only the owning organisation writes. The measure of success and its baseline
    are fixed once responses start; a statement must be words (``is_statement``)."""
    now = now or audit.utcnow()
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ProblemError(f"unknown problem field(s): {', '.join(sorted(unknown))}", fix=f"the fields are {', '.join(TEXT_FIELDS)}")
    _check_title(fields.get("title"))
    _check_statement(fields.get("statement"))
    p = _read(engine, actor, ref)
    require(actor, "write", "problem", p["organisation_id"])
    if p["state"] == "closed":
        raise ProblemError(f"problem {p['reference']} is closed: it is not changed any more")
    values = {k: v for k, v in fields.items() if v is not None}
    if baseline is not None:
        values["baseline_value"] = baseline
    fixed = [k for k in PRE_REGISTERED if k in values and values[k] != p[k]]
    started = p["state"] in ("response", "assessment") or p["paused_from"] in ("response", "assessment")
    if fixed and started:
        raise ProblemError(f"the measure of success and its baseline were fixed when responses started ({p['baseline_set_at']:%Y-%m-%d}): "
                           f"{', '.join(fixed)} cannot change now", field="baseline" if fixed == ["baseline_value"] else "measure_of_success",
                           fix="assess against the measure set before the response; a new measure needs a new problem")  # fmt: skip
    if fixed:
        values["baseline_set_at"] = now
    if sources:
        have = sources_of(p)
        values["data_sources"] = json.dumps(have + [s for s in sources if s not in have])
    if area is not None or categories or months:
        with engine.connect() as conn:
            _check_area(conn, area)
        old = _json(p["event_query"]) or {}
        query = _event_query(categories or old.get("categories"), area or old.get("area") or p["area_code"], months or old.get("months"))
        values["event_query"] = json.dumps(query)
        if area is not None:
            values["area_code"] = area
    if not values:
        raise ProblemError("nothing to change", fix="give at least one field with its new value")
    _apply(engine, actor, p, values, expect_version, {"fields": sorted(values)}, now=now)
    return show(engine, actor, p["reference"], today=now.date())


def move(engine: Engine, actor: Actor, ref: str | int, target: str, *, reason: str | None = None, outcome: str | None = None,
         assessment: dict | None = None, assessment_plan: str | None = None, expect_version: int | None = None,
         now: dt.datetime | None = None, today: dt.date | None = None) -> dict:  # fmt: skip
    """Move a problem to ``target`` if the order of the states and the target's guard allow
    (``GuardError`` naming what is missing otherwise). Closing takes ``outcome`` and an
    assessment: a result dict (what ``sara.report.assessment.assess`` returns) or the name of a saved
    assessment plan, run now with ``sara.report.assessment.assess``."""
    now = now or audit.utcnow()
    p = _read(engine, actor, ref)
    require(actor, "write", "problem", p["organisation_id"])
    if outcome is not None and outcome not in OUTCOMES:
        raise ProblemError(f"unknown outcome {outcome!r}", field="outcome", fix=f"choose one of {', '.join(OUTCOMES)}")
    values: dict = {}
    if target == "paused" and reason:
        values["pause_reason"] = reason
    if target == "closed":
        if outcome:
            values["outcome"] = outcome
        if assessment_plan and assessment is None:
            assessment = run_assessment(engine, assessment_plan, today=today, problem=p["reference"])
        if assessment is not None:
            values["assessment_result"] = json.dumps(_assessment_summary(assessment, assessment_plan), default=str)
            if assessment_plan:
                values["assessment_plan"] = assessment_plan
    with engine.connect() as conn:
        acts = _actions(conn, p["id"])
    missing = guard(p | values, target, acts)
    if missing:
        raise GuardError(f"cannot move {p['reference']} from {p['state']} to {target}: needs", items=missing)
    if target == "paused":
        values |= {"state": "paused", "paused_from": p["state"]}
    elif p["state"] == "paused":
        values |= {"state": target, "paused_from": None, "pause_reason": None}
    else:
        values["state"] = target
    _apply(engine, actor, p, values, expect_version, {"from": p["state"], "to": target, "reason": reason, "outcome": outcome}, now=now,
           transition={"from_state": p["state"], "to_state": target, "reason": reason})  # fmt: skip
    return show(engine, actor, p["reference"], today=(today or now.date()))


def run_assessment(engine: Engine, plan_name: str, *, today: dt.date | None = None, problem: str | None = None) -> dict:
    """Run the saved assessment plan ``plan_name`` (``sara.report.assessment``) for
    ``problem``, warning of the other interventions and operations on its target area."""
    from sara.assess import AssessError
    from sara.casework.overlaps import in_area
    from sara.report.assessment import assess, load_plan

    try:
        plan, info = load_plan(engine, plan_name)
        result = assess(engine, plan, today=today, plan_info=info, others=in_area(engine, plan.target, exclude_problem=problem))
    except AssessError as exc:
        raise ProblemError(f"the assessment plan {plan_name!r} could not run: {exc}", field="assessment_plan") from None
    result.pop("_geometry", None)
    return result


def _assessment_summary(result: dict, plan_name: str | None) -> dict:
    if not isinstance(result, dict) or not (result.get("verdict") or result.get("outcome")):
        raise ProblemError("the assessment has no verdict", field="assessment", fix="give the result of an assessment as it was made, with its 'verdict' and 'outcome'")
    keep = ("verdict", "outcome", "target", "control", "periods", "relative_effect", "wdd", "wdq", "warnings", "plan", "followed_plan")
    return {k: result[k] for k in keep if k in result} | {"plan_name": plan_name}


def add_partner(engine: Engine, actor: Actor, ref: str | int, organisation: str, role: str, *, now: dt.datetime | None = None) -> dict:
    """List ``organisation`` as a partner of the problem with its ``role`` (again: the role changes)."""
    now = now or audit.utcnow()
    if not role or not role.strip():
        raise ProblemError("a partner needs a role", field="role", fix="say what it does in the problem, e.g. 'tenancy enforcement'")
    p = _read(engine, actor, ref)
    require(actor, "write", "problem", p["organisation_id"])
    pt = sp.ProblemPartner.__table__
    with engine.connect() as conn:
        oid = org_id(conn, organisation)
    with engine.begin() as conn:
        n = conn.execute(pt.update().where(pt.c.problem_id == p["id"], pt.c.organisation_id == oid).values(role=role)).rowcount
        if not n:
            conn.execute(pt.insert().values(problem_id=p["id"], organisation_id=oid, role=role))
        _audit(conn, "change", actor, "problem", p["reference"], p["organisation_id"], {"partner": organisation, "role": role})
    return show(engine, actor, p["reference"], today=now.date())


def _partner_orgs(conn: Connection, p: dict) -> set[int]:
    pt = sp.ProblemPartner.__table__
    return {p["organisation_id"], *conn.execute(select(pt.c.organisation_id).where(pt.c.problem_id == p["id"])).scalars()}


def add_action(engine: Engine, actor: Actor, ref: str | int, description: str, *, owner: str, due: dt.date, organisation: str | None = None,
               now: dt.datetime | None = None, today: dt.date | None = None) -> dict:  # fmt: skip
    """Add an action to a problem: owned by user ``owner`` of ``organisation`` (default the
    owner's), which must be the owning organisation or a listed partner; written only by that
    organisation; the due date must not be in the past."""
    now = now or audit.utcnow()
    today = today or now.date()
    if not description or not description.strip():
        raise ProblemError("an action needs a description", field="description", fix="say what is to be done, e.g. 'hotspot patrols 16:00-22:00'")
    p = _read(engine, actor, ref)
    if p["state"] in ("closed",):
        raise ProblemError(f"problem {p['reference']} is closed: no new actions")
    with engine.connect() as conn:
        u = _user(conn, owner)
        oid = org_id(conn, organisation) if organisation else u["organisation_id"]
        partners = _partner_orgs(conn, p)
        orgs = org_names(conn)
    if u["organisation_id"] != oid:
        raise ProblemError(f"{owner!r} is not in {orgs.get(oid)}", field="owner", fix="an action's owner belongs to its organisation: give one of its users")
    if oid not in partners:
        raise ProblemError(f"{orgs.get(oid)} is not working this problem", field="organisation" if organisation else "owner",
                           fix=f"add {orgs.get(oid)} as a partner of {p['reference']} first, with its role")  # fmt: skip
    require(actor, "write", "action", oid)
    if due < today:
        raise ProblemError(f"the due date {due.isoformat()} is in the past (today is {today.isoformat()})", field="due", fix="give a date from today on")
    t = sp.ProblemAction.__table__
    with engine.begin() as conn:
        aid = conn.execute(t.insert().values(problem_id=p["id"], owner_user_id=u["id"], organisation_id=oid, description=description.strip(), due=due,
                                             status="open", created_at=now).returning(t.c.id)).scalar_one()  # fmt: skip
        _audit(
            conn, "create", actor, "action", aid, oid, {"problem": p["reference"], "description": description.strip(), "due": due.isoformat(), "owner": owner}
        )
    return _one_action(engine, aid, today)


def set_action(engine: Engine, actor: Actor, action_id: int, status: str, *, due: dt.date | None = None, now: dt.datetime | None = None,
               today: dt.date | None = None) -> dict:  # fmt: skip
    """Change an action's status (and optionally its due date); only its organisation writes it."""
    now = now or audit.utcnow()
    today = today or now.date()
    if status not in ACTION_STATUSES:
        raise ProblemError(f"unknown action status {status!r}", field="status", fix=f"choose one of {', '.join(ACTION_STATUSES)}")
    t = sp.ProblemAction.__table__
    with engine.connect() as conn:
        a = conn.execute(select(t).where(t.c.id == action_id)).mappings().first()
        if a is None:
            raise NotFound(f"no action {action_id}: the actions of a problem, with their ids, are in its plan")
        p = _problem_row(conn, a["problem_id"])
    require(actor, "write", "action", a["organisation_id"])
    if a["status"] in ("done", "cancelled") and status != a["status"]:
        raise ProblemError(f"action {action_id} is {a['status']}: it does not change any more", field="status", fix="add a new action instead")
    if due is not None and due < today:
        raise ProblemError(f"the due date {due.isoformat()} is in the past (today is {today.isoformat()})", field="due", fix="give a date from today on")
    values = {"status": status, "done_at": now if status == "done" else None}
    if due is not None:
        values["due"] = due
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == action_id).values(**values))
        _audit(conn, "change", actor, "action", action_id, a["organisation_id"], {"problem": p["reference"], "status": status, "due": due})
    return _one_action(engine, action_id, today)


def _one_action(engine: Engine, action_id: int, today: dt.date) -> dict:
    t = sp.ProblemAction.__table__
    with engine.connect() as conn:
        a = conn.execute(select(t).where(t.c.id == action_id)).mappings().one()
        users, orgs = _names(conn)
        ref = conn.execute(select(sp.Problem.reference).where(sp.Problem.id == a["problem_id"])).scalar_one()
    return _action_view(a, users, orgs, today) | {"problem": ref}


def add_note(engine: Engine, actor: Actor, ref: str | int, text: str, *, attachment: str | Path | None = None, now: dt.datetime | None = None) -> dict:
    """Add a note (and optionally a file, kept by path and SHA-256) to a problem: by the
    owning organisation, or by a partner organisation's user who may write its actions."""
    now = now or audit.utcnow()
    if not text or not text.strip():
        raise ProblemError("a note needs some text", field="text")
    p = _read(engine, actor, ref)
    with engine.connect() as conn:
        partners = _partner_orgs(conn, p)
    if not (
        can(actor, "write", "problem", p["organisation_id"]) or (actor.organisation_id in partners and can(actor, "write", "action", actor.organisation_id))
    ):
        raise PermissionDenied(f"not allowed: a {actor.role} of {actor.organisation} may not add notes to {p['reference']}")
    path = sha = None
    if attachment is not None:
        f = Path(attachment)
        if not f.is_file():
            raise ProblemError(f"no file at {f}", field="attachment", fix="give the path of the file to attach")
        path, sha = str(f.resolve()), hashlib.sha256(f.read_bytes()).hexdigest()
    t = sp.ProblemNote.__table__
    with engine.begin() as conn:
        nid = conn.execute(t.insert().values(problem_id=p["id"], text=text.strip(), author_user_id=actor.id, at=now, attachment_path=path,
                                             attachment_sha256=sha).returning(t.c.id)).scalar_one()  # fmt: skip
        _audit(conn, "change", actor, "problem", p["reference"], p["organisation_id"], {"note": nid, "attachment_sha256": sha})
    return {"id": nid, "problem": p["reference"], "text": text.strip(), "attachment": path, "sha256": sha, "at": now.isoformat()}
