"""A throwaway PostgreSQL cluster for tests and benchmarks: Debian's server binaries, a data
folder under a temporary directory, listening on 127.0.0.1 on a free port, removed on stop.

    python -m tests.pgcluster start FOLDER   # prints the URL; the cluster runs until `stop`
    python -m tests.pgcluster stop FOLDER
    python -m tests.pgcluster run COMMAND…   # COMMAND with ARCHIVE_TEST_POSTGRES set, then stop

`run` uses the server ARCHIVE_TEST_POSTGRES already names, if any, instead of starting one.

As root (CI), the server runs as the `postgres` user that Debian's package creates: PostgreSQL
refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "archive"  # the superuser role of the throwaway cluster (trust authentication)
# Durability is pointless for a cluster thrown away after the run; benchmarks keep it.
FAST = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")


def server_bin() -> Path | None:
    """The newest Debian PostgreSQL server binaries folder, or None when not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> int:
    return int(Path(path).parent.parent.name.split(".")[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One throwaway cluster in `folder`: `start()` returns its URL, `stop()` removes it."""

    def __init__(
        self, folder: Path | None = None, fast: bool = True, keep: bool = False, shared_buffers: str = "256MB"
    ):
        self.folder = Path(folder or tempfile.mkdtemp(prefix="archive-pg-"))
        self.fast = fast
        self.shared_buffers = shared_buffers  # the server's own cache of pages
        self.keep = keep  # stop() leaves the data folder, and start() reuses it
        self.bin = server_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        port = _free_port()
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        options = [
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self.folder}",
            "-c max_connections=300",
            f"-c shared_buffers={self.shared_buffers}",
            *(FAST if self.fast else ()),
        ]
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            " ".join(options),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        url = f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        (self.folder / "url").write_text(url + "\n")
        return url

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            mode = "fast" if self.keep else "immediate"
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)


def run(command: list[str]) -> int:
    """Run the command against a throwaway cluster (or the server already named); its code."""
    if os.environ.get("ARCHIVE_TEST_POSTGRES"):
        return subprocess.run(command, check=False).returncode
    cluster = Cluster()
    try:
        url = cluster.start()
        print(f"PostgreSQL throwaway cluster at {url}", flush=True)
        env = {**os.environ, "ARCHIVE_TEST_POSTGRES": url}
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        cluster.stop()


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"] and len(argv) > 1:
        return run(argv[1:])
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    cluster = Cluster(Path(argv[1]))
    if argv[0] == "start":
        print(cluster.start())
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
