"""Operations and patrols commands: `sara operation add|site|phase|list|show` and
`sara patrol log|arrest-outcome|arrests|dosage|return`.

Each acts as the user named by ``--as`` (or ``SARA_USER``): only the owning organisation writes
an operation, its sites and patrols; partners read them. Times without a zone are UK local
time (Europe/London). On a refusal the command exits 1 with the reason (``{"error": ...}``
under ``--json``), each field the service names worded as the option that supplies it
(``OPTIONS``). The rules live in ``sara.casework.patrols`` and ``sara.casework.dosage``; the
CSVs are the services' exports (export permission, audited), written by ``sara.report.export``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, as_user, fail, option_for, out, parse_date, print_json

operation_app = typer.Typer(help="Operations and their Clear-Hold-Build sites (hotspots).", no_args_is_help=True)
patrol_app = typer.Typer(help="Patrols of operation sites: log them, their arrests' outcomes, dosage, the quarterly return.", no_args_is_help=True)
app.add_typer(operation_app, name="operation")
app.add_typer(patrol_app, name="patrol")

Operation = Annotated[str, typer.Option("--operation", help="The operation's name.")]
MaybeOperation = Annotated[str | None, typer.Option("--operation", help="Only this operation (default: every one you may read).")]
From = Annotated[str | None, typer.Option("--from", help="First UK day (YYYY-MM-DD).")]
To = Annotated[str | None, typer.Option("--to", help="Last UK day, inclusive (YYYY-MM-DD).")]
Csv = Annotated[Path | None, typer.Option("--csv", help="Write the table to this CSV file ('-' for standard output).")]
Png = Annotated[Path | None, typer.Option("--png", help="Draw it to this PNG file.")]


def _when(value: str, what: str, as_json: bool) -> dt.datetime:
    """YYYY-MM-DDTHH:MM, UK local time unless an offset is given (+00:00, +01:00)."""
    try:
        if "T" not in value and " " not in value.strip():
            raise ValueError
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"{what} {value!r} is not a date and time: use YYYY-MM-DDTHH:MM (UK time), e.g. 2026-03-28T22:00", as_json)


# The options that supply the patrols service's fields (``start``/``end`` of a patrol, the
# period ``first``/``last`` of a table), named here rather than for every command.
OPTIONS = {
    "name": None, "start": "--start", "end": "--end", "first": "--from", "last": "--to", "officers": "--officer", "activity": "--activity",
    "arrests": "--arrest", "stop_searches": "--stop-searches", "intelligence_submissions": "--intel", "engagements": "--engagements",
    "area": "--area", "lon": "--lon", "lat": "--lat", "radius_m": "--radius", "problem": "--problem", "note": "--note", "on": "--on",
    "code": "--code", "site": "--site", "by": "--by", "phase": None,
}  # fmt: skip


def _named(field: str) -> str | None:
    return OPTIONS[field] if field in OPTIONS else option_for(field)


def _run(as_json: bool, db: str | None, acting: str | None, call):
    """``as_user``, with a patrol service's refusal in this group's words: its field, or each
    of its items' fields, as the option that supplies it."""
    from sara.casework.patrols import PatrolError

    def worded(engine, actor):
        try:
            return call(engine, actor)
        except PatrolError as exc:
            fail(exc.worded(_named), as_json)

    return as_user(as_json, db, acting, worded)


def _write(path: Path, table: dict) -> bool:
    """Write an export's ``columns`` and ``rows``; True when they went to standard output."""
    from sara.report.export import STDOUT, write_csv

    write_csv(path, table["columns"], table["rows"])
    return str(path) == STDOUT


def _print_site(s: dict) -> None:
    nxt = " or ".join(s["next_phases"]) or "none (exit is final)"
    out.print(f"  [bold]{s['name']}[/bold] at {s['where']}: {s['phase']} (next: {nxt}); {s['patrols']} patrols, {s['hours_present']} h present, "
              f"{s['arrests']} arrests", highlight=False)  # fmt: skip


def _print_operation(op: dict, as_json: bool) -> None:
    if as_json:
        print_json(op)
        return
    dates = f"{op['start']} to {op['end'] or 'open-ended'}"
    extra = "".join(f", {k} {op[k]}" for k in ("problem", "area") if op[k])
    out.print(f"[bold]{op['name']}[/bold] ({op['organisation']}) {dates}{extra}", highlight=False)
    if op["description"]:
        out.print(f"  {op['description']}", highlight=False)
    for s in op["sites"]:
        _print_site(s)
        for h in s.get("history", []):
            out.print(f"      {h['on']}: {h['from'] or '-'} -> {h['to']} ({h['by']}): {h['note']}", highlight=False)


# ---------------------------------------------------------------- operations


@operation_app.command("add")
def operation_add(
    name: Annotated[str, typer.Argument(help="The operation's name, e.g. 'Op Jemlock'.")],
    start: Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD).")],
    end: Annotated[str | None, typer.Option("--end", help="Last day (YYYY-MM-DD); none: open-ended.")] = None,
    problem: Annotated[str | None, typer.Option("--problem", help="The problem it serves, e.g. PRB-2026-0001.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="The code of a loaded area it covers.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What the operation is for.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add an operation owned by your organisation."""
    from sara.casework import patrols as pt

    first, last = parse_date(start, "--start", as_json), parse_date(end, "--end", as_json)
    op = _run(as_json, db, acting, lambda e, a: pt.create_operation(e, a, name, start=first, end=last, problem=problem, area=area, description=description))
    _print_operation(op, as_json)


@operation_app.command("site")
def operation_site(
    operation: Annotated[str, typer.Argument(help="The operation's name.")],
    name: Annotated[str, typer.Argument(help="The site's name, unique within the operation, e.g. 'Bradford Moor'.")],
    area: Annotated[str | None, typer.Option("--area", help="The code of a loaded area (LSOA, ward, district, drawn zone).")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="Longitude of the site's centre (WGS84).")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="Latitude of the site's centre (WGS84).")] = None,
    radius: Annotated[float | None, typer.Option("--radius", help="Radius of the site around the point, in metres.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day it enters scoping (YYYY-MM-DD; default today).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why this place (e.g. 'top 5 Gi* hot spot, violence').")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a site (hotspot) to an operation: an area code, or a point and radius. It starts in the scoping phase."""
    from sara.casework import patrols as pt

    day = parse_date(on, "--on", as_json)
    s = _run(as_json, db, acting, lambda e, a: pt.add_site(e, a, operation, name, area=area, lon=lon, lat=lat, radius_m=radius, on=day, note=note))
    if as_json:
        print_json(s)
    else:
        _print_site(s)


@operation_app.command("phase")
def operation_phase(
    operation: Annotated[str, typer.Argument(help="The operation's name.")],
    site: Annotated[str, typer.Argument(help="The site's name.")],
    phase: Annotated[str, typer.Argument(help="scoping, clear, hold, build, sustain or exit.")],
    note: Annotated[str, typer.Option("--note", help="Why the site moves now.")],
    on: Annotated[str | None, typer.Option("--on", help="The day the phase starts (YYYY-MM-DD; default today), not before the last change.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Move a site to its next Clear-Hold-Build phase: scoping -> clear -> hold -> build -> sustain -> exit; build may exit; hold may go back to clear, build to clear or hold."""
    from sara.casework import patrols as pt

    day = parse_date(on, "--on", as_json) or dt.date.today()
    s = _run(as_json, db, acting, lambda e, a: pt.move_phase(e, a, operation, site, phase, on=day, note=note))
    if as_json:
        print_json(s)
    else:
        _print_site(s)


@operation_app.command("list")
def operation_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """The operations you may read, with their sites and phases."""
    from sara.casework import patrols as pt

    ops = _run(as_json, db, acting, lambda e, a: pt.list_operations(e, a))
    if as_json:
        print_json({"operations": ops})
        return
    t = Table("operation", "organisation", "from", "to", "sites (phase)", "patrols", "arrests", title="Operations")
    for op in ops:
        t.add_row(op["name"], op["organisation"] or "", op["start"], op["end"] or "", ", ".join(f"{s['name']} ({s['phase']})" for s in op["sites"]),
                  str(op["patrols"]), str(op["arrests"]))  # fmt: skip
    out.print(t)


@operation_app.command("show")
def operation_show(
    name: Annotated[str, typer.Argument(help="The operation's name.")], acting: As = None, db: Db = None, as_json: Json = False
) -> None:
    """An operation with its sites: where, phase and its history, patrols, hours present, arrests."""
    from sara.casework import patrols as pt

    _print_operation(_run(as_json, db, acting, lambda e, a: pt.show_operation(e, a, name)), as_json)


# ---------------------------------------------------------------- patrols


@patrol_app.command("log")
def patrol_log(
    operation: Operation,
    site: Annotated[str, typer.Option("--site", help="The site patrolled (its name in the operation).")],
    start: Annotated[str, typer.Option("--start", help="Start, YYYY-MM-DDTHH:MM in UK time.")],
    end: Annotated[str, typer.Option("--end", help="End, YYYY-MM-DDTHH:MM in UK time.")],
    officer: Annotated[list[str], typer.Option("--officer", help="An officer's collar number or username (repeat, or comma-separate).")],
    activity: Annotated[str, typer.Option("--activity", help="What the patrol did, e.g. 'high-visibility foot patrol'.")],
    arrest: Annotated[list[str] | None, typer.Option("--arrest", help="One arrest's outcome code, e.g. 'RUI / BAIL' (repeat per arrest).")] = None,
    stop_searches: Annotated[int, typer.Option("--stop-searches", help="Stop and searches carried out.")] = 0,
    intel: Annotated[int, typer.Option("--intel", help="Intelligence submissions made.")] = 0,
    engagements: Annotated[int, typer.Option("--engagements", help="Engagements with residents, businesses, young people.")] = 0,
    notes: Annotated[str | None, typer.Option("--notes", help="Anything else (no personal data).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Log a patrol of an operation's site: when, who, doing what, and what came of it."""
    from sara.casework import patrols as pt

    s, e = _when(start, "--start", as_json), _when(end, "--end", as_json)
    officers = [o for item in officer for o in item.split(",")]
    p = _run(as_json, db, acting, lambda eng, a: pt.log_patrol(eng, a, operation, site, start=s, end=e, officers=officers, activity=activity,
                                                               arrests=arrest or (), stop_searches=stop_searches, intelligence_submissions=intel,
                                                               engagements=engagements, notes=notes))  # fmt: skip
    if as_json:
        print_json(p)
        return
    out.print(f"patrol {p['id']}: {p['operation']} / {p['site']} {p['start'][:16]} to {p['end'][:16]} ({p['minutes']:g} min, {len(p['officers'])} officers), "
              f"{len(p['arrests'])} arrests, {p['stop_searches']} stop-searches, {p['intelligence_submissions']} intel, {p['engagements']} engagements",
              highlight=False)  # fmt: skip
    for a in p["arrests"]:
        out.print(f"  arrest {a['id']}: {a['outcome']}", highlight=False)


@patrol_app.command("arrest-outcome")
def patrol_arrest_outcome(
    arrest_id: Annotated[int, typer.Argument(help="The arrest's id (from `sara patrol log`).")],
    code: Annotated[str, typer.Option("--code", help="Its outcome now, e.g. '01 - Charged' (or 01, RUI, ...).")],
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Update an arrest's outcome as the case moves on (RUI / bail becomes charged, NFA, ...)."""
    from sara.casework import patrols as pt

    r = _run(as_json, db, acting, lambda e, a: pt.set_arrest_outcome(e, a, arrest_id, code))
    if as_json:
        print_json(r)
    else:
        out.print(f"arrest {r['id']} ({r['operation']}, patrol {r['patrol']}): {r['from']} -> {r['outcome']}" if r["changed"]
                  else f"arrest {r['id']} already has outcome {r['outcome']}", highlight=False)  # fmt: skip


@patrol_app.command("arrests")
def patrol_arrests(
    operation: MaybeOperation = None,
    by: Annotated[str, typer.Option("--by", help="Columns: site or operation.")] = "site",
    start: From = None,
    end: To = None,
    csv: Csv = None,
    png: Png = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """The arrest outcomes table: outcome code x site (or operation), Total and % of the PACE outcomes."""
    from sara.casework import patrols as pt

    first, last = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    if csv is not None:
        t = _run(as_json, db, acting, lambda e, a: pt.export_arrests(e, a, operation=operation, by=by, first=first, last=last))
        if _write(csv, t):
            return
        t["columns"] = t["columns"][1:-2]
    else:
        t = _run(as_json, db, acting, lambda e, a: pt.arrests(e, a, operation=operation, by=by, first=first, last=last))
    columns = ["outcome", *t["columns"], "Total", "%"]
    if png is not None:
        import numpy as np

        from sara.report.pictures import heat_table

        body = [r for r in t["rows"] if r["outcome"] != pt.TOTAL_ROW]
        heat_table(png, np.array([[r[c] for c in t["columns"]] for r in body]), [r["outcome"] for r in body], t["columns"],
                   title="Arrest outcomes (arrests per outcome code)", credit=None)  # fmt: skip
    if as_json:
        print_json(t)
        return
    table = Table(*columns, title="Arrest outcomes")
    for r in t["rows"]:
        table.add_row(*[str(r[c]) for c in columns])
    out.print(table)


@patrol_app.command("dosage")
def patrol_dosage(
    operation: MaybeOperation = None,
    site: Annotated[str | None, typer.Option("--site", help="Only this site (needs --operation).")] = None,
    start: From = None,
    end: To = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the site x day table to this CSV file ('-' for standard output).")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Draw a heat table of minutes present, site x day, to this PNG file.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Patrol dosage per site per UK day: visits, minutes present (overlaps counted once), officer-minutes; per site the share of visits of 15+ minutes."""
    from sara.casework import patrols as pt

    first, last = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    if csv is not None:
        r = _run(as_json, db, acting, lambda e, a: pt.export_dosage(e, a, operation=operation, site=site, first=first, last=last))
        if _write(csv, r):
            return
        r = {k: v for k, v in r.items() if k not in ("columns", "rows")}
    else:
        r = _run(as_json, db, acting, lambda e, a: pt.dosage_report(e, a, operation=operation, site=site, first=first, last=last))
    if png is not None:
        if not r["days"]:
            fail("no patrols in the period: there is nothing to draw", as_json)
        _dosage_png(png, r, first, last)
    if as_json:
        print_json(r)
        return
    t = Table("operation", "site", "patrols", "days", "hours present", "officer hours", "mean visit (min)", "visits 15+ min", title="Patrol dosage")
    for s in r["sites"]:
        t.add_row(s["operation"], s["site"], str(s["patrols"]), str(s["days"]), f"{s['minutes_present'] / 60:.1f}", f"{s['officer_minutes'] / 60:.1f}",
                  f"{s['mean_visit_minutes']:.0f}", f"{s['visits_15_plus']} ({s['share_15_plus']:.0%})")  # fmt: skip
    out.print(t)
    if r["unpatrolled_sites"]:
        out.print("not patrolled: " + ", ".join(f"{u['operation']} / {u['site']}" for u in r["unpatrolled_sites"]), highlight=False)


def _dosage_png(path: Path, r: dict, first: dt.date | None, last: dt.date | None) -> None:
    import numpy as np

    from sara.report.pictures import heat_table

    days = [dt.date.fromisoformat(d["day"]) for d in r["days"]]
    lo, hi = first or min(days), last or max(days)
    columns = [lo + dt.timedelta(days=k) for k in range((hi - lo).days + 1)]
    several = len({d["operation"] for d in r["days"]}) > 1
    labels = list(dict.fromkeys(f"{d['operation']}: {d['site']}" if several else d["site"] for d in r["days"]))
    values = np.zeros((len(labels), len(columns)))
    for d in r["days"]:
        label = f"{d['operation']}: {d['site']}" if several else d["site"]
        values[labels.index(label), (dt.date.fromisoformat(d["day"]) - lo).days] = d["minutes_present"]
    # no subtitle: heat_table draws it where rotated day labels would cover it
    heat_table(path, values, labels, [f"{c:%d %b}" for c in columns], title="Minutes of police presence per site per UK day (overlaps once)", credit=None)


@patrol_app.command("return")
def patrol_return(
    start: Annotated[str, typer.Option("--from", help="First UK day of the return (YYYY-MM-DD), e.g. 2026-01-01.")],
    end: Annotated[str, typer.Option("--to", help="Last UK day, inclusive (YYYY-MM-DD), e.g. 2026-03-31.")],
    csv: Annotated[Path, typer.Option("--csv", help="Write the return to this CSV file ('-' for standard output).")],
    detail: Annotated[bool, typer.Option("--detail", help="One row per patrol instead of per site per quarter.")] = False,
    operation: MaybeOperation = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """The quarterly hotspot patrol return (Home Office): per site per calendar quarter, where, how long and to what outcome. Audited as an export."""
    from sara.casework import patrols as pt

    first, last = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    r = _run(as_json, db, acting, lambda e, a: pt.export_return(e, a, first=first, last=last, operation=operation, detail=detail))
    if _write(csv, r):
        return
    r = {k: v for k, v in r.items() if k not in ("rows", "owners")} | {"path": str(csv), "rows": len(r["rows"])}
    if as_json:
        print_json(r)
    else:
        left = r["left_out"]["operations_not_exportable"]
        note = f" (left out, not yours to export: {', '.join(left)})" if left else ""
        out.print(f"wrote {r['rows']} rows ({', '.join(r['parameters']['quarters'])}) to {csv}{note}", highlight=False)
