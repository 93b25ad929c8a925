"""operations, Clear-Hold-Build sites, patrols and arrests

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'operation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('problem_ref', sa.String(length=40), nullable=True),
        sa.Column('area_code', sa.String(length=60), nullable=True),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('ix_operation_organisation_id', 'operation', ['organisation_id'], unique=False)

    op.create_table(
        'operation_site',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('area_code', sa.String(length=60), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('radius_m', sa.Float(), nullable=True),
        sa.Column('phase', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['operation_id'], ['operation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('operation_id', 'name', name='uq_operation_site_name'),
    )

    op.create_table(
        'site_phase',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('from_phase', sa.String(length=20), nullable=True),
        sa.Column('phase', sa.String(length=20), nullable=False),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['site_id'], ['operation_site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_site_phase_site_id', 'site_phase', ['site_id'], unique=False)

    op.create_table(
        'patrol',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('start_at', sa.DateTime(), nullable=False),
        sa.Column('end_at', sa.DateTime(), nullable=False),
        sa.Column('officers', sa.Text(), nullable=False),
        sa.Column('officer_count', sa.Integer(), nullable=False),
        sa.Column('activity', sa.Text(), nullable=False),
        sa.Column('stop_searches', sa.Integer(), nullable=False),
        sa.Column('intelligence_submissions', sa.Integer(), nullable=False),
        sa.Column('engagements', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['operation_id'], ['operation.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['site_id'], ['operation_site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_patrol_operation_id', 'patrol', ['operation_id'], unique=False)
    op.create_index('ix_patrol_site_start', 'patrol', ['site_id', 'start_at'], unique=False)

    op.create_table(
        'patrol_arrest',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patrol_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=True),
        sa.Column('outcome_code', sa.String(length=40), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrol.id']),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_patrol_arrest_patrol_id', 'patrol_arrest', ['patrol_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_patrol_arrest_patrol_id', table_name='patrol_arrest')
    op.drop_table('patrol_arrest')
    op.drop_index('ix_patrol_site_start', table_name='patrol')
    op.drop_index('ix_patrol_operation_id', table_name='patrol')
    op.drop_table('patrol')
    op.drop_index('ix_site_phase_site_id', table_name='site_phase')
    op.drop_table('site_phase')
    op.drop_table('operation_site')
    op.drop_index('ix_operation_organisation_id', table_name='operation')
    op.drop_table('operation')
