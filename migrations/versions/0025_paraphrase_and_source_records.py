"""timeline_entries.paraphrase; sources.title, sources.captured, sources.archived_sha256

What an official said, in the archive's words when no cited document carries the words
themselves (a quotation must stand verbatim in a cited document); and a source record's
original title, the day it was captured and the SHA-256 of the archived copy.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 16:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.add_column(sa.Column("paraphrase", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("title", sa.String(500), nullable=False, server_default=""))
        batch.add_column(sa.Column("captured", sa.String(64), nullable=True))
        batch.add_column(sa.Column("archived_sha256", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("archived_sha256")
        batch.drop_column("captured")
        batch.drop_column("title")
    with op.batch_alter_table("timeline_entries") as batch:
        batch.drop_column("paraphrase")
