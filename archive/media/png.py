"""PNG (and APNG) at the chunk level: keep what rendering needs, byte for byte.

Kept: IHDR, PLTE, IDAT, IEND, tRNS (transparency), gAMA, cHRM, sRGB, cICP, sBIT, bKGD
(colour rendering), acTL, fcTL, fdAT (animation). Dropped: tEXt, zTXt, iTXt (compressed or not),
tIME, eXIf, iCCP (after conversion to sRGB where needed), pHYs, sPLT, hIST, dSIG, private
chunks, and anything after IEND. Image data chunks are copied untouched, so pixels are
bit-identical.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from archive.errors import MediaRefused

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEEP = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"cICP",
    b"sBIT",
    b"bKGD",
    b"acTL",
    b"fcTL",
    b"fdAT",
}
_NAMES = {
    b"tEXt": "PNG text",
    b"zTXt": "PNG compressed text",
    b"iTXt": "PNG international text",
    b"tIME": "PNG modification time",
    b"eXIf": "PNG EXIF block",
    b"iCCP": "ICC profile",
    b"pHYs": "PNG physical pixel size",
}


def chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, start, end) of each chunk up to IEND; raise MediaRefused if corrupt."""
    if not data.startswith(SIGNATURE):
        raise MediaRefused("is not a PNG")
    pos, size = len(SIGNATURE), len(data)
    while True:
        if pos + 12 > size:
            raise MediaRefused("is a truncated PNG (no IEND chunk)")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if length > 0x7FFFFFFF or end > size or not kind.isalpha():
            raise MediaRefused("is a truncated or corrupt PNG (chunk runs past the end)")
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            raise MediaRefused(f"is a corrupt PNG (bad checksum in a {kind.decode()} chunk)")
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end


def strip(data: bytes) -> tuple[bytes, list[str]]:
    """Return the PNG with only rendering chunks, and the names of what was removed."""
    out = [SIGNATURE]
    removed: list[str] = []
    end = 0
    for kind, start, end in chunks(data):
        if kind in KEEP:
            out.append(data[start:end])
        else:
            removed.append(_NAMES.get(kind, f"PNG {kind.decode('latin-1')} chunk"))
    if data[end:].strip(b"\x00"):
        removed.append("trailing data after end of image")
    return b"".join(out), removed


def chunk_data(data: bytes, kind: bytes) -> bytes | None:
    """Return the data of the first chunk of this type."""
    for found, start, end in chunks(data):
        if found == kind:
            return data[start + 8 : end - 4]
    return None


def allowed_chunks_only(data: bytes) -> bool:
    """Check a cleaned PNG byte by byte: only kept chunks, nothing after IEND."""
    found = list(chunks(data))
    return all(kind in KEEP for kind, _, _ in found) and found[-1][2] == len(data)
