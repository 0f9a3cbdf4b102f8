"""A non-editable install (`pip install .`) carries templates, static files and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("witness_archive-*.whl")
    return path


@pytest.mark.slow
def test_wheel_carries_templates_static_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "archive/templates/base.html",
        "archive/templates/document.html",
        "archive/static/style.css",
        "archive/migrations/env.py",
        "archive/migrations/versions/0001_initial_schema.py",
    ):
        assert required in names
    assert not any(n.startswith(("tests/", "corpus/", "instance/")) for n in names)


@pytest.mark.slow
def test_installed_wheel_serves_pages(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    script = (
        "import archive, sys\n"
        "assert archive.__file__.startswith(sys.argv[1]), archive.__file__\n"
        "from archive.storage.db import Database\n"
        "from archive import create_app\n"
        "app = create_app({'DATA_DIR': sys.argv[2]})\n"
        "Database(app.config['DATABASE_URL']).upgrade()\n"
        "r = app.test_client().get('/')\n"
        "assert r.status_code == 200, r.status_code\n"
        "assert app.test_client().get('/static/style.css').status_code == 200\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("ARCHIVE_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", script, str(target), str(tmp_path / "data")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip() == "ok", result.stderr
