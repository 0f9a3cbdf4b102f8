"""Phone numbers in Russian and international formats, found by `phonenumbers`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from archive.redaction.spans import Span

# Russian numbers written with the domestic trunk prefix 8 or the country code +7 and ten more
# digits, in any grouping: phonenumbers reads these too, but only when the grouping looks like
# a phone number to it, and not when another number follows straight after.
_RUSSIAN = re.compile(r"(?<![\d+])(?:8|\+\s?7)[\s(-]*\d{3,4}[\s)-]*\d{1,3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
_DIGITS = re.compile(r"\d")


PASSES = 4  # at most this many readings of a text (see detect_phones)


def detect_phones(text: str) -> Iterator[Span]:
    """Yield phone numbers; line breaks count as spaces so a split number is found whole.

    A number directly followed by another can hide from phonenumbers, which reads both as one
    candidate, rejects it, and finds only the second ("+7 999 123-45-67 8 (928) 123-45-67"):
    the text is read again with the numbers found so far blanked out, until nothing new turns
    up. Otherwise redacting the public text a second time found the first number in it."""
    flat = text.replace("\n", " ")
    found: set[tuple[int, int]] = set()
    for _ in range(PASSES):
        new = [s for s in _read(flat) if (s.start, s.end) not in found]
        if not new:
            return
        for span in new:
            if (span.start, span.end) not in found:  # both regions may find the same number
                found.add((span.start, span.end))
                flat = flat[: span.start] + "x" * (span.end - span.start) + flat[span.end :]
                yield span


# "00" dialled instead of "+" (00 7 928…, 0049 151…): read as "+", same length, same offsets
# (not the "00" inside a number: "(963) 009-17-14")
_DOUBLE_ZERO = re.compile(r"(?<![\d+)\-.])(?<![\d)\-.]\s)00(?=[\s-]?[1-9])")


def _read(flat: str) -> Iterator[Span]:
    dialled = {m.start() for m in _DOUBLE_ZERO.finditer(flat)} if "00" in flat else set()
    if dialled:
        flat = _DOUBLE_ZERO.sub(" +", flat)
    for span in _candidates(flat):
        if span.start - 1 in dialled:  # the "00" is part of the number
            span = Span(span.start - 1, span.end, span.type, span.detector)
        yield span


def _candidates(flat: str) -> Iterator[Span]:
    for region in ("RU", None):
        try:
            matcher = PhoneNumberMatcher(flat, region or "ZZ", leniency=Leniency.POSSIBLE)
        except phonenumbers.NumberParseException:
            continue
        for match in matcher:
            if len(_DIGITS.findall(match.raw_string)) >= 7:
                start = match.start
                raw = match.raw_string
                if raw.startswith("(") and ")" not in raw[1:4]:  # "(+7 999…)" keeps its bracket
                    start += 1
                yield Span(start, match.end, "PHONE", "phonenumbers")
    for match in _RUSSIAN.finditer(flat):
        if len(_DIGITS.findall(match.group(0))) == 11:
            yield Span(*match.span(), "PHONE", "russian")
