"""ASB powers as stored, stateful interventions: issue, step, breach, deadlines, yearly table.

Each intervention is a :class:`sara.casework.powers.PowerCase` kept as rows: the case
(``intervention``), its legal steps in order (``intervention_step``) and its breaches
(``intervention_breach``). Loading a case re-applies every stored step through
:func:`sara.casework.powers.apply` under the rule version fixed when the case was opened, so a
stored case obeys exactly the rules a new one does; a new step is checked the same way before
it is written, and a refusal (:class:`~sara.casework.powers.Refused`) says what is missing.

Interventions are personal data (resource ``intervention``): only the owning organisation
writes them (``sara.access.permissions.require``); other organisations read them only through
``sara.access.permissions.view`` scopes. Every change is audited in the transaction that makes
it, every read of a case's details through the permission views, every export of the yearly
table (``export_table``: counts, but only for a role that may export).

A closure notice is not issued twice: premises under a closure notice still in force (or a
closure order) are refused a second one, naming the notice to extend (s.77(4)) or the
organisation that holds it (``Duplicate``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Engine, select

from sara import errors
from sara.access import audit
from sara.access.permissions import can, require, view_many
from sara.casework.clock import LONDON
from sara.casework.powers import PowerCase, Refused, age_on, apply, open_case, upcoming_and_missed
from sara.casework.powers import deadlines as case_deadlines
from sara.casework.records import Duplicate
from sara.casework.rules import Rulebook, default_rules
from sara.store.schema import access as sa_
from sara.store.schema import people as spe
from sara.store.schema import powers as sp
from sara.store.schema import problems as spr

SUBJECT_KINDS = ("person", "body", "premises", "area")
RESPONSES = ("warning", "fpn", "prosecution", "committal", "yot_referral", "remedial_action", "remedial_order", "forfeiture_order", "seizure_warrant")

# The short names people use for a power, as (power, first step) of the rules table.
ISSUE = {
    "cpw": ("community_protection", "issue_warning"),
    "cpn": ("community_protection", "issue_notice"),
    "community_protection": ("community_protection", "issue_warning"),
    "pspo": ("pspo", "consult"),
    "dispersal": ("dispersal", "authorise"),
    "closure": ("closure", "issue_notice"),
    "closure_notice": ("closure", "issue_notice"),
    "injunction": ("civil_injunction", "apply"),
    "civil_injunction": ("civil_injunction", "apply"),
    "cbo": ("cbo", "prosecution_applies"),
    "abc": ("abc", "invite"),
}
# step short names per power (otherwise the rules table's step key)
STEP_ALIASES = {
    "community_protection": {"cpw": "issue_warning", "cpn": "issue_notice", "fpn": "issue_fpn"},
    "pspo": {"order": "make_order", "fpn": "issue_fpn"},
    "dispersal": {"direction": "give_direction"},
    "closure": {"notice": "issue_notice", "apply": "apply_for_order", "order": "make_order"},
    "civil_injunction": {"interim": "grant_interim"},
    "cbo": {"order": "make_order"},
}
# breach responses that are also steps of the power's state machine
RESPONSE_STEPS = {"fpn": "issue_fpn", "prosecution": "prosecute"}
# powers whose rules have no "record_breach" step: the states in which a breach can happen
BREACHABLE = {"civil_injunction": {"interim", "in_force", "arrested"}, "pspo": {"in_force", "challenged"}}


class NotFound(errors.NotFound):
    pass


class Conflict(errors.Conflict):
    pass


@dataclass(frozen=True)
class Stored:
    """A reloaded intervention: its row, its case (steps re-applied) and its breaches."""

    id: int
    reference: str
    organisation_id: int
    organisation: str
    owner_user_id: int
    owner: str
    subject_kind: str
    subject_ref: str
    problem_ref: str | None
    version: int
    case: PowerCase
    breaches: tuple
    rules: Rulebook | None = None  # the rulebook holding the case's version

    def record(self, at: dt.datetime | None = None) -> dict:
        """The case as a personal record (the fields ``sara.access.roles.SCOPE_FIELDS`` know)."""
        c = self.case
        ends = [d for d in case_deadlines(c, at or c.opened_at, rules=self.rules) if d.kind == "expiry"] if c.history else []
        return {
            "id": self.reference,
            "reference": self.reference,
            "type": c.power,
            "power": c.power,
            "status": c.state,
            "rule_version": c.rule_version,
            "served_at": _iso(c.history[0].at) if c.history else None,
            "expires_at": _iso(ends[-1].due) if ends else None,
            "subject_kind": self.subject_kind,
            "subject_ref": self.subject_ref,
            "subject_dob": c.subject_dob.isoformat() if c.subject_dob else None,
            "organisation": self.organisation,
            "owner": self.owner,
            "problem_ref": self.problem_ref,
            "opened_at": _iso(c.opened_at),
            "steps": [{"step": e.step, "at": _iso(e.at), "by_rank": e.by_rank, "due": _iso(e.due), "amount_gbp": e.amount_gbp,
                       "facts": sorted(e.facts)} for e in c.history],  # fmt: skip
            "breaches": list(self.breaches),
        }


# --- time -------------------------------------------------------------------------------------

def _aware(t: dt.datetime, what: str, field: str = "at") -> dt.datetime:
    if not isinstance(t, dt.datetime):
        raise Refused(f"{what} must be a date and time, got {t!r}", field=field)
    return t.replace(tzinfo=LONDON) if t.tzinfo is None else t


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    return None if t is None else t.astimezone(dt.UTC).replace(tzinfo=None)


def _from_utc(t: dt.datetime | None) -> dt.datetime | None:
    return None if t is None else t.replace(tzinfo=dt.UTC).astimezone(LONDON)


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(LONDON).isoformat()


# --- loading ----------------------------------------------------------------------------------

def _book(rules: Rulebook | None, power: str, version: str) -> Rulebook:
    book = rules or default_rules()
    try:
        book.get(power, version)
        return book
    except ValueError:
        return default_rules(include_examples=True)


def _load(conn, where, rules: Rulebook | None) -> list[Stored]:
    i, s, b = sp.Intervention.__table__, sp.InterventionStep.__table__, sp.InterventionBreach.__table__
    o, u = sa_.Organisation.__table__, sa_.User.__table__
    rows = conn.execute(
        select(i, o.c.name.label("org_name"), u.c.username.label("owner_name"))
        .join(o, o.c.id == i.c.organisation_id).join(u, u.c.id == i.c.owner_user_id).where(where).order_by(i.c.id)
    ).mappings().all()
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    steps: dict[int, list] = {}
    for st in conn.execute(select(s).where(s.c.intervention_id.in_(ids)).order_by(s.c.intervention_id, s.c.seq)).mappings():
        steps.setdefault(st["intervention_id"], []).append(st)
    names = dict(conn.execute(select(u.c.id, u.c.username)).all())
    breaches: dict[int, list] = {}
    for br in conn.execute(select(b).where(b.c.intervention_id.in_(ids)).order_by(b.c.id)).mappings():
        breaches.setdefault(br["intervention_id"], []).append({
            "occurred_at": _iso(_from_utc(br["occurred_at"])), "response": br["response"], "outcome": br["outcome"],
            "court_reference": br["court_reference"], "reported_by": names.get(br["reported_by"])})  # fmt: skip
    out = []
    for r in rows:
        book = _book(rules, r["power"], r["rule_version"])
        rule = book.get(r["power"], r["rule_version"])
        case = PowerCase(power=r["power"], rule_version=r["rule_version"], state=rule.initial_state, opened_at=_from_utc(r["opened_at"]),
                         subject_dob=r["subject_dob"], subject_is_body=r["subject_kind"] != "person", issuing_org=r["org_name"], owner=r["owner_name"])  # fmt: skip
        for st in steps.get(r["id"], []):
            case = apply(case, st["step"], _from_utc(st["at"]), st["by_rank"], due=_from_utc(st["due"]), amount_gbp=st["amount_gbp"],
                         facts=json.loads(st["facts"]), rules=book)  # fmt: skip
        out.append(Stored(id=r["id"], reference=r["reference"], organisation_id=r["organisation_id"], organisation=r["org_name"],
                          owner_user_id=r["owner_user_id"], owner=r["owner_name"], subject_kind=r["subject_kind"], subject_ref=r["subject_ref"],
                          problem_ref=r["problem_ref"], version=r["version"], case=case, breaches=tuple(breaches.get(r["id"], [])), rules=book))  # fmt: skip
    return out


def load(engine: Engine, reference: str, *, rules: Rulebook | None = None) -> Stored:
    """Reload one intervention by reference (no permission check, no audit: for services)."""
    with engine.connect() as conn:
        found = _load(conn, sp.Intervention.__table__.c.reference == reference, rules)
    if not found:
        raise NotFound(f"no intervention {reference!r}: check the reference (INT-YYYY-NNNN) against the list of interventions")
    return found[0]


def load_all(engine: Engine, *, rules: Rulebook | None = None, where=None) -> list[Stored]:
    with engine.connect() as conn:
        return _load(conn, where if where is not None else sp.Intervention.__table__.c.id.is_not(None), rules)


# --- writing ----------------------------------------------------------------------------------

def _step_row(intervention_id: int, seq: int, event, actor) -> dict:
    return {"intervention_id": intervention_id, "seq": seq, "step": event.step, "at": _utc(event.at), "by_user_id": actor.id, "by_rank": event.by_rank,
            "facts": json.dumps(sorted(event.facts)), "amount_gbp": event.amount_gbp, "due": _utc(event.due)}  # fmt: skip


def _resolve_step(power: str, step: str) -> str:
    return STEP_ALIASES.get(power, {}).get(step, step)


def _recorded_subject(engine: Engine, actor, kind: str, ref: str, dob: dt.date | None, problem_ref: str | None) -> dt.date | None:
    """The subject's date of birth: from the actor's organisation's person record when ``ref``
    names one (a different date given is refused); a premises reference must be recorded, and
    so must the problem the intervention serves."""
    p, pr = spe.Person.__table__, spe.Premises.__table__
    with engine.connect() as conn:
        if problem_ref is not None and conn.execute(select(spr.Problem.id).where(spr.Problem.reference == problem_ref)).first() is None:
            raise errors.Invalid(f"no problem {problem_ref!r}", field="problem_ref", fix="give the reference of an existing problem (PRB-YYYY-NNNN)")
        if kind == "person":
            row = conn.execute(select(p.c.dob, p.c.organisation_id).where(p.c.reference == ref)).first()
            if row is not None and row.organisation_id == actor.organisation_id:
                if dob is not None and row.dob is not None and dob != row.dob:
                    raise errors.Invalid(f"the date of birth {dob.isoformat()} differs from {ref}'s record ({row.dob.isoformat()})", field="subject_dob",
                                         fix="correct one of them, or leave the date of birth out to take the record's")  # fmt: skip
                return dob or row.dob
        elif kind == "premises" and ref.upper().startswith("PRM-") and conn.execute(select(pr.c.id).where(pr.c.reference == ref)).first() is None:
            raise errors.Invalid(f"no premises {ref!r}", field="subject_ref", fix="record the premises first, or give the reference you use for it")
    return dob


def issue(engine: Engine, actor, power: str, at: dt.datetime, *, subject_ref: str, subject_kind: str = "person", subject_dob: dt.date | None = None,
          by_rank: str | None = None, step: str | None = None, due: dt.datetime | None = None, amount_gbp: int | None = None, facts=(),
          problem_ref: str | None = None, rules: Rulebook | None = None) -> dict:  # fmt: skip
    """Open an intervention on ``power`` (a rules-table power or a short name: cpw, cpn, closure, ...)
    owned by ``actor`` and their organisation, and take its first step at ``at``.

    Raises ``Refused`` (the law does not allow it: says what is missing), ``PermissionDenied``,
    ``Duplicate`` (a second closure notice on closed premises) or ``errors.Invalid`` (unknown
    power, step or subject kind)."""
    if subject_kind not in SUBJECT_KINDS:
        raise errors.Invalid(f"unknown subject kind {subject_kind!r}", field="subject_kind", fix=f"choose one of {', '.join(SUBJECT_KINDS)}")
    if not (subject_ref and subject_ref.strip()):
        raise errors.Invalid("an intervention needs a subject reference", field="subject_ref", fix="give the reference of the person, premises or area")
    require(actor, "write", "intervention", actor.organisation_id)
    subject_ref = subject_ref.strip()
    subject_dob = _recorded_subject(engine, actor, subject_kind, subject_ref, subject_dob, problem_ref)
    book = rules or default_rules()
    first = None
    if power in ISSUE:
        power, first = ISSUE[power]
    elif power not in book.powers():
        raise errors.Invalid(f"unknown power {power!r}", field="power", fix=f"choose one of {', '.join(sorted(set(ISSUE) | set(book.powers())))}")
    at = _aware(at, "the time of the step")
    case = open_case(power, at, subject_dob=subject_dob, subject_is_body=subject_kind != "person", issuing_org=actor.organisation,
                     owner=actor.username, rules=book)  # fmt: skip
    rule = book.get(power, case.rule_version)
    first = _resolve_step(power, step) if step else (first or next(k for k, s in rule.steps.items() if rule.initial_state in s["from"]))
    if power == "closure":
        _not_closed_already(engine, actor, subject_ref, at, rules)
    case = apply(case, first, at, by_rank, due=_aware(due, "due", "due") if due else None, amount_gbp=amount_gbp, facts=facts, rules=book)
    i = sp.Intervention.__table__
    with engine.begin() as conn:
        iid = conn.execute(i.insert().values(
            reference=f"tmp-{uuid.uuid4().hex[:24]}", power=power, rule_version=case.rule_version, state=case.state,
            subject_kind=subject_kind, subject_ref=subject_ref.strip(), subject_dob=subject_dob, organisation_id=actor.organisation_id,
            owner_user_id=actor.id, problem_ref=problem_ref, opened_at=_utc(at), example_rules=rule.example, version=1,
        ).returning(i.c.id)).scalar_one()  # fmt: skip
        reference = f"INT-{at.astimezone(LONDON).year}-{iid:04d}"
        conn.execute(i.update().where(i.c.id == iid).values(reference=reference))
        conn.execute(sp.InterventionStep.__table__.insert(), [_step_row(iid, 1, case.history[0], actor)])
        audit.record(conn, [audit.Entry("create", actor, "intervention", reference, owner_org_id=actor.organisation_id, purpose="casework",
                                        detail={"power": power, "step": first, "rule_version": case.rule_version, "state": case.state})])  # fmt: skip
    return load(engine, reference, rules=rules).record(at)


# a closure notice in force, continued by the court, or a closure order: the premises are closed
CLOSING = ("notice_end", "continued_notice_end", "order_end")


def live_closure(stored: Stored, at: dt.datetime):
    """The deadline of ``stored`` (a closure case) that keeps its premises closed at ``at``:
    a notice or continued notice not yet ended, or an order in force; None if none does."""
    if stored.case.power != "closure" or not stored.case.history:
        return None
    ends = [d for d in case_deadlines(stored.case, at, rules=stored.rules) if d.name in CLOSING and d.due > at]
    return ends[0] if ends else None


def _not_closed_already(engine: Engine, actor, subject_ref: str, at: dt.datetime, rules: Rulebook | None) -> None:
    """Refuse a second closure notice on premises a live notice or order already closes: the
    first is extended (s.77(4)) or followed by an application for an order (s.80), not repeated.
    A recorded premises (PRM-...) is the same place for every organisation, so another's case
    counts too, named only by its organisation so the user knows whom to ask; a reference of
    the user's own making is compared with their own organisation's cases only."""
    i = sp.Intervention.__table__
    key, shared = subject_ref.casefold(), subject_ref.upper().startswith("PRM-")
    same = [s for s in load_all(engine, rules=rules, where=(i.c.power == "closure") & (i.c.subject_kind == "premises"))
            if s.subject_ref.casefold() == key and (shared or s.organisation_id == actor.organisation_id)]  # fmt: skip
    for s in same:
        live = live_closure(s, at)
        if live is None:
            continue
        if s.organisation_id == actor.organisation_id:
            raise Duplicate(f"{subject_ref} is already closed by {s.reference} ({live.label} at {_iso(live.due)[:16].replace('T', ' ')}): "
                            "extend that notice, or apply for a closure order, instead of issuing a second one")  # fmt: skip
        raise Duplicate(f"{subject_ref} is already closed by a closure notice or order of {s.organisation}: ask them before issuing another")


def _change(engine: Engine, stored: Stored, new_case: PowerCase, actor, detail: dict, breach_row: dict | None = None) -> None:
    i = sp.Intervention.__table__
    n_old = len(stored.case.history)
    with engine.begin() as conn:
        hit = conn.execute(i.update().where(i.c.id == stored.id, i.c.version == stored.version)
                           .values(state=new_case.state, version=stored.version + 1)).rowcount  # fmt: skip
        if hit != 1:
            raise Conflict(f"{stored.reference} was changed by someone else meanwhile: reload it and try again")
        rows = [_step_row(stored.id, n_old + k + 1, e, actor) for k, e in enumerate(new_case.history[n_old:])]
        if rows:
            conn.execute(sp.InterventionStep.__table__.insert(), rows)
        if breach_row:
            conn.execute(sp.InterventionBreach.__table__.insert().values(intervention_id=stored.id, **breach_row))
        audit.record(conn, [audit.Entry("change", actor, "intervention", stored.reference, owner_org_id=stored.organisation_id, purpose="casework",
                                        detail=detail)])  # fmt: skip


def step(engine: Engine, actor, reference: str, step: str, at: dt.datetime, by_rank: str | None = None, *, due: dt.datetime | None = None,
         amount_gbp: int | None = None, facts=(), rules: Rulebook | None = None) -> dict:  # fmt: skip
    """Take ``step`` (a rules-table step key or a short name: cpn, fpn, order, ...) on the
    intervention ``reference``, checked by the rules of its own version."""
    stored = load(engine, reference, rules=rules)
    require(actor, "write", "intervention", stored.organisation_id)
    key = _resolve_step(stored.case.power, step)
    at = _aware(at, "the time of the step")
    book = _book(rules, stored.case.power, stored.case.rule_version)
    new = apply(stored.case, key, at, by_rank, due=_aware(due, "due", "due") if due else None, amount_gbp=amount_gbp, facts=facts, rules=book)
    _change(engine, stored, new, actor, {"step": key, "from": stored.case.state, "to": new.state, "at": _iso(at)})
    return load(engine, reference, rules=rules).record(at)


def breach(engine: Engine, actor, reference: str, at: dt.datetime, response: str, *, by_rank: str | None = None, outcome: str | None = None,
           court_reference: str | None = None, amount_gbp: int | None = None, rules: Rulebook | None = None) -> dict:  # fmt: skip
    """Record a breach of ``reference`` that occurred at ``at`` and the ``response`` to it.

    Where the power's rules have a breach step (``record_breach``, or ``record_notice_breach`` of
    a closure notice) the one fitting the case's state is taken, and a response
    that is also a step (``fpn`` -> ``issue_fpn``, ``prosecution`` -> ``prosecute``) is taken
    after it, so the state machine checks both (a notice in force, the FPN amount)."""
    if response not in RESPONSES:
        raise errors.Invalid(f"unknown breach response {response!r}", field="response", fix=f"choose one of {', '.join(RESPONSES)}")
    stored = load(engine, reference, rules=rules)
    require(actor, "write", "intervention", stored.organisation_id)
    at = _aware(at, "the time of the breach")
    case = stored.case
    book = _book(rules, case.power, case.rule_version)
    rule = book.get(case.power, case.rule_version)
    breach_steps = [k for k, s in rule.steps.items() if k.startswith("record_") and k.endswith("breach")]
    if breach_steps:
        fits = [k for k in breach_steps if case.state in rule.steps[k]["from"]]
        case = apply(case, (fits or ["record_breach"])[0], at, by_rank, rules=book)
    else:
        ok = BREACHABLE.get(case.power, set())
        if case.state not in ok:
            raise Refused(f"Cannot record a breach of the {rule.name}: it needs an order or injunction in force "
                          f"(the case is at '{case.state}').")
    resp_step = RESPONSE_STEPS.get(response)
    if resp_step in rule.steps:
        case = apply(case, resp_step, at, by_rank, amount_gbp=amount_gbp if resp_step == "issue_fpn" else None, rules=book)
    row = {"occurred_at": _utc(at), "reported_by": actor.id, "response": response, "outcome": outcome, "court_reference": court_reference,
           "recorded_at": audit.utcnow()}  # fmt: skip
    _change(engine, stored, case, actor, {"breach": response, "from": stored.case.state, "to": case.state, "at": _iso(at)}, breach_row=row)
    return load(engine, reference, rules=rules).record(at)


# --- reading ----------------------------------------------------------------------------------

def show(engine: Engine, actor, reference: str, *, purpose: str = "casework", rules: Rulebook | None = None, at: dt.datetime | None = None) -> dict:
    """The view of one intervention ``actor`` may have (audited when it shows personal data)."""
    stored = load(engine, reference, rules=rules)
    return view_many(engine, actor, "intervention", [(stored.record(at), stored.organisation_id, [stored.organisation])], purpose=purpose)[0]


def list_cases(engine: Engine, actor, *, power: str | None = None, problem_ref: str | None = None, purpose: str = "casework",
               rules: Rulebook | None = None) -> list[dict]:  # fmt: skip
    """Every intervention ``actor`` may read (optionally of one power or problem), each at the
    scope their agreements allow (another organisation's without one: a pseudonym); audited."""
    require(actor, "read", "intervention", actor.organisation_id)
    power = ISSUE.get(power, (power,))[0] if power else None
    stored = [s for s in load_all(engine, rules=rules) if (power is None or s.case.power == power) and (problem_ref is None or s.problem_ref == problem_ref)]
    if not stored:
        return []
    return view_many(engine, actor, "intervention", [(s.record(), s.organisation_id, [s.organisation]) for s in stored], purpose=purpose)


def deadlines(engine: Engine, actor, at: dt.datetime, *, owner: str | None = None, within: dt.timedelta = dt.timedelta(days=14),
              purpose: str = "deadline list", rules: Rulebook | None = None) -> list[dict]:  # fmt: skip
    """Upcoming (due within ``within`` of ``at``) and missed deadlines of every intervention
    ``actor`` may read, earliest first; ``owner`` (a username) keeps one user's cases.

    Each row carries the case as ``actor`` may see it (``sara.access.permissions`` scopes;
    another organisation's case without a sharing agreement shows only a pseudonym) and the
    deadline: name, label, due, missed, kind, basis, rule version. Each case shown with
    personal data is audited once."""
    at = _aware(at, "the time deadlines are listed")
    require(actor, "read", "intervention", actor.organisation_id)
    stored = [s for s in load_all(engine, rules=rules) if can(actor, "read", "intervention", s.organisation_id)]
    by_case = {id(s.case): s for s in stored}
    rows = []
    for s in stored:
        book = _book(rules, s.case.power, s.case.rule_version)
        rows += upcoming_and_missed([s.case], at, owner=owner, within=within, rules=book)
    rows.sort(key=lambda r: r[1].due)
    shown = {}
    cases = list({by_case[id(c)].reference: by_case[id(c)] for c, _ in rows}.values())
    if cases:
        views = view_many(engine, actor, "intervention", [(s.record(at), s.organisation_id, [s.organisation]) for s in cases], purpose=purpose)
        shown = {s.reference: v for s, v in zip(cases, views)}
    out = []
    for c, dl in rows:
        s = by_case[id(c)]
        v = shown[s.reference]
        full = v["scope"] != "pseudonymised"
        out.append({
            "reference": v.get("reference", v.get("id")) if full else v["pseudonym"], "scope": v["scope"], "power": c.power if full else None,
            "owner": s.owner if full else None, "organisation": s.organisation, "deadline": dl.name, "label": dl.label, "due": _iso(dl.due),
            "missed": dl.missed, "kind": dl.kind, "basis": dl.basis, "rule_version": dl.rule_version, "verified": dl.verified,
        })  # fmt: skip
    return out


# --- the yearly scrutiny table ------------------------------------------------------------------

OVER, UNDER, ALL = "over 18", "under 18", "all ages"


def _steps(s: Stored, key: str, extra=lambda e: True):
    return [e for e in s.case.history if e.step == key and extra(e)]


def _breaches(s: Stored, *responses):
    return [b for b in s.breaches if b["response"] in responses]


def _notice_hours(s: Stored, e) -> float:
    extended = any(x.step == "extend_notice" for x in s.case.history)
    return 48.0 if extended else (e.due - e.at).total_seconds() / 3600 if e.due else 0.0


# (section, power, age group, measure, events of one case: list of (datetime,) things counted)
MEASURES = [
    ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "civil_injunction", OVER, "Number of injunctions applied for", lambda s: _steps(s, "apply")),
    ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "civil_injunction", OVER, "Number of injunctions granted", lambda s: _steps(s, "grant")),
    ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "civil_injunction", OVER, "Number of injunctions granted with power of arrest attached",
     lambda s: _steps(s, "grant", lambda e: "power_of_arrest" in e.facts)),
    ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "civil_injunction", OVER, "Number of interim injunctions applied for",
     lambda s: _steps(s, "apply", lambda e: "interim_applied" in e.facts)),
    ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "civil_injunction", OVER, "Number of interim injunctions granted", lambda s: _steps(s, "grant_interim")),
    ("CIVIL INJUNCTIONS (ASB only) - OVER 18s", "civil_injunction", OVER, "Number of prosecutions for contempt of court/breach of injunction",
     lambda s: _breaches(s, "prosecution", "committal")),
    ("CLOSURE OF PREMISES", "closure", ALL, "Number of applications for Closure Orders", lambda s: _steps(s, "apply_for_order")),
    ("CLOSURE OF PREMISES", "closure", ALL, "Number of Closure Notices issued (24 hours)", lambda s: _steps(s, "issue_notice", lambda e: _notice_hours(s, e) <= 24)),
    ("CLOSURE OF PREMISES", "closure", ALL, "Number of Closure Notices issued (48 hours)", lambda s: _steps(s, "issue_notice", lambda e: _notice_hours(s, e) > 24)),
    ("CLOSURE OF PREMISES", "closure", ALL, "Number of Closure Orders granted", lambda s: _steps(s, "make_order")),
    ("CLOSURE OF PREMISES", "closure", ALL, "Number of prosecutions for breach of Closure Order", lambda s: _breaches(s, "prosecution")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of cases where remedial action take due to non-compliance with CPN",
     lambda s: _breaches(s, "remedial_action")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of Community Protection Notices issued", lambda s: _steps(s, "issue_notice")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of Community Protection Warning letters issued", lambda s: _steps(s, "issue_warning")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of forfeiture orders for failure to comply with CPN",
     lambda s: _breaches(s, "forfeiture_order")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of FPNs issued for breach of CPN", lambda s: _steps(s, "issue_fpn")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of prosecutions for breach of CPN", lambda s: _steps(s, "prosecute")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of remedial orders for failure to comply with CPN",
     lambda s: _breaches(s, "remedial_order")),
    ("COMMUNITY PROTECTION NOTICES", "community_protection", ALL, "Number of warrants authorising seizure following failure to comply with CPN",
     lambda s: _breaches(s, "seizure_warrant")),
    ("CRIMINAL BEHAVIOUR ORDERS - OVER 18s", "cbo", OVER, "Number of Criminal Behaviour Orders applied for", lambda s: _steps(s, "prosecution_applies")),
    ("CRIMINAL BEHAVIOUR ORDERS - OVER 18s", "cbo", OVER, "Number of Criminal Behaviour Orders granted", lambda s: _steps(s, "make_order")),
    ("CRIMINAL BEHAVIOUR ORDERS - OVER 18s", "cbo", OVER, "Number of prosecutions for breach of CBO", lambda s: _breaches(s, "prosecution")),
    ("PUBLIC SPACES PROTECTION ORDERS", "pspo", ALL, "Number of FPNs issued for failing to comply with a PSPO", lambda s: _steps(s, "issue_fpn")),
    ("PUBLIC SPACES PROTECTION ORDERS", "pspo", ALL, "Number of new Public Spaces Protection Orders made*", lambda s: _steps(s, "make_order")),
]
# the under-18 sections repeat the over-18 measures (Derbyshire 2020-21 order: over 18s first)
_split = []
for k, m in enumerate(MEASURES):
    _split.append(m)
    if m[2] == OVER and (k + 1 == len(MEASURES) or MEASURES[k + 1][0] != m[0]):
        _split += [(x[0].replace("OVER 18s", "UNDER 18s"), x[1], UNDER, x[3], x[4]) for x in MEASURES if x[0] == m[0]]
MEASURES = _split
# beyond the Derbyshire table: breaches of every power, and the powers it does not list
EXTRA = [
    ("DISPERSAL POWERS", "dispersal", ALL, "Number of dispersal authorisations", lambda s: _steps(s, "authorise")),
    ("DISPERSAL POWERS", "dispersal", ALL, "Number of dispersal directions given", lambda s: _steps(s, "give_direction")),
    ("ACCEPTABLE BEHAVIOUR CONTRACTS", "abc", ALL, "Number of ABCs signed", lambda s: _steps(s, "sign")),
    ("ALL POWERS", None, ALL, "Number of breaches recorded", lambda s: list(s.breaches)),
]
COLUMNS = ("section", "power", "age_group", "measure", "count")


def _when(x) -> dt.date:
    if isinstance(x, dict):
        return dt.datetime.fromisoformat(x["occurred_at"]).date()
    return x.at.astimezone(LONDON).date()


def _group(s: Stored, day: dt.date) -> str:
    dob = s.case.subject_dob
    if dob is None:
        return "unknown"
    return UNDER if age_on(dob, day) < 18 else OVER


def yearly_table(engine: Engine, year_start: dt.date, year_end: dt.date, *, rules: Rulebook | None = None, keep=None) -> pl.DataFrame:
    """Powers used, granted and breached from ``year_start`` to ``year_end`` (inclusive, UK
    dates), in the shape of a police and crime commissioner's scrutiny report (Derbyshire
    2020-21, "ASB powers used"): one row per section and measure, in that report's order, then
    the powers and breach counts it does not list. Columns: section, power, age_group, measure,
    count. Age groups are the subject's age on the day counted; a case without a date of birth
    is counted in neither age group of a split section. ``keep`` (a test of a ``Stored``
    case) counts only the cases it passes: those of one area, or of one reader's casework."""
    if year_end < year_start:
        raise errors.Invalid(f"the period ends ({year_end}) before it starts ({year_start})", field="year_end", fix="give a period that runs forward")
    stored = [s for s in load_all(engine, rules=rules) if keep is None or keep(s)]
    rows = []
    for section, power, group, measure, pick in MEASURES + EXTRA:
        n = 0
        for s in stored:
            if power is not None and s.case.power != power:
                continue
            for x in pick(s):
                day = _when(x)
                if year_start <= day <= year_end and (group == ALL or _group(s, day) == group):
                    n += 1
        rows.append((section, power or "all", group, measure, n))
    return pl.DataFrame(rows, schema=list(COLUMNS), orient="row")


def export_table(engine: Engine, actor, year_start: dt.date, year_end: dt.date, *, rules: Rulebook | None = None) -> dict:
    """The yearly table (``yearly_table``) as ``columns`` and ``rows`` for a face to write:
    counts only, but an export all the same, so only a role that may export interventions
    gets it (a public viewer does not), and it is audited as an export."""
    require(actor, "export", "intervention", actor.organisation_id)
    rows = yearly_table(engine, year_start, year_end, rules=rules).to_dicts()
    period = f"{year_start.isoformat()}..{year_end.isoformat()}"
    audit.append(engine, audit.Entry("export", actor, "intervention", f"powers table {period}", owner_org_id=actor.organisation_id, purpose="scrutiny",
                                     detail={"from": year_start.isoformat(), "to": year_end.isoformat(), "rows": len(rows)}))  # fmt: skip
    return {"columns": list(COLUMNS), "rows": rows, "from": year_start.isoformat(), "to": year_end.isoformat()}
