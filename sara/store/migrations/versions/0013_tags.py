"""electronic monitoring: wearers, their monitoring periods and GPS trail points

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'wearer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('monitoring_from', sa.DateTime(), nullable=True),
        sa.Column('monitoring_to', sa.DateTime(), nullable=True),
        sa.Column('criteria', sa.Text(), nullable=True),
        sa.Column('crs', sa.String(length=40), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'reference', name='uq_wearer_reference'),
    )
    op.create_index('ix_wearer_organisation_id', 'wearer', ['organisation_id'])
    op.create_table(
        'trail_point',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('wearer_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('x', sa.Float(), nullable=False),
        sa.Column('y', sa.Float(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.Column('accuracy', sa.Float(), nullable=True),
        sa.Column('load_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_trail_point_at', 'trail_point', ['at'])
    op.create_index('ix_trail_point_wearer_at', 'trail_point', ['wearer_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_trail_point_wearer_at', table_name='trail_point')
    op.drop_index('ix_trail_point_at', table_name='trail_point')
    op.drop_table('trail_point')
    op.drop_index('ix_wearer_organisation_id', table_name='wearer')
    op.drop_table('wearer')
