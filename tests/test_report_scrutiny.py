"""The performance-scrutiny pack, `sara report scrutiny`: the tables of the Derbyshire PCC's
scrutiny report (Priority 2, neighbourhood crime and ASB) built from the data loaded.

Every number is checked against a count made here independently: of the police.uk CSV files
with Python's csv module (the demo year), or of the rows of a small hand-made force export
written below (two forces, 25 months, ASB types, covid flags, times and drug subtypes).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter

import pytest

from tests.cli import PASSWORD, err_json, ok_json, sara
from tests.conftest import ROOT, shared
from tests.web import DEMO_PASSWORD

DEMO = {"SARA_PASSWORD": DEMO_PASSWORD}


def table(pack: dict, name: str) -> dict:
    t = pack["tables"][name]
    return t | {"by": {r[0]: dict(zip(t["columns"], r)) for r in t["rows"]}}


# --- the demo: Derbyshire's police.uk year 2025 ------------------------------------------------


@pytest.fixture(scope="module")
def demo_pack(demo_url) -> dict:
    return ok_json("report", "scrutiny", "--as", "analyst", "--db", demo_url, env=DEMO)


def policeuk_counts() -> Counter:
    counts = Counter()
    for month in range(1, 13):
        with open(shared("policeuk", "derbyshire-2025", f"2025-{month:02d}-derbyshire-street.csv"), newline="", encoding="utf-8-sig") as f:
            counts.update(row["Crime type"] for row in csv.DictReader(f))
    return counts


def test_a_drawn_area_counts_the_events_inside_it(demo_url, tmp_path):
    """A zone drawn round Bolsover town centre and loaded as a custom area: the pack counts
    exactly the police.uk rows whose point lies inside it."""
    from tests.web import copy_of

    box = (-1.31, 53.22, -1.27, 53.24)
    zone = tmp_path / "zone.geojson"
    ring = [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]], [box[0], box[1]]]
    zone.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "Z1", "name": "Town centre zone"},
                                                                            "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))  # fmt: skip
    url = copy_of(demo_url, tmp_path)
    assert sara("load", "areas", str(zone), "--kind", "custom", "--code-field", "code", "--name-field", "name", "--db", url).exit_code == 0
    inside = Counter()
    for month in range(1, 13):
        with open(shared("policeuk", "derbyshire-2025", f"2025-{month:02d}-derbyshire-street.csv"), newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                if row["Longitude"] and box[0] < float(row["Longitude"]) < box[2] and box[1] < float(row["Latitude"]) < box[3]:
                    inside["asb" if row["Crime type"] == "Anti-social behaviour" else "crime"] += 1
    pack = ok_json("report", "scrutiny", "--area", "Town centre zone", "--as", "analyst", "--db", url, env=DEMO)
    assert pack["parameters"]["area"] == {"kind": "custom", "code": "Z1", "name": "Town centre zone"}
    assert table(pack, "crime_by_type")["by"]["Total"]["current"] == inside["crime"] > 0
    assert table(pack, "asb_by_type")["by"]["Total"]["12 months to December 2025"] == inside["asb"] > 0


def test_demo_crime_by_type_counts_each_police_uk_category(demo_pack):
    counts = policeuk_counts()
    asb = counts.pop("Anti-social behaviour")
    crime = table(demo_pack, "crime_by_type")
    assert crime["columns"] == ["category", "current", "previous", "change", "change_pct"]
    assert {c: r["current"] for c, r in crime["by"].items() if c != "Total"} == dict(counts)
    assert crime["by"]["Total"]["current"] == sum(counts.values())
    assert all(r["previous"] is None and r["change"] is None and r["change_pct"] is None for r in crime["by"].values())
    assert "No data is loaded for the previous period (January to December 2024)" in crime["note"]
    assert demo_pack["parameters"] | {"area": None} == {
        "from": "2025-01", "to": "2025-12", "months": 12, "period_chosen": "latest 12 complete months loaded",
        "previous": "2024-01..2024-12", "baseline": None, "area": None,
    }  # fmt: skip
    # ASB: police.uk gives no type, so every incident is Unknown, in the April-March years and the latest 12 months
    types = table(demo_pack, "asb_by_type")
    assert types["columns"] == ["category", "2024-25 (partial: 3 of 12 months)", "2025-26 (partial: 9 of 12 months)", "12 months to December 2025"]
    early = sum(1 for m in (1, 2, 3) for _ in rows_of_month(m, "Anti-social behaviour"))
    assert list(types["by"]["Unknown"].values())[1:] == [early, asb - early, asb]
    assert all(list(types["by"][t].values())[1:] == [0, 0, 0] for t in ("Environmental", "Nuisance", "Personal"))
    assert "police.uk publishes ASB incidents without their type" in types["note"] and "counted as Unknown" in types["note"]
    assert "2024-25 has January to March 2025 only" in types["note"]


def rows_of_month(month: int, category: str):
    with open(shared("policeuk", "derbyshire-2025", f"2025-{month:02d}-derbyshire-street.csv"), newline="", encoding="utf-8-sig") as f:
        yield from (r for r in csv.DictReader(f) if r["Crime type"] == category)


def test_demo_says_what_police_uk_cannot_give(demo_pack):
    drugs = table(demo_pack, "drugs")
    assert drugs["by"]["Drugs (not split)"]["current"] == policeuk_counts()["Drugs"]
    assert drugs["by"]["Possession"]["current"] == drugs["by"]["Trafficking"]["current"] == 0
    assert "cannot split possession from trafficking" in drugs["note"]
    for name in ("hour_of_day", "day_of_week"):
        assert demo_pack["tables"][name]["rows"] == []
        assert "unavailable" in demo_pack["tables"][name]["note"] and "never the day or time" in demo_pack["tables"][name]["note"]
    forces = table(demo_pack, "force_comparison")
    assert list(forces["by"]) == ["Derbyshire Constabulary"]
    assert forces["by"]["Derbyshire Constabulary"]["unknown_pct"] == 100.0
    assert "Only one force is loaded" in forces["note"] and "record or categorise certain reports in different ways" in forces["note"]
    covid = table(demo_pack, "asb_excluding_covid")
    assert covid["by"]["Total"]["current"] == policeuk_counts()["Anti-social behaviour"] and "no covid flag" in covid["note"]
    districts = table(demo_pack, "crime_by_district")
    assert len(districts["rows"]) == 9 and all(r["current_per_1000"] is None for r in districts["by"].values())
    assert "No population is loaded for" in districts["note"] and "Bolsover" in districts["note"]
    assert demo_pack["provenance"]["sources"] == [{"name": "police.uk", "kind": "police.uk", "forces": ["Derbyshire Constabulary"]}]
    assert demo_pack["provenance"]["months_loaded"] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert {"derbyshire-districts.geojson", "2025-01-derbyshire-street.csv"} <= {f["file"] for f in demo_pack["provenance"]["loads"]}


def test_demo_area_by_name_counts_the_events_placed_in_it(demo_url):
    import sqlite3

    pack = ok_json("report", "scrutiny", "--area", "Bolsover", "--from", "2025-04", "--to", "2025-09", "--as", "analyst", "--db", demo_url, env=DEMO)
    assert pack["parameters"]["area"] == {"kind": "district", "code": "E07000033", "name": "Bolsover"}
    conn = sqlite3.connect(demo_url.removeprefix("sqlite:///"))
    expected = dict(conn.execute(
        "SELECT e.category, count(*) FROM event e JOIN event_area ea ON ea.event_id = e.id JOIN area a ON a.id = ea.area_id "
        "WHERE a.kind = 'district' AND a.code = 'E07000033' AND e.month BETWEEN '2025-04-01' AND '2025-09-01' AND e.category != 'Anti-social behaviour' "
        "GROUP BY e.category").fetchall())  # fmt: skip
    conn.close()
    crime = table(pack, "crime_by_type")
    assert {c: r["current"] for c, r in crime["by"].items() if c != "Total"} == expected
    # the previous six months (October 2024 to March 2025) are partly loaded: counted, and the months missing named
    assert "lacks 3 months of data (October 2024, November 2024 and December 2024)" in crime["note"]
    assert list(table(pack, "crime_by_district")["by"]) == ["E07000033"]


# --- a hand-made force export: two forces over 25 months ---------------------------------------

MAPPING = """
source = "{source}"

[columns]
source_id = "Ref"
category = "Offence"

[time]
occurred_from = "From"
occurred_to = "To"

[coordinates]
lon = "Lon"
lat = "Lat"

[asb]
column = "ASB Type"

[flags]
covid = "Covid"
"""
NORTH, SOUTH = "Northshire Police", "Southshire Police"
WHERE = {"B": ("-1.2896", "53.2297"), "C": ("-1.4216", "53.2350"), "": ("", "")}  # Bolsover and Chesterfield town centres; none
ASB = "Anti-social behaviour"
# force, from, category, ASB type, covid, where, to (a window's end; empty: an exact time)
# fmt: off
ROWS = [
    # the latest 12 months (2025)
    (NORTH, "2025-02-03 18:00", ASB, "Personal", "", "", ""), (NORTH, "2025-08-04 19:30", ASB, "Personal", "", "", ""),
    (NORTH, "2025-01-15 20:00", ASB, "Nuisance", "Y", "B", ""), (NORTH, "2025-03-07 21:00", ASB, "Nuisance", "", "B", ""),
    (NORTH, "2025-07-11 21:15", ASB, "Nuisance", "", "B", ""), (NORTH, "2025-09-12 22:00", ASB, "Nuisance", "", "B", ""),
    (NORTH, "2025-10-17 16:00", ASB, "Nuisance", "", "B", ""), (NORTH, "2025-11-21 17:00", ASB, "Nuisance", "", "B", ""),
    (NORTH, "2025-04-05 11:00", ASB, "Environmental", "", "", ""), (NORTH, "2025-12-06 12:00", ASB, "Environmental", "", "", ""),
    (SOUTH, "2025-05-09 20:00", ASB, "Nuisance", "", "", ""), (SOUTH, "2025-10-10 20:30", ASB, "Nuisance", "", "", ""),
    (SOUTH, "2025-12-12 23:00", ASB, "Nuisance", "", "", ""), (SOUTH, "2025-06-14 15:00", ASB, "Personal", "", "", ""),
    (NORTH, "2025-02-14 13:00", "Possession of drugs", "", "", "B", ""), (NORTH, "2025-07-18 13:00", "Possession of drugs", "", "", "B", ""),
    (NORTH, "2025-11-07 01:00", "Possession of drugs", "", "", "B", ""), (NORTH, "2025-09-19 02:00", "Trafficking of drugs", "", "", "B", ""),
    (NORTH, "2025-08-04 22:00", "Burglary", "", "", "B", "2025-08-04 23:59"), (NORTH, "2025-03-10 08:00", "Burglary", "", "", "B", ""),
    (SOUTH, "2025-04-18 12:00", "Shoplifting", "", "", "", ""),
    # the previous 12 months (2024; nothing at all in June)
    (NORTH, "2024-01-08 18:00", ASB, "Personal", "Y", "", ""), (NORTH, "2024-03-04 18:00", ASB, "Personal", "", "", ""),
    (NORTH, "2024-09-02 19:00", ASB, "Personal", "", "", ""), (NORTH, "2024-02-09 21:00", ASB, "Nuisance", "Y", "", ""),
    (NORTH, "2024-04-12 21:00", ASB, "Nuisance", "Y", "", ""), (NORTH, "2024-07-19 21:00", ASB, "Nuisance", "", "", ""),
    (NORTH, "2024-11-22 22:00", ASB, "Nuisance", "", "", ""), (NORTH, "2024-08-03 10:00", ASB, "Environmental", "", "", ""),
    (SOUTH, "2024-05-10 20:00", ASB, "Nuisance", "", "", ""), (SOUTH, "2024-10-11 20:00", ASB, "Nuisance", "", "", ""),
    (NORTH, "2024-02-16 13:00", "Possession of drugs", "", "", "B", ""), (NORTH, "2024-07-05 02:00", "Trafficking of drugs", "", "", "B", ""),
    (NORTH, "2024-12-06 03:00", "Trafficking of drugs", "", "", "B", ""),
    (SOUTH, "2024-03-15 12:00", "Shoplifting", "", "", "", ""), (SOUTH, "2024-08-16 12:00", "Shoplifting", "", "", "", ""),
    # the month before
    (NORTH, "2023-12-20 20:00", ASB, "Nuisance", "", "", ""),
]
# fmt: on
LOADED = [dt.date(2023, 12, 1)] + [dt.date(y, m, 1) for y in (2024, 2025) for m in range(1, 13) if (y, m) != (2024, 6)]
ROWS += [(NORTH, f"{m:%Y-%m}-10 14:00", "Criminal damage", "", "", "" if m.year == 2023 else "C" if m.year == 2024 or m.month > 6 else "B", "")
         for m in LOADED]  # fmt: skip
POPULATION = {"E07000033": 80_000, "E07000034": 100_000}  # Bolsover, Chesterfield


def month_of(row) -> dt.date:
    return dt.date.fromisoformat(row[1][:10]).replace(day=1)


def between(first: str, last: str, rows=ROWS):
    a, b = (dt.date.fromisoformat(f"{m}-01") for m in (first, last))
    return [r for r in rows if a <= month_of(r) <= b]


@pytest.fixture
def forces(db_url, tmp_path) -> str:
    """Two forces' exports loaded through a mapping each, Derbyshire's districts with two
    populations, and an administrator to run the pack as."""
    for source, slug in ((NORTH, "north"), (SOUTH, "south")):
        path = tmp_path / f"{slug}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["Ref", "Offence", "From", "To", "ASB Type", "Covid", "Lon", "Lat"])
            for i, (_force, at, category, asb_type, covid, where, to) in enumerate(r for r in ROWS if r[0] == source):
                out.writerow([f"{slug}-{i}", category, at, to, asb_type, covid, *WHERE[where]])
        (tmp_path / f"{slug}.toml").write_text(MAPPING.format(source=source), encoding="utf-8")
        ok_json("load", "events", str(path), "--mapping", str(tmp_path / f"{slug}.toml"), "--db", db_url)
    (tmp_path / "population.csv").write_text("code,population\n" + "".join(f"{c},{n}\n" for c, n in POPULATION.items()), encoding="utf-8")
    ok_json("load", "areas", str(ROOT / "demo" / "derbyshire-districts.geojson.zip"), "--kind", "district", "--population", str(tmp_path / "population.csv"),
            "--db", db_url)  # fmt: skip
    ok_json("org", "add", "Northshire Police", "--type", "police", "--db", db_url)
    ok_json("user", "add", "root", "--org", "Northshire Police", "--role", "administrator", "--password", PASSWORD, "--db", db_url)
    return db_url


def compare(current: Counter, previous: Counter, keys) -> dict:
    out = {}
    for k in keys:
        c, p = current[k], previous[k]
        out[k] = [c, p, c - p, round(100 * (c - p) / p, 1) if p else None]
    return out


def rows_by(t: dict) -> dict:
    return {r[0]: r[1:] for r in t["rows"]}


def test_forces_latest_12_against_previous_12(forces):
    pack = ok_json("report", "scrutiny", "--as", "root", "--db", forces)
    assert pack["parameters"]["from"] == "2025-01" and pack["parameters"]["previous"] == "2024-01..2024-12"
    cur, prev = between("2025-01", "2025-12"), between("2024-01", "2024-12")

    crimes = [Counter(r[2] for r in rows if r[2] != ASB) for rows in (cur, prev)]
    expected = compare(*crimes, sorted(set(crimes[0]) | set(crimes[1])))
    expected["Total"] = compare(Counter(t=sum(crimes[0].values())), Counter(t=sum(crimes[1].values())), ["t"])["t"]
    assert rows_by(pack["tables"]["crime_by_type"]) == expected
    assert expected["Burglary"] == [2, 0, 2, None] and expected["Criminal damage"] == [12, 11, 1, 9.1]  # by hand
    assert "% change is empty where the previous period had none: Burglary" in pack["tables"]["crime_by_type"]["note"]
    assert "The previous period lacks 1 month of data (June 2024)" in pack["tables"]["crime_by_type"]["note"]

    # ASB excluding covid-flagged reports (the report's 5.13)
    asb = [Counter(r[3] for r in rows if r[2] == ASB and not r[4]) for rows in (cur, prev)]
    types = ["Environmental", "Nuisance", "Personal"]
    expected = compare(*asb, types) | {"Total": compare(Counter(t=asb[0].total()), Counter(t=asb[1].total()), ["t"])["t"]}
    assert rows_by(pack["tables"]["asb_excluding_covid"]) == expected
    assert expected["Total"] == [13, 7, 6, 85.7]  # by hand
    assert "Covid-related reports left out: 1 in the period, 3 in the previous period" in pack["tables"]["asb_excluding_covid"]["note"]

    # drugs split as the export names them
    drugs = [Counter(r[2].split()[0] for r in rows if "drugs" in r[2]) for rows in (cur, prev)]
    assert rows_by(pack["tables"]["drugs"]) == compare(*drugs, ["Possession", "Trafficking"]) | {"Total": [4, 3, 1, 33.3]}


def test_forces_april_march_years_and_force_comparison(forces):
    pack = ok_json("report", "scrutiny", "--as", "root", "--db", forces)
    types = pack["tables"]["asb_by_type"]
    assert types["columns"] == ["category", "2023-24 (partial: 4 of 12 months)", "2024-25 (partial: 11 of 12 months)", "2025-26 (partial: 9 of 12 months)",
                                "12 months to December 2025"]  # fmt: skip
    spans = [("2023-04", "2024-03"), ("2024-04", "2025-03"), ("2025-04", "2026-03"), ("2025-01", "2025-12")]
    counted = [Counter(r[3] for r in between(a, b) if r[2] == ASB) for a, b in spans]
    assert rows_by(types) == {t: [c[t] for c in counted] for t in ("Environmental", "Nuisance", "Personal")} | {"Total": [c.total() for c in counted]}
    assert rows_by(types)["Total"] == [4, 10, 11, 14]  # by hand
    assert "2023-24 has December 2023 to March 2024 only; 2024-25 has April to May 2024 and July 2024 to March 2025 only" in types["note"]

    forces_table = pack["tables"]["force_comparison"]
    assert forces_table["columns"] == ["force", "current", "environmental_pct", "nuisance_pct", "personal_pct", "unknown_pct", "previous", "change", "change_pct"]
    expected = {}
    for force in (NORTH, SOUTH, None):
        now = Counter(r[3] for r in between("2025-01", "2025-12") if r[2] == ASB and force in (None, r[0]))
        before = sum(1 for r in between("2024-01", "2024-12") if r[2] == ASB and force in (None, r[0]))
        shares = [round(100 * now[t] / now.total(), 1) for t in ("Environmental", "Nuisance", "Personal")] + [0.0]
        expected[force or "All forces"] = [now.total(), *shares, before, now.total() - before, round(100 * (now.total() - before) / before, 1)]
    assert rows_by(forces_table) == expected
    assert expected[NORTH] == [10, 20.0, 60.0, 20.0, 0.0, 8, 2, 25.0] and expected[SOUTH] == [4, 0.0, 75.0, 25.0, 0.0, 2, 2, 100.0]  # by hand
    assert "2 forces are loaded" in forces_table["note"] and "This makes meaningful comparison very difficult" in forces_table["note"]
    assert {s["name"]: s["forces"] for s in pack["provenance"]["sources"]} == {NORTH: [NORTH], SOUTH: [SOUTH]}


def profile(rows) -> tuple[list[float], list[float]]:
    """Hours and days by hand: an exact time is 1 in its hour; the one window (22:00-23:59) is half in each hour."""
    hours, days = [0.0] * 24, [0.0] * 7
    for r in rows:
        start = dt.datetime.fromisoformat(r[1])
        if r[6]:
            hours[22] += 0.5
            hours[23] += 0.5
        else:
            hours[start.hour] += 1
        days[start.weekday()] += 1
    return hours, days


def test_forces_hour_and_day_latest_6_against_previous_6(forces):
    pack = ok_json("report", "scrutiny", "--as", "root", "--db", forces)
    latest, previous = profile(between("2025-07", "2025-12")), profile(between("2025-01", "2025-06"))
    hours = pack["tables"]["hour_of_day"]
    assert hours["columns"] == ["hour", "latest_6", "previous_6"]
    assert hours["rows"] == [[f"{h:02d}", latest[0][h], previous[0][h]] for h in range(24)]
    days = pack["tables"]["day_of_week"]
    assert days["rows"] == [[d, latest[1][i], previous[1][i]] for i, d in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))]
    assert sum(r[1] for r in hours["rows"]) == len(between("2025-07", "2025-12")) == 18
    assert "1 events known only within a window" in hours["note"] and "Aoristic" in hours["note"]


def test_forces_by_district_with_rates_and_an_area(forces):
    pack = ok_json("report", "scrutiny", "--as", "root", "--db", forces)
    districts = table(pack, "crime_by_district")
    cur = Counter(r[5] for r in between("2025-01", "2025-12") if r[2] != ASB)
    prev = Counter(r[5] for r in between("2024-01", "2024-12") if r[2] != ASB)
    for code, letter in (("E07000033", "B"), ("E07000034", "C")):
        row = districts["by"][code]
        assert [row["current"], row["previous"], row["population"]] == [cur[letter], prev[letter], POPULATION[code]]
        assert row["current_per_1000"] == round(1000 * cur[letter] / POPULATION[code], 2)
    assert districts["by"]["E07000033"]["current_per_1000"] == 0.15 and districts["by"]["E07000034"]["previous_per_1000"] == 0.11  # by hand: 12 and 11
    assert districts["by"]["E07000032"]["current_per_1000"] is None and "No population is loaded for" in districts["note"] and "Amber Valley" in districts["note"]
    assert f"{cur[''] + prev['']:,} crimes of these months lie in no loaded district" in districts["note"]

    bolsover = ok_json("report", "scrutiny", "--area", "bolsover", "--as", "root", "--db", forces)
    assert bolsover["parameters"]["area"] == {"kind": "district", "code": "E07000033", "name": "Bolsover"}
    crime = rows_by(bolsover["tables"]["crime_by_type"])
    assert crime["Total"][:2] == [cur["B"], prev["B"]] == [12, 3]
    unplaced = sum(1 for r in between("2024-01", "2025-12") if not r[5])
    assert f"{unplaced:,} events of these months lie in no loaded district" in bolsover["tables"]["crime_by_type"]["note"]
    # the force comparison stays over each force's whole data
    assert rows_by(bolsover["tables"]["force_comparison"])["All forces"][0] == 14

    north = ok_json("report", "scrutiny", "--area", NORTH.upper(), "--as", "root", "--db", forces)
    assert north["parameters"]["area"] == {"kind": None, "code": None, "name": NORTH}
    assert rows_by(north["tables"]["asb_excluding_covid"])["Total"][:2] == [9, 5]


def test_forces_against_a_baseline(forces):
    pack = ok_json("report", "scrutiny", "--from", "2025-07", "--to", "2025-12", "--baseline-from", "2024-01", "--as", "root", "--db", forces)
    assert pack["parameters"]["baseline"] == "2024-01..2024-06" and pack["parameters"]["previous"] == "2025-01..2025-06"
    base = pack["tables"]["crime_against_baseline"]
    assert base["columns"] == ["category", "current", "baseline", "change", "change_pct"]
    now, then = (Counter(r[2] for r in between(a, b) if r[2] != ASB) for a, b in (("2025-07", "2025-12"), ("2024-01", "2024-06")))
    assert {r[0]: r[1:3] for r in base["rows"]} == {k: [now[k], then[k]] for k in sorted(set(now) | set(then))} | {"Total": [now.total(), then.total()]}
    assert "The baseline lacks 1 month of data (June 2024)" in base["note"]
    assert pack["tables"]["crime_by_type"]["columns"] == ["category", "current", "previous", "change", "change_pct"]


# --- bad input and empty periods -----------------------------------------------------------------


def test_bad_input_is_refused_naming_the_option(forces):
    db = forces
    assert err_json("report", "scrutiny", "--from", "2025-13", "--as", "root", "--db", db) == "--from: '2025-13' is not a month: write it YYYY-MM, for example 2025-03"
    assert "--area: no loaded district, ward, LSOA or force is called 'Nowhere'" in err_json("report", "scrutiny", "--area", "Nowhere", "--as", "root", "--db", db)
    assert err_json("report", "scrutiny", "--from", "2025-06", "--to", "2025-01", "--as", "root", "--db", db).startswith(
        "--to: the period ends (2025-01) before it starts (2025-06)")
    assert "--baseline-from" in err_json("report", "scrutiny", "--baseline-from", "2019", "--as", "root", "--db", db)
    assert "--as" in err_json("report", "scrutiny", "--db", db)


def test_a_period_with_no_data_still_builds_and_says_so(forces):
    pack = ok_json("report", "scrutiny", "--from", "2030-01", "--to", "2030-12", "--as", "root", "--db", forces)
    crime = pack["tables"]["crime_by_type"]
    assert crime["rows"] == [["Total", None, None, None, None]]
    assert "No data is loaded for the period (January to December 2030)" in crime["note"]
    assert "The latest 6 months (July to December 2030): no data is loaded." in pack["tables"]["hour_of_day"]["note"] and pack["tables"]["hour_of_day"]["rows"] == []


# --- the command: JSON, documents, the same tables again -----------------------------------------


def test_cli_json_is_the_pack_and_repeats(forces, tmp_path):
    first = sara("report", "scrutiny", "--as", "root", "--db", forces, "--json")
    again = sara("report", "scrutiny", "--as", "root", "--db", forces, "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert set(data) >= {"tables", "parameters", "provenance", "sections"}
    assert {"asb_by_type", "asb_excluding_covid", "crime_by_type", "crime_by_district", "drugs", "force_comparison", "hour_of_day", "day_of_week"} <= set(data["tables"])
    assert all(set(t) >= {"columns", "rows", "note"} for t in data["tables"].values())
    assert first.stdout == again.stdout
    shown = sara("report", "scrutiny", "--as", "root", "--db", forces)
    assert shown.exit_code == 0 and "ASB incidents by type" in shown.stdout


def test_cli_writes_the_documents(forces, tmp_path):
    import openpyxl

    paths = {kind: tmp_path / f"pack.{kind}" for kind in ("html", "pdf", "xlsx")}
    made = ok_json("report", "scrutiny", "--as", "root", "--db", forces, *(a for kind, p in paths.items() for a in (f"--{kind}", str(p))))
    assert made["written"] == [str(paths["html"]), str(paths["pdf"]), str(paths["xlsx"])]
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    assert "ASB incidents excluding covid-related reports" in paths["html"].read_text(encoding="utf-8")
    book = openpyxl.load_workbook(paths["xlsx"])
    assert {"About", "crime_by_type", "asb_by_type", "force_comparison", "hour_of_day"} <= set(book.sheetnames)
    sheet = [[c for c in row] for row in book["crime_by_type"].iter_rows(values_only=True)]
    header = sheet.index(["category", "current", "previous", "change", "change_pct"])
    total = next(row for row in sheet[header + 1 :] if row[0] == "Total")
    assert total[:5] == made["tables"]["crime_by_type"]["rows"][-1]
    # a folder that is not there: one line naming the option, and no file
    assert "--xlsx" in err_json("report", "scrutiny", "--as", "root", "--db", forces, "--xlsx", str(tmp_path / "no" / "pack.xlsx"))
    assert "--html: cannot write the HTML" in err_json("report", "scrutiny", "--as", "root", "--db", forces, "--html", str(tmp_path / "no" / "pack.html"))
    assert not (tmp_path / "no").exists()
