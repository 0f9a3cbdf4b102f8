"""Build realistic dirty media files whose every metadata field holds a canary string.

The media sanitiser's tests and benchmark feed these files in and check that no canary
comes out (`leaked_canaries`). Pure functions: bytes out, no import from archive or the
test fixtures. Segments Pillow cannot write are assembled here by hand, following the
specifications: EXIF 2.32 / TIFF 6.0, XMP part 3 (Extended XMP, GIF "XMP DataXMP"), IPTC
IIM with Photoshop 8BIM resources, ICC.1:2001-04 (v2), PNG 3rd edition, the WebP RIFF
container, GIF89a and PDF 1.7.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageCms, ImageDraw

FORMATS = ("jpeg", "png", "webp", "tiff", "gif", "heic", "pdf")
ORIENTATION_FORMATS = ("jpeg", "png", "webp", "tiff", "heic")  # formats that carry EXIF orientation
ANIMATED_FORMATS = ("png", "webp", "tiff", "gif")  # APNG, animated WebP, multi-page TIFF, GIF
ALPHA_FORMATS = ("png", "webp", "tiff", "gif", "heic")
SIZE = (96, 64)
SUFFIXES = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "gif": ".gif"}
SUFFIXES |= {"heic": ".heic", "pdf": ".pdf"}

_T = Image.Transpose
# Stored pixels for orientation o: the upright image put through the inverse of the transform
# a viewer applies for o (PIL.ImageOps.exif_transpose applies the forward one: 6 → ROTATE_270).
STORE_TRANSPOSE = {2: _T.FLIP_LEFT_RIGHT, 3: _T.ROTATE_180, 4: _T.FLIP_TOP_BOTTOM}
STORE_TRANSPOSE |= {5: _T.TRANSPOSE, 6: _T.ROTATE_90, 7: _T.TRANSVERSE, 8: _T.ROTATE_270}

_QUADRANTS = ((220, 40, 40), (40, 180, 60), (40, 70, 220), (240, 200, 40))
_MARKER = (250, 250, 250)
_STRIPES = ((200, 40, 200), (40, 200, 200))  # frames 1 and 2 of an animation


@dataclass
class DirtyFile:
    """A dirty file and what a sanitiser must remove from it."""

    fmt: str
    data: bytes = field(repr=False)
    # field → canary: a WACANARY token, or for fields that must hold a date or a position a
    # distinctive date or coordinate; every one must vanish on sanitising (leaked_canaries)
    canaries: dict[str, str]
    orientation: int  # EXIF orientation written (1 when none)
    upright: Image.Image | None  # what a correct viewer shows (first frame); None for pdf
    animated: bool = False
    frames: int = 1

    @property
    def suffix(self) -> str:
        return SUFFIXES[self.fmt]


def canary(field: str, seed: int = 0) -> str:
    """Return the unique ASCII token planted in `field`, like WACANARY7f3a2c-exif-Artist."""
    digest = hashlib.sha256(f"{seed}:{field}".encode()).hexdigest()[:6]
    return f"WACANARY{digest}-{re.sub(r'[^A-Za-z0-9]+', '-', field).strip('-')}"


def canary_date(field: str, seed: int = 0) -> str:
    """Return a distinctive EXIF date ("YYYY:MM:DD HH:MM:SS") for a field that must hold a date."""
    h = int(hashlib.sha256(f"{seed}:date:{field}".encode()).hexdigest(), 16)
    parts = (2001 + h % 23, 1 + (h >> 8) % 12, 1 + (h >> 16) % 28)
    parts += ((h >> 24) % 24, (h >> 32) % 60, (h >> 40) % 60)
    return "{:04d}:{:02d}:{:02d} {:02d}:{:02d}:{:02d}".format(*parts)


def stored_image(upright: Image.Image, orientation: int) -> Image.Image:
    """Return the pixels to store so that a viewer applying `orientation` shows `upright`."""
    return upright.copy() if orientation == 1 else upright.transpose(STORE_TRANSPOSE[orientation])


def upright_image(size: tuple[int, int] = SIZE, mode: str = "RGB") -> Image.Image:
    """Draw four coloured quadrants and an off-centre marker (all 8 orientations differ)."""
    w, h = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for (x, y), colour in zip(((0, 0), (1, 0), (0, 1), (1, 1)), _QUADRANTS, strict=True):
        draw.rectangle((x * w // 2, y * h // 2, (x + 1) * w // 2 - 1, (y + 1) * h // 2 - 1), colour)
    draw.rectangle((w // 8, h // 8, w // 4 - 1, 3 * h // 8 - 1), _MARKER)
    if mode == "RGBA":
        image = image.convert("RGBA")
        image.paste((0, 0, 0, 0), (3 * w // 4, 3 * h // 4, w, h))  # transparent corner
    return image if mode in ("RGB", "RGBA") else image.convert(mode)


def _frame(index: int, mode: str) -> Image.Image:
    image = upright_image(SIZE, mode)
    if index:
        w, h = SIZE
        x = w // 2 + index * w // 8
        ImageDraw.Draw(image).rectangle((x, 0, x + w // 16, h - 1), _STRIPES[index - 1])
    return image


class _Fields:
    """Hand out canaries and remember which field got which."""

    def __init__(self, seed: int):
        self.seed = seed
        self.canaries: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        return self.text(name, canary(name, self.seed))

    def date(self, name: str) -> str:
        return self.text(name, canary_date(name, self.seed))

    def text(self, name: str, value: str) -> str:
        assert name not in self.canaries, name
        self.canaries[name] = value
        return value


# --- TIFF structures (EXIF, TIFF files) --------------------------------------------------

_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}
_IFD, _BLOB = -1, -2  # pseudo types: a LONG pointing at a nested IFD / at a blob of bytes
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7


def _pack(typ: int, value) -> bytes:
    if typ == ASCII:
        return value.encode() + b"\0"
    if typ in (BYTE, UNDEFINED):
        return bytes(value)
    if typ == RATIONAL:
        return b"".join(struct.pack("<II", n, d) for n, d in value)
    values = value if isinstance(value, tuple) else (value,)
    return struct.pack(f"<{len(values)}{'H' if typ == SHORT else 'I'}", *values)


def _write_ifd(buf: bytearray, entries: list[tuple]) -> int:
    buf += b"\0" * (len(buf) % 2)
    start = len(buf)
    entries = sorted(entries, key=lambda e: e[0])
    buf += struct.pack("<H", len(entries)) + bytes(12 * len(entries) + 4)
    for i, (tag, typ, value) in enumerate(entries):
        pos = start + 2 + 12 * i
        if typ in (_IFD, _BLOB):
            struct.pack_into("<HHI", buf, pos, tag, LONG, 1)
            continue
        data = _pack(typ, value)
        struct.pack_into("<HHI", buf, pos, tag, typ, len(data) // _SIZES[typ])
        if len(data) <= 4:
            buf[pos + 8 : pos + 8 + len(data)] = data
        else:
            buf += b"\0" * (len(buf) % 2)
            struct.pack_into("<I", buf, pos + 8, len(buf))
            buf += data
    for i, (_tag, typ, value) in enumerate(entries):
        if typ == _IFD:
            target = _write_ifd(buf, value)
        elif typ == _BLOB:
            buf += b"\0" * (len(buf) % 2)
            target = len(buf)
            buf += value
        else:
            continue
        struct.pack_into("<I", buf, start + 2 + 12 * i + 8, target)
    return start


def _tiff(ifds: list[list[tuple]]) -> bytes:
    """Serialise a chain of IFDs as little-endian TIFF; entries are (tag, type, value)."""
    buf = bytearray(b"II*\0\0\0\0\0")
    link = 4
    for entries in ifds:
        start = _write_ifd(buf, entries)
        struct.pack_into("<I", buf, link, start)
        link = start + 2 + 12 * len(entries)
    return bytes(buf)


def _gps(seed: int) -> tuple[tuple[int, int, float], tuple[int, int, float], float]:
    h = int(hashlib.sha256(f"gps:{seed}".encode()).hexdigest(), 16)
    lat = (10 + h % 70, 10 + (h >> 8) % 50, (h >> 16) % 600000 / 10000)
    lon = (10 + (h >> 40) % 90, 10 + (h >> 48) % 50, (h >> 56) % 600000 / 10000)
    return lat, lon, 100 + (h >> 80) % 2000


def _rationals(dms: tuple[int, int, float]) -> list[tuple[int, int]]:
    return [(dms[0], 1), (dms[1], 1), (round(dms[2] * 10000), 10000)]


def _exif_ifd0(f: _Fields, orientation: int, size: tuple[int, int], ns: str = "") -> list[tuple]:
    """Return IFD0 entries with an Exif and a GPS IFD, a canary in every text field."""
    x, g = f"{ns}exif", f"{ns}gps"
    lat, lon, alt = _gps(f.seed)
    encoded = b"ASCII\0\0\0"  # UserComment and GPSProcessingMethod character code
    exif_ifd = [
        (0x9000, UNDEFINED, b"0232"),
        (0x9003, ASCII, f.date(f"{x}.DateTimeOriginal")),
        (0x927C, UNDEFINED, b"WAVENDOR\0\x01\0" + f(f"{x}.MakerNote").encode() + b"\0\xff"),
        (0x9286, UNDEFINED, encoded + f(f"{x}.UserComment").encode()),
        (0xA001, SHORT, 1),
        (0xA002, LONG, size[0]),
        (0xA003, LONG, size[1]),
        (0xA420, ASCII, f(f"{x}.ImageUniqueID")),
        (0xA430, ASCII, f(f"{x}.CameraOwnerName")),
        (0xA431, ASCII, f(f"{x}.BodySerialNumber")),
        (0xA435, ASCII, f(f"{x}.LensSerialNumber")),
    ]
    gps_ifd = [
        (0x0000, BYTE, (2, 3, 0, 0)),
        (0x0001, ASCII, "N"),
        (0x0002, RATIONAL, _rationals(lat)),
        (0x0003, ASCII, "E"),
        (0x0004, RATIONAL, _rationals(lon)),
        (0x0005, BYTE, (0,)),
        (0x0006, RATIONAL, [(alt, 1)]),
        (0x001B, UNDEFINED, encoded + f(f"{g}.GPSProcessingMethod").encode()),
        (0x001C, UNDEFINED, encoded + f(f"{g}.GPSAreaInformation").encode()),
    ]
    return [
        (270, ASCII, f(f"{x}.ImageDescription")),
        (271, ASCII, f(f"{x}.Make")),
        (272, ASCII, f(f"{x}.Model")),
        (274, SHORT, orientation),
        (282, RATIONAL, [(72, 1)]),
        (283, RATIONAL, [(72, 1)]),
        (296, SHORT, 2),
        (305, ASCII, f(f"{x}.Software")),
        (306, ASCII, f.date(f"{x}.DateTime")),
        (315, ASCII, f(f"{x}.Artist")),
        (316, ASCII, f(f"{x}.HostComputer")),
        (33432, ASCII, f(f"{x}.Copyright")),
        (0x9C9C, BYTE, (f(f"{x}.XPComment") + "\0").encode("utf-16-le")),
        (0x9C9D, BYTE, (f(f"{x}.XPAuthor") + "\0").encode("utf-16-le")),
        (34665, _IFD, exif_ifd),
        (34853, _IFD, gps_ifd),
    ]


def _exif(f: _Fields, orientation: int, size: tuple[int, int], thumbnail: bytes = b"") -> bytes:
    """Return EXIF as TIFF bytes; with an IFD1 JPEG thumbnail when one is given."""
    ifds = [_exif_ifd0(f, orientation, size)]
    if thumbnail:
        ifds.append(
            [
                (259, SHORT, 6),
                (282, RATIONAL, [(72, 1)]),
                (283, RATIONAL, [(72, 1)]),
                (296, SHORT, 2),
                (513, _BLOB, thumbnail),
                (514, LONG, len(thumbnail)),
            ]
        )
    return _tiff(ifds)


# --- XMP, IPTC, Photoshop resources, ICC -------------------------------------------------

_XMP_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpNote": "http://ns.adobe.com/xmp/note/",
}


def _xmp_packet(props: dict[str, str], creator: str = "", history: str = "") -> bytes:
    ns = "".join(f'\n    xmlns:{p}="{u}"' for p, u in _XMP_NS.items())
    attrs = "".join(f'\n    {k}="{v}"' for k, v in props.items())
    body = f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>" * bool(creator)
    body += f"<photoshop:History>{history}</photoshop:History>" * bool(history)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about=""{ns}{attrs}>\n   {body}\n  </rdf:Description>\n'
        " </rdf:RDF>\n</x:xmpmeta>\n" + " " * 64 + '\n<?xpacket end="w"?>'
    ).encode()


def _xmp(f: _Fields, ns: str = "xmp", extended_guid: str = "") -> bytes:
    """Return an XMP packet: creator, city, tool and GPS position, each a canary."""
    lat, lon, _alt = _gps(f.seed)
    # XMP GPSCoordinate "DD,MM.mmmmmmmmmN": the position of the EXIF GPS IFD, with its last
    # digits varied per packet so that each packet's coordinates are a canary of their own
    tail = int(hashlib.sha256(f"{f.seed}:{ns}".encode()).hexdigest(), 16) % 10000

    def coordinate(dms: tuple[int, int, float], ref: str) -> str:
        return f"{dms[0]},{dms[1]}.{int(dms[2] / 60 * 100000):05d}{tail:04d}{ref}"

    props = {
        "photoshop:City": f(f"{ns}.photoshop:City"),
        "xmp:CreatorTool": f(f"{ns}.xmp:CreatorTool"),
        "exif:GPSLatitude": f.text(f"{ns}.exif:GPSLatitude", coordinate(lat, "N")),
        "exif:GPSLongitude": f.text(f"{ns}.exif:GPSLongitude", coordinate(lon, "E")),
    }
    if extended_guid:
        props["xmpNote:HasExtendedXMP"] = extended_guid
    return _xmp_packet(props, creator=f(f"{ns}.dc:creator"))


def _iptc(f: _Fields, ns: str = "iptc") -> bytes:
    """Return IPTC-IIM records: UTF-8 marker, version, By-line, City, Caption-Abstract."""
    records = [(1, 90, b"\x1b%G"), (2, 0, b"\0\x04")]
    records += [(2, 80, f(f"{ns}.By-line").encode()), (2, 90, f(f"{ns}.City").encode())]
    records += [(2, 120, f(f"{ns}.Caption-Abstract").encode())]
    return b"".join(struct.pack(">BBBH", 0x1C, r, d, len(v)) + v for r, d, v in records)


def _8bim(resource: int, data: bytes) -> bytes:
    return b"8BIM" + struct.pack(">HHI", resource, 0, len(data)) + data + b"\0" * (len(data) % 2)


def _8bim_thumbnail(jpeg: bytes, size: tuple[int, int]) -> bytes:
    """Return a 0x040C resource: the 28-byte Photoshop thumbnail header, then JFIF data."""
    w, h = size
    row = (w * 24 + 31) // 32 * 4
    return _8bim(0x040C, struct.pack(">6I2H", 1, w, h, row, row * h, len(jpeg), 24, 1) + jpeg)


def _icc_wide_gamut(description: str, copyright_: str) -> bytes:
    """Build an ICC v2 RGB matrix/TRC display profile with Adobe RGB (1998) primaries."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    ascii_ = description.encode() + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + bytes(8 + 3 + 67)
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"  # gamma 563/256 ≈ 2.2
    data = {
        b"desc": desc,
        b"cprt": b"text\0\0\0\0" + copyright_.encode() + b"\0",
        b"wtpt": xyz(0.9642, 1.0, 0.8249),
        b"rXYZ": xyz(0.6097, 0.3111, 0.0195),
        b"gXYZ": xyz(0.2053, 0.6257, 0.0609),
        b"bXYZ": xyz(0.1492, 0.0632, 0.7446),
        b"rTRC": curve,
    }
    tags = [*data, b"gTRC", b"bTRC"]  # the three TRCs share one curve
    offset, blobs, where = 128 + 4 + 12 * len(tags), b"", {}
    for sig, blob in data.items():
        blob += b"\0" * (-len(blob) % 4)
        where[sig] = (offset + len(blobs), len(blob))
        blobs += blob
    where[b"gTRC"] = where[b"bTRC"] = where[b"rTRC"]
    table = struct.pack(">I", len(tags)) + b"".join(sig + struct.pack(">II", *where[sig]) for sig in tags)
    size = 128 + len(table) + len(blobs)
    date = (2019, 3, 14, 15, 9, 26)
    header = struct.pack(">I4sI4s4s4s6H4s", size, b"", 0x02100000, b"mntr", b"RGB ", b"XYZ ", *date, b"acsp")
    header += bytes(28) + struct.pack(">3i", 63190, 65536, 54061) + bytes(48)  # D50 illuminant
    return header + table + blobs


@lru_cache(maxsize=1)
def _icc_srgb() -> bytes:
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2019, 3, 14, 15, 9, 26)  # creation date: keep output stable
    return bytes(profile)


def _icc(f: _Fields, wide_gamut: bool) -> bytes:
    if not wide_gamut:
        return _icc_srgb()
    return _icc_wide_gamut(f"Adobe RGB (1998) {f('icc.desc')}", f("icc.cprt"))


# --- JPEG ---------------------------------------------------------------------------------


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def _jpeg_plain(image: Image.Image, **options) -> bytes:
    return _encode(image.convert("RGB"), "JPEG", quality=92, subsampling=0, **options)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _split_jpeg(data: bytes) -> tuple[list[bytes], bytes]:
    """Return the segments between SOI and SOS (less APP0 JFIF) and everything from SOS on."""
    pos, segments = 2, []
    while data[pos + 1] != 0xDA:
        end = pos + 2 + struct.unpack_from(">H", data, pos + 2)[0]
        if data[pos + 1] != 0xE0:
            segments.append(data[pos:end])
        pos = end
    return segments, data[pos:]


def _thumbnail_picture(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
    """Draw a different small picture: the uncropped original a thumbnail can betray."""
    image = Image.new("RGB", size, colour)
    w, h = size
    ImageDraw.Draw(image).ellipse((w // 4, h // 6, 3 * w // 4, 5 * h // 6), (235, 190, 160))
    return image


def _jumbf(label: str, payload: bytes) -> bytes:
    """Return an APP11 JPEG XT payload holding a C2PA-labelled JUMBF superbox."""

    def box(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", 8 + len(data)) + kind + data

    uuid = bytes.fromhex("6332706100110010800000aa00389b71")  # c2pa
    superbox = box(b"jumb", box(b"jumd", uuid + b"\x03" + label.encode() + b"\0") + box(b"json", payload))
    return b"JP" + struct.pack(">HI", 1, 1) + superbox


def _extended_xmp(f: _Fields) -> tuple[str, bytes]:
    """Return the GUID and the APP1 payload of an Extended XMP part (XMP spec part 3, 1.1.3.1)."""
    packet = _xmp_packet({}, history=f("xmp-extended.photoshop:History"))
    guid = hashlib.md5(packet, usedforsecurity=False).hexdigest().upper()
    header = b"http://ns.adobe.com/xmp/extension/\0" + guid.encode()
    return guid, header + struct.pack(">II", len(packet), 0) + packet


def _build_jpeg(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, **_) -> bytes:
    image = frames[0]
    thumbnail = _jpeg_plain(_thumbnail_picture((40, 30), (30, 120, 130)), comment=f("thumbnail"))
    ps_thumb = _jpeg_plain(_thumbnail_picture((32, 24), (120, 60, 30)), comment=f("8bim.thumbnail"))
    guid, extended = _extended_xmp(f)
    duplicate = [(270, ASCII, f("exif2.ImageDescription")), (315, ASCII, f("exif2.Artist"))]
    duplicate.append((305, ASCII, f("exif2.Software")))
    head = [
        _segment(0xE1, b"Exif\0\0" + _exif(f, orientation, image.size, thumbnail)),
        _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + _xmp(f, extended_guid=guid)),
        _segment(0xE1, extended),
        _segment(0xE2, b"ICC_PROFILE\0\x01\x01" + icc),
        _segment(0xE4, b"WAVENDOR\0" + f("app4").encode()),
        _segment(0xEB, _jumbf("c2pa", b'{"author": "%s"}' % f("app11.c2pa").encode())),
        _segment(0xED, b"Photoshop 3.0\0" + _8bim(0x0404, _iptc(f)) + _8bim_thumbnail(ps_thumb, (32, 24))),
        _segment(0xFE, f("comment").encode()),
    ]
    tables, scan = _split_jpeg(_jpeg_plain(image))
    late = _segment(0xE1, b"Exif\0\0" + _tiff([duplicate]))  # a second EXIF, after the tables
    trailer = b"\0\0WA-TRAILER " + f("trailer").encode()
    return b"\xff\xd8" + b"".join(head + tables) + late + scan + trailer


# --- PNG ----------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return the (type, data) chunks of a PNG, stopping at IEND or at a truncated chunk."""
    pos, chunks = 8, []
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _build_png(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, **_) -> bytes:
    image = frames[0]
    options = {"compress_level": 1}
    if len(frames) > 1:
        options |= {"save_all": True, "append_images": frames[1:], "duration": [100, 200, 300]}
        options |= {"loop": 0, "default_image": False}
    base = _encode(image, "PNG", **options)
    y, mo, d, h, mi, s = map(int, re.split("[: ]", canary_date("png.tIME", f.seed)))
    head = [
        _chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc)),
        _chunk(b"eXIf", _exif(f, orientation, image.size)),
        _chunk(b"tEXt", b"Author\0" + f("png.tEXt.Author").encode()),
        _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(f("png.zTXt.Comment").encode())),
        _chunk(b"iTXt", b"Title\0\0\0en\0Titel\0" + f("png.iTXt.Title").encode()),
        _chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + _xmp(f)),
        _chunk(b"tIME", struct.pack(">HBBBBB", y, mo, d, h, mi, s)),
        _chunk(b"prVt", b"WAVENDOR\0" + f("png.prVt").encode()),
    ]
    description = zlib.compress(f("png.iTXt.Description").encode())
    tail = [
        _chunk(b"iTXt", b"Description\0\x01\0en\0\0" + description),  # after IDAT
        _chunk(b"tEXt", b"Source\0" + f("png.tEXt.Source").encode()),
    ]
    chunks = [_chunk(kind, data) for kind, data in png_chunks(base)]
    trailer = b"WA-TRAILER " + f("trailer").encode()
    return base[:8] + chunks[0] + b"".join(head + chunks[1:-1] + tail) + chunks[-1] + trailer


# --- WebP ---------------------------------------------------------------------------------


def riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Return the (fourcc, data) chunks of a WebP RIFF file."""
    pos, chunks = 12, []
    while pos + 8 <= len(data):
        kind, length = struct.unpack_from("<4sI", data, pos)
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + length % 2
    return chunks


def _build_webp(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, lossless: bool) -> bytes:
    image = frames[0]
    options = {"lossless": lossless, "quality": 80, "method": 0, "exact": True, "icc_profile": icc}
    options |= {"exif": _exif(f, orientation, image.size), "xmp": _xmp(f)}
    if len(frames) > 1:
        options |= {"save_all": True, "append_images": frames[1:], "duration": [100, 200, 300]}
        options |= {"loop": 0}
    data = _encode(image, "WEBP", **options)
    unknown = b"WAVENDOR\0" + f("webp.WAMD").encode()
    data += b"WAMD" + struct.pack("<I", len(unknown)) + unknown + b"\0" * (len(unknown) % 2)
    return data[:4] + struct.pack("<I", len(data) - 8) + data[8:]


# --- TIFF ---------------------------------------------------------------------------------


def _build_tiff(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, **_) -> bytes:
    pages = []
    for index, image in enumerate(frames):
        pixels = image.tobytes()
        bands = len(image.getbands())
        page = [
            (256, LONG, image.width),
            (257, LONG, image.height),
            (258, SHORT, (8,) * bands),
            (259, SHORT, 1),
            (262, SHORT, 2),
            (273, _BLOB, pixels),
            (274, SHORT, orientation),
            (277, SHORT, bands),
            (278, LONG, image.height),
            (279, LONG, len(pixels)),
            (284, SHORT, 1),
            (285, ASCII, f(f"tiff.PageName.{index + 1}")),
        ]
        if bands == 4:
            page.append((338, SHORT, 2))  # unassociated alpha
        if len(frames) > 1:
            page.append((297, SHORT, (index, len(frames))))
        if index == 0:
            page = [e for e in _exif_ifd0(f, orientation, image.size) if e[0] != 274] + page
            page.append((269, ASCII, f("tiff.DocumentName")))
            page.append((700, BYTE, _xmp(f)))
            page.append((33723, UNDEFINED, _iptc(f)))
            page.append((34377, BYTE, _8bim(0x0404, _iptc(f, "8bim.iptc"))))
            page.append((34675, UNDEFINED, icc))
        pages.append(page)
    return _tiff(pages)


# --- GIF ----------------------------------------------------------------------------------


def _subblocks(data: bytes) -> bytes:
    pieces = [data[i : i + 255] for i in range(0, len(data), 255)]
    return b"".join(bytes([len(piece)]) + piece for piece in pieces) + b"\0"


def _gif_header_end(data: bytes) -> int:
    """Return where the global colour table ends: the first place an extension may go."""
    flags = data[10]
    return 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)


def _build_gif(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, **_) -> bytes:
    options = {"comment": f("comment"), "loop": 0, "optimize": False, "disposal": 2}
    if len(frames) > 1:
        options |= {"save_all": True, "append_images": frames[1:], "duration": [80, 160, 240]}
    base = _encode(frames[0], "GIF", **options)
    magic = bytes([1, *range(255, -1, -1), 0])  # XMP spec part 3: the 258-byte magic trailer
    w, h = frames[0].size
    extensions = [
        b"!\xff\x0bXMP DataXMP" + _xmp(f) + magic,
        b"!\xff\x0bMGK8BIM0000" + _subblocks(_8bim(0x0404, _iptc(f))),
        b"!\xff\x0bICCRGBG1012" + _subblocks(icc),
        b"!\x01\x0c" + struct.pack("<4H4B", 0, 0, w, h, 8, 16, 1, 0) + _subblocks(f("gif.plaintext").encode()),
    ]
    cut = _gif_header_end(base)
    trailer = b"WA-TRAILER " + f("trailer").encode()
    return base[:cut] + b"".join(extensions) + base[cut:] + trailer


# --- HEIC ---------------------------------------------------------------------------------


def _build_heic(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, lossless: bool) -> bytes:
    # pillow-heif keeps the given pixels and turns the EXIF Orientation into irot/imir boxes
    # (libheif's image_orientation encoding option); it also leaves the EXIF tag as written.
    # On open, libheif applies irot/imir, so Pillow sees the upright image and pillow-heif
    # resets the EXIF orientation it reports to 1 (keeping the original in
    # info["original_orientation"]). A viewer must not apply the EXIF tag a second time:
    # HEIF says irot/imir rule. So with stored = inverse(upright), a correct viewer shows upright.
    import pillow_heif

    pillow_heif.register_heif_opener()
    image = frames[0]
    exif = b"Exif\0\0" + _exif(f, orientation, image.size)  # as phones write it; exifread needs it
    return _encode(image, "HEIF", quality=-1 if lossless else 80, exif=exif, xmp=_xmp(f), icc_profile=icc)


# --- PDF ----------------------------------------------------------------------------------


def _pdf_date(f: _Fields, name: str) -> str:
    y, mo, d, h, mi, s = re.split("[: ]", canary_date(name, f.seed))
    return f.text(name, f"D:{y}{mo}{d}{h}{mi}{s}+02'00'")


def _build_pdf(f: _Fields, frames: list[Image.Image], orientation: int, icc: bytes, **_) -> bytes:
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    pdf = pikepdf.new()
    image = frames[0]
    photo = _jpeg_plain(image, exif=b"Exif\0\0" + _tiff([_exif_ifd0(f, 1, image.size, "image.")]))
    xobject = pdf.make_stream(photo, Type=Name.XObject, Subtype=Name.Image, Filter=Name.DCTDecode)
    xobject.Width, xobject.Height, xobject.BitsPerComponent = image.width, image.height, 8
    xobject.ColorSpace = Name.DeviceRGB
    if f.canaries.get("icc.desc"):  # wide_gamut: the photo is tagged with its profile
        xobject.ColorSpace = Array([Name.ICCBased, pdf.make_stream(icc, N=3)])
    xobject.Metadata = pdf.make_stream(_xmp(f, "image.xmp"), Type=Name.Metadata, Subtype=Name.XML)
    thumb = _jpeg_plain(_thumbnail_picture((24, 32), (90, 90, 140)), comment=f("pdf.Thumb"))
    content = b"BT /F1 24 Tf 72 720 Td (Summons) Tj ET\nq 288 0 0 192 72 480 cm /Im0 Do Q\n"
    font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    resources = Dictionary(Font=Dictionary(F1=font), XObject=Dictionary(Im0=xobject))
    note = Dictionary(Type=Name.Annot, Subtype=Name.Text, Rect=[400, 700, 424, 724])
    note.T, note.Contents = String(f("pdf.annot.T")), String(f("pdf.annot.Contents"))
    page = Dictionary(Type=Name.Page, MediaBox=[0, 0, 612, 792], Resources=resources)
    page.Contents = pdf.make_stream(content)
    page.Annots = Array([pdf.make_indirect(note)])
    page.Thumb = pdf.make_stream(thumb, Width=24, Height=32, BitsPerComponent=8, ColorSpace=Name.DeviceRGB)
    page.Thumb.Filter = Name.DCTDecode
    pdf.pages.append(pikepdf.Page(page))
    attachment = b"Witness statement, unredacted: " + f("pdf.attachment").encode()
    name = f("pdf.attachment.name") + ".txt"
    spec = pikepdf.AttachedFileSpec(pdf, attachment, description=f("pdf.attachment.Desc"), filename=name)
    pdf.attachments[name] = spec
    pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String(f"app.alert('{f('pdf.JavaScript')}');"))
    pdf.Root.Metadata = pdf.make_stream(_xmp(f), Type=Name.Metadata, Subtype=Name.XML)
    info = {key: String(f(f"pdf.{key}")) for key in ("Title", "Author", "Subject", "Keywords", "Creator", "Producer")}
    info |= {key: String(_pdf_date(f, f"pdf.{key}")) for key in ("CreationDate", "ModDate")}
    pdf.trailer.Info = pdf.make_indirect(Dictionary(**info))
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True, fix_metadata_version=False)
    return buf.getvalue()


_BUILDERS = {
    "jpeg": _build_jpeg,
    "png": _build_png,
    "webp": _build_webp,
    "tiff": _build_tiff,
    "gif": _build_gif,
    "heic": _build_heic,
    "pdf": _build_pdf,
}


def make_dirty(
    fmt: str,
    orientation: int = 1,
    *,
    animated: bool = False,
    alpha: bool = False,
    wide_gamut: bool = False,
    lossless: bool = True,
    seed: int = 0,
) -> DirtyFile:
    """Build a dirty `fmt` file, its pixels stored for `orientation`, a canary in every field.

    jpeg is always lossy; png, tiff and gif always lossless; `lossless` picks WebP and HEIC
    encoding (HEIC "lossless" still rounds through YCbCr).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if orientation not in range(1, 9) or (orientation != 1 and fmt not in ORIENTATION_FORMATS):
        raise ValueError(f"{fmt} cannot carry orientation {orientation}")
    if animated and fmt not in ANIMATED_FORMATS:
        raise ValueError(f"{fmt} cannot be animated here")
    if alpha and fmt not in ALPHA_FORMATS:
        raise ValueError(f"{fmt} has no alpha here")
    f = _Fields(seed)
    uprights = [_frame(i, "RGBA" if alpha else "RGB") for i in range(3 if animated else 1)]
    stored = [stored_image(image, orientation) for image in uprights]
    icc = _icc(f, wide_gamut)
    data = _BUILDERS[fmt](f, stored, orientation=orientation, icc=icc, lossless=lossless)
    upright = None if fmt == "pdf" else uprights[0]
    return DirtyFile(fmt, data, f.canaries, orientation, upright, animated, len(uprights))


# --- hostile inputs -----------------------------------------------------------------------


def _png_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """Return a 1-bit greyscale PNG whose IDAT inflates to width*height/8 bytes of zeros."""
    row = 1 + width // 8
    rows_per_block = 100
    compressor = zlib.compressobj(9)
    block = bytes(row * rows_per_block)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor forgets its history: each further block of zeros
    # compresses to the same bytes, so the stream is built by repetition, not by deflating.
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    total = row * height
    stream = first + repeat * (height // rows_per_block - 1) + b"\x03\x00"  # empty final block
    stream += struct.pack(">I", (total % 65521) << 16 | 1)  # Adler-32 of `total` zero bytes
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b"")


def _gif_bomb(frames: int = 1000) -> bytes:
    """Return a GIF with a 65535x65535 screen and `frames` full-screen frames of two codes."""
    head = b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    head += b"!\xff\x0bNETSCAPE2.0\x03\x01\0\0\0"
    frame = b"!\xf9\x04\0\0\0\0\0" + b"," + struct.pack("<4HB", 0, 0, 65535, 65535, 0)
    frame += b"\x02\x01\x2c\0"  # LZW minimum code size 2: clear code, end code
    return head + frame * frames + b";"


def _gifar() -> bytes:
    """Return a GIF that is also JavaScript: GIF89a/*…*/=alert(document.domain);/*…*/."""
    head = b"GIF89a/*" + struct.pack("<HBBB", 1, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    comment = b"!\xfe" + _subblocks(b"*/=alert(document.domain);/*")
    image = b"," + struct.pack("<4HB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\0"  # one pixel
    return head + comment + image + b";*/"


def _truncated(data: bytes, marker: bytes) -> bytes:
    """Cut `data` halfway through what follows the last `marker` (the pixel data)."""
    start = data.rfind(marker)
    return data[: start + (len(data) - start) // 2]


def make_hostile() -> dict[str, bytes]:
    """Return hostile inputs by name: truncated files, impostors, polyglots, bombs."""
    html = b"<!DOCTYPE html><html><body><script>alert(document.domain)</script></body></html>\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("statement.txt", (2020, 1, 1, 0, 0, 0)), b"A witness statement.\n")
        z.writestr(zipfile.ZipInfo("run.js", (2020, 1, 1, 0, 0, 0)), b"alert(1);\n")
    jpeg = make_dirty("jpeg").data
    jpeg = jpeg[: jpeg.rfind(b"\xff\xd9") + 2]
    return {
        "empty": b"",
        "truncated-jpeg": _truncated(jpeg, b"\xff\xda"),
        "truncated-png": _truncated(make_dirty("png").data.split(b"IEND")[0], b"IDAT"),
        "truncated-gif": make_dirty("gif", animated=True).data[:-200],
        "truncated-webp": _truncated(make_dirty("webp", lossless=False).data, b"VP8 "),
        "truncated-pdf": _truncated(make_dirty("pdf").data, b"stream"),
        "html-as-jpg": html,
        "svg": b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="96" '
        b'height="64" onload="alert(1)"><script>alert(document.cookie)</script>'
        b'<rect width="96" height="64" fill="red"/></svg>\n',
        "js": b"fetch('/api/documents').then(r => r.text())\n  .then(t => navigator.sendBeacon('/x', t));\n",
        "zip": archive.getvalue(),
        "png-bomb": _png_bomb(),
        "gif-bomb": _gif_bomb(),
        "jpeg-html-polyglot": _jpeg_plain(upright_image()) + html,
        "gifar-polyglot": _gifar(),
        "pdf-with-js-only-header": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n/OpenAction << /S /JavaScript "
        b"/JS (app.alert(1)) >>\n<script>alert(1)</script>\n" + bytes(range(256)) * 4,
    }


# --- finding canaries ---------------------------------------------------------------------


def _inflate(data: bytes, limit: int = 1 << 24) -> bytes:
    try:
        return zlib.decompressobj().decompress(data, limit)
    except zlib.error:
        return b""


def _png_texts(data: bytes) -> list[bytes]:
    found = []
    for kind, body in png_chunks(data):
        keyword, _, rest = body.partition(b"\0")
        if kind in (b"zTXt", b"iCCP") and rest:
            found.append(_inflate(rest[1:]))
        elif kind == b"iTXt" and len(rest) > 2 and rest[0] == 1:
            found.append(_inflate(rest[2:].split(b"\0", 2)[-1]))
    return found


def _pdf_texts(data: bytes) -> list[bytes]:
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except Exception:  # unreadable: the raw bytes are all there is to search
        return []
    found: list[bytes] = []

    def walk(obj, depth: int = 0) -> None:
        if isinstance(obj, pikepdf.String):
            found.extend((bytes(obj), str(obj).encode("utf-8", "replace")))
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Array | pikepdf.Stream) and depth < 32:
            for child in obj.values() if not isinstance(obj, pikepdf.Array) else obj:
                if isinstance(child, pikepdf.Object) and not child.is_indirect:
                    walk(child, depth + 1)

    with pdf:
        for obj in pdf.objects:
            walk(obj)
            if isinstance(obj, pikepdf.Stream):
                try:
                    found.append(obj.read_bytes())
                except pikepdf.PdfError:
                    found.append(obj.read_raw_bytes())
    return found


def haystack(data: bytes) -> bytes:
    """Return the bytes plus what PNG and PDF compress (zTXt, iTXt, iCCP, streams, strings)."""
    if data.startswith(b"\x89PNG"):
        return b"\n".join([data, *_png_texts(data)])
    if data.startswith(b"%PDF"):
        return b"\n".join([data, *_pdf_texts(data)])
    return data


def leaked_canaries(data: bytes, canaries: dict[str, str]) -> dict[str, str]:
    """Return the canaries found in `data`, as UTF-8 or UTF-16 text, raw or decompressed."""
    hay = haystack(data)
    return {
        name: value
        for name, value in canaries.items()
        if any(value.encode(codec) in hay for codec in ("utf-8", "utf-16-le", "utf-16-be"))
    }
