"""The ASB Case Review (formerly the Community Trigger), Anti-social Behaviour, Crime and
Policing Act 2014 ss.104-105: qualifying complaints per victim against the local threshold,
applications and their outcome, and the four figures each relevant body publishes yearly.

The rules (statute text and explanatory notes on legislation.gov.uk; casework-anchors §2.1):

* a complaint *qualifies* when it was made within the period of one month beginning with
  the day of the behaviour complained of, and the application is made within the period of
  six months beginning with the day of the complaint (s.104(11); the "beginning with"
  wording is recalled, not re-verified: the explanatory notes say "within one month of the
  incident" and "within six months of the original complaint"). Periods are counted by
  ``sara.casework.clock.period_beginning_with``;
* at least three qualifying complaints, or the lower number the local review procedures
  specify, meet the threshold (s.104(4); explanatory note 231: "no higher than three");
  other local rules may weigh persistence, harm and the adequacy of the response (s.104(5));
* the same incident reported to several agencies counts once (local practice, e.g.
  Herefordshire, Ashfield): complaints sharing an ``incident_ref`` are one complaint;
* an optional local rule: one hate incident meets the threshold (South Wales, Herefordshire);
* an application made on a victim's behalf needs their consent;
* relevant bodies (s.105): the local authority, the chief officer of police, the integrated
  care board (health) and co-opted providers of social housing;
* one application at a time: a second one for a victim whose application still awaits its
  review, or one that counts no qualifying complaint an earlier application did not, is a
  duplicate (``Duplicate``), whichever relevant body receives it: the bodies review the case
  together (s.104(2)), and a decision is revisited by the local procedure, not re-applied for.

Published yearly (e.g. Newcastle-under-Lyme, B&NES): applications received; applications that
did not meet the threshold; reviews carried out; reviews that led to recommendations.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, select

from sara.access import audit
from sara.access.permissions import require
from sara.casework.clock import period_beginning_with
from sara.casework.people import PURPOSE, check_read, person_row, show_person
from sara.casework.records import Duplicate, NotFound, RecordError, assign_reference, org_id, org_names, temporary_reference
from sara.store.schema import access as sa_
from sara.store.schema import people as sp

MAX_THRESHOLD = 3
RELEVANT_BODY_TYPES = ("council", "police", "health", "housing")
STATES = ("threshold_met", "threshold_not_met", "review_held")


def last_day(first_day: dt.date, months: int) -> dt.date:
    """The last day of the period of ``months`` months beginning with ``first_day``."""
    return period_beginning_with(first_day, months, "months").date() - dt.timedelta(days=1)


def qualifying(complaints: list[dict], received_on: dt.date, *, hate_counts_as_threshold: bool = False) -> dict:
    """Which ``complaints`` (dicts with id, behaviour_on, complained_on, incident_ref, hate)
    qualify for an application received on ``received_on``: the counted ones (one per
    incident), and each one left out with its reason."""
    counted, left_out, incidents = [], [], {}
    for c in sorted(complaints, key=lambda c: (c["complained_on"], c["id"])):
        if c["complained_on"] > received_on:
            left_out.append({"id": c["id"], "reason": "made after the application"})
        elif c["complained_on"] > last_day(c["behaviour_on"], 1):
            left_out.append({"id": c["id"], "reason": "not made within one month of the behaviour"})
        elif received_on > last_day(c["complained_on"], 6):
            left_out.append({"id": c["id"], "reason": "made more than six months before the application"})
        elif c.get("incident_ref") and c["incident_ref"] in incidents:
            left_out.append({"id": c["id"], "reason": f"the same incident as complaint {incidents[c['incident_ref']]} (counted once)"})
        else:
            if c.get("incident_ref"):
                incidents[c["incident_ref"]] = c["id"]
            counted.append(c["id"])
    hate = hate_counts_as_threshold and any(c.get("hate") for c in complaints if c["id"] in counted)
    return {"counted": counted, "left_out": left_out, "hate_incident": hate}


def decide(count: int, threshold: int, hate_incident: bool = False) -> bool:
    return count >= threshold or hate_incident


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= MAX_THRESHOLD:
        raise RecordError(f"the threshold must be 1, 2 or 3 qualifying complaints; got {threshold!r}", field="threshold",
                          fix=f"the 2014 Act allows a local threshold of at most {MAX_THRESHOLD} (s.104(4))")  # fmt: skip


def _complaints(conn, person_id: int) -> list[dict]:
    t = sp.Complaint.__table__
    return [dict(r) for r in conn.execute(select(t).where(t.c.person_id == person_id).order_by(t.c.id)).mappings()]


def _may_record(conn, actor, p: dict) -> None:
    """The owner of the person, or an organisation working with them, records complaints made to it."""
    pp = sp.PersonPartner.__table__
    partner = conn.execute(select(pp.c.role).where(pp.c.person_id == p["id"], pp.c.organisation_id == actor.organisation_id)).first()
    if p["organisation_id"] != actor.organisation_id and partner is None:
        raise RecordError(f"your organisation is not working with {p['reference']}", field="ref",
                          fix=f"record first that your organisation works with {p['reference']}, and its role")  # fmt: skip
    require(actor, "write", "person", actor.organisation_id)


def record_complaint(engine: Engine, actor, ref: str, *, behaviour_on: dt.date, complained_on: dt.date, incident_ref: str | None = None,
                     event_id: int | None = None, hate: bool = False, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record a complaint by person ``ref`` made to the actor's organisation."""
    now = now or audit.utcnow()
    if complained_on < behaviour_on:
        raise RecordError(f"the complaint ({complained_on}) cannot be made before the behaviour it is about ({behaviour_on})", field="complained_on")
    if complained_on > now.date():
        raise RecordError(f"the complaint date {complained_on} is in the future", field="complained_on")
    t = sp.Complaint.__table__
    with engine.connect() as conn:
        p = person_row(conn, ref)
        _may_record(conn, actor, p)
    with engine.begin() as conn:
        cid = conn.execute(t.insert().values(person_id=p["id"], made_to_org_id=actor.organisation_id, behaviour_on=behaviour_on, complained_on=complained_on,
                                             incident_ref=incident_ref, event_id=event_id, hate=hate, recorded_at=now, recorded_by=actor.id)
                           .returning(t.c.id)).scalar_one()  # fmt: skip
        audit.record(conn, [audit.Entry("change", actor, "person", ref, owner_org_id=p["organisation_id"], purpose=PURPOSE, detail={"complaint": cid})])
    return {"id": cid, "person": ref, "behaviour_on": behaviour_on.isoformat(), "complained_on": complained_on.isoformat(), "incident_ref": incident_ref,
            "hate": hate}  # fmt: skip


def count(engine: Engine, actor, ref: str, *, on: dt.date | None = None, threshold: int = 3, hate_counts_as_threshold: bool = False,
          purpose: str = PURPOSE) -> dict:  # fmt: skip
    """How many qualifying complaints person ``ref`` has for an application made on ``on``,
    and whether that meets ``threshold``; the person shown at the actor's scope (audited)."""
    _check_threshold(threshold)
    on = on or dt.date.today()
    person = show_person(engine, actor, ref, purpose=purpose, today=on)
    with engine.connect() as conn:
        q = qualifying(_complaints(conn, person_row(conn, ref)["id"]), on, hate_counts_as_threshold=hate_counts_as_threshold)
    out = {"person": person, "on": on.isoformat(), "threshold": threshold, "qualifying": len(q["counted"]),
           "threshold_met": decide(len(q["counted"]), threshold, q["hate_incident"])}  # fmt: skip
    if person["scope"] in ("full", "summary"):
        out |= {"counted": q["counted"], "left_out": q["left_out"], "hate_incident": q["hate_incident"]}
    return out


def not_a_duplicate(earlier: list[dict], counted: list[int]) -> None:
    """Refuse an application for a victim with ``earlier`` applications (case-review rows,
    oldest first) when one still awaits its review, or when ``counted`` (the qualifying
    complaints now) holds no complaint an earlier application did not count."""
    waiting = [r for r in earlier if r["state"] == "threshold_met"]
    if waiting:
        r = waiting[-1]
        raise Duplicate(f"an application for this victim, {r['reference']} (received {r['received_on'].isoformat()}), met the threshold and awaits "
                        "its review: hold that review rather than receive a second application")  # fmt: skip
    seen = {c for r in earlier for c in json.loads(r["basis"]).get("counted", [])}
    if earlier and set(counted) <= seen:
        r = earlier[-1]
        raise Duplicate(f"no qualifying complaint since {r['reference']} (received {r['received_on'].isoformat()}, {r['state'].replace('_', ' ')}): "
                        "the same complaints found no second application; a new one needs a new qualifying complaint")  # fmt: skip


def apply(engine: Engine, actor, ref: str, *, received_on: dt.date, threshold: int = 3, on_behalf: bool = False, consent: bool = False,
          hate_counts_as_threshold: bool = False, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Receive an ASB Case Review application for person ``ref`` at the actor's
    organisation (a relevant body), count the qualifying complaints and decide the threshold;
    a duplicate of an earlier application (``not_a_duplicate``) is refused."""
    _check_threshold(threshold)
    now = now or audit.utcnow()
    if received_on > now.date():
        raise RecordError(f"the application date {received_on} is in the future", field="received_on")
    if on_behalf and not consent:
        raise RecordError("an application made on a victim's behalf needs their consent", field="consent", fix="record that the victim consented")
    check_read(actor)
    require(actor, "write", "person", actor.organisation_id)
    t, o = sp.CaseReview.__table__, sa_.Organisation.__table__
    with engine.connect() as conn:
        kind = conn.execute(select(o.c.type).where(o.c.id == actor.organisation_id)).scalar_one()
        if kind not in RELEVANT_BODY_TYPES:
            raise RecordError(f"a {kind} organisation is not a relevant body (s.105)", fix="the council, the police, the ICB or a co-opted social landlord receives the application")
        p = person_row(conn, ref)
        q = qualifying(_complaints(conn, p["id"]), received_on, hate_counts_as_threshold=hate_counts_as_threshold)
        earlier = [dict(r) for r in conn.execute(select(t).where(t.c.person_id == p["id"]).order_by(t.c.received_on, t.c.id)).mappings()]
    not_a_duplicate(earlier, q["counted"])
    met = decide(len(q["counted"]), threshold, q["hate_incident"])
    basis = {"rule": f"at least {threshold} qualifying complaints" + (" or one hate incident" if hate_counts_as_threshold else ""), **q}
    with engine.begin() as conn:
        rid = conn.execute(t.insert().values(
            reference=temporary_reference(), person_id=p["id"], organisation_id=actor.organisation_id, received_on=received_on, on_behalf=on_behalf,
            threshold=threshold, qualifying=len(q["counted"]), threshold_met=met, basis=json.dumps(basis), state="threshold_met" if met else "threshold_not_met",
            version=1, created_by=actor.id, created_at=now).returning(t.c.id)).scalar_one()  # fmt: skip
        reference = assign_reference(conn, t, rid, "ACR", received_on.year)
        audit.record(conn, [audit.Entry("create", actor, "person", ref, owner_org_id=p["organisation_id"], purpose="ASB case review",
                                        detail={"case_review": reference, "threshold_met": met})])  # fmt: skip
    return show(engine, actor, reference)


def _review_row(conn, reference: str) -> dict:
    t = sp.CaseReview.__table__
    r = conn.execute(select(t).where(t.c.reference == reference)).mappings().first()
    if r is None:
        raise NotFound(f"no ASB case review {reference!r}")
    return dict(r)


def hold_review(engine: Engine, actor, reference: str, *, held_on: dt.date, recommendations: int, now: dt.datetime | None = None) -> dict:
    """Record that the review meeting was held and how many recommendations it made (0: none)."""
    now = now or audit.utcnow()
    if recommendations < 0:
        raise RecordError("recommendations is a count", field="recommendations", fix="give 0 or more")
    t = sp.CaseReview.__table__
    with engine.connect() as conn:
        r = _review_row(conn, reference)
    require(actor, "write", "person", r["organisation_id"])
    if r["state"] != "threshold_met":
        need = "the threshold to be met first (an application below it is not reviewed; the applicant may appeal locally)" if r["state"] == "threshold_not_met" else "a review not yet held"
        raise RecordError(f"cannot record a review of {reference}: it needs {need}")
    if held_on < r["received_on"] or held_on > now.date():
        raise RecordError(f"the review date {held_on} must be between the application ({r['received_on']}) and today", field="held_on")
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.id == r["id"], t.c.version == r["version"])
                         .values(state="review_held", review_held_on=held_on, recommendations=recommendations, version=r["version"] + 1)).rowcount  # fmt: skip
        if n == 0:
            raise RecordError(f"{reference} was changed by someone else meanwhile: show it again")
        audit.record(conn, [audit.Entry("change", actor, "person", reference, owner_org_id=r["organisation_id"], purpose="ASB case review",
                                        detail={"review_held_on": held_on.isoformat(), "recommendations": recommendations})])  # fmt: skip
    return show(engine, actor, reference)


def show(engine: Engine, actor, reference: str) -> dict:
    """A case review: its dates, threshold and outcome, with the victim at the actor's scope."""
    with engine.connect() as conn:
        r = _review_row(conn, reference)
        names = org_names(conn)
        person_ref = conn.execute(select(sp.Person.reference).where(sp.Person.id == r["person_id"])).scalar_one()
    person = show_person(engine, actor, person_ref, purpose="ASB case review")
    out = {"reference": reference, "received_by": names[r["organisation_id"]], "received_on": r["received_on"].isoformat(), "on_behalf": r["on_behalf"],
           "threshold": r["threshold"], "qualifying": r["qualifying"], "threshold_met": r["threshold_met"], "state": r["state"],
           "review_held_on": r["review_held_on"].isoformat() if r["review_held_on"] else None, "recommendations": r["recommendations"], "person": person}  # fmt: skip
    if person["scope"] in ("full", "summary"):
        out["basis"] = json.loads(r["basis"])
    return out


def figures(engine: Engine, actor, start: dt.date, end: dt.date, *, organisation: str | None = None) -> dict:
    """The four published figures for ``start``..``end`` (inclusive): of one relevant body,
    or of every organisation in the database (the partnership). Counts only."""
    if end < start:
        raise RecordError(f"the period ends ({end}) before it starts ({start})", field="end", fix="give a period that runs forward")
    t = sp.CaseReview.__table__
    with engine.connect() as conn:
        q = select(t)
        if organisation:
            q = q.where(t.c.organisation_id == org_id(conn, organisation))
        rows = [dict(r) for r in conn.execute(q).mappings()]
    received = [r for r in rows if start <= r["received_on"] <= end]
    held = [r for r in rows if r["review_held_on"] and start <= r["review_held_on"] <= end]
    return {
        "from": start.isoformat(), "to": end.isoformat(), "organisation": organisation or "all",
        "applications_received": len(received),
        "threshold_not_met": sum(1 for r in received if not r["threshold_met"]),
        "reviews_carried_out": len(held),
        "reviews_with_recommendations": sum(1 for r in held if (r["recommendations"] or 0) > 0),
    }  # fmt: skip
