"""data.police.uk files: street crimes and ASB, outcomes, stop and search.

Formats are those of the data.police.uk archive (``YYYY-MM/YYYY-MM-<force>-street.csv``
and the ``-outcomes.csv`` and ``-stop-and-search.csv`` beside it). Months only, never a
day; coordinates snapped to anonymised map points; rows without coordinates kept (they
count in force and LSOA totals). Contains public sector information licensed under the
Open Government Licence v3.0.
"""

from __future__ import annotations

import re

import polars as pl

from sara import geo
from sara.intake import checks
from sara.intake.keys import KEY, Seen, row_keys
from sara.intake.rows import RawTable, Rejected, describe_header
from sara.store.schema import Event, Outcome, StopSearch

SOURCE = "police.uk"

STREET = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context"]
OUTCOMES = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code", "LSOA name", "Outcome type"]
STOP_SEARCH = [
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude", "Gender", "Age range",
    "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation", "Object of search", "Outcome",
    "Outcome linked to object of search", "Removal of more than just outer clothing",
]  # fmt: skip
FORMATS = {"street": STREET, "outcomes": OUTCOMES, "stop_search": STOP_SEARCH}
WHAT = {"street": "police.uk street", "outcomes": "police.uk outcomes", "stop_search": "police.uk stop-and-search"}
NAME = re.compile(r"(?P<month>\d{4}-\d{2})-(?P<force>.+?)-(?P<kind>street|outcomes|stop-and-search)\.csv$", re.I)


def kind_of(name: str, header: list[str] | None = None) -> str | None:
    """street, outcomes or stop_search, from the file name or else the header."""
    match = NAME.search(name)
    if match:
        return match["kind"].lower().replace("stop-and-search", "stop_search")
    if header is not None:
        for kind, columns in FORMATS.items():
            if set(header) == set(columns):
                return kind
    return None


def header_check(kind: str):
    return lambda header: describe_header(header, FORMATS[kind], WHAT[kind])


# Fields a re-publication may revise; all others identify the row.
STREET_REVISED = ["Last outcome category", "Context"]
STREET_IDENTITY = [c for c in STREET if c not in STREET_REVISED]


STREET_LENGTHS = checks.too_long(
    Event.__table__,
    {"source_ref": "Crime ID", "category": "Crime type", "lsoa_code": "LSOA code", "lsoa_name": "LSOA name",
     "outcome": "Last outcome category", "reported_by": "Reported by", "falls_within": "Falls within"},
)  # fmt: skip
OUTCOME_LENGTHS = checks.too_long(
    Outcome.__table__,
    {"crime_id": "Crime ID", "outcome_type": "Outcome type", "lsoa_code": "LSOA code", "lsoa_name": "LSOA name",
     "reported_by": "Reported by", "falls_within": "Falls within"},
)  # fmt: skip
STOP_SEARCH_LENGTHS = checks.too_long(
    StopSearch.__table__,
    {"type": "Type", "operation": "Policing operation", "gender": "Gender", "age_range": "Age range",
     "self_defined_ethnicity": "Self-defined ethnicity", "officer_defined_ethnicity": "Officer-defined ethnicity",
     "legislation": "Legislation", "object_of_search": "Object of search", "outcome": "Outcome"},
)  # fmt: skip
FORCE_LENGTH = StopSearch.__table__.c.force.type.length


def street_events(raw: RawTable, seen: Seen | None = None) -> tuple[pl.DataFrame, list[Rejected]]:
    """Street rows as event rows (``event`` table columns), and the rows refused.
    ``seen``: the earlier blocks of the same file, for its row keys."""
    month, bad_month = checks.month("Month")
    frame, rejected = checks.apply(
        raw.frame,
        STREET,
        STREET,
        {"month": month, "_lon": checks.number("Longitude"), "_lat": checks.number("Latitude")},
        [*bad_month, checks.required("Crime type"), *checks.lonlat_rules("Longitude", "Latitude", uk_only=True), *STREET_LENGTHS],
    )
    keyed = row_keys(frame, STREET_IDENTITY, seen, last=raw.last)
    frame = checks.with_projected(keyed.rename({"_lon": "lon", "_lat": "lat"}), geo.BNG)
    events = frame.select(
        *KEY,
        "month",
        "lon",
        "lat",
        "x",
        "y",
        source_ref=pl.col("Crime ID"),
        category=pl.col("Crime type"),
        location=pl.col("Location"),
        lsoa_code=pl.col("LSOA code"),
        lsoa_name=pl.col("LSOA name"),
        outcome=pl.col("Last outcome category"),
        context=pl.col("Context"),
        reported_by=pl.col("Reported by"),
        falls_within=pl.col("Falls within"),
    )
    return events, raw.rejected + rejected


def outcome_rows(raw: RawTable, seen: Seen | None = None) -> tuple[pl.DataFrame, list[Rejected]]:
    """Outcome rows (``outcome`` table); a row must name its crime."""
    month, bad_month = checks.month("Month")
    frame, rejected = checks.apply(
        raw.frame,
        OUTCOMES,
        OUTCOMES,
        {"month": month, "_lon": checks.number("Longitude"), "_lat": checks.number("Latitude")},
        [*bad_month, checks.required("Crime ID"), checks.required("Outcome type"), *checks.lonlat_rules("Longitude", "Latitude", uk_only=True),
         *OUTCOME_LENGTHS],
    )  # fmt: skip
    rows = row_keys(frame, OUTCOMES, seen, last=raw.last).select(
        *KEY,
        "month",
        lon="_lon",
        lat="_lat",
        crime_id=pl.col("Crime ID"),
        outcome_type=pl.col("Outcome type"),
        reported_by=pl.col("Reported by"),
        falls_within=pl.col("Falls within"),
        location=pl.col("Location"),
        lsoa_code=pl.col("LSOA code"),
        lsoa_name=pl.col("LSOA name"),
    )
    return rows, raw.rejected + rejected


def _yes_no(column: str) -> pl.Expr:
    value = pl.col(column).str.to_lowercase()
    return pl.when(value == "true").then(True).when(value == "false").then(False).otherwise(None)


def stop_search_rows(raw: RawTable, force: str | None, seen: Seen | None = None) -> tuple[pl.DataFrame, list[Rejected]]:
    """Stop-and-search rows (``stop_search`` table); ``Date`` is an ISO 8601 date-time,
    kept as UTC. ``force`` comes from the file name (at most ``FORCE_LENGTH`` characters)."""
    at = pl.coalesce(
        pl.col("Date").str.to_datetime("%Y-%m-%dT%H:%M:%S%:z", strict=False, time_zone="UTC"),
        pl.col("Date").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).dt.replace_time_zone("UTC"),
    ).dt.replace_time_zone(None)
    frame, rejected = checks.apply(
        raw.frame,
        STOP_SEARCH,
        STOP_SEARCH,
        {"occurred_at": at, "_lon": checks.number("Longitude"), "_lat": checks.number("Latitude")},
        [
            checks.required("Type"),
            (pl.col("occurred_at").is_null(), "unparseable Date (expected an ISO date-time such as 2025-01-31T18:05:00+00:00)"),
            checks.implausible("occurred_at", "Date"),
            *checks.lonlat_rules("Longitude", "Latitude", uk_only=True),
            *STOP_SEARCH_LENGTHS,
        ],
    )
    keyed = row_keys(frame, STOP_SEARCH, seen, last=raw.last)
    frame = checks.with_projected(keyed.rename({"_lon": "lon", "_lat": "lat"}), geo.BNG)
    rows = frame.select(
        *KEY,
        "lon",
        "lat",
        "x",
        "y",
        "occurred_at",
        force=pl.lit(force, dtype=pl.String),
        type=pl.col("Type"),
        month=pl.col("occurred_at").dt.truncate("1mo").dt.date(),
        part_of_operation=_yes_no("Part of a policing operation"),
        operation=pl.col("Policing operation"),
        gender=pl.col("Gender"),
        age_range=pl.col("Age range"),
        self_defined_ethnicity=pl.col("Self-defined ethnicity"),
        officer_defined_ethnicity=pl.col("Officer-defined ethnicity"),
        legislation=pl.col("Legislation"),
        object_of_search=pl.col("Object of search"),
        outcome=pl.col("Outcome"),
        outcome_linked=_yes_no("Outcome linked to object of search"),
        removal_of_clothing=_yes_no("Removal of more than just outer clothing"),
    )
    return rows, raw.rejected + rejected
