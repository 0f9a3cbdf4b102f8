"""JPEG 2000 (a PDF's /JPXDecode images): keep the picture, drop what it says about itself.

A JP2 file is a list of boxes: its signature, file type, header (size, colour) and the code
stream are kept; XML (XMP), UUID (EXIF, GeoJP2 positions), IPR, UUID-info and any other box
are dropped. The code stream's comment segments (COM, where encoders write their name and
people their notes) are dropped from its main header and from every tile-part header, whose
length is corrected. Anything this cannot follow is refused by the caller, not passed through.
"""

from __future__ import annotations

import struct

from archive.media.regions import box

_KEEP_BOXES = {b"jP  ", b"ftyp", b"rreq", b"jp2h", b"jp2c"}
_SOC, _SOT, _SOD, _COM, _EOC = 0xFF4F, 0xFF90, 0xFF93, 0xFF64, 0xFFD9


class Unreadable(ValueError):
    """The data is not JPEG 2000 this module can follow."""


def strip(data: bytes) -> tuple[bytes, list[str]]:
    """Return the cleaned JPEG 2000 data and the names of what was removed."""
    removed: list[str] = []
    if data.startswith(b"\xff\x4f\xff\x51"):  # a bare code stream
        return _codestream(data, removed), removed
    out, i = [], 0
    while i < len(data):
        length, kind, header = box(data, i)
        body = data[i + header : i + length]
        if kind == b"jp2c":
            cleaned = _codestream(body, removed)
            out.append(struct.pack(">I4s", len(cleaned) + 8, kind) + cleaned)
        elif kind in _KEEP_BOXES:
            out.append(data[i : i + length])
        else:
            removed.append(_BOX_NAMES.get(kind, f"JPEG 2000 {kind.decode('latin-1').strip()} box"))
        i += length
    if not out or not out[0][4:8] == b"jP  ":
        raise Unreadable("no JP2 signature")
    return b"".join(out), removed


def clean(data: bytes) -> bool:
    """Whether the data holds nothing strip would remove (for the verifier)."""
    try:
        return strip(data)[1] == []
    except (ValueError, struct.error, IndexError):
        return False


_BOX_NAMES = {
    b"xml ": "JPEG 2000 XML (XMP) metadata",
    b"uuid": "JPEG 2000 UUID box (EXIF, GeoJP2 position)",
    b"jp2i": "JPEG 2000 intellectual property box",
    b"uinf": "JPEG 2000 UUID information",
}


def _codestream(data: bytes, removed: list[str]) -> bytes:
    if not data.startswith(b"\xff\x4f"):
        raise Unreadable("no start of code stream")
    main, i = _header(data, 2, _SOT, removed)  # the main header, up to the first tile part
    out = [data[:2], *main]
    while i < len(data):
        (marker,) = struct.unpack(">H", data[i : i + 2])
        if marker == _EOC:
            out.append(data[i:])
            break
        if marker != _SOT:
            raise Unreadable("expected a tile part")
        (psot,) = struct.unpack(">I", data[i + 6 : i + 10])
        end = len(data) - 2 if psot == 0 else i + psot
        if end > len(data):
            raise Unreadable("tile part past the end")
        out.append(_tile_part(data[i:end], psot == 0, removed))
        i = end
    return b"".join(out)


def _header(data: bytes, i: int, stop: int, removed: list[str]) -> tuple[list[bytes], int]:
    """The marker segments from `i` up to the `stop` marker, less comments; and where it is."""
    kept = []
    while True:
        (marker,) = struct.unpack(">H", data[i : i + 2])
        if marker == stop:
            return kept, i
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker == _COM:
            removed.append("JPEG 2000 comment")
        else:
            kept.append(data[i : i + 2 + length])
        i += 2 + length


def _tile_part(part: bytes, to_end: bool, removed: list[str]) -> bytes:
    sot = bytearray(part[:12])
    kept, j = _header(part, 12, _SOD, removed)
    rest = part[j:]
    if not to_end:  # the tile part's length, less the comments
        sot[6:10] = struct.pack(">I", 12 + sum(len(k) for k in kept) + len(rest))
    return bytes(sot) + b"".join(kept) + rest
