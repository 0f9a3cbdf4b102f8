"""Large photos: are ordinary phone photos accepted? The archive's polyglot check against the
whole-file check it replaced (issue 19), in one run.

    .venv/bin/python benchmarks/photos.py [--count 500] [--sanitise 20] [--seed 1] [--jobs 2] [--start 0]

Generates `count` photos of 12 to 48 megapixels with natural-looking content (light falling
across a scene, shapes, texture at several scales, sensor noise), in every raster format the
archive accepts (mostly JPEG of 3 to 15 MB as phones write them: EXIF with make, model, serial,
time and GPS; a second picture after the first, as phones append depth maps; some WebP, HEIC,
PNG and TIFF), and reports for each check how many it refused: every refusal is a false one.
`--sanitise N` also cleans the first N photos whole (decode, strip, re-encode, verify) and
reports seconds per photo and peak memory. Nothing is written to disk.
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.errors import MediaRefused  # noqa: E402
from archive.media.detect import detect  # noqa: E402

# The check this issue replaced: markup anywhere in the file's bytes.
WHOLE_FILE = re.compile(
    rb"<\s*(script|html|svg|iframe|object|embed|body|head|meta|link|style|a\s|img\s|\?php)"
    rb"|<!doctype\s+html|javascript:|vbscript:",
    re.IGNORECASE,
)
SIZES = ((4000, 3000), (4032, 3024), (4624, 3472), (5184, 3888), (6000, 4000), (8000, 6000), (7680, 4320))
FORMATS = ("jpeg",) * 14 + ("webp", "heic", "png", "tiff")


def scene(width: int, height: int, rng: np.random.Generator) -> Image.Image:
    """A photo-like picture: a lit gradient, soft shapes, texture at several scales, noise."""
    y, x = np.mgrid[0:height:8, 0:width:8].astype(np.float32)
    small = np.stack(
        [
            120
            + 80 * np.sin(x / rng.uniform(200, 900) + rng.uniform(0, 6)) * np.cos(y / rng.uniform(200, 900))
            + rng.uniform(-40, 40)
            for _ in range(3)
        ],
        axis=-1,
    )
    for scale in (4, 16, 64):
        field = rng.normal(0, 18, (small.shape[0] // scale + 2, small.shape[1] // scale + 2, 3))
        field = np.asarray(Image.fromarray(field.astype(np.float32)[..., 0]).resize(small.shape[1::-1]))
        small += field[..., None]
    base = Image.fromarray(np.clip(small, 0, 255).astype(np.uint8)).resize((width, height), Image.BICUBIC)
    # sensor noise: a tile of it repeated (as fine-grained as a whole field, much faster to make)
    tile = Image.fromarray(rng.integers(0, 256, size=(509, 509, 3), dtype=np.uint8))
    grain = Image.new("RGB", (width, height))
    for top in range(0, height, 509):
        for left in range(0, width, 509):
            grain.paste(tile, (left, top))
    return Image.blend(base, grain, 0.06)


def phone_exif(rng: np.random.Generator, width: int, height: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x0110] = f"iPhone {rng.integers(11, 16)} Pro"
    exif[0x0131] = "17.1.2"
    exif[0x0132] = "2017:04:02 21:14:07"
    exif[0x0112] = 1
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2017:04:02 21:14:07"
    details[0xA431] = f"{rng.integers(10**9, 10**10)}"  # body serial number
    details[0xA434] = "iPhone back triple camera 6.86mm f/1.78"
    details[0xA002], details[0xA003] = width, height
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (43.0, 19.0, float(rng.integers(0, 5999)) / 100)
    gps[3], gps[4] = "E", (45.0, 41.0, float(rng.integers(0, 5999)) / 100)
    return exif


def photo(index: int, seed: int) -> tuple[str, bytes]:
    rng = np.random.default_rng(seed * 100_003 + index)
    fmt = FORMATS[index % len(FORMATS)]
    width, height = SIZES[rng.integers(len(SIZES))] if fmt != "heic" else SIZES[1]  # phones' HEIC: 12 MP
    if rng.random() < 0.3:
        width, height = height, width  # portrait
    image = scene(width, height, rng)
    exif = phone_exif(rng, width, height)
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.save(buffer, "JPEG", quality=int(rng.integers(88, 97)), exif=exif, subsampling=int(rng.integers(0, 3)))
        if index % 3 == 0:  # a depth map after the picture, as phones append them
            depth = image.resize((width // 8, height // 8)).convert("L")
            depth.save(buffer, "JPEG", quality=90)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=90, exif=exif)
    elif fmt == "heic":
        from pillow_heif import register_heif_opener

        register_heif_opener()
        image.save(buffer, "HEIF", quality=90, exif=exif)
    elif fmt == "png":
        image.resize((width // 2, height // 2)).save(buffer, "PNG", exif=exif, compress_level=1)
    else:
        image.resize((width // 2, height // 2)).save(buffer, "TIFF", compression="tiff_deflate", exif=exif)
    return fmt, buffer.getvalue()


def _attempt(step, data: bytes) -> tuple[str, float]:
    """(the refusal's message or "", seconds taken)."""
    started = time.perf_counter()
    try:
        step(data)
    except MediaRefused as refused:
        return str(refused), time.perf_counter() - started
    return "", time.perf_counter() - started


def judge(args: tuple[int, int, bool]) -> dict:
    index, seed, clean = args
    fmt, data = photo(index, seed)
    result = {"fmt": fmt, "bytes": len(data), "whole_file_refused": bool(WHOLE_FILE.search(data))}
    result["archive_refused"], result["detect_s"] = _attempt(detect, data)
    if clean and not result["archive_refused"]:
        from archive.media import sanitise

        result["sanitise_error"], result["sanitise_s"] = _attempt(sanitise, data)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--sanitise", type=int, default=0, help="clean the first N photos whole too")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first photo's number (to split a run)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    started = time.perf_counter()
    work = [(i, args.seed, i - args.start < args.sanitise) for i in range(args.start, args.start + args.count)]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(judge, work, chunksize=4))
    jpegs = [r["bytes"] / 1e6 for r in results if r["fmt"] == "jpeg"]
    print(f"{len(results)} photos in {time.perf_counter() - started:.0f} s ({args.jobs} processes)")
    print(f"JPEG sizes {min(jpegs):.1f}–{max(jpegs):.1f} MB, median {sorted(jpegs)[len(jpegs) // 2]:.1f} MB")
    print("\n| format | photos | refused by the archive | refused by the whole-file check |\n|---|---|---|---|")
    for fmt in sorted({r["fmt"] for r in results}):
        mine = [r for r in results if r["fmt"] == fmt]
        ours = sum(bool(r["archive_refused"]) for r in mine)
        theirs = sum(r["whole_file_refused"] for r in mine)
        print(f"| {fmt} | {len(mine)} | {ours} | {theirs} |")
    ours = sum(bool(r["archive_refused"]) for r in results)
    theirs = sum(r["whole_file_refused"] for r in results)
    print(f"| **all** | {len(results)} | **{ours}** | {theirs} |")
    detect_ms = sorted(1000 * r["detect_s"] for r in results)
    print(f"\npolyglot and type check: median {detect_ms[len(detect_ms) // 2]:.1f} ms, max {detect_ms[-1]:.1f} ms")
    cleaned = [r for r in results if "sanitise_s" in r]
    if cleaned:
        failures = [r["sanitise_error"] for r in cleaned if r["sanitise_error"]]
        seconds = sorted(r["sanitise_s"] for r in cleaned)
        median = seconds[len(seconds) // 2]
        peak = max(r["peak_mb"] for r in results)
        print(
            f"cleaned whole: {len(cleaned)} photos, {len(failures)} refused, median {median:.1f} s, "
            f"max {seconds[-1]:.1f} s; peak memory of a worker {peak:.0f} MB"
        )
        for failure in failures[:5]:
            print("  refused:", failure)
    for r in results:
        if r["archive_refused"]:
            print("false refusal:", r["fmt"], r["archive_refused"])


if __name__ == "__main__":
    main()
