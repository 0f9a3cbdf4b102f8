"""Names of people nobody registered: found by natasha (Russian) and by morphology.

natasha's NER model ships inside its package (no download at run time) and finds Russian
person names in context, declined forms included. For Latin script the archive's names are
mostly Russian and Chechen names romanised, which English NER models miss; a capitalised Latin
word is taken as a name when its Cyrillic transliteration is a first name, surname or
patronymic in the pymorphy3 dictionary (Yunus → Юнус, Kataev → Катаев), or when it has the
shape of a Russian surname (-ov, -eva, -sky…). Public people of the record are kept by the
allowlist, which the caller applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from wordfreq import zipf_frequency

from archive.redaction import given_names
from archive.redaction.names import WORD, morph, word_keys
from archive.redaction.spans import Span
from archive.translit import is_cyrillic, skeleton, to_cyrillic

_NAME_TAGS = {"Name", "Surn", "Patr"}
_SURNAME_SHAPE = re.compile(
    r"^[A-Z][a-z]+(?:ov|ev|yov|in|yn|aev|iev|ova|eva|ina|yna|sky|skiy|skaya|enko|uk|dze|shvili|"
    r"khanov|murzaev|gov)a?$"
)
_CAPITALISED = re.compile(r"(?:Mc|Mac|O')?[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?")
# A capitalised word this frequent in English (Zipf ≥ 4: "Muslim", "Reported", "Mark") is read
# as a word, not a name, unless it is a registered identity; romanised Russian and Chechen names
# sit far below (Yunus 2.5, Shamil 1.9, Movsar 0).
COMMON_ENGLISH_ZIPF = 4.0
# Capitalised English words that transliterate into Russian names (Max → Макс is fine, but
# "Mark" the verb, "May" the month and "Will" are common words at a sentence start).
_STOP = {
    "a", "an", "and", "april", "august", "but", "december", "february", "friday", "he", "her",
    "his", "i", "in", "it", "january", "july", "june", "march", "may", "monday", "my", "november",
    "october", "on", "our", "saturday", "september", "she", "sunday", "the", "their", "then",
    "they", "thursday", "tuesday", "we", "wednesday", "when", "will", "mark", "grant", "rose",
    "amber", "dawn", "faith", "hope", "joy", "summer", "winter", "bill", "art", "guy", "max",
    "mobile", "police", "later", "after", "before", "during", "once", "there", "this", "that",
    "these", "those", "all", "one", "two", "both", "some", "many", "from", "at", "by", "for",
    "with", "without", "about", "among", "only", "even", "still", "since", "until", "while",
    "nobody", "everyone", "someone", "what", "who", "why", "how", "where", "yes", "no",
}  # fmt: skip


@lru_cache(maxsize=1)
def _natasha():
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


def russian_entities(text: str) -> list[Span]:
    """Return natasha's spans (PERSON, and LOC/ORG as PLACE/ORG) in text with Cyrillic."""
    if not re.search(r"[А-Яа-яЁё]", text):
        return []
    kinds = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORG"}
    return [Span(s.start, s.stop, kinds[s.type], "natasha") for s in _natasha()(text).spans]


def latin_persons(text: str) -> Iterator[Span]:
    """Yield runs of capitalised Latin words that are Russian/Chechen names or surnames.

    A capitalised word right before a surname joins it (Leila Murtazalieva), even when the
    first name alone is not recognised.
    """
    words = list(_CAPITALISED.finditer(text))
    names = [_is_name(m.group(0)) for m in words]
    for i, match in enumerate(words[:-1]):
        following = words[i + 1]
        word = match.group(0)
        if (
            not names[i]
            and names[i + 1]
            and text[match.end() : following.start()] == " "
            and _SURNAME_SHAPE.match(following.group(0))
            and word.lower() not in _STOP
            and zipf_frequency(word.lower(), "en") < COMMON_ENGLISH_ZIPF
        ):
            names[i] = True
    run_start = run_end = None
    for match, is_name in zip(words, names, strict=True):
        if not is_name:
            continue
        if run_end is not None and text[run_end : match.start()] == " ":
            run_end = match.end()
            continue
        if run_start is not None:
            yield Span(run_start, run_end, "PERSON", "latin-names")
        run_start, run_end = match.start(), match.end()
    if run_start is not None:
        yield Span(run_start, run_end, "PERSON", "latin-names")


_CYR_SURNAME = re.compile(r"^[А-ЯЁ][а-яё]{2,}(?:ов|ев|ёв|ин|ын|аев|иев|уев)(?:а|у|ым|ом|е|ой|ою|ых)?$")


def dictionary_persons(text: str) -> Iterator[Span]:
    """Yield capitalised Cyrillic words that are names or surnames (natasha's backup)."""
    for match in WORD.finditer(text):
        word = re.split(r"['’]", match.group(0))[0]  # Кирилл's
        if not re.match(r"[А-ЯЁ]", word):
            continue
        if _is_russian_name(word) or (_CYR_SURNAME.match(word) and _unknown_word(word)):
            yield Span(match.start(), match.start() + len(word), "PERSON", "pymorphy3")


_NAMED = re.compile(
    r"(?:зовут|звали|по имени|по прозвищу|(?<!\w)named|nicknamed|by the name of)\s+"
    r"([A-ZА-ЯЁ][a-zа-яё]+(?:\s[A-ZА-ЯЁ][a-zа-яё]+)?)"
)


def named_persons(text: str) -> Iterator[Span]:
    """Yield the name after "зовут", "звали", "по имени", "named": said to be a name."""
    for match in _NAMED.finditer(text):
        yield Span(*match.span(1), "PERSON", "named")


_QUOTED_WORD = re.compile(r"(?<=['‘«\"“])([a-zа-яё][a-zа-яё]{2,})(?=['’»\"”])")


def quoted_lowercase_names(text: str) -> Iterator[Span]:
    """Yield a lone lower-case name in quotes, as phones save contacts ('artyom', «максим»)."""
    for match in _QUOTED_WORD.finditer(text):
        word = match.group(1)
        cyrillic = word if re.match(r"[а-яё]", word) else to_cyrillic(word)
        if _is_russian_name(cyrillic.capitalize(), strict=False):
            yield Span(*match.span(1), "PERSON", "quoted-name")


def is_place(text: str) -> bool:
    """True when every word of a span can be a place name (Грозный, Аргуне)."""
    words = WORD.findall(text)
    return bool(words) and all(_geographic(w) for w in words)


@lru_cache(maxsize=100_000)
def _geographic(word: str) -> bool:
    """A place more than a name: Аргуне, Грозный (also an adjective); not Артём (also a town).
    A Latin word is read as its Cyrillic spelling (Gudermes as Гудермес), so that a place
    named in English in a Russian text is not taken for a person in one context and not in
    another (natasha's reading of it depends on the words around it)."""
    if not is_cyrillic(word):
        word = to_cyrillic(word)
    parses = morph().parse(word)
    place = sum(p.score for p in parses if "Geox" in p.tag)
    name = sum(p.score for p in parses if _NAME_TAGS & p.tag.grammemes)
    adjective = any(p.tag.POS in ("ADJF", "ADJS") for p in parses)
    return place > 0 and (place >= name or adjective)


_GIVEN_NAMES = frozenset(skeleton(n) for n in given_names.ALL)


def _known_given_name(word: str) -> bool:
    """True for a Chechen, Ingush or Dagestani first name in any case form or script."""
    return any(key in _GIVEN_NAMES for key in word_keys(word))


@lru_cache(maxsize=100_000)
def _unknown_word(word: str) -> bool:
    """True when the dictionary does not know the word (as a place or anything else)."""
    parses = morph().parse(word)
    return not any(p.is_known for p in parses) and not any("Geox" in p.tag for p in parses)


@lru_cache(maxsize=100_000)
def _is_name(word: str) -> bool:
    base = word.split("'")[0] if not word.startswith("O'") else word
    if base.lower() in _STOP or len(base) < 3:
        return False
    if zipf_frequency(base.lower(), "en") >= COMMON_ENGLISH_ZIPF:
        return False
    if _SURNAME_SHAPE.match(base):
        return True
    return _is_russian_name(to_cyrillic(base).capitalize(), strict=False)


@lru_cache(maxsize=100_000)
def _is_russian_name(word: str, strict: bool = True) -> bool:
    parses = morph().parse(word)
    if not parses:
        return False
    best = parses[0]
    if _known_given_name(word):
        return True
    if strict:
        # The name readings must outweigh the others: "Надежда" is mostly hope, "Милана" mostly
        # the city, "Артём" mostly the name; a word that can be an adjective ("Грозном":
        # Грозный the surname, the city, the adjective) is left to the NER model's judgement.
        if any(p.tag.POS in ("ADJF", "ADJS") for p in parses):
            return False
        as_name = sum(p.score for p in parses if _NAME_TAGS & p.tag.grammemes)
        return bool(_NAME_TAGS & best.tag.grammemes) and best.is_known and as_name > 0.5
    # A transliterated Latin word must be a name the dictionary knows: its guesses for unknown
    # words ("Markdown" → "маркдовн", a surname by its ending) are not evidence.
    return bool(_NAME_TAGS & best.tag.grammemes) and best.score >= 0.3 and best.is_known


_LOWER_WORD = re.compile(r"(?<![\w@])[a-zа-яё]{3,}(?![\w@])")


def lowercase_full_names(text: str) -> Iterator[Span]:
    """Yield a lower-case first name and the rare word after it, as people write them in web
    addresses, slugs and hashtags ("ibragim zakriev", "руслан магомедов"); a lone first name
    that is no ordinary word ("movsar") too. Meant for labels, not running prose."""
    words = list(_LOWER_WORD.finditer(text))
    for i, match in enumerate(words):
        word = match.group(0)
        if _ordinary(word) or not _lower_given_name(word):
            continue
        end = match.end()
        following = words[i + 1] if i + 1 < len(words) else None
        if following is not None and text[end : following.start()].strip() == "" and not _ordinary(following.group(0)):
            end = following.end()
        yield Span(match.start(), end, "PERSON", "lowercase-name")


@lru_cache(maxsize=100_000)
def _ordinary(word: str) -> bool:
    """A frequent word of either language ("adam" 4.3 in English, "ислам" in Russian)."""
    return zipf_frequency(word, "ru" if is_cyrillic(word) else "en") >= 3.0


@lru_cache(maxsize=100_000)
def _lower_given_name(word: str) -> bool:
    cyrillic = word if is_cyrillic(word) else to_cyrillic(word)
    return _known_given_name(cyrillic) or _is_russian_name(cyrillic.capitalize(), strict=False)
