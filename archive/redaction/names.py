"""Protected identities: every registered name, in every case, script and spelling.

A custodian registers names ("Хамзат Байсаров", "Khamzat", a nickname); each mention in a text
is found whether declined (Хамзата, Хамзату), transliterated (Khamzat, Hamzat), lower-cased, or
written as one part of the full name. Matching compares spelling skeletons of the word, of its
dictionary lemmas (pymorphy3) and of its stem with Russian case endings removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
from wordfreq import zipf_frequency

from archive.redaction.spans import Span
from archive.translit import is_cyrillic, skeleton, to_cyrillic

WORD = re.compile(r"[A-Za-zА-Яа-яЁё][A-Za-zА-Яа-яЁё'’-]*")
# Case endings of Russian nouns, names and surnames (longest first), and the endings a stem
# may need back to make the nominative (Маши → Маш + а; Шамиля → Шамил + ь).
_ENDINGS = ("ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ом", "ем", "ём", "ой", "ей",
            "ою", "ею", "ов", "ев", "ым", "им", "ых", "их", "ам", "ям", "ах", "ях", "а", "я", "у",
            "ю", "е", "ы", "и")  # fmt: skip
_RESTORE = ("", "а", "я", "ь", "й", "ий", "ия")
MIN_STEM = 3
# Lower-case words at least this frequent (Zipf scale) may be ordinary words: "роза" 4.2,
# "ислам" 4.0; a name written in lower case in a chat ("малике", "artyom") is far rarer.
COMMON_WORD_ZIPF = 3.0
_NAME_TAGS = {"Name", "Surn", "Patr"}
_QUOTES = "'‘’\"“”«»"


@lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    """Return the shared Russian morphological analyser (its dictionaries load once)."""
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Return the dictionary forms pymorphy3 proposes for a Cyrillic word (lower case)."""
    return tuple(dict.fromkeys(p.normal_form for p in morph().parse(word.lower())))


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> tuple[str, ...]:
    """Return every skeleton a word might be a form of: itself, its lemmas, its stems."""
    lowered = word.lower().replace("’", "'")
    if lowered.endswith(("'s", "’s")):
        lowered = lowered[:-2]
    cyrillic = lowered if is_cyrillic(lowered) else to_cyrillic(lowered)
    # in order, most exact first: a word two identities may claim (Maksim's: Максим, Max) goes
    # to the same one every time, whatever the interpreter's hash seed
    keys = [skeleton(lowered), *(skeleton(lemma) for lemma in lemmas(cyrillic))]
    for ending in _ENDINGS:
        if cyrillic.endswith(ending) and len(cyrillic) - len(ending) >= MIN_STEM:
            stem = cyrillic[: -len(ending)]
            keys.extend(skeleton(stem + back) for back in _RESTORE)
    return tuple(key for key in dict.fromkeys(keys) if key)


@dataclass(frozen=True)
class Identity:
    """A registered person: the names a custodian typed, and the pseudonym to show instead."""

    names: tuple[str, ...]
    pseudonym: str


class ProtectedNames:
    """Find mentions of registered identities; each maps to its pseudonym."""

    def __init__(self, identities: Iterable[Identity]):
        self.identities = list(identities)
        self._by_key: dict[str, Identity] = {}
        for identity in self.identities:
            for name in identity.names:
                for token in WORD.findall(name):
                    if len(token) < 2:
                        continue
                    for key in _name_keys(token):
                        self._by_key.setdefault(key, identity)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> ProtectedNames:
        """Make one identity per line, with pseudonyms Witness A, Witness B…"""
        identities = []
        for n, line in enumerate(n for n in names if n.strip()):
            name, _, pseudonym = line.partition("=>")
            identities.append(Identity((name.strip(),), pseudonym.strip() or _witness(n)))
        return cls(identities)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def find(self, text: str) -> Iterator[Span]:
        if not self._by_key:
            return
        for match in WORD.finditer(text):
            word = re.split(r"['’]", match.group(0))[0].strip("-")  # Ruslan's → Ruslan
            if len(word) < 2:
                continue
            quoted = text[match.start() - 1 : match.start()] in _QUOTES and match.start() > 0
            identity = self.match(word, quoted)
            if identity is not None:
                start = match.start()
                yield Span(start, start + len(word), "PROTECTED", "protected-name", identity.pseudonym)

    def match(self, word: str, quoted: bool = False) -> Identity | None:
        """Return the identity this word names, if any (a quoted word is a saved contact)."""
        if word.islower() and not quoted and _common_word(word):
            return None  # "ислам" the religion, not Ислам the man
        for key in word_keys(word):
            identity = self._by_key.get(key)
            if identity is not None:
                return identity
        return self._diminutive(word)

    def _diminutive(self, word: str) -> Identity | None:
        """Руслик, Ахмедик: a diminutive whose stem begins a registered name of one identity."""
        stem = diminutive_stem(word if is_cyrillic(word) else to_cyrillic(word).capitalize())
        if stem is None:
            return None
        found = {
            id(identity): identity
            for identity in self.identities
            for name in identity.names
            for token in WORD.findall(name)
            if (token.lower() if is_cyrillic(token) else to_cyrillic(token).lower()).startswith(stem)
        }
        return next(iter(found.values())) if len(found) == 1 else None


# Diminutives people use for each other (Ахмедик, Руслик, Магомедик, Хавушка)
_DIMINUTIVE = re.compile(r"^([А-ЯЁ][а-яё]{2,}?)(?:ик|чик|ушка|юшка|уля|уся|юся|ечка|очка|юша)$")


def diminutive_stem(word: str) -> str | None:
    """The stem of a diminutive of a first name (Руслик → русл, Ахмедик → ахмед), or None."""
    match = _DIMINUTIVE.match(word)
    if match is None:
        return None
    stem = match.group(1).lower()
    return stem if len(stem) >= 4 else None


def _name_keys(token: str) -> set[str]:
    cyrillic = token.lower() if is_cyrillic(token) else to_cyrillic(token)
    return {skeleton(token), skeleton(cyrillic), *(skeleton(lemma) for lemma in lemmas(cyrillic))}


@lru_cache(maxsize=50_000)
def _common_word(word: str) -> bool:
    """True for a frequent lower-case word ("ислам", "роза", "вера"), not a name in passing.

    Frequent, and read by the dictionary as an ordinary word at least a third of the time:
    "малике" (a chat's lower-case name) is rare, "максим" is mostly the name.
    """
    language = "ru" if is_cyrillic(word) else "en"
    if zipf_frequency(word, language) < COMMON_WORD_ZIPF:
        return False
    if language == "en":
        return True
    ordinary = sum(p.score for p in morph().parse(word) if p.is_known and not _NAME_TAGS & p.tag.grammemes)
    return ordinary >= 0.3


def _witness(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"Witness {letters[n % 26]}{n // 26 or ''}"
