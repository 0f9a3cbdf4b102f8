"""One unit of work per use case: its rows, its audit entries and the files it wrote are kept
together or not at all.

The search index follows after the commit (Database.on_documents_committed), so it never
learns of work that was rolled back; files are written before the commit (content-addressed
blobs, sealed originals) and removed again by `undo` when the commit does not happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def unit_of_work(session: Session, undo: Callable[[], None] | None = None) -> Iterator[Session]:
    """Commit what the block wrote; on any error roll it all back, call `undo`, re-raise."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        if undo is not None:
            undo()
        raise
