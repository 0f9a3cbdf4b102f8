"""acts, act_victims, act_perpetrators, act_sources: the violations layer

What was done to people (HURIDOCS events methodology): each act with a type from a controlled
vocabulary, a date (EDTF), a place, its victims (a protected identity's pseudonym or a counted
group), its perpetrators (public entities, or a private group described without names), the
documents that support or dispute it, and the timeline event it belongs to.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_ACT_TYPES = (
    "arbitrary_detention",
    "torture",
    "killing",
    "death_in_custody",
    "enforced_disappearance",
    "threats",
    "forced_outing",
    "extortion",
    "incitement",
    "sought_help",
    "evacuation",
)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "acts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("act_type", sa.String(30), nullable=False),
        sa.Column("date_edtf", sa.String(64), nullable=False),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("timeline_entries.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "slug", name="uq_acts_case_slug"),
        sa.CheckConstraint(_in("act_type", _ACT_TYPES), name=op.f("ck_acts_act_type")),
    )
    op.create_index(op.f("ix_acts_case_id"), "acts", ["case_id"])
    op.create_index(op.f("ix_acts_act_type"), "acts", ["act_type"])
    op.create_index(op.f("ix_acts_entry_id"), "acts", ["entry_id"])
    op.create_table(
        "act_victims",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("act_id", sa.Integer(), sa.ForeignKey("acts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("identity_id", sa.Integer(), sa.ForeignKey("protected_identities.id"), nullable=True),
        sa.Column("victim_count", sa.Integer(), nullable=True),
        sa.Column("who", sa.String(300), nullable=False),
        sa.CheckConstraint(
            "(identity_id IS NOT NULL AND victim_count IS NULL) OR (identity_id IS NULL AND victim_count >= 1)",
            name=op.f("ck_act_victims_person_or_group"),
        ),
    )
    op.create_index(op.f("ix_act_victims_act_id"), "act_victims", ["act_id"])
    op.create_index(op.f("ix_act_victims_identity_id"), "act_victims", ["identity_id"])
    op.create_table(
        "act_perpetrators",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("act_id", sa.Integer(), sa.ForeignKey("acts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.CheckConstraint(
            _in("kind", ("institution", "unit", "official", "group")), name=op.f("ck_act_perpetrators_kind")
        ),
    )
    op.create_index(op.f("ix_act_perpetrators_act_id"), "act_perpetrators", ["act_id"])
    op.create_table(
        "act_sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("act_id", sa.Integer(), sa.ForeignKey("acts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("stance", sa.String(10), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.UniqueConstraint("act_id", "document_id", name="uq_act_sources_act_document"),
        sa.CheckConstraint(_in("stance", ("supports", "disputes")), name=op.f("ck_act_sources_stance")),
    )
    op.create_index(op.f("ix_act_sources_act_id"), "act_sources", ["act_id"])
    op.create_index(op.f("ix_act_sources_document_id"), "act_sources", ["document_id"])


def downgrade() -> None:
    for table, columns in (
        ("act_sources", ("document_id", "act_id")),
        ("act_perpetrators", ("act_id",)),
        ("act_victims", ("identity_id", "act_id")),
        ("acts", ("entry_id", "act_type", "case_id")),
    ):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
