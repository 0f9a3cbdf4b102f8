"""Redaction: text (+ protected names) in → redacted text + spans out. Pure: no Flask, no DB."""

from archive.redaction.redact import Redaction, redact, redact_text

__all__ = ["Redaction", "redact", "redact_text"]
