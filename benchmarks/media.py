"""Media sanitiser benchmark: the archive against `exiftool -all=` and `mat2`, in one run.

    .venv/bin/python benchmarks/media.py [--files 210] [--out benchmarks/out/media]

Generates a mixed set of dirty files (tests/media/dirty.py: every metadata field a canary, all
eight orientations, animations, transparency, wide-gamut profiles, seven formats), cleans it with
each tool, and reports per tool: files per second, files it failed on, canaries and metadata tags
left (tags read back with exiftool), orientation errors, colour shifts, lost frames, and pixel
fidelity (PSNR against what a correct viewer shows). Hostile files are run through each tool too.
exiftool and mat2 come from Debian (`apt-get install libimage-exiftool-perl mat2`); a missing
tool is skipped with a message.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, ImageSequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.errors import MediaRefused  # noqa: E402
from archive.media import sanitise  # noqa: E402
from archive.media.raster import psnr  # noqa: E402
from tests.media import dirty  # noqa: E402  (the same dirty files the tests use)

STRUCTURAL_TAGS = {
    "ImageWidth", "ImageHeight", "BitsPerSample", "Compression", "PhotometricInterpretation",
    "StripOffsets", "SamplesPerPixel", "RowsPerStrip", "StripByteCounts", "PlanarConfiguration",
    "XResolution", "YResolution", "ResolutionUnit", "ExtraSamples", "Predictor", "SubfileType",
    "SampleFormat", "BitDepth", "ColorType", "Filter", "Interlace", "Transparency",
    "BackgroundColor", "AnimationIterations", "FrameCount", "Duration", "GIFVersion",
    "HasColorMap", "ColorResolutionDepth", "PixelAspectRatio", "Gamma", "SRGBRendering",
    "WhitePointX", "WhitePointY", "RedX", "RedY", "GreenX", "GreenY", "BlueX", "BlueY",
    "VP8Version", "HorizontalScale", "VerticalScale", "AlphaPreprocessing", "AlphaFiltering",
    "AlphaCompression", "WebP_Flags", "Linearized", "PDFVersion", "PageCount",
    "JFIFVersion", "ThumbnailWidth",
    "ThumbnailHeight", "DCTEncodeVersion", "APP14Flags0", "APP14Flags1", "ColorTransform",
    "AnimationLoopCount", "HandlerType", "PrimaryItemReference",
    "ImagePixelDepth", "ImageSpatialExtent", "HEVCConfigurationVersion", "MajorBrand",
    "MinorVersion", "CompatibleBrands", "Version", "CurrentIPTCDigest", "BitsPerPixel",
    "TransparentColor", "AnimationFrames", "AnimationPlays",
}  # fmt: skip
NEUTRAL_GROUPS = {"ExifTool", "System", "File", "Composite", "JFIF", "APP14"}
WIDE_GAMUT: set[Path] = set()  # files whose colours must be converted, not just relabelled


@dataclass
class Outcome:
    tool: str
    seconds: float = 0.0
    files: int = 0
    failed: list[str] = field(default_factory=list)
    canaries_left: int = 0
    files_leaking: int = 0
    tags_left: int = 0
    orientation_errors: int = 0
    colour_shifts: int = 0
    lost_frames: int = 0
    psnrs: list[float] = field(default_factory=list)
    hostile_accepted: list[str] = field(default_factory=list)


def build_set(count: int, folder: Path) -> list[tuple[Path, object]]:
    """Write `count` dirty files covering every format, orientation and variant."""
    files = []
    n = 0
    while len(files) < count:
        fmt = dirty.FORMATS[n % len(dirty.FORMATS)]
        orientation = 1 + (n // len(dirty.FORMATS)) % 8 if fmt in dirty.ORIENTATION_FORMATS else 1
        options = {}
        if fmt in dirty.ANIMATED_FORMATS and n % 3 == 0:
            options["animated"] = True
        if fmt in dirty.ALPHA_FORMATS and n % 4 == 1:
            options["alpha"] = True
        if fmt in ("jpeg", "png", "webp", "tiff", "heic") and n % 5 == 2:
            options["wide_gamut"] = True
        if fmt in ("jpeg", "webp") and n % 7 == 3:
            options["lossless"] = False
        try:
            item = dirty.make_dirty(fmt, orientation, seed=n, **options)
        except ValueError:
            n += 1
            continue
        path = folder / f"{n:04d}-{fmt}-o{orientation}{item.suffix}"
        path.write_bytes(item.data)
        if options.get("wide_gamut"):
            WIDE_GAMUT.add(path)
        files.append((path, item))
        n += 1
    return files


def expected_view(item) -> Image.Image | None:
    """What a correct viewer shows: decoded, orientation applied, converted to sRGB."""
    if item.fmt == "pdf":
        return None
    if item.fmt == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(item.data)) as image:
        view = ImageOps.exif_transpose(image)
        icc = image.info.get("icc_profile")
        if icc:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            view = ImageCms.profileToProfile(view.convert("RGB"), profile, srgb, outputMode="RGB")
        return view.convert("RGB")


def viewer(data: bytes) -> tuple[Image.Image, int]:
    """Decode as a browser would (remaining orientation applied); return the first frame."""
    if data[4:12] in (b"ftypheic", b"ftypmif1"):
        import pillow_heif

        pillow_heif.register_heif_opener()
    with Image.open(io.BytesIO(data)) as image:
        frames = sum(1 for _ in ImageSequence.Iterator(image))
        image.seek(0)
        view = ImageOps.exif_transpose(image)
        icc = image.info.get("icc_profile")
        if icc:
            try:
                profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                srgb = ImageCms.createProfile("sRGB")
                view = ImageCms.profileToProfile(view.convert("RGB"), profile, srgb, outputMode="RGB")
            except ImageCms.PyCMSError:
                pass
        return view.convert("RGB"), frames


def orientation_wrong(view: Image.Image, expected: Image.Image) -> bool:
    """True when some other of the eight orientations matches the expected view better."""

    def score(candidate):
        return psnr(candidate, expected) if candidate.size == expected.size else -1.0

    return max(score(view.transpose(t)) for t in Image.Transpose) > score(view) + 1


def run_archive(files, out_dir: Path) -> Outcome:
    outcome = Outcome("archive (in-process)")
    outputs = {}
    started = time.perf_counter()
    for path, _item in files:
        try:
            clean = sanitise(path.read_bytes(), source=path.name)
        except MediaRefused as exc:
            outcome.failed.append(f"{path.name}: {exc}")
            continue
        target = out_dir / f"{path.stem}.{clean.media_type.ext}"
        target.write_bytes(clean.data)
        outputs[path] = target
    outcome.seconds = time.perf_counter() - started
    outcome.files = len(files)
    return outcome, outputs


def run_per_file(name: str, command, files, out_dir: Path) -> tuple[Outcome, dict]:
    outcome = Outcome(name)
    outputs = {}
    started = time.perf_counter()
    for path, _item in files:
        target = command(path, out_dir)
        if target is None or not target.exists():
            outcome.failed.append(path.name)
            continue
        outputs[path] = target
    outcome.seconds = time.perf_counter() - started
    outcome.files = len(files)
    return outcome, outputs


def exiftool_one(path: Path, out_dir: Path) -> Path | None:
    target = out_dir / path.name
    result = subprocess.run(
        ["exiftool", "-q", "-q", "-all=", "-o", str(target), str(path)],
        capture_output=True,
        check=False,
    )
    return target if result.returncode == 0 else None


def mat2_one(path: Path, out_dir: Path) -> Path | None:
    work = out_dir / path.name
    shutil.copy(path, work)
    result = subprocess.run(["mat2", "--inplace", str(work)], capture_output=True, check=False)
    return work if result.returncode == 0 else None


def read_tags(paths: list[Path]) -> dict[str, list[str]]:
    """Return, per file, the metadata tags exiftool still reads (structural ones left out)."""
    if not paths or not shutil.which("exiftool"):
        return {}
    result = subprocess.run(
        ["exiftool", "-j", "-a", "-G1", "-q", "-q", *map(str, paths)],
        capture_output=True,
        check=False,
    )
    found = {}
    for record in json.loads(result.stdout or b"[]"):
        tags = []
        for key in record:
            group, _, name = key.partition(":")
            if not name or group in NEUTRAL_GROUPS or name in STRUCTURAL_TAGS:
                continue
            if group.startswith(("PNG", "RIFF", "GIF", "QuickTime", "PDF")) and name in (
                "ImageWidth",
                "ImageHeight",
                "Warning",
                "Encryption",
            ):
                continue
            tags.append(key)
        found[record["SourceFile"]] = tags
    return found


def score(outcome: Outcome, files, outputs: dict) -> None:
    tags = read_tags(list(outputs.values()))
    for path, item in files:
        target = outputs.get(path)
        if target is None:
            continue
        data = target.read_bytes()
        leaked = dirty.leaked_canaries(data, item.canaries)
        outcome.canaries_left += len(leaked)
        outcome.files_leaking += bool(leaked)
        outcome.tags_left += len(tags.get(str(target), []))
        expected = expected_view(item)
        if expected is None:
            continue
        try:
            view, frames = viewer(data)
        except Exception:  # noqa: BLE001 - an undecodable output counts as a failure
            outcome.failed.append(f"{path.name}: output does not decode")
            continue
        if frames < item.frames:
            outcome.lost_frames += 1
        if orientation_wrong(view, expected):
            outcome.orientation_errors += 1
            continue
        value = psnr(view, expected)
        outcome.psnrs.append(value)
        if path in WIDE_GAMUT and value < 35:
            outcome.colour_shifts += 1


_SUFFIXES = (
    ("png", ".png"),
    ("gif", ".gif"),
    ("webp", ".webp"),
    ("pdf", ".pdf"),
    ("svg", ".svg"),
    ("zip", ".zip"),
    ("js", ".js"),
)


def hostile(outcome: Outcome, command, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in dirty.make_hostile().items():
        # named as what they pretend to be, as an uploader would
        suffix = next((s for key, s in _SUFFIXES if key in name), ".jpg")
        path = folder / f"{name}{suffix}"
        path.write_bytes(data)
        with tempfile.TemporaryDirectory() as out:
            if command(path, Path(out)) is not None:
                outcome.hostile_accepted.append(name)


def archive_hostile(outcome: Outcome) -> None:
    for name, data in dirty.make_hostile().items():
        try:
            sanitise(data, source=name)
        except MediaRefused:
            continue
        outcome.hostile_accepted.append(name)


def table(outcomes: list[Outcome], count: int) -> str:
    head = (
        "| tool | files/s | ms/file | failed | canaries left (files) | tags left | "
        "orientation errors | colour shifts | lost frames | PSNR min / median dB | "
        "hostile accepted |"
    )
    lines = [head, "|" + "---|" * 11]
    for o in outcomes:
        rate = o.files / o.seconds if o.seconds else math.inf
        finite = [p for p in o.psnrs if math.isfinite(p)]
        low = f"{min(o.psnrs):.1f}" if o.psnrs else "–"
        median = statistics.median(o.psnrs) if o.psnrs else math.nan
        med = "∞" if math.isinf(median) else (f"{median:.1f}" if finite or o.psnrs else "–")
        lines.append(
            f"| {o.tool} | {rate:.1f} | {1000 * o.seconds / max(o.files, 1):.1f} | "
            f"{len(o.failed)} | {o.canaries_left} ({o.files_leaking}) | {o.tags_left} | "
            f"{o.orientation_errors} | {o.colour_shifts} | {o.lost_frames} | {low} / {med} | "
            f"{len(o.hostile_accepted)} of {len(dirty.make_hostile())} |"
        )
    lines.append(f"\n{count} dirty files; PSNR against what a correct viewer shows (∞: identical).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=210)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "media")
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    inputs = args.out / "dirty"
    inputs.mkdir(parents=True)
    files = build_set(args.files, inputs)
    formats = sorted({item.fmt for _, item in files})
    print(f"{len(files)} dirty files in {len(formats)} formats: {', '.join(formats)}")

    outcomes = []
    archive_out = args.out / "archive"
    archive_out.mkdir()
    outcome, outputs = run_archive(files, archive_out)
    score(outcome, files, outputs)
    archive_hostile(outcome)
    outcomes.append(outcome)

    for name, binary, command in (
        ("exiftool -all= (per file)", "exiftool", exiftool_one),
        ("mat2 (per file)", "mat2", mat2_one),
    ):
        if not shutil.which(binary):
            print(
                f"skipping {name}: `{binary}` is not installed (apt-get install "
                f"{'libimage-exiftool-perl' if binary == 'exiftool' else 'mat2'})"
            )
            continue
        out = args.out / binary
        out.mkdir()
        outcome, outputs = run_per_file(name, command, files, out)
        score(outcome, files, outputs)
        hostile(outcome, command, args.out / f"{binary}-hostile")
        outcomes.append(outcome)

    print(table(outcomes, len(files)))
    ours = outcomes[0].seconds / max(outcomes[0].files, 1)
    for other in outcomes[1:]:
        theirs = other.seconds / max(other.files, 1)
        print(f"archive is {theirs / ours:.0f}× faster per file than {other.tool}")
    for o in outcomes:
        if o.failed:
            print(f"{o.tool} failed on: " + "; ".join(o.failed[:8]) + (" …" if len(o.failed) > 8 else ""))
        if o.hostile_accepted:
            print(f"{o.tool} accepted hostile files: {', '.join(o.hostile_accepted)}")


if __name__ == "__main__":
    main()
