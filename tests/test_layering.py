"""Import layering: estimator packages share code only through improve.inference / improve.data.

Each estimator package (``improve.did``, ``improve.fe``, ``improve.effects``) may import the
shared layers (``improve.data``, ``improve.inference``, ``improve.errors``, the root's own
private helpers such as ``improve._maketables``) and presentation (``improve.report``), but
never another estimator package, and never anything private (a ``_name`` module or object)
of another package. ``improve.inference`` imports no estimator package. The imports are read
with :mod:`ast`, so imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ESTIMATOR_PACKAGES = ("did", "fe", "effects", "synth", "rd", "survey", "qi", "cost", "finance")
SHARED_PACKAGES = ("inference", "results")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(source: str, module: str, is_package: bool) -> list[tuple[str, str | None, int]]:
    """``(imported module, imported name or None, line)`` of every import in ``source``."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                if target == "improve":  # from improve import did: the subpackage itself
                    found.append((f"improve.{alias.name}", None, node.lineno))
                else:
                    found.append((target, alias.name, node.lineno))
    return found


def _top_package(name: str) -> str | None:
    """``"did"`` for ``improve.did.attgt``; None outside improve or for the root module."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "improve" else None


def layering_violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Imports of ``module`` (e.g. ``"improve.did.attgt"``) that break the layering."""
    own = _top_package(module)
    problems = []
    for target, name, line in _imports(source, module, is_package):
        other = _top_package(target)
        if other is None or other == own:
            continue
        where = f"{module}:{line} imports {target}" + (f".{name}" if name else "")
        forbidden = ESTIMATOR_PACKAGES if own in ESTIMATOR_PACKAGES else ()
        if own in SHARED_PACKAGES:
            forbidden = ESTIMATOR_PACKAGES
        if other in forbidden:
            problems.append(f"{where}: another estimator package")
            continue
        # private modules directly under improve (improve._maketables) are the root's own
        # shared helpers; private parts of a sibling package are not for others
        private_path = any(p.startswith("_") for p in target.split(".")[2:])
        private_name = name is not None and name.startswith("_") and not name.startswith("__")
        if private_path or private_name:
            problems.append(f"{where}: private to improve.{other}")
    return problems


def _package_modules() -> list[Path]:
    roots = [SRC / "improve" / p for p in ESTIMATOR_PACKAGES + SHARED_PACKAGES]
    return sorted(path for root in roots for path in root.rglob("*.py"))


@pytest.mark.parametrize("path", _package_modules(), ids=lambda p: _module_name(p))
def test_package_imports_respect_layers(path: Path) -> None:
    problems = layering_violations(
        path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py"
    )
    assert not problems, "\n".join(problems)


def test_every_estimator_package_is_checked() -> None:
    checked = {_module_name(p) for p in _package_modules()}
    for package in ESTIMATOR_PACKAGES + SHARED_PACKAGES:
        assert f"improve.{package}" in checked


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("improve.did.sunab", "from improve.fe.inference import demean"),
        ("improve.did.sunab", "import improve.fe.panel"),
        ("improve.fe.panel", "def f():\n    from improve.did.attgt import att_gt\n"),
        ("improve.fe.panel", "from improve.data.columns import _private_helper"),
        ("improve.fe.panel", "from improve.data._internal import helper"),
        ("improve.fe.panel", "from ..did import att_gt"),
        ("improve.effects.wwc", "from improve.did import att_gt"),
        ("improve.inference.cluster", "from improve.did.attgt import att_gt"),
        ("improve.did.attgt", "from improve._maketables import _hidden"),
        ("improve.fe.panel", "from improve import did"),
    ],
)
def test_checker_flags_forbidden_imports(module: str, source: str) -> None:
    assert layering_violations(source, module)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("improve.did.sunab", "from improve.inference import demean"),
        ("improve.did.sunab", "from improve.did._format import html_table"),
        ("improve.did.sunab", "from ._format import html_table"),
        ("improve.fe.panel", "from improve._maketables import MaketablesHooks"),
        ("improve.fe.panel", "from improve.data.columns import panel_columns"),
        ("improve.fe.panel", "from improve import inference"),
        ("improve.did.attgt", "import numpy as np"),
    ],
)
def test_checker_allows_shared_layers(module: str, source: str) -> None:
    assert layering_violations(source, module) == []


def test_nothing_in_the_package_uses_the_old_fe_inference_home() -> None:
    old_home = SRC / "improve" / "fe" / "inference.py"
    users = []
    for path in sorted((SRC / "improve").rglob("*.py")):
        if path == old_home:
            continue
        module = _module_name(path)
        for target, name, line in _imports(
            path.read_text(encoding="utf-8"), module, path.name == "__init__.py"
        ):
            if target == "improve.fe.inference" or (target == "improve.fe" and name == "inference"):
                users.append(f"{module}:{line}")
    assert not users, users


def test_fe_inference_re_exports_the_shared_objects() -> None:
    import improve.inference as shared
    from improve.fe import inference as old_home

    for name in ("cr2", "demean", "within_design", "wild_bootstrap", "bootstrap_weights"):
        assert getattr(old_home, name) is getattr(shared, name)
