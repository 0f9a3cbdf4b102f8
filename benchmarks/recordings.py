"""Voice notes and video: the archive against `mat2` and `exiftool -all=`, in one run.

    .venv/bin/python benchmarks/recordings.py [--seeds 3] [--large/--no-large] [--out DIR]

Every kind of recording tests/media/recordings.py makes (13 kinds, a canary in every tag,
chapter, track, attachment and cover), once per seed, plus real-size ones made here: a 60 s
1080p phone clip (H.264, about 30 MB, GPS and rotation), a 20 s 1080p HEVC clip from an iPhone
(transcoded by the archive), a 20-minute Opus voice note. Each tool cleans each file in its own
process, as it is used (`archive strip`, `mat2`, `exiftool -all=`); per tool: files per second,
files it failed on or refused (every file is legitimate: a refusal is a false refusal), canaries
left in the bytes, files that no longer decode end to end, sideways clips shown sideways, and
the peak memory of the process and everything it ran. mat2 (which cleans audio and video
through ffmpeg) and exiftool come from Debian; a missing tool is skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.cleaners import Tally, available_tools, fresh  # noqa: E402
from tests.media.dirty import canary, leaked_canaries  # noqa: E402
from tests.media.recordings import RECORDINGS, ROTATED, make_recording, voice  # noqa: E402


@dataclass
class Item:
    path: Path
    canaries: dict[str, str]
    rotated: bool
    size: int


@dataclass
class Outcome(Tally):
    canaries_left: int = 0
    files_leaking: int = 0
    undecodable: int = 0
    sideways: int = 0


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def large_set(folder: Path) -> list[Item]:
    """Real-size recordings as phones and messengers write them."""
    items = []
    tags = {name: canary(f"large-{name}") for name in ("title", "artist", "comment", "make", "model")}
    meta = [arg for name, value in tags.items() for arg in ("-metadata", f"{name}={value}")]
    clip, stage = folder / "large-phone-1080p.mp4", folder / "stage.mp4"
    loop60 = "aloop=loop=-1:size=480000,atrim=duration=60"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=60", *voice(10.0), "-af", loop60,
           "-c:v", "libx264", "-preset", "veryfast", "-b:v", "4M", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-t", "60", str(stage))  # fmt: skip
    place = "+43.3180+045.6985/"
    ffmpeg("-i", str(stage), "-c", "copy", *meta, "-metadata", f"location={place}",
           "-metadata:s:v:0", "rotate=90", str(clip))  # fmt: skip
    items.append(Item(clip, tags | {"location": place}, True, clip.stat().st_size))
    hevc = folder / "large-iphone-hevc.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=20", *voice(10.0), "-af", loop60,
           "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
           "-c:a", "aac", "-shortest", *meta, "-metadata", f"com.apple.quicktime.location.ISO6709={place}",
           "-movflags", "use_metadata_tags", str(hevc))  # fmt: skip
    items.append(Item(hevc, tags | {"location": place}, False, hevc.stat().st_size))
    note = folder / "large-voice-note.ogg"
    # ten seconds of voice looped for twenty minutes (evaluating the voice sample by sample for
    # twenty minutes takes ffmpeg minutes)
    loop = "aloop=loop=-1:size=480000,atrim=duration=1200"
    ffmpeg(*voice(10.0), "-af", loop, "-c:a", "libopus", "-b:a", "48k", *meta, str(note))
    items.append(Item(note, tags, False, note.stat().st_size))
    stage.unlink()
    return items


def small_set(folder: Path, seeds: int) -> list[Item]:
    items = []
    for seed in range(seeds):
        for fmt in sorted(RECORDINGS):
            recording = make_recording(fmt, seed)
            path = folder / f"{seed:02d}-{fmt}{recording.suffix}"
            path.write_bytes(recording.data)
            items.append(Item(path, recording.canaries, fmt in ROTATED, len(recording.data)))
    return items


def decodes(path: Path) -> bool:
    done = subprocess.run(["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"], capture_output=True)
    return done.returncode == 0 and not done.stderr


def shown_sideways(path: Path) -> bool:
    """Whether a clip recorded sideways would play sideways: no rotation and landscape pixels."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
    )
    (stream,) = json.loads(done.stdout)["streams"] or [{}]
    rotated = any(d.get("rotation") for d in stream.get("side_data_list", []))
    return not rotated and stream.get("width", 0) > stream.get("height", 0)


def run(tool: str, items: list[Item], out: Path) -> Outcome:
    outcome = Outcome(tool)
    for item in items:
        cleaned = outcome.clean(item.path, out)
        if cleaned is None:
            continue
        left = leaked_canaries(cleaned.read_bytes(), item.canaries)
        outcome.canaries_left += len(left)
        outcome.files_leaking += bool(left)
        outcome.undecodable += not decodes(cleaned)
        outcome.sideways += item.rotated and shown_sideways(cleaned)
    return outcome


def warm(items: list[Item]) -> float:
    """Files per second of the archive's sanitise() in one warm process (no start-up)."""
    from archive.media import sanitise

    sanitise(items[0].path.read_bytes())  # imports and first use
    start = time.perf_counter()
    for item in items:
        sanitise(item.path.read_bytes())
    return len(items) / (time.perf_counter() - start)


def report(outcomes: list[Outcome], items: list[Item], label: str) -> None:
    megabytes = sum(i.size for i in items) / 2**20
    canaries = sum(len(i.canaries) for i in items)
    print(f"\n{label}: {len(items)} files, {megabytes:.1f} MB, {canaries} canaries")
    header = f"{'tool':9} {'files/s':>8} {'MB/s':>7} {'failed':>7} {'canaries left':>14} {'leaking':>8}"
    print(header + f" {'undecodable':>12} {'sideways':>9} {'peak MB':>8}")
    archive = next((o for o in outcomes if o.tool == "archive"), None)
    for o in outcomes:
        rate = o.files / o.seconds if o.seconds else 0
        print(
            f"{o.tool:9} {rate:8.2f} {megabytes / o.seconds if o.seconds else 0:7.1f} {len(o.failed):7d}"
            f" {o.canaries_left:14d} {o.files_leaking:8d} {o.undecodable:12d} {o.sideways:9d} {o.peak_mb:8.0f}"
        )
    for o in outcomes:
        if o is not archive and archive and o.seconds:
            print(f"  archive time / {o.tool} time: {archive.seconds / o.seconds:.2f}")
        if len(items) <= 5:
            print(f"  {o.tool}, seconds per file: " + ", ".join(f"{n} {s:.1f}" for n, s in o.each.items()))
        if o.failed:
            print(f"  {o.tool} failed on: {', '.join(sorted(o.failed)[:8])}{' …' if len(o.failed) > 8 else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="files per kind of recording")
    parser.add_argument("--large", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=None, help="keep the cleaned files here")
    args = parser.parse_args()
    tools = available_tools()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        sets = {"small, every kind": small_set(fresh(root / "in-small"), args.seeds)}
        if args.large:
            sets["real size"] = large_set(fresh(root / "in-large"))
        for label, items in sets.items():
            if not items:
                continue
            outcomes = [run(tool, items, fresh(root / f"out-{tool}-{len(label)}")) for tool in tools]
            report(outcomes, items, label)
            print(f"  archive warm (sanitise() in one process; ffmpeg a process per file): {warm(items):.2f} files/s")
    print("\nEach file cleaned in a fresh process (cold: the tool's start-up included), one at a time.")


if __name__ == "__main__":
    main()
