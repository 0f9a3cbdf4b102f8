"""The corpus tests use the document tests' factories."""

from tests.documents.conftest import kinds, row_counts  # noqa: F401 - fixtures
