"""Running a metadata cleaner on one file the way it is used, in a fresh process, measured.

Shared by the media benchmarks (recordings.py, large_media.py): the archive's `archive strip`,
`mat2 --inplace` and `exiftool -all=`, each timed and with the peak memory of its whole process
tree (what `wait4` reports: the largest resident set of the process and all it waited for).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
PACKAGES = {"mat2": "mat2", "exiftool": "libimage-exiftool-perl"}


@dataclass
class Tally:
    """One tool's run over a set of files."""

    tool: str
    failed: list[str] = field(default_factory=list)
    peak_mb: float = 0.0
    each: dict[str, float] = field(default_factory=dict)  # seconds per file

    @property
    def files(self) -> int:
        return len(self.each)

    @property
    def seconds(self) -> float:
        return sum(self.each.values())

    def clean(self, path: Path, out: Path) -> Path | None:
        """Clean one file with this tool, counting it; return the cleaned file or None."""
        cleaned, seconds, peak = clean_with(self.tool, path, out)
        self.each[path.name] = seconds
        self.peak_mb = max(self.peak_mb, peak)
        if cleaned is None:
            self.failed.append(path.name)
        return cleaned


def available_tools() -> list[str]:
    """The archive, then each peer that is installed (saying which are not); starts the
    measuring process, so call it before generating files."""
    start_spawner()
    tools = ["archive"] + [t for t in PACKAGES if shutil.which(t)]
    for missing in sorted(set(PACKAGES) - set(tools)):
        print(f"{missing} is not installed: skipped (apt-get install {PACKAGES[missing]})")
    return tools


# A small process that runs the commands and measures them. A child forked from the benchmark
# itself would report the benchmark's own memory as its peak (the forked copy counts until
# exec), and the benchmark holds hundreds of megabytes of generated files.
_SPAWNER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    start = time.perf_counter()
    process = subprocess.Popen(json.loads(line), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    print(json.dumps([os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024]), flush=True)
"""
_spawner: subprocess.Popen | None = None


def start_spawner() -> None:
    """Start the measuring process now, while this one is still small."""
    global _spawner
    if _spawner is None:
        _spawner = subprocess.Popen(
            [sys.executable, "-c", _SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )


def measured(command: list[str]) -> tuple[int, float, float]:
    """Run a command; return its exit status, wall seconds and peak memory (MB) of its tree."""
    start_spawner()
    _spawner.stdin.write(json.dumps(command) + "\n")
    _spawner.stdin.flush()
    code, seconds, peak = json.loads(_spawner.stdout.readline())
    return code, seconds, peak


def clean_with(tool: str, path: Path, out: Path) -> tuple[Path | None, float, float]:
    """Clean one file with one tool; return the cleaned file (None if it failed), seconds, MB."""
    if tool == "archive":
        folder = out / path.stem
        code, seconds, peak = measured([ARCHIVE, "strip", str(path), "--out", str(folder)])
        written = list(folder.glob("*")) if folder.exists() else []
        return (written[0] if code == 0 and written else None), seconds, peak
    target = out / path.name
    shutil.copyfile(path, target)
    if tool == "mat2":
        code, seconds, peak = measured(["mat2", "--inplace", str(target)])
    else:
        code, seconds, peak = measured(["exiftool", "-q", "-q", "-all=", "-overwrite_original", str(target)])
    return (target if code == 0 else None), seconds, peak


def fresh(folder: Path) -> Path:
    """An empty folder (emptied if it was there)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
