"""trust: the host organisation, one-time codes, personal API tokens, agreements accepted by
every party and ended by any, sources owned by the organisation that loaded them, and the
audit chain keyed (HMAC-SHA-256) and append-only

Revision ID: 0008
Revises: 0007
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

APPEND_ONLY = "audit entries are append-only: they cannot be changed or deleted"


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_host', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activation_hash', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('activation_expires', sa.DateTime(), nullable=True))
    with op.batch_alter_table('agreement_party', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('accepted_by', sa.Integer(), nullable=True))
    with op.batch_alter_table('sharing_agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended_by', sa.Integer(), nullable=True))
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    conn = op.get_bind()
    # The host: the organisation of the first user, who bootstrapped the database.
    conn.execute(sa.text("UPDATE organisation SET is_host = :t WHERE id = (SELECT organisation_id FROM app_user ORDER BY id LIMIT 1)"), {"t": True})
    # An agreement made before consent was asked stands accepted by its maker's party only;
    # the other parties must accept it before it is live again (issue 9). One made by the
    # operator (no maker) stands accepted by all.
    conn.execute(sa.text(
        "UPDATE agreement_party SET accepted_at = (SELECT g.created_at FROM sharing_agreement g WHERE g.id = agreement_party.agreement_id), "
        "accepted_by = (SELECT g.created_by FROM sharing_agreement g WHERE g.id = agreement_party.agreement_id) "
        "WHERE EXISTS (SELECT 1 FROM sharing_agreement g LEFT JOIN app_user u ON u.id = g.created_by "
        "WHERE g.id = agreement_party.agreement_id AND (g.created_by IS NULL OR u.organisation_id = agreement_party.organisation_id))"
    ))
    _key_the_chain(conn)
    _append_only(conn)


def _key_the_chain(conn) -> None:
    """Recompute the existing chain under the audit key (HMAC-SHA-256), after checking it was
    intact under the old unkeyed SHA-256; the operator running the upgrade holds the key."""
    from sara.access.audit import GENESIS, HASHED, _at_text, canonical, entry_hash
    from sara.store.auditkey import audit_key

    rows = [dict(r) for r in conn.execute(sa.text("SELECT * FROM audit_event ORDER BY seq")).mappings()]
    if not rows:
        return
    prev = GENESIS
    for r in rows:
        payload = {k: r[k] for k in HASHED} | {"at": _at_text(r["at"])}
        if r["prev_hash"] != prev or hashlib.sha256(canonical(payload).encode()).hexdigest() != r["hash"]:
            raise RuntimeError(f"the audit chain is broken at entry {r['seq']}: it cannot be keyed; run `sara audit verify` on the old version")
        prev = r["hash"]
    key = audit_key(conn.engine.url)
    prev = GENESIS
    for r in rows:
        r["prev_hash"] = prev
        r["hash"] = prev = entry_hash(r, key)
        conn.execute(sa.text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :s"), {"p": r["prev_hash"], "h": r["hash"], "s": r["seq"]})
    conn.execute(sa.text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": rows[-1]["seq"], "h": prev})


def _append_only(conn) -> None:
    """Triggers that refuse UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of audit entries."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        ))
        conn.execute(sa.text("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"))
        conn.execute(sa.text("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"))
    else:
        for what in ("UPDATE", "DELETE"):
            conn.execute(sa.text(f"CREATE TRIGGER audit_event_no_{what.lower()} BEFORE {what} ON audit_event BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP TRIGGER audit_event_no_change ON audit_event"))
        conn.execute(sa.text("DROP TRIGGER audit_event_no_truncate ON audit_event"))
        conn.execute(sa.text("DROP FUNCTION audit_event_append_only()"))
    else:
        conn.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        conn.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
    op.drop_table('api_token')
    for table, columns in (("source", ["organisation_id"]), ("sharing_agreement", ["ended_by", "ended_at"]), ("agreement_party", ["accepted_by", "accepted_at"]),
                           ("app_user", ["activation_expires", "activation_hash"]), ("organisation", ["is_host"])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for c in columns:
                batch_op.drop_column(c)
