"""watch: schemes, coordinators (personal data), member counts, contacts logged with coordinators, and the coordinators not contacted within the standard

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'watch_scheme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('area_kind', sa.String(length=20), nullable=False),
        sa.Column('area_code', sa.String(length=60), nullable=False),
        sa.Column('district_code', sa.String(length=60), nullable=False),
        sa.Column('team', sa.String(length=100), nullable=True),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('members_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_watch_scheme_organisation_id', 'watch_scheme', ['organisation_id'])
    op.create_index('ix_watch_scheme_name_key', 'watch_scheme', ['name_key'])
    op.create_index('ix_watch_scheme_district_code', 'watch_scheme', ['district_code'])
    op.create_table(
        'watch_member_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['scheme_id'], ['watch_scheme.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_watch_member_count_scheme_id', 'watch_member_count', ['scheme_id'])
    op.create_table(
        'watch_coordinator',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=True),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('phone_key', sa.String(length=40), nullable=True),
        sa.Column('email_key', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_watch_coordinator_organisation_id', 'watch_coordinator', ['organisation_id'])
    op.create_index('ix_watch_coordinator_name_key', 'watch_coordinator', ['name_key'])
    op.create_table(
        'watch_role',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=False),
        sa.Column('coordinator_id', sa.Integer(), nullable=False),
        sa.Column('from_date', sa.Date(), nullable=False),
        sa.Column('to_date', sa.Date(), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['added_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['coordinator_id'], ['watch_coordinator.id']),
        sa.ForeignKeyConstraint(['scheme_id'], ['watch_scheme.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scheme_id', 'coordinator_id', name='uq_watch_role_scheme_coordinator'),
    )
    op.create_index('ix_watch_role_scheme_id', 'watch_role', ['scheme_id'])
    op.create_index('ix_watch_role_coordinator_id', 'watch_role', ['coordinator_id'])
    op.create_table(
        'watch_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordinator_id', sa.Integer(), nullable=False),
        sa.Column('scheme_id', sa.Integer(), nullable=True),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('how', sa.String(length=20), nullable=False),
        sa.Column('by_user_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['coordinator_id'], ['watch_coordinator.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['scheme_id'], ['watch_scheme.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_watch_contact_coordinator_id', 'watch_contact', ['coordinator_id'])


def downgrade() -> None:
    for name in ('watch_contact', 'watch_role', 'watch_coordinator', 'watch_member_count', 'watch_scheme'):
        op.drop_table(name)
