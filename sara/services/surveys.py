"""Surveys (``sara survey ...``, ``/surveys``): versioned questionnaires, responses taken at the
door or imported from a CSV, each placed in its areas with no personal data unless the
respondent consents to be contacted, and results by area and period with a 95% margin of
error. The rules are ``sara.casework.surveys``'s; each function here is one job of a face.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sara.casework import surveys as cs
from sara.errors import Invalid
from sara.services import Context

FORM_AREA_KIND = "ward"


def list_surveys(ctx: Context) -> dict:
    """Every questionnaire with its versions and responses, and what the reader may do."""
    actor = ctx.actor
    return {"questionnaires": cs.list_questionnaires(ctx.engine, actor), "may_add": bool(actor and actor.role in cs.AUTHORS), "may_record": cs.may_record(actor),
            "method": cs.METHOD}  # fmt: skip


def add(ctx: Context, path: str | Path) -> dict:
    """Load a questionnaire file (TOML) for the reader's organisation (``sara survey add FILE``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Invalid(
            f"no file {p}", field="file", fix="give the path of a questionnaire file (TOML), e.g. a copy of data/survey-perception-example.toml"
        ) from None
    except UnicodeDecodeError:
        raise Invalid(f"{p.name} is not UTF-8 text", field="file", fix="save it as UTF-8") from None
    return cs.add_file(ctx.engine, ctx.actor, text, p.name, now=ctx.now)


def questionnaire(ctx: Context, key: str, *, version: str | None = None) -> dict:
    """One questionnaire version (in force today unless named), its questions and scales."""
    cs.check_read(ctx.actor)
    v = cs.questionnaire(ctx.engine, key, version=version) if version else cs.questionnaire(ctx.engine, key, on=ctx.now.date())
    return {k: v[k] for k in ("key", "version", "name", "effective_from", "example", "source", "questions")}


def respond(ctx: Context, key: str, answers: dict, *, taken_on: dt.date | None = None, area: str | None = None, lon: float | None = None,
            lat: float | None = None, wave: str | None = None, consent: bool = False, name: str | None = None, contact: str | None = None,
            entered_by: str = "cli") -> dict:  # fmt: skip
    """Record one response (``sara survey respond``, the phone form, ``POST /api/surveys/{key}/responses``)."""
    return cs.record(ctx.engine, ctx.actor, key, answers, taken_on=taken_on, area=area, lon=lon, lat=lat, wave=wave, consent=consent, name=name, contact=contact,
                     entered_by=entered_by, now=ctx.now)  # fmt: skip


def import_file(ctx: Context, key: str, path: str | Path) -> dict:
    """Load a CSV of responses: every row loaded or rejected with its line and reason."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise Invalid(f"no file {p}", field="file", fix="give the path of a CSV of responses") from None
    return import_data(ctx, key, data, p.name)


def import_data(ctx: Context, key: str, data: bytes, name: str) -> dict:
    """Load a CSV of responses given as bytes (an upload): as ``import_file``."""
    return cs.import_csv(ctx.engine, ctx.actor, key, data, name, now=ctx.now)


def results(ctx: Context, key: str, *, by: str = "district", per: str = "quarter", area: str | None = None, version: str | None = None) -> dict:
    """Results by area and period with the 95% interval of each figure (``sara survey results``)."""
    return cs.results(ctx.engine, ctx.actor, key, by=by, per=per, area=area or None, version=version or None)


def contacts(ctx: Context, key: str) -> dict:
    """The respondents who agreed to be contacted, of the reader's organisation (audited)."""
    return {"questionnaire": key, "contacts": cs.contacts(ctx.engine, ctx.actor, key)}


def form(ctx: Context, key: str) -> dict:
    """What the phone form asks: the version in force today and the loaded wards to choose from."""
    from sara.store import queries

    if not cs.may_record(ctx.actor):
        cs.check_read(ctx.actor)
        raise cs.PermissionDenied("not allowed: survey responses are recorded by analysts, problem owners, partner practitioners and leads")
    v = questionnaire(ctx, key)
    wards = queries.areas(ctx.engine, FORM_AREA_KIND).select("code", "name").sort("name").iter_rows()
    return {"questionnaire": v, "areas": [{"value": code, "label": name or code} for code, name in wards], "today": ctx.now.date().isoformat()}
