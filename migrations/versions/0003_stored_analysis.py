"""stored analysis: numeric answers, stored analyses, detractor alerts

Answers get a numeric column (filled from the JSON value of existing answers, in SQL), so
the analysis loads them as numbers in bulk; stored_analyses keeps computed figures; surveys
get an alert address and the outbox an alert kind tied to a response.

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Float(), nullable=True))
    # Existing answers: the number their JSON value holds (booleans, texts, lists stay NULL).
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE answers SET number = (value #>> '{}')::double precision "
                   "WHERE jsonb_typeof(value) = 'number'")
    else:
        op.execute("UPDATE answers SET number = CAST(json_extract(value, '$') AS REAL) "
                   "WHERE json_type(value) IN ('integer', 'real')")

    # Counting a survey's completed responses (the stored analysis' fingerprint) from the index alone.
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_survey_status_completed', ['survey_id', 'status', 'completed_at'],
                              unique=False)

    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_to', sa.String(length=254), nullable=True))

    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_mails_response_id'), ['response_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_mails_response_id_responses'), 'responses',
                                    ['response_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_mails_response_id_kind'), ['response_id', 'kind'])

    op.create_table('stored_analyses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=True),
    sa.Column('filters', JSON, nullable=False),
    sa.Column('options', JSON, nullable=False),
    sa.Column('fingerprint', sa.String(length=200), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('scores', sa.LargeBinary(), nullable=True),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_stored_analyses_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_stored_analyses_wave_id_waves'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_analyses')),
    sa.UniqueConstraint('survey_id', 'key', name=op.f('uq_stored_analyses_survey_id_key'))
    )
    with op.batch_alter_table('stored_analyses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_analyses_survey_id'), ['survey_id'], unique=False)


def downgrade():
    with op.batch_alter_table('stored_analyses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_analyses_survey_id'))
    op.drop_table('stored_analyses')
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_mails_response_id_kind'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_outbox_mails_response_id_responses'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_mails_response_id'))
        batch_op.drop_column('response_id')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('alert_to')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_survey_status_completed')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('number')
