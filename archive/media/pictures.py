"""What a picture shows, and its public copy: faces and words found in a photo, a scan or a
video's poster; a copy with regions obscured and redacted words burned out; a second look at
that copy before anyone may see it.

A picture is looked at once, when it is attached (`look`): faces by the detector shipped inside
a package (faces.py), words by tesseract (ocr.py); every page of a PDF is a picture here, read
from its rendered pixels (what a reader sees, not a text layer that may say something else).
What was found is what a custodian reviews (documents/pictures.py). A public copy (`public_copy`)
is made from the clean file's decoded pixels and encoded afresh; `problems` reads it again and
names what is still shown (a face to the stricter detector, a redacted word to OCR, any text
layer at all), so that a copy that fails is never stored.

Anything that cannot be looked at (the detector or tesseract missing, a page too large) is
reported in `Seen.notes`, and the picture then waits for a custodian: unknown is not clear.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from PIL import Image

from archive.errors import MediaRefused
from archive.media import av, faces, ocr, scans
from archive.media.burn import burn, obscure
from archive.media.detect import MediaType
from archive.media.raster import Limits, decode, open_checked, save_jpeg, workable

MIN_CONFIDENCE = 30.0  # a word read with less is kept (a name may be read poorly) but is not "text found"
MAX_REGIONS = 500  # of one file: faces found and regions drawn
MAX_FRAMES = 50  # of an animated or many-page image, looked at and published (more: withheld)
MAX_PAGES = 100  # of a PDF, looked at when attached and published (about 4 minutes; more: withheld)
PICTURE_FAMILIES = ("image", "video", "document")
OBSCURED = ("face",)  # region sources obscured in the public copy; words and drawn regions are burned
ALWAYS_REVIEWED = {
    # a video is looked at in nine frames only, and its sound not at all
    "video": "is a video: looked at in a few frames only, a custodian decides",
    # a PDF can hold what no rendering shows (hidden layers, annotations, form values, content
    # outside its crop box): readers only ever get it rebuilt of its rendered pages
    "document": "is a PDF: readers get it only rebuilt of its pages, once a custodian decides",
}


@dataclass
class Seen:
    """What was found in a file: regions (faces) with their page, what OCR read per page, and
    why it must be decided on where nothing was found (`notes`: a tool missing, a bound met)."""

    regions: list[dict] = field(default_factory=list)
    pages: list[ocr.Page] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def text_found(self) -> bool:
        return any(word.confidence >= MIN_CONFIDENCE for page in self.pages for word in page.words)

    @property
    def undecided(self) -> bool:
        """Whether a custodian must decide before readers see the file."""
        return bool(self.regions or self.text_found or self.notes)


def is_picture(media_type: MediaType) -> bool:
    return media_type.family in PICTURE_FAMILIES


def look(data: bytes, media_type: MediaType, limits: Limits, seconds: float | None = None,
         languages: tuple[str, ...] = ocr.LANGUAGES) -> Seen:  # fmt: skip
    """Faces and words in a cleaned file (an image's frames, a PDF's pages, frames of a video).
    Whatever fails to be looked at is a note: the file then waits for a custodian."""
    seen = Seen()
    if media_type.family in ALWAYS_REVIEWED:
        seen.notes.append(ALWAYS_REVIEWED[media_type.family])
    for number, picture in enumerate(_pictures(data, media_type, limits, seconds, seen)):
        if picture is None:  # a frame that could not be had: its place kept, its note made
            seen.pages.append(ocr.Page(1, 1))
            continue
        try:
            found = faces.detect(picture)
        except Exception as exc:  # noqa: BLE001 - the detector's own errors too (cv2.error): never "clear"
            seen.notes.append(f"faces not looked for: {type(exc).__name__}")
            found = []
        seen.regions += [region(number, f.box, "face", f.score) for f in found[: MAX_REGIONS - len(seen.regions)]]
        if media_type.family == "video":
            seen.pages.append(ocr.Page(*picture.size))  # a video is reviewed for its faces only
            continue
        try:
            seen.pages.append(ocr.recognise(picture, languages))
        except MediaRefused as exc:
            seen.notes.append(f"text not read: {exc}")
            seen.pages.append(ocr.Page(*picture.size))
    return seen


def region(page: int, box: Iterable[int], source: str, score: float | None = None) -> dict:
    left, top, width, height = (int(v) for v in box)
    return {"page": page, "box": [left, top, width, height], "source": source, "score": score}


def too_many(data: bytes, media_type: MediaType, limits: Limits) -> str | None:
    """Why a public copy cannot be made of every picture of this file (more frames or pages
    than are looked at), or None."""
    if media_type.kind == "pdf" and scans.page_count(data) > MAX_PAGES:
        return f"has more than {MAX_PAGES} pages, more than are looked at: withhold it, or attach it split"
    if media_type.family == "image" and getattr(open_checked(data, limits), "n_frames", 1) > MAX_FRAMES:
        return f"has more than {MAX_FRAMES} frames, more than are looked at: withhold it"
    return None


def _pictures(data: bytes, media_type: MediaType, limits: Limits, seconds, seen: Seen):
    """Each picture of a file, one at a time (None for a video frame that could not be had):
    an image's frames (each a page), a PDF's pages, a video's poster and frames spread over its
    length (av.looked_at)."""
    if media_type.family == "image":
        image = open_checked(data, limits)
        count = getattr(image, "n_frames", 1)
        if count > MAX_FRAMES:
            seen.notes.append(f"has {count} frames; at most {MAX_FRAMES} are looked at")
        for number in range(min(count, MAX_FRAMES)):
            image.seek(number)
            yield decode(image).copy()
    elif media_type.family == "video":
        for at in av.looked_at(seconds or 0.0):
            try:
                frame = decode(open_checked(av.frame_at(data, at, limits), limits))
            except MediaRefused as exc:
                seen.notes.append(f"a frame could not be looked at: {exc}")
                frame = None
            yield frame
    elif media_type.kind == "pdf":
        if scans.text_of(data).strip():
            seen.notes.append("carries a text layer")
        count = scans.page_count(data)
        if count > MAX_PAGES:
            seen.notes.append(f"has {count} pages; at most {MAX_PAGES} are looked at")
        yield from scans.pages(data, at_most=MAX_PAGES)


def pages_of(words: list | None) -> list[ocr.Page]:
    """The pages OCR read, from their stored form (`stored`)."""
    return [
        ocr.Page(p["width"], p["height"], [ocr.Word(w[0], tuple(w[1:5]), w[5], tuple(w[6:10])) for w in p["words"]])
        for p in words or ()
    ]


def stored(pages: list[ocr.Page]) -> list[dict]:
    """Pages as the database keeps them (sealed: the words can name someone)."""
    return [
        {"width": p.width, "height": p.height, "words": [[w.text, *w.box, w.confidence, *w.line] for w in p.words]}
        for p in pages
    ]


@dataclass(frozen=True)
class Copy:
    data: bytes
    mime: str


def public_copy(
    data: bytes, media_type: MediaType, limits: Limits, regions: list[dict], burned: dict[int, list]
) -> Copy:
    """The clean file with the faces in `regions` obscured and the boxes in `burned` (page →
    boxes of redacted words and drawn regions) burned out, encoded afresh: a JPEG stays JPEG,
    another single picture becomes PNG, several frames a TIFF or GIF of every frame, a PDF is
    rebuilt from its pictures alone."""
    if media_type.family == "video":
        raise MediaRefused("cannot have its faces obscured: a video is withheld or shown")
    bound = too_many(data, media_type, limits)
    if bound:
        raise MediaRefused(bound)
    made = []
    for number, picture in enumerate(_pictures(data, media_type, limits, 0.0, Seen())):
        covered = [r["box"] for r in regions if r["page"] == number and r["source"] in OBSCURED]
        picture = workable(picture, ("L", "RGB", "RGBA"))
        made.append(burn(obscure(picture, covered), burned.get(number, ())))
    if not made:
        raise MediaRefused("has no picture to make a public copy of")
    if media_type.kind == "pdf":
        return Copy(scans.rebuild(made), "application/pdf")
    if media_type.kind == "jpeg":
        return Copy(save_jpeg(made[0], 90), "image/jpeg")
    out = io.BytesIO()
    if len(made) == 1:
        made[0].save(out, "PNG", optimize=True)
        return Copy(out.getvalue(), "image/png")
    # every frame, as a multi-page TIFF (a scan of several pages) or an animation
    fmt = "TIFF" if media_type.kind == "tiff" else "GIF"
    options = {"compression": "tiff_deflate"} if fmt == "TIFF" else {"loop": 0, "duration": 100}
    made[0].save(out, fmt, save_all=True, append_images=made[1:], **options)
    return Copy(out.getvalue(), f"image/{fmt.lower()}")


def problems(copy: Copy, terms: Iterable[str], check_faces: bool) -> list[str]:
    """What the public copy still shows, read again from what was written: faces (when they
    were to be obscured), redacted terms OCR still reads, any text a PDF carries."""
    terms = [t for t in terms if t.strip()]
    found = []
    if copy.mime == "application/pdf":
        pictures = scans.pages(copy.data)
        if scans.text_of(copy.data).strip():
            found.append("its PDF carries a text layer")
    else:
        pictures = _frames(Image.open(io.BytesIO(copy.data)))
    for number, picture in enumerate(pictures, start=1):
        if check_faces and faces.remaining(picture):
            found.append(f"a face is still seen on picture {number}")
        if terms:
            shown = ocr.still_shown(ocr.recognise(picture).text, terms)
            if shown:
                found.append(f"{len(shown)} redacted word(s) still read on picture {number}")
    return found


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    for number in range(getattr(image, "n_frames", 1)):
        image.seek(number)
        yield decode(image).copy()
