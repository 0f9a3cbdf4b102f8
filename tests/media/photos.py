"""Photos with people in them, made from the pictures of people scikit-image ships inside its
package (its `astronaut`, public domain, and `camera`, CC0: one face looking at us, one turned
to the side), their faces labelled by hand, pasted at many sizes, mirrored, darkened and
recompressed onto textured backgrounds of phone-photo size (tests/media/test_faces.py and
benchmarks/faces_scans.py)."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from skimage import data

from tests.media.pages import overlap

# (picture, the face's box in it, drawn by hand: left, top, width, height)
PEOPLE = {"astronaut": (178, 62, 88, 118), "camera": (182, 100, 80, 100)}


def person(name: str) -> Image.Image:
    return Image.fromarray(getattr(data, name)()).convert("RGB")


def photo(seed: int, size=(1600, 1200), people: int = 3, smallest: int = 48) -> tuple[Image.Image, list]:
    """A photo with `people` pictures of people pasted side by side, and their faces' boxes."""
    rng = random.Random(seed)
    texture = np.random.default_rng(seed).integers(60, 200, size=(size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    canvas = Image.fromarray(texture).resize(size, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    width = size[0] // people
    labels = []
    for n in range(people):
        name = rng.choice(sorted(PEOPLE))
        face = PEOPLE[name]
        scale = rng.uniform(smallest / face[2], min(width, size[1]) / 512)
        picture = person(name).resize((round(512 * scale), round(512 * scale)), Image.Resampling.LANCZOS)
        box = [round(v * scale) for v in face]
        if rng.random() < 0.5:
            picture = ImageOps.mirror(picture)
            box[0] = picture.width - box[0] - box[2]
        picture = ImageEnhance.Brightness(picture).enhance(rng.uniform(0.6, 1.2))
        x = n * width + rng.randint(0, max(0, width - picture.width))
        y = rng.randint(0, max(0, size[1] - picture.height))
        canvas.paste(picture, (x, y))
        labels.append((box[0] + x, box[1] + y, box[2], box[3]))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=rng.randint(60, 90))
    return Image.open(io.BytesIO(out.getvalue())), labels


def recall(found: list, labels: list) -> float:
    """The share of the labelled faces that a found face covers."""
    return sum(any(overlap(f.box, label) > 0.3 for f in found) for label in labels) / len(labels)
