"""Community messaging commands: `sara messages ...`.

``group add|list`` (messaging groups by area and interest, under the codes the force's
messaging system knows them by), ``draft`` (from ``--problem REF`` or ``--operation NAME``,
for ``--group CODE``s; what is not given is prefilled from the source's public-safe words),
``list``, ``show``, ``edit``, ``approve``, ``withdraw``, ``export ID --csv F --text F --html F``
and ``counts``. Each acts as ``--as`` and calls one function of ``sara.services.messages``.
SARA sends nothing itself: ``export`` writes what the messaging system takes in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, fail, in_context, out, print_json

messages_app = typer.Typer(help="Messaging groups by area and interest; messages drafted from a problem or an operation, approved by a lead, exported for the force's messaging system.", no_args_is_help=True)  # fmt: skip
app.add_typer(messages_app, name="messages")
group_app = typer.Typer(help="Messaging groups: by area or interest, with the code the messaging system knows each by.", no_args_is_help=True)
messages_app.add_typer(group_app, name="group")

Ref = Annotated[str, typer.Argument(help="The message, e.g. MSG-2026-0001 (sara messages list).")]
Title = Annotated[str | None, typer.Option("--title", help="The message's title (at most 120 characters).")]
Doing = Annotated[str | None, typer.Option("--doing", help="What we are doing, in plain words.")]
YouCan = Annotated[str | None, typer.Option("--you-can", help="What you can do, in plain words.")]
Snt = Annotated[str | None, typer.Option("--snt", help="The Safer Neighbourhood Team it counts for (default: the one its groups share).")]


@group_app.command("add")
def group_add(
    code: Annotated[str, typer.Argument(help="The code the messaging system knows the group by, e.g. BOL-ALLOTMENTS.")],
    name: Annotated[str, typer.Option("--name", help="The group's name, e.g. 'Allotment Watch, Bolsover'.")] = "",
    kind: Annotated[str, typer.Option("--kind", help="area (everyone subscribed in an area) or interest (Allotment Watch, Business Watch, Rural).")] = "area",
    area: Annotated[str | None, typer.Option("--area", help="The loaded area it covers (ward, LSOA or district code or name); needed for an area group.")] = None,
    snt: Snt = None,
    subscribers: Annotated[int | None, typer.Option("--subscribers", help="Subscribers, as the messaging system reports them.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add a messaging group of your organisation (a problem owner or lead)."""
    from sara.services import messages

    g = in_context(as_json, db, acting, lambda ctx: messages.add_group(ctx, code, name, kind, area=area, snt=snt, subscribers=subscribers))
    print_json(g) if as_json else out.print(f"{g['code']}: {g['name']} ({g['kind']}" + (f", {g['area']['name']}" if g["area"] else "") + ")", highlight=False)


@group_app.command("list")
def group_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Your organisation's messaging groups."""
    from sara.services import messages

    groups = in_context(as_json, db, acting, messages.list_groups)
    if as_json:
        print_json(groups)
        return
    table = Table("code", "name", "kind", "area", "SNT", "subscribers", title=f"Messaging groups ({len(groups)})")
    for g in groups:
        table.add_row(
            g["code"], g["name"], g["kind"], g["area"]["name"] if g["area"] else "", g["snt"] or "", "" if g["subscribers"] is None else f"{g['subscribers']:,}"
        )
    out.print(table)


def _print(m: dict) -> None:
    out.print(f"{m['id']} ({m['status']}), from {m['source']['kind']} {m['source']['ref']}, for {', '.join(g['code'] for g in m['groups'])}", highlight=False)
    out.print(m["text"], highlight=False, soft_wrap=True)


@messages_app.command("draft")
def message_draft(
    problem: Annotated[str | None, typer.Option("--problem", help="The problem it is about (PRB-YYYY-NNNN).")] = None,
    operation: Annotated[str | None, typer.Option("--operation", help="The operation it is about, by name.")] = None,
    groups: Annotated[list[str] | None, typer.Option("--group", help="A messaging group's code (repeat).")] = None,
    title: Title = None, doing: Doing = None, you_can: YouCan = None, snt: Snt = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Draft a message from a problem or an operation; what you leave out is prefilled from its public-safe words."""
    from sara.services import messages

    m = in_context(as_json, db, acting, lambda ctx: messages.draft(ctx, problem=problem, operation=operation, groups=groups or [], title=title, doing=doing,
                                                                   you_can=you_can, snt=snt))  # fmt: skip
    print_json(m) if as_json else _print(m)


@messages_app.command("edit")
def message_edit(
    reference: Ref, title: Title = None, doing: Doing = None, you_can: YouCan = None, snt: Snt = None,
    groups: Annotated[list[str] | None, typer.Option("--group", help="The groups it is for instead (repeat).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Change a message's words, groups or team: its approval is cleared, a lead approves it again."""
    from sara.services import messages

    m = in_context(as_json, db, acting, lambda ctx: messages.edit(ctx, reference, title=title, doing=doing, you_can=you_can, groups=groups, snt=snt))
    print_json(m) if as_json else _print(m)


@messages_app.command("list")
def message_list(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Your organisation's groups and messages, newest first."""
    from sara.services import messages

    data = in_context(as_json, db, acting, messages.overview)
    if as_json:
        print_json(data)
        return
    table = Table(
        "message", "status", "title", "groups", "written", "approved", "exported", title=f"Messages ({len(data['messages'])}, {data['waiting']} waiting)"
    )
    for m in data["messages"]:
        table.add_row(m["id"], m["status"], m["title"], ", ".join(g["code"] for g in m["groups"]), f"{m['written_at'][:10]} {m['written_by']}",
                      f"{(m['approved_at'] or '')[:10]} {m['approved_by'] or ''}", (m["exported_at"] or "")[:10])  # fmt: skip
    out.print(table)


@messages_app.command("show")
def message_show(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """One message: its text, groups, source and who wrote and approved it."""
    from sara.services import messages

    m = in_context(as_json, db, acting, lambda ctx: messages.show(ctx, reference))
    print_json(m) if as_json else _print(m)


@messages_app.command("approve")
def message_approve(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Approve a message as written (a lead of its organisation who did not write it)."""
    from sara.services import messages

    m = in_context(as_json, db, acting, lambda ctx: messages.approve(ctx, reference))
    print_json(m) if as_json else out.print(f"{m['id']} approved by {m['approved_by']}: it may be exported", highlight=False)


@messages_app.command("withdraw")
def message_withdraw(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Withdraw a message: it is not exported or counted any more."""
    from sara.services import messages

    m = in_context(as_json, db, acting, lambda ctx: messages.withdraw(ctx, reference))
    print_json(m) if as_json else out.print(f"{m['id']} withdrawn", highlight=False)


@messages_app.command("export")
def message_export(
    reference: Ref,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write the CSV for the messaging system: a row per recipient group (its code) with the text.")] = None,
    text_path: Annotated[Path | None, typer.Option("--text", help="Write the plain text.")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write the HTML version.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Export an approved message for the force's messaging system (SARA sends nothing itself)."""
    from sara.services import messages

    if not (csv_path or text_path or html_path or as_json):
        fail("say what to write: --csv FILE, --text FILE and/or --html FILE (or --json)", as_json)
    made = in_context(as_json, db, acting, lambda ctx: messages.export(ctx, reference))
    written = []
    for path, key in ((csv_path, "csv"), (text_path, "text"), (html_path, "html")):
        if path:
            path.write_text(made[key], encoding="utf-8", newline="")
            written.append(str(path))
    if as_json:
        print_json(made | {"written": written})
        return
    out.print(f"{made['id']} for {', '.join(made['groups'])}: wrote {', '.join(written)}. SARA sends nothing: load these into the messaging system.", highlight=False,
              soft_wrap=True)  # fmt: skip


@messages_app.command("counts")
def message_counts(
    start: Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM (default: eleven months before the last).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last month, YYYY-MM (default: this month).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Messages per team (organisation and SNT) and month: the minimum-standards figure."""
    from sara.services import messages

    data = in_context(as_json, db, acting, lambda ctx: messages.counts(ctx, start=start, end=end))
    if as_json:
        print_json(data)
        return
    table = Table("organisation", "SNT", *data["months"], "total", title=f"Messages {data['start']} to {data['end']}: {data['counted']}")
    for t in data["teams"]:
        table.add_row(t["organisation"], t["snt"] or "", *map(str, t["counts"]), str(t["total"]))
    table.add_row("All teams", "", *map(str, data["totals"]), str(data["total"]))
    out.print(table)
