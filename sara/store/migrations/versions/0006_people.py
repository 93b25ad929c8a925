"""people, premises, risk assessments, complaints and ASB Case Reviews

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('dob', sa.Date(), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=100), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('ward', sa.String(length=100), nullable=True),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'source_ref', name='uq_person_source_ref'),
    sa.UniqueConstraint('reference')
    )
    op.create_index('ix_person_name_key', 'person', ['organisation_id', 'name_key'], unique=False)
    op.create_index(op.f('ix_person_organisation_id'), 'person', ['organisation_id'], unique=False)
    op.create_table('premises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('address_key', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('uprn', sa.String(length=12), nullable=True),
    sa.Column('premises_type', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=100), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('ward', sa.String(length=100), nullable=True),
    sa.Column('vulnerable_occupant', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('cuckooing_concern', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'address_key', name='uq_premises_address'),
    sa.UniqueConstraint('organisation_id', 'uprn', name='uq_premises_uprn'),
    sa.UniqueConstraint('reference')
    )
    op.create_index(op.f('ix_premises_organisation_id'), 'premises', ['organisation_id'], unique=False)
    op.create_table('case_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('qualifying', sa.Integer(), nullable=False),
    sa.Column('threshold_met', sa.Boolean(), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('review_held_on', sa.Date(), nullable=True),
    sa.Column('recommendations', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    op.create_index(op.f('ix_case_review_organisation_id'), 'case_review', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_case_review_person_id'), 'case_review', ['person_id'], unique=False)
    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('made_to_org_id', sa.Integer(), nullable=False),
    sa.Column('behaviour_on', sa.Date(), nullable=False),
    sa.Column('complained_on', sa.Date(), nullable=False),
    sa.Column('incident_ref', sa.String(length=100), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('hate', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['made_to_org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_complaint_person_id'), 'complaint', ['person_id'], unique=False)
    op.create_table('person_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('linked_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['linked_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'event_id', 'role', name='uq_person_event')
    )
    op.create_index(op.f('ix_person_event_event_id'), 'person_event', ['event_id'], unique=False)
    op.create_index(op.f('ix_person_event_person_id'), 'person_event', ['person_id'], unique=False)
    op.create_table('person_partner',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id', 'organisation_id')
    )
    op.create_table('premises_event',
    sa.Column('premises_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('linked_at', sa.DateTime(), nullable=False),
    sa.Column('linked_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['linked_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], ),
    sa.PrimaryKeyConstraint('premises_id', 'event_id')
    )
    op.create_table('premises_partner',
    sa.Column('premises_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], ),
    sa.PrimaryKeyConstraint('premises_id', 'organisation_id')
    )
    op.create_table('risk_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('instrument', sa.String(length=60), nullable=False),
    sa.Column('instrument_version', sa.String(length=40), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('band', sa.String(length=20), nullable=False),
    sa.Column('next_review_due', sa.Date(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessed_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assessed_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_risk_assessment_person_id'), 'risk_assessment', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_risk_assessment_person_id'), table_name='risk_assessment')
    op.drop_table('risk_assessment')
    op.drop_table('premises_partner')
    op.drop_table('premises_event')
    op.drop_table('person_partner')
    op.drop_index(op.f('ix_person_event_person_id'), table_name='person_event')
    op.drop_index(op.f('ix_person_event_event_id'), table_name='person_event')
    op.drop_table('person_event')
    op.drop_index(op.f('ix_complaint_person_id'), table_name='complaint')
    op.drop_table('complaint')
    op.drop_index(op.f('ix_case_review_person_id'), table_name='case_review')
    op.drop_index(op.f('ix_case_review_organisation_id'), table_name='case_review')
    op.drop_table('case_review')
    op.drop_index(op.f('ix_premises_organisation_id'), table_name='premises')
    op.drop_table('premises')
    op.drop_index(op.f('ix_person_organisation_id'), table_name='person')
    op.drop_index('ix_person_name_key', table_name='person')
    op.drop_table('person')
