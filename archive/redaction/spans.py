"""Detected spans of identifying text, and how overlapping ones are merged."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import NamedTuple

# When spans overlap, the merged span covers both and takes the first type in this order:
# exact formats first (an e-mail, handle or address that contains a name is replaced as what it
# is, not as the person: "write to Witness R" would merge the man with his mailbox), then a
# registered identity, then looser shapes; names come last.
PRIORITY = (
    "EMAIL", "HANDLE", "GPS", "IMEI", "PASSPORT", "ID", "IP", "PLATE", "PHONE", "CARD", "IBAN",
    "PROTECTED", "DOB", "ADDRESS", "WORKPLACE", "PERSON",
)  # fmt: skip
MARKERS = {
    "PERSON": "person",
    "PHONE": "phone",
    "EMAIL": "email",
    "HANDLE": "handle",
    "IP": "ip address",
    "IMEI": "imei",
    "PASSPORT": "passport",
    "ID": "id number",
    "PLATE": "plate",
    "GPS": "coordinates",
    "DOB": "date of birth",
    "ADDRESS": "address",
    "WORKPLACE": "workplace",
    "CARD": "card number",
    "IBAN": "bank account",
}


class Span(NamedTuple):
    """A stretch of the original text to replace; `key` groups mentions of one entity. (A
    named tuple: a text of a megabyte makes hundreds of thousands of them.)"""

    start: int
    end: int
    type: str
    detector: str
    key: str = ""  # e.g. the lemma of a name, the pseudonym of a protected identity

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def merge(spans: list[Span]) -> list[Span]:
    """Merge overlapping spans into their union, keeping the highest-priority type and key."""
    result: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if result and span.start < result[-1].end:
            last = result[-1]
            best = min((last, span), key=lambda s: PRIORITY.index(s.type))
            result[-1] = Span(last.start, max(last.end, span.end), best.type, best.detector, best.key)
        else:
            result.append(span)
    return result


class Cover:
    """Spans to test others against, in O(log n) a question: a text of a megabyte holds tens of
    thousands of names, and testing each against every other took minutes."""

    def __init__(self, spans: Iterable[Span]):
        self._spans = sorted(spans, key=lambda s: s.start)
        self._starts = [s.start for s in self._spans]
        self._reach: list[int] = []  # the furthest end among the spans so far
        furthest = -1
        for span in self._spans:
            furthest = max(furthest, span.end)
            self._reach.append(furthest)

    def __bool__(self) -> bool:
        return bool(self._spans)

    def hits(self, span: Span) -> bool:
        """Whether any span overlaps this one."""
        before = bisect_left(self._starts, span.end)  # the spans starting before it ends
        return before > 0 and self._reach[before - 1] > span.start

    def among(self, span: Span) -> list[Span]:
        """The spans that overlap this one, in order."""
        found = []
        index = bisect_left(self._starts, span.end) - 1
        while index >= 0 and self._reach[index] > span.start:
            if self._spans[index].end > span.start:
                found.append(self._spans[index])
            index -= 1
        return found[::-1]
