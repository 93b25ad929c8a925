"""`sara demo casework`: lay the synthetic casework scenario on the loaded demo data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from sara.cli.base import Db, Json, app, database_errors, engine_from, fail, out, print_json

demo_app = typer.Typer(help="Synthetic demonstration data, clearly labelled.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@demo_app.command("casework")
def demo_casework(
    today: Annotated[str | None, typer.Option("--today", help="Place the live deadlines around this date (YYYY-MM-DD; default today).")] = None,
    db: Db = None,
    as_json: Json = False,
) -> None:
    """Organisations, users, problems, ASB powers, people, premises, a case review and an
    operation's patrols, all marked "(synthetic)", laid on the real Bolsover town centre data."""
    from sara.casework import demo
    from sara.errors import SaraError

    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        fail(f"--today {today!r} is not a date: use YYYY-MM-DD", as_json)
    with database_errors(as_json):
        engine = engine_from(db)
        try:
            made = demo.load(engine, today=day)
        except (SaraError, ValueError) as exc:
            fail(str(exc), as_json)
        finally:
            engine.dispose()
    if as_json:
        print_json(made)
    elif not made["loaded"]:
        out.print(made["reason"], highlight=False)
        if "password" in made:
            out.print(f"sign in at http://127.0.0.1:8000 as any of {', '.join(made['users'])} with the password {made['password']!r}", highlight=False)
    else:
        out.print(f"synthetic casework loaded: {len(made['problems'])} problems, {len(made['interventions'])} interventions, {len(made['people'])} people, "
                  f"{len(made['premises'])} premises, {len(made['case_reviews'])} ASB case reviews, operation {made['operation']!r}", highlight=False)  # fmt: skip
        extras = ([f"partnership plan {made['plan']}"] if made["plan"] else []) + [f"the public summary of {ref}" for ref in made["published"]]
        if made["early_help"].get("loaded"):
            extras.append(f"{len(made['early_help']['people'])} young people for the early-help search")
        if made["group"]:
            extras.append("an organised crime group")
        community = made.get("community") or {}
        if community.get("assets"):
            extras.append(f"{len(community['assets']['services'])} services in the area (sara assets gaps)")
        if community.get("watch"):
            extras.append(f"{len(community['watch']['schemes'])} Neighbourhood Watch schemes with {community['watch']['coordinators']} coordinators (sara watch table)")
        if community.get("messages"):
            extras.append("community messages and their groups (sara messages list)")
        if community.get("surveys"):
            extras.append(f"{sum(community['surveys']['responses'].values()):,} door-to-door survey answers (sara survey results perception)")
        if community.get("concerns"):
            extras.append(f"{len(community['concerns']['waiting'])} public concerns waiting for moderation (sara concerns list)")
        if extras:
            out.print("; ".join(extras), highlight=False)
        out.print(f"sign in at http://127.0.0.1:8000 as any of {', '.join(made['users'])} with the password {made['password']!r} "
                  f"(or at the command line: SARA_PASSWORD={made['password']!r} sara problem list --as pc.dexter)", highlight=False)  # fmt: skip


@demo_app.command("tags")
def demo_tags(db: Db = None, as_json: Json = False) -> None:
    """Electronic monitoring on the casework demo: three wearers' GPS trails and 30 timed
    burglaries at real Bolsover burglaries' places, all marked "(synthetic)", with planted hits
    and near misses. A source of its own, so the real police.uk counts are unchanged; kept out
    of `demo casework` for that reason, and laid by `make run`."""
    from sara.casework import demo_tags as tags_demo

    with database_errors(as_json):
        engine = engine_from(db)
        try:
            made = tags_demo.load(engine)
        finally:
            engine.dispose()
    if as_json:
        print_json(made)
    elif not made["loaded"]:
        out.print(made["reason"], highlight=False)
    else:
        out.print(f"synthetic electronic monitoring loaded: trails of {len(made['wearers'])} wearers ({made['fixes']:,} fixes) against "
                  f"{made['burglaries']} timed burglaries", highlight=False)  # fmt: skip
