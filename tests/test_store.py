"""The migrations create exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sara.store.engine import head_revision, init, newest_revision
from sara.store.schema import Base


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_init_is_idempotent_and_reports_the_revision(db_url):
    again = init(db_url)
    assert again["from_revision"] == again["revision"] == head_revision() == newest_revision()
