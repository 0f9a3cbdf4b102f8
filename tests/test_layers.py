"""Imports go downward only (STYLE.md): adapters → use cases → state → pure → base.

Every module of `archive/` has a layer written here; a new module without one fails, and so
does an entry for a module that is gone. Every import form counts: `import a.b`, `from a import
b` (where b may be a module), relative imports, `importlib.import_module(…)` and `__import__`,
at any depth of the file. Below the adapters no web framework is imported. Between packages of
the same layer only the imports declared in SAME_LAYER are allowed, and those form no cycle.
The checker is tried on trees with one planted violation each, to show it catches them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "archive"
ORDER = ("adapter", "usecase", "state", "pure", "base")  # each may import itself and below


def _table(layers: dict[str, str]) -> dict[str, str]:
    """module → layer, from lines of `package: module module …` or full module names."""
    table = {}
    for layer, text in layers.items():
        for line in filter(None, (line.strip() for line in text.splitlines())):
            package, colon, modules = line.partition(":")
            if not colon:
                names = package.split()
            else:
                names = [package if m == "__init__" else f"{package}.{m}" for m in modules.split()]
            for name in names:
                assert name not in table, f"{name} has two layers"
                table[name] = layer
    return table


LAYERS = _table(
    {
        "adapter": """
            archive archive.services
            archive.web: __init__ api audit briefs briefs_api editing errors forms helpers i18n
            archive.web: login logs media pages review search security timeline timeline_editing
            archive.web: index_queue keeping labels derivations acts permalinks pictures
            archive.cli: __init__ audit backup briefs common corpus documents media redaction
            archive.cli: search setup timeline users vault keeping evidence
        """,
        "usecase": """
            archive.auth: __init__ actors permissions tokens users
            archive.protection: __init__ identities public_text
            archive.documents: __init__ edit intake media parse record review serialize
            archive.documents: revisions submission consent disposal held derivation near_duplicates
            archive.documents: pictures
            archive.corpus: __init__ cases loader
            archive.timeline: __init__ chart claimreview entries export read references serialize suggest
            archive.briefs: __init__ compose export read serialize
            archive.search: query indexing serialize hints
            archive.backup archive.auditing
            archive.evidence: __init__ export verify
            archive.violations: __init__ acts read serialize
        """,
        "state": """
            archive.storage: __init__ anchors audit blobs bundle db fsck models queries sealed_rows sealing
            archive.storage: unit
            archive.storage: vault document_keys corroboration
            archive.search: __init__ analysis arrays backend cache fields postgres_backend
            archive.search: whoosh_backend snippets language errors whoosh_adapter gazetteer sequences
            archive.search: whoosh_merge
        """,
        "pure": """
            archive.media: __init__ av containers detect ffmpeg gif icc inspect jbig2 jpeg jpx pdf
            archive.media: png raster regions report sanitise thumbnail tiff webp ocr processes burn faces
            archive.media: scans pictures
            archive.redaction: __init__ allowlist given_names names ner patterns phones redact
            archive.redaction: spans
            archive.auth.passwords archive.corpus.sample
            archive.dates archive.rendering archive.citations archive.validation archive.wording archive.records
        """,
        "base": """
            archive.config archive.errors archive.resources archive.translit archive.kept
            archive.links
        """,
    }
)

# Imports between different packages (or top-level modules) of one layer: only these.
SAME_LAYER = {
    "archive": {"archive.services", "archive.web"},
    "archive.web": {"archive.services"},
    "archive.cli": {"archive", "archive.services"},
    "archive.protection": {"archive.auth"},
    "archive.timeline": {"archive.auth", "archive.protection"},
    "archive.documents": {"archive.auth", "archive.protection", "archive.timeline"},
    "archive.corpus": {"archive.auth", "archive.documents", "archive.timeline", "archive.violations"},
    "archive.violations": {"archive.auth", "archive.protection", "archive.timeline"},
    "archive.evidence": {"archive.auth", "archive.documents"},
    "archive.briefs": {"archive.auth", "archive.protection", "archive.timeline"},
    "archive.search": {"archive.auth", "archive.storage"},
    "archive.backup": {"archive.auth"},
    "archive.auditing": {"archive.auth"},
    "archive.config": {"archive.errors"},
    "archive.validation": {"archive.dates"},
    "archive.citations": {"archive.dates"},
}

WEB_FRAMEWORK = ("flask", "flask_babel", "flask_limiter", "flask_login", "flask_wtf",
                 "werkzeug", "wtforms", "click", "gunicorn")  # fmt: skip
ENGINES = ("sqlalchemy", "alembic", "psycopg", "whoosh")
FORBIDDEN = {
    "usecase": WEB_FRAMEWORK,
    "state": WEB_FRAMEWORK,
    "pure": WEB_FRAMEWORK + ENGINES,
    "base": WEB_FRAMEWORK + ENGINES,
}


@dataclass(frozen=True)
class Import:
    line: int
    target: str  # a module of the package, or a third-party top-level name
    dynamic: bool = False  # importlib.import_module or __import__ with a computed name


def modules_of(root: Path) -> dict[str, Path]:
    """Every module under the package folder `root`, by its dotted name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path, module: str, known: set[str]) -> list[Import]:
    """Every import in the file, resolved to a module of the package where it names one."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module or "", node.level, package)
            for alias in node.names:  # `from archive import web`: the module archive.web
                sub = f"{base}.{alias.name}"
                found.append(Import(node.lineno, sub if sub in known else base))
        elif isinstance(node, ast.Call) and _dynamic_import(node.func):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                name = first.value
                level = len(name) - len(name.lstrip("."))
                target = _absolute(name.lstrip("."), level, package) if level else name
                found.append(Import(node.lineno, target))
            else:
                found.append(Import(node.lineno, "?", dynamic=True))
    return found


def _absolute(name: str, level: int, package: str) -> str:
    if not level:
        return name
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{name}" if name else base


def _dynamic_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def group_of(module: str) -> str:
    """The package a module belongs to (archive.web.pages → archive.web); a top-level module
    (archive.backup) and the root package are groups of their own."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _module_of(target: str, known: set[str]) -> str | None:
    """The package module an import reaches (the longest known prefix), or None."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


def _declared(source: str, target: str, same_layer: dict[str, set[str]]) -> bool:
    return source == target or target in same_layer.get(source, ())


def violations(root: Path, layers: dict[str, str], same_layer: dict[str, set[str]]) -> list[str]:
    """Everything wrong with the imports of the package at `root`, as messages."""
    found = modules_of(root)
    known = set(found)
    wrong = [f"{m} has no layer: give it one in tests/test_layers.py" for m in found if m not in layers]
    wrong += [f"{m} has a layer but no file" for m in layers if m not in found]
    top = root.name
    for module, path in found.items():
        layer = layers.get(module)
        if layer is None:
            continue
        for imp in imports_of(path, module, known):
            where = f"{module} line {imp.line}"
            if imp.dynamic:
                wrong.append(f"{where}: a dynamic import of a computed name cannot be checked")
                continue
            if imp.target.split(".")[0] != top:
                if imp.target.split(".")[0] in FORBIDDEN.get(layer, ()):
                    wrong.append(f"{where}: {layer} module imports {imp.target}")
                continue
            target = _module_of(imp.target, known)
            if target is None or target == module or target not in layers:
                continue  # a name the package lacks fails at import; unlisted ones above
            other = layers[target]
            if ORDER.index(other) < ORDER.index(layer):
                wrong.append(f"{where}: {layer} module imports {other} {target}")
            elif other == layer and not _declared(group_of(module), group_of(target), same_layer):
                wrong.append(
                    f"{where}: imports {target}, of the same layer ({layer}), "
                    f"and {group_of(module)} → {group_of(target)} is not declared"
                )
    return wrong


def test_the_archive_imports_go_downward_only():
    assert violations(PACKAGE, LAYERS, SAME_LAYER) == []


def test_every_declared_same_layer_import_is_used():
    """A declaration nothing needs any more is taken out, so the table says what is true."""
    found = modules_of(PACKAGE)
    used = set()
    for module, path in found.items():
        for imp in imports_of(path, module, set(found)):
            target = _module_of(imp.target, set(found))
            if target and LAYERS[target] == LAYERS[module] and group_of(target) != group_of(module):
                used.add((group_of(module), group_of(target)))
    declared = {(source, target) for source, targets in SAME_LAYER.items() for target in targets}
    assert declared - used == set()


def test_the_declared_same_layer_imports_form_no_cycle():
    visiting, done = set(), set()

    def visit(node: str, path: list[str]) -> None:
        assert node not in visiting, f"cycle: {' → '.join([*path, node])}"
        if node in done:
            return
        visiting.add(node)
        for target in SAME_LAYER.get(node, ()):
            visit(target, [*path, node])
        visiting.discard(node)
        done.add(node)

    for node in SAME_LAYER:
        visit(node, [])


# -- the checker catches what it must -----------------------------------------------------

FAKE_LAYERS = {
    "archive": "adapter",
    "archive.web": "adapter",
    "archive.web.pages": "adapter",
    "archive.timeline": "usecase",
    "archive.timeline.entries": "usecase",
    "archive.briefs": "usecase",
    "archive.briefs.compose": "usecase",
    "archive.storage": "state",
    "archive.storage.models": "state",
    "archive.media": "pure",
    "archive.media.jpeg": "pure",
}
FAKE_SAME_LAYER = {"archive": {"archive.web"}, "archive.briefs": {"archive.timeline"}}
PLANTED = {
    "relative import from a use case up to the web": (
        "archive/timeline/entries.py",
        "from ..web import pages\n",
        "usecase module imports",
    ),
    "from archive import web": (
        "archive/timeline/entries.py",
        "from archive import web\n",
        "imports adapter archive.web",
    ),
    "from . import a sibling module of a higher layer": (
        "archive/storage/models.py",
        "from .. import timeline\n",
        "imports usecase",
    ),
    "importlib.import_module": (
        "archive/storage/models.py",
        "import importlib\nimportlib.import_module('archive.web.pages')\n",
        "imports adapter archive.web.pages",
    ),
    "import_module with a relative name": (
        "archive/media/jpeg.py",
        "from importlib import import_module\nimport_module('..storage', 'archive.media')\n",
        "imports state archive.storage",
    ),
    "__import__": ("archive/media/jpeg.py", "__import__('archive.timeline.entries')\n", "imports usecase"),
    "a computed dynamic import": (
        "archive/media/jpeg.py",
        "import importlib\nimportlib.import_module(NAME)\n",
        "dynamic import",
    ),
    "flask inside a use case, in a function": (
        "archive/timeline/entries.py",
        "def f():\n    import flask\n",
        "imports flask",
    ),
    "werkzeug in the state layer": (
        "archive/storage/models.py",
        "from werkzeug.security import check_password_hash\n",
        "imports werkzeug.security",
    ),
    "sqlalchemy in pure code": ("archive/media/jpeg.py", "from sqlalchemy import select\n", "imports sqlalchemy"),
    "a new module without a layer": ("archive/newroom.py", "", "archive.newroom has no layer"),
    "an undeclared import between use-case packages": (
        "archive/timeline/entries.py",
        "from archive.briefs.compose import x\n",
        "archive.timeline → archive.briefs is not declared",
    ),
}


def _fake_tree(root: Path) -> Path:
    for module in FAKE_LAYERS:
        parts = module.split(".")
        is_package = any(m.startswith(module + ".") for m in FAKE_LAYERS)
        path = root.joinpath(*parts, "__init__.py") if is_package else root.joinpath(*parts)
        path = path if is_package else path.with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return root / "archive"


def test_a_clean_tree_has_no_violation(tmp_path):
    package = _fake_tree(tmp_path)
    (package / "briefs" / "compose.py").write_text(
        "from archive.timeline import entries\nfrom ..storage import models\nimport sqlalchemy\n"
    )
    (package / "__init__.py").write_text("def create():\n    from archive.web import pages\n")
    assert violations(package, FAKE_LAYERS, FAKE_SAME_LAYER) == []


@pytest.mark.parametrize("case", PLANTED, ids=list(PLANTED))
def test_the_checker_catches_a_planted_violation(tmp_path, case):
    file, source, expected = PLANTED[case]
    package = _fake_tree(tmp_path)
    (tmp_path / file).write_text(source)
    found = violations(package, FAKE_LAYERS, FAKE_SAME_LAYER)
    assert len(found) == 1 and expected in found[0], found
