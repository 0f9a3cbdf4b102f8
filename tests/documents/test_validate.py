"""Validating fields: every problem is an IngestError naming the source and the field."""

from __future__ import annotations

from datetime import date

import pytest

from archive.documents.submission import validate_document
from archive.errors import IngestError

KINDS = ("testimony", "news_report", "official_statement")
SOURCE = "uploads/witness.md"

INVALID = [
    # (id, changes to valid fields, field named, words of the message)
    ("missing title", {"title": None}, "title", "is required"),
    ("blank title", {"title": "  \n "}, "title", "is required"),
    ("title a list", {"title": ["A", "B"]}, "title", "must be text"),
    ("title a boolean", {"title": True}, "title", "must be text"),
    ("title too long", {"title": "x" * 301}, "title", "longer than 300"),
    ("missing case", {"case": None}, "case", "is required"),
    ("missing kind", {"kind": None}, "kind", "is required"),
    ("unknown kind", {"kind": "memoir"}, "kind", "'memoir' is not one of testimony"),
    ("kind in capitals", {"kind": "Testimony"}, "kind", "is not one of"),
    ("missing language", {"language": None}, "language", "is required"),
    ("language a word", {"language": "english"}, "language", "not a language code"),
    ("language unknown", {"language": "zz"}, "language", "not a language code"),
    ("language digits", {"language": "123"}, "language", "not a language code"),
    ("slug with spaces", {"slug": "Bad Slug"}, "slug", "lowercase letters"),
    ("slug starting with dash", {"slug": "-x"}, "slug", "lowercase letters"),
    ("slug with slash", {"slug": "a/../b"}, "slug", "lowercase letters"),
    ("slug too long", {"slug": "a" * 121}, "slug", "longer than 120"),
    ("published month 13", {"published": "2017-13"}, "published", "not a real date"),
    ("published 29 Feb 2017", {"published": "2017-02-29"}, "published", "not a real date"),
    ("published words", {"published": "April 2017"}, "published", "not a date in EDTF"),
    ("events reversed", {"events": "2017-09/2017-02"}, "events", "ends before it starts"),
    ("events 31 April", {"events": "2017-04-31"}, "events", "not a real date"),
    ("source date words", {"source": {"date": "soon"}}, "source.date", "not a date in EDTF"),
    ("source date 2017-13", {"source": {"date": "2017-13"}}, "source.date", "not a real date"),
    ("unknown field titel", {"titel": "A testimony"}, "titel", "unknown field"),
    ("unknown field Title", {"Title": "A testimony"}, "Title", "unknown field"),
    ("unknown source field", {"source": {"urll": "https://x.org"}}, "source.urll", "unknown field"),
    ("source a string", {"source": "Reuters"}, "source", "must be a mapping"),
    ("source ftp url", {"source": {"url": "ftp://example.org/a"}}, "source.url", "http(s)"),
    ("source js url", {"source": {"url": "javascript:alert(1)"}}, "source.url", "http(s)"),
    ("source file url", {"source": {"url": "file:///etc/passwd"}}, "source.url", "http(s)"),
    ("source url no host", {"source": {"url": "https://"}}, "source.url", "http(s)"),
    ("source url relative", {"source": {"url": "/a/b"}}, "source.url", "http(s)"),
    ("consent unknown", {"consent": "everyone"}, "consent", "is not one of public"),
    ("status unknown", {"status": "live"}, "status", "is not one of draft"),
    ("places a mapping", {"places": {"Grozny": 1}}, "places", "list of names"),
    ("places nested list", {"places": [["Grozny"]]}, "places", "list of names"),
    ("places a boolean", {"places": [True]}, "places", "list of names"),
    ("places with null", {"places": ["Grozny", None]}, "places", "list of names"),
    ("place too long", {"places": ["x" * 201]}, "places", "longer than 200"),
    ("tags a mapping", {"tags": [{"a": 1}]}, "tags", "list of names"),
    ("empty body", {"body": "   \n\n"}, "body", "is required"),
    ("missing body", {"body": None}, "body", "is required"),
    ("attribution a list", {"attribution": ["a"]}, "attribution", "must be text"),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_invalid_field_is_named_with_its_source(make_fields, changes, field, message):
    with pytest.raises(IngestError) as caught:
        validate_document(make_fields(**changes), KINDS, SOURCE)
    error = caught.value
    assert (error.source, error.field) == (SOURCE, field)
    assert message in error.message
    assert str(error).startswith(f"{SOURCE}: {field}: ")


def test_valid_fields_become_a_typed_submission(make_fields):
    submission = validate_document(make_fields(), KINDS, SOURCE)
    assert submission.slug == "a-testimony"
    assert (submission.kind, submission.title, submission.language) == (
        "testimony",
        "A testimony",
        "en",
    )
    assert submission.published.earliest == date(2017, 4, 1)
    assert (submission.events.earliest, submission.events.latest) == (
        date(2017, 2, 1),
        date(2017, 4, 30),
    )
    assert submission.places == ["Grozny"]
    assert submission.source.url == "https://example.org/a"
    assert submission.source.date == "2017-04-21"


def test_consent_and_status_default_to_the_narrowest_audience(make_fields):
    submission = validate_document(make_fields(consent=None, status=None), KINDS, SOURCE)
    assert (submission.consent, submission.status) == ("custodians", "draft")


@pytest.mark.parametrize(
    ("given", "stored"),
    [("no", "no"), ("ru", "ru"), ("en_GB", "en-gb"), ("pt-BR", "pt-br"), ("EN", "en")],
)
def test_language_codes_are_accepted_and_normalised(make_fields, given, stored):
    assert validate_document(make_fields(language=given), KINDS, SOURCE).language == stored


def test_numbers_are_accepted_as_text_from_json(make_fields):
    submission = validate_document(make_fields(title=1993, places=[1993]), KINDS, SOURCE)
    assert (submission.title, submission.places) == ("1993", ["1993"])


def test_labels_are_trimmed_and_deduplicated(make_fields):
    fields = make_fields(places=["Grozny", "  Grozny ", "Argun", ""], tags="Torture, Police ")
    submission = validate_document(fields, KINDS, SOURCE)
    assert submission.places == ["Grozny", "Argun"]
    assert submission.tags == ["torture", "police"]


def test_tags_differing_only_in_case_become_one_tag(make_fields):
    submission = validate_document(make_fields(tags=["Torture", "torture"]), KINDS, SOURCE)
    assert submission.tags == ["torture"]


def test_title_whitespace_is_collapsed_but_attribution_keeps_lines(make_fields):
    fields = make_fields(title="  A\n  testimony ", attribution="Line one.\nLine two.")
    submission = validate_document(fields, KINDS, SOURCE)
    assert submission.title == "A testimony"
    assert submission.attribution == "Line one.\nLine two."


def test_body_line_ends_are_normalised(make_fields):
    submission = validate_document(make_fields(body="one\r\ntwo\rthree\n"), KINDS, SOURCE)
    assert submission.body == "one\ntwo\nthree\n"


@pytest.mark.parametrize("source", [None, "", {}])
def test_no_source_is_an_empty_source(make_fields, source):
    assert validate_document(make_fields(source=source), KINDS, SOURCE).source.empty


def test_configured_kinds_decide_what_is_accepted(make_fields):
    fields = make_fields(kind="photo")
    assert validate_document(fields, ("photo",), SOURCE).kind == "photo"
    with pytest.raises(IngestError, match="'photo' is not one of"):
        validate_document(fields, KINDS, SOURCE)
