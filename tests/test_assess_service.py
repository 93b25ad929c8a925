"""An assessment end to end on the real Derbyshire data, its numbers recomputed
independently from the CSV files; the CLI contract; plans; bad input."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import zipfile

import numpy as np
import pytest
import shapely
from typer.testing import CliRunner

from sara import geo
from sara.assess import AssessError
from sara.cli import app
from sara.errors import Conflict
from sara.report.assessment import Plan, assess, load_plan, save_plan
from sara.store.engine import connect
from tests.conftest import ROOT, loaded_database, shared

TARGET, CONTROL = "E01019478", "E01019573"  # Bolsover 001A; an LSOA away from it
ASB = "Anti-social behaviour"
runner = CliRunner()


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    return loaded_database(tmp_path_factory.mktemp("assess"), "derbyshire-lsoa2011.geojson.zip")


def lsoa(code: str) -> shapely.Geometry:
    with zipfile.ZipFile(ROOT / "demo" / "derbyshire-lsoa2011.geojson.zip") as zf:
        features = json.loads(zf.read(zf.namelist()[0]))["features"]
    [feature] = [f for f in features if f["properties"]["LSOA11CD"] == code]
    lonlat = shapely.geometry.shape(feature["geometry"])
    return shapely.transform(lonlat, lambda xy: np.column_stack(geo.transform(xy[:, 0], xy[:, 1], geo.WGS84, geo.BNG)))


def counted(area: shapely.Geometry, months: set[str]) -> int:
    """ASB rows of the raw police.uk files inside ``area`` in ``months``."""
    n = 0
    for path in shared("policeuk", "derbyshire-2025").glob("*.csv"):
        for row in csv.DictReader(path.open()):
            if row["Crime type"] == ASB and row["Month"] in months and row["Longitude"]:
                x, y = geo.transform(np.array([float(row["Longitude"])]), np.array([float(row["Latitude"])]), geo.WGS84, geo.BNG)
                n += bool(shapely.contains_xy(area, x[0], y[0]))
    return n


def test_an_assessment_on_real_data_recomputed_independently(url):
    before, after = {f"2025-{m:02d}" for m in range(1, 7)}, {f"2025-{m:02d}" for m in range(7, 13)}
    plan = Plan(TARGET, ("2025-01", "2025-06"), ("2025-07", "2025-12"), buffer_m=500, control=CONTROL, categories=(ASB,))

    result = assess(connect(url), plan, today=dt.date(2026, 11, 21))

    target, control = lsoa(TARGET), lsoa(CONTROL)
    ring = target.buffer(500).difference(target)
    t0, t1 = counted(target, before), counted(target, after)
    c0, c1 = counted(control, before), counted(control, after)
    b0, b1 = counted(ring, before), counted(ring, after)
    assert (result["target"]["before"], result["target"]["after"]) == (t0, t1)
    assert (result["control"]["before"], result["control"]["after"]) == (c0, c1)
    assert (result["buffer"]["before"], result["buffer"]["after"]) == (b0, b1)
    odds = (t1 * c0) / (t0 * c1)
    half = 1.959964 * math.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1)
    assert result["relative_effect"]["estimate"] == pytest.approx(odds)
    assert result["relative_effect"]["ci95"] == pytest.approx([odds * math.exp(-half), odds * math.exp(half)], rel=1e-4)
    local = (t1 - t0) - (c1 - c0)
    displacement = (b1 - b0) - (c1 - c0)
    assert result["wdd"]["estimate"] == pytest.approx(local + displacement)
    assert result["wdd"]["se"] == pytest.approx(math.sqrt(t0 + t1 + 2 * (c0 + c1) + b0 + b1))
    assert result["verdict"] and result["outcome"] in {"eliminated", "reduced", "less harmful", "handled better", "no change", "worse"}
    assert any("regression to the mean could not be checked" in w for w in result["warnings"])


def test_the_cli_gives_the_agreed_json_with_automatic_controls(url, tmp_path):
    picture = tmp_path / "assessment.png"
    result = runner.invoke(app, ["assess", "--target", TARGET, "--buffer", "500", "--control", "auto", "--before", "2025-01:2025-06",
                                 "--after", "2025-07:2025-12", "--category", ASB, "--db", url, "--json", "--png", str(picture)])  # fmt: skip

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"target", "buffer", "control", "relative_effect", "wdd", "wdq", "warnings", "verdict"} <= data.keys()
    assert set(data["control"]) >= {"before", "after"} and len(data["control"]["codes"]) == 5
    assert set(data["wdd"]) >= {"estimate", "se", "ci95"} and set(data["relative_effect"]) >= {"estimate", "ci95"}
    assert data["match_quality"]["quality"]
    assert picture.stat().st_size > 10_000


def test_a_plan_saved_before_the_post_period_ends_is_a_pre_registration(url):
    engine = connect(url)
    plan = Plan(TARGET, ("2025-01", "2025-06"), ("2025-07", "2025-12"), control=CONTROL, categories=(ASB,), measure_of_success="ASB down 20%")

    saved = save_plan(engine, "bolsover-001a", plan, today=dt.date(2025, 6, 30))
    again, info = load_plan(engine, "bolsover-001a")
    result = assess(engine, again, today=dt.date(2026, 1, 15), plan_info=info)

    assert saved["pre_registered"] and again == plan
    assert result["followed_plan"] is True and result["plan"]["measure_of_success"] == "ASB down 20%"
    with pytest.raises(Conflict, match="already exists"):  # a plan is never changed once saved
        save_plan(engine, "bolsover-001a", plan)
    assert not save_plan(engine, "late", plan, today=dt.date(2026, 2, 1))["pre_registered"]


@pytest.mark.parametrize(
    "plan, message",
    [
        (Plan(TARGET, ("2025-01", "2025-06"), ("2025-07", "2025-12")), "has not ended"),
        (Plan(TARGET, ("2024-01", "2024-06"), ("2024-07", "2024-12")), "outside the loaded data"),
        (Plan(TARGET, ("2025-01", "2025-06"), ("2025-06", "2025-09")), "overlap"),
        (Plan(TARGET, ("2025-01", "2025-06"), ("2025-07", "2025-09"), control=TARGET), "overlap"),
        (Plan("E99999999", ("2025-01", "2025-06"), ("2025-07", "2025-09")), "no loaded area"),
    ],
)
def test_bad_designs_are_refused_with_what_to_change(url, plan, message):
    today = dt.date(2025, 11, 1) if message == "has not ended" else dt.date(2026, 11, 21)
    with pytest.raises((AssessError, LookupError), match=message):
        assess(connect(url), plan, today=today)


def test_several_given_controls_and_the_harm_weighted_wdd(url):
    plan = Plan(TARGET, ("2025-01", "2025-06"), ("2025-07", "2025-12"), buffer_m=0, control=f"{CONTROL}, E01019600", harm=True)

    result = assess(connect(url), plan, today=dt.date(2026, 11, 21))

    assert result["control"]["codes"] == [CONTROL, "E01019600"] and result["buffer"] is None
    harm = result["wdd_harm"]
    assert "Anti-social behaviour" in harm["left_out"] and "Anti-social behaviour" not in harm["categories"]
    assert harm["se"] > 0 and harm["ci95"][0] < harm["estimate"] < harm["ci95"][1]
    t = result["target"]
    assert t["change_pct"] == pytest.approx(round(100 * (t["after"] / t["before"] - 1), 1))


def test_a_plan_of_a_geojson_file_that_does_not_exist_is_refused_and_not_saved(url, tmp_path):
    missing = tmp_path / "town-centre.geojson"

    result = runner.invoke(app, ["assess", "--target", str(missing), "--before", "2025-01:2025-06", "--after", "2025-07:2025-12",
                                 "--save-plan", "never-saved", "--db", url, "--json"])  # fmt: skip

    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"].startswith(f"--target: no such GeoJSON file: {missing}")
    with pytest.raises(AssessError, match="no assessment plan is named 'never-saved'") as not_saved:
        load_plan(connect(url), "never-saved")
    assert not_saved.value.field == "plan"


def test_a_plan_of_an_unknown_control_is_refused_too(url):
    result = runner.invoke(app, ["assess", "--target", TARGET, "--control", "E99999999", "--before", "2025-01:2025-06", "--after", "2025-07:2025-12",
                                 "--save-plan", "bad-control", "--db", url, "--json"])  # fmt: skip

    assert result.exit_code == 1 and "no loaded area has the code 'E99999999'" in json.loads(result.stdout)["error"]


def test_target_and_controls_are_named_and_a_target_may_be_named_by_its_name(url):
    from sara.services import Context
    from sara.services.assess import assess as run

    ctx = Context(connect(url), now=dt.datetime(2026, 11, 21))
    by_name = run(ctx, target="Bolsover 001A", before="2025-01:2025-06", after="2025-07:2025-12", categories=[ASB]).result
    by_code = run(ctx, target=TARGET, before="2025-01:2025-06", after="2025-07:2025-12", categories=[ASB]).result

    assert by_name["target"] == by_code["target"] and by_name["target"]["name"] == "Bolsover 001A" and by_name["plan"]["target"] == TARGET
    assert len(by_name["control"]["names"]) == 5 and all(n[-4:-1].isdigit() for n in by_name["control"]["names"])  # "Chesterfield 001D"
    assert by_name["control"]["name"] == "5 most similar LSOA areas"


def test_the_periods_are_checked_and_name_their_field(url):
    from sara.services import Context
    from sara.services.assess import assess as run

    ctx = Context(connect(url), now=dt.datetime(2026, 11, 21))
    with pytest.raises(AssessError) as bad:
        run(ctx, target=TARGET, before="2025-01:2025-06", after="2025-13:2025-14")
    with pytest.raises(AssessError) as missing:
        run(ctx, target=TARGET, before="2025-01:2025-06", after=None)

    assert bad.value.field == "after" and "--" not in str(bad.value)
    assert missing.value.field == "after" and "the after period is missing" in str(missing.value)
