"""Faces found offline (archive/media/faces.py) on photos made here from the pictures of people that
scikit-image ships inside its package (its `astronaut`, public domain, and `camera`, CC0: one
face looking at us, one turned to the side), labelled by hand, pasted at many sizes, mirrored,
darkened and recompressed onto textured backgrounds of phone-photo size; then obscured
(archive/media/burn.py) and searched again: no face is left to see."""

from __future__ import annotations

import pytest
from PIL import Image

from archive.media import burn, faces
from tests.media import pages
from tests.media.photos import photo, recall


def test_faces_looking_at_us_and_turned_away_are_found_at_every_size():
    found, missed = 0, []
    for seed in range(8):
        image, labels = photo(seed)
        detected = faces.detect(image)
        share = recall(detected, labels)
        found += share * len(labels)
        if share < 1:
            missed.append((seed, labels, [f.box for f in detected]))
    assert found / 24 >= 0.9, missed


def test_a_phone_sized_photo_is_searched_at_a_fraction_and_its_boxes_are_in_its_own_pixels():
    image, labels = photo(21, size=(6000, 4000), people=3, smallest=220)
    assert max(image.size) > faces.MAX_SIDE
    detected = faces.detect(image)
    assert recall(detected, labels) == 1.0, (labels, detected)
    assert all(f.box[0] + f.box[2] <= image.width and f.box[1] + f.box[3] <= image.height for f in detected)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_a_photo_in_grey_with_transparency_or_a_palette_is_searched_too(mode):
    image, labels = photo(3, people=2, smallest=80)
    assert recall(faces.detect(image.convert(mode)), labels) == 1.0


def test_a_page_of_text_and_a_blank_wall_show_no_face():
    page = pages.page(4, size=32).image
    wall = Image.new("RGB", (1200, 900), (180, 170, 160))
    assert faces.remaining(page) == [] and faces.detect(wall) == []


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_obscured_faces_are_no_longer_found(seed):
    image, labels = photo(seed)
    detected = faces.detect(image)
    assert detected
    assert recall(detected, labels) == 1.0
    # the noise is new each time: three copies, each searched again by the stricter detector
    # (over 40 copies the highest score anything in them reached was 0.30, against 0.5; the
    # reviewing detector's 0.2 is sometimes reached by noise, so it is not the check)
    for _ in range(3):
        public = burn.obscure(image, [f.box for f in detected])
        assert faces.remaining(public) == []
