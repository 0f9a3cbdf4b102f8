"""The query language (archive/search/language.py): one table of queries, run against every
backend (Whoosh, and PostgreSQL when the suite runs on a server), and the parser's tree and
errors on their own."""

from __future__ import annotations

from datetime import date

import pytest

from archive.search import language as lang
from archive.search.backend import SearchRequest
from archive.search.errors import QueryError
from tests.search.test_backends import doc, found, ids, make_search  # noqa: F401, F811 - the fixture

DOCUMENTS = [
    doc(1, "Men were detained at a former military base near Argun.", places=("Argun",), tags=("detention",)),
    doc(
        2,
        "Рамзан Кадыров отрицал задержания. Мужчин держали на бывшей воинской базе.",
        language="ru",
        kind="official_statement",
        places=("Аргун",),
        tags=("denial",),
        published=date(2016, 5, 1),
    ),
    doc(
        3,
        "Kadyrov denied the detentions; relatives were pressed to keep silent.",
        kind="news_report",
        places=("Grozny city",),
        tags=("denial", "detention"),
        published=date(2018, 1, 1),
    ),
    doc(4, "A hotline took 75 calls; 52 men said they had been tortured.", tags=("hotline",)),
    doc(5, "Researchers only: the detained witness list.", consent="researchers"),
]

# (query, documents an anonymous reader finds): the same answer from every backend
TABLE = [
    ("detained", [1, 3]),  # stemmed: detained, detentions
    ("задержание", [2]),  # Russian stem: задержания
    ("Kadyrov", [2, 3]),  # across scripts
    ("Кадыров", [2, 3]),
    ("detained Argun", [1]),  # AND implied
    ("detained AND Argun", [1]),
    ("hotline OR relatives", [3, 4]),
    ("detained NOT Kadyrov", [1]),
    ("detained -Kadyrov", [1]),
    ("NOT detained", [2, 4]),
    ("(hotline OR relatives) NOT kind:news_report", [4]),
    ('"military base"', [1]),
    ('"base military"', []),
    ('"воинской базе"', [2]),
    ('"were detained" OR "were pressed"', [1, 3]),
    ("detain*", [1, 3]),
    ("detained*", [1, 3]),  # the stem of the prefix too
    ("tortur*", [4]),
    ("hot?ine", [4]),
    ("hotl*e", [4]),
    ("detaned~", [1, 3]),
    ("hotlime~1", [4]),
    ("kind:official_statement", [2]),
    ("lang:ru", [2]),
    ("language:ru", [2]),
    ("place:Argun", [1]),
    ('place:"Grozny city"', [3]),
    ("tag:denial", [2, 3]),
    ("tag:denial tag:detention", [3]),
    ("case:chechnya-2017", [1, 2, 3, 4]),
    ("year:2016", [2]),
    ("year:[2016 TO 2017]", [1, 2, 4]),
    ("year:[2017 TO]", [1, 3, 4]),
    ("year:[TO 2016]", [2]),
    ("tortured^3 OR detained", [1, 3, 4]),
    ("Researchers", []),  # only in a document anonymous readers may not see
    ("...", [1, 2, 3, 4]),  # punctuation alone asks for nothing in particular
    ("()", [1, 2, 3, 4]),
    ("title:hotline", [4]),  # not a field: its words
    ("walrus", []),
]


@pytest.fixture
def indexed(make_search):  # noqa: F811 - the fixture imported above
    search = make_search()
    search.index(DOCUMENTS)
    return search


@pytest.mark.parametrize(("query", "expected"), TABLE)
def test_every_backend_answers_the_query_language_alike(indexed, query, expected):
    assert ids(indexed, query) == expected


def test_the_page_highlights_the_terms_a_prefix_or_fuzzy_word_stood_for(indexed):
    (hit,) = found(indexed, SearchRequest(q="hotlime~1"), *DOCUMENTS).hits
    assert ">hotline</mark>" in hit.snippet
    (hit,) = found(indexed, SearchRequest(q="tortur*"), *DOCUMENTS).hits
    assert ">tortured</mark>" in hit.snippet


def test_a_negated_word_is_not_highlighted(indexed):
    (hit,) = found(indexed, SearchRequest(q="detained -Kadyrov"), *DOCUMENTS).hits
    assert ">detained</mark>" in hit.snippet and "Argun" in hit.snippet


def test_a_boost_moves_a_document_up(indexed):
    plain = [h.id for h in indexed.search(SearchRequest(q="hotline OR detained")).hits]
    boosted = [h.id for h in indexed.search(SearchRequest(q="hotline^20 OR detained")).hits]
    assert boosted[0] == 4 and sorted(plain) == sorted(boosted)


# -- the parser on its own -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", lang.Everything()),
        ("   ", lang.Everything()),
        ("a b", lang.And((lang.Word("a"), lang.Word("b")))),
        ("a OR b c", lang.Or((lang.Word("a"), lang.And((lang.Word("b"), lang.Word("c")))))),
        ("NOT a", lang.Not(lang.Word("a"))),
        ("a -b", lang.And((lang.Word("a"), lang.Not(lang.Word("b"))))),
        ('a -"b c"', lang.And((lang.Word("a"), lang.Not(lang.Phrase(("b", "c")))))),
        ("a -(b OR c)", lang.And((lang.Word("a"), lang.Not(lang.Or((lang.Word("b"), lang.Word("c"))))))),
        ('a +"b c"', lang.And((lang.Word("a"), lang.Phrase(("b", "c"))))),
        ('a - "b c"', lang.And((lang.Word("a"), lang.Phrase(("b", "c"))))),  # a dash apart is punctuation
        ('a NOT -"b c"', lang.And((lang.Word("a"), lang.Not(lang.Not(lang.Phrase(("b", "c"))))))),
        ('"(a" -"b c)"', lang.And((lang.Word("a"), lang.Not(lang.Phrase(("b", "c")))))),  # brackets quoted
        ("(" * 32 + "a" + ")" * 32, lang.Word("a")),  # as deep as brackets may be
        ("--a", lang.Word("a")),
        ("-+-a b", lang.And((lang.Word("a"), lang.Word("b")))),
        ("+" * 998 + "a", lang.Word("a")),  # marks read in a loop, not one call each
        ("-" * 999 + "a", lang.Not(lang.Word("a"))),
        ("--5", lang.Not(lang.Word("5"))),  # -5 is a word
        ("2017-02", lang.Word("2017-02")),  # a hyphen inside a word is not NOT
        ('"a b"^2', lang.Phrase(("a", "b"), 2.0)),
        ('"one"', lang.Word("one")),
        ("Détenu*", lang.Prefix("detenu")),
        ("ЁЛКИ*", lang.Prefix("елки")),
        ("ab?d", lang.Wildcard("ab?d")),
        ("word~2/3", lang.Fuzzy("word", 2, 3)),
        ("lang:ru", lang.Field("language", "ru")),
        ("KIND:testimony", lang.Field("kind", "testimony")),
        ("date:2017 walrus", lang.Word("walrus")),
        ("http://example.org", lang.And((lang.Word("http"), lang.Word("example"), lang.Word("org")))),
        ("a AND (b OR c)", lang.And((lang.Word("a"), lang.Or((lang.Word("b"), lang.Word("c")))))),
        ("NOT ()", lang.Nothing()),
    ],
)
def test_the_parser_gives_one_tree_for_every_engine(query, tree):
    assert lang.parse_query(query).tree == tree


def test_date_terms_are_collected_with_their_place():
    parsed = lang.parse_query("report date:2017-02/2017-03 DATE:..")
    assert parsed.periods == (("2017-02/2017-03", 7, 27), ("..", 28, 35))


@pytest.mark.parametrize(
    ("query", "said", "at"),
    [
        ('walrus "unclosed', "unclosed quotation mark", (7, 8)),
        ("(walrus", "unbalanced brackets", (0, 1)),
        ("walrus)", "unbalanced brackets", (6, 7)),
        (")walrus(", "unbalanced brackets", (0, 1)),
        ("x" * 1001, "1000 characters", (1000, 1001)),
        ("walrus AND", "AND needs a word", (7, 10)),
        ("OR walrus", "OR needs a word or a group before", (0, 2)),
        ("walrus AND OR seal", "AND needs a word", (7, 10)),
        ("NOT", "NOT needs a word", (0, 3)),
        ("  kind:", "kind: needs a value", (2, 7)),
        ("a*", "at least 2 letters before", (0, 2)),
        ("*ing", "at least 2 letters before", (0, 4)),
        ("kadyrov~5", "more than 2 letters away", (0, 9)),
        ("a~1 b~1 c~1 d~1", "more than 3 fuzzy terms", (12, 15)),
        ("word^1000", "weight", (0, 9)),
        ("word^x", "weight", (0, 6)),
        ("year:[2016-2017]", "range", (0, 16)),
        ("(" * 499 + "a" + ")" * 499, "nested more than 32 deep", (32, 33)),
        ("-(" * 250 + "a" + ")" * 250, "nested more than 32 deep", (65, 66)),
    ],
)
def test_a_query_that_cannot_be_searched_says_why_and_where(query, said, at):
    with pytest.raises(QueryError) as caught:
        lang.parse_query(query)
    assert said in caught.value.message
    assert (caught.value.start, caught.value.end) == at


def test_every_facet_is_a_field_a_filter_and_a_count():
    """One declaration: the query field, the URL parameter, the index and the facet counts."""
    assert lang.FACETS == ("kind", "language", "year", "place", "tag", "case")
    assert lang.FILTER_PARAMS["lang"] == "language"
    values = lang.facet_values(DOCUMENTS[2])
    assert values == {
        "kind": ["news_report"],
        "language": ["en"],
        "year": ["2018"],
        "place": ["Grozny city"],
        "tag": ["denial", "detention"],
        "case": ["chechnya-2017"],
    }
    for facet in lang.FACET_FIELDS:
        assert lang.parse_query(f"{facet.param}:x").tree == lang.Field(facet.name, "x")


def test_a_suggestion_offers_only_words_the_reader_may_see():
    seen = {"detained", "grozny"}
    near = {"detaned": ["detainee", "detained"], "grozni": ["grozny"]}
    assert lang.suggest("detaned in Grozni", seen.__contains__, lambda w: near.get(w, [])) == "detained in grozny"
    assert lang.suggest("detained", seen.__contains__, lambda w: []) is None
    assert lang.suggest("hidd3n zzzz", seen.__contains__, lambda w: ["secret"]) is None
