"""Copies follow corrections (issue 18): after a name is protected or a missed identifier is
added in review, the excerpts timeline entries keep, the passages briefs quote (page, shared
copy, exports) and the sentences of date suggestions show the new marker, not the old words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.briefs.compose import add_quote, create_brief, share_brief
from archive.briefs.export import export_brief
from archive.briefs.read import view_brief
from archive.documents.review import review_redaction
from archive.links import under
from archive.protection.identities import protect_identity
from archive.protection.public_text import review_token
from archive.storage import queries
from archive.storage.models import Citation, DateSuggestion, Document, TimelineEntry, User
from archive.timeline.entries import create_entries, validate_entry
from tests.conftest import SETUP
from tests.documents.conftest import CASE

BODY = "On 12 April 2017 the man they knew as Shorty was held in Argun; the list had kanar_tg58 on it.\n"
PASSAGE = "the man they knew as Shorty was held in Argun; the list had kanar_tg58 on it"


@pytest.fixture
def world(session, store, make_user):
    document = store(body=BODY, slug="shorty-account", language="en")
    case = queries.get_case(session, CASE)
    entry = {
        "slug": "shorty-held",
        "case": CASE,
        "kind": "event",
        "date": "2017-04-12",
        "title": "A man held in Argun",
        "description": "Known to his friends as Shorty.",
        "citations": [{"document": "shorty-account", "excerpt": PASSAGE}],
    }
    create_entries(session, case, [("shorty-held", validate_entry(entry, "t"))], SETUP, "cli")
    owner = session.scalars(select(User).where(User.username == make_user("researcher", "quoting"))).one()
    reader = session.scalars(select(User).where(User.username == make_user("researcher", "sharing"))).one()
    brief = create_brief(session, owner, "Argun", "", "web")
    add_quote(session, brief, owner, document, PASSAGE, "web")
    share_brief(session, brief, owner, [reader.username], "web")
    return {"document": document, "case": case, "brief": brief, "owner": owner, "reader": reader}


def _copies(session, world) -> str:
    """Every copy of the passage, as stored and as served."""
    session.expire_all()
    document = world["document"]
    parts = [c.excerpt for c in session.scalars(select(Citation).where(Citation.document_id == document.id))]
    parts += [
        s.sentence for s in session.scalars(select(DateSuggestion).where(DateSuggestion.document_id == document.id))
    ]
    parts += [e.description for e in session.scalars(select(TimelineEntry))]
    for who in ("owner", "reader"):
        view = view_brief(session, world["brief"], world[who], under(""))
        parts += [item.text for item in view.items]
        for fmt in ("md", "html"):
            parts.append(export_brief(session, world["brief"], world[who], fmt, under(""), "web").decode())
    return "\n".join(parts)


def test_a_name_protected_later_reaches_every_copy(session, world, custodian):
    assert "Shorty" in _copies(session, world)  # the copies were taken, and hold the word
    protect_identity(session, world["case"], ["Shorty"], "Witness S", custodian, "web")
    copies = _copies(session, world)
    assert "Shorty" not in copies
    assert "Witness S" in copies


def test_an_identifier_added_in_review_reaches_every_copy(session, world, custodian):
    assert "kanar_tg58" in _copies(session, world)
    document = session.get(Document, world["document"].id)
    review_redaction(session, document, custodian, "web", add=[("kanar_tg58", "HANDLE")], token=review_token(document))
    copies = _copies(session, world)
    assert "kanar_tg58" not in copies
    assert "[handle]" in copies


def test_a_passage_edited_out_of_its_document_is_said_to_be_gone(session, world, custodian, kinds, make_fields):
    from archive.documents.edit import update_document
    from archive.documents.submission import validate_document
    from archive.timeline.entries import passage_stands

    (citation,) = session.scalars(select(Citation)).all()
    assert passage_stands(citation)
    body = "On 12 April 2017 a man was held in Argun.\n"
    fields = make_fields(body=body, slug="shorty-account", language="en", status="draft", redaction=None)
    update_document(session, world["document"], validate_document(fields, kinds, "edit"), custodian, "web")
    session.expire_all()
    assert not passage_stands(session.get(Citation, citation.id))
