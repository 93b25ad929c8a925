"""concerns: concerns reported by the public at /report-a-concern, the moderation queue, and the partner-report events they become

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'concern',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=30), nullable=False),
        sa.Column('receipt', sa.String(length=20), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('category', sa.String(length=40), nullable=False),
        sa.Column('where_text', sa.Text(), nullable=True),
        sa.Column('placed_by', sa.String(length=10), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lsoa_code', sa.String(length=60), nullable=True),
        sa.Column('ward_code', sa.String(length=60), nullable=True),
        sa.Column('district_code', sa.String(length=60), nullable=True),
        sa.Column('occurred_on', sa.Date(), nullable=True),
        sa.Column('when_text', sa.String(length=200), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('contact_name', sa.String(length=200), nullable=True),
        sa.Column('contact_phone', sa.String(length=40), nullable=True),
        sa.Column('contact_email', sa.String(length=200), nullable=True),
        sa.Column('contact_consent', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_org', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('problem_id', sa.Integer(), nullable=True),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['decided_org'], ['organisation.id']),
        sa.ForeignKeyConstraint(['problem_id'], ['problem.id']),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
        sa.UniqueConstraint('receipt'),
    )
    op.create_index('ix_concern_received_at', 'concern', ['received_at'])
    op.create_index('ix_concern_ward_code', 'concern', ['ward_code'])
    op.create_index('ix_concern_district_code', 'concern', ['district_code'])
    op.create_index('ix_concern_status', 'concern', ['status'])
    op.create_table(
        'concern_owner',
        sa.Column('concern_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['concern_id'], ['concern.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('concern_id', 'organisation_id'),
    )
    op.create_index('ix_concern_owner_organisation_id', 'concern_owner', ['organisation_id'])


def downgrade() -> None:
    op.drop_table('concern_owner')
    op.drop_table('concern')
