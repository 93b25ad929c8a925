"""Crime outcomes: the police.uk outcome categories (and the Home Office outcome types a force
export may carry instead) put in groups, and the detection rate of a set of crimes.

The groups follow the Home Office crime outcomes framework (Home Office, "Crime outcomes in
England and Wales: Technical Annex", table of outcome types, gov.uk, 2023): outcome 1 (and 1A)
charged or summonsed; 2, 3 (and 2A, 3A) youth and adult cautions, conditional ones included;
4 taken into consideration; 6 penalty notice for disorder; 7 cannabis or khat warning; 8
community resolution; 5 and 9 to 22 are the outcomes with no sanction (the suspect died,
evidential difficulties, not in the public interest, investigation complete with no suspect,
another body responsible, diversionary activity). police.uk publishes its own words for these
(data.police.uk, "About": outcome categories; data.gov.uk forum, "New police outcome
categories", 2014), each standing for one or more outcome types:

* **charged or summonsed**: "Awaiting court outcome" and "Court result unavailable" (charged,
  no court result yet or none supplied), "Suspect charged" and every court result ("Offender
  sent to prison", "Defendant found not guilty", ...: the crime was charged, whatever the
  court did), "Suspect charged as part of another case" (taken into consideration, outcome 4);
* **cautioned**: "Offender given a caution" (youth, adult and conditional cautions);
* **community resolution**: "Local resolution" (police.uk's word for outcome 8);
* **other out-of-court disposal**: "Offender given penalty notice", "Offender given a drugs
  possession warning" and the older "Offender given a cannabis warning";
* **not detected**: "Investigation complete; no suspect identified", "Unable to prosecute
  suspect", "Formal action is not in the public interest", "Further action is not in the public
  interest", "Further investigation is not in the public interest", "Action to be taken by
  another organisation";
* **under investigation**: "Under investigation" (and "RUI / BAIL" in an arrest table);
* **status not known**: "Status update unavailable" (the force sent police.uk no status for
  the crime) and a crime with no outcome at all. Neither is a final outcome.

The **detection rate** is the crimes whose last outcome is in one of the first four groups
(the sanction outcomes 1-4 and 6-8 with community resolution, the old "detections") divided by
**all** the crimes counted, open ones included, as the Home Office outcomes statistics give
each outcome's share of the offences recorded in the period. Beside it is the rate **of the
crimes with a final outcome** (detected or not detected: under investigation and status not
known left out), and every rate says how many crimes are still under investigation and how
many have no status, because a recent month's rate rises as its investigations close.

A crime is counted once per row (police.uk counts every row, and the same Crime ID can stand
on two rows of a month); anti-social behaviour is not crime and has no outcome.
"""

from __future__ import annotations

import re

import polars as pl

GROUPS = (
    ("charged_or_summonsed", "Charged or summonsed"),
    ("cautioned", "Cautioned"),
    ("community_resolution", "Community resolution"),
    ("other_out_of_court", "Other out-of-court disposal"),
    ("not_detected", "Not detected"),
    ("under_investigation", "Under investigation"),
    ("unknown", "Status not known"),
    ("unrecognised", "Outcome not recognised"),
)
LABELS = dict(GROUPS)
DETECTED = ("charged_or_summonsed", "cautioned", "community_resolution", "other_out_of_court")
FINAL = (*DETECTED, "not_detected")

_CHARGED = (
    "Awaiting court outcome", "Court result unavailable", "Suspect charged", "Suspect charged as part of another case",
    "Offender sent to prison", "Offender given suspended prison sentence", "Offender fined", "Offender given a community sentence",
    "Offender given community sentence", "Offender given conditional discharge", "Offender given absolute discharge",
    "Offender ordered to pay compensation", "Offender otherwise dealt with", "Offender deprived of property", "Defendant found not guilty",
    "Defendant sent to Crown Court", "Court case unable to proceed", "Offender sentenced as part of another case", "Offender imprisoned",
    "Offender given community penalty", "Suspect found not guilty",
)  # fmt: skip
_NOT_DETECTED = (
    "Investigation complete; no suspect identified", "Unable to prosecute suspect", "Formal action is not in the public interest",
    "Further action is not in the public interest", "Further investigation is not in the public interest",
    "Action to be taken by another organisation", "No further action", "Unable to proceed",
)  # fmt: skip
POLICE_UK: dict[str, str] = (
    {c.casefold(): "charged_or_summonsed" for c in _CHARGED}
    | {c.casefold(): "not_detected" for c in _NOT_DETECTED}
    | {c.casefold(): "cautioned" for c in ("Offender given a caution", "Offender given caution")}
    | {"local resolution": "community_resolution", "offender given community resolution": "community_resolution"}
    | {c.casefold(): "other_out_of_court" for c in ("Offender given penalty notice", "Offender given a penalty notice", "Offender given a drugs possession warning",
                                                    "Offender given a cannabis warning", "Offender given a cannabis/khat warning")}
    | {"under investigation": "under_investigation", "rui / bail": "under_investigation", "rui": "under_investigation", "bail": "under_investigation"}
    | {"status update unavailable": "unknown"}
)  # fmt: skip

# Home Office outcome types by number (a force export's "1", "OC8", "Outcome 15", "01 - Charged").
HOME_OFFICE = {1: "charged_or_summonsed", 2: "cautioned", 3: "cautioned", 4: "charged_or_summonsed", 6: "other_out_of_court", 7: "other_out_of_court",
               8: "community_resolution"} | {n: "not_detected" for n in (5, *range(9, 23))}  # fmt: skip
_NUMBERED = re.compile(r"^\s*(?:outcome|oc|o)?\s*(?:type)?\s*0*(\d{1,2})[a-c]?(?:\s*[-:.)]|\s|$)", re.I)


def group_of(outcome: str | None) -> str:
    """The group of one outcome: a police.uk category (any case) or a Home Office outcome
    type by number; "unknown" when there is none, "unrecognised" when it is neither."""
    if outcome is None or not outcome.strip():
        return "unknown"
    text = outcome.strip()
    found = POLICE_UK.get(text.casefold())
    if found:
        return found
    m = _NUMBERED.match(text)
    if m and int(m.group(1)) in HOME_OFFICE:
        return HOME_OFFICE[int(m.group(1))]
    return "unrecognised"


def grouped(frame: pl.DataFrame, outcome: str = "outcome") -> pl.DataFrame:
    """``frame`` with the ``group`` of each row's ``outcome``."""
    values = frame[outcome].unique().to_list()
    table = pl.DataFrame({outcome: values, "group": [group_of(v) for v in values]}, schema={outcome: frame.schema[outcome], "group": pl.String})
    return frame.join(table, on=outcome, how="left", nulls_equal=True)


def last_outcomes(events: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """Each event's last outcome: the latest row (by month, then as loaded) of the outcomes
    history (``source_id``, ``crime_id``, ``month``, ``outcome_type``, ``id``) for its crime
    ID in its own source, where there is one, else the outcome it came with (police.uk's
    street ``Last outcome category``). Adds ``outcome_month`` (None: from the street row) and
    ``outcome_from`` ("outcomes file" or "crime record")."""
    if history.height == 0:
        return events.with_columns(outcome_month=pl.lit(None, dtype=pl.Date), outcome_from=pl.lit("crime record"))
    latest = (history.sort("month", "id").group_by("source_id", "crime_id").agg(pl.col("outcome_type").last(), pl.col("month").last().alias("outcome_month")))
    joined = events.join(latest, left_on=["source_id", "source_ref"], right_on=["source_id", "crime_id"], how="left")
    return joined.with_columns(
        outcome=pl.coalesce("outcome_type", "outcome"),
        outcome_from=pl.when(pl.col("outcome_type").is_not_null()).then(pl.lit("outcomes file")).otherwise(pl.lit("crime record")),
    ).drop("outcome_type")


def rates(counts: dict[str, int]) -> dict:
    """The counts of each group with ``crimes``, ``detected``, ``detection_rate`` (of all the
    crimes), ``closed`` (a final outcome), ``detection_rate_closed`` (of those), and the
    crimes ``under_investigation`` and of ``unknown`` status beside them. Rates are fractions."""
    row = {g: int(counts.get(g, 0)) for g, _ in GROUPS}
    crimes = sum(row.values())
    detected = sum(row[g] for g in DETECTED)
    closed = sum(row[g] for g in FINAL)
    return {"crimes": crimes, "detected": detected, "detection_rate": detected / crimes if crimes else None, "closed": closed,
            "detection_rate_closed": detected / closed if closed else None} | row  # fmt: skip


def by_key(frame: pl.DataFrame, key: str) -> list[dict]:
    """One row per value of ``key`` (the ``rates`` of its crimes, ``key`` first), most crimes first."""
    counted = frame.group_by(key, "group").len()
    out = []
    for value in counted[key].unique(maintain_order=True).to_list():
        part = counted.filter(pl.col(key).is_null() if value is None else pl.col(key) == value)
        out.append({key: value} | rates(dict(part.select("group", "len").iter_rows())))
    return sorted(out, key=lambda r: (-r["crimes"], str(r[key])))


def mix(frame: pl.DataFrame, key: str) -> list[dict]:
    """The outcome mix: crimes per value of ``key`` per last outcome (as written), with its group."""
    counted = frame.group_by(key, "outcome", "group").len().sort(key, "len", "outcome", descending=[False, True, False], nulls_last=True)
    return [{key: k, "outcome": o or "(none)", "group": g, "label": LABELS[g], "crimes": n} for k, o, g, n in counted.iter_rows()]
