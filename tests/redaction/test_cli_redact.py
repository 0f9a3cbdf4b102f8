"""`archive redact`: standard input in, redacted text (or spans as JSON) out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.redaction import redact

ARCHIVE = Path(sys.executable).with_name("archive")
TESTIMONY = "Хамзата увезли ночью, Movsar звонил мне с +7 999 123-45-67.\n"


@pytest.fixture
def names_file(tmp_path):
    """Write protected names, one per line, to a file; return its path."""

    def make(*lines: str) -> Path:
        path = tmp_path / "names.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return make


@pytest.fixture
def archive_redact(tmp_path):
    """Run the installed `archive redact` with text on standard input."""

    def run(text: str, *args: str, env: dict[str, str] | None = None):
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("ARCHIVE_", "REDACT_"))}
        environment.update(ARCHIVE_DATA_DIR=str(tmp_path / "data"), PYTHONWARNINGS="error")
        environment.update(env or {})
        return subprocess.run(
            [str(ARCHIVE), "redact", *args],
            input=text.encode("utf-8"),
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            timeout=120,
            check=False,
        )

    return run


def test_names_file_protects_names_with_their_pseudonyms(archive_redact, names_file):
    names = names_file("Хамзат Байсаров => Witness K", "Movsar")
    result = archive_redact(TESTIMONY, "--names", str(names))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "Witness K увезли ночью, Witness B звонил мне с [phone].\n"


def test_redact_names_file_variable_is_the_default(archive_redact, names_file):
    names = names_file("Хамзат => Witness K")
    result = archive_redact(TESTIMONY, env={"REDACT_NAMES_FILE": str(names)})
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().startswith("Witness K увезли ночью")


def test_names_option_wins_over_the_variable(archive_redact, names_file, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("Хамзат => Witness Z\n", encoding="utf-8")
    names = names_file("Хамзат => Witness K")
    result = archive_redact(TESTIMONY, "--names", str(names), env={"REDACT_NAMES_FILE": str(other)})
    assert result.stdout.decode().startswith("Witness K увезли ночью")


def test_json_prints_the_text_and_the_spans_in_original_offsets(archive_redact, names_file):
    names = names_file("Хамзат => Witness K")
    result = archive_redact(TESTIMONY, "--names", str(names), "--json")
    assert result.returncode == 0, result.stderr.decode()
    printed = json.loads(result.stdout.decode())
    expected = redact(TESTIMONY, ["Хамзат => Witness K"])
    assert printed == {"text": expected.text, "spans": expected.as_json()}
    by_type = {s["type"]: TESTIMONY[s["start"] : s["end"]] for s in printed["spans"]}
    assert by_type["PROTECTED"] == "Хамзата"
    assert by_type["PHONE"] == "+7 999 123-45-67"
    assert printed["spans"][0]["replacement"] == "Witness K"


def test_lang_ru_looks_for_names_in_cyrillic_only(archive_redact):
    text = "Ко мне подошёл Зелимхан Мусаев. Later Yunus called.\n"
    result = archive_redact(text, "--lang", "ru")
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "Зелимхан" not in out and "Мусаев" not in out
    assert "Yunus" in out
    assert "Yunus" not in archive_redact(text).stdout.decode()


def test_unknown_lang_is_a_usage_error(archive_redact):
    result = archive_redact("text", "--lang", "de")
    assert result.returncode == 2
    assert b"--lang" in result.stderr


def test_text_without_identifiers_passes_through_unchanged(archive_redact):
    text = "Нас держали в подвале в Аргуне.\n\nWe were held in a basement in Argun."
    assert archive_redact(text).stdout.decode() == text
