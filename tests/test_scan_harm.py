"""Harm: CCHI weights for police.uk crime types, harm totals recomputed independently on the
real Derbyshire year, concentration on a known example, rank change between periods, zero
population, and bad input refused with what to change."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict

import numpy as np
import polars as pl
import pytest

from sara.scan.harm import concentration, harm_by_area, harm_weights, rank_change, weight_events
from sara.scan.result import ScanError
from tests.conftest import shared

DERBYSHIRE = sorted(shared("policeuk", "derbyshire-2025").glob("*-street.csv"))


@pytest.fixture(scope="module")
def derbyshire() -> pl.DataFrame:
    raw = pl.read_csv(DERBYSHIRE, infer_schema=False)
    return raw.select(
        month=pl.col("Month").str.strptime(pl.Date, "%Y-%m"),
        category=pl.col("Crime type"),
        lsoa_code=pl.col("LSOA code"),
        falls_within=pl.col("Falls within"),
    )


def test_bundled_weights_are_the_shared_files_unchanged():
    from importlib import resources

    for name in ("cchi_weights_by_force_category.csv", "cchi_weights_by_prc_subgroup.csv"):
        bundled = resources.files("sara.scan").joinpath("data", name).read_bytes()
        assert hashlib.sha256(bundled).digest() == hashlib.sha256(shared("harm", name).read_bytes()).digest()


def test_every_derbyshire_crime_type_is_weighted_or_reported(derbyshire):
    weights = harm_weights(force=derbyshire["falls_within"][0])  # "Derbyshire Constabulary"

    weighted, report = weight_events(derbyshire, weights)

    types = set(derbyshire["category"].unique())
    assert set(report["category"]) == types
    assert report["events"].sum() == derbyshire.height
    assert report.filter(pl.col("status") != "weighted").height == 0  # all 14 are mapped
    asb = report.filter(pl.col("category") == "Anti-social behaviour").row(0, named=True)
    assert asb["weight"] == 0 and "no CCHI value" in asb["note"]
    assert report.filter(pl.col("category") == "Burglary")["weight"].item() == 245.34
    assert weighted["harm"].null_count() == 0 and weighted.height == derbyshire.height

    # A category the weights do not know is reported and left without harm, not zeroed.
    odd = pl.DataFrame({"category": ["Robbery", "Violent crime", None]})
    out, rep = weight_events(odd, weights)
    assert out["harm"].to_list() == [365.0, None, None]
    assert dict(zip(rep["category"], rep["status"])) == {"Robbery": "weighted", "Violent crime": "no weight", None: "no category"}


@pytest.mark.parametrize("name", ["Derbyshire", "Derbyshire Constabulary", "derbyshire", "DERBYSHIRE POLICE"])
def test_force_names_from_police_uk_are_understood(name):
    assert harm_weights(force=name)["source"][0] == "CCHI, Derbyshire"


def test_other_force_name_forms():
    assert harm_weights(force="Metropolitan Police Service")["source"][0] == "CCHI, Metropolitan Police"
    assert harm_weights(force="avon-and-somerset")["source"][0] == "CCHI, Avon and Somerset"
    assert harm_weights(force="Dyfed-Powys Police")["source"][0] == "CCHI, Dyfed-Powys"


def test_national_weights_are_the_subgroups_weighted_by_national_counts():
    rows = list(csv.DictReader(shared("harm", "cchi_weights_by_prc_subgroup.csv").open()))
    num, den = defaultdict(float), defaultdict(float)
    for r in rows:
        num[r["category"]] += float(r["cchi_days"]) * float(r["national_count_2024_25"])
        den[r["category"]] += float(r["national_count_2024_25"])
    national = harm_weights()
    got = dict(zip(national["crime_type"], national["weight"]))
    for category in num:
        assert got[category] == pytest.approx(num[category] / den[category])
    assert got["Anti-social behaviour"] == 0
    assert len(got) == 13 + 4


def test_harm_totals_recomputed_independently_on_the_real_year(derbyshire):
    days = {
        r["crime_type"]: float(r["cchi_days"])
        for r in csv.DictReader(shared("harm", "cchi_weights_by_force_category.csv").open())
        if r["force"] == "Derbyshire"
    }
    harm, events = defaultdict(float), defaultdict(int)
    for path in DERBYSHIRE:
        for r in csv.DictReader(path.open(encoding="utf-8")):
            harm[r["LSOA code"]] += days.get(r["Crime type"], 0.0)  # ASB: no CCHI value
            events[r["LSOA code"]] += 1

    result = harm_by_area(derbyshire, harm_weights(force="Derbyshire"))

    table = result.table
    assert table.height == len(harm)
    got = dict(zip(table["lsoa_code"], table["harm"]))
    assert all(got[code] == pytest.approx(value, abs=1e-6) for code, value in harm.items())
    assert dict(zip(table["lsoa_code"], table["events"])) == events
    assert result.params["total_harm"] == pytest.approx(sum(harm.values()))
    assert table["harm"].is_sorted(descending=True) and table["rank"][0] == 1
    assert table["share"].sum() == pytest.approx(1.0)
    assert result.left_out == {}
    assert any("15,987 Anti-social behaviour events count with weight 0" in n for n in result.notes)
    top = sorted(harm.values(), reverse=True)
    k = 0.05 * len(top)
    expected = (sum(top[: int(k)]) + (k - int(k)) * top[int(k)]) / sum(top)
    assert result.params["concentration"]["share"] == pytest.approx(expected)


def test_concentration_on_a_known_example():
    values = [10, 5, 5] + [0] * 17  # 20 units, total 20
    top5 = concentration(values)  # 5% of 20 = 1 unit
    assert top5["units_in_top"] == pytest.approx(1) and top5["share"] == pytest.approx(0.5)
    top10 = concentration(values, top=0.10)  # 2 units: 10 + 5 whichever 5 is taken
    assert top10["share"] == pytest.approx(0.75) and top10["cutoff"] == 5 and top10["tied_at_cutoff"] == 2 and top10["units_above_cutoff"] == 1
    top15 = concentration(values, top=0.15)  # 3 units
    assert top15["share"] == pytest.approx(1.0) and top15["zero_units"] == 17

    thirty = concentration([10, 4, 4, 2] + [0] * 26)  # 1.5 units: 10 and half of a 4
    assert thirty["share"] == pytest.approx(12 / 20) and thirty["share_whole_units"] == pytest.approx(14 / 20)
    assert concentration(np.ones(40), top=0.05)["share"] == pytest.approx(0.05)  # all tied: the top 5% hold 5%
    assert concentration(pl.Series([0.0, 0.0]))["share"] is None


def test_rank_change_between_two_periods():
    weights = {"Robbery": 365.0, "Shoplifting": 1.0}
    a = pl.DataFrame({"lsoa_code": ["A", "A", "B", "C", "C"], "category": ["Robbery", "Shoplifting", "Robbery", "Shoplifting", "Shoplifting"]})
    b = pl.DataFrame({"lsoa_code": ["A", "B", "B", "D"], "category": ["Shoplifting", "Robbery", "Robbery", "Robbery"]})

    result = rank_change(harm_by_area(a, weights), harm_by_area(b, weights), labels=("before", "after"))

    rows = {r["lsoa_code"]: r for r in result.table.to_dicts()}
    # before: A 366, B 365, C 2, D 0 -> ranks 1, 2, 3, 4; after: B 730, D 365, A 1, C 0 -> 3, 1, 4, 2
    assert {k: (r["rank_before"], r["rank_after"], r["rank_change"]) for k, r in rows.items()} == {
        "A": (1, 3, -2),
        "B": (2, 1, 1),
        "C": (3, 4, -1),
        "D": (4, 2, 2),
    }
    assert rows["D"]["harm_before"] == 0 and rows["D"]["change_pct"] is None
    assert rows["B"]["change"] == 365 and rows["B"]["change_pct"] == pytest.approx(100)
    assert result.table["lsoa_code"].to_list() == ["B", "D", "A", "C"]
    assert result.params["rank_correlation"] == pytest.approx(0.0)  # 1 - 6 * (4 + 1 + 1 + 4) / (4 * 15)
    assert any("only in period" in n for n in result.notes)

    tied = rank_change(
        pl.DataFrame({"area": ["x", "y", "z"], "harm": [5.0, 5.0, 1.0]}), pl.DataFrame({"area": ["x", "y", "z"], "harm": [1.0, 2.0, 2.0]}), area="area"
    )
    assert tied.table.sort("area")["rank_a"].to_list() == [1, 1, 3]
    assert tied.table.sort("area")["rank_b"].to_list() == [3, 1, 1]


def test_rank_change_on_the_real_year(derbyshire):
    weights = harm_weights(force="Derbyshire")
    first = harm_by_area(derbyshire.filter(pl.col("month").dt.month() <= 6), weights)
    second = harm_by_area(derbyshire.filter(pl.col("month").dt.month() > 6), weights)

    result = rank_change(first, second, labels=("h1", "h2"))

    table = result.table
    assert table.height == derbyshire["lsoa_code"].n_unique()
    assert (table["harm_h1"] + table["harm_h2"]).sum() == pytest.approx(harm_by_area(derbyshire, weights).params["total_harm"])
    expected = table["harm_h1"].rank("min", descending=True).cast(pl.Int64) - table["harm_h2"].rank("min", descending=True).cast(pl.Int64)
    assert (table["rank_change"] == expected).all()
    assert 0.5 < result.params["rank_correlation"] < 1
    json.dumps(result.to_dict())
    json.dumps(first.to_dict())  # parameters and rows travel as JSON (--json, the API)


def test_rates_per_1000_residents_and_zero_population():
    events = pl.DataFrame({"lsoa_code": ["A", "A", "B", "C", None], "category": ["Robbery", "Anti-social behaviour", "Robbery", "Burglary", "Robbery"]})
    population = pl.DataFrame({"lsoa_code": ["A", "B", "E"], "population": [1500, 0, 2000]})

    result = harm_by_area(events, harm_weights(force="Derbyshire"), population)

    rows = {r["lsoa_code"]: r for r in result.table.to_dicts()}
    assert rows["A"]["harm_per_1000"] == pytest.approx(365 / 1500 * 1000)
    assert rows["B"]["harm_per_1000"] is None and rows["B"]["rank_per_1000"] is None  # zero population: no rate
    assert rows["C"]["population"] is None and rows["C"]["harm_per_1000"] is None  # unknown population
    assert rows["E"]["harm"] == 0 and rows["E"]["events"] == 0 and rows["E"]["harm_per_1000"] == 0
    assert rows["A"]["rank_per_1000"] == 1 and rows["E"]["rank_per_1000"] == 2
    assert result.left_out == {"no lsoa_code": 1}
    assert any("population of 0" in n for n in result.notes)
    assert any("no population" in n for n in result.notes)


def test_user_weights_replace_cchi(tmp_path, derbyshire):
    path = tmp_path / "css.csv"
    path.write_text("Offence,Weight\nViolence and sexual offences,100\nBurglary , 50\nAnti-social behaviour,1\n")
    weights = harm_weights(path=path)
    assert dict(zip(weights["crime_type"], weights["weight"]))["Anti-social behaviour"] == 1  # their own ASB weight kept

    result = harm_by_area(derbyshire, weights)

    n = derbyshire.group_by("category").len()
    counts = dict(zip(n["category"], n["len"]))
    assert result.params["total_harm"] == pytest.approx(
        100 * counts["Violence and sexual offences"] + 50 * counts["Burglary"] + counts["Anti-social behaviour"]
    )
    assert result.left_out["no weight for 'Shoplifting'"] == counts["Shoplifting"]
    assert sum(result.left_out.values()) + result.params["events_weighted"] == derbyshire.height


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: harm_weights(force="British Transport Police"), "no harm weights for the force"),
        (lambda: harm_weights(force="Gotham"), "use one of Avon and Somerset"),
        (
            lambda: harm_by_area(pl.DataFrame({"lsoa_code": [], "category": []}, schema={"lsoa_code": pl.String, "category": pl.String}), {"Robbery": 1}),
            "no events",
        ),
        (lambda: harm_by_area(pl.DataFrame({"category": ["Robbery"]}), {"Robbery": 1}), "no area column 'lsoa_code'"),
        (lambda: harm_by_area(pl.DataFrame({"lsoa_code": ["A"], "crime": ["Robbery"]}), {"Robbery": 1}), "no column 'category'"),
        (lambda: harm_by_area(pl.DataFrame({"lsoa_code": ["A"], "category": ["Robbery"]}), {"Robbery": -1}), "0 or more"),
        (lambda: harm_by_area(pl.DataFrame({"lsoa_code": ["A"], "category": ["Arson"]}), {"Robbery": 1}), "weighted category"),
        (lambda: harm_by_area(pl.DataFrame({"lsoa_code": ["A"], "category": ["Robbery"]}), {"Robbery": 1}, {"A": -3}), "not be negative"),
        (
            lambda: harm_by_area(
                pl.DataFrame({"lsoa_code": ["A"], "category": ["Robbery"]}), {"Robbery": 1}, pl.DataFrame({"code": ["A", "A"], "population": [1, 2]})
            ),
            "one row per area",
        ),
        (lambda: concentration([]), "no units"),
        (lambda: concentration([1, -1]), "0 or more"),
        (lambda: concentration([1, 2], top=0), "above 0"),
        (lambda: concentration([1, 2], top=5), "at most 1"),
        (lambda: rank_change(pl.DataFrame({"area": ["x"], "harm": [1.0]}), pl.DataFrame({"area": ["x"]}), area="area"), "no column 'harm'"),
        (lambda: rank_change(pl.DataFrame({"area": ["x"], "harm": [1.0]}), pl.DataFrame({"area": ["x"], "harm": [1.0]})), "give area="),
    ],
)
def test_bad_input_is_refused_with_what_to_change(call, message):
    with pytest.raises(ScanError, match=message):
        call()


def test_bad_weights_files_are_refused(tmp_path):
    no_columns = tmp_path / "a.csv"
    no_columns.write_text("name,value\nRobbery,1\n")
    with pytest.raises(ScanError, match="needs a crime type column"):
        harm_weights(path=no_columns)
    not_numbers = tmp_path / "b.csv"
    not_numbers.write_text("crime_type,weight\nRobbery,lots\n")
    with pytest.raises(ScanError, match="numeric weight"):
        harm_weights(path=not_numbers)
    forces = tmp_path / "c.csv"
    forces.write_text("force,crime_type,cchi_days\nKent,Robbery,365\nEssex,Robbery,360\n")
    with pytest.raises(ScanError, match="has weights for 2 forces: choose one") as several:
        harm_weights(path=forces)
    assert several.value.field == "force"
    assert harm_weights(path=forces, force="Kent Police")["weight"][0] == 365
    with pytest.raises(ScanError, match="cannot read"):
        harm_weights(path=tmp_path / "missing.csv")
