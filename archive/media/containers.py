"""The cleaned recording read again, container by container, by code that did not write it.

ffprobe says what tags it understands; these walks look at the structure itself, so a place
for text that ffprobe does not report (an MP4 `uuid` box, a Matroska title or attachment, a
FLAC picture, an ID3 or APE tag) is caught too. Each returns False where anything could carry
words about the recording; the caller refuses the file.
"""

from __future__ import annotations

import re
import struct

from archive.media.regions import box

# MP4: boxes that hold other boxes; `udta` may hold only the muxer's empty `meta`.
_MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"edts", b"udta", b"meta", b"ilst"}
_MP4_DENIED = {b"uuid", b"XMP_", b"loci", b"keys", b"cprt", b"auth", b"name", b"chpl", b"tref", b"meco"}
# Matroska element IDs (with their length marker), from the specification.
_SEGMENT, _INFO, _TRACKS, _TRACK, _TAGS, _TAG, _SIMPLE = (
    0x18538067,
    0x1549A966,
    0x1654AE6B,
    0xAE,
    0x1254C367,
    0x7373,
    0x67C8,
)
# attachments, chapters, title, date, track name: none may be left
_MKV_DENIED = {0x1941A469, 0x1043A770, 0x7BA9, 0x4461, 0x536E}
# elements the muxer writes itself, with the only values it writes: language, muxing and
# writing application, tag name (a track's duration)
_MKV_VALUES = {0x22B59C: {b"und"}, 0x4D80: {b"Lavf"}, 0x5741: {b"Lavf"}, 0x45A3: {b"DURATION"}}
_OWN_ENCODER = re.compile(rb"encoder=Lav[cf]( [a-z0-9_-]+)?", re.IGNORECASE)
_MKV_DESCEND = {_SEGMENT, _INFO, _TRACKS, _TRACK, _TAGS, _TAG, _SIMPLE}


def structure_clean(muxer: str, data: bytes) -> bool:
    """Whether a cleaned file of this muxer's format holds nothing but picture and sound."""
    try:
        return _WALKS[muxer](data)
    except (ValueError, IndexError, struct.error):
        return False


def _mp4(data: bytes) -> bool:
    def walk(start: int, stop: int, parent: bytes) -> bool:
        i = start + (4 if parent == b"meta" else 0)  # `meta` is a full box: version and flags
        while i + 8 <= stop:
            length, kind, header = box(data[:stop], i)
            if kind in _MP4_DENIED or kind.startswith(b"\xa9"):
                return False
            if parent == b"udta" and kind != b"meta" or parent == b"meta" and kind not in (b"hdlr", b"ilst"):
                return False
            if kind == b"ilst" and length > header:
                return False
            if kind in _MP4_CONTAINERS and not walk(i + header, i + length, kind):
                return False
            i += length
        return i == stop

    return walk(0, len(data), b"")


def _vint(data: bytes, i: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at i: (value, its length in bytes)."""
    first = data[i]
    length = 9 - first.bit_length() if first else 9
    if length > 8:
        raise ValueError("an EBML number longer than 8 bytes")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[i + 1 : i + length]:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        value = -1  # unknown size
    return value, length


def _matroska(data: bytes) -> bool:
    def walk(start: int, stop: int, parent: int) -> bool:
        i = start
        while i < stop:
            element, n = _vint(data, i, True)
            size, m = _vint(data, i + n, False)
            body = i + n + m
            end = stop if size < 0 else body + size
            if end > stop or element in _MKV_DENIED:
                return False
            if element in _MKV_VALUES and data[body:end] not in _MKV_VALUES[element]:
                return False
            if element in _MKV_DESCEND and not walk(body, end, element):
                return False
            i = end
        return i == stop

    return walk(0, len(data), 0)


def _riff(data: bytes) -> bool:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False
    i = 12
    while i + 8 <= len(data):
        kind, size = data[i : i + 4], struct.unpack("<I", data[i + 4 : i + 8])[0]
        if kind not in (b"fmt ", b"data", b"fact"):
            return False
        i += 8 + size + (size & 1)
    return True


def _flac(data: bytes) -> bool:
    if data[:4] != b"fLaC":
        return False
    i, last = 4, False
    while not last:
        header = data[i]
        last, kind = bool(header & 0x80), header & 0x7F
        size = int.from_bytes(data[i + 1 : i + 4], "big")
        block = data[i + 4 : i + 4 + size]
        if kind not in (0, 1, 3, 4) or kind == 4 and not _no_comments(block):
            return False
        i += 4 + size
    return True


def _no_comments(block: bytes, at: int = 0) -> bool:
    """A Vorbis comment block with its vendor string and no comment but the encoder's name
    that ffmpeg writes itself when it encodes (`encoder=Lavc libopus`)."""
    (vendor,) = struct.unpack("<I", block[at : at + 4])
    i = at + 4 + vendor
    (count,) = struct.unpack("<I", block[i : i + 4])
    i += 4
    for _ in range(count):
        (length,) = struct.unpack("<I", block[i : i + 4])
        if not _OWN_ENCODER.fullmatch(block[i + 4 : i + 4 + length]):
            return False
        i += 4 + length
    return True


def _ogg(data: bytes) -> bool:
    """The comment header (second packet) of the first logical stream carries no comment."""
    packets, i = [], 0
    packet = b""
    while len(packets) < 2 and i + 27 <= len(data):
        if data[i : i + 4] != b"OggS":
            return False
        segments = data[i + 26]
        table = data[i + 27 : i + 27 + segments]
        i += 27 + segments
        for lacing in table:
            packet += data[i : i + lacing]
            i += lacing
            if lacing < 255:
                packets.append(packet)
                packet = b""
    if len(packets) < 2:
        return False
    comments = packets[1]
    if comments.startswith(b"OpusTags"):
        return _no_comments(comments, 8)
    if comments.startswith(b"\x03vorbis"):
        return _no_comments(comments, 7)
    return False


def _mp3(data: bytes) -> bool:
    tail = data[-160:]
    return not data.startswith(b"ID3") and tail[-128:-125] != b"TAG" and b"APETAGEX" not in tail


_WALKS = {"mp4": _mp4, "webm": _matroska, "wav": _riff, "flac": _flac, "ogg": _ogg, "mp3": _mp3}
