"""Thumbnails made from the cleaned file, so they can carry nothing the clean file does not."""

from __future__ import annotations

import io

from PIL import Image

from archive.media.raster import fresh

THUMBNAIL_SIZE = (480, 480)


def make_thumbnail(clean: bytes) -> tuple[bytes, str]:
    """Return (bytes, mime) of a thumbnail of a cleaned image (or a video's cleaned poster)."""
    with Image.open(io.BytesIO(clean)) as image:
        image.seek(0)
        frame = fresh(image.convert("RGBA" if _has_alpha(image) else "RGB"))
    frame.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if frame.mode == "RGBA":
        frame.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    frame.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg"


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info
