"""The error of a query that cannot be searched, shared by the language and every backend."""

from __future__ import annotations

from archive.errors import ValidationError


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
