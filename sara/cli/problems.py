"""Problem commands: `sara problem create|show|list|update|partner|move|action|note`.

Each acts as the user named by ``--as`` (or ``SARA_USER``) with the same permission checks as
the web app, prints JSON with ``--json``, and on a refusal exits 1 with the reason (in
``{"error": ...}`` with ``--json``). The rules live in ``sara.casework.problems``; their
refusals name fields, which this module words as the options that supply them (``OPTIONS``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, as_user, fail, in_context, option_for, out, parse_date, print_json, spell_fields

problem_app = typer.Typer(help="Problems (SARA plans): scanning, analysis, response, assessment.", no_args_is_help=True)
app.add_typer(problem_app, name="problem")

Ref = Annotated[str, typer.Argument(help="The problem's reference (PRB-YYYY-NNNN) or id.")]
Version = Annotated[int | None, typer.Option("--expect-version", help="Refuse if the problem is no longer at this version (as you read it).")]


# The options that supply the problem service's fields, also those of another command (a move
# that needs a data source is met with `problem update --source`).
OPTIONS = {
    "title": "--title", "owner": "--owner", "area": "--area", "months": "--months", "statement": "--statement", "behaviour": "--behaviour",
    "place": "--place", "time_pattern": "--time", "sources": "--source", "victim": "--victim", "offender": "--offender",
    "location": "--location", "handler": "--handler", "guardian": "--guardian", "manager": "--manager", "hypotheses": "--hypothesis",
    "measure_of_success": "--measure", "baseline": "--baseline", "outcome": "--outcome", "assessment_plan": "--assessment-plan",
    "assessment": "--assessment-file", "reason": "--reason", "state": "--state", "organisation": "--org", "role": "--role", "due": "--due",
    "status": "--status", "attachment": "--file",
}  # fmt: skip
spell_fields("problem", OPTIONS)
# How a move's needs are met from the command line when no option of `move` supplies them.
NEEDS = {"actions": "`sara problem action REF --id N --status done`", "target": None}


def _ref(ref: str) -> str | int:
    return int(ref) if ref.isdigit() else ref


def _named(field) -> str | None:
    return NEEDS[field] if field in NEEDS else option_for(field)


def _guarded(call, as_json: bool):
    """``call``, with a guard's refusal listing every need with the option that meets it."""
    from sara.casework.problems import GuardError

    def run(engine, actor):
        try:
            return call(engine, actor)
        except GuardError as exc:
            fail(exc.worded(_named), as_json)

    return run


def _print_problem(p: dict, as_json: bool) -> None:
    if as_json:
        print_json(p)
        return
    out.print(f"[bold]{p['reference']}[/bold] {p['title']} — {p['state']} (version {p['version']}, {p['organisation']})", highlight=False)
    for k in ("statement", "behaviour", "place", "time_pattern", "victim", "offender", "location", "handler", "guardian", "manager",
              "hypotheses", "measure_of_success", "baseline_value", "outcome"):  # fmt: skip
        if p.get(k) not in (None, ""):
            out.print(f"  {k.replace('_', ' ')}: {p[k]}", highlight=False)
    if p.get("data_sources"):
        out.print(f"  data sources: {', '.join(p['data_sources'])}", highlight=False)
    if p.get("events_now"):
        out.print(f"  events matching its query now: {p['events_now']['events']:,}", highlight=False)
    for pt in p.get("partners", []):
        out.print(f"  partner: {pt['organisation']} ({pt['role']})", highlight=False)
    if p.get("action_list"):
        t = Table("id", "action", "owner", "organisation", "due", "status", title="Actions")
        for a in p["action_list"]:
            t.add_row(str(a["id"]), a["description"], a.get("owner") or "", a["organisation"] or "", a["due"],
                      f"[red]{a['status']} (overdue)[/red]" if a["overdue"] else a["status"])  # fmt: skip
        out.print(t)
    if p.get("next"):
        from sara.casework.records import spelled

        need = "; ".join(f"{m} ({spelled(f, _named)})" if spelled(f, _named) else m for m, f in zip(p["next"]["missing"], p["next"]["fields"]))
        need = need or "nothing: ready"
        out.print(f"  next: {p['next']['state']} — needs {need}", highlight=False)


@problem_app.command("create")
def create(
    title: Annotated[str, typer.Argument(help="A short title.")],
    owner: Annotated[str | None, typer.Option("--owner", help="The owning user (default: you); in your organisation.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="The code of a loaded area (LSOA, ward, district or drawn).")] = None,
    statement: Annotated[str | None, typer.Option("--statement", help="The problem statement.")] = None,
    behaviour: Annotated[str | None, typer.Option("--behaviour", help="The specific offensive behaviour.")] = None,
    place: Annotated[str | None, typer.Option("--place", help="Where it happens.")] = None,
    time: Annotated[str | None, typer.Option("--time", help="When it happens (days, hours).")] = None,
    objective: Annotated[str | None, typer.Option("--objective", help="What the partnership means to achieve.")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="An event category defining the problem (repeat).")] = None,
    months: Annotated[str | None, typer.Option("--months", help="The months of events defining it, FIRST:LAST (YYYY-MM:YYYY-MM).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Propose a problem, owned by your organisation."""
    from sara.casework import problems

    p = as_user(as_json, db, acting, lambda e, a: problems.create(e, a, title, owner=owner, area=area, statement=statement, behaviour=behaviour, place=place,
                                                                time_pattern=time, objective=objective, categories=category, months=months))  # fmt: skip
    _print_problem(p, as_json)


@problem_app.command("show")
def show(ref: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """A problem: its plan, partners, actions (overdue marked), notes, history, the events
    its saved query matches now, and what the next step still needs."""
    from sara.services import problems

    _print_problem(in_context(as_json, db, acting, lambda ctx: problems.plan(ctx, _ref(ref))), as_json)


@problem_app.command("list")
def list_(
    state: Annotated[str | None, typer.Option("--state", help="Only problems in this state.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Only problems owned by this organisation.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only problems with overdue actions.")] = False,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """The problems you may read, with their overdue actions."""
    from sara.services import problems

    rows = in_context(as_json, db, acting, lambda ctx: problems.listing(ctx, state=state, organisation=org, overdue=overdue))["problems"]
    if as_json:
        print_json(rows)
        return
    t = Table("reference", "title", "state", "organisation", "actions", "overdue", title="Problems")
    for p in rows:
        t.add_row(p["reference"], p["title"], p["state"], p["organisation"] or "", str(p["actions"]),
                  f"[red]{len(p['overdue_actions'])}[/red]" if p["overdue_actions"] else "0")  # fmt: skip
    out.print(t)


@problem_app.command("update")
def update(
    ref: Ref,
    title: Annotated[str | None, typer.Option("--title")] = None,
    objective: Annotated[str | None, typer.Option("--objective")] = None,
    statement: Annotated[str | None, typer.Option("--statement")] = None,
    behaviour: Annotated[str | None, typer.Option("--behaviour")] = None,
    place: Annotated[str | None, typer.Option("--place")] = None,
    time: Annotated[str | None, typer.Option("--time", help="When it happens.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="A data source analysed (repeat; added to the list).")] = None,
    victim: Annotated[str | None, typer.Option("--victim", help="Triangle: victims or targets.")] = None,
    offender: Annotated[str | None, typer.Option("--offender", help="Triangle: offenders.")] = None,
    location: Annotated[str | None, typer.Option("--location", help="Triangle: the place.")] = None,
    handler: Annotated[str | None, typer.Option("--handler", help="Controller of offenders.")] = None,
    guardian: Annotated[str | None, typer.Option("--guardian", help="Controller of victims/targets.")] = None,
    manager: Annotated[str | None, typer.Option("--manager", help="Controller of the place.")] = None,
    hypothesis: Annotated[str | None, typer.Option("--hypothesis", help="Why it happens.")] = None,
    measure: Annotated[str | None, typer.Option("--measure", help="The measure of success (before the first response).")] = None,
    baseline: Annotated[float | None, typer.Option("--baseline", help="The measure's baseline value (before the first response).")] = None,
    area: Annotated[str | None, typer.Option("--area", help="The code of a loaded area.")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="Event category of its saved query (repeat).")] = None,
    months: Annotated[str | None, typer.Option("--months", help="Months of its saved query, FIRST:LAST.")] = None,
    expect_version: Version = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Fill in or change a problem's plan (owning organisation only)."""
    from sara.casework import problems

    fields = dict(title=title, objective=objective, statement=statement, behaviour=behaviour, place=place, time_pattern=time, victim=victim,
                  offender=offender, location=location, handler=handler, guardian=guardian, manager=manager, hypotheses=hypothesis,
                  measure_of_success=measure)  # fmt: skip
    p = as_user(as_json, db, acting, lambda e, a: problems.update(e, a, _ref(ref), expect_version=expect_version, sources=source, area=area,
                                                                categories=category, months=months, baseline=baseline, **fields))  # fmt: skip
    _print_problem(p, as_json)


@problem_app.command("partner")
def partner(
    ref: Ref,
    org: Annotated[str, typer.Argument(help="The partner organisation (its name).")],
    role: Annotated[str, typer.Option("--role", help="Its role in the problem.")],
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a partner organisation and its role (owning organisation only)."""
    from sara.casework import problems

    _print_problem(as_user(as_json, db, acting, lambda e, a: problems.add_partner(e, a, _ref(ref), org, role)), as_json)


@problem_app.command("move")
def move(
    ref: Ref,
    state: Annotated[str, typer.Argument(help="proposed, scanning, analysis, response, assessment, closed or paused (or the state a paused problem left).")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required to pause).")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="To close: eliminated, reduced, less_harmful, handled_better or handed_over.")] = None,
    assessment_plan: Annotated[str | None, typer.Option("--assessment-plan", help="To close: run this saved assessment plan now.")] = None,
    assessment_file: Annotated[Path | None, typer.Option("--assessment-file", help="To close: the JSON of `sara assess --json`.")] = None,
    expect_version: Version = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Move a problem to another state; refused, naming what is missing, when its guard fails."""
    from sara.casework import problems

    result = None
    if assessment_file is not None:
        try:
            result = json.loads(assessment_file.read_text())
        except (OSError, ValueError) as exc:
            fail(f"cannot read the assessment {assessment_file}: {exc}", as_json)
    p = as_user(as_json, db, acting, _guarded(lambda e, a: problems.move(e, a, _ref(ref), state, reason=reason, outcome=outcome, assessment=result,
                                                                       assessment_plan=assessment_plan, expect_version=expect_version), as_json))  # fmt: skip
    _print_problem(p, as_json)


@problem_app.command("action")
def action(
    ref: Annotated[str, typer.Argument(help="The problem's reference, to add an action; with --id, ignored.")],
    description: Annotated[str | None, typer.Argument(help="What is to be done (to add one).")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who does it (a username).")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Their organisation (default the owner's).")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Due date YYYY-MM-DD.")] = None,
    action_id: Annotated[int | None, typer.Option("--id", help="Change this action instead of adding one.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="open, in_progress, blocked, done or cancelled.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add an action (`sara problem action REF "text" --owner U --due D`) or change one
    (`sara problem action REF --id N --status done`); each organisation writes its own."""
    from sara.casework import problems

    due_date = parse_date(due, "--due", as_json)
    if action_id is not None:
        if status is None and due_date is None:
            fail("say what changes: --status and/or --due", as_json)

        def call(e, a):
            current = problems.show(e, a, _ref(ref)) if status is None else None
            st = status or next((x["status"] for x in current["action_list"] if x["id"] == action_id), "open")
            return problems.set_action(e, a, action_id, st, due=due_date)
    else:
        missing = [w for w, v in (("a description", description), ("--owner", owner), ("--due", due_date)) if v is None]
        if missing:
            fail(f"to add an action give {', '.join(missing)}", as_json)

        def call(e, a):
            return problems.add_action(e, a, _ref(ref), description, owner=owner, due=due_date, organisation=org)

    a = as_user(as_json, db, acting, call)
    if as_json:
        print_json(a)
    else:
        flag = " [red](overdue)[/red]" if a["overdue"] else ""
        out.print(f"action {a['id']} of {a['problem']}: {a['description']} — {a.get('owner', '')} ({a['organisation']}), due {a['due']}, {a['status']}{flag}",
                  highlight=False)  # fmt: skip


@problem_app.command("note")
def note(
    ref: Ref,
    text: Annotated[str, typer.Argument(help="The note.")],
    file: Annotated[Path | None, typer.Option("--file", help="A file to attach (kept by path and SHA-256).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Add a note (and optionally a file) to a problem."""
    from sara.casework import problems

    n = as_user(as_json, db, acting, lambda e, a: problems.add_note(e, a, _ref(ref), text, attachment=file))
    if as_json:
        print_json(n)
    else:
        out.print(f"note {n['id']} added to {n['problem']}", highlight=False)
