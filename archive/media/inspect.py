"""Find the metadata a file carries: field names for the report, values for the leak check.

The values never leave this process: the sanitiser uses them only to prove that none of them
survives in the cleaned bytes.
"""

from __future__ import annotations

import io
import logging
import re
import struct
from dataclasses import dataclass, field

import exifread

from archive.media.report import Report

MIN_VALUE_LENGTH = 8  # shorter values ("Canon", "2017") could occur in image data by chance
_XMP_PACKET = re.compile(rb"<x:xmpmeta.*?</x:xmpmeta>", re.S)
_XMP_NAME = re.compile(r"<([A-Za-z][\w.-]*:[A-Za-z][\w.-]*)[\s>/]|\s([A-Za-z][\w.-]*:[A-Za-z][\w.-]*)=")
_XMP_TEXT = re.compile(r">([^<>]{8,})<|=\"([^\"]{8,})\"")
_STRUCTURAL_XMP = re.compile(r"^(x|rdf|xml|xmlns|stEvt|stRef):|:(li|Seq|Bag|Alt|Description)$")
_IPTC_NAMES = {
    5: "Object Name",
    25: "Keywords",
    40: "Special Instructions",
    55: "Date Created",
    60: "Time Created",
    80: "By-line",
    85: "By-line Title",
    90: "City",
    92: "Sub-location",
    95: "Province-State",
    101: "Country",
    105: "Headline",
    110: "Credit",
    115: "Source",
    116: "Copyright Notice",
    118: "Contact",
    120: "Caption",
    122: "Writer-Editor",
}
# exifread tags that describe the image structure rather than its maker, place or time
_STRUCTURAL_EXIF = re.compile(
    r"(ImageWidth|ImageLength|BitsPerSample|Compression|PhotometricInterpretation|StripOffsets|"
    r"SamplesPerPixel|RowsPerStrip|StripByteCounts|PlanarConfiguration|ExifImageWidth|"
    r"ExifImageLength|TileWidth|TileLength|TileOffsets|TileByteCounts|SampleFormat|"
    r"ExtraSamples|Predictor|NewSubfileType|FillOrder)$"
)


@dataclass
class Found:
    """Values seen in a file's metadata (kept in memory only, for the leak check)."""

    values: set[str] = field(default_factory=set)

    def add(self, value) -> None:
        text = value.decode("utf-8", "ignore") if isinstance(value, bytes) else str(value)
        for part in re.split(r"[\x00\r\n]+", text):
            part = part.strip()
            if len(part) >= MIN_VALUE_LENGTH and not part.isdigit() and len(set(part)) > 3:
                self.values.add(part)


def inspect_exif(data: bytes, report: Report, found: Found) -> None:
    """Add EXIF, GPS, MakerNote and thumbnail fields that exifread finds."""
    if not data:
        return
    logging.getLogger("exifread").setLevel(logging.CRITICAL)  # it logs parse trouble loudly
    try:
        tags = exifread.process_file(io.BytesIO(data), details=True, extract_thumbnail=True)
    except Exception:  # noqa: BLE001 - a broken EXIF block is still a block we strip
        report.add("unreadable EXIF data", "other")
        return
    for name, value in tags.items():
        if name == "JPEGThumbnail":
            report.add("EXIF thumbnail", "thumbnail")
            continue
        if _STRUCTURAL_EXIF.search(name):
            continue
        report.add(name)
        raw = getattr(value, "values", None)
        if isinstance(raw, str | bytes):
            found.add(raw)
        elif isinstance(raw, list) and name.startswith(("Image XP", "EXIF UserComment")):
            found.add(bytes(v for v in raw if isinstance(v, int) and 0 <= v < 256))


def inspect_xmp(data: bytes, report: Report, found: Found) -> None:
    """Add the properties of every XMP packet in the bytes."""
    for packet in _XMP_PACKET.findall(data):
        text = packet.decode("utf-8", "replace")
        for element, attribute in _XMP_NAME.findall(text):
            name = element or attribute
            if not _STRUCTURAL_XMP.search(name):
                report.add(f"XMP {name}")
        for inner, quoted in _XMP_TEXT.findall(text):
            found.add(inner or quoted)
    if b"http://ns.adobe.com/xmp/extension/" in data:
        report.add("Extended XMP", "other")


def inspect_iptc(block: bytes, report: Report, found: Found) -> None:
    """Add IPTC datasets from a Photoshop/IPTC block (record 2)."""
    pos = 0
    while True:
        pos = block.find(b"\x1c\x02", pos)
        if pos < 0 or pos + 5 > len(block):
            return
        dataset = block[pos + 2]
        (length,) = struct.unpack(">H", block[pos + 3 : pos + 5])
        value = block[pos + 5 : pos + 5 + length]
        if dataset in _IPTC_NAMES:
            report.add(f"IPTC {_IPTC_NAMES[dataset]}")
            found.add(value)
        pos += 5 + length


def inspect_text(values: dict, prefix: str, report: Report, found: Found) -> None:
    """Add text fields (PNG text chunks, GIF comments, PDF document info)."""
    for key, value in values.items():
        report.add(f"{prefix} {key}".strip())
        found.add(value)
