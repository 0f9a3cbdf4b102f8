"""Phone numbers in Russian and international formats, found by `phonenumbers`."""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

from archive.redaction.spans import Span

# Russian numbers written with the domestic trunk prefix 8 and ten more digits, in any grouping:
# phonenumbers reads these too, but only when the grouping looks like a phone number to it.
_TRUNK8 = re.compile(r"(?<![\d+])8[\s(-]*\d{3,4}[\s)-]*\d{1,3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")
_DIGITS = re.compile(r"\d")


def detect_phones(text: str) -> Iterator[Span]:
    """Yield phone numbers; line breaks count as spaces so a split number is found whole."""
    flat = text.replace("\n", " ")
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
    for match in _TRUNK8.finditer(flat):
        if len(_DIGITS.findall(match.group(0))) == 11:
            yield Span(*match.span(), "PHONE", "trunk-8")
