"""Fixtures for the command line: the installed `archive` script, run in a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.storage.db import Database
from archive.storage.sealing import Sealer
from archive.storage.vault import parse_key
from tests import databases

ARCHIVE = Path(sys.executable).with_name("archive")


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    # the commands run under the suite's own rule: any warning is an error
    env.update(ARCHIVE_DATA_DIR=str(data_dir), PYTHONWARNINGS="error")
    if databases.SERVER:  # the data folder's own PostgreSQL database
        env["ARCHIVE_DATABASE_URL"] = databases.url(data_dir)
        env["ARCHIVE_SEARCH_BACKEND"] = databases.SEARCH_BACKEND
    env.update(extra)
    return env


def _run(cwd: Path, data_dir: Path, args, extra_env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ARCHIVE), *map(str, args)],
        cwd=cwd,
        env=_environment(data_dir, **(extra_env or {})),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def initialised_data(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Run `archive init` once per module; tests start from a copy of its data folder."""
    root = tmp_path_factory.mktemp("initialised")
    (root / "cwd").mkdir()
    databases.create(root / "data", keep=True)
    result = _run(root / "cwd", root / "data", ["init"])
    assert result.returncode == 0, result.stderr
    return root / "data", result


@pytest.fixture
def workdir(tmp_path) -> Path:
    """An empty working directory, so that nothing falls back on the repository's folders."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """ARCHIVE_DATA_DIR of the commands a test runs; empty until a command writes to it (on
    PostgreSQL, its database exists, empty, as an administrator would have made it)."""
    if databases.SERVER:
        databases.create(tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def initialised(initialised_data, data_dir) -> Path:
    """A data folder holding a freshly initialised database (and its custodian)."""
    databases.copytree(initialised_data[0], data_dir)
    return data_dir


@pytest.fixture
def archive(workdir, data_dir):
    """Run the installed `archive` script with ARCHIVE_DATA_DIR set and nothing else ARCHIVE_*."""

    def run(*args, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return _run(workdir, data_dir, args, env)

    return run


def keyed_database(data_dir: Path) -> Database:
    """The database of an archive under `data_dir`, opened with the vault key `archive init`
    made there (if any), as the commands open it."""
    key_file = Path(data_dir) / "keys" / "vault.key"
    sealer = Sealer(parse_key(key_file.read_text())) if key_file.is_file() else None
    return Database(databases.url(data_dir), sealer)


@pytest.fixture
def database(data_dir):
    """Open the database the commands wrote, to check what they stored (with the vault key
    `archive init` made, as the commands open it: the sealed columns read plain)."""
    opened = []

    def open_db() -> Database:
        db = keyed_database(data_dir)
        opened.append(db)
        return db

    yield open_db
    for db in opened:
        db.dispose()


@pytest.fixture
def cli_case(tmp_path) -> Path:
    """A corpus folder holding one empty case, cli-case."""
    folder = tmp_path / "cases" / "cli-case"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text("slug: cli-case\ntitle: A case for the CLI tests\n")
    return folder.parent
