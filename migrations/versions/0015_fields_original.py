"""documents: every field's original kept apart from its public projection

`fields_original` holds the title, attribution, slug, tags, places and source as submitted;
the ordinary columns hold what redaction derives from them. Rows written before this revision
were never redacted outside the body, so their current values are their originals; `archive
init` derives their public projection after migrating (archive.protection.reprotect).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields_original", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("field_spans", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("field_spans")
        batch_op.drop_column("fields_original")
