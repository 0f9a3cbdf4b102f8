"""Dates found in documents, English and Russian, resolved against the publication date."""

from __future__ import annotations

from datetime import date

import pytest

from archive.services import get_db
from archive.storage.models import DateSuggestion
from archive.timeline.suggest import find_dates

SEPTEMBER_2017 = date(2017, 9, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She spoke on 21 April 2017 at the forum.", [("21 April 2017", "2017-04-21", "day")]),
        ("On April 21, 2017 it began.", [("April 21, 2017", "2017-04-21", "day")]),
        ("They arrived in June 2017.", [("June 2017", "2017-06", "month")]),
        ("Men were detained last April.", [("last April", "2017-04", "month")]),
        ("In November they left.", [("In November", "2016-11", "month")]),  # not a future month
        ("It happened last month.", [("last month", "2017-08", "month")]),
        ("Since 2012 the law has banned it.", [("Since 2012", "2012", "year")]),
        ("Его задержали 21 апреля 2017 года.", [("21 апреля 2017 года", "2017-04-21", "day")]),
        ("В апреле 2017 года начались задержания.", [("В апреле 2017 года", "2017-04", "month")]),
        ("Это было в феврале.", [("в феврале", "2017-02", "month")]),
        ("Это случилось в прошлом месяце.", [("в прошлом месяце", "2017-08", "month")]),
        ("Закон принят в 2013 году.", [("в 2013 году", "2013", "year")]),
        ("It may rain; 75 callers; 31 April 2017 is no date.", []),
    ],
)
def test_dates_are_found_with_the_precision_they_were_written_with(text, expected):
    found = [(f.phrase, f.date.edtf, f.date.precision) for f in find_dates(text, SEPTEMBER_2017)]
    assert found == expected


def test_each_date_keeps_its_sentence():
    text = "The first sentence has no date. Then, on 3 May 2017, men were taken. Later more."
    (found,) = find_dates(text, SEPTEMBER_2017)
    assert found.sentence == "Then, on 3 May 2017, men were taken."


def test_without_a_publication_date_a_yearless_date_is_not_guessed():
    assert find_dates("It happened last April.", None) == []


def test_ingesting_a_document_stores_pending_suggestions_from_its_public_text(app, make_document):
    doc_id = make_document(body="Police detained him on 21 April 2017. He left in June 2017.\n", published="2017-09")
    with app.app_context(), get_db(app).session() as s:
        rows = s.query(DateSuggestion).filter_by(document_id=doc_id).order_by("date_start").all()
        assert [(r.date_edtf, r.status) for r in rows] == [("2017-04-21", "pending"), ("2017-06", "pending")]
        assert rows[0].sentence == "Police detained him on 21 April 2017."


def test_an_abbreviation_does_not_end_the_sentence_and_a_source_line_gives_no_event():
    found = find_dates("It happened in April 2017, reports say (c. March 2017 by some).", date(2017, 9, 1))
    assert {f.sentence for f in found} == {"It happened in April 2017, reports say (c. March 2017 by some)."}


def test_a_source_line_suggests_nothing(app, make_document):
    doc_id = make_document(
        slug="sourced", body="Men were held in April 2017.\n\n**Source:** Seed article B (c. September 2017).\n"
    )
    with app.app_context(), get_db(app).session() as s:
        rows = s.query(DateSuggestion).filter_by(document_id=doc_id).all()
        assert [r.date_edtf for r in rows] == ["2017-04"]


def test_an_entry_settles_the_suggestions_it_already_answers(app, make_document):
    from archive.storage import queries
    from archive.timeline.entries import create_entries, validate_entry
    from tests.conftest import CLI

    make_document(slug="report", body="Men were held in April 2017. Nobody was released in June 2017.\n")
    make_document(slug="denial-report", body="The ministry denied the round-ups of April 2017.\n")
    with app.app_context(), get_db(app).session() as s:
        case = queries.get_case(s, "test-case")
        event = {"slug": "held", "case": "test-case", "kind": "event", "date": "2017-04", "title": "Men held",
                 "citations": [{"document": "report", "excerpt": ""}]}  # fmt: skip
        denial = {"slug": "denied", "case": "test-case", "kind": "denial", "date": "2017-05", "title": "Denied",
                  "denies": ["held"], "citations": [{"document": "denial-report", "excerpt": ""}]}  # fmt: skip
        create_entries(s, case, [("e", validate_entry(event, "e")), ("d", validate_entry(denial, "d"))], CLI, "cli")
        rows = {(r.document.slug, r.date_edtf): (r.status, r.entry_id) for r in s.query(DateSuggestion)}
        held = queries.entry_by_slug(s, case.id, "held").id
        assert rows[("report", "2017-04")] == ("accepted", held)
        assert rows[("report", "2017-06")] == ("pending", None)  # June is not on the timeline
        assert rows[("denial-report", "2017-04")] == ("accepted", held)  # the event its denial denies


def test_loading_the_sample_case_leaves_nothing_pending_that_the_timeline_answers(corpus_app):
    from sqlalchemy import select

    from archive.storage.models import EntryStance, TimelineEntry

    with corpus_app.app_context(), get_db(corpus_app).session() as s:
        pending = s.scalars(select(DateSuggestion).where(DateSuggestion.status == "pending")).all()
        for suggestion in pending:
            for entry in s.scalars(select(TimelineEntry)):
                answers = [
                    entry,
                    *(st.event for st in s.scalars(select(EntryStance).where(EntryStance.entry_id == entry.id))),
                ]
                if any(c.document_id == suggestion.document_id for c in entry.citations):
                    for answer in answers:
                        assert not (
                            answer.date_start <= suggestion.date_start and suggestion.date_end <= answer.date_end
                        )
        assert len(pending) <= 1  # "in 2017" in a denial's document: wider than any one event
        assert s.query(DateSuggestion).filter_by(status="accepted").count() >= 25
