"""Warnings that point at the user's line, however deep inside ``improve`` they are raised.

A fixed ``stacklevel`` is right for one call path only: the same cell warning is raised
three frames below ``att_gt`` for balanced panels and four for unbalanced ones.
:func:`warn_at_caller` counts the frames instead, up to the first one outside the package.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _inside_package(filename: str) -> bool:
    try:
        return str(Path(filename).resolve()).startswith(_PACKAGE_DIR)
    except (OSError, ValueError):  # "<string>" and other pseudo-files
        return False


def warn_at_caller(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` with the stack level of the first frame outside ``improve``.

    Parameters
    ----------
    message : str
        The warning text.
    category : type of Warning
        ``UserWarning`` unless a caller filters on something narrower.
    """
    level = 2  # stacklevel 1 is this function, 2 the frame that called it
    frame = sys._getframe(1)
    while frame is not None and _inside_package(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
