"""Pixels with Pillow: guarded opening, orientation, colour conversion, faithful re-encoding.

Threat: decompression bombs (a small file that decodes to gigabytes) and corrupt files that
crash or hang decoders. Dimensions are checked from the header before any pixel is decoded.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageCms, ImageFile, ImageSequence, ImageStat

from archive.errors import MediaRefused

MIN_PSNR_DB = 40.0
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_SRGB_COLORANTS = tuple(getattr(_SRGB.profile, f"{c}_colorant")[0] for c in ("red", "green", "blue"))
# EXIF orientation -> the transpose that makes the stored pixels upright
TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 80_000_000  # per frame: a 10,000 × 8,000 scan still passes
    max_frames: int = 2_000
    max_total_pixels: int = 400_000_000  # all frames of an animation together
    max_inflated: int = 256 * 1024 * 1024  # one compressed stream inside a file, inflated
    max_media_seconds: float = 4 * 3600.0  # a recording's duration
    max_video_pixels: int = 8192 * 4320  # per video frame: 8K
    media_memory: int = 2 * 1024**3  # address space of one ffmpeg process
    media_seconds: float = 900.0  # wall-clock time of one ffmpeg process

    @classmethod
    def from_config(cls, config: dict) -> Limits:
        return cls(
            max_bytes=config["MAX_UPLOAD_BYTES"],
            max_pixels=config["MAX_IMAGE_PIXELS"],
            max_inflated=config["MAX_INFLATED_BYTES"],
            max_media_seconds=config["MAX_MEDIA_SECONDS"],
            max_video_pixels=config["MAX_VIDEO_PIXELS"],
            media_memory=config["MEDIA_MEMORY_BYTES"],
            media_seconds=config["MEDIA_SECONDS"],
        )


ALPHA = ("RGBA", "LA")  # the modes whose last band is transparency


def workable(image: Image.Image, modes: tuple[str, ...] = ("1", "L", "RGB", *ALPHA, "I", "I;16", "F")) -> Image.Image:
    """The picture in a mode whose black is black and whose alpha is transparency (not a
    palette's first colour, CMYK's no ink, Lab's A axis): as it is, or as RGB(A); refused in
    a mode Pillow cannot turn into RGB."""
    if image.mode in modes:
        return image
    try:
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    except ValueError as exc:
        raise MediaRefused(f"has pixels in {image.mode}, which cannot be redacted; refused") from exc


def open_checked(data: bytes, limits: Limits) -> Image.Image:
    """Open an image lazily and refuse it before decoding if it is too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise MediaRefused("is a decompression bomb (too many pixels); refused") from exc
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise MediaRefused(f"cannot be read as an image ({type(exc).__name__})") from exc
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaRefused("has no pixels")
    if width * height > limits.max_pixels:
        raise MediaRefused(
            f"is {width} × {height} pixels; the limit is {limits.max_pixels:,} pixels "
            "(a decompression bomb, or a scan too large to process)"
        )
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames or frames * width * height > limits.max_total_pixels:
        raise MediaRefused(f"has {frames} frames of {width} × {height}: too large to process")
    return image


def decode(image: Image.Image) -> Image.Image:
    """Decode pixels, turning decoder failures into a refusal."""
    # A truncated file must fail here, not load half-decoded: another library in the process
    # (WeasyPrint, on import) may have relaxed Pillow's process-wide default.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise MediaRefused(f"is truncated or corrupt ({type(exc).__name__})") from exc
    return image


def fresh(image: Image.Image) -> Image.Image:
    """Return the pixels in a new image that carries no info, tags or profile."""
    clean = image.copy()
    clean.info = {}
    return clean


def upright(image: Image.Image, orientation: int) -> Image.Image:
    """Apply an EXIF orientation to the pixels."""
    for step in TRANSPOSE.get(orientation, ()):
        image = image.transpose(step)
    return image


def is_srgb(icc: bytes | None) -> bool:
    """Return whether a profile is absent or close enough to sRGB to drop without converting."""
    if not icc:
        return True
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile
        if profile.xcolor_space.strip() != "RGB":
            return profile.xcolor_space.strip() == "GRAY"
        colorants = tuple(getattr(profile, f"{c}_colorant")[0] for c in ("red", "green", "blue"))
    except (OSError, TypeError, ValueError, ImageCms.PyCMSError):
        return False
    return all(
        abs(a - b) < 0.01
        for mine, ref in zip(colorants, _SRGB_COLORANTS, strict=True)
        for a, b in zip(mine, ref, strict=True)
    )


def to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert pixels from an embedded profile to sRGB, keeping alpha."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError) as exc:
        raise MediaRefused("has a colour profile that cannot be read") from exc
    alpha = image.getchannel("A") if "A" in image.getbands() else None
    base = image.convert("CMYK" if image.mode == "CMYK" else "RGB")
    try:
        converted = ImageCms.profileToProfile(base, source, _SRGB, outputMode="RGB")
    except ImageCms.PyCMSError as exc:
        raise MediaRefused("has a colour profile that does not fit its pixels") from exc
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Return the peak signal-to-noise ratio between two images of the same size, in dB."""
    a, b = a.convert("RGB"), b.convert("RGB")
    mse = sum(v * v for v in ImageStat.Stat(ImageChops.difference(a, b)).rms) / 3
    return math.inf if mse == 0 else 20 * math.log10(255 / math.sqrt(mse))


def encode_faithfully(reference: Image.Image, save: Callable[[Image.Image, int], bytes]) -> tuple[bytes, float]:
    """Encode lossily at the lowest of a few qualities that keeps ≥ MIN_PSNR_DB; return it."""
    for quality in (92, 95, 98, 100):
        data = save(reference, quality)
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        score = psnr(reference, decoded)
        if score >= MIN_PSNR_DB:
            return data, score
    raise MediaRefused(f"cannot be re-encoded faithfully (PSNR {score:.1f} dB)")


def save_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    fresh(image.convert("RGB") if image.mode not in ("RGB", "L") else image).save(
        out, "JPEG", quality=quality, subsampling=0, optimize=True
    )
    return out.getvalue()


def frames(image: Image.Image) -> list[Image.Image]:
    """Return every frame, decoded."""
    return [frame.copy() for frame in ImageSequence.Iterator(image)]


def exif_orientation(image: Image.Image) -> int:
    """Return the EXIF orientation Pillow finds (1 when none or invalid)."""
    try:
        value = image.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError):
        return 1
    return value if value in range(1, 9) else 1
