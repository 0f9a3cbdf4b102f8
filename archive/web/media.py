"""Media: serve cleaned files and thumbnails, attach files, and (custodians) vaulted originals.

Threat: a served file being run as a page (HTML or script in disguise), or read by someone who
may not see its document. Files are fetched through their document's permission check, sent
with their stored type, `nosniff`, a sandboxing Content-Security-Policy and a neutral file name
(an original name can identify a witness); PDFs are downloads, never shown inline.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from archive.auth.actors import Actor, user_id
from archive.auth.permissions import can
from archive.documents.held import Held, HeldUploads, describe, keepable, renumbered
from archive.documents.media import Batch, Upload, add_media, prepare, read_original
from archive.documents.pictures import reader_file
from archive.documents.serialize import media_json
from archive.errors import N_, MediaRefused, NotFound, ValidationError
from archive.services import get_session, media_store
from archive.storage import queries
from archive.storage.models import MediaFile
from archive.web.helpers import actor, get_document_or_404, permalink, require
from archive.web.labels import localised

bp = Blueprint("media", __name__)
FILE_POLICY = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'"
_YES = ("1", "on", "true", "yes")
# what a thumbnail or public copy can be (media/pictures.py), by its first bytes; else JPEG
_COPIES = ((b"\x89PNG", "image/png"), (b"%PDF-", "application/pdf"), (b"GIF8", "image/gif"),
           (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))  # fmt: skip


def uploads_from_request(field: str) -> list[Upload]:
    """Return the files sent in a multipart field, named neutrally (file 1, file 2…); the form
    field `disguise_voice` asks for the voices in recordings to be disguised."""
    files = [f for f in request.files.getlist(field) if f and f.filename]
    disguise = request.form.get("disguise_voice", "").lower() in _YES
    return [Upload(f.read(), f"file {n}", disguise) for n, f in enumerate(files, start=1)]


def get_media_or_404(media_id: int) -> MediaFile:
    """Fetch a media file whose document the actor may see, where its consent covers media;
    anything else is 'not found'."""
    media = queries.get_media(get_session(), media_id)
    if media is None:
        raise NotFound(f"no media {media_id}")
    if not can(actor(), "media:read", get_document_or_404(media.document_id)):
        raise NotFound(f"no media {media_id}")
    return media


def served_or_404(media: MediaFile) -> tuple[str, str | None]:
    """The (file, thumbnail) this reader gets (documents/pictures.py): a picture waiting for a
    custodian's decision, or withheld, is 'not found'."""
    got = reader_file(get_session(), media, actor())
    if got is None:
        raise NotFound(f"no media {media.id}")
    return got


@bp.get("/media/<int:media_id>")
def file(media_id: int):
    media = get_media_or_404(media_id)
    sha256, _thumbnail = served_or_404(media)
    return send_copy(sha256, media, attachment=media.kind == "pdf")


@bp.get("/media/<int:media_id>/thumbnail")
def thumbnail(media_id: int):
    media = get_media_or_404(media_id)
    _sha256, thumbnail_sha256 = served_or_404(media)
    if not thumbnail_sha256:
        raise NotFound("no thumbnail")
    return send_copy(thumbnail_sha256, media, attachment=False, suffix="-thumbnail")


def send_copy(sha256: str, media: MediaFile, attachment: bool, suffix: str = ""):
    """Send a file of this media row: the clean file with its stored type, or a thumbnail or
    public copy with the type its first bytes say (JPEG, PNG, GIF, TIFF or PDF)."""
    mime = media.mime
    if sha256 != media.sha256:
        with media_store().blobs.path(sha256).open("rb") as handle:
            head = handle.read(5)
        mime = next((m for magic, m in _COPIES if head.startswith(magic)), "image/jpeg")
    return _send(sha256, mime, media, attachment=attachment, suffix=suffix)


@bp.get("/media/<int:media_id>/original")
def original(media_id: int):
    who = require("document:read_original")
    media = get_media_or_404(media_id)
    data = read_original(get_session(), media, media_store(), who, "web")
    response = current_app.response_class(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="original-{media.original_sha256[:16]}.bin"'
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/documents/<int:doc_id>/media")
def upload(doc_id: int):
    who = require("document:edit")
    document = get_document_or_404(doc_id, "document:edit")
    uploads = uploads_from_request("media")
    if not uploads:
        raise ValidationError(N_("choose at least one file"), field="media")
    try:
        rows = add_media(get_session(), document, uploads, media_store(), who, "web")
    except MediaRefused as exc:
        why = f"{exc.source}: {localised(exc)}" if exc.source else localised(exc)  # the file's name, then why
        flash(_("Not attached: %(error)s", error=why), "error")
    else:
        flash(
            ngettext(
                "%(num)s file attached, metadata removed.", "%(num)s files attached, metadata removed.", len(rows)
            ),
            "info",
        )
    return redirect(url_for("pages.document", doc_id=document.id))


@bp.post("/api/v1/documents/<int:doc_id>/media")
def api_upload(doc_id: int):
    """Attach files sent as multipart field `file` (custodians; CSRF token in X-CSRFToken)."""
    who = require("document:edit")
    document = get_document_or_404(doc_id, "document:edit")
    uploads = uploads_from_request("file")
    if not uploads:
        raise ValidationError("send one or more files in the multipart field 'file'", "file")
    rows = add_media(get_session(), document, uploads, media_store(), who, "api")
    items = [media_json(m, permalink, full=True) for m in rows]  # custodians only
    return jsonify({"items": items}), 201


def held_uploads() -> HeldUploads:
    """Where files of a failed save wait, sealed, for the next try (documents/held.py)."""
    config = current_app.config
    return HeldUploads(Path(config["MEDIA_DIR"]) / "held", config["SECRET_KEY"])


def uploads_of_this_try(field: str, who: Actor) -> list[Upload]:
    """The files of this submit: those held from the last failed one (taken once, unless the
    custodian ticked `drop_held`), then those sent now, numbered in that order."""
    held = held_uploads().take(request.form.get("held"), user_id(who))
    if request.form.get("drop_held", "").lower() in _YES:
        held = []
    return renumbered(held + uploads_from_request(field))


def hold_for_next_try(uploads: list[Upload], error: Exception | None, who: Actor) -> tuple[str | None, list[Held]]:
    """After a failed save, seal its files (but one the error refused) for the next try;
    return the token for the form and what the form says of them."""
    kept = keepable(uploads, error) if error is not None else uploads
    return held_uploads().hold(kept, user_id(who)), describe(kept)


def prepared(uploads: list[Upload]) -> Batch | None:
    """Sanitise this try's files before anything is written (MediaRefused if one fails)."""
    return prepare(uploads, media_store()) if uploads else None


def _send(sha256: str, mime: str, media: MediaFile, attachment: bool, suffix: str = ""):
    path = media_store().blobs.path(sha256)
    if not path.exists():
        raise NotFound("the file is missing from the media store")
    name = f"document-{media.document_id}-media-{media.id}{suffix}.{_ext(mime, media)}"
    response = send_file(
        path,
        mimetype=mime,
        as_attachment=attachment,
        download_name=name,
        etag=sha256,
        conditional=True,
        max_age=3600,
    )
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["Cache-Control"] = "private, max-age=3600"
    # the same address answers a custodian with the clean file and a reader with the public
    # copy: a cache keeps them apart by who asks
    response.vary.update(("Cookie", "Authorization"))
    return response


def _ext(mime: str, media: MediaFile) -> str:
    known = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/tiff": "tif", "application/pdf": "pdf"}
    return known.get(mime, media.ext) if mime else media.ext
