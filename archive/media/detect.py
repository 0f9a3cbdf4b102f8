"""Recognise a file's type from its bytes, never from its name.

Threat: a file that is really HTML, SVG or script (or a polyglot that is both an image and a
page) being stored and later served where a browser might run it. Only the types below are
accepted; anything else is refused naming what it looks like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archive.errors import MediaRefused
from archive.media.regions import text_regions


@dataclass(frozen=True)
class MediaType:
    kind: str  # jpeg | png | webp | tiff | gif | heic | pdf
    mime: str
    ext: str


JPEG = MediaType("jpeg", "image/jpeg", "jpg")
PNG = MediaType("png", "image/png", "png")
WEBP = MediaType("webp", "image/webp", "webp")
TIFF = MediaType("tiff", "image/tiff", "tif")
GIF = MediaType("gif", "image/gif", "gif")
HEIC = MediaType("heic", "image/heic", "heic")
PDF = MediaType("pdf", "application/pdf", "pdf")
SUPPORTED = (JPEG, PNG, WEBP, TIFF, GIF, HEIC, PDF)

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Markup or script that has no business inside an image: its presence where the format keeps
# text or stray bytes (regions.py: never in the coded pixels) means a polyglot.
_MARKUP = re.compile(
    rb"<\s*(script|html|svg|iframe|object|embed|body|head|meta|link|style|a\s|img\s|\?php)"
    rb"|<!doctype\s+html|javascript:|vbscript:",
    re.IGNORECASE,
)
# What other files look like, to name them in the refusal.
_OTHERS = (
    (re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<script)", re.I), "HTML"),
    (re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<svg", re.I | re.S), "SVG image"),
    (re.compile(rb"^\s*<\?xml", re.I), "XML"),
    (re.compile(rb"^PK\x03\x04"), "ZIP archive"),
    (re.compile(rb"^\x1f\x8b"), "gzip archive"),
    (re.compile(rb"^7z\xbc\xaf"), "7-Zip archive"),
    (re.compile(rb"^Rar!"), "RAR archive"),
    (re.compile(rb"^\x7fELF"), "executable"),
    (re.compile(rb"^MZ"), "Windows executable"),
    (re.compile(rb"^#!"), "script"),
    (re.compile(rb"^BM"), "BMP image"),
    (re.compile(rb"^\x00\x00\x01\x00"), "icon"),
    (re.compile(rb"^....ftyp(avif|avis)", re.S), "AVIF image"),
    (re.compile(rb"^....ftyp", re.S), "MP4/QuickTime video"),
    (re.compile(rb"^ID3|^\xff\xfb"), "MP3 audio"),
    (re.compile(rb"^OggS"), "Ogg media"),
    (re.compile(rb"^\x1aE\xdf\xa3"), "WebM/Matroska video"),
    (re.compile(rb"^{\\rtf"), "RTF document"),
    (re.compile(rb"^\xd0\xcf\x11\xe0"), "Microsoft Office document"),
)


def detect(data: bytes, source: str = "upload") -> MediaType:
    """Return the supported type of these bytes, or raise MediaRefused naming what they are."""
    if not data:
        raise MediaRefused("is empty (0 bytes)", source=source, detected="empty")
    kind = _sniff(data)
    if kind is None:
        what = describe(data)
        raise MediaRefused(
            f"is {what}, which the archive does not accept; send JPEG, PNG, WebP, TIFF, GIF, HEIC or PDF",
            source=source,
            detected=what,
        )
    if kind is not PDF and any(_MARKUP.search(region) for region in text_regions(kind.kind, data)):
        raise MediaRefused(
            f"looks like a {kind.kind.upper()} file but also contains HTML or script (a polyglot); refused",
            source=source,
            detected=f"{kind.kind} polyglot",
        )
    if kind is GIF and re.match(rb"GIF8[79]a\s*[=;/(]", data):
        raise MediaRefused(
            "is a GIF header that is also JavaScript (a polyglot); refused",
            source=source,
            detected="gif polyglot",
        )
    return kind


def describe(data: bytes) -> str:
    """Name what a file looks like, for messages."""
    head = data[:512]
    for pattern, name in _OTHERS:
        if pattern.search(head):
            return name
    if _looks_like_text(head):
        return "plain text (or script)"
    return "an unrecognised binary file"


def _sniff(data: bytes) -> MediaType | None:
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIC
    if data.lstrip()[:5] == b"%PDF-":
        return PDF
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
