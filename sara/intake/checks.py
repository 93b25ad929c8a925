"""Row checks shared by every reader, run as one vectorised pass per file.

A check is a rule: a condition that marks a row bad and the reason it gives. ``apply``
parses the typed columns, finds for every row the first rule it breaks, and splits the
frame into rows that pass and a ``Rejected`` for each that does not. Reasons name the
field and what was expected; the row's raw text carries the offending value.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from sqlalchemy import Table

from sara import geo
from sara.intake.rows import LINE, Rejected, as_csv_line

Rule = tuple[pl.Expr, str]
EARLIEST = dt.date(1900, 1, 1)
PLAUSIBLE = "before 1900 or more than a year ahead"


def latest() -> dt.date:
    """The last date a record may carry: a year after today (later is a typing error)."""
    return dt.date.today() + dt.timedelta(days=366)


def text(column: str) -> pl.Expr:
    """Trimmed text; empty becomes null."""
    value = pl.col(column).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value).alias(column)


def month(column: str, into: str = "month") -> tuple[pl.Expr, list[Rule]]:
    """YYYY-MM text as the Date of the first of the month (to be parsed into ``into``), and
    the rules for bad months: unparseable, or implausible (``0000-01`` is YYYY-MM too)."""
    ok = pl.col(column).str.contains(r"^\d{4}-(0[1-9]|1[0-2])$")
    parsed = pl.when(ok).then(pl.col(column) + "-01").str.to_date("%Y-%m-%d", strict=False)
    return parsed, [(~ok.fill_null(False), f"unparseable {column} (expected YYYY-MM)"), implausible(into, column)]


def implausible(parsed: str, named: str) -> Rule:
    """The rule for a parsed date or date-time column ``parsed`` that lies before 1900 or
    more than a year ahead (a null is left to the rules for missing values); ``named`` is
    the source field, for the reason."""
    day = pl.col(parsed).cast(pl.Date)
    return (day.is_not_null() & ~day.is_between(EARLIEST, latest()), f"implausible {named} ({PLAUSIBLE})")


def too_long(table: Table, sources: dict[str, str]) -> list[Rule]:
    """Rules for text going to a column of ``table`` with a length limit: ``sources`` maps
    each table column to the field that fills it. PostgreSQL refuses longer text; SQLite
    would keep it: both quarantine the row."""
    rules = []
    for column, source in sources.items():
        limit = getattr(table.c[column].type, "length", None)
        if limit:
            rules.append((pl.col(source).str.len_chars() > limit, f"{source} is longer than {limit} characters"))
    return rules


def required(column: str) -> Rule:
    return pl.col(column).is_null(), f"missing {column}"


def number(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False)


def lonlat_rules(lon: str, lat: str, *, uk_only: bool) -> list[Rule]:
    """Rules for text columns ``lon``/``lat`` parsed into floats ``_lon``/``_lat``; both empty
    means no coordinates (kept). ``uk_only`` for police.uk, which covers the UK alone."""
    lon_f, lat_f = pl.col("_lon"), pl.col("_lat")
    rules = [
        (pl.col(lon).is_null() != pl.col(lat).is_null(), f"only one of {lon} and {lat} given"),
        ((pl.col(lon).is_not_null() & lon_f.is_null()) | (pl.col(lat).is_not_null() & lat_f.is_null()) | lon_f.is_nan() | lat_f.is_nan(),
         "coordinates are not numbers"),
        ((lon_f.abs() > 180) | (lat_f.abs() > 90), "coordinates outside the valid range (longitude -180..180, latitude -90..90)"),
    ]  # fmt: skip
    if uk_only:
        rules.append(
            (
                ~(lon_f.is_between(*geo.UK_LON) & lat_f.is_between(*geo.UK_LAT)),
                "coordinates outside the UK (police.uk covers England, Wales and Northern Ireland)",
            )
        )
    return rules


def first_broken(rules: list[Rule]) -> pl.Expr:
    """The reason of the first rule a row breaks, else null."""
    expr = pl.lit(None, dtype=pl.String)
    for condition, reason in reversed(rules):
        expr = pl.when(condition.fill_null(False)).then(pl.lit(reason)).otherwise(expr)
    return expr


def apply(frame: pl.DataFrame, raw_columns: list[str], cleaned: list[str], parsed: dict[str, pl.Expr], rules: list[Rule]) -> tuple[pl.DataFrame, list[Rejected]]:
    """Trims ``cleaned`` text columns, adds ``parsed`` columns, and splits rows by ``rules``.

    The raw text of a rejected row is its original fields written back as CSV.
    """
    raw = frame.select(LINE, *raw_columns)
    checked = (
        frame.lazy()
        .with_columns(text(c) for c in cleaned)
        .with_columns(**parsed)
        .with_columns(_reason=first_broken(rules))
        .collect()
    )
    bad = checked.filter(pl.col("_reason").is_not_null()).select(LINE, "_reason")
    if bad.height == 0:
        return checked.drop("_reason"), []
    bad_raw = bad.join(raw, on=LINE, how="left", maintain_order="left")
    rejected = [Rejected(row[0], as_csv_line(list(row[2:])), row[1]) for row in bad_raw.iter_rows()]
    return checked.filter(pl.col("_reason").is_null()).drop("_reason"), rejected


def with_projected(frame: pl.DataFrame, crs: str) -> pl.DataFrame:
    """Adds x/y in ``crs`` metres computed once from lon/lat (null where there are none)."""
    lon = frame["lon"].to_numpy(allow_copy=True).astype(float)
    lat = frame["lat"].to_numpy(allow_copy=True).astype(float)
    x, y = geo.transform(lon, lat, geo.WGS84, crs)
    return frame.with_columns(pl.Series("x", x).fill_nan(None), pl.Series("y", y).fill_nan(None))
