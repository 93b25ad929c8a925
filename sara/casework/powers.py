"""ASB powers as pure state machines driven by the versioned rules table.

A :class:`PowerCase` is immutable: :func:`apply` returns a new case with one more step in its
history, or raises :class:`Refused` with a message that names what is missing (the earlier
step, the rank, the age, the fact to record, the deadline) and the ``field`` of
:func:`apply` at fault (``step``, ``by_rank``, ``due``, ``facts``, ``at``, ``amount_gbp``, or
``subject_dob`` for the case's subject). :func:`deadlines` lists the open
legal deadlines of a case, computed by the one legal clock. A case keeps the rule version
that was in force on the day it was opened, whatever changes later.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sara.casework.clock import LONDON, add_period, period_beginning_with, period_following
from sara.casework.rules import Rule, Rulebook, default_rules
from sara.errors import Invalid


class Refused(Invalid):
    """A step the law (or the rules table) does not allow: what is missing, and the field."""


@dataclass(frozen=True)
class Event:
    step: str
    at: datetime
    by_rank: str | None = None
    due: datetime | None = None
    amount_gbp: int | None = None
    facts: frozenset = frozenset()


@dataclass(frozen=True)
class PowerCase:
    power: str
    rule_version: str
    state: str
    opened_at: datetime
    subject_dob: date | None = None
    subject_is_body: bool = False
    issuing_org: str | None = None
    owner: str | None = None
    history: tuple = ()

    def done(self, step: str) -> bool:
        return any(e.step == step for e in self.history)


@dataclass(frozen=True)
class Deadline:
    name: str
    label: str
    due: datetime
    basis: str
    missed: bool
    kind: str = "duty"
    rule_version: str = ""
    verified: bool = False


@dataclass(frozen=True)
class _Ctx:
    rule: Rule
    book: Rulebook
    extra: dict = field(default_factory=dict)


def _aware(at: datetime, what: str, field: str = "at") -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise Refused(f"{what} must be a timezone-aware datetime (Europe/London), got {at!r}", field=field)
    return at.astimezone(LONDON)


def _rule(case: PowerCase, rules: Rulebook | None) -> tuple[Rule, Rulebook]:
    book = rules or default_rules()
    return book.get(case.power, case.rule_version), book


def open_case(power: str, at: datetime, *, subject_dob: date | None = None, subject_is_body: bool = False,
              issuing_org: str | None = None, owner: str | None = None, rules: Rulebook | None = None) -> PowerCase:
    """Open a case on ``power``, fixing the rule version in force on ``at``'s date (UK time)."""
    at = _aware(at, "the time a case is opened")
    book = rules or default_rules()
    rule = book.rule_for(power, at.date())
    return PowerCase(power=power, rule_version=rule.version, state=rule.initial_state, opened_at=at, subject_dob=subject_dob,
                     subject_is_body=subject_is_body, issuing_org=issuing_org, owner=owner)


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _human_authorisers(tokens: list[str]) -> str:
    words = []
    for t in tokens:
        if t.endswith("+"):
            words.append(f"a police {t[:-1].replace('_', ' ')} or above")
        else:
            words.append(t.replace("_", " "))
    return " or ".join(words)


def rank_satisfies(by_rank: str | None, tokens: list[str], book: Rulebook) -> bool:
    if not tokens:
        return True
    if by_rank is None:
        return False
    held = {by_rank, *book.roles.get(by_rank, [])}
    for t in tokens:
        if t in held:
            return True
        if t.endswith("+") and by_rank in book.ranks and t[:-1] in book.ranks:
            if book.ranks.index(by_rank) >= book.ranks.index(t[:-1]):
                return True
    return False


def _missing_text(rule: Rule, step: dict) -> str:
    if step.get("needs"):
        return step["needs"]
    before = [s["label"] for s in rule.steps.values() if s["to"] in step["from"] and s is not step]
    if before:
        return "one of these first: " + "; ".join(dict.fromkeys(before))
    return "the case to be at " + " or ".join(f"'{x}'" for x in step["from"])


def _period_end(anchor: datetime, lim: dict) -> datetime:
    counting = lim.get("counting")
    if counting in ("beginning_with_day", "following_day"):
        count = period_beginning_with if counting == "beginning_with_day" else period_following
        return count(anchor.astimezone(LONDON).date(), lim["amount"], lim["unit"], disregard=set(lim.get("disregard", [])))
    return add_period(anchor, lim["amount"], lim["unit"], disregard=set(lim.get("disregard", [])))


def _anchor_event(case: PowerCase, steps: list[str]) -> tuple[int, Event] | None:
    found = None
    for i, e in enumerate(case.history):
        if e.step in steps:
            found = (i, e)
    return found


def _deadline_due(case: PowerCase, rule: Rule, key: str) -> tuple[datetime, int] | None:
    """Current due time of a deadline and the history index it hangs on (None if not started)."""
    d = rule.deadlines[key]
    if "given_by" in d:
        hit = _anchor_event(case, [d["given_by"], *d.get("also_given_by", [])])
        if hit is None or hit[1].due is None:
            return None
        return hit[1].due, hit[0]
    hit = _anchor_event(case, [d["from_step"], *d.get("also_from", [])])
    if hit is None:
        return None
    return _period_end(hit[1].at, rule.limits[d["period"]]), hit[0]


def _fmt(dt: datetime) -> str:
    return dt.astimezone(LONDON).strftime("%H:%M on %a %d %b %Y")


def _basis(rule: Rule, d: dict) -> tuple[str, bool]:
    lim = rule.limits.get(d.get("period", ""), {})
    src = lim.get("source") or d.get("source") or "date set when the step was taken"
    return f"{src}; {rule.citation} (rules version {rule.version})", bool(lim.get("verified", False))


def _subject_age(case: PowerCase, day: date) -> int | None:
    return None if case.subject_dob is None else age_on(case.subject_dob, day)


def apply(case: PowerCase, step: str, at: datetime, by_rank: str | None = None, *, due: datetime | None = None,
          amount_gbp: int | None = None, facts=(), rules: Rulebook | None = None) -> PowerCase:
    """Take ``step`` on ``case`` at ``at``, by someone of ``by_rank``; return the new case or raise :class:`Refused`.

    ``due``: the end date/time the step sets (a notice's end, an order's term, the time given in a
    warning); ``amount_gbp``: a fixed penalty amount; ``facts``: things recorded as done
    (e.g. "yot_consulted", "occupiers_informed", "appropriate_bodies_informed", "record_made").
    """
    rule, book = _rule(case, rules)
    at = _aware(at, "the time of a step")
    s = rule.step(step)
    label = s["label"][0].upper() + s["label"][1:]
    facts = frozenset(facts)
    if case.history and at < case.history[-1].at:
        last = case.history[-1]
        raise Refused(f"{label}: steps must be recorded in time order; this is dated {_fmt(at)}, before the last step "
                      f"('{rule.step(last.step)['label']}' at {_fmt(last.at)})", field="at")
    if at < case.opened_at:
        raise Refused(f"{label}: dated {_fmt(at)}, before the case was opened ({_fmt(case.opened_at)})", field="at")
    if case.state not in s["from"]:
        allowed = [x["label"] for x in rule.steps.values() if case.state in x["from"]]
        raise Refused(f"Cannot {s['label']}: it needs {_missing_text(rule, s)}. The case is at '{case.state}'"
                      + (f"; steps allowed now: {'; '.join(allowed)}." if allowed else "; no further steps are allowed."), field="step")
    tokens = s.get("authorisers", [])
    if not rank_satisfies(by_rank, tokens, book):
        who = f"'{by_rank}'" if by_rank else "no rank or role given"
        raise Refused(f"{label} must be authorised by {_human_authorisers(tokens)}; {who} is not enough"
                      + (f" ({s['authorisers_source']})" if s.get("authorisers_source") else "") + ".", field="by_rank")
    age = _subject_age(case, at.date())
    if s.get("checks_age"):
        mina = rule.minimum_age
        if case.subject_is_body:
            if not rule.bodies_allowed:
                raise Refused(f"{label}: {rule.name} applies to individuals only, not to a body or organisation.", field="subject_kind")
        elif mina["value"] > 0:
            if age is None:
                raise Refused(f"{label} needs the subject's date of birth, to check the minimum age of {mina['value']} ({mina['source']}).",
                              field="subject_dob")
            if age < mina["value"]:
                raise Refused(f"{label}: the subject is {age}, under the minimum age of {mina['value']} for {rule.name} ({mina['source']}).",
                              field="subject_dob")
    u18 = s.get("under_18_needs")
    if u18 and not case.subject_is_body:
        if age is None:
            raise Refused(f"{label} needs the subject's date of birth, to know whether {u18['text']} is required.", field="subject_dob")
        if age < 18 and u18["fact"] not in facts:
            raise Refused(f"{label} needs {u18['text']} first (record fact '{u18['fact']}').", field="facts")
    rf = s.get("requires_fact")
    if rf and rf["fact"] not in facts:
        raise Refused(f"{label} needs {rf['text']} first (record fact '{rf['fact']}').", field="facts")
    for ref, cmp in (("after", "after"), ("within", "within")):
        if ref not in s:
            continue
        dl = rule.deadlines[s[ref]]
        got = _deadline_due(case, rule, s[ref])
        if got is None:
            raise Refused(f"{label} needs the {dl['label']} to have been set first.", field="step")
        when, _ = got
        if cmp == "after" and at < when:
            raise Refused(f"{label} needs the {dl['label']} to have passed first: it ends at {_fmt(when)}.", field="at")
        if cmp == "within" and at > when:
            raise Refused(f"{label}: too late, the {dl['label']} ended at {_fmt(when)}.", field="at")
    aid = s.get("after_if_done")
    if aid and case.done(aid["step"]):
        got = _deadline_due(case, rule, aid["deadline"])
        if got is not None and at < got[0]:
            raise Refused(f"{label}: not before the {rule.deadlines[aid['deadline']]['label']} at {_fmt(got[0])}.", field="at")
    if "sets_deadline" in s:
        due = _check_due(case, rule, book, s, label, at, by_rank, due, age)
    elif due is not None:
        raise Refused(f"{label} does not set a date: leave the end date out.", field="due")
    if "fpn_limit" in s:
        lim = rule.limits[s["fpn_limit"]]
        if amount_gbp is None or isinstance(amount_gbp, bool) or not isinstance(amount_gbp, int) or amount_gbp <= 0:
            raise Refused(f"{label} needs the penalty amount in whole pounds (up to £{lim['gbp']}).", field="amount_gbp")
        if amount_gbp > lim["gbp"]:
            raise Refused(f"{label}: £{amount_gbp} is more than the maximum of £{lim['gbp']} under rules version "
                          f"{rule.version} ({lim['source']}).", field="amount_gbp")
    event = Event(step=step, at=at, by_rank=by_rank, due=due, amount_gbp=amount_gbp, facts=facts)
    return replace(case, state=s["to"], history=case.history + (event,))


def _check_due(case, rule, book, s, label, at, by_rank, due, age):
    dl = rule.deadlines[s["sets_deadline"]]
    tiers = []
    for t in s.get("max_period", []):
        if "authorisers" in t and not rank_satisfies(by_rank, t["authorisers"], book):
            continue
        if "age_under" in t and (age is None or age >= t["age_under"]):
            continue
        if "age_at_least" in t and (age is None or age < t["age_at_least"]):
            continue
        tiers.append(t)
    if s.get("max_period") and not tiers:
        raise Refused(f"{label}: no time limit in the rules fits this subject and authoriser (is the date of birth recorded?).", field="subject_dob")
    if due is None:
        if tiers and all(t.get("unbounded") for t in tiers):
            return None  # indefinite / until further order
        raise Refused(f"{label} needs the date and time the {dl['label'].lower()}.", field="due")
    due = _aware(due, f"the {dl['label']}", "due")
    if due <= at:
        raise Refused(f"{label}: the {dl['label']} given ({_fmt(due)}) is not after the step itself ({_fmt(at)}); a deadline cannot be in the past.",
                      field="due")
    if not tiers:
        return due
    best_max = None
    best_min = None
    for t in tiers:
        anchor = at
        if "from_step" in t:
            hit = _anchor_event(case, [t["from_step"]])
            anchor = hit[1].at if hit else at
        elif "from_deadline" in t:
            got = _deadline_due(case, rule, t["from_deadline"])
            anchor = got[0] if got else at
        if t.get("unbounded"):
            best_max = "unbounded"
        elif best_max != "unbounded":
            end = _period_end(anchor, rule.limits[t["limit"]])
            best_max = end if best_max is None or end > best_max else best_max
        if "min_limit" in t:
            mn = _period_end(anchor, rule.limits[t["min_limit"]])
            best_min = mn if best_min is None or mn < best_min else best_min
    if best_max not in (None, "unbounded") and due > best_max:
        srcs = "; ".join(rule.limits[t["limit"]]["source"] for t in tiers if "limit" in t)
        raise Refused(f"{label}: the {dl['label'].lower()} at {_fmt(due)} is later than the law allows for this authoriser "
                      f"and subject: at most {_fmt(best_max)} ({srcs}).", field="due")
    if best_min is not None and due < best_min:
        srcs = "; ".join(rule.limits[t["min_limit"]]["source"] for t in tiers if "min_limit" in t)
        raise Refused(f"{label}: the {dl['label'].lower()} at {_fmt(due)} is shorter than the minimum, which ends {_fmt(best_min)} ({srcs}).", field="due")
    return due


def deadlines(case: PowerCase, at: datetime, *, rules: Rulebook | None = None) -> list[Deadline]:
    """The open legal deadlines of ``case`` as at ``at``, earliest first, each saying whether it was missed.

    ``missed`` is true for a duty or time limit whose time has passed without the step that
    meets it; an expiry that has passed is listed with ``missed=False`` (it simply ended) until
    the case records it.
    """
    rule, _ = _rule(case, rules)
    at = _aware(at, "the time deadlines are listed")
    out = []
    for key, d in rule.deadlines.items():
        got = _deadline_due(case, rule, key)
        if got is None:
            continue
        when, idx = got
        if any(e.step in d.get("closed_by", []) for e in case.history[idx + 1:]):
            continue
        if d.get("only_under_18"):
            age = _subject_age(case, when.date())
            if age is None or age >= 18:
                continue
        basis, verified = _basis(rule, d)
        missed = d["kind"] in ("duty", "limit") and at > when
        out.append(Deadline(name=key, label=d["label"], due=when.astimezone(LONDON), basis=basis, missed=missed,
                            kind=d["kind"], rule_version=rule.version, verified=verified))
    return sorted(out, key=lambda x: x.due)


def upcoming_and_missed(cases, at: datetime, *, owner: str | None = None, within: timedelta = timedelta(days=14),
                        rules: Rulebook | None = None) -> list[tuple[PowerCase, Deadline]]:
    """Deadlines due within ``within`` of ``at``, and duties already missed, across cases
    (optionally one owner's). A time limit that has passed (the last day to appeal, to
    challenge) is not the owner's miss: the right lapsed, and it leaves the list."""
    at = _aware(at, "the time deadlines are listed")
    rows = []
    for case in cases:
        if owner is not None and case.owner != owner:
            continue
        for d in deadlines(case, at, rules=rules):
            if (d.missed and d.kind == "duty") or (d.due >= at and d.due <= at + within):
                rows.append((case, d))
    return sorted(rows, key=lambda r: r[1].due)
