"""media: what a picture shows (faces, text) and the custodian's decision on its public copy

Regions found or drawn on a photo or scan, the words OCR read in it (sealed: they can name
someone), why it waits where nothing was found (a tool missing, a bound met), the state of its
public copy (clear, undecided, obscured, withheld, shown), the reason given for showing faces
(sealed), who decided and when, and the public copy's files. Pictures
attached before faces were looked for wait for a custodian's decision: nothing was checked.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

PICTURES = ("jpeg", "png", "gif", "webp", "tiff", "heic", "mp4", "webm", "pdf")


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("picture_state", sa.String(12), nullable=False, server_default="clear"))
        batch.add_column(sa.Column("regions", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("words", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("picture_notes", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("picture_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("picture_decided_by_id", sa.Integer(), sa.ForeignKey("users.id", name="fk_media_picture_decided_by_id_users"), nullable=True))
        batch.add_column(sa.Column("picture_decided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("picture_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("burned_for", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("public_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("public_thumbnail_sha256", sa.String(64), nullable=True))
    media = sa.table("media", sa.column("kind", sa.String), sa.column("picture_state", sa.String))
    op.execute(media.update().where(media.c.kind.in_(PICTURES)).values(picture_state="undecided"))


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        for name in ("public_thumbnail_sha256", "public_sha256", "picture_decided_at", "picture_decided_by_id",
                     "picture_reason", "picture_notes", "words", "regions", "picture_state", "picture_version", "burned_for"):  # fmt: skip
            batch.drop_column(name)
