"""Surveys: versioned questionnaires, the responses officers take at the door (or import from
a CSV), each placed in its LSOA, ward and district, and the results by area and period with a
95% margin of error.

Clear, Hold, Build (College of Policing, 2023): "Officers knocked on doors doing surveys asking
questions about what the community wanted from the police"; the Calderdale Community Safety
Action Plan 2008-2011 measures its success by perception indicators (NI5, NI17, NI21), which a
partnership plan indicator of kind ``survey`` reads from here (``series``).

The rules here:

* **Questionnaires** are versions (``key`` and ``version``) in a TOML file of the shape of
  ``data/survey-perception-example.toml``: named answer scales (``choice``: options in order,
  the ``positive`` ones reported as a share, ``excluded`` ones such as "Don't know" kept but
  left out of the share; ``number``: whole numbers from ``min`` to ``max``, the mean
  reported) and questions on them. A response answers the version in force on its day
  (``effective_from``). A version is fixed once it has responses: loading it again with other
  questions is refused (add a new version). The bundled example is marked ``example``.
  Leads and administrators add questionnaires for their organisation: a new key, or a new
  version of their own or of the bundled example (never another organisation's).
* **Responses** are recorded by analysts, problem owners, partner practitioners and leads,
  for their organisation. Each answer must be on its question's scale (an option's number or
  words; a whole number in range): anything else is refused, saying what the scale takes. A
  response holds no personal data: its area is a loaded LSOA, ward or district, or a point,
  which is placed into the LSOA, ward and district it lies in and not kept (with the answers
  it would point at one household). A name and contact are kept only when the respondent
  consents to be contacted, as personal data of the recording organisation (``survey_contact``),
  read only by that organisation's roles that read personal data, every write and read audited.
* **A CSV import** loads every row it can and rejects the others with the row's line and the
  reason (never its content: a rejected row may hold a name); loaded + rejected = rows read. A
  row's ``id`` (the paper form's number) loaded before is rejected as already loaded.
* **Results** (pure: ``proportion``, ``mean``) give per question and per group of area and
  period the answers counted, the share positive with its 95% Wilson score interval (Wilson,
  1927; as statsmodels ``proportion_confint(method="wilson")``) or the mean with its 95%
  t interval, and a warning below ``SMALL`` answers. Every signed-in user but a public viewer
  reads them: they are counts, with no personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import shapely
from scipy import stats
from sqlalchemy import Connection, Engine, func, select

from sara import geo
from sara.access import audit
from sara.access.permissions import PermissionDenied, can
from sara.errors import Conflict, Invalid, NotFound
from sara.store.schema import Area
from sara.store.schema import access as sa_
from sara.store.schema import surveys as ss

DATA = Path(__file__).parent / "data"
BUNDLED = tuple(sorted(DATA.glob("survey-*.toml")))
PURPOSE = "community survey"
READERS_NOT = ("public_viewer",)
RECORDERS = ("analyst", "problem_owner", "partner_practitioner", "lead")
AUTHORS = ("lead", "administrator")
CONTACT_READERS = ("analyst", "problem_owner", "partner_practitioner", "lead")
AREA_KINDS = ("lsoa", "ward", "district")
BY = ("ward", "lsoa", "district", "all")
PER = ("month", "quarter", "year", "wave", "all")
ENTERED = ("form", "import", "api", "cli")
SMALL = 30
CONFIDENCE = 0.95
Z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
METHOD = ("95% Wilson score interval for a share (Wilson 1927, as statsmodels proportion_confint method 'wilson'); "
          "95% t interval for a mean rating")  # fmt: skip
KEY = re.compile(r"^[a-z][a-z0-9_-]{0,59}$")
MAX_IMPORT_BYTES = 20 << 20
CSV_FIXED = {"date", "area", "lon", "lat", "wave", "id", "consent", "name", "contact"}


class SurveyError(Invalid):
    """A malformed questionnaire, an answer off its scale, an area or a day that will not do:
    what is wrong and how to put it right."""


# --------------------------------------------------------------------------- the figures (pure)
def proportion(k: int, n: int, z: float = Z) -> dict:
    """The share ``k / n`` with its Wilson score interval (Wilson, E. B., 1927, "Probable
    inference, the law of succession, and statistical inference", JASA 22: 209-212): the
    interval stays inside 0..1 and keeps its coverage for small ``n`` and shares near 0 or 1,
    where the normal ("Wald") interval fails. ``margin`` is the larger distance from the share
    to an end of the interval."""
    if n <= 0:
        return {"n": 0, "positive": 0, "share": None, "low": None, "high": None, "margin": None}
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    return {"n": n, "positive": k, "share": p, "low": low, "high": high, "margin": max(p - low, high - p)}


def mean(values: Iterable[float], confidence: float = CONFIDENCE) -> dict:
    """The mean of ``values`` with its t interval (Student's t on n - 1 degrees of freedom);
    no interval from fewer than two values."""
    x = np.asarray(list(values), dtype=float)
    n = len(x)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "low": None, "high": None, "margin": None}
    m = float(x.mean())
    if n < 2:
        return {"n": 1, "mean": m, "sd": None, "low": None, "high": None, "margin": None}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return {"n": n, "mean": m, "sd": sd, "low": m - half, "high": m + half, "margin": half}


# --------------------------------------------------------------------------- questionnaire files
def _check_scale(name: str, s: dict, where: str) -> dict:
    kind = s.get("kind")
    if kind == "choice":
        options = s.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) and o.strip() for o in options):
            raise SurveyError(f"{where}: scale {name!r} needs options = [two or more answers in order]", field="file")
        if len({o.casefold() for o in options}) != len(options):
            raise SurveyError(f"{where}: scale {name!r} names an option twice", field="file")
        positive, excluded = list(s.get("positive") or []), list(s.get("excluded") or [])
        for what, listed in (("positive", positive), ("excluded", excluded)):
            odd = [o for o in listed if o not in options]
            if odd:
                raise SurveyError(
                    f"{where}: scale {name!r} lists {what} {odd[0]!r}, not one of its options", field="file", fix=f"choose from {', '.join(options)}"
                )
        if not positive:
            raise SurveyError(
                f"{where}: scale {name!r} says no positive options",
                field="file",
                fix='list the options whose share is reported, e.g. positive = ["Agree", "Strongly agree"]',
            )
        if set(positive) & set(excluded):
            raise SurveyError(f"{where}: scale {name!r} has an option both positive and excluded", field="file")
        return {"kind": "choice", "options": options, "positive": positive, "excluded": excluded, "reported": str(s.get("reported") or "positive")}
    if kind == "number":
        lo, hi = s.get("min"), s.get("max")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi)) or lo >= hi:
            raise SurveyError(f"{where}: scale {name!r} needs whole numbers min < max", field="file", fix="e.g. min = 1, max = 10")
        return {"kind": "number", "min": lo, "max": hi, "reported": str(s.get("reported") or "mean")}
    raise SurveyError(f"{where}: scale {name!r} has kind {kind!r}", field="file", fix='give kind = "choice" (options) or kind = "number" (min and max)')


def parse_file(text: str, name: str) -> list[dict]:
    """Every questionnaire version in the TOML ``text`` (a file called ``name``), checked and
    with each question's scale written out in full."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SurveyError(f"{name}: not valid TOML ({exc})", field="file", fix="check the file against data/survey-perception-example.toml") from None
    if data.get("schema") != 1:
        raise SurveyError(f"{name}: expected 'schema = 1' at the top", field="file")
    scales = {k: _check_scale(k, v, name) for k, v in (data.get("scales") or {}).items() if isinstance(v, dict)}
    versions = data.get("questionnaire") or []
    if not versions:
        raise SurveyError(f"{name}: no [[questionnaire]]", field="file", fix="add one with key, version, name, effective_from and questions")
    out, seen = [], set()
    for i, v in enumerate(versions):
        where = f"{name} [[questionnaire]] #{i + 1}"
        for k in ("key", "version", "name", "effective_from", "questions"):
            if k not in v:
                raise SurveyError(f"{where}: missing '{k}'", field="file")
        key, version = str(v["key"]), str(v["version"]).strip()
        if not KEY.match(key):
            raise SurveyError(f"{where}: key {key!r} is not a short name", field="file", fix="use lower-case letters, digits, - and _ (e.g. perception)")
        if not version or len(version) > 40:
            raise SurveyError(f"{where}: the version must be 1 to 40 characters", field="file")
        if (key, version) in seen:
            raise SurveyError(f"{where}: {key} version {version} is in the file twice", field="file")
        seen.add((key, version))
        if not isinstance(v["effective_from"], dt.date) or isinstance(v["effective_from"], dt.datetime):
            raise SurveyError(f"{where}: effective_from must be a TOML date (YYYY-MM-DD)", field="file")
        questions, keys = [], set()
        for q in v["questions"]:
            if not isinstance(q, dict) or not q.get("key") or not str(q.get("text") or "").strip() or not q.get("scale"):
                raise SurveyError(f"{where}: each question needs key, text and scale", field="file")
            if not KEY.match(str(q["key"])) or q["key"] in keys:
                raise SurveyError(f"{where}: question key {q['key']!r} is not a short name used once", field="file", fix="use lower-case letters, digits and _")
            keys.add(q["key"])
            scale = q["scale"]
            if isinstance(scale, str):
                if scale not in scales:
                    raise SurveyError(f"{where}: question {q['key']!r} uses scale {scale!r}, not defined in [scales]", field="file",
                                      fix=f"define it, or use one of {', '.join(scales) or 'none defined'}")  # fmt: skip
                scale = dict(scales[scale], name=q["scale"])
            elif isinstance(scale, dict):
                scale = dict(_check_scale(q["key"], scale, where), name=q["key"])
            questions.append({"key": q["key"], "text": " ".join(str(q["text"]).split()), "scale": scale})
        if not questions:
            raise SurveyError(f"{where}: no questions", field="file")
        out.append({"key": key, "version": version, "name": " ".join(str(v["name"]).split())[:200], "effective_from": v["effective_from"],
                    "example": bool(v.get("example", False)), "source": v.get("source"), "questions": questions})  # fmt: skip
    return out


def _definition(v: dict) -> str:
    return json.dumps({"questions": v["questions"]}, sort_keys=True)


def _store(conn: Connection, versions: list[dict], actor, now: dt.datetime) -> list[dict]:
    """Insert new versions, replace unanswered ones whose questions changed; refuse (before
    writing anything) a changed version that has responses."""
    t, r = ss.SurveyQuestionnaire.__table__, ss.SurveyResponse.__table__
    plan = []
    for v in versions:
        owner = conn.execute(select(t.c.organisation_id).where(t.c.key == v["key"]).order_by(t.c.id)).first()
        if actor is not None and owner is not None and owner[0] not in (None, actor.organisation_id):
            raise PermissionDenied(
                f"not allowed: questionnaire {v['key']} is another organisation's: its versions are added by that organisation; give yours another key"
            )
        old = conn.execute(select(t).where(t.c.key == v["key"], t.c.version == v["version"])).mappings().first()
        same = old is not None and old["definition"] == _definition(v) and old["name"] == v["name"] and old["effective_from"] == v["effective_from"]
        if old is not None and not same:
            n = conn.execute(select(func.count()).select_from(r).where(r.c.questionnaire_id == old["id"])).scalar_one()
            if n:
                raise Conflict(f"{v['key']} version {v['version']} has {n} responses: its questions are fixed; give the changed questionnaire a new version "
                               "(version = ..., with a later effective_from), and the responses already taken keep theirs")  # fmt: skip
            if actor is not None and old["organisation_id"] != actor.organisation_id:
                raise PermissionDenied("not allowed: a questionnaire version is changed only by the organisation that added it; give yours a new version")
        plan.append((v, old, same))
    out = []
    for v, old, same in plan:
        values = {"name": v["name"], "effective_from": v["effective_from"], "example": v["example"], "source": v["source"], "definition": _definition(v)}
        if old is None:
            conn.execute(t.insert().values(key=v["key"], version=v["version"], organisation_id=actor.organisation_id if actor else None,
                                           added_by=actor.id if actor else None, added_at=now, **values))  # fmt: skip
            status = "added"
        elif same:
            status = "unchanged"
        else:
            conn.execute(t.update().where(t.c.id == old["id"]).values(added_by=actor.id if actor else None, added_at=now, **values))
            status = "updated"
        out.append({"key": v["key"], "version": v["version"], "status": status, "questions": len(v["questions"]), "example": v["example"]})
    return out


def ensure_bundled(engine: Engine) -> None:
    """The bundled example questionnaires in the database (added once; a changed bundled file
    must carry a new version)."""
    t = ss.SurveyQuestionnaire.__table__
    for path in BUNDLED:
        versions = parse_file(path.read_text(encoding="utf-8"), path.name)
        with engine.connect() as conn:
            have = {(k, v) for k, v in conn.execute(select(t.c.key, t.c.version).where(t.c.key.in_([x["key"] for x in versions])))}
        missing = [v for v in versions if (v["key"], v["version"]) not in have]
        if missing:
            with engine.begin() as conn:
                _store(conn, missing, None, audit.utcnow())


def add_file(engine: Engine, actor, text: str, name: str, *, now: dt.datetime | None = None) -> dict:
    """Load the questionnaire versions of a TOML file for the actor's organisation (a lead or
    an administrator): each added, updated (no responses yet) or unchanged."""
    if not (actor and getattr(actor, "active", True) and actor.role in AUTHORS):
        raise PermissionDenied("not allowed: questionnaires are added by a lead or an administrator")
    now = now or audit.utcnow()
    versions = parse_file(text, name)
    ensure_bundled(engine)
    with engine.begin() as conn:
        done = _store(conn, versions, actor, now)
        audit.record(conn, [audit.Entry("change", actor, "survey_questionnaire", v["key"], owner_org_id=actor.organisation_id, purpose=PURPOSE,
                                        detail={"version": v["version"], "status": v["status"]}) for v in done if v["status"] != "unchanged"])  # fmt: skip
    return {"file": name, "versions": done}


# --------------------------------------------------------------------------- reading questionnaires
def check_read(actor) -> None:
    if not (actor and getattr(actor, "active", True)) or actor.role in READERS_NOT:
        raise PermissionDenied("not allowed: survey results are read by the partnership's signed-in users (not public viewers)")


def may_record(actor) -> bool:
    return bool(actor and getattr(actor, "active", True) and actor.role in RECORDERS)


def _row_view(row: dict) -> dict:
    d = json.loads(row["definition"])
    return {"id": row["id"], "key": row["key"], "version": row["version"], "name": row["name"], "effective_from": row["effective_from"].isoformat(),
            "example": row["example"], "source": row["source"], "organisation_id": row["organisation_id"], "questions": d["questions"]}  # fmt: skip


def _versions(conn: Connection, key: str) -> list[dict]:
    t = ss.SurveyQuestionnaire.__table__
    return [_row_view(dict(r)) for r in conn.execute(select(t).where(t.c.key == key).order_by(t.c.effective_from, t.c.id)).mappings()]


def _missing(key: str) -> NotFound:
    return NotFound(f"no questionnaire {key!r}: the list of surveys names those loaded (sara survey list)")


def questionnaire(engine: Engine, key: str, *, on: dt.date | None = None, version: str | None = None) -> dict:
    """The version of questionnaire ``key`` named, or in force on ``on`` (default: the newest)."""
    ensure_bundled(engine)
    with engine.connect() as conn:
        versions = _versions(conn, key)
    if not versions:
        raise _missing(key)
    if version:
        for v in versions:
            if v["version"] == version:
                return v
        raise SurveyError(f"{key} has no version {version!r}", field="version", fix=f"choose one of {', '.join(v['version'] for v in versions)}")
    return versions[-1] if on is None else in_force(versions, on)


def in_force(versions: list[dict], on: dt.date) -> dict:
    """The version (of those of one questionnaire, oldest first) in force on ``on``."""
    live = [v for v in versions if dt.date.fromisoformat(v["effective_from"]) <= on]
    if not live:
        raise SurveyError(f"no version of {versions[0]['key']} is in force on {on.isoformat()} (the first takes effect {versions[0]['effective_from']})",
                          field="taken_on", fix="give the day the survey was taken, on or after that")  # fmt: skip
    return live[-1]


def list_questionnaires(engine: Engine, actor) -> list[dict]:
    """Every questionnaire: its newest version, all its versions and the responses to each."""
    check_read(actor)
    ensure_bundled(engine)
    t, r, o = ss.SurveyQuestionnaire.__table__, ss.SurveyResponse.__table__, sa_.Organisation.__table__
    with engine.connect() as conn:
        counts = dict(conn.execute(select(r.c.questionnaire_id, func.count()).group_by(r.c.questionnaire_id)).all())
        last = dict(conn.execute(select(r.c.questionnaire_id, func.max(r.c.taken_on)).group_by(r.c.questionnaire_id)).all())
        orgs = dict(conn.execute(select(o.c.id, o.c.name)).all())
        rows = [_row_view(dict(x)) for x in conn.execute(select(t).order_by(t.c.key, t.c.effective_from, t.c.id)).mappings()]
    by_key: dict[str, list[dict]] = {}
    for v in rows:
        by_key.setdefault(v["key"], []).append(v)
    out = []
    for key, vs in by_key.items():
        newest = vs[-1]
        days = [last[v["id"]] for v in vs if last.get(v["id"])]
        out.append({"key": key, "name": newest["name"], "version": newest["version"], "example": newest["example"], "source": newest["source"],
                    "organisation": orgs.get(newest["organisation_id"]) or "SARA (bundled)", "questions": len(newest["questions"]),
                    "responses": sum(counts.get(v["id"], 0) for v in vs), "last_response": max(days).isoformat() if days else None,
                    "versions": [{"version": v["version"], "effective_from": v["effective_from"], "responses": counts.get(v["id"], 0),
                                  "fixed": bool(counts.get(v["id"], 0))} for v in vs]})  # fmt: skip
    return out


# --------------------------------------------------------------------------- answers
def answer_words(scale: dict) -> str:
    """What a scale takes, in words (the message of a refused answer)."""
    if scale["kind"] == "number":
        return f"a whole number from {scale['min']} to {scale['max']}"
    return "one of " + "; ".join(f"{i} {o}" for i, o in enumerate(scale["options"], 1))


def check_answer(q: dict, value) -> int | None:
    """An answer as stored (the option's number, or the rating), None when left blank."""
    s = q["scale"]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    if isinstance(value, str):
        text = value.strip()
        if s["kind"] == "choice":
            words = {o.casefold(): i for i, o in enumerate(s["options"], 1)}
            if text.casefold() in words:
                return words[text.casefold()]
            if text.casefold() in ("y", "n") and {"yes", "no"} <= set(words):
                return words["yes" if text.casefold() == "y" else "no"]
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        lo, hi = (s["min"], s["max"]) if s["kind"] == "number" else (1, len(s["options"]))
        if lo <= value <= hi:
            return value
    raise SurveyError(f"{value!r} is not an answer to {q['key']!r} ({q['text']})", field=f"answer_{q['key']}", fix=f"give {answer_words(s)}, or leave it blank")


def check_answers(version: dict, answers: dict) -> dict[str, int]:
    """Every answer given, on its question's scale; at least one; no question the version does not ask."""
    questions = {q["key"]: q for q in version["questions"]}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise SurveyError(f"{version['key']} {version['version']} asks no question {unknown[0]!r}", field="answers", fix=f"answer {', '.join(questions)}")
    out = {}
    for k, q in questions.items():
        v = check_answer(q, answers.get(k))
        if v is not None:
            out[k] = v
    if not out:
        raise SurveyError("no question is answered", field="answers", fix="record at least one answer (a respondent may skip the others)")
    return out


# --------------------------------------------------------------------------- places
class Places:
    """The loaded LSOAs, wards and districts, to find an area by code or name and to place a
    response in the LSOA, ward and district its area or point lies in (shapes read once)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as conn:
            rows = conn.execute(select(Area.kind, Area.code, Area.name).where(Area.kind.in_(AREA_KINDS))).all()
        self.names = {(k, c): n for k, c, n in rows}
        self.by_code: dict[str, list[str]] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        for k, c, n in rows:
            self.by_code.setdefault(c, []).append(k)
            if n:
                self.by_name.setdefault(n.casefold(), []).append((k, c))
        self._shapes: dict[str, tuple[list[str], np.ndarray]] = {}

    def shapes(self, kind: str) -> tuple[list[str], np.ndarray]:
        if kind not in self._shapes:
            with self.engine.connect() as conn:
                rows = conn.execute(select(Area.code, Area.geometry).where(Area.kind == kind).order_by(Area.code)).all()
            self._shapes[kind] = ([c for c, _ in rows], np.array([shapely.from_wkb(g) for _, g in rows], dtype=object))
        return self._shapes[kind]

    def find(self, spec: str) -> tuple[str, str]:
        """(kind, code) of a loaded LSOA, ward or district by code, ``KIND:CODE`` or name."""
        spec = (spec or "").strip()
        kind, _, bare = spec.rpartition(":")
        kinds = [k for k in self.by_code.get(bare, []) if not kind or k == kind]
        if len(kinds) == 1:
            return kinds[0], bare
        named = [x for x in self.by_name.get(bare.casefold(), []) if not kind or x[0] == kind]
        if len(named) == 1:
            return named[0]
        if len(kinds) > 1 or len(named) > 1:
            raise SurveyError(f"{spec!r} names more than one loaded area", field="area", fix="give it as KIND:CODE, e.g. ward:E05003305")
        raise SurveyError(f"no loaded ward, LSOA or district {spec!r}", field="area", fix="give a loaded ward or LSOA by its code or name (or a point)")

    def _holding(self, kind: str, x: float, y: float) -> str | None:
        codes, polys = self.shapes(kind)
        pts, hit = geo.locate(np.array([x]), np.array([y]), polys)
        return codes[int(hit[0])] if len(hit) else None

    def place(self, area: str | None = None, lon: float | None = None, lat: float | None = None) -> dict:
        """The area as given and the LSOA, ward and district it lies in (a point: the ones
        holding it; an area: those holding its inside point, for the kinds it is within)."""
        if (lon is None) != (lat is None):
            raise SurveyError("a point needs both its longitude and its latitude", field="area", fix="give both, in degrees (e.g. -1.29, 53.23)")
        if area and lon is not None:
            raise SurveyError("give an area or a point, not both", field="area", fix="leave one out")
        if lon is not None:
            if not (geo.valid_lonlat(np.array([lon]), np.array([lat]))[0] and geo.in_uk(np.array([lon]), np.array([lat]))[0]):
                raise SurveyError(f"({lon}, {lat}) is not a point in the UK", field="area", fix="give longitude then latitude in degrees (e.g. -1.29, 53.23)")
            out = {"given_kind": "point", "given_code": None} | {f"{k}_code": self._holding(k, lon, lat) for k in AREA_KINDS}
            if not (out["lsoa_code"] or out["ward_code"]):
                raise SurveyError("the point lies in no loaded LSOA or ward", field="area", fix="check the coordinates (longitude, latitude), or give the ward")
            return out
        if not area or not area.strip():
            raise SurveyError("the response needs its area", field="area", fix="give the ward or LSOA where it was taken (its code or name), or a point")
        kind, code = self.find(area)
        out = {"given_kind": kind, "given_code": code, "lsoa_code": None, "ward_code": None, "district_code": None, f"{kind}_code": code}
        rank = AREA_KINDS.index(kind)
        if rank < len(AREA_KINDS) - 1:
            with self.engine.connect() as conn:
                geom = shapely.from_wkb(conn.execute(select(Area.geometry).where(Area.kind == kind, Area.code == code)).scalar_one())
            inside = shapely.point_on_surface(geom)
            for bigger in AREA_KINDS[rank + 1 :]:
                out[f"{bigger}_code"] = self._holding(bigger, inside.x, inside.y)
        return out

    def name(self, kind: str, code: str | None) -> str | None:
        return self.names.get((kind, code)) if code else None


# --------------------------------------------------------------------------- recording
def _check_record(actor) -> None:
    if not may_record(actor):
        raise PermissionDenied("not allowed: survey responses are recorded by analysts, problem owners, partner practitioners and leads")


def _day(value: dt.date | None, today: dt.date) -> dt.date:
    value = value or today
    if value > today:
        raise SurveyError(f"{value.isoformat()} is in the future", field="taken_on", fix="give the day the survey was taken, today or before")
    return value


def _wave(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > 60:
        raise SurveyError(f"the wave is {len(text)} characters long", field="wave", fix="shorten it to 60 at most (e.g. 'before the clear phase')")
    return text or None


def _contact(consent: bool, name: str | None, contact: str | None) -> tuple[str, str] | None:
    name, contact = " ".join((name or "").split()), " ".join((contact or "").split())
    if not consent:
        if name or contact:
            raise SurveyError("a name or contact is kept only when the respondent agrees to be contacted", field="consent",
                              fix="record their consent, or leave the name and contact out")  # fmt: skip
        return None
    if not name or not contact:
        raise SurveyError("the respondent agreed to be contacted: say who and how", field="contact" if name else "name",
                          fix="give their name and a phone number, email or address")  # fmt: skip
    if len(name) > 200 or len(contact) > 300:
        raise SurveyError("the name or contact is too long", field="contact", fix="keep the name to 200 characters and the contact to 300")
    return name, contact


def _prepare(places: Places, version: dict, answers: dict, *, taken_on: dt.date, area: str | None, lon: float | None, lat: float | None,
             wave: str | None, consent: bool, name: str | None, contact: str | None) -> dict:  # fmt: skip
    return {"answers": check_answers(version, answers), "place": places.place(area, lon, lat), "wave": _wave(wave),
            "contact": _contact(consent, name, contact), "taken_on": taken_on}  # fmt: skip


def _insert(conn: Connection, actor, version: dict, ready: dict, entered_by: str, source_ref: str | None, now: dt.datetime) -> int:
    r, c = ss.SurveyResponse.__table__, ss.SurveyContact.__table__
    rid = conn.execute(r.insert().values(questionnaire_id=version["id"], organisation_id=actor.organisation_id, taken_on=ready["taken_on"], wave=ready["wave"],
                                         answers=json.dumps(ready["answers"], sort_keys=True), entered_by=entered_by, source_ref=source_ref,
                                         recorded_by=actor.id, recorded_at=now, **ready["place"]).returning(r.c.id)).scalar_one()  # fmt: skip
    if ready["contact"]:
        conn.execute(c.insert().values(response_id=rid, name=ready["contact"][0], contact=ready["contact"][1], consented_at=now))
        audit.record(conn, [audit.Entry("create", actor, "survey_contact", rid, owner_org_id=actor.organisation_id, purpose=PURPOSE,
                                        detail={"questionnaire": version["key"], "consent": True})])  # fmt: skip
    return rid


def record(engine: Engine, actor, key: str, answers: dict, *, taken_on: dt.date | None = None, area: str | None = None, lon: float | None = None,
           lat: float | None = None, wave: str | None = None, consent: bool = False, name: str | None = None, contact: str | None = None,
           entered_by: str = "cli", now: dt.datetime | None = None) -> dict:  # fmt: skip
    """Record one response to the version of ``key`` in force on ``taken_on`` (default today)."""
    _check_record(actor)
    now = now or audit.utcnow()
    day = _day(taken_on, now.date())
    version = questionnaire(engine, key, on=day)
    ready = _prepare(Places(engine), version, answers, taken_on=day, area=area, lon=lon, lat=lat, wave=wave, consent=consent, name=name, contact=contact)
    with engine.begin() as conn:
        rid = _insert(conn, actor, version, ready, entered_by if entered_by in ENTERED else "cli", None, now)
    p = ready["place"]
    return {"id": rid, "questionnaire": key, "version": version["version"], "taken_on": day.isoformat(), "wave": ready["wave"], "area": p["given_code"] or "point",
            "lsoa": p["lsoa_code"], "ward": p["ward_code"], "district": p["district_code"], "answers": ready["answers"], "contact_kept": bool(ready["contact"])}  # fmt: skip


def _flag(value: str | None) -> bool:
    return (value or "").strip().casefold() in ("yes", "y", "true", "1", "consent", "consented")


def _number(value: str | None, what: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise SurveyError(f"{what} {value.strip()!r} is not a number", field="area", fix="give longitude and latitude in degrees") from None


def import_csv(engine: Engine, actor, key: str, data: bytes, name: str, *, now: dt.datetime | None = None) -> dict:
    """Load a CSV of responses (one row each: ``date``, ``area`` or ``lon``/``lat``, optional
    ``wave``, ``id``, ``consent``, ``name``, ``contact``, and a column per question key). Every
    row is loaded or rejected with its line and reason; a file whose columns will not do is
    refused whole."""
    _check_record(actor)
    now = now or audit.utcnow()
    if len(data) > MAX_IMPORT_BYTES:
        raise SurveyError(f"{name} is {len(data) >> 20} MiB", field="file", fix=f"split it into files under {MAX_IMPORT_BYTES >> 20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SurveyError(f"{name} is not UTF-8 text", field="file", fix="save it as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    versions = _list_versions(engine, key)
    asked = {q["key"] for v in versions for q in v["questions"]}
    unknown = [h for h in header if h not in CSV_FIXED and h not in asked]
    if "date" not in header or not ({"area", "lon", "lat"} & set(header)) or unknown:
        why = f"unknown column(s) {', '.join(unknown)}" if unknown else "no date column" if "date" not in header else "no area column (nor lon and lat)"
        raise SurveyError(
            f"{name}: {why}",
            field="file",
            fix=f"give columns date, area (or lon and lat), optional wave, id, consent, name, contact, and the questions: {', '.join(sorted(asked))}",
        )
    places = Places(engine)
    r = ss.SurveyResponse.__table__
    with engine.connect() as conn:
        seen = set(conn.execute(select(r.c.source_ref).where(r.c.questionnaire_id.in_([v["id"] for v in versions]),
                                                             r.c.organisation_id == actor.organisation_id, r.c.source_ref.is_not(None))).scalars())  # fmt: skip
    ready, rejected = [], []
    rows_read = 0
    for row in reader:
        rows_read += 1
        line = reader.line_num
        try:
            if None in row:
                raise SurveyError("more values than columns", field="file")
            ref = (row.get("id") or "").strip() or None
            if ref and ref in seen:
                raise SurveyError(f"form {ref} is already loaded", field="id")
            try:
                day = dt.date.fromisoformat((row.get("date") or "").strip())
            except ValueError:
                raise SurveyError("the date is not YYYY-MM-DD", field="date") from None
            version = in_force(versions, _day(day, now.date()))
            answers = {q["key"]: row.get(q["key"]) for q in version["questions"] if q["key"] in row}
            extra = [k for k in asked if k not in answers and (row.get(k) or "").strip()]
            if extra:
                raise SurveyError(f"{key} {version['version']} (in force on {day.isoformat()}) does not ask {extra[0]}", field=extra[0])
            ready.append((line, ref, version, _prepare(places, version, answers, taken_on=day, area=row.get("area"), lon=_number(row.get("lon"), "lon"),
                                                       lat=_number(row.get("lat"), "lat"), wave=row.get("wave"), consent=_flag(row.get("consent")),
                                                       name=row.get("name"), contact=row.get("contact"))))  # fmt: skip
            if ref:
                seen.add(ref)
        except SurveyError as exc:
            rejected.append({"line": line, "reason": str(exc)})
    with engine.begin() as conn:
        ids = [_insert(conn, actor, version, x, "import", ref, now) for _, ref, version, x in ready]
        audit.record(conn, [audit.Entry("create", actor, "survey_response", key, owner_org_id=actor.organisation_id, purpose=PURPOSE,
                                        detail={"file": name, "rows_read": rows_read, "loaded": len(ids), "rejected": len(rejected)})])  # fmt: skip
    reasons: dict[str, int] = {}
    for x in rejected:
        reasons[x["reason"]] = reasons.get(x["reason"], 0) + 1
    return {"file": name, "questionnaire": key, "rows_read": rows_read, "loaded": len(ids), "rejected": len(rejected), "rejected_rows": rejected,
            "rejected_by_reason": reasons, "with_contact": sum(1 for *_, x in ready if x["contact"])}  # fmt: skip


def _list_versions(engine: Engine, key: str) -> list[dict]:
    ensure_bundled(engine)
    with engine.connect() as conn:
        vs = _versions(conn, key)
    if not vs:
        raise _missing(key)
    return vs


# --------------------------------------------------------------------------- contacts (personal data)
def contacts(engine: Engine, actor, key: str) -> list[dict]:
    """The respondents to ``key`` who agreed to be contacted and whose responses the actor's
    organisation took: personal data, each read audited. Another organisation's are not
    shown, and a role that does not read personal data is refused."""
    if not (actor and getattr(actor, "active", True) and actor.role in CONTACT_READERS and can(actor, "read", "person", actor.organisation_id)):
        raise PermissionDenied(
            "not allowed: respondents' contact details are read by the recording organisation's analysts, problem owners, practitioners and leads"
        )
    vs = _list_versions(engine, key)
    r, c = ss.SurveyResponse.__table__, ss.SurveyContact.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(r.c.id, r.c.taken_on, r.c.ward_code, r.c.lsoa_code, r.c.answers, c.c.name, c.c.contact, c.c.consented_at)
                            .join(c, c.c.response_id == r.c.id).where(r.c.questionnaire_id.in_([v["id"] for v in vs]), r.c.organisation_id == actor.organisation_id)
                            .order_by(r.c.taken_on.desc(), r.c.id.desc())).mappings().all()  # fmt: skip
    if rows:
        with engine.begin() as conn:
            audit.record(conn, [audit.Entry("read", actor, "survey_contact", x["id"], owner_org_id=actor.organisation_id, purpose=PURPOSE, detail={"questionnaire": key})
                                for x in rows])  # fmt: skip
    places = Places(engine)
    return [{"response": x["id"], "taken_on": x["taken_on"].isoformat(), "ward": places.name("ward", x["ward_code"]) or x["ward_code"], "lsoa": x["lsoa_code"],
             "name": x["name"], "contact": x["contact"], "consented_at": x["consented_at"].isoformat(timespec="minutes")} for x in rows]  # fmt: skip


# --------------------------------------------------------------------------- results
def period_of(day: dt.date, wave: str | None, per: str) -> str:
    if per == "month":
        return f"{day:%Y-%m}"
    if per == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if per == "year":
        return str(day.year)
    if per == "wave":
        return wave or "no wave"
    return "all"


def _same(a: dict, b: dict) -> bool:
    return a["text"] == b["text"] and a["scale"] == b["scale"]


def figures(q: dict, values: list[int]) -> dict:
    """One question's figures over ``values`` (stored answers): a share positive with its
    Wilson interval, or a mean with its t interval; ``excluded`` answers counted apart."""
    s = q["scale"]
    if s["kind"] == "number":
        m = mean(values)
        return {"n": m["n"], "value": m["mean"], "low": m["low"], "high": m["high"], "margin": m["margin"], "excluded": 0, "small": m["n"] < SMALL}
    positive = {s["options"].index(o) + 1 for o in s["positive"]}
    excluded = {s["options"].index(o) + 1 for o in s["excluded"]}
    kept = [v for v in values if v not in excluded]
    p = proportion(sum(1 for v in kept if v in positive), len(kept))
    pct = lambda x: None if x is None else 100 * x  # noqa: E731
    return {"n": p["n"], "positive": p["positive"], "value": pct(p["share"]), "low": pct(p["low"]), "high": pct(p["high"]), "margin": pct(p["margin"]),
            "excluded": len(values) - len(kept), "small": p["n"] < SMALL}  # fmt: skip


def _responses(conn: Connection, ids: list[int]) -> list[dict]:
    r = ss.SurveyResponse.__table__
    q = select(r.c.questionnaire_id, r.c.taken_on, r.c.wave, r.c.lsoa_code, r.c.ward_code, r.c.district_code, r.c.answers).where(r.c.questionnaire_id.in_(ids))
    return [dict(x) | {"answers": json.loads(x["answers"])} for x in conn.execute(q).mappings()]


def results(engine: Engine, actor, key: str, *, by: str = "district", per: str = "quarter", area: str | None = None, version: str | None = None) -> dict:
    """The results of ``key`` per area (``by``: ward, lsoa, district or all) and period (``per``:
    month, quarter, year, wave or all), for the questions of ``version`` (default the newest):
    responses of any version count for a question asked there in the same words on the same
    scale. With ``area``, only the responses in it (grouped by its kind). Each row: the
    answers counted, the share positive (per cent) or mean, its 95% interval and margin, and
    ``small`` below ``SMALL`` answers."""
    check_read(actor)
    if by not in BY:
        raise SurveyError(f"unknown grouping {by!r}", field="by", fix=f"choose one of {', '.join(BY)}")
    if per not in PER:
        raise SurveyError(f"unknown period {per!r}", field="per", fix=f"choose one of {', '.join(PER)}")
    vs = _list_versions(engine, key)
    shown = questionnaire(engine, key, version=version) if version else vs[-1]
    places = Places(engine)
    only = places.find(area) if area else None
    if only:
        by = only[0]
    with engine.connect() as conn:
        rows = _responses(conn, [v["id"] for v in vs])
    notes = []
    if only:
        rows = [x for x in rows if x[f"{only[0]}_code"] == only[1]]
    unplaced = [x for x in rows if by != "all" and not x[f"{by}_code"]]
    if unplaced:
        notes.append(f"{len(unplaced)} responses lie in no loaded {by} and are not counted by {by} (they count with --by all)")
    rows = [x for x in rows if by == "all" or x[f"{by}_code"]]

    def group(x: dict) -> tuple[str, str]:
        return ("all" if by == "all" else x[f"{by}_code"], period_of(x["taken_on"], x["wave"], per))

    groups: dict[tuple[str, str], list[dict]] = {}
    for x in rows:
        groups.setdefault(group(x), []).append(x)
    first_day: dict[str, dt.date] = {}
    for (_, period), xs in groups.items():
        first_day[period] = min([first_day.get(period, dt.date.max), *(x["taken_on"] for x in xs)])
    order = sorted(groups, key=lambda g: (places.name(by, g[0]) or g[0], first_day[g[1]] if per == "wave" else g[1]))
    area_name = lambda c: "All areas" if c == "all" else places.name(by, c) or c  # noqa: E731
    questions = []
    for q in shown["questions"]:
        counts_for = {v["id"] for v in vs if any(o["key"] == q["key"] and _same(o, q) for o in v["questions"])}
        differ = [v["version"] for v in vs if v["id"] not in counts_for and any(o["key"] == q["key"] for o in v["questions"])]
        if differ:
            notes.append(f"{q['key']}: asked otherwise in version {', '.join(differ)}; those answers are not counted here (see that version)")
        out_rows = []
        for g in order:
            values = [x["answers"][q["key"]] for x in groups[g] if x["questionnaire_id"] in counts_for and q["key"] in x["answers"]]
            out_rows.append({"area": g[0], "area_name": area_name(g[0]), "period": g[1]} | figures(q, values))
        questions.append({"key": q["key"], "text": q["text"], "kind": q["scale"]["kind"], "reported": q["scale"]["reported"],
                          "measure": "per cent" if q["scale"]["kind"] == "choice" else "mean", "scale": q["scale"], "rows": out_rows})  # fmt: skip
    if any(r["small"] for q in questions for r in q["rows"]):
        notes.append(f"fewer than {SMALL} answers in a row: its interval is wide, read it with care")
    return {"questionnaire": {k: shown[k] for k in ("key", "version", "name", "example", "source", "effective_from")},
            "versions": [v["version"] for v in vs], "by": by, "per": per, "area": {"kind": only[0], "code": only[1], "name": places.name(*only)} if only else None,
            "responses": len(rows) + len(unplaced), "counted": len(rows), "method": METHOD, "confidence": CONFIDENCE, "small_n": SMALL,
            "groups": [{"area": g[0], "area_name": area_name(g[0]), "period": g[1], "responses": len(groups[g])} for g in order],
            "questions": questions, "notes": notes, "may_record": may_record(actor)}  # fmt: skip


def series(engine: Engine, key: str, question: str, *, area_kind: str | None, area_code: str | None, starts: list[dt.date], ends: list[dt.date]) -> list[dict]:
    """One question's figure in each period (``starts[i]``..``ends[i]``) from the responses in
    the area (kind and code; None: every response), for a partnership plan's indicator:
    ``{"n", "value", "low", "high", "small"}`` each, value None with no answers."""
    vs = _list_versions(engine, key)
    q = next((o for o in vs[-1]["questions"] if o["key"] == question), None)
    if q is None:
        raise SurveyError(f"{key} asks no question {question!r}", field="question", fix=f"choose one of {', '.join(o['key'] for o in vs[-1]['questions'])}")
    ids = [v["id"] for v in vs if any(o["key"] == question and _same(o, q) for o in v["questions"])]
    with engine.connect() as conn:
        rows = _responses(conn, ids)
    if area_kind:
        rows = [x for x in rows if x[f"{area_kind}_code"] == area_code]
    out = []
    for s, e in zip(starts, ends):
        values = [x["answers"][question] for x in rows if s <= x["taken_on"] <= e and question in x["answers"]]
        f = figures(q, values)
        out.append({"n": f["n"], "value": None if f["value"] is None else round(f["value"], 4), "low": f["low"], "high": f["high"], "small": f["small"]})
    return out


def question_of(engine: Engine, key: str, question: str) -> dict:
    """The question ``question`` of the newest version of ``key`` (a plan indicator's check)."""
    v = questionnaire(engine, key)
    for q in v["questions"]:
        if q["key"] == question:
            return q | {"questionnaire": v["name"], "version": v["version"]}
    raise SurveyError(f"{key} asks no question {question!r}", field="question", fix=f"choose one of {', '.join(q['key'] for q in v['questions'])}")
