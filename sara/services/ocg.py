"""Organised crime groups and priority individuals (``sara ocg ...``, ``/ocg``), the overdue
reviews for the Today page, and the SOC local profile per ward.

The rules are ``sara.casework.ocg``'s (police intelligence: police analysts, problem owners
and leads read it; the owning force's problem owners and leads write it). The SOC local profile
follows West Yorkshire's (COT briefing, December 2021: "SOC Local Profiles ... with work
focussed on the identified high SOC harm wards ... in both internal police and partner
versions") and Clear, Hold, Build (College of Policing, 2023), whose area was chosen as the
wards "with the highest harm scores ... measured by the MoRiLE score, high numbers of
organised crime groups operating out of the area, having high levels of deprivation". Each
ward's harm is the Cambridge Crime Harm Index days of the crimes associated with organised
crime, the same crime types and weights as the Clear-Hold-Build ranking
(``sara.services.chb.CHB_CATEGORIES``, the force's CCHI weights), over a period (default the
last twelve months loaded); wards are ranked 1 = most harmful (ties share the best rank).

Groups active in a ward: a group's area that is the ward, an LSOA whose inside point lies in
the ward, or a district holding the ward's inside point. Deprivation: where a file of
area codes and a deprivation value is given (an IMD extract per ward), its value per ward;
else the area attribute ``deprivation`` loaded per ward (each of its measures, an IMD score,
rank or decile, a column), where one is loaded.

The partner version (for any signed-in partner; ``partner=True``) carries no personal data and
no intelligence product: no group names or references, no members, no member counts, no
priority individuals; only each ward's harm, rank, the number of groups active (a count of
groups, never of people) and deprivation. The internal version (police readers of groups only)
adds the names of the force's groups active in each ward and their current member counts.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from sara import geo
from sara.access.permissions import PermissionDenied
from sara.casework import ocg as cocg
from sara.errors import Invalid
from sara.intake import attributes
from sara.report import words
from sara.report.pack import Chart, Pack, Section, Table
from sara.scan import harm as scan_harm
from sara.scan import ranking as rank_
from sara.services import Context, chb
from sara.services.kept import kept
from sara.store import queries

PROFILE_MONTHS = 12
TOP = 10
DEPRIVATION = "deprivation"  # the area attribute the profile reads
DEPRIVATION_CODES = ("code", "ward_code", "area_code", "wd16cd", "wd_code", "lsoa_code")
DEPRIVATION_VALUES = ("imd_score", "imd_rank", "imd_decile", "deprivation", "score", "rank", "decile", "value")


def may_use(actor) -> bool:
    """Whether the navigation shows "Organised crime" to ``actor``: police readers of groups."""
    return cocg.may_use(actor)


def may_see_profile(actor) -> bool:
    return bool(actor) and getattr(actor, "active", True) and actor.role != "public_viewer"


def add(ctx: Context, name: str, kind: str, *, lead: str | None = None, description: str | None = None, areas=()) -> dict:
    ref = cocg.add_group(ctx.engine, ctx.actor, name, kind, lead=lead, description=description, areas=areas, now=ctx.now)
    return show(ctx, ref)


def area(ctx: Context, ref: str, code: str) -> dict:
    cocg.add_area(ctx.engine, ctx.actor, ref, code, now=ctx.now)
    return show(ctx, ref)


def member(ctx: Context, ref: str, person: str, role: str, *, from_date: dt.date | None = None, to_date: dt.date | None = None) -> dict:
    return cocg.add_member(ctx.engine, ctx.actor, ref, person, role, from_date=from_date, to_date=to_date, now=ctx.now)


def score(ctx: Context, ref: str, answers: dict, *, on: dt.date | None = None, instrument: str = cocg.DEFAULT_INSTRUMENT) -> dict:
    return cocg.score(ctx.engine, ctx.actor, ref, answers, on=on, instrument_key=instrument, now=ctx.now)


def review(ctx: Context, ref: str, note: str, *, on: dt.date | None = None) -> dict:
    return cocg.review(ctx.engine, ctx.actor, ref, note, on=on, now=ctx.now)


def disruption(ctx: Context, ref: str, kind: str, *, on: dt.date | None = None, person: str | None = None, events=(), interventions=(),
               note: str | None = None) -> dict:  # fmt: skip
    return cocg.disrupt(ctx.engine, ctx.actor, ref, kind, on=on, person_ref=person, event_ids=events, intervention_refs=interventions, note=note, now=ctx.now)


def list_groups(ctx: Context) -> dict:
    """The groups with their scores and review status, the priority individuals, the cadence."""
    today = ctx.now.date()
    return {"groups": cocg.list_groups(ctx.engine, ctx.actor, today=today), "enablers": cocg.enablers(ctx.engine, ctx.actor, today=today),
            "overdue": cocg.overdue_reviews(ctx.engine, ctx.actor, today=today), "review_every_days": cocg.review_days(), "today": today.isoformat()}  # fmt: skip


def show(ctx: Context, ref: str) -> dict:
    return cocg.show_group(ctx.engine, ctx.actor, ref, today=ctx.now.date())


def instrument(ctx: Context, key: str = cocg.DEFAULT_INSTRUMENT) -> dict:
    """The scoring instrument in force today (for the scoring form)."""
    cocg.check_read(ctx.actor)
    inst = cocg.instrument(key, ctx.now.date())
    return {"key": inst["key"], "version": inst["version"], "name": inst["name"], "verified": inst["verified"], "source": inst["source"],
            "dimensions": inst["dimensions"], "factors": inst["factors"], "bands": inst["bands"]}  # fmt: skip


def today_items(ctx: Context) -> list[dict]:
    """Overdue group reviews for the Today page (nothing for a reader who may not see groups):
    ``{"kind", "id", "text", "href", "due", "days_overdue", "lead"}``, earliest due first."""
    if not cocg.may_use(ctx.actor):
        return []
    return [{"kind": "ocg_review", "id": r["id"], "text": f"Review of {r['name']} ({cocg.KINDS[r['kind']]}) overdue since {r['due']}",
             "href": f"/ocg/{r['id']}", "due": r["due"], "days_overdue": r["days_overdue"], "lead": r["lead"]}
            for r in cocg.overdue_reviews(ctx.engine, ctx.actor, today=ctx.now.date())]  # fmt: skip


# --------------------------------------------------------------------------- the ward profile
def _months(ctx: Context, start: str | None, end: str | None) -> tuple[str, str]:
    span = queries.month_range(ctx.engine)
    if span is None:
        raise Invalid("no events are loaded", field="start", fix="load police.uk street-level crime first (sara data load)")
    last = end or span[1]
    if start:
        first = start
    else:
        y, m = (int(x) for x in last.split("-"))
        k = y * 12 + m - 1 - (PROFILE_MONTHS - 1)
        first = max(f"{k // 12:04d}-{k % 12 + 1:02d}", span[0])
    for v, f in ((first, "start"), (last, "end")):
        chb._month(v, f)
    if first > last:
        raise Invalid(f"the period starts ({first}) after it ends ({last})", field="start", fix="give a first month on or before the last")
    return first, last


def read_deprivation(path: str | Path) -> tuple[dict[str, float], str]:
    """``{area code: value}`` and the value column's name from a CSV of area codes and a
    deprivation measure (IMD score, rank or decile)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            cols = {c.strip().lower(): c for c in reader.fieldnames or []}
            code = next((cols[c] for c in DEPRIVATION_CODES if c in cols), None)
            value = next((cols[c] for c in DEPRIVATION_VALUES if c in cols), None)
            if code is None or value is None:
                raise Invalid(f"{Path(path).name} has columns {', '.join(cols) or 'none'}", field="deprivation",
                              fix=f"give a CSV with an area code column ({', '.join(DEPRIVATION_CODES)}) and a value column ({', '.join(DEPRIVATION_VALUES)})")  # fmt: skip
            out = {}
            for row in reader:
                try:
                    out[row[code].strip()] = float(row[value])
                except (TypeError, ValueError):
                    continue
    except FileNotFoundError:
        raise Invalid(f"no file {path}", field="deprivation", fix="give the path of a CSV of area codes and deprivation values") from None
    return out, value


def _deprivation(ctx: Context, path: str | Path | None, wards: dict[str, str]) -> tuple[dict[str, dict[str, float]], str, str | None]:
    """The wards' deprivation as ``{measure: {ward code: value}}``, the note saying where it
    came from, and that source: the file given, else the ``deprivation`` area attribute loaded
    per ward (``sara.intake.attributes``), else none (the note says how to add it)."""
    if path:
        values, column = read_deprivation(path)
        return {column: values}, f"Deprivation: {column} from {Path(path).name}; {sum(c in values for c in wards)} of {len(wards)} wards have a value.", Path(path).name
    loaded = attributes.attribute_values(ctx.engine, DEPRIVATION, "ward")
    if loaded:
        have = len({c for values in loaded.values() for c in values} & set(wards))
        return loaded, (f"Deprivation: the loaded area attribute {DEPRIVATION} ({', '.join(loaded)}); {have} of {len(wards)} wards have a value."), \
            f"area attribute {DEPRIVATION}"  # fmt: skip
    other = attributes.attribute_kinds(ctx.engine, DEPRIVATION)
    if other:
        return {}, f"Deprivation: loaded for {', '.join(k + ' areas' for k in other)}, not for wards: load it per ward to add the column.", None
    return {}, "Deprivation: none loaded (a value per ward, such as an IMD score, loaded as the area attribute deprivation adds the column).", None


def _inside_points(engine, kind: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    shapes = queries.area_shapes(engine, kind)
    codes = list(shapes)
    pts = [shapely.point_on_surface(shapes[c]) for c in codes]
    return codes, np.array([p.x for p in pts], dtype=float), np.array([p.y for p in pts], dtype=float)


def _wards_of_groups(engine, groups: list[dict]) -> dict[str, list[dict]]:
    """Ward code -> the groups active in it (a ward area; an LSOA whose inside point is in the
    ward; a district holding the ward's inside point)."""
    out: dict[str, dict[str, dict]] = {}
    wards = [g for g in groups if g["area_kind"] == "ward"]
    for g in wards:
        out.setdefault(g["area_code"], {})[g["id"]] = g
    lsoas = [g for g in groups if g["area_kind"] == "lsoa"]
    districts = [g for g in groups if g["area_kind"] == "district"]
    if lsoas or districts:
        wshapes = queries.area_shapes(engine, "ward")
        wcodes = list(wshapes)
        if lsoas and wcodes:
            lcodes, lx, ly = _inside_points(engine, "lsoa")
            pts, polys = geo.locate(lx, ly, np.array([wshapes[c] for c in wcodes]))
            ward_of = {lcodes[p]: wcodes[w] for p, w in zip(pts.tolist(), polys.tolist())}
            for g in lsoas:
                if g["area_code"] in ward_of:
                    out.setdefault(ward_of[g["area_code"]], {})[g["id"]] = g
        if districts and wcodes:
            dshapes = queries.area_shapes(engine, "district")
            wcodes2, wx, wy = _inside_points(engine, "ward")
            dcodes = list(dshapes)
            pts, polys = geo.locate(wx, wy, np.array([dshapes[c] for c in dcodes]))
            district_of = {wcodes2[p]: dcodes[d] for p, d in zip(pts.tolist(), polys.tolist())}
            for g in districts:
                for w, d in district_of.items():
                    if d == g["area_code"]:
                        out.setdefault(w, {})[g["id"]] = g
    return {w: list(gs.values()) for w, gs in out.items()}


def ward_harm(ctx: Context, first: str, last: str) -> tuple[dict[str, float], dict[str, int], str, dict]:
    """Harm and crimes per ward code of ``CHB_CATEGORIES`` from ``first`` to ``last`` (YYYY-MM),
    with the weights' name and notes on what was left out: counts of events, the same for
    every reader, so kept while the data is unchanged (``sara.services.kept``)."""
    return kept(ctx, ("soc ward harm", first, last), lambda: _ward_harm(ctx, first, last))


def _ward_harm(ctx: Context, first: str, last: str) -> tuple[dict[str, float], dict[str, int], str, dict]:
    with ctx.engine.connect() as conn:
        table, weights_used, _ = chb._weights(conn, None, None)
    frame, _ = queries.events(ctx.engine, categories=list(chb.CHB_CATEGORIES), start=first, end=last)
    if frame.height:
        weighted, _ = scan_harm.weight_events(frame.select("id", "month", "category"), table)
    else:
        weighted = pl.DataFrame(schema={"id": pl.Int64, "month": pl.Date, "category": pl.String, "harm": pl.Float64})
    no_weight = int(weighted["harm"].null_count())
    weighted = weighted.filter(pl.col("harm").is_not_null())
    joined = weighted.join(queries.event_areas(ctx.engine, "ward"), on="id", how="left")
    unplaced = int(joined["area"].null_count())
    sums = joined.drop_nulls("area").group_by("area").agg(pl.col("harm").sum(), pl.len().alias("n"))
    harm = {a: float(h) for a, h, _ in sums.iter_rows()}
    counts = {a: int(n) for a, _, n in sums.iter_rows()}
    return harm, counts, weights_used, {"no_weight": no_weight, "unplaced": unplaced, "events": frame.height}


def profile(ctx: Context, *, partner: bool = False, start: str | None = None, end: str | None = None, deprivation: str | Path | None = None) -> Pack:
    """The SOC local profile: every loaded ward ranked by the harm of crimes associated with
    organised crime, with the groups active there and deprivation where given. ``partner``:
    the version without personal data (any signed-in partner); otherwise police readers of
    groups only."""
    actor = ctx.actor
    if partner:
        if not may_see_profile(actor):
            raise PermissionDenied("not allowed: the SOC local profile is for partnership members")
    else:
        cocg.check_read(actor)
    first, last = _months(ctx, start, end)
    wards = queries.areas(ctx.engine, "ward")
    if wards.height == 0:
        raise Invalid("no wards are loaded", field="wards", fix="load ward boundaries (sara data areas --kind ward)")
    harm, counts, weights_used, left = ward_harm(ctx, first, last)
    names = dict(wards.select("code", "name").iter_rows())
    all_harm = {c: harm.get(c, 0.0) for c in names}
    ranks = rank_.competition_ranks(all_harm)
    groups = cocg.active_by_area(ctx.engine, None if partner else actor, today=ctx.now.date())
    active = _wards_of_groups(ctx.engine, groups)
    dep, dep_note, dep_source = _deprivation(ctx, deprivation, names)
    order = sorted(names, key=lambda c: (ranks[c], names[c] or c))
    cols = ["rank", "ward", "code", "crimes", "harm (CCHI days)", "groups active"]
    if not partner:
        cols += ["groups", "current members"]
    cols += [f"deprivation ({measure})" for measure in dep]
    rows = []
    for c in order:
        gs = active.get(c, [])
        row = [ranks[c], names[c] or c, c, counts.get(c, 0), round(all_harm[c], 1), len(gs)]
        if not partner:
            row += ["; ".join(f"{g['name']} ({g['id']}, {cocg.KINDS[g['kind']]})" for g in gs), sum(g["members"] for g in gs)]
        row += [values.get(c) for values in dep.values()]
        rows.append(tuple(row))
    top = tuple((r[1], r[4]) for r in rows[:TOP])
    period = words.months(first, last)
    cats = ", ".join(chb.CHB_CATEGORIES)
    notes = [f"Crime types associated with organised crime (as the Clear-Hold-Build ranking): {cats}.", f"Weights: {weights_used}.",
             f"Period: {period}; {left['events']:,} crimes of these types loaded."]  # fmt: skip
    if left["no_weight"]:
        notes.append(f"{left['no_weight']:,} crimes of types without a weight are not counted")
    if left["unplaced"]:
        notes.append(f"{left['unplaced']:,} weighted crimes lie in no loaded ward and are not counted")
    notes.append("Groups active in a ward: a group's area that is the ward, an LSOA whose inside point lies in it, or a district holding the ward's inside point"
                 + (" (every force's groups, as a count of groups only)." if partner else " (your force's groups)."))  # fmt: skip
    notes.append(dep_note)
    if partner:
        notes.append("Partner version: no personal data: no group names or references, no members or member counts, no priority individuals.")
    hot = [r for r in rows[:TOP]]
    lead = (f"{hot[0][1]} ({hot[0][2]}) has the most harm from crimes associated with organised crime in {period}: {hot[0][4]:,.0f} CCHI days "
            f"from {hot[0][3]:,} crimes, rank 1 of {len(rows)} wards.") if hot and hot[0][4] > 0 else "No harm from these crime types in the period."  # fmt: skip
    with_groups = sum(1 for c in names if active.get(c))
    tables = (
        Table("soc_top_wards", f"The {TOP} wards with the most SOC harm", ("ward", "harm (CCHI days)"), top,
              chart=Chart("barh", "ward", ("harm (CCHI days)",), y_label="CCHI days")),
        Table("soc_wards", "Wards ranked by SOC harm", tuple(cols), tuple(rows), note=f"1 = most harmful; {rank_.TIE_RULE}. Groups are active in {with_groups} wards."),
    )
    sections = (Section("Where SOC harm falls", (lead,), tables[:1]), Section("Every ward", (), tables[1:]), Section("What was counted", tuple(notes)))
    with ctx.engine.connect() as conn:
        provenance = chb._provenance(conn)
    title = "SOC local profile" + (" (partner version)" if partner else " (police: restricted)")
    return Pack(title, f"Wards by the harm of crimes associated with organised crime, {period}", sections,
                parameters={"start": first, "end": last, "partner": partner, "categories": list(chb.CHB_CATEGORIES), "weights": weights_used,
                            "deprivation": dep_source},
                provenance=provenance, made_at=ctx.now)  # fmt: skip


def profile_map(ctx: Context, *, partner: bool = False, start: str | None = None, end: str | None = None) -> dict:
    """The profile's wards as GeoJSON (name, code, rank, harm, groups active), for the page's map."""
    pack = profile(ctx, partner=partner, start=start, end=end)
    t = pack.tables["soc_wards"]
    idx = {c: i for i, c in enumerate(t.columns)}
    by_code = {r[idx["code"]]: r for r in t.rows}
    shapes = queries.area_shapes(ctx.engine, "ward")
    feats = []
    for code, shape in shapes.items():
        r = by_code.get(code)
        if r is None:
            continue
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(shapely.simplify(shape, 0.0005)),
                      "properties": {"code": code, "name": r[idx["ward"]], "rank": r[idx["rank"]], "harm": r[idx["harm (CCHI days)"]],
                                     "groups": r[idx["groups active"]]}})  # fmt: skip
    return {"type": "FeatureCollection", "features": feats, "wards": len(feats), "period": [pack.parameters["start"], pack.parameters["end"]]}

