"""Versioned scoring instruments kept as data: risk questionnaires and the premises risk
register (``data/risk_questionnaires.toml``, ``data/premises_risk.toml``).

Each version has an ``effective_from`` date and runs until the day before the next version of
the same instrument begins; a record keeps the version it was scored under, so a new version
never re-scores old records. Scoring is pure: answers or facts in, a score, a band and the
reasons out.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from pathlib import Path

from sara.errors import Invalid

DATA = Path(__file__).parent / "data"


class InstrumentError(Invalid):
    """A malformed instrument file, an unknown instrument or version, or answers that do not
    fit the instrument; the message says what to fix."""


def _check_bands(bands, where: str) -> list[dict]:
    if not bands or any(not isinstance(b.get("min_score"), int | float) or not b.get("band") for b in bands):
        raise InstrumentError(f"{where}: 'bands' must list {{ band = NAME, min_score = N }}, highest first")
    ordered = sorted(bands, key=lambda b: -b["min_score"])
    if ordered[-1]["min_score"] > 0:
        raise InstrumentError(f"{where}: the lowest band must start at min_score = 0")
    return ordered


def _load(path: Path, table: str) -> list[dict]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise InstrumentError(f"instrument file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path}: not valid TOML: {exc}") from None
    if data.get("schema") != 1:
        raise InstrumentError(f"{path.name}: expected 'schema = 1' at the top")
    versions = data.get(table, [])
    for i, v in enumerate(versions):
        where = f"{path.name} [[{table}]] #{i + 1}"
        for key in ("version", "effective_from", "verified", "source", "bands"):
            if key not in v:
                raise InstrumentError(f"{where}: missing '{key}'")
        if not isinstance(v["effective_from"], dt.date):
            raise InstrumentError(f"{where}: effective_from must be a TOML date (YYYY-MM-DD)")
        v["version"] = str(v["version"])
        v["bands"] = _check_bands(v["bands"], where)
    return versions


@lru_cache(maxsize=8)
def load(path: str | Path, table: str) -> tuple[dict, ...]:
    return tuple(_load(Path(path), table))


def in_force(versions, on: dt.date, *, key: str | None = None) -> dict:
    """The version (of instrument ``key``, when the file holds several) in force on ``on``."""
    pool = sorted((v for v in versions if key is None or v.get("key") == key), key=lambda v: v["effective_from"])
    if not pool:
        known = sorted({v.get("key") for v in versions if v.get("key")})
        raise InstrumentError(f"no instrument {key!r}: choose one of {', '.join(known)}")
    live = [v for v in pool if v["effective_from"] <= on]
    if not live:
        raise InstrumentError(f"no version of {key or 'the instrument'} is in force on {on.isoformat()} (the first starts {pool[0]['effective_from']})")
    return live[-1]


def version(versions, name: str, *, key: str | None = None) -> dict:
    for v in versions:
        if v["version"] == name and (key is None or v.get("key") == key):
            return v
    raise InstrumentError(f"no version {name!r} of {key or 'the instrument'}")


def band_for(bands: list[dict], score: float) -> dict:
    """The highest band whose ``min_score`` the score reaches (bands are sorted highest first)."""
    return next(b for b in bands if score >= b["min_score"])


def score_answers(instrument: dict, answers: dict) -> dict:
    """Score a questionnaire: yes/no questions add their weight when answered yes; a question
    with ``scale = N`` takes 0..N and adds weight x answer. Every question must be answered
    (an unanswered question would silently lower the risk)."""
    questions = {q["key"]: q for q in instrument["questions"]}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise InstrumentError(f"unknown question(s) {', '.join(unknown)}: {instrument['key']} {instrument['version']} asks {', '.join(questions)}")
    missing = [k for k in questions if k not in answers]
    if missing:
        raise InstrumentError(f"unanswered question(s): {', '.join(missing)} (answer every question; yes/no, or 0..N for a scale)")
    total, reasons = 0.0, []
    for k, q in questions.items():
        a = answers[k]
        if "scale" in q:
            if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= q["scale"]:
                raise InstrumentError(f"question {k!r} takes a whole number from 0 to {q['scale']}, got {a!r}")
            points = q["weight"] * a
        else:
            if not isinstance(a, bool):
                raise InstrumentError(f"question {k!r} takes yes or no, got {a!r}")
            points = q["weight"] if a else 0
        total += points
        if points:
            reasons.append({"question": k, "answer": a, "points": points})
    band = band_for(instrument["bands"], total)
    return {"score": total, "band": band["band"], "reasons": reasons}


def parse_answers(pairs: list[str]) -> dict:
    """``["happened_before=yes", "impact=7"]`` -> ``{"happened_before": True, "impact": 7}``."""
    out: dict = {}
    for pair in pairs:
        if "=" not in pair:
            raise InstrumentError(f"answer {pair!r} is not KEY=VALUE (e.g. happened_before=yes or impact=7)")
        k, v = (s.strip() for s in pair.split("=", 1))
        low = v.casefold()
        if low in ("yes", "y", "true"):
            out[k] = True
        elif low in ("no", "n", "false"):
            out[k] = False
        elif v.isdigit():
            out[k] = int(v)
        else:
            raise InstrumentError(f"answer {pair!r}: give yes, no or a whole number")
    return out


QUESTIONNAIRES = DATA / "risk_questionnaires.toml"


def questionnaire(key: str = "asb_victim", on: dt.date | None = None, *, path: str | Path = QUESTIONNAIRES) -> dict:
    """The version of risk questionnaire ``key`` in force on ``on`` (default today)."""
    return in_force(load(str(path), "instrument"), on or dt.date.today(), key=key)
