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
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache

from wordfreq import zipf_frequency

from archive.redaction import given_names
from archive.redaction.names import WORD, diminutive_stem, morph, word_keys
from archive.redaction.spans import Span
from archive.translit import is_cyrillic, skeleton, to_cyrillic

_NAME_TAGS = {"Name", "Surn", "Patr"}
_SURNAME_SHAPE = re.compile(
    r"^[A-ZÀ-Þ][a-zß-ÿ]+(?:ov|ev|yov|in|yn|aev|iev|ova|eva|ina|yna|sky|skiy|skaya|enko|uk|dze|shvili|"
    r"khanov|murzaev|gov|"
    # German and French romanisations of the same names: Dudajew, Dschamaldinow, Doudaïev
    r"ow|ew|jew|iew|ïev|ïew|owa|ewa|jewa|ïeva|off|eff|ieff)a?$"
)
_LATIN_UPPER = "A-ZÀ-ÖØ-Þ"
_LATIN_LOWER = "a-zß-öø-ÿ"
_CAPITALISED = re.compile(
    rf"(?:Mc|Mac|O')?[{_LATIN_UPPER}][{_LATIN_LOWER}]+(?:[-'][{_LATIN_UPPER}]?[{_LATIN_LOWER}]+)?"
)
# Common English first names (frequent words too: "Mary", "John"), read as names only where a
# capitalised word follows them (John Smith) or they follow a surname and a comma.
_ENGLISH_GIVEN = frozenset(given_names.ENGLISH.split())
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


_KINDS = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORG"}


def russian_entities(text: str) -> list[Span]:
    """Return natasha's spans (PERSON, and LOC/ORG as PLACE/ORG) in text with Cyrillic.

    The model reads each word in a window of three words either side (three convolutions of
    width three) and its tags follow what it reads; so it is given only the capitalised words
    that may be names, each with four words of context either side (windows that touch are
    joined), all windows in one batch. A testimony is read several times faster than as one
    sequence, with the same reading of every word that can be a name. A sentence's frequent
    first word ("Меня", "Потом") is no candidate unless it can be a name (Руслан, Иван)."""
    if not _ANY_CYRILLIC.search(text):
        return []
    pieces = _windows(text)
    if not pieces:
        return []
    # each distinct stretch read once (a text that repeats itself is read at the cost of one
    # repetition), the shortest together (less padding in a batch)
    distinct = sorted({text[start:end] for start, end in pieces}, key=len)
    markups = dict(zip(distinct, _natasha().map(distinct), strict=True))
    return [
        Span(start + s.start, start + s.stop, _KINDS[s.type], "natasha")
        for start, end in pieces
        for s in markups[text[start:end]].spans
    ]


_ANY_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
_HAS_DIGIT = re.compile(r"\d")
_CONTEXT = 4  # words either side of a candidate: the model's window (3) and one more
# Windows are joined up to this many characters; beyond, the next one starts anew (overlapping
# the last: every candidate still has its context), so that a long run of names is read in a
# batch of short sequences rather than as one long one, whose decoding goes word by word.
_LONGEST = 320
# A capitalised word where a token starts (not "Def" in "abc-Def", which is one token)
_CANDIDATE = re.compile(r"(?<!\w)(?<!\w[-'’])[A-ZÀ-ÖØ-ÞА-ЯЁ]\w*(?:[-'’]\w+)*")


def _windows(text: str) -> list[tuple[int, int]]:
    """The stretches to read: each candidate with four words either side, joined while they
    touch and are short. The text is split into words once, and only when it has a capital."""
    candidates = list(_CANDIDATE.finditer(text))
    if not candidates:
        return []
    starts, ends = [], []
    for token in _TOKEN.finditer(text):
        starts.append(token.start())
        ends.append(token.end())
    windows: list[list[int]] = []
    passed: dict[str, bool] = {}  # word → not a number, not a place (a text repeats its words)
    for match in candidates:
        word = match.group(0)
        if word not in passed:
            passed[word] = not (_HAS_DIGIT.search(word) or (is_cyrillic(word) and _geographic(word)))
        if not passed[word]:
            continue
        i = bisect_left(starts, match.start())
        opening = i == 0 or _sentence_ends(text, starts[i - 1], match.start())
        if opening and not _may_be_name(word):
            continue
        low = starts[max(0, i - _CONTEXT)]
        high = max(ends[min(len(ends) - 1, i + _CONTEXT)], match.end())
        if windows and low <= windows[-1][1] and high - windows[-1][0] < _LONGEST:
            windows[-1][1] = max(high, windows[-1][1])
        else:
            windows.append([low, high])
    return [(low, high) for low, high in windows]


def _sentence_ends(text: str, previous: int, start: int) -> bool:
    """Whether the token at `previous` ends a sentence before the word at `start`."""
    return text[previous] in ".!?…" or "\n" in text[previous:start]


@lru_cache(maxsize=50_000)
def _may_be_name(word: str) -> bool:
    if zipf_frequency(word.lower(), "ru" if is_cyrillic(word) else "en") < 4.0:
        return True
    if not is_cyrillic(word):
        return is_given_name(word)
    return _known_given_name(word) or any(_NAME_TAGS & p.tag.grammemes for p in morph().parse(word))


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
        gap = text[match.end() : following.start()]
        if (
            not names[i]
            and names[i + 1]
            and gap == " "
            and _SURNAME_SHAPE.match(following.group(0))
            and word.lower() not in _STOP
            and (zipf_frequency(word.lower(), "en") < COMMON_ENGLISH_ZIPF or is_given_name(word))
        ):
            names[i] = True  # Leila Murtazalieva; Islam Khasanov (a frequent word, and a name)
        if (
            gap == ", "
            and not names[i]
            and following.group(0).lower() in _ENGLISH_GIVEN
            and word.lower() not in _STOP | _OPENERS
            and (zipf_frequency(word.lower(), "en") < COMMON_ENGLISH_ZIPF or _SURNAME_SHAPE.match(word))
            and not _a_place(word)
        ):
            names[i] = names[i + 1] = True  # "Last, First": Wright, Laura
        if gap == " " and word.lower() in _ENGLISH_GIVEN and following.group(0).lower() not in _STOP:
            names[i] = names[i + 1] = True  # John Smith, Mary Jones
        if gap == ", " and names[i] and _SURNAME_SHAPE.match(word) and is_given_name(following.group(0)):
            names[i + 1] = True  # "Last, First": Khasanov, Islam
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


@lru_cache(maxsize=50_000)
def is_given_name(word: str) -> bool:
    """A first name in any list or spelling, frequent word or not (Islam, Adam, Sergej, John)."""
    if word.lower() in _ENGLISH_GIVEN:
        return True
    for spelled in spellings(word):
        cyrillic = to_cyrillic(spelled).capitalize()
        if _known_given_name(cyrillic) or any("Name" in p.tag for p in morph().parse(cyrillic)[:2]):
            return True
    return False


_CYR_SURNAME = re.compile(r"^[А-ЯЁ][а-яё]{2,}(?:ов|ев|ёв|ин|ын|аев|иев|уев)(?:а|у|ым|ом|е|ой|ою|ых)?$")


# A word (as names.WORD reads them) that begins with a capital Cyrillic letter
_CAPITAL_CYRILLIC = re.compile(r"(?<![A-Za-zА-Яа-яЁё])(?<![A-Za-zА-Яа-яЁё]['’-])[А-ЯЁ][A-Za-zА-Яа-яЁё'’-]*")
_APOSTROPHE = re.compile(r"['’]")


def dictionary_persons(text: str) -> Iterator[Span]:
    """Yield capitalised Cyrillic words that are names or surnames (natasha's backup)."""
    decided: dict[str, bool] = {}  # a text repeats its words: each is looked up once
    for match in _CAPITAL_CYRILLIC.finditer(text):
        word = _APOSTROPHE.split(match.group(0), 1)[0]  # Кирилл's
        if word not in decided:
            decided[word] = _is_russian_name(word) or bool(_CYR_SURNAME.match(word) and _unknown_word(word))
        if decided[word]:
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
    # a place the dictionary knows: its guesses for an unknown word ("Байсаров" like Саров)
    # are no evidence of a place
    place = sum(p.score for p in parses if "Geox" in p.tag and p.is_known)
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
    if base.lower() in _ENGLISH_GIVEN:
        return True  # Mary, Peter: frequent words, but names written capitalised
    if zipf_frequency(base.lower(), "en") >= COMMON_ENGLISH_ZIPF:
        return False
    if _SURNAME_SHAPE.match(base):
        return not _a_place(base)
    return any(_is_russian_name(to_cyrillic(v).capitalize(), strict=False) for v in spellings(base))


# Towns whose English or German names end like a German surname (-ow, -ew)
_PLACES_LIKE_SURNAMES = frozenset({"moscow", "glasgow", "krakow", "cracow", "rostow", "pskow", "kiew", "tambow"})


def _a_place(word: str) -> bool:
    return word.lower() in _PLACES_LIKE_SURNAMES


# German and French spellings of Russian and Chechen sounds, as English-style transliteration
# reads them (Letchi → Lechi, Alichan → Alikhan, Achmed → Akhmed, Dmitriï → Dmitriy)
_GERMAN = (("dsch", "dzh"), ("tsch", "ch"), ("sch", "sh"), ("ch", "kh"), ("w", "v"), ("j", "y"))
_FRENCH = (("tch", "ch"), ("dj", "dzh"), ("ou", "u"), ("ch", "sh"), ("ï", "y"), ("io", "yo"), ("j", "zh"))
# Words that open a sentence before a comma and a name ("Yesterday, Mary said"), not surnames
_OPENERS = frozenset(
    (
        "yesterday",
        "today",
        "tomorrow",
        "however",
        "then",
        "later",
        "finally",
        "meanwhile",
        "afterwards",
        "instead",
        "moreover",
        "therefore",
        "also",
        "still",
        "now",
        "here",
        "there",
        "sometimes",
        "often",
        "once",
        "again",
        "first",
        "second",
        "third",
        "last",
        "next",
        "soon",
        "suddenly",
        "eventually",
        "unfortunately",
        "luckily",
        "sadly",
        "please",
        "thanks",
        "dear",
        "hello",
        "hi",
    )
)


@lru_cache(maxsize=100_000)
def spellings(word: str) -> tuple[str, ...]:
    """The word, without accents, and read as German and as French romanisation."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    out = [word, plain]
    for table in (_GERMAN, _FRENCH):
        spelled = word.lower()
        for old, new in table:
            spelled = spelled.replace(old, new)
        spelled = "".join(c for c in unicodedata.normalize("NFKD", spelled) if not unicodedata.combining(c))
        out.append(spelled.capitalize() if word[:1].isupper() else spelled)
    return tuple(dict.fromkeys(out))


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
        # (a possessive, "Петров" as Peter's, is no adjective of that kind: Петров the surname)
        if any(p.tag.POS in ("ADJF", "ADJS") and "Poss" not in p.tag for p in parses):
            return False
        as_name = sum(p.score for p in parses if _NAME_TAGS & p.tag.grammemes)
        return bool(_NAME_TAGS & best.tag.grammemes) and best.is_known and as_name > 0.5
    # A transliterated Latin word must be a name the dictionary knows: its guesses for unknown
    # words ("Markdown" → "маркдовн", a surname by its ending) are not evidence.
    return bool(_NAME_TAGS & best.tag.grammemes) and best.score >= 0.3 and best.is_known


_LOWER_WORD = re.compile(r"(?<![\w@])[a-zß-öø-ÿа-яё]{3,}(?![\w@])")


def lowercase_full_names(text: str) -> Iterator[Span]:
    """Yield a lower-case first name and the rare word after it, as people write them in web
    addresses, slugs and hashtags ("ibragim zakriev", "руслан магомедов"); a lone first name
    that is no ordinary word ("movsar") too. Meant for labels, not running prose."""
    words = list(_LOWER_WORD.finditer(text))
    for i, match in enumerate(words):
        word = match.group(0)
        if (_ordinary(word) and word not in _ENGLISH_GIVEN) or not _lower_given_name(word):
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
    if word in _ENGLISH_GIVEN:
        return True
    if is_cyrillic(word):
        return _known_given_name(word) or _is_russian_name(word.capitalize(), strict=False)
    return any(
        _known_given_name(to_cyrillic(v)) or _is_russian_name(to_cyrillic(v).capitalize(), strict=False)
        for v in spellings(word)
    )


_GIVEN_LIST = tuple(n.lower() for n in given_names.MALE.split() + given_names.FEMALE.split())


def diminutive_persons(text: str) -> Iterator[Span]:
    """Yield capitalised Cyrillic diminutives of first names: the stem is a first name or
    begins one (Ахмедик from Ахмед, Руслик from Руслан)."""
    for match in WORD.finditer(text):
        word = match.group(0)
        stem = diminutive_stem(word)
        if stem is None:
            continue
        if _known_given_name(stem.capitalize()) or any(name.startswith(stem) for name in _GIVEN_LIST):
            yield Span(match.start(), match.end(), "PERSON", "diminutive")


# Names joined into one token: a hashtag, a slug or a user name in running text
# (#RuslanMagomedov, ruslan-magomedov, руслан_магомедов)
_JOINED = re.compile(
    r"#[A-Za-zА-Яа-яЁё][\wА-Яа-яЁё]*|(?<![\w/.@-])[a-zß-ÿа-яё]{3,}(?:[-_][a-zß-ÿа-яё]{3,})+(?![\w-])|"
    r"(?<![\w/.@-])[A-Za-zА-Яа-яЁё]{3,}(?:_[A-Za-zА-Яа-яЁё]{3,})+(?![\w-])"
)
_CAMEL = re.compile(r"(?<=[a-zа-яё])(?=[A-ZА-ЯЁ])")


def joined_names(text: str) -> Iterator[tuple[Span, list[str]]]:
    """Yield (span, the names it holds) for hashtags and joined tokens that hold a name; the
    caller keeps the token when every name in it is a public person's."""
    for match in _JOINED.finditer(text):
        names = _names_joined(match.group(0))
        if names:
            yield Span(match.start(), match.end(), "PERSON", "joined-name"), list(names)


@lru_cache(maxsize=20_000)
def _names_joined(token: str) -> tuple[str, ...]:
    words = _CAMEL.sub(" ", token.lstrip("#")).replace("_", " ").replace("-", " ")
    parts = words.split()
    lowered = words.lower()
    names = [lowered[s.start : s.end] for s in lowercase_full_names(lowered)]
    # a first name beside a surname-shaped word (ivan-saidulaev), whatever its frequency
    for first, second in zip(parts, parts[1:], strict=False):
        for given, surname in ((first, second), (second, first)):
            if _SURNAME_SHAPE.match(surname.capitalize()) and is_given_name(given.capitalize()):
                names.append(f"{given} {surname}".lower())
    return tuple(names)
