"""Composing briefs: owners only, quotes located in the public text, every change audited."""

from __future__ import annotations

import pytest

from archive.briefs.compose import (
    add_document,
    add_entry,
    add_note,
    add_quote,
    create_brief,
    edit_note,
    locate,
    move_item,
    refresh_item,
    remove_item,
    reorder,
    share_brief,
    update_brief,
)
from archive.errors import IngestError, NotPermitted, ValidationError
from archive.links import key_of
from archive.storage.models import AuditEntry, Brief, Document, TimelineEntry
from tests.briefs.conftest import user
from tests.conftest import SETUP


def _brief(db, evidence, owner="researcher-owner"):
    return create_brief(db, user(db, owner), "Submission", "For the UN rapporteur.", "web")


def test_a_quote_is_found_in_the_public_text_as_a_reader_sees_it(db, evidence):
    document = db.get(Document, evidence["docs"]["public"])
    found = locate(document, "held  for two\nweeks")
    assert found.text == "held for two weeks" and found.end - found.start == len(found.text)
    # the page shows no Markdown: "*held*" reads "held"
    assert locate(document, "The men were held for two").start == found.start - 13
    # twice in the text: the occurrence nearest to where the selection was
    again = locate(document, "The men were held", near=70)
    assert again.start > found.start
    with pytest.raises(ValidationError):
        locate(document, "The men were *held*")  # the Markdown is not what a reader sees
    with pytest.raises(ValidationError):
        locate(document, "three weeks")


def test_items_are_added_numbered_moved_and_removed(db, evidence):
    brief = _brief(db, evidence)
    owner = user(db, "researcher-owner")
    document = db.get(Document, evidence["docs"]["public"])
    quote = add_quote(db, brief, owner, document, "held for two weeks", "web")
    whole = add_document(db, brief, owner, document, "web")
    note = add_note(db, brief, owner, "Our *own* reading.", "web")
    entry = add_entry(db, brief, owner, db.get(TimelineEntry, evidence["entry"]), "web")
    assert [i.position for i in brief.items] == [1, 2, 3, 4]
    assert quote.version_sha256 == document.version_sha256 and len(quote.version_sha256) == 64
    move_item(db, note, owner, 1, "web")
    assert [i.kind for i in brief.items] == ["note", "quote", "document", "entry"]
    reorder(db, brief, owner, [entry.id, whole.id, quote.id, note.id], "web")
    assert [i.kind for i in db.get(Brief, brief.id).items] == ["entry", "document", "quote", "note"]
    with pytest.raises(ValidationError):
        reorder(db, brief, owner, [entry.id, whole.id], "web")
    edit_note(db, note, owner, "A better reading.", "web")
    remove_item(db, whole, owner, "web")
    assert [(i.kind, i.position) for i in db.get(Brief, brief.id).items] == [
        ("entry", 1),
        ("quote", 2),
        ("note", 3),
    ]
    actions = [a.action for a in db.query(AuditEntry).filter_by(object_type="brief")]
    assert actions == [
        "brief.create",
        "brief.item.add",
        "brief.item.add",
        "brief.item.add",
        "brief.item.add",
        "brief.item.move",
        "brief.reorder",
        "brief.item.edit",
        "brief.item.remove",
    ]


def test_only_the_owner_changes_a_brief(db, evidence):
    brief = _brief(db, evidence)
    other = user(db, "other-researcher")
    share_brief(db, brief, user(db, "researcher-owner"), ["other-researcher"], "web")
    with pytest.raises(NotPermitted):
        add_note(db, brief, other, "Not mine to add.", "web")
    with pytest.raises(NotPermitted):
        update_brief(db, brief, other, "Taken over", "", "web")
    with pytest.raises(NotPermitted):
        create_brief(db, None, "Anonymous brief", "", "web")


def test_a_document_beyond_the_owners_access_cannot_be_cited(db, evidence):
    brief = _brief(db, evidence)
    owner = user(db, "researcher-owner")
    hidden = db.get(Document, evidence["docs"]["custodians"])
    with pytest.raises(NotPermitted):
        add_document(db, brief, owner, hidden, "web")
    with pytest.raises(NotPermitted):
        add_quote(db, brief, owner, hidden, "Seen by custodians.", "web")
    assert db.get(Brief, brief.id).items == []


def test_words_that_would_reveal_a_protected_person_are_refused(db, evidence):
    from archive.protection.identities import protect_identity
    from archive.storage import queries

    case = queries.get_case(db, "test-case")
    protect_identity(db, case, ["Anzor Bakaev"], "Witness A", SETUP, "cli")
    owner = user(db, "researcher-owner")
    with pytest.raises(IngestError) as caught:
        create_brief(db, owner, "The case of Anzor Bakaev", "", "web")
    assert caught.value.field == "title" and "Bakaev" not in caught.value.message
    brief = _brief(db, evidence)
    with pytest.raises(IngestError):
        add_note(db, brief, owner, "Call him on +7 928 123-45-67.", "web")
    assert db.get(Brief, brief.id).items == []


def test_a_changed_document_makes_a_quote_stale_until_refreshed(db, evidence):
    brief = _brief(db, evidence)
    owner = user(db, "researcher-owner")
    document = db.get(Document, evidence["docs"]["public"])
    quote = add_quote(db, brief, owner, document, "Later they were released.", "web")
    old = quote.version_sha256
    _edit_body(db, document, "# Account\n\nA new first line.\n\n" + document.body_original)
    assert document.version_sha256 != old
    refresh_item(db, quote, owner, "web")
    assert quote.version_sha256 == document.version_sha256
    assert quote.text == "Later they were released." and quote.quote_start > 30
    _edit_body(db, document, "# Account\n\nEverything was rewritten.\n")
    with pytest.raises(ValidationError) as caught:
        refresh_item(db, quote, owner, "web")
    assert "no longer stands" in caught.value.message


def test_sharing_names_existing_users_only(db, evidence):
    brief = _brief(db, evidence)
    owner = user(db, "researcher-owner")
    with pytest.raises(ValidationError):
        share_brief(db, brief, owner, ["nobody-here"], "web")
    share_brief(db, brief, owner, ["other-researcher", "researcher-owner"], "web")
    assert [u.username for u in brief.shared_with] == ["other-researcher"]


def _edit_body(db, document, body):
    from flask import current_app

    from archive.config import document_kinds
    from archive.documents.edit import update_document
    from archive.documents.submission import validate_document

    fields = {
        "case": "test-case",
        "kind": document.kind,
        "title": document.title,
        "language": "en",
        "consent": document.consent,
        "status": "in_review",
        "grading": {"source": "B", "information": "2"},
        "body": body,
        "slug": document.slug,
    }
    from archive.documents.review import publish_document, review_redaction

    custodian = user(db, "custodian-owner")
    submission = validate_document(fields, document_kinds(current_app.config), "t")
    update_document(db, document, submission, custodian, "web")
    review_redaction(db, document, custodian, "web")
    publish_document(db, document, custodian, "web")


# No oracle (issue 18): whether a researcher's words are refused does not depend on who is
# protected, and the refusal says the same thing whatever was found.


@pytest.mark.parametrize(
    "words",
    [
        "ask {name} about it",  # as typed by someone who knows the name
        "ask {lower} about it",  # lower case, as a probe would
        "write to {lower}.zakriev@mail.ru",
        "call +7 928 123-45-67",
    ],
)
def test_a_researcher_s_note_is_answered_alike_whether_or_not_the_name_is_protected(db, evidence, words):
    from archive.protection.identities import protect_identity
    from archive.protection.public_text import REFUSAL
    from archive.storage import queries

    brief = _brief(db, evidence)
    owner = user(db, "researcher-owner")
    answers = []
    for protected in (False, True):
        if protected:
            case = queries.list_cases(db)[0]
            protect_identity(db, case, ["Ибрагим Закриев", "Ibragim Zakriev"], "Witness Z", SETUP, "cli")
        for name in ("Ibragim Zakriev", "Ибрагим Закриев"):
            text = words.format(name=name, lower=name.split()[0].lower())
            try:
                add_note(db, brief, owner, text, "web")
                answers.append((name, "accepted"))
            except IngestError as exc:
                assert exc.message == REFUSAL
                answers.append((name, "refused"))
    assert answers[:2] == answers[2:], answers


def test_a_brief_s_title_and_purpose_reach_those_it_is_shared_with_as_protection_shows_them(db, evidence):
    """Like its notes: a name typed into a brief's title or purpose, protected afterwards, is
    not shown as typed to the people the brief is shared with, in the page, the API, the list
    or an export; its owner still reads their own words."""
    from datetime import UTC, datetime

    from archive.briefs.export import to_markdown
    from archive.briefs.read import shown_titles, view_brief
    from archive.briefs.serialize import brief_json
    from archive.protection.identities import protect_identity
    from archive.storage import queries

    brief = _brief(db, evidence)
    owner, reader = user(db, "researcher-owner"), user(db, "other-researcher")
    brief.title, brief.purpose = "What Movsar Dadaev saw", "For the hearing on Movsar Dadaev's case"
    share_brief(db, brief, owner, ["other-researcher"], "web")
    protect_identity(db, queries.list_cases(db)[0], ["Movsar Dadaev", "Мовсар Дадаев"], "Witness M", SETUP, "cli")

    def link(kind, ident):
        return f"/{kind}/{key_of(ident)}"

    theirs = view_brief(db, brief, reader, link)
    shown = " ".join(
        [theirs.title, theirs.purpose, to_markdown(theirs, datetime.now(UTC)), str(brief_json(theirs, False))]
        + list(shown_titles(db, [brief], reader).values())
    )
    assert "Movsar" not in shown and "Dadaev" not in shown and "Witness M" in shown
    mine = view_brief(db, brief, owner, link)
    assert (mine.title, mine.purpose) == (brief.title, brief.purpose)
    assert shown_titles(db, [brief], owner)[brief.id] == brief.title
