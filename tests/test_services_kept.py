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
