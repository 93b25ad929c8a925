"""Asset mapping (issue 13, part 1) commands: `sara assets ...`.

``add``, ``update REF``, ``list``, ``show REF``, ``gaps``, ``import FILE``, ``export`` and
``kinds``: the services working in an area, recorded by the partner organisation that keeps
them, and the areas of a district with no provision of a kind beside the problems open there.
Each acts as the user named by ``--as`` and calls one function of ``sara.services.assets``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from sara.cli.base import As, Db, Json, app, in_context, out, parse_date, print_json

assets_app = typer.Typer(
    help="The organisations and services working in an area: what each provides, to whom, where, when, contact and funding; gaps beside open problems.",
    no_args_is_help=True,
)
app.add_typer(assets_app, name="assets")

Ref = Annotated[str, typer.Argument(help="The service, e.g. AST-2026-0001 (sara assets list).")]
Kinds = Annotated[list[str] | None, typer.Option("--kind", help="A kind of provision it gives, by key or label (repeat; sara assets kinds lists them).")]
Ages = Annotated[list[str] | None, typer.Option("--age", help="An age group it serves (repeat; none: all ages).")]
Communities = Annotated[list[str] | None, typer.Option("--community", help="A community it serves, in words (repeat).")]
Needs = Annotated[list[str] | None, typer.Option("--need", help="A need it meets, in words (repeat).")]
Areas = Annotated[list[str] | None, typer.Option("--area", help="A ward, LSOA or district it serves, by code or name (repeat).")]


def _where(s: dict) -> str:
    return s["address"] or ", ".join(a["name"] for a in s["areas"]) or ""


def _line(s: dict) -> str:
    return (f"{s['id']}: {s['name']} ({s['provider']}): {', '.join(s['kind_labels'])}; {', '.join(s['age_labels'])}; {_where(s)}"
            + (f"; {s['opening']}" if s["opening"] else "") + ("" if s["active"] else f" [ended {s['ended_on']}]"))  # fmt: skip


@assets_app.command("add")
def assets_add(
    name: Annotated[str, typer.Argument(help="The service's name, as people know it.")],
    kinds: Kinds = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Who runs it (default: your organisation), e.g. a club or charity not on SARA.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What it offers, in a sentence or two.")] = None,
    age_groups: Ages = None, communities: Communities = None, needs: Needs = None,
    address: Annotated[str | None, typer.Option("--address", help="Where it is based (an address).")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="The address's longitude (WGS84 decimal degrees).")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="The address's latitude (WGS84 decimal degrees).")] = None,
    areas: Areas = None,
    opening: Annotated[str | None, typer.Option("--when", help="Days and times, e.g. 'Fridays 18:00-20:00, term time'.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="The service's phone number (not a person's own).")] = None,
    email: Annotated[str | None, typer.Option("--email", help="The service's email address.")] = None,
    website: Annotated[str | None, typer.Option("--website", help="The service's web page.")] = None,
    funding: Annotated[str | None, typer.Option("--funding", help="Who funds it, e.g. 'CSP fund', 'POCA'.")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Record a service your organisation runs or commissions (any partner organisation)."""
    from sara.services import assets

    s = in_context(as_json, db, acting, lambda ctx: assets.add(ctx, name, kinds or [], provider=provider, description=description, age_groups=age_groups or [],
                                                               communities=communities or [], needs=needs or [], address=address, lon=lon, lat=lat,
                                                               areas=areas or [], opening=opening, phone=phone, email=email, website=website,
                                                               funding=funding))  # fmt: skip
    print_json(s) if as_json else out.print(_line(s), highlight=False)


@assets_app.command("update")
def assets_update(
    reference: Ref,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    kinds: Kinds = None,
    provider: Annotated[str | None, typer.Option("--provider", help="Who runs it.")] = None,
    description: Annotated[str | None, typer.Option("--description", help="What it offers ('' clears it).")] = None,
    age_groups: Ages = None, communities: Communities = None, needs: Needs = None,
    address: Annotated[str | None, typer.Option("--address", help="Where it is based ('' clears it).")] = None,
    lon: Annotated[float | None, typer.Option("--lon", help="The address's longitude.")] = None,
    lat: Annotated[float | None, typer.Option("--lat", help="The address's latitude.")] = None,
    areas: Areas = None,
    opening: Annotated[str | None, typer.Option("--when", help="Days and times.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="The service's phone number ('' clears it).")] = None,
    email: Annotated[str | None, typer.Option("--email", help="The service's email address.")] = None,
    website: Annotated[str | None, typer.Option("--website", help="The service's web page.")] = None,
    funding: Annotated[str | None, typer.Option("--funding", help="Who funds it.")] = None,
    ended_on: Annotated[str | None, typer.Option("--ended", help="The day it stopped (YYYY-MM-DD): it no longer counts as provision.")] = None,
    reopen: Annotated[bool, typer.Option("--reopen", help="It runs again: clear the day it ended.")] = False,
    version: Annotated[int | None, typer.Option("--version", help="The version you read (refused if someone changed it since).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Change a service your organisation keeps: the options given replace what it says (a repeated option replaces its whole list)."""
    from sara.services import assets

    ended = parse_date(ended_on, "--ended", as_json)
    s = in_context(as_json, db, acting, lambda ctx: assets.update(ctx, reference, version=version, reopen=reopen, name=name, kinds=kinds, provider=provider,
                                                                  description=description, age_groups=age_groups, communities=communities, needs=needs,
                                                                  address=address, lon=lon, lat=lat, areas=areas, opening=opening, phone=phone, email=email,
                                                                  website=website, funding=funding, ended_on=ended))  # fmt: skip
    if as_json:
        print_json(s)
        return
    out.print(_line(s), highlight=False)
    out.print(f"changed: {', '.join(s['changed']) or 'nothing'} (version {s['version']})", highlight=False)


@assets_app.command("list")
def assets_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only services of this kind of provision.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="Only services working in this ward, LSOA or district (code or name).")] = None,
    age: Annotated[str | None, typer.Option("--age", help="Only services for this age group (or all ages).")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only your organisation's services.")] = False,
    ended: Annotated[bool, typer.Option("--ended", help="Include services that have ended.")] = False,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The services working in the partnership's areas, by the ward they work in."""
    from sara.services import assets

    data = in_context(as_json, db, acting, lambda ctx: assets.list_services(ctx, kind=kind, area=area, age=age, mine=mine, include_ended=ended))
    if as_json:
        print_json(data)
        return
    table = Table("service", "name", "provides", "for", "wards", "when", title=f"Services ({data['count']})")
    for s in data["services"]:
        wards = f"{len(s['wards'])} wards" if len(s["wards"]) > 3 else ", ".join(s["wards"]) or _where(s)
        table.add_row(s["id"], s["name"], ", ".join(s["kinds"]), ", ".join(s["age_groups"]) or "all ages", wards, s["opening"] or "")
    out.print(table)


@assets_app.command("show")
def assets_show(reference: Ref, acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """One service: what it provides, to whom, where, when, its contact and funding."""
    from sara.services import assets

    s = in_context(as_json, db, acting, lambda ctx: assets.show(ctx, reference))
    if as_json:
        print_json(s)
        return
    out.print(_line(s), highlight=False)
    for label, value in (("recorded by", s["organisation"]), ("description", s["description"]), ("communities", ", ".join(s["communities"])),
                         ("needs", ", ".join(s["needs"])), ("wards", ", ".join(s["wards"])), ("phone", s["phone"]), ("email", s["email"]),
                         ("website", s["website"]), ("funding", s["funding"]), ("updated", f"{s['updated_at']} by {s['updated_by']} (version {s['version']})")):  # fmt: skip
        if value:
            out.print(f"  {label}: {value}", highlight=False)


@assets_app.command("gaps")
def assets_gaps(
    district: Annotated[str | None, typer.Option("--district", help="The district (code or name; default: the one most services work in).")] = None,
    level: Annotated[str, typer.Option("--level", help="ward or lsoa: the areas of the district to look at.")] = "ward",
    age: Annotated[str | None, typer.Option("--age", help="Count only services for this age group (or all ages).")] = None,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Gaps in provision: each area of a district with the kinds of provision it has none of, beside the problems open there."""
    from sara.services import assets

    g = in_context(as_json, db, acting, lambda ctx: assets.gaps(ctx, district=district, level=level, age=age))
    if as_json:
        print_json(g)
        return
    table = Table(
        level, "services", "open problems", "no provision of", title=f"Gaps in {g['district']['name']} by {level}" + (f" for {g['age']}" if g["age"] else "")
    )
    for a in sorted(g["areas"], key=lambda a: (-a["open_problems"], a["name"])):
        table.add_row(a["name"], str(a["services"]), str(a["open_problems"]), ", ".join(a["gaps"]))
    out.print(table)
    for line in g["headlines"] + g["notes"]:
        out.print(line, highlight=False)


@assets_app.command("import")
def assets_import(
    file: Annotated[Path, typer.Argument(help="A CSV of services, one a row: name, kinds, and any of provider, description, age_groups, communities, "
                                              "needs, address, lon, lat (or easting, northing), areas, when, phone, email, website, funding, ended_on, id.")],
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """Add or update your organisation's services from a CSV: every row added, updated or rejected with its reason."""
    from sara.services import assets

    r = in_context(as_json, db, acting, lambda ctx: assets.import_csv(ctx, file))
    if as_json:
        print_json(r)
        return
    out.print(f"{r['file']}: {r['rows']} rows: {r['added']} added, {r['updated']} updated, {r['rejected']} rejected", highlight=False)
    for x in r["results"]:
        out.print(f"  row {x['row']}: {x['outcome']} {x['id'] or ''} {x['name'] or ''}" + (f": {x['reason']}" if x["reason"] else ""), highlight=False)
    if r["ignored_columns"]:
        out.print(f"columns not read: {', '.join(r['ignored_columns'])}", highlight=False)


@assets_app.command("export")
def assets_export(
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write to this file (default: print it).")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only your organisation's services (a file to edit and import back).")] = False,
    acting: As = None, db: Db = None, as_json: Json = False,
) -> None:  # fmt: skip
    """The services as a CSV that sara assets import reads back."""
    from sara.services import assets

    text = in_context(as_json, db, acting, lambda ctx: assets.export_csv(ctx, mine=mine))
    if csv_path:
        csv_path.write_text(text, encoding="utf-8")
        print_json({"file": str(csv_path)}) if as_json else out.print(f"wrote {csv_path}", highlight=False)
    elif as_json:
        print_json({"csv": text})
    else:
        print(text, end="")


@assets_app.command("kinds")
def assets_kinds(acting: As = None, db: Db = None, as_json: Json = False) -> None:
    """The kinds of provision and the age groups services are recorded with (SARA_ASSET_KINDS names your own file)."""
    from sara.services import assets

    v = in_context(as_json, db, acting, assets.vocabulary)
    if as_json:
        print_json(v)
        return
    for k in v["kinds"]:
        out.print(f"{k['key']}: {k['label']}: {k['description']}", highlight=False)
    out.print("age groups: " + ", ".join(f"{a['key']} ({a['label']})" for a in v["age_groups"]), highlight=False)
