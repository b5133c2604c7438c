"""File names for outputs named after the user's columns (any case, spaces, accents).

Tables and figures are often named after an outcome (``trends_<outcome>``), and an outcome
can be called ``Rate``, ``Math Score (SS)`` or ``Écoles``. :func:`slugify` turns any name
into a portable file name; :class:`FileNames` keeps the names of one run unique, so two
outcomes whose names slug the same never overwrite each other's files. Captions and
sentences keep the original name.
"""

from __future__ import annotations

import re
import unicodedata

#: A name that is already a portable file name (kept as it is).
FILE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_NOT_ALLOWED = re.compile(r"[^a-z0-9_\-]+")
_REPEATS = re.compile(r"_{2,}")
#: Longest slug (file systems allow 255 bytes; keep room for the suffix and extension).
MAX_LENGTH = 80


def slugify(name: object, fallback: str = "output") -> str:
    """A lower-case ASCII file name for ``name``, the same every time.

    Names that are already portable file names (lower-case letters, digits, ``_`` and
    ``-``, starting with a letter or digit) are returned unchanged. Otherwise accents are
    dropped (``É`` -> ``e``), letters lower-cased, and every run of other characters
    (spaces, punctuation) becomes one ``_``.

    Parameters
    ----------
    name : object
        The name (converted with ``str``).
    fallback : str
        Used when nothing is left (a name made only of symbols, e.g. ``"%"``).

    Returns
    -------
    str

    Examples
    --------
    >>> slugify("Math Score (SS)")
    'math_score_ss'
    >>> slugify("Écoles")
    'ecoles'
    """
    text = str(name)
    if FILE_NAME_RE.match(text) and len(text) <= MAX_LENGTH:
        return text
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_ALLOWED.sub("_", ascii_text.lower())
    slug = _REPEATS.sub("_", slug).strip("_-")[:MAX_LENGTH].rstrip("_-")
    return slug or fallback


class FileNames:
    """Unique file names for the outputs of one run.

    The first name to take a slug gets it; a different name with the same slug gets
    ``-2``, ``-3``, ... in the order names are first seen. The same name always gets the
    same file name, so publishing a table again overwrites its own files.
    """

    def __init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._taken: set[str] = set()

    def __call__(self, name: object) -> str:
        """The file name for ``name`` (assigned on first use)."""
        key = str(name)
        if key in self._by_name:
            return self._by_name[key]
        base = slugify(key)
        slug, n = base, 1
        while slug in self._taken:
            n += 1
            slug = f"{base}-{n}"
        self._by_name[key] = slug
        self._taken.add(slug)
        return slug
