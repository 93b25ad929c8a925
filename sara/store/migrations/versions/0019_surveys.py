"""surveys: versioned questionnaires, responses by area with no personal data unless consented, results with margins of error

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'survey_questionnaire',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('example', sa.Boolean(), nullable=False),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('definition', sa.Text(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('added_by', sa.Integer(), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by'], ['app_user.id']),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'version', name='uq_survey_questionnaire_version'),
    )
    op.create_table(
        'survey_response',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('taken_on', sa.Date(), nullable=False),
        sa.Column('wave', sa.String(length=60), nullable=True),
        sa.Column('given_kind', sa.String(length=20), nullable=False),
        sa.Column('given_code', sa.String(length=60), nullable=True),
        sa.Column('lsoa_code', sa.String(length=60), nullable=True),
        sa.Column('ward_code', sa.String(length=60), nullable=True),
        sa.Column('district_code', sa.String(length=60), nullable=True),
        sa.Column('answers', sa.Text(), nullable=False),
        sa.Column('entered_by', sa.String(length=10), nullable=False),
        sa.Column('source_ref', sa.String(length=100), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['questionnaire_id'], ['survey_questionnaire.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_survey_response_questionnaire_id', 'survey_response', ['questionnaire_id'])
    op.create_index('ix_survey_response_organisation_id', 'survey_response', ['organisation_id'])
    op.create_index('ix_survey_response_lsoa_code', 'survey_response', ['lsoa_code'])
    op.create_index('ix_survey_response_ward_code', 'survey_response', ['ward_code'])
    op.create_table(
        'survey_contact',
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('contact', sa.String(length=300), nullable=False),
        sa.Column('consented_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['response_id'], ['survey_response.id']),
        sa.PrimaryKeyConstraint('response_id'),
    )


def downgrade() -> None:
    for name in ('survey_contact', 'survey_response', 'survey_questionnaire'):
        op.drop_table(name)
