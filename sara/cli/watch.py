"""Neighbourhood Watch commands: `sara watch ...`.

``scheme add|list|show|contact|overdue``, ``coordinator add|end``, ``contact`` and
``overdue`` (the same as under ``scheme``), ``members`` (a scheme's member count on a day) and
``table`` (schemes, coordinators and members by CSP area and team). Each acts as the user named
by ``--as`` and calls one function of ``sara.services.watch``: coordinators' names and contacts
are shown only to police and council users who read personal data, each shown audited.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, in_context, out, parse_date, print_json

watch_app = typer.Typer(help="Neighbourhood Watch: schemes, coordinators (personal data), member counts, contacts logged with coordinators, and the coordinators "
                             "not contacted within the standard.", no_args_is_help=True)  # fmt: skip
scheme_app = typer.Typer(help="Schemes: add, list, show; log a contact with a scheme's coordinator; the coordinators overdue a contact.", no_args_is_help=True)
coordinator_app = typer.Typer(help="A scheme's coordinators (personal data: police and council users only).", no_args_is_help=True)
watch_app.add_typer(scheme_app, name="scheme")
watch_app.add_typer(coordinator_app, name="coordinator")
app.add_typer(watch_app, name="watch")

Scheme = Annotated[str, typer.Argument(help="The scheme, e.g. NHW-2026-0001 (sara watch scheme list).")]
Within = Annotated[str | None, typer.Option("--within", help="The contact standard, e.g. '1 month' (the default, or SARA_WATCH_CONTACT_STANDARD), '2 weeks'.")]


@scheme_app.command("add")
def scheme_add(
    name: Annotated[str | None, typer.Argument(help="The scheme's name, e.g. 'Castle Street Watch'.")] = None,
    area: Annotated[str, typer.Option("--area", help="The loaded ward, LSOA or district it covers (code or name).")] = "",
    kind: Annotated[str, typer.Option("--kind", help="street, allotment, rural, business, horse, water, school or other.")] = "street",
    team: Annotated[str | None, typer.Option("--team", help="The Safer Neighbourhood Team responsible, e.g. 'Bolsover SNT'.")] = None,
    members: Annotated[int, typer.Option("--members", help="Members attached to the scheme today.")] = 0,
    name_option: Annotated[str | None, typer.Option("--name", help="The scheme's name (instead of the argument).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a scheme for your organisation (police and council users who write casework)."""
    from sara.services import watch

    s = in_context(as_json, db, acting, lambda ctx: watch.add_scheme(ctx, name_option or name or "", kind=kind, area=area, team=team, members=members))
    print_json(s) if as_json else out.print(f"{s['id']}: {s['name']} ({s['kind_name']}) in {s['area']['name']}, {s['district']['name']}; team {s['team'] or 'none'}; "
                                            f"{s['members']} members", highlight=False)  # fmt: skip


@scheme_app.command("list")
def scheme_list(
    district: Annotated[str | None, typer.Option("--district", help="Only this CSP area (district code or name).")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team's schemes.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind of scheme.")] = None,
    within: Within = None, acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The schemes with their members and coordinators (a count), and the table by CSP area and team."""
    from sara.services import watch

    data = in_context(as_json, db, acting, lambda ctx: watch.list_schemes(ctx, district=district, team=team, kind=kind, within=within))
    if as_json:
        print_json(data)
        return
    cols = ["scheme", "name", "kind", "area", "CSP area", "team", "members", "coordinators"] + (["overdue"] if data["may_see_coordinators"] else [])
    t = Table(*cols, title=f"Schemes ({len(data['schemes'])})")
    for s in data["schemes"]:
        t.add_row(s["id"], s["name"], s["kind"], s["area"]["name"], s["district"]["name"], s["team"] or "", str(s["members"]), str(s["coordinators"]),
                  *([str(s["overdue"])] if data["may_see_coordinators"] else []))  # fmt: skip
    out.print(t)


@scheme_app.command("show")
def scheme_show(reference: Scheme, within: Within = None, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """One scheme: area, team, members over time; its coordinators and their contacts if you may see them."""
    from sara.services import watch

    s = in_context(as_json, db, acting, lambda ctx: watch.show(ctx, reference, within=within))
    if as_json:
        print_json(s)
        return
    out.print(f"{s['id']}: {s['name']} ({s['kind_name']}, {s['organisation']}) in {s['area']['name']} ({s['area']['code']}), CSP area {s['district']['name']}; "
              f"team {s['team'] or 'none'}", highlight=False)  # fmt: skip
    out.print(f"members: {s['members']} on {s['members_on']}" + "".join(f"; {h['members']} on {h['on']}" for h in s["member_history"][1:]), highlight=False)
    if s["coordinator_list"] is None:
        out.print(f"coordinators: {s['coordinators']} (their details are for police and council users)", highlight=False)
        return
    for c in s["coordinator_list"]:
        last = f"last contact {c['last_contact']['on']} ({c['last_contact']['how']}, {c['last_contact']['by']})" if c["last_contact"] else "never contacted"
        state = ("OVERDUE since " + c["due"]) if c["overdue"] else (f"due by {c['due']}" if c["due"] else "not due")
        out.print(f"  {c['id']} {c['name']}, {c['phone'] or ''} {c['email'] or ''}: from {c['from']}{' to ' + c['to'] if c['to'] else ''}; {last}; {state}",
                  highlight=False)  # fmt: skip


@scheme_app.command("contact")
@watch_app.command("contact")
def contact(
    reference: Annotated[str, typer.Argument(help="The coordinator (NHC-YYYY-NNNN), or their scheme (NHW-YYYY-NNNN).")],
    how: Annotated[str, typer.Option("--how", help="visit, meeting, phone or email.")] = "visit",
    coordinator: Annotated[str | None, typer.Option("--coordinator", help="Which of the scheme's coordinators (NHC-YYYY-NNNN), when it has several.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day of the contact (YYYY-MM-DD, default today).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="The colleague who made it (username; default you).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="What was discussed.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Log a contact with a coordinator (who, when, how)."""
    from sara.services import watch

    d = parse_date(on, "--on", as_json)
    c = in_context(as_json, db, acting, lambda ctx: watch.contact(ctx, reference, how, coordinator=coordinator, on=d, by=by, note=note))
    print_json(c) if as_json else out.print(f"contact {c['id']}: {c['coordinator']} by {c['by']}, {c['how']}, {c['on']}; next due by {c['next_due']} ({c['standard']})",
                                            highlight=False)  # fmt: skip


@scheme_app.command("overdue")
@watch_app.command("overdue")
def overdue(
    within: Within = None,
    team: Annotated[str | None, typer.Option("--team", help="Only the coordinators of this team's schemes.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The coordinators not contacted within the standard (a month unless --within says otherwise), longest overdue first."""
    from sara.services import watch

    data = in_context(as_json, db, acting, lambda ctx: watch.overdue(ctx, within=within, team=team))
    if as_json:
        print_json(data)
        return
    t = Table("co-ordinator", "contact", "schemes", "last contact", "days overdue", title=f"Not contacted within {data['standard']}: {data['count']}")
    for c in data["coordinators"]:
        t.add_row(f"{c['name']}\n{c['id']}", "\n".join(x for x in (c["phone"], c["email"]) if x), "\n".join(f"{s['name']} ({s['id']})" for s in c["schemes"]),
                  f"{c['last_contact']['on']} {c['last_contact']['how']}" if c["last_contact"] else "never", f"{c['days_overdue']} (due by {c['due']})")  # fmt: skip
    out.print(t)


@coordinator_app.command("add")
def coordinator_add(
    scheme: Scheme,
    name: Annotated[str | None, typer.Option("--name", help="The coordinator's name.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Their phone number.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Their email address.")] = None,
    contact_: Annotated[str | None, typer.Option("--contact", help="A phone number or an email address (instead of --phone or --email).")] = None,
    coordinator: Annotated[str | None, typer.Option("--coordinator", help="A coordinator already recorded (NHC-YYYY-NNNN) who takes on this scheme too.")] = None,
    from_date: Annotated[str | None, typer.Option("--from", help="The day they became its coordinator (YYYY-MM-DD, default today).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a coordinator of a scheme (police and council problem owners and practitioners)."""
    from sara.services import watch

    d = parse_date(from_date, "--from", as_json)
    c = in_context(as_json, db, acting, lambda ctx: watch.add_coordinator(ctx, scheme, name=name, phone=phone, email=email, contact=contact_, coordinator=coordinator,
                                                                           from_date=d))  # fmt: skip
    print_json(c) if as_json else out.print(f"{c['coordinator']} coordinates {c['scheme']} from {c['from']}", highlight=False)


@coordinator_app.command("end")
def coordinator_end(
    scheme: Scheme,
    coordinator: Annotated[str, typer.Argument(help="The coordinator (NHC-YYYY-NNNN).")],
    on: Annotated[str | None, typer.Option("--on", help="Their last day (YYYY-MM-DD, default today).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """A coordinator stops coordinating a scheme."""
    from sara.services import watch

    d = parse_date(on, "--on", as_json)
    c = in_context(as_json, db, acting, lambda ctx: watch.end_coordinator(ctx, scheme, coordinator, on=d))
    print_json(c) if as_json else out.print(f"{c['coordinator']} coordinated {c['scheme']} from {c['from']} to {c['to']}", highlight=False)


@watch_app.command("members")
def members(
    scheme: Scheme,
    members: Annotated[int, typer.Argument(help="The members attached to the scheme.")],
    on: Annotated[str | None, typer.Option("--on", help="The day of the count (YYYY-MM-DD, default today).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a scheme's member count on a day (the scheme's organisation)."""
    from sara.services import watch

    d = parse_date(on, "--on", as_json)
    m = in_context(as_json, db, acting, lambda ctx: watch.members(ctx, scheme, members, on=d))
    print_json(m) if as_json else out.print(f"{m['scheme']}: {m['members']} members on {m['members_on']} (was {m['was']})", highlight=False)


@watch_app.command("table")
def table(
    on: Annotated[str | None, typer.Option("--on", help="As it stood on this day (YYYY-MM-DD, default today).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Schemes, coordinators and members by CSP area and team, with totals (counts only)."""
    from sara.services import watch

    d = parse_date(on, "--on", as_json)
    data = in_context(as_json, db, acting, lambda ctx: watch.table(ctx, on=d))
    if as_json:
        print_json(data)
        return
    t = Table(title=f"Neighbourhood Watch scheme figures, {data['on']}")
    for i, col in enumerate(data["columns"]):
        t.add_column(col, justify="right" if i >= 2 else "left")
    for r in data["rows"]:
        label = {"district": f"{r['district_name']} total", "team": "", "total": "Total"}[r["level"]]
        t.add_row(label, r["team"] or "", *(f"{r[k]:,}" for k in ("schemes", "coordinators", "members")), style="bold" if r["level"] != "team" else None)
    out.print(t)
    for n in data["notes"]:
        out.print(n, highlight=False)
