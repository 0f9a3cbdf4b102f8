"""The audit log is a hash chain: an edited, deleted or reordered entry is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from archive.storage import audit
from archive.storage.models import AuditEntry


@pytest.fixture
def logged(session):
    """Five entries appended as the use cases append them, one transaction each."""
    for n in range(5):
        audit.record(session, None, "cli", "test.action", "document", n, count=n)
        session.commit()
    return [e.id for e in session.query(AuditEntry).order_by(AuditEntry.id)]


def test_an_untouched_chain_holds_and_reports_its_head(session, logged):
    report = audit.verify(session)
    assert report.ok and report.checked == 5
    last = session.get(AuditEntry, logged[-1])
    assert report.head == last.entry_hash and len(report.head) == 64
    first = session.get(AuditEntry, logged[0])
    assert first.prev_hash == audit.GENESIS
    assert session.get(AuditEntry, logged[1]).prev_hash == first.entry_hash


def test_an_edited_entry_is_found(session, logged):
    session.execute(text("UPDATE audit_log SET detail = '{\"count\": 99}' WHERE id = :id"), {"id": logged[2]})
    session.commit()
    report = audit.verify(session)
    assert not report.ok and report.entry_id == logged[2] and "edited" in report.problem


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link(session, logged):
    entry = session.get(AuditEntry, logged[1])
    entry.action = "test.innocent"
    entry.entry_hash = audit.entry_hash(entry)  # a careful forger recomputes this one...
    session.commit()
    report = audit.verify(session)
    assert report.entry_id == logged[2] and "gone" in report.problem  # ...the next one tells


def test_a_deleted_entry_is_found(session, logged):
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": logged[3]})
    session.commit()
    report = audit.verify(session)
    assert report.entry_id == logged[4]
    assert report.problem == f"follows an entry that is gone: deleted after entry {logged[2]}"


def test_reordered_entries_are_found(session, logged):
    rows = {r.id: r for r in session.query(AuditEntry)}
    a, b = rows[logged[1]], rows[logged[2]]
    columns = ("at", "actor_id", "via", "action", "object_type", "object_id", "detail", "prev_hash", "entry_hash")
    values = {c: (getattr(a, c), getattr(b, c)) for c in columns}
    for c, (va, vb) in values.items():
        setattr(a, c, vb)
        setattr(b, c, va)
    session.commit()
    report = audit.verify(session)
    assert report.entry_id == logged[1]
    assert report.problem == f"out of order: it follows entry {logged[2]}, not entry {logged[0]}"


def test_the_chain_is_walked_in_batches(session, logged):
    assert audit.verify(session, batch=2).checked == 5


def test_use_cases_append_to_the_chain(app, make_document, session):
    make_document(title="One")
    make_document(title="Two")
    assert audit.verify(session).ok
    assert session.query(AuditEntry).count() >= 2


def test_an_edited_principal_is_found(session, logged):
    session.execute(text("UPDATE audit_log SET principal = 'system:someone-else' WHERE id = :id"), {"id": logged[1]})
    session.commit()
    report = audit.verify(session)
    assert report.entry_id == logged[1] and "edited" in report.problem


def test_a_principal_blanked_out_is_found(session, logged):
    session.execute(text("UPDATE audit_log SET principal = '' WHERE id = :id"), {"id": logged[3]})
    session.commit()
    assert audit.verify(session).entry_id == logged[3]


def test_entries_written_before_principals_were_recorded_still_hold(session):
    """Migration 0014 leaves old entries without a principal: their hashes never had one."""
    for n in range(3):
        entry = audit.record(session, None, "cli", "test.old", "document", n)
        entry.principal = ""
        entry.entry_hash = audit.entry_hash(entry)  # as the release before 0014 wrote it
        session.commit()
    audit.record(session, None, "cli", "test.new", "document", 9)
    session.commit()
    assert audit.verify(session).ok
