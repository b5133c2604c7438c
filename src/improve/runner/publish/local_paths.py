"""No local folder in a published output.

A run folder is e-mailed and published; the folders it was made in (the user's home, the
data folder, the temporary run folder, this checkout) say who ran it and where, and are
no business of the reader. The report names inputs by file name already; the manifest and
the executed notebook held absolute paths (the injected parameters, papermill's metadata,
the command line). :class:`LocalFolders` lists a run's folders and rewrites every string
of a JSON-like value: a path inside the data folder becomes relative to it (usually the
file name), inside the run folder relative to it, inside the notebooks folder, the reports
folder or the checkout relative to those, and the home folder becomes ``~``. The full
paths stay only on the user's machine (the command they typed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LocalFolders:
    """Folders of a run, most specific first, that published text must not show.

    Parameters
    ----------
    folders : tuple of str
        Absolute folders replaced by nothing (a path inside one becomes relative to it).
    home : str, optional
        The home folder, replaced by ``~`` where none of ``folders`` matched.
    """

    folders: tuple[str, ...]
    home: str | None = None

    @classmethod
    def of_run(cls, *folders: str | Path | None) -> LocalFolders:
        """The given folders (and their resolved forms) plus the home folder."""
        seen: list[str] = []
        for folder in folders:
            if not folder:
                continue
            for form in (str(folder), str(Path(folder).resolve())):
                form = form.rstrip("/")
                if len(form) > 1 and form not in seen:
                    seen.append(form)
        seen.sort(key=len, reverse=True)  # the most specific folder wins
        home = os.path.expanduser("~").rstrip("/")
        return cls(tuple(seen), home if len(home) > 1 else None)

    def _pattern(self) -> re.Pattern[str]:
        names = [re.escape(f) for f in self.folders]
        if self.home:
            names.append(re.escape(self.home))
        # a folder followed by "/" (its contents) or ending the path (the folder itself)
        return re.compile("(" + "|".join(names) + r")(/|(?![\w.\-]))")

    def text(self, value: str) -> str:
        """``value`` with every local folder removed (the home folder shown as ``~``)."""
        if not self.folders and not self.home:
            return value

        def replace(match: re.Match[str]) -> str:
            folder, slash = match.group(1), match.group(2)
            if folder == self.home and folder not in self.folders:
                return "~" + slash
            return "" if slash else "."

        return self._pattern().sub(replace, value)

    def scrub(self, value: Any) -> Any:
        """``value`` (strings, lists, mappings) with :meth:`text` applied to every string."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(v) for v in value]
        return value


def parent_folders(paths: Iterable[str | Path | None]) -> list[str]:
    """Folders holding the given files (dataset references and empty values skipped)."""
    out = []
    for path in paths:
        if path and not str(path).startswith("dataset:"):
            out.append(str(Path(path).parent))
    return out
