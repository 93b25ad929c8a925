"""Partnership plan commands: `sara plan ...`.

``create``, ``list``, ``show REF``, ``progress REF``, ``review REF --year``, ``export REF``;
``theme add``, ``priority add``, ``action add|update``, ``indicator add|value``. Each acts as
the user named by ``--as`` (or ``SARA_USER``) and calls one function of
``sara.services.plans``: a plan is changed only by a lead or an administrator of the
organisation that owns it; an action also by its own organisation.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, app, fail, in_context, out, parse_date, print_json, spell_fields

plan_app = typer.Typer(help="Partnership plans: themes, priorities, actions and indicators with baselines, targets and progress.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
theme_app = typer.Typer(help="A plan's themes.", no_args_is_help=True)
priority_app = typer.Typer(help="A theme's priority issues.", no_args_is_help=True)
action_app = typer.Typer(help="The actions to deliver improvement on a priority.", no_args_is_help=True)
indicator_app = typer.Typer(help="The indicators measuring success: computed from the events or entered.", no_args_is_help=True)
plan_app.add_typer(theme_app, name="theme")
plan_app.add_typer(priority_app, name="priority")
plan_app.add_typer(action_app, name="action")
plan_app.add_typer(indicator_app, name="indicator")

spell_fields("plan", {"baseline_period": "--baseline", "target_value": "--target", "target_date": "--by",
                      "granularity": "--per", "asb_types": "--asb-type", "flags": "--flag", "categories": "--category", "problems": "--problem",
                      "period": "--period"})  # fmt: skip

Ref = Annotated[str, typer.Argument(help="The plan, e.g. PLN-2026-0001.")]


def _run(as_json: bool, db: str | None, acting: str | None, call):
    return in_context(as_json, db, acting, call)


def _date(value: str | None, option: str, as_json: bool):
    return parse_date(value, option, as_json)


@plan_app.command("create")
def plan_create(
    title: Annotated[str, typer.Option("--title", help="The plan's title, e.g. 'Community Safety Action Plan 2025-2028'.")],
    start: Annotated[str, typer.Option("--from", help="First day the plan covers (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day the plan covers (YYYY-MM-DD).")],
    description: Annotated[str | None, typer.Option("--description", help="The introduction: what the plan is for, what it draws on.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Make a plan owned by your organisation (a lead or an administrator)."""
    from sara.services import plans

    s, e = _date(start, "--from", as_json), _date(end, "--to", as_json)
    plan = _run(as_json, db, acting, lambda ctx: plans.create(ctx, title, start=s, end=e, description=description))
    print_json(plan) if as_json else out.print(f"{plan['reference']}: {plan['title']} ({plan['organisation']}, {s} to {e})", highlight=False)


@plan_app.command("list")
def plan_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Every partnership plan."""
    from rich.table import Table

    from sara.services import plans

    data = _run(as_json, db, acting, plans.list_plans)
    if as_json:
        print_json(data)
        return
    table = Table("plan", "title", "organisation", "from", "to", "themes", "indicators", "actions", title=f"Plans ({len(data['plans'])})")
    for p in data["plans"]:
        table.add_row(p["reference"], p["title"], p["organisation"], p["period"]["from"], p["period"]["to"], str(p["themes"]), str(p["indicators"]), str(p["actions"]))
    out.print(table)


def _show_progress(p: dict) -> None:
    from sara.services.plans import figure

    ind = p["indicator"]
    latest = p["latest"]
    head = f"  [{ind['id']}] {ind['code'] + ' ' if ind['code'] else ''}{ind['name']} ({p['unit']}): {p['rating'].upper()}"
    out.print(head, highlight=False)
    out.print(f"      baseline {figure(ind['baseline']['value'], ind)} ({ind['baseline']['from']} to {ind['baseline']['to']}), target "
              f"{figure(ind['target']['value'], ind)} by {ind['target']['date']}"
              + (f"; latest {latest['period']} {figure(latest['value'], ind)}, expected {figure(latest['expected'], ind)}" if latest else ""),
              highlight=False)  # fmt: skip
    for n in p["notes"]:
        out.print(f"      note: {n}", highlight=False)


@plan_app.command("show")
def plan_show(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """A plan: its themes, priorities, actions and indicators with their progress."""
    from sara.services import plans

    plan = _run(as_json, db, acting, lambda ctx: plans.show(ctx, reference))
    if as_json:
        print_json(plan)
        return
    out.print(f"{plan['reference']}: {plan['title']} ({plan['organisation']}, {plan['period']['from']} to {plan['period']['to']})", highlight=False)
    for th in plan["themes"]:
        out.print(f"{th['number']}. {th['title']}", highlight=False, style="bold")
        for pr in th["priorities"]:
            out.print(f"  {pr['number']} {pr['title']}", highlight=False)
            for a in pr["actions"]:
                out.print(f"    [{a['id']}] {a['description']} ({a['organisation']}, due {a['due']}, {a['status']}{', OVERDUE' if a['overdue'] else ''})"
                          + (f" problems {', '.join(a['problems'])}" if a["problems"] else ""), highlight=False)  # fmt: skip
        for p in th["indicators"]:
            _show_progress(p)


@plan_app.command("progress")
def plan_progress(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Each indicator's values per month or quarter since its baseline, and its rating with the rule."""
    from rich.table import Table

    from sara.services import plans

    data = _run(as_json, db, acting, lambda ctx: plans.progress(ctx, reference))
    if as_json:
        print_json(data)
        return
    from sara.services.plans import figure

    for p in data["indicators"]:
        _show_progress(p)
        table = Table("period", "value", "expected", "rating")
        for r in p["series"]:
            table.add_row(r["period"], figure(r["value"], p["indicator"]), figure(r["expected"], p["indicator"]), r["rating"])
        out.print(table)
        out.print(f"      rule: {p['rule']}", highlight=False)


def _pack_out(pack, as_json: bool, html: str | None, pdf: str | None, xlsx: str | None) -> None:
    if html or pdf or xlsx:
        try:
            from sara.report import documents
        except ImportError:
            fail("documents cannot be written yet (sara.report.documents is not installed): use --json", as_json)
        from pathlib import Path

        written = []
        if html:
            Path(html).write_text(documents.html(pack), encoding="utf-8")
            written.append(html)
        if pdf:
            documents.write_pdf(pack, pdf)
            written.append(pdf)
        if xlsx:
            documents.write_xlsx(pack, xlsx)
            written.append(xlsx)
        if not as_json:
            out.print(f"wrote {', '.join(written)}", highlight=False, soft_wrap=True)
    if as_json:
        print_json(pack.to_json())
    elif not (html or pdf or xlsx):
        out.print(f"{pack.title}\n{pack.subtitle}", highlight=False)
        for s in pack.sections:
            out.print(s.title, style="bold", highlight=False)
            for para in s.paragraphs:
                out.print(f"  {para}", highlight=False)


Html = Annotated[str | None, typer.Option("--html", help="Write the document as HTML to this path.")]
Pdf = Annotated[str | None, typer.Option("--pdf", help="Write the document as PDF to this path.")]
Xlsx = Annotated[str | None, typer.Option("--xlsx", help="Write the tables as an XLSX workbook to this path.")]


@plan_app.command("export")
def plan_export(reference: Ref, html: Html = None, pdf: Pdf = None, xlsx: Xlsx = None, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """The plan as a document in the Calderdale shape (priority issues, actions, 'Measuring our success') with progress."""
    from sara.services import plans

    pack = _run(as_json, db, acting, lambda ctx: plans.document(ctx, reference))
    _pack_out(pack, as_json, html, pdf, xlsx)


@plan_app.command("review")
def plan_review(
    reference: Ref, year: Annotated[int, typer.Option("--year", help="The year reviewed, e.g. 2025.")],
    html: Html = None, pdf: Pdf = None, xlsx: Xlsx = None, acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The annual review: what changed since each indicator's baseline, and the year's actions."""
    from sara.services import plans

    pack = _run(as_json, db, acting, lambda ctx: plans.review(ctx, reference, year))
    _pack_out(pack, as_json, html, pdf, xlsx)


@theme_app.command("add")
def theme_add(
    reference: Ref, title: Annotated[str, typer.Option("--title", help="e.g. 'Working with communities to challenge anti-social behaviour'.")],
    why: Annotated[str | None, typer.Option("--why", help="Why it matters (the plan's 'Why').")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add a theme to a plan."""
    from sara.services import plans

    r = _run(as_json, db, acting, lambda ctx: plans.add_theme(ctx, reference, title, why=why))
    print_json(r) if as_json else out.print(f"{reference} theme {r['theme']}: {r['title']}", highlight=False)


@priority_app.command("add")
def priority_add(
    reference: Ref, theme: Annotated[str, typer.Option("--theme", help="The theme's number (or title).")],
    title: Annotated[str, typer.Option("--title", help="The priority issue, e.g. 'Tackle incidents of anti-social behaviour'.")],
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add a priority issue to a theme."""
    from sara.services import plans

    r = _run(as_json, db, acting, lambda ctx: plans.add_priority(ctx, reference, theme, title))
    print_json(r) if as_json else out.print(f"{reference} priority {r['priority']}: {r['title']}", highlight=False)


def _show_action(a: dict, as_json: bool) -> None:
    if as_json:
        print_json(a)
        return
    out.print(f"action {a['id']} ({a['plan']} {a['priority']}): {a['description']} - {a['organisation']}, due {a['due']}, {a['status']}"
              + (f", problems {', '.join(a['problems'])}" if a["problems"] else ""), highlight=False)  # fmt: skip


Problem = Annotated[list[str] | None, typer.Option("--problem", help="A problem the action serves (PRB-YYYY-NNNN; repeat).")]


@action_app.command("add")
def action_add(
    reference: Ref, priority: Annotated[str, typer.Option("--priority", help="The priority as THEME.PRIORITY, e.g. 1.2.")],
    description: Annotated[str, typer.Option("--description", help="What is to be done.")],
    organisation: Annotated[str, typer.Option("--organisation", help="The organisation that owns it (its name).")],
    due: Annotated[str, typer.Option("--due", help="Due date (YYYY-MM-DD).")],
    status: Annotated[str, typer.Option("--status", help="open, in_progress, blocked, done or cancelled.")] = "open",
    problem: Problem = None, acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add an action to deliver improvement on a priority."""
    from sara.services import plans

    d = _date(due, "--due", as_json)
    a = _run(as_json, db, acting, lambda ctx: plans.add_action(ctx, reference, priority, description, organisation=organisation, due=d, status=status,
                                                              problems=problem or ()))  # fmt: skip
    _show_action(a, as_json)


@action_app.command("update")
def action_update(
    action_id: Annotated[int, typer.Argument(help="The action's id (as `sara plan show` lists it).")],
    status: Annotated[str | None, typer.Option("--status", help="open, in_progress, blocked, done or cancelled.")] = None,
    due: Annotated[str | None, typer.Option("--due", help="A new due date (YYYY-MM-DD).")] = None,
    problem: Problem = None, acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Change an action's status or due date, or link a problem to it."""
    from sara.services import plans

    d = _date(due, "--due", as_json)
    a = _run(as_json, db, acting, lambda ctx: plans.update_action(ctx, action_id, status=status, due=d, problems=problem or ()))
    _show_action(a, as_json)


@indicator_app.command("add")
def indicator_add(
    reference: Ref,
    theme: Annotated[str, typer.Option("--theme", help="The theme's number (or title).")],
    name: Annotated[str, typer.Option("--name", help="The indicator, e.g. 'Anti-social behaviour incidents'.")],
    baseline: Annotated[str, typer.Option("--baseline", help="The baseline period: 2025-01:2025-03, 2025-Q1, 2025 ...")],
    target: Annotated[float, typer.Option("--target", help="The target value per month or quarter.")],
    by: Annotated[str, typer.Option("--by", help="The target date (YYYY-MM-DD).")],
    kind: Annotated[str, typer.Option("--kind", help="computed (counted from the events), entered (a partner's figure) or survey (--survey and --question).")] = "computed",
    code: Annotated[str | None, typer.Option("--code", help="The indicator number, e.g. NI17.")] = None,
    baseline_value: Annotated[float | None, typer.Option("--baseline-value", help="The baseline value per period (computed ones: counted when left out).")] = None,
    direction: Annotated[str, typer.Option("--direction", help="reduce or increase.")] = "reduce",
    per: Annotated[str, typer.Option("--per", help="month or quarter.")] = "month",
    category: Annotated[list[str] | None, typer.Option("--category", help="An event category to count (repeat; none: all).")] = None,
    asb_type: Annotated[list[str] | None, typer.Option("--asb-type", help="Personal, Nuisance or Environmental (repeat).")] = None,
    flag: Annotated[list[str] | None, typer.Option("--flag", help="Only events flagged: domestic, alcohol, youth, drugs, hate, covid (repeat).")] = None,
    area: Annotated[str | None, typer.Option("--area", help="The area counted in (code or name; none: every area loaded).")] = None,
    measure: Annotated[str, typer.Option("--measure", help="count or rate_per_1000 (residents of the area).")] = "count",
    source: Annotated[str | None, typer.Option("--source", help="Where an entered indicator's figures come from.")] = None,
    survey: Annotated[str | None, typer.Option("--survey", help="A survey indicator: the questionnaire's key (sara survey list); its figure per period is read from the responses in --area.")] = None,
    question: Annotated[str | None, typer.Option("--question", help="A survey indicator: the question's key (sara survey show KEY).")] = None,
    tolerance: Annotated[float, typer.Option("--tolerance", help="At risk within this share of the baseline-target gap.")] = 0.1,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add an indicator to a theme's 'Measuring our success'."""
    from sara.services import plans

    d = _date(by, "--by", as_json)
    p = _run(as_json, db, acting, lambda ctx: plans.add_indicator(
        ctx, reference, theme, name, kind=kind, baseline_period=baseline, baseline_value=baseline_value, target_value=target, target_date=d,
        direction=direction, granularity=per, code=code, categories=category or (), asb_types=asb_type or (), flags=flag or (), area=area,
        measure=measure, source=source, tolerance=tolerance, survey=survey, question=question))  # fmt: skip
    if as_json:
        print_json(p)
    else:
        _show_progress(p)


@indicator_app.command("value")
def indicator_value(
    indicator_id: Annotated[int, typer.Argument(help="The indicator's id (as `sara plan show` lists it).")],
    period: Annotated[str, typer.Option("--period", help="The month or quarter it is for: 2025-06 or 2025-Q2.")],
    value: Annotated[float, typer.Option("--value", help="The figure.")],
    source: Annotated[str | None, typer.Option("--source", help="Where it comes from (default: the indicator's source).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Enter (or correct) an entered indicator's value for a month or quarter."""
    from sara.services import plans
    from sara.services.plans import figure

    r = _run(as_json, db, acting, lambda ctx: plans.enter_value(ctx, indicator_id, period, value, source=source))
    if as_json:
        print_json(r)
    else:
        ind = r["progress"]["indicator"]
        out.print(f"indicator {indicator_id} {r['period']}: {figure(r['value'], ind)}" + (f" (was {figure(r['replaced'], ind)})" if r["replaced"] is not None else ""),
                  highlight=False)  # fmt: skip
        _show_progress(r["progress"])
