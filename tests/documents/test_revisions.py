"""Revisions: nothing a document was is overwritten. The bytes received for each revision are
sealed and hash to the custody hash recorded for them; an edit of a published document waits
for review while the reviewed revision stays public; narrowing the audience never waits; a
copy of the database holds neither the received bytes nor a revision's text in the clear."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import select, text

from archive.documents import revisions
from archive.documents.edit import update_document
from archive.documents.review import review_redaction
from archive.documents.submission import validate_document
from archive.errors import EditConflict, NotFound, NotPermitted
from archive.services import get_db
from archive.storage.models import AuditEntry, DocumentRevision
from archive.storage.sealing import Sealer, is_sealed
from tests.documents.conftest import front_matter

pytestmark = pytest.mark.storage

CANARY = "Zarema Bashirovna Khadzhieva-canary"


@pytest.fixture
def sealed(app):
    """The database's values sealed under a vault key, as in any archive `archive init` made."""
    database = get_db(app)
    database.sealer = Sealer(os.urandom(32))
    yield database.sealer
    database.sealer = Sealer(None)


@pytest.fixture
def edit(session, kinds, custodian, make_fields):
    """Return a function editing a document as a custodian with fields changed; the revision."""

    def run(document, reason: str = "", actor=None, expected=None, **changes):
        submission = validate_document(make_fields(**changes), kinds, "edit")
        return update_document(session, document, submission, actor or custodian, "web", expected, reason=reason)

    return run


def _revisions(session, document) -> list[DocumentRevision]:
    return revisions.revisions_of(session, document)


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_the_bytes_received_are_sealed_as_revision_one_and_hash_to_the_custody_hash(
    sealed, session, ingest, make_fields, fmt
):
    fields = make_fields(body=f"He spoke of {CANARY} once.\n", slug=f"r-{fmt}")
    if fmt == "markdown":
        body = fields.pop("body")
        data = front_matter(fields, body)
    else:
        import json

        data = json.dumps(fields, ensure_ascii=False).encode()
    document = ingest(data, f"x.{'md' if fmt == 'markdown' else 'json'}")
    (first,) = _revisions(session, document)
    assert (first.number, first.state, first.via) == (1, "applied", "cli")
    assert first.received_sha256 == document.sha256 == hashlib.sha256(data).hexdigest()
    assert revisions.received(session, first) == data  # exactly, byte for byte
    assert revisions.content(session, first)["body"] == f"He spoke of {CANARY} once.\n"
    assert is_sealed(first.received) and is_sealed(first.content)
    assert CANARY.encode() not in first.received + first.content


def test_an_edit_keeps_every_earlier_revision_and_the_custody_hash(sealed, session, store, edit):
    document = store(body="The first account.\n")
    custody = document.sha256
    first_bytes = revisions.received(session, _revisions(session, document)[0])
    edit(document, body="The second account.\n", reason="typo")
    edit(document, body="The third account.\n", reason="another")
    assert document.sha256 == custody
    chain = _revisions(session, document)
    assert [r.number for r in chain] == [1, 2, 3]
    assert revisions.received(session, chain[0]) == first_bytes
    assert hashlib.sha256(first_bytes).hexdigest() == custody
    assert [revisions.content(session, r)["body"] for r in chain] == [
        "The first account.\n",
        "The second account.\n",
        "The third account.\n",
    ]
    assert [r.reason for r in chain] == ["", "typo", "another"]
    for r in chain:  # each revision's received bytes hash to what it recorded
        assert hashlib.sha256(revisions.received(session, r)).hexdigest() == r.received_sha256


def test_a_published_revision_stays_on_the_row_while_a_newer_one_waits(session, store, edit, custodian):
    document = store(body="Held for eleven days.\n")
    reviewed_at = document.redaction_reviewed_at
    revision = edit(document, body="Held for twelve days.\n", reason="count corrected")
    assert revision.state == "pending"
    session.refresh(document)
    assert document.body_public == "Held for eleven days.\n"
    assert (document.status, document.redaction_reviewed_at) == ("published", reviewed_at)
    assert document.revision == 2
    # a second edit before the review replaces the first in waiting
    again = edit(document, body="Held for thirteen days.\n")
    assert [r.state for r in _revisions(session, document)] == ["applied", "superseded", "pending"]
    assert again.number == 3
    review_redaction(session, document, custodian, "web")
    session.refresh(document)
    assert document.body_public == "Held for thirteen days.\n"
    assert document.redaction_reviewed_by_id == custodian.id
    assert [r.state for r in _revisions(session, document)] == ["applied", "superseded", "applied"]
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "document")).all()
    assert actions.count("document.revision.pending") == 2
    assert "document.revision.applied" in actions


def test_an_edit_that_changes_nothing_a_review_covers_applies_at_once(session, store, edit):
    document = store()
    revision = edit(document, events="2017-03", kind="news_report")
    assert revision.state == "applied"
    session.refresh(document)
    assert (document.kind, document.events_edtf) == ("news_report", "2017-03")
    assert document.redaction_reviewed_at is not None  # the reviewed text stands


def test_withdrawing_a_document_applies_at_once(session, store, edit):
    document = store(body="Held for eleven days.\n")
    revision = edit(document, body="Held for twelve days.\n", status="draft")
    assert revision.state == "applied"
    session.refresh(document)
    assert (document.status, document.body_original) == ("draft", "Held for twelve days.\n")
    assert document.redaction_reviewed_at is None  # the new text is not public until reviewed


def test_a_narrower_audience_applies_at_once_while_the_text_waits(session, store, edit, custodian):
    document = store(body="Held for eleven days.\n")
    revision = edit(document, body="Held for twelve days.\n", consent="researchers")
    assert revision.state == "pending"
    session.refresh(document)
    assert (document.consent, document.body_public) == ("researchers", "Held for eleven days.\n")
    review_redaction(session, document, custodian, "web")
    assert (document.consent, document.body_public) == ("researchers", "Held for twelve days.\n")


def test_a_wider_audience_waits_with_the_text_for_review(session, store, edit):
    document = store(consent="researchers")
    revision = edit(document, consent="public", title="A retitled testimony")
    assert revision.state == "pending"
    session.refresh(document)
    assert (document.consent, document.title) == ("researchers", "A testimony")


def test_the_custody_log_names_what_changed_and_the_audience_change(session, store, edit):
    document = store(consent="researchers")
    edit(document, consent="custodians", title="Moved", reason="consent narrowed by the witness")
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("document.%")).order_by(AuditEntry.id.desc())
    ).first()
    assert set(entry.detail["changed"]) == {"title", "consent"}
    assert entry.detail["consent"] == {"from": "researchers", "to": "custodians"}
    assert entry.detail["revision"] == 2
    assert "Moved" not in str(entry.detail)  # names of fields, never their text


def test_a_stale_edit_is_refused_and_keeps_no_revision(session, store, edit):
    document = store()
    edit(document, expected=1, attribution="First editor.")
    with pytest.raises(EditConflict):
        edit(document, expected=1, attribution="Second editor.")
    assert len(_revisions(session, document)) == 2


def test_only_custodians_edit_or_read_the_history(session, store, edit, make_actor):
    document = store()
    researcher = make_actor("researcher")
    with pytest.raises(NotPermitted):
        edit(document, actor=researcher, title="x")
    with pytest.raises(NotPermitted):
        revisions.view_history(session, document, researcher, "web")
    with pytest.raises(NotPermitted):
        revisions.view_received(session, document, 1, researcher, "web")


def test_a_damaged_or_moved_sealed_value_is_refused(sealed, session, store, edit):
    document = store(body="The first account.\n")
    edit(document, body="The second account.\n")
    first, second = _revisions(session, document)
    damaged = bytearray(first.received)
    damaged[-1] ^= 1
    first.received = bytes(damaged)
    with pytest.raises(NotFound, match="integrity"):
        revisions.received(session, first)
    first.received = second.received  # another revision's sealed bytes, copied over
    with pytest.raises(NotFound, match="integrity"):
        revisions.received(session, first)
    session.rollback()


def test_a_value_sealed_under_another_key_says_so(sealed, app, session, store):
    document = store()
    (first,) = _revisions(session, document)
    get_db(app).sealer = Sealer(os.urandom(32))  # a backup restored beside the wrong key file
    with pytest.raises(NotFound, match="another key"):
        revisions.received(session, first)


def test_a_copy_of_the_database_shows_no_received_text_and_no_revision_text(sealed, app, session, store, edit):
    document = store(body=f"{CANARY} was held.\n", title=f"Account of {CANARY}")
    edit(document, body=f"{CANARY} was held for a week.\n")
    rows = session.execute(text("SELECT received, content FROM document_revisions")).all()  # as stored
    assert len(rows) == 2
    for received, content in rows:
        for value in (received, content):
            assert CANARY.encode() not in value
            assert CANARY.encode("utf-16-le") not in value


def test_documents_stored_before_revisions_get_their_state_as_one(session, store):
    document = store()
    session.execute(DocumentRevision.__table__.delete())
    session.commit()
    from tests.conftest import CLI

    assert revisions.adopt_unrevised(session, CLI) == 1
    session.commit()
    (only,) = _revisions(session, document)
    assert only.received is None and only.received_sha256 == document.sha256
    assert revisions.content(session, only) == revisions.row_content(document)
    assert revisions.adopt_unrevised(session, CLI) == 0


def test_the_history_lists_changes_and_the_text_differences(session, store, edit, custodian):
    document = store(body="One.\nTwo.\nThree.\n")
    edit(document, body="One.\nTwo, corrected.\nThree.\n", reason="a fix")
    lines = revisions.view_history(session, document, custodian, "web")
    assert [line.revision.number for line in lines] == [1, 2]
    assert lines[1].changed == ["body"]
    assert ("-", "Two.") in lines[1].diff and ("+", "Two, corrected.") in lines[1].diff
    assert all(line.received_kept for line in lines)
    viewed = session.scalars(select(AuditEntry.action).where(AuditEntry.action == "document.history.view")).all()
    assert viewed == ["document.history.view"]
