"""what a problem tells the public: its approved public summary

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'problem_publication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('said', sa.Text(), nullable=False),
        sa.Column('did', sa.Text(), nullable=False),
        sa.Column('area_kind', sa.String(length=20), nullable=False),
        sa.Column('area_code', sa.String(length=60), nullable=False),
        sa.Column('written_by', sa.Integer(), nullable=False),
        sa.Column('written_at', sa.DateTime(), nullable=False),
        sa.Column('approved_by', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(), nullable=True),
        sa.Column('withdrawn_by', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['approved_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['problem_id'], ['problem.id']),
        sa.ForeignKeyConstraint(['withdrawn_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['written_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('problem_id'),
    )


def downgrade() -> None:
    op.drop_table('problem_publication')
