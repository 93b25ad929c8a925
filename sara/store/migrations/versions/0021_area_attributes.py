"""area attributes (deprivation and the like, per area) and the offender role

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The offender role needs no change here: person_event.role is a String(20) that no
    # constraint restricts (the roles are sara.casework.people.EVENT_ROLES).
    op.create_table(
        'area_attribute',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('measure', sa.String(length=200), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('load_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['area.id']),
        sa.ForeignKeyConstraint(['load_id'], ['load.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('area_id', 'name', 'measure', name='uq_area_attribute'),
    )
    op.create_index('ix_area_attribute_area_id', 'area_attribute', ['area_id'])


def downgrade() -> None:
    op.drop_index('ix_area_attribute_area_id', table_name='area_attribute')
    op.drop_table('area_attribute')
