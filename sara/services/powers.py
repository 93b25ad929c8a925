"""Powers and cases as the web pages show them: the interventions a reader may see with their
subject and place (at the reader's scope), one case with its deadlines, the steps it may take
next and the text of the letter or notice a council would serve, the premises register with
the map under it, and the ASB Case Review tracker.

Every read goes through the casework functions the CLI calls (``sara.casework``), so the
permission checks, the scopes and the audit are theirs; this module only gathers what one
page needs into one dict. The notice text is built from the case's stored steps, the problem
it serves (the conduct, the place) and the rules table (``sara.casework.rules``): statute
references exactly as the rules give them, nothing added.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from sara import errors
from sara.access.permissions import can, require
from sara.casework import case_review, people, premises, problems
from sara.casework import interventions as iv
from sara.casework import powers as pw
from sara.casework.clock import LONDON
from sara.services import Context
from sara.store.schema import people as sp
from sara.store.schema import problems as spr

DEADLINE_DAYS = 14
POWER_NAMES = {"abc": "Acceptable Behaviour Contract", "community_protection": "Community protection (CPW, CPN)", "pspo": "Public Spaces Protection Order",
               "dispersal": "Dispersal", "closure": "Closure of premises", "civil_injunction": "Civil injunction", "cbo": "Criminal Behaviour Order"}  # fmt: skip


def _now(ctx: Context) -> dt.datetime:
    return ctx.now.replace(tzinfo=dt.UTC).astimezone(LONDON)


def _subject(ctx: Context, kind: str | None, ref: str | None, purpose: str) -> dict | None:
    """The subject of a case as the reader may see it: a recorded person or premises through
    its own view (audited), an area or an unrecorded reference as the case names it."""
    if not ref:
        return None
    try:
        if kind == "person" and ref.upper().startswith("PER-"):
            return {"kind": "person", **people.show_person(ctx.engine, ctx.actor, ref, purpose=purpose, today=ctx.now.date())}
        if kind == "premises" and ref.upper().startswith("PRM-"):
            return {"kind": "premises", **premises.show_premises(ctx.engine, ctx.actor, ref, purpose=purpose, at=ctx.now.date())}
    except (errors.NotFound, errors.Forbidden):
        pass
    return {"kind": kind, "reference": ref}


def _problem(ctx: Context, ref: str | None) -> dict | None:
    """The problem a case serves, if the reader may read it: its title, place and behaviour."""
    if not ref:
        return None
    try:
        p = problems.show(ctx.engine, ctx.actor, ref, today=ctx.now.date())
    except (errors.NotFound, errors.Forbidden):
        return {"reference": ref}
    return {k: p.get(k) for k in ("reference", "title", "place", "behaviour", "time_pattern", "statement")}


def _subjects(ctx: Context, wanted: list[tuple[str | None, str | None]], purpose: str) -> dict[tuple, dict]:
    """``_subject`` of many cases at once, by (kind, reference): the people and the premises
    each read in one batch through their own views (one audit entry per record shown)."""
    seen: dict[tuple, dict] = {}
    for kind, prefix, show_many, when in (("person", "PER-", people.show_many, {"today": ctx.now.date()}),
                                          ("premises", "PRM-", premises.show_many, {"at": ctx.now.date()})):  # fmt: skip
        refs = {ref for k, ref in wanted if k == kind and ref and ref.upper().startswith(prefix)}
        if refs:
            try:
                seen |= {(kind, ref): {"kind": kind, **v} for ref, v in show_many(ctx.engine, ctx.actor, refs, purpose=purpose, **when).items()}
            except errors.Forbidden:
                pass
    return {(kind, ref): seen.get((kind, ref)) or {"kind": kind, "reference": ref} for kind, ref in wanted if ref}


def _problems(ctx: Context, refs: set[str]) -> dict[str, dict]:
    """``_problem`` of many cases at once: the problems the reader may read (as the list of
    problems gives them), then the fields shown of those named, in one query."""
    refs = {r for r in refs if r}
    if not refs:
        return {}
    readable = {p["reference"] for p in problems.list_problems(ctx.engine, ctx.actor, today=ctx.now.date())} & refs
    t = spr.Problem.__table__
    found = {}
    if readable:
        with ctx.engine.connect() as conn:
            rows = conn.execute(select(t.c.reference, t.c.title, t.c.place, t.c.behaviour, t.c.time_pattern, t.c.statement).where(t.c.reference.in_(sorted(readable))))
            found = {r["reference"]: dict(r) for r in rows.mappings()}
    return {ref: found.get(ref) or {"reference": ref} for ref in refs}


def cases(ctx: Context, *, power: str | None = None, problem: str | None = None, purpose: str = "casework", within_days: int = DEADLINE_DAYS) -> dict:
    """The interventions the reader may see (of one power, or serving one problem), each at
    their scope with its subject (who or where) and the problem it serves; the deadlines due
    within ``within_days`` and missed; and the breaches of the cases seen in full
    (``sara power list``, ``/powers``). Audited by the casework functions: each subject shown
    once per reading, however many of the cases name it."""
    rows = iv.list_cases(ctx.engine, ctx.actor, power=power, problem_ref=problem, purpose=purpose)
    full = [r for r in rows if r["scope"] == "full"]
    subjects = _subjects(ctx, [(r.get("subject_kind"), r.get("subject_ref")) for r in full], purpose)
    served = _problems(ctx, {r.get("problem_ref") for r in full})
    out = []
    for r in rows:
        if r["scope"] == "full":
            r = {**r, "subject": subjects.get((r.get("subject_kind"), r.get("subject_ref"))), "problem": served.get(r.get("problem_ref"))}
        out.append(r)
    breaches = [{"reference": r["reference"], "power": r["power"], **b} for r in out if r["scope"] == "full" for b in r.get("breaches", [])]
    breaches.sort(key=lambda b: b["occurred_at"], reverse=True)
    return {"count": len(out), "interventions": out, "deadlines": deadlines(ctx, within_days=within_days)["deadlines"], "breaches": breaches,
            "powers": POWER_NAMES}  # fmt: skip


def deadlines(ctx: Context, *, within_days: int = DEADLINE_DAYS, mine: bool = False, purpose: str = "deadline list") -> dict:
    """The legal deadlines due within ``within_days`` and those missed, earliest first, of
    every case the reader may see (``sara power deadlines --json``)."""
    if not 0 <= within_days <= 366:
        raise errors.Invalid(f"{within_days} days is out of range", field="within", fix="look 0 to 366 days ahead")
    at = _now(ctx)
    owner = ctx.actor.username if mine else None
    rows = iv.deadlines(ctx.engine, ctx.actor, at, owner=owner, within=dt.timedelta(days=within_days), purpose=purpose)
    return {"at": at.isoformat(), "within_days": within_days, "owner": owner, "deadlines": rows}


def _deadline(d: pw.Deadline) -> dict:
    return {"deadline": d.name, "label": d.label, "due": d.due.isoformat(), "missed": d.missed, "kind": d.kind, "basis": d.basis, "verified": d.verified}


def _facts(rule) -> list[dict]:
    """The facts a step of this power may need recorded, with what each means."""
    found = {}
    for s in rule.steps.values():
        for need in (s.get("requires_fact"), s.get("under_18_needs")):
            if need:
                found[need["fact"]] = need["text"]
    return [{"fact": k, "text": v} for k, v in found.items()]


def case(ctx: Context, reference: str, *, purpose: str = "casework") -> dict:
    """One intervention at the reader's scope. Seen in full: its subject and problem, its open
    deadlines, the steps allowed now and the breach responses (when the reader's organisation
    may write it), and the notice text."""
    require(ctx.actor, "read", "intervention", ctx.actor.organisation_id)  # before the look-up: a refusal says nothing of whether it exists
    stored = iv.load(ctx.engine, reference)
    record = iv.show(ctx.engine, ctx.actor, reference, purpose=purpose, at=_now(ctx))
    out: dict = {"case": record, "scope": record["scope"]}
    if record["scope"] != "full":
        return out
    rule = stored.rules.get(stored.case.power, stored.case.rule_version)
    at = _now(ctx)
    subject = _subject(ctx, stored.subject_kind, stored.subject_ref, purpose)
    problem = _problem(ctx, stored.problem_ref)
    open_deadlines = [_deadline(d) for d in pw.deadlines(stored.case, at, rules=stored.rules)]
    writable = bool(can(ctx.actor, "write", "intervention", stored.organisation_id))
    out |= {
        "subject": subject, "problem": problem, "deadlines": open_deadlines,
        "rule": {"name": rule.name, "section": rule.section, "citation": rule.citation, "version": rule.version, "appeal": rule.appeal, "breach": rule.breach},
        "step_labels": {k: s["label"][:1].upper() + s["label"][1:] for k, s in rule.steps.items()},
        "can_write": writable,
        "steps_allowed": [{"step": k, "label": s["label"], "needs": s.get("guard") or s.get("needs")} for k, s in rule.steps.items()
                          if stored.case.state in s["from"]] if writable else [],
        "responses": list(iv.RESPONSES) if writable else [],
        "ranks": [*stored.rules.ranks, *stored.rules.roles] if writable else [],
        "facts": _facts(rule) if writable else [],
        "notice": notice(record, rule, subject, problem, open_deadlines),
    }  # fmt: skip
    return out


# --- the notice ---------------------------------------------------------------------------------

# What each power's document requires of its subject, in plain words, and the step that makes
# it: (steps that serve it, the document's name, what is required). Section numbers come only
# from the rules table.
DOCUMENTS = {
    "community_protection": (
        ("issue_notice", "Community Protection Notice", "You are required to stop the conduct described above, and to take reasonable steps to prevent it "
         "happening again."),
        ("issue_warning", "Community Protection Warning", "You are warned that unless the conduct described above stops by the time given below, a "
         "Community Protection Notice will be issued to you."),
    ),
    "closure": (
        ("make_order", "Closure order", "The court has ordered that no one may enter or remain in the premises for the period of the order, except as the "
         "order allows."),
        ("issue_notice", "Closure notice", "No one may enter or remain in the premises except those who habitually live there and the owner, until the "
         "time given below. An application will be made to the magistrates' court for a closure order."),
    ),
    "abc": (("sign", "Acceptable Behaviour Contract", "You have agreed to stop the conduct described above and to keep to the terms agreed at the meeting, "
             "for the term given below."),
            ("invite", "Invitation to an Acceptable Behaviour Contract meeting", "You are invited to a meeting to agree an Acceptable Behaviour Contract "
             "about the conduct described above. A parent or guardian should come too if you are under 18.")),
    "pspo": (("make_order", "Public Spaces Protection Order", "In the restricted area, the prohibitions and requirements of the order apply to everyone "
              "until the order expires."),
             ("consult", "Consultation on a proposed Public Spaces Protection Order", "The council proposes an order about the conduct described above and "
              "asks for your views.")),
    "cbo": (("make_order", "Criminal Behaviour Order", "The court has made an order prohibiting the conduct described above and requiring what the order "
             "says, until it ends."),
            ("prosecution_applies", "Application for a Criminal Behaviour Order", "The prosecution has applied to the court for an order about the conduct "
             "described above.")),
    "civil_injunction": (("grant", "Civil injunction", "The court has granted an injunction prohibiting the conduct described above and requiring what the "
                          "injunction says, until it ends."),
                         ("apply", "Application for a civil injunction", "An application has been made to the court for an injunction about the conduct "
                          "described above.")),
    "dispersal": (("give_direction", "Dispersal direction", "You are directed to leave the area described and not to return to it for the period given "
                   "below."),
                  ("authorise", "Dispersal authorisation", "The use of dispersal powers is authorised in the locality for the period given below.")),
}  # fmt: skip


def notice(record: dict, rule, subject: dict | None, problem: dict | None, open_deadlines: list[dict]) -> dict:
    """The letter or notice a council or force would serve for this case, as headed sections:
    to whom, the conduct, what is required, the time to comply, what happens on failure, and
    the right of appeal. Built from the stored case, its problem and the rules table; a
    section the case holds nothing for says what to fill in."""
    done = {s["step"]: s for s in record["steps"]}
    step, title, required = next(((k, t, r) for k, t, r in DOCUMENTS.get(record["power"], ()) if k in done), (None, rule.name, None))
    served = done.get(step) if step else (record["steps"][-1] if record["steps"] else None)
    to = _addressee(subject)
    p = problem or {}
    conduct = "; ".join(x for x in (p.get("behaviour"), f"at {p['place']}" if p.get("place") else None, p.get("time_pattern")) if x)
    conduct = (conduct[:1].upper() + conduct[1:] + ".") if conduct else "[Describe the conduct: what was done, where and when.]"
    if p.get("statement"):
        conduct += f" {p['statement'].rstrip('.')}."
    sets = rule.steps[step].get("sets_deadline") if step else None
    if served and served.get("due") and sets:
        comply = f"{rule.deadlines[sets]['label'][:1].upper() + rule.deadlines[sets]['label'][1:]}: {_when(served['due'])}."
    else:
        ends = [d for d in open_deadlines if d["kind"] in ("expiry", "duty")]
        comply = "; ".join(f"{d['label'][:1].upper() + d['label'][1:]}: {_when(d['due'])}" for d in ends) + "." if ends else "From the date of this notice."
    sections = [
        {"heading": "To", "text": to},
        {"heading": "The conduct", "text": conduct},
        {"heading": "What you must do", "text": required or f"[What the {rule.name} requires.]"},
        {"heading": "Time to comply", "text": comply},
        {"heading": "If you do not comply", "text": rule.breach},
        {"heading": "Your right of appeal", "text": rule.appeal},
    ]
    appeal = next((d for d in open_deadlines if d["kind"] == "limit" and "appeal" in d["deadline"]), None)
    if appeal:
        sections[-1]["text"] += f" The last day to appeal is {_when(appeal['due'])}."
    basis = rule.citation if rule.section in rule.citation else f"{rule.citation} ({rule.section})"
    return {
        "title": title, "reference": record["reference"], "served_at": served["at"] if served else None, "issued_by": record["organisation"],
        "authorised_by": served.get("by_rank") if served else None, "sections": sections,
        "legal_basis": basis, "rule_version": rule.version,
        "text": "\n\n".join([f"{title.upper()}", f"Reference: {record['reference']}", *[f"{s['heading']}\n{s['text']}" for s in sections],
                             f"Issued by {record['organisation']}" + (f" at {_when(served['at'])}" if served else "") + ".",
                             f"Legal basis: {basis}."]),
    }  # fmt: skip


def _addressee(subject: dict | None) -> str:
    if not subject:
        return "[The person or body the notice is served on.]"
    if subject.get("name"):
        return subject["name"] + (f", {subject['address']}" if subject.get("address") else "")
    if subject.get("address"):
        return f"The owner, occupiers and all persons at {subject['address']}"
    if subject.get("kind") == "area":
        return f"Everyone in the restricted area: {subject['reference']}"
    return f"The subject of case record {subject.get('reference') or subject.get('id') or subject.get('pseudonym')}"


def _when(iso: str) -> str:
    t = dt.datetime.fromisoformat(iso).astimezone(LONDON)
    return f"{t:%H:%M} on {t:%A} {t.day} {t:%B %Y}"


# --- the premises register and its map ------------------------------------------------------


def register_map(ctx: Context, *, band: str | None = None, purpose: str = "premises risk register") -> dict:
    """The premises register (``sara premises register --json``) and what its map draws: each
    premises seen in full with a position as a point, each other one (its position is not
    shared) in its ward, shaded by the worst band there; and the named boundaries around them,
    as GeoJSON (WGS84)."""
    import shapely

    from sara.services.places import Places

    r = premises.register(ctx.engine, ctx.actor, at=ctx.now.date(), band=band, purpose=purpose)
    order = [b["band"] for b in r["bands"]]
    points = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [v["lon"], v["lat"]]},
               "properties": {"id": v["id"], "address": v["address"], "band": v["risk_band"], "score": v["risk"]["score"]}}
              for v in r["rows"] if v.get("lon") is not None and v.get("lat") is not None]  # fmt: skip
    places = Places(ctx)
    wards = places.kind("ward")
    by_name = dict(zip(wards[1], wards[2])) if wards else {}
    placed: dict[str, list] = {}
    for v in r["rows"]:
        if v.get("lon") is None and v.get("ward") in by_name and v.get("risk_band"):
            placed.setdefault(v["ward"], []).append(v["risk_band"])
    in_wards = [{"type": "Feature", "geometry": json.loads(shapely.to_geojson(shapely.simplify(by_name[w], 0.0002))),
                 "properties": {"ward": w, "band": min(bands, key=order.index), "counts": {b: bands.count(b) for b in order if b in bands}}}
                for w, bands in placed.items()]  # fmt: skip
    shapes = [shapely.Point(f["geometry"]["coordinates"]) for f in points] + [by_name[w] for w in placed]
    areas = []
    if shapes:
        x0, y0, x1, y1 = shapely.bounds(shapely.GeometryCollection(shapes)).tolist()
        pad = 0.01
        drawn = places.backdrop("EPSG:4326", (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        if drawn is not None:
            areas = [{"type": "Feature", "geometry": json.loads(shapely.to_geojson(shapely.simplify(g, 0.0002))), "properties": {"name": n, "kind": drawn.kind}}
                     for g, n in zip(drawn.shapes, drawn.names)]  # fmt: skip
    not_mapped = len(r["rows"]) - len(points) - sum(len(b) for b in placed.values())
    return {**r, "map": {"points": {"type": "FeatureCollection", "features": points}, "wards": {"type": "FeatureCollection", "features": in_wards},
                         "areas": {"type": "FeatureCollection", "features": areas}, "not_mapped": not_mapped}}  # fmt: skip


# --- the ASB Case Review tracker ------------------------------------------------------------


def case_reviews(ctx: Context, *, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """The ASB Case Reviews the reader may see, newest first, each with its victim at the
    reader's scope (``case_review.show``, audited), and the four published figures for
    ``start``..``end`` (default: from the start of last financial year to today)."""
    people.check_read(ctx.actor)
    today = ctx.now.date()
    end = end or today
    start = start or dt.date(today.year - (1 if today.month >= 4 else 2), 4, 1)
    figures = case_review.figures(ctx.engine, ctx.actor, start, end)
    t = sp.CaseReview.__table__
    with ctx.engine.connect() as conn:
        refs = conn.execute(select(t.c.reference).order_by(t.c.received_on.desc(), t.c.id.desc())).scalars().all()
    return {"figures": figures, "reviews": [case_review.show(ctx.engine, ctx.actor, ref) for ref in refs]}


# --- writing: what `sara power issue|step|breach` and the case page's forms do -----------------


def _writer(ctx: Context) -> None:
    """Before any look-up: one who may not write interventions at all learns nothing of
    whether a reference exists (the refusal is the same for every reference)."""
    require(ctx.actor, "write", "intervention", ctx.actor.organisation_id)


def issue(ctx: Context, power: str, *, at: dt.datetime | None = None, subject_ref: str, subject_kind: str = "person", subject_dob: dt.date | None = None,
          by_rank: str | None = None, step: str | None = None, due: dt.datetime | None = None, amount_gbp: int | None = None, facts=(),
          problem_ref: str | None = None) -> dict:  # fmt: skip
    """Open an intervention and take its first step, as ``sara power issue`` does
    (``interventions.issue``); ``at`` defaults to now, a time without a zone is UK time."""
    _writer(ctx)
    return iv.issue(ctx.engine, ctx.actor, power, at or _now(ctx), subject_ref=subject_ref, subject_kind=subject_kind, subject_dob=subject_dob,
                    by_rank=by_rank, step=step, due=due, amount_gbp=amount_gbp, facts=tuple(facts or ()), problem_ref=problem_ref)  # fmt: skip


def take_step(ctx: Context, reference: str, step: str, *, at: dt.datetime | None = None, by_rank: str | None = None, due: dt.datetime | None = None,
              amount_gbp: int | None = None, facts=()) -> dict:  # fmt: skip
    """The next legal step on an intervention, checked by the rules of its own version
    (``interventions.step``, as ``sara power step``)."""
    _writer(ctx)
    return iv.step(ctx.engine, ctx.actor, reference, step, at or _now(ctx), by_rank, due=due, amount_gbp=amount_gbp, facts=tuple(facts or ()))


def record_breach(ctx: Context, reference: str, response: str, *, at: dt.datetime | None = None, by_rank: str | None = None, outcome: str | None = None,
                  court_reference: str | None = None, amount_gbp: int | None = None) -> dict:  # fmt: skip
    """A breach of an intervention and the response to it (``interventions.breach``, as
    ``sara power breach``)."""
    _writer(ctx)
    return iv.breach(ctx.engine, ctx.actor, reference, at or _now(ctx), response, by_rank=by_rank, outcome=outcome, court_reference=court_reference,
                     amount_gbp=amount_gbp)  # fmt: skip
