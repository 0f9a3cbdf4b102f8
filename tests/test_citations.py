"""Citations: the archive credited with its own records, the source after it; quotation only
when a cited document carries the words; Chicago and OSCOLA forms in English and Russian."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest

from archive.citations import Words, cite_document, cite_entry
from archive.services import get_db
from archive.storage import queries

LINK = "https://archive.test/cases/c/documents/seed-a-summary"


def _document(**source):
    values = {"outlet": "Seed article A", "author": "Unnamed student contributor", "url": "", "reported_by": "",
              "date_edtf": "2017-09?", "title": "", "captured": None, "archived_sha256": ""} | source  # fmt: skip
    return SimpleNamespace(
        title="Russian government says it found no evidence",
        kind="official_statement",
        source_type="second_hand",
        published_edtf="2017-09?",
        sha256="ff" * 32,  # the submission's: never in a citation (it could confirm a guessed name)
        version_sha256="ab" * 32,
        case=SimpleNamespace(title="Persecution of gay men in Chechnya, 2017", slug="c"),
        source=SimpleNamespace(**values),
    )


def test_the_archive_is_credited_with_its_record_and_the_source_follows():
    text = cite_document(_document(title="Canada's Secret Mission"), LINK)
    archive, source = text.split(" Source: ")
    assert archive.startswith("Witness Archive, “Russian government says it found no evidence”")
    # what it is and who speaks: never "an official statement" by the student alone
    assert "official statement, second hand" in archive
    assert "Unnamed student contributor" not in archive  # the article's author did not write this title
    assert source.startswith("Unnamed student contributor, “Canada's Secret Mission”, Seed article A")
    assert LINK in archive and "SHA-256 " + "ab" * 32 in archive
    assert text.endswith(".") and ".." not in text
    assert "ff" * 32 not in text


def test_the_first_reporter_the_address_and_the_archived_copy_are_given():
    text = cite_document(
        _document(
            reported_by="The Globe and Mail",
            url="https://example.org/a",
            archived_sha256="cd" * 32,
            captured="2017-09-20",
        ),  # fmt: skip
        LINK,
    )
    assert "first reported by The Globe and Mail" in text
    assert "https://example.org/a" in text
    assert f"archived copy SHA-256 {'cd' * 32} (captured 20 September 2017)" in text


def test_the_legal_form_has_angle_brackets_an_access_date_and_no_final_stop():
    words = Words(accessed=date(2026, 12, 4))
    text = cite_document(_document(url="https://example.org/a"), LINK, words, "oscola")
    assert text.startswith("Witness Archive, 'Russian government says it found no evidence'")
    assert f"<{LINK}> accessed 4 December 2026" in text
    citing = "citing Unnamed student contributor, Seed article A (possibly September 2017), <https://example.org/a>"
    assert citing in text
    assert "<https://example.org/a>" in text
    assert not text.endswith(".")


def test_a_document_without_a_source_is_the_archives_alone():
    document = _document()
    document.source = None
    text = cite_document(document, LINK)
    assert "Source:" not in text and text.startswith("Witness Archive, ")


def test_russian_quotes_and_words(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("ru"):
        words = Words(locale="ru", _=gettext, accessed=date(2026, 12, 4))
        chicago = cite_document(_document(), LINK, words)
        oscola = cite_document(_document(), LINK, words, "oscola")
    assert "«Russian government says it found no evidence»" in chicago
    assert "Источник:" in chicago
    assert "дата обращения" in oscola and "2026" in oscola


def _entry(**changes):
    values = dict(title="Russian government says it found no evidence", kind="denial", date_edtf="[2017-04..2017-09]",
                  case=SimpleNamespace(title="A case"), speaker="Government of the Russian Federation",
                  speaker_office="", actor="", quotation="no evidence", paraphrase="")  # fmt: skip
    return SimpleNamespace(**(values | changes))


def test_an_entry_quotes_only_words_a_cited_document_gives_and_names_it():
    quoted = cite_entry(_entry(), "https://a/e", ["https://a/d1"], quoted_in="Seed article A's report")
    assert "Government of the Russian Federation, quoted as saying “no evidence” in “Seed article A's report”" in quoted
    assert quoted.startswith("Witness Archive, “Russian government says it found no evidence”, timeline entry, denial")
    not_found = cite_entry(_entry(), "https://a/e", ["https://a/d1"], quoted_in=None)
    assert "“no evidence”" not in not_found and "statement by Government of the Russian Federation" in not_found
    paraphrased = cite_entry(_entry(quotation="", paraphrase="it found nothing"), "https://a/e", [])
    assert "in substance: it found nothing" in paraphrased and "“it found nothing”" not in paraphrased
    assert "Evidence: https://a/d1" in quoted


def test_the_sample_cases_document_page_and_api_cite_the_archive_first(corpus_app):
    client = corpus_app.test_client()
    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        case = queries.get_case(s, "chechnya-2017")
        doc_id = queries.document_by_slug(s, case.id, "russia-no-evidence-of-arrests").id
    record = client.get(f"/api/v1/documents/{doc_id}").get_json()
    chicago, oscola = record["citation"]["chicago"], record["citation"]["oscola"]
    assert chicago.startswith("Witness Archive, “Russian government says it found")
    assert "official statement, second-hand report" in chicago
    assert "Source: Unnamed student contributor" in chicago
    assert "/cases/chechnya-2017/documents/russia-no-evidence-of-arrests" in chicago
    assert oscola.startswith("Witness Archive, 'Russian government says it found")
    page = client.get(f"/documents/{doc_id}").text
    assert 'id="citation-legal"' in page and "Chicago" in page
    ru = client.get(f"/api/v1/documents/{doc_id}?lang=ru", headers={"Accept-Language": "ru"}).get_json()
    assert "«Russian government says it found" in ru["citation"]["chicago"] or "Источник" in ru["citation"]["chicago"]


@pytest.mark.parametrize("style", ["chicago", "oscola"])
def test_a_permalink_from_a_citation_leads_to_the_document(corpus_app, style):
    client = corpus_app.test_client()
    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        case = queries.get_case(s, "chechnya-2017")
        doc_id = queries.document_by_slug(s, case.id, "hotline-callers-75-and-52").id
    citation = client.get(f"/api/v1/documents/{doc_id}").get_json()["citation"][style]
    url = re.search(r"http://archive\.test(/cases/[^\s>,]+)", citation)[1].rstrip(".")
    answer = client.get(url)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/documents/{doc_id}")
    assert client.get("/cases/chechnya-2017/documents/no-such-document").status_code == 404
