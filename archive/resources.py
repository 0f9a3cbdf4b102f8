"""Find the folders that live at the top of the repository but travel inside the wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return templates/, static/ or migrations/, installed in the package or in a checkout."""
    installed = _PACKAGE / name  # a wheel carries them inside the package (pyproject force-include)
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name  # a source checkout or an editable install
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"cannot find the {name}/ folder next to or inside {_PACKAGE}")
