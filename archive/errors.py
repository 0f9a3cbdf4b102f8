"""Domain errors. They carry no HTTP: web/errors.py alone maps them to responses."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every error the archive raises on purpose."""


class ConfigError(ArchiveError):
    """The configuration cannot be used."""


def N_(message: str) -> str:
    """Mark a message for the interface catalogue: the web layer shows it translated."""
    return message


class ValidationError(ArchiveError):
    """Submitted data is invalid; `field` names what is wrong, `source` where it came from.

    A message written as a template marked with N_() and its `params` apart
    (`N_("is longer than %(limit)s characters"), params={"limit": 300}`) reaches a reader in
    their language; `message` is always the English text, for logs and the command line."""

    def __init__(self, message: str, field: str | None = None, source: str | None = None, params: dict | None = None):
        self.template = message
        self.params = dict(params or {})
        self.message = message % self.params if self.params else message
        self.field = field
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.source, self.field) if p)
        return f"{where}: {self.message}" if where else self.message


class IngestError(ValidationError):
    """A submission cannot be ingested."""


class DuplicateContent(IngestError):
    """The same bytes were ingested before (same SHA-256)."""

    def __init__(self, message: str, existing_id: int, source: str | None = None):
        super().__init__(message, field="sha256", source=source)
        self.existing_id = existing_id


class EditConflict(IngestError):
    """The object changed since the editor read it: saving would undo someone else's edit."""


class NotFound(ArchiveError):
    """The object does not exist, or the actor may not know that it does."""


class Removed(NotFound):
    """The object's public copies were withdrawn or it was deleted, and this reader saw it
    before: they are told when and why (documents/consent.py)."""

    def __init__(self, kind: str, reason: str, at):
        super().__init__(f"{kind} ({reason})")
        self.kind = kind
        self.reason = reason
        self.at = at


class NotPermitted(ArchiveError):
    """The actor may not do this."""


class MediaRefused(IngestError):
    """A media file is refused: unsupported type, too large, corrupt or hostile."""

    def __init__(self, message: str, source: str | None = None, detected: str | None = None):
        super().__init__(message, field="media", source=source)
        self.detected = detected
