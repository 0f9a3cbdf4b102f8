"""Distinct people stay distinct; namesakes of officials are private people (issue 18)."""

from __future__ import annotations

import pytest

from archive.redaction import Identity, redact

RUSLAN = Identity(("Ruslan Magomedov", "Руслан Магомедов"), "Witness R")


def test_a_brother_with_the_same_surname_is_not_the_protected_witness():
    text = (
        "Ruslan Magomedov was detained. His brother Timur Magomedov wrote to me at "
        "ruslan.magomedov@mail.ru or on Telegram @ruslan_magomedov."
    )
    out = redact(text, identities=[RUSLAN])
    assert out.text == (
        "Witness R was detained. His brother [person 1] wrote to me at [email] or on Telegram [handle]."
    )
    flagged = [s for s in out.spans if s.detector == "shares-a-name"]
    assert [text[s.start : s.end] for s in flagged] == ["Timur Magomedov"]


def test_the_brothers_in_russian_and_in_every_case_form():
    out = redact("Руслан Магомедов и его брат Тимур Магомедов. Руслана увезли, Тимура нет.", identities=[RUSLAN])
    assert out.text.startswith("Witness R и его брат [person 1].")
    assert "Witness R увезли" in out.text


def test_unprotected_brothers_get_two_numbers_and_keep_them():
    out = redact("Ruslan Magomedov and Timur Magomedov met; Ruslan left, Timur stayed. Magomedov Ruslan came back.")
    assert out.text == "[person 1] and [person 2] met; [person 1] left, [person 2] stayed. [person 1] came back."


def test_an_identity_registered_by_a_first_name_takes_the_surname_beside_it():
    out = redact("Movsar Dadaev called me.", identities=[Identity(("Movsar",), "Witness M")])
    assert out.text == "Witness M called me."


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("Задержанный Умаров рассказал о пытках.", False),
        ("Соседа Катаева забрали ночью.", False),
        ("My cousin Kataev was taken at night.", False),
        ("Лечи Умаров пропал. Умаров не вернулся.", False),
        ("Джамбулат Умаров выступил. Умаров сказал, что геев нет.", True),
        ("Министр Чечни Умаров сказал, что геев нет.", True),
        ("Kadyrov denied that gay men exist in Chechnya.", True),
        ("Всё это делалось по приказу Кадырова.", True),
    ],
)
def test_a_surname_an_official_bears_is_the_official_s_only_when_the_text_says_so(text, public):
    out = redact(text).text
    surnames = ("Умаров", "Катаев", "Kataev", "Kadyrov", "Кадыров")
    assert any(s in out for s in surnames) == public, out
    if not public:
        assert "[person 1]" in out
