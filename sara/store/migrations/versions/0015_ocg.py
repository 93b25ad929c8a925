"""organised crime groups: members, areas, scores, reviews, disruptions

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ocg_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('lead_user_id', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['lead_user_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_ocg_group_organisation_id', 'ocg_group', ['organisation_id'])
    op.create_table(
        'ocg_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=100), nullable=False),
        sa.Column('from_date', sa.Date(), nullable=False),
        sa.Column('to_date', sa.Date(), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['added_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['group_id'], ['ocg_group.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ocg_member_group_id', 'ocg_member', ['group_id'])
    op.create_index('ix_ocg_member_person_id', 'ocg_member', ['person_id'])
    op.create_table(
        'ocg_area',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('area_kind', sa.String(length=20), nullable=False),
        sa.Column('area_code', sa.String(length=60), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('added_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['added_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['group_id'], ['ocg_group.id']),
        sa.PrimaryKeyConstraint('group_id', 'area_kind', 'area_code'),
    )
    op.create_table(
        'ocg_score',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('instrument', sa.String(length=60), nullable=False),
        sa.Column('instrument_version', sa.String(length=40), nullable=False),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('totals', sa.Text(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('band', sa.String(length=20), nullable=False),
        sa.Column('scored_on', sa.Date(), nullable=False),
        sa.Column('scored_by', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['ocg_group.id']),
        sa.ForeignKeyConstraint(['scored_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ocg_score_group_id', 'ocg_score', ['group_id'])
    op.create_table(
        'ocg_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('done_by', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['done_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['group_id'], ['ocg_group.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ocg_review_group_id', 'ocg_review', ['group_id'])
    op.create_table(
        'ocg_disruption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('event_ids', sa.Text(), nullable=False),
        sa.Column('intervention_refs', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['ocg_group.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ocg_disruption_group_id', 'ocg_disruption', ['group_id'])


def downgrade() -> None:
    for name in ('ocg_disruption', 'ocg_review', 'ocg_score', 'ocg_area', 'ocg_member', 'ocg_group'):
        op.drop_table(name)
