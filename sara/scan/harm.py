"""Harm: events weighted by the Cambridge Crime Harm Index (or any weights you give).

The weights are data, not code. The bundled table (``sara/scan/data``, provenance in the
README there) gives CCHI days of imprisonment for each police.uk crime type in each of the
43 territorial police forces of England and Wales: each police.uk crime type is a group of
Home Office offence subgroups (``cchi_weights_by_prc_subgroup.csv`` lists them), and a
force's weight is the CCHI of those subgroups weighted by how often each is recorded.

* ``harm_weights(force="Derbyshire")`` picks one force; police.uk ``Falls within`` names
  ("Derbyshire Constabulary", "Metropolitan Police Service") and slugs ("avon-and-somerset")
  are accepted.
* ``harm_weights()`` (no force) gives national weights: the subgroup medians weighted by the
  national 2024/25 counts in the same file, computed here the same way.
* ``harm_weights(path="my_weights.csv")`` reads your own table (ONS Crime Severity Score,
  local weights): a crime type column (``crime_type``, ``category`` or ``offence``) and a
  weight column (``weight``, ``cchi_days``, ``days``, ``css`` or ``score``), optionally a
  ``force`` column.

Anti-social behaviour is not a crime and has no CCHI value: every table gets
``Anti-social behaviour`` (and the ``ASB Personal / Nuisance / Environmental`` types) at
weight 0 with a note, unless your own file gives them a weight. A category with no weight
at all is reported by ``weight_events`` and left out of harm totals, never silently zero.
"""

from __future__ import annotations

import math
import re
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from sara.scan.result import ScanError, ScanResult

FORCE_FILE = "cchi_weights_by_force_category.csv"
SUBGROUP_FILE = "cchi_weights_by_prc_subgroup.csv"
ASB_TYPES = ("Anti-social behaviour", "ASB Personal", "ASB Nuisance", "ASB Environmental")
ASB_NOTE = "no CCHI value (ASB is not a notifiable crime): weighted 0; give it a weight in your own weights file to count it"
TYPE_COLUMNS = ("crime_type", "category", "crime_category", "offence", "offence_type", "type")
WEIGHT_COLUMNS = ("weight", "cchi_days", "cchi", "days", "harm", "css", "css_weight", "severity", "score")
FORCE_WORDS = {"constabulary", "police", "service", "the", "force"}


def _data(name: str):
    return resources.files("sara.scan").joinpath("data").joinpath(name)


def _force_key(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", name.lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in FORCE_WORDS)


def _type_key(expr: pl.Expr) -> pl.Expr:
    """Crime types compared without case or repeated spaces."""
    return expr.cast(pl.String).str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()


def _column(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    normal = {re.sub(r"[^a-z0-9]+", "_", c.lower()).strip("_"): c for c in columns}
    return next((normal[w] for w in wanted if w in normal), None)


def _with_asb(table: pl.DataFrame) -> pl.DataFrame:
    have = set(table.select(_type_key(pl.col("crime_type")))["crime_type"].to_list())
    extra = [t for t in ASB_TYPES if t.lower() not in have]
    rows = pl.DataFrame(
        {"crime_type": extra, "weight": [0.0] * len(extra), "source": ["no CCHI value"] * len(extra), "note": [ASB_NOTE] * len(extra)},
        schema=table.schema,
    )
    return pl.concat([table, rows])


def _national() -> pl.DataFrame:
    with _data(SUBGROUP_FILE).open("rb") as f:
        sub = pl.read_csv(f)
    return (
        sub.group_by("category", maintain_order=True)
        .agg(weight=(pl.col("cchi_days") * pl.col("national_count_2024_25")).sum() / pl.col("national_count_2024_25").sum())
        .select(crime_type="category", weight="weight")
    )


def _read_user(path: str | Path, force: str | None) -> pl.DataFrame:
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ScanError(f"cannot read the weights file {path}: {str(exc).splitlines()[0]}") from None
    type_col = _column(raw.columns, TYPE_COLUMNS)
    weight_col = _column(raw.columns, WEIGHT_COLUMNS)
    if type_col is None or weight_col is None:
        raise ScanError(
            f"the weights file {path} needs a crime type column (one of {', '.join(TYPE_COLUMNS)}) and a weight column "
            f"(one of {', '.join(WEIGHT_COLUMNS)}); its columns are {', '.join(raw.columns)}"
        )
    force_col = _column(raw.columns, ("force",))
    if force_col is not None:
        forces = raw[force_col].drop_nulls().unique().to_list()
        if force is None and len(forces) > 1:
            raise ScanError(f"the weights file {path} has weights for {len(forces)} forces", field="force", fix=f"choose one, e.g. {sorted(forces)[0]!r}")
        if force is not None:
            raw = _pick_force(raw, force_col, force, str(path))
    elif force is not None:
        raise ScanError(f"the weights file {path} has no force column, so the force {force!r} cannot be applied", field="force", fix="leave the force out")
    table = raw.select(crime_type=pl.col(type_col).str.strip_chars(), weight=pl.col(weight_col).str.strip_chars().cast(pl.Float64, strict=False))
    bad = raw.filter(table["weight"].is_null() | table["crime_type"].is_null())
    if bad.height:
        raise ScanError(f"the weights file {path} has {bad.height} rows without a crime type or a numeric weight, e.g. {bad.row(0)}: fix or remove them")
    if (table["weight"] < 0).any() or not table["weight"].is_finite().all():
        raise ScanError(f"the weights file {path} has negative or infinite weights: harm weights must be 0 or more")
    dup = table.group_by(_type_key(pl.col("crime_type")).alias("k")).len().filter(pl.col("len") > 1)
    if dup.height:
        raise ScanError(f"the weights file {path} gives more than one weight for {', '.join(dup['k'].to_list())}: keep one row per crime type")
    return table.with_columns(source=pl.lit(f"user weights ({Path(path).name})"), note=pl.lit(None, dtype=pl.String))


def _pick_force(table: pl.DataFrame, force_col: str, force: str, where: str) -> pl.DataFrame:
    want = _force_key(force)
    keys = table[force_col].map_elements(_force_key, return_dtype=pl.String)
    picked = table.filter(keys == want)
    if picked.height == 0:
        known = sorted(table[force_col].unique().to_list())
        raise ScanError(
            f"no harm weights for the force {force!r} in {where}",
            field="force",
            fix=f"use one of {', '.join(known)}; or leave the force out for national weights, or give your own weights file",
        )
    return picked


def harm_weights(force: str | None = None, path: str | Path | None = None) -> pl.DataFrame:
    """Harm weight per crime type: columns ``crime_type``, ``weight`` (CCHI days of
    imprisonment for the bundled table), ``source`` and ``note`` (why a weight is 0).

    ``force``: one police force's CCHI weights (police.uk name or slug); none gives national
    weights. ``path``: your own CSV instead of the bundled table (see the module docstring).
    ASB types are added at weight 0 with a note unless the table weights them.
    """
    if path is not None:
        return _with_asb(_read_user(path, force))
    if force is None:
        national = _national().with_columns(
            source=pl.lit("CCHI, England and Wales (subgroup medians weighted by national 2024/25 counts)"), note=pl.lit(None, dtype=pl.String)
        )
        return _with_asb(national)
    with _data(FORCE_FILE).open("rb") as f:
        table = pl.read_csv(f)
    picked = _pick_force(table, "force", force, "the bundled CCHI table")
    name = picked["force"][0]
    return _with_asb(
        picked.select("crime_type", weight=pl.col("cchi_days").cast(pl.Float64), source=pl.lit(f"CCHI, {name}"), note=pl.lit(None, dtype=pl.String))
    )


def _as_weights(weights) -> pl.DataFrame:
    if isinstance(weights, dict):
        if not weights:
            raise ScanError("the weights are empty: give harm_weights(force=...) or a {crime type: weight} mapping")
        weights = pl.DataFrame({"crime_type": list(weights), "weight": [float(v) for v in weights.values()]}).with_columns(
            source=pl.lit("user weights"), note=pl.lit(None, dtype=pl.String)
        )
    if not isinstance(weights, pl.DataFrame) or not {"crime_type", "weight"} <= set(weights.columns):
        raise ScanError("weights must be harm_weights(...) or a table with crime_type and weight columns, or a {crime type: weight} dict")
    if weights.height == 0:
        raise ScanError("the weights table is empty: give harm_weights(force=...) or your own weights")
    for col, dtype in (("source", pl.String), ("note", pl.String)):
        if col not in weights.columns:
            weights = weights.with_columns(pl.lit(None, dtype=dtype).alias(col))
    weights = weights.with_columns(pl.col("weight").cast(pl.Float64))
    if weights["weight"].is_null().any() or (weights["weight"] < 0).any():
        raise ScanError("every weight must be a number of 0 or more")
    dup = weights.group_by(_type_key(pl.col("crime_type")).alias("k")).len().filter(pl.col("len") > 1)
    if dup.height:
        raise ScanError(f"more than one weight for {', '.join(dup['k'].to_list())}: keep one row per crime type")
    return weights


def weight_events(events: pl.DataFrame, weights, *, category: str = "category", harm: str = "harm") -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events with a ``harm`` column (the weight of their category; null where the
    category has no weight), and a report with one row per category found: ``category``,
    ``events``, ``weight``, ``harm`` (total), ``status`` (``weighted``, ``no weight`` or
    ``no category``) and ``note``. Categories match without regard to case or spacing."""
    if not isinstance(events, pl.DataFrame):
        raise ScanError("events must be a polars DataFrame with one row per event")
    if category not in events.columns:
        raise ScanError(f"there is no column {category!r} in the events: give category= the column holding the crime type")
    table = _as_weights(weights).select(_k=_type_key(pl.col("crime_type")), _w=pl.col("weight"), _note=pl.col("note"))
    joined = events.with_columns(_k=_type_key(pl.col(category))).join(table, on="_k", how="left", maintain_order="left")
    weighted = joined.with_columns(pl.col("_w").alias(harm)).drop("_k", "_w", "_note")
    report = (
        joined.group_by(category)
        .agg(events=pl.len().cast(pl.Int64), weight=pl.col("_w").first(), harm=pl.col("_w").sum(), note=pl.col("_note").first())
        .with_columns(
            status=pl.when(pl.col(category).is_null())
            .then(pl.lit("no category"))
            .when(pl.col("weight").is_null())
            .then(pl.lit("no weight"))
            .otherwise(pl.lit("weighted")),
        )
        .with_columns(
            harm=pl.when(pl.col("weight").is_null()).then(None).otherwise(pl.col("harm")),
            note=pl.when(pl.col("status") == "no weight")
            .then(pl.lit("not in the weights: left out of harm totals; add it to your own weights file"))
            .when(pl.col("status") == "no category")
            .then(pl.lit("no category: left out of harm totals"))
            .otherwise(pl.col("note")),
        )
        .sort("events", descending=True)
        .select(pl.col(category).alias("category"), "events", "weight", "harm", "status", "note")
    )
    return weighted, report


def _as_population(population, area: str) -> pl.DataFrame:
    if isinstance(population, dict):
        population = pl.DataFrame({area: [str(k) for k in population], "population": list(population.values())}, strict=False)
    if not isinstance(population, pl.DataFrame):
        raise ScanError("population must be a table with the area code and a population column, or a {area code: population} dict")
    code = area if area in population.columns else ("code" if "code" in population.columns else None)
    if code is None or "population" not in population.columns:
        raise ScanError(f"the population table needs columns {area!r} (or 'code') and 'population'; it has {', '.join(population.columns)}")
    pop = population.select(pl.col(code).cast(pl.String).alias(area), pl.col("population").cast(pl.Float64, strict=False).alias("population"))
    if (pop["population"].drop_nulls() < 0).any():
        raise ScanError("population must not be negative: fix the population table")
    dup = pop.group_by(area).len().filter(pl.col("len") > 1)
    if dup.height:
        raise ScanError(f"the population table repeats {dup.height} area codes (e.g. {dup[area][0]}): keep one row per area")
    return pop


def _rank(column: str) -> pl.Expr:
    return pl.col(column).rank("min", descending=True).cast(pl.Int64)


def harm_by_area(
    events: pl.DataFrame,
    weights,
    population=None,
    *,
    area: str = "lsoa_code",
    category: str = "category",
    top: float = 0.05,
) -> ScanResult:
    """Harm total, share and rank per area; with ``population`` (a table of ``area`` (or
    ``code``) and ``population``, or a dict) also harm per 1,000 residents and its rank.

    Ranks are by harm, largest first; equal harm shares the better rank (1, 2, 2, 4). Areas
    named in ``population`` without events are listed with harm 0; an area whose population
    is 0 or unknown gets no rate (null), and a note. ``params["concentration"]`` is
    ``concentration`` of harm over the listed areas (top 5% by default). Events without an
    area, or whose category has no weight, are counted in ``left_out``.
    """
    if not isinstance(events, pl.DataFrame):
        raise ScanError("events must be a polars DataFrame with one row per event")
    if events.height == 0:
        raise ScanError("there are no events to weigh: widen the selection (dates, area or categories)")
    if area not in events.columns:
        raise ScanError(f"there is no area column {area!r} in the events: give area= (e.g. 'lsoa_code') or place the events in areas first")
    weights = _as_weights(weights)
    weighted, report = weight_events(events, weights, category=category, harm="_harm")
    left_out: dict[str, int] = {}
    no_area = int(weighted[area].null_count())
    if no_area:
        left_out[f"no {area}"] = no_area
    placed = weighted.filter(pl.col(area).is_not_null())
    for row in placed.filter(pl.col("_harm").is_null()).group_by(category).len().sort("len", descending=True).iter_rows():
        left_out[f"no weight for {row[0]!r}" if row[0] is not None else "no category"] = row[1]
    counted = placed.filter(pl.col("_harm").is_not_null())
    if counted.height == 0:
        raise ScanError(f"none of the {events.height} events has both an area and a weighted category: check area= and the weights ({', '.join(left_out)})")

    table = counted.group_by(pl.col(area).cast(pl.String)).agg(events=pl.len().cast(pl.Int64), harm=pl.col("_harm").sum())
    notes: list[str] = []
    if population is not None:
        pop = _as_population(population, area)
        table = table.join(pop, on=area, how="full", coalesce=True).with_columns(pl.col("events").fill_null(0), pl.col("harm").fill_null(0.0))
        no_events = table.height - counted[area].n_unique()
        if no_events:
            notes.append(f"{no_events} areas in the population table have no weighted events: listed with harm 0")
        missing = int(table["population"].is_null().sum())
        zero = int((table["population"] == 0).sum())
        if missing:
            notes.append(f"{missing} areas with events have no population: no rate for them (add them to the population table)")
        if zero:
            notes.append(f"{zero} areas have a population of 0: no rate for them (harm per resident is undefined)")
        table = table.with_columns(harm_per_1000=pl.when(pl.col("population") > 0).then(pl.col("harm") / pl.col("population") * 1000))
    total = float(table["harm"].sum())
    table = table.with_columns(rank=_rank("harm"), share=pl.col("harm") / total if total > 0 else pl.lit(None, dtype=pl.Float64))
    columns = ["rank", area, "events", "harm", "share"]
    if population is not None:
        table = table.with_columns(rank_per_1000=_rank("harm_per_1000"))
        columns += ["population", "harm_per_1000", "rank_per_1000"]
    table = table.sort(["harm", area], descending=[True, False]).select(columns)

    asb = report.filter((pl.col("status") == "weighted") & (pl.col("weight") == 0))
    for row in asb.iter_rows(named=True):
        notes.append(f"{row['events']:,} {row['category']} events count with weight 0: {row['note'] or 'weight 0 in the weights table'}")
    unweighted = report.filter(pl.col("status") != "weighted")
    if unweighted.height:
        notes.append(f"categories without a weight, left out of harm: {', '.join(str(c) for c in unweighted['category'].to_list())}")
    conc = concentration(table["harm"], top=top) if total > 0 else None
    if conc:
        notes.append(f"the top {100 * top:g}% of areas ({conc['units_in_top']:g} of {conc['units']}) hold {100 * conc['share']:.1f}% of the harm")
    params = {
        "area": area,
        "category": category,
        "weights": sorted({s for s in weights["source"].to_list() if s}),
        "rank_rule": "largest first; equal values share the better rank (1, 2, 2, 4)",
        "events": events.height,
        "events_weighted": counted.height,
        "total_harm": total,
        "areas": table.height,
        "concentration": conc,
        "categories": report.to_dicts(),
    }
    if population is not None:
        params["rate"] = "harm per 1,000 residents = harm / population * 1000; no rate where population is 0 or unknown"
    return ScanResult(table=table, params=params, left_out=left_out, notes=notes)


def _period_frame(period, value: str, area: str | None) -> tuple[pl.DataFrame, str]:
    if isinstance(period, ScanResult):
        area = area or period.params.get("area")
        period = period.table
    if not isinstance(period, pl.DataFrame):
        raise ScanError("each period must be a harm_by_area result or a table with an area column and a value column")
    if area is None:
        raise ScanError("give area= (the column naming the areas) when passing tables")
    for col in (area, value):
        if col not in period.columns:
            raise ScanError(f"a period has no column {col!r}: its columns are {', '.join(period.columns)}")
    frame = period.select(pl.col(area).cast(pl.String), pl.col(value).cast(pl.Float64))
    if frame[area].is_duplicated().any():
        raise ScanError(f"a period lists an area more than once in {area!r}: give one row per area")
    return frame, area


def rank_change(period_a, period_b, *, value: str = "harm", area: str | None = None, labels: tuple[str, str] = ("a", "b")) -> ScanResult:
    """Ranks of areas in two periods and how they moved.

    ``period_a`` and ``period_b`` are ``harm_by_area`` results (or tables with the area and
    ``value`` columns). Areas are ranked on the union of both periods, largest ``value``
    first, equal values sharing the better rank; an area missing from one period had no
    weighted events there, so its ``harm`` is 0 (a missing rate stays unknown and unranked).
    ``rank_change`` = rank in a - rank in b: positive means the area moved up towards rank 1.
    ``params["rank_correlation"]`` is Spearman's rho between the two periods' values.
    """
    a, area_a = _period_frame(period_a, value, area)
    b, area_b = _period_frame(period_b, value, area)
    if area_a != area_b:
        b = b.rename({area_b: area_a})
    area = area_a
    if a.height == 0 or b.height == 0:
        raise ScanError("a period has no areas: both periods need at least one area with events")
    la, lb = labels
    va, vb = f"{value}_{la}", f"{value}_{lb}"
    joined = a.rename({value: va}).join(b.rename({value: vb}), on=area, how="full", coalesce=True)
    only = {la: int(joined[vb].is_null().sum()), lb: int(joined[va].is_null().sum())}
    notes = []
    if value == "harm":
        joined = joined.with_columns(pl.col(va).fill_null(0.0), pl.col(vb).fill_null(0.0))
        for label, n in only.items():
            if n:
                notes.append(f"{n} areas appear only in period {label}: harm 0 in the other period")
    table = (
        joined.with_columns(**{f"rank_{la}": _rank(va), f"rank_{lb}": _rank(vb)})
        .with_columns(
            rank_change=pl.col(f"rank_{la}") - pl.col(f"rank_{lb}"),
            change=pl.col(vb) - pl.col(va),
            change_pct=pl.when(pl.col(va) > 0).then((pl.col(vb) - pl.col(va)) / pl.col(va) * 100),
        )
        .sort([f"rank_{lb}", area], nulls_last=True)
        .select(area, va, f"rank_{la}", vb, f"rank_{lb}", "rank_change", "change", "change_pct")
    )
    both = table.drop_nulls([va, vb])
    rho = None
    if both.height > 2 and both[va].n_unique() > 1 and both[vb].n_unique() > 1:
        from scipy import stats

        rho = float(stats.spearmanr(both[va].to_numpy(), both[vb].to_numpy()).statistic)
    params = {
        "value": value,
        "area": area,
        "labels": list(labels),
        "areas": table.height,
        "rank_rule": "largest first on the union of both periods; equal values share the better rank (1, 2, 2, 4)",
        "change_rule": f"rank_change = rank_{la} - rank_{lb} (positive: moved up towards rank 1); change = {vb} - {va}; change_pct is null where {va} is 0",
        "rank_correlation": rho,
        "moved_into_top_10": table.filter((pl.col(f"rank_{lb}") <= 10) & ((pl.col(f"rank_{la}") > 10) | pl.col(f"rank_{la}").is_null()))[area].to_list(),
    }
    return ScanResult(table=table, params=params, left_out={}, notes=notes)


def concentration(values, top: float = 0.05) -> dict:
    """The share of the total held by the top ``top`` fraction of units (cells or areas).

    Units are taken largest first. With ``n`` units the top holds ``k = top * n`` units,
    which may be fractional: the ``floor(k)`` largest count whole and the next one by the
    fractional part (so the top 5% of 30 units is 1.5 units). Units tied at the cut-off value
    are interchangeable (equal values), so the share does not depend on which of them is
    taken; ``tied_at_cutoff`` says how many units share the cut-off value and
    ``share_whole_units`` gives the share of the ``ceil(k)`` largest whole units.
    """
    if not isinstance(top, int | float) or not 0 < top <= 1:
        raise ScanError(f"top must be a fraction of the units above 0 and at most 1 (got {top!r}): e.g. top=0.05 for the top 5%")
    v = np.asarray(values.to_numpy() if isinstance(values, pl.Series) else values, dtype=float).ravel()
    if v.size == 0:
        raise ScanError("there are no units (cells or areas) to measure concentration over")
    if not np.isfinite(v).all() or (v < 0).any():
        raise ScanError("harm values must be finite and 0 or more: remove missing or negative values first")
    v = np.sort(v)[::-1]
    n = v.size
    k = top * n
    whole = math.floor(k + 1e-9)
    frac = k - whole if k - whole > 1e-9 else 0.0
    total = float(v.sum())
    held = float(v[:whole].sum()) + (frac * float(v[whole]) if whole < n and frac else 0.0)
    last = min(math.ceil(k - 1e-9), n) - 1
    cutoff = float(v[max(last, 0)])
    return {
        "units": n,
        "top": top,
        "units_in_top": k,
        "total": total,
        "share": held / total if total > 0 else None,
        "share_whole_units": float(v[: last + 1].sum()) / total if total > 0 else None,
        "cutoff": cutoff,
        "units_above_cutoff": int((v > cutoff).sum()),
        "tied_at_cutoff": int((v == cutoff).sum()),
        "zero_units": int((v == 0).sum()),
        "rule": (
            "units sorted largest first; the top holds top * units units, the last one counted by its fraction; "
            "units tied at the cut-off have equal values, so which is taken does not change the share"
        ),
    }
