"""The error of a query that cannot be searched, shared by the language and every backend, and
that of a rebuild refused while another runs."""

from __future__ import annotations

from archive.errors import ArchiveError, ValidationError


class QueryError(ValidationError):
    """A query that cannot be searched, and where: `start` and `end` are the characters of
    the query at fault (None when the fault is the whole query)."""

    def __init__(
        self,
        message: str,
        start: int | None = None,
        end: int | None = None,
        field: str = "q",
        params: dict | None = None,
    ):
        super().__init__(message, field=field, params=params)
        self.start, self.end = start, end


class RebuildUnderWay(ArchiveError):
    """Another process is rebuilding (or emptying) the search index: one at a time, since a
    rebuild writes only the documents no other writer indexed since it emptied the index."""

    def __init__(self):
        super().__init__("another process is rebuilding the search index; try again once it is done")


class IndexChanging(ArchiveError):
    """The index changed under every reader opened of it, one after another (whoosh_backend:
    VIEW_ATTEMPTS): nothing was read from a version already replaced."""

    def __init__(self):
        super().__init__("the search index changed while it was being read; try again")
