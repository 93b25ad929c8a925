"""Surveys (issue 13, part 4) commands: `sara survey ...`.

``list``, ``add FILE`` (a questionnaire file, TOML), ``show KEY``, ``respond KEY --answer
QUESTION=ANSWER ...``, ``import KEY FILE`` (a CSV of responses), ``results KEY`` (by area and
period, with the 95% interval of each figure) and ``contacts KEY`` (the respondents who agreed
to be contacted: personal data, audited). Each acts as the user named by ``--as`` and calls
one function of ``sara.services.surveys``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, fail, in_context, out, parse_date, print_json, spell_fields

surveys_app = typer.Typer(
    help="Versioned questionnaires, responses by area with no personal data unless consented, results with margins of error.", no_args_is_help=True
)
app.add_typer(surveys_app, name="survey")

spell_fields("survey", {"taken_on": "--on", "answers": "--answer"})

Key = Annotated[str, typer.Argument(help="The questionnaire's key, e.g. perception (sara survey list).")]


def _run(as_json: bool, db: str | None, acting: str | None, call):
    return in_context(as_json, db, acting, call)


def _pct(v) -> str:
    return "" if v is None else f"{v:.0f}%"


def _figure(q: dict, r: dict) -> str:
    if r["value"] is None:
        return "no answers"
    if q["kind"] == "number":
        return f"{r['value']:.1f}" + (f" ({r['low']:.1f} to {r['high']:.1f})" if r["low"] is not None else "")
    return f"{_pct(r['value'])} ({_pct(r['low'])} to {_pct(r['high'])})"


@surveys_app.command("list")
def survey_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """The questionnaires loaded, their versions and the responses to each."""
    from sara.services import surveys

    data = _run(as_json, db, acting, surveys.list_surveys)
    if as_json:
        print_json(data)
        return
    table = Table("key", "name", "version", "by", "questions", "responses", "last response", title=f"Questionnaires ({len(data['questionnaires'])})")
    for q in data["questionnaires"]:
        table.add_row(q["key"], q["name"] + (" [example]" if q["example"] else ""), q["version"], q["organisation"], str(q["questions"]), str(q["responses"]),
                      q["last_response"] or "")  # fmt: skip
    out.print(table)


@surveys_app.command("add")
def survey_add(
    file: Annotated[Path, typer.Argument(help="A questionnaire file (TOML), in the shape of sara/casework/data/survey-perception-example.toml.")],
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add your partnership's questionnaire (a lead or an administrator); a version with responses cannot change."""
    from sara.services import surveys

    r = _run(as_json, db, acting, lambda ctx: surveys.add(ctx, file))
    if as_json:
        print_json(r)
        return
    for v in r["versions"]:
        out.print(f"{v['key']} {v['version']}: {v['status']} ({v['questions']} questions)", highlight=False)


@surveys_app.command("show")
def survey_show(
    key: Key,
    version: Annotated[str | None, typer.Option("--version", help="A version (default: the one in force today).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """A questionnaire's questions and what each answer may be."""
    from sara.casework.surveys import answer_words
    from sara.services import surveys

    v = _run(as_json, db, acting, lambda ctx: surveys.questionnaire(ctx, key, version=version))
    if as_json:
        print_json(v)
        return
    out.print(f"{v['name']} ({v['key']} {v['version']}, from {v['effective_from']})" + (" [an example, not a validated questionnaire]" if v["example"] else ""),
              highlight=False)  # fmt: skip
    for q in v["questions"]:
        out.print(f"  {q['key']}: {q['text']}\n    answer {answer_words(q['scale'])}", highlight=False)


@surveys_app.command("respond")
def survey_respond(
    key: Key,
    answers: Annotated[list[str] | None, typer.Option("--answer", help="QUESTION=ANSWER (repeat): the option's number or words, or a rating; sara survey show lists them.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="The ward or LSOA where it was taken (code or name).")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Or a point: longitude (the point places it in its LSOA and ward; it is not kept).")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="And latitude.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day taken (YYYY-MM-DD, default today).")] = None,
    wave: Annotated[str | None, typer.Option("--wave", help="The survey wave, e.g. 'before the clear phase'.")] = None,
    consent: Annotated[bool, typer.Option("--consent", help="The respondent agrees to be contacted (then --name and --contact are kept).")] = False,
    name: Annotated[str | None, typer.Option("--name", help="Their name (with --consent only).")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="Their phone, email or address (with --consent only).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record one response taken at the door."""
    from sara.services import surveys

    d = parse_date(on, "--on", as_json)
    given = {}
    for pair in answers or []:
        if "=" not in pair:
            fail(f"--answer {pair!r} is not QUESTION=ANSWER (e.g. safe_after_dark=2)", as_json)
        k, v = pair.split("=", 1)
        given[k.strip()] = v.strip()
    r = _run(as_json, db, acting, lambda ctx: surveys.respond(ctx, key, given, taken_on=d, area=area, lon=lon, lat=lat, wave=wave, consent=consent, name=name,
                                                              contact=contact))  # fmt: skip
    if as_json:
        print_json(r)
        return
    out.print(f"response {r['id']} to {r['questionnaire']} {r['version']} on {r['taken_on']} in ward {r['ward'] or '-'}, LSOA {r['lsoa'] or '-'}: "
              f"{len(r['answers'])} answers" + ("; contact details kept (consented)" if r["contact_kept"] else ""), highlight=False)  # fmt: skip


@surveys_app.command("import")
def survey_import(
    key: Key,
    file: Annotated[Path, typer.Argument(help="A CSV: date, area (or lon and lat), optional wave, id, consent, name, contact, and a column per question.")],
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Load responses from a CSV: every row loaded or rejected with its line and reason."""
    from sara.services import surveys

    r = _run(as_json, db, acting, lambda ctx: surveys.import_file(ctx, key, file))
    if as_json:
        print_json(r)
        return
    out.print(f"{r['file']}: {r['rows_read']} rows read, {r['loaded']} loaded, {r['rejected']} rejected" + (f"; {r['with_contact']} with consented contact details"
              if r["with_contact"] else ""), highlight=False)  # fmt: skip
    for x in r["rejected_rows"]:
        out.print(f"  line {x['line']}: {x['reason']}", highlight=False, soft_wrap=True)


@surveys_app.command("results")
def survey_results(
    key: Key,
    by: Annotated[str, typer.Option("--by", help="district, ward, lsoa or all.")] = "district",
    per: Annotated[str, typer.Option("--per", help="month, quarter, year, wave or all.")] = "quarter",
    area: Annotated[str | None, typer.Option("--area", help="Only the responses in this area (code or name).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="The version whose questions are shown (default: the newest).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Results by area and period: answers counted, the share (or mean) with its 95% interval, a warning when few answered."""
    from sara.services import surveys

    r = _run(as_json, db, acting, lambda ctx: surveys.results(ctx, key, by=by, per=per, area=area, version=version))
    if as_json:
        print_json(r)
        return
    q0 = r["questionnaire"]
    out.print(f"{q0['name']} ({q0['key']} {q0['version']}): {r['responses']} responses; {r['method']}", highlight=False)
    for q in r["questions"]:
        table = Table(r["by"], "period", "answers", q["reported"], "note", title=q["text"])
        for row in q["rows"]:
            note = ("few answers" if row["small"] and row["n"] else "") + (f"; {row['excluded']} don't know" if row["excluded"] else "")
            table.add_row(row["area_name"], row["period"], str(row["n"]), _figure(q, row), note.strip("; "))
        out.print(table)
    for n in r["notes"]:
        out.print(f"note: {n}", highlight=False)


@surveys_app.command("contacts")
def survey_contacts(key: Key, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """The respondents who agreed to be contacted, of your organisation (personal data: each read is audited)."""
    from sara.services import surveys

    r = _run(as_json, db, acting, lambda ctx: surveys.contacts(ctx, key))
    if as_json:
        print_json(r)
        return
    table = Table("response", "taken", "ward", "name", "contact", title=f"Respondents who agreed to be contacted ({len(r['contacts'])})")
    for c in r["contacts"]:
        table.add_row(str(c["response"]), c["taken_on"], c["ward"] or "", c["name"], c["contact"])
    out.print(table)
