"""Imports go downward only (STYLE.md): adapters → use cases → state → pure → base."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "archive"

LAYERS = {  # module prefix → layer; the longest matching prefix wins
    "archive": "adapter",
    "archive.web": "adapter",
    "archive.cli": "adapter",
    "archive.ingest": "usecase",
    "archive.timeline": "usecase",
    "archive.briefs": "usecase",
    "archive.auth": "usecase",
    "archive.search.query": "usecase",
    "archive.search.indexing": "usecase",
    "archive.storage": "state",
    "archive.search": "state",
    "archive.dates": "pure",
    "archive.rendering": "pure",
    "archive.citations": "pure",
    "archive.media": "pure",
    "archive.redaction": "pure",
    "archive.config": "base",
    "archive.errors": "base",
    "archive.resources": "base",
    "archive.translit": "base",
    "archive.kept": "base",
}
MAY_IMPORT = {
    "adapter": {"adapter", "usecase", "state", "pure", "base"},
    "usecase": {"usecase", "state", "pure", "base"},
    "state": {"state", "base"},
    "pure": {"pure", "base"},
    "base": {"base"},
}
# Pure and base code runs without a web framework or a database.
FORBIDDEN_THIRD_PARTY = {
    "pure": ("flask", "flask_login", "flask_wtf", "flask_babel", "sqlalchemy", "alembic"),
    "base": ("flask", "flask_login", "flask_wtf", "flask_babel", "sqlalchemy", "alembic"),
    "state": ("flask", "flask_login", "flask_wtf", "flask_babel"),
}


def layer_of(module: str) -> str:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(matches, key=len)]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_has_a_layer():
    assert MODULES
    for path in MODULES:
        assert layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_go_downward_only(path):
    here = module_name(path)
    layer = layer_of(here)
    wrong = []
    for line, target in imports(path):
        if target == "archive" or target.startswith("archive."):
            if target != "archive" and layer_of(target) not in MAY_IMPORT[layer]:
                wrong.append(f"line {line}: {layer} {here} imports {layer_of(target)} {target}")
        elif target.split(".")[0] in FORBIDDEN_THIRD_PARTY.get(layer, ()):
            wrong.append(f"line {line}: {layer} {here} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_catches_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from archive.web.pages import bp\nimport flask\n")
    targets = [t for _, t in imports(bad)]
    assert layer_of(targets[0]) not in MAY_IMPORT["state"]
    assert targets[1] in FORBIDDEN_THIRD_PARTY["pure"]
