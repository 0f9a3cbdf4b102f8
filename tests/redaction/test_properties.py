"""Properties: redaction never fails, never leaks a registered name, and is stable when repeated."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from archive.redaction import redact, redact_text

# A dozen registered names and the forms a testimony may use: the Russian cases, Latin spellings.
NAME_FORMS = {
    "Хамзат": ["Хамзат", "Хамзата", "Хамзату", "Хамзатом", "Хамзате", "Khamzat", "Hamzat"],
    "Зелимхан": ["Зелимхан", "Зелимхана", "Зелимхану", "Зелимханом", "Зелимхане", "Zelimkhan"],
    "Мовсар": ["Мовсар", "Мовсара", "Мовсару", "Мовсаром", "Мовсаре", "Movsar"],
    "Айшат": ["Айшат", "Aishat", "Ayshat"],
    "Мадина": ["Мадина", "Мадины", "Мадине", "Мадину", "Мадиной", "Madina"],
    "Руслан": ["Руслан", "Руслана", "Руслану", "Русланом", "Руслане", "Ruslan"],
    "Ислам": ["Ислам", "Ислама", "Исламу", "Исламом", "Исламе", "Islam"],
    "Джохар": ["Джохар", "Джохара", "Джохару", "Джохаром", "Джохаре", "Dzhokhar", "Jokhar"],
    "Малика": ["Малика", "Малики", "Малике", "Малику", "Маликой", "Malika"],
    "Шамиль": ["Шамиль", "Шамиля", "Шамилю", "Шамилем", "Шамиле", "Shamil"],
    "Хава": ["Хава", "Хавы", "Хаве", "Хаву", "Хавой", "Khava"],
    "Юнус": ["Юнус", "Юнуса", "Юнусу", "Юнусом", "Юнусе", "Yunus", "Iunus"],
    "Гайрбеков": ["Гайрбеков", "Гайрбекова", "Гайрбекову", "Гайрбековым", "Gairbekov"],
}
# Lower-case "ислам" is the religion, which stays by design; every other name in any case goes.
COMMON_WORDS = {"Ислам"}
FILLER = [
    "и", "потом", "его", "увезли", "в", "Грозный", "Аргун", "ночью", "мы", "ждали", "the",
    "police", "took", "him", "to", "Gudermes", "at", "night", "2017", "года", "we", "waited",
    "сказал", "что", "брат", "was", "beaten", "28", "апреля",
]  # fmt: skip
SEPARATORS = [
    " ",
    ", ",
    ". ",
    "\n",
    "\n\n",
    " — ",
    ": ",
    "; ",
    " (",
    ") ",
    " «",
    "» ",
    ' "',
    '" ',
    " **",
    "** ",
    "\n- ",
    "\n> ",
]
IDENTIFIERS = [
    "+7 999 123-45-67", "8 (928) 123-45-67", "movsar.d@mail.ru", "@movsar_95",
    "https://vk.com/id123456", "10.0.0.1", "IMEI 356938035643809", "паспорт 4522 415433",
    "А123ВС 95", "43.3169, 45.6981", "ул. Береговая, д. 8, кв. 82", "родился 23 декабря 1991",
]  # fmt: skip
PUNCTUATION = list(".,;:!?()[]{}«»\"'—-*_#>`\n ")

MIXED_TEXT = st.lists(
    st.one_of(
        st.sampled_from(FILLER + IDENTIFIERS + PUNCTUATION + ["Movsar", "Дадаев", "Yunus"]),
        st.text(alphabet="0123456789 +-()./:@[]\n", max_size=20),
        st.text(max_size=10),
    ),
    max_size=40,
).map("".join)
NAMELESS_TEXT = st.lists(
    st.tuples(st.sampled_from(FILLER + IDENTIFIERS), st.sampled_from(SEPARATORS)), max_size=30
).map(lambda pairs: "".join(word + separator for word, separator in pairs))


@st.composite
def registered_name_in_filler(draw):
    """Return (registered name, the forms used, text) with the forms spread through filler."""
    name = draw(st.sampled_from(sorted(NAME_FORMS)))
    casings = [str, str.upper] + ([] if name in COMMON_WORDS else [str.lower])
    parts, used = [], []
    for _ in range(draw(st.integers(1, 6))):
        form = draw(st.sampled_from(casings))(draw(st.sampled_from(NAME_FORMS[name])))
        used.append(form)
        parts += draw(st.lists(st.sampled_from(FILLER), max_size=4))
        parts += [draw(st.sampled_from(SEPARATORS)) + form + draw(st.sampled_from(SEPARATORS))]
    parts += draw(st.lists(st.sampled_from(FILLER), max_size=4))
    return name, used, " ".join(parts)


SLOW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(st.text(max_size=300))
def test_redact_never_raises_on_arbitrary_text(text):
    result = redact(text)
    assert isinstance(result.text, str)
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)


@SLOW
@given(MIXED_TEXT, st.lists(st.sampled_from(sorted(NAME_FORMS) + ["Ruslan Gairbekov => X"])))
def test_redact_never_raises_on_names_digits_and_punctuation(text, names):
    result = redact(text, names)
    starts = [s.start for s in result.spans]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(result.spans, result.spans[1:], strict=False))


@SLOW
@given(registered_name_in_filler())
def test_a_registered_name_never_survives_in_any_form(example):
    name, used, text = example
    out = redact_text(text, [name])
    for form in set(used):
        assert not re.search(rf"(?<!\w){re.escape(form)}(?!\w)", out), (form, text, out)


@SLOW
@given(NAMELESS_TEXT)
# found by hypothesis: natasha read Gudermes as a person once the phone became "[phone]"
@example("и увезли Gudermes +7 999 123-45-67 ")
# found by hypothesis: phonenumbers read two numbers in a row as one, rejected it, and found
# only the second; the first was left in the public text
@example("+7 999 123-45-67 8 (928) 123-45-67 ")
def test_redacting_twice_changes_nothing_further(text):
    once = redact_text(text)
    assert redact_text(once) == once
