"""media: a recording's duration, and whether its public copy has the voice disguised

Voice notes and video clips (archive/media/av.py) are kept with their length in seconds; a
custodian may ask for the voice in the public copy to be disguised, the original sealed.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seconds", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("voice_disguised", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("voice_disguised")
        batch_op.drop_column("seconds")
