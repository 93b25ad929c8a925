"""Problems as the browser works them: the casework functions of ``sara.casework.problems``
(what the CLI calls), with what a page needs beside them, and the one rule of the partner
journey that the casework leaves to the faces' service.

The rule: a partner practitioner works the problems its organisation works (as the owner or
a listed partner) and is told nothing of the others: a problem not shared with it is "no
problem PRB-...", word for word what a reference that does not exist gets. Every other role
reads problems as the casework allows (non-personal casework is the partnership's common
ground). Personal data on a plan (interventions) comes at the reader's scope from
``sara.casework.interventions.list_cases``, which applies the sharing agreements and audits.

Every function takes a ``Context`` and returns plain data: the casework's dict as it is, with
extra keys (``area_name``, ``interventions``, ``operations``, ``may``, ``choices``) beside.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from sara.access.permissions import can, require
from sara.casework import problems as pr
from sara.errors import Invalid
from sara.services import Context
from sara.store.schema import Area, Event
from sara.store.schema import access as sa_
from sara.store.schema import problems as sp
from sara.store.schema.events import AssessmentPlan

MOST_MATCHES = 30


def _area_names(conn, codes) -> dict[str, dict]:
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    a = Area.__table__
    rows = conn.execute(select(a.c.code, a.c.name, a.c.kind).where(a.c.code.in_(codes))).all()
    return {code: {"code": code, "name": name or code, "kind": kind} for code, name, kind in rows}


def listing(ctx: Context, *, area: str | None = None, state: str | None = None, owner: str | None = None, partner: str | None = None,
            overdue: bool = False, organisation: str | None = None) -> dict:  # fmt: skip
    """The problems the reader may see (``list_problems``'s rows, each with ``area_name``),
    filtered by area code, state, owner (username), partner organisation (owning or listed),
    owning organisation and overdue actions; with the choices of each filter among the
    problems seen (``sara problem list``, ``/problems``)."""
    rows = pr.list_problems(ctx.engine, ctx.actor, state=state or None, organisation=organisation or None, overdue_only=overdue, today=ctx.now.date())
    with ctx.engine.connect() as conn:
        working = pr.working_organisations(conn)
        orgs = dict(conn.execute(select(sa_.Organisation.id, sa_.Organisation.name)).all())
        names = _area_names(conn, [p["area"] for p in rows])
    for p in rows:
        p["area_name"] = names.get(p["area"], {}).get("name") if p["area"] else None
        p["working"] = sorted(orgs[o] for o in working.get(p["id"], ()))
    choices = {
        "states": list(pr.STATES),
        "areas": sorted(names.values(), key=lambda a: a["name"]),
        "owners": sorted({p["owner"] for p in rows if p.get("owner")}),
        "organisations": sorted({o for p in rows for o in p["working"]}),
    }
    if area:
        rows = [p for p in rows if p["area"] == area]
    if owner:
        rows = [p for p in rows if p.get("owner") == owner]
    if partner:
        rows = [p for p in rows if partner in p["working"]]
    filters = {"area": area, "state": state, "owner": owner, "partner": partner, "overdue": overdue}
    return {"problems": rows, "filters": filters, "choices": choices, "may_create": bool(can(ctx.actor, "write", "problem", ctx.actor.organisation_id))}


def _moves(p: dict) -> list[str]:
    """The states the order of states allows from here (each move's guard decides the rest)."""
    state = {"state": p["state"], "paused_from": p.get("paused_from"), "pause_reason": "given"}
    return [t for t in pr.STATES if not any(n.field in ("target", None) for n in pr.guard(state, t))]


def plan(ctx: Context, ref: str) -> dict:
    """Everything about a problem the reader may see (``show``), with its area's name, the
    interventions and operations serving it, what the reader may do and the form choices."""
    p = pr.show(ctx.engine, ctx.actor, ref, today=ctx.now.date())
    actor = ctx.actor
    from sara.casework import interventions, patrols

    with ctx.engine.connect() as conn:
        area = _area_names(conn, [p["area"]]).get(p["area"]) if p["area"] else None
        owning = conn.execute(select(sp.Problem.organisation_id).where(sp.Problem.reference == p["reference"])).scalar_one()
        working = pr.working_organisations(conn).get(p["id"], set())
        orgs = sorted(conn.execute(select(sa_.Organisation.name)).scalars())
        plans = list(conn.execute(select(AssessmentPlan.name).order_by(AssessmentPlan.name)).scalars())
    p["area_name"] = area["name"] if area else None
    p["area_kind"] = area["kind"] if area else None
    p["interventions"] = (interventions.list_cases(ctx.engine, actor, problem_ref=p["reference"], purpose=pr.PURPOSE)
                          if can(actor, "read", "intervention", actor.organisation_id) else [])  # fmt: skip
    p["operations"] = ([{k: o[k] for k in ("name", "organisation", "start", "end", "description", "patrols", "arrests")} | {"sites": len(o["sites"])}
                        for o in patrols.list_operations(ctx.engine, actor) if o["problem"] == p["reference"]]
                       if can(actor, "read", "patrol", actor.organisation_id) else [])  # fmt: skip
    open_ = p["state"] != "closed"
    change = open_ and bool(can(actor, "write", "problem", owning))
    acts = open_ and actor.organisation_id in working and bool(can(actor, "write", "action", actor.organisation_id))
    p["may"] = {
        "change": change, "add_partner": change, "add_action": acts, "add_note": change or acts,
        "set_actions": [a["id"] for a in p.get("action_list", []) if a["organisation"] == actor.organisation and a["status"] in pr.OPEN_ACTION
                        and can(actor, "write", "action", actor.organisation_id)],
        "assess": bool(can(actor, "read", "event", actor.organisation_id)),
    }  # fmt: skip
    p["choices"] = {"moves": _moves(p) if change else [], "outcomes": list(pr.OUTCOMES), "action_statuses": list(pr.ACTION_STATUSES),
                    "organisations": orgs, "plans": plans, "you": actor.username}  # fmt: skip
    return p


# ---------------------------------------------------------------- places and new problems


def find_area(ctx: Context, text: str | None) -> dict:
    """A loaded area by its code or its exact name (any case): ``{"area": {...}}``; else the
    areas whose name or code contains ``text`` (``matches``, at most 30)."""
    text = (text or "").strip()
    if not text:
        return {"area": None, "matches": [], "text": text}
    a = Area.__table__
    with ctx.engine.connect() as conn:
        exact = conn.execute(select(a.c.code, a.c.name, a.c.kind).where((a.c.code == text) | (a.c.name == text))).all()
        if not exact:
            exact = [r for r in conn.execute(select(a.c.code, a.c.name, a.c.kind)) if (r.name or "").casefold() == text.casefold()]
        if len(exact) == 1:
            code, name, kind = exact[0]
            return {"area": {"code": code, "name": name or code, "kind": kind}, "matches": [], "text": text}
        like = f"%{text.casefold()}%"
        rows = exact or conn.execute(select(a.c.code, a.c.name, a.c.kind).where(a.c.name.ilike(like) | a.c.code.ilike(like))
                                     .order_by(a.c.kind, a.c.name).limit(MOST_MATCHES)).all()  # fmt: skip
    return {"area": None, "matches": [{"code": c, "name": n or c, "kind": k} for c, n, k in rows], "text": text}


def area_names(ctx: Context) -> list[dict]:
    """Every loaded district, ward and LSOA by name (for a chooser's suggestions)."""
    a = Area.__table__
    order = {"district": 0, "ward": 1, "lsoa": 2}
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(a.c.code, a.c.name, a.c.kind)).all()
    return sorted(({"code": c, "name": n or c, "kind": k} for c, n, k in rows), key=lambda r: (order.get(r["kind"], 3), r["name"]))


def _categories(ctx: Context) -> list[str]:
    with ctx.engine.connect() as conn:
        return sorted(c for c in conn.execute(select(Event.category).distinct()).scalars() if c)


def new_problem(ctx: Context, *, area: str | None = None, find: str | None = None) -> dict:
    """What the two steps of a new problem need: step 1 finds its area (``find``: a name or a
    code; or none yet), step 2 (``area``: a loaded area's code) asks for the rest."""
    require(ctx.actor, "write", "problem", ctx.actor.organisation_id)
    chosen = None
    if area:
        chosen = find_area(ctx, area)["area"]
        if chosen is None or chosen["code"] != area:
            raise Invalid(f"no loaded area has code {area!r}", field="area", fix="choose the area by its name")
    found = find_area(ctx, find) if find and not area else {"area": None, "matches": [], "text": find or ""}
    return {"area": chosen or found["area"], "matches": found["matches"], "find": found["text"], "categories": _categories(ctx),
            "owner": ctx.actor.username, "organisation": ctx.actor.organisation}  # fmt: skip


def create(ctx: Context, title: str, **fields) -> dict:
    """A new problem (``sara.casework.problems.create``)."""
    return pr.create(ctx.engine, ctx.actor, title, now=ctx.now, **fields)


# ---------------------------------------------------------------- changing a problem


def _resolve_area(ctx: Context, text: str | None, field: str = "area") -> str | None:
    if not text or not text.strip():
        return None
    found = find_area(ctx, text)["area"]
    if found is None:
        raise Invalid(f"no loaded area is called {text.strip()!r}", field=field, fix="give the name or code of a loaded LSOA, ward or district")
    return found["code"]


def change(ctx: Context, ref: str, *, fields: dict, sources: list[str] | None = None, baseline: float | None = None, area: str | None = None,
           expect_version: int | None = None, target: str | None = None, reason: str | None = None, outcome: str | None = None,
           assessment_plan: str | None = None) -> dict:  # fmt: skip
    """Save what changed in the plan (``update``: only the fields whose value differs from the
    stored one), then, with a ``target``, move it (``move``, whose guard names what is still
    missing). A refused move keeps the changes saved: nothing typed is lost."""
    stored = pr.show(ctx.engine, ctx.actor, ref, today=ctx.now.date())
    changed = {k: v for k, v in fields.items() if k in pr.TEXT_FIELDS and (v or "") != (stored.get(k) or "")}
    code = _resolve_area(ctx, area)
    extra = {}
    if code and code != stored["area"]:
        extra["area"] = code
    if baseline is not None and baseline != stored.get("baseline_value"):
        extra["baseline"] = baseline
    sources = [s for s in (sources or []) if s not in stored.get("data_sources", [])]
    if sources:
        extra["sources"] = sources
    if changed or extra:
        pr.update(ctx.engine, ctx.actor, ref, expect_version=expect_version, now=ctx.now, **changed, **extra)
        expect_version = None
    if target:
        return pr.move(ctx.engine, ctx.actor, ref, target, reason=reason or None, outcome=outcome or None, assessment_plan=assessment_plan or None,
                       expect_version=expect_version, now=ctx.now, today=ctx.now.date())  # fmt: skip
    return pr.show(ctx.engine, ctx.actor, ref, today=ctx.now.date())


def move(ctx: Context, ref: str, target: str, *, reason: str | None = None, outcome: str | None = None, assessment_plan: str | None = None,
         expect_version: int | None = None) -> dict:  # fmt: skip
    """Move the problem (``sara.casework.problems.move``)."""
    return change(ctx, ref, fields={}, target=target, reason=reason, outcome=outcome, assessment_plan=assessment_plan, expect_version=expect_version)


def add_action(ctx: Context, ref: str, description: str, *, owner: str, due: dt.date, organisation: str | None = None) -> dict:
    """An action of the reader's organisation (``add_action``)."""
    return pr.add_action(ctx.engine, ctx.actor, ref, description, owner=owner, due=due, organisation=organisation or None, now=ctx.now, today=ctx.now.date())


def set_action(ctx: Context, ref: str, action_id: int, status: str, *, due: dt.date | None = None) -> dict:
    """A new status (and due date) for one of the problem's actions (``set_action``)."""
    t = sp.ProblemAction.__table__
    with ctx.engine.connect() as conn:
        pid = conn.execute(select(sp.Problem.id).where(sp.Problem.reference == ref)).scalar()
        belongs = pid is not None and conn.execute(select(t.c.id).where(t.c.id == action_id, t.c.problem_id == pid)).first() is not None
    if not belongs:
        raise pr.NotFound(f"no action {action_id} on {ref}: the actions of a problem, with their ids, are in its plan")
    return pr.set_action(ctx.engine, ctx.actor, action_id, status, due=due, now=ctx.now, today=ctx.now.date())


def add_note(ctx: Context, ref: str, text: str) -> dict:
    """A note on the problem's chronology (``add_note``; files are attached from the CLI)."""
    return pr.add_note(ctx.engine, ctx.actor, ref, text, now=ctx.now)


def add_partner(ctx: Context, ref: str, organisation: str, role: str) -> dict:
    """A partner organisation and its role (``add_partner``)."""
    return pr.add_partner(ctx.engine, ctx.actor, ref, organisation, role, now=ctx.now)


# ---------------------------------------------------------------- assessment


def _loaded_only(ctx: Context, spec: str | None, field: str) -> None:
    """A face on a server names loaded areas only: never a file on the server's disk."""
    from sara.report.assessment import is_file

    for part in (spec or "").split(",") if field == "control" else [spec or ""]:
        part = part.strip()
        if part and part != "auto" and is_file(part):
            raise Invalid(f"{part!r} is not a loaded area", field=field, fix="choose a loaded LSOA, ward or district by its name")


def assess(ctx: Context, *, target: str | None, before: str | None, after: str | None, buffer: float = 500, control: str = "auto",
           categories: list[str] | None = None, problem: str | None = None, plan: str | None = None, picture: bool = False):  # fmt: skip
    """An assessment of loaded areas (``sara.services.assess.assess``, or ``run_plan`` for a
    saved ``plan``), for ``problem`` when given (its own response is not warned about)."""
    from sara.services import assess as service

    if problem:
        pr.show(ctx.engine, ctx.actor, problem, today=ctx.now.date())
    if plan:
        return service.run_plan(ctx, plan, problem=problem or None, picture=picture)
    _loaded_only(ctx, target, "target")
    _loaded_only(ctx, control, "control")
    code = _resolve_area(ctx, target, "target") if target else None
    return service.assess(ctx, target=code, before=before, after=after, buffer=buffer, control=control or "auto", categories=categories or None,
                          problem=problem or None, picture=picture)  # fmt: skip


def assess_picture(ctx: Context, **design) -> bytes:
    """The PNG of ``assess(..., picture=True)``: the same checks, the picture drawn once
    while the data is unchanged (``sara.services.assess.png``)."""
    from sara.services import assess as service

    return service.png(ctx, assess(ctx, picture=True, **design))


def assess_form(ctx: Context, *, problem: str | None = None) -> dict:
    """What the assessment form offers: the problem's area and categories when one is
    assessed, the saved plans, the event categories and the areas by name."""
    with ctx.engine.connect() as conn:
        plans = [dict(r) for r in conn.execute(select(AssessmentPlan.name, AssessmentPlan.target, AssessmentPlan.before_from, AssessmentPlan.before_to,
                                                      AssessmentPlan.after_from, AssessmentPlan.after_to).order_by(AssessmentPlan.name)).mappings()]  # fmt: skip
    out = {"problem": None, "plans": plans, "categories": _categories(ctx)}
    if problem:
        p = plan(ctx, problem)
        query = p.get("event_query") or {}
        out["problem"] = {k: p.get(k) for k in ("reference", "title", "state", "area", "area_name", "assessment_plan", "assessment", "may")}
        out["problem"]["categories"] = query.get("categories") or []
        out["problem"]["months"] = query.get("months")
    return out


def save_assessment(ctx: Context, ref: str, **design) -> dict:
    """Runs the assessment ``design`` describes for problem ``ref`` and keeps its result on
    the problem (what closing it asks for), by the owning organisation only; audited."""
    p = pr._read(ctx.engine, ctx.actor, ref)
    require(ctx.actor, "write", "problem", p["organisation_id"])
    if p["state"] == "closed":
        raise pr.ProblemError(f"problem {p['reference']} is closed: it is not changed any more")
    result = assess(ctx, problem=p["reference"], **design).result
    summary = pr._assessment_summary(result, design.get("plan"))
    values = {"assessment_result": json.dumps(summary, default=str)}
    if design.get("plan"):
        values["assessment_plan"] = design["plan"]
    pr._apply(ctx.engine, ctx.actor, p, values, None, {"assessment": summary.get("outcome"), "plan": design.get("plan")}, now=ctx.now)
    return pr.show(ctx.engine, ctx.actor, p["reference"], today=ctx.now.date())
