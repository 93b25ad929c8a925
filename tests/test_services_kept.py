"""Results kept in memory only while the data they came from is unchanged."""

from __future__ import annotations

from sara.intake.load import load_police_uk
from sara.services import Context
from sara.services.kept import kept
from sara.store.engine import connect
from tests.conftest import FIXTURES


def test_a_kept_result_is_reused_until_anything_is_loaded_by_any_worker(sqlite_url):
    calls = []

    def count():
        calls.append(1)
        return len(calls)

    ctx = Context(connect(sqlite_url))
    assert kept(ctx, "k", count) == 1 and kept(ctx, "k", count) == 1  # the same data: computed once
    other_worker = connect(sqlite_url)  # another process's engine, the same database
    load_police_uk(other_worker, [str(FIXTURES / "2025-01-derbyshire-street.csv")])
    assert kept(ctx, "k", count) == 2  # the data changed: computed again
    assert kept(ctx, "another key", count) == 3


def test_the_stamp_changes_when_loaded_events_are_placed_in_areas(db_url):
    from sqlalchemy import update

    from sara.services.kept import stamp
    from sara.store.schema import Event

    engine = connect(db_url)
    load_police_uk(engine, [str(FIXTURES / "2025-01-derbyshire-street.csv")])
    with engine.begin() as conn:
        conn.execute(update(Event).values(assigned=False))  # as a load leaves them before it places them
    before = stamp(Context(engine))
    with engine.begin() as conn:
        conn.execute(update(Event).values(assigned=True))
    assert stamp(Context(engine)) != before  # a result kept before the events were placed is not served after


def test_requests_asking_at_once_compute_once_and_a_refusal_is_kept_too(sqlite_url):
    import threading
    import time

    import pytest

    from sara.errors import Invalid

    ctx = Context(connect(sqlite_url))
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return "scan"

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(kept(ctx, "at once", slow))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == ["scan"] * 5 and len(calls) == 1

    def refused():
        calls.append(1)
        raise Invalid("too few events for a cube", field="area")

    for _ in range(2):
        with pytest.raises(Invalid, match="too few events"):
            kept(ctx, "refused", refused)
    assert len(calls) == 2  # the same data gives the same refusal: asked once


def test_the_loaded_areas_are_read_once_and_again_when_an_area_is_loaded(db_url, tmp_path):
    import json

    from sara.intake.areas import load_areas
    from sara.services.places import Places

    def ward(code: str, name: str, x: float) -> dict:
        square = [[x, 53.2], [x + 0.01, 53.2], [x + 0.01, 53.21], [x, 53.21], [x, 53.2]]
        return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": {"type": "Polygon", "coordinates": [square]}}

    engine = connect(db_url)
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [ward("E05000001", "Old Town", -1.3)]}))
    load_areas(engine, [str(path)], "ward", code_field="code", name_field="name")
    ctx = Context(engine)
    first = Places(ctx).kind("ward")
    assert first[1] == ["Old Town"] and Places(ctx).kind("ward") is first  # another job: the same areas, not read again
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [ward("E05000001", "Old Town", -1.3), ward("E05000002", "New Town", -1.2)]}))
    load_areas(engine, [str(path)], "ward", code_field="code", name_field="name")
    assert Places(ctx).kind("ward")[1] == ["Old Town", "New Town"]


def test_a_scan_is_encoded_once_however_often_its_json_is_asked_for():
    import polars as pl

    from sara.scan.result import ScanResult
    from sara.services.scan import Scan

    scan, calls = Scan(ScanResult(pl.DataFrame({"n": [1, 2]}))), []

    def encode() -> bytes:
        calls.append(1)
        return b'{"rows":[]}'

    assert scan.encoded("json", encode) == scan.encoded("json", encode) == b'{"rows":[]}' and len(calls) == 1
    scan.encoded(("geojson", True), encode)
    assert len(calls) == 2  # each encoding of its own
