"""How many independent sources a set of documents is (corroboration).

A Russian summary of an English article, a reprint in a second outlet, an interview quoted by
another paper: each is a document of its own, and none is a second source. Corroboration
counts *origins*: each cited document is followed back along confirmed derivations
(documents/derivation.py) to the documents it ultimately rests on, and each of those is one
origin, named by where its information first came from: the outlet that first reported it
(`source.reported_by`), else the publication (its address, else outlet and author), else the
document itself. Two summaries of one article are one source; an article relaying another
paper's interview is that paper. A document resting on several is counted as the first of
them, so corroboration is never overstated. A count must not tell a reader what they cannot
see: a derivation is followed only to documents the reader may open (`may_follow`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.storage.models import Derivation, Document, Source

MAX_DEPTH = 64  # a derivation chain longer than this is refused as a mistake


@dataclass(frozen=True)
class Corroboration:
    """How many documents are cited, and how many independent origins they come down to."""

    documents: int
    sources: int
    origins: tuple[str, ...] = ()

    @property
    def overstated(self) -> bool:
        return self.documents > self.sources


def corroboration(
    session: Session, document_ids: Iterable[int], may_follow: Callable[[int], bool] | None = None
) -> Corroboration:
    """The cited documents and the independent origins they rest on."""
    return corroborations(session, {0: list(document_ids)}, may_follow)[0]


def corroborations(
    session: Session, groups: dict[int, list[int]], may_follow: Callable[[int], bool] | None = None
) -> dict[int, Corroboration]:
    """Corroboration for several groups of documents at once (a timeline's entries).

    `may_follow(document_id)` says whether a derivation may be followed to that document (for a
    reader: whether they may open it). A count must not tell a reader what they cannot see, so a
    link to a document beyond them is not followed: the document citing it is its own origin."""
    every = {d for ids in groups.values() for d in ids}
    origin = origins_of(session, every, may_follow)
    out = {}
    for key, ids in groups.items():
        found = sorted({origin[d] for d in set(ids)})
        out[key] = Corroboration(len(set(ids)), len(found), tuple(found))
    return out


def origins_of(
    session: Session, document_ids: Iterable[int], may_follow: Callable[[int], bool] | None = None
) -> dict[int, str]:
    """Each document's origin: the key of the source its information first came from. A
    document deriving from several is kept apart by the first of them it names (its roots
    sorted), so that a compilation of two sources counts as one source, not two."""
    ids = set(document_ids)
    if not ids:
        return {}
    parents = _reachable_parents(session, ids, may_follow or (lambda _d: True))
    roots = {d: _roots(parents, d) for d in ids}
    every_root = {r for found in roots.values() for r in found}
    keys = _origin_keys(session, every_root)
    return {d: min(keys[r] for r in roots[d]) for d in ids}


def _reachable_parents(
    session: Session, ids: set[int], may_follow: Callable[[int], bool]
) -> dict[int, tuple[int, ...]]:
    """The confirmed links above these documents only (a query per level, usually one or two),
    leaving out links to documents the reader may not follow: a timeline page reads what its
    entries rest on, not the whole table."""
    parents: dict[int, tuple[int, ...]] = {}
    seen, frontier, depth = set(ids), set(ids), 0
    while frontier and depth < MAX_DEPTH:
        depth += 1
        rows = session.execute(
            select(Derivation.document_id, Derivation.from_document_id).where(
                Derivation.state == "confirmed", Derivation.document_id.in_(frontier)
            )
        )
        frontier = set()
        for child, parent in rows:
            if not may_follow(parent):
                continue
            parents[child] = (*parents.get(child, ()), parent)
            if parent not in seen:
                seen.add(parent)
                frontier.add(parent)
    return parents


def _roots(parents: dict[int, tuple[int, ...]], document_id: int) -> list[int]:
    """The documents this one rests on at the end of its confirmed derivations (itself if none)."""
    found, seen, todo, depth = set(), {document_id}, [document_id], 0
    while todo and depth < MAX_DEPTH:
        depth += 1
        nxt = []
        for d in todo:
            up = parents.get(d, ())
            if not up:
                found.add(d)
            for p in up:
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        todo = nxt
    found.update(todo)  # a chain too long (never stored: set_derived_from refuses cycles)
    return sorted(found)


def ancestors(parents: dict[int, tuple[int, ...]], document_id: int) -> set[int]:
    seen, todo = set(), [document_id]
    while todo:
        d = todo.pop()
        for p in parents.get(d, ()):
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


def confirmed_parents(session: Session) -> dict[int, tuple[int, ...]]:
    """Every confirmed link, child → parents (the table holds a few per document)."""
    parents: dict[int, tuple[int, ...]] = {}
    rows = session.execute(
        select(Derivation.document_id, Derivation.from_document_id).where(Derivation.state == "confirmed")
    )
    for child, parent in rows:
        parents[child] = (*parents.get(child, ()), parent)
    return parents


def descendants(parents: dict[int, tuple[int, ...]], document_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for child, ups in parents.items():
        for parent in ups:
            children.setdefault(parent, []).append(child)
    seen, todo = set(), [document_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _origin_keys(session: Session, document_ids: set[int]) -> dict[int, str]:
    if not document_ids:
        return {}
    rows = session.execute(
        select(Document.id, Source.reported_by, Source.url, Source.outlet, Source.author)
        .outerjoin(Source, Document.source_id == Source.id)
        .where(Document.id.in_(document_ids))
    )
    return {row[0]: origin_key(row[0], *row[1:]) for row in rows}


def origin_key(
    document_id: int, reported_by: str | None, url: str | None, outlet: str | None, author: str | None
) -> str:
    """Where a document's information first came from, as a comparable key."""
    if (reported_by or "").strip():
        return "reported by " + _plain(reported_by)
    if (url or "").strip():
        parts = urlsplit(url.strip())
        host = parts.netloc.lower().removeprefix("www.")
        path = parts.path.rstrip("/")
        if host and path:
            return f"address {host}{path}"
    if (outlet or "").strip() or (author or "").strip():
        return f"publication {_plain(outlet or '')} / {_plain(author or '')}"
    return f"document {document_id}"


def _plain(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split()).removeprefix("the ")
