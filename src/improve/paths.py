"""Where the project's notebooks, demo data and reports live."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _is_project_root(path: Path) -> bool:
    return (path / "notebooks").is_dir() and (path / "pyproject.toml").is_file()


def project_root() -> Path:
    """The folder holding ``notebooks/``, ``data/`` and ``reports/``.

    Order: the ``IMPROVE_HOME`` environment variable; the current folder or one of its
    parents; the checkout this package was installed from (editable install).
    """
    env = os.environ.get("IMPROVE_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _is_project_root(candidate):
            return candidate
    if _is_project_root(_PACKAGE_ROOT):
        return _PACKAGE_ROOT
    return here


def notebooks_dir() -> Path:
    """Folder of the workbooks."""
    return project_root() / "notebooks"


def demo_dir() -> Path:
    """Folder of the shipped demo data."""
    return project_root() / "data" / "demo"


def reports_dir() -> Path:
    """Default folder for run outputs (``IMPROVE_REPORTS`` overrides)."""
    env = os.environ.get("IMPROVE_REPORTS")
    return Path(env).resolve() if env else project_root() / "reports"
