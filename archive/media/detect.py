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
    kind: str  # jpeg | png | webp | tiff | gif | heic | pdf | mp4 | webm | m4a | ogg | mp3 …
    mime: str
    ext: str
    family: str = "image"  # image | document | audio | video | recording (as received: either)


JPEG = MediaType("jpeg", "image/jpeg", "jpg")
PNG = MediaType("png", "image/png", "png")
WEBP = MediaType("webp", "image/webp", "webp")
TIFF = MediaType("tiff", "image/tiff", "tif")
GIF = MediaType("gif", "image/gif", "gif")
HEIC = MediaType("heic", "image/heic", "heic")
PDF = MediaType("pdf", "application/pdf", "pdf", "document")
# Recordings as received: ffprobe reads what they hold, av.py decides what they become.
ISO_MEDIA = MediaType("isomedia", "video/mp4", "mp4", "recording")  # MP4, MOV, 3GP, M4A
MATROSKA = MediaType("matroska", "video/x-matroska", "mkv", "recording")  # and WebM
OGG_IN = MediaType("ogg-in", "audio/ogg", "ogg", "recording")  # Opus, Vorbis, FLAC
MPEG_AUDIO = MediaType("mpeg-audio", "audio/mpeg", "mp3", "recording")  # MP3, ADTS AAC
WAVE = MediaType("wave", "audio/wav", "wav", "recording")
AMR = MediaType("amr", "audio/amr", "amr", "recording")
FLAC_IN = MediaType("flac-in", "audio/flac", "flac", "recording")
RECORDINGS = (ISO_MEDIA, MATROSKA, OGG_IN, MPEG_AUDIO, WAVE, AMR, FLAC_IN)
# Recordings as kept: containers and codecs that browsers play.
MP4 = MediaType("mp4", "video/mp4", "mp4", "video")
WEBM = MediaType("webm", "video/webm", "webm", "video")
M4A = MediaType("m4a", "audio/mp4", "m4a", "audio")
OGG = MediaType("ogg", "audio/ogg", "ogg", "audio")
MP3 = MediaType("mp3", "audio/mpeg", "mp3", "audio")
WAV = MediaType("wav", "audio/wav", "wav", "audio")
FLAC = MediaType("flac", "audio/flac", "flac", "audio")
SUPPORTED = (JPEG, PNG, WEBP, TIFF, GIF, HEIC, PDF, *RECORDINGS)
KEPT = (JPEG, PNG, WEBP, TIFF, GIF, PDF, MP4, WEBM, M4A, OGG, MP3, WAV, FLAC)
ACCEPTED = (
    "JPEG, PNG, WebP, TIFF, GIF, HEIC or PDF; MP4, MOV, 3GP, WebM or MKV video; "
    "M4A, Ogg/Opus, MP3, WAV, AAC, AMR or FLAC audio"
)

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
            f"is {what}, which the archive does not accept; send {ACCEPTED}",
            source=source,
            detected=what,
        )
    if kind.family == "image" and any(_MARKUP.search(region) for region in text_regions(kind.kind, data)):
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
    return _recording(data)


_QUICKTIME_FIRST = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _recording(data: bytes) -> MediaType | None:
    """Audio and video containers, by their first bytes (ffprobe then reads them in full)."""
    if data[4:8] == b"ftyp" and data[8:12] not in (b"avif", b"avis") or data[4:8] in _QUICKTIME_FIRST:
        return ISO_MEDIA
    if data.startswith(b"\x1aE\xdf\xa3"):
        return MATROSKA
    if data.startswith(b"OggS"):
        return OGG_IN
    if data.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return AMR
    if data.startswith(b"fLaC"):
        return FLAC_IN
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return WAVE
    if data.startswith(b"ID3") or len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:
        return MPEG_AUDIO  # an MPEG audio frame (MP3) or an ADTS frame (AAC)
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
