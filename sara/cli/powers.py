"""ASB powers commands: `sara power issue|step|breach|deadlines|table`.

Each acts as the user named by ``--as`` (or ``SARA_USER``): interventions are personal data,
written only by the owning organisation and read by others through sharing-agreement scopes
(``sara.access.permissions``). A step the law does not allow is refused with what is missing.
Times without a zone are UK local time (Europe/London). The services' fields are worded as
the options that supply them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, app, as_user, fail, in_context, out, parse_date, print_json, spell_fields

power_app = typer.Typer(help="ASB powers as interventions: issue, take steps, record breaches, list deadlines, the yearly table.",
                        no_args_is_help=True)  # fmt: skip
app.add_typer(power_app, name="power")

# The interventions service's fields whose option is spelled otherwise (the others are found
# on the running command by name).
spell_fields("power", {
    "subject_ref": "--subject", "subject_kind": "--kind", "subject_dob": "--dob", "by_rank": "--rank", "amount_gbp": "--amount", "facts": "--fact",
    "problem_ref": "--problem", "year_start": "--from", "year_end": "--to",
})  # fmt: skip

At = Annotated[str | None, typer.Option("--at", help="When (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UK time unless a zone is given; default now).")]
Rank = Annotated[str | None, typer.Option("--rank", help="Rank or role of who authorised it: constable, inspector, superintendent, local_authority, court, ...")]
Due = Annotated[str | None, typer.Option("--due", help="The end date/time the step sets (a notice's end, the time given in a warning).")]
Amount = Annotated[int | None, typer.Option("--amount", help="Fixed penalty amount in whole pounds.")]
Fact = Annotated[list[str] | None, typer.Option("--fact", help="A fact recorded as done, e.g. appropriate_bodies_informed, occupiers_informed (repeat).")]


def _time(value: str | None, what: str, as_json: bool, *, default_now: bool = True) -> dt.datetime | None:
    from sara.casework.clock import LONDON

    if value is None:
        return dt.datetime.now(LONDON) if default_now else None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{what} {value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM", as_json)
    return t.replace(tzinfo=LONDON) if t.tzinfo is None else t


def _show_case(case: dict, as_json: bool) -> None:
    if as_json:
        print_json(case)
        return
    last = case["steps"][-1] if case["steps"] else {}
    out.print(f"{case['reference']}: {case['power']} (rules {case['rule_version']}) now '{case['status']}' after {last.get('step')} at {last.get('at')}",
              highlight=False)  # fmt: skip


Purpose = Annotated[str, typer.Option("--purpose", help="Why you are reading it (kept in the audit trail).")]


@power_app.command("show")
def power_show(
    reference: Annotated[str, typer.Argument(help="The intervention, e.g. INT-2026-0001.")], purpose: Purpose = "casework", acting: As = None, db: Db = None,
    as_json: Json = False,
) -> None:  # fmt: skip
    """One intervention at your scope: its legal steps, breaches and end (audited)."""
    from sara.services import powers

    shown = in_context(as_json, db, acting, lambda ctx: powers.case(ctx, reference, purpose=purpose))
    if as_json:
        print_json(shown)
        return
    case = shown["case"]
    if case["scope"] != "full":
        out.print(f"{case.get('id') or case.get('pseudonym')} ({case['scope']} view): "
                  + ", ".join(f"{k} {v}" for k, v in case.items() if k not in ("id", "pseudonym", "scope", "record_type")), highlight=False)  # fmt: skip
        return
    _show_case(case, as_json)
    for st in case["steps"]:
        extra = "".join(f", {k.replace('_', ' ')} {st[k]}" for k in ("by_rank", "due", "amount_gbp") if st[k]) + (f", facts {', '.join(st['facts'])}" if st["facts"] else "")
        out.print(f"  {st['at'][:16].replace('T', ' ')}  {st['step']}{extra}", highlight=False)
    for b in case["breaches"]:
        out.print(f"  breach {b['occurred_at'][:16].replace('T', ' ')}: {b['response']}" + (f" ({b['outcome']})" if b["outcome"] else ""), highlight=False)


@power_app.command("list")
def power_list(
    power: Annotated[str | None, typer.Option("--power", help="Only this power (cpw, cpn, closure, cbo, ...).")] = None,
    problem: Annotated[str | None, typer.Option("--problem", help="Only the interventions of this problem.")] = None,
    purpose: Purpose = "casework", acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The interventions you may read, each at your scope (audited)."""
    from rich.table import Table

    from sara.services import powers

    found = in_context(as_json, db, acting, lambda ctx: powers.cases(ctx, power=power, problem=problem, purpose=purpose))
    if as_json:
        print_json(found)
        return
    rows = found["interventions"]
    table = Table("intervention", "scope", "power", "status", "expires", "working with", title=f"Interventions ({len(rows)})")
    for r in rows:
        table.add_row(r.get("id") or r.get("pseudonym"), r["scope"], r.get("type", ""), r.get("status", ""), (r.get("expires_at") or "")[:10],
                      ", ".join(r["working_with"]))  # fmt: skip
    out.print(table)


@power_app.command("issue")
def power_issue(
    power: Annotated[str, typer.Option("--power", help="cpw, cpn, pspo, dispersal, closure, injunction, cbo, abc (or a rules-table power).")],
    subject: Annotated[str, typer.Option("--subject", help="The subject's reference (pseudonymous-safe: a case or person reference, not a name).")],
    kind: Annotated[str, typer.Option("--kind", help="person, body, premises or area.")] = "person",
    dob: Annotated[str | None, typer.Option("--dob", help="The subject's date of birth (YYYY-MM-DD), for the minimum-age checks.")] = None,
    at: At = None,
    rank: Rank = None,
    first_step: Annotated[str | None, typer.Option("--step", help="The first step, when not the power's usual one.")] = None,
    due: Due = None,
    amount: Amount = None,
    fact: Fact = None,
    problem: Annotated[str | None, typer.Option("--problem", help="The problem this intervention serves (its reference).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Open an intervention and take its first step (a CPW, a closure notice, an injunction application, ...)."""
    from sara.casework import interventions as iv

    when = _time(at, "--at", as_json)
    birth = parse_date(dob, "--dob", as_json)
    until = _time(due, "--due", as_json, default_now=False)
    case = as_user(as_json, db, acting, lambda e, a: iv.issue(e, a, power, when, subject_ref=subject, subject_kind=kind, subject_dob=birth, by_rank=rank,
                                                              step=first_step, due=until, amount_gbp=amount, facts=fact or (), problem_ref=problem))  # fmt: skip
    _show_case(case, as_json)


@power_app.command("step")
def power_step(
    reference: Annotated[str, typer.Argument(help="The intervention, e.g. INT-2026-0001.")],
    step: Annotated[str, typer.Option("--step", help="The step: cpn, fpn, appeal, make_order, extend_notice, ... (the power's rules table).")],
    at: At = None,
    rank: Rank = None,
    due: Due = None,
    amount: Amount = None,
    fact: Fact = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Take the next legal step on an intervention, checked by the rules of its own version."""
    from sara.casework import interventions as iv

    when = _time(at, "--at", as_json)
    until = _time(due, "--due", as_json, default_now=False)
    case = as_user(as_json, db, acting, lambda e, a: iv.step(e, a, reference, step, when, rank, due=until, amount_gbp=amount, facts=fact or ()))
    _show_case(case, as_json)


@power_app.command("breach")
def power_breach(
    reference: Annotated[str, typer.Argument(help="The intervention, e.g. INT-2026-0001.")],
    response: Annotated[str, typer.Option("--response", help="warning, fpn, prosecution, committal, yot_referral, remedial_action, remedial_order, "
                                                             "forfeiture_order or seizure_warrant.")],  # fmt: skip
    at: At = None,
    rank: Rank = None,
    amount: Amount = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    court: Annotated[str | None, typer.Option("--court-ref", help="The court's case reference.")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Record a breach of an intervention and the response to it."""
    from sara.casework import interventions as iv

    when = _time(at, "--at", as_json)
    case = as_user(as_json, db, acting, lambda e, a: iv.breach(e, a, reference, when, response, by_rank=rank, outcome=outcome, court_reference=court,
                                                               amount_gbp=amount))  # fmt: skip
    _show_case(case, as_json)


@power_app.command("deadlines")
def power_deadlines(
    mine: Annotated[bool, typer.Option("--mine", help="Only the acting user's interventions.")] = False,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this user's interventions.")] = None,
    within: Annotated[int, typer.Option("--within", help="Days ahead to look.")] = 14,
    at: At = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Why the cases are read (audited).")] = "deadline list",
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Upcoming and missed legal deadlines, earliest first."""
    from rich.table import Table

    from sara.casework import interventions as iv

    when = _time(at, "--at", as_json)
    who = acting if mine else owner
    rows = as_user(as_json, db, acting, lambda e, a: iv.deadlines(e, a, when, owner=a.username if mine else owner, within=dt.timedelta(days=within),
                                                                  purpose=purpose))  # fmt: skip
    if as_json:
        print_json({"at": when.isoformat(), "within_days": within, "owner": who, "deadlines": rows})
        return
    table = Table("due", "reference", "power", "owner", "deadline", "missed", title=f"Deadlines to {(when + dt.timedelta(days=within)):%d %b %Y}")
    for r in rows:
        table.add_row(r["due"][:16].replace("T", " "), r["reference"], r["power"] or "", r["owner"] or "", r["label"],
                      "[red]MISSED[/red]" if r["missed"] else "")  # fmt: skip
    out.print(table)


@power_app.command("table")
def power_table(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), e.g. 2020-04-01.")],
    end: Annotated[str, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD), e.g. 2021-03-31.")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the table to this CSV file ('-' for stdout).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Powers used, granted and breached in a period, in the shape of a PCC scrutiny report (counts only; --csv is an export, audited)."""
    from rich.table import Table

    from sara.casework import interventions as iv
    from sara.report.export import STDOUT, write_csv

    first, last = parse_date(start, "--from", as_json), parse_date(end, "--to", as_json)
    if csv is not None:
        table = as_user(as_json, db, acting, lambda e, a: iv.export_table(e, a, first, last))
        rows = table["rows"]
        write_csv(csv, table["columns"], rows)
        if str(csv) == STDOUT:
            return
    else:
        rows = as_user(as_json, db, acting, lambda e, a: iv.yearly_table(e, first, last)).to_dicts()
    if as_json:
        print_json({"from": first.isoformat(), "to": last.isoformat(), "rows": rows})
    elif csv is None:
        table = Table("measure", "count", title=f"ASB powers used {first:%d %b %Y} to {last:%d %b %Y}")
        section = None
        for r in rows:
            if r["section"] != section:
                section = r["section"]
                table.add_row(f"[bold]{section}", "")
            table.add_row(r["measure"], str(r["count"]))
        out.print(table)
    else:
        out.print(f"wrote {len(rows)} rows to {csv}", highlight=False)
