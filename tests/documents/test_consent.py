"""Consent as a record, withdrawal, legal holds, retention and deletion (documents/consent.py,
documents/disposal.py): a record narrows the audience at once and caps every later widening;
withdrawal takes the document out of every reader's view and out of the index; deletion under
a legal hold is refused with nothing changed; deletion destroys rows, files and the document's
own key, so that a copy of its sealed original no longer opens."""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from sqlalchemy import func, select

from archive.auth.permissions import can
from archive.briefs.compose import add_quote, create_brief
from archive.documents.consent import ConsentGiven, record_consent, widest_allowed, withdraw
from archive.documents.disposal import (
    delete_document,
    due_for_review,
    place_hold,
    release_hold,
    set_review_after,
)
from archive.documents.edit import update_document
from archive.documents.media import MediaStore, Upload, add_media, move_originals_to_document_keys
from archive.documents.submission import validate_document
from archive.errors import NotFound, NotPermitted, ValidationError
from archive.evidence.export import export_evidence
from archive.evidence.verify import verify_evidence
from archive.services import get_db
from archive.storage import document_keys
from archive.storage.anchors import public_key_hex
from archive.storage.models import (
    AuditEntry,
    BriefItem,
    ConsentRecord,
    Document,
    DocumentKey,
    DocumentRevision,
    LegalHold,
    MediaFile,
    Removal,
)
from archive.storage.sealed_rows import move_to_document_keys, seal_plain
from archive.storage.sealing import Sealer, key_id_of
from archive.storage.vault import Vault, new_key, parse_key
from tests import databases

pytestmark = pytest.mark.storage

CANARY = "vellichorq"  # a word of the public text, gone from the database file once deleted


def _given(*uses: str, **changes) -> ConsentGiven:
    fields = {"given_by": "Zarema, the witness", "given_on": date(2017, 5, 2), "uses": uses}
    fields |= {"obtained_by": "field worker B", "conditions": "no photographs", "evidence": "form 17, safe B"}
    return ConsentGiven(**{**fields, **changes})


@pytest.fixture
def vaulted(app):
    """An archive with a vault key, as `archive init` makes one: values and originals sealed."""
    key = new_key()
    app.config["VAULT_KEY"] = key
    app.extensions["archive.media"] = MediaStore.from_config(app.config)
    database = get_db(app)
    database.sealer = Sealer(parse_key(key))
    yield app.extensions["archive.media"]
    database.sealer = Sealer(None)


def _audit(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _edit(session, kinds, make_fields, document, actor, **changes):
    submission = validate_document(make_fields(**changes), kinds, "edit")
    return update_document(session, document, submission, actor, "web")


def test_a_consent_record_narrows_the_audience_at_once_and_caps_every_widening(
    session, store, custodian, kinds, make_fields
):
    document = store()
    assert document.consent == "public" and widest_allowed(document) == "public"  # none recorded
    record = record_consent(session, document, _given("research"), custodian, "web")
    assert document.consent == "researchers" and widest_allowed(document) == "researchers"
    assert record.uses == ["research"] and record.recorded_by_id == custodian.id
    (entry,) = _audit(session, "consent.record")
    assert entry.detail["uses"] == ["research"] and entry.detail["consent"] == {"from": "public", "to": "researchers"}
    assert "Zarema" not in str(entry.detail) and "safe B" not in str(entry.detail)  # ids, never text
    before = session.scalar(select(func.count()).select_from(DocumentRevision))
    with pytest.raises(ValidationError, match="allows researchers at the widest") as refused:
        _edit(session, kinds, make_fields, document, custodian, title="Widened", consent="public")
    assert refused.value.field == "consent"
    session.expire_all()
    assert document.consent == "researchers" and document.title == "A testimony"
    assert session.scalar(select(func.count()).select_from(DocumentRevision)) == before
    record_consent(session, document, _given("publication", "research", "media"), custodian, "web")
    _edit(session, kinds, make_fields, document, custodian, consent="public")  # allowed again
    assert session.get(Document, document.id).consent == "public"
    assert [r.id for r in document.consent_records][-1] != record.id  # the newest is in force


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"given_by": "  "}, "given_by"),
        ({"obtained_by": ""}, "obtained_by"),
        ({"uses": ("publication", "broadcast")}, "uses"),
        ({"given_on": date.today() + timedelta(days=2)}, "given_on"),
        ({"conditions": "x" * 4001}, "conditions"),
    ],
)
def test_a_consent_that_cannot_be_kept_is_refused_by_field(session, store, custodian, changes, field):
    document = store()
    with pytest.raises(ValidationError) as refused:
        record_consent(session, document, _given("publication", **changes), custodian, "web")
    assert refused.value.field == field
    assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 0


def test_files_are_shown_to_readers_only_when_consent_covers_media(session, store, custodian, make_user, vaulted):
    document = store()
    picture = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(picture, "PNG")
    add_media(session, document, [Upload(picture.getvalue())], vaulted, custodian, "web")
    record_consent(session, document, _given("publication", "research"), custodian, "web")
    assert document.consent == "public"
    assert can(None, "document:read", document) and not can(None, "media:read", document)
    assert can(custodian, "media:read", document)
    record_consent(session, document, _given("publication", "media"), custodian, "web")
    assert can(None, "media:read", document)


def test_withdrawal_takes_the_document_from_every_reader_and_blocks_widening_until_consent_returns(
    session, store, custodian, kinds, make_fields
):
    document = store()
    record_consent(session, document, _given("publication", "research"), custodian, "web")
    pending = _edit(session, kinds, make_fields, document, custodian, title="A correction waiting")
    assert pending.state == "pending"
    removal = withdraw(session, document, "consent_withdrawn", "She called on 3 May.", custodian, "web")
    session.expire_all()
    document = session.get(Document, document.id)
    assert (document.consent, document.status, document.redaction_reviewed_at) == ("custodians", "draft", None)
    assert session.get(DocumentRevision, pending.id).state == "superseded"  # no review brings it back
    assert document.consent_records[-1].withdrawn_at == removal.at
    assert (removal.kind, removal.reason, removal.audience) == ("withdrawn", "consent_withdrawn", "public")
    assert removal.note == "She called on 3 May."
    (entry,) = _audit(session, "document.withdrawn")
    assert entry.detail["audience"] == {"from": "public", "to": "custodians"} and "May" not in str(entry.detail)
    assert not can(None, "document:read", document)
    with pytest.raises(ValidationError, match="consent was withdrawn"):
        _edit(session, kinds, make_fields, document, custodian, consent="researchers", status="draft")
    record_consent(session, document, _given("research"), custodian, "web")  # consent given again
    _edit(session, kinds, make_fields, document, custodian, consent="researchers", status="draft")
    assert session.get(Document, document.id).consent == "researchers"


def test_only_custodians_withdraw_and_the_reason_is_one_of_the_list(session, store, custodian, make_actor):
    document = store()
    with pytest.raises(NotPermitted):
        withdraw(session, document, "safety", "", make_actor("researcher"), "web")
    with pytest.raises(ValidationError) as refused:
        withdraw(session, document, "because Zarema asked", "", custodian, "web")
    assert refused.value.field == "reason"
    assert session.get(Document, document.id).consent == "public"


def test_deletion_under_legal_hold_is_refused_with_nothing_changed(session, store, custodian, make_actor, vaulted):
    document = store()
    hold = place_hold(session, document, "Case 2-117/2019, order of 4 March", custodian, "web")
    rows = {t: session.scalar(select(func.count()).select_from(t)) for t in (Document, DocumentRevision, Removal)}
    with pytest.raises(ValidationError, match="under legal hold") as refused:
        delete_document(session, document, "source_request", "", vaulted, custodian, "web")
    assert refused.value.field == "legal_hold"
    session.rollback()
    assert {t: session.scalar(select(func.count()).select_from(t)) for t in rows} == rows
    with pytest.raises(NotPermitted):  # a custodian cannot lift a hold to delete
        release_hold(session, hold.id, custodian, "web")
    admin = make_actor("admin")
    release_hold(session, hold.id, admin, "web")
    with pytest.raises(ValidationError, match="released already"):
        release_hold(session, hold.id, admin, "web")
    delete_document(session, document, "source_request", "", vaulted, custodian, "web")
    assert session.get(Document, document.id) is None
    actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.index("hold.place") < actions.index("hold.release") < actions.index("document.deleted")


def test_deletion_destroys_rows_files_and_the_documents_key(app, session, store, custodian, make_actor, vaulted):
    document = store(body=f"The {CANARY} crossing was closed at night.\n")
    record_consent(session, document, _given("publication", "media"), custodian, "web")
    picture = io.BytesIO()
    Image.new("RGB", (32, 32), "green").save(picture, "JPEG")
    (media,) = add_media(session, document, [Upload(picture.getvalue())], vaulted, custodian, "web")
    own = vaulted.originals(session, document.id)
    sealed_copy = own.location(media.original_sha256).read_bytes()  # a snapshot of the vault
    assert own.get(media.original_sha256) == picture.getvalue()
    researcher = make_actor("researcher")
    brief = create_brief(session, researcher, "Notes", "", "web")
    add_quote(session, brief, researcher, document, f"The {CANARY} crossing", "web")
    doc_id, custody, blob = document.id, document.sha256, vaulted.blobs.path(media.sha256)
    assert blob.exists()
    if databases.SEARCH_BACKEND != "postgres":  # the public text is plain in the file until then
        assert any(CANARY.encode() in p.read_bytes() for p in _files(app.config["DATA_DIR"]) if "sqlite3" in p.name)
        assert any(CANARY.encode() in p.read_bytes() for p in _files(f"{app.config['DATA_DIR']}/index"))
    removal = delete_document(session, document, "source_request", "asked by phone", vaulted, custodian, "web")
    session.expire_all()
    assert session.get(Document, doc_id) is None
    for table in (DocumentRevision, MediaFile, ConsentRecord, DocumentKey, LegalHold):
        assert session.scalar(select(func.count()).select_from(table).where(table.document_id == doc_id)) == 0
    (item,) = session.scalars(select(BriefItem).where(BriefItem.kind == "quote")).all()
    assert item.document_id is None and item.text == ""  # the quote's words are gone too
    assert (removal.kind, removal.reason, removal.sha256) == ("deleted", "source_request", custody)
    assert not blob.exists() and not own.location(media.original_sha256).exists()
    # crypto-shredding: the snapshot of the sealed original opens with nothing left in the archive
    assert document_keys.raw_key(session, doc_id, create=False) is None
    stray = own.root.parent / "snapshot"
    stray.mkdir()
    (stray / own.location(media.original_sha256).name).write_bytes(sealed_copy)
    with pytest.raises(NotFound):  # not under the vault key, and the document's key is gone
        Vault(stray, parse_key(app.config["VAULT_KEY"])).get(media.original_sha256)
    if databases.SEARCH_BACKEND != "postgres":  # the SQLite file: no copy in free pages or the log
        data_dir = app.config["DATA_DIR"]
        for path in [p for p in _files(data_dir) if "sqlite3" in p.name or "/index/" in str(p)]:
            assert CANARY.encode() not in path.read_bytes(), path
    shutil.rmtree(stray)


def _files(folder):
    from pathlib import Path

    return [p for p in Path(folder).rglob("*") if p.is_file()]


def test_retention_dates_flag_documents_for_review(session, store, custodian, make_actor):
    due_one, later, held = store(slug="one"), store(slug="two", title="Two"), store(slug="three", title="Three")
    yesterday, next_year = date.today() - timedelta(days=1), date.today() + timedelta(days=365)
    set_review_after(session, due_one, yesterday, custodian, "web")
    set_review_after(session, later, next_year, custodian, "web")
    set_review_after(session, held, yesterday - timedelta(days=30), custodian, "web")
    place_hold(session, held, "litigation", custodian, "web")
    found = due_for_review(session, custodian)
    assert [(d.id, d.held) for d in found] == [(held.id, True), (due_one.id, False)]
    assert due_for_review(session, custodian, today=next_year)[-1].id == later.id
    with pytest.raises(NotPermitted):
        due_for_review(session, make_actor("researcher"))
    (entry, *_) = _audit(session, "document.retention")
    assert entry.detail["review_after"] == {"from": None, "to": yesterday.isoformat()}


def test_an_evidence_package_is_refused_without_consent_to_legal_use(session, store, custodian, tmp_path, vaulted):
    document = store()
    record_consent(session, document, _given("publication", "research"), custodian, "web")
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValidationError, match="does not cover legal proceedings") as refused:
        export_evidence(session, [document.id], tmp_path / "bag", vaulted, custodian, "web", key)
    assert refused.value.field == "consent" and not list(tmp_path.glob("bag*"))
    withdraw(session, document, "consent_withdrawn", "", custodian, "web")
    with pytest.raises(ValidationError, match="legal proceedings"):  # nor once withdrawn
        export_evidence(session, [document.id], tmp_path / "bag", vaulted, custodian, "web", key)
    record_consent(session, document, _given("legal"), custodian, "web")
    package = export_evidence(session, [document.id], tmp_path / "bag", vaulted, custodian, "web", key)
    assert package.documents == 1 and verify_evidence(package.path, package.bag_key, public_key_hex(key)).ok


def test_deleting_a_document_keeps_an_original_another_document_shares(app, session, store, custodian):
    """Originals kept under the vault key itself (a database that seals nothing has no
    document keys): the same photo attached to two documents is one sealed file, kept until
    no document uses it."""
    app.config["VAULT_KEY"] = new_key()
    media_store = MediaStore.from_config(app.config)
    picture = io.BytesIO()
    Image.new("RGB", (24, 24), "red").save(picture, "JPEG")
    first, second = store(slug="first"), store(slug="second", title="Second")
    (one,) = add_media(session, first, [Upload(picture.getvalue())], media_store, custodian, "web")
    (two,) = add_media(session, second, [Upload(picture.getvalue())], media_store, custodian, "web")
    assert one.original_sha256 == two.original_sha256 and media_store.vault.has(one.original_sha256)
    delete_document(session, first, "error", "", media_store, custodian, "web")
    assert media_store.original(session, session.get(MediaFile, two.id)) == picture.getvalue()
    delete_document(session, session.get(Document, second.id), "error", "", media_store, custodian, "web")
    assert not media_store.vault.has(one.original_sha256)


def test_values_and_originals_kept_before_document_keys_move_under_them(app, session, store, custodian):
    """An archive whose revisions and originals were sealed before documents had keys: `archive
    init` seals them again under each document's key, so that deleting the document shreds
    them too, and removes the old sealed files."""
    key = new_key()
    app.config["VAULT_KEY"] = key
    media_store = MediaStore.from_config(app.config)  # originals kept, the database sealing nothing yet
    picture = io.BytesIO()
    Image.new("RGB", (20, 20), "purple").save(picture, "JPEG")
    document = store()
    (media,) = add_media(session, document, [Upload(picture.getvalue())], media_store, custodian, "web")
    assert media_store.vault.has(media.original_sha256)  # under the vault key itself
    database = get_db(app)
    database.sealer = Sealer(parse_key(key))
    try:
        seal_plain(session, database.sealer)
        moved = move_to_document_keys(session, database.sealer)
        session.commit()
        assert moved >= 2  # revision 1's received bytes and content
        assert move_originals_to_document_keys(session, media_store) == 1
        assert not media_store.vault.has(media.original_sha256)  # the old sealed file is gone
        own = media_store.originals(session, document.id, create=False)
        assert own.get(media.original_sha256) == picture.getvalue()
        for revision in session.scalars(select(DocumentRevision)):
            assert key_id_of(revision.content) != database.sealer.key_id  # under the document's key
        assert move_to_document_keys(session, database.sealer) == 0  # once is enough
        assert move_originals_to_document_keys(session, media_store) == 0
        delete_document(session, session.get(Document, document.id), "error", "", media_store, custodian, "web")
        assert not own.location(media.original_sha256).exists()
    finally:
        database.sealer = Sealer(None)
