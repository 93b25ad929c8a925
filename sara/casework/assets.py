"""Asset mapping: the organisations and services working in an area, and the gaps in provision
beside the problems still open there.

Clear, Hold, Build (College of Policing, 2023), build phase: "Asset mapping was undertaken to
understand the organisations working in the area. This looked at what these organisations
provided, to which demographics and communities, and where in the area they were based. This
enabled the identification of gaps in provision and identifies key partners"; its learning:
"identify what's already being offered at a local level, then working to join up different
agencies instead of agencies working alone".

A service is what a provider offers: the kinds of provision (a vocabulary kept as data in
``data/asset-kinds.toml``, or the file the setting ``SARA_ASSET_KINDS`` names), to whom (age
groups from the same file, none meaning all ages; communities and needs as words), where (an
address with a point, and/or the loaded areas it serves: ward, LSOA, district or a drawn area),
when (days and times as words), a service contact (phone, email, website: the service's, never
a person's own, so nothing here is personal data and reads are not audited), the funding
source, and the day it ended if it has stopped.

Who: every signed-in partner reads every service (a public viewer does not: this is the
partnership's working map); any user of a partner organisation who does casework (analyst,
problem owner, partner practitioner, lead) adds services for their organisation, and only that
organisation's users change them. Every add, change and import is audited.

Where a service works, at a level (wards or LSOAs): the area holding its point when it names
no areas; else each area it names: the area itself at that level; for a coarser area (a
district, or a ward when the level is LSOAs), every area of the level whose inside point lies
in it; for a finer one (an LSOA when the level is wards), the area holding its inside point; a
drawn area, both. A problem is open until it is closed; it lies in the area of the level that
is its area or holds its area's inside point; a problem whose area is coarser than the level
(a district-wide problem) is counted apart, not in every ward.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import tomllib
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, select

from sara import geo
from sara.access import audit
from sara.access.permissions import PermissionDenied, can
from sara.casework import problems as cproblems
from sara.casework.records import Duplicate, NotFound, RecordError, assign_reference, org_names, temporary_reference
from sara.errors import Invalid
from sara.store.schema import Area
from sara.store.schema import access as sa_
from sara.store.schema import assets as sas
from sara.store.schema import problems as spr

KINDS_FILE = Path(__file__).parent / "data" / "asset-kinds.toml"
SETTING = "SARA_ASSET_KINDS"
WRITERS = ("analyst", "problem_owner", "partner_practitioner", "lead")
PURPOSE = "asset mapping"
LEVELS = ("ward", "lsoa")
COARSE_TO_FINE = ("district", "ward", "lsoa")
AREA_KINDS = ("ward", "lsoa", "district", "custom")  # the order a name is looked up in
LIST_FIELDS = ("kinds", "age_groups", "communities", "needs", "areas")
TEXT_LIMITS = {"name": 200, "provider": 200, "description": 4000, "address": 300, "opening": 300, "funding": 300}
FIELDS = ("name", "provider", "description", "kinds", "age_groups", "communities", "needs", "address", "lon", "lat", "areas", "opening",
          "phone", "email", "website", "funding", "ended_on")  # fmt: skip
ALL_AGES = ("all", "all ages", "any", "everyone")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()-]+$")
HINT = "check the reference (AST-YYYY-NNNN) against the list of services"


# --------------------------------------------------------------------------- the vocabulary
def vocabulary(path: str | Path | None = None) -> dict:
    """The kinds of provision and the age groups: ``{"kinds": [{key, label, description}],
    "age_groups": [{key, label}], "file"}`` from ``path``, the setting ``SARA_ASSET_KINDS``,
    or the file SARA ships."""
    path = Path(path or os.environ.get(SETTING) or KINDS_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Invalid(
            f"no file {path}", field=SETTING, fix="point the setting at a TOML file of [[kind]] and [[age_group]] tables, as asset-kinds.toml"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"{path.name} is not valid TOML ({exc})", field=SETTING, fix="correct the file") from None
    out = {"kinds": [], "age_groups": [], "file": path.name}
    for table, into in (("kind", "kinds"), ("age_group", "age_groups")):
        for i, item in enumerate(data.get(table, [])):
            if not isinstance(item.get("key"), str) or not isinstance(item.get("label"), str):
                raise Invalid(f"{path.name}: [[{table}]] number {i + 1} has no key or label", field=SETTING, fix='give each a key = "..." and a label = "..."')
            into_item = {"key": item["key"], "label": item["label"]}
            if table == "kind":
                into_item["description"] = item.get("description", "")
            out[into].append(into_item)
    if not out["kinds"]:
        raise Invalid(f"{path.name} lists no [[kind]]", field=SETTING, fix="list the kinds of provision the partnership maps")
    return out


def choose(values, choices: list[dict], field: str, what: str) -> list[str]:
    """Each of ``values`` matched to a choice by key or label (any case), in the choices' order."""
    by = {}
    for c in choices:
        by[c["key"].lower()] = by[c["label"].lower()] = c["key"]
    found = []
    for v in values:
        key = by.get(str(v).strip().lower()) or by.get(str(v).strip().lower().replace(" ", "_"))
        if key is None:
            listed = ", ".join(f"{c['key']} ({c['label']})" for c in choices)
            raise RecordError(f"unknown {what} {str(v).strip()!r}", field=field, fix=f"choose from {listed}")
        found.append(key)
    order = [c["key"] for c in choices]
    return sorted(set(found), key=order.index)


# --------------------------------------------------------------------------- who may
def may_read(actor) -> bool:
    """Whether ``actor`` may see the services map: any active signed-in partner but a public viewer."""
    return bool(actor) and getattr(actor, "active", True) and actor.role != "public_viewer"


def may_add(actor) -> bool:
    return may_read(actor) and actor.role in WRITERS


def check_read(actor) -> None:
    if not may_read(actor):
        raise PermissionDenied("not allowed: the map of services is for the partnership's members")


def check_add(actor) -> None:
    check_read(actor)
    if actor.role not in WRITERS:
        raise PermissionDenied(f"not allowed: a {actor.role} does not record services; an analyst, problem owner, partner practitioner or lead does")


def _check_change(actor, row: dict) -> None:
    check_add(actor)
    if row["organisation_id"] != actor.organisation_id:
        raise PermissionDenied(f"not allowed: {row['reference']} is kept by another organisation, and only it changes its services")


def _audit(conn, actor, ref: str, org: int, action: str, detail: dict) -> None:
    audit.record(conn, [audit.Entry(action, actor, "asset", ref, owner_org_id=org, purpose=PURPOSE, detail=detail)])


# --------------------------------------------------------------------------- checking input
def _text(value, field: str, *, required: str | None = None) -> str | None:
    text = " ".join(str(value or "").split()) if field != "description" else str(value or "").strip()
    if not text:
        if required:
            raise RecordError(f"a service needs {required}", field=field, fix=f"give {required}")
        return None
    if len(text) > TEXT_LIMITS[field]:
        raise RecordError(f"the {field} is {len(text)} characters long", field=field, fix=f"keep it to {TEXT_LIMITS[field]} characters")
    return text


def _words(values, field: str) -> list[str]:
    out: list[str] = []
    for v in values or ():
        w = " ".join(str(v).split())
        if len(w) > 100:
            raise RecordError(f"{w[:30]!r}... is longer than 100 characters", field=field, fix="name each in a few words, separated by semicolons")
        if w and w.lower() not in (x.lower() for x in out):
            out.append(w)
    return out


def _contact(phone, email, website) -> dict:
    phone = " ".join(str(phone or "").split()) or None
    if phone and (not PHONE.match(phone) or not 7 <= sum(c.isdigit() for c in phone) <= 15):
        raise RecordError(f"{phone!r} is not a phone number", field="phone", fix="give the service's number in digits, e.g. 01246 242000")
    email = str(email or "").strip() or None
    if email and (not EMAIL.match(email) or len(email) > 200):
        raise RecordError(f"{email!r} is not an email address", field="email", fix="give the service's address, e.g. bookings@example.org.uk")
    website = str(website or "").strip() or None
    if website and website.lower().startswith("www."):
        website = "https://" + website
    if website and (not re.match(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", website, re.I) or len(website) > 300):
        raise RecordError(f"{website!r} is not a web address", field="website", fix="give the service's page, starting https://")
    return {"phone": phone, "email": email, "website": website}


def _number(value, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise RecordError(f"{value!r} is not a number", field=field, fix="give decimal degrees, e.g. -1.2903 and 53.2290") from None
    if not np.isfinite(x):
        raise RecordError(f"{value!r} is not a number", field=field, fix="give decimal degrees, e.g. -1.2903 and 53.2290")
    return x


def find_area(conn: Connection, text: str, field: str = "areas") -> dict:
    """The loaded area whose code is ``text`` or, failing that, whose name is (wards first, then
    LSOAs, districts, drawn areas): ``{kind, code, name}``; refused when there is none, or the
    name is two areas of one kind."""
    text = " ".join(str(text or "").split())
    rows = conn.execute(select(Area.kind, Area.code, Area.name).where(Area.code == text)).mappings().all()
    if not rows:
        rows = [r for r in conn.execute(select(Area.kind, Area.code, Area.name).where(Area.name == text)).mappings()]
    if not rows:
        raise RecordError(
            f"no loaded area {text!r}",
            field=field,
            fix="give a loaded ward, LSOA or district by its code (E05003305) or its name as loaded (Bolsover North West)",
        )
    rows = sorted(rows, key=lambda r: AREA_KINDS.index(r["kind"]) if r["kind"] in AREA_KINDS else 9)
    same = [r for r in rows if r["kind"] == rows[0]["kind"]]
    if len(same) > 1:
        raise RecordError(f"{text!r} names {len(same)} {rows[0]['kind']}s", field=field, fix=f"give the code instead: {', '.join(r['code'] for r in same[:5])}")
    return dict(rows[0])


def _in_loaded_area(conn: Connection, lon: float, lat: float) -> bool:
    point = shapely.Point(lon, lat)
    for (wkb,) in conn.execute(select(Area.geometry).where(Area.kind.in_(COARSE_TO_FINE))):
        if shapely.from_wkb(wkb).contains(point):
            return True
    return False


def _checked(conn: Connection, vocab: dict, given: dict, *, old: dict | None = None) -> dict:
    """The column values of a service from ``given`` (a field left out keeps ``old``'s value),
    or a ``RecordError`` naming the first field at fault."""
    v = dict(old or {})
    for k in FIELDS:
        if k in given and given[k] is not None:
            v[k] = given[k]
    out = {"name": _text(v.get("name"), "name", required="a name"), "provider": _text(v.get("provider"), "provider"),
           "description": _text(v.get("description"), "description"), "address": _text(v.get("address"), "address"),
           "opening": _text(v.get("opening"), "opening"), "funding": _text(v.get("funding"), "funding")}  # fmt: skip
    kinds = [k for k in (v.get("kinds") or []) if str(k).strip()]
    if not kinds:
        raise RecordError("a service needs at least one kind of provision", field="kinds", fix=f"choose from {', '.join(k['key'] for k in vocab['kinds'])}")
    out["kinds"] = choose(kinds, vocab["kinds"], "kinds", "kind of provision")
    ages = [a for a in (v.get("age_groups") or []) if str(a).strip()]
    out["age_groups"] = [] if any(str(a).strip().lower() in ALL_AGES for a in ages) else choose(ages, vocab["age_groups"], "age_groups", "age group")
    out["communities"], out["needs"] = _words(v.get("communities"), "communities"), _words(v.get("needs"), "needs")
    lon, lat = _number(v.get("lon"), "lon"), _number(v.get("lat"), "lat")
    if (lon is None) != (lat is None):
        raise RecordError("a point needs both its longitude and its latitude", field="lat" if lat is None else "lon", fix="give both, or neither")
    if lon is not None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RecordError(
                f"({lon}, {lat}) is not a longitude and latitude", field="lon", fix="give decimal degrees, longitude first: about -1.29, 53.23 in Bolsover"
            )
        if not _in_loaded_area(conn, lon, lat):
            raise RecordError(f"the point ({lon:.5f}, {lat:.5f}) lies outside every loaded area", field="lon",
                              fix="check the longitude and latitude (longitude first: about -1.29, 53.23 in Bolsover), or load the area's boundaries first")  # fmt: skip
        lon, lat = round(lon, 6), round(lat, 6)
    out["lon"], out["lat"] = lon, lat
    areas = []
    for a in v.get("areas") or []:
        if isinstance(a, list | tuple):
            a = a[1]
        if str(a).strip():
            found = find_area(conn, a)
            if [found["kind"], found["code"]] not in areas:
                areas.append([found["kind"], found["code"]])
    out["areas"] = areas
    if lon is None and not areas:
        raise RecordError("a service needs a place: the point of its address, or the areas it serves", field="areas",
                          fix="give its longitude and latitude (or pick it on the map), or the wards, LSOAs or districts it serves")  # fmt: skip
    out.update(_contact(v.get("phone"), v.get("email"), v.get("website")))
    ended = v.get("ended_on")
    out["ended_on"] = ended if isinstance(ended, dt.date) else None
    return out


def _stored(row: dict) -> dict:
    """A stored row as ``_checked`` takes it (lists decoded)."""
    out = {k: row[k] for k in FIELDS if k not in LIST_FIELDS}
    for k in LIST_FIELDS:
        out[k] = json.loads(row[k])
    return out


def _columns(values: dict) -> dict:
    return {k: json.dumps(values[k]) if k in LIST_FIELDS else values[k] for k in FIELDS}


# --------------------------------------------------------------------------- writing
def _row(conn: Connection, ref: str) -> dict:
    t = sas.AssetService.__table__
    row = conn.execute(select(t).where(t.c.reference == str(ref or "").strip())).mappings().first()
    if row is None:
        raise NotFound(f"no service {ref!r}: {HINT}")
    return dict(row)


def _same_name(conn: Connection, org: int, name: str, other_than: int | None = None) -> str | None:
    t = sas.AssetService.__table__
    q = select(t.c.reference).where(t.c.organisation_id == org, t.c.name == name)
    if other_than is not None:
        q = q.where(t.c.id != other_than)
    return conn.execute(q).scalar()


def _insert(conn: Connection, actor, values: dict, now: dt.datetime) -> str:
    t = sas.AssetService.__table__
    cols = _columns(values)
    cols["provider"] = cols["provider"] or actor.organisation
    sid = conn.execute(t.insert().values(reference=temporary_reference(), organisation_id=actor.organisation_id, **cols, created_at=now, created_by=actor.id,
                                         updated_at=now, updated_by=actor.id, version=1).returning(t.c.id)).scalar_one()  # fmt: skip
    return assign_reference(conn, t, sid, "AST", now.year)


def _changed(old: dict, values: dict) -> list[str]:
    before = _stored(old)
    return [k for k in FIELDS if before[k] != values[k] and not (k == "provider" and values[k] is None)]


def _write_update(conn: Connection, actor, old: dict, values: dict, now: dt.datetime) -> None:
    t = sas.AssetService.__table__
    cols = _columns(values)
    cols["provider"] = cols["provider"] or old["provider"]
    done = conn.execute(t.update().where(t.c.id == old["id"], t.c.version == old["version"])
                        .values(**cols, updated_at=now, updated_by=actor.id, version=old["version"] + 1))  # fmt: skip
    if done.rowcount != 1:
        raise cproblems.ConflictError(f"{old['reference']} was changed by someone else meanwhile: open it again and make your change there")


def add_service(engine: Engine, actor, name: str, kinds, *, now: dt.datetime | None = None, **fields) -> str:
    """Record a service for the actor's organisation (the fields of ``FIELDS``); its reference."""
    check_add(actor)
    now = now or audit.utcnow()
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown fields {unknown}")
    vocab = vocabulary()
    with engine.connect() as conn:
        values = _checked(conn, vocab, {**fields, "name": name, "kinds": list(kinds or [])})
        same = _same_name(conn, actor.organisation_id, values["name"])
    if same:
        raise Duplicate(f"duplicate service: your organisation has recorded {values['name']!r} already as {same}; update {same} instead")
    with engine.begin() as conn:
        ref = _insert(conn, actor, values, now)
        _audit(conn, actor, ref, actor.organisation_id, "create", {"name": values["name"], "kinds": values["kinds"]})
    return ref


def update_service(engine: Engine, actor, ref: str, *, version: int | None = None, reopen: bool = False, now: dt.datetime | None = None, **changes) -> dict:
    """Change a service the actor's organisation keeps: the fields given (None: unchanged; an
    empty text or list: cleared); ``reopen`` clears the day it ended. ``version``, when given,
    must be the one read (someone else's change meanwhile is refused). What changed."""
    check_add(actor)
    now = now or audit.utcnow()
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown fields {unknown}")
    vocab = vocabulary()
    with engine.connect() as conn:
        old = _row(conn, ref)
        _check_change(actor, old)
        if version is not None and version != old["version"]:
            raise cproblems.ConflictError(f"{old['reference']} was changed since you opened it (version {old['version']}, yours {version}): open it again")
        given = dict(changes)
        if reopen:
            given["ended_on"] = None
        values = _checked(conn, vocab, {k: v for k, v in given.items() if v is not None}, old=_stored(old))
        if reopen:
            values["ended_on"] = None
        same = _same_name(conn, actor.organisation_id, values["name"], other_than=old["id"])
    if same:
        raise Duplicate(f"duplicate service: your organisation has recorded {values['name']!r} already as {same}")
    changed = _changed(old, values)
    if changed:
        with engine.begin() as conn:
            _write_update(conn, actor, old, values, now)
            _audit(conn, actor, old["reference"], old["organisation_id"], "change", {"changed": changed})
    return {"id": old["reference"], "changed": changed}


# --------------------------------------------------------------------------- where services and problems lie
class Level:
    """The loaded areas of one kind (``ward`` or ``lsoa``), optionally only those whose inside
    point lies in ``within`` (a district's shape): their codes, names, shapes, inside points."""

    def __init__(self, conn: Connection, kind: str, within=None) -> None:
        rows = conn.execute(select(Area.code, Area.name, Area.geometry).where(Area.kind == kind).order_by(Area.name, Area.code)).all()
        shapes = [shapely.from_wkb(g) for _, _, g in rows]
        points = [shapely.point_on_surface(s) for s in shapes]
        keep = [i for i, p in enumerate(points) if within is None or within.contains(p)]
        self.kind = kind
        self.codes = [rows[i][0] for i in keep]
        self.names = {rows[i][0]: rows[i][1] or rows[i][0] for i in keep}
        self.shapes = np.array([shapes[i] for i in keep], dtype=object)
        self.points = np.array([points[i] for i in keep], dtype=object)
        shapely.prepare(self.shapes)

    def holding(self, point) -> str | None:
        if not len(self.shapes):
            return None
        hit = np.flatnonzero(shapely.contains(self.shapes, point))
        return self.codes[hit[0]] if len(hit) else None

    def inside(self, shape) -> list[str]:
        if not len(self.points):
            return []
        return [self.codes[i] for i in np.flatnonzero(shapely.contains(shape, self.points))]

    def place(self, kind: str, code: str, shape) -> tuple[set[str], bool]:
        """The areas of this level an area (``kind``, ``code``, ``shape``) works in, and whether
        it is coarser than the level (a district when the level is wards)."""
        if kind == self.kind:
            return ({code} if code in self.names else set()), False
        coarser = kind in COARSE_TO_FINE and COARSE_TO_FINE.index(kind) < COARSE_TO_FINE.index(self.kind)
        if coarser:
            return set(self.inside(shape)), True
        held = self.holding(shapely.point_on_surface(shape))
        found = {held} if held else set()
        if kind == "custom":
            found |= set(self.inside(shape))
        return found, False


def _shapes(conn: Connection, pairs) -> dict[tuple[str, str], object]:
    pairs = {tuple(p) for p in pairs}
    if not pairs:
        return {}
    codes = sorted({c for _, c in pairs})
    rows = conn.execute(select(Area.kind, Area.code, Area.geometry).where(Area.code.in_(codes))).all()
    return {(k, c): shapely.from_wkb(g) for k, c, g in rows if (k, c) in pairs}


def coverage(conn: Connection, level: Level, rows: list[dict]) -> dict[int, set[str]]:
    """Service id -> the codes of ``level``'s areas it works in (see the module's rule)."""
    named = _shapes(conn, [p for r in rows for p in json.loads(r["areas"])])
    out = {}
    for r in rows:
        areas = json.loads(r["areas"])
        found: set[str] = set()
        if not areas and r["lon"] is not None:
            held = level.holding(shapely.Point(r["lon"], r["lat"]))
            found = {held} if held else set()
        for kind, code in areas:
            if (kind, code) in named:
                found |= level.place(kind, code, named[(kind, code)])[0]
        out[r["id"]] = found
    return out


def _active(r: dict, today: dt.date) -> bool:
    return r["ended_on"] is None or r["ended_on"] > today


def _serves_age(r: dict, age: str | None) -> bool:
    ages = json.loads(r["age_groups"])
    return age is None or not ages or age in ages


# --------------------------------------------------------------------------- reading
def _view(r: dict, vocab: dict, orgs: dict, users: dict, names: dict, wards: dict, actor, today: dt.date) -> dict:
    kinds = {k["key"]: k["label"] for k in vocab["kinds"]}
    ages = {a["key"]: a["label"] for a in vocab["age_groups"]}
    areas = [{"kind": k, "code": c, "name": names.get((k, c)) or c} for k, c in json.loads(r["areas"])]
    age_keys = json.loads(r["age_groups"])
    return {
        "id": r["reference"], "name": r["name"], "provider": r["provider"], "organisation": orgs.get(r["organisation_id"]), "description": r["description"],
        "kinds": json.loads(r["kinds"]), "kind_labels": [kinds.get(k, k) for k in json.loads(r["kinds"])],
        "age_groups": age_keys, "age_labels": [ages.get(a, a) for a in age_keys] or ["All ages"],
        "communities": json.loads(r["communities"]), "needs": json.loads(r["needs"]),
        "address": r["address"], "lon": r["lon"], "lat": r["lat"], "areas": areas, "wards": sorted(wards.get(r["id"], [])),
        "opening": r["opening"], "phone": r["phone"], "email": r["email"], "website": r["website"], "funding": r["funding"],
        "ended_on": r["ended_on"].isoformat() if r["ended_on"] else None, "active": _active(r, today),
        "updated_at": r["updated_at"].isoformat(timespec="seconds"), "updated_by": users.get(r["updated_by"]), "version": r["version"],
        "may_change": may_add(actor) and r["organisation_id"] == actor.organisation_id,
    }  # fmt: skip


def _views(conn: Connection, actor, rows: list[dict], today: dt.date) -> list[dict]:
    vocab = vocabulary()
    u = sa_.User.__table__
    users = dict(conn.execute(select(u.c.id, u.c.username)).all())
    names = {
        (k, c): n
        for k, c, n in conn.execute(select(Area.kind, Area.code, Area.name).where(Area.code.in_({c for r in rows for _, c in json.loads(r["areas"])})))
    }
    ward_level = Level(conn, "ward")
    covered = coverage(conn, ward_level, rows)
    wards = {sid: [ward_level.names[c] for c in codes] for sid, codes in covered.items()}
    orgs = org_names(conn)
    return [_view(r, vocab, orgs, users, names, wards, actor, today) for r in rows]


def list_services(engine: Engine, actor, *, kind: str | None = None, area: str | None = None, age: str | None = None, mine: bool = False,
                  include_ended: bool = False, today: dt.date | None = None) -> dict:  # fmt: skip
    """The services (of one kind, working in one area, for one age group, of the actor's own
    organisation), in order of the ward they work in and their name (those working in more
    than three wards last); services that have ended
    only with ``include_ended``. With the area's ``{kind, code, name}`` when one is asked for."""
    check_read(actor)
    today = today or dt.date.today()
    vocab = vocabulary()
    kind = choose([kind], vocab["kinds"], "kind", "kind of provision")[0] if kind else None
    age = choose([age], vocab["age_groups"], "age", "age group")[0] if age else None
    t = sas.AssetService.__table__
    with engine.connect() as conn:
        q = select(t).order_by(t.c.name, t.c.id)
        if mine:
            q = q.where(t.c.organisation_id == actor.organisation_id)
        rows = [dict(r) for r in conn.execute(q).mappings()]
        rows = [r for r in rows if (include_ended or _active(r, today)) and (kind is None or kind in json.loads(r["kinds"])) and _serves_age(r, age)]
        where = None
        if area:
            where = find_area(conn, area, "area")
            level = Level(conn, where["kind"]) if where["kind"] in COARSE_TO_FINE else None
            if level is not None:
                covered = coverage(conn, level, rows)
                rows = [r for r in rows if where["code"] in covered[r["id"]]]
            else:
                shape = _shapes(conn, [(where["kind"], where["code"])])[(where["kind"], where["code"])]
                rows = [r for r in rows if _meets(conn, r, shape)]
        shown = _views(conn, actor, rows, today)
    shown.sort(key=lambda s: (len(s["wards"]) > 3, s["wards"][0] if s["wards"] else "~", s["name"]))
    return {"services": shown, "count": len(shown), "area": where, "kind": kind, "age": age, "include_ended": include_ended}


def _meets(conn: Connection, r: dict, shape) -> bool:
    """Whether a service works in a drawn area: its point inside it, or an area it serves meeting it."""
    if r["lon"] is not None and shape.contains(shapely.Point(r["lon"], r["lat"])):
        return True
    return any(shape.intersects(s) and shape.intersection(s).area > 0 for s in _shapes(conn, json.loads(r["areas"])).values())


def show_service(engine: Engine, actor, ref: str, *, today: dt.date | None = None) -> dict:
    """One service in full (any signed-in partner)."""
    check_read(actor)
    with engine.connect() as conn:
        return _views(conn, actor, [_row(conn, ref)], today or dt.date.today())[0]


# --------------------------------------------------------------------------- gaps
def _district(conn: Connection, text: str | None, rows: list[dict]) -> dict:
    """The district asked for, else the one most services work in (by point, or areas' inside points)."""
    if text:
        d = find_area(conn, text, "district")
        if d["kind"] != "district":
            raise RecordError(f"{d['name'] or d['code']} is a {d['kind']}, not a district", field="district", fix="give a loaded district by its code or name")
        return d
    districts = conn.execute(select(Area.code, Area.name, Area.geometry).where(Area.kind == "district").order_by(Area.name)).all()
    if not districts:
        raise Invalid("no districts are loaded", field="district", fix="load the district boundaries first")
    shapes = np.array([shapely.from_wkb(g) for _, _, g in districts], dtype=object)
    named = _shapes(conn, [p for r in rows for p in json.loads(r["areas"])])
    counts = np.zeros(len(districts), dtype=int)
    for r in rows:
        pts = [shapely.Point(r["lon"], r["lat"])] if r["lon"] is not None else []
        pts += [shapely.point_on_surface(named[tuple(p)]) for p in json.loads(r["areas"]) if tuple(p) in named]
        for p in pts:
            counts += shapely.contains(shapes, p)
    code, name, _ = districts[int(np.argmax(counts))]
    return {"kind": "district", "code": code, "name": name}


def _open_problems(conn: Connection, actor, level: Level) -> tuple[dict[str, list[dict]], list[dict], int]:
    """Open problems placed in ``level``'s areas (area code -> problems), those whose area is
    coarser than the level and covers some of it, and the number with no loaded area."""
    t = spr.Problem.__table__
    rows = [
        dict(r)
        for r in conn.execute(
            select(t.c.id, t.c.reference, t.c.title, t.c.organisation_id, t.c.area_code).where(t.c.state != "closed").order_by(t.c.id)
        ).mappings()
    ]
    working = cproblems.working_organisations(conn) if actor.role in cproblems.SHARED_ONLY else None

    def seen(p: dict) -> dict:
        visible = can(actor, "read", "problem", p["organisation_id"]).allowed and (working is None or actor.organisation_id in working.get(p["id"], ()))
        return {"id": p["reference"], "title": p["title"]} if visible else {"id": None, "title": None}

    found = conn.execute(select(Area.kind, Area.code, Area.geometry).where(Area.code.in_({p["area_code"] for p in rows if p["area_code"]}))).all()
    by_code: dict[str, tuple[str, object]] = {}
    for kind, code, g in sorted(found, key=lambda x: AREA_KINDS.index(x[0]) if x[0] in AREA_KINDS else 9, reverse=True):
        by_code[code] = (kind, shapely.from_wkb(g))
    placed: dict[str, list[dict]] = {}
    wide, unplaced = [], 0
    for p in rows:
        if p["area_code"] not in by_code:
            unplaced += 1
            continue
        kind, shape = by_code[p["area_code"]]
        codes, coarser = level.place(kind, p["area_code"], shape)
        if coarser:
            if codes:
                wide.append({**seen(p), "area": p["area_code"]})
            continue
        for c in codes:
            placed.setdefault(c, []).append(seen(p))
    return placed, wide, unplaced


def gaps(engine: Engine, actor, *, district: str | None = None, level: str = "ward", age: str | None = None, today: dt.date | None = None) -> dict:
    """For each area of ``level`` (wards, or LSOAs) of a district (default: the one most
    services work in) and each kind of provision: how many services provide it there (only
    those for ``age`` when given), which areas have none, and the open problems in each area;
    and for each age group, how many services of any kind serve it there. Problems are counted
    whoever owns them; their references are given only to a reader who may open them."""
    check_read(actor)
    if level not in LEVELS:
        raise RecordError(f"unknown level {level!r}", field="level", fix=f"choose one of {', '.join(LEVELS)}")
    today = today or dt.date.today()
    vocab = vocabulary()
    age = choose([age], vocab["age_groups"], "age", "age group")[0] if age else None
    t = sas.AssetService.__table__
    with engine.connect() as conn:
        every = [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]
        active = [r for r in every if _active(r, today)]
        d = _district(conn, district, active)
        shape = _shapes(conn, [("district", d["code"])])[("district", d["code"])]
        lv = Level(conn, level, within=shape)
        if not lv.codes:
            raise Invalid(f"no {level}s of {d['name']} are loaded", field="level", fix=f"load the {level} boundaries first")
        counted = [r for r in active if _serves_age(r, age)]
        covered = coverage(conn, lv, counted)
        placed, wide, unplaced = _open_problems(conn, actor, lv)
    keys = [k["key"] for k in vocab["kinds"]]
    areas = []
    for code in lv.codes:
        here = [r for r in counted if code in covered[r["id"]]]
        by_kind = {k: sum(k in json.loads(r["kinds"]) for r in here) for k in keys}
        probs = placed.get(code, [])
        by_age = {a["key"]: sum(1 for r in here if not json.loads(r["age_groups"]) or a["key"] in json.loads(r["age_groups"])) for a in vocab["age_groups"]}
        areas.append({"code": code, "name": lv.names[code], "services": len(here), "kinds": by_kind, "gaps": [k for k in keys if not by_kind[k]],
                      "age_groups": by_age, "open_problems": len(probs), "problems": [p for p in probs if p["id"]]})  # fmt: skip
    labels = {k["key"]: k["label"] for k in vocab["kinds"]}
    flat = [{"area": a["code"], "name": a["name"], "kind": k, "label": labels[k], "open_problems": a["open_problems"]} for a in areas for k in a["gaps"]]
    flat.sort(key=lambda g: (-g["open_problems"], g["name"], keys.index(g["kind"])))
    ended = sum(1 for r in every if not _active(r, today))
    outside = sum(1 for r in counted if not covered[r["id"]])
    age_label = next((a["label"] for a in vocab["age_groups"] if a["key"] == age), None)
    notes = [f"{_n(len(counted), 'service')} counted" + (f" (those for {age_label} or all ages)" if age else "") + f"; {outside} of them work in none of {d['name']}'s {level}s.",
             f"{_n(ended, 'service')} that ended {'is' if ended == 1 else 'are'} not counted." if ended else "No service has ended.",
             f"A problem is open until it is closed; {_n(sum(a['open_problems'] for a in areas), 'open problem')} lie in {d['name']}'s {level}s."]  # fmt: skip
    if wide:
        notes.append(
            f"{_n(len(wide), 'open problem')} cover{'s' if len(wide) == 1 else ''} a whole district and {'is' if len(wide) == 1 else 'are'} not counted in any one {level}."
        )
    if unplaced:
        notes.append(f"{_n(unplaced, 'open problem')} {'has' if unplaced == 1 else 'have'} no loaded area and {'is' if unplaced == 1 else 'are'} not counted.")
    return {"district": d, "level": level, "age": age, "today": today.isoformat(), "kinds": vocab["kinds"], "age_groups": vocab["age_groups"],
            "areas": areas, "gaps": flat, "headlines": [_headline(g, level) for g in flat if g["open_problems"]][:10], "wide_problems": [w for w in wide if w["id"]],
            "notes": notes, "parameters": {"district": d["code"], "level": level, "age": age, "kinds_file": vocab["file"]}}  # fmt: skip


def _n(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _headline(g: dict, level: str) -> str:
    n = g["open_problems"]
    return f"No {g['label'][0].lower() + g['label'][1:]} in {g['name']} ({level}), where {n} problem{'s are' if n != 1 else ' is'} open."


# --------------------------------------------------------------------------- CSV import
COLUMNS = {"id": ("id", "reference", "ref"), "name": ("name", "service"), "provider": ("provider", "organisation"), "description": ("description",),
           "kinds": ("kinds", "kind", "provision"), "age_groups": ("age_groups", "ages", "age_group", "age"), "communities": ("communities",),
           "needs": ("needs",), "address": ("address",), "lon": ("lon", "longitude"), "lat": ("lat", "latitude"), "easting": ("easting", "x"),
           "northing": ("northing", "y"), "areas": ("areas", "area"), "opening": ("when", "opening", "days", "times"), "phone": ("phone", "telephone"),
           "email": ("email",), "website": ("website", "web", "url"), "funding": ("funding", "funder", "funding_source"), "ended_on": ("ended_on", "ended")}  # fmt: skip
SPLIT = re.compile(r"\s*[;|]\s*")
MAX_ROWS = 5000


def _header(fieldnames) -> tuple[dict[str, str], list[str]]:
    """field -> the file's column, and the columns not read."""
    cols = {c: (c or "").strip().lower().replace(" ", "_") for c in fieldnames or []}
    found, used = {}, set()
    for f, names in COLUMNS.items():
        for c, norm in cols.items():
            if norm in names and f not in found:
                found[f] = c
                used.add(c)
    return found, [c for c in cols if c not in used]


def _row_fields(raw: dict, cols: dict[str, str]) -> dict:
    got = {f: (raw.get(c) or "").strip() for f, c in cols.items()}
    out = {}
    for f, v in got.items():
        if f in ("id", "easting", "northing"):
            continue
        if f in LIST_FIELDS:
            out[f] = [x for x in SPLIT.split(v) if x]
        elif f == "ended_on":
            if v:
                try:
                    out[f] = dt.date.fromisoformat(v)
                except ValueError:
                    raise RecordError(f"{v!r} is not a date", field="ended_on", fix="give the day it ended as YYYY-MM-DD, or leave it empty") from None
            else:
                out[f] = ""
        else:
            out[f] = v
    if got.get("easting") or got.get("northing"):
        if got.get("lon") or got.get("lat"):
            raise RecordError("the row gives both longitude/latitude and easting/northing", field="lon", fix="give one of them")
        e, n = _number(got.get("easting"), "easting"), _number(got.get("northing"), "northing")
        if e is None or n is None:
            raise RecordError("a point needs both its easting and its northing", field="easting", fix="give both, or neither")
        lon, lat = geo.transform(np.array([e]), np.array([n]), geo.BNG, geo.WGS84)
        out["lon"], out["lat"] = float(lon[0]), float(lat[0])
    return out


def _reason(exc: Exception, cols: dict[str, str]) -> str:
    field = getattr(exc, "field", None)
    column = cols.get(field) or cols.get({"lon": "easting", "lat": "northing"}.get(field, ""))
    return f"{column}: {exc}" if column and not str(exc).startswith(column) else str(exc)


def import_csv(engine: Engine, actor, data: bytes | str, *, name: str = "the file", now: dt.datetime | None = None) -> dict:
    """Add or update the actor's organisation's services from a CSV (one service a row: the
    columns of ``COLUMNS``, lists separated by semicolons). A row with an ``id`` updates that
    service; else a row naming a service the organisation has recorded updates it; else it is
    added. Every row is added, updated or rejected with its reason; the rows loaded are written
    in one transaction, and a present column's empty cell clears that field."""
    check_add(actor)
    now = now or audit.utcnow()
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    cols, ignored = _header(reader.fieldnames)
    if "name" not in cols:
        raise Invalid(f"{name} has no name column (its columns: {', '.join(reader.fieldnames or []) or 'none'})", field="file",
                      fix=f"give a CSV whose first line names its columns: name, kinds, and any of {', '.join(c for c in COLUMNS if c not in ('name', 'kinds'))}")  # fmt: skip
    vocab = vocabulary()
    t = sas.AssetService.__table__
    results, adds, updates, seen = [], [], [], {}
    with engine.connect() as conn:
        own = {r["name"]: dict(r) for r in conn.execute(select(t).where(t.c.organisation_id == actor.organisation_id)).mappings()}
        for i, raw in enumerate(reader, start=2):
            if i - 1 > MAX_ROWS:
                raise Invalid(f"{name} has more than {MAX_ROWS:,} rows", field="file", fix="split it into files of fewer rows")
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                results.append({"row": i, "outcome": "rejected", "id": None, "name": None, "reason": "an empty row"})
                continue
            try:
                given = _row_fields(raw, cols)
                ref = (raw.get(cols["id"]) or "").strip() if "id" in cols else ""
                old = _row(conn, ref) if ref else own.get(" ".join(given.get("name", "").split()))
                if old is not None and old["organisation_id"] != actor.organisation_id:
                    raise PermissionDenied(f"{old['reference']} is kept by another organisation, and only it changes its services")
                values = _checked(conn, vocab, given, old=_stored(old) if old else None)
                key = old["id"] if old else values["name"]
                if key in seen:
                    raise RecordError(f"the same service as row {seen[key]}", field="name", fix="give each service one row")
                if old and values["name"] != old["name"] and (values["name"] in own or values["name"] in seen):
                    raise Duplicate(f"your organisation has another service called {values['name']!r}")
                seen[key] = i
            except (Invalid, PermissionDenied, Duplicate, NotFound) as exc:
                results.append(
                    {"row": i, "outcome": "rejected", "id": None, "name": (raw.get(cols["name"]) or "").strip() or None, "reason": _reason(exc, cols)}
                )
                continue
            results.append(
                {"row": i, "outcome": "updated" if old else "added", "id": old["reference"] if old else None, "name": values["name"], "reason": None}
            )
            (updates if old else adds).append((results[-1], old, values))
    if adds or updates:
        with engine.begin() as conn:
            for res, _, values in adds:
                res["id"] = _insert(conn, actor, values, now)
            for res, old, values in updates:
                res["changed"] = _changed(old, values)
                if res["changed"]:
                    _write_update(conn, actor, old, values, now)
            entries = [audit.Entry("create", actor, "asset", r["id"], owner_org_id=actor.organisation_id, purpose=PURPOSE, detail={"import": name, "row": r["row"]})
                       for r, _, _ in adds]  # fmt: skip
            entries += [audit.Entry("change", actor, "asset", r["id"], owner_org_id=actor.organisation_id, purpose=PURPOSE,
                                    detail={"import": name, "row": r["row"], "changed": r["changed"]}) for r, _, _ in updates if r["changed"]]  # fmt: skip
            if entries:
                audit.record(conn, entries)
    counts = {k: sum(r["outcome"] == k for r in results) for k in ("added", "updated", "rejected")}
    return {"file": name, "rows": len(results), **counts, "results": results, "columns": cols, "ignored_columns": ignored}


def export_rows(engine: Engine, actor, *, mine: bool = False, today: dt.date | None = None) -> tuple[list[str], list[list]]:
    """The services as the rows of a CSV the import reads back (columns, rows)."""
    listed = list_services(engine, actor, mine=mine, include_ended=True, today=today)["services"]
    columns = ["id", "name", "provider", "kinds", "age_groups", "communities", "needs", "description", "address", "lon", "lat", "areas", "when", "phone",
               "email", "website", "funding", "ended_on"]  # fmt: skip
    rows = [[s["id"], s["name"], s["provider"], "; ".join(s["kinds"]), "; ".join(s["age_groups"]), "; ".join(s["communities"]), "; ".join(s["needs"]),
             s["description"], s["address"], s["lon"], s["lat"], "; ".join(a["code"] for a in s["areas"]), s["opening"], s["phone"], s["email"],
             s["website"], s["funding"], s["ended_on"]] for s in listed]  # fmt: skip
    return columns, rows
