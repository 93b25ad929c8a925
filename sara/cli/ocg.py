"""Organised crime group commands: `sara ocg ...`.

``add``, ``member``, ``area``, ``score``, ``review``, ``disruption``, ``list``, ``show REF`` and
``profile [--partner]`` (the SOC local profile per ward, ``--html``/``--pdf``/``--xlsx``). Each
acts as the user named by ``--as`` and calls one function of ``sara.services.ocg``: groups are
police intelligence (police analysts, problem owners and leads read them; the force's problem
owners and leads write them); the partner profile is for any signed-in partner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, fail, in_context, out, parse_date, print_json, spell_fields

ocg_app = typer.Typer(help="Organised crime groups, street gangs and county lines: members, areas, scores, reviews, disruptions; the SOC ward profile.",
                      no_args_is_help=True)  # fmt: skip
app.add_typer(ocg_app, name="ocg")

spell_fields("ocg", {"person": "PERSON", "from_date": "--from", "to_date": "--to", "event_ids": "--event", "intervention_refs": "--intervention",
                      "areas": "--area", "lead": "--lead", "note": "--note"})  # fmt: skip

Ref = Annotated[str, typer.Argument(help="The group, e.g. OCG-2026-0001 (sara ocg list).")]


def _run(as_json: bool, db: str | None, acting: str | None, call):
    return in_context(as_json, db, acting, call)


@ocg_app.command("add")
def ocg_add(
    name: Annotated[str, typer.Argument(help="The name the group is known by.")],
    kind: Annotated[str, typer.Option("--kind", help="ocg (organised crime group), usg (urban street gang) or county_line.")],
    lead: Annotated[str | None, typer.Option("--lead", help="Username of the lead responsible officer (default: you).")] = None,
    areas: Annotated[list[str] | None, typer.Option("--area", help="An area it operates in: ward, LSOA or district code or name (repeat).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What is known of it, in a sentence.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Map a group for your force (a problem owner or lead of a police organisation)."""
    from sara.services import ocg

    g = _run(as_json, db, acting, lambda ctx: ocg.add(ctx, name, kind, lead=lead, description=description, areas=areas or []))
    print_json(g) if as_json else out.print(f"{g['id']}: {g['name']} ({g['kind_name']}), lead {g['lead']}, first review due {g['next_review_due']}", highlight=False)


@ocg_app.command("member")
def ocg_member(
    reference: Ref,
    person: Annotated[str, typer.Argument(help="The recorded person, e.g. PER-2025-0007 (sara person list).")],
    role: Annotated[str, typer.Option("--role", help="Their role in the group, e.g. 'line holder', 'runner', 'enabler: money'.")] = "",
    start: Annotated[str | None, typer.Option("--from", help="The day they joined (YYYY-MM-DD, default today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="The day they left (YYYY-MM-DD); on a current member, ends the membership.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add a recorded person to a group with their role (or end their membership with --to)."""
    from sara.services import ocg

    s, e = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    m = _run(as_json, db, acting, lambda ctx: ocg.member(ctx, reference, person, role, from_date=s, to_date=e))
    print_json(m) if as_json else out.print(f"{m['person']} in {m['group']} as {m['role']} from {m['from']}" + (f" to {m['to']}" if m["to"] else ""), highlight=False)


@ocg_app.command("area")
def ocg_area(reference: Ref, area: Annotated[str, typer.Argument(help="A ward, LSOA or district code or name.")], acting: As = None, db: Db = None,
             as_json: Json = False) -> None:  # fmt: skip
    """Say a group operates in another area."""
    from sara.services import ocg

    g = _run(as_json, db, acting, lambda ctx: ocg.area(ctx, reference, area))
    print_json(g) if as_json else out.print(f"{g['id']} operates in {', '.join(a['name'] for a in g['areas'])}", highlight=False)


@ocg_app.command("score")
def ocg_score(
    reference: Ref,
    answers: Annotated[list[str] | None, typer.Option("--answer", help="FACTOR=N for every factor (repeat), e.g. --answer intent=3; sara ocg score --factors lists them.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day scored (YYYY-MM-DD, default today).")] = None,
    instrument: Annotated[str, typer.Option("--instrument", help="The instrument's key.")] = "morile_ocg",
    factors: Annotated[bool, typer.Option("--factors", help="List the instrument's factors and scales instead of scoring.")] = False,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Score a group with the MoRiLE-shaped instrument: threat, harm, risk and confidence, each answer kept."""
    from sara.casework.instruments import parse_answers
    from sara.services import ocg

    if factors:
        inst = _run(as_json, db, acting, lambda ctx: ocg.instrument(ctx, instrument))
        if as_json:
            print_json(inst)
            return
        out.print(f"{inst['name']} {inst['version']}" + ("" if inst["verified"] else " (an example: verified = false)"), highlight=False)
        for f in inst["factors"]:
            out.print(f"  {f['key']} ({f['dimension']}): {f['label']}; 0..{f['scale']} x {f['weight']}" + (f" [{', '.join(f['levels'])}]" if f.get("levels") else ""),
                      highlight=False)  # fmt: skip
        return
    d = parse_date(on, "--on", as_json)
    try:
        parsed = parse_answers(answers or [])
    except ValueError as exc:
        fail(f"--answer: {exc}", as_json)
    s = _run(as_json, db, acting, lambda ctx: ocg.score(ctx, reference, parsed, on=d, instrument=instrument))
    if as_json:
        print_json(s)
        return
    totals = ", ".join(f"{k} {v:g}" for k, v in s["totals"].items())
    out.print(f"{s['group']}: score {s['score']:g} ({s['band']}); {totals}" + (f"; confidence {s['confidence_band']}" if "confidence_band" in s else "")
              + ("" if s["verified"] else f" [{s['instrument']} {s['version']} is an example, not verified]"), highlight=False)  # fmt: skip


@ocg_app.command("review")
def ocg_review(
    reference: Ref,
    note: Annotated[str, typer.Option("--note", help="What the review found and decided.")] = "",
    on: Annotated[str | None, typer.Option("--on", help="The day of the review (YYYY-MM-DD, default today).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a group's review; the next falls due six weeks later (SARA_OCG_REVIEW_DAYS)."""
    from sara.services import ocg

    d = parse_date(on, "--on", as_json)
    r = _run(as_json, db, acting, lambda ctx: ocg.review(ctx, reference, note, on=d))
    print_json(r) if as_json else out.print(f"{r['group']} reviewed {r['done_on']}; next review due {r['next_due']}", highlight=False)


@ocg_app.command("disruption")
def ocg_disruption(
    reference: Ref,
    kind: Annotated[str, typer.Option("--kind", help="arrest, charge, conviction, order or warrant.")],
    on: Annotated[str | None, typer.Option("--on", help="The day (YYYY-MM-DD, default today).")] = None,
    person: Annotated[str | None, typer.Option("--person", help="The member disrupted (PER-YYYY-NNNN).")] = None,
    events: Annotated[list[int] | None, typer.Option("--event", help="A linked event's id (repeat).")] = None,
    interventions: Annotated[list[str] | None, typer.Option("--intervention", help="A linked intervention (INT-YYYY-NNNN; repeat).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="What happened.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a disruption of a group, linked to events and interventions."""
    from sara.services import ocg

    d = parse_date(on, "--on", as_json)
    r = _run(as_json, db, acting, lambda ctx: ocg.disruption(ctx, reference, kind, on=d, person=person, events=events or [], interventions=interventions or [],
                                                             note=note))  # fmt: skip
    print_json(r) if as_json else out.print(f"{r['group']}: {r['kind']} on {r['on']} (disruption {r['id']})", highlight=False)


@ocg_app.command("list")
def ocg_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Your force's groups with their scores and review status, and the priority individuals serving several."""
    from sara.services import ocg

    data = _run(as_json, db, acting, ocg.list_groups)
    if as_json:
        print_json(data)
        return
    table = Table("group", "name", "kind", "lead", "members", "score", "next review", "disruptions", title=f"Groups ({len(data['groups'])})")
    for g in data["groups"]:
        table.add_row(g["id"], g["name"], g["kind_name"], g["lead"] or "", str(g["members"]), f"{g['score']:g} ({g['band']})" if g["score"] is not None else "not scored",
                      (g["next_review_due"] or "") + (" OVERDUE" if g["review_overdue"] else ""), str(g["disruptions"]))  # fmt: skip
    out.print(table)
    for e in data["enablers"]:
        who = e["person"].get("name") or e["person"].get("pseudonym") or e["person"].get("id")
        groups = ", ".join(f"{g['id']} ({g['role']})" for g in e["groups"])
        out.print(f"priority individual: {who} in {groups}", highlight=False)


@ocg_app.command("show")
def ocg_show(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """One group: members, areas, every score with each answer, reviews and disruptions."""
    from sara.services import ocg

    g = _run(as_json, db, acting, lambda ctx: ocg.show(ctx, reference))
    if as_json:
        print_json(g)
        return
    out.print(f"{g['id']}: {g['name']} ({g['kind_name']}, {g['organisation']}), lead {g['lead']}", highlight=False)
    areas = ", ".join(f"{a['name']} ({a['code']})" for a in g["areas"])
    out.print(f"areas: {areas or 'none'}", highlight=False)
    for m in g["members_list"]:
        p = m["person"]
        out.print(f"  member {p.get('id') or p.get('pseudonym')} {p.get('name', '')}: {m['role']} from {m['from']}" + (f" to {m['to']}" if m["to"] else "")
                  + (" [enabler]" if m["enabler"] else ""), highlight=False)  # fmt: skip
    for s in g["scores"]:
        out.print(f"  score {s['scored_on']}: {s['score']:g} ({s['band']}) {s['instrument']} {s['version']}: "
                  + ", ".join(f"{f['factor']}={f['answer']}" for f in s["factors"]), highlight=False)  # fmt: skip
    for r in g["reviews"]:
        out.print(f"  review due {r['due']}" + (f", done {r['done_on']} by {r['by']}: {r['note']}" if r["done_on"] else (" OVERDUE" if r["overdue"] else "")), highlight=False)
    for d in g["disruption_list"]:
        out.print(f"  {d['kind']} {d['on']}" + (f" of {d['person']}" if d["person"] else "") + (f"; events {d['events']}" if d["events"] else "")
                  + (f"; interventions {', '.join(d['interventions'])}" if d["interventions"] else ""), highlight=False)  # fmt: skip


@ocg_app.command("profile")
def ocg_profile(
    partner: Annotated[bool, typer.Option("--partner", help="The partner version: no personal data, no group names.")] = False,
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM (default: twelve months before the last loaded).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM (default: the last loaded).")] = None,
    deprivation: Annotated[Path | None, typer.Option("--deprivation", help="A CSV of ward codes and a deprivation value (IMD score, rank or decile); default: the deprivation area attribute loaded per ward.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the profile as a standalone HTML document.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the profile as PDF.")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Write the profile's tables as an Excel workbook.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The SOC local profile: wards ranked by the harm of crimes associated with organised crime, with the groups active and deprivation."""
    from sara.cli.report.chb import _documents
    from sara.services import ocg

    def run(ctx):
        pack = ocg.profile(ctx, partner=partner, start=start, end=end, deprivation=str(deprivation) if deprivation else None)
        return pack, _documents(pack, html, pdf, xlsx)

    pack, written = _run(as_json, db, acting, run)
    if as_json:
        print_json(pack.to_json())
        return
    t = pack.tables["soc_wards"]
    table = Table(*t.columns, title=f"{pack.title}: {pack.subtitle} (top 20 of {len(t.rows)})")
    for row in t.rows[:20]:
        table.add_row(*("" if v is None else f"{v:,}" if isinstance(v, int | float) else str(v) for v in row))
    out.print(table)
    for p in pack.sections[-1].paragraphs:
        out.print(p, highlight=False)
    for path in written:
        out.print(f"wrote {path}", highlight=False, soft_wrap=True)
