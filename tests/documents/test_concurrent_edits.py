"""Two custodians editing one document: the second save of a revision is refused, not lost.

The edit advances the revision with a compare-and-set UPDATE, which takes the row's lock on
PostgreSQL and the write lock on SQLite: of several editors saving the same revision at the
same moment, exactly one wins and every other gets EditConflict with nothing written.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from archive.config import document_kinds
from archive.documents.edit import update_document
from archive.documents.submission import validate_document
from archive.errors import EditConflict
from archive.services import get_db
from archive.storage.models import AuditEntry, Document, User

EDITORS = 6


def _submission(app, title: str):
    fields = {
        "case": "test-case",
        "kind": "testimony",
        "title": title,
        "language": "en",
        "consent": "public",
        "status": "draft",
        "redaction": "reviewed",
        "grading": {"source": "B", "information": "2"},
        "body": "The account.\n",
    }
    return validate_document(fields, document_kinds(app.config), "test")


def _edits(app, doc_id: int) -> int:
    with app.app_context(), get_db(app).session() as s:
        query = select(func.count()).where(AuditEntry.action == "document.edit", AuditEntry.object_id == doc_id)
        return s.scalar(query)


def test_a_save_over_a_newer_revision_is_refused_and_changes_nothing(app, make_document, make_user):
    doc_id = make_document(title="First words", status="draft")  # an edit applied at once
    name = make_user("custodian", "custodian-a")
    with app.app_context(), get_db(app).session() as first, get_db(app).session() as second:
        actor = first.scalars(select(User).where(User.username == name)).one()
        mine, theirs = first.get(Document, doc_id), second.get(Document, doc_id)
        assert mine.revision == theirs.revision == 1
        update_document(first, mine, _submission(app, "Saved first"), actor, "web")
        stale = second.get(User, actor.id)
        try:
            update_document(second, theirs, _submission(app, "Saved second"), stale, "web")
        except EditConflict as exc:
            assert exc.field == "revision" and "revision 2" in exc.message
        else:
            raise AssertionError("the second save of revision 1 was accepted")
    with app.app_context(), get_db(app).session() as s:
        document = s.get(Document, doc_id)
        assert (document.title, document.revision) == ("Saved first", 2)
    assert _edits(app, doc_id) == 1


def test_of_editors_saving_one_revision_at_once_exactly_one_wins(app, make_document, make_user):
    doc_id = make_document(title="Before the race", status="draft")
    name = make_user("custodian", "custodian-racer")
    barrier = threading.Barrier(EDITORS)
    outcomes: list[str] = []

    def edit(n: int) -> None:
        with app.app_context(), get_db(app).session() as s:
            actor = s.scalars(select(User).where(User.username == name)).one()
            document = s.get(Document, doc_id)
            assert document.revision == 1
            barrier.wait()
            try:
                update_document(s, document, _submission(app, f"Editor {n}"), actor, "web", 1)
                outcomes.append(f"saved {n}")
            except EditConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(outcomes) == EDITORS and len(saved) == 1, outcomes
    with app.app_context(), get_db(app).session() as s:
        document = s.get(Document, doc_id)
        assert document.revision == 2
        assert document.title == f"Editor {saved[0].split()[1]}"
    assert _edits(app, doc_id) == 1
