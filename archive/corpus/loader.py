"""Load a corpus folder: one sub-folder per case with case.yaml, documents/, timeline/ and
acts/ (the violations layer).

Loading is idempotent: a case, document or timeline entry whose slug is already stored is
skipped, so `make run` can load the corpus every time without adding anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from archive.auth.actors import Actor
from archive.auth.permissions import can
from archive.corpus.cases import create_case, validate_case
from archive.documents.intake import FileResult, create_document, sha256_hex
from archive.documents.parse import decode, parse_submission, parse_yaml
from archive.documents.submission import validate_document
from archive.errors import IngestError, NotPermitted, ValidationError
from archive.storage import queries
from archive.storage.db import index_in_batches
from archive.storage.models import Case
from archive.timeline.entries import create_entries, validate_entry
from archive.violations.acts import save_acts, validate_act

CASE_FILE = "case.yaml"


@dataclass
class CorpusReport:
    cases_created: int = 0
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return self.count("error") == 0


def corpus_files(root: Path) -> list[Path]:
    """Return every file the loader will read, in the order it reads them."""
    files = []
    for case_dir in _case_dirs(root):
        files.append(case_dir / CASE_FILE)
        files.extend(sorted((case_dir / "documents").glob("*.md")))
        files.extend(sorted((case_dir / "timeline").glob("*.yaml")))
        files.extend(sorted((case_dir / "acts").glob("*.yaml")))
    return files


def load_corpus(
    session: Session,
    root: Path,
    kinds: tuple[str, ...],
    actor: Actor,
    via: str,
    progress: Callable[[FileResult], None] | None = None,
) -> CorpusReport:
    """Load every case under root; report each file's outcome."""
    if not all(can(actor, a) for a in ("case:create", "document:create", "timeline:edit")):
        raise NotPermitted("only custodians load a corpus")
    if not root.is_dir():
        raise IngestError("is not a folder", field="corpus", source=str(root))
    report = CorpusReport()

    def note(result: FileResult) -> None:
        report.results.append(result)
        if progress:
            progress(result)

    with index_in_batches(session):
        for case_dir in _case_dirs(root):
            case = _load_case(session, case_dir / CASE_FILE, actor, via, report, note)
            if case is None:
                continue
            for path in sorted((case_dir / "documents").glob("*.md")):
                note(_load_document(session, case, path, kinds, actor, via))
            _load_timeline(session, case, sorted((case_dir / "timeline").glob("*.yaml")), actor, via, note)
            for path in sorted((case_dir / "acts").glob("*.yaml")):
                note(_load_act(session, case, path, actor, via))
    return report


def _case_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / CASE_FILE).is_file()) if root.is_dir() else []


def _load_case(session, path: Path, actor, via, report, note) -> Case | None:
    name = str(path)
    try:
        submission = validate_case(parse_yaml(decode(path.read_bytes(), name), name))
        existing = queries.get_case(session, submission.slug)
        if existing is not None:
            note(FileResult(name, "skipped", "case already loaded"))
            return existing
        case = create_case(session, submission, actor, via)
    except ValidationError as exc:
        note(FileResult(name, "error", str(IngestError(exc.message, exc.field, exc.source or name))))
        return None
    report.cases_created += 1
    note(FileResult(name, "ingested"))
    return case


def _load_document(session, case: Case, path: Path, kinds, actor, via) -> FileResult:
    name = str(path)
    try:
        data = path.read_bytes()
        submission = validate_document(parse_submission(data, name), kinds, name)
        if submission.case != case.slug:
            raise IngestError(f"belongs to {submission.case!r}, not {case.slug!r}", "case", name)
        if submission.slug is None:
            raise IngestError("corpus documents need a slug", "slug", name)
        existing = queries.document_by_slug(session, case.id, submission.slug)
        if existing is not None:
            return FileResult(name, "skipped", "already loaded", existing.id)
        document = create_document(session, submission, sha256_hex(data), actor, via, name, received=data)
    except IngestError as exc:
        return FileResult(name, "error", str(exc))
    return FileResult(name, "ingested", "", document.id)


def _load_timeline(session, case: Case, paths: list[Path], actor, via, note) -> None:
    submissions, results = [], []
    for path in paths:
        name = str(path)
        try:
            sub = validate_entry(parse_yaml(decode(path.read_bytes(), name), name), name)
            if sub.case != case.slug:
                raise IngestError(f"belongs to {sub.case!r}, not {case.slug!r}", "case", name)
            if sub.slug is None:
                raise IngestError("corpus timeline entries need a slug", "slug", name)
            if queries.entry_by_slug(session, case.id, sub.slug):
                results.append(FileResult(name, "skipped", "already loaded"))
                continue
            submissions.append((name, sub))
            results.append(FileResult(name, "ingested"))
        except IngestError as exc:
            results.append(FileResult(name, "error", str(exc)))
    if submissions and not any(r.status == "error" for r in results):
        try:
            entries = create_entries(session, case, submissions, actor, via)
        except IngestError as exc:
            # the case's timeline is stored as a whole: one bad cross-reference stores none
            results = [
                FileResult(
                    r.path,
                    "error",
                    str(exc) if r.path == exc.source else "not stored: another entry of this timeline failed",
                )
                if r.status == "ingested"
                else r
                for r in results
            ]
        else:
            ids = iter(e.id for e in entries)
            results = [
                FileResult(r.path, r.status, r.message, next(ids) if r.status == "ingested" else None) for r in results
            ]
    elif submissions:
        results = [
            FileResult(r.path, "error", "not stored: another entry of this timeline failed")
            if r.status == "ingested"
            else r
            for r in results
        ]
    for result in results:
        note(result)


def _load_act(session, case: Case, path: Path, actor, via) -> FileResult:
    name = str(path)
    try:
        sub = validate_act(parse_yaml(decode(path.read_bytes(), name), name), name)
        existing = queries.act_by_slug(session, case.id, sub.slug)
        if existing is not None:
            return FileResult(name, "skipped", "already loaded", existing.id)
        (act,) = save_acts(session, case, [(name, sub)], actor, via)
    except IngestError as exc:
        return FileResult(name, "error", str(exc))
    return FileResult(name, "ingested", "", act.id)
