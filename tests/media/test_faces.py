"""Faces found offline (archive/media/faces.py) on photos made here from the pictures of people that
scikit-image ships inside its package (its `astronaut`, public domain, and `camera`, CC0: one
face looking at us, one turned to the side), labelled by hand, pasted at many sizes, mirrored,
darkened and recompressed onto textured backgrounds of phone-photo size; then obscured
(archive/media/burn.py) and searched again: no face is left to see."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter, ImageOps
from skimage import data

from archive.media import burn, faces
from tests.media import pages

# (picture, the face's box in it, drawn by hand: left, top, width, height)
PEOPLE = {"astronaut": (178, 62, 88, 118), "camera": (182, 100, 80, 100)}


def _person(name: str) -> Image.Image:
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
        picture = _person(name).resize((round(512 * scale), round(512 * scale)), Image.Resampling.LANCZOS)
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


def _recall(found: list[faces.Face], labels: list) -> float:
    return sum(any(pages.overlap(f.box, label) > 0.3 for f in found) for label in labels) / len(labels)


def test_faces_looking_at_us_and_turned_away_are_found_at_every_size():
    found, missed = 0, []
    for seed in range(8):
        image, labels = photo(seed)
        detected = faces.detect(image)
        recall = _recall(detected, labels)
        found += recall * len(labels)
        if recall < 1:
            missed.append((seed, labels, [f.box for f in detected]))
    assert found / 24 >= 0.9, missed


def test_a_phone_sized_photo_is_searched_at_a_fraction_and_its_boxes_are_in_its_own_pixels():
    image, labels = photo(21, size=(6000, 4000), people=3, smallest=220)
    assert max(image.size) > faces.MAX_SIDE
    detected = faces.detect(image)
    assert _recall(detected, labels) == 1.0, (labels, detected)
    assert all(f.box[0] + f.box[2] <= image.width and f.box[1] + f.box[3] <= image.height for f in detected)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_a_photo_in_grey_with_transparency_or_a_palette_is_searched_too(mode):
    image, labels = photo(3, people=2, smallest=80)
    assert _recall(faces.detect(image.convert(mode)), labels) == 1.0


def test_a_page_of_text_and_a_blank_wall_show_no_face():
    page = pages.page(4, size=32).image
    wall = Image.new("RGB", (1200, 900), (180, 170, 160))
    assert faces.remaining(page) == [] and faces.detect(wall) == []


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_obscured_faces_are_no_longer_found(seed):
    image, labels = photo(seed)
    detected = faces.detect(image)
    assert detected
    public = burn.obscure(image, [f.box for f in detected])
    assert faces.remaining(public) == []
    assert all(pages.overlap(f.box, label) < 0.1 for f in faces.detect(public) for label in labels)
