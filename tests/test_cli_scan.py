"""The scanning commands as the acceptance checks call them: exact option spellings,
output columns and JSON keys, on the real data."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from sara.cli import app
from tests.conftest import loaded_database, shared

runner = CliRunner()
CHICAGO = str(shared("near-repeat", "chicago_arson.csv"))


def sara(*args: str):
    result = runner.invoke(app, list(args))
    return result


@pytest.fixture(scope="module")
def derbyshire(tmp_path_factory) -> str:
    """A SQLite database with the 12 real Derbyshire months and the district boundaries."""
    return loaded_database(tmp_path_factory.mktemp("db"), "derbyshire-districts.geojson.zip")


def test_gistar_hotspots_csv_has_one_row_per_cell_with_the_agreed_columns(derbyshire, tmp_path):
    out, png, geojson = tmp_path / "cells.csv", tmp_path / "map.png", tmp_path / "cells.geojson"

    result = sara("hotspots", "--method", "gistar", "--cell-size", "1000", "--category", "Anti-social behaviour",
                  "--area", "E07000033", "--db", derbyshire, "--csv", str(out), "--png", str(png), "--geojson", str(geojson))  # fmt: skip

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["x", "y", "n", "z", "p", "p_adj", "class", "district"]  # then the name of each loaded kind of area the cell is in
    named = Counter(r["district"] for r in rows if int(r["n"]))  # by the cell's centre: edge cells may lie mostly next door
    assert named.most_common(1)[0][0] == "Bolsover" and named["Bolsover"] > 0.8 * sum(named.values())
    assert len(json.loads(geojson.read_text())["features"]) == len(rows)
    assert png.stat().st_size > 10_000
    assert {r["class"] for r in rows} <= {"hot 99%", "hot 95%", "hot 90%", "cold 99%", "cold 95%", "cold 90%", "not significant"}
    assert sum(int(r["n"]) for r in rows) > 0


def test_trends_json_compares_with_the_previous_equal_period(derbyshire):
    result = sara("trends", "--by", "crime_type", "--end", "2025-12", "--months", "6", "--db", derbyshire, "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["category"]: r for r in data["rows"]}
    assert set(rows["Burglary"]) >= {"category", "current", "previous", "change", "change_pct"}
    assert "flags" in data
    months = {}
    for path in sorted(shared("policeuk", "derbyshire-2025").glob("*.csv")):
        months[path.name[:7]] = Counter(r["Crime type"] for r in csv.DictReader(path.open()))
    current = sum((months[m] for m in months if m >= "2025-07"), Counter())
    previous = sum((months[m] for m in months if m < "2025-07"), Counter())
    assert rows["Burglary"]["current"] == current["Burglary"] and rows["Burglary"]["previous"] == previous["Burglary"]


def test_near_repeat_nrc_mode_reproduces_the_calculator_from_a_points_file(tmp_path):
    result = sara("near-repeat", "--points", CHICAGO, "--x", "0", "--y", "1", "--time", "2", "--no-header", "--crs", "EPSG:26971",
                  "--spatial-bandwidth", "200", "--spatial-bands", "3", "--temporal-bandwidth", "1", "--temporal-bands", "3",
                  "--nrc", "--permutations", "99", "--seed", "7", "--json")  # fmt: skip

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"observed", "expected", "ratio", "p", "space_bands", "time_bands"} <= data.keys()
    assert [b["label"] for b in data["space_bands"]][0] == "Same location"
    assert len(data["observed"]) == 5 and len(data["observed"][0]) == 4
    assert sum(map(sum, data["observed"])) == 522 * 521 // 2


def test_police_uk_months_only_are_refused_for_near_repeats_with_the_reason(derbyshire):
    result = sara("near-repeat", "--spatial-bandwidth", "100", "--spatial-bands", "2", "--temporal-bandwidth", "7", "--temporal-bands", "2", "--db", derbyshire)
    assert result.exit_code == 1
    assert "only months" in result.output


def test_bad_input_gets_one_clear_line(derbyshire):
    assert "larger than the extent" in sara("hotspots", "--cell-size", "500000", "--db", derbyshire).output
    assert "no events match" in sara("hotspots", "--from", "2030-01", "--db", derbyshire).output
    assert "no loaded area" in sara("hotspots", "--area", "E99999999", "--db", derbyshire).output


@pytest.mark.parametrize(
    "args, key",
    [
        (["hotspots", "--method", "kde", "--cell-size", "1000", "--category", "Burglary"], "rows"),
        (["emerging", "--cell-size", "2000", "--category", "Anti-social behaviour"], "rows"),
        (["times", "--category", "Burglary"], "rows"),  # months only: the month-of-year profile
        (["repeats", "--of", "location", "--category", "Anti-social behaviour"], "rows"),
        (["accuracy", "--method", "counts", "--train-from", "2025-01", "--train-to", "2025-06", "--test-from", "2025-07", "--test-to", "2025-12", "--cell-size", "1000"], "rows"),
    ],
)
def test_every_scan_gives_json_with_its_parameters(derbyshire, args, key):
    result = sara(*args, "--db", derbyshire, "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data[key] and "params" in data and "left_out" in data


def test_harm_needs_areas_and_ranks_them(derbyshire, tmp_path):
    result = sara("harm", "--by", "district", "--force", "Derbyshire Constabulary", "--db", derbyshire, "--json", "--geojson", str(tmp_path / "harm.geojson"))

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert len(rows) == 9 and rows[0]["rank"] == 1
    assert len(json.loads((tmp_path / "harm.geojson").read_text())["features"]) == 9
    assert "no events are placed in ward areas" in sara("harm", "--by", "ward", "--db", derbyshire).output


def test_trends_and_accuracy_from_a_points_file():
    common = ["--points", CHICAGO, "--x", "0", "--y", "1", "--time", "2", "--no-header", "--crs", "EPSG:26971", "--json"]

    trend = json.loads(sara("trends", "--end", "2016-12", "--months", "6", *common).stdout)
    accuracy = sara("accuracy", "--method", "counts", "--train-from", "2016-01", "--train-to", "2016-06",
                    "--test-from", "2016-07", "--test-to", "2016-12", "--cell-size", "500", *common)  # fmt: skip

    dates = [line.split(",")[2] for line in open(CHICAGO).read().split()]
    assert trend["rows"][0]["current"] == sum(d >= "2016-07" for d in dates)
    assert accuracy.exit_code == 0, accuracy.output
