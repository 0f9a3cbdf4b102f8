"""Phone numbers: Russian and international, any grouping, split across lines; not other numbers."""

from __future__ import annotations

import pytest

from archive.redaction import redact
from archive.redaction.phones import detect_phones

PHONES = [
    "+7 999 123-45-67",
    "8 (928) 123-45-67",
    "8-928-123-45-67",
    "+79281234567",
    "89281234567",
    "8 928 123 45 67",
    "+7 (928) 987 65 43",
    "+995 555 12 34 56",
    "+49 30 1234567",
    "+49 176 12345678",
    "8 (8712) 22-33-44",
]
SENTENCES = [
    "Мой номер {}, звоните после шести.",
    "He called me from {} that night.",
]
NOT_PHONES = [
    "Это случилось в 2017 году, а суд был в 2019.",
    "Его обвинили по статье 228 УК РФ, часть 2.",
    "Статья 228 УК РФ и статья 228.1 — это наркотики.",
    "He was fined under Article 6.21 of the Code.",
    "52 из 75 опрошенных рассказали одно и то же.",
    "52 of the 75 men we interviewed said so.",
    "Задержали 26.03.2017 около 23:45.",
    "Штраф составил 15 000 рублей, а потом 150 000.",
    "п. 1 ч. 2 ст. 105 УК РФ",
    "Between 1999 and 2009 about 300 people disappeared.",
]


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize("sentence", SENTENCES)
def test_phone_number_is_replaced(sentence, phone):
    text = sentence.format(phone)
    assert redact(text).text == sentence.format("[phone]")


@pytest.mark.parametrize("phone", ["+7 999 123-45-67", "89281234567", "+995 555 12 34 56"])
def test_brackets_around_a_phone_number_are_kept(phone):
    text = f"Номер брата ({phone}) был записан в его телефоне."
    assert redact(text).text == "Номер брата ([phone]) был записан в его телефоне."


@pytest.mark.parametrize("phone", PHONES)
def test_phone_detector_covers_the_whole_number(phone):
    text = f"Номер: {phone}."
    start = text.index(phone)
    spans = list(detect_phones(text))
    assert any(s.start <= start and s.end >= start + len(phone) for s in spans), spans
    assert {s.type for s in spans} == {"PHONE"}


@pytest.mark.parametrize(
    "text",
    [
        "Его номер +7 928\n123-45-67 был в телефоне.",
        "Его номер 8 928 123\n45 67 был в телефоне.",
        "His number was 8 (928)\n987-65-43, I remember it.",
    ],
)
def test_phone_number_split_across_a_line_break_is_replaced_whole(text):
    out = redact(text).text
    assert "[phone]" in out
    assert not any(ch.isdigit() for ch in out), out


@pytest.mark.parametrize(
    "text",
    [
        "+7 999 123-45-67 8 (928) 123-45-67",
        "Звонили с +7 999 123-45-67 8 928 765-43-21 и +7 (928) 111-22-33.",
        "numbers: +7 999 123-45-67 +7 999 765-43-21",
    ],
)
def test_phone_numbers_one_after_another_are_all_replaced(text):
    out = redact(text).text
    assert not any(ch.isdigit() for ch in out), out


@pytest.mark.parametrize("text", NOT_PHONES)
def test_numbers_that_are_not_phones_are_kept(text):
    assert list(detect_phones(text)) == []
    assert redact(text).text == text
