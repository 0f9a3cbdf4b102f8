"""Text analysis for the index: per-script stemming, case/accent/ё folding, cross-script keys.

The index pickles analyzers by import path: keep these classes here, under these names.

- `text` field: words lower-cased, accents and ё folded, then stemmed by their own script
  (Cyrillic with Snowball Russian, Latin with Snowball English; Whoosh's Russian stemmer would
  also "stem" Latin words as romanised Russian, so the stemmer is chosen per token).
- `fold` field: a script-neutral key per capitalised word (transliterate to Cyrillic, stem as
  Russian, spelling skeleton), so that Kadyrov finds Кадыров and Грозный finds Grozny. Only
  capitalised words are indexed there (names, places, the first word of a sentence): spelling a
  common word in the other script is not something readers do, and indexing every word twice
  halved indexing speed. Queries are keyed whatever their case.
- `pairs` field: pairs of adjacent words of the text field in which either word is common, so
  that phrases are looked up rather than checked position by position.
- `words` field: folded words of four letters or more, unstemmed, without positions: the word
  list spelling suggestions are drawn from.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer
from whoosh.lang import stemmer_for_language

from archive.translit import skeleton, to_cyrillic

_CYRILLIC = re.compile(r"[а-яё]")
_RU = stemmer_for_language("ru")
_EN = stemmer_for_language("en")
TOKEN_PATTERN = r"\w+(?:[-'’]\w+)*"  # noqa: S105 - a regular expression, not a secret


@lru_cache(maxsize=500_000)
def fold_accents(word: str) -> str:
    """Lower case, ё → е, and Latin accents removed (é → e), keeping Cyrillic letters whole."""
    word = word.lower().replace("ё", "е")
    if _CYRILLIC.search(word):
        return word.replace("й", "й")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=500_000)
def stem(word: str) -> str:
    """Stem a folded word with its own script's stemmer, plus two derivation rules."""
    if _CYRILLIC.search(word):
        stemmed = _RU(word)
        # Surnames: Snowball gives кадыров → кадыр but кадырова → кадыров; fold both.
        if len(stemmed) > 5 and stemmed.endswith(("ов", "ев", "ин", "ын")):
            stemmed = stemmed[:-2]
        return stemmed
    stemmed = _EN(word)
    # detention → detent but detained → detain; denial → denial but denied → deni
    if stemmed.endswith("tent") and len(stemmed) > 5:
        stemmed = stemmed[:-3] + "ain"
    elif stemmed.endswith("ial") and len(stemmed) > 4:
        stemmed = stemmed[:-2]
    return stemmed


@lru_cache(maxsize=500_000)
def fold_key(word: str) -> str:
    """Return a script-neutral key: Kadyrov, Кадыров and Кадырова give the same one."""
    cyrillic = word if _CYRILLIC.search(word) else to_cyrillic(word)
    return skeleton(stem(fold_accents(cyrillic))) or word


class FoldAccentsFilter(Filter):
    """ё → е and accents removed."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold_accents(t.text)
            yield t


class ScriptStemFilter(Filter):
    """Stem each token with the stemmer of its script."""

    def __call__(self, tokens):
        for t in tokens:
            if not t.stopped:
                t.text = stem(t.text)
            yield t


class FoldKeyFilter(Filter):
    """Replace each token with its cross-script key."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold_key(t.text)
            yield t


COMMON_WORDS = 3000  # per language: the words whose pairs are indexed


@lru_cache(maxsize=1)
def common_stems() -> frozenset[str]:
    """Stems of the most frequent English and Russian words (wordfreq's lists)."""
    from wordfreq import top_n_list

    words = top_n_list("en", COMMON_WORDS) + top_n_list("ru", COMMON_WORDS)
    return frozenset(stem(fold_accents(w)) for w in words)


def is_pair_indexed(first: str, second: str) -> bool:
    """Whether the pair of (analysed) words is in the pairs field."""
    common = common_stems()
    return first in common or second in common


class PairFilter(Filter):
    """Each word joined to the one before it ("were detain") when either is a common word:
    a phrase is then looked up instead of checked position by position. Common words make
    phrases slow (their posting lists are long); pairs of rare words are quick to check and
    are left out, as Lucene's CommonGrams does, which keeps the field a fraction of the size."""

    def __call__(self, tokens):
        previous = None
        for t in tokens:
            current = t.text
            if previous is not None and is_pair_indexed(previous, current):
                t.text = f"{previous} {current}"
                yield t
            previous = current


class ProperWordFilter(Filter):
    """At index time keep only capitalised words; at query time keep every word."""

    def __call__(self, tokens):
        for t in tokens:
            if t.mode != "index" or t.text[:1].isupper():
                yield t


class SpellingWordFilter(Filter):
    """At index time keep words worth suggesting: four letters or more, not numbers."""

    def __call__(self, tokens):
        for t in tokens:
            if t.mode != "index" or (len(t.text) >= 4 and not t.text.isdigit()):
                yield t


def text_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldAccentsFilter() | ScriptStemFilter()


def pair_analyzer():
    """Pairs of adjacent words, analysed as in the text field."""
    return text_analyzer() | PairFilter()


def fold_analyzer():
    return (
        RegexTokenizer(TOKEN_PATTERN) | ProperWordFilter() | LowercaseFilter() | FoldAccentsFilter() | FoldKeyFilter()
    )


def spelling_analyzer():
    """Folded, unstemmed words: what a spelling suggestion offers."""
    return RegexTokenizer(TOKEN_PATTERN) | SpellingWordFilter() | LowercaseFilter() | FoldAccentsFilter()
