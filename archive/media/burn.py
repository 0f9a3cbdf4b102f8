"""Regions of a picture made unreadable for good: redacted words burned out, faces obscured.

Both work on decoded pixels and return new pixels, to be encoded afresh by the caller: no layer,
no annotation, nothing a viewer could lift off, and nothing of the covered pixels left in what
is written. A burned word is a solid fill of its box grown by a margin (a glyph's ascenders and
descenders, and the half-pixels of a worn scan, reach past the box OCR draws). An obscured
region is cut into a few coarse cells, each the mean of its pixels plus noise from the
system's random source: unlike a Gaussian blur, which a deconvolution can partly undo, nothing
of the region's detail is kept to undo, and the noise is kept nowhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
from PIL import Image

from archive.media.raster import ALPHA, workable

Box = tuple[int, int, int, int]  # left, top, width, height in the picture's pixels
MARGIN = 0.2  # of a box's height, on every side
CELLS = 6  # an obscured region is at most this many cells across its longer side
NOISE = 48  # largest change noise makes to a cell's value (0-255)


def grown(box: Box, size: tuple[int, int], margin: float = MARGIN) -> tuple[int, int, int, int]:
    """The box grown by `margin` of its height on every side (at least 2 pixels), clipped to
    the picture: (left, top, right, bottom); a box of no size stays of no size."""
    left, top, width, height = box
    if width <= 0 or height <= 0:
        return (0, 0, 0, 0)
    pad = max(2, round(height * margin))
    return (
        max(0, left - pad),
        max(0, top - pad),
        min(size[0], left + width + pad),
        min(size[1], top + height + pad),
    )


def burn(image: Image.Image, boxes: Iterable[Box], margin: float = MARGIN) -> Image.Image:
    """A copy of the picture with every box (grown) filled solid, opaque black."""
    out = workable(image).copy()
    bands = len(out.getbands())
    black = (0,) * (bands - 1) + (255,) if out.mode in ALPHA else (0 if bands == 1 else (0,) * bands)
    for box in boxes:
        left, top, right, bottom = grown(box, out.size, margin)
        if right > left and bottom > top:
            out.paste(black, (left, top, right, bottom))
    return out


def obscure(image: Image.Image, boxes: Iterable[Box], margin: float = MARGIN, cells: int = CELLS) -> Image.Image:
    """A copy of the picture with every box (grown) replaced by coarse cells of noisy colour."""
    out = workable(image, ("L", "RGB", *ALPHA))  # eight bits a channel: the noise is of that scale
    pixels = np.array(out)
    alpha = out.mode in ALPHA
    rng = np.random.default_rng(int.from_bytes(os.urandom(16), "big"))  # kept nowhere
    for box in boxes:
        left, top, right, bottom = grown(box, out.size, margin)
        if right <= left or bottom <= top:
            continue
        region = pixels[top:bottom, left:right].astype(np.int16)
        side = max(1, -(-max(right - left, bottom - top) // cells))  # a cell's side in pixels
        for y in range(0, bottom - top, side):
            for x in range(0, right - left, side):
                cell = region[y : y + side, x : x + side]
                mean = cell.reshape(-1, *cell.shape[2:]).mean(axis=0)
                noise = rng.integers(-NOISE, NOISE + 1, size=np.shape(mean))
                cell[...] = np.clip(np.round(mean) + noise, 0, 255)
        if alpha:
            region[..., -1] = 255  # opaque: nothing of what lay under it shows through
        pixels[top:bottom, left:right] = region.astype(pixels.dtype)
    return Image.fromarray(pixels)
