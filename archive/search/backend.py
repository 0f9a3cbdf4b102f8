"""The search interface every engine implements, and the null twin used when none is set."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from archive.search.language import FACETS  # noqa: F401 - declared with the query language


@dataclass(frozen=True)
class IndexedDocument:
    """What the index holds about a document: its public text and the fields to filter on."""

    id: int
    version: str  # changes whenever anything indexed changes (revision + public-text hash)
    case: str
    kind: str
    language: str
    title: str
    body: str  # the public (redacted) text, never the original
    places: tuple[str, ...]
    tags: tuple[str, ...]
    consent: str
    status: str
    published: date | None
    events_start: date | None
    events_end: date | None


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    filters: dict = field(default_factory=dict)  # facet name -> value
    date_from: date | None = None  # overlap with the period of events
    date_to: date | None = None
    consents: tuple[str, ...] = ("public",)
    statuses: tuple[str, ...] = ("published",)
    sort: str = "relevance"  # relevance | date
    # only these documents (a search narrowed to the sources of some acts); None: all
    among: tuple[int, ...] | None = None
    page: int = 1
    per_page: int = 20
    facets: bool = True


@dataclass
class Hit:
    id: int
    title: str
    # plain text of the rendered public text, escaped, with <mark> around matches: made from the
    # database's text of the version the index holds, once the hit is checked (search/query.py)
    snippet: str
    kind: str
    language: str
    case: str
    published: date | None
    score: float  # for ordering only: never shown to readers (it moves with hidden documents)
    version: str = ""  # of the document as the index holds it
    published_edtf: str = ""  # as recorded (`2017-09?`), from the database: `published` is its first day


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    # True when the index lags the database: hits were re-checked one by one, and no total,
    # facet count or suggestion computed by the index alone is given
    partial: bool = False
    more: bool = False  # with partial: whether a next page may hold more
    # the query's terms a snippet marks: (field, term), the field "text" (stemmed) or "fold"
    # (a cross-script key); snippets are made of the database's text (search/query.py)
    terms: frozenset = frozenset()


@dataclass
class IndexCheck:
    missing: list[int]
    stale: list[int]
    extra: list[int]
    queued: int = 0  # documents in the outbox: index work not done yet
    lacking: list[str] = field(default_factory=list)  # the engine's own structures not built
    outbox: list[int] = field(default_factory=list)  # its rows when the check began: a repair's to remove
    held: int = 0  # documents the index held when checked (none: emptied, or a new format)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra or self.queued or self.lacking)


# Which of these document ids the database holds for the index now (reviewed, not deleted),
# read afresh when called: a rebuild asks it under the index's write lock (rebuilding()).
Indexable = Callable[[list[int]], set[int]]


class IndexWriter(Protocol):
    """Writes inside SearchBackend.writing(): committed together when it ends, rewriting what
    holds replaced or deleted words if `purge` is set by then."""

    purge: bool

    def index(self, documents: Iterable[IndexedDocument]) -> int: ...
    def delete(self, ids: Iterable[int]) -> int: ...


class SearchBackend(Protocol):
    # what a rebuild does once its documents are written, for `archive reindex` to say before
    # it (a long step with no progress of its own to show); None: nothing that takes long
    rebuild_ending: str | None

    def writing(self, purge: bool = False) -> AbstractContextManager[IndexWriter]:
        """Hold the index's write lock (every process's writers wait) until the writes made
        inside are committed; `purge`: rewrite what holds replaced or deleted words.

        What is written inside must be read from the database inside, after the lock was
        taken (search/indexing.py): a writer that read a document before another wrote a
        newer copy of it would otherwise put the older one back (a consent withdrawn undone
        in the index) when its turn came."""
        ...

    def index(self, documents: Iterable[IndexedDocument], purge: bool = False) -> int: ...
    def delete(self, ids: Iterable[int]) -> int: ...
    def search(self, request: SearchRequest) -> SearchResults: ...
    def versions(self) -> dict[int, str]: ...
    def clear(self) -> None: ...
    def lacking(self) -> list[str]:
        """What the engine's own structures lack (a rebuild killed midway), each named."""
        ...

    def alone(self) -> AbstractContextManager[None]:
        """Hold the rebuilds' lock, which rebuilding() and clear() hold: RebuildUnderWay
        (search/errors.py) at once if another process holds it."""
        ...

    def build_lacking(self) -> None:
        """Build what lacking() names (`archive check-index --repair`)."""
        ...

    def rebuilding(self, indexable: Indexable | None = None) -> AbstractContextManager[None]:
        """The index emptied; what is indexed inside is the whole of it (`archive reindex`):
        the backend may build its own structures once, at the end.

        A rebuild reads its documents before it writes them, without the lock, so that its
        reading, analysis and writing overlap: what it writes inside is written only where,
        under the lock, the index does not hold that document (another writer indexed a copy
        read later since the rebuild began) and `indexable` (when given) says the database
        still holds it (another writer may have taken it out of the index since)."""
        ...


class NullSearch:
    """A backend that indexes nothing and finds nothing (search disabled)."""

    rebuild_ending = None

    @contextmanager
    def writing(self, purge: bool = False) -> Iterator[NullSearch]:
        self.purge = purge
        yield self

    def index(self, documents: Iterable[IndexedDocument], purge: bool = False) -> int:
        return 0

    def delete(self, ids: Iterable[int]) -> int:
        return 0

    def search(self, request: SearchRequest) -> SearchResults:
        return SearchResults([], 0, request.page, request.per_page)

    def versions(self) -> dict[int, str]:
        return {}

    def clear(self) -> None:
        pass

    def lacking(self) -> list[str]:
        return []

    def build_lacking(self) -> None:
        pass

    @contextmanager
    def alone(self) -> Iterator[None]:
        yield

    @contextmanager
    def rebuilding(self, indexable: Indexable | None = None) -> Iterator[None]:
        yield
