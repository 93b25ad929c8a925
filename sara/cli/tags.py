"""Commands: tags. ``sara tags load|wearer add|wearer list|compare``: GPS tag trails of
electronic monitoring against crimes (PCC scrutiny report §7.10). Trail data is personal data:
police and probation users only (--as), every comparison audited with its --purpose. Hits
are leads, not evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, app, fail, in_context, out, parse_date, print_json, spell_fields

tags_app = typer.Typer(help="GPS tag trails against crimes: load trails, record wearers, compare crimes with every trail.", no_args_is_help=True)
app.add_typer(tags_app, name="tags")
wearer_app = typer.Typer(help="Tag wearers: the person, the monitoring period and its criteria.", no_args_is_help=True)
tags_app.add_typer(wearer_app, name="wearer")

spell_fields("tags", {"date_from": "--from", "date_to": "--to", "metres": "--distance", "monitoring_from": "--from", "monitoring_to": "--to"})
Purpose = Annotated[str, typer.Option("--purpose", help="Why you are reading the trails (kept in the audit trail).")]


@tags_app.command("load")
def tags_load(
    paths: Annotated[list[str], typer.Argument(help="CSV trail exports, folders or zip archives.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="TOML mapping: the events mapping format with wearer (and accuracy) under [columns].")],
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Load GPS trail exports as your organisation's (police or probation, --as)."""
    from sara.services import tags

    report = in_context(as_json, db, acting, lambda ctx: tags.load(ctx, paths, str(mapping)))
    if as_json:
        print_json(report)
    else:
        for f in report["files"]:
            if f.get("refused"):
                out.print(f"{f['path']}: refused: {f['refused']}", highlight=False)
            else:
                out.print(f"{f['path']}: {f['rows_read']:,} read, {f['inserted']:,} stored, {f['unchanged']:,} already held, {f['quarantined']:,} quarantined",
                          highlight=False)  # fmt: skip
        for reason, n in report["quarantined_by_reason"].items():
            out.print(f"quarantined {n:,}: {reason}", highlight=False)
        if report["wearers_without_person"]:
            out.print("wearers with no recorded person: " + ", ".join(report["wearers_without_person"]) + " (link: sara tags wearer add REF --person PER-...)",
                      highlight=False)  # fmt: skip
    if report["missing"] or any(f.get("refused") for f in report["files"]):
        for m in report["missing"]:
            out.print(f"{m['path']}: {m['error']}", highlight=False) if not as_json else None
        raise typer.Exit(1)


@wearer_app.command("add")
def wearer_add(
    reference: Annotated[str, typer.Argument(help="The tag or wearer reference of the trail exports.")],
    person: Annotated[str | None, typer.Option("--person", help="The recorded person (PER-YYYY-NNNN).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Monitoring from (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Monitoring to, inclusive (YYYY-MM-DD).")] = None,
    criteria: Annotated[str | None, typer.Option("--criteria", help="The criteria the tag was imposed under.")] = None,
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Record a wearer, or change one: its person, monitoring period and criteria."""
    from sara.services import tags

    a, b = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    w = in_context(as_json, db, acting, lambda ctx: tags.add_wearer(ctx, reference, person=person, monitoring_from=a, monitoring_to=b, criteria=criteria))
    if as_json:
        print_json(w)
    else:
        out.print(_wearer_line(w), highlight=False)


def _wearer_line(w: dict) -> str:
    person = w["person"]["shown"] if w["person"] else "no recorded person"
    until = f"until {w['monitoring_to'][:16].replace('T', ' ')} UTC" if w["monitoring_to"] else "still"
    return f"{w['wearer']}: {person}; monitored from {(w['monitoring_from'] or '?')[:16].replace('T', ' ')} {until}; {w['points']:,} fixes" + (f"; criteria: {w['criteria']}" if w["criteria"] else "")


@wearer_app.command("list")
def wearer_list(purpose: Purpose = "tag wearer list", db: Db = None, as_json: Json = False, acting: As = None) -> None:
    """The wearers you may see, with their person as you may see them (audited)."""
    from sara.services import tags

    rows = in_context(as_json, db, acting, lambda ctx: tags.wearers(ctx, purpose=purpose))
    if as_json:
        print_json(rows)
        return
    for w in rows:
        out.print(_wearer_line(w), highlight=False)
    if not rows:
        out.print("no wearers", highlight=False)


@tags_app.command("compare")
def tags_compare(
    category: Annotated[list[str], typer.Option("--category", help="Crime category to compare (repeat for more), e.g. Burglary.")],
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD, local).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD, local).")],
    purpose: Purpose,
    distance: Annotated[float, typer.Option("--distance", help="Metres from the crime (default 100).")] = 100.0,
    minutes: Annotated[float, typer.Option("--minutes", help="Minutes either side of the crime's window (default 30).")] = 30.0,
    zone: Annotated[str, typer.Option("--zone", help="Time zone of the crimes' times (default Europe/London).")] = "Europe/London",
    db: Db = None,
    as_json: Json = False,
    acting: As = None,
) -> None:
    """Compare crimes with every trail you may read: a hit is a fix within --distance metres during
    the crime's window widened by --minutes. Hits are leads, not evidence (audited)."""
    from sara.services import tags

    a, b = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    if a is None or b is None:
        fail("give --from and --to", as_json)
    r = in_context(as_json, db, acting, lambda ctx: tags.compare(ctx, categories=category, date_from=a, date_to=b, metres=distance, minutes=minutes,
                                                                 purpose=purpose, zone=zone))  # fmt: skip
    if as_json:
        print_json(r)
        return
    out.print(r["summary"], highlight=False)
    for h in r["hits"]:
        who = h["person"]["shown"] if h["person"] else "no recorded person"
        out.print(f"  {h['event']} ({h['category']}, {h['occurred_from'][:16]}): {h['wearer']} ({who}) {h['metres']:.0f} m, {h['minutes']:.0f} min, "
                  f"{len(h['points'])} {'fix' if len(h['points']) == 1 else 'fixes'}", highlight=False)  # fmt: skip
    for n in r["notes"]:
        out.print(n, highlight=False)
