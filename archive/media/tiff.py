"""TIFF tags read straight from the bytes, to check what a cleaned TIFF still carries."""

from __future__ import annotations

import struct

from archive.errors import MediaRefused

# Baseline tags a picture needs to be decoded and shown; anything else is metadata to us.
STRUCTURAL_TAGS = {
    254, 256, 257, 258, 259, 262, 266, 273, 277, 278, 279, 282, 283, 284, 296, 317, 320, 322,
    323, 324, 325, 338, 339, 530, 531, 532,
}  # fmt: skip
_MAX_IFDS = 10_000


def tags(data: bytes) -> list[set[int]]:
    """Return the tag numbers of every IFD in the main chain."""
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 8:
        raise MediaRefused("is not a TIFF")
    (offset,) = struct.unpack(order + "I", data[4:8])
    result, seen = [], set()
    while offset and len(result) < _MAX_IFDS:
        if offset in seen or offset + 2 > len(data):
            raise MediaRefused("is a corrupt TIFF (IFD chain broken)")
        seen.add(offset)
        (count,) = struct.unpack(order + "H", data[offset : offset + 2])
        end = offset + 2 + 12 * count
        if end + 4 > len(data):
            raise MediaRefused("is a truncated TIFF")
        result.append({struct.unpack(order + "H", data[p : p + 2])[0] for p in range(offset + 2, end, 12)})
        (offset,) = struct.unpack(order + "I", data[end : end + 4])
    return result


def structural_tags_only(data: bytes) -> bool:
    """Check a cleaned TIFF byte by byte: every IFD holds only baseline structural tags."""
    return all(ifd <= STRUCTURAL_TAGS for ifd in tags(data))
