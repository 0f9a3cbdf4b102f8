"""Graded sources, derivations, corroboration and near-duplicates (issue 22, first part)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from archive.documents.edit import update_document
from archive.documents.near_duplicates import PROPOSE_AT, shingles, signature
from archive.documents.revisions import latest_content, submission_from
from archive.documents.submission import validate_document
from archive.errors import IngestError, ValidationError
from archive.storage.corroboration import corroboration, origin_key
from archive.storage.models import Derivation, Document, DocumentFingerprint

# --- grading and who speaks -------------------------------------------------------------------


def test_a_grading_and_a_source_type_are_stored_with_the_document(store):
    document = store(source_type="official", grading={"source": "a", "information": 1, "note": "As published."})
    assert (document.source_type, document.grade_source, document.grade_information) == ("official", "A", "1")
    assert document.grade_note == "As published."


@pytest.mark.parametrize(
    "grading",
    [{"source": "G", "information": "2"}, {"source": "B", "information": "7"}, {"source": "B", "information": "0"}],
)
def test_grades_outside_the_scale_are_refused(make_fields, kinds, grading):
    with pytest.raises(IngestError, match="grading"):
        validate_document(make_fields(grading=grading), kinds, "test")


@pytest.mark.parametrize("value", ["B2", ["B", "2"], {"source": "B", "colour": "red"}])
def test_a_malformed_grading_is_refused(make_fields, kinds, value):
    with pytest.raises(IngestError, match="grading"):
        validate_document(make_fields(grading=value), kinds, "test")


def test_an_unknown_source_type_is_refused(make_fields, kinds):
    with pytest.raises(IngestError, match="source_type"):
        validate_document(make_fields(source_type="rumour"), kinds, "test")


@pytest.mark.parametrize("grading", [None, {"source": "B"}, {"information": "2"}, {"note": "Looks fine."}])
def test_an_ungraded_document_cannot_be_published(store, row_counts, grading):
    before = row_counts()
    with pytest.raises(IngestError, match="grading"):
        store(grading=grading)
    assert row_counts() == before


def test_an_ungraded_draft_is_kept(store):
    assert store(grading=None, status="draft").grade_source == ""


def test_the_grading_note_is_redacted_like_the_title(store):
    document = store(grading={"source": "C", "information": "3", "note": "Call +7 928 417-53-96 to check."})
    assert "417-53-96" not in document.grade_note
    assert "417-53-96" in document.fields_original["grade_note"]


def test_a_grading_change_waits_for_review_and_keeps_the_revision_whole(session, store, custodian):
    document = store()
    content = latest_content(session, document)
    content["grading"] = {"source": "D", "information": "4", "note": "Contradicted since."}
    revision = update_document(session, document, submission_from(content), custodian, "web", document.revision)
    assert revision.state == "pending"  # the note is public text: a review covers it
    assert (document.grade_source, document.grade_information) == ("B", "2")
    assert latest_content(session, document)["grading"]["note"] == "Contradicted since."


# --- derivations ------------------------------------------------------------------------------


def _pair(store, **changes):
    original = store(slug="the-article", body="An article about the detentions.\n")
    copy = store(
        slug="its-summary",
        body="A short summary of the article.\n",
        derived_from=[{"document": "the-article", "relation": "summary"}],
        **changes,
    )
    return original, copy


def test_a_derivation_is_stored_with_who_asserted_it(store, custodian):
    original, copy = _pair(store, actor=custodian, via="web", status="draft", redaction=None)
    (link,) = copy.derived
    assert (link.from_document_id, link.relation, link.state) == (original.id, "summary", "confirmed")
    assert link.asserted_by_id == custodian.id


@pytest.mark.parametrize(
    "links,message",
    [
        ([{"document": "no-such-document", "relation": "summary"}], "no document no-such-document"),
        ([{"document": "the-article", "relation": "inspiration"}], "not one of"),
        ([{"document": "the-article"}], "names a document and a relation"),
        ("the-article", "must be a list"),
        ([{"document": "The Article!", "relation": "summary"}], "lowercase"),
    ],
)
def test_bad_derivations_are_refused_and_nothing_is_stored(store, row_counts, links, message):
    store(slug="the-article", body="An article.\n")
    before = row_counts()
    with pytest.raises(IngestError, match=message):
        store(slug="a-copy", body="A copy.\n", derived_from=links)
    assert row_counts() == before


def test_a_cycle_of_derivations_is_refused(session, store, custodian):
    original, copy = _pair(store)
    content = latest_content(session, original)
    content["derived_from"] = [["its-summary", "translation"]]
    with pytest.raises(IngestError, match="cannot be derived from and be a derivative"):
        update_document(session, original, submission_from(content), custodian, "cli", original.revision)


def test_an_edit_replaces_the_derivations_and_a_revision_keeps_them(session, store, custodian):
    original, copy = _pair(store)
    store(slug="second-article", body="Another article.\n")
    content = latest_content(session, copy)
    assert content["derived_from"] == [["the-article", "summary"]]
    content["derived_from"] = [["second-article", "translation"]]
    update_document(session, copy, submission_from(content), custodian, "cli", copy.revision)
    assert [(link.original.slug, link.relation) for link in copy.derived] == [("second-article", "translation")]


def test_deleting_the_original_takes_its_links_with_it(session, store):
    original, copy = _pair(store)
    session.delete(original)
    session.commit()
    assert session.scalars(select(Derivation)).all() == []


# --- corroboration ----------------------------------------------------------------------------


def test_copies_of_one_source_are_one_source(session, store):
    original, copy = _pair(store, source={"outlet": "Another outlet", "url": "https://elsewhere.example/x"})
    assert corroboration(session, [original.id, copy.id]).origins == corroboration(session, [original.id]).origins
    assert corroboration(session, [original.id, copy.id]).documents == 2
    assert corroboration(session, [original.id, copy.id]).sources == 1


def test_two_outlets_relaying_one_interview_are_one_source(session, store):
    a = store(slug="a", body="A.\n", source={"outlet": "Paper A", "reported_by": "The Globe and Mail"})
    b = store(slug="b", body="B.\n", source={"outlet": "Paper B", "reported_by": "Globe and  mail"})
    c = store(slug="c", body="C.\n", source={"outlet": "Paper C"})
    assert corroboration(session, [a.id, b.id]).sources == 1
    assert corroboration(session, [a.id, b.id, c.id]).sources == 2


def test_two_summaries_of_one_article_are_one_source(session, store):
    one = store(slug="one", body="One.\n", source={"outlet": "Seed A", "author": "A student"})
    two = store(slug="two", body="Two.\n", source={"outlet": "seed a", "author": "a  student"})
    assert corroboration(session, [one.id, two.id]).sources == 1


def test_documents_without_a_source_are_each_their_own(session, store):
    one = store(slug="one", body="One.\n", source=None)
    two = store(slug="two", body="Two.\n", source=None)
    assert corroboration(session, [one.id, two.id]).sources == 2


def test_a_chain_of_derivations_is_followed_to_its_root(session, store):
    root = store(slug="root", body="Root.\n", source={"outlet": "First"})
    previous = root
    for n in range(6):
        previous = store(
            slug=f"step-{n}",
            body=f"Step {n}.\n",
            source={"outlet": f"Outlet {n}"},
            derived_from=[{"document": previous.slug, "relation": "reprint"}],
        )
    assert corroboration(session, [root.id, previous.id]).sources == 1


@pytest.mark.parametrize(
    "args,key",
    [
        ((1, " The Globe and Mail ", "", "", ""), "reported by globe and mail"),
        ((1, "", "https://WWW.Example.org/story/", "X", ""), "address example.org/story"),
        ((1, "", "https://example.org/", "Outlet", "Author"), "publication outlet / author"),
        ((7, "", "", "", ""), "document 7"),
    ],
)
def test_origin_keys(args, key):
    assert origin_key(*args) == key


# --- near-duplicates ----------------------------------------------------------------------------

_WORDS = [
    "detained",
    "men",
    "were",
    "held",
    "for",
    "days",
    "at",
    "a",
    "police",
    "station",
    "in",
    "the",
    "city",
    "before",
    "relatives",
    "were",
    "called",
    "officers",
    "searched",
    "their",
    "phones",
    "for",
    "the",
    "names",
    "of",
    "others",
    "and",
    "beat",
    "those",
    "who",
    "refused",
    "to",
    "answer",
]


def _text(seed: int, words: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) + rng.choice(("", "s", "ed")) for _ in range(words)) + ".\n"


def test_a_reprint_is_proposed_and_counts_for_nothing_until_confirmed(session, store):
    article = _text(1)
    original = store(slug="article", body=article, published="2017-04", source={"outlet": "First"})
    reprint = store(slug="reprint", body="Reprinted:\n\n" + article, published="2017-05", source={"outlet": "Second"})
    (link,) = session.scalars(select(Derivation)).all()
    assert (link.document_id, link.from_document_id, link.state) == (reprint.id, original.id, "proposed")
    assert link.relation == "reprint" and link.similarity >= 0.8
    assert corroboration(session, [original.id, reprint.id]).sources == 2  # not yet confirmed
    link.state = "confirmed"
    session.flush()
    assert corroboration(session, [original.id, reprint.id]).sources == 1


def test_an_earlier_document_arriving_later_is_still_the_original(session, store):
    article = _text(2)
    later = store(slug="later", body=article + "With a new ending.\n", published="2017-09")
    earlier = store(slug="earlier", body=article, published="2017-03")
    (link,) = session.scalars(select(Derivation)).all()
    assert (link.document_id, link.from_document_id) == (later.id, earlier.id)


def test_different_texts_on_one_subject_are_not_proposed(session, store):
    for n in range(12):
        store(slug=f"account-{n}", body=_text(100 + n))
    assert session.scalars(select(Derivation)).all() == []


def test_a_rejected_pair_is_not_proposed_again(session, store, custodian):
    article = _text(3)
    store(slug="article", body=article)
    copy = store(slug="copy", body=article + "\nA closing line.\n")
    (link,) = session.scalars(select(Derivation)).all()
    link.state = "rejected"
    session.commit()
    content = latest_content(session, copy)
    content["body"] = article + "\nAnother closing line.\n"
    update_document(session, copy, submission_from(content), custodian, "cli", copy.revision)
    assert [d.state for d in session.scalars(select(Derivation))] == ["rejected"]


def test_a_partial_quotation_is_proposed_as_a_summary(session, store):
    article = _text(4, 400)
    store(slug="article", body=article)
    words = article.split()
    store(slug="quoting", body=" ".join(words[:260]) + " and then the rest was different.\n")
    (link,) = session.scalars(select(Derivation)).all()
    assert PROPOSE_AT <= link.similarity < 0.8 and link.relation == "summary"


def test_short_texts_are_not_fingerprinted(session, store):
    store(slug="short", body="Too short to compare.\n")
    assert session.scalars(select(DocumentFingerprint)).all() == []


def test_the_fingerprint_is_of_the_public_text(session, store):
    article = _text(5)
    document = store(slug="with-phone", body=article + " Call +7 928 417-53-96.\n")
    assert "417" not in document.body_public
    assert signature(document.body_public).jaccard(signature(article)) > 0.9
    assert not any(b"417" in s for s in shingles(document.body_public))


def test_russian_is_folded_for_comparison():
    assert shingles("Ёлка ЗЕЛЁНАЯ стоит") == shingles("елка зеленая стоит")


def test_documents_of_other_cases_are_never_proposed(session, store, make_case):
    article = _text(6)
    store(slug="here", body=article)
    make_case("other-case", "Other")
    store(slug="there", body=article, case="other-case")
    assert session.scalars(select(Derivation)).all() == []


def test_the_validator_rejects_too_many_links(make_fields, kinds):
    links = [{"document": f"d-{n}", "relation": "summary"} for n in range(51)]
    with pytest.raises(IngestError, match="up to 50"):
        validate_document(make_fields(derived_from=links), kinds, "test")


def test_validation_errors_of_derivations_name_the_field(make_fields, kinds):
    with pytest.raises(IngestError) as caught:
        validate_document(make_fields(derived_from=[{"document": "x", "relation": "copy"}]), kinds, "test")
    assert caught.value.field == "derived_from"
    assert isinstance(caught.value.__cause__, ValidationError)


def test_documents_are_linked_in_both_directions_of_the_model(session, store):
    original, copy = _pair(store)
    assert session.get(Document, copy.id).derived[0].original.id == original.id


def test_a_count_never_follows_a_link_to_what_the_reader_cannot_open(session, store):
    hidden = store(slug="hidden-original", body="Hidden.\n", consent="custodians", source={"outlet": "Hidden"})
    link = [{"document": "hidden-original", "relation": "translation"}]
    a = store(slug="a", body="A.\n", source={"outlet": "Paper A"}, derived_from=link)
    b = store(slug="b", body="B.\n", source={"outlet": "Paper B"}, derived_from=link)
    assert corroboration(session, [a.id, b.id]).sources == 1  # a custodian sees one origin
    reader = corroboration(session, [a.id, b.id], may_follow=lambda d: d != hidden.id)
    assert reader.sources == 2 and not any("hidden" in o for o in reader.origins)
