"""What a picture shows: the custodian's review of a photo, scan or video's faces and text, and
the decision on its public copy (documents/pictures.py).

The page shows each picture with the boxes found over it (faces, the words its redaction will
burn, the regions drawn); a custodian unticks a false face, draws a region by dragging on the
picture (static/pictures.js writes it into the list of regions, which can also be typed: one
"page left top width height" a line, without script), and chooses: obscure, show with a
reason, or withhold. Custodians only; every decision is in the custody log.
"""

from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive.auth.actors import ANONYMOUS
from archive.documents import pictures
from archive.errors import N_, NotFound, ValidationError
from archive.media import av, scans
from archive.media.raster import decode, open_checked, workable
from archive.services import get_session, media_store
from archive.web.helpers import get_document_or_404, require
from archive.web.labels import localised
from archive.web.media import get_media_or_404, send_copy

bp = Blueprint("pictures", __name__)
PREVIEW_DPI = 100  # a PDF page as the review shows it (boxes are in 300-dpi pixels: scaled by the page)


def _picture_or_404(media_id: int):
    who = require("document:edit")
    media = get_media_or_404(media_id)
    get_document_or_404(media.document_id, "document:edit")
    return who, media


@bp.get("/media/<int:media_id>/picture")
def review(media_id: int):
    who, media = _picture_or_404(media_id)
    session = get_session()
    pages = pictures.view_reading(session, media, who, "web")
    burned = pictures.redacted_words(session, media.document, pages).boxes if pages else {}
    sizes = pictures.page_sizes(media)
    return render_template(
        "picture_review.html",
        media=media,
        doc=media.document,
        sizes=sizes,
        burned=burned,
        texts=[page.text for page in pages],
        languages=[page.language for page in pages],
        current=pictures.current(session, media),
        drawn="\n".join(
            f"{r['page'] + 1} {' '.join(str(v) for v in r['box'])}" for r in media.regions if r["source"] == "custodian"
        ),
    )


@bp.post("/media/<int:media_id>/picture")
def decide(media_id: int):
    who, media = _picture_or_404(media_id)
    try:
        regions = _form_regions(media)
        pictures.decide(
            get_session(), media, media_store(), who, "web", request.form.get("choice", ""), regions,
            request.form.get("reason", ""), _version(request.form.get("version")),
        )  # fmt: skip
    except ValidationError as exc:
        flash(_("Not decided: %(error)s", error=localised(exc)), "error")
        return redirect(url_for("pictures.review", media_id=media.id))
    flash(_("Decided: readers get %(what)s.", what=_readers_get(media.picture_state)), "info")
    return redirect(url_for("pictures.review", media_id=media.id))


@bp.post("/media/<int:media_id>/read")
def read_again(media_id: int):
    who, media = _picture_or_404(media_id)
    languages = tuple(request.form.get("languages", "rus+eng").split("+"))
    try:
        version = _version(request.form.get("version"))
        pictures.read_again(get_session(), media, media_store(), who, "web", languages, version)
    except ValidationError as exc:
        flash(_("Not read again: %(error)s", error=localised(exc)), "error")
    else:
        flash(_("Read again: decide what the file may show."), "info")
    return redirect(url_for("pictures.review", media_id=media.id))


@bp.post("/media/<int:media_id>/text")
def add_text(media_id: int):
    who, media = _picture_or_404(media_id)
    try:
        pictures.add_text_to_body(get_session(), media, who, "web")
    except ValidationError as exc:
        flash(_("Not added: %(error)s", error=localised(exc)), "error")
        return redirect(url_for("pictures.review", media_id=media.id))
    flash(
        _("The text read in the file was added to the document: review its redaction before it is published."), "info"
    )
    return redirect(url_for("review.review", doc_id=media.document_id))


@bp.get("/media/<int:media_id>/public")
def public(media_id: int):
    """The file as readers get it (custodians: to see what a decision made): its public copy,
    the clean file where readers get that, else 'not found'."""
    _who, media = _picture_or_404(media_id)
    got = pictures.reader_file(get_session(), media, ANONYMOUS)
    if got is None:
        raise NotFound("readers get nothing of this file")
    return send_copy(got[0], media, attachment=media.kind == "pdf", suffix="-public")


@bp.get("/media/<int:media_id>/pages/<int:number>")
def page(media_id: int, number: int):
    """Page `number` (from 1) of a PDF, or frame of a many-frame image, as a picture for the
    review."""
    _who, media = _picture_or_404(media_id)
    if not 1 <= number <= len(media.words or ()):
        raise NotFound("no such page")
    data, limits = media_store().blobs.get(media.sha256), media_store().limits
    if media.mime.startswith("video/"):
        moments = av.looked_at(media.seconds or 0.0)
        if number > len(moments):
            raise NotFound("no such page")
        picture = decode(open_checked(av.frame_at(data, moments[number - 1], limits), limits))
    elif media.kind == "pdf":
        picture = next(scans.pages(data, dpi=PREVIEW_DPI, at_most=1, first=number - 1))
    else:
        image = open_checked(data, limits)
        image.seek(number - 1)
        picture = decode(image)
    out = io.BytesIO()
    workable(picture, ("L", "RGB", "RGBA")).save(out, "PNG")
    response = current_app.response_class(out.getvalue(), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/api/v1/media/<int:media_id>/picture")
def api_review(media_id: int):
    _who, media = _picture_or_404(media_id)
    return jsonify(_picture_json(media))


@bp.post("/api/v1/media/<int:media_id>/picture")
def api_decide(media_id: int):
    """Decide on a picture: {"choice": "obscured"|"shown"|"withheld", "regions": [{"page": 0,
    "box": [left, top, width, height], "source": "face"|"custodian"}], "reason": "…",
    "version": n} (custodians; CSRF token in X-CSRFToken)."""
    who, media = _picture_or_404(media_id)
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise ValidationError("send the decision as a JSON object", field="content-type")
    pictures.decide(
        get_session(), media, media_store(), who, "api", str(body.get("choice", "")), body.get("regions", []),
        str(body.get("reason") or ""), _version(body.get("version")),
    )  # fmt: skip
    return jsonify(_picture_json(media))


def _picture_json(media) -> dict:
    return {
        "id": media.id,
        "state": media.picture_state,
        "version": media.picture_version,
        "regions": media.regions,
        "pages": [{"width": w, "height": h} for w, h in pictures.page_sizes(media)],
        "words_read": sum(len(p["words"]) for p in media.words or ()),
        "current": pictures.current(get_session(), media),
        "public_sha256": media.public_sha256,
    }


def _version(raw) -> int | None:
    try:
        version = int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError) as exc:
        raise ValidationError(N_("must be a whole number"), "version") from exc
    if version is not None and not 0 <= version < 2**31:
        raise ValidationError(N_("must be a whole number"), "version")
    return version


def _form_regions(media) -> list[dict]:
    """The detected regions left ticked, and those drawn or typed: "page left top width height"."""
    kept = set(request.form.getlist("keep"))
    regions = [r for i, r in enumerate(media.regions) if str(i) in kept and r["source"] == "face"]
    for number, line in enumerate(request.form.get("drawn", "").splitlines(), start=1):
        values = line.replace(",", " ").split()
        if not values:
            continue
        try:
            if len(values) != 5:
                raise ValueError(line)
            page, *box = (int(round(float(v))) for v in values)
        except (ValueError, OverflowError) as exc:
            raise ValidationError(
                N_("line %(line)s of the drawn regions is not five numbers: page, left, top, width, height"),
                "drawn",
                params={"line": number},
            ) from exc
        regions.append({"page": page - 1, "box": box, "source": "custodian"})
    return regions


def _readers_get(state: str) -> str:
    return {
        "obscured": _("the public copy, faces obscured and redacted words burned out"),
        "shown": _("the file with its faces, redacted words burned out"),
        "withheld": _("nothing of this file"),
    }.get(state, state)
