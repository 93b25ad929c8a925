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
