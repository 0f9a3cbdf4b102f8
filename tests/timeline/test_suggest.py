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
