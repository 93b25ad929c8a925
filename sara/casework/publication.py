"""A problem's public summary, "you said, we did": who writes it, who approves it, and what
its text may not say (DESIGN.md, "the public"; the branding and communications learning of
Clear, Hold, Build: "agree in advance all communications ... with all partners involved.
Some stakeholders may be put in danger if it is seen that they gave information to the
police", and "it's important not to only use police language or acronyms").

The rules:

- The problem's owner, or a problem owner of the owning organisation, writes or changes the
  summary (a public title, what people said, what the partnership did) for one neighbourhood:
  a loaded ward or district (by default the ward holding most of the problem's area's events).
  Writing or changing it clears any approval: changed words are approved again.
- A lead of the owning organisation approves it, never its own writer (two people agree every
  word the public reads). A lead, or a writer, withdraws it; a withdrawn summary is not shown.
- The text is plain (no ``<`` or ``>``: no markup reaches a page), within ``LIMITS``, and
  names nothing that could identify a person or an informant: no reference (``PRB-2025-0001``,
  ``INC-DX-1``, a pseudonym), no postcode, no name, date of birth or numbered address of a
  person or premises recorded in SARA, no user's name, and no street where personal or
  sensitive events of the neighbourhood are recorded (``sensitive_clause``: the public pages
  say no place finer than the neighbourhood for those).

Every change is written to the audit trail, as the rest of the casework is.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, Engine, and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from sara.access import audit
from sara.access.permissions import PermissionDenied, require
from sara.access.users import Actor
from sara.casework.problems import PURPOSE, _read
from sara.casework.records import CaseworkError
from sara.store.schema import Area, Event, EventArea
from sara.store.schema import access as sa_
from sara.store.schema import people as sp_people
from sara.store.schema import powers as sp_powers
from sara.store.schema import problems as sp
from sara.store.schema.publication import ProblemPublication

LIMITS = {"title": 120, "said": 1500, "did": 2500}
MIN_WORDS = 3
KINDS = ("ward", "district")
WRITERS = ("problem_owner",)

# A reference of SARA's (PRB-2025-0001, PER-, PRM-, INT-, CR-), an incident number (INC-DX-1),
# a pseudonym (PE-3fa9c0...), as sara.access.references and sara.casework.records make them.
REFERENCE = re.compile(r"\b[A-Z]{2,4}-(?=[0-9A-Z-]*[0-9])[0-9A-Z]+(?:-[0-9A-Z]+)*\b|\b[A-Z]{2}-[0-9a-f]{8,}\b")
# A full UK postcode (S44 6PP); a postcode district alone (S44, BD3) is a neighbourhood, and allowed.
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)
# police.uk's anonymised map points that are not streets ("On or near Supermarket").
GENERIC_PLACES = frozenset(
    s.casefold() for s in ("Parking Area", "Supermarket", "Police Station", "Theatre/Concert Hall", "Shopping Area", "Park/Open Space", "Hospital",
                           "Petrol Station", "Sports/Recreation Area", "Nightclub", "Further/Higher Educational Building", "Conference/Exhibition Centre",
                           "Bus/Coach Station", "Train Station", "Pedestrian Subway", "Airport/Airfield", "Prison", "Sports/recreation Area")
)  # fmt: skip


# Categories whose events are about a person's body, home or identity: sexual offences (within
# police.uk's "Violence and sexual offences"), domestic abuse, hate; with the events flagged
# domestic or hate and those linked to a recorded person or premises, they are "personal or
# sensitive": never placed finer than the neighbourhood in public.
SENSITIVE_CATEGORIES = ("Violence and sexual offences", "Sexual offences", "Rape", "Domestic abuse", "Stalking and harassment", "Hate crime")


def sensitive_clause(e) -> ColumnElement[bool]:
    """Whether an event (a row of ``e``, the event table) is personal or sensitive."""
    pe, pme = sp_people.PersonEvent.__table__, sp_people.PremisesEvent.__table__
    return or_(e.c.category.in_(SENSITIVE_CATEGORIES), e.c.domestic.is_(True), e.c.hate.is_(True),
               e.c.id.in_(select(pe.c.event_id)), e.c.id.in_(select(pme.c.event_id)))  # fmt: skip


class PublicationError(CaseworkError):
    """A refused public summary: what is wrong with it, the field, and the fix."""


def _phrase(text: str, phrase: str) -> bool:
    phrase = " ".join(phrase.split())
    if len(phrase) < 3:
        return False
    return re.search(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in phrase.split(" ")) + r"(?!\w)", text, re.IGNORECASE) is not None


def _plain(name: str | None) -> str:
    """A recorded name or address without its "(synthetic)"-like remarks in brackets."""
    return re.sub(r"\([^)]*\)", " ", name or "").strip(" ,")


def place_name(location: str | None) -> str | None:
    """The street of a police.uk location ("On or near Castle Street" -> "Castle Street");
    None for its generic points (a supermarket, a parking area), which name no street."""
    name = re.sub(r"^on or near\s+", "", (location or "").strip(), flags=re.IGNORECASE).strip()
    return None if not name or name.casefold() in GENERIC_PLACES else name


def sensitive_streets(conn: Connection, area_id: int) -> set[str]:
    """The streets of the neighbourhood ``area_id`` where personal or sensitive events are
    recorded (``sensitive_clause``)."""
    e, ea = Event.__table__, EventArea.__table__
    q = select(e.c.location).distinct().join(ea, and_(ea.c.event_id == e.c.id, ea.c.area_id == area_id)).where(sensitive_clause(e))
    return {n for n in (place_name(r) for r in conn.execute(q).scalars()) if n}


def _identifying(conn: Connection) -> list[tuple[str, str]]:
    """(phrase, what it is) for every name a public summary may not carry: people's names and
    dates of birth, the numbered parts of premises' addresses, users' names."""
    out: list[tuple[str, str]] = []
    pt, pm, u = sp_people.Person.__table__, sp_people.Premises.__table__, sa_.User.__table__
    for name, dob in conn.execute(select(pt.c.name, pt.c.dob)):
        out.append((_plain(name), "a person's name"))
        if dob:
            out += [(dob.isoformat(), "a date of birth"), (f"{dob.day} {dob:%B %Y}", "a date of birth"), (f"{dob:%d/%m/%Y}", "a date of birth")]
    for address, postcode in conn.execute(select(pm.c.address, pm.c.postcode)):
        out += [(part.strip(), "an address") for part in _plain(address).split(",") if re.search(r"\d", part)]
        if postcode:
            out.append((postcode, "a postcode"))
    for username, display in conn.execute(select(u.c.username, u.c.display_name)):
        if "." in username or "_" in username:
            out.append((username, "a user's name"))
        if display:
            out.append((_plain(display), "a user's name"))
    return [(p, what) for p, what in out if len(p) >= 3]


def check_text(conn: Connection, field: str, text: str | None, *, streets: set[str] = frozenset()) -> str:
    """``text`` stripped, or ``PublicationError`` naming ``field`` and what is wrong: empty,
    too long, markup, a reference, a postcode, a recorded name or address, a street of a
    sensitive event (``streets``)."""
    what = {"title": "the public title", "said": "what people said", "did": "what was done"}[field]
    return check_public_text(conn, field, text, what=what, limit=LIMITS[field], sentence=field != "title", streets=streets)


def check_public_text(conn: Connection, field: str, text: str | None, *, what: str, limit: int, sentence: bool = True,
                      streets: set[str] = frozenset()) -> str:  # fmt: skip
    """The disclosure check of any text the public reads (a public summary, a community
    message): ``text`` stripped, or ``PublicationError`` naming ``field`` and what is wrong
    (``what`` names the text): empty or (``sentence``) fewer than ``MIN_WORDS`` words, longer
    than ``limit``, markup, a reference, a postcode, a recorded name or address, a user's
    name, a street of a sensitive event (``streets``)."""
    text = (text or "").strip()
    if sentence and len(re.findall(r"[^\W\d_]{2,}", text)) < MIN_WORDS:
        raise PublicationError(f"{what} is {'empty' if not text else 'not a sentence'}", field=field,
                               fix=f"say it in plain words, at least {MIN_WORDS}, e.g. 'residents told us young people gathered late at night'")  # fmt: skip
    if not text:
        raise PublicationError(f"{what} is empty", field=field, fix="give a short title the public will know it by, e.g. 'Youth nuisance in the town centre'")
    if len(text) > limit:
        raise PublicationError(f"{what} is {len(text):,} characters long", field=field, fix=f"shorten it to {limit:,} at most")
    if "<" in text or ">" in text:
        raise PublicationError(f"{what} contains < or >", field=field, fix="write plain text: no markup, links or tags")
    if REFERENCE.search(text):
        raise PublicationError(f"{what} contains a reference ({REFERENCE.search(text).group(0)})", field=field,
                               fix="the public pages carry no case, person or incident references: describe what was done instead")  # fmt: skip
    if POSTCODE.search(text):
        raise PublicationError(f"{what} contains a postcode ({POSTCODE.search(text).group(0)})", field=field,
                               fix="name the neighbourhood, not a postcode: the public pages give no place finer than the neighbourhood")  # fmt: skip
    for phrase, kind in _identifying(conn):
        if _phrase(text, phrase):
            raise PublicationError(f"{what} contains {kind}", field=field,
                                   fix="the public summary names nobody and no address: say what was done, not who to or by whom")  # fmt: skip
    for street in sorted(streets):
        if _phrase(text, street):
            raise PublicationError(f"{what} names a street ({street})", field=field,
                                   fix="the public pages give no place finer than the neighbourhood here: say 'the town centre' or the neighbourhood's name")  # fmt: skip
    return text


# ---------------------------------------------------------------- the neighbourhood


def _area(conn: Connection, code: str) -> dict:
    ar = Area.__table__
    rows = conn.execute(select(ar.c.id, ar.c.kind, ar.c.code, ar.c.name).where(ar.c.code == code, ar.c.kind.in_(KINDS))).mappings().all()
    if not rows:
        raise PublicationError(f"no loaded ward or district has code {code!r}", field="area",
                               fix="give the code of a loaded ward or district (the public pages are per neighbourhood, never finer)")  # fmt: skip
    return dict(rows[0])


def default_area(conn: Connection, p: dict) -> dict | None:
    """The neighbourhood of problem ``p``: its area when a ward or district, else the ward
    holding most of the events of its area (an LSOA); None when it has no area or events."""
    code = p.get("area_code")
    if not code:
        return None
    ar, ea = Area.__table__, EventArea.__table__
    own = conn.execute(select(ar.c.id, ar.c.kind, ar.c.code, ar.c.name).where(ar.c.code == code).order_by(ar.c.id)).mappings().first()
    if own is None:
        return None
    if own["kind"] in KINDS:
        return dict(own)
    ward, inner = ar.alias("ward"), ea.alias("inner")
    q = (select(ward.c.id, ward.c.kind, ward.c.code, ward.c.name, func.count().label("n"))
         .select_from(inner).join(ea, ea.c.event_id == inner.c.event_id).join(ward, and_(ward.c.id == ea.c.area_id, ward.c.kind == "ward"))
         .where(inner.c.area_id == own["id"]).group_by(ward.c.id, ward.c.kind, ward.c.code, ward.c.name).order_by(func.count().desc(), ward.c.code).limit(1))  # fmt: skip
    row = conn.execute(q).mappings().first()
    return {k: row[k] for k in ("id", "kind", "code", "name")} if row else None


# ---------------------------------------------------------------- reading


def _row(conn: Connection, problem_id: int) -> dict | None:
    t = ProblemPublication.__table__
    r = conn.execute(select(t).where(t.c.problem_id == problem_id)).mappings().first()
    return dict(r) if r else None


def status(row: dict | None) -> str:
    """none | draft (waiting for a lead) | approved (public) | withdrawn."""
    if row is None:
        return "none"
    if row["withdrawn_at"] is not None:
        return "withdrawn"
    return "approved" if row["approved_at"] is not None else "draft"


def _view(conn: Connection, p: dict, row: dict | None) -> dict:
    users = dict(conn.execute(select(sa_.User.id, sa_.User.username)).all())
    area = None
    if row:
        ar = Area.__table__
        name = conn.execute(select(ar.c.name).where(ar.c.code == row["area_code"], ar.c.kind == row["area_kind"])).scalar()
        area = {"code": row["area_code"], "kind": row["area_kind"], "name": name or row["area_code"]}
    else:
        d = default_area(conn, p)
        area = {"code": d["code"], "kind": d["kind"], "name": d["name"] or d["code"], "suggested": True} if d else None
    out = {"problem": p["reference"], "status": status(row), "area": area, "title": None, "said": None, "did": None}
    if row:
        out |= {"title": row["title"], "said": row["said"], "did": row["did"], "written_by": users.get(row["written_by"]),
                "written_at": row["written_at"].isoformat(), "approved_by": users.get(row["approved_by"]),
                "approved_at": row["approved_at"].isoformat() if row["approved_at"] else None,
                "withdrawn_at": row["withdrawn_at"].isoformat() if row["withdrawn_at"] else None}  # fmt: skip
    return out


def _may(actor: Actor, p: dict, row: dict | None) -> dict:
    write = _may_write(actor, p)
    lead = _is_lead(actor, p)
    return {"write": write, "approve": lead and status(row) == "draft" and row["written_by"] != actor.id,
            "withdraw": (lead or write) and status(row) in ("draft", "approved")}  # fmt: skip


def _may_write(actor: Actor, p: dict) -> bool:
    return actor is not None and actor.organisation_id == p["organisation_id"] and (actor.id == p["owner_user_id"] or actor.role in WRITERS) \
        and actor.role in (*WRITERS, "lead") and p["state"] != "proposed"  # fmt: skip


def _is_lead(actor: Actor, p: dict) -> bool:
    return actor is not None and actor.role == "lead" and actor.organisation_id == p["organisation_id"]


def show(engine: Engine, actor: Actor, ref: str | int) -> dict:
    """The problem's public summary as it stands (status none, draft, approved or withdrawn),
    its neighbourhood (or the one suggested), and what ``actor`` may do with it."""
    p = _read(engine, actor, ref)
    with engine.connect() as conn:
        row = _row(conn, p["id"])
        return _view(conn, p, row) | {"may": _may(actor, p, row), "problem_title": p["title"], "limits": dict(LIMITS)}


# ---------------------------------------------------------------- writing


def _audit(conn: Connection, actor: Actor, p: dict, detail: dict) -> None:
    audit.record(conn, [audit.Entry("change", actor, "problem", p["reference"], owner_org_id=p["organisation_id"], purpose=PURPOSE,
                                    detail={"publication": detail})])  # fmt: skip


def write(engine: Engine, actor: Actor, ref: str | int, *, title: str, said: str, did: str, area: str | None = None,
          now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Write or change the problem's public summary for the neighbourhood ``area`` (a ward or
    district code; default: the one kept, else ``default_area``). Clears any approval."""
    now = now or audit.utcnow()
    p = _read(engine, actor, ref)
    require(actor, "write", "problem", p["organisation_id"])
    if not _may_write(actor, p):
        if p["state"] == "proposed" and actor.organisation_id == p["organisation_id"]:
            raise PublicationError(f"problem {p['reference']} is only proposed", field=None, fix="publish what was done once it is being worked (scanning or later)")
        raise PermissionDenied(f"not allowed: a {actor.role} may not write the public summary of {p['reference']}: its owner or a problem owner of its organisation does")
    with engine.connect() as conn:
        old = _row(conn, p["id"])
        if area:
            a = _area(conn, area.strip())
        elif old:
            a = _area(conn, old["area_code"])
        else:
            a = default_area(conn, p)
            if a is None:
                raise PublicationError(f"problem {p['reference']} has no neighbourhood", field="area", fix="give the code of the ward or district it is in")
        streets = sensitive_streets(conn, a["id"])
        values = {"title": check_text(conn, "title", title, streets=streets), "said": check_text(conn, "said", said, streets=streets),
                  "did": check_text(conn, "did", did, streets=streets)}  # fmt: skip
    values |= {"area_kind": a["kind"], "area_code": a["code"], "written_by": actor.id, "written_at": now, "approved_by": None, "approved_at": None,
               "withdrawn_by": None, "withdrawn_at": None}  # fmt: skip
    t = ProblemPublication.__table__
    with engine.begin() as conn:
        if old:
            conn.execute(t.update().where(t.c.problem_id == p["id"]).values(**values))
        else:
            conn.execute(t.insert().values(problem_id=p["id"], **values))
        _audit(conn, actor, p, {"written": True, "area": a["code"], "title": values["title"], "approval_cleared": bool(old and old["approved_at"])})
    return show(engine, actor, p["reference"])


def approve(engine: Engine, actor: Actor, ref: str | int, *, now: dt.datetime | None = None) -> dict:
    """A lead of the owning organisation approves the summary as written: it is public."""
    now = now or audit.utcnow()
    p = _read(engine, actor, ref)
    if not _is_lead(actor, p):
        raise PermissionDenied(f"not allowed: a lead of the owning organisation approves the public summary of {p['reference']}")
    t = ProblemPublication.__table__
    with engine.connect() as conn:
        row = _row(conn, p["id"])
    if status(row) != "draft":
        raise PublicationError(f"problem {p['reference']} has no public summary waiting for approval ({status(row)})", field=None,
                               fix="its owner writes the summary first; a withdrawn or changed one is written again")  # fmt: skip
    if row["written_by"] == actor.id:
        raise PermissionDenied(f"not allowed: you wrote the public summary of {p['reference']}: another lead approves it")
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.id == row["id"], t.c.written_at == row["written_at"], t.c.approved_at.is_(None))
                         .values(approved_by=actor.id, approved_at=now)).rowcount  # fmt: skip
        if not n:
            raise PublicationError(f"the public summary of {p['reference']} changed while you read it", field=None, fix="read it again, then approve")
        _audit(conn, actor, p, {"approved": True, "written_at": row["written_at"].isoformat()})
    return show(engine, actor, p["reference"])


def withdraw(engine: Engine, actor: Actor, ref: str | int, *, now: dt.datetime | None = None) -> dict:
    """A lead of the owning organisation, or a writer, withdraws the summary: not shown any more."""
    now = now or audit.utcnow()
    p = _read(engine, actor, ref)
    if not (_is_lead(actor, p) or _may_write(actor, p)):
        raise PermissionDenied(f"not allowed: a lead or a problem owner of the owning organisation withdraws the public summary of {p['reference']}")
    t = ProblemPublication.__table__
    with engine.connect() as conn:
        row = _row(conn, p["id"])
    if status(row) not in ("draft", "approved"):
        raise PublicationError(f"problem {p['reference']} has no public summary to withdraw ({status(row)})", field=None)
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == row["id"]).values(withdrawn_by=actor.id, withdrawn_at=now))
        _audit(conn, actor, p, {"withdrawn": True, "was": status(row)})
    return show(engine, actor, p["reference"])


def published(conn: Connection) -> list[dict]:
    """The approved, not withdrawn summaries with their problem's id, state, outcome and
    event query (for ``sara.services.public``; nothing of who wrote or approved them)."""
    t, pr = ProblemPublication.__table__, sp.Problem.__table__
    q = (select(t.c.problem_id, t.c.title, t.c.said, t.c.did, t.c.area_kind, t.c.area_code, t.c.approved_at, pr.c.reference, pr.c.state,
                pr.c.outcome, pr.c.event_query, pr.c.created_at)
         .join(pr, pr.c.id == t.c.problem_id).where(t.c.approved_at.is_not(None), t.c.withdrawn_at.is_(None)).order_by(t.c.approved_at, t.c.id))  # fmt: skip
    return [dict(r) for r in conn.execute(q).mappings()]


def interventions_of(conn: Connection, refs: list[str]) -> list[str]:
    """The power of each intervention serving one of the problems ``refs``."""
    it = sp_powers.Intervention.__table__
    return list(conn.execute(select(it.c.power).where(it.c.problem_ref.in_(refs))).scalars()) if refs else []


