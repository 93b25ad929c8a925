"""assets: the organisations and services working in an area: what each provides, to whom, where, when, contact and funding; gaps beside open problems

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'asset_service',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('provider', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('kinds', sa.Text(), nullable=False),
        sa.Column('age_groups', sa.Text(), nullable=False),
        sa.Column('communities', sa.Text(), nullable=False),
        sa.Column('needs', sa.Text(), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('areas', sa.Text(), nullable=False),
        sa.Column('opening', sa.String(length=300), nullable=True),
        sa.Column('phone', sa.String(length=40), nullable=True),
        sa.Column('email', sa.String(length=200), nullable=True),
        sa.Column('website', sa.String(length=300), nullable=True),
        sa.Column('funding', sa.String(length=300), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['updated_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
        sa.UniqueConstraint('organisation_id', 'name', name='uq_asset_service_org_name'),
    )
    op.create_index('ix_asset_service_organisation_id', 'asset_service', ['organisation_id'])


def downgrade() -> None:
    op.drop_table('asset_service')
