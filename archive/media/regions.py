"""Where a file can carry text: the parts of an image the polyglot check reads.

Markup hidden in an image lives where the format keeps text or arbitrary bytes: metadata
segments and chunks, comments, application extensions, unknown chunks and boxes, whatever
follows the end marker. It does not live in the entropy-coded or compressed pixel data, where
"<a " and "<img " turn up by chance: reading there refused 9 of 20 ordinary 3 MB phone photos.
Each walker below follows its format's structure and returns the byte ranges outside the pixel
data (compressed text chunks are inflated, within a bound); a file whose structure cannot be
followed is read whole, so a malformed file is judged as strictly as before.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Regions = list[bytes]
INFLATED_AT_MOST = 4 * 1024 * 1024  # of one compressed text chunk


class _Malformed(Exception):
    pass


def text_regions(kind: str, data: bytes) -> Regions:
    """The parts of a file of this kind that can carry text (the whole file when it cannot be
    followed)."""
    walker = _WALKERS.get(kind)
    if walker is None:
        return [data]
    try:
        return walker(data)
    except Exception:  # noqa: BLE001 - any file it cannot follow is read whole: never less strict
        return [data]


def _jpeg(data: bytes) -> Regions:
    regions, end = _jpeg_walk(data, 0)
    trailer = data[end:]
    # more pictures after the first (MPF: phones' depth maps and previews), maybe after padding
    while trailer.lstrip(b"\x00").startswith(b"\xff\xd8\xff"):
        trailer = trailer.lstrip(b"\x00")
        more, used = _jpeg_walk(trailer, 0)
        regions += more
        trailer = trailer[used:]
    if trailer:
        regions.append(trailer)  # anything after the end marker
    return regions


def _jpeg_walk(data: bytes, start: int, depth: int = 0) -> tuple[Regions, int]:
    """Walk one JPEG from its start marker: (its text-capable parts, where it ends)."""
    regions: Regions = []
    i, size = start + 2, len(data)
    while i < size:
        if data[i] != 0xFF:
            raise _Malformed("no marker where one belongs")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:  # end of image
            return regions, i + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2:
            raise _Malformed("segment length")
        segment_end = i + 2 + length
        if segment_end > size:
            raise _Malformed("a segment runs past the end")
        if not (0xC0 <= marker <= 0xDF):  # APPn, comments, unknown segments: not pixel data
            regions += _without_pictures(data[i + 4 : segment_end], depth)
        i = segment_end
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            i = _scan_end(data, i)
    return regions, size  # no end marker: a truncated file, its segments read


def _without_pictures(payload: bytes, depth: int = 0) -> Regions:
    """A metadata block less the JPEG pictures inside it (EXIF's thumbnail), whose coded data
    is walked as a picture's, not read as text."""
    regions: Regions = []
    at = payload.find(b"\xff\xd8\xff")
    if at == -1 or depth > 2:
        return [payload]
    regions.append(payload[:at])
    try:
        inner, end = _jpeg_walk(payload, at, depth + 1)
    except (_Malformed, IndexError, struct.error):
        return [payload]
    return regions + inner + _without_pictures(payload[end:], depth)


def _scan_end(data: bytes, i: int) -> int:
    size = len(data)
    while True:
        i = data.find(b"\xff", i)
        if i == -1 or i + 1 >= size:
            return size
        following = data[i + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            i += 2
        elif following == 0xFF:
            i += 1
        else:
            return i


_PNG_PIXELS = {b"IDAT", b"fdAT"}


def _png(data: bytes) -> Regions:
    regions: Regions = []
    i, size = 8, len(data)
    while i + 8 <= size:
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        payload = data[i + 8 : i + 8 + length]
        if len(payload) != length:
            raise _Malformed("chunk runs past the end")
        if kind == b"zTXt":
            regions.append(payload)
            keyword_end = payload.index(b"\x00")
            regions.append(_inflate(payload[keyword_end + 2 :]))
        elif kind == b"iTXt":
            regions.append(payload)
            keyword_end = payload.index(b"\x00")
            if payload[keyword_end + 1] == 1:  # compressed: after the language and translated keyword
                rest = payload[keyword_end + 3 :]
                text_start = rest.index(b"\x00", rest.index(b"\x00") + 1) + 1
                regions.append(_inflate(rest[text_start:]))
        elif kind not in _PNG_PIXELS:
            regions += _without_pictures(payload)
        i += 12 + length
        if kind == b"IEND":
            regions.append(data[i:])
            return regions
    regions.append(data[i:])
    return regions


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    text = inflater.decompress(compressed, INFLATED_AT_MOST)
    if inflater.unconsumed_tail:
        raise _Malformed("a text chunk inflates past the bound")  # read whole: refused if markup
    return text


def _gif(data: bytes) -> Regions:
    regions: Regions = []
    flags = data[10]
    i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    size = len(data)
    while i < size:
        block = data[i]
        if block == 0x3B:  # trailer
            regions.append(data[i + 1 :])
            return regions
        if block == 0x21:  # extension: comment, plain text, application, graphic control
            label = data[i + 1]
            body, i = _sub_blocks(data, i + 2)
            if label != 0xF9:
                regions.append(body)
        elif block == 0x2C:  # image: descriptor, local colour table, LZW data (pixels)
            local = data[i + 9]
            i += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            _pixels, i = _sub_blocks(data, i + 1)
        else:
            raise _Malformed("unknown block")
    return regions


def _sub_blocks(data: bytes, i: int) -> tuple[bytes, int]:
    parts = []
    while True:
        length = data[i]
        if length == 0:
            return b"".join(parts), i + 1
        parts.append(data[i + 1 : i + 1 + length])
        i += 1 + length


_WEBP_PIXELS = {b"VP8 ", b"VP8L", b"ALPH", b"ANMF"}


def _webp(data: bytes) -> Regions:
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = min(len(data), 8 + riff_size)
    regions: Regions = [data[end:]] if end < len(data) else []
    i = 12
    while i + 8 <= end:
        kind, length = struct.unpack("<4sI", data[i : i + 8])
        if kind not in _WEBP_PIXELS:
            regions += _without_pictures(data[i + 8 : i + 8 + length])
        i += 8 + length + (length & 1)
    return regions


def box(data: bytes, i: int) -> tuple[int, bytes, int]:
    """An ISO base media (HEIC, MP4) or JP2 box at `i`: (its length, its type, its header's
    length); ValueError when it does not fit in the data."""
    length, kind = struct.unpack(">I4s", data[i : i + 8])
    header = 8
    if length == 1:
        (length,) = struct.unpack(">Q", data[i + 8 : i + 16])
        header = 16
    elif length == 0:
        length = len(data) - i
    if length < header or i + length > len(data):
        raise ValueError("a box runs past the end")
    return length, kind, header


def _heic(data: bytes) -> Regions:
    regions: Regions = []
    i = 0
    while i + 8 <= len(data):
        length, kind, header = box(data, i)
        if kind != b"mdat":  # coded pictures (and the metadata items, removed by conversion)
            regions.append(data[i + header : i + length])
        i += length
    return regions


def _tiff(data: bytes) -> Regions:
    """Everything but the strips and tiles of every page (the tags, their values, the IFDs)."""
    import io

    from PIL import Image

    pixels: list[tuple[int, int]] = []
    with Image.open(io.BytesIO(data)) as image:
        for page in range(getattr(image, "n_frames", 1)):
            image.seek(page)
            tags = image.tag_v2
            for offsets, counts in ((273, 279), (324, 325)):
                starts, lengths = tags.get(offsets), tags.get(counts)
                if starts is None or lengths is None:
                    continue
                starts = starts if isinstance(starts, tuple) else (starts,)
                lengths = lengths if isinstance(lengths, tuple) else (lengths,)
                pixels += [(int(s), int(s) + int(n)) for s, n in zip(starts, lengths, strict=False)]
    regions: Regions = []
    last = 0
    for start, end in sorted(pixels):
        if start > last:
            regions.append(data[last:start])
        last = max(last, end)
    regions.append(data[last:])
    return regions


_WALKERS: dict[str, Callable[[bytes], Regions]] = {
    "jpeg": _jpeg,
    "png": _png,
    "gif": _gif,
    "webp": _webp,
    "heic": _heic,
    "tiff": _tiff,
}
