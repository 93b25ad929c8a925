"""Neighbourhood Watch (``sara watch ...``, ``/watch``): schemes and their member counts,
coordinators (personal data) and the contacts logged with them, the table of schemes,
coordinators and members by CSP area and team, and the coordinators not contacted within the
standard (a month unless said otherwise) for the Today page.

The rules are ``sara.casework.watch``'s: schemes and counts for every signed-in user;
coordinators' details for police and council users who read personal data, each shown audited;
schemes changed only by the organisation that recorded them (Derbyshire's performance scrutiny
report, 17 May 2022, 9.1-9.5).
"""

from __future__ import annotations

import datetime as dt

from sara.casework import watch as cw
from sara.services import Context

KINDS, HOW = cw.KINDS, cw.HOW


def add_scheme(ctx: Context, name: str, *, kind: str = "street", area: str, team: str | None = None, members: int = 0) -> dict:
    ref = cw.add_scheme(ctx.engine, ctx.actor, name, kind=kind, area=area, team=team, members=members, now=ctx.now)
    return show(ctx, ref)


def members(ctx: Context, ref: str, count: int, *, on: dt.date | None = None) -> dict:
    return cw.set_members(ctx.engine, ctx.actor, ref, count, on=on, now=ctx.now)


def add_coordinator(ctx: Context, scheme: str, *, name: str | None = None, phone: str | None = None, email: str | None = None, contact: str | None = None,
                    coordinator: str | None = None, from_date: dt.date | None = None) -> dict:  # fmt: skip
    """A coordinator of ``scheme``: a new person (name and phone or email, or one ``contact``
    that is either), or an already recorded one (``coordinator``)."""
    if contact and not (phone or email):
        phone, email = cw.split_contact(contact)
    return cw.add_coordinator(ctx.engine, ctx.actor, scheme, name=name, phone=phone, email=email, coordinator=coordinator, from_date=from_date, now=ctx.now)


def end_coordinator(ctx: Context, scheme: str, coordinator: str, *, on: dt.date | None = None) -> dict:
    return cw.end_coordinator(ctx.engine, ctx.actor, scheme, coordinator, on=on, now=ctx.now)


def contact(ctx: Context, ref: str, how: str, *, coordinator: str | None = None, on: dt.date | None = None, by: str | None = None, note: str | None = None) -> dict:
    return cw.log_contact(ctx.engine, ctx.actor, ref, how, coordinator=coordinator, on=on, by=by, note=note, now=ctx.now)


def list_schemes(ctx: Context, *, district: str | None = None, team: str | None = None, kind: str | None = None, within: str | None = None) -> dict:
    """The schemes (filtered), the table by CSP area and team, and what the reader may do."""
    actor = ctx.actor
    schemes = cw.list_schemes(ctx.engine, actor, district=district, team=team, kind=kind, today=ctx.now.date(), within=within)
    return {"schemes": schemes, "table": cw.table(ctx.engine, actor, on=ctx.now.date()), "kinds": KINDS, "teams": cw.teams(ctx.engine),
            "filters": {"district": district, "team": team, "kind": kind}, "today": ctx.now.date().isoformat(),
            "may_add": cw.may_add_schemes(actor), "may_see_coordinators": cw.may_see_coordinators(actor),
            "standard": cw.words(cw.standard(within)) if cw.may_see_coordinators(actor) else None}  # fmt: skip


def scheme_form(ctx: Context) -> dict:
    """What the form recording a scheme offers (the kinds, the teams already named), for those who may record one."""
    cw.check_scheme_write(ctx.actor)
    return {"kinds": KINDS, "teams": cw.teams(ctx.engine)}


def table(ctx: Context, *, on: dt.date | None = None) -> dict:
    return cw.table(ctx.engine, ctx.actor, on=on or ctx.now.date())


def show(ctx: Context, ref: str, *, within: str | None = None) -> dict:
    return cw.show_scheme(ctx.engine, ctx.actor, ref, today=ctx.now.date(), within=within) | {"kinds": KINDS, "how": HOW}


def overdue(ctx: Context, *, within: str | None = None, team: str | None = None) -> dict:
    return cw.overdue(ctx.engine, ctx.actor, today=ctx.now.date(), within=within, team=team)


def today_items(ctx: Context) -> list[dict]:
    """For the Today page's "For your team" list: the schemes of the reader's organisation with
    a coordinator not contacted within the standard, one item per scheme, no names (nothing for
    a reader who may not see coordinators): ``{"kind", "id", "text", "href", "overdue", "since"}``, ``since`` the
    earliest of their last contacts."""
    if not cw.may_see_coordinators(ctx.actor):
        return []
    found = cw.overdue(ctx.engine, ctx.actor, today=ctx.now.date(), mine=True, names=False)
    by_scheme: dict[str, dict] = {}
    for co in found["coordinators"]:
        for s in co["schemes"]:
            item = by_scheme.setdefault(s["id"], {"kind": "watch_contact", "id": s["id"], "name": s["name"], "team": s["team"], "overdue": 0, "since": []})
            item["overdue"] += 1
            item["since"].append(co["last_contact"]["on"] if co["last_contact"] else None)
    out = []
    for s in by_scheme.values():
        n, known = s["overdue"], [d for d in s["since"] if d]
        never = n - len(known)
        if n == 1:
            last = f"last contacted {known[0]}" if known else "never contacted"
        else:
            last = "; ".join([f"{never} never contacted"] * bool(never) + [f"the longest since {min(known)}"] * bool(known))
        who = "a coordinator" if n == 1 else f"{n} coordinators"
        team = f" ({s['team']})" if s["team"] else ""
        out.append({"kind": s["kind"], "id": s["id"], "href": f"/watch/{s['id']}", "overdue": n, "since": min(known) if known else None,
                    "text": f"Contact {who} of {s['name']}{team}: not contacted within {found['standard']} ({last})"})  # fmt: skip
    return out
