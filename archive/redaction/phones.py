"""Phone numbers in Russian and international formats, found by `phonenumbers`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from archive.redaction.spans import Cover, Span

# Russian numbers written with the domestic trunk prefix 8 or the country code +7 and ten more
# digits, in any grouping: phonenumbers reads these too, but only when the grouping looks like
# a phone number to it, and not when another number follows straight after.
_RUSSIAN = re.compile(r"(?<![\d+])(?:8|\+\s?7)[\s(-]*\d{3,4}[\s)-]*\d{1,3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
_DIGITS = re.compile(r"\d")
# A run of digits and what phone numbers are written with (dashes of every width, brackets,
# spaces, dots, slashes, "+"): phonenumbers reads only the runs holding seven digits or more,
# with some text either side (an extension, "доб. 12"; what follows a number, "12:30", which
# it checks). It reads a testimony's few numbers, not every word of it.
_RUN = re.compile(r"[+＋(\[（［]?\d[\d \t\xa0\xad\u200b\u2060\u3000\-‐-―−ー－／()（）［］.\[\]/~⁓∼～+＋]*")
_AROUND = 16
# "00" dialled instead of "+" (00 7 928…, 0049 151…): read as "+", same length, same offsets
# (not the "00" inside a number: "(963) 009-17-14")
_DOUBLE_ZERO = re.compile(r"(?<![\d+)\-.])(?<![\d)\-.]\s)00(?=[\s-]?[1-9])")

PASSES = 4  # at most this many readings of a region (see detect_phones)
MOST_READ = 1000  # runs of digits given to phonenumbers in one text


def detect_phones(text: str) -> Iterator[Span]:
    """Yield phone numbers; line breaks count as spaces so a split number is found whole.

    A number directly followed by another can hide from phonenumbers, which reads both as one
    candidate, rejects it, and finds only the second ("+7 999 123-45-67 8 (928) 123-45-67"):
    a region is read again with the numbers found so far blanked out, until nothing new turns
    up. Otherwise redacting the public text a second time found the first number in it.

    phonenumbers reads the first `MOST_READ` runs of digits; a text with more (a megabyte of
    numbers) has every later run of seven digits or more taken as a number without reading it:
    the work stays bounded, and what is not read is hidden, not shown."""
    flat = text.replace("\n", " ")
    runs = list(_runs(flat))
    found: set[tuple[int, int]] = set()
    regions = _regions(flat, runs[:MOST_READ])
    for _ in range(PASSES):
        new: list[Span] = []
        for start, end in regions:
            for span in _read(flat, start, end):
                if (span.start, span.end) not in found:  # both readings may find the same number
                    found.add((span.start, span.end))
                    new.append(span)
        if not new:
            break
        flat = _blank(flat, new)
        yield from new
        # only a region where something was blanked can read differently
        blanked = Cover(new)
        regions = [(a, b) for a, b in regions if blanked.hits(Span(a, b, "", ""))]
    for start, end in runs[MOST_READ:]:
        while end > start and not flat[end - 1].isdigit():
            end -= 1
        yield Span(start, end, "PHONE", "digit-run")


def _blank(flat: str, spans: list[Span]) -> str:
    """The text with these spans replaced by "x" (same length), in one pass over it."""
    parts, last = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        start = max(span.start, last)
        parts += [flat[last:start], "x" * max(0, span.end - start)]
        last = max(last, span.end)
    parts.append(flat[last:])
    return "".join(parts)


def _regions(flat: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    regions: list[list[int]] = []
    for run_start, run_end in runs:
        start, end = max(0, run_start - _AROUND), min(len(flat), run_end + _AROUND)
        for _ in range(32):  # never cut a number in two
            if start == 0 or not flat[start - 1].isdigit():
                break
            start -= 1
        for _ in range(32):
            if end == len(flat) or not flat[end].isdigit():
                break
            end += 1
        # regions that touch are joined, up to a piece's length (see _runs)
        if regions and start <= regions[-1][1] and max(end, regions[-1][1]) - regions[-1][0] <= 2 * _PIECE:
            regions[-1][1] = max(end, regions[-1][1])
        else:
            regions.append([start, end])
    return [(start, end) for start, end in regions]


# A run longer than this (a table of figures, or a hostile megabyte of "12 12 12…") is read in
# overlapping pieces of this length: a number is shorter than the overlap, so each is whole in
# one piece, and phonenumbers, whose work grows faster than the text it is given, reads pieces.
_PIECE = 64
_OVERLAP = 32


def _runs(flat: str) -> Iterator[tuple[int, int]]:
    for run in _RUN.finditer(flat):
        if len(_DIGITS.findall(run.group(0))) < 7:
            continue
        start, end = run.span()
        if end - start <= _PIECE:
            yield start, end
            continue
        for piece in range(start, end, _PIECE - _OVERLAP):
            yield piece, min(end, piece + _PIECE)


def _read(flat: str, start: int, end: int) -> Iterator[Span]:
    part = flat[start:end]
    dialled = {m.start() for m in _DOUBLE_ZERO.finditer(part)} if "00" in part else set()
    if dialled:
        part = _DOUBLE_ZERO.sub(" +", part)
    for span in _candidates(part):
        if span.start - 1 in dialled:  # the "00" is part of the number
            span = Span(span.start - 1, span.end, span.type, span.detector)
        yield Span(start + span.start, start + span.end, span.type, span.detector)
    for match in _RUSSIAN.finditer(flat, start, end):
        if len(_DIGITS.findall(match.group(0))) == 11:
            yield Span(*match.span(), "PHONE", "russian")


def _candidates(part: str) -> Iterator[Span]:
    for region in ("RU", None):
        try:
            matcher = PhoneNumberMatcher(part, region or "ZZ", leniency=Leniency.POSSIBLE)
        except phonenumbers.NumberParseException:
            continue
        for match in matcher:
            if len(_DIGITS.findall(match.raw_string)) >= 7:
                start = match.start
                raw = match.raw_string
                if raw.startswith("(") and ")" not in raw[1:4]:  # "(+7 999…)" keeps its bracket
                    start += 1
                yield Span(start, match.end, "PHONE", "phonenumbers")
