"""Stored documents are redacted: the public text is derived, reviewed, and re-derived.

Every reader outside the custodian role reads body_public; body_original keeps the submission.
Publishing needs a reviewed redaction; a protected identity or a custodian's decision is applied
to the stored documents by redacting them again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.documents.edit import update_document
from archive.documents.review import publish_document, review_redaction
from archive.documents.submission import validate_document
from archive.errors import IngestError, NotPermitted, ValidationError
from archive.protection.identities import protect_identity
from archive.storage.models import AuditEntry, Document, ProtectedIdentity, User
from tests.documents.conftest import PHONE, RUSSIAN_BODY

FALSE_DETECTION = "Сержант"  # a rank the name detector reads as a person
REVIEWED_BODY = "Дежурный Сержант сказал уйти. Мовсар остался у ворот.\n"
WORKPLACE = "Кафе у Зелимхана"


def audit_actions(session, object_type: str, object_id: int) -> list[str]:
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.id)
    )
    return [row.action for row in rows]


# Creating: the public text is derived from the original.


@pytest.mark.parametrize(
    ("body", "identifier", "marker"),
    [
        (RUSSIAN_BODY, PHONE, "[phone]"),
        (RUSSIAN_BODY, "Мовсар", "[person 1]"),
        ("Пишите мне на kanar.q7z@mail.ru, я отвечу.\n", "kanar.q7z@mail.ru", "[email]"),
        ("У него забрали паспорт серия 45 22 № 415433.\n", "45 22 № 415433", "[passport]"),
    ],
    ids=["phone", "unregistered-russian-name", "email", "passport"],
)
def test_public_text_replaces_identifiers_and_the_original_keeps_them(draft, body, identifier, marker):
    document = draft(body)
    assert document.body_original == body
    assert identifier not in document.body_public
    assert marker in document.body_public
    assert identifier not in document.body_html
    assert marker in document.body_html


@pytest.mark.parametrize(
    ("language", "body", "surname"),
    [
        ("ru", "В прессе писали: Movsar Dadaev was detained in Argun.\n", "Dadaev"),
        ("en", "The relatives wrote: Мовсар Дадаев был задержан в Аргуне.\n", "Дадаев"),
    ],
    ids=["latin-name-in-a-russian-document", "cyrillic-name-in-an-english-document"],
)
def test_a_name_written_in_the_other_script_is_redacted_too(draft, language, body, surname):
    """A Russian testimony quotes the English press, an English one a Russian letter."""
    document = draft(body, language=language)
    assert surname not in document.body_public
    assert "[person 1]" in document.body_public


def test_redaction_spans_give_offsets_into_the_original(draft):
    document = draft(RUSSIAN_BODY)
    spans = document.redaction_spans
    found = [(RUSSIAN_BODY[s["start"] : s["end"]], s["type"], s["replacement"]) for s in spans]
    assert found == [("Мовсар", "PERSON", "[person 1]"), (PHONE, "PHONE", "[phone]")]
    assert document.body_public == "[person 1] позвонил мне вечером с номера [phone].\n"


def test_a_new_document_is_not_reviewed_unless_the_cli_attests_it(draft, store):
    assert draft().redaction_reviewed_at is None
    assert store(redaction="reviewed", via="cli").redaction_reviewed_at is not None


# Publishing needs a review.


@pytest.mark.parametrize(
    ("via", "redaction"),
    [
        ("web", None),
        ("api", None),
        ("web", "reviewed"),  # the attestation is honoured at the command line only
        ("api", "reviewed"),
        ("cli", None),
        ("cli", "pending"),
    ],
)
def test_creating_a_published_document_without_review_is_refused_and_stores_nothing(
    store, custodian, row_counts, via, redaction
):
    before = row_counts()
    with pytest.raises(IngestError) as caught:
        store(custodian, via, status="published", redaction=redaction)
    assert caught.value.field == "status"
    assert row_counts() == before


def test_a_cli_submission_attesting_review_may_be_published(store):
    document = store(via="cli", status="published", redaction="reviewed")
    assert document.status == "published"
    assert document.redaction_reviewed_at is not None


@pytest.mark.parametrize("via", ["web", "api"])
@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_an_unreviewed_document_may_be_saved_unpublished(store, custodian, via, status):
    document = store(custodian, via, status=status, redaction=None)
    assert (document.status, document.redaction_reviewed_at) == (status, None)


# Editing: a new text needs a new review.


def _resubmit(session, kinds, make_fields, document: Document, actor: User, **changes):
    fields = make_fields(slug=document.slug, **changes)
    submission = validate_document(fields, kinds, "test")
    return update_document(session, document, submission, actor, "web")


def test_changing_the_body_of_a_published_document_waits_and_changes_nothing_public(
    session, kinds, make_fields, store, custodian
):
    document = store()
    doc_id, reviewed_at, public = document.id, document.redaction_reviewed_at, document.body_public
    revision = _resubmit(session, kinds, make_fields, document, custodian, body=RUSSIAN_BODY)
    assert revision.state == "pending"  # kept as revision 2, for a review (tests/documents/test_revisions.py)
    session.expire_all()
    stored = session.get(Document, doc_id)
    assert (stored.status, stored.revision) == ("published", 2)
    assert stored.redaction_reviewed_at == reviewed_at
    assert stored.body_public == public
    assert PHONE not in stored.body_original


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_changing_the_body_and_unpublishing_clears_the_review_and_redacts_again(
    session, kinds, make_fields, store, custodian, status
):
    document = store()
    assert document.redaction_reviewed_at is not None
    _resubmit(session, kinds, make_fields, document, custodian, body=RUSSIAN_BODY, status=status)
    session.expire_all()
    assert document.status == status
    assert document.redaction_reviewed_at is None
    assert document.body_original == RUSSIAN_BODY
    assert PHONE not in document.body_public
    assert "[phone]" in document.body_public


def test_editing_other_fields_keeps_the_review_and_the_publication(session, kinds, make_fields, store, custodian):
    document = store()
    reviewed_at = document.redaction_reviewed_at
    _resubmit(session, kinds, make_fields, document, custodian, events="2017-03", language="en-GB")
    session.expire_all()
    assert (document.events_edtf, document.language, document.status) == ("2017-03", "en-gb", "published")
    assert document.redaction_reviewed_at == reviewed_at


def test_a_new_title_of_a_published_document_waits_for_review(session, kinds, make_fields, store, custodian):
    document = store()
    revision = _resubmit(session, kinds, make_fields, document, custodian, title="A corrected title")
    session.expire_all()
    assert revision.state == "pending"
    assert (document.title, document.status) == ("A testimony", "published")


# Protected identities.


def test_protecting_an_identity_redacts_every_document_of_the_case_again(session, draft, case_row, custodian):
    russian = draft("Хамзата задержали ночью, его увезли в Грозный.\n")
    english = draft("They took Khamzat's phone at the checkpoint.\n", language="en")
    assert "Witness A" not in russian.body_public + english.body_public

    identity, changed = protect_identity(
        session, case_row, ["Хамзат Байсаров", "Khamzat"], "Witness A", custodian, "web"
    )

    assert changed == 2
    assert identity.pseudonym == "Witness A"
    session.expire_all()
    assert russian.body_public.startswith("Witness A задержали")
    assert "Witness A" in english.body_public
    for document in (russian, english):
        assert "Хамзат" not in document.body_public
        assert "Khamzat" not in document.body_public
        assert "Хамзат" not in document.body_html and "Khamzat" not in document.body_html
    assert any(s["replacement"] == "Witness A" for s in russian.redaction_spans)


def test_protecting_an_identity_leaves_other_cases_alone(session, draft, make_case, case_row, custodian):
    make_case("other-case", "Another case")
    elsewhere = draft("Хамзата задержали ночью.\n", case="other-case")
    before = elsewhere.body_public
    protect_identity(session, case_row, ["Хамзат"], "Witness A", custodian, "web")
    session.expire_all()
    assert elsewhere.body_public == before
    assert "Witness A" not in elsewhere.body_public


def test_protecting_an_identity_writes_an_audit_entry_with_ids_only(session, draft, case_row, custodian):
    draft("Хамзата задержали ночью.\n")
    identity, _ = protect_identity(session, case_row, ["Хамзат"], "Witness A", custodian, "web")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "identity.protect")).one()
    assert (entry.object_type, entry.object_id, entry.actor_id, entry.via) == (
        "case",
        case_row.id,
        custodian.id,
        "web",
    )
    assert entry.detail == {"identity_id": identity.id, "documents_changed": 1, "entries_changed": 0}
    assert "Хамзат" not in repr(entry.detail)


@pytest.mark.parametrize(
    ("names", "pseudonym", "field"),
    [
        ([], "Witness B", "names"),
        (["", "   "], "Witness B", "names"),
        (["Мовсар"], "Witness A", "pseudonym"),  # already used in this case
        (["Мовсар"], "", "pseudonym"),
        (["Мовсар"], "[person 1]", "pseudonym"),  # would pass for a marker
        (["Мовсар"], "W" * 81, "pseudonym"),
    ],
    ids=["no-names", "blank-names", "duplicate-pseudonym", "empty-pseudonym", "brackets", "long"],
)
def test_invalid_identity_is_refused_and_stores_nothing(session, draft, case_row, custodian, names, pseudonym, field):
    document = draft()
    protect_identity(session, case_row, ["Хамзат"], "Witness A", custodian, "web")
    public = document.body_public
    with pytest.raises(ValidationError) as caught:
        protect_identity(session, case_row, names, pseudonym, custodian, "web")
    assert caught.value.field == field
    session.expire_all()
    assert session.scalars(select(ProtectedIdentity.pseudonym)).all() == ["Witness A"]
    assert document.body_public == public


def test_a_researcher_cannot_protect_an_identity(session, draft, case_row, make_actor):
    document = draft()
    with pytest.raises(NotPermitted):
        protect_identity(session, case_row, ["Мовсар"], "Witness A", make_actor("researcher"), "web")
    session.expire_all()
    assert session.scalars(select(ProtectedIdentity)).all() == []
    assert "[person 1]" in document.body_public


# Review decisions.


def test_a_rejected_false_detection_stays_visible_after_redacting_again(session, draft, custodian):
    document = draft(REVIEWED_BODY)
    assert FALSE_DETECTION not in document.body_public
    review_redaction(session, document, custodian, "web", reject=[(FALSE_DETECTION, "PERSON")])
    assert document.body_public == "Дежурный Сержант сказал уйти. [person 1] остался у ворот.\n"
    assert FALSE_DETECTION not in [REVIEWED_BODY[s["start"] : s["end"]] for s in document.redaction_spans]


def test_a_rejection_survives_a_later_protected_identity(session, draft, case_row, custodian):
    document = draft(REVIEWED_BODY)
    review_redaction(session, document, custodian, "web", reject=[(FALSE_DETECTION, "PERSON")])
    protect_identity(session, case_row, ["Мовсар"], "Witness B", custodian, "web")
    session.expire_all()
    assert document.body_public == "Дежурный Сержант сказал уйти. Witness B остался у ворот.\n"


def test_an_added_value_is_redacted_at_every_occurrence(session, draft, custodian):
    body = f"Мы пили чай в {WORKPLACE}. Потом его забрали прямо из {WORKPLACE}.\n"
    document = draft(body)
    review_redaction(session, document, custodian, "web", add=[(WORKPLACE, "WORKPLACE")])
    assert document.body_public == "Мы пили чай в [workplace]. Потом его забрали прямо из [workplace].\n"
    assert "Зелимхан" not in document.body_public
    assert [s["type"] for s in document.redaction_spans] == ["WORKPLACE", "WORKPLACE"]


def test_review_marks_the_document_reviewed_and_writes_an_audit_entry(session, draft, custodian):
    document = draft(REVIEWED_BODY)
    review_redaction(session, document, custodian, "web", reject=[(FALSE_DETECTION, "PERSON")])
    assert document.redaction_reviewed_at is not None
    assert document.redaction_reviewed_by_id == custodian.id
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "redaction.review")).one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "document",
        document.id,
        custodian.id,
    )
    assert entry.detail == {"rejected": 1, "added": 0, "spans": 1}


@pytest.mark.parametrize(
    ("reject", "add", "field"),
    [
        ([("Абубакар", "PERSON")], [], "value"),  # not in the original
        ([], [("Кафе у Ибрагима", "WORKPLACE")], "value"),
        ([("", "PERSON")], [], "value"),
        ([], [("Мовсар", "NICKNAME")], "type"),
    ],
    ids=["reject-absent-text", "add-absent-text", "reject-empty", "unknown-type"],
)
def test_an_invalid_decision_is_refused_and_the_document_stays_unreviewed(
    session, draft, custodian, reject, add, field
):
    document = draft(REVIEWED_BODY)
    public = document.body_public
    with pytest.raises(ValidationError) as caught:
        review_redaction(session, document, custodian, "web", reject=reject, add=add)
    assert caught.value.field == field
    session.expire_all()
    assert document.redaction_reviewed_at is None
    assert document.decisions == []
    assert document.body_public == public
    assert "redaction.review" not in audit_actions(session, "document", document.id)


def test_a_researcher_cannot_review_a_redaction(session, draft, make_actor):
    document = draft(REVIEWED_BODY)
    with pytest.raises(NotPermitted):
        review_redaction(session, document, make_actor("researcher"), "web", reject=[("Сержант", "PERSON")])
    session.expire_all()
    assert (document.redaction_reviewed_at, document.decisions) == (None, [])


# Publishing.


def test_publishing_before_review_is_refused(session, draft, custodian):
    document = draft()
    with pytest.raises(ValidationError) as caught:
        publish_document(session, document, custodian, "web")
    assert caught.value.field == "status"
    session.expire_all()
    assert document.status == "draft"
    assert "document.publish" not in audit_actions(session, "document", document.id)


def test_publishing_after_review_publishes_and_writes_an_audit_entry(session, draft, custodian):
    document = draft()
    review_redaction(session, document, custodian, "web")
    publish_document(session, document, custodian, "web")
    session.expire_all()
    assert document.status == "published"
    assert audit_actions(session, "document", document.id) == [
        "document.create",
        "redaction.review",
        "document.publish",
    ]


def test_a_researcher_cannot_publish(session, draft, custodian, make_actor):
    document = draft()
    review_redaction(session, document, custodian, "web")
    with pytest.raises(NotPermitted):
        publish_document(session, document, make_actor("researcher"), "web")
    session.expire_all()
    assert document.status == "draft"
