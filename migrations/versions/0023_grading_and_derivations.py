"""documents.source_type and the Admiralty grading; derivations between documents; fingerprints

Who speaks in a document apart from what it is about, how reliable its source is and how
credible its information (A–F, 1–6, with a note kept like the title: original sealed in
fields_original, public text derived by redaction), and which documents are translations,
summaries, reprints or quotations of which, so that corroboration counts sources, not copies;
and each document's MinHash signature with its hashed bands, to propose near-duplicates.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_SOURCE_TYPES = ("", "first_hand", "second_hand", "official", "commentary")
_SOURCE_GRADES = ("", "A", "B", "C", "D", "E", "F")
_INFORMATION_GRADES = ("", "1", "2", "3", "4", "5", "6")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("source_type", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("grade_source", sa.String(1), nullable=False, server_default=""))
        batch.add_column(sa.Column("grade_information", sa.String(1), nullable=False, server_default=""))
        batch.add_column(sa.Column("grade_note", sa.Text(), nullable=False, server_default=""))
        batch.create_check_constraint("source_type", _in("source_type", _SOURCE_TYPES))
        batch.create_check_constraint("grade_source", _in("grade_source", _SOURCE_GRADES))
        batch.create_check_constraint("grade_information", _in("grade_information", _INFORMATION_GRADES))
    op.create_table(
        "derivations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("relation", sa.String(12), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("asserted_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("asserted_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("document_id", "from_document_id", name="uq_derivations_pair"),
        sa.CheckConstraint(
            _in("relation", ("translation", "summary", "reprint", "quotation")), name=op.f("ck_derivations_relation")
        ),
        sa.CheckConstraint(_in("state", ("confirmed", "proposed", "rejected")), name=op.f("ck_derivations_state")),
        sa.CheckConstraint("document_id <> from_document_id", name=op.f("ck_derivations_not_itself")),
    )
    op.create_index(op.f("ix_derivations_document_id"), "derivations", ["document_id"])
    op.create_index(op.f("ix_derivations_from_document_id"), "derivations", ["from_document_id"])
    op.create_table(
        "document_fingerprints",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "fingerprint_bands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_fingerprint_bands_case_band", "fingerprint_bands", ["case_id", "band"])
    op.create_index(op.f("ix_fingerprint_bands_document_id"), "fingerprint_bands", ["document_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fingerprint_bands_document_id"), table_name="fingerprint_bands")
    op.drop_index("ix_fingerprint_bands_case_band", table_name="fingerprint_bands")
    op.drop_table("fingerprint_bands")
    op.drop_table("document_fingerprints")
    op.drop_index(op.f("ix_derivations_from_document_id"), table_name="derivations")
    op.drop_index(op.f("ix_derivations_document_id"), table_name="derivations")
    op.drop_table("derivations")
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint("grade_information", type_="check")
        batch.drop_constraint("grade_source", type_="check")
        batch.drop_constraint("source_type", type_="check")
        batch.drop_column("grade_note")
        batch.drop_column("grade_information")
        batch.drop_column("grade_source")
        batch.drop_column("source_type")
