"""partnership plans: themes, priorities, actions and indicators

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_plan_organisation_id', 'plan', ['organisation_id'], unique=False)

    op.create_table(
        'plan_theme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('why', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('plan_id', 'seq', name='uq_plan_theme_seq'),
    )

    op.create_table(
        'plan_priority',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['theme_id'], ['plan_theme.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('theme_id', 'seq', name='uq_plan_priority_seq'),
    )

    op.create_table(
        'plan_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('priority_id', sa.Integer(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['priority_id'], ['plan_priority.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_action_priority_id', 'plan_action', ['priority_id'], unique=False)

    op.create_table(
        'plan_action_problem',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=False),
        sa.Column('problem_ref', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['plan_action.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('action_id', 'problem_ref', name='uq_plan_action_problem'),
    )

    op.create_table(
        'plan_indicator',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=True),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('query', sa.Text(), nullable=True),
        sa.Column('area_code', sa.String(length=60), nullable=True),
        sa.Column('area_kind', sa.String(length=20), nullable=True),
        sa.Column('measure', sa.String(length=20), nullable=False),
        sa.Column('granularity', sa.String(length=10), nullable=False),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('baseline_start', sa.Date(), nullable=False),
        sa.Column('baseline_end', sa.Date(), nullable=False),
        sa.Column('baseline_value', sa.Float(), nullable=False),
        sa.Column('target_value', sa.Float(), nullable=False),
        sa.Column('target_date', sa.Date(), nullable=False),
        sa.Column('tolerance', sa.Float(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['theme_id'], ['plan_theme.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_indicator_theme_id', 'plan_indicator', ['theme_id'], unique=False)

    op.create_table(
        'indicator_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=False),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['entered_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['indicator_id'], ['plan_indicator.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('indicator_id', 'period_start', name='uq_indicator_value_period'),
    )


def downgrade() -> None:
    op.drop_table('indicator_value')
    op.drop_index('ix_plan_indicator_theme_id', table_name='plan_indicator')
    op.drop_table('plan_indicator')
    op.drop_table('plan_action_problem')
    op.drop_index('ix_plan_action_priority_id', table_name='plan_action')
    op.drop_table('plan_action')
    op.drop_table('plan_priority')
    op.drop_table('plan_theme')
    op.drop_index('ix_plan_organisation_id', table_name='plan')
    op.drop_table('plan')
