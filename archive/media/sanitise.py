"""Bytes in → clean bytes and a report out. The one entry point for media.

Threat: photos, scans and screenshots that name the witness through their metadata (GPS, camera
serial numbers, owner names, times, the uncropped original in a thumbnail, the author of a PDF).
Every format is cleaned structurally (segments, chunks, blocks, objects) rather than by asking a
metadata parser what to remove, then checked again from its bytes; any failure refuses the file
(fail closed), so nothing half-cleaned is ever returned.
"""

from __future__ import annotations

import hashlib
import io
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

from archive.errors import MediaRefused
from archive.media import av, gif, jpeg, pdf, png, raster, tiff, webp
from archive.media.detect import GIF, JPEG, PDF, PNG, TIFF, WEBP, MediaType, detect
from archive.media.inspect import Found, inspect_exif, inspect_iptc, inspect_text, inspect_xmp
from archive.media.raster import Limits
from archive.media.report import Report

__all__ = ["CleanMedia", "Limits", "sanitise"]


@dataclass
class CleanMedia:
    data: bytes
    media_type: MediaType  # of the cleaned file (HEIC becomes JPEG or PNG)
    report: Report
    original_sha256: str
    sha256: str
    width: int | None = None
    height: int | None = None
    frames: int = 1
    seconds: float | None = None  # recordings
    poster: bytes | None = None  # a video's first picture, cleaned as an image (PNG)


def sanitise(
    data: bytes, limits: Limits | None = None, source: str = "upload", disguise_voice: bool = False
) -> CleanMedia:
    """Return the file without identifying metadata, or raise MediaRefused saying why.

    `disguise_voice` (recordings only) shifts the voice in the cleaned copy; the caller keeps
    the original sealed."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise MediaRefused(f"is {len(data):,} bytes; the limit is {limits.max_bytes:,}", source=source)
    kind = detect(data, source)
    if disguise_voice and kind.family != "recording":
        raise MediaRefused("is not a recording: only voices in audio or video can be disguised", source=source)
    if kind.family == "recording":
        return _recording(data, kind, limits, source, disguise_voice)
    report, found = Report(kind.kind), Found()
    with _fail_closed(source, kind):
        out, out_type = _HANDLERS[kind.kind](data, report, found, limits)
        width, height, frames = _verify(out, out_type, found)
    return _cleaned(data, out, out_type, report, width=width, height=height, frames=frames)


def _recording(data: bytes, kind: MediaType, limits: Limits, source: str, disguise_voice: bool) -> CleanMedia:
    report, found = Report(kind.kind), Found()
    with _fail_closed(source, kind):
        rebuilt = av.clean(data, report, found, limits, disguise_voice)
        _no_value_left(rebuilt.data, found)
        still = _poster(rebuilt, limits, source, report)
    report.kind = rebuilt.media_type.kind
    return _cleaned(
        data,
        rebuilt.data,
        rebuilt.media_type,
        report,
        width=rebuilt.width,
        height=rebuilt.height,
        seconds=round(rebuilt.seconds, 3),
        poster=still,
    )


@contextmanager
def _fail_closed(source: str, kind: MediaType):
    """Whatever goes wrong while cleaning refuses the file, naming where it came from: nothing
    half-cleaned is ever returned."""
    try:
        yield
    except MediaRefused as exc:
        exc.source = source
        raise
    except Exception as exc:  # noqa: BLE001 - fail closed: whatever went wrong, store nothing
        raise MediaRefused(
            f"could not be cleaned safely ({type(exc).__name__}); nothing was stored",
            source=source,
            detected=kind.kind,
        ) from exc


def _cleaned(original: bytes, out: bytes, media_type: MediaType, report: Report, **details) -> CleanMedia:
    return CleanMedia(
        data=out,
        media_type=media_type,
        report=report,
        original_sha256=hashlib.sha256(original).hexdigest(),
        sha256=hashlib.sha256(out).hexdigest(),
        **details,
    )


def _poster(rebuilt: av.Cleaned, limits: Limits, source: str, report: Report) -> bytes | None:
    """One frame of a cleaned video, cleaned again as an image; none if none can be made (a
    recording with no decodable frame is still evidence, kept without a poster)."""
    if rebuilt.media_type.family != "video":
        return None
    try:
        return sanitise(av.poster(rebuilt.data, rebuilt.seconds, limits), limits, source).data
    except MediaRefused:
        report.actions.append("no poster could be made from the video's frames")
        return None


def _jpeg(data: bytes, report: Report, found: Found, limits: Limits):
    image = raster.open_checked(data, limits)
    inspect_exif(data, report, found)
    inspect_xmp(data, report, found)
    for seg in jpeg.segments(data):
        if seg.marker == jpeg.APP13:
            inspect_iptc(seg.payload, report, found)
        elif seg.marker == jpeg.COM:
            inspect_text({"": seg.payload}, "JPEG comment", report, found)
    stripped, removed = jpeg.strip(data)
    _note(report, removed)
    orientation = raster.exif_orientation(image)
    icc = jpeg.icc_profile(data)
    if orientation == 1 and raster.is_srgb(icc):
        report.actions.append("metadata segments removed without re-encoding: pixels unchanged")
        return stripped, JPEG
    pixels = _upright_srgb(raster.decode(image), orientation, icc, report)
    out, score = raster.encode_faithfully(pixels, raster.save_jpeg)
    _reencoded(report, orientation, score, "JPEG")
    return out, JPEG


def _png(data: bytes, report: Report, found: Found, limits: Limits):
    image = raster.open_checked(data, limits)
    texts = {k: v for k, v in image.info.items() if isinstance(v, str) and k != "icc_profile"}
    inspect_text(texts, "PNG text", report, found)
    inspect_exif(_tiff_block(png.chunk_data(data, b"eXIf")), report, found)
    inspect_xmp(data, report, found)
    stripped, removed = png.strip(data)
    _note(report, removed)
    orientation = raster.exif_orientation(image)
    icc = image.info.get("icc_profile")
    if orientation == 1 and raster.is_srgb(icc):
        report.actions.append("metadata chunks removed; image data copied unchanged")
        return stripped, PNG
    return _reencode_frames(image, orientation, icc, report, "PNG", {}), PNG


def _webp(data: bytes, report: Report, found: Found, limits: Limits):
    image = raster.open_checked(data, limits)
    inspect_exif(_tiff_block(webp.chunk_data(data, b"EXIF")), report, found)
    inspect_xmp(data, report, found)
    stripped, removed = webp.strip(data)
    _note(report, removed)
    orientation = raster.exif_orientation(image)
    icc = image.info.get("icc_profile")
    if orientation == 1 and raster.is_srgb(icc):
        report.actions.append("metadata chunks removed; image data copied unchanged")
        return stripped, WEBP
    if not webp.is_lossless(data) and getattr(image, "n_frames", 1) == 1:
        pixels = _upright_srgb(raster.decode(image), orientation, icc, report)
        try:
            out, score = raster.encode_faithfully(pixels, _save_webp)
        except MediaRefused:
            pass  # lossy WebP subsamples colour: saturated edges stay under 40 dB at any quality
        else:
            _reencoded(report, orientation, score, "WebP")
            return out, WEBP
    # Lossless WebP (or a lossy one that cannot be re-encoded faithfully): exact pixels.
    options = {"lossless": True, "exact": True}
    out = _reencode_frames(image, orientation, icc, report, "WEBP", options)
    report.actions.append("re-encoded as lossless WebP: decoded pixels kept exactly")
    return out, WEBP


def _gif(data: bytes, report: Report, found: Found, limits: Limits):
    _header, blocks, _end = gif.parse(data)
    frames = sum(1 for kind, _, _ in blocks if kind == "image")
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if width * height > limits.max_pixels or frames > limits.max_frames:
        raise MediaRefused(f"is {width} × {height} pixels in {frames} frames: too large")
    if frames * width * height > limits.max_total_pixels:
        raise MediaRefused(f"has {frames} frames of {width} × {height}: too large to process")
    for kind, start, stop in blocks:
        if kind in ("comment", "plaintext", "application"):
            found.add(data[start:stop])
    inspect_xmp(data, report, found)
    stripped, removed = gif.strip(data)
    _note(report, removed)
    report.actions.append("comments and extensions removed; frames copied unchanged")
    return stripped, GIF


def _tiff(data: bytes, report: Report, found: Found, limits: Limits):
    image = raster.open_checked(data, limits)
    inspect_exif(data, report, found)
    inspect_xmp(data, report, found)
    for ifd in tiff.tags(data):
        for tag in sorted(ifd - tiff.STRUCTURAL_TAGS):
            name = Image.TiffTags.lookup(tag).name
            if tag not in (33723, 34377) and not any(f.field.endswith(name) for f in report.findings):
                report.add(f"TIFF {name}")
    iptc = getattr(image, "tag_v2", {}).get(33723)
    if isinstance(iptc, bytes):
        inspect_iptc(iptc, report, found)
    orientation = raster.exif_orientation(image)
    # Pillow applies a TIFF's Orientation tag itself while loading each frame, so the pixels
    # arrive upright: applying it again here would turn them twice.
    out = _reencode_frames(image, 1, image.info.get("icc_profile"), report, "TIFF", {"compression": "tiff_deflate"})
    report.orientation = orientation
    if orientation != 1:
        report.actions.append(f"orientation {orientation} applied to the pixels")
    report.actions.append("re-encoded losslessly with baseline tags only")
    return out, TIFF


def _heic(data: bytes, report: Report, found: Found, limits: Limits):
    import pillow_heif  # imported here: registering the opener costs start-up time

    pillow_heif.register_heif_opener()
    image = raster.open_checked(data, limits)
    inspect_exif(_tiff_block(image.info.get("exif")), report, found)
    inspect_xmp(data, report, found)
    inspect_xmp(image.info.get("xmp") or b"", report, found)
    # pillow-heif applies the container's rotation and mirroring (irot/imir) while decoding and
    # reports orientation 1 afterwards, so the pixels are already upright.
    orientation = image.info.get("original_orientation") or 1
    pixels = _upright_srgb(raster.decode(image), 1, image.info.get("icc_profile"), report)
    if "A" in pixels.getbands():
        out = _save_png(pixels)
        report.actions.append("converted from HEIC to PNG (browsers cannot show HEIC)")
        return out, PNG
    out, score = raster.encode_faithfully(pixels, raster.save_jpeg)
    report.orientation, report.reencoded, report.psnr_db = orientation, True, round(score, 2)
    report.actions.append(f"converted from HEIC to JPEG (browsers cannot show HEIC), PSNR {score:.1f} dB")
    report.add("HEIC metadata items", "other")
    return out, JPEG


def _pdf(data: bytes, report: Report, found: Found, limits: Limits):
    out = pdf.strip(data, report, found, limits)
    report.actions.append("document information, XMP, scripts and attachments removed")
    return out, PDF


_HANDLERS = {
    "jpeg": _jpeg,
    "png": _png,
    "webp": _webp,
    "gif": _gif,
    "tiff": _tiff,
    "heic": _heic,
    "pdf": _pdf,
}


def _upright_srgb(image: Image.Image, orientation: int, icc, report: Report) -> Image.Image:
    if icc and not raster.is_srgb(icc):
        image = raster.to_srgb(image, icc)
        report.actions.append("converted from the embedded colour profile to sRGB")
    elif image.mode == "CMYK":
        image = image.convert("RGB")
    return raster.upright(raster.fresh(image), orientation)


def _reencode_frames(image, orientation, icc, report, fmt: str, options: dict) -> bytes:
    """Re-encode every frame losslessly (or as given), upright and in sRGB."""
    frames, durations = [], []
    for frame in raster.frames(raster.decode(image)):
        durations.append(frame.info.get("duration", image.info.get("duration", 0)))
        frames.append(_upright_srgb(frame, orientation, icc, report))
    out = io.BytesIO()
    extra = {}
    if len(frames) > 1:
        extra = {"save_all": True, "append_images": frames[1:]}
        if fmt in ("PNG", "WEBP"):
            extra |= {"duration": durations, "loop": image.info.get("loop", 0)}
    frames[0].save(out, fmt, **options, **extra)
    report.orientation = orientation
    report.reencoded = True
    if orientation != 1:
        report.actions.append(f"orientation {orientation} applied to the pixels")
    return out.getvalue()


def _reencoded(report: Report, orientation: int, score: float, fmt: str) -> None:
    report.orientation, report.reencoded, report.psnr_db = orientation, True, round(score, 2)
    why = f"to apply orientation {orientation}" if orientation != 1 else "to convert colours"
    report.actions.append(f"re-encoded as {fmt} {why}, PSNR {score:.1f} dB")


def _tiff_block(exif: bytes | None) -> bytes:
    """Return an EXIF block as the TIFF structure exifread reads (without the Exif header)."""
    exif = exif or b""
    return exif[6:] if exif.startswith(b"Exif\x00\x00") else exif


def _note(report: Report, removed: list[str]) -> None:
    for name in removed:
        report.add(name)


def _save_webp(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    raster.fresh(image).save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()


def _save_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    raster.fresh(image).save(out, "PNG")
    return out.getvalue()


_STRUCTURE = {
    "jpeg": jpeg.allowed_segments_only,
    "png": png.allowed_chunks_only,
    "webp": webp.allowed_chunks_only,
    "gif": gif.allowed_blocks_only,
    "tiff": tiff.structural_tags_only,
    "pdf": pdf.verify,
}
_DENIED_INFO = {"exif", "xmp", "icc_profile", "comment", "photoshop", "iptc", "XML:com.adobe.xmp"}


def _verify(out: bytes, media_type: MediaType, found: Found) -> tuple[int | None, int | None, int]:
    """Check the cleaned bytes (structure, what Pillow still sees, no value left behind) and
    return the width, height and frame count read on the way."""
    if not _STRUCTURE[media_type.kind](out):
        raise MediaRefused("still carried metadata after cleaning; refused (please report this)")
    dimensions = (None, None, 1)
    if media_type is not PDF:
        with Image.open(io.BytesIO(out)) as image:
            dimensions = (image.width, image.height, getattr(image, "n_frames", 1))
            left = (set(image.info) & _DENIED_INFO) | {
                k for k, v in image.info.items() if isinstance(v, str) and k not in ("version", "compression")
            }
            exif_left = media_type is not TIFF and len(image.getexif()) > 0  # TIFF: tags checked
            if left or exif_left:
                raise MediaRefused("still carried metadata after cleaning; refused")
    _no_value_left(out, found)
    return dimensions


def _no_value_left(out: bytes, found: Found) -> None:
    for value in found.values:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            if value.encode(encoding) in out:
                raise MediaRefused("a metadata value survived cleaning; refused")
