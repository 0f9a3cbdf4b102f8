"""Whoosh, embedded: one index folder under the data directory.

Writers wait for the lock (several processes may write) instead of failing, and commit without
merging segments so that adding one document stays quick; `optimize()` merges when asked.
Facets are counted from columns; date ranges use 32-bit day numbers; highlighting reads the
whole public text, not only its first 32K characters.
"""

from __future__ import annotations

import fcntl
import html
import re
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import qparser, sorting
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.query import And, Every, NumericRange, Or, Term

from archive.errors import ValidationError
from archive.search.analysis import exact_analyzer, fold_analyzer, text_analyzer
from archive.search.backend import (
    FACETS,
    Hit,
    IndexedDocument,
    SearchRequest,
    SearchResults,
)

LOCK_TIMEOUT = 60.0  # seconds a writer waits for another process to finish
_FIELD_ALIASES = {"lang": "language", "kind": "kind", "place": "place", "tag": "tag",
                  "case": "case", "year": "year", "language": "language"}  # fmt: skip


def schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        version=STORED(),
        title=STORED(),
        body=STORED(),  # the public text, for snippets
        text=TEXT(analyzer=text_analyzer()),  # title and body, stemmed per script
        fold=TEXT(analyzer=fold_analyzer()),
        # Spelling suggestions come from the words of documents the reader may see: one word
        # list per audience, or a suggestion could reveal a word of a hidden document.
        spell_anonymous=TEXT(analyzer=exact_analyzer(), spelling=True),
        spell_researcher=TEXT(analyzer=exact_analyzer(), spelling=True),
        spell_custodian=TEXT(analyzer=exact_analyzer(), spelling=True),
        case=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        language=ID(stored=True, sortable=True),
        place=KEYWORD(stored=True, commas=True, lowercase=False),
        tag=KEYWORD(stored=True, commas=True, lowercase=False),
        year=NUMERIC(bits=32, stored=True, sortable=True),
        # "consent:status": access is one required term of the query, which Whoosh intersects
        # with the matches as it goes, instead of a filter set built for every search
        access=ID(),
        published=NUMERIC(bits=32, sortable=True),
        published_iso=STORED(),
        events_start=NUMERIC(bits=32),
        events_end=NUMERIC(bits=32),
    )


class WhooshSearch:
    """The embedded search backend."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._ix = None

    @property
    def ix(self):
        # A deleted index folder (an operator's cleanup, a restore) is recreated empty rather
        # than failing every search; `archive reindex` or check-index --repair fills it again.
        if self._ix is None or not self.folder.exists():
            self._ix = _open_or_create(self.folder)
        return self._ix

    def index(
        self, documents: Iterable[IndexedDocument], merge: bool = False, purge: bool = False
    ) -> int:
        """Add or replace documents; `purge` rewrites the segments so replaced words are gone."""
        count = 0
        writer = _retry(lambda: self.ix.writer(timeout=LOCK_TIMEOUT, delay=0.05))
        try:
            for doc in documents:
                writer.update_document(**_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        if purge:
            writer.commit(optimize=True)
        else:
            writer.commit(merge=merge)
        return count

    def delete(self, ids: Iterable[int]) -> int:
        writer = _retry(lambda: self.ix.writer(timeout=LOCK_TIMEOUT, delay=0.05))
        try:
            count = sum(writer.delete_by_term("id", str(i)) for i in ids)
        except BaseException:
            writer.cancel()
            raise
        # A deleted document's words stay in its segment until a merge: merge now.
        writer.commit(optimize=True)
        return count

    def optimize(self) -> None:
        self.ix.optimize()

    def clear(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".create.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._ix = whoosh_index.create_in(self.folder, schema())
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def versions(self) -> dict[int, str]:
        with _retry(self.ix.searcher) as searcher:
            return {int(fields["id"]): fields["version"] for fields in searcher.all_stored_fields()}

    def search(self, request: SearchRequest) -> SearchResults:
        access = Or([Term("access", f"{c}:{s}") for c in request.consents
                     for s in request.statuses])  # fmt: skip
        query = And([parse_query(request.q, self.ix.schema), access, *_filters(request)])
        with _retry(self.ix.searcher) as searcher:
            facets = {name: _facet(name) for name in FACETS} if request.facets else None
            sortedby = None if request.sort == "relevance" else sorting.FieldFacet(
                "published", reverse=True
            )  # fmt: skip
            try:
                results = searcher.search_page(
                    query, request.page, pagelen=request.per_page, groupedby=facets,
                    sortedby=sortedby,
                )  # fmt: skip
            except ValueError:  # Whoosh refuses some pages past the end
                results = None
            if results is None or request.page > max(results.pagecount, 1):
                # and clamps others to the last page; past the end is empty
                total = len(searcher.search(query, limit=1)) if results is None else results.total
                return SearchResults([], total, request.page, request.per_page)
            results.results.fragmenter = ContextFragmenter(
                maxchars=240, surround=60, charlimit=None
            )
            results.results.formatter = HtmlFormatter(tagname="mark", between=" … ")
            hits = [_hit(hit) for hit in results]
            counts = _facet_counts(results.results) if request.facets else {}
            suggestion = None
            if results.total == 0 and request.q.strip():
                suggestion = _suggest(searcher, request.q, _spelling_field(request))
            return SearchResults(hits, results.total, request.page, request.per_page, counts,
                                 suggestion)  # fmt: skip


def _retry(opener, attempts: int = 5):
    """Open a reader or writer, retrying when another process's commit just removed the
    table of contents being read (Whoosh reads it without the write lock)."""
    for attempt in range(attempts):
        try:
            return opener()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _open_or_create(folder: Path):
    """Open the index, creating it under a lock so that processes starting together agree."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".create.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if whoosh_index.exists_in(folder):
                return whoosh_index.open_dir(folder)
            return whoosh_index.create_in(folder, schema())
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _spelling_field(request: SearchRequest) -> str:
    if set(request.statuses) <= {"published"}:
        return "spell_anonymous" if set(request.consents) <= {"public"} else "spell_researcher"
    return "spell_custodian"


def parse_query(text: str, schema):
    """Parse the user's query, or raise ValidationError with a helpful message."""
    text = (text or "").strip()
    if not text:
        return Every()
    if len(text) > 1000:
        raise ValidationError("is longer than 1000 characters", field="q")
    if text.count('"') % 2:
        raise ValidationError('has an unclosed quotation mark (")', field="q")
    if text.count("(") != text.count(")"):
        raise ValidationError("has unbalanced brackets", field="q")
    text = re.sub(
        r"\b(\w+):", lambda m: f"{_FIELD_ALIASES.get(m.group(1).lower(), m.group(1))}:", text
    )
    parser = qparser.MultifieldParser(["text", "fold"], schema, fieldboosts={"fold": 0.6})
    parser.add_plugin(qparser.FuzzyTermPlugin())
    try:
        return parser.parse(text)
    except Exception as exc:  # noqa: BLE001 - Whoosh raises many kinds on odd input
        raise ValidationError(
            'could not be understood; use words, "exact phrases", AND/OR/NOT, kind:…, '
            "place:…, lang:…, prefix* and fuzzy~ terms",
            field="q",
        ) from exc


def _fields(doc: IndexedDocument) -> dict:
    text = f"{doc.title}\n{doc.body}"
    fields = {
        "id": str(doc.id),
        "version": doc.version,
        "title": doc.title,
        "body": doc.body,
        "text": text,
        "fold": text,
        "spell_custodian": text,
        "case": doc.case,
        "kind": doc.kind,
        "language": doc.language,
        "place": ",".join(p.replace(",", " ") for p in doc.places),
        "tag": ",".join(t.replace(",", " ") for t in doc.tags),
        "access": f"{doc.consent}:{doc.status}",
    }
    if doc.status == "published" and doc.consent in ("public", "researchers"):
        fields["spell_researcher"] = text
        if doc.consent == "public":
            fields["spell_anonymous"] = text
    if doc.published:
        fields["published"] = doc.published.toordinal()
        fields["published_iso"] = doc.published.isoformat()
        fields["year"] = doc.published.year
    if doc.events_start:
        fields["events_start"] = doc.events_start.toordinal()
    if doc.events_end:
        fields["events_end"] = doc.events_end.toordinal()
    return fields


def _filters(request: SearchRequest) -> list:
    restrictions = []
    for name, value in request.filters.items():
        if value in (None, ""):
            continue
        if name == "year":
            restrictions.append(NumericRange("year", int(value), int(value)))
        elif name in ("kind", "language", "place", "tag", "case"):
            restrictions.append(Term(name, str(value)))
    if request.date_from or request.date_to:
        # a document matches when the period of events it describes overlaps the range
        low = request.date_from.toordinal() if request.date_from else None
        high = request.date_to.toordinal() if request.date_to else None
        if high is not None:
            restrictions.append(NumericRange("events_start", None, high))
        if low is not None:
            restrictions.append(NumericRange("events_end", low, None))
    return restrictions


def _facet(name: str):
    if name in ("place", "tag"):
        return sorting.FieldFacet(name, allow_overlap=True)
    return sorting.FieldFacet(name)


def _facet_counts(results) -> dict[str, dict[str, int]]:
    counts = {}
    for name in FACETS:
        groups = results.groups(name)
        counts[name] = {
            str(key): len(ids) if isinstance(ids, list) else int(ids)
            for key, ids in groups.items()
            if key not in (None, "")
        }
    return counts


def _hit(hit) -> Hit:
    snippet = hit.highlights("text", text=hit.get("body", ""), top=2)
    if not snippet:
        snippet = html.escape(hit.get("body", "")[:240])
    published = hit.get("published_iso")
    return Hit(
        id=int(hit["id"]),
        title=hit.get("title", ""),
        snippet=snippet,
        kind=hit.get("kind", ""),
        language=hit.get("language", ""),
        case=hit.get("case", ""),
        published=date.fromisoformat(published) if published else None,
        score=float(hit.score or 0.0),
    )


def _suggest(searcher, text: str, field: str) -> str | None:
    words = re.findall(r"\w+", text)
    corrected = []
    changed = False
    for word in words:
        if len(word) < 4 or any(c.isdigit() for c in word):  # ids and short words stay as typed
            corrected.append(word)
            continue
        options = searcher.suggest(field, word.lower(), limit=1)
        if options and options[0] != word.lower():
            corrected.append(options[0])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None
