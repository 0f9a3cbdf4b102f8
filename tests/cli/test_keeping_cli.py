"""`archive withdraw` takes a document out of every reader's view at once, recorded as the
operating-system user; `archive retention due` lists what a custodian must look at again."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from archive.storage.models import AuditEntry, Document, Removal
from tests.conftest import CORPUS


def _published(archive, tmp_path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "---\ncase: chechnya-2017\nkind: testimony\ntitle: To withdraw\nslug: to-withdraw\nlanguage: en\n"
        "consent: public\nstatus: published\nredaction: reviewed\ngrading: {source: B, information: 2}\n"
        "---\nAn account of the night.\n"
    )
    assert archive("load-corpus", "--reviewed-by", "custodian", CORPUS).returncode == 0
    result = archive("ingest", "--reviewed-by", "custodian", doc)
    assert result.returncode == 0, result.stdout + result.stderr


def test_withdraw_from_the_command_line(initialised, archive, tmp_path, database):
    _published(archive, tmp_path)
    with database().session() as s:
        doc_id = s.scalars(select(Document.id).where(Document.slug == "to-withdraw")).one()
    refused = archive("withdraw", str(doc_id), "--reason", "because I say so")
    assert refused.returncode != 0 and "--reason" in refused.stderr
    result = archive("withdraw", str(doc_id), "--reason", "safety", "--note", "a call at night")
    assert result.returncode == 0, result.stderr
    assert f"document {doc_id} withdrawn (safety)" in result.stdout
    assert archive("withdraw", "999999", "--reason", "safety").returncode != 0
    with database().session() as s:
        document = s.get(Document, doc_id)
        assert (document.consent, document.status) == ("custodians", "draft")
        (removal,) = s.scalars(select(Removal)).all()
        assert removal.principal.startswith("system:") and removal.audience == "public"
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "document.withdrawn")).all()
        assert entry.via == "cli" and "night" not in json.dumps(entry.detail)


def test_retention_due_lists_what_has_come_and_exits_1(initialised, archive, tmp_path, database):
    _published(archive, tmp_path)
    nothing = archive("retention", "due")
    assert nothing.returncode == 0 and "no documents due" in nothing.stderr
    db = database()
    with db.session() as s:
        document = s.scalars(select(Document).where(Document.slug == "to-withdraw")).one()
        document.review_after = date.today() - timedelta(days=1)
        doc_id = document.id
        s.commit()
    due = archive("retention", "due", "--json")
    assert due.returncode == 1
    assert [json.loads(line) for line in due.stdout.splitlines()] == [
        {"id": doc_id, "review_after": (date.today() - timedelta(days=1)).isoformat(), "legal_hold": False}
    ]
