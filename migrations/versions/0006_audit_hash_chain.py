"""audit log: a hash chain (each entry carries the hash of the one before)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:00:00
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_audit_log_entry_hash'), ['entry_hash'], unique=False)
    # chain the entries already there, in id order, exactly as archive.storage.audit does
    bind = op.get_bind()
    log = sa.table('audit_log', sa.column('id'), sa.column('at', sa.DateTime()),
                   sa.column('actor_id'), sa.column('via'), sa.column('action'),
                   sa.column('object_type'), sa.column('object_id'),
                   sa.column('detail', sa.JSON()), sa.column('prev_hash'),
                   sa.column('entry_hash'))
    previous = GENESIS
    for row in bind.execute(sa.select(log).order_by(log.c.id)).mappings().all():
        fields = {"id": row["id"], "at": row["at"].isoformat(timespec="microseconds"),
                  "actor_id": row["actor_id"], "via": row["via"], "action": row["action"],
                  "object_type": row["object_type"], "object_id": row["object_id"],
                  "detail": row["detail"] or {}, "prev_hash": previous}
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        bind.execute(log.update().where(log.c.id == row["id"])
                     .values(prev_hash=previous, entry_hash=digest))
        previous = digest


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_entry_hash'))
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
