"""The Whoosh schema (also the vocabulary of the PostgreSQL backend's vectors) and the
analyzers the snippets (snippets.py) highlight with. The query language is language.py's."""

from __future__ import annotations

import re
from collections import Counter

from whoosh.analysis import Token
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from archive.search.analysis import (
    TOKEN_PATTERN,
    fold_accents,
    fold_analyzer,
    spelling_analyzer,
    text_analyzer,
)
from archive.search.gazetteer import place_key, place_keys
from archive.search.language import FACET_FIELDS, fold_term, text_term, words_of

TEXT_ANALYZER = text_analyzer()
# The fields whose terms a writer is given counted (analysed() below, whoosh_adapter.DirectWriter)
# instead of running each field's analyzer over the text.
ANALYSED = ("fold", "text", "words")


def schema() -> Schema:
    facets = {f.name: KEYWORD(stored=True, commas=True, lowercase=False, scorable=False) for f in FACET_FIELDS}
    return Schema(
        id=ID(stored=True, unique=True),
        version=STORED(),
        title=STORED(),
        body=STORED(),  # the public text: small segments' phrase places are built from it (sequences.py)
        # title and body, stemmed per script; where words stand is in sequences.py's files
        text=TEXT(analyzer=text_analyzer(), phrase=False),
        fold=TEXT(analyzer=fold_analyzer(), phrase=False),
        # Spelling suggestions: candidates from this word list, each kept only if a document
        # the reader may see contains it (a suggestion must not reveal a hidden document).
        words=TEXT(analyzer=spelling_analyzer(), phrase=False),
        # "consent:status": access is one required term of the query, which Whoosh intersects
        # with the matches as it goes, instead of a filter set built for every search
        access=ID(),
        published=NUMERIC(bits=32, sortable=True),
        published_iso=STORED(),
        events_start=NUMERIC(bits=32, sortable=True),
        events_end=NUMERIC(bits=32, sortable=True),
        **facets,
    )


_READINGS: dict[str, tuple] = {}  # token -> (text term, fold terms, spelling word or None)
_READINGS_KEPT = 200_000  # words (about 50 MB): cleared when more


def _reading(token: str) -> tuple:
    """What each analysed field makes of one token (analysis.py's analyzers, in index mode)."""
    if token[:1].isupper():  # fold: capitalised words, as their key and their places' keys
        low = token.lower()
        folded = (fold_term(token), *place_keys(low))
    else:
        folded = ()
    spelled = fold_accents(token) if len(token) >= 4 and not token.isdigit() else None
    return text_term(token), folded, spelled


def readings():
    """What each analysed field makes of a token, as a function kept from call to call (the
    words read before are kept, up to _READINGS_KEPT): (text term, fold terms, spelling word or
    None), as analysis.py's analyzers give them in index mode."""
    kept = _READINGS
    if len(kept) > _READINGS_KEPT:
        kept.clear()

    def read(token: str) -> tuple:
        found = kept.get(token)
        if found is None:
            found = kept[token] = _reading(token)
        return found

    return read


def analysed(text: str) -> dict[str, dict[str, int]]:
    """The terms of text, fold and words in a text, each with its frequency: what their
    analyzers give (fields' tests hold the two equal), in one pass over the text's words,
    each distinct word analysed once. Whoosh ran three chains of filters, a generator each, per
    word: most of the time it took to index a document."""
    return analysed_words(words_of(text))


def analysed_words(tokens: list[str]) -> dict[str, dict[str, int]]:
    """analysed() of a text already split into words (language.words_of)."""
    read = readings()
    terms: dict[str, int] = {}
    folds: dict[str, int] = {}
    words: dict[str, int] = {}
    for token, count in Counter(tokens).items():
        term, folded, spelled = read(token)
        terms[term] = terms.get(term, 0) + count
        for key in folded:
            folds[key] = folds.get(key, 0) + count
        if spelled is not None:
            words[spelled] = words.get(spelled, 0) + count
    return {"fold": folds, "text": terms, "words": words}


class _QueryTokens:
    """What text_analyzer() or fold_analyzer() make of a text in query mode, with characters, in
    one loop: the highlighter analyses the whole text of each hit, and Whoosh's chain of
    filters, one generator each, was most of a search's time once the search itself was fast."""

    _pattern = re.compile(TOKEN_PATTERN)

    def __init__(self, term, proper: bool = False):
        # `proper`: only capitalised words have a term (""), as the index keys no other
        # (analysis.ProperWordFilter), and no key is made of another word (transliteration is
        # dear, and a fresh worker has none of a hit's words' keys kept yet)
        self.term = (lambda word: term(word) if word[:1].isupper() else "") if proper else term

    def __call__(self, value: str, mode: str = "query", **_options):
        token = Token(chars=True, removestops=False, mode=mode)
        term = self.term
        for match in self._pattern.finditer(value):
            token.text = term(match.group(0))
            token.boost = 1.0
            token.stopped = False
            token.startchar, token.endchar = match.span()
            yield token


# the fold field's place keys (gazetteer.py) are marked by a third pass over the text
_HIGHLIGHTED = (
    ("text", _QueryTokens(text_term)),
    ("fold", _QueryTokens(fold_term, proper=True)),
    ("place", _QueryTokens(place_key, proper=True)),
)
