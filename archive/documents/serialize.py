"""Cases, documents and media as JSON, for the API: public text only, never the original."""

from __future__ import annotations

from archive.links import Link
from archive.records import grading_json, source_json
from archive.storage.models import Case, Document, MediaFile


def case_json(case: Case, link: Link) -> dict:
    return {
        "slug": case.slug,
        "title": case.title,
        "summary": case.summary,
        "region": case.region,
        "period": case.period_edtf,
        "url": link("case", case.slug),
    }


def document_json(
    document: Document,
    link: Link,
    full: bool,
    custodian: bool = False,
    derived: list | None = None,
    files: list[tuple[MediaFile, str]] | None = None,
) -> dict:
    """A document's description; `full` adds its source, grading, media and public text, and
    `custodian` the media's cleaning reports and original hashes (and media whose consent
    does not cover their being shown: documents/consent.py). `derived`: the confirmed
    derivations the reader may see (the caller checks the documents they point at)."""
    data = {
        "id": document.id,
        "url": link("document", document),
        "case": document.case.slug,
        "slug": document.slug,
        "kind": document.kind,
        "title": document.title,
        "language": document.language,
        "published": document.published_edtf,
        "events": document.events_edtf,
        "places": [p.name for p in document.places],
        "tags": [t.name for t in document.tags],
        "consent": document.consent,
        "status": document.status,
        # the public text's SHA-256 for every reader; the submission's (names and all, so a
        # guess at a redacted name could be checked against it) for custodians only
        "public_sha256": document.version_sha256,
        "revision": document.revision,
        "source_type": document.source_type or None,
        "grading": grading_json(document),
    }
    if custodian:
        data["sha256"] = document.sha256
    if full:
        data["source"] = source_json(document.source)
        data["attribution"] = document.attribution
        data["derived_from"] = [
            {"document": link("document", d.original), "slug": d.original.slug, "relation": d.relation}
            for d in derived or ()
        ]
        # `files`: each file the reader may have, with the SHA-256 of the copy they get
        # (documents/pictures.py: a public copy, or nothing while a picture is undecided)
        shown = files if files is not None else [(m, m.sha256) for m in document.media] if custodian else []
        data["media"] = [media_json(m, link, full=custodian, sha256=sha256) for m, sha256 in shown]
        data["body"] = document.body_public  # never the original: custodians' pages only
    return data


def media_json(media: MediaFile, link: Link, full: bool, sha256: str | None = None) -> dict:
    """Describe a media file; the report (field names only) and what its pictures show for
    custodians. `sha256`: of the copy the reader gets (the clean file's by default)."""
    data = {
        "id": media.id,
        "url": link("media", media.id),
        "thumbnail_url": link("thumbnail", media.id) if media.thumbnail_sha256 else None,
        "kind": media.kind,
        "mime": media.mime,
        "size": media.size,
        "width": media.width,
        "height": media.height,
        "frames": media.frames,
        "seconds": media.seconds,
        "voice_disguised": media.voice_disguised,
        "sha256": sha256 or media.sha256,
    }
    if full:
        data["picture"] = {
            "state": media.picture_state,
            "faces": sum(r["source"] == "face" for r in media.regions or ()),
            "regions": len(media.regions or ()),
            "pages_read": len(media.words or ()),
            "public_sha256": media.public_sha256,
        }  # custodians: the original's hash would let a holder of a copy confirm its source
        data["original_sha256"] = media.original_sha256
        data["metadata_removed"] = media.report
    return data
