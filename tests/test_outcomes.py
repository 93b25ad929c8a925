"""Outcomes and detection rates (``sara outcomes``): every rate against an independent count of
the police.uk CSVs (Python's csv module), a later -outcomes.csv overriding the street file's
last outcome, a force export with Home Office outcome numbers, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict

import pytest

from sara.errors import Invalid
from sara.services import Context
from sara.services import outcomes as service
from sara.store.engine import connect
from tests.cli import err_json, ok_json
from tests.conftest import FIXTURES, shared

STREET = shared("policeuk", "derbyshire-2025")
JANUARY = STREET / "2025-01-derbyshire-street.csv"
OUTCOMES = FIXTURES / "policeuk-outcomes"
# Written out here, not taken from sara.scan.outcomes: the police.uk categories that mean a
# charge or summons, a caution, a community resolution or another out-of-court disposal.
DETECTED = {"Awaiting court outcome", "Court result unavailable", "Suspect charged as part of another case", "Offender sent to prison",
            "Offender given a caution", "Local resolution", "Offender given penalty notice", "Offender given a drugs possession warning"}  # fmt: skip
NO_STATUS = {"Status update unavailable", ""}
OPEN = {"Under investigation"}


def street_rows(*paths):
    for path in paths:
        with open(path, encoding="utf-8-sig", newline="") as f:
            yield from (r for r in csv.DictReader(f) if r["Crime type"] != "Anti-social behaviour")


def counted(rows, key, override=None):
    """crimes, detected, no status, under investigation per key, from the CSV rows."""
    out = defaultdict(Counter)
    for r in rows:
        outcome = (override or {}).get(r["Crime ID"], r["Last outcome category"])
        c = out[key(r)]
        c["crimes"] += 1
        c["detected"] += outcome in DETECTED
        c["unknown"] += outcome in NO_STATUS
        c["under_investigation"] += outcome in OPEN
    return out


def _ctx(url):
    return Context(connect(url))


def test_detection_rate_by_crime_type_on_the_demo_matches_the_street_files(demo_url):
    expected = counted(street_rows(*sorted(STREET.glob("*-street.csv"))), lambda r: r["Crime type"])
    result = service.outcomes(_ctx(demo_url), by="crime_type")
    got = {r["key"]: r for r in result["rows"]}
    assert set(got) == set(expected)
    for crime_type, c in expected.items():
        row = got[crime_type]
        assert (row["crimes"], row["detected"], row["unknown"], row["under_investigation"]) == (c["crimes"], c["detected"], c["unknown"], c["under_investigation"])
        assert row["detection_rate"] == pytest.approx(c["detected"] / c["crimes"])
        closed = c["crimes"] - c["unknown"] - c["under_investigation"]
        assert row["detection_rate_closed"] == pytest.approx(c["detected"] / closed)
    total = result["total"]
    assert total["crimes"] == sum(c["crimes"] for c in expected.values()) == 86_634
    assert total["detected"] == sum(c["detected"] for c in expected.values()) == 13_183
    assert result["left_out"]["anti_social_behaviour"] == 15_987
    assert result["notes"][0].startswith("13,183 of 86,634 crimes were detected (15.2% of all crimes")
    assert "no police.uk -outcomes.csv file is loaded" in " ".join(result["notes"])


def test_the_outcome_mix_counts_every_last_outcome_as_written(demo_url):
    expected = Counter((r["Crime type"], r["Last outcome category"]) for r in street_rows(*sorted(STREET.glob("*-street.csv"))))
    result = service.outcomes(_ctx(demo_url), by="crime_type")
    assert {(m["key"], m["outcome"]): m["crimes"] for m in result["mix"]} == dict(expected)
    assert {m["label"] for m in result["mix"]} >= {"Charged or summonsed", "Community resolution", "Not detected", "Status not known"}
    groups = {m["outcome"]: m["group"] for m in result["mix"]}
    assert groups["Local resolution"] == "community_resolution" and groups["Court result unavailable"] == "charged_or_summonsed"
    assert groups["Status update unavailable"] == "unknown" and groups["Unable to prosecute suspect"] == "not_detected"


def test_by_month_range_year_and_area_add_up(demo_url):
    ctx = _ctx(demo_url)
    spring = counted(street_rows(*(STREET / f"2025-0{m}-derbyshire-street.csv" for m in (3, 4, 5))), lambda r: "all")["all"]
    by_year = service.outcomes(ctx, by="year", start="2025-03", end="2025-05")
    assert [(r["key"], r["crimes"], r["detected"]) for r in by_year["rows"]] == [("2025", spring["crimes"], spring["detected"])]
    districts = service.outcomes(ctx, by="area", start="2025-03", end="2025-05")
    assert sum(r["crimes"] for r in districts["rows"]) == spring["crimes"]
    assert sum(r["detected"] for r in districts["rows"]) == spring["detected"]
    bolsover = next(r for r in districts["rows"] if r["key"] == "Bolsover")
    assert bolsover["code"] == "E07000033"
    alone = service.outcomes(ctx, by="crime_type", start="2025-03", end="2025-05", area="Bolsover")
    assert (alone["total"]["crimes"], alone["total"]["detected"]) == (bolsover["crimes"], bolsover["detected"])
    assert alone["parameters"]["area_name"] == "Bolsover"
    wards = service.outcomes(ctx, by="ward", area="Bolsover", start="2025-03", end="2025-05")
    assert sum(r["crimes"] for r in wards["rows"]) == bolsover["crimes"] and all(r["key"] for r in wards["rows"])
    shop = service.outcomes(ctx, category="Shoplifting")
    expected = counted(street_rows(*sorted(STREET.glob("*-street.csv"))), lambda r: r["Crime type"])["Shoplifting"]
    assert (shop["total"]["crimes"], shop["total"]["detected"]) == (expected["crimes"], expected["detected"])


def test_refusals_name_the_field(demo_url):
    ctx = _ctx(demo_url)
    for kwargs, field in (({"by": "colour"}, "by"), ({"start": "2025-13"}, "from"), ({"start": "2025-05", "end": "2025-03"}, "to"),
                          ({"area": "Atlantis"}, "area"), ({"category": "Anti-social behaviour"}, "category")):  # fmt: skip
        with pytest.raises(Invalid) as exc:
            service.outcomes(ctx, **kwargs)
        assert exc.value.field == field, kwargs
    with pytest.raises(Exception, match="signed in"):
        service.outcomes(ctx, operation="Op Dexter (synthetic replay)")


def _latest(paths) -> dict[str, str]:
    """The latest Outcome type per Crime ID of hand-made -outcomes.csv files (by month)."""
    rows = [r for p in paths for r in csv.DictReader(open(p, encoding="utf-8", newline=""))]
    return {r["Crime ID"]: r["Outcome type"] for r in sorted(rows, key=lambda r: r["Month"])}


def test_a_later_outcomes_file_overrides_the_street_files_last_outcome(db_url):
    from sara.intake.load import load_police_uk

    engine = connect(db_url)
    load_police_uk(engine, [str(JANUARY)])
    before = service.outcomes(Context(engine), by="crime_type")
    assert before["outcomes_file"]["rows_loaded"] == 0
    load_police_uk(engine, [str(p) for p in sorted(OUTCOMES.glob("*.csv"))])
    after = service.outcomes(Context(engine), by="crime_type")
    latest = _latest(sorted(OUTCOMES.glob("*.csv")))
    assert latest["f30cc30e61ea3c574c689ecff98ab2a98e96dd0c887608ef8b67c7d12e14d0c6"] == "Offender given penalty notice"  # March over February
    expected = counted(street_rows(JANUARY), lambda r: r["Crime type"], override=latest)
    assert {r["key"]: (r["crimes"], r["detected"], r["unknown"], r["under_investigation"]) for r in after["rows"]} == {
        k: (c["crimes"], c["detected"], c["unknown"], c["under_investigation"]) for k, c in expected.items()
    }
    street = list(street_rows(JANUARY))
    matched = [r for r in street if r["Crime ID"] in latest]
    changed = [r for r in matched if latest[r["Crime ID"]] != r["Last outcome category"]]
    assert len(matched) == 6 and len(changed) == 5  # one crime ID stands on two rows; one outcome repeats the street file's
    assert after["outcomes_file"] == {"rows_loaded": 7, "crimes_with_a_later_outcome": 6, "crimes_whose_outcome_it_changed": 5}
    assert after["total"]["detected"] == before["total"]["detected"] + 4  # caution x2 rows, penalty notice, local resolution; prison was already charged
    mix = {(m["key"], m["outcome"]): m["crimes"] for m in after["mix"]}
    assert mix[("Violence and sexual offences", "Offender given penalty notice")] == 1
    engine.dispose()


FORCE_EXPORT = """Crime Ref,Offence,Committed,Easting,Northing,Outcome
CR1,Burglary - Residential,03/01/2025 22:00,435300,336300,1
CR2,Burglary - Residential,04/01/2025 10:00,435310,336310,OC8
CR3,Shoplifting,05/01/2025 11:00,435320,336320,Outcome 18
CR4,Shoplifting,06/01/2025 12:00,435330,336330,03 - Caution
CR5,Shoplifting,07/01/2025 13:00,435340,336340,RUI / BAIL
CR6,Shoplifting,08/01/2025 14:00,435350,336350,Filed pending review
CR7,Shoplifting,09/01/2025 15:00,435360,336360,
"""
MAPPING = """source = "Northshire Police crime export"

[columns]
source_id = "Crime Ref"
category = "Offence"
outcome = "Outcome"

[time]
occurred = "Committed"
format = "%d/%m/%Y %H:%M"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:27700"
"""


def test_a_force_export_with_home_office_outcome_numbers(db_url, tmp_path):
    """The mapping's ``outcome`` column is free text: Home Office outcome types by number are
    grouped, anything else is counted among all crimes and named in a note."""
    from sara.intake.mapped import load_events

    (tmp_path / "crimes.csv").write_text(FORCE_EXPORT)
    (tmp_path / "northshire.toml").write_text(MAPPING)
    engine = connect(db_url)
    load_events(engine, [str(tmp_path / "crimes.csv")], str(tmp_path / "northshire.toml"))
    result = service.outcomes(Context(engine), by="crime_type", source="Northshire Police crime export")
    rows = {r["key"]: r for r in result["rows"]}
    burglary, shop = rows["Burglary - Residential"], rows["Shoplifting"]
    assert (burglary["crimes"], burglary["detected"], burglary["charged_or_summonsed"], burglary["community_resolution"]) == (2, 2, 1, 1)
    assert (shop["crimes"], shop["detected"], shop["cautioned"], shop["not_detected"], shop["under_investigation"], shop["unknown"], shop["unrecognised"]) == (
        5, 1, 1, 1, 1, 1, 1)  # fmt: skip
    assert shop["detection_rate"] == pytest.approx(1 / 5) and shop["detection_rate_closed"] == pytest.approx(1 / 2)
    assert any("'Filed pending review'" in n for n in result["notes"])
    engine.dispose()


def test_the_cli_json_is_the_service_answer(demo_url):
    data = ok_json("outcomes", "--by", "crime_type", "--json", "--db", demo_url)
    assert set(data) >= {"by", "parameters", "definition", "total", "rows", "mix", "notes", "left_out", "outcomes_file", "arrests"}
    assert data["by"] == "crime_type" and data["arrests"] is None
    assert data["total"]["crimes"] == 86_634 and data["total"]["detected"] == 13_183
    assert set(data["rows"][0]) >= {"key", "crimes", "detected", "detection_rate", "detection_rate_closed", "under_investigation", "unknown"}
    assert data["definition"]["detected"] == ["charged_or_summonsed", "cautioned", "community_resolution", "other_out_of_court"]
    assert "divided by all the crimes counted" in data["definition"]["detection_rate"]
    by_area = ok_json("outcomes", "--by", "area", "--area", "Bolsover", "--from", "2025-04", "--to", "2025-04", "--json", "--db", demo_url)
    assert [r["key"] for r in by_area["rows"]] == ["Bolsover"] and by_area["parameters"]["area"] == "E07000033"
    assert "--by" in err_json("outcomes", "--by", "colour", "--json", "--db", demo_url)
    assert "--from" in err_json("outcomes", "--from", "January", "--json", "--db", demo_url)


def test_the_cli_shows_an_operations_arrests_beside_the_rates(demo_url, tmp_path):
    from tests.web import DEMO_PASSWORD

    env = {"SARA_PASSWORD": DEMO_PASSWORD}
    data = ok_json("outcomes", "--as", "analyst", "--operation", "Op Dexter (synthetic replay)", "--area", "Bolsover", "--json", "--db", demo_url, env=env)
    table = ok_json("patrol", "arrests", "--operation", "Op Dexter (synthetic replay)", "--as", "analyst", "--json", "--db", demo_url, env=env)
    assert data["arrests"]["rows"] == table["rows"] and data["arrests"]["columns"] == table["columns"]
    assert err_json("outcomes", "--operation", "Op Dexter (synthetic replay)", "--json", "--db", demo_url).startswith("an operation's arrests are read signed in")
    assert "Op Nowhere" in err_json("outcomes", "--as", "analyst", "--operation", "Op Nowhere", "--json", "--db", demo_url, env=env)
    # patrols are the partnership's common ground (sara.access.roles): every role may read the arrests table, so none is refused it
    from tests.cli import sara

    png, table_csv = tmp_path / "rates.png", tmp_path / "rates.csv"
    shown = sara("outcomes", "--by", "year", "--png", str(png), "--csv", str(table_csv), "--db", demo_url)
    assert shown.exit_code == 0, shown.output
    assert "Detection rate by year" in shown.output and "15.2%" in shown.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = list(csv.DictReader(open(table_csv, encoding="utf-8")))
    assert [(r["year"], r["crimes"], r["detected"]) for r in written] == [("2025", "86634", "13183"), ("Total", "86634", "13183")]


def test_the_scrutiny_section(demo_url):
    section = service.section(_ctx(demo_url), start="2025-01", end="2025-12", area=None)
    assert section.title == "Outcomes"
    by_type = {t.name: t for t in section.tables}["detection_by_type"]
    total = by_type.rows[-1]
    assert total[:3] == ("Total", 86_634, 13_183) and total[3] == 15.2
    groups = {t.name: t for t in section.tables}["outcome_groups"]
    assert dict((g, n) for g, n, _ in groups.rows)["Community resolution"] == 4_204
    assert "divided by all the crimes counted" in section.paragraphs[1]
