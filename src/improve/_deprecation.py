"""Old names kept for one release: renamed keyword arguments and result attributes.

The package speaks one vocabulary (``estimate``, ``std_error``, ``conf_low``/``conf_high``,
``df``, ``vcov_type``, ``pretrend_*``, event windows ``min_e``/``max_e``, ``weights``,
``min_cell_size``). Where users may already call an older name, it still works for one
release and says what to use instead.
"""

from __future__ import annotations

import warnings
from typing import Any


def warn_renamed(old: str, new: str, stacklevel: int = 3) -> None:
    """Tell the caller that ``old`` is now ``new`` (a :class:`DeprecationWarning`)."""
    warnings.warn(
        f"{old!r} is deprecated and will be removed in the next release; use {new!r}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed_keyword(
    new_value: Any, old_value: Any, old: str, new: str, *, unset: Any = None
) -> Any:
    """The value of a keyword whose old name may still be given.

    Raises ``TypeError`` when both names are given, as Python does for a repeated keyword.
    """
    if old_value is unset:
        return new_value
    if new_value is not unset:
        raise TypeError(f"give {new!r} only (its old name {old!r} is deprecated)")
    warn_renamed(old, new, stacklevel=4)
    return old_value


class DeprecatedAttribute:
    """A class attribute that reads ``new`` and warns that ``old`` was renamed."""

    def __init__(self, new: str) -> None:
        self.new = new
        self.old = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.old = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        warn_renamed(f"{type(instance).__name__}.{self.old}", self.new)
        return getattr(instance, self.new)


def warn_moved_module(old: str, new: str) -> None:
    """Tell the importer of module ``old`` that its names now live in module ``new``."""
    warnings.warn(
        f"{old!r} is deprecated and will be removed in the next release; import from {new!r}",
        DeprecationWarning,
        stacklevel=3,
    )
