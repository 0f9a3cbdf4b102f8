"""Entries: what statements record, the stances they take, and text that would reveal someone."""

from __future__ import annotations

import pytest

from archive.errors import IngestError
from archive.protection.public_text import REFUSAL
from archive.services import get_db
from archive.storage import queries
from archive.storage.models import EntryStance, TimelineEntry
from archive.timeline.entries import update_entry, validate_entry
from tests.conftest import CLI, SETUP
from tests.timeline.conftest import CASE

BASE = {
    "case": CASE,
    "kind": "statement",
    "date": "2017-04",
    "title": "A statement",
    "citations": [{"document": "public-report", "excerpt": "Men were detained"}],
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "event", "stances": [{"event": "e", "stance": "denies"}]}, "stances"),
        ({"kind": "denial"}, "denies"),  # a denial names what it denies
        ({"stances": [{"event": "e", "stance": "applauds"}]}, "stances"),
        ({"stances": [{"event": "e", "stance": "denies"}, {"event": "e", "stance": "confirms"}]}, "stances"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"quotation": "x" * 601}, "quotation"),
        ({"kind": "event", "speaker": "Someone"}, "speaker"),
        ({"citations": []}, "citations"),
        ({"date": "2017-02-30"}, "date"),
    ],
)
def test_invalid_entries_name_the_field(changes, field):
    with pytest.raises(IngestError) as caught:
        validate_entry({**BASE, **changes}, "test")
    assert caught.value.field == field


def test_a_statement_records_speaker_channel_quotation_and_stances(app, small_case):
    _, ids = small_case
    with app.app_context(), get_db(app).session() as s:
        denial = s.get(TimelineEntry, ids["denial"])
        assert (denial.speaker, denial.speaker_office, denial.channel, denial.quotation) == (
            "An official",
            "Spokesman",
            "press_conference",
            "An official denied it.",
        )
        assert {e.slug for e in denial.denies} == {"detentions", "hidden-event"}
        event = s.get(TimelineEntry, ids["detentions"])
        assert {(r.entry.slug, r.stance) for r in event.responses} == {
            ("denial", "denies"),
            ("statement", "confirms"),
        }
        assert [e.slug for e in event.denied_by] == ["denial"]


@pytest.mark.parametrize("field", ["title", "description", "quotation", "speaker"])
def test_text_naming_a_protected_person_is_refused(app, small_case, field):
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, CASE)
        from archive.protection.identities import protect_identity

        protect_identity(s, case, ["Zelimkhan Bakaev"], "Witness Z", SETUP, "cli")
        submission = validate_entry({**BASE, field: "Zelimkhan Bakaev was there"}, "test")
        entry = s.get(TimelineEntry, small_case[1]["statement"])
        with pytest.raises(IngestError) as caught:
            update_entry(s, entry, submission, CLI, "cli")
        assert caught.value.field == field
        assert "Bakaev" not in caught.value.message
        s.expire_all()
        assert s.get(TimelineEntry, entry.id).title == "A minister speaks"  # nothing written


def test_a_phone_number_in_an_excerpt_is_refused(app, small_case):
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, small_case[1]["statement"])
        submission = validate_entry(
            {
                **BASE,
                "citations": [{"document": "public-report", "excerpt": "call +7 928 123-45-67"}],
            },
            "test",
        )
        with pytest.raises(IngestError) as caught:
            update_entry(s, entry, submission, CLI, "cli")
        assert caught.value.field == "citations" and caught.value.message == REFUSAL


def test_updating_an_entry_replaces_its_citations_and_stances(app, small_case):
    _, ids = small_case
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, ids["statement"])
        submission = validate_entry(
            {
                **BASE,
                "slug": "statement",
                "title": "The minister minimises it",
                "stances": [{"event": "detentions", "stance": "minimises"}],
            },
            "test",
        )
        update_entry(s, entry, submission, CLI, "cli")
        s.expire_all()
        entry = s.get(TimelineEntry, ids["statement"])
        assert entry.title == "The minister minimises it"
        assert [(st.event.slug, st.stance) for st in entry.stances] == [("detentions", "minimises")]
        assert len(entry.citations) == 1 and entry.accounts == []
        assert s.query(EntryStance).filter_by(entry_id=entry.id).count() == 1


def test_an_event_others_respond_to_cannot_become_a_statement(app, small_case):
    _, ids = small_case
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, ids["detentions"])
        submission = validate_entry({**BASE, "slug": "detentions"}, "test")
        with pytest.raises(IngestError) as caught:
            update_entry(s, entry, submission, CLI, "cli")
        assert caught.value.field == "kind"


@pytest.mark.parametrize(
    "excerpt",
    [
        "detained in February 2017. An official",  # the Markdown as it reads
        "A  minister\n spoke about it.",  # as the page shows it (no *), white space aside
        "",  # the whole document
    ],
)
def test_an_excerpt_is_the_public_text_as_it_stands(app, small_case, excerpt):
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, small_case[1]["statement"])
        cited = [{"document": "public-report", "excerpt": excerpt}]
        update_entry(s, entry, validate_entry({**BASE, "citations": cited}, "test"), CLI, "cli")
        assert s.get(TimelineEntry, entry.id).citations[0].excerpt == excerpt


@pytest.mark.parametrize(
    "excerpt",
    [
        "Men were arrested in February 2017",  # a paraphrase
        "men were detained",  # not as it stands
        "A first account.",  # another document's words
    ],
)
def test_an_excerpt_not_in_the_cited_text_is_refused(app, small_case, excerpt):
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, small_case[1]["statement"])
        cited = [{"document": "public-report", "excerpt": excerpt}]
        with pytest.raises(IngestError) as caught:
            update_entry(s, entry, validate_entry({**BASE, "citations": cited}, "t"), CLI, "cli")
        assert caught.value.field == "citations" and "public-report" in caught.value.message
        s.expire_all()
        assert s.get(TimelineEntry, entry.id).citations[0].excerpt == "minister spoke about"


def test_an_excerpt_of_the_original_before_redaction_is_refused(app, small_case, make_document):
    make_document(slug="named", body="Witness Anzor Bakaev was held for two weeks.\n")
    with app.app_context(), get_db(app).session() as s:
        from archive.protection.identities import protect_identity

        protect_identity(s, queries.get_case(s, CASE), ["Anzor Bakaev"], "Witness A", SETUP, "cli")
        entry = s.get(TimelineEntry, small_case[1]["statement"])
        cited = [{"document": "named", "excerpt": "was held for two weeks"}]
        update_entry(s, entry, validate_entry({**BASE, "citations": cited}, "t"), CLI, "cli")
        # the original wording is not what anyone outside the custodians can check against
        cited = [{"document": "named", "excerpt": "Witness Anzor"}]
        with pytest.raises(IngestError):
            update_entry(s, entry, validate_entry({**BASE, "citations": cited}, "t"), CLI, "cli")


def test_a_quotation_must_stand_word_for_word_in_a_cited_document(app, small_case):
    """Else it is refused, naming the field, and nothing is written: a paraphrase is given as one."""
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, small_case[1]["denial"])
        fields = {
            "case": CASE,
            "slug": "denial",
            "kind": "denial",
            "date": "2017-04-21",
            "title": "Official denies it",
            "denies": ["detentions"],
            "citations": [{"document": "public-report", "excerpt": ""}],
        }
        for words in ("nothing happened", "An official  denied   it", "denied it!"):
            if words == "An official  denied   it":
                update_entry(s, entry, validate_entry({**fields, "quotation": words}, "t"), CLI, "cli")
                continue  # white space aside, the words stand
            with pytest.raises(IngestError) as caught:
                update_entry(s, entry, validate_entry({**fields, "quotation": words}, "t"), CLI, "cli")
            assert caught.value.field == "quotation"
        s.expire_all()
        assert s.get(TimelineEntry, entry.id).quotation == "An official  denied   it"
        update_entry(s, entry, validate_entry({**fields, "paraphrase": "nothing happened"}, "t"), CLI, "cli")
        assert (entry.quotation, entry.paraphrase) == ("", "nothing happened")


def test_a_quotation_is_shown_as_the_citing_documents_and_a_paraphrase_as_the_archives(app, small_case):
    client = app.test_client()
    record = client.get(f"/api/v1/timeline/{small_case[1]['denial']}").get_json()
    assert record["quotation"] == "An official denied it."
    assert record["quotation_verbatim"] is True
    assert record["quoted_in"]["title"] == "Public report"
    assert record["quoted_in"]["url"].endswith("/cases/test-case/documents/public-report")
    page = client.get(f"/timeline/entries/{small_case[1]['denial']}").text
    assert "as quoted in" in page and "<blockquote" in page
    with app.app_context(), get_db(app).session() as s:
        entry = s.get(TimelineEntry, small_case[1]["statement"])
        sub = validate_entry(
            {
                "case": CASE,
                "slug": "statement",
                "kind": "statement",
                "date": "2017-04",
                "title": "A minister speaks",
                "paraphrase": "The minister said the men were safe.",
                "citations": [{"document": "public-report", "excerpt": "minister spoke about"}],
            },
            "t",
        )
        update_entry(s, entry, sub, CLI, "cli")
        statement = entry.id
    record = client.get(f"/api/v1/timeline/{statement}").get_json()
    assert (record["quotation"], record["quotation_verbatim"], record["quoted_in"]) == ("", False, None)
    assert record["paraphrase"] == "The minister said the men were safe."
    page = client.get(f"/timeline/entries/{statement}").text
    assert "In substance, in the archive" in page
    assert "<blockquote" not in page.split("The minister said the men were safe.")[0].rsplit("<article", 1)[-1]


def test_words_only_a_hidden_document_carries_are_shown_to_no_one_else(app, context_case, make_user):
    from tests.conftest import login

    _, ids = context_case
    entry_id = ids["researcher-quoted-denial"]
    anonymous = app.test_client()
    page = anonymous.get(f"/timeline/entries/{entry_id}").text
    assert "Regional authorities deny it" in page and "A first account." not in page
    assert anonymous.get(f"/api/v1/timeline/{entry_id}").get_json()["quotation"] == ""
    researcher = app.test_client()
    login(researcher, make_user("researcher", "quote-reader"))
    page = researcher.get(f"/timeline/entries/{entry_id}").text
    assert "<blockquote" in page and "A first account." in page
