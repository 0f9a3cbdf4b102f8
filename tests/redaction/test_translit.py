"""Spelling skeletons: one name in any romanisation or script has one skeleton, two names two."""

from __future__ import annotations

import pytest

from archive.translit import is_cyrillic, skeleton, to_cyrillic, to_latin

SAME_NAME = [
    ("Хамзат", "Khamzat", "Hamzat"),
    ("Юнус", "Yunus", "Iunus"),
    ("Артём", "Artyom", "Artem", "Артем"),
    ("Джамал", "Jamal", "Dzhamal"),
    ("Зелимхан", "Zelimkhan", "Zelimhan"),
    ("Джохар", "Dzhokhar", "Jokhar"),
    ("Айшат", "Aishat", "Ayshat"),
    ("Мовсар", "Movsar", "MOVSAR", "movsar"),
    ("Гайрбеков", "Gairbekov", "Gayrbekov"),
]
DIFFERENT_NAMES = [
    ("Руслан", "Рустам"),
    ("Мадина", "Медина"),
    ("Khamzat", "Khasan"),
    ("Юнус", "Юсуп"),
    ("Артём", "Артур"),
    ("Хава", "Хеда"),
    ("Aslan", "Ruslan"),
    ("Ислам", "Ислан"),
]


@pytest.mark.parametrize("spellings", SAME_NAME, ids=lambda s: s[0])
def test_spelling_variants_of_a_name_share_a_skeleton(spellings):
    assert len({skeleton(s) for s in spellings}) == 1, {s: skeleton(s) for s in spellings}


@pytest.mark.parametrize(("one", "other"), DIFFERENT_NAMES)
def test_different_names_have_different_skeletons(one, other):
    assert skeleton(one) != skeleton(other)


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("Хамзат", "khamzat"), ("Зелимхан", "zelimkhan"), ("Юнус", "yunus"), ("Щукин", "shchukin")],
)
def test_cyrillic_transliterates_to_latin(cyrillic, latin):
    assert to_latin(cyrillic) == latin


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [("Dzhokhar", "джохар"), ("Yunus", "юнус"), ("Khamzat", "хамзат"), ("Shamil", "шамил")],
)
def test_latin_transliterates_to_cyrillic(latin, cyrillic):
    assert to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize(("word", "cyrillic"), [("Аргун", True), ("Argun", False), ("42", False)])
def test_script_is_detected(word, cyrillic):
    assert is_cyrillic(word) is cyrillic


def test_skeleton_ignores_case_and_punctuation():
    assert skeleton("ZELIM-KHAN") == skeleton("Zelimkhan")
