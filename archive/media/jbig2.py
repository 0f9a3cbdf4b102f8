"""JBIG2 inside PDFs: extension segments (comments) removed, every other segment kept as is.

Threat: a scanner's JBIG2 image (ITU-T T.88) may carry extension segments, type 62, whose
comments hold free text (a device name, an operator, a file path). A PDF embeds JBIG2 in its
"embedded" organisation: a sequence of segments, each a header (number, flags, the segments it
refers to, its page, its data length) and its data, and, shared by several images, a
JBIG2Globals stream of the same form. Segments are walked by their headers and copied byte for
byte, but for extension segments, which are dropped; a segment whose length is left open (an
immediate generic region of unknown length, 0xFFFFFFFF) cannot be walked past and refuses.
"""

from __future__ import annotations

import struct

EXTENSION = 62
UNKNOWN_LENGTH = 0xFFFFFFFF


class Unreadable(ValueError):
    """The stream is not a sequence of JBIG2 segments this module can walk."""


def segments(data: bytes):
    """Yield (type, start, stop) of each segment of an embedded JBIG2 stream."""
    i = 0
    while i < len(data):
        start = i
        if i + 6 > len(data):
            raise Unreadable("a segment header runs past the end")
        number, flags = struct.unpack(">IB", data[i : i + 5])
        kind, long_page = flags & 0x3F, flags & 0x40
        i += 5
        count = data[i] >> 5
        if count == 7:
            count = struct.unpack(">I", data[i : i + 4])[0] & 0x1FFFFFFF
            i += 4 + (count + 8) // 8
        else:
            i += 1
        i += count * (1 if number <= 256 else 2 if number <= 65536 else 4)
        i += 4 if long_page else 1
        if i + 4 > len(data):
            raise Unreadable("a segment header runs past the end")
        (length,) = struct.unpack(">I", data[i : i + 4])
        i += 4
        if length == UNKNOWN_LENGTH or i + length > len(data):
            raise Unreadable("a segment's length is open or runs past the end")
        i += length
        yield kind, start, i


def strip(data: bytes) -> tuple[bytes, list[str]]:
    """Return the stream without extension segments, and what was removed."""
    kept, removed = [], []
    for kind, start, stop in segments(data):
        if kind == EXTENSION:
            removed.append("JBIG2 extension (comment)")
        else:
            kept.append(data[start:stop])
    return b"".join(kept), removed


def has_extensions(data: bytes) -> bool:
    """Whether any extension segment is left (the verifier's own walk)."""
    return any(kind == EXTENSION for kind, _, _ in segments(data))
