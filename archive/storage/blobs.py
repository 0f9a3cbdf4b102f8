"""Content-addressed files under the data directory, written atomically.

A file is named by the SHA-256 of its bytes and written to a temporary file in the same folder,
flushed to disk and renamed into place, so a crash or a full disk never leaves a partial file
under a real name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

_HEX = re.compile(r"[0-9a-f]{64}")


class BlobStore:
    """Files stored by the SHA-256 of their content."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store the bytes; return their SHA-256 and whether this call created the file."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.exists():
            return sha256, False
        write_atomically(target, data)
        return sha256, True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()


def is_sha256(name: str) -> bool:
    """Return whether a name is a lowercase SHA-256 hex digest, and nothing more."""
    return isinstance(name, str) and _HEX.fullmatch(name) is not None


def private_folder(folder: Path) -> None:
    """Create a folder and any missing parents readable by this user only (0700), whatever
    the process's umask: media and sealed originals must not be listable by others."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)  # mkdir's mode passes through the umask


def write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside the target (0600, as mkstemp makes it), fsync, then
    rename over it; missing folders are made private (0700)."""
    private_folder(target.parent)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
