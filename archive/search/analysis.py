"""Text analysis for the index: per-script stemming, case/accent/ё folding, cross-script keys.

The index pickles analyzers by import path: keep these classes here, under these names.

- `text` field: words lower-cased, accents and ё folded, then stemmed by their own script
  (Cyrillic with Snowball Russian, Latin with Snowball English, through PyStemmer; a Russian
  stemmer would also "stem" Latin words as romanised Russian, so the stemmer is chosen per token).
- `fold` field: a script-neutral key per capitalised word (transliterate to Cyrillic, stem as
  Russian, spelling skeleton), so that Kadyrov finds Кадыров and Грозный finds Grozny. Only
  capitalised words are indexed there (names, places, the first word of a sentence): spelling a
  common word in the other script is not something readers do, and indexing every word twice
  halved indexing speed. Queries are keyed whatever their case.
- `words` field: folded words of four letters or more, unstemmed, without positions: the word
  list spelling suggestions are drawn from.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import Stemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer

from archive.translit import neutral, reading, readings, skeleton

# Bump when what a text is analysed into changes: every document then reads as stale
# (indexing.version_of), and `archive check-index --repair` rewrites it.
# 2: PyStemmer, romanisation readings, the gazetteer; 3: common pairs (PostgreSQL); 4: pairs of the
# 300 most frequent words, and of two cross-script keys (PostgreSQL); 5: the ranking vector
# holds every position, as the matching vector does (PostgreSQL checks phrases there)
ANALYSIS_VERSION = "5"
_CYRILLIC = re.compile(r"[а-яё]")
_STEMMERS = threading.local()  # a Snowball stemmer object is not to be shared between threads


def _stemmers() -> tuple:
    try:
        return _STEMMERS.pair
    except AttributeError:
        _STEMMERS.pair = (Stemmer.Stemmer("russian").stemWord, Stemmer.Stemmer("english").stemWord)
        return _STEMMERS.pair


# one of them between two runs of word characters makes them one token ("-" first: in the
# pattern's class, it stands for itself; the pattern's text is the index schema's, as before)
TOKEN_JOINERS = "-'’"  # noqa: S105 - characters, not a secret
TOKEN_PATTERN = rf"\w+(?:[{TOKEN_JOINERS}]\w+)*"  # noqa: S105 - a regular expression, not a secret


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
    """Stem a folded word with its own script's Snowball stemmer (PyStemmer, the Snowball
    project's own C code: 4 to 16 times Whoosh's pure-Python stemmers), plus two derivation
    rules. Kept per word: highlighting stems every word of each hit."""
    russian, english = _stemmers()
    if _CYRILLIC.search(word):
        stemmed = russian(word)
        # Surnames: Snowball gives кадыров → кадыр but кадырова → кадыров; fold both.
        if len(stemmed) > 5 and stemmed.endswith(("ов", "ев", "ин", "ын")):
            stemmed = stemmed[:-2]
        return stemmed
    stemmed = english(word)
    # detention → detent but detained → detain; denial → denial but denied → deni
    if stemmed.endswith("tent") and len(stemmed) > 5:
        stemmed = stemmed[:-3] + "ain"
    elif stemmed.endswith("ial") and len(stemmed) > 4:
        stemmed = stemmed[:-2]
    return stemmed


@lru_cache(maxsize=500_000)
def fold_key(word: str) -> str:
    """Return a script-neutral key: Kadyrov, Кадыров and Кадырова give the same one; a Latin
    word is read as an English-style romanisation (BGN/PCGN, ICAO, the newspapers')."""
    return _key(reading(word)) or word.lower()


@lru_cache(maxsize=100_000)
def fold_keys(word: str) -> tuple[str, ...]:
    """Every key a word may stand for: a Latin word read as each common romanisation (English,
    German, French; ISO 9's letters understood), so that Gorbatschow and Gorbachev both find
    Горбачёв. For queries: a document's words are keyed once, by fold_key."""
    from archive.search.gazetteer import place_keys

    keys = [_key(reading) for reading in readings(word)] + list(place_keys(word))
    return tuple(dict.fromkeys(k for k in keys if k)) or (word.lower(),)


def _key(cyrillic: str) -> str:
    """Stem the Cyrillic spelling as Russian, once the letters Latin cannot tell apart are made
    one (so Guseinov and Гусейнов reach the stemmer as the same word), then its skeleton."""
    return skeleton(stem(neutral(cyrillic)))


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
    """Replace each token with its cross-script key, and add at the same position the key of
    each place of the region it names (gazetteer.py: Kishinev, Chișinău and Кишинёв)."""

    def __call__(self, tokens):
        from archive.search.gazetteer import place_keys

        for t in tokens:
            word = t.text
            t.text = fold_key(word)
            yield t
            for key in place_keys(word):
                t.text = key
                yield t


COMMON_WORDS = 3000  # per language: words too common to be taken for a place name


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The most frequent English and Russian words themselves, folded."""
    from wordfreq import top_n_list

    return frozenset(fold_accents(w) for w in top_n_list("en", COMMON_WORDS) + top_n_list("ru", COMMON_WORDS))


SEQUENCE_WORDS = 127  # per language: the common words phrases are checked with (sequences.py)


def _frequent_terms(count: int) -> tuple[str, ...]:
    """The text-field terms of the `count` most frequent English and Russian words (wordfreq's
    lists), in that order, each once."""
    from wordfreq import top_n_list

    found: dict[str, None] = {}
    for word in top_n_list("en", count) + top_n_list("ru", count):
        term = stem(fold_accents(word))
        if term:
            found.setdefault(term)
    return tuple(found)


@lru_cache(maxsize=1)
def common_terms() -> tuple[str, ...]:
    """The terms of the SEQUENCE_WORDS most frequent English and Russian words: fewer than 256,
    so that a number fits a byte. Whoosh's sequence files are made of them."""
    found = _frequent_terms(SEQUENCE_WORDS)
    if len(found) > 255:
        raise AssertionError("more common words than one byte numbers")
    return found


PAIR_WORDS = 300  # per language: the words PostgreSQL's pair lexemes are made of


@lru_cache(maxsize=1)
def pair_terms() -> frozenset[str]:
    """The terms of the PAIR_WORDS most frequent English and Russian words. Two of them side
    by side are one lexeme of PostgreSQL's matching vector, so that a phrase of them is
    answered by the index alone; a phrase with any other word has one rare enough that few
    documents hold all its words, and only theirs are read to check it (at 100,000 documents
    the phrases of two words not both among the 127 most frequent left up to 10,000 documents
    to read; among the 300, up to 6,000 and 3,800 at the 95th percentile)."""
    return frozenset(_frequent_terms(PAIR_WORDS))


@lru_cache(maxsize=1)
def common_numbers() -> dict[str, int]:
    """Each common term's number: its place in common_terms() plus one (0 is any other word)."""
    return {term: n for n, term in enumerate(common_terms(), start=1)}


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


def fold_analyzer():
    """Capitalised words as their cross-script keys (fold_key folds case, ё and accents itself:
    ISO 9's ž must reach it as ž, not as z)."""
    return RegexTokenizer(TOKEN_PATTERN) | ProperWordFilter() | LowercaseFilter() | FoldKeyFilter()


def spelling_analyzer():
    """Folded, unstemmed words: what a spelling suggestion offers."""
    return RegexTokenizer(TOKEN_PATTERN) | SpellingWordFilter() | LowercaseFilter() | FoldAccentsFilter()


def warm() -> None:
    """Load what analysing the first text would load: the stemmers, wordfreq's common words
    and the gazetteer (a worker does it at start, not on a reader's first search; snippets.warm
    looks the common words up)."""
    from archive.search.gazetteer import places

    common_words()
    common_terms()
    pair_terms()
    places()
    stem("warm")
    stem("тепло")
