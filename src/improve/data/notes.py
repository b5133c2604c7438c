"""Notes for readers: load messages and Python warnings as plain sentences without local paths.

A report must not print raw Python warnings (``/home/me/.venv/.../attgt.py:917:
UserWarning: ...``) or the absolute path of the user's data folder. :func:`plain_sentence`
turns one message into a sentence with paths shown relative to the data folder (or as a
bare file name), and :func:`warning_sentences` does so for warnings caught with
``warnings.catch_warnings(record=True)``, keeping only the message.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

#: Absolute paths inside a message: POSIX (/a/b.csv) or Windows (C:\a\b.csv).
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:/[^\s'\"`:;,()\[\]]+|[A-Za-z]:\\[^\s'\"`:;,()\[\]]+)")


def relative_path(path: str | Path, data_dir: str | Path | None = None) -> str:
    """``path`` relative to ``data_dir`` when inside it, else its file name (POSIX form)."""
    text = str(path)
    pure = PureWindowsPath(text) if re.match(r"^[A-Za-z]:\\", text) else PurePosixPath(text)
    if data_dir is not None:
        root = Path(data_dir).resolve()
        try:
            return Path(text).resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return pure.name or text


def plain_sentence(text: str, data_dir: str | Path | None = None) -> str:
    """One message as a sentence: local paths shortened, a capital first letter, a full stop.

    Parameters
    ----------
    text : str
        A load warning, a note or a warning message.
    data_dir : str or Path, optional
        The data folder; paths inside it are shown relative to it, other absolute paths
        as their file name.
    """
    out = _ABSOLUTE_PATH.sub(lambda m: relative_path(m.group(0), data_dir), str(text).strip())
    if not out:
        return out
    out = out[0].upper() + out[1:]
    return out if out.endswith((".", "!", "?")) else out + "."


def warning_sentences(
    caught: Iterable[warnings.WarningMessage | Warning | str],
    data_dir: str | Path | None = None,
) -> list[str]:
    """Caught warnings as distinct plain sentences (message only: no file, line or class).

    Parameters
    ----------
    caught : iterable
        ``warnings.WarningMessage`` records (from ``catch_warnings(record=True)``),
        warning instances or strings.
    data_dir : str or Path, optional
        See :func:`plain_sentence`.
    """
    out: dict[str, None] = {}
    for item in caught:
        message = item.message if isinstance(item, warnings.WarningMessage) else item
        sentence = plain_sentence(str(message), data_dir)
        if sentence:
            out.setdefault(sentence, None)
    return list(out)
