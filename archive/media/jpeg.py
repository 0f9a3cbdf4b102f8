"""JPEG at the segment level: list segments, keep only what decoding needs.

Kept: SOF*, DHT, DAC, DQT, DRI, DNL, SOS with its entropy-coded data, EOI, an Adobe APP14
(colour transform flags only, rebuilt) and a JFIF APP0 rebuilt without its thumbnail. Dropped:
APP1 (EXIF with GPS, MakerNotes, XP* tags and the IFD1 thumbnail; XMP and Extended XMP), APP2
(ICC profiles, FlashPix), APP13 (Photoshop/IPTC and its thumbnail), every other APPn, COM,
JFXX thumbnails, and anything after EOI. The entropy-coded data is copied untouched, so the
decoded pixels are bit-identical.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from archive.errors import MediaRefused

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP13, APP14, COM = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE
_STRUCTURAL = {0xC4, 0xCC, 0xDB, 0xDD, 0xDC} | {m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)}


@dataclass(frozen=True)
class Segment:
    marker: int
    start: int  # offset of the 0xFF of the marker
    end: int  # offset just after the segment (after the entropy data for SOS)
    payload: bytes  # the segment's data after the length field (empty for SOS scan data)

    @property
    def name(self) -> str:
        if 0xE0 <= self.marker <= 0xEF:
            return f"APP{self.marker - 0xE0}"
        return {COM: "COM", SOS: "SOS", EOI: "EOI", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI"}.get(
            self.marker, f"0x{self.marker:02X}"
        )


def segments(data: bytes) -> Iterator[Segment]:
    """Yield the segments of a JPEG up to and including EOI; raise MediaRefused if corrupt."""
    if not data.startswith(b"\xff\xd8"):
        raise MediaRefused("is not a JPEG (no start-of-image marker)")
    pos, size = 2, len(data)
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise MediaRefused("is a truncated or corrupt JPEG (segment structure broken)")
        start = pos
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            raise MediaRefused("is a truncated JPEG (ends inside a marker)")
        marker = data[pos]
        pos += 1
        if marker == EOI:
            yield Segment(marker, start, pos, b"")
            return
        if marker == SOI or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # standalone markers carry no length
        if pos + 2 > size:
            raise MediaRefused("is a truncated JPEG (ends inside a segment header)")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > size:
            raise MediaRefused("is a truncated or corrupt JPEG (segment runs past the end)")
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == SOS:
            pos = _scan_end(data, pos)
        yield Segment(marker, start, pos, payload)


def _scan_end(data: bytes, pos: int) -> int:
    """Return the offset of the first marker after entropy-coded data (not stuffing or RSTn)."""
    size = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= size:
            raise MediaRefused("is a truncated JPEG (image data ends without end-of-image)")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos


def strip(data: bytes) -> tuple[bytes, list[str]]:
    """Return the JPEG with only decoding segments, and the names of what was removed."""
    out = [b"\xff\xd8"]
    removed: list[str] = []
    seen_eoi = False
    for seg in segments(data):
        if seg.marker == EOI:
            out.append(b"\xff\xd9")
            seen_eoi = True
            if seg.end < len(data) and data[seg.end :].strip(b"\x00"):
                removed.append("trailing data after end of image")
        elif seg.marker in _STRUCTURAL or seg.marker == SOS:
            out.append(data[seg.start : seg.end])
        elif seg.marker == APP0 and seg.payload.startswith(b"JFIF\x00") and len(seg.payload) >= 14:
            out.append(_jfif_without_thumbnail(seg.payload))
            if seg.payload[12:14] != b"\x00\x00":
                removed.append("JFIF thumbnail")
        elif seg.marker == APP14 and seg.payload.startswith(b"Adobe") and len(seg.payload) >= 12:
            out.append(_segment(APP14, b"Adobe" + b"\x00\x64\x00\x00\x00\x00" + seg.payload[11:12]))
        else:
            removed.append(describe_segment(seg))
    if not seen_eoi:
        raise MediaRefused("is a truncated JPEG (no end-of-image marker)")
    return b"".join(out), removed


def describe_segment(seg: Segment) -> str:
    """Name a metadata segment for the report."""
    p = seg.payload
    if seg.marker == APP1 and p.startswith(b"Exif\x00"):
        return "EXIF block"
    if seg.marker == APP1 and p.startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
        return "XMP packet"
    if seg.marker == APP1 and p.startswith(b"http://ns.adobe.com/xmp/extension/\x00"):
        return "Extended XMP"
    if seg.marker == APP2 and p.startswith(b"ICC_PROFILE\x00"):
        return "ICC profile"
    if seg.marker == APP2 and p.startswith(b"FPXR\x00"):
        return "FlashPix data"
    if seg.marker == APP13 and p.startswith(b"Photoshop 3.0\x00"):
        return "Photoshop/IPTC block"
    if seg.marker == APP0 and p.startswith(b"JFXX\x00"):
        return "JFXX thumbnail"
    if seg.marker == COM:
        return "JPEG comment"
    return f"{seg.name} segment"


def icc_profile(data: bytes) -> bytes | None:
    """Return the ICC profile assembled from its APP2 chunks, if any."""
    chunks = []
    for seg in segments(data):
        if seg.marker == APP2 and seg.payload.startswith(b"ICC_PROFILE\x00") and len(seg.payload) > 14:
            chunks.append((seg.payload[12], seg.payload[14:]))
        if seg.marker == SOS:
            break
    return b"".join(c for _, c in sorted(chunks)) or None


def allowed_segments_only(data: bytes) -> bool:
    """Check a cleaned JPEG byte by byte: nothing but decoding segments, nothing after EOI."""
    last = None
    for seg in segments(data):
        last = seg
        if seg.marker in _STRUCTURAL or seg.marker in (SOS, EOI):
            continue
        if seg.marker == APP0 and seg.payload == _jfif_without_thumbnail(seg.payload)[4:]:
            continue
        if seg.marker == APP14 and seg.payload.startswith(b"Adobe") and len(seg.payload) == 12:
            continue
        return False
    return last is not None and last.end == len(data)


def _jfif_without_thumbnail(payload: bytes) -> bytes:
    # version (2), units (1), x and y density (2+2); thumbnail width and height zero
    return _segment(APP0, b"JFIF\x00" + payload[5:12] + b"\x00\x00")


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
