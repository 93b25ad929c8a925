"""The public reporting portal (issue 13, part 5) commands: `sara concerns ...`.

``list`` (your team's moderation queue), ``show REF`` (one concern; the contact details for the
owning team's problem owners and leads, audited), ``accept REF`` (it becomes a partner-report
event, optionally linked to a problem and a witness) and ``reject REF --reason``. Each acts as
the user named by ``--as`` and calls one function of ``sara.services.concerns``; the public
sends concerns at /report-a-concern, never through the CLI.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, in_context, out, print_json, spell_fields

concerns_app = typer.Typer(
    help="Concerns reported by the public at /report-a-concern, the moderation queue, and the partner-report events they become.", no_args_is_help=True
)
app.add_typer(concerns_app, name="concerns")

spell_fields("concerns", {"witness": "--witness", "summary": "--summary", "reason": "--reason"})

Ref = Annotated[str, typer.Argument(help="The concern: its reference (CON-YYYY-NNNN) or the receipt number the reporter was given.")]


def _line(c: dict) -> str:
    place = c["ward_name"] or c["district_name"] or "unplaced"
    return f"{c['id']} [{c['status']}] {c['category_label']}; {c['where'] or 'a pin on the map'} ({place}); received {c['received_at']}"


@concerns_app.command("list")
def concerns_list(
    status: Annotated[str, typer.Option("--status", help="waiting, accepted, rejected or all.")] = "waiting",
    problem: Annotated[str | None, typer.Option("--problem", help="Only the concerns linked to this problem (PRB-YYYY-NNNN).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Your team's moderation queue: the concerns placed in your organisation's areas (no contact details)."""
    from sara.services import concerns

    data = in_context(as_json, db, acting, lambda ctx: concerns.queue(ctx, status=None if status == "all" else status, problem=problem))
    if as_json:
        print_json(data)
        return
    counts = ", ".join(f"{n} {s}" for s, n in data["counts"].items())
    table = Table("concern", "status", "about", "where", "area", "received", title=f"Public concerns for {data['organisation']} ({counts})")
    for c in data["concerns"]:
        table.add_row(
            c["id"], c["status"], c["category_label"], c["where"] or "a pin on the map", c["ward_name"] or c["district_name"] or "unplaced", c["received_at"]
        )
    out.print(table)


@concerns_app.command("show")
def concerns_show(
    reference: Ref,
    purpose: Annotated[str, typer.Option("--purpose", help="Why you read it (kept in the audit trail when the contact details are shown).")] = "moderating a public concern",
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """One concern in full; the reporter's contact details for the owning team's problem owners and leads (audited)."""
    from sara.services import concerns

    c = in_context(as_json, db, acting, lambda ctx: concerns.show(ctx, reference, purpose=purpose))
    if as_json:
        print_json(c)
        return
    out.print(_line(c), highlight=False)
    out.print(f"when: {c['occurred_on'] or c['when'] or 'not said'}", highlight=False)
    out.print(f"what happened: {c['description']}", highlight=False, soft_wrap=True)
    contact = c["contact"]
    if contact is None:
        out.print("contact: none given")
    elif contact.get("withheld"):
        out.print("contact: given, shown only to the team's problem owners and leads")
    else:
        out.print(f"contact: {', '.join(v for v in (contact['name'], contact['phone'], contact['email']) if v)} (consented)", highlight=False)
    if c["status"] != "waiting":
        out.print(f"{c['status']} by {c['decided_by']} ({c['decided_by_organisation']}) on {c['decided_at']}" + (f": {c['reason']}" if c["reason"] else "")
                  + (f"; event {c['event_id']}" if c["event_id"] else "") + (f"; problem {c['problem']}" if c["problem"] else "")
                  + (f"; witness {c['witness']}" if c["witness"] else ""), highlight=False)  # fmt: skip


@concerns_app.command("accept")
def concerns_accept(
    reference: Ref,
    category: Annotated[str | None, typer.Option("--category", help="Change the category (asb_personal, asb_nuisance, asb_environmental, vehicles, damage, drugs, other).")] = None,
    summary: Annotated[str | None, typer.Option("--summary", help="The words the event carries instead of the description (leave out third parties' names).")] = None,
    problem: Annotated[str | None, typer.Option("--problem", help="Link it to this problem (PRB-YYYY-NNNN).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note on the decision.")] = None,
    witness: Annotated[str | None, typer.Option("--witness", help="'new' to record the reporter as a witness of your organisation, or a PER-YYYY-NNNN to link.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Accept a concern: it becomes a partner-report event (source "public report")."""
    from sara.services import concerns

    c = in_context(
        as_json, db, acting, lambda ctx: concerns.accept(ctx, reference, category=category, summary=summary, problem=problem, note=note, witness=witness)
    )
    print_json(c) if as_json else out.print(f"{c['id']} accepted: event {c['event_id']}" + (f", linked to {c['problem']}" if c["problem"] else "")
                                            + (f", witness {c['witness']}" if c["witness"] else ""), highlight=False)  # fmt: skip


@concerns_app.command("reject")
def concerns_reject(
    reference: Ref,
    reason: Annotated[str, typer.Option("--reason", help="Why it is rejected (kept with the concern).")] = "",
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Reject a concern with a reason: it stays on record, rejected."""
    from sara.services import concerns

    c = in_context(as_json, db, acting, lambda ctx: concerns.reject(ctx, reference, reason))
    print_json(c) if as_json else out.print(f"{c['id']} rejected: {c['reason']}", highlight=False)
