"""Protected identities: every mention of a registered name becomes its pseudonym.

Declined (Хамзата, Мадиной, Гайрбековым), in the other script, in any letter case, as one part
of the full name, possessive, or as a nickname registered on its own line; never a common
lower-case word that happens to equal a name.
"""

from __future__ import annotations

import pytest

from archive.redaction import redact
from archive.redaction.names import ProtectedNames


def redacted(text: str, *names: str) -> str:
    return redact(text, names).text


def assert_replaced(text: str, form: str, names: tuple[str, ...], pseudonym: str = "Witness A"):
    assert text.count(form) == 1, "the table's sentence must name the person once"
    assert redacted(text, *names) == text.replace(form, pseudonym)


KHAMZAT_CASES = [
    ("Хамзат вернулся домой через две недели.", "Хамзат"),  # именительный
    ("У Хамзата забрали телефон и паспорт.", "Хамзата"),  # родительный
    ("Я передал Хамзату записку через охранника.", "Хамзату"),  # дательный
    ("Мы с Хамзатом учились в одной школе.", "Хамзатом"),  # творительный
    ("Следователь долго спрашивал о Хамзате.", "Хамзате"),  # предложный
]
MADINA_CASES = [
    ("Мадина плакала в трубку.", "Мадина"),
    ("Телефон Мадины отключили в тот же день.", "Мадины"),
    ("Я написал Мадине поздно вечером.", "Мадине"),
    ("Родственники увезли Мадину к тёте.", "Мадину"),
    ("Я говорил с Мадиной по телефону.", "Мадиной"),
]
SURNAME_CASES = [
    ("Гайрбеков молчал на допросе.", "Гайрбеков"),
    ("Дом Гайрбекова обыскали ночью.", "Гайрбекова"),
    ("Гайрбекову угрожали по телефону.", "Гайрбекову"),
    ("С Гайрбековым мы сидели в одной камере.", "Гайрбековым"),
]


@pytest.mark.parametrize(("text", "form"), KHAMZAT_CASES)
def test_every_case_of_a_registered_first_name_is_replaced(text, form):
    assert_replaced(text, form, ("Хамзат",))


@pytest.mark.parametrize(("text", "form"), MADINA_CASES)
def test_every_case_of_a_feminine_name_is_replaced(text, form):
    assert_replaced(text, form, ("Мадина",))


def test_an_indeclinable_feminine_name_is_replaced():
    assert_replaced("Айшат ушла из дома весной.", "Айшат", ("Айшат",))


@pytest.mark.parametrize(("text", "form"), SURNAME_CASES)
def test_every_case_of_a_registered_surname_is_replaced(text, form):
    assert_replaced(text, form, ("Руслан Гайрбеков",))


@pytest.mark.parametrize(
    ("text", "form", "registered"),
    [
        ("Я встретил Руслана у рынка.", "Руслана", "Ruslan"),
        ("I met Ruslan at the market in Argun.", "Ruslan", "Руслан"),
        ("They beat Khamzat in front of me.", "Khamzat", "Хамзат"),
        ("They beat Hamzat in front of me.", "Hamzat", "Хамзат"),
        ("Мы ждали Зелимхана до утра.", "Зелимхана", "Zelimkhan"),
        ("We waited for Zelimkhan until dawn.", "Zelimkhan", "Зелимхан"),
        ("Iunus never came back.", "Iunus", "Юнус"),
    ],
)
def test_a_name_is_found_in_the_other_script_and_spelling(text, form, registered):
    assert_replaced(text, form, (registered,))


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Gairbekov was taken to the police station.", "Gairbekov"),
        ("Руслан позвонил мне ночью.", "Руслан"),
        ("RUSLAN wrote in capitals.", "RUSLAN"),
        ("The contact was saved as ruslan, nothing more.", "ruslan"),
        ("Gairbekova's sister gave an interview.", "Gairbekova"),
    ],
)
def test_one_part_of_a_full_name_in_any_case_is_replaced(text, form):
    out = redacted(text, "Ruslan Gairbekov")
    assert form not in out and form.lower() not in out.lower()
    assert "Witness A" in out


def test_a_full_name_mentioned_once_becomes_one_pseudonym():
    assert redacted("Руслана Гайрбекова увезли.", "Руслан Гайрбеков") == "Witness A увезли."
    assert redacted("Ruslan Gairbekov was taken.", "Руслан Гайрбеков") == "Witness A was taken."


def test_a_possessive_name_is_replaced():
    out = redacted("Ruslan's phone was taken at the checkpoint.", "Ruslan")
    assert "Ruslan" not in out
    assert out.startswith("Witness A")


def test_a_possessive_ending_stays_after_the_pseudonym():
    out = redacted("Ruslan's phone was taken at the checkpoint.", "Ruslan")
    assert out == "Witness A's phone was taken at the checkpoint."


def test_a_nickname_on_its_own_line_shares_the_pseudonym_it_is_given():
    names = ("Руслан Гайрбеков => Witness A", "Руся => Witness A")
    text = "Все звали его Руся. Руслан не возражал. Русю увезли первым."
    assert redacted(text, *names) == ("Все звали его Witness A. Witness A не возражал. Witness A увезли первым.")


def test_a_pseudonym_replaces_every_spelling_of_the_name():
    text = "Хамзат (Khamzat in his passport, Hamzat on Facebook) — друг Байсарова."
    out = redacted(text, "Хамзат Байсаров => Witness B")
    assert out == ("Witness B (Witness B in his passport, Witness B on Facebook) — друг Witness B.")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "Ислам",
            "Он принял ислам в 2010 году, а Ислам был против.",
            "Он принял ислам в 2010 году, а Witness A был против.",
        ),
        (
            "Вера",
            "Его вера была сильной, и Вера это знала.",
            "Его вера была сильной, и Witness A это знала.",
        ),
        (
            "Роза",
            "На подоконнике стояла роза, её поливала Роза.",
            "На подоконнике стояла роза, её поливала Witness A.",
        ),
        (
            "Лев",
            "Он дрался как лев, сказал Лев.",
            "Он дрался как лев, сказал Witness A.",
        ),
    ],
)
def test_a_lower_case_common_word_equal_to_a_registered_name_is_kept(name, text, expected):
    assert redacted(text, name) == expected


@pytest.mark.parametrize(
    ("name", "text", "form"),
    [
        ("Малика", "вчера писал малике, она не ответила", "малике"),
        ("Малика", "передай малику привет", "малику"),
        ("Хамзат", "хамзату передай, что всё хорошо", "хамзату"),
        ("Мадина", "с мадиной всё в порядке", "мадиной"),
    ],
)
def test_a_declined_name_written_in_lower_case_is_replaced(name, text, form):
    """Chats are often in lower case; a rare dictionary homonym (малик) must not shield a name."""
    assert_replaced(text, form, (name,))


# The detector itself: ProtectedNames.


def test_each_line_is_one_identity_with_a_default_pseudonym_in_order():
    protected = ProtectedNames.from_names(["Хамзат", "", "  ", "Мадина => Witness M", "Юнус"])
    assert [(i.names, i.pseudonym) for i in protected.identities] == [
        (("Хамзат",), "Witness A"),
        (("Мадина",), "Witness M"),
        (("Юнус",), "Witness C"),
    ]


@pytest.mark.parametrize(
    ("registered", "other"),
    [("Руслан", "Рустам"), ("Мадина", "Медина"), ("Ислам", "Исламабад"), ("Хава", "Хеда")],
)
def test_a_similar_but_different_word_is_not_a_registered_name(registered, other):
    assert list(ProtectedNames.from_names([registered]).find(f"Потом {other} исчез.")) == []


def test_no_names_registered_finds_nothing():
    protected = ProtectedNames.from_names([])
    assert not protected
    assert list(protected.find("Хамзат и Мадина")) == []


def test_a_found_name_carries_its_pseudonym_and_exact_offsets():
    text = "Вчера Хамзата увезли."
    [span] = ProtectedNames.from_names(["Хамзат => Witness H"]).find(text)
    assert text[span.start : span.end] == "Хамзата"
    assert (span.type, span.key) == ("PROTECTED", "Witness H")
