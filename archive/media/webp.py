"""WebP at the RIFF chunk level: keep the image and animation chunks, drop metadata.

Kept: VP8 (lossy), VP8L (lossless), ALPH, ANIM, ANMF, and VP8X with its EXIF, XMP and ICC flags
cleared. Dropped: EXIF, XMP, ICCP (after conversion to sRGB where needed), unknown chunks, and
anything after the RIFF size. Bitstreams are copied untouched.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from archive.errors import MediaRefused

KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF"}
_ICC, _EXIF, _XMP = 0x20, 0x08, 0x04
_NAMES = {b"EXIF": "EXIF block", b"XMP ": "XMP packet", b"ICCP": "ICC profile"}


def chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Yield (fourcc, start, end) for each top-level chunk; raise MediaRefused if corrupt."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MediaRefused("is not a WebP file")
    (riff_size,) = struct.unpack("<I", data[4:8])
    limit = 8 + riff_size
    if limit > len(data) or riff_size < 4:
        raise MediaRefused("is a truncated WebP file (shorter than its header says)")
    pos = 12
    while pos < limit:
        if pos + 8 > limit:
            raise MediaRefused("is a corrupt WebP file (chunk header runs past the end)")
        fourcc = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)
        if end > limit + (size & 1):
            raise MediaRefused("is a truncated WebP file (chunk runs past the end)")
        yield fourcc, pos, min(end, limit)
        pos = end


def strip(data: bytes) -> tuple[bytes, list[str]]:
    """Return the WebP with only image chunks, and the names of what was removed."""
    body: list[bytes] = []
    removed: list[str] = []
    for fourcc, start, end in chunks(data):
        if fourcc == b"VP8X":
            chunk = bytearray(data[start:end])
            chunk[8] &= ~(_ICC | _EXIF | _XMP) & 0xFF
            body.append(bytes(chunk))
        elif fourcc in KEEP:
            body.append(data[start:end])
        else:
            removed.append(_NAMES.get(fourcc, f"WebP {fourcc.decode('latin-1').strip()} chunk"))
    (riff_size,) = struct.unpack("<I", data[4:8])
    if data[8 + riff_size :].strip(b"\x00"):
        removed.append("trailing data after end of image")
    payload = b"WEBP" + b"".join(body)
    return b"RIFF" + struct.pack("<I", len(payload)) + payload, removed


def chunk_data(data: bytes, fourcc: bytes) -> bytes | None:
    """Return the data of the first top-level chunk with this fourcc."""
    for found, start, _end in chunks(data):
        if found == fourcc:
            (size,) = struct.unpack("<I", data[start + 4 : start + 8])
            return data[start + 8 : start + 8 + size]
    return None


def is_lossless(data: bytes) -> bool:
    """Return whether the (first) image bitstream is VP8L."""
    return b"VP8L" in {fourcc for fourcc, _, _ in chunks(data)} or data.find(b"VP8L", 12) > 0


def allowed_chunks_only(data: bytes) -> bool:
    """Check a cleaned WebP byte by byte: only image chunks, no metadata flags, no trailer."""
    (riff_size,) = struct.unpack("<I", data[4:8])
    if 8 + riff_size != len(data):
        return False
    for fourcc, start, _end in chunks(data):
        if fourcc not in KEEP:
            return False
        if fourcc == b"VP8X" and data[start + 8] & (_ICC | _EXIF | _XMP):
            return False
    return True
