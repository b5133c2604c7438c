"""Lazy exports for package ``__init__`` modules (PEP 562).

A package lists the names it exports and the submodule each one lives in; the submodule is
imported the first time one of its names is used, so ``import improve`` does not pay for
SciPy, matplotlib or any estimator it does not call. ``from improve.did import att_gt`` and
``improve.did.att_gt`` work exactly as with eager imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], submodules: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` that import exported names on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Exported name -> module it is defined in (absolute, or relative to ``package`` when
        it starts with a dot). An exported name must not be the name of a submodule of
        ``package`` (importing the submodule would bind the module under that name).
    submodules
        Submodules exported as themselves (``"design"`` for ``improve.design``).

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign at module level.
    """
    module = importlib.import_module(package)
    own = frozenset(submodules)

    def module_getattr(name: str) -> Any:
        if name in own:
            return importlib.import_module(f"{package}.{name}")  # binds itself on the package
        try:
            source = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(source, package), name)
        setattr(module, name, value)  # later look-ups skip __getattr__
        return value

    def module_dir() -> list[str]:
        return sorted(set(vars(module)) | set(exports) | own)

    return module_getattr, module_dir
