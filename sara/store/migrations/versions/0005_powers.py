"""powers: interventions, their steps and breaches

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intervention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('power', sa.String(length=40), nullable=False),
    sa.Column('rule_version', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('subject_ref', sa.String(length=100), nullable=False),
    sa.Column('subject_dob', sa.Date(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=False),
    sa.Column('problem_ref', sa.String(length=100), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('example_rules', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['owner_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_owner_user_id'), ['owner_user_id'], unique=False)

    op.create_table('intervention_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intervention_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_rank', sa.String(length=40), nullable=True),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('amount_gbp', sa.Integer(), nullable=True),
    sa.Column('due', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['intervention_id'], ['intervention.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('intervention_id', 'seq', name='uq_intervention_step_seq')
    )
    op.create_table('intervention_breach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('intervention_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('reported_by', sa.Integer(), nullable=True),
    sa.Column('response', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('court_reference', sa.String(length=100), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['intervention_id'], ['intervention.id'], ),
    sa.ForeignKeyConstraint(['reported_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('intervention_breach', schema=None) as batch_op:
        batch_op.create_index('ix_intervention_breach_intervention', ['intervention_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('intervention_breach', schema=None) as batch_op:
        batch_op.drop_index('ix_intervention_breach_intervention')
    op.drop_table('intervention_breach')
    op.drop_table('intervention_step')
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_organisation_id'))
    op.drop_table('intervention')
