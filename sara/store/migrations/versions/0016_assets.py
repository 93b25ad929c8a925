"""assets: the organisations and services working in an area: what each provides, to whom, where, when, contact and funding; gaps beside open problems

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
