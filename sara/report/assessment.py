"""An assessment run on the stored data, behind ``sara.services.assess`` (and a problem's
Assessment stage, ``sara.casework.problems``). It resolves the target, its displacement
buffer and its controls (loaded areas by code or name, or drawn polygons in GeoJSON files),
counts events before and after, and hands the counts to the pure estimators and checks of
``sara.assess``; ``draw`` pictures the result. Errors name the field at fault: ``target``,
``control``, ``before``, ``after``, ``category``, ``plan``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyogrio.raw
import shapely
from sqlalchemy import Engine, insert, select

from sara import geo
from sara.assess import AssessError, did, relative_effect, wdd, wdq
from sara.assess.design import buffer_ring, check_areas, choose_controls
from sara.assess.verdict import verdict
from sara.assess.warnings import all_warnings
from sara.errors import Conflict
from sara.store import queries
from sara.store.schema import AssessmentPlan

AREA_KINDS = ("lsoa", "ward", "district", "custom")
KINDS = {"lsoa": "LSOA", "custom": "drawn"}  # how a kind reads in a name: "5 most similar LSOA areas"


@dataclass(frozen=True)
class Plan:
    """What an assessment compares; saved before the post period ends, it is a
    pre-registration (``save_plan``)."""

    target: str
    before: tuple[str, str]
    after: tuple[str, str]
    buffer_m: float = 500
    control: str = "auto"
    categories: tuple[str, ...] | None = None
    harm: bool = False
    measure_of_success: str | None = None

    def key(self) -> dict:
        data = asdict(self)
        data.pop("measure_of_success")
        data["categories"] = sorted(self.categories) if self.categories else None
        data["before"], data["after"] = list(self.before), list(self.after)
        return data


def months_between(first: str, last: str, field: str | None = None) -> list[str]:
    y0, m0 = (int(p) for p in first.split("-"))
    y1, m1 = (int(p) for p in last.split("-"))
    if (y1, m1) < (y0, m0):
        raise AssessError(f"the period {first}:{last} ends before it starts", field=field, fix="write it as FIRST:LAST, e.g. 2025-01:2025-06")
    return [f"{y}-{m:02d}" for y, m in ((i // 12, i % 12 + 1) for i in range(y0 * 12 + m0 - 1, y1 * 12 + m1))]


def parse_period(text: str, field: str | None = None) -> tuple[str, str]:
    """``YYYY-MM:YYYY-MM`` as a pair, checked; errors name ``field`` (before, after)."""
    parts = text.split(":")
    if len(parts) != 2 or not all(len(p) == 7 and p[4] == "-" and p[:4].isdigit() and p[5:].isdigit() and 1 <= int(p[5:]) <= 12 for p in parts):
        raise AssessError(f"{text!r} is not a period", field=field, fix="write it FIRST:LAST in months, e.g. 2025-01:2025-06")
    months_between(*parts, field=field)
    return parts[0], parts[1]


def _project(geometry: shapely.Geometry, crs: str) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], geo.WGS84, crs)))


def is_file(spec: str) -> bool:
    """Whether ``spec`` names a GeoJSON file (a drawn polygon) rather than a loaded area."""
    path = Path(spec)
    return path.suffix.lower() in (".geojson", ".json") or path.exists()


def resolve_area(engine: Engine, spec: str, crs: str, field: str = "target") -> dict:
    """A loaded area's code or name, or a GeoJSON file of a drawn polygon, with its
    geometry in ``crs``; errors name ``field`` (target, control)."""
    from sara.report.select import find_area

    path = Path(spec)
    if is_file(spec):
        if not path.exists():
            raise AssessError(f"no such GeoJSON file: {spec}", field=field, fix="give the path of a GeoJSON file of the area, or a loaded area's code or name")
        try:
            meta, _, wkb, _ = pyogrio.raw.read(str(path))
        except Exception as exc:  # pyogrio's errors are many; the reader's first line says what is wrong
            raise AssessError(f"{spec} cannot be read as GeoJSON: {str(exc).splitlines()[0]}", field=field) from None
        shapes = [shapely.from_wkb(g) for g in wkb if g is not None]
        if not shapes:
            raise AssessError(f"{spec} holds no polygon", field=field, fix="draw the area as a polygon")
        lonlat = shapely.union_all(shapes)
        source_crs = meta.get("crs") or geo.WGS84
        if source_crs not in (geo.WGS84, "EPSG:4326", "OGC:CRS84"):
            lonlat = shapely.transform(lonlat, lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], source_crs, geo.WGS84)))
        return {"code": path.stem, "name": path.stem, "kind": None, "geometry": _project(lonlat, crs), "lonlat": lonlat}
    found = find_area(engine, spec)
    return {"code": found["code"], "name": found["name"], "kind": found["kind"], "geometry": _project(found["geometry"], crs), "lonlat": found["geometry"]}


@dataclass
class Counts:
    before: int
    after: int
    monthly: dict[str, int] = field(default_factory=dict)

    def pair(self) -> tuple[int, int]:
        return self.before, self.after


def _count(frame: pl.DataFrame, inside: np.ndarray, before: list[str], after: list[str]) -> Counts:
    months = frame["ym"].to_numpy()[inside]
    values, counts = np.unique(months, return_counts=True)
    monthly = dict(zip(values.tolist(), counts.tolist()))
    return Counts(sum(monthly.get(m, 0) for m in before), sum(monthly.get(m, 0) for m in after), monthly)


def save_plan(engine: Engine, name: str, plan: Plan, *, today: dt.date | None = None) -> dict:
    """Stores ``plan`` under ``name``; says whether it was saved before its post period ended."""
    today = today or dt.date.today()
    with engine.begin() as conn:
        if conn.execute(select(AssessmentPlan.id).where(AssessmentPlan.name == name)).first():
            raise Conflict(f"a plan named {name!r} already exists: plans are not changed once saved; choose another name")
        conn.execute(
            insert(AssessmentPlan).values(
                name=name, target=plan.target, buffer_m=plan.buffer_m, control=plan.control, before_from=plan.before[0], before_to=plan.before[1],
                after_from=plan.after[0], after_to=plan.after[1], categories=json.dumps(sorted(plan.categories)) if plan.categories else None,
                harm=plan.harm, measure_of_success=plan.measure_of_success, created_at=dt.datetime.combine(today, dt.time()),
            )
        )  # fmt: skip
    return {"plan": name, "saved": today.isoformat(), "pre_registered": today.strftime("%Y-%m") <= plan.after[1]} | plan.key()


def load_plan(engine: Engine, name: str) -> tuple[Plan, dict]:
    with engine.connect() as conn:
        row = conn.execute(select(AssessmentPlan).where(AssessmentPlan.name == name)).mappings().first()
    if row is None:
        raise AssessError(f"no assessment plan is named {name!r}", field="plan", fix="save the plan under a name first (before its after period ends)")
    plan = Plan(
        row["target"], (row["before_from"], row["before_to"]), (row["after_from"], row["after_to"]), row["buffer_m"], row["control"],
        tuple(json.loads(row["categories"])) if row["categories"] else None, bool(row["harm"]), row["measure_of_success"],
    )  # fmt: skip
    saved = row["created_at"] if isinstance(row["created_at"], dt.datetime) else dt.datetime.fromisoformat(str(row["created_at"]))
    return plan, {"plan": name, "saved": saved.date().isoformat(), "pre_registered": saved.strftime("%Y-%m") <= plan.after[1]}


def _shift(month: str, by: int) -> str:
    y, m = (int(p) for p in month.split("-"))
    i = y * 12 + m - 1 + by
    return f"{i // 12}-{i % 12 + 1:02d}"


def _controls(engine: Engine, plan: Plan, target: dict, ring, frame: pl.DataFrame, crs: str, before: list[str], target_pre: list[int]) -> dict:
    """The control areas: given, or chosen among loaded areas by pre-period level and trend."""
    if plan.control != "auto":
        areas = [resolve_area(engine, spec.strip(), crs, "control") for spec in plan.control.split(",") if spec.strip()]
        geometry = shapely.union_all([a["geometry"] for a in areas])
        name = areas[0]["name"] if len(areas) == 1 else f"{len(areas)} given areas"
        inside = shapely.contains_xy(geometry, frame["x"].to_numpy(), frame["y"].to_numpy())
        return {"codes": [a["code"] for a in areas], "names": [a["name"] or a["code"] for a in areas], "name": name, "geometry": geometry,
                "shapes": [a["geometry"] for a in areas], "inside": inside, "match": None}  # fmt: skip
    kind = target["kind"] if target["kind"] in AREA_KINDS else next((k for k in ("lsoa", "ward", "district") if queries.areas(engine, k).height), None)
    if kind is None:
        raise AssessError("no areas are loaded to choose controls from", field="control", fix="load area boundaries, or name the control areas")
    shapes = {code: _project(g, crs) for code, g in queries.area_shapes(engine, kind).items() if code != target["code"]}
    study = target["geometry"] if ring is None else shapely.union(target["geometry"], ring)
    eligible = {code: g for code, g in shapes.items() if not shapely.intersects(g, study)}
    links = queries.event_areas(engine, kind).filter(pl.col("area").is_in(list(eligible)))
    pre = frame.filter(pl.col("ym").is_in(before)).join(links, on="id").group_by("area", "ym").len()
    candidates = {code: [0] * len(before) for code in eligible}
    index = {m: i for i, m in enumerate(before)}
    for code, ym, n in pre.iter_rows():
        candidates[code][index[ym]] = n
    match = choose_controls(target_pre, candidates, k=5)
    chosen = match["chosen"]
    member = links.filter(pl.col("area").is_in(chosen))
    inside = frame["id"].is_in(member["id"].implode()).to_numpy() if member.height else np.zeros(frame.height, dtype=bool)
    by_area = frame.join(member, on="id")
    names = dict(queries.areas(engine, kind).select("code", "name").iter_rows())
    return {"codes": chosen, "names": [names.get(c) or c for c in chosen], "name": f"{len(chosen)} most similar {KINDS.get(kind, kind)} areas",
            "geometry": shapely.union_all([shapes[c] for c in chosen]), "shapes": [shapes[c] for c in chosen], "inside": inside, "match": match,
            "by_area": by_area, "kind": kind}  # fmt: skip


def assess(engine: Engine, plan: Plan, *, today: dt.date | None = None, plan_info: dict | None = None, others: Iterable = ()) -> dict:
    """Runs ``plan`` on the stored events: counts, estimates, warnings, verdict. ``others``:
    other interventions on the target area, ``(name, start, end)``, warned about where they
    overlap the periods (``sara.casework.overlaps.in_area`` finds the stored ones)."""
    today = today or dt.date.today()
    before, after = months_between(*plan.before, field="before"), months_between(*plan.after, field="after")
    if set(before) & set(after):
        raise AssessError(f"the before period {plan.before[0]}:{plan.before[1]} and the after period {plan.after[0]}:{plan.after[1]} overlap",
                          field="after", fix="start the after period once the before period has ended")  # fmt: skip
    if plan.after[1] >= today.strftime("%Y-%m"):
        raise AssessError(
            f"the after period ends {plan.after[1]}, which has not ended (today is {today.isoformat()})",
            field="after", fix="run the assessment once it has, or save it now as a named plan (a pre-registration)",
        )  # fmt: skip
    loaded = queries.month_range(engine)
    if loaded is None:
        raise AssessError("no events are loaded", fix="load some events first")
    if plan.before[0] < loaded[0] or plan.after[1] > loaded[1]:
        raise AssessError(f"the periods {plan.before[0]}..{plan.after[1]} reach outside the loaded data ({loaded[0]}..{loaded[1]})",
                          fix="choose periods inside it")  # fmt: skip
    baseline = [m for m in months_between(_shift(plan.before[0], -24), _shift(plan.before[0], -1)) if m >= loaded[0]]
    events, info = queries.events(engine, categories=list(plan.categories) if plan.categories else None, start=(baseline or before)[0], end=plan.after[1])
    if events.height == 0:
        raise AssessError("no events of these categories in the periods", field="category", fix="choose categories that are loaded (the database's status lists them)")
    crs = info["crs"] or geo.BNG
    frame = events.filter(pl.col("x").is_not_null()).with_columns(ym=pl.col("month").dt.strftime("%Y-%m"))
    target = resolve_area(engine, plan.target, crs)
    ring = buffer_ring(target["geometry"], plan.buffer_m) if plan.buffer_m > 0 else None
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    in_target = shapely.contains_xy(target["geometry"], x, y)
    t = _count(frame, in_target, before, after)
    target_pre = [t.monthly.get(m, 0) for m in before]
    controls = _controls(engine, plan, target, ring, frame, crs, before, target_pre)
    design_warnings = check_areas(target["geometry"], ring, {"controls": controls["geometry"]})
    c = _count(frame, controls["inside"], before, after)
    b = _count(frame, shapely.contains_xy(ring, x, y), before, after) if ring is not None else None
    months = (len(before), len(after))

    def change(counts: Counts) -> dict:
        """Counts with their % change per month (periods may differ in length)."""
        rate0, rate1 = counts.before / months[0], counts.after / months[1]
        return {"before": counts.before, "after": counts.after, "change_pct": round(100 * (rate1 / rate0 - 1), 1) if rate0 else None}

    result: dict = {
        "target": {"name": target["name"], "code": target["code"]} | change(t),
        "buffer": {"metres": plan.buffer_m} | change(b) if b else None,
        "control": {"name": controls["name"], "codes": controls["codes"], "names": controls["names"]} | change(c),
        "periods": {"before": f"{plan.before[0]}:{plan.before[1]}", "after": f"{plan.after[0]}:{plan.after[1]}", "months": list(months)},
        "categories": list(plan.categories) if plan.categories else "all",
    }
    extra = [{"kind": "design", "message": m} for m in design_warnings]
    try:
        effect = relative_effect(t.pair(), c.pair())
        result["relative_effect"] = {"estimate": effect.estimate, "ci95": list(effect.ci95), "p": effect.p}
    except AssessError as exc:
        effect = None
        result["relative_effect"] = {"estimate": None, "ci95": None, "reason": str(exc)}
    try:
        displacement_pairs = {"disp_control": c.pair(), "disp_treated": b.pair()} if b else {}
        w = wdd(c.pair(), t.pair(), time_weights=months, **displacement_pairs)
        result["wdd"] = {"estimate": w.estimate, "se": w.se, "z": w.z, "p": w.p, "ci95": list(w.ci95), "local": w.local, "displacement": w.displacement}
    except AssessError as exc:
        w = None
        result["wdd"] = {"estimate": None, "se": None, "ci95": None, "reason": str(exc)}
    if plan.harm:
        result["wdd_harm"] = _harm_wdd(frame, in_target, controls["inside"], before, after, months)
    q = wdq(t.pair(), b.pair(), c.pair()) if b else None
    result["wdq"] = q.wdq if q else None
    result["displacement"] = {"wdq": q.wdq, "tne": q.tne, "interpretation": q.interpretation, "reason": q.reason} if q else None
    result["did"] = _did(frame, in_target, controls, before, after)

    monthly_all = frame.group_by("ym").len().rename({"ym": "month", "len": "events"})
    by_category = frame.filter(in_target).group_by("ym", "category").len().rename({"ym": "month", "len": "events"})
    if len(baseline) < 6:
        extra.append({"kind": "no_baseline", "message": (
            f"Only {len(baseline)} months are loaded before the before period, so regression to the mean could not be checked: "
            "load at least 6 (better 12 to 24) earlier months."
        )})  # fmt: skip
    warnings = all_warnings(
        pre=plan.before, post=plan.after, today=today, loaded=loaded, pre_counts=target_pre,
        baseline_counts=[t.monthly.get(m, 0) for m in baseline] if len(baseline) >= 6 else None,
        before=t.before, after=t.after, control_before=c.before, control_after=c.after,
        counts_by_month={r[0]: r[1] for r in monthly_all.iter_rows()}, by_category=by_category, others=others,
    )  # fmt: skip
    if controls["match"] and controls["match"].get("poor_match"):
        warnings.append({"kind": "poor_control", "message": controls["match"]["message"]})
    warnings += extra
    text, outcome = verdict(
        target=t.pair(), control=c.pair(), effect=effect, wdd=w, displacement=q, warnings=warnings, area=target["name"] or target["code"],
        category=", ".join(plan.categories) if plan.categories else "Crime and ASB", buffer_metres=plan.buffer_m if b else None, months=months,
    )  # fmt: skip
    result["warnings"] = [w_["message"] for w_ in warnings]
    result["verdict"] = text
    result["outcome"] = outcome
    result["match_quality"] = {k: controls["match"][k] for k in ("quality", "poor_match", "message")} if controls["match"] else None
    result["monthly"] = {
        "months": baseline[-12:] + before + after,
        "target": [t.monthly.get(m, 0) for m in baseline[-12:] + before + after],
        "buffer": [b.monthly.get(m, 0) for m in baseline[-12:] + before + after] if b else None,
        "control": [c.monthly.get(m, 0) for m in baseline[-12:] + before + after],
        "intervention": plan.after[0],
    }
    result["plan"] = plan.key() | {"measure_of_success": plan.measure_of_success}
    if plan_info:
        result["plan"] |= plan_info
        result["followed_plan"] = True
    else:
        result["followed_plan"] = None
    result["_geometry"] = {"target": target["geometry"], "buffer": ring, "control": controls["geometry"], "controls": controls["shapes"], "crs": crs}
    return result


def _harm_wdd(frame: pl.DataFrame, in_target: np.ndarray, in_control: np.ndarray, before: list[str], after: list[str], months: tuple[int, int]) -> dict:
    """The harm-weighted WDD (Wheeler and Ratcliffe 2018, ptools::wdd_harm): one (before,
    after) pair per crime type in target and control, weighted by national Cambridge Crime
    Harm Index days; types without a weight (ASB) are left out and named."""
    from sara.scan.harm import harm_weights

    weights = {r["crime_type"]: r["weight"] for r in harm_weights().iter_rows(named=True)}
    pairs: dict[str, list[list[int]]] = {}
    for inside, slot in ((in_target, 1), (in_control, 0)):
        part = frame.filter(pl.Series(inside)).with_columns(after=pl.col("ym").is_in(after)).filter(pl.col("ym").is_in(before + after))
        for category, is_after, n in part.group_by("category", "after").len().iter_rows():
            pairs.setdefault(category, [[0, 0], [0, 0]])[slot][int(is_after)] += n
    used = sorted(c for c in pairs if weights.get(c))
    left_out = sorted(c for c in pairs if not weights.get(c))
    if not used:
        return {"estimate": None, "reason": "no category of these events has a harm weight (ASB has none)", "left_out": left_out}
    r = wdd([tuple(pairs[c][0]) for c in used], [tuple(pairs[c][1]) for c in used], weights=[weights[c] for c in used], time_weights=months)
    return {"estimate": r.estimate, "se": r.se, "ci95": list(r.ci95), "categories": used, "weights": [weights[c] for c in used], "left_out": left_out}


def _did(frame: pl.DataFrame, in_target: np.ndarray, controls: dict, before: list[str], after: list[str]) -> dict:
    """Difference-in-differences on monthly counts of the target and each control area."""
    months = before + after
    target = frame.filter(pl.Series(in_target)).group_by("ym").len().with_columns(area=pl.lit("target"))
    parts = [target]
    if controls.get("by_area") is not None:
        parts.append(controls["by_area"].group_by("area", "ym").len().select("ym", "len", "area"))
    else:
        parts.append(frame.filter(pl.Series(controls["inside"])).group_by("ym").len().with_columns(area=pl.lit("control")))
    counts = pl.concat([p.select("area", "ym", "len") for p in parts])
    areas = counts["area"].unique().to_list()
    grid = pl.DataFrame({"area": [a for a in areas for _ in months], "ym": [m for _ in areas for m in months]})
    panel = (
        grid.join(counts, on=["area", "ym"], how="left")
        .with_columns(
            count=pl.col("len").fill_null(0).cast(pl.Int64),
            month=(pl.col("ym") + "-01").str.to_date(),
            treated=pl.col("area") == "target",
            post=pl.col("ym").is_in(after),
        )
        .select("area", "month", "count", "treated", "post")
    )
    try:
        r = did(panel)
        return {"estimate": r.estimate, "ci95": list(r.ci95), "p": r.p, "family": r.family, "notes": list(r.notes)}
    except AssessError as exc:
        return {"estimate": None, "ci95": None, "reason": str(exc)}


def draw(result: dict, path: Path, areas=None) -> Path:
    """Monthly series of target, buffer and control with the intervention marked, and a map
    of the three beside it, each area named, over the loaded boundaries (``areas``, a
    ``sara.report.pictures.Areas``); the verdict underneath."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.patches import Patch

    from sara.report import pictures, words

    series = result["monthly"]
    fig, (ax, ax_map) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [2.2, 1]})
    x = list(range(len(series["months"])))
    ax.plot(x, series["target"], label=f"target: {result['target']['name']}", color="#d4351c", linewidth=2)
    if series["buffer"]:
        ax.plot(x, series["buffer"], label=f"buffer: {words.metres(result['buffer']['metres'])} around it", color="#f47738", linewidth=1.5)
    ax2 = ax.twinx()
    ax2.plot(x, series["control"], label=f"control: {result['control']['name']}", color="#1d70b8", linewidth=1.5, linestyle="--")
    ax2.set_ylabel("control (right axis)", fontsize=8)
    ax.set_ylabel("events in the target and buffer", fontsize=8)
    ax.set_ylim(bottom=0)
    ax2.set_ylim(bottom=0)
    start = series["months"].index(series["intervention"])
    ax.axvline(start - 0.5, color="#0b0c0c", linewidth=1)
    ax.annotate("response starts", (start - 0.5, ax.get_ylim()[1]), fontsize=8, ha="right", va="top", rotation=90)
    ticks = x[:: max(1, len(x) // 12)]
    ax.set_xticks(ticks, [words.month(series["months"][i])[:3] + words.month(series["months"][i])[-5:] for i in ticks], rotation=90, fontsize=7)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=handles, fontsize=7, loc="lower left")
    what = words.categories(result["categories"])
    ax.set_title(f"{words.capital(what)} per month", loc="left", fontsize=11, fontweight="bold")
    shapes = result["_geometry"]
    for name, colour in (("control", "#1d70b8"), ("buffer", "#f47738"), ("target", "#d4351c")):
        geometry = shapes[name]
        if geometry is None:
            continue
        for part in getattr(geometry, "geoms", [geometry]):
            ax_map.fill(*np.asarray(part.exterior.coords).T, facecolor=colour, alpha=0.6, edgecolor=colour, linewidth=1.5, zorder=2)
    everything = [g for g in (shapes["target"], shapes["buffer"], shapes["control"]) if g is not None]
    pictures._frame(ax_map, shapely.total_bounds(everything), pad=0.15)
    if areas is not None:
        pictures._areas(ax_map, areas)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    named = [(result["target"]["name"] or result["target"]["code"], shapes["target"])]
    named += list(zip(result["control"].get("names") or [], shapes.get("controls") or []))
    for k, (name, geometry) in enumerate(named):
        at = shapely.point_on_surface(geometry)  # a dot too: an LSOA is a speck on a county's map
        ax_map.scatter([at.x], [at.y], s=28, color="#d4351c" if k == 0 else "#1d70b8", edgecolors="white", linewidths=0.8, zorder=6)
        below = k == 0  # the target's name under its dot, the controls' above theirs: a neighbouring control's name cannot cover it
        ax_map.annotate(textwrap.fill(str(name), 16), (at.x, at.y), xytext=(0, -6 if below else 5), textcoords="offset points", fontsize=7,
                        fontweight="bold", ha="center", va="top" if below else "bottom", path_effects=halo, zorder=7)  # fmt: skip
    pictures._scale_bar(ax_map)
    legend = [Patch(facecolor=c, alpha=0.6, label=n) for n, c in (("target", "#d4351c"), ("buffer", "#f47738"), ("controls", "#1d70b8")) if shapes[n if n != "controls" else "control"] is not None]
    ax_map.legend(handles=legend, fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.02), ncols=3, frameon=False)
    ax_map.set_title("Target, buffer and controls", loc="left", fontsize=11, fontweight="bold")
    fig.text(0.01, -0.02, textwrap.fill(result["verdict"], 180), fontsize=8, ha="left", va="top")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return Path(path)
