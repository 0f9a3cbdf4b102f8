"""Replacement: one marker per person, merged overlaps, and output that stays valid Markdown."""

from __future__ import annotations

import re

import pytest

from archive.redaction import Redaction, redact, redact_text
from archive.redaction.spans import Span, merge
from archive.rendering import render_markdown

# Numbering people.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Movsar called. Later Movsar came again with Ibragim. Then Movsar left.",
            "[person 1] called. Later [person 1] came again with [person 2]. Then [person 1] left.",
        ),
        (
            "Мовсар позвонил. Потом Мовсара увезли, а Ибрагим остался.",
            "[person 1] позвонил. Потом [person 1] увезли, а [person 2] остался.",
        ),
        (
            "Movsar Dadaev called. Later Dadaev came back. Then Yunus came.",
            "[person 1] called. Later [person 1] came back. Then [person 2] came.",
        ),
        (
            "Мовсар Дадаев позвонил. Потом Дадаева увезли, а Юнус остался.",
            "[person 1] позвонил. Потом [person 1] увезли, а [person 2] остался.",
        ),
    ],
)
def test_the_same_person_keeps_one_number_and_others_get_the_next(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("name", ["Yunus", "Timur", "Movsar"])
def test_numbering_starts_again_in_each_document(name):
    redact("Then Artyom came with Aslan and Shamil.")
    assert redact(f"Then {name} came.").text == "Then [person 1] came."


# Merging overlapping spans.


@pytest.mark.parametrize(
    ("spans", "merged"),
    [
        (  # overlapping: the union, with the type that wins
            [Span(0, 10, "PHONE", "a"), Span(5, 20, "PASSPORT", "b")],
            [Span(0, 20, "PASSPORT", "b")],
        ),
        (  # contained
            [Span(0, 20, "ADDRESS", "a"), Span(4, 8, "PERSON", "b")],
            [Span(0, 20, "ADDRESS", "a")],
        ),
        (  # a registered identity wins over everything
            [Span(3, 9, "PERSON", "a"), Span(0, 6, "PROTECTED", "b", "Witness A")],
            [Span(0, 9, "PROTECTED", "b", "Witness A")],
        ),
        (  # touching and apart: left alone, in order
            [Span(10, 12, "IP", "a"), Span(0, 5, "EMAIL", "b"), Span(5, 8, "PHONE", "c")],
            [Span(0, 5, "EMAIL", "b"), Span(5, 8, "PHONE", "c"), Span(10, 12, "IP", "a")],
        ),
        ([], []),
    ],
)
def test_overlapping_spans_merge_into_their_union(spans, merged):
    assert merge(spans) == merged


@pytest.mark.parametrize(
    "text",
    [
        "паспорт серия 45 22 № 415433",
        "Паспорт 4522 415433, выдан отделом УФМС.",
        "passport 45 22 415433 and phone 89281234567",
        "IMEI 35 693803 564380 9, телефон +7 928 123-45-67.",
        "загранпаспорт 75 1234567",
        "СНИЛС 123-456-789 01, ИНН 201234567890",
    ],
)
def test_no_digit_of_an_identifier_is_left_at_an_edge(text):
    out = redact(text).text
    assert not re.search(r"\d", out), out


def test_a_registered_name_inside_a_detected_full_name_takes_the_whole_name():
    assert redact("Movsar Dadaev called me.", ["Movsar"]).text == "Witness A called me."


@pytest.mark.parametrize(
    "text",
    [
        "8 (928) 123-45-67, Грозный ",
        "Его номер +7 999 123-45-67, потом его увезли в Аргун.",
        "Почта movsar.d@mail.ru, город Гудермес.",
    ],
)
def test_redacting_again_leaves_a_place_next_to_a_marker_alone(text):
    """Re-redaction (a name added later) must not read a place beside a marker as a person."""
    once = redact_text(text)
    assert redact_text(once) == once


# The result object.


def test_spans_point_into_the_original_and_match_the_replacements():
    text = "Хамзата увезли; его номер +7 999 123-45-67, почта h.b@mail.ru."
    result = redact(text, ["Хамзат => Witness H"])
    assert isinstance(result, Redaction)
    assert [text[s.start : s.end] for s in result.spans] == [
        "Хамзата",
        "+7 999 123-45-67",
        "h.b@mail.ru",
    ]
    assert result.replacements == ["Witness H", "[phone]", "[email]"]
    assert result.text == "Witness H увезли; его номер [phone], почта [email]."
    assert [d["type"] for d in result.as_json()] == ["PROTECTED", "PHONE", "EMAIL"]
    assert {"start", "end", "type", "detector", "replacement"} == set(result.as_json()[0])


def test_redact_text_returns_the_text_alone():
    assert redact_text("Хамзат позвонил", ["Хамзат"]) == "Witness A позвонил"


@pytest.mark.parametrize("text", ["", " ", "\n\n", "Ничего не случилось.", "Nothing to hide."])
def test_text_without_identifiers_is_unchanged(text):
    result = redact(text)
    assert (result.text, result.spans, result.replacements) == (text, [], [])


def test_blank_names_are_ignored():
    assert redact("Хамзат позвонил", ["", "  "]).text == redact("Хамзат позвонил").text


# Markdown: a marker must not turn into a link, a link definition or swallow the line.


def rendered(text: str, names=()) -> str:
    return render_markdown(redact(text, names).text)


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("Movsar Dadaev: he was there when they came.", "[person 1]: he was there"),
        ("Мовсар Дадаев: «я был там».", "[person 1]: «я был там»"),
        ("   Movsar Dadaev: he said nothing.", "[person 1]: he said nothing"),
        ("aishat@mail.ru: her main address", "[email]: her main address"),
        ("+7 999 123-45-67: his number", "[phone]: his number"),
        ("+7 999 123-45-67(WhatsApp) was his number", "[phone](WhatsApp) was his number"),
        ("Write to @movsar_95(old account)", "[handle](old account)"),
        ("Dadaev[1] said so.", "[person 1][1] said so."),
    ],
)
def test_a_marker_is_never_read_as_a_link_or_a_definition(text, visible):
    html = rendered(text)
    assert visible in html, html
    assert "<a" not in html


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        (
            "- Movsar Dadaev: detained\n- Yunus: released",
            ["[person 1]: detained", "[person 2]: released"],
        ),
        (
            "1. Movsar Dadaev: detained\n2. Yunus: released",
            ["[person 1]: detained", "[person 2]: released"],
        ),
        ("* aishat@mail.ru: her address", ["[email]: her address"]),
        ("> Movsar Dadaev: he was there.", ["[person 1]: he was there."]),
    ],
)
def test_a_marker_starting_a_list_item_or_quote_keeps_its_line(text, visible):
    html = rendered(text)
    for line in visible:
        assert line in html, html


@pytest.mark.parametrize(
    ("text", "expected", "tag"),
    [
        ("Call **+7 999 123-45-67** now.", "Call **[phone]** now.", "<strong>[phone]</strong>"),
        ("Her mail was *aishat@mail.ru*.", "Her mail was *[email]*.", "<em>[email]</em>"),
        ("Number: _8 928 123 45 67_", "Number: _[phone]_", "<em>[phone]</em>"),
        ("**Movsar Dadaev**: he said", "**[person 1]**: he said", "<strong>[person 1]</strong>"),
    ],
)
def test_emphasis_around_an_identifier_is_kept(text, expected, tag):
    assert redact(text).text == expected
    assert tag in render_markdown(expected)


@pytest.mark.parametrize(
    ("text", "secrets", "kept"),
    [
        ("See [my page](https://vk.com/id5) please.", ["vk.com", "id5"], "my page"),
        ("[his channel](t.me/movsar_95) was closed.", ["t.me", "movsar_95"], "his channel"),
        ("[Movsar](https://vk.com/movsar) wrote to me.", ["Movsar", "vk.com"], "wrote to me"),
    ],
)
def test_a_link_to_an_identifier_leaves_no_identifier_and_keeps_its_text(text, secrets, kept):
    out = redact(text).text
    html = render_markdown(out)
    for secret in secrets:
        assert secret.lower() not in out.lower(), out
        assert secret.lower() not in html.lower(), html
    assert kept in html


def test_a_pseudonym_needs_no_escaping():
    assert redact("Movsar: he was there.", ["Movsar"]).text == "Witness A: he was there."


def test_a_markdown_testimony_is_redacted_and_keeps_its_structure():
    text = (
        "## Показания\n\n"
        "Меня задержали **26 марта 2017 года** в Аргуне. Со мной был Хамзат.\n\n"
        "- телефон: +7 928 123-45-67\n"
        "- почта: h.baisarov@mail.ru\n"
        "- адрес: ул. Береговая, д. 8, кв. 82\n\n"
        "> Хамзата били при мне, — сказал Зелимхан Мусаев.\n"
    )
    out = redact(text, ["Хамзат Байсаров"]).text
    html = render_markdown(out)
    for secret in ("Хамзат", "928", "baisarov", "Береговая", "Зелимхан", "Мусаев"):
        assert secret not in out, secret
    assert out.startswith("## Показания\n\nМеня задержали **26 марта 2017 года** в Аргуне.")
    assert "<strong>26 марта 2017 года</strong>" in html
    assert html.count("<li>") == 3 and "<blockquote>" in html
    assert "Witness A" in html and "[phone]" in html and "[person 1]" in html
