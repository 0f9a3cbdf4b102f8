"""Text analysis for the index: per-script stemming, case/accent/ё folding, cross-script keys.

The index pickles analyzers by import path: keep these classes here, under these names.

- `text` field: words lower-cased, accents and ё folded, then stemmed by their own script
  (Cyrillic with Snowball Russian, Latin with Snowball English; Whoosh's Russian stemmer would
  also "stem" Latin words as romanised Russian, so the stemmer is chosen per token).
- `fold` field: a script-neutral key per word (transliterate to Cyrillic, stem as Russian,
  spelling skeleton), so that Kadyrov finds Кадыров and Грозный finds Grozny.
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


def text_analyzer():
    return (
        RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldAccentsFilter() | ScriptStemFilter()
    )


def fold_analyzer():
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldAccentsFilter() | FoldKeyFilter()


def exact_analyzer():
    """Words folded but not stemmed: for phrases and highlighting of the exact text."""
    return RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | FoldAccentsFilter()
