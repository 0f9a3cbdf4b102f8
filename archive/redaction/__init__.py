"""Redaction: text (+ protected names) in → redacted text + spans out. Pure: no Flask, no DB."""

from archive.redaction.names import Identity
from archive.redaction.redact import Redaction, redact, redact_text
from archive.redaction.spans import MARKERS

__all__ = ["MARKERS", "Identity", "Redaction", "redact", "redact_text"]
