"""a partial index of the events not yet placed in areas: the stamp of what is loaded counts them on every page

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_unplaced', ['id'], unique=False, sqlite_where=sa.text('assigned = 0'), postgresql_where=sa.text('NOT assigned'))


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_unplaced', sqlite_where=sa.text('assigned = 0'), postgresql_where=sa.text('NOT assigned'))
