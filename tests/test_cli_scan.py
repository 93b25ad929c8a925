"""The scanning commands as the acceptance checks call them: exact option spellings,
output columns and JSON keys, on the real data."""

from __future__ import annotations

import csv
import json
import re
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


# --- one command, one service -------------------------------------------------------------


@pytest.fixture
def empty_db(tmp_path) -> str:
    from sara.store.engine import init

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    init(url)
    return url


POINTS = ["--points", CHICAGO, "--x", "0", "--y", "1", "--time", "2", "--no-header", "--crs", "EPSG:26971"]
NEAR = ["--spatial-bandwidth", "200", "--spatial-bands", "3", "--temporal-bandwidth", "1", "--temporal-bands", "3"]
PERIODS = ["--train-from", "2016-01", "--train-to", "2016-06", "--test-from", "2016-07", "--test-to", "2016-12"]


@pytest.mark.parametrize(
    "args, service",
    [
        (["hotspots", "--method", "kde", *POINTS], "hotspots"),
        (["emerging", *POINTS], "emerging"),
        (["trends", "--monthly", *POINTS], "trends"),
        (["times", *POINTS], "times"),
        (["repeats", *POINTS], "repeats"),
        (["near-repeat", *NEAR, *POINTS], "near_repeat"),
        (["accuracy", "--method", "counts", *PERIODS, *POINTS], "accuracy"),
        (["harm", "--by", "district"], "harm"),
    ],
)
def test_each_scanning_command_calls_its_one_service(monkeypatch, empty_db, args, service):
    import polars as pl

    from sara.scan.result import ScanResult
    from sara.services import scan as services

    calls = []

    def spy(ctx, **kw):
        calls.append((ctx, kw))
        return services.Scan(ScanResult(pl.DataFrame({"answer": [42]}), {"from": "the spy"}))

    monkeypatch.setattr(services, service, spy)
    result = sara(*args, "--db", empty_db, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == [{"answer": 42}]
    [(ctx, kw)] = calls
    if "--points" in args:
        assert ctx is None and kw["points"].path == CHICAGO and kw["points"].crs == "EPSG:26971"  # a points file needs no database
    else:
        assert ctx.engine is not None and kw["by"] == "district"


@pytest.mark.parametrize(
    "args, service",
    [
        (["assess", "--target", "E01019478", "--before", "2025-01:2025-06", "--after", "2025-07:2025-12"], "assess"),
        (["assess", "--target", "E01019478", "--before", "2025-01:2025-06", "--after", "2025-07:2025-12", "--save-plan", "p"], "save_plan"),
        (["assess", "--plan", "p"], "run_plan"),
    ],
)
def test_each_assessment_job_is_one_service(monkeypatch, empty_db, args, service):
    from sara.services import assess as services

    calls = []

    def spy(ctx, *args, **kw):
        calls.append((args, kw))
        return {"plan": "p", "pre_registered": True} if service == "save_plan" else services.Assessed({"verdict": "the spy's", "outcome": "no change"})

    monkeypatch.setattr(services, service, spy)
    result = sara(*args, "--db", empty_db, "--json")

    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    assert json.loads(result.stdout) in ({"plan": "p", "pre_registered": True}, {"verdict": "the spy's", "outcome": "no change"})


# --- the core names fields, the command line words them as its options --------------------


def test_a_refusal_names_the_option_at_fault(derbyshire):
    too_big = sara("hotspots", "--cell-size", "500000", "--db", derbyshire, "--json")
    no_such_column = sara("hotspots", "--points", CHICAGO, "--x", "7", "--y", "1", "--no-header", "--json")
    no_dates = sara("trends", "--points", CHICAGO, "--x", "0", "--y", "1", "--no-header", "--crs", "EPSG:26971", "--json")

    assert json.loads(too_big.stdout)["error"].startswith("--cell-size: a cell size of 500000 m is larger than the extent")
    assert json.loads(no_such_column.stdout)["error"].startswith("--x: the points file has no header")
    assert json.loads(no_dates.stdout)["error"].startswith("--time: trends from a points file need the date of each point")


# --- a few far-flung events --------------------------------------------------------------------


def test_accuracy_without_an_area_warns_of_far_flung_events_and_says_how_to_choose_one(derbyshire):
    common = ["accuracy", "--method", "counts", "--train-from", "2025-01", "--train-to", "2025-06", "--test-from", "2025-07",
              "--test-to", "2025-12", "--cell-size", "1000", "--db", derbyshire]  # fmt: skip

    everywhere = sara(*common)
    in_derby = json.loads(sara(*common, "--area", "Derby", "--json").stdout)
    as_json = json.loads(sara(*common, "--json").stdout)

    assert everywhere.exit_code == 0, everywhere.output
    assert "note (--area): " in everywhere.output and "events lie far from the rest" in everywhere.output
    assert "name an area by its code or name, e.g. E06000015 or Derby" in " ".join(everywhere.output.split())
    assert as_json["params"]["far_events"]["far_events"] > 100 and "lie far from the rest" in as_json["notes"][0]
    assert "far_events" not in in_derby["params"] and in_derby["params"]["area"] == "E06000015"


def test_emerging_warns_too_and_an_area_is_named_by_its_name_or_its_code(derbyshire):
    everywhere = json.loads(sara("emerging", "--cell-size", "2000", "--db", derbyshire, "--json").stdout)
    by_name = json.loads(sara("emerging", "--cell-size", "2000", "--area", "bolsover", "--db", derbyshire, "--json").stdout)
    by_code = json.loads(sara("emerging", "--cell-size", "2000", "--area", "E07000033", "--db", derbyshire, "--json").stdout)

    assert "far_events" in everywhere["params"]
    assert by_name["rows"] == by_code["rows"] and by_name["params"]["area_name"] == "Bolsover"


# --- places by name, tables that fit --------------------------------------------------------


def test_trends_by_area_name_each_area(derbyshire):
    rows = json.loads(sara("trends", "--by", "district", "--end", "2025-12", "--months", "6", "--db", derbyshire, "--json").stdout)["rows"]

    named = {r["area"]: r["name"] for r in rows}
    assert named["E07000033"] == "Bolsover" and named["E06000015"] == "Derby" and len(named) == 9 + 2  # and "(none)", "Total"
    assert sum(r["current"] for r in rows if r["area"] != "Total") == next(r["current"] for r in rows if r["area"] == "Total")


def test_repeat_locations_carry_their_street(derbyshire):
    rows = json.loads(sara("repeats", "--of", "location", "--category", "Anti-social behaviour", "--db", derbyshire, "--json").stdout)["rows"]

    assert all(r["place"].startswith("On or near") for r in rows[:20]) and rows[0]["district"]


@pytest.mark.parametrize(
    "args",
    [
        ["harm", "--by", "district"],
        ["hotspots", "--method", "kde", "--cell-size", "1000", "--category", "Burglary"],
        ["accuracy", "--method", "kde", "--train-from", "2025-01", "--train-to", "2025-06", "--test-from", "2025-07", "--test-to", "2025-12",
         "--cell-size", "2000", "--area", "Derby"],
        ["repeats", "--of", "location", "--category", "Anti-social behaviour"],
        ["trends", "--by", "crime_type", "--end", "2025-12", "--months", "6"],
    ],
)
def test_tables_fit_80_columns_with_numbers_people_read(derbyshire, args):
    result = runner.invoke(app, [*args, "--db", derbyshire], env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any(re.search(r"\d\.\d+e[+-]\d", line) for line in lines)  # no 4.35e+05
    assert not any(re.search(r"\d\.\d{5,}", line) for line in lines if not line.startswith("note"))  # no raw floats
    header = lines[0].split()
    assert len(header) >= 4


def test_show_table_leaves_out_blank_columns_and_says_which_do_not_fit():
    import polars as pl

    from sara.cli.base import out
    from sara.cli.scan import show_table
    from sara.scan.result import ScanResult

    wide = pl.DataFrame({"area": ["E07000033"], "name": ["Bolsover"], "harm": [435_210.123456], "empty": [None], "share": [0.000012]}
                        | {f"extra_{i}": [i * 1.5] for i in range(12)})  # fmt: skip
    with out.capture() as captured:
        show_table(ScanResult(wide, {"cell_size": 250.0, "rule": "a long rule " * 10}))
    text = captured.get()

    assert "435,210" in text and "<0.001" in text and "empty" not in text.splitlines()[0]
    assert "not shown, to fit: " in text and "extra_11" in text
    assert "cell_size 250" in text and "a long rule" not in text
