"""README documents every command and setting (Datasette's test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.cli import COMMANDS, main
from archive.config import SETTING_NAMES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```")[1]
    assert re.search(r"^make run\b", first_block, re.M)
    assert re.search(r"^make test\b", first_block, re.M)


@pytest.mark.parametrize("command", sorted({*main.commands, *COMMANDS}))
def test_readme_documents_every_command(command):
    assert f"`archive {command}" in README


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_readme_documents_every_setting(name):
    assert f"`ARCHIVE_{name}`" in README


def test_readme_corpus_figures_match_the_corpus():
    documents = list((ROOT / "corpus" / "chechnya-2017" / "documents").glob("*.md"))
    entries = list((ROOT / "corpus" / "chechnya-2017" / "timeline").glob("*.yaml"))
    assert f"holds {len(documents)} documents" in README
    assert f"and {len(entries)} timeline entries" in README


def test_ci_calls_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _architecture() -> str:
    return README.split("## Architecture", 1)[1].split("\n## ", 1)[0]


def test_readme_architecture_names_every_folder_and_top_level_module():
    section = _architecture()
    package = ROOT / "archive"
    for path in sorted(package.iterdir()):
        if path.is_dir() and (path / "__init__.py").exists():
            assert f"`{path.name}/" in section, f"README's architecture does not place {path.name}/"
        elif path.suffix == ".py":
            assert f"`{path.name}`" in section, f"README's architecture does not place {path.name}"


def test_readme_architecture_names_only_what_exists():
    named = set(re.findall(r"`([a-z_]+(?:/[a-z_]+)*(?:/|\.py))", _architecture()))
    for name in named:
        candidates = [ROOT / "archive" / name, ROOT / name]
        candidates += [p for p in (ROOT / "archive").glob(f"*/{name}")]
        assert any(c.exists() for c in candidates), f"README's architecture names {name}, which is gone"
