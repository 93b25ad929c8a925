"""The public summary of a problem ("you said, we did"), on the `sara problem` group:
`sara problem publish|approve-publication|withdraw-publication|publication REF`.

The problem's owner (or a problem owner of its organisation) writes it; a lead of the owning
organisation other than its writer approves it; a lead or a writer withdraws it. The rules and
the text checks live in ``sara.casework.publication``; the public site is `sara report public`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sara.cli.base import As, Db, Json, in_context, out, print_json
from sara.cli.problems import Ref, problem_app

STATUS = {"none": "not written", "draft": "waiting for a lead's approval", "approved": "published", "withdrawn": "withdrawn"}


def _print(d: dict, as_json: bool) -> None:
    if as_json:
        print_json(d)
        return
    out.print(f"[bold]{d['problem']}[/bold] public summary: {STATUS[d['status']]}", highlight=False)
    if d.get("area"):
        out.print(f"  neighbourhood: {d['area']['name']} ({d['area']['kind']}, {d['area']['code']}){' (suggested)' if d['area'].get('suggested') else ''}",
                  highlight=False)  # fmt: skip
    for k, label in (("title", "title"), ("said", "you said"), ("did", "we did")):
        if d.get(k):
            out.print(f"  {label}: {d[k]}", highlight=False)
    if d.get("written_by"):
        out.print(f"  written by {d['written_by']} at {d['written_at']}", highlight=False)
    if d.get("approved_by"):
        out.print(f"  approved by {d['approved_by']} at {d['approved_at']}", highlight=False)


@problem_app.command("publish")
def publish(
    ref: Ref,
    title: Annotated[str, typer.Option("--title", help="The public title, in words local people use (at most 120 characters).")],
    said: Annotated[str, typer.Option("--said", help="You said: what people told the partnership.")],
    did: Annotated[str, typer.Option("--did", help="We did: what the partnership did, and what changed.")],
    area: Annotated[str | None, typer.Option("--area", help="The ward or district code whose page shows it (default: the ward of the problem's area).")] = None,
    acting: As = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Write or change a problem's public summary; it waits for a lead's approval (any earlier approval is cleared)."""
    from sara.services import public

    _print(in_context(as_json, db, acting, lambda ctx: public.write_publication(ctx, ref, title=title, said=said, did=did, area=area)), as_json)


@problem_app.command("approve-publication")
def approve_publication(ref: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Approve a problem's public summary for the public pages (a lead of the owning organisation, not its writer)."""
    from sara.services import public

    _print(in_context(as_json, db, acting, lambda ctx: public.approve_publication(ctx, ref)), as_json)


@problem_app.command("withdraw-publication")
def withdraw_publication(ref: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """Withdraw a problem's public summary from the public pages."""
    from sara.services import public

    _print(in_context(as_json, db, acting, lambda ctx: public.withdraw_publication(ctx, ref)), as_json)


@problem_app.command("publication")
def show_publication(ref: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """A problem's public summary as it stands, and what you may do with it."""
    from sara.services import public

    _print(in_context(as_json, db, acting, lambda ctx: public.publication(ctx, ref)), as_json)
