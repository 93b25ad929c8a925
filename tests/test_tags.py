"""GPS tag trails against crimes (``sara tags``): synthetic trails (labelled as such) over the
real Vancouver 2020 crimes with planted hits and near misses; the matcher against the brute
force; bad input quarantined with its reason; who may compare; the CLI's JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import zoneinfo
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from sara import errors
from sara.access import audit
from sara.access.agreements import add_agreement
from sara.access.users import add_organisation, add_user, get_actor
from sara.casework import tags
from sara.intake.mapped import load_events
from sara.scan.trail_match import brute_force, match, same
from tests.cli import PASSWORD, err_json, ok_json
from tests.conftest import shared

VANCOUVER = ("timestamped", "vancouver_2020", "crimedata_csv_AllNeighbourhoods_2020.csv")
ROOT = Path(__file__).resolve().parents[1]
PACIFIC = zoneinfo.ZoneInfo("America/Vancouver")
BURGLARY = "Break and Enter Residential/Other"
MAPPING = """# Synthetic GPS tag trails (generated for the tests, not real wearers)
source = "Synthetic tag trails (test)"
projected_crs = "EPSG:32610"

[columns]
wearer = "Tag ID"
accuracy = "Accuracy (m)"

[time]
occurred = "Fix time (UTC)"

[coordinates]
x = "Easting"
y = "Northing"
crs = "EPSG:32610"
"""
HEADER = ["Tag ID", "Fix time (UTC)", "Easting", "Northing", "Accuracy (m)"]


def _write(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _crimes(category: str = BURGLARY) -> list[dict]:
    """The real Vancouver 2020 crimes of ``category`` with a place, read with the csv module."""
    with shared(*VANCOUVER).open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["TYPE"] == category and float(r["X"]) != 0]
    for r in rows:
        local = dt.datetime(int(r["YEAR"]), int(r["MONTH"]), int(r["DAY"]), int(r["HOUR"]), int(r["MINUTE"]), tzinfo=PACIFIC)
        r["utc"], r["x"], r["y"] = local.astimezone(dt.UTC).replace(tzinfo=None), float(r["X"]), float(r["Y"])
    return rows


def _fix(tag: str, at: dt.datetime, x: float, y: float, accuracy="8") -> list:
    return [tag, at.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{x:.2f}", f"{y:.2f}", accuracy]


def _people(engine):
    """Organisations and users: probation holds the trails; a police force under an agreement;
    another police force without one; a council."""
    for name, kind in (("Probation (test)", "probation"), ("Police (test)", "police"), ("Other police (test)", "police"), ("Council (test)", "council")):
        add_organisation(engine, name, kind)
    for user, org, role in (("pp.officer", "Probation (test)", "problem_owner"), ("pc.analyst", "Police (test)", "analyst"),
                            ("pc.other", "Other police (test)", "analyst"), ("council.officer", "Council (test)", "problem_owner"),
                            ("pc.public", "Police (test)", "public_viewer")):  # fmt: skip
        add_user(engine, user, org, role, PASSWORD)
    add_agreement(engine, "Electronic monitoring sharing (test)", ["Probation (test)", "Police (test)"], "acquisitive crime electronic monitoring",
                  "summary", ["suspect"], dt.date(2019, 1, 1))  # fmt: skip
    return {u: get_actor(engine, u) for u in ("pp.officer", "pc.analyst", "pc.other", "council.officer", "pc.public")}


def _planted(crimes: list[dict]) -> tuple[list[list], set[tuple[str, str]], dict]:
    """Synthetic trails: background fixes at least 150 m from every crime of the category, planted
    hits, and near misses (101 m at the crime's time; 20 m at 31 minutes past it)."""
    rng = np.random.default_rng(2020)
    tree = cKDTree(np.array([(c["x"], c["y"]) for c in crimes]))
    rows, hits = [], set()
    by_tag: dict[str, list] = {"TAG-A": [], "TAG-B": [], "TAG-C": []}
    for tag in by_tag:
        start = dt.datetime(2020, 1, 1)
        while len(by_tag[tag]) < 400:
            x, y = rng.uniform(485_000, 499_000), rng.uniform(5_450_000, 5_462_000)
            if tree.query((x, y))[0] >= 150:
                by_tag[tag].append((start + dt.timedelta(minutes=int(rng.integers(0, 366 * 1440))), x, y))
    picked = [crimes[i] for i in np.random.default_rng(7).choice(len(crimes), 6, replace=False)]
    a, b, c, d, e, f = picked
    by_tag["TAG-A"] += [(a["utc"] + dt.timedelta(minutes=10), a["x"] + 40, a["y"]), (b["utc"] - dt.timedelta(minutes=29), b["x"], b["y"] + 99)]
    by_tag["TAG-C"] += [(e["utc"], e["x"] + 3, e["y"] - 4)]
    hits |= {(a["id"], "TAG-A"), (b["id"], "TAG-A"), (e["id"], "TAG-C")}
    by_tag["TAG-B"] += [(c["utc"], c["x"] + 101, c["y"]), (d["utc"] + dt.timedelta(minutes=31), d["x"], d["y"] + 20)]
    by_tag["TAG-C"] += [(f["utc"] - dt.timedelta(minutes=31), f["x"] - 10, f["y"])]
    for tag, fixes in by_tag.items():
        rows += [_fix(tag, at, x, y) for at, x, y in sorted(fixes)]
    return rows, hits, {"hit": (a, b, e), "miss": (c, d, f)}


@pytest.fixture
def vancouver(engine, tmp_path):
    """The real Vancouver 2020 crimes and synthetic trails (labelled synthetic) with planted hits."""
    real = tmp_path / "vancouver-break-and-enter-2020.csv"
    with shared(*VANCOUVER).open(newline="") as f, real.open("w", newline="") as g:
        rows = list(csv.reader(f))
        csv.writer(g).writerows([rows[0]] + [r for r in rows[1:] if r[0].startswith("Break and Enter")])  # the real rows of both break-and-enter types
    load_events(engine, [str(real)], str(ROOT / "mappings" / "vancouver.toml"))
    crimes = _crimes()
    for i, c in enumerate(crimes):
        c["id"] = i
    actors = _people(engine)
    rows, hits, planted = _planted(crimes)
    mapping = tmp_path / "trails.toml"
    mapping.write_text(MAPPING)
    report = tags.load_trails(engine, actors["pp.officer"], [str(_write(tmp_path / "synthetic-trails.csv", rows))], str(mapping))
    assert report["inserted"] == len(rows) and report["quarantined"] == 0 and report["counts_add_up"]
    return {"crimes": crimes, "hits": hits, "planted": planted, "actors": actors, "mapping": mapping, "rows": rows}


def _key(hit: dict, crimes: list[dict]) -> tuple:
    return hit["occurred_from"][:16], round(hit["lon"], 4)


def test_the_comparison_finds_exactly_the_planted_hits(engine, vancouver):
    crimes, actors = vancouver["crimes"], vancouver["actors"]
    result = tags.compare(engine, actors["pc.analyst"], categories=[BURGLARY], date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 12, 31),
                          purpose="burglary series review (test)", zone="America/Vancouver")  # fmt: skip
    assert result["crimes_compared"] == len(crimes)  # every burglary with a place, counted with the csv module
    assert result["wearers"] == 3
    a, b, e = vancouver["planted"]["hit"]
    found = {(h["wearer"], h["occurred_from"][:16], round(h["metres"])) for h in result["hits"]}
    local = {id(c): dt.datetime(int(c["YEAR"]), int(c["MONTH"]), int(c["DAY"]), int(c["HOUR"]), int(c["MINUTE"])).isoformat()[:16] for c in (a, b, e)}
    assert found == {("TAG-A", local[id(a)], 40), ("TAG-A", local[id(b)], 99), ("TAG-C", local[id(e)], 5)}
    minutes = {h["wearer"] + h["occurred_from"][:16]: h["minutes"] for h in result["hits"]}
    assert minutes["TAG-A" + local[id(a)]] == 10 and minutes["TAG-A" + local[id(b)]] == 29 and minutes["TAG-C" + local[id(e)]] == 0
    assert all(len(h["points"]) == 1 for h in result["hits"])
    assert result["summary"] == f"{len(crimes):,} crimes compared with the trails of 3 wearers: 3 hits"
    assert tags.LEADS in result["notes"]


def test_near_misses_become_hits_when_the_distance_or_the_minutes_widen(engine, vancouver):
    pc = vancouver["actors"]["pc.analyst"]
    wide = tags.compare(engine, pc, categories=[BURGLARY], date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 12, 31), metres=102, minutes=31,
                        purpose="test", zone="America/Vancouver")  # fmt: skip
    assert len(wide["hits"]) == 6
    assert {h["wearer"] for h in wide["hits"]} == {"TAG-A", "TAG-B", "TAG-C"}


def test_every_comparison_is_audited_with_its_purpose(engine, vancouver):
    pc = vancouver["actors"]["pc.analyst"]
    before = audit.count(engine, subject_type="tag_trail", action="read")
    tags.compare(engine, pc, categories=[BURGLARY], date_from=dt.date(2020, 3, 1), date_to=dt.date(2020, 3, 31), purpose="March review (test)",
                 zone="America/Vancouver")  # fmt: skip
    assert audit.count(engine, subject_type="tag_trail", action="read", purpose="March review (test)") == 3  # one per wearer compared
    assert audit.count(engine, subject_type="tag_trail", action="read") == before + 3
    with pytest.raises(errors.Invalid, match="purpose"):
        tags.compare(engine, pc, categories=[BURGLARY], date_from=dt.date(2020, 3, 1), date_to=dt.date(2020, 3, 31), purpose=" ")


def test_who_may_compare(engine, vancouver):
    actors = vancouver["actors"]
    args = dict(categories=[BURGLARY], date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 1, 31), purpose="test")
    for who in ("council.officer", "pc.public"):
        with pytest.raises(errors.Forbidden) as refused:
            tags.compare(engine, actors[who], **args)
        assert str(refused.value) == tags.REFUSED  # says nothing of what is held
        with pytest.raises(errors.Forbidden):
            tags.list_wearers(engine, actors[who], purpose="test")
    with pytest.raises(errors.Forbidden) as refused:
        tags.compare(engine, actors["pc.other"], **args)  # a police force with no agreement and no wearers of its own
    assert str(refused.value) == tags.NO_AGREEMENT
    own = tags.compare(engine, actors["pp.officer"], **args | {"zone": "America/Vancouver"})
    assert own["wearers"] == 3
    assert [w["wearer"] for w in tags.list_wearers(engine, actors["pc.analyst"], purpose="test")] == ["TAG-A", "TAG-B", "TAG-C"]


def test_a_wearer_linked_to_a_person_is_shown_as_the_reader_may_see_them(engine, vancouver):
    from sara.casework import people

    pp, pc = vancouver["actors"]["pp.officer"], vancouver["actors"]["pc.analyst"]
    ref = people.add_person(engine, pp, "Wearer A (synthetic)", "suspect", dob=dt.date(1990, 1, 1))["id"]
    tags.add_wearer(engine, pp, "TAG-A", person=ref, criteria="acquisitive crime electronic monitoring: burglary conviction (synthetic)")
    result = tags.compare(engine, pc, categories=[BURGLARY], date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 12, 31), purpose="test",
                          zone="America/Vancouver")  # fmt: skip
    shown = {h["wearer"]: h["person"] for h in result["hits"]}
    assert shown["TAG-A"] == {"shown": "Wearer A (synthetic)", "id": ref, "scope": "summary"}  # the agreement's scope
    assert shown["TAG-C"] is None


def test_re_loading_a_trail_stores_nothing_twice(engine, vancouver, tmp_path):
    pp = vancouver["actors"]["pp.officer"]
    again = _write(tmp_path / "again.csv", vancouver["rows"])
    report = tags.load_trails(engine, pp, [str(again)], str(vancouver["mapping"]))
    assert (report["inserted"], report["unchanged"], report["quarantined"]) == (0, len(vancouver["rows"]), 0)


def test_bad_input_is_quarantined_with_its_reason_and_the_counts_add_up(engine, tmp_path):
    actors = _people(engine)
    pp = actors["pp.officer"]
    tags.add_wearer(engine, pp, "TAG-P", monitoring_from=dt.date(2025, 3, 1), monitoring_to=dt.date(2025, 3, 31), crs="EPSG:32610")
    at = dt.datetime(2025, 3, 10, 12)
    rows = [
        _fix("TAG-P", at, 491_000, 5_459_000),
        _fix("TAG-P", at + dt.timedelta(minutes=1), 491_010, 5_459_000),
        _fix("TAG-P", at - dt.timedelta(minutes=5), 491_020, 5_459_000),  # out of order
        _fix("TAG-P", at + dt.timedelta(minutes=2), 0, 0),  # a fix at (0, 0)
        _fix("TAG-P", dt.datetime(2025, 4, 2, 9), 491_030, 5_459_000),  # after the monitoring period
        _fix("TAG-Q", at, 491_040, 5_459_000, accuracy="about 10"),
        ["", "2025-03-10T12:00:00Z", "491000", "5459000", ""],
        ["TAG-Q", "10/03/2025 noon", "491000", "5459000", ""],
        _fix("TAG-NEW", at, 491_050, 5_459_050, accuracy=""),
    ]
    mapping = tmp_path / "trails.toml"
    mapping.write_text(MAPPING)
    report = tags.load_trails(engine, pp, [str(_write(tmp_path / "bad.csv", rows))], str(mapping))
    assert (report["rows_read"], report["inserted"], report["quarantined"]) == (9, 3, 6) and report["counts_add_up"]
    from sara.intake.trails import OUT_OF_ORDER, OUTSIDE, ZERO

    reasons = report["quarantined_by_reason"]
    assert reasons[OUT_OF_ORDER] == 1 and reasons[ZERO] == 1 and reasons[OUTSIDE] == 1
    assert reasons["Accuracy (m) is not a distance in metres"] == 1 and reasons["missing wearer reference (Tag ID is empty)"] == 1
    assert any(r.startswith("unparseable Fix time (UTC)") for r in reasons)
    assert report["wearers_new"] == ["TAG-NEW"]  # TAG-Q's only rows were refused: no wearer made for it
    assert report["wearers_without_person"] == ["TAG-NEW", "TAG-P"]
    from sqlalchemy import func, select

    from sara.store.schema import Quarantine

    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Quarantine).where(Quarantine.kind == "trails")).scalar_one() == 6


def test_a_trail_mapping_says_what_to_fix(tmp_path):
    from sara.intake.trails import parse_trail_mapping

    with pytest.raises(errors.Invalid, match="missing key wearer"):
        parse_trail_mapping(MAPPING.replace('wearer = "Tag ID"', ""))
    with pytest.raises(errors.Invalid, match="occurred"):
        parse_trail_mapping(MAPPING.replace('occurred = "Fix time (UTC)"', 'occurred_from = "A"\noccurred_to = "B"'))
    assert parse_trail_mapping(MAPPING).wearer == "Tag ID"


def test_a_council_user_may_not_load_trails(engine, tmp_path):
    actors = _people(engine)
    mapping = tmp_path / "trails.toml"
    mapping.write_text(MAPPING)
    with pytest.raises(errors.Forbidden) as refused:
        tags.load_trails(engine, actors["council.officer"], [str(_write(tmp_path / "t.csv", [_fix("T", dt.datetime(2025, 1, 1), 491_000, 5_459_000)]))], str(mapping))
    assert str(refused.value) == tags.REFUSED


def test_the_cli_prints_the_issue_s_shape(db_url, engine, vancouver):
    out = ok_json("tags", "compare", "--category", BURGLARY, "--from", "2020-01-01", "--to", "2020-12-31", "--distance", "100", "--minutes", "30",
                  "--zone", "America/Vancouver", "--purpose", "cli test", "--db", db_url, "--as", "pc.analyst")  # fmt: skip
    assert {"crimes_compared", "wearers", "hits"} <= set(out)
    assert out["crimes_compared"] == len(vancouver["crimes"]) and out["wearers"] == 3 and len(out["hits"]) == 3
    assert all({"event", "wearer", "metres", "minutes"} <= set(h) for h in out["hits"])
    assert err_json("tags", "compare", "--category", BURGLARY, "--from", "2020-01-01", "--to", "2020-01-31", "--purpose", "x", "--db", db_url,
                    "--as", "council.officer") == tags.REFUSED  # fmt: skip
    wearers = ok_json("tags", "wearer", "list", "--db", db_url, "--as", "pc.analyst")
    assert [w["wearer"] for w in wearers] == ["TAG-A", "TAG-B", "TAG-C"]


def test_the_cli_loads_a_trail(db_url, engine, tmp_path):
    _people(engine)
    mapping = tmp_path / "trails.toml"
    mapping.write_text(MAPPING)
    path = _write(tmp_path / "t.csv", [_fix("T1", dt.datetime(2025, 1, 1, 10), 491_000, 5_459_000), _fix("T1", dt.datetime(2025, 1, 1, 9), 491_000, 5_459_000)])
    out = ok_json("tags", "load", str(path), "--mapping", str(mapping), "--db", db_url, "--as", "pp.officer")
    assert (out["rows_read"], out["inserted"], out["quarantined"]) == (2, 1, 1)
    assert json.dumps(out["wearers_without_person"]) == '["T1"]'


# --- the matcher alone -----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 400), crimes=st.integers(0, 30), metres=st.sampled_from([0.0, 25.0, 100.0, 400.0]),
       minutes=st.sampled_from([0.0, 5.0, 30.0]), block=st.sampled_from([4, 16, 65_536]))  # fmt: skip
def test_the_matcher_equals_the_brute_force(seed, n, crimes, metres, minutes, block):
    rng = np.random.default_rng(seed)
    wearer, t = rng.integers(0, 4, n), rng.integers(0, 20_000, n)
    x, y = rng.integers(0, 40, n) * 25.0, rng.integers(0, 40, n) * 25.0  # on a grid: distances exactly at the limit
    cx, cy = rng.integers(0, 40, crimes) * 25.0, rng.integers(0, 40, crimes) * 25.0
    t0 = rng.integers(0, 20_000, crimes)
    t1 = t0 + rng.choice([0, 60, 1800, 9000], crimes)
    ours = match(cx, cy, t0, t1, wearer, t, x, y, metres=metres, minutes=minutes, block=block)
    assert same(ours, brute_force(cx, cy, t0, t1, wearer, t, x, y, metres=metres, minutes=minutes))


def test_the_matcher_reports_the_closest_point_and_the_time_gap():
    hits = match([0.0], [0.0], [1000], [1600], [7, 7, 7, 8], [400, 1000, 2500, 1300], [90.0, 60.0, 10.0, 101.0], [0.0, 0.0, 0.0, 0.0], metres=100, minutes=10)
    assert [(h.wearer, h.metres, h.minutes, list(h.points)) for h in hits] == [(7, 60.0, 0.0, [0, 1])]  # the fix at 2500 is 15 minutes late
    with pytest.raises(ValueError, match="ends before it starts"):
        match([0.0], [0.0], [10], [5], [], [], [], [])


def test_crime_times_are_read_in_their_zone():
    import polars as pl

    local = pl.Series([dt.datetime(2025, 1, 10, 12), dt.datetime(2025, 6, 1, 12), dt.datetime(2025, 3, 30, 1, 30), dt.datetime(2025, 10, 26, 1, 30)])
    utc = [dt.datetime.fromtimestamp(int(s), dt.UTC).replace(tzinfo=None) for s in tags.local_to_utc(local, "Europe/London")]
    assert utc == [dt.datetime(2025, 1, 10, 12), dt.datetime(2025, 6, 1, 11), dt.datetime(2025, 3, 30, 1, 30), dt.datetime(2025, 10, 26, 0, 30)]
