"""Debian's ffmpeg and ffprobe, run on bytes held in memory, within a budget.

Threat: an audio or video file is the most complex input the archive takes; its decoders are
large C programs. They run as separate processes, each under a memory limit (the address space
the kernel lets it map), a CPU-time limit and a wall-clock timeout, all following from
settings; whatever happens inside cannot take the server with it. The file's bytes and the
result live in anonymous memory files (memfd) handed to the process as /dev/fd/N: an original
is never written to disk, where a seized server would give it up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from contextlib import ExitStack

from archive.errors import MediaRefused
from archive.media.processes import Budget, run, stopped

__all__ = ["Budget", "available", "convert", "probe", "tool"]

INSTALL_HINT = "install Debian's ffmpeg (apt-get install ffmpeg; `make run` does it)"


def tool(name: str) -> str:
    """Return the path of ffmpeg or ffprobe, or refuse saying how to install it."""
    path = shutil.which(name)
    if path is None:
        raise MediaRefused(f"cannot be processed: audio and video need {name}; {INSTALL_HINT}")
    return path


def available() -> bool:
    """Whether both tools are installed."""
    return all(shutil.which(n) for n in ("ffmpeg", "ffprobe"))


def probe(data: bytes, budget: Budget, count_packets: bool = False) -> dict:
    """Return ffprobe's reading of a file (format, streams, chapters) as a dictionary."""
    args = ["-show_format", "-show_streams", "-show_chapters", "-show_programs", "-of", "json"]
    if count_packets:
        args.insert(0, "-count_packets")
    with ExitStack() as stack:
        src = stack.enter_context(_MemoryFile("probe-in", data))
        out = _run([tool("ffprobe"), "-v", "error", *args, src.path], budget, (src.fd,), "read")
    try:
        return json.loads(out or b"{}")
    except ValueError as exc:
        raise MediaRefused("cannot be read as audio or video (ffprobe gave no answer)") from exc


def convert(data: bytes, input_args: Sequence[str], output_args: Sequence[str], budget: Budget) -> bytes:
    """Run ffmpeg from these bytes to a new file and return the new file's bytes."""
    with ExitStack() as stack:
        src = stack.enter_context(_MemoryFile("in", data))
        dst = stack.enter_context(_MemoryFile("out", b""))
        command = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-v", "error", "-y"]
        command += [*input_args, "-i", src.path, *output_args, dst.path]
        _run(command, budget, (src.fd, dst.fd), "convert")
        return dst.read()


class _MemoryFile:
    """An anonymous in-memory file, open for a child process as /dev/fd/N."""

    def __init__(self, name: str, data: bytes):
        self.fd = os.memfd_create(name, os.MFD_CLOEXEC)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        self.path = f"/dev/fd/{self.fd}"

    def read(self) -> bytes:
        size = os.fstat(self.fd).st_size
        return os.pread(self.fd, size, 0) if size else b""

    def __enter__(self) -> _MemoryFile:
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)


def _run(command: list[str], budget: Budget, fds: tuple[int, ...], what: str) -> bytes:
    done = run(command, budget, what, fds=fds, setting="ARCHIVE_MEDIA_SECONDS")
    if done.returncode != 0:
        raise MediaRefused(_failure(done, budget, what))
    return done.stdout


def _failure(done: subprocess.CompletedProcess, budget: Budget, what: str) -> str:
    """Say why ffmpeg stopped, in words a custodian can act on (never the file's contents)."""
    limited = stopped(done, budget, what, "ffmpeg", "ARCHIVE_MEDIA_SECONDS", "ARCHIVE_MEDIA_MEMORY_BYTES")
    if limited:
        return limited
    text = done.stderr.decode("utf-8", "replace").lower()
    if "invalid data" in text or "could not find codec" in text or "moov atom not found" in text:
        return "cannot be read as audio or video (damaged or not a media file)"
    return f"cannot be read as audio or video (ffmpeg could not {what} it)"
