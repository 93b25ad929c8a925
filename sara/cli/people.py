"""People and premises commands: `sara person ...`, `sara premises ...`, `sara complaint add`
and `sara case-review ...`.

Each acts as the user named by ``--as`` (or ``SARA_USER``) with the same permission checks as
the web app: a person or premises of another organisation is shown at the scope a live sharing
agreement gives, otherwise as a pseudonym with the organisations working with it, and every
view of personal data is audited with its ``--purpose``. Refusals exit 1 with the reason
(``{"error": ...}`` with ``--json``). The rules live in ``sara.casework``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, as_user, fail, out, parse_date, print_json, spell_fields

person_app = typer.Typer(help="Victims, suspects, witnesses and vulnerable persons: record, link to events, assess risk, find repeat victims.",
                         no_args_is_help=True)  # fmt: skip
premises_app = typer.Typer(help="Premises and the premises risk register (traffic light).", no_args_is_help=True)
complaint_app = typer.Typer(help="Complaints about ASB, as the ASB Case Review counts them.", no_args_is_help=True)
review_app = typer.Typer(help="ASB Case Reviews (Community Trigger): applications, threshold, reviews, the yearly figures.", no_args_is_help=True)
app.add_typer(person_app, name="person")
app.add_typer(premises_app, name="premises")
app.add_typer(complaint_app, name="complaint")
app.add_typer(review_app, name="case-review")

# The people and premises services' fields whose option is spelled otherwise (the others are
# found on the running command by name).
spell_fields(("person", "premises", "complaint", "case-review"), {"event_ids": "--event", "premises_type": "--type"})

Ref = Annotated[str, typer.Argument(help="The record's reference, e.g. PER-2026-0001.")]
Purpose = Annotated[str, typer.Option("--purpose", help="Why you are reading personal data (kept in the audit trail).")]
On = Annotated[str | None, typer.Option("--on", help="The date (YYYY-MM-DD; default today).")]
Event = Annotated[list[int] | None, typer.Option("--event", help="An event id to link (repeat).")]


def _label(v: dict) -> str:
    return v.get("id") or v.get("pseudonym", "")


def _print_record(v: dict, as_json: bool) -> None:
    if as_json:
        print_json(v)
        return
    shown = {k: x for k, x in v.items() if x not in (None, [], {}, "") and k not in ("risk",)}
    out.print(f"[bold]{_label(v)}[/bold] ({v['scope']} view)", highlight=False)
    for k, x in shown.items():
        if k not in ("id", "pseudonym", "scope"):
            out.print(f"  {k.replace('_', ' ')}: {', '.join(x) if isinstance(x, list) else x}", highlight=False)
    for r in (v.get("risk") or {}).get("reasons", []):
        out.print(f"  risk: {r['text']}", highlight=False)
    if v.get("risk"):
        out.print(f"  rating: {v['risk']['why']}", highlight=False)


def _people_table(rows: list[dict], title: str) -> Table:
    t = Table("person", "scope", "category", "age band", "ward", "working with", title=title)
    for v in rows:
        t.add_row(_label(v), v["scope"], v.get("category") or "", v.get("age_band") or "", v.get("ward") or "", ", ".join(v["working_with"]))
    return t


# ------------------------------------------------------------------ person


@person_app.command("add")
def person_add(
    name: Annotated[str, typer.Argument(help="The name your organisation records.")],
    category: Annotated[str, typer.Option("--category", help="victim, suspect, witness or vulnerability.")],
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth YYYY-MM-DD (needed for age checks and to tell people apart).")] = None,
    source_ref: Annotated[str | None, typer.Option("--source-ref", help="Their id in your own system (events' victim_ref / suspect_ref).")] = None,
    address: Annotated[str | None, typer.Option("--address")] = None,
    ward: Annotated[str | None, typer.Option("--ward")] = None,
    flag: Annotated[list[str] | None, typer.Option("--flag", help="A vulnerability marker, e.g. disability, isolated (repeat).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Record a person for your organisation (a duplicate is refused, naming the record)."""
    from sara.casework import people

    birth = parse_date(dob, "--dob", as_json)
    _print_record(as_user(as_json, db, acting, lambda e, a: people.add_person(e, a, name, category, dob=birth, source_ref=source_ref, address=address,
                                                                           ward=ward, flags=flag or ())), as_json)  # fmt: skip


@person_app.command("show")
def person_show(ref: Ref, purpose: Purpose = "casework", acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """A person, at the scope your organisation may see (audited)."""
    from sara.casework import people

    _print_record(as_user(as_json, db, acting, lambda e, a: people.show_person(e, a, ref, purpose=purpose)), as_json)


@person_app.command("list")
def person_list(
    category: Annotated[str | None, typer.Option("--category")] = None, purpose: Purpose = "casework", acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Everyone you may see, each at their scope (audited)."""
    from sara.casework import people

    rows = as_user(as_json, db, acting, lambda e, a: people.list_people(e, a, category=category, purpose=purpose))
    if as_json:
        print_json({"count": len(rows), "people": rows})
    else:
        out.print(_people_table(rows, f"People ({len(rows)})"))


@person_app.command("search")
def person_search(
    query: Annotated[str, typer.Argument(help="Text to find in the fields you may see.")], purpose: Purpose = "casework", acting: As = None, db: Db = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """People whose visible fields contain the text (hidden fields never match)."""
    from sara.casework import people

    rows = as_user(as_json, db, acting, lambda e, a: people.search_people(e, a, query, purpose=purpose))
    if as_json:
        print_json({"count": len(rows), "people": rows})
    else:
        out.print(_people_table(rows, f"People matching {query!r} ({len(rows)})"))


@person_app.command("export")
def person_export(
    csv: Annotated[Path, typer.Option("--csv", help="The CSV file to write ('-' for standard output).")], purpose: Purpose = "casework", acting: As = None,
    db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Write the people you may export, at their scopes, to CSV (each row audited as an export; spreadsheet formulas neutralised)."""
    from sara.casework import people
    from sara.report.export import STDOUT, write_csv

    r = as_user(as_json, db, acting, lambda e, a: people.export_people(e, a, purpose=purpose))
    n = write_csv(csv, r["columns"], r["rows"])
    if str(csv) == STDOUT:
        return
    if as_json:
        print_json({"rows": n, "csv": str(csv)})
    else:
        out.print(f"wrote {n} people to {csv}", highlight=False)


@person_app.command("link")
def person_link(
    ref: Ref,
    role: Annotated[str, typer.Option("--role", help="victim, suspect, offender, witness or vulnerable.")],
    event: Event = None,
    by_source_ref: Annotated[bool, typer.Option("--by-source-ref", help="Link every event whose victim_ref/suspect_ref is their source reference.")] = False,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Link events to a person."""
    from sara.casework import people

    r = as_user(as_json, db, acting, lambda e, a: people.link_events(e, a, ref, role, event_ids=event or (), by_source_ref=by_source_ref))
    print_json(r) if as_json else out.print(f"{r['person']}: {r['linked']} events linked as {r['role']} ({r['already_linked']} already)", highlight=False)


@person_app.command("work-with")
def person_work_with(
    ref: Ref, role: Annotated[str, typer.Option("--role", help="What your organisation does with them.")], acting: As = None, db: Db = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """Say your organisation works with another organisation's person (partners then see you listed)."""
    from sara.casework import people

    _print_record(as_user(as_json, db, acting, lambda e, a: people.work_with(e, a, ref, role)), as_json)


@person_app.command("assess")
def person_assess(
    ref: Ref,
    answer: Annotated[list[str], typer.Option("--answer", help="KEY=yes|no|N, one per question (repeat); `sara person questions` lists them.")],
    instrument: Annotated[str, typer.Option("--instrument")] = "asb_victim",
    on: On = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Score a risk questionnaire for a person: band, the points behind it, the reviews it sets."""
    from sara.casework import instruments, risk

    when = parse_date(on, "--on", as_json)
    r = as_user(as_json, db, acting, lambda e, a: risk.assess(e, a, ref, instruments.parse_answers(answer), on=when, instrument=instrument))
    if as_json:
        print_json(r)
        return
    out.print(f"{r['person']}: {r['band']} (score {r['score']:g}, {r['instrument']} {r['version']})", highlight=False)
    for x in r["reasons"]:
        out.print(f"  {x['question']} = {x['answer']}: {x['points']:g}", highlight=False)
    for x in r["reviews"]:
        out.print(f"  review by {x['by'].replace('_', ' ')} due {x['due']}", highlight=False)


@person_app.command("questions")
def person_questions(instrument: Annotated[str, typer.Option("--instrument")] = "asb_victim", on: On = None, as_json: Json = False) -> None:
    """The questions, weights, bands and review cadence of the risk questionnaire in force."""
    from sara.casework import instruments

    try:
        inst = instruments.questionnaire(instrument, parse_date(on, "--on", as_json))
    except ValueError as exc:
        fail(str(exc), as_json)
    if as_json:
        print_json({k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in inst.items()})
        return
    t = Table("key", "question", "weight", title=f"{inst['name']} (version {inst['version']}; verified: {inst['verified']})")
    for q in inst["questions"]:
        t.add_row(q["key"], q["text"], f"{q['weight']} per point, 0..{q['scale']}" if "scale" in q else str(q["weight"]))
    out.print(t)
    out.print("bands: " + ", ".join(f"{b['band']} from {b['min_score']}" for b in inst["bands"]), highlight=False)


@person_app.command("reviews")
def person_reviews(
    within: Annotated[int, typer.Option("--within", help="Days ahead to look.")] = 14, on: On = None, purpose: Purpose = "risk reviews due",
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Risk reviews due soon or overdue, earliest first."""
    from sara.casework import risk

    when = parse_date(on, "--on", as_json)
    rows = as_user(as_json, db, acting, lambda e, a: risk.reviews_due(e, a, at=when, within_days=within, purpose=purpose))
    if as_json:
        print_json(rows)
        return
    t = Table("due", "person", "band", "reviewer", "overdue", title="Risk reviews due")
    for r in rows:
        t.add_row(r["due"], _label(r["person"]), r.get("band", ""), r["reviewer"], "[red]OVERDUE[/red]" if r["overdue"] else "")
    out.print(t)


@person_app.command("repeats")
def person_repeats(
    threshold: Annotated[int, typer.Option("--threshold", help="Events in one window that make a repeat victim.")] = 3,
    days: Annotated[float, typer.Option("--days", help="Window in days, when every event has a date and time.")] = 365,
    months: Annotated[int, typer.Option("--months", help="Window in calendar months, when events carry only a month.")] = 12,
    on: On = None, purpose: Purpose = "repeat victims", acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Repeat victims by your rule (default 3 or more incidents in 12 months)."""
    from sara.casework import people

    when = parse_date(on, "--on", as_json)
    r = as_user(as_json, db, acting, lambda e, a: people.repeat_victims(e, a, threshold=threshold, window_days=days, months=months, purpose=purpose, today=when))
    if as_json:
        print_json(r)
        return
    t = Table("person", "scope", "events", "most in one window", "working with", title=f"Repeat victims ({r['rule'] or 'no rule run'})")
    for row in r["rows"]:
        t.add_row(_label(row["person"]), row["person"]["scope"], str(row["events"]), str(row["max_in_window"]), ", ".join(row["person"]["working_with"]))
    out.print(t)


# ------------------------------------------------------------------ premises


@premises_app.command("add")
def premises_add(
    address: Annotated[str, typer.Argument(help="The address.")],
    postcode: Annotated[str | None, typer.Option("--postcode")] = None,
    uprn: Annotated[str | None, typer.Option("--uprn", help="Unique Property Reference Number, where known.")] = None,
    type_: Annotated[str, typer.Option("--type", help="dwelling, flat, hmo, licensed, shop, commercial, vacant or other.")] = "dwelling",
    source_ref: Annotated[str | None, typer.Option("--source-ref", help="Its id in your own system (events' premises_ref).")] = None,
    lon: Annotated[float | None, typer.Option("--lon")] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    ward: Annotated[str | None, typer.Option("--ward")] = None,
    vulnerable: Annotated[bool, typer.Option("--vulnerable-occupant", help="A vulnerable person lives there.")] = False,
    cuckooing: Annotated[bool, typer.Option("--cuckooing", help="There is a concern the home is cuckooed.")] = False,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Record a premises for your organisation (a duplicate is refused, naming the record)."""
    from sara.casework import premises

    _print_record(as_user(as_json, db, acting, lambda e, a: premises.add_premises(
        e, a, address, premises_type=type_, postcode=postcode, uprn=uprn, source_ref=source_ref, lon=lon, lat=lat, ward=ward,
        vulnerable_occupant=vulnerable, cuckooing_concern=cuckooing)), as_json)  # fmt: skip


@premises_app.command("show")
def premises_show(ref: Ref, on: On = None, purpose: Purpose = "casework", acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """A premises at your scope, with its rating and the reasons for it (audited)."""
    from sara.casework import premises

    when = parse_date(on, "--on", as_json)
    _print_record(as_user(as_json, db, acting, lambda e, a: premises.show_premises(e, a, ref, purpose=purpose, at=when)), as_json)


@premises_app.command("update")
def premises_update(
    ref: Ref,
    vulnerable: Annotated[bool | None, typer.Option("--vulnerable-occupant/--no-vulnerable-occupant")] = None,
    cuckooing: Annotated[bool | None, typer.Option("--cuckooing/--no-cuckooing")] = None,
    expect_version: Annotated[int | None, typer.Option("--expect-version", help="Refuse if it is no longer at this version.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Change the facts the register weighs (owning organisation only)."""
    from sara.casework import premises

    _print_record(as_user(as_json, db, acting, lambda e, a: premises.update_premises(e, a, ref, expect_version=expect_version, vulnerable_occupant=vulnerable,
                                                                                  cuckooing_concern=cuckooing)), as_json)  # fmt: skip


@premises_app.command("link")
def premises_link(
    ref: Ref, event: Event = None,
    by_source_ref: Annotated[bool, typer.Option("--by-source-ref", help="Link every event whose premises_ref is its source reference.")] = False,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Link events (calls, crimes) to a premises."""
    from sara.casework import premises

    r = as_user(as_json, db, acting, lambda e, a: premises.link_events(e, a, ref, event_ids=event or (), by_source_ref=by_source_ref))
    print_json(r) if as_json else out.print(f"{r['premises']}: {r['linked']} events linked ({r['already_linked']} already)", highlight=False)


TRAFFIC_LIGHT = {"red": "#d4351c", "amber": "#f47738", "green": "#00703c"}


def _register_map(path: Path, r: dict, db: str | None) -> None:
    """The premises the reader sees in full and that have coordinates, as traffic-light dots
    over the loaded boundaries around them, named."""
    import numpy as np

    from sara.cli.base import engine_from
    from sara.geo import transform
    from sara.report.pictures import points_map
    from sara.services import Context
    from sara.services.places import boundaries

    shown = [v for v in r["rows"] if v["scope"] == "full" and v.get("lon") is not None]
    if not shown:
        raise ValueError("no premises to map: none you see in full has coordinates (give --lon/--lat when adding them)")
    x, y = transform(np.array([v["lon"] for v in shown]), np.array([v["lat"] for v in shown]), "EPSG:4326", "EPSG:27700")
    left = len(r["rows"]) - len(shown)
    margin = 400.0
    areas = boundaries(Context(engine_from(db)), "EPSG:27700", (x.min() - margin, y.min() - margin, x.max() + margin, y.max() + margin))
    points_map(path, x, y, [v["risk_band"] for v in shown], [f"{v['id']} ({v['risk']['score']})" for v in shown], colours=TRAFFIC_LIGHT, margin=margin, areas=areas,
               title=f"Premises risk register at {r['at']}",
               subtitle=f"register version {r['register_version']}; label: reference (score)" + (f"; {left} not mapped (no coordinates, or not yours to see)" if left else ""))  # fmt: skip


@premises_app.command("register")
def premises_register(
    band: Annotated[str | None, typer.Option("--band", help="Only red, amber or green.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Map the premises you see in full, coloured by band, to this PNG file.")] = None,
    on: On = None, purpose: Purpose = "premises risk register", acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The premises risk register: red first, each rating explained."""
    from sara.casework import premises

    when = parse_date(on, "--on", as_json)
    r = as_user(as_json, db, acting, lambda e, a: premises.register(e, a, at=when, band=band, purpose=purpose))
    if png is not None:
        try:
            _register_map(png, r, db)
        except ValueError as exc:
            fail(str(exc), as_json)
    if as_json:
        print_json(r)
        return
    colour = {"red": "red", "amber": "yellow", "green": "green"}
    t = Table("premises", "address", "band", "score", "why", title=f"Premises risk register at {r['at']} (version {r['register_version']})")
    for v in r["rows"]:
        rating = v.get("risk") or {}
        b = v.get("risk_band", "")
        t.add_row(_label(v), v.get("address", ""), f"[{colour.get(b, 'white')}]{b}[/]" if b else "", str(rating.get("score", "")),
                  "; ".join(x["text"] for x in rating.get("reasons", [])))  # fmt: skip
    out.print(t)


# ------------------------------------------------------------------ complaints and case reviews


@complaint_app.command("add")
def complaint_add(
    ref: Ref,
    behaviour_on: Annotated[str, typer.Option("--behaviour-on", help="When the behaviour happened (YYYY-MM-DD).")],
    complained_on: Annotated[str, typer.Option("--complained-on", help="When the complaint was made to your organisation.")],
    incident: Annotated[str | None, typer.Option("--incident", help="A reference shared by every agency told of the same incident (counted once).")] = None,
    event: Annotated[int | None, typer.Option("--event", help="The event it was recorded as.")] = None,
    hate: Annotated[bool, typer.Option("--hate", help="A hate incident.")] = False,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Record a complaint about ASB made to your organisation by a person."""
    from sara.casework import case_review

    b, c = parse_date(behaviour_on, "--behaviour-on", as_json), parse_date(complained_on, "--complained-on", as_json)
    r = as_user(as_json, db, acting, lambda e, a: case_review.record_complaint(e, a, ref, behaviour_on=b, complained_on=c, incident_ref=incident, event_id=event,
                                                                            hate=hate))  # fmt: skip
    print_json(r) if as_json else out.print(f"complaint {r['id']} recorded for {r['person']}", highlight=False)


Threshold = Annotated[int, typer.Option("--threshold", help="Qualifying complaints that meet the threshold (1-3; the Act's default 3).")]
HateRule = Annotated[bool, typer.Option("--hate-rule", help="Local rule: one hate incident meets the threshold.")]


@review_app.command("count")
def review_count(
    ref: Ref, on: On = None, threshold: Threshold = 3, hate_rule: HateRule = False, purpose: Purpose = "ASB case review",
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Qualifying complaints of a person for an application made on a date, against the threshold."""
    from sara.casework import case_review

    when = parse_date(on, "--on", as_json)
    r = as_user(as_json, db, acting, lambda e, a: case_review.count(e, a, ref, on=when, threshold=threshold, hate_counts_as_threshold=hate_rule, purpose=purpose))
    if as_json:
        print_json(r)
        return
    out.print(f"{_label(r['person'])}: {r['qualifying']} qualifying complaints on {r['on']}; threshold {r['threshold']} "
              f"{'met' if r['threshold_met'] else 'not met'}", highlight=False)  # fmt: skip
    for x in r.get("left_out", []):
        out.print(f"  complaint {x['id']} not counted: {x['reason']}", highlight=False)


@review_app.command("apply")
def review_apply(
    ref: Ref,
    received_on: Annotated[str, typer.Option("--received-on", help="When the application was received (YYYY-MM-DD).")],
    threshold: Threshold = 3,
    hate_rule: HateRule = False,
    on_behalf: Annotated[bool, typer.Option("--on-behalf", help="Made by someone on the victim's behalf.")] = False,
    consent: Annotated[bool, typer.Option("--consent", help="The victim consented to an application on their behalf.")] = False,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Receive an ASB Case Review application at your organisation and decide the threshold."""
    from sara.casework import case_review

    when = parse_date(received_on, "--received-on", as_json)
    r = as_user(as_json, db, acting, lambda e, a: case_review.apply(e, a, ref, received_on=when, threshold=threshold, on_behalf=on_behalf, consent=consent,
                                                                 hate_counts_as_threshold=hate_rule))  # fmt: skip
    _print_review(r, as_json)


def _print_review(r: dict, as_json: bool) -> None:
    if as_json:
        print_json(r)
        return
    out.print(f"{r['reference']} ({r['received_by']}, received {r['received_on']}): {r['qualifying']} qualifying of {r['threshold']} - {r['state']}",
              highlight=False)  # fmt: skip


@review_app.command("review")
def review_held(
    reference: Annotated[str, typer.Argument(help="The case review, e.g. ACR-2026-0001.")],
    held_on: Annotated[str, typer.Option("--held-on", help="When the review meeting was held.")],
    recommendations: Annotated[int, typer.Option("--recommendations", help="How many recommendations it made (0 for none).")],
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Record the review meeting and its recommendations."""
    from sara.casework import case_review

    when = parse_date(held_on, "--held-on", as_json)
    _print_review(as_user(as_json, db, acting, lambda e, a: case_review.hold_review(e, a, reference, held_on=when, recommendations=recommendations)), as_json)


@review_app.command("figures")
def review_figures(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day, inclusive.")],
    org: Annotated[str | None, typer.Option("--org", help="One relevant body (default: every organisation).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """The four figures relevant bodies publish each year (counts only)."""
    from sara.casework import case_review

    first, last = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    r = as_user(as_json, db, acting, lambda e, a: case_review.figures(e, a, first, last, organisation=org))
    if as_json:
        print_json(r)
        return
    t = Table("figure", "count", title=f"ASB Case Reviews {r['from']} to {r['to']} ({r['organisation']})")
    for k in ("applications_received", "threshold_not_met", "reviews_carried_out", "reviews_with_recommendations"):
        t.add_row(k.replace("_", " "), str(r[k]))
    out.print(t)
