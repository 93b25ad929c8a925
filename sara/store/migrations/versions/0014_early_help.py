"""the daily early-intervention search: searches, young people found, referrals

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'early_help_search',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('run_at', sa.DateTime(), nullable=False),
        sa.Column('run_by', sa.Integer(), nullable=False),
        sa.Column('young_people', sa.Integer(), nullable=False),
        sa.Column('first_time', sa.Integer(), nullable=False),
        sa.Column('repeat', sa.Integer(), nullable=False),
        sa.Column('links', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['run_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_early_help_search_since'), 'early_help_search', ['since'], unique=False)
    op.create_table(
        'early_help_finding',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('search_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.ForeignKeyConstraint(['reviewed_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['search_id'], ['early_help_search.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id', 'event_id', name='uq_early_help_finding'),
    )
    op.create_index(op.f('ix_early_help_finding_person_id'), 'early_help_finding', ['person_id'], unique=False)
    op.create_index(op.f('ix_early_help_finding_search_id'), 'early_help_finding', ['search_id'], unique=False)
    op.create_table(
        'early_help_referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('to_team', sa.String(length=40), nullable=False),
        sa.Column('route', sa.String(length=20), nullable=False),
        sa.Column('referred_on', sa.Date(), nullable=False),
        sa.Column('meeting', sa.Text(), nullable=True),
        sa.Column('meeting_on', sa.Date(), nullable=True),
        sa.Column('issues', sa.Text(), nullable=True),
        sa.Column('actions', sa.Text(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index(op.f('ix_early_help_referral_person_id'), 'early_help_referral', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_early_help_referral_person_id'), table_name='early_help_referral')
    op.drop_table('early_help_referral')
    op.drop_index(op.f('ix_early_help_finding_search_id'), table_name='early_help_finding')
    op.drop_index(op.f('ix_early_help_finding_person_id'), table_name='early_help_finding')
    op.drop_table('early_help_finding')
    op.drop_index(op.f('ix_early_help_search_since'), table_name='early_help_search')
    op.drop_table('early_help_search')
