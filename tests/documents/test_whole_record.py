"""Protection covers the whole record: every field of a document is redacted from its original,
follows later corrections (a protected identity, a review decision), and a review saved
against spans that no longer stand is refused (issue 18)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.documents.edit import update_document
from archive.documents.review import review_redaction
from archive.documents.submission import validate_document
from archive.errors import EditConflict, IngestError
from archive.protection.identities import protect_identity
from archive.protection.public_text import adopt_unprotected, originals, review_spans, review_token
from archive.storage.models import Document, Source, Tag
from tests.documents.conftest import PHONE

NAME = "Ruslan Magomedov"
FIELDS = {
    "title": f"Testimony of {NAME}, phone {PHONE}",
    "slug": "ruslan-magomedov-interview",
    "tags": ["detention", "ruslan-magomedov", "tel-79284175396"],
    "places": ["Grozny", "Дом Мовсара Дадаева"],
    "attribution": f"Recorded by phone ({PHONE}); write to ruslan.m@mail.ru",
    "source": {
        "outlet": "Ruslan Magomedov's blog",
        "author": NAME,
        "url": "https://example.org/2017/ibragim-zakriev-interview",
        "reported_by": "@ruslan_m58",
        "reliability": f"Told by {NAME} himself",
        "title": f"An evening with {NAME} ({PHONE})",
    },
}
TELLS = ("ruslan", "magomedov", "9284175396", "928 417", "ruslan.m@", "ruslan_m58", "zakriev", "мовсар", "дадаев")


def public_values(document: Document) -> str:
    """Every field a reader is served, as one lower-case string."""
    source = document.source
    parts = [
        document.title,
        document.slug or "",
        document.attribution,
        document.body_public,
        document.body_html,
        *(t.name for t in document.tags),
        *(p.name for p in document.places),
    ]
    if source is not None:
        parts += [source.outlet, source.author, source.url, source.reported_by, source.reliability, source.title]
    return "\n".join(parts).lower()


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@pytest.fixture
def stored(draft):
    return draft("He told us what happened.\n", language="en", **FIELDS)


def test_no_field_is_published_as_typed(stored):
    seen = public_values(stored)
    assert [t for t in TELLS if t in seen] == []
    assert "9284175396" not in digits(seen)
    assert "[person 1]" in stored.title and "[phone]" in stored.title
    assert stored.tags and [t.name for t in stored.tags] == ["detention"]
    assert [p.name for p in stored.places] == ["Grozny"]
    assert stored.source.url == "https://example.org/"  # the site; the path named someone


def test_the_originals_are_kept_for_custodians_exactly_as_submitted(stored):
    kept = originals(stored)
    assert kept["title"] == FIELDS["title"]
    assert kept["slug"] == FIELDS["slug"]
    assert kept["tags"] == FIELDS["tags"]
    assert kept["places"] == FIELDS["places"]
    assert {k: kept["source"][k] for k in FIELDS["source"]} == FIELDS["source"]


def test_the_slug_is_made_from_the_public_title(stored):
    assert stored.slug and "ruslan" not in stored.slug
    assert stored.slug.startswith("testimony-of")


def test_one_person_keeps_one_number_across_the_fields(draft):
    document = draft(f"{NAME} was taken at night.\n", language="en", title=f"The arrest of {NAME}")
    assert document.body_public.startswith("[person 1]")
    assert document.title == "The arrest of [person 1]"


def test_a_protected_identity_reaches_every_field_of_documents_stored_before(session, stored, case_row, custodian):
    protect_identity(session, case_row, [NAME, "Руслан Магомедов"], "Witness R", custodian, "web")
    session.expire_all()
    assert "Witness R" in stored.title
    assert stored.source.author == "Witness R"
    assert [t for t in TELLS if t in public_values(stored)] == []


def test_every_field_s_spans_are_on_the_review_and_a_decision_applies_to_a_field(session, stored, custodian):
    fields = {name for name, _span, _text in review_spans(stored)}
    assert {"title", "attribution", "slug", "tags.1", "tags.2", "places.1", "source.author", "source.url"} <= fields
    assert "source.title" in fields
    # a custodian decides that a detection in the reliability note is not identifying
    text, kind = next((t, s["type"]) for name, s, t in review_spans(stored) if name == "source.reliability")
    review_redaction(session, stored, custodian, "web", reject=[(text, kind)], token=review_token(stored))
    assert text in stored.source.reliability
    assert PHONE not in stored.title  # a decision is about its words and type, nothing else


def test_a_street_address_is_refused_as_a_place(store):
    with pytest.raises(IngestError) as caught:
        store(places=["Grozny", "ул. Береговая, д. 8"])
    assert caught.value.field == "places"
    assert "street address" in caught.value.message


def test_an_edit_starts_from_the_originals_and_keeps_them(session, stored, custodian, kinds, make_fields):
    kept = originals(stored)
    fields = make_fields(
        body="He told us what happened, and more.\n",
        language="en",
        status="draft",
        redaction=None,
        title=kept["title"],
        slug=kept["slug"],
        tags=kept["tags"],
        places=kept["places"],
        attribution=kept["attribution"],
        source={k: v for k, v in kept["source"].items() if v},
    )
    update_document(session, stored, validate_document(fields, kinds, "edit"), custodian, "web")
    assert originals(stored)["title"] == FIELDS["title"]
    assert [t for t in TELLS if t in public_values(stored)] == []


# A review is bound to the spans it was opened on.


def test_a_review_opened_before_an_identity_was_protected_is_refused(session, draft, case_row, custodian):
    document = draft(f"Мовсар Дадаев позвонил с номера {PHONE}.\n")
    token = review_token(document)
    phone_unticked = [(PHONE, "PHONE")]
    protect_identity(session, case_row, ["Мовсар Дадаев"], "Witness M", custodian, "web")
    with pytest.raises(EditConflict) as caught:
        review_redaction(session, document, custodian, "web", reject=phone_unticked, token=token)
    assert "nothing was saved" in caught.value.message
    session.expire_all()
    assert document.decisions == []
    assert document.redaction_reviewed_at is None
    assert PHONE not in document.body_public


def test_a_review_opened_before_the_text_changed_is_refused(session, stored, custodian, kinds, make_fields):
    token = review_token(stored)
    fields = make_fields(body=f"Call {PHONE}.\n", language="en", status="draft", redaction=None, slug=None)
    update_document(session, stored, validate_document(fields, kinds, "edit"), custodian, "web")
    with pytest.raises(EditConflict):
        review_redaction(session, stored, custodian, "web", reject=[("Call", "PERSON")], token=token)
    assert PHONE not in stored.body_public


def test_no_decision_un_redacts_a_protected_identity(session, draft, case_row, custodian):
    document = draft("Хамзат остался у ворот.\n")
    protect_identity(session, case_row, ["Хамзат"], "Witness H", custodian, "web")
    session.expire_all()
    review_redaction(session, document, custodian, "web", reject=[("Хамзат", "PERSON")], token=review_token(document))
    assert document.body_public == "Witness H остался у ворот.\n"


def test_keeping_a_text_readable_keeps_it_only_as_the_type_reviewed(session, draft, custodian):
    """Rejecting a false PERSON detection does not keep a phone with the same words readable."""
    document = draft(f"Позвони {PHONE}.\n")
    review_redaction(session, document, custodian, "web", reject=[(PHONE, "PERSON")], token=review_token(document))
    assert PHONE not in document.body_public


def test_documents_stored_before_fields_had_originals_are_protected_by_init(session, store):
    document = store(body="Text.\n")
    session.execute(
        Document.__table__.update()
        .where(Document.id == document.id)
        .values(title=f"Testimony of {NAME}", fields_original={})
    )
    tag = Tag(name="ruslan-magomedov")
    session.add(tag)
    session.flush()
    session.commit()
    session.expire_all()
    document.tags.append(session.scalars(select(Tag).where(Tag.name == "ruslan-magomedov")).one())
    session.commit()
    assert adopt_unprotected(session) == 1
    session.expire_all()
    assert document.title == "Testimony of [person 1]"
    assert originals(document)["title"] == f"Testimony of {NAME}"
    assert "ruslan-magomedov" not in [t.name for t in document.tags]
    assert adopt_unprotected(session) == 0
    assert session.scalars(select(Source)).all() is not None
