"""The Clear-Hold-Build ranking, `sara report chb OPERATION` and `/reports/chb`: the College of
Policing's West Yorkshire example measured harm "every six months" and BD3 "moved from highest
to third highest, then outside of the top three, then eighth position". Here: the pure ranking
against brute force; a hand-made force export over 24 months where an operation's ward goes
1 -> 3 -> 4 -> 8 exactly, its phase changes marked and the note on regression to the mean;
every harm value of the Derbyshire demo against the police.uk rows; the refusals; the page."""

from __future__ import annotations

import csv
import itertools
import json
import zipfile
from collections import defaultdict

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from sara import geo
from sara.access.users import add_organisation, add_user
from sara.scan import ranking
from sara.store.engine import connect
from tests.cli import err_json, ok_json, sara
from tests.conftest import ROOT, shared

PW = "a long enough password"


# ---------------------------------------------------------------- (1) the pure ranking


def brute_rank(values: dict[str, float], area: str) -> int:
    """1 + the number of areas with strictly more harm: the standard competition rank."""
    return 1 + sum(v > values[area] for v in values.values())


def test_ranks_by_hand_with_ties():
    rows = [("ward", a, "P1", h) for a, h in (("A", 9), ("B", 7), ("C", 7), ("D", 3), ("E", 0))]
    rows += [("ward", a, "P2", h) for a, h in (("A", 1), ("B", 1), ("C", 1), ("D", 5), ("E", 0))]
    rows += [("lsoa", "X", "P1", 1.0), ("lsoa", "Y", "P1", 2.0)]  # another kind is ranked apart
    got = {(r.kind, r.area, r.period): (r.rank, r.of) for r in ranking.rank_within_kind(rows)}
    assert [got[("ward", a, "P1")][0] for a in "ABCDE"] == [1, 2, 2, 4, 5]
    assert [got[("ward", a, "P2")][0] for a in "ABCDE"] == [2, 2, 2, 1, 5]
    assert got[("lsoa", "X", "P1")] == (2, 2) and got[("ward", "A", "P1")] == (1, 5)
    with pytest.raises(ValueError, match="twice"):
        ranking.rank_within_kind([("ward", "A", "P1", 1), ("ward", "A", "P1", 2)])
    with pytest.raises(ValueError, match="0 or more"):
        ranking.rank_within_kind([("ward", "A", "P1", -1)])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1))
def test_ranks_and_changes_match_brute_force(harm):
    rows = [("ward", a, p, float(h[i])) for a, h in harm.items() for i, p in enumerate(("base", "late"))]
    ranked = ranking.rank_within_kind(rows)
    for period, i in (("base", 0), ("late", 1)):
        values = {a: h[i] for a, h in harm.items()}
        assert {r.area: r.rank for r in ranked if r.period == period} == {a: brute_rank(values, a) for a in values}
    area = sorted(harm)[0]
    (c,) = ranking.change_from_baseline(ranked, [("ward", area)], "base", "late", top=2, peer_top=3)
    base = {a: h[0] for a, h in harm.items()}
    assert (c.baseline_harm, c.latest_harm, c.change) == (harm[area][0], harm[area][1], harm[area][1] - harm[area][0])
    assert c.change_pct == (None if harm[area][0] == 0 else (harm[area][1] - harm[area][0]) / harm[area][0] * 100)
    assert c.regression_to_mean == (brute_rank(base, area) <= 2) and bool(c.note) == c.regression_to_mean
    peers = [a for a in harm if a != area and brute_rank(base, a) <= 3]
    p = ranking.peers(ranked, "ward", "base", "late", exclude=[area], top=3)
    assert sorted(p.areas) == sorted(peers)
    if peers:
        late = {a: h[1] for a, h in harm.items()}
        assert p.baseline_mean_rank == pytest.approx(sum(brute_rank(base, a) for a in peers) / len(peers))
        assert p.latest_mean_rank == pytest.approx(sum(brute_rank(late, a) for a in peers) / len(peers))


# ---------------------------------------------------------------- (2) BD3: 1 -> 3 -> 4 -> 8

# Ten wards, 1 km squares in a row of British National Grid; W0 is the operation's.
WARDS = [(f"W{i}", "Bradford Moor" if i == 0 else f"Ward {i}") for i in range(10)]
E0, N0 = 416000, 433000
# harm per ward per six months: the others hold still; Bradford Moor falls from the top
OTHERS = {f"W{i}": 100 - 5 * i for i in range(1, 10)}  # 95, 90, ..., 55
BD3 = [100, 87, 82, 62]  # ranks 1, 3 (below 95 and 90), 4 (below 85 too), 8 (below 95..65)
WEIGHTS = {"Robbery": 10, "Drugs": 1}
MAPPING = """
source = "West Yorkshire Police crime export"

[columns]
source_id = "Crime Ref"
category = "Offence"

[time]
occurred = "Date"
format = "%Y-%m-%d"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:27700"
"""


def _wards_geojson(path):
    features = []
    for i, (code, name) in enumerate(WARDS):
        xs = np.array([E0 + 1000 * i, E0 + 1000 * (i + 1), E0 + 1000 * (i + 1), E0 + 1000 * i, E0 + 1000 * i], dtype=float)
        ys = np.array([N0, N0, N0 + 1000, N0 + 1000, N0], dtype=float)
        lon, lat = geo.transform(xs, ys, "EPSG:27700", geo.WGS84)
        features.append({"type": "Feature", "properties": {"code": code, "name": name},
                         "geometry": {"type": "Polygon", "coordinates": [[[float(a), float(b)] for a, b in zip(lon, lat)]]}})  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _month(k: int) -> str:
    return f"{2024 + k // 12}-{k % 12 + 1:02d}"


def _export(path):
    """Robberies (10) and drugs (1) adding up to each ward's harm, spread over each period's
    months; shoplifting (not a CHB crime), weapons (no weight in the file) and one robbery
    outside every ward, none of which may count."""
    rows, ref = [], itertools.count(1)
    for p in range(4):
        for i, (code, _) in enumerate(WARDS):
            harm = BD3[p] if code == "W0" else OTHERS[code]
            crimes = ["Robbery"] * (harm // 10) + ["Drugs"] * (harm % 10) + ["Shoplifting"] * 3 + ["Possession of weapons"] * 2
            for j, crime in enumerate(crimes):
                rows.append([f"CR{next(ref)}", crime, f"{_month(6 * p + j % 6)}-{1 + j % 27:02d}", E0 + 1000 * i + 500 + j, N0 + 500])
    rows.append([f"CR{next(ref)}", "Robbery", "2024-01-15", E0 - 5000, N0 + 500])
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Crime Ref", "Offence", "Date", "Easting", "Northing"])
        w.writerows(rows)


@pytest.fixture
def bd3(db_url, tmp_path):
    """West Yorkshire Police with ten wards and 24 months of its crime export; Op Unite works
    Bradford Moor (W0) by its code and by a point inside it, and a point outside every ward."""
    engine = connect(db_url)
    add_organisation(engine, "West Yorkshire Police", "police")
    add_organisation(engine, "Bradford MDC", "council")
    for user, org, role in (("pc", "West Yorkshire Police", "problem_owner"), ("cou", "Bradford MDC", "problem_owner"),
                            ("public", "West Yorkshire Police", "public_viewer")):  # fmt: skip
        add_user(engine, user, org, role, PW)
    engine.dispose()
    db = ("--db", db_url)
    _wards_geojson(tmp_path / "wards.geojson")
    (tmp_path / "map.toml").write_text(MAPPING)
    _export(tmp_path / "export.csv")
    (tmp_path / "weights.csv").write_text("crime_type,weight\n" + "".join(f"{k},{v}\n" for k, v in WEIGHTS.items()))
    assert sara("load", "areas", str(tmp_path / "wards.geojson"), "--kind", "ward", *db).exit_code == 0
    r = sara("load", "events", str(tmp_path / "export.csv"), "--mapping", str(tmp_path / "map.toml"), "--as", "pc", *db, "--json")
    assert r.exit_code == 0, r.output
    me = ("--as", "pc", *db)
    ok_json("operation", "add", "Op Unite", "--start", "2024-01-01", *me)
    ok_json("operation", "site", "Op Unite", "BD3", "--area", "W0", "--on", "2024-01-01", *me)
    lon, lat = geo.transform(np.array([E0 + 700.0, E0 - 3000.0]), np.array([N0 + 300.0, N0 + 300.0]), "EPSG:27700", geo.WGS84)
    ok_json("operation", "site", "Op Unite", "Garages", "--lon", f"{lon[0]:.6f}", "--lat", f"{lat[0]:.6f}", "--radius", "100", "--on", "2024-01-01", *me)
    ok_json("operation", "site", "Op Unite", "Far away", "--lon", f"{lon[1]:.6f}", "--lat", f"{lat[1]:.6f}", "--radius", "100", "--on", "2024-01-01", *me)
    for phase, on in (("clear", "2024-02-01"), ("hold", "2024-03-01"), ("build", "2024-09-01"), ("clear", "2025-03-15"), ("hold", "2025-04-01")):
        ok_json("operation", "phase", "Op Unite", "BD3", phase, "--on", on, "--note", f"{phase} from {on}", *me)
    return db_url, tmp_path


def test_bd3_falls_from_highest_to_third_to_fourth_to_eighth(bd3):
    db_url, tmp = bd3
    pack = ok_json("report", "chb", "Op Unite", "--weights", str(tmp / "weights.csv"), "--as", "cou", "--db", db_url)  # a partner reads it
    t = pack["tables"]
    periods = ["January to June 2024", "July to December 2024", "January to June 2025", "July to December 2025"]
    assert pack["parameters"]["periods"] == ["2024-01..2024-06", "2024-07..2024-12", "2025-01..2025-06", "2025-07..2025-12"]
    assert t["chb_rank_by_period"]["columns"] == ["period", "from", "to", "Bradford Moor (W0)"]
    assert [(r[0], r[3]) for r in t["chb_rank_by_period"]["rows"]] == list(zip(periods, [1, 3, 4, 8]))

    rows = {r[1]: r for r in t["chb_ranking"]["rows"]}
    assert list(rows) == ["W0", *OTHERS]  # the operation's ward first, then the top ten by baseline rank
    assert rows["W0"][:4] == ["Bradford Moor", "W0", "ward", "BD3; Garages"]
    assert rows["W0"][4:] == [100.0, 1, 87.0, 3, 82.0, 4, 62.0, 8]
    assert rows["W3"][4:] == [85.0, 4, 85.0, 4, 85.0, 3, 85.0, 3]

    (change,) = t["chb_change"]["rows"]
    assert change[:10] == ["Bradford Moor", "W0", "ward", 100.0, 62.0, -38.0, -38.0, 1, 8, 10]
    note = change[10]
    assert note.startswith("Regression to the mean: at the baseline this area was the most harmful (top 3).")
    # the nine other wards were the rest of the top ten: mean rank 2..10 = 6.0, at the end (1..7, 9, 10) = 47/9
    assert "The other 9 areas in the top 10 at the baseline, not in the operation, moved from a mean rank of 6.0 to 5.2, their harm +0%" in note
    assert note in pack["sections"][0]["paragraphs"]

    assert [r[1:4] for r in t["chb_phases"]["rows"]] == [["scoping", "clear", "2024-02-01"], ["clear", "hold", "2024-03-01"], ["hold", "build", "2024-09-01"],
                                                         ["build", "clear", "2025-03-15"], ["clear", "hold", "2025-04-01"]]  # fmt: skip
    how = " ".join(pack["sections"][-1]["paragraphs"])
    assert "Crime types: Drugs, Violence and sexual offences, Possession of weapons, Burglary, Vehicle crime, Theft from the person, Robbery." in how
    assert "Weights: your weights file (" in how and "(per crime): Drugs 1, Robbery 10." in how
    assert "categories without a weight, left out of harm: Violence and sexual offences, Possession of weapons, Burglary, Vehicle crime, Theft from the person" in how
    assert "80 events of categories without a weight are not counted" in how  # 2 weapons x 10 wards x 4 periods
    assert "1 weighted events lie in no loaded ward" in how
    assert "site Far away is a point" in how and "outside every loaded ward: left out" in how
    assert "Garages in Bradford Moor (W0)" in how

    r = sara("report", "chb", "Op Unite", "--weights", str(tmp / "weights.csv"), "--html", str(tmp / "chb.html"), "--xlsx", str(tmp / "chb.xlsx"),
             "--as", "pc", "--db", db_url)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "Bradford" in r.stdout and f"wrote {tmp / 'chb.xlsx'}" in r.stdout
    assert "Bradford Moor (W0)" in (tmp / "chb.html").read_text() and (tmp / "chb.xlsx").read_bytes()[:2] == b"PK"


def test_the_phase_changes_are_the_chart_s_marks(bd3):
    from sara.access.users import get_actor
    from sara.services import Context, chb

    db_url, tmp = bd3
    engine = connect(db_url)
    pack = chb.ranking(Context(engine, get_actor(engine, "pc")), "Op Unite", weights=str(tmp / "weights.csv"))
    chart = pack.tables["chb_rank_by_period"].chart
    assert chart.kind == "line" and chart.invert and chart.x == "period" and chart.y == ("Bradford Moor (W0)",)
    assert chart.marks == (("January to June 2024", "clear 01 Feb; hold 01 Mar"), ("July to December 2024", "build 01 Sep"),
                           ("January to June 2025", "clear 15 Mar; hold 01 Apr"))  # fmt: skip
    # a later baseline: three periods, the first phase changes fall before them and are not marked
    later = chb.ranking(Context(engine, get_actor(engine, "pc")), "Op Unite", baseline="2024-07", weights=str(tmp / "weights.csv"))
    assert [r[3] for r in later.tables["chb_rank_by_period"].rows] == [3, 4, 8]
    assert [m[0] for m in later.tables["chb_rank_by_period"].chart.marks] == ["July to December 2024", "January to June 2025"]
    assert "phase changes outside the ranked periods, not marked: BD3 to clear on 2024-02-01; BD3 to hold on 2024-03-01" in later.sections[-1].paragraphs
    assert later.tables["chb_change"].rows[0][7:9] == (3, 8)
    engine.dispose()


# ---------------------------------------------------------------- (4) refusals


def test_bad_input_is_refused_saying_what_to_do(bd3):
    db_url, tmp = bd3
    me = ("--as", "pc", "--db", db_url)
    unknown = err_json("report", "chb", "Op Nowhere", *me)
    assert unknown == "no operation called 'Op Nowhere': check its name against the list of operations (sara operation list)"
    assert "has no data for January 2026" in err_json("report", "chb", "Op Unite", "--baseline", "2025-09", *me)
    assert "--baseline: the baseline 2023-01 has no data for January 2023" in err_json("report", "chb", "Op Unite", "--baseline", "2023-01", *me)
    assert "is not a month" in err_json("report", "chb", "Op Unite", "--baseline", "2025", *me)
    assert "from 1 to 24" in err_json("report", "chb", "Op Unite", "--period-months", "0", *me)
    assert "cannot read the weights file" in err_json("report", "chb", "Op Unite", "--weights", str(tmp / "none.csv"), *me)
    ok_json("operation", "add", "Op Empty", "--start", "2024-01-01", *me)
    assert err_json("report", "chb", "Op Empty", *me).startswith("OPERATION: operation Op Empty has no site that is a loaded area or a point inside one")
    lon, lat = geo.transform(np.array([E0 - 3000.0]), np.array([N0]), "EPSG:27700", geo.WGS84)
    ok_json("operation", "site", "Op Empty", "Far", "--lon", f"{lon[0]:.6f}", "--lat", f"{lat[0]:.6f}", "--radius", "50", *me)
    assert "(site Far is a point" in err_json("report", "chb", "Op Empty", *me)


def test_an_operation_the_reader_may_not_read_is_not_found_like_a_missing_one(bd3):
    from sara.access.permissions import can
    from sara.access.users import get_actor
    from sara.errors import NotFound
    from sara.services import Context, chb

    db_url, _ = bd3
    engine = connect(db_url)
    nobody = get_actor(engine, "public")
    inactive = type("Inactive", (), {"role": "analyst", "organisation_id": nobody.organisation_id, "active": False, "id": nobody.id})()
    assert not can(inactive, "read", "patrol", nobody.organisation_id)
    with pytest.raises(NotFound) as refused:
        chb.ranking(Context(engine, inactive), "Op Unite")
    with pytest.raises(NotFound) as missing:
        chb.ranking(Context(engine, inactive), "Op Nowhere")
    assert str(refused.value) == str(missing.value).replace("Op Nowhere", "Op Unite")
    engine.dispose()


# ---------------------------------------------------------------- (3) Derbyshire 2025, against the police.uk rows

DEXTER = "Op Dexter (synthetic replay)"


def _independent_harm(codes_by_period: set[str] | None = None) -> dict[tuple[str, str], float]:
    """Harm per (LSOA code, half) from the police.uk CSVs read with csv, the CCHI table read
    with csv, each point placed in the 2011 LSOA boundaries with shapely."""
    from sara.services.chb import CHB_CATEGORIES

    with open(ROOT / "sara" / "scan" / "data" / "cchi_weights_by_force_category.csv") as f:
        weights = {r["crime_type"]: float(r["cchi_days"]) for r in csv.DictReader(f) if r["force"] == "Derbyshire"}
    with zipfile.ZipFile(ROOT / "demo" / "derbyshire-lsoa2011.geojson.zip") as z:
        features = json.loads(z.read(z.namelist()[0]))["features"]
    codes = [f["properties"]["LSOA11CD"] for f in features]
    polygons = np.array([shape(f["geometry"]) for f in features])
    rows = []
    for path in sorted(shared("policeuk", "derbyshire-2025").glob("*-street.csv")):
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows += [r for r in csv.DictReader(f) if r["Crime type"] in CHB_CATEGORIES]
    lon = np.array([float(r["Longitude"]) if r["Longitude"] else np.nan for r in rows])
    lat = np.array([float(r["Latitude"]) if r["Latitude"] else np.nan for r in rows])
    tree = shapely.STRtree(polygons)
    ok = np.flatnonzero(np.isfinite(lon))
    pts, polys = tree.query(shapely.points(lon[ok], lat[ok]), predicate="intersects")
    where: dict[int, int] = {}
    for p, q in zip(ok[pts].tolist(), polys.tolist()):
        where[p] = min(where.get(p, q), q)  # a point on a shared boundary goes to the area listed first
    harm: dict[tuple[str, str], float] = defaultdict(float)
    known = set(codes)
    for i, r in enumerate(rows):
        code = codes[where[i]] if i in where else (r["LSOA code"] if not np.isfinite(lon[i]) and r["LSOA code"] in known else None)
        if code is not None:
            harm[(code, "H1" if r["Month"] <= "2025-06" else "H2")] += weights[r["Crime type"]]
    return harm, codes


def test_the_demo_report_has_two_half_years_whose_every_harm_is_the_police_uk_rows(demo_url):
    from tests.web import DEMO_PASSWORD

    pack = ok_json("report", "chb", DEXTER, "--as", "insp.bolsover", "--db", demo_url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    assert pack["parameters"]["periods"] == ["2025-01..2025-06", "2025-07..2025-12"]
    assert pack["parameters"]["weights"] == "Cambridge Crime Harm Index weights of Derbyshire Constabulary"
    harm, codes = _independent_harm()
    t = pack["tables"]["chb_ranking"]
    assert t["columns"][4:] == ["January to June 2025 harm", "January to June 2025 rank", "July to December 2025 harm", "July to December 2025 rank"]
    assert len(t["rows"]) > 10
    for row in t["rows"]:
        code = row[1]
        for half, (h, rank) in (("H1", row[4:6]), ("H2", row[6:8])):
            values = {c: harm.get((c, half), 0.0) for c in codes}
            assert h == round(values[code], 2), (code, half)
            assert rank == brute_rank(values, code), (code, half)
    (bolsover,) = [r for r in t["rows"] if r[3]]  # the three point sites all lie in Bolsover 004A
    assert bolsover[:3] == ["Bolsover 004A", "E01019483", "lsoa"]
    change = pack["tables"]["chb_change"]["rows"][0]
    assert change[3:5] == [round(harm[("E01019483", "H1")], 2), round(harm[("E01019483", "H2")], 2)] and change[9] == len(codes)
    assert change[10] == ""  # not high at the baseline: no note on regression to the mean


# ---------------------------------------------------------------- (5) the page and its JSON twin


def test_the_page_and_its_json_are_the_command_s_report(demo_url):
    from urllib.parse import quote

    from tests.web import DEMO_PASSWORD, client

    cli = ok_json("report", "chb", DEXTER, "--as", "insp.bolsover", "--db", demo_url, env={"SARA_PASSWORD": DEMO_PASSWORD})
    c = client(demo_url, "insp.bolsover")
    assert c.get(f"/api/reports/chb?operation={quote(DEXTER)}").json() == cli
    form = c.get("/reports/chb")
    assert form.status_code == 200 and f'<option value="{DEXTER}">' in form.text and "Rank the areas" in form.text
    page = c.get(f"/reports/chb?operation={quote(DEXTER)}")
    assert page.status_code == 200
    assert "Bolsover 004A" in page.text and "Rank by period (1 = most harmful)" in page.text and 'src="data:image/svg+xml;base64,' in page.text
    for suffix, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("html", b"<!DOCTYPE html>")):
        r = c.get(f"/reports/chb.{suffix}?operation={quote(DEXTER)}")
        assert r.status_code == 200 and r.content.startswith(magic), suffix
        assert 'filename="chb-op-dexter-synthetic-replay-2025-01.' in r.headers["content-disposition"]
    # refusals: a baseline without data on its field; an operation nobody has is not found
    bad = c.get(f"/reports/chb?operation={quote(DEXTER)}&baseline=2024-01")
    assert bad.status_code == 422 and 'id="baseline-error"' in bad.text and "has no data for January 2024" in bad.text
    api = c.get(f"/api/reports/chb?operation={quote(DEXTER)}&baseline=2024-01")
    assert api.status_code == 422 and api.json()["field"] == "baseline"
    assert c.get("/api/reports/chb").status_code == 422
    missing = c.get("/api/reports/chb?operation=Op%20Nowhere")
    assert missing.status_code == 404 and "Op Nowhere" in missing.text
    assert c.get("/reports/chb?operation=Op%20Nowhere").status_code == 404


def test_a_lead_walks_the_chb_ranking(demo_url, page):
    from tests import browser as served
    from tests.web import browser_sign_in, walk

    with served.serve(demo_url) as base:
        browser_sign_in(page, base, "insp.bolsover", next_page="/reports")
        page.click("a:has-text('Clear, Hold, Build ranking')")
        page.select_option("#operation", DEXTER)
        page.click("#make")
        page.wait_for_selector("text=Change against the baseline")
        assert "operation=Op+Dexter" in page.url
        walk(page, "reports-chb")
        assert not page.errors
