"""Snippets: the passages of a hit's public text around the words that matched, as a reader
sees them on the document page (plain text of the rendered Markdown, no `##`, `**` or `- `).

The index holds the public (redacted) text in Markdown. Rendering a whole long testimony for
every hit cost 90 ms at 37,000 characters, so the matched words are found in the Markdown
source first (one pass of the query's analyzer), and only the few blocks (paragraphs, list
items, headings) that hold them are rendered by render_markdown(), the page's own renderer,
made plain, and highlighted. Finding them analyses each distinct word once for the process,
not each occurrence (half a search's time went there), and finds the few matched words' places
without walking every token. A snippet is therefore always text of the public version: never
anything else, and never markup other than the <mark> tags added here.
"""

from __future__ import annotations

import html
import re
import threading
from bisect import bisect_right

from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight

from archive.rendering import markdown_text
from archive.search.analysis import TOKEN_JOINERS, TOKEN_PATTERN, common_words
from archive.search.fields import _HIGHLIGHTED
from archive.search.gazetteer import PREFIX as PLACE

LENGTH = 240  # characters of a snippet without matches
BLOCKS = 3  # blocks rendered for one snippet: those holding the most matched words
_BLOCK_BREAK = re.compile(r"\n[ \t]*\n")  # as render_markdown splits its input
_FENCE = re.compile(r"^[ \t]{0,3}(?:```|~~~)", re.M)
_GAP = " … "


def snippet(body: str, terms: set) -> str:
    """Up to two passages around the matched words, from the whole public text, as escaped
    HTML with <mark> around the matches: first the words as stemmed, then their other-script
    spellings (Kadyrov marks Кадыров); the opening of the text when none is in it."""
    body = body or ""
    tokens = None  # the text's distinct words, read once for the passes (a hit found by its
    # title alone, most of a common word's first page, has its body read by two of them)
    for field, analyzer in _HIGHLIGHTED:
        if field == "place":  # place keys are fold terms (gazetteer.py)
            words = {text for name, text in terms if name == "fold" and text.startswith(PLACE)}
        else:
            words = {text for name, text in terms if name == field and text}
        if not words:
            continue
        if tokens is None:
            tokens = set(_TOKEN.findall(body))
        starts = _starts(body, _SEEN[field].matching(tokens, words))
        if not starts:
            continue
        shown = _passages(body, starts)
        fragmenter = ContextFragmenter(maxchars=LENGTH, surround=60, charlimit=None)
        formatter = HtmlFormatter(tagname="mark", between=_GAP)
        found = highlight(shown, words, analyzer, fragmenter, formatter, top=2)
        if found:
            return found
    return html.escape(_opening(body))


_TOKEN = re.compile(TOKEN_PATTERN)


def warm() -> None:
    """Make one snippet, so that a worker's first reader does not wait for Markdown's
    extensions to be imported and a converter built (30 ms), nor for the highlighter's code;
    and look up the words a snippet's text is mostly made of (the common words, as written
    in lower case and capitalised), each once per process."""
    term = dict(_HIGHLIGHTED)["text"].term
    for word in common_words():
        term(word)
        term(word.capitalize())
    snippet("## Warm\n\nA **warm** start, with [a link](https://example.org).\n\n- one", {("text", "warm")})


class _Seen:
    """The words snippets have read, by the term one analyzer gives each (for the process, up
    to KEPT_WORDS of them, then begun again: about 18 MB for the three analyzers at most, by
    tracemalloc over 50,000 words of the benchmark's corpus), so that which of a hit's
    distinct words have one of a query's terms is a few set operations, in C, where a call
    for each word was a third of a page's snippets' time (20 hits: 4 of 10 ms)."""

    def __init__(self, term):
        self.term = term
        self.seen: set[str] = set()
        self.by_term: dict[str, set[str]] = {}
        self.lock = threading.Lock()  # (a server's threads share it)

    def matching(self, tokens: set[str], words: set[str]) -> set[str]:
        """The tokens whose term is one of `words`: {t for t in tokens if term(t) in words}, but
        for the term "" (a word the analyzer gives none), which no query has."""
        with self.lock:
            new = tokens - self.seen
            if len(self.seen) + len(new) > KEPT_WORDS:
                self.seen, self.by_term, new = set(), {}, tokens
            for token in new:
                term = self.term(token)
                if term:  # ("": a word the analyzer gives no term, as the fold field's lower-case ones)
                    self.by_term.setdefault(term, set()).add(token)
            self.seen |= new
            found: set[str] = set()
            for word in words:
                found |= self.by_term.get(word, set()) & tokens
            return found


KEPT_WORDS = 50_000
FOUND_APART = 8  # matched tokens found by str.find at most, ...
SHORTEST_FOUND = 3  # ... each of this many characters at least
_SEEN = {field: _Seen(analyzer.term) for field, analyzer in _HIGHLIGHTED}
_WORD_CHARACTER = re.compile(r"\w").match


def _starts(body: str, matched: set[str]) -> list[int]:
    """Where the tokens `matched` (each a whole token of the body) begin, as _TOKEN.finditer()
    finds them, in order: each found by str.find and kept where a token begins and ends there
    (walking every token of the text to find a few took 1.3 ms of a page's snippets); by
    walking the tokens where many are matched (a wildcard's) or one is short enough to stand
    inside many other words."""
    if len(matched) > FOUND_APART or any(len(token) < SHORTEST_FOUND for token in matched):
        return [m.start() for m in _TOKEN.finditer(body) if m.group() in matched]
    starts = []
    for token in matched:
        at = body.find(token)
        while at >= 0:
            if _token_ends(body, at - 1, -1) and _token_ends(body, at + len(token), 1):
                starts.append(at)
            at = body.find(token, at + 1)
    return sorted(starts)


def _token_ends(body: str, at: int, step: int) -> bool:
    """Whether a token stops short of body[at] (going the way of `step`): no word character
    there, nor a joiner with one beyond it, for the token would run on through them."""
    if not 0 <= at < len(body):
        return True
    if _WORD_CHARACTER(body[at]):
        return False
    beyond = at + step
    return not (body[at] in TOKEN_JOINERS and 0 <= beyond < len(body) and _WORD_CHARACTER(body[beyond]))


def plain(markdown: str) -> str:
    """The words a reader sees of this Markdown, on one line (rendered as the page renders it,
    but without making links of addresses, which changes no word)."""
    return markdown_text(markdown)


def blocks(body: str) -> list[tuple[int, int]]:
    """The (start, end) of each block of the text; a fenced code block stays whole even when
    it holds blank lines (rendered in halves, its fences would show as ```)."""
    spans, start, checked, fences = [], 0, 0, 0
    for match in _BLOCK_BREAK.finditer(body):
        fences += len(_FENCE.findall(body, checked, match.start()))
        checked = match.start()
        if fences % 2:  # inside a fenced block: the blank line is part of it
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(body)))
    return [(a, b) for a, b in spans if body[a:b].strip()]


def _passages(body: str, starts: list[int]) -> str:
    """The plain text of the blocks holding the most matched words, in the text's order;
    blocks that are not neighbours are parted by an ellipsis."""
    spans = blocks(body)
    firsts = [a for a, _ in spans]
    counts: dict[int, int] = {}
    for start in starts:
        n = bisect_right(firsts, start) - 1
        if n >= 0 and start < spans[n][1]:
            counts[n] = counts.get(n, 0) + 1
    chosen = sorted(sorted(counts, key=lambda n: (-counts[n], n))[:BLOCKS])
    parts, previous = [], None
    for n in chosen:
        text = plain(body[slice(*spans[n])])
        if text:
            parts.append(text if previous is None else (" " if n == previous + 1 else _GAP) + text)
            previous = n
    return "".join(parts)


def _opening(body: str) -> str:
    """The first words of the text, cut at a word, with an ellipsis when there is more."""
    text, spans = "", blocks(body)
    for a, b in spans[:BLOCKS]:
        text = f"{text} {plain(body[a:b])}".strip()
        if len(text) > LENGTH:
            break
    if len(text) <= LENGTH:
        return text
    cut = text[:LENGTH].rsplit(" ", 1)[0] or text[:LENGTH]
    return cut.rstrip(" ,;:") + "…"
