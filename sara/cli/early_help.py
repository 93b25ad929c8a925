"""Early-help commands: `sara early-help search|list|review|refer|referral update`.

The daily early-intervention search (Calderdale District's Early Help Team, West Yorkshire
Police COT briefing, December 2021): every young person newly linked to a crime as a suspect
or offender, first-time or repeat. ``search --since DATE`` records what it finds once, so it is
safe to run from cron every 24 hours, e.g.::

    SARA_USER=yos.worker SARA_TOKEN=... sara early-help search --since "$(date -d yesterday +%F)" --json

Only police, youth justice and council early-help users may use it; each person shown is
audited with its purpose. The rules are ``sara.casework.early_help``'s.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, fail, in_context, out, parse_date, print_json, spell_fields

early_help_app = typer.Typer(help="The daily early-intervention search: young people newly linked to crimes, reviews and referrals.", no_args_is_help=True)
referral_app = typer.Typer(help="Referrals made from the search or another route: record the meeting, actions and outcome.", no_args_is_help=True)
app.add_typer(early_help_app, name="early-help")
early_help_app.add_typer(referral_app, name="referral")

spell_fields("early-help", {"to_team": "--to", "person_ref": "--person", "meeting_on": "--meeting-on", "closed_on": "--closed-on", "referred_on": "--on"})

Team = Annotated[str, typer.Option("--to", help="early_action, liaison_diversion, youth_justice or childrens_social_care.")]
Meeting = Annotated[str | None, typer.Option("--meeting", help="Where it was discussed, e.g. 'twice-weekly partners meeting'.")]
MeetingOn = Annotated[str | None, typer.Option("--meeting-on", help="The meeting's date (YYYY-MM-DD).")]
Issues = Annotated[str | None, typer.Option("--issues", help="The issues behind the referral.")]
Actions = Annotated[str | None, typer.Option("--actions", help="The actions agreed.")]
Outcome = Annotated[str | None, typer.Option("--outcome", help="What came of it.")]


def _person(v: dict) -> str:
    return v.get("id") or v.get("pseudonym", "")


def _show_listing(data: dict, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    run = data.get("search")
    if run is None:
        out.print("No early-help search has run yet: sara early-help search --since YYYY-MM-DD", highlight=False)
        return
    new = run["new"]
    out.print(f"Links since {data['since']} (search {run['run_at'][:16].replace('T', ' ')} UTC by {run['run_by']}): {len(data['young_people'])} young "
              f"people listed; new in that run {new['young_people']} ({new['first_time']} first time, {new['repeat']} repeat)", highlight=False)  # fmt: skip
    t = Table("person", "name", "status", "age at event", "finding", "crime", "month", "place", "reviewed", title="Young people linked to crimes")
    for yp in data["young_people"]:
        for i, e in enumerate(yp["events"]):
            t.add_row(_person(yp["person"]) if i == 0 else "", (yp["person"].get("name") or "") if i == 0 else "", yp["status"].replace("_", " ") if i == 0 else "",
                      e["age_text"], str(e["finding"] or ""), e["category"], e["month"], e["place"] or "",
                      f"{e['reviewed_by']}: {e['review_note']}" if e["reviewed_at"] else "to review")  # fmt: skip
    out.print(t)


def _show_referral(r: dict, as_json: bool) -> None:
    if as_json:
        print_json(r)
        return
    out.print(f"{r['reference']}: {_person(r['person'])} referred to {r['to_team_name']} on {r['referred_on']} ({r['route_name']})"
              + (f"; {r['meeting']}" if r.get("meeting") else "") + (f"; outcome: {r['outcome']}" if r.get("outcome") else ""), highlight=False)  # fmt: skip


@early_help_app.command("search")
def search(
    since: Annotated[str | None, typer.Option("--since", help="Links made on or after this UK date (YYYY-MM-DD; default the last search's day).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Run the search: young people newly linked to a crime, first-time or repeat (recorded once; safe to re-run)."""
    from sara.services import early_help as services_eh

    day = parse_date(since, "--since", as_json)
    _show_listing(in_context(as_json, db, acting, lambda ctx: services_eh.search(ctx, day)), as_json)


@early_help_app.command("list")
def list_(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """What the last search lists now, each crime with its review, and the referrals."""
    from sara.services import early_help as services_eh

    data = in_context(as_json, db, acting, services_eh.latest)
    _show_listing(data, as_json)
    if not as_json:
        for r in data["referrals"]:
            _show_referral(r, False)


@early_help_app.command("review")
def review(
    finding: Annotated[int, typer.Argument(help="The finding's number (the list's 'finding' column).")],
    note: Annotated[str, typer.Option("--note", help="What the review found and decided.")],
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record the team's review of one crime of one young person."""
    from sara.services import early_help as services_eh

    r = in_context(as_json, db, acting, lambda ctx: services_eh.review(ctx, finding, note))
    print_json(r) if as_json else out.print(f"finding {r['finding']} (event {r['event_id']}) reviewed by {r['reviewed_by']}", highlight=False)


@early_help_app.command("refer")
def refer(
    person: Annotated[str, typer.Argument(help="The young person's reference, e.g. PER-2026-0004.")],
    to_team: Team,
    route: Annotated[str, typer.Option("--route", help="police_search (default), front_door (a children's services front-door referral) or other.")] = "police_search",
    on: Annotated[str | None, typer.Option("--on", help="The referral's date (YYYY-MM-DD; default today).")] = None,
    meeting: Meeting = None, meeting_on: MeetingOn = None, issues: Issues = None, actions: Actions = None, outcome: Outcome = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Refer a young person to a team or partner; they are not listed again until a new crime links to them."""
    from sara.services import early_help as services_eh

    fields = {"route": route, "referred_on": parse_date(on, "--on", as_json), "meeting": meeting, "meeting_on": parse_date(meeting_on, "--meeting-on", as_json),
              "issues": issues, "actions": actions, "outcome": outcome}  # fmt: skip
    _show_referral(in_context(as_json, db, acting, lambda ctx: services_eh.refer(ctx, person, to_team, **fields)), as_json)


@referral_app.command("update")
def referral_update(
    reference: Annotated[str, typer.Argument(help="The referral, e.g. EHR-2026-0001.")],
    to_team: Annotated[str | None, typer.Option("--to", help="Another team or partner.")] = None,
    meeting: Meeting = None, meeting_on: MeetingOn = None, issues: Issues = None, actions: Actions = None, outcome: Outcome = None,
    closed_on: Annotated[str | None, typer.Option("--closed-on", help="The day it closed (YYYY-MM-DD).")] = None,
    version: Annotated[int | None, typer.Option("--version", help="The version you read (refused if it changed meanwhile).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record where a referral was discussed, its actions and outcome, or that it closed."""
    from sara.services import early_help as services_eh

    changes = {"to_team": to_team, "meeting": meeting, "meeting_on": parse_date(meeting_on, "--meeting-on", as_json), "issues": issues, "actions": actions,
               "outcome": outcome, "closed_on": parse_date(closed_on, "--closed-on", as_json)}  # fmt: skip
    if all(v is None for v in changes.values()):
        fail("nothing to change: give --meeting, --meeting-on, --actions, --outcome, --closed-on or --to", as_json)
    _show_referral(in_context(as_json, db, acting, lambda ctx: services_eh.update_referral(ctx, reference, version=version, **changes)), as_json)
