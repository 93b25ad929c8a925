"""messages: messaging groups by area and interest; messages drafted from a problem or an operation, approved by a lead, exported for the force's messaging system

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'message_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('area_kind', sa.String(length=20), nullable=True),
        sa.Column('area_code', sa.String(length=60), nullable=True),
        sa.Column('snt', sa.String(length=200), nullable=True),
        sa.Column('subscribers', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'code', name='uq_message_group_code'),
    )
    op.create_index('ix_message_group_organisation_id', 'message_group', ['organisation_id'])
    op.create_table(
        'community_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('snt', sa.String(length=200), nullable=True),
        sa.Column('problem_id', sa.Integer(), nullable=True),
        sa.Column('operation_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('doing', sa.Text(), nullable=False),
        sa.Column('you_can', sa.Text(), nullable=False),
        sa.Column('written_by', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('withdrawn_by', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.Column('exported_by', sa.Integer(), nullable=True),
        sa.Column('exported_at', sa.DateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['approved_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['exported_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['operation_id'], ['operation.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['problem_id'], ['problem.id']),
        sa.ForeignKeyConstraint(['withdrawn_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['written_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_community_message_organisation_id', 'community_message', ['organisation_id'])
    op.create_table(
        'community_message_group',
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['message_group.id']),
        sa.ForeignKeyConstraint(['message_id'], ['community_message.id']),
        sa.PrimaryKeyConstraint('message_id', 'group_id'),
    )


def downgrade() -> None:
    for name in ('community_message_group', 'community_message', 'message_group'):
        op.drop_table(name)
