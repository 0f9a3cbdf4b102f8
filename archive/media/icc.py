"""ICC colour profiles with their words removed and their colorimetry kept.

A profile can name the device, its maker and model, the person or company that made it, and
when. Where a profile must stay (colour spaces inside PDFs), its header's device, creator and
date fields are zeroed and every text tag emptied; the colour tags are untouched.
"""

from __future__ import annotations

import struct

# Text-bearing tags (ICC.1:2001-04 and ICC.1:2010): description, copyright, device maker and
# model descriptions, viewing conditions, characterisation target, metadata, technology.
TEXT_TAGS = {
    b"desc",
    b"cprt",
    b"dmnd",
    b"dmdd",
    b"vued",
    b"targ",
    b"meta",
    b"scrd",
    b"ciis",
    b"pseq",
    b"psid",
    b"crdi",
    b"devs",
}
_HEADER_FIELDS = ((24, 36), (48, 56), (80, 100))  # date; device maker and model; creator and ID


def is_icc(data: bytes) -> bool:
    return len(data) >= 132 and data[36:40] == b"acsp"


def neutralise(data: bytes) -> tuple[bytes, int]:
    """Return the profile with header identity fields zeroed and text tags emptied, and a count."""
    if not is_icc(data):
        return data, 0
    out = bytearray(data)
    for start, end in _HEADER_FIELDS:
        out[start:end] = bytes(end - start)
    (count,) = struct.unpack(">I", data[128:132])
    emptied = 0
    for n in range(min(count, 1000)):
        entry = 132 + 12 * n
        if entry + 12 > len(data):
            break
        signature, offset, size = struct.unpack(">4sII", data[entry : entry + 12])
        if signature in TEXT_TAGS and offset + size <= len(data) and size > 8:
            # Keep the 4-byte type signature and reserved word; zeros after them read as an
            # empty string in text, textDescription and multiLocalizedUnicode types alike.
            out[offset + 8 : offset + size] = bytes(size - 8)
            emptied += 1
    return bytes(out), emptied
