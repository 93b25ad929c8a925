"""Community messages: messaging groups by area and interest, and the messages a team drafts
from a problem or an operation ("what we are doing and what you can do"), approved by a lead
and handed to the force's messaging system. SARA sends nothing itself.

Derbyshire Constabulary's scrutiny report (17 May 2022): after allotment burglaries "an
Allotment Watch option was put onto the Derbyshire Alert system so that targeted alerts could
be sent to the Allotment community regarding what the Police are doing and any issues/crime
patterns that are occurring" (9.5); the system has "the facility to create different groups
and areas for messaging" (10.6); and since "minimum standards of engagement were agreed
amongst SNTs, the number of monthly messages sent out has increased ... to 383 in January and
348 in February" (10.5): the monthly count per team is the figure ``counts`` gives.

The rules:

- A group belongs to one organisation and carries the ``code`` its messaging system knows it
  by (unique in the organisation). An ``area`` group is everyone subscribed in a loaded area
  (a ward, LSOA, district or drawn area); an ``interest`` group (Allotment Watch, Business
  Watch, Rural) may be limited to an area. Its Safer Neighbourhood Team is optional.
- Any signed-in user of the organisation but a public viewer reads its groups and messages;
  another organisation's message is not found, word for word as one that does not exist.
  Problem owners and leads add groups and draft, change and withdraw messages; a lead of the
  organisation approves a message, never its writer; any change clears the approval.
- A message is drafted from a problem or an operation of the writer's own organisation (the
  one that may say what it is doing), for one or more of its groups. What it says passes the
  public pages' disclosure control (``sara.casework.publication.check_public_text``): plain
  text within ``LIMITS``, no markup, no reference, no postcode, no name, date of birth or
  numbered address of a person or premises recorded in SARA, no user's name, and no street
  where personal or sensitive events are recorded in the areas of its groups or its source.
  The draft is prefilled from the source's public-safe fields (``suggest``): a problem's
  approved public summary, else its title and objective, an operation's name, area and
  period; a field that would fail the control is left for the writer, saying why.
- Only an approved message that is not withdrawn is exported (and counted); each export is
  recorded on the message and in the audit trail. Counts are of approved, not withdrawn
  messages by the UK month they were approved in, per organisation and SNT.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, select

from sara.access import audit
from sara.access.permissions import PermissionDenied
from sara.casework import problems as cproblems
from sara.casework import publication
from sara.casework.clock import LONDON
from sara.casework.records import CaseworkError, Duplicate, NotFound, assign_reference, org_names, temporary_reference
from sara.store.schema import Area
from sara.store.schema import access as sa_
from sara.store.schema import messages as sm
from sara.store.schema import patrols as spat
from sara.store.schema import problems as sprob

KINDS = {"area": "everyone subscribed in an area", "interest": "an interest (Allotment Watch, Business Watch, Rural), optionally in an area"}
WRITERS = ("problem_owner", "lead")
LIMITS = {"title": 120, "doing": 1000, "you_can": 600}
WHAT = {"title": "the message's title", "doing": "what we are doing", "you_can": "what you can do"}
AREA_KINDS = ("ward", "lsoa", "district", "custom")
PURPOSE = "community messaging"
YOU_CAN = ("Report anything suspicious to the police on 101 or online, and call 999 in an emergency. "
           "You can also tell Crimestoppers anonymously on 0800 555 111.")  # fmt: skip
HINT = "check the reference (MSG-YYYY-NNNN) against the list of messages"


class MessageError(CaseworkError):
    """A refused group or message: what is wrong, the field, and the fix."""


def may_read(actor) -> bool:
    """Whether ``actor`` reads its organisation's groups and messages (anyone signed in but a public viewer)."""
    return bool(actor) and getattr(actor, "active", True) and actor.role != "public_viewer"


def check_read(actor) -> None:
    if not may_read(actor):
        raise PermissionDenied("not allowed: community messages are read by the partnership's users, not the public")


def _check_write(actor, what: str = "draft or change community messages") -> None:
    check_read(actor)
    if actor.role not in WRITERS:
        raise PermissionDenied(f"not allowed: a {actor.role} may not {what}: problem owners and leads do")


def _audit(conn: Connection, actor, kind: str, ref: str, org: int, detail: dict, action: str = "change") -> None:
    audit.record(conn, [audit.Entry(action, actor, kind, ref, owner_org_id=org, purpose=PURPOSE, detail=detail)])


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


# --------------------------------------------------------------------------- groups
def _area(conn: Connection, code: str) -> dict:
    """The loaded area ``code`` (a code or a name), the finest kind first."""
    code = (code or "").strip()
    rows = conn.execute(select(Area.id, Area.kind, Area.code, Area.name).where((Area.code == code) | (Area.name == code))).mappings().all()
    if not rows:
        raise MessageError(f"no loaded area {code!r}", field="area", fix="give a loaded ward, LSOA, district or drawn area by its code or name")
    return dict(sorted(rows, key=lambda r: AREA_KINDS.index(r["kind"]) if r["kind"] in AREA_KINDS else 9)[0])


def add_group(engine: Engine, actor, code: str, name: str, kind: str, *, area: str | None = None, snt: str | None = None, subscribers: int | None = None,
              now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Add a messaging group of the actor's organisation under the code its messaging system
    knows it by: an ``area`` group (``area`` required) or an ``interest`` group."""
    _check_write(actor, "add messaging groups")
    now = now or audit.utcnow()
    code, name, snt = (code or "").strip(), _clean(name), _clean(snt) or None
    if not code or len(code) > 60 or any(c.isspace() for c in code):
        raise MessageError(f"{code!r} is not a group code" if code else "a group needs its code", field="code",
                           fix="give the code the messaging system knows the group by, without spaces, at most 60 characters (e.g. BOL-ALLOTMENTS)")  # fmt: skip
    if not name:
        raise MessageError("a group needs a name", field="name", fix="give the name people know it by, e.g. 'Allotment Watch, Bolsover'")
    if kind not in KINDS:
        raise MessageError(
            f"unknown kind of group {kind!r}", field="kind", fix=f"choose one of {', '.join(KINDS)} ({'; '.join(f'{k}: {v}' for k, v in KINDS.items())})"
        )
    if kind == "area" and not (area or "").strip():
        raise MessageError("an area group needs its area", field="area", fix="give the loaded ward, LSOA or district it covers by its code or name")
    if subscribers is not None and (isinstance(subscribers, bool) or not isinstance(subscribers, int) or subscribers < 0):
        raise MessageError(f"{subscribers!r} is not a number of subscribers", field="subscribers", fix="give a whole number of 0 or more, or leave it out")
    t = sm.MessageGroup.__table__
    with engine.connect() as conn:
        ar = _area(conn, area) if (area or "").strip() else None
        same = conn.execute(select(t.c.name).where(t.c.organisation_id == actor.organisation_id, t.c.code == code)).scalar()
    if same is not None:
        raise Duplicate(f"duplicate group: the code {code} is already {same!r}; use that group, or give the new one its own code")
    with engine.begin() as conn:
        conn.execute(t.insert().values(organisation_id=actor.organisation_id, code=code, name=name, kind=kind, area_kind=ar["kind"] if ar else None,
                                       area_code=ar["code"] if ar else None, snt=snt, subscribers=subscribers, created_at=now, created_by=actor.id))  # fmt: skip
        _audit(conn, actor, "message_group", code, actor.organisation_id, {"name": name, "kind": kind, "area": ar["code"] if ar else None}, "create")
    return next(g for g in list_groups(engine, actor) if g["code"] == code)


def _group_views(conn: Connection, rows) -> list[dict]:
    names = {(k, c): n for k, c, n in conn.execute(select(Area.kind, Area.code, Area.name))}
    return [{"code": g["code"], "name": g["name"], "kind": g["kind"], "snt": g["snt"], "subscribers": g["subscribers"],
             "area": {"kind": g["area_kind"], "code": g["area_code"], "name": names.get((g["area_kind"], g["area_code"])) or g["area_code"]} if g["area_code"] else None}
            for g in rows]  # fmt: skip


def list_groups(engine: Engine, actor) -> list[dict]:
    """The actor's organisation's messaging groups: code, name, kind, area, SNT, subscribers."""
    check_read(actor)
    t = sm.MessageGroup.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.organisation_id == actor.organisation_id).order_by(t.c.kind, t.c.name, t.c.code)).mappings().all()
        return _group_views(conn, rows)


def _groups(conn: Connection, actor, codes) -> list[dict]:
    codes = [c.strip() for c in codes or () if c and c.strip()]
    if not codes:
        raise MessageError(
            "a message needs at least one group", field="groups", fix="name the messaging groups it is for by their codes (the list of groups gives them)"
        )
    t = sm.MessageGroup.__table__
    rows = {r["code"]: dict(r) for r in conn.execute(select(t).where(t.c.organisation_id == actor.organisation_id, t.c.code.in_(codes))).mappings()}
    missing = [c for c in codes if c not in rows]
    if missing:
        raise MessageError(
            f"no messaging group {', '.join(missing)}", field="groups", fix="name groups of your organisation by their codes (the list of groups gives them)"
        )
    return [rows[c] for c in dict.fromkeys(codes)]


# --------------------------------------------------------------------------- the source and its public-safe words
def _problem(engine: Engine, actor, ref: str) -> dict:
    p = cproblems._read(engine, actor, (ref or "").strip())
    if p["organisation_id"] != actor.organisation_id:
        raise PermissionDenied(f"not allowed: a message about {p['reference']} is drafted by the organisation that owns it")
    return p


def _operation(engine: Engine, actor, name: str) -> dict:
    t = spat.Operation.__table__
    with engine.connect() as conn:
        op = conn.execute(select(t).where(t.c.name == (name or "").strip())).mappings().first()
    if op is None or op["organisation_id"] != actor.organisation_id:
        raise NotFound(f"no operation of your organisation called {(name or '').strip()!r}: check its name against the list of operations")
    return dict(op)


def _area_ids(conn: Connection, keys) -> set[int]:
    ids: set[int] = set()
    for kind, code in keys:
        q = select(Area.id).where(Area.code == code) if kind is None else select(Area.id).where(Area.kind == kind, Area.code == code)
        ids |= set(conn.execute(q).scalars())
    return ids


def _streets(conn: Connection, source: dict, groups: list[dict]) -> set[str]:
    """The streets where personal or sensitive events are recorded in the areas of the
    message's source (its area and, for a problem, its neighbourhood) and of its groups."""
    keys = [(None, c) for c in source["areas"]] + [(g["area_kind"], g["area_code"]) for g in groups if g["area_code"]]
    ids = _area_ids(conn, keys) | set(source.get("area_ids", ()))
    out: set[str] = set()
    for i in ids:
        out |= publication.sensitive_streets(conn, i)
    return out


def _period(start: dt.date, end: dt.date | None) -> str:
    if end is None:
        return f"since {start.day} {start:%B %Y}"
    first = (
        f"{start.day}"
        if (start.year, start.month) == (end.year, end.month)
        else f"{start.day} {start:%B}" + ("" if end.year == start.year else f" {start.year}")
    )
    return f"from {first} to {end.day} {end:%B %Y}"


def sources(engine: Engine, actor) -> dict:
    """What the actor's organisation may draft a message from: its problems (not closed) and operations."""
    _check_write(actor)
    p, o = sprob.Problem.__table__, spat.Operation.__table__
    with engine.connect() as conn:
        probs = conn.execute(select(p.c.reference, p.c.title, p.c.state).where(p.c.organisation_id == actor.organisation_id, p.c.state != "closed")
                             .order_by(p.c.id.desc())).all()  # fmt: skip
        ops = conn.execute(
            select(o.c.name, o.c.start_date, o.c.end_date).where(o.c.organisation_id == actor.organisation_id).order_by(o.c.start_date.desc())
        ).all()
    return {"problems": [{"ref": r.reference, "title": r.title, "state": r.state} for r in probs],
            "operations": [{"name": r.name, "start": r.start_date.isoformat(), "end": r.end_date.isoformat() if r.end_date else None} for r in ops]}  # fmt: skip


def _source(engine: Engine, actor, problem: str | None, operation: str | None, today: dt.date) -> dict:
    """The message's source: its kind, id, label, areas and candidate words."""
    if bool(problem) == bool(operation):
        raise MessageError("a message is drafted from a problem or an operation", field="source",
                           fix="name one problem (its reference) or one operation (its name), not both")  # fmt: skip
    if problem:
        p = _problem(engine, actor, problem)
        pub = publication.show(engine, actor, p["reference"])
        with engine.connect() as conn:
            hood = publication.default_area(conn, p)
        words = {
            "title": p["title"],
            "doing": f"We are working with our partners to {p['objective'][:1].lower()}{p['objective'][1:].rstrip('.')}." if p["objective"] else None,
        }
        if pub["status"] == "approved":
            words = {"title": pub["title"], "doing": pub["did"]}
        return {"kind": "problem", "id": p["id"], "ref": p["reference"], "label": p["title"], "areas": [p["area_code"]] if p["area_code"] else [],
                "area_ids": [hood["id"]] if hood else [], "words": words, "from_summary": pub["status"] == "approved"}  # fmt: skip
    op = _operation(engine, actor, operation)
    with engine.connect() as conn:
        hood = publication.default_area(conn, op)
    where = hood["name"] if hood else None
    place = f" in {where}" if where else ""
    words = {"title": f"{op['name']}: patrols{place}",
             "doing": f"Officers {'patrolled' if op['end_date'] and op['end_date'] < today else 'are patrolling'}{place or ' the area'} {_period(op['start_date'], op['end_date'])} as part of {op['name']}, at the times and places "
                      "residents told us about."}  # fmt: skip
    return {"kind": "operation", "id": op["id"], "ref": op["name"], "label": op["name"], "areas": [op["area_code"]] if op["area_code"] else [],
            "area_ids": [hood["id"]] if hood else [], "words": words, "from_summary": False}  # fmt: skip


def _check(conn: Connection, field: str, text: str | None, streets: set[str]) -> str:
    return publication.check_public_text(conn, field, text, what=WHAT[field], limit=LIMITS[field], sentence=field != "title", streets=streets)


def suggest(engine: Engine, actor, *, problem: str | None = None, operation: str | None = None, groups=(), today: dt.date | None = None) -> dict:
    """The words a draft from ``problem`` or ``operation`` starts with, each one only if it
    passes the disclosure control; those that do not are ``left_out`` with the reason."""
    _check_write(actor)
    src = _source(engine, actor, problem, operation, today or dt.date.today())
    out = {"source": {"kind": src["kind"], "ref": src["ref"], "label": src["label"], "from_summary": src["from_summary"]}, "left_out": []}
    with engine.connect() as conn:
        chosen = _groups(conn, actor, groups) if groups else []
        streets = _streets(conn, src, chosen)
        for field, text in (*src["words"].items(), ("you_can", YOU_CAN)):
            try:
                out[field] = _check(conn, field, text, streets) if text else None
            except publication.PublicationError as exc:
                out[field] = None
                out["left_out"].append({"field": field, "why": exc.why})
            if not text:
                out["left_out"].append({"field": field, "why": f"the {src['kind']} has nothing to say it from"})
    return out


# --------------------------------------------------------------------------- messages
def status(row: dict) -> str:
    """draft (waiting for a lead) | approved (may be exported) | withdrawn."""
    if row["withdrawn_at"] is not None:
        return "withdrawn"
    return "approved" if row["approved_at"] is not None else "draft"


def _row(conn: Connection, actor, ref: str) -> dict:
    t = sm.CommunityMessage.__table__
    r = conn.execute(select(t).where(t.c.reference == (ref or "").strip())).mappings().first()
    if r is None or r["organisation_id"] != actor.organisation_id:
        raise NotFound(f"no message {(ref or '').strip()!r}: {HINT}")
    return dict(r)


def _texts(conn: Connection, values: dict, streets: set[str]) -> dict:
    """Every text field checked, the first refusal raised."""
    return {f: _check(conn, f, values[f], streets) for f in LIMITS}


def _snt(snt: str | None, groups: list[dict]) -> str | None:
    """The team a message counts for: the one given, else the one SNT all its groups share."""
    if _clean(snt):
        return _clean(snt)
    teams = {g["snt"] for g in groups}
    return teams.pop() if len(teams) == 1 else None


def draft(engine: Engine, actor, *, problem: str | None = None, operation: str | None = None, groups=(), title: str | None = None, doing: str | None = None,
          you_can: str | None = None, snt: str | None = None, now: dt.datetime | None = None) -> str:  # fmt: skip
    """Draft a message from ``problem`` (a reference) or ``operation`` (a name) for the
    groups named by code; a text not given (None) is the suggestion's (``suggest``). Its reference."""
    _check_write(actor)
    now = now or audit.utcnow()
    src = _source(engine, actor, problem, operation, now.date())
    given = {"title": title, "doing": doing, "you_can": you_can}
    with engine.connect() as conn:
        chosen = _groups(conn, actor, groups)
        streets = _streets(conn, src, chosen)
        values = {f: (v if v is not None else (YOU_CAN if f == "you_can" else src["words"].get(f))) for f, v in given.items()}
        texts = _texts(conn, values, streets)
    t, mg = sm.CommunityMessage.__table__, sm.CommunityMessageGroup.__table__
    with engine.begin() as conn:
        mid = conn.execute(t.insert().values(reference=temporary_reference(), organisation_id=actor.organisation_id, snt=_snt(snt, chosen),
                                             problem_id=src["id"] if src["kind"] == "problem" else None, operation_id=src["id"] if src["kind"] == "operation" else None,
                                             written_by=actor.id, written_at=now, version=1, **texts).returning(t.c.id)).scalar_one()  # fmt: skip
        ref = assign_reference(conn, t, mid, "MSG", now.year)
        for g in chosen:
            conn.execute(mg.insert().values(message_id=mid, group_id=g["id"]))
        _audit(conn, actor, "message", ref, actor.organisation_id, {"source": {src["kind"]: src["ref"]}, "groups": [g["code"] for g in chosen]}, "create")
    return ref


def _message_groups(conn: Connection, mid: int) -> list[dict]:
    t, mg = sm.MessageGroup.__table__, sm.CommunityMessageGroup.__table__
    return [dict(r) for r in conn.execute(select(t).join(mg, mg.c.group_id == t.c.id).where(mg.c.message_id == mid).order_by(t.c.code)).mappings()]


def _group_ids(engine: Engine, mid: int) -> list[int]:
    mg = sm.CommunityMessageGroup.__table__
    with engine.connect() as conn:
        return list(conn.execute(select(mg.c.group_id).where(mg.c.message_id == mid)).scalars())


def _source_of(conn: Connection, row: dict) -> dict:
    if row["problem_id"] is not None:
        ref, title, area = conn.execute(
            select(sprob.Problem.reference, sprob.Problem.title, sprob.Problem.area_code).where(sprob.Problem.id == row["problem_id"])
        ).one()
        return {"kind": "problem", "id": row["problem_id"], "ref": ref, "label": title, "areas": [area] if area else []}
    name, area = conn.execute(select(spat.Operation.name, spat.Operation.area_code).where(spat.Operation.id == row["operation_id"])).one()
    return {"kind": "operation", "id": row["operation_id"], "ref": name, "label": name, "areas": [area] if area else []}


def _may(actor, row: dict) -> dict:
    writer = actor.role in WRITERS
    lead = actor.role == "lead"
    st = status(row)
    return {"edit": writer and st != "withdrawn", "approve": lead and st == "draft" and row["written_by"] != actor.id,
            "withdraw": writer and st in ("draft", "approved"), "export": writer and st == "approved"}  # fmt: skip


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t else None


def _view(conn: Connection, actor, row: dict, users: dict[int, str], orgs: dict[int, str], *, brief: bool = False) -> dict:
    src = _source_of(conn, row)
    out = {"id": row["reference"], "status": status(row), "organisation": orgs.get(row["organisation_id"]), "snt": row["snt"],
           "source": {"kind": src["kind"], "ref": src["ref"], "label": src["label"]}, "title": row["title"], "doing": row["doing"], "you_can": row["you_can"],
           "groups": _group_views(conn, _message_groups(conn, row["id"])), "written_by": users.get(row["written_by"]), "written_at": _iso(row["written_at"]),
           "approved_by": users.get(row["approved_by"]), "approved_at": _iso(row["approved_at"]), "withdrawn_by": users.get(row["withdrawn_by"]),
           "withdrawn_at": _iso(row["withdrawn_at"]), "exported_by": users.get(row["exported_by"]), "exported_at": _iso(row["exported_at"]),
           "version": row["version"]}  # fmt: skip
    if not brief:
        out |= {"may": _may(actor, row), "limits": dict(LIMITS)}
    return out


def _names(conn: Connection) -> tuple[dict[int, str], dict[int, str]]:
    return dict(conn.execute(select(sa_.User.id, sa_.User.username)).all()), org_names(conn)


def show(engine: Engine, actor, ref: str) -> dict:
    """One message of the actor's organisation: its words, groups, source, who wrote and
    approved it, whether it is withdrawn or exported, and what ``actor`` may do with it."""
    check_read(actor)
    with engine.connect() as conn:
        row = _row(conn, actor, ref)
        return _view(conn, actor, row, *_names(conn))


def list_messages(engine: Engine, actor, *, state: str | None = None) -> list[dict]:
    """The actor's organisation's messages, newest first (optionally of one status)."""
    check_read(actor)
    if state is not None and state not in ("draft", "approved", "withdrawn"):
        raise MessageError(f"unknown status {state!r}", field="state", fix="choose draft, approved or withdrawn")
    t = sm.CommunityMessage.__table__
    with engine.connect() as conn:
        users, orgs = _names(conn)
        rows = conn.execute(select(t).where(t.c.organisation_id == actor.organisation_id).order_by(t.c.written_at.desc(), t.c.id.desc())).mappings().all()
        views = [_view(conn, actor, dict(r), users, orgs, brief=True) for r in rows]
    return [v for v in views if state is None or v["status"] == state]


def _writable(engine: Engine, actor, ref: str, what: str) -> dict:
    check_read(actor)
    with engine.connect() as conn:
        row = _row(conn, actor, ref)
    _check_write(actor, what)
    return row


def edit(engine: Engine, actor, ref: str, *, title: str | None = None, doing: str | None = None, you_can: str | None = None, groups=None,
         snt: str | None = None, expect_version: int | None = None, now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Change a message's words, groups or team (only what is given); a change clears any
    approval and export, so changed words are approved again (nothing changed: nothing
    cleared). A withdrawn message stays withdrawn."""
    now = now or audit.utcnow()
    row = _writable(engine, actor, ref, "change community messages")
    if status(row) == "withdrawn":
        raise MessageError(f"message {row['reference']} is withdrawn", field=None, fix="draft a new message instead")
    if expect_version is not None and expect_version != row["version"]:
        raise cproblems.ConflictError(
            f"message {row['reference']} changed while you edited it (version {row['version']}, you had {expect_version}): read it again"
        )
    t, mg = sm.CommunityMessage.__table__, sm.CommunityMessageGroup.__table__
    with engine.connect() as conn:
        src = _source_of(conn, row)
        hood = publication.default_area(conn, {"area_code": src["areas"][0] if src["areas"] else None})
        src["area_ids"] = [hood["id"]] if hood else []
        chosen = _groups(conn, actor, groups) if groups is not None else _message_groups(conn, row["id"])
        given = {"title": title, "doing": doing, "you_can": you_can}
        texts = _texts(conn, {f: (v if v is not None else row[f]) for f, v in given.items()}, _streets(conn, src, chosen))
    team = _snt(snt, chosen) if snt is not None or groups is not None else row["snt"]
    same_groups = groups is None or {g["id"] for g in chosen} == set(_group_ids(engine, row["id"]))
    if texts == {f: row[f] for f in LIMITS} and team == row["snt"] and same_groups:
        return show(engine, actor, row["reference"])  # nothing changed: the approval stands
    values = texts | {"snt": team, "written_by": actor.id, "written_at": now,
                      "approved_by": None, "approved_at": None, "exported_by": None, "exported_at": None, "version": row["version"] + 1}  # fmt: skip
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.id == row["id"], t.c.version == row["version"]).values(**values)).rowcount
        if not n:
            raise cproblems.ConflictError(f"message {row['reference']} changed while you edited it: read it again")
        if groups is not None:
            conn.execute(mg.delete().where(mg.c.message_id == row["id"]))
            for g in chosen:
                conn.execute(mg.insert().values(message_id=row["id"], group_id=g["id"]))
        changed = sorted(f for f in LIMITS if texts[f] != row[f]) + (["groups"] if groups is not None else [])
        _audit(conn, actor, "message", row["reference"], row["organisation_id"], {"changed": changed, "approval_cleared": row["approved_at"] is not None})
    return show(engine, actor, row["reference"])


def approve(engine: Engine, actor, ref: str, *, now: dt.datetime | None = None) -> dict:
    """A lead of the message's organisation approves it as written; never its writer."""
    now = now or audit.utcnow()
    check_read(actor)
    with engine.connect() as conn:
        row = _row(conn, actor, ref)
    if actor.role != "lead":
        raise PermissionDenied(f"not allowed: a lead of the organisation approves message {row['reference']}")
    if status(row) != "draft":
        raise MessageError(f"message {row['reference']} is not waiting for approval ({status(row)})", field=None,
                           fix="a changed message is approved again; a withdrawn one is drafted again")  # fmt: skip
    if row["written_by"] == actor.id:
        raise PermissionDenied(f"not allowed: you wrote message {row['reference']}: another lead approves it")
    t = sm.CommunityMessage.__table__
    with engine.begin() as conn:
        n = conn.execute(t.update().where(t.c.id == row["id"], t.c.version == row["version"], t.c.approved_at.is_(None), t.c.withdrawn_at.is_(None))
                         .values(approved_by=actor.id, approved_at=now)).rowcount  # fmt: skip
        if not n:
            raise cproblems.ConflictError(f"message {row['reference']} changed while you read it: read it again, then approve")
        _audit(conn, actor, "message", row["reference"], row["organisation_id"], {"approved": True, "version": row["version"]})
    return show(engine, actor, row["reference"])


def withdraw(engine: Engine, actor, ref: str, *, now: dt.datetime | None = None) -> dict:
    """A problem owner or lead of the organisation withdraws a message: not exported, not counted."""
    now = now or audit.utcnow()
    row = _writable(engine, actor, ref, "withdraw community messages")
    if status(row) == "withdrawn":
        raise MessageError(f"message {row['reference']} is withdrawn already", field=None)
    t = sm.CommunityMessage.__table__
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == row["id"]).values(withdrawn_by=actor.id, withdrawn_at=now))
        _audit(conn, actor, "message", row["reference"], row["organisation_id"], {"withdrawn": True, "was": status(row)})
    return show(engine, actor, row["reference"])


def export(engine: Engine, actor, ref: str, *, now: dt.datetime | None = None) -> dict:
    """Record that the approved message is handed to the messaging system (by a problem owner
    or lead of its organisation) and return it; a draft or withdrawn message is refused."""
    now = now or audit.utcnow()
    row = _writable(engine, actor, ref, "export community messages")
    if status(row) != "approved":
        raise MessageError(f"message {row['reference']} is {status(row)}", field=None,
                           fix="only an approved message that is not withdrawn is exported: a lead who did not write it approves it first")  # fmt: skip
    t = sm.CommunityMessage.__table__
    with engine.begin() as conn:
        conn.execute(t.update().where(t.c.id == row["id"]).values(exported_by=actor.id, exported_at=now))
        _audit(conn, actor, "message", row["reference"], row["organisation_id"], {"exported": True, "version": row["version"]}, "export")
    return show(engine, actor, row["reference"])


# --------------------------------------------------------------------------- the monthly count
def month_of(t: dt.datetime) -> str:
    """The UK month (YYYY-MM) of a naive UTC time."""
    return t.replace(tzinfo=dt.UTC).astimezone(LONDON).strftime("%Y-%m")


def months(first: str, last: str) -> list[str]:
    y, m = (int(x) for x in first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(value: str, field: str) -> str:
    try:
        dt.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        raise MessageError(f"{value!r} is not a month", field=field, fix="give it as YYYY-MM, e.g. 2026-01") from None
    if len(value) != 7:
        raise MessageError(f"{value!r} is not a month", field=field, fix="give it as YYYY-MM, e.g. 2026-01")
    return value


def counts(engine: Engine, actor, *, start: str | None = None, end: str | None = None, today: dt.date | None = None) -> dict:
    """Approved, not withdrawn messages per team (organisation and SNT) and UK month of
    approval, over ``start``..``end`` (YYYY-MM; default the twelve months to ``today``'s),
    every team of every organisation: the minimum-standards figure, which names nobody."""
    check_read(actor)
    today = today or dt.date.today()
    last = _month(end, "end") if end else f"{today:%Y-%m}"
    if start:
        first = _month(start, "start")
    else:
        k = int(last[:4]) * 12 + int(last[5:]) - 1 - 11
        first = f"{k // 12:04d}-{k % 12 + 1:02d}"
    if first > last:
        raise MessageError(f"the period starts ({first}) after it ends ({last})", field="start", fix="give a first month on or before the last")
    span = months(first, last)
    if len(span) > 120:
        raise MessageError(f"{len(span)} months is too long a period", field="start", fix="count at most ten years (120 months) at a time")
    t = sm.CommunityMessage.__table__
    with engine.connect() as conn:
        orgs = org_names(conn)
        rows = conn.execute(select(t.c.organisation_id, t.c.snt, t.c.approved_at).where(t.c.approved_at.is_not(None), t.c.withdrawn_at.is_(None))).all()
    teams: dict[tuple[str, str | None], dict[str, int]] = {}
    for org, snt, at in rows:
        month = month_of(at)
        if first <= month <= last:
            cell = teams.setdefault((orgs.get(org, ""), snt), {})
            cell[month] = cell.get(month, 0) + 1
    shown = [{"organisation": o, "snt": s, "counts": [c.get(m, 0) for m in span], "total": sum(c.values())}
             for (o, s), c in sorted(teams.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]  # fmt: skip
    totals = [sum(x["counts"][i] for x in shown) for i in range(len(span))]
    return {"start": first, "end": last, "months": span, "teams": shown, "totals": totals, "total": sum(totals),
            "counted": "approved messages that are not withdrawn, in the UK month a lead approved them"}  # fmt: skip
