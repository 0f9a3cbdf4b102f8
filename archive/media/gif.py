"""GIF (animated too) at the block level: frames and timing kept, text and extensions dropped.

Kept: header, logical screen descriptor, colour tables, graphic control extensions (timing,
transparency), image descriptors with their LZW data, and a NETSCAPE2.0 loop count rebuilt from
the original's value. Dropped: comment extensions, plain text extensions, every other
application extension (XMP, ICC, vendor data), and anything after the trailer. Frames are
copied untouched, so pixels are bit-identical.
"""

from __future__ import annotations

import struct

from archive.errors import MediaRefused

TRAILER = 0x3B


def _table_size(flags: int) -> int:
    return 3 * (1 << ((flags & 0x07) + 1)) if flags & 0x80 else 0


def _sub_blocks(data: bytes, pos: int) -> int:
    """Return the offset after a chain of data sub-blocks."""
    size = len(data)
    while True:
        if pos >= size:
            raise MediaRefused("is a truncated GIF (data block runs past the end)")
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def parse(data: bytes) -> tuple[int, list[tuple[str, int, int]], int]:
    """Return (header end, [(block kind, start, end)…], trailer end); raise if corrupt."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise MediaRefused("is not a GIF or is truncated")
    pos = 13 + _table_size(data[10])
    if pos > len(data):
        raise MediaRefused("is a truncated GIF (colour table runs past the end)")
    header_end = pos
    blocks = []
    while True:
        if pos >= len(data):
            raise MediaRefused("is a truncated GIF (no trailer)")
        introducer = data[pos]
        if introducer == TRAILER:
            return header_end, blocks, pos + 1
        if introducer == 0x21 and pos + 1 < len(data):
            label = data[pos + 1]
            end = _sub_blocks(data, pos + 2)
            kind = {0xF9: "gce", 0xFE: "comment", 0x01: "plaintext", 0xFF: "application"}.get(label, "extension")
            blocks.append((kind, pos, end))
        elif introducer == 0x2C:
            if pos + 10 > len(data):
                raise MediaRefused("is a truncated GIF (image descriptor runs past the end)")
            start = pos
            pos += 10 + _table_size(data[pos + 9])
            end = _sub_blocks(data, pos + 1)  # +1: LZW minimum code size
            blocks.append(("image", start, end))
        else:
            raise MediaRefused("is a corrupt GIF (unknown block)")
        pos = blocks[-1][2]


def strip(data: bytes) -> tuple[bytes, list[str]]:
    """Return the GIF with only frames and timing, and the names of what was removed."""
    header_end, blocks, end = parse(data)
    out = [data[:header_end]]
    removed: list[str] = []
    loop = None
    pending_gce = None
    for kind, start, stop in blocks:
        block = data[start:stop]
        if kind == "gce":
            pending_gce = block
        elif kind == "image":
            out.extend(b for b in (pending_gce, block) if b)
            pending_gce = None
        elif kind == "application" and block[3:14] in (b"NETSCAPE2.0", b"ANIMEXTS1.0"):
            if len(block) >= 19 and block[14] == 3 and block[15] == 1:
                loop = struct.unpack("<H", block[16:18])[0]
        else:
            name = {
                "comment": "GIF comment",
                "plaintext": "GIF plain text",
                "application": f"GIF application data ({_app_name(block)})",
            }.get(kind, "GIF extension")
            removed.append(name)
            if kind == "plaintext":
                pending_gce = None  # its control block went with it
    if loop is not None:
        out.insert(1, b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\x00")
    out.append(bytes((TRAILER,)))
    if data[end:].strip(b"\x00"):
        removed.append("trailing data after end of image")
    return b"".join(out), removed


def allowed_blocks_only(data: bytes) -> bool:
    """Check a cleaned GIF byte by byte: frames, timing and a loop count only; no trailer."""
    _header_end, blocks, end = parse(data)
    for kind, start, stop in blocks:
        if kind in ("gce", "image"):
            continue
        loop_count = data[start + 3 : start + 14] == b"NETSCAPE2.0" and stop - start == 19
        if kind == "application" and loop_count:
            continue
        return False
    return end == len(data)


def _app_name(block: bytes) -> str:
    return block[3:11].decode("latin-1", "replace").strip() or "unnamed"
