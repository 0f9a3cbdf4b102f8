"""A custodian's decision on what a picture may show readers, and which file readers get.

Threat: a witness's face in a photo, or their name on a scanned summons, reaching a reader.
Every photo, PDF page and video frame is looked at when attached (media/pictures.py); one
showing a face or text, or that could not be looked at, is "undecided" and readers get nothing
of it (not the file, not its thumbnail, not its entry in a list) until a custodian decides:

- "obscured": a public copy with faces pixelated under noise, drawn regions and redacted words
  burned out (the words the document's own redaction would replace, found on the page where
  OCR read them), read again before it is kept: a face still seen or a word still read refuses
  the decision;
- "shown": faces left as they are, for a reason recorded in the custody log (drawn regions and
  redacted words are burned all the same);
- "withheld": readers get nothing, for good.

The words burned depend on the case's protected identities and the document's redaction. When
either changes after a decision, the copy may show a name protected since: readers then get
nothing until a custodian decides again (`reader_file`, `current`), so a copy is never behind
its protection.
Two custodians deciding at once: the second to save gets EditConflict (`picture_version`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from archive.auth.actors import ANONYMOUS, Actor, user_id
from archive.auth.permissions import can
from archive.documents.edit import update_document
from archive.documents.media import MediaStore
from archive.documents.revisions import latest_content, submission_from
from archive.errors import N_, EditConflict, MediaRefused, NotPermitted, ValidationError
from archive.media import pictures
from archive.media.detect import MediaType, detect
from archive.media.ocr import LANGUAGES, Page, fold
from archive.media.thumbnail import make_thumbnail
from archive.protection.public_text import protection_for, review_spans
from archive.storage import audit, queries
from archive.storage.models import Case, Document, MediaFile, utcnow
from archive.storage.unit import unit_of_work

log = logging.getLogger(__name__)

CHOICES = ("obscured", "shown", "withheld")
SOURCES = ("face", "custodian")  # of a region a custodian keeps or draws
MAX_REASON = 1000
_CHECKED: dict[bytes, bool] = {}  # digest of (words, protection, boxes burned) → the copy still covers it


def reader_file(
    session: Session, media: MediaFile, actor: Actor, token: str | None = None
) -> tuple[str, str | None] | None:
    """The (file, thumbnail) this actor gets of a media file: custodians the clean file; readers
    the clean file when nothing needed deciding or faces were shown with nothing burned, the
    public copy when one was made, nothing while undecided, withheld or behind its protection
    (a word read in a "clear" picture that a witness's protection names now hides it too)."""
    if can(actor, "document:edit", media.document):
        return media.sha256, media.thumbnail_sha256
    if media.picture_state not in ("clear", "obscured", "shown") or not current(session, media, token):
        return None
    if media.public_sha256:
        return media.public_sha256, media.public_thumbnail_sha256
    return media.sha256, media.thumbnail_sha256


def reader_files(session: Session, document: Document, actor: Actor) -> list[tuple[MediaFile, str]]:
    """The document's files this actor may have, each with the SHA-256 of the copy they get."""
    if not can(actor, "media:read", document):
        return []
    read = any(page["words"] for media in document.media for page in media.words or ())
    token = protection_token(session, document) if read else None  # once for the whole gallery
    files = [(media, reader_file(session, media, actor, token)) for media in document.media]
    return [(media, got[0]) for media, got in files if got is not None]


def waiting(session: Session, document: Document) -> list[MediaFile]:
    """The document's files a custodian must decide on (again) before it is published."""
    return [
        m
        for m in document.media
        if m.picture_state == "undecided"
        or (m.picture_state in ("clear", "obscured", "shown") and not current(session, m))
    ]


def current(session: Session, media: MediaFile, token: str | None = None) -> bool:
    """Whether a decided copy still burns every word its protection names today: at once when
    nothing that decides it changed since (the digest kept with the decision), else by working
    the words out again (once per process for each decision and protection)."""
    if not any(page["words"] for page in media.words or ()):
        return True
    token = token or protection_token(session, media.document)
    if token == media.burned_for:
        return True
    burned = {(r["page"], tuple(r["box"])) for r in media.regions if r["source"] == "word"}
    # the answer depends on the words read, the protection and the boxes burned: nothing else
    key = hashlib.sha256(json.dumps([media.words, token, sorted(burned)], ensure_ascii=False).encode()).digest()
    answer = _CHECKED.get(key)
    if answer is None:
        if len(_CHECKED) > 10_000:
            _CHECKED.clear()
        needed = redacted_words(session, media.document, pictures.pages_of(media.words)).boxes
        answer = _CHECKED[key] = all((page, tuple(box)) in burned for page, boxes in needed.items() for box in boxes)
    return answer


def protection_token(session: Session, document: Document) -> str:
    """A digest of what decides which words are burned: the case's protected identities and
    public names, the document's redaction decisions and the texts its redaction replaced."""
    protection = protection_for([session.get(Case, document.case_id)], document)
    state = {
        "identities": sorted([sorted(i.names), i.pseudonym] for i in protection.identities),
        "public": sorted(protection.public),
        "keep": sorted(protection.keep),
        "add": sorted(protection.add),
        "replaced": sorted({text for _field, _span, text in review_spans(document)}),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass
class Redacted:
    """What the redaction replaces on a file's pages: the words' boxes, page by page, and the
    stretches of text they make up (names and numbers whole: what a second reading looks for)."""

    boxes: dict[int, list] = field(default_factory=dict)
    terms: set[str] = field(default_factory=set)


def redacted_words(session: Session, document: Document, pages: list[Page]) -> Redacted:
    """The words the document's redaction replaces, as found on its pages: by the same
    redaction run on each page's text, and wherever a text the redaction replaced in the
    document turns up on a page."""
    protection = protection_for([session.get(Case, document.case_id)], document)
    terms = {" ".join(fold(text).split()) for _field, _span, text in review_spans(document) if text.strip()}
    found = Redacted()
    for number, page in enumerate(pages):
        text = page.text
        spans = [(s.start, s.end) for s in protection.redact(text).spans]
        folded = fold(text)
        for term in terms:
            at = folded.find(term)
            while at >= 0:
                spans.append((at, at + len(term)))
                at = folded.find(term, at + 1)
        boxes = [word.box for word in page.words_within(spans)]
        if boxes:
            found.boxes[number] = boxes
            found.terms |= {text[start:end] for start, end in spans}
    return found


def checked_regions(raw, media: MediaFile) -> list[dict]:
    """The regions a custodian kept or drew, each a page number, a box inside that page and a
    source; refused with a reason otherwise."""
    if not isinstance(raw, list) or len(raw) > pictures.MAX_REGIONS:
        raise ValidationError(N_("send the regions as a list of at most %(limit)s boxes"), "regions",
                              params={"limit": pictures.MAX_REGIONS})  # fmt: skip
    sizes = page_sizes(media)
    out = []
    for item in raw:
        try:
            page, source = int(item.get("page", 0)), str(item.get("source", "custodian"))
            if not isinstance(item["box"], list | tuple):
                raise TypeError("a box is a list")
            left, top, width, height = (int(round(float(v))) for v in item["box"])
            score = float(item["score"]) if source == "face" and item.get("score") is not None else None
            if score is not None and not 0.0 <= score <= 1.0:
                raise ValueError("a score is between 0 and 1")
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ValidationError(N_("a region is not a page and a box of four numbers"), "regions") from exc
        if source == "word":
            continue  # the words burned are worked out again, never taken from a client
        if source not in SOURCES or not 0 <= page < len(sizes):
            raise ValidationError(N_("a region is not a page and a box of four numbers"), "regions")
        page_width, page_height = sizes[page]
        left, top = max(0, left), max(0, top)
        width, height = min(width, page_width - left), min(height, page_height - top)
        if width < 1 or height < 1:
            raise ValidationError(N_("a region lies outside the picture"), "regions")
        out.append(pictures.region(page, (left, top, width, height), source, score))
    return out


def page_sizes(media: MediaFile) -> list[tuple[int, int]]:
    if media.words:
        return [(p["width"], p["height"]) for p in media.words]
    return [(media.width or 1, media.height or 1)]


def decide(
    session: Session,
    media: MediaFile,
    store: MediaStore,
    actor: Actor,
    via: str,
    choice: str,
    regions: list,
    reason: str = "",
    expected_version: int | None = None,
) -> MediaFile:
    """Record a custodian's decision on a picture and make its public copy (see the module)."""
    document = media.document
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians decide what a picture shows")
    if choice not in CHOICES:
        raise ValidationError(N_("must be one of %(allowed)s"), "choice", params={"allowed": ", ".join(CHOICES)})
    regions = checked_regions(regions, media)
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError(N_("is longer than %(limit)s characters"), "reason", params={"limit": MAX_REASON})
    kind = _kind(media)
    found = [r for r in media.regions if r["source"] == "face"]
    if choice == "shown" and found and not reason:  # faces found, kept or not: say why they may be seen
        raise ValidationError(N_("say why the faces may be shown: the reason is kept sealed with the file"), "reason")
    if choice == "obscured" and kind.family == "video":
        raise ValidationError(N_("a video's faces cannot be obscured here: withhold it, or show it with a reason"),
                              "choice")  # fmt: skip
    data = store.blobs.get(media.sha256)
    if choice != "withheld":
        _require_publishable(media, data, store, kind)
    expected = media.picture_version if expected_version is None else expected_version
    token = protection_token(session, document) if media.words else ""  # before the words are worked out
    public = _public_files(session, media, data, store, kind, choice, regions) if choice != "withheld" else _Public()
    removed = len(found) - sum(r["source"] == "face" for r in regions)
    regions = regions + public.words
    created: list[str] = []
    earlier = (media.public_sha256, media.public_thumbnail_sha256)

    def undo() -> None:
        for sha256 in created:
            store.blobs.delete(sha256)

    with unit_of_work(session, undo=undo):
        for data in (public.data, public.thumbnail):
            if data is not None:
                sha256, made = store.blobs.put(data)
                if made:
                    created.append(sha256)
        values = {
            "picture_state": choice,
            "regions": regions,
            "picture_reason": reason if choice == "shown" else "",
            "picture_decided_by_id": user_id(actor),
            "picture_decided_at": utcnow(),
            "picture_version": expected + 1,
            "burned_for": token,
            "public_sha256": _sha256(public.data),
            "public_thumbnail_sha256": _sha256(public.thumbnail),
        }
        _advance(session, media, expected, values)
        details = {"choice": choice, "regions": len(regions) - len(public.words), "words_burned": len(public.words),
                   "faces_removed": max(0, removed), "reason_given": bool(reason) and choice == "shown"}  # fmt: skip
        audit.record(session, actor, via, "media.picture.decide", "media", media.id, document_id=document.id, **details)
    _drop_unused(session, store, earlier)
    for data in (public.data, public.thumbnail):  # another decision may have dropped the same bytes meanwhile
        if data is not None and not store.blobs.path(_sha256(data)).exists():
            store.blobs.put(data)
    log.info(
        "media %s: public copy %s (%s regions, %s words burned)", media.id, choice, len(regions), len(public.words)
    )
    return media


def _kind(media: MediaFile) -> MediaType:
    """The media type of a stored file, refused for one that is no picture (a recording)."""
    if media.kind == "pdf":
        family = "document"
    elif media.mime.startswith("video/"):
        family = "video"
    elif media.mime.startswith("image/"):
        family = "image"
    else:
        raise ValidationError(N_("is a recording: there is no picture to decide on"), "media")
    return MediaType(media.kind, media.mime, media.ext, family)


def _require_publishable(media: MediaFile, data: bytes, store: MediaStore, kind: MediaType) -> None:
    """Refuse to let readers have a file not wholly looked at: one read before pictures were
    (attached before this archive looked at them: read it again first), or with more frames or
    pages than are looked at."""
    if media.words is None and kind.family != "video":
        raise ValidationError(N_("was never read: read it again first, then decide"), "media")
    bound = pictures.too_many(data, kind, store.limits)
    if bound:
        raise ValidationError(N_("has more frames or pages than are looked at: withhold it"), "choice")


@dataclass
class _Public:
    data: bytes | None = None  # None: readers may have the clean file itself
    thumbnail: bytes | None = None
    words: list[dict] = field(default_factory=list)  # the redacted words' boxes burned, as regions


def _public_files(session, media, data, store, kind, choice, regions) -> _Public:
    """The public copy for this decision, read again: refused with what it still shows."""
    pages = pictures.pages_of(media.words)
    redacted = redacted_words(session, media.document, pages)
    burned = {page: list(boxes) for page, boxes in redacted.boxes.items()}
    for r in regions:
        if r["source"] == "custodian":
            burned.setdefault(r["page"], []).append(r["box"])
    faces = [r for r in regions if r["source"] == "face"] if choice == "obscured" else []
    found = [pictures.region(page, box, "word") for page, boxes in redacted.boxes.items() for box in boxes]
    # a PDF is always rebuilt of its pictures: its own text layer may say what its pixels do not
    if not faces and not burned and kind.kind != "pdf":
        if choice == "obscured" and kind.family != "video":  # no face kept to obscure: is that so?
            _refuse_if(pictures.problems(pictures.Copy(data, media.mime), redacted.terms, check_faces=True))
        return _Public(words=found)
    try:
        copy = pictures.public_copy(data, kind, store.limits, faces, burned)
        _refuse_if(pictures.problems(copy, redacted.terms, check_faces=choice == "obscured"))
    except (ValidationError, MediaRefused):
        raise
    except Exception as exc:  # noqa: BLE001 - a tool's own failure (cv2.error, a decoder): refused, never kept
        raise ValidationError(
            N_("the public copy could not be made and read again (%(what)s): withhold the file"),
            "media",
            params={"what": type(exc).__name__},
        ) from exc
    thumbnail = make_thumbnail(copy.data)[0] if kind.family == "image" else None
    return _Public(copy.data, thumbnail, found)


def _sha256(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def _refuse_if(found: list[str]) -> None:
    if found:
        raise ValidationError(
            N_("the public copy still shows what it must not (%(what)s): draw a region over it, or withhold the file"),
            "regions",
            params={"what": "; ".join(found)},
        )


def read_again(
    session: Session,
    media: MediaFile,
    store: MediaStore,
    actor: Actor,
    via: str,
    languages: tuple[str, ...],
    expected_version: int | None = None,
) -> MediaFile:
    """Look at a file again (faces, and its text in the languages a custodian chose: Russian,
    English or both, both when it was attached). What it shows may differ now: the file waits
    for a decision again, its earlier public copy taken from readers; drawn regions stay."""
    if not can(actor, "document:edit", media.document):
        raise NotPermitted("only custodians read files again")
    if not languages or any(language not in LANGUAGES for language in languages):
        raise ValidationError(N_("must be one of %(allowed)s"), "languages", params={"allowed": "rus+eng, rus, eng"})
    kind = _kind(media)
    if kind.family == "video":
        raise ValidationError(N_("a video's text is not read: decide on its faces"), "languages")
    expected = media.picture_version if expected_version is None else expected_version
    seen = pictures.look(store.blobs.get(media.sha256), kind, store.limits, media.seconds, languages)
    earlier = (media.public_sha256, media.public_thumbnail_sha256)
    values = {
        "words": pictures.stored(seen.pages),
        "regions": seen.regions + [r for r in media.regions if r["source"] == "custodian"],
        "picture_notes": seen.notes,
        "picture_state": "undecided",
        "picture_version": expected + 1,
        "burned_for": "",
        "public_sha256": None,
        "public_thumbnail_sha256": None,
    }
    with unit_of_work(session):
        _advance(session, media, expected, values)
        audit.record(session, actor, via, "media.picture.read", "media", media.id, document_id=media.document_id,
                     languages="+".join(languages), words=sum(len(p.words) for p in seen.pages))  # fmt: skip
    _drop_unused(session, store, earlier)
    return media


def _advance(session: Session, media: MediaFile, expected: int, values: dict) -> None:
    """Write `values` on the row if it is still at the version the custodian read (one
    compare-and-set UPDATE, which also takes the row's lock); EditConflict otherwise."""
    advanced = session.execute(
        update(MediaFile)
        .where(MediaFile.id == media.id, MediaFile.picture_version == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if advanced != 1:
        session.rollback()
        session.refresh(media)
        raise EditConflict(
            "decided by another custodian since you opened it: reload the page to see their decision",
            field="picture_version",
        )
    for name, value in values.items():
        set_committed_value(media, name, value)


def _drop_unused(session: Session, store: MediaStore, blobs) -> None:
    """Delete public copies no row names any more (one may show what is protected since)."""
    for sha256 in blobs:
        if sha256 and not queries.blob_in_use(session, sha256):
            store.blobs.delete(sha256)


def view_reading(session: Session, media: MediaFile, actor: Actor, via: str) -> list[Page]:
    """What OCR read in a file, for a custodian's review: it can name anyone the public copy
    hides, so every view is recorded in the custody log, as a view of an original text is."""
    if not can(actor, "document:read_original", media.document):
        raise NotPermitted("only custodians see what a file's text says")
    pages = pictures.pages_of(media.words)
    if any(page.words for page in pages):
        with unit_of_work(session):
            audit.record(session, actor, via, "media.text.view", "media", media.id, document_id=media.document_id)
    return pages


def read_text(media: MediaFile) -> str:
    """What OCR read in the file, page after page (custodians: it can name someone)."""
    return "\n\n".join(page.text for page in pictures.pages_of(media.words) if page.text.strip())


def add_text_to_body(session: Session, media: MediaFile, actor: Actor, via: str):
    """Add what OCR read in a file to its document's text, as the document's next revision: it
    is then redacted and reviewed like any text the document holds, and searched as its text."""
    document = media.document
    if not can(actor, "document:edit", document):
        raise NotPermitted("only custodians edit documents")
    text = read_text(media)
    if not text:
        raise ValidationError(N_("no text was read in this file"), "media")
    content = latest_content(session, document)
    if text in content["body"]:
        raise ValidationError(N_("the text read in this file is already in the document"), "media")
    # no number: counting the files would tell readers of one they do not get
    content = {**content, "body": f"{content['body'].rstrip()}\n\n## Text read from an attached file\n\n{text}\n"}
    return update_document(
        session, document, submission_from(content), actor, via, reason=f"text read from media {media.id}"
    )


@dataclass
class Checked:
    """What `check_copies` found: files read again, and what each still shows (no words)."""

    files: int = 0
    waiting: int = 0  # undecided, or behind a protection changed since: readers get nothing
    problems: list[str] = field(default_factory=list)


def check_copies(session: Session, store: MediaStore) -> Checked:
    """Read again, as a verifier, what readers get of every picture they get: a face the
    stricter detector sees where faces were obscured, a word the redaction replaces today that
    OCR still reads, any text layer in a PDF copy (a video shown is its decision's: its frames
    are not read). Nothing is changed."""
    checked = Checked()
    rows = session.scalars(select(MediaFile).where(MediaFile.picture_state.in_(("clear", "obscured", "shown"))))
    for media in rows.all():
        if media.mime.startswith(("video/", "audio/")):
            continue  # a recording has no picture; a video shown with a reason: its faces are the decision's
        got = reader_file(session, media, ANONYMOUS)
        if got is None:
            checked.waiting += 1
            continue
        data = store.blobs.get(got[0])
        mime = media.mime if got[0] == media.sha256 else detect(data).mime
        redacted = redacted_words(session, media.document, pictures.pages_of(media.words))
        checked.files += 1
        copy = pictures.Copy(data, mime)
        for problem in pictures.problems(copy, redacted.terms, check_faces=media.picture_state == "obscured"):
            checked.problems.append(f"media {media.id} (document {media.document_id}): {problem}")
    checked.waiting += session.scalar(
        select(func.count()).select_from(MediaFile).where(MediaFile.picture_state == "undecided")
    )
    return checked
