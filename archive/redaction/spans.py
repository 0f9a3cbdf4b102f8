"""Detected spans of identifying text, and how overlapping ones are merged."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Span:
    """A stretch of the original text to replace; `key` groups mentions of one entity."""

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
