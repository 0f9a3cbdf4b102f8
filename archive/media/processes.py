"""Debian's media tools (ffmpeg, ffprobe, tesseract) run as separate processes, within a budget.

A tool's decoders are large C programs fed hostile files: each runs under a memory limit (the
address space the kernel lets it map), a CPU-time limit and a wall-clock timeout, and dumps no
core (a crash must not write a witness's pixels or voice to disk). Whatever happens inside
cannot take the server with it; the caller says why it stopped, in words a custodian can act on.
"""

from __future__ import annotations

import resource
import signal
import subprocess
from dataclasses import dataclass

from archive.errors import MediaRefused

# What a tool (or the loader starting it) says when its address space runs out.
_OUT_OF_MEMORY = ("cannot allocate", "out of memory", "failed to map", "bad_alloc")


@dataclass(frozen=True)
class Budget:
    """What one tool process may use."""

    memory_bytes: int = 2 * 1024**3  # address space: ffmpeg maps far more than it touches
    cpu_seconds: int = 600
    wall_seconds: float = 900.0


def run(
    command: list[str],
    budget: Budget,
    what: str,
    *,
    stdin: bytes | None = None,
    fds: tuple[int, ...] = (),
    env: dict[str, str] | None = None,
    setting: str = "",
) -> subprocess.CompletedProcess:
    """Run the command within the budget; its result whatever its exit code (the caller reads
    it). Refused when the wall-clock time runs out, naming the `setting` that sets it."""

    def limit() -> None:  # in the child, before the tool starts
        resource.setrlimit(resource.RLIMIT_AS, (budget.memory_bytes, budget.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (budget.cpu_seconds, budget.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    try:
        return subprocess.run(  # noqa: S603 - a fixed argument list; the file passed by pipe or descriptor
            command,
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            pass_fds=fds,
            capture_output=True,
            timeout=budget.wall_seconds,
            preexec_fn=limit,  # noqa: PLW1509 - only setrlimit, no threads are started here
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaRefused(
            f"took longer than {budget.wall_seconds:g} s to {what}; refused" + (f" ({setting})" if setting else "")
        ) from exc


def stopped(
    done: subprocess.CompletedProcess, budget: Budget, what: str, program: str, seconds: str = "", memory: str = ""
) -> str | None:
    """Why a tool stopped at its budget or was killed, in words a custodian can act on (never
    the file's contents), naming the settings that set its processor time and memory; None when
    it stopped for a reason of its own, which the caller reads."""
    said = done.stderr.decode("utf-8", "replace").lower()
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return f"used more than {budget.cpu_seconds} s of processor time to {what}; refused" + (
            f" ({seconds})" if seconds else ""
        )
    if any(sign in said for sign in _OUT_OF_MEMORY):
        return (
            f"needed more than {budget.memory_bytes // 2**20:,} MiB to {what} "
            f"(a decompression bomb, or a file too large to process{'; ' + memory if memory else ''})"
        )
    if done.returncode < 0:
        return f"made {program} stop (signal {-done.returncode}) while trying to {what}; refused"
    return None
