"""Large photos and PDFs of photos: the archive against `mat2` and `exiftool -all=`, in one run.

    .venv/bin/python benchmarks/large_media.py [--photos 20] [--pdfs 10] [--seed 3]

Photos of 12 to 48 megapixels as phones write them (benchmarks/photos.py: natural-looking
scenes, EXIF with make, model, software, serial number, lens, times and GPS; JPEG mostly, with
appended depth maps, and WebP, HEIC, PNG, TIFF), and PDFs of one to three such photos, as a
scanner app or a "print to PDF" writes them: the photo's JPEG kept whole with its EXIF behind
`/DCTDecode`, `[/DCTDecode]` or `[/FlateDecode /DCTDecode]`, an author, creator and producer in
the document information. Each tool cleans each file in its own process; per tool: files per
second, files refused or failed (all are legitimate: a refusal is a false refusal), files
still carrying a metadata value (as bytes, or inside an inflated PDF stream), and the peak
memory of the process tree.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cleaners import Tally, available_tools, fresh  # noqa: E402
from benchmarks.photos import phone_exif, photo, scene  # noqa: E402
from tests.media.dirty import leaked_canaries  # noqa: E402

FILTERS = ("/DCTDecode", "[/DCTDecode]", "[/FlateDecode /DCTDecode]")


@dataclass
class Outcome(Tally):
    leaking: list[str] = field(default_factory=list)


def exif_values(data: bytes) -> dict[str, str]:
    """The words a phone's EXIF holds in this photo (model, serial, lens, software, time)."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
    details = exif.get_ifd(0x8769)
    found = {"model": exif.get(0x0110), "time": exif.get(0x0132), "serial": details.get(0xA431)}
    found["lens"] = details.get(0xA434)
    return {k: str(v) for k, v in found.items() if v}


def scanned_pdf(index: int, seed: int) -> tuple[bytes, dict[str, str]]:
    """A PDF of 1–3 pages, each one phone photo (JPEG with its EXIF) under one of FILTERS."""
    rng = np.random.default_rng(seed * 7919 + index)
    pdf = pikepdf.new()
    canaries = {"author": f"Author-{seed}-{index}-Zarema", "creator": f"ScannerApp-{index}-device-7F3A"}
    for page_number in range(1 + index % 3):
        width, height = ((4032, 3024), (3024, 4032), (2480, 3508))[int(rng.integers(3))]
        buffer = io.BytesIO()
        scene(width, height, rng).save(buffer, "JPEG", quality=90, exif=phone_exif(rng, width, height))
        jpeg = buffer.getvalue()
        canaries |= {f"page {page_number} {k}": v for k, v in exif_values(jpeg).items()}
        kind = FILTERS[(index + page_number) % len(FILTERS)]
        data = zlib.compress(jpeg) if "Flate" in kind else jpeg
        image = pikepdf.Stream(pdf, data)
        image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        image.Width, image.Height, image.BitsPerComponent = width, height, 8
        image.ColorSpace = pikepdf.Name.DeviceRGB
        names = [pikepdf.Name(n) for n in kind.strip("[]").split()]
        image.Filter = names[0] if not kind.startswith("[") else pikepdf.Array(names)
        scale = 595 / width
        content = f"q {595:.2f} 0 0 {height * scale:.2f} 0 0 cm /Im0 Do Q".encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595, height * scale],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
            Contents=pikepdf.Stream(pdf, content),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.docinfo["/Author"] = canaries["author"]
    pdf.docinfo["/Creator"] = canaries["creator"]
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue(), canaries


def build(folder: Path, photos: int, pdfs: int, seed: int) -> list[tuple[Path, dict[str, str]]]:
    items = []
    for index in range(photos):
        fmt, data = photo(index, seed)
        canaries = exif_values(data) if fmt in ("jpeg", "webp") else {}
        path = folder / f"photo-{index:03d}.{ {'jpeg': 'jpg', 'tiff': 'tif'}.get(fmt, fmt) }"
        path.write_bytes(data)
        items.append((path, canaries))
    for index in range(pdfs):
        data, canaries = scanned_pdf(index, seed)
        path = folder / f"scan-{index:03d}.pdf"
        path.write_bytes(data)
        items.append((path, canaries))
    return items


def run(tool: str, items: list[tuple[Path, dict[str, str]]], out: Path) -> Outcome:
    outcome = Outcome(tool)
    for path, canaries in items:
        cleaned = outcome.clean(path, out)
        if cleaned is not None and leaked_canaries(cleaned.read_bytes(), canaries):
            outcome.leaking.append(path.name)
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--pdfs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    tools = available_tools()
    with tempfile.TemporaryDirectory() as tmp:
        items = build(fresh(Path(tmp) / "in"), args.photos, args.pdfs, args.seed)
        megabytes = sum(p.stat().st_size for p, _ in items) / 2**20
        for label, chosen in (("large photos", items[: args.photos]), ("PDFs of photos", items[args.photos :])):
            if not chosen:
                continue
            size = sum(p.stat().st_size for p, _ in chosen) / 2**20
            print(f"\n{label}: {len(chosen)} files, {size:.0f} MB, {sum(len(c) for _, c in chosen)} metadata values")
            print(f"{'tool':9} {'files/s':>8} {'MB/s':>6} {'refused/failed':>15} {'leaking':>8} {'peak MB':>8}")
            outcomes = [run(tool, chosen, fresh(Path(tmp) / f"out-{tool}-{label[0]}")) for tool in tools]
            for o in outcomes:
                print(
                    f"{o.tool:9} {o.files / o.seconds:8.2f} {size / o.seconds:6.1f} {len(o.failed):15d}"
                    f" {len(o.leaking):8d} {o.peak_mb:8.0f}"
                )
            for o in outcomes[1:]:
                print(f"  archive time / {o.tool} time: {outcomes[0].seconds / o.seconds:.2f}")
            for o in outcomes:
                if o.failed or o.leaking:
                    print(f"  {o.tool}: refused or failed {sorted(o.failed)[:6]}, leaking {sorted(o.leaking)[:6]}")
        print(f"\n{megabytes:.0f} MB in all; each file cleaned in a fresh process (cold), one at a time.")


if __name__ == "__main__":
    main()
