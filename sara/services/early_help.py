"""The early-help search as the command line and the pages use it: run the daily search, see
what the last one lists, review a crime, refer a young person (from the search or from a
children's services front-door referral) and record the meeting, actions and outcome; and
``today_items`` for the Today page: what is new since the last search.

Every rule, permission check and audit entry is ``sara.casework.early_help``'s; this module
only gives each job its ``Context``.
"""

from __future__ import annotations

import datetime as dt

from sara.casework import early_help as eh
from sara.casework.clock import LONDON
from sara.errors import Forbidden
from sara.services import Context

TEAMS, ROUTES = eh.TEAMS, eh.ROUTES


def may_use(actor) -> bool:
    """The navigation's hint: police, youth justice and council users with a role that reads
    people (the service's own check also asks for the council's sharing agreement)."""
    return eh.may_use(actor)


def _today(ctx: Context) -> dt.date:
    return ctx.now.replace(tzinfo=dt.UTC).astimezone(LONDON).date()


def search(ctx: Context, since: dt.date | None = None) -> dict:
    """``sara early-help search --since DATE``: links made since ``since`` (default: the day
    of the last search, else yesterday), recorded once however often it is run."""
    if since is None:
        last = eh.last_search(ctx.engine)
        ran = dt.datetime.fromisoformat(last["run_at"]).replace(tzinfo=dt.UTC).astimezone(LONDON).date() if last else None
        since = ran or _today(ctx) - dt.timedelta(days=1)
    return eh.search(ctx.engine, ctx.actor, since, now=ctx.now)


def latest(ctx: Context) -> dict:
    """What the last search lists now, with the referrals: ``/early-help`` and ``sara early-help list``."""
    return eh.latest(ctx.engine, ctx.actor, now=ctx.now) | {"teams": TEAMS, "routes": ROUTES, "today": _today(ctx).isoformat()}


def review(ctx: Context, finding: int, note: str) -> dict:
    return eh.review(ctx.engine, ctx.actor, finding, note, now=ctx.now)


def refer(ctx: Context, person: str, to_team: str, **fields) -> dict:
    return eh.refer(ctx.engine, ctx.actor, person, to_team, now=ctx.now, **fields)


def update_referral(ctx: Context, ref: str, **changes) -> dict:
    return eh.update_referral(ctx.engine, ctx.actor, ref, now=ctx.now, **changes)


def referrals(ctx: Context) -> dict:
    return eh.referrals(ctx.engine, ctx.actor, now=ctx.now)


def today_items(ctx: Context) -> list[dict]:
    """What the Today page says of the early-help search: the crimes the searches found that
    nobody has reviewed yet, and when the last search ran (nothing for users it is not for)."""
    try:
        state = eh.unreviewed(ctx.engine, ctx.actor)
    except Forbidden:
        return []
    run = state["search"]
    if run is None:
        return [{"kind": "early_help", "title": "Early-help search", "text": "No early-help search has run yet: run the first one",
                 "count": 0, "href": "/early-help"}]  # fmt: skip
    new = run["new"]
    text = (f"{state['crimes']} crime{'s' if state['crimes'] != 1 else ''} of {state['young_people']} young "
            f"{'person' if state['young_people'] == 1 else 'people'} to review; the last search ({run['run_at'][:16].replace('T', ' ')} UTC, "
            f"links since {run['since']}) found {new['young_people']} new ({new['first_time']} first time, {new['repeat']} repeat)")  # fmt: skip
    return [{"kind": "early_help", "title": "Early-help search", "text": text, "count": state["crimes"], "href": "/early-help", "search": run}]
